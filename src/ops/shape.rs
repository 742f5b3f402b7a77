//! Shape and axis rules shared by the ops.

use crate::error::{Error, Result};
use crate::tensor::Shape;

/// The shape two shapes broadcast to, by the standard's rules (align at the right; each pair
/// of sizes must be equal or contain a 1).
pub fn broadcast_shapes(op: &'static str, a: &[usize], b: &[usize]) -> Result<Shape> {
    let n = a.len().max(b.len());
    let mut out: Shape = Shape::with_capacity(n);
    for i in 0..n {
        let x = if i + a.len() >= n {
            a[i + a.len() - n]
        } else {
            1
        };
        let y = if i + b.len() >= n {
            b[i + b.len() - n]
        } else {
            1
        };
        let d = match (x, y) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => {
                return Err(Error::ShapeMismatch {
                    op,
                    lhs: a.to_vec(),
                    rhs: b.to_vec(),
                    reason: format!(
                        "they do not broadcast: sizes {x} and {y} at dimension {i} of the result differ and neither is 1"
                    ),
                })
            }
        };
        out.push(d);
    }
    Ok(out)
}

/// An axis in `-ndim..ndim` as a non-negative index.
#[inline]
pub(crate) fn norm_axis(op: &'static str, axis: isize, ndim: usize) -> Result<usize> {
    // A negative axis counts from the end (no overflow: `ndim` fits in isize); one still
    // negative after that wraps to a huge usize, so a single comparison bounds both sides.
    let a = if axis < 0 { axis + ndim as isize } else { axis } as usize;
    if a < ndim {
        Ok(a)
    } else {
        Err(axis_out_of_range(op, axis, ndim))
    }
}

#[cold]
fn axis_out_of_range(op: &'static str, axis: isize, ndim: usize) -> Error {
    Error::AxisOutOfRange { op, axis, ndim }
}

/// An insertion position in `-(ndim+1)..=ndim` (for `expand_dims`, `stack`).
pub(crate) fn norm_axis_for_insert(op: &'static str, axis: isize, ndim: usize) -> Result<usize> {
    norm_axis(op, axis, ndim + 1).map_err(|_| Error::AxisOutOfRange {
        op,
        axis,
        ndim: ndim + 1,
    })
}

/// Axes as sorted unique non-negative indices; `None` means every axis. A repeated axis is an
/// error.
pub(crate) fn norm_axes(op: &'static str, axes: Option<&[isize]>, ndim: usize) -> Result<Shape> {
    let Some(axes) = axes else {
        return Ok((0..ndim).collect());
    };
    let mut out: Shape = Shape::with_capacity(axes.len());
    for &a in axes {
        out.push(norm_axis(op, a, ndim)?);
    }
    out.sort_unstable();
    if let Some(w) = out.windows(2).find(|w| w[0] == w[1]) {
        return Err(Error::InvalidArgument {
            op,
            reason: format!("axis {} is given twice in {axes:?}", w[0]),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting_aligns_at_the_right() {
        assert_eq!(
            broadcast_shapes("t", &[2, 1, 3], &[4, 1])
                .unwrap()
                .as_slice(),
            &[2, 4, 3]
        );
        assert_eq!(broadcast_shapes("t", &[], &[5]).unwrap().as_slice(), &[5]);
        assert_eq!(
            broadcast_shapes("t", &[0, 1], &[1, 7]).unwrap().as_slice(),
            &[0, 7]
        );
        assert!(matches!(
            broadcast_shapes("t", &[2, 3], &[3, 2]),
            Err(Error::ShapeMismatch { .. })
        ));
    }

    #[test]
    fn axes_are_normalised() {
        assert_eq!(norm_axis("t", -1, 3).unwrap(), 2);
        assert_eq!(norm_axis("t", -3, 3).unwrap(), 0);
        assert_eq!(
            norm_axis("t", 3, 3),
            Err(Error::AxisOutOfRange {
                op: "t",
                axis: 3,
                ndim: 3
            })
        );
        assert!(norm_axis("t", -4, 3).is_err());
        assert_eq!(
            norm_axes("t", Some(&[-1, 0]), 3).unwrap().as_slice(),
            &[0, 2]
        );
        assert!(matches!(
            norm_axes("t", Some(&[1, -2]), 3),
            Err(Error::InvalidArgument { .. })
        ));
        assert_eq!(norm_axis_for_insert("t", -1, 2).unwrap(), 2);
        assert_eq!(norm_axis_for_insert("t", 2, 2).unwrap(), 2);
        assert!(norm_axis_for_insert("t", 3, 2).is_err());
    }
}
