//! Custom ops under the tracer: a call is one node of the graph, holding the op's attributes
//! as data; compiling picks the backend's native version (version variants included) or the
//! composition, once; passes, JSON and the transpiler treat the node as one call. Values are
//! checked against hand-derived ones and against the ops' compositions run eagerly.
//!
//! The natives' call counters are shared by every test of this binary, so each test holds
//! `SERIAL` while it reads them.

use std::sync::atomic::Ordering;
use std::sync::{Mutex, MutexGuard};
use tensorswitch::custom::Attr;
use tensorswitch::trace::{Args, NodeOp};
use tensorswitch::{self as ts, DType, Error, Graph, Source, Tensor};
use tensorswitch_custom_ops_fixture::expect::{close, rms_expected};
use tensorswitch_custom_ops_fixture::{
    affine, gated_rms_norm, overlap_op, rms_norm, swiglu, vv_scale, ND_RMS_NORM_CALLS,
    VV_NEW_CALLS, VV_OLD_CALLS,
};
use tensorswitch_custom_ops_other as _;
use tensorswitch_ndarray as _;
use tensorswitch_transpile::{Emit, Target};

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn t(v: &[f32], shape: &[usize]) -> Tensor {
    Tensor::from_slice(v, shape).expect("a tensor")
}

fn rms_inputs() -> [Tensor; 2] {
    [t(&[3.0, 4.0, 0.0, 0.0], &[2, 2]), t(&[1.0, 2.0], &[2])]
}

fn rms_graph() -> ts::Result<Graph> {
    let [x, w] = rms_inputs();
    ts::trace(&[x, w], |xs| Ok(vec![rms_norm(&xs[0], &xs[1], 1.0)?]))
}

fn table_at(version: &str) -> &'static ts::FunctionTable {
    ts::with_backend_version("ndarray", version, || ts::resolve_backend(&[]))
        .expect("ndarray is compiled in")
        .expect("a backend")
        .table()
}

fn masked_table() -> &'static ts::FunctionTable {
    ts::with_backend_masked("ndarray", || ts::resolve_backend(&[]))
        .expect("ndarray is compiled in")
        .expect("a backend")
        .table()
}

#[test]
fn a_custom_call_is_one_node_with_its_attributes() -> ts::Result<()> {
    let _s = serial();
    let g = rms_graph()?;
    assert_eq!(g.nodes().len(), 1, "{g}");
    let n = &g.nodes()[0];
    assert_eq!(n.op.name(), "rms_norm");
    assert!(matches!(n.op, NodeOp::Custom(op) if op.name == "rms_norm"));
    assert_eq!(n.op.catalogue(), None);
    assert_eq!(n.inputs, g.inputs());
    assert_eq!(n.args, Args::Custom(vec![Attr::Float(1.0)]));
    assert_eq!(g.outputs(), [n.output]);
    let text = g.to_string();
    assert!(
        text.contains("= rms_norm(%0, %1, 1.0) : float32[2,2]"),
        "{text}"
    );
    assert!(g.to_dot().contains("rms_norm"));

    // A custom op made of custom ops is one node too; catalogue calls around it are theirs.
    let [x, w] = rms_inputs();
    let gate = t(&[1.0, 2.0, 3.0, 4.0], &[2, 2]);
    let g = ts::trace(&[x, gate, w], |xs| {
        let y = gated_rms_norm(&xs[0], &xs[1], &xs[2], 0.5)?;
        Ok(vec![ts::exp(&y)?])
    })?;
    let names: Vec<&str> = g.nodes().iter().map(|n| n.op.name()).collect();
    assert_eq!(names, ["gated_rms_norm", "exp"], "{g}");
    Ok(())
}

#[test]
fn attributes_of_every_kind_are_held_as_data() -> ts::Result<()> {
    let _s = serial();
    let x = t(&[1.0, -2.0], &[2]);
    let g = ts::trace(std::slice::from_ref(&x), |xs| {
        let y = affine(
            &xs[0],
            0.5,
            3,
            true,
            "a tag".to_string(),
            Some(DType::Float64),
            vec![0, 2],
        )?;
        Ok(vec![y])
    })?;
    assert_eq!(
        g.nodes()[0].args,
        Args::Custom(vec![
            Attr::Float(0.5),
            Attr::Int(3),
            Attr::Bool(true),
            Attr::Str("a tag".to_string()),
            Attr::DType(DType::Float64),
            Attr::List(vec![Attr::UInt(0), Attr::UInt(2)]),
        ])
    );
    // -(x * 0.5 + 3) in float64.
    let y = g.compile("ndarray")?.run(std::slice::from_ref(&x))?;
    assert_eq!(y[0].to_vec::<f64>()?, vec![-3.5, -2.0]);
    let back = Graph::from_json(&g.to_json()?)?;
    assert_eq!(back.nodes()[0].args, g.nodes()[0].args);
    let y = back.compile("ndarray")?.run(&[x])?;
    assert_eq!(y[0].to_vec::<f64>()?, vec![-3.5, -2.0]);
    Ok(())
}

