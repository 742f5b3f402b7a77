//! Users' own ops, as registered: the declarations [`custom_op!`](crate::custom_op) writes and
//! the native versions [`custom_natives!`](crate::custom_natives) writes, collected with
//! `linkme` distributed slices, and the per-table side table that picks, for each declared op,
//! a native version or the op's composition.
//!
//! The catalogue is closed (one macro, a struct of slots, checked by the compiler); custom ops
//! are open by nature: any crate may declare one, so they are collected at link time. Where
//! they are dispatched from is [`crate::custom`]; docs/architecture.md ("Custom ops") explains
//! the design.
//!
//! The slices cannot be read from the core's unit tests: that test binary links two copies of
//! the core (the test build, and the one its ndarray dev-dependency links), whose slices share
//! a section name, and `linkme` panics on that (`duplicate #[distributed_slice]`). Tables
//! therefore build their side table lazily, at the first custom call or report; custom ops
//! are tested from integration tests (`tests/custom.rs`) and the fixture crate.

use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::tensor::Tensor;
use crate::version::{split_variant_name, VersionRange};
use semver::Version;
use std::any::{Any, TypeId};
use std::fmt;

/// One custom op's declaration (written by [`custom_op!`](crate::custom_op)).
#[derive(Debug)]
pub struct CustomOp {
    /// The op's name (the declared function's name).
    pub name: &'static str,
    /// The declaring crate (`CARGO_PKG_NAME` where it was declared).
    pub krate: &'static str,
    /// The module the declaration is in.
    pub module: &'static str,
    /// The signature as written: tensors, then plain attributes after `;`.
    pub signature: &'static str,
    /// The `TypeId` of the op's native function type (`<op>::Native`): native versions are
    /// checked against it when a table is built.
    pub native_type: fn() -> TypeId,
    /// The tensor parameters' names, in order.
    pub inputs: &'static [&'static str],
    /// The plain attributes' names, in order.
    pub attrs: &'static [&'static str],
    /// Calls the op from a traced node's data: a native version (a `<op>::Native`) or, for
    /// `None`, the composition, with the node's inputs and attributes (not pinned to a table,
    /// no panics caught: the tracer's callers do that).
    pub call: CustomCall,
}

/// The type of [`CustomOp::call`].
pub type CustomCall =
    fn(Option<&'static (dyn Any + Send + Sync)>, &[&Tensor], &[Attr]) -> Result<Tensor>;

/// How a tracer's tracing table records a custom call (see [`CustomMode::Record`]).
pub(crate) type RecordFn = fn(&'static CustomOp, &[&Tensor], Vec<Attr>) -> Result<Tensor>;

/// A plain attribute of a custom op as data: how a traced node holds it (and a graph file
/// writes it). [`CustomAttr`] converts the attribute types to and from it.
#[derive(Clone, Debug, PartialEq)]
pub enum Attr {
    /// A `bool`.
    Bool(bool),
    /// A signed integer.
    Int(i64),
    /// An unsigned integer.
    UInt(u64),
    /// A float (`f32` widened exactly).
    Float(f64),
    /// A [`DType`].
    DType(DType),
    /// A `String`.
    Str(String),
    /// `None` of an `Option`.
    None,
    /// A `Vec`.
    List(Vec<Attr>),
}

impl fmt::Display for Attr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Attr::Bool(b) => write!(f, "{b}"),
            Attr::Int(i) => write!(f, "{i}"),
            Attr::UInt(u) => write!(f, "{u}"),
            Attr::Float(x) => write!(f, "{x:?}"),
            Attr::DType(d) => write!(f, "{d}"),
            Attr::Str(s) => write!(f, "{s:?}"),
            Attr::None => f.write_str("None"),
            Attr::List(v) => {
                f.write_str("[")?;
                for (i, a) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                }
                f.write_str("]")
            }
        }
    }
}

/// A type a custom op's attribute may have: convertible to an [`Attr`] and back, exactly
/// (`from_attr(&x.to_attr())` is `x`).
pub trait CustomAttr: Sized {
    /// What the attribute must be, for errors (`"a float"`).
    const EXPECTED: &'static str;
    /// The value as data.
    fn to_attr(&self) -> Attr;
    /// The value of `a`, or `None` when `a` is not of this type (or out of its range).
    fn from_attr(a: &Attr) -> Option<Self>;
}

