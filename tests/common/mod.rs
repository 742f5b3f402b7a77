//! A tiny second backend ("toy") registered only inside test binaries, so the state and
//! version-variant tests can mix backends and emulate framework versions without libtorch.
//!
//! It stores tensors as host vectors and implements just enough ops: `from_host`, `to_host`,
//! `add` (same-shape float32/float64), `multiply` only from "version 1.5" on, and `astype`
//! from float32 to float64. Its detected version is 1.5.0; below 1.5 float64 is unsupported.

#![allow(dead_code)]

use std::sync::{Mutex, MutexGuard};
use tensorswitch::{BackendDescriptor, DType, Device, Error, HostData, Result, Tensor};

pub static TOY: BackendDescriptor =
    BackendDescriptor::new("toy", "toy (test backend)", || Ok("1.5.0".to_string()))
        .with_unsupported_dtypes(&[
            ("all", &[DType::Float16, DType::BFloat16]),
            ("1p4_and_below", &[DType::Float64]),
        ]);
tensorswitch::register_backend!(TOY);

tensorswitch::primaries! { "toy";
    from_host => from_host,
    to_host => to_host,
    add => add,
    multiply @ "1p5_and_above" => multiply,
    astype => astype,
}

fn data(t: &Tensor) -> Result<&HostData> {
    t.native::<HostData>().ok_or_else(|| Error::Backend {
        backend: "toy".into(),
        op: "data",
        message: "not a toy tensor".into(),
    })
}

fn from_host(data: HostData, shape: &[usize], device: Device) -> Result<Tensor> {
    Ok(Tensor::from_native(&TOY, data.dtype(), shape, device, data))
}

fn to_host(t: &Tensor) -> Result<HostData> {
    data(t).cloned()
}

fn zip(a: &Tensor, b: &Tensor, f: fn(f64, f64) -> f64) -> Result<Tensor> {
    if a.shape() != b.shape() {
        return Err(Error::InvalidArgument {
            op: "toy",
            reason: "the toy backend does not broadcast".into(),
        });
    }
    let out = match (data(a)?, data(b)?) {
        (HostData::Float32(x), HostData::Float32(y)) => HostData::Float32(
            x.iter()
                .zip(y)
                .map(|(&p, &q)| f(p as f64, q as f64) as f32)
                .collect(),
        ),
        (HostData::Float64(x), HostData::Float64(y)) => {
            HostData::Float64(x.iter().zip(y).map(|(&p, &q)| f(p, q)).collect())
        }
        _ => {
            return Err(Error::InvalidArgument {
                op: "toy",
                reason: "the toy backend only computes float32 and float64".into(),
            })
        }
    };
    from_host(out, a.shape(), Device::Cpu)
}

fn add(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    zip(a, b, |p, q| p + q)
}

fn multiply(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    zip(a, b, |p, q| p * q)
}

fn astype(x: &Tensor, dtype: DType) -> Result<Tensor> {
    let out = match (data(x)?, dtype) {
        (HostData::Float32(v), DType::Float64) => {
            HostData::Float64(v.iter().map(|&p| p as f64).collect())
        }
        (d, _) if d.dtype() == dtype => d.clone(),
        _ => {
            return Err(Error::InvalidArgument {
                op: "astype",
                reason: "the toy backend only converts float32 to float64".into(),
            })
        }
    };
    from_host(out, x.shape(), Device::Cpu)
}

/// Tests that touch the process-wide backend stack take this lock so they do not interleave.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    let guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    tensorswitch::unset_backend();
    guard
}

/// A float32 tensor on the toy backend.
pub fn toy_f32(values: &[f32]) -> Tensor {
    tensorswitch::with_backend("toy", || Tensor::from_slice(values, &[values.len()]))
        .expect("toy backend is registered")
        .expect("toy from_host works")
}
