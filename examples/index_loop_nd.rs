//! Loops of small indexing calls on the ndarray backend, for instruction counting (the
//! dispatch budget of `take` and `x[..]`, docs/performance.md):
//! `valgrind --tool=callgrind target/release/examples/index_loop_nd MODE N`, where MODE is
//! `take` (2 of 8 float32 elements), `slice` (`x[1::2]` of 8), or their ndarray twins
//! `nd-take` (`select`) and `nd-slice` (`slice(s![1..;2]).to_owned()`). The per-call cost is
//! the difference between two iteration counts divided by their difference.
use std::hint::black_box;
use tensorswitch::{self as ts, Tensor};
use tensorswitch_ndarray as _;

#[path = "../benches/support/kernels.rs"]
mod kernels;

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "take".into());
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(10_000);
    ts::set_backend("ndarray").unwrap();
    let data: Vec<f32> = (0..8).map(|i| i as f32).collect();
    let x = Tensor::from_slice(&data, &[8]).unwrap();
    let idx = Tensor::from_slice(&[5i64, 1], &[2]).unwrap();
    let a = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[8]), data).unwrap();
    let ia = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[2]), vec![5i64, 1]).unwrap();
    let one = || match which.as_str() {
        "take" => drop(black_box(
            ts::take(black_box(&x), black_box(&idx), 0).unwrap(),
        )),
        "slice" => drop(black_box(black_box(&x).index(ts::s![1..;2]).unwrap())),
        "nd-take" => drop(black_box(black_box(&a).select(ndarray::Axis(0), &[5, 1]))),
        "nd-slice" => drop(black_box(
            black_box(&a).slice(ndarray::s![1..;2]).to_owned(),
        )),
        // The backend's kernels written against ndarray directly (what dispatch adds to).
        "kernel-take" => drop(black_box(kernels::take_kernel(&a, &ia))),
        "kernel-slice" => drop(black_box(kernels::step2_kernel(&a))),
        other => panic!(
            "unknown mode {other}: take, slice, nd-take, nd-slice, kernel-take or kernel-slice"
        ),
    };
    for _ in 0..100 {
        one();
    }
    for _ in 0..n {
        one();
    }
}
