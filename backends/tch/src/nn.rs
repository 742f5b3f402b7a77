//! The neural-network basics on libtorch's own kernels: `relu`, `sigmoid`, `gelu` (exact,
//! `approximate="none"`), `silu`, `log_softmax`, `logsumexp`, `layer_norm`, `one_hot`, `conv2d`,
//! `max_pool2d`, `avg_pool2d`.

use crate::{input_tensor, wrap, wrap_like, wrap_view, KIT};
use tch::Kind;
use tensorswitch::catalogue::Window2d;
use tensorswitch::kit::OrBackendError;
use tensorswitch::{Result, Tensor};

fn unary(
    op: &'static str,
    x: &Tensor,
    f: impl FnOnce(&tch::Tensor) -> std::result::Result<tch::Tensor, tch::TchError>,
) -> Result<Tensor> {
    let out = f(input_tensor(op, x)?).or_backend(&KIT, op)?;
    Ok(wrap_like(out, x.dtype(), x))
}

pub(crate) fn relu(x: &Tensor) -> Result<Tensor> {
    unary("relu", x, |t| t.f_relu())
}

pub(crate) fn sigmoid(x: &Tensor) -> Result<Tensor> {
    unary("sigmoid", x, |t| t.f_sigmoid())
}

pub(crate) fn gelu(x: &Tensor) -> Result<Tensor> {
    unary("gelu", x, |t| t.f_gelu("none"))
}

pub(crate) fn silu(x: &Tensor) -> Result<Tensor> {
    unary("silu", x, |t| t.f_silu())
}

pub(crate) fn log_softmax(x: &Tensor, axis: usize) -> Result<Tensor> {
    const OP: &str = "log_softmax";
    let out = input_tensor(OP, x)?
        .f_log_softmax(KIT.size_as::<i64>(OP, axis)?, None::<Kind>)
        .or_backend(&KIT, OP)?;
    wrap(OP, out, x.device())
}

pub(crate) fn logsumexp(x: &Tensor, axes: &[usize], keepdims: bool) -> Result<Tensor> {
    const OP: &str = "logsumexp";
    if axes.is_empty() {
        // Over no axes each element is its own sum: the input itself.
        return wrap_view(OP, input_tensor(OP, x)?.shallow_clone(), x);
    }
    let out = input_tensor(OP, x)?
        .f_logsumexp(KIT.sizes_as::<i64>(OP, axes)?, keepdims)
        .or_backend(&KIT, OP)?;
    wrap(OP, out, x.device())
}

pub(crate) fn layer_norm(x: &Tensor, eps: f64) -> Result<Tensor> {
    const OP: &str = "layer_norm";
    let t = input_tensor(OP, x)?;
    let last = KIT.size_as::<i64>(OP, x.shape()[x.ndim() - 1])?;
    let out = t
        .f_layer_norm([last], None::<tch::Tensor>, None::<tch::Tensor>, eps, false)
        .or_backend(&KIT, OP)?;
    wrap(OP, out, x.device())
}

/// `x.unsqueeze(-1) == arange(n)` (libtorch's own `one_hot` raises for indices out of range,
/// which tensorswitch maps to rows of zeros). The classes come from `host::indices`, not
/// libtorch's `arange`, whose `tch::Scalar` bound panics when the allocation fails (see
/// `scalar_tensor`); they are exact integers in float64, cast to int64.
pub(crate) fn one_hot(x: &Tensor, n: i64) -> Result<Tensor> {
    const OP: &str = "one_hot";
    let t = input_tensor(OP, x)?;
    let n = usize::try_from(n).map_err(|_| KIT.error(OP, format!("{n} classes")))?;
    let classes = crate::host::indices(OP, n, t.device())?
        .f_to_kind(Kind::Int64)
        .or_backend(&KIT, OP)?;
    let out = t
        .f_unsqueeze(-1)
        .and_then(|u| u.f_eq_tensor(&classes))
        .or_backend(&KIT, OP)?;
    wrap(OP, out, x.device())
}

fn pair(op: &'static str, v: [usize; 2]) -> Result<[i64; 2]> {
    Ok([KIT.size_as::<i64>(op, v[0])?, KIT.size_as::<i64>(op, v[1])?])
}

pub(crate) fn conv2d(x: &Tensor, w: &Tensor, win: &Window2d) -> Result<Tensor> {
    const OP: &str = "conv2d";
    let out = input_tensor(OP, x)?
        .f_conv2d(
            input_tensor(OP, w)?,
            None::<tch::Tensor>,
            pair(OP, win.stride)?,
            pair(OP, win.padding)?,
            pair(OP, win.dilation)?,
            KIT.size_as::<i64>(OP, win.groups)?,
        )
        .or_backend(&KIT, OP)?;
    wrap(OP, out, x.device())
}

pub(crate) fn max_pool2d(x: &Tensor, win: &Window2d) -> Result<Tensor> {
    const OP: &str = "max_pool2d";
    let out = input_tensor(OP, x)?
        .f_max_pool2d(
            pair(OP, win.kernel)?,
            pair(OP, win.stride)?,
            pair(OP, win.padding)?,
            pair(OP, win.dilation)?,
            false,
        )
        .or_backend(&KIT, OP)?;
    wrap(OP, out, x.device())
}

pub(crate) fn avg_pool2d(x: &Tensor, win: &Window2d) -> Result<Tensor> {
    const OP: &str = "avg_pool2d";
    let out = input_tensor(OP, x)?
        .f_avg_pool2d(
            pair(OP, win.kernel)?,
            pair(OP, win.stride)?,
            pair(OP, win.padding)?,
            false,
            true,
            None,
        )
        .or_backend(&KIT, OP)?;
    wrap(OP, out, x.device())
}
