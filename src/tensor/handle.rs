//! The memory behind a [`crate::Tensor`]: one heap block per tensor holding a reference count,
//! the tensor's metadata and the backend's native value, and a small per-thread cache of
//! freed blocks.
//!
//! # Why not `Arc<Inner<dyn Any>>`
//!
//! Wrapping a backend result is on the path of every op, and for a cheap op (a 1-element
//! `add` on libtorch) the handle was the largest part of tensorswitch's overhead: the
//! allocator's `malloc`/`free` pair, `Arc`'s second (weak) counter with its atomic decrement,
//! and a fat pointer. [`Handle`] is a thin pointer with one counter, and freed blocks go to a
//! per-thread cache (at most [`cache::DEPTH`] blocks for each of three sizes, returned to the
//! allocator when the thread exits), so a loop that makes and drops tensors reuses the same
//! few blocks without calling the allocator. `docs/performance.md` has the measurements.
//!
//! # Invariants (what the `unsafe` below relies on)
//!
//! * `Handle::ptr` points to a live block allocated by [`cache::alloc`] with the layout stored
//!   in its header, laid out as `Block<N>` for the `N` whose `TypeId` is `native_type`, and
//!   fully initialised; it stays so while `refs > 0`.
//! * `refs` counts the `Handle`s pointing at the block. The block is dropped and freed by the
//!   handle whose decrement takes it to zero, after an acquire fence (the scheme of
//!   `std::sync::Arc`), so no other handle can read it then.
//! * Nothing mutates a block's metadata or native value while it is shared; only `&`
//!   references are handed out, and `N: Sync` makes sharing them between threads sound.

use super::dims::Dims;
use super::{BackendDescriptor, Device};
use crate::dtype::DType;
use std::alloc::Layout;
use std::any::{Any, TypeId};
use std::ptr::{self, NonNull};
use std::sync::atomic::{self, AtomicUsize, Ordering};

/// The metadata the core validates calls with. (Field order is the compiler's: it packs
/// `dtype` after the rest.)
pub(crate) struct Meta {
    pub(crate) backend: &'static BackendDescriptor,
    pub(crate) dtype: DType,
    pub(crate) device: Device,
    pub(crate) shape: Dims,
}

/// The start of every block, whatever the native type.
#[repr(C)]
struct Header {
    refs: AtomicUsize,
    native_type: TypeId,
    /// Drops the block's contents and frees it (monomorphised for the native type, which
    /// also gives it the block's layout).
    destroy: unsafe fn(NonNull<Header>),
    meta: Meta,
}

/// A block: the header, then the native value. `repr(C)` puts the header at offset 0, so a
/// pointer to the block is a pointer to its header.
#[repr(C)]
struct Block<N> {
    header: Header,
    native: N,
}

/// A counted reference to a block.
pub(crate) struct Handle {
    ptr: NonNull<Header>,
}

// SAFETY: the block's contents are `Send + Sync` (`Meta` is; `new` requires `N: Send + Sync`),
// they are immutable while shared, and the count is atomic; so handles may move between
// threads and be shared by them, exactly like `Arc<Block<N>>`.
unsafe impl Send for Handle {}
// SAFETY: as above.
unsafe impl Sync for Handle {}

impl Handle {
    /// A new block holding `meta` and `native`, with one reference.
    #[inline(always)]
    pub(crate) fn new<N: Any + Send + Sync>(meta: Meta, native: N) -> Handle {
        let block = Handle::alloc::<N>();
        // SAFETY: `block` is freshly allocated with a layout at least as large and as aligned
        // as `Block<N>`'s (`block_layout` only rounds up), and nothing else refers to it.
        unsafe {
            ptr::addr_of_mut!((*block.as_ptr()).header.meta).write(meta);
            Handle::finish(block, native)
        }
    }

    /// A new block whose metadata is `like`'s with another backend and dtype (an elementwise
    /// result). The fields are written into the block one by one, after it is allocated:
    /// building a `Meta` first and moving it in costs two stack round trips of the shape on
    /// the 1-element op path.
    #[inline(always)]
    pub(crate) fn new_like<N: Any + Send + Sync>(
        backend: &'static BackendDescriptor,
        dtype: DType,
        like: &Meta,
        native: N,
    ) -> Handle {
        let block = Handle::alloc::<N>();
        // SAFETY: as in `new`; each field of the metadata is written exactly once.
        unsafe {
            let meta = ptr::addr_of_mut!((*block.as_ptr()).header.meta);
            ptr::addr_of_mut!((*meta).backend).write(backend);
            ptr::addr_of_mut!((*meta).dtype).write(dtype);
            ptr::addr_of_mut!((*meta).device).write(like.device);
            like.shape.clone_to(ptr::addr_of_mut!((*meta).shape));
            Handle::finish(block, native)
        }
    }

