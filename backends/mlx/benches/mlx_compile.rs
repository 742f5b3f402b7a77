//! Whether MLX's own `compile` (`mlx_rs::transforms::compile`) would speed up compiled
//! tensorswitch graphs on the mlx backend (issue 13): a chain of 100 elementwise float32 ops
//! on `[16]` and on 1 M elements, and the MLP forward pass
//! (x[64,256] @ W1 + b1 → tanh → @ W2[256,10] + b2 → softmax), each evaluated, run
//!
//! * `eager`: tensorswitch calls on the mlx backend;
//! * `graph`: the traced graph compiled for mlx, node by node (what `Graph::compile` gives);
//! * `graph_in_mlx_compile`: that compiled graph run inside `mlx_rs::transforms::compile`
//!   (`tensorswitch_mlx::compile_graph`), so MLX traces the ops it builds once and replays
//!   its own compiled (fused) graph;
//! * `mlx_rs`, `mlx_rs_compiled`: the same program written against mlx-rs directly, without
//!   and with MLX's `compile`.
//!
//! ```sh
//! eval "$(bash scripts/setup-mlx.sh)"
//! CARGO_TARGET_DIR=target/mlx cargo bench --manifest-path backends/mlx/Cargo.toml \
//!     --bench mlx_compile
//! ```
//!
//! Paired ratios (each against `graph`, in one run) are printed after criterion's times;
//! the numbers are in docs/performance.md.

use criterion::{criterion_group, criterion_main, Criterion};
use mlx_rs::error::Exception;
use mlx_rs::transforms::compile::compile;
use mlx_rs::{ops as m, Array};
use std::hint::black_box;
use std::time::Duration;
use tensorswitch::{self as ts, Result, Tensor};
use tensorswitch_mlx::{compile_graph, to_mlx};

#[path = "../../../benches/support/paired.rs"]
mod support;

const OPS: usize = 100;

/// Under `cargo bench` (criterion is given `--bench`); under `cargo test` each bench runs
/// once and the paired comparisons are short.
fn benching() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn chain(xs: &[Tensor]) -> Result<Vec<Tensor>> {
    let (mut acc, y, z) = (xs[0].clone(), &xs[1], &xs[2]);
    for i in 0..OPS {
        acc = match i % 4 {
            0 => ts::add(&acc, y)?,
            1 => ts::multiply(&acc, z)?,
            2 => ts::tanh(&acc)?,
            _ => ts::subtract(&acc, y)?,
        };
    }
    Ok(vec![acc])
}

fn chain_mlx(xs: &[Array]) -> std::result::Result<Vec<Array>, Exception> {
    let (mut acc, y, z) = (xs[0].clone(), &xs[1], &xs[2]);
    for i in 0..OPS {
        acc = match i % 4 {
            0 => m::add(&acc, y)?,
            1 => m::multiply(&acc, z)?,
            2 => m::tanh(&acc)?,
            _ => m::subtract(&acc, y)?,
        };
    }
    Ok(vec![acc])
}

fn eval_all(xs: &[Array]) {
    for x in xs {
        x.eval().unwrap();
    }
}

fn eval_tensors(xs: &[Tensor]) {
    for x in xs {
        ts::evaluate(x).unwrap();
    }
}

/// One program five ways (see the module's docs).
fn compare(
    c: &mut Criterion,
    name: &str,
    inputs: Vec<Tensor>,
    program: fn(&[Tensor]) -> Result<Vec<Tensor>>,
    program_mlx: fn(&[Array]) -> std::result::Result<Vec<Array>, Exception>,
    rounds: usize,
    batch: usize,
) {
    let arrays: Vec<Array> = inputs.iter().map(|t| to_mlx(t).unwrap()).collect();
    let graph = ts::trace(&inputs, program).unwrap();
    let compiled = graph.compile("mlx").unwrap();
    let mut in_mlx = compile_graph(&graph).unwrap();
    let mut mlx_compiled = compile(program_mlx, false);

    // The five agree (MLX's compile may fuse, so within rounding).
    let want = program(&inputs).unwrap()[0].to_vec::<f32>().unwrap();
    let got: Vec<f32> = in_mlx.run(&inputs).unwrap()[0].to_vec().unwrap();
    assert!(
        want.iter()
            .zip(&got)
            .all(|(a, b)| (a - b).abs() <= 1e-4 * a.abs().max(1.0)),
        "{name}: the graph inside MLX's compile differs from eager execution"
    );

    let mut eager = || eval_tensors(&program(black_box(&inputs)).unwrap());
    let mut node_by_node = || eval_tensors(&compiled.run(black_box(&inputs)).unwrap());
    let mut graph_in_mlx = || eval_tensors(&in_mlx.run(black_box(&inputs)).unwrap());
    let mut direct = || eval_all(&program_mlx(black_box(&arrays)).unwrap());
    let mut direct_compiled = || eval_all(&mlx_compiled(black_box(&arrays)).unwrap());

    let mut g = c.benchmark_group(name);
    g.sample_size(10).measurement_time(Duration::from_secs(2));
    g.bench_function("eager", |b| b.iter(&mut eager));
    g.bench_function("graph", |b| b.iter(&mut node_by_node));
    g.bench_function("graph_in_mlx_compile", |b| b.iter(&mut graph_in_mlx));
    g.bench_function("mlx_rs", |b| b.iter(&mut direct));
    g.bench_function("mlx_rs_compiled", |b| b.iter(&mut direct_compiled));
    g.finish();

    let label = |what: &str| format!("{name} paired, {what} / graph");
    support::paired(
        &label("graph_in_mlx_compile"),
        rounds,
        batch,
        &mut node_by_node,
        &mut graph_in_mlx,
    );
    support::paired(
        &label("eager"),
        rounds,
        batch,
        &mut node_by_node,
        &mut eager,
    );
    support::paired(
        &label("mlx_rs_compiled"),
        rounds,
        batch,
        &mut node_by_node,
        &mut direct_compiled,
    );
    support::paired(
        &label("mlx_rs"),
        rounds,
        batch,
        &mut node_by_node,
        &mut direct,
    );
}

