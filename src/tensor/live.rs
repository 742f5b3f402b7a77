//! The machinery behind dynamic tensors: read sections, the registry of live dynamic tensors,
//! and the stop-the-world pause a converting switch runs in.
//!
//! # What it must guarantee
//! A converting switch ([`crate::dynamic`]) replaces the native value inside a live tensor's
//! block while other threads may be running ops on that tensor. So:
//!
//! * every access to a block's native value, and every op from the moment it picks its table
//!   until it has wrapped its result, happens inside a *read section* ([`enter`]);
//! * a switch runs inside a *pause* ([`Pause`]): it waits until no thread is inside a read
//!   section, keeps new sections from starting, converts, and only then lets them go;
//! * so a section sees a block's old contents or its new ones, never a mix, and the old native
//!   value is dropped inside the pause, when no section can hold a reference into it.
//!
//! # Read sections
//! Each thread has a [`Record`] whose `depth` counts the sections it is in (they nest: a
//! fallback calls ops, an op reads natives). Entering the outermost section is the classic
//! two-flag handshake (Dekker): the reader stores `depth = 1`, then reads the [`SWITCHING`]
//! bit of [`STATE`]; the pausing thread sets that bit, then reads every `depth`. With a full fence
//! between the store and the load on both sides, at least one of them sees the other's store:
//! either the reader sees the pause and backs off, or the pause sees the reader and waits.
//!
//! The reader's fence is the expensive half (a locked instruction on every op), so on Linux the
//! two fences are asymmetric: the reader's is a compiler fence only, and the pause issues
//! `membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)`, which runs a full fence on every CPU running
//! a thread of this process. Where that system call is unavailable (another OS, a sandbox that
//! forbids it, Miri) readers use a real `SeqCst` fence (the [`STRONG`] bit of [`STATE`]).
//!
//! A thread that has no record (it is exiting and its record was released) counts its sections
//! in [`ORPHANS`] instead, with a `SeqCst` read-modify-write.
//!
//! # The registry
//! Each dynamic block owns one [`Slot`] of a chunk of slots that are never freed. A live slot
//! holds the block's address; a free one holds 0. Every thread keeps a short list of free
//! slots (in its record), so registering and unregistering a block touch no shared cache line
//! and take no lock; the lists are refilled from, and returned to, a global pool in batches. A
//! slot belongs to exactly one owner at any time: the block it holds, or the one list (or the
//! pool) it is on. Slots are
//! written only inside read sections (or by the pause), so a pause reads a registry nobody
//! changes: the blocks it finds are exactly the live dynamic tensors, with nothing scanned
//! but the registry itself.

