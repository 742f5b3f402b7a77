//! The host's side of the boundary: loading a plugin (once per file, never unloaded), checking
//! its handshake, making its backend descriptor and primaries, and calling its ops.

use super::abi::{
    catalogue_fingerprint, device_of, dtype_of, ErrorKind, TsBinaryFn, TsCallFn, TsEntryFn, TsOut,
    TsPlugin, TsStr, TsTensor, TsUnaryFn, Words, ENTRY_SYMBOL, PLUGIN_ABI_VERSION, STATUS_OK,
};
use super::kinds::{Receive, OP_KINDS};
use crate::catalogue::Op;
use crate::dtype::{DType, HostData};
use crate::error::{backend_error, Error, Result};
use crate::registry::Primary;
use crate::tensor::{BackendDescriptor, Device, Tensor};
use std::ffi::c_void;
use std::mem::MaybeUninit;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// How many plugins one process can load (each gets its own instantiation of the host's slot
/// functions, which are plain function pointers and so cannot carry the plugin as data).
pub const MAX_PLUGINS: usize = 4;

/// A loaded plugin.
pub(crate) struct Loaded {
    pub(crate) path: PathBuf,
    pub(crate) desc: &'static BackendDescriptor,
    pub(crate) core_version: String,
    api: &'static TsPlugin,
    /// By host op index: the plugin's trampolines and function.
    ops: Vec<Option<PluginOp>>,
    pub(crate) primaries: Vec<Primary>,
    /// Whether the plugin shares its tensor blocks ([`super::abi::TsPlugin::share_blocks`]):
    /// its tensors are then the host's, without a block of the host's around each.
    pub(crate) shares_blocks: bool,
}

/// One op of a loaded plugin (see [`super::abi::TsOp`]).
#[derive(Clone, Copy)]
struct PluginOp {
    /// The trampoline taking argument words.
    call: TsCallFn,
    /// The plugin's function, passed back to either trampoline.
    ctx: *const c_void,
    /// The direct trampoline of a `UnaryFn` or `BinaryFn`, or null.
    direct: *const c_void,
}

// SAFETY: every pointer in `Loaded` points into the plugin's `'static` description or at its
// functions; the library is never unloaded, the description is never written after the entry
// point returned it, and the plugin's functions may be called from any thread (slot functions
// are `fn` items of a backend, which tensorswitch calls from any thread).
#[allow(unsafe_code)]
unsafe impl Send for Loaded {}
// SAFETY: as for `Send`: shared access only reads.
#[allow(unsafe_code)]
unsafe impl Sync for Loaded {}

static SLOTS: [OnceLock<&'static Loaded>; MAX_PLUGINS] = [
    OnceLock::new(),
    OnceLock::new(),
    OnceLock::new(),
    OnceLock::new(),
];

/// Every load attempt, by canonical path: the slot it filled, or why it failed. Held while a
/// load runs, so two threads asking for one file load it once.
static ATTEMPTS: Mutex<Vec<(PathBuf, std::result::Result<usize, String>)>> = Mutex::new(Vec::new());

/// The loaded plugin in slot `p`.
#[inline]
pub(crate) fn slot(p: usize) -> Result<&'static Loaded> {
    match SLOTS.get(p).and_then(|s| s.get()) {
        Some(l) => Ok(l),
        None => Err(empty_slot(p)),
    }
}

#[cold]
#[inline(never)]
fn empty_slot(p: usize) -> Error {
    backend_error(
        "plugin",
        "plugin call",
        format!("no plugin is loaded in slot {p}"),
    )
}

/// Runs `f` out of line, as a rarely taken path: the slot functions' fallbacks stay out of
/// the code of their direct calls, which every call runs through.
#[cold]
#[inline(never)]
fn rarely<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// The loaded plugins, in load order.
pub(crate) fn loaded() -> impl Iterator<Item = &'static Loaded> {
    SLOTS.iter().filter_map(|s| s.get().copied())
}

/// Past failed attempts: the file and why.
pub(crate) fn failures() -> Vec<(PathBuf, String)> {
    lock()
        .iter()
        .filter_map(|(p, r)| r.as_ref().err().map(|e| (p.clone(), e.clone())))
        .collect()
}

