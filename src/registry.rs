//! What backends register: a [`BackendDescriptor`] per backend and a [`Primary`] per function.
//!
//! Both are collected with `inventory`: a backend crate submits them from wherever it likes and
//! the core finds them when it builds a function table, without a central list to edit. The op
//! catalogue, by contrast, is one macro invocation (see `catalogue.rs`): it must be complete
//! and checked at compile time, which a distributed registry cannot give.

use crate::catalogue::OpFn;
use crate::dtype::DType;
use crate::table::FunctionTable;
use crate::tensor::{Device, SharedHost, Tensor};
use std::sync::OnceLock;

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
    /// Computes a tensor now, for lazy backends (see [`crate::evaluate`]); `None` for eager
    /// ones, whose tensors are always computed.
    pub evaluate: Option<fn(&Tensor) -> crate::Result<()>>,
    /// The table for the detected version, built on first use (used by inference).
    pub(crate) detected_table: OnceLock<crate::Result<&'static FunctionTable>>,
}

impl BackendDescriptor {
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
            evaluate: None,
            detected_table: OnceLock::new(),
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

/// Registers a backend (submit with [`register_backend!`](crate::register_backend)).
pub struct BackendRegistration(pub &'static BackendDescriptor);
inventory::collect!(BackendRegistration);

/// A backend's own implementation of one op, possibly for a range of framework versions.
///
/// `name` is the op's identifier (`"tril"`), optionally with a version suffix
/// (`"tril_v_0p16_and_above"`, `"tril_v_0p15_and_below"`, `"tril_v_0p12_to_0p15"`); the
/// grammar is in [`crate::version`]. Malformed names are reported when a table for the backend
/// is built, as [`Error::Registration`](crate::Error::Registration).
#[derive(Debug)]
pub struct Primary {
    /// The backend's name.
    pub backend: &'static str,
    /// The op identifier with an optional version suffix.
    pub name: &'static str,
    /// The function.
    pub func: OpFn,
}
inventory::collect!(Primary);

/// The catalogue's compositional fallback of one op, registered by the ops layer (see
/// `ops/mod.rs`): the function-table builder finds it here without importing the layer above.
#[doc(hidden)]
pub struct Fallback(pub OpFn);
inventory::collect!(Fallback);

/// Every registered backend descriptor, in registration order.
pub fn descriptors() -> impl Iterator<Item = &'static BackendDescriptor> {
    inventory::iter::<BackendRegistration>
        .into_iter()
        .map(|r| r.0)
}

/// Finds a registered backend by name.
pub fn descriptor(name: &str) -> Option<&'static BackendDescriptor> {
    descriptors().find(|d| d.name == name)
}

/// How to get a backend that is not compiled into this program (used in "unknown backend"
/// messages). The core knows no backend by name: backends are crates that register themselves
/// when linked, and docs/architecture.md lists the ones that exist.
pub(crate) fn loadable_hints() -> Vec<String> {
    vec![LOADABLE_HINT.to_string()]
}

/// See [`loadable_hints`].
pub(crate) const LOADABLE_HINT: &str = "any backend crate (docs/architecture.md lists them): add \
     it as a dependency and link it with `use <crate> as _;`";

/// Registers a backend descriptor (a `static` of type [`BackendDescriptor`]).
#[macro_export]
macro_rules! register_backend {
    ($descriptor:path) => {
        $crate::inventory::submit! {
            $crate::registry::BackendRegistration(&$descriptor)
        }
    };
}

/// Registers primaries of one backend:
///
/// ```ignore
/// tensorswitch::primaries! { "ndarray";
///     add => nd_add,                          // every version
///     tril @ "0p16_and_above" => tril_native, // a version variant
/// }
/// ```
#[macro_export]
macro_rules! primaries {
    ($backend:expr; $( $op:ident $(@ $range:literal)? => $f:expr ),* $(,)?) => {
        $(
            $crate::inventory::submit! {
                $crate::registry::Primary {
                    backend: $backend,
                    name: $crate::__variant_name!($op $(, $range)?),
                    func: $crate::OpFn::$op($f),
                }
            }
        )*
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __variant_name {
    ($op:ident) => {
        stringify!($op)
    };
    ($op:ident, $range:literal) => {
        concat!(stringify!($op), "_v_", $range)
    };
}
