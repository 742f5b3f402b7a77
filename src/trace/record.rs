//! Recording beside eager execution: the *tracing table* of a backend is a copy of its table
//! whose slots are recorders. A recorder runs the real table's slot and, when it was called by
//! the traced function itself (not by a fallback inside another recorded call), appends a node.
//!
//! One recorder per slot signature, instantiated per op with the op's index as a const
//! generic; both the recorders and [`invoke`] (which calls a slot from a node's data, for
//! recording and for compiled graphs) are generated from the catalogue.

use super::graph::{Args, Constant, Node, NodeOp, ValueId, ValueInfo};
use crate::catalogue::{AxisSlice, MatrixOrd, Op, OpFn, Slots, Window2d};
use crate::dtype::{DType, HostData, Scalar};
use crate::error::{Error, Result};
use crate::ops::dispatch;
use crate::state;
use crate::table::FunctionTable;
use crate::tensor::{Device, Tensor};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Mutex;

/// What a trace in progress has recorded so far (one per thread at most).
pub(crate) struct Recording {
    pub(crate) real: &'static FunctionTable,
    pub(crate) values: Vec<ValueInfo>,
    /// Per value: computed by nodes from no input and no constant (creation ops and what
    /// follows from them alone), so its elements are the same on every run and may be read.
    fixed: Vec<bool>,
    /// The value of each tensor seen, by the address of its block.
    ids: HashMap<usize, ValueId>,
    /// Every tensor seen, so that no block is freed and reused during the trace.
    keep: Vec<Tensor>,
    pub(crate) inputs: Vec<ValueId>,
    pub(crate) constants: Vec<Constant>,
    pub(crate) nodes: Vec<Node>,
    /// The first thing the traced function did that cannot be recorded.
    pub(crate) refused: Option<Error>,
}

thread_local! {
    static RECORDING: RefCell<Option<Recording>> = const { RefCell::new(None) };
}

impl Recording {
    pub(crate) fn new(real: &'static FunctionTable) -> Recording {
        Recording {
            real,
            values: Vec::new(),
            fixed: Vec::new(),
            ids: HashMap::new(),
            keep: Vec::new(),
            inputs: Vec::new(),
            constants: Vec::new(),
            nodes: Vec::new(),
            refused: None,
        }
    }

    /// A new value for `t` (which from now on stands for it).
    pub(crate) fn define(&mut self, t: &Tensor) -> ValueId {
        let id = ValueId(self.values.len());
        self.fixed.push(false);
        self.values.push(ValueInfo {
            dtype: t.dtype(),
            shape: t.shape().to_vec(),
        });
        self.ids.insert(t.handle().addr(), id);
        self.keep.push(t.clone());
        id
    }

    pub(crate) fn known(&self, t: &Tensor) -> Option<ValueId> {
        self.ids.get(&t.handle().addr()).copied()
    }

    /// Adds a named constant.
    pub(crate) fn constant(&mut self, name: String, t: &Tensor) -> ValueId {
        let value = self.define(t);
        self.constants.push(Constant {
            name,
            value,
            tensor: t.clone(),
            rebindable: true,
        });
        value
    }

    /// The value of `t`: known, else a new constant named `c<n>`.
    pub(crate) fn value_of(&mut self, t: &Tensor) -> ValueId {
        if let Some(id) = self.known(t) {
            return id;
        }
        let mut n = self.constants.len();
        let name = loop {
            let name = format!("c{n}");
            if !self.constants.iter().any(|c| c.name == name) {
                break name;
            }
            n += 1;
        };
        self.constant(name, t)
    }
}

/// Installs a recording on this thread; fails when one is already there (a trace inside a
/// traced function).
pub(crate) fn install(rec: Recording) -> Result<()> {
    RECORDING.with(|r| {
        let mut r = r.borrow_mut();
        if r.is_some() {
            return Err(Error::Trace {
                reason: "`trace` was called inside a traced function; trace the outer function \
                         only"
                    .to_string(),
            });
        }
        *r = Some(rec);
        Ok(())
    })
}

/// Takes this thread's recording off.
pub(crate) fn take() -> Option<Recording> {
    RECORDING.with(|r| r.borrow_mut().take())
}

fn real_table() -> Result<&'static FunctionTable> {
    RECORDING
        .with(|r| r.borrow().as_ref().map(|r| r.real))
        .ok_or_else(|| Error::Trace {
            reason: "a tracing table was used outside its trace; compile graphs for a backend \
                     name or its table, not for the table seen inside a traced function"
                .to_string(),
        })
}

