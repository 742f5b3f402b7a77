//! Builds mlx-c 0.7.0 against a prebuilt MLX and generates its bindings, replacing crates.io
//! mlx-sys 0.7.0's build script (which clones MLX from GitHub and links Apple frameworks).
//!
//! Inputs (all printed by `scripts/setup-mlx.sh`):
//!
//! * `MLX_DIR`: the `mlx/` folder of PyPI's `mlx-cpu==0.32.2` wheel (`lib/libmlx.so`,
//!   `include/`, `share/cmake/MLX`);
//! * `MLX_SYS_SRC`: the unpacked crates.io `mlx-sys` 0.7.0 crate, whose `src/mlx-c` holds the
//!   mlx-c sources. Without it the cargo registry is searched for `mlx-sys-0.7.0`;
//!
//! Which BLAS libmlx.so uses is decided by the files next to it (setup-mlx.sh links Debian's
//! OpenBLAS there), not here: nothing in a Rust binary calls BLAS, so a link line could only
//! keep OpenBLAS with the unstable `-as-needed` modifier.
//!
//! Outputs: the static `libmlxc.a` and bindings in `OUT_DIR`, link lines for `mlxc`, `mlx`
//! and the C++ runtime, and `DEP_MLX_LIBDIR` / `DEP_MLX_VERSION` for direct dependents.

use std::env;
use std::path::{Path, PathBuf};

const MLX_SYS_VERSION: &str = "0.7.0";

fn main() {
    for var in ["MLX_DIR", "MLX_SYS_SRC", "CARGO_HOME"] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    println!("cargo:rerun-if-changed=include");

    let mlx_dir = PathBuf::from(env::var_os("MLX_DIR").unwrap_or_else(|| {
        fail("MLX_DIR is not set: run `eval \"$(bash scripts/setup-mlx.sh)\"` first")
    }));
    let cmake_dir = mlx_dir.join("share/cmake/MLX");
    if !mlx_dir.join("lib/libmlx.so").exists() || !cmake_dir.exists() {
        fail(&format!(
            "MLX_DIR={} holds no lib/libmlx.so and share/cmake/MLX (the mlx/ folder of the \
             mlx-cpu wheel)",
            mlx_dir.display()
        ));
    }
    let mlx_c = mlx_sys_source().join("src/mlx-c");
    let shims = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("include");
    let force = |h: &str| format!("-include {}", shims.join(h).display());

    // mlx-c as a static library (it is a thin C wrapper; libmlx.so stays shared).
    let dst = cmake::Config::new(&mlx_c)
        .define("MLX_C_USE_SYSTEM_MLX", "ON")
        .define("MLX_DIR", &cmake_dir)
        .define("MLX_C_BUILD_EXAMPLES", "OFF")
        .define("BUILD_SHARED_LIBS", "OFF")
        // Debug builds of the wrapper gain nothing and the C++ is slow to compile unoptimised.
        .profile("Release")
        .cxxflag(force("compat_format.h"))
        .cxxflag(force("half_x86.h"))
        .build();
    let libdir = ["lib", "lib64"]
        .iter()
        .map(|d| dst.join(d))
        .find(|d| d.join("libmlxc.a").exists())
        .unwrap_or_else(|| fail(&format!("no libmlxc.a under {}", dst.display())));

    println!("cargo:rustc-link-search=native={}", libdir.display());
    println!("cargo:rustc-link-lib=static=mlxc");
    let mlx_lib = mlx_dir.join("lib");
    println!("cargo:rustc-link-search=native={}", mlx_lib.display());
    println!("cargo:rustc-link-lib=dylib=mlx");
    println!("cargo:rustc-link-lib=dylib=stdc++");
    // Dependents add it to their rpath (DEP_MLX_LIBDIR); this crate's own tests too.
    println!("cargo:libdir={}", mlx_lib.display());
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", mlx_lib.display());
    println!("cargo:include={}", mlx_c.display());
    println!(
        "cargo:version={}",
        mlx_version(&mlx_dir).unwrap_or_default()
    );

    // Bindings: every public mlx-c header, as mlx-sys's own bindgen configuration does.
    let mut headers: Vec<PathBuf> = std::fs::read_dir(mlx_c.join("mlx/c"))
        .unwrap_or_else(|e| fail(&format!("reading {}: {e}", mlx_c.display())))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "h"))
        .collect();
    headers.sort();
    let mut builder = bindgen::Builder::default()
        .rust_target("1.73.0".parse().expect("rust target"))
        .clang_arg(format!("-I{}", mlx_c.display()))
        .clang_arg("-include")
        .clang_arg(shims.join("half_x86.h").display().to_string())
        // As mlx-sys: bindgen's `c_ulong` sizes trip rustc's suspicious-symbol lint.
        .blocklist_function("malloc")
        .blocklist_function("realloc")
        .parse_callbacks(Box::new(bindgen::CargoCallbacks::new()));
    for h in &headers {
        builder = builder.header(h.display().to_string());
    }
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    builder
        .generate()
        .unwrap_or_else(|e| fail(&format!("bindgen failed: {e}")))
        .write_to_file(out.join("bindings.rs"))
        .unwrap_or_else(|e| fail(&format!("writing the bindings: {e}")));
}

fn fail(msg: &str) -> ! {
    eprintln!("mlx-sys (tensorswitch Linux build): {msg}");
    std::process::exit(1);
}

/// The crates.io mlx-sys 0.7.0 sources: `MLX_SYS_SRC`, else the cargo registry (where
/// `cargo fetch` of a package depending on it, as setup-mlx.sh does, unpacks it).
fn mlx_sys_source() -> PathBuf {
    if let Some(p) = env::var_os("MLX_SYS_SRC").map(PathBuf::from) {
        if p.join("src/mlx-c/mlx/c/mlx.h").exists() {
            return p;
        }
        fail(&format!(
            "MLX_SYS_SRC={} is not the mlx-sys {MLX_SYS_VERSION} crate",
            p.display()
        ));
    }
    let cargo_home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")));
    let found = cargo_home.and_then(|home| {
        std::fs::read_dir(home.join("registry/src"))
            .ok()?
            .filter_map(|e| e.ok())
            .map(|e| e.path().join(format!("mlx-sys-{MLX_SYS_VERSION}")))
            .find(|p| p.join("src/mlx-c/mlx/c/mlx.h").exists())
    });
    found.unwrap_or_else(|| {
        fail(&format!(
            "the mlx-sys {MLX_SYS_VERSION} sources were not found: set MLX_SYS_SRC (run \
             `eval \"$(bash scripts/setup-mlx.sh)\"`, which fetches them)"
        ))
    })
}

/// `major.minor.patch` from the wheel's `mlx/version.h`.
fn mlx_version(mlx_dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(mlx_dir.join("include/mlx/version.h")).ok()?;
    let num = |name: &str| -> Option<u32> {
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
        num("MLX_VERSION_MAJOR ")?,
        num("MLX_VERSION_MINOR ")?,
        num("MLX_VERSION_PATCH ")?
    ))
}
