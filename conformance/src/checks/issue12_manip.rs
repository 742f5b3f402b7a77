//! Hand-derived checks of `floor_divide`, `remainder`, `copysign` (NaN signs, which the case
//! data cannot hold), `roll`, `tile`, `repeat` and the list-returning composites
//! `broadcast_arrays`, `meshgrid` and `unstack` (which the single-output case harness cannot
//! run). Expected values are NumPy's, written out by hand.
use tensorswitch::{self as ts, DType, Op, Result, Source, Tensor};

/// Runs `f` on the backend under test (this thread only), and again with every op that has a
/// fallback served by it.
fn on_backend(backend: &str, f: impl Fn() -> Result<()>) {
    ts::with_backend(backend, &f).unwrap().unwrap();
    ts::with_backend_masked(backend, &f).unwrap().unwrap();
}

fn t<T: ts::Element>(data: &[T], shape: &[usize]) -> Tensor {
    Tensor::from_slice(data, shape).unwrap()
}

fn sign_bits_f64(x: &Tensor) -> Result<Vec<bool>> {
    Ok(x.to_vec::<f64>()?
        .iter()
        .map(|v| v.is_sign_negative())
        .collect())
}

fn sign_bits_f32(x: &Tensor) -> Result<Vec<bool>> {
    Ok(x.to_vec::<f32>()?
        .iter()
        .map(|v| v.is_sign_negative())
        .collect())
}

/// Which of the new ops are the backend's own kernels: the division ops and `repeat` (which
/// have no fallback) and `roll` everywhere; `copysign` everywhere but MLX, which composes it;
/// `tile` everywhere but ndarray, which composes it.
pub fn primaries_and_fallbacks(backend: &str) {
    let report = ts::function_table_report(backend).unwrap();
    let source = |op: Op| report.rows.iter().find(|(o, _)| *o == op).unwrap().1;
    for op in [Op::floor_divide, Op::remainder, Op::roll, Op::repeat] {
        assert!(
            matches!(source(op), Source::Primary { .. }),
            "{op} is {}, not a primary",
            source(op)
        );
    }
    let copysign = source(Op::copysign);
    assert_eq!(
        matches!(copysign, Source::Primary { .. }),
        backend != "mlx",
        "copysign on {backend} is {copysign}"
    );
    let tile = source(Op::tile);
    assert_eq!(
        matches!(tile, Source::Primary { .. }),
        backend != "ndarray",
        "tile on {backend} is {tile}"
    );
}

/// The sign of NaN is read and written: `copysign(x, -NaN)` is negative, `copysign(NaN, -1)` is
/// a NaN with the sign bit set, `copysign(-NaN, 1)` one without.
pub fn copysign_reads_and_writes_the_sign_of_nan(backend: &str) {
    on_backend(backend, || {
        let a = t(&[2.0f64, -3.0, f64::NAN, -f64::NAN, 0.0, -0.0], &[6]);
        let b = t(&[-f64::NAN, f64::NAN, -1.0, 1.0, -f64::NAN, f64::NAN], &[6]);
        let r = ts::copysign(&a, &b)?;
        let v = r.to_vec::<f64>()?;
        assert_eq!((v[0], v[1]), (-2.0, 3.0));
        assert!(v[2].is_nan() && v[3].is_nan());
        assert_eq!(sign_bits_f64(&r)?, [true, false, true, false, true, false]);
        let a = t(&[2.0f32, f32::NAN, -f32::NAN], &[3]);
        let b = t(&[-f32::NAN, -0.0, 0.0], &[3]);
        let r = ts::copysign(&a, &b)?;
        assert_eq!(r.dtype(), DType::Float32);
        assert_eq!(sign_bits_f32(&r)?, [true, true, false]);
        Ok(())
    });
}

/// NumPy: `[7, -7, 7, -7] // [2, 2, -2, -2]` is `[3, -4, -4, 3]`, `%` is `[1, 1, -1, -1]`;
/// division by zero gives 0; `-128 // -1` wraps to -128 with remainder 0.
pub fn integer_division_is_floored_and_pinned(backend: &str) {
    on_backend(backend, || {
        let a = t(&[7i32, -7, 7, -7, 5, -5, 0], &[7]);
        let b = t(&[2i32, 2, -2, -2, 0, 0, 0], &[7]);
        assert_eq!(
            ts::floor_divide(&a, &b)?.to_vec::<i32>()?,
            [3, -4, -4, 3, 0, 0, 0]
        );
        assert_eq!(
            ts::remainder(&a, &b)?.to_vec::<i32>()?,
            [1, 1, -1, -1, 0, 0, 0]
        );
        let a = t(&[-128i8, -128, 127], &[3]);
        let b = t(&[-1i8, 0, -1], &[3]);
        assert_eq!(ts::floor_divide(&a, &b)?.to_vec::<i8>()?, [-128, 0, -127]);
        assert_eq!(ts::remainder(&a, &b)?.to_vec::<i8>()?, [0, 0, 0]);
        let a = t(&[200u8, 7, 9], &[3]);
        let b = t(&[0u8, 255, 4], &[3]);
        assert_eq!(ts::floor_divide(&a, &b)?.to_vec::<u8>()?, [0, 0, 2]);
        assert_eq!(ts::remainder(&a, &b)?.to_vec::<u8>()?, [0, 7, 1]);
        Ok(())
    });
}

