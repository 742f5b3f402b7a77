//! Zero-copy `to_backend` between ndarray and torch, both ways: what is borrowed, what is
//! copied, and that borrowed memory outlives the tensor it came from.

use tensorswitch::{DType, Tensor};
use tensorswitch_ndarray::NdArray;
use tensorswitch_tch::{borrows_memory, to_tch};

fn ndarray_f32(n: usize, shape: &[usize]) -> Tensor {
    tensorswitch::with_backend("ndarray", || {
        Tensor::from_vec((0..n).map(|i| i as f32 * 0.5).collect(), shape)
    })
    .unwrap()
    .unwrap()
}

#[test]
fn ndarray_memory_is_borrowed_and_outlives_its_source() {
    let source = ndarray_f32(1000, &[10, 100]);
    let lent = (source.backend_descriptor().share_host.unwrap())(&source).unwrap();
    let moved = tensorswitch::to_backend(&source, "torch").unwrap();
    assert_eq!(moved.backend(), "torch");
    assert!(borrows_memory(&moved));
    assert_eq!(
        to_tch(&moved).unwrap().data_ptr() as *const u8,
        lent.ptr,
        "torch reads ndarray's buffer"
    );
    drop(lent);
    drop(source);
    let expected: Vec<f32> = (0..1000).map(|i| i as f32 * 0.5).collect();
    assert_eq!(moved.to_vec::<f32>().unwrap(), expected);

    // Views of borrowed memory keep it alive; results computed from it own their memory.
    let view =
        tensorswitch::reshape(&tensorswitch::matrix_transpose(&moved).unwrap(), [-1]).unwrap();
    let sum = tensorswitch::add(&moved, &moved).unwrap();
    assert!(borrows_memory(&view));
    assert!(!borrows_memory(&sum));
    drop(moved);
    let t: Vec<f32> = view.to_vec().unwrap();
    assert_eq!(t[..3], [0.0, 50.0, 100.0]);
    assert_eq!(sum.to_vec::<f32>().unwrap()[1], 1.0);
}

#[test]
fn strided_and_unsupported_inputs_are_copied() {
    // A transposed ndarray view has positive strides: borrowed as a strided torch tensor.
    let m = ndarray_f32(6, &[2, 3]);
    let t = tensorswitch::matrix_transpose(&m).unwrap();
    let moved = tensorswitch::to_backend(&t, "torch").unwrap();
    assert!(borrows_memory(&moved));
    assert_eq!(
        moved.to_vec::<f32>().unwrap(),
        vec![0.0, 1.5, 0.5, 2.0, 1.0, 2.5]
    );

    // An array with an inverted axis has negative strides, which libtorch cannot describe:
    // copied.
    let mut a = ndarray::Array::from_shape_vec((2, 3), (0..6).map(|i| i as f32 * 0.5).collect())
        .unwrap()
        .into_dyn();
    a.invert_axis(ndarray::Axis(0));
    a.invert_axis(ndarray::Axis(1));
    let f = tensorswitch_ndarray::from_ndarray(a);
    let moved = tensorswitch::to_backend(&f, "torch").unwrap();
    assert!(!borrows_memory(&moved));
    assert_eq!(
        moved.to_vec::<f32>().unwrap(),
        vec![2.5, 2.0, 1.5, 1.0, 0.5, 0.0]
    );

    // Empty tensors are copied (nothing to share); bool and int64 are borrowed.
    let e = tensorswitch::with_backend("ndarray", || tensorswitch::zeros(&[0, 3], DType::Int64))
        .unwrap()
        .unwrap();
    let moved = tensorswitch::to_backend(&e, "torch").unwrap();
    assert_eq!(
        (moved.shape(), borrows_memory(&moved)),
        (&[0usize, 3][..], false)
    );
    let b =
        tensorswitch::with_backend("ndarray", || Tensor::from_slice(&[true, false, true], &[3]))
            .unwrap()
            .unwrap();
    let moved = tensorswitch::to_backend(&b, "torch").unwrap();
    assert!(borrows_memory(&moved));
    assert_eq!(moved.to_vec::<bool>().unwrap(), vec![true, false, true]);

    // uint32 is unsupported on torch: an UnsupportedDType error, not a copy.
    let u = tensorswitch::with_backend("ndarray", || Tensor::from_slice(&[1u32], &[1]))
        .unwrap()
        .unwrap();
    assert!(matches!(
        tensorswitch::to_backend(&u, "torch"),
        Err(tensorswitch::Error::UnsupportedDType { .. })
    ));
}

