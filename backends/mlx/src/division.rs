//! `floor_divide` and `remainder` (issue 12).
//!
//! MLX's `remainder` is Python's `%` (the sign of the divisor) for integers and floats, but its
//! integer kernels divide in C++, where a zero divisor (and `MIN / -1`) is undefined behaviour
//! (on x86 the process dies of SIGFPE). Divisors 0 and, for signed integers, -1 are therefore
//! replaced by 1 before MLX sees them, and their results set afterwards: 0 for a zero divisor
//! (the NumPy answer tensorswitch pins for every backend), `-a` (wrapping) and 0 for -1.
//!
//! The quotient is built on the remainder `r`, whose semantics MLX's source fixes, rather than
//! on MLX's `floor_divide` (documented as `floor(a / b)`; for integers a plain C++ division):
//! for integers `q0 = floor_divide(a, b)` is corrected down by one where `q0 * b + r != a` (in
//! wrapping arithmetic, which holds for the floor quotient only, truncating or not); for floats
//! it is NumPy's `(a - r) / b` snapped to a whole number, so `1.0 // 0.1` is 9 as in NumPy (MLX's
//! `floor(1.0 / 0.1)` is 10), with IEEE's `a / b` for a zero divisor and NumPy's answers for an
//! infinite one.

use crate::{input_array, lock, wrap, KIT};
use mlx_rs::{ops as m, Array, Dtype};
use tensorswitch::kit::OrBackendError;
use tensorswitch::{Result, Tensor};

type R = mlx_rs::error::Result<Array>;

fn is_signed(d: Dtype) -> bool {
    matches!(d, Dtype::Int8 | Dtype::Int16 | Dtype::Int32 | Dtype::Int64)
}

fn is_integer(d: Dtype) -> bool {
    is_signed(d)
        || matches!(
            d,
            Dtype::Uint8 | Dtype::Uint16 | Dtype::Uint32 | Dtype::Uint64
        )
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
    // An infinite divisor: r is `a` where the signs agree (or a is 0), giving `a / b` (±0);
    // ±inf where they differ, giving -1 (NumPy's answers; `(a - r) / b` would be NaN); NaN
    // for an infinite or NaN `a`, as `a / b` is.
    let minus_one = m::negative(&m::ones_like(&general)?)?;
    let infinite = m::select(&m::is_inf(&r)?, &minus_one, &ratio)?;
    let q = m::select(&m::is_inf(b)?, &infinite, &general)?;
    m::select(&m::eq(b, &m::zeros_like(b)?)?, &ratio, &q)
}

fn integer_remainder(a: &Array, b: &Array) -> R {
    // `a % 1` is 0, which is also the answer for the divisors 0 and -1 replaced by 1.
    let (safe, _, _) = safe_divisor(b)?;
    m::remainder(a, &safe)
}

pub(crate) fn floor_divide(x: &Tensor, y: &Tensor) -> Result<Tensor> {
    const OP: &str = "floor_divide";
    let _g = lock();
    let (a, b) = (input_array(OP, x)?, input_array(OP, y)?);
    let out = if is_integer(a.dtype()) {
        integer_floor_divide(a, b)
    } else {
        float_floor_divide(a, b)
    };
    wrap(OP, out.or_backend(&KIT, OP)?)
}

pub(crate) fn remainder(x: &Tensor, y: &Tensor) -> Result<Tensor> {
    const OP: &str = "remainder";
    let _g = lock();
    let (a, b) = (input_array(OP, x)?, input_array(OP, y)?);
    let out = if is_integer(a.dtype()) {
        integer_remainder(a, b)
    } else {
        m::remainder(a, b)
    };
    wrap(OP, out.or_backend(&KIT, OP)?)
}
