//! Reductions, arg-reductions, cumulative sums and sorting.

use crate::{buf, check_axes, input_array, NdArray, NdElement, KIT};
use ndarray::{ArrayD, ArrayRefD, Axis, IxDyn, Zip};
use std::cmp::Ordering;
use tensorswitch::{Element, Result, Tensor};

/// Applies `f` to each lane of the reduced axes (the elements that reduce to one output, in
/// row-major order) and shapes the results as the kept axes (size 1 where reduced when
/// `keepdims`). The reduced axes are moved last and made contiguous; when they already are
/// (e.g. a full reduction of a standard-layout array) no copy is made.
fn reduce_lanes<T: Copy, U: Element>(
    op: &'static str,
    a: &ArrayRefD<T>,
    axes: &[usize],
    keepdims: bool,
    mut f: impl FnMut(&[T]) -> U,
) -> Result<ArrayD<U>> {
    check_axes(op, axes, a.ndim())?;
    let shape = a.shape();
    let kept: Vec<usize> = (0..a.ndim()).filter(|i| !axes.contains(i)).collect();
    let out_shape: Vec<usize> = if keepdims {
        (0..a.ndim())
            .map(|i| if axes.contains(&i) { 1 } else { shape[i] })
            .collect()
    } else {
        kept.iter().map(|&i| shape[i]).collect()
    };
    // Checked: the kept sizes of an empty input can multiply past usize (or past memory).
    let mut values = buf::buffer::<U>(op, &out_shape)?;
    let outer = values.capacity();
    if a.is_empty() {
        // Every lane is empty (or there are none).
        values.extend((0..outer).map(|_| f(&[])));
    } else {
        // A non-empty input: its sizes multiply to its element count, which fits.
        let inner: usize = axes.iter().map(|&i| shape[i]).product();
        let perm: Vec<usize> = kept.iter().chain(axes).copied().collect();
        let moved = a.view().permuted_axes(IxDyn(&perm));
        let copied: Vec<T>;
        let data = match moved.as_slice() {
            Some(s) => s,
            None => {
                // In row-major order of the moved axes (`as_standard_layout` would copy
                // infallibly).
                copied = tensorswitch::alloc::try_collect(op, moved.len(), moved.iter().copied())?;
                &copied
            }
        };
        values.extend(data.chunks_exact(inner).map(f));
    }
    buf::shaped(op, &out_shape, values)
}

/// Pairwise summation as NumPy does it (blocks of 128 summed with eight accumulators, halves
/// added recursively): the rounding error grows like log n instead of n.
fn pairwise_sum<T: Copy + Default + std::ops::Add<Output = T>>(s: &[T]) -> T {
    const BLOCK: usize = 128;
    if s.len() < 8 {
        s.iter().copied().reduce(|a, b| a + b).unwrap_or_default()
    } else if s.len() <= BLOCK {
        let mut r = [s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]];
        let mut chunks = s[8..].chunks_exact(8);
        for c in &mut chunks {
            for (acc, &x) in r.iter_mut().zip(c) {
                *acc = *acc + x;
            }
        }
        let mut total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &x in chunks.remainder() {
            total = total + x;
        }
        total
    } else {
        let half = s.len() / 2;
        let half = half - half % 8;
        pairwise_sum(&s[..half]) + pairwise_sum(&s[half..])
    }
}

/// Reducing over no axes leaves every element alone: the input itself (tensors are
/// immutable, so sharing it is a copy that costs nothing and cannot fail).
fn unreduced(x: &Tensor, axes: &[usize], op: &'static str) -> Result<Option<Tensor>> {
    if !axes.is_empty() {
        return Ok(None);
    }
    input_array(op, x)?;
    Ok(Some(x.clone()))
}

pub(crate) fn sum(x: &Tensor, axes: &[usize], keepdims: bool) -> Result<Tensor> {
    const OP: &str = "sum";
    if let Some(t) = unreduced(x, axes, OP)? {
        return Ok(t);
    }
    let out: NdArray = on_array!(OP, input_array(OP, x)?;
        ints |a: T| reduce_lanes(OP, a, axes, keepdims, |l| {
            l.iter().fold(0 as T, |s, &v| s.wrapping_add(v))
        })?
        .into();
        // `+ 0.0`: a lane of negative zeros sums to +0.0, as in NumPy (whose sums start from
        // the identity +0.0) and libtorch; it changes no other result.
        floats |a: T| reduce_lanes(OP, a, axes, keepdims, |l: &[T]| pairwise_sum(l) + T::default())?
        .into());
    Ok(out.into_tensor())
}

