//! The shared conformance suite (tests/conformance/ at the workspace root) on the torch
//! backend, with every call also compared against the ndarray backend.
//!
//! `cargo test -p tensorswitch-tch --test conformance -- --nocapture` prints per-group counts.

use tensorswitch_ndarray as _; // the cross-check's reference
use tensorswitch_tch as _; // links the backend

#[path = "../../../tests/conformance/mod.rs"]
mod conformance;

conformance::conformance_suite!("torch", cross_check = "ndarray");
