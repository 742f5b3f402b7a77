//! Which backend runs a call, and the functions that change it.
//!
//! # The precedence rule
//! For every call, the backend is the first of:
//! 1. the calling thread's override, set by [`with_backend`] (or [`with_backend_version`], for an
//!    emulated framework version) for the duration of a closure —
//!    it never affects other threads;
//! 2. the top of the process-wide backend stack ([`set_backend`] pushes,
//!    [`previous_backend`] pops and returns what it popped, [`unset_backend`] clears);
//! 3. the backend of the call's input tensors — they must all agree, or the call fails with
//!    [`Error::MixedBackends`];
//! 4. for calls without tensor inputs (creation), the implicit default: the configured backend
//!    (`TENSORSWITCH_BACKEND`, else `tensorswitch.toml`, read once, at the first call that
//!    needs it; see [`crate::config`]), else `ndarray`.
//!
//! With a backend set (1 or 2), input tensors of another backend are an error
//! ([`Error::ForeignTensor`]), never a silent conversion. Inference (3, 4) changes no state:
//! the stack stays empty ("unset" is a state of its own, not a disguised ndarray).
//!
//! Every switch is all-or-nothing: the name and the table are validated and built before the
//! stack is touched, so a failing `set_backend` leaves the stack as it was.
//!
//! # Converting switches
//! The functions here change only the stack: tensors stay on the backend that made them. Their
//! converting forms, [`crate::dynamic::set_backend_dynamic`],
//! [`crate::dynamic::previous_backend_dynamic`] and [`crate::dynamic::unset_backend_dynamic`]
//! (and [`crate::dynamic::switch_backend`]), also move every live *dynamic* tensor to the
//! backend that creation ops run on after the change by the rule above (step 2, else step 4;
//! the calling thread's override, step 1, is not part of it), all or nothing. See
//! [`crate::dynamic`].

use crate::config::{BackendChoice, Origin};
use crate::error::{Error, Result};
use crate::registry;
use crate::table::{self, CoverageReport, FunctionTable};
use crate::tensor::BackendDescriptor;
use crate::tensor::{Device, Tensor};
use crate::version::parse_framework_version;
use semver::Version;
use std::cell::Cell;
use std::fmt;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

/// The environment variable that names the implicit default backend.
pub const BACKEND_ENV_VAR: &str = crate::config::BACKEND_ENV_VAR;
/// The implicit default when the configuration does not name one.
pub const DEFAULT_BACKEND: &str = crate::config::BUILT_IN_BACKEND;

/// A backend as the stack holds it: a function table for one framework version.
/// Cheap to copy; compares equal when it is the same table.
#[derive(Clone, Copy)]
pub struct Backend(&'static FunctionTable);

impl Backend {
    pub(crate) fn of(table: &'static FunctionTable) -> Backend {
        Backend(table)
    }

    /// The backend's name.
    pub fn name(&self) -> &'static str {
        self.0.backend_name()
    }

    /// The framework version its table was built for.
    pub fn version(&self) -> &'static Version {
        &self.0.version
    }

    /// Whether the version was set with [`set_backend_to_specific_version`].
    pub fn is_emulated(&self) -> bool {
        self.0.emulated
    }

    /// The coverage report of its table.
    pub fn report(&self) -> CoverageReport {
        self.0.report()
    }

    /// The function table.
    pub fn table(&self) -> &'static FunctionTable {
        self.0
    }
}

impl PartialEq for Backend {
    fn eq(&self, other: &Backend) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}
impl Eq for Backend {}

impl PartialEq<&str> for Backend {
    fn eq(&self, other: &&str) -> bool {
        self.name() == *other
    }
}

impl fmt::Debug for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Backend({self})")
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.name(), self.version())?;
        if self.is_emulated() {
            f.write_str(" (emulated)")?;
        }
        Ok(())
    }
}

// The stack, and a copy of its top that the dispatch path reads without locking. Writers hold
// the mutex while they update both, so `TOP` always equals the stack's last entry.
static STACK: Mutex<Vec<&'static FunctionTable>> = Mutex::new(Vec::new());
static TOP: AtomicPtr<FunctionTable> = AtomicPtr::new(std::ptr::null_mut());

thread_local! {
    static OVERRIDE: Cell<Option<&'static FunctionTable>> = const { Cell::new(None) };
    static DEVICE: Cell<Option<Device>> = const { Cell::new(None) };
    static TRACING: Cell<bool> = const { Cell::new(false) };
    static REFUSED: Cell<Option<&'static str>> = const { Cell::new(None) };
}

