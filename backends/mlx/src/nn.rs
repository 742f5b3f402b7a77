//! The neural-network primaries: activations, `log_softmax`, `logsumexp` and `layer_norm` on
//! MLX's kernels (at the end of this file), and `conv2d` on MLX's own convolution.
//!
//! MLX's convolution works in NHWC layout: the input and the weight are transposed to it
//! (`(N, H, W, C)`, `(C_out, kH, kW, C_in / groups)`) and the result back to NCHW; MLX is lazy,
//! so the transposes are strides its kernel reads, not copies made here. MLX 0.32's CPU
//! convolution has no float64 kernel (it refuses some shapes and computes others in float32),
//! so float64 takes im2col: the strided taps of the padded input, stacked, times the reshaped
//! weight with MLX's float64 matmul.

use crate::{input_array, lock, wrap, MlxResult, KIT};
use mlx_rs::ops as m;
use mlx_rs::ops::indexing::{IntoStrideBy, TryIndexOp};
use mlx_rs::{Array, Dtype};
use tensorswitch::catalogue::Window2d;
use tensorswitch::kit::OrBackendError;
use tensorswitch::{Result, Tensor};

fn pair(op: &'static str, v: [usize; 2]) -> Result<(i32, i32)> {
    Ok((KIT.size_as::<i32>(op, v[0])?, KIT.size_as::<i32>(op, v[1])?))
}

pub(crate) fn conv2d(x: &Tensor, w: &Tensor, win: &Window2d) -> Result<Tensor> {
    const OP: &str = "conv2d";
    let _g = lock();
    let (a, k) = (input_array(OP, x)?, input_array(OP, w)?);
    let (stride, padding, dilation) = (
        pair(OP, win.stride)?,
        pair(OP, win.padding)?,
        pair(OP, win.dilation)?,
    );
    let groups = KIT.size_as::<i32>(OP, win.groups)?;
    if a.dtype() == Dtype::Float64 {
        let dims = |t: &Tensor| KIT.sizes_as::<i32>(OP, t.shape());
        let out = im2col(
            a,
            k,
            &dims(x)?,
            &dims(w)?,
            win,
            stride,
            padding,
            dilation,
            groups,
        )
        .or_backend(&KIT, OP)?;
        return wrap(OP, out);
    }
    let out = m::transpose_axes(a, &[0, 2, 3, 1])
        .and_then(|a| {
            let k = m::transpose_axes(k, &[0, 2, 3, 1])?;
            m::conv2d(&a, &k, stride, padding, dilation, groups)
        })
        .and_then(|y| m::transpose_axes(&y, &[0, 3, 1, 2]))
        .or_backend(&KIT, OP)?;
    wrap(OP, out)
}

/// `conv2d` as im2col (the core checked every size, so the products below fit `i32`: each is
/// a size of the input, the weight or the result, which MLX holds in `i32`).
#[allow(clippy::too_many_arguments)]
fn im2col(
    a: &Array,
    k: &Array,
    xs: &[i32],
    ws: &[i32],
    win: &Window2d,
    stride: (i32, i32),
    padding: (i32, i32),
    dilation: (i32, i32),
    groups: i32,
) -> MlxResult {
    let (n, c, c_out) = (xs[0], xs[1], ws[0]);
    let (kh, kw) = (ws[2], ws[3]);
    let out = |d: usize, size: i32| win.output(d, size as usize).unwrap_or(0) as i32;
    let (ho, wo) = (out(0, xs[2]), out(1, xs[3]));
    let widths = [
        (0, 0),
        (0, 0),
        (padding.0, padding.0),
        (padding.1, padding.1),
    ];
    let xp = m::pad(a, &widths, None, None)?;
    let mut taps = Vec::with_capacity((kh * kw) as usize);
    for i in 0..kh {
        for j in 0..kw {
            let (r0, c0) = (i * dilation.0, j * dilation.1);
            let rows = (r0..r0 + (ho - 1) * stride.0 + 1).stride_by(stride.0);
            let cols = (c0..c0 + (wo - 1) * stride.1 + 1).stride_by(stride.1);
            taps.push(xp.try_index((.., .., rows, cols))?);
        }
    }
    let depth = c / groups * kh * kw;
    let cols = m::stack(&taps, 2)?.reshape(&[n, groups, depth, ho * wo])?;
    let w3 = k.reshape(&[groups, c_out / groups, depth])?;
    m::matmul(&w3, &cols)?.reshape(&[n, c_out, ho, wo])
}

// ---------------------------------------------------------------------------------------------
// activations, log_softmax, logsumexp, layer_norm

/// Calls the catalogue's composition of `$op` (its fallback, which calls the dispatching ops,
/// so MLX's primaries still do the work). The primaries below hand it what MLX's own kernels
/// would get wrong: float64 inputs (MLX 0.32's CPU `exp` and `erf` evaluate float32
/// polynomials whatever the dtype, see `float64`) and empty ones (its CPU reductions loop
/// forever over a zero-size axis, see `reduce`). Called before the MLX lock is taken.
macro_rules! composition {
    ($op:ident ( $($arg:expr),* )) => {{
        static FALLBACK: std::sync::OnceLock<Option<tensorswitch::OpFn>> =
            std::sync::OnceLock::new();
        match FALLBACK.get_or_init(|| tensorswitch::Op::$op.fallback()) {
            Some(tensorswitch::OpFn::$op(slot)) => {
                // SAFETY: only primaries use this, and the core calls every primary inside a
                // read section of the calling thread, which is what the fallback needs.
                #[allow(unsafe_code)]
                let f = unsafe { slot.get() };
                f($($arg),*)
            }
            _ => Err(KIT.error(
                stringify!($op),
                "the catalogue has no composition of this op to hand float64 or empty inputs to",
            )),
        }
    }};
}

