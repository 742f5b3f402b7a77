//! A loop of 1-element float32 adds through the torch plugin or the linked torch backend, for
//! instruction counting:
//! `valgrind --tool=callgrind target/release/examples/plugin_add_loop {static|plugin} N`
//! (`TS_DYNAMIC=0` for tensors with the dynamic flag off).
//! The per-call cost is the difference between two iteration counts divided by their
//! difference (start-up cancels out). Build with `cargo build --release -p
//! tensorswitch-torch-plugin --example plugin_add_loop` (which also builds the plugin).
use std::hint::black_box;
use tensorswitch::{self as ts, Tensor};
use tensorswitch_tch as _;

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "plugin".into());
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(10_000);
    // TS_DYNAMIC=0: tensors with the dynamic flag off.
    if std::env::var("TS_DYNAMIC").as_deref() == Ok("0") {
        ts::dynamic::set_dynamic_backend(false);
    }
    let exe = std::env::current_exe().expect("the executable's path");
    // The example sits in `examples/`; cargo builds the plugin into `deps/` beside it.
    let dir = exe
        .parent()
        .and_then(|d| d.parent())
        .expect("a target folder");
    let file = ts::plugin::plugin_file_name("torch");
    let path = [dir.join(&file), dir.join("deps").join(&file)]
        .into_iter()
        .find(|p| p.is_file())
        .expect("the plugin, built beside the example");
    ts::load_backend_plugin_as(&path, "torch_plugin").expect("the plugin loads");
    tch::set_num_threads(1);
    let name = if which == "static" {
        "torch"
    } else {
        "torch_plugin"
    };
    let (x, y) = ts::with_backend(name, || {
        (
            Tensor::from_slice(&[1.5f32], &[1]).unwrap(),
            Tensor::from_slice(&[2.5f32], &[1]).unwrap(),
        )
    })
    .unwrap();
    for _ in 0..100 {
        drop(black_box(ts::add(&x, &y).unwrap()));
    }
    let start = std::time::Instant::now();
    for _ in 0..n {
        drop(black_box(ts::add(black_box(&x), black_box(&y)).unwrap()));
    }
    eprintln!(
        "{which}: {:.1} ns per call",
        start.elapsed().as_nanos() as f64 / n as f64
    );
}
