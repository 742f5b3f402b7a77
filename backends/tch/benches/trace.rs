//! An MLP forward pass traced and compiled for the torch backend against the same pass written
//! directly against tch, paired in one run (see benches/support/paired.rs). Numbers:
//! docs/performance.md ("Compiled graphs").
//!
//! `cargo bench -p tensorswitch-tch --bench trace` (with the libtorch environment, see the
//! crate's README).

use std::hint::black_box;
use tensorswitch::{self as ts, Result, Tensor};
use tensorswitch_ndarray as _;
use tensorswitch_tch as _;

#[path = "../../../benches/support/paired.rs"]
mod support;

/// The MLP with tch: `softmax(tanh(x @ w1 + b1) @ w2 + b2)`.
fn mlp_direct(
    x: &tch::Tensor,
    w1: &tch::Tensor,
    b1: &tch::Tensor,
    w2: &tch::Tensor,
    b2: &tch::Tensor,
) -> tch::Tensor {
    let h = (x.matmul(w1) + b1).tanh();
    (h.matmul(w2) + b2).softmax(-1, tch::Kind::Float)
}

fn main() {
    // Single-threaded libtorch on both sides, as the other torch benches (the machine is
    // shared; timings of several threads follow its load).
    tch::set_num_threads(1);
    let (n, d, h, o) = (64, 256, 256, 10);
    let fill = |len: usize, k: f32| {
        (0..len)
            .map(|i| ((i as f32 * k).sin()) * 0.1)
            .collect::<Vec<f32>>()
    };
    let (xv, w1v, b1v, w2v, b2v) = (
        fill(n * d, 0.37),
        fill(d * h, 0.11),
        fill(h, 0.5),
        fill(h * o, 0.23),
        fill(o, 0.7),
    );
    let tt = |v: &Vec<f32>, shape: &[i64]| tch::Tensor::from_slice(v).reshape(shape);
    let (xa, w1a, b1a, w2a, b2a) = (
        tt(&xv, &[n as i64, d as i64]),
        tt(&w1v, &[d as i64, h as i64]),
        tt(&b1v, &[h as i64]),
        tt(&w2v, &[h as i64, o as i64]),
        tt(&b2v, &[o as i64]),
    );
    ts::set_backend("torch").unwrap();
    let t = |v: &Vec<f32>, shape: &[usize]| Tensor::from_slice(v, shape).unwrap();
    let (x, w1, b1, w2, b2) = (
        t(&xv, &[n, d]),
        t(&w1v, &[d, h]),
        t(&b1v, &[h]),
        t(&w2v, &[h, o]),
        t(&b2v, &[o]),
    );
    let forward = |xs: &[Tensor]| -> Result<Vec<Tensor>> {
        let hdn = ts::tanh(&ts::add(&ts::matmul(&xs[0], &w1)?, &b1)?)?;
        Ok(vec![ts::softmax(
            &ts::add(&ts::matmul(&hdn, &w2)?, &b2)?,
            -1,
        )?])
    };
    let xs = vec![x];
    let start = std::time::Instant::now();
    let graph = ts::trace(&xs, forward).unwrap();
    let traced = start.elapsed();
    let start = std::time::Instant::now();
    let compiled = graph.compile("torch").unwrap();
    let compile_time = start.elapsed();
    println!(
        "mlp on torch: trace {traced:?}, compile {compile_time:?} ({} nodes, {compiled:?})\n{graph}",
        graph.nodes().len()
    );
    let want =
        Vec::<f32>::try_from(mlp_direct(&xa, &w1a, &b1a, &w2a, &b2a).flatten(0, -1)).unwrap();
    let got = compiled.run(&xs).unwrap()[0].to_vec::<f32>().unwrap();
    // The same libtorch kernels in the same order: the same values.
    assert_eq!(got, want, "the compiled MLP differs from the direct one");
    let mut direct = || {
        drop(black_box(mlp_direct(
            black_box(&xa),
            &w1a,
            &b1a,
            &w2a,
            &b2a,
        )))
    };
    support::paired(
        "mlp on torch, eager / tch directly",
        100,
        20,
        &mut direct,
        || drop(black_box(forward(black_box(&xs)).unwrap())),
    );
    support::paired(
        "mlp on torch, compiled / tch directly",
        100,
        20,
        &mut direct,
        || drop(black_box(compiled.run(black_box(&xs)).unwrap())),
    );
    ts::unset_backend();
}