fn lock() -> std::sync::MutexGuard<'static, Vec<(PathBuf, std::result::Result<usize, String>)>> {
    // A panic while holding the lock leaves the list as it was or with one entry more.
    ATTEMPTS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Loads the plugin at `path` (once; later calls return the first result), its backend named
/// `alias` if given, else as the plugin names it.
pub(crate) fn load(
    path: &Path,
    alias: Option<&str>,
) -> std::result::Result<&'static Loaded, String> {
    let canonical = path
        .canonicalize()
        .map_err(|e| format!("`{}` cannot be read: {e}", path.display()))?;
    let mut attempts = lock();
    if let Some((_, r)) = attempts.iter().find(|(p, _)| *p == canonical) {
        return r
            .clone()
            .map(|i| *SLOTS[i].get().expect("a recorded slot is filled"));
    }
    let result = load_new(&canonical, alias);
    let recorded = match &result {
        Ok(l) => Ok(loaded().position(|m| std::ptr::eq(m, *l)).unwrap_or(0)),
        Err(e) => Err(e.clone()),
    };
    attempts.push((canonical, recorded));
    result
}

fn load_new(path: &Path, alias: Option<&str>) -> std::result::Result<&'static Loaded, String> {
    let index = SLOTS
        .iter()
        .position(|s| s.get().is_none())
        .ok_or_else(|| {
            format!(
                "`{}` cannot be loaded: {MAX_PLUGINS} plugins are loaded already",
                path.display()
            )
        })?;
    // SAFETY: loading a library runs its initialisers; the user named this file (or put it
    // where plugins are looked for) as a tensorswitch plugin, which is what we trust here.
    #[allow(unsafe_code)]
    let lib = unsafe { libloading::Library::new(path) }
        .map_err(|e| format!("`{}` could not be loaded: {e}", path.display()))?;
    // SAFETY: the symbol, if present, is the entry point `export_plugin!` writes, of type
    // `TsEntryFn`; the function pointer is used only while the library stays loaded (forever).
    #[allow(unsafe_code)]
    let entry: TsEntryFn = unsafe { lib.get::<TsEntryFn>(ENTRY_SYMBOL.as_bytes()) }
        .map(|s| *s)
        .map_err(|_| {
            format!(
                "`{}` is a library but not a tensorswitch backend plugin: it exports no \
                 `{ENTRY_SYMBOL}` (a plugin crate calls `tensorswitch::export_plugin!`)",
                path.display()
            )
        })?;
    // Never unloaded: its functions and tensors may be referenced until the process ends.
    std::mem::forget(lib);
    // SAFETY: `entry` is the plugin's entry point (above); it returns null or a pointer to a
    // `TsPlugin` that stays valid forever. Only the first three fields are read before the
    // ABI version is checked, and those never move (see `abi`).
    #[allow(unsafe_code)]
    let api: &'static TsPlugin = unsafe {
        let p = entry(PLUGIN_ABI_VERSION, TsStr::of(super::CORE_VERSION));
        p.as_ref()
    }
    .ok_or_else(|| {
        format!(
            "`{}`: the plugin's entry point failed (it panicked)",
            path.display()
        )
    })?;
    // SAFETY: a `'static` string of the plugin (ABI contract).
    #[allow(unsafe_code)]
    let core_version = unsafe { api.core_version.to_string_lossy() };
    let rebuild = format!(
        "rebuild the plugin against tensorswitch {} (plugin ABI {PLUGIN_ABI_VERSION}), the \
         version this program uses",
        super::CORE_VERSION
    );
    if api.abi_version != PLUGIN_ABI_VERSION {
        return Err(format!(
            "`{}` was built for plugin ABI {} (tensorswitch {core_version}) and this program \
             speaks plugin ABI {PLUGIN_ABI_VERSION}: {rebuild}",
            path.display(),
            api.abi_version
        ));
    }
    if !super::compatible(&core_version) || api.catalogue != catalogue_fingerprint() {
        return Err(format!(
            "`{}` was built against tensorswitch {core_version}, whose op catalogue differs \
             from this program's (tensorswitch {}): {rebuild}",
            path.display(),
            super::CORE_VERSION
        ));
    }
    // SAFETY: the ABI version matches, so the rest of the description has this layout; its
    // strings and arrays are `'static` in the plugin.
    #[allow(unsafe_code)]
    let (name, framework, ops, unsupported) = unsafe {
        (
            api.name.to_string_lossy(),
            api.framework.to_string_lossy(),
            slice(api.ops, api.n_ops),
            slice(api.unsupported, api.n_unsupported),
        )
    };
    let name = alias.map_or(name, str::to_string);
    if let Some(other) = super::all_descriptors().find(|d| d.name == name) {
        return Err(format!(
            "`{}` serves backend `{name}`, which this program already has ({}); each backend \
             name can be used once",
            path.display(),
            other.framework
        ));
    }
    let name: &'static str = Box::leak(name.into_boxed_str());
    let framework: &'static str = Box::leak(format!("{framework} (plugin)").into_boxed_str());
    let unsupported: Vec<(&'static str, &'static [DType])> = unsupported
        .iter()
        .map(|u| {
            // SAFETY: a `'static` string of the plugin.
            #[allow(unsafe_code)]
            let range = unsafe { u.range.to_string_lossy() };
            let dtypes: Vec<DType> = DType::ALL
                .iter()
                .copied()
                .filter(|d| u.dtypes & (1 << (*d as u32)) != 0)
                .collect();
            (
                &*Box::leak(range.into_boxed_str()),
                &*Box::leak(dtypes.into_boxed_slice()),
            )
        })
        .collect();
    let host_fns = per_slot(index, |p| p.host_fns);
    let mut table = vec![None; Op::COUNT];
    let mut primaries = Vec::with_capacity(ops.len());
    for entry in ops {
        // SAFETY: `'static` strings of the plugin.
        #[allow(unsafe_code)]
        let (ident, variant, kind) = unsafe {
            (
                entry.op.to_string_lossy(),
                entry.variant.to_string_lossy(),
                entry.kind.to_string_lossy(),
            )
        };
        let op = Op::ALL
            .iter()
            .copied()
            .find(|op| op.ident() == ident)
            .ok_or_else(|| {
                format!(
                    "`{}` serves an op `{ident}` this program lacks: {rebuild}",
                    path.display()
                )
            })?;
        if OP_KINDS[op.index()].1 != kind {
            return Err(format!(
                "`{}` serves `{ident}` as a `{kind}`, this program as a `{}`: {rebuild}",
                path.display(),
                OP_KINDS[op.index()].1
            ));
        }
        table[op.index()] = Some(PluginOp {
            call: entry.call,
            ctx: entry.ctx,
            direct: entry.direct,
        });
        primaries.push(Primary {
            backend: name,
            name: Box::leak(variant.into_boxed_str()),
            func: host_fns[op.index()],
        });
    }
    let fns = per_slot(index, |p| p);
    let mut desc = BackendDescriptor::new(name, framework, fns.detect)
        .with_unsupported_dtypes(Box::leak(unsupported.into_boxed_slice()))
        .with_devices(fns.devices)
        .with_max_dim(api.max_dim)
        .with_host_sharing(Some(fns.share), Some(fns.import));
    // A lazy backend's evaluation and an in-place reader cross only where the plugin's backend
    // has them, so the core treats the plugin's backend as it treats the linked one.
    if api.evaluate.is_some() {
        desc = desc.with_evaluate(fns.evaluate);
    }
    if api.read_i64.is_some() {
        desc = desc.with_i64_reader(fns.read_i64);
    }
    let desc: &'static BackendDescriptor = Box::leak(Box::new(desc));
    let shares_blocks = offer_blocks(api, desc);
    let loaded: &'static Loaded = Box::leak(Box::new(Loaded {
        path: path.to_path_buf(),
        desc,
        core_version,
        api,
        ops: table,
        primaries,
        shares_blocks,
    }));
    // The slot was empty above and loads are serialised by `ATTEMPTS`' lock.
    let _ = SLOTS[index].set(loaded);
    Ok(loaded)
}

