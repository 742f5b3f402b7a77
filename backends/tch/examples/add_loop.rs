//! A loop of 1-element float32 adds, for instruction counting:
//! `valgrind --tool=callgrind target/release/examples/add_loop {tch|ts|ts-inferred} N`
//! (`ts` runs on the backend set with `set_backend`, `ts-inferred` with an empty stack).
//! The per-call cost is the difference between two iteration counts divided by their
//! difference (start-up cancels out).
use std::hint::black_box;
use tensorswitch::{self as ts, Tensor};
use tensorswitch_tch as _;

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "ts".into());
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(10_000);
    // TS_DYNAMIC=0: tensors with the dynamic flag off (docs/performance.md compares both).
    if std::env::var("TS_DYNAMIC").as_deref() == Ok("0") {
        ts::dynamic::set_dynamic_backend(false);
    }
    tch::set_num_threads(1);
    let a = tch::Tensor::from_slice(&[1.5f32]);
    let b = tch::Tensor::from_slice(&[2.5f32]);
    ts::set_backend("torch").unwrap();
    let x = Tensor::from_slice(&[1.5f32], &[1]).unwrap();
    let y = Tensor::from_slice(&[2.5f32], &[1]).unwrap();
    // warm both paths the same way
    for _ in 0..100 {
        drop(black_box(a.f_add(&b).unwrap()));
        drop(black_box(ts::add(&x, &y).unwrap()));
    }
    if which == "ts-inferred" {
        ts::unset_backend();
    }
    let start = std::time::Instant::now();
    match which.as_str() {
        "tch" => {
            for _ in 0..n {
                drop(black_box(black_box(&a).f_add(black_box(&b)).unwrap()));
            }
        }
        _ => {
            for _ in 0..n {
                drop(black_box(ts::add(black_box(&x), black_box(&y)).unwrap()));
            }
        }
    }
    eprintln!(
        "{which}: {:.1} ns per call",
        start.elapsed().as_nanos() as f64 / n as f64
    );
}
