//! The MLX primaries of `trunc`, `positive`, `isnan`, `isinf`, `isfinite`, `signbit`, `all` and `any`,
//! against hand-derived results, beyond the checks every backend runs (conformance/src/checks/; they also check that these ops are MLX primaries): special values, float64 beyond float32's range, integers,
//! reductions over no, one and zero-size axes.

use tensorswitch::{self as ts, DType, Reduction, Tensor};
use tensorswitch_mlx as _; // registers "mlx"

fn on_mlx<R>(f: impl FnOnce() -> R) -> R {
    ts::with_backend("mlx", f).expect("the mlx backend is available")
}

fn bools(t: &Tensor) -> Vec<bool> {
    assert_eq!(t.dtype(), DType::Bool);
    t.to_vec::<bool>().expect("bool data")
}

#[test]
fn float32_predicates() {
    on_mlx(|| {
        let x = Tensor::from_slice(
            &[
                f32::NAN,
                f32::INFINITY,
                f32::NEG_INFINITY,
                0.0,
                -1.5,
                f32::MAX,
            ],
            &[2, 3],
        )
        .unwrap();
        let nan = ts::isnan(&x).unwrap();
        assert_eq!(nan.shape(), &[2, 3]);
        assert_eq!(bools(&nan), [true, false, false, false, false, false]);
        assert_eq!(
            bools(&ts::isinf(&x).unwrap()),
            [false, true, true, false, false, false]
        );
        assert_eq!(
            bools(&ts::isfinite(&x).unwrap()),
            [false, false, false, true, true, true]
        );
    });
}

/// MLX computes some float64 ops in float32; 1e300 and f64::MAX would then be infinite.
#[test]
fn float64_predicates_keep_float64_range() {
    on_mlx(|| {
        let x = Tensor::from_slice(
            &[
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                1e300,
                -1e300,
                f64::MAX,
                1e-320, // subnormal in float64, zero in float32
                0.0,
            ],
            &[8],
        )
        .unwrap();
        assert_eq!(
            bools(&ts::isnan(&x).unwrap()),
            [true, false, false, false, false, false, false, false]
        );
        assert_eq!(
            bools(&ts::isinf(&x).unwrap()),
            [false, true, true, false, false, false, false, false]
        );
        assert_eq!(
            bools(&ts::isfinite(&x).unwrap()),
            [false, false, false, true, true, true, true, true]
        );
    });
}

#[test]
fn integer_predicates() {
    on_mlx(|| {
        let x = Tensor::from_slice(&[i32::MIN, -1, 0, 7, i32::MAX], &[5]).unwrap();
        assert_eq!(bools(&ts::isnan(&x).unwrap()), [false; 5]);
        assert_eq!(bools(&ts::isinf(&x).unwrap()), [false; 5]);
        assert_eq!(bools(&ts::isfinite(&x).unwrap()), [true; 5]);
        let x = Tensor::from_slice(&[u8::MAX, 0], &[2]).unwrap();
        assert_eq!(bools(&ts::isfinite(&x).unwrap()), [true; 2]);
    });
}

#[test]
fn trunc_rounds_towards_zero() {
    on_mlx(|| {
        let x = Tensor::from_slice(&[-2.7f32, -0.5, 0.5, 2.7], &[4]).unwrap();
        let t = ts::trunc(&x).unwrap();
        assert_eq!(t.dtype(), DType::Float32);
        let v = t.to_vec::<f32>().unwrap();
        assert_eq!(v, [-2.0, -0.0, 0.0, 2.0]);
        assert!(v[1].is_sign_negative() && v[2].is_sign_positive());
        // float64 beyond float32's precision and range; special values pass through.
        let x = Tensor::from_slice(
            &[
                -2.7f64,
                123_456_789.75,
                -(2f64.powi(52)) - 0.5,
                1e300,
                f64::INFINITY,
                f64::NEG_INFINITY,
            ],
            &[6],
        )
        .unwrap();
        let v = ts::trunc(&x).unwrap().to_vec::<f64>().unwrap();
        assert_eq!(
            v,
            [
                -2.0,
                123_456_789.0,
                -(2f64.powi(52)),
                1e300,
                f64::INFINITY,
                f64::NEG_INFINITY
            ]
        );
        let v = ts::trunc(&Tensor::from_slice(&[f64::NAN], &[1]).unwrap())
            .unwrap()
            .to_vec::<f64>()
            .unwrap();
        assert!(v[0].is_nan());
    });
}

#[test]
fn positive_is_the_identity() {
    on_mlx(|| {
        let x = Tensor::from_slice(&[-3i64, 0, i64::MAX], &[3]).unwrap();
        let p = ts::positive(&x).unwrap();
        assert_eq!(p.dtype(), DType::Int64);
        assert_eq!(p.to_vec::<i64>().unwrap(), [-3, 0, i64::MAX]);
        let x = Tensor::from_slice(&[-0.0f32, f32::NAN, 1.5], &[3]).unwrap();
        let v = ts::positive(&x).unwrap().to_vec::<f32>().unwrap();
        assert!(v[0] == 0.0 && v[0].is_sign_negative() && v[1].is_nan() && v[2] == 1.5);
    });
}

