//! Validation and dispatch of the neural-network ops with their own kinds: `layer_norm`,
//! `one_hot`, `conv2d`, `max_pool2d`, `avg_pool2d`.

use super::dispatch::{call, cast, check_shape, require};
use super::manip::reshape_usize;
use crate::call::{Conv2d, LayerNorm, OneHot, Pool2d};
use crate::catalogue::{Conv2dFn, MatrixIntFn, Op, Pool2dFn, RtolFn, Slots, Window2d};
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::state::{self, TableGuard};
use crate::tensor::Tensor;

/// `layer_norm`: `normalized_shape` must be the trailing dimensions of `x`; the slot
/// normalizes over the last dimension of `x` reshaped to `(..., prod(normalized_shape))`.
pub(crate) fn run_layer_norm(
    op: Op,
    pick: fn(&Slots) -> Option<RtolFn>,
    x: &Tensor,
    a: &LayerNorm,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x])?;
    let k = a.normalized_shape.len();
    if k == 0 || k > x.ndim() || x.shape()[x.ndim() - k..] != a.normalized_shape[..] {
        return Err(Error::InvalidShape {
            op: op.name(),
            reason: format!(
                "normalized_shape {:?} must be the trailing dimensions of the input, of shape {:?} (at least one)",
                &a.normalized_shape[..],
                x.shape()
            ),
        });
    }
    if !(a.eps >= 0.0 && a.eps.is_finite()) {
        return Err(Error::InvalidArgument {
            op: op.name(),
            reason: format!("eps must be a finite number >= 0, got {}", a.eps),
        });
    }
    let dtype = x.dtype().to_float();
    table.check_dtype(op, dtype)?;
    let x = cast(table, x, dtype)?;
    if x.size() == 0 {
        return Ok(x.into_owned());
    }
    let _guard = TableGuard::new(table);
    let inner: usize = a.normalized_shape.iter().product();
    let mut flat: Vec<usize> = x.shape()[..x.ndim() - k].to_vec();
    flat.push(inner);
    let x2 = reshape_usize(&x, &flat)?;
    let y = call(table, op, pick(&table.slots), |f| f(&x2, a.eps))?;
    reshape_usize(&y, x.shape())
}

/// `one_hot`: an integer input, cast to int64; the slot's bool result cast to the dtype.
pub(crate) fn run_one_hot(
    op: Op,
    pick: fn(&Slots) -> Option<MatrixIntFn>,
    x: &Tensor,
    a: &OneHot,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x])?;
    require(op, x.dtype(), x.dtype().is_integer(), "an integer dtype")?;
    let n = i64::try_from(a.num_classes).map_err(|_| Error::InvalidArgument {
        op: op.name(),
        reason: format!("num_classes ({}) must fit int64", a.num_classes),
    })?;
    let dtype = a.dtype.unwrap_or(DType::Int64);
    let mut shape = x.shape().to_vec();
    shape.push(a.num_classes);
    check_shape(table, op, &shape, dtype)?;
    table.check_dtype(op, DType::Int64)?;
    table.check_dtype(op, dtype)?;
    let x = cast(table, x, DType::Int64)?;
    let hot = call(table, op, pick(&table.slots), |f| f(&x, n))?;
    cast(table, &hot, dtype).map(|t| t.into_owned())
}

fn four_d(op: Op, what: &str, layout: &str, x: &Tensor) -> Result<()> {
    if x.ndim() != 4 {
        return Err(Error::InvalidShape {
            op: op.name(),
            reason: format!(
                "{what} must have 4 dimensions {layout} (NCHW), got shape {:?}",
                x.shape()
            ),
        });
    }
    Ok(())
}

fn at_least_one(op: Op, name: &str, v: [usize; 2]) -> Result<()> {
    if v.contains(&0) {
        return Err(Error::InvalidArgument {
            op: op.name(),
            reason: format!("{name} must be at least 1 in both dimensions, got {v:?}"),
        });
    }
    Ok(())
}

