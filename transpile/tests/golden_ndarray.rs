//! The checked-in ndarray golden files, compiled into this test and run: their results equal
//! eager tensorswitch on the ndarray backend (exactly for integers and bools, within 1e-5 for
//! float32, which the emitted code computes with the backend's own formulas).

use ndarray::{ArrayD, IxDyn};
use tensorswitch::{Element, Tensor};
use tensorswitch_ndarray as _;
use tensorswitch_transpile::testing::{compare, models, Model};

#[rustfmt::skip]
#[path = "golden/attention_ndarray.rs"]
mod attention;
#[rustfmt::skip]
#[path = "golden/attention_embedded_ndarray.rs"]
mod attention_embedded;
#[rustfmt::skip]
#[path = "golden/mlp_ndarray.rs"]
mod mlp;
#[rustfmt::skip]
#[path = "golden/statistic_ndarray.rs"]
mod statistic;

fn nd<T: Element>(t: &Tensor) -> ArrayD<T> {
    ArrayD::from_shape_vec(IxDyn(t.shape()), t.to_vec::<T>().unwrap()).unwrap()
}

fn ts<T: Element>(a: &ArrayD<T>) -> Tensor {
    let a = a.as_standard_layout();
    Tensor::from_slice(a.as_slice().unwrap(), a.shape()).unwrap()
}

fn model(name: &str) -> Model {
    tensorswitch::with_backend("ndarray", models)
        .unwrap()
        .unwrap()
        .into_iter()
        .find(|m| m.name == name)
        .unwrap()
}

fn check(name: &str, got: &[Tensor], want: &[Tensor]) {
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        if let Err(e) = compare(g, w, 1e-5, 1e-6) {
            panic!("{name}, output {i}: {e}");
        }
    }
}

#[test]
fn mlp_equals_eager() {
    tensorswitch::with_backend("ndarray", || {
        let m = model("mlp");
        let c: Vec<ArrayD<f32>> = m.constants.iter().map(|c| nd(&c.1)).collect();
        let y = mlp::model(&nd(&m.inputs[0]), &c[0], &c[1], &c[2], &c[3]).unwrap();
        check("mlp", &[ts(&y)], &m.eager().unwrap());
    })
    .unwrap();
}

#[test]
fn attention_equals_eager() {
    tensorswitch::with_backend("ndarray", || {
        let m = model("attention");
        let x = nd::<f32>(&m.inputs[0]);
        let c: Vec<ArrayD<f32>> = m.constants.iter().map(|c| nd(&c.1)).collect();
        let want = m.eager().unwrap();
        check(
            "attention",
            &[ts(&attention::model(&x, &c[0], &c[1]).unwrap())],
            &want,
        );
        let embedded = attention_embedded::attention_embedded(&x).unwrap();
        check("attention (embedded)", &[ts(&embedded)], &want);
    })
    .unwrap();
}

#[test]
fn statistic_equals_eager() {
    tensorswitch::with_backend("ndarray", || {
        let m = model("statistic");
        let (a, b, c, d, e, f, g, h) = statistic::model(&nd(&m.inputs[0])).unwrap();
        let got = [
            ts(&a),
            ts(&b),
            ts(&c),
            ts(&d),
            ts(&e),
            ts(&f),
            ts(&g),
            ts(&h),
        ];
        check("statistic", &got, &m.eager().unwrap());
    })
    .unwrap();
}

#[test]
fn wrong_shapes_are_errors_not_panics() {
    let x = ArrayD::<f32>::zeros(IxDyn(&[3, 3]));
    assert!(statistic::model(&x).is_err());
}
