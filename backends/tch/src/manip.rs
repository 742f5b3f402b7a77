//! Shape manipulation and dtype conversion.
//!
//! reshape, permute_dims, expand_dims, squeeze, broadcast_to and matrix_transpose may return
//! libtorch views of their input, and some calls return the input itself (astype to its own
//! dtype, flip of no axes), so those results keep the input's borrowed memory alive
//! (`wrap_view`); the other ops here copy.

use crate::{expect_shape, input_tensor, scalar_like, wrap, wrap_like, wrap_view, KINDS, KIT};
use tch::Kind;
use tensorswitch::kit::OrBackendError;
use tensorswitch::{DType, Result, Tensor};

pub(crate) fn reshape(x: &Tensor, shape: &[usize]) -> Result<Tensor> {
    const OP: &str = "reshape";
    let out = input_tensor(OP, x)?
        .f_reshape(KIT.sizes_as::<i64>(OP, shape)?)
        .or_backend(&KIT, OP)?;
    // libtorch infers a dimension given as -1; the sizes are checked, so this only guards.
    expect_shape(OP, &out, shape)?;
    wrap_view(OP, out, x)
}

pub(crate) fn permute_dims(x: &Tensor, axes: &[usize]) -> Result<Tensor> {
    const OP: &str = "permute_dims";
    let out = input_tensor(OP, x)?
        .f_permute(KIT.sizes_as::<i64>(OP, axes)?)
        .or_backend(&KIT, OP)?;
    wrap_view(OP, out, x)
}

pub(crate) fn expand_dims(x: &Tensor, axis: usize) -> Result<Tensor> {
    const OP: &str = "expand_dims";
    let out = input_tensor(OP, x)?
        .f_unsqueeze(KIT.size_as::<i64>(OP, axis)?)
        .or_backend(&KIT, OP)?;
    wrap_view(OP, out, x)
}

pub(crate) fn squeeze(x: &Tensor, axes: &[usize]) -> Result<Tensor> {
    const OP: &str = "squeeze";
    let t = input_tensor(OP, x)?;
    let out = if axes.is_empty() {
        t.shallow_clone()
    } else {
        t.f_squeeze_dims(KIT.sizes_as::<i64>(OP, axes)?)
            .or_backend(&KIT, OP)?
    };
    wrap_view(OP, out, x)
}

/// libtorch's flip copies; flipping no axes is the input itself.
pub(crate) fn flip(x: &Tensor, axes: &[usize]) -> Result<Tensor> {
    const OP: &str = "flip";
    let t = input_tensor(OP, x)?;
    if axes.is_empty() {
        return wrap_view(OP, t.shallow_clone(), x);
    }
    let out = t
        .f_flip(KIT.sizes_as::<i64>(OP, axes)?)
        .or_backend(&KIT, OP)?;
    Ok(wrap_like(out, x.dtype(), x))
}

pub(crate) fn broadcast_to(x: &Tensor, shape: &[usize]) -> Result<Tensor> {
    const OP: &str = "broadcast_to";
    let out = input_tensor(OP, x)?
        .f_expand(KIT.sizes_as::<i64>(OP, shape)?, false)
        .or_backend(&KIT, OP)?;
    // libtorch keeps a dimension given as -1; the sizes are checked, so this only guards.
    expect_shape(OP, &out, shape)?;
    wrap_view(OP, out, x)
}

fn join(
    op: &'static str,
    tensors: &[Tensor],
    f: impl FnOnce(&[&tch::Tensor]) -> std::result::Result<tch::Tensor, tch::TchError>,
) -> Result<Tensor> {
    let first = tensors
        .first()
        .ok_or_else(|| KIT.error(op, "got no tensors"))?;
    let ts = tensors
        .iter()
        .map(|t| input_tensor(op, t))
        .collect::<Result<Vec<_>>>()?;
    let out = f(&ts).or_backend(&KIT, op)?;
    wrap(op, out, first.device())
}

pub(crate) fn concat(tensors: &[Tensor], axis: usize) -> Result<Tensor> {
    const OP: &str = "concat";
    let axis = KIT.size_as::<i64>(OP, axis)?;
    join(OP, tensors, |ts| tch::Tensor::f_cat(ts, axis))
}

pub(crate) fn stack(tensors: &[Tensor], axis: usize) -> Result<Tensor> {
    const OP: &str = "stack";
    let axis = KIT.size_as::<i64>(OP, axis)?;
    join(OP, tensors, |ts| tch::Tensor::f_stack(ts, axis))
}

pub(crate) fn astype(x: &Tensor, dtype: DType) -> Result<Tensor> {
    const OP: &str = "astype";
    let t = input_tensor(OP, x)?;
    if x.dtype() == dtype {
        return wrap_view(OP, t.shallow_clone(), x);
    }
    let out = convert(OP, t, x.dtype(), dtype, KINDS.framework(&KIT, OP, dtype)?)?;
    Ok(wrap_like(out, dtype, x))
}

