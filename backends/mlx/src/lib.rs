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
//! **Threads.** mlx-rs's `Array` is `Send` but not `Sync`, and MLX's graph evaluation mutates
//! shared nodes. Every MLX call this crate makes (building an op, evaluating, reading data,
//! freeing a handle) holds one process-wide lock, which is what makes sharing tensors between
//! threads sound (see [`MlxTensor`]).
#![warn(missing_docs)]

mod float64;
mod ops;

use mlx_rs::{Array, Dtype};
use std::mem::ManuallyDrop;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};
use tensorswitch::{BackendDescriptor, DType, Device, Error, Result, Tensor};

/// The backend's name.
pub const NAME: &str = "mlx";

/// The MLX version this crate was built against (from the headers of the MLX it linked);
/// empty when the build could not tell.
pub const BUILT_AGAINST: &str = env!("TENSORSWITCH_MLX_VERSION");

/// The backend descriptor, registered under the name `"mlx"`.
pub static MLX: BackendDescriptor = BackendDescriptor::new(NAME, "MLX (mlx-rs)", detect_version)
    .with_unsupported_dtypes(UNSUPPORTED_DTYPES);
tensorswitch::register_backend!(MLX);

/// MLX has every tensorswitch dtype (all signed and unsigned integer widths, float16,
/// bfloat16, float32, float64). float64 only runs on the CPU stream (MLX's Metal and CUDA
/// backends have no float64); the CPU is the only device this backend offers so far, so no
/// entry is needed yet.
// TODO(next session): confirm from MLX's release notes in which release CPU float64 arrived and
// add `("0pNN_and_below", &[DType::Float64])`; add GPU devices with float64 refused there.
const UNSUPPORTED_DTYPES: &[(&str, &[DType])] = &[];

tensorswitch::primaries! { NAME;
    from_host => ops::from_host,
    to_host => ops::to_host,
    full => ops::full,
    arange => ops::arange,
    add => ops::add,
    subtract => ops::subtract,
    multiply => ops::multiply,
    divide => ops::divide,
    pow => ops::pow,
    maximum => ops::maximum,
    minimum => ops::minimum,
    negative => ops::negative,
    abs => ops::abs,
    exp => ops::exp,
    log => ops::log,
    log1p => ops::log1p,
    expm1 => ops::expm1,
    sqrt => ops::sqrt,
    square => ops::square,
    sin => ops::sin,
    cos => ops::cos,
    tanh => ops::tanh,
    floor => ops::floor,
    ceil => ops::ceil,
    round => ops::round,
    sign => ops::sign,
    equal => ops::equal,
    not_equal => ops::not_equal,
    less => ops::less,
    less_equal => ops::less_equal,
    greater => ops::greater,
    greater_equal => ops::greater_equal,
    logical_and => ops::logical_and,
    logical_or => ops::logical_or,
    logical_not => ops::logical_not,
    where_ => ops::where_,
    matmul => ops::matmul,
    linalg_inv => ops::inv,
    linalg_det => ops::det,
    sum => ops::sum,
    prod => ops::prod,
    max => ops::max,
    min => ops::min,
    argmax => ops::argmax,
    argmin => ops::argmin,
    cumulative_sum => ops::cumulative_sum,
    sort => ops::sort,
    argsort => ops::argsort,
    reshape => ops::reshape,
    permute_dims => ops::permute_dims,
    flip => ops::flip,
    broadcast_to => ops::broadcast_to,
    concat => ops::concat,
    astype => ops::astype,
}

// ---------------------------------------------------------------------------------------------
// the lock, evaluation, version

static MLX_LOCK: Mutex<()> = Mutex::new(());
static EVALUATIONS: AtomicU64 = AtomicU64::new(0);

/// Takes the process-wide MLX lock. A panic while holding it leaves MLX as it was (mlx-rs
/// reports C++ exceptions as errors), so a poisoned lock is still usable.
pub(crate) fn lock() -> MutexGuard<'static, ()> {
    MLX_LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// How many times this backend has evaluated an MLX graph in this process (one per observed
/// result, however many ops built it). For tests of laziness.
pub fn evaluations() -> u64 {
    EVALUATIONS.load(Ordering::Relaxed)
}

/// Evaluates `a` (the caller holds the lock).
pub(crate) fn eval(op: &'static str, a: &Array) -> Result<()> {
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
        None => backend_error(op, message),
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
    let mm = |v: &str| {
        let v = tensorswitch::version::parse_framework_version(v).ok()?;
        Some((v.major, v.minor, v.patch))
    };
    if !BUILT_AGAINST.is_empty() && mm(&loaded) != mm(BUILT_AGAINST) {
        return Err(format!(
            "tensorswitch-mlx was built against MLX {BUILT_AGAINST}, but MLX {loaded} was \
             loaded; rebuild the crate against it or point LD_LIBRARY_PATH at MLX \
             {BUILT_AGAINST}"
        ));
    }
    Ok(loaded)
}

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
unsafe impl Sync for MlxTensor {}

