//! Custom ops declared in another crate (this package's library), on the ndarray backend:
//! compositions and native versions against hand-derived values and against each other,
//! version variants under emulated versions, the coverage report, the name conflict with
//! `tensorswitch-custom-ops-other`, registration errors, panics and dispatch errors (tracing: tests/traced.rs).

use std::sync::atomic::Ordering;
use tensorswitch::{self as ts, Error, Source, Tensor};
use tensorswitch_custom_ops_fixture::expect::{close, rms_expected};
use tensorswitch_custom_ops_fixture::{
    dup_op, gated_rms_norm, overlap_op, panicky, rms_norm, swiglu, vv_scale, ND_RMS_NORM_CALLS,
    ND_SWIGLU_CALLS, VV_NEW_CALLS, VV_OLD_CALLS,
};
use tensorswitch_custom_ops_other as _;
use tensorswitch_ndarray as _;

fn t(v: &[f32], shape: &[usize]) -> Tensor {
    Tensor::from_slice(v, shape).expect("a tensor")
}

#[test]
fn rms_norm_native_and_composition_match_hand_derived_values() -> ts::Result<()> {
    let x = t(&[3.0, 4.0, 0.0, 0.0], &[2, 2]);
    let w = t(&[1.0, 2.0], &[2]);
    let before = ND_RMS_NORM_CALLS.load(Ordering::Relaxed);
    let native = rms_norm(&x, &w, 1.0)?;
    assert!(
        ND_RMS_NORM_CALLS.load(Ordering::Relaxed) > before,
        "the native ran"
    );
    close(&native.to_vec::<f32>()?, &rms_expected(), 1e-6);
    let composed = tensorswitch_custom_ops_fixture::rms_norm::composition(&x, &w, 1.0)?;
    close(&composed.to_vec::<f32>()?, &rms_expected(), 1e-6);
    // The masked table serves every custom op by its composition.
    let before = ND_RMS_NORM_CALLS.load(Ordering::Relaxed);
    let masked = ts::with_backend_masked("ndarray", || rms_norm(&x, &w, 1.0))??;
    assert_eq!(
        ND_RMS_NORM_CALLS.load(Ordering::Relaxed),
        before,
        "masked: no native"
    );
    close(&masked.to_vec::<f32>()?, &rms_expected(), 1e-6);
    Ok(())
}

#[test]
fn rms_norm_in_float64_and_with_a_broadcast_weight() -> ts::Result<()> {
    let x = Tensor::from_slice(&[3.0f64, 4.0, 0.0, 0.0], &[2, 2])?;
    let w = Tensor::from_slice(&[1.0f64, 2.0], &[2])?;
    let y = rms_norm(&x, &w, 1.0)?.to_vec::<f64>()?;
    let want = rms_expected();
    for (g, w) in y.iter().zip(&want) {
        assert!((g - w).abs() < 1e-12, "{y:?} vs {want:?}");
    }
    // A (2, 1) weight is not the native's case: the composition broadcasts it.
    let w2 = t(&[1.0, 2.0], &[2, 1]);
    let y = rms_norm(&t(&[3.0, 4.0, 0.0, 0.0], &[2, 2]), &w2, 1.0)?;
    let r = 13.5f64.sqrt();
    close(&y.to_vec::<f32>()?, &[3.0 / r, 4.0 / r, 0.0, 0.0], 1e-6);
    Ok(())
}

#[test]
fn swiglu_native_and_composition_agree() -> ts::Result<()> {
    // silu(0) = 0; sigmoid(ln 3) = 3/4, so silu(ln 3) = 0.75 ln 3.
    let ln3 = 3f64.ln();
    let x = t(&[1.0, 2.0], &[2]);
    let g = t(&[0.0, ln3 as f32], &[2]);
    let before = ND_SWIGLU_CALLS.load(Ordering::Relaxed);
    let y = swiglu(&x, &g)?;
    assert!(ND_SWIGLU_CALLS.load(Ordering::Relaxed) > before);
    close(&y.to_vec::<f32>()?, &[0.0, 1.5 * ln3], 1e-6);
    let c = tensorswitch_custom_ops_fixture::swiglu::composition(&x, &g)?;
    close(&c.to_vec::<f32>()?, &[0.0, 1.5 * ln3], 1e-6);
    // A custom op composed of custom ops: rms_norm(swiglu(x, g), w; 0) of [0, a] is
    // [0, a / sqrt(a² / 2)] * w = [0, sqrt(2)] * w.
    let w = t(&[1.0, 3.0], &[2]);
    let z = gated_rms_norm(&x, &g, &w, 0.0)?;
    close(&z.to_vec::<f32>()?, &[0.0, 3.0 * 2f64.sqrt()], 1e-6);
    Ok(())
}

