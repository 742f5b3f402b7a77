//! docs/array-api.md stays true: no function it lists as missing is in the catalogue
//! (implementing one fails here until the page is updated).

use tensorswitch::Op;

fn page() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/array-api.md");
    std::fs::read_to_string(path).expect("docs/array-api.md is readable")
}

#[test]
fn no_function_listed_as_missing_is_in_the_catalogue() {
    let text = page();
    let list = text
        .split("<!-- missing (checked by tests/array_api.rs):")
        .nth(1)
        .and_then(|rest| rest.split("-->").next())
        .expect("the page ends with the list of missing functions");
    let names: Vec<&str> = list.split_whitespace().collect();
    // The list shrinks as functions are implemented; a handful is left for now, and fewer
    // than that would mean the comment was not read whole.
    assert!(names.len() > 10, "only {} names listed", names.len());
    let present: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| Op::from_name(n).is_some())
        .collect();
    assert!(
        present.is_empty(),
        "listed as missing in docs/array-api.md but in the catalogue: {present:?}"
    );
}
