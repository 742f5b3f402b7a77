//! Dispatch cost of a custom op with a native version against a catalogue op doing the same
//! work, paired in one run (benches/support/paired.rs). Numbers: docs/performance.md.
//!
//! `cargo bench --bench custom_ops`
//!
//! The custom op `bench_negative`'s ndarray native calls ndarray's own primary of the
//! catalogue's `negative` (taken from the registry), so both sides run the same kernel on a
//! 1-element float32 tensor and the difference is dispatch: the catalogue's slot call against
//! the custom op's side-table lookup, type check and call, plus one indirect call and a
//! `OnceLock` load in the native, which make the custom side slower if anything.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::sync::OnceLock;
use tensorswitch::{self as ts, catalogue::UnaryFn, custom_op, OpFn, Primary, Tensor};
use tensorswitch_ndarray as _;

#[path = "support/paired.rs"]
mod support;

custom_op! {
    /// `-x`, as a custom op.
    fn bench_negative(x: &Tensor) -> Result<Tensor> {
        ts::negative(x)
    }
}

custom_op! {
    /// `-x`, as a custom op with no native version: its composition runs.
    fn bench_negative_composed(x: &Tensor) -> Result<Tensor> {
        ts::negative(x)
    }
}

static ND_NEGATIVE: OnceLock<UnaryFn> = OnceLock::new();

fn native_negative(x: &Tensor) -> ts::Result<Tensor> {
    let f = ND_NEGATIVE.get().expect("set before the bench runs");
    f(x)
}

tensorswitch::custom_natives! { "ndarray";
    bench_negative => native_negative,
}

fn ndarray_negative() -> UnaryFn {
    let p: &Primary = ts::inventory::iter::<Primary>
        .into_iter()
        .find(|p| p.backend == "ndarray" && p.name == "negative")
        .expect("ndarray registers negative");
    match p.func {
        // SAFETY: the function is only called from `native_negative`, which tensorswitch
        // calls inside the custom op's read section.
        #[allow(unsafe_code)]
        OpFn::negative(slot) => unsafe { slot.get() },
        _ => unreachable!("registered under its op's name"),
    }
}

use support::benching;

fn custom_vs_catalogue(_c: &mut Criterion) {
    let (rounds, batch) = if benching() { (400, 2000) } else { (1, 10) };
    ND_NEGATIVE.get_or_init(ndarray_negative);
    let x = Tensor::from_slice(&[1.5f32], &[1]).unwrap();
    assert_eq!(
        bench_negative(&x).unwrap().to_vec::<f32>().unwrap(),
        vec![-1.5]
    );
    for (label, stack) in [("inferred", false), ("stack", true)] {
        if stack {
            ts::set_backend("ndarray").unwrap();
        }
        let p = support::paired(
            &format!("negative_1xf32 paired, {label}: custom op with native / catalogue op"),
            rounds,
            batch,
            || drop(black_box(ts::negative(black_box(&x)).unwrap())),
            || drop(black_box(bench_negative(black_box(&x)).unwrap())),
        );
        println!("  custom minus catalogue: {:.1} ns", p.ns.1 - p.ns.0);
        let p = support::paired(
            &format!("negative_1xf32 paired, {label}: custom op by composition / catalogue op"),
            rounds,
            batch,
            || drop(black_box(ts::negative(black_box(&x)).unwrap())),
            || drop(black_box(bench_negative_composed(black_box(&x)).unwrap())),
        );
        println!(
            "  composed custom minus catalogue: {:.1} ns",
            p.ns.1 - p.ns.0
        );
        if stack {
            ts::unset_backend();
        }
    }
}

criterion_group!(benches, custom_vs_catalogue);
criterion_main!(benches);
