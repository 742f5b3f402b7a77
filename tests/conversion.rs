//! Moving tensors between backends (`to_backend`) and devices (`to_device`, `with_device`).

mod common;

use common::{serial, toy_data_ptr, toy_f32};
use tensorswitch::*;
use tensorswitch_ndarray as _;

#[test]
fn to_backend_shares_cpu_memory_when_both_sides_can() {
    let _g = serial();
    let source = Tensor::from_vec((0..1000).map(|i| i as f32 * 0.5).collect(), &[10, 100]).unwrap();
    let lent = (source.backend_descriptor().share_host.unwrap())(&source).unwrap();
    let moved = to_backend(&source, "toy").unwrap();
    assert_eq!(moved.backend(), "toy");
    assert_eq!(
        (moved.shape(), moved.dtype()),
        (&[10usize, 100][..], DType::Float32)
    );
    assert_eq!(
        toy_data_ptr(&moved),
        Some(lent.ptr),
        "the toy tensor reads ndarray's buffer"
    );
    drop(lent);
    let expected: Vec<f32> = (0..1000).map(|i| i as f32 * 0.5).collect();
    drop(source); // the borrowed memory must outlive the source handle
    assert_eq!(moved.to_vec::<f32>().unwrap(), expected);
}

#[test]
fn to_backend_copies_when_sharing_is_not_possible() {
    let _g = serial();
    // The toy backend borrows only contiguous float32: a transposed view is copied, exactly.
    let m = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]).unwrap();
    let t = matrix_transpose(&m).unwrap();
    let moved = to_backend(&t, "toy").unwrap();
    assert_eq!(
        moved.to_vec::<f32>().unwrap(),
        vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]
    );
    // The toy backend lends nothing, so this direction copies; values stay exact.
    let back = to_backend(&moved, "ndarray").unwrap();
    assert_eq!(back.backend(), "ndarray");
    assert_eq!(
        back.to_vec::<f32>().unwrap(),
        vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]
    );
    assert_eq!(back.shape(), &[3, 2]);
    // Every dtype survives a round trip through host copies exactly.
    let ints = Tensor::from_slice(&[i64::MIN, -1, 0, i64::MAX], &[4]).unwrap();
    let r = to_backend(&to_backend(&ints, "toy").unwrap(), "ndarray").unwrap();
    assert_eq!(r.to_vec::<i64>().unwrap(), vec![i64::MIN, -1, 0, i64::MAX]);
}

#[test]
fn to_backend_edge_cases() {
    let _g = serial();
    let x = toy_f32(&[1.0]);
    assert!(
        to_backend(&x, "toy").unwrap().same_tensor(&x),
        "same backend: same tensor"
    );
    assert!(matches!(
        to_backend(&x, "tourch"),
        Err(Error::UnknownBackend { .. })
    ));
    // Conversions ignore the stack: they work while another backend is set.
    set_backend("ndarray").unwrap();
    assert_eq!(to_backend(&x, "ndarray").unwrap().backend(), "ndarray");
    unset_backend();
}

#[test]
fn devices_must_match_and_missing_devices_are_errors() {
    let _g = serial();
    // ndarray has only the CPU: creating on or moving to a GPU is an error, not a panic.
    let err = with_device(Device::Cuda(0), || zeros(&[2], DType::Float32)).unwrap_err();
    assert!(
        matches!(&err, Error::Device(m) if m.contains("cuda:0")),
        "{err:?}"
    );
    let x = Tensor::from_slice(&[1.0f32, 2.0], &[2]).unwrap();
    assert_eq!(x.device(), Device::Cpu);
    assert!(matches!(
        to_device(&x, Device::Cuda(0)),
        Err(Error::Device(_))
    ));
    assert!(to_device(&x, Device::Cpu).unwrap().same_tensor(&x));
    assert_eq!(
        default_device(),
        Device::Cpu,
        "with_device restored the default"
    );

    // The toy backend labels tensors with any device: mixing two devices fails, naming both.
    let on_gpu = with_backend("toy", || {
        with_device(Device::Cuda(1), || Tensor::from_slice(&[1.0f32], &[1]))
    })
    .unwrap()
    .unwrap();
    assert_eq!(on_gpu.device(), Device::Cuda(1));
    let on_cpu = toy_f32(&[2.0]);
    match add(&on_cpu, &on_gpu) {
        Err(Error::DeviceMismatch { op, devices }) => {
            assert_eq!(
                (op, devices),
                ("add", vec!["cpu".to_string(), "cuda:1".to_string()])
            );
        }
        other => panic!("expected DeviceMismatch, got {other:?}"),
    }
    // to_device through the catalogue's host-copy fallback.
    let moved = to_device(&on_cpu, Device::Cuda(1)).unwrap();
    assert_eq!(moved.device(), Device::Cuda(1));
    assert_eq!(
        add(&moved, &on_gpu).unwrap().to_vec::<f32>().unwrap(),
        vec![3.0]
    );
    assert_eq!(Device::parse("cuda:3").unwrap(), Device::Cuda(3));
    assert!(matches!(Device::parse("tpu"), Err(Error::Device(_))));
}
