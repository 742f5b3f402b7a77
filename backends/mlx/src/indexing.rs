//! Indexing on MLX: `take_axis` (take), `take_along_axis`, mlx-c's `slice` and `flip`
//! (strided_slice), `put_along_axis` (put) and mlx-c's `scatter_add_axis` (put_add). MLX has
//! no `nonzero` and no `searchsorted`: argwhere and searchsorted take the core's compositional
//! fallbacks. The core passes int64 indices already checked against their dimension (MLX
//! itself does not check indices).

use crate::bitwise::mlx_c;
use crate::{input_array, lock, wrap, KIT};
use mlx_rs::{Array, Axes};
use tensorswitch::kit::OrBackendError;
use tensorswitch::{AxisSlice, Result, Tensor};

pub(crate) fn take(x: &Tensor, indices: &Tensor, axis: usize) -> Result<Tensor> {
    const OP: &str = "take";
    let _g = lock();
    let axis = KIT.sizes_as::<i32>(OP, &[axis])?[0];
    let out = input_array(OP, x)?
        .take_axis(input_array(OP, indices)?, axis)
        .or_backend(&KIT, OP)?;
    wrap(OP, out)
}

pub(crate) fn take_along_axis(x: &Tensor, indices: &Tensor, axis: usize) -> Result<Tensor> {
    const OP: &str = "take_along_axis";
    let _g = lock();
    let axis = KIT.sizes_as::<i32>(OP, &[axis])?[0];
    let out = input_array(OP, x)?
        .take_along_axis(input_array(OP, indices)?, axis)
        .or_backend(&KIT, OP)?;
    wrap(OP, out)
}

/// mlx-c's `slice` over the span each dimension keeps (positive steps), then the dimensions
/// with a negative step flipped.
#[allow(unsafe_code)]
pub(crate) fn strided_slice(x: &Tensor, slices: &[AxisSlice]) -> Result<Tensor> {
    const OP: &str = "strided_slice";
    let _g = lock();
    let a = input_array(OP, x)?;
    let (mut start, mut stop, mut step) = (Vec::new(), Vec::new(), Vec::new());
    for s in slices {
        let (lo, hi, st) = s.span();
        start.push(lo);
        stop.push(hi);
        step.push(st);
    }
    let (start, stop, step) = (
        KIT.sizes_as::<i32>(OP, &start)?,
        KIT.sizes_as::<i32>(OP, &stop)?,
        KIT.sizes_as::<i32>(OP, &step)?,
    );
    // SAFETY: mlx-c's slice; `a` and the three lists (of one entry per dimension) stay alive
    // for the call.
    let out = mlx_c(OP, |res, s| unsafe {
        mlx_sys::mlx_slice(
            res,
            a.as_ptr(),
            start.as_ptr(),
            start.len(),
            stop.as_ptr(),
            stop.len(),
            step.as_ptr(),
            step.len(),
            s,
        )
    })?;
    let flipped: Vec<usize> = (0..slices.len()).filter(|&d| slices[d].step < 0).collect();
    if flipped.is_empty() {
        return wrap(OP, out);
    }
    let out: Array = out
        .flip(Axes::Axes(KIT.sizes_as::<i32>(OP, &flipped)?))
        .or_backend(&KIT, OP)?;
    wrap(OP, out)
}

pub(crate) fn put(x: &Tensor, indices: &Tensor, values: &Tensor) -> Result<Tensor> {
    const OP: &str = "put";
    let _g = lock();
    let out = input_array(OP, x)?
        .put_along_axis(input_array(OP, indices)?, input_array(OP, values)?, 0)
        .or_backend(&KIT, OP)?;
    wrap(OP, out)
}

/// mlx-c's `scatter_add_axis` (mlx-rs 0.33 has no binding): repeated indices add each value.
#[allow(unsafe_code)]
pub(crate) fn put_add(x: &Tensor, indices: &Tensor, values: &Tensor) -> Result<Tensor> {
    const OP: &str = "put_add";
    let _g = lock();
    let (a, i, v) = (
        input_array(OP, x)?,
        input_array(OP, indices)?,
        input_array(OP, values)?,
    );
    // SAFETY: mlx-c's scatter_add_axis; the three arrays stay alive for the call.
    let out = mlx_c(OP, |res, s| unsafe {
        mlx_sys::mlx_scatter_add_axis(res, a.as_ptr(), i.as_ptr(), v.as_ptr(), 0, s)
    })?;
    wrap(OP, out)
}
