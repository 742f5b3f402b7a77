//! Indexing as in NumPy and the standard's `__getitem__`, and functional updates.
//!
//! An index is a list of [`IndexItem`]s, most easily written with the [`s!`](crate::s) macro:
//!
//! ```ignore
//! use tensorswitch::s;
//! let row = x.index(s![0])?;                 // x[0]
//! let col = x.index(s![.., -1])?;            // x[:, -1]
//! let rev = x.index(s![..;-1])?;             // x[::-1]
//! let odd = x.index(s![1..;2, ...])?;        // x[1::2, ...]
//! let col = x.index(s![.., None, 2..])?;     // x[:, None, 2:]
//! let sel = x.index(s![&mask])?;             // x[mask]       (bool tensor)
//! let got = x.index(s![&rows, 0])?;          // x[rows, 0]    (integer tensor)
//! let y = x.at(s![.., 0]).set(&v)?;          // y = x.copy(); y[:, 0] = v
//! let y = x.at(s![&rows]).add(&v)?;          // np.add.at(x.copy(), rows, v)
//! ```
//!
//! The meaning is NumPy's: integers (negative ones count from the end) remove their dimension;
//! slices `start..stop;step` keep it (bounds clamped, negative bounds from the end, negative
//! steps walk backwards; `a..=b` includes `b`); `None` (or [`NewAxis`]) inserts a dimension of
//! size 1; `...` stands for as many whole dimensions as the other items leave; integer tensors
//! select along their dimension, broadcast together, and their result dimensions go where the
//! first of them stands when they are adjacent (integers count as 0-D integer tensors then),
//! else first; a bool tensor selects the elements where it is true, as the integer tensors of
//! its [`nonzero`] would. Dimensions not named are kept whole.
//!
//! Everything that does not fit is an error, never a panic: an integer or an integer tensor's
//! element outside its dimension ([`Error::IndexOutOfRange`]), more items than dimensions, two
//! ellipses, a step of 0 ([`Error::InvalidArgument`]), a mask whose shape is not that of the
//! dimensions it covers or integer tensors that do not broadcast ([`Error::ShapeMismatch`]), a
//! float tensor as an index ([`Error::InvalidDType`]). A 0-D bool index (NumPy's `x[True]`) is
//! refused.
//!
//! Indexing runs catalogue ops: [`strided_slice`] for the slices and integers, [`reshape`] for
//! the dimensions removed and inserted, [`permute_dims`] and [`take`] for integer tensors,
//! [`argwhere`] for masks, and [`put`]/[`put_add`] for updates; so each runs on the backend's
//! primaries where it has them. Integer tensors and masks are read back to the host once to be
//! checked (a synchronisation on a device).

use crate::call::SliceSpec;
use crate::catalogue::{AxisSlice, Op};
use crate::dtype::{DType, HostData, Scalar};
use crate::error::{Error, Result};
use crate::ops::indexing::{axis_slice, slice_axes};
use crate::ops::{
    argwhere, broadcast_to, permute_dims, put, put_add, reshape, strided_slice, take,
};
use crate::state;
use crate::table::FunctionTable;
use crate::tensor::{Shape, Tensor};
use smallvec::SmallVec;

const OP: &str = "index";

/// One item of an index (see the [module documentation](self)).
#[derive(Clone, Debug)]
pub enum IndexItem {
    /// An integer: selects one position and removes the dimension.
    Int(i64),
    /// A slice `start:stop:step`: keeps the dimension.
    Slice(SliceSpec),
    /// Inserts a dimension of size 1.
    NewAxis,
    /// As many whole dimensions as the other items leave (at most one per index).
    Ellipsis,
    /// An integer tensor (selects positions) or a bool tensor (a mask).
    Tensor(Tensor),
}

/// `None` in an index: [`IndexItem::NewAxis`] (so `s![NewAxis, ..]` reads as in NumPy too).
#[allow(non_upper_case_globals)]
pub const NewAxis: IndexItem = IndexItem::NewAxis;