    #[inline(always)]
    fn alloc<N>() -> NonNull<Block<N>> {
        cache::alloc(layout_of::<N>()).cast::<Block<N>>()
    }

    /// Writes the rest of a block whose metadata is written, and makes its handle.
    ///
    /// # Safety
    /// `block` comes from `alloc::<N>()`, nothing else refers to it, and its `header.meta`
    /// (only that) has been written.
    #[inline(always)]
    unsafe fn finish<N: Any + Send + Sync>(block: NonNull<Block<N>>, native: N) -> Handle {
        let b = block.as_ptr();
        // SAFETY: the block is allocated for a `Block<N>` and nothing else refers to it (the
        // caller's contract); these are the fields the caller has not written.
        unsafe {
            ptr::addr_of_mut!((*b).header.refs).write(AtomicUsize::new(1));
            ptr::addr_of_mut!((*b).header.native_type).write(TypeId::of::<N>());
            ptr::addr_of_mut!((*b).header.destroy).write(destroy::<N>);
            ptr::addr_of_mut!((*b).native).write(native);
        }
        Handle { ptr: block.cast() }
    }

    #[inline]
    fn header(&self) -> &Header {
        // SAFETY: the block is alive and initialised while this handle exists (invariants).
        unsafe { self.ptr.as_ref() }
    }

    /// The tensor's metadata.
    #[inline]
    pub(crate) fn meta(&self) -> &Meta {
        &self.header().meta
    }

    /// The native value, if it is an `N`.
    #[inline]
    pub(crate) fn native<N: Any>(&self) -> Option<&N> {
        if self.header().native_type != TypeId::of::<N>() {
            return None;
        }
        // SAFETY: the block was made by `new::<N>` (its `native_type` is `N`'s), so it is a
        // `Block<N>`, alive and initialised for as long as `self` is borrowed.
        Some(unsafe { &(*self.ptr.cast::<Block<N>>().as_ptr()).native })
    }

    /// Whether two handles refer to the same block.
    #[inline]
    pub(crate) fn ptr_eq(&self, other: &Handle) -> bool {
        self.ptr == other.ptr
    }

    /// The number of handles to this block (for tests).
    #[cfg(test)]
    fn count(&self) -> usize {
        self.header().refs.load(Ordering::Acquire)
    }
}

impl Clone for Handle {
    #[inline]
    fn clone(&self) -> Handle {
        // Relaxed, as in `Arc::clone`: a new reference can only be made from an existing one,
        // which already keeps the block alive.
        let old = self.header().refs.fetch_add(1, Ordering::Relaxed);
        if old > isize::MAX as usize {
            // Only reachable by leaking handles (`mem::forget`) billions of times; the count
            // must never wrap, and `Arc` aborts in the same case.
            std::process::abort();
        }
        Handle { ptr: self.ptr }
    }
}

impl Drop for Handle {
    #[inline]
    fn drop(&mut self) {
        let refs = &self.header().refs;
        // The common case, a result dropped by its only handle, skips the atomic decrement (a
        // locked instruction, several nanoseconds): a count of 1 read while holding a handle
        // means this is the only one, and with no other handle nobody can clone it
        // concurrently. The acquire load synchronises with the release decrements of the
        // handles dropped before, as the fence below does.
        if refs.load(Ordering::Acquire) != 1 {
            if refs.fetch_sub(1, Ordering::Release) != 1 {
                return;
            }
            // Synchronises with the other handles' release decrements: their uses of the
            // block happen before it is dropped below.
            atomic::fence(Ordering::Acquire);
        }
        // SAFETY: the count reached zero, so this was the last handle; the block is alive,
        // initialised, and nothing else can reach it.
        unsafe { (self.header().destroy)(self.ptr) }
    }
}

/// The layout a `Block<N>` is allocated with.
#[inline(always)]
fn layout_of<N>() -> Layout {
    cache::block_layout(Layout::new::<Block<N>>())
}

