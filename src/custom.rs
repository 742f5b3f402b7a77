//! Users' own ops: an open extension point beside the closed catalogue.
//!
//! [`custom_op!`](crate::custom_op) declares an op in any crate — a name, a signature over
//! tensors and plain attributes, and a required *composition* written with catalogue ops (or
//! other custom ops) — and expands to a plain function that dispatches like a catalogue op:
//! the backend is picked by the precedence rule of [`crate::state`] (thread override, stack,
//! inference from the inputs), inside a read section, with panics caught. Backends get faster
//! *native versions* with [`custom_natives!`](crate::custom_natives), from the backend's crate
//! or any other, with version variants (`rms_norm_v_2p4_and_above`) picked as catalogue
//! primaries are. Each function table keeps a side table of what runs each custom op,
//! built at its first custom call; [`FunctionTable::report`](crate::FunctionTable::report)
//! lists them.
//!
//! ```
//! use tensorswitch_ndarray as _;
//! use tensorswitch::{add, custom_op, divide, full, mean, multiply, sqrt, square};
//! use tensorswitch::{Reduction, Tensor};
//!
//! custom_op! {
//!     /// `x / sqrt(mean(x², last axis) + eps) * weight`.
//!     pub fn my_rms_norm(x: &Tensor, weight: &Tensor; eps: f64) -> Result<Tensor> {
//!         let ms = mean(&square(x)?, Reduction::over(-1).keepdims(true))?;
//!         let eps = full(&[], eps, x.dtype())?;
//!         multiply(&divide(x, &sqrt(&add(&ms, &eps)?)?)?, weight)
//!     }
//! }
//!
//! # fn main() -> tensorswitch::Result<()> {
//! let x = Tensor::from_slice(&[3.0f32, 4.0], &[1, 2])?;
//! let w = Tensor::from_slice(&[1.0f32, 2.0], &[2])?;
//! let y = my_rms_norm(&x, &w, 0.0)?; // rms = sqrt(12.5)
//! let r = 12.5f32.sqrt();
//! assert_eq!(y.to_vec::<f32>()?, vec![3.0 / r, 8.0 / r]);
//! # Ok(())
//! # }
//! ```
//!
//! Two declarations of one name (in two crates, or two modules) make every call of that name
//! fail with [`Error::CustomOpConflict`], naming both — never
//! "last one wins".
//!
//! While a trace records, a call of a custom op is one node of the graph
//! ([`NodeOp::Custom`](crate::trace::NodeOp)), holding the op's attributes as data
//! ([`Attr`]); [`Graph::compile`](crate::Graph::compile) picks the target backend's native
//! version (or the composition) once, and the compiled run calls it directly. Attribute
//! types therefore implement [`CustomAttr`] (booleans, integers, floats, [`DType`](crate::DType),
//! `String`, and `Vec`s and `Option`s of those). See docs/architecture.md, "Custom ops".

pub use crate::custom_registry::{
    Attr, CustomAttr, CustomCall, CustomNative, CustomOp, CUSTOM_NATIVES, CUSTOM_OPS,
};

use crate::custom_registry::{CustomMode, CustomPick};
use crate::error::{Error, Result};
use crate::state::{self, TableGuard};
use crate::table::FunctionTable;
use crate::tensor::Tensor;
use std::any::Any;

/// What a call of a custom op runs (returned by the dispatch helper the macro calls).
#[doc(hidden)]
pub enum Pick<F> {
    /// A native version.
    Native(F),
    /// The composition, or, on a tracer's tracing table ([`__records`]), a node.
    Composition,
}

/// Picks the table for a call of `op` by the precedence rule, and what runs on it.
#[doc(hidden)]
#[inline(always)]
pub fn __pick<F: Copy + 'static>(
    op: &'static CustomOp,
    inputs: &[&Tensor],
) -> Result<(&'static FunctionTable, Pick<F>)> {
    let table = state::resolve(op.name, inputs)?;
    match &table.custom_entry(op).pick {
        CustomPick::Native(f, _) => match f.downcast_ref::<F>() {
            Some(f) => Ok((table, Pick::Native(*f))),
            None => Err(wrong_type(table, op)),
        },
        CustomPick::Composition => Ok((table, Pick::Composition)),
        // Checked on the composition's path only (`__records`), so the native's path is what
        // it would be without the tracer.
        CustomPick::Record => Ok((table, Pick::Composition)),
        CustomPick::Failed(e) => Err(e.clone()),
    }
}

