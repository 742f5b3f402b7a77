//! Linear algebra: `matmul`, `matrix_transpose`, `vecdot`, `tensordot`, and the `linalg`
//! extension (`linalg.inv`, `linalg.det`, `linalg.solve`, the decompositions and their named
//! results, the norms, …).

use super::dispatch::{call, cast, check_shape, promote, require};
use super::manip::reshape_usize;
use super::shape::{broadcast_shapes, norm_axes, norm_axis};
use crate::call::{AxisAttr, TensordotAxes};
use crate::catalogue::{
    BinaryFn, FlagFn, MatrixIntFn, MatrixNormFn, MatrixOrd, Op, PairFn, QrFn, RtolFn, Slots, SvdFn,
    TensordotFn, UnaryFn, VecdotFn, VectorNormFn,
};
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::state::{self, TableGuard};
use crate::table::FunctionTable;
use crate::tensor::{Shape, Tensor};
use std::borrow::Cow;

pub(crate) fn run_matmul(
    op: Op,
    pick: fn(&Slots) -> Option<BinaryFn>,
    a: &Tensor,
    b: &Tensor,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[a, b])?;
    let dtype = promote(op, a.dtype(), b.dtype())?;
    require(op, dtype, dtype.is_numeric(), "a numeric dtype (not bool)")?;
    if a.ndim() == 0 || b.ndim() == 0 {
        return Err(Error::ShapeMismatch {
            op: op.name(),
            lhs: a.shape().to_vec(),
            rhs: b.shape().to_vec(),
            reason: "matmul needs at least 1 dimension in each operand".into(),
        });
    }
    table.check_dtype(op, dtype)?;
    let _guard = TableGuard::new(table);
    let a_vec = a.ndim() == 1;
    let b_vec = b.ndim() == 1;
    let a2 = if a_vec {
        Cow::Owned(reshape_usize(a, &[1, a.shape()[0]])?)
    } else {
        Cow::Borrowed(a)
    };
    let b2 = if b_vec {
        Cow::Owned(reshape_usize(b, &[b.shape()[0], 1])?)
    } else {
        Cow::Borrowed(b)
    };
    let (sa, sb) = (a2.shape(), b2.shape());
    let k = sa[sa.len() - 1];
    if k != sb[sb.len() - 2] {
        return Err(Error::ShapeMismatch {
            op: op.name(),
            lhs: a.shape().to_vec(),
            rhs: b.shape().to_vec(),
            reason: format!(
                "the last dimension of the first ({k}) must equal the second-to-last of the second ({})",
                sb[sb.len() - 2]
            ),
        });
    }
    let batch = broadcast_shapes(op.name(), &sa[..sa.len() - 2], &sb[..sb.len() - 2])?;
    let mut full_shape = batch.clone();
    full_shape.push(sa[sa.len() - 2]);
    full_shape.push(sb[sb.len() - 1]);
    check_shape(table, op, &full_shape, dtype)?;
    let a2 = cast(table, &a2, dtype)?;
    let b2 = cast(table, &b2, dtype)?;
    let out = call(table, op, pick(&table.slots), |f| f(&a2, &b2))?;
    if !a_vec && !b_vec {
        return Ok(out);
    }
    let mut shape: Shape = batch;
    if !a_vec {
        shape.push(sa[sa.len() - 2]);
    }
    if !b_vec {
        shape.push(sb[sb.len() - 1]);
    }
    reshape_usize(&out, &shape)
}

pub(crate) fn run_matrix_transpose(
    op: Op,
    pick: fn(&Slots) -> Option<UnaryFn>,
    x: &Tensor,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x])?;
    if x.ndim() < 2 {
        return Err(Error::InvalidShape {
            op: op.name(),
            reason: format!("needs at least 2 dimensions, got shape {:?}", x.shape()),
        });
    }
    table.check_dtype(op, x.dtype())?;
    call(table, op, pick(&table.slots), |f| f(x))
}

