//! Vectorisable `exp`, `log`, `sin`, `cos`, `tanh` (float64; float32's is `math::tanh_f32`)
//! and `sqrt` for float32 and float64.
//!
//! std's `exp`, `ln`, `sin` and `cos` are calls into the C library, one element at a time, so
//! loops over them never vectorise. The float64 functions here are straight-line code (no
//! branches, no calls, no tables: selects, integer bit operations and float arithmetic only),
//! so a loop over a slice compiles to SIMD code; with AVX2 (detected at run time, as for
//! `math::tanh_f32`) four float64 lanes. They are accurate to a few float64 ULP
//! (measured against the C library in the tests: `exp` and `log` within 1 ULP, `sin` and `cos`
//! within 2, `tanh` within 3; the conformance suite allows 1e-12 relative). float32 is computed in float64 and rounded once, so it is the correctly rounded
//! result except within ~1e-16 relative of a rounding tie.
//!
//! Each function follows one textbook scheme: reduce the argument by a multiple of a constant
//! split into a part with trailing zeros (products with it are exact) and a correction, then
//! a Taylor polynomial on the small remainder, evaluated by Horner's rule, then undo the
//! reduction. `sin` and `cos` reduce by multiples of π/2 only up to `|x| <= TRIG_LIMIT`; larger
//! arguments (and NaN and infinities) are passed to std in a second, scalar pass, which costs
//! nothing when there are none.
//!
//! No fused multiply-add is used (it is an instruction only on some CPUs), so the plain and
//! AVX2 versions of a loop give the same bits, and so do the scalar functions the slots use
//! for strided inputs.

/// Adding 1.5 · 2^52 rounds a float64 of magnitude below 2^51 to an integer, held in the low
/// mantissa bits of the sum (as a two's complement offset by 2^51).
pub(crate) const SHIFT: f64 = 6755399441055744.0;
/// ln 2 split: `LN2_HI` has 32 significant bits, so `k * LN2_HI` is exact for `|k| < 2^21`.
pub(crate) const LN2_HI: f64 = 6.931_471_803_691_238e-1;
pub(crate) const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;

/// 2^k for an integer-valued `k` in -1022..=1023, from `k + SHIFT` (see [`SHIFT`]): the
/// integer sits in the low mantissa bits, which shifted into the exponent field and biased
/// give 2^k (only the low 11 bits of the two's complement survive the shift, which is enough
/// in that range).
#[inline(always)]
pub(crate) fn pow2_shifted(k_plus_shift: f64) -> f64 {
    f64::from_bits((k_plus_shift.to_bits() << 52).wrapping_add(1023 << 52))
}

/// `e^x` in float64.
#[inline]
pub fn exp_f64(x: f64) -> f64 {
    // Beyond these bounds the result is 0 or +inf (e^-745.2 is half the smallest subnormal;
    // e^709.8 is the largest finite float64); clamping keeps k in range. NaN stays NaN through
    // the arithmetic and is returned as it came at the end.
    let xc = x.clamp(-746.0, 710.0);
    // x = k ln 2 + r with k = round(x / ln 2), |r| <= ln 2 / 2 (|k| <= 1077).
    let t = xc * std::f64::consts::LOG2_E + SHIFT;
    let k = t - SHIFT;
    let r = (xc - k * LN2_HI) - k * LN2_LO;
    // e^r by its Taylor series to r^13 (truncation below 5e-18 for |r| <= 0.347).
    let mut p = 1.0 / 6_227_020_800.0;
    for c in [
        1.0 / 479_001_600.0,
        1.0 / 39_916_800.0,
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ] {
        p = p * r + c;
    }
    // 2^k as two factors 2^k1 · 2^k2 (each within the normal exponents, where 2^k alone may
    // not be): the first product is exact, the second rounds once, also into subnormals.
    let k1 = (k * 0.5).floor();
    let k2 = k - k1;
    let e = p * pow2_shifted(k1 + SHIFT) * pow2_shifted(k2 + SHIFT);
    if x.is_nan() {
        x
    } else {
        e
    }
}

