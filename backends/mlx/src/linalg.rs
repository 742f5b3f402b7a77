//! Linear algebra: `matmul`, `linalg.inv`, `linalg.det`.

use crate::{eval, input_array, lock, mark_failed, wrap, MlxResult, KIT};
use mlx_rs::{ops as m, Array, Dtype};
use tensorswitch::kit::OrBackendError;
use tensorswitch::{Error, Result, Tensor};

/// MLX's matmul only takes floating-point dtypes. Integer products are computed here as
/// `sum(a[..., m, k, 1] * b[..., 1, k, n], axis=-2)` in the operands' dtype, which wraps on
/// overflow like every integer op (the sum, possibly accumulated wider, is converted back with
/// the same wrapping). It materialises the `m·k·n` products, so large integer matrices cost
/// memory that a float matmul would not.
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
        a.expand_dims(-1)
            .and_then(|a3| b.expand_dims(-3).and_then(|b3| m::multiply(&a3, &b3)))
            .and_then(|p| p.sum_axis(-2, false))
            .and_then(|s| s.as_dtype(a.dtype()))
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