/// NumPy: `1.0 // 0.1` is 9 (the remainder 0.0999…), not `floor(1 / 0.1) = 10`; a zero divisor
/// gives IEEE's `a / b` and a NaN remainder; the remainder of a negative dividend by `inf` is
/// `inf`, with quotient -1.
pub fn float_division_follows_numpy(backend: &str) {
    on_backend(backend, || {
        let a = t(&[1.0f64, 1.0, -1.0, 0.0, -5.0, 5.0], &[6]);
        let b = t(&[0.1f64, 0.0, 0.0, 0.0, f64::INFINITY, f64::INFINITY], &[6]);
        let q = ts::floor_divide(&a, &b)?.to_vec::<f64>()?;
        assert_eq!(&q[..3], [9.0, f64::INFINITY, f64::NEG_INFINITY]);
        assert!(q[3].is_nan());
        assert_eq!(&q[4..], [-1.0, 0.0]);
        let r = ts::remainder(&a, &b)?.to_vec::<f64>()?;
        assert!((r[0] - 0.09999999999999995).abs() < 1e-15, "{}", r[0]);
        assert!(r[1].is_nan() && r[2].is_nan() && r[3].is_nan());
        assert_eq!(&r[4..], [f64::INFINITY, 5.0]);
        Ok(())
    });
}

