//! Times MLX's float32 matmul and inverse with whatever BLAS/LAPACK libmlx.so loaded
//! (`scripts/setup-mlx.sh` decides which). `cargo run --release --example blas_probe`
use mlx_rs::{ops as m, Array};
use std::time::Instant;

fn best(reps: usize, mut f: impl FnMut()) -> f64 {
    (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for n in [512usize, 1024] {
        let data: Vec<f32> = (0..n * n)
            .map(|i| ((i * 7919) % 1000) as f32 / 1000.0)
            .collect();
        let a = Array::from_slice(&data, &[n as i32, n as i32]);
        // Diagonally dominant, so well conditioned.
        let d = m::multiply(
            &m::eye::<f32>(n as i32, None, None)?,
            Array::from_f32(n as f32),
        )?;
        let spd = m::add(&a, &d)?;
        let mm = best(5, || {
            m::matmul(&a, &a).and_then(|r| r.eval()).expect("matmul")
        });
        let inv = best(3, || {
            mlx_rs::linalg::inv(&spd)
                .and_then(|r| r.eval())
                .expect("inv")
        });
        println!("n={n}: matmul {mm:.2} ms, inv {inv:.2} ms");
    }
    Ok(())
}
