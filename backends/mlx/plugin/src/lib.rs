//! The MLX backend as a plugin: a `cdylib` (`libtensorswitch_mlx.so`) that a program built
//! without MLX loads at run time, on its first `set_backend("mlx")` (see `tensorswitch::plugin`).
//! Everything is in `tensorswitch-mlx` (the dependency `backend` here, renamed because this
//! library takes its file name); this crate only exports its registrations through the plugin
//! entry point.

use backend as _;

tensorswitch::export_plugin!(backend::MLX);

/// How many evaluations the plugin's MLX backend asked for (`tensorswitch_mlx::evaluations`
/// of the plugin's copy), for tests that check `tensorswitch::evaluate` reaches it.
#[no_mangle]
pub extern "C" fn tensorswitch_mlx_plugin_evaluations() -> u64 {
    backend::evaluations()
}
