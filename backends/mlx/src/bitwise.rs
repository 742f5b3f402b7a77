//! Bitwise ops: `bitwise_and`, `bitwise_or`, `bitwise_xor`, `bitwise_invert` and the shifts.
//!
//! mlx-rs 0.33 has no bitwise ops; MLX and mlx-c do (`mlx_bitwise_*`), so integers call mlx-c
//! directly, on the stream mlx-rs's own ops use. Bool inputs take MLX's logical ops instead
//! (`and`, `or`, `!=`, `not`), whose results are the bitwise ones for bool and which MLX
//! documents for bool, so nothing depends on how MLX's bitwise kernels treat bool (`~` of a
//! C++ bool is an `int`, not the logical not).

use crate::{input_array, lock, wrap, KIT};
use mlx_rs::{ops as m, Array, Dtype, Stream};
use tensorswitch::kit::OrBackendError;
use tensorswitch::{Result, Tensor};

type Binary = unsafe extern "C" fn(
    *mut mlx_sys::mlx_array,
    mlx_sys::mlx_array,
    mlx_sys::mlx_array,
    mlx_sys::mlx_stream,
) -> std::os::raw::c_int;

/// The result of the mlx-c op `f` (`mlx_bitwise_*`) called through `call`, or the backend's
/// error naming `op` where mlx-c reports a failure (its message is recorded by mlx-rs's error
/// handler, which [`crate::install_error_handler`] makes sure is installed: mlx-c's default
/// exits).
#[allow(unsafe_code)]
pub(crate) fn mlx_c(
    op: &'static str,
    call: impl FnOnce(*mut mlx_sys::mlx_array, mlx_sys::mlx_stream) -> std::os::raw::c_int,
) -> Result<Array> {
    crate::install_error_handler();
    let stream = Stream::thread_local_or_default();
    // SAFETY: `mlx_array_new` makes an empty array that the op fills (status 0) or leaves
    // empty; a failed one is freed here, a filled one is owned by the returned `Array`. The
    // caller holds the MLX lock and passes live arrays.
    unsafe {
        let mut raw = mlx_sys::mlx_array_new();
        let status = call(&mut raw, stream.as_ptr());
        if status != 0 || raw.ctx.is_null() {
            mlx_sys::mlx_array_free(raw);
            return Err(KIT.error(op, "MLX refused the op"));
        }
        Ok(Array::from_ptr(raw))
    }
}

/// Integers through mlx-c's `f`; bool through the logical op `logical`. One dtype (the core's
/// promotion), broadcast by MLX.
#[allow(unsafe_code)]
fn binary(
    op: &'static str,
    x: &Tensor,
    y: &Tensor,
    f: Binary,
    logical: fn(&Array, &Array) -> mlx_rs::error::Result<Array>,
) -> Result<Tensor> {
    let _g = lock();
    let (a, b) = (input_array(op, x)?, input_array(op, y)?);
    if a.dtype() == Dtype::Bool && b.dtype() == Dtype::Bool {
        return wrap(op, logical(a, b).or_backend(&KIT, op)?);
    }
    // SAFETY: `f` is one of mlx-c's binary ops; `a` and `b` stay alive for the call.
    let out = mlx_c(op, |res, s| unsafe { f(res, a.as_ptr(), b.as_ptr(), s) })?;
    wrap(op, out)
}

pub(crate) fn bitwise_and(x: &Tensor, y: &Tensor) -> Result<Tensor> {
    binary("bitwise_and", x, y, mlx_sys::mlx_bitwise_and, |a, b| {
        m::logical_and(a, b)
    })
}

pub(crate) fn bitwise_or(x: &Tensor, y: &Tensor) -> Result<Tensor> {
    binary("bitwise_or", x, y, mlx_sys::mlx_bitwise_or, |a, b| {
        m::logical_or(a, b)
    })
}

/// For bool, xor is "differs": `a != b`.
pub(crate) fn bitwise_xor(x: &Tensor, y: &Tensor) -> Result<Tensor> {
    binary("bitwise_xor", x, y, mlx_sys::mlx_bitwise_xor, |a, b| {
        m::ne(a, b)
    })
}

/// `!x`: every bit flipped for integers (`-x - 1` for signed ones), logical not for bool.
#[allow(unsafe_code)]
pub(crate) fn bitwise_invert(x: &Tensor) -> Result<Tensor> {
    const OP: &str = "bitwise_invert";
    let _g = lock();
    let a = input_array(OP, x)?;
    if a.dtype() == Dtype::Bool {
        return wrap(OP, m::logical_not(a).or_backend(&KIT, OP)?);
    }
    // SAFETY: mlx-c's unary op; `a` stays alive for the call.
    let out = mlx_c(OP, |res, s| unsafe {
        mlx_sys::mlx_bitwise_invert(res, a.as_ptr(), s)
    })?;
    wrap(OP, out)
}

/// `x << y` in C++ on the promoted integer dtype (`mlx_left_shift`); the core passes integers
/// only, so the bool branch is never taken.
pub(crate) fn bitwise_left_shift(x: &Tensor, y: &Tensor) -> Result<Tensor> {
    binary(
        "bitwise_left_shift",
        x,
        y,
        mlx_sys::mlx_left_shift,
        |_, _| unreachable!("the core refuses bool shifts"),
    )
}

/// `x >> y` in C++ (`mlx_right_shift`): arithmetic for signed integers.
pub(crate) fn bitwise_right_shift(x: &Tensor, y: &Tensor) -> Result<Tensor> {
    binary(
        "bitwise_right_shift",
        x,
        y,
        mlx_sys::mlx_right_shift,
        |_, _| unreachable!("the core refuses bool shifts"),
    )
}
