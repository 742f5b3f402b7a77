//! Hand-derived checks of the bitwise ops, count_nonzero, zeros_like/ones_like and moveaxis.
use tensorswitch::{self as ts, DType, Error, Op, Reduction, Result, Source, Tensor};

/// Runs `f` on the backend under test (this thread only).
fn on_backend(backend: &str, f: impl FnOnce() -> Result<()>) {
    ts::with_backend(backend, f).unwrap().unwrap();
}

fn t<T: ts::Element>(data: &[T], shape: &[usize]) -> Tensor {
    Tensor::from_slice(data, shape).unwrap()
}

pub fn the_new_ops_are_primaries(backend: &str) {
    let report = ts::function_table_report(backend).unwrap();
    for op in [
        Op::bitwise_and,
        Op::bitwise_or,
        Op::bitwise_xor,
        Op::bitwise_invert,
        Op::count_nonzero,
        Op::zeros_like,
        Op::ones_like,
        Op::moveaxis,
    ] {
        let (_, source) = report.rows.iter().find(|(o, _)| *o == op).unwrap();
        assert!(
            matches!(source, Source::Primary { .. }),
            "{op} is {source}, not a primary"
        );
    }
}

pub fn bitwise_on_int8(backend: &str) {
    on_backend(backend, || {
        let a = t(&[6i8, 6, -128, 0b0110], &[4]);
        let b = t(&[-1i8, 3, 127, 0b1010], &[4]);
        let and = ts::bitwise_and(&a, &b)?;
        assert_eq!(and.dtype(), DType::Int8);
        assert_eq!(and.to_vec::<i8>()?, [6, 2, 0, 0b0010]);
        assert_eq!(ts::bitwise_or(&a, &b)?.to_vec::<i8>()?, [-1, 7, -1, 0b1110]);
        assert_eq!(
            ts::bitwise_xor(&a, &b)?.to_vec::<i8>()?,
            [-7, 5, -1, 0b1100]
        );
        let x = t(&[6i8, 5, -128, 0, -1, 127], &[2, 3]);
        let inv = ts::bitwise_invert(&x)?;
        assert_eq!((inv.dtype(), inv.shape()), (DType::Int8, &[2usize, 3][..]));
        assert_eq!(inv.to_vec::<i8>()?, [-7, -6, 127, -1, 0, -128]);
        Ok(())
    });
}

pub fn bitwise_on_uint8(backend: &str) {
    on_backend(backend, || {
        let a = t(&[0u8, 1, 255, 0xF0], &[4]);
        let b = t(&[0xFFu8, 3, 0x0F, 0xFF], &[4]);
        assert_eq!(ts::bitwise_invert(&a)?.to_vec::<u8>()?, [255, 254, 0, 0x0F]);
        assert_eq!(ts::bitwise_and(&a, &b)?.to_vec::<u8>()?, [0, 1, 0x0F, 0xF0]);
        assert_eq!(
            ts::bitwise_or(&a, &b)?.to_vec::<u8>()?,
            [0xFF, 3, 0xFF, 0xFF]
        );
        let xor = ts::bitwise_xor(&a, &b)?;
        assert_eq!(xor.dtype(), DType::UInt8);
        assert_eq!(xor.to_vec::<u8>()?, [0xFF, 2, 0xF0, 0x0F]);
        Ok(())
    });
}

pub fn bitwise_on_int32_broadcasts(backend: &str) {
    on_backend(backend, || {
        let a = t(&[0b1100i32, -1], &[2, 1]);
        let b = t(&[0b1010i32, 0, 7], &[3]);
        let and = ts::bitwise_and(&a, &b)?;
        assert_eq!((and.dtype(), and.shape()), (DType::Int32, &[2usize, 3][..]));
        assert_eq!(and.to_vec::<i32>()?, [8, 0, 4, 10, 0, 7]);
        assert_eq!(
            ts::bitwise_or(&a, &b)?.to_vec::<i32>()?,
            [14, 12, 15, -1, -1, -1]
        );
        assert_eq!(
            ts::bitwise_xor(&a, &b)?.to_vec::<i32>()?,
            [6, 12, 11, -11, -1, -8]
        );
        // The other way round gives the same values.
        assert_eq!(
            ts::bitwise_xor(&b, &a)?.to_vec::<i32>()?,
            [6, 12, 11, -11, -1, -8]
        );
        Ok(())
    });
}