/// A native whose type is not the op's: the table build checks the type, so only a
/// hand-made declaration whose `Native` type differs from its `native_type` gets here.
#[cold]
#[inline(never)]
fn wrong_type(table: &FunctionTable, op: &'static CustomOp) -> Error {
    Error::Registration {
        backend: table.backend_name().to_string(),
        problems: vec![format!(
            "the native version of the custom op `{}` (crate `{}`) does not have its signature {}",
            op.name, op.krate, op.signature
        )],
    }
}

/// Runs a native version or the composition of `op` on `table`, with panics caught; a
/// composition runs pinned to `table`, as a catalogue fallback does.
#[doc(hidden)]
#[inline(always)]
pub fn __run<R>(
    table: &'static FunctionTable,
    op: &'static CustomOp,
    composition: bool,
    f: impl FnOnce() -> Result<R>,
) -> Result<R> {
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        if composition {
            let _guard = TableGuard::new(table);
            f()
        } else {
            f()
        }
    }));
    match caught {
        Ok(result) => result,
        Err(payload) => Err(panicked(table, op, payload)),
    }
}

#[cold]
#[inline(never)]
fn panicked(
    table: &FunctionTable,
    op: &'static CustomOp,
    payload: Box<dyn std::any::Any + Send>,
) -> Error {
    let what = crate::error::panic_message(&*payload);
    Error::Backend {
        backend: table.backend_name().to_string(),
        op: op.name,
        message: format!(
            "the custom op (crate `{}`) panicked (caught by tensorswitch): {what}",
            op.krate
        ),
    }
}

/// Whether `table` is a tracer's tracing table, whose custom calls are recorded as nodes
/// ([`__record`]) instead of running their composition.
#[doc(hidden)]
#[inline(always)]
pub fn __records(table: &FunctionTable) -> bool {
    matches!(table.custom_mode, CustomMode::Record(_))
}

/// Records a call of `op` in the trace in progress with the tracing table's recorder: one
/// node, its result computed on the traced backend by its native version or composition.
#[doc(hidden)]
#[inline(never)]
pub fn __record(
    table: &'static FunctionTable,
    op: &'static CustomOp,
    inputs: &[&Tensor],
    attrs: Vec<Attr>,
) -> Result<Tensor> {
    match table.custom_mode {
        CustomMode::Record(record) => record(op, inputs, attrs),
        _ => Err(Error::Trace {
            reason: format!(
                "the custom op `{}` was asked to record a node on a table that does not trace \
                 (a bug)",
                op.name
            ),
        }),
    }
}

/// What `table` runs for `op`: its native version with the variant's name, or `None` for
/// the composition. Fails as a call of the op on `table` would (two declarations of its
/// name, invalid natives), and for a tracer's tracing table.
pub(crate) fn native_for(
    table: &'static FunctionTable,
    op: &'static CustomOp,
) -> Result<Option<(&'static (dyn Any + Send + Sync), &'static str)>> {
    match &table.custom_entry(op).pick {
        CustomPick::Native(f, variant) => Ok(Some((*f, variant))),
        CustomPick::Composition => Ok(None),
        CustomPick::Failed(e) => Err(e.clone()),
        CustomPick::Record => Err(Error::Trace {
            reason: format!(
                "the custom op `{}` was asked to run on a tracing table outside its trace; \
                 compile graphs for a backend name or its table",
                op.name
            ),
        }),
    }
}

/// Runs a node of `op` on `table`: `native` (from [`native_for`]) or, for `None`, the
/// composition pinned to `table`, with panics caught.
pub(crate) fn run_node(
    table: &'static FunctionTable,
    op: &'static CustomOp,
    native: Option<&'static (dyn Any + Send + Sync)>,
    inputs: &[&Tensor],
    attrs: &[Attr],
) -> Result<Tensor> {
    __run(table, op, native.is_none(), || {
        (op.call)(native, inputs, attrs)
    })
}

