//! The mlx backend's dtype and device metadata: float64 exists from MLX 0.23.0 on (ml-explore/mlx
//! PR #1843, "Fp64 on the CPU"), so an emulated MLX 0.22 refuses it with a clear error; the CPU
//! is listed as a device, and devices MLX lacks are device errors.
//!
//! These tests push on the process-wide backend stack, so they run one at a time (`serial`) and
//! pop what they pushed even when an assertion fails (`Pushed`). The stack is per process, so
//! they live in a test binary of their own.

use std::sync::{Mutex, MutexGuard};
use tensorswitch::{self as ts, DType, Device, Error, Tensor};
use tensorswitch_mlx as _;
use tensorswitch_ndarray as _;

/// Tests that touch the backend stack take this lock so they do not interleave (as in the root's
/// `tests/common/mod.rs`), and start from an empty stack.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    let guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    ts::unset_backend();
    guard
}

/// A backend pushed on the stack, popped when dropped (also when a test panics).
struct Pushed(ts::Backend);

impl Pushed {
    fn at(version: &str) -> Pushed {
        Pushed(ts::set_backend_to_specific_version("mlx", version).expect("mlx at that version"))
    }

    fn detected() -> Pushed {
        Pushed(ts::set_backend("mlx").expect("the mlx backend is available"))
    }
}

impl Drop for Pushed {
    fn drop(&mut self) {
        let popped = ts::previous_backend();
        if !std::thread::panicking() {
            assert_eq!(
                popped.ok(),
                Some(self.0),
                "the stack's top was what this test pushed"
            );
        }
    }
}

/// Asserts that `result` is the UnsupportedDType error for float64 of `op` at MLX `version`,
/// and that its message names both and points to float32.
fn assert_no_float64<T: std::fmt::Debug>(result: ts::Result<T>, op: &str, version: &str) {
    let err = result.expect_err("float64 must be refused");
    match &err {
        Error::UnsupportedDType {
            op: o,
            dtype,
            backend,
            version: v,
            supported,
        } => {
            assert_eq!(
                (*o, *dtype, backend.as_str(), v.as_str()),
                (op, DType::Float64, "mlx", version)
            );
            assert!(!supported.iter().any(|d| d == "float64"), "{supported:?}");
            assert!(supported.iter().any(|d| d == "float32"), "{supported:?}");
        }
        other => panic!("expected UnsupportedDType from {op}, got {other:?}"),
    }
    let text = err.to_string();
    for part in ["float64", version, "mlx", "float32"] {
        assert!(text.contains(part), "{part:?} missing from: {text}");
    }
}

#[test]
fn mlx_0_22_has_no_float64() {
    let _g = serial();
    let old = Pushed::at("0.22.0");
    assert!(old.0.is_emulated());
    assert_eq!(old.0.version().to_string(), "0.22.0");

    // Creating float64, whichever way.
    assert_no_float64(
        Tensor::from_slice(&[1.5f64, -2.0], &[2]),
        "from_host",
        "0.22.0",
    );
    assert_no_float64(ts::full(&[2, 2], 1.0, DType::Float64), "full", "0.22.0");
    assert_no_float64(ts::zeros(&[3], DType::Float64), "zeros", "0.22.0");
    assert_no_float64(
        ts::arange(0.0, 4.0, 1.0, DType::Float64),
        "arange",
        "0.22.0",
    );
    assert_no_float64(
        ts::linspace(0.0, 1.0, 5, true, DType::Float64),
        "linspace",
        "0.22.0",
    );

    // Converting to float64 on the backend.
    let x = Tensor::from_slice(&[1.5f32, -2.25, 3.0], &[3]).expect("float32 exists in 0.22");
    assert_no_float64(ts::astype(&x, DType::Float64), "astype", "0.22.0");

    // float32 works, and computes: 1.5 + 1.5, -2.25 + -2.25, 3 + 3 (exact in float32).
    assert_eq!(x.dtype(), DType::Float32);
    let y = ts::add(&x, &x).unwrap();
    assert_eq!(y.to_vec::<f32>().unwrap(), vec![3.0, -4.5, 6.0]);
    let z = ts::astype(&ts::zeros(&[2], DType::Float32).unwrap(), DType::Int32).unwrap();
    assert_eq!(z.to_vec::<i32>().unwrap(), vec![0, 0]);

    // The coverage report of that version says so too.
    assert_eq!(old.0.report().unsupported_dtypes, vec![DType::Float64]);
}

/// The range `0p22_and_below` ends with every 0.22.x release and not before 0.23.0.
#[test]
fn float64_arrives_with_mlx_0_23() {
    let _g = serial();
    {
        let _last = Pushed::at("0.22.9");
        assert_no_float64(Tensor::from_slice(&[0.5f64], &[1]), "from_host", "0.22.9");
    }
    {
        let first = Pushed::at("0.23.0");
        assert!(first.0.report().unsupported_dtypes.is_empty());
        // 0.1 is not a float32: the value survives only if it stays float64.
        let x = Tensor::from_slice(&[0.1f64, -0.0, f64::MAX], &[3]).unwrap();
        assert_eq!(x.dtype(), DType::Float64);
        let bits: Vec<u64> = x
            .to_vec::<f64>()
            .unwrap()
            .iter()
            .map(|v| v.to_bits())
            .collect();
        assert_eq!(
            bits,
            vec![
                0x3FB9_9999_9999_999A,
                0x8000_0000_0000_0000,
                0x7FEF_FFFF_FFFF_FFFF
            ]
        );
    }
}

