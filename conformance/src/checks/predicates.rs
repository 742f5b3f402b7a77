//! Hand-derived checks of trunc, positive, isnan, isinf, isfinite, all and any.
use tensorswitch::{self as ts, Reduction, Result, Source, Tensor};

/// Runs `f` on the backend (this thread only).
fn on_backend(backend: &str, f: impl FnOnce() -> Result<()>) {
    ts::with_backend(backend, f).unwrap().unwrap();
}

fn t<T: ts::Element>(data: &[T], shape: &[usize]) -> Tensor {
    Tensor::from_slice(data, shape).unwrap()
}

/// Bitwise equality, so that -0.0 and 0.0 differ and NaN matches NaN.
fn same_bits(got: &[f64], want: &[f64]) {
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(got), bits(want), "{got:?} vs {want:?}");
}

pub fn the_new_ops_are_primaries(backend: &str) {
    let report = ts::function_table_report(backend).unwrap();
    for name in [
        "trunc", "positive", "isnan", "isinf", "isfinite", "all", "any",
    ] {
        let (_, source) = report
            .rows
            .iter()
            .find(|(op, _)| op.name() == name)
            .unwrap_or_else(|| panic!("{name} is not in the report"));
        assert!(
            matches!(source, Source::Primary { .. }),
            "{name} on {backend}: {source}"
        );
    }
}

pub fn float_predicates(backend: &str) {
    on_backend(backend, || {
        let x64 = t(
            &[
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                0.0,
                -1.5,
                f64::MAX,
            ],
            &[2, 3],
        );
        let x32 = t(
            &[
                f32::NAN,
                f32::INFINITY,
                f32::NEG_INFINITY,
                0.0,
                -1.5,
                f32::MAX,
            ],
            &[2, 3],
        );
        for x in [&x64, &x32] {
            let nan = ts::isnan(x)?;
            assert_eq!(nan.dtype(), ts::DType::Bool);
            assert_eq!(nan.shape(), &[2, 3]);
            assert_eq!(
                nan.to_vec::<bool>()?,
                [true, false, false, false, false, false]
            );
            let inf = ts::isinf(x)?;
            assert_eq!((inf.dtype(), inf.shape()), (ts::DType::Bool, &[2, 3][..]));
            assert_eq!(
                inf.to_vec::<bool>()?,
                [false, true, true, false, false, false]
            );
            let fin = ts::isfinite(x)?;
            assert_eq!((fin.dtype(), fin.shape()), (ts::DType::Bool, &[2, 3][..]));
            assert_eq!(
                fin.to_vec::<bool>()?,
                [false, false, false, true, true, true]
            );
        }
        Ok(())
    });
}

pub fn integer_predicates(backend: &str) {
    on_backend(backend, || {
        let x = t(&[i32::MIN, -1, 0, 1, i32::MAX, 7], &[3, 2]);
        for (r, want) in [
            (ts::isnan(&x)?, false),
            (ts::isinf(&x)?, false),
            (ts::isfinite(&x)?, true),
        ] {
            assert_eq!(r.dtype(), ts::DType::Bool);
            assert_eq!(r.shape(), &[3, 2]);
            assert_eq!(r.to_vec::<bool>()?, [want; 6]);
        }
        Ok(())
    });
}

pub fn trunc_rounds_towards_zero_keeping_the_sign_of_zero(backend: &str) {
    on_backend(backend, || {
        let data = [-2.7, -0.5, 0.5, 2.7, -0.0];
        let want = [-2.0, -0.0, 0.0, 2.0, -0.0];
        same_bits(&ts::trunc(&t(&data, &[5]))?.to_vec::<f64>()?, &want);
        let x32: Vec<f32> = data.iter().map(|&v| v as f32).collect();
        let got = ts::trunc(&t(&x32, &[5]))?;
        assert_eq!(got.dtype(), ts::DType::Float32);
        let got: Vec<f64> = got.to_vec::<f32>()?.iter().map(|&v| v as f64).collect();
        same_bits(&got, &want);
        same_bits(
            &ts::trunc(&t(&[f64::NAN, f64::INFINITY, f64::NEG_INFINITY], &[3]))?.to_vec::<f64>()?,
            &[f64::NAN, f64::INFINITY, f64::NEG_INFINITY],
        );
        Ok(())
    });
}

pub fn positive_is_the_identity(backend: &str) {
    on_backend(backend, || {
        let f = t(&[-1.5, -0.0, f64::NAN, f64::INFINITY], &[2, 2]);
        let p = ts::positive(&f)?;
        assert_eq!((p.dtype(), p.shape()), (ts::DType::Float64, &[2, 2][..]));
        same_bits(&p.to_vec::<f64>()?, &[-1.5, -0.0, f64::NAN, f64::INFINITY]);
        let i = ts::positive(&t(&[i8::MIN, -1, 0, i8::MAX], &[4]))?;
        assert_eq!(i.to_vec::<i8>()?, [i8::MIN, -1, 0, i8::MAX]);
        Ok(())
    });
}

