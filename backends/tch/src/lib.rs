//! # tensorswitch-tch
//!
//! The libtorch backend of tensorswitch, through the [`tch`] crate. Link it with
//! `use tensorswitch_tch as _;` and it registers itself as the backend `"torch"`. Building it
//! needs a libtorch (see the crate's README: `scripts/setup-libtorch.sh` installs one).
//!
//! Tensors hold a [`TorchTensor`]: a `tch::Tensor` and, for tensors that borrow memory lent by
//! another backend (zero-copy [`tensorswitch::to_backend`]), the owner of that memory.
//! [`to_tch`] and [`from_tch`] move tensors between tensorswitch and code that uses tch
//! directly.
//!
//! Every op of the catalogue has a libtorch primary. Where libtorch's semantics differ from
//! tensorswitch's (which the conformance suite pins down), the primary fixes them up:
//!
//! * `astype` from float to integer saturates and maps NaN to 0 (libtorch's conversion is
//!   undefined out of range: float32 3e9 and NaN both become `i32::MIN`);
//! * `pow` of integers to negative integer powers is an error (libtorch returns 0, 1 or -1);
//! * `sign` keeps NaN (libtorch returns 0);
//! * reductions over no axes leave the tensor alone (libtorch reduces over all of them);
//! * `arange`/`linspace` compute in float64 and convert with the rules of `astype`; `eye`
//!   takes a diagonal offset; integer `vecdot` (which `linalg.vecdot` refuses) multiplies and
//!   sums; a singular matrix in `linalg.inv`, `linalg.solve` and negative powers of
//!   `linalg.matrix_power`, and a matrix that is not positive definite in `linalg.cholesky`,
//!   are `InvalidArgument`; `linalg.svd` goes through `torch.svd` (the binding of
//!   `linalg_svd` passes a `driver`, which libtorch refuses on the CPU) and
//!   `linalg.vector_norm` through `torch.norm` (the binding lacks `linalg_vector_norm`).
//!
//! Where libtorch already agrees, its kernels run as they are: integers wrap, `maximum`,
//! `minimum`, `max`, `min` and `clip` propagate NaN, `round` ties to even, `argmax`/`argmin`
//! return the first extreme with NaN counting as the extreme, and `sort`/`argsort` use
//! `sort(stable=True)` in both directions (NaN last ascending, first descending).
//!
//! Dtypes: uint16, uint32 and uint64 are unsupported (tch has no `Kind` for them, so no
//! libtorch tensor of those types can be made through it). float16 and bfloat16 are supported
//! on the device but have no host representation: make them with `astype` or the creation ops.
//!
//! Version variants: `vecdot` uses `torch.linalg.vecdot` from libtorch 1.13 on (where it was
//! added) and multiplies and sums before (`vecdot_v_1p13_and_above`,
//! `vecdot_v_1p12_and_below`). Diffing libtorch 2.11 with 2.13 (their operator schemas, and
//! this crate's conformance run on both) showed no difference that matters to the catalogue.
//!
//! Devices: the CPU, and `cuda:N` when libtorch's CUDA library loads and finds a GPU (see
//! [`cuda_status`]).
#![warn(missing_docs)]
#![deny(unsafe_code)]

mod elementwise;
mod host;
mod indexing;
mod linalg;
mod manip;
mod nn;
mod reduce;
mod runtime;

use std::any::Any;
use std::sync::Arc;
use tch::Kind;
use tensorswitch::kit::{BackendKit, DTypeMap, OrBackendError};
use tensorswitch::{BackendDescriptor, DType, Device, Error, Result, Tensor};

pub use host::borrows_memory;
pub use runtime::{cuda_probed, cuda_status, libtorch_lib_dir, BUILT_AGAINST, CUDA_LIB_ENV_VAR};

/// The backend's name.
pub const NAME: &str = "torch";

/// The backend descriptor, registered under the name `"torch"`.
pub static TORCH: BackendDescriptor =
    BackendDescriptor::new(NAME, "libtorch (tch)", runtime::detect_version)
        .with_unsupported_dtypes(UNSUPPORTED_DTYPES)
        .with_devices(runtime::devices)
        .with_host_sharing(Some(host::share_host), Some(host::import_shared_host));
