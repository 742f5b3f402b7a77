//! Per-call time of `add` against tensor size, for each backend next to its framework called
//! directly: ndarray (`&a + &b`) and tch (`a.f_add(&b)`), float32, 1 to 262 144 elements.
//! The chart in docs/performance.md is drawn from this benchmark's criterion output by
//! `scripts/chart` (`cargo run --release --manifest-path scripts/chart/Cargo.toml`).
//!
//! `cargo bench -p tensorswitch-tch --bench sizes` (with the libtorch environment).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use ndarray::{ArrayD, IxDyn};
use std::hint::black_box;
use std::time::Duration;
use tensorswitch::{self as ts, Tensor};
use tensorswitch_ndarray as _;
use tensorswitch_tch as _;

/// The sizes, in elements.
const SIZES: [usize; 5] = [1, 64, 4096, 65_536, 262_144];

fn data(n: usize) -> Vec<f32> {
    (0..n).map(|i| (i % 13) as f32 * 0.25).collect()
}

fn add_by_size(c: &mut Criterion) {
    // As in benches/torch.rs: one libtorch thread, so the times do not depend on how busy the
    // machine's other cores are.
    tch::set_num_threads(1);
    let mut g = c.benchmark_group("add_by_size_f32");
    for n in SIZES {
        let v = data(n);
        let a = ArrayD::from_shape_vec(IxDyn(&[n]), v.clone()).unwrap();
        g.bench_with_input(BenchmarkId::new("ndarray_direct", n), &n, |bench, _| {
            bench.iter(|| black_box(black_box(&a) + black_box(&a)))
        });
        let x = ts::with_backend("ndarray", || Tensor::from_slice(&v, &[n]))
            .unwrap()
            .unwrap();
        g.bench_with_input(
            BenchmarkId::new("tensorswitch_ndarray", n),
            &n,
            |bench, _| bench.iter(|| black_box(ts::add(black_box(&x), black_box(&x)).unwrap())),
        );
        let t = tch::Tensor::from_slice(&v);
        g.bench_with_input(BenchmarkId::new("tch_direct", n), &n, |bench, _| {
            bench.iter(|| black_box(black_box(&t).f_add(black_box(&t)).unwrap()))
        });
        let y = ts::to_backend(&x, "torch").unwrap();
        g.bench_with_input(BenchmarkId::new("tensorswitch_torch", n), &n, |bench, _| {
            bench.iter(|| black_box(ts::add(black_box(&y), black_box(&y)).unwrap()))
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(1200))
        .sample_size(20);
    targets = add_by_size
}
criterion_main!(benches);
