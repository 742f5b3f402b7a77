//! Overhead of tensorswitch's torch backend against calling tch directly, in one run.
//!
//! `cargo bench -p tensorswitch-tch --bench torch` (with the libtorch environment, see the
//! crate's README). Targets: `add` of 1-element float32 tensors within 5% of tch, `matmul` of
//! 512x512 float32 within 1%; on a machine where CUDA works, 8192x8192 bfloat16 `matmul` on
//! `cuda:0` at no less than 0.99 of tch's TFLOP/s (skipped, with the reason printed, elsewhere).

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::time::Duration;
use tensorswitch::{self as ts, Tensor};
use tensorswitch_ndarray as _;
use tensorswitch_tch as _;

#[path = "../../../benches/support/paired.rs"]
mod support;

/// libtorch runs single-threaded here so that matmul timings do not depend on how busy the
/// machine's other cores are; both sides use the same setting.
fn single_thread() {
    tch::set_num_threads(1);
}

fn add_one_element(c: &mut Criterion) {
    single_thread();
    let mut g = c.benchmark_group("torch_add_1xf32");
    let a = tch::Tensor::from_slice(&[1.5f32]);
    let b = tch::Tensor::from_slice(&[2.5f32]);
    g.bench_function("tch_direct", |bench| {
        bench.iter(|| black_box(black_box(&a).f_add(black_box(&b)).unwrap()))
    });
    ts::set_backend("torch").unwrap();
    let x = Tensor::from_slice(&[1.5f32], &[1]).unwrap();
    let y = Tensor::from_slice(&[2.5f32], &[1]).unwrap();
    g.bench_function("tensorswitch", |bench| {
        bench.iter(|| black_box(ts::add(black_box(&x), black_box(&y)).unwrap()))
    });
    ts::unset_backend();
    g.bench_function("tensorswitch_inferred", |bench| {
        bench.iter(|| black_box(ts::add(black_box(&x), black_box(&y)).unwrap()))
    });
    g.finish();

    // The ratio target, measured paired (see benches/support/paired.rs): robust to the load
    // changes that move criterion's sequential measurements by several percent here. Batches
    // of 100 calls (~0.1 ms) follow the load more closely than the 1000 used before: the
    // quartiles of the per-round ratios narrowed from about ±8 % to about ±1 % on this machine.
    let tch_add = || drop(black_box(black_box(&a).f_add(black_box(&b)).unwrap()));
    ts::set_backend("torch").unwrap();
    support::paired(
        "torch_add_1xf32 paired, stack / tch",
        4000,
        100,
        tch_add,
        || drop(black_box(ts::add(black_box(&x), black_box(&y)).unwrap())),
    );
    ts::unset_backend();
    support::paired(
        "torch_add_1xf32 paired, inferred / tch",
        4000,
        100,
        tch_add,
        || drop(black_box(ts::add(black_box(&x), black_box(&y)).unwrap())),
    );
}

fn matmul_512(c: &mut Criterion) {
    single_thread();
    let mut g = c.benchmark_group("torch_matmul_512xf32");
    let n = 512;
    let data: Vec<f32> = (0..n * n)
        .map(|i| ((i * 7919) % 1000) as f32 / 1000.0)
        .collect();
    let rev: Vec<f32> = data.iter().rev().copied().collect();
    let a = tch::Tensor::from_slice(&data).reshape([n as i64, n as i64]);
    let b = tch::Tensor::from_slice(&rev).reshape([n as i64, n as i64]);
    g.bench_function("tch_direct", |bench| {
        bench.iter(|| black_box(black_box(&a).f_matmul(black_box(&b)).unwrap()))
    });
    ts::set_backend("torch").unwrap();
    let x = Tensor::from_vec(data, &[n, n]).unwrap();
    let y = Tensor::from_vec(rev, &[n, n]).unwrap();
    g.bench_function("tensorswitch", |bench| {
        bench.iter(|| black_box(ts::matmul(black_box(&x), black_box(&y)).unwrap()))
    });
    ts::unset_backend();
    g.finish();
}

