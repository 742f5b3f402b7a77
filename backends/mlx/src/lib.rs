//! # tensorswitch-mlx
//!
//! The MLX backend of tensorswitch (`"mlx"`), through the [`mlx_rs`] crate. Link it with
//! `use tensorswitch_mlx as _;`. On Linux it runs MLX's CPU backend from PyPI's `mlx-cpu`
//! wheel (see the README and `scripts/setup-mlx.sh`).
//!
//! **Laziness.** MLX builds a graph and computes nothing until asked. The primaries keep it
//! that way: ops return unevaluated arrays (shapes and dtypes are known without evaluating),
//! and the backend evaluates where a result is observed — `to_host` (which `to_vec`,
//! conversion to other backends and printing go through). A chain of ops therefore evaluates
//! once, at the end. Two ops evaluate at the call, because their errors depend on values:
//! `linalg.inv` (a singular matrix) and `pow` of integers with a signed integer exponent (a
//! negative exponent). [`evaluations`] counts the evaluations this backend asked for.
//!
//! **Failed evaluations.** MLX leaves the arrays of a failed evaluation marked as evaluated,
//! holding whatever their kernels wrote. A tensor whose evaluation failed therefore keeps
//! returning that error, from `to_host` and from every op it is passed to.
//!
//! **Dtypes and devices.** MLX has every tensorswitch dtype from MLX 0.23.0 on; before it,
//! float64 (the descriptor's per-version metadata, `UNSUPPORTED_DTYPES`). The devices are the
//! CPU and, where MLX reports a Metal GPU, `metal:0`, which has no float64 in any version (the
//! per-device table `DEVICE_GAPS`): creating or converting to float64 there is an
//! `Error::UnsupportedDType` naming the device. MLX arrays have no device: an op runs on the
//! stream of MLX's default device when it is built, so this backend sets that device to the
//! inputs' before building ops (only where a Metal GPU exists; otherwise MLX has only the CPU).
//!
//! **Threads.** mlx-rs's `Array` is `Send` but not `Sync`, and MLX's graph evaluation mutates
//! shared nodes. Every MLX call this crate makes (building an op, evaluating, reading data,
//! freeing a handle) holds one process-wide lock, which is what makes sharing tensors between
//! threads sound (see [`MlxTensor`]).
#![warn(missing_docs)]
#![deny(unsafe_code)]

// The primaries, by theme. Each takes the MLX lock, builds an MLX op and wraps the result
// without evaluating it; `to_host` evaluates, and so do `linalg.inv` and integer `pow` (see
// their documentation).
//
// Where MLX 0.32.2's CPU backend differs from the catalogue's semantics the primary fixes it
// up (each says why): zero-size inputs that MLX's kernels divide by (SIGFPE, which kills the
// process) or refuse, float64 `exp`/`sin`/`cos` (computed in float32 by MLX, see `float64`),
// float32 `exp` near its overflow, `sign(NaN)`, NaN in `argmax`/`argmin`, negative integer
// powers, integer `matmul`, float16/bfloat16 `linalg`, and saturating float-to-integer
// `astype`.
mod bitwise;
mod compile;
mod division;
mod elementwise;
mod host;
mod indexing;
mod kernels;
mod linalg;
mod manip;
mod nn;
mod reduce;

use mlx_rs::{Array, Dtype};
use std::cell::Cell;
use std::mem::ManuallyDrop;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};
use tensorswitch::kit::{BackendKit, DTypeMap};
use tensorswitch::version::VersionRange;
use tensorswitch::{BackendDescriptor, DType, Device, Error, Result, Tensor, Version};

pub use compile::{compile_graph, MlxCompiled};

/// The backend's name.
pub const NAME: &str = "mlx";

/// The MLX version this crate was built against (from the headers of the MLX it linked);
/// empty when the build could not tell.
pub const BUILT_AGAINST: &str = env!("TENSORSWITCH_MLX_VERSION");

/// The backend descriptor, registered under the name `"mlx"`.
pub static MLX: BackendDescriptor = BackendDescriptor::new(NAME, "MLX (mlx-rs)", detect_version)
    .with_unsupported_dtypes(UNSUPPORTED_DTYPES)
    .with_devices(devices)
    .with_max_dim(i32::MAX as usize) // MLX's shapes are `int`
    .with_evaluate(host::evaluate);
