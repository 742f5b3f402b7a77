//! Small float64 kernels for the decompositions the catalogue composes on the host: Cholesky,
//! Householder QR, one-sided Jacobi SVD, cyclic Jacobi for symmetric eigenproblems, and LU
//! for `slogdet`. Each works on one row-major matrix; the fallbacks in `linalg_fallbacks`
//! loop over the stack. They are written for clarity and robustness (every loop is bounded, so
//! NaN or infinite inputs end with NaN results rather than hanging), not for speed: a backend
//! with a LAPACK (torch, MLX) registers primaries instead.

// Index loops read like the textbook algorithms; `!(x > 0.0)` is meant: it is true for NaN too.
#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

/// `x[i][j]` of a row-major matrix with `cols` columns.
#[inline]
fn at(x: &[f64], cols: usize, i: usize, j: usize) -> f64 {
    x[i * cols + j]
}

/// The lower Cholesky factor of the `n`×`n` matrix `a` (only its lower triangle is read) into
/// `out` (zeros above the diagonal). `false` when a pivot is not positive (the matrix is not
/// positive definite) or not a number.
pub(crate) fn cholesky(a: &[f64], n: usize, out: &mut [f64]) -> bool {
    out.iter_mut().for_each(|v| *v = 0.0);
    for j in 0..n {
        let d = at(a, n, j, j) - (0..j).map(|k| out[j * n + k].powi(2)).sum::<f64>();
        // `!(d > 0)` also refuses NaN.
        if !(d > 0.0) {
            return false;
        }
        let l = d.sqrt();
        out[j * n + j] = l;
        for i in j + 1..n {
            let s = at(a, n, i, j) - (0..j).map(|k| out[i * n + k] * out[j * n + k]).sum::<f64>();
            out[i * n + j] = s / l;
        }
    }
    true
}

/// Householder QR of the `m`×`n` matrix `a`: `q` (`m`×`m`, orthogonal) and `r` (`m`×`n`, upper
/// triangular) with `a = q r`. Reflections as LAPACK's `geqrf` chooses them (`r`'s diagonal
/// may be negative).
pub(crate) fn qr(a: &[f64], m: usize, n: usize, q: &mut [f64], r: &mut [f64]) {
    r.copy_from_slice(a);
    q.iter_mut().for_each(|v| *v = 0.0);
    for i in 0..m {
        q[i * m + i] = 1.0;
    }
    let mut v = vec![0.0; m];
    for j in 0..m.min(n) {
        let norm = (j..m).map(|i| at(r, n, i, j).powi(2)).sum::<f64>().sqrt();
        if !(norm > 0.0) || !norm.is_finite() {
            continue;
        }
        let x0 = at(r, n, j, j);
        let alpha = if x0 > 0.0 { -norm } else { norm };
        for i in j..m {
            v[i] = at(r, n, i, j);
        }
        v[j] -= alpha;
        let vnorm = (j..m).map(|i| v[i] * v[i]).sum::<f64>().sqrt();
        if !(vnorm > 0.0) {
            continue;
        }
        for i in j..m {
            v[i] /= vnorm;
        }
        // r <- (I - 2 v vᵀ) r on rows j.., q <- q (I - 2 v vᵀ) on columns j...
        for c in 0..n {
            let d: f64 = (j..m).map(|i| v[i] * at(r, n, i, c)).sum();
            for i in j..m {
                r[i * n + c] -= 2.0 * v[i] * d;
            }
        }
        for row in 0..m {
            let d: f64 = (j..m).map(|i| at(q, m, row, i) * v[i]).sum();
            for i in j..m {
                q[row * m + i] -= 2.0 * d * v[i];
            }
        }
        for i in j + 1..m {
            r[i * n + j] = 0.0;
        }
    }
}