tensorswitch::register_backend!(TORCH);

/// tch 0.26's `Kind` has no uint16/uint32/uint64 (libtorch has had them as limited "shell"
/// dtypes since 2.3), so no tensor of those types can be created through tch at any version.
const UNSUPPORTED_DTYPES: &[(&str, &[DType])] =
    &[("all", &[DType::UInt16, DType::UInt32, DType::UInt64])];

tensorswitch::primaries! { NAME;
    from_host => host::from_host,
    to_host => host::to_host,
    to_device => host::to_device,
    full => host::full,
    zeros => host::zeros,
    ones => host::ones,
    // The core passes the input's shape and device: zeros/ones serve them as they are.
    zeros_like => host::zeros,
    ones_like => host::ones,
    empty => host::zeros,
    empty_like => host::zeros,
    full_like => host::full,
    arange => host::arange,
    linspace => host::linspace,
    eye => host::eye,
    add => elementwise::add,
    subtract => elementwise::subtract,
    multiply => elementwise::multiply,
    divide => elementwise::divide,
    pow => elementwise::pow,
    maximum => elementwise::maximum,
    minimum => elementwise::minimum,
    logaddexp => elementwise::logaddexp,
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
    hypot => elementwise::hypot,
    floor_divide => elementwise::floor_divide,
    remainder => elementwise::remainder,
    copysign => elementwise::copysign,
    tanh => elementwise::tanh,
    floor => elementwise::floor,
    ceil => elementwise::ceil,
    round => elementwise::round,
    sign => elementwise::sign,
    trunc => elementwise::trunc,
    positive => elementwise::positive,
    isnan => elementwise::isnan,
    isinf => elementwise::isinf,
    isfinite => elementwise::isfinite,
    signbit => elementwise::signbit,
    equal => elementwise::equal,
    not_equal => elementwise::not_equal,
    less => elementwise::less,
    less_equal => elementwise::less_equal,
    greater => elementwise::greater,
    greater_equal => elementwise::greater_equal,
    logical_and => elementwise::logical_and,
    logical_or => elementwise::logical_or,
    logical_xor => elementwise::logical_xor,
    logical_not => elementwise::logical_not,
    bitwise_and => elementwise::bitwise_and,
    bitwise_or => elementwise::bitwise_or,
    bitwise_xor => elementwise::bitwise_xor,
    bitwise_left_shift => elementwise::bitwise_left_shift,
    bitwise_right_shift => elementwise::bitwise_right_shift,
    bitwise_invert => elementwise::bitwise_invert,
    where_ => elementwise::where_,
    clip => elementwise::clip,
    matmul => linalg::matmul,
    matrix_transpose => linalg::matrix_transpose,
    // torch.linalg.vecdot arrived in libtorch 1.13 (a real API boundary; emulate 1.12 with
    // set_backend_to_specific_version to get the multiply-and-sum variant).
    vecdot @ "1p13_and_above" => linalg::vecdot_linalg,
    vecdot @ "1p12_and_below" => linalg::vecdot_mul_sum,
    tensordot => linalg::tensordot,
    linalg_inv => linalg::inv,
    linalg_det => linalg::det,
    linalg_solve => linalg::solve,
    linalg_cholesky => linalg::cholesky,
    linalg_qr => linalg::qr,
    linalg_svd => linalg::svd,
    linalg_svdvals => linalg::svdvals,
    linalg_eigh => linalg::eigh,
    linalg_eigvalsh => linalg::eigvalsh,
    linalg_slogdet => linalg::slogdet,
    linalg_pinv => linalg::pinv,
    linalg_matrix_rank => linalg::matrix_rank,
    linalg_matrix_power => linalg::matrix_power,
    linalg_matrix_norm => linalg::matrix_norm,
    linalg_vector_norm => linalg::vector_norm,
    linalg_outer => linalg::outer,
    linalg_trace => linalg::trace,
    linalg_diagonal => linalg::diagonal,
    linalg_cross => linalg::cross,
    sum => reduce::sum,
    mean => reduce::mean,
    prod => reduce::prod,
    max => reduce::max,
    min => reduce::min,
    all => reduce::all,
    any => reduce::any,
    count_nonzero => reduce::count_nonzero,
    var => reduce::var,
    std => reduce::std,
    argmax => reduce::argmax,
    argmin => reduce::argmin,
    cumulative_sum => reduce::cumulative_sum,
    sort => reduce::sort,
    argsort => reduce::argsort,
    softmax => reduce::softmax,
    reshape => manip::reshape,
    permute_dims => manip::permute_dims,
    // The core turns the source and destination axes into the permutation permute_dims takes.
    moveaxis => manip::permute_dims,
    expand_dims => manip::expand_dims,
    squeeze => manip::squeeze,
    roll => manip::roll,
    tile => manip::tile,
    repeat => manip::repeat,
    flip => manip::flip,
    broadcast_to => manip::broadcast_to,
    concat => manip::concat,
    stack => manip::stack,
    astype => manip::astype,
    tril => manip::tril,
    triu => manip::triu,
    take => indexing::take,
    take_along_axis => indexing::take_along_axis,
    strided_slice => indexing::strided_slice,
    argwhere => indexing::argwhere,
    searchsorted => indexing::searchsorted,
    put => indexing::put,
    put_add => indexing::put_add,
    relu => nn::relu,
    sigmoid => nn::sigmoid,
    gelu => nn::gelu,
    silu => nn::silu,
    log_softmax => nn::log_softmax,
    logsumexp => nn::logsumexp,
    layer_norm => nn::layer_norm,
    one_hot => nn::one_hot,
    conv2d => nn::conv2d,
    max_pool2d => nn::max_pool2d,
    avg_pool2d => nn::avg_pool2d,
}