/// Marks the trace failed (keeping the first reason) and returns the error.
fn refuse(reason: String) -> Error {
    let e = Error::Trace { reason };
    RECORDING.with(|r| {
        if let Some(rec) = r.borrow_mut().as_mut() {
            rec.refused.get_or_insert_with(|| e.clone());
        }
    });
    e
}

/// Runs `op` on the real table and records it when called by the traced function itself.
fn record(op: Op, args: Args, inputs: &[&Tensor]) -> Result<Tensor> {
    let real = real_table()?;
    let Some(f) = real.slots.get(op) else {
        return Err(real.unsupported_error(op));
    };
    if op == Op::argwhere && state::tracing() && !all_fixed(inputs) {
        return Err(refuse(
            "the traced function calls `argwhere` (or `nonzero`) on a tensor whose values can \
             change between runs; its result has a row per non-zero element, so a graph cannot \
             know its shape: call it outside the trace, or on a tensor made inside from creation \
             ops alone"
                .to_string(),
        ));
    }
    record_with(op.into(), args, inputs, |args| {
        dispatch::call(real, op, Some(f), |f| invoke(f, args, inputs))
    })
}

/// Runs the custom op `op` on the real table (its native version there, else its
/// composition) and, when called by the traced function itself, records it as one node
/// whose arguments are `attrs`.
fn record_custom(
    op: &'static crate::custom::CustomOp,
    inputs: &[&Tensor],
    attrs: Vec<crate::custom::Attr>,
) -> Result<Tensor> {
    let real = real_table()?;
    let native = crate::custom::native_for(real, op)?.map(|(f, _)| f);
    record_with(NodeOp::Custom(op), Args::Custom(attrs), inputs, |args| {
        let Args::Custom(attrs) = args else {
            return Err(crate::custom::__arity(op, inputs.len(), 0));
        };
        crate::custom::run_node(real, op, native, inputs, attrs)
    })
}

/// Whether every tensor of `inputs` was computed in the trace from creation ops alone.
fn all_fixed(inputs: &[&Tensor]) -> bool {
    RECORDING.with(|r| {
        let r = r.borrow();
        r.as_ref().is_some_and(|rec| {
            inputs
                .iter()
                .all(|t| rec.known(t).is_some_and(|v| rec.fixed[v.0]))
        })
    })
}

/// [`record`] for an op whose slot returns several tensors (`run` calls it on the real table):
/// one node with as many outputs.
fn record_multi<const N: usize>(
    op: Op,
    args: Args,
    inputs: &[&Tensor],
    run: impl FnOnce() -> Result<[Tensor; N]>,
) -> Result<[Tensor; N]> {
    record_with(op.into(), args, inputs, |_| run())
}

/// Runs `run` (tracing off inside) and, when called by the traced function itself, appends
/// the node of `op` whose outputs are the tensors `run` returns.
fn record_with<R: Results>(
    op: NodeOp,
    args: Args,
    inputs: &[&Tensor],
    run: impl FnOnce(&Args) -> Result<R>,
) -> Result<R> {
    if !state::tracing() {
        // Called by a slot that is being recorded (a primary that calls public ops): not a node.
        return run(&args);
    }
    let out = {
        let _off = state::TracingFlag::set(false);
        run(&args)?
    };
    RECORDING.with(|r| {
        if let Some(rec) = r.borrow_mut().as_mut() {
            let inputs: Vec<ValueId> = inputs.iter().map(|t| rec.value_of(t)).collect();
            let fixed = inputs.iter().all(|v| rec.fixed[v.0]);
            let mut outputs = out.tensors().iter().map(|t| {
                let v = rec.define(t);
                rec.fixed[v.0] = fixed;
                v
            });
            let Some(output) = outputs.next() else {
                return;
            };
            let more_outputs = outputs.collect();
            rec.nodes.push(Node {
                op,
                args,
                inputs,
                output,
                more_outputs,
            });
        }
    });
    Ok(out)
}

/// What a slot returns: one tensor or several.
trait Results {
    fn tensors(&self) -> &[Tensor];
}

impl Results for Tensor {
    fn tensors(&self) -> &[Tensor] {
        std::slice::from_ref(self)
    }
}

impl<const N: usize> Results for [Tensor; N] {
    fn tensors(&self) -> &[Tensor] {
        self
    }
}

