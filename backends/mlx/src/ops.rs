//! The primaries. Each takes the MLX lock, builds an MLX op and wraps the result without
//! evaluating it; `to_host` evaluates, and so do `linalg.inv` and integer `pow` (see their
//! documentation).
//!
//! Where MLX 0.32.2's CPU backend differs from the catalogue's semantics the primary fixes it up
//! (each says why): zero-size inputs that MLX's kernels divide by (SIGFPE, which kills the
//! process) or refuse, float64 `exp`/`sin`/`cos` (computed in float32 by MLX, see `float64`),
//! float32 `exp` near its overflow, `sign(NaN)`, NaN in `argmax`/`argmin`, negative integer
//! powers, integer `matmul`, float16/bfloat16 `linalg`, and saturating float-to-integer
//! `astype`.

use crate::{
    check_device, eval, float64, input_array, lock, mark_failed, no_host_type, place, wrap, DTYPES,
    KIT,
};
use mlx_rs::{ops as m, Array, Axes, Dtype};
use std::ffi::c_void;
use tensorswitch::kit::OrBackendError;
use tensorswitch::{alloc, DType, Device, Error, HostData, Result, Scalar, Tensor};

type MlxResult = mlx_rs::error::Result<Array>;

// ---------------------------------------------------------------------------------------------
// host transfer

/// An MLX array holding a copy of `data` with shape `shape` (the caller holds the lock).
///
/// Refuses (before MLX sees it) a shape with a dimension above `i32::MAX` (MLX's shapes are
/// `i32`), whose element count overflows, or that does not match the data's length.
fn host_array(op: &'static str, data: &HostData, shape: &[usize]) -> Result<Array> {
    let dims = KIT.sizes_as::<i32>(op, shape)?;
    let n = alloc::check_result(op, shape, data.dtype())?;
    if data.len() != n {
        return Err(KIT.error(op, format!("{} elements for shape {shape:?}", data.len())));
    }
    let ptr: *const c_void = match data {
        HostData::Bool(v) => v.as_ptr().cast(),
        HostData::Int8(v) => v.as_ptr().cast(),
        HostData::Int16(v) => v.as_ptr().cast(),
        HostData::Int32(v) => v.as_ptr().cast(),
        HostData::Int64(v) => v.as_ptr().cast(),
        HostData::UInt8(v) => v.as_ptr().cast(),
        HostData::UInt16(v) => v.as_ptr().cast(),
        HostData::UInt32(v) => v.as_ptr().cast(),
        HostData::UInt64(v) => v.as_ptr().cast(),
        HostData::Float32(v) => v.as_ptr().cast(),
        HostData::Float64(v) => v.as_ptr().cast(),
    };
    let bytes = n * data.dtype().size_in_bytes(); // at most isize::MAX, by check_result
    new_array(
        op,
        ptr,
        &dims,
        DTYPES.framework(&KIT, op, data.dtype())?,
        bytes,
    )
}

/// An MLX array holding a copy of the elements at `ptr` (the caller holds the lock and
/// guarantees that `ptr` points to as many initialised elements of `dtype` as `dims` has, alive
/// for this call). mlx-rs's `Array::from_raw_data` ignores a failure of MLX's constructor (it
/// allocates the copy, which can fail) and returns a null array, which later calls would
/// dereference; this checks mlx-c's status instead.
fn new_array(
    op: &'static str,
    ptr: *const c_void,
    dims: &[i32],
    dtype: Dtype,
    bytes: usize,
) -> Result<Array> {
    crate::ensure_room(op, bytes)?;
    crate::install_error_handler();
    let ndim = i32::try_from(dims.len()).map_err(|_| KIT.error(op, "too many dimensions"))?;
    // SAFETY: `ptr` and `dims` as documented above; `mlx_array_new` makes an empty array that
    // `mlx_array_set_data` fills (status 0) or leaves empty, and a failed one is freed here. The
    // error handler mlx-rs installs (above) records MLX's message instead of exiting.
    unsafe {
        let mut raw = mlx_sys::mlx_array_new();
        let status = mlx_sys::mlx_array_set_data(&mut raw, ptr, dims.as_ptr(), ndim, dtype.into());
        if status != 0 || raw.ctx.is_null() {
            mlx_sys::mlx_array_free(raw);
            return Err(crate::failed_allocation(op, bytes));
        }
        Ok(Array::from_ptr(raw))
    }
}

pub(crate) fn from_host(data: HostData, shape: &[usize], device: Device) -> Result<Tensor> {
    const OP: &str = "from_host";
    check_device(OP, device, data.dtype())?;
    let _g = lock();
    place(OP, device)?;
    wrap(OP, host_array(OP, &data, shape)?)
}

