//! The public ops, named as in the Python Array API standard.
//!
//! Each op does one validation step (shapes, axes, dtypes; promotion by the core's table) and
//! one dispatch step (a function-pointer call through the active function table). Backends
//! receive normalised arguments: see the slot types in [`crate::catalogue`].

pub(crate) mod fallbacks;
mod shape;

pub use shape::broadcast_shapes;
use shape::{norm_axes, norm_axis, norm_axis_for_insert};

use crate::catalogue::{BinaryFn, Op, Slots, UnaryFn};
use crate::dtype::{DType, HostData, Scalar};
use crate::error::{Error, Result};
use crate::state::{self, Pin};
use crate::table::{self, FunctionTable, Source};
use crate::tensor::{Device, Shape, Tensor};
use std::borrow::Cow;

/// Calls a slot, pinning compositional fallbacks to `table` (so the ops they call run on the
/// same table, whatever other threads do to the stack meanwhile).
#[inline(always)]
fn call<F: Copy, R>(
    table: &'static FunctionTable,
    op: Op,
    slot: Option<F>,
    run: impl FnOnce(F) -> Result<R>,
) -> Result<R> {
    let Some(f) = slot else {
        return Err(table.unsupported_error(op));
    };
    // The last line of defence of the no-panic promise: a panic inside a backend (a framework
    // binding that unwraps, a bug of ours) becomes `Error::Backend` here instead of unwinding
    // through the caller. `catch_unwind` costs nothing on the path that does not panic (see
    // the `dispatch` bench). Unwind safety: the slot gets shared references only, and a
    // backend that panics half-way has not published any half-built state through them.
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        if matches!(table.sources[op.index()], Source::Compositional) {
            let _pin = Pin::new(table);
            run(f)
        } else {
            run(f)
        }
    }));
    match caught {
        Ok(result) => result,
        Err(payload) => Err(panicked(table, op, payload)),
    }
}

/// The error for a panic caught at the slot boundary, with the panic's message.
#[cold]
#[inline(never)]
fn panicked(table: &FunctionTable, op: Op, payload: Box<dyn std::any::Any + Send>) -> Error {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string());
    Error::Backend {
        backend: table.backend.name.to_string(),
        op: op.name(),
        message: format!("the backend panicked (caught by tensorswitch, please report it): {what}"),
    }
}

/// Converts `x` to `dtype` on `table` unless it already has it.
#[inline(always)]
fn cast<'a>(table: &'static FunctionTable, x: &'a Tensor, dtype: DType) -> Result<Cow<'a, Tensor>> {
    if x.dtype() == dtype {
        return Ok(Cow::Borrowed(x));
    }
    table.check_dtype(Op::astype, dtype)?;
    call(table, Op::astype, table.slots.astype, |f| f(x, dtype)).map(Cow::Owned)
}

#[inline]
fn require(op: Op, x: DType, ok: bool, expected: &'static str) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidDType {
            op: op.name(),
            dtype: x,
            expected,
        })
    }
}

/// Checks that a result of `shape` and `dtype` can exist ([`crate::alloc::check_result`]) and
/// that `table`'s backend can hold its dimensions; returns the element count.
#[inline]
fn check_shape(table: &FunctionTable, op: Op, shape: &[usize], dtype: DType) -> Result<usize> {
    let n = crate::alloc::check_result(op.name(), shape, dtype)?;
    let max_dim = table.backend.max_dim;
    if shape.iter().any(|&d| d > max_dim) {
        return Err(Error::UnsupportedShape {
            op: op.name(),
            backend: table.backend.name.to_string(),
            shape: shape.to_vec(),
            max_dim,
        });
    }
    Ok(n)
}

fn promote(op: Op, a: DType, b: DType) -> Result<DType> {
    a.promote(b).ok_or(Error::NoPromotion {
        op: op.name(),
        lhs: a,
        rhs: b,
    })
}

// ---------------------------------------------------------------------------------------------
// creation and host transfer

fn creation_table(op: Op) -> Result<&'static FunctionTable> {
    state::resolve(op.name(), &[])
}

fn check_len(op: Op, shape: &[usize], len: usize) -> Result<()> {
    let want = crate::alloc::element_count(op.name(), shape)?;
    if want != len {
        return Err(Error::InvalidShape {
            op: op.name(),
            reason: format!("shape {shape:?} holds {want} elements but {len} were given"),
        });
    }
    Ok(())
}

/// Creates a tensor from host data on the active backend (used by `Tensor::from_vec`).
pub fn from_host(data: HostData, shape: &[usize]) -> Result<Tensor> {
    let table = creation_table(Op::from_host)?;
    from_host_on(table, data, shape, state::default_device())
}

pub(crate) fn from_host_on(
    table: &'static FunctionTable,
    data: HostData,
    shape: &[usize],
    device: Device,
) -> Result<Tensor> {
    check_len(Op::from_host, shape, data.len())?;
    check_shape(table, Op::from_host, shape, data.dtype())?;
    table.check_dtype(Op::from_host, data.dtype())?;
    call(table, Op::from_host, table.slots.from_host, |f| {
        f(data, shape, device)
    })
}

/// Copies a tensor's elements to the host, using the tensor's own backend.
pub fn to_host(x: &Tensor) -> Result<HostData> {
    let table = match state::explicit_table() {
        Some(t) if std::ptr::eq(t.backend, x.backend_descriptor()) => t,
        _ => table::detected_table(x.backend_descriptor())?,
    };
    call(table, Op::to_host, table.slots.to_host, |f| f(x))
}

/// Computes `x` now. Lazy backends (MLX) only build a graph when an op is called and compute
/// it where a result is observed (`to_vec`, `to_host`, conversion); `evaluate` forces that at a
/// point of your choosing: to time the work, or to get value-dependent errors (a singular
/// matrix) there rather than later. On eager backends (ndarray, torch) the tensor is already
/// computed and this returns `Ok(())` at once.
pub fn evaluate(x: &Tensor) -> Result<()> {
    match x.backend_descriptor().evaluate {
        Some(f) => f(x),
        None => Ok(()),
    }
}

/// Moves `x` to `device` on its own backend (a copy unless it is already there).
pub fn to_device(x: &Tensor, device: Device) -> Result<Tensor> {
    if x.device() == device {
        return Ok(x.clone());
    }
    let table = state::resolve(Op::to_device.name(), &[x])?;
    call(table, Op::to_device, table.slots.to_device, |f| {
        f(x, device)
    })
}