/// Offers the plugin to share tensor blocks (unless `TENSORSWITCH_PLUGIN_BLOCKS=0`); whether it
/// agreed, which it does when the same compiler built it from the same core.
fn offer_blocks(api: &'static TsPlugin, desc: &'static BackendDescriptor) -> bool {
    let Some(share) = api.share_blocks else {
        return false;
    };
    if std::env::var_os("TENSORSWITCH_PLUGIN_BLOCKS").is_some_and(|v| v == "0") {
        return false;
    }
    let type_id = std::any::TypeId::of::<super::serve::BuildMarker>();
    let identity = super::abi::TsIdentity {
        rustc: TsStr::of(super::serve::RUSTC),
        core_version: TsStr::of(super::CORE_VERSION),
        type_id: &type_id as *const std::any::TypeId as *const c_void,
        hooks: &crate::tensor::live::MY_HOOKS as *const crate::tensor::live::HostHooks
            as *const c_void,
    };
    // SAFETY: the identity's strings and `type_id` live for the call, the hooks and the
    // descriptor forever.
    #[allow(unsafe_code)]
    let agreed = unsafe { share(&identity, desc as *const BackendDescriptor as *const c_void) };
    agreed == 1
}

/// The plugin's array as a slice.
///
/// # Safety
/// `ptr` points at `n` initialised `T`s that live forever (or `n` is 0).
#[allow(unsafe_code)]
unsafe fn slice<T>(ptr: *const T, n: usize) -> &'static [T] {
    if n == 0 || ptr.is_null() {
        &[]
    } else {
        // SAFETY: the function's contract.
        unsafe { std::slice::from_raw_parts(ptr, n) }
    }
}

