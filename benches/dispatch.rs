//! Dispatch overhead of tensorswitch against calling ndarray directly, in one run, plus the
//! cost of switching backends. Numbers and the machine they ran on: docs/performance.md.
//!
//! `cargo bench --bench dispatch`

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use ndarray::{Array2, ArrayD, IxDyn};
use std::hint::black_box;
use std::time::Duration;
use tensorswitch::{self as ts, Tensor};
use tensorswitch_ndarray as _;

#[path = "support/kernels.rs"]
mod kernels;
#[path = "support/paired.rs"]
mod support;
use kernels::{add_kernel, step2_kernel, take_kernel};

fn add_one_element(c: &mut Criterion) {
    let mut g = c.benchmark_group("add_1xf32");
    let a = ArrayD::from_shape_vec(IxDyn(&[1]), vec![1.5f32]).unwrap();
    let b = ArrayD::from_shape_vec(IxDyn(&[1]), vec![2.5f32]).unwrap();
    g.bench_function("ndarray_direct", |bench| {
        bench.iter(|| black_box(black_box(&a) + black_box(&b)))
    });

    // The same kernel the backend runs for contiguous same-shape operands, called directly:
    // the difference to `tensorswitch_*` is the cost of dispatch and of the tensor handle.
    g.bench_function("ndarray_same_kernel", |bench| {
        bench.iter(|| black_box(add_kernel(&a, &b)))
    });

    let x = Tensor::from_slice(&[1.5f32], &[1]).unwrap();
    let y = Tensor::from_slice(&[2.5f32], &[1]).unwrap();
    // Backend inferred from the inputs (empty stack).
    ts::unset_backend();
    g.bench_function("tensorswitch_inferred", |bench| {
        bench.iter(|| black_box(ts::add(black_box(&x), black_box(&y)).unwrap()))
    });
    // Backend set on the stack.
    ts::set_backend("ndarray").unwrap();
    g.bench_function("tensorswitch_stack", |bench| {
        bench.iter(|| black_box(ts::add(black_box(&x), black_box(&y)).unwrap()))
    });
    g.finish();

    // Paired (see benches/support/paired.rs): the added time per call against the same kernel.
    let p = support::paired(
        "add_1xf32 paired, stack / same kernel",
        400,
        2000,
        || drop(black_box(add_kernel(&a, &b))),
        || drop(black_box(ts::add(black_box(&x), black_box(&y)).unwrap())),
    );
    println!("  added per call: {:.1} ns", p.ns.1 - p.ns.0);
    ts::unset_backend();
}

