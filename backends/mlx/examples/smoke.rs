//! The smallest mlx-rs program: two arrays, add, evaluate, read back.
use mlx_rs::Array;

fn main() {
    let a = Array::from_slice(&[1.0f32, 2.0, 3.0], &[3]);
    let b = Array::from_slice(&[10.0f32, 20.0, 30.0], &[3]);
    let c = a.add(&b).expect("add");
    c.eval().expect("eval");
    println!("{:?}", c.as_slice::<f32>());
}