/// A descriptor's `read_i64` (`tensor::ReadI64`, which the tensor layer does not export).
type ReadI64 = fn(&Tensor, &mut dyn FnMut(&[i64])) -> bool;

/// The functions of slot `P` (generic: a descriptor holds plain function pointers).
struct SlotFns {
    detect: fn() -> std::result::Result<String, String>,
    devices: fn() -> Vec<Device>,
    host_fns: Vec<crate::OpFn>,
    share: fn(&Tensor) -> Option<crate::SharedHost>,
    import: unsafe fn(crate::SharedHost) -> Result<Tensor>,
    evaluate: fn(&Tensor) -> Result<()>,
    read_i64: ReadI64,
}

fn slot_fns<const P: usize>() -> SlotFns {
    SlotFns {
        detect: detect::<P>,
        devices: devices::<P>,
        host_fns: super::kinds::host_fns::<P>(),
        share: super::share::host_share::<P>,
        import: super::share::host_import::<P>,
        evaluate: evaluate::<P>,
        read_i64: read_i64::<P>,
    }
}

/// The descriptor's `evaluate` of plugin `P`: the plugin's evaluation of the tensor.
fn evaluate<const P: usize>(t: &Tensor) -> Result<()> {
    let plugin = slot(P)?;
    let handle = plugin.handle_of_guarded(t)?;
    let Some(evaluate) = plugin.api.evaluate else {
        return Ok(());
    };
    let mut out = TsOut::new();
    // SAFETY: a live handle of this plugin (`t` holds it for the call) and a writable
    // out-parameter.
    #[allow(unsafe_code)]
    let status = unsafe { evaluate(handle as *mut c_void, &mut out) };
    if status == STATUS_OK {
        Ok(())
    } else {
        Err(plugin.error("evaluate", &mut out))
    }
}

/// The descriptor's `read_i64` of plugin `P`: the plugin hands the elements where they are to
/// `f`, through a C sink.
fn read_i64<const P: usize>(t: &Tensor, f: &mut dyn FnMut(&[i64])) -> bool {
    /// Calls the host's closure with the plugin's elements.
    ///
    /// # Safety
    /// `ctx` is the `&mut &mut dyn FnMut(&[i64])` below, alive for the call; `data` points at
    /// `len` elements alive during the call (or `len` is 0).
    #[allow(unsafe_code)]
    unsafe extern "C" fn sink(ctx: *mut c_void, data: *const i64, len: usize) {
        // SAFETY: the function's contract.
        let f = unsafe { &mut *(ctx as *mut &mut dyn FnMut(&[i64])) };
        let v: &[i64] = if len == 0 || data.is_null() {
            &[]
        } else {
            // SAFETY: the function's contract.
            unsafe { std::slice::from_raw_parts(data, len) }
        };
        // No unwinding through the plugin's frames.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(v)));
    }
    let Ok(plugin) = slot(P) else {
        return false;
    };
    let (Some(read), Ok(handle)) = (plugin.api.read_i64, plugin.handle_of_guarded(t)) else {
        return false;
    };
    let mut f = f;
    // SAFETY: a live handle of this plugin; `sink` is given `ctx`, the address of `f`, which
    // outlives the call.
    #[allow(unsafe_code)]
    let read = unsafe {
        read(
            handle as *mut c_void,
            sink,
            &mut f as *mut &mut dyn FnMut(&[i64]) as *mut c_void,
        )
    };
    read == 1
}

