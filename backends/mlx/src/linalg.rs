//! Linear algebra: `matmul`, `linalg.inv`, `linalg.det`.

use crate::{eval, input_array, lock, mark_failed, wrap, MlxResult, KIT};
use mlx_rs::{ops as m, Array, Dtype};
use tensorswitch::kit::OrBackendError;
use tensorswitch::{Error, Result, Tensor};

/// MLX's matmul only takes floating-point dtypes: integer products are `kernels::int_matmul`,
/// and an empty inner dimension gives zeros (summing over it would hang MLX).
pub(crate) fn matmul(x: &Tensor, y: &Tensor) -> Result<Tensor> {
    const OP: &str = "matmul";
    let _g = lock();
    let (a, b) = (input_array(OP, x)?, input_array(OP, y)?);
    let k = x.shape().last().copied().unwrap_or(0);
    let out = if x.dtype().is_float() {
        m::matmul(a, b)
    } else if k == 0 {
        // Summing over the empty inner dimension would hang MLX (see `sum`): the product of
        // (…, m, 0) and (…, 0, n) is zeros.
        let (xs, ys) = (x.shape(), y.shape());
        let mut shape =
            tensorswitch::broadcast_shapes(OP, &xs[..xs.len() - 2], &ys[..ys.len() - 2])?;
        shape.push(x.shape()[x.ndim() - 2]);
        shape.push(y.shape()[y.ndim() - 1]);
        m::zeros_dtype(&KIT.sizes_as::<i32>(OP, &shape)?, a.dtype())
    } else {
        crate::kernels::int_matmul(a, b)
    }
    .or_backend(&KIT, OP)?;
    wrap(OP, out)
}

/// Evaluated here, unlike the other primaries: MLX finds a singular matrix only when it
/// evaluates the inverse, and a failed evaluation leaves the inverse's array marked as evaluated
/// with LAPACK's partial output in it, which any graph using it would then read without an error.
/// Evaluating at the call makes a singular matrix an `InvalidArgument` error of `linalg.inv`
/// (as on the eager backends; see `evaluation_error`) and drops the failed array. The input's
/// graph is evaluated with it (its values stay valid and are reused later).
///
/// A stack of zero matrices, or of 0×0 ones, is returned as it is: MLX 0.32's CPU inverse
/// divides by the matrix size and kills the process with SIGFPE on 0×0 matrices.
pub(crate) fn inv(x: &Tensor) -> Result<Tensor> {
    const OP: &str = "linalg.inv";
    let _g = lock();
    let a = input_array(OP, x)?;
    if x.size() == 0 {
        return wrap(OP, a.clone());
    }
    let out = via_lapack_dtype(a, |w| mlx_rs::linalg::inv(w)).or_backend(&KIT, OP)?;
    eval(OP, &out).map_err(|e| match e {
        singular @ Error::InvalidArgument { .. } => singular,
        e => mark_failed(x, e), // the failure may be in the input's own graph
    })?;
    wrap(OP, out)
}

/// MLX's LAPACK-backed ops take float32 and float64 only; float16 and bfloat16 run in float32
/// (which holds them exactly) and the result is rounded back.
fn via_lapack_dtype(a: &Array, f: impl Fn(&Array) -> MlxResult) -> MlxResult {
    match a.dtype() {
        Dtype::Float16 | Dtype::Bfloat16 => f(&a.as_dtype(Dtype::Float32)?)?.as_dtype(a.dtype()),
        _ => f(a),
    }
}

/// Without elements the result is built here, without calling MLX's LU factorisation: the
/// determinant of a 0×0 matrix is 1 (the empty product), and an empty stack of matrices has an
/// empty stack of determinants.
pub(crate) fn det(x: &Tensor) -> Result<Tensor> {
    const OP: &str = "linalg.det";
    let _g = lock();
    let a = input_array(OP, x)?;
    if x.size() == 0 {
        let batch = KIT.sizes_as::<i32>(OP, &x.shape()[..x.ndim().saturating_sub(2)])?;
        return wrap(OP, m::ones_dtype(&batch, a.dtype()).or_backend(&KIT, OP)?);
    }
    let out = if a.dtype() == Dtype::Float64 {
        det_float64(a, KIT.sizes_as::<i32>(OP, &[x.shape()[x.ndim() - 1]])?[0])
    } else {
        via_lapack_dtype(a, |w| mlx_rs::linalg::det(w))
    };
    wrap(OP, out.or_backend(&KIT, OP)?)
}

