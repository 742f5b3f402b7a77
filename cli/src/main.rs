//! `tensorswitch`: what the backends of this machine can do, from the command line.
//!
//! * `tensorswitch info` — every backend (compiled in, plugin loaded or found, unavailable and
//!   why), its framework version, devices and unsupported dtypes; the configuration in effect
//!   and what auto-selection would pick.
//! * `tensorswitch ops [--backend NAME] [--format table|json]` — the coverage table: each op
//!   primary (which version variant), compositional or unsupported, per backend.
//! * `tensorswitch check [--backend NAME] [--fallbacks]` — the conformance cases shipped with
//!   the crate, run on each available backend; exit code 0 when all passed, 1 when some failed.
//! * `tensorswitch bench [--backend NAME]` — dispatch overhead and conversion, in short.
//!
//! Exit codes: 0 success, 1 conformance failures, 2 a usage or backend error.
//!
//! The ndarray backend is compiled in; torch is compiled in with the cargo feature `torch`,
//! and otherwise used from its plugin (`libtensorswitch_torch.so` next to this executable or on
//! `TENSORSWITCH_PLUGIN_PATH`).

/// `println!` that ends the program quietly when stdout is closed (`tensorswitch ops | head`)
/// instead of panicking.
macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        if writeln!(std::io::stdout(), $($t)*).is_err() {
            std::process::exit(0);
        }
    }};
}

/// `print!`, as [`say!`].
macro_rules! say_raw {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        if write!(std::io::stdout(), $($t)*).is_err() {
            std::process::exit(0);
        }
    }};
}

mod bench;
mod out;

use clap::{Parser, Subcommand, ValueEnum};
use serde_json::json;
use std::process::ExitCode;
use tensorswitch::plugin::{Availability, BackendStatus};
use tensorswitch::{self as ts, Source};
use tensorswitch_ndarray as _;
#[cfg(feature = "torch")]
use tensorswitch_tch as _;