/// Fills the columns of the `m`×`cols` matrix `u` (row-major) whose flag in `filled` is false
/// with unit vectors orthogonal to every other column: each the standard basis vector with the
/// largest component outside the span so far, orthogonalised twice (Gram–Schmidt).
fn complete_columns(u: &mut [f64], m: usize, cols: usize, filled: &mut [bool]) {
    for c in 0..cols {
        if filled[c] {
            continue;
        }
        let mut best: Option<(f64, Vec<f64>)> = None;
        for e in 0..m {
            let mut w = vec![0.0; m];
            w[e] = 1.0;
            for _ in 0..2 {
                for k in (0..cols).filter(|&k| filled[k]) {
                    let d: f64 = (0..m).map(|i| u[i * cols + k] * w[i]).sum();
                    for (i, wi) in w.iter_mut().enumerate() {
                        *wi -= d * u[i * cols + k];
                    }
                }
            }
            let norm = w.iter().map(|x| x * x).sum::<f64>().sqrt();
            if best.as_ref().map_or(true, |(b, _)| norm > *b) {
                best = Some((norm, w));
            }
        }
        if let Some((norm, w)) = best {
            for i in 0..m {
                u[i * cols + c] = if norm > 0.0 { w[i] / norm } else { 0.0 };
            }
        }
        filled[c] = true;
    }
}

/// The at most 60 sweeps a Jacobi method takes; it converges quadratically, in under 15 for
/// any matrix met in practice, so the bound only stops NaN or infinite inputs from looping.
const SWEEPS: usize = 60;

/// The SVD of the `m`×`n` matrix `a` with `m >= n` (one-sided Jacobi, Hestenes): `u` (`m`×`um`
/// with `um` = `m` or `n`), `s` (`n`, descending) and `v` (`n`×`n`) with `a = u diag(s) vᵀ`.
fn svd_tall(a: &[f64], m: usize, n: usize, um: usize, u: &mut [f64], s: &mut [f64], v: &mut [f64]) {
    let mut w = a.to_vec(); // columns rotate until orthogonal
    let mut vv = vec![0.0; n * n];
    for i in 0..n {
        vv[i * n + i] = 1.0;
    }
    for _ in 0..SWEEPS {
        let mut rotated = false;
        for p in 0..n {
            for q in p + 1..n {
                let (mut alpha, mut beta, mut gamma) = (0.0, 0.0, 0.0);
                for i in 0..m {
                    let (x, y) = (w[i * n + p], w[i * n + q]);
                    alpha += x * x;
                    beta += y * y;
                    gamma += x * y;
                }
                if !(gamma.abs() > f64::EPSILON * (alpha * beta).sqrt()) {
                    continue;
                }
                rotated = true;
                let zeta = (beta - alpha) / (2.0 * gamma);
                let t = zeta.signum() / (zeta.abs() + (1.0 + zeta * zeta).sqrt());
                let c = 1.0 / (1.0 + t * t).sqrt();
                let sn = c * t;
                for (rows, cols) in [(m, &mut w), (n, &mut vv)] {
                    for i in 0..rows {
                        let (x, y) = (cols[i * n + p], cols[i * n + q]);
                        cols[i * n + p] = c * x - sn * y;
                        cols[i * n + q] = sn * x + c * y;
                    }
                }
            }
        }
        if !rotated {
            break;
        }
    }
    let norms: Vec<f64> = (0..n)
        .map(|j| (0..m).map(|i| w[i * n + j].powi(2)).sum::<f64>().sqrt())
        .collect();
    let mut order: Vec<usize> = (0..n).collect();
    // Descending; NaNs first (`total_cmp` puts a positive NaN above everything).
    order.sort_by(|&x, &y| norms[y].total_cmp(&norms[x]));
    u.iter_mut().for_each(|x| *x = 0.0);
    let mut filled = vec![false; um];
    let largest = norms.iter().copied().fold(0.0, f64::max);
    for (k, &j) in order.iter().enumerate() {
        s[k] = norms[j];
        for i in 0..n {
            v[i * n + k] = vv[i * n + j];
        }
        // A zero (or negligible) singular value has no direction of its own: its column is
        // completed below, orthogonal to the others.
        if norms[j] > largest * f64::EPSILON * m as f64 || norms[j].is_nan() {
            for i in 0..m {
                u[i * um + k] = w[i * n + j] / norms[j];
            }
            filled[k] = true;
        }
    }
    complete_columns(u, m, um, &mut filled);
}

