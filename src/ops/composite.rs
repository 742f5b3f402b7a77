//! Functions of the standard that return several tensors: `broadcast_arrays`, `meshgrid` and
//! `unstack` (issue 12).
//!
//! They are not catalogue ops (an op returns one tensor): each is composed from dispatching
//! ops — `broadcast_to`, `reshape`, `repeat`, `squeeze` — so every backend runs them with its
//! primaries where it has them, and a backend gains them by implementing those. The inputs'
//! backend is resolved once and pinned for the whole composite, as for a fallback.

use super::manip::{repeat_by, reshape_usize};
use super::shape::{broadcast_shapes, norm_axis};
use crate::catalogue::Op;
use crate::error::{Error, Result};
use crate::state::{self, TableGuard};
use crate::tensor::{Shape, Tensor};

/// Broadcasts every tensor to the shape they broadcast to together (the standard's rules).
///
/// A composite, not a catalogue op: the common shape comes from [`broadcast_shapes`] and each
/// result from the dispatching [`broadcast_to`](crate::broadcast_to) (a tensor already of that
/// shape is returned as it is). No tensors give an empty list. The tensors must share a
/// backend and a device; shapes that do not broadcast are [`Error::ShapeMismatch`].
pub fn broadcast_arrays(tensors: &[Tensor]) -> Result<Vec<Tensor>> {
    const OP: &str = "broadcast_arrays";
    let _section = crate::tensor::live::enter();
    let Some(first) = tensors.first() else {
        return Ok(Vec::new());
    };
    let refs: Vec<&Tensor> = tensors.iter().collect();
    let _guard = TableGuard::new(state::resolve(OP, &refs)?);
    let mut shape: Shape = Shape::from_slice(first.shape());
    for t in &tensors[1..] {
        shape = broadcast_shapes(OP, &shape, t.shape())?;
    }
    tensors
        .iter()
        .map(|t| super::broadcast_to(t, &shape))
        .collect()
}

/// How [`meshgrid`] orders the dimensions of its results.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MeshgridIndexing {
    /// Cartesian (`"xy"`, the standard's default): with two or more inputs, the first two
    /// dimensions of the results are swapped, so the first input varies along columns.
    #[default]
    Xy,
    /// Matrix (`"ij"`): dimension `i` of the results follows input `i`.
    Ij,
}

impl MeshgridIndexing {
    /// `"xy"` or `"ij"`.
    pub fn from_name(name: &str) -> Result<MeshgridIndexing> {
        match name {
            "xy" => Ok(MeshgridIndexing::Xy),
            "ij" => Ok(MeshgridIndexing::Ij),
            other => Err(Error::InvalidArgument {
                op: "meshgrid",
                reason: format!("indexing must be \"xy\" or \"ij\", got {other:?}"),
            }),
        }
    }
}

/// Coordinate grids from 1-D tensors: result `i` holds input `i` repeated over every other
/// dimension, all results of shape `(n0, n1, …)` for `MeshgridIndexing::Ij`, with the first
/// two sizes swapped for `MeshgridIndexing::Xy` (the standard's default) when there are two or
/// more inputs.
///
/// A composite, not a catalogue op: each result is the dispatching
/// [`reshape`](crate::reshape) of its input to size 1 on every dimension but its own, then
/// [`broadcast_to`](crate::broadcast_to) the grid's shape. Each result keeps its input's
/// dtype (as NumPy; the standard expects one dtype for all). No tensors give an empty list;
/// inputs that are not 1-D are [`Error::InvalidShape`]. The tensors must share a backend and a
/// device.
pub fn meshgrid(tensors: &[Tensor], indexing: MeshgridIndexing) -> Result<Vec<Tensor>> {
    const OP: &str = "meshgrid";
    let _section = crate::tensor::live::enter();
    if tensors.is_empty() {
        return Ok(Vec::new());
    }
    let refs: Vec<&Tensor> = tensors.iter().collect();
    let _guard = TableGuard::new(state::resolve(OP, &refs)?);
    if let Some((i, t)) = tensors.iter().enumerate().find(|(_, t)| t.ndim() != 1) {
        return Err(Error::InvalidShape {
            op: OP,
            reason: format!(
                "takes 1-D tensors; input {i} has shape {:?} (reshape it to 1-D first)",
                t.shape()
            ),
        });
    }
    let k = tensors.len();
    // The dimension of the grid that input `i` runs along.
    let dim = |i: usize| match (indexing, k >= 2, i) {
        (MeshgridIndexing::Xy, true, 0) => 1,
        (MeshgridIndexing::Xy, true, 1) => 0,
        _ => i,
    };
    let mut grid: Shape = std::iter::repeat(0).take(k).collect();
    for (i, t) in tensors.iter().enumerate() {
        grid[dim(i)] = t.size();
    }
    tensors
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mut shape: Shape = std::iter::repeat(1).take(k).collect();
            shape[dim(i)] = t.size();
            super::broadcast_to(&reshape_usize(t, &shape)?, &grid)
        })
        .collect()
}

/// The tensors along `axis` of `x`, in order, each without that dimension (`x.shape[axis]`
/// tensors of `x`'s other dimensions).
///
/// A composite, not a catalogue op (the catalogue has no slicing yet): element `i` is the
/// dispatching [`repeat`](crate::repeat) of `x` along `axis` with count 1 for `i` and 0 for the
/// others — an exact copy of that slice on every backend — then
/// [`squeeze`](crate::squeeze) of the axis. It costs one pass over the axis's counts per
/// result. A 0-D `x`, or an axis out of range, is [`Error::AxisOutOfRange`].
pub fn unstack(x: &Tensor, axis: isize) -> Result<Vec<Tensor>> {
    const OP: &str = "unstack";
    let _section = crate::tensor::live::enter();
    let table = state::resolve(OP, &[x])?;
    let _guard = TableGuard::new(table);
    let axis = norm_axis(OP, axis, x.ndim())?;
    let n = x.shape()[axis];
    let mut counts = vec![0usize; n];
    (0..n)
        .map(|i| {
            counts.fill(0);
            counts[i] = 1;
            let one = if n == 1 {
                x.clone()
            } else {
                repeat_by(table, Op::repeat, |s| s.repeat, x, &counts, axis)?
            };
            super::squeeze(&one, axis as isize)
        })
        .collect()
}

impl Tensor {
    /// [`unstack`] with `self` as the tensor.
    pub fn unstack(&self, axis: isize) -> Result<Vec<Tensor>> {
        unstack(self, axis)
    }
}
