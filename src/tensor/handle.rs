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
//! * While a block is shared, its dtype, shape and reference count change only as described
//!   here: nothing else of it changes, except by [`Handle::forward`], which runs only inside
//!   a pause (`live::Pause`: no other thread is in a read section). It replaces the native
//!   value by a [`Forwarded`] handle to a converted block, and updates `native_type`, the
//!   backend and the device. `native_type` and the native value are read only inside read
//!   sections (or by the thread owning the last handle, in `destroy`), so no reader sees them
//!   change; the backend and device are atomics, readable anywhere.
//! * `slot` is null, or the registry slot holding this block's address (a dynamic tensor). It
//!   changes only inside read sections of a thread holding a handle (register/unregister, with
//!   a compare-exchange so two threads cannot both register) or in `destroy`.
//! * A block is always at least large enough, and aligned enough, for a [`Forwarded`] native
//!   ([`layout_of`]).

use super::dims::Dims;
use super::live;
use super::{BackendDescriptor, Device};
use crate::dtype::DType;
use std::alloc::Layout;
use std::any::{Any, TypeId};
use std::cell::UnsafeCell;
use std::ptr::{self, NonNull};
use std::sync::atomic::{self, AtomicPtr, AtomicU64, AtomicU8, AtomicUsize, Ordering};

/// The metadata the core validates calls with. (Field order is the compiler's: it packs
/// `dtype` after the rest.)
pub(crate) struct Meta {
    backend: AtomicPtr<BackendDescriptor>,
    pub(crate) dtype: DType,
    /// `LENT`: the native value's memory was lent ([`Handle::mark_lent`]) since the block was
    /// last detached; `RETIRED`: the block keeps lent values alive in [`retired`].
    lent: AtomicU8,
    device: AtomicU64,
    pub(crate) shape: Dims,
}

impl Meta {
    #[inline(always)]
    pub(crate) fn new(
        backend: &'static BackendDescriptor,
        dtype: DType,
        device: Device,
        shape: Dims,
    ) -> Meta {
        Meta {
            backend: AtomicPtr::new(backend as *const _ as *mut _),
            dtype,
            lent: AtomicU8::new(0),
            device: AtomicU64::new(pack_device(device)),
            shape,
        }
    }

    /// The backend owning the tensor (changes when a dynamic tensor is converted).
    #[inline(always)]
    pub(crate) fn backend(&self) -> &'static BackendDescriptor {
        // SAFETY: only `&'static BackendDescriptor`s are ever stored (`new`, `forward`).
        #[allow(unsafe_code)]
        unsafe {
            &*self.backend.load(Ordering::Relaxed)
        }
    }

    /// The device (changes when a dynamic tensor is converted).
    #[inline(always)]
    pub(crate) fn device(&self) -> Device {
        unpack_device(self.device.load(Ordering::Relaxed))
    }

    #[inline(always)]
    pub(crate) fn device_bits(&self) -> u64 {
        self.device.load(Ordering::Relaxed)
    }
}

const DEVICE_INDEX: u64 = (1 << 62) - 1;

/// A device as one word: the kind in the top two bits, the index below (saturated at 2^62 - 1,
/// far beyond any real device index).
#[inline(always)]
fn pack_device(d: Device) -> u64 {
    match d {
        Device::Cpu => 0,
        Device::Cuda(i) => 1 << 62 | (i as u64).min(DEVICE_INDEX),
        Device::Metal(i) => 2 << 62 | (i as u64).min(DEVICE_INDEX),
    }
}

#[inline(always)]
fn unpack_device(bits: u64) -> Device {
    let i = (bits & DEVICE_INDEX) as usize;
    match bits >> 62 {
        0 => Device::Cpu,
        1 => Device::Cuda(i),
        _ => Device::Metal(i),
    }
}

/// The start of every block, whatever the native type.
#[repr(C)]
struct Header {
    refs: AtomicUsize,
    /// The type of the native value stored now: the block's `N`, or [`Forwarded`].
    native_type: UnsafeCell<TypeId>,
    /// Drops the native value (`Forwarded` or the block's `N`, by `native_type`) and, unless
    /// asked to drop the native only, the metadata, and frees the block (monomorphised for the
    /// block's `N`, which gives it the block's layout).
    destroy: unsafe fn(NonNull<Header>, Destroy) -> Option<Handle>,
    /// The registry slot of a dynamic tensor, else null.
    slot: AtomicPtr<live::Slot>,
    meta: Meta,
}

/// What `Header::destroy` does.
#[derive(Clone, Copy, PartialEq)]
enum Destroy {
    /// Drop the native value only (it is about to be replaced).
    NativeOnly,
    /// Move the native value (the block's `N`) out into a new, non-dynamic block with the
    /// same metadata, and return that (the value is about to be replaced).
    Relocate,
    /// Drop everything and free the block.
    Block,
}

