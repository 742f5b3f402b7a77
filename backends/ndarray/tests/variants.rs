//! The version variants of the ndarray backend: which function each version's table picks,
//! and that the variants agree on results.

use tensorswitch_ndarray as _;

use tensorswitch::{Op, Result, Source, Tensor};

/// Runs `f` on the ndarray backend at `version`, in this thread only
/// (`tensorswitch::with_backend_version`), so these tests need no lock.
fn at_version<R>(version: &str, f: impl FnOnce() -> R) -> R {
    tensorswitch::with_backend_version("ndarray", version, || {
        let current = tensorswitch::current_backend().expect("the override is current");
        assert_eq!(current.version().to_string(), version);
        f()
    })
    .expect("ndarray at an emulated version")
}

fn source(version: &str, op: Op) -> Source {
    let report =
        tensorswitch::function_table_report_for_version("ndarray", version).expect("report");
    report
        .rows
        .iter()
        .find(|(o, _)| *o == op)
        .map(|(_, s)| *s)
        .expect("every op has a row")
}

#[test]
fn registrations_are_valid() {
    tensorswitch::validate_registrations("ndarray").unwrap();
}

#[test]
fn detected_version_is_the_locked_one() {
    let v = tensorswitch::backend_version("ndarray").unwrap();
    assert_eq!(v.major, 0);
    assert!(v.minor >= 17, "ndarray {v}");
    if let Some(locked) =
        tensorswitch::build_info::locked_version("tensorswitch-ndarray", "ndarray")
    {
        assert_eq!(v.to_string(), locked);
    }
}

#[test]
fn tril_and_triu_variants_follow_the_version() {
    for (version, suffix) in [
        ("0.15.6", "0p15_and_below"),
        ("0.15.0", "0p15_and_below"),
        ("0.16.0", "0p16_and_above"),
        ("0.16.1", "0p16_and_above"),
        ("0.17.2", "0p16_and_above"),
    ] {
        for (op, name) in [(Op::tril, "tril"), (Op::triu, "triu")] {
            let want = format!("{name}_v_{suffix}");
            match source(version, op) {
                Source::Primary { variant } => assert_eq!(variant, want, "at {version}"),
                other => panic!("{name} at {version} is {other}, expected primary {want}"),
            }
        }
    }
}

#[test]
fn expm1_and_log1p_are_primary_from_0_17() {
    for op in [Op::expm1, Op::log1p] {
        assert_eq!(source("0.16.1", op), Source::Compositional);
        assert_eq!(source("0.15.6", op), Source::Compositional);
        for version in ["0.17.0", "0.17.2"] {
            let want = format!("{}_v_0p17_and_above", op.ident());
            match source(version, op) {
                Source::Primary { variant } => assert_eq!(variant, want, "at {version}"),
                other => panic!("{op} at {version} is {other}, expected primary {want}"),
            }
        }
    }
}

#[test]
fn ops_left_to_the_fallbacks_are_compositional() {
    for op in [
        Op::full,
        Op::zeros,
        Op::ones,
        Op::linspace,
        Op::eye,
        Op::square,
        Op::not_equal,
        Op::greater,
        Op::greater_equal,
        Op::logical_xor,
        Op::clip,
        Op::matrix_transpose,
        Op::vecdot,
        Op::tensordot,
        Op::mean,
        Op::var,
        Op::std,
        Op::softmax,
        Op::expand_dims,
        Op::squeeze,
        Op::stack,
    ] {
        assert_eq!(source("0.17.2", op), Source::Compositional, "{op}");
    }
    let report = tensorswitch::function_table_report("ndarray").unwrap();
    assert_eq!(
        report.count(|s| matches!(s, Source::Unsupported)),
        0,
        "{report}"
    );
}

fn matrix_3x3() -> Result<Tensor> {
    Tensor::from_slice(&[1i32, 2, 3, 4, 5, 6, 7, 8, 9], &[3, 3])
}

/// tril and triu of [[1,2,3],[4,5,6],[7,8,9]] for k = -1, 0, 1, by hand.
const TRIL: [(i64, [i32; 9]); 3] = [
    (0, [1, 0, 0, 4, 5, 0, 7, 8, 9]),
    (-1, [0, 0, 0, 4, 0, 0, 7, 8, 0]),
    (1, [1, 2, 0, 4, 5, 6, 7, 8, 9]),
];
const TRIU: [(i64, [i32; 9]); 3] = [
    (0, [1, 2, 3, 0, 5, 6, 0, 0, 9]),
    (-1, [1, 2, 3, 4, 5, 6, 0, 8, 9]),
    (1, [0, 2, 3, 0, 0, 6, 0, 0, 0]),
];

