//! The compositional fallbacks of the neural-network basics: `relu`, `sigmoid`, `gelu`,
//! `silu`, `log_softmax`, `logsumexp`. Each is written with dispatching ops, so a backend's
//! primaries (its `exp`, `maximum`, `sum`, …) do the work.

use super::fallbacks::Fallbacks;
use super::manip::reshape_usize;
use super::*;
use crate::call::{Reduction, SliceSpec};
use crate::catalogue::Window2d;
use crate::error::Result;
use crate::tensor::Tensor;

/// A 0-dimensional tensor of `x`'s dtype holding `value`.
fn scalar(x: &Tensor, value: f64) -> Result<Tensor> {
    super::full(&[], value, x.dtype())
}

/// `erfc(a)` for `a >= 0`, elementwise: `1 - erf(a)` below 2, with `erf` from the series of
/// positive terms `2/√π · e^(-a²) · Σₙ 2ⁿ a^(2n+1) / (1·3·…·(2n+1))` (40 terms; 31 reach
/// float64's precision at 2, and `erfc(2) ≈ 0.0047` loses under 8 bits to the subtraction);
/// from 2 on, the continued fraction `e^(-a²)/√π / (a + (1/2)/(a + 1/(a + (3/2)/(a + …))))`
/// to depth 60, which has no cancellation, so `gelu` of large negative inputs keeps its
/// digits. Each branch runs on its clamped half of the range; `where` picks.
fn erfc_nonneg(a: &Tensor) -> Result<Tensor> {
    let two = scalar(a, 2.0)?;
    let low = minimum(a, &two)?;
    let two_a2 = multiply(&multiply(&low, &low)?, &two)?;
    let mut term = low.clone();
    let mut total = low.clone();
    for n in 0..40 {
        let step = multiply(&two_a2, &scalar(a, 1.0 / (2 * n + 3) as f64)?)?;
        term = multiply(&term, &step)?;
        total = add(&total, &term)?;
    }
    let gauss_low = exp(&negative(&multiply(&low, &low)?)?)?;
    let erf_low = multiply(
        &multiply(&gauss_low, &total)?,
        &scalar(a, std::f64::consts::FRAC_2_SQRT_PI)?,
    )?;
    let small = subtract(&scalar(a, 1.0)?, &erf_low)?;

    let high = maximum(a, &two)?;
    let mut t = high.clone();
    for k in (1..=60).rev() {
        t = add(&high, &divide(&scalar(a, f64::from(k) / 2.0)?, &t)?)?;
    }
    let gauss_high = exp(&negative(&multiply(&high, &high)?)?)?;
    let large = divide(
        &gauss_high,
        &multiply(&t, &scalar(a, std::f64::consts::PI.sqrt())?)?,
    )?;
    where_(&less(a, &two)?, &small, &large)
}

/// `x` where the reduced maximum `m` is finite, else 0: taking out an infinite maximum would
/// turn `inf - inf` into NaN.
fn finite_or_zero(m: &Tensor) -> Result<Tensor> {
    where_(&isfinite(m)?, m, &scalar(m, 0.0)?)
}

impl Fallbacks {
    /// `maximum(x, 0)`, which keeps NaN.
    pub(crate) fn relu(x: &Tensor) -> Result<Tensor> {
        maximum(x, &scalar(x, 0.0)?)
    }

    /// `1 / (1 + e^-x)` for `x >= 0` and `e^x / (1 + e^x)` below, so `exp` never overflows in
    /// the branch that is kept.
    pub(crate) fn sigmoid(x: &Tensor) -> Result<Tensor> {
        let one = scalar(x, 1.0)?;
        let pos = divide(&one, &add(&one, &exp(&negative(x)?)?)?)?;
        let e = exp(x)?;
        let neg = divide(&e, &add(&one, &e)?)?;
        where_(&greater_equal(x, &scalar(x, 0.0)?)?, &pos, &neg)
    }

    /// `x · Φ(x)`: `x - x/2 · erfc(x/√2)` for `x >= 0`, `x/2 · erfc(|x|/√2)` below, so
    /// neither side subtracts nearly equal numbers. In the correction `x` is clamped to
    /// `±40` (erfc is 0 there), so an infinite `x` does not meet `inf · 0`.
    pub(crate) fn gelu(x: &Tensor) -> Result<Tensor> {
        let a = multiply(&abs(x)?, &scalar(x, std::f64::consts::FRAC_1_SQRT_2)?)?;
        let e = erfc_nonneg(&a)?;
        let xc = minimum(&maximum(x, &scalar(x, -40.0)?)?, &scalar(x, 40.0)?)?;
        let h = multiply(&multiply(&xc, &scalar(x, 0.5)?)?, &e)?;
        where_(&greater_equal(x, &scalar(x, 0.0)?)?, &subtract(x, &h)?, &h)
    }

    /// `x · sigmoid(x)`.
    pub(crate) fn silu(x: &Tensor) -> Result<Tensor> {
        multiply(x, &sigmoid(x)?)
    }

    /// `x - m - log(sum(exp(x - m)))` with `m` the (finite) maximum along the axis.
    pub(crate) fn log_softmax(x: &Tensor, axis: usize) -> Result<Tensor> {
        if x.shape()[axis] == 0 {
            return Ok(x.clone());
        }
        let ax = axis as isize;
        let m = finite_or_zero(&max(x, Reduction::over(ax).keepdims(true))?)?;
        let shifted = subtract(x, &m)?;
        let lse = log(&sum(&exp(&shifted)?, Reduction::over(ax).keepdims(true))?)?;
        subtract(&shifted, &lse)
    }