pub fn bitwise_on_bool_is_logical(backend: &str) {
    on_backend(backend, || {
        let a = t(&[true, true, false, false], &[4]);
        let b = t(&[true, false, true, false], &[4]);
        let and = ts::bitwise_and(&a, &b)?;
        assert_eq!(and.dtype(), DType::Bool);
        assert_eq!(and.to_vec::<bool>()?, [true, false, false, false]);
        assert_eq!(
            ts::bitwise_or(&a, &b)?.to_vec::<bool>()?,
            [true, true, true, false]
        );
        assert_eq!(
            ts::bitwise_xor(&a, &b)?.to_vec::<bool>()?,
            [false, true, true, false]
        );
        let inv = ts::bitwise_invert(&a)?;
        assert_eq!(inv.dtype(), DType::Bool);
        assert_eq!(inv.to_vec::<bool>()?, [false, false, true, true]);
        Ok(())
    });
}

pub fn bitwise_promotes_and_refuses_floats(backend: &str) {
    on_backend(backend, || {
        let a = t(&[-1i8, 6], &[2]);
        let b = t(&[300i16, 3], &[2]);
        let and = ts::bitwise_and(&a, &b)?;
        assert_eq!(and.dtype(), DType::Int16);
        assert_eq!(and.to_vec::<i16>()?, [300, 2]);
        let or = ts::bitwise_or(&b, &a)?;
        assert_eq!(or.dtype(), DType::Int16);
        assert_eq!(or.to_vec::<i16>()?, [-1, 7]);

        let f = t(&[1.0f32, 2.0], &[2]);
        let i = t(&[1i32, 2], &[2]);
        for r in [
            ts::bitwise_and(&f, &f),
            ts::bitwise_or(&f, &i),
            ts::bitwise_xor(&i, &f),
            ts::bitwise_invert(&f),
        ] {
            assert!(matches!(r, Err(Error::InvalidDType { .. })), "{r:?}");
        }
        Ok(())
    });
}

pub fn count_nonzero_over_axes(backend: &str) {
    on_backend(backend, || {
        let x = t(&[0i32, 1, 2, 3, 0, 0], &[2, 3]);
        let all = ts::count_nonzero(&x, None)?;
        assert_eq!((all.dtype(), all.shape()), (DType::Int64, &[][..]));
        assert_eq!(all.to_vec::<i64>()?, [3]);
        assert_eq!(ts::count_nonzero(&x, 0)?.to_vec::<i64>()?, [1, 1, 1]);
        let rows = ts::count_nonzero(&x, -1)?;
        assert_eq!(
            (rows.shape(), rows.to_vec::<i64>()?),
            (&[2usize][..], vec![2, 1])
        );
        let kept = ts::count_nonzero(&x, Reduction::over([1]).keepdims(true))?;
        assert_eq!(
            (kept.shape(), kept.to_vec::<i64>()?),
            (&[2usize, 1][..], vec![2, 1])
        );
        let kept = ts::count_nonzero(&x, Reduction::over(None).keepdims(true))?;
        assert_eq!(
            (kept.shape(), kept.to_vec::<i64>()?),
            (&[1usize, 1][..], vec![3])
        );
        // Over no axes: each element on its own, 0 or 1.
        let none = ts::count_nonzero(&x, Vec::<isize>::new())?;
        assert_eq!(
            (none.dtype(), none.shape()),
            (DType::Int64, &[2usize, 3][..])
        );
        assert_eq!(none.to_vec::<i64>()?, [0, 1, 1, 1, 0, 0]);

        let b = t(&[true, false, true, true], &[2, 2]);
        assert_eq!(ts::count_nonzero(&b, 0)?.to_vec::<i64>()?, [2, 1]);
        Ok(())
    });
}

pub fn count_nonzero_of_empty_and_floats(backend: &str) {
    on_backend(backend, || {
        let e = t::<f32>(&[], &[2, 0]);
        let rows = ts::count_nonzero(&e, 1)?;
        assert_eq!((rows.dtype(), rows.shape()), (DType::Int64, &[2usize][..]));
        assert_eq!(rows.to_vec::<i64>()?, [0, 0]);
        assert_eq!(ts::count_nonzero(&e, 0)?.shape(), &[0]);
        assert_eq!(ts::count_nonzero(&e, None)?.to_vec::<i64>()?, [0]);

        // NaN is non-zero; -0.0 is zero.
        let f = t(&[f64::NAN, -0.0, 0.0, 1.5, f64::NEG_INFINITY], &[5]);
        assert_eq!(ts::count_nonzero(&f, None)?.to_vec::<i64>()?, [3]);
        let f = t(&[f32::NAN, -0.0, 0.0, 0.0], &[2, 2]);
        assert_eq!(ts::count_nonzero(&f, 1)?.to_vec::<i64>()?, [1, 0]);
        Ok(())
    });
}

