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
            (Target::MlxRs, "mlx.rs"),
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
    for (target, ext) in [
        (Target::Ndarray, "ndarray.rs"),
        (Target::Tch, "tch.rs"),
        (Target::MlxRs, "mlx.rs"),
    ] {
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

/// The per-op files: for every conformance case the ndarray backend runs and the target
/// supports, the code emitted for the case's graph (traced on ndarray), in a module of its own,
/// and a table of (case id, function running it on tensorswitch tensors). The table's functions
/// call `super::nd`/`super::ts` (ndarray) or `super::to_native`/`super::from_native` (tch), which
/// the including test defines. Compiled and run by tests/ops_ndarray.rs and the torch backend's
/// tests/transpiled.rs against eager execution on every case: the drift check.
///
/// The mlx-rs table (ops_mlx.rs, run by backends/mlx/tests/transpiled.rs) keeps one case per
/// distinct code structure: cases whose emitted code differs only in numbers (shapes, axes,
/// literals) share their branches of the emitter, and the fix-ups themselves are the backend's
/// own source (backends/mlx/src/kernels.rs), so more cases would add megabytes to compile in
/// CI and no path through the emitter.
fn op_files() -> Vec<(String, String)> {
    use quote::quote;
    let mut out = Vec::new();
    for (target, file) in [
        (Target::Ndarray, "ops_ndarray.rs"),
        (Target::Tch, "ops_tch.rs"),
        (Target::MlxRs, "ops_mlx.rs"),
    ] {
        let mut modules = String::new();
        let mut structures = std::collections::BTreeSet::new();
        let mut entries = Vec::new();
        let mut ops = std::collections::BTreeSet::new();
        tensorswitch::with_backend("ndarray", || {
            for (i, case) in tensorswitch_conformance::cases().iter().enumerate() {
                if !matches!(
                    case.expected,
                    tensorswitch_conformance::Expected::Value { .. }
                ) {
                    continue;
                }
                let Ok(Ok((call, inputs))) = tensorswitch_conformance::case_call(case) else {
                    continue;
                };
                let Ok(g) = tensorswitch::trace(&inputs, |xs| {
                    let refs: Vec<&tensorswitch::Tensor> = xs.iter().collect();
                    match tensorswitch::run(&call, &refs)? {
                        tensorswitch::Output::Tensor(t) => Ok(vec![t]),
                        _ => Err(tensorswitch::Error::Trace {
                            reason: "not one tensor".into(),
                        }),
                    }
                }) else {
                    continue;
                };
                if g.nodes().is_empty() {
                    continue;
                }
                let Ok(code) = g.emit(target) else {
                    continue;
                };
                if target == Target::MlxRs && !structures.insert(structure(&code)) {
                    continue;
                }
                ops.insert(case.op.clone());
                let module = format!("c{i:04}");
                let code = if target == Target::MlxRs {
                    shared_helpers(&code)
                } else {
                    code
                };
                modules += &format!("pub mod {module} {{\n{code}}}\n");
                let m = proc_macro2::Ident::new(&module, proc_macro2::Span::call_site());
                let args = inputs.iter().enumerate().map(|(k, x)| {
                    let t = element(x.dtype());
                    match target {
                        Target::Ndarray => quote!(&super::nd::<#t>(&xs[#k])),
                        _ => quote!(&super::to_native(&xs[#k])),
                    }
                });
                let back = match target {
                    Target::Ndarray => quote!(super::ts),
                    _ => quote!(super::from_native),
                };
                let id = &case.id;
                entries.push(quote! {
                    (#id, |xs| #back(&#m::model(#(#args),*).map_err(|e| e.to_string())?))
                });
            }
        })
        .unwrap();
        let table = quote! {
            /// (conformance case id, the emitted code run on the case's inputs).
            pub const CASES: &[(&str, fn(&[tensorswitch::Tensor]) -> Result<tensorswitch::Tensor, String>)] = &[#(#entries),*];
        };
        let mut table = prettyplease::unparse(&syn::parse2(table).unwrap());
        if target == Target::MlxRs {
            table += &mlx_helpers();
        }
        let ops: Vec<String> = ops.into_iter().collect();
        out.push((
            file.to_string(),
            format!(
                "// Generated by transpile/tests/golden_files.rs (TS_WRITE_GOLDEN=1): the code emitted for\n\
                 // {} conformance cases on {}, covering {} ops.\n\n{table}\n{modules}",
                entries.len(),
                target.name(),
                ops.len()
            ),
        ));
    }
    out
}

/// The mlx-rs code of one case without its documentation, `check` helper and `kernels` module, which the
/// table holds once ([`mlx_helpers`]): the kernels are backends/mlx/src/kernels.rs either way.
fn shared_helpers(code: &str) -> String {
    let mut file: syn::File = syn::parse_str(code).unwrap();
    for item in &mut file.items {
        if let syn::Item::Fn(f) = item {
            f.attrs.retain(|a| !a.path().is_ident("doc"));
        }
    }
    file.items.retain(|item| match item {
        syn::Item::Fn(f) => f.sig.ident != "check",
        syn::Item::Mod(m) => m.ident != "kernels",
        _ => true,
    });
    file.items.insert(
        0,
        syn::parse_quote!(
            #[allow(unused_imports)]
            use super::{check, kernels};
        ),
    );
    prettyplease::unparse(&file)
}

/// The helpers of the mlx-rs table: `check` as the emitter writes it, and every kernel.
fn mlx_helpers() -> String {
    let g = tensorswitch::with_backend("ndarray", || {
        let x = tensorswitch::Tensor::from_slice(&[1.0f32], &[1])?;
        tensorswitch::trace(&[x], |xs| Ok(vec![tensorswitch::exp(&xs[0])?]))
    })
    .unwrap()
    .unwrap();
    let code = g.emit(Target::MlxRs).unwrap();
    let file: syn::File = syn::parse_str(&code).unwrap();
    let check = file
        .items
        .into_iter()
        .find(|i| matches!(i, syn::Item::Fn(f) if f.sig.ident == "check"))
        .unwrap();
    let check = prettyplease::unparse(&syn::File {
        shebang: None,
        attrs: vec![],
        items: vec![check],
    });
    let kernels = include_str!("../../backends/mlx/src/kernels.rs");
    format!("\n{check}\n#[allow(dead_code, unused_imports, clippy::all)]\npub mod kernels {{\n{kernels}}}\n")
}

/// The emitted code without its header comment and with every number made `0`.
fn structure(code: &str) -> String {
    let body: String = code
        .lines()
        .filter(|l| !l.starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = String::with_capacity(body.len());
    let mut in_number = false;
    let mut prev = ' ';
    for c in body.chars() {
        // A number starts with a digit after a non-identifier character (`f32`, `Int64` and
        // `v12` keep their digits).
        let starts = c.is_ascii_digit() && !(prev.is_ascii_alphanumeric() || prev == '_');
        if starts || (in_number && (c.is_ascii_digit() || c == '.' || c == '_')) {
            if !in_number {
                out.push('0');
            }
            in_number = true;
        } else {
            out.push(c);
            in_number = false;
        }
        prev = c;
    }
    out
}

fn element(d: tensorswitch::DType) -> proc_macro2::TokenStream {
    use tensorswitch::DType;
    let s = match d {
        DType::Bool => "bool",
        DType::Int8 => "i8",
        DType::Int16 => "i16",
        DType::Int32 => "i32",
        DType::Int64 => "i64",
        DType::UInt8 => "u8",
        DType::UInt16 => "u16",
        DType::UInt32 => "u32",
        DType::UInt64 => "u64",
        DType::Float32 => "f32",
        _ => "f64",
    };
    s.parse().unwrap()
}

#[test]
fn op_files_are_current() {
    let write = std::env::var("TS_WRITE_GOLDEN").is_ok_and(|v| v == "1");
    let mut stale = Vec::new();
    for (name, code) in op_files() {
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
        "per-op files out of date (rerun with TS_WRITE_GOLDEN=1 and review the diff): {stale:?}"
    );
}
