//! The public ops, named as in the Python Array API standard.
//!
//! Every function here, its method form on [`Tensor`] and the arm of [`run`] that executes an
//! [`OpCall`] are generated from the op's one line in the catalogue
//! ([`for_each_op!`](crate::for_each_op)), by the macros at the end of this file: the op's
//! *kind* gives the signature and the validation, the line's identifier the slot, so a wrapper
//! cannot be wired to another op's slot and none can be missing.
//!
//! Each op does one validation step (shapes, axes, dtypes; promotion by the core's table) and
//! one dispatch step (a function-pointer call through the active function table). Backends
//! receive normalised arguments: see the slot types in [`crate::catalogue`].
//!
//! The code is grouped by theme: `dispatch` (what every op does around its slot call),
//! `creation`, `elementwise`, `linear_algebra`, `reduce`, `manip`, and the compositional `fallbacks`;
//! `composite` holds the functions that return several tensors (`broadcast_arrays`,
//! `meshgrid`, `unstack`), composed from ops, outside the catalogue.

mod asarray;
mod composite;
pub(crate) mod creation;
pub(crate) mod dispatch;
mod dtype_queries;
mod elementwise;
pub(crate) mod fallbacks;
pub(crate) mod indexing;
mod indexing_fallbacks;
mod linalg_fallbacks;
mod linalg_kernels;
mod linear_algebra;
mod manip;
mod nn;
mod nn_fallbacks;
#[cfg(feature = "serde")]
pub(crate) use nn::check_window;
mod reduce;
mod shape;

pub use asarray::{asarray, ArraySource, AsArray};
pub use composite::{broadcast_arrays, meshgrid, unstack, MeshgridIndexing};
pub use creation::{evaluate, to_backend};
pub use dtype_queries::{
    can_cast, finfo, iinfo, isdtype, result_type, DTypeKind, FInfo, HasDType, IInfo,
};
pub use shape::broadcast_shapes;

use crate::call::{
    Arange, ArgReduction, AsType, Axes, AxesAttr, AxisAttr, Bound, BroadcastShape, Cholesky,
    CrossAxis, CumulativeSum, Diagonal, Eye, Fill, FromHost, Full, FullLike, Like, Linspace,
    MatrixNorm, MatrixPower, MoveAxes, NewShape, Offset, OpCall, Output, QrAttrs, QrMode,
    Reduction, RepeatCount, Repeats, Roll, Rtol, SearchSide, Shift, Slicing, Sorting, Statistic,
    SvdAttrs, TensordotAxes, Tile, ToDevice, VectorNorm,
};
use crate::catalogue::Op;
use crate::dtype::{DType, HostData, Scalar};
use crate::error::Result;
use crate::state::{Backend, TableGuard};
use crate::tensor::{Device, Tensor};
use elementwise::{Binary, Unary};
use reduce::Reduce;

/// Runs one op call given as data on the backend the precedence rule picks (see
/// [`crate::state`]), with its tensor inputs in order. This is exactly what the op's public
/// function does: `run(&OpCall::add(NoAttrs), &[&a, &b])` is `add(&a, &b)`.
pub fn run(call: &OpCall, inputs: &[&Tensor]) -> Result<Output> {
    let _section = crate::tensor::live::enter();
    run_call(call, inputs)
}

/// Runs one op call given as data on `backend`, whatever the stack says (the ops the call
/// composes, for a fallback, run there too).
pub fn run_on(backend: Backend, call: &OpCall, inputs: &[&Tensor]) -> Result<Output> {
    let _guard = TableGuard::new(backend.table());
    let _section = crate::tensor::live::enter();
    run_call(call, inputs)
}

/// The `linalg` extension of the standard, under its own names, with the named results of
/// its decompositions.
pub mod linalg {
    pub use super::linalg_det as det;
    pub use super::linalg_inv as inv;
    pub use super::linear_algebra::{Eigh, Qr, SlogDet, Svd};
    pub use super::{
        linalg_cholesky as cholesky, linalg_cross as cross, linalg_diagonal as diagonal,
        linalg_eigh as eigh, linalg_eigvalsh as eigvalsh, linalg_matrix_norm as matrix_norm,
        linalg_matrix_power as matrix_power, linalg_matrix_rank as matrix_rank,
        linalg_outer as outer, linalg_pinv as pinv, linalg_qr as qr, linalg_slogdet as slogdet,
        linalg_solve as solve, linalg_svd as svd, linalg_svdvals as svdvals, linalg_trace as trace,
        linalg_vector_norm as vector_norm,
    };
    pub use crate::call::{MatrixNorm, MatrixOrd, QrMode, VectorNorm};
}

