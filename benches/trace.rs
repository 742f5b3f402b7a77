//! A traced and compiled graph against eager tensorswitch, the bare kernels and ndarray
//! written directly: a chain of 100 elementwise float32 ops on a `[16]` tensor and on 1 M
//! elements, and an MLP forward pass, on ndarray. Numbers: docs/performance.md ("Compiled
//! graphs").
//!
//! `cargo bench --bench trace`

use ndarray::{Array1, Array2, ArrayD, Axis, IxDyn};
use std::hint::black_box;
use tensorswitch::{self as ts, Result, Tensor};
use tensorswitch_ndarray as _;

#[path = "support/paired.rs"]
mod support;

const OPS: usize = 100;

// Under `cargo test` the bench runs once as a test, checking its results with one round of
// each comparison.
use support::{benching, rounds};

/// The chain: add y, multiply by z, tanh, subtract y, repeated (it stays in [-2, 2]).
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

/// The same chain with the kernels the backend runs for contiguous same-shape operands,
/// called directly: the work without dispatch or tensor handles.
fn bare(x: &ArrayD<f32>, y: &ArrayD<f32>, z: &ArrayD<f32>) -> ArrayD<f32> {
    let zip = |a: &ArrayD<f32>, b: &ArrayD<f32>, f: fn(f32, f32) -> f32| {
        let (p, q) = (a.as_slice().unwrap(), b.as_slice().unwrap());
        let data: Vec<f32> = p.iter().zip(q).map(|(&u, &v)| f(u, v)).collect();
        ArrayD::from_shape_vec(a.raw_dim(), data).unwrap()
    };
    let mut acc = x.clone();
    for i in 0..OPS {
        acc = match i % 4 {
            0 => zip(&acc, y, |u, v| u + v),
            1 => zip(&acc, z, |u, v| u * v),
            2 => {
                let slice = acc.as_slice().unwrap();
                let data: Vec<f32> = slice
                    .iter()
                    .map(|&u| tensorswitch_ndarray::tanh_f32(u))
                    .collect();
                ArrayD::from_shape_vec(acc.raw_dim(), data).unwrap()
            }
            _ => zip(&acc, y, |u, v| u - v),
        };
    }
    acc
}

/// The same chain written directly against ndarray, as the issue words it: each op makes a
/// new array (`&a + &b`, `mapv`), with `tanh` the one given (std's `f32::tanh` is what such
/// code calls; the backend's `tanh_f32` separates fusion's gain from its tanh's).
fn direct(
    x: &ArrayD<f32>,
    y: &ArrayD<f32>,
    z: &ArrayD<f32>,
    tanh: impl Fn(f32) -> f32 + Copy,
) -> ArrayD<f32> {
    let mut acc = x.clone();
    for i in 0..OPS {
        acc = match i % 4 {
            0 => &acc + y,
            1 => &acc * z,
            2 => acc.mapv(tanh),
            _ => &acc - y,
        };
    }
    acc
}

/// The same chain written against ndarray in place (`+=`, `mapv_inplace`): one array, no
/// allocation per op, still one pass over the data per op.
fn direct_in_place(x: &ArrayD<f32>, y: &ArrayD<f32>, z: &ArrayD<f32>) -> ArrayD<f32> {
    let mut acc = x.clone();
    for i in 0..OPS {
        match i % 4 {
            0 => acc += y,
            1 => acc *= z,
            2 => acc.mapv_inplace(f32::tanh),
            _ => acc -= y,
        }
    }
    acc
}

