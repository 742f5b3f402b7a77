//! The primaries. Each takes the MLX lock, builds (never evaluates) an MLX op and wraps the
//! result; only `to_host` evaluates.

use crate::{arr, backend_error, dtype_of, eval, i32s, lock, mlx_dtype, no_host_type, wrap};
use mlx_rs::{ops as m, Array, Axes};
use std::ffi::c_void;
use tensorswitch::{DType, Device, Error, HostData, Result, Tensor};

/// mlx-rs errors as `Error::Backend` naming the op.
trait Ctx<T> {
    fn ctx(self, op: &'static str) -> Result<T>;
}

impl<T> Ctx<T> for std::result::Result<T, mlx_rs::error::Exception> {
    #[inline]
    fn ctx(self, op: &'static str) -> Result<T> {
        self.map_err(|e| backend_error(op, e))
    }
}

// ---------------------------------------------------------------------------------------------
// host transfer

pub(crate) fn from_host(data: HostData, shape: &[usize], device: Device) -> Result<Tensor> {
    const OP: &str = "from_host";
    if device != Device::Cpu {
        return Err(Error::Device(format!(
            "backend `mlx` has no device {device} here; devices: cpu"
        )));
    }
    let n: usize = shape.iter().product();
    if data.len() != n {
        return Err(backend_error(
            OP,
            format!("{} elements for shape {shape:?}", data.len()),
        ));
    }
    let dims = i32s(OP, shape)?;
    let ptr: *const c_void = match &data {
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
    let _g = lock();
    // SAFETY: `ptr` points to `n` initialised elements of the dtype's host type (checked
    // above), alive for this call; MLX copies them into its own buffer.
    let a = unsafe { Array::from_raw_data(ptr, &dims, mlx_dtype(data.dtype())) };
    wrap(OP, a)
}

/// Evaluates the array (the one place this backend does), makes it row-major contiguous and
/// copies it out.
pub(crate) fn to_host(x: &Tensor) -> Result<HostData> {
    const OP: &str = "to_host";
    let _g = lock();
    let a = arr(OP, x)?;
    let c = a.contiguous().ctx(OP)?;
    eval(OP, &c)?;
    macro_rules! copy {
        ($v:ident, $ty:ty) => {{
            let s: &[$ty] = if x.size() == 0 {
                &[]
            } else {
                c.try_as_slice::<$ty>()
                    .map_err(|e| backend_error(OP, format!("{e:?}")))?
            };
            HostData::$v(s.to_vec())
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
            let a = arr(OP, x)?;
            let f: fn(&Array) -> mlx_rs::error::Result<Array> = $f;
            wrap(OP, f(a).ctx(OP)?)
        }
    )*};
}

macro_rules! binary {
    ($($name:ident => $f:expr;)*) => {$(
        pub(crate) fn $name(x: &Tensor, y: &Tensor) -> Result<Tensor> {
            const OP: &str = stringify!($name);
            let _g = lock();
            let (a, b) = (arr(OP, x)?, arr(OP, y)?);
            let f: fn(&Array, &Array) -> mlx_rs::error::Result<Array> = $f;
            wrap(OP, f(a, b).ctx(OP)?)
        }
    )*};
}

unary! {
    negative => |a| m::negative(a);
    abs => |a| m::abs(a);
    exp => |a| m::exp(a);
    log => |a| m::log(a);
    log1p => |a| m::log1p(a);
    expm1 => |a| m::expm1(a);
    sqrt => |a| m::sqrt(a);
    square => |a| m::square(a);
    sin => |a| m::sin(a);
    cos => |a| m::cos(a);
    tanh => |a| m::tanh(a);
    floor => |a| m::floor(a);
    ceil => |a| m::ceil(a);
    round => |a| m::round(a, None);
    sign => |a| m::sign(a);
    logical_not => |a| m::logical_not(a);
}

binary! {
    add => |a, b| m::add(a, b);
    subtract => |a, b| m::subtract(a, b);
    multiply => |a, b| m::multiply(a, b);
    divide => |a, b| m::divide(a, b);
    pow => |a, b| m::power(a, b);
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
    matmul => |a, b| m::matmul(a, b);
}

pub(crate) fn where_(c: &Tensor, x: &Tensor, y: &Tensor) -> Result<Tensor> {
    const OP: &str = "where";
    let _g = lock();
    let out = m::select(arr(OP, c)?, arr(OP, x)?, arr(OP, y)?).ctx(OP)?;
    wrap(OP, out)
}

// ---------------------------------------------------------------------------------------------
// linear algebra

pub(crate) fn inv(x: &Tensor) -> Result<Tensor> {
    const OP: &str = "linalg.inv";
    let _g = lock();
    wrap(OP, mlx_rs::linalg::inv(arr(OP, x)?).ctx(OP)?)
}

pub(crate) fn det(x: &Tensor) -> Result<Tensor> {
    const OP: &str = "linalg.det";
    let _g = lock();
    wrap(OP, mlx_rs::linalg::det(arr(OP, x)?).ctx(OP)?)
}

// ---------------------------------------------------------------------------------------------
// reductions

macro_rules! reduce {
    ($($name:ident => $method:ident;)*) => {$(
        /// Over no axes the input is returned as it is (MLX would reduce over all of them).
        pub(crate) fn $name(x: &Tensor, axes: &[usize], keepdims: bool) -> Result<Tensor> {
            const OP: &str = stringify!($name);
            let _g = lock();
            let a = arr(OP, x)?;
            if axes.is_empty() {
                return wrap(OP, a.clone());
            }
            wrap(OP, a.$method(&i32s(OP, axes)?, keepdims).ctx(OP)?)
        }
    )*};
}

reduce! {
    sum => sum_axes;
    prod => prod_axes;
    max => max_axes;
    min => min_axes;
}

/// MLX's arg-reductions return uint32; the catalogue's are int64.
fn arg_reduce(
    op: &'static str,
    x: &Tensor,
    axis: Option<usize>,
    keepdims: bool,
    by_axis: fn(&Array, i32, bool) -> mlx_rs::error::Result<Array>,
    all: fn(&Array, bool) -> mlx_rs::error::Result<Array>,
) -> Result<Tensor> {
    let _g = lock();
    let a = arr(op, x)?;
    let out = match axis {
        Some(ax) => by_axis(a, i32s(op, &[ax])?[0], keepdims),
        None => all(a, keepdims),
    }
    .and_then(|r| r.as_dtype(mlx_rs::Dtype::Int64))
    .ctx(op)?;
    wrap(op, out)
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

pub(crate) fn cumulative_sum(x: &Tensor, axis: usize) -> Result<Tensor> {
    const OP: &str = "cumulative_sum";
    let _g = lock();
    let ax = i32s(OP, &[axis])?[0];
    wrap(OP, m::cumsum(arr(OP, x)?, ax, false, true).ctx(OP)?)
}

/// MLX sorts ascending (stably). Descending: sort the reversed input and reverse the result,
/// which keeps equal elements in their original order.
pub(crate) fn sort(x: &Tensor, axis: usize, descending: bool) -> Result<Tensor> {
    const OP: &str = "sort";
    let _g = lock();
    let a = arr(OP, x)?;
    let ax = i32s(OP, &[axis])?[0];
    let out = if descending {
        a.flip(Axes::Axis(ax))
            .and_then(|f| m::sort_axis(f, ax))
            .and_then(|s| s.flip(Axes::Axis(ax)))
    } else {
        m::sort_axis(a, ax)
    }
    .ctx(OP)?;
    wrap(OP, out)
}

/// Descending: the indices `p` of the stable ascending sort of the reversed input, reversed,
/// point into the reversed input; `n - 1 - p` maps them back (equal elements keep their
/// original order).
pub(crate) fn argsort(x: &Tensor, axis: usize, descending: bool) -> Result<Tensor> {
    const OP: &str = "argsort";
    let _g = lock();
    let a = arr(OP, x)?;
    let ax = i32s(OP, &[axis])?[0];
    let out = if descending {
        let last = Array::from_int(x.shape()[axis] as i32 - 1);
        a.flip(Axes::Axis(ax))
            .and_then(|f| m::argsort_axis(f, ax))
            .and_then(|p| p.flip(Axes::Axis(ax)))
            .and_then(|p| p.as_dtype(mlx_rs::Dtype::Int32))
            .and_then(|p| m::subtract(&last, &p))
    } else {
        m::argsort_axis(a, ax)
    }
    .and_then(|p| p.as_dtype(mlx_rs::Dtype::Int64))
    .ctx(OP)?;
    wrap(OP, out)
}

// ---------------------------------------------------------------------------------------------
// shape manipulation

pub(crate) fn reshape(x: &Tensor, shape: &[usize]) -> Result<Tensor> {
    const OP: &str = "reshape";
    let _g = lock();
    wrap(OP, m::reshape(arr(OP, x)?, &i32s(OP, shape)?).ctx(OP)?)
}

pub(crate) fn permute_dims(x: &Tensor, axes: &[usize]) -> Result<Tensor> {
    const OP: &str = "permute_dims";
    let _g = lock();
    wrap(
        OP,
        m::transpose_axes(arr(OP, x)?, &i32s(OP, axes)?).ctx(OP)?,
    )
}

pub(crate) fn broadcast_to(x: &Tensor, shape: &[usize]) -> Result<Tensor> {
    const OP: &str = "broadcast_to";
    let _g = lock();
    wrap(OP, m::broadcast_to(arr(OP, x)?, &i32s(OP, shape)?).ctx(OP)?)
}

pub(crate) fn flip(x: &Tensor, axes: &[usize]) -> Result<Tensor> {
    const OP: &str = "flip";
    let _g = lock();
    let a = arr(OP, x)?;
    if axes.is_empty() {
        return wrap(OP, a.clone());
    }
    wrap(OP, a.flip(Axes::Axes(i32s(OP, axes)?)).ctx(OP)?)
}

pub(crate) fn concat(xs: &[Tensor], axis: usize) -> Result<Tensor> {
    const OP: &str = "concat";
    let _g = lock();
    let arrays: Vec<&Array> = xs.iter().map(|t| arr(OP, t)).collect::<Result<_>>()?;
    wrap(OP, m::concatenate(&arrays, i32s(OP, &[axis])?[0]).ctx(OP)?)
}

pub(crate) fn astype(x: &Tensor, dtype: DType) -> Result<Tensor> {
    const OP: &str = "astype";
    let _g = lock();
    let out = arr(OP, x)?.as_dtype(mlx_dtype(dtype)).ctx(OP)?;
    debug_assert_eq!(dtype_of(OP, out.dtype()).ok(), Some(dtype));
    wrap(OP, out)
}
