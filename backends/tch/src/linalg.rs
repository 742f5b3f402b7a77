//! Linear algebra.

use crate::{input_tensor, wrap, wrap_known, wrap_view, KINDS, KIT};
use tensorswitch::kit::OrBackendError;
use tensorswitch::linalg::MatrixOrd;
use tensorswitch::{Error, Result, Tensor};

/// The core hands over operands with at least 2 dimensions and batch dimensions that
/// broadcast; libtorch's matmul does the rest (integers included, wrapping).
pub(crate) fn matmul(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    const OP: &str = "matmul";
    let out = input_tensor(OP, a)?
        .f_matmul(input_tensor(OP, b)?)
        .or_backend(&KIT, OP)?;
    wrap(OP, out, a.device())
}

/// A view with the last two dimensions swapped.
pub(crate) fn matrix_transpose(x: &Tensor) -> Result<Tensor> {
    const OP: &str = "matrix_transpose";
    let out = input_tensor(OP, x)?
        .f_transpose(-2, -1)
        .or_backend(&KIT, OP)?;
    wrap_view(OP, out, x)
}

/// `vecdot` from libtorch 1.13 on, which added `torch.linalg.vecdot`: that kernel for floats.
/// It refuses integers, which are multiplied and summed as before 1.13.
pub(crate) fn vecdot_linalg(a: &Tensor, b: &Tensor, axis: usize) -> Result<Tensor> {
    const OP: &str = "vecdot";
    if !a.dtype().is_float() {
        return vecdot_mul_sum(a, b, axis);
    }
    let out = tch::Tensor::f_linalg_vecdot(
        input_tensor(OP, a)?,
        input_tensor(OP, b)?,
        dim_from_end(a, b, axis),
    )
    .or_backend(&KIT, OP)?;
    wrap(OP, out, a.device())
}

/// `vecdot` up to libtorch 1.12 (no `linalg.vecdot`): `sum(a * b, axis)`, summed in the
/// inputs' dtype (integers wrap, as they would in a wider sum converted back).
pub(crate) fn vecdot_mul_sum(a: &Tensor, b: &Tensor, axis: usize) -> Result<Tensor> {
    const OP: &str = "vecdot";
    let kind = KINDS.framework(&KIT, OP, a.dtype())?;
    let dim = [dim_from_end(a, b, axis)];
    let out = input_tensor(OP, a)?
        .f_mul(input_tensor(OP, b)?)
        .and_then(|p| p.f_sum_dim_intlist(dim.as_slice(), false, kind))
        .or_backend(&KIT, OP)?;
    wrap(OP, out, a.device())
}

/// `axis` counts in the broadcast shape; counted from the end it means the same dimension of
/// both operands.
fn dim_from_end(a: &Tensor, b: &Tensor, axis: usize) -> i64 {
    axis as i64 - a.ndim().max(b.ndim()) as i64
}

pub(crate) fn tensordot(
    a: &Tensor,
    b: &Tensor,
    axes_a: &[usize],
    axes_b: &[usize],
) -> Result<Tensor> {
    const OP: &str = "tensordot";
    let out = input_tensor(OP, a)?
        .f_tensordot(
            input_tensor(OP, b)?,
            KIT.sizes_as::<i64>(OP, axes_a)?,
            KIT.sizes_as::<i64>(OP, axes_b)?,
        )
        .or_backend(&KIT, OP)?;
    wrap(OP, out, a.device())
}

/// A singular matrix is an `InvalidArgument` error (libtorch's message says which pivot is 0).
pub(crate) fn inv(x: &Tensor) -> Result<Tensor> {
    const OP: &str = "linalg.inv";
    let out = tch::Tensor::f_linalg_inv(input_tensor(OP, x)?)
        .or_backend(&KIT, OP)
        .map_err(|e| match e {
            Error::Backend { message, .. } if message.contains("singular") => {
                Error::InvalidArgument {
                    op: OP,
                    reason: message,
                }
            }
            e => e,
        })?;
    wrap(OP, out, x.device())
}

pub(crate) fn det(x: &Tensor) -> Result<Tensor> {
    const OP: &str = "linalg.det";
    let out = tch::Tensor::f_linalg_det(input_tensor(OP, x)?).or_backend(&KIT, OP)?;
    wrap(OP, out, x.device())
}

// ---------------------------------------------------------------------------------------------
// the rest of the `linalg` extension: libtorch's `torch.linalg` kernels (LAPACK on the CPU)