/// The chain on 1 M float32 elements: the fused compiled graph against ndarray directly.
fn large() {
    // Under `cargo test` (a debug build run once as a test), a smaller chain checks the same.
    let n = if benching() { 1 << 20 } else { 1 << 12 };
    let xv: Vec<f32> = (0..n).map(|i| ((i % 4096) as f32 / 2048.0) - 1.0).collect();
    let yv: Vec<f32> = (0..n).map(|i| 0.5 - (i % 977) as f32 / 977.0).collect();
    let zv: Vec<f32> = (0..n).map(|i| 1.0 + (i % 331) as f32 / 662.0).collect();
    let arr = |v: &Vec<f32>| ArrayD::from_shape_vec(IxDyn(&[n]), v.clone()).unwrap();
    let (xa, ya, za) = (arr(&xv), arr(&yv), arr(&zv));
    let t = |v: &Vec<f32>| Tensor::from_slice(v, &[n]).unwrap();
    let xs = vec![t(&xv), t(&yv), t(&zv)];
    let graph = ts::trace(&xs, chain).unwrap();
    let compiled = graph.compile("ndarray").unwrap();
    let unfused = graph
        .compile_unfused(ts::current_backend().unwrap().table())
        .unwrap();
    println!("chain100_1Mxf32: {compiled:?}");
    let want = direct(&xa, &ya, &za, tensorswitch_ndarray::tanh_f32)
        .into_raw_vec_and_offset()
        .0;
    assert_eq!(compiled.run(&xs).unwrap()[0].to_vec::<f32>().unwrap(), want);
    // std's tanhf differs from the backend's by up to 2 ULP on some inputs; the chain keeps
    // such differences small.
    let std_tanh = direct(&xa, &ya, &za, f32::tanh);
    let close = std_tanh
        .iter()
        .zip(&want)
        .all(|(a, b)| (a - b).abs() <= 1e-5);
    assert!(
        close,
        "std's tanh and the backend's disagree beyond rounding"
    );
    let mut direct_run = || drop(black_box(direct(black_box(&xa), &ya, &za, f32::tanh)));
    support::paired(
        "chain100_1Mxf32 fused / ndarray directly",
        rounds(10),
        1,
        &mut direct_run,
        || drop(black_box(compiled.run(black_box(&xs)).unwrap())),
    );
    support::paired(
        "chain100_1Mxf32 fused / ndarray directly with the backend's tanh_f32",
        rounds(10),
        1,
        || {
            drop(black_box(direct(
                black_box(&xa),
                &ya,
                &za,
                tensorswitch_ndarray::tanh_f32,
            )))
        },
        || drop(black_box(compiled.run(black_box(&xs)).unwrap())),
    );
    support::paired(
        "chain100_1Mxf32 fused / ndarray in place",
        rounds(10),
        1,
        || drop(black_box(direct_in_place(black_box(&xa), &ya, &za))),
        || drop(black_box(compiled.run(black_box(&xs)).unwrap())),
    );
    support::paired(
        "chain100_1Mxf32 unfused / ndarray directly",
        rounds(10),
        1,
        &mut direct_run,
        || drop(black_box(unfused.run(black_box(&xs)).unwrap())),
    );
    // How much of the chain is tanh: its 25 maps alone, against the whole direct chain.
    fn tanh_only(x: &ArrayD<f32>, tanh: impl Fn(f32) -> f32 + Copy) {
        let mut acc = x.clone();
        for _ in 0..OPS / 4 {
            acc = acc.mapv(tanh);
        }
        drop(black_box(acc))
    }
    support::paired(
        "chain100_1Mxf32 its 25 tanh maps alone with std's f32::tanh / ndarray directly",
        rounds(10),
        1,
        &mut direct_run,
        || tanh_only(black_box(&xa), f32::tanh),
    );
    support::paired(
        "chain100_1Mxf32 its 25 tanh maps alone with the backend's tanh_f32 / ndarray directly",
        rounds(10),
        1,
        &mut direct_run,
        || tanh_only(black_box(&xa), tensorswitch_ndarray::tanh_f32),
    );
}

/// The MLP of the issue written against ndarray: `softmax(tanh(x @ w1 + b1) @ w2 + b2)`.
fn mlp_direct(
    x: &Array2<f32>,
    w1: &Array2<f32>,
    b1: &Array1<f32>,
    w2: &Array2<f32>,
    b2: &Array1<f32>,
    tanh: impl Fn(f32) -> f32,
) -> Array2<f32> {
    let h = (x.dot(w1) + b1).mapv(tanh);
    let z = h.dot(w2) + b2;
    let m = z.map_axis(Axis(1), |r| r.fold(f32::NEG_INFINITY, |a, &b| a.max(b)));
    let e = (z - &m.insert_axis(Axis(1))).mapv(f32::exp);
    let s = e.sum_axis(Axis(1)).insert_axis(Axis(1));
    e / &s
}

