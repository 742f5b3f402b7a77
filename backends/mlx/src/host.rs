//! Host transfer and creation: `from_host`, `to_host`, `full`, `arange`, and `evaluate`
//! (MLX's `eval` without copying out).

use crate::{
    check_device, eval, input_array, lock, mark_failed, no_host_type, place, wrap, DTYPES, KIT,
};
use mlx_rs::{ops as m, Array, Dtype};
use std::ffi::c_void;
use tensorswitch::kit::OrBackendError;
use tensorswitch::{alloc, DType, Device, HostData, Result, Scalar, Tensor};

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
#[allow(unsafe_code)]
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

/// `full` of 0: `zeros_like`'s primary (the core passes the input's shape and device).
pub(crate) fn zeros(shape: &[usize], dtype: DType, device: Device) -> Result<Tensor> {
    full(shape, Scalar::Int(0), dtype, device)
}

/// `full` of 1: `ones_like`'s primary.
pub(crate) fn ones(shape: &[usize], dtype: DType, device: Device) -> Result<Tensor> {
    full(shape, Scalar::Int(1), dtype, device)
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
    // Not a slot: the descriptor's `evaluate` can be called directly, outside an op, so it
    // holds its own read section for `input_array`.
    tensorswitch::kit::in_read_section(|| {
        let _g = lock();
        let a = input_array(OP, x)?;
        eval(OP, a).map_err(|e| mark_failed(x, e))
    })
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
