//! The fix-ups of the primaries, written with mlx-rs and std only.
//!
//! Where MLX 0.32's CPU backend differs from the catalogue's semantics, the primaries build the
//! corrected result from MLX ops; those constructions live here, as plain functions over
//! `mlx_rs::Array`, and nowhere else. The transpiler (transpile/src/mlx_rs.rs) reads this file
//! as text and copies the functions it needs into the code it emits for `Target::MlxRs`, so the
//! emitted code and the backend run the same source: one place to change, and no copy to drift.
//! Hence the rules for this file: no `crate::` paths, no tensorswitch types, no `unsafe`; every
//! item a function uses is in this file or in mlx-rs/std; each function is `pub(crate)`.
#![allow(dead_code)]

use mlx_rs::{ops as m, Array, Dtype};

/// What an MLX op returns.
pub(crate) type R = mlx_rs::error::Result<Array>;

/// MLX's `exp` returns infinity for every input above 88.0 (its overflow guard), but `exp(x)`
/// is finite in float32 and bfloat16 up to 88.72 (3.4e38). Above 88 this computes
/// `e · exp(x - 1)` instead (`x - 1` is exact there, and the product overflows where the true
/// value does); elsewhere the shift is 0 and the scale 1, so results are MLX's, bit for bit.
/// float16 overflows long before 88 and needs nothing; float64 goes through [`exp_f64`].
/// (Costs about a fifth more than MLX's `exp` alone, measured on 4M float32 elements.)
pub(crate) fn exp_guarded(a: &Array) -> R {
    let d = a.dtype();
    if d == Dtype::Float64 {
        return exp_f64(a);
    }
    if !matches!(d, Dtype::Float32 | Dtype::Bfloat16) {
        return m::exp(a);
    }
    let k = |v: f32| Array::from_f32(v).as_dtype(d);
    let above = m::gt(a, k(88.0)?)?;
    let shift = m::select(&above, k(1.0)?, k(0.0)?)?;
    let scale = m::select(&above, k(std::f32::consts::E)?, k(1.0)?)?;
    m::multiply(m::exp(m::subtract(a, &shift)?)?, &scale)
}

// float64 `exp`, `sin` and `cos`, built from MLX ops that are exact in float64.
//
// MLX's CPU kernels for `exp`, `sin` and `cos` (`mlx/backend/cpu/simd/math.h` in MLX 0.32)
// convert every input to float32 and evaluate Cephes' float32 polynomials, whatever the dtype:
// float64 results are only float32-accurate (relative errors near 1e-7 where the standard's
// float64 tolerance is 1e-12), and `exp` overflows to infinity above 88.7. Other float64 kernels
// of that build call the C library (`std::pow`, `std::tan`, `std::sqrt`, division), so these
// three are composed from those; everything stays lazy (no evaluation here).
//
// Measured against the C library's `exp`/`sin`/`cos` over 26 000 arguments (random ones in
// `[-20, 20]`, multiples of π/4 and π/2 up to 1.6e6, ±0, subnormals, ±1e300, ±inf, NaN, the
// overflow and underflow edges of `exp`): at most 2 units in the last place apart.

/// `fl(e) / e - 1`: the relative error of `std::f64::consts::E`, the float64 nearest to `e`
/// (fl(e) = 2.718281828459045090795598298427648842334747314453125; computed with 60 decimal
/// digits, then rounded to float64).
const E_RELATIVE_ERROR: f64 = -5.318237706605891e-17;

/// `exp(x) = fl(e)^x · (1 + δ)^-x` with `δ = fl(e)/e - 1`, and `(1 + δ)^-x = 1 - x·δ` to within
/// `(x·δ)²` (below 1e-26 wherever the result is finite and non-zero, |x| < 746). `std::pow` is
/// correctly rounded to within an ulp, so only the correction's rounding is added. The
/// correction uses `x` clamped to ±800, where `fl(e)^x` is already 0 or infinity: it stays
/// finite for infinite `x` (no `0 · inf`), and NaN still gives NaN. (MLX arrays made from `f64`
/// are float64, so no constant is rounded to float32.)
pub(crate) fn exp_f64(x: &Array) -> R {
    let p = m::power(Array::from_f64(std::f64::consts::E), x)?;
    let xc = m::minimum(
        m::maximum(x, Array::from_f64(-800.0))?,
        Array::from_f64(800.0),
    )?;
    let correction = m::subtract(
        Array::from_f64(1.0),
        m::multiply(&xc, Array::from_f64(E_RELATIVE_ERROR))?,
    )?;
    m::multiply(&p, &correction)
}

