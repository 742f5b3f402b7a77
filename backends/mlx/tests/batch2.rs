//! The MLX primaries of `bitwise_and`, `bitwise_or`, `bitwise_xor`, `bitwise_invert`,
//! `count_nonzero`, `zeros_like`, `ones_like` and `moveaxis`, against hand-derived results, beyond the checks every backend runs (conformance/src/checks/; they also check that these ops are MLX primaries).

use tensorswitch::{self as ts, DType, Reduction, Tensor};
use tensorswitch_mlx as _; // registers "mlx"

fn on_mlx<R>(f: impl FnOnce() -> R) -> R {
    ts::with_backend("mlx", f).expect("the mlx backend is available")
}

fn i64s(t: &Tensor) -> Vec<i64> {
    assert_eq!(t.dtype(), DType::Int64);
    t.to_vec::<i64>().expect("int64 data")
}

#[test]
fn bitwise_int8() {
    on_mlx(|| {
        let a = Tensor::from_slice(&[6i8, 6, -128, 0, 127, -1], &[6]).unwrap();
        let b = Tensor::from_slice(&[-1i8, 3, -1, 5, -128, 1], &[6]).unwrap();
        let and = ts::bitwise_and(&a, &b).unwrap();
        assert_eq!(and.dtype(), DType::Int8);
        // 6&-1=6, 0b110&0b011=2, -128&-1=-128, 0&5=0, 127&-128=0, -1&1=1
        assert_eq!(and.to_vec::<i8>().unwrap(), [6, 2, -128, 0, 0, 1]);
        // 6|-1=-1, 6|3=7, -128|-1=-1, 0|5=5, 127|-128=-1, -1|1=-1
        let or = ts::bitwise_or(&a, &b).unwrap();
        assert_eq!(or.to_vec::<i8>().unwrap(), [-1, 7, -1, 5, -1, -1]);
        // 6^-1=-7, 6^3=5, -128^-1=127, 0^5=5, 127^-128=-1, -1^1=-2
        let xor = ts::bitwise_xor(&a, &b).unwrap();
        assert_eq!(xor.to_vec::<i8>().unwrap(), [-7, 5, 127, 5, -1, -2]);
        // !x = -x - 1: !6=-7, !6=-7, !-128=127, !0=-1, !127=-128, !-1=0
        let inv = ts::bitwise_invert(&a).unwrap();
        assert_eq!(inv.dtype(), DType::Int8);
        assert_eq!(inv.to_vec::<i8>().unwrap(), [-7, -7, 127, -1, -128, 0]);
    });
}

#[test]
fn bitwise_uint8() {
    on_mlx(|| {
        let a = Tensor::from_slice(&[0u8, 255, 0b1010_1010, 1], &[4]).unwrap();
        let b = Tensor::from_slice(&[255u8, 15, 0b0101_0101, 1], &[4]).unwrap();
        let inv = ts::bitwise_invert(&a).unwrap();
        assert_eq!(inv.dtype(), DType::UInt8);
        assert_eq!(inv.to_vec::<u8>().unwrap(), [255, 0, 0b0101_0101, 254]);
        assert_eq!(
            ts::bitwise_and(&a, &b).unwrap().to_vec::<u8>().unwrap(),
            [0, 15, 0, 1]
        );
        assert_eq!(
            ts::bitwise_or(&a, &b).unwrap().to_vec::<u8>().unwrap(),
            [255, 255, 255, 1]
        );
        assert_eq!(
            ts::bitwise_xor(&a, &b).unwrap().to_vec::<u8>().unwrap(),
            [255, 240, 255, 0]
        );
    });
}

#[test]
fn bitwise_int32_broadcasts() {
    on_mlx(|| {
        // [2, 1] against [3]: a [2, 3] result.
        let a = Tensor::from_slice(&[12i32, -1], &[2, 1]).unwrap();
        let b = Tensor::from_slice(&[10i32, 5, 0x7fff_ffff], &[3]).unwrap();
        let and = ts::bitwise_and(&a, &b).unwrap();
        assert_eq!(and.dtype(), DType::Int32);
        assert_eq!(and.shape(), &[2, 3]);
        // 12=0b1100: &10=8, &5=4, &MAX=12; -1 & y = y
        assert_eq!(and.to_vec::<i32>().unwrap(), [8, 4, 12, 10, 5, 0x7fff_ffff]);
        // 12|10=14, 12|5=13, 12|MAX=MAX; -1 | y = -1
        let or = ts::bitwise_or(&a, &b).unwrap();
        assert_eq!(or.shape(), &[2, 3]);
        assert_eq!(
            or.to_vec::<i32>().unwrap(),
            [14, 13, 0x7fff_ffff, -1, -1, -1]
        );
        // 12^10=6, 12^5=9, 12^MAX=MAX-12; -1 ^ y = !y = -y-1
        let xor = ts::bitwise_xor(&a, &b).unwrap();
        assert_eq!(
            xor.to_vec::<i32>().unwrap(),
            [6, 9, 0x7fff_ffff - 12, -11, -6, i32::MIN]
        );
        let inv = ts::bitwise_invert(&a).unwrap();
        assert_eq!(inv.shape(), &[2, 1]);
        assert_eq!(inv.to_vec::<i32>().unwrap(), [-13, 0]);
    });
}

