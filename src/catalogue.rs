//! The op catalogue: every op declared once.
//!
//! From the single `catalogue!` invocation below come the [`Op`] enum (names, count, the
//! coverage report's rows), the [`OpFn`] enum a backend registers its primaries with, the
//! [`Slots`] struct of function pointers a [`FunctionTable`](crate::FunctionTable) holds, and
//! the map from op to compositional fallback. Adding an op means adding one line here, a
//! public wrapper in `ops`, and primaries or a fallback; nothing else.
//!
//! Slot signatures are the *backend-facing* ones: the public wrappers in [`crate::ops`] have
//! already checked shapes, normalised axes (non-negative, sorted, unique), promoted dtypes and
//! cast the inputs, so a backend only computes. What each slot may assume is written next to
//! its signature type.

use crate::dtype::{DType, HostData, Scalar};
use crate::error::Result;
use crate::ops::fallbacks as fb;
use crate::tensor::{Device, Tensor};

/// Elementwise op on one tensor. Input dtype is the op's compute dtype (see `ops`).
pub type UnaryFn = fn(&Tensor) -> Result<Tensor>;
/// Elementwise op on two tensors of the same dtype whose shapes broadcast together.
pub type BinaryFn = fn(&Tensor, &Tensor) -> Result<Tensor>;
/// `where(condition, x, y)`: `condition` is bool, `x` and `y` share a dtype; all broadcast.
pub type WhereFn = fn(&Tensor, &Tensor, &Tensor) -> Result<Tensor>;
/// `clip(x, min, max)`: bounds have `x`'s dtype and broadcast to `x`'s shape.
pub type ClipFn = fn(&Tensor, Option<&Tensor>, Option<&Tensor>) -> Result<Tensor>;
/// Reduction over `axes` (sorted, unique, in range; empty means none), keeping reduced
/// dimensions as size 1 when the flag is set.
pub type ReduceFn = fn(&Tensor, &[usize], bool) -> Result<Tensor>;
/// `var`/`std`: axes as for [`ReduceFn`], then the correction (degrees of freedom), keepdims.
pub type StatFn = fn(&Tensor, &[usize], f64, bool) -> Result<Tensor>;
/// `argmax`/`argmin`: one axis or the flattened tensor (`None`), keepdims; result int64.
pub type ArgReduceFn = fn(&Tensor, Option<usize>, bool) -> Result<Tensor>;
/// An op along one axis (in range).
pub type AxisFn = fn(&Tensor, usize) -> Result<Tensor>;
/// `sort`/`argsort` along one axis, descending flag; stable.
pub type SortFn = fn(&Tensor, usize, bool) -> Result<Tensor>;
/// An op taking a list of sizes or axes: `reshape` (sizes, element count checked),
/// `permute_dims` (a permutation), `broadcast_to` (a compatible shape), `flip` and `squeeze`
/// (sorted unique axes; for `squeeze` each of size 1).
pub type ShapeFn = fn(&Tensor, &[usize]) -> Result<Tensor>;
/// `tril`/`triu` with the diagonal offset `k`; input has at least 2 dimensions.
pub type DiagFn = fn(&Tensor, i64) -> Result<Tensor>;
/// `concat`/`stack` of tensors of one dtype along an axis (in range for the result).
pub type JoinFn = fn(&[Tensor], usize) -> Result<Tensor>;
/// `astype` to a dtype.
pub type CastFn = fn(&Tensor, DType) -> Result<Tensor>;
/// `vecdot(a, b, axis)`: same dtype, shapes broadcast, `axis` in range of the broadcast shape
/// with equal sizes in both.
pub type VecdotFn = fn(&Tensor, &Tensor, usize) -> Result<Tensor>;
/// `tensordot(a, b, axes_a, axes_b)`: same dtype, paired axes of equal sizes.
pub type TensordotFn = fn(&Tensor, &Tensor, &[usize], &[usize]) -> Result<Tensor>;
/// Creates a tensor from host data; the element count matches the shape.
pub type FromHostFn = fn(HostData, &[usize], Device) -> Result<Tensor>;
/// Copies a tensor's elements to the host in row-major order.
pub type ToHostFn = fn(&Tensor) -> Result<HostData>;
/// `full(shape, value, dtype)`.
pub type FullFn = fn(&[usize], Scalar, DType, Device) -> Result<Tensor>;
/// `zeros`/`ones(shape, dtype)`.
pub type FillFn = fn(&[usize], DType, Device) -> Result<Tensor>;
/// `arange`: `start`, `step` and the element count `n` (computed by the core), dtype.
pub type ArangeFn = fn(f64, f64, usize, DType, Device) -> Result<Tensor>;
/// `linspace(start, stop, num, endpoint, dtype)`.
pub type LinspaceFn = fn(f64, f64, usize, bool, DType, Device) -> Result<Tensor>;
/// `eye(n_rows, n_cols, k, dtype)`.
pub type EyeFn = fn(usize, usize, i64, DType, Device) -> Result<Tensor>;
/// Moves a tensor to another device of the same backend (never called for its own device).
pub type DeviceFn = fn(&Tensor, Device) -> Result<Tensor>;

macro_rules! fallback_for {
    ($op:ident, $sig:ty) => {
        None
    };
    ($op:ident, $sig:ty, $f:path) => {
        Some(OpFn::$op($f as $sig))
    };
}

