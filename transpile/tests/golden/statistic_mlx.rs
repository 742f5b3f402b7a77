// Emitted by tensorswitch-transpile for mlx-rs from a graph traced on ndarray.
// input 0: float32[32,12]
// output 0: float32[32]
// output 1: int64[32]
// output 2: int64[12]
// output 3: float32[]
// output 4: int64[32]
// output 5: int64[12]
// output 6: float32[1,12]
// output 7: bool[]
/// The traced graph as mlx-rs code: inputs and results as `mlx_rs::Array`, results unevaluated (MLX is lazy: they compute when read or evaluated); an error when an argument's shape or dtype differs from the traced one (24 nodes).
#[allow(clippy::all, unused_parens, unused_variables)]
pub fn model(
    x: &mlx_rs::Array,
) -> Result<
    (
        mlx_rs::Array,
        mlx_rs::Array,
        mlx_rs::Array,
        mlx_rs::Array,
        mlx_rs::Array,
        mlx_rs::Array,
        mlx_rs::Array,
        mlx_rs::Array,
    ),
    mlx_rs::error::Exception,
> {
    check(x, &[32i32, 12i32] as &[i32], mlx_rs::Dtype::Float32)?;
    let v1 = mlx_rs::ops::divide(
        &(x).sum_axes(&[0i32] as &[i32], true)?,
        &mlx_rs::Array::from_slice(&[32f32], &[]),
    )?;
    let v2 = {
        let mean = mlx_rs::ops::divide(
            &(x).sum_axes(&[0i32] as &[i32], true)?,
            &mlx_rs::Array::from_slice(&[32f32], &[]),
        )?;
        let d = mlx_rs::ops::subtract(x, &mean)?;
        let dd = mlx_rs::ops::multiply(&d, &d)?;
        let var = mlx_rs::ops::divide(
            &(&dd).sum_axes(&[0i32] as &[i32], true)?,
            &mlx_rs::Array::from_slice(&[31f32], &[]),
        )?;
        let var = mlx_rs::ops::sqrt(&var)?;
        var
    };
    let v3 = mlx_rs::ops::subtract(x, &v1)?;
    let v4 = mlx_rs::ops::divide(&v3, &v2)?;
    let v5 = (&v4).max_axes(&[1i32] as &[i32], false)?;
    let v6 = kernels::arg_extremum(&v4, Some(1i32), false, true)?;
    let v7 = mlx_rs::Array::from_slice::<f32>(&[1f32], &[] as &[i32]);
    let v8 = mlx_rs::ops::gt(&v4, &v7)?;
    let v9 = (&v8).as_dtype(mlx_rs::Dtype::Int64)?.sum_axes(&[0i32] as &[i32], false)?;
    let v10 = {
        let mean = mlx_rs::ops::divide(
            &(x).sum_axes(&[0i32, 1i32] as &[i32], true)?,
            &mlx_rs::Array::from_slice(&[384f32], &[]),
        )?;
        let d = mlx_rs::ops::subtract(x, &mean)?;
        let dd = mlx_rs::ops::multiply(&d, &d)?;
        let var = mlx_rs::ops::divide(
            &(&dd).sum_axes(&[0i32, 1i32] as &[i32], false)?,
            &mlx_rs::Array::from_slice(&[383f32], &[]),
        )?;
        var
    };
    let v11 = kernels::float_to_int(
        x,
        mlx_rs::Dtype::Float32,
        mlx_rs::Dtype::Int32,
        -2147483648f64,
        2147483520f64,
        Some((2147483648f64, 2147483647u64)),
    )?;
    let v12 = mlx_rs::Array::from_slice::<i32>(&[(-3i32)], &[] as &[i32]);
    let v13 = kernels::floor_divide(&v11, &v12)?;
    let v14 = (&v13).as_dtype(mlx_rs::Dtype::Int64)?;
    let v15 = (&v14).sum_axes(&[1i32] as &[i32], false)?;
    let v16 = kernels::remainder(&v11, &v12)?;
    let v17 = (&v16).as_dtype(mlx_rs::Dtype::Int64)?;
    let v18 = (&v17).prod_axes(&[0i32] as &[i32], false)?;
    let v19 = mlx_rs::Array::from_slice::<f32>(&[2f32], &[] as &[i32]);
    let v20 = mlx_rs::ops::multiply(&v1, &v19)?;
    let v21 = mlx_rs::ops::round(&v20, None)?;
    let v22 = mlx_rs::ops::negative(&v7)?;
    let v23 = mlx_rs::ops::lt(&v4, &v22)?;
    let v24 = (&v23).any_axes(&[0i32, 1i32] as &[i32], false)?;
    Ok((v5, v6, v9, v10, v15, v18, v21, v24))
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
    fn is_float(d: Dtype) -> bool {
        matches!(d, Dtype::Float16 | Dtype::Bfloat16 | Dtype::Float32 | Dtype::Float64)
    }
    fn is_signed(d: Dtype) -> bool {
        matches!(d, Dtype::Int8 | Dtype::Int16 | Dtype::Int32 | Dtype::Int64)
    }
    fn is_integer(d: Dtype) -> bool {
        is_signed(d)
            || matches!(d, Dtype::Uint8 | Dtype::Uint16 | Dtype::Uint32 | Dtype::Uint64)
    }
    /// `b` with 0 (and -1 for signed integers) replaced by 1, and the masks of 0 and -1.
    fn safe_divisor(b: &Array) -> mlx_rs::error::Result<(Array, Array, Option<Array>)> {
        let one = m::ones_like(b)?;
        let zero = m::eq(b, &m::zeros_like(b)?)?;
        if is_signed(b.dtype()) {
            let minus_one = m::eq(b, &m::negative(&one)?)?;
            let special = m::logical_or(&zero, &minus_one)?;
            Ok((m::select(&special, &one, b)?, zero, Some(minus_one)))
        } else {
            Ok((m::select(&zero, &one, b)?, zero, None))
        }
    }
    fn integer_floor_divide(a: &Array, b: &Array) -> R {
        let (safe, zero, minus_one) = safe_divisor(b)?;
        let r = m::remainder(a, &safe)?;
        let q0 = m::floor_divide(a, &safe)?;
        let exact = m::eq(&m::add(&m::multiply(&q0, &safe)?, &r)?, a)?;
        let q = m::select(&exact, &q0, &m::subtract(&q0, &m::ones_like(&q0)?)?)?;
        let q = match minus_one {
            Some(mask) => m::select(&mask, &m::negative(a)?, &q)?,
            None => q,
        };
        m::select(&zero, &m::zeros_like(&q)?, &q)
    }
    fn float_floor_divide(a: &Array, b: &Array) -> R {
        let r = m::remainder(a, b)?;
        let general = m::round(&m::divide(&m::subtract(a, &r)?, b)?, None)?;
        let ratio = m::divide(a, b)?;
        let minus_one = m::negative(&m::ones_like(&general)?)?;
        let infinite = m::select(&m::is_inf(&r)?, &minus_one, &ratio)?;
        let q = m::select(&m::is_inf(b)?, &infinite, &general)?;
        m::select(&m::eq(b, &m::zeros_like(b)?)?, &ratio, &q)
    }
    /// Floor division with Python's signs, for operands of one dtype (see above).
    pub(crate) fn floor_divide(a: &Array, b: &Array) -> R {
        if is_integer(a.dtype()) {
            integer_floor_divide(a, b)
        } else {
            float_floor_divide(a, b)
        }
    }
    /// The remainder with the divisor's sign, for operands of one dtype (see above).
    pub(crate) fn remainder(a: &Array, b: &Array) -> R {
        if is_integer(a.dtype()) {
            let (safe, _, _) = safe_divisor(b)?;
            m::remainder(a, &safe)
        } else {
            m::remainder(a, b)
        }
    }
    /// Float to integer with Rust's `as` rules (truncating, saturating, NaN to 0); MLX's
    /// conversion is undefined out of range. `wide` is float64 for float64 inputs, else float32 (the
    /// computation's dtype); `lo` is the integer dtype's minimum and `hi` its maximum rounded down
    /// to a `wide` float. `over`: where the integer maximum is not a `wide` float, the threshold at
    /// which inputs saturate to it and the maximum itself.
    pub(crate) fn float_to_int(
        a: &Array,
        wide: Dtype,
        to: Dtype,
        lo: f64,
        hi: f64,
        over: Option<(f64, u64)>,
    ) -> R {
        let scalar = |v: f64| Array::from_f64(v).as_dtype(wide);
        let work = if a.dtype() == wide { a.clone() } else { a.as_dtype(wide)? };
        let nan = m::is_nan(&work)?;
        let w = m::select(&nan, scalar(0.0)?, &work)?;
        let w = m::maximum(&w, scalar(lo)?)?;
        let w = m::minimum(&w, scalar(hi)?)?;
        let out = w.as_dtype(to)?;
        match over {
            Some((limit, max)) => {
                let max = Array::from_slice(&[max], &[]).as_dtype(to)?;
                m::select(&m::ge(&work, scalar(limit)?)?, &max, &out)
            }
            None => Ok(out),
        }
    }
    /// `argmax` (`largest`) or `argmin` of a non-empty array with at least one dimension, over
    /// `axis` or all elements, as int64. MLX's arg-reductions return uint32 and skip NaN; NaN counts
    /// as the extreme here (the first NaN wins, as in NumPy): where a reduced slice has one, the
    /// index of its first NaN is taken instead.
    pub(crate) fn arg_extremum(
        a: &Array,
        axis: Option<i32>,
        keepdims: bool,
        largest: bool,
    ) -> R {
        let out = match (axis, largest) {
            (Some(ax), true) => m::indexing::argmax_axis(a, ax, keepdims),
            (Some(ax), false) => m::indexing::argmin_axis(a, ax, keepdims),
            (None, true) => m::indexing::argmax(a, keepdims),
            (None, false) => m::indexing::argmin(a, keepdims),
        }?;
        let out = if is_float(a.dtype()) {
            let nan = m::is_nan(a)?;
            let has_nan = match axis {
                Some(ax) => nan.any_axis(ax, keepdims),
                None => nan.any(keepdims),
            }?;
            let flags = nan.as_dtype(Dtype::Uint8)?;
            let first = match axis {
                Some(ax) => m::indexing::argmax_axis(&flags, ax, keepdims),
                None => m::indexing::argmax(&flags, keepdims),
            }?;
            m::select(&has_nan, &first, &out)?
        } else {
            out
        };
        out.as_dtype(Dtype::Int64)
    }
}
