//! The conformance suite (the `tensorswitch-conformance` crate, conformance/ at the workspace
//! root) on the torch backend, with its own ops and with every compositional fallback, and
//! with every call also compared against the ndarray backend.
//!
//! `cargo test -p tensorswitch-tch --test conformance -- --nocapture` prints per-group counts.

use tensorswitch_ndarray as _; // the cross-check's reference
use tensorswitch_tch as _; // links the backend

tensorswitch_conformance::suite!("torch", cross_check = "ndarray");
