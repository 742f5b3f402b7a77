//! Hand-derived checks of the linalg extension's decompositions: the invariants that hold
//! whatever signs a backend picks (orthonormal factors that multiply back to the input),
//! rank-deficient and empty matrices, and inputs with NaN (which must end, with a value or an
//! error).
use tensorswitch::linalg::{self, QrMode};
use tensorswitch::{self as ts, DType, Result, Tensor};

fn on_backend(backend: &str, f: impl FnOnce() -> Result<()>) {
    ts::with_backend(backend, f).unwrap().unwrap();
}

/// A row-major matrix on the host: rows, columns, values (float64).
struct M {
    r: usize,
    c: usize,
    v: Vec<f64>,
}

fn host(x: &Tensor) -> M {
    let s = x.shape();
    let (r, c) = match s.len() {
        1 => (1, s[0]),
        _ => (s[s.len() - 2], s[s.len() - 1]),
    };
    let v = ts::astype(x, DType::Float64)
        .unwrap()
        .to_vec::<f64>()
        .unwrap();
    M { r, c, v }
}

fn mul(a: &M, b: &M) -> M {
    assert_eq!(a.c, b.r);
    let mut v = vec![0.0; a.r * b.c];
    for i in 0..a.r {
        for j in 0..b.c {
            v[i * b.c + j] = (0..a.c).map(|k| a.v[i * a.c + k] * b.v[k * b.c + j]).sum();
        }
    }
    M { r: a.r, c: b.c, v }
}

fn t(a: &M) -> M {
    let mut v = vec![0.0; a.v.len()];
    for i in 0..a.r {
        for j in 0..a.c {
            v[j * a.r + i] = a.v[i * a.c + j];
        }
    }
    M { r: a.c, c: a.r, v }
}

