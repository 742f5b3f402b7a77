//! Shape manipulation and casts: `reshape`, `permute_dims`, `expand_dims`, `squeeze`, `flip`,
//! `broadcast_to`, `concat`, `stack`, `astype`, `tril`, `triu`.

use super::dispatch::{call, cast, check_len, check_shape, promote};
use super::shape::{norm_axes, norm_axis, norm_axis_for_insert};
use crate::call::{AsType, AxesAttr, AxisAttr, BroadcastShape, Diagonal, MoveAxes, NewShape};
use crate::catalogue::{AxisFn, CastFn, DiagFn, JoinFn, Op, ShapeFn, Slots};
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::state::{self, TableGuard};
use crate::table::FunctionTable;
use crate::tensor::{Shape, Tensor};
use std::borrow::Cow;

/// `reshape` to non-negative sizes (used by other ops and fallbacks).
pub(crate) fn reshape_usize(x: &Tensor, shape: &[usize]) -> Result<Tensor> {
    reshape_to(Op::reshape, |s| s.reshape, x, shape)
}

/// Checks the element count, returns `x` itself for its own shape, else calls the slot.
fn reshape_to(
    op: Op,
    pick: fn(&Slots) -> Option<ShapeFn>,
    x: &Tensor,
    shape: &[usize],
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x])?;
    check_len(op, shape, x.size())?;
    if shape == x.shape() {
        return Ok(x.clone());
    }
    check_shape(table, op, shape, x.dtype())?;
    call(table, op, pick(&table.slots), |f| f(x, shape))
}

pub(crate) fn run_reshape(
    op: Op,
    pick: fn(&Slots) -> Option<ShapeFn>,
    x: &Tensor,
    a: &NewShape,
) -> Result<Tensor> {
    let shape: &[isize] = &a.shape;
    let mut inferred = None;
    let mut known = 1usize;
    for (i, &d) in shape.iter().enumerate() {
        match d {
            -1 if inferred.is_none() => inferred = Some(i),
            -1 => {
                return Err(Error::InvalidShape {
                    op: op.name(),
                    reason: format!("only one size may be -1, got {shape:?}"),
                })
            }
            d if d < 0 => {
                return Err(Error::InvalidShape {
                    op: op.name(),
                    reason: format!("sizes must be >= 0 or -1, got {shape:?}"),
                })
            }
            d => {
                known = known
                    .checked_mul(d as usize)
                    .ok_or_else(|| Error::InvalidShape {
                        op: op.name(),
                        reason: format!("the element count of {shape:?} overflows"),
                    })?
            }
        }
    }
    let mut out: Shape = shape.iter().map(|&d| d.max(0) as usize).collect();
    if let Some(i) = inferred {
        if known == 0 || x.size() % known != 0 {
            return Err(Error::InvalidShape {
                op: op.name(),
                reason: format!(
                    "cannot infer the -1 in {shape:?} for {} elements (shape {:?})",
                    x.size(),
                    x.shape()
                ),
            });
        }
        out[i] = x.size() / known;
    }
    reshape_to(op, pick, x, &out)
}

pub(crate) fn run_permute_dims(
    op: Op,
    pick: fn(&Slots) -> Option<ShapeFn>,
    x: &Tensor,
    a: &AxesAttr,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x])?;
    let reversed: Vec<isize>;
    let axes: &[isize] = match a.axes.as_list() {
        Some(list) => list,
        None => {
            reversed = (0..x.ndim() as isize).rev().collect();
            &reversed
        }
    };
    if axes.len() != x.ndim() {
        return Err(Error::InvalidArgument {
            op: op.name(),
            reason: format!("needs one axis per dimension ({}), got {axes:?}", x.ndim()),
        });
    }
    let mut seen = vec![false; x.ndim()];
    let mut perm: Shape = Shape::with_capacity(axes.len());
    for &a in axes {
        let a = norm_axis(op.name(), a, x.ndim())?;
        if std::mem::replace(&mut seen[a], true) {
            return Err(Error::InvalidArgument {
                op: op.name(),
                reason: format!("{axes:?} is not a permutation: axis {a} appears twice"),
            });
        }
        perm.push(a);
    }
    call(table, op, pick(&table.slots), |f| f(x, &perm))
}