/// Whether a trace ([`crate::trace`]) is recording on this thread at the level of the traced
/// function (off while a recorded slot runs, so fallbacks may read values and switch tables).
#[inline]
pub(crate) fn tracing() -> bool {
    TRACING.with(Cell::get)
}

/// Sets or clears the tracing flag while alive; restores the previous value on drop.
pub(crate) struct TracingFlag(bool);

impl TracingFlag {
    pub(crate) fn set(on: bool) -> TracingFlag {
        TracingFlag(TRACING.with(|c| c.replace(on)))
    }
}

impl Drop for TracingFlag {
    fn drop(&mut self) {
        TRACING.with(|c| c.set(self.0));
    }
}

/// The first backend switch refused during the current trace on this thread, taken (cleared).
pub(crate) fn take_refused_switch() -> Option<&'static str> {
    REFUSED.with(|c| c.take())
}

/// Fails (and marks the trace failed, even if the caller ignores the error) when a trace is
/// recording on this thread: a backend switch inside a traced function would not be part of
/// the graph.
pub(crate) fn refuse_while_tracing(what: &'static str) -> Result<()> {
    if !tracing() {
        return Ok(());
    }
    REFUSED.with(|c| {
        if c.get().is_none() {
            c.set(Some(what));
        }
    });
    Err(switch_in_trace(what))
}

fn switch_in_trace(what: &str) -> Error {
    Error::Trace {
        reason: format!(
            "`{what}` was called inside the traced function; a graph runs on the backend it is \
             compiled for, so switch backends outside the trace (and compile the graph for the \
             backend you want)"
        ),
    }
}

/// The device creation ops (`from_slice`, `zeros`, `arange`, …) place tensors on in this
/// thread: the one of [`with_device`] inside it, else the configured device
/// (`TENSORSWITCH_DEVICE` or `tensorswitch.toml`, see [`crate::config`]), else `cpu`. A
/// configuration that is not valid counts as `cpu` here; creation ops return its error.
pub fn default_device() -> Device {
    creation_device().unwrap_or(Device::Cpu)
}

/// [`default_device`], with a bad configuration as its error.
pub(crate) fn creation_device() -> Result<Device> {
    if let Some(d) = DEVICE.with(Cell::get) {
        return Ok(d);
    }
    // On every creation op: no clone, no allocation.
    let cfg = crate::config::config()?;
    match (cfg.device_setting(), cfg.backend_setting()) {
        (Some(d), _) => Ok(d.value),
        (None, Some(b)) if b.value == BackendChoice::Auto => Ok(auto_choice()?.1),
        _ => Ok(Device::Cpu),
    }
}

/// The backend and device auto-selection chose for this process (`backend = "auto"`), made
/// once by the `auto` module, found through the registry (it lives in a layer above).
fn auto_choice() -> Result<(&'static str, Device)> {
    match inventory::iter::<registry::AutoSelector>.into_iter().next() {
        Some(a) => (a.0)(),
        None => Err(Error::BackendUnavailable {
            name: "auto".to_string(),
            reason: "auto-selection is not part of this build".to_string(),
        }),
    }
}

/// The descriptor of a configured backend, or an error naming where the name came from.
pub(crate) fn configured_backend(
    name: &str,
    origin: &Origin,
) -> Result<&'static BackendDescriptor> {
    match origin {
        // The variable's own error kind, as before files existed.
        Origin::Env(var) => descriptor_from(name, Some(var)),
        Origin::BuiltIn => descriptor(name),
        Origin::File(_) => descriptor(name).map_err(|e| Error::Config {
            origin: origin.to_string(),
            key: "backend".to_string(),
            value: format!("\"{name}\""),
            accepted: format!("{} ({e})", crate::config::backend_accepted()),
        }),
    }
}

impl crate::config::Config {
    /// Checks that the configured backend exists in this program (compiled in, or a plugin
    /// that loads); the error names where the name came from and the backends there are.
    pub fn check_backend(&self) -> Result<()> {
        let s = self.backend();
        match &s.value {
            BackendChoice::Auto => Ok(()),
            BackendChoice::Named(name) => configured_backend(name, &s.origin).map(|_| ()),
        }
    }
}

/// Runs `f` with `device` as this thread's device for creation ops, restoring the previous
/// one afterwards (also when `f` panics). Whether the backend has that device is checked when
/// a tensor is created (an [`Error::Device`] then).
pub fn with_device<R>(device: Device, f: impl FnOnce() -> R) -> R {
    let _guard = DeviceGuard::new(device);
    f()
}

