//! `asarray` on the ndarray backend: every source form, the dtype and copy keywords, and the
//! errors. (Sources on another backend: backends/tch/tests/sharing.rs.)

use tensorswitch::{asarray, ArraySource, AsArray, DType, Device, Error, HostData, Tensor};
use tensorswitch_ndarray::data_ptr;

fn opts() -> AsArray {
    AsArray::default()
}

#[test]
fn host_sources_become_tensors_of_their_shape() {
    tensorswitch::with_backend("ndarray", || {
        let v = asarray(vec![1.5f32, -2.0, 7.25], opts()).unwrap();
        assert_eq!((v.dtype(), v.shape()), (DType::Float32, &[3usize][..]));
        assert_eq!(v.to_vec::<f32>().unwrap(), [1.5, -2.0, 7.25]);

        let s = asarray(-3i64, opts()).unwrap();
        assert_eq!(s.shape(), &[] as &[usize]);
        assert_eq!(s.to_vec::<i64>().unwrap(), [-3]);

        let a = asarray([true, false], opts()).unwrap();
        assert_eq!(a.to_vec::<bool>().unwrap(), [true, false]);

        let sl: &[u16] = &[9, 8, 7, 6];
        let t = asarray(sl, opts()).unwrap();
        assert_eq!(
            (t.dtype(), t.to_vec::<u16>().unwrap()),
            (DType::UInt16, vec![9, 8, 7, 6])
        );

        let h = asarray(HostData::Int8(vec![1, 2]), opts()).unwrap();
        assert_eq!((h.dtype(), h.shape()), (DType::Int8, &[2usize][..]));

        let m = asarray(
            ArraySource::shaped(vec![1u8, 2, 3, 4, 5, 6], &[2, 3]),
            opts(),
        )
        .unwrap();
        assert_eq!(m.shape(), [2, 3]);
        // Row-major: element [1, 0] is the fourth.
        let row1 = tensorswitch::sum(&m, tensorswitch::Reduction::over(1)).unwrap();
        assert_eq!(row1.to_vec::<u64>().unwrap(), [6, 15]);
    })
    .unwrap();
}

#[test]
fn host_data_that_does_not_fill_its_shape_is_an_error() {
    tensorswitch::with_backend("ndarray", || {
        let r = asarray(ArraySource::shaped(vec![1.0f64; 5], &[2, 3]), opts());
        assert!(
            matches!(
                r,
                Err(Error::InvalidShape { .. }) | Err(Error::InvalidArgument { .. })
            ),
            "{r:?}"
        );
    })
    .unwrap();
}

#[test]
fn dtype_casts_as_astype_does() {
    tensorswitch::with_backend("ndarray", || {
        // Integers to float64 are exact; float to int32 truncates toward zero (astype's rule).
        let f = asarray(vec![1i32, -2, 40], opts().dtype(DType::Float64)).unwrap();
        assert_eq!(f.to_vec::<f64>().unwrap(), [1.0, -2.0, 40.0]);
        let x = Tensor::from_slice(&[1.5f32, -2.5, 9.99], &[3]).unwrap();
        let i = asarray(&x, opts().dtype(DType::Int32)).unwrap();
        assert_eq!(i.to_vec::<i32>().unwrap(), [1, -2, 9]);
        assert_eq!(x.dtype(), DType::Float32, "the source is untouched");
    })
    .unwrap();
}

#[test]
fn a_tensor_already_in_place_is_returned_unless_a_copy_is_asked_for() {
    tensorswitch::with_backend("ndarray", || {
        let x = Tensor::from_slice(&[1.0f32, 2.0, 3.0], &[3]).unwrap();
        for copy in [None, Some(false)] {
            let y = asarray(&x, AsArray { copy, ..opts() }).unwrap();
            assert!(y.same_tensor(&x), "copy={copy:?}");
        }
        // Same dtype named explicitly is no change either.
        assert!(asarray(&x, opts().dtype(DType::Float32))
            .unwrap()
            .same_tensor(&x));

        // So are the same dtype and device named explicitly with copy=false.
        let same = opts().dtype(DType::Float32).device(Device::Cpu).copy(false);
        assert!(asarray(&x, same).unwrap().same_tensor(&x));

        let c = asarray(&x, opts().copy(true)).unwrap();
        assert!(!c.same_tensor(&x));
        assert_ne!(data_ptr(&c).unwrap(), data_ptr(&x).unwrap());
        assert_eq!(c.to_vec::<f32>().unwrap(), [1.0, 2.0, 3.0]);
        assert_eq!((c.dtype(), c.shape()), (x.dtype(), x.shape()));
    })
    .unwrap();
}

#[test]
fn copy_false_refuses_a_cast_and_says_why() {
    tensorswitch::with_backend("ndarray", || {
        let x = Tensor::from_slice(&[1i64, 2], &[2]).unwrap();
        match asarray(&x, opts().dtype(DType::Int32).copy(false)) {
            Err(Error::InvalidArgument { op, reason }) => {
                assert_eq!(op, "asarray");
                assert!(reason.contains("cast"), "{reason}");
            }
            other => panic!("expected InvalidArgument, got {other:?}"),
        }
    })
    .unwrap();
}

#[test]
fn device_is_kept_with_the_other_keywords_and_checked() {
    tensorswitch::with_backend("ndarray", || {
        let x = Tensor::from_slice(&[1.5f64, -2.5], &[2]).unwrap();
        let y = asarray(&x, opts().dtype(DType::Int32).device(Device::Cpu)).unwrap();
        assert_eq!((y.dtype(), y.device()), (DType::Int32, Device::Cpu));
        assert_eq!(y.to_vec::<i32>().unwrap(), [1, -2]);
        // A device the backend does not have is an error naming it, from host data too.
        let r = asarray(vec![1.0f32], opts().device(Device::Cuda(0)));
        assert!(matches!(r, Err(Error::Device(_))), "{r:?}");
    })
    .unwrap();
}
