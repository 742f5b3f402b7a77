//! Indexing and searching: `take`, `take_along_axis`, `strided_slice`, `argwhere`,
//! `searchsorted`, `put`, `put_add`.
//!
//! Integer indices are checked here, on the host: the index tensor is read back (one
//! synchronisation), every value is checked against its dimension (negative ones count from the
//! end, as in NumPy), and the backend gets int64 indices in `0..size`. No backend is ever handed
//! an index it could wrap around or read out of bounds with.

use super::creation::from_host_on;
use super::dispatch::{call, cast, check_shape, promote, require};
use super::shape::{broadcast_shapes, norm_axis};
use crate::call::{AxisAttr, SearchSide, Side, Slicing};
use crate::catalogue::{AxisSlice, Op, PutFn, SearchFn, SliceFn, Slots, TakeFn, UnaryFn};
use crate::dtype::{DType, HostData};
use crate::error::{Error, Result};
use crate::state::{self, TableGuard};
use crate::table::{FunctionTable, Source};
use crate::tensor::{Shape, Tensor};

type Pick<F> = fn(&Slots) -> Option<F>;

/// The values of an integer host buffer as i64 (uint64 values beyond i64 saturate: they are out
/// of range for any dimension anyway); `None` for other dtypes.
pub(crate) fn host_ints(h: &HostData) -> Option<Vec<i64>> {
    fn conv<T: Copy>(v: &[T], f: impl Fn(T) -> i64) -> Option<Vec<i64>> {
        Some(v.iter().map(|&x| f(x)).collect())
    }
    match h {
        HostData::Int8(v) => conv(v, i64::from),
        HostData::Int16(v) => conv(v, i64::from),
        HostData::Int32(v) => conv(v, i64::from),
        HostData::Int64(v) => conv(v, |x| x),
        HostData::UInt8(v) => conv(v, i64::from),
        HostData::UInt16(v) => conv(v, i64::from),
        HostData::UInt32(v) => conv(v, i64::from),
        HostData::UInt64(v) => conv(v, |x| i64::try_from(x).unwrap_or(i64::MAX)),
        _ => None,
    }
}

/// Reads the integer tensor `indices`, checks every value against a dimension of `size`
/// (`-size..size`) and returns them non-negative, as an int64 tensor of `indices`' shape on
/// `table` and `indices`' device.
pub(crate) fn checked_indices(
    op: &'static str,
    table: &'static FunctionTable,
    indices: &Tensor,
    axis: usize,
    size: usize,
) -> Result<Tensor> {
    if !indices.dtype().is_integer() {
        return Err(Error::InvalidDType {
            op,
            dtype: indices.dtype(),
            expected: "an integer dtype for the indices",
        });
    }
    // Common case: int64 indices all in 0..size that the backend hands over where they are:
    // checked in place and passed on as they are (no copy to the host, no new tensor).
    if let Some(in_range) = out_of_range_in_place(indices, size) {
        match in_range {
            None => return Ok(indices.clone()),
            Some(i) if i >= 0 => {
                return Err(Error::IndexOutOfRange {
                    op,
                    index: i,
                    axis,
                    size,
                })
            }
            // Negative indices: normalised through the host below.
            Some(_) => {}
        }
    }
    let values = normalised(op, &super::to_host(indices)?, axis, size)?;
    from_host_on(
        table,
        HostData::Int64(values),
        indices.shape(),
        indices.device(),
    )
}

/// The first index of `indices` outside `0..size` (`Some(None)`: all in range), read where
/// the elements are through the backend's `read_i64`; `None` when it has none or cannot (the
/// caller copies the indices to the host).
fn out_of_range_in_place(indices: &Tensor, size: usize) -> Option<Option<i64>> {
    // While tracing, values are read only through the `to_host` slot, which the tracer refuses.
    if indices.dtype() != DType::Int64 || crate::state::tracing() {
        return None;
    }
    let read = indices.backend_descriptor().read_i64?;
    let mut found = None;
    read(indices, &mut |v| found = Some(first_out_of_range(v, size)));
    found
}

