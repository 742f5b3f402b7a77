//! The neural-network basics and random numbers on the torch and ndarray backends, beside
//! libtorch's own, in one run:
//!
//! * `tensorswitch::random::normal` of 1 M float32 samples on ndarray and torch, and
//!   libtorch's `randn` (samples per second: 1 M / the time shown);
//! * `conv2d` of a `(4, 32, 32, 32)` input with a `(32, 32, 3, 3)` weight, padding 1, float32:
//!   tensorswitch on torch against tch's `conv2d` (target: within 1.05×), and on ndarray (the
//!   im2col fallback) against tch, both paired.
//!
//! `cargo bench -p tensorswitch-tch --bench nn` (with the libtorch environment). libtorch runs
//! on one thread, as ndarray's kernels and tensorswitch's generator do.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use std::time::Duration;
use tensorswitch::call::Conv2d;
use tensorswitch::random::{self, Key};
use tensorswitch::{self as ts, DType, Tensor};
use tensorswitch_ndarray as _;
use tensorswitch_tch as _;

#[path = "../../../benches/support/paired.rs"]
mod support;

const N: usize = 1_000_000;

fn normal_1m(c: &mut Criterion) {
    tch::set_num_threads(1);
    let mut g = c.benchmark_group("random_normal_1Mxf32");
    g.throughput(Throughput::Elements(N as u64));
    let key = Key::new(0);
    for backend in ["ndarray", "torch"] {
        ts::set_backend(backend).unwrap();
        g.bench_function(format!("tensorswitch_{backend}"), |b| {
            b.iter(|| black_box(random::normal(black_box(&key), &[N], DType::Float32).unwrap()))
        });
        ts::previous_backend().unwrap();
    }
    g.bench_function("torch_randn", |b| {
        b.iter(|| {
            black_box(tch::Tensor::randn(
                [N as i64],
                (tch::Kind::Float, tch::Device::Cpu),
            ))
        })
    });
    g.finish();
}

fn conv2d(_c: &mut Criterion) {
    tch::set_num_threads(1);
    let (xs, ws) = ([4usize, 32, 32, 32], [32usize, 32, 3, 3]);
    let data = |n: usize| -> Vec<f32> {
        (0..n)
            .map(|i| ((i * 7919) % 1000) as f32 / 500.0 - 1.0)
            .collect()
    };
    let xd = data(xs.iter().product());
    let wd = data(ws.iter().product());
    let tx = tch::Tensor::from_slice(&xd).reshape(xs.map(|d| d as i64));
    let tw = tch::Tensor::from_slice(&wd).reshape(ws.map(|d| d as i64));
    let direct = || {
        drop(black_box(
            tx.f_conv2d(&tw, None::<tch::Tensor>, [1, 1], [1, 1], [1, 1], 1)
                .unwrap(),
        ))
    };
    let win = Conv2d {
        padding: [1, 1],
        ..Conv2d::default()
    };
    for backend in ["torch", "ndarray"] {
        ts::set_backend(backend).unwrap();
        let x = Tensor::from_slice(&xd, &xs).unwrap();
        let w = Tensor::from_slice(&wd, &ws).unwrap();
        support::paired(
            &format!("conv2d 4x32x32x32 * 32x32x3x3 f32 paired, {backend} / tch"),
            300,
            4,
            direct,
            || {
                drop(black_box(
                    ts::conv2d(black_box(&x), black_box(&w), win).unwrap(),
                ))
            },
        );
        ts::previous_backend().unwrap();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = normal_1m, conv2d
}
criterion_main!(benches);
