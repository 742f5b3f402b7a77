//! What backends register: a [`BackendDescriptor`] per backend and a [`Primary`] per function.
//!
//! Both are collected with `inventory`: a backend crate submits them from wherever it likes and
//! the core finds them when it builds a function table, without a central list to edit. The op
//! catalogue, by contrast, is one macro invocation (see `catalogue.rs`): it must be complete
//! and checked at compile time, which a distributed registry cannot give.

use crate::catalogue::OpFn;
pub use crate::tensor::BackendDescriptor;

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

/// Auto-selection's choice for a process configured with `backend = "auto"` (the backend and
/// its device), registered by the `auto` module: the backend stack reads it here without
/// importing the layer above.
#[doc(hidden)]
pub struct AutoSelector(pub fn() -> crate::Result<(&'static str, crate::tensor::Device)>);
inventory::collect!(AutoSelector);

/// Every backend descriptor compiled into this program, in registration order (those loaded
/// from plugins are in [`crate::plugin::all_descriptors`]).
pub fn descriptors() -> impl Iterator<Item = &'static BackendDescriptor> {
    inventory::iter::<BackendRegistration>
        .into_iter()
        .map(|r| r.0)
}

/// Finds a backend compiled into this program by name.
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
                    func: $crate::OpFn::$op($crate::catalogue::Slot::new($f)),
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
