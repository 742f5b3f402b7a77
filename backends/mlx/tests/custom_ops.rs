//! The fixture crate's custom op `rms_norm` given an MLX native here, as a user's crate
//! would: MLX's fused `fast::rms_norm`, checked against the op's composition on MLX, against
//! ndarray and against hand-derived values.

use std::sync::atomic::{AtomicUsize, Ordering};
use tensorswitch::{self as ts, Source, Tensor};
use tensorswitch_custom_ops_fixture::expect::{close, rms_expected};
use tensorswitch_custom_ops_fixture::{rms_norm, swiglu};
use tensorswitch_mlx::{from_mlx, to_mlx};
use tensorswitch_ndarray as _;

static FAST_CALLS: AtomicUsize = AtomicUsize::new(0);

tensorswitch::custom_natives! { "mlx";
    rms_norm => mlx_rms_norm,
}

/// MLX's fused `rms_norm` over the last axis, for a 1-D weight of that axis' length in the
/// input's float dtype; other cases go to the composition.
fn mlx_rms_norm(x: &Tensor, weight: &Tensor, eps: f64) -> ts::Result<Tensor> {
    let fits = x.ndim() >= 1
        && weight.shape() == [x.shape()[x.ndim() - 1]]
        && x.dtype() == weight.dtype()
        && x.dtype().is_float();
    let (Some(a), Some(w), true) = (to_mlx(x), to_mlx(weight), fits) else {
        return tensorswitch_custom_ops_fixture::rms_norm::composition(x, weight, eps);
    };
    FAST_CALLS.fetch_add(1, Ordering::Relaxed);
    let y = mlx_rs::fast::rms_norm(&a, Some(&w), eps as f32).map_err(|e| ts::Error::Backend {
        backend: "mlx".to_string(),
        op: "rms_norm",
        message: e.to_string(),
    })?;
    from_mlx(y)
}

#[test]
fn mlx_fast_rms_norm_matches_the_composition_and_hand_derived_values() -> ts::Result<()> {
    let want = rms_expected();
    let (x, w) = ts::with_backend("mlx", || -> ts::Result<(Tensor, Tensor)> {
        Ok((
            Tensor::from_slice(&[3.0f32, 4.0, 0.0, 0.0], &[2, 2])?,
            Tensor::from_slice(&[1.0f32, 2.0], &[2])?,
        ))
    })??;
    let before = FAST_CALLS.load(Ordering::Relaxed);
    let fast = rms_norm(&x, &w, 1.0)?;
    assert_eq!(fast.backend(), "mlx");
    assert!(
        FAST_CALLS.load(Ordering::Relaxed) > before,
        "the native ran"
    );
    close(&fast.to_vec::<f32>()?, &want, 1e-6);
    let composed = ts::with_backend_masked("mlx", || rms_norm(&x, &w, 1.0))??;
    close(&composed.to_vec::<f32>()?, &want, 1e-6);
    let xn = Tensor::from_slice(&[3.0f32, 4.0, 0.0, 0.0], &[2, 2])?;
    let wn = Tensor::from_slice(&[1.0f32, 2.0], &[2])?;
    close(&rms_norm(&xn, &wn, 1.0)?.to_vec::<f32>()?, &want, 1e-6);
    let report = ts::function_table_report("mlx")?;
    let source = |name: &str| {
        report
            .custom
            .iter()
            .find(|r| r.name == name)
            .map(|r| r.source)
    };
    assert_eq!(
        source("rms_norm"),
        Some(Source::Primary {
            variant: "rms_norm"
        })
    );
    // No MLX native for `swiglu`: its composition runs on MLX.
    assert_eq!(source("swiglu"), Some(Source::Compositional));
    let g = ts::with_backend("mlx", || Tensor::from_slice(&[0.0f32, 3f32.ln()], &[2]))??;
    let one = ts::with_backend("mlx", || Tensor::from_slice(&[1.0f32, 2.0], &[2]))??;
    close(
        &swiglu(&one, &g)?.to_vec::<f32>()?,
        &[0.0, 1.5 * 3f64.ln()],
        1e-6,
    );
    Ok(())
}
