//! A quick check of the backend's semantics on hand-computed values (the full comparison
//! against NumPy lives in the conformance suite).

use tensorswitch_ndarray as _;

use tensorswitch::{self as ts, DType, Error, Result, Tensor};

/// Runs `f` on the ndarray backend (this thread only).
fn on_ndarray(f: impl FnOnce() -> Result<()>) {
    ts::with_backend("ndarray", f).unwrap().unwrap();
}

fn t<T: ts::Element>(data: &[T], shape: &[usize]) -> Tensor {
    Tensor::from_slice(data, shape).unwrap()
}

fn same_f64(got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert!(
            g == w || (g.is_nan() && w.is_nan()) || (g - w).abs() <= 1e-12 * w.abs().max(1.0),
            "{got:?} vs {want:?}"
        );
    }
}

#[test]
fn integer_arithmetic_wraps() {
    on_ndarray(|| {
        let a = t(&[i8::MAX, i8::MIN, 100], &[3]);
        let b = t(&[1i8, -1, 2], &[3]);
        assert_eq!(ts::add(&a, &b)?.to_vec::<i8>()?, [i8::MIN, i8::MAX, 102]);
        assert_eq!(ts::subtract(&a, &b)?.to_vec::<i8>()?, [126, -127, 98]);
        assert_eq!(ts::multiply(&a, &b)?.to_vec::<i8>()?, [127, i8::MIN, -56]);
        assert_eq!(ts::negative(&a)?.to_vec::<i8>()?, [-127, i8::MIN, -100]);
        assert_eq!(ts::abs(&a)?.to_vec::<i8>()?, [127, i8::MIN, 100]);
        let u = t(&[0u8, 1, 255], &[3]);
        assert_eq!(ts::negative(&u)?.to_vec::<u8>()?, [0, 255, 1]);
        assert_eq!(
            ts::sum(&t(&[u64::MAX, 2], &[2]), None)?.to_vec::<u64>()?,
            [1]
        );
        assert_eq!(
            ts::prod(&t(&[i64::MAX, 2], &[2]), None)?.to_vec::<i64>()?,
            [-2]
        );
        Ok(())
    });
}

#[test]
fn pow_rules() {
    on_ndarray(|| {
        let base = t(&[2i32, 3, -2, 7], &[4]);
        let e = t(&[10i32, 0, 3, 40], &[4]);
        assert_eq!(
            ts::pow(&base, &e)?.to_vec::<i32>()?,
            [1024, 1, -8, 7i32.wrapping_pow(40)]
        );
        let err = ts::pow(&base, &t(&[1i32, -1, 1, 1], &[4])).unwrap_err();
        assert!(
            matches!(err, Error::InvalidArgument { op: "pow", .. }),
            "{err}"
        );
        let big = ts::pow(&t(&[3u64], &[1]), &t(&[u64::MAX], &[1]))?.to_vec::<u64>()?;
        assert_eq!(
            big,
            [(0..64).fold(1u64, |acc, i| {
                // 3^(2^64 - 1) = prod of 3^(2^i), wrapping.
                let mut p = 3u64;
                for _ in 0..i {
                    p = p.wrapping_mul(p);
                }
                acc.wrapping_mul(p)
            })]
        );
        let f = ts::pow(&t(&[2.0f64, 4.0], &[2]), &t(&[0.5f64, -1.0], &[2]))?;
        same_f64(&f.to_vec::<f64>()?, &[2f64.sqrt(), 0.25]);
        Ok(())
    });
}

