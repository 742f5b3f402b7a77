//! The tracer on the ndarray backend: what a graph holds and how it prints, what cannot be
//! traced, the compiled graph's signature checks and constants, and the passes. (Traced against
//! eager on every backend: the conformance crate's `trace` checks.)

#![allow(clippy::cloned_ref_to_slice_refs)] // `&[x.clone()]` reads as the list of inputs it is

use tensorswitch::trace::Args;
use tensorswitch::{self as ts, trace, trace_with_constants, DType, Error, Op, Tensor};
use tensorswitch_ndarray as _;

fn t(v: &[f32], shape: &[usize]) -> Tensor {
    Tensor::from_slice(v, shape).unwrap()
}

fn nd<R>(f: impl FnOnce() -> R) -> R {
    ts::with_backend("ndarray", f).unwrap()
}

fn trace_error(e: Error) -> String {
    match e {
        Error::Trace { reason } => reason,
        other => panic!("expected Error::Trace, got {other:?}"),
    }
}

fn ops(g: &ts::Graph) -> Vec<Op> {
    g.nodes()
        .iter()
        .map(|n| n.op.catalogue().expect("a catalogue node"))
        .collect()
}

#[test]
fn a_graph_holds_the_calls_the_backend_sees_and_prints_one_line_per_node() {
    nd(|| {
        let x = t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
        let i = Tensor::from_slice(&[1i32, 2, 3], &[3]).unwrap();
        let w = t(&[0.5, 0.5, 0.5], &[3]);
        let g = trace(&[x.clone(), i.clone()], |xs| {
            // float32 + int32 promotes: the cast is a node of its own, the broadcast is not.
            let y = ts::add(&xs[0], &xs[1])?;
            let z = ts::multiply(&y, &w)?;
            Ok(vec![ts::sum(&z, -1)?])
        })
        .unwrap();
        assert_eq!(ops(&g), [Op::astype, Op::add, Op::multiply, Op::sum]);
        // The axis -1 reached the backend as 1.
        assert_eq!(
            g.nodes()[3].args,
            Args::Reduce {
                axes: vec![1],
                keepdims: false
            }
        );
        let text = g.to_string();
        let lines: Vec<&str> = text.lines().collect();
        let version = ts::backend_version("ndarray").unwrap();
        assert_eq!(
            lines,
            [
                format!("graph(%0: float32[2,3], %1: int32[3]) on ndarray {version}").as_str(),
                "  const %2 = c0 : float32[3]",
                "  %3 = astype(%1, dtype=float32) : float32[3]",
                "  %4 = add(%0, %3) : float32[2,3]",
                "  %5 = multiply(%4, %2) : float32[2,3]",
                "  %6 = sum(%5, axes=[1], keepdims=false) : float32[2]",
                "  return (%6)",
            ]
        );
        let dot = g.to_dot();
        assert!(dot.starts_with("digraph tensorswitch {"), "{dot}");
        assert!(
            dot.contains("v4 -> v5;") && dot.contains("v6 -> out0;"),
            "{dot}"
        );
        assert!(dot.contains("label=\"%6 sum\\nfloat32[2]\""), "{dot}");
    });
}