fn f32s(len: usize, k: f32, scale: f32) -> Vec<f32> {
    (0..len).map(|i| (i as f32 * k).sin() * scale).collect()
}

fn chains(c: &mut Criterion) {
    ts::set_backend("mlx").unwrap();
    let long = benching();
    // Under `cargo test` the large case is smaller: each bench runs once, as a check.
    let large = if long { 1 << 20 } else { 1 << 12 };
    for (len, rounds, batch) in [(16, 40, 20), (large, 10, 1)] {
        let t = |k: f32, s: f32| Tensor::from_slice(&f32s(len, k, s), &[len]).unwrap();
        // y near 0 and z near 1 keep the chain's values in range.
        let inputs = [t(0.37, 1.0), t(0.11, 0.01), t(0.23, 0.001)];
        let inputs = vec![
            inputs[0].clone(),
            inputs[1].clone(),
            ts::add(&inputs[2], &ts::ones(&[len], ts::DType::Float32).unwrap()).unwrap(),
        ];
        let (rounds, batch) = if long { (rounds, batch) } else { (2, 1) };
        compare(
            c,
            &format!("mlx_chain{OPS}_{len}xf32"),
            inputs,
            chain,
            chain_mlx,
            rounds,
            batch,
        );
    }
    ts::unset_backend();
}

fn mlp_program(xs: &[Tensor]) -> Result<Vec<Tensor>> {
    let (x, w1, b1, w2, b2) = (&xs[0], &xs[1], &xs[2], &xs[3], &xs[4]);
    let h = ts::tanh(&ts::add(&ts::matmul(x, w1)?, b1)?)?;
    Ok(vec![ts::softmax(&ts::add(&ts::matmul(&h, w2)?, b2)?, -1)?])
}

fn mlp_mlx(xs: &[Array]) -> std::result::Result<Vec<Array>, Exception> {
    let (x, w1, b1, w2, b2) = (&xs[0], &xs[1], &xs[2], &xs[3], &xs[4]);
    let h = m::tanh(&m::add(&m::matmul(x, w1)?, b1)?)?;
    Ok(vec![m::softmax_axis(
        &m::add(&m::matmul(&h, w2)?, b2)?,
        -1,
        None,
    )?])
}

fn mlp(c: &mut Criterion) {
    ts::set_backend("mlx").unwrap();
    let (n, d, h, o) = (64, 256, 256, 10);
    let t = |len: usize, k: f32, shape: &[usize]| {
        Tensor::from_slice(&f32s(len, k, 0.1), shape).unwrap()
    };
    // The weights are inputs here, so that both sides of every comparison see the same
    // arrays (a traced graph would hold them as constants: the same work).
    let inputs = vec![
        t(n * d, 0.37, &[n, d]),
        t(d * h, 0.11, &[d, h]),
        t(h, 0.5, &[h]),
        t(h * o, 0.23, &[h, o]),
        t(o, 0.7, &[o]),
    ];
    let (rounds, batch) = if benching() { (20, 10) } else { (2, 1) };
    compare(
        c,
        "mlx_mlp_64x256",
        inputs,
        mlp_program,
        mlp_mlx,
        rounds,
        batch,
    );
    ts::unset_backend();
}

criterion_group!(benches, chains, mlp);
criterion_main!(benches);