/// libtorch's error for a singular (or not positive-definite) input as `InvalidArgument`, the
/// error the fallbacks and the other backends give; other failures stay backend errors.
fn bad_matrix(op: &'static str, e: Error) -> Error {
    match e {
        Error::Backend { message, .. }
            if message.contains("singular") || message.contains("positive-definite") =>
        {
            Error::InvalidArgument {
                op,
                reason: message,
            }
        }
        e => e,
    }
}

/// The core broadcasts the batch dimensions and hands a matrix right-hand side.
pub(crate) fn solve(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    const OP: &str = "linalg.solve";
    let out = tch::Tensor::f_linalg_solve(input_tensor(OP, a)?, input_tensor(OP, b)?, true)
        .or_backend(&KIT, OP)
        .map_err(|e| bad_matrix(OP, e))?;
    wrap(OP, out, a.device())
}

/// Not positive definite is `InvalidArgument`.
pub(crate) fn cholesky(x: &Tensor, upper: bool) -> Result<Tensor> {
    const OP: &str = "linalg.cholesky";
    let out = input_tensor(OP, x)?
        .f_linalg_cholesky(upper)
        .or_backend(&KIT, OP)
        .map_err(|e| bad_matrix(OP, e))?;
    wrap(OP, out, x.device())
}

/// Wraps a fresh result of a decomposition of `x`: `x`'s dtype, and `x`'s batch dimensions
/// followed by `dims` (the shapes the standard gives each result). Skipping libtorch's shape
/// and dtype queries keeps the small decompositions within 5 % of calling libtorch directly.
fn wrap_result(out: tch::Tensor, x: &Tensor, dims: &[usize]) -> Tensor {
    let batch = &x.shape()[..x.ndim() - 2];
    let shape: tensorswitch::Shape = batch.iter().chain(dims).copied().collect();
    debug_assert_eq!(
        out.size(),
        shape.iter().map(|&d| d as i64).collect::<Vec<_>>()
    );
    wrap_known(out, x.dtype(), &shape, x.device())
}

/// The sizes of `x`'s matrices and `K = min(M, N)`.
fn matrix_sizes(x: &Tensor) -> (usize, usize, usize) {
    let (m, n) = (x.shape()[x.ndim() - 2], x.shape()[x.ndim() - 1]);
    (m, n, m.min(n))
}

pub(crate) fn qr(x: &Tensor, complete: bool) -> Result<[Tensor; 2]> {
    const OP: &str = "linalg.qr";
    let mode = if complete { "complete" } else { "reduced" };
    let (q, r) = tch::Tensor::f_linalg_qr(input_tensor(OP, x)?, mode).or_backend(&KIT, OP)?;
    let (m, n, k) = matrix_sizes(x);
    let rows = if complete { m } else { k };
    Ok([wrap_result(q, x, &[m, rows]), wrap_result(r, x, &[rows, n])])
}

/// `torch.svd` (`some = !full_matrices`), which returns `v`: the binding of `linalg_svd`
/// always passes a `driver`, which libtorch accepts on CUDA only. `vh` is `v`'s transpose (a
/// strided view of the fresh `v`: copying it cost 7 % of a 16×16 SVD).
pub(crate) fn svd(x: &Tensor, full_matrices: bool) -> Result<[Tensor; 3]> {
    const OP: &str = "linalg.svd";
    let (u, s, v) = input_tensor(OP, x)?
        .f_svd(!full_matrices, true)
        .or_backend(&KIT, OP)?;
    let vh = v.f_transpose(-2, -1).or_backend(&KIT, OP)?;
    let (m, n, k) = matrix_sizes(x);
    let (uc, vr) = if full_matrices { (m, n) } else { (k, k) };
    let batch = &x.shape()[..x.ndim() - 2];
    let s_shape: tensorswitch::Shape = batch.iter().chain([&k]).copied().collect();
    Ok([
        wrap_result(u, x, &[m, uc]),
        wrap_known(s, x.dtype(), &s_shape, x.device()),
        wrap_result(vh, x, &[vr, n]),
    ])
}

/// `torch.linalg.svdvals` with its default driver (`linalg_svdvals`' binding passes one,
/// which the CPU refuses, so the values come from `torch.svd` without vectors).
pub(crate) fn svdvals(x: &Tensor) -> Result<Tensor> {
    const OP: &str = "linalg.svdvals";
    let (_, s, _) = input_tensor(OP, x)?
        .f_svd(true, false)
        .or_backend(&KIT, OP)?;
    wrap(OP, s, x.device())
}

