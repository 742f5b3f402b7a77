//! Host transfer, devices, creation ops, and lending/borrowing CPU memory for zero-copy
//! `to_backend`.

use crate::{
    f64_tensor, input_tensor, manip, scalar_tensor, torch_device, wrap_known, Lent, TorchTensor,
    KINDS, KIT, TORCH,
};
use std::sync::Arc;
use tch::Kind;
use tensorswitch::kit::OrBackendError;
use tensorswitch::{alloc, DType, Device, Error, HostData, Result, Scalar, SharedHost, Tensor};

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

#[allow(unsafe_code)]
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
    let kind = KINDS.framework(&KIT, OP, dtype)?;
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
            return Err(KIT.error(OP, format!("{dtype} is unsupported")))
        }
    };
    // libtorch copies as many bytes as the shape needs: they must be there.
    let want = shape
        .iter()
        .try_fold(dtype.size_in_bytes(), |n, &d| n.checked_mul(d));
    if want != Some(bytes.len()) {
        return Err(KIT.error(OP, format!("{} elements for shape {shape:?}", data.len())));
    }
    let mut t = tch::Tensor::f_from_data_size(bytes, &KIT.sizes_as::<i64>(OP, shape)?, kind)
        .or_backend(&KIT, OP)?;
    if dev != tch::Device::Cpu {
        t = t.f_to_device(dev).or_backend(&KIT, OP)?;
    }
    Ok(wrap_known(t, dtype, shape, device))
}