/// The first value of `v` outside `0..size` (a negative one may still be a valid index
/// counted from the end), or `None` when all are in range.
fn first_out_of_range(v: &[i64], size: usize) -> Option<i64> {
    let n = i64::try_from(size).unwrap_or(i64::MAX);
    v.iter().copied().find(|&i| !(0..n).contains(&i))
}

/// The values of an integer buffer as indices into a dimension of `size`, negative ones
/// counted from the end; the first one out of range is an error.
pub(crate) fn normalised(
    op: &'static str,
    h: &HostData,
    axis: usize,
    size: usize,
) -> Result<Vec<i64>> {
    let values = host_ints(h).ok_or(Error::InvalidDType {
        op,
        dtype: h.dtype(),
        expected: "an integer dtype for the indices",
    })?;
    values
        .into_iter()
        .map(|i| normalised_one(op, i, axis, size))
        .collect()
}

/// `i` as an index into a dimension of `size` (negative counts from the end), or the error
/// that names it.
pub(crate) fn normalised_one(op: &'static str, i: i64, axis: usize, size: usize) -> Result<i64> {
    let n = i64::try_from(size).unwrap_or(i64::MAX);
    let j = if i < 0 { i.wrapping_add(n) } else { i };
    if (0..n).contains(&j) {
        Ok(j)
    } else {
        Err(Error::IndexOutOfRange {
            op,
            index: i,
            axis,
            size,
        })
    }
}

/// `take` and its checks. `axis` is the single axis as the caller read it from its `Axes`
/// (the public function in its own frame, so that the `Axes` folds away); an error there, a
/// list of several, is reported after the table resolves, as every other argument error.
#[inline]
pub(crate) fn run_take(
    op: Op,
    pick: Pick<TakeFn>,
    x: &Tensor,
    indices: &Tensor,
    axis: Result<Option<isize>>,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x, indices])?;
    let axis = match axis? {
        Some(axis) => norm_axis(op.name(), axis, x.ndim())?,
        None if x.ndim() == 1 => 0,
        None => return Err(take_axis_none(op, x)),
    };
    let &[count] = indices.shape() else {
        return Err(take_indices_not_1d(op, indices));
    };
    table.check_dtype(op, x.dtype())?;
    if count > x.shape()[axis] {
        // A result no larger than `x` along the axis fits wherever `x` does; a larger one is
        // checked (element count, byte size, the backend's largest dimension).
        let mut shape = Shape::from_slice(x.shape());
        shape[axis] = count;
        check_shape(table, op, &shape, x.dtype())?;
    }
    // A primary that checks int64 indices where it reads them gets them unread (see
    // `BackendDescriptor::take_checks_indices`); everything else gets them checked here.
    let unread = table.backend.take_checks_indices
        && indices.dtype() == DType::Int64
        && matches!(table.sources[op.index()], Source::Primary { .. })
        && !state::tracing();
    // One call site, so that the dispatch inlines as `add`'s does.
    let checked;
    let idx = if unread {
        indices
    } else {
        checked = checked_indices(op.name(), table, indices, axis, x.shape()[axis])?;
        &checked
    };
    call(table, op, pick(&table.slots), |f| f(x, idx, axis))
}

#[cold]
fn take_axis_none(op: Op, x: &Tensor) -> Error {
    Error::InvalidArgument {
        op: op.name(),
        reason: format!(
            "axis may be None only for a 1-D tensor, got shape {:?}; name the axis",
            x.shape()
        ),
    }
}

#[cold]
fn take_indices_not_1d(op: Op, indices: &Tensor) -> Error {
    Error::InvalidShape {
        op: op.name(),
        reason: format!(
            "the indices must be 1-D, got shape {:?}; flatten them with reshape, or use take_along_axis",
            indices.shape()
        ),
    }
}