#[test]
fn creation_ops_are_nodes_and_captured_tensors_are_named_constants() {
    nd(|| {
        let x = t(&[1.0, 2.0], &[2]);
        let w = t(&[3.0, 4.0], &[2]);
        let g = trace_with_constants(&[x.clone()], &[("w", &w)], |xs| {
            let z = ts::zeros(&[2], DType::Float32)?;
            let lit = Tensor::from_slice(&[10.0f32, 20.0], &[2])?;
            Ok(vec![ts::add(&ts::add(&xs[0], &w)?, &ts::add(&z, &lit)?)?])
        })
        .unwrap();
        assert_eq!(
            ops(&g),
            [Op::zeros, Op::from_host, Op::add, Op::add, Op::add]
        );
        assert_eq!(g.constants().len(), 1);
        assert_eq!(g.constants()[0].name, "w");
        assert!(g
            .to_string()
            .contains("from_host(data=[10.0, 20.0], shape=[2], device=cpu)"));
        let f = g.compile("ndarray").unwrap();
        // 1+3+0+10, 2+4+0+20
        assert_eq!(
            f.run(&[x.clone()]).unwrap()[0].to_vec::<f32>().unwrap(),
            [14.0, 26.0]
        );
        // Rebinding the weight for one run: 1-1+10, 2+1+20.
        let w2 = t(&[-1.0, 1.0], &[2]);
        let y = f.run_with(&[x.clone()], &[("w", &w2)]).unwrap();
        assert_eq!(y[0].to_vec::<f32>().unwrap(), [10.0, 23.0]);
        // The traced constant is back for the next run.
        assert_eq!(
            f.run(&[x.clone()]).unwrap()[0].to_vec::<f32>().unwrap(),
            [14.0, 26.0]
        );
        let e = f.run_with(&[x.clone()], &[("v", &w2)]).unwrap_err();
        assert!(trace_error(e).contains("no constant `v`; it has: w"));
        let wrong = t(&[1.0, 2.0, 3.0], &[3]);
        let e = f.run_with(&[x], &[("w", &wrong)]).unwrap_err();
        assert!(trace_error(e)
            .contains("constant `w` is float32[3], the graph was traced with float32[2]"));
    });
}

#[test]
fn unnamed_captures_are_numbered_and_outputs_may_be_inputs_or_constants() {
    nd(|| {
        let x = t(&[1.0], &[1]);
        let a = t(&[2.0], &[1]);
        let b = t(&[3.0], &[1]);
        let g = trace(&[x.clone()], |xs| {
            Ok(vec![
                ts::add(&ts::add(&xs[0], &a)?, &b)?,
                xs[0].clone(),
                a.clone(),
            ])
        })
        .unwrap();
        let names: Vec<&str> = g.constants().iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["c0", "c1"]);
        assert_eq!(g.outputs()[1], g.inputs()[0]);
        assert_eq!(g.outputs()[2], g.constants()[0].value);
        let out = g
            .compile("ndarray")
            .unwrap()
            .run(&[t(&[10.0], &[1])])
            .unwrap();
        let v: Vec<f32> = out.iter().map(|y| y.to_vec::<f32>().unwrap()[0]).collect();
        assert_eq!(v, [15.0, 10.0, 2.0]);
    });
}

#[test]
fn run_checks_the_traced_signature() {
    nd(|| {
        let x = t(&[1.0, 2.0], &[2]);
        let g = trace(&[x.clone()], |xs| Ok(vec![ts::exp(&xs[0])?])).unwrap();
        let f = g.compile("ndarray").unwrap();
        let e = f.run(&[]).unwrap_err();
        assert_eq!(trace_error(e), "the graph takes 1 input(s), got 0");
        let e = f.run(&[t(&[1.0, 2.0, 3.0], &[3])]).unwrap_err();
        assert!(trace_error(e)
            .starts_with("input 0 is float32[3], the graph was traced with float32[2]"));
        let x64 = Tensor::from_slice(&[1.0f64, 2.0], &[2]).unwrap();
        let e = f.run(&[x64]).unwrap_err();
        assert!(trace_error(e)
            .starts_with("input 0 is float64[2], the graph was traced with float32[2]"));
    });
}

