//! The plugin's side of the boundary: the description its entry point returns, the trampolines'
//! guard (no panic crosses), and the functions that free what the plugin handed out.
//!
//! A plugin is a `cdylib` with its own copy of tensorswitch, whose `inventory` holds the
//! backend's registrations; [`export_plugin!`](crate::export_plugin) writes its entry point.

use super::abi::{
    ErrorKind, TsBuf, TsEvaluateFn, TsI64Sink, TsIdentity, TsOp, TsOut, TsPlugin, TsReadI64Fn,
    TsShareBlocksFn, TsStr, TsTensor, TsUnsupported, PLUGIN_ABI_VERSION, STATUS_ERROR, STATUS_OK,
};
use crate::error::{Error, Result};
use crate::registry::Primary;
use crate::tensor::{BackendDescriptor, Tensor};
use std::any::Any;
use std::any::TypeId;
use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// The backend this library serves and its description (leaked, as a plain address).
static SERVED: OnceLock<(&'static BackendDescriptor, usize)> = OnceLock::new();

/// What a plugin exports: its backend, and the primaries to serve (by default, every primary
/// registered in the plugin's own `inventory` under the backend's name).
#[derive(Debug)]
pub struct Export {
    /// The backend.
    pub backend: &'static BackendDescriptor,
    /// The primaries (`None`: those registered under the backend's name).
    pub primaries: Option<Vec<Primary>>,
    /// The ABI version reported (always [`PLUGIN_ABI_VERSION`] but in tests of the refusal).
    pub abi_version: u32,
    /// Whether to give the host the direct trampolines ([`super::abi::TsOp::direct`]); always
    /// but in tests of the argument-word path they replace.
    pub direct: bool,
    /// Whether to offer [`super::abi::TsPlugin::share_blocks`]; always but in tests of the
    /// handle path it replaces.
    pub share_blocks: bool,
}

impl Export {
    /// Exports a backend with its registered primaries.
    pub fn backend(backend: &'static BackendDescriptor) -> Export {
        Export {
            backend,
            primaries: None,
            abi_version: PLUGIN_ABI_VERSION,
            direct: true,
            share_blocks: true,
        }
    }
}

/// The entry point's work: the description of this plugin, built on the first call and the
/// same afterwards (`make` runs once). Null if building it panicked.
pub fn entry(make: impl FnOnce() -> Export) -> *const TsPlugin {
    catch_unwind(AssertUnwindSafe(|| {
        SERVED
            .get_or_init(|| {
                crate::tensor::live::serve_plugin();
                let export = make();
                let backend = export.backend;
                let plugin = describe(export);
                (
                    backend,
                    Box::leak(Box::new(plugin)) as *const TsPlugin as usize,
                )
            })
            .1 as *const TsPlugin
    }))
    .unwrap_or(std::ptr::null())
}

fn describe(export: Export) -> TsPlugin {
    let Export {
        backend,
        primaries,
        abi_version,
        direct: give_direct,
        share_blocks: give_share,
    } = export;
    let primaries: Vec<&'static Primary> = match primaries {
        Some(list) => Box::leak(list.into_boxed_slice()).iter().collect(),
        None => inventory::iter::<Primary>
            .into_iter()
            .filter(|p| p.backend == backend.name)
            .collect(),
    };
    let ops: Vec<TsOp> = primaries
        .iter()
        .map(|p| {
            let (call, ctx, kind, direct) = super::kinds::serve_fn(p.func);
            TsOp {
                variant: TsStr::of(p.name),
                op: TsStr::of(p.func.op().ident()),
                kind: TsStr::of(kind),
                call,
                ctx,
                direct: if give_direct {
                    direct
                } else {
                    std::ptr::null()
                },
            }
        })
        .collect();
    let unsupported: Vec<TsUnsupported> = backend
        .unsupported_dtypes
        .iter()
        .map(|(range, dtypes)| TsUnsupported {
            range: TsStr::of(range),
            dtypes: dtypes.iter().fold(0, |m, d| m | 1 << (*d as u32)),
        })
        .collect();
    let ops = Box::leak(ops.into_boxed_slice());
    let unsupported = Box::leak(unsupported.into_boxed_slice());
    TsPlugin {
        abi_version,
        core_version: TsStr::of(crate::plugin::CORE_VERSION),
        catalogue: super::abi::catalogue_fingerprint(),
        name: TsStr::of(backend.name),
        framework: TsStr::of(backend.framework),
        max_dim: backend.max_dim,
        detect_version,
        devices,
        unsupported: unsupported.as_ptr(),
        n_unsupported: unsupported.len(),
        ops: ops.as_ptr(),
        n_ops: ops.len(),
        release,
        free,
        share_host: super::share::serve_share,
        import_shared_host: super::share::serve_import,
        evaluate: backend.evaluate.map(|_| evaluate as TsEvaluateFn),
        read_i64: backend.read_i64.map(|_| read_i64 as TsReadI64Fn),
        share_blocks: give_share.then_some(share_blocks as TsShareBlocksFn),
    }
}