pub(crate) struct DeviceGuard(Option<Device>);

impl DeviceGuard {
    pub(crate) fn new(device: Device) -> DeviceGuard {
        DeviceGuard(DEVICE.with(|c| c.replace(Some(device))))
    }
}

impl Drop for DeviceGuard {
    fn drop(&mut self) {
        DEVICE.with(|c| c.set(self.0));
    }
}

pub(crate) fn lock_stack() -> MutexGuard<'static, Vec<&'static FunctionTable>> {
    // A panic while holding the lock cannot leave the Vec half-updated (push/pop/clear are
    // atomic with respect to panics), so a poisoned lock is still consistent.
    STACK.lock().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn publish_top(stack: &[&'static FunctionTable]) {
    let top = stack.last().map_or(std::ptr::null_mut(), |t| {
        *t as *const FunctionTable as *mut _
    });
    TOP.store(top, Ordering::Release);
}

/// The table set explicitly for this thread: its override, else the stack's top.
#[inline(always)]
#[allow(unsafe_code)]
pub(crate) fn explicit_table() -> Option<&'static FunctionTable> {
    if let Some(t) = OVERRIDE.with(Cell::get) {
        return Some(t);
    }
    let top = TOP.load(Ordering::Acquire);
    // SAFETY: TOP is null or points at a table leaked by `table::table_for` (tables are never
    // freed), so a non-null pointer is valid for 'static.
    unsafe { top.as_ref() }
}

pub(crate) fn unknown_backend(name: &str, from: Option<&'static str>) -> Error {
    Error::UnknownBackend {
        name: name.to_string(),
        from,
        known: crate::plugin::all_descriptors()
            .map(|d| d.name.to_string())
            .collect(),
        loadable: {
            let mut hints = registry::loadable_hints();
            hints.push(crate::plugin::not_found_hint(name));
            hints
        },
    }
}

/// The backend named `name`: compiled in, or loaded from its plugin on first use.
pub(crate) fn descriptor(name: &str) -> Result<&'static BackendDescriptor> {
    descriptor_from(name, None)
}

pub(crate) fn descriptor_from(
    name: &str,
    from: Option<&'static str>,
) -> Result<&'static BackendDescriptor> {
    match crate::plugin::descriptor(name) {
        Some(d) => Ok(d),
        None => crate::plugin::find(name)?.ok_or_else(|| unknown_backend(name, from)),
    }
}

/// The table for the backend's detected version.
pub(crate) fn detected(name: &str) -> Result<&'static FunctionTable> {
    table::detected_table(descriptor(name)?)
}

/// Pushes the named backend (at its detected framework version) on the stack and returns it.
/// On error the stack is unchanged.
pub fn set_backend(name: &str) -> Result<Backend> {
    refuse_while_tracing("set_backend")?;
    Ok(push(detected(name)?))
}

/// Like [`set_backend`], but builds the table as if `version` of the framework were installed:
/// version variants and dtype support are chosen for that version. For tests and emulation;
/// the code that runs is still the framework actually linked.
pub fn set_backend_to_specific_version(name: &str, version: &str) -> Result<Backend> {
    refuse_while_tracing("set_backend_to_specific_version")?;
    Ok(push(at_version(name, version)?))
}

fn push(table: &'static FunctionTable) -> Backend {
    let mut stack = lock_stack();
    stack.push(table);
    publish_top(&stack);
    Backend(table)
}

/// The table of backend `name` as if `version` were installed (emulated unless it is the
/// detected version).
pub(crate) fn at_version(name: &str, version: &str) -> Result<&'static FunctionTable> {
    let desc = descriptor(name)?;
    let version = parse_framework_version(version).map_err(|e| Error::InvalidVersion {
        input: version.to_string(),
        reason: e.to_string(),
    })?;
    let emulated = table::detected_version(desc).ok().as_ref() != Some(&version);
    table::table_for(desc, &version, emulated, false)
}

/// The top of the process-wide stack (not this thread's override).
pub(crate) fn stack_top() -> Option<&'static FunctionTable> {
    lock_stack().last().copied()
}

/// Pops the top of the stack and returns it; [`Error::EmptyBackendStack`] when empty.
pub fn previous_backend() -> Result<Backend> {
    refuse_while_tracing("previous_backend")?;
    let mut stack = lock_stack();
    let popped = stack.pop().ok_or(Error::EmptyBackendStack)?;
    publish_top(&stack);
    Ok(Backend(popped))
}

