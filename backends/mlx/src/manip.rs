//! Shape manipulation and `astype`.

use crate::{check_device, input_array, lock, wrap, DTYPES, KIT};
use mlx_rs::{ops as m, Array, Axes};
use tensorswitch::kit::OrBackendError;
use tensorswitch::{DType, Result, Tensor};

pub(crate) fn reshape(x: &Tensor, shape: &[usize]) -> Result<Tensor> {
    const OP: &str = "reshape";
    let _g = lock();
    wrap(
        OP,
        m::reshape(input_array(OP, x)?, &KIT.sizes_as::<i32>(OP, shape)?).or_backend(&KIT, OP)?,
    )
}

pub(crate) fn permute_dims(x: &Tensor, axes: &[usize]) -> Result<Tensor> {
    const OP: &str = "permute_dims";
    let _g = lock();
    wrap(
        OP,
        m::transpose_axes(input_array(OP, x)?, &KIT.sizes_as::<i32>(OP, axes)?)
            .or_backend(&KIT, OP)?,
    )
}

pub(crate) fn broadcast_to(x: &Tensor, shape: &[usize]) -> Result<Tensor> {
    const OP: &str = "broadcast_to";
    let _g = lock();
    wrap(
        OP,
        m::broadcast_to(input_array(OP, x)?, &KIT.sizes_as::<i32>(OP, shape)?)
            .or_backend(&KIT, OP)?,
    )
}

pub(crate) fn flip(x: &Tensor, axes: &[usize]) -> Result<Tensor> {
    const OP: &str = "flip";
    let _g = lock();
    let a = input_array(OP, x)?;
    if axes.is_empty() {
        return wrap(OP, a.clone());
    }
    wrap(
        OP,
        a.flip(Axes::Axes(KIT.sizes_as::<i32>(OP, axes)?))
            .or_backend(&KIT, OP)?,
    )
}

pub(crate) fn concat(xs: &[Tensor], axis: usize) -> Result<Tensor> {
    const OP: &str = "concat";
    let _g = lock();
    let arrays: Vec<&Array> = xs
        .iter()
        .map(|t| input_array(OP, t))
        .collect::<Result<_>>()?;
    wrap(
        OP,
        m::concatenate(&arrays, KIT.sizes_as::<i32>(OP, &[axis])?[0]).or_backend(&KIT, OP)?,
    )
}

/// Rust `as` rules. MLX's conversions (C++ `static_cast`) match them except from float to
/// integer, where out-of-range values and NaN are undefined behaviour in C++ (on x86_64 they
/// come out as the integer minimum or as garbage): see [`float_to_int`].
pub(crate) fn astype(x: &Tensor, dtype: DType) -> Result<Tensor> {
    const OP: &str = "astype";
    check_device(OP, x.device(), dtype)?;
    let _g = lock();
    let a = input_array(OP, x)?;
    let out = if x.dtype().is_float() && dtype.is_integer() {
        float_to_int(OP, a, x.dtype(), dtype)?
    } else {
        a.as_dtype(DTYPES.framework(&KIT, OP, dtype)?)
            .or_backend(&KIT, OP)?
    };
    let out = wrap(OP, out)?;
    if out.dtype() != dtype {
        return Err(KIT.error(
            OP,
            format!("internal error: converting to {dtype} made {}", out.dtype()),
        ));
    }
    Ok(out)
}

/// A 0-d array of the integer dtype `dtype` holding `value` (in range for it).
/// Rust's `as` rules (`kernels::float_to_int`), with the constants of `from` and `to`.
fn float_to_int(op: &'static str, a: &Array, from: DType, to: DType) -> Result<Array> {
    let (lo, hi) = to
        .integer_range()
        .ok_or_else(|| KIT.error(op, format!("{to} is not an integer dtype")))?;
    let wide = if from == DType::Float64 {
        DType::Float64
    } else {
        DType::Float32
    };
    let hi_f = wide.largest_float_at_most(hi);
    let over = if hi_f as i128 != hi {
        let max =
            u64::try_from(hi).map_err(|_| KIT.error(op, format!("{hi} fits no 64-bit integer")))?;
        Some(((hi + 1) as f64, max))
    } else {
        None
    };
    crate::kernels::float_to_int(
        a,
        DTYPES.framework(&KIT, op, wide)?,
        DTYPES.framework(&KIT, op, to)?,
        lo as f64,
        hi_f,
        over,
    )
    .or_backend(&KIT, op)
}

