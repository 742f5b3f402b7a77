//! Framework versions known when tensorswitch was built.
//!
//! `build.rs` reads the `Cargo.lock` of the workspace being built and records the resolved
//! version of each framework crate a backend wraps. A backend whose framework is a Rust crate
//! (ndarray) reports this version; backends over native libraries check it against what they
//! load at run time.

include!(concat!(env!("OUT_DIR"), "/framework_versions.rs"));

/// The version of framework crate `krate` that package `package` (a backend crate, e.g.
/// `"tensorswitch-ndarray"`) was resolved against, if the lockfile said.
pub fn locked_version(package: &str, krate: &str) -> Option<&'static str> {
    LOCKED_FRAMEWORK_VERSIONS
        .iter()
        .find(|(p, name, _)| *p == package && *name == krate)
        .map(|(_, _, v)| *v)
}
