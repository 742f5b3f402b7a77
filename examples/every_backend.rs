//! Write a function once, run it on every backend this machine has, and compare the results.
//!
//! ```sh
//! cargo run --release --example every_backend
//! # with the torch plugin too (built by `cargo build --release -p tensorswitch-torch-plugin`):
//! TENSORSWITCH_PLUGIN_PATH=target/release cargo run --release --example every_backend
//! ```
//!
//! The function is a small two-layer network: it never names a backend. Each backend runs it
//! on its own copy of the inputs (`to_backend`), and every result is compared with the first
//! backend's, element by element.

use tensorswitch::plugin::Availability;
use tensorswitch::{self as ts, Tensor};
use tensorswitch_ndarray as _; // the ndarray backend; others come from plugins

/// The function, written once: `softmax(relu(x @ w1 + b1) @ w2)`, rows normalised.
fn model(x: &Tensor, w1: &Tensor, b1: &Tensor, w2: &Tensor) -> ts::Result<Tensor> {
    let h = ts::relu(&ts::add(&ts::matmul(x, w1)?, b1)?)?;
    ts::softmax(&ts::matmul(&h, w2)?, -1)
}

/// Every backend that runs here: compiled in, loaded, or a plugin found (loaded now).
fn backends() -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in ts::backend_statuses() {
        if matches!(s.availability, Availability::NotLoadable { .. }) || out.contains(&s.name) {
            continue;
        }
        match ts::backend_version(&s.name) {
            Ok(v) => {
                println!("  {} {v}", s.name);
                out.push(s.name);
            }
            Err(e) => println!("  {}: cannot run here: {e}", s.name),
        }
    }
    out
}

fn main() -> ts::Result<()> {
    println!("backends on this machine:");
    let names = backends();
    // Inputs, made once on the CPU with ndarray, then moved to each backend.
    let data = |n: usize, scale: f32| -> Vec<f32> {
        (0..n)
            .map(|i| ((i * 37 % 11) as f32 - 5.0) * scale)
            .collect()
    };
    let make = |n: &[usize], scale: f32| {
        ts::with_backend("ndarray", || {
            Tensor::from_slice(&data(n.iter().product(), scale), n)
        })?
    };
    let (x, w1, b1, w2) = (
        make(&[4, 8], 0.3)?,
        make(&[8, 16], 0.1)?,
        make(&[16], 0.05)?,
        make(&[16, 3], 0.2)?,
    );

    let mut results: Vec<(String, Vec<f32>)> = Vec::new();
    for name in &names {
        let on = |t: &Tensor| ts::to_backend(t, name);
        let (x, w1, b1, w2) = (on(&x)?, on(&w1)?, on(&b1)?, on(&w2)?);
        // The inputs say which backend runs: nothing is set.
        match model(&x, &w1, &b1, &w2) {
            Ok(y) => {
                assert_eq!(y.backend(), name.as_str());
                results.push((name.clone(), y.to_vec::<f32>()?));
            }
            Err(e) => println!("{name}: the model failed: {e}"),
        }
    }

    let Some((first, reference)) = results.first() else {
        println!("no backend ran the model");
        return Ok(());
    };
    println!("\nrow 0 on {first}: {:?}", &reference[..3]);
    let rows: Vec<f32> = reference.chunks(3).map(|r| r.iter().sum()).collect();
    println!("row sums (softmax: 1 each): {rows:?}");
    for (name, got) in &results[1..] {
        let diff = got
            .iter()
            .zip(reference)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        println!(
            "{name} against {first}: largest difference {diff:.2e} ({})",
            if diff < 1e-5 { "agree" } else { "DIFFER" }
        );
    }
    if results.len() == 1 {
        println!("(only {first} here: put a plugin on TENSORSWITCH_PLUGIN_PATH to compare)");
    }
    Ok(())
}