pub(crate) fn run_vecdot(
    op: Op,
    pick: fn(&Slots) -> Option<VecdotFn>,
    a: &Tensor,
    b: &Tensor,
    attrs: &AxisAttr,
) -> Result<Tensor> {
    let axis = attrs.axis.required(op.name())?;
    let table = state::resolve(op.name(), &[a, b])?;
    let dtype = promote(op, a.dtype(), b.dtype())?;
    require(op, dtype, dtype.is_numeric(), "a numeric dtype (not bool)")?;
    let shape = broadcast_shapes(op.name(), a.shape(), b.shape())?;
    check_shape(table, op, &shape, dtype)?;
    let ax = norm_axis(op.name(), axis, shape.len())?;
    let size_in = |s: &[usize]| -> Option<usize> {
        let offset = shape.len() - s.len();
        ax.checked_sub(offset).map(|i| s[i])
    };
    if size_in(a.shape()) != size_in(b.shape()) {
        return Err(Error::ShapeMismatch {
            op: op.name(),
            lhs: a.shape().to_vec(),
            rhs: b.shape().to_vec(),
            reason: format!("axis {axis} must have the same size in both (it does not broadcast)"),
        });
    }
    table.check_dtype(op, dtype)?;
    let a = cast(table, a, dtype)?;
    let b = cast(table, b, dtype)?;
    call(table, op, pick(&table.slots), |f| f(&a, &b, ax))
}

pub(crate) fn run_tensordot(
    op: Op,
    pick: fn(&Slots) -> Option<TensordotFn>,
    a: &Tensor,
    b: &Tensor,
    axes: &TensordotAxes,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[a, b])?;
    let dtype = promote(op, a.dtype(), b.dtype())?;
    require(op, dtype, dtype.is_numeric(), "a numeric dtype (not bool)")?;
    let (xa, xb): (Vec<usize>, Vec<usize>) = match axes {
        TensordotAxes::Count(n) => {
            let n = *n;
            if n > a.ndim() || n > b.ndim() {
                return Err(Error::InvalidArgument {
                    op: op.name(),
                    reason: format!(
                        "cannot contract {n} axes of tensors with {} and {} dimensions",
                        a.ndim(),
                        b.ndim()
                    ),
                });
            }
            ((a.ndim() - n..a.ndim()).collect(), (0..n).collect())
        }
        TensordotAxes::Pairs(pa, pb) => {
            if pa.len() != pb.len() {
                return Err(Error::InvalidArgument {
                    op: op.name(),
                    reason: format!(
                        "the axis lists must have the same length; got {} and {}",
                        pa.len(),
                        pb.len()
                    ),
                });
            }
            let xa = pa
                .iter()
                .map(|&i| norm_axis(op.name(), i, a.ndim()))
                .collect::<Result<Vec<_>>>()?;
            let xb = pb
                .iter()
                .map(|&i| norm_axis(op.name(), i, b.ndim()))
                .collect::<Result<Vec<_>>>()?;
            for (list, n) in [(&xa, a.ndim()), (&xb, b.ndim())] {
                let mut seen = vec![false; n];
                for &i in list.iter() {
                    if std::mem::replace(&mut seen[i], true) {
                        return Err(Error::InvalidArgument {
                            op: op.name(),
                            reason: format!("axis {i} is listed twice"),
                        });
                    }
                }
            }
            (xa, xb)
        }
    };
    for (&i, &j) in xa.iter().zip(&xb) {
        if a.shape()[i] != b.shape()[j] {
            return Err(Error::ShapeMismatch {
                op: op.name(),
                lhs: a.shape().to_vec(),
                rhs: b.shape().to_vec(),
                reason: format!(
                    "axis {i} of the first (size {}) and axis {j} of the second (size {}) differ",
                    a.shape()[i],
                    b.shape()[j]
                ),
            });
        }
    }
    let free = |t: &Tensor, axes: &[usize]| -> Vec<usize> {
        (0..t.ndim())
            .filter(|i| !axes.contains(i))
            .map(|i| t.shape()[i])
            .collect()
    };
    let mut out_shape = free(a, &xa);
    out_shape.extend(free(b, &xb));
    check_shape(table, op, &out_shape, dtype)?;
    table.check_dtype(op, dtype)?;
    let a = cast(table, a, dtype)?;
    let b = cast(table, b, dtype)?;
    call(table, op, pick(&table.slots), |f| f(&a, &b, &xa, &xb))
}