/// Hand-derived: `roll(arange(6).reshape(2, 3), 1)` flattened is `[5, 0, 1, 2, 3, 4]`; along
/// both axes by `(1, -1)` it is `[[4, 5, 3], [1, 2, 0]]`; shifts of `i64::MIN`/`i64::MAX` are
/// taken modulo the size (both are 1 modulo 3, as NumPy has them); methods and functions agree.
pub fn roll_tile_repeat_by_hand(backend: &str) {
    on_backend(backend, || {
        let x = t(&[0i32, 1, 2, 3, 4, 5], &[2, 3]);
        let r = ts::roll(&x, 1, None)?;
        assert_eq!(r.shape(), [2, 3]);
        assert_eq!(r.to_vec::<i32>()?, [5, 0, 1, 2, 3, 4]);
        assert_eq!(
            x.roll([1, -1], [0, 1])?.to_vec::<i32>()?,
            [4, 5, 3, 1, 2, 0]
        );
        assert_eq!(
            ts::roll(&x, i64::MAX, 1)?.to_vec::<i32>()?,
            [2, 0, 1, 5, 3, 4]
        );
        assert_eq!(
            ts::roll(&x, i64::MIN, 1)?.to_vec::<i32>()?,
            [2, 0, 1, 5, 3, 4]
        );
        // An empty axis list rolls nothing, whatever the shift (NumPy: np.roll(x, 1, axis=())
        // gives x); two shifts for no axes do not broadcast; an empty shift list is refused.
        let empty: &[i64] = &[];
        assert_eq!(
            ts::roll(&x, i64::MIN, empty)?.to_vec::<i32>()?,
            [0, 1, 2, 3, 4, 5]
        );
        assert!(ts::roll(&x, [1i64, 2], empty).is_err());
        assert!(ts::roll(&x, empty, 0).is_err());
        let tiled = x.tile(&[2, 1, 2])?;
        assert_eq!(tiled.shape(), [2, 2, 6]);
        assert_eq!(
            tiled.to_vec::<i32>()?,
            [0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5].repeat(2)
        );
        let counts = t(&[2i64, 0, 1], &[3]);
        let rep = x.repeat(&counts, 1)?;
        assert_eq!(rep.shape(), [2, 3]);
        assert_eq!(rep.to_vec::<i32>()?, [0, 0, 2, 3, 3, 5]);
        assert_eq!(
            ts::repeat(&x, 2usize, None)?.to_vec::<i32>()?,
            [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
        );
        // An empty tensor repeated a huge number of times is an empty result, made at once:
        // [3, 0] repeated 2^40 times along axis 0 has shape [3·2^40, 0] (NumPy agrees), or is
        // refused by a backend whose dimensions cannot hold 3·2^40 (a declared limit).
        let empty = t::<u8>(&[], &[3, 0]);
        let huge = 1usize << 40;
        let by_tensor = t(&[huge as i64], &[1]);
        for big in [ts::repeat(&empty, huge, 0), empty.repeat(&by_tensor, 0)] {
            match big {
                Ok(big) => {
                    assert_eq!(big.shape(), [3 * huge, 0]);
                    assert!(big.to_vec::<u8>()?.is_empty());
                }
                Err(ts::Error::UnsupportedShape { .. }) => {}
                Err(e) => panic!("repeat of an empty tensor: {e}"),
            }
        }
        // An empty axis repeated 2^63 times is still empty (0 · 2^63 = 0), on every backend,
        // whatever sizes its framework holds.
        let none = t::<u8>(&[], &[0, 3]);
        assert_eq!(ts::repeat(&none, 1usize << 63, 0)?.shape(), [0, 3]);
        let by_tensor = t(&[i64::MAX], &[1]);
        assert_eq!(none.repeat(&by_tensor, 0)?.shape(), [0, 3]);
        Ok(())
    });
}

/// Shapes and values of a list of results.
fn listed(xs: &[Tensor]) -> Result<Vec<(Vec<usize>, Vec<f64>)>> {
    xs.iter()
        .map(|x| {
            let v = ts::astype(x, DType::Float64)?.to_vec::<f64>()?;
            Ok((x.shape().to_vec(), v))
        })
        .collect()
}

/// NumPy 2.4: `np.broadcast_arrays([[1], [2]], [10, 20, 30], 5)` (int32) are three `(2, 3)`
/// arrays `[1, 1, 1, 2, 2, 2]`, `[10, 20, 30, 10, 20, 30]`, `[5; 6]`, of the inputs' dtypes.
pub fn broadcast_arrays_as_numpy(backend: &str) {
    on_backend(backend, || {
        let a = t(&[1i32, 2], &[2, 1]);
        let b = t(&[10i32, 20, 30], &[3]);
        let c = t(&[5i32], &[]);
        let out = ts::broadcast_arrays(&[a, b, c])?;
        assert!(out.iter().all(|x| x.dtype() == DType::Int32));
        assert_eq!(
            listed(&out)?,
            [
                (vec![2, 3], vec![1.0, 1.0, 1.0, 2.0, 2.0, 2.0]),
                (vec![2, 3], vec![10.0, 20.0, 30.0, 10.0, 20.0, 30.0]),
                (vec![2, 3], vec![5.0; 6]),
            ]
        );
        // Dtypes are kept, not promoted; no inputs, no outputs; a mismatch is an error.
        let f = t(&[0.5f64, -0.0], &[2]);
        let out = ts::broadcast_arrays(&[f, t(&[true], &[1])])?;
        assert_eq!(
            (out[0].dtype(), out[1].dtype()),
            (DType::Float64, DType::Bool)
        );
        assert_eq!(out[1].to_vec::<bool>()?, [true, true]);
        assert!(ts::broadcast_arrays(&[])?.is_empty());
        let err = ts::broadcast_arrays(&[t(&[1i32, 2], &[2]), t(&[1i32, 2, 3], &[3])]);
        assert!(
            matches!(err, Err(ts::Error::ShapeMismatch { .. })),
            "{err:?}"
        );
        Ok(())
    });
}

/// NumPy 2.4: `np.meshgrid([1., 2., 3.], [4., 5.])` are `(2, 3)` arrays
/// `[1, 2, 3, 1, 2, 3]` and `[4, 4, 4, 5, 5, 5]`; with `indexing="ij"` `(3, 2)` arrays
/// `[1, 1, 2, 2, 3, 3]` and `[4, 5, 4, 5, 4, 5]`; with a third input `[7, 8]` (int8), `(2, 3, 2)`
/// arrays, the third `[7, 8] * 6` in int8; one input gives itself.
pub fn meshgrid_as_numpy(backend: &str) {
    on_backend(backend, || {
        let x = t(&[1.0f64, 2.0, 3.0], &[3]);
        let y = t(&[4.0f64, 5.0], &[2]);
        let z = t(&[7i8, 8], &[2]);
        let xy = ts::meshgrid(&[x.clone(), y.clone()], ts::MeshgridIndexing::Xy)?;
        assert_eq!(
            listed(&xy)?,
            [
                (vec![2, 3], vec![1.0, 2.0, 3.0, 1.0, 2.0, 3.0]),
                (vec![2, 3], vec![4.0, 4.0, 4.0, 5.0, 5.0, 5.0]),
            ]
        );
        let ij = ts::meshgrid(
            &[x.clone(), y.clone()],
            ts::MeshgridIndexing::from_name("ij")?,
        )?;
        assert_eq!(
            listed(&ij)?,
            [
                (vec![3, 2], vec![1.0, 1.0, 2.0, 2.0, 3.0, 3.0]),
                (vec![3, 2], vec![4.0, 5.0, 4.0, 5.0, 4.0, 5.0]),
            ]
        );
        let three = ts::meshgrid(&[x.clone(), y, z], ts::MeshgridIndexing::default())?;
        let got = listed(&three)?;
        assert_eq!(
            got[0],
            (vec![2, 3, 2], [1.0, 1.0, 2.0, 2.0, 3.0, 3.0].repeat(2))
        );
        assert_eq!(got[1], (vec![2, 3, 2], [[4.0; 6], [5.0; 6]].concat()));
        assert_eq!(three[2].dtype(), DType::Int8);
        assert_eq!(three[2].to_vec::<i8>()?, [7, 8].repeat(6));
        let one = ts::meshgrid(std::slice::from_ref(&x), ts::MeshgridIndexing::Xy)?;
        assert_eq!(listed(&one)?, [(vec![3], vec![1.0, 2.0, 3.0])]);
        assert!(ts::meshgrid(&[], ts::MeshgridIndexing::Ij)?.is_empty());
        let err = ts::meshgrid(&[x, t(&[1.0f64; 4], &[2, 2])], ts::MeshgridIndexing::Xy);
        assert!(
            matches!(err, Err(ts::Error::InvalidShape { .. })),
            "{err:?}"
        );
        assert!(ts::MeshgridIndexing::from_name("yx").is_err());
        Ok(())
    });
}

/// NumPy 2.4: `np.unstack(np.arange(24).reshape(2, 3, 4), axis=1)` are three `(2, 4)` arrays
/// `[0, 1, 2, 3, 12, 13, 14, 15]`, `[4, …, 19]`, `[8, …, 23]`; along axis -1 the first is
/// `(2, 3)` `[0, 4, 8, 12, 16, 20]`. The values are copied exactly (NaN payloads and -0.0).
pub fn unstack_as_numpy(backend: &str) {
    on_backend(backend, || {
        let data: Vec<i64> = (0..24).collect();
        let x = t(&data, &[2, 3, 4]);
        let parts = ts::unstack(&x, 1)?;
        assert_eq!(parts.len(), 3);
        assert!(parts.iter().all(|p| p.dtype() == DType::Int64));
        let rows = |first: i64| -> Vec<f64> {
            (first..first + 4)
                .chain(first + 12..first + 16)
                .map(|v| v as f64)
                .collect()
        };
        assert_eq!(
            listed(&parts)?,
            [
                (vec![2, 4], rows(0)),
                (vec![2, 4], rows(4)),
                (vec![2, 4], rows(8))
            ]
        );
        let last = x.unstack(-1)?;
        assert_eq!(last.len(), 4);
        assert_eq!(
            listed(&last[..1])?,
            [(vec![2, 3], vec![0.0, 4.0, 8.0, 12.0, 16.0, 20.0])]
        );
        let nan = f64::from_bits(0xfff8_0000_dead_beef);
        let f = t(&[nan, -0.0, 1.5, f64::NEG_INFINITY], &[2, 2]);
        let cols = ts::unstack(&f, 0)?;
        let bits: Vec<u64> = cols
            .iter()
            .flat_map(|c| c.to_vec::<f64>().unwrap())
            .map(f64::to_bits)
            .collect();
        let want: Vec<u64> = [nan, -0.0, 1.5, f64::NEG_INFINITY]
            .iter()
            .map(|v| v.to_bits())
            .collect();
        assert_eq!(bits, want);
        let b = ts::unstack(&t(&[true, false, true], &[3]), 0)?;
        assert_eq!(b.len(), 3);
        assert_eq!(b[1].shape(), [0usize; 0]);
        assert_eq!(b[1].to_vec::<bool>()?, [false]);
        assert!(ts::unstack(&t(&[0.0f32; 0], &[0, 3]), 0)?.is_empty());
        let err = ts::unstack(&t(&[1.0f32], &[]), 0);
        assert!(
            matches!(err, Err(ts::Error::AxisOutOfRange { .. })),
            "{err:?}"
        );
        let err = ts::unstack(&x, 3);
        assert!(
            matches!(err, Err(ts::Error::AxisOutOfRange { .. })),
            "{err:?}"
        );
        Ok(())
    });
}
