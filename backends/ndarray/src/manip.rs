//! Shape manipulation, `astype`, and the `tril`/`triu` variants.
//!
//! Results are owned arrays in standard (row-major) layout where the op rearranges elements,
//! so later ops and `to_host` never depend on how a view was laid out.

use crate::{broadcast, buf, check_axes, input_array, NdArray, NdElement, KIT};
use ndarray::{ArrayD, ArrayRefD, Axis, IxDyn, Slice};
use tensorswitch::kit::OrBackendError;
use tensorswitch::{DType, Result, Scalar, Tensor};

pub(crate) fn reshape(x: &Tensor, shape: &[usize]) -> Result<Tensor> {
    const OP: &str = "reshape";
    let out: NdArray = match_nd!(input_array(OP, x)?, a => {
        // The elements in row-major order, whatever the memory layout, laid out anew: a
        // fallible copy (ndarray's `to_shape(..).into_owned()` copies too, infallibly).
        if tensorswitch::alloc::element_count(OP, shape)? != a.len() {
            return Err(KIT.error(
                OP,
                format!("cannot reshape {:?} to {shape:?}", a.shape()),
            ));
        }
        let mut v = tensorswitch::alloc::try_with_capacity(OP, a.len())?;
        match crate::buf::flat(a) {
            Some(s) => v.extend_from_slice(s),
            None => v.extend(a.iter().copied()),
        }
        buf::shaped(OP, shape, v)?.into()
    });
    Ok(out.into_tensor())
}

pub(crate) fn permute_dims(x: &Tensor, perm: &[usize]) -> Result<Tensor> {
    const OP: &str = "permute_dims";
    let a = input_array(OP, x)?;
    let mut seen = vec![false; a.ndim()];
    let valid = perm.len() == a.ndim()
        && perm
            .iter()
            .all(|&p| p < seen.len() && !std::mem::replace(&mut seen[p], true));
    if !valid {
        return Err(KIT.error(
            OP,
            format!("{perm:?} is not a permutation of {} axes", a.ndim()),
        ));
    }
    let out: NdArray =
        match_nd!(a, a => buf::copy(OP, &a.view().permuted_axes(IxDyn(perm)))?.into());
    Ok(out.into_tensor())
}

pub(crate) fn flip(x: &Tensor, axes: &[usize]) -> Result<Tensor> {
    const OP: &str = "flip";
    let a = input_array(OP, x)?;
    check_axes(OP, axes, a.ndim())?;
    let out: NdArray = match_nd!(a, a => {
        let mut v = a.view();
        for &i in axes {
            v.invert_axis(Axis(i));
        }
        buf::copy(OP, &v)?.into()
    });
    Ok(out.into_tensor())
}

pub(crate) fn broadcast_to(x: &Tensor, shape: &[usize]) -> Result<Tensor> {
    const OP: &str = "broadcast_to";
    let out: NdArray =
        match_nd!(input_array(OP, x)?, a => buf::copy(OP, &broadcast(OP, a, shape)?)?.into());
    Ok(out.into_tensor())
}

pub(crate) fn concat(tensors: &[Tensor], axis: usize) -> Result<Tensor> {
    const OP: &str = "concat";
    let first = tensors
        .first()
        .ok_or_else(|| KIT.error(OP, "needs at least one tensor"))?;
    let out: NdArray = by_dtype!(OP, first.dtype(); |T| concat_as::<T>(OP, tensors, axis)?.into());
    Ok(out.into_tensor())
}

fn concat_as<T: NdElement + Default>(
    op: &'static str,
    tensors: &[Tensor],
    axis: usize,
) -> Result<ArrayD<T>> {
    // ndarray's `concatenate` allocates the result infallibly: check the shapes here (so
    // `assign` below cannot panic), allocate fallibly, then copy each part into its slice.
    let mut views = tensorswitch::alloc::try_with_capacity(op, tensors.len())?;
    for t in tensors {
        views.push(crate::array::<T>(op, t)?.view());
    }
    let first = views[0].shape();
    let mismatch = || KIT.error(op, "tensors differ in rank or in a size off the axis");
    if axis >= first.len() {
        return Err(KIT.error(op, format!("axis {axis} out of range")));
    }
    let mut shape = first.to_vec();
    shape[axis] = 0;
    for v in &views {
        let s = v.shape();
        if s.len() != first.len()
            || s.iter()
                .zip(first)
                .enumerate()
                .any(|(i, (a, b))| i != axis && a != b)
        {
            return Err(mismatch());
        }
        shape[axis] = shape[axis].checked_add(s[axis]).ok_or_else(mismatch)?;
    }
    let mut out = buf::filled(op, &shape, T::default())?;
    let mut start = 0;
    for v in &views {
        let end = start + v.len_of(Axis(axis));
        out.slice_axis_mut(Axis(axis), Slice::from(start..end))
            .assign(v);
        start = end;
    }
    Ok(out)
}