fn square_matrices(op: Op, x: &Tensor) -> Result<()> {
    let s = x.shape();
    if s.len() < 2 || s[s.len() - 1] != s[s.len() - 2] {
        return Err(Error::InvalidShape {
            op: op.name(),
            reason: format!("needs a stack of square matrices (…, n, n), got shape {s:?}"),
        });
    }
    Ok(())
}

pub(crate) fn run_square_matrix(
    op: Op,
    pick: fn(&Slots) -> Option<UnaryFn>,
    x: &Tensor,
) -> Result<Tensor> {
    square_matrices(op, x)?;
    let table = state::resolve(op.name(), &[x])?;
    let dtype = x.dtype().to_float();
    table.check_dtype(op, dtype)?;
    let x = cast(table, x, dtype)?;
    call(table, op, pick(&table.slots), |f| f(&x))
}

// ---------------------------------------------------------------------------------------------
// the rest of the `linalg` extension

/// [`linalg::qr`](crate::linalg::qr)'s result: `x = q · r`, `q` with orthonormal columns, `r`
/// upper triangular.
#[derive(Clone, Debug)]
pub struct Qr {
    /// `(…, M, K)` (reduced) or `(…, M, M)` (complete).
    pub q: Tensor,
    /// `(…, K, N)` (reduced) or `(…, M, N)` (complete).
    pub r: Tensor,
}

/// [`linalg::svd`](crate::linalg::svd)'s result: `x = u · diag(s) · vh`.
#[derive(Clone, Debug)]
pub struct Svd {
    /// Left singular vectors as columns: `(…, M, M)` with `full_matrices`, else `(…, M, K)`.
    pub u: Tensor,
    /// Singular values, descending: `(…, K)`, `K = min(M, N)`.
    pub s: Tensor,
    /// Right singular vectors as rows: `(…, N, N)` with `full_matrices`, else `(…, K, N)`.
    pub vh: Tensor,
}

/// [`linalg::eigh`](crate::linalg::eigh)'s result: `x · v = v · diag(w)`.
#[derive(Clone, Debug)]
pub struct Eigh {
    /// The eigenvalues, ascending: `(…, M)`.
    pub eigenvalues: Tensor,
    /// The eigenvectors as columns: `(…, M, M)`.
    pub eigenvectors: Tensor,
}

/// [`linalg::slogdet`](crate::linalg::slogdet)'s result: `det = sign · exp(logabsdet)`.
#[derive(Clone, Debug)]
pub struct SlogDet {
    /// -1, 0 or 1: `(…)`.
    pub sign: Tensor,
    /// `ln |det|` (-infinity for a singular matrix): `(…)`.
    pub logabsdet: Tensor,
}

fn at_least_matrices(op: Op, x: &Tensor) -> Result<()> {
    if x.ndim() < 2 {
        return Err(Error::InvalidShape {
            op: op.name(),
            reason: format!(
                "needs a stack of matrices (…, M, N) with at least 2 dimensions, got shape {:?}",
                x.shape()
            ),
        });
    }
    Ok(())
}

/// Resolves the table and converts `x` to its float dtype (integers and bool to the default
/// float dtype), as `linalg.inv` does.
fn float_input<'a>(op: Op, x: &'a Tensor) -> Result<(&'static FunctionTable, Cow<'a, Tensor>)> {
    let table = state::resolve(op.name(), &[x])?;
    let dtype = x.dtype().to_float();
    table.check_dtype(op, dtype)?;
    Ok((table, cast(table, x, dtype)?))
}

