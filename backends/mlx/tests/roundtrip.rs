//! `to_backend` between mlx and the other backends is exact for every dtype both support: a
//! tensor made on one backend, converted to the other and back, keeps its dtype, its shape and
//! the bit pattern of every element (-0.0, NaN payloads, infinities, subnormals, the extreme
//! floats and integers, both bools). 0-d, empty, 3-d and non-contiguous (permuted, flipped)
//! tensors are covered, as are lazy mlx results (the conversion evaluates them).
//!
//! ndarray has every dtype but float16 and bfloat16; torch (feature `torch`) lacks uint16,
//! uint32 and uint64, which it refuses with `UnsupportedDType`. float16 and bfloat16 (mlx and
//! torch) have no host element type: they are made with `astype` from float32 values they hold
//! exactly, and compared by converting back to float32 on each side.

use std::sync::{Mutex, MutexGuard};
use tensorswitch::{self as ts, DType, Element, Error, Tensor};
use tensorswitch_mlx as _;
use tensorswitch_ndarray as _;
#[cfg(feature = "torch")]
use tensorswitch_tch as _;

/// One test at a time: `lazy_mlx_results_evaluate_in_the_conversion` counts the evaluations of
/// the whole process.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// An element type with its bit pattern and the values worth checking.
trait Bits: Element {
    fn bits(self) -> u64;
    /// Values whose bits a conversion could change: extremes, signed zeros, NaNs, subnormals.
    fn specials() -> Vec<Self>;
}

macro_rules! int_bits {
    ($($t:ty => $u:ty),*) => {$(
        impl Bits for $t {
            fn bits(self) -> u64 {
                self as $u as u64
            }
            fn specials() -> Vec<$t> {
                // The extremes, their neighbours, 0, ±1, and alternating bit patterns.
                let alt = <$t>::from_ne_bytes([0x55; std::mem::size_of::<$t>()]);
                let alt2 = <$t>::from_ne_bytes([0xAA; std::mem::size_of::<$t>()]);
                let mut v = vec![<$t>::MIN, <$t>::MIN + 1, 0, 1, <$t>::MAX - 1, <$t>::MAX, alt, alt2];
                if <$t>::MIN != 0 {
                    v.push((0 as $t).wrapping_sub(1));
                }
                v
            }
        }
    )*};
}
int_bits!(i8 => u8, i16 => u16, i32 => u32, i64 => u64, u8 => u8, u16 => u16, u32 => u32, u64 => u64);

impl Bits for bool {
    fn bits(self) -> u64 {
        self as u64
    }
    fn specials() -> Vec<bool> {
        vec![false, true, true, false]
    }
}

impl Bits for f32 {
    fn bits(self) -> u64 {
        self.to_bits().into()
    }
    fn specials() -> Vec<f32> {
        [
            0x0000_0000, // 0.0
            0x8000_0000, // -0.0
            0x3F80_0000, // 1.0
            0xBFC0_0000, // -1.5
            0x3DCC_CCCD, // 0.1 (rounded)
            0x7F7F_FFFF, // f32::MAX
            0xFF7F_FFFF, // f32::MIN
            0x0080_0000, // f32::MIN_POSITIVE
            0x8080_0000, // -f32::MIN_POSITIVE
            0x0000_0001, // the smallest subnormal
            0x007F_FFFF, // the largest subnormal
            0x8000_0001, // the smallest negative subnormal
            0x7F80_0000, // +inf
            0xFF80_0000, // -inf
            0x7FC0_0000, // NaN
            0xFFC0_0000, // NaN with the sign bit
            0x7FC0_1234, // quiet NaN with a payload
            0x7F80_0001, // signalling NaN
        ]
        .into_iter()
        .map(f32::from_bits)
        .collect()
    }
}

