//! Custom ops of another crate (`tensorswitch-custom-ops-fixture`) given torch natives here,
//! as a user's crate would: libtorch's fused `rms_norm` for libtorch 2.4 and later and a
//! hand-written tch version below, picked by the (emulated) version; checked against the
//! ops' compositions on torch, against ndarray, and against hand-derived values; dispatch
//! errors name the custom op.

use std::sync::atomic::{AtomicUsize, Ordering};
use tensorswitch::{self as ts, Error, Source, Tensor};
use tensorswitch_custom_ops_fixture::expect::{close, rms_expected};
use tensorswitch_custom_ops_fixture::{gated_rms_norm, rms_norm, swiglu};
use tensorswitch_ndarray as _;
use tensorswitch_tch::{from_tch, to_tch};

static FUSED_CALLS: AtomicUsize = AtomicUsize::new(0);
static OLD_CALLS: AtomicUsize = AtomicUsize::new(0);

tensorswitch::custom_natives! { "torch";
    rms_norm @ "2p4_and_above" => torch_rms_norm_fused,
    rms_norm @ "2p3_and_below" => torch_rms_norm_old,
    swiglu => torch_swiglu,
}

fn tch_error(op: &'static str, e: tch::TchError) -> Error {
    Error::Backend {
        backend: "torch".to_string(),
        op,
        message: e.to_string(),
    }
}

fn inputs<const N: usize>(xs: [&Tensor; N]) -> [tch::Tensor; N] {
    xs.map(|x| to_tch(x).expect("a torch tensor: dispatch checked the backend"))
}

/// libtorch's `rms_norm` (2.4 and later) over the last axis.
fn torch_rms_norm_fused(x: &Tensor, weight: &Tensor, eps: f64) -> ts::Result<Tensor> {
    FUSED_CALLS.fetch_add(1, Ordering::Relaxed);
    let [a, w] = inputs([x, weight]);
    let last = *x.shape().last().unwrap_or(&1) as i64;
    let y = a
        .f_rms_norm([last], Some(&w), eps)
        .map_err(|e| tch_error("rms_norm", e))?;
    from_tch(y)
}

/// The same with tch's elementwise ops, for libtorch before 2.4.
fn torch_rms_norm_old(x: &Tensor, weight: &Tensor, eps: f64) -> ts::Result<Tensor> {
    OLD_CALLS.fetch_add(1, Ordering::Relaxed);
    let [a, w] = inputs([x, weight]);
    let ms = a
        .f_square()
        .and_then(|s| s.f_mean_dim(-1, true, None))
        .map_err(|e| tch_error("rms_norm", e))?;
    let y = (&a * (ms + eps).rsqrt()) * w;
    from_tch(y)
}

fn torch_swiglu(x: &Tensor, gate: &Tensor) -> ts::Result<Tensor> {
    let [a, g] = inputs([x, gate]);
    from_tch(a * g.silu())
}

fn on_torch(v: &[f32], shape: &[usize]) -> ts::Result<Tensor> {
    ts::with_backend("torch", || Tensor::from_slice(v, shape))?
}

#[test]
fn rms_norm_natives_match_the_composition_and_hand_derived_values() -> ts::Result<()> {
    let want = rms_expected();
    let x = on_torch(&[3.0, 4.0, 0.0, 0.0], &[2, 2])?;
    let w = on_torch(&[1.0, 2.0], &[2])?;
    let before = FUSED_CALLS.load(Ordering::Relaxed);
    let fused = rms_norm(&x, &w, 1.0)?;
    assert_eq!(fused.backend(), "torch");
    assert!(
        FUSED_CALLS.load(Ordering::Relaxed) > before,
        "libtorch 2.13: fused"
    );
    close(&fused.to_vec::<f32>()?, &want, 1e-6);
    let composed = ts::with_backend_masked("torch", || rms_norm(&x, &w, 1.0))??;
    close(&composed.to_vec::<f32>()?, &want, 1e-6);
    let before = OLD_CALLS.load(Ordering::Relaxed);
    let old = ts::with_backend_version("torch", "2.3.1", || rms_norm(&x, &w, 1.0))??;
    assert!(
        OLD_CALLS.load(Ordering::Relaxed) > before,
        "2.3.1: the old variant"
    );
    close(&old.to_vec::<f32>()?, &want, 1e-6);
    // The same op on ndarray (the fixture's ndarray native).
    let xn = Tensor::from_slice(&[3.0f32, 4.0, 0.0, 0.0], &[2, 2])?;
    let wn = Tensor::from_slice(&[1.0f32, 2.0], &[2])?;
    close(&rms_norm(&xn, &wn, 1.0)?.to_vec::<f32>()?, &want, 1e-6);
    Ok(())
}