/// `sin` for float64: `sin(x) = 2t / (1 + t²)` with `t = tan(x/2)` (`x/2` is exact; `std::tan`
/// reduces any argument exactly). Accurate everywhere: where `t` is large (x near an odd
/// multiple of π) the quotient is `2/t`, where `t` is near ±1 the derivative vanishes. `t²`
/// cannot overflow: no float64 lies closer than about 1e-19 to an odd multiple of π/2, so
/// |t| < 1e19. Infinite arguments give `tan = NaN`, hence NaN; `-0` gives `-0`. Other dtypes
/// take MLX's `sin`.
pub(crate) fn sin_precise(x: &Array) -> R {
    if x.dtype() != Dtype::Float64 {
        return m::sin(x);
    }
    let t = m::tan(m::multiply(x, Array::from_f64(0.5))?)?;
    m::divide(
        m::add(&t, &t)?,
        m::add(Array::from_f64(1.0), m::multiply(&t, &t)?)?,
    )
}

/// `cos` for float64: `|cos(x)| = 1 / sqrt(1 + T²)` with `T = tan(x)`, accurate near the zeros
/// of `cos` too, where `T` is large (the half-angle form `(1 - t²)/(1 + t²)` would cancel
/// there). The sign is that of `sin(x) · tan(x)`, i.e. of `t · T` with `t = tan(x/2)` (`sin` has
/// the sign of `t`); both are exactly 0 only at `x = ±0`, where the product is 0 and the result
/// +1. Other dtypes take MLX's `cos`.
pub(crate) fn cos_precise(x: &Array) -> R {
    if x.dtype() != Dtype::Float64 {
        return m::cos(x);
    }
    let big_t = m::tan(x)?;
    let t = m::tan(m::multiply(x, Array::from_f64(0.5))?)?;
    let magnitude = m::divide(
        Array::from_f64(1.0),
        m::sqrt(m::add(Array::from_f64(1.0), m::multiply(&big_t, &big_t)?)?)?,
    )?;
    let negative = m::lt(m::multiply(&t, &big_t)?, Array::from_f64(0.0))?;
    m::select(&negative, m::negative(&magnitude)?, &magnitude)
}

fn is_float(d: Dtype) -> bool {
    matches!(
        d,
        Dtype::Float16 | Dtype::Bfloat16 | Dtype::Float32 | Dtype::Float64
    )
}

fn is_signed(d: Dtype) -> bool {
    matches!(d, Dtype::Int8 | Dtype::Int16 | Dtype::Int32 | Dtype::Int64)
}

fn is_integer(d: Dtype) -> bool {
    is_signed(d)
        || matches!(
            d,
            Dtype::Uint8 | Dtype::Uint16 | Dtype::Uint32 | Dtype::Uint64
        )
}

/// MLX's sign of NaN is 0; tensorswitch's (and NumPy's) is NaN.
pub(crate) fn sign_nan(a: &Array) -> R {
    let s = m::sign(a)?;
    if is_float(a.dtype()) {
        m::select(&m::is_nan(a)?, a, &s)
    } else {
        Ok(s)
    }
}

/// MLX has no signbit: floats are viewed as the signed integer of their width (the bits
/// unchanged), whose sign is the float's sign bit, so -0.0 and NaNs with the sign bit set
/// count; signed integers compare with 0 and unsigned ones are never negative.
pub(crate) fn signbit(a: &Array) -> R {
    let bits = match a.dtype() {
        Dtype::Float64 => Some(Dtype::Int64),
        Dtype::Float32 => Some(Dtype::Int32),
        Dtype::Float16 | Dtype::Bfloat16 => Some(Dtype::Int16),
        _ => None,
    };
    match bits {
        Some(d) => {
            let v = a.view_dtype(d)?;
            m::lt(&v, &m::zeros_like(&v)?)
        }
        None => m::lt(a, &m::zeros_like(a)?),
    }
}