#[test]
fn nan_semantics() {
    on_ndarray(|| {
        let nan = f64::NAN;
        let a = t(&[1.0, nan, 3.0, -0.0], &[4]);
        let b = t(&[2.0, 1.0, nan, 0.0], &[4]);
        same_f64(
            &ts::maximum(&a, &b)?.to_vec::<f64>()?,
            &[2.0, nan, nan, 0.0],
        );
        same_f64(
            &ts::minimum(&a, &b)?.to_vec::<f64>()?,
            &[1.0, nan, nan, 0.0],
        );
        assert_eq!(
            ts::equal(&a, &a)?.to_vec::<bool>()?,
            [true, false, true, true]
        );
        assert_eq!(
            ts::not_equal(&a, &a)?.to_vec::<bool>()?,
            [false, true, false, false]
        );
        assert_eq!(
            ts::less(&a, &b)?.to_vec::<bool>()?,
            [true, false, false, false]
        );
        let x = t(&[1.0, 5.0, nan, 7.0, nan], &[5]);
        assert!(ts::max(&x, None)?.to_vec::<f64>()?[0].is_nan());
        assert!(ts::min(&x, None)?.to_vec::<f64>()?[0].is_nan());
        assert_eq!(ts::argmax(&x, None)?.to_vec::<i64>()?, [2]);
        assert_eq!(ts::argmin(&x, None)?.to_vec::<i64>()?, [2]);
        let y = t(&[3.0, 1.0, 3.0, 1.0], &[4]);
        assert_eq!(ts::argmax(&y, Some(0))?.to_vec::<i64>()?, [0]);
        assert_eq!(
            ts::argmin(&y, tensorswitch::Reduction::over(Some(0)).keepdims(true))?
                .to_vec::<i64>()?,
            [1]
        );
        same_f64(
            &ts::divide(&t(&[1.0, -1.0, 0.0], &[3]), &t(&[0.0; 3], &[3]))?.to_vec::<f64>()?,
            &[f64::INFINITY, f64::NEG_INFINITY, nan],
        );
        Ok(())
    });
}

#[test]
fn rounding_and_sign() {
    on_ndarray(|| {
        let x = t(&[0.5f32, 1.5, 2.5, -0.5, -1.7, f32::NAN], &[6]);
        let r = ts::round(&x)?.to_vec::<f32>()?;
        assert_eq!(&r[..5], &[0.0, 2.0, 2.0, -0.0, -2.0]);
        assert!(r[5].is_nan());
        let s = ts::sign(&t(&[-3.0f64, 0.0, -0.0, 2.0, f64::NAN], &[5]))?.to_vec::<f64>()?;
        assert_eq!(&s[..4], &[-1.0, 0.0, 0.0, 1.0]);
        assert!(s[4].is_nan());
        assert_eq!(
            ts::sign(&t(&[-5i16, 0, 9], &[3]))?.to_vec::<i16>()?,
            [-1, 0, 1]
        );
        assert_eq!(ts::sign(&t(&[0u32, 9], &[2]))?.to_vec::<u32>()?, [0, 1]);
        Ok(())
    });
}

