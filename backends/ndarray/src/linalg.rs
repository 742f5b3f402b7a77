//! `matmul`, `linalg.inv` and `linalg.det`.

use crate::{broadcast, buf, input_array, NdArray, KIT};
use ndarray::linalg::general_mat_mul;
use ndarray::{
    ArrayD, ArrayRefD, ArrayView2, ArrayViewD, ArrayViewMut2, Axis, Ix2, Ix3, IxDyn, NdFloat,
};
use std::mem::MaybeUninit;
use tensorswitch::alloc::{try_collect, try_vec};
use tensorswitch::kit::OrBackendError;
use tensorswitch::{Element, Error, Result, Tensor};

pub(crate) fn matmul(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    const OP: &str = "matmul";
    let out: NdArray = on_pair!(OP, input_array(OP, a)?, input_array(OP, b)?;
        floats |x, y: T| float_matmul(x, y)?.into();
        ints |x, y: T| batched(x, y, |p, q, mut o| {
            // A plain triple loop: matrixmultiply has no integer kernels, and integers must
            // wrap rather than overflow.
            for ((i, j), out) in o.indexed_iter_mut() {
                *out = p.row(i).iter().zip(q.column(j)).fold(0 as T, |acc, (&u, &v)| {
                    acc.wrapping_add(u.wrapping_mul(v))
                });
            }
        })?
        .into());
    Ok(out.into_tensor())
}

fn float_matmul<T: NdFloat + Element + Default>(
    a: &ArrayRefD<T>,
    b: &ArrayRefD<T>,
) -> Result<ArrayD<T>> {
    const OP: &str = "matmul";
    let kernel = crate::cpu::matmul_kernel();
    if a.ndim() == 2 && b.ndim() == 2 {
        // The common case runs on views: no copies, whatever the layout (both kernels take
        // strides).
        let (x, y) = (matrix(a.view())?, matrix(b.view())?);
        check_inner(x.ncols(), y.nrows())?;
        // The result is allocated here, fallibly (`dot` would allocate it infallibly, and
        // `m × n` can be huge for small, even empty, operands); the kernels overwrite it.
        let shape = [x.nrows(), y.ncols()];
        if kernel == crate::cpu::MatmulKernel::Gemm && x.ncols() > 0 && !shape.contains(&0) {
            return gemm_uninit(OP, x, y, shape);
        }
        let mut out = buf::filled(OP, &shape, T::zero())?;
        let o = out
            .view_mut()
            .into_dimensionality::<Ix2>()
            .or_backend(&KIT, OP)?;
        mat_mul(kernel, x, y, o);
        return Ok(out);
    }
    batched(a, b, |x, y, out| mat_mul(kernel, x, y, out))
}

/// `out = x · y` with the selected kernel (see `cpu::MatmulKernel`); `out` is
/// `x.nrows() × y.ncols()` (its prior contents are overwritten).
pub(crate) fn mat_mul<T: NdFloat>(
    kernel: crate::cpu::MatmulKernel,
    x: ArrayView2<'_, T>,
    y: ArrayView2<'_, T>,
    mut out: ArrayViewMut2<'_, T>,
) {
    match kernel {
        // The empty sum is 0 (gemm is not called without an inner dimension).
        crate::cpu::MatmulKernel::Gemm if x.ncols() == 0 => out.fill(T::zero()),
        crate::cpu::MatmulKernel::Gemm => gemm_into(x, y, out),
        crate::cpu::MatmulKernel::MatrixMultiply => {
            general_mat_mul(T::one(), &x, &y, T::zero(), &mut out)
        }
    }
}

/// `x · y` into a result gemm writes without reading: no pass to zero it first (about 0.5 %
/// of a 256² or 1024² float32 product, the margin candle, which does the same, had over the
/// zeroed result). `x` and `y` agree on the inner size, which is not 0, nor are `shape`'s.
#[allow(unsafe_code)]
fn gemm_uninit<T: NdFloat + Element>(
    op: &'static str,
    x: ArrayView2<'_, T>,
    y: ArrayView2<'_, T>,
    shape: [usize; 2],
) -> Result<ArrayD<T>> {
    let n = tensorswitch::alloc::check_result(op, &shape, T::DTYPE)?;
    let mut v: Vec<MaybeUninit<T>> = tensorswitch::alloc::try_with_capacity(op, n)?;
    // SAFETY: `MaybeUninit` elements need no initialisation, and the capacity is `n`.
    unsafe { v.set_len(n) };
    let out = ArrayViewMut2::from_shape(shape, &mut v[..]).or_backend(&KIT, op)?;
    gemm_into(x, y, out);
    // SAFETY: with `m`, `n` and `k` all non-zero (checked by the caller), `gemm_into` runs gemm
    // with `read_dst` false, which writes every element of the `m × n` result; `MaybeUninit<T>`
    // has `T`'s size and alignment, so the vector's allocation is one of `n` `T`s.
    let v = unsafe {
        let mut v = std::mem::ManuallyDrop::new(v);
        Vec::from_raw_parts(v.as_mut_ptr().cast::<T>(), v.len(), v.capacity())
    };
    buf::shaped(op, &shape, v)
}