pub(crate) fn run_take_along_axis(
    op: Op,
    pick: Pick<TakeFn>,
    x: &Tensor,
    indices: &Tensor,
    a: &AxisAttr,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x, indices])?;
    let axis = norm_axis(op.name(), a.axis.required(op.name())?, x.ndim())?;
    if indices.ndim() != x.ndim() {
        return Err(Error::ShapeMismatch {
            op: op.name(),
            lhs: x.shape().to_vec(),
            rhs: indices.shape().to_vec(),
            reason: "the indices must have as many dimensions as the tensor".into(),
        });
    }
    table.check_dtype(op, x.dtype())?;
    // Off the axis, the sizes broadcast; along it, x keeps its size and the indices theirs.
    let off = |s: &[usize]| -> Shape {
        let mut s: Shape = s.into();
        s[axis] = 1;
        s
    };
    let common =
        broadcast_shapes(op.name(), &off(x.shape()), &off(indices.shape())).map_err(|_| {
            Error::ShapeMismatch {
                op: op.name(),
                lhs: x.shape().to_vec(),
                rhs: indices.shape().to_vec(),
                reason: format!("the sizes off axis {axis} must broadcast"),
            }
        })?;
    let mut x_shape = common.clone();
    x_shape[axis] = x.shape()[axis];
    let mut i_shape = common;
    i_shape[axis] = indices.shape()[axis];
    check_shape(table, op, &i_shape, x.dtype())?;
    let idx = checked_indices(op.name(), table, indices, axis, x.shape()[axis])?;
    let _guard = TableGuard::new(table);
    let x = super::broadcast_to(x, &x_shape)?;
    let idx = super::broadcast_to(&idx, &i_shape)?;
    call(table, op, pick(&table.slots), |f| f(&x, &idx, axis))
}

/// NumPy's `start:stop:step` on a dimension of `size`, as the indices it keeps.
#[inline]
pub(crate) fn axis_slice(op: Op, spec: &crate::call::SliceSpec, size: usize) -> Result<AxisSlice> {
    // Sizes fit in isize, so every bound below is in -1..=n and no sum or difference of two
    // of them overflows an i64; nor does `b + n` for a negative bound `b` (counted from the
    // end).
    let n = i64::try_from(size).unwrap_or(i64::MAX);
    let from_end = |b: i64| if b < 0 { b + n } else { b };
    // The first index, the bound, and the distance walked from one to the other.
    let (start, walked) = if spec.step > 0 {
        let start = spec.start.map_or(0, |b| from_end(b).clamp(0, n));
        let stop = spec.stop.map_or(n, |b| from_end(b).clamp(0, n));
        (start, stop - start)
    } else if spec.step < 0 {
        let start = spec.start.map_or(n - 1, |b| from_end(b).clamp(-1, n - 1));
        // A stop at or beyond `start` keeps nothing whatever its value, so it needs no upper
        // bound (`start - stop` cannot overflow: `start` is at least -1).
        let stop = spec.stop.map_or(-1, |b| from_end(b).max(-1));
        (start, start - stop)
    } else {
        return Err(slice_step_zero(op));
    };
    // The step's magnitude is unsigned: `-i64::MIN` does not exist, its magnitude does.
    let len = if walked > 0 {
        let (w, s) = (walked as u64 - 1, spec.step.unsigned_abs());
        // A power-of-two step (1, 2, 4, ...: most of them) divides by a shift; a division
        // takes tens of cycles.
        let q = if s.is_power_of_two() {
            w >> s.trailing_zeros()
        } else {
            w / s
        };
        q + 1
    } else {
        0
    };
    // A slice of at most one element has no step to speak of: 1 keeps backends from seeing
    // steps they cannot hold (i64::MIN) or a flip of nothing.
    let step = if len <= 1 {
        1
    } else {
        isize::try_from(spec.step).map_err(|_| slice_step_too_large(op, spec.step))?
    };
    Ok(AxisSlice {
        start: if len == 0 { 0 } else { start as usize },
        len: len as usize,
        step,
    })
}

#[cold]
fn slice_step_zero(op: Op) -> Error {
    Error::InvalidArgument {
        op: op.name(),
        reason: "a slice step must not be 0".into(),
    }
}

#[cold]
fn slice_step_too_large(op: Op, step: i64) -> Error {
    Error::InvalidArgument {
        op: op.name(),
        reason: format!("the slice step {step} does not fit this platform"),
    }
}