/// An MLP forward pass: x[64,256] @ W1[256,256] + b1 → tanh → @ W2[256,10] + b2 → softmax,
/// traced and compiled on ndarray, against eager tensorswitch and ndarray directly.
fn mlp() {
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
    let a2 = |v: &Vec<f32>, r, c| Array2::from_shape_vec((r, c), v.clone()).unwrap();
    let (xa, w1a, w2a) = (a2(&xv, n, d), a2(&w1v, d, h), a2(&w2v, h, o));
    let (b1a, b2a) = (Array1::from(b1v.clone()), Array1::from(b2v.clone()));
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
    let compiled = graph.compile("ndarray").unwrap();
    let compile_time = start.elapsed();
    println!(
        "mlp: trace {traced:?}, compile {compile_time:?} ({} nodes, {compiled:?})\n{graph}",
        graph.nodes().len()
    );
    let want = mlp_direct(&xa, &w1a, &b1a, &w2a, &b2a, f32::tanh);
    let got = compiled.run(&xs).unwrap()[0].to_vec::<f32>().unwrap();
    let close = got
        .iter()
        .zip(want.iter())
        .all(|(a, b)| (a - b).abs() <= 1e-5);
    assert!(close, "the compiled MLP differs from the direct one");
    let mut direct = || {
        drop(black_box(mlp_direct(
            black_box(&xa),
            &w1a,
            &b1a,
            &w2a,
            &b2a,
            f32::tanh,
        )))
    };
    support::paired(
        "mlp eager / ndarray directly",
        rounds(30),
        20,
        &mut direct,
        || drop(black_box(forward(black_box(&xs)).unwrap())),
    );
    support::paired(
        "mlp compiled / ndarray directly",
        rounds(30),
        20,
        &mut direct,
        || drop(black_box(compiled.run(black_box(&xs)).unwrap())),
    );
    // The same with the backend's tanh on the direct side: what the graph gains by itself.
    support::paired(
        "mlp compiled / ndarray directly with the backend's tanh_f32",
        rounds(30),
        20,
        || {
            drop(black_box(mlp_direct(
                black_box(&xa),
                &w1a,
                &b1a,
                &w2a,
                &b2a,
                tensorswitch_ndarray::tanh_f32,
            )))
        },
        || drop(black_box(compiled.run(black_box(&xs)).unwrap())),
    );
}

fn main() {
    let n = 16;
    let xv: Vec<f32> = (0..n).map(|i| i as f32 / 8.0 - 1.0).collect();
    let yv: Vec<f32> = (0..n).map(|i| 0.5 - i as f32 / 32.0).collect();
    let zv: Vec<f32> = (0..n).map(|i| 1.0 + i as f32 / 64.0).collect();
    let arr = |v: &Vec<f32>| ArrayD::from_shape_vec(IxDyn(&[n]), v.clone()).unwrap();
    let (xa, ya, za) = (arr(&xv), arr(&yv), arr(&zv));
    ts::set_backend("ndarray").unwrap();
    let t = |v: &Vec<f32>| Tensor::from_slice(v, &[n]).unwrap();
    let xs = vec![t(&xv), t(&yv), t(&zv)];

    let start = std::time::Instant::now();
    let graph = ts::trace(&xs, chain).unwrap();
    let traced = start.elapsed();
    let start = std::time::Instant::now();
    let compiled = graph.compile("ndarray").unwrap();
    let compile_time = start.elapsed();
    assert_eq!(graph.nodes().len(), OPS);
    // Same results three ways (the bare chain runs the same float operations in order).
    let want = bare(&xa, &ya, &za).into_raw_vec_and_offset().0;
    assert_eq!(chain(&xs).unwrap()[0].to_vec::<f32>().unwrap(), want);
    assert_eq!(compiled.run(&xs).unwrap()[0].to_vec::<f32>().unwrap(), want);
    println!("trace: {traced:?}, compile: {compile_time:?} ({OPS} nodes, {compiled:?})");
    let unfused = graph
        .compile_unfused(ts::current_backend().unwrap().table())
        .unwrap();

    let mut bare_run = || {
        drop(black_box(bare(
            black_box(&xa),
            black_box(&ya),
            black_box(&za),
        )))
    };
    let e = support::paired(
        "chain100_16xf32 eager / bare kernels",
        rounds(200),
        50,
        &mut bare_run,
        || drop(black_box(chain(black_box(&xs)).unwrap())),
    );
    println!(
        "  eager adds per op: {:.1} ns",
        (e.ns.1 - e.ns.0) / OPS as f64
    );
    let c = support::paired(
        "chain100_16xf32 compiled / bare kernels",
        rounds(200),
        50,
        &mut bare_run,
        || drop(black_box(compiled.run(black_box(&xs)).unwrap())),
    );
    println!(
        "  compiled adds per op: {:.1} ns",
        (c.ns.1 - c.ns.0) / OPS as f64
    );
    let u = support::paired(
        "chain100_16xf32 compiled unfused / bare kernels",
        rounds(200),
        50,
        &mut bare_run,
        || drop(black_box(unfused.run(black_box(&xs)).unwrap())),
    );
    println!(
        "  compiled unfused adds per op: {:.1} ns",
        (u.ns.1 - u.ns.0) / OPS as f64
    );
    mlp();
    large();
    ts::unset_backend();
}
