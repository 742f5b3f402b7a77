//! Host transfer, devices, creation ops, and lending/borrowing CPU memory for zero-copy
//! `to_backend`.

use crate::{
    backend_error, i64s, kind_of, manip, native, torch_device, tt, wrap_known, Ctx, TorchTensor,
    TORCH,
};
use std::sync::Arc;
use tch::Kind;
use tensorswitch::{DType, Device, Error, HostData, Result, Scalar, SharedHost, Tensor};

/// Element types whose values are plain bytes: no padding, every byte initialised.
trait Plain: Copy {}
impl Plain for bool {}
impl Plain for i8 {}
impl Plain for i16 {}
impl Plain for i32 {}
impl Plain for i64 {}
impl Plain for u8 {}
impl Plain for f32 {}
impl Plain for f64 {}

fn bytes_of<T: Plain>(v: &[T]) -> &[u8] {
    // SAFETY: `Plain` types have no padding and no invalid byte patterns to read, so their
    // memory is `size_of_val(v)` initialised bytes, borrowed for as long as `v`.
    unsafe { std::slice::from_raw_parts(v.as_ptr().cast::<u8>(), std::mem::size_of_val(v)) }
}

/// One copy into a new contiguous tensor of the final shape. (Not `from_slice` + `reshape`:
/// that gives a libtorch view, and every later op on a view pays about 10% more dispatch.)
pub(crate) fn from_host(data: HostData, shape: &[usize], device: Device) -> Result<Tensor> {
    const OP: &str = "from_host";
    let dev = torch_device(device)?;
    let dtype = data.dtype();
    let kind = kind_of(OP, dtype)?;
    let bytes = match &data {
        HostData::Bool(v) => bytes_of(v),
        HostData::Int8(v) => bytes_of(v),
        HostData::Int16(v) => bytes_of(v),
        HostData::Int32(v) => bytes_of(v),
        HostData::Int64(v) => bytes_of(v),
        HostData::UInt8(v) => bytes_of(v),
        HostData::Float32(v) => bytes_of(v),
        HostData::Float64(v) => bytes_of(v),
        HostData::UInt16(_) | HostData::UInt32(_) | HostData::UInt64(_) => {
            return Err(backend_error(OP, format!("{dtype} is unsupported")))
        }
    };
    // libtorch copies as many bytes as the shape needs: they must be there.
    let want = shape
        .iter()
        .try_fold(dtype.size_in_bytes(), |n, &d| n.checked_mul(d));
    if want != Some(bytes.len()) {
        return Err(backend_error(
            OP,
            format!("{} elements for shape {shape:?}", data.len()),
        ));
    }
    let mut t = tch::Tensor::f_from_data_size(bytes, &i64s(shape), kind).ctx(OP)?;
    if dev != tch::Device::Cpu {
        t = t.f_to_device(dev).ctx(OP)?;
    }
    Ok(wrap_known(t, dtype, shape, device))
}

pub(crate) fn to_host(x: &Tensor) -> Result<HostData> {
    const OP: &str = "to_host";
    let t = tt(OP, x)?;
    let n = x.size();
    macro_rules! copy {
        ($v:ident, $ty:ty, $zero:expr) => {{
            let mut v: Vec<$ty> = vec![$zero; n];
            t.f_copy_data(&mut v, n).ctx(OP)?;
            HostData::$v(v)
        }};
    }
    Ok(match x.dtype() {
        DType::Bool => copy!(Bool, bool, false),
        DType::Int8 => copy!(Int8, i8, 0),
        DType::Int16 => copy!(Int16, i16, 0),
        DType::Int32 => copy!(Int32, i32, 0),
        DType::Int64 => copy!(Int64, i64, 0),
        DType::UInt8 => copy!(UInt8, u8, 0),
        DType::Float32 => copy!(Float32, f32, 0.0),
        DType::Float64 => copy!(Float64, f64, 0.0),
        d @ (DType::Float16 | DType::BFloat16) => return Err(Error::InvalidDType {
            op: OP,
            dtype: d,
            expected:
                "a dtype with a host element type (convert float16 and bfloat16 with astype first)",
        }),
        d => return Err(kind_of(OP, d).err().unwrap_or_else(|| backend_error(OP, d))),
    })
}

pub(crate) fn to_device(x: &Tensor, device: Device) -> Result<Tensor> {
    const OP: &str = "to_device";
    let dev = torch_device(device)?;
    let out = tt(OP, x)?.f_to_device(dev).ctx(OP)?;
    Ok(wrap_known(out, x.dtype(), x.shape(), device))
}

