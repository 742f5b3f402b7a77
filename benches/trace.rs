//! A traced and compiled graph against eager tensorswitch and against the bare kernels: a
//! chain of 100 elementwise float32 ops on a `[16]` tensor, on ndarray. Numbers:
//! docs/performance.md ("Compiled graphs").
//!
//! `cargo bench --bench trace`

use ndarray::{ArrayD, IxDyn};
use std::hint::black_box;
use tensorswitch::{self as ts, Result, Tensor};
use tensorswitch_ndarray as _;

#[path = "support/paired.rs"]
mod support;

const OPS: usize = 100;

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
                let data: Vec<f32> = acc.as_slice().unwrap().iter().map(|u| u.tanh()).collect();
                ArrayD::from_shape_vec(acc.raw_dim(), data).unwrap()
            }
            _ => zip(&acc, y, |u, v| u - v),
        };
    }
    acc
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
    println!("trace: {traced:?}, compile: {compile_time:?} ({OPS} nodes)");

    let mut bare_run = || {
        drop(black_box(bare(
            black_box(&xa),
            black_box(&ya),
            black_box(&za),
        )))
    };
    let e = support::paired(
        "chain100_16xf32 eager / bare kernels",
        200,
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
        200,
        50,
        &mut bare_run,
        || drop(black_box(compiled.run(black_box(&xs)).unwrap())),
    );
    println!(
        "  compiled adds per op: {:.1} ns",
        (c.ns.1 - c.ns.0) / OPS as f64
    );
    ts::unset_backend();
}
