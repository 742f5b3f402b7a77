//! Results allocated fallibly.
//!
//! Every buffer whose size follows from the caller's input (a result above all, but also a
//! copy or scratch space sized by one) is allocated here, through the core's
//! [`tensorswitch::alloc`] helpers: a size that overflows, or that cannot be addressed, is an
//! [`Error::InvalidShape`](tensorswitch::Error), and memory the system refuses is an
//! [`Error::OutOfMemory`](tensorswitch::Error). ndarray's own constructors (`Array::zeros`,
//! `mapv`, `to_owned`, `map_collect`, arithmetic on arrays, ...) abort the process when an
//! allocation fails, so the op modules build results with these helpers and then fill them in
//! place.
//!
//! Each helper allocates once, with the exact capacity, and writes every element once, so a
//! small op costs what `mapv` or `collect` cost before.

use crate::KIT;
use ndarray::{ArrayD, ArrayRefD, IxDyn, Zip};
use tensorswitch::alloc::{check_result, try_vec, try_with_capacity};
use tensorswitch::{Element, Result};

/// An empty vector with room for a result of `shape`: the shape is checked first (an element
/// count or byte size that overflows is [`Error::InvalidShape`](tensorswitch::Error)).
pub(crate) fn buffer<T: Element>(op: &'static str, shape: &[usize]) -> Result<Vec<T>> {
    let n = check_result(op, shape, T::DTYPE)?;
    try_with_capacity(op, n)
}

/// A row-major array of `shape` over `v` (no copy); `v` must hold exactly its elements.
///
/// ndarray refuses a shape whose non-zero sizes multiply past `isize::MAX` even when another
/// size is 0; the core refuses such results before dispatch (`alloc::check_result` bounds the
/// product of the non-zero sizes), so any error here is an internal one. The two conditions
/// are checked here, then the array is built without ndarray's general stride validation
/// (which costs more than the rest of a small op).
#[allow(unsafe_code)]
pub(crate) fn shaped<T>(op: &'static str, shape: &[usize], v: Vec<T>) -> Result<ArrayD<T>> {
    if let [n] = *shape {
        if n == v.len() {
            // A vector of exactly `v`'s elements: ndarray's own safe constructor, which needs
            // no check (a `Vec` never holds more than `isize::MAX` bytes).
            return Ok(ndarray::Array::from_vec(v).into_dyn());
        }
    }
    let mut nonzero = 1usize;
    let mut count = 1usize;
    for &d in shape {
        count = count.saturating_mul(d);
        if d != 0 {
            nonzero = nonzero.saturating_mul(d);
        }
    }
    let bytes = nonzero.saturating_mul(std::mem::size_of::<T>().max(1));
    if count != v.len() || bytes > isize::MAX as usize {
        return Err(KIT.error(
            op,
            format!("internal error: {} elements for shape {shape:?}", v.len()),
        ));
    }
    // SAFETY: `row_major` needs `v` to hold exactly the shape's element count and the
    // shape's non-zero sizes to multiply to at most `isize::MAX` (so the strides and the
    // offset computations cannot overflow); both are checked just above (the second in bytes,
    // which is stricter).
    Ok(unsafe { row_major(shape, v) })
}

/// The elements of `a` as one slice when they lie in row-major order without gaps, as
/// ndarray's `as_slice`, which is the fallback; a vector is recognised from its one stride
/// without ndarray's general layout walk over the dimension and the strides (a third of a
/// small `take`'s backend work beyond its loop).
#[inline]
pub(crate) fn flat<T>(a: &ArrayRefD<T>) -> Option<&[T]> {
    // Any layout but a stride-1 vector, including a vector of at most one element with
    // another stride, goes through ndarray.
    vector(a).or_else(|| a.as_slice())
}

/// The elements of a one-dimensional `a` whose stride is 1, as a slice; `None` for any other
/// array.
#[inline]
#[allow(unsafe_code)]
pub(crate) fn vector<T>(a: &ArrayRefD<T>) -> Option<&[T]> {
    if let ([n], [1]) = (a.shape(), a.strides()) {
        // SAFETY: a one-dimensional array whose stride is 1 element holds its `n` elements
        // one after the other from `as_ptr()`, which points at the first of them; ndarray
        // keeps that pointer non-null and aligned even for an empty array. The slice borrows
        // `a`, so the elements outlive it and nobody writes them while it lives (`&` access).
        return Some(unsafe { std::slice::from_raw_parts(a.as_ptr(), *n) });
    }
    None
}

/// A tensor of `shape` over the row-major elements `v` (no copy): [`shaped`] wrapped in one
/// step, without the intermediate [`NdArray`](crate::NdArray) value a separate `into` and
/// `into_tensor_shaped` move through (the small gather results of `take` and slicing).
#[inline]
pub(crate) fn tensor_of<T: crate::NdElement>(
    op: &'static str,
    shape: &[usize],
    v: Vec<T>,
) -> Result<tensorswitch::Tensor> {
    let a = shaped(op, shape, v)?;
    Ok(KIT.wrap(T::DTYPE, shape, tensorswitch::Device::Cpu, T::into_nd(a)))
}