/// A primary rather than the catalogue's fallback, which builds host data and so cannot make
/// float16 or bfloat16 (they have no host element type): the value is converted on the host
/// (Rust `as` rules, as the fallback does) and broadcast lazily; for float16 and bfloat16 MLX
/// rounds it from float64.
pub(crate) fn full(shape: &[usize], value: Scalar, dtype: DType, device: Device) -> Result<Tensor> {
    const OP: &str = "full";
    check_device(OP, device, dtype)?;
    let _g = lock();
    place(OP, device)?;
    let v = if matches!(dtype, DType::Float16 | DType::BFloat16) {
        Array::from_f64(value.as_f64())
            .as_dtype(DTYPES.framework(&KIT, OP, dtype)?)
            .or_backend(&KIT, OP)?
    } else {
        host_array(OP, &HostData::filled(OP, dtype, value, 1)?, &[])?
    };
    wrap(
        OP,
        m::broadcast_to(&v, &KIT.sizes_as::<i32>(OP, shape)?).or_backend(&KIT, OP)?,
    )
}

/// A primary for the same reason as [`full`]: `start + i·step` is computed in float64 on the
/// host, then converted (Rust `as` rules for dtypes with a host type; MLX's rounding from
/// float64 for float16 and bfloat16).
pub(crate) fn arange(
    start: f64,
    step: f64,
    n: usize,
    dtype: DType,
    device: Device,
) -> Result<Tensor> {
    const OP: &str = "arange";
    check_device(OP, device, dtype)?;
    let _g = lock();
    place(OP, device)?;
    KIT.sizes_as::<i32>(OP, &[n])?; // before allocating anything
                                    // HostData::range allocates fallibly; float16 and bfloat16 have no host type, so they are
                                    // computed as float64 and rounded by MLX.
    let a = if matches!(dtype, DType::Float16 | DType::BFloat16) {
        let wide = HostData::range(OP, DType::Float64, start, step, n)?;
        host_array(OP, &wide, &[n])?
            .as_dtype(DTYPES.framework(&KIT, OP, dtype)?)
            .or_backend(&KIT, OP)?
    } else {
        host_array(OP, &HostData::range(OP, dtype, start, step, n)?, &[n])?
    };
    wrap(OP, a)
}

/// Evaluates the array (the one place this backend does), makes it row-major contiguous and
/// copies it out.
/// `tensorswitch::evaluate`: computes the array now (MLX's `eval`), without copying it out.
pub(crate) fn evaluate(x: &Tensor) -> Result<()> {
    const OP: &str = "evaluate";
    let _g = lock();
    let a = input_array(OP, x)?;
    eval(OP, a).map_err(|e| mark_failed(x, e))
}

pub(crate) fn to_host(x: &Tensor) -> Result<HostData> {
    const OP: &str = "to_host";
    let _g = lock();
    let a = input_array(OP, x)?;
    let c = a.contiguous().or_backend(&KIT, OP)?;
    eval(OP, &c).map_err(|e| mark_failed(x, e))?;
    macro_rules! copy {
        ($v:ident, $ty:ty) => {{
            let s: &[$ty] = if x.size() == 0 {
                &[]
            } else {
                c.try_as_slice::<$ty>()
                    .map_err(|e| KIT.error(OP, format!("{e:?}")))?
            };
            let mut v = alloc::try_with_capacity(OP, s.len())?;
            v.extend_from_slice(s);
            HostData::$v(v)
        }};
    }
    Ok(match x.dtype() {
        DType::Bool => copy!(Bool, bool),
        DType::Int8 => copy!(Int8, i8),
        DType::Int16 => copy!(Int16, i16),
        DType::Int32 => copy!(Int32, i32),
        DType::Int64 => copy!(Int64, i64),
        DType::UInt8 => copy!(UInt8, u8),
        DType::UInt16 => copy!(UInt16, u16),
        DType::UInt32 => copy!(UInt32, u32),
        DType::UInt64 => copy!(UInt64, u64),
        DType::Float32 => copy!(Float32, f32),
        DType::Float64 => copy!(Float64, f64),
        d @ (DType::Float16 | DType::BFloat16) => return Err(no_host_type(OP, d)),
    })
}

// ---------------------------------------------------------------------------------------------
// elementwise

