//! Compositional fallbacks: ops written with other ops of the catalogue.
//!
//! A backend that registers no primary for one of these ops gets the fallback in its table
//! (and every backend gets them all under [`with_backend_masked`](crate::with_backend_masked)).
//! Each has the slot signature of its op (arguments already validated by the public function)
//! and calls public ops, which run on the same table: the dispatcher pins it to the calling
//! thread for the duration of the fallback.
//!
//! The fallbacks are associated functions of [`Fallbacks`], not free functions, so a bare op
//! name inside one (`subtract(a, b)`) always means the public, dispatching op, which uses the
//! backend's primary where it has one; a fallback can reach another only by writing
//! `Fallbacks::name`, which none does.

use super::creation::from_host_on;
use super::manip::reshape_usize;
use super::*;
use crate::call::Reduction;
use crate::dtype::{DType, HostData, Scalar};
use crate::error::Result;
use crate::state::{self, DeviceGuard};
use crate::tensor::{Device, Shape, Tensor};

/// The compositional fallbacks, one per op the catalogue marks `fallback`, named after it.
pub(crate) struct Fallbacks;

fn isize_axes(axes: &[usize]) -> Vec<isize> {
    axes.iter().map(|&a| a as isize).collect()
}

/// A bool tensor of `x`'s shape and device, filled with `value`.
fn bools_like(x: &Tensor, value: bool) -> Result<Tensor> {
    state::with_device(x.device(), || super::full(x.shape(), value, DType::Bool))
}

/// A 0-dimensional tensor of `x`'s dtype holding `value`.
fn scalar_like(x: &Tensor, value: f64) -> Result<Tensor> {
    super::full(&[], value, x.dtype())
}

/// `(h / 2) · h` with `h = exp(|x| / 2)`: `exp(|x|) / 2` without overflowing before it must.
fn half_exp_squared(x: &Tensor) -> Result<Tensor> {
    let half = scalar_like(x, 0.5)?;
    let h = exp(&multiply(&abs(x)?, &half)?)?;
    multiply(&multiply(&h, &half)?, &h)
}

/// Index grids of shape `(n, 1)` and `(1, m)`, int64.
fn row_col_indices(n: usize, m: usize) -> Result<(Tensor, Tensor)> {
    let rows = reshape_usize(&super::arange(0.0, n as f64, 1.0, DType::Int64)?, &[n, 1])?;
    let cols = reshape_usize(&super::arange(0.0, m as f64, 1.0, DType::Int64)?, &[1, m])?;
    Ok((rows, cols))
}

fn count(x: &Tensor, axes: &[usize]) -> f64 {
    axes.iter().map(|&a| x.shape()[a]).product::<usize>() as f64
}

/// Keeps elements where `keep(column, row + k)` holds on the last two dimensions.
fn triangle(x: &Tensor, k: i64, keep: fn(&Tensor, &Tensor) -> Result<Tensor>) -> Result<Tensor> {
    let (n, m) = (x.shape()[x.ndim() - 2], x.shape()[x.ndim() - 1]);
    let (rows, cols) = row_col_indices(n, m)?;
    // Offsets beyond the matrix act like the matrix edge; clamping keeps `row + k` in range.
    let k = k.clamp(-(n as i64) - 1, m as i64 + 1);
    let shifted = add(&rows, &super::full(&[], k, DType::Int64)?)?;
    let mask = keep(&cols, &shifted)?;
    where_(&mask, x, &scalar_like(x, 0.0)?)
}

impl Fallbacks {
    pub(crate) fn full(
        shape: &[usize],
        value: Scalar,
        dtype: DType,
        device: Device,
    ) -> Result<Tensor> {
        let _device = DeviceGuard::new(device);
        let n = crate::alloc::element_count(Op::full.name(), shape)?;
        let data = HostData::filled(Op::full.name(), dtype, value, n)?;
        super::from_host(data, shape)
    }

