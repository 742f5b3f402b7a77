//! `softmax` in one pass per lane: the core's fallback (`exp(x - max) / sum(exp(x - max))`)
//! makes five dispatched ops and four intermediate arrays; here each lane along the axis is
//! read once into the result, then its maximum, its exponentials (the vectorised `vmath`
//! kernels, in place on a scratch lane), their sum and the quotients are computed while the
//! lane is in cache.

use crate::{buf, input_array, vmath, NdArray};
use ndarray::{ArrayD, ArrayRefD, Axis};
use tensorswitch::{Element, Result, Tensor};

pub(crate) fn softmax(x: &Tensor, axis: usize) -> Result<Tensor> {
    const OP: &str = "softmax";
    let out: NdArray = on_array!(OP, input_array(OP, x)?;
        f32 |a: T| lanes(OP, a, axis, vmath::exp_f32_slice)?.into();
        f64 |a: T| lanes(OP, a, axis, vmath::exp_f64_slice)?.into());
    Ok(out.into_tensor())
}

/// The float operations `lanes` needs.
trait SoftmaxFloat: Element + Default + Copy + PartialOrd {
    fn is_nan(self) -> bool;
    fn sub(self, o: Self) -> Self;
    fn to_f64(self) -> f64;
    fn div_f64(self, d: f64) -> Self;
}

macro_rules! softmax_float {
    ($($t:ty),*) => {$(
        impl SoftmaxFloat for $t {
            #[inline(always)]
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            #[inline(always)]
            fn sub(self, o: Self) -> Self {
                self - o
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self.into()
            }
            #[inline(always)]
            fn div_f64(self, d: f64) -> Self {
                (f64::from(self) / d) as $t
            }
        }
    )*};
}

softmax_float!(f32, f64);

/// Softmax of every lane of `a` along `axis`, with `exp` the slice kernel.
///
/// As the fallback: the maximum propagates NaN (NumPy's `max`), so a lane with a NaN is all
/// NaN, and a lane whose maximum is infinite gives NaN where `x - max` is `inf - inf`. The sum
/// is accumulated in float64, and each exponential divided by it (for float32 the quotient
/// is rounded once).
fn lanes<T: SoftmaxFloat>(
    op: &'static str,
    a: &ArrayRefD<T>,
    axis: usize,
    exp: fn(&[T], &mut [T]),
) -> Result<ArrayD<T>> {
    if axis >= a.ndim() {
        return Err(crate::KIT.error(op, format!("axis {axis} of a {}-d array", a.ndim())));
    }
    // A row-major copy to overwrite lane by lane.
    let mut out = buf::copy(op, a)?;
    let len = a.shape()[axis];
    if len == 0 {
        return Ok(out);
    }
    let mut scratch = tensorswitch::alloc::try_vec(op, len, T::default())?;
    let mut expd = tensorswitch::alloc::try_vec(op, len, T::default())?;
    for mut lane in out.lanes_mut(Axis(axis)) {
        // Gather (the lane is strided unless the axis is the last one).
        for (s, &v) in scratch.iter_mut().zip(lane.iter()) {
            *s = v;
        }
        let mut max = scratch[0];
        for &v in &scratch[1..] {
            if v > max || v.is_nan() {
                max = v;
            }
        }
        for s in scratch.iter_mut() {
            *s = s.sub(max);
        }
        exp(&scratch, &mut expd);
        let sum: f64 = expd.iter().map(|&e| e.to_f64()).sum();
        for (o, &e) in lane.iter_mut().zip(&expd) {
            *o = e.div_f64(sum);
        }
    }
    Ok(out)
}
