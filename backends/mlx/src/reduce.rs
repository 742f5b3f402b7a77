//! Reductions, arg-reductions, the running sum and sorting.

use crate::{input_array, lock, wrap, MlxResult, KIT};
use mlx_rs::{ops as m, Array, Axes, Dtype};
use tensorswitch::kit::OrBackendError;
use tensorswitch::{Error, Result, Tensor};

macro_rules! reduce {
    ($($name:ident => $method:ident, $identity:expr;)*) => {$(
        /// Over no axes the input is returned as it is (MLX would reduce over all of them).
        /// An empty input gives the op's identity in every element of the result, built here:
        /// MLX 0.32's CPU reduction loops forever over a zero-size axis when the result has
        /// elements (`sum` of shape (3, 0) over axis 1). `max`/`min` have no identity, but the
        /// core refuses to reduce their zero-size axes, so their result is empty too. `all` and
        /// `any` get bool inputs from the core; their identities are true and false.
        pub(crate) fn $name(x: &Tensor, axes: &[usize], keepdims: bool) -> Result<Tensor> {
            const OP: &str = stringify!($name);
            let _g = lock();
            let a = input_array(OP, x)?;
            if axes.is_empty() {
                return wrap(OP, a.clone());
            }
            if x.size() == 0 {
                let shape = reduced_shape(x.shape(), axes, keepdims);
                let fill = Array::from_f64($identity).as_dtype(a.dtype()).or_backend(&KIT, OP)?;
                return wrap(OP, m::broadcast_to(&fill, &KIT.sizes_as::<i32>(OP, &shape)?).or_backend(&KIT, OP)?);
            }
            wrap(OP, a.$method(&KIT.sizes_as::<i32>(OP, axes)?, keepdims).or_backend(&KIT, OP)?)
        }
    )*};
}

reduce! {
    sum => sum_axes, 0.0;
    prod => prod_axes, 1.0;
    max => max_axes, 0.0;
    min => min_axes, 0.0;
    all => all_axes, 1.0;
    any => any_axes, 0.0;
}

/// The number of true elements (the core converts the input to bool), as int64: the input
/// converted to int64 and summed, with `sum`'s cases: over no axes the converted input itself
/// (each element counts 0 or 1), and for a zero-size input zeros of the result's shape, built
/// here (MLX 0.32's CPU reduction loops forever over a zero-size axis, see `sum`).
pub(crate) fn count_nonzero(x: &Tensor, axes: &[usize], keepdims: bool) -> Result<Tensor> {
    const OP: &str = "count_nonzero";
    let _g = lock();
    let a = input_array(OP, x)?;
    if x.size() == 0 {
        let shape = reduced_shape(x.shape(), axes, keepdims);
        return wrap(
            OP,
            m::zeros_dtype(&KIT.sizes_as::<i32>(OP, &shape)?, Dtype::Int64).or_backend(&KIT, OP)?,
        );
    }
    let ones = a.as_dtype(Dtype::Int64).or_backend(&KIT, OP)?;
    if axes.is_empty() {
        return wrap(OP, ones);
    }
    wrap(
        OP,
        ones.sum_axes(&KIT.sizes_as::<i32>(OP, axes)?, keepdims)
            .or_backend(&KIT, OP)?,
    )
}

/// The shape of a reduction's result: `axes` (sorted, in range) dropped, or kept as 1.
fn reduced_shape(shape: &[usize], axes: &[usize], keepdims: bool) -> Vec<usize> {
    shape
        .iter()
        .enumerate()
        .filter_map(|(i, &d)| match (axes.contains(&i), keepdims) {
            (false, _) => Some(d),
            (true, true) => Some(1),
            (true, false) => None,
        })
        .collect()
}

/// MLX's arg-reductions return uint32; the catalogue's are int64. NaN counts as the extreme
/// (the first NaN wins, as in NumPy); MLX's own comparison skips NaN, so where a reduced slice
/// has one the index of its first NaN is taken instead.
fn arg_reduce(
    op: &'static str,
    x: &Tensor,
    axis: Option<usize>,
    keepdims: bool,
    by_axis: fn(&Array, i32, bool) -> MlxResult,
    all: fn(&Array, bool) -> MlxResult,
) -> Result<Tensor> {
    let _g = lock();
    let a = input_array(op, x)?;
    let ax = match axis {
        Some(ax) => Some(KIT.sizes_as::<i32>(op, &[ax])?[0]),
        None => None,
    };
    if x.size() == 0 {
        return empty_arg_reduce(op, x, axis, keepdims);
    }
    if x.ndim() == 0 {
        // The only element is at index 0. MLX's C API refuses the whole-array form with
        // `keepdims` on a 0-d array ("cannot create std::vector larger than max_size()": it
        // sizes the kept shape as ndim - 1); found by the robustness campaign.
        return wrap(op, m::zeros_dtype(&[], Dtype::Int64).or_backend(&KIT, op)?);
    }
    let out = match ax {
        Some(ax) => by_axis(a, ax, keepdims),
        None => all(a, keepdims),
    }
    .or_backend(&KIT, op)?;
    let out = if x.dtype().is_float() {
        let first_nan = |nan: &Array| -> MlxResult {
            let has_nan = match ax {
                Some(ax) => nan.any_axis(ax, keepdims),
                None => nan.any(keepdims),
            }?;
            let flags = nan.as_dtype(Dtype::Uint8)?;
            let first = match ax {
                Some(ax) => m::indexing::argmax_axis(&flags, ax, keepdims),
                None => m::indexing::argmax(&flags, keepdims),
            }?;
            m::select(&has_nan, &first, &out)
        };
        m::is_nan(a)
            .and_then(|nan| first_nan(&nan))
            .or_backend(&KIT, op)?
    } else {
        out
    };
    wrap(op, out.as_dtype(Dtype::Int64).or_backend(&KIT, op)?)
}

