//! The transpiler's mlx-rs code for the MLP of its golden files
//! (transpile/tests/golden/mlp_mlx.rs: x[64,256] @ W1[256,64] + b1 → tanh → @ W2[64,10] + b2 →
//! softmax), each result evaluated, run four ways:
//!
//! * `emitted`: the emitted mlx-rs function;
//! * `mlx_rs`: the same model written by hand against mlx-rs (`softmax_axis` of MLX);
//! * `eager`: tensorswitch calls on the mlx backend;
//! * `graph`: the traced graph compiled for mlx (`Graph::compile`).
//!
//! ```sh
//! eval "$(bash scripts/setup-mlx.sh)"
//! CARGO_TARGET_DIR=target/mlx cargo bench --manifest-path backends/mlx/Cargo.toml \
//!     --bench transpiled
//! ```
//!
//! Paired ratios (in one run) are printed after criterion's times; the numbers are in
//! docs/performance.md.

use criterion::{criterion_group, criterion_main, Criterion};
use mlx_rs::{ops as m, Array};
use std::hint::black_box;
use std::time::Duration;
use tensorswitch as ts;
use tensorswitch_mlx::to_mlx;
use tensorswitch_transpile::testing::models;

#[path = "../../../benches/support/paired.rs"]
mod support;

#[rustfmt::skip]
#[path = "../../../transpile/tests/golden/mlp_mlx.rs"]
mod emitted;

use support::benching;

fn by_hand(
    x: &Array,
    w1: &Array,
    b1: &Array,
    w2: &Array,
    b2: &Array,
) -> Result<Array, mlx_rs::error::Exception> {
    let h = m::tanh(&m::add(&m::matmul(x, w1)?, b1)?)?;
    m::softmax_axis(&m::add(&m::matmul(&h, w2)?, b2)?, -1, None)
}

fn mlp(c: &mut Criterion) {
    ts::set_backend("mlx").unwrap();
    let model = models()
        .unwrap()
        .into_iter()
        .find(|m| m.name == "mlp")
        .unwrap();
    let graph = model.trace().unwrap();
    let compiled = graph.compile("mlx").unwrap();
    let x = to_mlx(&model.inputs[0]).unwrap();
    let w: Vec<Array> = model
        .constants
        .iter()
        .map(|c| to_mlx(&c.1).unwrap())
        .collect();

    // The four agree (MLX's softmax is not the core's formula: within rounding).
    let want = model.eager().unwrap()[0].to_vec::<f32>().unwrap();
    for (name, got) in [
        (
            "emitted",
            emitted::model(&x, &w[0], &w[1], &w[2], &w[3]).unwrap(),
        ),
        ("mlx_rs", by_hand(&x, &w[0], &w[1], &w[2], &w[3]).unwrap()),
    ] {
        got.eval().unwrap();
        let got = got.as_slice::<f32>();
        assert!(
            want.iter()
                .zip(got)
                .all(|(a, b)| (a - b).abs() <= 1e-5 * a.abs().max(1.0)),
            "{name} differs from eager execution"
        );
    }

    let inputs = vec![model.inputs[0].clone()];
    let mut eager = || ts::evaluate(&model.eager().unwrap()[0]).unwrap();
    let mut node_by_node = || ts::evaluate(&compiled.run(black_box(&inputs)).unwrap()[0]).unwrap();
    let mut emitted_code = || {
        emitted::model(black_box(&x), &w[0], &w[1], &w[2], &w[3])
            .unwrap()
            .eval()
            .unwrap()
    };
    let mut hand = || {
        by_hand(black_box(&x), &w[0], &w[1], &w[2], &w[3])
            .unwrap()
            .eval()
            .unwrap()
    };

    let mut g = c.benchmark_group("mlx_transpiled_mlp_64x256");
    g.sample_size(10).measurement_time(Duration::from_secs(2));
    g.bench_function("emitted", |b| b.iter(&mut emitted_code));
    g.bench_function("mlx_rs", |b| b.iter(&mut hand));
    g.bench_function("eager", |b| b.iter(&mut eager));
    g.bench_function("graph", |b| b.iter(&mut node_by_node));
    g.finish();

    let (rounds, batch) = if benching() { (30, 20) } else { (2, 1) };
    let label = |what: &str| format!("mlx_transpiled_mlp_64x256 paired, {what}");
    support::paired(
        &label("emitted / mlx_rs"),
        rounds,
        batch,
        &mut hand,
        &mut emitted_code,
    );
    support::paired(
        &label("emitted / graph"),
        rounds,
        batch,
        &mut node_by_node,
        &mut emitted_code,
    );
    support::paired(
        &label("emitted / eager"),
        rounds,
        batch,
        &mut eager,
        &mut emitted_code,
    );
    ts::unset_backend();
}

criterion_group!(benches, mlp);
criterion_main!(benches);