/// float64 determinants of `n`×`n` matrices (`n` ≥ 1), from MLX's LU factorisation (LAPACK's
/// `getrf`, float64 throughout): `det = ∏ u_ii · (-1)^(row swaps)`, as LAPACK-based libraries
/// and the ndarray backend compute it. MLX's own `det` computes `sign · exp(logabsdet)` above
/// 3×3, and its CPU `exp` is float32 whatever the dtype, so its float64 determinants had
/// float32's relative error (about 1e-7; `det(diag(100, 1, 1, 1))` was 99.99999237). Here the
/// row swap of step `i` (pivot `p_i ≠ i`) negates `u_ii`, and one float64 product (exact sign
/// flips, correctly rounded multiplications) gives the determinant: relative error about
/// `n · 2⁻⁵³` beyond the factorisation's own. A singular matrix has a zero pivot, so its
/// determinant is 0 (`getrf` reports it and MLX carries on). Like the eager backends' product,
/// it overflows when a partial product does. Stays lazy.
fn det_float64(a: &Array, n: i32) -> MlxResult {
    let (lu, pivots) = mlx_rs::linalg::lu_factor(a)?;
    let rows = Array::arange::<i32, i32>(0, n, 1)?.as_dtype(pivots.dtype())?;
    let one = Array::from_f64(1.0);
    let swapped = m::ne(&pivots, &rows)?;
    let signs = m::select(&swapped, m::negative(&one)?, &one)?;
    let diagonal = lu.diagonal(0, -2, -1)?;
    m::multiply(&diagonal, &signs)?.prod_axis(-1, false)
}

// ---------------------------------------------------------------------------------------------
// the rest of the `linalg` extension: MLX's LAPACK-backed kernels (CPU) and its array ops.
// The others (solve, cholesky, qr, slogdet, pinv, matrix_rank, matrix_power, matrix_norm) use
// the catalogue's fallbacks: MLX finds singular or indefinite matrices only at evaluation
// (solve, cholesky, slogdet), has no complete QR, no `rtol` for pinv and no singular-value
// matrix norms.

/// The length of the diagonal at `offset` of an `n`×`m` matrix.
fn diagonal_len(n: usize, m: usize, offset: i64) -> usize {
    let k = usize::try_from(offset.unsigned_abs()).unwrap_or(usize::MAX);
    if offset >= 0 {
        n.min(m.saturating_sub(k))
    } else {
        m.min(n.saturating_sub(k))
    }
}

/// The shape of `x` without its last `drop` dimensions, plus `extra`, as MLX sizes.
fn sizes(op: &'static str, x: &Tensor, drop: usize, extra: &[usize]) -> Result<Vec<i32>> {
    let mut s = x.shape()[..x.ndim() - drop].to_vec();
    s.extend_from_slice(extra);
    KIT.sizes_as::<i32>(op, &s)
}

/// `n`×`n` identities of `dtype` broadcast over `batch` (MLX sizes).
fn identities(n: i32, batch: &[i32], dtype: Dtype) -> MlxResult {
    let mut shape = batch.to_vec();
    shape.extend([n, n]);
    m::broadcast_to(Array::eye::<f32>(n, None, None)?.as_dtype(dtype)?, &shape)
}

/// Eigenvalues ascending, eigenvectors as columns, from the lower triangle (MLX's `eigh`,
/// LAPACK's `syevd`). A stack without elements is answered here (MLX's LAPACK calls are not
/// made for empty matrices).
pub(crate) fn eigh(x: &Tensor) -> Result<[Tensor; 2]> {
    const OP: &str = "linalg.eigh";
    let _g = lock();
    let a = input_array(OP, x)?;
    let (w, v) = if x.size() == 0 {
        (|| {
            let w = m::zeros_dtype(&sizes(OP, x, 1, &[]).map_err(mlx_error)?, a.dtype())?;
            let v = m::zeros_dtype(&sizes(OP, x, 0, &[]).map_err(mlx_error)?, a.dtype())?;
            Ok((w, v))
        })()
    } else {
        match a.dtype() {
            Dtype::Float16 | Dtype::Bfloat16 => a
                .as_dtype(Dtype::Float32)
                .and_then(|w| mlx_rs::linalg::eigh(w, Some("L")))
                .and_then(|(w, v)| Ok((w.as_dtype(a.dtype())?, v.as_dtype(a.dtype())?))),
            _ => mlx_rs::linalg::eigh(a, Some("L")),
        }
    }
    .or_backend(&KIT, OP)?;
    Ok([wrap(OP, w)?, wrap(OP, v)?])
}

pub(crate) fn eigvalsh(x: &Tensor) -> Result<Tensor> {
    const OP: &str = "linalg.eigvalsh";
    let _g = lock();
    let a = input_array(OP, x)?;
    let out = if x.size() == 0 {
        m::zeros_dtype(&sizes(OP, x, 1, &[])?, a.dtype())
    } else {
        via_lapack_dtype(a, |w| mlx_rs::linalg::eigvalsh(w, Some("L")))
    }
    .or_backend(&KIT, OP)?;
    wrap(OP, out)
}

