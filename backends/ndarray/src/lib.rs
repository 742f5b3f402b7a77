//! # tensorswitch-ndarray
//!
//! The pure-Rust backend of tensorswitch, built on the [`ndarray`] crate. Link it with
//! `use tensorswitch_ndarray as _;` and it registers itself as the backend `"ndarray"`.
//!
//! Tensors hold an [`NdArray`]: one variant per dtype (float16 and bfloat16 are unsupported),
//! each an [`NdStorage`], which is an owned `ArrayD` or a read-only view of CPU memory
//! borrowed from another backend by `to_backend` (zero-copy). [`to_ndarray`] and
//! [`from_ndarray`] move data between tensorswitch and code that uses ndarray directly.
//!
//! The version the backend reports is the ndarray version resolved in `Cargo.lock` when
//! tensorswitch was built. Two ops have version variants, chosen by that version (or the one
//! given to `set_backend_to_specific_version`):
//!
//! * `tril`/`triu`: ndarray's own `tril`/`triu` methods from 0.16 on, an index loop before.
//! * `expm1`/`log1p`: ndarray 0.17's `exp_m1`/`ln_1p` array methods from 0.17 on; before
//!   that the core's compositional fallback runs.
//!
//! Compiled graphs run chains of elementwise ops as one fused pass over blocks of the data
//! (the `fused` module; docs/architecture.md, "The tracer").
//!
//! The kernels are the backend's own choice (docs/architecture.md, "The CPU kernels of the
//! ndarray backend"): float matmul on the `gemm` crate ([`set_matmul_kernel`] switches back to
//! ndarray's matrixmultiply); `exp`, `log`, `sin`, `cos`, `tanh` and `sqrt` as vectorised
//! float64 code ([`exp_f64`], ...; float32 in float64, rounded once, e.g. [`tanh_f32`], not
//! std's `f32::tanh`); large ops on up to [`num_threads`] threads ([`set_num_threads`],
//! `TENSORSWITCH_THREADS`).
#![warn(missing_docs)]
#![deny(unsafe_code)]

#[macro_use]
mod macros;
mod buf;
mod cpu;
mod elementwise;
mod fused;
mod host;
mod indexing;
mod linalg;
mod manip;
mod math;
mod nn;
mod reduce;
mod softmax;
mod storage;
mod vmath;

pub use cpu::{matmul_kernel, num_threads, set_matmul_kernel, set_num_threads, MatmulKernel};
pub use math::tanh_f32;
pub use storage::NdStorage;
pub use vmath::{cos_f32, cos_f64, exp_f32, exp_f64, ln_f32, ln_f64, sin_f32, sin_f64, tanh_f64};

use ndarray::{ArrayD, ArrayRefD, ArrayViewD, IxDyn};
use tensorswitch::kit::BackendKit;
use tensorswitch::{BackendDescriptor, DType, Element, Native, Result, Scalar, Tensor};

/// The backend's name.
pub const NAME: &str = "ndarray";

/// The ndarray version this crate requires (its `Cargo.toml` asks for `0.17`). Reported as the
/// framework version when the build could not read the resolved version from `Cargo.lock`.
pub const NDARRAY_VERSION_REQUIREMENT: &str = "0.17";

/// The backend descriptor, registered under the name `"ndarray"`.
pub static NDARRAY: BackendDescriptor =
    BackendDescriptor::new(NAME, "ndarray (Rust crate)", detect_version)
        .with_unsupported_dtypes(&[("all", &[DType::Float16, DType::BFloat16])])
        // Lends its memory, and borrows what other backends lend (see `NdStorage`).
        .with_host_sharing(Some(share_host), Some(import_shared_host))
        .with_i64_reader(read_i64)
        .with_take_checking_indices();
tensorswitch::register_backend!(NDARRAY);
// Runs compiled graphs' elementwise chains in one pass (see `fused`).
tensorswitch::register_fuse!(NAME, fused::HOOK);