/// Converts `x` to the backend `name`, independent of the backend stack. Values are exact for
/// every dtype both backends support. For CPU tensors the memory is shared instead of copied
/// when the source backend can lend it and the target can wrap it (see
/// [`SharedHost`](crate::tensor::SharedHost)); otherwise the data is copied through the host
/// and the result lives on the CPU.
///
/// float16 and bfloat16 have no host element type: they travel as float32 (widening is exact)
/// and are narrowed back on the target, which gives back the same values (NaNs stay NaN; a
/// signalling NaN may come back quiet).
pub fn to_backend(x: &Tensor, name: &str) -> Result<Tensor> {
    let target = state::descriptor(name)?;
    let source = x.backend_descriptor();
    if std::ptr::eq(source, target) {
        return Ok(x.clone());
    }
    let table = table::detected_table(target)?;
    table.check_dtype(Op::from_host, x.dtype())?;
    if x.device() == Device::Cpu {
        if let (Some(share), Some(import)) = (source.share_host, target.import_shared_host) {
            if let Some(shared) = share(x) {
                // SAFETY: `shared` comes from the source backend's `share_host`, whose
                // contract (see `SharedHost`) is exactly what `import` requires.
                if let Ok(t) = unsafe { import(shared) } {
                    return Ok(t);
                }
            }
        }
    }
    if matches!(x.dtype(), DType::Float16 | DType::BFloat16) {
        return half_to_backend(x, table);
    }
    let data = x.to_host()?;
    from_host_on(table, data, x.shape(), Device::Cpu)
}

/// `to_backend` of a float16/bfloat16 tensor: float32 on the source, through the host, back on
/// the target. Both casts run on their own backend's table, whatever the stack says.
fn half_to_backend(x: &Tensor, target: &'static FunctionTable) -> Result<Tensor> {
    let dtype = x.dtype();
    target.check_dtype(Op::astype, DType::Float32)?;
    let source = table::detected_table(x.backend_descriptor())?;
    source.check_dtype(Op::astype, DType::Float32)?;
    let wide = call(source, Op::astype, source.slots.astype, |f| {
        f(x, DType::Float32)
    })?;
    let data = call(source, Op::to_host, source.slots.to_host, |f| f(&wide))?;
    let moved = from_host_on(target, data, x.shape(), Device::Cpu)?;
    call(target, Op::astype, target.slots.astype, |f| {
        f(&moved, dtype)
    })
}

/// A tensor of `shape` filled with `value` converted to `dtype` (Rust `as` rules; bool: value
/// != 0).
pub fn full(shape: &[usize], value: impl Into<Scalar>, dtype: DType) -> Result<Tensor> {
    let table = creation_table(Op::full)?;
    check_shape(table, Op::full, shape, dtype)?;
    table.check_dtype(Op::full, dtype)?;
    let value = value.into();
    call(table, Op::full, table.slots.full, |f| {
        f(shape, value, dtype, state::default_device())
    })
}

/// A tensor of zeros.
pub fn zeros(shape: &[usize], dtype: DType) -> Result<Tensor> {
    fill(Op::zeros, shape, dtype, |s| s.zeros)
}

/// A tensor of ones.
pub fn ones(shape: &[usize], dtype: DType) -> Result<Tensor> {
    fill(Op::ones, shape, dtype, |s| s.ones)
}

fn fill(
    op: Op,
    shape: &[usize],
    dtype: DType,
    pick: fn(&Slots) -> Option<crate::catalogue::FillFn>,
) -> Result<Tensor> {
    let table = creation_table(op)?;
    check_shape(table, op, shape, dtype)?;
    table.check_dtype(op, dtype)?;
    call(table, op, pick(&table.slots), |f| {
        f(shape, dtype, state::default_device())
    })
}

/// Values from `start` towards `stop` (exclusive) by `step`: `ceil((stop - start) / step)`
/// elements.
pub fn arange(start: f64, stop: f64, step: f64, dtype: DType) -> Result<Tensor> {
    let op = Op::arange;
    if step == 0.0 || !step.is_finite() || !start.is_finite() || !stop.is_finite() {
        return Err(Error::InvalidArgument {
            op: op.name(),
            reason: format!(
                "start, stop and step must be finite and step non-zero; got start={start}, stop={stop}, step={step}"
            ),
        });
    }
    let count = ((stop - start) / step).ceil();
    let n = if count > 0.0 { count as usize } else { 0 };
    if count > (isize::MAX as f64) / 16.0 {
        return Err(Error::InvalidArgument {
            op: op.name(),
            reason: format!("{count} elements is too many"),
        });
    }
    let table = creation_table(op)?;
    check_shape(table, op, &[n], dtype)?;
    table.check_dtype(op, dtype)?;
    call(table, op, table.slots.arange, |f| {
        f(start, step, n, dtype, state::default_device())
    })
}

/// `num` evenly spaced values from `start` to `stop` (included when `endpoint`).
pub fn linspace(start: f64, stop: f64, num: usize, endpoint: bool, dtype: DType) -> Result<Tensor> {
    let op = Op::linspace;
    if !start.is_finite() || !stop.is_finite() {
        return Err(Error::InvalidArgument {
            op: op.name(),
            reason: format!("start and stop must be finite; got {start} and {stop}"),
        });
    }
    let table = creation_table(op)?;
    check_shape(table, op, &[num], dtype)?;
    table.check_dtype(op, dtype)?;
    call(table, op, table.slots.linspace, |f| {
        f(start, stop, num, endpoint, dtype, state::default_device())
    })
}

/// A 2-D tensor with ones on the `k`-th diagonal and zeros elsewhere.
pub fn eye(n_rows: usize, n_cols: Option<usize>, k: i64, dtype: DType) -> Result<Tensor> {
    let op = Op::eye;
    let table = creation_table(op)?;
    table.check_dtype(op, dtype)?;
    let n_cols = n_cols.unwrap_or(n_rows);
    check_shape(table, op, &[n_rows, n_cols], dtype)?;
    call(table, op, table.slots.eye, |f| {
        f(n_rows, n_cols, k, dtype, state::default_device())
    })
}

// ---------------------------------------------------------------------------------------------
// elementwise

/// What a binary op accepts and returns.
#[derive(Clone, Copy, PartialEq)]
enum Binary {
    /// numeric inputs, promoted; result has the promoted dtype
    Arithmetic,
    /// like `Arithmetic`, then integers to the default float
    Divide,
    /// any inputs, promoted; result bool
    Compare,
    /// inputs converted to bool; result bool
    Logical,
}