// ---------------------------------------------------------------------------------------------
// the native tensor

/// The native value of a torch tensor.
pub struct TorchTensor {
    tensor: SyncTensor,
    /// Keeps memory lent by another backend alive while this tensor (or a view it was derived
    /// from) reads it; `None` for tensors that own their storage.
    owner: Option<Lent>,
}

/// Memory lent by another backend: its owner, and the byte range it spans.
#[derive(Clone)]
pub(crate) struct Lent {
    pub(crate) owner: Arc<dyn Any + Send + Sync>,
    /// `[start, end)` addresses of the lent elements.
    pub(crate) span: (usize, usize),
}

/// The `[start, end)` byte addresses that the elements of a strided layout reach (`None` when
/// it has no elements or the arithmetic overflows).
pub(crate) fn byte_span(
    ptr: usize,
    shape: &[usize],
    strides: &[isize],
    elem: usize,
) -> Option<(usize, usize)> {
    let (mut low, mut high) = (0isize, 0isize);
    for (&d, &s) in shape.iter().zip(strides) {
        let reach = isize::try_from(d.checked_sub(1)?).ok()?.checked_mul(s)?;
        if reach < 0 {
            low = low.checked_add(reach)?;
        } else {
            high = high.checked_add(reach)?;
        }
    }
    let elem = isize::try_from(elem).ok()?;
    let start = ptr.checked_add_signed(low.checked_mul(elem)?)?;
    let end = ptr.checked_add_signed(high.checked_add(1)?.checked_mul(elem)?)?;
    Some((start, end))
}

/// `tch::Tensor` is `Send` but not `Sync`.
struct SyncTensor(tch::Tensor);

// SAFETY: a wrapped tensor is never mutated: tensorswitch tensors are immutable, this crate
// only calls libtorch functions that read their inputs and return new tensors (never in-place
// ops or `&self` methods that change a tensor, such as `set_requires_grad`), and no `&`
// reference to the `tch::Tensor` leaves the crate (`to_tch` hands out an owned handle).
// Concurrent reads of one `at::Tensor` are safe in libtorch (its reference counts are atomic).
#[allow(unsafe_code)]
unsafe impl Sync for SyncTensor {}

impl TorchTensor {
    fn new(tensor: tch::Tensor, owner: Option<Lent>) -> TorchTensor {
        TorchTensor {
            tensor: SyncTensor(tensor),
            owner,
        }
    }

    /// The libtorch tensor.
    #[inline]
    pub(crate) fn tch_tensor(&self) -> &tch::Tensor {
        &self.tensor.0
    }
}

