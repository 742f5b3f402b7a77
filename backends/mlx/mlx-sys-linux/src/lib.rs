//! Bindings to mlx-c 0.7.0, built on Linux against a prebuilt MLX (see build.rs). The same
//! items as crates.io's `mlx-sys` 0.7.0, which this crate replaces through `[patch.crates-io]`.
#![allow(non_upper_case_globals)]
#![allow(non_camel_case_types)]
#![allow(non_snake_case)]
#![allow(clippy::all)]

include!(concat!(env!("OUT_DIR"), "/bindings.rs"));

/// mlx-rs seeds its default random state with macOS's `mach_approximate_time` (declared by the
/// `mach-sys` crate), which Linux lacks. Any monotonically increasing count of nanoseconds
/// serves as a seed.
#[cfg(not(target_vendor = "apple"))]
#[no_mangle]
pub extern "C" fn mach_approximate_time() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}
