//! The robustness campaign (tests/robustness/ at the workspace root) on the torch backend (CPU): no
//! panic, no abort, no wrong shape for adversarial calls of every public op, each result's
//! shape and dtype also compared with the ndarray backend's.
//!
//! `TENSORSWITCH_FUZZ_CASES=100000 cargo test --release --test campaign -- --nocapture`

use tensorswitch_ndarray as _;
use tensorswitch_tch as _; // links the backend // the reference

#[path = "../../../tests/robustness/mod.rs"]
mod robustness;

robustness::robustness_suite!("torch");