    /// Copies through host memory: `to_host`, then `from_host` on the target device.
    pub(crate) fn to_device(x: &Tensor, device: Device) -> Result<Tensor> {
        let table = state::resolve(Op::to_device.name(), &[x])?;
        from_host_on(table, x.to_host()?, x.shape(), device)
    }

    pub(crate) fn zeros_like(shape: &[usize], dtype: DType, device: Device) -> Result<Tensor> {
        let _device = DeviceGuard::new(device);
        zeros(shape, dtype)
    }

    pub(crate) fn ones_like(shape: &[usize], dtype: DType, device: Device) -> Result<Tensor> {
        let _device = DeviceGuard::new(device);
        ones(shape, dtype)
    }

    /// Zeros (the contents `empty` documents).
    pub(crate) fn empty(shape: &[usize], dtype: DType, device: Device) -> Result<Tensor> {
        let _device = DeviceGuard::new(device);
        zeros(shape, dtype)
    }

    pub(crate) fn empty_like(shape: &[usize], dtype: DType, device: Device) -> Result<Tensor> {
        let _device = DeviceGuard::new(device);
        empty(shape, dtype)
    }

    pub(crate) fn full_like(
        shape: &[usize],
        value: Scalar,
        dtype: DType,
        device: Device,
    ) -> Result<Tensor> {
        let _device = DeviceGuard::new(device);
        full(shape, value, dtype)
    }

    pub(crate) fn zeros(shape: &[usize], dtype: DType, device: Device) -> Result<Tensor> {
        let _device = DeviceGuard::new(device);
        super::full(shape, 0i64, dtype)
    }

    pub(crate) fn ones(shape: &[usize], dtype: DType, device: Device) -> Result<Tensor> {
        let _device = DeviceGuard::new(device);
        super::full(shape, 1i64, dtype)
    }

    pub(crate) fn arange(
        start: f64,
        step: f64,
        n: usize,
        dtype: DType,
        device: Device,
    ) -> Result<Tensor> {
        let _device = DeviceGuard::new(device);
        let data = HostData::range(Op::arange.name(), dtype, start, step, n)?;
        super::from_host(data, &[n])
    }

    /// `start + i * step`, with the last element set to `stop` exactly when `endpoint` (as NumPy
    /// does), computed in float64 (or float32 where the backend lacks float64), then converted.
    pub(crate) fn linspace(
        start: f64,
        stop: f64,
        num: usize,
        endpoint: bool,
        dtype: DType,
        device: Device,
    ) -> Result<Tensor> {
        let _device = DeviceGuard::new(device);
        let work = if dtype.is_float() {
            dtype
        } else {
            DType::Float64
        };
        let div = if endpoint { num.saturating_sub(1) } else { num };
        let step = if div > 0 {
            (stop - start) / div as f64
        } else {
            0.0
        };
        let i = super::arange(0.0, num as f64, 1.0, work)?;
        let mut y = add(
            &multiply(&i, &super::full(&[], step, work)?)?,
            &super::full(&[], start, work)?,
        )?;
        if endpoint && num > 1 {
            let last = equal(&i, &super::full(&[], (num - 1) as f64, work)?)?;
            y = where_(&last, &super::full(&[], stop, work)?, &y)?;
        }
        astype(&y, dtype)
    }

    /// Ones where `column == row + k`.
    pub(crate) fn eye(
        n_rows: usize,
        n_cols: usize,
        k: i64,
        dtype: DType,
        device: Device,
    ) -> Result<Tensor> {
        let _device = DeviceGuard::new(device);
        if n_rows == 0 || n_cols == 0 {
            // Nothing to index: without this, eye(2^36, 0) would build a 2^36-row index grid.
            return super::zeros(&[n_rows, n_cols], dtype);
        }
        let (rows, cols) = row_col_indices(n_rows, n_cols)?;
        let k = k.clamp(-(n_rows as i64) - 1, n_cols as i64 + 1); // no wrap-around in row + k
        let shifted = add(&rows, &super::full(&[], k, DType::Int64)?)?;
        astype(&equal(&cols, &shifted)?, dtype)
    }

