//! The torch backend through the plugin boundary against the same backend linked statically,
//! in one process: the plugin (this crate's cdylib, which cargo builds into `deps/` next to
//! this binary) is loaded under the name `torch_plugin`, beside the compiled-in `torch`. Both
//! run on the one libtorch the process has mapped.
//!
//! `cargo bench -p tensorswitch-torch-plugin --bench plugin` (with the libtorch environment).
//! Targets: `add` of 1-element float32 tensors at most 1.10 of the static backend's time,
//! `matmul` of 512x512 float32 at most 1.01. The ratios are paired (benches/support/paired.rs).
//!
//! Built with this binary, the plugin shares its tensor blocks with it (docs/architecture.md,
//! "Shared blocks"). For comparison, the `add` is also paired against a second copy of the
//! plugin file, loaded as `torch_handles` with `TENSORSWITCH_PLUGIN_BLOCKS=0`, which crosses
//! with handles: both plugin ratios come from the one run, on the one machine state.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use tensorswitch::{self as ts, Tensor};
use tensorswitch_ndarray as _;
use tensorswitch_tch as _;

#[path = "../../../benches/support/paired.rs"]
mod support;

const PLUGIN: &str = "torch_plugin";
const HANDLES: &str = "torch_handles";

fn load_plugin() {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap();
    let path = dir.join(ts::plugin::plugin_file_name("torch"));
    // Loading twice returns the first result.
    let shared = ts::load_backend_plugin_as(&path, PLUGIN).unwrap();
    // A copy under another name is another library to the loader, with its own copy of the
    // core, and the host decides at load time whether to offer shared blocks.
    if !ts::available_backends().contains(&HANDLES) {
        let copy = dir.join(format!("torch_handles_{}.plugin", std::process::id()));
        std::fs::copy(&path, &copy).unwrap();
        std::env::set_var("TENSORSWITCH_PLUGIN_BLOCKS", "0");
        let loaded = ts::load_backend_plugin_as(&copy, HANDLES);
        std::env::remove_var("TENSORSWITCH_PLUGIN_BLOCKS");
        // The mapping outlives the file.
        let _ = std::fs::remove_file(&copy);
        loaded.unwrap();
    }
    for (name, blocks) in [(shared, true), (HANDLES, false)] {
        let shares = matches!(
            ts::backend_status(name).availability,
            ts::plugin::Availability::Plugin { shares_blocks, .. } if shares_blocks == blocks
        );
        assert!(shares, "{name} should cross with shared blocks: {blocks}");
    }
    // libtorch single-threaded, as in the tch backend's benchmarks: one libtorch serves both.
    tch::set_num_threads(1);
}

/// Tensors `(x, y)` of `data` on backend `name`.
fn pair(name: &str, a: &[f32], b: &[f32], shape: &[usize]) -> (Tensor, Tensor) {
    ts::with_backend(name, || {
        (
            Tensor::from_slice(a, shape).unwrap(),
            Tensor::from_slice(b, shape).unwrap(),
        )
    })
    .unwrap()
}

fn add_one_element(c: &mut Criterion) {
    load_plugin();
    let (xs, ys) = pair("torch", &[1.5], &[2.5], &[1]);
    let (xp, yp) = pair(PLUGIN, &[1.5], &[2.5], &[1]);
    assert_eq!(
        ts::add(&xp, &yp).unwrap().to_vec::<f32>().unwrap(),
        vec![4.0]
    );
    let mut g = c.benchmark_group("plugin_add_1xf32");
    g.bench_function("static", |b| {
        b.iter(|| black_box(ts::add(black_box(&xs), black_box(&ys)).unwrap()))
    });
    g.bench_function("plugin", |b| {
        b.iter(|| black_box(ts::add(black_box(&xp), black_box(&yp)).unwrap()))
    });
    g.finish();
    let p = support::paired(
        "plugin_add_1xf32 paired, plugin / static",
        4000,
        100,
        || drop(black_box(ts::add(black_box(&xs), black_box(&ys)).unwrap())),
        || drop(black_box(ts::add(black_box(&xp), black_box(&yp)).unwrap())),
    );
    println!("plugin_add_1xf32: ratio {:.4} (target <= 1.10)", p.ratio);
    let (xh, yh) = pair(HANDLES, &[1.5], &[2.5], &[1]);
    support::paired(
        "plugin_add_1xf32 paired, plugin with handles / static",
        4000,
        100,
        || drop(black_box(ts::add(black_box(&xs), black_box(&ys)).unwrap())),
        || drop(black_box(ts::add(black_box(&xh), black_box(&yh)).unwrap())),
    );
}

fn matmul_512(c: &mut Criterion) {
    load_plugin();
    let n = 512;
    let data: Vec<f32> = (0..n * n)
        .map(|i| ((i * 7919) % 1000) as f32 / 1000.0)
        .collect();
    let rev: Vec<f32> = data.iter().rev().copied().collect();
    let (xs, ys) = pair("torch", &data, &rev, &[n, n]);
    let (xp, yp) = pair(PLUGIN, &data, &rev, &[n, n]);
    let mut g = c.benchmark_group("plugin_matmul_512xf32");
    g.bench_function("static", |b| {
        b.iter(|| black_box(ts::matmul(black_box(&xs), black_box(&ys)).unwrap()))
    });
    g.bench_function("plugin", |b| {
        b.iter(|| black_box(ts::matmul(black_box(&xp), black_box(&yp)).unwrap()))
    });
    g.finish();
    let p = support::paired(
        "plugin_matmul_512xf32 paired, plugin / static",
        200,
        2,
        || {
            drop(black_box(
                ts::matmul(black_box(&xs), black_box(&ys)).unwrap(),
            ))
        },
        || {
            drop(black_box(
                ts::matmul(black_box(&xp), black_box(&yp)).unwrap(),
            ))
        },
    );
    println!(
        "plugin_matmul_512xf32: ratio {:.4} (target <= 1.01)",
        p.ratio
    );
}

criterion_group!(benches, add_one_element, matmul_512);
criterion_main!(benches);
