//! The compositional fallbacks of the `linalg` extension (beyond `inv` and `det`).
//!
//! Most are written with dispatching ops, as every fallback is: `outer` (a product of
//! reshaped vectors), `diagonal` and `trace` (masks and sums), `cross` (a contraction with the
//! Levi-Civita symbol), `matrix_power` (squaring), the norms, `solve` (`inv` then `matmul`),
//! `svdvals`, `eigvalsh`, `pinv` and `matrix_rank` (from `svd` and `eigh`). The decompositions
//! themselves (`cholesky`, `qr`, `svd`, `eigh`, `slogdet`) cannot be composed from elementwise
//! ops; their fallbacks copy the stack to the host (`to_host`, as the `to_device` fallback
//! does), factor each matrix in float64 with the kernels of `linalg_kernels`, and create the
//! results with `from_host` on the input's device, in the input's dtype. Backends with a
//! LAPACK register primaries for them.

use super::fallbacks::Fallbacks;
use super::linalg_kernels as k;
use super::linear_algebra::diagonal_len;
use super::manip::reshape_usize;
use super::*;
use crate::alloc::try_vec;
use crate::call::{MatrixOrd, Reduction};
use crate::dtype::{DType, HostData};
use crate::error::{Error, Result};
use crate::state;
use crate::tensor::{Shape, Tensor};

/// `x`'s elements as float64, row-major (read as float32 unless `x` is float64: float16 and
/// bfloat16 convert to float32 exactly).
fn host_f64(x: &Tensor) -> Result<Vec<f64>> {
    let work = if x.dtype() == DType::Float64 {
        DType::Float64
    } else {
        DType::Float32
    };
    match astype(x, work)?.to_host()? {
        HostData::Float64(v) => Ok(v),
        HostData::Float32(v) => Ok(v.into_iter().map(f64::from).collect()),
        other => Err(Error::Backend {
            backend: "host".into(),
            op: "to_host",
            message: format!("asked for float data, got {}", other.dtype()),
        }),
    }
}

/// A tensor of `shape` from float64 values, on `like`'s device, in `like`'s dtype.
fn from_f64(like: &Tensor, data: Vec<f64>, shape: &[usize]) -> Result<Tensor> {
    let host = if like.dtype() == DType::Float64 {
        HostData::Float64(data)
    } else {
        HostData::Float32(data.into_iter().map(|v| v as f32).collect())
    };
    let t = state::with_device(like.device(), || from_host(host, shape))?;
    astype(&t, like.dtype())
}

/// The batch dimensions and the matrix size of a stack.
fn split(x: &Tensor) -> (Shape, usize, usize) {
    let s = x.shape();
    let (m, n) = (s[s.len() - 2], s[s.len() - 1]);
    (Shape::from_slice(&s[..s.len() - 2]), m, n)
}

fn with(batch: &[usize], dims: &[usize]) -> Shape {
    batch.iter().chain(dims).copied().collect()
}

/// A float64 buffer for a result of `shape`, allocated fallibly (a complete `q` of a tall
/// matrix can be far larger than its input).
fn buffer(op: Op, shape: &[usize]) -> Result<Vec<f64>> {
    let n = crate::alloc::check_result(op.name(), shape, DType::Float64)?;
    try_vec(op.name(), n, 0.0)
}

/// A 0-dimensional tensor of `x`'s dtype holding `value`.
fn scalar_like(x: &Tensor, value: f64) -> Result<Tensor> {
    super::full(&[], value, x.dtype())
}

/// Keeps along the last axis of `x` the one element where `mask` holds (zeros where none
/// does), removing that axis; `mask` broadcasts against `x`.
fn pick_last(x: &Tensor, mask: &Tensor) -> Result<Tensor> {
    if x.dtype() == DType::Bool {
        return any(&logical_and(x, mask)?, -1);
    }
    let kept = where_(mask, x, &scalar_like(x, 0.0)?)?;
    if x.dtype().is_float() {
        return sum(&kept, -1);
    }
    // Integers sum in a wider dtype (uint64 for unsigned ones, which some backends lack);
    // one non-zero term converts back exactly through int64.
    astype(&sum(&astype(&kept, DType::Int64)?, -1)?, x.dtype())
}