/// A block: the header, then the native value. `repr(C)` puts the header at offset 0, so a
/// pointer to the block is a pointer to its header.
#[repr(C)]
struct Block<N> {
    header: Header,
    native: UnsafeCell<N>,
}

/// The native value of a converted dynamic tensor: the block holding the converted value.
/// That block is never dynamic itself, so it is never forwarded again.
struct Forwarded(Handle);

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
    /// The block's address, giving this reference up (the plugin boundary hands tensors out as
    /// addresses; see [`Handle::from_raw`]).
    pub(crate) fn into_raw(self) -> *mut () {
        let p = self.ptr.as_ptr().cast();
        std::mem::forget(self);
        p
    }

    /// Takes over a block that a plugin sharing its blocks made (see
    /// `plugin::serve::share_blocks`): the reference the plugin gave up becomes the host's
    /// tensor, of the host's descriptor `backend`, registered as dynamic if new tensors are.
    ///
    /// # Safety
    /// `p` is a block address a plugin gave up with `into_raw`, from a core with this one's
    /// layout (same compiler, same core), taken once; the calling thread is the one the plugin
    /// made it on, with no other reference to it.
    pub(crate) unsafe fn adopt_shared(p: *mut (), backend: &'static BackendDescriptor) -> Handle {
        // SAFETY: the function's contract.
        let h = unsafe { Handle::from_raw(p) };
        let header = h.header();
        header
            .meta
            .backend
            .store(backend as *const _ as *mut _, Ordering::Relaxed);
        if live::dynamic_by_default() && header.slot.load(Ordering::Relaxed).is_null() {
            header.slot.store(
                live::register_block(p as *const ()) as *mut _,
                Ordering::Relaxed,
            );
        }
        h
    }

    /// Takes back a reference given up by [`Handle::into_raw`].
    ///
    /// # Safety
    /// `p` came from `into_raw`, and each reference given up is taken back at most once (a
    /// handle made to borrow one without taking it must not be dropped: wrap it in
    /// `ManuallyDrop`).
    pub(crate) unsafe fn from_raw(p: *mut ()) -> Handle {
        // SAFETY: `into_raw` gave out a non-null block address (the caller's contract).
        Handle {
            ptr: unsafe { NonNull::new_unchecked(p.cast()) },
        }
    }
}

impl Handle {
    /// A new block holding `meta` and `native`, with one reference (the unit tests' way to
    /// make one; tensors are made with `new_shaped` and `new_like`).
    #[cfg(test)]
    pub(crate) fn new<N: Any + Send + Sync>(meta: Meta, native: N) -> Handle {
        let block = Handle::alloc::<N>();
        // SAFETY: `block` is freshly allocated with a layout at least as large and as aligned
        // as `Block<N>`'s (`block_layout` only rounds up), and nothing else refers to it.
        unsafe {
            ptr::addr_of_mut!((*block.as_ptr()).header.meta).write(meta);
            Handle::finish(block, native, true)
        }
    }

