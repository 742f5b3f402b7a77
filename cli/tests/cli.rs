//! The `tensorswitch` command, run as a program: each subcommand on the ndarray backend
//! (compiled in) and on torch (its plugin, which `cargo test --workspace` builds into the
//! `deps/` folder), the output parsed (`--format json`) and cross-checked with the library
//! itself, and the exit codes.

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};
use tensorswitch::{self as ts, Source};
use tensorswitch_ndarray as _;

const EXE: &str = env!("CARGO_BIN_EXE_tensorswitch");

/// Cargo's `deps/` folder beside the executable, where the plugins of the workspace are built.
fn deps() -> PathBuf {
    PathBuf::from(EXE).parent().unwrap().join("deps")
}

/// The command with a clean configuration: no variables, an empty working directory and user
/// configuration folder, plugins only from `deps/` when `plugins`.
fn cmd(args: &[&str], plugins: bool) -> Command {
    let home = std::env::temp_dir().join(format!("ts-cli-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let mut c = Command::new(EXE);
    c.args(args)
        .current_dir(&home)
        .env("XDG_CONFIG_HOME", &home)
        .env_remove("TENSORSWITCH_BACKEND")
        .env_remove("TENSORSWITCH_DEVICE");
    if plugins {
        c.env("TENSORSWITCH_PLUGIN_PATH", deps());
    } else {
        // A folder with no plugins: only what is compiled in (and next to the executable).
        c.env("TENSORSWITCH_PLUGIN_PATH", &home);
    }
    c
}

fn run(args: &[&str], plugins: bool) -> (Output, String, String) {
    let out = cmd(args, plugins).output().expect("the command runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out, stdout, stderr)
}

fn json_of(args: &[&str], plugins: bool) -> Value {
    let (out, stdout, stderr) = run(args, plugins);
    assert!(out.status.success(), "{args:?}: {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}):\n{stdout}"))
}

/// Whether the torch plugin is there to test; without it (a build of this package alone, no
/// libtorch configured) the torch tests say so and stop. With libtorch configured
/// (`LIBTORCH`, as scripts/test.sh sets), a missing plugin is a failure.
fn torch_plugin() -> bool {
    let there = deps().join(ts::plugin::plugin_file_name("torch")).is_file();
    if !there {
        assert!(
            std::env::var_os("LIBTORCH").is_none(),
            "LIBTORCH is set but the torch plugin was not built into {}; run the workspace's \
             tests (cargo test --workspace), which build tensorswitch-torch-plugin",
            deps().display()
        );
        eprintln!("torch plugin not built: the torch cases of this test are skipped");
    }
    there
}

fn backend<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["backends"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == name)
        .unwrap_or_else(|| panic!("no backend `{name}` in {doc}"))
}

#[test]
fn help_lists_the_subcommands_and_bad_usage_is_exit_code_2() {
    let (out, stdout, _) = run(&["--help"], false);
    assert!(out.status.success());
    for sub in ["info", "ops", "check", "bench"] {
        assert!(stdout.contains(sub), "{stdout}");
    }
    let (out, _, stderr) = run(&["frobnicate"], false);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let (out, _, stderr) = run(&["ops", "--format", "yaml"], false);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("table") && stderr.contains("json"),
        "{stderr}"
    );
}

#[test]
fn info_reports_ndarray_as_the_library_does() {
    let doc = json_of(&["info", "--format", "json"], false);
    assert_eq!(doc["tensorswitch"], ts::plugin::CORE_VERSION);
    assert_eq!(doc["ops"], ts::Op::ALL.len());
    let nd = backend(&doc, "ndarray");
    assert_eq!(nd["availability"], "compiled in");
    assert_eq!(nd["available"], true);
    assert_eq!(
        nd["version"],
        ts::backend_version("ndarray").unwrap().to_string()
    );
    assert_eq!(nd["devices"], serde_json::json!(["cpu"]));
    let declared: Vec<String> = ts::function_table_report("ndarray")
        .unwrap()
        .unsupported_dtypes
        .iter()
        .map(|d| d.to_string())
        .collect();
    assert_eq!(nd["unsupported_dtypes"], serde_json::json!(declared));
    // Nothing configured: the built-in defaults.
    assert_eq!(doc["config"]["backend"], "ndarray");
    assert_eq!(doc["config"]["backend_from"], "the built-in default");
    assert_eq!(doc["config"]["device"], "cpu");
    // Auto-selection: the report ends with the choice.
    let tried = doc["auto"]["tried"].as_array().unwrap();
    assert_eq!(tried.last().unwrap()["chosen"], true);
    assert!(tried[..tried.len() - 1]
        .iter()
        .all(|t| t["chosen"] == false && t["reason"].as_str().is_some_and(|r| !r.is_empty())));
    // The table form says the same.
    let (out, stdout, _) = run(&["info"], false);
    assert!(out.status.success());
    assert!(stdout.contains("ndarray  compiled in"), "{stdout}");
    assert!(stdout.contains("auto-selection: "), "{stdout}");
}