/// `linalg.inv(x)`, its `InvalidArgument` (a singular matrix) reported as `op`'s.
fn inverse_for(op: Op, x: &Tensor) -> Result<Tensor> {
    linalg_inv(x).map_err(|e| match e {
        Error::InvalidArgument { reason, .. } => Error::InvalidArgument {
            op: op.name(),
            reason,
        },
        e => e,
    })
}

impl Fallbacks {
    /// `matmul(inv(x1), x2)`; a singular matrix is `solve`'s `InvalidArgument`.
    pub(crate) fn linalg_solve(a: &Tensor, b: &Tensor) -> Result<Tensor> {
        matmul(&inverse_for(Op::linalg_solve, a)?, b)
    }

    /// Cholesky on the host, matrix by matrix. The lower triangle is read, or with `upper`
    /// the upper one (as NumPy and libtorch do): the factor of the transpose, transposed.
    pub(crate) fn linalg_cholesky(x: &Tensor, upper: bool) -> Result<Tensor> {
        let op = Op::linalg_cholesky;
        let (_, n, _) = split(x);
        let source = if upper {
            matrix_transpose(x)?
        } else {
            x.clone()
        };
        let data = host_f64(&source)?;
        let mut out = buffer(op, x.shape())?;
        if n > 0 {
            let mut l = vec![0.0; n * n];
            for (a, o) in data.chunks_exact(n * n).zip(out.chunks_exact_mut(n * n)) {
                if !k::cholesky(a, n, &mut l) {
                    return Err(Error::InvalidArgument {
                        op: op.name(),
                        reason: "a matrix is not positive definite; cholesky needs symmetric \
                                 positive-definite matrices"
                            .into(),
                    });
                }
                for i in 0..n {
                    for j in 0..n {
                        o[i * n + j] = if upper { l[j * n + i] } else { l[i * n + j] };
                    }
                }
            }
        }
        from_f64(x, out, x.shape())
    }

    /// Householder QR on the host, matrix by matrix.
    pub(crate) fn linalg_qr(x: &Tensor, complete: bool) -> Result<[Tensor; 2]> {
        let op = Op::linalg_qr;
        let (batch, m, n) = split(x);
        let kk = m.min(n);
        let (qc, rr) = if complete { (m, m) } else { (kk, kk) };
        let (q_shape, r_shape) = (with(&batch, &[m, qc]), with(&batch, &[rr, n]));
        let (mut qs, mut rs) = (buffer(op, &q_shape)?, buffer(op, &r_shape)?);
        let data = host_f64(x)?;
        if m > 0 && n > 0 {
            let (mut q, mut r) = (try_vec(op.name(), m * m, 0.0)?, vec![0.0; m * n]);
            for (i, a) in data.chunks_exact(m * n).enumerate() {
                k::qr(a, m, n, &mut q, &mut r);
                let qo = &mut qs[i * m * qc..(i + 1) * m * qc];
                for row in 0..m {
                    qo[row * qc..(row + 1) * qc].copy_from_slice(&q[row * m..row * m + qc]);
                }
                rs[i * rr * n..(i + 1) * rr * n].copy_from_slice(&r[..rr * n]);
            }
        } else if complete && m > 0 {
            // No columns: q is the identity, r is empty.
            for (i, v) in qs.iter_mut().enumerate() {
                *v = if (i % (m * m)) % (m + 1) == 0 {
                    1.0
                } else {
                    0.0
                };
            }
        }
        Ok([from_f64(x, qs, &q_shape)?, from_f64(x, rs, &r_shape)?])
    }

