//! Reductions, arg-reductions, the running sum and sorting.

use crate::{input_array, lock, wrap, KIT};
use mlx_rs::{ops as m, Array, Dtype};
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

/// MLX's arg-reductions return uint32 and skip NaN; `kernels::arg_extremum` gives int64 with
/// the first NaN winning, as in NumPy. Empty and 0-d inputs are answered here.
fn arg_reduce(
    op: &'static str,
    x: &Tensor,
    axis: Option<usize>,
    keepdims: bool,
    largest: bool,
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
    wrap(
        op,
        crate::kernels::arg_extremum(a, ax, keepdims, largest).or_backend(&KIT, op)?,
    )
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
    arg_reduce("argmax", x, axis, keepdims, true)
}

pub(crate) fn argmin(x: &Tensor, axis: Option<usize>, keepdims: bool) -> Result<Tensor> {
    arg_reduce("argmin", x, axis, keepdims, false)
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

/// `kernels::sort`. An empty input is returned as it is:
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
    wrap(
        OP,
        crate::kernels::sort(a, ax, descending).or_backend(&KIT, OP)?,
    )
}

/// `kernels::argsort`. An empty input has empty indices (not computed by MLX, see [`sort`]).
pub(crate) fn argsort(x: &Tensor, axis: usize, descending: bool) -> Result<Tensor> {
    const OP: &str = "argsort";
    let _g = lock();
    let a = input_array(OP, x)?;
    if x.size() == 0 {
        return wrap(OP, a.as_dtype(Dtype::Int64).or_backend(&KIT, OP)?);
    }
    let ax = KIT.sizes_as::<i32>(OP, &[axis])?[0];
    let n = KIT.sizes_as::<i32>(OP, &[x.shape()[axis]])?[0];
    wrap(
        OP,
        crate::kernels::argsort(a, ax, n, descending).or_backend(&KIT, OP)?,
    )
}
