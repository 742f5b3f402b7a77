// Emitted by tensorswitch-transpile for ndarray from a graph traced on ndarray.
// input 0: float32[32,12]
// output 0: float32[32]
// output 1: int64[32]
// output 2: int64[12]
// output 3: float32[]
// output 4: int64[32]
// output 5: int64[12]
// output 6: float32[1,12]
// output 7: bool[]
/// The traced graph as ndarray code: inputs and results as `ndarray::ArrayD`, an error when an argument's shape differs from the traced one (24 nodes).
#[allow(clippy::all, unused_parens, unused_variables, unused_assignments)]
pub fn model(
    x: &ndarray::ArrayD<f32>,
) -> Result<
    (
        ndarray::ArrayD<f32>,
        ndarray::ArrayD<i64>,
        ndarray::ArrayD<i64>,
        ndarray::ArrayD<f32>,
        ndarray::ArrayD<i64>,
        ndarray::ArrayD<i64>,
        ndarray::ArrayD<f32>,
        ndarray::ArrayD<bool>,
    ),
    ndarray::ShapeError,
> {
    check(x, &[32, 12])?;
    let v1: ndarray::ArrayD<f32> = lanes(
        x,
        &[0],
        true,
        |l: &[f32]| (pairwise_sum(l) + 0f32) / 32f32,
    )?;
    let v2: ndarray::ArrayD<f32> = lanes(
        x,
        &[0],
        true,
        |l: &[f32]| {
            let m = (pairwise_sum(l) + 0f32) / 32f32;
            let d: Vec<f32> = l.iter().map(|&v| (v - m) * (v - m)).collect();
            ((pairwise_sum(&d) + 0f32) / 31f32).sqrt()
        },
    )?;
    let v3: ndarray::ArrayD<f32> = zip2(x, &v1, &[32, 12], |x: f32, y: f32| x - y)?;
    let v4: ndarray::ArrayD<f32> = {
        let mut o = v3;
        o.zip_mut_with(
            &v2,
            |x: &mut f32, &y: &f32| {
                let x0 = *x;
                *x = {
                    let x = x0;
                    x / y
                };
            },
        );
        o
    };
    let v5: ndarray::ArrayD<f32> = lanes(
        &v4,
        &[1],
        false,
        |l: &[f32]| extremum(l, true),
    )?;
    let v6: ndarray::ArrayD<i64> = lanes(
        &v4,
        &[1],
        false,
        |l: &[f32]| arg_extremum(l, true),
    )?;
    let v7: ndarray::ArrayD<f32> = ndarray::ArrayD::from_shape_vec(
        ndarray::IxDyn(&[]),
        vec![1f32],
    )?;
    let v8: ndarray::ArrayD<bool> = zip2(&v4, &v7, &[32, 12], |x: f32, y: f32| y < x)?;
    let v9: ndarray::ArrayD<i64> = lanes(
        &v8,
        &[0],
        false,
        |l: &[bool]| l.iter().filter(|&&v| v).count() as i64,
    )?;
    let v10: ndarray::ArrayD<f32> = lanes(
        x,
        &[0, 1],
        false,
        |l: &[f32]| {
            let m = (pairwise_sum(l) + 0f32) / 384f32;
            let d: Vec<f32> = l.iter().map(|&v| (v - m) * (v - m)).collect();
            ((pairwise_sum(&d) + 0f32) / 383f32)
        },
    )?;
    let v11: ndarray::ArrayD<i32> = x.mapv(|x: f32| x as i32);
    let v12: ndarray::ArrayD<i32> = ndarray::ArrayD::from_shape_vec(
        ndarray::IxDyn(&[]),
        vec![(- 3i32)],
    )?;
    let v13: ndarray::ArrayD<i32> = zip2(
        &v11,
        &v12,
        &[32, 12],
        |x: i32, y: i32| {
            if y == 0 {
                0
            } else {
                let (q, r) = (x.wrapping_div(y), x.wrapping_rem(y));
                let (q, r) = if r != 0 && ((r < 0) != (y < 0)) {
                    (q - 1, r + y)
                } else {
                    (q, r)
                };
                q
            }
        },
    )?;
    let v14: ndarray::ArrayD<i64> = v13.mapv(|x: i32| x as i64);
    let v15: ndarray::ArrayD<i64> = lanes(
        &v14,
        &[1],
        false,
        |l: &[i64]| l.iter().fold(0, |s: i64, &v| s.wrapping_add(v)),
    )?;
    let v16: ndarray::ArrayD<i32> = zip2(
        &v11,
        &v12,
        &[32, 12],
        |x: i32, y: i32| {
            if y == 0 {
                0
            } else {
                let (q, r) = (x.wrapping_div(y), x.wrapping_rem(y));
                let (q, r) = if r != 0 && ((r < 0) != (y < 0)) {
                    (q - 1, r + y)
                } else {
                    (q, r)
                };
                r
            }
        },
    )?;
    let v17: ndarray::ArrayD<i64> = v16.mapv(|x: i32| x as i64);
    let v18: ndarray::ArrayD<i64> = lanes(
        &v17,
        &[0],
        false,
        |l: &[i64]| l.iter().fold(1, |p: i64, &v| p.wrapping_mul(v)),
    )?;
    let v19: ndarray::ArrayD<f32> = ndarray::ArrayD::from_shape_vec(
        ndarray::IxDyn(&[]),
        vec![2f32],
    )?;
    let v20: ndarray::ArrayD<f32> = zip2(&v1, &v19, &[1, 12], |x: f32, y: f32| x * y)?;
    let v21: ndarray::ArrayD<f32> = {
        let mut o = v20;
        o.mapv_inplace(|x: f32| x.round_ties_even());
        o
    };
    let v22: ndarray::ArrayD<f32> = v7.mapv(|x: f32| -x);
    let v23: ndarray::ArrayD<bool> = zip2(&v4, &v22, &[32, 12], |x: f32, y: f32| x < y)?;
    let v24: ndarray::ArrayD<bool> = lanes(
        &v23,
        &[0, 1],
        false,
        |l: &[bool]| l.iter().any(|&v| v),
    )?;
    Ok((v5, v6, v9, v10, v15, v18, v21, v24))
}
/// An error unless the array has the traced shape.
fn check<T>(a: &ndarray::ArrayD<T>, shape: &[usize]) -> Result<(), ndarray::ShapeError> {
    if a.shape() == shape {
        Ok(())
    } else {
        Err(ndarray::ShapeError::from_kind(ndarray::ErrorKind::IncompatibleShape))
    }
}
/// The array broadcast to `shape`.
fn bcast<'a, T>(
    a: &'a ndarray::ArrayD<T>,
    shape: &[usize],
) -> Result<ndarray::ArrayViewD<'a, T>, ndarray::ShapeError> {
    a.broadcast(ndarray::IxDyn(shape))
        .ok_or_else(|| ndarray::ShapeError::from_kind(
            ndarray::ErrorKind::IncompatibleShape,
        ))
}
/// `f` applied to the elements of `a` and `b` broadcast to `shape`.
fn zip2<A: Copy, B: Copy, C>(
    a: &ndarray::ArrayD<A>,
    b: &ndarray::ArrayD<B>,
    shape: &[usize],
    f: impl Fn(A, B) -> C,
) -> Result<ndarray::ArrayD<C>, ndarray::ShapeError> {
    Ok(
        ndarray::Zip::from(&bcast(a, shape)?)
            .and(&bcast(b, shape)?)
            .map_collect(|&x, &y| f(x, y)),
    )
}
/// `f` of each lane of the reduced `axes` (its elements in row-major order), shaped as
/// the kept axes (size 1 where reduced when `keepdims`).
fn lanes<T: Copy, U>(
    a: &ndarray::ArrayD<T>,
    axes: &[usize],
    keepdims: bool,
    f: impl FnMut(&[T]) -> U,
) -> Result<ndarray::ArrayD<U>, ndarray::ShapeError> {
    let mut f = f;
    let shape = a.shape();
    let kept: Vec<usize> = (0..a.ndim()).filter(|i| !axes.contains(i)).collect();
    let out_shape: Vec<usize> = if keepdims {
        (0..a.ndim()).map(|i| if axes.contains(&i) { 1 } else { shape[i] }).collect()
    } else {
        kept.iter().map(|&i| shape[i]).collect()
    };
    let values: Vec<U> = if a.is_empty() {
        let outer: usize = out_shape.iter().product();
        (0..outer).map(|_| f(&[])).collect()
    } else {
        let inner: usize = axes.iter().map(|&i| shape[i]).product();
        let perm: Vec<usize> = kept.iter().chain(axes).copied().collect();
        let moved = a.view().permuted_axes(ndarray::IxDyn(&perm));
        let data: Vec<T> = moved.iter().copied().collect();
        data.chunks_exact(inner).map(f).collect()
    };
    ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&out_shape), values)
}
/// Pairwise summation (blocks of 128 summed with eight accumulators, halves added
/// recursively), as NumPy and tensorswitch's ndarray backend sum floats.
fn pairwise_sum<T: Copy + Default + std::ops::Add<Output = T>>(s: &[T]) -> T {
    if s.len() < 8 {
        s.iter().copied().reduce(|a, b| a + b).unwrap_or_default()
    } else if s.len() <= 128 {
        let mut r = [s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]];
        let mut chunks = s[8..].chunks_exact(8);
        for c in &mut chunks {
            for (acc, &x) in r.iter_mut().zip(c) {
                *acc = *acc + x;
            }
        }
        let mut total = ((r[0] + r[1]) + (r[2] + r[3]))
            + ((r[4] + r[5]) + (r[6] + r[7]));
        for &x in chunks.remainder() {
            total = total + x;
        }
        total
    } else {
        let half = s.len() / 2;
        let half = half - half % 8;
        pairwise_sum(&s[..half]) + pairwise_sum(&s[half..])
    }
}
/// The maximum (or minimum) of a non-empty lane; the first NaN if there is one.
fn extremum<T: Copy + PartialOrd>(lane: &[T], largest: bool) -> T {
    let nan = |v: T| v.partial_cmp(&v).is_none();
    let mut best = lane[0];
    for &x in &lane[1..] {
        if nan(best) {
            break;
        }
        let better = if largest { x > best } else { x < best };
        if better || nan(x) {
            best = x;
        }
    }
    best
}
/// The index of the first maximum (or minimum) of a lane; the first NaN wins.
fn arg_extremum<T: Copy + PartialOrd>(lane: &[T], largest: bool) -> i64 {
    let nan = |v: T| v.partial_cmp(&v).is_none();
    let mut best = 0;
    for (i, &x) in lane.iter().enumerate().skip(1) {
        let b = lane[best];
        if nan(b) {
            break;
        }
        let better = if largest { x > b } else { x < b };
        if better || nan(x) {
            best = i;
        }
    }
    best as i64
}
