//! The MLX library folder (from the patched mlx-sys build) in the plugin's rpath, so a program
//! that loads the plugin finds libmlx without `LD_LIBRARY_PATH`.
fn main() {
    println!("cargo:rerun-if-env-changed=DEP_MLX_LIBDIR");
    if let Ok(lib) = std::env::var("DEP_MLX_LIBDIR") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{lib}");
    }
}
