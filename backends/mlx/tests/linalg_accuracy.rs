//! float64 `linalg.det` and `linalg.inv` on the mlx backend have float64 accuracy at every
//! matrix size. MLX's own `det` computes `sign · exp(logabsdet)` above 3×3 with a float32 `exp`
//! (the backend computes float64 determinants from the LU factorisation instead; see
//! `det_float64` in `src/ops.rs`).
//!
//! The expected values come from elsewhere: determinants derivable by hand (diagonal,
//! triangular, permutation matrices, whose sign is counted here from inversions), exact integer
//! determinants by fraction-free (Bareiss) elimination on `i128`, and the ndarray backend, which
//! computes in `f64` in Rust.

use tensorswitch::{self as ts, DType, Tensor};
use tensorswitch_mlx as _;
use tensorswitch_ndarray as _;

/// Runs `f` on `backend`, one call at a time (so that `float64_determinants_stay_lazy` can
/// count the process-wide evaluations). Not reentrant.
fn on<R>(backend: &str, f: impl FnOnce() -> R) -> R {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    ts::with_backend(backend, f).expect("the backend is available")
}

fn det_on(backend: &str, data: &[f64], shape: &[usize]) -> Vec<f64> {
    on(backend, || {
        let x = Tensor::from_slice(data, shape).unwrap();
        let d = ts::linalg::det(&x).unwrap();
        assert_eq!(d.dtype(), DType::Float64);
        assert_eq!(d.shape(), &shape[..shape.len() - 2]);
        d.to_vec::<f64>().unwrap()
    })
}

fn mlx_det(data: &[f64], shape: &[usize]) -> Vec<f64> {
    det_on("mlx", data, shape)
}

fn rel(got: f64, want: f64) -> f64 {
    if got == want {
        0.0
    } else {
        ((got - want) / want).abs()
    }
}

/// A deterministic generator (64-bit LCG, top bits).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 11
    }
    /// Uniform in [-0.5, 0.5).
    fn unit(&mut self) -> f64 {
        self.next() as f64 / (1u64 << 53) as f64 - 0.5
    }
    /// Uniform integer in [-k, k].
    fn int(&mut self, k: i64) -> i64 {
        (self.next() % (2 * k as u64 + 1)) as i64 - k
    }
}

/// The exact determinant of an integer matrix: Bareiss' fraction-free elimination (every
/// division is exact), with row swaps for zero pivots.
fn bareiss(m: &[i64], n: usize) -> i128 {
    let mut a: Vec<i128> = m.iter().map(|&v| v as i128).collect();
    let mut sign = 1i128;
    let mut prev = 1i128;
    for k in 0..n.saturating_sub(1) {
        if a[k * n + k] == 0 {
            match (k + 1..n).find(|&r| a[r * n + k] != 0) {
                Some(r) => {
                    for j in 0..n {
                        a.swap(k * n + j, r * n + j);
                    }
                    sign = -sign;
                }
                None => return 0,
            }
        }
        for i in k + 1..n {
            for j in k + 1..n {
                let v = a[i * n + j] * a[k * n + k] - a[i * n + k] * a[k * n + j];
                assert_eq!(v % prev, 0, "Bareiss divisions are exact");
                a[i * n + j] = v / prev;
            }
        }
        prev = a[k * n + k];
    }
    sign * a[n * n - 1]
}

/// The checker itself, on determinants known by hand.
#[test]
fn bareiss_is_right() {
    assert_eq!(bareiss(&[3], 1), 3);
    assert_eq!(bareiss(&[1, 2, 3, 4], 2), -2);
    assert_eq!(bareiss(&[0, 1, 1, 0], 2), -1);
    assert_eq!(bareiss(&[2, 0, 1, 1, 3, 2, 1, 1, 4], 3), 18); // 2(12-2) - 0 + 1(1-3)
    assert_eq!(bareiss(&[0, 0, 1, 1, 3, 2, 1, 1, 4], 3), -2); // a zero pivot: 1·(1-3)
    assert_eq!(bareiss(&[1, 2, 2, 4], 2), 0);
    #[rustfmt::skip]
    let vandermonde = [1, 1, 1, 1, 1, 2, 3, 4, 1, 4, 9, 16, 1, 8, 27, 64];
    // ∏_{i<j} (x_j - x_i) for x = 1, 2, 3, 4: 1·2·3·1·2·1 = 12
    assert_eq!(bareiss(&vandermonde, 4), 12);
}