/// A vector over `v` (no copy): [`tensor_of`] for a one-dimensional result, whose shape is
/// `v`'s length, so there is nothing to check (the vector results of `take` and slicing).
#[inline]
pub(crate) fn vector_of<T: crate::NdElement>(v: Vec<T>) -> tensorswitch::Tensor {
    let n = v.len();
    let a = ndarray::Array::from_vec(v).into_dyn();
    KIT.wrap(T::DTYPE, &[n], tensorswitch::Device::Cpu, T::into_nd(a))
}

/// A row-major array of `shape` over `v`, built at a fixed rank where the shape has at most
/// four dimensions: ndarray computes a dynamic-rank array's default strides in a general
/// loop that costs more than building the fixed-rank array and converting it (`into_dyn`
/// copies the dimension and the strides into the inline storage); about 70 of a 1-element
/// `add`'s 1,100 instructions.
///
/// # Safety
/// As for `ArrayD::from_shape_vec_unchecked` with default strides: `v.len()` is the product
/// of `shape`, and the product of its non-zero sizes, in bytes, is at most `isize::MAX`.
#[inline]
#[allow(unsafe_code)]
unsafe fn row_major<T>(shape: &[usize], v: Vec<T>) -> ArrayD<T> {
    use ndarray::Array;
    // SAFETY (every arm): the caller's contract, for the same shape at a fixed rank.
    unsafe {
        match *shape {
            [] => Array::from_shape_vec_unchecked((), v).into_dyn(),
            [n] => Array::from_shape_vec_unchecked(n, v).into_dyn(),
            [a, b] => Array::from_shape_vec_unchecked((a, b), v).into_dyn(),
            [a, b, c] => Array::from_shape_vec_unchecked((a, b, c), v).into_dyn(),
            [a, b, c, d] => Array::from_shape_vec_unchecked((a, b, c, d), v).into_dyn(),
            _ => ArrayD::from_shape_vec_unchecked(IxDyn(shape), v),
        }
    }
}

/// A row-major array of `like`'s shape over `v` (no copy); `v` must hold exactly its elements.
/// Cheaper than [`shaped`] on the hot path: the shape needs no check.
#[inline]
#[allow(unsafe_code)]
pub(crate) fn shaped_like<T, U>(
    op: &'static str,
    like: &ArrayRefD<U>,
    v: Vec<T>,
) -> Result<ArrayD<T>> {
    if v.len() != like.len() {
        return Err(KIT.error(
            op,
            format!(
                "internal error: {} elements for shape {:?}",
                v.len(),
                like.shape()
            ),
        ));
    }
    // SAFETY: `row_major` needs `v` to hold exactly the elements of a row-major array of the
    // shape: checked just above, and the shape is that of an existing array, so its element
    // count and byte size are valid. (The checked constructor re-validates strides against
    // the buffer: a third of the cost of a 1-element `add`.)
    Ok(unsafe { row_major(like.shape(), v) })
}

/// A row-major array of `shape` with every element `value`.
pub(crate) fn filled<T: Element>(op: &'static str, shape: &[usize], value: T) -> Result<ArrayD<T>> {
    let n = check_result(op, shape, T::DTYPE)?;
    shaped(op, shape, try_vec(op, n, value)?)
}

/// `f` applied to every element of `a`, as a new row-major array of `a`'s shape (`mapv`,
/// allocated fallibly).
#[inline]
pub(crate) fn map<T: Copy, R: Element>(
    op: &'static str,
    a: &ArrayRefD<T>,
    mut f: impl FnMut(T) -> R,
) -> Result<ArrayD<R>> {
    // `a` exists, so its element count is valid; only the memory can be missing.
    let mut v = try_with_capacity(op, a.len())?;
    match flat(a) {
        Some(s) => v.extend(s.iter().map(|&x| f(x))),
        // One strided axis (`x[1::2]`): walked at a fixed rank, without building lanes.
        None if a.ndim() == 1 => match a.view().into_dimensionality::<ndarray::Ix1>() {
            Ok(one) => v.extend(one.iter().map(|&x| f(x))),
            Err(_) => v.extend(a.iter().map(|&x| f(x))),
        },
        // Rows (lanes along the last axis) in logical row-major order, each walked with its
        // own stride: cheaper than the general element iterator for strided views.
        None if a.ndim() > 0 => {
            for row in a.rows() {
                v.extend(row.iter().map(|&x| f(x)));
            }
        }
        // `iter` visits the elements in logical row-major order, whatever the layout.
        None => v.extend(a.iter().map(|&x| f(x))),
    }
    shaped_like(op, a, v)
}

/// An owned row-major copy of `a` (`to_owned`/`as_standard_layout`, allocated fallibly).
pub(crate) fn copy<T: Element>(op: &'static str, a: &ArrayRefD<T>) -> Result<ArrayD<T>> {
    map(op, a, |x| x)
}