/// `value` converted to `dtype` with Rust `as` rules (bool: non-zero, NaN included, is true),
/// as a libtorch scalar that holds the converted value exactly.
fn scalar_for(value: Scalar, dtype: DType) -> tch::Scalar {
    match dtype {
        DType::Bool => tch::Scalar::int((value.as_f64() != 0.0) as i64),
        DType::Int8 => tch::Scalar::int(value.cast::<i8>().into()),
        DType::Int16 => tch::Scalar::int(value.cast::<i16>().into()),
        DType::Int32 => tch::Scalar::int(value.cast::<i32>().into()),
        DType::Int64 => tch::Scalar::int(value.cast::<i64>()),
        DType::UInt8 => tch::Scalar::int(value.cast::<u8>().into()),
        DType::UInt16 => tch::Scalar::int(value.cast::<u16>().into()),
        DType::UInt32 => tch::Scalar::int(value.cast::<u32>().into()),
        // uint64 is unsupported; the bits are kept if it ever arrives.
        DType::UInt64 => tch::Scalar::int(value.cast::<u64>() as i64),
        DType::Float32 => tch::Scalar::float(value.cast::<f32>().into()),
        // libtorch rounds the double to the half type.
        DType::Float64 | DType::Float16 | DType::BFloat16 => tch::Scalar::float(value.cast()),
    }
}

pub(crate) fn full(shape: &[usize], value: Scalar, dtype: DType, device: Device) -> Result<Tensor> {
    const OP: &str = "full";
    let opts = (kind_of(OP, dtype)?, torch_device(device)?);
    let t = tch::Tensor::f_full(i64s(shape), scalar_for(value, dtype), opts).ctx(OP)?;
    Ok(wrap_known(t, dtype, shape, device))
}

pub(crate) fn zeros(shape: &[usize], dtype: DType, device: Device) -> Result<Tensor> {
    const OP: &str = "zeros";
    let opts = (kind_of(OP, dtype)?, torch_device(device)?);
    let t = tch::Tensor::f_zeros(i64s(shape), opts).ctx(OP)?;
    Ok(wrap_known(t, dtype, shape, device))
}

pub(crate) fn ones(shape: &[usize], dtype: DType, device: Device) -> Result<Tensor> {
    const OP: &str = "ones";
    let opts = (kind_of(OP, dtype)?, torch_device(device)?);
    let t = tch::Tensor::f_ones(i64s(shape), opts).ctx(OP)?;
    Ok(wrap_known(t, dtype, shape, device))
}

/// `start + i * step` in float64 (as the core defines arange), then converted like `astype`:
/// libtorch's own arange computes in the target dtype, which differs for integer dtypes with
/// fractional starts or steps.
pub(crate) fn arange(
    start: f64,
    step: f64,
    n: usize,
    dtype: DType,
    device: Device,
) -> Result<Tensor> {
    const OP: &str = "arange";
    let kind = kind_of(OP, dtype)?;
    let dev = torch_device(device)?;
    let t = tch::Tensor::f_arange(n as i64, (Kind::Double, dev))
        .and_then(|i| i.f_mul_scalar(step))
        .and_then(|i| i.f_add_scalar(start))
        .ctx(OP)?;
    let out = manip::convert(OP, &t, DType::Float64, dtype, kind)?;
    Ok(wrap_known(out, dtype, &[n], device))
}

/// Float dtypes with the endpoint use libtorch's linspace; otherwise NumPy's formula
/// (`start + i * step`, the last element set to `stop` with the endpoint) in float64, then
/// converted like `astype`, so integer results truncate exactly as the core defines.
pub(crate) fn linspace(
    start: f64,
    stop: f64,
    num: usize,
    endpoint: bool,
    dtype: DType,
    device: Device,
) -> Result<Tensor> {
    const OP: &str = "linspace";
    let kind = kind_of(OP, dtype)?;
    let dev = torch_device(device)?;
    let n = num as i64;
    if dtype.is_float() && (endpoint || num <= 1) {
        // A single point is `start`, with or without the endpoint (as in NumPy).
        let stop = if num <= 1 { start } else { stop };
        let t = tch::Tensor::f_linspace(start, stop, n, (kind, dev)).ctx(OP)?;
        return Ok(wrap_known(t, dtype, &[num], device));
    }
    let div = if endpoint { num.saturating_sub(1) } else { num };
    let step = if div > 0 {
        (stop - start) / div as f64
    } else {
        0.0
    };
    let mut t = tch::Tensor::f_arange(n, (Kind::Double, dev))
        .and_then(|i| i.f_mul_scalar(step))
        .and_then(|i| i.f_add_scalar(start))
        .ctx(OP)?;
    if endpoint && num > 1 {
        let last = tch::Tensor::f_full([1], stop, (Kind::Double, dev)).ctx(OP)?;
        t = t
            .f_narrow(0, 0, n - 1)
            .and_then(|head| tch::Tensor::f_cat(&[head, last], 0))
            .ctx(OP)?;
    }
    let out = manip::convert(OP, &t, DType::Float64, dtype, kind)?;
    Ok(wrap_known(out, dtype, &[num], device))
}

