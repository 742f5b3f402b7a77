// Emitted by tensorswitch-transpile for tch from a graph traced on ndarray.
// input 0: float32[64,256]
// constant w1: float32[256,64]
// constant b1: float32[64]
// constant w2: float32[64,10]
// constant b2: float32[10]
// output 0: float32[64,10]
/// The traced graph as tch code: inputs and results as `tch::Tensor` on the CPU, an error when an argument's shape or kind differs from the traced one (6 nodes).
#[allow(clippy::all, unused_parens, unused_variables, unused_assignments)]
pub fn model(
    x: &tch::Tensor,
    w1: &tch::Tensor,
    b1: &tch::Tensor,
    w2: &tch::Tensor,
    b2: &tch::Tensor,
) -> Result<tch::Tensor, tch::TchError> {
    check(x, &[64i64, 256i64], tch::Kind::Float)?;
    check(w1, &[256i64, 64i64], tch::Kind::Float)?;
    check(b1, &[64i64], tch::Kind::Float)?;
    check(w2, &[64i64, 10i64], tch::Kind::Float)?;
    check(b2, &[10i64], tch::Kind::Float)?;
    let v5 = x.f_matmul(w1)?;
    let v6 = v5.f_add(b1)?;
    let v7 = v6.f_tanh()?;
    let v8 = v7.f_matmul(w2)?;
    let v9 = v8.f_add(b2)?;
    let v10 = v9.f_softmax(1i64, None::<tch::Kind>)?;
    Ok(v10)
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
