//! The linalg extension's decompositions through tensorswitch's mlx backend against the same
//! mlx-rs calls made directly, evaluated, paired (see benches/support/paired.rs).
//!
//! ```sh
//! eval "$(bash scripts/setup-mlx.sh)"
//! OPENBLAS_NUM_THREADS=1 CARGO_TARGET_DIR=target/mlx \
//!     cargo bench --manifest-path backends/mlx/Cargo.toml --bench linalg
//! ```
//!
//! Target (issue 12): within 1.05x of the direct call, for `svd` (full matrices, which is
//! what MLX computes) and `eigh` of float32 matrices.

use mlx_rs::Array;
use std::hint::black_box;
use tensorswitch::linalg;
use tensorswitch::{self as ts, Tensor};
use tensorswitch_mlx as _;

#[path = "../../../benches/support/paired.rs"]
mod support;

fn main() {
    ts::set_backend("mlx").unwrap();
    for n in [16usize, 64, 128] {
        let values: Vec<f32> = (0..n * n)
            .map(|i| ((i * 7919 % 1000) as f32) / 500.0 - 1.0)
            .collect();
        let mut sym_values = values.clone();
        for i in 0..n {
            for j in 0..n {
                sym_values[i * n + j] = values[i * n + j] + values[j * n + i];
            }
        }
        let a = Array::from_slice(&values, &[n as i32, n as i32]);
        let s = Array::from_slice(&sym_values, &[n as i32, n as i32]);
        let x = Tensor::from_slice(&values, &[n, n]).unwrap();
        let sym = Tensor::from_slice(&sym_values, &[n, n]).unwrap();
        ts::evaluate(&x).unwrap();
        ts::evaluate(&sym).unwrap();
        let (rounds, batch) = if n <= 16 { (300, 20) } else { (60, 3) };
        support::paired(
            &format!("linalg.svd {n}x{n} f32 (full), tensorswitch / mlx-rs"),
            rounds,
            batch,
            || {
                let (u, s, vt) = mlx_rs::linalg::svd(black_box(&a)).unwrap();
                mlx_rs::transforms::eval([&u, &s, &vt]).unwrap();
            },
            || {
                let r = linalg::svd(black_box(&x), true).unwrap();
                for t in [&r.u, &r.s, &r.vh] {
                    ts::evaluate(t).unwrap();
                }
            },
        );
        support::paired(
            &format!("linalg.eigh {n}x{n} f32, tensorswitch / mlx-rs"),
            rounds,
            batch,
            || {
                let (w, v) = mlx_rs::linalg::eigh(black_box(&s), Some("L")).unwrap();
                mlx_rs::transforms::eval([&w, &v]).unwrap();
            },
            || {
                let r = linalg::eigh(black_box(&sym)).unwrap();
                ts::evaluate(&r.eigenvalues).unwrap();
                ts::evaluate(&r.eigenvectors).unwrap();
            },
        );
    }
    ts::unset_backend();
}