use std::cell::Cell;
use std::ptr;
use std::sync::atomic::{self, AtomicBool, AtomicPtr, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

/// One thread's part of the section protocol and of the registry.
pub(crate) struct Record {
    /// How many read sections the owning thread is in (0 = none). Written by the owner only;
    /// read by a pause.
    depth: AtomicUsize,
    /// The owning thread's free slots, `free[..free_len]`. Owner only.
    free: [AtomicPtr<Slot>; FREE],
    free_len: AtomicUsize,
    /// Whether a thread owns this record (records are reused after their thread exits).
    in_use: AtomicBool,
}

/// A registry slot: a block's address (with [`DEAD`] set while the block is dead in a cache),
/// or 0 when free.
pub(crate) struct Slot(AtomicUsize);

const CHUNK: usize = 256;
/// How many free slots a thread keeps; a thread that frees more (tensors made elsewhere) gives
/// half back to the pool, one that needs more takes half a list from it.
const FREE: usize = 64;

/// [`SWITCHING`] and [`STRONG`], in one word so a reader tests both with one load.
static STATE: AtomicU8 = AtomicU8::new(STRONG);
/// A pause is under way (or starting).
const SWITCHING: u8 = 1;
/// Readers must use a real fence: no asymmetric barrier is available (until `init_barrier`
/// finds one).
const STRONG: u8 = 2;
/// Held by the pausing thread for the whole pause; readers that find [`SWITCHING`] set wait on it.
static PAUSE: Mutex<()> = Mutex::new(());
/// Every record ever made (records are leaked and reused, never freed).
static RECORDS: Mutex<Vec<&'static Record>> = Mutex::new(Vec::new());
/// Sections of threads without a record.
static ORPHANS: AtomicUsize = AtomicUsize::new(0);
/// Every chunk of slots, for the pause and the live count.
static CHUNKS: Mutex<Vec<&'static [Slot; CHUNK]>> = Mutex::new(Vec::new());
/// Free slots no thread's chain holds.
static POOL: Mutex<Vec<&'static Slot>> = Mutex::new(Vec::new());

thread_local! {
    /// This thread's record, or null before it registers and after it exits.
    static MINE: Cell<*const Record> = const { Cell::new(ptr::null()) };
    /// Sections of this thread while it has no record.
    static ORPHAN_DEPTH: Cell<usize> = const { Cell::new(0) };
    /// Whether this thread is the one pausing the others.
    static PAUSING: Cell<bool> = const { Cell::new(false) };
    /// Gives the record back when the thread exits.
    static RELEASER: Releaser = const { Releaser };
}

fn lock<T>(m: &'static Mutex<T>) -> MutexGuard<'static, T> {
    // Every critical section below leaves its data consistent at each step (pushes, pops and
    // stores only), so a panic while holding a lock leaves nothing half-done.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The reader's half of the handshake: after storing its depth, whether it may go on. With
/// the asymmetric barrier the fence is a compiler fence and this is one load; without it (the
/// `STRONG` bit) a real fence comes first.
#[inline(always)]
fn reader_may_enter() -> bool {
    atomic::compiler_fence(Ordering::SeqCst);
    let state = STATE.load(Ordering::Acquire);
    state == 0 || reader_may_enter_strong(state)
}

#[cold]
#[inline(never)]
fn reader_may_enter_strong(state: u8) -> bool {
    if state & STRONG == 0 {
        return PAUSING.with(Cell::get);
    }
    atomic::fence(Ordering::SeqCst);
    STATE.load(Ordering::Acquire) & SWITCHING == 0 || PAUSING.with(Cell::get)
}

/// The pause's half: a fence on every CPU running a thread of this process.
fn heavy_fence() {
    atomic::fence(Ordering::SeqCst);
    if STATE.load(Ordering::Relaxed) & STRONG == 0 {
        membarrier::expedited();
    }
}

#[cfg(all(target_os = "linux", not(miri)))]
#[allow(unsafe_code)]
mod membarrier {
    // From linux/membarrier.h.
    const CMD_PRIVATE_EXPEDITED: libc::c_int = 1 << 3;
    const CMD_REGISTER_PRIVATE_EXPEDITED: libc::c_int = 1 << 4;

    /// Registers the process for expedited barriers; false when the kernel (or a sandbox)
    /// refuses.
    pub(super) fn register() -> bool {
        // SAFETY: membarrier takes two integer arguments and touches no memory of ours.
        unsafe { libc::syscall(libc::SYS_membarrier, CMD_REGISTER_PRIVATE_EXPEDITED, 0) == 0 }
    }

    /// A full memory barrier on every CPU running a thread of this process.
    pub(super) fn expedited() {
        // SAFETY: as above. It cannot fail once `register` succeeded (which is the only case
        // where it is called); should it, abort rather than let readers run unfenced.
        let r = unsafe { libc::syscall(libc::SYS_membarrier, CMD_PRIVATE_EXPEDITED, 0) };
        if r != 0 {
            std::process::abort();
        }
    }
}

#[cfg(not(all(target_os = "linux", not(miri))))]
mod membarrier {
    pub(super) fn register() -> bool {
        false
    }
    pub(super) fn expedited() {}
}

/// Decides, once, whether readers may use the light fence.
fn init_barrier() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        if membarrier::register() {
            STATE.fetch_and(!STRONG, Ordering::Relaxed);
        }
    });
}

/// Gives this thread's record back when the thread exits.
struct Releaser;

