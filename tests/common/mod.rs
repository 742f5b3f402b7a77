//! A tiny second backend ("toy") registered only inside test binaries, so the state and
//! version-variant tests can mix backends and emulate framework versions without libtorch.
//!
//! It stores tensors as host vectors and implements just enough ops: `from_host`, `to_host`,
//! `add` (same-shape float32/float64), `multiply` only from "version 1.5" on, and `astype`
//! from float32 to float64. Its detected version is 1.5.0; below 1.5 float64 is unsupported.
//! It accepts any device label (its data always lives in host memory), and it borrows
//! contiguous float32 memory from other backends without copying, to test `to_backend`.

#![allow(dead_code)]

use std::sync::{Mutex, MutexGuard};
use tensorswitch::{BackendDescriptor, DType, Device, Error, HostData, Result, SharedHost, Tensor};

pub static TOY: BackendDescriptor =
    BackendDescriptor::new("toy", "toy (test backend)", || Ok("1.5.0".to_string()))
        .with_unsupported_dtypes(&[
            ("all", &[DType::Float16, DType::BFloat16]),
            ("1p4_and_below", &[DType::Float64]),
        ])
        .with_host_sharing(None, Some(import_shared))
        .with_max_dim(TOY_MAX_DIM);
tensorswitch::register_backend!(TOY);

/// The toy backend's declared largest dimension (tests/limits.rs checks the boundary).
pub const TOY_MAX_DIM: usize = 1 << 40;

tensorswitch::primaries! { "toy";
    from_host => from_host,
    to_host => to_host,
    add => add,
    multiply @ "1p5_and_above" => multiply,
    astype => astype,
}

/// Borrowed float32 memory, read in place.
struct Borrowed(SharedHost);

/// Wraps contiguous float32 memory of another backend without copying.
unsafe fn import_shared(shared: SharedHost) -> Result<Tensor> {
    if shared.dtype != DType::Float32 || !shared.is_contiguous() {
        return Err(Error::InvalidArgument {
            op: "import",
            reason: "the toy backend only borrows contiguous float32".into(),
        });
    }
    let shape = shared.shape.clone();
    Ok(Tensor::from_native(
        &TOY,
        DType::Float32,
        &shape,
        Device::Cpu,
        Borrowed(shared),
    ))
}

/// Where a toy tensor's elements live (to check that a conversion shared memory).
pub fn toy_data_ptr(t: &Tensor) -> Option<*const u8> {
    if let Some(b) = t.native::<Borrowed>() {
        return Some(b.0.ptr);
    }
    match &*t.native::<HostData>()? {
        HostData::Float32(v) => Some(v.as_ptr() as *const u8),
        _ => None,
    }
}

fn data(t: &Tensor) -> Result<std::borrow::Cow<'_, HostData>> {
    if let Some(b) = t.native::<Borrowed>() {
        let n = b.0.shape.iter().product();
        // SAFETY: `import_shared` accepted only contiguous float32 memory, which the
        // SharedHost contract keeps valid and unchanged while `b.0.owner` (held here) lives.
        let slice = unsafe { std::slice::from_raw_parts(b.0.ptr as *const f32, n) };
        return Ok(std::borrow::Cow::Owned(HostData::Float32(slice.to_vec())));
    }
    // A slot function reads its inputs inside the slot call's read section.
    unsafe { t.native_in_slot::<HostData>() }
        .map(std::borrow::Cow::Borrowed)
        .ok_or_else(|| Error::Backend {
            backend: "toy".into(),
            op: "data",
            message: "not a toy tensor".into(),
        })
}

fn from_host(data: HostData, shape: &[usize], device: Device) -> Result<Tensor> {
    Ok(Tensor::from_native(&TOY, data.dtype(), shape, device, data))
}

fn to_host(t: &Tensor) -> Result<HostData> {
    data(t).map(std::borrow::Cow::into_owned)
}

fn zip(a: &Tensor, b: &Tensor, f: fn(f64, f64) -> f64) -> Result<Tensor> {
    if a.shape() != b.shape() {
        return Err(Error::InvalidArgument {
            op: "toy",
            reason: "the toy backend does not broadcast".into(),
        });
    }
    let out = match (&*data(a)?, &*data(b)?) {
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
    from_host(out, a.shape(), a.device())
}

fn add(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    zip(a, b, |p, q| p + q)
}

fn multiply(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    zip(a, b, |p, q| p * q)
}

fn astype(x: &Tensor, dtype: DType) -> Result<Tensor> {
    let out = match (&*data(x)?, dtype) {
        (HostData::Float32(v), DType::Float64) => {
            HostData::Float64(v.iter().map(|&p| p as f64).collect())
        }
        (d, _) if d.dtype() == dtype => (*d).clone(),
        _ => {
            return Err(Error::InvalidArgument {
                op: "astype",
                reason: "the toy backend only converts float32 to float64".into(),
            })
        }
    };
    from_host(out, x.shape(), x.device())
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
