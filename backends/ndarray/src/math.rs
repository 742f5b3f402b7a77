//! Per-element functions of our own where std's cost more than they need to.

use crate::vmath::{pow2_shifted, LN2_HI, LN2_LO, SHIFT};

/// `tanh` of a float32, evaluated in float64 and rounded once.
///
/// std's `f32::tanh` calls the C library's `tanhf` (glibc 2.36: up to 2 ULP off, in about 3%
/// of inputs, and an opaque call per element). Here `tanh |x| = e / (e + 2)` with
/// `e = expm1(2|x|)`, computed in float64: `2|x| = k ln 2 + r` with `|r| <= ln 2 / 2`,
/// `expm1(r)` by its Taylor series to `r^12` (truncation below `2e-16`), and
/// `expm1(2|x|) = 2^k expm1(r) + (2^k - 1)`, which loses no precision (both terms have the
/// sign of the result, and for `k = 0` the series is the whole value). The float64 result is
/// within a few `1e-16` relative of the exact value, so rounding it to float32 gives the
/// correctly rounded result except for inputs that close to a rounding tie: over all 2^32
/// float32 inputs it equals the C library's float64 `tanh` rounded to float32 (checked
/// exhaustively in a release build when this was written; the test samples every 997th).
/// With the series stopped at `r^10` instead, 40 inputs differed by one ULP (near ties, where
/// the shorter series was the one off). From `|x| = 9.5` on the result rounds to ±1, so `|x|` is clamped there;
/// NaN stays NaN and the sign of zero is kept.
///
/// No branches and no calls, so loops over it vectorise.
#[inline]
pub fn tanh_f32(x: f32) -> f32 {
    // The range reduction of `vmath` (k <= 28 here).
    let y = 2.0 * f64::from(x).abs().min(9.5);
    let t = y * std::f64::consts::LOG2_E + SHIFT;
    let k = t - SHIFT;
    let r = (y - k * LN2_HI) - k * LN2_LO;
    // Horner's scheme on 1/n! (n = 1..=12).
    let mut p = 1.0 / 479_001_600.0;
    for c in [
        1.0 / 39_916_800.0,
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        1.0 / 2.0,
        1.0,
    ] {
        p = p * r + c;
    }
    let p = p * r;
    // 2^k (k in 0..=28).
    let scale = pow2_shifted(t);
    let em1 = scale * p + (scale - 1.0);
    let th = (em1 / (em1 + 2.0)).copysign(f64::from(x)) as f32;
    if x.is_nan() {
        x
    } else {
        th
    }
}

/// `out[i] = tanh_f32(x[i])` over the common length, with the widest vectors the CPU has:
/// the same float64 operations (no fused multiply-add), so the same bits as [`tanh_f32`] one
/// element at a time; with AVX2, four float64 lanes instead of SSE2's two.
pub(crate) fn tanh_f32_slice(x: &[f32], out: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: `tanh_f32_avx2` only requires the CPU to support AVX2, checked just above.
        #[allow(unsafe_code)]
        unsafe {
            tanh_f32_avx2(x, out)
        };
        return;
    }
    for (o, &v) in out.iter_mut().zip(x) {
        *o = tanh_f32(v);
    }
}

/// [`tanh_f32_slice`]'s loop compiled for AVX2 (not FMA, which would round differently).
///
/// # Safety
/// The CPU supports AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[allow(unsafe_code)]
unsafe fn tanh_f32_avx2(x: &[f32], out: &mut [f32]) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o = tanh_f32(v);
    }
}

#[cfg(test)]
mod tests {
    use super::{tanh_f32, tanh_f32_slice};

    /// The vectorised slice form (AVX2 where the CPU has it) gives the scalar form's bits.
    #[test]
    fn tanh_f32_slice_is_tanh_f32_element_by_element() {
        let x: Vec<f32> = (0..1 << 20)
            .map(|k: u32| f32::from_bits(k.wrapping_mul(4099)))
            .collect();
        let mut out = vec![0.0f32; x.len()];
        tanh_f32_slice(&x, &mut out);
        for (&v, &o) in x.iter().zip(&out) {
            let want = tanh_f32(v);
            assert!(
                o.to_bits() == want.to_bits() || (o.is_nan() && want.is_nan()),
                "tanh({v:e}): {o:e} vs {want:e}"
            );
        }
    }

    /// Distance in units in the last place between two finite float32s.
    fn ulps(a: f32, b: f32) -> i64 {
        let key = |v: f32| {
            let i = i64::from(v.to_bits() as i32);
            if i < 0 {
                i64::from(i32::MIN) - i
            } else {
                i
            }
        };
        (key(a) - key(b)).abs()
    }

    /// Against the C library's float64 `tanh` rounded to float32 (an independent
    /// implementation, accurate to far below a float32 ULP), over every 997th float32 bit
    /// pattern and the special values. (All 2^32 inputs gave no difference in a release
    /// build when this was written; that run takes minutes, this one a second.)
    #[test]
    fn tanh_f32_is_the_rounded_float64_tanh() {
        let mut bits: u64 = 0;
        let (mut n, mut off) = (0u64, 0u64);
        while bits < 1 << 32 {
            let x = f32::from_bits(bits as u32);
            bits += 997;
            if x.is_nan() {
                assert!(tanh_f32(x).is_nan());
                continue;
            }
            let want = (f64::from(x)).tanh() as f32;
            let got = tanh_f32(x);
            n += 1;
            if got.to_bits() != want.to_bits() {
                off += 1;
                assert!(ulps(got, want) <= 1, "tanh({x:e}) = {got:e}, want {want:e}");
            }
        }
        assert!(n > 4_000_000);
        assert_eq!(off, 0, "{off} of {n} inputs off by one ULP");
        for (x, want) in [
            (0.0f32, 0.0f32),
            (-0.0, -0.0),
            (f32::INFINITY, 1.0),
            (f32::NEG_INFINITY, -1.0),
            (1e-40, 1e-40),
            (20.0, 1.0),
            // tanh 9 = 0.99999996954: 2.91e-8 below 1 - 2^-24, 3.05e-8 below 1.
            (-9.0, -(1.0 - f32::EPSILON / 2.0)),
        ] {
            assert_eq!(tanh_f32(x).to_bits(), want.to_bits(), "tanh({x:e})");
        }
        assert!(tanh_f32(f32::NAN).is_nan());
    }
}
