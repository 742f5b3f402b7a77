//! The linalg extension's decompositions through tensorswitch's torch backend against the
//! same libtorch calls made with tch directly, paired (see benches/support/paired.rs).
//!
//! `cargo bench -p tensorswitch-tch --bench linalg` (with the libtorch environment). Target
//! (issue 12): within 1.05x of the direct call. The direct side is what the primary calls:
//! `torch.svd` (the primary also transposes `v` into a contiguous `vh`), `torch.linalg.qr`,
//! `torch.linalg.eigh`, all on the same float32 matrices, single-threaded.

use std::hint::black_box;
use tensorswitch::linalg::{self, QrMode};
use tensorswitch::{self as ts, Tensor};
use tensorswitch_tch as _;

#[path = "../../../benches/support/paired.rs"]
mod support;

fn main() {
    tch::set_num_threads(1);
    ts::set_backend("torch").unwrap();
    for n in [16usize, 64, 128] {
        let values: Vec<f32> = (0..n * n)
            .map(|i| ((i * 7919 % 1000) as f32) / 500.0 - 1.0)
            .collect();
        let x = Tensor::from_slice(&values, &[n, n]).unwrap();
        let direct = tensorswitch_tch::to_tch(&x).unwrap();
        let sym = ts::add(&x, &ts::matrix_transpose(&x).unwrap()).unwrap();
        let direct_sym = tensorswitch_tch::to_tch(&sym).unwrap();
        let (rounds, batch) = if n <= 16 { (400, 20) } else { (60, 3) };
        support::paired(
            &format!("linalg.svd {n}x{n} f32 (reduced), tensorswitch / tch"),
            rounds,
            batch,
            || drop(black_box(direct.f_svd(true, true).unwrap())),
            || drop(black_box(linalg::svd(black_box(&x), false).unwrap())),
        );
        support::paired(
            &format!("linalg.qr {n}x{n} f32 (reduced), tensorswitch / tch"),
            rounds,
            batch,
            || {
                drop(black_box(
                    tch::Tensor::f_linalg_qr(&direct, "reduced").unwrap(),
                ))
            },
            || {
                drop(black_box(
                    linalg::qr(black_box(&x), QrMode::Reduced).unwrap(),
                ))
            },
        );
        support::paired(
            &format!("linalg.eigh {n}x{n} f32, tensorswitch / tch"),
            rounds,
            batch,
            || drop(black_box(direct_sym.f_linalg_eigh("L").unwrap())),
            || drop(black_box(linalg::eigh(black_box(&sym)).unwrap())),
        );
    }
    ts::unset_backend();
}