fn eye(n: usize) -> M {
    let mut v = vec![0.0; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    M { r: n, c: n, v }
}

fn assert_close(got: &M, want: &M, what: &str) {
    assert_eq!((got.r, got.c), (want.r, want.c), "{what}: shapes");
    for (i, (g, w)) in got.v.iter().zip(&want.v).enumerate() {
        assert!((g - w).abs() < 1e-9, "{what}: [{i}] {g} vs {w}");
    }
}

fn x43() -> Tensor {
    let v = [
        2.0, -1.0, 0.5, 1.0, 3.0, -2.0, 0.25, 1.5, 4.0, -3.0, 0.0, 1.0,
    ];
    Tensor::from_slice(&v, &[4, 3]).unwrap()
}

pub fn decompositions_multiply_back(backend: &str) {
    on_backend(backend, || {
        let x = x43();
        let xm = host(&x);
        // svd, full: u 4×4 and vh 3×3 orthogonal, u[:, :3] · diag(s) · vh = x
        let svd = linalg::svd(&x, true)?;
        let (u, s, vh) = (host(&svd.u), host(&svd.s), host(&svd.vh));
        assert_close(&mul(&t(&u), &u), &eye(4), "svd uᵀu");
        assert_close(&mul(&vh, &t(&vh)), &eye(3), "svd vh vhᵀ");
        assert!(
            s.v.windows(2).all(|w| w[0] >= w[1]),
            "descending: {:?}",
            s.v
        );
        let mut us = M {
            r: 4,
            c: 3,
            v: vec![0.0; 12],
        };
        for i in 0..4 {
            for j in 0..3 {
                us.v[i * 3 + j] = u.v[i * 4 + j] * s.v[j];
            }
        }
        assert_close(&mul(&us, &vh), &xm, "u diag(s) vh");
        // qr, complete: q 4×4 orthogonal, r upper triangular, q · r = x
        let qr = linalg::qr(&x, QrMode::Complete)?;
        let (q, r) = (host(&qr.q), host(&qr.r));
        assert_close(&mul(&t(&q), &q), &eye(4), "qr qᵀq");
        for i in 0..4 {
            for j in 0..i.min(3) {
                assert!(r.v[i * 3 + j].abs() < 1e-12, "r below the diagonal");
            }
        }
        assert_close(&mul(&q, &r), &xm, "q r");
        // eigh: x v = v diag(w), v orthogonal, w ascending
        let sym = ts::matmul(&ts::matrix_transpose(&x)?, &x)?;
        let e = linalg::eigh(&sym)?;
        let (w, v, a) = (host(&e.eigenvalues), host(&e.eigenvectors), host(&sym));
        assert_close(&mul(&t(&v), &v), &eye(3), "eigh vᵀv");
        let mut vw = M {
            r: 3,
            c: 3,
            v: v.v.clone(),
        };
        for i in 0..3 {
            for j in 0..3 {
                vw.v[i * 3 + j] *= w.v[j];
            }
        }
        assert_close(&mul(&a, &v), &vw, "a v = v diag(w)");
        assert!(w.v.windows(2).all(|p| p[0] <= p[1]), "ascending: {:?}", w.v);
        // cholesky: l lᵀ = a, and the upper factor is its transpose
        let l = host(&linalg::cholesky(&sym, false)?);
        assert_close(&mul(&l, &t(&l)), &a, "l lᵀ");
        assert_close(&host(&linalg::cholesky(&sym, true)?), &t(&l), "upper = lᵀ");
        // pinv: x⁺ x = I (full column rank), and solve agrees with the inverse
        let p = host(&linalg::pinv(&x, None)?);
        assert_close(&mul(&p, &xm), &eye(3), "pinv(x) x");
        let b = Tensor::from_slice(&[1.0, -2.0, 0.5], &[3])?;
        let sol = host(&linalg::solve(&sym, &b)?);
        let back = mul(&a, &t(&sol));
        assert_close(&t(&back), &host(&b), "a · solve(a, b)");
        Ok(())
    });
}

pub fn rank_deficient_svd_still_has_orthogonal_factors(backend: &str) {
    on_backend(backend, || {
        let x = Tensor::from_slice(&[1.0, 2.0, 2.0, 4.0, 3.0, 6.0], &[3, 2])?;
        let svd = linalg::svd(&x, true)?;
        let (u, s, vh) = (host(&svd.u), host(&svd.s), host(&svd.vh));
        assert_close(&mul(&t(&u), &u), &eye(3), "uᵀu");
        assert_close(&mul(&vh, &t(&vh)), &eye(2), "vh vhᵀ");
        assert!(
            (s.v[0] - 70f64.sqrt()).abs() < 1e-9 && s.v[1].abs() < 1e-9,
            "{:?}",
            s.v
        );
        let rank = linalg::matrix_rank(&x, None)?.to_vec::<i64>()?;
        assert_eq!(rank, vec![1]);
        Ok(())
    });
}

pub fn empty_matrices(backend: &str) {
    on_backend(backend, || {
        let x = ts::zeros(&[3, 0], DType::Float64)?;
        let svd = linalg::svd(&x, true)?;
        assert_close(&host(&svd.u), &eye(3), "u of a 3×0 matrix");
        assert_eq!(svd.s.shape(), &[0]);
        assert_eq!(svd.vh.shape(), &[0, 0]);
        let svd = linalg::svd(&x, false)?;
        assert_eq!(
            (svd.u.shape(), svd.s.shape(), svd.vh.shape()),
            (&[3, 0][..], &[0][..], &[0, 0][..])
        );
        let qr = linalg::qr(&x, QrMode::Complete)?;
        assert_close(&host(&qr.q), &eye(3), "complete q of a 3×0 matrix");
        assert_eq!(qr.r.shape(), &[3, 0]);
        let e = linalg::eigh(&ts::zeros(&[2, 0, 0], DType::Float32)?)?;
        assert_eq!(
            (e.eigenvalues.shape(), e.eigenvectors.shape()),
            (&[2, 0][..], &[2, 0, 0][..])
        );
        let d = linalg::slogdet(&ts::zeros(&[0, 0], DType::Float64)?)?;
        assert_eq!(d.sign.to_vec::<f64>()?, vec![1.0]);
        assert_eq!(d.logabsdet.to_vec::<f64>()?, vec![0.0]);
        assert_eq!(
            linalg::svdvals(&ts::zeros(&[0, 2, 3], DType::Float32)?)?.shape(),
            &[0, 2]
        );
        assert_eq!(
            linalg::diagonal(&ts::zeros(&[2, 0], DType::Int32)?, 0)?.shape(),
            &[0]
        );
        assert_eq!(
            linalg::trace(&ts::zeros(&[2, 0, 4], DType::Int32)?, 0)?.to_vec::<i64>()?,
            vec![0, 0]
        );
        Ok(())
    });
}

/// NaN inputs end (iterative methods are bounded) with a value or an error, never a hang or
/// a panic.
pub fn nan_inputs_end(backend: &str) {
    on_backend(backend, || {
        let x = Tensor::from_slice(&[f64::NAN, 1.0, 1.0, 2.0], &[2, 2])?;
        let _ = linalg::svd(&x, true);
        let _ = linalg::eigh(&x);
        let _ = linalg::eigvalsh(&x);
        let _ = linalg::qr(&x, QrMode::Reduced);
        let _ = linalg::slogdet(&x);
        if backend == "ndarray" {
            // the host kernel refuses a NaN pivot as not positive definite
            assert!(linalg::cholesky(&x, false).is_err());
        }
        Ok(())
    });
}

/// A singular matrix (solve, a negative matrix power) or one that is not positive definite
/// (cholesky) is `InvalidArgument` of the op called, whatever computes it.
pub fn bad_matrices_are_errors_of_the_op_called(backend: &str) {
    on_backend(backend, || {
        let singular = Tensor::from_slice(&[1.0, 2.0, 2.0, 4.0], &[2, 2])?;
        let b = Tensor::from_slice(&[1.0, 1.0], &[2])?;
        let op_of = |r: Result<Tensor>| match r {
            Err(ts::Error::InvalidArgument { op, .. }) => op,
            other => panic!("expected InvalidArgument, got {other:?}"),
        };
        assert_eq!(op_of(linalg::solve(&singular, &b)), "linalg.solve");
        assert_eq!(
            op_of(linalg::matrix_power(&singular, -3)),
            "linalg.matrix_power"
        );
        let indefinite = Tensor::from_slice(&[1.0, 2.0, 2.0, 1.0], &[2, 2])?;
        assert_eq!(
            op_of(linalg::cholesky(&indefinite, false)),
            "linalg.cholesky"
        );
        // Norms that take a maximum or minimum (or 1/|x|^p sums) of nothing: refused on every
        // backend; the Frobenius and nuclear norms of an empty matrix are 0.
        use linalg::{MatrixOrd, VectorNorm};
        for shape in [[3usize, 0], [0, 3], [2, 0]] {
            let empty = Tensor::from_slice(&[] as &[f64], &shape)?;
            for ord in [
                MatrixOrd::One,
                MatrixOrd::NegTwo,
                MatrixOrd::Inf,
                MatrixOrd::NegInf,
            ] {
                assert_eq!(
                    op_of(linalg::matrix_norm(&empty, ord)),
                    "linalg.matrix_norm"
                );
            }
            for ord in [MatrixOrd::Fro, MatrixOrd::Nuc] {
                let n = linalg::matrix_norm(&empty, ord)?;
                assert_eq!(n.to_vec::<f64>()?, [0.0], "{ord:?} of {shape:?}");
            }
        }
        let none = Tensor::from_slice(&[] as &[f32], &[0])?;
        for ord in [-1.0, f64::INFINITY, f64::NEG_INFINITY] {
            let r = linalg::vector_norm(&none, VectorNorm::over(0).ord(ord));
            assert_eq!(op_of(r), "linalg.vector_norm", "ord {ord}");
        }
        let two = linalg::vector_norm(&none, VectorNorm::over(0))?;
        assert_eq!(two.to_vec::<f32>()?, [0.0]);
        Ok(())
    });
}
