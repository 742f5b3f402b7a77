//! The transpiler's checked-in tch golden files (transpile/tests/golden/*_tch.rs), compiled into
//! this test and run: their results equal eager tensorswitch on the torch backend (exactly for
//! integers and bools, within 1e-5 for float32). The files are regenerated and compared with the
//! emitter's output by the transpiler's own tests.
//!
//! The drift check of the tch emitter: the code it emits for every conformance case it supports
//! (golden/ops_tch.rs) runs on the case's inputs and must equal eager execution on torch (the
//! case's tolerance for floats, exact otherwise). A change to a primary that the emitter does not
//! follow, or the reverse, fails here.

use tensorswitch::Tensor;
use tensorswitch_ndarray as _; // the differential test generates and traces its programs on ndarray
use tensorswitch_tch::{from_tch, to_tch};
use tensorswitch_transpile::testing::{compare, models, Model};

#[rustfmt::skip]
#[path = "../../../transpile/tests/golden/attention_tch.rs"]
mod attention;
#[rustfmt::skip]
#[path = "../../../transpile/tests/golden/attention_embedded_tch.rs"]
mod attention_embedded;
#[rustfmt::skip]
#[path = "../../../transpile/tests/golden/mlp_tch.rs"]
mod mlp;
#[rustfmt::skip]
#[path = "../../../transpile/tests/golden/statistic_tch.rs"]
mod statistic;
#[rustfmt::skip]
#[path = "../../../transpile/tests/golden/ops_tch.rs"]
#[allow(clippy::all, unused_parens, unused_variables, unused_assignments)]
mod ops;

fn model(name: &str) -> Model {
    tensorswitch::with_backend("torch", models)
        .unwrap()
        .unwrap()
        .into_iter()
        .find(|m| m.name == name)
        .unwrap()
}

fn tch(t: &Tensor) -> tch::Tensor {
    to_tch(t).expect("a torch tensor")
}

fn check(name: &str, got: Vec<tch::Tensor>, want: &[Tensor]) {
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.into_iter().zip(want).enumerate() {
        let g = from_tch(g).unwrap();
        if let Err(e) = compare(&g, w, 1e-5, 1e-6) {
            panic!("{name}, output {i}: {e}");
        }
    }
}

#[test]
fn mlp_equals_eager() {
    tensorswitch::with_backend("torch", || {
        let m = model("mlp");
        let c: Vec<tch::Tensor> = m.constants.iter().map(|c| tch(&c.1)).collect();
        let y = mlp::model(&tch(&m.inputs[0]), &c[0], &c[1], &c[2], &c[3]).unwrap();
        check("mlp", vec![y], &m.eager().unwrap());
    })
    .unwrap();
}

#[test]
fn attention_equals_eager() {
    tensorswitch::with_backend("torch", || {
        let m = model("attention");
        let x = tch(&m.inputs[0]);
        let c: Vec<tch::Tensor> = m.constants.iter().map(|c| tch(&c.1)).collect();
        let want = m.eager().unwrap();
        check(
            "attention",
            vec![attention::model(&x, &c[0], &c[1]).unwrap()],
            &want,
        );
        let embedded = attention_embedded::attention_embedded(&x).unwrap();
        check("attention (embedded)", vec![embedded], &want);
    })
    .unwrap();
}

#[test]
fn statistic_equals_eager() {
    tensorswitch::with_backend("torch", || {
        let m = model("statistic");
        let (a, b, c, d, e, f, g, h) = statistic::model(&tch(&m.inputs[0])).unwrap();
        check(
            "statistic",
            vec![a, b, c, d, e, f, g, h],
            &m.eager().unwrap(),
        );
    })
    .unwrap();
}

#[test]
fn wrong_shapes_and_kinds_are_errors_not_panics() {
    let x = tch::Tensor::zeros([3, 3], (tch::Kind::Float, tch::Device::Cpu));
    assert!(statistic::model(&x).is_err());
    let x = tch::Tensor::zeros([32, 12], (tch::Kind::Double, tch::Device::Cpu));
    assert!(statistic::model(&x).is_err());
}

fn to_native(t: &Tensor) -> tch::Tensor {
    tch(t)
}

fn from_native(t: &tch::Tensor) -> Result<Tensor, String> {
    from_tch(t.shallow_clone()).map_err(|e| e.to_string())
}

#[test]
fn emitted_code_equals_eager_on_every_supported_case() {
    let mut failures = Vec::new();
    tensorswitch::with_backend("torch", || {
        for (id, emitted) in ops::CASES {
            if let Err(e) = check_case(id, emitted) {
                failures.push(format!("{id}: {e}"));
            }
        }
    })
    .unwrap();
    assert!(ops::CASES.len() > 1000, "the table lost cases");
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        ops::CASES.len(),
        failures.join("\n")
    );
}

fn check_case(id: &str, emitted: &fn(&[Tensor]) -> Result<Tensor, String>) -> Result<(), String> {
    let case = tensorswitch_conformance::cases()
        .iter()
        .find(|c| c.id == id)
        .ok_or("no such conformance case: regenerate the table (TS_WRITE_GOLDEN=1)")?;
    let (call, inputs) = tensorswitch_conformance::case_call(case)?.map_err(|e| e.to_string())?;
    let refs: Vec<&Tensor> = inputs.iter().collect();
    let want = match tensorswitch::run(&call, &refs).map_err(|e| e.to_string())? {
        tensorswitch::Output::Tensor(t) => t,
        _ => return Err("the op no longer returns one tensor".into()),
    };
    let got = emitted(&inputs)?;
    compare(&got, &want, case.rtol, case.atol)
}

/// The transpiler's differential test on torch: random programs (traced on ndarray, emitted as
/// NumPy, run with NumPy) compared with eager execution on torch and on ndarray. See
/// transpile/tests/numpy_differential.rs; `TS_DIFF_CASES` sets the count (200 by default).
#[test]
fn random_programs_agree_with_numpy_on_torch() {
    use tensorswitch_transpile::testing::{differential, Python};
    let python = Python::from_env();
    if let Err(e) = python.numpy_version() {
        let required = std::env::var("TS_REQUIRE_NUMPY").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "NumPy is required (TS_REQUIRE_NUMPY=1) but cannot be imported: {e}"
        );
        eprintln!("skipping: NumPy cannot be imported ({e}); run scripts/setup-numpy.sh");
        return;
    }
    let n = std::env::var("TS_DIFF_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let report = differential(&python, &["ndarray", "torch"], n, 2_000_000, 8).unwrap();
    eprintln!(
        "differential on torch: {} programs, {} run with NumPy ({} nodes), {} results compared, {} mismatches",
        report.programs,
        report.ran,
        report.nodes,
        report.compared,
        report.mismatches.len()
    );
    assert!(
        report.ran * 10 >= report.programs * 9,
        "too many refused: {:?}",
        report.refused
    );
    assert!(
        report.mismatches.is_empty(),
        "{}",
        report.mismatches.join("\n")
    );
}