impl Bits for f64 {
    fn bits(self) -> u64 {
        self.to_bits()
    }
    fn specials() -> Vec<f64> {
        [
            0x0000_0000_0000_0000, // 0.0
            0x8000_0000_0000_0000, // -0.0
            0x3FF0_0000_0000_0000, // 1.0
            0xBFF8_0000_0000_0000, // -1.5
            0x3FB9_9999_9999_999A, // 0.1 (rounded; not a float32)
            0x7FEF_FFFF_FFFF_FFFF, // f64::MAX
            0xFFEF_FFFF_FFFF_FFFF, // f64::MIN
            0x0010_0000_0000_0000, // f64::MIN_POSITIVE
            0x0000_0000_0000_0001, // the smallest subnormal
            0x000F_FFFF_FFFF_FFFF, // the largest subnormal
            0x8000_0000_0000_0001, // the smallest negative subnormal
            0x7FF0_0000_0000_0000, // +inf
            0xFFF0_0000_0000_0000, // -inf
            0x7FF8_0000_0000_0000, // NaN
            0xFFF8_0000_0000_0000, // NaN with the sign bit
            0x7FF8_0000_DEAD_BEEF, // quiet NaN with a payload
            0x7FF0_0000_0000_0001, // signalling NaN
            0x4340_0000_0000_0001, // 2^53 + 2: beyond float32 and integer-exact float64
        ]
        .into_iter()
        .map(f64::from_bits)
        .collect()
    }
}

/// `n` values: the specials, repeated.
fn values<T: Bits>(n: usize) -> Vec<T> {
    T::specials().into_iter().cycle().take(n).collect()
}

fn on<R>(backend: &str, f: impl FnOnce() -> ts::Result<R>) -> R {
    ts::with_backend(backend, f)
        .unwrap_or_else(|e| panic!("backend {backend}: {e}"))
        .unwrap_or_else(|e| panic!("on {backend}: {e}"))
}

/// A tensor on `backend` together with the row-major values and the shape it must have.
struct Case<T> {
    what: &'static str,
    tensor: Tensor,
    expected: Vec<T>,
    shape: Vec<usize>,
}

/// 0-d, 1-d with every special, empty (two shapes), 3-d, permuted 3-d (not contiguous), and
/// flipped 1-d, made on `backend`. The expected values of the views are derived by index here.
fn cases<T: Bits>(backend: &str) -> Vec<Case<T>> {
    let make = |data: &[T], shape: &[usize]| on(backend, || Tensor::from_slice(data, shape));
    let mut out = Vec::new();
    let mut plain = |what, data: Vec<T>, shape: Vec<usize>| {
        out.push(Case {
            what,
            tensor: make(&data, &shape),
            expected: data,
            shape,
        })
    };
    let n = T::specials().len();
    plain("0-d", values(1), vec![]);
    plain("1-d", values(n), vec![n]);
    plain("empty", vec![], vec![0]);
    plain("empty 3-d", vec![], vec![2, 0, 3]);
    plain("3-d", values(24), vec![2, 3, 4]);

    // permute_dims(x, [2, 0, 1]) of x with shape [2, 3, 4]: y[i][j][k] = x[j][k][i], shape
    // [4, 2, 3]; x's row-major index of (j, k, i) is j·12 + k·4 + i.
    let x: Vec<T> = values(24);
    let t = make(&x, &[2, 3, 4]);
    let permuted = on(backend, || ts::permute_dims(&t, [2, 0, 1]));
    let mut expected = Vec::new();
    for i in 0..4 {
        for j in 0..2 {
            for k in 0..3 {
                expected.push(x[j * 12 + k * 4 + i]);
            }
        }
    }
    out.push(Case {
        what: "permuted 3-d",
        tensor: permuted,
        expected,
        shape: vec![4, 2, 3],
    });

    // flip of a 1-d tensor: the values reversed.
    let x: Vec<T> = values(n);
    let t = make(&x, &[n]);
    out.push(Case {
        what: "flipped 1-d",
        tensor: on(backend, || ts::flip(&t, None)),
        expected: x.iter().rev().copied().collect(),
        shape: vec![n],
    });
    out
}