impl Drop for Releaser {
    fn drop(&mut self) {
        let rec = MINE.with(|m| m.replace(ptr::null()));
        if rec.is_null() {
            return;
        }
        // SAFETY (not unsafe code, but the reasoning): records are 'static.
        let r = record(rec);
        // A thread-local destructor cannot be inside a section of this thread unless a native
        // reference outlives the thread, which borrowing rules forbid; depth is 0 here.
        give_back(r, FREE);
        r.in_use.store(false, Ordering::Release);
    }
}

#[inline(always)]
#[allow(unsafe_code)]
fn record(p: *const Record) -> &'static Record {
    // SAFETY: every non-null record pointer comes from `Box::leak` in `register`; records are
    // never freed.
    unsafe { &*p }
}

/// A read section; the thread leaves it when this is dropped. Holds the thread's record (null
/// for an orphan) and the depth to restore.
pub(crate) struct Section(*const Record, usize);

impl Drop for Section {
    #[inline(always)]
    fn drop(&mut self) {
        if self.0.is_null() {
            orphan_leave();
            return;
        }
        // Release: what this thread read inside the section happens before a pause that
        // sees the depth reach 0 writes anything.
        record(self.0).depth.store(self.1, Ordering::Release);
    }
}

/// Enters a read section (see the module's documentation). Cheap when nested; the outermost
/// one costs a few plain loads and stores (a real fence where the asymmetric barrier is
/// unavailable), and waits while a pause is under way.
#[inline(always)]
pub(crate) fn enter() -> Section {
    let rec = MINE.with(Cell::get);
    if !rec.is_null() {
        let r = record(rec);
        let d = r.depth.load(Ordering::Relaxed);
        r.depth.store(d + 1, Ordering::Relaxed);
        if d != 0 || reader_may_enter() {
            return Section(rec, d);
        }
        r.depth.store(0, Ordering::Release);
    }
    enter_slow()
}

/// Whether this thread is inside a read section (always, in a core serving a plugin).
#[inline(always)]
pub(crate) fn in_section() -> bool {
    let rec = MINE.with(Cell::get);
    (!rec.is_null() && record(rec).depth.load(Ordering::Relaxed) != 0)
        || ORPHAN_DEPTH.with(Cell::get) != 0
        || serves_plugin()
}

// ---- a core serving a backend plugin ----

/// Set, once and for good, by a plugin's entry point in the plugin's own copy of the core.
static SERVES_PLUGIN: AtomicBool = AtomicBool::new(false);

/// Marks this copy of the core as serving a backend plugin. No converting switch ever runs in
/// it: the host runs switches, and converts its own tensors (whose native values hold the
/// plugin's tensors), so read sections in the plugin guard nothing and its tensors need not be
/// registered. From now on the plugin's slot calls run without a section of their own, new
/// tensors are not dynamic, and a pause (a converting switch started from code inside the
/// plugin) is refused as one started inside a section would be ([`in_section`] is true).
pub(crate) fn serve_plugin() {
    SERVES_PLUGIN.store(true, Ordering::Relaxed);
    set_default(false);
}

/// What a plugin's core, sharing its tensor blocks with the host (same compiler, same core:
/// `plugin::serve::share_blocks`), calls in the host's core: the host registers the blocks it
/// takes over as dynamic tensors in its own registry, so the plugin's core gives their slots
/// back to it.
pub(crate) struct HostHooks {
    /// Frees `slot` (a host registry slot) in a read section of the host. Once it returns, no
    /// converting switch of the host can reach the block any more (a switch runs outside all
    /// sections and drops the handles it made before it ends), so the rest of the block's
    /// destruction needs no section.
    pub(crate) release_slot: fn(slot: *const Slot),
    /// Drops the values the host kept alive for a block (by address) that lent its memory.
    pub(crate) release_retired: fn(block: usize),
}

/// The host's hooks, in a plugin's core that shares its blocks; null everywhere else.
static HOST_HOOKS: AtomicPtr<HostHooks> = AtomicPtr::new(std::ptr::null_mut());

