//! What cannot be emitted is a clear error naming the op and the target, never wrong code.

use tensorswitch::{self as ts, Tensor};
use tensorswitch_ndarray as _;
use tensorswitch_transpile::{supported_ops, Emit, Error, Options, Target};

fn graph(f: impl FnOnce(&[Tensor]) -> ts::Result<Vec<Tensor>>) -> ts::trace::Graph {
    ts::with_backend("ndarray", || {
        let x = Tensor::from_slice(&[3.0f32, 1.0, 2.0, 5.0], &[2, 2])?;
        ts::trace(&[x], f)
    })
    .unwrap()
    .unwrap()
}

#[test]
fn unsupported_ops_are_named() {
    let g = graph(|xs| Ok(vec![ts::linalg::inv(&xs[0])?]));
    for target in [Target::Ndarray, Target::Tch, Target::Numpy, Target::MlxRs] {
        match g.emit(target) {
            Err(Error::Unsupported { target: t, op, .. }) => {
                assert_eq!(t, target.name());
                assert_eq!(op, "linalg.inv");
            }
            other => panic!("{}: {other:?}", target.name()),
        }
        assert!(!supported_ops(target).contains(&"linalg.inv"));
    }
    let msg = g.emit(Target::Tch).unwrap_err().to_string();
    assert!(
        msg.contains("linalg.inv") && msg.contains("supported_ops"),
        "{msg}"
    );
}

#[test]
fn unsupported_dtypes_and_shapes_are_named() {
    // Batched matmul: the ndarray emitter takes matrices and vectors only.
    let g = ts::with_backend("ndarray", || {
        let a = Tensor::from_slice(&[1.0f32; 8], &[2, 2, 2])?;
        ts::trace(&[a], |xs| Ok(vec![ts::matmul(&xs[0], &xs[0])?]))
    })
    .unwrap()
    .unwrap();
    let e = g.emit(Target::Ndarray).unwrap_err();
    assert!(
        matches!(&e, Error::Unsupported { op, .. } if op == "matmul"),
        "{e}"
    );
    // The tch and NumPy emitters take it.
    assert!(g.emit(Target::Tch).is_ok());
    assert!(g.emit(Target::Numpy).is_ok());
}

#[test]
fn function_names_must_be_identifiers() {
    let g = graph(|xs| Ok(vec![ts::exp(&xs[0])?]));
    for bad in ["", "1model", "fn", "my model", "def"] {
        let opts = Options {
            name: bad.into(),
            ..Options::default()
        };
        assert!(
            matches!(g.emit_with(Target::Ndarray, &opts), Err(Error::Options(_))),
            "{bad}"
        );
    }
    let opts = Options {
        name: "predict".into(),
        ..Options::default()
    };
    assert!(g
        .emit_with(Target::Numpy, &opts)
        .unwrap()
        .contains("def predict(x):"));
    assert!(g
        .emit_with(Target::Tch, &opts)
        .unwrap()
        .contains("pub fn predict("));
}

#[test]
fn the_output_is_deterministic() {
    let a = graph(|xs| Ok(vec![ts::softmax(&xs[0], -1)?]));
    let b = graph(|xs| Ok(vec![ts::softmax(&xs[0], -1)?]));
    for t in [Target::Ndarray, Target::Tch, Target::Numpy] {
        assert_eq!(a.emit(t).unwrap(), b.emit(t).unwrap());
    }
}

/// mlx-rs 0.33 has no integer bitwise ops (the MLX backend calls mlx-c for them): the mlx-rs
/// emitter refuses them by name and emits the bool forms.
#[test]
fn mlx_rs_refuses_integer_bitwise_ops() {
    let ints = ts::with_backend("ndarray", || {
        let a = Tensor::from_slice(&[1i32, 6], &[2])?;
        ts::trace(&[a], |xs| Ok(vec![ts::bitwise_and(&xs[0], &xs[0])?]))
    })
    .unwrap()
    .unwrap();
    let e = ints.emit(Target::MlxRs).unwrap_err();
    assert!(
        matches!(&e, Error::Unsupported { op, target, reason }
            if op == "bitwise_and" && *target == "mlx-rs" && reason.contains("mlx-c")),
        "{e}"
    );
    let bools = ts::with_backend("ndarray", || {
        let a = Tensor::from_slice(&[true, false], &[2])?;
        ts::trace(&[a], |xs| Ok(vec![ts::bitwise_and(&xs[0], &xs[0])?]))
    })
    .unwrap()
    .unwrap();
    let code = bools.emit(Target::MlxRs).unwrap();
    assert!(code.contains("mlx_rs::ops::logical_and"), "{code}");
}

/// Each target's list is the shared base with its own additions and removals: no op twice,
/// the counts docs/transpile.md gives, and every base op on every target that does not remove
/// it.
#[test]
fn supported_lists_are_the_base_and_each_targets_changes() {
    use tensorswitch_transpile::{target_ops, BASE_OPS};
    let targets = [Target::Ndarray, Target::Tch, Target::Numpy, Target::MlxRs];
    for t in targets {
        let ops = supported_ops(t);
        let unique: std::collections::BTreeSet<_> = ops.iter().collect();
        assert_eq!(unique.len(), ops.len(), "{}: an op twice", t.name());
        let (added, removed) = target_ops(t);
        for op in BASE_OPS {
            assert_eq!(ops.contains(op), !removed.contains(op), "{} {op}", t.name());
        }
        for op in added {
            assert!(
                ops.contains(op) && !BASE_OPS.contains(op),
                "{} {op}",
                t.name()
            );
        }
    }
    let counts: Vec<usize> = targets.iter().map(|&t| supported_ops(t).len()).collect();
    assert_eq!(counts, [98, 98, 96, 103]);
    assert!(supported_ops(Target::MlxRs).contains(&"sort"));
    assert!(!supported_ops(Target::Numpy).contains(&"bitwise_left_shift"));
}