/// libtorch's eye has no diagonal offset: the `k`-th diagonal of a matrix of ones is what
/// `tril(k)` and `triu(k)` both keep.
pub(crate) fn eye(
    n_rows: usize,
    n_cols: usize,
    k: i64,
    dtype: DType,
    device: Device,
) -> Result<Tensor> {
    const OP: &str = "eye";
    let opts = (kind_of(OP, dtype)?, torch_device(device)?);
    let (n, m) = (n_rows as i64, n_cols as i64);
    let t = if k == 0 {
        tch::Tensor::f_eye_m(n, m, opts)
    } else {
        tch::Tensor::f_ones([n, m], opts)
            .and_then(|t| t.f_tril(k))
            .and_then(|t| t.f_triu(k))
    }
    .ctx(OP)?;
    Ok(wrap_known(t, dtype, &[n_rows, n_cols], device))
}

// ---------------------------------------------------------------------------------------------
// zero-copy host sharing

/// Lends a CPU tensor's memory. The owner is a clone of the tensor handle: it keeps the
/// libtorch tensor (and whatever memory it borrows itself) alive, and tensors are never
/// modified, so the memory stays unchanged as `SharedHost` requires.
pub(crate) fn share_host(t: &Tensor) -> Option<SharedHost> {
    if t.device() != Device::Cpu || t.size() == 0 {
        return None;
    }
    let x = t.native::<TorchTensor>()?.t();
    // `data_ptr` and `stride` panic only for tensors without storage, which this backend
    // never makes; a panic here must still not escape, so it means "cannot share".
    let (ptr, strides) =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (x.data_ptr(), x.stride())))
            .ok()?;
    if ptr.is_null() || strides.len() != t.ndim() {
        return None;
    }
    Some(SharedHost {
        ptr: ptr as *const u8,
        dtype: t.dtype(),
        shape: t.shape().into(),
        strides: strides.iter().map(|&s| s as isize).collect(),
        owner: Arc::new(t.clone()),
    })
}

/// Wraps memory lent by another backend. Declines (so the core copies) what libtorch cannot
/// describe or what is not worth sharing: dtypes without a tch kind, negative strides,
/// misaligned data, empty tensors.
///
/// # Safety
/// `shared` honours the `SharedHost` contract: every element reachable through its shape and
/// strides stays valid and unchanged while `shared.owner` lives.
pub(crate) unsafe fn import_shared_host(shared: SharedHost) -> Result<Tensor> {
    const OP: &str = "to_backend";
    let decline = |why: &str| {
        Err(backend_error(
            OP,
            format!("cannot borrow this memory: {why}"),
        ))
    };
    let kind = kind_of(OP, shared.dtype)?;
    if shared.shape.iter().product::<usize>() == 0 {
        return decline("it holds no elements");
    }
    if shared.strides.len() != shared.shape.len() || shared.strides.iter().any(|&s| s < 0) {
        return decline("libtorch has no negative strides");
    }
    if (shared.ptr as usize) % shared.dtype.size_in_bytes() != 0 {
        return decline("the data is not aligned for its dtype");
    }
    let shape = i64s(&shared.shape);
    let strides: Vec<i64> = shared.strides.iter().map(|&s| s as i64).collect();
    // SAFETY: by the caller's contract the memory described by (ptr, shape, strides) stays
    // valid while `owner` lives; the native value below holds `owner` for as long as the
    // tensor exists, and every op that may return a view of it copies `owner` into its result
    // (`wrap_view`). libtorch never writes to it: this backend runs no in-place ops.
    let t =
        unsafe { tch::Tensor::f_from_blob(shared.ptr, &shape, &strides, kind, tch::Device::Cpu) }
            .ctx(OP)?;
    Ok(Tensor::from_native(
        &TORCH,
        shared.dtype,
        &shared.shape,
        Device::Cpu,
        TorchTensor::new(t, Some(shared.owner)),
    ))
}

/// Whether a torch tensor reads memory lent by another backend (a zero-copy
/// [`tensorswitch::to_backend`] result, or a view of one).
pub fn borrows_memory(t: &Tensor) -> bool {
    native("borrows_memory", t).is_ok_and(|n| n.owner.is_some())
}
