//! [`NdStorage`]: the array of one dtype, owned or borrowed from another backend.
//!
//! This is the only place the backend builds an array over memory it does not own. The view
//! of borrowed memory is typed `'static`, which is false on its own: it is valid only while
//! `owner` lives. The field is private and the view is only ever handed out re-borrowed from
//! `&self` (through `Deref` to [`ArrayRef`]), so no reader can outlive the storage, and the
//! storage holds `owner`.

use ndarray::{ArrayD, ArrayRef, ArrayViewD, Axis, IxDyn, ShapeBuilder};
use std::any::Any;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;
use tensorswitch::{Result, SharedHost};

/// The elements of an ndarray tensor: an owned `ArrayD`, or a read-only view of memory lent by
/// another backend (zero-copy `to_backend`) together with the value that keeps it alive.
///
/// Derefs to [`ArrayRef<T, IxDyn>`](ArrayRef), ndarray's type for reading any array, so the
/// usual methods (`view`, `iter`, `shape`, `as_slice`, `to_owned`, ...) work on both kinds.
/// There is deliberately no mutable access: tensors are immutable, and borrowed memory
/// belongs to its lender.
pub struct NdStorage<T: 'static> {
    repr: Repr<T>,
}

enum Repr<T: 'static> {
    Owned(ArrayD<T>),
    Borrowed {
        // Not really 'static: valid while `owner` lives (see the module docs). Never handed
        // out with this lifetime.
        view: ArrayViewD<'static, T>,
        owner: Arc<dyn Any + Send + Sync>,
    },
}

impl<T: 'static> NdStorage<T> {
    /// The owner of borrowed elements (what keeps the lender's memory alive), `None` for owned
    /// storage.
    pub(crate) fn lender(&self) -> Option<&Arc<dyn Any + Send + Sync>> {
        match &self.repr {
            Repr::Owned(_) => None,
            Repr::Borrowed { owner, .. } => Some(owner),
        }
    }

    /// Whether the elements are borrowed from another backend's tensor.
    pub fn is_borrowed(&self) -> bool {
        matches!(self.repr, Repr::Borrowed { .. })
    }

    /// A view of the elements.
    pub fn view(&self) -> ArrayViewD<'_, T> {
        (**self).view()
    }

    /// The elements as an owned array: moved out when owned, copied when borrowed.
    pub fn into_owned(self) -> ArrayD<T>
    where
        T: Clone,
    {
        match self.repr {
            Repr::Owned(a) => a,
            Repr::Borrowed { view, .. } => view.to_owned(),
        }
    }

    /// Builds a view of the memory `shared` describes, holding its owner.
    ///
    /// Returns an error (the core then copies) for what a view cannot represent safely: a
    /// null or misaligned pointer, an empty tensor (nothing to borrow; the copy is free), a
    /// stride/shape length mismatch, or a memory span whose size overflows `isize`.
    ///
    /// # Safety
    ///
    /// `shared` must satisfy the [`SharedHost`] contract with `T` the element type of
    /// `shared.dtype`: every element reachable from `ptr` through `shape` and `strides` (in
    /// elements, possibly negative) is a valid `T`, readable and unchanged for as long as
    /// `owner` lives.
    #[allow(unsafe_code)]
    pub(crate) unsafe fn borrow(shared: SharedHost) -> Result<NdStorage<T>> {
        let reject = |why: &str| Err(crate::KIT.error("from_host", why));
        let SharedHost {
            ptr,
            shape,
            strides,
            owner,
            ..
        } = shared;
        let ptr = ptr.cast::<T>();
        if shape.len() != strides.len() {
            return reject("shape and strides differ in length");
        }
        if ptr.is_null() || !ptr.is_aligned() {
            return reject("null or misaligned pointer");
        }
        if shape.contains(&0) {
            return reject("empty tensor");
        }
        // The element offsets reached, relative to `ptr`: [low, high]. Checked so the span
        // (and the element count) fit isize, as ndarray requires.
        let (mut low, mut high) = (0isize, 0isize);
        let mut count = 1usize;
        for (&d, &s) in shape.iter().zip(&strides) {
            let reach = isize::try_from(d - 1).ok().and_then(|n| n.checked_mul(s));
            let Some(reach) = reach else {
                return reject("memory span overflows isize");
            };
            let bound = if reach < 0 { &mut low } else { &mut high };
            match bound.checked_add(reach) {
                Some(b) => *bound = b,
                None => return reject("memory span overflows isize"),
            }
            count = match count.checked_mul(d) {
                Some(c) => c,
                None => return reject("element count overflows"),
            };
        }
        let span_bytes = high
            .checked_sub(low)
            .and_then(|e| e.checked_add(1))
            .and_then(|e| e.checked_mul(std::mem::size_of::<T>() as isize));
        if span_bytes.is_none() || count > isize::MAX as usize {
            return reject("memory span overflows isize");
        }
        // ndarray builds views from non-negative strides only: start at the lowest address
        // (the far end of every negative-stride axis), then invert those axes, which moves
        // the start back to `ptr` and makes their strides negative again.
        let base = ptr.wrapping_offset(low);
        let abs: Vec<usize> = strides.iter().map(|s| s.unsigned_abs()).collect();
        // SAFETY: by the contract, every element reachable from `ptr` is a valid `T`, readable
        // and not written for as long as `owner` lives; `base` is the reachable element of
        // lowest address (in the same allocation), and with non-negative strides the view
        // reaches exactly the same elements. `base` is non-null and aligned (`ptr` is, and
        // the offset is whole elements), the span fits isize (checked above), and the shape
        // is non-empty. The view is stored next to `owner` and never handed out with
        // 'static (see the module docs), so it is never read after `owner` is dropped.
        let mut view: ArrayViewD<'static, T> =
            unsafe { ArrayViewD::from_shape_ptr(IxDyn(&shape).strides(IxDyn(&abs)), base) };
        for (i, &s) in strides.iter().enumerate() {
            if s < 0 {
                view.invert_axis(Axis(i));
            }
        }
        Ok(NdStorage {
            repr: Repr::Borrowed { view, owner },
        })
    }
}

impl<T: 'static> From<ArrayD<T>> for NdStorage<T> {
    fn from(a: ArrayD<T>) -> NdStorage<T> {
        NdStorage {
            repr: Repr::Owned(a),
        }
    }
}

impl<T: 'static> Deref for NdStorage<T> {
    type Target = ArrayRef<T, IxDyn>;

    #[inline]
    fn deref(&self) -> &ArrayRef<T, IxDyn> {
        match &self.repr {
            Repr::Owned(a) => a,
            // Re-borrowed for `&self` only, while `owner` (held by `self`) keeps it valid.
            Repr::Borrowed { view, .. } => view,
        }
    }
}

impl<T: Clone + 'static> Clone for NdStorage<T> {
    /// Owned storage is copied; borrowed storage shares the lender's memory and owner.
    fn clone(&self) -> NdStorage<T> {
        let repr = match &self.repr {
            Repr::Owned(a) => Repr::Owned(a.clone()),
            Repr::Borrowed { view, owner } => Repr::Borrowed {
                view: view.clone(),
                owner: owner.clone(),
            },
        };
        NdStorage { repr }
    }
}

impl<T: PartialEq + 'static> PartialEq for NdStorage<T> {
    fn eq(&self, other: &NdStorage<T>) -> bool {
        self.view() == other.view()
    }
}

impl<T: fmt::Debug + 'static> fmt::Debug for NdStorage<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_borrowed() {
            f.write_str("borrowed ")?;
        }
        fmt::Debug::fmt(&self.view(), f)
    }
}