/// Installs the host's hooks (in a plugin's core, once the host agreed to share blocks).
pub(crate) fn set_host_hooks(hooks: &'static HostHooks) {
    HOST_HOOKS.store(
        hooks as *const HostHooks as *mut HostHooks,
        Ordering::Release,
    );
}

/// The host's hooks, if this core is a plugin's that shares its blocks with the host.
#[inline(always)]
pub(crate) fn host_hooks() -> Option<&'static HostHooks> {
    // SAFETY: only ever a `&'static HostHooks` (`set_host_hooks`), or null.
    unsafe { HOST_HOOKS.load(Ordering::Acquire).as_ref() }
}

/// The hooks this core gives a plugin that shares its blocks.
pub(crate) static MY_HOOKS: HostHooks = HostHooks {
    release_slot: unregister_block,
    release_retired: super::handle::release_retired,
};

/// Whether this copy of the core serves a backend plugin ([`serve_plugin`]).
#[inline(always)]
pub(crate) fn serves_plugin() -> bool {
    SERVES_PLUGIN.load(Ordering::Relaxed)
}

#[cold]
#[inline(never)]
fn enter_slow() -> Section {
    loop {
        let mut rec = MINE.with(Cell::get);
        if rec.is_null() {
            match register() {
                Some(r) => rec = r,
                None => return orphan_enter(),
            }
        }
        let r = record(rec);
        let d = r.depth.load(Ordering::Relaxed);
        r.depth.store(d + 1, Ordering::Relaxed);
        if d != 0 || reader_may_enter() {
            return Section(rec, d);
        }
        r.depth.store(0, Ordering::Release);
        // Wait for the pause to end, then try again.
        drop(lock(&PAUSE));
    }
}

/// Gives this thread a record; `None` when the thread is exiting (its thread-locals are being
/// destroyed), in which case it runs its sections as an orphan.
fn register() -> Option<*const Record> {
    if RELEASER.try_with(|_| ()).is_err() {
        return None;
    }
    init_barrier();
    let mut records = lock(&RECORDS);
    let reused = records.iter().copied().find(|r| {
        r.in_use
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    });
    let r: &'static Record = match reused {
        Some(r) => r,
        None => {
            let r: &'static Record = Box::leak(Box::new(Record {
                depth: AtomicUsize::new(0),
                free: [const { AtomicPtr::new(ptr::null_mut()) }; FREE],
                free_len: AtomicUsize::new(0),
                in_use: AtomicBool::new(true),
            }));
            records.push(r);
            r
        }
    };
    drop(records);
    MINE.with(|m| m.set(r));
    Some(r)
}

fn orphan_enter() -> Section {
    let d = ORPHAN_DEPTH.with(|c| c.replace(c.get() + 1));
    if d == 0 {
        loop {
            ORPHANS.fetch_add(1, Ordering::SeqCst);
            if STATE.load(Ordering::SeqCst) & SWITCHING == 0 || PAUSING.with(Cell::get) {
                break;
            }
            ORPHANS.fetch_sub(1, Ordering::SeqCst);
            drop(lock(&PAUSE));
        }
    }
    Section(ptr::null(), 0)
}

fn orphan_leave() {
    let d = ORPHAN_DEPTH.with(|c| c.replace(c.get() - 1));
    if d == 1 {
        ORPHANS.fetch_sub(1, Ordering::Release);
    }
}

/// Whole-process pause: while it lives, no other thread is inside a read section, and none can
/// enter one. The pausing thread can (its own sections do not wait).
pub(crate) struct Pause {
    _pause: MutexGuard<'static, ()>,
}