    /// `m + log(sum(exp(x - m)))` with `m` the (finite) maximum over the axes; `-inf` over no
    /// elements.
    pub(crate) fn logsumexp(x: &Tensor, axes: &[usize], keepdims: bool) -> Result<Tensor> {
        let ax: Vec<isize> = axes.iter().map(|&a| a as isize).collect();
        if axes.iter().any(|&a| x.shape()[a] == 0) {
            let shape: Vec<usize> = (0..x.ndim())
                .filter_map(|i| match (axes.contains(&i), keepdims) {
                    (false, _) => Some(x.shape()[i]),
                    (true, true) => Some(1),
                    (true, false) => None,
                })
                .collect();
            return full(&shape, f64::NEG_INFINITY, x.dtype());
        }
        let m = finite_or_zero(&max(x, Reduction::over(ax.clone()).keepdims(true))?)?;
        let s = sum(
            &exp(&subtract(x, &m)?)?,
            Reduction::over(ax.clone()).keepdims(true),
        )?;
        let out = add(&log(&s)?, &m)?;
        if keepdims || axes.is_empty() {
            Ok(out)
        } else {
            squeeze(&out, ax)
        }
    }

    /// `(x - mean) / sqrt(var + eps)` over the last axis, with the population variance.
    pub(crate) fn layer_norm(x: &Tensor, eps: f64) -> Result<Tensor> {
        let last = Reduction::over(-1).keepdims(true);
        let d = subtract(x, &mean(x, last.clone())?)?;
        let var = mean(&multiply(&d, &d)?, last)?;
        divide(&d, &sqrt(&add(&var, &scalar(x, eps)?)?)?)
    }

    /// `expand_dims(x, -1) == arange(n)`: bool, false for indices outside `0..n`.
    pub(crate) fn one_hot(x: &Tensor, n: i64) -> Result<Tensor> {
        let classes =
            crate::state::with_device(x.device(), || arange(0, n, 1, crate::dtype::DType::Int64))?;
        equal(&expand_dims(x, -1)?, &classes)
    }

    /// im2col: the `kH · kW` shifted, strided views of the padded input stacked into
    /// `(N, C, kH·kW, H_out, W_out)`, reshaped per group to `(N, G, C/G · kH·kW, H_out·W_out)`,
    /// and multiplied by the weight reshaped to `(G, C_out/G, C/G · kH·kW)`.
    pub(crate) fn conv2d(x: &Tensor, w: &Tensor, win: &Window2d) -> Result<Tensor> {
        let (n, c, c_out, g) = (x.shape()[0], x.shape()[1], w.shape()[0], win.groups);
        let (cols, ho, wo) = patches(x, win, 0.0)?;
        let k = c / g * win.kernel[0] * win.kernel[1];
        let cols = reshape_usize(&cols, &[n, g, k, ho * wo])?;
        let w3 = reshape_usize(w, &[g, c_out / g, k])?;
        reshape_usize(&matmul(&w3, &cols)?, &[n, c_out, ho, wo])
    }

    /// The maximum over the window's taps, the padding being -inf.
    pub(crate) fn max_pool2d(x: &Tensor, win: &Window2d) -> Result<Tensor> {
        let (cols, _, _) = patches(x, win, f64::NEG_INFINITY)?;
        max(&cols, Reduction::over(2))
    }

    /// The mean over the window's taps, the padding's zeros included.
    pub(crate) fn avg_pool2d(x: &Tensor, win: &Window2d) -> Result<Tensor> {
        let (cols, _, _) = patches(x, win, 0.0)?;
        mean(&cols, Reduction::over(2))
    }
}

/// `x` `(N, C, H, W)` with `padding` elements of `value` on both sides of H and W.
fn pad2d(x: &Tensor, padding: [usize; 2], value: f64) -> Result<Tensor> {
    let mut out = x.clone();
    for (d, &p) in padding.iter().enumerate() {
        if p == 0 {
            continue;
        }
        let mut shape = out.shape().to_vec();
        shape[2 + d] = p;
        let side = crate::state::with_device(x.device(), || full(&shape, value, x.dtype()))?;
        out = concat(&[side.clone(), out, side], (2 + d) as isize)?;
    }
    Ok(out)
}

/// The window's taps of the padded `x`, stacked: `(N, C, kH·kW, H_out, W_out)`, with the
/// output's spatial sizes.
fn patches(x: &Tensor, win: &Window2d, pad: f64) -> Result<(Tensor, usize, usize)> {
    let ho = win.output(0, x.shape()[2]).unwrap_or(0);
    let wo = win.output(1, x.shape()[3]).unwrap_or(0);
    let xp = pad2d(x, win.padding, pad)?;
    let mut taps = Vec::with_capacity(win.kernel[0] * win.kernel[1]);
    let span = |start: usize, count: usize, step: usize| {
        let s = start as i64;
        SliceSpec::new(
            Some(s),
            Some(s + ((count - 1) * step) as i64 + 1),
            step as i64,
        )
    };
    for i in 0..win.kernel[0] {
        for j in 0..win.kernel[1] {
            let rows = span(i * win.dilation[0], ho, win.stride[0]);
            let cols = span(j * win.dilation[1], wo, win.stride[1]);
            let s = [SliceSpec::full(), SliceSpec::full(), rows, cols];
            taps.push(strided_slice(&xp, &s[..])?);
        }
    }
    Ok((stack(&taps, 2)?, ho, wo))
}