/// The core's helpers for this backend (errors, native values, wrapping).
pub(crate) static KIT: BackendKit = BackendKit::new(&NDARRAY);

/// Hands a contiguous int64 array's elements to `f` where they are (the core checks index
/// tensors this way, without copying them).
fn read_i64(t: &Tensor, f: &mut dyn FnMut(&[i64])) -> bool {
    let Some(nd) = t.native::<NdArray>() else {
        return false;
    };
    let NdArray::Int64(a) = &*nd else {
        return false;
    };
    match a.as_slice() {
        Some(values) => {
            f(values);
            true
        }
        None => false,
    }
}

/// Lends the array's memory for zero-copy `to_backend`. The owner keeps the memory alive and
/// unchanged: for owned storage the tensor itself ([`Tensor::lend_owner`]); for borrowed
/// storage the original lender's owner, passed on, so that memory going back and forth between
/// backends is owned by its lender, not by a chain of every tensor it passed through.
fn share_host(t: &Tensor) -> Option<tensorswitch::SharedHost> {
    let nd = t.native::<NdArray>()?;
    let (ptr, strides, lender) = match_nd!(&*nd, a => (
        a.as_ptr().cast::<u8>(),
        a.strides().iter().copied().collect(),
        a.lender().cloned(),
    ));
    drop(nd);
    Some(tensorswitch::SharedHost {
        ptr,
        dtype: t.dtype(),
        shape: t.shape().into(),
        strides,
        owner: lender.unwrap_or_else(|| t.lend_owner()),
    })
}

/// Borrows memory lent by another backend (zero-copy `to_backend`): the tensor reads it
/// through a view and holds `shared.owner` until the last tensor sharing the view is dropped.
/// Errors (so the core copies) for layouts a view cannot represent; see [`NdStorage`].
///
/// # Safety
///
/// `shared` satisfies the [`SharedHost`](tensorswitch::SharedHost) contract.
#[allow(unsafe_code)]
unsafe fn import_shared_host(shared: tensorswitch::SharedHost) -> Result<Tensor> {
    // SAFETY: the contract of `SharedHost`, with the element type chosen from its dtype.
    let nd: NdArray = by_dtype!("from_host", shared.dtype; |T| {
        T::into_nd_storage(unsafe { NdStorage::<T>::borrow(shared)? })
    });
    Ok(nd.into_tensor())
}

/// ndarray is compiled in, so the version is whatever Cargo resolved it to.
fn detect_version() -> std::result::Result<String, String> {
    Ok(
        tensorswitch::build_info::locked_version("tensorswitch-ndarray", "ndarray")
            .unwrap_or(NDARRAY_VERSION_REQUIREMENT)
            .to_string(),
    )
}

