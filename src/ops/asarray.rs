//! `asarray`: the standard's constructor from "an object": here a tensor of any backend, a
//! Rust vector, slice or array of elements, a single element, or [`HostData`] with a shape.
//!
//! Nested Python sequences have no Rust counterpart; flat data with a shape
//! ([`ArraySource::shaped`]) takes their place.

use super::creation::{convert_for_switch, from_host_on};
use super::dispatch::creation_table;
use crate::catalogue::Op;
use crate::dtype::{DType, Element, HostData};
use crate::error::{Error, Result};
use crate::state;
use crate::tensor::{Device, Shape, Tensor};

/// What [`asarray`] makes a tensor of.
#[derive(Clone, Debug)]
pub enum ArraySource<'a> {
    /// A tensor, of any backend.
    Tensor(&'a Tensor),
    /// Elements in row-major order, with the shape they fill.
    Host(HostData, Shape),
}

impl ArraySource<'_> {
    /// Flat elements read as an array of `shape` (their count must match it).
    pub fn shaped<T: Element>(data: Vec<T>, shape: &[usize]) -> ArraySource<'static> {
        ArraySource::Host(T::into_host(data), Shape::from_slice(shape))
    }
}

impl<'a> From<&'a Tensor> for ArraySource<'a> {
    fn from(t: &'a Tensor) -> Self {
        ArraySource::Tensor(t)
    }
}

/// One-dimensional, as long as the data.
impl From<HostData> for ArraySource<'_> {
    fn from(data: HostData) -> Self {
        let n = data.len();
        ArraySource::Host(data, Shape::from_slice(&[n]))
    }
}

macro_rules! source_from_elements {
    ($($t:ty),*) => {$(
        /// A 0-dimensional tensor of the value.
        impl From<$t> for ArraySource<'_> {
            fn from(v: $t) -> Self {
                ArraySource::Host(<$t>::into_host(vec![v]), Shape::from_slice(&[]))
            }
        }
        /// One-dimensional; the vector is moved, not copied.
        impl From<Vec<$t>> for ArraySource<'_> {
            fn from(v: Vec<$t>) -> Self {
                HostData::from(<$t>::into_host(v)).into()
            }
        }
        /// One-dimensional (a copy).
        impl From<&[$t]> for ArraySource<'_> {
            fn from(v: &[$t]) -> Self {
                v.to_vec().into()
            }
        }
        /// One-dimensional.
        impl<const N: usize> From<[$t; N]> for ArraySource<'_> {
            fn from(v: [$t; N]) -> Self {
                v.to_vec().into()
            }
        }
    )*};
}
source_from_elements!(bool, i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

/// The keywords of [`asarray`]: `dtype`, `device` and `copy`, each unset by default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AsArray {
    /// The result's dtype (`None`: the source's).
    pub dtype: Option<DType>,
    /// The result's device (`None`: the active default device).
    pub device: Option<Device>,
    /// `Some(true)`: always new storage; `Some(false)`: never copy, and an error where a copy
    /// would be needed; `None`: copy only where needed.
    pub copy: Option<bool>,
}

impl AsArray {
    /// Sets the dtype.
    pub fn dtype(mut self, dtype: DType) -> AsArray {
        self.dtype = Some(dtype);
        self
    }

    /// Sets the device.
    pub fn device(mut self, device: Device) -> AsArray {
        self.device = Some(device);
        self
    }

    /// Sets the copy rule.
    pub fn copy(mut self, copy: bool) -> AsArray {
        self.copy = Some(copy);
        self
    }
}

/// A tensor on the backend creation ops run on (see [`crate::state`]) from `obj`, the
/// standard's `asarray(obj, dtype=, device=, copy=)`.
///
/// * From a tensor already on that backend, with its dtype and device: the same tensor
///   (`same_tensor` holds), unless `copy` is `Some(true)`. From another backend: converted as
///   [`to_backend`](crate::to_backend) does (sharing CPU memory where it can), then cast with
///   `astype` if `dtype` differs and moved if `device` differs. `copy: Some(false)` refuses any
///   of these with [`Error::InvalidArgument`], since each may copy.
/// * From host data (vectors are moved in, slices copied): a new tensor of that data, cast to
///   `dtype` if given. `copy` does not apply: the data becomes the tensor's own.
///
/// ```
/// use tensorswitch::{asarray, AsArray, ArraySource, DType};
/// use tensorswitch_ndarray as _;
/// let x = asarray(vec![1.5f32, -2.5], AsArray::default()).unwrap();
/// let y = asarray(&x, AsArray::default().dtype(DType::Int32)).unwrap();
/// assert_eq!(y.to_vec::<i32>().unwrap(), [1, -2]);
/// let m = asarray(ArraySource::shaped(vec![1u8, 2, 3, 4], &[2, 2]), AsArray::default()).unwrap();
/// assert_eq!(m.shape(), [2, 2]);
/// ```
pub fn asarray<'a>(obj: impl Into<ArraySource<'a>>, options: AsArray) -> Result<Tensor> {
    let _section = crate::tensor::live::enter();
    let op = Op::from_host;
    let table = creation_table(op)?;
    let device = options.device.unwrap_or_else(state::default_device);
    match obj.into() {
        ArraySource::Host(data, shape) => {
            let source_dtype = data.dtype();
            let t = from_host_on(table, data, &shape, device)?;
            match options.dtype {
                Some(d) if d != source_dtype => super::astype(&t, d),
                _ => Ok(t),
            }
        }
        ArraySource::Tensor(x) => {
            let other_backend = !std::ptr::eq(x.backend_descriptor(), table.backend);
            let other_dtype = options.dtype.is_some_and(|d| d != x.dtype());
            let other_device = options.device.is_some_and(|d| d != x.device());
            let needs_work = other_backend || other_dtype || other_device;
            if needs_work && options.copy == Some(false) {
                return Err(Error::InvalidArgument {
                    op: "asarray",
                    reason: format!(
                        "copy=false, but the {} tensor ({}, {}) must be {}; \
                         pass copy=None to allow it",
                        x.backend_descriptor().name,
                        x.dtype(),
                        x.device(),
                        if other_backend {
                            format!("converted to {}", table.backend.name)
                        } else if other_dtype {
                            "cast to another dtype".to_string()
                        } else {
                            "moved to another device".to_string()
                        }
                    ),
                });
            }
            let mut t = if other_backend {
                let target = options.device.unwrap_or(x.device());
                convert_for_switch(x, table, target)?
            } else {
                x.clone()
            };
            if let Some(d) = options.dtype {
                t = super::astype(&t, d)?;
            }
            if let Some(d) = options.device {
                t = super::to_device(&t, d)?;
            }
            // A conversion without a cast may share the source's CPU memory.
            let may_share = t.same_tensor(x) || (other_backend && !other_dtype && !other_device);
            if options.copy == Some(true) && may_share {
                t = fresh_copy(&t, table, t.device())?;
            }
            Ok(t)
        }
    }
}

/// New storage with `x`'s values, through the host (float16 and bfloat16 travel as float32 and
/// are narrowed back, which is exact).
fn fresh_copy(
    x: &Tensor,
    table: &'static crate::table::FunctionTable,
    device: Device,
) -> Result<Tensor> {
    let narrow = matches!(x.dtype(), DType::Float16 | DType::BFloat16);
    let data = if narrow {
        super::to_host(&super::astype(x, DType::Float32)?)?
    } else {
        super::to_host(x)?
    };
    let t = from_host_on(table, data, x.shape(), device)?;
    if narrow {
        super::astype(&t, x.dtype())
    } else {
        Ok(t)
    }
}
