//! The core's size rules, checked before dispatch (src/alloc.rs, `check_shape` in ops), on the
//! toy backend: it checks nothing itself and lacks broadcasting and `matmul`, so an error
//! from the core's check cannot be confused with one from the backend.

mod common;

use common::{serial, TOY_MAX_DIM};
use tensorswitch::{self as ts, DType, Error, Tensor};
use tensorswitch_ndarray as _;

fn on_toy<R>(f: impl FnOnce() -> R) -> R {
    ts::with_backend("toy", f).unwrap()
}

fn invalid_shape(op: &str, r: ts::Result<Tensor>) {
    match r {
        Err(Error::InvalidShape { op: got, .. }) => assert_eq!(got, op),
        other => panic!("{op}: expected InvalidShape from the core, got {other:?}"),
    }
}

/// Empty inputs whose broadcast, product or contraction would have 2^80 elements: refused by
/// the core, naming the op the user called (not an op of a fallback, nor the backend's own
/// "does not broadcast" or "unsupported").
#[test]
fn results_no_allocation_can_address_are_refused_before_dispatch() {
    let _g = serial();
    on_toy(|| {
        let big = 1usize << 40;
        let a = ts::zeros(&[0, 1, big], DType::Float32).unwrap();
        let b = ts::zeros(&[0, big, 1], DType::Float32).unwrap();
        invalid_shape("add", ts::add(&a, &b));
        let c = ts::zeros(&[big, 0], DType::Float32).unwrap();
        let d = ts::zeros(&[0, big], DType::Float32).unwrap();
        invalid_shape("matmul", ts::matmul(&c, &d));
        invalid_shape("tensordot", ts::tensordot(&c, &d, 1usize));
        // Contracting the other way the result is 0x0: allowed by the size rule (the toy
        // backend then has no matmul, which is a different error).
        assert!(matches!(
            ts::tensordot(&d, &c, 1usize),
            Err(Error::Unsupported { .. })
        ));
    });
}

/// A declared `max_dim` is inclusive: a dimension of exactly that size is allowed, one more
/// is `UnsupportedShape` naming the backend and its limit; empty tensors too.
#[test]
fn the_declared_max_dim_is_the_largest_dimension_allowed() {
    let _g = serial();
    on_toy(|| {
        let ok = ts::zeros(&[TOY_MAX_DIM, 0], DType::Float32).unwrap();
        assert_eq!(ok.shape(), [TOY_MAX_DIM, 0]);
        for shape in [[TOY_MAX_DIM + 1, 0], [0, TOY_MAX_DIM + 5]] {
            match ts::zeros(&shape, DType::Float32) {
                Err(Error::UnsupportedShape {
                    op,
                    backend,
                    max_dim,
                    shape: s,
                }) => {
                    assert_eq!(
                        (op, backend.as_str(), max_dim),
                        ("zeros", "toy", TOY_MAX_DIM)
                    );
                    assert_eq!(s, shape);
                }
                other => panic!("{shape:?}: {other:?}"),
            }
        }
        // ndarray declares no limit beyond the frameworks' i64: the same shape is fine there.
        let nd = ts::with_backend("ndarray", || {
            ts::zeros(&[TOY_MAX_DIM + 1, 0], DType::Float32)
        })
        .unwrap()
        .unwrap();
        assert_eq!(nd.shape(), [TOY_MAX_DIM + 1, 0]);
    });
}

/// The toy backend has no `arange`, so the core's fallback builds it on the host:
/// start + i * step, converted with `as` rules.
#[test]
fn the_arange_fallback_computes_start_plus_i_step() {
    let _g = serial();
    on_toy(|| {
        let t = ts::arange(1.0, 8.0, 2.0, DType::Int32).unwrap();
        assert_eq!(t.to_vec::<i32>().unwrap(), vec![1, 3, 5, 7]);
        let t = ts::arange(0.5, -0.6, -0.25, DType::Float32).unwrap();
        assert_eq!(
            t.to_vec::<f32>().unwrap(),
            vec![0.5, 0.25, 0.0, -0.25, -0.5]
        );
    });
}
