//! The emitted ndarray code for the MLP (tests/golden/mlp_ndarray.rs: `x[64,256] @ W1[256,64] +
//! b1`, tanh, `@ W2[64,10] + b2`, softmax) against the same model written by hand against
//! ndarray, beside eager tensorswitch and the compiled graph, all paired in one run. Numbers:
//! docs/performance.md ("Transpiled code").
//!
//! `cargo bench -p tensorswitch-transpile --bench emitted`

use ndarray::{Array1, Array2, ArrayD, Axis, Ix1, Ix2, IxDyn};
use std::hint::black_box;
use tensorswitch::Tensor;
use tensorswitch_ndarray as _;
use tensorswitch_transpile::testing::models;

#[path = "../../benches/support/paired.rs"]
mod support;

#[rustfmt::skip]
#[path = "../tests/golden/mlp_ndarray.rs"]
mod mlp;

/// The MLP written directly against ndarray (as benches/trace.rs writes it).
fn direct(
    x: &Array2<f32>,
    w1: &Array2<f32>,
    b1: &Array1<f32>,
    w2: &Array2<f32>,
    b2: &Array1<f32>,
) -> Array2<f32> {
    let h = (x.dot(w1) + b1).mapv(f32::tanh);
    let z = h.dot(w2) + b2;
    let m = z.map_axis(Axis(1), |r| r.fold(f32::NEG_INFINITY, |a, &b| a.max(b)));
    let e = (z - &m.insert_axis(Axis(1))).mapv(f32::exp);
    let s = e.sum_axis(Axis(1)).insert_axis(Axis(1));
    e / &s
}

fn nd(t: &Tensor) -> ArrayD<f32> {
    ArrayD::from_shape_vec(IxDyn(t.shape()), t.to_vec::<f32>().unwrap()).unwrap()
}

fn main() {
    tensorswitch::set_backend("ndarray").unwrap();
    let m = models()
        .unwrap()
        .into_iter()
        .find(|m| m.name == "mlp")
        .unwrap();
    let g = m.trace().unwrap();
    let compiled = g.compile("ndarray").unwrap();
    let consts: Vec<ArrayD<f32>> = m.constants.iter().map(|c| nd(&c.1)).collect();
    let x = nd(&m.inputs[0]);
    let two = |a: &ArrayD<f32>| a.clone().into_dimensionality::<Ix2>().unwrap();
    let one = |a: &ArrayD<f32>| a.clone().into_dimensionality::<Ix1>().unwrap();
    let (x2, w1, b1, w2, b2) = (
        two(&x),
        two(&consts[0]),
        one(&consts[1]),
        two(&consts[2]),
        one(&consts[3]),
    );
    // The same answer every way.
    let want = direct(&x2, &w1, &b1, &w2, &b2);
    let got = mlp::model(&x, &consts[0], &consts[1], &consts[2], &consts[3]).unwrap();
    assert!(got
        .iter()
        .zip(want.iter())
        .all(|(a, b)| (a - b).abs() <= 1e-5));
    let mut hand = || drop(black_box(direct(black_box(&x2), &w1, &b1, &w2, &b2)));
    support::paired(
        "mlp emitted ndarray / hand-written ndarray",
        40,
        20,
        &mut hand,
        || {
            drop(black_box(
                mlp::model(
                    black_box(&x),
                    &consts[0],
                    &consts[1],
                    &consts[2],
                    &consts[3],
                )
                .unwrap(),
            ))
        },
    );
    let xs = m.inputs.clone();
    support::paired(
        "mlp compiled graph / hand-written ndarray",
        40,
        20,
        &mut hand,
        || drop(black_box(compiled.run(black_box(&xs)).unwrap())),
    );
    support::paired(
        "mlp eager tensorswitch / hand-written ndarray",
        40,
        20,
        &mut hand,
        || drop(black_box(m.eager().unwrap())),
    );
}