/// The public function of one op, by kind.
macro_rules! public_fn {
    (FromHost; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(data: HostData, shape: &[usize]) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            let a = FromHost { data, shape: shape.into() };
            creation::run_from_host(Op::$op, |s| s.$op, a)
        }
    };
    (ToHost; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(x: &Tensor) -> Result<HostData> {
            let _section = crate::tensor::live::enter();
            creation::run_to_host(Op::$op, |s| s.$op, x)
        }
    };
    (ToDevice; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(x: &Tensor, device: Device) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            creation::run_to_device(Op::$op, |s| s.$op, x, &ToDevice { device })
        }
    };
    (Full; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(shape: &[usize], value: impl Into<Scalar>, dtype: DType) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            let a = Full { shape: shape.into(), value: value.into(), dtype };
            creation::run_full(Op::$op, |s| s.$op, &a)
        }
    };
    (Fill; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(shape: &[usize], dtype: DType) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            creation::run_fill(Op::$op, |s| s.$op, &Fill { shape: shape.into(), dtype })
        }
    };
    (Arange; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(
            start: impl Into<Scalar>,
            stop: impl Into<Scalar>,
            step: impl Into<Scalar>,
            dtype: DType,
        ) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            let a = Arange { start: start.into(), stop: stop.into(), step: step.into(), dtype };
            creation::run_arange(Op::$op, |s| s.$op, &a)
        }
    };
    (Linspace; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(
            start: impl Into<Scalar>,
            stop: impl Into<Scalar>,
            num: usize,
            endpoint: bool,
            dtype: DType,
        ) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            let a = Linspace { start: start.into(), stop: stop.into(), num, endpoint, dtype };
            creation::run_linspace(Op::$op, |s| s.$op, &a)
        }
    };
    (Eye; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(n_rows: usize, n_cols: Option<usize>, k: i64, dtype: DType) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            creation::run_eye(Op::$op, |s| s.$op, &Eye { n_rows, n_cols, k, dtype })
        }
    };
    (Like; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(x: &Tensor, dtype: impl Into<Option<DType>>) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            creation::run_like(Op::$op, |s| s.$op, x, &Like { dtype: dtype.into() })
        }
    };
    (FullLike; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(
            x: &Tensor,
            value: impl Into<Scalar>,
            dtype: impl Into<Option<DType>>,
        ) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            let a = FullLike { value: value.into(), dtype: dtype.into() };
            creation::run_full_like(Op::$op, |s| s.$op, x, &a)
        }
    };
    (MoveAxis; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(
            x: &Tensor,
            source: impl Into<Axes>,
            destination: impl Into<Axes>,
        ) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            let a = MoveAxes { source: source.into(), destination: destination.into() };
            manip::run_moveaxis(Op::$op, |s| s.$op, x, &a)
        }
    };
    (Unary($flavor:ident); $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        #[inline]
        pub fn $op(x: &Tensor) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            elementwise::unary(Op::$op, Unary::$flavor, x, |s| s.$op)
        }
    };
    (Binary($flavor:ident); $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        #[inline]
        pub fn $op(a: &Tensor, b: &Tensor) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            elementwise::binary(Op::$op, Binary::$flavor, a, b, |s| s.$op)
        }
    };
    (Where; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(condition: &Tensor, x: &Tensor, y: &Tensor) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            elementwise::run_where(Op::$op, |s| s.$op, condition, x, y)
        }
    };
    (Clip; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op<'a>(
            x: &'a Tensor,
            min: impl Into<Bound<'a>>,
            max: impl Into<Bound<'a>>,
        ) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            elementwise::clip(Op::$op, |s| s.$op, x, min.into(), max.into())
        }
    };
    (Matmul; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(a: &Tensor, b: &Tensor) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            linear_algebra::run_matmul(Op::$op, |s| s.$op, a, b)
        }
    };
    (MatrixTranspose; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(x: &Tensor) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            linear_algebra::run_matrix_transpose(Op::$op, |s| s.$op, x)
        }
    };
    (SquareMatrix; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(x: &Tensor) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            linear_algebra::run_square_matrix(Op::$op, |s| s.$op, x)
        }
    };
    (Vecdot; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(a: &Tensor, b: &Tensor, axis: impl Into<Axes>) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            linear_algebra::run_vecdot(Op::$op, |s| s.$op, a, b, &AxisAttr { axis: axis.into() })
        }
    };
    (Tensordot; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(a: &Tensor, b: &Tensor, axes: impl Into<TensordotAxes>) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            linear_algebra::run_tensordot(Op::$op, |s| s.$op, a, b, &axes.into())
        }
    };
    (Reduce($flavor:ident); $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        ///
        /// `over` is the axes (`None` for all, `1`, `[0, 2]`, …) or a
        /// [`Reduction`](crate::Reduction) with `keepdims`.
        pub fn $op(x: &Tensor, over: impl Into<Reduction>) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            reduce::run_reduce(Op::$op, Reduce::$flavor, |s| s.$op, x, &over.into())
        }
    };
    (Statistic; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        ///
        /// `over` is the axes (`None` for all, `1`, `[0, 2]`, …) or a
        /// [`Statistic`](crate::Statistic) with the correction and `keepdims`.
        pub fn $op(x: &Tensor, over: impl Into<Statistic>) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            reduce::run_statistic(Op::$op, |s| s.$op, x, &over.into())
        }
    };
    (ArgReduce; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        ///
        /// `over` is one axis or `None`, or a [`Reduction`](crate::Reduction) of at most one
        /// axis with `keepdims`.
        pub fn $op(x: &Tensor, over: impl Into<ArgReduction>) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            reduce::run_arg_reduce(Op::$op, |s| s.$op, x, &over.into())
        }
    };
    (CumulativeSum; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        ///
        /// `along` is the axis, or a [`CumulativeSum`](crate::CumulativeSum) with
        /// `include_initial`.
        pub fn $op(x: &Tensor, along: impl Into<CumulativeSum>) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            reduce::run_cumulative_sum(Op::$op, |s| s.$op, x, &along.into())
        }
    };
    (Sort; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        ///
        /// `along` is the axis (`-1` is the standard's default), or a
        /// [`Sorting`](crate::Sorting) with the direction (`Sorting::default()` is axis -1,
        /// ascending).
        pub fn $op(x: &Tensor, along: impl Into<Sorting>) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            reduce::run_sort(Op::$op, |s| s.$op, x, &along.into())
        }
    };
    (Softmax; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(x: &Tensor, axis: impl Into<Axes>) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            reduce::run_softmax(Op::$op, |s| s.$op, x, &AxisAttr { axis: axis.into() })
        }
    };
    (Reshape; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(x: &Tensor, shape: impl Into<NewShape>) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            manip::run_reshape(Op::$op, |s| s.$op, x, &shape.into())
        }
    };
    (PermuteDims; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(x: &Tensor, axes: impl Into<Axes>) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            manip::run_permute_dims(Op::$op, |s| s.$op, x, &AxesAttr { axes: axes.into() })
        }
    };
    (ExpandDims; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(x: &Tensor, axis: impl Into<Axes>) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            manip::run_expand_dims(Op::$op, |s| s.$op, x, &AxisAttr { axis: axis.into() })
        }
    };
    (Squeeze; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(x: &Tensor, axes: impl Into<Axes>) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            manip::run_squeeze(Op::$op, |s| s.$op, x, &AxesAttr { axes: axes.into() })
        }
    };
    (Flip; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(x: &Tensor, axes: impl Into<Axes>) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            manip::run_flip(Op::$op, |s| s.$op, x, &AxesAttr { axes: axes.into() })
        }
    };
    (BroadcastTo; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(x: &Tensor, shape: &[usize]) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            let a = BroadcastShape { shape: shape.into() };
            manip::run_broadcast_to(Op::$op, |s| s.$op, x, &a)
        }
    };
    (Concat; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(tensors: &[Tensor], axis: impl Into<Axes>) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            manip::run_concat(Op::$op, |s| s.$op, tensors, &AxisAttr { axis: axis.into() })
        }
    };
    (Stack; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(tensors: &[Tensor], axis: impl Into<Axes>) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            manip::run_stack(Op::$op, |s| s.$op, tensors, &AxisAttr { axis: axis.into() })
        }
    };
    (AsType; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(x: &Tensor, dtype: DType) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            manip::run_astype(Op::$op, |s| s.$op, x, &AsType { dtype })
        }
    };
    (Triangle; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(x: &Tensor, k: i64) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            manip::run_triangle(Op::$op, |s| s.$op, x, &Diagonal { k })
        }
    };
    (Roll; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(x: &Tensor, shift: impl Into<Shift>, axis: impl Into<Axes>) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            let a = Roll { shift: shift.into(), axis: axis.into() };
            manip::run_roll(Op::$op, |s| s.$op, x, &a)
        }
    };
    (Tile; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(x: &Tensor, reps: &[usize]) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            manip::run_tile(Op::$op, |s| s.$op, x, &Tile { reps: reps.into() })
        }
    };
    (Repeat; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op<'a>(
            x: &Tensor,
            repeats: impl Into<Repeats<'a>>,
            axis: impl Into<Axes>,
        ) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            manip::run_repeat(Op::$op, |s| s.$op, x, repeats.into(), &axis.into())
        }
    };
    (Take; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(x: &Tensor, indices: &Tensor, axis: impl Into<Axes>) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            // The axis is read here, so that the `Axes` never leaves this frame and folds away.
            let axis: Axes = axis.into();
            indexing::run_take(Op::$op, |s| s.$op, x, indices, axis.single(Op::$op.name()))
        }
    };
    (TakeAlongAxis; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(x: &Tensor, indices: &Tensor, axis: impl Into<Axes>) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            let a = AxisAttr { axis: axis.into() };
            indexing::run_take_along_axis(Op::$op, |s| s.$op, x, indices, &a)
        }
    };
    (StridedSlice; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(x: &Tensor, slices: impl Into<Slicing>) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            indexing::run_strided_slice(Op::$op, |s| s.$op, x, &slices.into())
        }
    };
    (ArgWhere; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(x: &Tensor) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            indexing::run_argwhere(Op::$op, |s| s.$op, x)
        }
    };
    (SearchSorted; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(x1: &Tensor, x2: &Tensor, side: impl Into<SearchSide>) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            indexing::run_searchsorted(Op::$op, |s| s.$op, x1, x2, &side.into())
        }
    };
    (Put; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(x: &Tensor, indices: &Tensor, values: &Tensor) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            indexing::run_put(Op::$op, |s| s.$op, x, indices, values)
        }
    };
    (Solve; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(x1: &Tensor, x2: &Tensor) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            linear_algebra::run_solve(Op::$op, |s| s.$op, x1, x2)
        }
    };
    (Cholesky; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(x: &Tensor, upper: bool) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            linear_algebra::run_cholesky(Op::$op, |s| s.$op, x, &Cholesky { upper })
        }
    };
    (Qr; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(x: &Tensor, mode: QrMode) -> Result<linear_algebra::Qr> {
            let _section = crate::tensor::live::enter();
            linear_algebra::run_qr(Op::$op, |s| s.$op, x, &QrAttrs { mode })
        }
    };
    (Svd; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(x: &Tensor, full_matrices: bool) -> Result<linear_algebra::Svd> {
            let _section = crate::tensor::live::enter();
            linear_algebra::run_svd(Op::$op, |s| s.$op, x, &SvdAttrs { full_matrices })
        }
    };
    (Matrices; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(x: &Tensor) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            linear_algebra::run_matrices(Op::$op, |s| s.$op, x)
        }
    };
    (Eigh; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(x: &Tensor) -> Result<linear_algebra::Eigh> {
            let _section = crate::tensor::live::enter();
            let [eigenvalues, eigenvectors] = linear_algebra::run_pair(Op::$op, |s| s.$op, x)?;
            Ok(linear_algebra::Eigh { eigenvalues, eigenvectors })
        }
    };
    (Slogdet; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(x: &Tensor) -> Result<linear_algebra::SlogDet> {
            let _section = crate::tensor::live::enter();
            let [sign, logabsdet] = linear_algebra::run_pair(Op::$op, |s| s.$op, x)?;
            Ok(linear_algebra::SlogDet { sign, logabsdet })
        }
    };
    (Rtol; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(x: &Tensor, rtol: impl Into<Option<f64>>) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            linear_algebra::run_rtol(Op::$op, |s| s.$op, x, &Rtol { rtol: rtol.into() })
        }
    };
    (LayerNorm; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(x: &Tensor, normalized_shape: &[usize], eps: f64) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            let a = crate::call::LayerNorm { normalized_shape: normalized_shape.into(), eps };
            nn::run_layer_norm(Op::$op, |s| s.$op, x, &a)
        }
    };
    (Conv2d; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        ///
        /// `window` is a [`Conv2d`](crate::call::Conv2d) (`Conv2d::default()` for stride 1,
        /// no padding, dilation 1, one group).
        pub fn $op(x: &Tensor, w: &Tensor, window: crate::call::Conv2d) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            nn::run_conv2d(Op::$op, |s| s.$op, x, w, &window)
        }
    };
    (Pool2d; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        ///
        /// `window` is a [`Pool2d`](crate::call::Pool2d) (`Pool2d::new([2, 2])` for 2×2 windows
        /// with stride 2).
        pub fn $op(x: &Tensor, window: crate::call::Pool2d) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            nn::run_pool2d(Op::$op, |s| s.$op, x, &window)
        }
    };
    (OneHot; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(
            x: &Tensor,
            num_classes: usize,
            dtype: impl Into<Option<DType>>,
        ) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            let a = crate::call::OneHot { num_classes, dtype: dtype.into() };
            nn::run_one_hot(Op::$op, |s| s.$op, x, &a)
        }
    };
    (MatrixPower; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(x: &Tensor, n: i64) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            linear_algebra::run_matrix_power(Op::$op, |s| s.$op, x, &MatrixPower { n })
        }
    };
    (MatrixNorm; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        ///
        /// `norm` is a [`MatrixOrd`](crate::linalg::MatrixOrd), or a
        /// [`MatrixNorm`](crate::linalg::MatrixNorm) with `keepdims`.
        pub fn $op(x: &Tensor, norm: impl Into<MatrixNorm>) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            linear_algebra::run_matrix_norm(Op::$op, |s| s.$op, x, &norm.into())
        }
    };
    (VectorNorm; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        ///
        /// `norm` is the axes (`None` for all), or a
        /// [`VectorNorm`](crate::linalg::VectorNorm) with the order and `keepdims`.
        pub fn $op(x: &Tensor, norm: impl Into<VectorNorm>) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            linear_algebra::run_vector_norm(Op::$op, |s| s.$op, x, &norm.into())
        }
    };
    (Outer; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(a: &Tensor, b: &Tensor) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            linear_algebra::run_outer(Op::$op, |s| s.$op, a, b)
        }
    };
    (MatrixDiagonal; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(x: &Tensor, offset: i64) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            linear_algebra::run_matrix_diagonal(Op::$op, |s| s.$op, x, &Offset { offset })
        }
    };
    (Cross; $op:ident; $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $op(a: &Tensor, b: &Tensor, axis: i64) -> Result<Tensor> {
            let _section = crate::tensor::live::enter();
            linear_algebra::run_cross(Op::$op, |s| s.$op, a, b, &CrossAxis { axis })
        }
    };
}