// ----- issue 12: roll, tile, repeat

/// mlx-c's `mlx_roll_axes` (mlx-rs 0.33 has no roll), with the core's shifts and axes.
#[allow(unsafe_code)]
pub(crate) fn roll(x: &Tensor, shifts: &[usize], axes: &[usize]) -> Result<Tensor> {
    const OP: &str = "roll";
    let _g = lock();
    let a = input_array(OP, x)?;
    let shifts = KIT.sizes_as::<i32>(OP, shifts)?;
    let axes = KIT.sizes_as::<i32>(OP, axes)?;
    // SAFETY: mlx-c's op reads the two arrays of the lengths given, which live for the call,
    // and the input array, which stays alive for it.
    let out = crate::bitwise::mlx_c(OP, |res, s| unsafe {
        mlx_sys::mlx_roll_axes(
            res,
            a.as_ptr(),
            shifts.as_ptr(),
            shifts.len(),
            axes.as_ptr(),
            axes.len(),
            s,
        )
    })?;
    wrap(OP, out)
}

/// MLX's `tile` (the input has one dimension per count).
pub(crate) fn tile(x: &Tensor, reps: &[usize]) -> Result<Tensor> {
    const OP: &str = "tile";
    let _g = lock();
    // An empty result is built from its shape: a repetition count beyond MLX's i32 sizes is
    // fine when it repeats nothing (the core checked that the result's sizes fit).
    let n = reps.len().max(x.ndim());
    let padded = |s: &[usize], i: usize| (i + s.len()).checked_sub(n).map_or(1, |j| s[j]);
    let shape: Vec<usize> = (0..n)
        .map(|i| padded(x.shape(), i).saturating_mul(padded(reps, i)))
        .collect();
    if shape.contains(&0) {
        let a = input_array(OP, x)?;
        let dims = KIT.sizes_as::<i32>(OP, &shape)?;
        return wrap(OP, m::zeros_dtype(&dims, a.dtype()).or_backend(&KIT, OP)?);
    }
    let reps = KIT.sizes_as::<i32>(OP, reps)?;
    wrap(
        OP,
        m::tile(input_array(OP, x)?, &reps).or_backend(&KIT, OP)?,
    )
}

/// MLX's `repeat` along an axis (mlx-c's `mlx_repeat_axis`) for one count; for one count per
/// element, a `take` along the axis of the indices built here (`i` repeated `counts[i]` times).
#[allow(unsafe_code)]
pub(crate) fn repeat(x: &Tensor, counts: &[usize], axis: usize) -> Result<Tensor> {
    const OP: &str = "repeat";
    if counts.len() == 1 && x.shape()[axis] == 0 {
        // Any count of nothing is nothing, even a count beyond MLX's i32 sizes.
        return Ok(x.clone());
    }
    let _g = lock();
    let a = input_array(OP, x)?;
    let ax = KIT.size_as::<i32>(OP, axis)?;
    let out = match counts {
        [c] => {
            let c = KIT.size_as::<i32>(OP, *c)?;
            // SAFETY: mlx-c's op on a live array.
            crate::bitwise::mlx_c(OP, |res, s| unsafe {
                mlx_sys::mlx_repeat_axis(res, a.as_ptr(), c, ax, s)
            })?
        }
        many => {
            let mut idx: Vec<i32> = tensorswitch::alloc::try_with_capacity(OP, many.iter().sum())?;
            for (i, &c) in many.iter().enumerate() {
                let i = KIT.size_as::<i32>(OP, i)?;
                idx.extend(std::iter::repeat(i).take(c));
            }
            let len = KIT.size_as::<i32>(OP, idx.len())?;
            let idx = Array::from_slice(&idx, &[len]);
            a.take_axis(&idx, ax).or_backend(&KIT, OP)?
        }
    };
    wrap(OP, out)
}
