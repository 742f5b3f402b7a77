//! The CPU kernels behind the ndarray backend's primaries: `gemm` matmul against the
//! `matrixmultiply` path and a float64 reference computed here, threaded against
//! single-threaded results.
//!
//! The kernel and thread settings are process-wide, so the tests that change them hold
//! `SETTINGS` (the test harness runs tests on several threads).

use std::sync::Mutex;
use tensorswitch::{self as ts, Result, Tensor};
use tensorswitch_ndarray::{set_matmul_kernel, set_num_threads, MatmulKernel};

static SETTINGS: Mutex<()> = Mutex::new(());

fn on_ndarray(f: impl FnOnce() -> Result<()>) {
    let _guard = SETTINGS.lock().unwrap_or_else(|e| e.into_inner());
    let out = ts::with_backend("ndarray", f);
    set_matmul_kernel(MatmulKernel::Gemm);
    set_num_threads(0);
    out.unwrap().unwrap();
}

/// A small deterministic generator (SplitMix64): values uniform in [-1, 1).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
    fn vec(&mut self, n: usize) -> Vec<f64> {
        (0..n).map(|_| self.next()).collect()
    }
}

/// `a · b` for stacks of row-major matrices (`a`: batch × m × k, `b`: batch × k × n, a batch
/// size of 1 broadcast), in float64 with a plain loop, and `|a| · |b|` (the error scale).
#[allow(clippy::too_many_arguments)]
fn reference(
    a: &[f64],
    b: &[f64],
    ba: usize,
    bb: usize,
    m: usize,
    k: usize,
    n: usize,
) -> (Vec<f64>, Vec<f64>) {
    let batch = ba.max(bb);
    let (mut out, mut scale) = (vec![0.0; batch * m * n], vec![0.0; batch * m * n]);
    for p in 0..batch {
        let (a, b) = (
            &a[(p % ba) * m * k..][..m * k],
            &b[(p % bb) * k * n..][..k * n],
        );
        for i in 0..m {
            for j in 0..n {
                let (mut s, mut t) = (0.0, 0.0);
                for l in 0..k {
                    s += a[i * k + l] * b[l * n + j];
                    t += (a[i * k + l] * b[l * n + j]).abs();
                }
                out[(p * m + i) * n + j] = s;
                scale[(p * m + i) * n + j] = t;
            }
        }
    }
    (out, scale)
}

/// Every element within `k · eps` of the error scale (the standard bound for a dot product
/// of length `k` in a precision of unit roundoff `eps / 2`).
fn check(got: &[f64], want: &[f64], scale: &[f64], k: usize, eps: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (i, ((&g, &w), &s)) in got.iter().zip(want).zip(scale).enumerate() {
        let bound = (k as f64 + 2.0) * eps * s + f64::MIN_POSITIVE;
        assert!(
            (g - w).abs() <= bound,
            "{what}: element {i}: {g} vs {w} (bound {bound:e})"
        );
    }
}

fn both_kernels(a: &Tensor, b: &Tensor) -> Result<(Tensor, Tensor)> {
    set_matmul_kernel(MatmulKernel::Gemm);
    let g = ts::matmul(a, b)?;
    set_matmul_kernel(MatmulKernel::MatrixMultiply);
    let mm = ts::matmul(a, b)?;
    set_matmul_kernel(MatmulKernel::Gemm);
    Ok((g, mm))
}