// Every primary of the backend. Ops not listed here (zeros, ones, linspace, eye, square,
// not_equal, greater, greater_equal, logical_xor, clip, matrix_transpose, vecdot, tensordot,
// mean, var, std, expand_dims, squeeze, stack) run on the core's compositional
// fallbacks, as do expm1 and log1p below ndarray 0.17.
tensorswitch::primaries! { NAME;
    from_host => host::from_host,
    to_host => host::to_host,
    arange => host::arange,
    full => host::full,
    zeros_like => host::zeros_like,
    ones_like => host::ones_like,
    empty => host::zeros_like,
    empty_like => host::zeros_like,
    full_like => host::full,
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
    sqrt => elementwise::sqrt,
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
    expm1 @ "0p17_and_above" => elementwise::expm1_native,
    log1p @ "0p17_and_above" => elementwise::log1p_native,
    equal => elementwise::equal,
    less => elementwise::less,
    less_equal => elementwise::less_equal,
    logical_and => elementwise::logical_and,
    logical_or => elementwise::logical_or,
    logical_not => elementwise::logical_not,
    bitwise_and => elementwise::bitwise_and,
    bitwise_or => elementwise::bitwise_or,
    bitwise_xor => elementwise::bitwise_xor,
    bitwise_left_shift => elementwise::bitwise_left_shift,
    bitwise_right_shift => elementwise::bitwise_right_shift,
    bitwise_invert => elementwise::bitwise_invert,
    where_ => elementwise::where_,
    matmul => linalg::matmul,
    linalg_inv => linalg::inv,
    linalg_det => linalg::det,
    sum => reduce::sum,
    prod => reduce::prod,
    max => reduce::max,
    min => reduce::min,
    all => reduce::all,
    any => reduce::any,
    count_nonzero => reduce::count_nonzero,
    argmax => reduce::argmax,
    argmin => reduce::argmin,
    cumulative_sum => reduce::cumulative_sum,
    sort => reduce::sort,
    argsort => reduce::argsort,
    reshape => manip::reshape,
    permute_dims => manip::permute_dims,
    // The core turns the source and destination axes into the permutation permute_dims takes.
    moveaxis => manip::permute_dims,
    roll => manip::roll,
    repeat => manip::repeat,
    flip => manip::flip,
    broadcast_to => manip::broadcast_to,
    concat => manip::concat,
    astype => manip::astype,
    tril @ "0p16_and_above" => manip::tril_native,
    triu @ "0p16_and_above" => manip::triu_native,
    tril @ "0p15_and_below" => manip::tril_loop,
    triu @ "0p15_and_below" => manip::triu_loop,
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
    conv2d => nn::conv2d,
    // One pass per lane instead of the fallback's five ops (see `softmax`).
    softmax => softmax::softmax,
}

/// The native value of an ndarray tensor: the data as an [`NdStorage`] (an owned `ArrayD` or a
/// borrowed view) of the dtype's element type. Build one from an `ArrayD` with `From`.
#[derive(Clone, Debug, PartialEq)]
pub enum NdArray {
    /// bool
    Bool(NdStorage<bool>),
    /// int8
    Int8(NdStorage<i8>),
    /// int16
    Int16(NdStorage<i16>),
    /// int32
    Int32(NdStorage<i32>),
    /// int64
    Int64(NdStorage<i64>),
    /// uint8
    UInt8(NdStorage<u8>),
    /// uint16
    UInt16(NdStorage<u16>),
    /// uint32
    UInt32(NdStorage<u32>),
    /// uint64
    UInt64(NdStorage<u64>),
    /// float32
    Float32(NdStorage<f32>),
    /// float64
    Float64(NdStorage<f64>),
}

impl NdArray {
    /// The dtype of the elements.
    pub fn dtype(&self) -> DType {
        match_nd!(self, a => element_dtype(a))
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        match_nd!(self, a => a.shape())
    }

    /// The number of dimensions.
    pub fn ndim(&self) -> usize {
        self.shape().len()
    }

    /// Wraps the array in a tensor of the ndarray backend.
    pub fn into_tensor(self) -> Tensor {
        let dtype = self.dtype();
        let shape = tensorswitch::tensor::Shape::from_slice(self.shape());
        KIT.wrap(dtype, &shape, tensorswitch::Device::Cpu, self)
    }

    /// Wraps the array as a tensor of `shape`, which the caller knows the array has (a result
    /// whose shape the kernel computed): one copy of the shape fewer than
    /// [`into_tensor`](NdArray::into_tensor).
    #[inline]
    pub(crate) fn into_tensor_shaped(self, shape: &[usize]) -> Tensor {
        debug_assert_eq!(self.shape(), shape);
        KIT.wrap(self.dtype(), shape, tensorswitch::Device::Cpu, self)
    }