fn check_triangles() -> Result<()> {
    let x = matrix_3x3()?;
    // A batch of two: the matrix and its negation, so each matrix is handled on its own.
    let neg = tensorswitch::negative(&x)?;
    let batch = tensorswitch::stack(&[x.clone(), neg], 0)?;
    for (f, cases) in [
        (
            tensorswitch::tril as fn(&Tensor, i64) -> Result<Tensor>,
            TRIL,
        ),
        (tensorswitch::triu, TRIU),
    ] {
        for (k, want) in cases {
            assert_eq!(f(&x, k)?.to_vec::<i32>()?, want, "k={k}");
            let both: Vec<i32> = want
                .iter()
                .copied()
                .chain(want.iter().map(|v| -v))
                .collect();
            let got = f(&batch, k)?;
            assert_eq!(got.shape(), &[2, 3, 3]);
            assert_eq!(got.to_vec::<i32>()?, both, "batched, k={k}");
        }
        // Non-square, transposed (non-standard layout) and far-off diagonals.
        let wide = Tensor::from_slice(&[1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3])?;
        let t = tensorswitch::permute_dims(&wide, &[1, 0])?; // [[1,4],[2,5],[3,6]]
        assert_eq!(f(&t, 0)?.shape(), &[3, 2]);
        assert_eq!(
            f(&wide, 100)?.to_vec::<f64>()?,
            f(&wide, 3)?.to_vec::<f64>()?
        );
        assert_eq!(
            f(&wide, i64::MIN)?.to_vec::<f64>()?,
            f(&wide, -2)?.to_vec::<f64>()?
        );
        assert_eq!(
            f(&wide, i64::MAX)?.to_vec::<f64>()?,
            f(&wide, 3)?.to_vec::<f64>()?
        );
    }
    let t = tensorswitch::permute_dims(
        &Tensor::from_slice(&[1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3])?,
        &[1, 0],
    )?;
    assert_eq!(
        tensorswitch::tril(&t, 0)?.to_vec::<f64>()?,
        [1.0, 0.0, 2.0, 5.0, 3.0, 6.0]
    );
    assert_eq!(
        tensorswitch::triu(&t, 0)?.to_vec::<f64>()?,
        [1.0, 4.0, 0.0, 5.0, 0.0, 0.0]
    );
    let b = Tensor::from_slice(&[true; 4], &[2, 2])?;
    assert_eq!(
        tensorswitch::tril(&b, 0)?.to_vec::<bool>()?,
        [true, false, true, true]
    );
    assert_eq!(
        tensorswitch::triu(&b, 1)?.to_vec::<bool>()?,
        [false, true, false, false]
    );
    Ok(())
}

fn check_expm1_log1p() -> Result<()> {
    let x = Tensor::from_slice(&[1e-10f64, 0.0, -1e-300, 1.0, -50.0], &[5])?;
    let e = tensorswitch::expm1(&x)?.to_vec::<f64>()?;
    let l = tensorswitch::log1p(&x)?.to_vec::<f64>()?;
    let want_e = [
        1e-10f64.exp_m1(),
        0.0,
        -1e-300,
        1f64.exp_m1(),
        (-50f64).exp_m1(),
    ];
    let want_l = [1e-10f64.ln_1p(), 0.0, -1e-300, 2f64.ln(), f64::NAN];
    for (got, want) in e.iter().zip(want_e).chain(l.iter().zip(want_l)) {
        if want.is_nan() {
            assert!(got.is_nan());
        } else {
            assert!((got - want).abs() <= 1e-6 * want.abs(), "{got} vs {want}");
        }
    }
    // The reason these ops exist: exp(x) - 1 would lose every digit here.
    assert!((e[0] - 1e-10).abs() <= 1e-16);
    assert!((l[0] - 1e-10).abs() <= 1e-16);
    let x32 = Tensor::from_slice(&[1e-7f32], &[1])?;
    let e32 = tensorswitch::expm1(&x32)?.to_vec::<f32>()?[0];
    assert!((e32 - 1e-7).abs() <= 1e-6 * 1e-7, "{e32}");
    Ok(())
}

#[test]
fn variants_agree_at_every_version() {
    for version in ["0.15.6", "0.16.1", "0.17.0", "0.17.2"] {
        at_version(version, || {
            check_triangles().unwrap_or_else(|e| panic!("at {version}: {e}"));
            check_expm1_log1p().unwrap_or_else(|e| panic!("at {version}: {e}"));
        });
    }
}

#[test]
fn current_table_reports_the_variant_in_use() {
    // Through the global stack (the only test here that uses it, so it needs no lock): the
    // pushed table is the current one and reports the variants of its version.
    let rows_at = |version: &str| {
        let pushed = tensorswitch::set_backend_to_specific_version("ndarray", version)
            .expect("ndarray at an emulated version");
        let report = tensorswitch::current_backend().map(|b| b.report());
        tensorswitch::previous_backend().expect("the version pushed here");
        assert_eq!(pushed.version().to_string(), version);
        let report = report.expect("a current backend");
        let row = |op: Op| report.rows.iter().find(|(o, _)| *o == op).map(|r| r.1);
        (row(Op::tril), row(Op::expm1))
    };
    assert_eq!(
        rows_at("0.15.6"),
        (
            Some(Source::Primary {
                variant: "tril_v_0p15_and_below"
            }),
            Some(Source::Compositional)
        )
    );
    assert_eq!(
        rows_at("0.17.2"),
        (
            Some(Source::Primary {
                variant: "tril_v_0p16_and_above"
            }),
            Some(Source::Primary {
                variant: "expm1_v_0p17_and_above"
            })
        )
    );
}
