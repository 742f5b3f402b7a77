//! Version variants and registrations: selecting a primary by the framework version, emulated
//! versions, per-version dtype support, and registration errors (malformed names, conflicts).

mod common;

use common::{serial, toy_f32};
use tensorswitch::*;
use tensorswitch_ndarray as _;

// Two variants of `add` whose ranges overlap in 1.2.x: asking for a version there must fail
// and name both, never let the last registration win.
static CONFLICTED: BackendDescriptor =
    BackendDescriptor::new("conflicted", "test backend", || Ok("1.1.0".into()));
tensorswitch::register_backend!(CONFLICTED);
fn add_a(a: &Tensor, _: &Tensor) -> Result<Tensor> {
    Ok(a.clone())
}
fn add_b(_: &Tensor, b: &Tensor) -> Result<Tensor> {
    Ok(b.clone())
}
tensorswitch::primaries! { "conflicted";
    add @ "1p0_and_above" => add_a,
    add @ "1p2_to_1p3" => add_b,
}

// A typo in a version suffix is a registration error, not an unversioned function.
static MISNAMED: BackendDescriptor =
    BackendDescriptor::new("misnamed", "test backend", || Ok("1.12.0".into()));
tensorswitch::register_backend!(MISNAMED);
inventory::submit! {
    Primary { backend: "misnamed", name: "add_v_1p12_and_abov", func: OpFn::add(tensorswitch::catalogue::Slot::new(add_a)) }
}

// A name for one op with the function of another.
static MISMATCHED: BackendDescriptor =
    BackendDescriptor::new("mismatched", "test backend", || Ok("1.0.0".into()));
tensorswitch::register_backend!(MISMATCHED);
inventory::submit! {
    Primary { backend: "mismatched", name: "multiply", func: OpFn::add(tensorswitch::catalogue::Slot::new(add_a)) }
}

// A backend whose framework is missing.
static ABSENT: BackendDescriptor = BackendDescriptor::new("absent", "test backend", || {
    Err("libabsent.so was not found; install it or set ABSENT_HOME".into())
});
tensorswitch::register_backend!(ABSENT);

#[test]
fn variant_is_chosen_by_version() {
    let _g = serial();
    let at_1_5 = function_table_report_for_version("toy", "1.5.0").unwrap();
    let source = |r: &CoverageReport, op: Op| r.rows.iter().find(|(o, _)| *o == op).unwrap().1;
    assert_eq!(
        source(&at_1_5, Op::multiply),
        Source::Primary {
            variant: "multiply_v_1p5_and_above"
        }
    );
    assert_eq!(source(&at_1_5, Op::add), Source::Primary { variant: "add" });
    assert_eq!(source(&at_1_5, Op::softmax), Source::Compositional);
    assert_eq!(source(&at_1_5, Op::linalg_det), Source::Unsupported);

    let at_1_4 = function_table_report_for_version("toy", "1.4.9").unwrap();
    // No multiply primary below 1.5, so the catalogue has none either: unsupported.
    assert_eq!(source(&at_1_4, Op::multiply), Source::Unsupported);
    assert!(at_1_4.emulated && !at_1_5.emulated);
    assert!(at_1_4.to_string().contains("multiply") && at_1_4.to_string().contains("unsupported"));
}

#[test]
fn emulated_version_changes_what_runs_and_what_dtypes_work() {
    let _g = serial();
    let a = toy_f32(&[1.0, 2.0]);
    let old = set_backend_to_specific_version("toy", "1.4.0").unwrap();
    assert!(old.is_emulated());
    assert_eq!(old.version().to_string(), "1.4.0");
    match multiply(&a, &a) {
        Err(Error::Unsupported {
            op,
            backend,
            version,
        }) => {
            assert_eq!(
                (op, backend.as_str(), version.as_str()),
                ("multiply", "toy", "1.4.0")
            );
        }
        other => panic!("expected Unsupported, got {other:?}"),
    }
    // float64 is declared unsupported below 1.5: the core refuses before calling the backend.
    match Tensor::from_slice(&[1.0f64], &[1]) {
        Err(Error::UnsupportedDType {
            dtype,
            backend,
            version,
            supported,
            ..
        }) => {
            assert_eq!(
                (dtype, backend.as_str(), version.as_str()),
                (DType::Float64, "toy", "1.4.0")
            );
            assert!(supported.contains(&"float32".to_string()));
            assert!(!supported.contains(&"float64".to_string()));
        }
        other => panic!("expected UnsupportedDType, got {other:?}"),
    }
    // Promotion to float64 is refused the same way.
    previous_backend().unwrap();

    let new = set_backend_to_specific_version("toy", "1.5.0").unwrap();
    assert!(!new.is_emulated(), "1.5.0 is the detected version");
    assert_eq!(
        multiply(&a, &a).unwrap().to_vec::<f32>().unwrap(),
        vec![1.0, 4.0]
    );
    assert_eq!(
        Tensor::from_slice(&[1.0f64], &[1]).unwrap().dtype(),
        DType::Float64
    );
    previous_backend().unwrap();

    // A pre-release counts as its release: 1.5.0-rc1 has 1.5's functions.
    set_backend_to_specific_version("toy", "1.5.0rc1").unwrap();
    assert_eq!(
        multiply(&a, &a).unwrap().to_vec::<f32>().unwrap(),
        vec![1.0, 4.0]
    );
    unset_backend();
}

