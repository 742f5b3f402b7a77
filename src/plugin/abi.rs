//! The C boundary between a program and a backend plugin: `#[repr(C)]` types only, and the
//! word encoding of slot arguments.
//!
//! Layout rules (a plugin built against another ABI version is refused before any of this is
//! read, so these may change with [`PLUGIN_ABI_VERSION`]):
//! * [`TsPlugin`]'s first three fields (`abi_version`, `core_version`, `catalogue`) never move:
//!   the host reads them first and refuses a mismatch without touching the rest.
//! * Every pointer the plugin hands out points at memory the plugin allocated and frees: the
//!   description and its arrays are `'static` in the plugin (libraries are never unloaded),
//!   tensors are released with [`TsPlugin::release`], and buffers (host data, messages) with
//!   [`TsPlugin::free`] once the host has copied them.
//! * Slot arguments cross as a flat array of 64-bit words ([`Words`]): tensors as the plugin's
//!   own handles, slices as a length and their elements, borrowed host data as a pointer and a
//!   length (the plugin copies it during the call).

use crate::dtype::{DType, Scalar};
use crate::error::{Error, Result};
use crate::tensor::Device;
use std::ffi::c_void;

/// The version of this boundary (4: with [`TsPlugin::share_blocks`]). A plugin reporting
/// another is refused.
pub const PLUGIN_ABI_VERSION: u32 = 4;

/// The symbol every plugin exports (see [`TsEntryFn`]).
pub const ENTRY_SYMBOL: &str = "tensorswitch_plugin_entry";

/// A string or byte range owned by one side and borrowed by the other for as long as the owner
/// says (a `'static` string of the plugin, or a buffer until it is freed).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TsStr {
    /// The first byte (may be dangling when `len` is 0).
    pub ptr: *const u8,
    /// The number of bytes.
    pub len: usize,
}

impl TsStr {
    /// Borrows a `'static` string.
    pub const fn of(s: &'static str) -> TsStr {
        TsStr {
            ptr: s.as_ptr(),
            len: s.len(),
        }
    }

    /// The empty string.
    pub const EMPTY: TsStr = TsStr::of("");

    /// Copies the text (lossily, should a plugin send invalid UTF-8).
    ///
    /// # Safety
    /// `ptr` is valid for reads of `len` bytes.
    pub(crate) unsafe fn to_string_lossy(self) -> String {
        if self.len == 0 {
            return String::new();
        }
        // SAFETY: the caller's contract.
        let bytes = unsafe { std::slice::from_raw_parts(self.ptr, self.len) };
        String::from_utf8_lossy(bytes).into_owned()
    }
}

/// A buffer the plugin allocated: `data` is valid until the host passes `owner` to
/// [`TsPlugin::free`]. A null `owner` means there is nothing to free.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TsBuf {
    /// The contents.
    pub data: TsStr,
    /// The plugin's owner of the memory.
    pub owner: *mut c_void,
}

impl TsBuf {
    /// An empty buffer with nothing to free.
    pub const EMPTY: TsBuf = TsBuf {
        data: TsStr::EMPTY,
        owner: std::ptr::null_mut(),
    };
}

/// A tensor result: the plugin's handle and the metadata the host's tensor needs.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TsTensor {
    /// The plugin's handle; the host owns it and gives it back to [`TsPlugin::release`].
    pub handle: *mut c_void,
    /// Position of the dtype in [`DType::ALL`].
    pub dtype: u32,
    /// 0 CPU, 1 CUDA, 2 Metal.
    pub device_kind: u32,
    /// The device index.
    pub device_index: u64,
    /// The number of dimensions.
    pub ndim: usize,
    /// The sizes, valid while the handle is alive.
    pub shape: *const usize,
}

impl TsTensor {
    /// No tensor.
    pub const NONE: TsTensor = TsTensor {
        handle: std::ptr::null_mut(),
        dtype: 0,
        device_kind: 0,
        device_index: 0,
        ndim: 0,
        shape: std::ptr::null(),
    };
}

/// What a slot call returns through its out-parameter.
#[repr(C)]
#[derive(Debug)]
pub struct TsOut {
    /// Tensor results (one, two or three are used, by the slot kind).
    pub tensors: [TsTensor; 3],
    /// How many of `tensors` are set.
    pub n_tensors: u32,
    /// Host data (`to_host`): its dtype (position in [`DType::ALL`]).
    pub host_dtype: u32,
    /// Host data: the elements (`data.len` counts bytes).
    pub host: TsBuf,
    /// On failure: the error's kind (see [`ErrorKind`]).
    pub error_kind: u32,
    /// On failure: a number that goes with the kind (a dtype, a byte count).
    pub error_value: u64,
    /// On failure, or the text of a text result: the message.
    pub text: TsBuf,
}

