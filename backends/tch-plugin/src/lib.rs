//! The torch backend as a plugin: a `cdylib` (`libtensorswitch_torch.so`) that a program built
//! without tch or libtorch loads at run time, on its first `set_backend("torch")` (see
//! `tensorswitch::plugin`). Everything is in `tensorswitch-tch`; this crate only exports its
//! registrations through the plugin entry point.

use tensorswitch_tch as _;

tensorswitch::export_plugin!(tensorswitch_tch::TORCH);
