//! Op calls as plain data.
//!
//! An [`OpCall`] is one op of the catalogue with its attributes (axes, keepdims, correction,
//! k, dtypes, shapes, …), without its tensor inputs: what a tracer records for a node, what a
//! transpiler prints, what a test harness reads from a file. [`run`](crate::run) executes one
//! on the active backend with its inputs, [`run_on`](crate::run_on) on a given backend; the
//! public functions ([`add`](crate::add), [`sum`](crate::sum), …) are generated from the same
//! catalogue line and run the same code.
//!
//! Attributes are also available by name, as [`AttrValue`]s ([`OpCall::attrs`],
//! [`OpCall::from_attrs`]), so a call can be read from or written to any text format without
//! a case per op.
//!
//! Each *kind* of op (see the catalogue) has one attribute type here. Its conversions are the
//! ways a user can spell the argument: axes as `-1`, `[0, 2]`, `&[0, 2][..]`, a `Vec`, or
//! `None` for "all"; a reduction as its axes, or [`Reduction::keepdims`] for more.

use crate::dtype::{DType, HostData, Scalar};
use crate::error::{Error, Result};
use crate::tensor::{Device, Shape, Tensor};
use smallvec::SmallVec;
use std::fmt;

// ---------------------------------------------------------------------------------------------
// axes

/// Which axes an op works on: all of them (`None`), or a list (negative counts from the end).
///
/// Every op that takes axes takes `impl Into<Axes>`: `-1`, `[0, 2]`, `&[0, 2][..]`, a
/// `Vec<isize>`, `Some(1)` or `None`. Ops that work on one axis (`argmax`, `softmax`,
/// `expand_dims`, …) take the same type and refuse a list of more than one.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub enum Axes {
    /// Every axis (`None` in the standard).
    #[default]
    All,
    /// The listed axes, as given (normalised by the op).
    List(SmallVec<[isize; 4]>),
}

impl Axes {
    /// One axis.
    #[inline]
    pub fn one(axis: isize) -> Axes {
        // Built in place: `from_slice` copies through `memcpy`, on every `take` and reduction.
        Axes::List(SmallVec::from_buf_and_len([axis, 0, 0, 0], 1))
    }

    /// The listed axes, or `None` for all.
    pub fn as_list(&self) -> Option<&[isize]> {
        match self {
            Axes::All => None,
            Axes::List(v) => Some(v),
        }
    }

    /// The single axis this names (`None` for all), or an error for a list of several.
    #[inline]
    pub fn single(&self, op: &'static str) -> Result<Option<isize>> {
        match self {
            Axes::All => Ok(None),
            Axes::List(v) if v.len() == 1 => Ok(Some(v[0])),
            Axes::List(v) => Err(several_axes(op, v)),
        }
    }

    /// The single axis this names, or an error for `None` or a list of several.
    pub fn required(&self, op: &'static str) -> Result<isize> {
        self.single(op)?.ok_or_else(|| Error::InvalidArgument {
            op,
            reason: "needs one axis, got None (all axes)".into(),
        })
    }
}

#[cold]
fn several_axes(op: &'static str, v: &[isize]) -> Error {
    Error::InvalidArgument {
        op,
        reason: format!("takes one axis, got the list {v:?}"),
    }
}

impl fmt::Display for Axes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Axes::All => f.write_str("None"),
            Axes::List(v) if v.len() == 1 => write!(f, "{}", v[0]),
            Axes::List(v) => write!(f, "{:?}", v.as_slice()),
        }
    }
}

macro_rules! axes_from_ints {
    ($($t:ty),*) => {$(
        impl From<$t> for Axes {
            #[inline]
            fn from(a: $t) -> Axes {
                Axes::one(a as isize)
            }
        }
        impl<const N: usize> From<[$t; N]> for Axes {
            fn from(a: [$t; N]) -> Axes {
                Axes::List(a.iter().map(|&x| x as isize).collect())
            }
        }
        impl<const N: usize> From<&[$t; N]> for Axes {
            fn from(a: &[$t; N]) -> Axes {
                Axes::List(a.iter().map(|&x| x as isize).collect())
            }
        }
        impl From<&[$t]> for Axes {
            fn from(a: &[$t]) -> Axes {
                Axes::List(a.iter().map(|&x| x as isize).collect())
            }
        }
        impl From<Vec<$t>> for Axes {
            fn from(a: Vec<$t>) -> Axes {
                Axes::List(a.iter().map(|&x| x as isize).collect())
            }
        }
        impl From<&Vec<$t>> for Axes {
            fn from(a: &Vec<$t>) -> Axes {
                Axes::List(a.iter().map(|&x| x as isize).collect())
            }
        }
    )*};
}
axes_from_ints!(i32, i64, isize);

impl From<usize> for Axes {
    #[inline]
    fn from(a: usize) -> Axes {
        Axes::one(a as isize)
    }
}

/// `None` means every axis; `Some(a)` one axis.
impl From<Option<isize>> for Axes {
    fn from(a: Option<isize>) -> Axes {
        a.map_or(Axes::All, Axes::one)
    }
}

impl From<&Axes> for Axes {
    fn from(a: &Axes) -> Axes {
        a.clone()
    }
}

// ---------------------------------------------------------------------------------------------
// attribute types, one per kind

/// No attributes (elementwise ops, `matmul`, `linalg.inv`, …).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoAttrs;

/// `from_host`: the data and its shape.
#[derive(Clone, Debug, PartialEq)]
pub struct FromHost {
    /// The elements, row-major.
    pub data: HostData,
    /// The shape.
    pub shape: Shape,
}

/// `to_device`: the target device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ToDevice {
    /// Where the result lives.
    pub device: Device,
}

/// `full`: shape, fill value, dtype.
#[derive(Clone, Debug, PartialEq)]
pub struct Full {
    /// The shape.
    pub shape: Shape,
    /// The fill value (converted to `dtype`).
    pub value: Scalar,
    /// The dtype.
    pub dtype: DType,
}

/// `zeros`/`ones`: shape and dtype.
#[derive(Clone, Debug, PartialEq)]
pub struct Fill {
    /// The shape.
    pub shape: Shape,
    /// The dtype.
    pub dtype: DType,
}

/// `arange`: start, stop (exclusive), step, dtype.
#[derive(Clone, Debug, PartialEq)]
pub struct Arange {
    /// The first value.
    pub start: Scalar,
    /// The bound, not included.
    pub stop: Scalar,
    /// The distance between values (non-zero).
    pub step: Scalar,
    /// The dtype.
    pub dtype: DType,
}

/// `zeros_like`/`ones_like`: the dtype (`None`: the input's).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Like {
    /// The dtype of the result; `None` for the input's.
    pub dtype: Option<DType>,
}

/// `full_like`: the fill value and the dtype (`None`: the input's).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FullLike {
    /// The fill value, converted to the dtype.
    pub value: Scalar,
    /// The dtype of the result; `None` for the input's.
    pub dtype: Option<DType>,
}

/// `moveaxis`: the axes to move and where they go, pairwise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MoveAxes {
    /// The axes to move.
    pub source: Axes,
    /// Their positions in the result.
    pub destination: Axes,
}

/// `linspace`: start, stop, count, whether `stop` is included, dtype.
#[derive(Clone, Debug, PartialEq)]
pub struct Linspace {
    /// The first value.
    pub start: Scalar,
    /// The last value (when `endpoint`).
    pub stop: Scalar,
    /// The number of values.
    pub num: usize,
    /// Whether `stop` is the last value.
    pub endpoint: bool,
    /// The dtype.
    pub dtype: DType,
}

/// `eye`: rows, columns (default: as many as rows), diagonal offset, dtype.
#[derive(Clone, Debug, PartialEq)]
pub struct Eye {
    /// Rows.
    pub n_rows: usize,
    /// Columns; `None` for as many as rows.
    pub n_cols: Option<usize>,
    /// The diagonal: 0 the main one, positive above, negative below.
    pub k: i64,
    /// The dtype.
    pub dtype: DType,
}

/// A bound of `clip` as a caller gives it: absent, a scalar, or a tensor.
#[derive(Clone, Copy, Debug)]
pub enum Bound<'a> {
    /// No bound.
    None,
    /// A scalar of any element type, converted to `x`'s dtype.
    Scalar(Scalar),
    /// A tensor that broadcasts to `x`'s shape.
    Tensor(&'a Tensor),
}