pub(crate) fn prod(x: &Tensor, axes: &[usize], keepdims: bool) -> Result<Tensor> {
    const OP: &str = "prod";
    if let Some(t) = unreduced(x, axes, OP)? {
        return Ok(t);
    }
    let out: NdArray = on_array!(OP, input_array(OP, x)?;
        ints |a: T| reduce_lanes(OP, a, axes, keepdims, |l| {
            l.iter().fold(1 as T, |p, &v| p.wrapping_mul(v))
        })?
        .into();
        floats |a: T| reduce_lanes(OP, a, axes, keepdims, |l| {
            l.iter().fold(1.0, |p: T, &v| p * v)
        })?
        .into());
    Ok(out.into_tensor())
}

/// `all`/`any` over bool input (the core converts to bool first): whether no element is false
/// (true for an empty lane), or whether some element is true (false for an empty lane).
fn truth(
    op: &'static str,
    x: &Tensor,
    axes: &[usize],
    keepdims: bool,
    every: bool,
) -> Result<Tensor> {
    if let Some(t) = unreduced(x, axes, op)? {
        return Ok(t);
    }
    let out: NdArray = on_array!(op, input_array(op, x)?;
        bool |a: T| reduce_lanes(op, a, axes, keepdims, |l: &[bool]| {
            if every { l.iter().all(|&v| v) } else { l.iter().any(|&v| v) }
        })?
        .into());
    Ok(out.into_tensor())
}

pub(crate) fn all(x: &Tensor, axes: &[usize], keepdims: bool) -> Result<Tensor> {
    truth("all", x, axes, keepdims, true)
}

pub(crate) fn any(x: &Tensor, axes: &[usize], keepdims: bool) -> Result<Tensor> {
    truth("any", x, axes, keepdims, false)
}

/// The number of true elements per lane of the bool input (the core converts to bool first),
/// as int64. Over no axes every element is its own lane, so the result is 0 or 1 per element.
pub(crate) fn count_nonzero(x: &Tensor, axes: &[usize], keepdims: bool) -> Result<Tensor> {
    const OP: &str = "count_nonzero";
    let out: NdArray = on_array!(OP, input_array(OP, x)?;
        bool |a: T| reduce_lanes(OP, a, axes, keepdims, |l: &[bool]| {
            l.iter().filter(|&&v| v).count() as i64
        })?
        .into());
    Ok(out.into_tensor())
}

/// The maximum (or minimum) of a non-empty lane; the first NaN if there is one.
fn extremum<T: NdElement>(lane: &[T], largest: bool) -> T {
    let mut best = lane[0];
    for &x in &lane[1..] {
        if best.is_nan() {
            break;
        }
        let better = if largest { x > best } else { x < best };
        if better || x.is_nan() {
            best = x;
        }
    }
    best
}

fn max_or_min(
    op: &'static str,
    x: &Tensor,
    axes: &[usize],
    keepdims: bool,
    largest: bool,
) -> Result<Tensor> {
    if let Some(t) = unreduced(x, axes, op)? {
        return Ok(t);
    }
    let a = input_array(op, x)?;
    check_axes(op, axes, a.ndim())?;
    if axes.iter().any(|&i| a.shape()[i] == 0) {
        return Err(KIT.error(op, "cannot reduce a zero-size axis"));
    }
    let out: NdArray = on_array!(op, a;
        any |a: T| reduce_lanes(op, a, axes, keepdims, |l| extremum(l, largest))?.into());
    Ok(out.into_tensor())
}

pub(crate) fn max(x: &Tensor, axes: &[usize], keepdims: bool) -> Result<Tensor> {
    max_or_min("max", x, axes, keepdims, true)
}

pub(crate) fn min(x: &Tensor, axes: &[usize], keepdims: bool) -> Result<Tensor> {
    max_or_min("min", x, axes, keepdims, false)
}

/// The index of the first maximum (or minimum) of a lane. NaN counts as both the maximum and
/// the minimum, so the first NaN wins, as in NumPy.
fn arg_extremum<T: NdElement>(lane: &[T], largest: bool) -> i64 {
    let mut best = 0;
    for (i, &x) in lane.iter().enumerate().skip(1) {
        let b = lane[best];
        if b.is_nan() {
            break;
        }
        let better = if largest { x > b } else { x < b };
        if better || x.is_nan() {
            best = i;
        }
    }
    best as i64
}

fn arg_reduce(
    op: &'static str,
    x: &Tensor,
    axis: Option<usize>,
    keepdims: bool,
    largest: bool,
) -> Result<Tensor> {
    let a = input_array(op, x)?;
    // No axis: the index into the flattened (row-major) tensor.
    let axes: Vec<usize> = match axis {
        Some(i) => vec![i],
        None => (0..a.ndim()).collect(),
    };
    let out: NdArray = on_array!(op, a;
        any |a: T| reduce_lanes(op, a, &axes, keepdims, |l| arg_extremum(l, largest))?.into());
    Ok(out.into_tensor())
}

