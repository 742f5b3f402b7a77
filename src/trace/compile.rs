//! Compiling a graph for a table: every slot resolved and every dtype checked once, so a run
//! is a sequence of slot calls.

use super::fuse::{plan, Planned};
use super::graph::{Args, Graph, NodeOp, ValueInfo};
use super::record::{fast, invoke, invoke_all, Fast};
use crate::catalogue::{Op, OpFn};
use crate::custom::{Attr, CustomOp};
use crate::error::{Error, Result};
use crate::fused::FusedKernel;
use crate::ops::dispatch;
use crate::state;
use crate::table::FunctionTable;
use crate::tensor::Tensor;

struct Step {
    exec: Exec,
    inputs: Vec<usize>,
    /// The values it makes: one for a slot call, those read later for a fused program.
    outputs: Vec<usize>,
    /// Values no later step nor the outputs read: dropped after this step, so a run holds only
    /// live tensors (and their blocks go back to the thread's cache for the next step).
    frees: Vec<usize>,
}

enum Exec {
    /// One node: a slot call.
    Call {
        op: Op,
        f: OpFn,
        /// `f` typed when it is unary or binary (and the node has as many inputs).
        fast: Fast,
        args: Args,
    },
    /// Several elementwise nodes run by the backend's fused kernel (see [`crate::fused`]).
    Fused {
        /// The first fused op, to name in errors.
        op: Op,
        kernel: Box<dyn FusedKernel>,
        /// How many graph nodes it replaces.
        nodes: usize,
    },
    /// One custom op (boxed, so catalogue steps stay as small as they were).
    Custom(Box<CustomStep>),
}

/// A custom node's step: the native version the table picked at compile time (`None`: the
/// composition), called directly.
struct CustomStep {
    op: &'static CustomOp,
    native: Option<&'static (dyn std::any::Any + Send + Sync)>,
    /// The native's registered name (`rms_norm_v_2p4_and_above`).
    variant: Option<&'static str>,
    attrs: Vec<Attr>,
}

/// A graph compiled for one function table (see [`Graph::compile`]). Running it checks the
/// inputs against the traced signature, then calls each node's slot directly.
pub struct Compiled {
    table: &'static FunctionTable,
    steps: Vec<Step>,
    values: usize,
    inputs: Vec<(usize, ValueInfo)>,
    /// Name, value, tensor on this backend, whether `run_with` may replace it.
    constants: Vec<(String, usize, Tensor, bool)>,
    outputs: Vec<usize>,
}

impl Graph {
    /// Compiles the graph for backend `name` at its detected version (any backend, not only
    /// the traced one: constants are converted to it now).
    pub fn compile(&self, name: &str) -> Result<Compiled> {
        self.compile_on(state::detected(name)?)
    }

    /// Compiles the graph for `table` (a backend at any version, emulated or masked: see
    /// [`crate::Backend::table`]). Fails when the table lacks an op of the graph or does not
    /// support one of its dtypes.
    pub fn compile_on(&self, table: &'static FunctionTable) -> Result<Compiled> {
        self.compile_with(table, true)
    }

    /// [`Graph::compile_on`] without fusion: every node is one slot call, as eager execution
    /// makes it (to compare fused runs against, or to time fusion).
    pub fn compile_unfused(&self, table: &'static FunctionTable) -> Result<Compiled> {
        self.compile_with(table, false)
    }