/// The element types gemm may write into: `T` itself, or `MaybeUninit<T>` for a result not
/// yet written (same size and alignment). Private to this module: only these two implement it.
trait GemmOut<T>: Send {}
impl<T: NdFloat> GemmOut<T> for T {}
impl<T: NdFloat> GemmOut<T> for MaybeUninit<T> {}

/// Products of at least this many multiply-adds may use threads (gemm applies its own,
/// larger threshold on top): 64³, below which a product takes about 100 µs on one core.
const GEMM_PARALLEL_MIN: usize = 64 * 64 * 64;

/// `out = x · y` with the `gemm` crate. `T` is `f32` or `f64` (the only `NdFloat`s), both of
/// which gemm implements (it panics for other types).
fn gemm_into<T: NdFloat, O: GemmOut<T>>(
    x: ArrayView2<'_, T>,
    y: ArrayView2<'_, T>,
    out: ArrayViewMut2<'_, O>,
) {
    let (m, k, n) = (x.nrows(), x.ncols(), y.ncols());
    if m == 0 || n == 0 || k == 0 {
        // No element, or nothing to multiply: `mat_mul` writes the zeros of an empty inner
        // dimension itself, and `gemm_uninit` is never called with one.
        return;
    }
    if (y.nrows(), out.nrows(), out.ncols()) != (k, m, n) {
        // Unreachable (the callers check the inner sizes and allocate `out`); the assert keeps
        // the raw-pointer call below in bounds even if a caller got it wrong.
        unreachable!(
            "matmul shapes: {:?} · {:?} into {:?}",
            x.shape(),
            y.shape(),
            out.shape()
        );
    }
    let work = m.saturating_mul(n).saturating_mul(k);
    let threads = crate::cpu::threads_for(work, GEMM_PARALLEL_MIN);
    match crate::cpu::pool().filter(|_| threads > 1) {
        // The views move into the pool's closure (they are `Send`; raw pointers are not).
        Some(pool) => pool.install(move || gemm_call(x, y, out, gemm::Parallelism::Rayon(threads))),
        None => gemm_call(x, y, out, gemm::Parallelism::None),
    }
}

/// The `gemm` call of [`gemm_into`], whose checks it relies on.
fn gemm_call<T: NdFloat, O: GemmOut<T>>(
    x: ArrayView2<'_, T>,
    y: ArrayView2<'_, T>,
    mut out: ArrayViewMut2<'_, O>,
    parallelism: gemm::Parallelism,
) {
    let (m, k, n) = (x.nrows(), x.ncols(), y.ncols());
    let (xs, ys, os) = (x.strides(), y.strides(), out.strides());
    let (xs, ys, os) = ((xs[0], xs[1]), (ys[0], ys[1]), (os[0], os[1]));
    // `O` is `T` or `MaybeUninit<T>` (`GemmOut`), of `T`'s layout: the same strides in `T`s.
    let dst = out.as_mut_ptr().cast::<T>();
    // SAFETY: gemm reads `m × k` elements of `x` at `ptr + i·row_stride + j·col_stride`, and
    // `k × n` of `y`, and writes `m × n` of `out`, with the strides passed (in elements, any
    // sign): these are the views' own pointers (to their element [0, 0]), strides and sizes,
    // which `gemm_into` checked to agree, so every access is inside a view. `out` is a mutable
    // view, so it aliases neither input. With `read_dst` false gemm writes
    // `beta · x · y` (beta = 1) without reading `out`. `T` is f32 or f64, which gemm takes.
    #[allow(unsafe_code)]
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst,
            os.1,
            os.0,
            false,
            x.as_ptr(),
            xs.1,
            xs.0,
            y.as_ptr(),
            ys.1,
            ys.0,
            T::zero(),
            T::one(),
            false,
            false,
            false,
            parallelism,
        )
    }
}