/// Converts with Rust `as` rules. libtorch's conversions already match them except from float
/// to integer, where out-of-range values and NaN are undefined behaviour in C++: those are
/// clamped into range first (NaN to 0), so the conversion truncates and saturates.
pub(crate) fn convert(
    op: &'static str,
    t: &tch::Tensor,
    from: DType,
    to: DType,
    kind: Kind,
) -> Result<tch::Tensor> {
    if from.is_float() && to.is_integer() {
        float_to_int(op, t, from, to, kind)
    } else {
        t.f_to_kind(kind).or_backend(&KIT, op)
    }
}

fn float_to_int(
    op: &'static str,
    t: &tch::Tensor,
    from: DType,
    to: DType,
    kind: Kind,
) -> Result<tch::Tensor> {
    let (lo, hi) = to
        .integer_range()
        .ok_or_else(|| KIT.error(op, format!("{to} is not an integer dtype")))?;
    // float16/bfloat16 widen to float32 exactly; the bounds are then exact in the work dtype.
    let (work, wide) = if from == DType::Float64 {
        (t.shallow_clone(), DType::Float64)
    } else if from == DType::Float32 {
        (t.shallow_clone(), DType::Float32)
    } else {
        (
            t.f_to_kind(Kind::Float).or_backend(&KIT, op)?,
            DType::Float32,
        )
    };
    let lo_f = lo as f64; // 0 or -2^(bits-1): exact in every float dtype
    let hi_f = wide.largest_float_at_most(hi);
    // The bounds as 0-d tensors of the work dtype, where both are exact, not `tch::Scalar`s
    // (see `scalar_tensor`).
    let lo_t = scalar_like(op, lo_f, &work)?;
    let hi_t = scalar_like(op, hi_f, &work)?;
    let mut out = work
        .f_nan_to_num(0.0, hi_f, lo_f)
        .and_then(|c| c.f_clamp_tensor(Some(&lo_t), Some(&hi_t)))
        .and_then(|c| c.f_to_kind(kind))
        .or_backend(&KIT, op)?;
    if hi_f as i128 != hi {
        // The maximum is not representable (int32 from float32, int64 from either): inputs at
        // or above 2^bits, the next float up, saturate to it.
        let limit = scalar_like(op, (hi + 1) as f64, &work)?;
        // The maximum (i32::MAX or i64::MAX) in the result's kind: through float64 it would
        // round, so it is converted from int64.
        let max = i64::try_from(hi).map_err(|_| KIT.error(op, "uint64 is unsupported"))?;
        let max = crate::i64_tensor(op, max, work.device())?
            .f_to_kind(kind)
            .or_backend(&KIT, op)?;
        out = work
            .f_ge_tensor(&limit)
            .and_then(|over| max.f_where_self(&over, &out))
            .or_backend(&KIT, op)?;
    }
    Ok(out)
}

pub(crate) fn tril(x: &Tensor, k: i64) -> Result<Tensor> {
    const OP: &str = "tril";
    let out = input_tensor(OP, x)?.f_tril(k).or_backend(&KIT, OP)?;
    Ok(wrap_like(out, x.dtype(), x))
}

pub(crate) fn triu(x: &Tensor, k: i64) -> Result<Tensor> {
    const OP: &str = "triu";
    let out = input_tensor(OP, x)?.f_triu(k).or_backend(&KIT, OP)?;
    Ok(wrap_like(out, x.dtype(), x))
}

// ----- issue 12: roll, tile, repeat

/// libtorch's `roll` with the core's shifts (each in `1..size`) and axes.
pub(crate) fn roll(x: &Tensor, shifts: &[usize], axes: &[usize]) -> Result<Tensor> {
    const OP: &str = "roll";
    let out = input_tensor(OP, x)?
        .f_roll(
            KIT.sizes_as::<i64>(OP, shifts)?,
            KIT.sizes_as::<i64>(OP, axes)?,
        )
        .or_backend(&KIT, OP)?;
    Ok(wrap_like(out, x.dtype(), x))
}

/// libtorch's `tile` (the input has one dimension per count).
pub(crate) fn tile(x: &Tensor, reps: &[usize]) -> Result<Tensor> {
    const OP: &str = "tile";
    let out = input_tensor(OP, x)?
        .f_tile(KIT.sizes_as::<i64>(OP, reps)?)
        .or_backend(&KIT, OP)?;
    wrap(OP, out, x.device())
}

/// libtorch's `repeat_interleave`: with one count for all, or with the counts as an int64
/// tensor on the input's device (and the result's size given, so libtorch need not sum them).
pub(crate) fn repeat(x: &Tensor, counts: &[usize], axis: usize) -> Result<Tensor> {
    const OP: &str = "repeat";
    let t = input_tensor(OP, x)?;
    let dim = KIT.size_as::<i64>(OP, axis)?;
    let out = match counts {
        [c] => t
            .f_repeat_interleave_self_int(KIT.size_as::<i64>(OP, *c)?, dim, None::<i64>)
            .or_backend(&KIT, OP)?,
        many => {
            let total: usize = many.iter().sum();
            let counts = tch::Tensor::f_from_slice(&KIT.sizes_as::<i64>(OP, many)?)
                .and_then(|c| c.f_to_device(t.device()))
                .or_backend(&KIT, OP)?;
            t.f_repeat_interleave_self_tensor(&counts, dim, KIT.size_as::<i64>(OP, total)?)
                .or_backend(&KIT, OP)?
        }
    };
    wrap(OP, out, x.device())
}
