//! Host transfer and `arange`.

use crate::{NdArray, NdElement};
use ndarray::ArrayRefD;
use tensorswitch::{DType, Device, Error, HostData, Result, Scalar, Tensor};

fn cpu_only(device: Device) -> Result<()> {
    match device {
        Device::Cpu => Ok(()),
        other => Err(Error::Device(format!(
            "the ndarray backend runs on the cpu only, not on {other}"
        ))),
    }
}

/// A row-major array over the vector's own buffer (no copy).
fn shaped<T: NdElement>(v: Vec<T>, shape: &[usize]) -> Result<NdArray> {
    crate::buf::shaped("from_host", shape, v).map(NdArray::from)
}

pub(crate) fn from_host(data: HostData, shape: &[usize], device: Device) -> Result<Tensor> {
    cpu_only(device)?;
    let nd = tensorswitch::match_host_data!(data, v => shaped(v, shape)?);
    Ok(nd.into_tensor())
}

/// The elements in logical row-major order, whatever the memory layout, in a buffer
/// allocated fallibly.
fn row_major<T: NdElement>(a: &ArrayRefD<T>) -> Result<Vec<T>> {
    let mut v = tensorswitch::alloc::try_with_capacity("to_host", a.len())?;
    match a.as_slice() {
        Some(s) => v.extend_from_slice(s),
        None => v.extend(a.iter().copied()),
    }
    Ok(v)
}

pub(crate) fn to_host(x: &Tensor) -> Result<HostData> {
    Ok(
        match_nd!(crate::input_array("to_host", x)?, a => tensorswitch::Element::into_host(row_major(a)?)),
    )
}

/// `start + i * step` computed in f64, then converted with Rust `as` rules (the core's
/// documented semantics, shared with its fallback).
pub(crate) fn arange(
    start: f64,
    step: f64,
    n: usize,
    dtype: DType,
    device: Device,
) -> Result<Tensor> {
    cpu_only(device)?;
    const OP: &str = "arange";
    let nd: NdArray = by_dtype!(OP, dtype; |T| {
        let mut v = crate::buf::buffer::<T>(OP, &[n])?;
        v.extend((0..n).map(|i| T::from_scalar(Scalar::Float(start + i as f64 * step))));
        crate::buf::shaped(OP, &[n], v)?.into()
    });
    Ok(nd.into_tensor())
}

/// `full`: the value converted with Rust `as` rules (as the core's fallback does), in one
/// buffer allocated fallibly. A primary rather than the fallback so that `zeros`, `ones` and
/// `full` never build an intermediate host vector of the result's size.
pub(crate) fn full(shape: &[usize], value: Scalar, dtype: DType, device: Device) -> Result<Tensor> {
    filled("full", shape, value, dtype, device)
}

/// `zeros_like`: `full`'s code path with 0 (the core passes the input's shape and device).
pub(crate) fn zeros_like(shape: &[usize], dtype: DType, device: Device) -> Result<Tensor> {
    filled("zeros_like", shape, Scalar::Int(0), dtype, device)
}

/// `ones_like`: `full`'s code path with 1.
pub(crate) fn ones_like(shape: &[usize], dtype: DType, device: Device) -> Result<Tensor> {
    filled("ones_like", shape, Scalar::Int(1), dtype, device)
}

fn filled(
    op: &'static str,
    shape: &[usize],
    value: Scalar,
    dtype: DType,
    device: Device,
) -> Result<Tensor> {
    cpu_only(device)?;
    let nd: NdArray =
        by_dtype!(op, dtype; |T| crate::buf::filled(op, shape, T::from_scalar(value))?.into());
    Ok(nd.into_tensor())
}
