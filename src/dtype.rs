//! Data types, the Rust element types that map onto them, and the one promotion table every
//! backend shares.
//!
//! Promotion follows the Python Array API standard's table, computed here once so every
//! backend returns the same result dtype for the same call. Where the standard leaves a choice
//! open, tensorswitch decides as follows (and `docs/dtypes.md` lists the same rules):
//!
//! * integer ⊕ float → the float dtype (as torch, JAX and MLX do; NumPy would widen);
//! * bool ⊕ numeric → the numeric dtype;
//! * `int64`/`int*` ⊕ `uint64` has no common dtype → [`Error::NoPromotion`](crate::Error);
//! * `float16` ⊕ `bfloat16` → `float32`;
//! * ops that need a float (`divide`, `exp`, `mean`, …) turn integer and bool inputs into the
//!   default float dtype, [`DEFAULT_FLOAT`] (`float32`, as in torch and MLX).

use std::fmt;

/// The element type of a tensor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum DType {
    /// `bool`
    Bool,
    /// `i8`
    Int8,
    /// `i16`
    Int16,
    /// `i32`
    Int32,
    /// `i64`
    Int64,
    /// `u8`
    UInt8,
    /// `u16`
    UInt16,
    /// `u32`
    UInt32,
    /// `u64`
    UInt64,
    /// IEEE half precision (declared; supported where a backend can)
    Float16,
    /// brain floating point (declared; supported where a backend can)
    BFloat16,
    /// `f32`
    Float32,
    /// `f64`
    Float64,
}

/// The float dtype that integer inputs of float-only ops are converted to.
pub const DEFAULT_FLOAT: DType = DType::Float32;
/// The dtype of indices (`argmax`, `argsort`) and of sums of signed integers.
pub const DEFAULT_INT: DType = DType::Int64;
/// The dtype of sums of unsigned integers.
pub const DEFAULT_UINT: DType = DType::UInt64;

/// The kind of a dtype, as the standard groups them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `bool`
    Bool,
    /// signed integers
    SignedInt,
    /// unsigned integers
    UnsignedInt,
    /// real floating point
    Float,
}

impl DType {
    /// Every dtype, in declaration order.
    pub const ALL: [DType; 13] = [
        DType::Bool,
        DType::Int8,
        DType::Int16,
        DType::Int32,
        DType::Int64,
        DType::UInt8,
        DType::UInt16,
        DType::UInt32,
        DType::UInt64,
        DType::Float16,
        DType::BFloat16,
        DType::Float32,
        DType::Float64,
    ];

