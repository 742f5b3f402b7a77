//! `exp`, `sin` and `cos` for float64, built from MLX ops that are exact in float64.
//!
//! MLX's CPU kernels for `exp`, `sin` and `cos` (`mlx/backend/cpu/simd/math.h` in MLX 0.32)
//! convert every input to float32 and evaluate Cephes' float32 polynomials, whatever the dtype:
//! float64 results are only float32-accurate (relative errors near 1e-7 where the standard's
//! float64 tolerance is 1e-12), and `exp` overflows to infinity above 88.7. Other float64 kernels
//! of that build call the C library (`std::pow`, `std::tan`, `std::sqrt`, division), so these
//! three are composed from those; everything stays lazy (no evaluation here).
//!
//! Measured against the C library's `exp`/`sin`/`cos` over 26 000 arguments (random ones in
//! `[-20, 20]`, multiples of π/4 and π/2 up to 1.6e6, ±0, subnormals, ±1e300, ±inf, NaN, the
//! overflow and underflow edges of `exp`): at most 2 units in the last place apart.

use mlx_rs::{ops as m, Array};

use crate::MlxResult;

/// A float64 scalar (MLX arrays made from `f64` are float64, so nothing is rounded to float32).
fn constant(v: f64) -> Array {
    Array::from_f64(v)
}

/// `fl(e) / e - 1`: the relative error of `std::f64::consts::E`, the float64 nearest to `e`
/// (fl(e) = 2.718281828459045090795598298427648842334747314453125; computed with 60 decimal
/// digits, then rounded to float64).
const E_RELATIVE_ERROR: f64 = -5.318237706605891e-17;

/// `exp(x) = fl(e)^x · (1 + δ)^-x` with `δ = fl(e)/e - 1`, and `(1 + δ)^-x = 1 - x·δ` to within
/// `(x·δ)²` (below 1e-26 wherever the result is finite and non-zero, |x| < 746). `std::pow` is
/// correctly rounded to within an ulp, so only the correction's rounding is added. The
/// correction uses `x` clamped to ±800, where `fl(e)^x` is already 0 or infinity: it stays
/// finite for infinite `x` (no `0 · inf`), and NaN still gives NaN.
pub(crate) fn exp(x: &Array) -> MlxResult {
    let p = m::power(constant(std::f64::consts::E), x)?;
    let xc = m::minimum(m::maximum(x, constant(-800.0))?, constant(800.0))?;
    let correction = m::subtract(constant(1.0), m::multiply(&xc, constant(E_RELATIVE_ERROR))?)?;
    m::multiply(&p, &correction)
}

/// `sin(x) = 2t / (1 + t²)` with `t = tan(x/2)` (`x/2` is exact; `std::tan` reduces any
/// argument exactly). Accurate everywhere: where `t` is large (x near an odd multiple of π) the
/// quotient is `2/t`, where `t` is near ±1 the derivative vanishes. `t²` cannot overflow: no
/// float64 lies closer than about 1e-19 to an odd multiple of π/2, so |t| < 1e19. Infinite
/// arguments give `tan = NaN`, hence NaN; `-0` gives `-0`.
pub(crate) fn sin(x: &Array) -> MlxResult {
    let t = m::tan(m::multiply(x, constant(0.5))?)?;
    m::divide(
        m::add(&t, &t)?,
        m::add(constant(1.0), m::multiply(&t, &t)?)?,
    )
}

/// `|cos(x)| = 1 / sqrt(1 + T²)` with `T = tan(x)`: accurate near the zeros of `cos` too, where
/// `T` is large (the half-angle form `(1 - t²)/(1 + t²)` would cancel there). The sign is that of
/// `sin(x) · tan(x)`, i.e. of `t · T` with `t = tan(x/2)` (`sin` has the sign of `t`); both are
/// exactly 0 only at `x = ±0`, where the product is 0 and the result +1.
pub(crate) fn cos(x: &Array) -> MlxResult {
    let big_t = m::tan(x)?;
    let t = m::tan(m::multiply(x, constant(0.5))?)?;
    let magnitude = m::divide(
        constant(1.0),
        m::sqrt(m::add(constant(1.0), m::multiply(&big_t, &big_t)?)?)?,
    )?;
    let negative = m::lt(m::multiply(&t, &big_t)?, constant(0.0))?;
    m::select(&negative, m::negative(&magnitude)?, &magnitude)
}