/// A type of the core whose `TypeId` the host sends to [`share_blocks`]: equal to this
/// core's only when both are one build of one crate.
pub(crate) struct BuildMarker;

/// The compiler that built this core (`rustc -vV`, on one line; recorded by `build.rs`).
pub(crate) const RUSTC: &str = env!("TS_RUSTC_VERSION");

/// The host's descriptor of the served backend, once the host shares blocks (else 0).
static HOST_DESCRIPTOR: AtomicUsize = AtomicUsize::new(0);

/// Agrees to share tensor blocks with a host of the same build (see
/// [`super::abi::TsPlugin::share_blocks`]): 1 if it does, 0 if not (another compiler, core
/// or build; the backend cannot run; a panic).
///
/// # Safety
/// `identity` points at a `TsIdentity` whose `type_id` and `hooks`, if the strings are this
/// core's, are a `TypeId` and a `live::HostHooks` that live forever; `host_descriptor` is the
/// host's `&'static BackendDescriptor` of this backend.
unsafe extern "C" fn share_blocks(
    identity: *const TsIdentity,
    host_descriptor: *const c_void,
) -> i32 {
    let agreed = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: the function's contract (a null pointer is refused).
        let Some(id) = (unsafe { identity.as_ref() }) else {
            return false;
        };
        // SAFETY: the host's strings, alive for the call.
        let same_strings = unsafe {
            id.rustc.to_string_lossy() == RUSTC
                && id.core_version.to_string_lossy() == crate::plugin::CORE_VERSION
        };
        if !same_strings || id.type_id.is_null() || id.hooks.is_null() || host_descriptor.is_null()
        {
            return false;
        }
        // SAFETY: the same compiler laid out the host's `TypeId` (checked just above).
        if unsafe { *(id.type_id as *const TypeId) } != TypeId::of::<BuildMarker>() {
            return false;
        }
        // SAFETY: the same build (above): the host's hooks are laid out as this core's, and
        // live forever (the host's statics).
        let hooks = unsafe { &*(id.hooks as *const crate::tensor::live::HostHooks) };
        HOST_DESCRIPTOR.store(host_descriptor as usize, Ordering::Release);
        crate::tensor::live::set_host_hooks(hooks);
        true
    }));
    matches!(agreed, Ok(true)) as i32
}

/// Whether the host takes this plugin's blocks over ([`share_blocks`] agreed, and installed
/// the host's hooks).
#[inline(always)]
pub(crate) fn shares_blocks() -> bool {
    crate::tensor::live::host_hooks().is_some()
}

/// The descriptor the plugin's results carry (the served backend's primaries write their own,
/// which may differ from the one exported: the test fixture serves ndarray's tensors), noted
/// at the first result handed to a host sharing blocks (else 0).
static RESULTS_DESCRIPTOR: AtomicUsize = AtomicUsize::new(0);

/// Notes the descriptor of a result handed over, the first time, once the host shares blocks:
/// the tensors the host hands back carry the host's descriptor, and this core reads them as
/// of that one ([`own_descriptor_of`]).
#[inline(always)]
pub(crate) fn note_result(t: &Tensor) {
    if RESULTS_DESCRIPTOR.load(Ordering::Relaxed) == 0 && shares_blocks() {
        note_first_result(t.backend_descriptor());
    }
}

#[cold]
#[inline(never)]
fn note_first_result(d: &'static BackendDescriptor) {
    RESULTS_DESCRIPTOR.store(d as *const BackendDescriptor as usize, Ordering::Release);
}

/// The descriptor of this core that `d` stands for: `d`, or, for the host's descriptor of the
/// served backend (blocks shared), the one the plugin's results carry. The plugin builds the
/// table it caches in its slot of the host's descriptor for that one, and reads a tensor's
/// descriptor functions through it: the host's would call back into the plugin.
pub(crate) fn own_descriptor_of(d: &'static BackendDescriptor) -> &'static BackendDescriptor {
    let own = RESULTS_DESCRIPTOR.load(Ordering::Acquire);
    if own != 0 && d as *const BackendDescriptor as usize == HOST_DESCRIPTOR.load(Ordering::Acquire)
    {
        // SAFETY: a `&'static BackendDescriptor` of this core (`note_first_result`).
        return unsafe { &*(own as *const BackendDescriptor) };
    }
    d
}

/// The descriptor a call whose inputs mix the plugin's results' descriptor with the host's (a
/// primary calling an op on its inputs and on its own results) runs on, once the host shares
/// blocks: the plugin's.
pub(crate) fn shared_backend(inputs: &[&Tensor]) -> Option<&'static BackendDescriptor> {
    let host = HOST_DESCRIPTOR.load(Ordering::Acquire);
    let own = RESULTS_DESCRIPTOR.load(Ordering::Acquire);
    if host == 0 || own == 0 {
        return None;
    }
    let all = inputs.iter().all(|x| {
        let d = x.backend_descriptor() as *const BackendDescriptor as usize;
        d == own || d == host
    });
    // SAFETY: a `&'static BackendDescriptor` of this core (`note_first_result`).
    all.then(|| unsafe { &*(own as *const BackendDescriptor) })
}

