//! Framework versions known when tensorswitch was built.
//!
//! `build.rs` reads the `Cargo.lock` of the workspace being built and records the resolved
//! version of each framework crate a backend wraps. A backend whose framework is a Rust crate
//! (ndarray) reports this version; backends over native libraries check it against what they
//! load at run time.

include!(concat!(env!("OUT_DIR"), "/framework_versions.rs"));

/// The resolved version of a framework crate, if the lockfile named it.
pub fn locked_version(krate: &str) -> Option<&'static str> {
    LOCKED_FRAMEWORK_VERSIONS
        .iter()
        .find(|(name, _)| *name == krate)
        .map(|(_, v)| *v)
}