#[inline(always)]
fn binary(
    op: Op,
    kind: Binary,
    a: &Tensor,
    b: &Tensor,
    pick: fn(&Slots) -> Option<BinaryFn>,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[a, b])?;
    // Fast path: one dtype the op takes as it is, one shape, nothing to promote or cast.
    let d = a.dtype();
    let as_is = match kind {
        Binary::Arithmetic => d.is_numeric(),
        Binary::Divide => d.is_float(),
        Binary::Compare => !table.unsupported.contains(DType::Bool),
        Binary::Logical => d == DType::Bool,
    };
    if as_is && d == b.dtype() && !table.unsupported.contains(d) && a.same_shape(b) {
        return call(table, op, pick(&table.slots), |f| f(a, b));
    }
    binary_general(table, op, kind, a, b, pick)
}

#[inline(never)]
fn binary_general(
    table: &'static FunctionTable,
    op: Op,
    kind: Binary,
    a: &Tensor,
    b: &Tensor,
    pick: fn(&Slots) -> Option<BinaryFn>,
) -> Result<Tensor> {
    let dtype = match kind {
        Binary::Logical => DType::Bool,
        _ => {
            let d = if a.dtype() == b.dtype() {
                a.dtype()
            } else {
                promote(op, a.dtype(), b.dtype())?
            };
            match kind {
                Binary::Arithmetic => {
                    require(op, d, d.is_numeric(), "a numeric dtype (not bool)")?;
                    d
                }
                Binary::Divide => d.to_float(),
                _ => d,
            }
        }
    };
    if a.shape() != b.shape() {
        let shape = broadcast_shapes(op.name(), a.shape(), b.shape())?;
        let out = if matches!(kind, Binary::Compare) {
            DType::Bool
        } else {
            dtype
        };
        check_shape(table, op, &shape, out)?;
    }
    table.check_dtype(op, dtype)?;
    if matches!(kind, Binary::Compare) {
        table.check_dtype(op, DType::Bool)?;
    }
    let a = cast(table, a, dtype)?;
    let b = cast(table, b, dtype)?;
    call(table, op, pick(&table.slots), |f| f(&a, &b))
}

macro_rules! binary_ops {
    ($($(#[$doc:meta])* $name:ident => $kind:ident;)*) => {$(
        $(#[$doc])*
        #[inline]
        pub fn $name(a: &Tensor, b: &Tensor) -> Result<Tensor> {
            binary(Op::$name, Binary::$kind, a, b, |s| s.$name)
        }
    )*};
}

binary_ops! {
    /// `a + b`, elementwise with broadcasting (integers wrap on overflow).
    add => Arithmetic;
    /// `a - b` (integers wrap on overflow).
    subtract => Arithmetic;
    /// `a * b` (integers wrap on overflow).
    multiply => Arithmetic;
    /// `a / b`; integer and bool inputs are divided as the default float dtype (float32).
    divide => Divide;
    /// `a` to the power `b`; negative integer exponents of integers are an error.
    pow => Arithmetic;
    /// The larger of `a` and `b`; NaN if either is NaN.
    maximum => Arithmetic;
    /// The smaller of `a` and `b`; NaN if either is NaN.
    minimum => Arithmetic;
    /// `a == b`.
    equal => Compare;
    /// `a != b`.
    not_equal => Compare;
    /// `a < b`.
    less => Compare;
    /// `a <= b`.
    less_equal => Compare;
    /// `a > b`.
    greater => Compare;
    /// `a >= b`.
    greater_equal => Compare;
    /// Logical and; non-bool inputs count as true when non-zero.
    logical_and => Logical;
    /// Logical or; non-bool inputs count as true when non-zero.
    logical_or => Logical;
    /// Logical exclusive or; non-bool inputs count as true when non-zero.
    logical_xor => Logical;
}

/// What a unary op accepts and returns.
#[derive(Clone, Copy, PartialEq)]
enum Unary {
    /// float result; integer and bool inputs converted to the default float dtype
    Float,
    /// numeric input, same dtype out
    Numeric,
    /// numeric; integers are returned unchanged (they are already whole)
    Rounding,
    /// input converted to bool
    Logical,
}

#[inline]
fn unary(op: Op, kind: Unary, x: &Tensor, pick: fn(&Slots) -> Option<UnaryFn>) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x])?;
    let dtype = match kind {
        Unary::Float => x.dtype().to_float(),
        Unary::Numeric => {
            require(
                op,
                x.dtype(),
                x.dtype().is_numeric(),
                "a numeric dtype (not bool)",
            )?;
            x.dtype()
        }
        Unary::Rounding => {
            require(
                op,
                x.dtype(),
                x.dtype().is_numeric(),
                "a numeric dtype (not bool)",
            )?;
            if !x.dtype().is_float() {
                return Ok(x.clone());
            }
            x.dtype()
        }
        Unary::Logical => DType::Bool,
    };
    table.check_dtype(op, dtype)?;
    let x = cast(table, x, dtype)?;
    call(table, op, pick(&table.slots), |f| f(&x))
}