impl std::fmt::Debug for TorchTensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TorchTensor")
            .field("borrowed", &self.owner.is_some())
            .finish_non_exhaustive()
    }
}

/// A new handle to the libtorch tensor behind a torch-backend tensor (`None` for other
/// backends' tensors). It shares the storage: do not modify it in place, tensorswitch tensors
/// are immutable and may be read from other threads.
pub fn to_tch(t: &Tensor) -> Option<tch::Tensor> {
    t.native::<TorchTensor>()
        .map(|n| n.tch_tensor().shallow_clone())
}

/// Wraps a libtorch tensor as a tensor of the torch backend (no copy). Fails for undefined
/// tensors and for element kinds tensorswitch has no dtype for (complex, quantized, float8).
pub fn from_tch(t: tch::Tensor) -> Result<Tensor> {
    const OP: &str = "from_tch";
    // tch's accessors panic on undefined tensors (`tch::Tensor::new()`).
    if !t.defined() {
        return Err(KIT.error(OP, "the tch tensor is undefined"));
    }
    let device = from_tch_device(OP, t.device())?;
    wrap(OP, t, device)
}

// ---------------------------------------------------------------------------------------------
// helpers shared by the op modules

/// The core's helpers for this backend: errors (libtorch's through [`torch_error`]), native
/// values, wrapping, size conversion.
pub(crate) static KIT: BackendKit = BackendKit::new(&TORCH).with_framework_errors(torch_error);

/// The dtypes tch has a `Kind` for: all but uint16, uint32 and uint64 (see
/// [`UNSUPPORTED_DTYPES`]).
pub(crate) static KINDS: DTypeMap<Kind> = DTypeMap::new(
    "tch Kind",
    &[
        (DType::Bool, Kind::Bool),
        (DType::Int8, Kind::Int8),
        (DType::Int16, Kind::Int16),
        (DType::Int32, Kind::Int),
        (DType::Int64, Kind::Int64),
        (DType::UInt8, Kind::Uint8),
        (DType::Float16, Kind::Half),
        (DType::BFloat16, Kind::BFloat16),
        (DType::Float32, Kind::Float),
        (DType::Float64, Kind::Double),
    ],
);

/// libtorch errors (a `tch::TchError`'s text) as tensorswitch errors: the message without the
/// prefix tch adds and the C++ stack trace libtorch appends; a failed allocation is
/// `Error::OutOfMemory`.
fn torch_error(kit: &BackendKit, op: &'static str, text: String) -> Error {
    let text = text.strip_prefix("Internal torch error: ").unwrap_or(&text);
    let cut = text.find("\nException raised from").unwrap_or(text.len());
    let message = text[..cut].trim();
    match oom_bytes(message) {
        Some(bytes) => Error::OutOfMemory { op, bytes },
        None => kit.error(op, message),
    }
}

/// Whether libtorch's message reports a failed allocation, and if so its size in bytes (0
/// where the message gives none exactly, as CUDA's "Tried to allocate 2.00 GiB" does). The
/// CPU allocator says "DefaultCPUAllocator: not enough memory: you tried to allocate N bytes"
/// (older releases: "can't allocate memory"), the CUDA one "CUDA out of memory".
fn oom_bytes(message: &str) -> Option<usize> {
    let oom = [
        "not enough memory",
        "can't allocate memory",
        "out of memory",
    ]
    .iter()
    .any(|m| message.contains(m));
    if !oom {
        return None;
    }
    // "... allocate 123 bytes ..." -> 123.
    let bytes = message.split("allocate ").skip(1).find_map(|rest| {
        let mut words = rest.split(' ');
        let n = words.next()?.parse().ok()?;
        words.next()?.starts_with("bytes").then_some(n)
    });
    Some(bytes.unwrap_or(0))
}

/// The libtorch tensor of an input tensor.
#[inline]
pub(crate) fn input_tensor<'a>(op: &'static str, t: &'a Tensor) -> Result<&'a tch::Tensor> {
    // SAFETY: every caller is part of a slot function, called by the core's dispatch on its
    // inputs, and no reference outlives the slot call (results own their data).
    #[allow(unsafe_code)]
    unsafe { KIT.native_in_slot::<TorchTensor>(op, t) }.map(TorchTensor::tch_tensor)
}