macro_rules! item_from_ints {
    ($($t:ty),*) => {$(
        impl From<$t> for IndexItem {
            fn from(i: $t) -> IndexItem {
                // Beyond i64 an index is out of range for any dimension anyway.
                IndexItem::Int(i64::try_from(i).unwrap_or(i64::MAX))
            }
        }
        impl IntoSlice for std::ops::Range<$t> {
            fn into_slice(self, step: i64) -> SliceSpec {
                SliceSpec::new(Some(wide(self.start)), Some(wide(self.end)), step)
            }
        }
        impl IntoSlice for std::ops::RangeFrom<$t> {
            fn into_slice(self, step: i64) -> SliceSpec {
                SliceSpec::new(Some(wide(self.start)), None, step)
            }
        }
        impl IntoSlice for std::ops::RangeTo<$t> {
            fn into_slice(self, step: i64) -> SliceSpec {
                SliceSpec::new(None, Some(wide(self.end)), step)
            }
        }
        impl IntoSlice for std::ops::RangeInclusive<$t> {
            fn into_slice(self, step: i64) -> SliceSpec {
                SliceSpec::new(Some(wide(*self.start())), inclusive_end(wide(*self.end()), step), step)
            }
        }
        impl IntoSlice for std::ops::RangeToInclusive<$t> {
            fn into_slice(self, step: i64) -> SliceSpec {
                SliceSpec::new(None, inclusive_end(wide(self.end), step), step)
            }
        }
        impl From<std::ops::Range<$t>> for IndexItem {
            fn from(r: std::ops::Range<$t>) -> IndexItem {
                IndexItem::Slice(r.into_slice(1))
            }
        }
        impl From<std::ops::RangeFrom<$t>> for IndexItem {
            fn from(r: std::ops::RangeFrom<$t>) -> IndexItem {
                IndexItem::Slice(r.into_slice(1))
            }
        }
        impl From<std::ops::RangeTo<$t>> for IndexItem {
            fn from(r: std::ops::RangeTo<$t>) -> IndexItem {
                IndexItem::Slice(r.into_slice(1))
            }
        }
        impl From<std::ops::RangeInclusive<$t>> for IndexItem {
            fn from(r: std::ops::RangeInclusive<$t>) -> IndexItem {
                IndexItem::Slice(r.into_slice(1))
            }
        }
        impl From<std::ops::RangeToInclusive<$t>> for IndexItem {
            fn from(r: std::ops::RangeToInclusive<$t>) -> IndexItem {
                IndexItem::Slice(r.into_slice(1))
            }
        }
    )*};
}

/// An integer of any width as i64 (saturating: beyond i64 it is out of range anyway).
fn wide<T: TryInto<i64>>(i: T) -> i64 {
    i.try_into().unwrap_or(i64::MAX)
}

/// The exclusive stop of an inclusive range `..=end` walked by `step`; `None` where the end
/// is the last element walked (`..=-1` forwards).
fn inclusive_end(end: i64, step: i64) -> Option<i64> {
    if step > 0 {
        if end == -1 {
            None
        } else {
            Some(end.saturating_add(1))
        }
    } else if end == 0 {
        None
    } else {
        Some(end.saturating_sub(1))
    }
}

/// A Rust range as a slice with a step (for [`s!`](crate::s)'s `a..b;step`).
pub trait IntoSlice {
    /// The slice `start:stop:step`.
    fn into_slice(self, step: i64) -> SliceSpec;
}

impl IntoSlice for std::ops::RangeFull {
    fn into_slice(self, step: i64) -> SliceSpec {
        SliceSpec::new(None, None, step)
    }
}

impl IntoSlice for SliceSpec {
    fn into_slice(self, step: i64) -> SliceSpec {
        SliceSpec { step, ..self }
    }
}

item_from_ints!(i32, i64, isize, usize, u32);

impl From<std::ops::RangeFull> for IndexItem {
    fn from(_: std::ops::RangeFull) -> IndexItem {
        IndexItem::Slice(SliceSpec::full())
    }
}

impl From<SliceSpec> for IndexItem {
    fn from(s: SliceSpec) -> IndexItem {
        IndexItem::Slice(s)
    }
}

impl From<&Tensor> for IndexItem {
    fn from(t: &Tensor) -> IndexItem {
        IndexItem::Tensor(t.clone())
    }
}

