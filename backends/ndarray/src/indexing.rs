//! Indexing and searching: `take`, `take_along_axis`, `strided_slice`, `argwhere`,
//! `searchsorted`, `put`, `put_add`.
//!
//! The core passes int64 indices already checked against their dimension, except to `take`,
//! which checks and normalises its own (the backend declares `with_take_checking_indices`);
//! each kernel checks every index it reads (an error, never an out-of-bounds read or a panic).

use crate::{array, buf, input_array, NdArray, NdElement, KIT};
use ndarray::{ArrayRefD, Axis, Dimension, Slice};
use std::borrow::Cow;
use tensorswitch::{AxisSlice, Result, Scalar, Tensor};

/// The elements of `a` in row-major order, borrowed when `a` is contiguous.
#[inline]
fn row_major<'a, T: NdElement>(op: &'static str, a: &'a ArrayRefD<T>) -> Result<Cow<'a, [T]>> {
    match buf::flat(a) {
        Some(s) => Ok(Cow::Borrowed(s)),
        None => copied(op, a).map(Cow::Owned),
    }
}

/// The elements of a non-contiguous `a` copied in row-major order (out of line: the borrowed
/// case stays small).
#[cold]
#[inline(never)]
fn copied<T: NdElement>(op: &'static str, a: &ArrayRefD<T>) -> Result<Vec<T>> {
    tensorswitch::alloc::try_collect(op, a.len(), a.iter().copied())
}

/// `i` as an index below `n`, or the backend's error.
fn index_below(op: &'static str, i: i64, n: usize) -> Result<usize> {
    usize::try_from(i)
        .ok()
        .filter(|&j| j < n)
        .ok_or_else(|| KIT.error(op, format!("index {i} out of range for size {n}")))
}

/// `i` as an index into dimension `axis` of size `n` (negative ones count from the end), or
/// the error the core gives for it: `take` checks its own indices (the backend declares
/// `with_take_checking_indices`).
#[inline]
fn take_index(i: i64, n: usize, axis: usize) -> Result<usize> {
    // Sizes fit in isize, so `i + n` cannot overflow for a negative `i`.
    let j = if i < 0 { i + n as i64 } else { i };
    // A negative `j` wraps to a huge usize, so one comparison bounds both sides.
    if (j as usize) < n {
        Ok(j as usize)
    } else {
        Err(take_index_error(i, n, axis))
    }
}

#[cold]
fn take_index_error(index: i64, size: usize, axis: usize) -> tensorswitch::Error {
    tensorswitch::Error::IndexOutOfRange {
        op: "take",
        index,
        axis,
        size,
    }
}

/// The sizes before `axis`, at it, and after it.
fn split(shape: &[usize], axis: usize) -> (usize, usize, usize) {
    let outer = shape[..axis].iter().product();
    let inner = shape[axis + 1..].iter().product();
    (outer, shape[axis], inner)
}

pub(crate) fn take(x: &Tensor, indices: &Tensor, axis: usize) -> Result<Tensor> {
    const OP: &str = "take";
    if axis >= x.ndim() {
        return Err(KIT.error(OP, format!("axis {axis} out of range")));
    }
    let idx = row_major(OP, array::<i64>(OP, indices)?)?;
    on_array!(OP, input_array(OP, x)?; any |a: T| {
        if let Some(src) = buf::vector(a) {
            // A contiguous vector (the commonest input): one element per index, no sizes to
            // multiply, and a result shape that copies nothing of the input's.
            let mut v = tensorswitch::alloc::try_with_capacity::<T>(OP, idx.len())?;
            for &i in idx.iter() {
                v.push(src[take_index(i, src.len(), axis)?]);
            }
            return Ok(buf::vector_of(v));
        }
        let (outer, n, inner) = split(a.shape(), axis);
        let src = row_major(OP, a)?;
        // The core checked the result's shape; only the memory can be missing.
        let count = outer
            .checked_mul(idx.len())
            .and_then(|c| c.checked_mul(inner))
            .ok_or_else(|| KIT.error(OP, "internal error: the result's size overflows"))?;
        let mut v = tensorswitch::alloc::try_with_capacity::<T>(OP, count)?;
        if inner == 1 {
            // One element per index (a 1-D tensor, or the last axis): no slice copies.
            // (`chunks_exact` would panic on rows of no elements.)
            for o in 0..outer {
                let row = &src[o * n..(o + 1) * n];
                for &i in idx.iter() {
                    v.push(row[take_index(i, n, axis)?]);
                }
            }
        } else {
            for o in 0..outer {
                let row = &src[o * n * inner..(o + 1) * n * inner];
                for &i in idx.iter() {
                    let at = take_index(i, n, axis)? * inner;
                    v.extend_from_slice(&row[at..at + inner]);
                }
            }
        }
        let mut shape = tensorswitch::Shape::from_slice(a.shape());
        shape[axis] = idx.len();
        buf::tensor_of(OP, &shape, v)
    })
}

