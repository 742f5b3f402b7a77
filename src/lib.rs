//! # tensorswitch
//!
//! Write tensor code once; pick the array framework that runs it at run time.
//!
//! Ops are named as in the Python Array API standard ([`add`], [`matmul`], [`sum`],
//! [`linalg::inv`], …). Each backend (the pure-Rust `ndarray` backend, libtorch, MLX) registers
//! *primary* functions for the ops it implements; ops it lacks are filled by *compositional*
//! fallbacks written with other ops. [`set_backend`] pushes a backend's function table on a
//! process-wide stack; with an empty stack the backend is inferred from the input tensors. The
//! full precedence rule is in [`state`].
//!
//! ```
//! use tensorswitch_ndarray as _; // links the ndarray backend
//! use tensorswitch::{add, set_backend, previous_backend, DType, Tensor};
//!
//! # fn main() -> tensorswitch::Result<()> {
//! let a = Tensor::from_slice(&[1.0f32, 2.0, 3.0], &[3])?; // implicit default: ndarray
//! let b = tensorswitch::ones(&[3], DType::Float32)?;
//! set_backend("ndarray")?;
//! assert_eq!(add(&a, &b)?.to_vec::<f32>()?, vec![2.0, 3.0, 4.0]);
//! assert_eq!(previous_backend()?.name(), "ndarray");
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]
// Unsafe code lives only where it is allowed by name below: the handle and its dims (the
// tensor's memory layout), the read sections and registry of dynamic tensors (`tensor::live`),
// the lock-free read of the stack's top, and `SharedHost`'s Send/Sync.
#![deny(unsafe_code)]

pub mod alloc;
pub mod auto;
pub mod build_info;
pub mod call;
pub mod catalogue;
pub mod config;
pub mod custom;
pub mod custom_registry;
pub mod dtype;
pub mod dynamic;
pub mod error;
pub mod fused;
pub mod index;
pub mod kit;
pub mod ops;
// The plugin boundary: `#[repr(C)]` types, raw pointers and the loader (see plugin/abi.rs).
#[allow(unsafe_code)]
pub mod plugin;
pub mod random;
pub mod registry;
pub mod sets;
pub mod state;
pub mod table;
pub mod tensor;
pub mod trace;
pub mod version;

pub use auto::{auto_select_backend, auto_select_backend_from, Candidate, Selection};
pub use call::{
    ArgReduction, AttrValue, Axes, Bound, CumulativeSum, NoAttrs, OpCall, Output, Reduction,
    Repeats, SearchSide, Shift, Side, SliceSpec, Slicing, Sorting, Statistic, TensordotAxes,
};
pub use catalogue::{AxisSlice, Group, Op, OpFn};
pub use config::Config;
pub use dtype::{DType, Element, HostData, Scalar, DEFAULT_FLOAT, DEFAULT_INT, DEFAULT_UINT};
pub use error::{Error, Result, Unmoved};
pub use index::{nonzero, At, IndexItem, NewAxis};
pub use ops::*;
pub use plugin::{backend_status, backend_statuses, load_backend_plugin, load_backend_plugin_as};
pub use registry::Primary;
pub use semver::Version;
pub use sets::{
    unique_all, unique_counts, unique_inverse, unique_values, UniqueAll, UniqueCounts,
    UniqueInverse,
};
pub use state::{
    available_backends, backend_stack, backend_version, current_backend, default_device,
    function_table_report, function_table_report_for_version, implicit_default_backend,
    previous_backend, resolve_backend, set_backend, set_backend_to_specific_version, unset_backend,
    with_backend, with_backend_masked, with_backend_version, with_device, Backend,
};
pub use table::{validate_registrations, CoverageReport, CustomRow, FunctionTable, Source};
pub use tensor::{BackendDescriptor, Device, Native, Shape, SharedHost, Tensor};
pub use trace::{trace, trace_with_constants, Compiled, Graph};

#[doc(hidden)]
pub use inventory;
#[doc(hidden)]
pub use linkme;
