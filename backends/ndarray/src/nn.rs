//! The neural-network activations as one pass over the elements: `relu`, `sigmoid`, `gelu`
//! (exact, with `erfc`), `silu`; `conv2d` by im2col and the matmul kernel. `log_softmax`,
//! `logsumexp`, `layer_norm`, `one_hot` and the pools run on the core's fallbacks, which are
//! made of this backend's reductions and elementwise kernels.

use crate::KIT;
use ndarray::{ArrayD, ArrayRefD, ArrayView2, ArrayViewMut2, NdFloat};
use tensorswitch::alloc::try_vec;
use tensorswitch::catalogue::Window2d;
use tensorswitch::kit::OrBackendError;
use tensorswitch::{Element, Result, Tensor};

/// `erfc(a)` for `a >= 0` (NaN for NaN): `1 - erf(a)` below 2, where `erf` is the series of
/// positive terms `2/√π · e^(-a²) · Σ 2ⁿ a^(2n+1) / (2n+1)!!` (31 terms at most; erfc(2) ≈
/// 0.0047, so the subtraction loses under 8 bits); from 2 on, the continued fraction
/// `e^(-a²)/√π / (a + (1/2)/(a + 1/(a + (3/2)/(a + …))))` to depth 60, accurate to an ulp or
/// two there and free of cancellation, so `gelu` of large negative inputs keeps its digits.
pub(crate) fn erfc_nonneg(a: f64) -> f64 {
    if a.is_nan() {
        return a;
    }
    if a < 2.0 {
        let two_a2 = 2.0 * a * a;
        let (mut term, mut total, mut n) = (a, a, 0.0);
        while term > total * 1e-17 {
            term *= two_a2 / (2.0 * n + 3.0);
            total += term;
            n += 1.0;
        }
        return 1.0 - std::f64::consts::FRAC_2_SQRT_PI * (-a * a).exp() * total;
    }
    let mut t = a;
    for k in (1..=60).rev() {
        t = a + f64::from(k) / 2.0 / t;
    }
    (-a * a).exp() / std::f64::consts::PI.sqrt() / t
}

/// `x · Φ(x)` = `x - x/2 · erfc(x/√2)` for `x >= 0` and `x/2 · erfc(|x|/√2)` below.
fn gelu64(v: f64) -> f64 {
    let e = erfc_nonneg(v.abs() * std::f64::consts::FRAC_1_SQRT_2);
    // erfc is 0 for |x| beyond about 38: the correction is 0 (not inf · 0).
    let h = if e == 0.0 { 0.0 } else { 0.5 * v * e };
    if v >= 0.0 {
        v - h
    } else {
        h
    }
}

unary_fn!(relu, "relu";
    sints |x: T| x.max(0);
    uints |x: T| x;
    floats |x: T| if x > 0.0 || x.is_nan() { x } else { 0.0 });
unary_fn!(sigmoid, "sigmoid";
floats |x: T| if x >= 0.0 {
    1.0 / (1.0 + (-x).exp())
} else {
    let e = x.exp();
    e / (1.0 + e)
});
unary_fn!(silu, "silu";
floats |x: T| if x >= 0.0 {
    x / (1.0 + (-x).exp())
} else {
    let e = x.exp();
    x * e / (1.0 + e)
});
// float32 is computed in float64 and rounded once.
fn gelu_of<T: Into<f64>>(x: T) -> f64 {
    gelu64(x.into())
}
unary_fn!(gelu, "gelu"; floats |x: T| gelu_of(x) as T);

/// `conv2d` as im2col per image and group: the window's taps gathered into a
/// `(C_in/groups · kH · kW, H_out · W_out)` matrix (zeros where a tap falls in the padding),
/// multiplied by the group's `(C_out/groups, C_in/groups · kH · kW)` weight with
/// the matmul kernel (`linalg::mat_mul`: gemm by default), straight into the result.
pub(crate) fn conv2d(x: &Tensor, w: &Tensor, win: &Window2d) -> Result<Tensor> {
    const OP: &str = "conv2d";
    let out: crate::NdArray = on_pair!(OP, crate::input_array(OP, x)?, crate::input_array(OP, w)?;
        floats |a, b: T| conv2d_float(a, b, win)?.into());
    Ok(out.into_tensor())
}