pub(crate) fn take_along_axis(x: &Tensor, indices: &Tensor, axis: usize) -> Result<Tensor> {
    const OP: &str = "take_along_axis";
    let ia = array::<i64>(OP, indices)?;
    let idx = row_major(OP, ia)?;
    let out: NdArray = on_array!(OP, input_array(OP, x)?; any |a: T| {
        let fits = axis < a.ndim()
            && ia.ndim() == a.ndim()
            && (0..a.ndim()).all(|d| d == axis || ia.shape()[d] == a.shape()[d]);
        if !fits {
            return Err(KIT.error(OP, "the indices do not fit the tensor off the axis"));
        }
        let (outer, n, inner) = split(a.shape(), axis);
        let m = ia.shape()[axis];
        let src = row_major(OP, a)?;
        let mut v = buf::buffer::<T>(OP, ia.shape())?;
        for o in 0..outer {
            for j in 0..m {
                for r in 0..inner {
                    let i = index_below(OP, idx[(o * m + j) * inner + r], n)?;
                    v.push(src[(o * n + i) * inner + r]);
                }
            }
        }
        buf::shaped(OP, ia.shape(), v)?.into()
    });
    Ok(out.into_tensor())
}

/// Row-major input (the common case): the kept elements gathered straight from its memory
/// ([`gather`]). Other layouts: ndarray's slices with a positive step over the span each keeps,
/// then the axes with a negative step reversed (ndarray's own negative steps count from the
/// end of the range, not from its start as NumPy's do), copied.
pub(crate) fn strided_slice(x: &Tensor, slices: &[AxisSlice]) -> Result<Tensor> {
    const OP: &str = "strided_slice";
    on_array!(OP, input_array(OP, x)?; any |a: T| {
        // A contiguous vector (`x[a:b:c]`): its one slice checked and walked, with no
        // per-dimension shape to build.
        if let [s] = slices {
            if let Some(src) = buf::vector(a) {
                if s.span().1 > src.len() {
                    return Err(KIT.error(OP, format!("slice {s:?} out of range for axis 0")));
                }
                // At most `src.len()` elements: the input holds them.
                let mut v = tensorswitch::alloc::try_with_capacity::<T>(OP, s.len)?;
                let mut p = s.start as isize;
                for _ in 0..s.len {
                    v.push(src[p as usize]);
                    p += s.step;
                }
                return Ok(buf::vector_of(v));
            }
        }
        if slices.len() != a.ndim() {
            return Err(KIT.error(OP, "one slice per dimension expected"));
        }
        for (d, (s, &n)) in slices.iter().zip(a.shape()).enumerate() {
            if s.span().1 > n {
                return Err(KIT.error(OP, format!("slice {s:?} out of range for axis {d}")));
            }
        }
        let mut shape = tensorswitch::Shape::new();
        for s in slices {
            shape.push(s.len);
        }
        match buf::flat(a) {
            Some(src) => buf::tensor_of(OP, &shape, gather(OP, src, a.shape(), slices, &shape)?),
            None => {
                let mut v = a.view();
                for (d, s) in slices.iter().enumerate() {
                    let (lo, hi, step) = s.span();
                    let as_isize = |u: usize| isize::try_from(u).unwrap_or(isize::MAX);
                    v.slice_axis_inplace(Axis(d), Slice::new(as_isize(lo), Some(as_isize(hi)), as_isize(step)));
                    if s.step < 0 {
                        v.invert_axis(Axis(d));
                    }
                }
                Ok(NdArray::from(buf::copy(OP, &v)?).into_tensor_shaped(&shape))
            }
        }
    })
}

