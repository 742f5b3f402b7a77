//! Differential testing against NumPy: random programs (seeded; transpile::testing) traced on
//! ndarray, emitted as NumPy, run with real NumPy, and compared with eager execution on the
//! ndarray backend. `TS_DIFF_CASES` sets the number of programs (300 by default),
//! `TS_DIFF_SEED` the first seed; `cargo run --release -p tensorswitch-transpile --example
//! differential -- --cases N` runs more and prints the report. The torch backend's tests run
//! the same programs against torch.
//!
//! NumPy comes from `TS_PYTHON`/`TS_NUMPY_PATH` (scripts/setup-numpy.sh installs it from PyPI;
//! scripts/test.sh does so and sets `TS_REQUIRE_NUMPY=1`). Without NumPy the test says so and
//! passes, unless `TS_REQUIRE_NUMPY=1`.

use tensorswitch_ndarray as _;
use tensorswitch_transpile::testing::{differential, Python};

#[test]
fn random_programs_agree_with_numpy() {
    let python = Python::from_env();
    if let Err(e) = python.numpy_version() {
        let required = std::env::var("TS_REQUIRE_NUMPY").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "NumPy is required (TS_REQUIRE_NUMPY=1) but cannot be imported: {e}"
        );
        eprintln!("skipping the differential test: NumPy cannot be imported ({e}); run scripts/setup-numpy.sh");
        return;
    }
    let n = std::env::var("TS_DIFF_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let seed = std::env::var("TS_DIFF_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let report = differential(&python, &["ndarray"], n, seed, 8).unwrap();
    eprintln!(
        "differential: {} programs, {} run with NumPy ({} nodes), {} results compared, {} refused, {} mismatches",
        report.programs,
        report.ran,
        report.nodes,
        report.compared,
        report.refused.len(),
        report.mismatches.len()
    );
    assert!(
        report.ran * 10 >= report.programs * 9,
        "too many programs refused: {:?}",
        report.refused
    );
    assert!(
        report.mismatches.is_empty(),
        "{}",
        report.mismatches.join("\n")
    );
}