macro_rules! unary_ops {
    ($($(#[$doc:meta])* $name:ident => $kind:ident;)*) => {$(
        $(#[$doc])*
        #[inline]
        pub fn $name(x: &Tensor) -> Result<Tensor> {
            unary(Op::$name, Unary::$kind, x, |s| s.$name)
        }
    )*};
}

unary_ops! {
    /// `-x` (integers wrap: `-i8::MIN == i8::MIN`).
    negative => Numeric;
    /// `|x|` (integers wrap: `abs(i8::MIN) == i8::MIN`).
    abs => Numeric;
    /// `e^x`.
    exp => Float;
    /// Natural logarithm.
    log => Float;
    /// `ln(1 + x)`, accurate for small `x`.
    log1p => Float;
    /// `e^x - 1`, accurate for small `x`.
    expm1 => Float;
    /// Square root.
    sqrt => Float;
    /// `x * x`.
    square => Numeric;
    /// Sine.
    sin => Float;
    /// Cosine.
    cos => Float;
    /// Hyperbolic tangent.
    tanh => Float;
    /// Rounds towards negative infinity.
    floor => Rounding;
    /// Rounds towards positive infinity.
    ceil => Rounding;
    /// Rounds to the nearest integer, halfway cases to even.
    round => Rounding;
    /// -1, 0 or 1 by the sign of `x` (NaN stays NaN).
    sign => Numeric;
    /// Logical not; non-bool inputs count as true when non-zero.
    logical_not => Logical;
}

/// `where(condition, x, y)`: elements of `x` where `condition` holds, else of `y`.
/// `condition` is converted to bool; `x` and `y` are promoted; all three broadcast.
pub fn where_(condition: &Tensor, x: &Tensor, y: &Tensor) -> Result<Tensor> {
    let op = Op::where_;
    let table = state::resolve(op.name(), &[condition, x, y])?;
    let dtype = promote(op, x.dtype(), y.dtype())?;
    let s = broadcast_shapes(op.name(), x.shape(), y.shape())?;
    let s = broadcast_shapes(op.name(), condition.shape(), &s)?;
    check_shape(table, op, &s, dtype)?;
    table.check_dtype(op, dtype)?;
    table.check_dtype(op, DType::Bool)?;
    let c = cast(table, condition, DType::Bool)?;
    let x = cast(table, x, dtype)?;
    let y = cast(table, y, dtype)?;
    call(table, op, table.slots.where_, |f| f(&c, &x, &y))
}

/// Limits `x` to `[min, max]`; either bound may be absent. Bounds are tensors that broadcast
/// to `x`'s shape and are converted to `x`'s dtype; the result has `x`'s shape and dtype.
/// Where `min > max` the result is `max`.
pub fn clip(x: &Tensor, min: Option<&Tensor>, max: Option<&Tensor>) -> Result<Tensor> {
    let op = Op::clip;
    let mut inputs: Vec<&Tensor> = vec![x];
    inputs.extend(min);
    inputs.extend(max);
    let table = state::resolve(op.name(), &inputs)?;
    require(
        op,
        x.dtype(),
        x.dtype().is_numeric(),
        "a numeric dtype (not bool)",
    )?;
    table.check_dtype(op, x.dtype())?;
    for bound in min.iter().chain(max.iter()) {
        let s = broadcast_shapes(op.name(), bound.shape(), x.shape())?;
        if s.as_slice() != x.shape() {
            return Err(Error::ShapeMismatch {
                op: op.name(),
                lhs: bound.shape().to_vec(),
                rhs: x.shape().to_vec(),
                reason: "a bound must broadcast to the shape of x".into(),
            });
        }
    }
    let min = min.map(|m| cast(table, m, x.dtype())).transpose()?;
    let max = max.map(|m| cast(table, m, x.dtype())).transpose()?;
    call(table, op, table.slots.clip, |f| {
        f(x, min.as_deref(), max.as_deref())
    })
}

/// [`clip`] with scalar bounds.
pub fn clip_scalar(x: &Tensor, min: Option<f64>, max: Option<f64>) -> Result<Tensor> {
    let table = state::resolve(Op::clip.name(), &[x])?;
    let _pin = Pin::new(table);
    let min = min.map(|v| full(&[], v, x.dtype())).transpose()?;
    let max = max.map(|v| full(&[], v, x.dtype())).transpose()?;
    clip(x, min.as_ref(), max.as_ref())
}

// ---------------------------------------------------------------------------------------------
// linear algebra

/// Matrix product with the standard's rules: 1-D operands are promoted to matrices and the
/// added dimension removed afterwards; batch dimensions broadcast.
pub fn matmul(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let op = Op::matmul;
    let table = state::resolve(op.name(), &[a, b])?;
    let dtype = promote(op, a.dtype(), b.dtype())?;
    require(op, dtype, dtype.is_numeric(), "a numeric dtype (not bool)")?;
    if a.ndim() == 0 || b.ndim() == 0 {
        return Err(Error::ShapeMismatch {
            op: op.name(),
            lhs: a.shape().to_vec(),
            rhs: b.shape().to_vec(),
            reason: "matmul needs at least 1 dimension in each operand".into(),
        });
    }
    table.check_dtype(op, dtype)?;
    let _pin = Pin::new(table);
    let a_vec = a.ndim() == 1;
    let b_vec = b.ndim() == 1;
    let a2 = if a_vec {
        Cow::Owned(reshape_usize(a, &[1, a.shape()[0]])?)
    } else {
        Cow::Borrowed(a)
    };
    let b2 = if b_vec {
        Cow::Owned(reshape_usize(b, &[b.shape()[0], 1])?)
    } else {
        Cow::Borrowed(b)
    };
    let (sa, sb) = (a2.shape(), b2.shape());
    let k = sa[sa.len() - 1];
    if k != sb[sb.len() - 2] {
        return Err(Error::ShapeMismatch {
            op: op.name(),
            lhs: a.shape().to_vec(),
            rhs: b.shape().to_vec(),
            reason: format!(
                "the last dimension of the first ({k}) must equal the second-to-last of the second ({})",
                sb[sb.len() - 2]
            ),
        });
    }
    let batch = broadcast_shapes(op.name(), &sa[..sa.len() - 2], &sb[..sb.len() - 2])?;
    let mut full_shape = batch.clone();
    full_shape.push(sa[sa.len() - 2]);
    full_shape.push(sb[sb.len() - 1]);
    check_shape(table, op, &full_shape, dtype)?;
    let a2 = cast(table, &a2, dtype)?;
    let b2 = cast(table, &b2, dtype)?;
    let out = call(table, op, table.slots.matmul, |f| f(&a2, &b2))?;
    if !a_vec && !b_vec {
        return Ok(out);
    }
    let mut shape: Shape = batch;
    if !a_vec {
        shape.push(sa[sa.len() - 2]);
    }
    if !b_vec {
        shape.push(sb[sb.len() - 1]);
    }
    reshape_usize(&out, &shape)
}

/// Swaps the last two dimensions.
pub fn matrix_transpose(x: &Tensor) -> Result<Tensor> {
    let op = Op::matrix_transpose;
    let table = state::resolve(op.name(), &[x])?;
    if x.ndim() < 2 {
        return Err(Error::InvalidShape {
            op: op.name(),
            reason: format!("needs at least 2 dimensions, got shape {:?}", x.shape()),
        });
    }
    table.check_dtype(op, x.dtype())?;
    call(table, op, table.slots.matrix_transpose, |f| f(x))
}

/// Dot product of vectors along `axis` (default -1), with broadcasting elsewhere.
pub fn vecdot(a: &Tensor, b: &Tensor, axis: isize) -> Result<Tensor> {
    let op = Op::vecdot;
    let table = state::resolve(op.name(), &[a, b])?;
    let dtype = promote(op, a.dtype(), b.dtype())?;
    require(op, dtype, dtype.is_numeric(), "a numeric dtype (not bool)")?;
    let shape = broadcast_shapes(op.name(), a.shape(), b.shape())?;
    check_shape(table, op, &shape, dtype)?;
    let ax = norm_axis(op.name(), axis, shape.len())?;
    let size_in = |s: &[usize]| -> Option<usize> {
        let offset = shape.len() - s.len();
        ax.checked_sub(offset).map(|i| s[i])
    };
    if size_in(a.shape()) != size_in(b.shape()) {
        return Err(Error::ShapeMismatch {
            op: op.name(),
            lhs: a.shape().to_vec(),
            rhs: b.shape().to_vec(),
            reason: format!("axis {axis} must have the same size in both (it does not broadcast)"),
        });
    }
    table.check_dtype(op, dtype)?;
    let a = cast(table, a, dtype)?;
    let b = cast(table, b, dtype)?;
    call(table, op, table.slots.vecdot, |f| f(&a, &b, ax))
}

/// Which axes [`tensordot`] contracts.
#[derive(Clone, Debug, PartialEq)]
pub enum TensordotAxes {
    /// The last `n` axes of `a` with the first `n` of `b`.
    Count(usize),
    /// The listed axes of `a` with the listed axes of `b`, pairwise.
    Pairs(Vec<isize>, Vec<isize>),
}

impl From<usize> for TensordotAxes {
    fn from(n: usize) -> Self {
        TensordotAxes::Count(n)
    }
}

/// Contracts `a` and `b` over pairs of axes.
pub fn tensordot(a: &Tensor, b: &Tensor, axes: impl Into<TensordotAxes>) -> Result<Tensor> {
    let op = Op::tensordot;
    let table = state::resolve(op.name(), &[a, b])?;
    let dtype = promote(op, a.dtype(), b.dtype())?;
    require(op, dtype, dtype.is_numeric(), "a numeric dtype (not bool)")?;
    let (xa, xb): (Vec<usize>, Vec<usize>) = match axes.into() {
        TensordotAxes::Count(n) => {
            if n > a.ndim() || n > b.ndim() {
                return Err(Error::InvalidArgument {
                    op: op.name(),
                    reason: format!(
                        "cannot contract {n} axes of tensors with {} and {} dimensions",
                        a.ndim(),
                        b.ndim()
                    ),
                });
            }
            ((a.ndim() - n..a.ndim()).collect(), (0..n).collect())
        }
        TensordotAxes::Pairs(pa, pb) => {
            if pa.len() != pb.len() {
                return Err(Error::InvalidArgument {
                    op: op.name(),
                    reason: format!(
                        "the axis lists must have the same length; got {} and {}",
                        pa.len(),
                        pb.len()
                    ),
                });
            }
            let xa = pa
                .iter()
                .map(|&i| norm_axis(op.name(), i, a.ndim()))
                .collect::<Result<Vec<_>>>()?;
            let xb = pb
                .iter()
                .map(|&i| norm_axis(op.name(), i, b.ndim()))
                .collect::<Result<Vec<_>>>()?;
            for (list, n) in [(&xa, a.ndim()), (&xb, b.ndim())] {
                let mut seen = vec![false; n];
                for &i in list.iter() {
                    if std::mem::replace(&mut seen[i], true) {
                        return Err(Error::InvalidArgument {
                            op: op.name(),
                            reason: format!("axis {i} is listed twice"),
                        });
                    }
                }
            }
            (xa, xb)
        }
    };
    for (&i, &j) in xa.iter().zip(&xb) {
        if a.shape()[i] != b.shape()[j] {
            return Err(Error::ShapeMismatch {
                op: op.name(),
                lhs: a.shape().to_vec(),
                rhs: b.shape().to_vec(),
                reason: format!(
                    "axis {i} of the first (size {}) and axis {j} of the second (size {}) differ",
                    a.shape()[i],
                    b.shape()[j]
                ),
            });
        }
    }
    let free = |t: &Tensor, axes: &[usize]| -> Vec<usize> {
        (0..t.ndim())
            .filter(|i| !axes.contains(i))
            .map(|i| t.shape()[i])
            .collect()
    };
    let mut out_shape = free(a, &xa);
    out_shape.extend(free(b, &xb));
    check_shape(table, op, &out_shape, dtype)?;
    table.check_dtype(op, dtype)?;
    let a = cast(table, a, dtype)?;
    let b = cast(table, b, dtype)?;
    call(table, op, table.slots.tensordot, |f| f(&a, &b, &xa, &xb))
}

fn square_matrices(op: Op, x: &Tensor) -> Result<()> {
    let s = x.shape();
    if s.len() < 2 || s[s.len() - 1] != s[s.len() - 2] {
        return Err(Error::InvalidShape {
            op: op.name(),
            reason: format!("needs a stack of square matrices (…, n, n), got shape {s:?}"),
        });
    }
    Ok(())
}

/// The `linalg` extension.
pub mod linalg {
    use super::*;

    /// The inverse of each square matrix in the last two dimensions. Integer inputs are
    /// converted to the default float dtype. A singular matrix is an error.
    pub fn inv(x: &Tensor) -> Result<Tensor> {
        let op = Op::linalg_inv;
        square_matrices(op, x)?;
        unary_float(op, x, |s| s.linalg_inv)
    }

    /// The determinant of each square matrix in the last two dimensions.
    pub fn det(x: &Tensor) -> Result<Tensor> {
        let op = Op::linalg_det;
        square_matrices(op, x)?;
        unary_float(op, x, |s| s.linalg_det)
    }

    fn unary_float(op: Op, x: &Tensor, pick: fn(&Slots) -> Option<UnaryFn>) -> Result<Tensor> {
        let table = state::resolve(op.name(), &[x])?;
        let dtype = x.dtype().to_float();
        table.check_dtype(op, dtype)?;
        let x = cast(table, x, dtype)?;
        call(table, op, pick(&table.slots), |f| f(&x))
    }
}

// ---------------------------------------------------------------------------------------------
// reductions

fn reduce(
    op: Op,
    x: &Tensor,
    axes: Option<&[isize]>,
    keepdims: bool,
    dtype: DType,
    pick: fn(&Slots) -> Option<crate::catalogue::ReduceFn>,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x])?;
    let axes = norm_axes(op.name(), axes, x.ndim())?;
    table.check_dtype(op, dtype)?;
    let x = cast(table, x, dtype)?;
    call(table, op, pick(&table.slots), |f| f(&x, &axes, keepdims))
}