/// Random stacks of several shapes (batched with broadcasting, vectors of length 1, empty
/// and odd sizes), float32 and float64: gemm and matrixmultiply both within rounding of the
/// float64 reference.
#[test]
fn gemm_and_matrixmultiply_agree_with_a_reference() {
    on_ndarray(|| {
        let mut rng = Rng(7);
        for &(ba, bb, m, k, n) in &[
            (1, 1, 1, 1, 1),
            (1, 1, 3, 5, 2),
            (1, 1, 17, 33, 9),
            (1, 1, 64, 64, 64),
            (1, 1, 130, 70, 150),
            (4, 4, 8, 16, 5),
            (3, 1, 31, 7, 12),
            (1, 5, 2, 40, 33),
            (2, 2, 0, 4, 3),
            (2, 2, 3, 0, 4),
            (1, 1, 5, 6, 0),
        ] {
            let (av, bv) = (rng.vec(ba * m * k), rng.vec(bb * k * n));
            let (want, scale) = reference(&av, &bv, ba, bb, m, k, n);
            let shape = |batch: usize, r: usize, c: usize| -> Vec<usize> {
                if ba == 1 && bb == 1 {
                    vec![r, c]
                } else {
                    vec![batch, r, c]
                }
            };
            let a64 = Tensor::from_slice(&av, &shape(ba, m, k))?;
            let b64 = Tensor::from_slice(&bv, &shape(bb, k, n))?;
            let what = format!("{ba}x{m}x{k} · {bb}x{k}x{n}");
            let (g, mm) = both_kernels(&a64, &b64)?;
            assert_eq!(g.shape(), mm.shape());
            check(
                &g.to_vec::<f64>()?,
                &want,
                &scale,
                k,
                f64::EPSILON,
                &format!("gemm f64 {what}"),
            );
            check(
                &mm.to_vec::<f64>()?,
                &want,
                &scale,
                k,
                f64::EPSILON,
                &format!("mm f64 {what}"),
            );
            // float32: the reference of the rounded inputs.
            let (af, bf): (Vec<f32>, Vec<f32>) = (
                av.iter().map(|&v| v as f32).collect(),
                bv.iter().map(|&v| v as f32).collect(),
            );
            let (av32, bv32): (Vec<f64>, Vec<f64>) = (
                af.iter().map(|&v| v.into()).collect(),
                bf.iter().map(|&v| v.into()).collect(),
            );
            let (want, scale) = reference(&av32, &bv32, ba, bb, m, k, n);
            let a32 = Tensor::from_slice(&af, &shape(ba, m, k))?;
            let b32 = Tensor::from_slice(&bf, &shape(bb, k, n))?;
            let (g, mm) = both_kernels(&a32, &b32)?;
            let f = |t: Tensor| -> Result<Vec<f64>> {
                Ok(t.to_vec::<f32>()?.into_iter().map(f64::from).collect())
            };
            let eps = f64::from(f32::EPSILON);
            check(&f(g)?, &want, &scale, k, eps, &format!("gemm f32 {what}"));
            check(&f(mm)?, &want, &scale, k, eps, &format!("mm f32 {what}"));
        }
        Ok(())
    });
}

/// Strided operands: transposed, reversed (negative strides) and broadcast views give the
/// same products as their contiguous copies.
#[test]
fn gemm_takes_any_layout() {
    on_ndarray(|| {
        let mut rng = Rng(11);
        let a = Tensor::from_slice(&rng.vec(40 * 30), &[40, 30])?;
        let b = Tensor::from_slice(&rng.vec(40 * 20), &[40, 20])?;
        let at = ts::matrix_transpose(&a)?; // 30 × 40, column-major
        let bf = ts::flip(&b, None)?; // negative strides
        let (g, mm) = both_kernels(&at, &bf)?;
        let contiguous =
            |t: &Tensor| -> Result<Tensor> { Tensor::from_slice(&t.to_vec::<f64>()?, t.shape()) };
        let (want, _) = both_kernels(&contiguous(&at)?, &contiguous(&bf)?)?;
        let (w, g, mm) = (
            want.to_vec::<f64>()?,
            g.to_vec::<f64>()?,
            mm.to_vec::<f64>()?,
        );
        for i in 0..w.len() {
            assert!(
                (g[i] - w[i]).abs() <= 1e-12,
                "gemm {i}: {} vs {}",
                g[i],
                w[i]
            );
            assert!(
                (mm[i] - w[i]).abs() <= 1e-12,
                "mm {i}: {} vs {}",
                mm[i],
                w[i]
            );
        }
        // A row broadcast to a stack: every matrix of the result is the same.
        let row = Tensor::from_slice(&rng.vec(8), &[1, 8])?;
        let stack = ts::broadcast_to(&row, &[3, 5, 8])?;
        let p = ts::matmul(&stack, &ts::matrix_transpose(&stack)?)?.to_vec::<f64>()?;
        let dot: f64 = row.to_vec::<f64>()?.iter().map(|v| v * v).sum();
        for v in p {
            assert!((v - dot).abs() <= 1e-12 * dot, "{v} vs {dot}");
        }
        Ok(())
    });
}