pub(crate) fn run_moveaxis(
    op: Op,
    pick: fn(&Slots) -> Option<ShapeFn>,
    x: &Tensor,
    a: &MoveAxes,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x])?;
    let listed = |axes: &crate::call::Axes, what: &str| -> Result<Shape> {
        let list = axes.as_list().ok_or_else(|| Error::InvalidArgument {
            op: op.name(),
            reason: format!("{what} must name axes, got None"),
        })?;
        let mut out: Shape = Shape::with_capacity(list.len());
        for &i in list {
            let i = norm_axis(op.name(), i, x.ndim())?;
            if out.contains(&i) {
                return Err(Error::InvalidArgument {
                    op: op.name(),
                    reason: format!("{what} names axis {i} twice: {list:?}"),
                });
            }
            out.push(i);
        }
        Ok(out)
    };
    let source = listed(&a.source, "source")?;
    let destination = listed(&a.destination, "destination")?;
    if source.len() != destination.len() {
        return Err(Error::InvalidArgument {
            op: op.name(),
            reason: format!(
                "source and destination must name as many axes; got {} and {}",
                source.len(),
                destination.len()
            ),
        });
    }
    // The axes that stay, in order, then each moved axis inserted at its destination (in
    // increasing destination order), as NumPy builds it.
    let mut perm: Shape = (0..x.ndim()).filter(|i| !source.contains(i)).collect();
    let mut moves: Vec<(usize, usize)> = destination
        .iter()
        .copied()
        .zip(source.iter().copied())
        .collect();
    moves.sort_unstable();
    for (dst, src) in moves {
        perm.insert(dst, src);
    }
    call(table, op, pick(&table.slots), |f| f(x, &perm))
}

pub(crate) fn run_expand_dims(
    op: Op,
    pick: fn(&Slots) -> Option<AxisFn>,
    x: &Tensor,
    a: &AxisAttr,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x])?;
    let axis = norm_axis_for_insert(op.name(), a.axis.required(op.name())?, x.ndim())?;
    call(table, op, pick(&table.slots), |f| f(x, axis))
}

pub(crate) fn run_squeeze(
    op: Op,
    pick: fn(&Slots) -> Option<ShapeFn>,
    x: &Tensor,
    a: &AxesAttr,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x])?;
    let axes: Shape = match a.axes.as_list() {
        Some(list) => norm_axes(op.name(), Some(list), x.ndim())?,
        None => (0..x.ndim()).filter(|&i| x.shape()[i] == 1).collect(),
    };
    if let Some(&a) = axes.iter().find(|&&a| x.shape()[a] != 1) {
        return Err(Error::InvalidArgument {
            op: op.name(),
            reason: format!(
                "axis {a} has size {}, only axes of size 1 can be squeezed (shape {:?})",
                x.shape()[a],
                x.shape()
            ),
        });
    }
    call(table, op, pick(&table.slots), |f| f(x, &axes))
}

pub(crate) fn run_flip(
    op: Op,
    pick: fn(&Slots) -> Option<ShapeFn>,
    x: &Tensor,
    a: &AxesAttr,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x])?;
    let axes = norm_axes(op.name(), a.axes.as_list(), x.ndim())?;
    call(table, op, pick(&table.slots), |f| f(x, &axes))
}

pub(crate) fn run_broadcast_to(
    op: Op,
    pick: fn(&Slots) -> Option<ShapeFn>,
    x: &Tensor,
    a: &BroadcastShape,
) -> Result<Tensor> {
    let shape: &[usize] = &a.shape;
    let table = state::resolve(op.name(), &[x])?;
    let ok = x.ndim() <= shape.len()
        && x.shape()
            .iter()
            .rev()
            .zip(shape.iter().rev())
            .all(|(&have, &want)| have == want || have == 1);
    if !ok {
        return Err(Error::ShapeMismatch {
            op: op.name(),
            lhs: x.shape().to_vec(),
            rhs: shape.to_vec(),
            reason: "each dimension must equal the target's or be 1, and the target must have at least as many dimensions".into(),
        });
    }
    if shape == x.shape() {
        return Ok(x.clone());
    }
    check_shape(table, op, shape, x.dtype())?;
    call(table, op, pick(&table.slots), |f| f(x, shape))
}

