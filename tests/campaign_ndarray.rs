//! The robustness campaign (tests/robustness/) on the ndarray backend: no panic, no abort, no
//! wrong shape for adversarial calls of every public op.
//!
//! `TENSORSWITCH_FUZZ_CASES=100000 cargo test --release --test campaign_ndarray -- --nocapture`

use tensorswitch_ndarray as _; // links the backend

mod robustness;

robustness::robustness_suite!("ndarray");
