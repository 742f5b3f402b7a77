//! Overhead of tensorswitch's mlx backend against calling mlx-rs directly, and a 512×512
//! float32 matmul against the ndarray and torch backends, in one run.
//!
//! ```sh
//! eval "$(bash scripts/setup-mlx.sh)"
//! eval "$(bash scripts/setup-libtorch.sh)"          # for the torch comparison
//! OPENBLAS_NUM_THREADS=1 CARGO_TARGET_DIR=target/mlx \
//!     cargo bench --manifest-path backends/mlx/Cargo.toml --features torch
//! ```
//!
//! Targets (issue 4): `add` of 1-element arrays with evaluation within 5% of mlx-rs; the
//! matmul numbers are compared, not targeted. One BLAS thread (`OPENBLAS_NUM_THREADS=1`, read
//! when the library loads) and one libtorch thread make the matmuls comparable with ndarray's
//! single-threaded kernel and independent of the other core's load.

use criterion::{criterion_group, criterion_main, Criterion};
use mlx_rs::{ops as m, Array};
use std::hint::black_box;
use std::time::Duration;
use tensorswitch::{self as ts, Tensor};
use tensorswitch_mlx as _;
use tensorswitch_ndarray as _;
#[cfg(feature = "torch")]
use tensorswitch_tch as _;

#[path = "../../../benches/support/paired.rs"]
mod support;

fn add_one_element(c: &mut Criterion) {
    let mut g = c.benchmark_group("mlx_add_1xf32_eval");
    let a = Array::from_slice(&[1.5f32], &[1]);
    let b = Array::from_slice(&[2.5f32], &[1]);
    let direct = || {
        let r = m::add(black_box(&a), black_box(&b)).unwrap();
        r.eval().unwrap();
        drop(black_box(r));
    };
    g.bench_function("mlx_rs_direct", |bench| bench.iter(direct));
    ts::set_backend("mlx").unwrap();
    let x = Tensor::from_slice(&[1.5f32], &[1]).unwrap();
    let y = Tensor::from_slice(&[2.5f32], &[1]).unwrap();
    let through = || {
        let r = ts::add(black_box(&x), black_box(&y)).unwrap();
        ts::evaluate(&r).unwrap();
        drop(black_box(r));
    };
    g.bench_function("tensorswitch", |bench| bench.iter(through));
    g.finish();
    support::paired(
        "mlx_add_1xf32_eval paired, tensorswitch / mlx-rs",
        200,
        500,
        direct,
        through,
    );
    ts::unset_backend();
}

fn matmul_512(c: &mut Criterion) {
    #[cfg(feature = "torch")]
    tch::set_num_threads(1);
    let mut g = c.benchmark_group("matmul_512xf32");
    g.sample_size(20);
    let n = 512;
    let data: Vec<f32> = (0..n * n)
        .map(|i| ((i * 7919) % 1000) as f32 / 1000.0)
        .collect();
    let rev: Vec<f32> = data.iter().rev().copied().collect();
    let a = Array::from_slice(&data, &[n as i32, n as i32]);
    let b = Array::from_slice(&rev, &[n as i32, n as i32]);
    g.bench_function("mlx_rs_direct", |bench| {
        bench.iter(|| {
            let r = m::matmul(black_box(&a), black_box(&b)).unwrap();
            r.eval().unwrap();
            black_box(r)
        })
    });
    let mut backends = vec!["mlx", "ndarray"];
    if cfg!(feature = "torch") {
        backends.push("torch");
    }
    for name in backends {
        let (x, y) = ts::with_backend(name, || {
            Ok::<_, ts::Error>((
                Tensor::from_slice(&data, &[n, n])?,
                Tensor::from_slice(&rev, &[n, n])?,
            ))
        })
        .unwrap()
        .unwrap();
        g.bench_function(format!("tensorswitch_{name}"), |bench| {
            bench.iter(|| {
                let r = ts::matmul(black_box(&x), black_box(&y)).unwrap();
                ts::evaluate(&r).unwrap();
                black_box(r)
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = add_one_element, matmul_512
}
criterion_main!(benches);
