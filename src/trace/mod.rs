//! The tracer: run a function once, record the backend slot calls it makes as a [`Graph`],
//! optimise the graph, and compile it for any backend into a [`Compiled`] graph whose run is a
//! plain sequence of slot calls.
//!
//! ```
//! use tensorswitch_ndarray as _;
//! use tensorswitch::{trace, Tensor};
//!
//! # fn main() -> tensorswitch::Result<()> {
//! let x = Tensor::from_slice(&[1.0f32, 2.0, 3.0], &[3])?;
//! let g = trace(&[x.clone()], |xs| Ok(vec![xs[0].exp()?.sum(None)?]))?;
//! assert_eq!(g.nodes().len(), 2);
//! let f = g.compile("ndarray")?;
//! let y = f.run(&[x])?;
//! assert_eq!(y[0].shape(), &[] as &[usize]);
//! # Ok(())
//! # }
//! ```
//!
//! How recording works and what cannot be traced is in docs/architecture.md ("The tracer").

mod compile;
mod fuse;
mod graph;
mod jit;
#[cfg(feature = "serde")]
mod json;
mod passes;
mod record;

pub use compile::Compiled;
pub use graph::{Args, Constant, Graph, Node, NodeOp, ValueId, ValueInfo};
pub use jit::Jit;

use crate::error::{Error, Result};
use crate::state::{self, TableGuard, TracingFlag};
use crate::tensor::Tensor;
use record::Recording;

/// Runs `f` once on `inputs` and records every op it applies, at the level the backend sees
/// (promotion casts, broadcasting and normalised axes included), as a [`Graph`]. Tensors `f`
/// uses that are neither inputs nor made inside become constants named `c0`, `c1`, … (see
/// [`trace_with_constants`] to name them). The graph is traced on the backend the inputs'
/// op would run on (see [`crate::state`]); `f`'s results are computed eagerly as usual.
///
/// Fails with [`Error::Trace`] when `f` does what a graph cannot hold: reading values that
/// can change between runs (`to_vec`, `to_host`, indexing with a tensor of indices computed
/// from an input or captured; values made inside by creation ops alone may be read),
/// `argwhere` or `nonzero` of such a tensor (its shape depends on the values), switching
/// backends (`set_backend`, `with_backend`, `to_backend`, …), or a nested `trace`. Such a
/// failure also fails the trace when `f` ignores it. Ops with several results
/// (`linalg::qr`, `svd`, `eigh`, `slogdet`) are one node with several outputs. A custom op
/// ([`crate::custom_op!`]) is one node ([`NodeOp::Custom`]) holding its attributes; its
/// eager result comes from the traced backend's native version or its composition, and
/// [`Graph::compile`] picks the target backend's.
pub fn trace(inputs: &[Tensor], f: impl FnOnce(&[Tensor]) -> Result<Vec<Tensor>>) -> Result<Graph> {
    trace_with_constants(inputs, &[], f)
}

/// [`trace`], with some of the tensors `f` captures named: they become the graph's constants
/// under these names, which [`Compiled::run_with`] can rebind.
pub fn trace_with_constants(
    inputs: &[Tensor],
    constants: &[(&str, &Tensor)],
    f: impl FnOnce(&[Tensor]) -> Result<Vec<Tensor>>,
) -> Result<Graph> {
    let refs: Vec<&Tensor> = inputs.iter().chain(constants.iter().map(|c| c.1)).collect();
    let real = state::resolve("trace", &refs)?;
    let mut rec = Recording::new(real);
    for x in inputs {
        let id = rec.define(x);
        rec.inputs.push(id);
    }
    for (name, t) in constants {
        if rec.constants.iter().any(|c| c.name == *name) {
            return Err(Error::Trace {
                reason: format!("two constants are named `{name}`; give each its own name"),
            });
        }
        rec.constant(name.to_string(), t);
    }
    record::install(rec)?;
    let _ = state::take_refused_switch();
    let result = {
        let _uninstall = Uninstall;
        let _table = TableGuard::new(record::tracing_table(real));
        let _flag = TracingFlag::set(true);
        f(inputs)
    };
    // `Uninstall` has cleared the thread's recording only on a panic; take it here.
    let rec = record::take();
    let refused_switch = state::take_refused_switch();
    let outputs = result?;
    let Some(mut rec) = rec else {
        return Err(Error::Trace {
            reason: "the recording was lost (a bug)".to_string(),
        });
    };
    if let Some(e) = rec.refused.take() {
        return Err(e);
    }
    if let Some(what) = refused_switch {
        return Err(Error::Trace {
            reason: format!(
                "`{what}` was called inside the traced function (its error was ignored); switch \
                 backends outside the trace"
            ),
        });
    }
    let mut out_ids = Vec::with_capacity(outputs.len());
    for t in &outputs {
        if !std::ptr::eq(t.backend_descriptor(), real.backend) {
            return Err(Error::Trace {
                reason: format!(
                    "the traced function returned a tensor of backend `{}`; the graph is traced \
                     on `{}`",
                    t.backend(),
                    real.backend_name()
                ),
            });
        }
        out_ids.push(rec.value_of(t));
    }
    Ok(Graph {
        table: real,
        values: rec.values,
        inputs: rec.inputs,
        constants: rec.constants,
        nodes: rec.nodes,
        outputs: out_ids,
    }
    .renumber())
}

/// Clears the thread's recording if the traced function panics, so the next trace can start.
struct Uninstall;

impl Drop for Uninstall {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let _ = record::take();
            let _ = state::take_refused_switch();
        }
    }
}