/// The lower triangle, as the standard (and NumPy) read it.
pub(crate) fn eigh(x: &Tensor) -> Result<[Tensor; 2]> {
    const OP: &str = "linalg.eigh";
    let (w, v) = input_tensor(OP, x)?
        .f_linalg_eigh("L")
        .or_backend(&KIT, OP)?;
    let n = x.shape()[x.ndim() - 1];
    let batch = &x.shape()[..x.ndim() - 2];
    let w_shape: tensorswitch::Shape = batch.iter().chain([&n]).copied().collect();
    Ok([
        wrap_known(w, x.dtype(), &w_shape, x.device()),
        wrap_result(v, x, &[n, n]),
    ])
}

pub(crate) fn eigvalsh(x: &Tensor) -> Result<Tensor> {
    const OP: &str = "linalg.eigvalsh";
    let out = input_tensor(OP, x)?
        .f_linalg_eigvalsh("L")
        .or_backend(&KIT, OP)?;
    wrap(OP, out, x.device())
}

pub(crate) fn slogdet(x: &Tensor) -> Result<[Tensor; 2]> {
    const OP: &str = "linalg.slogdet";
    let (sign, log) = tch::Tensor::f_linalg_slogdet(input_tensor(OP, x)?).or_backend(&KIT, OP)?;
    Ok([wrap(OP, sign, x.device())?, wrap(OP, log, x.device())?])
}

/// `rtol` only (`atol` 0), as the standard has it.
pub(crate) fn pinv(x: &Tensor, rtol: f64) -> Result<Tensor> {
    const OP: &str = "linalg.pinv";
    let out = input_tensor(OP, x)?
        .f_linalg_pinv_atol_rtol_float(None, rtol, false)
        .or_backend(&KIT, OP)?;
    wrap(OP, out, x.device())
}

pub(crate) fn matrix_rank(x: &Tensor, rtol: f64) -> Result<Tensor> {
    const OP: &str = "linalg.matrix_rank";
    let out = input_tensor(OP, x)?
        .f_linalg_matrix_rank_atol_rtol_float(None, rtol, false)
        .or_backend(&KIT, OP)?;
    wrap(OP, out, x.device())
}

/// A negative power of a singular matrix is `InvalidArgument`.
pub(crate) fn matrix_power(x: &Tensor, n: i64) -> Result<Tensor> {
    const OP: &str = "linalg.matrix_power";
    let out = input_tensor(OP, x)?
        .f_linalg_matrix_power(n)
        .or_backend(&KIT, OP)
        .map_err(|e| bad_matrix(OP, e))?;
    wrap(OP, out, x.device())
}

pub(crate) fn matrix_norm(x: &Tensor, ord: MatrixOrd, keepdims: bool) -> Result<Tensor> {
    const OP: &str = "linalg.matrix_norm";
    let t = input_tensor(OP, x)?;
    let dims = [-2i64, -1];
    let number = match ord {
        MatrixOrd::Fro => None,
        MatrixOrd::Nuc => None,
        MatrixOrd::One => Some(1.0),
        MatrixOrd::NegOne => Some(-1.0),
        MatrixOrd::Two => Some(2.0),
        MatrixOrd::NegTwo => Some(-2.0),
        MatrixOrd::Inf => Some(f64::INFINITY),
        MatrixOrd::NegInf => Some(f64::NEG_INFINITY),
    };
    let out = match number {
        // `f_linalg_norm` takes the order as a `tch::Scalar`, so a libtorch error inside it
        // would panic (see `scalar_tensor`): its two errors are kept from happening. Half
        // precision, which libtorch's matrix norms refuse, is computed in float32 and cast
        // back; the SVD behind the 2-norms, which does not converge on NaN or infinity, is
        // not run on such input.
        Some(p) => {
            let half = matches!(t.kind(), tch::Kind::Half | tch::Kind::BFloat16);
            let work = if half {
                t.f_to_kind(tch::Kind::Float).or_backend(&KIT, OP)?
            } else {
                t.shallow_clone()
            };
            if p.abs() == 2.0 && !all_finite(OP, &work)? {
                return Err(KIT.error(
                    OP,
                    "the input holds NaN or infinity, on which the singular value \
                     decomposition behind ord 2 and -2 does not converge",
                ));
            }
            work.f_linalg_norm(p, dims.as_slice(), keepdims, None::<tch::Kind>)
                .and_then(|n| if half { n.f_to_kind(t.kind()) } else { Ok(n) })
        }
        None => {
            let name = if ord == MatrixOrd::Nuc { "nuc" } else { "fro" };
            t.f_linalg_norm_ord_str(name, dims.as_slice(), keepdims, None::<tch::Kind>)
        }
    }
    .or_backend(&KIT, OP)?;
    wrap(OP, out, x.device())
}