pub fn zeros_like_and_ones_like(backend: &str) {
    on_backend(backend, || {
        let x = t(&[1.5f32, -2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
        let z = ts::zeros_like(&x, None)?;
        assert_eq!(
            (z.dtype(), z.shape(), z.device()),
            (DType::Float32, x.shape(), x.device())
        );
        assert_eq!(z.to_vec::<f32>()?, [0.0; 6]);
        let z = ts::zeros_like(&x, DType::Int8)?;
        assert_eq!(
            (z.dtype(), z.shape(), z.device()),
            (DType::Int8, x.shape(), x.device())
        );
        assert_eq!(z.to_vec::<i8>()?, [0; 6]);

        let o = ts::ones_like(&x, None)?;
        assert_eq!(
            (o.dtype(), o.shape(), o.device()),
            (DType::Float32, x.shape(), x.device())
        );
        assert_eq!(o.to_vec::<f32>()?, [1.0; 6]);
        let o = ts::ones_like(&x, DType::Bool)?;
        assert_eq!((o.dtype(), o.shape()), (DType::Bool, x.shape()));
        assert_eq!(o.to_vec::<bool>()?, [true; 6]);
        let o = ts::ones_like(&t(&[7i64, 8], &[2]), Some(DType::Int32))?;
        assert_eq!((o.dtype(), o.to_vec::<i32>()?), (DType::Int32, vec![1, 1]));

        // Empty and 0-d inputs keep their shapes.
        let e = ts::ones_like(&t::<i16>(&[], &[0, 3]), None)?;
        assert_eq!((e.dtype(), e.shape()), (DType::Int16, &[0usize, 3][..]));
        let s = ts::zeros_like(&t(&[9u8], &[]), None)?;
        assert_eq!((s.shape(), s.to_vec::<u8>()?), (&[][..], vec![0]));
        Ok(())
    });
}

pub fn moveaxis_permutes(backend: &str) {
    on_backend(backend, || {
        let data: Vec<i32> = (0..24).collect();
        let x = t(&data, &[2, 3, 4]);

        let m = ts::moveaxis(&x, 0, -1)?;
        assert_eq!(m.shape(), &[3, 4, 2]);
        let p = ts::permute_dims(&x, [1, 2, 0])?;
        assert_eq!(m.to_vec::<i32>()?, p.to_vec::<i32>()?);
        // x[i, j, k] = 12 i + 4 j + k lands at m[j, k, i].
        assert_eq!(&m.to_vec::<i32>()?[..4], [0, 12, 1, 13]);

        // NumPy: the axes that stay ([2]), then each moved axis inserted at its destination in
        // increasing destination order: 1 at 0 ([1, 2]), 0 at 2 ([1, 2, 0]).
        let m = ts::moveaxis(&x, [0, 1], [2, 0])?;
        assert_eq!(m.shape(), &[3, 4, 2]);
        assert_eq!(m.to_vec::<i32>()?, p.to_vec::<i32>()?);

        // [1] stays; 2 goes to 0 ([2, 1]), 0 to 1 ([2, 0, 1]).
        let m = ts::moveaxis(&x, [0, 2], [1, 0])?;
        assert_eq!(m.shape(), &[4, 2, 3]);
        let p = ts::permute_dims(&x, [2, 0, 1])?;
        assert_eq!(m.to_vec::<i32>()?, p.to_vec::<i32>()?);
        assert_eq!(&m.to_vec::<i32>()?[..4], [0, 4, 8, 12]);

        // Moving an axis to where it is changes nothing.
        let m = ts::moveaxis(&x, 1, 1)?;
        assert_eq!((m.shape(), m.to_vec::<i32>()?), (x.shape(), data.clone()));

        for r in [
            ts::moveaxis(&x, [0, 0], [1, 2]),
            ts::moveaxis(&x, [0, 1], [2, 2]),
            ts::moveaxis(&x, [0, 1], [2]),
            ts::moveaxis(&x, 0, [1, 2]),
            ts::moveaxis(&x, 3, 0),
        ] {
            assert!(r.is_err(), "{r:?}");
        }
        assert!(matches!(
            ts::moveaxis(&x, [0, -3], [1, 2]),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            ts::moveaxis(&x, [0, 1], [2]),
            Err(Error::InvalidArgument { .. })
        ));
        Ok(())
    });
}
