//! A loop of 1-element float32 adds on the ndarray backend, for instruction counting:
//! `valgrind --tool=callgrind target/release/examples/add_loop_nd {ts|ts-inferred} N`
//! (`ts` runs on the backend set with `set_backend`, `ts-inferred` with an empty stack;
//! `nd-kernel` runs the backend's kernel written against ndarray directly, as the `dispatch`
//! bench pairs it, so that the difference is what dispatch adds).
//! The per-call cost is the difference between two iteration counts divided by their
//! difference (start-up cancels out). The torch twin is `backends/tch/examples/add_loop.rs`.
//! `unwrap` as there: a `?` in the loop adds its own error plumbing (about 55 instructions).
use std::hint::black_box;
use tensorswitch::{self as ts, Tensor};
use tensorswitch_ndarray as _;

#[path = "../benches/support/kernels.rs"]
mod kernels;

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "ts".into());
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(10_000);
    // TS_DYNAMIC=0: tensors with the dynamic flag off (docs/performance.md compares both).
    if std::env::var("TS_DYNAMIC").as_deref() == Ok("0") {
        ts::dynamic::set_dynamic_backend(false);
    }
    ts::set_backend("ndarray").unwrap();
    let x = Tensor::from_slice(&[1.5f32], &[1]).unwrap();
    let y = Tensor::from_slice(&[2.5f32], &[1]).unwrap();
    for _ in 0..100 {
        drop(black_box(ts::add(&x, &y).unwrap()));
    }
    if which == "nd-kernel" {
        let a = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[1]), vec![1.5f32]).unwrap();
        let b = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[1]), vec![2.5f32]).unwrap();
        for _ in 0..n {
            drop(black_box(kernels::add_kernel(&a, &b)));
        }
        return;
    }
    if which == "ts-inferred" {
        ts::unset_backend();
    }
    for _ in 0..n {
        drop(black_box(ts::add(black_box(&x), black_box(&y)).unwrap()));
    }
}