impl From<Tensor> for IndexItem {
    fn from(t: Tensor) -> IndexItem {
        IndexItem::Tensor(t)
    }
}

/// `None` is a new axis (so an `Option` index item reads as in NumPy).
impl<T: Into<IndexItem>> From<Option<T>> for IndexItem {
    fn from(o: Option<T>) -> IndexItem {
        o.map_or(IndexItem::NewAxis, Into::into)
    }
}

/// An index: a list of [`IndexItem`]s, written `s![…]` (an array of them; see the [module
/// documentation](self)).
///
/// Items are separated by commas: an integer expression; a range `a..b`, `a..`, `..b`, `..`,
/// `a..=b` with an optional step after a semicolon (`1..;2`, `..;-1`); `None` or `NewAxis`;
/// `...`; a tensor (`&idx`, `&mask`).
#[macro_export]
macro_rules! s {
    (@go [$($acc:expr),*]) => {
        $crate::index::items([$($acc),*])
    };
    (@go [$($acc:expr),*] ... $(, $($rest:tt)*)?) => {
        $crate::s!(@go [$($acc,)* $crate::index::IndexItem::Ellipsis] $($($rest)*)?)
    };
    (@go [$($acc:expr),*] None $(, $($rest:tt)*)?) => {
        $crate::s!(@go [$($acc,)* $crate::index::IndexItem::NewAxis] $($($rest)*)?)
    };
    (@go [$($acc:expr),*] $e:expr ; $step:expr $(, $($rest:tt)*)?) => {
        $crate::s!(@go [$($acc,)* {
            // `3..0;-1` walks backwards: a range Rust would call empty is the point here.
            #[allow(clippy::reversed_empty_ranges)]
            let range = $e;
            $crate::index::IndexItem::Slice($crate::index::IntoSlice::into_slice(range, $step as i64))
        }] $($($rest)*)?)
    };
    (@go [$($acc:expr),*] $e:expr $(, $($rest:tt)*)?) => {
        $crate::s!(@go [$($acc,)* $crate::index::IndexItem::from($e)] $($($rest)*)?)
    };
    ($($t:tt)*) => {
        $crate::s!(@go [] $($t)*)
    };
}

/// The items of an index expression, as [`s!`] writes them: a fixed-size array (no heap
/// allocation; [`Tensor::index`] and [`Tensor::at`] take any `AsRef<[IndexItem]>`).
#[doc(hidden)]
#[inline(always)]
pub fn items<const N: usize>(items: [IndexItem; N]) -> [IndexItem; N] {
    items
}

/// The parts of an expanded index, inline up to four (the common ranks) so that indexing a
/// small tensor allocates nothing but its result.
type Parts = SmallVec<[Part; 4]>;

/// One item after the ellipsis is expanded and masks are turned into integer tensors.
#[derive(Clone, Debug)]
enum Part {
    /// Keeps a dimension, sliced.
    Slice(SliceSpec),
    /// Removes a dimension (only when no tensor is in the index).
    Int(i64),
    /// Inserts a dimension.
    New,
    /// Selects along a dimension: int64, checked, non-negative (0-D for an integer when tensors
    /// are in the index).
    Array(Tensor),
}

impl Tensor {
    /// `self[index]` with NumPy's meaning (see [`crate::index`]); `index` is usually `s![…]`.
    pub fn index(&self, index: impl AsRef<[IndexItem]>) -> Result<Tensor> {
        let _section = crate::tensor::live::enter();
        let index = index.as_ref();
        if let ([IndexItem::Slice(s)], &[size]) = (index, self.shape()) {
            return slice_vector(self, s, size);
        }
        get(self, index)
    }

    /// The positions `index` selects, for a functional update: `x.at(s![0]).set(&v)` is a copy
    /// of `x` with `x[0] = v` done (see [`At`]).
    pub fn at(&self, index: impl AsRef<[IndexItem]>) -> At<'_> {
        At {
            x: self,
            index: index.as_ref().to_vec(),
        }
    }
}

/// The positions of an index into a tensor, to update ([`Tensor::at`]). Tensors are immutable:
/// each update returns a new tensor (JAX's `x.at[idx].set(v)`).
#[derive(Clone, Debug)]
pub struct At<'a> {
    x: &'a Tensor,
    index: Vec<IndexItem>,
}