impl Pause {
    /// Stops every other thread at the edge of its read sections. Fails (instead of waiting
    /// for itself forever) when the calling thread is inside a section, e.g. holds a
    /// [`crate::tensor::Native`].
    pub(crate) fn start() -> Result<Pause, InSection> {
        if in_section() {
            return Err(InSection);
        }
        init_barrier();
        let pause = lock(&PAUSE);
        STATE.fetch_or(SWITCHING, Ordering::SeqCst);
        heavy_fence();
        // Registration holds RECORDS; a thread that registers after this read enters its first
        // section through `enter_slow`, which sees SWITCHING.
        let records: Vec<&'static Record> = lock(&RECORDS).clone();
        for r in records {
            while r.depth.load(Ordering::Acquire) != 0 {
                std::thread::yield_now();
            }
        }
        while ORPHANS.load(Ordering::Acquire) != 0 {
            std::thread::yield_now();
        }
        PAUSING.with(|p| p.set(true));
        Ok(Pause { _pause: pause })
    }
}

impl Drop for Pause {
    fn drop(&mut self) {
        PAUSING.with(|p| p.set(false));
        // Release: everything the pause wrote happens before the sections that see `false`.
        STATE.fetch_and(!SWITCHING, Ordering::Release);
    }
}

/// The calling thread is inside a read section, so it cannot pause the others.
#[derive(Debug)]
pub(crate) struct InSection;

// ---- the registry ----

/// Takes a free slot for the block at `block` and stores the address in it, inside a read
/// section (the caller's, else one of its own).
#[inline(always)]
pub(crate) fn register_block(block: *const ()) -> *const Slot {
    let rec = MINE.with(Cell::get);
    if !rec.is_null() {
        let r = record(rec);
        let n = r.free_len.load(Ordering::Relaxed);
        if n != 0 && r.depth.load(Ordering::Relaxed) != 0 {
            r.free_len.store(n - 1, Ordering::Relaxed);
            let slot = r.free[(n - 1) % FREE].load(Ordering::Relaxed);
            slot_ref(slot).0.store(block as usize, Ordering::Relaxed);
            return slot;
        }
    }
    register_block_slow(block)
}

#[cold]
#[inline(never)]
fn register_block_slow(block: *const ()) -> *const Slot {
    let _s = enter();
    let rec = MINE.with(Cell::get);
    let slot = if rec.is_null() {
        let mut pool = lock(&POOL);
        if pool.is_empty() {
            new_chunk(&mut pool);
        }
        pool.pop().expect("a new chunk fills the pool")
    } else {
        let r = record(rec);
        if r.free_len.load(Ordering::Relaxed) == 0 {
            refill(r);
        }
        let n = r.free_len.load(Ordering::Relaxed);
        r.free_len.store(n - 1, Ordering::Relaxed);
        slot_ref(r.free[n - 1].load(Ordering::Relaxed))
    };
    slot.0.store(block as usize, Ordering::Relaxed);
    slot
}

/// Frees a block's slot, inside a read section (the caller's, else one of its own: the
/// common case of a tensor dropped between ops, so that one is written out here).
#[inline(always)]
pub(crate) fn unregister_block(slot: *const Slot) {
    let rec = MINE.with(Cell::get);
    if !rec.is_null() {
        let r = record(rec);
        let n = r.free_len.load(Ordering::Relaxed);
        if n < FREE {
            let d = r.depth.load(Ordering::Relaxed);
            r.depth.store(d + 1, Ordering::Relaxed);
            if d == 0 && !reader_may_enter() {
                r.depth.store(0, Ordering::Release);
                return unregister_block_slow(slot);
            }
            slot_ref(slot).0.store(0, Ordering::Relaxed);
            r.free[n].store(slot as *mut Slot, Ordering::Relaxed);
            r.free_len.store(n + 1, Ordering::Relaxed);
            r.depth.store(d, Ordering::Release);
            return;
        }
    }
    unregister_block_slow(slot)
}

#[cold]
#[inline(never)]
fn unregister_block_slow(slot: *const Slot) {
    let _s = enter();
    slot_ref(slot).0.store(0, Ordering::Relaxed);
    let rec = MINE.with(Cell::get);
    if rec.is_null() {
        lock(&POOL).push(slot_ref(slot));
        return;
    }
    let r = record(rec);
    if r.free_len.load(Ordering::Relaxed) == FREE {
        give_back(r, FREE / 2);
    }
    let n = r.free_len.load(Ordering::Relaxed);
    r.free[n].store(slot as *mut Slot, Ordering::Relaxed);
    r.free_len.store(n + 1, Ordering::Relaxed);
}