#[test]
fn the_report_names_the_variant_each_version_picks() -> ts::Result<()> {
    let row = |version: Option<&str>| -> ts::Result<Source> {
        let report = match version {
            Some(v) => ts::function_table_report_for_version("torch", v)?,
            None => ts::function_table_report("torch")?,
        };
        Ok(report
            .custom
            .iter()
            .find(|r| r.name == "rms_norm")
            .expect("listed")
            .source)
    };
    assert_eq!(
        row(None)?,
        Source::Primary {
            variant: "rms_norm_v_2p4_and_above"
        }
    );
    assert_eq!(
        row(Some("2.3.0"))?,
        Source::Primary {
            variant: "rms_norm_v_2p3_and_below"
        }
    );
    // No torch native for `gated_rms_norm`: its composition (of custom ops with natives).
    let report = ts::function_table_report("torch")?;
    let gated = report.custom.iter().find(|r| r.name == "gated_rms_norm");
    assert_eq!(gated.map(|r| r.source), Some(Source::Compositional));
    Ok(())
}

#[test]
fn swiglu_native_matches_the_composition_and_ndarray() -> ts::Result<()> {
    let x = on_torch(&[1.0, 2.0, -1.0, 0.5], &[2, 2])?;
    let g = on_torch(&[0.0, 3f32.ln(), 1.0, -2.0], &[2, 2])?;
    let native = swiglu(&x, &g)?.to_vec::<f32>()?;
    let composed = ts::with_backend_masked("torch", || swiglu(&x, &g))??.to_vec::<f32>()?;
    let xn = ts::to_backend(&x, "ndarray")?;
    let gn = ts::to_backend(&g, "ndarray")?;
    let nd = swiglu(&xn, &gn)?.to_vec::<f32>()?;
    // silu(0) = 0, silu(ln 3) = 0.75 ln 3 (sigmoid(ln 3) = 3/4).
    close(&native[..2], &[0.0, 1.5 * 3f64.ln()], 1e-6);
    let as_f64 = |v: &[f32]| v.iter().map(|&x| x as f64).collect::<Vec<_>>();
    close(&composed, &as_f64(&native), 1e-6);
    close(&nd, &as_f64(&native), 1e-6);
    Ok(())
}

#[test]
fn dispatch_errors_name_the_custom_op() -> ts::Result<()> {
    let xt = on_torch(&[1.0, 2.0], &[2])?;
    let wn = Tensor::from_slice(&[1.0f32, 1.0], &[2])?;
    match rms_norm(&xt, &wn, 0.0) {
        Err(Error::MixedBackends { op, backends }) => {
            assert_eq!(op, "rms_norm");
            assert_eq!(backends, vec!["torch".to_string(), "ndarray".to_string()]);
        }
        other => panic!("expected MixedBackends, got {other:?}"),
    }
    let wt = on_torch(&[1.0, 1.0], &[2])?;
    match ts::with_backend("ndarray", || rms_norm(&xt, &wt, 0.0))? {
        Err(Error::ForeignTensor { op, active, tensor }) => {
            assert_eq!(
                (op, active.as_str(), tensor.as_str()),
                ("rms_norm", "ndarray", "torch")
            );
        }
        other => panic!("expected ForeignTensor, got {other:?}"),
    }
    Ok(())
}

fn torch_table(version: Option<&str>, masked: bool) -> ts::Result<&'static ts::FunctionTable> {
    let backend = match (version, masked) {
        (Some(v), _) => ts::with_backend_version("torch", v, || ts::resolve_backend(&[]))??,
        (None, true) => ts::with_backend_masked("torch", || ts::resolve_backend(&[]))??,
        (None, false) => ts::with_backend("torch", || ts::resolve_backend(&[]))??,
    };
    Ok(backend.table())
}