impl At<'_> {
    /// A copy of the tensor with `values` written at the positions: `values` broadcast to the
    /// shape of `x[index]` and are converted to `x`'s dtype (Rust `as` rules). Where the index
    /// names a position twice (integer tensors with repeats), which value lands there is
    /// unspecified.
    pub fn set(&self, values: &Tensor) -> Result<Tensor> {
        let _section = crate::tensor::live::enter();
        let positions = self.positions()?;
        put(self.x, &positions, &fit(values, positions.shape())?)
    }

    /// [`set`](At::set) with one value for every position.
    pub fn set_scalar(&self, value: impl Into<Scalar>) -> Result<Tensor> {
        let _section = crate::tensor::live::enter();
        let v = like(self.x, value.into())?;
        self.set(&v)
    }

    /// A copy of the tensor with `values` added at the positions (`values` broadcast and
    /// converted as for [`set`](At::set)); a position named several times gets each of its
    /// values added (NumPy's `np.add.at`). Not for bool tensors.
    pub fn add(&self, values: &Tensor) -> Result<Tensor> {
        let _section = crate::tensor::live::enter();
        let positions = self.positions()?;
        put_add(self.x, &positions, &fit(values, positions.shape())?)
    }

    /// The flat positions of the elements the index selects, in the shape of `x[index]`: the
    /// index applied to a grid of positions.
    fn positions(&self) -> Result<Tensor> {
        let x = self.x;
        let table = state::resolve(OP, &[x])?;
        let _guard = state::TableGuard::new(table);
        let n = x.size() as f64;
        let grid =
            state::with_device(x.device(), || crate::ops::arange(0.0, n, 1.0, DType::Int64))?;
        get(&reshape(&grid, x.shape())?, &self.index)
    }
}

/// `values` broadcast to `shape`, with an error that names the update.
fn fit(values: &Tensor, shape: &[usize]) -> Result<Tensor> {
    broadcast_to(values, shape).map_err(|e| match e {
        Error::ShapeMismatch { .. } => Error::ShapeMismatch {
            op: OP,
            lhs: values.shape().to_vec(),
            rhs: shape.to_vec(),
            reason: "the values must broadcast to the shape of the positions indexed".into(),
        },
        other => other,
    })
}

/// A 0-D tensor of `value` in `x`'s dtype on `x`'s device.
fn like(x: &Tensor, value: Scalar) -> Result<Tensor> {
    state::with_device(x.device(), || crate::ops::full(&[], value, x.dtype()))
}

/// `x[index]`.
fn get(x: &Tensor, index: &[IndexItem]) -> Result<Tensor> {
    let table = state::resolve(OP, &[x])?;
    if index.len() <= x.ndim()
        && index
            .iter()
            .all(|i| matches!(i, IndexItem::Int(_) | IndexItem::Slice(_)))
    {
        return basic(table, x, index);
    }
    let _guard = state::TableGuard::new(table);
    let parts = expand(table, x, index)?;
    let has_array = parts.iter().any(|p| matches!(p, Part::Array(_)));
    // One checked slice per dimension of x (integers as one-element slices, integer tensors
    // whole), inline for the common ranks.
    let mut slices = SmallVec::<[AxisSlice; 4]>::new();
    for p in &parts {
        if matches!(p, Part::New) {
            continue;
        }
        // One part per dimension besides the new axes (`expand`).
        let size = *x
            .shape()
            .get(slices.len())
            .ok_or_else(|| Error::InvalidArgument {
                op: OP,
                reason: "internal error: an expanded index has more parts than dimensions".into(),
            })?;
        slices.push(match p {
            Part::Slice(s) => axis_slice(Op::strided_slice, s, size)?,
            // Normalised and checked by `expand`.
            Part::Int(i) => AxisSlice {
                start: *i as usize,
                len: 1,
                step: 1,
            },
            Part::Array(_) | Part::New => AxisSlice::full(size),
        });
    }
    // `x[...]`, `x[:, :]`: every dimension whole, no op to call.
    let y = slice_axes(table, Op::strided_slice, |s| s.strided_slice, x, &slices)?;
    if !has_array {
        if parts.iter().all(|p| matches!(p, Part::Slice(_))) {
            // Slices only: the sliced tensor is the result.
            return Ok(y);
        }
        // Integers leave dimensions of size 1 and new axes add them: a reshape.
        let mut shape: Shape = Shape::new();
        let mut d = 0;
        for p in &parts {
            match p {
                Part::Slice(_) => {
                    shape.push(y.shape()[d]);
                    d += 1;
                }
                Part::Int(_) => d += 1,
                Part::New => shape.push(1),
                Part::Array(_) => {}
            }
        }
        return reshape(&y, &shape[..]);
    }
    advanced(&y, &parts)
}

