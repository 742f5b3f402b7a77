//! Elementwise ops, with NumPy's semantics where the standard leaves room: integers wrap,
//! `maximum`/`minimum` propagate NaN, `round` ties to even.

use crate::{array, input_array, vmath, zip2, NdArray};
use ndarray::Zip;
use tensorswitch::{Error, Result, Tensor};

binary_fn!(add, "add";
    ints |x, y: T| x.wrapping_add(y);
    floats |x, y: T| x + y);
binary_fn!(subtract, "subtract";
    ints |x, y: T| x.wrapping_sub(y);
    floats |x, y: T| x - y);
binary_fn!(multiply, "multiply";
    ints |x, y: T| x.wrapping_mul(y);
    floats |x, y: T| x * y);
binary_fn!(divide, "divide";
    floats |x, y: T| x / y);
// NumPy's choices: the first operand wins ties (so the sign of a zero follows it) and NaN in
// either operand gives NaN.
binary_fn!(maximum, "maximum";
    ints |x, y: T| x.max(y);
    floats |x, y: T| if x >= y || x.is_nan() { x } else { y });
binary_fn!(minimum, "minimum";
    ints |x, y: T| x.min(y);
    floats |x, y: T| if x <= y || x.is_nan() { x } else { y });
// `max + ln(1 + e^(min - max))`; equal operands (infinities included) give `x + ln 2`.
binary_fn!(logaddexp, "logaddexp";
floats |x, y: T| if x == y { x + std::f64::consts::LN_2 as T } else {
    let (hi, lo) = if x > y || y.is_nan() { (x, y) } else { (y, x) };
    hi + (lo - hi).exp().ln_1p()
});
// C's `atan2` and `hypot` (the libm functions Rust's methods call).
binary_fn!(atan2, "atan2"; floats |x, y: T| x.atan2(y));
binary_fn!(hypot, "hypot"; floats |x, y: T| x.hypot(y));

