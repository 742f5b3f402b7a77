//! docs/array-api.md stays true: every function of the standard (2023.12, main namespace and
//! `linalg`) is in the catalogue, is one of the functions outside it listed here (each
//! referenced, so a missing one fails to compile), or is on the page's list of missing
//! functions; and no function on that list exists.

use std::collections::BTreeSet;
use tensorswitch::Op;

/// The standard's 2023.12 functions (constants left out), `linalg` ones with their prefix.
const STANDARD: &str = "
    arange asarray empty empty_like eye from_dlpack full full_like linspace meshgrid ones
    ones_like tril triu zeros zeros_like
    astype can_cast finfo iinfo isdtype result_type
    abs acos acosh add asin asinh atan atan2 atanh bitwise_and bitwise_left_shift bitwise_invert
    bitwise_or bitwise_right_shift bitwise_xor ceil clip conj copysign cos cosh divide equal exp
    expm1 floor floor_divide greater greater_equal hypot imag isfinite isinf isnan less
    less_equal log log1p log2 log10 logaddexp logical_and logical_not logical_or logical_xor
    maximum minimum multiply negative not_equal positive pow real remainder round sign signbit
    sin sinh square sqrt subtract tan tanh trunc
    take
    matmul matrix_transpose tensordot vecdot
    broadcast_arrays broadcast_to concat expand_dims flip moveaxis permute_dims repeat reshape
    roll squeeze stack tile unstack
    argmax argmin nonzero searchsorted where
    unique_all unique_counts unique_inverse unique_values
    argsort sort
    cumulative_sum max mean min prod std sum var
    all any
    linalg.cholesky linalg.cross linalg.det linalg.diagonal linalg.eigh linalg.eigvalsh
    linalg.inv linalg.matmul linalg.matrix_norm linalg.matrix_power linalg.matrix_rank
    linalg.matrix_transpose linalg.outer linalg.pinv linalg.qr linalg.slogdet linalg.solve
    linalg.svd linalg.svdvals linalg.tensordot linalg.trace linalg.vecdot linalg.vector_norm
";

/// Functions of the standard that are not catalogue ops, with the Rust item that provides
/// each (referenced so that removing one breaks this test's build).
fn outside_the_catalogue() -> Vec<&'static str> {
    use tensorswitch::DType::Bool;
    let _ = (
        tensorswitch::can_cast(Bool, Bool),
        tensorswitch::finfo(Bool),
        tensorswitch::iinfo(Bool),
        tensorswitch::isdtype(Bool, &[]),
        tensorswitch::result_type([Bool]),
        tensorswitch::asarray(true, tensorswitch::AsArray::default()),
        tensorswitch::broadcast_arrays(&[]),
        tensorswitch::meshgrid(&[], tensorswitch::MeshgridIndexing::Xy),
        tensorswitch::unstack as fn(&tensorswitch::Tensor, isize) -> _,
        tensorswitch::nonzero as fn(&tensorswitch::Tensor) -> _,
        tensorswitch::unique_values as fn(&tensorswitch::Tensor) -> _,
        tensorswitch::unique_counts as fn(&tensorswitch::Tensor) -> _,
        tensorswitch::unique_inverse as fn(&tensorswitch::Tensor) -> _,
        tensorswitch::unique_all as fn(&tensorswitch::Tensor) -> _,
    );
    vec![
        "asarray",
        "can_cast",
        "finfo",
        "iinfo",
        "isdtype",
        "result_type",
        // Composites returning several tensors (src/ops/composite.rs).
        "broadcast_arrays",
        "meshgrid",
        "unstack",
        // Results whose shape depends on the values (src/index.rs, src/sets.rs).
        "nonzero",
        "unique_values",
        "unique_counts",
        "unique_inverse",
        "unique_all",
        // The four `linalg` functions that are main-namespace ops under their plain names.
        "linalg.matmul",
        "linalg.matrix_transpose",
        "linalg.tensordot",
        "linalg.vecdot",
    ]
}

fn listed_missing() -> BTreeSet<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/array-api.md");
    let text = std::fs::read_to_string(path).expect("docs/array-api.md is readable");
    let list = text
        .split("<!-- missing (checked by tests/array_api.rs):")
        .nth(1)
        .and_then(|rest| rest.split("-->").next())
        .expect("the page ends with the list of missing functions");
    list.split_whitespace().map(str::to_owned).collect()
}

#[test]
fn every_standard_function_is_provided_or_listed_as_missing() {
    let standard: BTreeSet<&str> = STANDARD.split_whitespace().collect();
    let outside = outside_the_catalogue();
    let missing = listed_missing();
    let unaccounted: Vec<&str> = standard
        .iter()
        .copied()
        .filter(|n| Op::from_name(n).is_none() && !outside.contains(n) && !missing.contains(*n))
        .collect();
    assert!(
        unaccounted.is_empty(),
        "neither provided nor listed as missing in docs/array-api.md: {unaccounted:?}"
    );
}

#[test]
fn no_function_listed_as_missing_exists() {
    let standard: BTreeSet<&str> = STANDARD.split_whitespace().collect();
    let outside = outside_the_catalogue();
    for name in listed_missing() {
        assert!(
            standard.contains(name.as_str()),
            "docs/array-api.md lists {name}, which is not a function of the standard"
        );
        assert!(
            Op::from_name(&name).is_none() && !outside.contains(&name.as_str()),
            "docs/array-api.md lists {name} as missing, but it is provided"
        );
    }
}

#[test]
fn the_standard_list_has_every_function_once() {
    let names: Vec<&str> = STANDARD.split_whitespace().collect();
    let unique: BTreeSet<&str> = names.iter().copied().collect();
    assert_eq!(names.len(), unique.len());
    // 2023.12 has 23 functions in `linalg`.
    assert_eq!(
        names.iter().filter(|n| n.starts_with("linalg.")).count(),
        23
    );
}