/// At the MLX actually loaded (0.32), float64 is created, converted to and computed, and the
/// metadata lists no unsupported dtype.
#[test]
fn the_loaded_mlx_has_float64() {
    let _g = serial();
    let now = Pushed::detected();
    assert!(!now.0.is_emulated());
    assert!(now.0.report().unsupported_dtypes.is_empty());
    let x = Tensor::from_slice(&[0.1f64, 0.2], &[2]).unwrap();
    // 0.1 + 0.2 in float64 is 0.30000000000000004 (0x3FD3333333333334), not float32's 0.3.
    let sum = ts::sum(&x, None).unwrap();
    assert_eq!(sum.dtype(), DType::Float64);
    assert_eq!(
        sum.to_vec::<f64>().unwrap()[0].to_bits(),
        0x3FD3_3333_3333_3334
    );
    let widened = ts::astype(
        &Tensor::from_slice(&[0.1f32], &[1]).unwrap(),
        DType::Float64,
    );
    // float32's 0.1 (0x3DCCCCCD) is 13421773 / 2^27, exact in float64: the 23-bit mantissa
    // 0x4CCCCD shifted up by 29 bits under float64's exponent of 2^-4 (0x3FB).
    assert_eq!(
        widened.unwrap().to_vec::<f64>().unwrap()[0].to_bits(),
        0x3FB9_9999_A000_0000
    );
    let made = ts::arange(0.0, 0.3, 0.1, DType::Float64).unwrap();
    assert_eq!(made.to_vec::<f64>().unwrap(), vec![0.0, 0.1, 0.2]);
}

/// `to_backend` ignores the stack (conversions use the target's detected version), so with an
/// emulated MLX 0.22 on the stack a float64 tensor still converts to mlx exactly.
#[test]
fn to_backend_uses_the_loaded_version_whatever_the_stack() {
    let _g = serial();
    let x = ts::with_backend("ndarray", || Tensor::from_slice(&[0.1f64], &[1]))
        .unwrap()
        .unwrap();
    let _old = Pushed::at("0.22.0");
    let y = ts::to_backend(&x, "mlx").unwrap();
    assert_eq!(y.dtype(), DType::Float64);
    assert_eq!(y.to_vec::<f64>().unwrap()[0].to_bits(), 0.1f64.to_bits());
}

#[test]
fn the_cpu_is_listed_and_missing_devices_are_errors() {
    let _g = serial();
    let listed = (ts::registry::descriptor("mlx")
        .expect("mlx is registered")
        .devices)();
    let metal = tensorswitch_mlx::metal_is_available();
    if cfg!(target_os = "linux") {
        // Linux has no Metal, whatever MLX build is loaded.
        assert!(!metal);
    }
    let mut expected = vec![Device::Cpu];
    if metal {
        expected.push(Device::Metal(0));
    }
    assert_eq!(listed, expected);

    let _mlx = Pushed::detected();
    let x = ts::with_device(Device::Cpu, || Tensor::from_slice(&[1.0f64, 2.0], &[2])).unwrap();
    assert_eq!(x.device(), Device::Cpu);
    assert_eq!(ts::add(&x, &x).unwrap().device(), Device::Cpu);

    let err = ts::with_device(Device::Cuda(0), || ts::zeros(&[2], DType::Float32)).unwrap_err();
    assert!(
        matches!(&err, Error::Device(m) if m.contains("cuda:0") && m.contains("cpu")),
        "{err:?}"
    );
    if !metal {
        for err in [
            ts::with_device(Device::Metal(0), || ts::zeros(&[2], DType::Float32)).unwrap_err(),
            ts::to_device(&x, Device::Metal(0)).unwrap_err(),
        ] {
            assert!(
                matches!(&err, Error::Device(m) if m.contains("metal:0") && m.contains("no Metal GPU")),
                "{err:?}"
            );
        }
    } else {
        // A Metal GPU: float32 goes there, float64 is refused naming the device.
        let y = ts::to_device(&ts::astype(&x, DType::Float32).unwrap(), Device::Metal(0)).unwrap();
        assert_eq!(y.device(), Device::Metal(0));
        assert_eq!(
            ts::add(&y, &y).unwrap().to_vec::<f32>().unwrap(),
            vec![2.0, 4.0]
        );
        let version = format!("{} on metal:0", ts::backend_version("mlx").unwrap());
        assert_no_float64(ts::to_device(&x, Device::Metal(0)), "from_host", &version);
        assert_no_float64(ts::astype(&y, DType::Float64), "astype", &version);
    }
}