#[test]
fn info_lists_a_plugin_backend_it_cannot_find_with_where_it_looked() {
    // The MLX plugin is built in the MLX workspace, never next to this command.
    let doc = json_of(&["info", "--format", "json"], false);
    let mlx = backend(&doc, "mlx");
    assert_eq!(mlx["availability"], "not found", "{mlx}");
    assert_eq!(mlx["available"], false, "{mlx}");
    let problem = mlx["problem"].as_str().unwrap();
    assert!(
        problem.contains(&ts::plugin::plugin_file_name("mlx")),
        "{problem}"
    );
    // The coverage report says where each backend comes from.
    let doc = json_of(&["ops", "--backend", "ndarray", "--format", "json"], false);
    assert_eq!(doc["backends"][0]["origin"], "compiled in", "{doc}");
}

#[test]
fn info_shows_the_configuration_and_names_a_bad_value() {
    let mut c = cmd(&["info", "--format", "json"], false);
    c.env("TENSORSWITCH_DEVICE", "cuda:2");
    let doc: Value = serde_json::from_slice(&c.output().unwrap().stdout).unwrap();
    assert_eq!(doc["config"]["device"], "cuda:2");
    assert_eq!(
        doc["config"]["device_from"],
        "environment variable TENSORSWITCH_DEVICE"
    );
    let mut c = cmd(&["info", "--format", "json"], false);
    c.env("TENSORSWITCH_DEVICE", "abacus");
    let doc: Value = serde_json::from_slice(&c.output().unwrap().stdout).unwrap();
    let err = doc["config"]["error"].as_str().unwrap();
    assert!(
        err.contains("TENSORSWITCH_DEVICE") && err.contains("\"abacus\"") && err.contains("cuda:N"),
        "{err}"
    );
}

/// The `ops` report of `name` agrees with the library's own coverage report, op by op.
fn check_ops(doc: &Value, name: &str) {
    let b = backend(doc, name);
    let ops = b["ops"].as_array().unwrap();
    assert_eq!(ops.len(), ts::Op::ALL.len());
    let count = |kind: &str| ops.iter().filter(|o| o["source"] == kind).count();
    for kind in ["primary", "compositional", "unsupported"] {
        assert_eq!(b[kind], count(kind), "{kind}");
    }
    assert_eq!(
        count("primary") + count("compositional") + count("unsupported"),
        ts::Op::ALL.len()
    );
    for (o, op) in ops.iter().zip(ts::Op::ALL) {
        assert_eq!(o["op"], op.name());
    }
    if let Ok(report) = ts::function_table_report(name) {
        for (o, (op, source)) in ops.iter().zip(&report.rows) {
            let (kind, variant) = match source {
                Source::Primary { variant } => {
                    ("primary", (*variant != op.name()).then_some(*variant))
                }
                Source::Compositional => ("compositional", None),
                Source::Unsupported => ("unsupported", None),
            };
            assert_eq!(o["source"], kind, "{}", op.name());
            if let Some(v) = variant {
                assert_eq!(o["variant"], v, "{}", op.name());
            }
        }
    }
}

#[test]
fn ops_on_ndarray_matches_the_library_report() {
    let doc = json_of(&["ops", "--backend", "ndarray", "--format", "json"], false);
    assert_eq!(doc["backends"].as_array().unwrap().len(), 1);
    check_ops(&doc, "ndarray");
    let (out, stdout, _) = run(&["ops", "--backend", "ndarray"], false);
    assert!(out.status.success());
    let matmul = stdout
        .lines()
        .find(|l| l.starts_with("matmul "))
        .expect("a matmul row");
    assert!(matmul.contains("primary"), "{matmul}");
    assert!(stdout.contains(" primary, ") && stdout.contains(" compositional, "));
}

