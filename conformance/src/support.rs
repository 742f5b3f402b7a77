//! Helpers shared by the backends' tests of dynamic tensors (`backends/*/tests/dynamic.rs`):
//! serialising tests that change the process-wide stack, the dtypes a backend supports, and
//! values worth a round trip with their exact bit patterns.

use std::sync::{Mutex, MutexGuard};
use tensorswitch::{backend_stack, DType, HostData, Tensor};

/// One test at a time, each starting from an empty backend stack.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    let guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    tensorswitch::unset_backend();
    guard
}

/// A 1-dimensional float32 tensor on the backend that runs creation ops now.
pub fn f32s(values: &[f32]) -> Tensor {
    Tensor::from_slice(values, &[values.len()]).expect("from_slice")
}

/// The names on the backend stack, bottom first.
pub fn stack_names() -> Vec<&'static str> {
    backend_stack().iter().map(|b| b.name()).collect()
}

/// Dtypes the named backend supports at its detected version, from its coverage report.
pub fn supported(backend: &str) -> Vec<DType> {
    let report = tensorswitch::function_table_report(backend).expect("the backend is available");
    DType::ALL
        .into_iter()
        .filter(|d| !report.unsupported_dtypes.contains(d))
        .collect()
}

/// Values of `dtype` worth a round trip: extremes, ±0, ±1, NaN (with a payload), ±infinity,
/// subnormals, alternating bit patterns. `None` for dtypes without a host element type.
pub fn specials(dtype: DType) -> Option<HostData> {
    macro_rules! ints {
        ($v:ident, $t:ty) => {{
            let alt = <$t>::from_ne_bytes([0x55; std::mem::size_of::<$t>()]);
            let alt2 = <$t>::from_ne_bytes([0xAA; std::mem::size_of::<$t>()]);
            HostData::$v(vec![
                <$t>::MIN,
                <$t>::MIN + 1,
                0,
                1,
                <$t>::MAX - 1,
                <$t>::MAX,
                alt,
                alt2,
            ])
        }};
    }
    Some(match dtype {
        DType::Bool => HostData::Bool(vec![false, true, true, false, true, false, false, true]),
        DType::Int8 => ints!(Int8, i8),
        DType::Int16 => ints!(Int16, i16),
        DType::Int32 => ints!(Int32, i32),
        DType::Int64 => ints!(Int64, i64),
        DType::UInt8 => ints!(UInt8, u8),
        DType::UInt16 => ints!(UInt16, u16),
        DType::UInt32 => ints!(UInt32, u32),
        DType::UInt64 => ints!(UInt64, u64),
        DType::Float32 => HostData::Float32(vec![
            -0.0,
            0.0,
            f32::from_bits(0x7fc0_1234), // a NaN with a payload
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::MIN_POSITIVE / 4.0, // subnormal
            f32::MAX,
            -1.5,
        ]),
        DType::Float64 => HostData::Float64(vec![
            -0.0,
            0.0,
            f64::from_bits(0x7ff8_0000_dead_beef),
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE / 8.0,
            f64::MIN,
            1e300,
        ]),
        DType::Float16 | DType::BFloat16 => return None,
    })
}

/// The bit pattern of every element (so that NaN payloads and -0.0 compare exactly).
pub fn bits(h: &HostData) -> (DType, Vec<u64>) {
    let v: Vec<u64> = match h {
        HostData::Bool(v) => v.iter().map(|&x| x as u64).collect(),
        HostData::Int8(v) => v.iter().map(|&x| x as u8 as u64).collect(),
        HostData::Int16(v) => v.iter().map(|&x| x as u16 as u64).collect(),
        HostData::Int32(v) => v.iter().map(|&x| x as u32 as u64).collect(),
        HostData::Int64(v) => v.iter().map(|&x| x as u64).collect(),
        HostData::UInt8(v) => v.iter().map(|&x| x as u64).collect(),
        HostData::UInt16(v) => v.iter().map(|&x| x as u64).collect(),
        HostData::UInt32(v) => v.iter().map(|&x| x as u64).collect(),
        HostData::UInt64(v) => v.clone(),
        HostData::Float32(v) => v.iter().map(|&x| x.to_bits() as u64).collect(),
        HostData::Float64(v) => v.iter().map(|&x| x.to_bits()).collect(),
    };
    (h.dtype(), v)
}