/// Whether MLX's own kernel is kept for `x`: a non-empty tensor of a float dtype narrower
/// than float64 (the core has converted integer and bool inputs to the default float dtype).
fn native(x: &Tensor) -> bool {
    x.size() > 0 && x.dtype() != tensorswitch::DType::Float64
}

/// A scalar of `a`'s dtype (MLX would promote a float16 input against a float32 constant).
fn constant(a: &Array, v: f32) -> MlxResult {
    Array::from_f32(v).as_dtype(a.dtype())
}

/// `maximum(x, 0)` in `x`'s dtype, integers included: exact, so every dtype stays here.
pub(crate) fn relu(x: &Tensor) -> Result<Tensor> {
    const OP: &str = "relu";
    let _g = lock();
    let a = input_array(OP, x)?;
    let out = m::zeros_like(a)
        .and_then(|z| m::maximum(a, &z))
        .or_backend(&KIT, OP)?;
    wrap(OP, out)
}

/// MLX's `sigmoid`.
pub(crate) fn sigmoid(x: &Tensor) -> Result<Tensor> {
    const OP: &str = "sigmoid";
    if !native(x) {
        return composition!(sigmoid(x));
    }
    let _g = lock();
    let a = input_array(OP, x)?;
    wrap(OP, m::sigmoid(a).or_backend(&KIT, OP)?)
}

/// `x · sigmoid(x)`.
pub(crate) fn silu(x: &Tensor) -> Result<Tensor> {
    const OP: &str = "silu";
    if !native(x) {
        return composition!(silu(x));
    }
    let _g = lock();
    let a = input_array(OP, x)?;
    let out = m::sigmoid(a)
        .and_then(|s| m::multiply(a, &s))
        .or_backend(&KIT, OP)?;
    wrap(OP, out)
}

/// `x/2 · (1 + erf(x/√2))` with MLX's `erf`, in `x`'s dtype. Where `erf` rounds to -1 (x below
/// about -5.5 in float32) the result is 0 where the exact value is below 1e-7 in magnitude:
/// within the float32 tolerance of the conformance suite (absolute 1e-6).
pub(crate) fn gelu(x: &Tensor) -> Result<Tensor> {
    const OP: &str = "gelu";
    if !native(x) {
        return composition!(gelu(x));
    }
    let _g = lock();
    let a = input_array(OP, x)?;
    let out = (|| {
        let e = m::erf(m::multiply(
            a,
            constant(a, std::f32::consts::FRAC_1_SQRT_2)?,
        )?)?;
        let half = m::multiply(a, constant(a, 0.5)?)?;
        m::multiply(&half, m::add(constant(a, 1.0)?, &e)?)
    })()
    .or_backend(&KIT, OP)?;
    wrap(OP, out)
}

/// `x - logsumexp(x)` along the axis, with MLX's `logsumexp` (which takes out the maximum,
/// and a zero for an infinite one, as the composition does).
pub(crate) fn log_softmax(x: &Tensor, axis: usize) -> Result<Tensor> {
    const OP: &str = "log_softmax";
    if !native(x) {
        return composition!(log_softmax(x, axis));
    }
    let _g = lock();
    let a = input_array(OP, x)?;
    let ax = KIT.size_as::<i32>(OP, axis)?;
    let out = m::logsumexp_axis(a, ax, true)
        .and_then(|l| m::subtract(a, &l))
        .or_backend(&KIT, OP)?;
    wrap(OP, out)
}

/// MLX's `logsumexp` over the axes; over no axes the input itself (`log(exp(x)) = x`, which
/// MLX would instead reduce over every axis).
pub(crate) fn logsumexp(x: &Tensor, axes: &[usize], keepdims: bool) -> Result<Tensor> {
    const OP: &str = "logsumexp";
    if !native(x) {
        return composition!(logsumexp(x, axes, keepdims));
    }
    let _g = lock();
    let a = input_array(OP, x)?;
    if axes.is_empty() {
        return wrap(OP, a.clone());
    }
    let ax = KIT.sizes_as::<i32>(OP, axes)?;
    wrap(
        OP,
        m::logsumexp_axes(a, &ax, keepdims).or_backend(&KIT, OP)?,
    )
}

/// MLX's fused `layer_norm` over the last axis, without weight or bias. Its kernel accumulates
/// in float32, so float16 and bfloat16 inputs keep float32's precision until the result is
/// rounded.
pub(crate) fn layer_norm(x: &Tensor, eps: f64) -> Result<Tensor> {
    const OP: &str = "layer_norm";
    if !native(x) {
        return composition!(layer_norm(x, eps));
    }
    let _g = lock();
    let a = input_array(OP, x)?;
    let out = mlx_rs::fast::layer_norm(a, None, None, eps as f32).or_backend(&KIT, OP)?;
    wrap(OP, out)
}