fn matrix<T>(v: ArrayViewD<'_, T>) -> Result<ArrayView2<'_, T>> {
    v.into_dimensionality::<Ix2>().or_backend(&KIT, "matmul")
}

fn check_inner(k: usize, k2: usize) -> Result<()> {
    if k == k2 {
        Ok(())
    } else {
        Err(KIT.error("matmul", format!("inner dimensions {k} and {k2} differ")))
    }
}

/// Multiplies the matrices of two stacks whose batch dimensions broadcast, calling `mm` with
/// each pair and the output matrix to fill.
fn batched<T: Element + Default>(
    a: &ArrayRefD<T>,
    b: &ArrayRefD<T>,
    mut mm: impl FnMut(ArrayView2<'_, T>, ArrayView2<'_, T>, ArrayViewMut2<'_, T>),
) -> Result<ArrayD<T>> {
    const OP: &str = "matmul";
    let (na, nb) = (a.ndim(), b.ndim());
    if na < 2 || nb < 2 {
        return Err(KIT.error(OP, "needs operands with at least 2 dimensions"));
    }
    let (m, k) = (a.shape()[na - 2], a.shape()[na - 1]);
    let (k2, n) = (b.shape()[nb - 2], b.shape()[nb - 1]);
    check_inner(k, k2)?;
    let batch = tensorswitch::broadcast_shapes(OP, &a.shape()[..na - 2], &b.shape()[..nb - 2])?;
    let with = |x: usize, y: usize| batch.iter().copied().chain([x, y]).collect::<Vec<_>>();
    let a = broadcast(OP, a, &with(m, k))?;
    let b = broadcast(OP, b, &with(k, n))?;
    // The result is checked and allocated fallibly: its batch sizes come from broadcasting
    // and can multiply past usize or past memory.
    let out_shape = with(m, n);
    let total = tensorswitch::alloc::check_result(OP, &out_shape, T::DTYPE)?;
    // `total` fits, so the product of any subset of its sizes does, unless a size is 0.
    let count = batch.iter().try_fold(1usize, |p, &d| p.checked_mul(d));
    let count = match count {
        Some(c) if total > 0 => c,
        // Nothing to compute: every matrix is empty, or there are none.
        _ => return buf::filled(OP, &out_shape, T::default()),
    };
    let mut out = buf::filled(OP, &[count, m, n], T::default())?
        .into_dimensionality::<Ix3>()
        .or_backend(&KIT, OP)?;
    let mut index = vec![0usize; batch.len()];
    for (flat, o) in out.outer_iter_mut().enumerate() {
        unravel(flat, &batch, &mut index);
        mm(matrix_at(&a, &index)?, matrix_at(&b, &index)?, o);
    }
    out.into_shape_with_order(IxDyn(&out_shape))
        .or_backend(&KIT, OP)
}

/// The row-major multi-index of flat position `flat` in `shape`.
fn unravel(mut flat: usize, shape: &[usize], index: &mut [usize]) {
    for (i, &d) in index.iter_mut().zip(shape).rev() {
        *i = flat % d;
        flat /= d;
    }
}

/// The matrix at a batch index of a stack.
fn matrix_at<'a, T>(stack: &ArrayViewD<'a, T>, index: &[usize]) -> Result<ArrayView2<'a, T>> {
    let mut v = stack.clone();
    for &i in index {
        v = v.index_axis_move(Axis(0), i);
    }
    matrix(v)
}

// ---------------------------------------------------------------------------------------------
// inverse and determinant

pub(crate) fn inv(x: &Tensor) -> Result<Tensor> {
    const OP: &str = "linalg.inv";
    let out: NdArray = on_array!(OP, input_array(OP, x)?; floats |a: T| inv_stack(a)?.into());
    Ok(out.into_tensor())
}

pub(crate) fn det(x: &Tensor) -> Result<Tensor> {
    const OP: &str = "linalg.det";
    let out: NdArray = on_array!(OP, input_array(OP, x)?; floats |a: T| det_stack(a)?.into());
    Ok(out.into_tensor())
}

/// The matrix size of a stack of square matrices and its elements in row-major order (a
/// copy, allocated fallibly: it is factored in place).
fn square_stack<T: Copy>(op: &'static str, a: &ArrayRefD<T>) -> Result<(usize, Vec<T>)> {
    let s = a.shape();
    if s.len() < 2 || s[s.len() - 1] != s[s.len() - 2] {
        return Err(KIT.error(op, format!("needs square matrices, got shape {s:?}")));
    }
    let data = match a.as_slice() {
        Some(d) => {
            let mut v = tensorswitch::alloc::try_with_capacity(op, d.len())?;
            v.extend_from_slice(d);
            v
        }
        None => try_collect(op, a.len(), a.iter().copied())?,
    };
    Ok((s[s.len() - 1], data))
}