/// MLX's `svd` computes full `u` and `vt` (LAPACK's `gesdd`); the reduced ones are their
/// first `K` columns and rows. Empty matrices are answered here: `s` empty, `u` and `vh`
/// identities (full) or empty (reduced).
pub(crate) fn svd(x: &Tensor, full_matrices: bool) -> Result<[Tensor; 3]> {
    const OP: &str = "linalg.svd";
    let _g = lock();
    let a = input_array(OP, x)?;
    let (mm, nn) = (x.shape()[x.ndim() - 2], x.shape()[x.ndim() - 1]);
    let k = mm.min(nn);
    let (uc, vr) = if full_matrices { (mm, nn) } else { (k, k) };
    let dtype = a.dtype();
    let out = if x.size() == 0 {
        let batch = sizes(OP, x, 2, &[])?;
        let square = |d: usize, cols: usize| -> MlxResult {
            let d32 = KIT.sizes_as::<i32>(OP, &[d, cols]).map_err(mlx_error)?;
            if full_matrices && d > 0 && !batch.contains(&0) {
                identities(d32[0], &batch, dtype)
            } else {
                let mut s = batch.clone();
                s.extend(d32);
                m::zeros_dtype(&s, dtype)
            }
        };
        (|| -> std::result::Result<(Array, Array, Array), mlx_rs::error::Exception> {
            let mut s = batch.clone();
            s.push(0);
            Ok((square(mm, uc)?, m::zeros_dtype(&s, dtype)?, square(nn, vr)?))
        })()
    } else {
        (|| {
            let (u, s, vt) = match dtype {
                Dtype::Float16 | Dtype::Bfloat16 => {
                    let (u, s, vt) = mlx_rs::linalg::svd(a.as_dtype(Dtype::Float32)?)?;
                    (u.as_dtype(dtype)?, s.as_dtype(dtype)?, vt.as_dtype(dtype)?)
                }
                _ => mlx_rs::linalg::svd(a)?,
            };
            if full_matrices || mm == nn {
                return Ok((u, s, vt));
            }
            let k = k as i32;
            let u = if (k as usize) < mm {
                u.split_at_indices(&[k], -1)?.swap_remove(0)
            } else {
                u
            };
            let vt = if (k as usize) < nn {
                vt.split_at_indices(&[k], -2)?.swap_remove(0)
            } else {
                vt
            };
            Ok((u, s, vt))
        })()
    }
    .or_backend(&KIT, OP)?;
    let (u, s, vh) = out;
    Ok([wrap(OP, u)?, wrap(OP, s)?, wrap(OP, vh)?])
}

fn mlx_error(e: Error) -> mlx_rs::error::Exception {
    mlx_rs::error::Exception::custom(e.to_string())
}

/// The `s` of MLX's `svd`.
pub(crate) fn svdvals(x: &Tensor) -> Result<Tensor> {
    const OP: &str = "linalg.svdvals";
    let _g = lock();
    let a = input_array(OP, x)?;
    let k = x.shape()[x.ndim() - 2].min(x.shape()[x.ndim() - 1]);
    let out = if x.size() == 0 {
        m::zeros_dtype(&sizes(OP, x, 2, &[k])?, a.dtype())
    } else {
        via_lapack_dtype(a, |w| mlx_rs::linalg::svd(w).map(|(_, s, _)| s))
    }
    .or_backend(&KIT, OP)?;
    wrap(OP, out)
}

pub(crate) fn outer(x: &Tensor, y: &Tensor) -> Result<Tensor> {
    const OP: &str = "linalg.outer";
    let _g = lock();
    let out = m::outer(input_array(OP, x)?, input_array(OP, y)?).or_backend(&KIT, OP)?;
    wrap(OP, out)
}

/// MLX's `diagonal` over the last two axes; an offset beyond the matrix gives an empty
/// diagonal (the core computes the length; MLX takes an `i32` offset).
pub(crate) fn diagonal(x: &Tensor, offset: i64) -> Result<Tensor> {
    const OP: &str = "linalg.diagonal";
    let _g = lock();
    let a = input_array(OP, x)?;
    let (n, mm) = (x.shape()[x.ndim() - 2], x.shape()[x.ndim() - 1]);
    let len = diagonal_len(n, mm, offset);
    let out = if len == 0 || x.size() == 0 {
        m::zeros_dtype(&sizes(OP, x, 2, &[len])?, a.dtype())
    } else {
        // len > 0 bounds |offset| by the matrix size, which fits i32.
        a.diagonal(offset as i32, -2, -1)
    }
    .or_backend(&KIT, OP)?;
    wrap(OP, out)
}