/// Sum over `axes` (all when `None`). Signed integers and bool sum as int64, unsigned as
/// uint64 (wrapping), floats in their own dtype.
pub fn sum(x: &Tensor, axes: Option<&[isize]>, keepdims: bool) -> Result<Tensor> {
    reduce(Op::sum, x, axes, keepdims, x.dtype().accumulator(), |s| {
        s.sum
    })
}

/// Product over `axes`, with the accumulator dtypes of [`sum`].
pub fn prod(x: &Tensor, axes: Option<&[isize]>, keepdims: bool) -> Result<Tensor> {
    reduce(Op::prod, x, axes, keepdims, x.dtype().accumulator(), |s| {
        s.prod
    })
}

/// Arithmetic mean over `axes`; integers are averaged as the default float dtype. The mean of
/// no elements is NaN.
pub fn mean(x: &Tensor, axes: Option<&[isize]>, keepdims: bool) -> Result<Tensor> {
    reduce(Op::mean, x, axes, keepdims, x.dtype().to_float(), |s| {
        s.mean
    })
}

fn extremum(
    op: Op,
    x: &Tensor,
    axes: Option<&[isize]>,
    keepdims: bool,
    pick: fn(&Slots) -> Option<crate::catalogue::ReduceFn>,
) -> Result<Tensor> {
    let normalized = norm_axes(op.name(), axes, x.ndim())?;
    if normalized.iter().any(|&a| x.shape()[a] == 0) {
        return Err(Error::InvalidArgument {
            op: op.name(),
            reason: format!(
                "cannot reduce a zero-size axis of shape {:?}: {} has no identity",
                x.shape(),
                op.name()
            ),
        });
    }
    reduce(op, x, axes, keepdims, x.dtype(), pick)
}