/// Drops the contents of a `Block<N>` no handle refers to any more, and frees it.
///
/// # Safety
/// `block` is a live `Block<N>` (see the module's invariants) with no handle left.
unsafe fn destroy<N>(block: NonNull<Header>) {
    let b = block.cast::<Block<N>>().as_ptr();
    // If a native's destructor panics, the block's memory is leaked (not freed twice, nor
    // read again), the same outcome as a panic inside `Arc`'s drop.
    ptr::drop_in_place(ptr::addr_of_mut!((*b).header.meta));
    ptr::drop_in_place(ptr::addr_of_mut!((*b).native));
    cache::free(block.cast(), layout_of::<N>());
}

/// Block allocation with a per-thread cache of freed blocks of a few sizes.
pub(crate) mod cache {
    use std::alloc::{self, Layout};
    use std::cell::Cell;
    use std::ptr::{self, NonNull};

    /// The block sizes that are cached (a block is rounded up to the first that fits).
    /// Headers take about 100 bytes; natives range from one pointer (libtorch) to a few
    /// hundred bytes (an `ndarray` array with its shape and strides).
    pub(crate) const SIZES: [usize; 3] = [128, 256, 512];
    /// The alignment of cached blocks.
    pub(crate) const ALIGN: usize = 16;
    /// How many freed blocks each thread keeps per size.
    pub(crate) const DEPTH: usize = 16;

    /// The layout to allocate for a block of `layout`: rounded up to a cached size when one
    /// fits, else as it is. (Constant-folded: `layout` is a type's.)
    #[inline(always)]
    pub(crate) fn block_layout(layout: Layout) -> Layout {
        if layout.align() <= ALIGN {
            for size in SIZES {
                if layout.size() <= size {
                    // A multiple of ALIGN (a power of two) well below isize::MAX: valid.
                    return Layout::from_size_align(size, ALIGN).unwrap_or(layout);
                }
            }
        }
        layout
    }

    /// Which cache a block of `layout` belongs to, if any.
    #[inline(always)]
    fn class(layout: Layout) -> Option<usize> {
        if layout.align() != ALIGN {
            return None;
        }
        SIZES.iter().position(|&s| s == layout.size())
    }

    struct Stack {
        len: Cell<usize>,
        slots: [Cell<*mut u8>; DEPTH],
    }

    /// One thread's freed blocks, by size.
    ///
    /// It has no destructor, so the thread-local access on the hot paths is a plain
    /// thread-pointer offset: a thread local with a destructor checks its registration state
    /// on every access. Returning the blocks at thread exit is [`Closer`]'s job, registered
    /// the first time a block is cached.
    struct Cache {
        /// How many blocks a stack may hold: 0 until [`Closer`] is registered, [`DEPTH`] while
        /// the thread runs, 0 again once it has been closed. `len <= limit <= DEPTH` for
        /// every stack, except right after closing, when all lengths are 0 anyway.
        limit: Cell<usize>,
        closed: Cell<bool>,
        stacks: [Stack; SIZES.len()],
    }

    impl Cache {
        const fn new() -> Cache {
            Cache {
                limit: Cell::new(0),
                closed: Cell::new(false),
                stacks: [const {
                    Stack {
                        len: Cell::new(0),
                        slots: [const { Cell::new(ptr::null_mut()) }; DEPTH],
                    }
                }; SIZES.len()],
            }
        }

        /// The thread is exiting: give the cached blocks back to the allocator and cache no
        /// more (blocks freed later, by other thread-local destructors, go to the allocator).
        fn close(&self) {
            self.closed.set(true);
            self.limit.set(0);
            for (stack, &size) in self.stacks.iter().zip(&SIZES) {
                for slot in &stack.slots[..stack.len.get()] {
                    // SAFETY: every pointer below `len` is a block allocated with this
                    // layout and owned by the cache alone (see `free`).
                    unsafe {
                        alloc::dealloc(slot.get(), Layout::from_size_align_unchecked(size, ALIGN))
                    };
                }
                stack.len.set(0);
            }
        }

        /// Makes room for caching, once per thread: registers [`Closer`] so the blocks are
        /// returned when the thread exits. False once the thread is exiting.
        #[cold]
        #[inline(never)]
        fn open(&self) -> bool {
            if self.closed.get() || CLOSER.try_with(|_| ()).is_err() {
                return false;
            }
            self.limit.set(DEPTH);
            true
        }
    }