/// The output's spatial sizes, or an error saying the window does not fit. A stride beyond
/// the padded input (which leaves one window) is brought down to its size, and the dilation
/// along a kernel extent of 1 (whose one tap it never moves) to 1: neither changes the result,
/// but every backend takes them (libtorch refuses a stride or dilation beyond `i64`).
fn output_size(op: Op, win: &mut Window2d, hw: [usize; 2]) -> Result<[usize; 2]> {
    let mut out = [0; 2];
    for d in 0..2 {
        let padded = hw[d].saturating_add(win.padding[d].saturating_mul(2));
        win.stride[d] = win.stride[d].min(padded.max(1));
        if win.kernel[d] == 1 {
            win.dilation[d] = 1;
        }
        out[d] = win.output(d, hw[d]).ok_or_else(|| Error::InvalidShape {
            op: op.name(),
            reason: format!(
                "the kernel {:?} with dilation {:?} spans more than the padded input: spatial size {:?} with padding {:?}; use a smaller kernel or more padding",
                win.kernel, win.dilation, hw, win.padding
            ),
        })?;
    }
    Ok(out)
}

/// Whether `win` is a window the `conv2d`/pool slots accept for an input of shape `x` (and,
/// for `conv2d`, a weight of shape `w`), as [`run_conv2d`] and [`run_pool2d`] build them:
/// for graphs read from a file, whose windows no public function checked.
#[cfg_attr(not(feature = "serde"), allow(dead_code))]
pub(crate) fn check_window(op: Op, win: &Window2d, x: &[usize], w: Option<&[usize]>) -> Result<()> {
    let bad = |reason: String| Error::InvalidArgument {
        op: op.name(),
        reason,
    };
    at_least_one(op, "the kernel", win.kernel)?;
    at_least_one(op, "stride", win.stride)?;
    at_least_one(op, "dilation", win.dilation)?;
    if x.len() != 4 {
        return Err(bad(format!("the input must be 4-D, got shape {x:?}")));
    }
    match (op, w) {
        (Op::conv2d, Some(w)) => {
            let g = win.groups;
            if w.len() != 4
                || g == 0
                || x[1] == 0
                || x[1] % g != 0
                || w[0] % g != 0
                || w[1] * g != x[1]
                || [w[2], w[3]] != win.kernel
            {
                return Err(bad(format!(
                    "groups {g} and kernel {:?} do not fit input {x:?} and weight {w:?}",
                    win.kernel
                )));
            }
        }
        (Op::max_pool2d | Op::avg_pool2d, None) => {
            if win.groups != 1
                || x[2] == 0
                || x[3] == 0
                || (0..2).any(|d| win.padding[d] > win.kernel[d] / 2)
                || (op == Op::avg_pool2d && win.dilation != [1, 1])
            {
                return Err(bad(format!(
                    "a pool takes an input with rows and columns, groups 1, padding {:?} at most \
                     half the kernel {:?}, and (average) dilation 1, got input {x:?}, groups {} \
                     and dilation {:?}",
                    win.padding, win.kernel, win.groups, win.dilation
                )));
            }
        }
        _ => {
            return Err(bad(
                "a window belongs to conv2d (two inputs) or a pool (one)".into(),
            ))
        }
    }
    for d in 0..2 {
        if win.output(d, x[2 + d]).is_none() {
            return Err(bad(format!(
                "the window {win:?} spans more than the padded input {x:?}"
            )));
        }
    }
    Ok(())
}

