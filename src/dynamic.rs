//! Dynamic tensors: live tensors that follow a converting backend switch.
//!
//! A tensor is *dynamic* when its flag is on ([`Tensor::dynamic_backend`]); new tensors take
//! the default of the thread that creates them: [`dynamic_backend_as`] inside a closure, else
//! the process-wide default ([`set_dynamic_backend`], [`unset_dynamic_backend`]; `true` unless
//! changed, as in Ivy).
//!
//! The plain stack functions ([`set_backend`](crate::set_backend),
//! [`previous_backend`](crate::previous_backend), [`unset_backend`](crate::unset_backend)) never
//! convert anything. Their converting forms [`set_backend_dynamic`],
//! [`previous_backend_dynamic`] and [`unset_backend_dynamic`] (or [`switch_backend`], which
//! takes the change and the [`Conversion`] policy as arguments) change the stack and move every
//! live dynamic tensor to the backend that creation ops run on afterwards, by the precedence
//! rule of [`crate::state`]: the new top of the stack, or, once the stack is empty, the implicit
//! default. The calling thread's [`with_backend`](crate::with_backend) override is not part of
//! that: a switch is process-wide. Non-dynamic tensors stay where they are.
//!
//! # What a converting switch guarantees
//! * **Identity.** A tensor is converted in place: every clone of its handle sees the new
//!   backend, and [`Tensor::same_tensor`] still holds between them.
//! * **All or nothing.** Every tensor is converted before any is changed. If one cannot be
//!   (a dtype or device the target lacks, an allocation failure), none is, the stack is as it
//!   was, and [`Error::DynamicConversion`] lists each tensor that could not move (dtype, shape,
//!   backend, device, reason). [`Conversion::BestEffort`] instead converts what it can, changes
//!   the stack, and returns the same list in [`Switched::unmoved`].
//! * **Zero copy where possible.** CPU tensors move as [`to_backend`](crate::to_backend) moves
//!   them: by sharing memory where the two backends can (ndarray and torch), else by a copy.
//!   Tensors on another device (torch `cuda:0`) are copied through the host; the result goes to
//!   the switching thread's [`default_device`](crate::default_device) (`cpu` unless inside
//!   [`with_device`](crate::with_device)).
//! * **Concurrency.** Other threads may run ops on the tensors meanwhile: the switch waits
//!   until no op and no [`Tensor::native`] guard is in progress on any thread, keeps new ones
//!   from starting while it converts, and then lets them go; each op sees its tensors and the
//!   stack all before or all after the switch. A thread that holds a `native` guard and
//!   switches gets [`Error::SwitchInsideSection`] instead of waiting for itself. The old
//!   native values are dropped inside the switch, when no op can still read them
//!   (docs/architecture.md, "Dynamic tensors", has the invariants).
//! * **Exact tracking.** Live dynamic tensors are tracked in a registry that a dropped tensor
//!   leaves at once; a switch finds them there, without scanning memory.
//!   [`live_dynamic_tensors`] counts them.
//!
//! A tensor whose memory was lent with [`to_backend`](crate::to_backend) before it was
//! converted keeps that memory alive for the borrowers until it is dropped.
//!
//! ```
//! use tensorswitch_ndarray as _;
//! use tensorswitch::{dynamic, Tensor};
//!
//! # fn main() -> tensorswitch::Result<()> {
//! let x = Tensor::from_slice(&[1.0f32, 2.0], &[2])?; // dynamic by default
//! let y = dynamic::dynamic_backend_as(false, || Tensor::from_slice(&[3.0f32], &[1]))?;
//! assert!(x.dynamic_backend() && !y.dynamic_backend());
//! dynamic::set_backend_dynamic("ndarray")?; // both are on ndarray already: nothing moves
//! assert_eq!(x.backend(), "ndarray");
//! dynamic::previous_backend_dynamic()?;
//! # Ok(())
//! # }
//! ```

use crate::error::{Error, Result, Unmoved};
use crate::ops::creation::convert_for_switch;
use crate::state::{self, Backend};
use crate::table::FunctionTable;
use crate::tensor::live::{self, DefaultGuard, Pause};
use crate::tensor::{Handle, Tensor};

/// Sets the process-wide default of the dynamic flag for new tensors (threads inside
/// [`dynamic_backend_as`] keep theirs).
pub fn set_dynamic_backend(on: bool) {
    live::set_default(on);
}

/// Restores the process-wide default of the dynamic flag: `true`.
pub fn unset_dynamic_backend() {
    live::set_default(true);
}