pub(crate) fn to_host(x: &Tensor) -> Result<HostData> {
    const OP: &str = "to_host";
    let t = input_tensor(OP, x)?;
    let n = x.size();
    macro_rules! copy {
        ($v:ident, $ty:ty, $zero:expr) => {{
            // Fallible: a large broadcast view is cheap on the device but not on the host.
            let mut v: Vec<$ty> = alloc::try_vec(OP, n, $zero)?;
            t.f_copy_data(&mut v, n).or_backend(&KIT, OP)?;
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
        d => {
            return Err(KINDS
                .framework(&KIT, OP, d)
                .err()
                .unwrap_or_else(|| KIT.error(OP, d)))
        }
    })
}

pub(crate) fn to_device(x: &Tensor, device: Device) -> Result<Tensor> {
    const OP: &str = "to_device";
    let dev = torch_device(device)?;
    let out = input_tensor(OP, x)?.f_to_device(dev).or_backend(&KIT, OP)?;
    Ok(wrap_known(out, x.dtype(), x.shape(), device))
}

/// `value` converted to `dtype` with Rust `as` rules (bool: non-zero, NaN included, is true),
/// as the bytes of one element of `dtype`. The conversion happens here, not in libtorch:
/// libtorch's `full` refuses values out of the dtype's range (1e300 for float16) where Rust's
/// `as` gives infinity, and it rounds float64 to float16 through float32 (rounding twice).
fn element_bytes(value: Scalar, dtype: DType) -> Vec<u8> {
    match dtype {
        DType::Bool => vec![u8::from(value.as_f64() != 0.0)],
        DType::Int8 => value.cast::<i8>().to_ne_bytes().to_vec(),
        DType::Int16 => value.cast::<i16>().to_ne_bytes().to_vec(),
        DType::Int32 => value.cast::<i32>().to_ne_bytes().to_vec(),
        DType::Int64 => value.cast::<i64>().to_ne_bytes().to_vec(),
        DType::UInt8 => vec![value.cast::<u8>()],
        DType::UInt16 => value.cast::<u16>().to_ne_bytes().to_vec(),
        DType::UInt32 => value.cast::<u32>().to_ne_bytes().to_vec(),
        DType::UInt64 => value.cast::<u64>().to_ne_bytes().to_vec(),
        DType::Float16 => f16_bits(value.cast()).to_ne_bytes().to_vec(),
        DType::BFloat16 => bf16_bits(value.cast()).to_ne_bytes().to_vec(),
        DType::Float32 => value.cast::<f32>().to_ne_bytes().to_vec(),
        DType::Float64 => value.cast::<f64>().to_ne_bytes().to_vec(),
    }
}

/// The IEEE binary16 bits of `x` rounded to nearest, ties to even (as Rust's `x as f16`).
pub(crate) fn f16_bits(x: f64) -> u16 {
    round_to_half(x, 10, 15)
}

/// The bfloat16 bits of `x` rounded to nearest, ties to even.
pub(crate) fn bf16_bits(x: f64) -> u16 {
    round_to_half(x, 7, 127)
}

/// `x` rounded to a 16-bit binary float with `man` mantissa bits and exponent bias (and
/// largest exponent) `emax`, in one rounding: overflow gives infinity, NaN stays NaN (quiet),
/// tiny values round to subnormals or zero, the sign is kept.
fn round_to_half(x: f64, man: i32, emax: i32) -> u16 {
    let sign: u16 = if x.is_sign_negative() { 0x8000 } else { 0 };
    let exp_mask: u16 = 0x7fff & !((1u16 << man) - 1);
    if x.is_nan() {
        return sign | exp_mask | (1 << (man - 1));
    }
    let a = x.abs();
    // Halfway between the largest finite value and 2^(emax+1) rounds to infinity (its
    // mantissa is odd), as does everything above.
    let overflow = (2.0 - 2f64.powi(-(man + 1))) * 2f64.powi(emax);
    if a >= overflow {
        return sign | exp_mask;
    }
    let emin = 1 - emax;
    // The exponent of the value's leading bit, at least emin (below: subnormal).
    let e = if a == 0.0 {
        emin
    } else {
        (((a.to_bits() >> 52) & 0x7ff) as i32 - 1023).max(emin)
    };
    // The mantissa as an integer in units of the last place; the scaling by a power of two
    // is exact, so the only rounding is this one.
    let m = (a * 2f64.powi(man - e)).round_ties_even() as u32;
    // Subnormals have biased exponent 0 and no hidden bit; `m` may have rounded up into the
    // next binade, which the addition carries into the exponent field correctly.
    let biased = if m >> man == 0 { 0 } else { (e + emax) as u32 };
    let bits = if biased == 0 {
        m
    } else {
        ((biased - 1) << man) + m
    };
    sign | bits as u16
}

/// libtorch's `full` takes the value as a `tch::Scalar` (which panics when libtorch fails,
/// see `scalar_tensor`) and range-checks it; this expands a 0-d tensor of the converted value
/// and copies it into a new contiguous tensor instead.
pub(crate) fn full(shape: &[usize], value: Scalar, dtype: DType, device: Device) -> Result<Tensor> {
    const OP: &str = "full";
    let kind = KINDS.framework(&KIT, OP, dtype)?;
    let dev = torch_device(device)?;
    let sizes = KIT.sizes_as::<i64>(OP, shape)?;
    let t = scalar_tensor(OP, &element_bytes(value, dtype), kind, dev)?
        .f_expand(sizes, false)
        .and_then(|t| t.f_contiguous())
        .or_backend(&KIT, OP)?;
    Ok(wrap_known(t, dtype, shape, device))
}

pub(crate) fn zeros(shape: &[usize], dtype: DType, device: Device) -> Result<Tensor> {
    const OP: &str = "zeros";
    let opts = (KINDS.framework(&KIT, OP, dtype)?, torch_device(device)?);
    let t = tch::Tensor::f_zeros(KIT.sizes_as::<i64>(OP, shape)?, opts).or_backend(&KIT, OP)?;
    Ok(wrap_known(t, dtype, shape, device))
}

pub(crate) fn ones(shape: &[usize], dtype: DType, device: Device) -> Result<Tensor> {
    const OP: &str = "ones";
    let opts = (KINDS.framework(&KIT, OP, dtype)?, torch_device(device)?);
    let t = tch::Tensor::f_ones(KIT.sizes_as::<i64>(OP, shape)?, opts).or_backend(&KIT, OP)?;
    Ok(wrap_known(t, dtype, shape, device))
}

/// `0, 1, …, n - 1` in float64 on `dev`. libtorch's `arange` takes its bounds as
/// `tch::Scalar`s (which panic when libtorch fails, say on an allocation too large, see
/// `scalar_tensor`); `linspace` from 0 to `n - 1` in `n` steps takes them as tensors, and its
/// step is exactly 1, so every value is the exact integer (up to 2^53; more float64 elements
/// than that cannot be allocated).
pub(crate) fn indices(op: &'static str, n: usize, dev: tch::Device) -> Result<tch::Tensor> {
    let steps = KIT.size_as::<i64>(op, n)?;
    let start = f64_tensor(op, 0.0, tch::Device::Cpu)?;
    let end = f64_tensor(op, n.saturating_sub(1) as f64, tch::Device::Cpu)?;
    tch::Tensor::f_linspace_tensor_tensor(&start, &end, steps, (Kind::Double, dev))
        .or_backend(&KIT, op)
}

/// `start + i * step` for `i` in `0..n`, in float64 on `dev`.
fn affine(
    op: &'static str,
    n: usize,
    start: f64,
    step: f64,
    dev: tch::Device,
) -> Result<tch::Tensor> {
    let start = f64_tensor(op, start, dev)?;
    let step = f64_tensor(op, step, dev)?;
    indices(op, n, dev)?
        .f_mul(&step)
        .and_then(|i| i.f_add(&start))
        .or_backend(&KIT, op)
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
    let kind = KINDS.framework(&KIT, OP, dtype)?;
    let dev = torch_device(device)?;
    let t = affine(OP, n, start, step, dev)?;
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
    let kind = KINDS.framework(&KIT, OP, dtype)?;
    let dev = torch_device(device)?;
    let n = KIT.size_as::<i64>(OP, num)?;
    if dtype.is_float() && (endpoint || num <= 1) {
        // A single point is `start`, with or without the endpoint (as in NumPy). The bounds
        // go in as 0-d tensors, not `tch::Scalar`s (see `scalar_tensor`).
        let stop = if num <= 1 { start } else { stop };
        let (a, b) = (
            f64_tensor(OP, start, tch::Device::Cpu)?,
            f64_tensor(OP, stop, tch::Device::Cpu)?,
        );
        // libtorch refuses bounds beyond the result dtype's range ("value cannot be converted
        // to type float without overflow") where the documented `as` conversion gives ±inf:
        // such bounds are computed in float64 and cast (the cast gives the infinities), the
        // others in the result dtype (no float64 buffer twice the result's size).
        let max = match dtype {
            DType::Float16 => 65504.0,
            DType::BFloat16 => 3.3895313892515355e38,
            DType::Float32 => f32::MAX as f64,
            _ => f64::MAX,
        };
        let t = if start.abs() <= max && stop.abs() <= max {
            tch::Tensor::f_linspace_tensor_tensor(&a, &b, n, (kind, dev))
        } else {
            tch::Tensor::f_linspace_tensor_tensor(&a, &b, n, (Kind::Double, dev))
                .and_then(|t| t.f_to_kind(kind))
        }
        .or_backend(&KIT, OP)?;
        return Ok(wrap_known(t, dtype, &[num], device));
    }
    let div = if endpoint { num.saturating_sub(1) } else { num };
    let step = if div > 0 {
        (stop - start) / div as f64
    } else {
        0.0
    };
    let mut t = affine(OP, num, start, step, dev)?;
    if endpoint && num > 1 {
        let last = f64_tensor(OP, stop, dev)?;
        t = last
            .f_reshape([1])
            .and_then(|last| {
                let head = t.f_narrow(0, 0, n - 1)?;
                tch::Tensor::f_cat(&[head, last], 0)
            })
            .or_backend(&KIT, OP)?;
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
    let opts = (KINDS.framework(&KIT, OP, dtype)?, torch_device(device)?);
    let (n, m) = (
        KIT.size_as::<i64>(OP, n_rows)?,
        KIT.size_as::<i64>(OP, n_cols)?,
    );
    let t = if k == 0 {
        tch::Tensor::f_eye_m(n, m, opts)
    } else {
        tch::Tensor::f_ones([n, m], opts)
            .and_then(|t| t.f_tril(k))
            .and_then(|t| t.f_triu(k))
    }
    .or_backend(&KIT, OP)?;
    Ok(wrap_known(t, dtype, &[n_rows, n_cols], device))
}

// ---------------------------------------------------------------------------------------------
// zero-copy host sharing

/// Lends a CPU tensor's memory. The owner keeps it alive and unchanged: the tensor itself
/// ([`Tensor::lend_owner`]) when libtorch owns the memory; the original lender's owner, passed
/// on, when this tensor borrows it (so memory going back and forth between backends is owned
/// by its lender, not by a chain of every tensor it passed through).
pub(crate) fn share_host(t: &Tensor) -> Option<SharedHost> {
    if t.device() != Device::Cpu || t.size() == 0 {
        return None;
    }
    let native = t.native::<TorchTensor>()?;
    let x = native.tch_tensor();
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
        owner: pass_on(native.owner.as_ref(), ptr as usize, t, &strides)
            .unwrap_or_else(|| t.lend_owner()),
    })
}

