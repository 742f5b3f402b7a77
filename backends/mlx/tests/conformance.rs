//! The shared conformance suite (tests/conformance/ at the workspace root) on the mlx backend,
//! with every call also compared against the ndarray backend.
//!
//! `cargo test --test conformance -- --nocapture` prints per-group counts.

use tensorswitch_mlx as _; // links the backend
use tensorswitch_ndarray as _; // the cross-check's reference

#[path = "../../../tests/conformance/mod.rs"]
mod conformance;

conformance::conformance_suite!("mlx", cross_check = "ndarray");