/// The SVD of the `m`×`n` matrix `a`: `u` (`m`×`m` when `full`, else `m`×`k`), `s` (`k`
/// descending, `k = min(m, n)`), `vh` (`n`×`n` when `full`, else `k`×`n`).
pub(crate) fn svd(
    a: &[f64],
    m: usize,
    n: usize,
    full: bool,
    u: &mut [f64],
    s: &mut [f64],
    vh: &mut [f64],
) {
    if m >= n {
        let um = if full { m } else { n };
        let mut v = vec![0.0; n * n];
        svd_tall(a, m, n, um, u, s, &mut v);
        // vh = vᵀ (n×n either way, as k = n)
        for i in 0..n {
            for j in 0..n {
                vh[i * n + j] = v[j * n + i];
            }
        }
    } else {
        // aᵀ = u' s v'ᵀ, so a = v' s u'ᵀ: u = v' (m×m), vh = u'ᵀ.
        let mut at_ = vec![0.0; n * m];
        for i in 0..m {
            for j in 0..n {
                at_[j * m + i] = a[i * n + j];
            }
        }
        let um = if full { n } else { m };
        let mut u2 = vec![0.0; n * um];
        let mut v2 = vec![0.0; m * m];
        svd_tall(&at_, n, m, um, &mut u2, s, &mut v2);
        u.copy_from_slice(&v2);
        for i in 0..um {
            for j in 0..n {
                vh[i * n + j] = u2[j * um + i];
            }
        }
    }
}

