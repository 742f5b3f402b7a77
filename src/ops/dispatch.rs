//! What every public op does around its slot call: pick the table, check sizes and dtypes,
//! promote and cast, and call the slot with panics caught.

use crate::catalogue::Op;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::state::{self, TableGuard};
use crate::table::{FunctionTable, Source};
use crate::tensor::Tensor;
use std::borrow::Cow;

/// Calls a slot, pinning compositional fallbacks to `table` (so the ops they call run on the
/// same table, whatever other threads do to the stack meanwhile).
#[inline(always)]
pub(crate) fn call<F: Copy, R>(
    table: &'static FunctionTable,
    op: Op,
    slot: Option<F>,
    run: impl FnOnce(F) -> Result<R>,
) -> Result<R> {
    let Some(f) = slot else {
        return Err(table.unsupported_error(op));
    };
    // The last line of defence of the no-panic promise: a panic inside a backend (a framework
    // binding that unwraps, a bug of ours) becomes `Error::Backend` here instead of unwinding
    // through the caller. `catch_unwind` costs nothing on the path that does not panic (see
    // the `dispatch` bench). Unwind safety: the slot gets shared references only, and a
    // backend that panics half-way has not published any half-built state through them.
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        if matches!(table.sources[op.index()], Source::Compositional) {
            let _guard = TableGuard::new(table);
            run(f)
        } else {
            run(f)
        }
    }));
    match caught {
        Ok(result) => result,
        Err(payload) => Err(panicked(table, op, payload)),
    }
}

/// The error for a panic caught at the slot boundary, with the panic's message.
#[cold]
#[inline(never)]
pub(crate) fn panicked(
    table: &FunctionTable,
    op: Op,
    payload: Box<dyn std::any::Any + Send>,
) -> Error {
    let what = crate::error::panic_message(&*payload);
    Error::Backend {
        backend: table.backend.name.to_string(),
        op: op.name(),
        message: format!("the backend panicked (caught by tensorswitch, please report it): {what}"),
    }
}

/// Converts `x` to `dtype` on `table` unless it already has it.
#[inline(always)]
pub(crate) fn cast<'a>(
    table: &'static FunctionTable,
    x: &'a Tensor,
    dtype: DType,
) -> Result<Cow<'a, Tensor>> {
    if x.dtype() == dtype {
        return Ok(Cow::Borrowed(x));
    }
    table.check_dtype(Op::astype, dtype)?;
    call(table, Op::astype, table.slots.astype, |f| f(x, dtype)).map(Cow::Owned)
}

#[inline]
pub(crate) fn require(op: Op, x: DType, ok: bool, expected: &'static str) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidDType {
            op: op.name(),
            dtype: x,
            expected,
        })
    }
}

/// Checks that a result of `shape` and `dtype` can exist ([`crate::alloc::check_result`]) and
/// that `table`'s backend can hold its dimensions; returns the element count.
#[inline]
pub(crate) fn check_shape(
    table: &FunctionTable,
    op: Op,
    shape: &[usize],
    dtype: DType,
) -> Result<usize> {
    let n = crate::alloc::check_result(op.name(), shape, dtype)?;
    let max_dim = table.backend.max_dim;
    if shape.iter().any(|&d| d > max_dim) {
        return Err(Error::UnsupportedShape {
            op: op.name(),
            backend: table.backend.name.to_string(),
            shape: shape.to_vec(),
            max_dim,
        });
    }
    Ok(n)
}

pub(crate) fn promote(op: Op, a: DType, b: DType) -> Result<DType> {
    a.promote(b).ok_or(Error::NoPromotion {
        op: op.name(),
        lhs: a,
        rhs: b,
    })
}

pub(crate) fn creation_table(op: Op) -> Result<&'static FunctionTable> {
    state::resolve(op.name(), &[])
}

pub(crate) fn check_len(op: Op, shape: &[usize], len: usize) -> Result<()> {
    let want = crate::alloc::element_count(op.name(), shape)?;
    if want != len {
        return Err(Error::InvalidShape {
            op: op.name(),
            reason: format!("shape {shape:?} holds {want} elements but {len} were given"),
        });
    }
    Ok(())
}

/// The inputs of a call run from data, checked against the arity of its kind.
#[inline]
pub(crate) fn inputs<'a, const N: usize>(op: Op, inputs: &[&'a Tensor]) -> Result<[&'a Tensor; N]> {
    inputs.try_into().map_err(|_| Error::InvalidArgument {
        op: op.name(),
        reason: format!(
            "takes {N} tensor input{}, got {}",
            if N == 1 { "" } else { "s" },
            inputs.len()
        ),
    })
}
