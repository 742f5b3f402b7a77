//! `compile_graph`: a traced graph run through MLX's own `compile` gives what the node-by-node
//! compiled graph gives (within rounding: MLX's fused kernel computes `tanh` and `exp` its own
//! way), on new inputs after the first run too; it checks its inputs; what MLX cannot compile
//! is an error from `compile_graph`; and MLX's lock is taken once per run even though MLX calls
//! back into the backend's primaries while tracing (threads running side by side finish).

#![allow(clippy::cloned_ref_to_slice_refs)] // `&[x.clone()]` reads as the list of inputs it is

use tensorswitch::{self as ts, Error, Tensor};
use tensorswitch_mlx::compile_graph;
use tensorswitch_ndarray as _;

fn mlx<R>(f: impl FnOnce() -> R) -> R {
    ts::with_backend("mlx", f).unwrap()
}

fn t(v: &[f32], shape: &[usize]) -> Tensor {
    Tensor::from_slice(v, shape).unwrap()
}

fn values(len: usize, k: f32) -> Vec<f32> {
    (0..len).map(|i| (i as f32 * k).sin()).collect()
}

fn close(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| (x - y).abs() <= 1e-5 * x.abs().max(1.0))
}

/// An elementwise chain with a captured constant, a reduction and a matmul: what MLX fuses
/// and what it does not.
fn program(xs: &[Tensor], w: &Tensor) -> ts::Result<Vec<Tensor>> {
    let mut acc = xs[0].clone();
    for i in 0..12 {
        acc = match i % 3 {
            0 => ts::add(&acc, &xs[1])?,
            1 => ts::tanh(&ts::multiply(&acc, w)?)?,
            _ => ts::exp(&ts::negative(&acc)?)?,
        };
    }
    let m = ts::matmul(&acc, &ts::matrix_transpose(&acc)?)?;
    Ok(vec![acc, ts::softmax(&m, -1)?, ts::sum(&m, None)?])
}

#[test]
fn mlx_compiled_graphs_match_the_node_by_node_graph() {
    mlx(|| {
        let w = t(&values(8, 0.7), &[2, 4]);
        let inputs = |k: f32| vec![t(&values(8, k), &[2, 4]), t(&values(8, k + 0.5), &[2, 4])];
        let graph = ts::trace(&inputs(0.3), |xs| program(xs, &w)).unwrap();
        let node_by_node = graph.compile("mlx").unwrap();
        let mut fused = compile_graph(&graph).unwrap();
        // Several input values through the one compiled function (MLX traced it at
        // compile_graph, on zeros).
        for k in [0.3, 1.1, -2.0] {
            let xs = inputs(k);
            let want = node_by_node.run(&xs).unwrap();
            let got = fused.run(&xs).unwrap();
            assert_eq!(got.len(), 3);
            for (g, w) in got.iter().zip(&want) {
                assert_eq!((g.dtype(), g.shape()), (w.dtype(), w.shape()));
                let (g, w) = (g.to_vec::<f32>().unwrap(), w.to_vec::<f32>().unwrap());
                assert!(close(&g, &w), "k = {k}: {g:?} vs {w:?}");
            }
        }
    });
}

#[test]
fn runs_check_their_inputs() {
    mlx(|| {
        let x = t(&[1.0, 2.0], &[2]);
        let graph = ts::trace(&[x.clone()], |xs| Ok(vec![ts::exp(&xs[0])?])).unwrap();
        let mut f = compile_graph(&graph).unwrap();
        let reason = |e: Error| match e {
            Error::Trace { reason } => reason,
            other => panic!("expected Error::Trace, got {other:?}"),
        };
        let e = f.run(&[]).unwrap_err();
        assert!(reason(e).contains("takes 1 input(s), got 0"));
        let e = f.run(&[t(&[1.0, 2.0, 3.0], &[3])]).unwrap_err();
        assert!(reason(e).contains("input 0 is float32[3], the graph was traced with float32[2]"));
        let on_nd = ts::with_backend("ndarray", || t(&[1.0, 2.0], &[2])).unwrap();
        let e = f.run(&[on_nd]).unwrap_err();
        assert!(reason(e).contains("input 0 is a tensor of backend `ndarray`"));
        // And the right input still runs: e^0 = 1 exactly.
        let y = f.run(&[t(&[0.0, 0.0], &[2])]).unwrap();
        assert_eq!(y[0].to_vec::<f32>().unwrap(), [1.0, 1.0]);
    });
}

#[test]
fn what_mlx_cannot_compile_is_an_error_of_compile_graph() {
    mlx(|| {
        // `linalg.inv` evaluates its input to report a singular matrix; MLX refuses
        // evaluation inside `compile`.
        let m = t(&[2.0, 0.0, 0.0, 4.0], &[2, 2]);
        let graph = ts::trace(&[m], |xs| Ok(vec![ts::linalg::inv(&xs[0])?])).unwrap();
        let e = compile_graph(&graph).unwrap_err();
        assert!(matches!(e, Error::Backend { .. }), "{e:?}");
        // The graph itself still runs node by node.
        let y = graph
            .compile("mlx")
            .unwrap()
            .run(&[t(&[2.0, 0.0, 0.0, 4.0], &[2, 2])])
            .unwrap();
        assert_eq!(y[0].to_vec::<f32>().unwrap(), [0.5, 0.0, 0.0, 0.25]);
    });
}

#[test]
fn threads_compile_and_run_side_by_side() {
    let handles: Vec<_> = (0..3)
        .map(|i| {
            std::thread::spawn(move || {
                mlx(|| {
                    let x = t(&values(64, 0.1 * i as f32), &[64]);
                    let graph = ts::trace(&[x.clone()], |xs| {
                        Ok(vec![ts::tanh(&ts::add(&xs[0], &xs[0])?)?])
                    })
                    .unwrap();
                    let mut f = compile_graph(&graph).unwrap();
                    for _ in 0..20 {
                        let eager = ts::tanh(&ts::add(&x, &x).unwrap()).unwrap();
                        let got = f.run(&[x.clone()]).unwrap();
                        let (g, e) = (
                            got[0].to_vec::<f32>().unwrap(),
                            eager.to_vec::<f32>().unwrap(),
                        );
                        assert!(close(&g, &e));
                    }
                })
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    // The lock is free again: an eager op on this thread does not wait forever.
    mlx(|| {
        let y = ts::add(&t(&[1.0], &[1]), &t(&[2.0], &[1])).unwrap();
        assert_eq!(y.to_vec::<f32>().unwrap(), [3.0]);
    });
}