/// Maximum over `axes`; NaN if any element is NaN. Reducing a zero-size axis is an error.
pub fn max(x: &Tensor, axes: Option<&[isize]>, keepdims: bool) -> Result<Tensor> {
    extremum(Op::max, x, axes, keepdims, |s| s.max)
}

/// Minimum over `axes`; NaN if any element is NaN. Reducing a zero-size axis is an error.
pub fn min(x: &Tensor, axes: Option<&[isize]>, keepdims: bool) -> Result<Tensor> {
    extremum(Op::min, x, axes, keepdims, |s| s.min)
}

fn statistic(
    op: Op,
    x: &Tensor,
    axes: Option<&[isize]>,
    correction: f64,
    keepdims: bool,
    pick: fn(&Slots) -> Option<crate::catalogue::StatFn>,
) -> Result<Tensor> {
    if !(correction >= 0.0 && correction.is_finite()) {
        return Err(Error::InvalidArgument {
            op: op.name(),
            reason: format!("correction must be a finite number >= 0, got {correction}"),
        });
    }
    let table = state::resolve(op.name(), &[x])?;
    let axes = norm_axes(op.name(), axes, x.ndim())?;
    let dtype = x.dtype().to_float();
    table.check_dtype(op, dtype)?;
    let x = cast(table, x, dtype)?;
    call(table, op, pick(&table.slots), |f| {
        f(&x, &axes, correction, keepdims)
    })
}

/// Variance over `axes`, dividing by `N - correction` (0 for the population variance, 1 for
/// the sample variance). Where `N - correction <= 0` the result is NaN or infinity.
pub fn var(x: &Tensor, axes: Option<&[isize]>, correction: f64, keepdims: bool) -> Result<Tensor> {
    statistic(Op::var, x, axes, correction, keepdims, |s| s.var)
}

/// Standard deviation: the square root of [`var`].
pub fn std(x: &Tensor, axes: Option<&[isize]>, correction: f64, keepdims: bool) -> Result<Tensor> {
    statistic(Op::std, x, axes, correction, keepdims, |s| s.std)
}

fn arg_extremum(
    op: Op,
    x: &Tensor,
    axis: Option<isize>,
    keepdims: bool,
    pick: fn(&Slots) -> Option<crate::catalogue::ArgReduceFn>,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x])?;
    let axis = axis
        .map(|a| norm_axis(op.name(), a, x.ndim()))
        .transpose()?;
    let empty = match axis {
        Some(a) => x.shape()[a] == 0,
        None => x.size() == 0,
    };
    if empty {
        return Err(Error::InvalidArgument {
            op: op.name(),
            reason: format!(
                "cannot take {} of a zero-size axis (shape {:?})",
                op.name(),
                x.shape()
            ),
        });
    }
    table.check_dtype(op, x.dtype())?;
    table.check_dtype(op, DType::Int64)?;
    call(table, op, pick(&table.slots), |f| f(x, axis, keepdims))
}

/// Index (int64) of the first maximum along `axis`, or in the flattened tensor for `None`.
pub fn argmax(x: &Tensor, axis: Option<isize>, keepdims: bool) -> Result<Tensor> {
    arg_extremum(Op::argmax, x, axis, keepdims, |s| s.argmax)
}

/// Index (int64) of the first minimum along `axis`, or in the flattened tensor for `None`.
pub fn argmin(x: &Tensor, axis: Option<isize>, keepdims: bool) -> Result<Tensor> {
    arg_extremum(Op::argmin, x, axis, keepdims, |s| s.argmin)
}

/// Running sum along `axis` (may be `None` only for 0-D and 1-D tensors), in the accumulator
/// dtype of [`sum`]. With `include_initial` the result starts with a zero (one longer).
pub fn cumulative_sum(x: &Tensor, axis: Option<isize>, include_initial: bool) -> Result<Tensor> {
    let op = Op::cumulative_sum;
    let table = state::resolve(op.name(), &[x])?;
    let _pin = Pin::new(table);
    let x = if x.ndim() == 0 {
        Cow::Owned(reshape_usize(x, &[1])?)
    } else {
        Cow::Borrowed(x)
    };
    let axis = match axis {
        Some(a) => norm_axis(op.name(), a, x.ndim())?,
        None if x.ndim() == 1 => 0,
        None => {
            return Err(Error::InvalidArgument {
                op: op.name(),
                reason: format!("axis is required for a tensor with {} dimensions", x.ndim()),
            })
        }
    };
    let dtype = x.dtype().accumulator();
    table.check_dtype(op, dtype)?;
    let xc = cast(table, &x, dtype)?;
    let out = call(table, op, table.slots.cumulative_sum, |f| f(&xc, axis))?;
    if !include_initial {
        return Ok(out);
    }
    let mut zshape: Shape = Shape::from_slice(x.shape());
    zshape[axis] = 1;
    let z = zeros(&zshape, dtype)?;
    concat(&[z, out], Some(axis as isize))
}

