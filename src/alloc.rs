//! Sizes that can exist and buffers that may fail to allocate.
//!
//! Two rules keep absurd arguments from killing the process:
//!
//! * **Every result's size is checked before dispatch.** [`check_result`] multiplies the
//!   non-zero dimensions with checked arithmetic and refuses a shape whose bytes (or, for an
//!   empty tensor, whose strides) exceed `isize::MAX`, the most any allocation, Rust's or a
//!   framework's, can address. That also keeps every dimension within `i64`, the frameworks'
//!   size type (libtorch reads a size that wrapped to `-1` as "keep this dimension"). Such a
//!   call is an [`Error::InvalidShape`] on every backend, before any backend code runs.
//! * **Buffers are allocated fallibly.** A size that is representable can still be more than
//!   the machine (or a memory limit) grants. Rust's `vec![..]` and `collect` abort the process
//!   then; [`try_vec`] and [`try_collect`] return [`Error::OutOfMemory`] instead. Backends
//!   written in Rust allocate every result through them; framework backends get the same
//!   error from the framework's own failure.

use crate::dtype::{DType, HostData, Scalar};
use crate::error::{Error, Result};

/// The largest number of bytes one tensor may occupy: what a Rust allocation can address.
pub const MAX_BYTES: usize = isize::MAX as usize;

/// The largest size of one dimension: what fits the frameworks' `i64` sizes.
pub const MAX_DIM: usize = i64::MAX as usize;

/// The element count of `shape`, or an error naming `op` when it overflows `usize`.
pub fn element_count(op: &'static str, shape: &[usize]) -> Result<usize> {
    shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| Error::InvalidShape {
            op,
            reason: format!(
                "the element count of shape {shape:?} overflows usize; no backend can hold it"
            ),
        })
}

/// Checks that a tensor of `shape` and `dtype` can exist on some backend, and returns its
/// element count. The rule: the product of the **non-zero** dimensions, in bytes, is at most
/// [`MAX_BYTES`]. For a tensor with elements that is its size; for an empty one it is what its
/// strides need (a row-major stride is the product of the later dimensions, and every
/// framework computes it even when another dimension is 0: libtorch then fails with "stride
/// calculation overflowed", ndarray refuses the shape). It implies every dimension fits
/// [`MAX_DIM`], so no size wraps when a backend converts it to `i64`.
///
/// This says nothing about whether the memory is free; allocating it may still fail with
/// [`Error::OutOfMemory`].
pub fn check_result(op: &'static str, shape: &[usize], dtype: DType) -> Result<usize> {
    let bytes = shape
        .iter()
        .filter(|&&d| d != 0)
        .try_fold(dtype.size_in_bytes(), |acc, &d| acc.checked_mul(d))
        .filter(|&b| b <= MAX_BYTES);
    if bytes.is_none() {
        let what = if shape.contains(&0) {
            "has no elements, but its non-zero sizes (which its strides multiply) need"
        } else {
            "needs"
        };
        return Err(Error::InvalidShape {
            op,
            reason: format!(
                "a {dtype} tensor of shape {shape:?} {what} more than {MAX_BYTES} bytes, more than any allocation can address"
            ),
        });
    }
    Ok(if shape.contains(&0) {
        0
    } else {
        bytes.unwrap_or(0) / dtype.size_in_bytes()
    })
}

/// The error for an allocation of `count` elements of `T` that did not succeed.
pub fn out_of_memory<T>(op: &'static str, count: usize) -> Error {
    Error::OutOfMemory {
        op,
        bytes: count.saturating_mul(std::mem::size_of::<T>()),
    }
}

/// Buffers up to this many bytes are allocated the ordinary way. When an allocation this small
/// fails the heap is exhausted, and whatever the caller does with an error next (format it,
/// unwind) allocates too: reporting it is not possible, so there is nothing to gain from the
/// fallible path, which costs about 40 instructions more per call (`try_reserve_exact` goes
/// through `RawVec`'s out-of-line grow path) on every small op.
pub const SMALL_BYTES: usize = 4096;

/// An empty vector with room for exactly `n` elements, or [`Error::OutOfMemory`].
#[inline]
pub fn try_with_capacity<T>(op: &'static str, n: usize) -> Result<Vec<T>> {
    if is_small::<T>(n) {
        return Ok(Vec::with_capacity(n));
    }
    try_with_capacity_large(op, n)
}

/// Whether `n` elements of `T` fit in [`SMALL_BYTES`].
#[inline(always)]
fn is_small<T>(n: usize) -> bool {
    n <= SMALL_BYTES / std::mem::size_of::<T>().max(1)
}

#[inline(never)]
fn try_with_capacity_large<T>(op: &'static str, n: usize) -> Result<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(n)
        .map_err(|_| out_of_memory::<T>(op, n))?;
    Ok(v)
}