/// The method form on [`Tensor`] of an op whose first argument is a tensor; nothing for the
/// others (creation, `concat`, `stack`).
macro_rules! method {
    (FromHost $($rest:tt)*) => {};
    (Full $($rest:tt)*) => {};
    (Fill $($rest:tt)*) => {};
    (Arange $($rest:tt)*) => {};
    (Linspace $($rest:tt)*) => {};
    (Eye $($rest:tt)*) => {};
    (Concat $($rest:tt)*) => {};
    (Stack $($rest:tt)*) => {};
    ($kind:ident; $op:ident; ($($arg:ident : $ty:ty),*) -> $ret:ty) => {
        #[doc = concat!("[`", stringify!($op), "`](crate::", stringify!($op), ") with `self` as the first argument.")]
        #[inline]
        pub fn $op(&self $(, $arg: $ty)*) -> Result<$ret> {
            let _section = crate::tensor::live::enter();
            $op(self $(, $arg)*)
        }
    };
}

/// The arguments after the first tensor, by kind, for [`method!`].
macro_rules! method_of {
    (ToHost; $op:ident) => { method!(ToHost; $op; () -> HostData); };
    (ToDevice; $op:ident) => { method!(ToDevice; $op; (device: Device) -> Tensor); };
    (Unary; $op:ident) => { method!(Unary; $op; () -> Tensor); };
    (Like; $op:ident) => { method!(Like; $op; (dtype: impl Into<Option<DType>>) -> Tensor); };
    (FullLike; $op:ident) => {
        method!(FullLike; $op; (value: impl Into<Scalar>, dtype: impl Into<Option<DType>>) -> Tensor);
    };
    (MoveAxis; $op:ident) => {
        method!(MoveAxis; $op; (source: impl Into<Axes>, destination: impl Into<Axes>) -> Tensor);
    };
    (Binary; $op:ident) => { method!(Binary; $op; (other: &Tensor) -> Tensor); };
    (Where; $op:ident) => { method!(Where; $op; (x: &Tensor, y: &Tensor) -> Tensor); };
    (Clip; $op:ident) => {
        #[doc = "[`clip`](crate::clip) with `self` as the first argument."]
        pub fn $op<'a>(&'a self, min: impl Into<Bound<'a>>, max: impl Into<Bound<'a>>) -> Result<Tensor> {
            $op(self, min, max)
        }
    };
    (Matmul; $op:ident) => { method!(Matmul; $op; (other: &Tensor) -> Tensor); };
    (MatrixTranspose; $op:ident) => { method!(MatrixTranspose; $op; () -> Tensor); };
    (SquareMatrix; $op:ident) => { method!(SquareMatrix; $op; () -> Tensor); };
    (Vecdot; $op:ident) => { method!(Vecdot; $op; (other: &Tensor, axis: impl Into<Axes>) -> Tensor); };
    (Tensordot; $op:ident) => {
        method!(Tensordot; $op; (other: &Tensor, axes: impl Into<TensordotAxes>) -> Tensor);
    };
    (Reduce; $op:ident) => { method!(Reduce; $op; (over: impl Into<Reduction>) -> Tensor); };
    (Statistic; $op:ident) => { method!(Statistic; $op; (over: impl Into<Statistic>) -> Tensor); };
    (ArgReduce; $op:ident) => { method!(ArgReduce; $op; (over: impl Into<ArgReduction>) -> Tensor); };
    (CumulativeSum; $op:ident) => {
        method!(CumulativeSum; $op; (along: impl Into<CumulativeSum>) -> Tensor);
    };
    (Sort; $op:ident) => { method!(Sort; $op; (along: impl Into<Sorting>) -> Tensor); };
    (Softmax; $op:ident) => { method!(Softmax; $op; (axis: impl Into<Axes>) -> Tensor); };
    (Reshape; $op:ident) => { method!(Reshape; $op; (shape: impl Into<NewShape>) -> Tensor); };
    (PermuteDims; $op:ident) => { method!(PermuteDims; $op; (axes: impl Into<Axes>) -> Tensor); };
    (ExpandDims; $op:ident) => { method!(ExpandDims; $op; (axis: impl Into<Axes>) -> Tensor); };
    (Squeeze; $op:ident) => { method!(Squeeze; $op; (axes: impl Into<Axes>) -> Tensor); };
    (Flip; $op:ident) => { method!(Flip; $op; (axes: impl Into<Axes>) -> Tensor); };
    (BroadcastTo; $op:ident) => { method!(BroadcastTo; $op; (shape: &[usize]) -> Tensor); };
    (AsType; $op:ident) => { method!(AsType; $op; (dtype: DType) -> Tensor); };
    (Triangle; $op:ident) => { method!(Triangle; $op; (k: i64) -> Tensor); };
    (Roll; $op:ident) => {
        method!(Roll; $op; (shift: impl Into<Shift>, axis: impl Into<Axes>) -> Tensor);
    };
    (Tile; $op:ident) => { method!(Tile; $op; (reps: &[usize]) -> Tensor); };
    (Repeat; $op:ident) => {
        #[doc = "[`repeat`](crate::repeat) with `self` as the first argument."]
        pub fn $op<'a>(&self, repeats: impl Into<Repeats<'a>>, axis: impl Into<Axes>) -> Result<Tensor> {
            $op(self, repeats, axis)
        }
    };
    (Take; $op:ident) => {
        method!(Take; $op; (indices: &Tensor, axis: impl Into<Axes>) -> Tensor);
    };
    (TakeAlongAxis; $op:ident) => {
        method!(TakeAlongAxis; $op; (indices: &Tensor, axis: impl Into<Axes>) -> Tensor);
    };
    (StridedSlice; $op:ident) => { method!(StridedSlice; $op; (slices: impl Into<Slicing>) -> Tensor); };
    (SearchSorted; $op:ident) => {
        method!(SearchSorted; $op; (x2: &Tensor, side: impl Into<SearchSide>) -> Tensor);
    };
    (Put; $op:ident) => { method!(Put; $op; (indices: &Tensor, values: &Tensor) -> Tensor); };
    (Solve; $op:ident) => { method!(Solve; $op; (x2: &Tensor) -> Tensor); };
    (Cholesky; $op:ident) => { method!(Cholesky; $op; (upper: bool) -> Tensor); };
    (Qr; $op:ident) => { method!(Qr; $op; (mode: QrMode) -> linear_algebra::Qr); };
    (Svd; $op:ident) => { method!(Svd; $op; (full_matrices: bool) -> linear_algebra::Svd); };
    (Eigh; $op:ident) => { method!(Eigh; $op; () -> linear_algebra::Eigh); };
    (Slogdet; $op:ident) => { method!(Slogdet; $op; () -> linear_algebra::SlogDet); };
    (Rtol; $op:ident) => { method!(Rtol; $op; (rtol: impl Into<Option<f64>>) -> Tensor); };
    (MatrixPower; $op:ident) => { method!(MatrixPower; $op; (n: i64) -> Tensor); };
    (LayerNorm; $op:ident) => {
        method!(LayerNorm; $op; (normalized_shape: &[usize], eps: f64) -> Tensor);
    };
    (Conv2d; $op:ident) => {
        method!(Conv2d; $op; (w: &Tensor, window: crate::call::Conv2d) -> Tensor);
    };
    (Pool2d; $op:ident) => { method!(Pool2d; $op; (window: crate::call::Pool2d) -> Tensor); };
    (OneHot; $op:ident) => {
        method!(OneHot; $op; (num_classes: usize, dtype: impl Into<Option<DType>>) -> Tensor);
    };
    (MatrixNorm; $op:ident) => { method!(MatrixNorm; $op; (norm: impl Into<MatrixNorm>) -> Tensor); };
    (VectorNorm; $op:ident) => { method!(VectorNorm; $op; (norm: impl Into<VectorNorm>) -> Tensor); };
    (Outer; $op:ident) => { method!(Outer; $op; (other: &Tensor) -> Tensor); };
    (MatrixDiagonal; $op:ident) => { method!(MatrixDiagonal; $op; (offset: i64) -> Tensor); };
    (Cross; $op:ident) => { method!(Cross; $op; (other: &Tensor, axis: i64) -> Tensor); };
    ($kind:ident; $op:ident) => { method!($kind; $op; () -> Tensor); };
}

