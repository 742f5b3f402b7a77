//! The backend-independent tensor handle.
//!
//! A [`Tensor`] is a cheap-to-clone handle (a thin, atomically counted pointer) to a backend's
//! native tensor plus the metadata the core validates calls with: dtype, shape, device and the
//! backend that owns it. The metadata and the native value live in one block, and freed blocks
//! are reused per thread (see `handle.rs`), so wrapping a backend result in a loop usually
//! costs no allocation.

mod backend;
#[allow(unsafe_code)]
mod dims;
#[allow(unsafe_code)]
mod handle;
#[allow(unsafe_code)]
pub(crate) mod live;

pub use backend::BackendDescriptor;

use crate::dtype::DType;
use crate::error::{Error, Result};
pub(crate) use handle::{values_kept_for_borrowers, Handle};
use smallvec::SmallVec;
use std::any::Any;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// A backend's native value borrowed from a [`Tensor`] (see [`Tensor::native`]). Not `Send`:
/// it holds a read section of the thread that made it.
pub struct Native<'a, N: ?Sized> {
    value: &'a N,
    _section: live::Section,
}

impl<'a, N: ?Sized> Native<'a, N> {
    /// A guard for a part of the value (a field, say), keeping the same section.
    pub fn map<M: ?Sized>(this: Native<'a, N>, f: impl FnOnce(&'a N) -> &'a M) -> Native<'a, M> {
        Native {
            value: f(this.value),
            _section: this._section,
        }
    }
}

impl<N: ?Sized> Deref for Native<'_, N> {
    type Target = N;
    #[inline]
    fn deref(&self) -> &N {
        self.value
    }
}

impl<N: ?Sized + fmt::Debug> fmt::Debug for Native<'_, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

/// A shape, stored inline up to four dimensions.
pub type Shape = SmallVec<[usize; 4]>;

/// Where a tensor's data lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Device {
    /// Host memory.
    Cpu,
    /// An NVIDIA GPU, by index.
    Cuda(usize),
    /// An Apple GPU through Metal, by index.
    Metal(usize),
}

impl Device {
    /// Parses `"cpu"`, `"cuda"`, `"cuda:1"`, `"metal"`, `"mps:0"`.
    pub fn parse(text: &str) -> Result<Device> {
        let t = text.trim().to_ascii_lowercase();
        let (kind, index) = match t.split_once(':') {
            Some((k, i)) => {
                let index = i.parse::<usize>().map_err(|_| {
                    Error::Device(format!(
                        "`{text}`: the device index must be a non-negative integer, as in \"cuda:0\""
                    ))
                })?;
                (k.to_string(), index)
            }
            None => (t.clone(), 0),
        };
        match kind.as_str() {
            "cpu" if index == 0 => Ok(Device::Cpu),
            "cuda" | "gpu" => Ok(Device::Cuda(index)),
            "metal" | "mps" => Ok(Device::Metal(index)),
            _ => Err(Error::Device(format!(
                "`{text}` is not a device name; expected \"cpu\", \"cuda:N\" or \"metal:N\""
            ))),
        }
    }
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Device::Cpu => f.write_str("cpu"),
            Device::Cuda(i) => write!(f, "cuda:{i}"),
            Device::Metal(i) => write!(f, "metal:{i}"),
        }
    }
}

/// A CPU tensor's memory lent to another backend without copying (see
/// [`crate::to_backend`]).
///
/// Contract for the backend that makes one (`share_host`): `ptr` points at the element at
/// index (0, …, 0); every element reachable through `shape` and `strides` (in elements, may be
/// negative) is a valid value of `dtype` (a bool byte is 0 or 1) and stays valid for reads,
/// and unchanged, for as long as `owner` is alive. The backend
/// that imports one keeps `owner` alive for as long as any tensor reads that memory. A backend
/// lending a tensor's memory uses [`Tensor::lend_owner`] as the owner (not a plain clone of the
/// tensor: a dynamic tensor's value can be replaced by a converting switch).
pub struct SharedHost {
    /// Address of the first element.
    pub ptr: *const u8,
    /// Element type.
    pub dtype: DType,
    /// Shape.
    pub shape: Shape,
    /// Strides in elements.
    pub strides: SmallVec<[isize; 4]>,
    /// Keeps the memory alive.
    pub owner: Arc<dyn Any + Send + Sync>,
}

