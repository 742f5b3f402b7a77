//! Random numbers and `conv2d` on the mlx backend beside MLX's own, in one run (every result
//! evaluated):
//!
//! * `tensorswitch::random::normal` of 1 M float32 samples against MLX's `random.normal`;
//! * `conv2d` of a `(4, 32, 32, 32)` input (NCHW) with a `(32, 32, 3, 3)` weight, padding 1,
//!   float32, against mlx-rs's `conv2d` given the same NCHW arrays (transposed to NHWC and
//!   back, as MLX needs), paired (target: within 1.05×);
//! * the native primaries of `gelu`, `sigmoid`, `log_softmax` and `layer_norm` on a
//!   `(1024, 1024)` float32 input against the catalogue's composition of each on the same
//!   backend (`with_backend_masked`), paired.
//!
//! ```sh
//! eval "$(bash scripts/setup-mlx.sh)"
//! cargo bench --manifest-path backends/mlx/Cargo.toml --bench nn
//! ```

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mlx_rs::{ops as m, Array};
use std::hint::black_box;
use std::time::Duration;
use tensorswitch::call::Conv2d;
use tensorswitch::random::{self, Key};
use tensorswitch::{self as ts, DType, Tensor};
use tensorswitch_mlx as _;

#[path = "../../../benches/support/paired.rs"]
mod support;

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

fn conv2d(_c: &mut Criterion) {
    let (xs, ws) = ([4usize, 32, 32, 32], [32usize, 32, 3, 3]);
    let data = |n: usize| -> Vec<f32> {
        (0..n)
            .map(|i| ((i * 7919) % 1000) as f32 / 500.0 - 1.0)
            .collect()
    };
    let (xd, wd) = (data(xs.iter().product()), data(ws.iter().product()));
    let ax = Array::from_slice(&xd, &xs.map(|d| d as i32));
    let aw = Array::from_slice(&wd, &ws.map(|d| d as i32));
    let direct = || {
        let x = m::transpose_axes(&ax, &[0, 2, 3, 1]).unwrap();
        let w = m::transpose_axes(&aw, &[0, 2, 3, 1]).unwrap();
        let y = m::conv2d(&x, &w, (1, 1), (1, 1), (1, 1), 1).unwrap();
        let y = m::transpose_axes(&y, &[0, 3, 1, 2]).unwrap();
        y.eval().unwrap();
        drop(black_box(y));
    };
    ts::set_backend("mlx").unwrap();
    let x = Tensor::from_slice(&xd, &xs).unwrap();
    let w = Tensor::from_slice(&wd, &ws).unwrap();
    let win = Conv2d {
        padding: [1, 1],
        ..Conv2d::default()
    };
    support::paired(
        "conv2d 4x32x32x32 * 32x32x3x3 f32 paired, mlx / mlx-rs",
        150,
        2,
        direct,
        || {
            let y = ts::conv2d(black_box(&x), black_box(&w), win).unwrap();
            ts::evaluate(&y).unwrap();
            drop(black_box(y));
        },
    );
    ts::previous_backend().unwrap();
}

use support::rounds;

fn primaries_against_compositions(_c: &mut Criterion) {
    let data: Vec<f32> = (0..1usize << 20)
        .map(|i| ((i * 7919) % 2000) as f32 / 200.0 - 5.0)
        .collect();
    let x = ts::with_backend("mlx", || Tensor::from_slice(&data, &[1024, 1024]))
        .unwrap()
        .unwrap();
    type Op = fn(&Tensor) -> ts::Result<Tensor>;
    let ops: [(&str, Op); 4] = [
        ("gelu", |x| ts::gelu(x)),
        ("sigmoid", |x| ts::sigmoid(x)),
        ("log_softmax", |x| ts::log_softmax(x, -1)),
        ("layer_norm", |x| ts::layer_norm(x, &[1024], 1e-5)),
    ];
    for (name, op) in ops {
        let run = |masked: bool| {
            let y = if masked {
                ts::with_backend_masked("mlx", || op(black_box(&x)))
            } else {
                ts::with_backend("mlx", || op(black_box(&x)))
            };
            let y = y.unwrap().unwrap();
            ts::evaluate(&y).unwrap();
            drop(black_box(y));
        };
        support::paired(
            &format!("{name} 1024x1024 f32 paired, primary / composition"),
            rounds(20),
            1,
            || run(true),
            || run(false),
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = normal_1m, conv2d, primaries_against_compositions
}
criterion_main!(benches);
