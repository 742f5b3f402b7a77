//! The standard's data type functions: `result_type`, `can_cast`, `finfo`, `iinfo`, `isdtype`.
//!
//! Expected values come from NumPy 2.4.6 (`np.finfo`, `np.iinfo`, `np.can_cast`, printed by
//! the snippet in each test's comment), from Rust's own constants, or, for bfloat16 (which
//! NumPy lacks), from its format: 8 significand bits, exponents up to 127.

use tensorswitch::{can_cast, finfo, iinfo, isdtype, result_type, DType, DTypeKind, Error, Tensor};
use tensorswitch_ndarray as _;

const NAMES: [&str; 11] = [
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32",
    "float64",
];

fn dt(name: &str) -> DType {
    DType::from_name(name).unwrap()
}

#[test]
fn finfo_matches_numpy_and_the_formats() {
    // python3 -c "import numpy as np; f=np.finfo(np.float16); print(f.bits, f.eps, f.max, f.min, f.smallest_normal)"
    let cases: [(DType, u32, f64, f64, f64); 4] = [
        (DType::Float16, 16, 0.0009765625, 65504.0, 6.103515625e-05),
        (
            DType::Float32,
            32,
            1.1920928955078125e-07,
            3.4028234663852886e+38,
            1.1754943508222875e-38,
        ),
        (
            DType::Float64,
            64,
            2.220446049250313e-16,
            1.7976931348623157e+308,
            2.2250738585072014e-308,
        ),
        // bfloat16: eps 2^-7, max (2 - 2^-7) * 2^127, smallest normal 2^-126 (as float32's).
        (
            DType::BFloat16,
            16,
            0.0078125,
            3.3895313892515355e+38,
            1.1754943508222875e-38,
        ),
    ];
    for (dtype, bits, eps, max, smallest_normal) in cases {
        let f = finfo(dtype).unwrap();
        assert_eq!(f.dtype, dtype);
        assert_eq!(f.bits, bits, "{dtype}");
        assert_eq!(f.eps, eps, "{dtype}");
        assert_eq!(f.max, max, "{dtype}");
        assert_eq!(f.min, -max, "{dtype}");
        assert_eq!(f.smallest_normal, smallest_normal, "{dtype}");
    }
    // Rust's constants agree.
    let f = finfo(DType::Float32).unwrap();
    assert_eq!(
        (f.eps, f.max, f.min, f.smallest_normal),
        (
            f32::EPSILON.into(),
            f32::MAX.into(),
            f32::MIN.into(),
            f32::MIN_POSITIVE.into()
        )
    );
    let f = finfo(DType::Float64).unwrap();
    assert_eq!(
        (f.eps, f.max, f.min, f.smallest_normal),
        (f64::EPSILON, f64::MAX, f64::MIN, f64::MIN_POSITIVE)
    );
}

#[test]
fn iinfo_matches_numpy() {
    // python3 -c "import numpy as np; [print(t, np.iinfo(t).bits, np.iinfo(t).min, np.iinfo(t).max) for t in ('int8','int16','int32','int64','uint8','uint16','uint32','uint64')]"
    let cases: [(&str, u32, i128, i128); 8] = [
        ("int8", 8, -128, 127),
        ("int16", 16, -32768, 32767),
        ("int32", 32, -2147483648, 2147483647),
        ("int64", 64, -9223372036854775808, 9223372036854775807),
        ("uint8", 8, 0, 255),
        ("uint16", 16, 0, 65535),
        ("uint32", 32, 0, 4294967295),
        ("uint64", 64, 0, 18446744073709551615),
    ];
    for (name, bits, min, max) in cases {
        let i = iinfo(dt(name)).unwrap();
        assert_eq!((i.dtype, i.bits, i.min, i.max), (dt(name), bits, min, max));
    }
}

#[test]
fn finfo_and_iinfo_refuse_the_other_kinds() {
    for name in NAMES {
        let d = dt(name);
        assert_eq!(finfo(d).is_ok(), d.is_float(), "finfo({name})");
        assert_eq!(iinfo(d).is_ok(), d.is_integer(), "iinfo({name})");
    }
    match finfo(DType::Int32) {
        Err(Error::InvalidDType { op, dtype, .. }) => {
            assert_eq!((op, dtype), ("finfo", DType::Int32))
        }
        other => panic!("expected InvalidDType, got {other:?}"),
    }
    match iinfo(DType::Bool) {
        Err(Error::InvalidDType { op, dtype, .. }) => {
            assert_eq!((op, dtype), ("iinfo", DType::Bool))
        }
        other => panic!("expected InvalidDType, got {other:?}"),
    }
}