// SAFETY: the pointer is only read, and only while `owner` (itself Send + Sync) keeps the
// memory alive and unchanged; the data is never written through it, so sending it to or
// sharing it between threads cannot race.
#[allow(unsafe_code)]
unsafe impl Send for SharedHost {}
// SAFETY: as above.
#[allow(unsafe_code)]
unsafe impl Sync for SharedHost {}

impl SharedHost {
    /// Whether the strides describe row-major contiguous memory.
    pub fn is_contiguous(&self) -> bool {
        let mut expected = 1isize;
        for (&d, &s) in self.shape.iter().zip(&self.strides).rev() {
            if d != 1 && s != expected {
                return false;
            }
            expected *= d as isize;
        }
        true
    }
}

/// A tensor of some backend. Clone is cheap (reference counted); tensors are immutable.
#[derive(Clone)]
pub struct Tensor {
    handle: Handle,
}

impl Tensor {
    /// Wraps a backend's native tensor. For backend authors: `shape`, `dtype` and `device` must
    /// describe `native` exactly, since the core validates every call with them.
    #[inline(always)]
    pub fn from_native<N: Any + Send + Sync>(
        backend: &'static BackendDescriptor,
        dtype: DType,
        shape: &[usize],
        device: Device,
        native: N,
    ) -> Tensor {
        Tensor {
            handle: Handle::new_shaped(backend, dtype, device, shape, native),
        }
    }

    /// Wraps a backend's native tensor that has `like`'s shape and device (an elementwise
    /// result, say): the same as [`Tensor::from_native`] with `like.shape()` and
    /// `like.device()`, but the shape is copied without looking at its elements.
    #[inline(always)]
    pub fn from_native_like<N: Any + Send + Sync>(
        backend: &'static BackendDescriptor,
        dtype: DType,
        like: &Tensor,
        native: N,
    ) -> Tensor {
        Tensor {
            handle: Handle::new_like(backend, dtype, like.handle.meta(), native),
        }
    }

    /// A plugin's block taken over as a tensor of the host's descriptor `backend`
    /// (`plugin::host`, for a plugin that shares its blocks).
    ///
    /// # Safety
    /// As for `Handle::adopt_shared`.
    #[allow(unsafe_code)]
    pub(crate) unsafe fn adopt_shared(p: *mut (), backend: &'static BackendDescriptor) -> Tensor {
        Tensor {
            // SAFETY: the function's contract.
            handle: unsafe { Handle::adopt_shared(p, backend) },
        }
    }