/// The lender's owner, if this tensor's elements (at `ptr` with `strides`) lie in memory it
/// borrowed: a view of lent memory is lent on under the original owner. (A result libtorch
/// computed into its own memory has a lender too when it came from a may-be-view op such as
/// `reshape`: its elements lie outside the lent span, and it lends itself.)
fn pass_on(
    lent: Option<&Lent>,
    ptr: usize,
    t: &Tensor,
    strides: &[i64],
) -> Option<Arc<dyn std::any::Any + Send + Sync>> {
    let lent = lent?;
    let strides: Vec<isize> = strides
        .iter()
        .map(|&s| isize::try_from(s).ok())
        .collect::<Option<_>>()?;
    let (start, end) = crate::byte_span(ptr, t.shape(), &strides, t.dtype().size_in_bytes())?;
    (start >= lent.span.0 && end <= lent.span.1).then(|| lent.owner.clone())
}

/// Wraps memory lent by another backend. Declines (so the core copies) what libtorch cannot
/// describe or what is not worth sharing: dtypes without a tch kind, negative strides,
/// misaligned data, empty tensors.
///
/// # Safety
/// `shared` honours the `SharedHost` contract: every element reachable through its shape and
/// strides stays valid and unchanged while `shared.owner` lives.
#[allow(unsafe_code)]
pub(crate) unsafe fn import_shared_host(shared: SharedHost) -> Result<Tensor> {
    const OP: &str = "to_backend";
    let decline = |why: &str| Err(KIT.error(OP, format!("cannot borrow this memory: {why}")));
    let kind = KINDS.framework(&KIT, OP, shared.dtype)?;
    if alloc::element_count(OP, &shared.shape)? == 0 {
        return decline("it holds no elements");
    }
    if shared.strides.len() != shared.shape.len() || shared.strides.iter().any(|&s| s < 0) {
        return decline("libtorch has no negative strides");
    }
    if (shared.ptr as usize) % shared.dtype.size_in_bytes() != 0 {
        return decline("the data is not aligned for its dtype");
    }
    let shape = KIT.sizes_as::<i64>(OP, &shared.shape)?;
    let strides = shared
        .strides
        .iter()
        .map(|&s| i64::try_from(s).map_err(|_| KIT.error(OP, "a stride exceeds int64")))
        .collect::<Result<Vec<i64>>>()?;
    // SAFETY: by the caller's contract the memory described by (ptr, shape, strides) stays
    // valid while `owner` lives; the native value below holds `owner` for as long as the
    // tensor exists, and every op that may return a view of it copies `owner` into its result
    // (`wrap_view`). libtorch never writes to it: this backend runs no in-place ops.
    let span = crate::byte_span(
        shared.ptr as usize,
        &shared.shape,
        &shared.strides,
        shared.dtype.size_in_bytes(),
    )
    .ok_or_else(|| KIT.error(OP, "cannot borrow this memory: its span overflows"))?;
    let t =
        unsafe { tch::Tensor::f_from_blob(shared.ptr, &shape, &strides, kind, tch::Device::Cpu) }
            .or_backend(&KIT, OP)?;
    Ok(Tensor::from_native(
        &TORCH,
        shared.dtype,
        &shared.shape,
        Device::Cpu,
        TorchTensor::new(
            t,
            Some(Lent {
                owner: shared.owner,
                span,
            }),
        ),
    ))
}