#[test]
fn reductions_over_axes() {
    on_ndarray(|| {
        let x = ts::reshape(&ts::arange(0.0, 24.0, 1.0, DType::Int64)?, [2, 3, 4])?;
        let s = ts::sum(&x, [0, 2])?;
        assert_eq!(s.shape(), &[3]);
        assert_eq!(s.to_vec::<i64>()?, [60, 92, 124]);
        let s = ts::sum(&x, tensorswitch::Reduction::over([1]).keepdims(true))?;
        assert_eq!(s.shape(), &[2, 1, 4]);
        assert_eq!(s.to_vec::<i64>()?, [12, 15, 18, 21, 48, 51, 54, 57]);
        let m = ts::max(&x, [-1])?;
        assert_eq!(m.to_vec::<i64>()?, [3, 7, 11, 15, 19, 23]);
        let empty = Tensor::from_slice::<f32>(&[], &[0, 3])?;
        assert_eq!(ts::sum(&empty, [0])?.to_vec::<f32>()?, [0.0; 3]);
        assert_eq!(ts::prod(&empty, [0])?.to_vec::<f32>()?, [1.0; 3]);
        // No axes: the input, unchanged.
        let same = ts::sum(&x, tensorswitch::Axes::List(Default::default()))?;
        assert_eq!(same.to_vec::<i64>()?, x.to_vec::<i64>()?);
        let a = ts::argmax(&x, Some(1))?;
        assert_eq!(a.to_vec::<i64>()?, [2; 8]);
        let c = ts::cumulative_sum(&t(&[1i64, 2, 3, 4], &[2, 2]), Some(0))?;
        assert_eq!(c.to_vec::<i64>()?, [1, 2, 4, 6]);
        let c = ts::cumulative_sum(
            &t(&[1u8, 255], &[2]),
            tensorswitch::CumulativeSum::along(None).include_initial(true),
        )?;
        assert_eq!(c.dtype(), DType::UInt64);
        assert_eq!(c.to_vec::<u64>()?, [0, 1, 256]);
        // Pairwise summation keeps float32 sums of many small values accurate.
        let ones = ts::full(&[100_000], 0.1f64, DType::Float32)?;
        let total = ts::sum(&ones, None)?.to_vec::<f32>()?[0];
        assert!((total - 10_000.0).abs() < 0.05, "{total}");
        Ok(())
    });
}

#[test]
fn sorting_is_stable_with_nan_placement() {
    on_ndarray(|| {
        let nan = f64::NAN;
        let x = t(&[2.0, nan, 1.0, 2.0, 1.0, nan], &[6]);
        assert_eq!(ts::argsort(&x, 0)?.to_vec::<i64>()?, [2, 4, 0, 3, 1, 5]);
        assert_eq!(
            ts::argsort(&x, tensorswitch::Sorting::along(0).descending(true))?.to_vec::<i64>()?,
            [1, 5, 0, 3, 2, 4]
        );
        let s = ts::sort(&x, tensorswitch::Sorting::along(0).descending(true))?.to_vec::<f64>()?;
        same_f64(&s, &[nan, nan, 2.0, 2.0, 1.0, 1.0]);
        let m = t(&[3, 1, 2, 9, 8, 7], &[2, 3]);
        assert_eq!(ts::sort(&m, 0)?.to_vec::<i32>()?, [3, 1, 2, 9, 8, 7]);
        assert_eq!(ts::sort(&m, 1)?.to_vec::<i32>()?, [1, 2, 3, 7, 8, 9]);
        assert_eq!(
            ts::argsort(&m, tensorswitch::Sorting::along(-1).descending(true))?.to_vec::<i64>()?,
            [0, 2, 1, 0, 1, 2]
        );
        let b = t(&[true, false, true, false], &[4]);
        assert_eq!(
            ts::sort(&b, 0)?.to_vec::<bool>()?,
            [false, false, true, true]
        );
        Ok(())
    });
}