fn from_tch_device(op: &'static str, d: tch::Device) -> Result<Device> {
    match d {
        tch::Device::Cpu => Ok(Device::Cpu),
        tch::Device::Cuda(i) => Ok(Device::Cuda(i)),
        tch::Device::Mps => Ok(Device::Metal(0)),
        tch::Device::Vulkan => Err(KIT.error(op, "Vulkan tensors have no tensorswitch device")),
    }
}

/// The libtorch device for `device`, or `Error::Device` when this machine cannot use it.
pub(crate) fn torch_device(device: Device) -> Result<tch::Device> {
    match device {
        Device::Cpu => Ok(tch::Device::Cpu),
        Device::Cuda(i) => match cuda_status() {
            Ok(n) if i < n => Ok(tch::Device::Cuda(i)),
            Ok(n) => Err(Error::Device(format!(
                "backend `torch` has no device cuda:{i}: this machine has {n} CUDA device(s)"
            ))),
            Err(why) => Err(Error::Device(format!(
                "backend `torch` cannot use cuda:{i}: CUDA is unavailable ({why})"
            ))),
        },
        Device::Metal(i) => Err(Error::Device(format!(
            "backend `torch` cannot use metal:{i}: this libtorch build has no Metal (MPS) support \
             here; devices: {}",
            runtime::devices()
                .iter()
                .map(Device::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Wraps a fresh libtorch result (one that shares no memory with borrowed inputs), reading its
/// dtype and shape from libtorch.
pub(crate) fn wrap(op: &'static str, out: tch::Tensor, device: Device) -> Result<Tensor> {
    wrap_owned(op, out, device, None)
}

/// Wraps a result that may be a view of `of` (reshape, permute, expand …): it keeps `of`'s
/// borrowed memory alive, if any.
pub(crate) fn wrap_view(op: &'static str, out: tch::Tensor, of: &Tensor) -> Result<Tensor> {
    let owner = KIT.native::<TorchTensor>(op, of)?.owner.clone();
    wrap_owned(op, out, of.device(), owner)
}

fn wrap_owned(
    op: &'static str,
    out: tch::Tensor,
    device: Device,
    owner: Option<Lent>,
) -> Result<Tensor> {
    let dtype = KINDS.dtype(&KIT, op, out.f_kind().or_backend(&KIT, op)?)?;
    let shape = shape_of(op, &out)?;
    Ok(KIT.wrap(dtype, &shape, device, TorchTensor::new(out, owner)))
}

/// Wraps a fresh result whose dtype and shape the caller knows (the hot elementwise path:
/// saves asking libtorch).
#[inline]
pub(crate) fn wrap_known(
    out: tch::Tensor,
    dtype: DType,
    shape: &[usize],
    device: Device,
) -> Tensor {
    KIT.wrap(dtype, shape, device, TorchTensor::new(out, None))
}

/// Wraps a fresh result with `like`'s shape and device (elementwise results).
#[inline]
pub(crate) fn wrap_like(out: tch::Tensor, dtype: DType, like: &Tensor) -> Tensor {
    KIT.wrap_like(dtype, like, TorchTensor::new(out, None))
}

/// The shape of a libtorch tensor. (`size()` only fails on undefined tensors, and every
/// tensor here is a defined result of a successful call; sizes are never negative.)
pub(crate) fn shape_of(op: &'static str, t: &tch::Tensor) -> Result<tensorswitch::Shape> {
    t.size()
        .into_iter()
        .map(|d| usize::try_from(d).map_err(|_| KIT.error(op, format!("negative size {d}"))))
        .collect()
}

/// Checks that libtorch gave the shape the core expects (a defence against libtorch
/// reinterpreting a size, as it does with `-1`).
pub(crate) fn expect_shape(op: &'static str, out: &tch::Tensor, shape: &[usize]) -> Result<()> {
    let got = shape_of(op, out)?;
    if got.as_slice() == shape {
        Ok(())
    } else {
        Err(KIT.error(
            op,
            format!(
                "libtorch returned shape {:?}, expected {shape:?}",
                got.as_slice()
            ),
        ))
    }
}

/// A 0-d tensor holding `bytes` (one element of `kind`) on `dev`.
///
/// Ops take their scalar operands as these tensors, never as `tch::Scalar`: tch frees a
/// `tch::Scalar` argument before it reads libtorch's error, and `Scalar::drop` panics on that
/// pending error (`unsafe_torch!` unwraps it), so any failing libtorch call with a scalar
/// argument (an allocation too large, say) would panic instead of returning the error.
/// Creating this tensor passes no scalar either.
pub(crate) fn scalar_tensor(
    op: &'static str,
    bytes: &[u8],
    kind: Kind,
    dev: tch::Device,
) -> Result<tch::Tensor> {
    if bytes.len() != kind.elt_size_in_bytes() {
        return Err(KIT.error(
            op,
            format!("{} bytes for one {kind:?} element", bytes.len()),
        ));
    }
    let t = tch::Tensor::f_from_data_size(bytes, &[], kind).or_backend(&KIT, op)?;
    if dev == tch::Device::Cpu {
        Ok(t)
    } else {
        t.f_to_device(dev).or_backend(&KIT, op)
    }
}

/// A 0-d float64 tensor on `dev` (see [`scalar_tensor`]).
pub(crate) fn f64_tensor(op: &'static str, v: f64, dev: tch::Device) -> Result<tch::Tensor> {
    scalar_tensor(op, &v.to_ne_bytes(), Kind::Double, dev)
}

/// `v` as a 0-d tensor of `like`'s kind on its device (see [`scalar_tensor`]). Same kind as
/// the operand, so it cannot promote it: a 0-d float64 operand would make the result of an
/// op on a 0-d float32 tensor float64 (a 0-d tensor only yields to tensors with dimensions).
pub(crate) fn scalar_like(op: &'static str, v: f64, like: &tch::Tensor) -> Result<tch::Tensor> {
    let kind = like.f_kind().or_backend(&KIT, op)?;
    let t = f64_tensor(op, v, like.device())?;
    if kind == Kind::Double {
        Ok(t)
    } else {
        t.f_to_kind(kind).or_backend(&KIT, op)
    }
}

/// A 0-d int64 tensor on `dev` (see [`scalar_tensor`]).
pub(crate) fn i64_tensor(op: &'static str, v: i64, dev: tch::Device) -> Result<tch::Tensor> {
    scalar_tensor(op, &v.to_ne_bytes(), Kind::Int64, dev)
}

#[cfg(test)]
mod tests {
    #[test]
    fn allocation_failures_are_recognised() {
        let cpu =
            "DefaultCPUAllocator: not enough memory: you tried to allocate 8796093022208 bytes.";
        assert_eq!(super::oom_bytes(cpu), Some(8796093022208));
        let cuda = "CUDA out of memory. Tried to allocate 20.00 GiB. GPU 0 has a total capacity";
        assert_eq!(super::oom_bytes(cuda), Some(0));
        assert_eq!(
            super::oom_bytes("shape '[2]' is invalid for input of size 3"),
            None
        );
    }

    /// tch's prefix and libtorch's C++ stack trace are dropped; allocation failures get their
    /// own variant.
    #[test]
    fn libtorch_errors_are_translated() {
        use tensorswitch::kit::OrBackendError;
        let failed: std::result::Result<(), tch::TchError> = Err(tch::TchError::Torch(
            "shape '[2]' is invalid for input of size 3\nException raised from foo at bar.cpp:1"
                .into(),
        ));
        assert_eq!(
            failed.or_backend(&super::KIT, "reshape"),
            Err(tensorswitch::Error::Backend {
                backend: "torch".into(),
                op: "reshape",
                message: "shape '[2]' is invalid for input of size 3".into(),
            })
        );
        let oom: std::result::Result<(), tch::TchError> = Err(tch::TchError::Torch(
            "DefaultCPUAllocator: not enough memory: you tried to allocate 64 bytes.".into(),
        ));
        assert_eq!(
            oom.or_backend(&super::KIT, "full"),
            Err(tensorswitch::Error::OutOfMemory {
                op: "full",
                bytes: 64
            })
        );
    }
}