#[test]
fn bitwise_bool_is_logical() {
    on_mlx(|| {
        let a = Tensor::from_slice(&[false, false, true, true], &[4]).unwrap();
        let b = Tensor::from_slice(&[false, true, false, true], &[4]).unwrap();
        let bools = |t: Tensor| {
            assert_eq!(t.dtype(), DType::Bool);
            t.to_vec::<bool>().unwrap()
        };
        assert_eq!(
            bools(ts::bitwise_and(&a, &b).unwrap()),
            [false, false, false, true]
        );
        assert_eq!(
            bools(ts::bitwise_or(&a, &b).unwrap()),
            [false, true, true, true]
        );
        assert_eq!(
            bools(ts::bitwise_xor(&a, &b).unwrap()),
            [false, true, true, false]
        );
        assert_eq!(
            bools(ts::bitwise_invert(&a).unwrap()),
            [true, true, false, false]
        );
        // broadcast: a 0-d true against [4]
        let t = Tensor::scalar(true).unwrap();
        assert_eq!(
            bools(ts::bitwise_xor(&t, &b).unwrap()),
            [true, false, true, false]
        );
    });
}

#[test]
fn bitwise_zero_size() {
    on_mlx(|| {
        let a = Tensor::from_slice::<i16>(&[], &[3, 0]).unwrap();
        let b = Tensor::from_slice(&[1i16, 2, 3], &[3, 1]).unwrap();
        let and = ts::bitwise_and(&a, &b).unwrap();
        assert_eq!(and.shape(), &[3, 0]);
        assert_eq!(and.to_vec::<i16>().unwrap(), Vec::<i16>::new());
        let inv = ts::bitwise_invert(&a).unwrap();
        assert_eq!(inv.shape(), &[3, 0]);
        assert_eq!(inv.dtype(), DType::Int16);
    });
}

#[test]
fn count_nonzero_axes_and_keepdims() {
    on_mlx(|| {
        // [[0, 3, 0], [1, 2, 0]]
        let x = Tensor::from_slice(&[0i32, 3, 0, 1, 2, 0], &[2, 3]).unwrap();
        let all = ts::count_nonzero(&x, None).unwrap();
        assert_eq!(all.shape(), &[] as &[usize]);
        assert_eq!(i64s(&all), [3]);
        let c = ts::count_nonzero(&x, 1).unwrap();
        assert_eq!(c.shape(), &[2]);
        assert_eq!(i64s(&c), [1, 2]);
        let c = ts::count_nonzero(&x, 0).unwrap();
        assert_eq!(i64s(&c), [1, 2, 0]);
        let c = ts::count_nonzero(&x, Reduction::over(1).keepdims(true)).unwrap();
        assert_eq!(c.shape(), &[2, 1]);
        assert_eq!(i64s(&c), [1, 2]);
        let c = ts::count_nonzero(&x, Reduction::over(None).keepdims(true)).unwrap();
        assert_eq!(c.shape(), &[1, 1]);
        assert_eq!(i64s(&c), [3]);
        // no axes: each element counted on its own
        let c = ts::count_nonzero(&x, Vec::<isize>::new()).unwrap();
        assert_eq!(c.shape(), &[2, 3]);
        assert_eq!(i64s(&c), [0, 1, 0, 1, 1, 0]);
    });
}

#[test]
fn count_nonzero_zero_size() {
    on_mlx(|| {
        let z = Tensor::from_slice::<f32>(&[], &[2, 0]).unwrap();
        let c = ts::count_nonzero(&z, 1).unwrap();
        assert_eq!(c.shape(), &[2]);
        assert_eq!(i64s(&c), [0, 0]);
        let c = ts::count_nonzero(&z, Reduction::over(1).keepdims(true)).unwrap();
        assert_eq!(c.shape(), &[2, 1]);
        assert_eq!(i64s(&c), [0, 0]);
        assert_eq!(i64s(&ts::count_nonzero(&z, None).unwrap()), [0]);
        let c = ts::count_nonzero(&z, 0).unwrap();
        assert_eq!(c.shape(), &[0]);
        assert_eq!(i64s(&c), Vec::<i64>::new());
    });
}

