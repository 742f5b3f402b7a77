//! Differential testing against NumPy on demand: `cargo run --release -p tensorswitch-transpile
//! --example differential -- --cases N [--seed S] [--steps K] [--show SEED]`. Generates N random
//! programs (seeds S, S+1, …), traces each on ndarray, emits NumPy, runs them with NumPy
//! (`TS_PYTHON`, `TS_NUMPY_PATH`) and compares with eager ndarray; prints the report.
//! `--show SEED` prints one program: its steps, its graph and the emitted NumPy code.

use tensorswitch_ndarray as _;
use tensorswitch_transpile::testing::{differential, random_program, Python};
use tensorswitch_transpile::{Emit, Target};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str, default: u64| -> u64 {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let steps = value("--steps", 8) as usize;
    if args.iter().any(|a| a == "--show") {
        let seed = value("--show", 0);
        let shown = tensorswitch::with_backend("ndarray", || -> tensorswitch::Result<()> {
            let p = random_program(seed, steps);
            println!("{p:#?}");
            let inputs = p.tensors()?;
            let g = tensorswitch::trace(&inputs, |xs| p.run(xs))?;
            println!("{g}\n");
            match g.emit(Target::Numpy) {
                Ok(code) => println!("{code}"),
                Err(e) => println!("not emitted: {e}"),
            }
            for (i, t) in p.run(&inputs)?.iter().enumerate() {
                println!("eager output {i}: {:?}", t.to_host()?);
            }
            Ok(())
        });
        if let Err(e) = shown
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| e.to_string()))
        {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
        return;
    }
    let n = value("--cases", 1000) as usize;
    let seed = value("--seed", 1_000_000);
    match differential(&Python::from_env(), &["ndarray"], n, seed, steps) {
        Ok(r) => {
            println!(
                "{} programs from seed {seed}: {} run with NumPy ({} nodes), {} results compared, {} refused, {} mismatches",
                r.programs,
                r.ran,
                r.nodes,
                r.compared,
                r.refused.len(),
                r.mismatches.len()
            );
            for m in r.refused.iter().chain(&r.mismatches) {
                println!("  {m}");
            }
            if !r.mismatches.is_empty() {
                std::process::exit(1);
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
