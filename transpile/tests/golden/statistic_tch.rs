// Emitted by tensorswitch-transpile for tch from a graph traced on ndarray.
// input 0: float32[32,12]
// output 0: float32[32]
// output 1: int64[32]
// output 2: int64[12]
// output 3: float32[]
// output 4: int64[32]
// output 5: int64[12]
// output 6: float32[1,12]
// output 7: bool[]
/// The traced graph as tch code: inputs and results as `tch::Tensor` on the CPU, an error when an argument's shape or kind differs from the traced one (24 nodes).
#[allow(clippy::all, unused_parens, unused_variables, unused_assignments)]
pub fn model(
    x: &tch::Tensor,
) -> Result<
    (
        tch::Tensor,
        tch::Tensor,
        tch::Tensor,
        tch::Tensor,
        tch::Tensor,
        tch::Tensor,
        tch::Tensor,
        tch::Tensor,
    ),
    tch::TchError,
> {
    check(x, &[32i64, 12i64], tch::Kind::Float)?;
    let v1 = x.f_mean_dim(&[0i64][..], true, None::<tch::Kind>)?;
    let v2 = x.f_std_dim(&[0i64][..], true, true)?;
    let v3 = x.f_sub(&v1)?;
    let v4 = v3.f_div(&v2)?;
    let v5 = v4.f_amax(&[1i64][..], false)?;
    let v6 = v4.f_argmax(1i64, false)?;
    let v7 = tch::Tensor::f_from_slice::<f32>(&[1f32])?.f_reshape(&[] as &[i64])?;
    let v8 = v4.f_gt_tensor(&v7)?;
    let v9 = v8.f_sum_dim_intlist(&[0i64][..], false, tch::Kind::Int64)?;
    let v10 = x.f_var_dim(&[0i64, 1i64][..], true, false)?;
    let v11 = float_to_int(
        x,
        tch::Kind::Int,
        -2147483648f64,
        2147483520f64,
        Some((2147483648f64, 2147483647i64)),
    )?;
    let v12 = tch::Tensor::f_from_slice::<i32>(&[(-3i32)])?.f_reshape(&[] as &[i64])?;
    let v13 = int_divmod(&v11, &v12, true, true)?;
    let v14 = v13.f_to_kind(tch::Kind::Int64)?;
    let v15 = v14.f_sum_dim_intlist(&[1i64][..], false, None::<tch::Kind>)?;
    let v16 = int_divmod(&v11, &v12, false, true)?;
    let v17 = v16.f_to_kind(tch::Kind::Int64)?;
    let v18 = v17.f_prod_dim_int(0i64, false, None::<tch::Kind>)?;
    let v19 = tch::Tensor::f_from_slice::<f32>(&[2f32])?.f_reshape(&[] as &[i64])?;
    let v20 = v1.f_mul(&v19)?;
    let v21 = v20.f_round()?;
    let v22 = v7.f_neg()?;
    let v23 = v4.f_lt_tensor(&v22)?;
    let v24 = v23.f_any_dims(&[0i64, 1i64][..], false)?;
    Ok((v5, v6, v9, v10, v15, v18, v21, v24))
}
/// An error unless the tensor has the traced shape and kind.
fn check(t: &tch::Tensor, shape: &[i64], kind: tch::Kind) -> Result<(), tch::TchError> {
    if t.size() != shape {
        return Err(
            tch::TchError::Shape(format!("expected shape {shape:?}, got {:?}", t.size())),
        );
    }
    let k = t.f_kind()?;
    if k != kind {
        return Err(tch::TchError::Kind(format!("expected {kind:?}, got {k:?}")));
    }
    Ok(())
}
/// A 0-d tensor of `like`'s kind and device holding `v`.
fn scalar(v: f64, like: &tch::Tensor) -> Result<tch::Tensor, tch::TchError> {
    tch::Tensor::f_from_slice(&[v])?
        .f_reshape(&[] as &[i64])?
        .f_to_kind(like.f_kind()?)?
        .f_to_device(like.device())
}
/// A 0-d int64 tensor on `device`.
fn i64_scalar(v: i64, device: tch::Device) -> Result<tch::Tensor, tch::TchError> {
    tch::Tensor::f_from_slice(&[v])?.f_reshape(&[] as &[i64])?.f_to_device(device)
}
/// Integer floor division or remainder, Python's signs: divisors 0 and (signed) -1
/// are replaced by 1 and their results set afterwards (0 for 0, `-x` wrapping and 0
/// for -1), since libtorch raises on 0 and `MIN / -1` overflows.
fn int_divmod(
    x: &tch::Tensor,
    y: &tch::Tensor,
    quotient: bool,
    signed: bool,
) -> Result<tch::Tensor, tch::TchError> {
    let is_zero = y.f_eq_tensor(&i64_scalar(0, y.device())?)?;
    let is_minus_one = if signed {
        Some(y.f_eq_tensor(&i64_scalar(-1, y.device())?)?)
    } else {
        None
    };
    let special = match &is_minus_one {
        Some(m) => is_zero.f_logical_or(m)?,
        None => is_zero.shallow_clone(),
    };
    let safe = y.f_ones_like()?.f_where_self(&special, y)?;
    if !quotient {
        return x.f_remainder_tensor(&safe);
    }
    let q = x.f_div_tensor_mode(&safe, "floor")?;
    let q = match &is_minus_one {
        Some(m) => x.f_neg()?.f_where_self(m, &q)?,
        None => q,
    };
    q.f_zeros_like()?.f_where_self(&is_zero, &q)
}
/// Float to integer with Rust's `as` rules (truncating, saturating, NaN to 0): libtorch
/// leaves out-of-range values undefined, so they are clamped first. `over`: where the
/// integer maximum is not a float of the input's kind, the threshold at which inputs
/// saturate to it.
fn float_to_int(
    t: &tch::Tensor,
    kind: tch::Kind,
    lo: f64,
    hi: f64,
    over: Option<(f64, i64)>,
) -> Result<tch::Tensor, tch::TchError> {
    let (lo_t, hi_t) = (scalar(lo, t)?, scalar(hi, t)?);
    let out = t
        .f_nan_to_num(0.0, hi, lo)?
        .f_clamp_tensor(Some(&lo_t), Some(&hi_t))?
        .f_to_kind(kind)?;
    match over {
        Some((limit, max)) => {
            let max = i64_scalar(max, t.device())?.f_to_kind(kind)?;
            max.f_where_self(&t.f_ge_tensor(&scalar(limit, t)?)?, &out)
        }
        None => Ok(out),
    }
}
