//! The neural-network ops refuse arguments beyond any size with errors, not panics or
//! overflows (the conformance cases hold the ordinary errors), and `conv2d` and the pools agree
//! with their definitions on a shape the cases do not use, on ndarray (the primary and, masked,
//! the core's fallback).

use tensorswitch::call::{Conv2d, Pool2d};
use tensorswitch::{self as ts, DType, Error, Tensor};
use tensorswitch_ndarray as _;

fn t(shape: &[usize]) -> Tensor {
    let n: usize = shape.iter().product();
    let v: Vec<f64> = (0..n).map(|i| ((i * 37) % 11) as f64 - 5.0).collect();
    Tensor::from_slice(&v, shape).unwrap()
}

#[test]
fn window_arguments_beyond_any_size_are_errors() {
    let (x, w) = (t(&[1, 2, 5, 5]), t(&[3, 2, 2, 2]));
    let huge = usize::MAX;
    for win in [
        Conv2d {
            padding: [huge, 0],
            ..Conv2d::default()
        },
        Conv2d {
            dilation: [huge, 1],
            ..Conv2d::default()
        },
        Conv2d {
            groups: huge,
            ..Conv2d::default()
        },
    ] {
        let e = ts::conv2d(&x, &w, win).unwrap_err();
        assert!(
            matches!(
                e,
                Error::InvalidShape { .. } | Error::InvalidArgument { .. }
            ),
            "{win:?}: {e}"
        );
    }
    // A stride beyond the input is fine: one window, on every backend.
    let one = Conv2d {
        stride: [huge, huge],
        padding: [0, 0],
        ..Conv2d::default()
    };
    let w5 = t(&[3, 2, 5, 5]);
    assert_eq!(ts::conv2d(&x, &w5, one).unwrap().shape(), &[1, 3, 1, 1]);
    for op in [ts::max_pool2d, ts::avg_pool2d] {
        for win in [
            Pool2d {
                padding: [huge, huge],
                ..Pool2d::new([2, 2])
            },
            Pool2d::new([huge, 1]),
            Pool2d {
                dilation: [huge, 1],
                ..Pool2d::new([2, 2])
            },
        ] {
            assert!(op(&x, win).is_err(), "{win:?}");
        }
    }
    let i = Tensor::from_slice(&[0i64, 1], &[2]).unwrap();
    let e = ts::one_hot(&i, huge, DType::Float32).unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidArgument { .. } | Error::InvalidShape { .. }
        ),
        "{e}"
    );
}

/// `conv2d` by its definition, in float64.
fn conv_by_hand(x: &Tensor, w: &Tensor, win: Conv2d) -> Vec<f64> {
    let (xs, ws) = (x.shape().to_vec(), w.shape().to_vec());
    let (xv, wv) = (x.to_vec::<f64>().unwrap(), w.to_vec::<f64>().unwrap());
    let [sh, sw] = win.stride;
    let [ph, pw] = win.padding;
    let [dh, dw] = win.dilation;
    let (cg, cog) = (ws[1], ws[0] / win.groups);
    let ho = (xs[2] + 2 * ph - dh * (ws[2] - 1) - 1) / sh + 1;
    let wo = (xs[3] + 2 * pw - dw * (ws[3] - 1) - 1) / sw + 1;
    let mut out = Vec::new();
    for n in 0..xs[0] {
        for o in 0..ws[0] {
            let g = o / cog;
            for i in 0..ho {
                for j in 0..wo {
                    let mut acc = 0.0;
                    for ci in 0..cg {
                        for a in 0..ws[2] {
                            for b in 0..ws[3] {
                                let r = (i * sh + a * dh) as isize - ph as isize;
                                let c = (j * sw + b * dw) as isize - pw as isize;
                                if r < 0 || c < 0 || r >= xs[2] as isize || c >= xs[3] as isize {
                                    continue;
                                }
                                let xi = ((n * xs[1] + g * cg + ci) * xs[2] + r as usize) * xs[3]
                                    + c as usize;
                                let wi = ((o * cg + ci) * ws[2] + a) * ws[3] + b;
                                acc += xv[xi] * wv[wi];
                            }
                        }
                    }
                    out.push(acc);
                }
            }
        }
    }
    out
}

#[test]
fn conv2d_primary_and_fallback_follow_the_definition() {
    let x = t(&[2, 6, 9, 8]);
    let w = t(&[4, 3, 3, 2]);
    let win = Conv2d {
        stride: [2, 1],
        padding: [1, 2],
        dilation: [2, 3],
        groups: 2,
    };
    let want = conv_by_hand(&x, &w, win);
    let primary = ts::conv2d(&x, &w, win).unwrap().to_vec::<f64>().unwrap();
    let fallback = ts::with_backend_masked("ndarray", || ts::conv2d(&x, &w, win))
        .unwrap()
        .unwrap()
        .to_vec::<f64>()
        .unwrap();
    for got in [primary, fallback] {
        assert_eq!(got.len(), want.len());
        for (g, e) in got.iter().zip(&want) {
            assert!((g - e).abs() <= 1e-12 * e.abs().max(1.0), "{g} vs {e}");
        }
    }
}
