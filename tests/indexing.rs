//! The `s!` macro and the index builder on the ndarray backend, against hand-derived results
//! (the NumPy table in conformance/cases/indexing.json covers the semantics on every backend;
//! this file covers the Rust spellings of an index).

use tensorswitch::{self as ts, s, DType, IndexItem, NewAxis, SliceSpec, Tensor};
use tensorswitch_ndarray as _;

/// 0..10 as int64.
fn ten() -> Tensor {
    ts::arange(0, 10, 1, DType::Int64).unwrap()
}

fn got(x: &Tensor, index: impl AsRef<[IndexItem]>) -> Vec<i64> {
    ts::with_backend("ndarray", || {
        x.index(&index).unwrap().to_vec::<i64>().unwrap()
    })
    .unwrap()
}

#[test]
fn ranges_steps_and_inclusive_ends() {
    let x = ten();
    assert_eq!(got(&x, s![2..5]), [2, 3, 4]);
    assert_eq!(got(&x, s![7..]), [7, 8, 9]);
    assert_eq!(got(&x, s![..3]), [0, 1, 2]);
    assert_eq!(got(&x, s![..]), (0..10).collect::<Vec<_>>());
    assert_eq!(got(&x, s![2..=4]), [2, 3, 4]);
    assert_eq!(got(&x, s![..=1]), [0, 1]);
    assert_eq!(got(&x, s![-3..=-1]), [7, 8, 9]);
    assert_eq!(got(&x, s![..=-2]), (0..9).collect::<Vec<_>>());
    assert_eq!(got(&x, s![1..;3]), [1, 4, 7]);
    assert_eq!(got(&x, s![..;-1]), (0..10).rev().collect::<Vec<_>>());
    assert_eq!(got(&x, s![..;-4]), [9, 5, 1]);
    assert_eq!(got(&x, s![3..=0;-1]), [3, 2, 1, 0]);
    assert_eq!(got(&x, s![..=-1;-1]), [9]);
    assert_eq!(got(&x, s![8..=-10;-3]), [8, 5, 2]);
    assert_eq!(got(&x, s![-1]), [9]);
    assert_eq!(got(&x, s![4usize]), [4]);
    // A step given at run time, and a slice spelled out.
    let step = -2i64;
    assert_eq!(got(&x, s![..;step]), [9, 7, 5, 3, 1]);
    assert_eq!(got(&x, s![SliceSpec::new(Some(1), None, 4)]), [1, 5, 9]);
}

#[test]
fn new_axes_ellipsis_and_tensors() {
    ts::with_backend("ndarray", || {
        let x = ten().reshape([2, 5]).unwrap();
        assert_eq!(x.index(s![None]).unwrap().shape(), [1, 2, 5]);
        assert_eq!(
            x.index(s![NewAxis, .., None]).unwrap().shape(),
            [1, 2, 1, 5]
        );
        assert_eq!(x.index(s![..., None]).unwrap().shape(), [2, 5, 1]);
        let none: Option<i64> = None;
        assert_eq!(x.index(s![none, 1]).unwrap().shape(), [1, 5]);
        let col = x.index(s![..., 2]).unwrap();
        assert_eq!(col.to_vec::<i64>().unwrap(), [2, 7]);
        let rows = Tensor::from_slice(&[1i64, 1, 0], &[3]).unwrap();
        assert_eq!(
            x.index(s![&rows, 0]).unwrap().to_vec::<i64>().unwrap(),
            [5, 5, 0]
        );
        let mask = ts::greater(&x, &Tensor::scalar(6i64).unwrap()).unwrap();
        assert_eq!(
            x.index(s![&mask]).unwrap().to_vec::<i64>().unwrap(),
            [7, 8, 9]
        );
        // The index list as a plain vector and as a slice.
        let index = vec![
            IndexItem::Int(1),
            IndexItem::Slice(SliceSpec::new(None, None, -2)),
        ];
        assert_eq!(x.index(&index).unwrap().to_vec::<i64>().unwrap(), [9, 7, 5]);
        assert_eq!(x.index(&index[..1]).unwrap().shape(), [5]);
    })
    .unwrap();
}