    fn compile_with(&self, table: &'static FunctionTable, fuse: bool) -> Result<Compiled> {
        for v in self
            .inputs
            .iter()
            .chain(self.constants.iter().map(|c| &c.value))
        {
            table.check_dtype(Op::from_host, self.values[v.0].dtype)?;
        }
        for n in &self.nodes {
            for v in n.outputs().chain(n.inputs.iter().copied()) {
                table.check_dtype_of(n.op.name(), self.values[v.0].dtype)?;
            }
        }
        let mut steps = Vec::with_capacity(self.nodes.len());
        for planned in plan(self, table, fuse) {
            match planned {
                Planned::Node(i) => steps.push(self.call_step(table, i)?),
                Planned::Fused {
                    program,
                    reads,
                    writes,
                    nodes,
                } => {
                    let hook = crate::fused::hook(table.backend_name())
                        .ok_or_else(|| table.unsupported_error(program.instrs[0].op))?;
                    match (hook.compile)(&program) {
                        Ok(kernel) => steps.push(Step {
                            exec: Exec::Fused {
                                op: program.instrs[0].op,
                                kernel,
                                nodes: nodes.len(),
                            },
                            inputs: reads,
                            outputs: writes,
                            frees: Vec::new(),
                        }),
                        // The backend declined this program: its nodes run one by one.
                        Err(_) => {
                            for i in nodes {
                                steps.push(self.call_step(table, i)?);
                            }
                        }
                    }
                }
            }
        }
        // The last step reading each value frees it, unless it is an output.
        let mut last: Vec<Option<usize>> = vec![None; self.values.len()];
        for (i, step) in steps.iter().enumerate() {
            for &v in &step.inputs {
                last[v] = Some(i);
            }
        }
        for v in &self.outputs {
            last[v.0] = None;
        }
        for (v, step) in last.iter().enumerate() {
            if let Some(i) = step {
                if !steps[*i].frees.contains(&v) {
                    steps[*i].frees.push(v);
                }
            }
        }
        let mut constants = Vec::with_capacity(self.constants.len());
        for c in &self.constants {
            let t = crate::ops::to_backend(&c.tensor, table.backend_name())?;
            constants.push((c.name.clone(), c.value.0, t, c.rebindable));
        }
        Ok(Compiled {
            table,
            steps,
            values: self.values.len(),
            inputs: self
                .inputs
                .iter()
                .map(|v| (v.0, self.values[v.0].clone()))
                .collect(),
            constants,
            outputs: self.outputs.iter().map(|v| v.0).collect(),
        })
    }
}

impl Graph {
    fn call_step(&self, table: &'static FunctionTable, i: usize) -> Result<Step> {
        let n = &self.nodes[i];
        let op = match n.op {
            NodeOp::Catalogue(op) => op,
            NodeOp::Custom(op) => return self.custom_step(table, i, op),
        };
        let f = table
            .slots
            .get(op)
            .ok_or_else(|| table.unsupported_error(op))?;
        let fast = match (fast(f), n.inputs.len()) {
            (Fast::Unary(g), 1) => Fast::Unary(g),
            (Fast::Binary(g), 2) => Fast::Binary(g),
            _ => Fast::Other,
        };
        Ok(Step {
            exec: Exec::Call {
                op,
                f,
                fast,
                args: n.args.clone(),
            },
            inputs: n.inputs.iter().map(|v| v.0).collect(),
            outputs: n.outputs().map(|v| v.0).collect(),
            frees: Vec::new(),
        })
    }

    /// The step of a custom node: the table's native version of the op, picked now (version
    /// variants as the table picks them), else its composition.
    fn custom_step(
        &self,
        table: &'static FunctionTable,
        i: usize,
        op: &'static CustomOp,
    ) -> Result<Step> {
        let n = &self.nodes[i];
        let Args::Custom(attrs) = &n.args else {
            return Err(crate::custom::__arity(op, n.inputs.len(), 0));
        };
        if n.inputs.len() != op.inputs.len()
            || attrs.len() != op.attrs.len()
            || !n.more_outputs.is_empty()
        {
            return Err(crate::custom::__arity(op, n.inputs.len(), attrs.len()));
        }
        let native = crate::custom::native_for(table, op)?;
        Ok(Step {
            exec: Exec::Custom(Box::new(CustomStep {
                op,
                native: native.map(|(f, _)| f),
                variant: native.map(|(_, v)| v),
                attrs: attrs.clone(),
            })),
            inputs: n.inputs.iter().map(|v| v.0).collect(),
            outputs: vec![n.output.0],
            frees: Vec::new(),
        })
    }
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Compiled({} steps, {} fused, on {} {})",
            self.steps.len(),
            self.fused_steps(),
            self.table.backend_name(),
            self.table.version()
        )
    }
}

