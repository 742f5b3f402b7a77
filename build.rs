//! Records the framework crate versions resolved in the workspace's Cargo.lock, so backends can
//! report the version they were built against (see `src/build_info.rs`).

use std::path::{Path, PathBuf};

/// Framework crates whose resolved versions backends may need.
const FRAMEWORKS: &[&str] = &["ndarray", "tch", "torch-sys", "mlx-rs", "mlx-sys"];

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

/// `(name, version)` of the `[[package]]` entries for the framework crates.
fn locked_versions(lock: &Path) -> Vec<(String, String)> {
    let Ok(text) = std::fs::read_to_string(lock) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for block in text.split("[[package]]") {
        let field = |key: &str| {
            block.lines().find_map(|l| {
                let (k, v) = l.split_once('=')?;
                (k.trim() == key).then(|| v.trim().trim_matches('"').to_string())
            })
        };
        if let (Some(name), Some(version)) = (field("name"), field("version")) {
            if FRAMEWORKS.contains(&name.as_str()) && !out.iter().any(|(n, _)| *n == name) {
                out.push((name, version));
            }
        }
    }
    out
}

fn main() {
    let versions = match find_lockfile() {
        Some(lock) => {
            println!("cargo:rerun-if-changed={}", lock.display());
            locked_versions(&lock)
        }
        None => Vec::new(),
    };
    let mut code = String::from(
        "/// `(crate, version)` for each framework crate in the lockfile at build time.\n\
         pub const LOCKED_FRAMEWORK_VERSIONS: &[(&str, &str)] = &[\n",
    );
    for (name, version) in versions {
        code.push_str(&format!("    ({name:?}, {version:?}),\n"));
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("framework_versions.rs"), code).expect("OUT_DIR is writable");
    println!("cargo:rerun-if-changed=build.rs");
}