/// Computes a tensor now, with the served backend's `evaluate`.
///
/// # Safety
/// `handle` is a live tensor handle of this plugin, `out` a writable `TsOut`.
unsafe extern "C" fn evaluate(handle: *mut c_void, out: *mut TsOut) -> i32 {
    // SAFETY: the function's contract; no argument words.
    unsafe {
        guard(out, std::ptr::null(), 0, |_, _| {
            let evaluate = served()?.evaluate.ok_or_else(|| {
                crate::error::backend_error("plugin", "evaluate", "the backend is not lazy")
            })?;
            // SAFETY: the host holds the handle alive for the call.
            let t = super::kinds::tensor_at(handle as usize as u64);
            crate::kit::in_read_section(|| evaluate(&t))
        })
    }
}

/// Reads an int64 tensor's elements in place with the served backend's `read_i64`, handing
/// them to the host's `sink`: 1 when it did, 0 when it could not (or panicked).
///
/// # Safety
/// `handle` is a live tensor handle of this plugin; `sink` and `ctx` are the host's pair.
unsafe extern "C" fn read_i64(handle: *mut c_void, sink: TsI64Sink, ctx: *mut c_void) -> i32 {
    let read = catch_unwind(AssertUnwindSafe(|| {
        let Some(read) = SERVED.get().and_then(|s| s.0.read_i64) else {
            return false;
        };
        // SAFETY: the host holds the handle alive for the call.
        let t = unsafe { super::kinds::tensor_at(handle as usize as u64) };
        crate::kit::in_read_section(|| {
            // SAFETY: `sink` is the host's, called with elements alive during the call.
            read(&t, &mut |v| unsafe { sink(ctx, v.as_ptr(), v.len()) })
        })
    }));
    matches!(read, Ok(true)) as i32
}

/// A buffer owned by the plugin: `owner` is boxed once more so [`free`] gets a thin pointer.
pub(crate) fn buffer(owner: Box<dyn Any + Send>, ptr: *const u8, len: usize) -> TsBuf {
    TsBuf {
        data: TsStr { ptr, len },
        owner: Box::into_raw(Box::new(owner)) as *mut c_void,
    }
}

fn text(s: String) -> TsBuf {
    let s = Box::new(s);
    let (ptr, len) = (s.as_ptr(), s.len());
    buffer(s, ptr, len)
}

/// Frees a buffer's owner (the host calls it once it has copied the contents).
///
/// # Safety
/// `owner` is null or came from [`buffer`] and was not freed before.
pub(crate) unsafe extern "C" fn free(owner: *mut c_void) {
    if owner.is_null() {
        return;
    }
    // SAFETY: the function's contract: a `Box<Box<dyn Any + Send>>` made by `buffer`.
    let owner = unsafe { Box::from_raw(owner as *mut Box<dyn Any + Send>) };
    // A panicking destructor stays on this side.
    let _ = catch_unwind(AssertUnwindSafe(move || drop(owner)));
}

/// Releases a tensor handle.
///
/// # Safety
/// `handle` came from a tensor result of this plugin and was not released before.
unsafe extern "C" fn release(handle: *mut c_void) {
    if handle.is_null() {
        return;
    }
    // SAFETY: the function's contract: a handle is a reference given up by
    // `kinds::give_tensor`, taken back once (here).
    let tensor = Tensor::from_handle(unsafe { crate::tensor::Handle::from_raw(handle.cast()) });
    let _ = catch_unwind(AssertUnwindSafe(move || drop(tensor)));
}

pub(crate) fn served() -> Result<&'static BackendDescriptor> {
    SERVED.get().map(|s| s.0).ok_or_else(|| {
        crate::error::backend_error("plugin", "plugin call", "called before the entry point")
    })
}

unsafe extern "C" fn detect_version(out: *mut TsOut) -> i32 {
    // SAFETY: the host passes a writable `TsOut` and no arguments.
    unsafe {
        guard(out, std::ptr::null(), 0, |_, out| {
            match (served()?.detect_version)() {
                Ok(v) => out.text = text(v),
                Err(reason) => {
                    return Err(Error::BackendUnavailable {
                        name: served()?.name.to_string(),
                        reason,
                    })
                }
            }
            Ok(())
        })
    }
}