macro_rules! unary {
    ($($name:ident => $f:expr;)*) => {$(
        pub(crate) fn $name(x: &Tensor) -> Result<Tensor> {
            const OP: &str = stringify!($name);
            let _g = lock();
            let a = input_array(OP, x)?;
            let f: fn(&Array) -> mlx_rs::error::Result<Array> = $f;
            wrap(OP, f(a).or_backend(&KIT, OP)?)
        }
    )*};
}

macro_rules! binary {
    ($($name:ident => $f:expr;)*) => {$(
        pub(crate) fn $name(x: &Tensor, y: &Tensor) -> Result<Tensor> {
            const OP: &str = stringify!($name);
            let _g = lock();
            let (a, b) = (input_array(OP, x)?, input_array(OP, y)?);
            let f: fn(&Array, &Array) -> mlx_rs::error::Result<Array> = $f;
            wrap(OP, f(a, b).or_backend(&KIT, OP)?)
        }
    )*};
}

unary! {
    negative => |a| m::negative(a);
    abs => |a| m::abs(a);
    log => |a| m::log(a);
    log1p => |a| m::log1p(a);
    expm1 => |a| m::expm1(a);
    sqrt => |a| m::sqrt(a);
    square => |a| m::square(a);
    tanh => |a| m::tanh(a);
    floor => |a| m::floor(a);
    ceil => |a| m::ceil(a);
    round => |a| m::round(a, None);
    logical_not => |a| m::logical_not(a);
}

binary! {
    add => |a, b| m::add(a, b);
    subtract => |a, b| m::subtract(a, b);
    multiply => |a, b| m::multiply(a, b);
    divide => |a, b| m::divide(a, b);
    maximum => |a, b| m::maximum(a, b);
    minimum => |a, b| m::minimum(a, b);
    equal => |a, b| m::eq(a, b);
    not_equal => |a, b| m::ne(a, b);
    less => |a, b| m::lt(a, b);
    less_equal => |a, b| m::le(a, b);
    greater => |a, b| m::gt(a, b);
    greater_equal => |a, b| m::ge(a, b);
    logical_and => |a, b| m::logical_and(a, b);
    logical_or => |a, b| m::logical_or(a, b);
}

/// MLX's CPU `exp`, `sin` and `cos` run float32 polynomials for every dtype; float64 inputs go
/// through [`float64`], which keeps float64 precision, the others through `native`.
fn transcendental(
    op: &'static str,
    x: &Tensor,
    native: fn(&Array) -> MlxResult,
    precise: fn(&Array) -> MlxResult,
) -> Result<Tensor> {
    let _g = lock();
    let a = input_array(op, x)?;
    let f = if x.dtype() == DType::Float64 {
        precise
    } else {
        native
    };
    wrap(op, f(a).or_backend(&KIT, op)?)
}

pub(crate) fn exp(x: &Tensor) -> Result<Tensor> {
    transcendental("exp", x, exp_not_float64, float64::exp)
}

/// MLX's `exp` returns infinity for every input above 88.0 (its overflow guard), but `exp(x)`
/// is finite in float32 and bfloat16 up to 88.72 (3.4e38). Above 88 this computes
/// `e · exp(x - 1)` instead (`x - 1` is exact there, and the product overflows where the true
/// value does); elsewhere the shift is 0 and the scale 1, so results are MLX's, bit for bit.
/// float16 overflows long before 88 and needs nothing. (Costs about a fifth more than MLX's
/// `exp` alone, measured on 4M float32 elements.)
fn exp_not_float64(a: &Array) -> MlxResult {
    let d = a.dtype();
    if !matches!(d, Dtype::Float32 | Dtype::Bfloat16) {
        return m::exp(a);
    }
    let k = |v: f32| Array::from_f32(v).as_dtype(d);
    let above = m::gt(a, k(88.0)?)?;
    let shift = m::select(&above, k(1.0)?, k(0.0)?)?;
    let scale = m::select(&above, k(std::f32::consts::E)?, k(1.0)?)?;
    m::multiply(m::exp(m::subtract(a, &shift)?)?, &scale)
}

pub(crate) fn sin(x: &Tensor) -> Result<Tensor> {
    transcendental("sin", x, |a| m::sin(a), float64::sin)
}

pub(crate) fn cos(x: &Tensor) -> Result<Tensor> {
    transcendental("cos", x, |a| m::cos(a), float64::cos)
}

/// MLX's sign of NaN is 0; tensorswitch's (and NumPy's) is NaN.
pub(crate) fn sign(x: &Tensor) -> Result<Tensor> {
    const OP: &str = "sign";
    let _g = lock();
    let a = input_array(OP, x)?;
    let s = m::sign(a).or_backend(&KIT, OP)?;
    let out = if x.dtype().is_float() {
        m::is_nan(a)
            .and_then(|nan| m::select(&nan, a, &s))
            .or_backend(&KIT, OP)?
    } else {
        s
    };
    wrap(OP, out)
}

