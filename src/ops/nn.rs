//! Validation and dispatch of the neural-network ops with their own kinds: `layer_norm`,
//! `one_hot`.

use super::dispatch::{call, cast, check_shape, require};
use super::manip::reshape_usize;
use crate::call::{LayerNorm, OneHot};
use crate::catalogue::{MatrixIntFn, Op, RtolFn, Slots};
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::state::{self, TableGuard};
use crate::tensor::Tensor;

/// `layer_norm`: `normalized_shape` must be the trailing dimensions of `x`; the slot
/// normalizes over the last dimension of `x` reshaped to `(..., prod(normalized_shape))`.
pub(crate) fn run_layer_norm(
    op: Op,
    pick: fn(&Slots) -> Option<RtolFn>,
    x: &Tensor,
    a: &LayerNorm,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x])?;
    let k = a.normalized_shape.len();
    if k == 0 || k > x.ndim() || x.shape()[x.ndim() - k..] != a.normalized_shape[..] {
        return Err(Error::InvalidShape {
            op: op.name(),
            reason: format!(
                "normalized_shape {:?} must be the trailing dimensions of the input, of shape {:?} (at least one)",
                &a.normalized_shape[..],
                x.shape()
            ),
        });
    }
    if !(a.eps >= 0.0 && a.eps.is_finite()) {
        return Err(Error::InvalidArgument {
            op: op.name(),
            reason: format!("eps must be a finite number >= 0, got {}", a.eps),
        });
    }
    let dtype = x.dtype().to_float();
    table.check_dtype(op, dtype)?;
    let x = cast(table, x, dtype)?;
    if x.size() == 0 {
        return Ok(x.into_owned());
    }
    let _guard = TableGuard::new(table);
    let inner: usize = a.normalized_shape.iter().product();
    let mut flat: Vec<usize> = x.shape()[..x.ndim() - k].to_vec();
    flat.push(inner);
    let x2 = reshape_usize(&x, &flat)?;
    let y = call(table, op, pick(&table.slots), |f| f(&x2, a.eps))?;
    reshape_usize(&y, x.shape())
}

/// `one_hot`: an integer input, cast to int64; the slot's bool result cast to the dtype.
pub(crate) fn run_one_hot(
    op: Op,
    pick: fn(&Slots) -> Option<MatrixIntFn>,
    x: &Tensor,
    a: &OneHot,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x])?;
    require(op, x.dtype(), x.dtype().is_integer(), "an integer dtype")?;
    let n = i64::try_from(a.num_classes).map_err(|_| Error::InvalidArgument {
        op: op.name(),
        reason: format!("num_classes ({}) must fit int64", a.num_classes),
    })?;
    let dtype = a.dtype.unwrap_or(DType::Int64);
    let mut shape = x.shape().to_vec();
    shape.push(a.num_classes);
    check_shape(table, op, &shape, dtype)?;
    table.check_dtype(op, DType::Int64)?;
    table.check_dtype(op, dtype)?;
    let x = cast(table, x, DType::Int64)?;
    let hot = call(table, op, pick(&table.slots), |f| f(&x, n))?;
    cast(table, &hot, dtype).map(|t| t.into_owned())
}