    /// The standard's name (`"float32"`, `"uint8"`, …).
    pub const fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::Int8 => "int8",
            DType::Int16 => "int16",
            DType::Int32 => "int32",
            DType::Int64 => "int64",
            DType::UInt8 => "uint8",
            DType::UInt16 => "uint16",
            DType::UInt32 => "uint32",
            DType::UInt64 => "uint64",
            DType::Float16 => "float16",
            DType::BFloat16 => "bfloat16",
            DType::Float32 => "float32",
            DType::Float64 => "float64",
        }
    }

    /// Looks a dtype up by its standard name.
    pub fn from_name(name: &str) -> Option<DType> {
        DType::ALL.into_iter().find(|d| d.name() == name)
    }

    /// The kind of this dtype.
    pub const fn kind(self) -> Kind {
        match self {
            DType::Bool => Kind::Bool,
            DType::Int8 | DType::Int16 | DType::Int32 | DType::Int64 => Kind::SignedInt,
            DType::UInt8 | DType::UInt16 | DType::UInt32 | DType::UInt64 => Kind::UnsignedInt,
            DType::Float16 | DType::BFloat16 | DType::Float32 | DType::Float64 => Kind::Float,
        }
    }

    /// Size of one element in bytes.
    pub const fn size_in_bytes(self) -> usize {
        match self {
            DType::Bool | DType::Int8 | DType::UInt8 => 1,
            DType::Int16 | DType::UInt16 | DType::Float16 | DType::BFloat16 => 2,
            DType::Int32 | DType::UInt32 | DType::Float32 => 4,
            DType::Int64 | DType::UInt64 | DType::Float64 => 8,
        }
    }

    /// `true` for the float dtypes.
    pub const fn is_float(self) -> bool {
        matches!(self.kind(), Kind::Float)
    }

    /// `true` for signed and unsigned integers.
    pub const fn is_integer(self) -> bool {
        matches!(self.kind(), Kind::SignedInt | Kind::UnsignedInt)
    }

    /// `true` for every dtype but bool.
    pub const fn is_numeric(self) -> bool {
        !matches!(self.kind(), Kind::Bool)
    }

    /// The smallest and largest value of an integer dtype; `None` for bool and floats.
    pub const fn integer_range(self) -> Option<(i128, i128)> {
        Some(match self {
            DType::Int8 => (i8::MIN as i128, i8::MAX as i128),
            DType::Int16 => (i16::MIN as i128, i16::MAX as i128),
            DType::Int32 => (i32::MIN as i128, i32::MAX as i128),
            DType::Int64 => (i64::MIN as i128, i64::MAX as i128),
            DType::UInt8 => (0, u8::MAX as i128),
            DType::UInt16 => (0, u16::MAX as i128),
            DType::UInt32 => (0, u32::MAX as i128),
            DType::UInt64 => (0, u64::MAX as i128),
            _ => return None,
        })
    }

    /// The largest value of this float dtype that is at most `max`, as an `f64`; float32 for
    /// every float dtype but float64 (float16 and bfloat16 widen to float32 exactly). This is
    /// where a saturating float-to-integer conversion clamps: `i32::MAX` is not a float32, so
    /// float32 inputs clamp to 2147483520.
    pub fn largest_float_at_most(self, max: i128) -> f64 {
        if self == DType::Float64 {
            let f = max as f64; // rounds to nearest, possibly up
            if f as i128 > max {
                f64::from_bits(f.to_bits() - 1)
            } else {
                f
            }
        } else {
            let f = max as f32;
            if f as i128 > max {
                f32::from_bits(f.to_bits() - 1).into()
            } else {
                f.into()
            }
        }
    }

    /// Bits of an integer dtype (0 for others).
    const fn int_bits(self) -> u32 {
        match self {
            DType::Int8 | DType::UInt8 => 8,
            DType::Int16 | DType::UInt16 => 16,
            DType::Int32 | DType::UInt32 => 32,
            DType::Int64 | DType::UInt64 => 64,
            _ => 0,
        }
    }

    const fn signed_with_bits(bits: u32) -> Option<DType> {
        match bits {
            8 => Some(DType::Int8),
            16 => Some(DType::Int16),
            32 => Some(DType::Int32),
            64 => Some(DType::Int64),
            _ => None,
        }
    }

    /// The dtype a float-only op computes in for an input of this dtype.
    pub const fn to_float(self) -> DType {
        if self.is_float() {
            self
        } else {
            DEFAULT_FLOAT
        }
    }

    /// The dtype `sum`, `prod` and `cumulative_sum` accumulate in, by the standard: signed
    /// integers and bool widen to int64, unsigned integers to uint64, floats keep theirs.
    pub const fn accumulator(self) -> DType {
        match self.kind() {
            Kind::Bool | Kind::SignedInt => DEFAULT_INT,
            Kind::UnsignedInt => DEFAULT_UINT,
            Kind::Float => self,
        }
    }

    /// The result dtype of a binary op on `self` and `other`, or `None` when the two have no
    /// common dtype (signed integer with uint64).
    pub const fn promote(self, other: DType) -> Option<DType> {
        use Kind::*;
        if self as u8 == other as u8 {
            return Some(self);
        }
        match (self.kind(), other.kind()) {
            (Bool, _) => Some(other),
            (_, Bool) => Some(self),
            (Float, Float) => Some(promote_float(self, other)),
            (Float, _) => Some(self),
            (_, Float) => Some(other),
            (SignedInt, SignedInt) | (UnsignedInt, UnsignedInt) => {
                if self.int_bits() >= other.int_bits() {
                    Some(self)
                } else {
                    Some(other)
                }
            }
            (SignedInt, UnsignedInt) => promote_mixed(self, other),
            (UnsignedInt, SignedInt) => promote_mixed(other, self),
        }
    }
}

