//! Records the versions resolved in the workspace's Cargo.lock for every dependency of every
//! `tensorswitch*` package, so backends can report the version of the framework they were
//! built against (see `src/build_info.rs`). It names no backend and no framework: a new
//! backend's framework crate is recorded like the others. It also records the compiler's
//! version, which the plugin boundary compares (`TS_RUSTC_VERSION`).

use std::path::{Path, PathBuf};

fn find_lockfile() -> Option<PathBuf> {
    // OUT_DIR lives under the target directory, which normally sits in the workspace root; the
    // manifest directory covers builds with a target directory elsewhere.
    let mut starts = Vec::new();
    if let Some(out) = std::env::var_os("OUT_DIR") {
        starts.push(PathBuf::from(out));
    }
    if let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR") {
        starts.push(PathBuf::from(dir));
    }
    starts.iter().find_map(|start| {
        start
            .ancestors()
            .map(|dir| dir.join("Cargo.lock"))
            .find(|p| p.is_file())
    })
}

struct Package {
    name: String,
    version: String,
    dependencies: Vec<String>,
}

fn packages(lock: &Path) -> Vec<Package> {
    let Ok(text) = std::fs::read_to_string(lock) else {
        return Vec::new();
    };
    text.split("[[package]]")
        .filter_map(|block| {
            let field = |key: &str| {
                block.lines().find_map(|l| {
                    let (k, v) = l.split_once('=')?;
                    (k.trim() == key).then(|| v.trim().trim_matches('"').to_string())
                })
            };
            // `dependencies = [ "a", "b 1.2.3", ]` spans several lines.
            let dependencies = block
                .split_once("dependencies = [")
                .and_then(|(_, rest)| rest.split_once(']'))
                .map(|(list, _)| {
                    list.split(',')
                        .map(|d| d.trim().trim_matches('"').to_string())
                        .filter(|d| !d.is_empty())
                        .collect()
                })
                .unwrap_or_default();
            Some(Package {
                name: field("name")?,
                version: field("version")?,
                dependencies,
            })
        })
        .collect()
}

/// `(tensorswitch package, dependency, version)` for each dependency of a tensorswitch package.
/// A lockfile names a dependency as `name` when one version is locked and as `name version`
/// when several are (one backend's framework may pull in an older version of another's).
fn dependency_versions(lock: &Path) -> Vec<(String, String, String)> {
    let all = packages(lock);
    let mut out = Vec::new();
    for p in all.iter().filter(|p| p.name.starts_with("tensorswitch")) {
        for dep in &p.dependencies {
            let (name, version) = match dep.split_once(' ') {
                // `name version (source)` where two sources lock one name.
                Some((n, v)) => (n, v.split(' ').next().map(str::to_string)),
                None => (dep.as_str(), None),
            };
            let version = version.or_else(|| {
                all.iter()
                    .find(|q| q.name == name)
                    .map(|q| q.version.clone())
            });
            if let Some(v) = version {
                out.push((p.name.clone(), name.to_string(), v));
            }
        }
    }
    out
}

fn main() {
    let versions = match find_lockfile() {
        Some(lock) => {
            println!("cargo:rerun-if-changed={}", lock.display());
            dependency_versions(&lock)
        }
        None => Vec::new(),
    };
    let mut code = String::from(
        "/// `(package, dependency, version)` for each dependency of a tensorswitch package, from\n\
         /// the lockfile at build time.\n\
         pub const LOCKED_DEPENDENCY_VERSIONS: &[(&str, &str, &str)] = &[\n",
    );
    for (package, name, version) in versions {
        code.push_str(&format!("    ({package:?}, {name:?}, {version:?}),\n"));
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("dependency_versions.rs"), code).expect("OUT_DIR is writable");
    // The compiler, for the plugin boundary: a host shares tensor blocks only with a plugin
    // whose core the same compiler built (`plugin::serve::share_blocks`).
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let version = std::process::Command::new(rustc)
        .arg("-vV")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=TS_RUSTC_VERSION={version}");
    println!("cargo:rerun-if-changed=build.rs");
}