impl<'a> From<&'a Tensor> for Bound<'a> {
    fn from(t: &'a Tensor) -> Bound<'a> {
        Bound::Tensor(t)
    }
}

impl<'a> From<Option<&'a Tensor>> for Bound<'a> {
    fn from(t: Option<&'a Tensor>) -> Bound<'a> {
        t.map_or(Bound::None, Bound::Tensor)
    }
}

impl<T: Into<Scalar>> From<T> for Bound<'_> {
    fn from(v: T) -> Self {
        Bound::Scalar(v.into())
    }
}

/// A bound of `clip` as data: the tensor bounds are inputs of the call (after `x`, `min`
/// first).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ClipBound {
    /// No bound.
    None,
    /// A scalar.
    Scalar(Scalar),
    /// The next tensor input.
    Input,
}

/// `clip`: its two bounds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Clip {
    /// The lower bound.
    pub min: ClipBound,
    /// The upper bound.
    pub max: ClipBound,
}

/// An op on one axis (`vecdot`, `softmax`, `expand_dims`, `stack`) or on one axis or none
/// (`concat`: `None` flattens).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AxisAttr {
    /// The axis (a list of one, or `All` where the op allows it).
    pub axis: Axes,
}

/// An op on a set of axes (`flip`, `squeeze`, `permute_dims`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AxesAttr {
    /// The axes.
    pub axes: Axes,
}

/// Which axes [`tensordot`](crate::tensordot) contracts.
#[derive(Clone, Debug, PartialEq)]
pub enum TensordotAxes {
    /// The last `n` axes of `a` with the first `n` of `b`.
    Count(usize),
    /// The listed axes of `a` with the listed axes of `b`, pairwise.
    Pairs(Vec<isize>, Vec<isize>),
}

impl From<usize> for TensordotAxes {
    fn from(n: usize) -> Self {
        TensordotAxes::Count(n)
    }
}

impl From<i32> for TensordotAxes {
    fn from(n: i32) -> Self {
        TensordotAxes::Count(n.max(0) as usize)
    }
}

impl<A: Into<Axes>, B: Into<Axes>> From<(A, B)> for TensordotAxes {
    fn from((a, b): (A, B)) -> Self {
        let list = |x: Axes| x.as_list().map(<[isize]>::to_vec).unwrap_or_default();
        TensordotAxes::Pairs(list(a.into()), list(b.into()))
    }
}

/// A reduction (`sum`, `prod`, `mean`, `max`, `min`, and with one axis `argmax`/`argmin`):
/// the axes and whether reduced dimensions are kept as size 1. Converts from anything that
/// converts to [`Axes`], with `keepdims` false (the standard's default).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Reduction {
    /// The axes reduced.
    pub axes: Axes,
    /// Whether reduced dimensions stay, with size 1.
    pub keepdims: bool,
}

impl Reduction {
    /// A reduction over `axes`.
    pub fn over(axes: impl Into<Axes>) -> Reduction {
        Reduction {
            axes: axes.into(),
            keepdims: false,
        }
    }

    /// Sets whether reduced dimensions stay, with size 1.
    pub fn keepdims(mut self, keepdims: bool) -> Reduction {
        self.keepdims = keepdims;
        self
    }
}

impl<A: Into<Axes>> From<A> for Reduction {
    fn from(axes: A) -> Reduction {
        Reduction::over(axes)
    }
}

/// `argmax`/`argmin`: one axis or `None` (the flattened tensor), and whether the reduced
/// dimension is kept as size 1. Converts from an axis or a [`Reduction`] (of at most one axis).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ArgReduction {
    /// The axis (a list of one), or `All` for the flattened tensor.
    pub axis: Axes,
    /// Whether the reduced dimension stays, with size 1.
    pub keepdims: bool,
}

impl<A: Into<Axes>> From<A> for ArgReduction {
    fn from(axis: A) -> ArgReduction {
        ArgReduction {
            axis: axis.into(),
            keepdims: false,
        }
    }
}

impl From<Reduction> for ArgReduction {
    fn from(r: Reduction) -> ArgReduction {
        ArgReduction {
            axis: r.axes,
            keepdims: r.keepdims,
        }
    }
}

/// `var`/`std`: axes, the correction (degrees of freedom; default 0), keepdims.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Statistic {
    /// The axes reduced.
    pub axes: Axes,
    /// Subtracted from the element count in the divisor.
    pub correction: f64,
    /// Whether reduced dimensions stay, with size 1.
    pub keepdims: bool,
}

impl Statistic {
    /// Over `axes`, correction 0, keepdims false.
    pub fn over(axes: impl Into<Axes>) -> Statistic {
        Statistic {
            axes: axes.into(),
            ..Statistic::default()
        }
    }

    /// Sets the correction (1 for the sample statistic).
    pub fn correction(mut self, correction: f64) -> Statistic {
        self.correction = correction;
        self
    }

    /// Sets whether reduced dimensions stay, with size 1.
    pub fn keepdims(mut self, keepdims: bool) -> Statistic {
        self.keepdims = keepdims;
        self
    }
}

impl<A: Into<Axes>> From<A> for Statistic {
    fn from(axes: A) -> Statistic {
        Statistic::over(axes)
    }
}

/// `cumulative_sum`: the axis (`None` only for 0-D and 1-D tensors), and whether the result
/// starts with a zero.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CumulativeSum {
    /// The axis.
    pub axis: Axes,
    /// Whether the result starts with the sum of no elements (one longer).
    pub include_initial: bool,
}

impl CumulativeSum {
    /// Along `axis`, without the initial zero.
    pub fn along(axis: impl Into<Axes>) -> CumulativeSum {
        CumulativeSum {
            axis: axis.into(),
            include_initial: false,
        }
    }

    /// Sets whether the result starts with a zero.
    pub fn include_initial(mut self, include: bool) -> CumulativeSum {
        self.include_initial = include;
        self
    }
}

impl<A: Into<Axes>> From<A> for CumulativeSum {
    fn from(axis: A) -> CumulativeSum {
        CumulativeSum::along(axis)
    }
}

/// `sort`/`argsort`: the axis (default -1) and the direction (default ascending). Sorting is
/// always stable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sorting {
    /// The axis.
    pub axis: Axes,
    /// Largest first.
    pub descending: bool,
}

impl Default for Sorting {
    fn default() -> Sorting {
        Sorting::along(-1)
    }
}

impl Sorting {
    /// Along `axis`, ascending.
    pub fn along(axis: impl Into<Axes>) -> Sorting {
        Sorting {
            axis: axis.into(),
            descending: false,
        }
    }

    /// Sets the direction.
    pub fn descending(mut self, descending: bool) -> Sorting {
        self.descending = descending;
        self
    }
}

impl<A: Into<Axes>> From<A> for Sorting {
    fn from(axis: A) -> Sorting {
        Sorting::along(axis)
    }
}

/// `reshape`: the new shape; one size may be -1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewShape {
    /// Sizes, -1 for the one to infer.
    pub shape: SmallVec<[isize; 4]>,
}

macro_rules! new_shape_from_ints {
    ($($t:ty),*) => {$(
        impl<const N: usize> From<[$t; N]> for NewShape {
            fn from(a: [$t; N]) -> NewShape {
                NewShape { shape: a.iter().map(|&x| x as isize).collect() }
            }
        }
        impl<const N: usize> From<&[$t; N]> for NewShape {
            fn from(a: &[$t; N]) -> NewShape {
                NewShape { shape: a.iter().map(|&x| x as isize).collect() }
            }
        }
        impl From<&[$t]> for NewShape {
            fn from(a: &[$t]) -> NewShape {
                NewShape { shape: a.iter().map(|&x| x as isize).collect() }
            }
        }
        impl From<Vec<$t>> for NewShape {
            fn from(a: Vec<$t>) -> NewShape {
                NewShape { shape: a.iter().map(|&x| x as isize).collect() }
            }
        }
        impl From<&Vec<$t>> for NewShape {
            fn from(a: &Vec<$t>) -> NewShape {
                NewShape { shape: a.iter().map(|&x| x as isize).collect() }
            }
        }
    )*};
}
new_shape_from_ints!(i32, i64, isize);

impl From<&[usize]> for NewShape {
    fn from(a: &[usize]) -> NewShape {
        // Sizes beyond isize::MAX become negative and are refused by `reshape`.
        NewShape {
            shape: a.iter().map(|&x| x as isize).collect(),
        }
    }
}

