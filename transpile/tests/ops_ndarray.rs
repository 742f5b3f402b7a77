//! The drift check of the ndarray emitter: the code it emits for every conformance case it
//! supports (tests/golden/ops_ndarray.rs, regenerated and compared by tests/golden_files.rs) is
//! compiled here and run on the case's inputs, and its result must equal eager execution on the
//! ndarray backend — exactly for integers and bools, and for floats within the case's own
//! tolerance (the emitted code computes with the primary's formulas, so most agree to the bit).
//! A change to a primary that the emitter does not follow, or the reverse, fails here.

use ndarray::{ArrayD, IxDyn};
use tensorswitch::{Element, Tensor};
use tensorswitch_ndarray as _;

#[rustfmt::skip]
#[path = "golden/ops_ndarray.rs"]
#[allow(clippy::all, unused_parens, unused_variables, unused_assignments)]
mod ops;

fn nd<T: Element>(t: &Tensor) -> ArrayD<T> {
    ArrayD::from_shape_vec(IxDyn(t.shape()), t.to_vec::<T>().unwrap()).unwrap()
}

fn ts<T: Element>(a: &ArrayD<T>) -> Result<Tensor, String> {
    let a = a.as_standard_layout();
    Tensor::from_slice(a.as_slice().unwrap(), a.shape()).map_err(|e| e.to_string())
}

#[test]
fn emitted_code_equals_eager_on_every_supported_case() {
    let mut failures = Vec::new();
    tensorswitch::with_backend("ndarray", || {
        for (id, emitted) in ops::CASES {
            if let Err(e) = check(id, emitted) {
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

fn check(id: &str, emitted: &fn(&[Tensor]) -> Result<Tensor, String>) -> Result<(), String> {
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
    tensorswitch_transpile::testing::compare(&got, &want, case.rtol, case.atol)
}