fn assert_exact<T: Bits>(t: &Tensor, backend: &str, expected: &[T], shape: &[usize], what: &str) {
    let ctx = format!("{} {what} on {backend}", T::DTYPE);
    assert_eq!(t.backend(), backend, "{ctx}");
    assert_eq!(t.dtype(), T::DTYPE, "{ctx}");
    assert_eq!(t.shape(), shape, "{ctx}");
    let got: Vec<u64> = t
        .to_vec::<T>()
        .unwrap_or_else(|e| panic!("{ctx}: {e}"))
        .into_iter()
        .map(Bits::bits)
        .collect();
    let want: Vec<u64> = expected.iter().map(|&v| v.bits()).collect();
    assert_eq!(got, want, "{ctx}: bit patterns");
}

/// Every case made on `from`, converted to `to` and back to `from`, bit for bit.
fn round_trip<T: Bits>(from: &str, to: &str) {
    for case in cases::<T>(from) {
        let there = ts::to_backend(&case.tensor, to)
            .unwrap_or_else(|e| panic!("{} {} {from} -> {to}: {e}", T::DTYPE, case.what));
        assert_exact(&there, to, &case.expected, &case.shape, case.what);
        let back = ts::to_backend(&there, from)
            .unwrap_or_else(|e| panic!("{} {} {to} -> {from}: {e}", T::DTYPE, case.what));
        assert_exact(&back, from, &case.expected, &case.shape, case.what);
    }
}

/// Both directions between `a` and `b`.
fn both_ways<T: Bits>(a: &str, b: &str) {
    round_trip::<T>(a, b);
    round_trip::<T>(b, a);
}

#[test]
fn every_host_dtype_round_trips_exactly_with_ndarray() {
    let _g = serial();
    both_ways::<bool>("mlx", "ndarray");
    both_ways::<i8>("mlx", "ndarray");
    both_ways::<i16>("mlx", "ndarray");
    both_ways::<i32>("mlx", "ndarray");
    both_ways::<i64>("mlx", "ndarray");
    both_ways::<u8>("mlx", "ndarray");
    both_ways::<u16>("mlx", "ndarray");
    both_ways::<u32>("mlx", "ndarray");
    both_ways::<u64>("mlx", "ndarray");
    both_ways::<f32>("mlx", "ndarray");
    both_ways::<f64>("mlx", "ndarray");
}

/// ndarray has no float16 or bfloat16: converting them there is refused, naming the dtype.
#[test]
fn half_precision_is_refused_by_ndarray() {
    let _g = serial();
    for dtype in [DType::Float16, DType::BFloat16] {
        let h = on("mlx", || {
            ts::astype(&Tensor::from_slice(&[1.0f32], &[1])?, dtype)
        });
        assert_unsupported(ts::to_backend(&h, "ndarray"), dtype, "ndarray");
    }
}

fn assert_unsupported(result: ts::Result<Tensor>, dtype: DType, backend: &str) {
    let err = result.expect_err("the dtype is unsupported there");
    assert!(
        matches!(&err, Error::UnsupportedDType { dtype: d, backend: b, .. } if *d == dtype && b == backend),
        "{err:?}"
    );
    assert!(err.to_string().contains(&dtype.to_string()), "{err}");
}