#[inline(always)]
#[allow(unsafe_code)]
fn slot_ref(p: *const Slot) -> &'static Slot {
    // SAFETY: slot pointers all point into chunks leaked by `new_chunk`; chunks are never
    // freed.
    unsafe { &*p }
}

fn new_chunk(pool: &mut Vec<&'static Slot>) {
    let chunk: &'static [Slot; CHUNK] =
        Box::leak(Box::new(std::array::from_fn(|_| Slot(AtomicUsize::new(0)))));
    lock(&CHUNKS).push(chunk);
    pool.extend(chunk.iter());
}

/// Fills half of an empty free list from the pool (making a chunk if needed).
fn refill(r: &Record) {
    let mut pool = lock(&POOL);
    if pool.len() < FREE / 2 {
        new_chunk(&mut pool);
    }
    let take = pool.len() - FREE / 2..;
    for (i, s) in pool.drain(take).enumerate() {
        r.free[i].store(s as *const Slot as *mut Slot, Ordering::Relaxed);
    }
    r.free_len.store(FREE / 2, Ordering::Relaxed);
}

/// Moves the last `n` slots of `r`'s free list to the pool.
fn give_back(r: &Record, n: usize) {
    let mut pool = lock(&POOL);
    let len = r.free_len.load(Ordering::Relaxed);
    let keep = len.saturating_sub(n);
    for i in keep..len {
        pool.push(slot_ref(r.free[i].load(Ordering::Relaxed)));
    }
    r.free_len.store(keep, Ordering::Relaxed);
}

/// The low bit of a slot whose block is dead: dropped, and kept with its slot in a thread's
/// block cache (blocks are aligned, so the bit is free).
const DEAD: usize = 1;

/// Marks `slot`'s block dead (it was dropped; its thread's cache keeps it, and the slot).
/// Inside a read section.
#[inline(always)]
pub(crate) fn mark_dead(slot: *const Slot) {
    let s = slot_ref(slot);
    s.0.store(s.0.load(Ordering::Relaxed) | DEAD, Ordering::Relaxed);
}

/// Marks `slot`'s block, recycled for a new dynamic tensor, alive again. Release: a pause or a
/// count that sees it alive sees the block's new contents.
#[inline(always)]
pub(crate) fn mark_alive(slot: *const Slot, block: *const ()) {
    slot_ref(slot).0.store(block as usize, Ordering::Release);
}

/// Calls `f` with the address of every registered live block (not the dead ones caches keep).
/// It reads the registry only, never a block. Inside a pause the set is exact and
/// stable; outside one it is a snapshot that other threads may change meanwhile.
pub(crate) fn for_each_block(mut f: impl FnMut(*const ())) {
    let chunks: Vec<&'static [Slot; CHUNK]> = lock(&CHUNKS).clone();
    for chunk in chunks {
        for s in chunk.iter() {
            let v = s.0.load(Ordering::Acquire);
            if v != 0 && v & DEAD == 0 {
                f(v as *const ());
            }
        }
    }
}

// ---- the default flag for new tensors ----

static DEFAULT_DYNAMIC: AtomicBool = AtomicBool::new(true);

thread_local! {
    /// This thread's override of the default: 0 none, 1 false, 2 true.
    static DYNAMIC_OVERRIDE: Cell<u8> = const { Cell::new(0) };
}

/// Set once any thread has made a [`DefaultGuard`]: until then no thread has an override, and
/// [`dynamic_by_default`] reads the process-wide default without the thread-local (which in a
/// plugin, a shared library, is a call to `__tls_get_addr` on every new tensor).
static OVERRIDDEN: AtomicBool = AtomicBool::new(false);