/// The tracing table of `real` (built once per table, then cached).
pub(crate) fn tracing_table(real: &'static FunctionTable) -> &'static FunctionTable {
    static CACHE: Mutex<Vec<(usize, &'static FunctionTable)>> = Mutex::new(Vec::new());
    let key = real as *const FunctionTable as usize;
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, t)) = cache.iter().find(|(k, _)| *k == key) {
        return t;
    }
    let table: &'static FunctionTable = Box::leak(Box::new(FunctionTable {
        backend: real.backend,
        version: real.version.clone(),
        emulated: real.emulated,
        masked: real.masked,
        unsupported: real.unsupported,
        slots: recording_slots(&real.slots),
        sources: real.sources,
        // A custom op called by the traced function is one node (see `record_custom`).
        custom_mode: crate::custom_registry::CustomMode::Record(record_custom),
        custom: std::sync::OnceLock::new(),
    }));
    cache.push((key, table));
    table
}

/// The inputs of a node, checked against the arity of its slot.
fn arity<'a, const N: usize>(op: Op, ins: &[&'a Tensor]) -> Result<[&'a Tensor; N]> {
    ins.try_into().map_err(|_| malformed(op))
}

#[cold]
fn malformed(op: Op) -> Error {
    Error::Trace {
        reason: format!(
            "a node of `{op}` has arguments that do not fit its slot (a bug in the graph)"
        ),
    }
}

#[cold]
fn several(op: Op) -> Error {
    Error::Trace {
        reason: format!(
            "a node of `{op}`, which returns several tensors, was run as a node with one result \
             (a bug in the graph)"
        ),
    }
}