/// Ops of the Array API issue, one small input each: the time tensorswitch adds to the same
/// work done with ndarray directly, paired as for `add` (the budget is `add`'s).
fn array_api_ops_overhead(_c: &mut Criterion) {
    ts::set_backend("ndarray").unwrap();
    let report = |label: &str, direct: &mut dyn FnMut(), ours: &mut dyn FnMut()| {
        let p = support::paired(label, 200, 2000, direct, ours);
        println!("  added per call: {:.1} ns", p.ns.1 - p.ns.0);
    };

    // add, 1 float32 element, against the same kernel: the budget, from this run.
    let (a1, b1) = (arr(vec![1.5f32]), arr(vec![2.5f32]));
    let (x1, y1) = (t(&[1.5f32]), t(&[2.5f32]));
    report(
        "add_1xf32 paired, tensorswitch / same kernel",
        &mut || drop(black_box(add_kernel(&a1, &b1))),
        &mut || drop(black_box(ts::add(black_box(&x1), black_box(&y1)).unwrap())),
    );

    // floor_divide, 1 int32 element: Python's floored quotient.
    let (a, b) = (arr(vec![7i32]), arr(vec![-2i32]));
    let (x, y) = (t(&[7i32]), t(&[-2i32]));
    report(
        "floor_divide_1xi32 paired, tensorswitch / ndarray",
        &mut || {
            let r = ndarray::Zip::from(black_box(&a))
                .and(black_box(&b))
                .map_collect(|&p, &q| {
                    let d = p / q;
                    if p % q != 0 && ((p < 0) != (q < 0)) {
                        d - 1
                    } else {
                        d
                    }
                });
            drop(black_box(r))
        },
        &mut || {
            drop(black_box(
                ts::floor_divide(black_box(&x), black_box(&y)).unwrap(),
            ))
        },
    );

    // take, 2 of 8 float32 elements.
    let a = arr((0..8).map(|i| i as f32).collect());
    let x = t(&(0..8).map(|i| i as f32).collect::<Vec<_>>());
    let idx = t(&[5i64, 1]);
    report(
        "take_2_of_8xf32 paired, tensorswitch / ndarray",
        &mut || drop(black_box(black_box(&a).select(ndarray::Axis(0), &[5, 1]))),
        &mut || {
            drop(black_box(
                ts::take(black_box(&x), black_box(&idx), 0).unwrap(),
            ))
        },
    );

    // The same, against the backend's kernel written directly (as `add` is measured).
    let i1 = ArrayD::from_shape_vec(IxDyn(&[2]), vec![5i64, 1]).unwrap();
    report(
        "take_2_of_8xf32 paired, tensorswitch / same kernel",
        &mut || drop(black_box(take_kernel(&a, &i1))),
        &mut || {
            drop(black_box(
                ts::take(black_box(&x), black_box(&idx), 0).unwrap(),
            ))
        },
    );

    // x[1::2] on 8 float32 elements, as a new array.
    report(
        "index_step2_8xf32 paired, tensorswitch / ndarray",
        &mut || {
            drop(black_box(
                black_box(&a).slice(ndarray::s![1..;2]).to_owned(),
            ))
        },
        &mut || drop(black_box(black_box(&x).index(ts::s![1..;2]).unwrap())),
    );
    report(
        "index_step2_8xf32 paired, tensorswitch / same kernel",
        &mut || drop(black_box(step2_kernel(&a))),
        &mut || drop(black_box(black_box(&x).index(ts::s![1..;2]).unwrap())),
    );
    ts::unset_backend();
}

fn arr<T: Clone>(v: Vec<T>) -> ArrayD<T> {
    let n = v.len();
    ArrayD::from_shape_vec(IxDyn(&[n]), v).unwrap()
}

fn t<T: tensorswitch::Element>(v: &[T]) -> Tensor {
    Tensor::from_slice(v, &[v.len()]).unwrap()
}

fn matmul_256(c: &mut Criterion) {
    let mut g = c.benchmark_group("matmul_256xf32");
    let n = 256;
    let data: Vec<f32> = (0..n * n)
        .map(|i| ((i * 7919) % 1000) as f32 / 1000.0)
        .collect();
    let a = Array2::from_shape_vec((n, n), data.clone()).unwrap();
    let b = Array2::from_shape_vec((n, n), data.iter().rev().copied().collect()).unwrap();
    g.bench_function("ndarray_direct", |bench| {
        bench.iter(|| black_box(black_box(&a).dot(black_box(&b))))
    });
    let x = Tensor::from_vec(a.iter().copied().collect(), &[n, n]).unwrap();
    let y = Tensor::from_vec(b.iter().copied().collect(), &[n, n]).unwrap();
    g.bench_function("tensorswitch", |bench| {
        bench.iter(|| black_box(ts::matmul(black_box(&x), black_box(&y)).unwrap()))
    });
    g.finish();
}

fn switching(c: &mut Criterion) {
    let mut g = c.benchmark_group("switch");
    ts::unset_backend();
    ts::set_backend("ndarray").unwrap(); // builds and caches the table once
    ts::unset_backend();
    g.bench_function("set_backend_cached", |bench| {
        bench.iter(|| black_box(ts::set_backend(black_box("ndarray")).unwrap()))
    });
    ts::unset_backend();
    g.bench_function("previous_backend", |bench| {
        bench.iter_batched(
            || ts::set_backend("ndarray").unwrap(),
            |_| black_box(ts::previous_backend().unwrap()),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("with_backend", |bench| {
        bench.iter(|| black_box(ts::with_backend(black_box("ndarray"), || 1u8).unwrap()))
    });
    ts::unset_backend();
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = add_one_element, array_api_ops_overhead, matmul_256, switching
}
criterion_main!(benches);