/// MLX raises integers to negative powers (returning an integer, e.g. 0 for `2^-1`);
/// tensorswitch refuses them, as NumPy does. Finding out whether a signed exponent has a negative element
/// needs its values, so this evaluates the exponent (an integer `pow` with a signed exponent is
/// the one primary that evaluates; the exponent's evaluated data is then reused by the result).
pub(crate) fn pow(x: &Tensor, y: &Tensor) -> Result<Tensor> {
    const OP: &str = "pow";
    let _g = lock();
    let (a, b) = (input_array(OP, x)?, input_array(OP, y)?);
    if is_signed_integer(y.dtype()) && y.size() > 0 {
        let any_negative = m::lt(
            b,
            Array::from_int(0)
                .as_dtype(b.dtype())
                .or_backend(&KIT, OP)?,
        )
        .and_then(|n| n.any(false))
        .or_backend(&KIT, OP)?;
        eval(OP, &any_negative).map_err(|e| mark_failed(y, e))?;
        let negative = any_negative.try_item_exact::<bool>().or_backend(&KIT, OP)?;
        if negative {
            return Err(Error::InvalidArgument {
                op: OP,
                reason: format!(
                    "an integer ({}) raised to a negative integer power has no integer result; \
                     convert the base to a float dtype first",
                    x.dtype()
                ),
            });
        }
    }
    wrap(OP, m::power(a, b).or_backend(&KIT, OP)?)
}

fn is_signed_integer(d: DType) -> bool {
    matches!(d, DType::Int8 | DType::Int16 | DType::Int32 | DType::Int64)
}

pub(crate) fn where_(c: &Tensor, x: &Tensor, y: &Tensor) -> Result<Tensor> {
    const OP: &str = "where";
    let _g = lock();
    let out = m::select(
        input_array(OP, c)?,
        input_array(OP, x)?,
        input_array(OP, y)?,
    )
    .or_backend(&KIT, OP)?;
    wrap(OP, out)
}

// ---------------------------------------------------------------------------------------------
// linear algebra

/// MLX's matmul only takes floating-point dtypes. Integer products are computed here as
/// `sum(a[..., m, k, 1] * b[..., 1, k, n], axis=-2)` in the operands' dtype, which wraps on
/// overflow like every integer op (the sum, possibly accumulated wider, is converted back with
/// the same wrapping). It materialises the `m·k·n` products, so large integer matrices cost
/// memory that a float matmul would not.
pub(crate) fn matmul(x: &Tensor, y: &Tensor) -> Result<Tensor> {
    const OP: &str = "matmul";
    let _g = lock();
    let (a, b) = (input_array(OP, x)?, input_array(OP, y)?);
    let k = x.shape().last().copied().unwrap_or(0);
    let out = if x.dtype().is_float() {
        m::matmul(a, b)
    } else if k == 0 {
        // Summing over the empty inner dimension would hang MLX (see `sum`): the product of
        // (…, m, 0) and (…, 0, n) is zeros.
        let (xs, ys) = (x.shape(), y.shape());
        let mut shape =
            tensorswitch::broadcast_shapes(OP, &xs[..xs.len() - 2], &ys[..ys.len() - 2])?;
        shape.push(x.shape()[x.ndim() - 2]);
        shape.push(y.shape()[y.ndim() - 1]);
        m::zeros_dtype(&KIT.sizes_as::<i32>(OP, &shape)?, a.dtype())
    } else {
        a.expand_dims(-1)
            .and_then(|a3| b.expand_dims(-3).and_then(|b3| m::multiply(&a3, &b3)))
            .and_then(|p| p.sum_axis(-2, false))
            .and_then(|s| s.as_dtype(a.dtype()))
    }
    .or_backend(&KIT, OP)?;
    wrap(OP, out)
}