/// Calls a slot function of signature `$sig` with a node's arguments and inputs.
macro_rules! invoke_slot {
    (UnaryFn, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        let [x] = arity($op, $i)?;
        ($f)(x)
    }};
    (BinaryFn, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        let [x, y] = arity($op, $i)?;
        ($f)(x, y)
    }};
    (WhereFn, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        let [c, x, y] = arity($op, $i)?;
        ($f)(c, x, y)
    }};
    (PutFn, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        let [x, i, v] = arity($op, $i)?;
        ($f)(x, i, v)
    }};
    (ClipFn, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        match ($a, $i) {
            (
                Args::Clip {
                    min: false,
                    max: false,
                },
                [x],
            ) => ($f)(x, None, None),
            (
                Args::Clip {
                    min: true,
                    max: false,
                },
                [x, lo],
            ) => ($f)(x, Some(*lo), None),
            (
                Args::Clip {
                    min: false,
                    max: true,
                },
                [x, hi],
            ) => ($f)(x, None, Some(*hi)),
            (
                Args::Clip {
                    min: true,
                    max: true,
                },
                [x, lo, hi],
            ) => ($f)(x, Some(*lo), Some(*hi)),
            _ => Err(malformed($op)),
        }
    }};
    (ReduceFn, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        let (Args::Reduce { axes, keepdims }, [x]) = ($a, $i) else {
            return Err(malformed($op));
        };
        ($f)(x, axes, *keepdims)
    }};
    (StatFn, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        let (
            Args::Stat {
                axes,
                correction,
                keepdims,
            },
            [x],
        ) = ($a, $i)
        else {
            return Err(malformed($op));
        };
        ($f)(x, axes, *correction, *keepdims)
    }};
    (ArgReduceFn, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        let (Args::ArgReduce { axis, keepdims }, [x]) = ($a, $i) else {
            return Err(malformed($op));
        };
        ($f)(x, *axis, *keepdims)
    }};
    (AxisFn, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        let (Args::Axis(axis), [x]) = ($a, $i) else {
            return Err(malformed($op));
        };
        ($f)(x, *axis)
    }};
    (SortFn, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        let (Args::Sort { axis, descending }, [x]) = ($a, $i) else {
            return Err(malformed($op));
        };
        ($f)(x, *axis, *descending)
    }};
    (ShapeFn, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        let (Args::Sizes(sizes), [x]) = ($a, $i) else {
            return Err(malformed($op));
        };
        ($f)(x, sizes)
    }};
    (DiagFn, $f:expr, $a:expr, $i:expr, $op:expr) => {
        invoke_slot!(MatrixIntFn, $f, $a, $i, $op)
    };
    (Conv2dFn, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        let (Args::Window(w), [x, k]) = ($a, $i) else {
            return Err(malformed($op));
        };
        ($f)(x, k, w)
    }};
    (Pool2dFn, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        let (Args::Window(w), [x]) = ($a, $i) else {
            return Err(malformed($op));
        };
        ($f)(x, w)
    }};
    (MatrixIntFn, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        let (Args::Int(k), [x]) = ($a, $i) else {
            return Err(malformed($op));
        };
        ($f)(x, *k)
    }};
    (JoinFn, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        let Args::Axis(axis) = $a else {
            return Err(malformed($op));
        };
        let owned: Vec<Tensor> = $i.iter().map(|t| (*t).clone()).collect();
        ($f)(&owned, *axis)
    }};
    (CastFn, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        let (Args::Cast(dtype), [x]) = ($a, $i) else {
            return Err(malformed($op));
        };
        ($f)(x, *dtype)
    }};
    (VecdotFn, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        let (Args::Axis(axis), [x, y]) = ($a, $i) else {
            return Err(malformed($op));
        };
        ($f)(x, y, *axis)
    }};
    (TakeFn, $f:expr, $a:expr, $i:expr, $op:expr) => {
        invoke_slot!(VecdotFn, $f, $a, $i, $op)
    };
    (TensordotFn, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        let (Args::Tensordot { axes_a, axes_b }, [x, y]) = ($a, $i) else {
            return Err(malformed($op));
        };
        ($f)(x, y, axes_a, axes_b)
    }};
    (FromHostFn, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        let (
            Args::FromHost {
                data,
                shape,
                device,
            },
            [],
        ) = ($a, $i)
        else {
            return Err(malformed($op));
        };
        ($f)(data.clone(), shape, *device)
    }};
    (FullFn, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        let (
            Args::Full {
                shape,
                value,
                dtype,
                device,
            },
            [],
        ) = ($a, $i)
        else {
            return Err(malformed($op));
        };
        ($f)(shape, *value, *dtype, *device)
    }};
    (FillFn, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        let (
            Args::Fill {
                shape,
                dtype,
                device,
            },
            [],
        ) = ($a, $i)
        else {
            return Err(malformed($op));
        };
        ($f)(shape, *dtype, *device)
    }};
    (ArangeFn, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        let (
            Args::Arange {
                start,
                step,
                n,
                dtype,
                device,
            },
            [],
        ) = ($a, $i)
        else {
            return Err(malformed($op));
        };
        ($f)(*start, *step, *n, *dtype, *device)
    }};
    (LinspaceFn, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        let (
            Args::Linspace {
                start,
                stop,
                num,
                endpoint,
                dtype,
                device,
            },
            [],
        ) = ($a, $i)
        else {
            return Err(malformed($op));
        };
        ($f)(*start, *stop, *num, *endpoint, *dtype, *device)
    }};
    (EyeFn, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        let (
            Args::Eye {
                rows,
                cols,
                k,
                dtype,
                device,
            },
            [],
        ) = ($a, $i)
        else {
            return Err(malformed($op));
        };
        ($f)(*rows, *cols, *k, *dtype, *device)
    }};
    (RollFn, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        let (Args::Roll { shifts, axes }, [x]) = ($a, $i) else {
            return Err(malformed($op));
        };
        ($f)(x, shifts, axes)
    }};
    (RepeatFn, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        let (Args::Repeat { counts, axis }, [x]) = ($a, $i) else {
            return Err(malformed($op));
        };
        ($f)(x, counts, *axis)
    }};
    (DeviceFn, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        let (Args::Device(device), [x]) = ($a, $i) else {
            return Err(malformed($op));
        };
        ($f)(x, *device)
    }};
    (SliceFn, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        let (Args::Slices(slices), [x]) = ($a, $i) else {
            return Err(malformed($op));
        };
        ($f)(x, slices)
    }};
    (SearchFn, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        let (Args::Flag(right), [x, y]) = ($a, $i) else {
            return Err(malformed($op));
        };
        ($f)(x, y, *right)
    }};
    (FlagFn, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        let (Args::Flag(flag), [x]) = ($a, $i) else {
            return Err(malformed($op));
        };
        ($f)(x, *flag)
    }};
    (RtolFn, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        let (Args::Float(rtol), [x]) = ($a, $i) else {
            return Err(malformed($op));
        };
        ($f)(x, *rtol)
    }};
    (MatrixNormFn, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        let (Args::MatrixNorm { ord, keepdims }, [x]) = ($a, $i) else {
            return Err(malformed($op));
        };
        ($f)(x, *ord, *keepdims)
    }};
    (VectorNormFn, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        let (
            Args::VectorNorm {
                axes,
                ord,
                keepdims,
            },
            [x],
        ) = ($a, $i)
        else {
            return Err(malformed($op));
        };
        ($f)(x, axes, *ord, *keepdims)
    }};
    (ToHostFn, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        let _ = $f;
        Err(malformed($op))
    }};
    ($multi:ident, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        let _ = $f;
        Err(several($op))
    }};
}