    pub(crate) fn subtract(a: &Tensor, b: &Tensor) -> Result<Tensor> {
        // Two's complement makes a + (-b) right for unsigned integers as well.
        add(a, &negative(b)?)
    }

    /// `max(a, b) + log1p(exp(-|a - b|))`, which cannot overflow; where `a == b` (equal
    /// infinities included, whose difference is NaN) it is `a + ln 2`.
    pub(crate) fn logaddexp(a: &Tensor, b: &Tensor) -> Result<Tensor> {
        let gap = negative(&abs(&subtract(a, b)?)?)?;
        let general = add(&maximum(a, b)?, &log1p(&exp(&gap)?)?)?;
        let twice = add(a, &scalar_like(a, std::f64::consts::LN_2)?)?;
        where_(&equal(a, b)?, &twice, &general)
    }

    /// Towards zero: `ceil` below zero, `floor` elsewhere (integers never get here).
    pub(crate) fn trunc(x: &Tensor) -> Result<Tensor> {
        where_(&less(x, &scalar_like(x, 0.0)?)?, &ceil(x)?, &floor(x)?)
    }

    pub(crate) fn positive(x: &Tensor) -> Result<Tensor> {
        Ok(x.clone())
    }

    /// `-x - 1` (two's complement, wrapping) for integers; logical not for bools.
    pub(crate) fn bitwise_invert(x: &Tensor) -> Result<Tensor> {
        if x.dtype() == DType::Bool {
            return logical_not(x);
        }
        subtract(&negative(x)?, &scalar_like(x, 1.0)?)
    }

    /// `x != x` for floats; all false for integers.
    pub(crate) fn isnan(x: &Tensor) -> Result<Tensor> {
        if !x.dtype().is_float() {
            return bools_like(x, false);
        }
        not_equal(x, x)
    }

    /// `|x| == inf` for floats; all false for integers.
    pub(crate) fn isinf(x: &Tensor) -> Result<Tensor> {
        if !x.dtype().is_float() {
            return bools_like(x, false);
        }
        equal(&abs(x)?, &scalar_like(x, f64::INFINITY)?)
    }

    /// Neither NaN nor infinite; all true for integers.
    pub(crate) fn isfinite(x: &Tensor) -> Result<Tensor> {
        if !x.dtype().is_float() {
            return bools_like(x, true);
        }
        logical_not(&logical_or(&isnan(x)?, &isinf(x)?)?)
    }

    /// `log(u) * x / (u - 1)` with `u = 1 + x` (Kahan's trick): the rounding error of `u`
    /// cancels, so this stays accurate for tiny `x`, where `log(1 + x)` would return 0.
    pub(crate) fn log1p(x: &Tensor) -> Result<Tensor> {
        let one = scalar_like(x, 1.0)?;
        let inf = scalar_like(x, f64::INFINITY)?;
        let u = add(x, &one)?;
        let general = divide(&multiply(x, &log(&u)?)?, &super::subtract(&u, &one)?)?;
        let big = where_(&equal(&u, &inf)?, &u, &general)?;
        where_(&equal(&u, &one)?, x, &big)
    }

    /// `(u - 1) * x / log(u)` with `u = exp(x)` (Kahan's trick), exact at the ends: `x` where `u`
    /// rounds to 1, -1 where `u - 1` rounds to -1, infinity where `u` overflows.
    pub(crate) fn expm1(x: &Tensor) -> Result<Tensor> {
        let one = scalar_like(x, 1.0)?;
        let minus_one = scalar_like(x, -1.0)?;
        let inf = scalar_like(x, f64::INFINITY)?;
        let u = exp(x)?;
        let um1 = super::subtract(&u, &one)?;
        let general = divide(&multiply(&um1, x)?, &log(&u)?)?;
        let r = where_(&equal(&u, &inf)?, &u, &general)?;
        let r = where_(&equal(&um1, &minus_one)?, &minus_one, &r)?;
        where_(&equal(&u, &one)?, x, &r)
    }