impl TsOut {
    /// An out-parameter with nothing set.
    pub const fn new() -> TsOut {
        TsOut {
            tensors: [TsTensor::NONE; 3],
            n_tensors: 0,
            host_dtype: 0,
            host: TsBuf::EMPTY,
            error_kind: 0,
            error_value: 0,
            text: TsBuf::EMPTY,
        }
    }
}

impl Default for TsOut {
    fn default() -> Self {
        TsOut::new()
    }
}

/// A call returned normally.
pub const STATUS_OK: i32 = 0;
/// A call failed; the error is in the out-parameter.
pub const STATUS_ERROR: i32 = 1;

/// The kinds of error that cross the boundary with their meaning intact; every other error
/// crosses as [`ErrorKind::Backend`] with its message.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// `Error::Backend` (the message).
    Backend = 0,
    /// `Error::InvalidArgument` (the reason).
    InvalidArgument = 1,
    /// `Error::Device` (the message).
    Device = 2,
    /// `Error::UnsupportedDType` (the dtype in `error_value`).
    UnsupportedDType = 3,
    /// `Error::InvalidShape` (the reason).
    InvalidShape = 4,
    /// `Error::OutOfMemory` (bytes in `error_value`).
    OutOfMemory = 5,
    /// The plugin panicked (the panic's message).
    Panic = 6,
}

/// A slot call: `ctx` is the plugin's function for the op, `args` the encoded arguments.
pub type TsCallFn = unsafe extern "C" fn(
    ctx: *const c_void,
    args: *const u64,
    n_args: usize,
    out: *mut TsOut,
) -> i32;

/// A call without arguments that returns text (`detect_version`, `devices`) in `out.text`, or
/// an error.
pub type TsTextFn = unsafe extern "C" fn(out: *mut TsOut) -> i32;

/// The entry point: given the host's ABI version and core version, the plugin's description
/// (never null; `'static`).
pub type TsEntryFn = unsafe extern "C" fn(host_abi: u32, host_core: TsStr) -> *const TsPlugin;

/// One primary of the plugin.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TsOp {
    /// The variant name it was registered under (`"add"`, `"vecdot_v_1p13_and_above"`).
    pub variant: TsStr,
    /// The op's identifier (`"add"`, `"linalg_inv"`).
    pub op: TsStr,
    /// The slot kind (`"BinaryFn"`): the host checks it against its own catalogue.
    pub kind: TsStr,
    /// The trampoline of the slot kind.
    pub call: TsCallFn,
    /// The plugin's function, passed back to `call`.
    pub ctx: *const c_void,
    /// For a slot kind whose arguments are one or two tensors and whose result is one tensor
    /// (`UnaryFn`, `BinaryFn`): a trampoline taking the handles themselves, a [`TsUnaryFn`]
    /// or a [`TsBinaryFn`] by the kind, which the host calls instead of `call` (no argument
    /// words, no full out-parameter on success). Null otherwise, or when the plugin has none.
    pub direct: *const c_void,
}

/// [`TsOp::direct`] of a `UnaryFn`: the op's `ctx`, the argument's handle (alive for the
/// call), where to write the result, and where to write an error (written only when the
/// status is not [`STATUS_OK`], as a whole `TsOut`).
pub type TsUnaryFn = unsafe extern "C" fn(
    ctx: *const c_void,
    x: *mut c_void,
    result: *mut TsTensor,
    error: *mut TsOut,
) -> i32;

/// [`TsOp::direct`] of a `BinaryFn`: as [`TsUnaryFn`], with two argument handles.
pub type TsBinaryFn = unsafe extern "C" fn(
    ctx: *const c_void,
    a: *mut c_void,
    b: *mut c_void,
    result: *mut TsTensor,
    error: *mut TsOut,
) -> i32;

/// One unsupported-dtype entry: a version range and a set of dtypes (bit `i` is
/// `DType::ALL[i]`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TsUnsupported {
    /// The range in the variant grammar (`"all"`, `"2p1_to_2p3"`).
    pub range: TsStr,
    /// The dtypes.
    pub dtypes: u32,
}

