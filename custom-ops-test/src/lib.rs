//! Custom ops declared outside tensorswitch's core, as a user's crate would: `rms_norm` and
//! `swiglu` with compositions of catalogue ops and native versions for the ndarray backend;
//! `vv_scale` with two version variants; `dup_op`, which `tensorswitch-custom-ops-other`
//! declares too; `overlap_op`, whose two ndarray variants overlap; `panicky`, whose native
//! panics; and `affine`, with attributes of every kind the tracer holds as data. The counters
//! say which native ran.

use ndarray::{ArrayD, Axis};
use std::sync::atomic::{AtomicUsize, Ordering};
use tensorswitch::{
    add, custom_op, divide, full, mean, multiply, silu, sqrt, square, DType, Reduction, Result,
    Tensor,
};
use tensorswitch_ndarray::{from_ndarray, to_ndarray};

custom_op! {
    /// Root-mean-square normalisation over the last axis:
    /// `x / sqrt(mean(x², axis=-1) + eps) * weight`.
    pub fn rms_norm(x: &Tensor, weight: &Tensor; eps: f64) -> Result<Tensor> {
        let ms = mean(&square(x)?, Reduction::over(-1).keepdims(true))?;
        let eps = full(&[], eps, x.dtype())?;
        multiply(&divide(x, &sqrt(&add(&ms, &eps)?)?)?, weight)
    }
}

custom_op! {
    /// The SwiGLU gate: `x * silu(gate)`.
    pub fn swiglu(x: &Tensor, gate: &Tensor) -> Result<Tensor> {
        multiply(x, &silu(gate)?)
    }
}

custom_op! {
    /// `x * k`, with two native versions on ndarray picked by the framework version.
    pub fn vv_scale(x: &Tensor; k: f64) -> Result<Tensor> {
        multiply(x, &full(&[], k, x.dtype())?)
    }
}

custom_op! {
    /// `x` (the other crate's `dup_op` is `-x`).
    pub fn dup_op(x: &Tensor) -> Result<Tensor> {
        tensorswitch::positive(x)
    }
}

custom_op! {
    /// `x`, with two ndarray natives whose version ranges overlap.
    pub fn overlap_op(x: &Tensor) -> Result<Tensor> {
        tensorswitch::positive(x)
    }
}

custom_op! {
    /// `x`; its ndarray native panics.
    pub fn panicky(x: &Tensor) -> Result<Tensor> {
        tensorswitch::positive(x)
    }
}

custom_op! {
    /// `rms_norm(swiglu(x, gate), weight; eps)`: a composition of custom ops.
    pub fn gated_rms_norm(x: &Tensor, gate: &Tensor, weight: &Tensor; eps: f64) -> Result<Tensor> {
        rms_norm(&swiglu(x, gate)?, weight, eps)
    }
}

custom_op! {
    /// `x * scale + shift`, negated when `negate`, cast to `cast` when given; `tag` is not
    /// used: attributes of every kind, for the tracer's graphs and their JSON.
    pub fn affine(x: &Tensor; scale: f32, shift: i64, negate: bool, tag: String, cast: Option<DType>, axes: Vec<usize>) -> Result<Tensor> {
        let _ = (tag, axes);
        let y = add(
            &multiply(x, &full(&[], f64::from(scale), x.dtype())?)?,
            &full(&[], shift as f64, x.dtype())?,
        )?;
        let y = if negate { tensorswitch::negative(&y)? } else { y };
        match cast {
            Some(dtype) => tensorswitch::astype(&y, dtype),
            None => Ok(y),
        }
    }
}

/// Calls of each native version, to tell which one ran.
pub static ND_RMS_NORM_CALLS: AtomicUsize = AtomicUsize::new(0);
/// See [`ND_RMS_NORM_CALLS`].
pub static ND_SWIGLU_CALLS: AtomicUsize = AtomicUsize::new(0);
/// `vv_scale_v_0p16_and_above`'s calls.
pub static VV_NEW_CALLS: AtomicUsize = AtomicUsize::new(0);
/// `vv_scale_v_0p15_and_below`'s calls.
pub static VV_OLD_CALLS: AtomicUsize = AtomicUsize::new(0);

tensorswitch::custom_natives! { "ndarray";
    rms_norm => nd_rms_norm,
    swiglu => nd_swiglu,
    vv_scale @ "0p16_and_above" => vv_scale_new,
    vv_scale @ "0p15_and_below" => vv_scale_old,
    overlap_op @ "0p10_and_above" => nd_identity,
    overlap_op @ "0p12_and_above" => nd_identity,
    panicky => nd_panics,
}