/// `f` applied to the elements of two views of one shape (already broadcast), as a new
/// row-major array. The result is allocated and filled with `R::default()`, then written in
/// place by `Zip`, which walks strided and broadcast views faster than a row-major iterator.
pub(crate) fn zip_views<A: Copy, B: Copy, R: Element + Default>(
    op: &'static str,
    a: &ndarray::ArrayViewD<'_, A>,
    b: &ndarray::ArrayViewD<'_, B>,
    f: impl Fn(A, B) -> R,
) -> Result<ArrayD<R>> {
    let mut out = filled(op, a.shape(), R::default())?;
    Zip::from(&mut out)
        .and(a)
        .and(b)
        .for_each(|o, &x, &y| *o = f(x, y));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{flat, shaped, vector, vector_of};
    use ndarray::{array, s, ArrayD, IxDyn};

    /// `flat` gives exactly the elements in row-major order when they lie without gaps, and
    /// nothing otherwise, like ndarray's `as_slice` (which it falls back to).
    #[test]
    fn flat_borrows_only_gapless_row_major_elements() {
        let v: ArrayD<i32> = array![10, 11, 12, 13, 14, 15].into_dyn();
        assert_eq!(flat(&v), Some(&[10, 11, 12, 13, 14, 15][..]));
        // Every other element: a stride of 2.
        let every_other = v.slice(s![1..;2]).into_dyn();
        assert_eq!(every_other.strides(), &[2]);
        assert_eq!(flat(&every_other), None);
        // Reversed: a stride of -1, elements in descending address order.
        let reversed = v.slice(s![..;-1]).into_dyn();
        assert_eq!(flat(&reversed), None);
        // One element of a strided view: its stride is never followed.
        let one = v.slice(s![3..4;2]).into_dyn();
        assert_eq!(flat(&one), Some(&[13][..]));
        // A contiguous window that does not start at the first element.
        let window = v.slice(s![2..5]).into_dyn();
        assert_eq!(flat(&window), Some(&[12, 13, 14][..]));
        // Empty.
        let none = v.slice(s![4..4]).into_dyn();
        assert_eq!(flat(&none), Some(&[][..]));
        // Two dimensions: ndarray's own test, row-major or not.
        let m: ArrayD<i32> = array![[1, 2, 3], [4, 5, 6]].into_dyn();
        assert_eq!(flat(&m), Some(&[1, 2, 3, 4, 5, 6][..]));
        assert_eq!(flat(&m.t()), None);
    }

    /// `vector` borrows only a one-dimensional array with stride 1: not a strided or reversed
    /// vector, not a one-element view with another stride (which `flat` accepts), and not a
    /// contiguous matrix.
    #[test]
    fn vector_borrows_only_stride_one_vectors() {
        let v: ArrayD<i32> = array![10, 11, 12, 13, 14, 15].into_dyn();
        assert_eq!(vector(&v), Some(&[10, 11, 12, 13, 14, 15][..]));
        let window = v.slice(s![2..5]).into_dyn();
        assert_eq!(vector(&window), Some(&[12, 13, 14][..]));
        // ndarray gives an empty view the stride 0: left to the general paths (`flat` takes
        // it through `as_slice`).
        let none = v.slice(s![4..4]).into_dyn();
        assert_eq!((vector(&none), flat(&none)), (None, Some(&[][..])));
        assert_eq!(vector(&v.slice(s![1..;2]).into_dyn()), None);
        assert_eq!(vector(&v.slice(s![..;-1]).into_dyn()), None);
        let one = v.slice(s![3..4;2]).into_dyn();
        assert_eq!((vector(&one), flat(&one)), (None, Some(&[13][..])));
        let m: ArrayD<i32> = array![[1, 2, 3], [4, 5, 6]].into_dyn();
        assert_eq!(vector(&m), None);
    }

    /// `vector_of` makes a one-dimensional tensor of the vector's length holding its
    /// elements, also when it is empty.
    #[test]
    fn vector_of_makes_a_vector_of_the_elements() {
        let t = vector_of(vec![1.5f32, -2.0, 3.25]);
        assert_eq!(t.shape(), &[3]);
        assert_eq!(t.dtype(), tensorswitch::DType::Float32);
        assert_eq!(t.to_vec::<f32>().unwrap(), vec![1.5, -2.0, 3.25]);
        let e = vector_of(Vec::<i64>::new());
        assert_eq!(
            (e.shape(), e.dtype()),
            (&[0][..], tensorswitch::DType::Int64)
        );
    }

    /// A vector built by `shaped`'s fast path and one built by its general path hold the same
    /// shape and elements; a length that does not match the shape is an error, not an array.
    #[test]
    fn shaped_vectors_match_the_shape_or_fail() {
        let a = shaped("t", &[3], vec![1u8, 2, 3]).unwrap();
        assert_eq!(a.shape(), &[3]);
        assert_eq!(
            a,
            ArrayD::from_shape_vec(IxDyn(&[3]), vec![1u8, 2, 3]).unwrap()
        );
        assert!(shaped("t", &[4], vec![1u8, 2, 3]).is_err());
        assert!(shaped("t", &[2], vec![1u8, 2, 3]).is_err());
        let m = shaped("t", &[1, 3], vec![1u8, 2, 3]).unwrap();
        assert_eq!(m.shape(), &[1, 3]);
    }
}
