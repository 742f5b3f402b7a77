//! A tensor's dimensions as its handle stores them.
//!
//! Every op validates shapes and every result copies one, so this is on the hot path of the
//! cheapest calls. [`Dims`] keeps up to [`INLINE`] dimensions in place with the unused slots
//! zeroed, which makes the common checks branch-light: two shapes of the same rank up to
//! four are equal exactly when their four slots are (two vector compares, no loop), and a
//! copy is five word moves. `SmallVec` cannot offer that: its unused inline slots are
//! uninitialised, so equality has to walk the elements behind an inline-or-heap branch for
//! each operand. Larger ranks live in a boxed slice.
//!
//! # Invariants (what the `unsafe` below relies on)
//!
//! * `len <= INLINE`: `data.inline` is the active field, `data.inline[..len]` are the
//!   dimensions and `data.inline[len..]` are zero.
//! * `len > INLINE`: `data.heap` is the active field, the pointer of a `Box<[usize]>` of
//!   exactly `len` elements that this `Dims` owns (freed in `Drop`).
//!
//! Both are established by the constructors and never changed afterwards (no method takes
//! `&mut self` except `drop`).

use std::ptr::NonNull;

/// How many dimensions are stored without an allocation.
pub(crate) const INLINE: usize = 4;

/// Immutable tensor dimensions; see the module documentation.
pub(crate) struct Dims {
    len: usize,
    data: Data,
}

union Data {
    inline: [usize; INLINE],
    heap: NonNull<usize>,
}

// SAFETY: a `Dims` owns its dimensions outright (in place, or a `Box<[usize]>` nobody else
// points to) and never mutates them, so it is as thread-safe as `Box<[usize]>`.
unsafe impl Send for Dims {}
// SAFETY: as above.
unsafe impl Sync for Dims {}

impl Dims {
    /// A copy of `dims`. Up to four dimensions this is a few moves: no `memcpy` call, no
    /// allocation.
    #[inline(always)]
    pub(crate) fn from_slice(dims: &[usize]) -> Dims {
        let inline = match *dims {
            [] => [0; INLINE],
            [a] => [a, 0, 0, 0],
            [a, b] => [a, b, 0, 0],
            [a, b, c] => [a, b, c, 0],
            [a, b, c, d] => [a, b, c, d],
            _ => return Dims::spilled(dims),
        };
        Dims {
            len: dims.len(),
            data: Data { inline },
        }
    }

    #[cold]
    #[inline(never)]
    fn spilled(dims: &[usize]) -> Dims {
        debug_assert!(dims.len() > INLINE);
        let boxed: Box<[usize]> = dims.into();
        // `Box::into_raw` never returns null. The element pointer and `len` are enough to
        // rebuild the box in `drop`.
        let heap = NonNull::new(Box::into_raw(boxed).cast::<usize>())
            .unwrap_or_else(|| unreachable!("Box::into_raw returned null"));
        Dims {
            len: dims.len(),
            data: Data { heap },
        }
    }

    /// The dimensions.
    #[inline(always)]
    pub(crate) fn as_slice(&self) -> &[usize] {
        if self.len <= INLINE {
            // SAFETY: with `len <= INLINE` the inline field is active (module invariants) and
            // `len` is within it.
            unsafe { self.data.inline.get_unchecked(..self.len) }
        } else {
            // SAFETY: with `len > INLINE`, `heap` points to `len` initialised elements owned
            // by `self` and never mutated (module invariants).
            unsafe { std::slice::from_raw_parts(self.data.heap.as_ptr(), self.len) }
        }
    }

    /// The number of dimensions.
    #[inline(always)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Whether `self` and `other` are the same shape.
    #[inline(always)]
    pub(crate) fn same(&self, other: &Dims) -> bool {
        if self.len != other.len {
            return false;
        }
        if self.len <= INLINE {
            // SAFETY: both have `len <= INLINE`, so both inline fields are active, and their
            // slots past `len` are zero: comparing all four compares the dimensions.
            unsafe { self.data.inline == other.data.inline }
        } else {
            self.as_slice() == other.as_slice()
        }
    }
}

impl Dims {
    /// Writes a clone of `self` to `dst`, directly from each branch (returning the clone and
    /// moving it costs a stack round trip of all five words).
    ///
    /// # Safety
    /// `dst` is valid for writes and aligned; whatever it held is overwritten, not dropped.
    #[inline(always)]
    pub(crate) unsafe fn clone_to(&self, dst: *mut Dims) {
        if self.len <= INLINE {
            dst.write(Dims {
                len: self.len,
                // SAFETY: the inline field is active (module invariants).
                data: Data {
                    inline: self.data.inline,
                },
            })
        } else {
            dst.write(Dims::spilled(self.as_slice()))
        }
    }
}

impl Drop for Dims {
    #[inline]
    fn drop(&mut self) {
        if self.len > INLINE {
            // SAFETY: `heap` is the element pointer of a `Box<[usize]>` of `len` elements
            // owned by `self` (module invariants); nothing uses it after this.
            unsafe {
                let slice = std::ptr::slice_from_raw_parts_mut(self.data.heap.as_ptr(), self.len);
                drop(Box::from_raw(slice));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::MaybeUninit;

    /// A copy made the way the handle makes one, with `clone_to`.
    fn cloned(d: &Dims) -> Dims {
        let mut out = MaybeUninit::<Dims>::uninit();
        // SAFETY: `out` is valid for writes and aligned, and `clone_to` initialises it.
        unsafe {
            d.clone_to(out.as_mut_ptr());
            out.assume_init()
        }
    }

    /// Every rank from 0 to 7, so both representations and the boundary are covered.
    fn shapes() -> Vec<Vec<usize>> {
        (0..8)
            .map(|rank| (1..=rank).map(|d| d * 3).collect())
            .collect()
    }

    #[test]
    fn dims_round_trip_at_every_rank() {
        for s in shapes() {
            let d = Dims::from_slice(&s);
            assert_eq!(d.as_slice(), s.as_slice());
            assert_eq!(d.len(), s.len());
            let c = cloned(&d);
            drop(d);
            assert_eq!(c.as_slice(), s.as_slice(), "a clone outlives its source");
        }
    }

    #[test]
    fn equality_agrees_with_slice_equality() {
        let mut all = shapes();
        // Same rank, different values (inline and spilled), and zeros that only the padding
        // could confuse with an absent dimension.
        all.extend([
            vec![0],
            vec![0, 0],
            vec![3, 0],
            vec![3, 7],
            vec![0, 0, 0, 0],
            vec![3, 6, 9, 12, 15, 18, 0],
            vec![3, 6, 9, 12, 16],
        ]);
        for a in &all {
            for b in &all {
                let (da, db) = (Dims::from_slice(a), Dims::from_slice(b));
                assert_eq!(da.same(&db), a == b, "{a:?} vs {b:?}");
                assert_eq!(da.same(&cloned(&db)), a == b, "{a:?} vs clone of {b:?}");
            }
        }
    }

    #[test]
    fn dims_move_between_threads() {
        let d = Dims::from_slice(&[1, 2, 3, 4, 5, 6]);
        let back = std::thread::spawn(move || cloned(&d))
            .join()
            .expect("the test thread");
        assert_eq!(back.as_slice(), &[1, 2, 3, 4, 5, 6]);
    }
}
