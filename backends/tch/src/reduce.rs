//! Reductions, statistics, arg-reductions, cumulative sums, sorting and softmax.
//!
//! libtorch reduces over every dimension when given an empty dimension list; tensorswitch's
//! empty axis list means "reduce over none", so those calls return the input unchanged.

use crate::{input_tensor, scalar_like, wrap, wrap_view, KIT};
use tch::Kind;
use tensorswitch::kit::OrBackendError;
use tensorswitch::{DType, Result, Tensor};

/// The input itself, for reductions over no axes.
fn unreduced(op: &'static str, x: &Tensor) -> Result<Tensor> {
    wrap_view(op, input_tensor(op, x)?.shallow_clone(), x)
}

pub(crate) fn sum(x: &Tensor, axes: &[usize], keepdims: bool) -> Result<Tensor> {
    const OP: &str = "sum";
    if axes.is_empty() {
        return unreduced(OP, x);
    }
    let out = input_tensor(OP, x)?
        .f_sum_dim_intlist(KIT.sizes_as::<i64>(OP, axes)?, keepdims, None::<Kind>)
        .or_backend(&KIT, OP)?;
    wrap(OP, out, x.device())
}

pub(crate) fn mean(x: &Tensor, axes: &[usize], keepdims: bool) -> Result<Tensor> {
    const OP: &str = "mean";
    if axes.is_empty() {
        return unreduced(OP, x);
    }
    let out = input_tensor(OP, x)?
        .f_mean_dim(KIT.sizes_as::<i64>(OP, axes)?, keepdims, None::<Kind>)
        .or_backend(&KIT, OP)?;
    wrap(OP, out, x.device())
}

/// libtorch's prod reduces one dimension at a time; going from the last axis to the first
/// keeps the remaining axis numbers valid with or without keepdims.
pub(crate) fn prod(x: &Tensor, axes: &[usize], keepdims: bool) -> Result<Tensor> {
    const OP: &str = "prod";
    if axes.is_empty() {
        return unreduced(OP, x);
    }
    let mut t = input_tensor(OP, x)?.shallow_clone();
    for &a in axes.iter().rev() {
        t = t
            .f_prod_dim_int(KIT.size_as::<i64>(OP, a)?, keepdims, None::<Kind>)
            .or_backend(&KIT, OP)?;
    }
    wrap(OP, t, x.device())
}

/// `amax`/`amin` propagate NaN, as tensorswitch's max/min do.
pub(crate) fn max(x: &Tensor, axes: &[usize], keepdims: bool) -> Result<Tensor> {
    const OP: &str = "max";
    if axes.is_empty() {
        return unreduced(OP, x);
    }
    let out = input_tensor(OP, x)?
        .f_amax(KIT.sizes_as::<i64>(OP, axes)?, keepdims)
        .or_backend(&KIT, OP)?;
    wrap(OP, out, x.device())
}

pub(crate) fn min(x: &Tensor, axes: &[usize], keepdims: bool) -> Result<Tensor> {
    const OP: &str = "min";
    if axes.is_empty() {
        return unreduced(OP, x);
    }
    let out = input_tensor(OP, x)?
        .f_amin(KIT.sizes_as::<i64>(OP, axes)?, keepdims)
        .or_backend(&KIT, OP)?;
    wrap(OP, out, x.device())
}

/// `all`/`any`: the input arrives as bool, so libtorch's result is bool too. An empty axis
/// list reduces nothing (libtorch's `all_dims` would reduce everything), so the input itself
/// is the answer.
pub(crate) fn all(x: &Tensor, axes: &[usize], keepdims: bool) -> Result<Tensor> {
    const OP: &str = "all";
    if axes.is_empty() {
        return unreduced(OP, x);
    }
    let out = input_tensor(OP, x)?
        .f_all_dims(KIT.sizes_as::<i64>(OP, axes)?, keepdims)
        .or_backend(&KIT, OP)?;
    wrap(OP, out, x.device())
}

