//! Linear algebra: `matmul`, `matrix_transpose`, `vecdot`, `tensordot`, `linalg.inv`,
//! `linalg.det`.

use super::dispatch::{call, cast, check_shape, promote, require};
use super::manip::reshape_usize;
use super::shape::{broadcast_shapes, norm_axis};
use crate::call::{AxisAttr, TensordotAxes};
use crate::catalogue::{BinaryFn, Op, Slots, TensordotFn, UnaryFn, VecdotFn};
use crate::error::{Error, Result};
use crate::state::{self, TableGuard};
use crate::tensor::{Shape, Tensor};
use std::borrow::Cow;

pub(crate) fn run_matmul(
    op: Op,
    pick: fn(&Slots) -> Option<BinaryFn>,
    a: &Tensor,
    b: &Tensor,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[a, b])?;
    let dtype = promote(op, a.dtype(), b.dtype())?;
    require(op, dtype, dtype.is_numeric(), "a numeric dtype (not bool)")?;
    if a.ndim() == 0 || b.ndim() == 0 {
        return Err(Error::ShapeMismatch {
            op: op.name(),
            lhs: a.shape().to_vec(),
            rhs: b.shape().to_vec(),
            reason: "matmul needs at least 1 dimension in each operand".into(),
        });
    }
    table.check_dtype(op, dtype)?;
    let _guard = TableGuard::new(table);
    let a_vec = a.ndim() == 1;
    let b_vec = b.ndim() == 1;
    let a2 = if a_vec {
        Cow::Owned(reshape_usize(a, &[1, a.shape()[0]])?)
    } else {
        Cow::Borrowed(a)
    };
    let b2 = if b_vec {
        Cow::Owned(reshape_usize(b, &[b.shape()[0], 1])?)
    } else {
        Cow::Borrowed(b)
    };
    let (sa, sb) = (a2.shape(), b2.shape());
    let k = sa[sa.len() - 1];
    if k != sb[sb.len() - 2] {
        return Err(Error::ShapeMismatch {
            op: op.name(),
            lhs: a.shape().to_vec(),
            rhs: b.shape().to_vec(),
            reason: format!(
                "the last dimension of the first ({k}) must equal the second-to-last of the second ({})",
                sb[sb.len() - 2]
            ),
        });
    }
    let batch = broadcast_shapes(op.name(), &sa[..sa.len() - 2], &sb[..sb.len() - 2])?;
    let mut full_shape = batch.clone();
    full_shape.push(sa[sa.len() - 2]);
    full_shape.push(sb[sb.len() - 1]);
    check_shape(table, op, &full_shape, dtype)?;
    let a2 = cast(table, &a2, dtype)?;
    let b2 = cast(table, &b2, dtype)?;
    let out = call(table, op, pick(&table.slots), |f| f(&a2, &b2))?;
    if !a_vec && !b_vec {
        return Ok(out);
    }
    let mut shape: Shape = batch;
    if !a_vec {
        shape.push(sa[sa.len() - 2]);
    }
    if !b_vec {
        shape.push(sb[sb.len() - 1]);
    }
    reshape_usize(&out, &shape)
}

pub(crate) fn run_matrix_transpose(
    op: Op,
    pick: fn(&Slots) -> Option<UnaryFn>,
    x: &Tensor,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x])?;
    if x.ndim() < 2 {
        return Err(Error::InvalidShape {
            op: op.name(),
            reason: format!("needs at least 2 dimensions, got shape {:?}", x.shape()),
        });
    }
    table.check_dtype(op, x.dtype())?;
    call(table, op, pick(&table.slots), |f| f(x))
}

pub(crate) fn run_vecdot(
    op: Op,
    pick: fn(&Slots) -> Option<VecdotFn>,
    a: &Tensor,
    b: &Tensor,
    attrs: &AxisAttr,
) -> Result<Tensor> {
    let axis = attrs.axis.required(op.name())?;
    let table = state::resolve(op.name(), &[a, b])?;
    let dtype = promote(op, a.dtype(), b.dtype())?;
    require(op, dtype, dtype.is_numeric(), "a numeric dtype (not bool)")?;
    let shape = broadcast_shapes(op.name(), a.shape(), b.shape())?;
    check_shape(table, op, &shape, dtype)?;
    let ax = norm_axis(op.name(), axis, shape.len())?;
    let size_in = |s: &[usize]| -> Option<usize> {
        let offset = shape.len() - s.len();
        ax.checked_sub(offset).map(|i| s[i])
    };
    if size_in(a.shape()) != size_in(b.shape()) {
        return Err(Error::ShapeMismatch {
            op: op.name(),
            lhs: a.shape().to_vec(),
            rhs: b.shape().to_vec(),
            reason: format!("axis {axis} must have the same size in both (it does not broadcast)"),
        });
    }
    table.check_dtype(op, dtype)?;
    let a = cast(table, a, dtype)?;
    let b = cast(table, b, dtype)?;
    call(table, op, pick(&table.slots), |f| f(&a, &b, ax))
}