/// Whether tensors created now on this thread are dynamic.
#[inline(always)]
pub(crate) fn dynamic_by_default() -> bool {
    // A thread that set an override stored `OVERRIDDEN` before (program order), so it never
    // reads a stale `false` here; other threads' overrides do not concern it.
    if !OVERRIDDEN.load(Ordering::Relaxed) {
        return DEFAULT_DYNAMIC.load(Ordering::Relaxed);
    }
    match DYNAMIC_OVERRIDE.with(Cell::get) {
        0 => DEFAULT_DYNAMIC.load(Ordering::Relaxed),
        o => o == 2,
    }
}

/// Sets the process-wide default.
pub(crate) fn set_default(on: bool) {
    DEFAULT_DYNAMIC.store(on, Ordering::Relaxed);
}

/// Restores this thread's override when dropped.
pub(crate) struct DefaultGuard(u8);

impl DefaultGuard {
    pub(crate) fn new(on: Option<bool>) -> DefaultGuard {
        let v = match on {
            None => 0,
            Some(false) => 1,
            Some(true) => 2,
        };
        OVERRIDDEN.store(true, Ordering::Relaxed);
        DefaultGuard(DYNAMIC_OVERRIDE.with(|c| c.replace(v)))
    }
}

impl Drop for DefaultGuard {
    fn drop(&mut self) {
        DYNAMIC_OVERRIDE.with(|c| c.set(self.0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU64;
    use std::sync::Arc;

    #[test]
    fn sections_nest_and_a_thread_inside_one_cannot_pause() {
        std::thread::spawn(|| {
            assert!(!in_section());
            let a = enter();
            let b = enter();
            assert!(in_section());
            assert!(Pause::start().is_err(), "it would wait for itself");
            drop(b);
            assert!(in_section());
            drop(a);
            assert!(!in_section());
            let p = Pause::start().expect("no section open");
            // The pausing thread's own sections do not wait.
            let s = enter();
            assert!(in_section());
            drop(s);
            drop(p);
        })
        .join()
        .unwrap();
    }

    #[test]
    fn a_pause_waits_for_readers_and_readers_wait_for_a_pause() {
        // A reader publishes pairs (x, x) non-atomically-in-spirit (two relaxed stores) inside
        // sections; a pauser checks the pair is never torn while it holds the world stopped,
        // and rewrites both halves. Neither side may see the other half-way.
        let pair = Arc::new((AtomicU64::new(0), AtomicU64::new(0)));
        let stop = Arc::new(AtomicBool::new(false));
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let (pair, stop) = (pair.clone(), stop.clone());
                std::thread::spawn(move || {
                    let mut seen = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        let _s = enter();
                        let a = pair.0.load(Ordering::Relaxed);
                        std::hint::spin_loop();
                        let b = pair.1.load(Ordering::Relaxed);
                        assert_eq!(a, b, "a read section saw a pause's write half-done");
                        seen += 1;
                    }
                    seen
                })
            })
            .collect();
        let rounds = if cfg!(miri) { 5 } else { 200 };
        for i in 1..=rounds {
            let _p = Pause::start().unwrap();
            assert_eq!(
                pair.0.load(Ordering::Relaxed),
                pair.1.load(Ordering::Relaxed)
            );
            pair.0.store(i, Ordering::Relaxed);
            std::hint::spin_loop();
            pair.1.store(i, Ordering::Relaxed);
        }
        stop.store(true, Ordering::Relaxed);
        for r in readers {
            r.join().expect("a reader");
        }
    }

    #[test]
    fn slots_are_reused_within_a_thread_and_across_threads() {
        // (No section is held across the join below: a thread blocked inside a section would
        // stall a pause of a test running in parallel, which the joined thread may wait for.)
        std::thread::spawn(|| {
            let x = 0x1000usize as *const ();
            let a = register_block(x);
            let mut seen = Vec::new();
            for_each_block(|b| seen.push(b));
            assert!(seen.contains(&x));
            unregister_block(a);
            let b = register_block(0x2000usize as *const ());
            assert_eq!(a, b, "the freed slot is reused first");
            // A slot freed on another thread joins that thread's free list.
            let b_addr = b as usize;
            std::thread::spawn(move || {
                unregister_block(b_addr as *const Slot);
                let c = register_block(0x3000usize as *const ());
                assert_eq!(c as usize, b_addr);
                unregister_block(c);
            })
            .join()
            .unwrap();
            let mut after = Vec::new();
            for_each_block(|b| after.push(b as usize));
            assert!(!after.contains(&0x1000) && !after.contains(&0x2000));
            assert!(!after.contains(&0x3000));
        })
        .join()
        .unwrap();
    }