/// Rust `as` conversions (float to integer truncates and saturates, NaN to 0); to bool,
/// non-zero is true. Going through [`Scalar`] compiles down to the plain `as` per element.
pub(crate) fn astype(x: &Tensor, dtype: DType) -> Result<Tensor> {
    const OP: &str = "astype";
    let out: NdArray = on_array!(OP, input_array(OP, x)?;
        any |a: S| by_dtype!(OP, dtype; |T| buf::map(OP, a, cast_value::<S, T>)?.into()));
    Ok(out.into_tensor())
}

/// One element converted as `astype` converts it (fused programs use it too).
#[inline]
pub(crate) fn cast_value<S: NdElement, T: NdElement>(v: S) -> T {
    T::from_scalar(v.into())
}

// ---------------------------------------------------------------------------------------------
// tril / triu

/// `k` for ndarray's methods; beyond isize's range every element is on one side anyway.
fn diagonal_offset(k: i64) -> isize {
    isize::try_from(k).unwrap_or(if k < 0 { isize::MIN } else { isize::MAX })
}

/// ndarray >= 0.16: its own `tril`/`triu`, which act on the last two axes of an N-D array
/// with NumPy's meaning of `k`. They need `Zero`, which bool lacks, so bool takes the loop.
fn triangle_native(op: &'static str, x: &Tensor, k: i64, lower: bool) -> Result<Tensor> {
    let a = input_array(op, x)?;
    if a.ndim() < 2 {
        return Err(KIT.error(op, "needs at least 2 dimensions"));
    }
    let k = diagonal_offset(k);
    // ndarray's `tril`/`triu` allocate their result (and a row index of the matrix height)
    // with `Array::zeros`, which aborts when memory is short. Rewriting them would defeat the
    // point of this variant, so probe instead: allocate the exact result size fallibly and
    // free it right before the call. Another thread could take the memory in between; that
    // window is the price of calling ndarray's own methods, and the result is never larger
    // than the input, which already exists.
    let out: NdArray = on_array!(op, a;
        numeric |a: T| {
            // ndarray 0.17's `tril` and `triu` call each other on the transposed view for
            // F-ordered arrays that are not also C-ordered; with a size-1 dimension among the
            // last two the transposed view is F-ordered and not C-ordered again, and they
            // recurse until the stack overflows (an abort: found by the robustness campaign on
            // strided inputs lent by torch). A standard-layout copy is C-ordered.
            let owned;
            let a = if a.is_standard_layout() {
                a
            } else {
                owned = buf::copy(op, a)?;
                &*owned
            };
            tensorswitch::alloc::probe(op, a.len() * std::mem::size_of::<T>())?;
            if lower { a.tril(k) } else { a.triu(k) }.into()
        };
        bool |a: T| triangle_by_index(op, a, k as i64, lower)?.into());
    Ok(out.into_tensor())
}

/// ndarray <= 0.15 has no `tril`/`triu`: zero the elements on the wrong side of diagonal `k`
/// of each matrix in the last two axes, by their row and column.
fn triangle_loop(op: &'static str, x: &Tensor, k: i64, lower: bool) -> Result<Tensor> {
    let out: NdArray =
        on_array!(op, input_array(op, x)?; any |a: T| triangle_by_index(op, a, k, lower)?.into());
    Ok(out.into_tensor())
}

fn triangle_by_index<T: NdElement>(
    op: &'static str,
    a: &ArrayRefD<T>,
    k: i64,
    lower: bool,
) -> Result<ArrayD<T>> {
    let nd = a.ndim();
    if nd < 2 {
        return Err(KIT.error(op, "needs at least 2 dimensions"));
    }
    let (rows, cols) = (a.shape()[nd - 2], a.shape()[nd - 1]);
    let zero = T::from_scalar(Scalar::Int(0));
    let mut data = tensorswitch::alloc::try_collect(op, a.len(), a.iter().copied())?;
    if rows > 0 && cols > 0 {
        for (i, v) in data.iter_mut().enumerate() {
            let (r, c) = ((i / cols) % rows, i % cols);
            // `c - r` is the diagonal the element lies on (0 the main one, > 0 above it).
            let d = c as i64 - r as i64;
            if (lower && d > k) || (!lower && d < k) {
                *v = zero;
            }
        }
    }
    ArrayD::from_shape_vec(a.raw_dim(), data).or_backend(&KIT, op)
}