/// The core refuses zero-size reduced axes, so an empty input here has a non-empty reduced
/// axis: the result is empty too. MLX refuses every zero-size input, so it is built here.
fn empty_arg_reduce(
    op: &'static str,
    x: &Tensor,
    axis: Option<usize>,
    keepdims: bool,
) -> Result<Tensor> {
    let Some(ax) = axis else {
        return Err(Error::InvalidArgument {
            op,
            reason: format!(
                "cannot take {op} of a tensor without elements (shape {:?})",
                x.shape()
            ),
        });
    };
    let shape: Vec<usize> = x
        .shape()
        .iter()
        .enumerate()
        .filter_map(|(i, &d)| match (i == ax, keepdims) {
            (false, _) => Some(d),
            (true, true) => Some(1),
            (true, false) => None,
        })
        .collect();
    wrap(
        op,
        m::zeros_dtype(&KIT.sizes_as::<i32>(op, &shape)?, Dtype::Int64).or_backend(&KIT, op)?,
    )
}

pub(crate) fn argmax(x: &Tensor, axis: Option<usize>, keepdims: bool) -> Result<Tensor> {
    arg_reduce(
        "argmax",
        x,
        axis,
        keepdims,
        |a, ax, k| m::indexing::argmax_axis(a, ax, k),
        |a, k| m::indexing::argmax(a, k),
    )
}

pub(crate) fn argmin(x: &Tensor, axis: Option<usize>, keepdims: bool) -> Result<Tensor> {
    arg_reduce(
        "argmin",
        x,
        axis,
        keepdims,
        |a, ax, k| m::indexing::argmin_axis(a, ax, k),
        |a, k| m::indexing::argmin(a, k),
    )
}

/// An empty input is its own running sum: MLX 0.32's CPU scan kernel divides by the array's
/// extent and kills the process with SIGFPE on zero-size arrays.
pub(crate) fn cumulative_sum(x: &Tensor, axis: usize) -> Result<Tensor> {
    const OP: &str = "cumulative_sum";
    let _g = lock();
    let a = input_array(OP, x)?;
    if x.size() == 0 {
        return wrap(OP, a.clone());
    }
    let ax = KIT.sizes_as::<i32>(OP, &[axis])?[0];
    wrap(OP, m::cumsum(a, ax, false, true).or_backend(&KIT, OP)?)
}

/// MLX sorts ascending (stably). Descending: sort the reversed input and reverse the result,
/// which keeps equal elements in their original order. An empty input is returned as it is:
/// MLX 0.32's CPU sort kernels divide by the array's extent and kill the process with SIGFPE on
/// zero-size arrays.
pub(crate) fn sort(x: &Tensor, axis: usize, descending: bool) -> Result<Tensor> {
    const OP: &str = "sort";
    let _g = lock();
    let a = input_array(OP, x)?;
    if x.size() == 0 {
        return wrap(OP, a.clone());
    }
    let ax = KIT.sizes_as::<i32>(OP, &[axis])?[0];
    let out = if descending {
        a.flip(Axes::Axis(ax))
            .and_then(|f| m::sort_axis(f, ax))
            .and_then(|s| s.flip(Axes::Axis(ax)))
    } else {
        m::sort_axis(a, ax)
    }
    .or_backend(&KIT, OP)?;
    wrap(OP, out)
}

/// Descending: the indices `p` of the stable ascending sort of the reversed input, reversed,
/// point into the reversed input; `n - 1 - p` maps them back (equal elements keep their
/// original order). An empty input has empty indices (not computed by MLX, see [`sort`]).
pub(crate) fn argsort(x: &Tensor, axis: usize, descending: bool) -> Result<Tensor> {
    const OP: &str = "argsort";
    let _g = lock();
    let a = input_array(OP, x)?;
    if x.size() == 0 {
        return wrap(OP, a.as_dtype(Dtype::Int64).or_backend(&KIT, OP)?);
    }
    let ax = KIT.sizes_as::<i32>(OP, &[axis])?[0];
    let out = if descending {
        let last = Array::from_int(KIT.sizes_as::<i32>(OP, &[x.shape()[axis]])?[0] - 1);
        a.flip(Axes::Axis(ax))
            .and_then(|f| m::argsort_axis(f, ax))
            .and_then(|p| p.flip(Axes::Axis(ax)))
            .and_then(|p| p.as_dtype(mlx_rs::Dtype::Int32))
            .and_then(|p| m::subtract(&last, &p))
    } else {
        m::argsort_axis(a, ax)
    }
    .and_then(|p| p.as_dtype(mlx_rs::Dtype::Int64))
    .or_backend(&KIT, OP)?;
    wrap(OP, out)
}