fn per_slot<R>(index: usize, f: impl FnOnce(SlotFns) -> R) -> R {
    f(match index {
        0 => slot_fns::<0>(),
        1 => slot_fns::<1>(),
        2 => slot_fns::<2>(),
        _ => slot_fns::<3>(),
    })
}

fn detect<const P: usize>() -> std::result::Result<String, String> {
    let plugin = slot(P).map_err(|e| e.to_string())?;
    plugin.text(plugin.api.detect_version)
}

fn devices<const P: usize>() -> Vec<Device> {
    let Ok(plugin) = slot(P) else {
        return vec![Device::Cpu];
    };
    match plugin.text(plugin.api.devices) {
        Ok(list) => list
            .split(',')
            .filter_map(|d| Device::parse(d).ok())
            .collect(),
        Err(_) => vec![Device::Cpu],
    }
}

/// A plugin's tensor, held by a host tensor: the handle, released when the host tensor goes.
pub(crate) struct PluginTensor {
    handle: *mut c_void,
    plugin: &'static Loaded,
}

// SAFETY: the handle is a tensorswitch `Tensor` of the plugin (which is Send and Sync), only
// passed back to the plugin's functions, which may run on any thread.
#[allow(unsafe_code)]
unsafe impl Send for PluginTensor {}
// SAFETY: as for `Send`; the host never reads through the handle.
#[allow(unsafe_code)]
unsafe impl Sync for PluginTensor {}

impl Drop for PluginTensor {
    fn drop(&mut self) {
        // SAFETY: the handle came from this plugin and is released once (here).
        #[allow(unsafe_code)]
        unsafe {
            (self.plugin.api.release)(self.handle)
        }
    }
}

impl Loaded {
    /// The handle of a host tensor of this plugin, for the host's slot functions (which run
    /// inside a read section: no guard needed).
    #[inline(always)]
    pub(crate) fn handle_of(&'static self, x: &Tensor) -> Result<usize> {
        if self.shares_blocks {
            // The block itself: the dispatch that called the slot function checked that `x`
            // is of this backend, and the plugin's core reads any block safely (by its native
            // type, following a converted tensor's forwarding as the host's core would).
            return Ok(x.handle().addr());
        }
        // SAFETY: called only by the host's slot functions (`kinds`), which the core calls
        // inside an op's read section; the reference is used only in this function.
        let native = unsafe { x.native_in_slot::<PluginTensor>() };
        self.handle_in(native).ok_or_else(|| self.not_mine(x))
    }

    /// [`Loaded::handle_of`] for callers outside a slot (the descriptor's `share_host`, which
    /// anyone may call): through a guard.
    pub(crate) fn handle_of_guarded(&'static self, x: &Tensor) -> Result<usize> {
        if self.shares_blocks {
            return self.block_of(x);
        }
        let native = x.native::<PluginTensor>();
        self.handle_in(native.as_deref())
            .ok_or_else(|| self.not_mine(x))
    }

    /// The block a plugin sharing its blocks reads for `x`, checked to be of this backend (a
    /// descriptor function may be given any tensor).
    fn block_of(&'static self, x: &Tensor) -> Result<usize> {
        if std::ptr::eq(x.backend_descriptor(), self.desc) {
            Ok(x.handle().addr())
        } else {
            Err(self.not_mine(x))
        }
    }

    /// The handle in `native`, if it is one of this plugin's.
    #[inline(always)]
    fn handle_in(&'static self, native: Option<&PluginTensor>) -> Option<usize> {
        match native {
            Some(t) if std::ptr::eq(t.plugin, self) => Some(t.handle as usize),
            _ => None,
        }
    }

