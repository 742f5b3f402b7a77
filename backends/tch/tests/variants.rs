//! The torch backend's version variants: which function each libtorch version's table picks,
//! and that the variants agree.

use tensorswitch::{DType, Op, Source, Tensor};
use tensorswitch_tch as _;

fn source(version: &str, op: Op) -> Source {
    tensorswitch::function_table_report_for_version("torch", version)
        .expect("report")
        .rows
        .iter()
        .find(|(o, _)| *o == op)
        .map(|(_, s)| *s)
        .expect("every op has a row")
}

#[test]
fn vecdot_variant_follows_the_version() {
    for (version, variant) in [
        ("1.12.1", "vecdot_v_1p12_and_below"),
        ("1.13.0", "vecdot_v_1p13_and_above"),
        ("2.11.0", "vecdot_v_1p13_and_above"),
        ("2.13.0", "vecdot_v_1p13_and_above"),
    ] {
        match source(version, Op::vecdot) {
            Source::Primary { variant: v } => assert_eq!(v, variant, "at {version}"),
            other => panic!("vecdot at {version} is {other}, expected primary {variant}"),
        }
    }
}

#[test]
fn emulated_versions_select_their_variant_and_agree() {
    // Floats only: integers take the multiply-and-sum path in both variants
    // (`vecdot_linalg` hands them to `vecdot_mul_sum`, as linalg.vecdot refuses them), so
    // comparing integer results across the variants would compare a path with itself.
    let run = || -> Vec<f64> {
        let a = Tensor::from_slice(&[1.5f64, -2.0, 0.25, 4.0, 3.0, -1.0], &[2, 3]).unwrap();
        let b = Tensor::from_slice(&[2.0f64, 0.5, -4.0], &[3]).unwrap();
        let f = tensorswitch::vecdot(&a, &b, -1).unwrap();
        assert_eq!(f.dtype(), DType::Float64);
        f.to_vec::<f64>().unwrap()
    };
    let mut results = Vec::new();
    for (version, variant) in [
        ("2.11.0", "vecdot_v_1p13_and_above"),
        ("1.12.1", "vecdot_v_1p12_and_below"),
    ] {
        // This thread only (`with_backend_version`): no lock, no global stack.
        let result = tensorswitch::with_backend_version("torch", version, || {
            let current = tensorswitch::current_backend().unwrap();
            assert_eq!(current.version().to_string(), version);
            assert!(current.is_emulated());
            match current.table().source(Op::vecdot) {
                Source::Primary { variant: v } => assert_eq!(v, variant, "at {version}"),
                other => panic!("vecdot at {version} is {other}"),
            }
            run()
        })
        .expect("torch at an emulated version");
        results.push(result);
    }
    // Each variant gives the exact value: 1.5*2 - 2*0.5 + 0.25*-4 = 1, 8 + 1.5 + 4 = 13.5.
    assert_eq!(results[0], vec![1.0, 13.5]);
    assert_eq!(results[1], vec![1.0, 13.5]);
}

#[test]
fn detected_version_needs_no_emulation() {
    // Through the global stack: the only test here that uses it, so it needs no lock.
    let detected = tensorswitch::backend_version("torch").unwrap();
    let backend =
        tensorswitch::set_backend_to_specific_version("torch", &detected.to_string()).unwrap();
    let emulated = backend.is_emulated();
    tensorswitch::previous_backend().unwrap();
    assert!(!emulated, "libtorch {detected} is the one in use");
}