/// Evaluated here, unlike the other primaries: MLX finds a singular matrix only when it
/// evaluates the inverse, and a failed evaluation leaves the inverse's array marked as evaluated
/// with LAPACK's partial output in it, which any graph using it would then read without an error.
/// Evaluating at the call makes a singular matrix an `InvalidArgument` error of `linalg.inv`
/// (as on the eager backends; see `evaluation_error`) and drops the failed array. The input's
/// graph is evaluated with it (its values stay valid and are reused later).
///
/// A stack of zero matrices, or of 0×0 ones, is returned as it is: MLX 0.32's CPU inverse
/// divides by the matrix size and kills the process with SIGFPE on 0×0 matrices.
pub(crate) fn inv(x: &Tensor) -> Result<Tensor> {
    const OP: &str = "linalg.inv";
    let _g = lock();
    let a = input_array(OP, x)?;
    if x.size() == 0 {
        return wrap(OP, a.clone());
    }
    let out = via_lapack_dtype(a, |w| mlx_rs::linalg::inv(w)).or_backend(&KIT, OP)?;
    eval(OP, &out).map_err(|e| match e {
        singular @ Error::InvalidArgument { .. } => singular,
        e => mark_failed(x, e), // the failure may be in the input's own graph
    })?;
    wrap(OP, out)
}

/// MLX's LAPACK-backed ops take float32 and float64 only; float16 and bfloat16 run in float32
/// (which holds them exactly) and the result is rounded back.
fn via_lapack_dtype(a: &Array, f: impl Fn(&Array) -> MlxResult) -> MlxResult {
    match a.dtype() {
        Dtype::Float16 | Dtype::Bfloat16 => f(&a.as_dtype(Dtype::Float32)?)?.as_dtype(a.dtype()),
        _ => f(a),
    }
}

/// Without elements the result is built here, without calling MLX's LU factorisation: the
/// determinant of a 0×0 matrix is 1 (the empty product), and an empty stack of matrices has an
/// empty stack of determinants.
pub(crate) fn det(x: &Tensor) -> Result<Tensor> {
    const OP: &str = "linalg.det";
    let _g = lock();
    let a = input_array(OP, x)?;
    if x.size() == 0 {
        let batch = KIT.sizes_as::<i32>(OP, &x.shape()[..x.ndim().saturating_sub(2)])?;
        return wrap(OP, m::ones_dtype(&batch, a.dtype()).or_backend(&KIT, OP)?);
    }
    let out = if a.dtype() == Dtype::Float64 {
        det_float64(a, KIT.sizes_as::<i32>(OP, &[x.shape()[x.ndim() - 1]])?[0])
    } else {
        via_lapack_dtype(a, |w| mlx_rs::linalg::det(w))
    };
    wrap(OP, out.or_backend(&KIT, OP)?)
}

/// float64 determinants of `n`×`n` matrices (`n` ≥ 1), from MLX's LU factorisation (LAPACK's
/// `getrf`, float64 throughout): `det = ∏ u_ii · (-1)^(row swaps)`, as LAPACK-based libraries
/// and the ndarray backend compute it. MLX's own `det` computes `sign · exp(logabsdet)` above
/// 3×3, and its CPU `exp` is float32 whatever the dtype, so its float64 determinants had
/// float32's relative error (about 1e-7; `det(diag(100, 1, 1, 1))` was 99.99999237). Here the
/// row swap of step `i` (pivot `p_i ≠ i`) negates `u_ii`, and one float64 product (exact sign
/// flips, correctly rounded multiplications) gives the determinant: relative error about
/// `n · 2⁻⁵³` beyond the factorisation's own. A singular matrix has a zero pivot, so its
/// determinant is 0 (`getrf` reports it and MLX carries on). Like the eager backends' product,
/// it overflows when a partial product does. Stays lazy.
fn det_float64(a: &Array, n: i32) -> MlxResult {
    let (lu, pivots) = mlx_rs::linalg::lu_factor(a)?;
    let rows = Array::arange::<i32, i32>(0, n, 1)?.as_dtype(pivots.dtype())?;
    let one = Array::from_f64(1.0);
    let swapped = m::ne(&pivots, &rows)?;
    let signs = m::select(&swapped, m::negative(&one)?, &one)?;
    let diagonal = lu.diagonal(0, -2, -1)?;
    m::multiply(&diagonal, &signs)?.prod_axis(-1, false)
}

// ---------------------------------------------------------------------------------------------
// reductions

macro_rules! reduce {
    ($($name:ident => $method:ident, $identity:expr;)*) => {$(
        /// Over no axes the input is returned as it is (MLX would reduce over all of them).
        /// An empty input gives the op's identity in every element of the result, built here:
        /// MLX 0.32's CPU reduction loops forever over a zero-size axis when the result has
        /// elements (`sum` of shape (3, 0) over axis 1). `max`/`min` have no identity, but the
        /// core refuses to reduce their zero-size axes, so their result is empty too.
        pub(crate) fn $name(x: &Tensor, axes: &[usize], keepdims: bool) -> Result<Tensor> {
            const OP: &str = stringify!($name);
            let _g = lock();
            let a = input_array(OP, x)?;
            if axes.is_empty() {
                return wrap(OP, a.clone());
            }
            if x.size() == 0 {
                let shape = reduced_shape(x.shape(), axes, keepdims);
                let fill = Array::from_f64($identity).as_dtype(a.dtype()).or_backend(&KIT, OP)?;
                return wrap(OP, m::broadcast_to(&fill, &KIT.sizes_as::<i32>(OP, &shape)?).or_backend(&KIT, OP)?);
            }
            wrap(OP, a.$method(&KIT.sizes_as::<i32>(OP, axes)?, keepdims).or_backend(&KIT, OP)?)
        }
    )*};
}