/// `ln x` in float64.
#[inline]
pub fn ln_f64(x: f64) -> f64 {
    // Subnormals are scaled into the normal range first (by 2^54, undone through the exponent).
    let tiny = x < f64::MIN_POSITIVE;
    let xs = if tiny { x * 18014398509481984.0 } else { x };
    let bits = xs.to_bits();
    // x = 2^e · m with m in [1, 2): the biased exponent as a float (bits placed under the
    // exponent of 2^52, then 2^52 subtracted: exact) and the mantissa with exponent 0.
    let biased = f64::from_bits((bits >> 52) | 0x4330_0000_0000_0000) - 4503599627370496.0;
    let m = f64::from_bits((bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000);
    // m in [√2/2, √2) instead, so that ln m is small either side of 0.
    let big = m > std::f64::consts::SQRT_2;
    let m = if big { m * 0.5 } else { m };
    let e = biased - 1023.0 + if big { 1.0 } else { 0.0 } - if tiny { 54.0 } else { 0.0 };
    // ln(1 + f) = 2 atanh(s) with s = f / (2 + f), |s| <= 0.1716, written as
    // f - f²/2 + s (f²/2 + R), R = Σ 2 s^2n / (2n + 1) (n = 1..=11: truncation below 1e-18).
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    let mut r = 2.0 / 23.0;
    for c in [
        2.0 / 21.0,
        2.0 / 19.0,
        2.0 / 17.0,
        2.0 / 15.0,
        2.0 / 13.0,
        2.0 / 11.0,
        2.0 / 9.0,
        2.0 / 7.0,
        2.0 / 5.0,
        2.0 / 3.0,
    ] {
        r = r * z + c;
    }
    let r = r * z;
    let hfsq = 0.5 * f * f;
    let l = e * LN2_HI - ((hfsq - (s * (hfsq + r) + e * LN2_LO)) - f);
    // NaN and negative inputs give NaN; ±0 gives -inf; +inf gives +inf.
    if x.is_nan() || x < 0.0 {
        f64::NAN
    } else if x == 0.0 {
        f64::NEG_INFINITY
    } else if x == f64::INFINITY {
        x
    } else {
        l
    }
}

/// Above this magnitude `sin` and `cos` leave the argument to std (whose reduction is exact
/// for every float64): up to here, k · π/2 with k < 2^20 is subtracted in three exact-product
/// parts.
pub const TRIG_LIMIT: f64 = 1.0e6;

/// π/2 in four parts, the first three with 33 significant bits (products with k < 2^20 are
/// exact), the fourth the rest.
const PIO2_1: f64 = 1.570_796_326_734_125_6;
const PIO2_2: f64 = 6.077_100_506_303_966e-11;
const PIO2_3: f64 = 2.022_266_248_711_166_5e-21;
const PIO2_4: f64 = 8.478_427_660_368_9e-32;

/// `(s, e)` with `s = fl(a + b)` and `s + e = a + b` exactly (Knuth's two-sum).
#[inline(always)]
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// `(sin r, cos r)` for `|r| <= π/4`, by their Taylor series (to r^17 and r^18: truncation
/// below 1e-19).
#[inline(always)]
fn sincos_poly(r: f64) -> (f64, f64) {
    let z = r * r;
    let mut s = -1.0 / 121_645_100_408_832_000.0; // -1/19!
    for c in [
        1.0 / 355_687_428_096_000.0, // 1/17!
        -1.0 / 1_307_674_368_000.0,
        1.0 / 6_227_020_800.0,
        -1.0 / 39_916_800.0,
        1.0 / 362_880.0,
        -1.0 / 5_040.0,
        1.0 / 120.0,
        -1.0 / 6.0,
    ] {
        s = s * z + c;
    }
    let sin = r + r * z * s;
    let mut c = 1.0 / 2_432_902_008_176_640_000.0; // 1/20!
    for k in [
        -1.0 / 6_402_373_705_728_000.0, // -1/18!
        1.0 / 20_922_789_888_000.0,
        -1.0 / 87_178_291_200.0,
        1.0 / 479_001_600.0,
        -1.0 / 3_628_800.0,
        1.0 / 40_320.0,
        -1.0 / 720.0,
        1.0 / 24.0,
    ] {
        c = c * z + k;
    }
    let cos = 1.0 - 0.5 * z + z * z * c;
    (sin, cos)
}

/// `x = k π/2 + r`, `|r| <= π/4` (for `|x| <= TRIG_LIMIT`): `r` and `k mod 4`. The
/// products `k · PIO2_i` are exact and subtracted with error-free sums, so `r` is accurate to
/// about an ULP of its own even where it is tiny (x next to a multiple of π/2).
#[inline(always)]
fn reduce_pio2(x: f64) -> (f64, u64) {
    let t = x * std::f64::consts::FRAC_2_PI + SHIFT;
    let k = t - SHIFT;
    // Exact: x and k · PIO2_1 are within a factor 2 of each other, or k = 0.
    let a = x - k * PIO2_1;
    let (s1, e1) = two_sum(a, -(k * PIO2_2));
    let (s2, e2) = two_sum(s1, -(k * PIO2_3));
    let r = s2 + ((e1 + e2) - k * PIO2_4);
    (r, t.to_bits() & 3)
}

/// `sin x` in float64 for `|x| <= TRIG_LIMIT` (meaningless beyond: see [`sin_f64`]).
#[inline(always)]
fn sin_reduced(x: f64) -> f64 {
    let (r, q) = reduce_pio2(x);
    let (s, c) = sincos_poly(r);
    // sin(r + qπ/2) = sin r, cos r, -sin r, -cos r.
    let v = if q & 1 == 0 { s } else { c };
    let v = if q & 2 == 0 { v } else { -v };
    // sin ±0 = ±0 (the sums above may lose the sign of a zero).
    if x == 0.0 {
        x
    } else {
        v
    }
}

/// `cos x` in float64 for `|x| <= TRIG_LIMIT`.
#[inline(always)]
fn cos_reduced(x: f64) -> f64 {
    let (r, q) = reduce_pio2(x);
    let (s, c) = sincos_poly(r);
    // cos(r + qπ/2) = cos r, -sin r, -cos r, sin r.
    let v = if q & 1 == 0 { c } else { s };
    if (q + 1) & 2 == 0 {
        v
    } else {
        -v
    }
}

/// `sin x` in float64.
#[inline]
pub fn sin_f64(x: f64) -> f64 {
    if x.abs() <= TRIG_LIMIT {
        sin_reduced(x)
    } else {
        x.sin()
    }
}

/// `cos x` in float64.
#[inline]
pub fn cos_f64(x: f64) -> f64 {
    if x.abs() <= TRIG_LIMIT {
        cos_reduced(x)
    } else {
        x.cos()
    }
}

/// `tanh x` in float64: `tanh |x| = e / (e + 2)` with `e = e^(2|x|) - 1`, which is computed
/// without cancellation as `2^k (e^r - 1) + (2^k - 1)` from `2|x| = k ln 2 + r` (both terms
/// have the result's sign; for k = 0 the series alone), `e^r - 1` by its Taylor series to
/// r^18. From `|x| = 19.1` on the result rounds to ±1, so `|x|` is clamped at 20; the sign of
/// zero is kept and NaN stays NaN.
#[inline]
pub fn tanh_f64(x: f64) -> f64 {
    let y = 2.0 * x.abs().min(20.0);
    let t = y * std::f64::consts::LOG2_E + SHIFT;
    // Below 2|x| = 1, k = 0 (no cancellation in `2^k (e^r - 1) + (2^k - 1)`, which costs a
    // few ULP for k = 1): |r| <= 1 there, and the series runs to r^18 for all inputs.
    let t = if y < 1.0 { SHIFT } else { t };
    let k = t - SHIFT;
    let r = (y - k * LN2_HI) - k * LN2_LO;
    let mut p = 1.0 / 6_402_373_705_728_000.0; // 1/18!
    for c in [
        1.0 / 355_687_428_096_000.0,
        1.0 / 20_922_789_888_000.0,
        1.0 / 1_307_674_368_000.0,
        1.0 / 87_178_291_200.0,
        1.0 / 6_227_020_800.0,
        1.0 / 479_001_600.0,
        1.0 / 39_916_800.0,
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
    ] {
        p = p * r + c;
    }
    let em1_r = p * r;
    // k <= 58 here, so 2^k is a normal float64.
    let scale = pow2_shifted(t);
    let em1 = scale * em1_r + (scale - 1.0);
    let th = (em1 / (em1 + 2.0)).copysign(x);
    if x.is_nan() {
        x
    } else {
        th
    }
}

/// `e^x` of a float32, in float64 and rounded once.
#[inline]
pub fn exp_f32(x: f32) -> f32 {
    exp_f64(x.into()) as f32
}

/// `ln x` of a float32, in float64 and rounded once.
#[inline]
pub fn ln_f32(x: f32) -> f32 {
    ln_f64(x.into()) as f32
}

/// `sin x` of a float32, in float64 and rounded once.
#[inline]
pub fn sin_f32(x: f32) -> f32 {
    sin_f64(x.into()) as f32
}

/// `cos x` of a float32, in float64 and rounded once.
#[inline]
pub fn cos_f32(x: f32) -> f32 {
    cos_f64(x.into()) as f32
}

/// Defines `$name(x, out)`: `out[i] = $f(x[i])` over the common length, the loop compiled
/// twice (for the baseline CPU and for AVX2, chosen at run time), then, when `$fix` is given,
/// a scalar pass replacing the elements where `$fix(x)` holds by `$slow(x)`.
macro_rules! slice_fn {
    ($name:ident, $avx2:ident, $t:ty, $f:path $(, fix |$v:ident| $cond:expr => $slow:expr)?) => {
        pub(crate) fn $name(x: &[$t], out: &mut [$t]) {
            let n = x.len().min(out.len());
            let (x, out) = (&x[..n], &mut out[..n]);
            #[cfg(target_arch = "x86_64")]
            let done = if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: `$avx2` only requires the CPU to support AVX2, checked just above.
                #[allow(unsafe_code)]
                unsafe {
                    $avx2(x, out)
                };
                true
            } else {
                false
            };
            #[cfg(not(target_arch = "x86_64"))]
            let done = false;
            if !done {
                for (o, &v) in out.iter_mut().zip(x) {
                    *o = $f(v);
                }
            }
            $(
                for (o, &$v) in out.iter_mut().zip(x) {
                    if $cond {
                        *o = $slow;
                    }
                }
            )?
        }

        /// The loop of the slice function of the same kernel, compiled for AVX2 (not FMA,
        /// which would round differently from the baseline loop).
        ///
        /// # Safety
        /// The CPU supports AVX2.
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2")]
        #[allow(unsafe_code)]
        unsafe fn $avx2(x: &[$t], out: &mut [$t]) {
            for (o, &v) in out.iter_mut().zip(x) {
                *o = $f(v);
            }
        }
    };
}