/// `tensordot` (which reduces to matmul) agrees with the matrixmultiply path.
#[test]
fn tensordot_uses_the_same_kernel() {
    on_ndarray(|| {
        let mut rng = Rng(3);
        let a = Tensor::from_slice(&rng.vec(4 * 5 * 6), &[4, 5, 6])?;
        let b = Tensor::from_slice(&rng.vec(5 * 6 * 7), &[5, 6, 7])?;
        let g = ts::tensordot(&a, &b, 2)?.to_vec::<f64>()?;
        set_matmul_kernel(MatmulKernel::MatrixMultiply);
        let mm = ts::tensordot(&a, &b, 2)?.to_vec::<f64>()?;
        assert_eq!(g.len(), 4 * 7);
        for (x, y) in g.iter().zip(&mm) {
            assert!((x - y).abs() <= 1e-12, "{x} vs {y}");
        }
        Ok(())
    });
}

/// Threads do not change results: matmul (gemm splits the output into blocks, each summed in
/// the same order) and the elementwise kernels (split into chunks) give the same bits.
#[test]
fn threaded_results_equal_single_threaded_ones() {
    on_ndarray(|| {
        let mut rng = Rng(5);
        let a = Tensor::from_slice(&rng.vec(300 * 200), &[300, 200])?;
        let b = Tensor::from_slice(&rng.vec(200 * 250), &[200, 250])?;
        let a32 = ts::astype(&a, ts::DType::Float32)?;
        let b32 = ts::astype(&b, ts::DType::Float32)?;
        let x = Tensor::from_slice(&rng.vec(300_000), &[300_000])?;
        let x32 = ts::astype(&x, ts::DType::Float32)?;
        let run = || -> Result<Vec<Tensor>> {
            let mut out = vec![ts::matmul(&a, &b)?, ts::matmul(&a32, &b32)?];
            for t in [&x, &x32] {
                out.push(ts::exp(t)?);
                out.push(ts::tanh(t)?);
                out.push(ts::sin(t)?);
            }
            Ok(out)
        };
        set_num_threads(1);
        let one = run()?;
        set_num_threads(4);
        let four = run()?;
        for (p, q) in one.iter().zip(&four) {
            assert_eq!(p.dtype(), q.dtype());
            let bits = |t: &Tensor| -> Result<Vec<u64>> {
                Ok(ts::astype(t, ts::DType::Float64)?
                    .to_vec::<f64>()?
                    .into_iter()
                    .map(f64::to_bits)
                    .collect())
            };
            assert!(
                bits(p)? == bits(q)?,
                "a {} result differs with threads",
                p.dtype()
            );
        }
        Ok(())
    });
}

/// Each kernel setting runs its own kernel on 2-D operands: with `MatrixMultiply` the result
/// is bit-for-bit ndarray's `general_mat_mul` (matrixmultiply) on the same data, with `Gemm`
/// the `gemm` crate's own product; the two round differently (gemm fuses multiply-adds), so
/// at least one element tells them apart.
#[test]
fn each_kernel_setting_runs_its_own_kernel() {
    on_ndarray(|| {
        let (m, k, n) = (64, 300, 48);
        let mut rng = Rng(11);
        let (av, bv) = (rng.vec(m * k), rng.vec(k * n));
        let af: Vec<f32> = av.iter().map(|&v| v as f32).collect();
        let bf: Vec<f32> = bv.iter().map(|&v| v as f32).collect();
        let (a, b) = (
            Tensor::from_slice(&af, &[m, k])?,
            Tensor::from_slice(&bf, &[k, n])?,
        );
        let (g, mm) = both_kernels(&a, &b)?;
        let (x, y) = (
            ndarray::Array2::from_shape_vec((m, k), af).unwrap(),
            ndarray::Array2::from_shape_vec((k, n), bf).unwrap(),
        );
        let mut by_mm = ndarray::Array2::<f32>::zeros((m, n));
        ndarray::linalg::general_mat_mul(1.0, &x, &y, 0.0, &mut by_mm);
        let mm = mm.to_vec::<f32>()?;
        assert_eq!(
            mm.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            by_mm.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            "MatrixMultiply must be matrixmultiply's product"
        );
        assert_ne!(
            g.to_vec::<f32>()?,
            mm,
            "Gemm must not be matrixmultiply's product"
        );
        Ok(())
    });
}

