//! Zero-copy `to_backend` across the boundary: a [`SharedHost`] crosses as a [`TsShared`]
//! whose owner is freed by the side that lent it, from whichever side drops the last borrower.

use super::abi::{dtype_code, dtype_of, TsOut, TsShared, STATUS_OK};
use super::host::{slot, Loaded};
use super::kinds::{tensor_at, Give};
use crate::error::{backend_error, Result};
use crate::tensor::{SharedHost, Tensor};
use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

/// The other side's owner of lent memory, released through the other side's function when the
/// last borrower here drops it.
struct ForeignOwner {
    owner: *mut c_void,
    free: unsafe extern "C" fn(*mut c_void),
}

// SAFETY: the owner is the lender's `Box<SharedHost>` (whose owner is `Send + Sync`), only
// passed back to the lender's `free`, which may run on any thread (the `TsShared` contract).
unsafe impl Send for ForeignOwner {}
// SAFETY: as for `Send`; shared references never touch the pointer.
unsafe impl Sync for ForeignOwner {}

impl Drop for ForeignOwner {
    fn drop(&mut self) {
        // SAFETY: `owner` came with `free` in one `TsShared` and is freed once (here).
        unsafe { (self.free)(self.owner) }
    }
}

/// Lends `shared` across: boxed, so its shape and strides stay in place until [`free_lent`].
pub(crate) fn lend(shared: SharedHost) -> TsShared {
    let boxed = Box::new(shared);
    let ts = TsShared {
        ptr: boxed.ptr,
        dtype: dtype_code(boxed.dtype) as u32,
        ndim: boxed.shape.len(),
        shape: boxed.shape.as_ptr(),
        strides: boxed.strides.as_ptr(),
        owner: std::ptr::null_mut(),
        free: free_lent,
    };
    TsShared {
        owner: Box::into_raw(boxed) as *mut c_void,
        ..ts
    }
}

/// Frees what [`lend`] boxed (the other side calls it when done with the memory).
///
/// # Safety
/// `owner` came from [`lend`] and is freed once.
unsafe extern "C" fn free_lent(owner: *mut c_void) {
    if owner.is_null() {
        return;
    }
    // SAFETY: the function's contract: a `Box<SharedHost>` made by `lend`.
    let boxed = unsafe { Box::from_raw(owner as *mut SharedHost) };
    let _ = catch_unwind(AssertUnwindSafe(move || drop(boxed)));
}

/// Does nothing (the placeholder `free` of a `TsShared` not filled in).
unsafe extern "C" fn free_nothing(_: *mut c_void) {}

/// Takes over memory the other side lent: the result's owner frees it through the lender.
///
/// # Safety
/// `ts` was filled by the other side's [`lend`] (its `TsShared` contract holds) and is taken
/// over once.
pub(crate) unsafe fn borrow(ts: &TsShared) -> Result<SharedHost> {
    // Owned first, so every path below releases the lender's box.
    let owner = Arc::new(ForeignOwner {
        owner: ts.owner,
        free: ts.free,
    });
    let dtype = dtype_of(ts.dtype as u64)?;
    // SAFETY: `shape` and `strides` hold `ndim` values each, alive while `owner` is.
    let (shape, strides) = unsafe {
        if ts.ndim == 0 {
            (&[][..], &[][..])
        } else {
            (
                std::slice::from_raw_parts(ts.shape, ts.ndim),
                std::slice::from_raw_parts(ts.strides, ts.ndim),
            )
        }
    };
    Ok(SharedHost {
        ptr: ts.ptr,
        dtype,
        shape: shape.into(),
        strides: strides.into(),
        owner,
    })
}

// ----- the plugin's side

/// Lends a plugin tensor's memory: 1 with `shared` filled, 0 when it cannot.
///
/// # Safety
/// `handle` is a live handle of this plugin, `shared` writable.
pub(crate) unsafe extern "C" fn serve_share(handle: *mut c_void, shared: *mut TsShared) -> i32 {
    if handle.is_null() || shared.is_null() {
        return 0;
    }
    let lent = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: the function's contract.
        let t = unsafe { tensor_at(handle as usize as u64) };
        let share = super::serve::own_descriptor_of(t.backend_descriptor()).share_host?;
        crate::kit::in_read_section(|| share(&t))
    }));
    match lent {
        Ok(Some(s)) => {
            // SAFETY: the function's contract.
            unsafe { *shared = lend(s) };
            1
        }
        _ => 0,
    }
}