macro_rules! catalogue {
    ($( $op:ident = $name:literal : $sig:ty $(=> $fallback:path)? ;)*) => {
        /// One op of the catalogue. The variant names are the slot names; [`Op::name`] gives
        /// the standard's spelling (`linalg.inv`).
        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Op { $( #[doc = $name] $op, )* }

        impl Op {
            /// Every op, in catalogue order.
            pub const ALL: &'static [Op] = &[$(Op::$op),*];
            /// The number of ops.
            pub const COUNT: usize = Op::ALL.len();

            /// The standard's name (`"add"`, `"linalg.inv"`).
            #[inline]
            pub const fn name(self) -> &'static str {
                match self { $(Op::$op => $name,)* }
            }

            /// The identifier primaries are registered under (`"add"`, `"linalg_inv"`).
            pub const fn ident(self) -> &'static str {
                match self { $(Op::$op => stringify!($op),)* }
            }

            /// Looks an op up by identifier or standard name.
            pub fn from_name(name: &str) -> Option<Op> {
                Op::ALL.iter().copied().find(|op| op.ident() == name || op.name() == name)
            }

            /// The catalogue's compositional fallback, if the op has one.
            pub fn fallback(self) -> Option<OpFn> {
                match self { $(Op::$op => fallback_for!($op, $sig $(, $fallback)?),)* }
            }
        }

        /// A function for one op, as a backend registers it (see [`crate::Primary`]).
        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy, Debug)]
        pub enum OpFn { $( #[doc = $name] $op($sig), )* }

        impl OpFn {
            /// The op this function implements.
            pub const fn op(&self) -> Op {
                match self { $(OpFn::$op(_) => Op::$op,)* }
            }
        }

        /// One function pointer per op; `None` is an unsupported slot.
        #[allow(missing_docs)]
        #[derive(Clone, Debug)]
        pub struct Slots { $( pub $op: Option<$sig>, )* }

        impl Slots {
            pub(crate) fn empty() -> Slots {
                Slots { $( $op: None, )* }
            }

            pub(crate) fn set(&mut self, f: OpFn) {
                match f { $(OpFn::$op(g) => self.$op = Some(g),)* }
            }
        }
    };
}

catalogue! {
    // creation and host transfer
    from_host = "from_host": FromHostFn;
    to_host = "to_host": ToHostFn;
    to_device = "to_device": DeviceFn => fb::to_device;
    full = "full": FullFn => fb::full;
    zeros = "zeros": FillFn => fb::zeros;
    ones = "ones": FillFn => fb::ones;
    arange = "arange": ArangeFn => fb::arange;
    linspace = "linspace": LinspaceFn => fb::linspace;
    eye = "eye": EyeFn => fb::eye;
    // elementwise arithmetic
    add = "add": BinaryFn;
    subtract = "subtract": BinaryFn => fb::subtract;
    multiply = "multiply": BinaryFn;
    divide = "divide": BinaryFn;
    pow = "pow": BinaryFn;
    maximum = "maximum": BinaryFn;
    minimum = "minimum": BinaryFn;
    negative = "negative": UnaryFn;
    abs = "abs": UnaryFn;
    exp = "exp": UnaryFn;
    log = "log": UnaryFn;
    log1p = "log1p": UnaryFn => fb::log1p;
    expm1 = "expm1": UnaryFn => fb::expm1;
    sqrt = "sqrt": UnaryFn;
    square = "square": UnaryFn => fb::square;
    sin = "sin": UnaryFn;
    cos = "cos": UnaryFn;
    tanh = "tanh": UnaryFn;
    floor = "floor": UnaryFn;
    ceil = "ceil": UnaryFn;
    round = "round": UnaryFn;
    sign = "sign": UnaryFn;
    // comparison and logic
    equal = "equal": BinaryFn;
    not_equal = "not_equal": BinaryFn => fb::not_equal;
    less = "less": BinaryFn;
    less_equal = "less_equal": BinaryFn;
    greater = "greater": BinaryFn => fb::greater;
    greater_equal = "greater_equal": BinaryFn => fb::greater_equal;
    logical_and = "logical_and": BinaryFn;
    logical_or = "logical_or": BinaryFn;
    logical_xor = "logical_xor": BinaryFn => fb::logical_xor;
    logical_not = "logical_not": UnaryFn;
    where_ = "where": WhereFn;
    clip = "clip": ClipFn => fb::clip;
    // linear algebra
    matmul = "matmul": BinaryFn;
    matrix_transpose = "matrix_transpose": UnaryFn => fb::matrix_transpose;
    vecdot = "vecdot": VecdotFn => fb::vecdot;
    tensordot = "tensordot": TensordotFn => fb::tensordot;
    linalg_inv = "linalg.inv": UnaryFn;
    linalg_det = "linalg.det": UnaryFn;
    // reductions and statistics
    sum = "sum": ReduceFn;
    mean = "mean": ReduceFn => fb::mean;
    prod = "prod": ReduceFn;
    max = "max": ReduceFn;
    min = "min": ReduceFn;
    var = "var": StatFn => fb::var;
    std = "std": StatFn => fb::std;
    argmax = "argmax": ArgReduceFn;
    argmin = "argmin": ArgReduceFn;
    cumulative_sum = "cumulative_sum": AxisFn;
    sort = "sort": SortFn;
    argsort = "argsort": SortFn;
    softmax = "softmax": AxisFn => fb::softmax;
    // shape manipulation
    reshape = "reshape": ShapeFn;
    permute_dims = "permute_dims": ShapeFn;
    expand_dims = "expand_dims": AxisFn => fb::expand_dims;
    squeeze = "squeeze": ShapeFn => fb::squeeze;
    flip = "flip": ShapeFn;
    broadcast_to = "broadcast_to": ShapeFn;
    concat = "concat": JoinFn;
    stack = "stack": JoinFn => fb::stack;
    astype = "astype": CastFn;
    tril = "tril": DiagFn => fb::tril;
    triu = "triu": DiagFn => fb::triu;
}

impl Op {
    /// Position in [`Op::ALL`].
    #[inline]
    pub const fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for Op {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