/// Calls a slot function of signature `$sig` with a node's arguments and inputs, for every
/// result: the ops with several results give them all, the others their one tensor.
macro_rules! invoke_all_slot {
    (QrFn, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        let (Args::Flag(flag), [x]) = ($a, $i) else {
            return Err(malformed($op));
        };
        Ok(($f)(x, *flag)?.into())
    }};
    (SvdFn, $f:expr, $a:expr, $i:expr, $op:expr) => {
        invoke_all_slot!(QrFn, $f, $a, $i, $op)
    };
    (PairFn, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        let (Args::None, [x]) = ($a, $i) else {
            return Err(malformed($op));
        };
        Ok(($f)(x)?.into())
    }};
    ($single:ident, $f:expr, $a:expr, $i:expr, $op:expr) => {{
        Ok(vec![invoke_slot!($single, $f, $a, $i, $op)?])
    }};
}

// One recorder per slot signature; `OP` is the op's index in the catalogue.

fn op_at<const OP: usize>() -> Op {
    Op::ALL[OP]
}

fn rec_unary<const OP: usize>(x: &Tensor) -> Result<Tensor> {
    record(op_at::<OP>(), Args::None, &[x])
}
fn rec_binary<const OP: usize>(x: &Tensor, y: &Tensor) -> Result<Tensor> {
    record(op_at::<OP>(), Args::None, &[x, y])
}
fn rec_where<const OP: usize>(c: &Tensor, x: &Tensor, y: &Tensor) -> Result<Tensor> {
    record(op_at::<OP>(), Args::None, &[c, x, y])
}
fn rec_clip<const OP: usize>(
    x: &Tensor,
    lo: Option<&Tensor>,
    hi: Option<&Tensor>,
) -> Result<Tensor> {
    let args = Args::Clip {
        min: lo.is_some(),
        max: hi.is_some(),
    };
    let ins: Vec<&Tensor> = std::iter::once(x).chain(lo).chain(hi).collect();
    record(op_at::<OP>(), args, &ins)
}
fn rec_reduce<const OP: usize>(x: &Tensor, axes: &[usize], keepdims: bool) -> Result<Tensor> {
    let axes = axes.to_vec();
    record(op_at::<OP>(), Args::Reduce { axes, keepdims }, &[x])
}
fn rec_stat<const OP: usize>(x: &Tensor, axes: &[usize], c: f64, keepdims: bool) -> Result<Tensor> {
    let args = Args::Stat {
        axes: axes.to_vec(),
        correction: c,
        keepdims,
    };
    record(op_at::<OP>(), args, &[x])
}
fn rec_arg_reduce<const OP: usize>(
    x: &Tensor,
    axis: Option<usize>,
    keepdims: bool,
) -> Result<Tensor> {
    record(op_at::<OP>(), Args::ArgReduce { axis, keepdims }, &[x])
}
fn rec_axis<const OP: usize>(x: &Tensor, axis: usize) -> Result<Tensor> {
    record(op_at::<OP>(), Args::Axis(axis), &[x])
}
fn rec_sort<const OP: usize>(x: &Tensor, axis: usize, descending: bool) -> Result<Tensor> {
    record(op_at::<OP>(), Args::Sort { axis, descending }, &[x])
}
fn rec_shape<const OP: usize>(x: &Tensor, sizes: &[usize]) -> Result<Tensor> {
    record(op_at::<OP>(), Args::Sizes(sizes.to_vec()), &[x])
}
fn rec_conv2d<const OP: usize>(x: &Tensor, w: &Tensor, win: &Window2d) -> Result<Tensor> {
    record(op_at::<OP>(), Args::Window(*win), &[x, w])
}
fn rec_pool2d<const OP: usize>(x: &Tensor, win: &Window2d) -> Result<Tensor> {
    record(op_at::<OP>(), Args::Window(*win), &[x])
}
fn rec_int<const OP: usize>(x: &Tensor, k: i64) -> Result<Tensor> {
    record(op_at::<OP>(), Args::Int(k), &[x])
}
fn rec_join<const OP: usize>(xs: &[Tensor], axis: usize) -> Result<Tensor> {
    let ins: Vec<&Tensor> = xs.iter().collect();
    record(op_at::<OP>(), Args::Axis(axis), &ins)
}
fn rec_cast<const OP: usize>(x: &Tensor, dtype: DType) -> Result<Tensor> {
    record(op_at::<OP>(), Args::Cast(dtype), &[x])
}
fn rec_pair_axis<const OP: usize>(x: &Tensor, y: &Tensor, axis: usize) -> Result<Tensor> {
    record(op_at::<OP>(), Args::Axis(axis), &[x, y])
}
fn rec_tensordot<const OP: usize>(
    x: &Tensor,
    y: &Tensor,
    a: &[usize],
    b: &[usize],
) -> Result<Tensor> {
    let args = Args::Tensordot {
        axes_a: a.to_vec(),
        axes_b: b.to_vec(),
    };
    record(op_at::<OP>(), args, &[x, y])
}
fn rec_from_host<const OP: usize>(
    data: HostData,
    shape: &[usize],
    device: Device,
) -> Result<Tensor> {
    let shape = shape.to_vec();
    record(
        op_at::<OP>(),
        Args::FromHost {
            data,
            shape,
            device,
        },
        &[],
    )
}
fn rec_full<const OP: usize>(
    shape: &[usize],
    value: Scalar,
    dtype: DType,
    device: Device,
) -> Result<Tensor> {
    let shape = shape.to_vec();
    let args = Args::Full {
        shape,
        value,
        dtype,
        device,
    };
    record(op_at::<OP>(), args, &[])
}
fn rec_fill<const OP: usize>(shape: &[usize], dtype: DType, device: Device) -> Result<Tensor> {
    let shape = shape.to_vec();
    record(
        op_at::<OP>(),
        Args::Fill {
            shape,
            dtype,
            device,
        },
        &[],
    )
}
fn rec_arange<const OP: usize>(
    start: f64,
    step: f64,
    n: usize,
    dtype: DType,
    device: Device,
) -> Result<Tensor> {
    let args = Args::Arange {
        start,
        step,
        n,
        dtype,
        device,
    };
    record(op_at::<OP>(), args, &[])
}
fn rec_linspace<const OP: usize>(
    start: f64,
    stop: f64,
    num: usize,
    endpoint: bool,
    dtype: DType,
    device: Device,
) -> Result<Tensor> {
    let args = Args::Linspace {
        start,
        stop,
        num,
        endpoint,
        dtype,
        device,
    };
    record(op_at::<OP>(), args, &[])
}
fn rec_eye<const OP: usize>(
    rows: usize,
    cols: usize,
    k: i64,
    dtype: DType,
    device: Device,
) -> Result<Tensor> {
    let args = Args::Eye {
        rows,
        cols,
        k,
        dtype,
        device,
    };
    record(op_at::<OP>(), args, &[])
}
fn rec_roll<const OP: usize>(x: &Tensor, shifts: &[usize], axes: &[usize]) -> Result<Tensor> {
    let args = Args::Roll {
        shifts: shifts.to_vec(),
        axes: axes.to_vec(),
    };
    record(op_at::<OP>(), args, &[x])
}
fn rec_repeat<const OP: usize>(x: &Tensor, counts: &[usize], axis: usize) -> Result<Tensor> {
    let counts = counts.to_vec();
    record(op_at::<OP>(), Args::Repeat { counts, axis }, &[x])
}
fn rec_device<const OP: usize>(x: &Tensor, device: Device) -> Result<Tensor> {
    record(op_at::<OP>(), Args::Device(device), &[x])
}
fn rec_slice<const OP: usize>(x: &Tensor, slices: &[AxisSlice]) -> Result<Tensor> {
    record(op_at::<OP>(), Args::Slices(slices.to_vec()), &[x])
}
fn rec_search<const OP: usize>(x: &Tensor, y: &Tensor, right: bool) -> Result<Tensor> {
    record(op_at::<OP>(), Args::Flag(right), &[x, y])
}
fn rec_flag<const OP: usize>(x: &Tensor, flag: bool) -> Result<Tensor> {
    record(op_at::<OP>(), Args::Flag(flag), &[x])
}
fn rec_rtol<const OP: usize>(x: &Tensor, rtol: f64) -> Result<Tensor> {
    record(op_at::<OP>(), Args::Float(rtol), &[x])
}
fn rec_matrix_norm<const OP: usize>(x: &Tensor, ord: MatrixOrd, keepdims: bool) -> Result<Tensor> {
    record(op_at::<OP>(), Args::MatrixNorm { ord, keepdims }, &[x])
}
fn rec_vector_norm<const OP: usize>(
    x: &Tensor,
    axes: &[usize],
    ord: f64,
    keepdims: bool,
) -> Result<Tensor> {
    let axes = axes.to_vec();
    record(
        op_at::<OP>(),
        Args::VectorNorm {
            axes,
            ord,
            keepdims,
        },
        &[x],
    )
}

