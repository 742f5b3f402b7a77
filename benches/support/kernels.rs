//! The ndarray backend's kernels for a small `add`, `take` and `x[1::2]`, written against
//! ndarray directly: what tensorswitch's dispatch adds to. One copy for the `dispatch` bench
//! (timings) and the `add_loop_nd` / `index_loop_nd` examples (instruction counts), so both
//! measure against the same code. Each builds its result as the backend builds it
//! (`Array::from_vec(..).into_dyn()`, without the stride re-validation of the checked
//! `ArrayD::from_shape_vec`, which the backend skips).
#![allow(dead_code)] // each includer uses some of them

use ndarray::ArrayD;
use std::hint::black_box;

/// `a + b` for contiguous same-shape operands: the elements zipped as slices.
pub fn add_kernel(a: &ArrayD<f32>, b: &ArrayD<f32>) -> ArrayD<f32> {
    let (a, b) = (black_box(a), black_box(b));
    let (x, y) = (a.as_slice().unwrap(), b.as_slice().unwrap());
    let data: Vec<f32> = x.iter().zip(y).map(|(&p, &q)| p + q).collect();
    ndarray::Array::from_vec(data).into_dyn()
}

/// `take` of a 1-D contiguous array, negative indices counted from the end.
pub fn take_kernel(a: &ArrayD<f32>, indices: &ArrayD<i64>) -> ArrayD<f32> {
    let (a, indices) = (black_box(a), black_box(indices));
    let (src, idx) = (a.as_slice().unwrap(), indices.as_slice().unwrap());
    let mut v = Vec::with_capacity(idx.len());
    for &i in idx {
        let j = if i < 0 { i + src.len() as i64 } else { i };
        v.push(src[usize::try_from(j).unwrap()]);
    }
    ndarray::Array::from_vec(v).into_dyn()
}

/// `x[1::2]` of an 8-element contiguous array.
pub fn step2_kernel(a: &ArrayD<f32>) -> ArrayD<f32> {
    let src = black_box(a).as_slice().unwrap();
    let mut v = Vec::with_capacity(4);
    let mut p = 1;
    for _ in 0..4 {
        v.push(src[p]);
        p += 2;
    }
    ndarray::Array::from_vec(v).into_dyn()
}
