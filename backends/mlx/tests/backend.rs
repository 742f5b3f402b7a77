//! The mlx backend itself: registration, version, laziness, and the fix-ups of MLX's behaviour
//! that the shared conformance suite does not reach (zero-size inputs MLX would crash on,
//! float64 accuracy, float-to-integer conversion, integer matmul, errors found at evaluation).

use std::sync::Mutex;
use tensorswitch::{self as ts, DType, Error, Tensor};
use tensorswitch_ndarray as _; // for `evaluate` on an eager backend

/// Runs `f` with the mlx backend on top of the stack, one test at a time: `evaluations()`
/// counts for the whole process, so tests that count must not overlap with others.
fn on_mlx<R>(f: impl FnOnce() -> R) -> R {
    static SERIAL: Mutex<()> = Mutex::new(());
    let _one_at_a_time = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    ts::with_backend("mlx", f).expect("the mlx backend is available")
}

fn f64s(t: &Tensor) -> Vec<f64> {
    t.to_vec::<f64>().expect("float64 data")
}

/// `x` converted to float32 and read back (for float16 and bfloat16, which have no host type).
fn as_f32s(t: &Tensor) -> Vec<f32> {
    ts::astype(t, DType::Float32)
        .and_then(|t| t.to_vec::<f32>())
        .expect("float32 data")
}

#[test]
fn reports_the_loaded_mlx_version() {
    let v = tensorswitch::backend_version("mlx").expect("mlx is available");
    assert_eq!(v.to_string(), tensorswitch_mlx::BUILT_AGAINST);
}

/// A chain of ops builds one MLX graph; only observing the result evaluates it, once. That
/// holds for the fixed-up ops too (float64 `exp`/`sin`/`cos`, `sign`, float-to-integer
/// `astype`, integer `matmul`).
#[test]
fn a_chain_of_ops_evaluates_once() {
    on_mlx(|| {
        let x = Tensor::from_slice(&[1.0f32, 2.0, 3.0], &[3]).unwrap();
        let before = tensorswitch_mlx::evaluations();
        let y = ts::add(&x, &x).unwrap();
        let y = ts::multiply(&y, &x).unwrap();
        let y = ts::exp(&ts::negative(&y).unwrap()).unwrap();
        assert_eq!(tensorswitch_mlx::evaluations(), before, "no op evaluates");
        let v: Vec<f32> = y.to_vec().unwrap();
        assert_eq!(tensorswitch_mlx::evaluations(), before + 1);
        assert!((v[0] - (-2.0f32).exp()).abs() < 1e-6);

        let x = Tensor::from_slice(&[0.25f64, -1.5, f64::NAN, 3.75], &[2, 2]).unwrap();
        let before = tensorswitch_mlx::evaluations();
        let y = ts::add(&ts::sin(&x).unwrap(), &ts::cos(&x).unwrap()).unwrap();
        let y = ts::sign(&ts::exp(&y).unwrap()).unwrap();
        let i = ts::astype(&ts::multiply(&y, &x).unwrap(), DType::Int32).unwrap();
        let z = ts::matmul(&i, &i).unwrap();
        assert_eq!(
            tensorswitch_mlx::evaluations(),
            before,
            "no fixed-up op evaluates"
        );
        // y = [1, 1, NaN, 1] → i = [[0, -1], [0, 3]] (0.25 truncates to 0, NaN becomes 0)
        assert_eq!(z.to_vec::<i32>().unwrap(), vec![0, -3, 0, 9]);
        assert_eq!(tensorswitch_mlx::evaluations(), before + 1);
    });
}

// ---------------------------------------------------------------------------------------------
// zero-size inputs: MLX 0.32's CPU sort, scan (cumsum) and inverse kernels divide by a size and
// kill the process with SIGFPE; its arg-reductions refuse any zero-size input