/// The elements `slices` keep of `src`, the row-major elements of an array of `shape`, in
/// row-major order. Every slice must lie within its dimension (checked by the caller; an
/// index out of `src` would panic, not read out of bounds).
fn gather<T: Copy>(
    op: &'static str,
    src: &[T],
    shape: &[usize],
    slices: &[AxisSlice],
    out: &[usize],
) -> Result<Vec<T>> {
    // No larger than the input: each slice keeps at most its dimension.
    let count: usize = out.iter().product();
    let mut v = tensorswitch::alloc::try_with_capacity::<T>(op, count)?;
    // (A contiguous vector is walked by `strided_slice` itself, without this call.)
    if count > 0 {
        // Per dimension, the distance in `src` between two kept elements, and the position
        // of the first kept element. The input exists, so its size in elements fits isize.
        let mut steps = smallvec::SmallVec::<[isize; 4]>::from_elem(0, shape.len());
        let mut first = 0isize;
        let mut stride = 1isize;
        for (d, s) in slices.iter().enumerate().rev() {
            first += s.start as isize * stride;
            steps[d] = s.step * stride;
            stride *= shape[d] as isize;
        }
        match slices.split_last() {
            None => v.push(src[0]),
            Some((last, outer)) => {
                let step = steps[outer.len()];
                // An odometer over the outer dimensions; `base` is the position of the
                // first element of the current row.
                let mut at = smallvec::SmallVec::<[usize; 4]>::from_elem(0, outer.len());
                let mut base = first;
                'rows: loop {
                    if step == 1 {
                        let b = base as usize;
                        v.extend_from_slice(&src[b..b + last.len]);
                    } else {
                        let mut p = base;
                        for _ in 0..last.len {
                            v.push(src[p as usize]);
                            p += step;
                        }
                    }
                    let mut d = outer.len();
                    loop {
                        if d == 0 {
                            break 'rows;
                        }
                        d -= 1;
                        at[d] += 1;
                        base += steps[d];
                        if at[d] < outer[d].len {
                            break;
                        }
                        base -= steps[d] * outer[d].len as isize;
                        at[d] = 0;
                    }
                }
            }
        }
    }
    Ok(v)
}

pub(crate) fn argwhere(x: &Tensor) -> Result<Tensor> {
    const OP: &str = "argwhere";
    let a = input_array(OP, x)?;
    let nd = a.ndim();
    let coords: Vec<i64> = on_array!(OP, a; any |a: T| {
        let mut v = Vec::new();
        for (at, &e) in a.indexed_iter() {
            if bool::from_scalar(Scalar::from(e)) {
                v.try_reserve(nd).map_err(|_| tensorswitch::Error::OutOfMemory {
                    op: OP,
                    bytes: nd * 8,
                })?;
                v.extend(at.slice().iter().map(|&i| i as i64));
            }
        }
        v
    });
    let n = coords.len().checked_div(nd).unwrap_or(0);
    Ok(NdArray::from(buf::shaped(OP, &[n, nd], coords)?).into_tensor())
}

pub(crate) fn searchsorted(x1: &Tensor, x2: &Tensor, right: bool) -> Result<Tensor> {
    const OP: &str = "searchsorted";
    let out = on_pair!(OP, input_array(OP, x1)?, input_array(OP, x2)?; numeric |s, v: T| {
        let sorted = row_major(OP, s)?;
        buf::map(OP, v, |q: T| {
            let at = if right {
                sorted.partition_point(|e| *e <= q)
            } else {
                sorted.partition_point(|e| *e < q)
            };
            at as i64
        })?
    });
    Ok(NdArray::from(out).into_tensor())
}

pub(crate) fn put(x: &Tensor, indices: &Tensor, values: &Tensor) -> Result<Tensor> {
    const OP: &str = "put";
    let idx = row_major(OP, array::<i64>(OP, indices)?)?;
    let out: NdArray = on_pair!(OP, input_array(OP, x)?, input_array(OP, values)?; any |a, b: T| {
        let mut data = row_major(OP, a)?.into_owned();
        let vals = row_major(OP, b)?;
        for (&i, &v) in idx.iter().zip(vals.iter()) {
            let i = index_below(OP, i, data.len())?;
            data[i] = v;
        }
        buf::shaped(OP, a.shape(), data)?.into()
    });
    Ok(out.into_tensor())
}

pub(crate) fn put_add(x: &Tensor, indices: &Tensor, values: &Tensor) -> Result<Tensor> {
    const OP: &str = "put_add";
    let idx = row_major(OP, array::<i64>(OP, indices)?)?;
    fn scatter<T: NdElement>(
        a: &ArrayRefD<T>,
        b: &ArrayRefD<T>,
        idx: &[i64],
        plus: impl Fn(T, T) -> T,
    ) -> Result<ndarray::ArrayD<T>> {
        let mut data = row_major(OP, a)?.into_owned();
        let vals = row_major(OP, b)?;
        for (&i, &v) in idx.iter().zip(vals.iter()) {
            let i = index_below(OP, i, data.len())?;
            data[i] = plus(data[i], v);
        }
        buf::shaped(OP, a.shape(), data)
    }
    let out: NdArray = on_pair!(OP, input_array(OP, x)?, input_array(OP, values)?;
        ints |a, b: T| scatter(a, b, &idx, |p: T, q: T| p.wrapping_add(q))?.into();
        floats |a, b: T| scatter(a, b, &idx, |p: T, q: T| p + q)?.into());
    Ok(out.into_tensor())
}