#[test]
fn what_cannot_be_traced_is_an_error_at_trace_time() {
    nd(|| {
        let x = t(&[1.0, 2.0], &[2]);
        let reads = trace(&[x.clone()], |xs| {
            let v = xs[0].to_vec::<f32>()?;
            Ok(vec![ts::full(&[1], v[0], DType::Float32)?])
        });
        assert!(trace_error(reads.unwrap_err()).contains("reads a tensor's values"));
        // Ignoring the error does not help: the trace fails.
        let ignored = trace(&[x.clone()], |xs| {
            let _ = xs[0].to_host();
            Ok(vec![xs[0].clone()])
        });
        assert!(trace_error(ignored.unwrap_err()).contains("reads a tensor's values"));
        // Indexing with a tensor of indices reads the indices to check them.
        let idx = Tensor::from_slice(&[1i64, 0], &[2]).unwrap();
        let take = trace(&[x.clone()], |xs| Ok(vec![ts::take(&xs[0], &idx, 0)?]));
        assert!(trace_error(take.unwrap_err()).contains("reads a tensor's values"));

        // argwhere's row count is the input's count of non-zero elements.
        let e = trace(&[x.clone()], |xs| Ok(vec![ts::argwhere(&xs[0])?])).unwrap_err();
        assert!(trace_error(e).contains("calls `argwhere` (or `nonzero`) on a tensor whose values"));
        let inside = trace(&[x.clone()], |xs| {
            let fixed = ts::argwhere(&ts::arange(0.0, 3.0, 1.0, DType::Float32)?)?;
            Ok(vec![ts::add(
                &xs[0],
                &ts::astype(&ts::sum(&fixed, None)?, DType::Float32)?,
            )?])
        })
        .unwrap();
        assert!(ops(&inside).contains(&Op::argwhere));

        for (what, switch) in [
            (
                "set_backend",
                Box::new(|| ts::set_backend("ndarray").map(|_| ()))
                    as Box<dyn Fn() -> ts::Result<()>>,
            ),
            (
                "previous_backend",
                Box::new(|| ts::previous_backend().map(|_| ())),
            ),
            (
                "with_backend",
                Box::new(|| ts::with_backend("ndarray", || ())),
            ),
            (
                "with_backend_masked",
                Box::new(|| ts::with_backend_masked("ndarray", || ())),
            ),
            (
                "to_backend",
                Box::new(|| ts::to_backend(&t(&[1.0], &[1]), "ndarray").map(|_| ())),
            ),
        ] {
            let e = trace(&[x.clone()], |xs| {
                switch()?;
                Ok(vec![xs[0].clone()])
            })
            .unwrap_err();
            assert!(
                trace_error(e).contains(&format!("`{what}` was called inside the traced function"))
            );
            let e = trace(&[x.clone()], |xs| {
                let _ = switch();
                Ok(vec![xs[0].clone()])
            })
            .unwrap_err();
            assert!(trace_error(e).contains(&format!(
                "`{what}` was called inside the traced function (its error was ignored)"
            )));
        }
        let before = ts::backend_stack();
        let e = trace(&[x.clone()], |xs| {
            assert!(ts::unset_backend().is_empty());
            Ok(vec![xs[0].clone()])
        })
        .unwrap_err();
        assert!(trace_error(e).contains("`unset_backend` was called"));
        assert_eq!(ts::backend_stack().len(), before.len());

        let e = trace(&[x.clone()], |xs| {
            trace(xs, |ys| Ok(ys.to_vec()))?;
            Ok(vec![])
        })
        .unwrap_err();
        assert!(trace_error(e).contains("`trace` was called inside a traced function"));
        // After all these failures the thread traces normally again.
        let g = trace(&[x.clone()], |xs| Ok(vec![ts::exp(&xs[0])?])).unwrap();
        assert_eq!(ops(&g), [Op::exp]);
        // And values can be read again outside a trace.
        assert_eq!(x.to_vec::<f32>().unwrap(), [1.0, 2.0]);
    });
}

#[test]
fn fallbacks_are_one_node_and_may_read_values_inside() {
    // On the masked table `mean` is the fallback (sum, then divide): one node all the same.
    ts::with_backend_masked("ndarray", || {
        let x = t(&[1.0, 2.0, 3.0, 6.0], &[2, 2]);
        let g = trace(&[x.clone()], |xs| Ok(vec![ts::mean(&xs[0], 1)?])).unwrap();
        assert_eq!(ops(&g), [Op::mean]);
        // linalg.det's and pinv's fallbacks go through the host: allowed inside a node.
        let m = t(&[2.0, 0.0, 0.0, 4.0], &[2, 2]);
        let g = trace(&[m.clone()], |xs| Ok(vec![ts::linalg::pinv(&xs[0], None)?])).unwrap();
        assert_eq!(ops(&g), [Op::linalg_pinv]);
        let y = g
            .compile_on(ts::current_backend().unwrap().table())
            .unwrap()
            .run(&[m])
            .unwrap();
        assert_eq!(y[0].to_vec::<f32>().unwrap(), [0.5, 0.0, 0.0, 0.25]);
    })
    .unwrap();
}