/// The dynamic flag a tensor created now on this thread gets.
pub fn dynamic_backend() -> bool {
    live::dynamic_by_default()
}

/// Runs `f` with `on` as this thread's default of the dynamic flag, restoring the previous
/// default afterwards (also when `f` panics). Other threads are not affected.
pub fn dynamic_backend_as<R>(on: bool, f: impl FnOnce() -> R) -> R {
    let _guard = DefaultGuard::new(Some(on));
    f()
}

/// How many dynamic tensors are alive (a diagnostic: other threads may change it at any time).
pub fn live_dynamic_tensors() -> usize {
    let mut n = 0;
    live::for_each_block(|_| n += 1);
    n
}

/// How many native values converted tensors keep alive because another backend borrowed
/// their memory before the conversion (a diagnostic, like [`live_dynamic_tensors`]). Each is
/// released when the tensor that lent it is dropped.
pub fn values_kept_for_borrowers() -> usize {
    crate::tensor::values_kept_for_borrowers()
}

/// A change of the backend stack.
#[derive(Clone, Copy, Debug)]
pub enum StackChange<'a> {
    /// Push a backend at its detected version (as [`crate::set_backend`]).
    Push(&'a str),
    /// Push a backend as if a version of its framework were installed (as
    /// [`crate::set_backend_to_specific_version`]).
    PushVersion(&'a str, &'a str),
    /// Pop the top (as [`crate::previous_backend`]).
    Pop,
    /// Clear the stack (as [`crate::unset_backend`]).
    Clear,
}

/// What a converting switch does when some tensors cannot move.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conversion {
    /// Convert nothing and leave the stack as it was; the error lists the tensors.
    AllOrNothing,
    /// Convert what can be converted, change the stack, and list the rest in the result.
    BestEffort,
}

/// What a converting switch did.
#[derive(Debug)]
pub struct Switched {
    /// The backend creation ops now run on (the new top of the stack, or the implicit
    /// default).
    pub backend: Backend,
    /// What was popped (one backend for `Pop`, the whole stack, bottom first, for `Clear`).
    pub popped: Vec<Backend>,
    /// How many live dynamic tensors the switch found.
    pub live: usize,
    /// How many of them it converted (the others were on the target already, or are listed
    /// in `unmoved`).
    pub converted: usize,
    /// The tensors that could not move (always empty with [`Conversion::AllOrNothing`]).
    pub unmoved: Vec<Unmoved>,
}

/// Pushes the named backend and converts every live dynamic tensor to it, all or nothing.
pub fn set_backend_dynamic(name: &str) -> Result<Backend> {
    switch_backend(StackChange::Push(name), Conversion::AllOrNothing).map(|s| s.backend)
}

/// Pops the stack and converts every live dynamic tensor to the backend that creation ops run
/// on afterwards, all or nothing. Returns what it popped.
pub fn previous_backend_dynamic() -> Result<Backend> {
    let s = switch_backend(StackChange::Pop, Conversion::AllOrNothing)?;
    s.popped.into_iter().next().ok_or(Error::EmptyBackendStack)
}

/// Clears the stack and converts every live dynamic tensor to the implicit default backend, all
/// or nothing. Returns what was on the stack, bottom first.
pub fn unset_backend_dynamic() -> Result<Vec<Backend>> {
    switch_backend(StackChange::Clear, Conversion::AllOrNothing).map(|s| s.popped)
}

/// Changes the stack and converts every live dynamic tensor to the backend creation ops run on
/// afterwards, following `conversion` when some cannot move (see the module's documentation).
pub fn switch_backend(change: StackChange<'_>, conversion: Conversion) -> Result<Switched> {
    // Everything that can fail without looking at the tensors fails before the pause.
    let pushed = match change {
        StackChange::Push(name) => Some(state::detected(name)?),
        StackChange::PushVersion(name, version) => Some(state::at_version(name, version)?),
        StackChange::Pop | StackChange::Clear => None,
    };
    let pause = Pause::start().map_err(|_| Error::SwitchInsideSection)?;
    let mut stack = state::lock_stack();
    let target: &'static FunctionTable = match (change, pushed) {
        (_, Some(t)) => t,
        (StackChange::Pop, _) => match stack.len() {
            0 => return Err(Error::EmptyBackendStack),
            1 => state::default_table()?,
            n => stack[n - 2],
        },
        _ => state::default_table()?,
    };

    // Dropped in reverse order on every return: the registry's handles, the stack lock, then
    // the pause (a handle must not outlive the pause, see `registered_tensors`).
    let registered = registered_tensors(&pause);
    let live = registered.len();
    let (converted, unmoved) = move_tensors(&registered, target, conversion, &pause)?;
    let popped = match change {
        StackChange::Push(_) | StackChange::PushVersion(..) => {
            stack.push(target);
            Vec::new()
        }
        StackChange::Pop => stack.pop().into_iter().collect(),
        StackChange::Clear => std::mem::take(&mut *stack),
    };
    state::publish_top(&stack);
    Ok(Switched {
        backend: Backend::of(target),
        popped: popped.into_iter().map(Backend::of).collect(),
        live,
        converted,
        unmoved,
    })
}

