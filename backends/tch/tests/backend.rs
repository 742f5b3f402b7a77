//! The torch backend's registration, version, dtype metadata and devices.

use tensorswitch::{DType, Device, Error, Op, Source, Tensor};
use tensorswitch_tch as _;

#[test]
fn registrations_are_valid() {
    tensorswitch::validate_registrations("torch").unwrap();
}

#[test]
fn every_op_has_a_primary() {
    let report = tensorswitch::function_table_report("torch").unwrap();
    let missing: Vec<_> = report
        .rows
        .iter()
        .filter(|(_, s)| !matches!(s, Source::Primary { .. }))
        .map(|(op, s)| format!("{op}: {s}"))
        .collect();
    assert!(
        missing.is_empty(),
        "ops without a torch primary: {missing:?}"
    );
    assert_eq!(report.rows.len(), Op::COUNT);
}

#[test]
fn version_is_the_libtorch_in_use() {
    let v = tensorswitch::backend_version("torch").unwrap();
    let built = tensorswitch::version::parse_framework_version(tensorswitch_tch::BUILT_AGAINST)
        .expect("the build read the libtorch version");
    assert_eq!(
        (v.major, v.minor, v.patch),
        (built.major, built.minor, built.patch)
    );
    assert!(v.major >= 2, "libtorch {v}");
    assert!(tensorswitch_tch::libtorch_lib_dir()
        .unwrap()
        .join("libtorch_cpu.so")
        .exists());
}