impl CustomAttr for bool {
    const EXPECTED: &'static str = "a bool";
    fn to_attr(&self) -> Attr {
        Attr::Bool(*self)
    }
    fn from_attr(a: &Attr) -> Option<bool> {
        match a {
            Attr::Bool(b) => Some(*b),
            _ => None,
        }
    }
}

macro_rules! int_attr {
    ($($t:ty => $variant:ident),*) => {$(
        impl CustomAttr for $t {
            const EXPECTED: &'static str = concat!("an integer in ", stringify!($t), "'s range");
            fn to_attr(&self) -> Attr {
                Attr::$variant((*self).try_into().unwrap_or_default())
            }
            fn from_attr(a: &Attr) -> Option<$t> {
                match a {
                    Attr::Int(i) => (*i).try_into().ok(),
                    Attr::UInt(u) => (*u).try_into().ok(),
                    _ => None,
                }
            }
        }
    )*};
}

int_attr!(i8 => Int, i16 => Int, i32 => Int, i64 => Int, isize => Int,
    u8 => UInt, u16 => UInt, u32 => UInt, u64 => UInt, usize => UInt);

impl CustomAttr for f64 {
    const EXPECTED: &'static str = "a float";
    fn to_attr(&self) -> Attr {
        Attr::Float(*self)
    }
    fn from_attr(a: &Attr) -> Option<f64> {
        match a {
            Attr::Float(x) => Some(*x),
            _ => None,
        }
    }
}

impl CustomAttr for f32 {
    const EXPECTED: &'static str = "a float32 (a number float32 holds exactly)";
    fn to_attr(&self) -> Attr {
        Attr::Float(f64::from(*self))
    }
    fn from_attr(a: &Attr) -> Option<f32> {
        match a {
            // Exact only: a float32 widened, or a NaN.
            Attr::Float(x) if x.is_nan() || f64::from(*x as f32) == *x => Some(*x as f32),
            _ => None,
        }
    }
}

impl CustomAttr for DType {
    const EXPECTED: &'static str = "a dtype";
    fn to_attr(&self) -> Attr {
        Attr::DType(*self)
    }
    fn from_attr(a: &Attr) -> Option<DType> {
        match a {
            Attr::DType(d) => Some(*d),
            _ => None,
        }
    }
}

impl CustomAttr for String {
    const EXPECTED: &'static str = "a string";
    fn to_attr(&self) -> Attr {
        Attr::Str(self.clone())
    }
    fn from_attr(a: &Attr) -> Option<String> {
        match a {
            Attr::Str(s) => Some(s.clone()),
            _ => None,
        }
    }
}

impl<T: CustomAttr> CustomAttr for Option<T> {
    const EXPECTED: &'static str = "None or a value";
    fn to_attr(&self) -> Attr {
        match self {
            Some(x) => x.to_attr(),
            None => Attr::None,
        }
    }
    fn from_attr(a: &Attr) -> Option<Option<T>> {
        match a {
            Attr::None => Some(None),
            a => T::from_attr(a).map(Some),
        }
    }
}

impl<T: CustomAttr> CustomAttr for Vec<T> {
    const EXPECTED: &'static str = "a list";
    fn to_attr(&self) -> Attr {
        Attr::List(self.iter().map(T::to_attr).collect())
    }
    fn from_attr(a: &Attr) -> Option<Vec<T>> {
        match a {
            Attr::List(v) => v.iter().map(T::from_attr).collect(),
            _ => None,
        }
    }
}

/// Every custom op declared in the program.
#[linkme::distributed_slice]
pub static CUSTOM_OPS: [CustomOp];

/// A backend's native version of a custom op, possibly for a range of framework versions
/// (written by [`custom_natives!`](crate::custom_natives), in the backend's crate or any
/// other).
pub struct CustomNative {
    /// The op it implements.
    pub op: &'static CustomOp,
    /// The backend's name.
    pub backend: &'static str,
    /// The op's name with an optional version suffix (`rms_norm_v_2p4_and_above`), as for
    /// catalogue primaries (grammar in [`crate::version`]).
    pub name: &'static str,
    /// The function, a `<op>::Native` (checked against [`CustomOp::native_type`]).
    pub func: &'static (dyn Any + Send + Sync),
    /// The registering crate.
    pub krate: &'static str,
}

/// Every native version of a custom op registered in the program.
#[linkme::distributed_slice]
pub static CUSTOM_NATIVES: [CustomNative];

/// `TypeId::of::<T>` as a function pointer (for [`CustomOp::native_type`]).
#[doc(hidden)]
pub fn type_id_of<T: 'static>() -> TypeId {
    TypeId::of::<T>()
}

