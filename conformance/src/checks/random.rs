//! `tensorswitch::random` gives the same bits on every backend: each sampler, for every dtype
//! it offers, on the backend under test against the ndarray backend (the reference, which
//! must be linked). float16 and bfloat16, which ndarray lacks, are checked against the
//! backend's own rounding of ndarray's float32 samples (its `astype`), which is independent of
//! the core's rounding code.
use tensorswitch::random::{self, Key};
use tensorswitch::{self as ts, DType, Error, HostData, Result, Tensor};

const SHAPE: &[usize] = &[3, 67];
const REFERENCE: &str = "ndarray";

/// The elements' bit patterns (float32 and float64 as their bits, integers as values).
fn bits(x: &Tensor) -> Vec<u64> {
    match ts::to_host(x).unwrap() {
        HostData::Bool(v) => v.into_iter().map(u64::from).collect(),
        HostData::Int8(v) => v.into_iter().map(|e| e as u64).collect(),
        HostData::Int16(v) => v.into_iter().map(|e| e as u64).collect(),
        HostData::Int32(v) => v.into_iter().map(|e| e as u64).collect(),
        HostData::Int64(v) => v.into_iter().map(|e| e as u64).collect(),
        HostData::UInt8(v) => v.into_iter().map(u64::from).collect(),
        HostData::UInt16(v) => v.into_iter().map(u64::from).collect(),
        HostData::UInt32(v) => v.into_iter().map(u64::from).collect(),
        HostData::UInt64(v) => v,
        HostData::Float32(v) => v.into_iter().map(|e| u64::from(e.to_bits())).collect(),
        HostData::Float64(v) => v.into_iter().map(f64::to_bits).collect(),
    }
}

fn on<R>(backend: &str, f: impl FnOnce() -> Result<R>) -> Result<R> {
    ts::with_backend(backend, f).unwrap()
}

/// Runs `sample` on the backend and on the reference; the same dtype, shape, backend and bits.
/// A dtype the backend lacks must be refused as such.
fn same_as_reference(backend: &str, what: &str, sample: impl Fn() -> Result<Tensor>) {
    let want = on(REFERENCE, &sample).unwrap();
    if !supports(backend, want.dtype()) {
        let e = on(backend, &sample).unwrap_err();
        assert!(matches!(e, Error::UnsupportedDType { .. }), "{what}: {e}");
        return;
    }
    let got = on(backend, &sample).unwrap_or_else(|e| panic!("{what} on {backend}: {e}"));
    assert_eq!(got.backend(), backend, "{what}");
    assert_eq!(
        (got.dtype(), got.shape()),
        (want.dtype(), want.shape()),
        "{what}"
    );
    assert_eq!(
        bits(&got),
        bits(&want),
        "{what}: {backend} differs from {REFERENCE}"
    );
}

fn supports(backend: &str, dtype: DType) -> bool {
    !ts::function_table_report(backend)
        .unwrap()
        .unsupported_dtypes
        .contains(&dtype)
}

/// For float16 or bfloat16: the backend's samples, widened to float32, against the backend's
/// own rounding of the reference's float32 samples (`skip` tells which elements a sampler
/// may change after rounding: uniform's samples that round up to `high`).
fn half_as_rounded_float32(
    backend: &str,
    dtype: DType,
    what: &str,
    sample: impl Fn(DType) -> Result<Tensor>,
    skip: impl Fn(f32) -> bool,
) {
    if !supports(backend, dtype) {
        let e = on(backend, || sample(dtype)).unwrap_err();
        assert!(matches!(e, Error::UnsupportedDType { .. }), "{what}: {e}");
        return;
    }
    let got = on(backend, || ts::astype(&sample(dtype)?, DType::Float32)).unwrap();
    let f32s = on(REFERENCE, || sample(DType::Float32)).unwrap();
    let rounded = on(backend, || {
        let x = ts::to_backend(&f32s, backend)?;
        ts::astype(&ts::astype(&x, dtype)?, DType::Float32)
    })
    .unwrap();
    let (got, want) = (
        got.to_vec::<f32>().unwrap(),
        rounded.to_vec::<f32>().unwrap(),
    );
    let mut compared = 0;
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        if skip(*w) {
            continue;
        }
        compared += 1;
        assert_eq!(g.to_bits(), w.to_bits(), "{what}: element {i}: {g} vs {w}");
    }
    assert!(
        compared > got.len() / 2,
        "{what}: too few elements compared"
    );
}

pub fn normal_is_bit_identical_for_every_float_dtype(backend: &str) {
    let key = Key::new(20261129);
    for dtype in [DType::Float32, DType::Float64] {
        same_as_reference(backend, &format!("normal {dtype}"), || {
            random::normal(&key, SHAPE, dtype)
        });
    }
    for dtype in [DType::Float16, DType::BFloat16] {
        half_as_rounded_float32(
            backend,
            dtype,
            &format!("normal {dtype}"),
            |d| random::normal(&key, SHAPE, d),
            |_| false,
        );
    }
}

pub fn uniform_is_bit_identical_for_every_float_dtype(backend: &str) {
    let key = Key::new(7).fold_in(3);
    for dtype in [DType::Float32, DType::Float64] {
        same_as_reference(backend, &format!("uniform {dtype}"), || {
            random::uniform(&key, SHAPE, -2.5, 4.0, dtype)
        });
    }
    for dtype in [DType::Float16, DType::BFloat16] {
        half_as_rounded_float32(
            backend,
            dtype,
            &format!("uniform {dtype}"),
            |d| random::uniform(&key, SHAPE, -2.5, 4.0, d),
            |w| w >= 4.0,
        );
        // Every sample stays below high, also after rounding.
        if supports(backend, dtype) {
            let x = on(backend, || {
                ts::astype(
                    &random::uniform(&key, SHAPE, -2.5, 4.0, dtype)?,
                    DType::Float32,
                )
            })
            .unwrap();
            assert!(x
                .to_vec::<f32>()
                .unwrap()
                .iter()
                .all(|v| (-2.5..4.0).contains(v)));
        }
    }
}

pub fn integers_are_bit_identical_for_every_integer_dtype(backend: &str) {
    let key = Key::new(u64::MAX).split(3)[2];
    for dtype in [
        DType::Int8,
        DType::Int16,
        DType::Int32,
        DType::Int64,
        DType::UInt8,
        DType::UInt16,
        DType::UInt32,
        DType::UInt64,
    ] {
        let (low, high) = if dtype.name().starts_with('u') {
            (0, 200)
        } else {
            (-100, 100)
        };
        same_as_reference(backend, &format!("integers {dtype}"), || {
            random::integers(&key, SHAPE, low, high, dtype)
        });
    }
    // The full ranges of the 64-bit dtypes.
    same_as_reference(backend, "integers int64 full range", || {
        random::integers(
            &key,
            SHAPE,
            i64::MIN.into(),
            i128::from(i64::MAX) + 1,
            DType::Int64,
        )
    });
    same_as_reference(backend, "integers uint64 full range", || {
        random::integers(&key, SHAPE, 0, i128::from(u64::MAX) + 1, DType::UInt64)
    });
}

pub fn bernoulli_and_permutation_are_bit_identical(backend: &str) {
    let key = Key::new(99);
    for p in [0.0, 0.3, 1.0] {
        same_as_reference(backend, &format!("bernoulli {p}"), || {
            random::bernoulli(&key, p, SHAPE)
        });
    }
    for n in [0, 1, 2, 257] {
        same_as_reference(backend, &format!("permutation {n}"), || {
            random::permutation(&key, n)
        });
    }
}