#[test]
fn version_variants_are_picked_by_the_emulated_version() -> ts::Result<()> {
    let x = t(&[1.0, -2.0], &[2]);
    for (version, new) in [
        ("0.15.3", false),
        ("0.16.0", true),
        ("0.17.2", true),
        ("0.12.0", false),
    ] {
        let (n0, o0) = (
            VV_NEW_CALLS.load(Ordering::Relaxed),
            VV_OLD_CALLS.load(Ordering::Relaxed),
        );
        let y = ts::with_backend_version("ndarray", version, || vv_scale(&x, 2.5))??;
        assert_eq!(y.to_vec::<f32>()?, vec![2.5, -5.0]);
        let (n1, o1) = (
            VV_NEW_CALLS.load(Ordering::Relaxed),
            VV_OLD_CALLS.load(Ordering::Relaxed),
        );
        assert_eq!((n1 > n0, o1 > o0), (new, !new), "at {version}");
        let report = ts::function_table_report_for_version("ndarray", version)?;
        let row = report
            .custom
            .iter()
            .find(|r| r.name == "vv_scale")
            .expect("vv_scale is listed");
        let variant = if new {
            "vv_scale_v_0p16_and_above"
        } else {
            "vv_scale_v_0p15_and_below"
        };
        assert_eq!(row.source, Source::Primary { variant });
        assert_eq!(row.krate, "tensorswitch-custom-ops-fixture");
    }
    Ok(())
}

#[test]
fn the_coverage_report_lists_custom_ops_with_their_source() -> ts::Result<()> {
    let report = ts::function_table_report("ndarray")?;
    let source = |name: &str| {
        report
            .custom
            .iter()
            .find(|r| r.name == name)
            .map(|r| r.source)
    };
    assert_eq!(
        source("rms_norm"),
        Some(Source::Primary {
            variant: "rms_norm"
        })
    );
    assert_eq!(source("gated_rms_norm"), Some(Source::Compositional));
    assert_eq!(source("dup_op"), Some(Source::Unsupported));
    let text = report.to_string();
    assert!(text.contains("custom ops:"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.contains("rms_norm") && l.contains("primary (rms_norm)")),
        "{text}"
    );
    // The masked table lists every custom op as compositional (or failing).
    let masked = ts::with_backend_masked("ndarray", || ts::resolve_backend(&[]))??;
    let masked = masked.report();
    assert!(masked
        .custom
        .iter()
        .all(|r| r.source != Source::Primary { variant: r.name }));
    assert!(masked
        .custom
        .iter()
        .any(|r| r.name == "rms_norm" && r.source == Source::Compositional));
    Ok(())
}

#[test]
fn two_crates_declaring_one_name_fail_at_the_first_call_naming_both() {
    let x = t(&[1.0], &[1]);
    let err = dup_op(&x).expect_err("a conflict");
    match &err {
        Error::CustomOpConflict { name, declarations } => {
            assert_eq!(*name, "dup_op");
            assert_eq!(declarations.len(), 2, "{declarations:?}");
        }
        other => panic!("expected CustomOpConflict, got {other:?}"),
    }
    let text = err.to_string();
    for krate in [
        "tensorswitch-custom-ops-fixture",
        "tensorswitch-custom-ops-other",
    ] {
        assert!(text.contains(krate), "{text}");
    }
    // The other crate's function fails the same way: neither wins.
    let other = tensorswitch_custom_ops_other::dup_op(&x).expect_err("a conflict");
    assert_eq!(other, err);
    // And registration checks report it.
    let e = ts::validate_registrations("ndarray").expect_err("problems");
    assert!(e.to_string().contains("dup_op"), "{e}");
}

#[test]
fn overlapping_variants_are_a_registration_error_at_the_first_call() {
    let x = t(&[1.0], &[1]);
    let err = overlap_op(&x).expect_err("overlap");
    let text = err.to_string();
    assert!(matches!(err, Error::Registration { .. }), "{err:?}");
    assert!(
        text.contains("overlap_op_v_0p10_and_above")
            && text.contains("overlap_op_v_0p12_and_above"),
        "{text}"
    );
    // Below both ranges no native matches, so the composition runs.
    let y = ts::with_backend_version("ndarray", "0.9.0", || overlap_op(&x)).expect("a table");
    assert_eq!(
        y.expect("composition").to_vec::<f32>().expect("data"),
        vec![1.0]
    );
    let e = ts::validate_registrations("ndarray").expect_err("problems");
    assert!(
        e.to_string()
            .contains("both cover some versions of the custom op `overlap_op`"),
        "{e}"
    );
}

#[test]
fn a_panicking_native_is_an_error() {
    let err = panicky(&t(&[1.0], &[1])).expect_err("caught");
    match err {
        Error::Backend { op, message, .. } => {
            assert_eq!(op, "panicky");
            assert!(message.contains("a native that panics"), "{message}");
        }
        other => panic!("expected Backend, got {other:?}"),
    }
}

#[test]
fn errors_of_the_ops_inside_name_the_problem() {
    // A weight that does not broadcast: the composition's `multiply` says so.
    let err = rms_norm(&t(&[1.0, 2.0, 3.0], &[3]), &t(&[1.0, 2.0], &[2]), 0.0)
        .expect_err("shapes do not broadcast");
    assert!(err.to_string().contains("multiply"), "{err}");
}
