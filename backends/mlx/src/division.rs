//! `floor_divide` and `remainder` (issue 12): Python's signs, and no division by 0 or `MIN / -1`
//! reaching MLX's C++ kernels (SIGFPE). The constructions are `kernels::floor_divide` and
//! `kernels::remainder`, which say how.

use crate::{input_array, kernels, lock, wrap, KIT};
use tensorswitch::kit::OrBackendError;
use tensorswitch::{Result, Tensor};

pub(crate) fn floor_divide(x: &Tensor, y: &Tensor) -> Result<Tensor> {
    const OP: &str = "floor_divide";
    let _g = lock();
    let (a, b) = (input_array(OP, x)?, input_array(OP, y)?);
    wrap(OP, kernels::floor_divide(a, b).or_backend(&KIT, OP)?)
}

pub(crate) fn remainder(x: &Tensor, y: &Tensor) -> Result<Tensor> {
    const OP: &str = "remainder";
    let _g = lock();
    let (a, b) = (input_array(OP, x)?, input_array(OP, y)?);
    wrap(OP, kernels::remainder(a, b).or_backend(&KIT, OP)?)
}