#[test]
fn count_nonzero_float_nan_and_negative_zero() {
    on_mlx(|| {
        let x = Tensor::from_slice(
            &[f64::NAN, -0.0, 0.0, 1e-320, f64::NEG_INFINITY, -2.5],
            &[6],
        )
        .unwrap();
        // NaN, the subnormal, -inf and -2.5 are nonzero; ±0 are not.
        assert_eq!(i64s(&ts::count_nonzero(&x, None).unwrap()), [4]);
        let y = Tensor::from_slice(&[f32::NAN, -0.0f32, 0.0, 7.0], &[2, 2]).unwrap();
        assert_eq!(i64s(&ts::count_nonzero(&y, 1).unwrap()), [1, 1]);
        let b = Tensor::from_slice(&[true, false, true], &[3]).unwrap();
        assert_eq!(i64s(&ts::count_nonzero(&b, None).unwrap()), [2]);
    });
}

#[test]
fn zeros_like_and_ones_like() {
    on_mlx(|| {
        let x = Tensor::from_slice(&[1.5f32, -2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]).unwrap();
        let z = ts::zeros_like(&x, None).unwrap();
        assert_eq!((z.dtype(), z.shape()), (DType::Float32, &[2usize, 3][..]));
        assert_eq!(z.to_vec::<f32>().unwrap(), [0.0; 6]);
        assert!(z
            .to_vec::<f32>()
            .unwrap()
            .iter()
            .all(|v| v.is_sign_positive()));
        let o = ts::ones_like(&x, None).unwrap();
        assert_eq!(o.dtype(), DType::Float32);
        assert_eq!(o.to_vec::<f32>().unwrap(), [1.0; 6]);

        let z = ts::zeros_like(&x, DType::Int64).unwrap();
        assert_eq!((z.dtype(), z.shape()), (DType::Int64, &[2usize, 3][..]));
        assert_eq!(z.to_vec::<i64>().unwrap(), [0; 6]);
        let o = ts::ones_like(&x, Some(DType::UInt8)).unwrap();
        assert_eq!(o.dtype(), DType::UInt8);
        assert_eq!(o.to_vec::<u8>().unwrap(), [1; 6]);
        let o = ts::ones_like(&x, DType::Bool).unwrap();
        assert_eq!(o.to_vec::<bool>().unwrap(), [true; 6]);
        let z = ts::zeros_like(&x, DType::Bool).unwrap();
        assert_eq!(z.to_vec::<bool>().unwrap(), [false; 6]);
        // float16 has no host type: the value is checked after a conversion.
        let h = ts::ones_like(&x, DType::Float16).unwrap();
        assert_eq!(h.dtype(), DType::Float16);
        let h = ts::astype(&h, DType::Float32).unwrap();
        assert_eq!(h.to_vec::<f32>().unwrap(), [1.0; 6]);

        let e = Tensor::from_slice::<i32>(&[], &[0, 4]).unwrap();
        let z = ts::zeros_like(&e, None).unwrap();
        assert_eq!((z.dtype(), z.shape()), (DType::Int32, &[0usize, 4][..]));
        let s = Tensor::scalar(3i16).unwrap();
        let o = ts::ones_like(&s, None).unwrap();
        assert_eq!(o.shape(), &[] as &[usize]);
        assert_eq!(o.to_vec::<i16>().unwrap(), [1]);
    });
}

#[test]
fn moveaxis_is_a_permutation() {
    on_mlx(|| {
        let data: Vec<i32> = (0..24).collect();
        let x = Tensor::from_slice(&data, &[2, 3, 4]).unwrap();
        let m = ts::moveaxis(&x, 0, -1).unwrap();
        assert_eq!(m.shape(), &[3, 4, 2]);
        let p = ts::permute_dims(&x, vec![1isize, 2, 0]).unwrap();
        assert_eq!(m.to_vec::<i32>().unwrap(), p.to_vec::<i32>().unwrap());
        // m[j, k, i] = x[i, j, k] = 12 i + 4 j + k
        let v = m.to_vec::<i32>().unwrap();
        assert_eq!(&v[..4], &[0, 12, 1, 13]);
        assert_eq!(v[(2 * 4 + 3) * 2 + 1], 12 + 8 + 3);
        // back again
        let back = ts::moveaxis(&m, -1, 0).unwrap();
        assert_eq!(back.shape(), &[2, 3, 4]);
        assert_eq!(back.to_vec::<i32>().unwrap(), data);
    });
}
