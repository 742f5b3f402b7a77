//! The conformance suite (the `tensorswitch-conformance` crate, conformance/ at the workspace
//! root) on the mlx backend, with its own ops and with every compositional fallback, and with
//! every call also compared against the ndarray backend.
//!
//! `cargo test --test conformance -- --nocapture` prints per-group counts.

use tensorswitch_mlx as _; // links the backend
use tensorswitch_ndarray as _; // the cross-check's reference

tensorswitch_conformance::suite!("mlx", cross_check = "ndarray");