    /// The error for a tensor that is not this plugin's.
    #[cold]
    #[inline(never)]
    fn not_mine(&'static self, x: &Tensor) -> Error {
        backend_error(
            self.desc.name,
            "plugin call",
            format!(
                "got a tensor of backend `{}`, not of this plugin; convert it with to_backend",
                x.backend()
            ),
        )
    }

    /// Calls op `op` (a host op index) with the encoded arguments.
    #[inline]
    pub(crate) fn call<R: Receive>(&'static self, op: usize, w: &Words) -> Result<R> {
        let Some(PluginOp { call, ctx, .. }) = self.ops.get(op).copied().flatten() else {
            return Err(backend_error(
                self.desc.name,
                Op::ALL[op].name(),
                "the plugin has no function for this op",
            ));
        };
        let mut out = TsOut::new();
        // SAFETY: `call` and `ctx` are the plugin's pair for this op (its kind checked against
        // the host's at load time, so the words are those `serve` reads); the words and `out`
        // live for the call.
        #[allow(unsafe_code)]
        let words = w.as_slice();
        let status = unsafe { call(ctx, words.as_ptr(), words.len(), &mut out) };
        if status == STATUS_OK {
            R::receive(&mut out, self)
        } else {
            Err(self.error(Op::ALL[op].name(), &mut out))
        }
    }

    /// Calls op `op`, a `UnaryFn`, through the plugin's direct trampoline (or the words where
    /// it has none).
    #[inline]
    pub(crate) fn unary<const P: usize, const OP: usize>(
        &'static self,
        x: &Tensor,
    ) -> Result<Tensor> {
        let (f, ctx) = match self.ops.get(OP).copied().flatten() {
            Some(o) if !o.direct.is_null() => (o.direct, o.ctx),
            _ => return rarely(|| super::kinds::UnaryFn::words::<P, OP>(self, x)),
        };
        let hx = self.handle_of(x)?;
        // SAFETY: a non-null direct trampoline of a `UnaryFn` op is a `TsUnaryFn` (kinds
        // checked at load time).
        #[allow(unsafe_code)]
        let f = unsafe { std::mem::transmute::<*const c_void, TsUnaryFn>(f) };
        // SAFETY: the handle is alive (the host holds `x`) for the call; the out-parameters
        // are writable.
        #[allow(unsafe_code)]
        self.direct_call(OP, |result, error| unsafe {
            f(ctx, hx as *mut c_void, result, error)
        })
    }

    /// [`Loaded::unary`] for a `BinaryFn`.
    #[inline]
    pub(crate) fn binary<const P: usize, const OP: usize>(
        &'static self,
        a: &Tensor,
        b: &Tensor,
    ) -> Result<Tensor> {
        let (f, ctx) = match self.ops.get(OP).copied().flatten() {
            Some(o) if !o.direct.is_null() => (o.direct, o.ctx),
            _ => return rarely(|| super::kinds::BinaryFn::words::<P, OP>(self, a, b)),
        };
        let (ha, hb) = (self.handle_of(a)?, self.handle_of(b)?);
        // SAFETY: as in `unary`, a `TsBinaryFn`.
        #[allow(unsafe_code)]
        let f = unsafe { std::mem::transmute::<*const c_void, TsBinaryFn>(f) };
        // SAFETY: as in `unary`.
        #[allow(unsafe_code)]
        self.direct_call(OP, |result, error| unsafe {
            f(ctx, ha as *mut c_void, hb as *mut c_void, result, error)
        })
    }