pub(crate) fn any(x: &Tensor, axes: &[usize], keepdims: bool) -> Result<Tensor> {
    const OP: &str = "any";
    if axes.is_empty() {
        return unreduced(OP, x);
    }
    let out = input_tensor(OP, x)?
        .f_any_dims(KIT.sizes_as::<i64>(OP, axes)?, keepdims)
        .or_backend(&KIT, OP)?;
    wrap(OP, out, x.device())
}

/// The bool input (the core converts to bool first) summed as int64. libtorch's
/// `count_nonzero` has no `keepdim`, so this sums instead; over no axes (which libtorch would
/// read as all of them) each element becomes 0 or 1.
pub(crate) fn count_nonzero(x: &Tensor, axes: &[usize], keepdims: bool) -> Result<Tensor> {
    const OP: &str = "count_nonzero";
    let t = input_tensor(OP, x)?;
    let out = if axes.is_empty() {
        t.f_to_kind(Kind::Int64)
    } else {
        t.f_sum_dim_intlist(KIT.sizes_as::<i64>(OP, axes)?, keepdims, Kind::Int64)
    }
    .or_backend(&KIT, OP)?;
    wrap(OP, out, x.device())
}

/// Variance with a (possibly fractional) correction, dividing by `max(N - correction, 0)` as
/// tensorswitch defines. libtorch's `var(correction=…)` takes the correction as a
/// `tch::Scalar`, which panics when libtorch fails (see `scalar_tensor`), so it is not used:
/// corrections 0 and 1 run `var(unbiased=…)`, others scale the population variance by
/// `N / (N - correction)`. Where the divisor is 0 the two-pass formula runs here, giving the
/// same infinity or NaN without libtorch's "degrees of freedom" warning on stderr. Over no
/// axes each element is its own sample. With `sqrt`, the standard deviation instead.
fn variance(
    op: &'static str,
    x: &Tensor,
    axes: &[usize],
    correction: f64,
    keepdims: bool,
    sqrt: bool,
) -> Result<tch::Tensor> {
    let t = input_tensor(op, x)?;
    let root = |v: tch::Tensor| if sqrt { v.f_sqrt() } else { Ok(v) };
    if axes.is_empty() {
        let dof = scalar_like(op, (1.0 - correction).max(0.0), t)?;
        return t
            .f_sub(t)
            .and_then(|d| d.f_square())
            .and_then(|d| d.f_div(&dof))
            .and_then(root)
            .or_backend(&KIT, op);
    }
    let n = count(x, axes);
    let dims = KIT.sizes_as::<i64>(op, axes)?;
    if n - correction > 0.0 {
        let unbiased = correction == 1.0;
        if unbiased || correction == 0.0 {
            return if sqrt {
                t.f_std_dim(dims.as_slice(), unbiased, keepdims)
            } else {
                t.f_var_dim(dims.as_slice(), unbiased, keepdims)
            }
            .or_backend(&KIT, op);
        }
        let scale = scalar_like(op, n / (n - correction), t)?;
        return t
            .f_var_dim(dims.as_slice(), false, keepdims)
            .and_then(|v| v.f_mul(&scale))
            .and_then(root)
            .or_backend(&KIT, op);
    }
    let zero = scalar_like(op, 0.0, t)?;
    t.f_mean_dim(dims.as_slice(), true, None::<Kind>)
        .and_then(|m| t.f_sub(&m))
        .and_then(|d| d.f_square())
        .and_then(|d| d.f_sum_dim_intlist(dims.as_slice(), keepdims, None::<Kind>))
        .and_then(|ss| ss.f_div(&zero))
        .and_then(root)
        .or_backend(&KIT, op)
}

/// The number of elements each result element reduces (the core sends axes in range).
fn count(x: &Tensor, axes: &[usize]) -> f64 {
    axes.iter()
        .map(|&a| x.shape().get(a).copied().unwrap_or(1) as f64)
        .product::<f64>()
}

