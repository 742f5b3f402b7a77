//! Passes on what the (patched) mlx-sys build found: the MLX library folder, added to the
//! rpath of this crate's tests, examples and benches so they run without `LD_LIBRARY_PATH`,
//! and the MLX version the crate was built against.
fn main() {
    println!("cargo:rerun-if-env-changed=DEP_MLX_LIBDIR");
    println!("cargo:rerun-if-env-changed=DEP_MLX_VERSION");
    if let Ok(lib) = std::env::var("DEP_MLX_LIBDIR") {
        println!("cargo:rustc-env=TENSORSWITCH_MLX_LIB={lib}");
        println!("cargo:rustc-link-arg=-Wl,-rpath,{lib}");
    }
    let version = std::env::var("DEP_MLX_VERSION").unwrap_or_default();
    println!("cargo:rustc-env=TENSORSWITCH_MLX_VERSION={version}");
}
