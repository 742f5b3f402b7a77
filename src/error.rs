//! The one error type of tensorswitch.
//!
//! Every misuse returns one of these variants and leaves all state (the backend stack, the
//! table cache, the tensors passed in) unchanged. Each variant carries what a caller needs to
//! fix the call.

use crate::dtype::DType;
use std::fmt;

/// A convenient alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in tensorswitch.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ----- backends and the backend stack -----
    /// No backend of that name is compiled in or registered.
    #[error("unknown backend `{name}`{source_note}; compiled-in backends: {known}; loadable: {loadable}", known = list(known), loadable = list(loadable), source_note = from.map(|f| format!(" (from {f})")).unwrap_or_default())]
    UnknownBackend {
        /// The name asked for.
        name: String,
        /// Where the name came from when not from the caller (e.g. `TENSORSWITCH_BACKEND`).
        from: Option<&'static str>,
        /// The backends registered in this program.
        known: Vec<String>,
        /// Backends that exist for tensorswitch but are not linked into this program, and how
        /// to get them.
        loadable: Vec<String>,
    },
    /// The backend exists but cannot run here (its framework is missing or broken).
    #[error("backend `{name}` is unavailable: {reason}")]
    BackendUnavailable {
        /// The backend.
        name: String,
        /// Why, and what to do about it.
        reason: String,
    },
    /// `previous_backend()` on an empty stack.
    #[error("the backend stack is empty: there is no backend to pop (call set_backend first)")]
    EmptyBackendStack,
    /// A call mixed tensors of several backends while no backend was set.
    #[error("`{op}` got tensors from several backends ({}) while no backend is set; convert them with to_backend or set a backend", list(backends))]
    MixedBackends {
        /// The op.
        op: &'static str,
        /// The backends of the inputs, in argument order, without repeats.
        backends: Vec<String>,
    },
    /// A tensor of one backend was passed while another backend is active.
    #[error("`{op}` runs on backend `{active}` but got a tensor of backend `{tensor}`; convert it with to_backend(\"{active}\") or switch backends")]
    ForeignTensor {
        /// The op.
        op: &'static str,
        /// The active backend.
        active: String,
        /// The tensor's backend.
        tensor: String,
    },
    /// A converting switch could not move every live dynamic tensor; nothing was converted
    /// and the backend stack is as it was (see [`crate::dynamic`]).
    #[error("switching dynamic tensors to backend `{target}` failed: {} tensor(s) of {live} could not move ({}); nothing was converted and the backend stack is unchanged. Convert or drop those tensors, turn their dynamic flag off (Tensor::set_dynamic_backend(false)), or switch with Conversion::BestEffort", unmoved.len(), unmoved.iter().map(|u| u.to_string()).collect::<Vec<_>>().join("; "))]
    DynamicConversion {
        /// The backend the tensors were to move to.
        target: String,
        /// How many live dynamic tensors the switch found.
        live: usize,
        /// The tensors that could not move, and why.
        unmoved: Vec<Unmoved>,
    },
    /// A converting switch was asked for by a thread that holds a native reference
    /// ([`crate::Tensor::native`]) or is inside an op; it would wait for itself.
    #[error("a converting backend switch was called while this thread holds a `Tensor::native` guard or runs inside an op; drop the guard first")]
    SwitchInsideSection,
    /// A registration problem found when building a backend's function table.
    #[error("backend `{backend}` has invalid registrations: {}", problems.join("; "))]
    Registration {
        /// The backend.
        backend: String,
        /// One line per problem.
        problems: Vec<String>,
    },
    /// Two or more crates (or modules) declare a custom op of the same name
    /// ([`crate::custom_op!`]): calls of that name fail rather than pick one.
    #[error("the custom op `{name}` is declared more than once: by {}; custom ops share one namespace, so rename all but one of them", declarations.join(" and by "))]
    CustomOpConflict {
        /// The op's name.
        name: &'static str,
        /// Each declaration: its crate and module.
        declarations: Vec<String>,
    },
    /// A version string that could not be understood.
    #[error("invalid version `{input}`: {reason}")]
    InvalidVersion {
        /// The text.
        input: String,
        /// What was wrong and what was expected.
        reason: String,
    },

    // ----- ops -----
    /// The op has no primary and no compositional fallback on this backend and version.
    #[error("`{op}` is not supported by backend `{backend}` {version}: it has no primary for this version and no compositional fallback")]
    Unsupported {
        /// The op.
        op: &'static str,
        /// The backend.
        backend: String,
        /// The framework version the table was built for.
        version: String,
    },
    /// The backend (at this version) does not support the dtype.
    #[error("`{op}`: backend `{backend}` {version} does not support dtype {dtype}; supported here: {}; convert with astype or use another backend", list(supported))]
    UnsupportedDType {
        /// The op.
        op: &'static str,
        /// The dtype.
        dtype: DType,
        /// The backend.
        backend: String,
        /// The framework version.
        version: String,
        /// The dtypes this backend supports at this version.
        supported: Vec<String>,
    },
    /// The backend's shapes cannot hold a dimension this large (MLX's shapes are 32-bit).
    #[error("`{op}`: backend `{backend}` holds dimensions up to {max_dim}, and the result would have shape {shape:?}; use another backend for tensors this large")]
    UnsupportedShape {
        /// The op.
        op: &'static str,
        /// The backend.
        backend: String,
        /// The result's shape.
        shape: Vec<usize>,
        /// The largest dimension size the backend holds.
        max_dim: usize,
    },
    /// The op is not defined for the dtype (by the standard's rules), on any backend.
    #[error("`{op}` does not accept dtype {dtype}: expected {expected}")]
    InvalidDType {
        /// The op.
        op: &'static str,
        /// The dtype given.
        dtype: DType,
        /// What the op accepts.
        expected: &'static str,
    },
    /// Two dtypes with no common dtype (a signed integer with uint64).
    #[error("`{op}`: dtypes {lhs} and {rhs} have no common dtype; cast one with astype first")]
    NoPromotion {
        /// The op.
        op: &'static str,
        /// Left dtype.
        lhs: DType,
        /// Right dtype.
        rhs: DType,
    },
    /// Shapes that do not fit together (broadcasting, matmul, concat …).
    #[error("`{op}`: shapes {lhs:?} and {rhs:?} do not fit: {reason}")]
    ShapeMismatch {
        /// The op.
        op: &'static str,
        /// First shape.
        lhs: Vec<usize>,
        /// Second shape.
        rhs: Vec<usize>,
        /// The rule they break.
        reason: String,
    },
    /// A shape argument that is invalid on its own (wrong element count for reshape …).
    #[error("`{op}`: invalid shape: {reason}")]
    InvalidShape {
        /// The op.
        op: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// An axis outside `-ndim..ndim`, or given twice.
    #[error("`{op}`: axis {axis} is out of range for a tensor with {ndim} dimensions (valid: {}..{ndim})", -(*ndim as i64))]
    AxisOutOfRange {
        /// The op.
        op: &'static str,
        /// The axis given.
        axis: isize,
        /// The number of dimensions.
        ndim: usize,
    },
    /// An index outside a dimension (`-size..size`, negative ones counting from the end).
    #[error("`{op}`: index {index} is out of range for axis {axis} of size {size} (valid: {}..{size})", -(*size as i128))]
    IndexOutOfRange {
        /// The op.
        op: &'static str,
        /// The index given.
        index: i64,
        /// The axis it indexes (of the tensor indexed; for flat indices, 0).
        axis: usize,
        /// The size of that axis.
        size: usize,
    },
    /// Any other invalid argument.
    #[error("`{op}`: {reason}")]
    InvalidArgument {
        /// The op.
        op: &'static str,
        /// What was wrong and what was expected.
        reason: String,
    },
    /// `to_vec::<T>()` with a `T` that is not the tensor's element type.
    #[error("to_vec: the tensor holds {actual} elements, not {requested}; convert with astype({requested}) first")]
    ElementType {
        /// The tensor's dtype.
        actual: DType,
        /// The dtype of the requested element type.
        requested: DType,
    },
    /// A call mixed tensors on several devices.
    #[error("`{op}` got tensors on several devices ({}); move them to one device with to_device first", devices.join(", "))]
    DeviceMismatch {
        /// The op.
        op: &'static str,
        /// The devices of the inputs, in argument order, without repeats.
        devices: Vec<String>,
    },
    /// The device does not exist or cannot be used.
    #[error("device error: {0}")]
    Device(String),
    /// A configuration value (environment variable or `tensorswitch.toml`, see
    /// [`crate::config`]) that is not accepted.
    #[error("bad configuration in {origin}: `{key}` = {value} is not accepted; accepted values: {accepted}")]
    Config {
        /// Where the value came from: the environment variable or the file's path.
        origin: String,
        /// The key (`backend`, `device`, …; for an environment variable, the variable).
        key: String,
        /// The value as written.
        value: String,
        /// What would be accepted, and what was wrong where that says more.
        accepted: String,
    },
    /// A result (or a buffer an op needs) could not be allocated: the machine is out of memory
    /// or a memory limit (`ulimit -v`, a container's) is in force. Nothing was changed.
    #[error("`{op}`: could not allocate {bytes} bytes: out of memory or over a memory limit; use a smaller shape or dtype, or free memory")]
    OutOfMemory {
        /// The op.
        op: &'static str,
        /// The size of the allocation that failed.
        bytes: usize,
    },
    /// Something a traced function did cannot be recorded in a graph, or a compiled graph was
    /// given inputs or constants that differ from the traced ones (see [`crate::trace`](mod@crate::trace)).
    #[error("trace: {reason}")]
    Trace {
        /// What was wrong and what to do instead.
        reason: String,
    },
    /// An error reported by the framework itself.
    #[error("backend `{backend}` failed in `{op}`: {message}")]
    Backend {
        /// The backend.
        backend: String,
        /// The op.
        op: &'static str,
        /// The framework's message.
        message: String,
    },
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items.join(", ")
    }
}

/// A short form for "the framework said …" errors raised inside backends.
pub fn backend_error(backend: &str, op: &'static str, message: impl fmt::Display) -> Error {
    Error::Backend {
        backend: backend.to_string(),
        op,
        message: message.to_string(),
    }
}

/// A dynamic tensor a converting switch could not move (see [`Error::DynamicConversion`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Unmoved {
    /// Its dtype.
    pub dtype: crate::dtype::DType,
    /// Its shape.
    pub shape: Vec<usize>,
    /// The backend it is on (and stays on).
    pub backend: &'static str,
    /// Its device, as text (`cpu`, `cuda:0`, …).
    pub device: String,
    /// Why it could not move.
    pub reason: String,
}

impl std::fmt::Display for Unmoved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {:?} on {} ({}): {}",
            self.dtype, self.shape, self.backend, self.device, self.reason
        )
    }
}

/// The message a panic was raised with (`panic!`'s text), for the errors panics become.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string())
}