    /// `sin(x) / cos(x)`.
    pub(crate) fn tan(x: &Tensor) -> Result<Tensor> {
        divide(&sin(x)?, &cos(x)?)
    }

    /// `(expm1(x) - expm1(-x)) / 2`, whose terms have opposite signs (no cancellation, exact
    /// for tiny `x`); beyond |x| = 20, where `exp(-|x|)` is below float64's rounding,
    /// `±(h / 2) · h` with `h = exp(|x| / 2)`, which overflows only where `sinh` does.
    pub(crate) fn sinh(x: &Tensor) -> Result<Tensor> {
        let half = scalar_like(x, 0.5)?;
        let small = multiply(&half, &super::subtract(&expm1(x)?, &expm1(&negative(x)?)?)?)?;
        let big = half_exp_squared(x)?;
        let big = where_(&less(x, &scalar_like(x, 0.0)?)?, &negative(&big)?, &big)?;
        where_(&greater(&abs(x)?, &scalar_like(x, 20.0)?)?, &big, &small)
    }

    /// `(exp(x) + exp(-x)) / 2`; beyond |x| = 20 `(h / 2) · h` with `h = exp(|x| / 2)`, which
    /// overflows only where `cosh` does.
    pub(crate) fn cosh(x: &Tensor) -> Result<Tensor> {
        let half = scalar_like(x, 0.5)?;
        let small = multiply(&half, &add(&exp(x)?, &exp(&negative(x)?)?)?)?;
        let big = half_exp_squared(x)?;
        where_(&greater(&abs(x)?, &scalar_like(x, 20.0)?)?, &big, &small)
    }

    /// `±log1p(a + a² / (1 + sqrt(a² + 1)))` with `a = |x|` (accurate for tiny `x`, no
    /// cancellation for negative `x`); beyond 2^28, where `a²` could overflow, `log(a) + ln 2`.
    /// Zeros keep their sign.
    pub(crate) fn asinh(x: &Tensor) -> Result<Tensor> {
        let one = scalar_like(x, 1.0)?;
        let a = abs(x)?;
        let a2 = multiply(&a, &a)?;
        let inner = add(&a, &divide(&a2, &add(&one, &sqrt(&add(&a2, &one)?)?)?)?)?;
        let small = log1p(&inner)?;
        let big = add(&log(&a)?, &scalar_like(x, std::f64::consts::LN_2)?)?;
        let r = where_(&greater(&a, &scalar_like(x, 268435456.0)?)?, &big, &small)?;
        let r = where_(&less(x, &scalar_like(x, 0.0)?)?, &negative(&r)?, &r)?;
        where_(&equal(x, &scalar_like(x, 0.0)?)?, x, &r)
    }

    /// `log1p(t + sqrt(t · (x + 1)))` with `t = x - 1` (no cancellation near 1); beyond 2^28,
    /// where the product could overflow, `log(x) + ln 2`. NaN below 1.
    pub(crate) fn acosh(x: &Tensor) -> Result<Tensor> {
        let one = scalar_like(x, 1.0)?;
        let t = super::subtract(x, &one)?;
        let small = log1p(&add(&t, &sqrt(&multiply(&t, &add(x, &one)?)?)?)?)?;
        let big = add(&log(x)?, &scalar_like(x, std::f64::consts::LN_2)?)?;
        where_(&greater(x, &scalar_like(x, 268435456.0)?)?, &big, &small)
    }

    /// `±log1p(2a / (1 - a)) / 2` with `a = |x|`: `1 + 2a/(1 - a) = (1 + a)/(1 - a)` is at
    /// least 1, so nothing cancels near -1, and tiny `x` stay accurate. Zeros keep their sign.
    pub(crate) fn atanh(x: &Tensor) -> Result<Tensor> {
        let one = scalar_like(x, 1.0)?;
        let a = abs(x)?;
        let q = divide(&add(&a, &a)?, &super::subtract(&one, &a)?)?;
        let r = multiply(&log1p(&q)?, &scalar_like(x, 0.5)?)?;
        let r = where_(&less(x, &scalar_like(x, 0.0)?)?, &negative(&r)?, &r)?;
        where_(&equal(x, &scalar_like(x, 0.0)?)?, x, &r)
    }