#[test]
fn all_and_any_over_axes() {
    on_mlx(|| {
        // [[true, false, true],
        //  [true, true,  true]]
        let x = Tensor::from_slice(&[true, false, true, true, true, true], &[2, 3]).unwrap();
        let all = ts::all(&x, None).unwrap();
        assert_eq!(all.shape(), &[] as &[usize]);
        assert_eq!(bools(&all), [false]);
        assert_eq!(bools(&ts::any(&x, None).unwrap()), [true]);
        let a = ts::all(&x, 1).unwrap();
        assert_eq!(a.shape(), &[2]);
        assert_eq!(bools(&a), [false, true]);
        let a = ts::all(&x, 0).unwrap();
        assert_eq!(bools(&a), [true, false, true]);
        let a = ts::all(&x, Reduction::over(1).keepdims(true)).unwrap();
        assert_eq!(a.shape(), &[2, 1]);
        assert_eq!(bools(&a), [false, true]);
        let a = ts::any(&x, Reduction::over(None).keepdims(true)).unwrap();
        assert_eq!(a.shape(), &[1, 1]);
        assert_eq!(bools(&a), [true]);
        // No axes: nothing reduced, the values as bool.
        let a = ts::any(&x, Vec::<isize>::new()).unwrap();
        assert_eq!(a.shape(), &[2, 3]);
        assert_eq!(bools(&a), [true, false, true, true, true, true]);

        let z = Tensor::from_slice(&[false, false, true, false], &[2, 2]).unwrap();
        assert_eq!(bools(&ts::any(&z, 1).unwrap()), [false, true]);
        assert_eq!(bools(&ts::all(&z, 0).unwrap()), [false, false]);
    });
}

#[test]
fn all_and_any_of_nothing() {
    on_mlx(|| {
        let x = ts::zeros(&[2, 0], DType::Bool).unwrap();
        let a = ts::all(&x, 1).unwrap();
        assert_eq!(a.shape(), &[2]);
        assert_eq!(bools(&a), [true, true]);
        let a = ts::any(&x, 1).unwrap();
        assert_eq!(a.shape(), &[2]);
        assert_eq!(bools(&a), [false, false]);
        let a = ts::any(&x, Reduction::over(1).keepdims(true)).unwrap();
        assert_eq!(a.shape(), &[2, 1]);
        assert_eq!(bools(&a), [false, false]);
        // Over the non-empty axis the result is empty.
        let a = ts::all(&x, 0).unwrap();
        assert_eq!(a.shape(), &[0]);
        assert_eq!(bools(&a), Vec::<bool>::new());
        assert_eq!(bools(&ts::all(&x, None).unwrap()), [true]);
        assert_eq!(bools(&ts::any(&x, None).unwrap()), [false]);
        // A float zero-size input reaches the primary as bool too.
        let f = ts::zeros(&[0, 3], DType::Float64).unwrap();
        assert_eq!(bools(&ts::all(&f, 0).unwrap()), [true; 3]);
        assert_eq!(bools(&ts::any(&f, 0).unwrap()), [false; 3]);
    });
}

#[test]
fn all_and_any_of_floats_and_integers() {
    on_mlx(|| {
        // NaN is non-zero: true. -0.0 is zero: false.
        let x = Tensor::from_slice(&[f32::NAN, 1.0, f32::NAN, -0.0], &[2, 2]).unwrap();
        assert_eq!(bools(&ts::all(&x, 1).unwrap()), [true, false]);
        assert_eq!(bools(&ts::any(&x, 1).unwrap()), [true, true]);
        let n = Tensor::from_slice(&[f64::NAN, f64::NAN], &[2]).unwrap();
        assert_eq!(bools(&ts::all(&n, None).unwrap()), [true]);
        assert_eq!(bools(&ts::any(&n, None).unwrap()), [true]);
        let i = Tensor::from_slice(&[0i32, 0, 3, -1], &[2, 2]).unwrap();
        assert_eq!(bools(&ts::all(&i, 1).unwrap()), [false, true]);
        assert_eq!(bools(&ts::any(&i, 1).unwrap()), [false, true]);
    });
}

/// `signbit` views floats as integers: the sign of NaN and of zero, which the conformance data
/// cannot hold for NaN (JSON writes every NaN as `"nan"`), in float32 and float64.
#[test]
fn signbit_reads_the_sign_of_nan_and_zero() {
    on_mlx(|| {
        let want = [true, false, true, false, true, true];
        let x = Tensor::from_slice(
            &[-f64::NAN, f64::NAN, -0.0, 0.0, -1e300, f64::NEG_INFINITY],
            &[6],
        )
        .unwrap();
        assert_eq!(bools(&ts::signbit(&x).unwrap()), want);
        let x = Tensor::from_slice(
            &[-f32::NAN, f32::NAN, -0.0, 0.0, -1.0, f32::NEG_INFINITY],
            &[6],
        )
        .unwrap();
        assert_eq!(bools(&ts::signbit(&x).unwrap()), want);
        let i = Tensor::from_slice(&[i64::MIN, -1, 0, 1], &[4]).unwrap();
        assert_eq!(bools(&ts::signbit(&i).unwrap()), [true, true, false, false]);
        let u = Tensor::from_slice(&[0u64, u64::MAX], &[2]).unwrap();
        assert_eq!(bools(&ts::signbit(&u).unwrap()), [false, false]);
    });
}