#[test]
fn dce_drops_what_no_output_needs() {
    nd(|| {
        let x = t(&[1.0, 2.0], &[2]);
        let unused = t(&[5.0, 5.0], &[2]);
        let g = trace(&[x.clone()], |xs| {
            let _dead = ts::sin(&ts::add(&xs[0], &unused)?)?;
            Ok(vec![ts::exp(&xs[0])?])
        })
        .unwrap();
        assert_eq!(ops(&g), [Op::add, Op::sin, Op::exp]);
        assert_eq!(g.constants().len(), 1);
        let d = g.dce();
        assert_eq!(ops(&d), [Op::exp]);
        assert!(d.constants().is_empty());
        assert_eq!(d.inputs().len(), 1);
        assert_eq!(
            d.to_string().lines().nth(1),
            Some("  %1 = exp(%0) : float32[2]")
        );
        let want = ts::exp(&x).unwrap().to_vec::<f32>().unwrap();
        let got = d.compile("ndarray").unwrap().run(&[x]).unwrap();
        assert_eq!(got[0].to_vec::<f32>().unwrap(), want);
    });
}

#[test]
fn cse_merges_repeated_calls_only() {
    nd(|| {
        let x = t(&[0.5, 1.5], &[2]);
        let y = t(&[2.0, -1.0], &[2]);
        let g = trace(&[x.clone(), y.clone()], |xs| {
            let a = ts::exp(&xs[0])?;
            let b = ts::exp(&xs[0])?; // same as a
            let c = ts::exp(&xs[1])?; // another input: kept
            let s1 = ts::sum(&a, 0)?;
            let s2 = ts::sum(&b, 0)?; // same as s1 once b is a
            let s3 = ts::sum(&a, ts::Reduction::over(0).keepdims(true))?; // other args: kept
            let z1 = ts::zeros(&[2], DType::Float32)?;
            let z2 = ts::zeros(&[2], DType::Float32)?; // same creation call
            Ok(vec![ts::add(&s1, &s2)?, c, s3, ts::add(&z1, &z2)?])
        })
        .unwrap();
        assert_eq!(g.nodes().len(), 10);
        let c = g.cse();
        assert_eq!(
            ops(&c),
            [
                Op::exp,
                Op::exp,
                Op::sum,
                Op::sum,
                Op::zeros,
                Op::add,
                Op::add
            ]
        );
        let add = &c.nodes()[5];
        assert_eq!(add.inputs[0], add.inputs[1]);
        let want: Vec<Vec<f32>> = {
            let a = ts::exp(&x).unwrap();
            let s = ts::sum(&a, 0).unwrap();
            vec![
                ts::add(&s, &s).unwrap().to_vec().unwrap(),
                ts::exp(&y).unwrap().to_vec().unwrap(),
                ts::sum(&a, ts::Reduction::over(0).keepdims(true))
                    .unwrap()
                    .to_vec()
                    .unwrap(),
                vec![0.0, 0.0],
            ]
        };
        let got = c.compile("ndarray").unwrap().run(&[x, y]).unwrap();
        let got: Vec<Vec<f32>> = got.iter().map(|t| t.to_vec().unwrap()).collect();
        assert_eq!(got, want);
    });
}

// A backend with one primary (add) and no float64: what a graph needs beyond that is refused
// when it is compiled, not when it runs.
static PARTIAL: ts::BackendDescriptor =
    ts::BackendDescriptor::new("partial", "test backend", || Ok("1.0.0".into()))
        .with_unsupported_dtypes(&[("all", &[DType::Float64])]);
tensorswitch::register_backend!(PARTIAL);
fn add_first(a: &Tensor, _: &Tensor) -> ts::Result<Tensor> {
    Ok(a.clone())
}
tensorswitch::primaries! { "partial";
    add @ "1p0_and_above" => add_first,
}

