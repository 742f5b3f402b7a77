//! [`Jit`]: trace and compile once per input signature, as `jax.jit` does.

use super::{trace, Compiled};
use crate::dtype::DType;
use crate::error::Result;
use crate::state;
use crate::tensor::{Device, Shape, Tensor};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// What a compiled graph is valid for: the table the inputs' op runs on (backend, version,
/// masking) and each input's dtype, shape and device.
type Signature = (usize, Vec<(DType, Shape, Device)>);

/// A function compiled per input signature. The first call with a signature traces `f` on
/// those inputs (running it eagerly once, as [`trace`] does) and compiles the graph for the
/// table the inputs would run on; every later call with the same backend, dtypes, shapes and
/// devices runs that compiled graph. A call whose trace fails returns the trace's error and
/// caches nothing.
///
/// Tensors `f` captures are constants of each graph, taken when that signature is first seen.
///
/// ```
/// use tensorswitch_ndarray as _;
/// use tensorswitch::{trace::Jit, Tensor};
///
/// # fn main() -> tensorswitch::Result<()> {
/// let f = Jit::new(|xs: &[Tensor]| Ok(vec![xs[0].exp()?.sum(None)?]));
/// let a = Tensor::from_slice(&[0.0f32, 0.0], &[2])?;
/// assert_eq!(f.call(&[a.clone()])?[0].to_vec::<f32>()?, [2.0]);
/// assert_eq!(f.call(&[a])?[0].to_vec::<f32>()?, [2.0]);
/// assert_eq!(f.compiled_signatures(), 1);
/// # Ok(())
/// # }
/// ```
pub struct Jit<F> {
    f: F,
    cache: Mutex<HashMap<Signature, Arc<Compiled>>>,
}

impl<F> Jit<F>
where
    F: Fn(&[Tensor]) -> Result<Vec<Tensor>>,
{
    /// Wraps `f`; nothing is traced until the first call.
    pub fn new(f: F) -> Jit<F> {
        Jit {
            f,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Runs `f` on `inputs` through the graph compiled for their signature, tracing and
    /// compiling it first if this signature is new.
    pub fn call(&self, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
        let refs: Vec<&Tensor> = inputs.iter().collect();
        let table = state::resolve("jit", &refs)?;
        let key: Signature = (
            table as *const _ as usize,
            inputs
                .iter()
                .map(|t| (t.dtype(), Shape::from_slice(t.shape()), t.device()))
                .collect(),
        );
        let cached = self.lock().get(&key).cloned();
        let compiled = match cached {
            Some(c) => c,
            None => {
                // Traced and compiled outside the lock: `f` may take long, and another
                // thread with the same signature then compiles its own copy (the first one
                // stored is kept).
                let c = Arc::new(trace(inputs, &self.f)?.compile_on(table)?);
                self.lock().entry(key).or_insert(c).clone()
            }
        };
        compiled.run(inputs)
    }

    /// How many signatures have a compiled graph.
    pub fn compiled_signatures(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Signature, Arc<Compiled>>> {
        // A panic in another call cannot leave the map half-written (inserts are single
        // calls), so a poisoned lock is still usable.
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<F> std::fmt::Debug for Jit<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.cache.lock().map(|c| c.len()).unwrap_or(0);
        f.debug_struct("Jit")
            .field("compiled_signatures", &n)
            .finish()
    }
}
