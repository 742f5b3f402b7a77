//! The conformance suite on the torch backend loaded as a plugin: this test binary links the
//! core and the ndarray backend, not tch or libtorch. `set_backend("torch")` (here: the suite's
//! `with_backend("torch")`) finds `libtensorswitch_torch.so`, which cargo built next to the
//! `deps/` folder this binary runs from, and every call crosses the plugin boundary.
//! Every call is also compared with the ndarray backend.

use tensorswitch_ndarray as _; // the cross-check's reference

tensorswitch_conformance::suite!("torch", cross_check = "ndarray");