/// Wraps memory the host lends as a tensor of this plugin's backend.
///
/// # Safety
/// `shared` was filled by the host's [`lend`]; `out` is writable.
pub(crate) unsafe extern "C" fn serve_import(shared: *const TsShared, out: *mut TsOut) -> i32 {
    // SAFETY: the function's contract.
    unsafe {
        super::serve::guard(out, std::ptr::null(), 0, |_, out| {
            let s = borrow(&*shared)?;
            let import = super::serve::served()?.import_shared_host.ok_or_else(|| {
                backend_error("plugin", "to_backend", "this backend borrows no memory")
            })?;
            // SAFETY: `s` keeps the lender's contract (`borrow` holds the owner).
            let t = crate::kit::in_read_section(|| import(s))?;
            Give::give(t, out);
            Ok(())
        })
    }
}

// ----- the host's side (the descriptor's `share_host` and `import_shared_host` of slot `P`)

pub(crate) fn host_share<const P: usize>(t: &Tensor) -> Option<SharedHost> {
    let plugin: &'static Loaded = slot(P).ok()?;
    let handle = plugin.handle_of_guarded(t).ok()?;
    let mut ts = TsShared {
        ptr: std::ptr::null(),
        dtype: 0,
        ndim: 0,
        shape: std::ptr::null(),
        strides: std::ptr::null(),
        owner: std::ptr::null_mut(),
        free: free_nothing,
    };
    // SAFETY: a live handle of this plugin and a writable `TsShared`.
    if unsafe { (plugin.api().share_host)(handle as *mut c_void, &mut ts) } != 1 {
        return None;
    }
    // SAFETY: filled by the plugin's `lend`, taken over once.
    unsafe { borrow(&ts) }.ok()
}

/// # Safety
/// `s` honours [`SharedHost`]'s contract.
pub(crate) unsafe fn host_import<const P: usize>(s: SharedHost) -> Result<Tensor> {
    let plugin: &'static Loaded = slot(P)?;
    let ts = lend(s);
    let mut out = TsOut::new();
    // SAFETY: `ts` is ours from `lend` (the plugin takes its owner over), `out` writable.
    let status = unsafe { (plugin.api().import_shared_host)(&ts, &mut out) };
    if status == STATUS_OK {
        let [t] = plugin.take_tensors::<1>(&mut out)?;
        Ok(t)
    } else {
        Err(plugin.error("to_backend", &mut out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dtype::DType;
    use std::sync::atomic::{AtomicBool, Ordering};

    struct Flag(Arc<AtomicBool>);

    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    #[test]
    fn lent_memory_crosses_whole_and_its_owner_is_freed_by_the_lender_once() {
        let data = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0];
        let freed = Arc::new(AtomicBool::new(false));
        let shared = SharedHost {
            ptr: data.as_ptr().cast(),
            dtype: DType::Float32,
            shape: [2usize, 3].as_slice().into(),
            strides: [1isize, 2].as_slice().into(),
            owner: Arc::new(Flag(freed.clone())),
        };
        let ts = lend(shared);
        // SAFETY: `ts` comes from `lend` and is taken over once.
        let back = unsafe { borrow(&ts) }.unwrap();
        assert_eq!(back.ptr, data.as_ptr().cast());
        assert_eq!(back.dtype, DType::Float32);
        assert_eq!(back.shape.as_slice(), &[2, 3]);
        assert_eq!(back.strides.as_slice(), &[1, 2]);
        assert!(!freed.load(Ordering::SeqCst), "freed while borrowed");
        let owner = back.owner.clone();
        drop(back);
        assert!(
            !freed.load(Ordering::SeqCst),
            "freed while a clone of the owner lives"
        );
        drop(owner);
        assert!(
            freed.load(Ordering::SeqCst),
            "the lender's owner was not freed"
        );
    }

    #[test]
    fn a_bad_dtype_still_frees_the_lenders_owner() {
        let freed = Arc::new(AtomicBool::new(false));
        let shared = SharedHost {
            ptr: std::ptr::null(),
            dtype: DType::Int8,
            shape: Default::default(),
            strides: Default::default(),
            owner: Arc::new(Flag(freed.clone())),
        };
        let ts = TsShared {
            dtype: 99,
            ..lend(shared)
        };
        // SAFETY: as above; the dtype code is wrong on purpose.
        assert!(unsafe { borrow(&ts) }.is_err());
        assert!(freed.load(Ordering::SeqCst));
    }
}
