//! The op catalogue: every op declared once.
//!
//! The list is the macro [`for_each_op!`](crate::for_each_op): one line per op with its
//! identifier, the standard's name, its group, its slot type (what a backend implements), its
//! *kind* (the public signature, the validation and the attributes of a call, see
//! [`crate::call`]) and whether the catalogue has a compositional fallback for it. Each layer
//! expands the list with its own macro, so an op's name, group, arity and attributes are
//! written once:
//!
//! * here: the [`Op`] enum (names, count, groups), the [`OpFn`] enum a backend registers its
//!   primaries with, and the [`Slots`] a [`FunctionTable`](crate::FunctionTable) holds;
//! * in [`crate::call`]: [`OpCall`](crate::call::OpCall), every op call as plain data;
//! * in [`crate::ops`]: the public functions, the methods on [`Tensor`], the runner of an
//!   [`OpCall`](crate::call::OpCall), and the registration of the fallbacks.
//!
//! Adding an op means adding its line here, its primaries or its fallback, and its
//! conformance cases; nothing else.
//!
//! Slot signatures are the *backend-facing* ones: the public functions have already checked
//! shapes, normalised axes (non-negative, sorted, unique), promoted dtypes and cast the
//! inputs, so a backend only computes. What each slot may assume is written next to its
//! signature type.

use crate::dtype::{DType, HostData, Scalar};
use crate::error::Result;
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
/// `permute_dims` and `moveaxis` (a permutation), `broadcast_to` (a compatible shape), `flip` and `squeeze`
/// (sorted unique axes; for `squeeze` each of size 1), `tile` (one count per dimension of the
/// input, which has as many dimensions as the result; not all 1).
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
/// `roll`: shifts, each in `1..size` of its axis, and their axes (sorted, unique, in range;
/// at least one).
pub type RollFn = fn(&Tensor, &[usize], &[usize]) -> Result<Tensor>;
/// `repeat` along one axis (in range): `counts` holds one count for every element
/// (`counts.len() == 1`) or one per element along the axis; the result fits the backend.
pub type RepeatFn = fn(&Tensor, &[usize], usize) -> Result<Tensor>;
/// Moves a tensor to another device of the same backend (never called for its own device).
pub type DeviceFn = fn(&Tensor, Device) -> Result<Tensor>;

/// `take(x, indices, axis)` and `take_along_axis(x, indices, axis)`: `indices` is int64 and
/// every value is in `0..x.shape[axis]` (the core refuses others and turns negative ones into
/// their positive equivalents first). For `take` it is 1-D; for `take_along_axis` it has `x`'s
/// number of dimensions and `x`'s sizes off `axis`.
pub type TakeFn = fn(&Tensor, &Tensor, usize) -> Result<Tensor>;
/// `strided_slice`: one [`AxisSlice`] per dimension of `x`, each in range.
pub type SliceFn = fn(&Tensor, &[AxisSlice]) -> Result<Tensor>;
/// `searchsorted(x1, x2, right)`: `x1` is 1-D, both have one dtype; the result is int64 of
/// `x2`'s shape.
pub type SearchFn = fn(&Tensor, &Tensor, bool) -> Result<Tensor>;
/// `put`/`put_add(x, indices, values)`: `x` is 1-D, `indices` 1-D int64 with every value in
/// `0..x.len()`, `values` 1-D of `indices`' length in `x`'s dtype.
pub type PutFn = fn(&Tensor, &Tensor, &Tensor) -> Result<Tensor>;

/// `conv2d(x, w, window)`: `x` is `(N, C_in, H, W)`, `w` is `(C_out, C_in / groups, kH, kW)`
/// of `x`'s float dtype; `groups` divides `C_in` and `C_out`; the window's kernel is `w`'s
/// `(kH, kW)`; the result, `(N, C_out, H_out, W_out)` with both sizes at least 1, fits the
/// backend (see [`Window2d::output`]).
pub type Conv2dFn = fn(&Tensor, &Tensor, &Window2d) -> Result<Tensor>;
/// `max_pool2d`/`avg_pool2d(x, window)`: `x` is a float `(N, C, H, W)`; `groups` is 1,
/// padding is at most half the kernel (as in torch), and the result, `(N, C, H_out, W_out)`
/// with both sizes at least 1, fits the backend. `avg_pool2d` has dilation 1 and counts the
/// padding's zeros in each average (torch's default `count_include_pad`).
pub type Pool2dFn = fn(&Tensor, &Window2d) -> Result<Tensor>;

/// The sliding window of `conv2d` and the 2-D pools, per spatial dimension (height, width).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Window2d {
    /// The kernel's size (at least 1).
    pub kernel: [usize; 2],
    /// The step between windows (at least 1).
    pub stride: [usize; 2],
    /// Zeros (for max pooling: -inf) added on both sides.
    pub padding: [usize; 2],
    /// The spacing of the kernel's taps (at least 1).
    pub dilation: [usize; 2],
    /// `conv2d`'s channel groups (1 for the pools).
    pub groups: usize,
}

impl Window2d {
    /// The output size along one spatial dimension of input size `n`:
    /// `(n + 2 padding - dilation (kernel - 1) - 1) / stride + 1`, or `None` when the dilated
    /// kernel is larger than the padded input.
    pub fn output(&self, dim: usize, n: usize) -> Option<usize> {
        let padded = n.checked_add(self.padding[dim].checked_mul(2)?)?;
        let span = self.dilation[dim]
            .checked_mul(self.kernel[dim] - 1)?
            .checked_add(1)?;
        padded.checked_sub(span).map(|r| r / self.stride[dim] + 1)
    }
}

