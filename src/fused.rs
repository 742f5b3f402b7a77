//! Fused elementwise programs: the backend-neutral description a compiled graph hands to a
//! backend that can run a chain of elementwise ops in one pass over its data.
//!
//! [`Graph::compile`](crate::Graph::compile) groups elementwise nodes whose results all have
//! one shape into a [`FusedProgram`] (see docs/architecture.md, "The tracer"): values in
//! single-assignment form, the program's inputs first (loaded, broadcast to the program's
//! shape), then one value per instruction. A backend that registers a [`FuseHook`]
//! ([`register_fuse!`](crate::register_fuse)) says which ops it can fuse and builds a
//! [`FusedKernel`] for the program; backends without one run graphs node by node. A kernel must compute exactly what the table's slots would,
//! value for value: fusion changes how data moves, never the results.

use crate::catalogue::Op;
use crate::dtype::DType;
use crate::error::Result;
use crate::tensor::Tensor;

/// One instruction: `op` applied to earlier values, giving a value of `dtype`.
#[derive(Clone, Debug, PartialEq)]
pub struct FusedInstr {
    /// The catalogue op.
    pub op: Op,
    /// The name the table's primary for `op` was registered under (`"add"`, or a version
    /// variant such as `"expm1_v_0p17_and_above"`): fused ops are always primaries.
    pub variant: &'static str,
    /// The values it reads, in the slot's order (indices into the program's values).
    pub args: Vec<usize>,
    /// For `astype`, the dtype cast to.
    pub cast: Option<DType>,
    /// The dtype of its result.
    pub dtype: DType,
}

/// A chain of elementwise ops over one shape. Values `0..inputs.len()` are the inputs (each
/// broadcasts to `shape`); value `inputs.len() + i` is the result of `instrs[i]`, of `shape`.
#[derive(Clone, Debug, PartialEq)]
pub struct FusedProgram {
    /// The shape every instruction computes.
    pub shape: Vec<usize>,
    /// Each input's dtype and shape (a shape that broadcasts to `shape`).
    pub inputs: Vec<(DType, Vec<usize>)>,
    /// The instructions, in order; each reads inputs and earlier instructions only.
    pub instrs: Vec<FusedInstr>,
    /// The values the program returns (instruction results), in order.
    pub outputs: Vec<usize>,
}

impl FusedProgram {
    /// The dtype of value `v`.
    pub fn dtype(&self, v: usize) -> DType {
        match v.checked_sub(self.inputs.len()) {
            None => self.inputs[v].0,
            Some(i) => self.instrs[i].dtype,
        }
    }
}

/// A compiled fused program of one backend: run on the program's inputs (tensors of the
/// backend with the program's input dtypes and shapes), it returns the program's outputs.
pub trait FusedKernel: Send + Sync {
    /// Runs the program once.
    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>>;
}

/// What a backend declares to run fused programs.
#[derive(Clone, Copy)]
pub struct FuseHook {
    /// Whether the backend fuses `op` (its primary registered as `variant`) with these input
    /// dtypes, result dtype and, for `astype`, target dtype.
    pub supports: fn(op: Op, variant: &str, inputs: &[DType], out: DType) -> bool,
    /// Builds the kernel of a program whose every instruction `supports` accepted; `Err`
    /// makes the graph run those nodes one by one.
    pub compile: fn(&FusedProgram) -> Result<Box<dyn FusedKernel>>,
}

impl std::fmt::Debug for FuseHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FuseHook")
    }
}

/// A backend's [`FuseHook`], registered with [`register_fuse!`](crate::register_fuse) (with
/// `inventory`, as primaries are, so the descriptor's layer need not know fused programs).
pub struct FuseRegistration {
    /// The backend's name.
    pub backend: &'static str,
    /// Its hook.
    pub hook: &'static FuseHook,
}
inventory::collect!(FuseRegistration);

/// The hook registered for `backend`, if any.
pub fn hook(backend: &str) -> Option<&'static FuseHook> {
    inventory::iter::<FuseRegistration>
        .into_iter()
        .find(|r| r.backend == backend)
        .map(|r| r.hook)
}

/// Registers a backend's fuse hook: `register_fuse!("ndarray", HOOK)` with `HOOK` a `static`
/// [`FuseHook`].
#[macro_export]
macro_rules! register_fuse {
    ($backend:expr, $hook:path) => {
        $crate::inventory::submit! {
            $crate::fused::FuseRegistration { backend: $backend, hook: &$hook }
        }
    };
}