tensorswitch::register_backend!(MLX);

/// Dtypes MLX lacks on every device, per MLX version (the descriptor's metadata; ranges in the
/// grammar of `tensorswitch::version`). MLX has every integer width (int8 to int64, uint8 to
/// uint64), bool, float16, bfloat16 and float32 in all versions. float64 arrived with
/// ml-explore/mlx PR #1843 "Fp64 on the CPU" (merged 2025-02-07, first released in MLX 0.23.0),
/// and only on the CPU: see [`DEVICE_GAPS`] for the GPU.
const UNSUPPORTED_DTYPES: &[(&str, &[DType])] = &[("0p22_and_below", &[DType::Float64])];

/// The kinds of device this backend can place tensors on, for [`DEVICE_GAPS`].
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceKind {
    /// MLX's CPU backend.
    Cpu,
    /// MLX's GPU backend on Apple silicon (Metal).
    Metal,
}

impl DeviceKind {
    /// The kind of a tensorswitch device; `None` for devices MLX has no backend for here.
    pub fn of(device: Device) -> Option<DeviceKind> {
        match device {
            Device::Cpu => Some(DeviceKind::Cpu),
            Device::Metal(_) => Some(DeviceKind::Metal),
            Device::Cuda(_) => None,
        }
    }
}

/// Dtypes MLX lacks on one kind of device, per MLX version range (`"all"` or the grammar of
/// `tensorswitch::version`); on top of [`UNSUPPORTED_DTYPES`], which holds on every device.
/// Checked wherever this backend chooses a tensor's device and dtype (`from_host`, `full`,
/// `arange`, `astype`; `to_device` goes through `from_host`).
///
/// * float64 on Metal, every version: Metal has no 64-bit float type. Before MLX 0.23 float64
///   did not exist at all; from 0.23 (PR #1843, "Fp64 on the CPU") float64 arrays are CPU-only
///   and MLX throws when a GPU stream evaluates one.
const DEVICE_GAPS: &[(&str, DeviceKind, &[DType])] =
    &[("all", DeviceKind::Metal, &[DType::Float64])];