/// Whether a torch tensor reads memory lent by another backend (a zero-copy
/// [`tensorswitch::to_backend`] result, or a view of one).
pub fn borrows_memory(t: &Tensor) -> bool {
    KIT.native::<TorchTensor>("borrows_memory", t)
        .is_ok_and(|n| n.owner.is_some())
}

#[cfg(test)]
mod tests {
    use super::{bf16_bits, f16_bits};

    #[test]
    fn half_rounding_is_one_correct_rounding() {
        // IEEE binary16 values from its definition (bias 15, 10 mantissa bits).
        let cases = [
            (1.0, 0x3c00),
            (-2.0, 0xc000),
            (65504.0, 0x7bff),  // the largest finite
            (65519.99, 0x7bff), // below the halfway point to 2^16
            (65520.0, 0x7c00),  // halfway, ties to even: infinity
            (1e300, 0x7c00),    // Rust's `1e300 as f16` is +inf
            (-1e300, 0xfc00),
            (f64::INFINITY, 0x7c00),
            (2f64.powi(-14), 0x0400), // the smallest normal
            (2f64.powi(-24), 0x0001), // the smallest subnormal
            (2f64.powi(-25), 0x0000), // halfway to it: ties to even (0)
            (1.5 * 2f64.powi(-25), 0x0001),
            (3.0 * 2f64.powi(-25), 0x0002), // 1.5 ulp: ties to even (2)
            (-0.0, 0x8000),
            (1.0 / 3.0, 0x3555),
            (1.0 + 2f64.powi(-11), 0x3c00), // halfway between 1 and the next: even (1)
            (1.0 + 3.0 * 2f64.powi(-11), 0x3c02),
            // Double rounding through float32 would give 0x3c01 here: the value is just
            // above halfway, but rounds to the halfway point in float32.
            (1.0 + 2f64.powi(-11) + 2f64.powi(-40), 0x3c01),
        ];
        for (x, bits) in cases {
            assert_eq!(f16_bits(x), bits, "{x:e}: {:#06x}", f16_bits(x));
        }
        assert_eq!(f16_bits(f64::NAN) & 0x7e00, 0x7e00);
        // bfloat16: float32's exponent, 7 mantissa bits.
        assert_eq!(bf16_bits(1.0), 0x3f80);
        assert_eq!(bf16_bits(1e300), 0x7f80);
        assert_eq!(bf16_bits(3.0e38), 0x7f62);
        assert_eq!(bf16_bits(1.0 + 2f64.powi(-8)), 0x3f80);
        assert_eq!(bf16_bits(1.0 + 3.0 * 2f64.powi(-8)), 0x3f82);
        assert_eq!(bf16_bits(2f64.powi(-133)), 0x0001);
        assert_eq!(bf16_bits(f64::NAN) & 0x7fc0, 0x7fc0);
    }
}
