//! `tensorswitch::random::normal` of 1 M float32 samples on the mlx backend, beside MLX's own
//! `random.normal` (both evaluated), in one run.
//!
//! ```sh
//! eval "$(bash scripts/setup-mlx.sh)"
//! cargo bench --manifest-path backends/mlx/Cargo.toml --bench random
//! ```

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use std::time::Duration;
use tensorswitch::random::{self, Key};
use tensorswitch::{self as ts, DType};
use tensorswitch_mlx as _;

const N: usize = 1_000_000;

fn normal_1m(c: &mut Criterion) {
    let mut g = c.benchmark_group("random_normal_1Mxf32_eval");
    g.throughput(Throughput::Elements(N as u64));
    let key = Key::new(0);
    ts::set_backend("mlx").unwrap();
    g.bench_function("tensorswitch_mlx", |b| {
        b.iter(|| {
            let x = random::normal(black_box(&key), &[N], DType::Float32).unwrap();
            ts::evaluate(&x).unwrap();
            black_box(x)
        })
    });
    ts::previous_backend().unwrap();
    let mkey = mlx_rs::random::key(0).unwrap();
    g.bench_function("mlx_random_normal", |b| {
        b.iter(|| {
            let x = mlx_rs::random::normal::<f32>(&[N as i32][..], None, None, &mkey).unwrap();
            x.eval().unwrap();
            black_box(x)
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