    /// One-sided Jacobi SVD on the host, matrix by matrix.
    pub(crate) fn linalg_svd(x: &Tensor, full: bool) -> Result<[Tensor; 3]> {
        let op = Op::linalg_svd;
        let (batch, m, n) = split(x);
        let kk = m.min(n);
        let (uc, vr) = if full { (m, n) } else { (kk, kk) };
        let shapes = [
            with(&batch, &[m, uc]),
            with(&batch, &[kk]),
            with(&batch, &[vr, n]),
        ];
        let mut us = buffer(op, &shapes[0])?;
        let mut ss = buffer(op, &shapes[1])?;
        let mut vs = buffer(op, &shapes[2])?;
        let data = host_f64(x)?;
        let count: usize = batch.iter().product();
        if m > 0 && n > 0 {
            for i in 0..count {
                let a = &data[i * m * n..(i + 1) * m * n];
                k::svd(
                    a,
                    m,
                    n,
                    full,
                    &mut us[i * m * uc..(i + 1) * m * uc],
                    &mut ss[i * kk..(i + 1) * kk],
                    &mut vs[i * vr * n..(i + 1) * vr * n],
                );
            }
        } else if full {
            // An empty matrix: u and vh are identities.
            for (buf, d) in [(&mut us, m), (&mut vs, n)] {
                if d > 0 {
                    for (i, v) in buf.iter_mut().enumerate() {
                        *v = if (i % (d * d)) % (d + 1) == 0 {
                            1.0
                        } else {
                            0.0
                        };
                    }
                }
            }
        }
        let [su, ssh, sv] = shapes;
        Ok([
            from_f64(x, us, &su)?,
            from_f64(x, ss, &ssh)?,
            from_f64(x, vs, &sv)?,
        ])
    }

    /// The `s` of [`linalg.svd`](crate::linalg::svd) without the vectors.
    pub(crate) fn linalg_svdvals(x: &Tensor) -> Result<Tensor> {
        Ok(linalg_svd(x, false)?.s)
    }

    /// Jacobi eigenvalue iteration on the host, matrix by matrix.
    pub(crate) fn linalg_eigh(x: &Tensor) -> Result<[Tensor; 2]> {
        let op = Op::linalg_eigh;
        let (batch, n, _) = split(x);
        let w_shape = with(&batch, &[n]);
        let (mut ws, mut vs) = (buffer(op, &w_shape)?, buffer(op, x.shape())?);
        let data = host_f64(x)?;
        if n > 0 {
            for (i, a) in data.chunks_exact(n * n).enumerate() {
                k::eigh(
                    a,
                    n,
                    &mut ws[i * n..(i + 1) * n],
                    &mut vs[i * n * n..(i + 1) * n * n],
                );
            }
        }
        Ok([from_f64(x, ws, &w_shape)?, from_f64(x, vs, x.shape())?])
    }

    /// The `eigenvalues` of [`linalg.eigh`](crate::linalg::eigh).
    pub(crate) fn linalg_eigvalsh(x: &Tensor) -> Result<Tensor> {
        Ok(linalg_eigh(x)?.eigenvalues)
    }

    /// LU on the host, matrix by matrix (a 0×0 matrix: sign 1, logabsdet 0).
    pub(crate) fn linalg_slogdet(x: &Tensor) -> Result<[Tensor; 2]> {
        let op = Op::linalg_slogdet;
        let (batch, n, _) = split(x);
        let (mut signs, mut logs) = (buffer(op, &batch)?, buffer(op, &batch)?);
        if n == 0 {
            signs.iter_mut().for_each(|s| *s = 1.0);
        } else {
            let data = host_f64(x)?;
            for (i, a) in data.chunks_exact(n * n).enumerate() {
                (signs[i], logs[i]) = k::slogdet(a, n);
            }
        }
        Ok([from_f64(x, signs, &batch)?, from_f64(x, logs, &batch)?])
    }

    /// `vh^T · diag(1/s) · u^T` over the singular values above `rtol · max(s)`.
    pub(crate) fn linalg_pinv(x: &Tensor, rtol: f64) -> Result<Tensor> {
        let (batch, m, n) = split(x);
        if m.min(n) == 0 {
            return state::with_device(x.device(), || zeros(&with(&batch, &[n, m]), x.dtype()));
        }
        let svd = linalg_svd(x, false)?;
        let cutoff = multiply(
            &max(&svd.s, Reduction::over(-1).keepdims(true))?,
            &scalar_like(x, rtol)?,
        )?;
        let inv_s = divide(&scalar_like(x, 1.0)?, &svd.s)?;
        let inv_s = where_(&greater(&svd.s, &cutoff)?, &inv_s, &scalar_like(x, 0.0)?)?;
        let v_scaled = multiply(&matrix_transpose(&svd.vh)?, &expand_dims(&inv_s, -2)?)?;
        matmul(&v_scaled, &matrix_transpose(&svd.u)?)
    }