/// An integer matrix with entries in [-9, 9] and `shift` added on the diagonal.
fn int_matrix(g: &mut Lcg, n: usize, shift: i64) -> Vec<i64> {
    (0..n * n)
        .map(|i| g.int(9) + if i % (n + 1) == 0 { shift } else { 0 })
        .collect()
}

fn as_f64(m: &[i64]) -> Vec<f64> {
    m.iter().map(|&v| v as f64).collect()
}

/// MLX's own float64 determinant gave 99.99999237 here (float32's `exp` of `log 100`).
#[test]
fn diagonal_and_triangular_determinants_are_exact() {
    #[rustfmt::skip]
    let d = [100.0, 0.0, 0.0, 0.0,
             0.0, 1.0, 0.0, 0.0,
             0.0, 0.0, 1.0, 0.0,
             0.0, 0.0, 0.0, 1.0];
    assert_eq!(mlx_det(&d, &[4, 4]), vec![100.0]);
    for n in 1..=8 {
        // diag(2, 3, 5, 7, ...) and upper/lower triangular matrices with that diagonal and
        // smaller entries off it (no row swaps; U's diagonal is the matrix's, exactly)
        let primes = [2.0, 3.0, 5.0, 7.0, 11.0, 13.0, 17.0, 19.0];
        let want: f64 = primes[..n].iter().product();
        let mut g = Lcg(n as u64);
        let mut diag = vec![0.0; n * n];
        let mut upper = vec![0.0; n * n];
        let mut lower = vec![0.0; n * n];
        for i in 0..n {
            diag[i * n + i] = primes[i];
            upper[i * n + i] = primes[i];
            lower[i * n + i] = primes[i];
            for j in i + 1..n {
                upper[i * n + j] = g.unit();
                lower[j * n + i] = g.unit();
            }
        }
        for (what, m) in [("diagonal", &diag), ("upper", &upper), ("lower", &lower)] {
            assert_eq!(mlx_det(m, &[n, n]), vec![want], "{what} {n}×{n}");
        }
        // a negative entry makes a negative determinant
        diag[0] = -diag[0];
        assert_eq!(
            mlx_det(&diag, &[n, n]),
            vec![-want],
            "negated diagonal {n}×{n}"
        );
    }
}

/// The sign of a permutation, from its number of inversions.
fn permutation_sign(p: &[usize]) -> f64 {
    let inversions = (0..p.len())
        .flat_map(|i| (i + 1..p.len()).map(move |j| (i, j)))
        .filter(|&(i, j)| p[i] > p[j])
        .count();
    if inversions % 2 == 0 {
        1.0
    } else {
        -1.0
    }
}