    /// Like `new`, never registered as dynamic.
    fn new_unregistered<N: Any + Send + Sync>(meta: Meta, native: N) -> Handle {
        let block = Handle::alloc::<N>();
        // SAFETY: `block` is freshly allocated with `Block<N>`'s layout (or a larger, as
        // aligned one) and nothing else refers to it; the metadata is written, then `finish`
        // writes the rest.
        unsafe {
            ptr::addr_of_mut!((*block.as_ptr()).header.meta).write(meta);
            Handle::finish(block, native, false)
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
        // SAFETY: `block` is freshly allocated with a layout at least as large and as aligned
        // as `Block<N>`'s, and nothing else refers to it; each field of the metadata is written
        // exactly once, then `finish` writes the rest.
        unsafe {
            let meta = ptr::addr_of_mut!((*block.as_ptr()).header.meta);
            ptr::addr_of_mut!((*meta).backend).write(AtomicPtr::new(backend as *const _ as *mut _));
            ptr::addr_of_mut!((*meta).dtype).write(dtype);
            ptr::addr_of_mut!((*meta).lent).write(AtomicU8::new(0));
            ptr::addr_of_mut!((*meta).device).write(AtomicU64::new(like.device_bits()));
            like.shape.clone_to(ptr::addr_of_mut!((*meta).shape));
            Handle::finish(block, native, true)
        }
    }

    /// A new block with the given metadata, written into the block field by field, as in
    /// [`Handle::new_like`] (a result whose shape a kernel computed: `take`, slicing). The two
    /// stay separate: sharing one body through a closure that writes the shape measured 11
    /// instructions more per `take` and slice.
    #[inline(always)]
    pub(crate) fn new_shaped<N: Any + Send + Sync>(
        backend: &'static BackendDescriptor,
        dtype: DType,
        device: Device,
        shape: &[usize],
        native: N,
    ) -> Handle {
        let block = Handle::alloc::<N>();
        // SAFETY: `block` is freshly allocated with a layout at least as large and as aligned
        // as `Block<N>`'s (`block_layout` only rounds up), and nothing else refers to it; each
        // field of the metadata is written exactly once, then `finish` writes the rest.
        unsafe {
            let meta = ptr::addr_of_mut!((*block.as_ptr()).header.meta);
            ptr::addr_of_mut!((*meta).backend).write(AtomicPtr::new(backend as *const _ as *mut _));
            ptr::addr_of_mut!((*meta).dtype).write(dtype);
            ptr::addr_of_mut!((*meta).lent).write(AtomicU8::new(0));
            ptr::addr_of_mut!((*meta).device).write(AtomicU64::new(pack_device(device)));
            ptr::addr_of_mut!((*meta).shape).write(Dims::from_slice(shape));
            Handle::finish(block, native, true)
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
    unsafe fn finish<N: Any + Send + Sync>(
        block: NonNull<Block<N>>,
        native: N,
        may_register: bool,
    ) -> Handle {
        let b = block.as_ptr();
        // SAFETY: the block is allocated for a `Block<N>` and nothing else refers to it (the
        // caller's contract) but, if it is a recycled dynamic block, the registry, where it is
        // marked dead (nobody reads it) until `mark_alive`, with release, after everything
        // else: a pause that sees it alive sees it whole. A fresh block is registered inside a
        // read section (`register_block`), so no pause runs meanwhile. These are the fields
        // the caller has not written.
        unsafe {
            ptr::addr_of_mut!((*b).header.native_type).write(UnsafeCell::new(TypeId::of::<N>()));
            ptr::addr_of_mut!((*b).header.destroy).write(destroy::<N>);
            ptr::addr_of_mut!((*b).native).write(UnsafeCell::new(native));
            // A block recycled from the thread's cache may still own the registry slot of its
            // last life (`destroy` leaves it, marked dead; `cache::alloc` nulls it in fresh
            // blocks): a dynamic tensor keeps it and marks it alive. The thread's default is read after the
            // native value is written: read first, the compiler specialises the writes for
            // both answers through a stack copy.
            ptr::addr_of_mut!((*b).header.refs).write(AtomicUsize::new(1));
            let slot = &(*b).header.slot;
            let old = slot.load(Ordering::Relaxed);
            if may_register && live::dynamic_by_default() {
                if old.is_null() {
                    slot.store(
                        live::register_block(b as *const ()) as *mut _,
                        Ordering::Relaxed,
                    );
                } else {
                    live::mark_alive(old, b as *const ());
                }
            } else if !old.is_null() {
                live::unregister_block(old);
                slot.store(ptr::null_mut(), Ordering::Relaxed);
            }
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

    /// The native value, if it is an `N` (for a converted dynamic tensor: if the converted
    /// value is).
    ///
    /// # Safety
    /// The calling thread is inside a read section (`live::enter`) for as long as the result
    /// is used: a pause may replace the value outside sections.
    #[inline]
    pub(crate) unsafe fn native<N: Any>(&self) -> Option<&N> {
        // SAFETY: read inside a section (the caller's contract), where nothing writes it.
        if unsafe { *self.header().native_type.get() } != TypeId::of::<N>() {
            // SAFETY: the caller's contract, passed on.
            return unsafe { self.native_forwarded::<N>() };
        }
        // SAFETY: the stored value is an `N`, and a block holding an `N` is a `Block<N>` (only
        // `new::<N>` stores one); it stays in place while the section lasts.
        Some(unsafe { &*(*self.ptr.cast::<Block<N>>().as_ptr()).native.get() })
    }

    /// The converted value of a forwarded block.
    ///
    /// # Safety
    /// As for [`Handle::native`].
    #[cold]
    #[inline(never)]
    unsafe fn native_forwarded<N: Any>(&self) -> Option<&N> {
        // SAFETY: the caller's contract, passed on; the forwarded block is never itself
        // forwarded, and is read in the same section.
        unsafe { self.forwarded()?.0.native::<N>() }
    }

    /// Whether the tensor is registered as dynamic.
    #[inline]
    pub(crate) fn is_dynamic(&self) -> bool {
        !self.header().slot.load(Ordering::Relaxed).is_null()
    }

    /// Registers the tensor as dynamic (true) or takes it out of the registry (false).
    /// Must run inside a read section (or a pause).
    pub(crate) fn set_dynamic(&self, on: bool) {
        let slot = &self.header().slot;
        if on {
            if !slot.load(Ordering::Relaxed).is_null() {
                return;
            }
            let mine = live::register_block(self.ptr.as_ptr() as *const ());
            if slot
                .compare_exchange(
                    ptr::null_mut(),
                    mine as *mut _,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_err()
            {
                // Another thread registered it meanwhile.
                live::unregister_block(mine);
            }
        } else {
            let old = slot.swap(ptr::null_mut(), Ordering::Relaxed);
            if !old.is_null() {
                live::unregister_block(old);
            }
        }
    }

    /// A new handle to a registered block, from the address the registry holds; `None` when
    /// its last handle is being dropped.
    ///
    /// # Safety
    /// Called inside a pause, with an address [`live::for_each_block`] reported in it.
    pub(crate) unsafe fn from_registry(block: *const ()) -> Option<Handle> {
        let ptr = NonNull::new(block as *mut Header)?;
        // SAFETY: a registered block is alive until its `destroy` has unregistered it, which
        // needs a read section, which cannot run during the pause.
        let refs = unsafe { &ptr.as_ref().refs };
        let mut n = refs.load(Ordering::Acquire);
        loop {
            if n == 0 {
                // Its last handle went away (through the decrement); `destroy` waits for the
                // pause to end.
                return None;
            }
            match refs.compare_exchange_weak(n, n + 1, Ordering::Acquire, Ordering::Relaxed) {
                Ok(_) => return Some(Handle { ptr }),
                Err(now) => n = now,
            }
        }
    }

    /// Records that the native value's memory is being lent (a [`crate::SharedHost`] whose
    /// owner is this tensor): if the tensor is converted later, its current value is kept
    /// alive, for the borrowers, until the tensor is dropped.
    pub(crate) fn mark_lent(&self) {
        self.meta().lent.fetch_or(LENT, Ordering::Relaxed);
    }

    /// A block holding this tensor's current native value that is never converted, so another
    /// backend can borrow its memory for as long as it needs: the forwarded block if there is
    /// one, else a new block the native value moves to (no data is copied), which this block
    /// then forwards to. The tensor reads the same before and after.
    pub(crate) fn detach(&self, _pause: &live::Pause) -> Handle {
        let stable = self.detach_inner();
        if self.meta().lent.fetch_and(!LENT, Ordering::Relaxed) & LENT != 0 {
            // Borrowers hold this tensor as the owner of memory inside that value: keep it.
            self.meta().lent.fetch_or(RETIRED, Ordering::Relaxed);
            retired::keep(self.addr(), stable.clone());
        }
        stable
    }

    fn detach_inner(&self) -> Handle {
        // SAFETY: inside a pause (the caller's) no other thread is in a read section.
        if let Some(f) = unsafe { self.forwarded() } {
            return f.0.clone();
        }
        let h = self.header();
        // SAFETY: inside a pause nobody holds a reference into the native value; `Relocate`
        // moves it out (leaving the bytes logically uninitialised), and the `Forwarded` written
        // right after fills the place again, as in `forward`.
        unsafe {
            let moved = (h.destroy)(self.ptr, Destroy::Relocate)
                .expect("Relocate always returns the new block");
            let b = self.ptr.cast::<Block<Forwarded>>().as_ptr();
            ptr::addr_of_mut!((*b).native).write(UnsafeCell::new(Forwarded(moved.clone())));
            *h.native_type.get() = TypeId::of::<Forwarded>();
            moved
        }
    }

    /// The `Forwarded` value, if the block holds one.
    ///
    /// # Safety
    /// As for [`Handle::native`].
    unsafe fn forwarded(&self) -> Option<&Forwarded> {
        // SAFETY: read inside a section (the caller's contract), where nothing writes it. A
        // block holding a `Forwarded` has it at the native's offset of a `Block<Forwarded>` (a
        // block's native offset is the header's size rounded up to the native's alignment, and
        // `Forwarded` has the header's alignment).
        unsafe {
            if *self.header().native_type.get() != TypeId::of::<Forwarded>() {
                return None;
            }
            Some(&*(*self.ptr.cast::<Block<Forwarded>>().as_ptr()).native.get())
        }
    }

    /// Makes this block's native value `target`'s (a converted copy or view of it) and moves
    /// the tensor to `target`'s backend and device. The old native value is dropped here.
    ///
    /// A handle to this block may have been dropped to zero by a thread that now waits, in
    /// `destroy`, for the pause to end; it then drops the `Forwarded` value this writes.
    pub(crate) fn forward(&self, target: Handle, _pause: &live::Pause) {
        debug_assert!(!target.is_dynamic(), "a forwarded block is never dynamic");
        let h = self.header();
        let backend = target.meta().backend();
        let device = target.meta().device_bits();
        // SAFETY: inside a pause no other thread is in a read section, so nobody holds a
        // reference into the native value; `destroy` with `NativeOnly` drops it and leaves the
        // block allocated; the block is large and aligned enough for a `Forwarded` at the
        // native's offset (`layout_of`), which `native_forwarded` and `destroy` read it from.
        unsafe {
            let _ = (h.destroy)(self.ptr, Destroy::NativeOnly);
            let b = self.ptr.cast::<Block<Forwarded>>().as_ptr();
            ptr::addr_of_mut!((*b).native).write(UnsafeCell::new(Forwarded(target)));
            *h.native_type.get() = TypeId::of::<Forwarded>();
        }
        h.meta
            .backend
            .store(backend as *const _ as *mut _, Ordering::Relaxed);
        h.meta.device.store(device, Ordering::Relaxed);
    }

    /// The address of the block (the identity of a tensor): for error reports, the tracer, and
    /// what a plugin sharing its blocks reads as the tensor.
    #[inline(always)]
    pub(crate) fn addr(&self) -> usize {
        self.ptr.as_ptr() as usize
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
        // initialised, and nothing else can reach it (but a pause, which `destroy` waits for).
        unsafe {
            let _ = (self.header().destroy)(self.ptr, Destroy::Block);
        }
    }
}

const LENT: u8 = 1;
const RETIRED: u8 = 2;

/// Native values a converted tensor keeps alive because it lent their memory before the
/// conversion (by block address; emptied when the block is destroyed).
mod retired {
    use super::Handle;
    use std::collections::HashMap;
    use std::sync::Mutex;

    static KEPT: Mutex<Option<HashMap<usize, Vec<Handle>>>> = Mutex::new(None);

    pub(super) fn keep(block: usize, value: Handle) {
        let mut kept = KEPT.lock().unwrap_or_else(|e| e.into_inner());
        kept.get_or_insert_with(HashMap::new)
            .entry(block)
            .or_default()
            .push(value);
    }

    /// How many values are kept, over all blocks.
    pub(super) fn count() -> usize {
        let kept = KEPT.lock().unwrap_or_else(|e| e.into_inner());
        kept.as_ref().map_or(0, |k| k.values().map(Vec::len).sum())
    }

    pub(super) fn release(block: usize) {
        let values = {
            let mut kept = KEPT.lock().unwrap_or_else(|e| e.into_inner());
            kept.as_mut().and_then(|k| k.remove(&block))
        };
        // Dropped outside the lock: dropping a handle may destroy a block, which may release.
        drop(values);
    }
}

/// How many native values converted tensors keep alive for the borrowers of their memory.
pub(crate) fn values_kept_for_borrowers() -> usize {
    retired::count()
}

/// Drops the values kept alive for the block at `block` (the host's side of
/// [`live::HostHooks::release_retired`]).
pub(crate) fn release_retired(block: usize) {
    retired::release(block);
}

/// The part of `destroy` for a converted tensor's block: drops its `Forwarded` value and, when
/// the whole block goes, the values it kept alive for borrowers.
///
/// # Safety
/// As for `destroy`, with the block holding a `Forwarded`.
#[cold]
#[inline(never)]
unsafe fn drop_forwarded(block: NonNull<Header>, what: Destroy) {
    let f = block.cast::<Block<Forwarded>>().as_ptr();
    ptr::drop_in_place((*f).native.get());
    if what == Destroy::Block && (*f).header.meta.lent.load(Ordering::Relaxed) & RETIRED != 0 {
        // A plugin's block the host converted: the host kept the values.
        match live::host_hooks() {
            Some(host) => (host.release_retired)(block.as_ptr() as usize),
            None => retired::release(block.as_ptr() as usize),
        }
    }
}

/// The layout a `Block<N>` is allocated with: large and aligned enough for a `Block<N>` and
/// for a `Block<Forwarded>` (constant-folded).
#[inline(always)]
fn layout_of<N>() -> Layout {
    let own = Layout::new::<Block<N>>();
    let fwd = Layout::new::<Block<Forwarded>>();
    let size = if own.size() >= fwd.size() {
        own.size()
    } else {
        fwd.size()
    };
    let align = if own.align() >= fwd.align() {
        own.align()
    } else {
        fwd.align()
    };
    // Both are valid layouts, so the larger size rounded to the larger (power-of-two)
    // alignment is one too.
    let layout = Layout::from_size_align(size, align)
        .unwrap_or(own)
        .pad_to_align();
    cache::block_layout(layout)
}

/// Drops the native value of a `Block<N>` (whichever it holds now) and, for `Destroy::Block`,
/// its metadata, and frees it; or, for `Destroy::Relocate`, moves its `N` out into a new block.
///
/// # Safety
/// `block` is a live `Block<N>` (see the module's invariants). For `Destroy::Block` no handle
/// is left; for the others the caller is a pause and writes a new native value right after;
/// `Relocate` only while the block holds its `N`.
unsafe fn destroy<N: Any + Send + Sync>(block: NonNull<Header>, what: Destroy) -> Option<Handle> {
    if what == Destroy::Relocate {
        return Some(relocate::<N>(block));
    }
    let b = block.cast::<Block<N>>().as_ptr();
    if what == Destroy::Block && !(*b).header.slot.load(Ordering::Relaxed).is_null() {
        destroy_dynamic::<N>(block);
        return None;
    }
    // If a native's destructor panics, the block's memory is leaked (not freed twice, nor
    // read again), the same outcome as a panic inside `Arc`'s drop.
    if *(*b).header.native_type.get() == TypeId::of::<N>() {
        ptr::drop_in_place((*b).native.get());
    } else {
        drop_forwarded(block, what);
    }
    if what == Destroy::Block {
        ptr::drop_in_place(ptr::addr_of_mut!((*b).header.meta));
        cache::free(block.cast(), layout_of::<N>());
    }
    None
}

/// `destroy` of a dynamic block (out of line: the path of a non-dynamic block stays small).
/// It runs inside a read section: a pause under way may hold the block's address, even a
/// handle made from it (which it drops before it ends). The block is marked dead in its slot
/// and stays registered while the thread's cache keeps it (`cache::free` unregisters what it
/// gives back to the allocator); the registry's readers skip dead blocks without reading them.
///
/// # Safety
/// As for `destroy` with `Destroy::Block`, for a registered block.
#[inline(never)]
unsafe fn destroy_dynamic<N: Any + Send + Sync>(block: NonNull<Header>) {
    let b = block.cast::<Block<N>>().as_ptr();
    if let Some(host) = live::host_hooks() {
        // A plugin's block the host took over: the slot is the host's (this core registers
        // nothing); once the host has it back, no switch reaches the block.
        let slot = (*b).header.slot.swap(ptr::null_mut(), Ordering::Relaxed);
        (host.release_slot)(slot);
        destroy_plain::<N>(block);
        return;
    }
    let _section = live::enter();
    live::mark_dead((*b).header.slot.load(Ordering::Relaxed));
    destroy_plain::<N>(block);
}

/// The rest of a block's destruction once its slot is dealt with: its value, its metadata,
/// its memory (a slot left in it stays with it in the cache).
///
/// # Safety
/// As for `destroy` with `Destroy::Block`.
#[inline(always)]
unsafe fn destroy_plain<N: Any + Send + Sync>(block: NonNull<Header>) {
    let b = block.cast::<Block<N>>().as_ptr();
    if *(*b).header.native_type.get() == TypeId::of::<N>() {
        ptr::drop_in_place((*b).native.get());
    } else {
        drop_forwarded(block, Destroy::Block);
    }
    ptr::drop_in_place(ptr::addr_of_mut!((*b).header.meta));
    cache::free(block.cast(), layout_of::<N>());
}

/// `destroy`'s `Relocate`, out of line (the path of every dropped tensor stays small): moves
/// the block's `N` out into a new, non-dynamic block with the same metadata.
///
/// # Safety
/// As for `destroy` with `Relocate`.
#[cold]
#[inline(never)]
unsafe fn relocate<N: Any + Send + Sync>(block: NonNull<Header>) -> Handle {
    let b = block.cast::<Block<N>>().as_ptr();
    debug_assert!(*(*b).header.native_type.get() == TypeId::of::<N>());
    let m = &(*b).header.meta;
    let meta = Meta::new(
        m.backend(),
        m.dtype,
        m.device(),
        Dims::from_slice(m.shape.as_slice()),
    );
    let native = ptr::read((*b).native.get());
    Handle::new_unregistered(meta, native)
}

/// Block allocation with a per-thread cache of freed blocks of a few sizes.
pub(crate) mod cache {
    use super::{live, Header};
    use std::alloc::{self, Layout};
    use std::cell::Cell;
    use std::ptr::{self, NonNull};
    use std::sync::atomic::{AtomicPtr, Ordering};

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
                    unsafe { release(slot.get(), Layout::from_size_align_unchecked(size, ALIGN)) };
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
        let p = NonNull::new(p).unwrap_or_else(|| alloc::handle_alloc_error(layout));
        // A fresh block owns no registry slot (a cached one may, see `Handle::finish`).
        // SAFETY: every block starts with a `Header`; this writes its `slot` field only.
        unsafe {
            ptr::addr_of_mut!((*p.as_ptr().cast::<Header>()).slot)
                .write(AtomicPtr::new(ptr::null_mut()))
        };
        p
    }

    /// Gives a block back to the allocator, first freeing the registry slot it may own.
    ///
    /// # Safety
    /// As for [`free`].
    unsafe fn release(p: *mut u8, layout: Layout) {
        // SAFETY: a block's header stays initialised in the cache (only the native value and
        // the metadata are dropped).
        let slot = unsafe { (*p.cast::<Header>()).slot.load(Ordering::Relaxed) };
        if !slot.is_null() {
            live::unregister_block(slot);
        }
        // SAFETY: the caller's contract.
        unsafe { alloc::dealloc(p, layout) }
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
        release(p.as_ptr(), layout)
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

    /// A copy of the native value, read inside a section as `Handle::native` requires.
    fn native<N: Any + Clone>(h: &Handle) -> Option<N> {
        let _s = live::enter();
        // SAFETY: inside a section for the whole use.
        unsafe { h.native::<N>() }.cloned()
    }

    fn meta() -> Meta {
        Meta::new(
            &TEST,
            DType::Float32,
            Device::Cpu,
            Dims::from_slice(&[2, 3]),
        )
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
        assert_eq!(native::<u64>(&h), Some(7));
        assert_eq!(native::<i64>(&h), None);
        assert_eq!(native::<u32>(&h), None);
        assert_eq!(h.meta().shape.as_slice(), &[2, 3]);
    }

    #[test]
    fn a_handle_made_like_another_copies_its_device_and_shape() {
        static OTHER: BackendDescriptor =
            BackendDescriptor::new("handle-test-other", "none", || Ok("1.0.0".into()));
        for dims in [&[][..], &[2, 3], &[1, 2, 3, 4], &[1, 2, 3, 4, 5, 6]] {
            let source = Handle::new(
                Meta::new(
                    &TEST,
                    DType::Float32,
                    Device::Cuda(1),
                    Dims::from_slice(dims),
                ),
                1u8,
            );
            let like = Handle::new_like(&OTHER, DType::Int64, source.meta(), 2u16);
            drop(source);
            let m = like.meta();
            assert!(std::ptr::eq(m.backend(), &OTHER));
            assert_eq!(m.dtype, DType::Int64);
            assert_eq!(m.device(), Device::Cuda(1));
            assert_eq!(m.shape.as_slice(), dims, "the shape outlives its source");
            assert_eq!(native::<u16>(&like), Some(2));
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
            assert_eq!(native::<u8>(&second), Some(2));
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
            assert_eq!(native::<u8>(&late), Some(9));
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
            assert_eq!(native::<[u8; 1000]>(&b).map(|v| v[999]), Some(1));
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

    /// The registered blocks that hold `marker` as a `u64` native, via the registry (what a
    /// pause sees).
    fn registered_with(marker: u64) -> usize {
        let mut n = 0;
        // Inside a pause, as a switch reads them: no block is destroyed meanwhile.
        let _pause = live::Pause::start().expect("no section held");
        live::for_each_block(|b| {
            let h = std::mem::ManuallyDrop::new(Handle {
                ptr: NonNull::new(b as *mut Header).unwrap(),
            });
            // SAFETY: a live registered block, read inside a pause (the pausing thread's
            // section below passes).
            let _s = live::enter();
            if unsafe { h.native::<u64>() } == Some(&marker) {
                n += 1;
            }
        });
        n
    }

    #[test]
    fn dynamic_blocks_are_registered_until_dropped_and_only_then() {
        let marker = 0xD1_0001;
        let a = live::DefaultGuard::new(Some(true));
        let h = Handle::new(meta(), marker);
        let quiet = {
            let _off = live::DefaultGuard::new(Some(false));
            Handle::new(meta(), marker)
        };
        drop(a);
        assert!(h.is_dynamic() && !quiet.is_dynamic());
        assert_eq!(registered_with(marker), 1);
        let clone = h.clone();
        drop(h);
        assert_eq!(registered_with(marker), 1, "a clone keeps it registered");
        {
            let _s = live::enter();
            clone.set_dynamic(false);
        }
        assert_eq!(registered_with(marker), 0);
        {
            let _s = live::enter();
            quiet.set_dynamic(true);
            quiet.set_dynamic(true);
        }
        assert_eq!(
            registered_with(marker),
            1,
            "registering twice registers once"
        );
        drop(quiet);
        assert_eq!(registered_with(marker), 0);
    }

    #[test]
    fn a_forwarded_block_reads_the_new_value_and_drops_each_value_once() {
        let drops_old = Arc::new(AtomicUsize::new(0));
        let drops_new = Arc::new(AtomicUsize::new(0));
        let h = Handle::new(meta(), Counted(drops_old.clone()));
        let clone = h.clone();
        static OTHER: BackendDescriptor =
            BackendDescriptor::new("handle-test-forward", "none", || Ok("1.0.0".into()));
        {
            let pause = live::Pause::start().expect("no section held");
            // What a switch does: detach (the value moves to a stable block), convert, forward.
            let stable = h.detach(&pause);
            assert!(stable.meta().backend().name == "handle-test");
            let converted = Handle::new_unregistered(
                Meta::new(
                    &OTHER,
                    DType::Float32,
                    Device::Cuda(3),
                    Dims::from_slice(&[2, 3]),
                ),
                Counted(drops_new.clone()),
            );
            drop(stable);
            assert_eq!(
                drops_old.load(Ordering::SeqCst),
                0,
                "the detached block still holds it"
            );
            h.forward(converted, &pause);
        }
        assert_eq!(
            drops_old.load(Ordering::SeqCst),
            1,
            "the old value is dropped in the switch"
        );
        for x in [&h, &clone] {
            assert!(std::ptr::eq(x.meta().backend(), &OTHER));
            assert_eq!(x.meta().device(), Device::Cuda(3));
            assert_eq!(x.meta().shape.as_slice(), &[2, 3]);
            let _s = live::enter();
            // SAFETY: inside a section.
            assert!(unsafe { x.native::<Counted>() }.is_some());
            assert!(unsafe { x.native::<u64>() }.is_none());
        }
        drop(h);
        assert_eq!(drops_new.load(Ordering::SeqCst), 0);
        drop(clone);
        assert_eq!(drops_new.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_lent_value_outlives_its_conversion_until_the_tensor_goes() {
        let drops = Arc::new(AtomicUsize::new(0));
        let drops_next = Arc::new(AtomicUsize::new(0));
        let h = Handle::new(meta(), Counted(drops.clone()));
        h.mark_lent();
        let convert = |to: Handle| {
            let pause = live::Pause::start().expect("no section held");
            let stable = h.detach(&pause);
            drop(stable);
            h.forward(to, &pause);
        };
        convert(Handle::new_unregistered(
            meta(),
            Counted(drops_next.clone()),
        ));
        assert_eq!(drops.load(Ordering::SeqCst), 0, "kept for the borrowers");
        // Not lent since: the next conversion drops the value it replaces.
        convert(Handle::new_unregistered(meta(), 5u64));
        assert_eq!(
            drops_next.load(Ordering::SeqCst),
            1,
            "a value nobody borrowed is not kept"
        );
        assert_eq!(drops.load(Ordering::SeqCst), 0);
        drop(h);
        assert_eq!(drops.load(Ordering::SeqCst), 1, "released with the tensor");
    }

    #[test]
    fn readers_on_other_threads_see_whole_values_across_switches() {
        // Two readers read a dynamic block's value (a pair that must always match) while the
        // main thread forwards it to new values, with a pause each time. Run under Miri too.
        let h = Handle::new(meta(), (0u64, 0u64));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let (h, stop) = (h.clone(), stop.clone());
                std::thread::spawn(move || {
                    let mut reads = 0;
                    while !stop.load(Ordering::Relaxed) || reads < 3 {
                        let _s = live::enter();
                        // SAFETY: inside a section for the whole use.
                        let (a, b) = *unsafe { h.native::<(u64, u64)>() }.expect("a pair");
                        assert_eq!(a, b, "a torn value");
                        reads += 1;
                    }
                })
            })
            .collect();
        let rounds = if cfg!(miri) { 4 } else { 300 };
        for i in 1..=rounds {
            let pause = live::Pause::start().expect("no section held");
            drop(h.detach(&pause));
            h.forward(Handle::new_unregistered(meta(), (i, i)), &pause);
        }
        stop.store(true, Ordering::Relaxed);
        for r in readers {
            r.join().expect("a reader");
        }
        let _s = live::enter();
        // SAFETY: inside a section.
        assert_eq!(unsafe { h.native::<(u64, u64)>() }, Some(&(rounds, rounds)));
    }

    #[test]
    fn devices_pack_into_one_word_and_back() {
        for d in [
            Device::Cpu,
            Device::Cuda(0),
            Device::Cuda(7),
            Device::Metal(0),
            Device::Metal(3),
        ] {
            assert_eq!(unpack_device(pack_device(d)), d);
        }
        assert_ne!(pack_device(Device::Cuda(2)), pack_device(Device::Metal(2)));
        assert_ne!(pack_device(Device::Cpu), pack_device(Device::Metal(0)));
        // Indices beyond any real device saturate instead of spilling into the kind.
        assert_eq!(
            unpack_device(pack_device(Device::Metal(usize::MAX))),
            Device::Metal(DEVICE_INDEX as usize)
        );
    }
}