    /// `log(x) / ln 2`.
    pub(crate) fn log2(x: &Tensor) -> Result<Tensor> {
        divide(&log(x)?, &scalar_like(x, std::f64::consts::LN_2)?)
    }

    /// `log(x) / ln 10`.
    pub(crate) fn log10(x: &Tensor) -> Result<Tensor> {
        divide(&log(x)?, &scalar_like(x, std::f64::consts::LN_10)?)
    }

    /// `m · sqrt(1 + (n / m)²)` with `m`, `n` the larger and smaller magnitude, so nothing
    /// overflows or underflows in between; 0 where both are 0, infinity where either is
    /// infinite (NaN in the other included), as C's `hypot`.
    pub(crate) fn hypot(a: &Tensor, b: &Tensor) -> Result<Tensor> {
        let (x, y) = (abs(a)?, abs(b)?);
        let (m, n) = (maximum(&x, &y)?, minimum(&x, &y)?);
        let r = divide(&n, &m)?;
        let one = scalar_like(&m, 1.0)?;
        let h = multiply(&m, &sqrt(&add(&one, &multiply(&r, &r)?)?)?)?;
        let h = where_(&equal(&m, &scalar_like(&m, 0.0)?)?, &m, &h)?;
        let inf = scalar_like(&m, f64::INFINITY)?;
        let either_inf = logical_or(&equal(&x, &inf)?, &equal(&y, &inf)?)?;
        where_(&either_inf, &inf, &h)
    }

    pub(crate) fn square(x: &Tensor) -> Result<Tensor> {
        multiply(x, x)
    }

    pub(crate) fn not_equal(a: &Tensor, b: &Tensor) -> Result<Tensor> {
        logical_not(&equal(a, b)?)
    }

    pub(crate) fn greater(a: &Tensor, b: &Tensor) -> Result<Tensor> {
        less(b, a)
    }

    pub(crate) fn greater_equal(a: &Tensor, b: &Tensor) -> Result<Tensor> {
        less_equal(b, a)
    }

    pub(crate) fn logical_xor(a: &Tensor, b: &Tensor) -> Result<Tensor> {
        super::not_equal(a, b)
    }

    pub(crate) fn clip(x: &Tensor, min: Option<&Tensor>, max: Option<&Tensor>) -> Result<Tensor> {
        let mut y = x.clone();
        if let Some(lo) = min {
            y = maximum(&y, lo)?;
        }
        if let Some(hi) = max {
            y = minimum(&y, hi)?;
        }
        Ok(y)
    }

    pub(crate) fn matrix_transpose(x: &Tensor) -> Result<Tensor> {
        let n = x.ndim() as isize;
        let mut perm: Vec<isize> = (0..n).collect();
        perm.swap((n - 1) as usize, (n - 2) as usize);
        permute_dims(x, perm)
    }

    /// `sum(a * b, axis)`, converted back to the inputs' dtype. `sum` widens unsigned integers
    /// to uint64, which some backends lack (torch); the products are summed as int64 instead,
    /// which wraps to the same value modulo the inputs' width.
    pub(crate) fn vecdot(a: &Tensor, b: &Tensor, axis: usize) -> Result<Tensor> {
        let product = multiply(a, b)?;
        let product = if matches!(
            a.dtype(),
            DType::UInt8 | DType::UInt16 | DType::UInt32 | DType::UInt64
        ) {
            astype(&product, DType::Int64)?
        } else {
            product
        };
        astype(&sum(&product, axis as isize)?, a.dtype())
    }