    /// Makes a direct call (`call`, given where the result and the error go) and takes its
    /// result: the tensor it wrote, or the error.
    #[inline(always)]
    fn direct_call(
        &'static self,
        op: usize,
        call: impl FnOnce(*mut TsTensor, *mut TsOut) -> i32,
    ) -> Result<Tensor> {
        let mut result = MaybeUninit::<TsTensor>::uninit();
        let mut error = MaybeUninit::<TsOut>::uninit();
        let status = call(result.as_mut_ptr(), error.as_mut_ptr());
        if status == STATUS_OK {
            if self.shares_blocks {
                // SAFETY: on success a plugin sharing blocks wrote the handle (only that:
                // `kinds::give_tensor_to`), a block it gave up for the host, made on this thread.
                #[allow(unsafe_code)]
                return Ok(unsafe {
                    let block = std::ptr::addr_of!((*result.as_ptr()).handle).read();
                    Tensor::adopt_shared(block.cast(), self.desc)
                });
            }
            // SAFETY: on success the trampoline wrote the result (`serve::guard_direct`).
            #[allow(unsafe_code)]
            let t = unsafe { result.assume_init_read() };
            match DType::ALL.get(t.dtype as usize) {
                Some(&dtype) => Ok(self.wrap(t, dtype)),
                None => Err(self.refuse_tensors(&[t], 1)),
            }
        } else {
            // SAFETY: on failure the trampoline wrote the whole error (`serve::guard_direct`).
            #[allow(unsafe_code)]
            let out = unsafe { error.assume_init_mut() };
            Err(self.op_error(op, out))
        }
    }

    /// The error a call of op `op` reported.
    #[cold]
    #[inline(never)]
    fn op_error(&self, op: usize, out: &mut TsOut) -> Error {
        self.error(Op::ALL[op].name(), out)
    }

    /// Calls a text function (`detect_version`, `devices`).
    fn text(&self, f: super::abi::TsTextFn) -> std::result::Result<String, String> {
        let mut out = TsOut::new();
        // SAFETY: one of the plugin's text functions, given a writable out-parameter.
        #[allow(unsafe_code)]
        let status = unsafe { f(&mut out) };
        let text = self.take_text(&mut out);
        if status == STATUS_OK {
            Ok(text)
        } else {
            Err(text)
        }
    }

    fn take_text(&self, out: &mut TsOut) -> String {
        // SAFETY: the plugin's buffer, valid until freed just below.
        #[allow(unsafe_code)]
        let text = unsafe { out.text.data.to_string_lossy() };
        // SAFETY: the owner came from the plugin and is freed once.
        #[allow(unsafe_code)]
        unsafe {
            (self.api.free)(out.text.owner)
        };
        out.text = super::abi::TsBuf::EMPTY;
        text
    }

    /// The plugin's description.
    pub(crate) fn api(&self) -> &'static TsPlugin {
        self.api
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn error(&self, op: &'static str, out: &mut TsOut) -> Error {
        let message = self.take_text(out);
        let backend = self.desc.name.to_string();
        match out.error_kind {
            k if k == ErrorKind::InvalidArgument as u32 => Error::InvalidArgument {
                op,
                reason: message,
            },
            k if k == ErrorKind::Device as u32 => Error::Device(message),
            k if k == ErrorKind::InvalidShape as u32 => Error::InvalidShape {
                op,
                reason: message,
            },
            k if k == ErrorKind::OutOfMemory as u32 => Error::OutOfMemory {
                op,
                bytes: out.error_value as usize,
            },
            k if k == ErrorKind::UnsupportedDType as u32 => match dtype_of(out.error_value) {
                Ok(dtype) => Error::UnsupportedDType {
                    op,
                    dtype,
                    backend,
                    version: (self.desc.detect_version)().unwrap_or_default(),
                    supported: Vec::new(),
                },
                Err(e) => e,
            },
            k if k == ErrorKind::Panic as u32 => Error::Backend {
                backend,
                op,
                message: format!("the plugin panicked: {message}"),
            },
            _ => Error::Backend {
                backend,
                op,
                message,
            },
        }
    }

    /// Takes the `N` tensor results over (releasing them all if they are not what was asked).
    #[inline]
    pub(crate) fn take_tensors<const N: usize>(
        &'static self,
        out: &mut TsOut,
    ) -> Result<[Tensor; N]> {
        if out.n_tensors as usize == N {
            let mut dtypes = [DType::Float32; N];
            let mut valid = true;
            for (d, t) in dtypes.iter_mut().zip(&out.tensors) {
                match DType::ALL.get(t.dtype as usize) {
                    Some(&dtype) => *d = dtype,
                    None => valid = false,
                }
            }
            if valid {
                return Ok(std::array::from_fn(|i| {
                    self.wrap(out.tensors[i], dtypes[i])
                }));
            }
        }
        let n = (out.n_tensors as usize).min(out.tensors.len());
        out.n_tensors = 0;
        Err(self.refuse_tensors(&out.tensors[..n], N))
    }

