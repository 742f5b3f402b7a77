//! Host transfer and `arange`.

use crate::{backend_error, NdArray, NdElement};
use ndarray::{Array1, ArrayD, ArrayRefD, IxDyn};
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
    ArrayD::from_shape_vec(IxDyn(shape), v)
        .map(NdArray::from)
        .map_err(|e| backend_error("from_host", e))
}

pub(crate) fn from_host(data: HostData, shape: &[usize], device: Device) -> Result<Tensor> {
    cpu_only(device)?;
    let nd = tensorswitch::match_host_data!(data, v => shaped(v, shape)?);
    Ok(nd.into_tensor())
}

/// The elements in logical row-major order, whatever the memory layout.
fn row_major<T: NdElement>(a: &ArrayRefD<T>) -> Vec<T> {
    match a.as_slice() {
        Some(s) => s.to_vec(),
        None => a.iter().copied().collect(),
    }
}

pub(crate) fn to_host(x: &Tensor) -> Result<HostData> {
    Ok(match_nd!(crate::nd("to_host", x)?, a => tensorswitch::Element::into_host(row_major(a))))
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
    let nd: NdArray = by_dtype!("arange", dtype; |T| {
        Array1::from_shape_fn(n, |i| T::from_scalar(Scalar::Float(start + i as f64 * step)))
            .into_dyn()
            .into()
    });
    Ok(nd.into_tensor())
}