#[test]
fn an_unknown_backend_is_exit_code_2_naming_it() {
    for sub in ["ops", "check", "bench"] {
        let (out, _, stderr) = run(&[sub, "--backend", "no-such-backend"], false);
        assert_eq!(out.status.code(), Some(2), "{sub}: {stderr}");
        assert!(
            stderr.contains("unknown backend `no-such-backend`"),
            "{stderr}"
        );
    }
}

#[test]
fn check_passes_on_ndarray() {
    let doc = json_of(
        &["check", "--backend", "ndarray", "--format", "json"],
        false,
    );
    assert_eq!(doc["ok"], true);
    let b = &doc["backends"][0];
    assert_eq!(b["backend"], "ndarray");
    assert_eq!(b["failed"], 0);
    assert_eq!(b["cases"], tensorswitch_conformance::cases().len());
    assert_eq!(
        b["passed"].as_u64().unwrap() + b["skipped"].as_u64().unwrap(),
        b["cases"].as_u64().unwrap()
    );
    let (out, stdout, _) = run(&["check", "--backend", "ndarray", "--fallbacks"], false);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("ndarray (fallbacks): ") && stdout.contains("all passed"));
}

#[test]
fn check_fails_with_exit_code_1_on_a_broken_backend() {
    // The fixture plugin serves ndarray's kernels with a `negative` that panics.
    if !deps()
        .join(ts::plugin::plugin_file_name("fixture"))
        .is_file()
    {
        panic!("the fixture plugin is not built; run cargo test --workspace");
    }
    let (out, stdout, stderr) = run(&["check", "--backend", "fixture", "--show", "1000"], true);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    let failed: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("  FAILED "))
        .collect();
    assert!(!failed.is_empty(), "{stdout}");
    assert!(
        failed.iter().all(|l| l.contains("negative")),
        "only `negative` is broken: {failed:?}"
    );
    assert!(stdout.contains("some cases FAILED"), "{stdout}");
}

#[test]
fn bench_measures_each_row() {
    let doc = json_of(
        &[
            "bench",
            "--backend",
            "ndarray",
            "--millis",
            "5",
            "--format",
            "json",
        ],
        false,
    );
    let rows = doc["rows"].as_array().unwrap();
    // Two direct rows and four of the backend.
    assert_eq!(rows.len(), 6, "{doc}");
    for r in rows {
        let ns = r["ns_per_call"].as_f64().unwrap();
        assert!(ns.is_finite() && ns > 0.0, "{r}");
    }
    assert!(rows
        .iter()
        .any(|r| r["backend"] == "ndarray" && r["what"] == "add" && r["elements"] == 1));
    let (out, stdout, _) = run(&["bench", "--backend", "ndarray", "--millis", "5"], false);
    assert!(out.status.success());
    assert!(
        stdout.contains("per call") && stdout.contains("to_backend"),
        "{stdout}"
    );
}

#[test]
fn every_subcommand_runs_on_torch_through_its_plugin() {
    if !torch_plugin() {
        return;
    }
    let doc = json_of(&["info", "--format", "json"], true);
    let t = backend(&doc, "torch");
    // A plugin here; compiled in when the command was built with `--features torch`.
    assert!(
        t["availability"] == "plugin" || t["availability"] == "compiled in",
        "{t}"
    );
    assert_eq!(t["available"], true, "{t}");
    assert!(t["version"].as_str().unwrap().starts_with("2."), "{t}");
    assert!(t["devices"]
        .as_array()
        .unwrap()
        .contains(&Value::from("cpu")));

    let doc = json_of(&["ops", "--backend", "torch", "--format", "json"], true);
    check_ops(&doc, "torch");
    // Both backends in one table.
    let (out, stdout, _) = run(&["ops"], true);
    assert!(out.status.success());
    let header = stdout.lines().next().unwrap();
    assert!(
        header.contains("ndarray ") && header.contains("torch "),
        "{header}"
    );

    let doc = json_of(&["check", "--backend", "torch", "--format", "json"], true);
    assert_eq!(doc["ok"], true, "{doc}");
    assert_eq!(doc["backends"][0]["failed"], 0);
    assert!(doc["backends"][0]["passed"].as_u64().unwrap() > 1000);

    let doc = json_of(
        &[
            "bench",
            "--backend",
            "torch",
            "--millis",
            "5",
            "--format",
            "json",
        ],
        true,
    );
    assert!(doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["backend"] == "torch" && r["what"] == "to_backend from ndarray"));
}