/// The diagonal's sum in the input's dtype (the core converted it to the result's).
pub(crate) fn trace(x: &Tensor, offset: i64) -> Result<Tensor> {
    const OP: &str = "linalg.trace";
    let _g = lock();
    let a = input_array(OP, x)?;
    let (n, mm) = (x.shape()[x.ndim() - 2], x.shape()[x.ndim() - 1]);
    let len = diagonal_len(n, mm, offset);
    let out = if len == 0 || x.size() == 0 {
        // Summing an empty axis hangs MLX (see `sum`): the sum of nothing is 0.
        m::zeros_dtype(&sizes(OP, x, 2, &[])?, a.dtype())
    } else {
        a.diagonal(offset as i32, -2, -1)
            .and_then(|d| d.sum_axis(-1, false))
            .and_then(|s| s.as_dtype(a.dtype()))
    }
    .or_backend(&KIT, OP)?;
    wrap(OP, out)
}

/// MLX's `cross`, with the axis counted from the end (the same dimension of both inputs).
pub(crate) fn cross(x: &Tensor, y: &Tensor, axis: usize) -> Result<Tensor> {
    const OP: &str = "linalg.cross";
    let _g = lock();
    let nd = x.ndim().max(y.ndim()) as i64;
    let from_end = i32::try_from(axis as i64 - nd).map_err(|_| KIT.error(OP, "axis"))?;
    let out = mlx_rs::linalg::cross(input_array(OP, x)?, input_array(OP, y)?, Some(from_end))
        .or_backend(&KIT, OP)?;
    wrap(OP, out)
}

/// MLX's `norm` with a number `ord` over the axes. No axes (a 0-D input) is `|x|` (`x != 0`
/// for `ord` 0), since MLX reads an empty list as every axis; an empty reduction is 0 (MLX
/// hangs summing an empty axis, see `sum`).
pub(crate) fn vector_norm(x: &Tensor, axes: &[usize], ord: f64, keepdims: bool) -> Result<Tensor> {
    const OP: &str = "linalg.vector_norm";
    let _g = lock();
    let a = input_array(OP, x)?;
    let out = if axes.is_empty() {
        if ord == 0.0 {
            m::ne(a, Array::from_f32(0.0)).and_then(|b| b.as_dtype(a.dtype()))
        } else {
            m::abs(a)
        }
    } else if axes.iter().any(|&i| x.shape()[i] == 0) {
        let shape: Vec<usize> = (0..x.ndim())
            .filter_map(|i| match (axes.contains(&i), keepdims) {
                (false, _) => Some(x.shape()[i]),
                (true, true) => Some(1),
                (true, false) => None,
            })
            .collect();
        m::zeros_dtype(&KIT.sizes_as::<i32>(OP, &shape)?, a.dtype())
    } else if axes.len() == 1 {
        let options = mlx_rs::linalg::NormOptions {
            axes: mlx_rs::Axes::from(KIT.sizes_as::<i32>(OP, axes)?.as_slice()),
            keep_dims: keepdims,
        };
        mlx_rs::linalg::norm(a, ord, options)
    } else {
        // MLX reads two axes as a matrix norm: the reduced axes are moved last and merged
        // into one, whose vector norm is taken.
        let kept: Vec<usize> = (0..x.ndim()).filter(|i| !axes.contains(i)).collect();
        let perm: Vec<usize> = kept.iter().chain(axes).copied().collect();
        let mut merged: Vec<usize> = kept.iter().map(|&i| x.shape()[i]).collect();
        merged.push(axes.iter().map(|&i| x.shape()[i]).product());
        let out_shape: Vec<usize> = (0..x.ndim())
            .filter_map(|i| match (axes.contains(&i), keepdims) {
                (false, _) => Some(x.shape()[i]),
                (true, true) => Some(1),
                (true, false) => None,
            })
            .collect();
        let (perm, merged, out_shape) = (
            KIT.sizes_as::<i32>(OP, &perm)?,
            KIT.sizes_as::<i32>(OP, &merged)?,
            KIT.sizes_as::<i32>(OP, &out_shape)?,
        );
        let options = mlx_rs::linalg::NormOptions {
            axes: mlx_rs::Axes::from(-1),
            keep_dims: false,
        };
        m::transpose_axes(a, &perm)
            .and_then(|t| t.reshape(&merged))
            .and_then(|t| mlx_rs::linalg::norm(t, ord, options))
            .and_then(|t| t.reshape(&out_shape))
    }
    .or_backend(&KIT, OP)?;
    wrap(OP, out)
}