/// A node of `op` with the wrong number of inputs or attributes (a malformed graph).
#[doc(hidden)]
#[cold]
pub fn __arity(op: &'static CustomOp, inputs: usize, attrs: usize) -> Error {
    Error::Trace {
        reason: format!(
            "a node of the custom op `{}` has {inputs} input(s) and {attrs} attribute(s); `{}` \
             takes {} ({}) and {} ({})",
            op.name,
            op.name,
            op.inputs.len(),
            op.inputs.join(", "),
            op.attrs.len(),
            op.attrs.join(", ")
        ),
    }
}

/// A native of the wrong type handed to [`CustomOp::call`] (a bug).
#[doc(hidden)]
#[cold]
pub fn __not_native(op: &'static CustomOp) -> Error {
    Error::Trace {
        reason: format!(
            "the native version given to the custom op `{}` does not have its signature {} (a \
             bug)",
            op.name, op.signature
        ),
    }
}

/// Attribute `name` of `op` from a node's data.
#[doc(hidden)]
pub fn __attr<T: CustomAttr>(op: &'static CustomOp, name: &str, attr: Option<&Attr>) -> Result<T> {
    let Some(a) = attr else {
        return Err(Error::Trace {
            reason: format!(
                "a node of the custom op `{}` lacks its attribute `{name}`",
                op.name
            ),
        });
    };
    T::from_attr(a).ok_or_else(|| Error::Trace {
        reason: format!(
            "attribute `{name}` of the custom op `{}` is {a}, expected {}",
            op.name,
            T::EXPECTED
        ),
    })
}