/// The part of one dimension a [`SliceFn`] keeps: `len` elements, the first at `start`, then
/// every `step`-th (`step` is non-zero and may be negative). When `len > 0`, `start` and
/// `start + (len - 1) * step` are in `0..size`; when `len == 0`, `start` is 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AxisSlice {
    /// The index of the first element kept.
    pub start: usize,
    /// How many elements are kept.
    pub len: usize,
    /// The distance between kept elements (negative: backwards).
    pub step: isize,
}

impl AxisSlice {
    /// The whole dimension of `size` elements, in order.
    pub const fn full(size: usize) -> AxisSlice {
        AxisSlice {
            start: 0,
            len: size,
            step: 1,
        }
    }

    /// The smallest index kept and the largest plus one (`0..0` when none is), and the
    /// absolute step: the span a positive-step slice covers before a flip.
    pub fn span(&self) -> (usize, usize, usize) {
        let s = self.step.unsigned_abs();
        if self.len == 0 {
            return (0, 0, s);
        }
        let last = self.len - 1;
        if self.step > 0 {
            (self.start, self.start + last * s + 1, s)
        } else {
            (self.start - last * s, self.start + 1, s)
        }
    }
}

// ----- the `linalg` extension (solve, decompositions, norms, …)

/// An op on a stack of matrices with a flag: `linalg.cholesky` (`upper`). The input is a
/// floating-point stack of square matrices.
pub type FlagFn = fn(&Tensor, bool) -> Result<Tensor>;
/// `linalg.qr` with the `complete` flag (mode `"complete"`): `[q, r]`. The input is a
/// floating-point stack of matrices (at least 2 dimensions).
pub type QrFn = fn(&Tensor, bool) -> Result<[Tensor; 2]>;
/// `linalg.svd` with `full_matrices`: `[u, s, vh]`, singular values descending. The input is a
/// floating-point stack of matrices.
pub type SvdFn = fn(&Tensor, bool) -> Result<[Tensor; 3]>;
/// A decomposition of a floating-point stack of square matrices into two tensors:
/// `linalg.eigh` (`[eigenvalues ascending, eigenvectors]`), `linalg.slogdet` (`[sign,
/// logabsdet]`).
pub type PairFn = fn(&Tensor) -> Result<[Tensor; 2]>;
/// `linalg.pinv`/`linalg.matrix_rank` with the relative tolerance `rtol` (the core puts in the
/// standard's default, `max(M, N) · eps`). The input is a floating-point stack of matrices.
/// Also `layer_norm` with its epsilon (finite, at least 0): a floating-point tensor of at least
/// one dimension, normalized over its last one (the core flattens the normalized dimensions
/// into it), whose last dimension is not empty.
pub type RtolFn = fn(&Tensor, f64) -> Result<Tensor>;
/// An op on a stack of matrices with an integer: `linalg.matrix_power` (the exponent; square
/// floating-point matrices), `linalg.diagonal` and `linalg.trace` (the diagonal's offset; any
/// stack of matrices). Also `one_hot`: an int64 tensor of any shape and the number of classes
/// (at least 0); the result is bool, of the input's shape plus that many at the end.
pub type MatrixIntFn = fn(&Tensor, i64) -> Result<Tensor>;
/// `linalg.matrix_norm(x, ord, keepdims)`: a floating-point stack of matrices.
pub type MatrixNormFn = fn(&Tensor, MatrixOrd, bool) -> Result<Tensor>;
/// `linalg.vector_norm(x, axes, ord, keepdims)`: axes as for [`ReduceFn`] (never empty), a
/// floating-point input.
pub type VectorNormFn = fn(&Tensor, &[usize], f64, bool) -> Result<Tensor>;

/// `linalg.matrix_norm`'s `ord` (a slot argument, so declared here; read and written as an
/// attribute in [`crate::call`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MatrixOrd {
    /// Frobenius: `sqrt(Σ x²)` (the standard's default, `"fro"`).
    #[default]
    Fro,
    /// Nuclear: the sum of the singular values (`"nuc"`).
    Nuc,
    /// The largest column sum of magnitudes (`1`).
    One,
    /// The smallest column sum of magnitudes (`-1`).
    NegOne,
    /// The largest singular value (`2`).
    Two,
    /// The smallest singular value (`-2`).
    NegTwo,
    /// The largest row sum of magnitudes (`inf`).
    Inf,
    /// The smallest row sum of magnitudes (`-inf`).
    NegInf,
}