/// `v[a:b:c]` of a vector `v` of `size` elements (the commonest index): one slice, without
/// the list of them the general paths build.
#[inline]
fn slice_vector(v: &Tensor, s: &SliceSpec, size: usize) -> Result<Tensor> {
    let table = state::resolve(OP, &[v])?;
    if s.step == 0 {
        return Err(step_zero(0));
    }
    let one = axis_slice(Op::strided_slice, s, size)?;
    slice_axes(table, Op::strided_slice, |s| s.strided_slice, v, &[one])
}

/// `x[index]` for an index of integers and slices only, at most one per dimension (the
/// common case, without the expansion of the general one): one `strided_slice`, and a
/// `reshape` when integers remove dimensions.
fn basic(table: &'static FunctionTable, x: &Tensor, index: &[IndexItem]) -> Result<Tensor> {
    let mut slices = SmallVec::<[AxisSlice; 4]>::new();
    let mut ints = false;
    for (d, (item, &size)) in index.iter().zip(x.shape()).enumerate() {
        slices.push(match item {
            IndexItem::Slice(s) => {
                if s.step == 0 {
                    return Err(step_zero(d));
                }
                axis_slice(Op::strided_slice, s, size)?
            }
            IndexItem::Int(i) => {
                ints = true;
                let j = crate::ops::indexing::normalised_one(OP, *i, d, size)?;
                AxisSlice {
                    start: j as usize,
                    len: 1,
                    step: 1,
                }
            }
            _ => {
                return Err(Error::InvalidArgument {
                    op: OP,
                    reason: "internal error: a basic index holds only integers and slices".into(),
                })
            }
        });
    }
    for &size in &x.shape()[index.len()..] {
        slices.push(AxisSlice::full(size));
    }
    let y = slice_axes(table, Op::strided_slice, |s| s.strided_slice, x, &slices)?;
    if !ints {
        return Ok(y);
    }
    // The integers' dimensions (of size 1 now) go.
    let mut shape = Shape::new();
    for (d, &n) in y.shape().iter().enumerate() {
        if !matches!(index.get(d), Some(IndexItem::Int(_))) {
            shape.push(n);
        }
    }
    let _guard = state::TableGuard::new(table);
    reshape(&y, &shape[..])
}

/// The error for a slice step of 0 at dimension `d`.
fn step_zero(d: usize) -> Error {
    Error::InvalidArgument {
        op: OP,
        reason: format!("a slice step must not be 0 (dimension {d})"),
    }
}

