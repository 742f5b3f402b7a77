//! Linear algebra.

use crate::{input_tensor, wrap, wrap_view, KINDS, KIT};
use tensorswitch::kit::OrBackendError;
use tensorswitch::{Error, Result, Tensor};

/// The core hands over operands with at least 2 dimensions and batch dimensions that
/// broadcast; libtorch's matmul does the rest (integers included, wrapping).
pub(crate) fn matmul(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    const OP: &str = "matmul";
    let out = input_tensor(OP, a)?
        .f_matmul(input_tensor(OP, b)?)
        .or_backend(&KIT, OP)?;
    wrap(OP, out, a.device())
}

/// A view with the last two dimensions swapped.
pub(crate) fn matrix_transpose(x: &Tensor) -> Result<Tensor> {
    const OP: &str = "matrix_transpose";
    let out = input_tensor(OP, x)?
        .f_transpose(-2, -1)
        .or_backend(&KIT, OP)?;
    wrap_view(OP, out, x)
}

/// `vecdot` from libtorch 1.13 on, which added `torch.linalg.vecdot`: that kernel for floats.
/// It refuses integers, which are multiplied and summed as before 1.13.
pub(crate) fn vecdot_linalg(a: &Tensor, b: &Tensor, axis: usize) -> Result<Tensor> {
    const OP: &str = "vecdot";
    if !a.dtype().is_float() {
        return vecdot_mul_sum(a, b, axis);
    }
    let out = tch::Tensor::f_linalg_vecdot(
        input_tensor(OP, a)?,
        input_tensor(OP, b)?,
        dim_from_end(a, b, axis),
    )
    .or_backend(&KIT, OP)?;
    wrap(OP, out, a.device())
}

/// `vecdot` up to libtorch 1.12 (no `linalg.vecdot`): `sum(a * b, axis)`, summed in the
/// inputs' dtype (integers wrap, as they would in a wider sum converted back).
pub(crate) fn vecdot_mul_sum(a: &Tensor, b: &Tensor, axis: usize) -> Result<Tensor> {
    const OP: &str = "vecdot";
    let kind = KINDS.framework(&KIT, OP, a.dtype())?;
    let dim = [dim_from_end(a, b, axis)];
    let out = input_tensor(OP, a)?
        .f_mul(input_tensor(OP, b)?)
        .and_then(|p| p.f_sum_dim_intlist(dim.as_slice(), false, kind))
        .or_backend(&KIT, OP)?;
    wrap(OP, out, a.device())
}

/// `axis` counts in the broadcast shape; counted from the end it means the same dimension of
/// both operands.
fn dim_from_end(a: &Tensor, b: &Tensor, axis: usize) -> i64 {
    axis as i64 - a.ndim().max(b.ndim()) as i64
}

pub(crate) fn tensordot(
    a: &Tensor,
    b: &Tensor,
    axes_a: &[usize],
    axes_b: &[usize],
) -> Result<Tensor> {
    const OP: &str = "tensordot";
    let out = input_tensor(OP, a)?
        .f_tensordot(
            input_tensor(OP, b)?,
            KIT.sizes_as::<i64>(OP, axes_a)?,
            KIT.sizes_as::<i64>(OP, axes_b)?,
        )
        .or_backend(&KIT, OP)?;
    wrap(OP, out, a.device())
}

/// A singular matrix is an `InvalidArgument` error (libtorch's message says which pivot is 0).
pub(crate) fn inv(x: &Tensor) -> Result<Tensor> {
    const OP: &str = "linalg.inv";
    let out = tch::Tensor::f_linalg_inv(input_tensor(OP, x)?)
        .or_backend(&KIT, OP)
        .map_err(|e| match e {
            Error::Backend { message, .. } if message.contains("singular") => {
                Error::InvalidArgument {
                    op: OP,
                    reason: message,
                }
            }
            e => e,
        })?;
    wrap(OP, out, x.device())
}

pub(crate) fn det(x: &Tensor) -> Result<Tensor> {
    const OP: &str = "linalg.det";
    let out = tch::Tensor::f_linalg_det(input_tensor(OP, x)?).or_backend(&KIT, OP)?;
    wrap(OP, out, x.device())
}