/// Clears the stack; calls go back to inference. Returns what was on it, bottom first.
///
/// Inside a traced function ([`crate::trace()`]) it changes nothing, returns an empty list and
/// makes the trace fail with [`Error::Trace`].
pub fn unset_backend() -> Vec<Backend> {
    if refuse_while_tracing("unset_backend").is_err() {
        return Vec::new();
    }
    let mut stack = lock_stack();
    let old = std::mem::take(&mut *stack);
    publish_top(&stack);
    old.into_iter().map(Backend).collect()
}

/// The backend set explicitly for this thread (its override, else the stack's top), or `None`
/// when calls are resolved by inference.
pub fn current_backend() -> Option<Backend> {
    explicit_table().map(Backend)
}

/// The backend stack, bottom first.
pub fn backend_stack() -> Vec<Backend> {
    lock_stack().iter().copied().map(Backend).collect()
}

/// Runs `f` with `name` as this thread's backend, whatever the global stack holds, and
/// restores the previous override afterwards (also when `f` panics). Other threads are not
/// affected. Fails before running `f` when the backend cannot be used.
pub fn with_backend<R>(name: &str, f: impl FnOnce() -> R) -> Result<R> {
    refuse_while_tracing("with_backend")?;
    let table = detected(name)?;
    let _guard = TableGuard::new(table);
    Ok(f())
}

/// Like [`with_backend`], with the backend's table built as if `version` of its framework were
/// installed (as [`set_backend_to_specific_version`] builds it: the version variants and dtype
/// metadata of that version). For this thread only and without touching the global stack, so
/// tests of several versions can run in parallel. Fails before running `f` when the backend
/// is unknown or the version does not parse.
pub fn with_backend_version<R>(name: &str, version: &str, f: impl FnOnce() -> R) -> Result<R> {
    refuse_while_tracing("with_backend_version")?;
    let table = at_version(name, version)?;
    let _guard = TableGuard::new(table);
    Ok(f())
}

/// Like [`with_backend`], with every op that has a compositional fallback served by that
/// fallback instead of the backend's primary (the table reports it as `compositional` and
/// [`FunctionTable::is_masked`] says so). Fallbacks run only where a backend lacks an op, so
/// without this a fallback of an op every backend implements would never run: test suites use
/// it to run every fallback on every backend. For this thread only.
pub fn with_backend_masked<R>(name: &str, f: impl FnOnce() -> R) -> Result<R> {
    refuse_while_tracing("with_backend_masked")?;
    let desc = descriptor(name)?;
    let table = table::table_for(desc, &table::detected_version(desc)?, false, true)?;
    let _guard = TableGuard::new(table);
    Ok(f())
}

/// Sets this thread's override while alive. Also used to pin a compositional fallback to the
/// table that dispatched it, so the ops it calls run on the same table even if another
/// thread switches backends meanwhile.
pub(crate) struct TableGuard(Option<&'static FunctionTable>);

impl TableGuard {
    #[inline]
    pub(crate) fn new(table: &'static FunctionTable) -> TableGuard {
        TableGuard(OVERRIDE.with(|c| c.replace(Some(table))))
    }
}

impl Drop for TableGuard {
    #[inline]
    fn drop(&mut self) {
        OVERRIDE.with(|c| c.set(self.0));
    }
}

/// Names of the backends compiled into this program or loaded from plugins whose framework
/// can run here (plugins on the search path not yet loaded are not; see
/// [`crate::backend_statuses`]).
pub fn available_backends() -> Vec<&'static str> {
    crate::plugin::all_descriptors()
        .filter(|d| table::detected_version(d).is_ok())
        .map(|d| d.name)
        .collect()
}

/// The framework version the backend detects (for ndarray, the crate version resolved at
/// build time).
pub fn backend_version(name: &str) -> Result<Version> {
    table::detected_version(descriptor(name)?)
}

/// The coverage report of a backend at its detected version: for each op, primary (which
/// variant), compositional or unsupported.
pub fn function_table_report(name: &str) -> Result<CoverageReport> {
    Ok(detected(name)?.report())
}

/// The coverage report of a backend as if `version` were installed.
pub fn function_table_report_for_version(name: &str, version: &str) -> Result<CoverageReport> {
    Ok(at_version(name, version)?.report())
}

/// The implicit default backend (step 4 of the precedence rule).
pub fn implicit_default_backend() -> Result<Backend> {
    default_table().map(Backend)
}

