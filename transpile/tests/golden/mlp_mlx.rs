// Emitted by tensorswitch-transpile for mlx-rs from a graph traced on ndarray.
// input 0: float32[64,256]
// constant w1: float32[256,64]
// constant b1: float32[64]
// constant w2: float32[64,10]
// constant b2: float32[10]
// output 0: float32[64,10]
/// The traced graph as mlx-rs code: inputs and results as `mlx_rs::Array`, results unevaluated (MLX is lazy: they compute when read or evaluated); an error when an argument's shape or dtype differs from the traced one (6 nodes).
#[allow(clippy::all, unused_parens, unused_variables)]
pub fn model(
    x: &mlx_rs::Array,
    w1: &mlx_rs::Array,
    b1: &mlx_rs::Array,
    w2: &mlx_rs::Array,
    b2: &mlx_rs::Array,
) -> Result<mlx_rs::Array, mlx_rs::error::Exception> {
    check(x, &[64i32, 256i32] as &[i32], mlx_rs::Dtype::Float32)?;
    check(w1, &[256i32, 64i32] as &[i32], mlx_rs::Dtype::Float32)?;
    check(b1, &[64i32] as &[i32], mlx_rs::Dtype::Float32)?;
    check(w2, &[64i32, 10i32] as &[i32], mlx_rs::Dtype::Float32)?;
    check(b2, &[10i32] as &[i32], mlx_rs::Dtype::Float32)?;
    let v5 = mlx_rs::ops::matmul(x, w1)?;
    let v6 = mlx_rs::ops::add(&v5, b1)?;
    let v7 = mlx_rs::ops::tanh(&v6)?;
    let v8 = mlx_rs::ops::matmul(&v7, w2)?;
    let v9 = mlx_rs::ops::add(&v8, b2)?;
    let v10 = {
        let e = kernels::exp_guarded(
            &mlx_rs::ops::subtract(&v9, &(&v9).max_axes(&[1i32] as &[i32], true)?)?,
        )?;
        mlx_rs::ops::divide(&e, &(&e).sum_axes(&[1i32] as &[i32], true)?)?
    };
    Ok(v10)
}
/// An error unless the array has the traced shape and dtype.
#[allow(dead_code)]
fn check(
    a: &mlx_rs::Array,
    shape: &[i32],
    dtype: mlx_rs::Dtype,
) -> Result<(), mlx_rs::error::Exception> {
    if a.shape() != shape {
        return Err(
            mlx_rs::error::Exception::custom(
                format!("expected shape {shape:?}, got {:?}", a.shape()),
            ),
        );
    }
    if a.dtype() != dtype {
        return Err(
            mlx_rs::error::Exception::custom(
                format!("expected {dtype:?}, got {:?}", a.dtype()),
            ),
        );
    }
    Ok(())
}
/// The MLX backend's fix-ups (copied from tensorswitch's backends/mlx/src/kernels.rs,
/// which the backend itself runs).
#[allow(dead_code, unused_imports, clippy::all)]
mod kernels {
    use mlx_rs::{ops as m, Array, Dtype};
    /// What an MLX op returns.
    pub(crate) type R = mlx_rs::error::Result<Array>;
    /// MLX's `exp` returns infinity for every input above 88.0 (its overflow guard), but `exp(x)`
    /// is finite in float32 and bfloat16 up to 88.72 (3.4e38). Above 88 this computes
    /// `e · exp(x - 1)` instead (`x - 1` is exact there, and the product overflows where the true
    /// value does); elsewhere the shift is 0 and the scale 1, so results are MLX's, bit for bit.
    /// float16 overflows long before 88 and needs nothing; float64 goes through [`exp_f64`].
    /// (Costs about a fifth more than MLX's `exp` alone, measured on 4M float32 elements.)
    pub(crate) fn exp_guarded(a: &Array) -> R {
        let d = a.dtype();
        if d == Dtype::Float64 {
            return exp_f64(a);
        }
        if !matches!(d, Dtype::Float32 | Dtype::Bfloat16) {
            return m::exp(a);
        }
        let k = |v: f32| Array::from_f32(v).as_dtype(d);
        let above = m::gt(a, k(88.0)?)?;
        let shift = m::select(&above, k(1.0)?, k(0.0)?)?;
        let scale = m::select(&above, k(std::f32::consts::E)?, k(1.0)?)?;
        m::multiply(m::exp(m::subtract(a, &shift)?)?, &scale)
    }
    /// `fl(e) / e - 1`: the relative error of `std::f64::consts::E`, the float64 nearest to `e`
    /// (fl(e) = 2.718281828459045090795598298427648842334747314453125; computed with 60 decimal
    /// digits, then rounded to float64).
    const E_RELATIVE_ERROR: f64 = -5.318237706605891e-17;
    /// `exp(x) = fl(e)^x · (1 + δ)^-x` with `δ = fl(e)/e - 1`, and `(1 + δ)^-x = 1 - x·δ` to within
    /// `(x·δ)²` (below 1e-26 wherever the result is finite and non-zero, |x| < 746). `std::pow` is
    /// correctly rounded to within an ulp, so only the correction's rounding is added. The
    /// correction uses `x` clamped to ±800, where `fl(e)^x` is already 0 or infinity: it stays
    /// finite for infinite `x` (no `0 · inf`), and NaN still gives NaN. (MLX arrays made from `f64`
    /// are float64, so no constant is rounded to float32.)
    pub(crate) fn exp_f64(x: &Array) -> R {
        let p = m::power(Array::from_f64(std::f64::consts::E), x)?;
        let xc = m::minimum(
            m::maximum(x, Array::from_f64(-800.0))?,
            Array::from_f64(800.0),
        )?;
        let correction = m::subtract(
            Array::from_f64(1.0),
            m::multiply(&xc, Array::from_f64(E_RELATIVE_ERROR))?,
        )?;
        m::multiply(&p, &correction)
    }
}
