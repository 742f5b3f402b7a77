//! Creation and host transfer: `from_host`, `to_host`, `to_device`, `to_backend`, `full`,
//! `zeros`, `ones`, `arange`, `linspace`, `eye`, and the `Tensor` constructors built on them.

use super::dispatch::{call, check_len, check_shape, creation_table};
use crate::call::{Arange, Eye, Fill, FromHost, Full, FullLike, Like, Linspace, ToDevice};
use crate::catalogue::{
    ArangeFn, DeviceFn, EyeFn, FillFn, FromHostFn, FullFn, LinspaceFn, Op, Slots, ToHostFn,
};
use crate::dtype::{DType, Element, HostData, Scalar};
use crate::error::{Error, Result};
use crate::state;
use crate::table::{self, FunctionTable};
use crate::tensor::{Device, Tensor};

type Pick<F> = fn(&Slots) -> Option<F>;

pub(crate) fn run_from_host(op: Op, pick: Pick<FromHostFn>, a: FromHost) -> Result<Tensor> {
    let table = creation_table(op)?;
    let device = state::creation_device()?;
    from_host_on_with(table, pick, a.data, &a.shape, device)
}

/// `from_host` on a given table and device, whatever the stack says.
pub(crate) fn from_host_on(
    table: &'static FunctionTable,
    data: HostData,
    shape: &[usize],
    device: Device,
) -> Result<Tensor> {
    from_host_on_with(table, |s| s.from_host, data, shape, device)
}

fn from_host_on_with(
    table: &'static FunctionTable,
    pick: Pick<FromHostFn>,
    data: HostData,
    shape: &[usize],
    device: Device,
) -> Result<Tensor> {
    let op = Op::from_host;
    check_len(op, shape, data.len())?;
    check_shape(table, op, shape, data.dtype())?;
    table.check_dtype(op, data.dtype())?;
    call(table, op, pick(&table.slots), |f| f(data, shape, device))
}

pub(crate) fn run_to_host(op: Op, pick: Pick<ToHostFn>, x: &Tensor) -> Result<HostData> {
    let table = match state::explicit_table() {
        Some(t) if std::ptr::eq(t.backend, x.backend_descriptor()) => t,
        _ => table::detected_table(x.backend_descriptor())?,
    };
    call(table, op, pick(&table.slots), |f| f(x))
}

pub(crate) fn run_to_device(
    op: Op,
    pick: Pick<DeviceFn>,
    x: &Tensor,
    a: &ToDevice,
) -> Result<Tensor> {
    if x.device() == a.device {
        return Ok(x.clone());
    }
    let table = state::resolve(op.name(), &[x])?;
    call(table, op, pick(&table.slots), |f| f(x, a.device))
}

/// Computes `x` now. Lazy backends (MLX) only build a graph when an op is called and compute
/// it where a result is observed (`to_vec`, `to_host`, conversion); `evaluate` forces that at a
/// point of your choosing: to time the work, or to get value-dependent errors (a singular
/// matrix) there rather than later. On eager backends (ndarray, torch) the tensor is already
/// computed and this returns `Ok(())` at once.
pub fn evaluate(x: &Tensor) -> Result<()> {
    let _section = crate::tensor::live::enter();
    match x.backend_descriptor().evaluate {
        Some(f) => f(x),
        None => Ok(()),
    }
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
    state::refuse_while_tracing("to_backend")?;
    let _section = crate::tensor::live::enter();
    to_backend_of(x, state::descriptor(name)?)
}

/// What a converting switch does to one tensor: [`to_backend`] to `target`'s backend, with the
/// dtype checked against `target` (which may be an emulated version's table), then moved to
/// `device` if it is not there.
pub(crate) fn convert_for_switch(
    x: &Tensor,
    target: &'static FunctionTable,
    device: Device,
) -> Result<Tensor> {
    target.check_dtype(Op::from_host, x.dtype())?;
    let t = to_backend_of(x, target.backend)?;
    if t.device() == device {
        return Ok(t);
    }
    call(target, Op::to_device, target.slots.to_device, |f| {
        f(&t, device)
    })
}

fn to_backend_of(x: &Tensor, target: &'static crate::tensor::BackendDescriptor) -> Result<Tensor> {
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
                #[allow(unsafe_code)]
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

pub(crate) fn run_full(op: Op, pick: Pick<FullFn>, a: &Full) -> Result<Tensor> {
    let table = creation_table(op)?;
    check_shape(table, op, &a.shape, a.dtype)?;
    table.check_dtype(op, a.dtype)?;
    let device = state::creation_device()?;
    call(table, op, pick(&table.slots), |f| {
        f(&a.shape, a.value, a.dtype, device)
    })
}

pub(crate) fn run_fill(op: Op, pick: Pick<FillFn>, a: &Fill) -> Result<Tensor> {
    let table = creation_table(op)?;
    check_shape(table, op, &a.shape, a.dtype)?;
    table.check_dtype(op, a.dtype)?;
    let device = state::creation_device()?;
    call(table, op, pick(&table.slots), |f| {
        f(&a.shape, a.dtype, device)
    })
}

/// `zeros_like`/`ones_like`: `x`'s shape and device, the given dtype or `x`'s.
pub(crate) fn run_like(op: Op, pick: Pick<FillFn>, x: &Tensor, a: &Like) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x])?;
    let dtype = a.dtype.unwrap_or(x.dtype());
    check_shape(table, op, x.shape(), dtype)?;
    table.check_dtype(op, dtype)?;
    call(table, op, pick(&table.slots), |f| {
        f(x.shape(), dtype, x.device())
    })
}