slice_fn!(exp_f64_slice, exp_f64_avx2, f64, exp_f64);
slice_fn!(exp_f32_slice, exp_f32_avx2, f32, exp_f32);
slice_fn!(ln_f64_slice, ln_f64_avx2, f64, ln_f64);
slice_fn!(ln_f32_slice, ln_f32_avx2, f32, ln_f32);
slice_fn!(sin_f64_slice, sin_f64_avx2, f64, sin_reduced,
    fix |v| v.is_nan() || v.abs() > TRIG_LIMIT => v.sin());
slice_fn!(cos_f64_slice, cos_f64_avx2, f64, cos_reduced,
    fix |v| v.is_nan() || v.abs() > TRIG_LIMIT => v.cos());
slice_fn!(sin_f32_slice, sin_f32_avx2, f32, sin_f32_reduced,
    fix |v| v.is_nan() || f64::from(v).abs() > TRIG_LIMIT => sin_f32(v));
slice_fn!(cos_f32_slice, cos_f32_avx2, f32, cos_f32_reduced,
    fix |v| v.is_nan() || f64::from(v).abs() > TRIG_LIMIT => cos_f32(v));
slice_fn!(tanh_f64_slice, tanh_f64_avx2, f64, tanh_f64);
slice_fn!(sqrt_f64_slice, sqrt_f64_avx2, f64, f64::sqrt);
slice_fn!(sqrt_f32_slice, sqrt_f32_avx2, f32, f32::sqrt);