pub(crate) fn tril_native(x: &Tensor, k: i64) -> Result<Tensor> {
    triangle_native("tril", x, k, true)
}

pub(crate) fn triu_native(x: &Tensor, k: i64) -> Result<Tensor> {
    triangle_native("triu", x, k, false)
}

pub(crate) fn tril_loop(x: &Tensor, k: i64) -> Result<Tensor> {
    triangle_loop("tril", x, k, true)
}

pub(crate) fn triu_loop(x: &Tensor, k: i64) -> Result<Tensor> {
    triangle_loop("triu", x, k, false)
}

// ----- issue 12: roll, repeat

/// Each axis in turn: the last `s` elements moved to the front (`s` in `1..size`, which the
/// core guarantees and is checked again here).
pub(crate) fn roll(x: &Tensor, shifts: &[usize], axes: &[usize]) -> Result<Tensor> {
    const OP: &str = "roll";
    check_axes(OP, axes, x.ndim())?;
    if shifts.len() != axes.len() {
        return Err(KIT.error(OP, "needs one shift per axis"));
    }
    let out: NdArray = by_dtype!(OP, x.dtype(); |T| roll_as::<T>(OP, x, shifts, axes)?.into());
    Ok(out.into_tensor())
}

fn roll_as<T: NdElement + Default>(
    op: &'static str,
    x: &Tensor,
    shifts: &[usize],
    axes: &[usize],
) -> Result<ArrayD<T>> {
    let mut cur = buf::copy(op, &crate::array::<T>(op, x)?.view())?;
    for (&s, &axis) in shifts.iter().zip(axes) {
        let n = cur.len_of(Axis(axis));
        if s >= n {
            return Err(KIT.error(op, format!("shift {s} out of 0..{n}")));
        }
        let mut out = buf::filled(op, cur.shape(), T::default())?;
        out.slice_axis_mut(Axis(axis), Slice::from(s..))
            .assign(&cur.slice_axis(Axis(axis), Slice::from(..n - s)));
        out.slice_axis_mut(Axis(axis), Slice::from(..s))
            .assign(&cur.slice_axis(Axis(axis), Slice::from(n - s..)));
        cur = out;
    }
    Ok(cur)
}

/// Element `i` along `axis` copied `counts[i]` times (`counts[0]` for all when it is the only
/// count).
pub(crate) fn repeat(x: &Tensor, counts: &[usize], axis: usize) -> Result<Tensor> {
    const OP: &str = "repeat";
    if axis >= x.ndim() {
        return Err(KIT.error(OP, format!("axis {axis} out of range")));
    }
    let n = x.shape()[axis];
    if counts.len() != 1 && counts.len() != n {
        return Err(KIT.error(OP, "needs one count, or one per element along the axis"));
    }
    let out: NdArray = by_dtype!(OP, x.dtype(); |T| repeat_as::<T>(OP, x, counts, axis)?.into());
    Ok(out.into_tensor())
}

fn repeat_as<T: NdElement + Default>(
    op: &'static str,
    x: &Tensor,
    counts: &[usize],
    axis: usize,
) -> Result<ArrayD<T>> {
    let a = crate::array::<T>(op, x)?.view();
    let n = a.len_of(Axis(axis));
    let count = |i: usize| counts[if counts.len() == 1 { 0 } else { i }];
    let total = (0..n)
        .try_fold(0usize, |acc, i| acc.checked_add(count(i)))
        .ok_or_else(|| KIT.error(op, "the result's size overflows"))?;
    let mut shape = a.shape().to_vec();
    shape[axis] = total;
    let mut out = buf::filled(op, &shape, T::default())?;
    if out.is_empty() {
        // Nothing to copy. (Assigning to an empty slice still walks its other axes, which a
        // huge count makes effectively endless: `[3, 0]` repeated 2^40 times along axis 0.)
        return Ok(out);
    }
    let mut start = 0;
    for i in 0..n {
        let c = count(i);
        if c == 0 {
            continue;
        }
        let one = a.slice_axis(Axis(axis), Slice::from(i..i + 1));
        out.slice_axis_mut(Axis(axis), Slice::from(start..start + c))
            .assign(&one);
        start += c;
    }
    Ok(out)
}