reduce! {
    sum => sum_axes, 0.0;
    prod => prod_axes, 1.0;
    max => max_axes, 0.0;
    min => min_axes, 0.0;
}

/// The shape of a reduction's result: `axes` (sorted, in range) dropped, or kept as 1.
fn reduced_shape(shape: &[usize], axes: &[usize], keepdims: bool) -> Vec<usize> {
    shape
        .iter()
        .enumerate()
        .filter_map(|(i, &d)| match (axes.contains(&i), keepdims) {
            (false, _) => Some(d),
            (true, true) => Some(1),
            (true, false) => None,
        })
        .collect()
}

/// MLX's arg-reductions return uint32; the catalogue's are int64. NaN counts as the extreme
/// (the first NaN wins, as in NumPy); MLX's own comparison skips NaN, so where a reduced slice
/// has one the index of its first NaN is taken instead.
fn arg_reduce(
    op: &'static str,
    x: &Tensor,
    axis: Option<usize>,
    keepdims: bool,
    by_axis: fn(&Array, i32, bool) -> MlxResult,
    all: fn(&Array, bool) -> MlxResult,
) -> Result<Tensor> {
    let _g = lock();
    let a = input_array(op, x)?;
    let ax = match axis {
        Some(ax) => Some(KIT.sizes_as::<i32>(op, &[ax])?[0]),
        None => None,
    };
    if x.size() == 0 {
        return empty_arg_reduce(op, x, axis, keepdims);
    }
    if x.ndim() == 0 {
        // The only element is at index 0. MLX's C API refuses the whole-array form with
        // `keepdims` on a 0-d array ("cannot create std::vector larger than max_size()": it
        // sizes the kept shape as ndim - 1); found by the robustness campaign.
        return wrap(op, m::zeros_dtype(&[], Dtype::Int64).or_backend(&KIT, op)?);
    }
    let out = match ax {
        Some(ax) => by_axis(a, ax, keepdims),
        None => all(a, keepdims),
    }
    .or_backend(&KIT, op)?;
    let out = if x.dtype().is_float() {
        let first_nan = |nan: &Array| -> MlxResult {
            let has_nan = match ax {
                Some(ax) => nan.any_axis(ax, keepdims),
                None => nan.any(keepdims),
            }?;
            let flags = nan.as_dtype(Dtype::Uint8)?;
            let first = match ax {
                Some(ax) => m::indexing::argmax_axis(&flags, ax, keepdims),
                None => m::indexing::argmax(&flags, keepdims),
            }?;
            m::select(&has_nan, &first, &out)
        };
        m::is_nan(a)
            .and_then(|nan| first_nan(&nan))
            .or_backend(&KIT, op)?
    } else {
        out
    };
    wrap(op, out.as_dtype(Dtype::Int64).or_backend(&KIT, op)?)
}

/// The core refuses zero-size reduced axes, so an empty input here has a non-empty reduced
/// axis: the result is empty too. MLX refuses every zero-size input, so it is built here.
fn empty_arg_reduce(
    op: &'static str,
    x: &Tensor,
    axis: Option<usize>,
    keepdims: bool,
) -> Result<Tensor> {
    let Some(ax) = axis else {
        return Err(Error::InvalidArgument {
            op,
            reason: format!(
                "cannot take {op} of a tensor without elements (shape {:?})",
                x.shape()
            ),
        });
    };
    let shape: Vec<usize> = x
        .shape()
        .iter()
        .enumerate()
        .filter_map(|(i, &d)| match (i == ax, keepdims) {
            (false, _) => Some(d),
            (true, true) => Some(1),
            (true, false) => None,
        })
        .collect();
    wrap(
        op,
        m::zeros_dtype(&KIT.sizes_as::<i32>(op, &shape)?, Dtype::Int64).or_backend(&KIT, op)?,
    )
}

