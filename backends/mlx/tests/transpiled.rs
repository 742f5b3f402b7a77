//! The transpiler's checked-in mlx-rs golden files (transpile/tests/golden/*_mlx.rs), compiled
//! into this test and run: their results equal eager tensorswitch on the MLX backend (exactly
//! for integers and bools, within 1e-5 for float32). The files are regenerated and compared with
//! the emitter's output by the transpiler's own tests (transpile/tests/golden_files.rs).
//!
//! The drift check of the mlx-rs emitter: the code it emits for the conformance cases
//! (golden/ops_mlx.rs: one case per distinct code structure) runs on the case's inputs and must
//! equal eager execution on MLX (the case's tolerance for floats, exact otherwise). The fix-ups
//! themselves are shared source (src/kernels.rs, copied into the emitted code); this catches the
//! rest — an op mapped to another MLX call or kernel than the primary's, or a special case of
//! the primary (empty inputs, no axes) the emitter does not make.

use mlx_rs::Array;
use tensorswitch::Tensor;
use tensorswitch_mlx::{from_mlx, to_mlx};
use tensorswitch_ndarray as _;
use tensorswitch_transpile::testing::{compare, models, Model};

#[rustfmt::skip]
#[path = "../../../transpile/tests/golden/attention_mlx.rs"]
mod attention;
#[rustfmt::skip]
#[path = "../../../transpile/tests/golden/attention_embedded_mlx.rs"]
mod attention_embedded;
#[rustfmt::skip]
#[path = "../../../transpile/tests/golden/mlp_mlx.rs"]
mod mlp;
#[rustfmt::skip]
#[path = "../../../transpile/tests/golden/statistic_mlx.rs"]
mod statistic;
#[rustfmt::skip]
#[path = "../../../transpile/tests/golden/ops_mlx.rs"]
#[allow(clippy::all, unused_parens, unused_variables, unused_assignments, dead_code)]
mod ops;

fn model(name: &str) -> Model {
    tensorswitch::with_backend("mlx", models)
        .unwrap()
        .unwrap()
        .into_iter()
        .find(|m| m.name == name)
        .unwrap()
}

fn mlx(t: &Tensor) -> Array {
    to_mlx(t).expect("an mlx tensor")
}

fn check(name: &str, got: Vec<Array>, want: &[Tensor]) {
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.into_iter().zip(want).enumerate() {
        let g = from_mlx(g).unwrap();
        if let Err(e) = compare(&g, w, 1e-5, 1e-6) {
            panic!("{name}, output {i}: {e}");
        }
    }
}

#[test]
fn mlp_equals_eager() {
    tensorswitch::with_backend("mlx", || {
        let m = model("mlp");
        let c: Vec<Array> = m.constants.iter().map(|c| mlx(&c.1)).collect();
        let y = mlp::model(&mlx(&m.inputs[0]), &c[0], &c[1], &c[2], &c[3]).unwrap();
        check("mlp", vec![y], &m.eager().unwrap());
    })
    .unwrap();
}

#[test]
fn attention_equals_eager() {
    tensorswitch::with_backend("mlx", || {
        let m = model("attention");
        let x = mlx(&m.inputs[0]);
        let c: Vec<Array> = m.constants.iter().map(|c| mlx(&c.1)).collect();
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
    tensorswitch::with_backend("mlx", || {
        let m = model("statistic");
        let (a, b, c, d, e, f, g, h) = statistic::model(&mlx(&m.inputs[0])).unwrap();
        check(
            "statistic",
            vec![a, b, c, d, e, f, g, h],
            &m.eager().unwrap(),
        );
    })
    .unwrap();
}

#[test]
fn wrong_shapes_and_dtypes_are_errors_not_panics() {
    let x = Array::from_slice(&[0.0f32; 9], &[3, 3]);
    assert!(statistic::model(&x).is_err());
    let x = Array::from_slice(&[0i32; 32 * 12], &[32, 12]);
    let e = statistic::model(&x).unwrap_err();
    assert!(e.what().contains("Float32"), "{}", e.what());
}

fn to_native(t: &Tensor) -> Array {
    mlx(t)
}

fn from_native(a: &Array) -> Result<Tensor, String> {
    from_mlx(a.clone()).map_err(|e| e.to_string())
}

#[test]
fn emitted_code_equals_eager_on_every_supported_case() {
    let mut failures = Vec::new();
    tensorswitch::with_backend("mlx", || {
        for (id, emitted) in ops::CASES {
            if let Err(e) = check_case(id, emitted) {
                failures.push(format!("{id}: {e}"));
            }
        }
    })
    .unwrap();
    assert!(ops::CASES.len() > 500, "the table lost cases");
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        ops::CASES.len(),
        failures.join("\n")
    );
}

/// The case run eagerly on MLX and through its emitted code: equal results, or both errors
/// (an error of eager MLX that the emitted code does not make is a difference too).
fn check_case(id: &str, emitted: &fn(&[Tensor]) -> Result<Tensor, String>) -> Result<(), String> {
    let case = tensorswitch_conformance::cases()
        .iter()
        .find(|c| c.id == id)
        .ok_or("no such conformance case: regenerate the table (TS_WRITE_GOLDEN=1)")?;
    let (call, inputs) = tensorswitch_conformance::case_call(case)?.map_err(|e| e.to_string())?;
    let refs: Vec<&Tensor> = inputs.iter().collect();
    let eager = tensorswitch::run(&call, &refs).and_then(|out| match out {
        tensorswitch::Output::Tensor(t) => t.to_host().map(|_| t),
        _ => Err(tensorswitch::Error::Trace {
            reason: "the op no longer returns one tensor".into(),
        }),
    });
    let got = emitted(&inputs).and_then(|t| t.to_host().map(|_| t).map_err(|e| e.to_string()));
    match (eager, got) {
        (Ok(want), Ok(got)) => compare(&got, &want, case.rtol, case.atol),
        (Err(_), Err(_)) => Ok(()),
        (Err(e), Ok(_)) => Err(format!("eager MLX fails ({e}), the emitted code does not")),
        (Ok(_), Err(e)) => Err(format!("the emitted code fails: {e}")),
    }
}
