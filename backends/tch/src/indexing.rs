//! Indexing and searching on libtorch: `index_select` (take), `gather` (take_along_axis),
//! `slice` and `flip` (strided_slice), `nonzero` (argwhere), `searchsorted`, and `index_put`
//! without and with accumulation (put, put_add). The core passes int64 indices already checked
//! against their dimension, so libtorch never sees one it would refuse or wrap.

use crate::{input_tensor, wrap_like, wrap_view, KIT};
use tensorswitch::kit::OrBackendError;
use tensorswitch::{AxisSlice, DType, Result, Tensor};

pub(crate) fn take(x: &Tensor, indices: &Tensor, axis: usize) -> Result<Tensor> {
    const OP: &str = "take";
    let out = input_tensor(OP, x)?
        .f_index_select(KIT.size_as::<i64>(OP, axis)?, input_tensor(OP, indices)?)
        .or_backend(&KIT, OP)?;
    crate::wrap(OP, out, x.device())
}

pub(crate) fn take_along_axis(x: &Tensor, indices: &Tensor, axis: usize) -> Result<Tensor> {
    const OP: &str = "take_along_axis";
    let out = input_tensor(OP, x)?
        .f_gather(
            KIT.size_as::<i64>(OP, axis)?,
            input_tensor(OP, indices)?,
            false,
        )
        .or_backend(&KIT, OP)?;
    crate::wrap(OP, out, x.device())
}

/// libtorch's `slice` takes positive steps only: each dimension is sliced over the span it
/// keeps, and those with a negative step are flipped afterwards (a copy; without one the
/// result is a view of the input).
pub(crate) fn strided_slice(x: &Tensor, slices: &[AxisSlice]) -> Result<Tensor> {
    const OP: &str = "strided_slice";
    let mut out = input_tensor(OP, x)?.shallow_clone();
    let mut flipped = Vec::new();
    for (d, s) in slices.iter().enumerate() {
        let (lo, hi, step) = s.span();
        let dim = KIT.size_as::<i64>(OP, d)?;
        out = out
            .f_slice(
                dim,
                KIT.size_as::<i64>(OP, lo)?,
                KIT.size_as::<i64>(OP, hi)?,
                KIT.size_as::<i64>(OP, step)?,
            )
            .or_backend(&KIT, OP)?;
        if s.step < 0 {
            flipped.push(dim);
        }
    }
    if flipped.is_empty() {
        return wrap_view(OP, out, x);
    }
    let out = out.f_flip(&flipped).or_backend(&KIT, OP)?;
    crate::wrap(OP, out, x.device())
}

pub(crate) fn argwhere(x: &Tensor) -> Result<Tensor> {
    const OP: &str = "argwhere";
    let out = input_tensor(OP, x)?.f_nonzero().or_backend(&KIT, OP)?;
    crate::wrap(OP, out, x.device())
}

pub(crate) fn searchsorted(x1: &Tensor, x2: &Tensor, right: bool) -> Result<Tensor> {
    const OP: &str = "searchsorted";
    let side = if right { "right" } else { "left" };
    let out = input_tensor(OP, x2)?
        .f_searchsorted(
            input_tensor(OP, x1)?,
            false,
            right,
            side,
            None::<tch::Tensor>,
        )
        .or_backend(&KIT, OP)?;
    Ok(wrap_like(out, DType::Int64, x2))
}

fn index_put(
    op: &'static str,
    x: &Tensor,
    indices: &Tensor,
    values: &Tensor,
    add: bool,
) -> Result<Tensor> {
    let out = input_tensor(op, x)?
        .f_index_put(
            &[Some(input_tensor(op, indices)?)],
            input_tensor(op, values)?,
            add,
        )
        .or_backend(&KIT, op)?;
    Ok(wrap_like(out, x.dtype(), x))
}

pub(crate) fn put(x: &Tensor, indices: &Tensor, values: &Tensor) -> Result<Tensor> {
    index_put("put", x, indices, values, false)
}

pub(crate) fn put_add(x: &Tensor, indices: &Tensor, values: &Tensor) -> Result<Tensor> {
    index_put("put_add", x, indices, values, true)
}