#[test]
fn updates_return_new_tensors_and_leave_the_input() {
    ts::with_backend("ndarray", || {
        let x = ten().reshape([2, 5]).unwrap();
        let y = x.at(s![.., 1..;2]).set_scalar(-1).unwrap();
        assert_eq!(
            y.to_vec::<i64>().unwrap(),
            [0, -1, 2, -1, 4, 5, -1, 7, -1, 9]
        );
        assert_eq!(x.to_vec::<i64>().unwrap(), (0..10).collect::<Vec<_>>());
        let twice = Tensor::from_slice(&[4i64, 4, -1], &[3]).unwrap();
        let z = x
            .at(s![0, &twice])
            .add(&Tensor::from_slice(&[10i64, 20, 30], &[3]).unwrap())
            .unwrap();
        assert_eq!(z.to_vec::<i64>().unwrap()[..5], [0, 1, 2, 3, 64]);
        // Booleans are set, not added.
        let b = ts::zeros(&[3], DType::Bool).unwrap();
        assert!(matches!(
            b.at(s![0]).add(&b.index(s![0]).unwrap()),
            Err(ts::Error::InvalidDType { .. })
        ));
        let t = b.at(s![1..]).set_scalar(true).unwrap();
        assert_eq!(t.to_vec::<bool>().unwrap(), [false, true, true]);
    })
    .unwrap();
}

#[test]
fn misuse_is_an_error_never_a_panic() {
    ts::with_backend("ndarray", || {
        let x = ten().reshape([2, 5]).unwrap();
        let err = |r: ts::Result<Tensor>| ts_name(r.unwrap_err());
        assert_eq!(err(x.index(s![2])), "IndexOutOfRange");
        assert_eq!(err(x.index(s![i64::MIN])), "IndexOutOfRange");
        assert_eq!(err(x.index(s![0, usize::MAX])), "IndexOutOfRange");
        assert_eq!(err(x.index(s![.., ..;0])), "InvalidArgument");
        assert_eq!(err(x.index(s![..., 0, ...])), "InvalidArgument");
        assert_eq!(err(x.index(s![0, 0, 0])), "InvalidArgument");
        let big = Tensor::from_slice(&[u64::MAX], &[1]).unwrap();
        assert_eq!(err(x.index(s![&big])), "IndexOutOfRange");
        assert_eq!(err(x.at(s![0]).set(&ten())), "ShapeMismatch");
        // Extreme slice bounds are clamped.
        assert_eq!(
            x.index(s![i64::MIN..i64::MAX;i64::MAX]).unwrap().shape(),
            [1, 5]
        );
        assert_eq!(x.index(s![..;i64::MIN]).unwrap().shape(), [1, 5]);
    })
    .unwrap();
}

fn ts_name(e: ts::Error) -> String {
    format!("{e:?}")
        .chars()
        .take_while(|c| c.is_alphanumeric())
        .collect()
}

/// ndarray's `take` checks int64 indices where it reads them; the core checks every other
/// dtype (and every backend that does not declare the check): both take the same indices,
/// negative ones from the end, and refuse the same ones with the same error.
#[test]
fn take_checks_indices_alike_in_the_kernel_and_in_the_core() {
    ts::with_backend("ndarray", || {
        // [[0, 1, 2], [3, 4, 5]]
        let x = ts::arange(0, 6, 1, DType::Float32)
            .unwrap()
            .reshape([2, 3])
            .unwrap();
        let ints = |v: &[i64], dtype: DType| {
            ts::astype(&Tensor::from_slice(v, &[v.len()]).unwrap(), dtype).unwrap()
        };
        for dtype in [DType::Int64, DType::Int32] {
            let along1 = ts::take(&x, &ints(&[2, -1, -3, 0], dtype), 1).unwrap();
            assert_eq!(along1.shape(), [2, 4]);
            assert_eq!(
                along1.to_vec::<f32>().unwrap(),
                [2., 2., 0., 0., 5., 5., 3., 3.]
            );
            let along0 = ts::take(&x, &ints(&[1, -2], dtype), 0).unwrap();
            assert_eq!(along0.to_vec::<f32>().unwrap(), [3., 4., 5., 0., 1., 2.]);
            for (bad, axis, size) in [(3, 1, 3), (-4, 1, 3), (2, 0, 2), (-3, 0, 2)] {
                match ts::take(&x, &ints(&[0, bad], dtype), axis) {
                    Err(ts::Error::IndexOutOfRange {
                        op,
                        index,
                        axis: a,
                        size: n,
                    }) => assert_eq!((op, index, a, n), ("take", bad, axis, size), "{dtype:?}"),
                    other => panic!("{dtype:?} index {bad}: {other:?}"),
                }
            }
        }
    })
    .unwrap();
}