pub(crate) fn default_table() -> Result<&'static FunctionTable> {
    static TABLE: OnceLock<Result<&'static FunctionTable>> = OnceLock::new();
    if let Some(Ok(t)) = TABLE.get() {
        return Ok(t);
    }
    TABLE
        .get_or_init(|| {
            // Inside a backend plugin (a library whose entry point ran), the core's default is
            // the backend it serves, when that is compiled into it: the host's stack and
            // configuration stay on the host's side, and a composition the plugin's backend
            // calls (creating constants, say) must run on that backend, not on one the plugin
            // does not have.
            if let Ok(served) = crate::plugin::serve::served() {
                if crate::registry::descriptors().any(|d| std::ptr::eq(d, served)) {
                    return table::detected_table(served);
                }
            }
            let setting = crate::config::config()?.backend();
            let desc = match &setting.value {
                BackendChoice::Named(name) => configured_backend(name, &setting.origin)?,
                BackendChoice::Auto => descriptor(auto_choice()?.0)?,
            };
            table::detected_table(desc)
        })
        .clone()
}

/// The table a call with these tensor inputs runs on, by the precedence rule.
#[inline(always)]
pub(crate) fn resolve(op: &'static str, inputs: &[&Tensor]) -> Result<&'static FunctionTable> {
    if let [first, rest @ ..] = inputs {
        if rest.iter().any(|x| !x.same_device(first)) {
            return Err(device_mismatch(op, inputs));
        }
    }
    match explicit_table() {
        Some(table) => {
            for x in inputs {
                if !std::ptr::eq(x.backend_descriptor(), table.backend) && !stands_for(x, table) {
                    return Err(foreign(op, table, x));
                }
            }
            Ok(table)
        }
        None => infer(op, inputs),
    }
}

#[cold]
fn device_mismatch(op: &'static str, inputs: &[&Tensor]) -> Error {
    let mut devices: Vec<String> = Vec::new();
    for x in inputs {
        let d = x.device().to_string();
        if !devices.contains(&d) {
            devices.push(d);
        }
    }
    Error::DeviceMismatch { op, devices }
}

/// Whether `x`, of another descriptor than `table`'s, is of its backend all the same: in a
/// plugin sharing blocks with its host, a tensor the host handed in carries the host's
/// descriptor of the backend the plugin serves (`plugin::serve::own_descriptor_of`).
#[cold]
#[inline(never)]
fn stands_for(x: &Tensor, table: &FunctionTable) -> bool {
    std::ptr::eq(
        crate::plugin::serve::own_descriptor_of(x.backend_descriptor()),
        table.backend,
    )
}

#[cold]
fn foreign(op: &'static str, table: &FunctionTable, x: &Tensor) -> Error {
    Error::ForeignTensor {
        op,
        active: table.backend_name().to_string(),
        tensor: x.backend().to_string(),
    }
}

/// The inferred table: the inputs' common backend at its detected version. The common case
/// (a table already built) is inline; everything else is in [`infer_slow`].
#[inline(always)]
fn infer(op: &'static str, inputs: &[&Tensor]) -> Result<&'static FunctionTable> {
    if let [first, rest @ ..] = inputs {
        let backend = first.backend_descriptor();
        if rest
            .iter()
            .all(|x| std::ptr::eq(x.backend_descriptor(), backend))
        {
            if let Some(Ok(any)) = backend.detected_slot().get() {
                if let Some(table) = any.downcast_ref::<FunctionTable>() {
                    return Ok(table);
                }
            }
        }
    }
    infer_slow(op, inputs)
}

#[inline(never)]
fn infer_slow(op: &'static str, inputs: &[&Tensor]) -> Result<&'static FunctionTable> {
    let Some(first) = inputs.first() else {
        return default_table();
    };
    let backend = first.backend_descriptor();
    if inputs[1..]
        .iter()
        .any(|x| !std::ptr::eq(x.backend_descriptor(), backend))
    {
        // In a plugin sharing blocks with its host: the host's descriptor of the served
        // backend and the plugin's own name one backend.
        if let Some(own) = crate::plugin::serve::shared_backend(inputs) {
            return table::detected_table(own);
        }
        return Err(mixed(op, inputs));
    }
    table::detected_table(backend)
}

#[cold]
fn mixed(op: &'static str, inputs: &[&Tensor]) -> Error {
    let mut backends: Vec<String> = Vec::new();
    for x in inputs {
        if !backends.iter().any(|b| b == x.backend()) {
            backends.push(x.backend().to_string());
        }
    }
    Error::MixedBackends { op, backends }
}

/// The backend a call with these inputs would run on (for users who want to know before
/// calling).
pub fn resolve_backend(inputs: &[&Tensor]) -> Result<Backend> {
    resolve("resolve_backend", inputs).map(Backend)
}