/// `broadcast_to`: the target shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BroadcastShape {
    /// The shape.
    pub shape: Shape,
}

/// `astype`: the target dtype.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AsType {
    /// The dtype.
    pub dtype: DType,
}

/// `tril`/`triu`: the diagonal offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Diagonal {
    /// 0 the main diagonal, positive above, negative below.
    pub k: i64,
}

/// One dimension of [`strided_slice`](crate::strided_slice): NumPy's `start:stop:step`.
/// `None` bounds are the ends (which end depends on the step's sign); negative bounds count
/// from the end; bounds past either end are clamped. `step` must not be 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SliceSpec {
    /// The first index (`None`: the start for a positive step, the end for a negative one).
    pub start: Option<i64>,
    /// The bound, not included (`None`: past the last element walked).
    pub stop: Option<i64>,
    /// The distance between elements; negative walks backwards.
    pub step: i64,
}

impl SliceSpec {
    /// `start:stop:step`.
    pub const fn new(start: Option<i64>, stop: Option<i64>, step: i64) -> SliceSpec {
        SliceSpec { start, stop, step }
    }

    /// `:` (the whole dimension).
    pub const fn full() -> SliceSpec {
        SliceSpec::new(None, None, 1)
    }
}

impl Default for SliceSpec {
    fn default() -> SliceSpec {
        SliceSpec::full()
    }
}

/// `strided_slice`: one [`SliceSpec`] per leading dimension (the others are kept whole).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Slicing {
    /// The slices, from the first dimension on.
    pub slices: Vec<SliceSpec>,
}

impl From<&[SliceSpec]> for Slicing {
    fn from(s: &[SliceSpec]) -> Slicing {
        Slicing { slices: s.to_vec() }
    }
}

impl From<Vec<SliceSpec>> for Slicing {
    fn from(slices: Vec<SliceSpec>) -> Slicing {
        Slicing { slices }
    }
}

impl<const N: usize> From<[SliceSpec; N]> for Slicing {
    fn from(s: [SliceSpec; N]) -> Slicing {
        Slicing { slices: s.to_vec() }
    }
}

/// Which side of equal elements [`searchsorted`](crate::searchsorted) inserts at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Side {
    /// Before them: the first suitable position (the standard's default).
    #[default]
    Left,
    /// After them: the last suitable position.
    Right,
}

impl Side {
    /// The standard's spelling (`"left"`, `"right"`).
    pub const fn name(self) -> &'static str {
        match self {
            Side::Left => "left",
            Side::Right => "right",
        }
    }
}

/// `searchsorted`: the side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct SearchSide {
    /// Where among equal elements.
    pub side: Side,
}

impl From<Side> for SearchSide {
    fn from(side: Side) -> SearchSide {
        SearchSide { side }
    }
}

// ---------------------------------------------------------------------------------------------
// issue 12: roll, tile, repeat

/// `roll`'s shift: one count, or one per axis (negative counts roll backwards).
///
/// Accepts `2`, `-1`, `[1, -2]`, `&[1, -2][..]` or a `Vec`, of `i32`, `i64` or `isize`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shift(pub SmallVec<[i64; 4]>);

macro_rules! shift_from_ints {
    ($($t:ty),*) => {$(
        impl From<$t> for Shift {
            fn from(s: $t) -> Shift {
                Shift(SmallVec::from_slice(&[s as i64]))
            }
        }
        impl<const N: usize> From<[$t; N]> for Shift {
            fn from(s: [$t; N]) -> Shift {
                Shift(s.iter().map(|&x| x as i64).collect())
            }
        }
        impl From<&[$t]> for Shift {
            fn from(s: &[$t]) -> Shift {
                Shift(s.iter().map(|&x| x as i64).collect())
            }
        }
        impl From<Vec<$t>> for Shift {
            fn from(s: Vec<$t>) -> Shift {
                Shift(s.iter().map(|&x| x as i64).collect())
            }
        }
    )*};
}
shift_from_ints!(i32, i64, isize);

/// `roll`: the shift(s) and the axes (`None`: the flattened tensor, reshaped back).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Roll {
    /// One count, or one per axis.
    pub shift: Shift,
    /// The axes rolled; `None` rolls the flattened tensor.
    pub axis: Axes,
}

/// `tile`: how many times to repeat along each dimension.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tile {
    /// Repetitions per dimension, aligned at the right with the input's dimensions (the shorter
    /// of the two is padded with 1s on the left).
    pub reps: Shape,
}

/// `repeat`'s counts as a caller gives them: one count for every element, or a 1-D integer
/// tensor with one count per element along the axis (or a single one).
#[derive(Clone, Copy, Debug)]
pub enum Repeats<'a> {
    /// The same count for every element.
    Count(usize),
    /// One count per element along the axis (or one for all), as an integer tensor.
    Tensor(&'a Tensor),
}

impl From<usize> for Repeats<'_> {
    fn from(n: usize) -> Self {
        Repeats::Count(n)
    }
}

impl<'a> From<&'a Tensor> for Repeats<'a> {
    fn from(t: &'a Tensor) -> Self {
        Repeats::Tensor(t)
    }
}

/// `repeat`'s counts in a call as data: a count, or "the next tensor input".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RepeatCount {
    /// The same count for every element.
    Count(usize),
    /// The counts are the call's second tensor input.
    Input,
}

/// `repeat`: the counts and the axis (`None`: the flattened tensor).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repeat {
    /// The counts.
    pub repeats: RepeatCount,
    /// The axis; `None` repeats the elements of the flattened tensor.
    pub axis: Axes,
}

// ---------------------------------------------------------------------------------------------
// attribute types of the `linalg` extension

/// `linalg.cholesky`: which factor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Cholesky {
    /// The upper factor `U` (`x = Uᵀ U`) instead of the lower one.
    pub upper: bool,
}

/// `linalg.qr`'s mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum QrMode {
    /// `q` is `M×K`, `r` is `K×N`, `K = min(M, N)` (the standard's default).
    #[default]
    Reduced,
    /// `q` is `M×M`, `r` is `M×N`.
    Complete,
}

impl QrMode {
    /// The standard's spelling (`"reduced"`, `"complete"`).
    pub const fn name(self) -> &'static str {
        match self {
            QrMode::Reduced => "reduced",
            QrMode::Complete => "complete",
        }
    }
}

/// `linalg.qr`: the mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct QrAttrs {
    /// Reduced or complete.
    pub mode: QrMode,
}

/// `linalg.svd`: whether `u` and `vh` are square.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SvdAttrs {
    /// `u` is `M×M` and `vh` `N×N` (the standard's default), else `M×K` and `K×N`.
    pub full_matrices: bool,
}

impl Default for SvdAttrs {
    fn default() -> SvdAttrs {
        SvdAttrs {
            full_matrices: true,
        }
    }
}

/// `linalg.pinv`/`linalg.matrix_rank`: the relative tolerance for small singular values.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Rtol {
    /// Singular values at most `rtol · largest` count as zero; `None`: `max(M, N) · eps` of
    /// the dtype (the standard's default).
    pub rtol: Option<f64>,
}

/// `linalg.matrix_power`: the exponent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct MatrixPower {
    /// The integer power; 0 gives the identity, negative powers invert first.
    pub n: i64,
}

pub use crate::catalogue::MatrixOrd;

impl MatrixOrd {
    /// As an attribute value: `"fro"`, `"nuc"`, or the number.
    pub fn to_value(self) -> AttrValue {
        match self {
            MatrixOrd::Fro => AttrValue::Str("fro".into()),
            MatrixOrd::Nuc => AttrValue::Str("nuc".into()),
            MatrixOrd::One => AttrValue::Int(1),
            MatrixOrd::NegOne => AttrValue::Int(-1),
            MatrixOrd::Two => AttrValue::Int(2),
            MatrixOrd::NegTwo => AttrValue::Int(-2),
            MatrixOrd::Inf => AttrValue::Float(f64::INFINITY),
            MatrixOrd::NegInf => AttrValue::Float(f64::NEG_INFINITY),
        }
    }