    /// The count of singular values above `rtol · max(s)`, as int64.
    pub(crate) fn linalg_matrix_rank(x: &Tensor, rtol: f64) -> Result<Tensor> {
        let (batch, m, n) = split(x);
        if m.min(n) == 0 {
            return state::with_device(x.device(), || zeros(&batch, DType::Int64));
        }
        let s = linalg_svdvals(x)?;
        let cutoff = multiply(
            &max(&s, Reduction::over(-1).keepdims(true))?,
            &scalar_like(x, rtol)?,
        )?;
        count_nonzero(&greater(&s, &cutoff)?, -1)
    }

    /// Squaring: `x^n` with `O(log n)` matmuls; `inv(x)^|n|` for negative `n`; the identity
    /// for `n = 0`.
    pub(crate) fn linalg_matrix_power(x: &Tensor, n: i64) -> Result<Tensor> {
        let (_, m, _) = split(x);
        if n == 0 {
            let eye = state::with_device(x.device(), || super::eye(m, None, 0, x.dtype()))?;
            return broadcast_to(&eye, x.shape());
        }
        let mut base = if n < 0 {
            inverse_for(Op::linalg_matrix_power, x)?
        } else {
            x.clone()
        };
        let mut p = n.unsigned_abs();
        let mut result: Option<Tensor> = None;
        loop {
            if p & 1 == 1 {
                result = Some(match result {
                    None => base.clone(),
                    Some(r) => matmul(&r, &base)?,
                });
            }
            p >>= 1;
            if p == 0 {
                break;
            }
            base = matmul(&base, &base)?;
        }
        // `p` started non-zero, so some bit was set.
        result.ok_or_else(|| Error::InvalidArgument {
            op: Op::linalg_matrix_power.name(),
            reason: "the exponent has no set bit".into(),
        })
    }

    /// From sums of magnitudes (1, inf and their negatives), squares (Frobenius) or the
    /// singular values (2, -2, nuclear).
    pub(crate) fn linalg_matrix_norm(x: &Tensor, ord: MatrixOrd, keepdims: bool) -> Result<Tensor> {
        let (batch, _, _) = split(x);
        let out = match ord {
            MatrixOrd::Fro => sqrt(&sum(&multiply(x, x)?, [-2, -1])?)?,
            MatrixOrd::Nuc => sum(&linalg_svdvals(x)?, -1)?,
            MatrixOrd::Two => max(&linalg_svdvals(x)?, -1)?,
            MatrixOrd::NegTwo => min(&linalg_svdvals(x)?, -1)?,
            MatrixOrd::One => max(&sum(&abs(x)?, -2)?, -1)?,
            MatrixOrd::NegOne => min(&sum(&abs(x)?, -2)?, -1)?,
            MatrixOrd::Inf => max(&sum(&abs(x)?, -1)?, -1)?,
            MatrixOrd::NegInf => min(&sum(&abs(x)?, -1)?, -1)?,
        };
        if keepdims {
            reshape_usize(&out, &with(&batch, &[1, 1]))
        } else {
            Ok(out)
        }
    }

    /// `(Σ|x|^ord)^(1/ord)`, with the usual special cases: `sqrt(Σx²)` for 2, `Σ|x|` for 1,
    /// the largest/smallest magnitude for ±inf, the count of non-zeros for 0.
    pub(crate) fn linalg_vector_norm(
        x: &Tensor,
        axes: &[usize],
        ord: f64,
        keepdims: bool,
    ) -> Result<Tensor> {
        let over = Reduction::over(axes.iter().map(|&a| a as isize).collect::<Vec<_>>())
            .keepdims(keepdims);
        let a = abs(x)?;
        if ord == f64::INFINITY {
            max(&a, over)
        } else if ord == f64::NEG_INFINITY {
            min(&a, over)
        } else if ord == 0.0 {
            astype(&count_nonzero(x, over)?, x.dtype())
        } else if ord == 1.0 {
            sum(&a, over)
        } else if ord == 2.0 {
            sqrt(&sum(&multiply(&a, &a)?, over)?)
        } else {
            let p = scalar_like(x, ord)?;
            pow(&sum(&pow(&a, &p)?, over)?, &scalar_like(x, 1.0 / ord)?)
        }
    }