/// One pass over rows of the last axis in `f64`; `weight` is 1-D of the last axis' length.
fn rms_rows<T: Copy + Into<f64> + 'static>(
    x: &ArrayD<T>,
    w: &[T],
    eps: f64,
    back: impl Fn(f64) -> T,
) -> ArrayD<T> {
    let mut out = x.clone();
    let last = Axis(x.ndim() - 1);
    for mut row in out.lanes_mut(last) {
        let n = row.len() as f64;
        let ms = row.iter().map(|&v| v.into() * v.into()).sum::<f64>() / n;
        let scale = 1.0 / (ms + eps).sqrt();
        for (v, &wi) in row.iter_mut().zip(w) {
            *v = back((*v).into() * scale * wi.into());
        }
    }
    out
}

/// ndarray's native `rms_norm`: float32 and float64 with a 1-D weight of the last axis'
/// length; anything else goes to the composition.
fn nd_rms_norm(x: &Tensor, weight: &Tensor, eps: f64) -> Result<Tensor> {
    ND_RMS_NORM_CALLS.fetch_add(1, Ordering::Relaxed);
    let simple =
        x.ndim() >= 1 && weight.shape() == [x.shape()[x.ndim() - 1]] && x.dtype() == weight.dtype();
    if simple && x.dtype() == DType::Float32 {
        if let (Some(a), Some(w)) = (to_ndarray::<f32>(x), to_ndarray::<f32>(weight)) {
            let w: Vec<f32> = w.view().iter().copied().collect();
            return Ok(from_ndarray(rms_rows(&a.view().to_owned(), &w, eps, |v| {
                v as f32
            })));
        }
    }
    if simple && x.dtype() == DType::Float64 {
        if let (Some(a), Some(w)) = (to_ndarray::<f64>(x), to_ndarray::<f64>(weight)) {
            let w: Vec<f64> = w.view().iter().copied().collect();
            return Ok(from_ndarray(rms_rows(&a.view().to_owned(), &w, eps, |v| v)));
        }
    }
    rms_norm::composition(x, weight, eps)
}

/// ndarray's native `swiglu` for float32 of one shape; else the composition.
fn nd_swiglu(x: &Tensor, gate: &Tensor) -> Result<Tensor> {
    ND_SWIGLU_CALLS.fetch_add(1, Ordering::Relaxed);
    if x.dtype() == DType::Float32 && gate.dtype() == DType::Float32 && x.shape() == gate.shape() {
        if let (Some(a), Some(g)) = (to_ndarray::<f32>(x), to_ndarray::<f32>(gate)) {
            let mut out = a.view().to_owned();
            out.zip_mut_with(&g.view(), |v, &g| *v *= g / (1.0 + (-g).exp()));
            return Ok(from_ndarray(out));
        }
    }
    swiglu::composition(x, gate)
}

fn vv_scale_new(x: &Tensor, k: f64) -> Result<Tensor> {
    VV_NEW_CALLS.fetch_add(1, Ordering::Relaxed);
    vv_scale::composition(x, k)
}

fn vv_scale_old(x: &Tensor, k: f64) -> Result<Tensor> {
    VV_OLD_CALLS.fetch_add(1, Ordering::Relaxed);
    vv_scale::composition(x, k)
}

fn nd_identity(x: &Tensor) -> Result<Tensor> {
    Ok(x.clone())
}

fn nd_panics(_: &Tensor) -> Result<Tensor> {
    panic!("a native that panics")
}

/// What the tests of these ops (here and in the backends' crates) check results against.
pub mod expect {
    /// Asserts that `got` matches `want` elementwise within `tol`, relative to `1 + |want|`.
    pub fn close(got: &[f32], want: &[f64], tol: f64) {
        assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
        for (g, w) in got.iter().zip(want) {
            assert!(
                (*g as f64 - w).abs() <= tol * (1.0 + w.abs()),
                "{got:?} vs {want:?}"
            );
        }
    }

    /// `rms_norm([[3, 4], [0, 0]], [1, 2], eps=1)`, derived by hand: row 1 has mean square
    /// (9 + 16) / 2 + 1 = 13.5, row 2 has 0 + 1.
    pub fn rms_expected() -> Vec<f64> {
        let r = 13.5f64.sqrt();
        vec![3.0 / r, 8.0 / r, 0.0, 0.0]
    }
}
