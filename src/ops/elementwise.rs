//! Elementwise ops: unary and binary arithmetic, comparison and logic, `where`, `clip`.

use super::dispatch::{call, cast, check_shape, promote, require};
use super::shape::broadcast_shapes;
use crate::call::{Bound, Clip, ClipBound};
use crate::catalogue::{BinaryFn, ClipFn, Op, Slots, UnaryFn, WhereFn};
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::state::{self, TableGuard};
use crate::table::FunctionTable;
use crate::tensor::Tensor;
use std::borrow::Cow;

/// What a binary op accepts and returns.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Binary {
    /// numeric inputs, promoted; result has the promoted dtype
    Arithmetic,
    /// like `Arithmetic`, but the result is a float: integer and bool inputs are computed in
    /// the default float dtype (`divide`)
    FloatResult,
    /// any inputs, promoted; result bool
    Compare,
    /// inputs converted to bool; result bool
    Logical,
    /// integer or bool inputs, promoted; result has the promoted dtype
    Bitwise,
    /// integer inputs only (not bool), promoted; result has the promoted dtype (the shifts)
    Shift,
}

#[inline(always)]
pub(crate) fn binary(
    op: Op,
    kind: Binary,
    a: &Tensor,
    b: &Tensor,
    pick: fn(&Slots) -> Option<BinaryFn>,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[a, b])?;
    // Fast path: one dtype the op takes as it is, one shape, nothing to promote or cast.
    let d = a.dtype();
    let as_is = match kind {
        Binary::Arithmetic => d.is_numeric(),
        Binary::FloatResult => d.is_float(),
        Binary::Compare => !table.unsupported.contains(DType::Bool),
        Binary::Logical => d == DType::Bool,
        Binary::Bitwise => d.is_integer() || d == DType::Bool,
        Binary::Shift => d.is_integer(),
    };
    if as_is && d == b.dtype() && !table.unsupported.contains(d) && a.same_shape(b) {
        return call(table, op, pick(&table.slots), |f| f(a, b));
    }
    binary_general(table, op, kind, a, b, pick)
}

#[inline(never)]
fn binary_general(
    table: &'static FunctionTable,
    op: Op,
    kind: Binary,
    a: &Tensor,
    b: &Tensor,
    pick: fn(&Slots) -> Option<BinaryFn>,
) -> Result<Tensor> {
    let dtype = match kind {
        Binary::Logical => DType::Bool,
        _ => {
            let d = if a.dtype() == b.dtype() {
                a.dtype()
            } else {
                promote(op, a.dtype(), b.dtype())?
            };
            match kind {
                Binary::Arithmetic => {
                    require(op, d, d.is_numeric(), "a numeric dtype (not bool)")?;
                    d
                }
                Binary::FloatResult => d.to_float(),
                Binary::Bitwise => {
                    require(
                        op,
                        d,
                        d.is_integer() || d == DType::Bool,
                        "an integer or bool dtype",
                    )?;
                    d
                }
                Binary::Shift => {
                    require(op, d, d.is_integer(), "an integer dtype (not bool)")?;
                    d
                }
                _ => d,
            }
        }
    };
    if a.shape() != b.shape() {
        let shape = broadcast_shapes(op.name(), a.shape(), b.shape())?;
        let out = if matches!(kind, Binary::Compare) {
            DType::Bool
        } else {
            dtype
        };
        check_shape(table, op, &shape, out)?;
    }
    table.check_dtype(op, dtype)?;
    if matches!(kind, Binary::Compare) {
        table.check_dtype(op, DType::Bool)?;
    }
    let a = cast(table, a, dtype)?;
    let b = cast(table, b, dtype)?;
    call(table, op, pick(&table.slots), |f| f(&a, &b))
}

/// What a unary op accepts and returns.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Unary {
    /// float result; integer and bool inputs converted to the default float dtype
    Float,
    /// numeric input, same dtype out
    Numeric,
    /// numeric; integers are returned unchanged (they are already whole)
    Rounding,
    /// input converted to bool
    Logical,
    /// numeric input as it is, bool result (`isnan`)
    Predicate,
    /// integer or bool input, same dtype out
    Bitwise,
}

