//! Edges of the window ops that a large fuzz campaign found backends disagreeing on: an input
//! with a zero spatial size, and a dilation along a kernel extent of 1 (which no tap uses).
//! Expected values are derived by hand from the definitions.
use tensorswitch::call::{Conv2d, Pool2d};
use tensorswitch::{self as ts, Error, Result, Tensor};

/// Runs `f` on the backend under test (this thread only), and again with every op that has a
/// fallback served by it.
fn on_backend(backend: &str, f: impl Fn() -> Result<()>) {
    ts::with_backend(backend, &f).unwrap().unwrap();
    ts::with_backend_masked(backend, &f).unwrap().unwrap();
}

/// Values `1, 2, 3, …` (small integers, exact in float32) in `shape`.
fn counting(shape: &[usize]) -> Tensor {
    let n: usize = shape.iter().product();
    let v: Vec<f32> = (1..=n).map(|i| i as f32).collect();
    Tensor::from_slice(&v, shape).unwrap()
}

/// Every window of a convolution over an input with no rows (or no columns) lies in the zero
/// padding, so each output is a sum of products with zeros: `0`. The output's size follows
/// the usual formula, `(size + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1`.
pub fn conv2d_of_a_zero_spatial_input_is_zeros(backend: &str) {
    on_backend(backend, || {
        // H = 0 with padding (1, 1), kernel (2, 2): rows (0 + 2 - 2) / 1 + 1 = 1, columns
        // (3 + 2 - 2) / 1 + 1 = 4.
        let x = Tensor::from_slice::<f32>(&[], &[2, 2, 0, 3])?;
        let w = counting(&[4, 2, 2, 2]);
        let win = Conv2d {
            padding: [1, 1],
            ..Conv2d::default()
        };
        let y = ts::conv2d(&x, &w, win)?;
        assert_eq!(y.shape(), [2, 4, 1, 4]);
        assert_eq!(y.to_vec::<f32>()?, vec![0.0; 32]);
        // W = 0, padding on the columns only, two groups, stride 2: rows (3 - 1) / 1 + 1 = 3,
        // columns (0 + 4 - 1) / 2 + 1 = 2.
        let x = Tensor::from_slice::<f32>(&[], &[1, 2, 3, 0])?;
        let w = counting(&[2, 1, 1, 1]);
        let win = Conv2d {
            stride: [1, 2],
            padding: [0, 2],
            groups: 2,
            ..Conv2d::default()
        };
        let y = ts::conv2d(&x, &w, win)?;
        assert_eq!(y.shape(), [1, 2, 3, 2]);
        assert_eq!(y.to_vec::<f32>()?, vec![0.0; 12]);
        // Without padding the kernel does not fit: an error, as for any input too small.
        let no_padding = Conv2d {
            groups: 2,
            ..Conv2d::default()
        };
        let e = ts::conv2d(&x, &w, no_padding).unwrap_err();
        assert!(matches!(e, Error::InvalidShape { .. }), "{e}");
        Ok(())
    });
}

/// A kernel of extent 1 along an axis has one tap there, at offset 0, whatever the dilation:
/// `conv2d` and `max_pool2d` give the same result for any dilation along that axis, the largest
/// included, as for dilation 1.
pub fn dilation_along_a_kernel_of_extent_one_is_unused(backend: &str) {
    on_backend(backend, || {
        let x = counting(&[1, 2, 3, 4]);
        // A (1, 2) kernel: dilation 2 along the columns is used, the rows' is not.
        let w = counting(&[3, 2, 1, 2]);
        let base = Conv2d {
            dilation: [1, 2],
            ..Conv2d::default()
        };
        let want = ts::conv2d(&x, &w, base)?;
        // By hand, output (0, 0, 0, 0): sum over the two channels of the taps at columns 0 and
        // 2 of row 0: x[0,0,0,0] * w[0,0,0,0] + x[0,0,0,2] * w[0,0,0,1]
        // + x[0,1,0,0] * w[0,1,0,0] + x[0,1,0,2] * w[0,1,0,1] = 1*1 + 3*2 + 13*3 + 15*4 = 106.
        assert_eq!(want.shape(), [1, 3, 3, 2]);
        assert_eq!(want.to_vec::<f32>()?[0], 106.0);
        for rows in [2, 1 << 40, usize::MAX] {
            let got = ts::conv2d(
                &x,
                &w,
                Conv2d {
                    dilation: [rows, 2],
                    ..base
                },
            )?;
            assert_eq!(got.shape(), want.shape(), "dilation ({rows}, 2)");
            assert_eq!(
                got.to_vec::<f32>()?,
                want.to_vec::<f32>()?,
                "dilation ({rows}, 2)"
            );
        }
        // A (1, 1) kernel with the largest dilation on both axes: a pointwise convolution.
        let w = counting(&[1, 2, 1, 1]);
        let got = ts::conv2d(
            &x,
            &w,
            Conv2d {
                dilation: [usize::MAX, usize::MAX],
                ..Conv2d::default()
            },
        )?;
        let want = ts::conv2d(&x, &w, Conv2d::default())?;
        assert_eq!(got.to_vec::<f32>()?, want.to_vec::<f32>()?);
        // By hand: x[0,0,i,j] * 1 + x[0,1,i,j] * 2 = (k + 1) + 2 * (k + 13) at position k.
        let by_hand: Vec<f32> = (0..12).map(|k| (k + 1 + 2 * (k + 13)) as f32).collect();
        assert_eq!(got.to_vec::<f32>()?, by_hand);
        // max_pool2d with a (1, 2) window and the largest dilation along the rows.
        let pool = Pool2d {
            stride: Some([1, 1]),
            ..Pool2d::new([1, 2])
        };
        let want = ts::max_pool2d(&x, pool)?;
        let got = ts::max_pool2d(
            &x,
            Pool2d {
                dilation: [usize::MAX, 1],
                ..pool
            },
        )?;
        assert_eq!(got.to_vec::<f32>()?, want.to_vec::<f32>()?);
        // By hand: each output is the right one of two neighbours, x[.., i, j + 1].
        let by_hand: Vec<f32> = (0..24)
            .filter(|k| k % 4 != 3)
            .map(|k| (k + 2) as f32)
            .collect();
        assert_eq!(want.to_vec::<f32>()?, by_hand);
        Ok(())
    });
}

/// A pool's padding is at most half its kernel so that no window lies in the padding alone; an
/// input with no rows or columns would have only such windows, and is refused (an empty
/// result, from a batch or channel size 0, is not).
pub fn pools_refuse_a_zero_spatial_input(backend: &str) {
    on_backend(backend, || {
        let x = Tensor::from_slice::<f32>(&[], &[1, 1, 0, 4])?;
        let win = Pool2d {
            padding: [1, 1],
            ..Pool2d::new([2, 2])
        };
        for (name, r) in [
            ("max_pool2d", ts::max_pool2d(&x, win)),
            ("avg_pool2d", ts::avg_pool2d(&x, win)),
        ] {
            let e = r.unwrap_err();
            assert!(
                matches!(e, Error::InvalidShape { .. }),
                "{name} of shape (1, 1, 0, 4): {e}"
            );
        }
        let x = Tensor::from_slice::<f32>(&[], &[0, 2, 4, 4])?;
        let y = ts::max_pool2d(&x, Pool2d::new([2, 2]))?;
        assert_eq!(y.shape(), [0, 2, 2, 2]);
        Ok(())
    });
}