// Comparisons with NaN are false, as IEEE `PartialOrd` gives them; bools order false < true.
binary_fn!(equal, "equal"; any |x, y: T| x == y);
binary_fn!(#[allow(clippy::bool_comparison)] less, "less"; any |x, y: T| x < y);
binary_fn!(#[allow(clippy::bool_comparison)] less_equal, "less_equal"; any |x, y: T| x <= y);
binary_fn!(logical_and, "logical_and"; bool |x, y: T| x && y);
binary_fn!(logical_or, "logical_or"; bool |x, y: T| x || y);
// Bools combine as bits too (`&`, `|`, `^` on bool are the logical ops, without short-circuit).
binary_fn!(bitwise_and, "bitwise_and"; ints |x, y: T| x & y; bool |x, y: T| x & y);
binary_fn!(bitwise_or, "bitwise_or"; ints |x, y: T| x | y; bool |x, y: T| x | y);
binary_fn!(bitwise_xor, "bitwise_xor"; ints |x, y: T| x ^ y; bool |x, y: T| x ^ y);
// Shifts of 0 to width - 1 bits as the standard has them (left shifts wrap, right shifts of
// signed integers are arithmetic); beyond, as NumPy: every bit shifted out (0, or -1 for a
// negative number shifted right).
binary_fn!(bitwise_left_shift, "bitwise_left_shift";
ints |x, y: T| match shift_count(i128::from(y), T::BITS) {
    Some(s) => x.wrapping_shl(s),
    None => 0,
});
binary_fn!(bitwise_right_shift, "bitwise_right_shift";
sints |x, y: T| match shift_count(i128::from(y), T::BITS) {
    Some(s) => x >> s,
    None => x >> (T::BITS - 1),
};
uints |x, y: T| match shift_count(i128::from(y), T::BITS) {
    Some(s) => x >> s,
    None => 0,
});

/// `y` as a shift count of a `bits`-wide integer: `None` where it is negative or `>= bits`.
fn shift_count(y: i128, bits: u32) -> Option<u32> {
    u32::try_from(y).ok().filter(|&s| s < bits)
}

/// `x ** e` by repeated squaring, wrapping like the other integer ops (the exponent is
/// non-negative here; its bits are read as u64).
macro_rules! wrapping_pow {
    ($x:expr, $e:expr, $T:ty) => {{
        let (mut base, mut e, mut acc) = ($x, $e as u64, 1 as $T);
        while e > 0 {
            if e & 1 == 1 {
                acc = acc.wrapping_mul(base);
            }
            base = base.wrapping_mul(base);
            e >>= 1;
        }
        acc
    }};
}

pub(crate) fn pow(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    const OP: &str = "pow";
    let out: NdArray = on_pair!(OP, input_array(OP, a)?, input_array(OP, b)?;
        sints |x, y: T| {
            // NumPy refuses these rather than returning a truncated 0 (or 1 / x).
            if y.iter().any(|&e| e < 0) {
                return Err(Error::InvalidArgument {
                    op: OP,
                    reason: "integers to negative integer powers are not allowed".into(),
                });
            }
            zip2(OP, x, y, |p: T, e: T| wrapping_pow!(p, e, T))?.into()
        };
        uints |x, y: T| zip2(OP, x, y, |p: T, e: T| wrapping_pow!(p, e, T))?.into();
        floats |x, y: T| zip2(OP, x, y, |p: T, e: T| p.powf(e))?.into());
    Ok(out.into_tensor())
}

unary_fn!(negative, "negative";
    ints |x: T| x.wrapping_neg();
    floats |x: T| -x);
unary_fn!(abs, "abs";
    sints |x: T| x.wrapping_abs();
    uints |x: T| x;
    floats |x: T| x.abs());
// exp, log, sqrt, sin, cos, tanh: the vectorised kernels of `vmath` (and `math::tanh_f32`),
// a slice at a time where the input is contiguous (split across threads when it is long),
// else element by element; fused programs run the same slice functions on their blocks.
vector_fn!(
    exp,
    "exp",
    vmath::exp_f32_slice,
    vmath::exp_f32,
    vmath::exp_f64_slice,
    vmath::exp_f64
);
vector_fn!(
    log,
    "log",
    vmath::ln_f32_slice,
    vmath::ln_f32,
    vmath::ln_f64_slice,
    vmath::ln_f64
);
vector_fn!(
    sqrt,
    "sqrt",
    vmath::sqrt_f32_slice,
    f32::sqrt,
    vmath::sqrt_f64_slice,
    f64::sqrt
);
vector_fn!(
    sin,
    "sin",
    vmath::sin_f32_slice,
    vmath::sin_f32,
    vmath::sin_f64_slice,
    vmath::sin_f64
);
vector_fn!(
    cos,
    "cos",
    vmath::cos_f32_slice,
    vmath::cos_f32,
    vmath::cos_f64_slice,
    vmath::cos_f64
);
// float32: evaluated in float64 and rounded once (see `math::tanh_f32`: more accurate than the
// C library's `tanhf`).
vector_fn!(
    tanh,
    "tanh",
    crate::math::tanh_f32_slice,
    crate::math::tanh_f32,
    vmath::tanh_f64_slice,
    vmath::tanh_f64
);

/// The slot of an elementwise float op with a slice kernel per dtype.
fn vector_slot(
    op: &'static str,
    x: &Tensor,
    f32s: fn(&[f32], &mut [f32]),
    f32e: fn(f32) -> f32,
    f64s: fn(&[f64], &mut [f64]),
    f64e: fn(f64) -> f64,
) -> Result<Tensor> {
    let out: NdArray = on_array!(op, input_array(op, x)?;
        f32 |a: T| slices_or_map(op, a, f32s, f32e)?.into();
        f64 |a: T| slices_or_map(op, a, f64s, f64e)?.into());
    Ok(out.into_tensor())
}

/// `f` over a contiguous array's slice (on threads when it is long, see `cpu`), else `e`
/// element by element; the two give the same bits.
fn slices_or_map<T: tensorswitch::Element + Default + Send + Sync>(
    op: &'static str,
    a: &ndarray::ArrayRefD<T>,
    f: fn(&[T], &mut [T]),
    e: fn(T) -> T,
) -> Result<ndarray::ArrayD<T>> {
    match crate::buf::flat(a) {
        Some(s) => {
            let mut v = tensorswitch::alloc::try_vec(op, s.len(), T::default())?;
            crate::cpu::par_map_slices(s, &mut v, f);
            crate::buf::shaped_like(op, a, v)
        }
        None => crate::buf::map(op, a, e),
    }
}

/// The block function of a `vector_fn!` op in fused programs: the slot's slice functions.
pub(crate) fn vector_block(
    x: &crate::fused::Reg,
    out: &mut crate::fused::Reg,
    n: usize,
    f32s: fn(&[f32], &mut [f32]),
    f64s: fn(&[f64], &mut [f64]),
) -> bool {
    use crate::fused::Reg;
    match (x, out) {
        (Reg::Float32(x), Reg::Float32(o)) => f32s(&x[..n], &mut o[..n]),
        (Reg::Float64(x), Reg::Float64(o)) => f64s(&x[..n], &mut o[..n]),
        _ => return false,
    }
    true
}

unary_fn!(tan, "tan"; floats |x: T| x.tan());
unary_fn!(sinh, "sinh"; floats |x: T| x.sinh());
unary_fn!(cosh, "cosh"; floats |x: T| x.cosh());
unary_fn!(asin, "asin"; floats |x: T| x.asin());
unary_fn!(acos, "acos"; floats |x: T| x.acos());
unary_fn!(atan, "atan"; floats |x: T| x.atan());
unary_fn!(asinh, "asinh"; floats |x: T| x.asinh());
unary_fn!(acosh, "acosh"; floats |x: T| x.acosh());
unary_fn!(atanh, "atanh"; floats |x: T| x.atanh());
unary_fn!(log2, "log2"; floats |x: T| x.log2());
unary_fn!(log10, "log10"; floats |x: T| x.log10());
unary_fn!(floor, "floor"; floats |x: T| x.floor());
unary_fn!(ceil, "ceil"; floats |x: T| x.ceil());
unary_fn!(round, "round"; floats |x: T| x.round_ties_even());
// NumPy's definition: zeros (of either sign) give +0 and NaN stays NaN.
unary_fn!(sign, "sign";
    sints |x: T| x.signum();
    uints |x: T| (x != 0) as T;
    floats |x: T| if x > 0.0 { 1.0 } else if x < 0.0 { -1.0 } else if x == 0.0 { 0.0 } else { x });
unary_fn!(logical_not, "logical_not"; bool |x: T| !x);
// `!` flips every bit of an integer (`-x - 1` for signed ones) and negates a bool.
unary_fn!(bitwise_invert, "bitwise_invert"; ints |x: T| !x; bool |x: T| !x);
// Towards zero; std's `trunc` keeps the sign of a zero (-0.5 gives -0.0) and NaN stays NaN.
unary_fn!(trunc, "trunc"; floats |x: T| x.trunc());
// Integers are never NaN or infinite; the result is bool whatever the input dtype.
unary_fn!(isnan, "isnan";
    ints |_x: T| false;
    floats |x: T| x.is_nan());
unary_fn!(isinf, "isinf";
    ints |_x: T| false;
    floats |x: T| x.is_infinite());
unary_fn!(isfinite, "isfinite";
    ints |_x: T| true;
    floats |x: T| x.is_finite());
// The sign bit itself, so -0.0 and NaNs with the sign bit set count; integers below zero.
unary_fn!(signbit, "signbit";
    sints |x: T| x < 0;
    uints |_x: T| false;
    floats |x: T| x.is_sign_negative());

/// `+x`: the input itself (tensors are immutable, so sharing it is a copy that costs nothing
/// and cannot fail).
pub(crate) fn positive(x: &Tensor) -> Result<Tensor> {
    const OP: &str = "positive";
    on_array!(OP, input_array(OP, x)?; numeric |_a: T| ());
    Ok(x.clone())
}

/// `expm1` as ndarray 0.17's `exp_m1` array method computes it: that method is
/// `mapv(Float::exp_m1)`, std's `exp_m1` per element. The same map runs here through
/// [`buf::map`](crate::buf::map), since `mapv` aborts the process when the result cannot be
/// allocated.
pub(crate) fn expm1_native(x: &Tensor) -> Result<Tensor> {
    const OP: &str = "expm1";
    let out: NdArray =
        on_array!(OP, input_array(OP, x)?; floats |a: T| crate::buf::map(OP, a, T::exp_m1)?.into());
    Ok(out.into_tensor())
}

/// `log1p` as ndarray 0.17's `ln_1p` array method computes it (`mapv(Float::ln_1p)`), through
/// the fallible map for the same reason.
pub(crate) fn log1p_native(x: &Tensor) -> Result<Tensor> {
    const OP: &str = "log1p";
    let out: NdArray =
        on_array!(OP, input_array(OP, x)?; floats |a: T| crate::buf::map(OP, a, T::ln_1p)?.into());
    Ok(out.into_tensor())
}

pub(crate) fn where_(condition: &Tensor, x: &Tensor, y: &Tensor) -> Result<Tensor> {
    const OP: &str = "where";
    let c = array::<bool>(OP, condition)?;
    let out: NdArray = on_pair!(OP, input_array(OP, x)?, input_array(OP, y)?;
        any |p, q: T| select(OP, c, p, q)?.into());
    Ok(out.into_tensor())
}

/// `x` where `c` holds, else `y`, all three broadcast together.
fn select<T: tensorswitch::Element + Default>(
    op: &'static str,
    c: &ndarray::ArrayRefD<bool>,
    x: &ndarray::ArrayRefD<T>,
    y: &ndarray::ArrayRefD<T>,
) -> Result<ndarray::ArrayD<T>> {
    let xy = tensorswitch::broadcast_shapes(op, x.shape(), y.shape())?;
    let shape = tensorswitch::broadcast_shapes(op, c.shape(), &xy)?;
    let (c, x, y) = (
        crate::broadcast(op, c, &shape)?,
        crate::broadcast(op, x, &shape)?,
        crate::broadcast(op, y, &shape)?,
    );
    let mut out = crate::buf::filled(op, &shape, T::default())?;
    Zip::from(&mut out)
        .and(&c)
        .and(&x)
        .and(&y)
        .for_each(|o, &c, &x, &y| *o = select_one(c, x, y));
    Ok(out)
}

/// One element of `where` (fused programs use it too).
#[inline(always)]
pub(crate) fn select_one<T>(c: bool, x: T, y: T) -> T {
    if c {
        x
    } else {
        y
    }
}

// ----- issue 12: floor_divide, remainder, copysign
//
// Integers: the quotient rounded towards negative infinity and the remainder with the sign of
// the divisor, as Python's `//` and `%`; division by zero gives 0 (NumPy's answer, which
// tensorswitch pins for every backend) and `MIN // -1` wraps to `MIN` (its remainder is 0).
// Floats: NumPy's algorithm (`npy_divmod`): the remainder from `fmod`, moved to the sign of
// the divisor, and the quotient `(a - fmod) / b` snapped to a whole number, so that `a` and
// the pair `(quotient, remainder)` agree even where `floor(a / b)` would round the wrong way
// (`1.0 // 0.1` is 9, not 10).

/// `(floor(x / y), x mod y)` of signed integers, `y != 0`.
macro_rules! sint_divmod {
    ($x:expr, $y:expr) => {{
        let (x, y) = ($x, $y);
        let (q, r) = (x.wrapping_div(y), x.wrapping_rem(y));
        if r != 0 && ((r < 0) != (y < 0)) {
            (q - 1, r + y)
        } else {
            (q, r)
        }
    }};
}

/// NumPy's float `(floor_divide, remainder)` of `x` and `y` of type `T`; IEEE results (±inf
/// or NaN, and NaN) for `y == 0`.
macro_rules! float_divmod {
    ($x:expr, $y:expr, $T:ty) => {{
        let (x, y): ($T, $T) = ($x, $y);
        let fmod = x % y;
        if y == 0.0 {
            (x / y, fmod)
        } else {
            let (mut div, mut m) = ((x - fmod) / y, fmod);
            if m != 0.0 {
                if (y < 0.0) != (m < 0.0) {
                    m += y;
                    div -= 1.0;
                }
            } else {
                m = (0.0 as $T).copysign(y);
            }
            let q = if div != 0.0 {
                let f = div.floor();
                if div - f > 0.5 {
                    f + 1.0
                } else {
                    f
                }
            } else {
                (0.0 as $T).copysign(x / y)
            };
            (q, m)
        }
    }};
}

binary_fn!(floor_divide, "floor_divide";
    sints |x, y: T| if y == 0 { 0 } else { sint_divmod!(x, y).0 };
    uints |x, y: T| x.checked_div(y).unwrap_or(0);
    floats |x, y: T| float_divmod!(x, y, T).0);
binary_fn!(remainder, "remainder";
    sints |x, y: T| if y == 0 { 0 } else { sint_divmod!(x, y).1 };
    uints |x, y: T| x.checked_rem(y).unwrap_or(0);
    floats |x, y: T| float_divmod!(x, y, T).1);
binary_fn!(copysign, "copysign"; floats |x, y: T| x.copysign(y));