/// The arm of [`run`] for one op, by kind: checks the inputs' count and calls what the public
/// function calls.
macro_rules! run_arm {
    (FromHost; $op:ident; $inputs:ident; $a:ident) => {{
        dispatch::inputs::<0>(Op::$op, $inputs)?;
        creation::run_from_host(Op::$op, |s| s.$op, $a.clone()).map(Output::Tensor)
    }};
    (ToHost; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        creation::run_to_host(Op::$op, |s| s.$op, x).map(Output::Host)
    }};
    (ToDevice; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        creation::run_to_device(Op::$op, |s| s.$op, x, $a).map(Output::Tensor)
    }};
    (Full; $op:ident; $inputs:ident; $a:ident) => {{
        dispatch::inputs::<0>(Op::$op, $inputs)?;
        creation::run_full(Op::$op, |s| s.$op, $a).map(Output::Tensor)
    }};
    (Fill; $op:ident; $inputs:ident; $a:ident) => {{
        dispatch::inputs::<0>(Op::$op, $inputs)?;
        creation::run_fill(Op::$op, |s| s.$op, $a).map(Output::Tensor)
    }};
    (Arange; $op:ident; $inputs:ident; $a:ident) => {{
        dispatch::inputs::<0>(Op::$op, $inputs)?;
        creation::run_arange(Op::$op, |s| s.$op, $a).map(Output::Tensor)
    }};
    (Linspace; $op:ident; $inputs:ident; $a:ident) => {{
        dispatch::inputs::<0>(Op::$op, $inputs)?;
        creation::run_linspace(Op::$op, |s| s.$op, $a).map(Output::Tensor)
    }};
    (Eye; $op:ident; $inputs:ident; $a:ident) => {{
        dispatch::inputs::<0>(Op::$op, $inputs)?;
        creation::run_eye(Op::$op, |s| s.$op, $a).map(Output::Tensor)
    }};
    (Like; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        creation::run_like(Op::$op, |s| s.$op, x, $a).map(Output::Tensor)
    }};
    (FullLike; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        creation::run_full_like(Op::$op, |s| s.$op, x, $a).map(Output::Tensor)
    }};
    (MoveAxis; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        manip::run_moveaxis(Op::$op, |s| s.$op, x, $a).map(Output::Tensor)
    }};
    (Unary($flavor:ident); $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        elementwise::unary(Op::$op, Unary::$flavor, x, |s| s.$op).map(Output::Tensor)
    }};
    (Binary($flavor:ident); $op:ident; $inputs:ident; $a:ident) => {{
        let [a, b] = dispatch::inputs(Op::$op, $inputs)?;
        elementwise::binary(Op::$op, Binary::$flavor, a, b, |s| s.$op).map(Output::Tensor)
    }};
    (Where; $op:ident; $inputs:ident; $a:ident) => {{
        let [c, x, y] = dispatch::inputs(Op::$op, $inputs)?;
        elementwise::run_where(Op::$op, |s| s.$op, c, x, y).map(Output::Tensor)
    }};
    (Clip; $op:ident; $inputs:ident; $a:ident) => {
        elementwise::run_clip(Op::$op, |s| s.$op, $inputs, $a).map(Output::Tensor)
    };
    (Matmul; $op:ident; $inputs:ident; $a:ident) => {{
        let [a, b] = dispatch::inputs(Op::$op, $inputs)?;
        linear_algebra::run_matmul(Op::$op, |s| s.$op, a, b).map(Output::Tensor)
    }};
    (MatrixTranspose; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        linear_algebra::run_matrix_transpose(Op::$op, |s| s.$op, x).map(Output::Tensor)
    }};
    (SquareMatrix; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        linear_algebra::run_square_matrix(Op::$op, |s| s.$op, x).map(Output::Tensor)
    }};
    (Vecdot; $op:ident; $inputs:ident; $a:ident) => {{
        let [a, b] = dispatch::inputs(Op::$op, $inputs)?;
        linear_algebra::run_vecdot(Op::$op, |s| s.$op, a, b, $a).map(Output::Tensor)
    }};
    (Tensordot; $op:ident; $inputs:ident; $a:ident) => {{
        let [a, b] = dispatch::inputs(Op::$op, $inputs)?;
        linear_algebra::run_tensordot(Op::$op, |s| s.$op, a, b, $a).map(Output::Tensor)
    }};
    (Reduce($flavor:ident); $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        reduce::run_reduce(Op::$op, Reduce::$flavor, |s| s.$op, x, $a).map(Output::Tensor)
    }};
    (Statistic; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        reduce::run_statistic(Op::$op, |s| s.$op, x, $a).map(Output::Tensor)
    }};
    (ArgReduce; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        reduce::run_arg_reduce(Op::$op, |s| s.$op, x, $a).map(Output::Tensor)
    }};
    (CumulativeSum; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        reduce::run_cumulative_sum(Op::$op, |s| s.$op, x, $a).map(Output::Tensor)
    }};
    (Sort; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        reduce::run_sort(Op::$op, |s| s.$op, x, $a).map(Output::Tensor)
    }};
    (Softmax; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        reduce::run_softmax(Op::$op, |s| s.$op, x, $a).map(Output::Tensor)
    }};
    (Reshape; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        manip::run_reshape(Op::$op, |s| s.$op, x, $a).map(Output::Tensor)
    }};
    (PermuteDims; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        manip::run_permute_dims(Op::$op, |s| s.$op, x, $a).map(Output::Tensor)
    }};
    (ExpandDims; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        manip::run_expand_dims(Op::$op, |s| s.$op, x, $a).map(Output::Tensor)
    }};
    (Squeeze; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        manip::run_squeeze(Op::$op, |s| s.$op, x, $a).map(Output::Tensor)
    }};
    (Flip; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        manip::run_flip(Op::$op, |s| s.$op, x, $a).map(Output::Tensor)
    }};
    (BroadcastTo; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        manip::run_broadcast_to(Op::$op, |s| s.$op, x, $a).map(Output::Tensor)
    }};
    (Concat; $op:ident; $inputs:ident; $a:ident) => {{
        let owned: Vec<Tensor> = $inputs.iter().map(|t| (*t).clone()).collect();
        manip::run_concat(Op::$op, |s| s.$op, &owned, $a).map(Output::Tensor)
    }};
    (Stack; $op:ident; $inputs:ident; $a:ident) => {{
        let owned: Vec<Tensor> = $inputs.iter().map(|t| (*t).clone()).collect();
        manip::run_stack(Op::$op, |s| s.$op, &owned, $a).map(Output::Tensor)
    }};
    (AsType; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        manip::run_astype(Op::$op, |s| s.$op, x, $a).map(Output::Tensor)
    }};
    (Triangle; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        manip::run_triangle(Op::$op, |s| s.$op, x, $a).map(Output::Tensor)
    }};
    (Roll; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        manip::run_roll(Op::$op, |s| s.$op, x, $a).map(Output::Tensor)
    }};
    (Tile; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        manip::run_tile(Op::$op, |s| s.$op, x, $a).map(Output::Tensor)
    }};
    (Repeat; $op:ident; $inputs:ident; $a:ident) => {{
        let repeats = match $a.repeats {
            RepeatCount::Count(n) => {
                let [x] = dispatch::inputs(Op::$op, $inputs)?;
                (x, Repeats::Count(n))
            }
            RepeatCount::Input => {
                let [x, r] = dispatch::inputs(Op::$op, $inputs)?;
                (x, Repeats::Tensor(r))
            }
        };
        manip::run_repeat(Op::$op, |s| s.$op, repeats.0, repeats.1, &$a.axis).map(Output::Tensor)
    }};
    (Take; $op:ident; $inputs:ident; $a:ident) => {{
        let [x, i] = dispatch::inputs(Op::$op, $inputs)?;
        indexing::run_take(Op::$op, |s| s.$op, x, i, $a.axis.single(Op::$op.name()))
            .map(Output::Tensor)
    }};
    (TakeAlongAxis; $op:ident; $inputs:ident; $a:ident) => {{
        let [x, i] = dispatch::inputs(Op::$op, $inputs)?;
        indexing::run_take_along_axis(Op::$op, |s| s.$op, x, i, $a).map(Output::Tensor)
    }};
    (StridedSlice; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        indexing::run_strided_slice(Op::$op, |s| s.$op, x, $a).map(Output::Tensor)
    }};
    (ArgWhere; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        indexing::run_argwhere(Op::$op, |s| s.$op, x).map(Output::Tensor)
    }};
    (SearchSorted; $op:ident; $inputs:ident; $a:ident) => {{
        let [x1, x2] = dispatch::inputs(Op::$op, $inputs)?;
        indexing::run_searchsorted(Op::$op, |s| s.$op, x1, x2, $a).map(Output::Tensor)
    }};
    (Put; $op:ident; $inputs:ident; $a:ident) => {{
        let [x, i, v] = dispatch::inputs(Op::$op, $inputs)?;
        indexing::run_put(Op::$op, |s| s.$op, x, i, v).map(Output::Tensor)
    }};
    (Solve; $op:ident; $inputs:ident; $a:ident) => {{
        let [a, b] = dispatch::inputs(Op::$op, $inputs)?;
        linear_algebra::run_solve(Op::$op, |s| s.$op, a, b).map(Output::Tensor)
    }};
    (Cholesky; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        linear_algebra::run_cholesky(Op::$op, |s| s.$op, x, $a).map(Output::Tensor)
    }};
    (Qr; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        let r = linear_algebra::run_qr(Op::$op, |s| s.$op, x, $a)?;
        Ok(Output::Tensors(vec![r.q, r.r]))
    }};
    (Svd; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        let r = linear_algebra::run_svd(Op::$op, |s| s.$op, x, $a)?;
        Ok(Output::Tensors(vec![r.u, r.s, r.vh]))
    }};
    (Matrices; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        linear_algebra::run_matrices(Op::$op, |s| s.$op, x).map(Output::Tensor)
    }};
    (Eigh; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        linear_algebra::run_pair(Op::$op, |s| s.$op, x).map(|p| Output::Tensors(p.into()))
    }};
    (Slogdet; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        linear_algebra::run_pair(Op::$op, |s| s.$op, x).map(|p| Output::Tensors(p.into()))
    }};
    (Rtol; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        linear_algebra::run_rtol(Op::$op, |s| s.$op, x, $a).map(Output::Tensor)
    }};
    (LayerNorm; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        nn::run_layer_norm(Op::$op, |s| s.$op, x, $a).map(Output::Tensor)
    }};
    (Conv2d; $op:ident; $inputs:ident; $a:ident) => {{
        let [x, w] = dispatch::inputs(Op::$op, $inputs)?;
        nn::run_conv2d(Op::$op, |s| s.$op, x, w, $a).map(Output::Tensor)
    }};
    (Pool2d; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        nn::run_pool2d(Op::$op, |s| s.$op, x, $a).map(Output::Tensor)
    }};
    (OneHot; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        nn::run_one_hot(Op::$op, |s| s.$op, x, $a).map(Output::Tensor)
    }};
    (MatrixPower; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        linear_algebra::run_matrix_power(Op::$op, |s| s.$op, x, $a).map(Output::Tensor)
    }};
    (MatrixNorm; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        linear_algebra::run_matrix_norm(Op::$op, |s| s.$op, x, $a).map(Output::Tensor)
    }};
    (VectorNorm; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        linear_algebra::run_vector_norm(Op::$op, |s| s.$op, x, $a).map(Output::Tensor)
    }};
    (Outer; $op:ident; $inputs:ident; $a:ident) => {{
        let [a, b] = dispatch::inputs(Op::$op, $inputs)?;
        linear_algebra::run_outer(Op::$op, |s| s.$op, a, b).map(Output::Tensor)
    }};
    (MatrixDiagonal; $op:ident; $inputs:ident; $a:ident) => {{
        let [x] = dispatch::inputs(Op::$op, $inputs)?;
        linear_algebra::run_matrix_diagonal(Op::$op, |s| s.$op, x, $a).map(Output::Tensor)
    }};
    (Cross; $op:ident; $inputs:ident; $a:ident) => {{
        let [a, b] = dispatch::inputs(Op::$op, $inputs)?;
        linear_algebra::run_cross(Op::$op, |s| s.$op, a, b, $a).map(Output::Tensor)
    }};
}