fn conv2d_float<T: NdFloat + Element>(
    x: &ArrayRefD<T>,
    w: &ArrayRefD<T>,
    win: &Window2d,
) -> Result<ArrayD<T>> {
    const OP: &str = "conv2d";
    let (xs, ws) = (x.as_standard_layout(), w.as_standard_layout());
    let internal = || KIT.error(OP, "a standard-layout array has no contiguous slice");
    let (xd, wdat) = (
        xs.as_slice().ok_or_else(internal)?,
        ws.as_slice().ok_or_else(internal)?,
    );
    let [n, c, h, wd]: [usize; 4] = x.shape().try_into().or_backend(&KIT, OP)?;
    let [co, cg, kh, kw]: [usize; 4] = w.shape().try_into().or_backend(&KIT, OP)?;
    let (g, cog) = (win.groups, co / win.groups.max(1));
    let (ho, wo) = (
        win.output(0, h).unwrap_or(0),
        win.output(1, wd).unwrap_or(0),
    );
    let (k, l) = (cg * kh * kw, ho * wo);
    let mut out = crate::buf::filled(OP, &[n, co, ho, wo], T::zero())?;
    let mut cols = try_vec(OP, k * l, T::zero())?;
    let [sh, sw] = win.stride;
    let [dh, dw] = win.dilation;
    let (ph, pw) = (win.padding[0] as isize, win.padding[1] as isize);
    let o = out.as_slice_mut().ok_or_else(internal)?;
    for ni in 0..n {
        for gi in 0..g {
            for ci in 0..cg {
                let plane = &xd[(ni * c + gi * cg + ci) * h * wd..][..h * wd];
                for a in 0..kh {
                    for b in 0..kw {
                        let row = &mut cols[((ci * kh + a) * kw + b) * l..][..l];
                        for i in 0..ho {
                            let r = (i * sh + a * dh) as isize - ph;
                            let dst = &mut row[i * wo..][..wo];
                            if r < 0 || r >= h as isize {
                                dst.fill(T::zero());
                                continue;
                            }
                            let src = &plane[r as usize * wd..][..wd];
                            for (j, d) in dst.iter_mut().enumerate() {
                                let cc = (j * sw + b * dw) as isize - pw;
                                *d = if cc >= 0 && cc < wd as isize {
                                    src[cc as usize]
                                } else {
                                    T::zero()
                                };
                            }
                        }
                    }
                }
            }
            let lhs = ArrayView2::from_shape((cog, k), &wdat[gi * cog * k..][..cog * k])
                .or_backend(&KIT, OP)?;
            let rhs = ArrayView2::from_shape((k, l), &cols[..]).or_backend(&KIT, OP)?;
            let dst = &mut o[(ni * co + gi * cog) * l..][..cog * l];
            let dst = ArrayViewMut2::from_shape((cog, l), dst).or_backend(&KIT, OP)?;
            crate::linalg::mat_mul(crate::cpu::matmul_kernel(), lhs, rhs, dst);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    // Python's math.erfc (a C library's, independent of this code) at these points.
    #[test]
    fn erfc_against_the_c_library() {
        for (a, want) in [
            (0.1, 0.887_537_083_981_715_2),
            (0.5, 0.479_500_122_186_953_5),
            (1.0, 0.157_299_207_050_285_13),
            (1.5, 0.033_894_853_524_689_274),
            (1.99, 0.004_888_586_800_383_003),
            (2.0, 0.004_677_734_981_047_265),
            (2.5, 0.000_406_952_017_444_958_9),
            (3.0, 2.209_049_699_858_543_8e-5),
            (5.0, 1.537_459_794_428_035_1e-12),
            (10.0, 2.088_487_583_762_545e-45),
        ] {
            let got = super::erfc_nonneg(a);
            // Below 2 the subtraction 1 - erf loses up to 8 bits: 256 ulps.
            assert!((got - want).abs() <= 6e-14 * want, "{a}: {got} vs {want}");
        }
        assert_eq!(super::erfc_nonneg(0.0), 1.0);
        assert_eq!(super::erfc_nonneg(f64::INFINITY), 0.0);
        assert!(super::erfc_nonneg(f64::NAN).is_nan());
        assert_eq!(super::gelu64(f64::INFINITY), f64::INFINITY);
        assert_eq!(super::gelu64(-40.0), 0.0);
    }
}