/// Every op with a zero-size operand, over several shapes and dtypes: each returns a tensor it
/// can read back or a tensorswitch error about the arguments (never `Backend`), and nothing
/// kills the process (MLX's kernels divide by sizes; a SIGFPE would end this test binary).
#[test]
fn zero_size_inputs_never_crash_or_fail_in_mlx() {
    type Op = (&'static str, fn(&Tensor, isize) -> ts::Result<Tensor>);
    let ops: &[Op] = &[
        ("sort", |x, a| ts::sort(x, a)),
        ("sort desc", |x, a| {
            ts::sort(x, tensorswitch::Sorting::along(a).descending(true))
        }),
        ("argsort", |x, a| ts::argsort(x, a)),
        ("argsort desc", |x, a| {
            ts::argsort(x, tensorswitch::Sorting::along(a).descending(true))
        }),
        ("cumulative_sum", |x, a| ts::cumulative_sum(x, Some(a))),
        ("cumulative_sum initial", |x, a| {
            ts::cumulative_sum(
                x,
                tensorswitch::CumulativeSum::along(Some(a)).include_initial(true),
            )
        }),
        ("argmax", |x, a| ts::argmax(x, Some(a))),
        ("argmin", |x, a| {
            ts::argmin(x, tensorswitch::Reduction::over(Some(a)).keepdims(true))
        }),
        ("sum", |x, a| ts::sum(x, [a])),
        ("prod", |x, _| ts::prod(x, None)),
        ("max", |x, a| {
            ts::max(x, tensorswitch::Reduction::over([a]).keepdims(true))
        }),
        ("min", |x, a| ts::min(x, [a])),
        ("mean", |x, a| ts::mean(x, [a])),
        ("var", |x, _| {
            ts::var(x, tensorswitch::Statistic::over(None).correction(1.0))
        }),
        ("softmax", |x, a| ts::softmax(x, a)),
        ("flip", |x, a| ts::flip(x, [a])),
        ("concat", |x, a| {
            ts::concat(&[x.clone(), x.clone()], Some(a))
        }),
        ("inv", |x, _| ts::linalg::inv(x)),
        ("det", |x, _| ts::linalg::det(x)),
        ("matmul", |x, _| ts::matmul(x, &ts::matrix_transpose(x)?)),
        ("matmul transposed", |x, _| {
            ts::matmul(&ts::matrix_transpose(x)?, x)
        }),
        ("exp", |x, _| ts::exp(x)),
        ("sin", |x, _| ts::sin(x)),
        ("cos", |x, _| ts::cos(x)),
        ("sign", |x, _| ts::sign(x)),
        ("trunc", |x, _| ts::trunc(x)),
        ("positive", |x, _| ts::positive(x)),
        ("isnan", |x, _| ts::isnan(x)),
        ("isinf", |x, _| ts::isinf(x)),
        ("isfinite", |x, _| ts::isfinite(x)),
        ("signbit", |x, _| ts::signbit(x)),
        ("bitwise_left_shift", |x, _| ts::bitwise_left_shift(x, x)),
        ("bitwise_right_shift", |x, _| ts::bitwise_right_shift(x, x)),
        ("floor_divide", |x, _| ts::floor_divide(x, x)),
        ("remainder", |x, _| ts::remainder(x, x)),
        ("copysign", |x, _| ts::copysign(x, x)),
        ("roll", |x, a| ts::roll(x, [1, -2], [a, 0])),
        ("tile", |x, _| ts::tile(x, &[2, 1, 3])),
        ("repeat", |x, a| ts::repeat(x, 2usize, a)),
        ("repeat with counts", |x, a| {
            let n = x.shape()[a as usize];
            ts::repeat(x, &ts::full(&[n], 3, DType::Int64)?, a)
        }),
        ("all", |x, a| ts::all(x, [a])),
        ("all of everything", |x, _| ts::all(x, None)),
        ("any", |x, a| {
            ts::any(x, tensorswitch::Reduction::over([a]).keepdims(true))
        }),
        ("pow", |x, _| ts::pow(x, x)),
        ("astype int8", |x, _| ts::astype(x, DType::Int8)),
        ("astype uint64", |x, _| ts::astype(x, DType::UInt64)),
        ("take", |x, a| {
            ts::take(x, &Tensor::from_slice::<i64>(&[], &[0])?, a)
        }),
        ("take_along_axis", |x, a| {
            ts::take_along_axis(x, &ts::zeros_like(x, DType::Int64)?, a)
        }),
        ("strided_slice reversed", |x, _| {
            ts::strided_slice(x, [tensorswitch::SliceSpec::new(None, None, -1)])
        }),
        ("argwhere", |x, _| ts::argwhere(x)),
        ("searchsorted", |x, _| {
            ts::searchsorted(&ts::reshape(x, [-1])?, x, tensorswitch::Side::Right)
        }),
        ("put_add", |x, _| {
            ts::put_add(
                x,
                &Tensor::from_slice::<i64>(&[], &[0])?,
                &ts::ones(&[], x.dtype())?,
            )
        }),
        ("unique_values", |x, _| ts::unique_values(x)),
        ("unique_all inverse", |x, _| {
            Ok(ts::unique_all(x)?.inverse_indices)
        }),
        ("index by a mask", |x, _| {
            x.index(tensorswitch::s![&ts::astype(x, DType::Bool)?])
        }),
    ];
    let shapes: &[&[usize]] = &[&[0], &[3, 0], &[0, 3], &[0, 0], &[2, 0, 3], &[0, 2, 2]];
    let dtypes = [
        DType::Float32,
        DType::Float64,
        DType::Int32,
        DType::UInt8,
        DType::Bool,
        DType::Float16,
    ];
    on_mlx(|| {
        for &shape in shapes {
            for dtype in dtypes {
                let x = ts::zeros(shape, dtype).unwrap();
                for (name, op) in ops {
                    for axis in 0..shape.len() as isize {
                        let what = format!("{name} of a {dtype} {shape:?} along {axis}");
                        match op(&x, axis) {
                            Ok(y) => {
                                let y = ts::astype(&y, DType::Float64).unwrap();
                                let n: usize = y.shape().iter().product();
                                let v = y.to_vec::<f64>().unwrap_or_else(|e| panic!("{what}: {e}"));
                                assert_eq!(v.len(), n, "{what}");
                            }
                            Err(e @ Error::Backend { .. }) => panic!("{what}: {e}"),
                            Err(_) => {} // bool arithmetic, non-square matrices, …
                        }
                    }
                }
            }
        }
    });
}

/// MLX 0.32's CPU reduction never returns when it reduces a zero-size axis of some layouts
/// whose result has elements (found by the robustness campaign: an integer `matmul` with an
/// empty inner dimension, which the backend computes as a sum). The empty sum is 0, the empty
/// product 1, and the product of (…, m, 0) and (0, n) matrices is zeros.
#[test]
fn reductions_over_an_empty_axis_give_the_identity() {
    on_mlx(|| {
        for dtype in [DType::UInt64, DType::Int64, DType::Float32] {
            let x = ts::zeros(&[1, 1, 3, 0, 1], dtype).unwrap();
            let s = ts::sum(&x, [3]).unwrap();
            assert_eq!(s.shape(), [1, 1, 3, 1]);
            let s = ts::astype(&s, DType::Float64).unwrap();
            assert_eq!(s.to_vec::<f64>().unwrap(), vec![0.0; 3], "sum of {dtype}");
            let p = ts::prod(&x, tensorswitch::Reduction::over([3]).keepdims(true)).unwrap();
            assert_eq!(p.shape(), [1, 1, 3, 1, 1]);
            let p = ts::astype(&p, DType::Float64).unwrap();
            assert_eq!(p.to_vec::<f64>().unwrap(), vec![1.0; 3], "prod of {dtype}");
        }
        let a = ts::zeros(&[2, 1, 3, 0], DType::UInt32).unwrap();
        let b = ts::zeros(&[4, 0, 2], DType::Int32).unwrap();
        let c = ts::matmul(&a, &b).unwrap();
        assert_eq!((c.shape(), c.dtype()), (&[2, 4, 3, 2][..], DType::Int64));
        assert_eq!(c.to_vec::<i64>().unwrap(), vec![0; 48]);
        let v = ts::matmul(&a, &ts::zeros(&[0], DType::UInt64).unwrap()).unwrap();
        assert_eq!(v.shape(), [2, 1, 3]);
        assert_eq!(v.to_vec::<u64>().unwrap(), vec![0; 6]);
    });
}

/// The arg-reductions of a 0-d tensor are the index 0 (a 0-d int64), with or without
/// `keepdims` (MLX's own whole-array form fails on 0-d arrays with `keepdims`).
#[test]
fn arg_reductions_of_a_0d_tensor_are_index_0() {
    on_mlx(|| {
        for dtype in [DType::Float32, DType::Int16, DType::Bool] {
            let x = ts::astype(&ts::full(&[], 3.0, DType::Float32).unwrap(), dtype).unwrap();
            for keepdims in [false, true] {
                for r in [
                    ts::argmax(&x, tensorswitch::Reduction::over(None).keepdims(keepdims)).unwrap(),
                    ts::argmin(&x, tensorswitch::Reduction::over(None).keepdims(keepdims)).unwrap(),
                ] {
                    assert_eq!((r.shape(), r.dtype()), (&[][..], DType::Int64));
                    assert_eq!(r.to_vec::<i64>().unwrap(), vec![0], "{dtype} {keepdims}");
                }
            }
        }
    });
}

#[test]
fn sorting_zero_size_tensors_returns_them_empty() {
    on_mlx(|| {
        for shape in [&[0usize][..], &[3, 0], &[0, 3], &[2, 0, 4]] {
            for dtype in [DType::Float32, DType::Int32, DType::UInt8, DType::Bool] {
                let x = ts::zeros(shape, dtype).unwrap();
                for axis in 0..shape.len() as isize {
                    for descending in [false, true] {
                        let s = ts::sort(
                            &x,
                            tensorswitch::Sorting::along(axis).descending(descending),
                        )
                        .unwrap();
                        assert_eq!((s.shape(), s.dtype()), (shape, dtype));
                        assert_eq!(s.to_host().unwrap().len(), 0);
                        let i = ts::argsort(
                            &x,
                            tensorswitch::Sorting::along(axis).descending(descending),
                        )
                        .unwrap();
                        assert_eq!((i.shape(), i.dtype()), (shape, DType::Int64));
                        assert_eq!(i.to_vec::<i64>().unwrap(), Vec::<i64>::new());
                    }
                }
            }
        }
    });
}

#[test]
fn cumulative_sums_of_zero_size_tensors_are_empty() {
    on_mlx(|| {
        let x = ts::zeros(&[3, 0], DType::Int16).unwrap();
        for axis in [0isize, 1, -1] {
            let c = ts::cumulative_sum(&x, Some(axis)).unwrap();
            assert_eq!((c.shape(), c.dtype()), (&[3usize, 0][..], DType::Int64));
            assert_eq!(c.to_vec::<i64>().unwrap(), Vec::<i64>::new());
        }
        // with the leading zero: one longer along the axis, all zeros
        let c = ts::cumulative_sum(
            &x,
            tensorswitch::CumulativeSum::along(Some(0)).include_initial(true),
        )
        .unwrap();
        assert_eq!(c.shape(), &[4, 0]);
        let c = ts::cumulative_sum(
            &x,
            tensorswitch::CumulativeSum::along(Some(1)).include_initial(true),
        )
        .unwrap();
        assert_eq!(
            (c.shape(), c.to_vec::<i64>().unwrap()),
            (&[3usize, 1][..], vec![0; 3])
        );
    });
}

#[test]
fn inverses_and_determinants_of_empty_matrices() {
    on_mlx(|| {
        for shape in [&[0usize, 0][..], &[2, 0, 0], &[0, 3, 3]] {
            let x = ts::zeros(shape, DType::Float32).unwrap();
            let inv = ts::linalg::inv(&x).unwrap();
            assert_eq!((inv.shape(), inv.to_vec::<f32>().unwrap()), (shape, vec![]));
        }
        // the determinant of a 0×0 matrix is the empty product, 1
        let det = ts::linalg::det(&ts::zeros(&[2, 0, 0], DType::Float64).unwrap()).unwrap();
        assert_eq!((det.shape(), f64s(&det)), (&[2usize][..], vec![1.0, 1.0]));
        let det = ts::linalg::det(&ts::zeros(&[0, 3, 3], DType::Float32).unwrap()).unwrap();
        assert_eq!((det.shape(), det.dtype()), (&[0usize][..], DType::Float32));
        assert_eq!(det.to_vec::<f32>().unwrap(), Vec::<f32>::new());
    });
}

#[test]
fn arg_reductions_over_a_non_empty_axis_of_an_empty_tensor() {
    on_mlx(|| {
        let x = ts::zeros(&[0, 3], DType::Float32).unwrap();
        let i = ts::argmax(&x, Some(1)).unwrap();
        assert_eq!((i.shape(), i.dtype()), (&[0usize][..], DType::Int64));
        assert!(i.to_vec::<i64>().unwrap().is_empty());
        let i = ts::argmin(&x, tensorswitch::Reduction::over(Some(-1)).keepdims(true)).unwrap();
        assert_eq!(i.shape(), &[0, 1]);
        assert!(i.to_vec::<i64>().unwrap().is_empty());
        // over the empty axis there is no answer (the core says so, before the backend)
        let e = ts::argmax(&x, Some(0)).unwrap_err();
        assert!(
            matches!(e, Error::InvalidArgument { op: "argmax", .. }),
            "{e:?}"
        );
    });
}

// ---------------------------------------------------------------------------------------------
// accuracy

/// Relative distance, NaN-aware (two NaNs or two equal values are 0 apart).
fn rel(got: f64, want: f64) -> f64 {
    if got == want || (got.is_nan() && want.is_nan()) {
        0.0
    } else {
        ((got - want) / want).abs()
    }
}

/// MLX's CPU kernels compute exp/sin/cos through float32 polynomials for every dtype; float64
/// goes another way here. The reference is the C library behind Rust's `f64` methods.
#[test]
fn float64_exp_sin_cos_have_float64_accuracy() {
    let xs = [
        0.5,
        -3.7,
        20.0,
        88.9, // beyond float32's exp range
        -700.25,
        709.7,
        -744.0, // subnormal result
        1.0e5,
        -2.5e9,
        1.0e22,
        std::f64::consts::FRAC_PI_2, // cos is 6.1e-17 here, sin 1
        std::f64::consts::PI,        // sin is 1.2e-16 here
        3.0 * std::f64::consts::FRAC_PI_2,
        1.0e-300,
    ];
    on_mlx(|| {
        let x = Tensor::from_slice(&xs, &[xs.len()]).unwrap();
        type Pair = (fn(&Tensor) -> ts::Result<Tensor>, fn(f64) -> f64);
        let ops: [(&str, Pair); 3] = [
            ("exp", (ts::exp, f64::exp)),
            ("sin", (ts::sin, f64::sin)),
            ("cos", (ts::cos, f64::cos)),
        ];
        for (name, (op, reference)) in ops {
            let got = f64s(&op(&x).unwrap());
            for (&x, &g) in xs.iter().zip(&got) {
                let want = reference(x);
                // 1e-15 is 4.5 units in the last place; the subnormal exp(-744) has fewer
                // significant bits, so it is compared absolutely.
                let ok =
                    rel(g, want) <= 1e-15 || (want.abs() < 1e-300 && (g - want).abs() < 1e-320);
                assert!(ok, "{name}({x:e}) = {g:e}, want {want:e}");
            }
        }
    });
}

#[test]
fn float64_exp_sin_cos_special_values() {
    let inf = f64::INFINITY;
    on_mlx(|| {
        let x = Tensor::from_slice(&[0.0, -0.0, inf, -inf, f64::NAN, 710.0, -746.0], &[7]).unwrap();
        let exp = f64s(&ts::exp(&x).unwrap());
        assert_eq!(&exp[..4], &[1.0, 1.0, inf, 0.0]);
        assert!(exp[4].is_nan());
        assert_eq!(&exp[5..], &[inf, 0.0], "overflow and underflow");
        let sin = f64s(&ts::sin(&x).unwrap());
        assert_eq!(sin[0].to_bits(), 0.0f64.to_bits());
        assert_eq!(sin[1].to_bits(), (-0.0f64).to_bits(), "sin(-0) is -0");
        assert!(sin[2..5].iter().all(|v| v.is_nan()), "{sin:?}");
        let cos = f64s(&ts::cos(&x).unwrap());
        assert_eq!(&cos[..2], &[1.0, 1.0]);
        assert!(cos[2..5].iter().all(|v| v.is_nan()), "{cos:?}");
    });
}

/// MLX's float32 (and bfloat16) `exp` overflows to infinity for every input above 88.0,
/// although `exp(x)` stays below `f32::MAX` up to 88.72.
#[test]
fn float32_exp_is_finite_up_to_the_float32_limit() {
    let xs = [
        87.9f32,
        88.0,
        88.3,
        88.7,
        88.73,
        100.0,
        f32::INFINITY,
        f32::NAN,
    ];
    on_mlx(|| {
        let x = Tensor::from_slice(&xs, &[xs.len()]).unwrap();
        let got = ts::exp(&x).unwrap().to_vec::<f32>().unwrap();
        for (&x, &g) in xs[..4].iter().zip(&got) {
            let want = x.exp();
            assert!(
                g.is_finite() && rel(g.into(), want.into()) < 1e-5,
                "exp({x}) = {g}, want {want}"
            );
        }
        assert_eq!(&got[4..7], &[f32::INFINITY; 3]);
        assert!(got[7].is_nan());
        // bfloat16 has float32's range, and the same fix-up
        let b = ts::astype(&x, DType::BFloat16).unwrap();
        let got = as_f32s(&ts::exp(&b).unwrap());
        // 88.5 in bfloat16 is 88.5; exp(88.5) = 2.7332e38, bfloat16 keeps 3 significant digits
        let i = 2; // 88.3 rounds to 88.5 in bfloat16
        assert!(
            got[i].is_finite() && rel(got[i].into(), 88.5f64.exp()) < 1e-2,
            "{got:?}"
        );
    });
}

// ---------------------------------------------------------------------------------------------
// float-to-integer astype: truncates towards zero, saturates, NaN becomes 0 (Rust `as`)

#[test]
fn float_to_int_saturates_from_every_float_dtype() {
    let nan = f32::NAN;
    let inf = f32::INFINITY;
    on_mlx(|| {
        let x = Tensor::from_slice(&[300.0f32, -300.0, nan, 2.9, -2.9, inf, -inf], &[7]).unwrap();
        let want_i8: Vec<i8> = vec![127, -128, 0, 2, -2, 127, -128];
        for half in [
            DType::Float16,
            DType::BFloat16,
            DType::Float32,
            DType::Float64,
        ] {
            let h = ts::astype(&x, half).unwrap();
            let i = ts::astype(&h, DType::Int8).unwrap();
            assert_eq!(i.to_vec::<i8>().unwrap(), want_i8, "from {half}");
            let u = ts::astype(&h, DType::UInt8).unwrap();
            assert_eq!(
                u.to_vec::<u8>().unwrap(),
                vec![255, 0, 0, 2, 0, 255, 0],
                "from {half}"
            );
        }

        let x = Tensor::from_slice(&[-1.0f32, 1.0e20, 3.9, nan, inf], &[5]).unwrap();
        let u = ts::astype(&x, DType::UInt64).unwrap();
        assert_eq!(
            u.to_vec::<u64>().unwrap(),
            vec![0, u64::MAX, 3, 0, u64::MAX]
        );

        let x = Tensor::from_slice(&[9.3e18f32, -9.3e18, inf, -inf, -9.0e15], &[5]).unwrap();
        let i = ts::astype(&x, DType::Int64).unwrap();
        // -9.0e15 as float32 is -8999999815811072 (float32 keeps 24 bits)
        let want = vec![
            i64::MAX,
            i64::MIN,
            i64::MAX,
            i64::MIN,
            -8_999_999_815_811_072,
        ];
        assert_eq!(i.to_vec::<i64>().unwrap(), want);

        // 2^32 saturates; 4294967040 (the largest float32 below 2^32) converts exactly
        let x = Tensor::from_slice(&[4_294_967_296.0f32, 4_294_967_040.0], &[2]).unwrap();
        let u = ts::astype(&x, DType::UInt32).unwrap();
        assert_eq!(u.to_vec::<u32>().unwrap(), vec![u32::MAX, 4_294_967_040]);

        let x = Tensor::from_slice(
            &[2_147_483_647.9f64, 2_147_483_648.0, -2_147_483_648.9],
            &[3],
        )
        .unwrap();
        let i = ts::astype(&x, DType::Int32).unwrap();
        assert_eq!(
            i.to_vec::<i32>().unwrap(),
            vec![i32::MAX, i32::MAX, i32::MIN]
        );
    });
}

// ---------------------------------------------------------------------------------------------
// integer matmul (MLX's matmul takes floating-point dtypes only)

#[test]
fn integer_matmul_wraps_like_other_integer_arithmetic() {
    on_mlx(|| {
        // [100 100] · [2 1]ᵀ = 300, which wraps to 300 - 256 = 44 in int8
        let a = Tensor::from_slice(&[100i8, 100], &[1, 2]).unwrap();
        let b = Tensor::from_slice(&[2i8, 1], &[2, 1]).unwrap();
        assert_eq!(
            ts::matmul(&a, &b).unwrap().to_vec::<i8>().unwrap(),
            vec![44]
        );

        // uint8: 200·2 + 100·1 = 500 → 500 - 256 = 244
        let a = Tensor::from_slice(&[200u8, 100], &[1, 2]).unwrap();
        let b = Tensor::from_slice(&[2u8, 1], &[2, 1]).unwrap();
        assert_eq!(
            ts::matmul(&a, &b).unwrap().to_vec::<u8>().unwrap(),
            vec![244]
        );

        // int64 beyond float64's 53 bits stays exact: (2^53 + 1)·1 + 1·2 = 2^53 + 3
        let big = (1i64 << 53) + 1;
        let a = Tensor::from_slice(&[big, 1], &[1, 2]).unwrap();
        let b = Tensor::from_slice(&[1i64, 2], &[2, 1]).unwrap();
        let p = ts::matmul(&a, &b).unwrap();
        assert_eq!(p.to_vec::<i64>().unwrap(), vec![(1i64 << 53) + 3]);

        // batch dimensions broadcast: (2, 1, 2, 2) @ (3, 2, 1) → (2, 3, 2, 1)
        let a = Tensor::from_slice(&[1i32, 2, 3, 4, 5, 6, 7, 8], &[2, 1, 2, 2]).unwrap();
        let b = Tensor::from_slice(&[1i32, 0, 0, 1, 1, 1], &[3, 2, 1]).unwrap();
        let p = ts::matmul(&a, &b).unwrap();
        assert_eq!(p.shape(), &[2, 3, 2, 1]);
        let want = vec![1, 3, 2, 4, 3, 7, 5, 7, 6, 8, 11, 15];
        assert_eq!(p.to_vec::<i32>().unwrap(), want);

        // an empty inner dimension gives zeros
        let a = ts::zeros(&[2, 0], DType::Int32).unwrap();
        let b = ts::zeros(&[0, 3], DType::Int32).unwrap();
        let p = ts::matmul(&a, &b).unwrap();
        assert_eq!(
            (p.shape(), p.to_vec::<i32>().unwrap()),
            (&[2usize, 3][..], vec![0; 6])
        );
    });
}

// ---------------------------------------------------------------------------------------------
// errors

#[test]
fn negative_integer_powers_are_refused() {
    on_mlx(|| {
        let base = Tensor::from_slice(&[2i32, 3], &[2]).unwrap();
        let exponent = Tensor::from_slice(&[3i32, -1], &[2]).unwrap();
        let e = ts::pow(&base, &exponent).unwrap_err();
        match e {
            Error::InvalidArgument { op: "pow", reason } => {
                assert!(reason.contains("negative"), "{reason}")
            }
            e => panic!("expected InvalidArgument, got {e:?}"),
        }
        // non-negative exponents work, and wrap like multiplication: 3^5 = 243 → -13 in int8
        let b = Tensor::from_slice(&[2i8, 3, -2], &[3]).unwrap();
        let p = Tensor::from_slice(&[3i8, 5, 0], &[3]).unwrap();
        assert_eq!(
            ts::pow(&b, &p).unwrap().to_vec::<i8>().unwrap(),
            vec![8, -13, 1]
        );
        // float bases with negative exponents are fine
        let f = Tensor::from_slice(&[2.0f32], &[1]).unwrap();
        let n = Tensor::from_slice(&[-1.0f32], &[1]).unwrap();
        assert_eq!(ts::pow(&f, &n).unwrap().to_vec::<f32>().unwrap(), vec![0.5]);
    });
}

/// Telling a negative exponent needs its values, so a signed integer exponent is evaluated (once);
/// unsigned exponents cannot be negative and nothing is evaluated.
#[test]
fn only_signed_integer_powers_evaluate_the_exponent() {
    on_mlx(|| {
        let b = Tensor::from_slice(&[2u8, 3], &[2]).unwrap();
        let before = tensorswitch_mlx::evaluations();
        let p = ts::pow(&b, &b).unwrap();
        assert_eq!(tensorswitch_mlx::evaluations(), before);
        assert_eq!(p.to_vec::<u8>().unwrap(), vec![4, 27]);

        let b = Tensor::from_slice(&[2i64, 3], &[2]).unwrap();
        let before = tensorswitch_mlx::evaluations();
        let p = ts::pow(&b, &b).unwrap();
        assert_eq!(tensorswitch_mlx::evaluations(), before + 1);
        assert_eq!(p.to_vec::<i64>().unwrap(), vec![4, 27]);
    });
}

/// MLX finds a singular matrix only when it evaluates the inverse, so `linalg.inv` evaluates at
/// the call: the error is `InvalidArgument` of `linalg.inv`, as on the eager backends, and
/// the input stays usable.
#[test]
fn a_singular_matrix_is_an_error_of_the_inverse() {
    on_mlx(|| {
        let s = Tensor::from_slice(&[1.0f32, 2.0, 2.0, 4.0], &[2, 2]).unwrap();
        let s2 = ts::add(&s, &s).unwrap(); // an unevaluated input
        let e = ts::linalg::inv(&s2).unwrap_err();
        assert!(
            matches!(
                e,
                Error::InvalidArgument {
                    op: "linalg.inv",
                    ..
                }
            ),
            "{e:?}"
        );
        assert_eq!(s2.to_vec::<f32>().unwrap(), vec![2.0, 4.0, 4.0, 8.0]);
        let y = ts::matmul(&s2, &s).unwrap();
        assert_eq!(y.to_vec::<f32>().unwrap(), vec![10.0, 20.0, 20.0, 40.0]);
        // float64, and one singular matrix in a stack
        let stack =
            Tensor::from_slice(&[2.0f64, 0.0, 0.0, 2.0, 1.0, 1.0, 1.0, 1.0], &[2, 2, 2]).unwrap();
        let e = ts::linalg::inv(&stack).unwrap_err();
        assert!(
            matches!(
                e,
                Error::InvalidArgument {
                    op: "linalg.inv",
                    ..
                }
            ),
            "{e:?}"
        );
        // an invertible one still works: [[2, 0], [0, 2]]⁻¹ = [[0.5, 0], [0, 0.5]]
        let two = Tensor::from_slice(&[2.0f64, 0.0, 0.0, 2.0], &[2, 2]).unwrap();
        assert_eq!(
            f64s(&ts::linalg::inv(&two).unwrap()),
            vec![0.5, 0.0, 0.0, 0.5]
        );
    });
}

/// MLX leaves the arrays of a failed evaluation marked as evaluated, with whatever the kernel
/// wrote; a tensor whose evaluation failed keeps failing instead of handing that out. (Built
/// here with mlx-rs directly: the primaries leave no value-dependent failure to `to_host`.)
#[test]
fn a_tensor_whose_evaluation_failed_keeps_failing() {
    on_mlx(|| {
        let s = mlx_rs::Array::from_slice(&[1.0f32, 2.0, 2.0, 4.0], &[2, 2]);
        let inv = mlx_rs::linalg::inv(&s).unwrap();
        let t = tensorswitch_mlx::from_mlx(inv).unwrap();
        let first = t.to_host().unwrap_err();
        assert!(
            matches!(
                first,
                Error::InvalidArgument {
                    op: "linalg.inv",
                    ..
                }
            ),
            "{first:?}"
        );
        assert_eq!(t.to_host().unwrap_err(), first, "reading it again");
        let one = ts::ones(&[2, 2], DType::Float32).unwrap();
        assert_eq!(ts::add(&t, &one).unwrap_err(), first, "using it in an op");
    });
}

// ---------------------------------------------------------------------------------------------
// other dtypes and semantics

/// MLX's LAPACK ops take float32 and float64 only; float16 and bfloat16 run in float32.
#[test]
fn half_precision_inverse_and_determinant() {
    on_mlx(|| {
        let x = Tensor::from_slice(&[4.0f32, 7.0, 2.0, 6.0], &[2, 2]).unwrap();
        for half in [DType::Float16, DType::BFloat16] {
            let h = ts::astype(&x, half).unwrap();
            let inv = ts::linalg::inv(&h).unwrap();
            assert_eq!(inv.dtype(), half);
            // det = 4·6 - 7·2 = 10; inverse = [[6, -7], [-2, 4]] / 10
            let want = [0.6f32, -0.7, -0.2, 0.4];
            for (g, w) in as_f32s(&inv).iter().zip(want) {
                assert!((g - w).abs() < 4e-3, "{half}: {g} vs {w}");
            }
            let det = ts::linalg::det(&h).unwrap();
            assert_eq!((det.dtype(), as_f32s(&det)), (half, vec![10.0]));
        }
    });
}

/// NaN counts as the extreme in argmax/argmin: the first NaN wins, over the flattened tensor
/// with keepdims too.
#[test]
fn arg_reductions_take_the_first_nan() {
    on_mlx(|| {
        let x = Tensor::from_slice(&[1.0f32, 9.0, f32::NAN, f32::NAN], &[2, 2]).unwrap();
        let i = ts::argmax(&x, tensorswitch::Reduction::over(None).keepdims(true)).unwrap();
        assert_eq!(
            (i.shape(), i.to_vec::<i64>().unwrap()),
            (&[1usize, 1][..], vec![2])
        );
        let i = ts::argmin(&x, tensorswitch::Reduction::over(Some(0)).keepdims(true)).unwrap();
        assert_eq!(
            (i.shape(), i.to_vec::<i64>().unwrap()),
            (&[1usize, 2][..], vec![1, 1])
        );
        // without NaN, MLX's own answer (the first extreme)
        let x = Tensor::from_slice(&[3i32, 7, 7, 1], &[4]).unwrap();
        assert_eq!(
            ts::argmax(&x, None).unwrap().to_vec::<i64>().unwrap(),
            vec![1]
        );
    });
}

/// float16 and bfloat16 have no host element type, and the catalogue's `full` and `arange`
/// fallbacks build host data: the mlx backend has primaries for both, so they and the
/// fallbacks built on them (`zeros`, `linspace`, `mean`, `tril`, scalar `clip`) work for those
/// dtypes too.
#[test]
fn half_precision_creation_and_the_fallbacks_built_on_it() {
    on_mlx(|| {
        for half in [DType::Float16, DType::BFloat16] {
            let f = ts::full(&[2, 2], 1.5, half).unwrap();
            assert_eq!((f.dtype(), as_f32s(&f)), (half, vec![1.5; 4]));
            assert_eq!(as_f32s(&ts::zeros(&[3], half).unwrap()), vec![0.0; 3]);
            assert_eq!(
                as_f32s(&ts::ones(&[0, 2], half).unwrap()),
                Vec::<f32>::new()
            );
            let r = ts::arange(0.0, 2.0, 0.5, half).unwrap();
            assert_eq!((r.dtype(), as_f32s(&r)), (half, vec![0.0, 0.5, 1.0, 1.5]));
            let l = ts::linspace(0.0, 1.0, 5, true, half).unwrap();
            assert_eq!(as_f32s(&l), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
            let x = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0], &[2, 2]).unwrap();
            let x = ts::astype(&x, half).unwrap();
            assert_eq!(as_f32s(&ts::mean(&x, None).unwrap()), vec![2.5]);
            assert_eq!(as_f32s(&ts::tril(&x, 0).unwrap()), vec![1.0, 0.0, 3.0, 4.0]);
            let c = ts::clip(&x, 1.5, 3.0).unwrap();
            assert_eq!(as_f32s(&c), vec![1.5, 2.0, 3.0, 3.0]);
        }
        // dtypes with a host type convert as the fallback does (Rust `as`)
        let f = ts::full(&[2], 2.7, DType::Int32).unwrap();
        assert_eq!(f.to_vec::<i32>().unwrap(), vec![2, 2]);
        let f = ts::full(&[1], f64::NAN, DType::UInt8).unwrap();
        assert_eq!(f.to_vec::<u8>().unwrap(), vec![0]);
        let r = ts::arange(-1.0, 1.0, 0.5, DType::Int8).unwrap();
        assert_eq!(r.to_vec::<i8>().unwrap(), vec![-1, 0, 0, 0]);
    });
}