    #[test]
    fn a_thread_that_frees_many_slots_gives_them_back() {
        std::thread::spawn(|| {
            let slots: Vec<usize> = (0..3 * FREE)
                .map(|i| register_block(((i + 1) * 16) as *const ()) as usize)
                .collect();
            let mut distinct = slots.clone();
            distinct.sort_unstable();
            distinct.dedup();
            assert_eq!(
                distinct.len(),
                slots.len(),
                "every live block has its own slot"
            );
            for s in &slots {
                unregister_block(*s as *const Slot);
            }
            let r = record(MINE.with(Cell::get));
            assert!(r.free_len.load(Ordering::Relaxed) <= FREE);
            let mut live = 0;
            for_each_block(|b| live += usize::from((b as usize) <= 3 * FREE * 16));
            assert_eq!(live, 0, "freed slots hold no address");
        })
        .join()
        .unwrap();
    }

    #[test]
    fn the_thread_local_default_overrides_the_global_one() {
        std::thread::spawn(|| {
            assert!(dynamic_by_default());
            {
                let _g = DefaultGuard::new(Some(false));
                assert!(!dynamic_by_default());
                {
                    let _h = DefaultGuard::new(Some(true));
                    assert!(dynamic_by_default());
                }
                assert!(!dynamic_by_default());
            }
            assert!(dynamic_by_default());
        })
        .join()
        .unwrap();
    }

    #[test]
    fn registering_outside_a_section_waits_for_a_pause() {
        // Registering (and unregistering) changes the registry a pause reads, so outside a
        // section of the caller it takes a section of its own, and waits while a pause runs.
        use std::sync::mpsc;
        for unregister in [false, true] {
            let (ready_tx, ready_rx) = mpsc::channel();
            let (go_tx, go_rx) = mpsc::channel::<()>();
            let done = Arc::new(AtomicBool::new(false));
            let worker = {
                let done = done.clone();
                std::thread::spawn(move || {
                    // A record and free slots first, so the fast paths are the ones taken.
                    let slot = register_block(0x4000usize as *const ());
                    let spare = register_block(0x4010usize as *const ());
                    unregister_block(spare);
                    ready_tx.send(()).unwrap();
                    go_rx.recv().unwrap();
                    if unregister {
                        unregister_block(slot);
                        done.store(true, Ordering::SeqCst);
                    } else {
                        let s = register_block(0x5000usize as *const ());
                        done.store(true, Ordering::SeqCst);
                        unregister_block(s);
                        unregister_block(slot);
                    }
                })
            };
            ready_rx.recv().unwrap();
            let pause = Pause::start().expect("no section held");
            go_tx.send(()).unwrap();
            std::thread::sleep(std::time::Duration::from_millis(if cfg!(miri) {
                5
            } else {
                50
            }));
            assert!(!done.load(Ordering::SeqCst), "it ran during the pause");
            drop(pause);
            worker.join().unwrap();
            assert!(done.load(Ordering::SeqCst));
        }
    }

    #[test]
    fn exiting_threads_give_their_free_slots_back() {
        // Each thread takes half a free list from the pool; if exiting threads kept theirs,
        // a hundred short-lived threads would need a dozen new chunks.
        let chunks = || lock(&CHUNKS).len();
        let before = chunks();
        for i in 0..100usize {
            std::thread::spawn(move || {
                let s = register_block(((i + 1) * 0x100) as *const ());
                unregister_block(s);
            })
            .join()
            .unwrap();
        }
        assert!(chunks() <= before + 3, "{} new chunks", chunks() - before);
    }
}