    /// The backend's native value, if it is of type `N`.
    ///
    /// The guard keeps the value in place: a converting switch ([`crate::dynamic`]) may move
    /// a dynamic tensor to another backend, and waits until no guard of any thread is alive
    /// (a switch made by a thread holding one fails instead of waiting for itself). Keep
    /// guards short-lived.
    #[inline]
    pub fn native<N: Any>(&self) -> Option<Native<'_, N>> {
        let section = live::enter();
        // SAFETY: the section lives as long as the guard, which bounds the reference.
        #[allow(unsafe_code)]
        let value = unsafe { self.handle.native::<N>() }?;
        Some(Native {
            value,
            _section: section,
        })
    }

    /// The backend's native value, if it is of type `N`, for a backend's slot function: no
    /// guard, the read section tensorswitch holds around every slot call covers it.
    ///
    /// # Safety
    /// The calling thread is inside a read section, and the reference is not used after it
    /// leaves it. A slot function meets both by construction: tensorswitch calls it only inside
    /// an op, which holds a section for the whole call (safe code cannot call a registered
    /// function any other way, see [`crate::catalogue::Slot`]), and a slot's signature keeps
    /// references into its inputs from outliving the call (its results own their data).
    /// Anywhere else use [`Tensor::native`].
    #[inline(always)]
    #[allow(unsafe_code)]
    pub unsafe fn native_in_slot<N: Any>(&self) -> Option<&N> {
        debug_assert!(
            live::in_section(),
            "Tensor::native_in_slot called outside a read section (a slot called directly?)"
        );
        // SAFETY: the caller's contract is `Handle::native`'s.
        unsafe { self.handle.native::<N>() }
    }

    /// The shape.
    #[inline]
    pub fn shape(&self) -> &[usize] {
        self.handle.meta().shape.as_slice()
    }

    /// Whether `self` and `other` have the same shape: `a.shape() == b.shape()`, but cheaper
    /// (no loop up to four dimensions), for the checks on every op's hot path.
    #[inline]
    pub fn same_shape(&self, other: &Tensor) -> bool {
        self.handle.meta().shape.same(&other.handle.meta().shape)
    }

    /// The number of dimensions.
    #[inline]
    pub fn ndim(&self) -> usize {
        self.handle.meta().shape.len()
    }

    /// The number of elements.
    #[inline]
    pub fn size(&self) -> usize {
        self.shape().iter().product()
    }

    /// The dtype.
    #[inline]
    pub fn dtype(&self) -> DType {
        self.handle.meta().dtype
    }

    /// The name of the backend that owns the tensor.
    #[inline]
    pub fn backend(&self) -> &'static str {
        self.handle.meta().backend().name
    }

    /// The descriptor of the backend that owns the tensor.
    #[inline]
    pub fn backend_descriptor(&self) -> &'static BackendDescriptor {
        self.handle.meta().backend()
    }

    /// The device the data lives on.
    #[inline]
    pub fn device(&self) -> Device {
        self.handle.meta().device()
    }

    /// Whether `self` and `other` are on the same device (cheaper than comparing
    /// [`Tensor::device`]s).
    #[inline]
    pub fn same_device(&self, other: &Tensor) -> bool {
        self.handle.meta().device_bits() == other.handle.meta().device_bits()
    }

    /// Whether the tensor is dynamic: a converting switch moves it to the new backend (see
    /// [`crate::dynamic`]).
    #[inline]
    pub fn dynamic_backend(&self) -> bool {
        self.handle.is_dynamic()
    }

    /// The owner a backend's `share_host` puts in a [`SharedHost`] lending this tensor's
    /// memory: a handle to the tensor, which also records the loan, so that converting the
    /// tensor later (a dynamic tensor, see [`crate::dynamic`]) keeps the lent memory alive
    /// until the tensor is dropped.
    pub fn lend_owner(&self) -> Arc<dyn Any + Send + Sync> {
        self.handle.mark_lent();
        Arc::new(self.clone())
    }

    pub(crate) fn handle(&self) -> &Handle {
        &self.handle
    }

    pub(crate) fn into_handle(self) -> Handle {
        self.handle
    }

    pub(crate) fn from_handle(handle: Handle) -> Tensor {
        Tensor { handle }
    }

    /// Whether two handles point at the same tensor.
    pub fn same_tensor(&self, other: &Tensor) -> bool {
        self.handle.ptr_eq(&other.handle)
    }
}

impl fmt::Debug for Tensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Tensor({} {:?} {} on {}",
            self.dtype(),
            self.shape(),
            self.backend(),
            self.device()
        )?;
        if self.size() <= 16 {
            if let Ok(data) = self.to_host() {
                crate::match_host_data!(data, v => write!(f, ", {v:?}"))?;
            }
        }
        f.write_str(")")
    }
}