/// Permutation matrices: the determinant is the permutation's sign; scaled by a diagonal, the
/// sign times the diagonal's product. Exercises the row swaps of the factorisation.
#[test]
fn permutation_matrices_have_their_sign() {
    let perms: &[&[usize]] = &[
        &[1, 0],
        &[1, 2, 0],
        &[1, 2, 3, 0],          // a 4-cycle: odd
        &[1, 0, 3, 2],          // two swaps: even
        &[1, 2, 0, 4, 3],       // a 3-cycle and a swap: odd
        &[4, 3, 2, 1, 0],       // reversal of 5: even
        &[2, 0, 1, 4, 5, 3],    // two 3-cycles: even
        &[1, 0, 3, 2, 5, 4],    // three swaps: odd
        &[6, 5, 4, 3, 2, 1, 0], // reversal of 7: odd
        &[3, 7, 1, 6, 0, 2, 5, 4],
    ];
    let mut signs = Vec::new();
    for p in perms {
        let n = p.len();
        let mut m = vec![0.0; n * n];
        let mut scaled = vec![0.0; n * n];
        for (i, &j) in p.iter().enumerate() {
            m[i * n + j] = 1.0;
            scaled[i * n + j] = (i + 2) as f64;
        }
        let sign = permutation_sign(p);
        signs.push(sign);
        assert_eq!(mlx_det(&m, &[n, n]), vec![sign], "{p:?}");
        let product: f64 = (0..n).map(|i| (i + 2) as f64).product();
        assert_eq!(
            mlx_det(&scaled, &[n, n]),
            vec![sign * product],
            "scaled {p:?}"
        );
    }
    // both signs occur (the checker is not constant)
    assert!(signs.contains(&1.0) && signs.contains(&-1.0));
}

/// Integer matrices from 4×4 to 8×8, against their exact determinants (all below 2^53, so
/// exact in float64 too); well-conditioned (diagonal shift) and general ones.
#[test]
fn integer_matrices_match_exact_determinants() {
    let mut g = Lcg(2024);
    let mut worst: f64 = 0.0;
    for n in 4..=8 {
        for (shift, tolerance) in [(30, 1e-13), (0, 1e-11)] {
            for _ in 0..4 {
                let m = int_matrix(&mut g, n, shift);
                let exact = bareiss(&m, n);
                assert!(exact.unsigned_abs() < 1 << 53);
                if exact == 0 {
                    continue;
                }
                let got = mlx_det(&as_f64(&m), &[n, n])[0];
                let e = rel(got, exact as f64);
                assert!(
                    e <= tolerance,
                    "{n}×{n} shift {shift}: {got} vs {exact} (rel {e:e})"
                );
                if shift != 0 {
                    worst = worst.max(e);
                }
            }
        }
    }
    eprintln!("worst relative error of well-conditioned integer determinants: {worst:e}");
}

/// A 5×5 and a 6×6 matrix written out, with determinants by Bareiss; and a stack (2, 5, 5).
#[test]
fn stacks_of_matrices() {
    #[rustfmt::skip]
    let a5: [i64; 25] = [
        4, -2,  1,  3,  0,
        1,  5, -1,  2,  2,
        0,  3,  6, -2,  1,
        2, -1,  0,  7,  3,
        3,  1,  2, -1,  8,
    ];
    #[rustfmt::skip]
    let b5: [i64; 25] = [
        0,  1,  2,  3,  4,
        1,  0,  1,  2,  3,
        2,  1,  0,  1,  2,
        3,  2,  1,  0,  1,
        4,  3,  2,  1,  0,
    ];
    #[rustfmt::skip]
    let c6: [i64; 36] = [
        2,  7, -1,  3,  0,  5,
       -4,  1,  6,  0,  2, -3,
        8, -2,  3,  1, -5,  4,
        1,  0, -7,  9,  2,  6,
        3,  5,  2, -1,  4, -2,
       -6,  3,  1,  2, -3,  7,
    ];
    let (da, db, dc) = (bareiss(&a5, 5), bareiss(&b5, 5), bareiss(&c6, 6));
    // b5 is the distance matrix of 5 points on a line: det = (-1)^(n-1) (n-1) 2^(n-2) = 32
    assert_eq!(db, 32);
    let got = mlx_det(&as_f64(&c6), &[6, 6]);
    assert!(rel(got[0], dc as f64) <= 1e-14, "{got:?} vs {dc}");
    let stack: Vec<f64> = as_f64(&a5).into_iter().chain(as_f64(&b5)).collect();
    let got = mlx_det(&stack, &[2, 5, 5]);
    assert!(rel(got[0], da as f64) <= 1e-14, "{got:?} vs {da}");
    assert!(rel(got[1], db as f64) <= 1e-14, "{got:?} vs {db}");
    // deeper batches: (3, 2, 5, 5) with every matrix scaled by its index + 1 (det × s^5)
    let mut deep = Vec::new();
    let mut want = Vec::new();
    for s in 1..=6i64 {
        let m = if s % 2 == 0 { &a5 } else { &b5 };
        deep.extend(m.iter().map(|&v| (v * s) as f64));
        want.push((bareiss(m, 5) * (s as i128).pow(5)) as f64);
    }
    let got = mlx_det(&deep, &[3, 2, 5, 5]);
    for (g, w) in got.iter().zip(&want) {
        assert!(rel(*g, *w) <= 1e-14, "{got:?} vs {want:?}");
    }
}

