//! `conv2d` on MLX's own convolution, which works in NHWC layout: the input and the weight
//! are transposed to it (`(N, H, W, C)`, `(C_out, kH, kW, C_in / groups)`) and the result back
//! to NCHW; MLX is lazy, so the transposes are strides its kernel reads, not copies made here.
//! MLX 0.32's CPU convolution has no float64 kernel (it refuses some shapes and computes others
//! in float32), so float64 takes im2col: the strided taps of the padded input, stacked, times
//! the reshaped weight with MLX's float64 matmul.

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
