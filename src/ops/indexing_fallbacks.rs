//! The compositional fallbacks of the indexing and searching ops (`take_along_axis`,
//! `strided_slice`, `argwhere`, `searchsorted`, `put`, `put_add`), written with other public
//! ops like those of [`super::fallbacks`].

use super::fallbacks::Fallbacks;
use super::manip::reshape_usize;
use super::*;
use crate::call::SliceSpec;
use crate::catalogue::AxisSlice;
use crate::dtype::DType;
use crate::error::Result;
use crate::state;
use crate::tensor::Tensor;

/// `start, start + step, …` (`len` values), int64, on `like`'s device.
fn index_run(like: &Tensor, start: usize, len: usize, step: isize) -> Result<Tensor> {
    let stop = start as f64 + len as f64 * step as f64;
    state::with_device(like.device(), || {
        arange(start as f64, stop, step as f64, DType::Int64)
    })
}

impl Fallbacks {
    /// The flat position of every element taken (the indices along `axis`, index grids along
    /// the other dimensions, weighted by the strides of `x`), then one `take` from the
    /// flattened `x`.
    pub(crate) fn take_along_axis(x: &Tensor, indices: &Tensor, axis: usize) -> Result<Tensor> {
        let nd = x.ndim();
        let shape = indices.shape().to_vec();
        let mut stride = 1usize;
        let mut flat: Option<Tensor> = None;
        for k in (0..nd).rev() {
            let coord = if k == axis {
                indices.clone()
            } else {
                let mut s = vec![1usize; nd];
                s[k] = shape[k];
                reshape_usize(&index_run(x, 0, shape[k], 1)?, &s)?
            };
            let term = if stride == 1 {
                coord
            } else {
                let s = state::with_device(x.device(), || full(&[], stride as i64, DType::Int64))?;
                multiply(&coord, &s)?
            };
            flat = Some(match flat {
                None => term,
                Some(f) => add(&f, &term)?,
            });
            stride = stride.saturating_mul(x.shape()[k]);
        }
        let Some(flat) = flat else {
            return Ok(x.clone());
        };
        let n: usize = shape.iter().product();
        let flat = reshape_usize(&broadcast_to(&flat, &shape)?, &[n])?;
        let taken = take(&reshape_usize(x, &[x.size()])?, &flat, 0)?;
        reshape_usize(&taken, &shape)
    }

    /// One `take` per dimension that is not kept whole, with the indices the slice keeps.
    pub(crate) fn strided_slice(x: &Tensor, slices: &[AxisSlice]) -> Result<Tensor> {
        let mut out = x.clone();
        for (axis, s) in slices.iter().enumerate() {
            if *s == AxisSlice::full(x.shape()[axis]) {
                continue;
            }
            let idx = index_run(x, s.start, s.len, s.step)?;
            out = take(&out, &idx, axis as isize)?;
        }
        Ok(out)
    }

    /// The flat positions of the non-zero elements (a stable `argsort` puts them first, in
    /// order; their count is read back), turned into coordinates by taking from one index grid
    /// per dimension.
    pub(crate) fn argwhere(x: &Tensor) -> Result<Tensor> {
        let n = x.size();
        let mask = reshape_usize(&astype(x, DType::Bool)?, &[n])?;
        let count = sum(&mask, None)?.to_vec::<i64>()?;
        let count = usize::try_from(count.first().copied().unwrap_or(0)).unwrap_or(0);
        let zero_first = astype(&logical_not(&mask)?, DType::Int8)?;
        let order = argsort(&zero_first, 0)?;
        let positions = strided_slice(&order, [SliceSpec::new(Some(0), Some(count as i64), 1)])?;
        let nd = x.ndim();
        let mut columns = Vec::with_capacity(nd);
        for d in 0..nd {
            let size = x.shape()[d];
            let mut shape = vec![1usize; nd];
            shape[d] = size;
            let grid = reshape_usize(&index_run(x, 0, size, 1)?, &shape)?;
            let grid = reshape_usize(&broadcast_to(&grid, x.shape())?, &[n])?;
            columns.push(take(&grid, &positions, 0)?);
        }
        stack(&columns, 1)
    }

    /// The number of elements of `x1` below each value of `x2` (`right`: at most it), by
    /// comparing every pair and summing.
    pub(crate) fn searchsorted(x1: &Tensor, x2: &Tensor, right: bool) -> Result<Tensor> {
        let column = expand_dims(x2, -1)?;
        let below = if right {
            less_equal(x1, &column)?
        } else {
            less(x1, &column)?
        };
        sum(&below, -1)
    }

    /// Compares every index with every position: a position takes the value of the first
    /// index that names it.
    pub(crate) fn put(x: &Tensor, indices: &Tensor, values: &Tensor) -> Result<Tensor> {
        if indices.size() == 0 {
            return Ok(x.clone());
        }
        let hits = hit_matrix(x, indices)?;
        let named = any(&hits, 1)?;
        let first = argmax(&astype(&hits, DType::Int8)?, 1)?;
        where_(&named, &take(values, &first, 0)?, x)
    }

    /// Compares every index with every position and adds the values of those that name it.
    pub(crate) fn put_add(x: &Tensor, indices: &Tensor, values: &Tensor) -> Result<Tensor> {
        if indices.size() == 0 {
            return Ok(x.clone());
        }
        let hits = hit_matrix(x, indices)?;
        let zero = full(&[], 0, x.dtype())?;
        let row = expand_dims(values, 0)?;
        let added = astype(&sum(&where_(&hits, &row, &zero)?, 1)?, x.dtype())?;
        add(x, &added)
    }
}

/// `hits[p, j]`: whether index `j` names position `p` of the 1-D `x`.
fn hit_matrix(x: &Tensor, indices: &Tensor) -> Result<Tensor> {
    let positions = reshape_usize(&index_run(x, 0, x.size(), 1)?, &[x.size(), 1])?;
    equal(&positions, &expand_dims(indices, 0)?)
}
