//! What a tensor knows about its backend: the [`BackendDescriptor`] every tensor points to,
//! which a backend registers (see [`crate::registry`]).

use super::{Device, SharedHost, Tensor};
use crate::dtype::DType;
use std::any::Any;
use std::sync::OnceLock;

/// Hands an int64 tensor's elements, row-major, to a callback where they are; `false` when it
/// cannot (see [`BackendDescriptor::read_i64`]).
pub type ReadI64 = fn(&Tensor, &mut dyn FnMut(&[i64])) -> bool;

/// Describes one backend: its name, how to find its framework's version, and which dtypes it
/// lacks in which versions.
pub struct BackendDescriptor {
    /// The name users pass to `set_backend` (`"ndarray"`, `"torch"`, `"mlx"`).
    pub name: &'static str,
    /// The framework behind it, for messages (`"ndarray (Rust crate)"`).
    pub framework: &'static str,
    /// Detects the framework version actually in use; `Err` says why the backend cannot run.
    pub detect_version: fn() -> Result<String, String>,
    /// Dtypes the backend does not support, per version range. Each entry is a range in the
    /// variant grammar without the op (`"all"`, `"0p16_and_below"`, `"2p1_to_2p3"`) and the
    /// dtypes unsupported there; entries add up.
    pub unsupported_dtypes: &'static [(&'static str, &'static [DType])],
    /// Lists the devices the backend can use here.
    pub devices: fn() -> Vec<Device>,
    /// The largest dimension size the framework's shapes hold (MLX's are 32-bit). The core
    /// refuses a larger result with [`Error::UnsupportedShape`](crate::Error::UnsupportedShape)
    /// before dispatch.
    pub max_dim: usize,
    /// Lends a CPU tensor's memory to another backend (see [`SharedHost`] for the contract);
    /// `None` when this tensor cannot be shared.
    pub share_host: Option<fn(&Tensor) -> Option<SharedHost>>,
    /// Wraps memory lent by another backend without copying; `Err` makes the core copy
    /// instead.
    ///
    /// # Safety
    /// The caller passes a [`SharedHost`] that honours its contract.
    pub import_shared_host: Option<unsafe fn(SharedHost) -> crate::Result<Tensor>>,
    /// Hands an int64 tensor's elements, row-major, to the callback where they are (no copy)
    /// and returns `true`; `false` when it cannot (another dtype, a strided or device tensor).
    /// The core reads index tensors this way to check them (`take`, indexing).
    pub read_i64: Option<ReadI64>,
    /// The backend's `take` primary checks int64 indices itself, where it reads them: it
    /// takes any index in `-size..size` (negative ones counting from the end, as in NumPy) and
    /// returns [`Error::IndexOutOfRange`](crate::Error::IndexOutOfRange) with op `"take"`, the
    /// index as given, the axis and the size for any other, never reading out of bounds. The
    /// core then hands int64 indices to that primary unread instead of reading every index
    /// first (a fallback, a masked primary, or another dtype still gets checked indices).
    pub take_checks_indices: bool,
    /// Computes a tensor now, for lazy backends (see [`crate::evaluate`]); `None` for eager
    /// ones, whose tensors are always computed.
    pub evaluate: Option<fn(&Tensor) -> crate::Result<()>>,
    /// The function table for the detected version, built on first use (used by inference),
    /// one per copy of the core: `[0]` for a program's, `[1]` for a plugin's. A plugin that
    /// shares tensor blocks with its host reads the host's descriptor of its backend, whose
    /// `[0]` holds the host's table (of calls across the boundary) and `[1]` the plugin's own
    /// (see [`BackendDescriptor::detected_slot`]). Typed `Any` because tables live in a layer
    /// above the tensor's; `table::detected_table` puts a `FunctionTable` here and reads it
    /// back.
    pub(crate) detected_table: [OnceLock<crate::Result<&'static (dyn Any + Send + Sync)>>; 2],
}

impl BackendDescriptor {
    /// This copy of the core's cache of the detected table.
    #[inline(always)]
    pub(crate) fn detected_slot(
        &self,
    ) -> &OnceLock<crate::Result<&'static (dyn Any + Send + Sync)>> {
        &self.detected_table[crate::tensor::live::serves_plugin() as usize]
    }

    /// A descriptor with no unsupported dtypes and only the CPU device.
    pub const fn new(
        name: &'static str,
        framework: &'static str,
        detect_version: fn() -> Result<String, String>,
    ) -> BackendDescriptor {
        BackendDescriptor {
            name,
            framework,
            detect_version,
            unsupported_dtypes: &[],
            devices: cpu_only,
            max_dim: crate::alloc::MAX_DIM,
            share_host: None,
            import_shared_host: None,
            read_i64: None,
            take_checks_indices: false,
            evaluate: None,
            detected_table: [OnceLock::new(), OnceLock::new()],
        }
    }

    /// Declares unsupported dtypes per version range.
    pub const fn with_unsupported_dtypes(
        mut self,
        table: &'static [(&'static str, &'static [DType])],
    ) -> BackendDescriptor {
        self.unsupported_dtypes = table;
        self
    }

    /// Declares how this backend lends and borrows CPU memory for zero-copy `to_backend`.
    pub const fn with_host_sharing(
        mut self,
        share: Option<fn(&Tensor) -> Option<SharedHost>>,
        import: Option<unsafe fn(SharedHost) -> crate::Result<Tensor>>,
    ) -> BackendDescriptor {
        self.share_host = share;
        self.import_shared_host = import;
        self
    }

    /// Declares how to read an int64 tensor's elements in place (see `read_i64`).
    pub const fn with_i64_reader(mut self, read: ReadI64) -> BackendDescriptor {
        self.read_i64 = Some(read);
        self
    }

    /// Declares that the backend's `take` primary checks its int64 indices itself (see
    /// `take_checks_indices`; the conformance suite's error cases hold it to that).
    pub const fn with_take_checking_indices(mut self) -> BackendDescriptor {
        self.take_checks_indices = true;
        self
    }

    /// Declares the backend lazy, with how to compute a tensor now (see [`crate::evaluate`]).
    pub const fn with_evaluate(mut self, evaluate: fn(&Tensor) -> crate::Result<()>) -> Self {
        self.evaluate = Some(evaluate);
        self
    }

    /// Declares the largest dimension size the framework's shapes hold (default
    /// [`MAX_DIM`](crate::alloc::MAX_DIM), what every shape tensorswitch accepts fits).
    pub const fn with_max_dim(mut self, max_dim: usize) -> BackendDescriptor {
        self.max_dim = max_dim;
        self
    }

    /// Declares how to list devices.
    pub const fn with_devices(mut self, devices: fn() -> Vec<Device>) -> BackendDescriptor {
        self.devices = devices;
        self
    }
}

impl std::fmt::Debug for BackendDescriptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackendDescriptor")
            .field("name", &self.name)
            .field("framework", &self.framework)
            .finish_non_exhaustive()
    }
}

fn cpu_only() -> Vec<Device> {
    vec![Device::Cpu]
}