const fn promote_float(a: DType, b: DType) -> DType {
    match (a, b) {
        (DType::Float64, _) | (_, DType::Float64) => DType::Float64,
        (DType::Float32, _) | (_, DType::Float32) => DType::Float32,
        // float16 with bfloat16: neither holds the other, float32 holds both.
        _ => DType::Float32,
    }
}

/// A signed with an unsigned integer: the smallest signed type that holds both ranges.
const fn promote_mixed(signed: DType, unsigned: DType) -> Option<DType> {
    let need = if unsigned.int_bits() >= signed.int_bits() {
        unsigned.int_bits() * 2
    } else {
        signed.int_bits()
    };
    DType::signed_with_bits(need)
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A small set of dtypes, as a bit mask (checked on every call, so it must be cheap).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct DTypeSet(u16);

impl DTypeSet {
    /// The empty set.
    pub const EMPTY: DTypeSet = DTypeSet(0);

    /// A set holding the given dtypes.
    pub const fn of(dtypes: &[DType]) -> DTypeSet {
        let mut bits = 0u16;
        let mut i = 0;
        while i < dtypes.len() {
            bits |= 1 << dtypes[i] as u8;
            i += 1;
        }
        DTypeSet(bits)
    }

    /// Whether `dtype` is in the set.
    #[inline]
    pub const fn contains(self, dtype: DType) -> bool {
        self.0 & (1 << dtype as u8) != 0
    }

    /// The union of two sets.
    pub const fn union(self, other: DTypeSet) -> DTypeSet {
        DTypeSet(self.0 | other.0)
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The dtypes in the set, in declaration order.
    pub fn iter(self) -> impl Iterator<Item = DType> {
        DType::ALL.into_iter().filter(move |d| self.contains(*d))
    }
}

/// A Rust scalar, used where the standard takes a Python scalar (`full`, bounds of `clip`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar {
    /// a bool
    Bool(bool),
    /// a signed integer
    Int(i64),
    /// an unsigned integer
    UInt(u64),
    /// a float
    Float(f64),
}

impl Scalar {
    /// The value as `f64` (bool as 0/1).
    pub fn as_f64(self) -> f64 {
        match self {
            Scalar::Bool(b) => b as u8 as f64,
            Scalar::Int(i) => i as f64,
            Scalar::UInt(u) => u as f64,
            Scalar::Float(f) => f,
        }
    }

    /// The dtype a scalar gets when nothing else decides it.
    pub fn default_dtype(self) -> DType {
        match self {
            Scalar::Bool(_) => DType::Bool,
            Scalar::Int(_) => DEFAULT_INT,
            Scalar::UInt(_) => DEFAULT_UINT,
            Scalar::Float(_) => DEFAULT_FLOAT,
        }
    }
}

macro_rules! scalar_from {
    ($($t:ty => $v:ident as $c:ty),*) => {$(
        impl From<$t> for Scalar {
            fn from(x: $t) -> Scalar { Scalar::$v(x as $c) }
        }
    )*};
}
scalar_from!(bool => Bool as bool, i8 => Int as i64, i16 => Int as i64, i32 => Int as i64,
    i64 => Int as i64, u8 => UInt as u64, u16 => UInt as u64, u32 => UInt as u64,
    u64 => UInt as u64, f32 => Float as f64, f64 => Float as f64);

/// Element data on the host, one variant per dtype that has a Rust element type.
#[derive(Clone, Debug, PartialEq)]
pub enum HostData {
    /// bool elements
    Bool(Vec<bool>),
    /// int8 elements
    Int8(Vec<i8>),
    /// int16 elements
    Int16(Vec<i16>),
    /// int32 elements
    Int32(Vec<i32>),
    /// int64 elements
    Int64(Vec<i64>),
    /// uint8 elements
    UInt8(Vec<u8>),
    /// uint16 elements
    UInt16(Vec<u16>),
    /// uint32 elements
    UInt32(Vec<u32>),
    /// uint64 elements
    UInt64(Vec<u64>),
    /// float32 elements
    Float32(Vec<f32>),
    /// float64 elements
    Float64(Vec<f64>),
}

/// Runs `$body` with `$v` bound to the `Vec` inside a [`HostData`], whatever its element type.
#[macro_export]
macro_rules! match_host_data {
    ($data:expr, $v:ident => $body:expr) => {
        match $data {
            $crate::HostData::Bool($v) => $body,
            $crate::HostData::Int8($v) => $body,
            $crate::HostData::Int16($v) => $body,
            $crate::HostData::Int32($v) => $body,
            $crate::HostData::Int64($v) => $body,
            $crate::HostData::UInt8($v) => $body,
            $crate::HostData::UInt16($v) => $body,
            $crate::HostData::UInt32($v) => $body,
            $crate::HostData::UInt64($v) => $body,
            $crate::HostData::Float32($v) => $body,
            $crate::HostData::Float64($v) => $body,
        }
    };
}

impl HostData {
    /// The dtype of the elements.
    pub fn dtype(&self) -> DType {
        match self {
            HostData::Bool(_) => DType::Bool,
            HostData::Int8(_) => DType::Int8,
            HostData::Int16(_) => DType::Int16,
            HostData::Int32(_) => DType::Int32,
            HostData::Int64(_) => DType::Int64,
            HostData::UInt8(_) => DType::UInt8,
            HostData::UInt16(_) => DType::UInt16,
            HostData::UInt32(_) => DType::UInt32,
            HostData::UInt64(_) => DType::UInt64,
            HostData::Float32(_) => DType::Float32,
            HostData::Float64(_) => DType::Float64,
        }
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        match_host_data!(self, v => v.len())
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The elements converted to `f64` (exact for every dtype but 64-bit integers beyond 2^53).
    pub fn to_f64_lossy(&self) -> Vec<f64> {
        match self {
            HostData::Bool(v) => v.iter().map(|&x| x as u8 as f64).collect(),
            HostData::Int8(v) => v.iter().map(|&x| x as f64).collect(),
            HostData::Int16(v) => v.iter().map(|&x| x as f64).collect(),
            HostData::Int32(v) => v.iter().map(|&x| x as f64).collect(),
            HostData::Int64(v) => v.iter().map(|&x| x as f64).collect(),
            HostData::UInt8(v) => v.iter().map(|&x| x as f64).collect(),
            HostData::UInt16(v) => v.iter().map(|&x| x as f64).collect(),
            HostData::UInt32(v) => v.iter().map(|&x| x as f64).collect(),
            HostData::UInt64(v) => v.iter().map(|&x| x as f64).collect(),
            HostData::Float32(v) => v.iter().map(|&x| x as f64).collect(),
            HostData::Float64(v) => v.clone(),
        }
    }
}

/// Conversion of a [`Scalar`] to an element type with Rust `as` rules (integers keep every bit
/// they can: an `Int` is cast from `i64`, not through `f64`).
pub trait FromScalar {
    /// Converts.
    fn from_scalar(s: Scalar) -> Self;
}

macro_rules! from_scalar {
    ($($t:ty),*) => {$(
        impl FromScalar for $t {
            fn from_scalar(s: Scalar) -> $t {
                match s {
                    Scalar::Bool(b) => b as u8 as $t,
                    Scalar::Int(i) => i as $t,
                    Scalar::UInt(u) => u as $t,
                    Scalar::Float(f) => f as $t,
                }
            }
        }
    )*};
}
from_scalar!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

impl Scalar {
    /// Converts to an element type with Rust `as` rules.
    pub fn cast<T: FromScalar>(self) -> T {
        T::from_scalar(self)
    }
}

/// A Rust type that is the element type of a dtype.
pub trait Element: Copy + Send + Sync + fmt::Debug + PartialEq + 'static {
    /// The dtype whose elements are `Self`.
    const DTYPE: DType;
    /// Wraps a vector.
    fn into_host(v: Vec<Self>) -> HostData;
    /// Unwraps a vector, or gives the data back when the element type differs.
    fn from_host(data: HostData) -> Result<Vec<Self>, HostData>;
}

macro_rules! element {
    ($($t:ty => $v:ident),*) => {$(
        impl Element for $t {
            const DTYPE: DType = DType::$v;
            fn into_host(v: Vec<Self>) -> HostData { HostData::$v(v) }
            fn from_host(data: HostData) -> Result<Vec<Self>, HostData> {
                match data { HostData::$v(v) => Ok(v), other => Err(other) }
            }
        }
    )*};
}
element!(bool => Bool, i8 => Int8, i16 => Int16, i32 => Int32, i64 => Int64, u8 => UInt8,
    u16 => UInt16, u32 => UInt32, u64 => UInt64, f32 => Float32, f64 => Float64);

#[cfg(test)]
mod tests {
    use super::DType::*;
    use super::*;

    #[test]
    fn promotion_follows_the_standard_table() {
        // Rows taken from the Array API standard's type promotion tables.
        let cases = [
            (Int8, UInt8, Some(Int16)),
            (Int16, UInt8, Some(Int16)),
            (Int8, UInt16, Some(Int32)),
            (Int32, UInt16, Some(Int32)),
            (Int8, UInt32, Some(Int64)),
            (Int64, UInt32, Some(Int64)),
            (Int64, UInt64, None),
            (Int8, UInt64, None),
            (UInt8, UInt32, Some(UInt32)),
            (Int16, Int64, Some(Int64)),
            (Float32, Float64, Some(Float64)),
            (Float16, Float32, Some(Float32)),
            (Float16, BFloat16, Some(Float32)),
            (Int64, Float32, Some(Float32)),
            (UInt8, Float16, Some(Float16)),
            (Bool, Int8, Some(Int8)),
            (Bool, Bool, Some(Bool)),
        ];
        for (a, b, want) in cases {
            assert_eq!(a.promote(b), want, "{a} with {b}");
            assert_eq!(b.promote(a), want, "{b} with {a} (promotion is symmetric)");
        }
    }

    #[test]
    fn integer_ranges_and_the_floats_below_them() {
        assert_eq!(DType::UInt8.integer_range(), Some((0, 255)));
        assert_eq!(DType::Int16.integer_range(), Some((-32768, 32767)));
        assert_eq!(DType::Float32.integer_range(), None);
        assert_eq!(DType::Bool.integer_range(), None);
        // Hand-derived: the float32s next to 2^31 are 2^31 - 128 and 2^31; the float64s next to
        // 2^64 are 2^64 - 2048 and 2^64; 2^63 - 2^39 is the float32 just below 2^63.
        assert_eq!(
            DType::Float32.largest_float_at_most(i32::MAX as i128),
            2147483520.0
        );
        assert_eq!(
            DType::Float64.largest_float_at_most(u64::MAX as i128),
            18446744073709549568.0
        );
        assert_eq!(
            DType::Float32.largest_float_at_most(i64::MAX as i128),
            9223371487098961920.0
        );
        // Representable maxima stay as they are; halves work in float32.
        assert_eq!(DType::Float32.largest_float_at_most(255), 255.0);
        assert_eq!(
            DType::Float64.largest_float_at_most(i32::MAX as i128),
            2147483647.0
        );
        assert_eq!(
            DType::Float16.largest_float_at_most(i32::MAX as i128),
            2147483520.0
        );
    }

    #[test]
    fn accumulators_widen_integers() {
        assert_eq!(Int8.accumulator(), Int64);
        assert_eq!(Bool.accumulator(), Int64);
        assert_eq!(UInt16.accumulator(), UInt64);
        assert_eq!(Float32.accumulator(), Float32);
    }

    #[test]
    fn dtype_set_membership() {
        let s = DTypeSet::of(&[Float16, BFloat16]);
        assert!(s.contains(Float16) && s.contains(BFloat16));
        assert!(!s.contains(Float32));
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![Float16, BFloat16]);
        assert_eq!(DType::from_name("uint16"), Some(UInt16));
        assert_eq!(DType::from_name("complex64"), None);
    }
}