/// `full_like`: `x`'s shape and device, the given dtype or `x`'s.
pub(crate) fn run_full_like(
    op: Op,
    pick: Pick<FullFn>,
    x: &Tensor,
    a: &FullLike,
) -> Result<Tensor> {
    let table = state::resolve(op.name(), &[x])?;
    let dtype = a.dtype.unwrap_or(x.dtype());
    check_shape(table, op, x.shape(), dtype)?;
    table.check_dtype(op, dtype)?;
    call(table, op, pick(&table.slots), |f| {
        f(x.shape(), a.value, dtype, x.device())
    })
}

/// A bound of `arange`/`linspace` as `f64`: integers beyond 2^53 (not exact as `f64`) and
/// non-finite values are errors.
fn bound_f64(op: Op, what: &str, v: Scalar) -> Result<f64> {
    const EXACT: u64 = 1 << 53;
    let (x, exact) = match v {
        Scalar::Bool(b) => (b as u8 as f64, true),
        Scalar::Int(i) => (i as f64, i.unsigned_abs() <= EXACT),
        Scalar::UInt(u) => (u as f64, u <= EXACT),
        Scalar::Float(x) => (x, true),
    };
    if !exact {
        return Err(Error::InvalidArgument {
            op: op.name(),
            reason: format!(
                "{what} = {v:?} is beyond 2^53, where the computation in f64 is not exact"
            ),
        });
    }
    if !x.is_finite() {
        return Err(Error::InvalidArgument {
            op: op.name(),
            reason: format!("{what} must be finite, got {x}"),
        });
    }
    Ok(x)
}

pub(crate) fn run_arange(op: Op, pick: Pick<ArangeFn>, a: &Arange) -> Result<Tensor> {
    let start = bound_f64(op, "start", a.start)?;
    let stop = bound_f64(op, "stop", a.stop)?;
    let step = bound_f64(op, "step", a.step)?;
    if step == 0.0 {
        return Err(Error::InvalidArgument {
            op: op.name(),
            reason: format!("step must be non-zero; got start={start}, stop={stop}, step={step}"),
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
    check_shape(table, op, &[n], a.dtype)?;
    table.check_dtype(op, a.dtype)?;
    let device = state::creation_device()?;
    call(table, op, pick(&table.slots), |f| {
        f(start, step, n, a.dtype, device)
    })
}

pub(crate) fn run_linspace(op: Op, pick: Pick<LinspaceFn>, a: &Linspace) -> Result<Tensor> {
    let start = bound_f64(op, "start", a.start)?;
    let stop = bound_f64(op, "stop", a.stop)?;
    let table = creation_table(op)?;
    check_shape(table, op, &[a.num], a.dtype)?;
    table.check_dtype(op, a.dtype)?;
    let device = state::creation_device()?;
    call(table, op, pick(&table.slots), |f| {
        f(start, stop, a.num, a.endpoint, a.dtype, device)
    })
}

pub(crate) fn run_eye(op: Op, pick: Pick<EyeFn>, a: &Eye) -> Result<Tensor> {
    let table = creation_table(op)?;
    table.check_dtype(op, a.dtype)?;
    let n_cols = a.n_cols.unwrap_or(a.n_rows);
    check_shape(table, op, &[a.n_rows, n_cols], a.dtype)?;
    let device = state::creation_device()?;
    call(table, op, pick(&table.slots), |f| {
        f(a.n_rows, n_cols, a.k, a.dtype, device)
    })
}

impl Tensor {
    /// Creates a tensor from a slice and a shape, on the active backend (see
    /// [`crate::state`] for which backend that is).
    pub fn from_slice<T: Element>(data: &[T], shape: &[usize]) -> Result<Tensor> {
        let mut copy = crate::alloc::try_with_capacity("from_host", data.len())?;
        copy.extend_from_slice(data);
        super::from_host(T::into_host(copy), shape)
    }

    /// Like [`Tensor::from_slice`], taking ownership of the vector (no copy on the way in).
    pub fn from_vec<T: Element>(data: Vec<T>, shape: &[usize]) -> Result<Tensor> {
        super::from_host(T::into_host(data), shape)
    }

    /// A 0-dimensional tensor holding one value.
    pub fn scalar<T: Element>(value: T) -> Result<Tensor> {
        super::from_host(T::into_host(vec![value]), &[])
    }

    /// Copies the elements out in row-major order. `T` must be the tensor's element type.
    pub fn to_vec<T: Element>(&self) -> Result<Vec<T>> {
        if T::DTYPE != self.dtype() {
            return Err(Error::ElementType {
                actual: self.dtype(),
                requested: T::DTYPE,
            });
        }
        let data = super::to_host(self)?;
        T::from_host(data).map_err(|data| Error::Backend {
            backend: self.backend().to_string(),
            op: "to_host",
            message: format!(
                "returned {} data for a {} tensor",
                data.dtype(),
                self.dtype()
            ),
        })
    }
}