fn sorting(
    op: Op,
    x: &Tensor,
    axis: isize,
    descending: bool,
    pick: fn(&Slots) -> Option<crate::catalogue::SortFn>,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x])?;
    if x.ndim() == 0 {
        return Err(Error::InvalidShape {
            op: op.name(),
            reason: "cannot sort a 0-dimensional tensor".into(),
        });
    }
    let axis = norm_axis(op.name(), axis, x.ndim())?;
    table.check_dtype(op, x.dtype())?;
    call(table, op, pick(&table.slots), |f| f(x, axis, descending))
}

/// Sorts along `axis` (stable; NaNs last in ascending order, first in descending).
pub fn sort(x: &Tensor, axis: isize, descending: bool) -> Result<Tensor> {
    sorting(Op::sort, x, axis, descending, |s| s.sort)
}

/// Indices (int64) that sort along `axis` (stable: equal elements keep their order).
pub fn argsort(x: &Tensor, axis: isize, descending: bool) -> Result<Tensor> {
    sorting(Op::argsort, x, axis, descending, |s| s.argsort)
}

/// `exp(x) / sum(exp(x))` along `axis`, computed stably (the maximum is subtracted first).
/// Not in the standard.
pub fn softmax(x: &Tensor, axis: isize) -> Result<Tensor> {
    let op = Op::softmax;
    let table = state::resolve(op.name(), &[x])?;
    let axis = norm_axis(op.name(), axis, x.ndim().max(1))?;
    let dtype = x.dtype().to_float();
    table.check_dtype(op, dtype)?;
    let x = cast(table, x, dtype)?;
    if x.ndim() == 0 {
        let _pin = Pin::new(table);
        return ones(&[], dtype);
    }
    call(table, op, table.slots.softmax, |f| f(&x, axis))
}

// ---------------------------------------------------------------------------------------------
// shape manipulation

fn reshape_usize(x: &Tensor, shape: &[usize]) -> Result<Tensor> {
    let op = Op::reshape;
    let table = state::resolve(op.name(), &[x])?;
    check_len(op, shape, x.size())?;
    if shape == x.shape() {
        return Ok(x.clone());
    }
    check_shape(table, op, shape, x.dtype())?;
    call(table, op, table.slots.reshape, |f| f(x, shape))
}

/// Gives `x` a new shape with the same number of elements; one size may be -1 (inferred).
pub fn reshape(x: &Tensor, shape: &[isize]) -> Result<Tensor> {
    let op = Op::reshape;
    let mut inferred = None;
    let mut known = 1usize;
    for (i, &d) in shape.iter().enumerate() {
        match d {
            -1 if inferred.is_none() => inferred = Some(i),
            -1 => {
                return Err(Error::InvalidShape {
                    op: op.name(),
                    reason: format!("only one size may be -1, got {shape:?}"),
                })
            }
            d if d < 0 => {
                return Err(Error::InvalidShape {
                    op: op.name(),
                    reason: format!("sizes must be >= 0 or -1, got {shape:?}"),
                })
            }
            d => {
                known = known
                    .checked_mul(d as usize)
                    .ok_or_else(|| Error::InvalidShape {
                        op: op.name(),
                        reason: format!("the element count of {shape:?} overflows"),
                    })?
            }
        }
    }
    let mut out: Shape = shape.iter().map(|&d| d.max(0) as usize).collect();
    if let Some(i) = inferred {
        if known == 0 || x.size() % known != 0 {
            return Err(Error::InvalidShape {
                op: op.name(),
                reason: format!(
                    "cannot infer the -1 in {shape:?} for {} elements (shape {:?})",
                    x.size(),
                    x.shape()
                ),
            });
        }
        out[i] = x.size() / known;
    }
    reshape_usize(x, &out)
}

/// Reorders the dimensions: dimension `i` of the result is dimension `axes[i]` of `x`.
pub fn permute_dims(x: &Tensor, axes: &[isize]) -> Result<Tensor> {
    let op = Op::permute_dims;
    let table = state::resolve(op.name(), &[x])?;
    if axes.len() != x.ndim() {
        return Err(Error::InvalidArgument {
            op: op.name(),
            reason: format!("needs one axis per dimension ({}), got {axes:?}", x.ndim()),
        });
    }
    let mut seen = vec![false; x.ndim()];
    let mut perm: Shape = Shape::with_capacity(axes.len());
    for &a in axes {
        let a = norm_axis(op.name(), a, x.ndim())?;
        if std::mem::replace(&mut seen[a], true) {
            return Err(Error::InvalidArgument {
                op: op.name(),
                reason: format!("{axes:?} is not a permutation: axis {a} appears twice"),
            });
        }
        perm.push(a);
    }
    call(table, op, table.slots.permute_dims, |f| f(x, &perm))
}

/// Inserts a dimension of size 1 at `axis` (in `-(ndim+1)..=ndim`).
pub fn expand_dims(x: &Tensor, axis: isize) -> Result<Tensor> {
    let op = Op::expand_dims;
    let table = state::resolve(op.name(), &[x])?;
    let axis = norm_axis_for_insert(op.name(), axis, x.ndim())?;
    call(table, op, table.slots.expand_dims, |f| f(x, axis))
}

/// Removes the given dimensions, each of which must have size 1.
pub fn squeeze(x: &Tensor, axes: &[isize]) -> Result<Tensor> {
    let op = Op::squeeze;
    let table = state::resolve(op.name(), &[x])?;
    let axes = norm_axes(op.name(), Some(axes), x.ndim())?;
    if let Some(&a) = axes.iter().find(|&&a| x.shape()[a] != 1) {
        return Err(Error::InvalidArgument {
            op: op.name(),
            reason: format!(
                "axis {a} has size {}, only axes of size 1 can be squeezed (shape {:?})",
                x.shape()[a],
                x.shape()
            ),
        });
    }
    call(table, op, table.slots.squeeze, |f| f(x, &axes))
}