unsafe extern "C" fn devices(out: *mut TsOut) -> i32 {
    // SAFETY: the host passes a writable `TsOut` and no arguments.
    unsafe {
        guard(out, std::ptr::null(), 0, |_, out| {
            let list: Vec<String> = (served()?.devices)()
                .iter()
                .map(|d| d.to_string())
                .collect();
            out.text = text(list.join(","));
            Ok(())
        })
    }
}

/// Runs a call of the host: its argument words, its out-parameter, and a status. An error or a
/// panic goes into the out-parameter, never across the boundary.
///
/// # Safety
/// `out` points at a writable `TsOut`; `args` at `n_args` readable words (or `n_args` is 0).
pub(crate) unsafe fn guard(
    out: *mut TsOut,
    args: *const u64,
    n_args: usize,
    f: impl FnOnce(&[u64], &mut TsOut) -> Result<()>,
) -> i32 {
    if out.is_null() {
        return STATUS_ERROR;
    }
    // SAFETY: the function's contract.
    let out = unsafe { &mut *out };
    let words: &[u64] = if n_args == 0 || args.is_null() {
        &[]
    } else {
        // SAFETY: the function's contract.
        unsafe { std::slice::from_raw_parts(args, n_args) }
    };
    match catch_unwind(AssertUnwindSafe(|| f(words, out))) {
        Ok(Ok(())) => STATUS_OK,
        Ok(Err(e)) => {
            send_error(out, e);
            STATUS_ERROR
        }
        Err(panic) => {
            // Results written before the panic are not the host's: release them.
            for t in &mut out.tensors[..out.n_tensors as usize] {
                // SAFETY: handles written by `Give` in this call, not yet seen by the host.
                unsafe { release(t.handle) };
            }
            out.n_tensors = 0;
            send_panic(out, &*panic);
            STATUS_ERROR
        }
    }
}

/// Runs a direct call of the host ([`super::abi::TsOp::direct`]): the result goes to
/// `result`; an error or a panic to `error`, written whole, never across the boundary.
///
/// # Safety
/// `result` and `error` point at writable (possibly uninitialised) `TsTensor` and `TsOut`.
pub(crate) unsafe fn guard_direct(
    result: *mut TsTensor,
    error: *mut TsOut,
    f: impl FnOnce() -> Result<Tensor>,
) -> i32 {
    if result.is_null() || error.is_null() {
        return STATUS_ERROR;
    }
    // The result is written inside the guarded closure, so the success path moves no `Error`
    // (a large value) around: the closure returns only the error, if any.
    let caught = catch_unwind(AssertUnwindSafe(|| match f() {
        Ok(t) => {
            // SAFETY: the function's contract.
            unsafe { super::kinds::give_tensor_to(t, result) };
            None
        }
        Err(e) => Some(e),
    }));
    // SAFETY (both failures): the function's contract.
    match caught {
        Ok(None) => STATUS_OK,
        Ok(Some(e)) => unsafe { direct_failed(error, |out| send_error(out, e)) },
        Err(panic) => unsafe { direct_failed(error, |out| send_panic(out, &*panic)) },
    }
}

/// Writes the error or caught panic of a direct call (`fill` describes it) to `error`.
///
/// # Safety
/// `error` points at a writable (possibly uninitialised) `TsOut`.
#[cold]
#[inline(never)]
unsafe fn direct_failed(error: *mut TsOut, fill: impl FnOnce(&mut TsOut)) -> i32 {
    let mut out = TsOut::new();
    fill(&mut out);
    // SAFETY: the function's contract.
    unsafe { error.write(out) };
    STATUS_ERROR
}

/// A caught panic as the error the host reports (`ErrorKind::Panic`, with its message).
fn send_panic(out: &mut TsOut, panic: &(dyn Any + Send)) {
    out.error_kind = ErrorKind::Panic as u32;
    out.text = text(crate::error::panic_message(panic));
}

fn send_error(out: &mut TsOut, e: Error) {
    let (kind, value, message) = match e {
        Error::Backend { message, .. } => (ErrorKind::Backend, 0, message),
        Error::InvalidArgument { reason, .. } => (ErrorKind::InvalidArgument, 0, reason),
        Error::Device(message) => (ErrorKind::Device, 0, message),
        Error::UnsupportedDType { dtype, .. } => {
            (ErrorKind::UnsupportedDType, dtype as u64, String::new())
        }
        Error::InvalidShape { reason, .. } => (ErrorKind::InvalidShape, 0, reason),
        Error::OutOfMemory { bytes, .. } => (ErrorKind::OutOfMemory, bytes as u64, String::new()),
        other => (ErrorKind::Backend, 0, other.to_string()),
    };
    out.error_kind = kind as u32;
    out.error_value = value;
    out.text = text(message);
}