    /// Its destructor closes the thread's [`Cache`].
    struct Closer;

    impl Drop for Closer {
        fn drop(&mut self) {
            CACHE.with(Cache::close);
        }
    }

    thread_local! {
        static CACHE: Cache = const { Cache::new() };
        static CLOSER: Closer = const { Closer };
    }

    /// Memory for a block of `layout` (non-zero size): a cached block of that size, or a new
    /// allocation.
    #[inline]
    pub(crate) fn alloc(layout: Layout) -> NonNull<u8> {
        if let Some(c) = class(layout) {
            let cached = CACHE.with(|cache| {
                let stack = &cache.stacks[c];
                let n = stack.len.get();
                (n > 0).then(|| {
                    stack.len.set(n - 1);
                    // `n <= DEPTH` (see `Cache::limit`), so the remainder is `n - 1` itself;
                    // it saves the bounds check.
                    stack.slots[(n - 1) % DEPTH].get()
                })
            });
            if let Some(p) = cached {
                // SAFETY: cached pointers come from `alloc::alloc`, which never returns null
                // for a successful allocation.
                return unsafe { NonNull::new_unchecked(p) };
            }
        }
        // SAFETY: a block's layout has a non-zero size (it holds at least a header).
        let p = unsafe { alloc::alloc(layout) };
        NonNull::new(p).unwrap_or_else(|| alloc::handle_alloc_error(layout))
    }

    /// Frees a block: into this thread's cache when it has room, else to the allocator.
    ///
    /// # Safety
    /// `p` was returned by [`alloc`] for `layout`, its contents are dropped, and nothing
    /// refers to it any more.
    #[inline]
    pub(crate) unsafe fn free(p: NonNull<u8>, layout: Layout) {
        if let Some(c) = class(layout) {
            let kept = CACHE.with(|cache| {
                let stack = &cache.stacks[c];
                let n = stack.len.get();
                if n < cache.limit.get() || (n == 0 && cache.open()) {
                    // `n < limit <= DEPTH`: the remainder is `n`, without a bounds check.
                    stack.slots[n % DEPTH].set(p.as_ptr());
                    stack.len.set(n + 1);
                    true
                } else {
                    false
                }
            });
            if kept {
                return;
            }
        }
        alloc::dealloc(p.as_ptr(), layout)
    }

    /// Closes this thread's cache as thread exit does (for tests).
    #[cfg(test)]
    pub(crate) fn close_for_test() {
        CACHE.with(Cache::close);
    }