pub(crate) fn run_solve(
    op: Op,
    pick: fn(&Slots) -> Option<BinaryFn>,
    x1: &Tensor,
    x2: &Tensor,
) -> Result<Tensor> {
    square_matrices(op, x1)?;
    let table = state::resolve(op.name(), &[x1, x2])?;
    let dtype = promote(op, x1.dtype(), x2.dtype())?.to_float();
    let (s1, s2) = (x1.shape(), x2.shape());
    let m = s1[s1.len() - 1];
    let vector = x2.ndim() == 1;
    let mismatch = |reason: String| Error::ShapeMismatch {
        op: op.name(),
        lhs: s1.to_vec(),
        rhs: s2.to_vec(),
        reason,
    };
    if x2.ndim() == 0 {
        return Err(mismatch(
            "x2 must be a vector (M,) or a stack of matrices (…, M, K)".into(),
        ));
    }
    let rows = if vector { s2[0] } else { s2[s2.len() - 2] };
    if rows != m {
        return Err(mismatch(format!(
            "x2 must have {m} rows (the size of x1's matrices), got {rows}"
        )));
    }
    let batch1 = &s1[..s1.len() - 2];
    let batch = if vector {
        Shape::from_slice(batch1)
    } else {
        broadcast_shapes(op.name(), batch1, &s2[..s2.len() - 2])?
    };
    let k = if vector { 1 } else { s2[s2.len() - 1] };
    let with = |a: usize, b: usize| -> Shape { batch.iter().copied().chain([a, b]).collect() };
    check_shape(table, op, &with(m, k), dtype)?;
    table.check_dtype(op, dtype)?;
    let _guard = TableGuard::new(table);
    let a = cast(table, x1, dtype)?;
    let b = cast(table, x2, dtype)?;
    let b = if vector {
        Cow::Owned(reshape_usize(&b, &[m, 1])?)
    } else {
        b
    };
    let a = if a.shape() == with(m, m).as_slice() {
        a
    } else {
        Cow::Owned(crate::ops::broadcast_to(&a, &with(m, m))?)
    };
    let b = if b.shape() == with(m, k).as_slice() {
        b
    } else {
        Cow::Owned(crate::ops::broadcast_to(&b, &with(m, k))?)
    };
    let out = call(table, op, pick(&table.slots), |f| f(&a, &b))?;
    if vector {
        let shape: Shape = batch.iter().copied().chain([m]).collect();
        reshape_usize(&out, &shape)
    } else {
        Ok(out)
    }
}

pub(crate) fn run_cholesky(
    op: Op,
    pick: fn(&Slots) -> Option<FlagFn>,
    x: &Tensor,
    a: &crate::call::Cholesky,
) -> Result<Tensor> {
    square_matrices(op, x)?;
    let (table, x) = float_input(op, x)?;
    call(table, op, pick(&table.slots), |f| f(&x, a.upper))
}

pub(crate) fn run_qr(
    op: Op,
    pick: fn(&Slots) -> Option<QrFn>,
    x: &Tensor,
    a: &crate::call::QrAttrs,
) -> Result<Qr> {
    at_least_matrices(op, x)?;
    let (table, x) = float_input(op, x)?;
    let complete = a.mode == crate::call::QrMode::Complete;
    let [q, r] = call(table, op, pick(&table.slots), |f| f(&x, complete))?;
    Ok(Qr { q, r })
}

pub(crate) fn run_svd(
    op: Op,
    pick: fn(&Slots) -> Option<SvdFn>,
    x: &Tensor,
    a: &crate::call::SvdAttrs,
) -> Result<Svd> {
    at_least_matrices(op, x)?;
    let (table, x) = float_input(op, x)?;
    let [u, s, vh] = call(table, op, pick(&table.slots), |f| f(&x, a.full_matrices))?;
    Ok(Svd { u, s, vh })
}

pub(crate) fn run_matrices(
    op: Op,
    pick: fn(&Slots) -> Option<UnaryFn>,
    x: &Tensor,
) -> Result<Tensor> {
    at_least_matrices(op, x)?;
    let (table, x) = float_input(op, x)?;
    call(table, op, pick(&table.slots), |f| f(&x))
}

pub(crate) fn run_pair(
    op: Op,
    pick: fn(&Slots) -> Option<PairFn>,
    x: &Tensor,
) -> Result<[Tensor; 2]> {
    square_matrices(op, x)?;
    let (table, x) = float_input(op, x)?;
    call(table, op, pick(&table.slots), |f| f(&x))
}

/// The machine epsilon of a float dtype.
pub(crate) fn epsilon(dtype: DType) -> f64 {
    match dtype {
        DType::Float16 => 2f64.powi(-10),
        DType::BFloat16 => 2f64.powi(-7),
        DType::Float32 => f32::EPSILON as f64,
        _ => f64::EPSILON,
    }
}