    /// Reads `"fro"`, `"nuc"`, 1, -1, 2, -2, `inf` or `-inf`.
    pub fn from_value(op: &'static str, v: &AttrValue) -> Result<MatrixOrd> {
        let number = match v {
            AttrValue::Str(s) if s == "fro" => return Ok(MatrixOrd::Fro),
            AttrValue::Str(s) if s == "nuc" => return Ok(MatrixOrd::Nuc),
            AttrValue::Int(i) => Some(*i as f64),
            AttrValue::Float(x) => Some(*x),
            AttrValue::Scalar(s) => Some(s.as_f64()),
            _ => None,
        };
        Ok(match number {
            Some(1.0) => MatrixOrd::One,
            Some(-1.0) => MatrixOrd::NegOne,
            Some(2.0) => MatrixOrd::Two,
            Some(-2.0) => MatrixOrd::NegTwo,
            Some(x) if x == f64::INFINITY => MatrixOrd::Inf,
            Some(x) if x == f64::NEG_INFINITY => MatrixOrd::NegInf,
            _ => {
                return Err(Error::InvalidArgument {
                    op,
                    reason: format!(
                        "ord must be \"fro\", \"nuc\", 1, -1, 2, -2, inf or -inf, got {v}"
                    ),
                })
            }
        })
    }
}

/// `linalg.matrix_norm`: the norm and whether the two matrix dimensions stay as size 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct MatrixNorm {
    /// Which norm.
    pub ord: MatrixOrd,
    /// Whether the result keeps the matrix dimensions, with size 1.
    pub keepdims: bool,
}

impl From<MatrixOrd> for MatrixNorm {
    fn from(ord: MatrixOrd) -> MatrixNorm {
        MatrixNorm {
            ord,
            keepdims: false,
        }
    }
}

impl MatrixNorm {
    /// Sets whether the matrix dimensions stay, with size 1.
    pub fn keepdims(mut self, keepdims: bool) -> MatrixNorm {
        self.keepdims = keepdims;
        self
    }
}

/// `linalg.vector_norm`: the axes (default all), keepdims, and the order (default 2).
/// Converts from anything that converts to [`Axes`].
#[derive(Clone, Debug, PartialEq)]
pub struct VectorNorm {
    /// The axes the norm runs over.
    pub axis: Axes,
    /// Whether reduced dimensions stay, with size 1.
    pub keepdims: bool,
    /// The order: any number but NaN; `inf`/`-inf` for the largest/smallest magnitude, 0 for
    /// the count of non-zeros.
    pub ord: f64,
}

impl Default for VectorNorm {
    fn default() -> VectorNorm {
        VectorNorm::over(Axes::All)
    }
}

impl VectorNorm {
    /// The 2-norm over `axes`.
    pub fn over(axes: impl Into<Axes>) -> VectorNorm {
        VectorNorm {
            axis: axes.into(),
            keepdims: false,
            ord: 2.0,
        }
    }

    /// Sets the order.
    pub fn ord(mut self, ord: f64) -> VectorNorm {
        self.ord = ord;
        self
    }

    /// Sets whether reduced dimensions stay, with size 1.
    pub fn keepdims(mut self, keepdims: bool) -> VectorNorm {
        self.keepdims = keepdims;
        self
    }
}

impl<A: Into<Axes>> From<A> for VectorNorm {
    fn from(axes: A) -> VectorNorm {
        VectorNorm::over(axes)
    }
}

/// `linalg.diagonal`/`linalg.trace`: the diagonal's offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Offset {
    /// 0 the main diagonal, positive above, negative below.
    pub offset: i64,
}

/// `linalg.cross`: the axis of the 3-element vectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CrossAxis {
    /// The axis (default -1), counted in the broadcast shape.
    pub axis: i64,
}

/// `layer_norm`: the trailing shape normalized over, and the epsilon added to the variance.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerNorm {
    /// The trailing dimensions of the input that are normalized together (torch's
    /// `normalized_shape`); at least one.
    pub normalized_shape: Shape,
    /// Added to the variance before the square root (default `1e-5`, torch's).
    pub eps: f64,
}

/// `conv2d`: the window's steps, padding, dilation and channel groups (the kernel's size is
/// the weight's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2d {
    /// The step between windows, per spatial dimension (default `(1, 1)`).
    pub stride: [usize; 2],
    /// Zeros added on both sides, per spatial dimension (default `(0, 0)`).
    pub padding: [usize; 2],
    /// The spacing of the kernel's taps (default `(1, 1)`).
    pub dilation: [usize; 2],
    /// Channel groups: input and output channels split into this many independent
    /// convolutions (default 1).
    pub groups: usize,
}

impl Default for Conv2d {
    fn default() -> Conv2d {
        Conv2d {
            stride: [1, 1],
            padding: [0, 0],
            dilation: [1, 1],
            groups: 1,
        }
    }
}

/// `max_pool2d`/`avg_pool2d`: the window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pool2d {
    /// The window's size per spatial dimension.
    pub kernel_size: [usize; 2],
    /// The step between windows (`None`: the kernel size).
    pub stride: Option<[usize; 2]>,
    /// Padding on both sides (default `(0, 0)`).
    pub padding: [usize; 2],
    /// The spacing of the window's taps (default `(1, 1)`; `avg_pool2d` takes only 1).
    pub dilation: [usize; 2],
}

impl Pool2d {
    /// A `k × k` window with the defaults (stride `k`, no padding, dilation 1).
    pub fn new(kernel_size: [usize; 2]) -> Pool2d {
        Pool2d {
            kernel_size,
            stride: None,
            padding: [0, 0],
            dilation: [1, 1],
        }
    }
}

/// `one_hot`: the number of classes and the result's dtype.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OneHot {
    /// The length of the new last dimension.
    pub num_classes: usize,
    /// The result's dtype (`None`: int64).
    pub dtype: Option<DType>,
}

impl Default for CrossAxis {
    fn default() -> CrossAxis {
        CrossAxis { axis: -1 }
    }
}

// ---------------------------------------------------------------------------------------------
// attributes by name

/// One attribute value, for reading and writing calls by name.
#[derive(Clone, Debug, PartialEq)]
pub enum AttrValue {
    /// `None` (all axes, no bound, default columns).
    None,
    /// A bool.
    Bool(bool),
    /// A signed integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A scalar of a given element type.
    Scalar(Scalar),
    /// A string (dtype and device names are accepted as strings).
    Str(String),
    /// A list.
    List(Vec<AttrValue>),
    /// A dtype.
    DType(DType),
    /// A device.
    Device(Device),
    /// Host data (`from_host`).
    Host(HostData),
    /// "The next tensor input" (a `clip` bound given as a tensor).
    Input,
}

impl fmt::Display for AttrValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttrValue::None => f.write_str("None"),
            AttrValue::Bool(b) => write!(f, "{b}"),
            AttrValue::Int(i) => write!(f, "{i}"),
            AttrValue::Float(x) => write!(f, "{x:?}"),
            AttrValue::Scalar(s) => write!(f, "{s:?}"),
            AttrValue::Str(s) => write!(f, "{s:?}"),
            AttrValue::List(v) => {
                f.write_str("[")?;
                for (i, x) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{x}")?;
                }
                f.write_str("]")
            }
            AttrValue::DType(d) => write!(f, "{d}"),
            AttrValue::Device(d) => write!(f, "{d}"),
            AttrValue::Host(h) => write!(f, "<{} {} elements>", h.dtype(), h.len()),
            AttrValue::Input => f.write_str("<input>"),
        }
    }
}

/// Attributes by name: what an attribute type is made of.
pub trait Attributes: Sized {
    /// The attributes as `(name, value)` pairs, in the standard's order.
    fn to_attrs(&self) -> Vec<(&'static str, AttrValue)>;
    /// Builds the attributes from named values; a missing name takes the standard's default
    /// where it has one, else is an error.
    fn from_attrs(op: &'static str, attrs: &[(&str, AttrValue)]) -> Result<Self>;
}

/// Reads named attribute values for one op, with errors that say which attribute and what was
/// expected.
pub struct AttrReader<'a> {
    op: &'static str,
    attrs: &'a [(&'a str, AttrValue)],
}