    /// `a[:, None] * b[None, :]`.
    pub(crate) fn linalg_outer(a: &Tensor, b: &Tensor) -> Result<Tensor> {
        let (m, n) = (a.shape()[0], b.shape()[0]);
        multiply(&reshape_usize(a, &[m, 1])?, &reshape_usize(b, &[1, n])?)
    }

    /// The sum of [`linalg.diagonal`](crate::linalg::diagonal) (the input is already in the
    /// result's dtype).
    pub(crate) fn linalg_trace(x: &Tensor, offset: i64) -> Result<Tensor> {
        sum(&linalg_diagonal(x, offset)?, -1)
    }

    /// Two masked selections: element `(r, r + offset)` of each row, then the rows where that
    /// is inside the matrix.
    pub(crate) fn linalg_diagonal(x: &Tensor, offset: i64) -> Result<Tensor> {
        let (batch, n, m) = split(x);
        let len = diagonal_len(n, m, offset);
        if len == 0 {
            return state::with_device(x.device(), || zeros(&with(&batch, &[0]), x.dtype()));
        }
        // len > 0, so |offset| < max(n, m): the index arithmetic below cannot overflow.
        let index = |count: usize, shape: [usize; 2]| -> Result<Tensor> {
            reshape_usize(
                &super::arange(0.0, count as f64, 1.0, DType::Int64)?,
                &shape,
            )
        };
        let on = |f: &dyn Fn() -> Result<Tensor>| state::with_device(x.device(), f);
        let rows = on(&|| index(n, [n, 1]))?;
        let cols = on(&|| index(m, [1, m]))?;
        let k = on(&|| super::full(&[], offset, DType::Int64))?;
        let along_rows = pick_last(x, &equal(&cols, &add(&rows, &k)?)?)?; // (…, n)
        let first = if offset < 0 { offset.unsigned_abs() } else { 0 };
        let out_i = on(&|| index(len, [len, 1]))?;
        let rows_j = on(&|| index(n, [1, n]))?;
        let first = on(&|| super::full(&[], first as i64, DType::Int64))?;
        let select = equal(&rows_j, &add(&out_i, &first)?)?; // (len, n)
        pick_last(&expand_dims(&along_rows, -2)?, &select)
    }

    /// `c_i = Σ_jk ε_ijk a_j b_k`: the outer products of the vectors contracted with the
    /// positive and the negative entries of the Levi-Civita symbol, subtracted.
    pub(crate) fn linalg_cross(a: &Tensor, b: &Tensor, axis: usize) -> Result<Tensor> {
        let shape = broadcast_shapes(Op::linalg_cross.name(), a.shape(), b.shape())?;
        let nd = shape.len() as isize;
        let a = moveaxis(&broadcast_to(a, &shape)?, axis as isize, -1)?;
        let b = moveaxis(&broadcast_to(b, &shape)?, axis as isize, -1)?;
        let outer = multiply(&expand_dims(&a, -1)?, &expand_dims(&b, -2)?)?; // (…, 3, 3)
        let symbol = |entries: [[usize; 3]; 3]| -> Result<Tensor> {
            let mut e = vec![0i64; 27];
            for [i, j, l] in entries {
                e[i * 9 + j * 3 + l] = 1;
            }
            let t = state::with_device(a.device(), || from_host(HostData::Int64(e), &[3, 3, 3]))?;
            astype(&t, a.dtype())
        };
        let plus = symbol([[0, 1, 2], [1, 2, 0], [2, 0, 1]])?;
        let minus = symbol([[0, 2, 1], [2, 1, 0], [1, 0, 2]])?;
        let contract = |e: &Tensor| tensordot(&outer, e, (vec![nd - 1, nd], vec![1isize, 2]));
        let c = subtract(&contract(&plus)?, &contract(&minus)?)?;
        moveaxis(&c, -1, axis as isize)
    }
}