pub(crate) fn run_strided_slice(
    op: Op,
    pick: Pick<SliceFn>,
    x: &Tensor,
    a: &Slicing,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x])?;
    if a.slices.len() > x.ndim() {
        return Err(Error::InvalidArgument {
            op: op.name(),
            reason: format!(
                "{} slices for a tensor of {} dimensions (shape {:?})",
                a.slices.len(),
                x.ndim(),
                x.shape()
            ),
        });
    }
    // Inline up to four dimensions: no allocation for the common ranks.
    let mut slices = smallvec::SmallVec::<[AxisSlice; 4]>::new();
    for (i, &size) in x.shape().iter().enumerate() {
        slices.push(match a.slices.get(i) {
            Some(spec) => axis_slice(op, spec, size)?,
            None => AxisSlice::full(size),
        });
    }
    slice_axes(table, op, pick, x, &slices)
}

/// `x` sliced by one checked [`AxisSlice`] per dimension on `table` (what `strided_slice` and
/// indexing both end in): `x` itself where every slice is whole.
#[inline]
pub(crate) fn slice_axes(
    table: &'static FunctionTable,
    op: Op,
    pick: Pick<SliceFn>,
    x: &Tensor,
    slices: &[AxisSlice],
) -> Result<Tensor> {
    table.check_dtype(op, x.dtype())?;
    if slices
        .iter()
        .zip(x.shape())
        .all(|(s, &n)| *s == AxisSlice::full(n))
    {
        return Ok(x.clone());
    }
    call(table, op, pick(&table.slots), |f| f(x, slices))
}

pub(crate) fn run_argwhere(op: Op, pick: Pick<UnaryFn>, x: &Tensor) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x])?;
    if x.ndim() == 0 {
        return Err(Error::InvalidShape {
            op: op.name(),
            reason: "needs at least one dimension, got a 0-D tensor; reshape it to [1] first"
                .into(),
        });
    }
    table.check_dtype(op, x.dtype())?;
    table.check_dtype(op, DType::Int64)?;
    call(table, op, pick(&table.slots), |f| f(x))
}

pub(crate) fn run_searchsorted(
    op: Op,
    pick: Pick<SearchFn>,
    x1: &Tensor,
    x2: &Tensor,
    a: &SearchSide,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x1, x2])?;
    if x1.ndim() != 1 {
        return Err(Error::InvalidShape {
            op: op.name(),
            reason: format!("x1 must be 1-D (sorted), got shape {:?}", x1.shape()),
        });
    }
    let d = promote(op, x1.dtype(), x2.dtype())?;
    require(op, d, d != DType::Bool, "a numeric dtype")?;
    table.check_dtype(op, d)?;
    table.check_dtype(op, DType::Int64)?;
    check_shape(table, op, x2.shape(), DType::Int64)?;
    let a1 = cast(table, x1, d)?;
    let a2 = cast(table, x2, d)?;
    call(table, op, pick(&table.slots), |f| {
        f(&a1, &a2, a.side == Side::Right)
    })
}

pub(crate) fn run_put(
    op: Op,
    pick: Pick<PutFn>,
    x: &Tensor,
    indices: &Tensor,
    values: &Tensor,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x, indices, values])?;
    table.check_dtype(op, x.dtype())?;
    if op == Op::put_add {
        require(op, x.dtype(), x.dtype() != DType::Bool, "a numeric dtype")?;
    }
    let idx = checked_indices(op.name(), table, indices, 0, x.size())?;
    let _guard = TableGuard::new(table);
    let n = indices.size();
    let idx = super::manip::reshape_usize(&idx, &[n])?;
    let values =
        super::broadcast_to(values, indices.shape()).map_err(|_| Error::ShapeMismatch {
            op: op.name(),
            lhs: values.shape().to_vec(),
            rhs: indices.shape().to_vec(),
            reason: "the values must broadcast to the indices' shape".into(),
        })?;
    let values = super::manip::reshape_usize(&*cast(table, &values, x.dtype())?, &[n])?;
    let flat = super::manip::reshape_usize(x, &[x.size()])?;
    let out = call(table, op, pick(&table.slots), |f| f(&flat, &idx, &values))?;
    super::manip::reshape_usize(&out, x.shape())
}
