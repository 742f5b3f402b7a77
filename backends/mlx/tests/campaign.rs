//! The robustness campaign (tests/robustness/ at the workspace root) on the mlx backend: no
//! panic, no abort, no wrong shape for adversarial calls of every public op, each result's
//! shape and dtype also compared with the ndarray backend's.
//!
//! `TENSORSWITCH_FUZZ_CASES=100000 cargo test --release --test campaign -- --nocapture`

use tensorswitch_mlx as _; // links the backend
use tensorswitch_ndarray as _; // the reference

#[path = "../../../tests/robustness/mod.rs"]
mod robustness;

robustness::robustness_suite!("mlx");