    /// Wraps the array as a tensor with `like`'s shape and device, which the caller knows the
    /// array has (an elementwise result): the shape is copied from `like`'s metadata instead
    /// of being read out of the array.
    #[inline]
    pub(crate) fn into_tensor_like(self, like: &Tensor) -> Tensor {
        debug_assert_eq!(self.shape(), like.shape());
        KIT.wrap_like(self.dtype(), like, self)
    }
}

fn element_dtype<T: Element>(_: &ArrayRefD<T>) -> DType {
    T::DTYPE
}

/// An element type the ndarray backend stores: the eleven types with a dtype (no f16/bf16).
pub trait NdElement: Element + PartialOrd + Into<Scalar> {
    /// Wraps an array in the matching [`NdArray`] variant.
    fn into_nd(a: ArrayD<Self>) -> NdArray {
        Self::into_nd_storage(NdStorage::from(a))
    }
    /// Wraps storage in the matching [`NdArray`] variant.
    fn into_nd_storage(a: NdStorage<Self>) -> NdArray;
    /// The storage inside `nd` if it holds this element type.
    fn from_nd(nd: &NdArray) -> Option<&NdStorage<Self>>;
    /// Converts with Rust `as` rules; to bool, non-zero (and NaN) is true.
    fn from_scalar(s: Scalar) -> Self;
    /// Whether the value is NaN (never for integers and bool).
    #[inline]
    fn is_nan(self) -> bool {
        // Only NaN is unordered against itself.
        self.partial_cmp(&self).is_none()
    }
}

macro_rules! nd_element {
    ($($t:ty => $V:ident, |$s:ident| $from:expr;)*) => {$(
        impl NdElement for $t {
            #[inline]
            fn into_nd_storage(a: NdStorage<Self>) -> NdArray {
                NdArray::$V(a)
            }
            #[inline]
            fn from_nd(nd: &NdArray) -> Option<&NdStorage<Self>> {
                match nd {
                    NdArray::$V(a) => Some(a),
                    _ => None,
                }
            }
            #[inline]
            fn from_scalar($s: Scalar) -> Self {
                $from
            }
        }
    )*};
}

nd_element! {
    bool => Bool, |s| s.as_f64() != 0.0;
    i8 => Int8, |s| s.cast();
    i16 => Int16, |s| s.cast();
    i32 => Int32, |s| s.cast();
    i64 => Int64, |s| s.cast();
    u8 => UInt8, |s| s.cast();
    u16 => UInt16, |s| s.cast();
    u32 => UInt32, |s| s.cast();
    u64 => UInt64, |s| s.cast();
    f32 => Float32, |s| s.cast();
    f64 => Float64, |s| s.cast();
}

impl<T: NdElement> From<ArrayD<T>> for NdArray {
    fn from(a: ArrayD<T>) -> NdArray {
        T::into_nd(a)
    }
}

/// A tensor of the ndarray backend holding `a` (no copy).
pub fn from_ndarray<T: NdElement>(a: ArrayD<T>) -> Tensor {
    T::into_nd(a).into_tensor()
}

/// The data of an ndarray-backend tensor, if `T` is its element type (owned or borrowed
/// storage alike): a guard ([`Tensor::native`]) that derefs to the array; `.view()` gives an
/// `ArrayViewD`, `.view().to_owned()` copies it into an `ArrayD`.
pub fn to_ndarray<T: NdElement>(t: &Tensor) -> Option<Native<'_, NdStorage<T>>> {
    let nd = t.native::<NdArray>()?;
    T::from_nd(&nd)?;
    Some(Native::map(nd, |n| {
        T::from_nd(n).unwrap_or_else(|| unreachable!("checked just above"))
    }))
}

/// The address of an ndarray-backend tensor's first element, whatever its dtype (`None` for
/// other backends' tensors): to see whether two tensors share memory.
pub fn data_ptr(t: &Tensor) -> Option<*const u8> {
    let nd = t.native::<NdArray>()?;
    Some(match_nd!(&*nd, a => a.as_ptr().cast::<u8>()))
}