impl Drop for MlxTensor {
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

/// Wraps an MLX array as a tensor of the mlx backend (no copy, no evaluation). Fails for
/// dtypes tensorswitch lacks (complex64).
pub fn from_mlx(a: Array) -> Result<Tensor> {
    let _g = lock();
    wrap("from_mlx", a)
}

// ---------------------------------------------------------------------------------------------
// helpers

pub(crate) fn backend_error(op: &'static str, message: impl std::fmt::Display) -> Error {
    Error::Backend {
        backend: NAME.into(),
        op,
        message: message.to_string(),
    }
}

/// The native value of an input tensor.
fn native<'a>(op: &'static str, t: &'a Tensor) -> Result<&'a MlxTensor> {
    t.native::<MlxTensor>().ok_or_else(|| {
        backend_error(
            op,
            format!(
                "got a tensor of backend `{}`, not an mlx tensor",
                t.backend()
            ),
        )
    })
}

/// The MLX array of an input tensor (the caller holds the lock); the error of its earlier
/// evaluation if that failed.
pub(crate) fn arr<'a>(op: &'static str, t: &'a Tensor) -> Result<&'a Array> {
    let n = native(op, t)?;
    match n.failed.get() {
        Some(e) => Err(e.clone()),
        None => Ok(&n.array),
    }
}

/// Records that evaluating `t` failed with `e` (see `MlxTensor::failed`); returns `e`.
pub(crate) fn mark_failed(t: &Tensor, e: Error) -> Error {
    if let Some(n) = t.native::<MlxTensor>() {
        // A second failure keeps the first error, which is the one to report.
        let _ = n.failed.set(e.clone());
    }
    e
}

/// Wraps a result, reading its dtype and shape from MLX (known without evaluating). The
/// caller holds the lock.
pub(crate) fn wrap(op: &'static str, a: Array) -> Result<Tensor> {
    let dtype = dtype_of(op, a.dtype())?;
    let shape: Vec<usize> = a.shape().iter().map(|&d| d as usize).collect();
    Ok(Tensor::from_native(
        &MLX,
        dtype,
        &shape,
        Device::Cpu,
        MlxTensor {
            array: ManuallyDrop::new(a),
            failed: OnceLock::new(),
        },
    ))
}

pub(crate) fn mlx_dtype(dtype: DType) -> Dtype {
    match dtype {
        DType::Bool => Dtype::Bool,
        DType::Int8 => Dtype::Int8,
        DType::Int16 => Dtype::Int16,
        DType::Int32 => Dtype::Int32,
        DType::Int64 => Dtype::Int64,
        DType::UInt8 => Dtype::Uint8,
        DType::UInt16 => Dtype::Uint16,
        DType::UInt32 => Dtype::Uint32,
        DType::UInt64 => Dtype::Uint64,
        DType::Float16 => Dtype::Float16,
        DType::BFloat16 => Dtype::Bfloat16,
        DType::Float32 => Dtype::Float32,
        DType::Float64 => Dtype::Float64,
    }
}

pub(crate) fn dtype_of(op: &'static str, d: Dtype) -> Result<DType> {
    Ok(match d {
        Dtype::Bool => DType::Bool,
        Dtype::Int8 => DType::Int8,
        Dtype::Int16 => DType::Int16,
        Dtype::Int32 => DType::Int32,
        Dtype::Int64 => DType::Int64,
        Dtype::Uint8 => DType::UInt8,
        Dtype::Uint16 => DType::UInt16,
        Dtype::Uint32 => DType::UInt32,
        Dtype::Uint64 => DType::UInt64,
        Dtype::Float16 => DType::Float16,
        Dtype::Bfloat16 => DType::BFloat16,
        Dtype::Float32 => DType::Float32,
        Dtype::Float64 => DType::Float64,
        other => {
            return Err(backend_error(
                op,
                format!("MLX returned a {other:?} array, which has no tensorswitch dtype"),
            ))
        }
    })
}

/// Sizes or axes as MLX's `i32` lists.
pub(crate) fn i32s(op: &'static str, v: &[usize]) -> Result<Vec<i32>> {
    v.iter()
        .map(|&d| i32::try_from(d).map_err(|_| backend_error(op, format!("{d} exceeds i32"))))
        .collect()
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