/// `to_host` reads values: refused when the traced function calls it on a tensor whose values
/// can change between runs (anything computed from an input or a constant), passed through
/// for tensors made inside the trace from creation ops alone and when a recorded fallback
/// reads.
fn rec_to_host<const OP: usize>(x: &Tensor) -> Result<HostData> {
    let real = real_table()?;
    let fixed = RECORDING.with(|r| {
        let r = r.borrow();
        let r = r.as_ref()?;
        r.known(x).map(|v| r.fixed[v.0])
    });
    if state::tracing() && fixed != Some(true) {
        return Err(refuse(
            "the traced function reads a tensor's values (to_host, to_vec, or an index read on \
             the host); a graph cannot depend on values it has not computed yet: keep the \
             computation in ops (where, clip, …) or read values outside the trace"
                .to_string(),
        ));
    }
    dispatch::call(real, Op::to_host, real.slots.to_host, |f| f(x))
}

fn rec_qr<const OP: usize>(x: &Tensor, flag: bool) -> Result<[Tensor; 2]> {
    let real = real_table()?;
    record_multi(op_at::<OP>(), Args::Flag(flag), &[x], || {
        dispatch::call(real, Op::linalg_qr, real.slots.linalg_qr, |f| f(x, flag))
    })
}
fn rec_svd<const OP: usize>(x: &Tensor, flag: bool) -> Result<[Tensor; 3]> {
    let real = real_table()?;
    record_multi(op_at::<OP>(), Args::Flag(flag), &[x], || {
        dispatch::call(real, Op::linalg_svd, real.slots.linalg_svd, |f| f(x, flag))
    })
}
fn rec_pair<const OP: usize>(x: &Tensor) -> Result<[Tensor; 2]> {
    let real = real_table()?;
    let op = op_at::<OP>();
    let slot = match op {
        Op::linalg_eigh => real.slots.linalg_eigh,
        _ => real.slots.linalg_slogdet,
    };
    record_multi(op, Args::None, &[x], || {
        dispatch::call(real, op, slot, |f| f(x))
    })
}

