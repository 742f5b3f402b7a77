//! Dependency versions known when tensorswitch was built.
//!
//! `build.rs` reads the `Cargo.lock` of the workspace being built and records the resolved
//! version of every dependency of every `tensorswitch*` package, the framework crates the
//! backends wrap among them. A backend whose framework is a Rust crate reports this version;
//! backends over native libraries can check it against what they load at run time.

include!(concat!(env!("OUT_DIR"), "/dependency_versions.rs"));

/// The version of crate `krate` that package `package` (a backend crate, such as
/// `"tensorswitch-ndarray"`) depends on, as resolved in the lockfile, if it said.
pub fn locked_version(package: &str, krate: &str) -> Option<&'static str> {
    LOCKED_DEPENDENCY_VERSIONS
        .iter()
        .find(|(p, name, _)| *p == package && *name == krate)
        .map(|(_, _, v)| *v)
}

#[cfg(test)]
mod tests {
    /// Every dependency of a tensorswitch package is recorded, whatever it is: the core's own
    /// `semver` as well as a backend's framework.
    #[test]
    fn every_dependency_of_a_tensorswitch_package_is_recorded() {
        let semver = super::locked_version("tensorswitch", "semver").expect("semver is locked");
        assert!(
            crate::version::parse_framework_version(semver).is_ok(),
            "{semver}"
        );
        assert_eq!(super::locked_version("tensorswitch", "no-such-crate"), None);
        assert_eq!(super::locked_version("no-such-package", "semver"), None);
    }
}