impl Compiled {
    /// The backend it runs on.
    pub fn backend(&self) -> &'static str {
        self.table.backend_name()
    }

    /// How many steps run fused programs (each in place of several elementwise nodes).
    pub fn fused_steps(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| matches!(s.exec, Exec::Fused { .. }))
            .count()
    }

    /// How many graph nodes run inside fused programs.
    pub fn fused_nodes(&self) -> usize {
        self.steps
            .iter()
            .map(|s| match s.exec {
                Exec::Fused { nodes, .. } => nodes,
                Exec::Call { .. } | Exec::Custom(_) => 0,
            })
            .sum()
    }

    /// What runs each custom node, in run order: the op's name and
    /// [`Source::Primary`](crate::Source) with the native version's registered name, or
    /// [`Source::Compositional`](crate::Source) for its composition (picked when compiling).
    pub fn custom_steps(&self) -> Vec<(&'static str, crate::table::Source)> {
        self.steps
            .iter()
            .filter_map(|s| match &s.exec {
                Exec::Custom(c) => Some((
                    c.op.name,
                    match c.variant {
                        Some(variant) => crate::table::Source::Primary { variant },
                        None => crate::table::Source::Compositional,
                    },
                )),
                _ => None,
            })
            .collect()
    }

    /// Runs the graph on `inputs`, which must have the traced dtypes and shapes and be tensors
    /// of this backend.
    pub fn run(&self, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
        self.run_with(inputs, &[])
    }

    /// [`Compiled::run`] with some constants replaced, by name, for this run (same dtype and
    /// shape as the traced constant, on this backend).
    pub fn run_with(
        &self,
        inputs: &[Tensor],
        constants: &[(&str, &Tensor)],
    ) -> Result<Vec<Tensor>> {
        if inputs.len() != self.inputs.len() {
            return Err(Error::Trace {
                reason: format!(
                    "the graph takes {} input(s), got {}",
                    self.inputs.len(),
                    inputs.len()
                ),
            });
        }
        let mut values: Vec<Option<Tensor>> = vec![None; self.values];
        for (i, (x, (id, info))) in inputs.iter().zip(&self.inputs).enumerate() {
            self.check(|| format!("input {i}"), x, info)?;
            values[*id] = Some(x.clone());
        }
        for (_, id, t, _) in &self.constants {
            values[*id] = Some(t.clone());
        }
        for (name, t) in constants {
            let Some((_, id, traced, rebindable)) = self.constants.iter().find(|c| c.0 == *name)
            else {
                return Err(Error::Trace {
                    reason: format!(
                        "the graph has no constant `{name}`; it has: {}",
                        self.constants
                            .iter()
                            .map(|c| c.0.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            };
            if !rebindable {
                return Err(Error::Trace {
                    reason: format!(
                        "constant `{name}` was computed by constant folding and cannot be \
                         replaced; rebind the constants it was computed from on the unfolded graph"
                    ),
                });
            }
            let info = ValueInfo {
                dtype: traced.dtype(),
                shape: traced.shape().to_vec(),
            };
            self.check(|| format!("constant `{name}`"), t, &info)?;
            values[*id] = Some((*t).clone());
        }
        let _section = crate::tensor::live::enter();
        for s in &self.steps {
            let get = |i: usize| values.get(i).and_then(Option::as_ref).ok_or_else(missing);
            match &s.exec {
                Exec::Call { op, f, fast, args } => {
                    match (*fast, s.inputs.as_slice()) {
                        (Fast::Unary(g), &[a]) => {
                            let x = get(a)?;
                            values[s.outputs[0]] =
                                Some(dispatch::call(self.table, *op, Some(g), |g| g(x))?);
                        }
                        (Fast::Binary(g), &[a, b]) => {
                            let (x, y) = (get(a)?, get(b)?);
                            values[s.outputs[0]] =
                                Some(dispatch::call(self.table, *op, Some(g), |g| g(x, y))?);
                        }
                        // An op with several results (see [`super::Node`]).
                        _ if s.outputs.len() > 1 => {
                            let outs = with_inputs(&values, &s.inputs, |ins| {
                                dispatch::call(self.table, *op, Some(*f), |f| {
                                    invoke_all(f, args, ins)
                                })
                            })??;
                            if outs.len() != s.outputs.len() {
                                return Err(missing());
                            }
                            for (&v, t) in s.outputs.iter().zip(outs) {
                                values[v] = Some(t);
                            }
                        }
                        _ => {
                            values[s.outputs[0]] = Some(with_inputs(&values, &s.inputs, |ins| {
                                dispatch::call(self.table, *op, Some(*f), |f| invoke(f, args, ins))
                            })??);
                        }
                    }
                }
                Exec::Custom(c) => {
                    values[s.outputs[0]] = Some(self.run_custom(c, &values, &s.inputs)?);
                }
                Exec::Fused { op, kernel, .. } => {
                    let outs = with_inputs(&values, &s.inputs, |ins| {
                        // The same panic boundary as a slot call (see `dispatch::call`).
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| kernel.run(ins)))
                            .unwrap_or_else(|p| Err(dispatch::panicked(self.table, *op, p)))
                    })??;
                    if outs.len() != s.outputs.len() {
                        return Err(Error::Backend {
                            backend: self.table.backend_name().to_string(),
                            op: op.name(),
                            message: format!(
                                "internal error: a fused kernel returned {} values for {}",
                                outs.len(),
                                s.outputs.len()
                            ),
                        });
                    }
                    for (&v, t) in s.outputs.iter().zip(outs) {
                        values[v] = Some(t);
                    }
                }
            }
            for &v in &s.frees {
                values[v] = None;
            }
        }
        self.outputs
            .iter()
            .map(|&i| values[i].clone().ok_or_else(missing))
            .collect()
    }

    /// Runs a custom step (out of line, so the loop over catalogue steps is what it was).
    #[inline(never)]
    fn run_custom(
        &self,
        c: &CustomStep,
        values: &[Option<Tensor>],
        inputs: &[usize],
    ) -> Result<Tensor> {
        with_inputs(values, inputs, |ins| {
            crate::custom::run_node(self.table, c.op, c.native, ins, &c.attrs)
        })?
    }

    fn check(&self, what: impl Fn() -> String, x: &Tensor, info: &ValueInfo) -> Result<()> {
        if !std::ptr::eq(x.backend_descriptor(), self.table.backend) {
            return Err(Error::Trace {
                reason: format!(
                    "{} is a tensor of backend `{}`, the graph is compiled for `{}`; convert it \
                     with to_backend or compile the graph for its backend",
                    what(),
                    x.backend(),
                    self.table.backend_name()
                ),
            });
        }
        if x.dtype() != info.dtype || x.shape() != info.shape.as_slice() {
            return Err(Error::Trace {
                reason: format!(
                    "{} is {}, the graph was traced with {info}; trace it again for this \
                     signature",
                    what(),
                    ValueInfo {
                        dtype: x.dtype(),
                        shape: x.shape().to_vec()
                    }
                ),
            });
        }
        Ok(())
    }
}

#[cold]
fn missing() -> Error {
    Error::Trace {
        reason: "a node reads a value no earlier node computed (a bug in the graph)".to_string(),
    }
}

/// Runs `f` on the tensors `ids` name, without allocating for up to three.
fn with_inputs<R>(
    values: &[Option<Tensor>],
    ids: &[usize],
    f: impl FnOnce(&[&Tensor]) -> R,
) -> Result<R> {
    let get = |i: usize| values.get(i).and_then(Option::as_ref).ok_or_else(missing);
    Ok(match *ids {
        [] => f(&[]),
        [a] => f(&[get(a)?]),
        [a, b] => f(&[get(a)?, get(b)?]),
        [a, b, c] => f(&[get(a)?, get(b)?, get(c)?]),
        _ => {
            let refs = ids.iter().map(|&i| get(i)).collect::<Result<Vec<_>>>()?;
            f(&refs)
        }
    })
}