#[test]
fn compile_refuses_what_the_target_cannot_run() {
    nd(|| {
        let x = t(&[1.0, 2.0], &[2]);
        let g = trace(&[x.clone()], |xs| Ok(vec![ts::exp(&xs[0])?])).unwrap();
        match g.compile("partial").unwrap_err() {
            Error::Unsupported { op, backend, .. } => {
                assert_eq!((op, backend.as_str()), ("exp", "partial"))
            }
            other => panic!("{other:?}"),
        }
        let x64 = Tensor::from_slice(&[1.0f64], &[1]).unwrap();
        let g = trace(&[x64], |xs| Ok(vec![ts::add(&xs[0], &xs[0])?])).unwrap();
        match g.compile("partial").unwrap_err() {
            Error::UnsupportedDType { dtype, backend, .. } => {
                assert_eq!((dtype, backend.as_str()), (DType::Float64, "partial"))
            }
            other => panic!("{other:?}"),
        }
        // What it has compiles; tensors of another backend are refused when it runs.
        let g = trace(&[x.clone()], |xs| Ok(vec![ts::add(&xs[0], &xs[0])?])).unwrap();
        let f = g.compile("partial").unwrap();
        assert_eq!(f.backend(), "partial");
        let e = trace_error(f.run(&[x]).unwrap_err());
        assert!(
            e.starts_with(
                "input 0 is a tensor of backend `ndarray`, the graph is compiled for `partial`"
            ),
            "{e}"
        );
        let e = g.compile("no-such-backend").unwrap_err();
        assert!(matches!(e, Error::UnknownBackend { .. }), "{e:?}");
    });
}

#[test]
fn constant_folding_computes_what_depends_on_no_input_and_no_constant() {
    nd(|| {
        let x = t(&[1.0, 2.0, 3.0], &[3]);
        let w = t(&[2.0, 2.0, 2.0], &[3]);
        let program = |xs: &[Tensor]| -> ts::Result<Vec<Tensor>> {
            let r = ts::arange(0.0, 3.0, 1.0, DType::Float32)?;
            let k = ts::multiply(&ts::add(&r, &ts::ones(&[3], DType::Float32)?)?, &r)?; // 0 2 6
            let scaled = ts::multiply(&w, &ts::ones(&[3], DType::Float32)?)?; // reads w: kept
            Ok(vec![ts::add(&ts::add(&xs[0], &k)?, &scaled)?, k])
        };
        let g = trace_with_constants(&[x.clone()], &[("w", &w)], program).unwrap();
        assert_eq!(
            ops(&g),
            [
                Op::arange,
                Op::ones,
                Op::add,
                Op::multiply,
                Op::ones,
                Op::multiply,
                Op::add,
                Op::add
            ]
        );
        let f = g.fold_constants().unwrap();
        assert_eq!(ops(&f), [Op::multiply, Op::add, Op::add]);
        let names: Vec<&str> = f.constants().iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["w", "k0", "k1"]);
        // The second output is a folded constant itself.
        assert_eq!(f.outputs()[1], f.constants()[2].value);
        let want: Vec<Vec<f32>> = vec![vec![3.0, 6.0, 11.0], vec![0.0, 2.0, 6.0]];
        let run = |g: &ts::Graph, w: &Tensor| -> Vec<Vec<f32>> {
            let c = g.compile("ndarray").unwrap();
            let out = c.run_with(std::slice::from_ref(&x), &[("w", w)]).unwrap();
            out.iter().map(|y| y.to_vec().unwrap()).collect()
        };
        assert_eq!(run(&g, &w), want);
        assert_eq!(run(&f, &w), want);
        // Rebinding w still counts after folding: 1+0+1, 2+2+1, 3+6+1.
        let one = t(&[1.0, 1.0, 1.0], &[3]);
        assert_eq!(run(&f, &one)[0], [2.0, 5.0, 10.0]);
        assert_eq!(run(&g, &one)[0], [2.0, 5.0, 10.0]);
    });
}

