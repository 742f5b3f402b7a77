//! The ndarray backend's CPU kernels against candle 0.11 (the fastest pure-Rust peer of issue
//! 19) and libtorch (for distance), in one process, one thread each unless said otherwise:
//! float32 matmul 256² and 1024², and the MLP `x[64,256]·W1[256,256] + b1 → tanh →
//! ·W2[256,10] + b2 → softmax`. Every pair runs in alternating batches (the paired helper of
//! the main benches), so the ratios hold on a shared, noisy machine; the results of the
//! frameworks are checked against each other first.
//!
//! Numbers and the machine: docs/performance.md ("CPU kernels against candle").

use candle_core::{Device, Tensor as CTensor};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::time::Duration;
use tensorswitch::{self as ts, Tensor};
use tensorswitch_ndarray::{set_matmul_kernel, set_num_threads, MatmulKernel};

#[path = "../../support/paired.rs"]
mod support;

/// Deterministic values in [-1, 1) (SplitMix64).
fn values(seed: u64, n: usize) -> Vec<f32> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            ((z >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

/// The largest difference between two results, relative to the largest magnitude.
fn check(what: &str, a: &[f32], b: &[f32], tol: f32) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    let scale = a
        .iter()
        .fold(0.0f32, |m, v| m.max(v.abs()))
        .max(f32::MIN_POSITIVE);
    let diff = a
        .iter()
        .zip(b)
        .fold(0.0f32, |m, (x, y)| m.max((x - y).abs()));
    assert!(
        diff <= tol * scale,
        "{what}: results differ by {diff:e} (scale {scale:e})"
    );
}

fn ts_t(v: &[f32], shape: &[usize]) -> Tensor {
    Tensor::from_slice(v, shape).unwrap()
}

fn candle_t(v: &[f32], shape: &[usize]) -> CTensor {
    CTensor::from_slice(v, shape, &Device::Cpu).unwrap()
}

fn tch_t(v: &[f32], shape: &[usize]) -> tch::Tensor {
    let dims: Vec<i64> = shape.iter().map(|&d| d as i64).collect();
    tch::Tensor::from_slice(v).reshape(dims.as_slice())
}

fn tch_vec(t: &tch::Tensor) -> Vec<f32> {
    Vec::<f32>::try_from(t.reshape([-1])).unwrap()
}

fn candle_vec(t: &CTensor) -> Vec<f32> {
    t.flatten_all().unwrap().to_vec1::<f32>().unwrap()
}

fn matmul(c: &mut Criterion, n: usize, rounds: usize, batch: usize) {
    let (av, bv) = (values(1, n * n), values(2, n * n));
    let (a, b) = (ts_t(&av, &[n, n]), ts_t(&bv, &[n, n]));
    let (ca, cb) = (candle_t(&av, &[n, n]), candle_t(&bv, &[n, n]));
    let (ta, tb) = (tch_t(&av, &[n, n]), tch_t(&bv, &[n, n]));
    let ours = ts::matmul(&a, &b).unwrap().to_vec::<f32>().unwrap();
    check(
        "matmul ts/candle",
        &ours,
        &candle_vec(&ca.matmul(&cb).unwrap()),
        1e-5,
    );
    check("matmul ts/tch", &ours, &tch_vec(&ta.matmul(&tb)), 1e-5);

    let mut ts_gemm = || {
        set_matmul_kernel(MatmulKernel::Gemm);
        drop(black_box(ts::matmul(black_box(&a), black_box(&b)).unwrap()));
    };
    let mut ts_mm = || {
        set_matmul_kernel(MatmulKernel::MatrixMultiply);
        drop(black_box(ts::matmul(black_box(&a), black_box(&b)).unwrap()));
        set_matmul_kernel(MatmulKernel::Gemm);
    };
    let mut candle = || drop(black_box(black_box(&ca).matmul(black_box(&cb)).unwrap()));
    let mut torch = || drop(black_box(black_box(&ta).matmul(black_box(&tb))));

    let label = format!("matmul {n}x{n} f32, 1 thread");
    support::paired(
        &format!("{label}: tensorswitch(gemm) / candle"),
        rounds,
        batch,
        &mut candle,
        &mut ts_gemm,
    );
    support::paired(
        &format!("{label}: tensorswitch(matrixmultiply) / candle"),
        rounds,
        batch,
        &mut candle,
        &mut ts_mm,
    );
    support::paired(
        &format!("{label}: tensorswitch(gemm) / tensorswitch(matrixmultiply)"),
        rounds,
        batch,
        &mut ts_mm,
        &mut ts_gemm,
    );
    support::paired(
        &format!("{label}: libtorch / candle"),
        rounds,
        batch,
        &mut candle,
        &mut torch,
    );

    if n <= 256 {
        let mut g = c.benchmark_group(format!("matmul_{n}_f32_1thread"));
        g.sample_size(20).measurement_time(Duration::from_secs(3));
        g.bench_function("tensorswitch_gemm", |bch| bch.iter(&mut ts_gemm));
        g.bench_function("tensorswitch_matrixmultiply", |bch| bch.iter(&mut ts_mm));
        g.bench_function("candle", |bch| bch.iter(&mut candle));
        g.bench_function("libtorch", |bch| bch.iter(&mut torch));
        g.finish();
    }
}

fn mlp(c: &mut Criterion) {
    let (xv, w1v, b1v, w2v, b2v) = (
        values(3, 64 * 256),
        values(4, 256 * 256)
            .iter()
            .map(|v| v * 0.1)
            .collect::<Vec<_>>(),
        values(5, 256),
        values(6, 256 * 10)
            .iter()
            .map(|v| v * 0.1)
            .collect::<Vec<_>>(),
        values(7, 10),
    );
    let (x, w1, b1, w2, b2) = (
        ts_t(&xv, &[64, 256]),
        ts_t(&w1v, &[256, 256]),
        ts_t(&b1v, &[256]),
        ts_t(&w2v, &[256, 10]),
        ts_t(&b2v, &[10]),
    );
    let ts_mlp = || -> Tensor {
        let h = ts::tanh(&ts::add(&ts::matmul(&x, &w1).unwrap(), &b1).unwrap()).unwrap();
        let o = ts::add(&ts::matmul(&h, &w2).unwrap(), &b2).unwrap();
        ts::softmax(&o, -1).unwrap()
    };
    let (cx, cw1, cb1, cw2, cb2) = (
        candle_t(&xv, &[64, 256]),
        candle_t(&w1v, &[256, 256]),
        candle_t(&b1v, &[256]),
        candle_t(&w2v, &[256, 10]),
        candle_t(&b2v, &[10]),
    );
    let candle_mlp = || -> CTensor {
        let h = cx
            .matmul(&cw1)
            .unwrap()
            .broadcast_add(&cb1)
            .unwrap()
            .tanh()
            .unwrap();
        let o = h.matmul(&cw2).unwrap().broadcast_add(&cb2).unwrap();
        candle_nn::ops::softmax_last_dim(&o).unwrap()
    };
    let (tx, tw1, tb1, tw2, tb2) = (
        tch_t(&xv, &[64, 256]),
        tch_t(&w1v, &[256, 256]),
        tch_t(&b1v, &[256]),
        tch_t(&w2v, &[256, 10]),
        tch_t(&b2v, &[10]),
    );
    let tch_mlp = || -> tch::Tensor {
        let h = (tx.matmul(&tw1) + &tb1).tanh();
        (h.matmul(&tw2) + &tb2).softmax(-1, tch::Kind::Float)
    };
    let ours = ts_mlp().to_vec::<f32>().unwrap();
    check("mlp ts/candle", &ours, &candle_vec(&candle_mlp()), 1e-5);
    check("mlp ts/tch", &ours, &tch_vec(&tch_mlp()), 1e-5);

    let mut ts_run = || drop(black_box(ts_mlp()));
    let mut candle_run = || drop(black_box(candle_mlp()));
    let mut tch_run = || drop(black_box(tch_mlp()));
    let label = "MLP x[64,256]·W1[256,256]+b1 → tanh → ·W2[256,10]+b2 → softmax, f32, 1 thread";
    support::paired(
        &format!("{label}: tensorswitch / candle"),
        60,
        20,
        &mut candle_run,
        &mut ts_run,
    );
    support::paired(
        &format!("{label}: libtorch / tensorswitch"),
        60,
        20,
        &mut ts_run,
        &mut tch_run,
    );
    support::paired(
        &format!("{label}: libtorch / candle"),
        60,
        20,
        &mut candle_run,
        &mut tch_run,
    );

    let mut g = c.benchmark_group("mlp_f32_1thread");
    g.sample_size(20).measurement_time(Duration::from_secs(3));
    g.bench_function("tensorswitch", |bch| bch.iter(&mut ts_run));
    g.bench_function("candle", |bch| bch.iter(&mut candle_run));
    g.bench_function("libtorch", |bch| bch.iter(&mut tch_run));
    g.finish();
}

/// 1024² with two threads in each framework (the machine has two cores).
fn matmul_threads(n: usize) {
    set_num_threads(2);
    // candle reads RAYON_NUM_THREADS on every call.
    std::env::set_var("RAYON_NUM_THREADS", "2");
    tch::set_num_threads(2);
    let (av, bv) = (values(1, n * n), values(2, n * n));
    let (a, b) = (ts_t(&av, &[n, n]), ts_t(&bv, &[n, n]));
    let (ca, cb) = (candle_t(&av, &[n, n]), candle_t(&bv, &[n, n]));
    let (ta, tb) = (tch_t(&av, &[n, n]), tch_t(&bv, &[n, n]));
    let mut ours = || drop(black_box(ts::matmul(black_box(&a), black_box(&b)).unwrap()));
    let mut candle = || drop(black_box(black_box(&ca).matmul(black_box(&cb)).unwrap()));
    let mut torch = || drop(black_box(black_box(&ta).matmul(black_box(&tb))));
    let label = format!("matmul {n}x{n} f32, 2 threads");
    support::paired(
        &format!("{label}: tensorswitch / candle"),
        15,
        1,
        &mut candle,
        &mut ours,
    );
    support::paired(
        &format!("{label}: libtorch / candle"),
        15,
        1,
        &mut candle,
        &mut torch,
    );
    set_num_threads(1);
    std::env::set_var("RAYON_NUM_THREADS", "1");
    tch::set_num_threads(1);
}

fn benches(c: &mut Criterion) {
    // One thread everywhere: ours by the setting, candle by the variable it reads on every
    // call, libtorch by its own setting.
    set_num_threads(1);
    std::env::set_var("RAYON_NUM_THREADS", "1");
    tch::set_num_threads(1);
    ts::set_backend("ndarray").unwrap();
    matmul(c, 256, 60, 5);
    matmul(c, 1024, 15, 1);
    mlp(c);
    matmul_threads(1024);
}

criterion_group!(peers, benches);
criterion_main!(peers);