/// Reverses the order of elements along `axes` (all when `None`).
pub fn flip(x: &Tensor, axes: Option<&[isize]>) -> Result<Tensor> {
    let op = Op::flip;
    let table = state::resolve(op.name(), &[x])?;
    let axes = norm_axes(op.name(), axes, x.ndim())?;
    call(table, op, table.slots.flip, |f| f(x, &axes))
}

/// Broadcasts `x` to `shape`.
pub fn broadcast_to(x: &Tensor, shape: &[usize]) -> Result<Tensor> {
    let op = Op::broadcast_to;
    let table = state::resolve(op.name(), &[x])?;
    let ok = x.ndim() <= shape.len()
        && x.shape()
            .iter()
            .rev()
            .zip(shape.iter().rev())
            .all(|(&have, &want)| have == want || have == 1);
    if !ok {
        return Err(Error::ShapeMismatch {
            op: op.name(),
            lhs: x.shape().to_vec(),
            rhs: shape.to_vec(),
            reason: "each dimension must equal the target's or be 1, and the target must have at least as many dimensions".into(),
        });
    }
    if shape == x.shape() {
        return Ok(x.clone());
    }
    check_shape(table, op, shape, x.dtype())?;
    call(table, op, table.slots.broadcast_to, |f| f(x, shape))
}

/// Joins tensors along an existing `axis`; `None` flattens them first. Dtypes are promoted.
pub fn concat(tensors: &[Tensor], axis: Option<isize>) -> Result<Tensor> {
    let op = Op::concat;
    let (table, dtype) = join_prepare(op, tensors)?;
    let _pin = Pin::new(table);
    let flat: Vec<Tensor>;
    let (tensors, axis) = match axis {
        None => {
            flat = tensors
                .iter()
                .map(|t| reshape_usize(t, &[t.size()]))
                .collect::<Result<_>>()?;
            (&flat[..], 0)
        }
        Some(a) => {
            let first = &tensors[0];
            if first.ndim() == 0 {
                return Err(Error::InvalidShape {
                    op: op.name(),
                    reason: "cannot concatenate 0-dimensional tensors along an axis; use stack or axis None".into(),
                });
            }
            let axis = norm_axis(op.name(), a, first.ndim())?;
            for t in &tensors[1..] {
                let fits = t.ndim() == first.ndim()
                    && t.shape()
                        .iter()
                        .zip(first.shape())
                        .enumerate()
                        .all(|(i, (x, y))| i == axis || x == y);
                if !fits {
                    return Err(Error::ShapeMismatch {
                        op: op.name(),
                        lhs: first.shape().to_vec(),
                        rhs: t.shape().to_vec(),
                        reason: format!("all dimensions but axis {axis} must match"),
                    });
                }
            }
            (tensors, axis)
        }
    };
    let mut out_shape = tensors[0].shape().to_vec();
    out_shape[axis] = tensors
        .iter()
        .try_fold(0usize, |acc, t| acc.checked_add(t.shape()[axis]))
        .unwrap_or(usize::MAX);
    check_shape(table, op, &out_shape, dtype)?;
    let cast_all = cast_all(table, tensors, dtype)?;
    call(table, op, table.slots.concat, |f| f(&cast_all, axis))
}

/// Joins tensors of one shape along a new `axis` (in `-(ndim+1)..=ndim`). Dtypes are promoted.
pub fn stack(tensors: &[Tensor], axis: isize) -> Result<Tensor> {
    let op = Op::stack;
    let (table, dtype) = join_prepare(op, tensors)?;
    let first = &tensors[0];
    let axis = norm_axis_for_insert(op.name(), axis, first.ndim())?;
    if let Some(t) = tensors.iter().find(|t| t.shape() != first.shape()) {
        return Err(Error::ShapeMismatch {
            op: op.name(),
            lhs: first.shape().to_vec(),
            rhs: t.shape().to_vec(),
            reason: "stack needs tensors of one shape".into(),
        });
    }
    let mut out_shape = first.shape().to_vec();
    out_shape.insert(axis, tensors.len());
    check_shape(table, op, &out_shape, dtype)?;
    let cast_all = cast_all(table, tensors, dtype)?;
    call(table, op, table.slots.stack, |f| f(&cast_all, axis))
}

fn join_prepare(op: Op, tensors: &[Tensor]) -> Result<(&'static FunctionTable, DType)> {
    let refs: Vec<&Tensor> = tensors.iter().collect();
    let table = state::resolve(op.name(), &refs)?;
    let Some(first) = tensors.first() else {
        return Err(Error::InvalidArgument {
            op: op.name(),
            reason: "needs at least one tensor".into(),
        });
    };
    let mut dtype = first.dtype();
    for t in &tensors[1..] {
        dtype = promote(op, dtype, t.dtype())?;
    }
    table.check_dtype(op, dtype)?;
    Ok((table, dtype))
}

fn cast_all(
    table: &'static FunctionTable,
    tensors: &[Tensor],
    dtype: DType,
) -> Result<Vec<Tensor>> {
    tensors
        .iter()
        .map(|t| cast(table, t, dtype).map(Cow::into_owned))
        .collect()
}

/// Converts to `dtype`. Float to integer truncates towards zero and saturates at the integer's
/// bounds (NaN becomes 0); to bool, non-zero is true.
pub fn astype(x: &Tensor, dtype: DType) -> Result<Tensor> {
    let op = Op::astype;
    let table = state::resolve(op.name(), &[x])?;
    table.check_dtype(op, x.dtype())?;
    Ok(cast(table, x, dtype)?.into_owned())
}

fn triangle(
    op: Op,
    x: &Tensor,
    k: i64,
    pick: fn(&Slots) -> Option<crate::catalogue::DiagFn>,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x])?;
    if x.ndim() < 2 {
        return Err(Error::InvalidShape {
            op: op.name(),
            reason: format!("needs at least 2 dimensions, got shape {:?}", x.shape()),
        });
    }
    table.check_dtype(op, x.dtype())?;
    call(table, op, pick(&table.slots), |f| f(x, k))
}

/// The lower triangle of the last two dimensions: elements on and below the `k`-th diagonal,
/// zeros elsewhere.
pub fn tril(x: &Tensor, k: i64) -> Result<Tensor> {
    triangle(Op::tril, x, k, |s| s.tril)
}

/// The upper triangle of the last two dimensions: elements on and above the `k`-th diagonal.
pub fn triu(x: &Tensor, k: i64) -> Result<Tensor> {
    triangle(Op::triu, x, k, |s| s.triu)
}