fn inv_stack<T: NdFloat + Element>(a: &ArrayRefD<T>) -> Result<ArrayD<T>> {
    const OP: &str = "linalg.inv";
    let (n, mut data) = square_stack(OP, a)?;
    if data.is_empty() {
        // No matrices, or 0×0 ones: the result is as empty as the input. (`n * n` below
        // could overflow for a zero-size batch of huge matrices.)
        return buf::shaped(OP, a.shape(), data);
    }
    // The data is not empty, so `n * n` divides its length and fits.
    let mut out = try_vec(OP, data.len(), T::zero())?;
    let mut perm = try_vec(OP, n, 0)?;
    let mut col = try_vec(OP, n, T::zero())?;
    for (m, inv) in data
        .chunks_exact_mut(n * n)
        .zip(out.chunks_exact_mut(n * n))
    {
        if lu_in_place(m, n, &mut perm).is_none() {
            return Err(Error::InvalidArgument {
                op: OP,
                reason: "matrix is singular".into(),
            });
        }
        lu_inverse(m, n, &perm, inv, &mut col);
    }
    buf::shaped(OP, a.shape(), out)
}

fn det_stack<T: NdFloat + Element>(a: &ArrayRefD<T>) -> Result<ArrayD<T>> {
    const OP: &str = "linalg.det";
    let (n, mut data) = square_stack(OP, a)?;
    let batch = &a.shape()[..a.ndim() - 2];
    if n == 0 {
        // The empty product: every 0×0 matrix has determinant 1. The batch sizes of an
        // empty input may multiply past usize: checked.
        return buf::filled(OP, batch, T::one());
    }
    let mut dets = buf::buffer::<T>(OP, batch)?;
    if !data.is_empty() {
        // The data is not empty, so `n * n` divides its length and fits.
        let mut perm = try_vec(OP, n, 0)?;
        dets.extend(
            data.chunks_exact_mut(n * n)
                .map(|m| match lu_in_place(m, n, &mut perm) {
                    Some(sign) => (0..n).fold(sign, |d, i| d * m[i * n + i]),
                    None => T::zero(),
                }),
        );
    }
    buf::shaped(OP, batch, dets)
}

/// LU factorisation with partial pivoting (as LAPACK's `getrf`), in place on a row-major n×n
/// matrix: afterwards the part below the diagonal holds L (whose diagonal is 1) and the rest
/// U, and row `i` of the result is row `perm[i]` of the input. Returns the sign of the
/// permutation, or `None` at a zero pivot (a singular matrix).
fn lu_in_place<T: NdFloat>(m: &mut [T], n: usize, perm: &mut [usize]) -> Option<T> {
    for (i, p) in perm.iter_mut().enumerate() {
        *p = i;
    }
    let mut sign = T::one();
    for c in 0..n {
        // The largest magnitude at or below the diagonal keeps the multipliers <= 1.
        let mut p = c;
        for r in c + 1..n {
            if m[r * n + c].abs() > m[p * n + c].abs() {
                p = r;
            }
        }
        if m[p * n + c] == T::zero() {
            return None;
        }
        if p != c {
            for j in 0..n {
                m.swap(p * n + j, c * n + j);
            }
            perm.swap(p, c);
            sign = -sign;
        }
        let pivot = m[c * n + c];
        for r in c + 1..n {
            let f = m[r * n + c] / pivot;
            m[r * n + c] = f;
            for j in c + 1..n {
                m[r * n + j] -= f * m[c * n + j];
            }
        }
    }
    Some(sign)
}

/// Solves `LU X = P I` column by column: `X` is the inverse of the factored matrix.
fn lu_inverse<T: NdFloat>(lu: &[T], n: usize, perm: &[usize], out: &mut [T], col: &mut [T]) {
    for j in 0..n {
        // Forward substitution with L (unit diagonal) on column j of P.
        for i in 0..n {
            let mut s = if perm[i] == j { T::one() } else { T::zero() };
            for l in 0..i {
                s -= lu[i * n + l] * col[l];
            }
            col[i] = s;
        }
        // Back substitution with U.
        for i in (0..n).rev() {
            let mut s = col[i];
            for l in i + 1..n {
                s -= lu[i * n + l] * col[l];
            }
            col[i] = s / lu[i * n + i];
        }
        for i in 0..n {
            out[i * n + j] = col[i];
        }
    }
}