// `floor_divide` and `remainder` (issue 12).
//
// MLX's `remainder` is Python's `%` (the sign of the divisor) for integers and floats, but its
// integer kernels divide in C++, where a zero divisor (and `MIN / -1`) is undefined behaviour
// (on x86 the process dies of SIGFPE). Divisors 0 and, for signed integers, -1 are therefore
// replaced by 1 before MLX sees them, and their results set afterwards: 0 for a zero divisor
// (the NumPy answer tensorswitch pins for every backend), `-a` (wrapping) and 0 for -1.
//
// The quotient is built on the remainder `r`, whose semantics MLX's source fixes, rather than
// on MLX's `floor_divide` (documented as `floor(a / b)`; for integers a plain C++ division):
// for integers `q0 = floor_divide(a, b)` is corrected down by one where `q0 * b + r != a` (in
// wrapping arithmetic, which holds for the floor quotient only, truncating or not); for floats
// it is NumPy's `(a - r) / b` snapped to a whole number, so `1.0 // 0.1` is 9 as in NumPy (MLX's
// `floor(1.0 / 0.1)` is 10), with IEEE's `a / b` for a zero divisor and NumPy's answers for an
// infinite one.

/// `b` with 0 (and -1 for signed integers) replaced by 1, and the masks of 0 and -1.
fn safe_divisor(b: &Array) -> mlx_rs::error::Result<(Array, Array, Option<Array>)> {
    let one = m::ones_like(b)?;
    let zero = m::eq(b, &m::zeros_like(b)?)?;
    if is_signed(b.dtype()) {
        let minus_one = m::eq(b, &m::negative(&one)?)?;
        let special = m::logical_or(&zero, &minus_one)?;
        Ok((m::select(&special, &one, b)?, zero, Some(minus_one)))
    } else {
        Ok((m::select(&zero, &one, b)?, zero, None))
    }
}

fn integer_floor_divide(a: &Array, b: &Array) -> R {
    let (safe, zero, minus_one) = safe_divisor(b)?;
    let r = m::remainder(a, &safe)?;
    let q0 = m::floor_divide(a, &safe)?;
    let exact = m::eq(&m::add(&m::multiply(&q0, &safe)?, &r)?, a)?;
    let q = m::select(&exact, &q0, &m::subtract(&q0, &m::ones_like(&q0)?)?)?;
    let q = match minus_one {
        Some(mask) => m::select(&mask, &m::negative(a)?, &q)?,
        None => q,
    };
    m::select(&zero, &m::zeros_like(&q)?, &q)
}

fn float_floor_divide(a: &Array, b: &Array) -> R {
    let r = m::remainder(a, b)?;
    let general = m::round(&m::divide(&m::subtract(a, &r)?, b)?, None)?;
    let ratio = m::divide(a, b)?;
    // An infinite divisor: r is `a` where the signs agree (or a is 0), giving `a / b` (±0);
    // ±inf where they differ, giving -1 (NumPy's answers; `(a - r) / b` would be NaN); NaN
    // for an infinite or NaN `a`, as `a / b` is.
    let minus_one = m::negative(&m::ones_like(&general)?)?;
    let infinite = m::select(&m::is_inf(&r)?, &minus_one, &ratio)?;
    let q = m::select(&m::is_inf(b)?, &infinite, &general)?;
    m::select(&m::eq(b, &m::zeros_like(b)?)?, &ratio, &q)
}

/// Floor division with Python's signs, for operands of one dtype (see above).
pub(crate) fn floor_divide(a: &Array, b: &Array) -> R {
    if is_integer(a.dtype()) {
        integer_floor_divide(a, b)
    } else {
        float_floor_divide(a, b)
    }
}

/// The remainder with the divisor's sign, for operands of one dtype (see above).
pub(crate) fn remainder(a: &Array, b: &Array) -> R {
    if is_integer(a.dtype()) {
        // `a % 1` is 0, which is also the answer for the divisors 0 and -1 replaced by 1.
        let (safe, _, _) = safe_divisor(b)?;
        m::remainder(a, &safe)
    } else {
        m::remainder(a, b)
    }
}

/// Float to integer with Rust's `as` rules (truncating, saturating, NaN to 0); MLX's
/// conversion is undefined out of range. `wide` is float64 for float64 inputs, else float32 (the
/// computation's dtype); `lo` is the integer dtype's minimum and `hi` its maximum rounded down
/// to a `wide` float. `over`: where the integer maximum is not a `wide` float, the threshold at
/// which inputs saturate to it and the maximum itself.
pub(crate) fn float_to_int(
    a: &Array,
    wide: Dtype,
    to: Dtype,
    lo: f64,
    hi: f64,
    over: Option<(f64, u64)>,
) -> R {
    let scalar = |v: f64| Array::from_f64(v).as_dtype(wide);
    let work = if a.dtype() == wide {
        a.clone()
    } else {
        a.as_dtype(wide)?
    };
    let nan = m::is_nan(&work)?;
    let w = m::select(&nan, scalar(0.0)?, &work)?;
    let w = m::maximum(&w, scalar(lo)?)?;
    let w = m::minimum(&w, scalar(hi)?)?;
    let out = w.as_dtype(to)?;
    match over {
        Some((limit, max)) => {
            let max = Array::from_slice(&[max], &[]).as_dtype(to)?;
            m::select(&m::ge(&work, scalar(limit)?)?, &max, &out)
        }
        None => Ok(out),
    }
}

