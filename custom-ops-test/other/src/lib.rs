//! Declares `dup_op`, as `tensorswitch-custom-ops-fixture` does: a program linking both
//! crates gets `Error::CustomOpConflict` naming both at the first call of `dup_op`.

use tensorswitch::{custom_op, negative};

custom_op! {
    /// `-x` (the fixture crate's `dup_op` is `x`): which one would run is never decided.
    pub fn dup_op(x: &Tensor) -> Result<Tensor> {
        negative(x)
    }
}