#[derive(Parser)]
#[command(
    name = "tensorswitch",
    version,
    about = "Backends, op coverage, conformance and overhead of tensorswitch on this machine"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Table,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Every backend: how it is had, framework version, devices, unsupported dtypes; the
    /// configuration and what auto-selection picks.
    Info {
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// The coverage table: each op primary (with its version variant), compositional or
    /// unsupported, per backend.
    Ops {
        /// One backend instead of every available one.
        #[arg(long)]
        backend: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Runs the conformance cases shipped with tensorswitch on each available backend.
    Check {
        /// One backend instead of every available one.
        #[arg(long)]
        backend: Option<String>,
        /// Serve every op that has a compositional fallback by it.
        #[arg(long)]
        fallbacks: bool,
        /// How many failures to print per backend.
        #[arg(long, default_value_t = 20)]
        show: usize,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Dispatch overhead and conversion, in short.
    Bench {
        /// One backend instead of every available one.
        #[arg(long)]
        backend: Option<String>,
        /// Time spent measuring each row, in milliseconds.
        #[arg(long, default_value_t = 200)]
        millis: u64,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
}

/// A failure that ends the command with exit code 2.
struct Fail(String);

impl From<ts::Error> for Fail {
    fn from(e: ts::Error) -> Fail {
        Fail(e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Info { format } => info(format),
        Command::Ops { backend, format } => ops(backend, format),
        Command::Check {
            backend,
            fallbacks,
            show,
            format,
        } => check(backend, fallbacks, show, format),
        Command::Bench {
            backend,
            millis,
            format,
        } => bench::run(backend, millis, format == Format::Json),
    };
    match result {
        Ok(code) => code,
        Err(Fail(msg)) => {
            eprintln!("tensorswitch: {msg}");
            ExitCode::from(2)
        }
    }
}

/// The backends a command runs on: the one named (which must be usable), else every backend
/// compiled in or found as a plugin whose framework runs here (plugins found are loaded).
pub(crate) fn backends(named: Option<String>) -> Result<Vec<String>, Fail> {
    if let Some(name) = named {
        ts::backend_version(&name)?;
        return Ok(vec![name]);
    }
    let mut out = Vec::new();
    for s in ts::backend_statuses() {
        if matches!(s.availability, Availability::NotLoadable { .. }) || out.contains(&s.name) {
            continue;
        }
        if ts::backend_version(&s.name).is_ok() {
            out.push(s.name);
        }
    }
    if out.is_empty() {
        return Err(Fail("no backend can run here".to_string()));
    }
    Ok(out)
}

fn availability(s: &BackendStatus) -> (String, Option<String>) {
    match &s.availability {
        Availability::CompiledIn => ("compiled in".into(), None),
        Availability::Plugin { path, .. } => ("plugin".into(), Some(path.display().to_string())),
        Availability::Found { path } => ("plugin found".into(), Some(path.display().to_string())),
        Availability::NotLoadable { path, .. } => (
            "plugin not loadable".into(),
            Some(path.display().to_string()),
        ),
        Availability::NotFound { .. } => ("not found".into(), None),
    }
}

fn info(format: Format) -> Result<ExitCode, Fail> {
    // Load the plugins found, so their versions (or why they cannot run) are known.
    let found: Vec<String> = ts::backend_statuses().into_iter().map(|s| s.name).collect();
    for name in &found {
        let _ = ts::backend_version(name);
    }
    let mut rows = Vec::new();
    let mut seen = Vec::new();
    for s in ts::backend_statuses() {
        if seen.contains(&(s.name.clone(), availability(&s).0)) {
            continue;
        }
        seen.push((s.name.clone(), availability(&s).0));
        let (how, path) = availability(&s);
        let desc = ts::plugin::all_descriptors().find(|d| d.name == s.name);
        let (version, problem) = match (&s.availability, ts::backend_version(&s.name)) {
            (Availability::NotLoadable { reason, .. }, _) => (None, Some(reason.clone())),
            (_, Ok(v)) => (Some(v.to_string()), None),
            (_, Err(e)) => (None, Some(e.to_string())),
        };
        let usable = problem.is_none();
        let devices: Vec<String> = match desc {
            Some(d) if usable => (d.devices)().iter().map(|d| d.to_string()).collect(),
            _ => Vec::new(),
        };
        let unsupported: Vec<String> = if usable {
            ts::function_table_report(&s.name)
                .map(|r| r.unsupported_dtypes.iter().map(|d| d.to_string()).collect())
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        rows.push(json!({
            "name": s.name,
            "framework": desc.map(|d| d.framework),
            "availability": how,
            "path": path,
            "available": usable,
            "version": version,
            "devices": devices,
            "unsupported_dtypes": unsupported,
            "problem": problem,
        }));
    }
    // The backends shipped as plugins that are neither linked nor found, with where they were
    // looked for.
    for name in ts::plugin::KNOWN_PLUGINS {
        let s = ts::backend_status(name);
        if let Availability::NotFound { .. } = &s.availability {
            rows.push(json!({
                "name": s.name,
                "framework": null,
                "availability": availability(&s).0,
                "path": null,
                "available": false,
                "version": null,
                "devices": Vec::<String>::new(),
                "unsupported_dtypes": Vec::<String>::new(),
                "problem": s.availability.to_string(),
            }));
        }
    }
    let config = match ts::config::config() {
        Ok(c) => json!({
            "backend": c.backend().value.to_string(),
            "backend_from": c.backend().origin.to_string(),
            "device": c.device().value.to_string(),
            "device_from": c.device().origin.to_string(),
            "files_read": c.files_read().iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
            "error": null,
        }),
        Err(e) => json!({ "error": e.to_string() }),
    };
    let auto = match ts::auto_select_backend() {
        Ok(s) => json!({
            "backend": s.backend,
            "device": s.device.to_string(),
            "version": s.version,
            "tried": s.tried.iter().map(|a| json!({
                "candidate": a.candidate.to_string(),
                "chosen": a.outcome.is_ok(),
                "reason": a.outcome.as_ref().err(),
            })).collect::<Vec<_>>(),
        }),
        Err(e) => json!({ "error": e.to_string() }),
    };
    let doc = json!({
        "tensorswitch": ts::plugin::CORE_VERSION,
        "ops": ts::Op::ALL.len(),
        "backends": rows,
        "config": config,
        "auto": auto,
    });
    if format == Format::Json {
        say!("{}", out::pretty(&doc));
        return Ok(ExitCode::SUCCESS);
    }
    say!(
        "tensorswitch {} ({} ops in the catalogue)",
        ts::plugin::CORE_VERSION,
        ts::Op::ALL.len()
    );
    say!();
    let mut t = out::Table::new(&["backend", "how", "version", "devices", "unsupported dtypes"]);
    for r in doc["backends"].as_array().into_iter().flatten() {
        let s = |k: &str| r[k].as_str().unwrap_or("").to_string();
        let list = |k: &str| {
            r[k].as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default()
        };
        let version = if r["available"].as_bool() == Some(true) {
            s("version")
        } else {
            "unavailable".to_string()
        };
        t.row(vec![
            s("name"),
            s("availability"),
            version,
            list("devices"),
            list("unsupported_dtypes"),
        ]);
    }
    say_raw!("{t}");
    for r in doc["backends"].as_array().into_iter().flatten() {
        if let Some(p) = r["problem"].as_str() {
            say!("  {}: {p}", r["name"].as_str().unwrap_or("?"));
        }
        if let Some(p) = r["path"].as_str() {
            say!("  {} from {p}", r["name"].as_str().unwrap_or("?"));
        }
    }
    say!();
    match doc["config"]["error"].as_str() {
        Some(e) => say!("configuration: {e}"),
        None => say!(
            "configuration: backend {} ({}), device {} ({})",
            doc["config"]["backend"].as_str().unwrap_or(""),
            doc["config"]["backend_from"].as_str().unwrap_or(""),
            doc["config"]["device"].as_str().unwrap_or(""),
            doc["config"]["device_from"].as_str().unwrap_or(""),
        ),
    }
    match ts::auto_select_backend() {
        Ok(s) => {
            say!("auto-selection: {s}");
            for line in s.report().lines() {
                say!("  {line}");
            }
        }
        Err(e) => say!("auto-selection: {e}"),
    }
    Ok(ExitCode::SUCCESS)
}

fn source_json(op: ts::Op, s: &Source) -> serde_json::Value {
    match s {
        Source::Primary { variant } => json!({
            "op": op.name(), "source": "primary",
            "variant": (*variant != op.name()).then_some(*variant),
        }),
        Source::Compositional => json!({ "op": op.name(), "source": "compositional" }),
        Source::Unsupported => json!({ "op": op.name(), "source": "unsupported" }),
    }
}

fn ops(backend: Option<String>, format: Format) -> Result<ExitCode, Fail> {
    let names = backends(backend)?;
    let mut reports = Vec::new();
    for n in &names {
        reports.push(ts::function_table_report(n)?);
    }
    if format == Format::Json {
        let doc = json!({
            "backends": reports.iter().map(|r| json!({
                "name": r.backend,
                "origin": r.origin.to_string(),
                "version": r.version.to_string(),
                "emulated": r.emulated,
                "primary": r.count(|s| matches!(s, Source::Primary { .. })),
                "compositional": r.count(|s| matches!(s, Source::Compositional)),
                "unsupported": r.count(|s| matches!(s, Source::Unsupported)),
                "unsupported_dtypes": r.unsupported_dtypes.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
                "ops": r.rows.iter().map(|(op, s)| source_json(*op, s)).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        });
        say!("{}", out::pretty(&doc));
        return Ok(ExitCode::SUCCESS);
    }
    let mut header = vec!["op".to_string()];
    header.extend(
        reports
            .iter()
            .map(|r| format!("{} {}", r.backend, r.version)),
    );
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut t = out::Table::new(&header);
    for (i, op) in ts::Op::ALL.iter().enumerate() {
        let mut row = vec![op.name().to_string()];
        for r in &reports {
            row.push(match &r.rows[i].1 {
                Source::Primary { variant } if *variant != op.name() => {
                    format!("primary ({variant})")
                }
                Source::Primary { .. } => "primary".to_string(),
                Source::Compositional => "compositional".to_string(),
                Source::Unsupported => "unsupported".to_string(),
            });
        }
        t.row(row);
    }
    say_raw!("{t}");
    for r in &reports {
        say!(
            "{} {}: {} primary, {} compositional, {} unsupported",
            r.backend,
            r.version,
            r.count(|s| matches!(s, Source::Primary { .. })),
            r.count(|s| matches!(s, Source::Compositional)),
            r.count(|s| matches!(s, Source::Unsupported)),
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn check(
    backend: Option<String>,
    fallbacks: bool,
    show: usize,
    format: Format,
) -> Result<ExitCode, Fail> {
    let names = backends(backend)?;
    let mut all_ok = true;
    let mut docs = Vec::new();
    for n in &names {
        let s = tensorswitch_conformance::summarize(n, fallbacks).map_err(Fail)?;
        all_ok &= s.ok();
        if format == Format::Table {
            say!(
                "{}{}: {} cases, {} passed, {} skipped, {} failed",
                s.backend,
                if fallbacks { " (fallbacks)" } else { "" },
                s.cases,
                s.passed,
                s.skipped,
                s.failures.len()
            );
            for (id, what) in s.failures.iter().take(show) {
                say!("  FAILED {id}: {what}");
            }
            if s.failures.len() > show {
                say!("  … and {} more", s.failures.len() - show);
            }
        }
        docs.push(json!({
            "backend": s.backend,
            "fallbacks": s.fallbacks,
            "cases": s.cases,
            "passed": s.passed,
            "skipped": s.skipped,
            "failed": s.failures.len(),
            "failures": s.failures.iter().map(|(id, what)| json!({"case": id, "what": what})).collect::<Vec<_>>(),
        }));
    }
    if format == Format::Json {
        say!(
            "{}",
            out::pretty(&json!({ "ok": all_ok, "backends": docs }))
        );
    } else {
        say!(
            "{}",
            if all_ok {
                "all passed"
            } else {
                "some cases FAILED"
            }
        );
    }
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