#[test]
fn unsupported_dtypes_are_errors_naming_backend_and_version() {
    let version = tensorswitch::backend_version("torch").unwrap().to_string();
    for dtype in [DType::UInt16, DType::UInt32, DType::UInt64] {
        let err = tensorswitch::with_backend("torch", || tensorswitch::zeros(&[2], dtype))
            .unwrap()
            .unwrap_err();
        match &err {
            Error::UnsupportedDType {
                dtype: d,
                backend,
                version: v,
                supported,
                ..
            } => {
                assert_eq!(
                    (*d, backend.as_str(), v.as_str()),
                    (dtype, "torch", &*version)
                );
                assert!(supported.contains(&"float32".to_string()));
                assert!(!supported.contains(&dtype.name().to_string()));
            }
            other => panic!("expected UnsupportedDType, got {other:?}"),
        }
        let text = err.to_string();
        assert!(text.contains("torch") && text.contains(&version), "{text}");
    }
    let err = tensorswitch::with_backend("torch", || Tensor::from_slice(&[1u32, 2], &[2]))
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::UnsupportedDType {
                dtype: DType::UInt32,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn half_precision_lives_on_the_device() {
    tensorswitch::with_backend("torch", || {
        let x = Tensor::from_slice(&[0.5f32, -1.25, 3.0], &[3]).unwrap();
        for dtype in [DType::Float16, DType::BFloat16] {
            let h = tensorswitch::astype(&x, dtype).unwrap();
            assert_eq!(h.dtype(), dtype);
            let doubled = tensorswitch::add(&h, &h).unwrap();
            assert!(matches!(
                doubled.to_host(),
                Err(Error::InvalidDType { dtype: d, .. }) if d == dtype
            ));
            let back = tensorswitch::astype(&doubled, DType::Float32).unwrap();
            assert_eq!(back.to_vec::<f32>().unwrap(), vec![1.0, -2.5, 6.0]);
            let ones = tensorswitch::ones(&[2], dtype).unwrap();
            let ones = tensorswitch::astype(&ones, DType::Int32).unwrap();
            assert_eq!(ones.to_vec::<i32>().unwrap(), vec![1, 1]);
        }
    })
    .unwrap();
}

#[test]
fn float_to_int_conversion_saturates() {
    tensorswitch::with_backend("torch", || {
        let x = Tensor::from_slice(
            &[
                f64::NAN,
                f64::INFINITY,
                -1e300,
                9.3e18,
                -9.3e18,
                -2.9,
                2.9,
                9.2e18,
            ],
            &[8],
        )
        .unwrap();
        let i = tensorswitch::astype(&x, DType::Int64).unwrap();
        assert_eq!(
            i.to_vec::<i64>().unwrap(),
            vec![
                0,
                i64::MAX,
                i64::MIN,
                i64::MAX,
                i64::MIN,
                -2,
                2,
                9_200_000_000_000_000_000
            ]
        );
        let f = Tensor::from_slice(&[3e9f32, -3e9, 2147483520.0, f32::NAN], &[4]).unwrap();
        let i = tensorswitch::astype(&f, DType::Int32).unwrap();
        assert_eq!(
            i.to_vec::<i32>().unwrap(),
            vec![i32::MAX, i32::MIN, 2147483520, 0]
        );
        let u = tensorswitch::astype(&f, DType::UInt8).unwrap();
        assert_eq!(u.to_vec::<u8>().unwrap(), vec![255, 0, 255, 0]);
    })
    .unwrap();
}

#[test]
fn cuda_is_reported_not_panicked() {
    let devices = tensorswitch_tch::cuda_status();
    let listed = (tensorswitch::registry::descriptor("torch").unwrap().devices)();
    assert_eq!(listed[0], Device::Cpu);
    match devices {
        Ok(n) => {
            // A GPU machine with libtorch's CUDA libraries: the devices are listed and usable.
            assert_eq!(listed.len(), 1 + n);
            let x = tensorswitch::with_backend("torch", || {
                tensorswitch::with_device(Device::Cuda(0), || {
                    Tensor::from_slice(&[1.0f32, 2.0], &[2])
                })
            })
            .unwrap()
            .unwrap();
            assert_eq!(x.device(), Device::Cuda(0));
            let y = tensorswitch::add(&x, &x).unwrap();
            let back = tensorswitch::to_device(&y, Device::Cpu).unwrap();
            assert_eq!(back.to_vec::<f32>().unwrap(), vec![2.0, 4.0]);
            let err = tensorswitch::to_device(&back, Device::Cuda(n)).unwrap_err();
            assert!(matches!(err, Error::Device(_)), "{err:?}");
        }
        Err(why) => {
            // No CUDA here: the reason says what failed, only the CPU is listed, and asking
            // for a GPU is a clear device error.
            assert!(
                why.contains("libtorch_cuda.so") || why.contains("CUDA"),
                "{why}"
            );
            assert_eq!(listed, vec![Device::Cpu]);
            let err = tensorswitch::with_backend("torch", || {
                tensorswitch::with_device(Device::Cuda(0), || {
                    Tensor::from_slice(&[1.0f32, 2.0], &[2])
                })
            })
            .unwrap()
            .unwrap_err();
            match &err {
                Error::Device(msg) => {
                    assert!(msg.contains("cuda:0") && msg.contains(&why), "{msg}")
                }
                other => panic!("expected Error::Device, got {other:?}"),
            }
            let x =
                tensorswitch::with_backend("torch", || tensorswitch::zeros(&[2], DType::Float32))
                    .unwrap()
                    .unwrap();
            let err = tensorswitch::to_device(&x, Device::Cuda(0)).unwrap_err();
            assert!(matches!(err, Error::Device(_)), "{err:?}");
        }
    }
    let err = tensorswitch::with_backend("torch", || {
        tensorswitch::with_device(Device::Metal(0), || {
            tensorswitch::ones(&[1], DType::Float32)
        })
    })
    .unwrap()
    .unwrap_err();
    assert!(matches!(err, Error::Device(_)), "{err:?}");
}

#[test]
fn libtorch_errors_are_errors() {
    tensorswitch::with_backend("torch", || {
        let singular = Tensor::from_slice(&[1.0f64, 2.0, 2.0, 4.0], &[2, 2]).unwrap();
        let err = tensorswitch::linalg::inv(&singular).unwrap_err();
        assert!(matches!(err, Error::InvalidArgument { .. }), "{err:?}");
        assert!(!err.to_string().contains("Exception raised from"), "{err}");
        let base = Tensor::from_slice(&[2i32, 3], &[2]).unwrap();
        let exp = Tensor::from_slice(&[-1i32, 2], &[2]).unwrap();
        assert!(matches!(
            tensorswitch::pow(&base, &exp),
            Err(Error::InvalidArgument { .. })
        ));
    })
    .unwrap();
}

#[test]
fn tensors_are_shared_between_threads() {
    let x = tensorswitch::with_backend("torch", || {
        Tensor::from_vec((0..1000).map(|i| i as f32).collect(), &[10, 100])
    })
    .unwrap()
    .unwrap();
    let sums: Vec<f32> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let x = &x;
                s.spawn(move || {
                    let mut total = 0.0;
                    for _ in 0..50 {
                        let y = tensorswitch::multiply(x, x).unwrap();
                        let s = tensorswitch::sum(&y, None).unwrap();
                        total = s.to_vec::<f32>().unwrap()[0];
                    }
                    total
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let want: f32 = (0..1000).map(|i| (i * i) as f32).sum();
    for s in sums {
        assert!((s - want).abs() / want < 1e-5, "{s} vs {want}");
    }
}

#[test]
fn tch_interop() {
    let t = tch::Tensor::from_slice(&[1i64, 2, 3, 4]).reshape([2, 2]);
    let x = tensorswitch_tch::from_tch(t).unwrap();
    assert_eq!(
        (x.backend(), x.dtype(), x.shape()),
        ("torch", DType::Int64, &[2usize, 2][..])
    );
    let y = tensorswitch::matrix_transpose(&x).unwrap();
    let back = tensorswitch_tch::to_tch(&y).unwrap();
    assert_eq!(back.size(), vec![2, 2]);
    assert_eq!(
        Vec::<i64>::try_from(&back.contiguous().view(-1)).unwrap(),
        vec![1, 3, 2, 4]
    );
    assert!(matches!(
        tensorswitch_tch::from_tch(tch::Tensor::new()),
        Err(Error::Backend { .. })
    ));
    let complex = tch::Tensor::zeros([2], (tch::Kind::ComplexFloat, tch::Device::Cpu));
    assert!(matches!(
        tensorswitch_tch::from_tch(complex),
        Err(Error::Backend { .. })
    ));
}

/// The sign bit of NaN, which the conformance data cannot hold (JSON writes every NaN as
/// `"nan"`).
#[test]
fn signbit_reads_the_sign_of_nan_and_zero() {
    tensorswitch::with_backend("torch", || {
        let want = [true, false, true, false, true, true];
        let x = Tensor::from_slice(
            &[-f64::NAN, f64::NAN, -0.0, 0.0, -1.0, f64::NEG_INFINITY],
            &[6],
        )
        .unwrap();
        let got = tensorswitch::signbit(&x).unwrap();
        assert_eq!(got.dtype(), DType::Bool);
        assert_eq!(got.to_vec::<bool>().unwrap(), want);
        let x = Tensor::from_slice(
            &[-f32::NAN, f32::NAN, -0.0, 0.0, -1.0, f32::NEG_INFINITY],
            &[6],
        )
        .unwrap();
        let got = tensorswitch::signbit(&x).unwrap();
        assert_eq!(got.to_vec::<bool>().unwrap(), want);
    })
    .unwrap();
}
