// Emitted by tensorswitch-transpile for ndarray from a graph traced on ndarray.
// input 0: float32[8,16]
// constant wk: float32[16,16]
// constant wv: float32[16,16]
// output 0: float32[8,16]
/// The traced graph as ndarray code: inputs and results as `ndarray::ArrayD`, an error when an argument's shape differs from the traced one (11 nodes).
#[allow(clippy::all, unused_parens, unused_variables, unused_assignments)]
pub fn model(
    x: &ndarray::ArrayD<f32>,
    wk: &ndarray::ArrayD<f32>,
    wv: &ndarray::ArrayD<f32>,
) -> Result<ndarray::ArrayD<f32>, ndarray::ShapeError> {
    check(x, &[8, 16])?;
    check(wk, &[16, 16])?;
    check(wv, &[16, 16])?;
    let v3: ndarray::ArrayD<f32> = matmul(x, wk, &[8, 16])?;
    let v4: ndarray::ArrayD<f32> = matmul(x, wv, &[8, 16])?;
    let v5: ndarray::ArrayD<f32> = ndarray::ArrayD::from_shape_vec(
        ndarray::IxDyn(&[]),
        vec![0.25f32],
    )?;
    let v6: ndarray::ArrayD<f32> = {
        let mut w = v3.view();
        w.swap_axes(0, 1);
        w.to_owned()
    };
    let v7: ndarray::ArrayD<f32> = matmul(x, &v6, &[8, 8])?;
    let v8: ndarray::ArrayD<f32> = {
        let mut o = v7;
        o.zip_mut_with(
            &v5,
            |x: &mut f32, &y: &f32| {
                let x0 = *x;
                *x = {
                    let x = x0;
                    x * y
                };
            },
        );
        o
    };
    let v9: ndarray::ArrayD<bool> = ndarray::ArrayD::from_shape_vec(
        ndarray::IxDyn(&[8, 8]),
        vec![
            true, false, false, false, false, false, false, false, true, true, false,
            false, false, false, false, false, true, true, true, false, false, false,
            false, false, true, true, true, true, false, false, false, false, true, true,
            true, true, true, false, false, false, true, true, true, true, true, true,
            false, false, true, true, true, true, true, true, true, false, true, true,
            true, true, true, true, true, true
        ],
    )?;
    let v10: ndarray::ArrayD<f32> = ndarray::ArrayD::from_shape_vec(
        ndarray::IxDyn(&[]),
        vec![- 1000000000f32],
    )?;
    let v11: ndarray::ArrayD<f32> = zip3(
        &v9,
        &v8,
        &v10,
        &[8, 8],
        |c: bool, x: f32, y: f32| if c { x } else { y },
    )?;
    let v12: ndarray::ArrayD<f32> = softmax(v11, 1, |x: f32| x.exp());
    let v13: ndarray::ArrayD<f32> = matmul(&v12, &v4, &[8, 16])?;
    Ok(v13)
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
/// `f` applied to the elements of `a`, `b` and `c` broadcast to `shape`.
fn zip3<A: Copy, B: Copy, C: Copy, D>(
    a: &ndarray::ArrayD<A>,
    b: &ndarray::ArrayD<B>,
    c: &ndarray::ArrayD<C>,
    shape: &[usize],
    f: impl Fn(A, B, C) -> D,
) -> Result<ndarray::ArrayD<D>, ndarray::ShapeError> {
    Ok(
        ndarray::Zip::from(&bcast(a, shape)?)
            .and(&bcast(b, shape)?)
            .and(&bcast(c, shape)?)
            .map_collect(|&x, &y, &z| f(x, y, z)),
    )
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
/// `exp(x - max) / sum(exp(x - max))` along `axis`, lane by lane, in place.
fn softmax<T>(
    a: ndarray::ArrayD<T>,
    axis: usize,
    exp: impl Fn(T) -> T,
) -> ndarray::ArrayD<T>
where
    T: Copy + Default + PartialOrd + std::ops::Add<Output = T>
        + std::ops::Sub<Output = T> + std::ops::Div<Output = T>,
{
    let mut out = a;
    if out.shape()[axis] == 0 {
        return out;
    }
    let mut scratch: Vec<T> = Vec::new();
    for mut lane in out.lanes_mut(ndarray::Axis(axis)) {
        let update = |l: &mut [T]| {
            let m = extremum(l, true);
            for v in l.iter_mut() {
                *v = exp(*v - m);
            }
            let s = pairwise_sum(l) + T::default();
            for v in l.iter_mut() {
                *v = *v / s;
            }
        };
        match lane.as_slice_mut() {
            Some(l) => update(l),
            None => {
                scratch.clear();
                scratch.extend(lane.iter().copied());
                update(&mut scratch);
                for (o, &v) in lane.iter_mut().zip(&scratch) {
                    *o = v;
                }
            }
        }
    }
    out
}
/// The matrix product of two matrices or vectors (a vector is a row on the left, a
/// column on the right), shaped `out`.
fn matmul<T: ndarray::LinalgScalar>(
    a: &ndarray::ArrayD<T>,
    b: &ndarray::ArrayD<T>,
    out: &[usize],
) -> Result<ndarray::ArrayD<T>, ndarray::ShapeError> {
    let a = if a.ndim() == 1 {
        a.view().insert_axis(ndarray::Axis(0))
    } else {
        a.view()
    };
    let b = if b.ndim() == 1 {
        b.view().insert_axis(ndarray::Axis(1))
    } else {
        b.view()
    };
    let p = a
        .into_dimensionality::<ndarray::Ix2>()?
        .dot(&b.into_dimensionality::<ndarray::Ix2>()?);
    p.into_dyn().into_shape_with_order(ndarray::IxDyn(out))
}