/// `argmax` (`largest`) or `argmin` of a non-empty array with at least one dimension, over
/// `axis` or all elements, as int64. MLX's arg-reductions return uint32 and skip NaN; NaN counts
/// as the extreme here (the first NaN wins, as in NumPy): where a reduced slice has one, the
/// index of its first NaN is taken instead.
pub(crate) fn arg_extremum(a: &Array, axis: Option<i32>, keepdims: bool, largest: bool) -> R {
    let out = match (axis, largest) {
        (Some(ax), true) => m::indexing::argmax_axis(a, ax, keepdims),
        (Some(ax), false) => m::indexing::argmin_axis(a, ax, keepdims),
        (None, true) => m::indexing::argmax(a, keepdims),
        (None, false) => m::indexing::argmin(a, keepdims),
    }?;
    let out = if is_float(a.dtype()) {
        let nan = m::is_nan(a)?;
        let has_nan = match axis {
            Some(ax) => nan.any_axis(ax, keepdims),
            None => nan.any(keepdims),
        }?;
        let flags = nan.as_dtype(Dtype::Uint8)?;
        let first = match axis {
            Some(ax) => m::indexing::argmax_axis(&flags, ax, keepdims),
            None => m::indexing::argmax(&flags, keepdims),
        }?;
        m::select(&has_nan, &first, &out)?
    } else {
        out
    };
    out.as_dtype(Dtype::Int64)
}

/// MLX's matmul only takes floating-point dtypes. Integer products (with a non-empty inner
/// dimension) are computed here as `sum(a[..., m, k, 1] * b[..., 1, k, n], axis=-2)` in the
/// operands' dtype, which wraps on overflow like every integer op (the sum, possibly
/// accumulated wider, is converted back with the same wrapping). It materialises the `m·k·n`
/// products, so large integer matrices cost memory that a float matmul would not.
pub(crate) fn int_matmul(a: &Array, b: &Array) -> R {
    let a3 = a.expand_dims(-1)?;
    let b3 = b.expand_dims(-3)?;
    m::multiply(&a3, &b3)?
        .sum_axis(-2, false)?
        .as_dtype(a.dtype())
}

/// A 0-d bool array: whether a signed integer exponent has a negative element. MLX raises
/// integers to negative powers (returning an integer, e.g. 0 for `2^-1`); tensorswitch refuses
/// them, as NumPy does, so `pow` of integers evaluates this before building the power.
pub(crate) fn any_negative(b: &Array) -> R {
    m::lt(b, Array::from_int(0).as_dtype(b.dtype())?)?.any(false)
}

/// `sort` of a non-empty array along `axis`. MLX sorts ascending (stably). Descending: sort the
/// reversed input and reverse the result, which keeps equal elements in their original order.
pub(crate) fn sort(a: &Array, axis: i32, descending: bool) -> R {
    if descending {
        let f = a.flip(mlx_rs::Axes::Axis(axis))?;
        m::sort_axis(f, axis)?.flip(mlx_rs::Axes::Axis(axis))
    } else {
        m::sort_axis(a, axis)
    }
}

/// `argsort` of a non-empty array along `axis` (of extent `n`), as int64. Descending: the
/// indices `p` of the stable ascending sort of the reversed input, reversed, point into the
/// reversed input; `n - 1 - p` maps them back (equal elements keep their original order).
pub(crate) fn argsort(a: &Array, axis: i32, n: i32, descending: bool) -> R {
    let p = if descending {
        let f = a.flip(mlx_rs::Axes::Axis(axis))?;
        let p = m::argsort_axis(f, axis)?
            .flip(mlx_rs::Axes::Axis(axis))?
            .as_dtype(Dtype::Int32)?;
        m::subtract(Array::from_int(n - 1), &p)?
    } else {
        m::argsort_axis(a, axis)?
    };
    p.as_dtype(Dtype::Int64)
}