/// Singular matrices (equal rows, a zero column) have determinant 0, not an error; the
/// ndarray backend agrees.
#[test]
fn singular_matrices_have_determinant_zero() {
    #[rustfmt::skip]
    let equal_rows = [1.0, 2.0, 3.0, 4.0,
                      5.0, 6.0, 7.0, 8.0,
                      1.0, 2.0, 3.0, 4.0,
                      2.0, 0.0, 1.0, 9.0];
    #[rustfmt::skip]
    let zero_column = [1.0, 0.0, 3.0, 4.0, 2.0,
                       5.0, 0.0, 7.0, 8.0, 1.0,
                       9.0, 0.0, 2.0, 4.0, 3.0,
                       2.0, 0.0, 1.0, 9.0, 5.0,
                       7.0, 0.0, 3.0, 1.0, 6.0];
    assert_eq!(mlx_det(&equal_rows, &[4, 4]), vec![0.0]);
    assert_eq!(det_on("ndarray", &equal_rows, &[4, 4]), vec![0.0]);
    assert_eq!(mlx_det(&zero_column, &[5, 5]), vec![0.0]);
    // one singular matrix in a stack leaves the other's determinant alone
    let stack: Vec<f64> = zero_column
        .iter()
        .copied()
        .chain((0..25).map(|i| if i % 6 == 0 { 2.0 } else { 0.0 }))
        .collect();
    assert_eq!(mlx_det(&stack, &[2, 5, 5]), vec![0.0, 32.0]);
}

fn random_matrix(g: &mut Lcg, n: usize) -> Vec<f64> {
    (0..n * n)
        .map(|i| g.unit() + if i % (n + 1) == 0 { 2.0 } else { 0.0 })
        .collect()
}

/// Random well-conditioned float64 matrices (diagonally dominant) from 1×1 to 8×8, single and
/// stacked, against the ndarray backend's determinant (LU in Rust `f64`).
#[test]
fn random_determinants_agree_with_ndarray() {
    let mut g = Lcg(7);
    let mut worst: f64 = 0.0;
    for n in 1..=8 {
        for batch in [1, 3] {
            let m: Vec<f64> = (0..batch).flat_map(|_| random_matrix(&mut g, n)).collect();
            let shape = if batch == 1 {
                vec![n, n]
            } else {
                vec![batch, n, n]
            };
            let got = mlx_det(&m, &shape);
            let want = det_on("ndarray", &m, &shape);
            for (a, b) in got.iter().zip(&want) {
                let e = rel(*a, *b);
                worst = worst.max(e);
                assert!(e <= 1e-13, "{n}×{n}: mlx {a} ndarray {b} (rel {e:e})");
            }
        }
    }
    eprintln!("worst relative error against ndarray: {worst:e}");
}

