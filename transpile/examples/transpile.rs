//! Prints the code emitted for a small model: `cargo run --example transpile -- <target>`, with
//! `<target>` one of `ndarray`, `tch`, `numpy`, `mlx-rs`.
//! `--embed` writes the weights into the code instead of taking them as arguments; `--graph`
//! prints the traced graph first.
//!
//! The model: `softmax(tanh(x @ w1 + b1) @ w2 + b2)` for `x[4,8]`, `w1[8,16]`, `w2[16,3]`,
//! traced on the ndarray backend.

use tensorswitch::{self as ts, Tensor};
use tensorswitch_ndarray as _;
use tensorswitch_transpile::{Constants, Emit, Options, Target};

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage =
        "usage: cargo run --example transpile -- <ndarray|tch|numpy|mlx-rs> [--embed] [--graph]";
    let name = args.iter().find(|a| !a.starts_with("--")).ok_or(usage)?;
    let target =
        Target::from_name(name).ok_or_else(|| format!("unknown target `{name}`; {usage}"))?;
    let data = |n: usize, scale: f32| -> Vec<f32> {
        (0..n)
            .map(|i| ((i * 37 % 19) as f32 - 9.0) * scale)
            .collect()
    };
    let x = Tensor::from_slice(&data(32, 0.1), &[4, 8])?;
    let w1 = Tensor::from_slice(&data(128, 0.05), &[8, 16])?;
    let b1 = Tensor::from_slice(&data(16, 0.01), &[16])?;
    let w2 = Tensor::from_slice(&data(48, 0.05), &[16, 3])?;
    let b2 = Tensor::from_slice(&data(3, 0.01), &[3])?;
    let graph = ts::trace_with_constants(
        &[x],
        &[("w1", &w1), ("b1", &b1), ("w2", &w2), ("b2", &b2)],
        |xs| {
            let h = ts::tanh(&ts::add(&ts::matmul(&xs[0], &w1)?, &b1)?)?;
            Ok(vec![ts::softmax(
                &ts::add(&ts::matmul(&h, &w2)?, &b2)?,
                -1,
            )?])
        },
    )?;
    if args.iter().any(|a| a == "--graph") {
        println!("{graph}\n");
    }
    let options = Options {
        constants: if args.iter().any(|a| a == "--embed") {
            Constants::Embedded
        } else {
            Constants::Arguments
        },
        ..Options::default()
    };
    print!("{}", graph.emit_with(target, &options)?);
    Ok(())
}