/// `vec![value; n]` that returns [`Error::OutOfMemory`] instead of aborting.
pub fn try_vec<T: Clone>(op: &'static str, n: usize, value: T) -> Result<Vec<T>> {
    let mut v = try_with_capacity(op, n)?;
    v.resize(n, value);
    Ok(v)
}

/// Collects an iterator of exactly `n` items (more are an internal error) into a vector
/// allocated once, fallibly.
pub fn try_collect<T>(
    op: &'static str,
    n: usize,
    items: impl IntoIterator<Item = T>,
) -> Result<Vec<T>> {
    let mut v = try_with_capacity(op, n)?;
    for item in items {
        if v.len() == n {
            return Err(Error::Backend {
                backend: "core".into(),
                op,
                message: format!(
                    "internal error: an iterator yielded more than the {n} items announced"
                ),
            });
        }
        v.push(item);
    }
    Ok(v)
}

/// Checks that `bytes` can be allocated now, by allocating them fallibly and freeing them at
/// once. For code that must call something which allocates infallibly (a framework's kernel,
/// one of ndarray's own methods): the common failure, a result larger than the memory there
/// is, becomes [`Error::OutOfMemory`] instead of an abort. It cannot promise that the later
/// allocation succeeds (another thread may take the memory in between); callers say so.
pub fn probe(op: &'static str, bytes: usize) -> Result<()> {
    let mut v: Vec<u8> = Vec::new();
    v.try_reserve_exact(bytes)
        .map_err(|_| Error::OutOfMemory { op, bytes })?;
    // Keeps the optimiser from removing the unused allocation, and with it the check.
    std::hint::black_box(&v);
    Ok(())
}

// HostData's constructors of computed data live here, with the allocation they need, so the
// dtypes at the ground import nothing.
impl HostData {
    /// `n` copies of `value` converted to `dtype` (Rust `as` rules; bool: non-zero is true).
    /// Errors: [`Error::InvalidDType`] for dtypes without a Rust element type (float16,
    /// bfloat16), [`Error::OutOfMemory`] when the `n` elements cannot be allocated; both name
    /// `op`.
    pub fn filled(op: &'static str, dtype: DType, value: Scalar, n: usize) -> Result<HostData> {
        Self::from_fn(op, dtype, n, |_| value)
    }

    /// `start + i * step` for `i` in `0..n`, converted to `dtype` as [`HostData::filled`] does,
    /// with its errors.
    pub fn range(
        op: &'static str,
        dtype: DType,
        start: f64,
        step: f64,
        n: usize,
    ) -> Result<HostData> {
        Self::from_fn(op, dtype, n, |i| Scalar::Float(start + i as f64 * step))
    }