/// The position of a declaration in [`CUSTOM_OPS`]. A declaration is an element of the
/// slice, so its address gives it; the entry it finds is checked by the caller.
#[inline(always)]
pub(crate) fn index_of(op: &'static CustomOp) -> usize {
    let base = CUSTOM_OPS.as_ptr() as usize;
    (op as *const CustomOp as usize).wrapping_sub(base) / std::mem::size_of::<CustomOp>()
}

/// What a table runs for one custom op.
pub(crate) enum CustomPick {
    /// A native version, with its registered name.
    Native(&'static (dyn Any + Send + Sync), &'static str),
    /// The op's composition.
    Composition,
    /// Calls are recorded as one node of the trace in progress (tracing tables).
    Record,
    /// Calls fail with this error (two crates declare the name, or the natives registered
    /// for this backend are invalid).
    Failed(Error),
}

/// One entry of a table's side table: the declaration it belongs to and what runs.
pub(crate) struct CustomEntry {
    pub(crate) op: &'static CustomOp,
    pub(crate) pick: CustomPick,
}

/// How a table's custom ops are picked.
#[derive(Clone, Copy)]
pub(crate) enum CustomMode {
    /// Natives where registered for the version, else compositions.
    Natives,
    /// Compositions only (masked tables).
    Compositions,
    /// Every call recorded as one node by this recorder (the tracing tables of the tracer,
    /// which own the recording: this layer knows only the function).
    Record(RecordFn),
}

fn describe(op: &CustomOp) -> String {
    format!("`{}` (module `{}`)", op.krate, op.module)
}

/// The error of an op whose name more than one declaration uses, if any.
fn conflict(op: &'static CustomOp) -> Option<Error> {
    let same: Vec<&CustomOp> = CUSTOM_OPS.iter().filter(|o| o.name == op.name).collect();
    if same.len() < 2 {
        return None;
    }
    Some(Error::CustomOpConflict {
        name: op.name,
        declarations: same.iter().map(|o| describe(o)).collect(),
    })
}

/// The side table of a backend at a version: one entry per declared custom op, in
/// [`CUSTOM_OPS`] order.
pub(crate) fn build_side_table(
    backend: &str,
    version: &Version,
    mode: CustomMode,
) -> Box<[CustomEntry]> {
    CUSTOM_OPS
        .iter()
        .map(|op| CustomEntry {
            op,
            pick: pick(op, backend, version, mode),
        })
        .collect()
}

fn pick(op: &'static CustomOp, backend: &str, version: &Version, mode: CustomMode) -> CustomPick {
    if let Some(e) = conflict(op) {
        return CustomPick::Failed(e);
    }
    match mode {
        CustomMode::Compositions => return CustomPick::Composition,
        CustomMode::Record(_) => return CustomPick::Record,
        CustomMode::Natives => {}
    }
    let mut problems = Vec::new();
    let mut chosen: Option<&CustomNative> = None;
    for n in natives_of(op, backend) {
        match check_native(n) {
            Err(problem) => problems.push(problem),
            Ok(range) if range.contains(version) => match chosen {
                Some(prev) => problems.push(format!(
                    "`{}` (crate `{}`) and `{}` (crate `{}`) both match version {version}; \
                     narrow one of the ranges",
                    prev.name, prev.krate, n.name, n.krate
                )),
                None => chosen = Some(n),
            },
            Ok(_) => {}
        }
    }
    if !problems.is_empty() {
        return CustomPick::Failed(Error::Registration {
            backend: backend.to_string(),
            problems,
        });
    }
    match chosen {
        Some(n) => CustomPick::Native(n.func, n.name),
        None => CustomPick::Composition,
    }
}

fn natives_of<'a>(
    op: &'static CustomOp,
    backend: &'a str,
) -> impl Iterator<Item = &'static CustomNative> + 'a {
    CUSTOM_NATIVES
        .iter()
        .filter(move |n| std::ptr::eq(n.op, op) && n.backend == backend)
}

/// The version range of a native, or what is wrong with its registration.
fn check_native(n: &CustomNative) -> Result<VersionRange, String> {
    let variant = split_variant_name(n.name).map_err(|e| format!("`{}`: {e}", n.name))?;
    if variant.op != n.op.name {
        return Err(format!(
            "`{}` (crate `{}`) is registered for the custom op `{}`; the name must start with `{}`",
            n.name, n.krate, n.op.name, n.op.name
        ));
    }
    if n.func.type_id() != (n.op.native_type)() {
        return Err(format!(
            "`{}` (crate `{}`) does not have the signature of `{}` {}",
            n.name, n.krate, n.op.name, n.op.signature
        ));
    }
    Ok(variant.range)
}