/// 8192x8192 bfloat16 `matmul` on `cuda:0`, through tch and through tensorswitch, in TFLOP/s.
/// Every call is followed by a device synchronisation, so the time is the kernel's, not the
/// launch's. Paired (alternating batches), since a GPU's clocks drift with its temperature.
fn cuda_matmul_bf16(_c: &mut Criterion) {
    let count = match tensorswitch_tch::cuda_status() {
        Ok(n) if n > 0 => n,
        Ok(_) => return println!("cuda_matmul_8192xbf16: skipped, no CUDA device"),
        Err(why) => return println!("cuda_matmul_8192xbf16: skipped, {why}"),
    };
    let n = 8192i64;
    let dev = tch::Device::Cuda(0);
    let a = tch::Tensor::randn([n, n], (tch::Kind::BFloat16, dev));
    let b = tch::Tensor::randn([n, n], (tch::Kind::BFloat16, dev));
    let x = tensorswitch_tch::from_tch(a.shallow_clone()).unwrap();
    let y = tensorswitch_tch::from_tch(b.shallow_clone()).unwrap();
    let sync = || tch::Cuda::synchronize(0);
    ts::set_backend("torch").unwrap();
    let p = support::paired(
        "cuda_matmul_8192xbf16 paired, tensorswitch / tch",
        30,
        10,
        || {
            drop(black_box(black_box(&a).f_matmul(black_box(&b)).unwrap()));
            sync();
        },
        || {
            drop(black_box(ts::matmul(black_box(&x), black_box(&y)).unwrap()));
            sync();
        },
    );
    ts::unset_backend();
    let flop = 2.0 * (n as f64).powi(3);
    let tflops = |ns: f64| flop / ns / 1e3;
    println!(
        "cuda_matmul_8192xbf16 on cuda:0 (of {count}): tch {:.1} TFLOP/s, tensorswitch {:.1} \
         TFLOP/s, throughput ratio {:.4} (target >= 0.99)",
        tflops(p.ns.0),
        tflops(p.ns.1),
        1.0 / p.ratio
    );
}

/// `to_backend` of a float32 tensor between ndarray and torch on the CPU, at 1 MiB and 64 MiB:
/// both directions share memory (each backend borrows what the other lends), so each should
/// cost the same at both sizes; a copy would grow with the size.
fn to_backend_sizes(c: &mut Criterion) {
    let mut g = c.benchmark_group("to_backend_f32");
    g.sample_size(20);
    for mib in [1usize, 64] {
        let n = mib * 1024 * 1024 / 4;
        let nd = ts::with_backend("ndarray", || Tensor::from_vec(vec![0.5f32; n], &[n]))
            .unwrap()
            .unwrap();
        g.bench_function(format!("ndarray_to_torch_shared_{mib}MiB"), |bench| {
            bench.iter(|| black_box(ts::to_backend(black_box(&nd), "torch").unwrap()))
        });
        let th = ts::to_backend(&nd, "torch").unwrap();
        let th = ts::with_backend("torch", || ts::add(&th, &th))
            .unwrap()
            .unwrap();
        g.bench_function(format!("torch_to_ndarray_shared_{mib}MiB"), |bench| {
            bench.iter(|| black_box(ts::to_backend(black_box(&th), "ndarray").unwrap()))
        });
    }
    g.finish();
}

/// A converting switch with N live dynamic float32 tensors: ndarray → torch and back (two
/// switches per iteration, memory shared both ways). docs/performance.md divides by 2N.
/// `TS_SWITCH_16MIB_N` sets the count at 16 MiB (default 200: 1,000 would hold 16 GiB).
fn dynamic_switch(c: &mut Criterion) {
    use tensorswitch::dynamic::{previous_backend_dynamic, set_backend_dynamic};
    let mut g = c.benchmark_group("dynamic_switch_f32");
    g.sample_size(10);
    let n16: usize = std::env::var("TS_SWITCH_16MIB_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    for (label, elems, count) in [
        ("0_tensors", 1usize, 0usize),
        ("1KiB_x1000", 256, 1000),
        ("1MiB_x1000", 256 * 1024, 1000),
        ("16MiB", 4 * 1024 * 1024, n16),
    ] {
        ts::unset_backend();
        let live: Vec<Tensor> = (0..count)
            .map(|i| Tensor::from_vec(vec![i as f32; elems], &[elems]).unwrap())
            .collect();
        let name = if label == "16MiB" {
            format!("16MiB_x{n16}")
        } else {
            label.to_string()
        };
        g.bench_function(name, |bench| {
            bench.iter(|| {
                set_backend_dynamic("torch").unwrap();
                previous_backend_dynamic().unwrap();
            })
        });
        // The values survived every round trip.
        for (i, t) in live.iter().enumerate().step_by(97) {
            assert_eq!(t.backend(), "ndarray");
            let v = t.to_vec::<f32>().unwrap();
            assert!(v.iter().all(|&x| x == i as f32));
        }
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = add_one_element, matmul_512, to_backend_sizes, dynamic_switch, cuda_matmul_bf16
}
criterion_main!(benches);
