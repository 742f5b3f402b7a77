//! The golden files (tests/golden/): the code emitted for the golden models on each target is
//! checked in, and this test regenerates it and compares. `TS_WRITE_GOLDEN=1` rewrites the files
//! instead (review the diff: a change of the emitted code is a change of behaviour).

use tensorswitch_ndarray as _;
use tensorswitch_transpile::testing::models;
use tensorswitch_transpile::{Constants, Emit, Options, Target};

fn golden_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Every golden file: (file name, emitted text).
fn emitted() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let models = tensorswitch::with_backend("ndarray", models)
        .expect("the ndarray backend is linked")
        .expect("the models build");
    for m in &models {
        let g = tensorswitch::with_backend("ndarray", || m.trace())
            .unwrap()
            .unwrap_or_else(|e| panic!("{} does not trace: {e}", m.name));
        for (target, ext) in [
            (Target::Ndarray, "ndarray.rs"),
            (Target::Tch, "tch.rs"),
            (Target::Numpy, "numpy.py"),
        ] {
            let code = g
                .emit(target)
                .unwrap_or_else(|e| panic!("{} on {}: {e}", m.name, target.name()));
            out.push((format!("{}_{ext}", m.name), code));
        }
    }
    // The attention block with its constants written into the code.
    let att = &models[1];
    let g = tensorswitch::with_backend("ndarray", || att.trace())
        .unwrap()
        .unwrap();
    let opts = Options {
        constants: Constants::Embedded,
        name: "attention_embedded".into(),
    };
    for (target, ext) in [(Target::Ndarray, "ndarray.rs"), (Target::Tch, "tch.rs")] {
        out.push((
            format!("attention_embedded_{ext}"),
            g.emit_with(target, &opts).unwrap(),
        ));
    }
    out
}

#[test]
fn golden_files_are_current() {
    let write = std::env::var("TS_WRITE_GOLDEN").is_ok_and(|v| v == "1");
    let mut stale = Vec::new();
    for (name, code) in emitted() {
        let path = golden_dir().join(&name);
        if write {
            std::fs::write(&path, &code).unwrap();
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(old) if old == code => {}
            Ok(_) => stale.push(format!("{name} differs")),
            Err(e) => stale.push(format!("{name}: {e}")),
        }
    }
    assert!(
        stale.is_empty(),
        "golden files out of date (rerun with TS_WRITE_GOLDEN=1 and review the diff): {stale:?}"
    );
}
