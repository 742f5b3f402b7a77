//! The conformance suite (the `tensorswitch-conformance` crate, conformance/ at the workspace
//! root) on the ndarray backend, with its own ops and with every compositional fallback.
//!
//! `cargo test -p tensorswitch-ndarray --test conformance -- --nocapture` prints per-group
//! counts.

use tensorswitch_ndarray as _; // links the backend

tensorswitch_conformance::suite!("ndarray");
