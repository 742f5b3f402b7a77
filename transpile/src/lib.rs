//! # tensorswitch-transpile
//!
//! Turns a traced [`Graph`] (see [`tensorswitch::trace()`]) into standalone source code for one
//! framework: a Rust function that uses only `ndarray` (or only `tch`, or only `mlx-rs`) and
//! std, or a Python function that uses only `numpy`. The emitted code keeps tensorswitch's
//! semantics: it makes the same fix-ups the backend's primaries make where the framework
//! differs from the Array API standard (integer floor division and remainder signs, rounding
//! half to even, saturating float-to-integer casts, NaN propagation of `max`, …); for mlx-rs
//! they are the MLX backend's own functions (backends/mlx/src/kernels.rs), copied in.
//!
//! ```
//! use tensorswitch_ndarray as _;
//! use tensorswitch::{trace, Tensor};
//! use tensorswitch_transpile::{Emit, Target};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let x = Tensor::from_slice(&[1.0f32, 2.0, 3.0], &[3])?;
//! let g = trace(&[x], |xs| Ok(vec![xs[0].exp()?.sum(None)?]))?;
//! let code = g.emit(Target::Ndarray)?;
//! assert!(code.contains("pub fn model"));
//! let python = g.emit(Target::Numpy)?;
//! assert!(python.starts_with("import numpy as np"));
//! # Ok(())
//! # }
//! ```
//!
//! What each target supports is [`supported_ops`]; an op outside it (custom ops included:
//! they are not transpiled) is an [`Error::Unsupported`] naming the op, never wrong code. docs/transpile.md describes the
//! emitted code, the fix-ups and how the tests keep each emitter from drifting from the
//! primaries it mirrors.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub(crate) mod common;
mod mlx_rs;
mod ndarray_rs;
pub(crate) mod numpy;
mod tch_rs;
#[doc(hidden)]
pub mod testing;

use tensorswitch::trace::Graph;

/// The framework to emit code for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// A Rust function over `ndarray::ArrayD`, returning `Result<_, ndarray::ShapeError>`.
    Ndarray,
    /// A Rust function over `tch::Tensor`, returning `Result<_, tch::TchError>`.
    Tch,
    /// A Python function over `numpy.ndarray`.
    Numpy,
    /// A Rust function over `mlx_rs::Array` (mlx-rs 0.33), returning
    /// `Result<_, mlx_rs::error::Exception>`.
    MlxRs,
}

impl Target {
    /// The target's name: `ndarray`, `tch`, `numpy`, `mlx-rs`.
    pub fn name(self) -> &'static str {
        match self {
            Target::Ndarray => "ndarray",
            Target::Tch => "tch",
            Target::Numpy => "numpy",
            Target::MlxRs => "mlx-rs",
        }
    }

    /// The target named `name` (as [`Target::name`] spells it).
    pub fn from_name(name: &str) -> Option<Target> {
        [Target::Ndarray, Target::Tch, Target::Numpy, Target::MlxRs]
            .into_iter()
            .find(|t| t.name() == name)
    }
}

/// How the graph's constants (captured weights) appear in the emitted code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Constants {
    /// As arguments after the inputs, named as the graph names them (the default).
    #[default]
    Arguments,
    /// As literals written into the code (every element; meant for small constants).
    Embedded,
}

/// Options of [`Emit::emit_with`].
#[derive(Clone, Debug)]
pub struct Options {
    /// How constants appear.
    pub constants: Constants,
    /// The emitted function's name (`model` by default); must be an identifier.
    pub name: String,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            constants: Constants::Arguments,
            name: "model".to_string(),
        }
    }
}

/// Why a graph could not be emitted.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum Error {
    /// The graph holds an op (or an op on a dtype, shape or argument) the target does not
    /// emit.
    #[error(
        "cannot emit `{op}` for {target}: {reason}; the ops {target} supports are listed by \
         `tensorswitch_transpile::supported_ops` (docs/transpile.md)"
    )]
    Unsupported {
        /// The target.
        target: &'static str,
        /// The op's standard name.
        op: String,
        /// What about it is unsupported.
        reason: String,
    },
    /// The options are invalid.
    #[error("invalid option: {0}")]
    Options(String),
    /// The emitted Rust did not parse (a bug of the emitter).
    #[error("the emitted code does not parse (a bug of the emitter): {0}")]
    Internal(String),
}

/// The emitters' result type.
pub type Result<T> = std::result::Result<T, Error>;

/// `graph.emit(Target::Tch)`: source code for a traced graph.
pub trait Emit {
    /// The graph as one function named `model`, constants as arguments.
    fn emit(&self, target: Target) -> Result<String> {
        self.emit_with(target, &Options::default())
    }