/// The recorder of op `$op` of signature `$sig`.
macro_rules! recorder {
    (UnaryFn, $op:ident) => {
        rec_unary::<{ Op::$op as usize }>
    };
    (BinaryFn, $op:ident) => {
        rec_binary::<{ Op::$op as usize }>
    };
    (WhereFn, $op:ident) => {
        rec_where::<{ Op::$op as usize }>
    };
    (PutFn, $op:ident) => {
        rec_where::<{ Op::$op as usize }>
    };
    (ClipFn, $op:ident) => {
        rec_clip::<{ Op::$op as usize }>
    };
    (ReduceFn, $op:ident) => {
        rec_reduce::<{ Op::$op as usize }>
    };
    (StatFn, $op:ident) => {
        rec_stat::<{ Op::$op as usize }>
    };
    (ArgReduceFn, $op:ident) => {
        rec_arg_reduce::<{ Op::$op as usize }>
    };
    (AxisFn, $op:ident) => {
        rec_axis::<{ Op::$op as usize }>
    };
    (SortFn, $op:ident) => {
        rec_sort::<{ Op::$op as usize }>
    };
    (ShapeFn, $op:ident) => {
        rec_shape::<{ Op::$op as usize }>
    };
    (DiagFn, $op:ident) => {
        rec_int::<{ Op::$op as usize }>
    };
    (Conv2dFn, $op:ident) => {
        rec_conv2d::<{ Op::$op as usize }>
    };
    (Pool2dFn, $op:ident) => {
        rec_pool2d::<{ Op::$op as usize }>
    };
    (MatrixIntFn, $op:ident) => {
        rec_int::<{ Op::$op as usize }>
    };
    (JoinFn, $op:ident) => {
        rec_join::<{ Op::$op as usize }>
    };
    (CastFn, $op:ident) => {
        rec_cast::<{ Op::$op as usize }>
    };
    (VecdotFn, $op:ident) => {
        rec_pair_axis::<{ Op::$op as usize }>
    };
    (TakeFn, $op:ident) => {
        rec_pair_axis::<{ Op::$op as usize }>
    };
    (TensordotFn, $op:ident) => {
        rec_tensordot::<{ Op::$op as usize }>
    };
    (FromHostFn, $op:ident) => {
        rec_from_host::<{ Op::$op as usize }>
    };
    (ToHostFn, $op:ident) => {
        rec_to_host::<{ Op::$op as usize }>
    };
    (FullFn, $op:ident) => {
        rec_full::<{ Op::$op as usize }>
    };
    (FillFn, $op:ident) => {
        rec_fill::<{ Op::$op as usize }>
    };
    (ArangeFn, $op:ident) => {
        rec_arange::<{ Op::$op as usize }>
    };
    (LinspaceFn, $op:ident) => {
        rec_linspace::<{ Op::$op as usize }>
    };
    (EyeFn, $op:ident) => {
        rec_eye::<{ Op::$op as usize }>
    };
    (RollFn, $op:ident) => {
        rec_roll::<{ Op::$op as usize }>
    };
    (RepeatFn, $op:ident) => {
        rec_repeat::<{ Op::$op as usize }>
    };
    (DeviceFn, $op:ident) => {
        rec_device::<{ Op::$op as usize }>
    };
    (SliceFn, $op:ident) => {
        rec_slice::<{ Op::$op as usize }>
    };
    (SearchFn, $op:ident) => {
        rec_search::<{ Op::$op as usize }>
    };
    (FlagFn, $op:ident) => {
        rec_flag::<{ Op::$op as usize }>
    };
    (QrFn, $op:ident) => {
        rec_qr::<{ Op::$op as usize }>
    };
    (SvdFn, $op:ident) => {
        rec_svd::<{ Op::$op as usize }>
    };
    (PairFn, $op:ident) => {
        rec_pair::<{ Op::$op as usize }>
    };
    (RtolFn, $op:ident) => {
        rec_rtol::<{ Op::$op as usize }>
    };
    (MatrixNormFn, $op:ident) => {
        rec_matrix_norm::<{ Op::$op as usize }>
    };
    (VectorNormFn, $op:ident) => {
        rec_vector_norm::<{ Op::$op as usize }>
    };
}

