//! The mlx backend itself: registration, version, laziness.

use tensorswitch::Tensor;

#[test]
fn reports_the_loaded_mlx_version() {
    let v = tensorswitch::backend_version("mlx").expect("mlx is available");
    assert_eq!(v.to_string(), tensorswitch_mlx::BUILT_AGAINST);
}

/// A chain of ops builds one MLX graph; only observing the result evaluates it, once.
#[test]
fn a_chain_of_ops_evaluates_once() {
    tensorswitch::with_backend("mlx", || {
        let x = Tensor::from_slice(&[1.0f32, 2.0, 3.0], &[3]).unwrap();
        let before = tensorswitch_mlx::evaluations();
        let y = tensorswitch::add(&x, &x).unwrap();
        let y = tensorswitch::multiply(&y, &x).unwrap();
        let y = tensorswitch::exp(&tensorswitch::negative(&y).unwrap()).unwrap();
        assert_eq!(tensorswitch_mlx::evaluations(), before, "no op evaluates");
        let v: Vec<f32> = y.to_vec().unwrap();
        assert_eq!(tensorswitch_mlx::evaluations(), before + 1);
        assert!((v[0] - (-2.0f32).exp()).abs() < 1e-6);
    })
    .unwrap();
}