    /// How many blocks this thread's cache holds, per size (for tests).
    #[cfg(test)]
    pub(crate) fn cached() -> [usize; SIZES.len()] {
        CACHE.with(|c| std::array::from_fn(|i| c.stacks[i].len.get()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;

    static TEST: BackendDescriptor =
        BackendDescriptor::new("handle-test", "none", || Ok("1.0.0".into()));

    fn meta() -> Meta {
        Meta {
            backend: &TEST,
            dtype: DType::Float32,
            device: Device::Cpu,
            shape: Dims::from_slice(&[2, 3]),
        }
    }

    /// Counts drops, so the tests can see each native dropped exactly once.
    struct Counted(Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_pointer_sized_native_fits_the_smallest_block() {
        // The libtorch backend's native is a pointer plus an optional owner (24 bytes).
        assert!(std::mem::size_of::<Block<[usize; 3]>>() <= cache::SIZES[0]);
        assert_eq!(std::mem::size_of::<Handle>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn the_native_is_found_by_its_type_only() {
        let h = Handle::new(meta(), 7u64);
        assert_eq!(h.native::<u64>(), Some(&7));
        assert_eq!(h.native::<i64>(), None);
        assert_eq!(h.native::<u32>(), None);
        assert_eq!(h.meta().shape.as_slice(), &[2, 3]);
    }

    #[test]
    fn a_handle_made_like_another_copies_its_device_and_shape() {
        static OTHER: BackendDescriptor =
            BackendDescriptor::new("handle-test-other", "none", || Ok("1.0.0".into()));
        for dims in [&[][..], &[2, 3], &[1, 2, 3, 4], &[1, 2, 3, 4, 5, 6]] {
            let source = Handle::new(
                Meta {
                    backend: &TEST,
                    dtype: DType::Float32,
                    device: Device::Cuda(1),
                    shape: Dims::from_slice(dims),
                },
                1u8,
            );
            let like = Handle::new_like(&OTHER, DType::Int64, source.meta(), 2u16);
            drop(source);
            let m = like.meta();
            assert!(std::ptr::eq(m.backend, &OTHER));
            assert_eq!(m.dtype, DType::Int64);
            assert_eq!(m.device, Device::Cuda(1));
            assert_eq!(m.shape.as_slice(), dims, "the shape outlives its source");
            assert_eq!(like.native::<u16>(), Some(&2));
        }
    }

    #[test]
    fn the_native_is_dropped_once_when_the_last_handle_goes() {
        let drops = Arc::new(AtomicUsize::new(0));
        let a = Handle::new(meta(), Counted(drops.clone()));
        let b = a.clone();
        let c = b.clone();
        assert_eq!(a.count(), 3);
        assert!(a.ptr_eq(&c));
        drop(a);
        drop(c);
        assert_eq!(drops.load(Ordering::SeqCst), 0, "a handle is still alive");
        assert_eq!(b.count(), 1);
        drop(b);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn freed_blocks_are_reused_and_the_cache_is_bounded() {
        // A fresh thread starts with an empty cache.
        std::thread::spawn(|| {
            assert_eq!(cache::cached(), [0; 3]);
            let first = Handle::new(meta(), 1u8);
            let addr = first.ptr;
            drop(first);
            assert_eq!(
                cache::cached()[0],
                1,
                "a small block goes to the 128-byte cache"
            );
            let second = Handle::new(meta(), 2u8);
            assert_eq!(second.ptr, addr, "the cached block is reused");
            assert_eq!(second.native::<u8>(), Some(&2));
            assert_eq!(cache::cached()[0], 0);

            // Drop more blocks than the cache keeps: the rest go back to the allocator.
            let many: Vec<Handle> = (0..cache::DEPTH + 5)
                .map(|i| Handle::new(meta(), i as u8))
                .collect();
            drop(many);
            assert_eq!(cache::cached()[0], cache::DEPTH);

            // A larger native lands in a larger size class.
            let big = Handle::new(meta(), [0u64; 30]);
            drop(big);
            assert_eq!(cache::cached()[2], 1);
            drop(second);
        })
        .join()
        .expect("the test thread");
    }

    #[test]
    fn a_closed_cache_returns_its_blocks_and_caches_no_more() {
        std::thread::spawn(|| {
            let kept: Vec<Handle> = (0..3).map(|i| Handle::new(meta(), i as u8)).collect();
            drop(kept);
            assert_eq!(cache::cached(), [3, 0, 0]);
            // What the thread-exit destructor does; blocks freed afterwards (by other
            // thread-local destructors) must go to the allocator, not into a cache nobody
            // will empty.
            cache::close_for_test();
            assert_eq!(cache::cached(), [0; 3]);
            let late = Handle::new(meta(), 9u8);
            assert_eq!(late.native::<u8>(), Some(&9));
            drop(late);
            assert_eq!(cache::cached(), [0; 3]);
        })
        .join()
        .expect("the test thread");
    }

    #[test]
    fn natives_too_large_or_too_aligned_are_not_cached() {
        #[repr(align(64))]
        struct Aligned(#[allow(dead_code)] u8);
        std::thread::spawn(|| {
            let a = Handle::new(meta(), Aligned(1));
            let b = Handle::new(meta(), [1u8; 1000]);
            assert_eq!(a.ptr.as_ptr() as usize % 64, 0);
            assert_eq!(b.native::<[u8; 1000]>().map(|v| v[999]), Some(1));
            drop((a, b));
            assert_eq!(cache::cached(), [0; 3]);
        })
        .join()
        .expect("the test thread");
    }

    #[test]
    fn handles_shared_between_threads_drop_the_native_once() {
        let drops = Arc::new(AtomicUsize::new(0));
        let h = Handle::new(meta(), Counted(drops.clone()));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let h = h.clone();
                std::thread::spawn(move || {
                    let clones: Vec<Handle> = (0..10).map(|_| h.clone()).collect();
                    assert!(clones.iter().all(|c| c.ptr_eq(&h)));
                })
            })
            .collect();
        drop(h);
        for t in threads {
            t.join().expect("a sharing thread");
        }
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    }
}