#[inline(always)]
fn sin_f32_reduced(x: f32) -> f32 {
    sin_reduced(x.into()) as f32
}

#[inline(always)]
fn cos_f32_reduced(x: f32) -> f32 {
    cos_reduced(x.into()) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The distance in units in the last place between two float64s (0 for equal values,
    /// both NaN, or zeros of either sign).
    fn ulps64(a: f64, b: f64) -> u64 {
        if a.is_nan() && b.is_nan() || a == b {
            return 0;
        }
        if a.is_nan() || b.is_nan() {
            return u64::MAX;
        }
        let key = |v: f64| {
            let i = v.to_bits() as i64;
            if i < 0 {
                i64::MIN.wrapping_sub(i)
            } else {
                i
            }
        };
        key(a).abs_diff(key(b))
    }

    fn ulps32(a: f32, b: f32) -> u64 {
        if a.is_nan() && b.is_nan() || a == b {
            return 0;
        }
        if a.is_nan() || b.is_nan() {
            return u64::MAX;
        }
        let key = |v: f32| {
            let i = i64::from(v.to_bits() as i32);
            if i < 0 {
                i64::from(i32::MIN) - i
            } else {
                i
            }
        };
        key(a).abs_diff(key(b))
    }

    /// SplitMix64.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
    }

    /// Inputs: special values, dense steps over `[-range, range]`, and random bit patterns
    /// (every magnitude, subnormals and NaNs included).
    fn inputs64(range: f64) -> Vec<f64> {
        let mut v = vec![
            0.0,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -f64::NAN,
            f64::MIN_POSITIVE,
            f64::MIN_POSITIVE / 3.0,
            5e-324,
            -5e-324,
            f64::MAX,
            f64::MIN,
            f64::EPSILON,
            1.0,
            -1.0,
            std::f64::consts::PI,
            std::f64::consts::FRAC_PI_2,
            std::f64::consts::FRAC_PI_4,
            709.78,
            709.782712893384,
            -708.3964185322641,
            -745.1332191019411,
            -745.2,
            TRIG_LIMIT,
            -TRIG_LIMIT,
            TRIG_LIMIT * 1.0000001,
            1e22,
            19.0,
            19.1,
            -20.0,
        ];
        let steps = 200_000;
        for i in 0..=steps {
            v.push(range * (2.0 * i as f64 / steps as f64 - 1.0));
        }
        let mut rng = Rng(19);
        for _ in 0..200_000 {
            v.push(f64::from_bits(rng.next()));
        }
        v
    }

    /// `f` against `reference` (the C library's float64 functions, through std) over
    /// [`inputs64`]: the worst distance in ULP, at most `max_ulps`; the slice form gives the
    /// element function's bits.
    fn check64(
        name: &str,
        f: fn(f64) -> f64,
        slice: fn(&[f64], &mut [f64]),
        reference: fn(f64) -> f64,
        range: f64,
        max_ulps: u64,
    ) {
        let x = inputs64(range);
        let mut out = vec![0.0; x.len()];
        slice(&x, &mut out);
        let mut worst = (0, 0.0);
        for (&v, &o) in x.iter().zip(&out) {
            let got = f(v);
            assert!(
                got.to_bits() == o.to_bits() || got.is_nan() && o.is_nan(),
                "{name}({v:e}): slice {o:e}, element {got:e}"
            );
            let want = reference(v);
            let d = ulps64(got, want);
            assert!(
                d <= max_ulps,
                "{name}({v:e}) = {got:e}, want {want:e} ({d} ULP)"
            );
            if d > worst.0 {
                worst = (d, v);
            }
        }
        eprintln!("{name}: worst {} ULP at {:e}", worst.0, worst.1);
    }

    #[test]
    fn exp_f64_is_within_one_ulp_of_the_c_library() {
        check64("exp", exp_f64, exp_f64_slice, f64::exp, 750.0, 1);
    }

    #[test]
    fn ln_f64_is_within_one_ulp_of_the_c_library() {
        check64("ln", ln_f64, ln_f64_slice, f64::ln, 10.0, 1);
    }

    #[test]
    fn sin_cos_f64_are_within_two_ulps_of_the_c_library() {
        check64("sin", sin_f64, sin_f64_slice, f64::sin, 100.0, 2);
        check64("cos", cos_f64, cos_f64_slice, f64::cos, 100.0, 2);
    }

    #[test]
    fn tanh_f64_is_within_three_ulps_of_the_c_library() {
        check64("tanh", tanh_f64, tanh_f64_slice, f64::tanh, 25.0, 3);
    }

    /// float32: over every 997th bit pattern (NaNs, infinities, subnormals included), against
    /// the C library's float64 function rounded to float32; at most one ULP apart, and only at
    /// a few inputs (within ~1e-16 of a rounding tie). The slice form gives the same bits.
    fn check32(name: &str, f: fn(f32) -> f32, slice: fn(&[f32], &mut [f32]), r: fn(f64) -> f64) {
        let x: Vec<f32> = (0..(1u64 << 32) / 997)
            .map(|k| f32::from_bits((k * 997) as u32))
            .collect();
        let mut out = vec![0.0f32; x.len()];
        slice(&x, &mut out);
        let mut off = 0;
        for (&v, &o) in x.iter().zip(&out) {
            let got = f(v);
            assert!(
                got.to_bits() == o.to_bits() || got.is_nan() && o.is_nan(),
                "{name}({v:e}): slice {o:e}, element {got:e}"
            );
            let want = r(v.into()) as f32;
            let d = ulps32(got, want);
            assert!(d <= 1, "{name}({v:e}) = {got:e}, want {want:e}");
            off += usize::from(d > 0);
        }
        eprintln!("{name} f32: {off} of {} one ULP off", x.len());
        assert!(off * 10_000 < x.len(), "{name}: {off} inputs one ULP off");
    }

    #[test]
    fn float32_functions_are_the_rounded_float64_ones() {
        check32("exp", exp_f32, exp_f32_slice, f64::exp);
        check32("ln", ln_f32, ln_f32_slice, f64::ln);
        check32("sin", sin_f32, sin_f32_slice, f64::sin);
        check32("cos", cos_f32, cos_f32_slice, f64::cos);
        check32("sqrt", f32::sqrt, sqrt_f32_slice, f64::sqrt);
    }

    /// Hand-checked special values.
    #[test]
    fn special_values() {
        assert_eq!(exp_f64(0.0), 1.0);
        assert_eq!(exp_f64(f64::NEG_INFINITY), 0.0);
        assert_eq!(exp_f64(f64::INFINITY), f64::INFINITY);
        assert_eq!(exp_f64(710.0), f64::INFINITY);
        assert_eq!(exp_f64(-746.0), 0.0);
        assert_eq!(exp_f64(-745.0), 5e-324);
        assert!(exp_f64(f64::NAN).is_nan());
        assert_eq!(ln_f64(1.0), 0.0);
        assert_eq!(ln_f64(0.0), f64::NEG_INFINITY);
        assert_eq!(ln_f64(-0.0), f64::NEG_INFINITY);
        assert!(ln_f64(-1.0).is_nan());
        assert!(ln_f64(f64::NEG_INFINITY).is_nan());
        assert_eq!(ln_f64(f64::INFINITY), f64::INFINITY);
        // ln(2^-1074) = -1074 ln 2.
        assert!((ln_f64(5e-324) + 744.440_071_921_381_3).abs() < 1e-12);
        assert_eq!(sin_f64(-0.0).to_bits(), (-0.0f64).to_bits());
        assert_eq!(cos_f64(0.0), 1.0);
        assert!(sin_f64(f64::INFINITY).is_nan());
        assert!(cos_f64(f64::NAN).is_nan());
        assert_eq!(tanh_f64(-0.0).to_bits(), (-0.0f64).to_bits());
        assert_eq!(tanh_f64(f64::INFINITY), 1.0);
        assert_eq!(tanh_f64(-30.0), -1.0);
        assert_eq!(exp_f32(-0.0), 1.0);
        assert_eq!(ln_f32(0.0), f32::NEG_INFINITY);
    }
}