/// float32 keeps MLX's own determinant: float32 accuracy.
#[test]
fn float32_determinants_keep_float32_accuracy() {
    let got: Vec<f32> = on("mlx", || {
        let x = Tensor::from_slice(
            &[
                100.0f32, 0., 0., 0., 0., 1., 0., 0., 0., 0., 1., 0., 0., 0., 0., 1.,
            ],
            &[4, 4],
        )
        .unwrap();
        ts::linalg::det(&x).unwrap().to_vec().unwrap()
    });
    assert!((got[0] / 100.0 - 1.0).abs() < 1e-5, "{got:?}");
}

/// The determinant stays lazy: building it evaluates nothing.
#[test]
fn float64_determinants_stay_lazy() {
    let m = random_matrix(&mut Lcg(3), 5);
    let (built, read, got) = on("mlx", || {
        let x = Tensor::from_slice(&m, &[5, 5]).unwrap();
        let before = tensorswitch_mlx::evaluations();
        let d = ts::linalg::det(&ts::add(&x, &x).unwrap()).unwrap();
        let built = tensorswitch_mlx::evaluations() - before;
        let got = d.to_vec::<f64>().unwrap()[0];
        (built, tensorswitch_mlx::evaluations() - before, got)
    });
    assert_eq!((built, read), (0, 1), "no evaluation until read, then one");
    // det(2A) = 2^5 det(A)
    let want = det_on("ndarray", &m, &[5, 5])[0] * 32.0;
    assert!(rel(got, want) <= 1e-13, "{got} vs {want}");
}

/// float64 inverses: `A·inv(A)` is the identity to float64 accuracy and the inverse agrees with
/// the ndarray backend's, from 1×1 to 8×8 and in stacks.
#[test]
fn float64_inverses_have_float64_accuracy() {
    let mut g = Lcg(11);
    let mut worst: f64 = 0.0;
    for n in 1..=8 {
        for batch in [1, 2] {
            let m: Vec<f64> = (0..batch).flat_map(|_| random_matrix(&mut g, n)).collect();
            let shape = if batch == 1 {
                vec![n, n]
            } else {
                vec![batch, n, n]
            };
            let inv = |backend| {
                on(backend, || {
                    let x = Tensor::from_slice(&m, &shape).unwrap();
                    ts::linalg::inv(&x).unwrap().to_vec::<f64>().unwrap()
                })
            };
            let (got, want) = (inv("mlx"), inv("ndarray"));
            for b in 0..batch {
                let (a, x) = (&m[b * n * n..][..n * n], &got[b * n * n..][..n * n]);
                let w = &want[b * n * n..][..n * n];
                let scale = w.iter().fold(0.0f64, |s, v| s.max(v.abs()));
                for i in 0..n {
                    for j in 0..n {
                        // (A·X)_ij computed on the host in f64
                        let p: f64 = (0..n).map(|k| a[i * n + k] * x[k * n + j]).sum();
                        let id = if i == j { 1.0 } else { 0.0 };
                        assert!(
                            (p - id).abs() <= 1e-13,
                            "{n}×{n}: (A·inv A)[{i}][{j}] = {p}"
                        );
                        let e = (x[i * n + j] - w[i * n + j]).abs() / scale;
                        worst = worst.max(e);
                        assert!(e <= 1e-13, "{n}×{n}: inverse differs from ndarray by {e:e}");
                    }
                }
            }
        }
    }
    eprintln!("worst relative difference of inverses against ndarray: {worst:e}");
    // an inverse known exactly: diag(4, 2, 0.5, 8, 0.25)⁻¹
    let d = [4.0, 2.0, 0.5, 8.0, 0.25];
    let m: Vec<f64> = (0..25)
        .map(|i| if i % 6 == 0 { d[i / 6] } else { 0.0 })
        .collect();
    let got = on("mlx", || {
        let x = Tensor::from_slice(&m, &[5, 5]).unwrap();
        ts::linalg::inv(&x).unwrap().to_vec::<f64>().unwrap()
    });
    let want: Vec<f64> = (0..25)
        .map(|i| if i % 6 == 0 { 1.0 / d[i / 6] } else { 0.0 })
        .collect();
    assert_eq!(got, want);
}