/// The eigenvalues (ascending, into `w`) and eigenvectors (columns of `v`) of the symmetric
/// `n`×`n` matrix whose lower triangle is `a`'s (cyclic Jacobi rotations).
pub(crate) fn eigh(a: &[f64], n: usize, w: &mut [f64], v: &mut [f64]) {
    let mut s = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            s[i * n + j] = if i >= j { a[i * n + j] } else { a[j * n + i] };
        }
    }
    let mut vv = vec![0.0; n * n];
    for i in 0..n {
        vv[i * n + i] = 1.0;
    }
    for _ in 0..SWEEPS {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| s[i * n + j].powi(2))
            .sum();
        let total: f64 = s.iter().map(|x| x * x).sum();
        if !(off > f64::EPSILON * f64::EPSILON * total * 1e-4) {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = s[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                let theta = (s[q * n + q] - s[p * n + p]) / (2.0 * apq);
                let t = if theta.is_infinite() {
                    0.0
                } else {
                    let sign = if theta >= 0.0 { 1.0 } else { -1.0 };
                    sign / (theta.abs() + (theta * theta + 1.0).sqrt())
                };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let sn = t * c;
                // s <- Pᵀ s P and vv <- vv P, P the rotation in the plane (p, q).
                for k in 0..n {
                    let (x, y) = (s[k * n + p], s[k * n + q]);
                    s[k * n + p] = c * x - sn * y;
                    s[k * n + q] = sn * x + c * y;
                    let (x, y) = (vv[k * n + p], vv[k * n + q]);
                    vv[k * n + p] = c * x - sn * y;
                    vv[k * n + q] = sn * x + c * y;
                }
                for k in 0..n {
                    let (x, y) = (s[p * n + k], s[q * n + k]);
                    s[p * n + k] = c * x - sn * y;
                    s[q * n + k] = sn * x + c * y;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&x, &y| s[x * n + x].total_cmp(&s[y * n + y]));
    for (k, &j) in order.iter().enumerate() {
        w[k] = s[j * n + j];
        for i in 0..n {
            v[i * n + k] = vv[i * n + j];
        }
    }
}

/// The sign (-1, 0 or 1) and `ln |det|` of the `n`×`n` matrix `a`, from its LU factorisation
/// with partial pivoting; a zero pivot gives `(0, -inf)`.
pub(crate) fn slogdet(a: &[f64], n: usize) -> (f64, f64) {
    let mut m = a.to_vec();
    let (mut sign, mut log) = (1.0, 0.0);
    for c in 0..n {
        let mut p = c;
        for r in c + 1..n {
            if m[r * n + c].abs() > m[p * n + c].abs() {
                p = r;
            }
        }
        let pivot = m[p * n + c];
        if pivot == 0.0 {
            return (0.0, f64::NEG_INFINITY);
        }
        if pivot.is_nan() {
            return (f64::NAN, f64::NAN);
        }
        if p != c {
            for j in 0..n {
                m.swap(p * n + j, c * n + j);
            }
            sign = -sign;
        }
        if pivot < 0.0 {
            sign = -sign;
        }
        log += pivot.abs().ln();
        for r in c + 1..n {
            let f = m[r * n + c] / pivot;
            for j in c..n {
                m[r * n + j] -= f * m[c * n + j];
            }
        }
    }
    (sign, log)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matmul(a: &[f64], b: &[f64], m: usize, k: usize, n: usize) -> Vec<f64> {
        let mut o = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                o[i * n + j] = (0..k).map(|l| a[i * k + l] * b[l * n + j]).sum();
            }
        }
        o
    }

    fn close(a: &[f64], b: &[f64]) -> bool {
        a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12)
    }

    #[test]
    fn qr_reconstructs_tall_and_wide() {
        for (m, n) in [(4, 3), (3, 4), (3, 3), (1, 1)] {
            let a: Vec<f64> = (0..m * n).map(|i| ((i * 7 % 11) as f64) - 5.0).collect();
            let (mut q, mut r) = (vec![0.0; m * m], vec![0.0; m * n]);
            qr(&a, m, n, &mut q, &mut r);
            assert!(close(&matmul(&q, &r, m, m, n), &a), "{m}x{n}");
        }
    }

    #[test]
    fn svd_reconstructs_and_sorts() {
        for (m, n) in [(4, 3), (3, 4), (3, 3)] {
            let a: Vec<f64> = (0..m * n).map(|i| ((i * 5 % 7) as f64) - 3.0).collect();
            let k = m.min(n);
            let (mut u, mut s, mut vh) = (vec![0.0; m * k], vec![0.0; k], vec![0.0; k * n]);
            svd(&a, m, n, false, &mut u, &mut s, &mut vh);
            let mut us = u.clone();
            for i in 0..m {
                for j in 0..k {
                    us[i * k + j] *= s[j];
                }
            }
            assert!(close(&matmul(&us, &vh, m, k, n), &a), "{m}x{n}");
            assert!(s.windows(2).all(|w| w[0] >= w[1]));
        }
    }

    #[test]
    fn eigh_of_a_symmetric_matrix() {
        let a = [2.0, 1.0, 0.0, 1.0, 3.0, 1.0, 0.0, 1.0, 4.0];
        let (mut w, mut v) = ([0.0; 3], [0.0; 9]);
        eigh(&a, 3, &mut w, &mut v);
        let av = matmul(&a, &v, 3, 3, 3);
        for k in 0..3 {
            for i in 0..3 {
                assert!((av[i * 3 + k] - w[k] * v[i * 3 + k]).abs() < 1e-12);
            }
        }
        assert!(w[0] < w[1] && w[1] < w[2]);
    }

    #[test]
    fn nan_inputs_end() {
        let a = [f64::NAN, 1.0, 1.0, f64::INFINITY];
        let (mut w, mut v) = ([0.0; 2], [0.0; 4]);
        eigh(&a, 2, &mut w, &mut v);
        let (mut u, mut s, mut vh) = ([0.0; 4], [0.0; 2], [0.0; 4]);
        svd(&a, 2, 2, true, &mut u, &mut s, &mut vh);
        assert!(!cholesky(&a, 2, &mut [0.0; 4]));
    }
}