#[test]
fn layouts_read_back_in_row_major_order() {
    on_ndarray(|| {
        let x = ts::reshape(&ts::arange(0.0, 6.0, 1.0, DType::Float32)?, [2, 3])?;
        let xt = ts::permute_dims(&x, [1, 0])?;
        assert_eq!(xt.to_vec::<f32>()?, [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
        assert_eq!(
            ts::reshape(&xt, [6])?.to_vec::<f32>()?,
            [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
        );
        assert_eq!(
            ts::flip(&x, [1])?.to_vec::<f32>()?,
            [2.0, 1.0, 0.0, 5.0, 4.0, 3.0]
        );
        assert_eq!(
            ts::flip(&x, None)?.to_vec::<f32>()?,
            [5.0, 4.0, 3.0, 2.0, 1.0, 0.0]
        );
        let b = ts::broadcast_to(&t(&[1u16, 2], &[2, 1]), &[2, 2, 3])?;
        assert_eq!(b.to_vec::<u16>()?, [1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2]);
        let c = ts::concat(&[x.clone(), ts::ones(&[1, 3], DType::Float32)?], Some(0))?;
        assert_eq!(c.shape(), &[3, 3]);
        assert_eq!(c.to_vec::<f32>()?[6..], [1.0, 1.0, 1.0]);
        let c = ts::concat(&[xt.clone(), xt], Some(1))?;
        assert_eq!(c.to_vec::<f32>()?[..4], [0.0, 3.0, 0.0, 3.0]);
        let w = ts::where_(
            &t(&[true, false], &[2, 1]),
            &x,
            &ts::full(&[], -1.0, DType::Float32)?,
        )?;
        assert_eq!(w.to_vec::<f32>()?, [0.0, 1.0, 2.0, -1.0, -1.0, -1.0]);
        Ok(())
    });
}

#[test]
fn astype_follows_rust_as() {
    on_ndarray(|| {
        let f = t(&[-1.7f64, 300.0, f64::NAN, 0.0, f64::INFINITY], &[5]);
        assert_eq!(
            ts::astype(&f, DType::UInt8)?.to_vec::<u8>()?,
            [0, 255, 0, 0, 255]
        );
        assert_eq!(
            ts::astype(&f, DType::Int32)?.to_vec::<i32>()?,
            [-1, 300, 0, 0, i32::MAX]
        );
        assert_eq!(
            ts::astype(&f, DType::Bool)?.to_vec::<bool>()?,
            [true, true, true, false, true]
        );
        let i = t(&[-1i64, 256], &[2]);
        assert_eq!(ts::astype(&i, DType::UInt8)?.to_vec::<u8>()?, [255, 0]);
        assert_eq!(
            ts::astype(&i, DType::UInt64)?.to_vec::<u64>()?,
            [u64::MAX, 256]
        );
        let b = t(&[true, false], &[2]);
        assert_eq!(ts::astype(&b, DType::Float64)?.to_vec::<f64>()?, [1.0, 0.0]);
        assert_eq!(
            ts::arange(-1.0, 2.0, 0.5, DType::Int8)?.to_vec::<i8>()?,
            [-1, 0, 0, 0, 1, 1]
        );
        Ok(())
    });
}

#[test]
fn linear_algebra() {
    on_ndarray(|| {
        let a = t(&[1.0f64, 2.0, 3.0, 4.0], &[2, 2]);
        let b = t(&[5.0f64, 6.0, 7.0, 8.0], &[2, 2]);
        assert_eq!(
            ts::matmul(&a, &b)?.to_vec::<f64>()?,
            [19.0, 22.0, 43.0, 50.0]
        );
        // Batched with broadcasting: (2, 1, 2, 2) @ (3, 2, 2) -> (2, 3, 2, 2).
        let stack_a = ts::stack(&[a.clone(), b.clone()], 0)?;
        let stack_a = ts::reshape(&stack_a, [2, 1, 2, 2])?;
        let eye = ts::eye(2, None, 0, DType::Float64)?;
        let stack_b = ts::stack(&[eye.clone(), a.clone(), eye], 0)?;
        let p = ts::matmul(&stack_a, &stack_b)?;
        assert_eq!(p.shape(), &[2, 3, 2, 2]);
        let v = p.to_vec::<f64>()?;
        assert_eq!(v[..4], [1.0, 2.0, 3.0, 4.0]);
        assert_eq!(v[4..8], [7.0, 10.0, 15.0, 22.0]);
        assert_eq!(v[16..20], [23.0, 34.0, 31.0, 46.0]);
        // Transposed operands (non-standard layouts) and vectors.
        let at = ts::matrix_transpose(&a)?;
        assert_eq!(
            ts::matmul(&at, &a)?.to_vec::<f64>()?,
            [10.0, 14.0, 14.0, 20.0]
        );
        let vec = t(&[1.0f64, 1.0], &[2]);
        assert_eq!(ts::matmul(&a, &vec)?.to_vec::<f64>()?, [3.0, 7.0]);
        // Integers wrap.
        let i = t(&[100i8, 100, 1, 1], &[2, 2]);
        assert_eq!(ts::matmul(&i, &i)?.to_vec::<i8>()?, [116, 116, 101, 101]);

        let inv = ts::linalg::inv(&a)?.to_vec::<f64>()?;
        same_f64(&inv, &[-2.0, 1.0, 1.5, -0.5]);
        same_f64(&ts::linalg::det(&a)?.to_vec::<f64>()?, &[-2.0]);
        let perm = t(&[0.0f32, 1.0, 1.0, 0.0], &[2, 2]);
        assert_eq!(
            ts::linalg::inv(&perm)?.to_vec::<f32>()?,
            [0.0, 1.0, 1.0, 0.0]
        );
        assert_eq!(ts::linalg::det(&perm)?.to_vec::<f32>()?, [-1.0]);
        let singular = t(&[1.0f64, 2.0, 2.0, 4.0], &[2, 2]);
        assert_eq!(ts::linalg::det(&singular)?.to_vec::<f64>()?, [0.0]);
        let err = ts::linalg::inv(&singular).unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidArgument {
                    op: "linalg.inv",
                    ..
                }
            ),
            "{err}"
        );
        let batch = ts::stack(&[a, singular], 0)?;
        same_f64(&ts::linalg::det(&batch)?.to_vec::<f64>()?, &[-2.0, 0.0]);
        let empty = Tensor::from_slice::<f64>(&[], &[3, 0, 0])?;
        assert_eq!(ts::linalg::det(&empty)?.to_vec::<f64>()?, [1.0; 3]);
        assert_eq!(ts::linalg::inv(&empty)?.shape(), &[3, 0, 0]);
        let three = t(&[2.0f64, 0.0, 1.0, 1.0, 3.0, 2.0, 1.0, 1.0, 2.0], &[3, 3]);
        same_f64(&ts::linalg::det(&three)?.to_vec::<f64>()?, &[6.0]);
        let prod = ts::matmul(&three, &ts::linalg::inv(&three)?)?.to_vec::<f64>()?;
        same_f64(&prod, &[1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
        Ok(())
    });
}

#[test]
fn interop_with_ndarray() {
    let a = ndarray::Array::from_shape_vec(vec![2, 2], vec![1u32, 2, 3, 4]).unwrap();
    let x = tensorswitch_ndarray::from_ndarray(a.into_dyn());
    assert_eq!(x.backend(), "ndarray");
    assert_eq!(x.dtype(), DType::UInt32);
    let view = tensorswitch_ndarray::to_ndarray::<u32>(&x).unwrap();
    assert_eq!(view.shape(), &[2, 2]);
    assert_eq!(view[[1, 0]], 3);
    assert!(tensorswitch_ndarray::to_ndarray::<i32>(&x).is_none());
}

/// Arrays handed in through `from_ndarray` may have any layout: column-major, negative
/// strides. Every op must read them in logical (row-major) order.
#[test]
fn any_memory_layout_reads_in_logical_order() {
    use ndarray::{Array, Axis, ShapeBuilder};
    let values: Vec<f64> = (0..12).map(|v| (v * 7 % 12) as f64 - 5.5).collect();
    let column_major = Array::from_shape_vec((3, 4).f(), values.clone()).unwrap();
    let mut reversed = Array::from_shape_vec((3, 4), values).unwrap();
    reversed.invert_axis(Axis(0));
    for weird in [column_major.into_dyn(), reversed.into_dyn()] {
        let standard = weird.as_standard_layout().into_owned();
        assert!(!weird.is_standard_layout());
        let (w, s) = (
            tensorswitch_ndarray::from_ndarray(weird),
            tensorswitch_ndarray::from_ndarray(standard),
        );
        type UnaryCheck = fn(&Tensor) -> Result<Tensor>;
        let checks: Vec<(&str, UnaryCheck)> = vec![
            ("identity", |x| Ok(x.clone())),
            ("exp", ts::exp),
            ("add", |x| {
                ts::add(x, &ts::matrix_transpose(&ts::matrix_transpose(x)?)?)
            }),
            ("add_broadcast", |x| {
                ts::add(x, &t(&[1.0, 2.0, 3.0, 4.0], &[4]))
            }),
            ("sum0", |x| ts::sum(x, [0])),
            ("sum1", |x| {
                ts::sum(x, tensorswitch::Reduction::over([1]).keepdims(true))
            }),
            ("max", |x| ts::max(x, [1])),
            ("argmax", |x| ts::argmax(x, None)),
            ("cumsum", |x| ts::cumulative_sum(x, Some(1))),
            ("sort", |x| ts::sort(x, 0)),
            ("argsort", |x| {
                ts::argsort(x, tensorswitch::Sorting::along(1).descending(true))
            }),
            ("reshape", |x| ts::reshape(x, [2, 6])),
            ("permute", |x| ts::permute_dims(x, [1, 0])),
            ("flip", |x| ts::flip(x, [1])),
            ("broadcast", |x| ts::broadcast_to(x, &[2, 3, 4])),
            ("concat", |x| ts::concat(&[x.clone(), x.clone()], Some(1))),
            ("astype", |x| ts::astype(x, DType::Int32)),
            ("tril", |x| ts::tril(x, 1)),
            ("triu", |x| ts::triu(x, -1)),
            ("matmul", |x| ts::matmul(x, &ts::matrix_transpose(x)?)),
            ("inv", |x| {
                ts::linalg::inv(&ts::matmul(x, &ts::matrix_transpose(x)?)?)
            }),
            ("det", |x| {
                ts::linalg::det(&ts::matmul(x, &ts::matrix_transpose(x)?)?)
            }),
            ("where", |x| {
                ts::where_(
                    &ts::less(x, &ts::zeros(&[], DType::Float64)?)?,
                    x,
                    &t(&[9.0], &[1]),
                )
            }),
        ];
        ts::with_backend("ndarray", || {
            for (name, f) in checks {
                let (a, b) = (f(&w).unwrap(), f(&s).unwrap());
                assert_eq!(a.shape(), b.shape(), "{name}");
                assert_eq!(a.to_host().unwrap(), b.to_host().unwrap(), "{name}");
            }
        })
        .unwrap();
    }
}

/// ndarray 0.17's own `tril`/`triu` recurse without end on F-ordered, not C-ordered arrays
/// with a size-1 dimension among the last two (a stack overflow: an abort). Such arrays come
/// from other backends' memory (torch's strides) or from `from_ndarray`; the backend gives
/// ndarray a standard-layout copy. Each 1×2 matrix [[a, b]]: tril(k=0) keeps a, triu(k=0)
/// keeps both, tril(k=-1) keeps nothing, triu(k=1) keeps b.
#[test]
fn tril_and_triu_of_f_ordered_stacks_with_unit_dimensions() {
    use ndarray::{ArrayD, IxDyn, ShapeBuilder};
    // shape (3, 1, 2) in F order: element (i, 0, j) is data[i + 3 j]
    let data = vec![1i32, 2, 3, 10, 20, 30];
    let a = ArrayD::from_shape_vec(IxDyn(&[3, 1, 2]).f(), data).unwrap();
    assert!(!a.is_standard_layout());
    let x = tensorswitch_ndarray::from_ndarray(a);
    on_ndarray(|| {
        assert_eq!(ts::tril(&x, 0)?.to_vec::<i32>()?, vec![1, 0, 2, 0, 3, 0]);
        assert_eq!(ts::triu(&x, 0)?.to_vec::<i32>()?, vec![1, 10, 2, 20, 3, 30]);
        assert_eq!(ts::tril(&x, -1)?.to_vec::<i32>()?, vec![0; 6]);
        assert_eq!(ts::triu(&x, 1)?.to_vec::<i32>()?, vec![0, 10, 0, 20, 0, 30]);
        Ok(())
    });
}

/// The backend re-checks what the core guarantees a `concat` slot (one rank, equal sizes off
/// the axis), so a broken contract is an error, not a panic inside ndarray's `assign`. Called
/// through the slot directly, since the public `concat` refuses such inputs first.
#[test]
fn the_concat_slot_refuses_inputs_outside_its_contract() {
    let concat = ts::inventory::iter::<ts::Primary>
        .into_iter()
        .find_map(|p| match (p.backend, p.func) {
            // SAFETY: every call below is inside `in_read_section`.
            ("ndarray", ts::OpFn::concat(f)) => Some(unsafe { f.get() }),
            _ => None,
        })
        .expect("ndarray registers a concat primary");
    on_ndarray(|| {
        let a = t(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
        let rank1 = t(&[1.0f32, 2.0], &[2]);
        let wide = t(&[0.0f32; 8], &[2, 4]);
        for (what, b) in [("rank", rank1), ("size off the axis", wide)] {
            match ts::kit::in_read_section(|| concat(&[a.clone(), b], 0)) {
                Err(Error::Backend { op: "concat", .. }) => {}
                other => panic!("{what}: expected a Backend error, got {other:?}"),
            }
        }
        // Within the contract it joins: [2, 3] and [1, 3] along 0.
        let b = t(&[7.0f32, 8.0, 9.0], &[1, 3]);
        let c = ts::kit::in_read_section(|| concat(&[a.clone(), b], 0))?;
        assert_eq!(c.shape(), [3, 3]);
        assert_eq!(
            c.to_vec::<f32>()?,
            vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]
        );
        Ok(())
    });
}

/// The sign bit of NaN, which the conformance data cannot hold (JSON writes every NaN as
/// `"nan"`).
#[test]
fn signbit_reads_the_sign_of_nan_and_zero() {
    on_ndarray(|| {
        let x = t(
            &[-f64::NAN, f64::NAN, -0.0, 0.0, -1.0, f64::NEG_INFINITY],
            &[6],
        );
        let want = [true, false, true, false, true, true];
        assert_eq!(ts::signbit(&x)?.to_vec::<bool>()?, want);
        let x = t(
            &[-f32::NAN, f32::NAN, -0.0, 0.0, -1.0, f32::NEG_INFINITY],
            &[6],
        );
        assert_eq!(ts::signbit(&x)?.to_vec::<bool>()?, want);
        Ok(())
    });
}

/// NumPy 2.4.6 gives +0.0 for `np.sum(np.full(n, -0.0))` whatever `n` and axis (its sums start
/// from the identity +0.0), and so does libtorch; found by the transpiler's differential tests.
#[test]
fn sums_of_negative_zeros_are_positive_zero() {
    on_ndarray(|| {
        for n in [1usize, 2, 7, 8, 9, 200] {
            let z = t(&vec![-0.0f64; n * 2], &[n, 2]);
            let all = ts::sum(&z, None)?.to_vec::<f64>()?;
            let cols = ts::sum(&z, 0)?.to_vec::<f64>()?;
            let z32 = ts::astype(&z, DType::Float32)?;
            let rows = ts::sum(&z32, 1)?.to_vec::<f32>()?;
            assert!(
                all.iter()
                    .chain(&cols)
                    .all(|v| *v == 0.0 && v.is_sign_positive()),
                "{n}"
            );
            assert!(
                rows.iter().all(|v| *v == 0.0 && v.is_sign_positive()),
                "{n}"
            );
            // A mean of negative zeros is a sum divided by the count: +0.0 too.
            let m = ts::mean(&z, None)?.to_vec::<f64>()?;
            assert!(m[0].is_sign_positive());
        }
        Ok(())
    });
}