#[test]
fn compiling_picks_the_native_version_once_and_runs_it() -> ts::Result<()> {
    let _s = serial();
    let g = rms_graph()?;
    let [x, w] = rms_inputs();
    let eager = rms_norm(&x, &w, 1.0)?.to_vec::<f32>()?;
    let composed =
        tensorswitch_custom_ops_fixture::rms_norm::composition(&x, &w, 1.0)?.to_vec::<f32>()?;
    close(&eager, &rms_expected(), 1e-6);
    close(&composed, &rms_expected(), 1e-6);

    let c = g.compile("ndarray")?;
    assert_eq!(
        c.custom_steps(),
        [(
            "rms_norm",
            Source::Primary {
                variant: "rms_norm"
            }
        )]
    );
    let before = ND_RMS_NORM_CALLS.load(Ordering::Relaxed);
    let y = c.run(&[x.clone(), w.clone()])?;
    assert_eq!(
        ND_RMS_NORM_CALLS.load(Ordering::Relaxed),
        before + 1,
        "the native ran once"
    );
    close(&y[0].to_vec::<f32>()?, &rms_expected(), 1e-6);
    close(
        &y[0].to_vec::<f32>()?,
        &composed.iter().map(|&v| v as f64).collect::<Vec<_>>(),
        1e-6,
    );

    // The masked table has no natives: the composition runs, the native does not.
    let c = g.compile_on(masked_table())?;
    assert_eq!(c.custom_steps(), [("rms_norm", Source::Compositional)]);
    let before = ND_RMS_NORM_CALLS.load(Ordering::Relaxed);
    let y = c.run(&[x, w])?;
    assert_eq!(ND_RMS_NORM_CALLS.load(Ordering::Relaxed), before);
    close(&y[0].to_vec::<f32>()?, &rms_expected(), 1e-6);
    Ok(())
}

#[test]
fn an_emulated_version_picks_the_version_variant() -> ts::Result<()> {
    let _s = serial();
    let x = t(&[1.0, -2.0], &[2]);
    let g = ts::trace(std::slice::from_ref(&x), |xs| {
        Ok(vec![vv_scale(&xs[0], 2.5)?])
    })?;
    for (version, new) in [("0.15.3", false), ("0.16.0", true), ("0.12.0", false)] {
        let c = g.compile_on(table_at(version))?;
        let variant = if new {
            "vv_scale_v_0p16_and_above"
        } else {
            "vv_scale_v_0p15_and_below"
        };
        assert_eq!(
            c.custom_steps(),
            [("vv_scale", Source::Primary { variant })],
            "at {version}"
        );
        let (n0, o0) = (
            VV_NEW_CALLS.load(Ordering::Relaxed),
            VV_OLD_CALLS.load(Ordering::Relaxed),
        );
        let y = c.run(std::slice::from_ref(&x))?;
        assert_eq!(y[0].to_vec::<f32>()?, vec![2.5, -5.0]);
        let (n1, o1) = (
            VV_NEW_CALLS.load(Ordering::Relaxed),
            VV_OLD_CALLS.load(Ordering::Relaxed),
        );
        assert_eq!(
            (n1 - n0, o1 - o0),
            if new { (1, 0) } else { (0, 1) },
            "at {version}"
        );
    }
    Ok(())
}

#[test]
fn tracing_computes_the_eager_result_with_the_native() -> ts::Result<()> {
    let _s = serial();
    // The traced function's result is computed by the native (eagerly, once).
    let before = ND_RMS_NORM_CALLS.load(Ordering::Relaxed);
    let g = rms_graph()?;
    assert_eq!(ND_RMS_NORM_CALLS.load(Ordering::Relaxed), before + 1);
    assert_eq!(g.nodes().len(), 1);
    Ok(())
}