    /// Releases results that are not what the slot kind returns.
    #[cold]
    #[inline(never)]
    fn refuse_tensors(&'static self, tensors: &[TsTensor], expected: usize) -> Error {
        let n = tensors.len();
        for t in tensors {
            // SAFETY: handles from this plugin, given to the host, released once.
            #[allow(unsafe_code)]
            unsafe {
                (self.api.release)(t.handle)
            };
        }
        backend_error(
            self.desc.name,
            "plugin call",
            format!(
                "the plugin returned {n} tensor(s) (with valid dtypes) where the slot kind has \
                 {expected}"
            ),
        )
    }

    #[inline]
    fn wrap(&'static self, t: TsTensor, dtype: DType) -> Tensor {
        if self.shares_blocks {
            // SAFETY: a plugin sharing its blocks hands its results over as its blocks (one
            // reference each, given up for the host), made on this thread by the same build
            // of the core.
            #[allow(unsafe_code)]
            return unsafe { Tensor::adopt_shared(t.handle.cast(), self.desc) };
        }
        // SAFETY: the plugin's shape of a live handle (not released until the host tensor
        // made here drops), `ndim` sizes long.
        #[allow(unsafe_code)]
        let shape = unsafe { slice(t.shape, t.ndim) };
        let device = device_of(t.device_kind as u64, t.device_index);
        let native = PluginTensor {
            handle: t.handle,
            plugin: self,
        };
        Tensor::from_native(self.desc, dtype, shape, device, native)
    }

    /// Takes host data over: copies it, then frees the plugin's buffer.
    pub(crate) fn take_host(&self, out: &mut TsOut) -> Result<HostData> {
        let buf = out.host;
        out.host = super::abi::TsBuf::EMPTY;
        let dtype = dtype_of(out.host_dtype as u64);
        /// Copies the buffer's elements as `T`s.
        ///
        /// # Safety
        /// `ptr` points at `bytes` bytes holding `T`s, aligned for `T` (a `Vec<T>`'s).
        #[allow(unsafe_code)]
        unsafe fn copy<T: Copy>(ptr: *const u8, bytes: usize) -> Vec<T> {
            let n = bytes / std::mem::size_of::<T>();
            if n == 0 {
                return Vec::new();
            }
            // SAFETY: the function's contract.
            unsafe { std::slice::from_raw_parts(ptr as *const T, n) }.to_vec()
        }
        let (p, b) = (buf.data.ptr, buf.data.len);
        // SAFETY: the plugin's buffer is the vector of a `HostData` of dtype `host_dtype`
        // (`Give for HostData`), alive until freed below.
        #[allow(unsafe_code)]
        let data = unsafe {
            match dtype {
                Ok(DType::Bool) => Ok(HostData::Bool(copy(p, b))),
                Ok(DType::Int8) => Ok(HostData::Int8(copy(p, b))),
                Ok(DType::Int16) => Ok(HostData::Int16(copy(p, b))),
                Ok(DType::Int32) => Ok(HostData::Int32(copy(p, b))),
                Ok(DType::Int64) => Ok(HostData::Int64(copy(p, b))),
                Ok(DType::UInt8) => Ok(HostData::UInt8(copy(p, b))),
                Ok(DType::UInt16) => Ok(HostData::UInt16(copy(p, b))),
                Ok(DType::UInt32) => Ok(HostData::UInt32(copy(p, b))),
                Ok(DType::UInt64) => Ok(HostData::UInt64(copy(p, b))),
                Ok(DType::Float32) => Ok(HostData::Float32(copy(p, b))),
                Ok(DType::Float64) => Ok(HostData::Float64(copy(p, b))),
                Ok(d) => Err(backend_error(
                    self.desc.name,
                    "to_host",
                    format!("{d} has no host representation"),
                )),
                Err(e) => Err(e),
            }
        };
        // SAFETY: the owner came from the plugin and is freed once.
        #[allow(unsafe_code)]
        unsafe {
            (self.api.free)(buf.owner)
        };
        data
    }
}
