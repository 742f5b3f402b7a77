//! The conformance suite on the MLX backend loaded as a plugin: this test binary links the
//! core and the ndarray backend, not MLX. The suite's `with_backend("mlx")` finds
//! `libtensorswitch_mlx.so`, which cargo built next to the `deps/` folder this binary runs
//! from, and every call crosses the plugin boundary. Every call is also compared with the
//! ndarray backend.

use tensorswitch_ndarray as _; // the cross-check's reference

tensorswitch_conformance::suite!("mlx", cross_check = "ndarray");
