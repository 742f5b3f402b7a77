//! The transpiler's emitted tch code for the MLP (transpile/tests/golden/mlp_tch.rs:
//! `x[64,256] @ W1[256,64] + b1`, tanh, `@ W2[64,10] + b2`, softmax) against the same model
//! written by hand with tch, beside the compiled graph and eager tensorswitch on torch, all
//! paired in one run, libtorch on one thread. Numbers: docs/performance.md ("Transpiled code").
//!
//! `cargo bench -p tensorswitch-tch --bench transpiled`

use std::hint::black_box;
use tensorswitch_ndarray as _;
use tensorswitch_tch::to_tch;
use tensorswitch_transpile::testing::models;

#[path = "../../../benches/support/paired.rs"]
mod support;

#[rustfmt::skip]
#[path = "../../../transpile/tests/golden/mlp_tch.rs"]
mod mlp;

/// The MLP written directly with tch.
fn direct(
    x: &tch::Tensor,
    w1: &tch::Tensor,
    b1: &tch::Tensor,
    w2: &tch::Tensor,
    b2: &tch::Tensor,
) -> tch::Tensor {
    let h = (x.matmul(w1) + b1).tanh();
    (h.matmul(w2) + b2).softmax(-1, None::<tch::Kind>)
}

fn main() {
    tch::set_num_threads(1);
    tensorswitch::set_backend("torch").unwrap();
    let m = models()
        .unwrap()
        .into_iter()
        .find(|m| m.name == "mlp")
        .unwrap();
    let compiled = m.trace().unwrap().compile("torch").unwrap();
    let x = to_tch(&m.inputs[0]).unwrap();
    let c: Vec<tch::Tensor> = m.constants.iter().map(|c| to_tch(&c.1).unwrap()).collect();
    let want = direct(&x, &c[0], &c[1], &c[2], &c[3]);
    let got = mlp::model(&x, &c[0], &c[1], &c[2], &c[3]).unwrap();
    assert!(got.allclose(&want, 1e-5, 1e-6, false));
    let mut hand = || drop(black_box(direct(black_box(&x), &c[0], &c[1], &c[2], &c[3])));
    support::paired(
        "mlp emitted tch / hand-written tch",
        40,
        20,
        &mut hand,
        || {
            drop(black_box(
                mlp::model(black_box(&x), &c[0], &c[1], &c[2], &c[3]).unwrap(),
            ))
        },
    );
    let xs = m.inputs.clone();
    support::paired(
        "mlp compiled graph / hand-written tch",
        40,
        20,
        &mut hand,
        || drop(black_box(compiled.run(black_box(&xs)).unwrap())),
    );
    support::paired(
        "mlp eager tensorswitch / hand-written tch",
        40,
        20,
        &mut hand,
        || drop(black_box(m.eager().unwrap())),
    );
}