#[test]
fn a_traced_custom_op_is_one_node_compiled_to_torch_natives() -> ts::Result<()> {
    let want = rms_expected();
    let x = on_torch(&[3.0, 4.0, 0.0, 0.0], &[2, 2])?;
    let w = on_torch(&[1.0, 2.0], &[2])?;
    let g = ts::trace(&[x.clone(), w.clone()], |xs| {
        Ok(vec![rms_norm(&xs[0], &xs[1], 1.0)?])
    })?;
    assert_eq!(g.backend(), "torch");
    let names: Vec<&str> = g.nodes().iter().map(|n| n.op.name()).collect();
    assert_eq!(names, ["rms_norm"], "{g}");
    let eager = rms_norm(&x, &w, 1.0)?.to_vec::<f32>()?;
    close(&eager, &want, 1e-6);
    let as_f64 = |v: &[f32]| v.iter().map(|&x| x as f64).collect::<Vec<_>>();

    // Detected libtorch (2.4 and later): the fused native, chosen when compiling.
    let c = g.compile("torch")?;
    let fused = Source::Primary {
        variant: "rms_norm_v_2p4_and_above",
    };
    assert_eq!(c.custom_steps(), [("rms_norm", fused)]);
    let before = FUSED_CALLS.load(Ordering::Relaxed);
    let y = c.run(&[x.clone(), w.clone()])?;
    assert!(FUSED_CALLS.load(Ordering::Relaxed) > before);
    close(&y[0].to_vec::<f32>()?, &as_f64(&eager), 1e-6);

    // An emulated 2.3: the other variant; masked: the composition.
    let old = Source::Primary {
        variant: "rms_norm_v_2p3_and_below",
    };
    let c = g.compile_on(torch_table(Some("2.3.1"), false)?)?;
    assert_eq!(c.custom_steps(), [("rms_norm", old)]);
    close(
        &c.run(&[x.clone(), w.clone()])?[0].to_vec::<f32>()?,
        &want,
        1e-6,
    );
    let c = g.compile_on(torch_table(None, true)?)?;
    assert_eq!(c.custom_steps(), [("rms_norm", Source::Compositional)]);
    close(
        &c.run(&[x.clone(), w.clone()])?[0].to_vec::<f32>()?,
        &want,
        1e-6,
    );

    // The torch graph compiled for ndarray: the fixture's ndarray native.
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
    let xn = ts::to_backend(&x, "ndarray")?;
    let wn = ts::to_backend(&w, "ndarray")?;
    close(
        &c.run(&[xn, wn])?[0].to_vec::<f32>()?,
        &as_f64(&eager),
        1e-6,
    );
    Ok(())
}

#[test]
fn a_custom_op_without_a_torch_native_compiles_to_its_composition() -> ts::Result<()> {
    let x = on_torch(&[1.0, 2.0, -1.0, 0.5], &[2, 2])?;
    let gate = on_torch(&[0.0, 3f32.ln(), 1.0, -2.0], &[2, 2])?;
    let w = on_torch(&[1.0, 3.0], &[2])?;
    let g = ts::trace(&[x.clone(), gate.clone(), w.clone()], |xs| {
        Ok(vec![gated_rms_norm(&xs[0], &xs[1], &xs[2], 0.0)?])
    })?;
    assert_eq!(g.nodes().len(), 1, "{g}");
    let c = g.compile("torch")?;
    assert_eq!(
        c.custom_steps(),
        [("gated_rms_norm", Source::Compositional)]
    );
    let y = c.run(&[x.clone(), gate.clone(), w.clone()])?[0].to_vec::<f32>()?;
    // Against the eager call, and against ndarray's eager call.
    let eager = gated_rms_norm(&x, &gate, &w, 0.0)?.to_vec::<f32>()?;
    let [xn, gn, wn] = [&x, &gate, &w].map(|t| ts::to_backend(t, "ndarray").expect("converts"));
    let nd = gated_rms_norm(&xn, &gn, &wn, 0.0)?.to_vec::<f32>()?;
    let as_f64 = |v: &[f32]| v.iter().map(|&x| x as f64).collect::<Vec<_>>();
    close(&y, &as_f64(&eager), 1e-6);
    close(&y, &as_f64(&nd), 1e-6);
    // Row 1: swiglu gives [0, 0.75 ln 3 * 2]: rms_norm of [0, a] is [0, sqrt(2)] * w.
    close(&y[..2], &[0.0, 3.0 * 2f64.sqrt()], 1e-6);
    Ok(())
}