tensorswitch::primaries! { NAME;
    from_host => host::from_host,
    to_host => host::to_host,
    full => host::full,
    arange => host::arange,
    // `full`'s primary with the value fixed (so float16/bfloat16 work, as for `full`).
    zeros_like => host::zeros,
    ones_like => host::ones,
    empty => host::zeros,
    empty_like => host::zeros,
    full_like => host::full,
    add => elementwise::add,
    subtract => elementwise::subtract,
    multiply => elementwise::multiply,
    divide => elementwise::divide,
    pow => elementwise::pow,
    maximum => elementwise::maximum,
    minimum => elementwise::minimum,
    negative => elementwise::negative,
    abs => elementwise::abs,
    exp => elementwise::exp,
    log => elementwise::log,
    log1p => elementwise::log1p,
    expm1 => elementwise::expm1,
    sqrt => elementwise::sqrt,
    square => elementwise::square,
    sin => elementwise::sin,
    cos => elementwise::cos,
    tan => elementwise::tan,
    sinh => elementwise::sinh,
    cosh => elementwise::cosh,
    asin => elementwise::asin,
    acos => elementwise::acos,
    atan => elementwise::atan,
    asinh => elementwise::asinh,
    acosh => elementwise::acosh,
    atanh => elementwise::atanh,
    log2 => elementwise::log2,
    log10 => elementwise::log10,
    atan2 => elementwise::atan2,
    floor_divide => division::floor_divide,
    remainder => division::remainder,
    tanh => elementwise::tanh,
    floor => elementwise::floor,
    ceil => elementwise::ceil,
    round => elementwise::round,
    trunc => elementwise::trunc,
    positive => elementwise::positive,
    isnan => elementwise::isnan,
    isinf => elementwise::isinf,
    isfinite => elementwise::isfinite,
    signbit => elementwise::signbit,
    sign => elementwise::sign,
    equal => elementwise::equal,
    not_equal => elementwise::not_equal,
    less => elementwise::less,
    less_equal => elementwise::less_equal,
    greater => elementwise::greater,
    greater_equal => elementwise::greater_equal,
    logical_and => elementwise::logical_and,
    logical_or => elementwise::logical_or,
    logical_not => elementwise::logical_not,
    where_ => elementwise::where_,
    bitwise_and => bitwise::bitwise_and,
    bitwise_or => bitwise::bitwise_or,
    bitwise_xor => bitwise::bitwise_xor,
    bitwise_left_shift => bitwise::bitwise_left_shift,
    bitwise_right_shift => bitwise::bitwise_right_shift,
    bitwise_invert => bitwise::bitwise_invert,
    matmul => linalg::matmul,
    linalg_inv => linalg::inv,
    linalg_det => linalg::det,
    linalg_svd => linalg::svd,
    linalg_svdvals => linalg::svdvals,
    linalg_eigh => linalg::eigh,
    linalg_eigvalsh => linalg::eigvalsh,
    linalg_vector_norm => linalg::vector_norm,
    linalg_outer => linalg::outer,
    linalg_trace => linalg::trace,
    linalg_diagonal => linalg::diagonal,
    linalg_cross => linalg::cross,
    sum => reduce::sum,
    prod => reduce::prod,
    max => reduce::max,
    min => reduce::min,
    all => reduce::all,
    any => reduce::any,
    argmax => reduce::argmax,
    argmin => reduce::argmin,
    cumulative_sum => reduce::cumulative_sum,
    sort => reduce::sort,
    argsort => reduce::argsort,
    count_nonzero => reduce::count_nonzero,
    reshape => manip::reshape,
    permute_dims => manip::permute_dims,
    // The core passes `moveaxis` the final permutation, exactly what `permute_dims` gets.
    moveaxis => manip::permute_dims,
    roll => manip::roll,
    tile => manip::tile,
    repeat => manip::repeat,
    flip => manip::flip,
    broadcast_to => manip::broadcast_to,
    concat => manip::concat,
    astype => manip::astype,
    take => indexing::take,
    take_along_axis => indexing::take_along_axis,
    strided_slice => indexing::strided_slice,
    put => indexing::put,
    put_add => indexing::put_add,
    conv2d => nn::conv2d,
    relu => nn::relu,
    sigmoid => nn::sigmoid,
    silu => nn::silu,
    gelu => nn::gelu,
    log_softmax => nn::log_softmax,
    logsumexp => nn::logsumexp,
    layer_norm => nn::layer_norm,
}

// ---------------------------------------------------------------------------------------------
// the lock, evaluation, version

static MLX_LOCK: Mutex<()> = Mutex::new(());
static EVALUATIONS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// Whether this thread holds [`MLX_LOCK`].
    static HELD: Cell<bool> = const { Cell::new(false) };
}

/// The process-wide MLX lock while held by [`lock`]: released on drop.
pub(crate) struct Lock(Option<MutexGuard<'static, ()>>);

impl Drop for Lock {
    fn drop(&mut self) {
        if self.0.is_some() {
            HELD.with(|h| h.set(false));
        }
    }
}

/// Takes the process-wide MLX lock. A panic while holding it leaves MLX as it was (mlx-rs
/// reports C++ exceptions as errors), so a poisoned lock is still usable.
///
/// Re-entrant on one thread: when this thread holds it already, the returned guard does
/// nothing. MLX's `compile` calls back into the primaries (through a compiled graph, see
/// [`compile_graph`]) while the caller of the compiled function holds the lock; every other
/// path takes it once.
pub(crate) fn lock() -> Lock {
    if HELD.with(|h| h.get()) {
        return Lock(None);
    }
    let guard = MLX_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    HELD.with(|h| h.set(true));
    Lock(Some(guard))
}

/// How many times this backend has evaluated an MLX graph in this process (one per observed
/// result, however many ops built it). For tests of laziness.
pub fn evaluations() -> u64 {
    EVALUATIONS.load(Ordering::Relaxed)
}

/// Makes sure mlx-rs's MLX error handler is installed (the caller holds the lock). mlx-rs
/// installs it on its first fallible call; until then mlx-c's default handler is in force,
/// which prints the message and calls `exit(-1)`. Calls this crate makes to mlx-c directly
/// (creating arrays from host data) must come after it.
pub(crate) fn install_error_handler() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        // Any call mlx-rs checks installs its handler; this one cannot fail.
        let _ = Array::from_f32(0.0).as_dtype(Dtype::Float32);
    });
}