/// The address of the first element of an ndarray-backend tensor, and whether it borrows.
fn ndarray_ptr(t: &Tensor) -> (*const u8, bool) {
    match &*tensorswitch_ndarray::as_ndarray(t).expect("an ndarray tensor") {
        NdArray::Float32(s) => (s.as_ptr().cast(), s.is_borrowed()),
        NdArray::Int32(s) => (s.as_ptr().cast(), s.is_borrowed()),
        other => panic!("unexpected dtype {}", other.dtype()),
    }
}

fn torch_f32(n: usize, shape: &[usize]) -> Tensor {
    tensorswitch::with_backend("torch", || {
        Tensor::from_vec((0..n).map(|i| i as f32 * 0.5 - 7.0).collect(), shape)
    })
    .unwrap()
    .unwrap()
}

#[test]
fn torch_memory_is_borrowed_by_ndarray_and_outlives_its_source() {
    let source = torch_f32(24, &[4, 6]);
    let torch_ptr = to_tch(&source).unwrap().data_ptr() as *const u8;
    let moved = tensorswitch::to_backend(&source, "ndarray").unwrap();
    assert_eq!(moved.backend(), "ndarray");
    assert_eq!(
        ndarray_ptr(&moved),
        (torch_ptr, true),
        "ndarray reads torch's buffer"
    );
    // An owned copy to compare every op against.
    let owned = tensorswitch_ndarray::from_ndarray(
        tensorswitch_ndarray::to_ndarray::<f32>(&moved)
            .unwrap()
            .view()
            .to_owned(),
    );
    assert!(!ndarray_ptr(&owned).1);
    drop(source);
    let expected: Vec<f32> = (0..24).map(|i| i as f32 * 0.5 - 7.0).collect();
    assert_eq!(moved.to_vec::<f32>().unwrap(), expected);

    let same = |f: &dyn Fn(&Tensor) -> Tensor| {
        let (b, o) = (f(&moved), f(&owned));
        assert_eq!(b.backend(), "ndarray");
        assert_eq!((b.shape(), b.dtype()), (o.shape(), o.dtype()));
        assert_eq!(b.to_host().unwrap(), o.to_host().unwrap());
    };
    same(&|x| tensorswitch::add(x, x).unwrap());
    same(&|x| tensorswitch::sum(x, None).unwrap());
    same(&|x| tensorswitch::sum(x, tensorswitch::Reduction::over([0]).keepdims(true)).unwrap());
    same(&|x| tensorswitch::matmul(x, &tensorswitch::matrix_transpose(x).unwrap()).unwrap());
    same(&|x| tensorswitch::reshape(x, [2, -1, 3]).unwrap());
    same(&|x| tensorswitch::permute_dims(x, [1, 0]).unwrap());
    same(&|x| tensorswitch::argsort(x, tensorswitch::Sorting::along(0).descending(true)).unwrap());
    assert_eq!(moved.to_host().unwrap(), owned.to_host().unwrap());

    // Lent back to torch: torch reads the same buffer, still held by the first owner.
    let back = tensorswitch::to_backend(&moved, "torch").unwrap();
    assert!(borrows_memory(&back));
    assert_eq!(to_tch(&back).unwrap().data_ptr() as *const u8, torch_ptr);
    drop(moved);
    assert_eq!(back.to_vec::<f32>().unwrap(), expected);
}