/// The native value of an ndarray-backend tensor (`None` for other backends' tensors), as a
/// guard ([`Tensor::native`]). Its arrays may be borrowed from another backend: read them
/// through [`NdStorage`]'s `Deref` or `view`; [`NdStorage::into_owned`] copies borrowed
/// elements.
pub fn as_ndarray(t: &Tensor) -> Option<Native<'_, NdArray>> {
    t.native::<NdArray>()
}

// ---------------------------------------------------------------------------------------------
// helpers shared by the op modules

/// The native value of an input tensor.
#[inline]
pub(crate) fn input_array<'a>(op: &'static str, t: &'a Tensor) -> Result<&'a NdArray> {
    // SAFETY: every caller is part of a slot function, called by the core's dispatch on its
    // inputs, and no reference outlives the slot call (results own their data).
    #[allow(unsafe_code)]
    unsafe {
        KIT.native_in_slot(op, t)
    }
}

/// The array of an input tensor that must have element type `T`.
pub(crate) fn array<'a, T: NdElement>(op: &'static str, t: &'a Tensor) -> Result<&'a ArrayRefD<T>> {
    let n = input_array(op, t)?;
    T::from_nd(n).map(|s| &**s).ok_or_else(|| {
        KIT.error(
            op,
            format!("expected a {} tensor, got {}", T::DTYPE, n.dtype()),
        )
    })
}

/// A broadcast view of `a` with `shape`.
pub(crate) fn broadcast<'a, T>(
    op: &'static str,
    a: &'a ArrayRefD<T>,
    shape: &[usize],
) -> Result<ArrayViewD<'a, T>> {
    a.broadcast(IxDyn(shape)).ok_or_else(|| {
        KIT.error(
            op,
            format!("cannot broadcast shape {:?} to {shape:?}", a.shape()),
        )
    })
}

/// `f` applied elementwise to `a` and `b` broadcast together. The result is allocated
/// fallibly (see [`buf`]).
pub(crate) fn zip2<A: Copy, B: Copy, R: Element + Default>(
    op: &'static str,
    a: &ArrayRefD<A>,
    b: &ArrayRefD<B>,
    f: impl Fn(A, B) -> R,
) -> Result<ArrayD<R>> {
    if same_dims(a.shape(), b.shape()) {
        // Contiguous operands of one shape (the common case) skip Zip's layout analysis,
        // which dominates the cost for small arrays: one exact allocation, filled once.
        if let (Some(x), Some(y)) = (buf::flat(a), buf::flat(b)) {
            // `a` exists, so its element count is valid; only the memory can be missing.
            let mut data = tensorswitch::alloc::try_with_capacity(op, x.len())?;
            data.extend(x.iter().zip(y).map(|(&p, &q)| f(p, q)));
            return buf::shaped_like(op, a, data);
        }
        return buf::zip_views(op, &a.view(), &b.view(), f);
    }
    let shape = tensorswitch::broadcast_shapes(op, a.shape(), b.shape())?;
    let (a, b) = (broadcast(op, a, &shape)?, broadcast(op, b, &shape)?);
    buf::zip_views(op, &a, &b, f)
}

/// `a == b` for shapes, without the `memcmp` call slice equality makes (a call, and its own
/// dispatch, cost more than the comparison for the few dimensions of a shape).
#[inline(always)]
fn same_dims(a: &[usize], b: &[usize]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// Checks that reduction axes are sorted, unique and in range (ndarray panics otherwise).
pub(crate) fn check_axes(op: &'static str, axes: &[usize], ndim: usize) -> Result<()> {
    let sorted = axes.windows(2).all(|w| w[0] < w[1]);
    if sorted && axes.iter().all(|&a| a < ndim) {
        Ok(())
    } else {
        Err(KIT.error(
            op,
            format!("axes {axes:?} are not sorted unique axes of a {ndim}-dimensional array"),
        ))
    }
}