    /// Moves the contracted axes together, flattens both operands to matrices, multiplies them and
    /// restores the free dimensions.
    pub(crate) fn tensordot(
        a: &Tensor,
        b: &Tensor,
        axes_a: &[usize],
        axes_b: &[usize],
    ) -> Result<Tensor> {
        let free_a: Vec<usize> = (0..a.ndim()).filter(|i| !axes_a.contains(i)).collect();
        let free_b: Vec<usize> = (0..b.ndim()).filter(|i| !axes_b.contains(i)).collect();
        let size =
            |t: &Tensor, axes: &[usize]| axes.iter().map(|&i| t.shape()[i]).product::<usize>();
        let (m, k, n) = (size(a, &free_a), size(a, axes_a), size(b, &free_b));
        let perm_a: Vec<isize> = free_a.iter().chain(axes_a).map(|&i| i as isize).collect();
        let perm_b: Vec<isize> = axes_b.iter().chain(&free_b).map(|&i| i as isize).collect();
        let a2 = reshape_usize(&permute_dims(a, perm_a)?, &[m, k])?;
        let b2 = reshape_usize(&permute_dims(b, perm_b)?, &[k, n])?;
        let out = matmul(&a2, &b2)?;
        let shape: Vec<usize> = free_a
            .iter()
            .map(|&i| a.shape()[i])
            .chain(free_b.iter().map(|&i| b.shape()[i]))
            .collect();
        reshape_usize(&out, &shape)
    }

    /// The count of true elements is positive (the input is bool here).
    pub(crate) fn any(x: &Tensor, axes: &[usize], keepdims: bool) -> Result<Tensor> {
        let count = sum(x, Reduction::over(isize_axes(axes)).keepdims(keepdims))?;
        greater(&count, &scalar_like(&count, 0.0)?)
    }

    /// The sum of the bool input (bool sums as int64).
    pub(crate) fn count_nonzero(x: &Tensor, axes: &[usize], keepdims: bool) -> Result<Tensor> {
        sum(x, Reduction::over(isize_axes(axes)).keepdims(keepdims))
    }

    /// No element is false.
    pub(crate) fn all(x: &Tensor, axes: &[usize], keepdims: bool) -> Result<Tensor> {
        let over = Reduction::over(isize_axes(axes)).keepdims(keepdims);
        logical_not(&any(&logical_not(x)?, over)?)
    }

    pub(crate) fn mean(x: &Tensor, axes: &[usize], keepdims: bool) -> Result<Tensor> {
        let s = sum(x, Reduction::over(isize_axes(axes)).keepdims(keepdims))?;
        divide(&s, &scalar_like(x, count(x, axes))?)
    }

    /// `sum((x - mean)^2) / (N - correction)`, the two-pass formula (no cancellation from
    /// subtracting large squares).
    pub(crate) fn var(
        x: &Tensor,
        axes: &[usize],
        correction: f64,
        keepdims: bool,
    ) -> Result<Tensor> {
        let ax = isize_axes(axes);
        let m = mean(x, Reduction::over(ax.clone()).keepdims(true))?;
        let d = super::subtract(x, &m)?;
        let ss = sum(&multiply(&d, &d)?, Reduction::over(ax).keepdims(keepdims))?;
        let dof = (count(x, axes) - correction).max(0.0);
        divide(&ss, &scalar_like(x, dof)?)
    }

    pub(crate) fn std(
        x: &Tensor,
        axes: &[usize],
        correction: f64,
        keepdims: bool,
    ) -> Result<Tensor> {
        let over = crate::call::Statistic::over(isize_axes(axes));
        sqrt(&var(x, over.correction(correction).keepdims(keepdims))?)
    }

    /// `exp(x - max) / sum(exp(x - max))`: subtracting the maximum keeps `exp` from overflowing.
    pub(crate) fn softmax(x: &Tensor, axis: usize) -> Result<Tensor> {
        let ax = axis as isize;
        if x.shape()[axis] == 0 {
            return Ok(x.clone());
        }
        let m = max(x, Reduction::over(ax).keepdims(true))?;
        let e = exp(&super::subtract(x, &m)?)?;
        divide(&e, &sum(&e, Reduction::over(ax).keepdims(true))?)
    }

