// Emitted by tensorswitch-transpile for tch from a graph traced on ndarray.
// input 0: float32[8,16]
// constant wk: float32[16,16]
// constant wv: float32[16,16]
// output 0: float32[8,16]
/// The traced graph as tch code: inputs and results as `tch::Tensor` on the CPU, an error when an argument's shape or kind differs from the traced one (11 nodes).
#[allow(clippy::all, unused_parens, unused_variables, unused_assignments)]
pub fn model(
    x: &tch::Tensor,
    wk: &tch::Tensor,
    wv: &tch::Tensor,
) -> Result<tch::Tensor, tch::TchError> {
    check(x, &[8i64, 16i64], tch::Kind::Float)?;
    check(wk, &[16i64, 16i64], tch::Kind::Float)?;
    check(wv, &[16i64, 16i64], tch::Kind::Float)?;
    let v3 = x.f_matmul(wk)?;
    let v4 = x.f_matmul(wv)?;
    let v5 = tch::Tensor::f_from_slice::<f32>(&[0.25f32])?.f_reshape(&[] as &[i64])?;
    let v6 = v3.f_transpose(-2, -1)?;
    let v7 = x.f_matmul(&v6)?;
    let v8 = v7.f_mul(&v5)?;
    let v9 = tch::Tensor::f_from_slice::<
        bool,
    >(
            &[
                true, false, false, false, false, false, false, false, true, true, false,
                false, false, false, false, false, true, true, true, false, false, false,
                false, false, true, true, true, true, false, false, false, false, true,
                true, true, true, true, false, false, false, true, true, true, true,
                true, true, false, false, true, true, true, true, true, true, true,
                false, true, true, true, true, true, true, true, true,
            ],
        )?
        .f_reshape(&[8i64, 8i64] as &[i64])?;
    let v10 = tch::Tensor::f_from_slice::<f32>(&[-1000000000f32])?
        .f_reshape(&[] as &[i64])?;
    let v11 = v8.f_where_self(&v9, &v10)?;
    let v12 = v11.f_softmax(1i64, None::<tch::Kind>)?;
    let v13 = v12.f_matmul(&v4)?;
    Ok(v13)
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
