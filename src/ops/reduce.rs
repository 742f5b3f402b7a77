//! Reductions, statistics and sorting: `sum`, `mean`, `prod`, `max`, `min`, `var`, `std`,
//! `argmax`, `argmin`, `cumulative_sum`, `sort`, `argsort`, `softmax`.

use super::dispatch::{call, cast};
use super::manip::reshape_usize;
use super::shape::{norm_axes, norm_axis};
use crate::call::{ArgReduction, AxisAttr, CumulativeSum, Reduction, Sorting, Statistic};
use crate::catalogue::{ArgReduceFn, AxisFn, Op, ReduceFn, Slots, SortFn, StatFn};
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::state::{self, TableGuard};
use crate::tensor::{Shape, Tensor};
use std::borrow::Cow;

/// The dtype rule of a reduction.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Reduce {
    /// `sum`/`prod`: signed integers and bool as int64, unsigned as uint64, floats as they are
    Accumulate,
    /// `mean`: integers as the default float dtype
    Average,
    /// `max`/`min`: the input's dtype; a zero-size reduced axis is an error (no identity)
    Extremum,
    /// `all`/`any`: the input converted to bool, a bool result
    Truth,
    /// `count_nonzero`: the input converted to bool, an int64 result
    Count,
}

pub(crate) fn run_reduce(
    op: Op,
    kind: Reduce,
    pick: fn(&Slots) -> Option<ReduceFn>,
    x: &Tensor,
    a: &Reduction,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x])?;
    let axes = norm_axes(op.name(), a.axes.as_list(), x.ndim())?;
    let dtype = match kind {
        Reduce::Accumulate => x.dtype().accumulator(),
        Reduce::Average => x.dtype().to_float(),
        Reduce::Extremum => {
            if axes.iter().any(|&i| x.shape()[i] == 0) {
                return Err(Error::InvalidArgument {
                    op: op.name(),
                    reason: format!(
                        "cannot reduce a zero-size axis of shape {:?}: {} has no identity",
                        x.shape(),
                        op.name()
                    ),
                });
            }
            x.dtype()
        }
        Reduce::Truth => DType::Bool,
        Reduce::Count => {
            table.check_dtype(op, DType::Int64)?;
            DType::Bool
        }
    };
    table.check_dtype(op, dtype)?;
    let x = cast(table, x, dtype)?;
    call(table, op, pick(&table.slots), |f| f(&x, &axes, a.keepdims))
}

pub(crate) fn run_statistic(
    op: Op,
    pick: fn(&Slots) -> Option<StatFn>,
    x: &Tensor,
    a: &Statistic,
) -> Result<Tensor> {
    let correction = a.correction;
    if !(correction >= 0.0 && correction.is_finite()) {
        return Err(Error::InvalidArgument {
            op: op.name(),
            reason: format!("correction must be a finite number >= 0, got {correction}"),
        });
    }
    let table = state::resolve(op.name(), &[x])?;
    let axes = norm_axes(op.name(), a.axes.as_list(), x.ndim())?;
    let dtype = x.dtype().to_float();
    table.check_dtype(op, dtype)?;
    let x = cast(table, x, dtype)?;
    call(table, op, pick(&table.slots), |f| {
        f(&x, &axes, correction, a.keepdims)
    })
}

pub(crate) fn run_arg_reduce(
    op: Op,
    pick: fn(&Slots) -> Option<ArgReduceFn>,
    x: &Tensor,
    a: &ArgReduction,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x])?;
    let axis = a
        .axis
        .single(op.name())?
        .map(|i| norm_axis(op.name(), i, x.ndim()))
        .transpose()?;
    let empty = match axis {
        Some(i) => x.shape()[i] == 0,
        None => x.size() == 0,
    };
    if empty {
        return Err(Error::InvalidArgument {
            op: op.name(),
            reason: format!(
                "cannot take {} of a zero-size axis (shape {:?})",
                op.name(),
                x.shape()
            ),
        });
    }
    table.check_dtype(op, x.dtype())?;
    table.check_dtype(op, DType::Int64)?;
    call(table, op, pick(&table.slots), |f| f(x, axis, a.keepdims))
}

pub(crate) fn run_cumulative_sum(
    op: Op,
    pick: fn(&Slots) -> Option<AxisFn>,
    x: &Tensor,
    a: &CumulativeSum,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x])?;
    let _guard = TableGuard::new(table);
    let given = a.axis.single(op.name())?;
    let x = if x.ndim() == 0 {
        Cow::Owned(reshape_usize(x, &[1])?)
    } else {
        Cow::Borrowed(x)
    };
    let axis = match given {
        Some(i) => norm_axis(op.name(), i, x.ndim())?,
        None if x.ndim() == 1 => 0,
        None => {
            return Err(Error::InvalidArgument {
                op: op.name(),
                reason: format!("axis is required for a tensor with {} dimensions", x.ndim()),
            })
        }
    };
    let dtype = x.dtype().accumulator();
    table.check_dtype(op, dtype)?;
    let xc = cast(table, &x, dtype)?;
    let out = call(table, op, pick(&table.slots), |f| f(&xc, axis))?;
    if !a.include_initial {
        return Ok(out);
    }
    let mut zshape: Shape = Shape::from_slice(x.shape());
    zshape[axis] = 1;
    let z = super::zeros(&zshape, dtype)?;
    super::concat(&[z, out], axis)
}

pub(crate) fn run_sort(
    op: Op,
    pick: fn(&Slots) -> Option<SortFn>,
    x: &Tensor,
    a: &Sorting,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x])?;
    let axis = a.axis.required(op.name())?;
    if x.ndim() == 0 {
        return Err(Error::InvalidShape {
            op: op.name(),
            reason: "cannot sort a 0-dimensional tensor".into(),
        });
    }
    let axis = norm_axis(op.name(), axis, x.ndim())?;
    table.check_dtype(op, x.dtype())?;
    call(table, op, pick(&table.slots), |f| f(x, axis, a.descending))
}

pub(crate) fn run_softmax(
    op: Op,
    pick: fn(&Slots) -> Option<AxisFn>,
    x: &Tensor,
    a: &AxisAttr,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x])?;
    let axis = a.axis.required(op.name())?;
    let axis = norm_axis(op.name(), axis, x.ndim().max(1))?;
    let dtype = x.dtype().to_float();
    table.check_dtype(op, dtype)?;
    let x = cast(table, x, dtype)?;
    if x.ndim() == 0 {
        // One element: softmax is 1, log_softmax 0 (NaN and infinities aside, as the
        // backends' kernels treat a single element).
        let _guard = TableGuard::new(table);
        return if op == Op::log_softmax {
            super::zeros(&[], dtype)
        } else {
            super::ones(&[], dtype)
        };
    }
    call(table, op, pick(&table.slots), |f| f(&x, axis))
}
