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
    // The build reads the resolved version from Cargo.lock; without it the backend would
    // report the bare requirement and this test would check nothing, so that is a failure.
    let locked = tensorswitch::build_info::locked_version("tensorswitch-ndarray", "ndarray")
        .expect("the build resolved ndarray's version from Cargo.lock");
    assert_eq!(v.to_string(), locked);
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
    // `full` is a primary (it allocates its result fallibly); zeros and ones call it.
    assert_eq!(
        source("0.17.2", Op::full),
        Source::Primary { variant: "full" }
    );
    // So is `softmax` (one pass per lane; the fallback is five ops).
    assert_eq!(
        source("0.17.2", Op::softmax),
        Source::Primary { variant: "softmax" }
    );
    for op in [
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
        let t = tensorswitch::permute_dims(&wide, [1, 0])?; // [[1,4],[2,5],[3,6]]
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
        [1, 0],
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

/// expm1(x) by its Taylor series x + x²/2 + x³/6 + x⁴/24, summed smallest term first in
/// float64: for |x| <= 1e-7 the next term is below 1e-35 relative, so this is exact to float64
/// rounding, and independent of the `exp_m1` under test.
fn expm1_taylor(x: f64) -> f64 {
    x * x * x * x / 24.0 + x * x * x / 6.0 + x * x / 2.0 + x
}

/// log1p(x) = x − x²/2 + x³/3 − x⁴/4, as above.
fn log1p_taylor(x: f64) -> f64 {
    -(x * x * x * x) / 4.0 + x * x * x / 3.0 - x * x / 2.0 + x
}

/// Asserts `got` is within `ulps` units in the last place (of a type with epsilon `eps`) of
/// `want`, relative to `want`.
fn close(got: f64, want: f64, eps: f64, what: &str) {
    let tol = 4.0 * eps * want.abs();
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got:e}, want {want:e} (error {:e}, tolerance {tol:e})",
        (got - want).abs()
    );
}

fn check_expm1_log1p() -> Result<()> {
    // Inputs where the naive formulas lose most or all digits: exp(1e-10) - 1 in float64 is
    // 1.000000082740371e-10 (relative error 8e-8, far beyond the 4-ulp tolerance), and
    // ln(1 + 1e-10) is off by as much; exp(-1e-300) - 1 is 0. Expected values are the Taylor
    // series above or constants derived by hand, never the std functions under test.
    let xs = [1e-10f64, 1e-7, -1e-10, -1e-300, 1.0];
    let x = Tensor::from_slice(&xs, &[5])?;
    let e = tensorswitch::expm1(&x)?.to_vec::<f64>()?;
    let l = tensorswitch::log1p(&x)?.to_vec::<f64>()?;
    let eps = f64::EPSILON;
    for i in 0..3 {
        close(
            e[i],
            expm1_taylor(xs[i]),
            eps,
            &format!("expm1({:e})", xs[i]),
        );
        close(
            l[i],
            log1p_taylor(xs[i]),
            eps,
            &format!("log1p({:e})", xs[i]),
        );
    }
    // ±1e-300: every term after x is below the smallest subnormal.
    close(e[3], -1e-300, eps, "expm1(-1e-300)");
    close(l[3], -1e-300, eps, "log1p(-1e-300)");
    // e - 1 and ln 2 from std's constants (the subtraction is exact: E is in [2, 4)).
    close(e[4], std::f64::consts::E - 1.0, eps, "expm1(1)");
    close(l[4], std::f64::consts::LN_2, eps, "log1p(1)");
    // The ends: e^-50 is 2e-22, below half an ulp of -1; ln of a negative is NaN.
    let ends = Tensor::from_slice(&[-50.0f64, -2.0], &[2])?;
    assert_eq!(tensorswitch::expm1(&ends)?.to_vec::<f64>()?[0], -1.0);
    assert!(tensorswitch::log1p(&ends)?.to_vec::<f64>()?[1].is_nan());

    // float32: exp(1e-7) rounds to 1 + 2^-23, so the naive expm1 is 1.19e-7 (19% off), and
    // exp(1e-10) rounds to 1 (100% off). The expected values come from the float32 inputs
    // widened to float64.
    let xs32 = [1e-7f32, 1e-10, -1e-7];
    let x32 = Tensor::from_slice(&xs32, &[3])?;
    let e32 = tensorswitch::expm1(&x32)?.to_vec::<f32>()?;
    let l32 = tensorswitch::log1p(&x32)?.to_vec::<f32>()?;
    let eps32 = f64::from(f32::EPSILON);
    for i in 0..3 {
        let xi = f64::from(xs32[i]);
        close(
            f64::from(e32[i]),
            expm1_taylor(xi),
            eps32,
            &format!("expm1({xi:e}f32)"),
        );
        close(
            f64::from(l32[i]),
            log1p_taylor(xi),
            eps32,
            &format!("log1p({xi:e}f32)"),
        );
    }
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
