//! The standard's set functions: `unique_values`, `unique_counts`, `unique_inverse`,
//! `unique_all`, composed of catalogue ops (so each runs on the backend's primaries where it
//! has them).
//!
//! The tensor is flattened and sorted with a stable `argsort` (NaN last); an element starts a
//! new value where it differs from the one before (`not_equal`), so every NaN is a value of its
//! own, as the standard (2023.12) and NumPy 2 (`equal_nan=False`) have it. Values come out
//! sorted ascending; `-0.0` and `0.0` are one value, represented by whichever the sort puts
//! first. The results have data-dependent shapes: the number of values is read back once (a
//! synchronisation on a device).

use crate::call::SliceSpec;
use crate::dtype::{DType, HostData};
use crate::error::Result;
use crate::ops::{
    argsort, astype, concat, cumulative_sum, put, reshape, strided_slice, subtract, take,
};
use crate::state;
use crate::tensor::Tensor;

/// What [`unique_counts`] returns.
#[derive(Clone, Debug)]
pub struct UniqueCounts {
    /// The distinct values, sorted (1-D, the input's dtype).
    pub values: Tensor,
    /// How many times each value occurs (int64, like `values`).
    pub counts: Tensor,
}

/// What [`unique_inverse`] returns.
#[derive(Clone, Debug)]
pub struct UniqueInverse {
    /// The distinct values, sorted (1-D, the input's dtype).
    pub values: Tensor,
    /// For each element of the input, the position of its value in `values` (int64, the
    /// input's shape): `take(values, inverse_indices.flatten())` rebuilds the input.
    pub inverse_indices: Tensor,
}

/// What [`unique_all`] returns.
#[derive(Clone, Debug)]
pub struct UniqueAll {
    /// The distinct values, sorted (1-D, the input's dtype).
    pub values: Tensor,
    /// The flat index of each value's first occurrence in the input (int64).
    pub indices: Tensor,
    /// For each element of the input, the position of its value in `values` (int64, the
    /// input's shape).
    pub inverse_indices: Tensor,
    /// How many times each value occurs (int64).
    pub counts: Tensor,
}

/// The pieces every set function is built from.
struct Groups {
    /// The flattened input, sorted.
    sorted: Tensor,
    /// The stable sorting permutation: `sorted = take(flat, order)`.
    order: Tensor,
    /// Whether each sorted element starts a value (bool).
    starts: Tensor,
    /// The positions in `sorted` where values start (int64).
    first: Tensor,
}

fn one_slice(start: Option<i64>, stop: Option<i64>) -> [SliceSpec; 1] {
    [SliceSpec::new(start, stop, 1)]
}

/// A 1-D int64 or bool tensor of `values` on `x`'s backend and device.
fn host_on(x: &Tensor, values: HostData) -> Result<Tensor> {
    let table = state::resolve("unique", &[x])?;
    let n = values.len();
    crate::ops::creation::from_host_on(table, values, &[n], x.device())
}

fn groups(x: &Tensor) -> Result<Groups> {
    let n = x.size();
    let flat = reshape(x, [n as i64])?;
    let order = argsort(&flat, 0)?;
    let sorted = take(&flat, &order, 0)?;
    let starts = if n == 0 {
        host_on(x, HostData::Bool(Vec::new()))?
    } else {
        let later = strided_slice(&sorted, one_slice(Some(1), None))?;
        let earlier = strided_slice(&sorted, one_slice(None, Some(-1)))?;
        let differs = crate::ops::not_equal(&later, &earlier)?;
        concat(&[host_on(x, HostData::Bool(vec![true]))?, differs], 0)?
    };
    let first = crate::ops::argwhere(&starts)?;
    let k = first.shape()[0] as i64;
    let first = reshape(&first, [k])?;
    Ok(Groups {
        sorted,
        order,
        starts,
        first,
    })
}

impl Groups {
    fn values(&self) -> Result<Tensor> {
        take(&self.sorted, &self.first, 0)
    }

    /// The distance from each start to the next (the last to the end).
    fn counts(&self, x: &Tensor) -> Result<Tensor> {
        if self.first.size() == 0 {
            return Ok(self.first.clone());
        }
        let n = i64::try_from(x.size()).unwrap_or(i64::MAX);
        let next = concat(
            &[
                strided_slice(&self.first, one_slice(Some(1), None))?,
                host_on(x, HostData::Int64(vec![n]))?,
            ],
            0,
        )?;
        subtract(&next, &self.first)
    }

    /// The stable sort puts each value's first occurrence first among its equals.
    fn indices(&self) -> Result<Tensor> {
        take(&self.order, &self.first, 0)
    }

    /// The value number of each sorted element (a running count of starts, minus one),
    /// scattered back to the element's place in the input.
    fn inverse(&self, x: &Tensor) -> Result<Tensor> {
        let n = x.size();
        let numbers = cumulative_sum(&astype(&self.starts, DType::Int64)?, 0)?;
        let one = host_on(x, HostData::Int64(vec![1]))?;
        let numbers = subtract(&numbers, &one)?;
        let zeros = host_on(x, HostData::Int64(vec![0; n]))?;
        reshape(&put(&zeros, &self.order, &numbers)?, x.shape())
    }
}

/// The distinct values of `x` (flattened), sorted ascending; each NaN is distinct.
pub fn unique_values(x: &Tensor) -> Result<Tensor> {
    let _section = crate::tensor::live::enter();
    groups(x)?.values()
}

/// The distinct values of `x` (flattened), sorted, and how often each occurs.
pub fn unique_counts(x: &Tensor) -> Result<UniqueCounts> {
    let _section = crate::tensor::live::enter();
    let g = groups(x)?;
    Ok(UniqueCounts {
        values: g.values()?,
        counts: g.counts(x)?,
    })
}

/// The distinct values of `x` (flattened), sorted, and for each element of `x` the position
/// of its value among them.
pub fn unique_inverse(x: &Tensor) -> Result<UniqueInverse> {
    let _section = crate::tensor::live::enter();
    let g = groups(x)?;
    Ok(UniqueInverse {
        values: g.values()?,
        inverse_indices: g.inverse(x)?,
    })
}

/// The distinct values of `x` (flattened), sorted; the flat index of each one's first
/// occurrence; each element's value position; and the counts.
pub fn unique_all(x: &Tensor) -> Result<UniqueAll> {
    let _section = crate::tensor::live::enter();
    let g = groups(x)?;
    Ok(UniqueAll {
        values: g.values()?,
        indices: g.indices()?,
        inverse_indices: g.inverse(x)?,
        counts: g.counts(x)?,
    })
}