/// The error for an MLX allocation of `bytes` that failed in a direct mlx-c call (the caller
/// holds the lock). mlx-rs's handler has stashed MLX's message for the next failing mlx-rs call
/// to report; a call that fails on purpose takes it, so that no later error carries it.
pub(crate) fn failed_allocation(op: &'static str, bytes: usize) -> Error {
    let _ = mlx_rs::ops::reshape(Array::from_f32(0.0), &[2]);
    Error::OutOfMemory { op, bytes }
}

/// Checks that `bytes` can be allocated now (allocating and freeing them, without touching
/// the pages), else [`Error::OutOfMemory`].
///
/// MLX 0.32's CPU allocator does not check what `malloc` returns: an allocation that fails
/// (over a memory limit such as `ulimit -v`, or larger than the machine) is written through a
/// null pointer and kills the process with SIGSEGV. The backend therefore asks for the memory
/// itself before MLX does: before copying host data into MLX and before every evaluation it
/// starts (for the result being evaluated). That catches results too large for the memory
/// there is; it cannot see the intermediate arrays of a graph, nor memory taken between the
/// check and MLX's allocation.
pub(crate) fn ensure_room(op: &'static str, bytes: usize) -> Result<()> {
    tensorswitch::alloc::probe(op, bytes)
}

/// Evaluates `a` (the caller holds the lock), after checking that its result fits in memory
/// (see [`ensure_room`]; an already evaluated array needs nothing).
pub(crate) fn eval(op: &'static str, a: &Array) -> Result<()> {
    ensure_room(op, a.nbytes())?;
    EVALUATIONS.fetch_add(1, Ordering::Relaxed);
    a.eval().map_err(|e| evaluation_error(op, &e.to_string()))
}

/// MLX is lazy: failures that depend on the values (a singular matrix) surface when a result is
/// evaluated, in whichever call asked for it (`to_host`, usually). Those with a meaning in
/// tensorswitch get the variant the eager backends return at the op itself; the rest are
/// `Error::Backend` of the evaluating call.
pub(crate) fn evaluation_error(op: &'static str, message: &str) -> Error {
    match singular_matrix_code(message) {
        Some(info) => Error::InvalidArgument {
            op: "linalg.inv",
            reason: format!(
                "a matrix is singular and has no inverse (MLX's LU factorisation found pivot \
                 {info} exactly zero when the result was evaluated); check the input, e.g. \
                 with linalg.det, before inverting it"
            ),
        },
        None => KIT.error(op, message),
    }
}

/// The LAPACK `info` of MLX's CPU inverse failing on a singular matrix: `getrf` or `getri`
/// report a positive `info`, the index of the zero pivot (a negative one is an argument error,
/// not singularity). MLX 0.32 words these as `[Inverse::eval_cpu] LU factorization failed with
/// error code N` and `[Inverse::eval_cpu] inversion failed with error code N`.
fn singular_matrix_code(message: &str) -> Option<i64> {
    let (_, rest) = message.split_once("[Inverse::eval_cpu] ")?;
    let rest = rest
        .strip_prefix("LU factorization failed with error code ")
        .or_else(|| rest.strip_prefix("inversion failed with error code "))?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok().filter(|&info| info > 0)
}

/// The version of the MLX library this process loaded, from mlx-c's `mlx_version` (which asks
/// libmlx at run time). It must be the release mlx-c 0.7.0 was built for: mlx-c calls MLX's
/// C++ API, which has no stable ABI.
fn detect_version() -> std::result::Result<String, String> {
    let loaded = loaded_version().ok_or("mlx_version() failed")?;
    let major_minor_patch = |v: &str| {
        let v = tensorswitch::version::parse_framework_version(v).ok()?;
        Some((v.major, v.minor, v.patch))
    };
    if !BUILT_AGAINST.is_empty() && major_minor_patch(&loaded) != major_minor_patch(BUILT_AGAINST) {
        return Err(format!(
            "tensorswitch-mlx was built against MLX {BUILT_AGAINST}, but MLX {loaded} was \
             loaded; rebuild the crate against it or point LD_LIBRARY_PATH at MLX \
             {BUILT_AGAINST}"
        ));
    }
    Ok(loaded)
}