/// The op catalogue. Expands `$then! { … }` with one line per op:
///
/// ```text
/// /// docs of the public function
/// ident = "standard name", group, SlotType, Kind(Flavor) [, fallback];
/// ```
///
/// `Kind` names the public signature and validation (see `ops::kinds`), `Flavor` the dtype
/// rule where a kind has several, and `fallback` says that `ops::fallbacks::Fallbacks::ident`
/// composes the op from other ops.
#[macro_export]
#[doc(hidden)]
macro_rules! for_each_op {
    ($then:ident) => {
        $crate::__catalogue_list! { $then }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __catalogue_list {
    ($then:ident) => {
        $then! {
        // ----- creation and host transfer
        /// Creates a tensor from host data on the active backend, on the default device.
        from_host = "from_host", creation, FromHostFn, FromHost;
        /// Copies a tensor's elements to the host, using the tensor's own backend.
        to_host = "to_host", creation, ToHostFn, ToHost;
        /// Moves `x` to `device` on its own backend (a copy unless it is already there).
        to_device = "to_device", creation, DeviceFn, ToDevice, fallback;
        /// A tensor of `shape` filled with `value` converted to `dtype` (Rust `as` rules; bool:
        /// value != 0).
        full = "full", creation, FullFn, Full, fallback;
        /// A tensor of zeros.
        zeros = "zeros", creation, FillFn, Fill, fallback;
        /// A tensor of ones.
        ones = "ones", creation, FillFn, Fill, fallback;
        /// Zeros of `x`'s shape on `x`'s device, in `dtype` (`None`: `x`'s dtype).
        zeros_like = "zeros_like", creation, FillFn, Like, fallback;
        /// Ones of `x`'s shape on `x`'s device, in `dtype` (`None`: `x`'s dtype).
        ones_like = "ones_like", creation, FillFn, Like, fallback;
        /// A tensor of `shape` whose contents the standard leaves unspecified; tensorswitch
        /// fills it with zeros, so results never depend on stale memory.
        empty = "empty", creation, FillFn, Fill, fallback;
        /// [`empty`](crate::empty) of `x`'s shape on `x`'s device, in `dtype` (`None`: `x`'s).
        empty_like = "empty_like", creation, FillFn, Like, fallback;
        /// `value` (converted as [`full`](crate::full) converts) in `x`'s shape on `x`'s
        /// device, in `dtype` (`None`: `x`'s dtype).
        full_like = "full_like", creation, FullFn, FullLike, fallback;
        /// Values from `start` towards `stop` (exclusive) by `step`: `ceil((stop - start) / step)`
        /// elements. The bounds may be scalars of any element type; they are computed with as
        /// `f64`, so an integer bound beyond 2^53 is an error.
        arange = "arange", creation, ArangeFn, Arange, fallback;
        /// `num` evenly spaced values from `start` to `stop` (included when `endpoint`).
        linspace = "linspace", creation, LinspaceFn, Linspace, fallback;
        /// A 2-D tensor with ones on the `k`-th diagonal and zeros elsewhere; `n_cols` defaults to
        /// `n_rows`.
        eye = "eye", creation, EyeFn, Eye, fallback;
        // ----- elementwise arithmetic
        /// `a + b`, elementwise with broadcasting (integers wrap on overflow).
        add = "add", elementwise, BinaryFn, Binary(Arithmetic);
        /// `a - b` (integers wrap on overflow).
        subtract = "subtract", elementwise, BinaryFn, Binary(Arithmetic), fallback;
        /// `a * b` (integers wrap on overflow).
        multiply = "multiply", elementwise, BinaryFn, Binary(Arithmetic);
        /// `a / b`; integer and bool inputs are divided as the default float dtype (float32).
        divide = "divide", elementwise, BinaryFn, Binary(FloatResult);
        /// `a` to the power `b`; negative integer exponents of integers are an error.
        pow = "pow", elementwise, BinaryFn, Binary(Arithmetic);
        /// The larger of `a` and `b`; NaN if either is NaN.
        maximum = "maximum", elementwise, BinaryFn, Binary(Arithmetic);
        /// The smaller of `a` and `b`; NaN if either is NaN.
        minimum = "minimum", elementwise, BinaryFn, Binary(Arithmetic);
        /// `log(exp(a) + exp(b))`, without overflow for large inputs; integer and bool
        /// inputs are computed in the default float dtype.
        logaddexp = "logaddexp", elementwise, BinaryFn, Binary(FloatResult), fallback;
        /// The angle of the point `(b, a)` from the positive x axis, in `[-π, π]`, with the
        /// quadrants and signed zeros of C's `atan2`; integer and bool inputs are computed in
        /// the default float dtype.
        atan2 = "atan2", elementwise, BinaryFn, Binary(FloatResult);
        /// `sqrt(a² + b²)` without overflow or underflow in between; infinite if either is
        /// infinite (even when the other is NaN). Integer and bool inputs are computed in the
        /// default float dtype.
        hypot = "hypot", elementwise, BinaryFn, Binary(FloatResult), fallback;
        /// `floor(a / b)`: the quotient rounded towards negative infinity, as Python's `//`
        /// (numeric inputs, promoted; bool refused). Integer division by zero gives 0, as in
        /// NumPy, on every backend (and `MIN // -1` wraps to `MIN`); floats follow IEEE 754
        /// (`x // 0.0` is ±inf or NaN) and NumPy's rounding of the quotient.
        floor_divide = "floor_divide", elementwise, BinaryFn, Binary(Arithmetic);
        /// The remainder of [`floor_divide`](crate::floor_divide), with the sign of `b` (as
        /// Python's `%`): `a - b * floor(a / b)`. Integer `remainder(a, 0)` is 0, as in NumPy,
        /// on every backend; for floats it is NaN.
        remainder = "remainder", elementwise, BinaryFn, Binary(Arithmetic);
        /// The magnitude of `a` with the sign bit of `b` (`-0.0` and NaNs with the sign bit set
        /// count as negative); integer and bool inputs are computed in the default float dtype.
        copysign = "copysign", elementwise, BinaryFn, Binary(FloatResult), fallback;
        /// `-x` (integers wrap: `-i8::MIN == i8::MIN`).
        negative = "negative", elementwise, UnaryFn, Unary(Numeric);
        /// `|x|` (integers wrap: `abs(i8::MIN) == i8::MIN`).
        abs = "abs", elementwise, UnaryFn, Unary(Numeric);
        /// `e^x`.
        exp = "exp", elementwise, UnaryFn, Unary(Float);
        /// Natural logarithm.
        log = "log", elementwise, UnaryFn, Unary(Float);
        /// `ln(1 + x)`, accurate for small `x`.
        log1p = "log1p", elementwise, UnaryFn, Unary(Float), fallback;
        /// `e^x - 1`, accurate for small `x`.
        expm1 = "expm1", elementwise, UnaryFn, Unary(Float), fallback;
        /// Square root.
        sqrt = "sqrt", elementwise, UnaryFn, Unary(Float);
        /// `x * x`.
        square = "square", elementwise, UnaryFn, Unary(Numeric), fallback;
        /// Sine.
        sin = "sin", elementwise, UnaryFn, Unary(Float);
        /// Cosine.
        cos = "cos", elementwise, UnaryFn, Unary(Float);
        /// Hyperbolic tangent.
        tanh = "tanh", elementwise, UnaryFn, Unary(Float);
        /// Tangent.
        tan = "tan", elementwise, UnaryFn, Unary(Float), fallback;
        /// Hyperbolic sine.
        sinh = "sinh", elementwise, UnaryFn, Unary(Float), fallback;
        /// Hyperbolic cosine.
        cosh = "cosh", elementwise, UnaryFn, Unary(Float), fallback;
        /// Inverse sine, in `[-π/2, π/2]`; NaN outside `[-1, 1]`.
        asin = "asin", elementwise, UnaryFn, Unary(Float);
        /// Inverse cosine, in `[0, π]`; NaN outside `[-1, 1]`.
        acos = "acos", elementwise, UnaryFn, Unary(Float);
        /// Inverse tangent, in `[-π/2, π/2]`.
        atan = "atan", elementwise, UnaryFn, Unary(Float);
        /// Inverse hyperbolic sine.
        asinh = "asinh", elementwise, UnaryFn, Unary(Float), fallback;
        /// Inverse hyperbolic cosine; NaN below 1.
        acosh = "acosh", elementwise, UnaryFn, Unary(Float), fallback;
        /// Inverse hyperbolic tangent; ±infinity at ±1, NaN outside `[-1, 1]`.
        atanh = "atanh", elementwise, UnaryFn, Unary(Float), fallback;
        /// Base-2 logarithm.
        log2 = "log2", elementwise, UnaryFn, Unary(Float), fallback;
        /// Base-10 logarithm.
        log10 = "log10", elementwise, UnaryFn, Unary(Float), fallback;
        /// Rounds towards negative infinity.
        floor = "floor", elementwise, UnaryFn, Unary(Rounding);
        /// Rounds towards positive infinity.
        ceil = "ceil", elementwise, UnaryFn, Unary(Rounding);
        /// Rounds to the nearest integer, halfway cases to even.
        round = "round", elementwise, UnaryFn, Unary(Rounding);
        /// -1, 0 or 1 by the sign of `x` (NaN stays NaN).
        sign = "sign", elementwise, UnaryFn, Unary(Numeric);
        /// Rounds towards zero.
        trunc = "trunc", elementwise, UnaryFn, Unary(Rounding), fallback;
        /// `+x`: the values of `x` (a numeric dtype).
        positive = "positive", elementwise, UnaryFn, Unary(Numeric), fallback;
        /// `true` where `x` is NaN (never for integers).
        isnan = "isnan", elementwise, UnaryFn, Unary(Predicate), fallback;
        /// `true` where `x` is positive or negative infinity (never for integers).
        isinf = "isinf", elementwise, UnaryFn, Unary(Predicate), fallback;
        /// `true` where `x` is neither NaN nor infinite (always for integers).
        isfinite = "isfinite", elementwise, UnaryFn, Unary(Predicate), fallback;
        /// `true` where the sign bit of `x` is set: negative values, `-0.0`, `-inf` and NaNs
        /// with the sign bit set; for integers, `x < 0`.
        signbit = "signbit", elementwise, UnaryFn, Unary(Predicate);
        // ----- comparison and logic
        /// `a == b`.
        equal = "equal", elementwise, BinaryFn, Binary(Compare);
        /// `a != b`.
        not_equal = "not_equal", elementwise, BinaryFn, Binary(Compare), fallback;
        /// `a < b`.
        less = "less", elementwise, BinaryFn, Binary(Compare);
        /// `a <= b`.
        less_equal = "less_equal", elementwise, BinaryFn, Binary(Compare);
        /// `a > b`.
        greater = "greater", elementwise, BinaryFn, Binary(Compare), fallback;
        /// `a >= b`.
        greater_equal = "greater_equal", elementwise, BinaryFn, Binary(Compare), fallback;
        /// Logical and; non-bool inputs count as true when non-zero.
        logical_and = "logical_and", elementwise, BinaryFn, Binary(Logical);
        /// Logical or; non-bool inputs count as true when non-zero.
        logical_or = "logical_or", elementwise, BinaryFn, Binary(Logical);
        /// Logical exclusive or; non-bool inputs count as true when non-zero.
        logical_xor = "logical_xor", elementwise, BinaryFn, Binary(Logical), fallback;
        /// Logical not; non-bool inputs count as true when non-zero.
        logical_not = "logical_not", elementwise, UnaryFn, Unary(Logical);
        /// Bitwise and of integers (logical and of bools), promoted.
        bitwise_and = "bitwise_and", elementwise, BinaryFn, Binary(Bitwise);
        /// Bitwise or of integers (logical or of bools), promoted.
        bitwise_or = "bitwise_or", elementwise, BinaryFn, Binary(Bitwise);
        /// Bitwise exclusive or of integers (logical xor of bools), promoted.
        bitwise_xor = "bitwise_xor", elementwise, BinaryFn, Binary(Bitwise);
        /// `a` shifted left by `b` bits (integers only, promoted; bits shifted out are lost,
        /// so signed results wrap). Shifts that are negative or at least the dtype's width are
        /// left to the backend, as the standard allows.
        bitwise_left_shift = "bitwise_left_shift", elementwise, BinaryFn, Binary(Shift);
        /// `a` shifted right by `b` bits (integers only, promoted): arithmetic for signed
        /// integers (the sign is kept), logical for unsigned ones. Shifts that are negative or
        /// at least the dtype's width are left to the backend, as the standard allows.
        bitwise_right_shift = "bitwise_right_shift", elementwise, BinaryFn, Binary(Shift);
        /// Bitwise not of integers (`!x`, so `-x - 1` for signed ones); logical not of bools.
        bitwise_invert = "bitwise_invert", elementwise, UnaryFn, Unary(Bitwise), fallback;
        /// `where(condition, x, y)`: elements of `x` where `condition` holds, else of `y`.
        /// `condition` is converted to bool; `x` and `y` are promoted; all three broadcast.
        where_ = "where", elementwise, WhereFn, Where;
        /// Limits `x` to `[min, max]`; each bound is absent ([`Bound::None`](crate::Bound)), a
        /// scalar of any element type, or a tensor that broadcasts to `x`'s shape. Bounds are
        /// converted to `x`'s dtype; the result has `x`'s shape and dtype. Where `min > max` the
        /// result is `max`.
        clip = "clip", elementwise, ClipFn, Clip, fallback;
        // ----- linear algebra
        /// Matrix product with the standard's rules: 1-D operands are promoted to matrices and
        /// the added dimension removed afterwards; batch dimensions broadcast.
        matmul = "matmul", linalg, BinaryFn, Matmul;
        /// Swaps the last two dimensions.
        matrix_transpose = "matrix_transpose", linalg, UnaryFn, MatrixTranspose, fallback;
        /// Dot product of vectors along `axis` (the standard's default is -1), with broadcasting
        /// elsewhere.
        vecdot = "vecdot", linalg, VecdotFn, Vecdot, fallback;
        /// Contracts `a` and `b` over pairs of axes: a count `n` (the last `n` of `a` with the
        /// first `n` of `b`) or two lists of axes.
        tensordot = "tensordot", linalg, TensordotFn, Tensordot, fallback;
        /// The inverse of each square matrix in the last two dimensions. Integer inputs are
        /// converted to the default float dtype. A singular matrix is an error.
        linalg_inv = "linalg.inv", linalg, UnaryFn, SquareMatrix;
        /// The determinant of each square matrix in the last two dimensions.
        linalg_det = "linalg.det", linalg, UnaryFn, SquareMatrix;
        // ----- the rest of the `linalg` extension
        /// Solves `x1 · X = x2` for each square matrix of `x1` (the batch dimensions
        /// broadcast). `x2` is a stack of matrices `(…, M, K)`, or one vector `(M,)` (then the
        /// result is `(…, M)`). Integer inputs are converted to the default float dtype. A
        /// singular matrix is an error.
        linalg_solve = "linalg.solve", linalg, BinaryFn, Solve, fallback;
        /// The Cholesky factor of each symmetric positive-definite matrix: lower triangular `L`
        /// with `x = L Lᵀ`, or upper `U = Lᵀ` with `upper`. Only the lower triangle of `x` is
        /// read (the upper one with `upper`, as NumPy does). A matrix that is not positive
        /// definite is an error.
        linalg_cholesky = "linalg.cholesky", linalg, FlagFn, Cholesky, fallback;
        /// The QR decomposition of each matrix ([`Qr`](crate::linalg::Qr)): `mode` reduced
        /// (`q` is `M×K`, `r` is `K×N`, `K = min(M, N)`) or complete (`q` is `M×M`, `r` `M×N`).
        /// Signs are not normalised (each backend's own convention).
        linalg_qr = "linalg.qr", linalg, QrFn, Qr, fallback;
        /// The singular value decomposition of each matrix ([`Svd`](crate::linalg::Svd)):
        /// `x = u · diag(s) · vh`, `s` descending; `full_matrices` makes `u` `M×M` and `vh`
        /// `N×N` (else `M×K` and `K×N`). Singular vectors' signs are the backend's.
        linalg_svd = "linalg.svd", linalg, SvdFn, Svd, fallback;
        /// The singular values of each matrix, descending (shape `(…, min(M, N))`).
        linalg_svdvals = "linalg.svdvals", linalg, UnaryFn, Matrices, fallback;
        /// The eigenvalues (ascending) and eigenvectors of each symmetric matrix
        /// ([`Eigh`](crate::linalg::Eigh)); only the lower triangle is read. Eigenvectors'
        /// signs are the backend's.
        linalg_eigh = "linalg.eigh", linalg, PairFn, Eigh, fallback;
        /// The eigenvalues of each symmetric matrix, ascending; only the lower triangle is read.
        linalg_eigvalsh = "linalg.eigvalsh", linalg, UnaryFn, SquareMatrix, fallback;
        /// The sign and the natural logarithm of the absolute value of each determinant
        /// ([`SlogDet`](crate::linalg::SlogDet)); a singular matrix has sign 0 and
        /// logabsdet -infinity.
        linalg_slogdet = "linalg.slogdet", linalg, PairFn, Slogdet, fallback;
        /// The Moore–Penrose pseudo-inverse of each matrix, from its SVD: singular values at
        /// most `rtol · largest` count as zero (`rtol` defaults to `max(M, N) · eps`).
        linalg_pinv = "linalg.pinv", linalg, RtolFn, Rtol, fallback;
        /// The rank (int64) of each matrix: the number of singular values above
        /// `rtol · largest` (`rtol` defaults to `max(M, N) · eps`).
        linalg_matrix_rank = "linalg.matrix_rank", linalg, RtolFn, Rtol, fallback;
        /// Each square matrix to the integer power `n` (`n = 0`: the identity; `n < 0`: the
        /// inverse's power, an error for a singular matrix).
        linalg_matrix_power = "linalg.matrix_power", linalg, MatrixIntFn, MatrixPower, fallback;
        /// A norm of each matrix: `ord` Frobenius (default), nuclear, 1/-1 (largest/smallest
        /// column sum of magnitudes), 2/-2 (largest/smallest singular value), inf/-inf
        /// (largest/smallest row sum); `keepdims` keeps the two dimensions as size 1.
        linalg_matrix_norm = "linalg.matrix_norm", linalg, MatrixNormFn, MatrixNorm, fallback;
        /// The `ord`-norm (default 2) over the axes (default all): `(Σ|x|^ord)^(1/ord)`, the
        /// largest (`inf`) or smallest (`-inf`) magnitude, or (`0`) the count of non-zeros.
        linalg_vector_norm = "linalg.vector_norm", linalg, VectorNormFn, VectorNorm, fallback;
        /// The outer product of two vectors: `(M,)` and `(N,)` give `(M, N)`; dtypes promoted.
        linalg_outer = "linalg.outer", linalg, BinaryFn, Outer, fallback;
        /// The sum of each matrix's diagonal at `offset` (above the main one when positive),
        /// in the accumulator dtype of [`sum`](crate::sum).
        linalg_trace = "linalg.trace", linalg, MatrixIntFn, MatrixDiagonal, fallback;
        /// The diagonal at `offset` of each matrix: shape `(…, L)` with `L` its length (0 for
        /// offsets beyond the matrix).
        linalg_diagonal = "linalg.diagonal", linalg, MatrixIntFn, MatrixDiagonal, fallback;
        /// The cross product of 3-element vectors along `axis` (default -1; size 3 in both);
        /// the other dimensions broadcast, dtypes are promoted.
        linalg_cross = "linalg.cross", linalg, VecdotFn, Cross, fallback;
        // ----- reductions and statistics
        /// Sum over the axes (all for `None`). Signed integers and bool sum as int64, unsigned
        /// as uint64 (wrapping), floats in their own dtype.
        sum = "sum", reductions, ReduceFn, Reduce(Accumulate);
        /// Arithmetic mean over the axes; integers are averaged as the default float dtype. The
        /// mean of no elements is NaN.
        mean = "mean", reductions, ReduceFn, Reduce(Average), fallback;
        /// Product over the axes, with the accumulator dtypes of [`sum`](crate::sum).
        prod = "prod", reductions, ReduceFn, Reduce(Accumulate);
        /// Maximum over the axes; NaN if any element is NaN. Reducing a zero-size axis is an
        /// error.
        max = "max", reductions, ReduceFn, Reduce(Extremum);
        /// Minimum over the axes; NaN if any element is NaN. Reducing a zero-size axis is an
        /// error.
        min = "min", reductions, ReduceFn, Reduce(Extremum);
        /// Whether every element over the axes is true (non-zero; NaN counts as true); true
        /// for no elements.
        all = "all", reductions, ReduceFn, Reduce(Truth), fallback;
        /// Whether any element over the axes is true (non-zero; NaN counts as true); false for
        /// no elements.
        any = "any", reductions, ReduceFn, Reduce(Truth), fallback;
        /// The number (int64) of non-zero elements over the axes (NaN counts as non-zero).
        count_nonzero = "count_nonzero", reductions, ReduceFn, Reduce(Count), fallback;
        /// Variance over the axes, dividing by `N - correction` (0, the default, for the
        /// population variance; 1 for the sample variance). Where `N - correction <= 0` the
        /// result is NaN or infinity.
        var = "var", reductions, StatFn, Statistic, fallback;
        /// Standard deviation: the square root of [`var`](crate::var).
        std = "std", reductions, StatFn, Statistic, fallback;
        /// Index (int64) of the first maximum along one axis, or in the flattened tensor for
        /// `None`.
        argmax = "argmax", reductions, ArgReduceFn, ArgReduce;
        /// Index (int64) of the first minimum along one axis, or in the flattened tensor for
        /// `None`.
        argmin = "argmin", reductions, ArgReduceFn, ArgReduce;
        /// Running sum along one axis (may be `None` only for 0-D and 1-D tensors), in the
        /// accumulator dtype of [`sum`](crate::sum). With `include_initial` the result starts with
        /// a zero (one longer).
        cumulative_sum = "cumulative_sum", reductions, AxisFn, CumulativeSum;
        /// Sorts along one axis (default -1), ascending unless `descending`; stable, NaNs last in
        /// ascending order and first in descending.
        sort = "sort", reductions, SortFn, Sort;
        /// Indices (int64) that sort along one axis (stable: equal elements keep their order).
        argsort = "argsort", reductions, SortFn, Sort;
        /// `exp(x) / sum(exp(x))` along one axis, computed stably (the maximum is subtracted
        /// first). Not in the standard.
        softmax = "softmax", reductions, AxisFn, Softmax, fallback;
        // ----- shape manipulation
        /// Gives `x` a new shape with the same number of elements; one size may be -1 (inferred).
        reshape = "reshape", manipulation, ShapeFn, Reshape;
        /// Reorders the dimensions: dimension `i` of the result is dimension `axes[i]` of `x`;
        /// `None` reverses them.
        permute_dims = "permute_dims", manipulation, ShapeFn, PermuteDims;
        /// Moves the `source` axes to the `destination` positions, the others keeping their
        /// order (a permutation of the dimensions).
        moveaxis = "moveaxis", manipulation, ShapeFn, MoveAxis, fallback;
        /// Inserts a dimension of size 1 at one axis (in `-(ndim+1)..=ndim`).
        expand_dims = "expand_dims", manipulation, AxisFn, ExpandDims, fallback;
        /// Removes the given dimensions, each of which must have size 1; `None` removes every
        /// dimension of size 1.
        squeeze = "squeeze", manipulation, ShapeFn, Squeeze, fallback;
        /// Reverses the order of elements along the axes (all for `None`).
        flip = "flip", manipulation, ShapeFn, Flip;
        /// Broadcasts `x` to `shape`.
        broadcast_to = "broadcast_to", manipulation, ShapeFn, BroadcastTo;
        /// Joins tensors along an existing axis; `None` flattens them first. Dtypes are promoted.
        concat = "concat", manipulation, JoinFn, Concat;
        /// Joins tensors of one shape along a new axis (in `-(ndim+1)..=ndim`). Dtypes are
        /// promoted.
        stack = "stack", manipulation, JoinFn, Stack, fallback;
        /// Rolls the elements along the axes: each moves `shift` places forward (backwards for
        /// a negative shift), those pushed past the end coming back at the start. `shift` is
        /// one count or one per axis; one count with several axes rolls each axis by it, and an
        /// axis given several times is rolled by the sum of its shifts (as NumPy). `axis` None
        /// rolls the flattened tensor and gives back the shape.
        roll = "roll", manipulation, RollFn, Roll, fallback;
        /// `x` repeated `reps[i]` times along dimension `i`. `reps` and `x`'s dimensions are
        /// aligned at the right: the shorter is padded with 1s on the left, so the result has
        /// `max(x.ndim, reps.len())` dimensions.
        tile = "tile", manipulation, ShapeFn, Tile, fallback;
        /// Each element repeated along `axis` (None: of the flattened tensor): the same count
        /// for every element, or a 0-D or 1-D integer tensor of counts, one per element along
        /// the axis (or one for all). The counts are read to the host (the result's shape
        /// depends on them); negative counts are an error.
        repeat = "repeat", manipulation, RepeatFn, Repeat;
        /// Converts to `dtype`. Float to integer truncates towards zero and saturates at the
        /// integer's bounds (NaN becomes 0); to bool, non-zero is true.
        astype = "astype", manipulation, CastFn, AsType;
        /// The lower triangle of the last two dimensions: elements on and below the `k`-th
        /// diagonal, zeros elsewhere.
        tril = "tril", manipulation, DiagFn, Triangle, fallback;
        /// The upper triangle of the last two dimensions: elements on and above the `k`-th
        /// diagonal.
        triu = "triu", manipulation, DiagFn, Triangle, fallback;
        // ----- indexing and searching
        /// The elements of `x` at `indices` (1-D, integer) along `axis`; `axis` may be `None`
        /// only for 1-D `x`. Negative indices count from the end (as in NumPy); an index
        /// outside `-n..n` is an [`IndexOutOfRange`](crate::Error::IndexOutOfRange) error.
        take = "take", manipulation, TakeFn, Take;
        /// `result[..., i, ...] = x[..., indices[..., i, ...], ...]` along `axis` (default -1):
        /// `indices` (integer) has `x`'s number of dimensions; its sizes off `axis` broadcast
        /// with `x`'s. Negative indices count from the end; others out of range are an error.
        take_along_axis = "take_along_axis", manipulation, TakeFn, TakeAlongAxis, fallback;
        /// NumPy's basic slicing: per leading dimension a `start:stop:step` with NumPy's
        /// meaning (negative bounds count from the end, bounds are clamped, a negative step walks
        /// backwards, `None` bounds are the ends); the remaining dimensions are kept whole. A
        /// step of 0 is an error. Not in the standard by this name: it is what `x[a:b:c, ...]`
        /// runs (see [`Tensor::index`](crate::Tensor::index)).
        strided_slice = "strided_slice", manipulation, SliceFn, StridedSlice, fallback;
        /// The coordinates of the non-zero elements of `x` (at least 1-D) as an int64 tensor of
        /// shape `(count, ndim)`, in row-major order (NumPy's `argwhere`, libtorch's `nonzero`).
        /// The standard's [`nonzero`](crate::nonzero) splits its columns.
        argwhere = "argwhere", reductions, UnaryFn, ArgWhere, fallback;
        /// The positions (int64) at which the values of `x2` would be inserted into the sorted
        /// 1-D `x1` to keep it sorted: before equal elements for `side = "left"`, after them for
        /// `"right"`. Dtypes are promoted. Where `x1` holds NaN the positions are unspecified
        /// (the standard leaves NaN order to the implementation).
        searchsorted = "searchsorted", reductions, SearchFn, SearchSorted, fallback;
        /// A copy of `x` with `values` written at the flat (row-major) `indices` (integer, of
        /// any shape; negative ones count from the end): NumPy's `put` without modes. `values`
        /// broadcast to `indices`' shape and are converted to `x`'s dtype. Where an index repeats, which of
        /// its values lands is unspecified. Not in the standard: what
        /// [`Tensor::at`](crate::Tensor::at)`(…).set(…)` runs.
        put = "put", manipulation, PutFn, Put, fallback;
        /// Like [`put`](crate::put), adding `values` to the elements instead; a repeated index
        /// adds each of its values.
        put_add = "put_add", manipulation, PutFn, Put, fallback;
        // ----- neural-network basics (not in the standard)
        /// `max(x, 0)`, elementwise (NaN stays NaN; bool refused).
        relu = "relu", elementwise, UnaryFn, Unary(Numeric), fallback;
        /// The logistic function `1 / (1 + e^-x)`, computed without overflow for large `|x|`.
        sigmoid = "sigmoid", elementwise, UnaryFn, Unary(Float), fallback;
        /// The Gaussian error linear unit in its exact form, `x · Φ(x) = x/2 · (1 + erf(x/√2))`
        /// (torch's default `approximate="none"`, not the tanh approximation).
        gelu = "gelu", elementwise, UnaryFn, Unary(Float), fallback;
        /// `x · sigmoid(x)` (also called swish).
        silu = "silu", elementwise, UnaryFn, Unary(Float), fallback;
        /// `x - logsumexp(x)` along one axis: the logarithm of [`softmax`](crate::softmax),
        /// computed without forming it (no `log(0)` for tiny probabilities).
        log_softmax = "log_softmax", reductions, AxisFn, Softmax, fallback;
        /// `log(sum(exp(x)))` over the axes, computed stably (the maximum is taken out first);
        /// integers are computed in the default float dtype. Over no elements it is `-inf`.
        logsumexp = "logsumexp", reductions, ReduceFn, Reduce(Average), fallback;
        /// `(x - mean) / sqrt(var + eps)` over the trailing `normalized_shape` dimensions of `x`
        /// (which must equal them), with the population variance (as torch's `layer_norm`);
        /// integers are computed in the default float dtype. Multiply and add a weight and bias
        /// yourself for the affine form.
        layer_norm = "layer_norm", reductions, RtolFn, LayerNorm, fallback;
        /// `result[..., c] = (x[...] == c)` for `c` in `0..num_classes`, in `dtype` (int64 by
        /// default): a new last dimension. Indices outside `0..num_classes` (negative ones
        /// included) give rows of zeros, as in JAX; `x` is an integer tensor.
        one_hot = "one_hot", manipulation, MatrixIntFn, OneHot, fallback;
        /// 2-D convolution (cross-correlation, as in every framework) of `x` `(N, C_in, H, W)`
        /// with `w` `(C_out, C_in / groups, kH, kW)`, in NCHW layout: `stride`, `padding` (zeros
        /// on both sides), `dilation` (each one size or a pair), `groups`. Inputs are promoted
        /// and integers computed in the default float dtype. Add a bias with
        /// [`add`](crate::add) (reshaped to `(C_out, 1, 1)`).
        conv2d = "conv2d", linalg, Conv2dFn, Conv2d, fallback;
        /// The maximum of each `kernel_size` window of `x` `(N, C, H, W)`, with `stride`
        /// (default: the kernel size), `padding` (-inf on both sides, at most half the kernel)
        /// and `dilation`; integers are computed in the default float dtype.
        max_pool2d = "max_pool2d", reductions, Pool2dFn, Pool2d, fallback;
        /// The mean of each `kernel_size` window of `x` `(N, C, H, W)`, with `stride` (default:
        /// the kernel size) and `padding` (zeros on both sides, at most half the kernel,
        /// counted in the mean as torch's default does); dilation must be 1.
        avg_pool2d = "avg_pool2d", reductions, Pool2dFn, Pool2d, fallback;
        }
    };
}

/// The group an op belongs to (as the conformance suite and the docs group them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Group {
    /// Creation and host transfer.
    Creation,
    /// Elementwise arithmetic, comparison and logic.
    Elementwise,
    /// Linear algebra.
    Linalg,
    /// Reductions, statistics, sorting.
    Reductions,
    /// Shape manipulation and casts.
    Manipulation,
}

impl Group {
    /// The group's name (`"elementwise"`).
    pub const fn name(self) -> &'static str {
        match self {
            Group::Creation => "creation",
            Group::Elementwise => "elementwise",
            Group::Linalg => "linalg",
            Group::Reductions => "reductions",
            Group::Manipulation => "manipulation",
        }
    }
}

