//! Shape manipulation and casts: `reshape`, `permute_dims`, `expand_dims`, `squeeze`, `flip`,
//! `broadcast_to`, `concat`, `stack`, `astype`, `tril`, `triu`.

use super::dispatch::{call, cast, check_len, check_shape, promote};
use super::shape::{norm_axes, norm_axis, norm_axis_for_insert};
use crate::call::{
    AsType, Axes, AxesAttr, AxisAttr, BroadcastShape, Diagonal, MoveAxes, NewShape, Repeats, Roll,
    Tile,
};
use crate::catalogue::{AxisFn, CastFn, DiagFn, JoinFn, Op, RepeatFn, RollFn, ShapeFn, Slots};
use crate::dtype::{DType, HostData};
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

// ----- issue 12: roll, tile, repeat

pub(crate) fn run_roll(
    op: Op,
    pick: fn(&Slots) -> Option<RollFn>,
    x: &Tensor,
    a: &Roll,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x])?;
    let shifts: &[i64] = &a.shift.0;
    if shifts.is_empty() {
        return Err(Error::InvalidArgument {
            op: op.name(),
            reason: "needs a shift: one count, or one per axis; got an empty list".into(),
        });
    }
    let Some(axes) = a.axis.as_list() else {
        // The flattened tensor, rolled along its one axis and given back its shape.
        if shifts.len() != 1 {
            return Err(Error::InvalidArgument {
                op: op.name(),
                reason: format!(
                    "with axis None the flattened tensor is rolled by one shift; got {shifts:?} (give the axes to roll several)"
                ),
            });
        }
        let _guard = TableGuard::new(table);
        let flat = reshape_usize(x, &[x.size()])?;
        let rolled = roll_along(table, op, pick, &flat, shifts, &[0])?;
        return reshape_usize(&rolled, x.shape());
    };
    roll_along(table, op, pick, x, shifts, axes)
}

/// Pairs shifts with axes as NumPy broadcasts them (equal counts, or one of either), sums the
/// shifts of each axis modulo its size and calls the slot with the non-zero ones.
fn roll_along(
    table: &'static FunctionTable,
    op: Op,
    pick: fn(&Slots) -> Option<RollFn>,
    x: &Tensor,
    shifts: &[i64],
    axes: &[isize],
) -> Result<Tensor> {
    // NumPy broadcasts the two lists: one entry pairs with every entry of the other (with
    // none, when the other is empty), otherwise the counts must match.
    let n = if shifts.len() == axes.len() || axes.len() == 1 {
        shifts.len()
    } else if shifts.len() == 1 {
        axes.len()
    } else {
        return Err(Error::InvalidArgument {
            op: op.name(),
            reason: format!(
                "shift {shifts:?} and axis {axes:?} must have as many entries, or one of them one"
            ),
        });
    };
    let mut total = vec![0i128; x.ndim()];
    for i in 0..n {
        let axis = norm_axis(
            op.name(),
            axes[if axes.len() == 1 { 0 } else { i }],
            x.ndim(),
        )?;
        total[axis] += i128::from(shifts[if shifts.len() == 1 { 0 } else { i }]);
    }
    let (mut by, mut along) = (Shape::new(), Shape::new());
    for (axis, &t) in total.iter().enumerate() {
        let size = x.shape()[axis];
        if size == 0 {
            continue;
        }
        let s = t.rem_euclid(size as i128) as usize;
        if s != 0 {
            by.push(s);
            along.push(axis);
        }
    }
    if by.is_empty() {
        return Ok(x.clone());
    }
    table.check_dtype(op, x.dtype())?;
    call(table, op, pick(&table.slots), |f| f(x, &by, &along))
}

pub(crate) fn run_tile(
    op: Op,
    pick: fn(&Slots) -> Option<ShapeFn>,
    x: &Tensor,
    a: &Tile,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x])?;
    let n = x.ndim().max(a.reps.len());
    let pad = |v: &[usize]| -> Shape {
        std::iter::repeat(1)
            .take(n - v.len())
            .chain(v.iter().copied())
            .collect()
    };
    let (shape, reps) = (pad(x.shape()), pad(&a.reps));
    let mut out = Shape::with_capacity(n);
    for (&d, &r) in shape.iter().zip(&reps) {
        out.push(d.checked_mul(r).ok_or_else(|| Error::InvalidShape {
            op: op.name(),
            reason: format!(
                "tiling shape {:?} by {:?} gives more elements than a size can count",
                x.shape(),
                a.reps.as_slice()
            ),
        })?);
    }
    check_shape(table, op, &out, x.dtype())?;
    let _guard = TableGuard::new(table);
    let x = reshape_usize(x, &shape)?;
    if reps.iter().all(|&r| r == 1) {
        return Ok(x);
    }
    table.check_dtype(op, x.dtype())?;
    call(table, op, pick(&table.slots), |f| f(&x, &reps))
}