pub(crate) fn run_rtol(
    op: Op,
    pick: fn(&Slots) -> Option<RtolFn>,
    x: &Tensor,
    a: &crate::call::Rtol,
) -> Result<Tensor> {
    at_least_matrices(op, x)?;
    if let Some(r) = a.rtol {
        if r.is_nan() || r < 0.0 {
            return Err(Error::InvalidArgument {
                op: op.name(),
                reason: format!("rtol must be a number >= 0, got {r}"),
            });
        }
    }
    let (table, x) = float_input(op, x)?;
    if op == Op::linalg_matrix_rank {
        table.check_dtype(op, DType::Int64)?;
    }
    let s = x.shape();
    let rtol = a
        .rtol
        .unwrap_or_else(|| s[s.len() - 2].max(s[s.len() - 1]) as f64 * epsilon(x.dtype()));
    call(table, op, pick(&table.slots), |f| f(&x, rtol))
}

pub(crate) fn run_matrix_power(
    op: Op,
    pick: fn(&Slots) -> Option<MatrixIntFn>,
    x: &Tensor,
    a: &crate::call::MatrixPower,
) -> Result<Tensor> {
    square_matrices(op, x)?;
    if a.n == i64::MIN {
        return Err(Error::InvalidArgument {
            op: op.name(),
            reason: "the exponent i64::MIN has no positive counterpart; use a larger one".into(),
        });
    }
    let (table, x) = float_input(op, x)?;
    call(table, op, pick(&table.slots), |f| f(&x, a.n))
}

pub(crate) fn run_matrix_norm(
    op: Op,
    pick: fn(&Slots) -> Option<MatrixNormFn>,
    x: &Tensor,
    a: &crate::call::MatrixNorm,
) -> Result<Tensor> {
    at_least_matrices(op, x)?;
    let empty = x.shape()[x.ndim() - 2..].contains(&0);
    if empty && !matches!(a.ord, MatrixOrd::Fro | MatrixOrd::Nuc) {
        // These orders take a maximum or minimum over rows, columns or singular values, which
        // an empty matrix lacks (libtorch raises; NumPy raises for most shapes); refused alike
        // on every backend.
        return Err(Error::InvalidArgument {
            op: op.name(),
            reason: format!(
                "the {:?} norm of an empty matrix (shape {:?}) is undefined; \
                 only \"fro\" and \"nuc\" are defined for it (0)",
                a.ord,
                x.shape()
            ),
        });
    }
    let (table, x) = float_input(op, x)?;
    call(table, op, pick(&table.slots), |f| f(&x, a.ord, a.keepdims))
}

pub(crate) fn run_vector_norm(
    op: Op,
    pick: fn(&Slots) -> Option<VectorNormFn>,
    x: &Tensor,
    a: &crate::call::VectorNorm,
) -> Result<Tensor> {
    if a.ord.is_nan() {
        return Err(Error::InvalidArgument {
            op: op.name(),
            reason: "ord must be a number or ±inf, got NaN".into(),
        });
    }
    let axes = norm_axes(op.name(), a.axis.as_list(), x.ndim())?;
    // ±inf take a maximum or minimum, and negative orders a sum of 1/|x|^p that is 0 with no
    // elements, so neither has a value for an empty reduction (libtorch raises for both).
    let no_identity = a.ord.is_infinite() || a.ord < 0.0;
    if no_identity && axes.iter().any(|&i| x.shape()[i] == 0) {
        return Err(Error::InvalidArgument {
            op: op.name(),
            reason: format!(
                "the {} norm of no elements is undefined (shape {:?}, axes {:?})",
                a.ord,
                x.shape(),
                axes.as_slice()
            ),
        });
    }
    let (table, x) = float_input(op, x)?;
    call(table, op, pick(&table.slots), |f| {
        f(&x, &axes, a.ord, a.keepdims)
    })
}