/// What a plugin's entry point returns.
#[repr(C)]
#[derive(Debug)]
pub struct TsPlugin {
    /// [`PLUGIN_ABI_VERSION`] of the core the plugin was built with.
    pub abi_version: u32,
    /// The version of tensorswitch the plugin was built with.
    pub core_version: TsStr,
    /// The catalogue's fingerprint (see [`catalogue_fingerprint`]) the plugin was built with.
    pub catalogue: u64,
    /// The backend's name (`"torch"`).
    pub name: TsStr,
    /// The framework, for messages.
    pub framework: TsStr,
    /// The largest dimension size the framework holds.
    pub max_dim: usize,
    /// Detects the framework's version (text), or says why it cannot run.
    pub detect_version: TsTextFn,
    /// The devices it can use, as text separated by commas (`"cpu,cuda:0"`).
    pub devices: TsTextFn,
    /// Unsupported dtypes per version range.
    pub unsupported: *const TsUnsupported,
    /// Their number.
    pub n_unsupported: usize,
    /// The primaries.
    pub ops: *const TsOp,
    /// Their number.
    pub n_ops: usize,
    /// Releases a tensor handle.
    pub release: unsafe extern "C" fn(handle: *mut c_void),
    /// Frees a buffer's owner.
    pub free: unsafe extern "C" fn(owner: *mut c_void),
    /// Lends a tensor's CPU memory (see [`crate::SharedHost`]): fills the `TsShared` and
    /// returns 1, or returns 0 when this tensor cannot be lent.
    pub share_host: unsafe extern "C" fn(handle: *mut c_void, shared: *mut TsShared) -> i32,
    /// Wraps memory the host lends (taking over `shared.owner`, freed with `shared.free` once
    /// the plugin is done with the memory): a tensor in `out`, or an error (then the host
    /// copies instead).
    pub import_shared_host: unsafe extern "C" fn(shared: *const TsShared, out: *mut TsOut) -> i32,
    /// Computes a tensor now (see [`crate::evaluate`]): a lazy backend's (MLX's) evaluation,
    /// with an error in `out`. Null for an eager backend (ABI 2).
    pub evaluate: Option<TsEvaluateFn>,
    /// Hands an int64 tensor's elements, where they are, to `sink` (see
    /// [`BackendDescriptor::read_i64`](crate::BackendDescriptor::read_i64)) and returns 1, or
    /// returns 0 when it cannot. Null when the backend has no such reader (ABI 2).
    pub read_i64: Option<TsReadI64Fn>,
    /// Offers to share tensor blocks (ABI 4): the host describes its build; a plugin whose core
    /// the same compiler built from the same core (checked as described at
    /// [`TsIdentity`]) agrees and returns 1, and from then on hands its tensors over as blocks
    /// the host uses as its own, reads the host's tensors of its backend the same way, and
    /// gives registry slots back through the host's hooks. 0: handles as before. Null: never.
    pub share_blocks: Option<TsShareBlocksFn>,
}

/// [`TsPlugin::share_blocks`]: the host's build, and the host's descriptor of the backend (the
/// plugin's core caches its own table there too); 1 if the plugin shares its blocks.
pub type TsShareBlocksFn =
    unsafe extern "C" fn(identity: *const TsIdentity, host_descriptor: *const c_void) -> i32;

/// A core's build, as the host describes it to [`TsPlugin::share_blocks`]. The plugin compares
/// the two strings first; only if both are its own does it read `type_id` and `hooks`, which
/// are Rust values laid out by that compiler.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TsIdentity {
    /// The compiler (`rustc -vV`, on one line).
    pub rustc: TsStr,
    /// The core's version.
    pub core_version: TsStr,
    /// A `std::any::TypeId` of a type of the core: equal only in the same build of the same
    /// crate (its version, features and compiler).
    pub type_id: *const c_void,
    /// The host's `live::HostHooks`.
    pub hooks: *const c_void,
}

/// [`TsPlugin::evaluate`]: the tensor's handle and an out-parameter for the error; a status.
pub type TsEvaluateFn = unsafe extern "C" fn(handle: *mut c_void, out: *mut TsOut) -> i32;

/// What [`TsPlugin::read_i64`] calls with the elements: the host's `ctx`, the first element
/// and their number, valid during the call only.
pub type TsI64Sink = unsafe extern "C" fn(ctx: *mut c_void, data: *const i64, len: usize);

/// [`TsPlugin::read_i64`]: the tensor's handle, the host's sink and its context; 1 when the
/// sink was called with the elements, 0 when they cannot be read in place.
pub type TsReadI64Fn =
    unsafe extern "C" fn(handle: *mut c_void, sink: TsI64Sink, ctx: *mut c_void) -> i32;

/// CPU memory lent across the boundary (a [`crate::SharedHost`] in C): the lender's `owner`
/// keeps the memory (and the `shape` and `strides` arrays) alive and unchanged until the
/// borrower calls `free(owner)`, from any thread.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TsShared {
    /// The element at index (0, …, 0).
    pub ptr: *const u8,
    /// Position of the dtype in [`DType::ALL`].
    pub dtype: u32,
    /// The number of dimensions.
    pub ndim: usize,
    /// The sizes.
    pub shape: *const usize,
    /// The strides, in elements.
    pub strides: *const isize,
    /// The lender's owner of the memory.
    pub owner: *mut c_void,
    /// Releases `owner` (a function of the lender).
    pub free: unsafe extern "C" fn(owner: *mut c_void),
}