/// Whether every element of `t` is finite (an error when libtorch cannot tell).
fn all_finite(op: &'static str, t: &tch::Tensor) -> Result<bool> {
    let finite = t
        .f_isfinite()
        .and_then(|f| f.f_all())
        .and_then(|a| a.f_int64_value(&[]))
        .or_backend(&KIT, op)?;
    Ok(finite != 0)
}

/// `torch.norm(x, p, dim, keepdim)`, which is `linalg.vector_norm` in libtorch 2 (the binding
/// lacks `linalg_vector_norm` itself, whose `ord` is a scalar). libtorch reduces every dimension
/// for an empty list, so no axes (a 0-D input) is `|x|` here (`x != 0` for `ord` 0, compared
/// with a zero tensor rather than a `tch::Scalar`, see `scalar_tensor`).
pub(crate) fn vector_norm(x: &Tensor, axes: &[usize], ord: f64, keepdims: bool) -> Result<Tensor> {
    const OP: &str = "linalg.vector_norm";
    let t = input_tensor(OP, x)?;
    let out = if axes.is_empty() {
        if ord == 0.0 {
            let kind = KINDS.framework(&KIT, OP, x.dtype())?;
            t.f_zeros_like()
                .and_then(|z| t.f_ne_tensor(&z))
                .and_then(|b| b.f_to_kind(kind))
        } else {
            t.f_abs()
        }
    } else {
        t.f_norm_scalaropt_dim(ord, KIT.sizes_as::<i64>(OP, axes)?.as_slice(), keepdims)
    }
    .or_backend(&KIT, OP)?;
    wrap(OP, out, x.device())
}

pub(crate) fn outer(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    const OP: &str = "linalg.outer";
    let out = input_tensor(OP, a)?
        .f_outer(input_tensor(OP, b)?)
        .or_backend(&KIT, OP)?;
    wrap(OP, out, a.device())
}

/// A view of the input (libtorch's `diagonal` strides through it).
pub(crate) fn diagonal(x: &Tensor, offset: i64) -> Result<Tensor> {
    const OP: &str = "linalg.diagonal";
    let out = input_tensor(OP, x)?
        .f_diagonal(offset, -2, -1)
        .or_backend(&KIT, OP)?;
    wrap_view(OP, out, x)
}

/// The diagonal's sum, in the input's dtype (the core has converted it to the result's).
pub(crate) fn trace(x: &Tensor, offset: i64) -> Result<Tensor> {
    const OP: &str = "linalg.trace";
    let kind = KINDS.framework(&KIT, OP, x.dtype())?;
    let out = input_tensor(OP, x)?
        .f_diagonal(offset, -2, -1)
        .and_then(|d| d.f_sum_dim_intlist([-1i64].as_slice(), false, kind))
        .or_backend(&KIT, OP)?;
    wrap(OP, out, x.device())
}

/// `axis` counts in the broadcast shape; libtorch takes it from the end. libtorch broadcasts
/// inputs of the same number of dimensions only: the shorter one gets leading 1s (a view).
pub(crate) fn cross(a: &Tensor, b: &Tensor, axis: usize) -> Result<Tensor> {
    const OP: &str = "linalg.cross";
    let nd = a.ndim().max(b.ndim());
    let padded = |t: &Tensor| -> Result<tch::Tensor> {
        let x = input_tensor(OP, t)?;
        let mut shape = vec![1i64; nd - t.ndim()];
        shape.extend(KIT.sizes_as::<i64>(OP, t.shape())?);
        x.f_reshape(shape.as_slice()).or_backend(&KIT, OP)
    };
    let out = padded(a)?
        .f_linalg_cross(&padded(b)?, dim_from_end(a, b, axis))
        .or_backend(&KIT, OP)?;
    wrap(OP, out, a.device())
}