pub(crate) fn var(x: &Tensor, axes: &[usize], correction: f64, keepdims: bool) -> Result<Tensor> {
    const OP: &str = "var";
    let out = variance(OP, x, axes, correction, keepdims, false)?;
    wrap(OP, out, x.device())
}

pub(crate) fn std(x: &Tensor, axes: &[usize], correction: f64, keepdims: bool) -> Result<Tensor> {
    const OP: &str = "std";
    let out = variance(OP, x, axes, correction, keepdims, true)?;
    wrap(OP, out, x.device())
}

/// libtorch's argmax/argmin return the first extreme, NaN counting as the extreme (as
/// tensorswitch defines). Bool inputs are compared as uint8. Over the flattened tensor with
/// keepdims, the result has one size-1 dimension per input dimension.
fn arg_extremum(
    op: &'static str,
    x: &Tensor,
    axis: Option<usize>,
    keepdims: bool,
    largest: bool,
) -> Result<Tensor> {
    let t = input_tensor(op, x)?;
    let owned;
    let t = if x.dtype() == DType::Bool {
        owned = t.f_to_kind(Kind::Uint8).or_backend(&KIT, op)?;
        &owned
    } else {
        t
    };
    let run = |dim: Option<i64>, keep: bool| {
        if largest {
            t.f_argmax(dim, keep)
        } else {
            t.f_argmin(dim, keep)
        }
    };
    let out = match axis {
        Some(a) => run(Some(KIT.size_as::<i64>(op, a)?), keepdims),
        None if keepdims => run(None, false).and_then(|r| r.f_reshape(vec![1i64; x.ndim()])),
        None => run(None, false),
    }
    .or_backend(&KIT, op)?;
    wrap(op, out, x.device())
}

pub(crate) fn argmax(x: &Tensor, axis: Option<usize>, keepdims: bool) -> Result<Tensor> {
    arg_extremum("argmax", x, axis, keepdims, true)
}

pub(crate) fn argmin(x: &Tensor, axis: Option<usize>, keepdims: bool) -> Result<Tensor> {
    arg_extremum("argmin", x, axis, keepdims, false)
}

pub(crate) fn cumulative_sum(x: &Tensor, axis: usize) -> Result<Tensor> {
    const OP: &str = "cumulative_sum";
    let out = input_tensor(OP, x)?
        .f_cumsum(KIT.size_as::<i64>(OP, axis)?, None::<Kind>)
        .or_backend(&KIT, OP)?;
    wrap(OP, out, x.device())
}

/// `sort(stable=True)`: equal elements keep their order in both directions; NaN sorts as the
/// largest value (last ascending, first descending).
fn sorted(
    op: &'static str,
    x: &Tensor,
    axis: usize,
    descending: bool,
) -> Result<(tch::Tensor, tch::Tensor)> {
    input_tensor(op, x)?
        .f_sort_stable(true, KIT.size_as::<i64>(op, axis)?, descending)
        .or_backend(&KIT, op)
}

pub(crate) fn sort(x: &Tensor, axis: usize, descending: bool) -> Result<Tensor> {
    const OP: &str = "sort";
    let (values, _) = sorted(OP, x, axis, descending)?;
    wrap(OP, values, x.device())
}

pub(crate) fn argsort(x: &Tensor, axis: usize, descending: bool) -> Result<Tensor> {
    const OP: &str = "argsort";
    let (_, indices) = sorted(OP, x, axis, descending)?;
    wrap(OP, indices, x.device())
}

pub(crate) fn softmax(x: &Tensor, axis: usize) -> Result<Tensor> {
    const OP: &str = "softmax";
    let out = input_tensor(OP, x)?
        .f_softmax(KIT.size_as::<i64>(OP, axis)?, None::<Kind>)
        .or_backend(&KIT, OP)?;
    wrap(OP, out, x.device())
}