    fn from_fn(
        op: &'static str,
        dtype: DType,
        n: usize,
        f: impl Fn(usize) -> Scalar,
    ) -> Result<HostData> {
        macro_rules! build {
            ($v:ident, $t:ty) => {
                HostData::$v(try_collect(op, n, (0..n).map(|i| f(i).cast::<$t>()))?)
            };
        }
        Ok(match dtype {
            DType::Bool => {
                HostData::Bool(try_collect(op, n, (0..n).map(|i| f(i).as_f64() != 0.0))?)
            }
            DType::Int8 => build!(Int8, i8),
            DType::Int16 => build!(Int16, i16),
            DType::Int32 => build!(Int32, i32),
            DType::Int64 => build!(Int64, i64),
            DType::UInt8 => build!(UInt8, u8),
            DType::UInt16 => build!(UInt16, u16),
            DType::UInt32 => build!(UInt32, u32),
            DType::UInt64 => build!(UInt64, u64),
            DType::Float32 => build!(Float32, f32),
            DType::Float64 => build!(Float64, f64),
            DType::Float16 | DType::BFloat16 => {
                return Err(Error::InvalidDType {
                    op,
                    dtype,
                    expected: "a dtype with a Rust element type (float16 and bfloat16 have none)",
                })
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_result_refuses_what_cannot_be_addressed() {
        // 2^62 * 2^62 overflows usize: an error, not a panic, in debug and release builds.
        let e = check_result("zeros", &[1 << 62, 1 << 62], DType::Int32).unwrap_err();
        assert!(matches!(e, Error::InvalidShape { op: "zeros", .. }), "{e}");
        // 2^62 elements of int64: the count fits usize, the bytes do not.
        let e = check_result("zeros", &[1 << 61, 2], DType::Int64).unwrap_err();
        assert!(e.to_string().contains("needs more than"), "{e}");
        // Empty, but a stride would need usize::MAX elements (and the size wraps to -1 in i64).
        let e = check_result("full", &[usize::MAX, 0], DType::Int32).unwrap_err();
        assert!(e.to_string().contains("has no elements"), "{e}");
        let e = check_result("ones", &[3, 0, i64::MAX as usize, 2], DType::UInt8).unwrap_err();
        assert!(matches!(e, Error::InvalidShape { .. }), "{e}");
        // Empty with representable strides is fine, whatever the sizes.
        assert_eq!(check_result("eye", &[1 << 36, 0], DType::Bool).unwrap(), 0);
        assert_eq!(check_result("x", &[0, MAX_BYTES], DType::Bool).unwrap(), 0);
        assert!(check_result("x", &[0, MAX_BYTES / 2 + 1], DType::Int16).is_err());
        // The boundary: exactly MAX_BYTES bytes of bool is allowed, one more is not.
        assert_eq!(
            check_result("x", &[MAX_BYTES], DType::Bool).unwrap(),
            MAX_BYTES
        );
        assert!(check_result("x", &[MAX_BYTES + 1], DType::Bool).is_err());
        assert!(check_result("x", &[MAX_BYTES / 2 + 1], DType::Int16).is_err());
        assert_eq!(
            check_result("x", &[MAX_BYTES / 2], DType::Int16).unwrap(),
            MAX_BYTES / 2
        );
        assert_eq!(check_result("x", &[3, 5], DType::Float64).unwrap(), 15);
        assert_eq!(check_result("x", &[2, 3, 0], DType::Float64).unwrap(), 0);
        assert_eq!(check_result("x", &[], DType::Float64).unwrap(), 1);
    }

    #[test]
    fn small_means_at_most_small_bytes() {
        assert!(is_small::<u8>(4096) && !is_small::<u8>(4097));
        assert!(is_small::<f32>(1024) && !is_small::<f32>(1025));
        assert!(is_small::<f64>(512) && !is_small::<f64>(513));
        assert!(is_small::<[u8; 4096]>(1) && !is_small::<[u8; 4096]>(2));
        assert!(is_small::<()>(4096) && !is_small::<()>(4097));
    }

    #[test]
    fn fallible_allocation_reports_the_bytes_asked_for() {
        // 2^60 f32 is 4 EiB: representable as a byte count, refused by every allocator.
        let e = try_vec("zeros", 1usize << 60, 0f32).unwrap_err();
        assert_eq!(
            e,
            Error::OutOfMemory {
                op: "zeros",
                bytes: 1usize << 62
            }
        );
        assert_eq!(try_vec("x", 3, 7u8).unwrap(), vec![7, 7, 7]);
        let v = try_collect("x", 4, (0..4).map(|i| i * 2)).unwrap();
        assert_eq!((v.len(), v.capacity()), (4, 4));
        assert_eq!(v, vec![0, 2, 4, 6]);
        assert!(try_collect("x", 2, 0..3).is_err());
        assert_eq!(probe("tril", 1 << 20), Ok(()));
        assert_eq!(
            probe("tril", 1 << 62),
            Err(Error::OutOfMemory {
                op: "tril",
                bytes: 1 << 62
            })
        );
    }

    #[test]
    fn host_fills_and_ranges_follow_as_rules() {
        use DType::*;
        let f = HostData::filled("full", Int32, Scalar::Float(-2.7), 3).unwrap();
        assert_eq!(f, HostData::Int32(vec![-2, -2, -2]));
        let b = HostData::filled("full", Bool, Scalar::Int(0), 2).unwrap();
        assert_eq!(b, HostData::Bool(vec![false, false]));
        let b = HostData::filled("full", Bool, Scalar::Float(0.5), 2).unwrap();
        assert_eq!(b, HostData::Bool(vec![true, true]));
        // start + i * step, converted: 1, 3, 5, 7 and 0.5, 0.25, 0, -0.25
        let r = HostData::range("arange", Int64, 1.0, 2.0, 4).unwrap();
        assert_eq!(r, HostData::Int64(vec![1, 3, 5, 7]));
        let r = HostData::range("arange", Float64, 0.5, -0.25, 4).unwrap();
        assert_eq!(r, HostData::Float64(vec![0.5, 0.25, 0.0, -0.25]));
        let r = HostData::range("arange", Bool, -1.0, 1.0, 3).unwrap();
        assert_eq!(r, HostData::Bool(vec![true, false, true]));
        let e = HostData::filled("full", Float16, Scalar::Int(1), 1).unwrap_err();
        assert!(matches!(e, Error::InvalidDType { op: "full", .. }), "{e}");
        let e = HostData::range("arange", UInt8, 0.0, 1.0, 1 << 62).unwrap_err();
        assert!(matches!(e, Error::OutOfMemory { op: "arange", .. }), "{e}");
    }
}
