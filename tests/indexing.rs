//! The `s!` macro and the index builder on the ndarray backend, against hand-derived results
//! (the NumPy table in conformance/cases/indexing.json covers the semantics on every backend;
//! this file covers the Rust spellings of an index).

use tensorswitch::{self as ts, s, DType, IndexItem, NewAxis, SliceSpec, Tensor};
use tensorswitch_ndarray as _;

#[path = "support/rng.rs"]
mod rng;
use rng::Rng;

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
        // The op itself, whose slices reach `axis_slice` unchecked: a step of 0 is refused
        // there, for either sign of the bounds, not taken as a step forwards.
        for (start, stop) in [(None, None), (Some(0), Some(2)), (Some(-1), None)] {
            let zero = SliceSpec::new(start, stop, 0);
            let e = ts::strided_slice(&x, vec![SliceSpec::new(None, None, 1), zero]);
            assert!(
                matches!(&e, Err(ts::Error::InvalidArgument { reason, .. }) if reason.contains("step must not be 0")),
                "{e:?}"
            );
        }
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

/// A `take` result larger than its input along the axis is checked like any new tensor
/// before the kernel runs: `x` of shape [1, 0, 2^60] float32 exists (its non-zero sizes take
/// 2^62 bytes, under `isize::MAX`), but four rows of it would take 2^64, which no address
/// space holds: `InvalidShape` from the core, not an error of the backend.
#[test]
fn a_take_result_too_large_to_address_is_an_invalid_shape() {
    ts::with_backend("ndarray", || {
        let x = ts::zeros(&[1, 0, 1 << 60], DType::Float32).unwrap();
        let idx = Tensor::from_slice(&[0i64, 0, 0, 0], &[4]).unwrap();
        match ts::take(&x, &idx, 0) {
            Err(ts::Error::InvalidShape { op: "take", .. }) => {}
            other => panic!("expected InvalidShape from take, got {other:?}"),
        }
        // One row is the input's own size: fine.
        let one = ts::take(&x, &Tensor::from_slice(&[0i64], &[1]).unwrap(), 0).unwrap();
        assert_eq!(one.shape(), [1, 0, 1 << 60]);
    })
    .unwrap();
}

/// NumPy's basic indexing (integers and slices), worked out here from Python's definition of
/// `slice.indices` element by element, against `x.index(..)` on random shapes and indices:
/// the common-case path (integers and slices only) and the general one (the same index with a
/// trailing `...`, which changes nothing in NumPy) must both give the reference's shape and
/// elements, or both its error.
#[test]
fn basic_indices_agree_with_python_slicing_on_both_paths() {
    /// The positions `start:stop:step` keeps in a dimension of `n` (Python's `slice.indices`,
    /// then walked).
    fn kept(n: i64, s: &SliceSpec) -> Vec<i64> {
        let (lower, upper) = if s.step > 0 { (0, n) } else { (-1, n - 1) };
        let bound = |b: Option<i64>, default: i64| match b {
            None => default,
            Some(b) if b < 0 => (b as i128 + n as i128).max(lower as i128) as i64,
            Some(b) => b.min(upper),
        };
        let (start, stop) = if s.step > 0 {
            (bound(s.start, lower), bound(s.stop, upper))
        } else {
            (bound(s.start, upper), bound(s.stop, lower))
        };
        let mut out = Vec::new();
        let mut i = start as i128;
        while (s.step > 0 && i < stop as i128) || (s.step < 0 && i > stop as i128) {
            out.push(i as i64);
            i += s.step as i128;
        }
        out
    }
    fn int(rng: &mut Rng) -> i64 {
        match rng.below(12) {
            0 => i64::MIN,
            1 => i64::MAX,
            _ => rng.below(17) as i64 - 8,
        }
    }
    fn bound(rng: &mut Rng) -> Option<i64> {
        (rng.below(4) != 0).then(|| int(rng))
    }
    let mut rng = Rng::new(12, 0);
    let (mut ok, mut refused) = (0, 0);
    ts::with_backend("ndarray", || {
        for _ in 0..600 {
            let shape: Vec<usize> = (0..rng.below(5)).map(|_| rng.below(5)).collect();
            let n: usize = shape.iter().product();
            let x = ts::arange(0, n as i64, 1, DType::Int64)
                .unwrap()
                .reshape(shape.iter().map(|&d| d as i64).collect::<Vec<_>>())
                .unwrap();
            let items: Vec<IndexItem> = (0..rng.below(shape.len() + 2))
                .map(|_| {
                    if rng.below(3) == 0 {
                        IndexItem::Int(int(&mut rng))
                    } else {
                        let step = match rng.below(10) {
                            0 => 0,
                            1 => i64::MIN,
                            2 => i64::MAX,
                            _ => rng.below(7) as i64 - 3,
                        };
                        IndexItem::Slice(SliceSpec::new(bound(&mut rng), bound(&mut rng), step))
                    }
                })
                .collect();
            // The reference: the error of the first bad item, or the kept positions.
            let mut want: Result<Vec<Vec<i64>>, &str> = Ok(Vec::new());
            let mut dropped = Vec::new();
            if items.len() > shape.len() {
                want = Err("InvalidArgument");
            }
            for (item, &d) in items.iter().zip(&shape) {
                let Ok(axes) = &mut want else { break };
                let d = d as i64;
                match item {
                    IndexItem::Int(i) if (-d..d).contains(i) => {
                        axes.push(vec![if *i < 0 { i + d } else { *i }]);
                        dropped.push(true);
                    }
                    IndexItem::Int(_) => want = Err("IndexOutOfRange"),
                    IndexItem::Slice(s) if s.step == 0 => want = Err("InvalidArgument"),
                    IndexItem::Slice(s) => {
                        axes.push(kept(d, s));
                        dropped.push(false);
                    }
                    _ => unreachable!(),
                }
            }
            let want = want.map(|mut axes| {
                for &d in &shape[axes.len().min(shape.len())..] {
                    axes.push((0..d as i64).collect());
                    dropped.push(false);
                }
                // Row-major positions of every combination, in order.
                let mut flat = vec![0i64];
                for (axis, kept) in axes.iter().enumerate() {
                    let stride: usize = shape[axis + 1..].iter().product();
                    flat = flat
                        .iter()
                        .flat_map(|&f| kept.iter().map(move |&k| f + k * stride as i64))
                        .collect();
                }
                let dims: Vec<usize> = axes
                    .iter()
                    .zip(&dropped)
                    .filter(|(_, &gone)| !gone)
                    .map(|(k, _)| k.len())
                    .collect();
                (dims, flat)
            });
            let mut general = items.clone();
            general.push(IndexItem::Ellipsis);
            for index in [&items, &general] {
                match (x.index(index), &want) {
                    (Ok(y), Ok((dims, flat))) => {
                        assert_eq!(y.shape(), &dims[..], "{shape:?} {index:?}");
                        assert_eq!(&y.to_vec::<i64>().unwrap(), flat, "{shape:?} {index:?}");
                        ok += 1;
                    }
                    (Err(e), Err(name)) => {
                        assert_eq!(ts_name(e), *name, "{shape:?} {index:?}");
                        refused += 1;
                    }
                    (got, want) => panic!("{shape:?} {index:?}: got {got:?}, want {want:?}"),
                }
            }
        }
    })
    .unwrap();
    // Both outcomes well represented.
    assert!(ok > 300 && refused > 150, "{ok} results, {refused} errors");
}
