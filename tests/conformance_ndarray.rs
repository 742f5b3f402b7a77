//! The shared conformance suite (tests/conformance/) on the ndarray backend.
//!
//! `cargo test --test conformance_ndarray`; add `-- --nocapture` for the per-group summaries.

use tensorswitch_ndarray as _; // links the backend

mod conformance;

conformance::conformance_suite!("ndarray");