pub(crate) fn run_tensordot(
    op: Op,
    pick: fn(&Slots) -> Option<TensordotFn>,
    a: &Tensor,
    b: &Tensor,
    axes: &TensordotAxes,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[a, b])?;
    let dtype = promote(op, a.dtype(), b.dtype())?;
    require(op, dtype, dtype.is_numeric(), "a numeric dtype (not bool)")?;
    let (xa, xb): (Vec<usize>, Vec<usize>) = match axes {
        TensordotAxes::Count(n) => {
            let n = *n;
            if n > a.ndim() || n > b.ndim() {
                return Err(Error::InvalidArgument {
                    op: op.name(),
                    reason: format!(
                        "cannot contract {n} axes of tensors with {} and {} dimensions",
                        a.ndim(),
                        b.ndim()
                    ),
                });
            }
            ((a.ndim() - n..a.ndim()).collect(), (0..n).collect())
        }
        TensordotAxes::Pairs(pa, pb) => {
            if pa.len() != pb.len() {
                return Err(Error::InvalidArgument {
                    op: op.name(),
                    reason: format!(
                        "the axis lists must have the same length; got {} and {}",
                        pa.len(),
                        pb.len()
                    ),
                });
            }
            let xa = pa
                .iter()
                .map(|&i| norm_axis(op.name(), i, a.ndim()))
                .collect::<Result<Vec<_>>>()?;
            let xb = pb
                .iter()
                .map(|&i| norm_axis(op.name(), i, b.ndim()))
                .collect::<Result<Vec<_>>>()?;
            for (list, n) in [(&xa, a.ndim()), (&xb, b.ndim())] {
                let mut seen = vec![false; n];
                for &i in list.iter() {
                    if std::mem::replace(&mut seen[i], true) {
                        return Err(Error::InvalidArgument {
                            op: op.name(),
                            reason: format!("axis {i} is listed twice"),
                        });
                    }
                }
            }
            (xa, xb)
        }
    };
    for (&i, &j) in xa.iter().zip(&xb) {
        if a.shape()[i] != b.shape()[j] {
            return Err(Error::ShapeMismatch {
                op: op.name(),
                lhs: a.shape().to_vec(),
                rhs: b.shape().to_vec(),
                reason: format!(
                    "axis {i} of the first (size {}) and axis {j} of the second (size {}) differ",
                    a.shape()[i],
                    b.shape()[j]
                ),
            });
        }
    }
    let free = |t: &Tensor, axes: &[usize]| -> Vec<usize> {
        (0..t.ndim())
            .filter(|i| !axes.contains(i))
            .map(|i| t.shape()[i])
            .collect()
    };
    let mut out_shape = free(a, &xa);
    out_shape.extend(free(b, &xb));
    check_shape(table, op, &out_shape, dtype)?;
    table.check_dtype(op, dtype)?;
    let a = cast(table, a, dtype)?;
    let b = cast(table, b, dtype)?;
    call(table, op, pick(&table.slots), |f| f(&a, &b, &xa, &xb))
}

fn square_matrices(op: Op, x: &Tensor) -> Result<()> {
    let s = x.shape();
    if s.len() < 2 || s[s.len() - 1] != s[s.len() - 2] {
        return Err(Error::InvalidShape {
            op: op.name(),
            reason: format!("needs a stack of square matrices (…, n, n), got shape {s:?}"),
        });
    }
    Ok(())
}

pub(crate) fn run_square_matrix(
    op: Op,
    pick: fn(&Slots) -> Option<UnaryFn>,
    x: &Tensor,
) -> Result<Tensor> {
    square_matrices(op, x)?;
    let table = state::resolve(op.name(), &[x])?;
    let dtype = x.dtype().to_float();
    table.check_dtype(op, dtype)?;
    let x = cast(table, x, dtype)?;
    call(table, op, pick(&table.slots), |f| f(&x))
}
