//! Traced graphs compiled a second time by MLX's own `compile` (`mlx_rs::transforms::compile`):
//! MLX records the ops the graph builds once and replays its own compiled graph, fusing
//! elementwise ops into one kernel. On Linux CPU that kernel is C++ MLX generates and builds
//! with the system's `g++` at the first run (cached). Whether it pays depends on the sizes:
//! see [`compile_graph`] and docs/performance.md.

use crate::{from_mlx, lock, to_mlx, DTYPES, KIT};
use mlx_rs::error::Exception;
use mlx_rs::transforms::compile::compile;
use mlx_rs::Array;
use std::panic::{catch_unwind, AssertUnwindSafe};
use tensorswitch::trace::ValueInfo;
use tensorswitch::{Error, Graph, Result, Tensor};

const OP: &str = "compile_graph";

type Runner = Box<dyn FnMut(&[Array]) -> std::result::Result<Vec<Array>, Exception>>;

/// A graph compiled for the mlx backend and by MLX's `compile` (see [`compile_graph`]).
pub struct MlxCompiled {
    runner: Runner,
    inputs: Vec<ValueInfo>,
}

impl std::fmt::Debug for MlxCompiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MlxCompiled")
            .field("inputs", &self.inputs)
            .finish_non_exhaustive()
    }
}

/// Compiles `graph` for the mlx backend ([`Graph::compile`]) and then with MLX's `compile`,
/// so each run is one call of MLX's compiled function. The graph runs once here, on zeros,
/// so that MLX traces it now: a graph MLX cannot compile fails here, not at its first run.
/// Not every graph can be: `linalg.inv` and integer `pow` evaluate their inputs (their errors
/// depend on the values), which MLX refuses inside `compile`.
///
/// Use it for graphs of small tensors: a chain of 100 elementwise float32 ops on 16 elements
/// runs about 13 times faster than the node-by-node compiled graph, since MLX then schedules
/// one kernel instead of 100. On large tensors it is slower — the same chain on 2^20 elements
/// takes about twice as long, because MLX's generated CPU kernel is a scalar loop where its
/// own kernels are vectorised; the MLP forward pass of the benchmarks (two matmuls, which
/// MLX does not fuse) gains nothing measurable (`benches/mlx_compile.rs`,
/// docs/performance.md). Constants are part of what MLX compiles,
/// so they cannot be rebound ([`tensorswitch::Compiled::run_with`] can).
pub fn compile_graph(graph: &Graph) -> Result<MlxCompiled> {
    let compiled = graph.compile("mlx")?;
    let inputs = graph
        .inputs()
        .iter()
        .map(|&v| {
            graph
                .info(v)
                .cloned()
                .ok_or_else(|| KIT.error(OP, "the graph names an input it does not hold"))
        })
        .collect::<Result<Vec<_>>>()?;
    // Called by MLX, from inside its C++ code, while `run` holds the MLX lock (re-entrant,
    // so the primaries the graph calls take it again). A panic must not unwind into C++.
    let traced = move |xs: &[Array]| -> std::result::Result<Vec<Array>, Exception> {
        let run = || -> Result<Vec<Array>> {
            let ins = xs
                .iter()
                .map(|a| from_mlx(a.clone()))
                .collect::<Result<Vec<_>>>()?;
            compiled
                .run(&ins)?
                .iter()
                .map(|t| to_mlx(t).ok_or_else(|| KIT.error(OP, "a result is not an mlx tensor")))
                .collect()
        };
        match catch_unwind(AssertUnwindSafe(run)) {
            Ok(Ok(outs)) => Ok(outs),
            Ok(Err(e)) => Err(Exception::custom(e.to_string())),
            Err(_) => Err(Exception::custom("the compiled graph panicked")),
        }
    };
    let mut out = MlxCompiled {
        runner: Box::new(compile(traced, false)),
        inputs,
    };
    let zeros = out
        .inputs
        .iter()
        .map(|info| {
            let dtype = DTYPES.framework(&KIT, OP, info.dtype)?;
            let shape = info
                .shape
                .iter()
                .map(|&d| i32::try_from(d).map_err(|_| KIT.error(OP, "a dimension exceeds i32")))
                .collect::<Result<Vec<i32>>>()?;
            let _g = lock();
            let z = mlx_rs::ops::zeros_dtype(&shape, dtype).map_err(|e| KIT.error(OP, e))?;
            drop(_g);
            from_mlx(z)
        })
        .collect::<Result<Vec<Tensor>>>()?;
    for t in out.run(&zeros)? {
        tensorswitch::evaluate(&t)?;
    }
    Ok(out)
}

impl MlxCompiled {
    /// Runs the graph on `inputs`, mlx tensors of the traced dtypes and shapes.
    pub fn run(&mut self, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
        if inputs.len() != self.inputs.len() {
            return Err(Error::Trace {
                reason: format!(
                    "the graph takes {} input(s), got {}",
                    self.inputs.len(),
                    inputs.len()
                ),
            });
        }
        let mut arrays = Vec::with_capacity(inputs.len());
        for (i, (x, info)) in inputs.iter().zip(&self.inputs).enumerate() {
            if x.dtype() != info.dtype || x.shape() != info.shape.as_slice() {
                return Err(Error::Trace {
                    reason: format!(
                        "input {i} is {}{:?}, the graph was traced with {info}; trace it again \
                         for this signature",
                        x.dtype(),
                        x.shape()
                    ),
                });
            }
            arrays.push(to_mlx(x).ok_or_else(|| Error::Trace {
                reason: format!(
                    "input {i} is a tensor of backend `{}`; this graph runs on mlx",
                    x.backend()
                ),
            })?);
        }
        // MLX handles are made and freed under the lock, as everywhere in this crate.
        let _g = lock();
        let outs = (self.runner)(&arrays).map_err(|e| KIT.error(OP, e.what()))?;
        drop(arrays);
        outs.into_iter().map(from_mlx).collect()
    }
}