pub(crate) fn argmax(x: &Tensor, axis: Option<usize>, keepdims: bool) -> Result<Tensor> {
    arg_reduce(
        "argmax",
        x,
        axis,
        keepdims,
        |a, ax, k| m::indexing::argmax_axis(a, ax, k),
        |a, k| m::indexing::argmax(a, k),
    )
}

pub(crate) fn argmin(x: &Tensor, axis: Option<usize>, keepdims: bool) -> Result<Tensor> {
    arg_reduce(
        "argmin",
        x,
        axis,
        keepdims,
        |a, ax, k| m::indexing::argmin_axis(a, ax, k),
        |a, k| m::indexing::argmin(a, k),
    )
}

/// An empty input is its own running sum: MLX 0.32's CPU scan kernel divides by the array's
/// extent and kills the process with SIGFPE on zero-size arrays.
pub(crate) fn cumulative_sum(x: &Tensor, axis: usize) -> Result<Tensor> {
    const OP: &str = "cumulative_sum";
    let _g = lock();
    let a = input_array(OP, x)?;
    if x.size() == 0 {
        return wrap(OP, a.clone());
    }
    let ax = KIT.sizes_as::<i32>(OP, &[axis])?[0];
    wrap(OP, m::cumsum(a, ax, false, true).or_backend(&KIT, OP)?)
}

/// MLX sorts ascending (stably). Descending: sort the reversed input and reverse the result,
/// which keeps equal elements in their original order. An empty input is returned as it is:
/// MLX 0.32's CPU sort kernels divide by the array's extent and kill the process with SIGFPE on
/// zero-size arrays.
pub(crate) fn sort(x: &Tensor, axis: usize, descending: bool) -> Result<Tensor> {
    const OP: &str = "sort";
    let _g = lock();
    let a = input_array(OP, x)?;
    if x.size() == 0 {
        return wrap(OP, a.clone());
    }
    let ax = KIT.sizes_as::<i32>(OP, &[axis])?[0];
    let out = if descending {
        a.flip(Axes::Axis(ax))
            .and_then(|f| m::sort_axis(f, ax))
            .and_then(|s| s.flip(Axes::Axis(ax)))
    } else {
        m::sort_axis(a, ax)
    }
    .or_backend(&KIT, OP)?;
    wrap(OP, out)
}

/// Descending: the indices `p` of the stable ascending sort of the reversed input, reversed,
/// point into the reversed input; `n - 1 - p` maps them back (equal elements keep their
/// original order). An empty input has empty indices (not computed by MLX, see [`sort`]).
pub(crate) fn argsort(x: &Tensor, axis: usize, descending: bool) -> Result<Tensor> {
    const OP: &str = "argsort";
    let _g = lock();
    let a = input_array(OP, x)?;
    if x.size() == 0 {
        return wrap(OP, a.as_dtype(Dtype::Int64).or_backend(&KIT, OP)?);
    }
    let ax = KIT.sizes_as::<i32>(OP, &[axis])?[0];
    let out = if descending {
        let last = Array::from_int(KIT.sizes_as::<i32>(OP, &[x.shape()[axis]])?[0] - 1);
        a.flip(Axes::Axis(ax))
            .and_then(|f| m::argsort_axis(f, ax))
            .and_then(|p| p.flip(Axes::Axis(ax)))
            .and_then(|p| p.as_dtype(mlx_rs::Dtype::Int32))
            .and_then(|p| m::subtract(&last, &p))
    } else {
        m::argsort_axis(a, ax)
    }
    .and_then(|p| p.as_dtype(mlx_rs::Dtype::Int64))
    .or_backend(&KIT, OP)?;
    wrap(OP, out)
}

// ---------------------------------------------------------------------------------------------
// shape manipulation

pub(crate) fn reshape(x: &Tensor, shape: &[usize]) -> Result<Tensor> {
    const OP: &str = "reshape";
    let _g = lock();
    wrap(
        OP,
        m::reshape(input_array(OP, x)?, &KIT.sizes_as::<i32>(OP, shape)?).or_backend(&KIT, OP)?,
    )
}

pub(crate) fn permute_dims(x: &Tensor, axes: &[usize]) -> Result<Tensor> {
    const OP: &str = "permute_dims";
    let _g = lock();
    wrap(
        OP,
        m::transpose_axes(input_array(OP, x)?, &KIT.sizes_as::<i32>(OP, axes)?)
            .or_backend(&KIT, OP)?,
    )
}

pub(crate) fn broadcast_to(x: &Tensor, shape: &[usize]) -> Result<Tensor> {
    const OP: &str = "broadcast_to";
    let _g = lock();
    wrap(
        OP,
        m::broadcast_to(input_array(OP, x)?, &KIT.sizes_as::<i32>(OP, shape)?)
            .or_backend(&KIT, OP)?,
    )
}