impl<'a> AttrReader<'a> {
    /// A reader over `attrs` for `op`.
    pub fn new(op: &'static str, attrs: &'a [(&'a str, AttrValue)]) -> AttrReader<'a> {
        AttrReader { op, attrs }
    }

    fn get(&self, name: &str) -> Option<&'a AttrValue> {
        self.attrs.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    fn bad(&self, name: &str, expected: &str, got: &AttrValue) -> Error {
        Error::InvalidArgument {
            op: self.op,
            reason: format!("attribute `{name}` must be {expected}, got {got}"),
        }
    }

    fn missing(&self, name: &str) -> Error {
        Error::InvalidArgument {
            op: self.op,
            reason: format!("attribute `{name}` is required"),
        }
    }

    fn required(&self, name: &str) -> Result<&'a AttrValue> {
        self.get(name).ok_or_else(|| self.missing(name))
    }

    /// An integer.
    pub fn int(&self, name: &str, default: Option<i64>) -> Result<i64> {
        match self.get(name) {
            None => default.ok_or_else(|| self.missing(name)),
            Some(AttrValue::Int(i)) => Ok(*i),
            Some(AttrValue::Scalar(Scalar::Int(i))) => Ok(*i),
            Some(AttrValue::Scalar(Scalar::UInt(u))) if *u <= i64::MAX as u64 => Ok(*u as i64),
            Some(v) => Err(self.bad(name, "an integer", v)),
        }
    }

    /// A non-negative integer.
    pub fn usize(&self, name: &str, default: Option<usize>) -> Result<usize> {
        let i = self.int(name, default.map(|d| d as i64))?;
        usize::try_from(i).map_err(|_| self.bad(name, "a non-negative integer", &AttrValue::Int(i)))
    }

    /// A non-negative integer or `None`.
    pub fn opt_usize(&self, name: &str) -> Result<Option<usize>> {
        match self.get(name) {
            None | Some(AttrValue::None) => Ok(None),
            Some(_) => self.usize(name, None).map(Some),
        }
    }

    /// A float (integers accepted).
    pub fn f64(&self, name: &str, default: Option<f64>) -> Result<f64> {
        match self.get(name) {
            None => default.ok_or_else(|| self.missing(name)),
            Some(AttrValue::Float(x)) => Ok(*x),
            Some(AttrValue::Int(i)) => Ok(*i as f64),
            Some(AttrValue::Scalar(s)) => Ok(s.as_f64()),
            Some(v) => Err(self.bad(name, "a number", v)),
        }
    }

    /// A bool.
    pub fn bool(&self, name: &str, default: Option<bool>) -> Result<bool> {
        match self.get(name) {
            None => default.ok_or_else(|| self.missing(name)),
            Some(AttrValue::Bool(b)) => Ok(*b),
            Some(v) => Err(self.bad(name, "a bool", v)),
        }
    }

    /// A scalar (numbers and bools accepted).
    pub fn scalar(&self, name: &str) -> Result<Scalar> {
        match self.required(name)? {
            AttrValue::Scalar(s) => Ok(*s),
            AttrValue::Int(i) => Ok(Scalar::Int(*i)),
            AttrValue::Float(x) => Ok(Scalar::Float(*x)),
            AttrValue::Bool(b) => Ok(Scalar::Bool(*b)),
            v => Err(self.bad(name, "a scalar", v)),
        }
    }

    /// A dtype (or its name).
    pub fn dtype(&self, name: &str) -> Result<DType> {
        match self.required(name)? {
            AttrValue::DType(d) => Ok(*d),
            AttrValue::Str(s) => DType::from_name(s).ok_or_else(|| Error::InvalidArgument {
                op: self.op,
                reason: format!(
                    "attribute `{name}`: unknown dtype `{s}`; expected one of {}",
                    DType::ALL
                        .iter()
                        .map(|d| d.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }),
            v => Err(self.bad(name, "a dtype", v)),
        }
    }

    /// A dtype (or its name), or `None`.
    pub fn opt_dtype(&self, name: &str) -> Result<Option<DType>> {
        match self.get(name) {
            None | Some(AttrValue::None) => Ok(None),
            Some(_) => self.dtype(name).map(Some),
        }
    }

    /// A device (or its name).
    pub fn device(&self, name: &str) -> Result<Device> {
        match self.required(name)? {
            AttrValue::Device(d) => Ok(*d),
            AttrValue::Str(s) => Device::parse(s),
            v => Err(self.bad(name, "a device", v)),
        }
    }

    /// A list of integers.
    pub fn ints(&self, name: &str) -> Result<Vec<i64>> {
        let v = self.required(name)?;
        self.int_list(name, v)
    }

    fn int_list(&self, name: &str, v: &AttrValue) -> Result<Vec<i64>> {
        match v {
            AttrValue::List(items) => items
                .iter()
                .map(|x| match x {
                    AttrValue::Int(i) => Ok(*i),
                    other => Err(self.bad(name, "a list of integers", other)),
                })
                .collect(),
            other => Err(self.bad(name, "a list of integers", other)),
        }
    }

    /// A pair of sizes (height, width): one integer `>= 0` for both, or a list of two;
    /// `default` when absent.
    pub fn pair(&self, name: &str, default: Option<[usize; 2]>) -> Result<[usize; 2]> {
        let Some(v) = self.get(name) else {
            return default.ok_or_else(|| self.missing(name));
        };
        let expected = "a size >= 0 or a list of two";
        match v {
            AttrValue::Int(i) if *i >= 0 => Ok([*i as usize; 2]),
            AttrValue::List(items) if items.len() == 2 => {
                let mut out = [0usize; 2];
                for (o, x) in out.iter_mut().zip(items) {
                    match x {
                        AttrValue::Int(i) if *i >= 0 => *o = *i as usize,
                        other => return Err(self.bad(name, expected, other)),
                    }
                }
                Ok(out)
            }
            other => Err(self.bad(name, expected, other)),
        }
    }

    /// A pair as [`AttrReader::pair`], or `None` (absent or given as none).
    pub fn opt_pair(&self, name: &str) -> Result<Option<[usize; 2]>> {
        match self.get(name) {
            None | Some(AttrValue::None) => Ok(None),
            Some(_) => self.pair(name, None).map(Some),
        }
    }

    /// A shape (a list of non-negative integers).
    pub fn shape(&self, name: &str) -> Result<Shape> {
        match self.required(name)? {
            AttrValue::List(items) => items
                .iter()
                .map(|x| match x {
                    AttrValue::Int(i) if *i >= 0 => Ok(*i as usize),
                    AttrValue::Scalar(Scalar::UInt(u)) => usize::try_from(*u)
                        .map_err(|_| self.bad(name, "a list of sizes that fit usize", x)),
                    other => Err(self.bad(name, "a list of sizes >= 0", other)),
                })
                .collect(),
            other => Err(self.bad(name, "a list of sizes >= 0", other)),
        }
    }

    /// Axes: `None`, an integer, or a list of integers; `default` when absent.
    pub fn axes(&self, name: &str, default: Option<Axes>) -> Result<Axes> {
        match self.get(name) {
            None => default.ok_or_else(|| self.missing(name)),
            Some(AttrValue::None) => Ok(Axes::All),
            Some(AttrValue::Int(i)) => Ok(Axes::one(*i as isize)),
            Some(v) => Ok(Axes::List(
                self.int_list(name, v)?
                    .into_iter()
                    .map(|i| i as isize)
                    .collect(),
            )),
        }
    }

    /// Host data.
    pub fn host(&self, name: &str) -> Result<HostData> {
        match self.required(name)? {
            AttrValue::Host(h) => Ok(h.clone()),
            v => Err(self.bad(name, "host data", v)),
        }
    }

    /// A `clip` bound: `None`, a scalar, or "the next input".
    pub fn bound(&self, name: &str) -> Result<ClipBound> {
        match self.get(name) {
            None | Some(AttrValue::None) => Ok(ClipBound::None),
            Some(AttrValue::Input) => Ok(ClipBound::Input),
            Some(_) => self.scalar(name).map(ClipBound::Scalar),
        }
    }

    /// A float or `None` (integers accepted).
    pub fn opt_f64(&self, name: &str) -> Result<Option<f64>> {
        match self.get(name) {
            None | Some(AttrValue::None) => Ok(None),
            Some(_) => self.f64(name, None).map(Some),
        }
    }

    /// `linalg.qr`'s mode: `"reduced"` (the default) or `"complete"`.
    pub fn qr_mode(&self, name: &str) -> Result<QrMode> {
        match self.get(name) {
            None => Ok(QrMode::Reduced),
            Some(AttrValue::Str(s)) if s == "reduced" => Ok(QrMode::Reduced),
            Some(AttrValue::Str(s)) if s == "complete" => Ok(QrMode::Complete),
            Some(v) => Err(self.bad(name, "\"reduced\" or \"complete\"", v)),
        }
    }

    /// `linalg.matrix_norm`'s order (default `"fro"`).
    pub fn matrix_ord(&self, name: &str) -> Result<MatrixOrd> {
        match self.get(name) {
            None => Ok(MatrixOrd::Fro),
            Some(v) => MatrixOrd::from_value(self.op, v),
        }
    }

    /// `tensordot`'s axes: a count, or a pair of lists.
    pub fn tensordot_axes(&self, name: &str) -> Result<TensordotAxes> {
        match self.required(name)? {
            AttrValue::Int(n) if *n >= 0 => Ok(TensordotAxes::Count(*n as usize)),
            AttrValue::List(pair) if pair.len() == 2 => {
                let a = self.int_list(name, &pair[0])?;
                let b = self.int_list(name, &pair[1])?;
                Ok(TensordotAxes::Pairs(
                    a.into_iter().map(|i| i as isize).collect(),
                    b.into_iter().map(|i| i as isize).collect(),
                ))
            }
            v => Err(self.bad(name, "a count >= 0 or a pair of axis lists", v)),
        }
    }
}

/// Axes as an attribute value: `None` for all, else the list.
impl From<&Axes> for AttrValue {
    fn from(a: &Axes) -> AttrValue {
        match a {
            Axes::All => AttrValue::None,
            Axes::List(v) => AttrValue::List(v.iter().map(|&i| AttrValue::Int(i as i64)).collect()),
        }
    }
}

fn axes_value(a: &Axes) -> AttrValue {
    AttrValue::from(a)
}

/// A one-axis attribute (`axis=`): an integer, `None`, or (when a list was given) the list.
fn axis_value(a: &Axes) -> AttrValue {
    match a {
        Axes::List(v) if v.len() == 1 => AttrValue::Int(v[0] as i64),
        other => axes_value(other),
    }
}

fn shape_value(s: &[usize]) -> AttrValue {
    let size = |d: usize| match i64::try_from(d) {
        Ok(i) => AttrValue::Int(i),
        Err(_) => AttrValue::Scalar(Scalar::UInt(d as u64)),
    };
    AttrValue::List(s.iter().map(|&d| size(d)).collect())
}

fn bound_value(b: &ClipBound) -> AttrValue {
    match b {
        ClipBound::None => AttrValue::None,
        ClipBound::Scalar(s) => AttrValue::Scalar(*s),
        ClipBound::Input => AttrValue::Input,
    }
}

macro_rules! attributes {
    ($ty:ident { $($field:ident : $to:expr => $from:expr),* $(,)? }) => {
        impl Attributes for $ty {
            #[allow(unused_variables)]
            fn to_attrs(&self) -> Vec<(&'static str, AttrValue)> {
                let this = self;
                vec![$((stringify!($field), { let f = &this.$field; $to(f) }),)*]
            }
            #[allow(unused_variables)]
            fn from_attrs(op: &'static str, attrs: &[(&str, AttrValue)]) -> Result<Self> {
                let r = AttrReader::new(op, attrs);
                Ok($ty { $($field: $from(&r, stringify!($field))?,)* })
            }
        }
    };
}

attributes!(NoAttrs {});
attributes!(FromHost {
    data: |h: &HostData| AttrValue::Host(h.clone()) => |r: &AttrReader, n| r.host(n),
    shape: |s: &Shape| shape_value(s) => |r: &AttrReader, n| r.shape(n),
});
attributes!(ToDevice {
    device: |d: &Device| AttrValue::Device(*d) => |r: &AttrReader, n| r.device(n),
});
attributes!(Full {
    shape: |s: &Shape| shape_value(s) => |r: &AttrReader, n| r.shape(n),
    value: |v: &Scalar| AttrValue::Scalar(*v) => |r: &AttrReader, n| r.scalar(n),
    dtype: |d: &DType| AttrValue::DType(*d) => |r: &AttrReader, n| r.dtype(n),
});
attributes!(Fill {
    shape: |s: &Shape| shape_value(s) => |r: &AttrReader, n| r.shape(n),
    dtype: |d: &DType| AttrValue::DType(*d) => |r: &AttrReader, n| r.dtype(n),
});
attributes!(Arange {
    start: |v: &Scalar| AttrValue::Scalar(*v) => |r: &AttrReader, n| r.scalar(n),
    stop: |v: &Scalar| AttrValue::Scalar(*v) => |r: &AttrReader, n| r.scalar(n),
    step: |v: &Scalar| AttrValue::Scalar(*v) => |r: &AttrReader, n| r.scalar(n),
    dtype: |d: &DType| AttrValue::DType(*d) => |r: &AttrReader, n| r.dtype(n),
});
attributes!(Like {
    dtype: |d: &Option<DType>| d.map_or(AttrValue::None, AttrValue::DType)
        => |r: &AttrReader, n| r.opt_dtype(n),
});
attributes!(FullLike {
    value: |v: &Scalar| AttrValue::Scalar(*v) => |r: &AttrReader, n| r.scalar(n),
    dtype: |d: &Option<DType>| d.map_or(AttrValue::None, AttrValue::DType)
        => |r: &AttrReader, n| r.opt_dtype(n),
});
attributes!(MoveAxes {
    source: axis_value => |r: &AttrReader, n| r.axes(n, None),
    destination: axis_value => |r: &AttrReader, n| r.axes(n, None),
});
attributes!(Linspace {
    start: |v: &Scalar| AttrValue::Scalar(*v) => |r: &AttrReader, n| r.scalar(n),
    stop: |v: &Scalar| AttrValue::Scalar(*v) => |r: &AttrReader, n| r.scalar(n),
    num: |v: &usize| AttrValue::Int(*v as i64) => |r: &AttrReader, n| r.usize(n, None),
    endpoint: |v: &bool| AttrValue::Bool(*v) => |r: &AttrReader, n| r.bool(n, Some(true)),
    dtype: |d: &DType| AttrValue::DType(*d) => |r: &AttrReader, n| r.dtype(n),
});
attributes!(Eye {
    n_rows: |v: &usize| AttrValue::Int(*v as i64) => |r: &AttrReader, n| r.usize(n, None),
    n_cols: |v: &Option<usize>| v.map_or(AttrValue::None, |c| AttrValue::Int(c as i64))
        => |r: &AttrReader, n| r.opt_usize(n),
    k: |v: &i64| AttrValue::Int(*v) => |r: &AttrReader, n| r.int(n, Some(0)),
    dtype: |d: &DType| AttrValue::DType(*d) => |r: &AttrReader, n| r.dtype(n),
});
attributes!(Clip {
    min: bound_value => |r: &AttrReader, n| r.bound(n),
    max: bound_value => |r: &AttrReader, n| r.bound(n),
});
attributes!(AxisAttr {
    axis: axis_value => |r: &AttrReader, n| r.axes(n, None),
});
attributes!(AxesAttr {
    axes: axes_value => |r: &AttrReader, n| r.axes(n, Some(Axes::All)),
});
impl Attributes for TensordotAxes {
    fn to_attrs(&self) -> Vec<(&'static str, AttrValue)> {
        let list =
            |v: &[isize]| AttrValue::List(v.iter().map(|&i| AttrValue::Int(i as i64)).collect());
        let v = match self {
            TensordotAxes::Count(n) => AttrValue::Int(*n as i64),
            TensordotAxes::Pairs(a, b) => AttrValue::List(vec![list(a), list(b)]),
        };
        vec![("axes", v)]
    }
    fn from_attrs(op: &'static str, attrs: &[(&str, AttrValue)]) -> Result<Self> {
        AttrReader::new(op, attrs).tensordot_axes("axes")
    }
}
attributes!(Reduction {
    axes: axes_value => |r: &AttrReader, n| r.axes(n, Some(Axes::All)),
    keepdims: |v: &bool| AttrValue::Bool(*v) => |r: &AttrReader, n| r.bool(n, Some(false)),
});
attributes!(ArgReduction {
    axis: axis_value => |r: &AttrReader, n| r.axes(n, Some(Axes::All)),
    keepdims: |v: &bool| AttrValue::Bool(*v) => |r: &AttrReader, n| r.bool(n, Some(false)),
});
attributes!(Statistic {
    axes: axes_value => |r: &AttrReader, n| r.axes(n, Some(Axes::All)),
    correction: |v: &f64| AttrValue::Float(*v) => |r: &AttrReader, n| r.f64(n, Some(0.0)),
    keepdims: |v: &bool| AttrValue::Bool(*v) => |r: &AttrReader, n| r.bool(n, Some(false)),
});
attributes!(CumulativeSum {
    axis: axis_value => |r: &AttrReader, n| r.axes(n, Some(Axes::All)),
    include_initial: |v: &bool| AttrValue::Bool(*v)
        => |r: &AttrReader, n| r.bool(n, Some(false)),
});
attributes!(Sorting {
    axis: axis_value => |r: &AttrReader, n| r.axes(n, Some(Axes::one(-1))),
    descending: |v: &bool| AttrValue::Bool(*v) => |r: &AttrReader, n| r.bool(n, Some(false)),
});
attributes!(NewShape {
    shape: |s: &SmallVec<[isize; 4]>| AttrValue::List(s.iter().map(|&i| AttrValue::Int(i as i64)).collect())
        => |r: &AttrReader, n| r.ints(n).map(|v| v.into_iter().map(|i| i as isize).collect()),
});
attributes!(BroadcastShape {
    shape: |s: &Shape| shape_value(s) => |r: &AttrReader, n| r.shape(n),
});
attributes!(AsType {
    dtype: |d: &DType| AttrValue::DType(*d) => |r: &AttrReader, n| r.dtype(n),
});
attributes!(Diagonal {
    k: |v: &i64| AttrValue::Int(*v) => |r: &AttrReader, n| r.int(n, Some(0)),
});
attributes!(Cholesky {
    upper: |v: &bool| AttrValue::Bool(*v) => |r: &AttrReader, n| r.bool(n, Some(false)),
});
attributes!(QrAttrs {
    mode: |m: &QrMode| AttrValue::Str(m.name().into()) => |r: &AttrReader, n| r.qr_mode(n),
});
attributes!(SvdAttrs {
    full_matrices: |v: &bool| AttrValue::Bool(*v) => |r: &AttrReader, n| r.bool(n, Some(true)),
});
attributes!(Rtol {
    rtol: |v: &Option<f64>| v.map_or(AttrValue::None, AttrValue::Float)
        => |r: &AttrReader, n| r.opt_f64(n),
});
attributes!(MatrixPower {
    n: |v: &i64| AttrValue::Int(*v) => |r: &AttrReader, n| r.int(n, None),
});
attributes!(MatrixNorm {
    keepdims: |v: &bool| AttrValue::Bool(*v) => |r: &AttrReader, n| r.bool(n, Some(false)),
    ord: |o: &MatrixOrd| o.to_value() => |r: &AttrReader, n| r.matrix_ord(n),
});
attributes!(VectorNorm {
    axis: axes_value => |r: &AttrReader, n| r.axes(n, Some(Axes::All)),
    keepdims: |v: &bool| AttrValue::Bool(*v) => |r: &AttrReader, n| r.bool(n, Some(false)),
    ord: |v: &f64| AttrValue::Float(*v) => |r: &AttrReader, n| r.f64(n, Some(2.0)),
});
attributes!(Offset {
    offset: |v: &i64| AttrValue::Int(*v) => |r: &AttrReader, n| r.int(n, Some(0)),
});
attributes!(CrossAxis {
    axis: |v: &i64| AttrValue::Int(*v) => |r: &AttrReader, n| r.int(n, Some(-1)),
});
fn pair_value(p: &[usize; 2]) -> AttrValue {
    AttrValue::List(p.iter().map(|&v| AttrValue::Int(v as i64)).collect())
}

attributes!(Conv2d {
    stride: pair_value => |r: &AttrReader, n| r.pair(n, Some([1, 1])),
    padding: pair_value => |r: &AttrReader, n| r.pair(n, Some([0, 0])),
    dilation: pair_value => |r: &AttrReader, n| r.pair(n, Some([1, 1])),
    groups: |v: &usize| AttrValue::Int(*v as i64) => |r: &AttrReader, n| r.usize(n, Some(1)),
});
attributes!(Pool2d {
    kernel_size: pair_value => |r: &AttrReader, n| r.pair(n, None),
    stride: |v: &Option<[usize; 2]>| v.as_ref().map_or(AttrValue::None, pair_value)
        => |r: &AttrReader, n| r.opt_pair(n),
    padding: pair_value => |r: &AttrReader, n| r.pair(n, Some([0, 0])),
    dilation: pair_value => |r: &AttrReader, n| r.pair(n, Some([1, 1])),
});
attributes!(LayerNorm {
    normalized_shape: |s: &Shape| shape_value(s) => |r: &AttrReader, n| r.shape(n),
    eps: |v: &f64| AttrValue::Float(*v) => |r: &AttrReader, n| r.f64(n, Some(1e-5)),
});
attributes!(OneHot {
    num_classes: |v: &usize| AttrValue::Int(*v as i64) => |r: &AttrReader, n| r.usize(n, None),
    dtype: |d: &Option<DType>| d.map_or(AttrValue::None, AttrValue::DType)
        => |r: &AttrReader, n| r.opt_dtype(n),
});

fn shift_value(s: &Shift) -> AttrValue {
    match s.0.as_slice() {
        [one] => AttrValue::Int(*one),
        many => AttrValue::List(many.iter().map(|&i| AttrValue::Int(i)).collect()),
    }
}

fn read_shift(r: &AttrReader, name: &str) -> Result<Shift> {
    match r.get(name) {
        Some(AttrValue::Int(i)) => Ok(Shift(SmallVec::from_slice(&[*i]))),
        _ => r.ints(name).map(|v| Shift(v.into_iter().collect())),
    }
}

fn repeat_count_value(c: &RepeatCount) -> AttrValue {
    match c {
        RepeatCount::Count(n) => AttrValue::Int(*n as i64),
        RepeatCount::Input => AttrValue::Input,
    }
}

fn read_repeat_count(r: &AttrReader, name: &str) -> Result<RepeatCount> {
    match r.get(name) {
        Some(AttrValue::Input) => Ok(RepeatCount::Input),
        _ => r.usize(name, None).map(RepeatCount::Count),
    }
}

attributes!(Roll {
    shift: shift_value => read_shift,
    axis: axis_value => |r: &AttrReader, n| r.axes(n, Some(Axes::All)),
});
attributes!(Tile {
    reps: |s: &Shape| shape_value(s) => |r: &AttrReader, n| r.shape(n),
});
attributes!(Repeat {
    repeats: repeat_count_value => read_repeat_count,
    axis: axis_value => |r: &AttrReader, n| r.axes(n, Some(Axes::All)),
});

impl Attributes for Slicing {
    fn to_attrs(&self) -> Vec<(&'static str, AttrValue)> {
        let bound = |b: Option<i64>| b.map_or(AttrValue::None, AttrValue::Int);
        let slices = self
            .slices
            .iter()
            .map(|s| AttrValue::List(vec![bound(s.start), bound(s.stop), AttrValue::Int(s.step)]))
            .collect();
        vec![("slices", AttrValue::List(slices))]
    }
    fn from_attrs(op: &'static str, attrs: &[(&str, AttrValue)]) -> Result<Self> {
        let r = AttrReader::new(op, attrs);
        let expected = "a list of [start, stop, step] triples (start and stop may be None)";
        let items = match r.required("slices")? {
            AttrValue::List(items) => items,
            other => return Err(r.bad("slices", expected, other)),
        };
        let bound = |v: &AttrValue| match v {
            AttrValue::None => Ok(None),
            AttrValue::Int(i) => Ok(Some(*i)),
            other => Err(r.bad("slices", expected, other)),
        };
        let slices = items
            .iter()
            .map(|item| match item {
                AttrValue::List(t) if t.len() == 3 => Ok(SliceSpec {
                    start: bound(&t[0])?,
                    stop: bound(&t[1])?,
                    step: match &t[2] {
                        AttrValue::Int(i) => *i,
                        other => return Err(r.bad("slices", expected, other)),
                    },
                }),
                other => Err(r.bad("slices", expected, other)),
            })
            .collect::<Result<_>>()?;
        Ok(Slicing { slices })
    }
}

impl Attributes for SearchSide {
    fn to_attrs(&self) -> Vec<(&'static str, AttrValue)> {
        vec![("side", AttrValue::Str(self.side.name().into()))]
    }
    fn from_attrs(op: &'static str, attrs: &[(&str, AttrValue)]) -> Result<Self> {
        let r = AttrReader::new(op, attrs);
        let side = match r.get("side") {
            None => Side::Left,
            Some(AttrValue::Str(s)) if s == "left" => Side::Left,
            Some(AttrValue::Str(s)) if s == "right" => Side::Right,
            Some(other) => return Err(r.bad("side", "\"left\" or \"right\"", other)),
        };
        Ok(SearchSide { side })
    }
}

/// The attribute type of each kind (see the catalogue).
#[doc(hidden)]
#[macro_export]
macro_rules! __kind_attrs {
    (FromHost) => {
        $crate::call::FromHost
    };
    (ToHost) => {
        $crate::call::NoAttrs
    };
    (ToDevice) => {
        $crate::call::ToDevice
    };
    (Full) => {
        $crate::call::Full
    };
    (Fill) => {
        $crate::call::Fill
    };
    (Arange) => {
        $crate::call::Arange
    };
    (Linspace) => {
        $crate::call::Linspace
    };
    (Eye) => {
        $crate::call::Eye
    };
    (Like) => {
        $crate::call::Like
    };
    (FullLike) => {
        $crate::call::FullLike
    };
    (MoveAxis) => {
        $crate::call::MoveAxes
    };
    (Unary) => {
        $crate::call::NoAttrs
    };
    (Binary) => {
        $crate::call::NoAttrs
    };
    (Where) => {
        $crate::call::NoAttrs
    };
    (Clip) => {
        $crate::call::Clip
    };
    (Matmul) => {
        $crate::call::NoAttrs
    };
    (MatrixTranspose) => {
        $crate::call::NoAttrs
    };
    (SquareMatrix) => {
        $crate::call::NoAttrs
    };
    (Vecdot) => {
        $crate::call::AxisAttr
    };
    (Tensordot) => {
        $crate::call::TensordotAxes
    };
    (Reduce) => {
        $crate::call::Reduction
    };
    (Statistic) => {
        $crate::call::Statistic
    };
    (ArgReduce) => {
        $crate::call::ArgReduction
    };
    (CumulativeSum) => {
        $crate::call::CumulativeSum
    };
    (Sort) => {
        $crate::call::Sorting
    };
    (Softmax) => {
        $crate::call::AxisAttr
    };
    (Reshape) => {
        $crate::call::NewShape
    };
    (PermuteDims) => {
        $crate::call::AxesAttr
    };
    (ExpandDims) => {
        $crate::call::AxisAttr
    };
    (Squeeze) => {
        $crate::call::AxesAttr
    };
    (Flip) => {
        $crate::call::AxesAttr
    };
    (BroadcastTo) => {
        $crate::call::BroadcastShape
    };
    (Concat) => {
        $crate::call::AxisAttr
    };
    (Stack) => {
        $crate::call::AxisAttr
    };
    (AsType) => {
        $crate::call::AsType
    };
    (Triangle) => {
        $crate::call::Diagonal
    };
    (Roll) => {
        $crate::call::Roll
    };
    (Tile) => {
        $crate::call::Tile
    };
    (Repeat) => {
        $crate::call::Repeat
    };
    (Take) => {
        $crate::call::AxisAttr
    };
    (TakeAlongAxis) => {
        $crate::call::AxisAttr
    };
    (StridedSlice) => {
        $crate::call::Slicing
    };
    (ArgWhere) => {
        $crate::call::NoAttrs
    };
    (SearchSorted) => {
        $crate::call::SearchSide
    };
    (Put) => {
        $crate::call::NoAttrs
    };
    (Solve) => {
        $crate::call::NoAttrs
    };
    (Cholesky) => {
        $crate::call::Cholesky
    };
    (Qr) => {
        $crate::call::QrAttrs
    };
    (Svd) => {
        $crate::call::SvdAttrs
    };
    (Matrices) => {
        $crate::call::NoAttrs
    };
    (Eigh) => {
        $crate::call::NoAttrs
    };
    (Slogdet) => {
        $crate::call::NoAttrs
    };
    (Rtol) => {
        $crate::call::Rtol
    };
    (MatrixPower) => {
        $crate::call::MatrixPower
    };
    (MatrixNorm) => {
        $crate::call::MatrixNorm
    };
    (VectorNorm) => {
        $crate::call::VectorNorm
    };
    (Outer) => {
        $crate::call::NoAttrs
    };
    (MatrixDiagonal) => {
        $crate::call::Offset
    };
    (Cross) => {
        $crate::call::CrossAxis
    };
    (LayerNorm) => {
        $crate::call::LayerNorm
    };
    (Conv2d) => {
        $crate::call::Conv2d
    };
    (Pool2d) => {
        $crate::call::Pool2d
    };
    (OneHot) => {
        $crate::call::OneHot
    };
}

macro_rules! declare_calls {
    ($( $(#[$doc:meta])* $op:ident = $name:literal, $group:ident, $sig:ty,
        $kind:ident $(($flavor:ident))? $(, $fb:ident)? ;)*) => {
        /// One op call as data: the op and its attributes, without its tensor inputs.
        /// Run it with [`run`](crate::run) or [`run_on`](crate::run_on).
        #[allow(non_camel_case_types)]
        #[derive(Clone, Debug, PartialEq)]
        pub enum OpCall { $( #[doc = $name] $op($crate::__kind_attrs!($kind)), )* }

        impl OpCall {
            /// The op.
            pub const fn op(&self) -> crate::catalogue::Op {
                match self { $(OpCall::$op(_) => crate::catalogue::Op::$op,)* }
            }

            /// The attributes by name, in the standard's order.
            pub fn attrs(&self) -> Vec<(&'static str, AttrValue)> {
                match self { $(OpCall::$op(a) => a.to_attrs(),)* }
            }

            /// Builds a call of `op` from named attributes; absent ones take the standard's
            /// default where it has one.
            pub fn from_attrs(
                op: crate::catalogue::Op,
                attrs: &[(&str, AttrValue)],
            ) -> Result<OpCall> {
                Ok(match op {
                    $(crate::catalogue::Op::$op => OpCall::$op(
                        <$crate::__kind_attrs!($kind) as Attributes>::from_attrs(op.name(), attrs)?
                    ),)*
                })
            }
        }
    };
}

crate::for_each_op!(declare_calls);

impl fmt::Display for OpCall {
    /// `sum(axes=[0], keepdims=true)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}(", self.op().name())?;
        for (i, (name, value)) in self.attrs().iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{name}={value}")?;
        }
        f.write_str(")")
    }
}

/// What running an [`OpCall`] gives: a tensor, host data for `to_host`, or several tensors
/// for the decompositions (`linalg.qr`: q, r; `linalg.svd`: u, s, vh; `linalg.eigh`:
/// eigenvalues, eigenvectors; `linalg.slogdet`: sign, logabsdet), in the standard's order.
#[derive(Clone, Debug)]
pub enum Output {
    /// A tensor.
    Tensor(Tensor),
    /// Host data (`to_host`).
    Host(HostData),
    /// The tensors of a decomposition, in the order of its named result's fields.
    Tensors(Vec<Tensor>),
}

impl Output {
    /// The tensor; an error for host data.
    pub fn into_tensor(self) -> Result<Tensor> {
        match self {
            Output::Tensor(t) => Ok(t),
            Output::Tensors(v) => Err(Error::InvalidArgument {
                op: "run",
                reason: format!(
                    "the call returned {} tensors (a decomposition), not one; use into_tensors",
                    v.len()
                ),
            }),
            Output::Host(h) => Err(Error::InvalidArgument {
                op: "to_host",
                reason: format!(
                    "the call returned host data ({} {} elements), not a tensor",
                    h.dtype(),
                    h.len()
                ),
            }),
        }
    }
}

impl Output {
    /// The tensors: one for a single tensor, all of a decomposition; an error for host data.
    pub fn into_tensors(self) -> Result<Vec<Tensor>> {
        match self {
            Output::Tensors(v) => Ok(v),
            Output::Tensor(t) => Ok(vec![t]),
            Output::Host(h) => Err(Error::InvalidArgument {
                op: "to_host",
                reason: format!(
                    "the call returned host data ({} {} elements), not tensors",
                    h.dtype(),
                    h.len()
                ),
            }),
        }
    }
}

impl From<Tensor> for Output {
    fn from(t: Tensor) -> Output {
        Output::Tensor(t)
    }
}