/// An empty inner dimension gives zeros whatever the kernel: the empty sum.
#[test]
fn an_empty_inner_dimension_gives_zeros() {
    on_ndarray(|| {
        let a = Tensor::from_slice::<f64>(&[], &[3, 0])?;
        let b = Tensor::from_slice::<f64>(&[], &[0, 4])?;
        let (g, mm) = both_kernels(&a, &b)?;
        assert_eq!(g.shape(), &[3, 4]);
        assert_eq!(g.to_vec::<f64>()?, vec![0.0; 12]);
        assert_eq!(mm.to_vec::<f64>()?, vec![0.0; 12]);
        Ok(())
    });
}

/// `strided_slice` gathers from row-major inputs straight from memory and walks any other
/// layout (column-major, negative strides) with ndarray: the two paths give the same elements
/// for the same logical tensor, over slices with steps of both signs, empty slices and ranks
/// 0 to 4 (the conformance suite checks the row-major path against NumPy).
#[test]
fn strided_slice_agrees_on_every_layout() {
    use ndarray::{ArrayD, IxDyn, ShapeBuilder};
    use tensorswitch::SliceSpec;
    use tensorswitch_ndarray::NdArray;
    let specs = [
        SliceSpec::new(None, None, 1),
        SliceSpec::new(Some(1), None, 2),
        SliceSpec::new(None, None, -1),
        SliceSpec::new(Some(-1), Some(0), -2),
        SliceSpec::new(Some(1), Some(1), 1),
        SliceSpec::new(Some(5), Some(-5), -3),
        SliceSpec::new(Some(-2), None, 1),
    ];
    on_ndarray(|| {
        let mut compared = 0;
        for shape in [vec![], vec![7], vec![3, 4], vec![2, 3, 4], vec![2, 1, 3, 2]] {
            let n: usize = shape.iter().product();
            let values: Vec<f64> = (0..n).map(|i| i as f64).collect();
            let c = ArrayD::from_shape_vec(IxDyn(&shape), values).unwrap();
            // The same logical elements laid out column-major.
            let f = ArrayD::from_shape_fn(IxDyn(&shape).f(), |at| c[&at]);
            assert!(shape.len() < 2 || f.as_slice().is_none());
            let ct = NdArray::from(c.clone()).into_tensor();
            let ft = NdArray::from(f).into_tensor();
            // Reversed twice (an array stored reversed along axis 0, flipped back by a view
            // with a negative stride): the same elements, read through negative strides.
            let mut others = vec![ft];
            if !shape.is_empty() {
                let mut stored = c.clone();
                stored.invert_axis(ndarray::Axis(0));
                let stored = NdArray::from(stored.as_standard_layout().into_owned()).into_tensor();
                others.push(ts::flip(&stored, 0)?);
            }
            for k in 0..specs.len() {
                let slices: Vec<SliceSpec> = (0..shape.len())
                    .map(|d| specs[(k + d) % specs.len()])
                    .collect();
                let want = ts::strided_slice(&ct, slices.clone())?;
                for other in &others {
                    let got = ts::strided_slice(other, slices.clone())?;
                    assert_eq!(got.shape(), want.shape(), "{shape:?} {slices:?}");
                    assert_eq!(
                        got.to_vec::<f64>()?,
                        want.to_vec::<f64>()?,
                        "{shape:?} {slices:?}"
                    );
                    compared += 1;
                }
            }
        }
        assert!(compared > 50);
        Ok(())
    });
}