/// `tensorswitch::evaluate` computes an mlx tensor at the call (one evaluation, no copy), and
/// is a no-op that succeeds on an eager backend.
#[test]
fn evaluate_computes_at_the_call() {
    on_mlx(|| {
        let x = Tensor::from_slice(&[1.0f32, -2.0, 4.0], &[3]).unwrap();
        let y = ts::multiply(&ts::add(&x, &x).unwrap(), &x).unwrap();
        let before = tensorswitch_mlx::evaluations();
        ts::evaluate(&y).unwrap();
        assert_eq!(tensorswitch_mlx::evaluations(), before + 1);
        // (x + x) * x = 2x²: 2, 8, 32.
        assert_eq!(y.to_vec::<f32>().unwrap(), vec![2.0, 8.0, 32.0]);

        let on_ndarray = ts::with_backend("ndarray", || Tensor::from_slice(&[1u8, 2], &[2]))
            .unwrap()
            .unwrap();
        let before = tensorswitch_mlx::evaluations();
        ts::evaluate(&on_ndarray).unwrap();
        assert_eq!(tensorswitch_mlx::evaluations(), before, "ndarray is eager");
        assert_eq!(on_ndarray.to_vec::<u8>().unwrap(), vec![1, 2]);
    });
}

/// A count beyond MLX's i32 sizes is fine when the axis is empty: the result is empty, as on
/// ndarray (found by the robustness campaign).
#[test]
fn repeat_of_an_empty_axis_by_a_huge_count_is_empty() {
    let big = (i32::MAX as usize) * 2 + 2;
    for backend in ["mlx", "ndarray"] {
        let r = ts::with_backend(backend, || {
            let x = ts::zeros(&[1, 0], DType::Float32)?;
            ts::repeat(&x, big, -1)
        })
        .unwrap()
        .unwrap();
        assert_eq!(
            (r.shape(), r.dtype()),
            (&[1usize, 0][..], DType::Float32),
            "{backend}"
        );
    }
}
