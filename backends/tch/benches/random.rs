//! `tensorswitch::random::normal` of 1 M float32 samples on the ndarray and torch backends,
//! beside libtorch's own `randn`, in one run (samples per second are 1 M / the time shown).
//!
//! `cargo bench -p tensorswitch-tch --bench random` (with the libtorch environment). libtorch
//! runs on one thread, as tensorswitch's generator does.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use std::time::Duration;
use tensorswitch::random::{self, Key};
use tensorswitch::{self as ts, DType};
use tensorswitch_ndarray as _;
use tensorswitch_tch as _;

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

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = normal_1m
}
criterion_main!(benches);