#[test]
fn constant_names_are_unique_and_a_panicking_function_leaves_no_trace_behind() {
    nd(|| {
        let x = t(&[1.0], &[1]);
        let e = trace_with_constants(&[x.clone()], &[("w", &x), ("w", &x)], |xs| Ok(xs.to_vec()))
            .unwrap_err();
        assert_eq!(
            trace_error(e),
            "two constants are named `w`; give each its own name"
        );
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = trace(std::slice::from_ref(&x), |_| -> ts::Result<Vec<Tensor>> {
                panic!("inside the traced function")
            });
        }));
        assert!(panicked.is_err());
        // Not tracing any more: values can be read and backends switched, and a new trace
        // starts clean.
        assert_eq!(x.to_vec::<f32>().unwrap(), [1.0]);
        ts::with_backend("ndarray", || ()).unwrap();
        let g = trace(std::slice::from_ref(&x), |xs| Ok(vec![ts::exp(&xs[0])?])).unwrap();
        assert_eq!(ops(&g), [Op::exp]);
    });
}

#[test]
fn values_made_inside_from_creation_ops_alone_may_be_read() {
    nd(|| {
        let x = t(&[10.0, 20.0, 30.0], &[3]);
        let g = trace(std::slice::from_ref(&x), |xs| {
            // The indices are made inside the trace: `take` may read them to check them.
            let idx = Tensor::from_slice(&[2i64, -3], &[2])?;
            let r = ts::arange(0.0, 2.0, 1.0, DType::Float32)?;
            // Reading a value computed from creation ops only is fine too.
            let first = ts::add(&r, &r)?.to_vec::<f32>()?[1];
            Ok(vec![ts::add(
                &ts::take(&xs[0], &idx, 0)?,
                &ts::full(&[2], first, DType::Float32)?,
            )?])
        })
        .unwrap();
        let y = t(&[1.0, 2.0, 3.0], &[3]);
        let got = g.compile("ndarray").unwrap().run(&[y]).unwrap();
        // take([1, 2, 3], [2, 0]) + 2
        assert_eq!(got[0].to_vec::<f32>().unwrap(), [5.0, 3.0]);
        // Indices computed from an input are still refused.
        let e = trace(std::slice::from_ref(&x), |xs| {
            let idx = ts::astype(&ts::floor(&ts::divide(&xs[0], &xs[0])?)?, DType::Int64)?;
            Ok(vec![ts::take(&xs[0], &idx, 0)?])
        })
        .unwrap_err();
        assert!(trace_error(e).contains("reads a tensor's values"));
        // Folded constants cannot be rebound (the trace may have read them).
        let f = g.fold_constants().unwrap();
        assert!(f.constants().iter().all(|c| !c.rebindable));
        let k = &f.constants()[0];
        let e = f
            .compile("ndarray")
            .unwrap()
            .run_with(std::slice::from_ref(&x), &[(k.name.as_str(), &k.tensor)])
            .unwrap_err();
        assert!(trace_error(e).contains("computed by constant folding and cannot be replaced"));
    });
}

#[test]
fn jit_compiles_once_per_signature_and_matches_eager_calls() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    nd(|| {
        let calls = AtomicUsize::new(0);
        let w = t(&[0.5, -1.0, 2.0], &[3]);
        let body = |xs: &[Tensor]| {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok(vec![ts::add(&ts::multiply(&xs[0], &w)?, &xs[0].tanh()?)?])
        };
        let f = ts::trace::Jit::new(body);
        let eager = |x: &Tensor| body(&[x.clone()]).unwrap().remove(0);

        let a = t(&[1.0, 2.0, 3.0], &[3]);
        let b = t(&[-4.0, 0.0, 0.25], &[3]);
        // The first call traces (running the body once), later ones with the same
        // signature only run the compiled graph.
        let ya = f.call(&[a.clone()]).unwrap().remove(0);
        let after_first = calls.load(Ordering::SeqCst);
        let yb = f.call(&[b.clone()]).unwrap().remove(0);
        assert_eq!(calls.load(Ordering::SeqCst), after_first, "no retrace");
        assert_eq!(f.compiled_signatures(), 1);
        assert_eq!(
            ya.to_vec::<f32>().unwrap(),
            eager(&a).to_vec::<f32>().unwrap()
        );
        assert_eq!(
            yb.to_vec::<f32>().unwrap(),
            eager(&b).to_vec::<f32>().unwrap()
        );

        // Another shape, then another dtype: one graph each, each equal to eager.
        let c = t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
        let yc = f.call(&[c.clone()]).unwrap().remove(0);
        assert_eq!((f.compiled_signatures(), yc.shape()), (2, &[2usize, 3][..]));
        assert_eq!(
            yc.to_vec::<f32>().unwrap(),
            eager(&c).to_vec::<f32>().unwrap()
        );
        let d = ts::astype(&a, DType::Float64).unwrap();
        let yd = f.call(&[d.clone()]).unwrap().remove(0);
        assert_eq!((f.compiled_signatures(), yd.dtype()), (3, DType::Float64));
        assert_eq!(
            yd.to_vec::<f64>().unwrap(),
            eager(&d).to_vec::<f64>().unwrap()
        );
    });
}