pub(crate) fn run_repeat(
    op: Op,
    pick: fn(&Slots) -> Option<RepeatFn>,
    x: &Tensor,
    repeats: Repeats<'_>,
    axis: &Axes,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x])?;
    let axis = axis.single(op.name())?;
    let _guard = TableGuard::new(table);
    let (x, axis) = match axis {
        None => (reshape_usize(x, &[x.size()])?, 0),
        Some(a) => (x.clone(), norm_axis(op.name(), a, x.ndim())?),
    };
    let n = x.shape()[axis];
    let counts: Vec<usize> = match repeats {
        Repeats::Count(c) => vec![c],
        Repeats::Tensor(r) => {
            let counts = repeat_counts(op, r)?;
            if counts.len() != 1 && counts.len() != n {
                return Err(Error::ShapeMismatch {
                    op: op.name(),
                    lhs: x.shape().to_vec(),
                    rhs: r.shape().to_vec(),
                    reason: format!(
                        "repeats has {} counts; axis {axis} has {n} elements (give one count per element, or one for all)",
                        counts.len()
                    ),
                });
            }
            counts
        }
    };
    repeat_by(table, op, pick, &x, &counts, axis)
}

/// `repeat` of `x` (the current table pinned) with counts that fit its axis: one for all or
/// one per element. Also how the `unstack` composite picks one element along an axis.
pub(crate) fn repeat_by(
    table: &'static FunctionTable,
    op: Op,
    pick: fn(&Slots) -> Option<RepeatFn>,
    x: &Tensor,
    counts: &[usize],
    axis: usize,
) -> Result<Tensor> {
    let overflow = || Error::InvalidShape {
        op: op.name(),
        reason: format!("the repeated size along axis {axis} does not fit a size"),
    };
    let n = x.shape()[axis];
    let size = match counts {
        [c] => n.checked_mul(*c).ok_or_else(overflow)?,
        many => many
            .iter()
            .try_fold(0usize, |acc, &c| acc.checked_add(c))
            .ok_or_else(overflow)?,
    };
    let mut out = x.shape().to_vec();
    out[axis] = size;
    check_shape(table, op, &out, x.dtype())?;
    if counts.iter().all(|&c| c == 1) {
        return Ok(x.clone());
    }
    table.check_dtype(op, x.dtype())?;
    if out.contains(&0) {
        // An empty result has nothing to copy, whatever the counts, which a framework may
        // not hold (libtorch's sizes are i64: a count of 2^63 for an empty axis is valid here).
        let _guard = TableGuard::new(table);
        return state::with_device(x.device(), || super::zeros(&out, x.dtype()));
    }
    call(table, op, pick(&table.slots), |f| f(x, counts, axis))
}

/// The counts of a `repeats` tensor: an integer dtype, 0-D or 1-D, no negative count.
fn repeat_counts(op: Op, r: &Tensor) -> Result<Vec<usize>> {
    if !r.dtype().is_integer() {
        return Err(Error::InvalidDType {
            op: op.name(),
            dtype: r.dtype(),
            expected: "an integer dtype for repeats",
        });
    }
    if r.ndim() > 1 {
        return Err(Error::InvalidShape {
            op: op.name(),
            reason: format!("repeats must be 0-D or 1-D, got shape {:?}", r.shape()),
        });
    }
    fn each<T: Copy>(v: &[T], f: impl Fn(T) -> i128) -> Vec<i128> {
        v.iter().map(|&x| f(x)).collect()
    }
    let values = match r.to_host()? {
        HostData::Int8(v) => each(&v, i128::from),
        HostData::Int16(v) => each(&v, i128::from),
        HostData::Int32(v) => each(&v, i128::from),
        HostData::Int64(v) => each(&v, i128::from),
        HostData::UInt8(v) => each(&v, i128::from),
        HostData::UInt16(v) => each(&v, i128::from),
        HostData::UInt32(v) => each(&v, i128::from),
        HostData::UInt64(v) => each(&v, i128::from),
        other => {
            return Err(Error::InvalidDType {
                op: op.name(),
                dtype: other.dtype(),
                expected: "an integer dtype for repeats",
            })
        }
    };
    values
        .into_iter()
        .map(|c| {
            usize::try_from(c).map_err(|_| Error::InvalidArgument {
                op: op.name(),
                reason: format!("repeat counts must be >= 0 (and fit a size), got {c}"),
            })
        })
        .collect()
}