/// A slot function of one of the signatures a compiled graph calls directly.
#[derive(Clone, Copy)]
pub(crate) enum Fast {
    Unary(crate::catalogue::UnaryFn),
    Binary(crate::catalogue::BinaryFn),
    /// Any other: called through [`invoke`].
    Other,
}

macro_rules! fast_slot {
    (UnaryFn, $g:expr, $f:expr) => {
        Fast::Unary($g)
    };
    (BinaryFn, $g:expr, $f:expr) => {
        Fast::Binary($g)
    };
    ($other:ident, $g:expr, $f:expr) => {{
        let _ = $g;
        Fast::Other
    }};
}

macro_rules! result_count {
    (QrFn) => {
        2
    };
    (SvdFn) => {
        3
    };
    (PairFn) => {
        2
    };
    ($single:ident) => {
        1
    };
}

macro_rules! by_op {
    ($( $(#[$doc:meta])* $op:ident = $name:literal, $group:ident, $sig:ident,
        $kind:ident $(($flavor:ident))? $(, $fb:ident)? ;)*) => {
        /// Calls the slot function `f` with a node's arguments and inputs (not checked against
        /// the table's dtypes: the caller did that once).
        pub(crate) fn invoke(f: OpFn, args: &Args, ins: &[&Tensor]) -> Result<Tensor> {
            match f {
                $( OpFn::$op(s) => invoke_slot!($sig, s.inner(), args, ins, Op::$op), )*
            }
        }

        /// [`invoke`] for every result of the slot (one for most ops, several for `qr`, `svd`,
        /// `eigh` and `slogdet`).
        pub(crate) fn invoke_all(f: OpFn, args: &Args, ins: &[&Tensor]) -> Result<Vec<Tensor>> {
            match f {
                $( OpFn::$op(s) => invoke_all_slot!($sig, s.inner(), args, ins, Op::$op), )*
            }
        }

        /// How many tensors the slot of `op` returns.
        #[cfg_attr(not(feature = "serde"), allow(dead_code))]
        pub(crate) fn result_count(op: Op) -> usize {
            match op {
                $( Op::$op => result_count!($sig), )*
            }
        }

        /// The slot function typed, for the signatures compiled graphs call without matching
        /// on the op (elementwise ops).
        pub(crate) fn fast(f: OpFn) -> Fast {
            match f {
                $( OpFn::$op(s) => fast_slot!($sig, s.inner(), f), )*
            }
        }

        /// A recorder in every slot `real` fills.
        fn recording_slots(real: &Slots) -> Slots {
            let mut slots = Slots::empty();
            $( if real.$op.is_some() { slots.$op = Some(recorder!($sig, $op)); } )*
            slots
        }
    };
}

crate::for_each_op!(by_op);