/// Checks every native version of every custom op registered for `backend`, for every
/// version (names, signatures, overlapping ranges) and the custom ops' names; one line per
/// problem. Part of [`crate::validate_registrations`].
pub(crate) fn validate(backend: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen: Vec<(&CustomNative, VersionRange)> = Vec::new();
    for n in CUSTOM_NATIVES.iter().filter(|n| n.backend == backend) {
        match check_native(n) {
            Err(p) => problems.push(p),
            Ok(range) => {
                for (m, other) in &seen {
                    if std::ptr::eq(m.op, n.op) && other.overlaps(&range) {
                        problems.push(format!(
                            "`{}` ({range}) and `{}` ({other}) both cover some versions of the \
                             custom op `{}`",
                            n.name, m.name, n.op.name
                        ));
                    }
                }
                seen.push((n, range));
            }
        }
    }
    for (i, op) in CUSTOM_OPS.iter().enumerate() {
        let first = CUSTOM_OPS.iter().position(|o| o.name == op.name) == Some(i);
        if let (true, Some(e)) = (first, conflict(op)) {
            problems.push(e.to_string());
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: CustomAttr + PartialEq + std::fmt::Debug>(x: T, attr: Attr) {
        assert_eq!(x.to_attr(), attr);
        assert_eq!(T::from_attr(&attr), Some(x));
    }

    #[test]
    fn attributes_round_trip_exactly() {
        round_trip(true, Attr::Bool(true));
        round_trip(-3i8, Attr::Int(-3));
        round_trip(i64::MIN, Attr::Int(i64::MIN));
        round_trip(7usize, Attr::UInt(7));
        round_trip(u64::MAX, Attr::UInt(u64::MAX));
        round_trip(0.1f64, Attr::Float(0.1));
        round_trip(0.1f32, Attr::Float(f64::from(0.1f32)));
        round_trip(-0.0f64, Attr::Float(-0.0));
        round_trip(DType::BFloat16, Attr::DType(DType::BFloat16));
        round_trip("eps".to_string(), Attr::Str("eps".to_string()));
        round_trip(None::<f64>, Attr::None);
        round_trip(Some(2u32), Attr::UInt(2));
        round_trip(
            vec![vec![1i32], vec![]],
            Attr::List(vec![Attr::List(vec![Attr::Int(1)]), Attr::List(vec![])]),
        );
        let nan = f32::from_attr(&f32::NAN.to_attr()).expect("a NaN is a float32");
        assert!(nan.is_nan());
    }

    #[test]
    fn attributes_of_another_kind_or_out_of_range_are_refused() {
        // Integers convert between signed and unsigned within range only.
        assert_eq!(u8::from_attr(&Attr::Int(255)), Some(255));
        assert_eq!(u8::from_attr(&Attr::Int(256)), None);
        assert_eq!(u8::from_attr(&Attr::Int(-1)), None);
        assert_eq!(i64::from_attr(&Attr::UInt(u64::MAX)), None);
        assert_eq!(i8::from_attr(&Attr::UInt(127)), Some(127));
        // A float32 attribute takes only what float32 holds exactly: 0.1 is not one.
        assert_eq!(f32::from_attr(&Attr::Float(0.1)), None);
        assert_eq!(f32::from_attr(&Attr::Float(0.5)), Some(0.5));
        assert_eq!(f64::from_attr(&Attr::Int(1)), None);
        assert_eq!(bool::from_attr(&Attr::UInt(1)), None);
        assert_eq!(String::from_attr(&Attr::None), None);
        assert_eq!(
            Vec::<u8>::from_attr(&Attr::List(vec![Attr::Int(300)])),
            None
        );
        assert_eq!(Option::<bool>::from_attr(&Attr::Int(0)), None);
        assert_eq!(DType::from_attr(&Attr::Str("float32".into())), None);
    }

    #[test]
    fn attributes_print_as_written_in_a_graph() {
        let a = Attr::List(vec![
            Attr::Float(1.0),
            Attr::Int(-2),
            Attr::Str("a".into()),
            Attr::None,
            Attr::DType(DType::Int8),
        ]);
        assert_eq!(a.to_string(), r#"[1.0, -2, "a", None, int8]"#);
    }
}