/// The index with the ellipsis expanded, masks replaced by the integer tensors of their
/// non-zero coordinates, integers and integer tensors checked (and, when tensors are in the
/// index, integers turned into 0-D tensors): one part per dimension of `x`, plus new axes.
fn expand(table: &'static FunctionTable, x: &Tensor, index: &[IndexItem]) -> Result<Parts> {
    let mut consumed = 0usize;
    let mut ellipses = 0;
    let mut has_tensor = false;
    for item in index {
        match item {
            IndexItem::Int(_) | IndexItem::Slice(_) => consumed += 1,
            IndexItem::NewAxis => {}
            IndexItem::Ellipsis => ellipses += 1,
            IndexItem::Tensor(t) => {
                has_tensor = true;
                if t.dtype() == DType::Bool {
                    if t.ndim() == 0 {
                        return Err(Error::InvalidArgument {
                            op: OP,
                            reason: "a 0-D bool index is not supported; use None (a new axis) and a slice instead".into(),
                        });
                    }
                    consumed += t.ndim();
                } else if t.dtype().is_integer() {
                    consumed += 1;
                } else {
                    return Err(Error::InvalidDType {
                        op: OP,
                        dtype: t.dtype(),
                        expected: "an integer or bool tensor as an index",
                    });
                }
            }
        }
    }
    if ellipses > 1 {
        return Err(Error::InvalidArgument {
            op: OP,
            reason: format!("an index may hold one ellipsis (...), this one holds {ellipses}"),
        });
    }
    if consumed > x.ndim() {
        return Err(Error::InvalidArgument {
            op: OP,
            reason: format!(
                "too many indices: {consumed} dimensions indexed, the tensor has {} (shape {:?})",
                x.ndim(),
                x.shape()
            ),
        });
    }
    let mut parts = Parts::new();
    let mut d = 0usize;
    let push_full = |parts: &mut Parts, d: &mut usize, count: usize| {
        for _ in 0..count {
            parts.push(Part::Slice(SliceSpec::full()));
            *d += 1;
        }
    };
    for item in index {
        match item {
            IndexItem::Ellipsis => push_full(&mut parts, &mut d, x.ndim() - consumed),
            IndexItem::NewAxis => parts.push(Part::New),
            IndexItem::Slice(s) => {
                if s.step == 0 {
                    return Err(step_zero(d));
                }
                parts.push(Part::Slice(*s));
                d += 1;
            }
            IndexItem::Int(i) => {
                let size = x.shape()[d];
                let j = crate::ops::indexing::normalised_one(OP, *i, d, size)?;
                if has_tensor {
                    let t = crate::ops::creation::from_host_on(
                        table,
                        HostData::Int64(vec![j]),
                        &[],
                        x.device(),
                    )?;
                    parts.push(Part::Array(t));
                } else {
                    parts.push(Part::Int(j));
                }
                d += 1;
            }
            IndexItem::Tensor(t) if t.dtype() == DType::Bool => {
                let covered = &x.shape()[d..d + t.ndim()];
                if t.shape() != covered {
                    return Err(Error::ShapeMismatch {
                        op: OP,
                        lhs: covered.to_vec(),
                        rhs: t.shape().to_vec(),
                        reason: format!(
                            "a bool index must have the shape of the dimensions it covers (from dimension {d})"
                        ),
                    });
                }
                let coords = argwhere(t)?;
                let count = coords.shape()[0];
                for k in 0..t.ndim() {
                    let column = strided_slice(
                        &coords,
                        [
                            SliceSpec::full(),
                            SliceSpec::new(Some(k as i64), Some(k as i64 + 1), 1),
                        ],
                    )?;
                    parts.push(Part::Array(reshape(&column, [count as i64])?));
                    d += 1;
                }
            }
            IndexItem::Tensor(t) => {
                let idx = crate::ops::indexing::checked_indices(OP, table, t, d, x.shape()[d])?;
                parts.push(Part::Array(idx));
                d += 1;
            }
        }
    }
    let rest = x.ndim() - d;
    push_full(&mut parts, &mut d, rest);
    Ok(parts)
}