#[test]
fn a_custom_node_goes_through_json_by_name() -> ts::Result<()> {
    let _s = serial();
    let g = rms_graph()?;
    let text = g.to_json()?;
    assert!(
        text.contains(r#""op":"rms_norm","custom":true"#)
            && text.contains(r#""args":{"custom":[{"float":1.0}]}"#),
        "{text}"
    );
    let back = Graph::from_json(&text)?;
    assert_eq!(back.to_json()?, text);
    assert_eq!(back.nodes().len(), 1);
    assert_eq!(back.nodes()[0].op, g.nodes()[0].op);
    let c = back.compile("ndarray")?;
    assert_eq!(
        c.custom_steps(),
        [(
            "rms_norm",
            Source::Primary {
                variant: "rms_norm"
            }
        )]
    );
    let y = c.run(&rms_inputs())?;
    close(&y[0].to_vec::<f32>()?, &rms_expected(), 1e-6);
    Ok(())
}

fn json_error(text: &str) -> String {
    match Graph::from_json(text) {
        Err(Error::Trace { reason }) => reason,
        Err(other) => panic!("expected Error::Trace, got {other:?}"),
        Ok(g) => panic!("expected an error, got {g}"),
    }
}

#[test]
fn a_graph_file_naming_an_unknown_custom_op_is_an_error_naming_it() -> ts::Result<()> {
    let _s = serial();
    let text = rms_graph()?.to_json()?;
    let e = json_error(&text.replace(r#""op":"rms_norm""#, r#""op":"not_linked_op""#));
    assert!(
        e.contains("`not_linked_op`") && e.contains("not linked into this program"),
        "{e}"
    );
    // A custom op by name, with attributes that are not its own.
    let e = json_error(&text.replace(r#"{"float":1.0}"#, r#"{"bool":true}"#));
    assert!(e.contains("`eps`") && e.contains("expected a float"), "{e}");
    let e = json_error(&text.replace(r#"[{"float":1.0}]"#, "[]"));
    assert!(e.contains("0 attribute(s)") && e.contains("eps"), "{e}");
    // Without the flag the name is looked up in the catalogue.
    let e = json_error(&text.replace(r#","custom":true"#, ""));
    assert!(e.contains("unknown op `rms_norm`"), "{e}");
    Ok(())
}

#[test]
fn cse_merges_identical_custom_calls_only() -> ts::Result<()> {
    let _s = serial();
    let [x, w] = rms_inputs();
    let g = ts::trace(&[x.clone(), w.clone()], |xs| {
        let a = rms_norm(&xs[0], &xs[1], 1.0)?;
        let b = rms_norm(&xs[0], &xs[1], 1.0)?;
        let c = rms_norm(&xs[0], &xs[1], 2.0)?;
        let d = swiglu(&xs[0], &xs[0])?; // no output depends on it
        let _ = d;
        Ok(vec![ts::add(&a, &b)?, c])
    })?;
    let count = |g: &Graph| {
        g.nodes()
            .iter()
            .filter(|n| n.op.name() == "rms_norm")
            .count()
    };
    assert_eq!((count(&g), g.nodes().len()), (3, 5), "{g}");
    let merged = g.cse();
    assert_eq!(count(&merged), 2, "{merged}");
    let eps: Vec<&Args> = merged
        .nodes()
        .iter()
        .filter(|n| n.op.name() == "rms_norm")
        .map(|n| &n.args)
        .collect();
    assert_eq!(
        eps,
        [
            &Args::Custom(vec![Attr::Float(1.0)]),
            &Args::Custom(vec![Attr::Float(2.0)])
        ]
    );
    let live = merged.dce();
    assert!(
        live.nodes().iter().all(|n| n.op.name() != "swiglu"),
        "{live}"
    );
    assert_eq!(live.nodes().len(), 3, "{live}");
    let want = g.compile("ndarray")?.run(&[x.clone(), w.clone()])?;
    let got = live.compile("ndarray")?.run(&[x, w])?;
    for (a, b) in want.iter().zip(&got) {
        assert_eq!(a.to_vec::<f32>()?, b.to_vec::<f32>()?);
    }
    // 2 * rms_norm(eps=1), and rms_norm with eps=2: row 1 has 12.5 + 2 = 14.5.
    let r = 14.5f64.sqrt();
    close(
        &got[1].to_vec::<f32>()?,
        &[3.0 / r, 8.0 / r, 0.0, 0.0],
        1e-6,
    );
    let two: Vec<f64> = rms_expected().iter().map(|v| 2.0 * v).collect();
    close(&got[0].to_vec::<f32>()?, &two, 1e-6);
    Ok(())
}

#[test]
fn fold_constants_computes_custom_nodes_of_constants_and_fusion_leaves_them() -> ts::Result<()> {
    let _s = serial();
    let x = t(&[1.0, 2.0], &[2]);
    let g = ts::trace(std::slice::from_ref(&x), |xs| {
        let o = ts::ones(&[2], DType::Float32)?;
        let k = swiglu(&o, &o)?; // silu(1) = 1 / (1 + e^-1)
        let y = ts::add(&ts::exp(&xs[0])?, &k)?;
        Ok(vec![ts::negative(&rms_norm(&ts::negative(&y)?, &o, 0.0)?)?])
    })?;
    let customs = |g: &Graph| g.nodes().iter().filter(|n| n.op.custom().is_some()).count();
    assert_eq!(customs(&g), 2, "{g}");
    let folded = g.fold_constants()?;
    assert_eq!(customs(&folded), 1, "the swiglu node is folded: {folded}");
    assert!(folded.constants().iter().any(|c| c.name == "k0"));
    // rms_norm of v = -(e^x + s) with weight 1 and eps 0, negated: v / rms(v) negated.
    let s = 1.0 / (1.0 + (-1f64).exp());
    let v = [-(1f64.exp() + s), -(2f64.exp() + s)];
    let rms = ((v[0] * v[0] + v[1] * v[1]) / 2.0).sqrt();
    let want = [-v[0] / rms, -v[1] / rms];
    for graph in [&g, &folded] {
        let c = graph.compile("ndarray")?;
        // Fusion groups catalogue nodes only; the custom ones are still their own steps.
        assert_eq!(c.custom_steps().len(), customs(graph), "{c:?}");
        close(
            &c.run(std::slice::from_ref(&x))?[0].to_vec::<f32>()?,
            &want,
            1e-5,
        );
    }
    Ok(())
}

#[test]
fn transpiling_a_custom_node_is_a_clear_error() -> ts::Result<()> {
    let _s = serial();
    let g = rms_graph()?;
    for target in [Target::Ndarray, Target::Numpy, Target::Tch, Target::MlxRs] {
        let e = g.emit(target).expect_err("custom ops are not transpiled");
        let text = e.to_string();
        assert!(
            text.contains("`rms_norm`") && text.contains("custom ops are not transpiled"),
            "{text}"
        );
    }
    Ok(())
}

#[test]
fn a_jit_function_calling_a_custom_op_runs_the_native() -> ts::Result<()> {
    let _s = serial();
    let f = ts::trace::Jit::new(|xs: &[Tensor]| Ok(vec![rms_norm(&xs[0], &xs[1], 1.0)?]));
    let [x, w] = rms_inputs();
    f.call(&[x.clone(), w.clone()])?; // traces (the native computes the eager result)
    let before = ND_RMS_NORM_CALLS.load(Ordering::Relaxed);
    let y = f.call(&[x, w])?;
    assert_eq!(ND_RMS_NORM_CALLS.load(Ordering::Relaxed), before + 1);
    close(&y[0].to_vec::<f32>()?, &rms_expected(), 1e-6);
    Ok(())
}

#[test]
fn a_custom_op_whose_calls_fail_on_the_target_fails_compiling_and_loading() -> ts::Result<()> {
    let _s = serial();
    // `overlap_op`'s two ndarray natives overlap at the detected version; the masked table
    // runs its composition, so it traces there.
    let x = t(&[1.0, -2.0], &[2]);
    let g = ts::with_backend_masked("ndarray", || {
        ts::trace(std::slice::from_ref(&x), |xs| Ok(vec![overlap_op(&xs[0])?]))
    })??;
    assert_eq!(g.nodes().len(), 1, "{g}");
    let text = |e: Error| e.to_string();
    let e = text(g.compile("ndarray").expect_err("the natives overlap"));
    assert!(
        e.contains("overlap_op_v_0p10_and_above") && e.contains("overlap_op_v_0p12_and_above"),
        "{e}"
    );
    // Below both ranges the composition runs.
    let y = g
        .compile_on(table_at("0.9.0"))?
        .run(std::slice::from_ref(&x))?;
    assert_eq!(y[0].to_vec::<f32>()?, vec![1.0, -2.0]);
    // A file naming `dup_op` (declared by two crates) loads into neither: the conflict names
    // both crates.
    let json = g
        .to_json()?
        .replace(r#""op":"overlap_op""#, r#""op":"dup_op""#);
    let e = text(Graph::from_json(&json).expect_err("a conflict"));
    assert!(
        e.contains("tensorswitch-custom-ops-fixture")
            && e.contains("tensorswitch-custom-ops-other"),
        "{e}"
    );
    Ok(())
}