/// Handles to every live dynamic tensor. They must be dropped before the pause ends: a thread
/// that dropped a tensor's last handle through the fast path (no decrement) may be waiting in
/// its destroy for the pause, and frees the block as soon as it ends.
fn registered_tensors(_pause: &Pause) -> Vec<Tensor> {
    let mut out = Vec::new();
    live::for_each_block(|block| {
        // SAFETY: called inside a pause with an address the registry reported in it.
        #[allow(unsafe_code)]
        if let Some(h) = unsafe { Handle::from_registry(block) } {
            out.push(Tensor::from_handle(h));
        }
    });
    out
}

/// Converts `tensors` to `target`'s backend and forwards each to its new value; with
/// `AllOrNothing` only if all of them convert (else nothing changes and the error lists the
/// rest). Returns how many moved and, for `BestEffort`, those that could not.
fn move_tensors(
    tensors: &[Tensor],
    target: &'static FunctionTable,
    conversion: Conversion,
    pause: &Pause,
) -> Result<(usize, Vec<Unmoved>)> {
    let (moves, unmoved) = convert_all(tensors, target, pause);
    if !unmoved.is_empty() && conversion == Conversion::AllOrNothing {
        return Err(Error::DynamicConversion {
            target: target.backend_name().to_string(),
            live: tensors.len(),
            unmoved,
        });
    }
    let converted = moves.len();
    for (tensor, moved) in moves {
        tensor.handle().forward(moved.into_handle(), pause);
    }
    Ok((converted, unmoved))
}

/// Converts every tensor not on `target`'s backend yet: the pairs (tensor, converted value)
/// and the tensors that could not move.
fn convert_all(
    tensors: &[Tensor],
    target: &'static FunctionTable,
    pause: &Pause,
) -> (Vec<(Tensor, Tensor)>, Vec<Unmoved>) {
    let device = state::default_device();
    // The converted values are never dynamic themselves: they are forwarded to, not tracked.
    let _static = DefaultGuard::new(Some(false));
    // The conversions call slots directly (`convert_for_switch`); slots run inside a section.
    // (The pausing thread's own sections do not wait.)
    let _section = live::enter();
    let mut moves = Vec::new();
    let mut unmoved = Vec::new();
    for t in tensors {
        if std::ptr::eq(t.backend_descriptor(), target.backend) {
            continue;
        }
        let source = Tensor::from_handle(t.handle().detach(pause));
        match convert_for_switch(&source, target, device) {
            Ok(moved) => moves.push((t.clone(), moved)),
            Err(e) => unmoved.push(Unmoved {
                dtype: t.dtype(),
                shape: t.shape().to_vec(),
                backend: t.backend(),
                device: t.device().to_string(),
                reason: e.to_string(),
            }),
        }
    }
    (moves, unmoved)
}

impl Tensor {
    /// Makes the tensor dynamic or not. Turning it on while a backend is set (on the stack)
    /// converts the tensor to that backend at once, so later converting switches move it from
    /// the right one; if that conversion fails the tensor is left as it was and the error
    /// says why. Turning it off leaves the tensor where it is.
    pub fn set_dynamic_backend(&self, on: bool) -> Result<()> {
        set_tensor_dynamic(self, on)
    }
}

fn set_tensor_dynamic(t: &Tensor, on: bool) -> Result<()> {
    // Only a tensor turned on, and not on the backend at the top of the stack, moves.
    let target = if on && !t.dynamic_backend() {
        state::stack_top().filter(|top| !std::ptr::eq(t.backend_descriptor(), top.backend))
    } else {
        None
    };
    let Some(target) = target else {
        let _section = live::enter();
        t.handle().set_dynamic(on);
        return Ok(());
    };
    let pause = Pause::start().map_err(|_| Error::SwitchInsideSection)?;
    move_tensors(
        std::slice::from_ref(t),
        target,
        Conversion::AllOrNothing,
        &pause,
    )?;
    t.handle().set_dynamic(true);
    Ok(())
}