/// Declares a custom op: a function that dispatches like a catalogue op, with a required
/// composition written with catalogue ops (or other custom ops).
///
/// ```ignore
/// tensorswitch::custom_op! {
///     /// Docs.
///     pub fn swiglu(x: &Tensor, gate: &Tensor) -> Result<Tensor> {
///         multiply(x, &silu(gate)?)
///     }
/// }
/// ```
///
/// Tensor parameters come first, each written `name: &Tensor` (at least one); plain
/// attributes follow after a `;` (`fn rms_norm(x: &Tensor, w: &Tensor; eps: f64)`), of types
/// that implement [`CustomAttr`] (a traced call holds them as data). The result is
/// `Result<Tensor>`. Declare it at module level
/// (not inside a function): the macro also writes a module of the same name, holding
/// `OP` (the registration), `Native` (the function type native versions have) and
/// `composition` (the body, callable directly); the body sees the enclosing module's items.
/// Like catalogue ops, a custom op is assumed pure (its result depends on its inputs and
/// attributes only): the tracer's common-subexpression pass merges two identical calls.
///
/// The name is the op's name for every crate in the program: a second declaration of it is
/// an error at the first call ([`Error::CustomOpConflict`](crate::Error::CustomOpConflict)).
#[macro_export]
macro_rules! custom_op {
    (
        $(#[$meta:meta])*
        $vis:vis fn $name:ident ( $($t:ident : &Tensor),+ $(; $($a:ident : $aty:ty),* )? )
            -> Result<Tensor> $body:block
    ) => {
        $(#[$meta])*
        #[allow(clippy::too_many_arguments)]
        $vis fn $name($($t: &$crate::Tensor,)+ $($($a: $aty,)*)?) -> $crate::Result<$crate::Tensor> {
            $crate::kit::in_read_section(move || {
                let (table, pick) =
                    $crate::custom::__pick::<$name::Native>(&$name::OP, &[$($t),+])?;
                match pick {
                    $crate::custom::Pick::Native(f) => {
                        $crate::custom::__run(table, &$name::OP, false, move || {
                            f($($t,)+ $($($a,)*)?)
                        })
                    }
                    $crate::custom::Pick::Composition => {
                        if $crate::custom::__records(table) {
                            return $name::__record(table, $($t,)+ $($($a,)*)?);
                        }
                        $crate::custom::__run(table, &$name::OP, true, move || {
                            $name::composition($($t,)+ $($($a,)*)?)
                        })
                    }
                }
            })
        }

        #[doc = concat!("The custom op `", stringify!($name), "`: its registration, the type of its native versions, and its composition.")]
        $vis mod $name {
            #[allow(unused_imports)]
            use super::*;

            /// The function type of this op's native versions.
            pub type Native = fn($($crate::__custom_tensor_ref!($t),)+ $($($aty,)*)?) -> $crate::Result<$crate::Tensor>;

            /// The op's registration.
            #[$crate::linkme::distributed_slice($crate::custom::CUSTOM_OPS)]
            #[linkme(crate = $crate::linkme)]
            pub static OP: $crate::custom::CustomOp = $crate::custom::CustomOp {
                name: stringify!($name),
                krate: env!("CARGO_PKG_NAME"),
                module: module_path!(),
                signature: stringify!(($($t: &Tensor),+ $(; $($a: $aty),*)?)),
                native_type: $crate::custom_registry::type_id_of::<Native>,
                inputs: &[$(stringify!($t)),+],
                attrs: &[$($(stringify!($a)),*)?],
                call: __call,
            };

            /// Records a call in the trace in progress (out of line: the op's function calls it
            /// on a tracer's tracing table only).
            #[doc(hidden)]
            #[cold]
            #[inline(never)]
            #[allow(clippy::too_many_arguments)]
            pub fn __record(
                table: &'static $crate::FunctionTable,
                $($t: &$crate::Tensor,)+ $($($a: $aty,)*)?
            ) -> $crate::Result<$crate::Tensor> {
                $crate::custom::__record(
                    table,
                    &OP,
                    &[$($t),+],
                    ::std::vec![$($($crate::custom::CustomAttr::to_attr(&$a)),*)?],
                )
            }

            /// Calls a native version (`Some`, a `Native`) or the composition (`None`) with
            /// the inputs and attributes of a traced node ([`CustomOp::call`]).
            ///
            /// [`CustomOp::call`]: $crate::custom::CustomOp::call
            #[doc(hidden)]
            #[allow(unused_mut, unused_variables, clippy::let_unit_value)]
            pub fn __call(
                native: ::std::option::Option<&'static (dyn ::std::any::Any + Send + Sync)>,
                inputs: &[&$crate::Tensor],
                attrs: &[$crate::custom::Attr],
            ) -> $crate::Result<$crate::Tensor> {
                let &[$($t),+] = inputs else {
                    return Err($crate::custom::__arity(&OP, inputs.len(), attrs.len()));
                };
                if attrs.len() != OP.attrs.len() {
                    return Err($crate::custom::__arity(&OP, inputs.len(), attrs.len()));
                }
                let mut next = attrs.iter();
                $($( let $a: $aty = $crate::custom::__attr(&OP, stringify!($a), next.next())?; )*)?
                match native {
                    None => composition($($t,)+ $($($a,)*)?),
                    Some(f) => match f.downcast_ref::<Native>() {
                        Some(f) => f($($t,)+ $($($a,)*)?),
                        None => Err($crate::custom::__not_native(&OP)),
                    },
                }
            }

            /// The op's composition: what runs where no native version is registered.
            #[allow(clippy::too_many_arguments)]
            pub fn composition($($t: &$crate::Tensor,)+ $($($a: $aty,)*)?) -> $crate::Result<$crate::Tensor> $body
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __custom_tensor_ref {
    ($t:ident) => {
        &$crate::Tensor
    };
}

/// Registers native versions of custom ops for one backend, as
/// [`primaries!`](crate::primaries) does for catalogue ops; each op must be in scope (`use
/// my_ops::rms_norm;` brings its function and its module):
///
/// ```ignore
/// tensorswitch::custom_natives! { "ndarray";
///     rms_norm => nd_rms_norm,                         // every version
///     swiglu @ "0p16_and_above" => nd_swiglu_new,      // a version variant
/// }
/// ```
///
/// Each function has the op's `Native` type (checked by the compiler). Registrations are
/// validated when a table is built: two variants matching one version are
/// [`Error::Registration`](crate::Error::Registration) at the op's first call on that backend.
#[macro_export]
macro_rules! custom_natives {
    ($backend:expr; $( $op:ident $(@ $range:literal)? => $f:expr ),* $(,)?) => {
        $(
            const _: () = {
                static FUNC: $op::Native = $f;
                #[$crate::linkme::distributed_slice($crate::custom::CUSTOM_NATIVES)]
                #[linkme(crate = $crate::linkme)]
                static NATIVE: $crate::custom::CustomNative = $crate::custom::CustomNative {
                    op: &$op::OP,
                    backend: $backend,
                    name: $crate::__variant_name!($op $(, $range)?),
                    func: &FUNC,
                    krate: env!("CARGO_PKG_NAME"),
                };
            };
        )*
    };
}
