//! The core reads as layers: each module imports only modules of lower layers (see
//! docs/architecture.md). This test reads the sources and fails on an import that goes up or
//! sideways, so a circle cannot come back unnoticed.

use std::path::Path;

/// The layers, bottom first.
const LAYERS: &[&[&str]] = &[
    &["dtype", "version"],
    &["error"],
    &["alloc", "build_info"],
    &["tensor"],
    &["catalogue"],
    &["call", "registry", "kit", "fused", "custom_registry"],
    &["plugin"],
    &["table", "config"],
    &["state"],
    &["ops"],
    &["dynamic", "index", "random", "sets", "custom", "auto"],
    &["trace"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// The top-level module a source file belongs to (`src/tensor/handle.rs` → `tensor`).
fn module_of(path: &Path) -> String {
    let rel = path.strip_prefix("src").expect("under src");
    let first = rel.components().next().expect("a component");
    first
        .as_os_str()
        .to_string_lossy()
        .trim_end_matches(".rs")
        .to_string()
}

/// The `crate::module` paths a file's code (not its comments) names.
fn imports(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            let after = &rest[i + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            // `crate::Result`, `crate::Error`, … are the crate root's re-exports of the ground.
            if name.chars().next().is_some_and(|c| c.is_ascii_lowercase()) {
                out.push(name);
            }
            rest = after;
        }
    }
    out
}

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable src") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_core_module_imports_only_lower_layers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::env::set_current_dir(root).expect("the crate's directory");
    let mut files = Vec::new();
    sources(Path::new("src"), &mut files);
    assert!(files.len() > 10, "found only {} source files", files.len());
    let modules: Vec<String> = files.iter().map(|f| module_of(f)).collect();
    let mut problems = Vec::new();
    for file in &files {
        let module = module_of(file);
        if module == "lib" {
            continue;
        }
        let Some(own) = layer_of(&module) else {
            problems.push(format!(
                "{}: module `{module}` has no layer",
                file.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(file).expect("readable");
        for used in imports(&text) {
            // Macros and items of the crate root (`crate::for_each_op!`, `crate::clip` in a
            // doc link) are not modules.
            if used == module || !modules.contains(&used) {
                continue;
            }
            match layer_of(&used) {
                Some(l) if l < own => {}
                Some(_) => problems.push(format!(
                    "{}: `{module}` imports `{used}`, which is not below it",
                    file.display()
                )),
                None => problems.push(format!("{}: `{used}` is in no layer", file.display())),
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_checker_sees_an_upward_import() {
    let text =
        "use crate::ops::add; // crate::state in a comment is fine\nlet x = crate::Result::Ok(1);";
    assert_eq!(imports(text), vec!["ops".to_string()]);
    assert!(layer_of("ops") > layer_of("tensor"));
}