pub(crate) fn flip(x: &Tensor, axes: &[usize]) -> Result<Tensor> {
    const OP: &str = "flip";
    let _g = lock();
    let a = input_array(OP, x)?;
    if axes.is_empty() {
        return wrap(OP, a.clone());
    }
    wrap(
        OP,
        a.flip(Axes::Axes(KIT.sizes_as::<i32>(OP, axes)?))
            .or_backend(&KIT, OP)?,
    )
}

pub(crate) fn concat(xs: &[Tensor], axis: usize) -> Result<Tensor> {
    const OP: &str = "concat";
    let _g = lock();
    let arrays: Vec<&Array> = xs
        .iter()
        .map(|t| input_array(OP, t))
        .collect::<Result<_>>()?;
    wrap(
        OP,
        m::concatenate(&arrays, KIT.sizes_as::<i32>(OP, &[axis])?[0]).or_backend(&KIT, OP)?,
    )
}

/// Rust `as` rules. MLX's conversions (C++ `static_cast`) match them except from float to
/// integer, where out-of-range values and NaN are undefined behaviour in C++ (on x86_64 they
/// come out as the integer minimum or as garbage): see [`float_to_int`].
pub(crate) fn astype(x: &Tensor, dtype: DType) -> Result<Tensor> {
    const OP: &str = "astype";
    check_device(OP, x.device(), dtype)?;
    let _g = lock();
    let a = input_array(OP, x)?;
    let out = if x.dtype().is_float() && dtype.is_integer() {
        float_to_int(OP, a, x.dtype(), dtype)?
    } else {
        a.as_dtype(DTYPES.framework(&KIT, OP, dtype)?)
            .or_backend(&KIT, OP)?
    };
    let out = wrap(OP, out)?;
    if out.dtype() != dtype {
        return Err(KIT.error(
            OP,
            format!("internal error: converting to {dtype} made {}", out.dtype()),
        ));
    }
    Ok(out)
}

/// A 0-d array of the integer dtype `dtype` holding `value` (in range for it).
fn int_scalar(op: &'static str, value: i128, dtype: DType) -> Result<Array> {
    let a = if let Ok(v) = i64::try_from(value) {
        Array::from_slice(&[v], &[])
    } else {
        let v = u64::try_from(value)
            .map_err(|_| KIT.error(op, format!("{value} fits no 64-bit integer")))?;
        Array::from_slice(&[v], &[])
    };
    a.as_dtype(DTYPES.framework(&KIT, op, dtype)?)
        .or_backend(&KIT, op)
}

/// Float to integer with Rust `as` semantics: NaN becomes 0, values are clamped to the largest
/// and smallest floats inside the integer range, then truncated by MLX. Where the integer maximum
/// is not a float of the work dtype (int32 from float32, int64 and uint64 from either), inputs at
/// or above `max + 1` (a power of two, exact) are set to the maximum afterwards. float16 and
/// bfloat16 are widened to float32 first, which is exact.
fn float_to_int(op: &'static str, a: &Array, from: DType, to: DType) -> Result<Array> {
    let (lo, hi) = to
        .integer_range()
        .ok_or_else(|| KIT.error(op, format!("{to} is not an integer dtype")))?;
    let wide = if from == DType::Float64 {
        DType::Float64
    } else {
        DType::Float32
    };
    let wd = DTYPES.framework(&KIT, op, wide)?;
    let to_dtype = DTYPES.framework(&KIT, op, to)?;
    let scalar = |v: f64| Array::from_f64(v).as_dtype(wd);
    let hi_f = wide.largest_float_at_most(hi);
    let widened;
    let work = if from == wide {
        a
    } else {
        widened = a.as_dtype(wd).or_backend(&KIT, op)?;
        &widened
    };
    let mut out = m::is_nan(work)
        .and_then(|nan| m::select(&nan, scalar(0.0)?, work))
        .and_then(|w| m::maximum(&w, scalar(lo as f64)?))
        .and_then(|w| m::minimum(&w, scalar(hi_f)?))
        .and_then(|w| w.as_dtype(to_dtype))
        .or_backend(&KIT, op)?;
    if hi_f as i128 != hi {
        let max = int_scalar(op, hi, to)?;
        out = m::ge(work, scalar((hi + 1) as f64).or_backend(&KIT, op)?)
            .and_then(|over| m::select(&over, &max, &out))
            .or_backend(&KIT, op)?;
    }
    Ok(out)
}