pub(crate) fn argmax(x: &Tensor, axis: Option<usize>, keepdims: bool) -> Result<Tensor> {
    arg_reduce("argmax", x, axis, keepdims, true)
}

pub(crate) fn argmin(x: &Tensor, axis: Option<usize>, keepdims: bool) -> Result<Tensor> {
    arg_reduce("argmin", x, axis, keepdims, false)
}

pub(crate) fn cumulative_sum(x: &Tensor, axis: usize) -> Result<Tensor> {
    const OP: &str = "cumulative_sum";
    let a = input_array(OP, x)?;
    check_axes(OP, &[axis], a.ndim())?;
    let out: NdArray = on_array!(OP, a;
    ints |a: T| {
        let mut out = buf::copy(OP, a)?;
        out.accumulate_axis_inplace(Axis(axis), |&prev, cur| *cur = prev.wrapping_add(*cur));
        out.into()
    };
    floats |a: T| {
        let mut out = buf::copy(OP, a)?;
        out.accumulate_axis_inplace(Axis(axis), |&prev, cur| *cur += prev);
        out.into()
    });
    Ok(out.into_tensor())
}

// ---------------------------------------------------------------------------------------------
// sorting

/// Ascending order with NaN after every number (NaNs equal to each other).
fn ascending<T: NdElement>(a: &T, b: &T) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (false, false) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
        (a_nan, b_nan) => a_nan.cmp(&b_nan),
    }
}

/// The comparator of a stable sort. Descending reverses the comparison, not the result, so
/// equal elements still keep their original order (and NaNs come first).
fn order<T: NdElement>(descending: bool) -> impl Fn(&T, &T) -> Ordering {
    move |a, b| {
        if descending {
            ascending(b, a)
        } else {
            ascending(a, b)
        }
    }
}

/// Sorts each lane of `a` along `axis` (stably) and passes the sorted `(value, index)` pairs
/// of each lane, with the lane of `out` to write, to `write`.
///
/// The sort is `sort_unstable_by` with ties broken by the original index, which orders
/// exactly as a stable sort does but, unlike `sort_by`, never allocates: the scratch space a
/// stable sort takes (up to the lane's length) would be an infallible allocation. The pairs
/// live in one buffer of the lane's length, allocated fallibly.
fn sort_into<T: NdElement, U: Element + Default>(
    op: &'static str,
    a: &ArrayRefD<T>,
    axis: usize,
    descending: bool,
    write: impl Fn(&[(T, usize)], ndarray::ArrayViewMut1<'_, U>),
) -> Result<ArrayD<U>> {
    check_axes(op, &[axis], a.ndim())?;
    let cmp = order::<T>(descending);
    let mut out = buf::filled(op, a.shape(), U::default())?;
    let mut pairs: Vec<(T, usize)> =
        tensorswitch::alloc::try_with_capacity(op, a.len_of(Axis(axis)))?;
    Zip::from(a.lanes(Axis(axis)))
        .and(out.lanes_mut(Axis(axis)))
        .for_each(|src, dst| {
            pairs.clear();
            pairs.extend(src.iter().copied().zip(0..));
            pairs.sort_unstable_by(|(x, i), (y, j)| cmp(x, y).then(i.cmp(j)));
            write(&pairs, dst);
        });
    Ok(out)
}

fn sort_lanes<T: NdElement + Default>(
    op: &'static str,
    a: &ArrayRefD<T>,
    axis: usize,
    descending: bool,
) -> Result<ArrayD<T>> {
    sort_into(op, a, axis, descending, |sorted, mut dst| {
        for (d, &(v, _)) in dst.iter_mut().zip(sorted) {
            *d = v;
        }
    })
}

fn argsort_lanes<T: NdElement>(
    op: &'static str,
    a: &ArrayRefD<T>,
    axis: usize,
    descending: bool,
) -> Result<ArrayD<i64>> {
    sort_into(op, a, axis, descending, |sorted, mut dst| {
        for (d, &(_, i)) in dst.iter_mut().zip(sorted) {
            // A lane of an existing array is shorter than isize::MAX.
            *d = i as i64;
        }
    })
}

pub(crate) fn sort(x: &Tensor, axis: usize, descending: bool) -> Result<Tensor> {
    const OP: &str = "sort";
    let out: NdArray =
        on_array!(OP, input_array(OP, x)?; any |a: T| sort_lanes(OP, a, axis, descending)?.into());
    Ok(out.into_tensor())
}

pub(crate) fn argsort(x: &Tensor, axis: usize, descending: bool) -> Result<Tensor> {
    const OP: &str = "argsort";
    let out: NdArray = on_array!(OP, input_array(OP, x)?; any |a: T| argsort_lanes(OP, a, axis, descending)?.into());
    Ok(out.into_tensor())
}