#[test]
fn jit_returns_the_trace_error_and_caches_nothing() {
    nd(|| {
        let f = ts::trace::Jit::new(|xs: &[Tensor]| {
            let v = xs[0].to_vec::<f32>()?;
            Ok(vec![t(&v, &[v.len()])])
        });
        let e = f.call(&[t(&[1.0], &[1])]).unwrap_err();
        assert!(matches!(e, Error::Trace { .. }), "{e:?}");
        assert_eq!(f.compiled_signatures(), 0);
    });
}

/// The decompositions' values, for a symmetric matrix with a hand-computed spectrum:
/// `[[2, 1], [1, 2]]` has eigenvalues 1 and 3, determinant 3, singular values 3 and 1.
fn decompositions(x: &Tensor) -> ts::Result<Vec<Tensor>> {
    let qr = ts::linalg::qr(x, Default::default())?;
    let svd = ts::linalg::svd(x, Default::default())?;
    let eigh = ts::linalg::eigh(x)?;
    let slogdet = ts::linalg::slogdet(x)?;
    // `q · r` and `u · diag(s) · vh` give `x` back whatever signs the backend picked.
    let qr_back = ts::matmul(&qr.q, &qr.r)?;
    let us = ts::multiply(&svd.u, &svd.s)?;
    let svd_back = ts::matmul(&us, &svd.vh)?;
    Ok(vec![
        qr_back,
        svd_back,
        svd.s,
        eigh.eigenvalues,
        slogdet.sign,
        slogdet.logabsdet,
    ])
}

fn close(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-5)
}

#[test]
fn ops_with_several_results_are_one_node_with_several_outputs() {
    nd(|| {
        let x = t(&[2.0, 1.0, 1.0, 2.0], &[2, 2]);
        let g = trace(&[x.clone()], |xs| decompositions(&xs[0])).unwrap();
        let multi: Vec<&ts::trace::Node> = g
            .nodes()
            .iter()
            .filter(|n| !n.more_outputs.is_empty())
            .collect();
        let shapes: Vec<(Op, usize)> = multi
            .iter()
            .map(|n| {
                (
                    n.op.catalogue().expect("a catalogue node"),
                    n.outputs().count(),
                )
            })
            .collect();
        assert_eq!(
            shapes,
            [
                (Op::linalg_qr, 2),
                (Op::linalg_svd, 3),
                (Op::linalg_eigh, 2),
                (Op::linalg_slogdet, 2)
            ]
        );
        // Printed as a tuple of results with a tuple of types.
        let text = g.to_string();
        assert!(
            text.contains("  (%1, %2) = linalg.qr(%0, false) : (float32[2,2], float32[2,2])"),
            "{text}"
        );
        assert!(
            text.contains("(%3, %4, %5) = linalg.svd(%0, false)"),
            "{text}"
        );
        // Drawn as one node whose edges say which result they carry.
        let dot = g.to_dot();
        assert!(dot.contains("v1 [label=\"%1, %2 linalg.qr"), "{dot}");
        assert!(dot.contains("v1 -> v"), "{dot}");
        assert!(dot.contains("[label=\"1\"]"), "{dot}");

        let eager = decompositions(&x).unwrap();
        let compiled = g.compile("ndarray").unwrap().run(&[x.clone()]).unwrap();
        let want: [&[f32]; 6] = [
            &[2.0, 1.0, 1.0, 2.0],
            &[2.0, 1.0, 1.0, 2.0],
            &[3.0, 1.0],
            &[1.0, 3.0],
            &[1.0],
            &[3.0f32.ln()],
        ];
        for ((e, c), w) in eager.iter().zip(&compiled).zip(want) {
            let (e, c) = (e.to_vec::<f32>().unwrap(), c.to_vec::<f32>().unwrap());
            assert!(close(&e, w), "eager {e:?}, expected {w:?}");
            assert!(close(&c, w), "compiled {c:?}, expected {w:?}");
        }
    });
}