#[inline]
pub(crate) fn unary(
    op: Op,
    kind: Unary,
    x: &Tensor,
    pick: fn(&Slots) -> Option<UnaryFn>,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x])?;
    let d = x.dtype();
    let numeric = || require(op, d, d.is_numeric(), "a numeric dtype (not bool)");
    let dtype = match kind {
        Unary::Float => d.to_float(),
        Unary::Numeric => {
            numeric()?;
            d
        }
        Unary::Rounding => {
            numeric()?;
            if !d.is_float() {
                return Ok(x.clone());
            }
            d
        }
        Unary::Logical => DType::Bool,
        Unary::Bitwise => {
            require(
                op,
                d,
                d.is_integer() || d == DType::Bool,
                "an integer or bool dtype",
            )?;
            d
        }
        Unary::Predicate => {
            numeric()?;
            table.check_dtype(op, DType::Bool)?;
            d
        }
    };
    table.check_dtype(op, dtype)?;
    let x = cast(table, x, dtype)?;
    call(table, op, pick(&table.slots), |f| f(&x))
}

pub(crate) fn run_where(
    op: Op,
    pick: fn(&Slots) -> Option<WhereFn>,
    condition: &Tensor,
    x: &Tensor,
    y: &Tensor,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[condition, x, y])?;
    let dtype = promote(op, x.dtype(), y.dtype())?;
    let s = broadcast_shapes(op.name(), x.shape(), y.shape())?;
    let s = broadcast_shapes(op.name(), condition.shape(), &s)?;
    check_shape(table, op, &s, dtype)?;
    table.check_dtype(op, dtype)?;
    table.check_dtype(op, DType::Bool)?;
    let c = cast(table, condition, DType::Bool)?;
    let x = cast(table, x, dtype)?;
    let y = cast(table, y, dtype)?;
    call(table, op, pick(&table.slots), |f| f(&c, &x, &y))
}

/// `clip` from data: `inputs` are `x`, then the tensor bounds (`min` first).
pub(crate) fn run_clip(
    op: Op,
    pick: fn(&Slots) -> Option<ClipFn>,
    inputs: &[&Tensor],
    a: &Clip,
) -> Result<Tensor> {
    let wanted =
        1 + usize::from(a.min == ClipBound::Input) + usize::from(a.max == ClipBound::Input);
    if inputs.len() != wanted {
        return Err(Error::InvalidArgument {
            op: op.name(),
            reason: format!(
                "takes {wanted} tensor inputs (x and the tensor bounds), got {}",
                inputs.len()
            ),
        });
    }
    let mut rest = inputs[1..].iter();
    let mut bound = |b: ClipBound| match b {
        ClipBound::None => Bound::None,
        ClipBound::Scalar(s) => Bound::Scalar(s),
        ClipBound::Input => rest.next().map_or(Bound::None, |t| Bound::Tensor(t)),
    };
    let (min, max) = (bound(a.min), bound(a.max));
    clip(op, pick, inputs[0], min, max)
}

/// Limits `x` to `[min, max]` (see the catalogue's docs of `clip`).
pub(crate) fn clip(
    op: Op,
    pick: fn(&Slots) -> Option<ClipFn>,
    x: &Tensor,
    min: Bound<'_>,
    max: Bound<'_>,
) -> Result<Tensor> {
    let mut inputs: Vec<&Tensor> = vec![x];
    for b in [&min, &max] {
        if let Bound::Tensor(t) = b {
            inputs.push(t);
        }
    }
    let table = state::resolve(op.name(), &inputs)?;
    require(
        op,
        x.dtype(),
        x.dtype().is_numeric(),
        "a numeric dtype (not bool)",
    )?;
    table.check_dtype(op, x.dtype())?;
    let min = bound_tensor(table, op, x, min)?;
    let max = bound_tensor(table, op, x, max)?;
    call(table, op, pick(&table.slots), |f| {
        f(x, min.as_deref(), max.as_deref())
    })
}

/// A `clip` bound as a tensor of `x`'s dtype: tensors are checked and cast, scalars become
/// 0-D tensors on `x`'s device.
fn bound_tensor<'t>(
    table: &'static FunctionTable,
    op: Op,
    x: &Tensor,
    bound: Bound<'t>,
) -> Result<Option<Cow<'t, Tensor>>> {
    match bound {
        Bound::None => Ok(None),
        Bound::Tensor(t) => {
            let s = broadcast_shapes(op.name(), t.shape(), x.shape())?;
            if s.as_slice() != x.shape() {
                return Err(Error::ShapeMismatch {
                    op: op.name(),
                    lhs: t.shape().to_vec(),
                    rhs: x.shape().to_vec(),
                    reason: "a bound must broadcast to the shape of x".into(),
                });
            }
            cast(table, t, x.dtype()).map(Some)
        }
        Bound::Scalar(v) => {
            let _guard = TableGuard::new(table);
            state::with_device(x.device(), || super::full(&[], v, x.dtype()))
                .map(|t| Some(Cow::Owned(t)))
        }
    }
}