/// Registers the catalogue's fallback of an op marked `fallback`.
macro_rules! register_fallback {
    ($op:ident) => {};
    ($op:ident, fallback) => {
        inventory::submit! {
            crate::registry::Fallback(crate::catalogue::OpFn::$op(crate::catalogue::Slot::new(fallbacks::Fallbacks::$op)))
        }
    };
}

macro_rules! public_ops {
    ($( $(#[$doc:meta])* $op:ident = $name:literal, $group:ident, $sig:ty,
        $kind:ident $(($flavor:ident))? $(, $fb:ident)? ;)*) => {
        $( public_fn! { $kind $(($flavor))?; $op; $(#[$doc])* } )*

        /// The op methods, one per op whose first argument is a tensor, generated from the
        /// catalogue: `a.matmul(&b)?.sum(1)?` is `sum(&matmul(&a, &b)?, 1)?`.
        impl Tensor {
            $( method_of! { $kind; $op } )*
        }

        fn run_call(call: &OpCall, inputs: &[&Tensor]) -> Result<Output> {
            #[allow(unused_variables)]
            match call {
                $( OpCall::$op(a) => run_arm!($kind $(($flavor))?; $op; inputs; a), )*
            }
        }

        $( register_fallback!($op $(, $fb)?); )*
    };
}

crate::for_each_op!(public_ops);