#[allow(unsafe_code)]
fn loaded_version() -> Option<String> {
    let _g = lock();
    // SAFETY: mlx-c's string API: a new empty string, filled by mlx_version, read while alive
    // (the data is NUL-terminated and owned by the string), then freed once.
    unsafe {
        let mut s = mlx_sys::mlx_string_new();
        let ok = mlx_sys::mlx_version(&mut s) == 0;
        let v = if ok {
            let p = mlx_sys::mlx_string_data(s);
            (!p.is_null()).then(|| std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned())
        } else {
            None
        };
        mlx_sys::mlx_string_free(s);
        v
    }
}

// ---------------------------------------------------------------------------------------------
// devices, their dtype gaps, placement

/// Whether MLX reports a usable Metal GPU (mlx-c's `mlx_metal_is_available`, asked once): false
/// on Linux and with CPU-only MLX builds such as PyPI's `mlx-cpu` wheel.
pub fn metal_is_available() -> bool {
    let _g = lock();
    metal_available_locked()
}

/// [`metal_is_available`] for a caller that holds the lock.
#[allow(unsafe_code)]
fn metal_available_locked() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        let mut available = false;
        // SAFETY: mlx-c writes one bool through a valid pointer; the caller holds the MLX lock.
        let status = unsafe { mlx_sys::mlx_metal_is_available(&mut available) };
        status == 0 && available
    })
}

/// The devices of this backend here: the CPU, and `metal:0` when MLX reports a Metal GPU
/// (MLX addresses one GPU).
fn devices() -> Vec<Device> {
    let mut listed = vec![Device::Cpu];
    if metal_is_available() {
        listed.push(Device::Metal(0));
    }
    listed
}

/// Checks that this backend can hold a tensor of `dtype` on `device` here: the device must be
/// one [`devices`] lists ([`Error::Device`] otherwise), and the dtype must not be a gap of
/// that device at the MLX version in use ([`DEVICE_GAPS`]; [`Error::UnsupportedDType`]).
/// Called without the lock: finding the version may take it.
pub(crate) fn check_device(op: &'static str, device: Device, dtype: DType) -> Result<()> {
    let kind = match DeviceKind::of(device) {
        Some(DeviceKind::Cpu) => DeviceKind::Cpu,
        Some(DeviceKind::Metal) if device == Device::Metal(0) && metal_is_available() => {
            DeviceKind::Metal
        }
        _ => {
            let listed: Vec<String> = devices().iter().map(Device::to_string).collect();
            return Err(Error::Device(format!(
                "backend `mlx` has no device {device} here; devices: {}{}",
                listed.join(", "),
                if listed.len() == 1 {
                    " (MLX reports no Metal GPU)"
                } else {
                    ""
                }
            )));
        }
    };
    // The common case, a dtype no entry names for this kind, needs no version.
    if !DEVICE_GAPS
        .iter()
        .any(|(_, k, dtypes)| *k == kind && dtypes.contains(&dtype))
    {
        return Ok(());
    }
    let version = version_in_use()?;
    match device_gap(&version, kind, dtype) {
        Ok(false) => Ok(()),
        Ok(true) => Err(device_gap_error(op, &version, device, dtype)),
        Err(problem) => Err(KIT.error(op, problem)),
    }
}

/// The MLX version dtype support is judged at: that of the mlx backend this thread has set
/// (an emulated one from `set_backend_to_specific_version` included), else the loaded MLX's.
fn version_in_use() -> Result<Version> {
    match tensorswitch::current_backend() {
        Some(b) if b.name() == NAME => Ok(b.version().clone()),
        _ => tensorswitch::backend_version(NAME),
    }
}