pub fn all_and_any_over_axes(backend: &str) {
    on_backend(backend, || {
        // [[true, false, true],
        //  [true, true,  true]]
        let x = t(&[true, false, true, true, true, true], &[2, 3]);
        let all = ts::all(&x, None)?;
        assert_eq!((all.dtype(), all.shape()), (ts::DType::Bool, &[][..]));
        assert_eq!(all.to_vec::<bool>()?, [false]);
        assert_eq!(ts::any(&x, None)?.to_vec::<bool>()?, [true]);

        let all0 = ts::all(&x, 0)?;
        assert_eq!(all0.shape(), &[3]);
        assert_eq!(all0.to_vec::<bool>()?, [true, false, true]);
        let all1 = ts::all(&x, 1)?;
        assert_eq!(all1.shape(), &[2]);
        assert_eq!(all1.to_vec::<bool>()?, [false, true]);

        let none = t(&[false, false, true, false, false, false], &[2, 3]);
        let any1 = ts::any(&none, 1)?;
        assert_eq!(any1.shape(), &[2]);
        assert_eq!(any1.to_vec::<bool>()?, [true, false]);
        assert_eq!(ts::any(&none, -2)?.to_vec::<bool>()?, [false, false, true]);

        let kept = ts::all(&x, Reduction::over(1).keepdims(true))?;
        assert_eq!(kept.shape(), &[2, 1]);
        assert_eq!(kept.to_vec::<bool>()?, [false, true]);
        let kept_all = ts::any(&none, Reduction::over(None).keepdims(true))?;
        assert_eq!(kept_all.shape(), &[1, 1]);
        assert_eq!(kept_all.to_vec::<bool>()?, [true]);

        // An empty axis list reduces nothing: the input, as bool.
        let same = ts::all(&x, Vec::<isize>::new())?;
        assert_eq!((same.dtype(), same.shape()), (ts::DType::Bool, &[2, 3][..]));
        assert_eq!(same.to_vec::<bool>()?, x.to_vec::<bool>()?);
        let same = ts::any(&t(&[0.0, 2.0], &[2]), Vec::<isize>::new())?;
        assert_eq!((same.dtype(), same.shape()), (ts::DType::Bool, &[2][..]));
        assert_eq!(same.to_vec::<bool>()?, [false, true]);
        Ok(())
    });
}

pub fn all_and_any_of_no_elements(backend: &str) {
    on_backend(backend, || {
        let empty = t::<bool>(&[], &[2, 0]);
        let all = ts::all(&empty, 1)?;
        assert_eq!((all.dtype(), all.shape()), (ts::DType::Bool, &[2][..]));
        assert_eq!(all.to_vec::<bool>()?, [true, true]);
        let any = ts::any(&empty, 1)?;
        assert_eq!((any.dtype(), any.shape()), (ts::DType::Bool, &[2][..]));
        assert_eq!(any.to_vec::<bool>()?, [false, false]);
        assert_eq!(ts::all(&empty, None)?.to_vec::<bool>()?, [true]);
        assert_eq!(ts::any(&empty, None)?.to_vec::<bool>()?, [false]);
        // Reducing the non-empty axis leaves an empty result.
        assert_eq!(ts::all(&empty, 0)?.shape(), &[0]);
        let kept = ts::any(&empty, Reduction::over(1).keepdims(true))?;
        assert_eq!(kept.shape(), &[2, 1]);
        assert_eq!(kept.to_vec::<bool>()?, [false, false]);
        Ok(())
    });
}

pub fn non_bool_inputs_count_non_zero_and_nan_as_true(backend: &str) {
    on_backend(backend, || {
        let x = t(&[f64::NAN, 1.0, 0.0, f64::NAN], &[2, 2]);
        assert_eq!(ts::all(&x, 1)?.to_vec::<bool>()?, [true, false]);
        assert_eq!(ts::any(&x, 0)?.to_vec::<bool>()?, [true, true]);
        assert_eq!(
            ts::all(&t(&[f32::NAN], &[1]), None)?.to_vec::<bool>()?,
            [true]
        );
        assert_eq!(
            ts::any(&t(&[f32::NAN, 0.0], &[2]), None)?.to_vec::<bool>()?,
            [true]
        );
        let i = t(&[0i32, -3, 5, 7], &[2, 2]);
        assert_eq!(ts::all(&i, 1)?.to_vec::<bool>()?, [false, true]);
        assert_eq!(ts::any(&i, 1)?.to_vec::<bool>()?, [true, true]);
        Ok(())
    });
}
