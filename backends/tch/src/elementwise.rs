//! Elementwise ops. libtorch already wraps integer overflow, propagates NaN through
//! `maximum`/`minimum` and rounds halfway cases to even; `pow` and `sign` need fix-ups.

use crate::{f64_tensor, i64_tensor, input_tensor, wrap, wrap_like, wrap_view, KIT};
use tch::TchError;
use tensorswitch::kit::OrBackendError;
use tensorswitch::{DType, Error, Result, Tensor};

type TchResult = std::result::Result<tch::Tensor, TchError>;

/// Runs a binary libtorch op on inputs of one dtype; the result has dtype `dtype` (the
/// inputs' when `None`).
#[inline(always)]
fn binary(
    op: &'static str,
    a: &Tensor,
    b: &Tensor,
    dtype: Option<DType>,
    f: impl FnOnce(&tch::Tensor, &tch::Tensor) -> TchResult,
) -> Result<Tensor> {
    let out = f(input_tensor(op, a)?, input_tensor(op, b)?).or_backend(&KIT, op)?;
    if a.same_shape(b) {
        Ok(wrap_like(out, dtype.unwrap_or(a.dtype()), a))
    } else {
        wrap(op, out, a.device())
    }
}

#[inline(always)]
fn unary(
    op: &'static str,
    x: &Tensor,
    f: impl FnOnce(&tch::Tensor) -> TchResult,
) -> Result<Tensor> {
    let out = f(input_tensor(op, x)?).or_backend(&KIT, op)?;
    Ok(wrap_like(out, x.dtype(), x))
}

macro_rules! binary_ops {
    ($($name:ident => $method:ident $(-> $dtype:expr)?;)*) => {$(
        pub(crate) fn $name(a: &Tensor, b: &Tensor) -> Result<Tensor> {
            #[allow(unused_mut, unused_assignments)]
            let mut dtype = None;
            $(dtype = Some($dtype);)?
            binary(stringify!($name), a, b, dtype, |x, y| x.$method(y))
        }
    )*};
}

binary_ops! {
    add => f_add;
    subtract => f_sub;
    multiply => f_mul;
    divide => f_div;
    maximum => f_maximum;
    minimum => f_minimum;
    logaddexp => f_logaddexp;
    atan2 => f_atan2;
    hypot => f_hypot;
    equal => f_eq_tensor -> DType::Bool;
    not_equal => f_ne_tensor -> DType::Bool;
    less => f_lt_tensor -> DType::Bool;
    less_equal => f_le_tensor -> DType::Bool;
    greater => f_gt_tensor -> DType::Bool;
    greater_equal => f_ge_tensor -> DType::Bool;
    logical_and => f_logical_and -> DType::Bool;
    logical_or => f_logical_or -> DType::Bool;
    logical_xor => f_logical_xor -> DType::Bool;
    // Integers and bool (logical on bool); uint16/32/64 never reach libtorch.
    bitwise_and => f_bitwise_and_tensor;
    bitwise_or => f_bitwise_or_tensor;
    bitwise_xor => f_bitwise_xor_tensor;
    // Integers only (the core refuses bool); libtorch's left shift wraps (it shifts the
    // unsigned bits) and its right shift of signed integers is arithmetic.
    bitwise_left_shift => f_bitwise_left_shift;
    bitwise_right_shift => f_bitwise_right_shift;
}

/// libtorch raises integers to negative powers (giving 0, 1 or -1); tensorswitch refuses, as
/// NumPy does.
pub(crate) fn pow(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    const OP: &str = "pow";
    if matches!(
        b.dtype(),
        DType::Int8 | DType::Int16 | DType::Int32 | DType::Int64
    ) {
        let e = input_tensor(OP, b)?;
        // A 0-d int64 zero, not a `tch::Scalar` (see `scalar_tensor`).
        let zero = i64_tensor(OP, 0, e.device())?;
        let negative = e
            .f_lt_tensor(&zero)
            .and_then(|n| n.f_any())
            .and_then(|n| n.f_int64_value(&[]))
            .or_backend(&KIT, OP)?;
        if negative != 0 {
            return Err(Error::InvalidArgument {
                op: OP,
                reason: "integers to negative integer powers are not allowed".into(),
            });
        }
    }
    binary(OP, a, b, None, |x, y| x.f_pow(y))
}