/// `y[parts]` where `y` has been sliced already (its slice parts are now whole) and some parts
/// are integer tensors: the tensors' dimensions are moved first and flattened into one, the
/// tensors combined into flat positions along it, one `take`, then the dimensions put in
/// NumPy's order.
fn advanced(y: &Tensor, parts: &[Part]) -> Result<Tensor> {
    // Dimensions of y: the tensor ones (with their index) and the sliced ones, in order.
    let mut arrays: Vec<(usize, &Tensor)> = Vec::new();
    let mut kept: Vec<usize> = Vec::new();
    let mut d = 0;
    for p in parts {
        match p {
            Part::Array(t) => {
                arrays.push((d, t));
                d += 1;
            }
            Part::Slice(_) | Part::Int(_) => {
                kept.push(d);
                d += 1;
            }
            Part::New => {}
        }
    }
    // The shape the index tensors broadcast to.
    let mut b: Shape = Shape::new();
    for (_, t) in &arrays {
        b = crate::ops::broadcast_shapes(OP, &b, t.shape()).map_err(|_| Error::ShapeMismatch {
            op: OP,
            lhs: b.to_vec(),
            rhs: t.shape().to_vec(),
            reason: "the integer tensors of an index must broadcast together".into(),
        })?;
    }
    // Flat positions in the block of the tensors' dimensions (row-major).
    let sizes: Vec<usize> = arrays.iter().map(|(d, _)| y.shape()[*d]).collect();
    let block: usize = sizes.iter().product();
    let mut flat: Option<Tensor> = None;
    let mut stride = 1usize;
    for ((_, t), &size) in arrays.iter().zip(&sizes).rev() {
        let term = if stride == 1 {
            (*t).clone()
        } else {
            let s = like(t, Scalar::Int(stride as i64))?;
            crate::ops::multiply(t, &s)?
        };
        flat = Some(match flat {
            None => term,
            Some(f) => crate::ops::add(&f, &term)?,
        });
        stride = stride.saturating_mul(size);
    }
    let flat = flat.ok_or_else(|| Error::InvalidArgument {
        op: OP,
        reason: "internal error: no integer tensor in an advanced index".into(),
    })?;
    let flat = reshape(&broadcast_to(&flat, &b)?, [-1])?;
    // y with the tensors' dimensions first, flattened into one.
    let perm: Vec<isize> = arrays
        .iter()
        .map(|(d, _)| *d as isize)
        .chain(kept.iter().map(|&d| d as isize))
        .collect();
    let moved = permute_dims(y, perm)?;
    let mut shape: Vec<isize> = vec![block as isize];
    shape.extend(kept.iter().map(|&d| y.shape()[d] as isize));
    let z = take(&reshape(&moved, shape)?, &flat, 0)?;
    // z is (B..., kept...): NumPy puts B where the first tensor stands when the tensors are
    // adjacent in the index, else first; new axes stay where they are written.
    let first = parts.iter().position(|p| matches!(p, Part::Array(_)));
    let last = parts.iter().rposition(|p| matches!(p, Part::Array(_)));
    let adjacent = match (first, last) {
        (Some(f), Some(l)) => parts[f..=l].iter().all(|p| matches!(p, Part::Array(_))),
        _ => true,
    };
    enum Out {
        Block,
        Kept(usize),
        New,
    }
    let mut order: Vec<Out> = Vec::new();
    if !adjacent {
        order.push(Out::Block);
    }
    let mut k = 0;
    let mut placed = !adjacent;
    for p in parts {
        match p {
            Part::Array(_) if !placed => {
                order.push(Out::Block);
                placed = true;
            }
            Part::Array(_) => {}
            Part::Slice(_) | Part::Int(_) => {
                order.push(Out::Kept(k));
                k += 1;
            }
            Part::New => order.push(Out::New),
        }
    }
    let nb = b.len();
    let mut perm: Vec<isize> = Vec::new();
    let mut out_shape: Vec<isize> = Vec::new();
    for o in &order {
        match o {
            Out::Block => {
                perm.extend((0..nb).map(|i| i as isize));
                out_shape.extend(b.iter().map(|&s| s as isize));
            }
            Out::Kept(k) => {
                perm.push((nb + k) as isize);
                out_shape.push(y.shape()[kept[*k]] as isize);
            }
            Out::New => out_shape.push(1),
        }
    }
    let z = reshape(&z, {
        let mut s: Vec<isize> = b.iter().map(|&s| s as isize).collect();
        s.extend(kept.iter().map(|&d| y.shape()[d] as isize));
        s
    })?;
    let z = permute_dims(&z, perm)?;
    reshape(&z, out_shape)
}

/// The standard's `nonzero`: one int64 tensor per dimension of `x` (at least 1-D) holding the
/// coordinates of its non-zero elements in row-major order (NaN counts as non-zero). The
/// columns of [`argwhere`], split.
pub fn nonzero(x: &Tensor) -> Result<Vec<Tensor>> {
    let _section = crate::tensor::live::enter();
    let coords = argwhere(x)?;
    let n = coords.shape()[0] as i64;
    (0..x.ndim() as i64)
        .map(|k| {
            let column = strided_slice(
                &coords,
                [SliceSpec::full(), SliceSpec::new(Some(k), Some(k + 1), 1)],
            )?;
            reshape(&column, [n])
        })
        .collect()
}