/// `np.can_cast(a, b)` for every pair, rows `from`, columns `to` in the order of `NAMES`:
/// python3 -c "import numpy as np; n=[...]; [print(''.join('1' if np.can_cast(a,b) else '0' for b in n)) for a in n]"
const NUMPY_CAN_CAST: [&str; 11] = [
    "11111111111",
    "01111000011",
    "00111000011",
    "00011000001",
    "00001000001",
    "00111111111",
    "00011011111",
    "00001001101",
    "00000000101",
    "00000000011",
    "00000000001",
];

#[test]
fn can_cast_agrees_with_numpy_within_a_kind_and_follows_promotion_across() {
    for (i, from) in NAMES.iter().enumerate() {
        for (j, to) in NAMES.iter().enumerate() {
            let (a, b) = (dt(from), dt(to));
            let ours = can_cast(a, b);
            if a.is_integer() && b.is_float() {
                // tensorswitch promotes any integer with a float to the float, so every
                // integer casts to every float (NumPy refuses int32 -> float32, say).
                assert!(ours, "can_cast({from}, {to})");
            } else {
                let numpy = NUMPY_CAN_CAST[i].as_bytes()[j] == b'1';
                assert_eq!(ours, numpy, "can_cast({from}, {to})");
            }
        }
    }
    // A tensor stands for its dtype.
    let t = Tensor::from_slice(&[1i16, 2], &[2]).unwrap();
    assert!(can_cast(&t, DType::Int32));
    assert!(!can_cast(&t, DType::Int8));
}

#[test]
fn result_type_promotes_left_to_right_and_names_the_failing_pair() {
    assert_eq!(result_type([DType::Int8]).unwrap(), DType::Int8);
    // The standard's table: int8 with uint8 needs int16; bool gives way to anything.
    assert_eq!(
        result_type([DType::Bool, DType::Int8, DType::UInt8]).unwrap(),
        DType::Int16
    );
    assert_eq!(
        result_type([DType::UInt32, DType::Int32]).unwrap(),
        DType::Int64
    );
    assert_eq!(
        result_type([DType::Float32, DType::Float64]).unwrap(),
        DType::Float64
    );
    assert_eq!(
        result_type([DType::Float16, DType::BFloat16]).unwrap(),
        DType::Float32
    );
    // Integer with float: the float (tensorswitch's rule).
    assert_eq!(
        result_type([DType::Int64, DType::Float32]).unwrap(),
        DType::Float32
    );
    // Tensors and dtypes mix.
    let x = Tensor::from_slice(&[1u8], &[1]).unwrap();
    let y = Tensor::from_slice(&[1i8], &[1]).unwrap();
    assert_eq!(result_type([&x, &y]).unwrap(), DType::Int16);
    assert_eq!(
        result_type([x.dtype(), DType::UInt16]).unwrap(),
        DType::UInt16
    );
    match result_type([DType::Int8, DType::Int64, DType::UInt64]) {
        Err(Error::NoPromotion { lhs, rhs, .. }) => {
            assert_eq!((lhs, rhs), (DType::Int64, DType::UInt64))
        }
        other => panic!("expected NoPromotion, got {other:?}"),
    }
    assert!(matches!(
        result_type(std::iter::empty::<DType>()),
        Err(Error::InvalidArgument { .. })
    ));
}

#[test]
fn isdtype_answers_each_kind_of_the_standard() {
    // (kind name, the dtypes of NAMES it holds), from the standard's definitions.
    let table: [(&str, &[&str]); 7] = [
        ("bool", &["bool"]),
        ("signed integer", &["int8", "int16", "int32", "int64"]),
        ("unsigned integer", &["uint8", "uint16", "uint32", "uint64"]),
        (
            "integral",
            &[
                "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
            ],
        ),
        ("real floating", &["float32", "float64"]),
        ("complex floating", &[]),
        (
            "numeric",
            &[
                "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                "float32", "float64",
            ],
        ),
    ];
    for (kind, members) in table {
        let k = DTypeKind::from_name(kind).unwrap();
        for name in NAMES {
            assert_eq!(
                isdtype(dt(name), &[k]),
                members.contains(&name),
                "isdtype({name}, {kind:?})"
            );
        }
    }
    // A tuple of kinds is their union; a dtype name is that dtype only.
    let either = [DTypeKind::Bool, DTypeKind::RealFloating];
    assert!(isdtype(DType::Bool, &either) && isdtype(DType::Float64, &either));
    assert!(!isdtype(DType::Int8, &either));
    assert_eq!(
        DTypeKind::from_name("int16"),
        Some(DTypeKind::Exactly(DType::Int16))
    );
    assert!(isdtype(
        DType::Int16,
        &[DTypeKind::from_name("int16").unwrap()]
    ));
    assert!(!isdtype(
        DType::Int32,
        &[DTypeKind::from_name("int16").unwrap()]
    ));
    assert!(isdtype(DType::Float16, &[DTypeKind::RealFloating]));
    assert_eq!(DTypeKind::from_name("complex"), None);
    assert!(!isdtype(DType::Int8, &[]));
}
