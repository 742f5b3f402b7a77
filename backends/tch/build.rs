//! Finds the libtorch that torch-sys links against (torch-sys passes its lib folder to crates
//! that depend on it directly, as `DEP_TCH_LIBTORCH_LIB`) and
//!
//! * exports its version as `TENSORSWITCH_LIBTORCH_VERSION` and the folder as
//!   `TENSORSWITCH_LIBTORCH_LIB` (the backend reports the version and compares it with the
//!   libtorch loaded at run time);
//! * adds the folder to the rpath of this crate's own tests, benches and examples, so they run
//!   without `LD_LIBRARY_PATH`. Cargo applies link arguments of a library's build script to
//!   that package's targets only: programs of other crates need the rpath or
//!   `LD_LIBRARY_PATH` themselves (see the README).

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    let Some(lib) = std::env::var_os("DEP_TCH_LIBTORCH_LIB").map(PathBuf::from) else {
        // torch-sys did not say (a doc-only build): the backend reports "unknown".
        return;
    };
    println!(
        "cargo:rustc-env=TENSORSWITCH_LIBTORCH_LIB={}",
        lib.display()
    );
    let target = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target == "linux" || target == "macos" {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
    }
    let version = lib.parent().and_then(version_of).unwrap_or_default();
    println!("cargo:rustc-env=TENSORSWITCH_LIBTORCH_VERSION={version}");
    if let Some(root) = lib.parent() {
        for f in [
            "build-version",
            "version.py",
            "include/torch/headeronly/version.h",
        ] {
            println!("cargo:rerun-if-changed={}", root.join(f).display());
        }
    }
}

/// The version of the libtorch in `root` (the folder holding `lib/` and `include/`): the
/// libtorch archives ship `build-version` ("2.13.0+cpu"), the PyPI wheel `version.py`
/// (`__version__ = '2.13.0+cu130'`), and both the version header.
fn version_of(root: &Path) -> Option<String> {
    let read = |f: &str| std::fs::read_to_string(root.join(f)).ok();
    if let Some(v) = read("build-version") {
        let v = v.trim();
        if !v.is_empty() {
            return Some(v.to_string());
        }
    }
    if let Some(py) = read("version.py") {
        for line in py.lines() {
            if let Some(rest) = line.trim().strip_prefix("__version__") {
                let v = rest
                    .trim_start_matches([' ', '=', ':'])
                    .trim_matches([' ', '\'', '"']);
                if !v.is_empty() {
                    return Some(v.to_string());
                }
            }
        }
    }
    // Older libtorch releases keep the header under csrc/api.
    [
        "include/torch/headeronly/version.h",
        "include/torch/csrc/api/include/torch/version.h",
    ]
    .iter()
    .find_map(|h| {
        let text = read(h)?;
        let num = |name: &str| -> Option<u64> {
            text.lines().find_map(|l| {
                l.trim()
                    .strip_prefix("#define ")?
                    .strip_prefix(name)?
                    .trim()
                    .parse()
                    .ok()
            })
        };
        Some(format!(
            "{}.{}.{}",
            num("TORCH_VERSION_MAJOR")?,
            num("TORCH_VERSION_MINOR")?,
            num("TORCH_VERSION_PATCH")?
        ))
    })
}