pub(crate) fn run_outer(
    op: Op,
    pick: fn(&Slots) -> Option<BinaryFn>,
    a: &Tensor,
    b: &Tensor,
) -> Result<Tensor> {
    if a.ndim() != 1 || b.ndim() != 1 {
        return Err(Error::ShapeMismatch {
            op: op.name(),
            lhs: a.shape().to_vec(),
            rhs: b.shape().to_vec(),
            reason: "needs two vectors (1-D)".into(),
        });
    }
    let table = state::resolve(op.name(), &[a, b])?;
    let dtype = promote(op, a.dtype(), b.dtype())?;
    require(op, dtype, dtype.is_numeric(), "a numeric dtype (not bool)")?;
    check_shape(table, op, &[a.shape()[0], b.shape()[0]], dtype)?;
    table.check_dtype(op, dtype)?;
    let a = cast(table, a, dtype)?;
    let b = cast(table, b, dtype)?;
    call(table, op, pick(&table.slots), |f| f(&a, &b))
}

/// The length of the diagonal at `offset` of an `n`×`m` matrix.
pub(crate) fn diagonal_len(n: usize, m: usize, offset: i64) -> usize {
    if offset >= 0 {
        let k = usize::try_from(offset).unwrap_or(usize::MAX);
        n.min(m.saturating_sub(k))
    } else {
        let k = usize::try_from(offset.unsigned_abs()).unwrap_or(usize::MAX);
        m.min(n.saturating_sub(k))
    }
}

/// `linalg.diagonal` (any dtype) and `linalg.trace` (numeric; the input is converted to the
/// accumulator dtype of `sum` first, so the slot sums in the result's dtype).
pub(crate) fn run_matrix_diagonal(
    op: Op,
    pick: fn(&Slots) -> Option<MatrixIntFn>,
    x: &Tensor,
    a: &crate::call::Offset,
) -> Result<Tensor> {
    at_least_matrices(op, x)?;
    let table = state::resolve(op.name(), &[x])?;
    let dtype = if op == Op::linalg_trace {
        require(
            op,
            x.dtype(),
            x.dtype().is_numeric(),
            "a numeric dtype (not bool)",
        )?;
        x.dtype().accumulator()
    } else {
        x.dtype()
    };
    table.check_dtype(op, dtype)?;
    let x = cast(table, x, dtype)?;
    call(table, op, pick(&table.slots), |f| f(&x, a.offset))
}

pub(crate) fn run_cross(
    op: Op,
    pick: fn(&Slots) -> Option<VecdotFn>,
    a: &Tensor,
    b: &Tensor,
    attrs: &crate::call::CrossAxis,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[a, b])?;
    let dtype = promote(op, a.dtype(), b.dtype())?;
    require(op, dtype, dtype.is_numeric(), "a numeric dtype (not bool)")?;
    let shape = broadcast_shapes(op.name(), a.shape(), b.shape())?;
    let axis = isize::try_from(attrs.axis).unwrap_or(isize::MIN);
    let min_ndim = a.ndim().min(b.ndim());
    if axis >= 0 && a.ndim() != b.ndim() {
        return Err(Error::InvalidArgument {
            op: op.name(),
            reason: format!(
                "a non-negative axis ({axis}) is ambiguous for inputs with {} and {} dimensions; \
                 count it from the end (negative)",
                a.ndim(),
                b.ndim()
            ),
        });
    }
    let ax = norm_axis(op.name(), axis, min_ndim)?;
    let from_end = min_ndim - ax; // 1 for the last axis
    let (sa, sb) = (
        a.shape()[a.ndim() - from_end],
        b.shape()[b.ndim() - from_end],
    );
    if sa != 3 || sb != 3 {
        return Err(Error::ShapeMismatch {
            op: op.name(),
            lhs: a.shape().to_vec(),
            rhs: b.shape().to_vec(),
            reason: format!("axis {axis} must have size 3 in both, got {sa} and {sb}"),
        });
    }
    check_shape(table, op, &shape, dtype)?;
    table.check_dtype(op, dtype)?;
    let a = cast(table, a, dtype)?;
    let b = cast(table, b, dtype)?;
    let ax = shape.len() - from_end;
    call(table, op, pick(&table.slots), |f| f(&a, &b, ax))
}
