use std::hint::black_box;
use tensorswitch::{self as ts, Tensor};
use tensorswitch_ndarray as _;
fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "ts".into());
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(10_000);
    ts::set_backend("ndarray").unwrap();
    let x = Tensor::from_slice(&[1.5f32], &[1]).unwrap();
    let y = Tensor::from_slice(&[2.5f32], &[1]).unwrap();
    for _ in 0..100 {
        drop(black_box(ts::add(&x, &y).unwrap()));
    }
    if which == "ts-inferred" {
        ts::unset_backend();
    }
    for _ in 0..n {
        drop(black_box(ts::add(black_box(&x), black_box(&y)).unwrap()));
    }
}