pub(crate) fn run_concat(
    op: Op,
    pick: fn(&Slots) -> Option<JoinFn>,
    tensors: &[Tensor],
    a: &AxisAttr,
) -> Result<Tensor> {
    let axis = a.axis.single(op.name())?;
    let (table, dtype) = join_prepare(op, tensors)?;
    let _guard = TableGuard::new(table);
    let flat: Vec<Tensor>;
    let (tensors, axis) = match axis {
        None => {
            flat = tensors
                .iter()
                .map(|t| reshape_usize(t, &[t.size()]))
                .collect::<Result<_>>()?;
            (&flat[..], 0)
        }
        Some(a) => {
            let first = &tensors[0];
            if first.ndim() == 0 {
                return Err(Error::InvalidShape {
                    op: op.name(),
                    reason: "cannot concatenate 0-dimensional tensors along an axis; use stack or axis None".into(),
                });
            }
            let axis = norm_axis(op.name(), a, first.ndim())?;
            for t in &tensors[1..] {
                let fits = t.ndim() == first.ndim()
                    && t.shape()
                        .iter()
                        .zip(first.shape())
                        .enumerate()
                        .all(|(i, (x, y))| i == axis || x == y);
                if !fits {
                    return Err(Error::ShapeMismatch {
                        op: op.name(),
                        lhs: first.shape().to_vec(),
                        rhs: t.shape().to_vec(),
                        reason: format!("all dimensions but axis {axis} must match"),
                    });
                }
            }
            (tensors, axis)
        }
    };
    let mut out_shape = tensors[0].shape().to_vec();
    out_shape[axis] = tensors
        .iter()
        .try_fold(0usize, |acc, t| acc.checked_add(t.shape()[axis]))
        .unwrap_or(usize::MAX);
    check_shape(table, op, &out_shape, dtype)?;
    let cast_all = cast_all(table, tensors, dtype)?;
    call(table, op, pick(&table.slots), |f| f(&cast_all, axis))
}

pub(crate) fn run_stack(
    op: Op,
    pick: fn(&Slots) -> Option<JoinFn>,
    tensors: &[Tensor],
    a: &AxisAttr,
) -> Result<Tensor> {
    let axis = a.axis.required(op.name())?;
    let (table, dtype) = join_prepare(op, tensors)?;
    let first = &tensors[0];
    let axis = norm_axis_for_insert(op.name(), axis, first.ndim())?;
    if let Some(t) = tensors.iter().find(|t| t.shape() != first.shape()) {
        return Err(Error::ShapeMismatch {
            op: op.name(),
            lhs: first.shape().to_vec(),
            rhs: t.shape().to_vec(),
            reason: "stack needs tensors of one shape".into(),
        });
    }
    let mut out_shape = first.shape().to_vec();
    out_shape.insert(axis, tensors.len());
    check_shape(table, op, &out_shape, dtype)?;
    let cast_all = cast_all(table, tensors, dtype)?;
    call(table, op, pick(&table.slots), |f| f(&cast_all, axis))
}

fn join_prepare(op: Op, tensors: &[Tensor]) -> Result<(&'static FunctionTable, DType)> {
    let refs: Vec<&Tensor> = tensors.iter().collect();
    let table = state::resolve(op.name(), &refs)?;
    let Some(first) = tensors.first() else {
        return Err(Error::InvalidArgument {
            op: op.name(),
            reason: "needs at least one tensor".into(),
        });
    };
    let mut dtype = first.dtype();
    for t in &tensors[1..] {
        dtype = promote(op, dtype, t.dtype())?;
    }
    table.check_dtype(op, dtype)?;
    Ok((table, dtype))
}

fn cast_all(
    table: &'static FunctionTable,
    tensors: &[Tensor],
    dtype: DType,
) -> Result<Vec<Tensor>> {
    tensors
        .iter()
        .map(|t| cast(table, t, dtype).map(Cow::into_owned))
        .collect()
}

pub(crate) fn run_astype(
    op: Op,
    pick: fn(&Slots) -> Option<CastFn>,
    x: &Tensor,
    a: &AsType,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x])?;
    table.check_dtype(op, x.dtype())?;
    if x.dtype() == a.dtype {
        return Ok(x.clone());
    }
    table.check_dtype(op, a.dtype)?;
    call(table, op, pick(&table.slots), |f| f(x, a.dtype))
}

pub(crate) fn run_triangle(
    op: Op,
    pick: fn(&Slots) -> Option<DiagFn>,
    x: &Tensor,
    a: &Diagonal,
) -> Result<Tensor> {
    let k = a.k;
    let table = state::resolve(op.name(), &[x])?;
    if x.ndim() < 2 {
        return Err(Error::InvalidShape {
            op: op.name(),
            reason: format!("needs at least 2 dimensions, got shape {:?}", x.shape()),
        });
    }
    table.check_dtype(op, x.dtype())?;
    call(table, op, pick(&table.slots), |f| f(x, k))
}