/// A chain of lazy mlx ops (nothing computed yet) converts to the value the chain defines: the
/// conversion evaluates it, once.
#[test]
fn lazy_mlx_results_evaluate_in_the_conversion() {
    let _g = serial();
    // x = [[1, 2, 3], [4, 5, 6]]; y = (x + x)·x = 2x² = [[2, 8, 18], [32, 50, 72]];
    // permute_dims(y, [1, 0]) = [[2, 32], [8, 50], [18, 72]]; flipped on both axes:
    // [[72, 18], [50, 8], [32, 2]]; negated.
    let x = on("mlx", || {
        Tensor::from_slice(&[1i32, 2, 3, 4, 5, 6], &[2, 3])
    });
    let before = tensorswitch_mlx::evaluations();
    let y = ts::multiply(&ts::add(&x, &x).unwrap(), &x).unwrap();
    let z = ts::negative(&ts::flip(&ts::permute_dims(&y, [1, 0]).unwrap(), None).unwrap()).unwrap();
    let f = ts::multiply(
        &ts::astype(&z, DType::Float64).unwrap(),
        &on("mlx", || Tensor::from_slice(&[0.5f64], &[])),
    )
    .unwrap();
    assert_eq!(
        tensorswitch_mlx::evaluations(),
        before,
        "nothing evaluated yet"
    );

    let moved = ts::to_backend(&z, "ndarray").unwrap();
    assert_eq!(
        tensorswitch_mlx::evaluations(),
        before + 1,
        "the conversion evaluated the chain once"
    );
    assert_exact(
        &moved,
        "ndarray",
        &[-72i32, -18, -50, -8, -32, -2],
        &[3, 2],
        "lazy chain",
    );
    let halved = ts::to_backend(&f, "ndarray").unwrap();
    assert_exact(
        &halved,
        "ndarray",
        &[-36.0f64, -9.0, -25.0, -4.0, -16.0, -1.0],
        &[3, 2],
        "lazy chain",
    );

    #[cfg(feature = "torch")]
    {
        let w = ts::square(&z).unwrap();
        let moved = ts::to_backend(&w, "torch").unwrap();
        assert_exact(
            &moved,
            "torch",
            &[5184i32, 324, 2500, 64, 1024, 4],
            &[3, 2],
            "lazy chain",
        );
    }
}

#[cfg(feature = "torch")]
mod torch {
    use super::*;

    #[test]
    fn every_shared_dtype_round_trips_exactly_with_torch() {
        let _g = serial();
        both_ways::<bool>("mlx", "torch");
        both_ways::<i8>("mlx", "torch");
        both_ways::<i16>("mlx", "torch");
        both_ways::<i32>("mlx", "torch");
        both_ways::<i64>("mlx", "torch");
        both_ways::<u8>("mlx", "torch");
        both_ways::<f32>("mlx", "torch");
        both_ways::<f64>("mlx", "torch");
    }

    /// torch declares uint16, uint32 and uint64 unsupported: converting mlx tensors of those
    /// dtypes there is an UnsupportedDType error naming the dtype and torch.
    #[test]
    fn unsigned_wide_integers_are_refused_by_torch() {
        let _g = serial();
        let cases = [
            on("mlx", || Tensor::from_slice(&[u16::MAX], &[1])),
            on("mlx", || Tensor::from_slice(&[u32::MAX, 0], &[2])),
            on("mlx", || Tensor::from_slice(&[u64::MAX], &[])),
        ];
        for (t, dtype) in cases
            .iter()
            .zip([DType::UInt16, DType::UInt32, DType::UInt64])
        {
            assert_unsupported(ts::to_backend(t, "torch"), dtype, "torch");
        }
    }

    /// float32 bit patterns that float16 holds exactly (hand-derived).
    const FLOAT16_EXACT: [u32; 13] = [
        0x0000_0000, // 0.0
        0x8000_0000, // -0.0
        0x3F80_0000, // 1.0
        0xC020_0000, // -2.5
        0x477F_E000, // 65504, float16's largest
        0xC77F_E000, // -65504
        0x3880_0000, // 2^-14, float16's smallest normal
        0x3380_0000, // 2^-24, float16's smallest subnormal
        0x387F_C000, // 2^-14 - 2^-24, float16's largest subnormal
        0x3EAA_A000, // 0x3555 = 0.333251953125, float16's nearest to 1/3
        0x7F80_0000, // +inf
        0xFF80_0000, // -inf
        0x7FC0_0000, // NaN
    ];

    /// float32 bit patterns that bfloat16 holds exactly: the low 16 bits are zero.
    const BFLOAT16_EXACT: [u32; 13] = [
        0x0000_0000, // 0.0
        0x8000_0000, // -0.0
        0x3F80_0000, // 1.0
        0xC020_0000, // -2.5
        0x7F7F_0000, // bfloat16's largest, 3.3895314e38
        0xFF7F_0000, // its negative
        0x0080_0000, // 2^-126, the smallest normal
        0x0001_0000, // 2^-133, the smallest subnormal
        0x007F_0000, // the largest subnormal
        0x3EAB_0000, // 0.333984375, bfloat16's nearest to 1/3
        0x7F80_0000, // +inf
        0xFF80_0000, // -inf
        0x7FC0_0000, // NaN
    ];