/// A fingerprint of the catalogue: each op's identifier and slot kind, in order. Host and
/// plugin must agree on it, since ops and arguments cross by position.
pub fn catalogue_fingerprint() -> u64 {
    // FNV-1a, 64 bits.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h ^= *b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    };
    for (op, kind) in super::kinds::OP_KINDS {
        eat(op.as_bytes());
        eat(kind.as_bytes());
    }
    h
}

// ----- the word encoding of slot arguments

/// Encoded slot arguments: inline up to `Words::INLINE` words (a call with a few tensors
/// and axes does not allocate), then in a vector. A plain array and a length rather than a
/// `SmallVec`: a push is one compare and one store.
pub struct Words {
    inline: [u64; Words::INLINE],
    len: usize,
    /// All the words once there are more than `INLINE` (empty until then).
    spill: Vec<u64>,
}

impl Words {
    /// How many words are kept without an allocation.
    pub(crate) const INLINE: usize = 16;

    #[inline(always)]
    pub(crate) fn new() -> Words {
        Words {
            inline: [0; Words::INLINE],
            len: 0,
            spill: Vec::new(),
        }
    }

    #[inline(always)]
    pub(crate) fn push(&mut self, w: u64) {
        if self.len < Words::INLINE {
            self.inline[self.len] = w;
            self.len += 1;
        } else {
            self.push_spilled(w);
        }
    }

    #[cold]
    #[inline(never)]
    fn push_spilled(&mut self, w: u64) {
        if self.spill.is_empty() {
            self.spill.extend_from_slice(&self.inline);
        }
        self.spill.push(w);
    }

    /// The words pushed so far, in order.
    #[inline(always)]
    pub(crate) fn as_slice(&self) -> &[u64] {
        if self.spill.is_empty() {
            &self.inline[..self.len]
        } else {
            &self.spill
        }
    }
}

/// Reads encoded arguments in order. Every read is checked against the length: a malformed
/// argument list is an error, never a read out of bounds.
pub struct Reader<'a> {
    words: &'a [u64],
    at: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(words: &'a [u64]) -> Reader<'a> {
        Reader { words, at: 0 }
    }

    #[inline]
    pub(crate) fn word(&mut self) -> Result<u64> {
        let w = self.words.get(self.at).copied().ok_or_else(malformed)?;
        self.at += 1;
        Ok(w)
    }

    pub(crate) fn words(&mut self, n: usize) -> Result<&'a [u64]> {
        let end = self.at.checked_add(n).ok_or_else(malformed)?;
        let s = self.words.get(self.at..end).ok_or_else(malformed)?;
        self.at = end;
        Ok(s)
    }
}

fn malformed() -> Error {
    crate::error::backend_error(
        "plugin",
        "plugin call",
        "the host sent fewer argument words than the slot kind reads (host and plugin disagree \
         on the boundary; rebuild the plugin against this tensorswitch)",
    )
}

pub(crate) fn dtype_code(d: DType) -> u64 {
    d as u64
}

pub(crate) fn dtype_of(code: u64) -> Result<DType> {
    DType::ALL.get(code as usize).copied().ok_or_else(|| {
        crate::error::backend_error(
            "plugin",
            "plugin call",
            format!("dtype code {code} is not a dtype of this tensorswitch"),
        )
    })
}

pub(crate) fn device_code(d: Device) -> (u32, u64) {
    match d {
        Device::Cpu => (0, 0),
        Device::Cuda(i) => (1, i as u64),
        Device::Metal(i) => (2, i as u64),
    }
}

pub(crate) fn device_of(kind: u64, index: u64) -> Device {
    match kind {
        1 => Device::Cuda(index as usize),
        2 => Device::Metal(index as usize),
        _ => Device::Cpu,
    }
}

pub(crate) fn scalar_words(s: Scalar) -> [u64; 2] {
    match s {
        Scalar::Bool(b) => [0, b as u64],
        Scalar::Int(i) => [1, i as u64],
        Scalar::UInt(u) => [2, u],
        Scalar::Float(f) => [3, f.to_bits()],
    }
}

pub(crate) fn scalar_of(tag: u64, bits: u64) -> Scalar {
    match tag {
        0 => Scalar::Bool(bits != 0),
        1 => Scalar::Int(bits as i64),
        2 => Scalar::UInt(bits),
        _ => Scalar::Float(f64::from_bits(bits)),
    }
}