/// Whether MLX `version` lacks `dtype` on devices of `kind`, by [`DEVICE_GAPS`]. `Err` names
/// an entry whose version range does not parse.
#[doc(hidden)]
pub fn device_gap(
    version: &Version,
    kind: DeviceKind,
    dtype: DType,
) -> std::result::Result<bool, String> {
    for (range, k, dtypes) in DEVICE_GAPS {
        if *k == kind && dtypes.contains(&dtype) && in_range(range, version)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether MLX `version` lacks `dtype` everywhere, by [`UNSUPPORTED_DTYPES`] (the core checks
/// that table itself; this is for messages).
fn unsupported_everywhere(version: &Version, dtype: DType) -> std::result::Result<bool, String> {
    for (range, dtypes) in UNSUPPORTED_DTYPES {
        if dtypes.contains(&dtype) && in_range(range, version)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether `version` is in `range` (`"all"` or a version suffix such as `0p22_and_below`).
fn in_range(range: &str, version: &Version) -> std::result::Result<bool, String> {
    let parsed = if range == "all" {
        VersionRange::all()
    } else {
        VersionRange::parse_suffix(range)
            .map_err(|e| format!("the dtype-gap entry `{range}` is not a version range: {e}"))?
    };
    Ok(parsed.contains(version))
}

/// The error for `dtype` on `device`, where MLX `version` lacks it. `Error::UnsupportedDType`
/// has no device field, so the device goes with the version (`0.32.2 on metal:0`); the dtypes
/// listed as supported are those of that device at that version.
#[doc(hidden)]
pub fn device_gap_error(
    op: &'static str,
    version: &Version,
    device: Device,
    dtype: DType,
) -> Error {
    let supported = DType::ALL
        .iter()
        .filter(|&&d| {
            let gap = DeviceKind::of(device).map_or(Ok(true), |k| device_gap(version, k, d));
            gap == Ok(false) && unsupported_everywhere(version, d) == Ok(false)
        })
        .map(|d| d.to_string())
        .collect();
    Error::UnsupportedDType {
        op,
        dtype,
        backend: NAME.into(),
        version: format!("{version} on {device}"),
        supported,
    }
}

/// The device MLX's default device was last set to by [`place`] (read and written under the
/// lock): 0 not set yet, 1 the CPU, 2 the Metal GPU.
static PLACED: AtomicU8 = AtomicU8::new(0);

/// Makes `device` MLX's default device, so that the ops built next run on its default stream
/// (the caller holds the lock, so no other thread builds ops meanwhile). MLX arrays have no
/// device of their own: each op runs on the stream it was built with (mlx-rs uses the default
/// device's default stream), and evaluation runs it there. Without a Metal GPU the CPU is
/// MLX's only device and there is nothing to do.
pub(crate) fn place(op: &'static str, device: Device) -> Result<()> {
    if !metal_available_locked() {
        return Ok(());
    }
    let (code, mlx_device) = match device {
        Device::Cpu => (1, mlx_rs::Device::cpu()),
        Device::Metal(0) => (2, mlx_rs::Device::gpu()),
        other => return Err(KIT.error(op, format!("MLX has no device {other}"))),
    };
    if PLACED.load(Ordering::Relaxed) != code {
        mlx_rs::Device::set_default(&mlx_device);
        PLACED.store(code, Ordering::Relaxed);
    }
    Ok(())
}

/// The device of the results built now (the caller holds the lock): the one [`place`] set
/// last, the CPU when there is no Metal GPU.
fn placed() -> Device {
    if PLACED.load(Ordering::Relaxed) == 2 {
        Device::Metal(0)
    } else {
        Device::Cpu
    }
}

// ---------------------------------------------------------------------------------------------
// the native tensor

/// The native value of an mlx tensor: an MLX array, possibly unevaluated.
pub struct MlxTensor {
    array: ManuallyDrop<Array>,
    /// Set when evaluating this tensor failed. MLX leaves the arrays of a failed evaluation
    /// marked as evaluated, holding whatever their kernels had written: later reads and ops
    /// would silently use that. A failed tensor keeps returning its error instead.
    failed: OnceLock<Error>,
}

// SAFETY: `Array` is a handle to a reference-counted MLX node; it is `Send`. Shared access is
// sound because this crate only touches the handle while holding `MLX_LOCK` (ops, evaluation,
// reading data and `Drop` below), and never hands out a reference to it (`to_mlx` returns a
// new handle made under the lock). `failed` is a `OnceLock`, `Sync` by itself.
#[allow(unsafe_code)]
unsafe impl Sync for MlxTensor {}

impl Drop for MlxTensor {
    #[allow(unsafe_code)]
    fn drop(&mut self) {
        let _g = lock();
        // SAFETY: dropped exactly once, here.
        unsafe { ManuallyDrop::drop(&mut self.array) }
    }
}

impl std::fmt::Debug for MlxTensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MlxTensor").finish_non_exhaustive()
    }
}

/// A new handle to the MLX array behind an mlx-backend tensor (`None` for other backends).
pub fn to_mlx(t: &Tensor) -> Option<Array> {
    let n = t.native::<MlxTensor>()?;
    let _g = lock();
    Some((*n.array).clone())
}

/// Wraps an MLX array as a cpu tensor of the mlx backend (no copy, no evaluation). Fails for
/// dtypes tensorswitch lacks (complex64).
pub fn from_mlx(a: Array) -> Result<Tensor> {
    const OP: &str = "from_mlx";
    let _g = lock();
    place(OP, Device::Cpu)?;
    wrap(OP, a)
}

// ---------------------------------------------------------------------------------------------
// helpers

/// What an MLX op returns.
pub(crate) type MlxResult = mlx_rs::error::Result<Array>;

/// The core's helpers for this backend (errors, native values, wrapping, size conversion).
pub(crate) static KIT: BackendKit = BackendKit::new(&MLX);

/// MLX has every tensorswitch dtype (float64 from MLX 0.23 on, see [`UNSUPPORTED_DTYPES`]);
/// its complex64 has no tensorswitch dtype.
pub(crate) static DTYPES: DTypeMap<Dtype> = DTypeMap::new(
    "MLX Dtype",
    &[
        (DType::Bool, Dtype::Bool),
        (DType::Int8, Dtype::Int8),
        (DType::Int16, Dtype::Int16),
        (DType::Int32, Dtype::Int32),
        (DType::Int64, Dtype::Int64),
        (DType::UInt8, Dtype::Uint8),
        (DType::UInt16, Dtype::Uint16),
        (DType::UInt32, Dtype::Uint32),
        (DType::UInt64, Dtype::Uint64),
        (DType::Float16, Dtype::Float16),
        (DType::BFloat16, Dtype::Bfloat16),
        (DType::Float32, Dtype::Float32),
        (DType::Float64, Dtype::Float64),
    ],
);

/// The MLX array of an input tensor (the caller holds the lock); the error of its earlier
/// evaluation if that failed. Places the ops built next on the tensor's device (see [`place`];
/// the core only passes an op inputs on one device).
pub(crate) fn input_array<'a>(op: &'static str, t: &'a Tensor) -> Result<&'a Array> {
    // SAFETY: every caller is part of a slot function, called by the core's dispatch on its
    // inputs, and no reference outlives the slot call (results own their data).
    #[allow(unsafe_code)]
    let n = unsafe { KIT.native_in_slot::<MlxTensor>(op, t) }?;
    match n.failed.get() {
        Some(e) => Err(e.clone()),
        None => {
            place(op, t.device())?;
            Ok(&n.array)
        }
    }
}

/// Records that evaluating `t` failed with `e` (see `MlxTensor::failed`); returns `e`. An
/// `OutOfMemory` from [`ensure_room`] is not recorded: MLX evaluated nothing, and the tensor
/// may be evaluated once memory is free.
pub(crate) fn mark_failed(t: &Tensor, e: Error) -> Error {
    if matches!(e, Error::OutOfMemory { .. }) {
        return e;
    }
    if let Some(n) = t.native::<MlxTensor>() {
        // A second failure keeps the first error, which is the one to report.
        let _ = n.failed.set(e.clone());
    }
    e
}

/// Wraps a result, reading its dtype and shape from MLX (known without evaluating), on the
/// device its ops were placed on (see [`place`]). The caller holds the lock.
///
/// MLX computes element counts in `size_t` without checking for overflow; a result whose bytes
/// would not fit `isize` (possible with `i32` dimensions: four of 2^16) is refused here, before
/// anything evaluates it.
pub(crate) fn wrap(op: &'static str, a: Array) -> Result<Tensor> {
    let dtype = DTYPES.dtype(&KIT, op, a.dtype())?;
    let shape = a
        .shape()
        .iter()
        .map(|&d| usize::try_from(d))
        .collect::<std::result::Result<Vec<usize>, _>>()
        .map_err(|_| KIT.error(op, format!("MLX returned the shape {:?}", a.shape())))?;
    tensorswitch::alloc::check_result(op, &shape, dtype)?;
    Ok(KIT.wrap(
        dtype,
        &shape,
        placed(),
        MlxTensor {
            array: ManuallyDrop::new(a),
            failed: OnceLock::new(),
        },
    ))
}

/// `HostData` has a host element type for every dtype but float16 and bfloat16.
pub(crate) fn no_host_type(op: &'static str, d: DType) -> Error {
    Error::InvalidDType {
        op,
        dtype: d,
        expected:
            "a dtype with a host element type (convert float16 and bfloat16 with astype first)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(text: &str) -> Version {
        tensorswitch::version::parse_framework_version(text).expect("a version")
    }

    /// Metal never has float64: at the version that added CPU float64 (0.23.0), at the one
    /// this crate is built against, and at one far ahead. The CPU has no gaps.
    #[test]
    fn float64_is_a_gap_of_metal_only() {
        for text in ["0.22.0", "0.23.0", "0.32.2", "9.0.0"] {
            let at = version(text);
            assert_eq!(
                device_gap(&at, DeviceKind::Metal, DType::Float64),
                Ok(true),
                "{text}"
            );
            assert_eq!(
                device_gap(&at, DeviceKind::Cpu, DType::Float64),
                Ok(false),
                "{text}"
            );
            for dtype in DType::ALL.into_iter().filter(|&d| d != DType::Float64) {
                for kind in [DeviceKind::Cpu, DeviceKind::Metal] {
                    assert_eq!(device_gap(&at, kind, dtype), Ok(false), "{kind:?} {dtype}");
                }
            }
        }
    }

    /// Every version range in both tables parses (a malformed one would only surface as an
    /// error on a device this machine may not have).
    #[test]
    fn every_gap_entry_parses() {
        for (range, _, _) in DEVICE_GAPS {
            assert!(in_range(range, &version("0.32.2")).is_ok(), "{range}");
        }
        for (range, _) in UNSUPPORTED_DTYPES {
            assert!(in_range(range, &version("0.32.2")).is_ok(), "{range}");
        }
        assert!(in_range("0p22_and_bellow", &version("0.32.2")).is_err());
    }

    /// float64 arrived in MLX 0.23.0 (PR #1843): 0.22.x lacks it everywhere, 0.23.0 does not.
    #[test]
    fn float64_exists_from_mlx_0_23() {
        for (text, lacks) in [
            ("0.21.1", true),
            ("0.22.0", true),
            ("0.22.9", true),
            ("0.23.0", false),
            ("0.32.2", false),
        ] {
            assert_eq!(
                unsupported_everywhere(&version(text), DType::Float64),
                Ok(lacks),
                "{text}"
            );
            assert_eq!(
                unsupported_everywhere(&version(text), DType::Float32),
                Ok(false)
            );
        }
    }

    /// The error for float64 on Metal names the op, the device, the dtype and the version, and
    /// lists float32 (not float64) among the dtypes to use instead.
    #[test]
    fn the_metal_float64_error_says_what_to_do() {
        let err = device_gap_error(
            "from_host",
            &version("0.32.2"),
            Device::Metal(0),
            DType::Float64,
        );
        let Error::UnsupportedDType {
            op,
            dtype,
            backend,
            version,
            supported,
        } = &err
        else {
            panic!("expected UnsupportedDType, got {err:?}");
        };
        assert_eq!(
            (*op, *dtype, backend.as_str(), version.as_str()),
            ("from_host", DType::Float64, "mlx", "0.32.2 on metal:0")
        );
        // Every dtype but float64 (13 - 1).
        assert_eq!(supported.len(), 12, "{supported:?}");
        assert!(supported.iter().any(|d| d == "float32"));
        assert!(!supported.iter().any(|d| d == "float64"));
        let text = err.to_string();
        for part in ["metal:0", "float64", "0.32.2", "float32", "astype"] {
            assert!(text.contains(part), "{part} missing from: {text}");
        }
    }

    /// A device MLX does not offer here is a device error listing what there is.
    #[test]
    fn devices_mlx_lacks_are_device_errors() {
        let err = check_device("from_host", Device::Cuda(0), DType::Float32).unwrap_err();
        assert!(
            matches!(&err, Error::Device(m) if m.contains("cuda:0") && m.contains("cpu")),
            "{err:?}"
        );
        if !metal_is_available() {
            let err = check_device("full", Device::Metal(0), DType::Float32).unwrap_err();
            assert!(
                matches!(&err, Error::Device(m) if m.contains("metal:0") && m.contains("no Metal GPU")),
                "{err:?}"
            );
        }
        assert_eq!(check_device("arange", Device::Cpu, DType::Float64), Ok(()));
    }
}