/// `cosh`, exact up to the largest finite result. libtorch's vectorised float64 kernel for
/// AVX2 CPUs overflows to infinity above about 709.78, short of `acosh(f64::MAX)` =
/// 710.4758…, where NumPy and the other backends still give finite values (1.117e308 at 710;
/// its AVX-512 and scalar kernels do not). On the CPU, a float64 result that holds an
/// infinity has those elements recomputed as `exp(|x| - 1) * e/2` (`|x| - 1` is exact there,
/// so the error is a few ulp); the term it leaves out, `exp(-|x|) / 2`, is below 1e-600 of the
/// result there.
pub(crate) fn cosh(x: &Tensor) -> Result<Tensor> {
    const OP: &str = "cosh";
    /// The largest argument whose `cosh` is finite in float64.
    const LAST_FINITE: f64 = 710.475_860_073_943_9;
    let y = unary(OP, x, |t| t.f_cosh())?;
    if x.dtype() != DType::Float64 || x.device() != tensorswitch::Device::Cpu {
        return Ok(y);
    }
    let (t, out) = (input_tensor(OP, x)?, input_tensor(OP, &y)?);
    let inf = out.f_isinf().or_backend(&KIT, OP)?;
    let any_inf = inf
        .f_any()
        .and_then(|m| m.f_int64_value(&[]))
        .or_backend(&KIT, OP)?;
    if any_inf == 0 {
        return Ok(y);
    }
    let dev = t.device();
    let (one, half_e, last) = (
        f64_tensor(OP, 1.0, dev)?,
        f64_tensor(OP, std::f64::consts::E / 2.0, dev)?,
        f64_tensor(OP, LAST_FINITE, dev)?,
    );
    let fixed = t
        .f_abs()
        .and_then(|a| {
            let large = a.f_sub(&one)?.f_exp()?.f_mul(&half_e)?;
            let wrong = inf.f_logical_and(&a.f_le_tensor(&last)?)?;
            large.f_where_self(&wrong, out)
        })
        .or_backend(&KIT, OP)?;
    Ok(wrap_like(fixed, DType::Float64, x))
}

macro_rules! unary_ops {
    ($($name:ident => $method:ident;)*) => {$(
        pub(crate) fn $name(x: &Tensor) -> Result<Tensor> {
            unary(stringify!($name), x, |t| t.$method())
        }
    )*};
}

unary_ops! {
    negative => f_neg;
    exp => f_exp;
    log => f_log;
    log1p => f_log1p;
    expm1 => f_expm1;
    sqrt => f_sqrt;
    square => f_square;
    sin => f_sin;
    cos => f_cos;
    tan => f_tan;
    sinh => f_sinh;
    asin => f_asin;
    acos => f_acos;
    atan => f_atan;
    asinh => f_asinh;
    acosh => f_acosh;
    atanh => f_atanh;
    log2 => f_log2;
    log10 => f_log10;
    tanh => f_tanh;
    floor => f_floor;
    ceil => f_ceil;
    round => f_round;
    trunc => f_trunc;
}

/// `isnan`/`isinf`/`isfinite`: the input in its own numeric dtype (integers included, for which
/// libtorch answers all false, all false, all true), a bool result of the same shape.
fn predicate(
    op: &'static str,
    x: &Tensor,
    f: impl FnOnce(&tch::Tensor) -> TchResult,
) -> Result<Tensor> {
    let out = f(input_tensor(op, x)?).or_backend(&KIT, op)?;
    Ok(wrap_like(out, DType::Bool, x))
}

pub(crate) fn isnan(x: &Tensor) -> Result<Tensor> {
    predicate("isnan", x, |t| t.f_isnan())
}

pub(crate) fn isinf(x: &Tensor) -> Result<Tensor> {
    predicate("isinf", x, |t| t.f_isinf())
}

pub(crate) fn isfinite(x: &Tensor) -> Result<Tensor> {
    predicate("isfinite", x, |t| t.f_isfinite())
}

/// libtorch's `signbit` reads the sign bit of floats (`std::signbit`: -0.0 and NaNs with the
/// sign bit set count) and answers `x < 0` for integers.
pub(crate) fn signbit(x: &Tensor) -> Result<Tensor> {
    predicate("signbit", x, |t| t.f_signbit())
}

/// libtorch's `positive` returns the input itself (an alias), so the result may share `x`'s
/// borrowed memory.
pub(crate) fn positive(x: &Tensor) -> Result<Tensor> {
    const OP: &str = "positive";
    let out = input_tensor(OP, x)?.f_positive().or_backend(&KIT, OP)?;
    wrap_view(OP, out, x)
}

pub(crate) fn abs(x: &Tensor) -> Result<Tensor> {
    if x.dtype() == DType::UInt8 {
        // Already non-negative; libtorch has no abs kernel for unsigned types everywhere.
        return wrap_view("abs", input_tensor("abs", x)?.shallow_clone(), x);
    }
    unary("abs", x, |t| t.f_abs())
}