    /// The permutation the core computed from the source and destination axes.
    pub(crate) fn moveaxis(x: &Tensor, perm: &[usize]) -> Result<Tensor> {
        permute_dims(x, isize_axes(perm))
    }

    pub(crate) fn expand_dims(x: &Tensor, axis: usize) -> Result<Tensor> {
        let mut shape: Shape = Shape::from_slice(x.shape());
        shape.insert(axis, 1);
        reshape_usize(x, &shape)
    }

    pub(crate) fn squeeze(x: &Tensor, axes: &[usize]) -> Result<Tensor> {
        let shape: Shape = x
            .shape()
            .iter()
            .enumerate()
            .filter(|(i, _)| !axes.contains(i))
            .map(|(_, &d)| d)
            .collect();
        reshape_usize(x, &shape)
    }

    pub(crate) fn stack(tensors: &[Tensor], axis: usize) -> Result<Tensor> {
        let expanded = tensors
            .iter()
            .map(|t| super::expand_dims(t, axis as isize))
            .collect::<Result<Vec<_>>>()?;
        concat(&expanded, axis as isize)
    }

    pub(crate) fn tril(x: &Tensor, k: i64) -> Result<Tensor> {
        triangle(x, k, less_equal)
    }

    pub(crate) fn triu(x: &Tensor, k: i64) -> Result<Tensor> {
        triangle(x, k, greater_equal)
    }
}

// ----- issue 12: copysign, tile (the manipulation helper's block)
impl Fallbacks {
    /// `where(signbit(b), -|a|, |a|)`: the sign bit of `b` (so `-0.0` and NaNs with the sign
    /// bit set count as negative) on the magnitude of `a` (`abs` clears the sign bit of a NaN,
    /// `negative` sets it).
    pub(crate) fn copysign(a: &Tensor, b: &Tensor) -> Result<Tensor> {
        let magnitude = abs(a)?;
        where_(&signbit(b)?, &negative(&magnitude)?, &magnitude)
    }
}

impl Fallbacks {
    /// Along each axis, the last `s` elements then the first `n - s`, joined with `concat`;
    /// each part is picked by `repeat` with count 1 for its elements and 0 for the others (an
    /// exact copy: the catalogue has no slicing).
    pub(crate) fn roll(x: &Tensor, shifts: &[usize], axes: &[usize]) -> Result<Tensor> {
        let mut cur = x.clone();
        for (&s, &axis) in shifts.iter().zip(axes) {
            let n = cur.shape()[axis];
            let part = |keep: &dyn Fn(usize) -> bool| -> Result<Tensor> {
                let counts = (0..n).map(|i| i64::from(keep(i))).collect();
                let counts = super::from_host(HostData::Int64(counts), &[n])?;
                repeat(&cur, &counts, axis as isize)
            };
            let (tail, head) = (part(&|i| i >= n - s)?, part(&|i| i < n - s)?);
            cur = concat(&[tail, head], axis as isize)?;
        }
        Ok(cur)
    }

    /// `x` (as many dimensions as `reps`) reshaped to `[1, d0, 1, d1, …]`, broadcast to
    /// `[r0, d0, r1, d1, …]` and merged pairwise: every copy of the tensor along each dimension.
    pub(crate) fn tile(x: &Tensor, reps: &[usize]) -> Result<Tensor> {
        let spread: Shape = x.shape().iter().flat_map(|&d| [1, d]).collect();
        let target: Shape = x
            .shape()
            .iter()
            .zip(reps)
            .flat_map(|(&d, &r)| [r, d])
            .collect();
        let merged: Shape = x.shape().iter().zip(reps).map(|(&d, &r)| d * r).collect();
        let copies = broadcast_to(&reshape_usize(x, &spread)?, &target)?;
        reshape_usize(&copies, &merged)
    }
}
