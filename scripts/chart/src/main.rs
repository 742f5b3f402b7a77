//! Reads criterion's estimates for the `add_by_size_f32` group and draws per-call time against
//! tensor size, one line per backend beside its framework called directly (log-log, SVG), and
//! prints the numbers as a Markdown table with tensorswitch's added time per call.
//!
//! Usage: `tensorswitch-chart [TARGET_DIR] [OUT.svg]`; defaults: `$CARGO_TARGET_DIR` or
//! `target`, and `docs/overhead-by-size.svg`. Run from the repository root.

use plotters::prelude::*;
use std::path::{Path, PathBuf};

const GROUP: &str = "add_by_size_f32";
/// The series: criterion function id, legend, colour, dashed (the direct calls).
const SERIES: [(&str, &str, RGBColor, bool); 4] = [
    (
        "ndarray_direct",
        "ndarray, direct",
        RGBColor(31, 119, 180),
        true,
    ),
    (
        "tensorswitch_ndarray",
        "tensorswitch on ndarray",
        RGBColor(31, 119, 180),
        false,
    ),
    (
        "tch_direct",
        "tch (libtorch), direct",
        RGBColor(214, 39, 40),
        true,
    ),
    (
        "tensorswitch_torch",
        "tensorswitch on torch",
        RGBColor(214, 39, 40),
        false,
    ),
];

/// (elements, median ns per call) of one series, sorted by size.
fn series(group: &Path, id: &str) -> Result<Vec<(f64, f64)>, String> {
    let dir = group.join(id);
    let entries = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e} (run the `sizes` benchmark first)", dir.display()))?;
    let mut out = Vec::new();
    for e in entries.flatten() {
        let Ok(n) = e.file_name().to_string_lossy().parse::<f64>() else {
            continue; // criterion's `report` folder
        };
        let file = e.path().join("new").join("estimates.json");
        let text =
            std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let doc: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
        let ns = doc["median"]["point_estimate"]
            .as_f64()
            .ok_or_else(|| format!("{}: no median", file.display()))?;
        out.push((n, ns));
    }
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    if out.is_empty() {
        return Err(format!("{}: no sizes measured", dir.display()));
    }
    Ok(out)
}

/// The power of ten at or below `v`, and at or above it: whole decades, so every axis has
/// labels at 1, 10, 100, ….
fn decade_below(v: f64) -> f64 {
    10f64.powf(v.log10().floor())
}
fn decade_above(v: f64) -> f64 {
    10f64.powf(v.log10().ceil())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("tensorswitch-chart: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let target = args
        .next()
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("target"));
    let out = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("docs/overhead-by-size.svg"));
    let group = target.join("criterion").join(GROUP);
    let data: Vec<Vec<(f64, f64)>> = SERIES
        .iter()
        .map(|(id, ..)| series(&group, id))
        .collect::<Result<_, _>>()?;

    let all = data.iter().flatten();
    let (xmin, xmax) = all
        .clone()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (ymin, ymax) = all.fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
    let root = SVGBackend::new(&out, (760, 480)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "add, float32: time per call against size",
            ("sans-serif", 20),
        )
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(
            (decade_below(xmin.max(1.0)) * 0.8..decade_above(xmax) * 1.25).log_scale(),
            (decade_below(ymin)..decade_above(ymax)).log_scale(),
        )
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("elements")
        .y_desc("ns per call (median)")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .draw()
        .map_err(|e| e.to_string())?;
    for ((_, label, colour, dashed), points) in SERIES.iter().zip(&data) {
        let style = colour.stroke_width(2);
        let colour = *colour;
        if *dashed {
            chart
                .draw_series(DashedLineSeries::new(points.iter().copied(), 6, 4, style))
                .map_err(|e| e.to_string())?
                .label(*label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour));
        } else {
            chart
                .draw_series(LineSeries::new(points.iter().copied(), style))
                .map_err(|e| e.to_string())?
                .label(*label)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(3))
                });
        }
        chart
            .draw_series(points.iter().map(|&p| Circle::new(p, 3, colour.filled())))
            .map_err(|e| e.to_string())?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())?;
    eprintln!("wrote {}", out.display());

    // The numbers, for docs/performance.md.
    println!("| elements | ndarray direct | tensorswitch on ndarray | added | tch direct | tensorswitch on torch | added |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for (i, (n, _)) in data[0].iter().enumerate() {
        let at = |s: usize| data[s].get(i).map(|p| p.1).unwrap_or(f64::NAN);
        println!(
            "| {n:.0} | {:.0} ns | {:.0} ns | {:+.0} ns | {:.0} ns | {:.0} ns | {:+.0} ns |",
            at(0),
            at(1),
            at(1) - at(0),
            at(2),
            at(3),
            at(3) - at(2)
        );
    }
    Ok(())
}