/// `conv2d`: shapes, groups and window checked; inputs promoted to a float dtype.
pub(crate) fn run_conv2d(
    op: Op,
    pick: fn(&Slots) -> Option<Conv2dFn>,
    x: &Tensor,
    w: &Tensor,
    a: &Conv2d,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x, w])?;
    four_d(op, "the input", "(N, C_in, H, W)", x)?;
    four_d(op, "the weight", "(C_out, C_in / groups, kH, kW)", w)?;
    at_least_one(op, "stride", a.stride)?;
    at_least_one(op, "dilation", a.dilation)?;
    let (c_in, c_out, g) = (x.shape()[1], w.shape()[0], a.groups);
    if g == 0 || c_in % g != 0 || c_out % g != 0 {
        return Err(Error::InvalidArgument {
            op: op.name(),
            reason: format!(
                "groups ({g}) must be at least 1 and divide both the input channels ({c_in}) and the output channels ({c_out})"
            ),
        });
    }
    if c_in == 0 || w.shape()[1] != c_in / g {
        return Err(Error::ShapeMismatch {
            op: op.name(),
            lhs: x.shape().to_vec(),
            rhs: w.shape().to_vec(),
            reason: format!(
                "the weight's second dimension must be the input channels over groups ({c_in} / {g}), and the input must have channels"
            ),
        });
    }
    let kernel = [w.shape()[2], w.shape()[3]];
    at_least_one(op, "the kernel (the weight's last two sizes)", kernel)?;
    let mut win = Window2d {
        kernel,
        stride: a.stride,
        padding: a.padding,
        dilation: a.dilation,
        groups: g,
    };
    let [ho, wo] = output_size(op, &mut win, [x.shape()[2], x.shape()[3]])?;
    let dtype = super::dispatch::promote(op, x.dtype(), w.dtype())?.to_float();
    let shape = [x.shape()[0], c_out, ho, wo];
    check_shape(table, op, &shape, dtype)?;
    table.check_dtype(op, dtype)?;
    // An input with no rows or columns leaves every window in the zero padding: the result is
    // zeros (frameworks refuse such inputs, the definition does not).
    if shape.contains(&0) || x.size() == 0 {
        let _guard = TableGuard::new(table);
        return state::with_device(x.device(), || super::zeros(&shape, dtype));
    }
    let (x, w) = (cast(table, x, dtype)?, cast(table, w, dtype)?);
    call(table, op, pick(&table.slots), |f| f(&x, &w, &win))
}

/// `max_pool2d`/`avg_pool2d`: shape and window checked; integers as the default float dtype.
pub(crate) fn run_pool2d(
    op: Op,
    pick: fn(&Slots) -> Option<Pool2dFn>,
    x: &Tensor,
    a: &Pool2d,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x])?;
    four_d(op, "the input", "(N, C, H, W)", x)?;
    let stride = a.stride.unwrap_or(a.kernel_size);
    at_least_one(op, "kernel_size", a.kernel_size)?;
    at_least_one(op, "stride", stride)?;
    at_least_one(op, "dilation", a.dilation)?;
    if op == Op::avg_pool2d && a.dilation != [1, 1] {
        return Err(Error::InvalidArgument {
            op: op.name(),
            reason: format!("takes no dilation (only 1), got {:?}", a.dilation),
        });
    }
    if (0..2).any(|d| a.padding[d] > a.kernel_size[d] / 2) {
        return Err(Error::InvalidArgument {
            op: op.name(),
            reason: format!(
                "padding {:?} must be at most half the kernel size {:?}, so that no window lies in the padding alone",
                a.padding, a.kernel_size
            ),
        });
    }
    if x.shape()[2] == 0 || x.shape()[3] == 0 {
        return Err(Error::InvalidShape {
            op: op.name(),
            reason: format!(
                "the input {:?} has no rows or no columns, so every window would lie in the padding alone; pool a non-empty image",
                x.shape()
            ),
        });
    }
    let mut win = Window2d {
        kernel: a.kernel_size,
        stride,
        padding: a.padding,
        dilation: a.dilation,
        groups: 1,
    };
    let [ho, wo] = output_size(op, &mut win, [x.shape()[2], x.shape()[3]])?;
    let dtype = x.dtype().to_float();
    let shape = [x.shape()[0], x.shape()[1], ho, wo];
    check_shape(table, op, &shape, dtype)?;
    table.check_dtype(op, dtype)?;
    if shape.contains(&0) {
        let _guard = TableGuard::new(table);
        return state::with_device(x.device(), || super::zeros(&shape, dtype));
    }
    let x = cast(table, x, dtype)?;
    call(table, op, pick(&table.slots), |f| f(&x, &win))
}