    /// The float32 bit patterns of a float16/bfloat16 tensor, converted with astype on its own
    /// backend (no stack is set in this binary, so astype runs where the tensor lives).
    fn float32_bits(t: &Tensor) -> Vec<u32> {
        ts::astype(t, DType::Float32)
            .and_then(|t| t.to_vec::<f32>())
            .unwrap_or_else(|e| panic!("{} on {} to float32: {e}", t.dtype(), t.backend()))
            .into_iter()
            .map(f32::to_bits)
            .collect()
    }

    /// `got` has the bit patterns `want` has, except that a NaN only has to be a NaN: the bits
    /// of a half-precision NaN are each framework's own. MLX makes float32's NaN float16
    /// 0x7D00 (read back as 0x7FE00000) and bfloat16 0x7FC0 (dropping the sign); libtorch makes
    /// it float16 0x7E00 and bfloat16 0xFFFF, which it widens to 0x7FFFFFFF and 0xFFFF0000.
    fn same_values(got: &[u32], want: &[u32], ctx: &str) {
        assert_eq!(got.len(), want.len(), "{ctx}");
        for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
            if f32::from_bits(w).is_nan() {
                assert!(
                    f32::from_bits(g).is_nan(),
                    "{ctx}: element {i} is {g:#010x}, not NaN"
                );
            } else {
                assert_eq!(g, w, "{ctx}: element {i}: {g:#010x} instead of {w:#010x}");
            }
        }
    }

    /// float16 and bfloat16 tensors made on one backend (0-d, 1-d, flipped), converted to the
    /// other and back: the float32 values on each side are the original bit patterns.
    #[test]
    fn half_precision_round_trips_exactly_with_torch() {
        let _g = serial();
        for (dtype, exact) in [
            (DType::Float16, FLOAT16_EXACT),
            (DType::BFloat16, BFLOAT16_EXACT),
        ] {
            let values: Vec<f32> = exact.iter().map(|&b| f32::from_bits(b)).collect();
            for (from, to) in [("mlx", "torch"), ("torch", "mlx")] {
                let make = |data: &[f32], shape: &[usize]| {
                    on(from, || {
                        ts::astype(&Tensor::from_slice(data, shape)?, dtype)
                    })
                };
                let h = make(&values, &[values.len()]);
                // The values are exact in the dtype: astype there and back changes no bit.
                same_values(&float32_bits(&h), &exact, &format!("{dtype} on {from}"));
                let reversed: Vec<u32> = exact.iter().rev().copied().collect();
                let cases = [
                    ("1-d", h.clone(), exact.to_vec(), vec![exact.len()]),
                    ("0-d", make(&values[3..4], &[]), vec![exact[3]], vec![]),
                    (
                        "flipped",
                        on(from, || ts::flip(&h, None)),
                        reversed,
                        vec![exact.len()],
                    ),
                ];
                for (what, t, want, shape) in cases {
                    let ctx = format!("{dtype} {what} {from} -> {to}");
                    let there = ts::to_backend(&t, to).unwrap_or_else(|e| panic!("{ctx}: {e}"));
                    assert_eq!(
                        (there.backend(), there.dtype(), there.shape()),
                        (to, dtype, &shape[..]),
                        "{ctx}"
                    );
                    same_values(&float32_bits(&there), &want, &ctx);
                    let back = ts::to_backend(&there, from)
                        .unwrap_or_else(|e| panic!("{ctx} and back: {e}"));
                    assert_eq!(
                        (back.backend(), back.dtype(), back.shape()),
                        (from, dtype, &shape[..]),
                        "{ctx} and back"
                    );
                    same_values(&float32_bits(&back), &want, &format!("{ctx} and back"));
                }
            }
        }
    }
}