#[test]
fn strided_torch_memory_is_borrowed_by_ndarray_with_its_strides() {
    // torch lends a transpose with its strides; ndarray reads it as a strided view.
    let x = tensorswitch::with_backend("torch", || {
        Tensor::from_slice(&[1i32, 2, 3, 4, 5, 6], &[2, 3])
    })
    .unwrap()
    .unwrap();
    let xt = tensorswitch::matrix_transpose(&x).unwrap();
    let torch_ptr = to_tch(&x).unwrap().data_ptr() as *const u8;
    let lent = (xt.backend_descriptor().share_host.unwrap())(&xt).unwrap();
    assert_eq!(lent.ptr, torch_ptr);
    assert_eq!(lent.strides.as_slice(), &[1, 3]);
    assert_eq!(lent.shape.as_slice(), &[3, 2]);
    drop(lent);
    let back = tensorswitch::to_backend(&xt, "ndarray").unwrap();
    assert_eq!(back.backend(), "ndarray");
    // A transpose has positive strides, which an ndarray view represents: borrowed, with
    // torch's strides.
    assert_eq!(ndarray_ptr(&back), (torch_ptr, true));
    let view = tensorswitch_ndarray::to_ndarray::<i32>(&back).unwrap();
    assert_eq!(view.strides(), &[1, 3]);
    drop((x, xt));
    assert_eq!(view.iter().copied().collect::<Vec<_>>(), [1, 4, 2, 5, 3, 6]);
    assert_eq!(back.to_vec::<i32>().unwrap(), vec![1, 4, 2, 5, 3, 6]);
    let sum = tensorswitch::sum(&back, [1]).unwrap();
    assert_eq!(sum.to_vec::<i64>().unwrap(), vec![5, 7, 9]);
    let mm = tensorswitch::matmul(&back, &tensorswitch::matrix_transpose(&back).unwrap()).unwrap();
    assert_eq!(
        mm.to_vec::<i32>().unwrap(),
        vec![17, 22, 27, 22, 29, 36, 27, 36, 45]
    );
}

#[test]
fn asarray_brings_a_tensor_of_another_backend_to_the_active_one() {
    use tensorswitch::{asarray, AsArray, Error};
    let source = ndarray_f32(6, &[2, 3]);
    tensorswitch::with_backend("torch", || {
        // Converted as to_backend does: memory shared, values exact.
        let t = asarray(&source, AsArray::default()).unwrap();
        assert_eq!((t.backend(), t.shape()), ("torch", &[2usize, 3][..]));
        assert!(borrows_memory(&t));
        assert_eq!(t.to_vec::<f32>().unwrap(), source.to_vec::<f32>().unwrap());
        // A torch tensor stays the same tensor.
        assert!(asarray(&t, AsArray::default()).unwrap().same_tensor(&t));

        // copy=true: torch's own storage, not ndarray's buffer.
        let c = asarray(&source, AsArray::default().copy(true)).unwrap();
        assert_eq!(c.backend(), "torch");
        assert!(!borrows_memory(&c));
        assert_eq!(c.to_vec::<f32>().unwrap(), source.to_vec::<f32>().unwrap());

        // A cast on the way: float32 [0, 0.5, 1, 1.5, 2, 2.5] to int64 truncates.
        let i = asarray(&source, AsArray::default().dtype(DType::Int64)).unwrap();
        assert_eq!(i.to_vec::<i64>().unwrap(), [0, 0, 1, 1, 2, 2]);

        // copy=true of a float16 tensor: new storage, still float16 (it travels as float32).
        let h = tensorswitch::astype(&t, DType::Float16).unwrap();
        let hc = asarray(&h, AsArray::default().copy(true)).unwrap();
        assert!(!hc.same_tensor(&h));
        assert_eq!(hc.dtype(), DType::Float16);
        let back = |t: &Tensor| {
            tensorswitch::astype(t, DType::Float32)
                .unwrap()
                .to_vec::<f32>()
                .unwrap()
        };
        assert_eq!(back(&hc), back(&h));

        // copy=false cannot convert between backends.
        match asarray(&source, AsArray::default().copy(false)) {
            Err(Error::InvalidArgument { reason, .. }) => {
                assert!(reason.contains("converted to torch"), "{reason}")
            }
            other => panic!("expected InvalidArgument, got {other:?}"),
        }
    })
    .unwrap();
}
