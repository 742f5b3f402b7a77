//! Elementwise ops.

use crate::{eval, input_array, kernels, lock, mark_failed, wrap, MlxResult, KIT};
use mlx_rs::{ops as m, Array};
use tensorswitch::kit::OrBackendError;
use tensorswitch::{DType, Error, Result, Tensor};

macro_rules! unary {
    ($($name:ident => $f:expr;)*) => {$(
        pub(crate) fn $name(x: &Tensor) -> Result<Tensor> {
            const OP: &str = stringify!($name);
            let _g = lock();
            let a = input_array(OP, x)?;
            let f: fn(&Array) -> mlx_rs::error::Result<Array> = $f;
            wrap(OP, f(a).or_backend(&KIT, OP)?)
        }
    )*};
}

macro_rules! binary {
    ($($name:ident => $f:expr;)*) => {$(
        pub(crate) fn $name(x: &Tensor, y: &Tensor) -> Result<Tensor> {
            const OP: &str = stringify!($name);
            let _g = lock();
            let (a, b) = (input_array(OP, x)?, input_array(OP, y)?);
            let f: fn(&Array, &Array) -> mlx_rs::error::Result<Array> = $f;
            wrap(OP, f(a, b).or_backend(&KIT, OP)?)
        }
    )*};
}

unary! {
    negative => |a| m::negative(a);
    abs => |a| m::abs(a);
    log => |a| m::log(a);
    log1p => |a| m::log1p(a);
    expm1 => |a| m::expm1(a);
    sqrt => |a| m::sqrt(a);
    square => |a| m::square(a);
    tanh => |a| m::tanh(a);
    // Unlike `exp`/`sin`/`cos`, MLX 0.32's CPU kernels for these call the C library for every
    // dtype (`mlx/backend/cpu/simd/base_simd.h`: `std::tan`, `std::asinh`, `std::log2`, …), so
    // float64 keeps its precision without a fix-up.
    tan => |a| m::tan(a);
    sinh => |a| m::sinh(a);
    cosh => |a| m::cosh(a);
    asin => |a| m::asin(a);
    acos => |a| m::acos(a);
    atan => |a| m::atan(a);
    asinh => |a| m::asinh(a);
    acosh => |a| m::acosh(a);
    atanh => |a| m::atanh(a);
    log2 => |a| m::log2(a);
    log10 => |a| m::log10(a);
    floor => |a| m::floor(a);
    ceil => |a| m::ceil(a);
    round => |a| m::round(a, None);
    // Only float inputs reach it (the core returns integers as they are). MLX's own `trunc`
    // keeps float64 precision (tests/predicates.rs checks values beyond 2^24 and 1e300).
    trunc => |a| a.trunc();
    // `+x` is `x`: the input array itself (MLX arrays are immutable), no graph node.
    positive => |a| Ok(a.clone());
    // MLX's predicates compare in the input's own dtype (float64 values beyond float32's
    // range, such as 1e300, stay finite) and are all false (isnan, isinf) or all true
    // (isfinite) for integers.
    isnan => |a| m::is_nan(a);
    isinf => |a| m::is_inf(a);
    isfinite => |a| a.is_finite();
    // MLX has no signbit (see `kernels::signbit`).
    signbit => |a| kernels::signbit(a);
    logical_not => |a| m::logical_not(a);
}

binary! {
    add => |a, b| m::add(a, b);
    subtract => |a, b| m::subtract(a, b);
    multiply => |a, b| m::multiply(a, b);
    divide => |a, b| m::divide(a, b);
    maximum => |a, b| m::maximum(a, b);
    minimum => |a, b| m::minimum(a, b);
    // `std::atan2` for every dtype, as the unary ones above.
    atan2 => |a, b| m::atan2(a, b);
    equal => |a, b| m::eq(a, b);
    not_equal => |a, b| m::ne(a, b);
    less => |a, b| m::lt(a, b);
    less_equal => |a, b| m::le(a, b);
    greater => |a, b| m::gt(a, b);
    greater_equal => |a, b| m::ge(a, b);
    logical_and => |a, b| m::logical_and(a, b);
    logical_or => |a, b| m::logical_or(a, b);
}

/// MLX's CPU `exp`, `sin` and `cos` run float32 polynomials for every dtype, and its `exp`
/// overflows early: the fix-ups are `kernels::exp_guarded`, `sin_precise` and `cos_precise`.
fn transcendental(op: &'static str, x: &Tensor, f: fn(&Array) -> MlxResult) -> Result<Tensor> {
    let _g = lock();
    let a = input_array(op, x)?;
    wrap(op, f(a).or_backend(&KIT, op)?)
}

pub(crate) fn exp(x: &Tensor) -> Result<Tensor> {
    transcendental("exp", x, kernels::exp_guarded)
}

pub(crate) fn sin(x: &Tensor) -> Result<Tensor> {
    transcendental("sin", x, kernels::sin_precise)
}

pub(crate) fn cos(x: &Tensor) -> Result<Tensor> {
    transcendental("cos", x, kernels::cos_precise)
}

/// MLX's sign of NaN is 0; tensorswitch's (and NumPy's) is NaN (`kernels::sign_nan`).
pub(crate) fn sign(x: &Tensor) -> Result<Tensor> {
    transcendental("sign", x, kernels::sign_nan)
}

/// MLX raises integers to negative powers (returning an integer, e.g. 0 for `2^-1`);
/// tensorswitch refuses them, as NumPy does. Finding out whether a signed exponent has a negative element
/// needs its values, so this evaluates the exponent (an integer `pow` with a signed exponent is
/// the one primary that evaluates; the exponent's evaluated data is then reused by the result).
pub(crate) fn pow(x: &Tensor, y: &Tensor) -> Result<Tensor> {
    const OP: &str = "pow";
    let _g = lock();
    let (a, b) = (input_array(OP, x)?, input_array(OP, y)?);
    if is_signed_integer(y.dtype()) && y.size() > 0 {
        let any_negative = kernels::any_negative(b).or_backend(&KIT, OP)?;
        eval(OP, &any_negative).map_err(|e| mark_failed(y, e))?;
        let negative = any_negative.try_item_exact::<bool>().or_backend(&KIT, OP)?;
        if negative {
            return Err(Error::InvalidArgument {
                op: OP,
                reason: format!(
                    "an integer ({}) raised to a negative integer power has no integer result; \
                     convert the base to a float dtype first",
                    x.dtype()
                ),
            });
        }
    }
    wrap(OP, m::power(a, b).or_backend(&KIT, OP)?)
}

fn is_signed_integer(d: DType) -> bool {
    matches!(d, DType::Int8 | DType::Int16 | DType::Int32 | DType::Int64)
}

pub(crate) fn where_(c: &Tensor, x: &Tensor, y: &Tensor) -> Result<Tensor> {
    const OP: &str = "where";
    let _g = lock();
    let out = m::select(
        input_array(OP, c)?,
        input_array(OP, x)?,
        input_array(OP, y)?,
    )
    .or_backend(&KIT, OP)?;
    wrap(OP, out)
}