#[doc(hidden)]
#[macro_export]
macro_rules! __group {
    (creation) => {
        $crate::catalogue::Group::Creation
    };
    (elementwise) => {
        $crate::catalogue::Group::Elementwise
    };
    (linalg) => {
        $crate::catalogue::Group::Linalg
    };
    (reductions) => {
        $crate::catalogue::Group::Reductions
    };
    (manipulation) => {
        $crate::catalogue::Group::Manipulation
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __is_some {
    () => {
        false
    };
    ($($t:tt)+) => {
        true
    };
}

macro_rules! declare_ops {
    ($( $(#[$doc:meta])* $op:ident = $name:literal, $group:ident, $sig:ty,
        $kind:ident $(($flavor:ident))? $(, $fb:ident)? ;)*) => {
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

            /// The op's group.
            pub const fn group(self) -> Group {
                match self { $(Op::$op => $crate::__group!($group),)* }
            }

            /// The op's kind: the name of its public signature and validation rule
            /// (`"Binary"`, `"Reduce"`).
            pub const fn kind(self) -> &'static str {
                match self { $(Op::$op => stringify!($kind),)* }
            }

            /// Whether the catalogue composes this op from others when a backend lacks it.
            pub const fn has_fallback(self) -> bool {
                match self { $(Op::$op => $crate::__is_some!($($fb)?),)* }
            }

            /// Looks an op up by identifier or standard name.
            pub fn from_name(name: &str) -> Option<Op> {
                Op::ALL.iter().copied().find(|op| op.ident() == name || op.name() == name)
            }
        }

        /// A function for one op, as a backend registers it (see [`crate::Primary`]). The
        /// function is sealed in a [`Slot`]: tensorswitch calls it inside an op.
        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy, Debug)]
        pub enum OpFn { $( #[doc = $name] $op(Slot<$sig>), )* }

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
                match f { $(OpFn::$op(g) => self.$op = Some(g.0),)* }
            }

            /// The function in `op`'s slot, if any.
            pub(crate) fn get(&self, op: Op) -> Option<OpFn> {
                match op { $(Op::$op => self.$op.map(|f| OpFn::$op(Slot(f))),)* }
            }
        }
    };
}

crate::for_each_op!(declare_ops);

/// A backend's function for an op, sealed: tensorswitch calls it inside an op, where it may
/// read its inputs' native values without guards ([`crate::Tensor::native_in_slot`]). Safe
/// code cannot take the function out and call it elsewhere; a backend's tests that call their
/// own slot directly use [`Slot::get`] inside [`crate::kit::in_read_section`].
#[derive(Clone, Copy, Debug)]
pub struct Slot<F>(F);

impl<F: Copy> Slot<F> {
    /// Seals a backend's function for registration.
    pub const fn new(f: F) -> Slot<F> {
        Slot(f)
    }

    /// The function itself.
    ///
    /// # Safety
    /// Every call of it happens inside a read section of the calling thread (wrap it in
    /// [`crate::kit::in_read_section`]): slot functions rely on it.
    #[allow(unsafe_code)]
    pub unsafe fn get(self) -> F {
        self.0
    }

    /// The function, for the core's own callers (the tracer's recorders and compiled graphs),
    /// which call it only inside a read section.
    pub(crate) fn inner(self) -> F {
        self.0
    }
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
