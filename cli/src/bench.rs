//! `tensorswitch bench`: per-call dispatch overhead and conversion, measured in a few hundred
//! milliseconds per row. For numbers to quote, use the criterion benchmarks (`cargo bench`,
//! docs/performance.md): this is a quick look at one machine.

use crate::{backends, out, Fail};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use tensorswitch::{self as ts, Tensor};

/// The median over 5 batches of the time per call of `f`, in nanoseconds.
fn time(budget: Duration, mut f: impl FnMut() -> Result<(), ts::Error>) -> Result<f64, Fail> {
    // Warm up, and size a batch to about a fifth of the budget.
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < budget / 20 || n == 0 {
        f()?;
        n += 1;
    }
    let per = start.elapsed().as_secs_f64() / n as f64;
    let batch = ((budget.as_secs_f64() / 5.0 / per) as u64).max(1);
    let mut samples = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        for _ in 0..batch {
            f()?;
        }
        samples.push(t.elapsed().as_secs_f64() * 1e9 / batch as f64);
    }
    samples.sort_by(f64::total_cmp);
    Ok(samples[2])
}

struct Row {
    backend: String,
    what: &'static str,
    elements: usize,
    ns: f64,
}

fn ramp(n: usize) -> Vec<f32> {
    (0..n).map(|i| (i % 97) as f32 * 0.5).collect()
}

pub fn run(backend: Option<String>, millis: u64, as_json: bool) -> Result<ExitCode, Fail> {
    let names = backends(backend)?;
    let budget = Duration::from_millis(millis.max(1));
    const SIZES: [usize; 2] = [1, 100_000];
    const BIG: usize = 1_000_000;
    // Per backend: add at each size, to_backend from ndarray, to_vec; plus the direct rows.
    let steps = names.len() as u64 * (SIZES.len() as u64 + 2) + SIZES.len() as u64;
    let bar = ProgressBar::new(steps);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut rows = Vec::new();
    for &n in &SIZES {
        bar.set_message(format!("ndarray direct, add of {n}"));
        let a = ndarray::Array1::from_vec(ramp(n));
        let b = ndarray::Array1::from_vec(ramp(n));
        let ns = time(budget, || {
            black_box(black_box(&a) + black_box(&b));
            Ok(())
        })?;
        rows.push(Row {
            backend: "ndarray (direct, no tensorswitch)".into(),
            what: "add",
            elements: n,
            ns,
        });
        bar.inc(1);
    }
    let host = ts::with_backend("ndarray", || Tensor::from_slice(&ramp(BIG), &[BIG]))??;
    for name in &names {
        for &n in &SIZES {
            bar.set_message(format!("{name}, add of {n}"));
            let ns = ts::with_backend(name, || -> Result<f64, Fail> {
                let a = Tensor::from_slice(&ramp(n), &[n])?;
                let b = Tensor::from_slice(&ramp(n), &[n])?;
                ts::evaluate(&a)?;
                time(budget, || {
                    let c = ts::add(black_box(&a), black_box(&b))?;
                    ts::evaluate(&c)?;
                    black_box(c);
                    Ok(())
                })
            })??;
            rows.push(Row {
                backend: name.clone(),
                what: "add",
                elements: n,
                ns,
            });
            bar.inc(1);
        }
        bar.set_message(format!("{name}, to_backend of {BIG}"));
        let ns = time(budget, || {
            black_box(ts::to_backend(&host, name)?);
            Ok(())
        })?;
        rows.push(Row {
            backend: name.clone(),
            what: "to_backend from ndarray",
            elements: BIG,
            ns,
        });
        bar.inc(1);
        bar.set_message(format!("{name}, to_vec of {BIG}"));
        let there = ts::to_backend(&host, name)?;
        let ns = time(budget, || {
            black_box(there.to_vec::<f32>()?);
            Ok(())
        })?;
        rows.push(Row {
            backend: name.clone(),
            what: "to_vec",
            elements: BIG,
            ns,
        });
        bar.inc(1);
    }
    bar.finish_and_clear();
    if as_json {
        let doc = json!({
            "budget_ms": millis,
            "rows": rows.iter().map(|r| json!({
                "backend": r.backend, "what": r.what, "elements": r.elements, "ns_per_call": r.ns,
            })).collect::<Vec<_>>(),
        });
        say!("{}", out::pretty(&doc));
    } else {
        let mut t = out::Table::new(&["backend", "call", "elements", "per call"]);
        for r in &rows {
            t.row(vec![
                r.backend.clone(),
                r.what.to_string(),
                r.elements.to_string(),
                human(r.ns),
            ]);
        }
        say_raw!("{t}");
        say!("(median of 5 batches, {millis} ms per row; criterion benches: cargo bench)");
        if cfg!(debug_assertions) {
            say!("(a debug build: for numbers, cargo run --release -p tensorswitch-cli -- bench)");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn human(ns: f64) -> String {
    if ns < 1e3 {
        format!("{ns:.0} ns")
    } else if ns < 1e6 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{:.2} ms", ns / 1e6)
    }
}