#[test]
fn passes_keep_use_and_merge_nodes_with_several_outputs() {
    nd(|| {
        let x = t(&[2.0, 1.0, 1.0, 2.0], &[2, 2]);
        // Only qr's second result is used: the node stays, with both outputs.
        let g = trace(&[x.clone()], |xs| {
            let unused = ts::linalg::eigh(&xs[0])?;
            drop(unused);
            Ok(vec![ts::linalg::qr(&xs[0], Default::default())?.r])
        })
        .unwrap();
        let d = g.dce();
        assert_eq!(ops(&d), [Op::linalg_qr]);
        assert_eq!(d.nodes()[0].more_outputs.len(), 1);
        assert_eq!(d.outputs(), &d.nodes()[0].more_outputs[..]);
        let r = d.compile("ndarray").unwrap().run(&[x.clone()]).unwrap();
        let eager = ts::linalg::qr(&x, Default::default()).unwrap().r;
        assert_eq!(
            r[0].to_vec::<f32>().unwrap(),
            eager.to_vec::<f32>().unwrap()
        );

        // Two identical calls are one node; each result maps to its own counterpart.
        let g = trace(&[x.clone()], |xs| {
            let a = ts::linalg::slogdet(&xs[0])?;
            let b = ts::linalg::slogdet(&xs[0])?;
            Ok(vec![ts::add(&a.sign, &b.logabsdet)?])
        })
        .unwrap();
        let c = g.cse();
        assert_eq!(ops(&c), [Op::linalg_slogdet, Op::add]);
        let n = &c.nodes()[0];
        assert_eq!(c.nodes()[1].inputs, [n.output, n.more_outputs[0]]);
        let got = c.compile("ndarray").unwrap().run(&[x.clone()]).unwrap();
        assert!(close(
            &got[0].to_vec::<f32>().unwrap(),
            &[1.0 + 3.0f32.ln()]
        ));

        // A decomposition of a matrix made inside folds to constants, one per result used.
        let g = trace(&[x.clone()], |xs| {
            let e = ts::eye(2, None, 0, DType::Float32)?;
            let two = ts::multiply(&e, &ts::full(&[2, 2], 2.0f32, DType::Float32)?)?;
            let ev = ts::linalg::eigh(&two)?;
            Ok(vec![ts::add(&xs[0], &ev.eigenvectors)?, ev.eigenvalues])
        })
        .unwrap();
        let f = g.fold_constants().unwrap();
        assert_eq!(ops(&f), [Op::add]);
        let got = f.compile("ndarray").unwrap().run(&[x.clone()]).unwrap();
        assert_eq!(got[1].to_vec::<f32>().unwrap(), [2.0, 2.0]);
    });
}

/// docs/trace-mlp.svg is drawn from docs/trace-mlp.dot: that file must be what `to_dot` gives.
#[test]
fn the_drawing_in_the_docs_is_what_to_dot_gives() {
    nd(|| {
        let zeros = |shape: &[usize]| ts::zeros(shape, DType::Float32).unwrap();
        let (w1, b1, w2, b2) = (
            zeros(&[256, 256]),
            zeros(&[256]),
            zeros(&[256, 10]),
            zeros(&[10]),
        );
        let named = [("w1", &w1), ("b1", &b1), ("w2", &w2), ("b2", &b2)];
        let g = trace_with_constants(&[zeros(&[64, 256])], &named, |xs| {
            let h = ts::tanh(&ts::add(&ts::matmul(&xs[0], &w1)?, &b1)?)?;
            let z = ts::add(&ts::matmul(&h, &w2)?, &b2)?;
            Ok(vec![ts::softmax(&z, -1)?])
        })
        .unwrap();
        assert_eq!(g.to_dot(), include_str!("../docs/trace-mlp.dot"));
    });
}
