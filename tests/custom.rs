//! Custom ops declared in the core's own tests (the fixture crate `custom-ops-test` has the
//! rest): a declaration is its slice element, and custom ops compose. An integration test, not
//! a unit test: the core's unit-test binary links two copies of the core (the test build and
//! the one the ndarray dev-dependency links), whose `linkme` slices share a section name, which
//! `linkme` refuses when the slice is read.

use tensorswitch::custom::CUSTOM_OPS;
use tensorswitch::{add, Tensor};
use tensorswitch_ndarray as _;

tensorswitch::custom_op! {
    /// `x + x`.
    fn unit_double(x: &Tensor) -> Result<Tensor> {
        add(x, x)
    }
}

tensorswitch::custom_op! {
    /// `x + x + x`.
    fn unit_triple(x: &Tensor) -> Result<Tensor> {
        add(&unit_double(x)?, x)
    }
}

#[test]
fn a_declaration_is_an_element_of_the_slice() {
    for op in [&unit_double::OP, &unit_triple::OP] {
        assert!(
            CUSTOM_OPS.iter().any(|o| std::ptr::eq(o, op)),
            "{}",
            op.name
        );
    }
    assert_eq!(CUSTOM_OPS.len(), 2);
    assert_eq!(unit_double::OP.krate, "tensorswitch");
    assert!(
        unit_double::OP.module.ends_with("unit_double"),
        "{}",
        unit_double::OP.module
    );
    assert_eq!(unit_double::OP.signature, "(x : & Tensor)");
}

#[test]
fn custom_ops_compose_and_run() -> tensorswitch::Result<()> {
    let x = Tensor::from_slice(&[1.0f32, -2.0], &[2])?;
    assert_eq!(unit_triple(&x)?.to_vec::<f32>()?, vec![3.0, -6.0]);
    let table = tensorswitch::resolve_backend(&[&x])?.table();
    assert_eq!(
        table.custom_source(&unit_triple::OP),
        tensorswitch::Source::Compositional
    );
    Ok(())
}