/// libtorch's sign of NaN is 0; NumPy's (and tensorswitch's) is NaN.
pub(crate) fn sign(x: &Tensor) -> Result<Tensor> {
    const OP: &str = "sign";
    unary(OP, x, |t| {
        let s = t.f_sign()?;
        if x.dtype().is_float() {
            t.f_where_self(&t.f_isnan()?, &s)
        } else {
            Ok(s)
        }
    })
}

pub(crate) fn logical_not(x: &Tensor) -> Result<Tensor> {
    unary("logical_not", x, |t| t.f_logical_not())
}

/// `!x` for integers, logical not for bool (libtorch's `bitwise_not` does both).
pub(crate) fn bitwise_invert(x: &Tensor) -> Result<Tensor> {
    unary("bitwise_invert", x, |t| t.f_bitwise_not())
}

pub(crate) fn where_(condition: &Tensor, x: &Tensor, y: &Tensor) -> Result<Tensor> {
    const OP: &str = "where";
    let (c, a, b) = (
        input_tensor(OP, condition)?,
        input_tensor(OP, x)?,
        input_tensor(OP, y)?,
    );
    let out = a.f_where_self(c, b).or_backend(&KIT, OP)?;
    wrap(OP, out, x.device())
}

/// libtorch's clamp: NaN stays NaN, and where `min > max` the result is `max`, as tensorswitch
/// defines.
pub(crate) fn clip(x: &Tensor, min: Option<&Tensor>, max: Option<&Tensor>) -> Result<Tensor> {
    const OP: &str = "clip";
    let t = input_tensor(OP, x)?;
    if min.is_none() && max.is_none() {
        return wrap_view(OP, t.shallow_clone(), x);
    }
    let lo = min.map(|m| input_tensor(OP, m)).transpose()?;
    let hi = max.map(|m| input_tensor(OP, m)).transpose()?;
    let out = t.f_clamp_tensor(lo, hi).or_backend(&KIT, OP)?;
    Ok(wrap_like(out, x.dtype(), x))
}

// ----- issue 12: floor_divide, remainder, copysign

/// `floor_divide` and `remainder`: libtorch's floor division (`div` with rounding mode
/// "floor", NumPy's algorithm for floats) and its Python-style `remainder`. For integers,
/// libtorch raises on a zero divisor and `MIN / -1` overflows in C++, so divisors 0 and (signed)
/// -1 are replaced by 1 and their results set afterwards: 0 for a zero divisor (NumPy's
/// answer, which tensorswitch pins for every backend); `-a` (wrapping) and 0 for -1.
fn divmod(op: &'static str, a: &Tensor, b: &Tensor, quotient: bool) -> Result<Tensor> {
    let (x, y) = (input_tensor(op, a)?, input_tensor(op, b)?);
    let out = if a.dtype().is_integer() {
        let signed = matches!(
            a.dtype(),
            DType::Int8 | DType::Int16 | DType::Int32 | DType::Int64
        );
        let zero = i64_tensor(op, 0, y.device())?;
        let minus_one = i64_tensor(op, -1, y.device())?;
        (|| -> TchResult {
            let is_zero = y.f_eq_tensor(&zero)?;
            let is_minus_one = if signed {
                Some(y.f_eq_tensor(&minus_one)?)
            } else {
                None
            };
            let special = match &is_minus_one {
                Some(m) => is_zero.f_logical_or(m)?,
                None => is_zero.shallow_clone(),
            };
            let safe = y.f_ones_like()?.f_where_self(&special, y)?;
            if !quotient {
                // `a % 1` is 0: the answer for the divisors 0 and -1 too.
                return x.f_remainder_tensor(&safe);
            }
            let q = x.f_div_tensor_mode(&safe, "floor")?;
            let q = match &is_minus_one {
                Some(m) => x.f_neg()?.f_where_self(m, &q)?,
                None => q,
            };
            q.f_zeros_like()?.f_where_self(&is_zero, &q)
        })()
    } else if quotient {
        x.f_div_tensor_mode(y, "floor")
    } else {
        x.f_remainder_tensor(y)
    }
    .or_backend(&KIT, op)?;
    if a.same_shape(b) {
        Ok(wrap_like(out, a.dtype(), a))
    } else {
        wrap(op, out, a.device())
    }
}

pub(crate) fn floor_divide(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    divmod("floor_divide", a, b, true)
}

pub(crate) fn remainder(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    divmod("remainder", a, b, false)
}

/// libtorch's `copysign` (floats only reach it; the core computes integers as float32).
pub(crate) fn copysign(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    binary("copysign", a, b, None, |x, y| x.f_copysign(y))
}