#[test]
fn float16_is_declared_unsupported_on_every_version() {
    let _g = serial();
    for v in ["0.1.0", "1.5.0", "9.0.0"] {
        let r = function_table_report_for_version("toy", v).unwrap();
        assert!(r.unsupported_dtypes.contains(&DType::Float16), "{v}");
    }
    let nd = function_table_report("ndarray").unwrap();
    assert_eq!(nd.unsupported_dtypes, vec![DType::Float16, DType::BFloat16]);
    let err = with_backend("ndarray", || zeros(&[2], DType::BFloat16))
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::UnsupportedDType {
                dtype: DType::BFloat16,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn two_matching_variants_are_an_error_naming_both() {
    let _g = serial();
    set_backend("toy").unwrap();
    let err = set_backend_to_specific_version("conflicted", "1.2.5").unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::Registration { .. }), "{err:?}");
    assert!(
        text.contains("add_v_1p0_and_above") && text.contains("add_v_1p2_to_1p3"),
        "{text}"
    );
    assert!(text.contains("1.2.5"), "{text}");
    assert_eq!(
        backend_stack().len(),
        1,
        "the failed switch left the stack alone"
    );
    // Outside the overlap the table builds, with the one variant that matches.
    let ok = set_backend_to_specific_version("conflicted", "1.1.0").unwrap();
    assert_eq!(
        ok.table().source(Op::add),
        Source::Primary {
            variant: "add_v_1p0_and_above"
        }
    );
    // The whole-registry check finds the overlap without naming a version.
    let all = validate_registrations("conflicted")
        .unwrap_err()
        .to_string();
    assert!(
        all.contains("add_v_1p0_and_above") && all.contains("add_v_1p2_to_1p3"),
        "{all}"
    );
    unset_backend();
}

#[test]
fn malformed_and_mismatched_names_are_registration_errors() {
    let _g = serial();
    let err = set_backend("misnamed").unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::Registration { .. }), "{err:?}");
    assert!(text.contains("add_v_1p12_and_abov"), "{text}");
    assert!(backend_stack().is_empty());

    let err = set_backend("mismatched").unwrap_err().to_string();
    assert!(err.contains("multiply") && err.contains("add"), "{err}");
    assert!(validate_registrations("misnamed").is_err());
    assert!(validate_registrations("toy").is_ok());
    assert!(validate_registrations("ndarray").is_ok());
}

#[test]
fn missing_framework_is_a_clear_error() {
    let _g = serial();
    let err = set_backend("absent").unwrap_err();
    assert_eq!(
        err,
        Error::BackendUnavailable {
            name: "absent".into(),
            reason: "libabsent.so was not found; install it or set ABSENT_HOME".into()
        }
    );
    assert!(!available_backends().contains(&"absent"));
    assert!(backend_stack().is_empty());
    // Everything else keeps working.
    assert_eq!(set_backend("ndarray").unwrap().name(), "ndarray");
    unset_backend();
}

/// `with_backend_version` gives this thread the table of an emulated version, leaves the global
/// stack and other threads alone, and restores the previous table afterwards, also when the
/// closure panics.
#[test]
fn with_backend_version_is_scoped_to_the_thread_and_the_closure() {
    let _g = serial();
    let a = toy_f32(&[1.0, 3.0]);
    set_backend("toy").unwrap();
    let (inside, other_thread) = with_backend_version("toy", "1.4.0", || {
        let current = current_backend().unwrap();
        // multiply has no 1.4 primary and no usable fallback at 1.4 (see the test above).
        let inside = (current.version().to_string(), multiply(&a, &a).is_err());
        let other_thread = std::thread::scope(|s| {
            s.spawn(|| current_backend().map(|b| b.version().to_string()))
                .join()
                .expect("the other thread")
        });
        (inside, other_thread)
    })
    .unwrap();
    assert_eq!(inside, ("1.4.0".to_string(), true));
    assert_eq!(
        other_thread.as_deref(),
        Some("1.5.0"),
        "other threads see the stack"
    );
    assert_eq!(backend_stack().len(), 1, "the stack was not touched");
    assert_eq!(
        multiply(&a, &a).unwrap().to_vec::<f32>().unwrap(),
        vec![1.0, 9.0],
        "back to the detected version after the closure"
    );

    let panicked = std::panic::catch_unwind(|| {
        with_backend_version("toy", "1.4.0", || panic!("inside")).ok();
    });
    assert!(panicked.is_err());
    assert_eq!(current_backend().unwrap().version().to_string(), "1.5.0");

    assert!(matches!(
        with_backend_version("nope", "1.0.0", || ()),
        Err(Error::UnknownBackend { .. })
    ));
    assert!(matches!(
        with_backend_version("toy", "one.two", || ()),
        Err(Error::InvalidVersion { .. })
    ));
    unset_backend();
}