    /// The graph as one function, with options.
    fn emit_with(&self, target: Target, options: &Options) -> Result<String>;
}

impl Emit for Graph {
    fn emit_with(&self, target: Target, options: &Options) -> Result<String> {
        let valid = !options.name.is_empty()
            && options
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !options.name.starts_with(|c: char| c.is_ascii_digit())
            && !common::is_reserved(&options.name);
        if !valid {
            return Err(Error::Options(format!(
                "the function name `{}` is not an identifier (ASCII letters, digits and `_`, \
                 not starting with a digit, not a keyword)",
                options.name
            )));
        }
        if let Some(n) = self.nodes().iter().find(|n| n.op.custom().is_some()) {
            return Err(common::custom_unsupported(target.name(), n));
        }
        match target {
            Target::Ndarray => ndarray_rs::emit(self, options),
            Target::Tch => tch_rs::emit(self, options),
            Target::Numpy => numpy::emit(self, options),
            Target::MlxRs => mlx_rs::emit(self, options),
        }
    }
}

/// The ops (standard names) a target emits, each for the dtypes, arguments and shapes
/// docs/transpile.md lists: [`BASE_OPS`] with the target's additions and without its removals
/// ([`target_ops`]).
pub fn supported_ops(target: Target) -> &'static [&'static str] {
    static LISTS: std::sync::OnceLock<Vec<Vec<&'static str>>> = std::sync::OnceLock::new();
    let lists = LISTS.get_or_init(|| {
        TARGETS
            .iter()
            .map(|&t| {
                let (added, removed) = target_ops(t);
                BASE_OPS
                    .iter()
                    .filter(|op| !removed.contains(op))
                    .chain(added)
                    .copied()
                    .collect()
            })
            .collect()
    });
    let i = TARGETS.iter().position(|&t| t == target).unwrap_or(0);
    &lists[i]
}

const TARGETS: [Target; 4] = [Target::Ndarray, Target::Tch, Target::Numpy, Target::MlxRs];

/// The ops every target emits (standard names). Adding an op to the transpiler is one line
/// here (or in [`target_ops`] for some targets) and an arm in each emitter.
pub const BASE_OPS: &[&str] = &[
    // elementwise
    "add",
    "subtract",
    "multiply",
    "divide",
    "maximum",
    "minimum",
    "logaddexp",
    "atan2",
    "hypot",
    "copysign",
    "floor_divide",
    "remainder",
    "pow",
    "equal",
    "not_equal",
    "less",
    "less_equal",
    "greater",
    "greater_equal",
    "logical_and",
    "logical_or",
    "logical_xor",
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
    "negative",
    "abs",
    "exp",
    "log",
    "log1p",
    "expm1",
    "sqrt",
    "square",
    "sin",
    "cos",
    "tan",
    "tanh",
    "sinh",
    "cosh",
    "asin",
    "acos",
    "atan",
    "asinh",
    "acosh",
    "atanh",
    "log2",
    "log10",
    "floor",
    "ceil",
    "round",
    "trunc",
    "sign",
    "positive",
    "isnan",
    "isinf",
    "isfinite",
    "signbit",
    "logical_not",
    "bitwise_invert",
    "where",
    "clip",
    // reductions
    "sum",
    "prod",
    "mean",
    "max",
    "min",
    "all",
    "any",
    "count_nonzero",
    "var",
    "std",
    "argmax",
    "argmin",
    "cumulative_sum",
    "softmax",
    // linear algebra
    "matmul",
    "matrix_transpose",
    // manipulation and creation
    "astype",
    "reshape",
    "permute_dims",
    "moveaxis",
    "expand_dims",
    "squeeze",
    "flip",
    "broadcast_to",
    "concat",
    "stack",
    "full",
    "full_like",
    "zeros",
    "ones",
    "zeros_like",
    "ones_like",
    "empty",
    "empty_like",
    "from_host",
];

/// The ops a target emits beyond [`BASE_OPS`], and those of [`BASE_OPS`] it does not.
pub fn target_ops(target: Target) -> (&'static [&'static str], &'static [&'static str]) {
    match target {
        Target::Ndarray | Target::Tch => (&["bitwise_left_shift", "bitwise_right_shift"], &[]),
        Target::Numpy => (&[], &[]),
        // Integer bitwise ops are mlx-c calls that mlx-rs 0.33 does not expose: the
        // bitwise ops are emitted for bool only, the shifts (integers only) not at all.
        Target::MlxRs => (
            &[
                "sort",
                "argsort",
                "take",
                "take_along_axis",
                "linalg.outer",
                "linalg.diagonal",
                "linalg.trace",
            ],
            &[],
        ),
    }
}
