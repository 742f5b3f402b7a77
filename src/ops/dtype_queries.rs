//! The standard's data type functions: [`result_type`], [`can_cast`], [`finfo`], [`iinfo`] and
//! [`isdtype`].
//!
//! They take dtypes (or tensors, for their dtype) and no tensor data, so they are plain
//! functions of the core, not catalogue ops: every backend answers alike, because promotion is
//! computed once ([`DType::promote`]).

use crate::dtype::{DType, Kind};
use crate::error::{Error, Result};
use crate::tensor::Tensor;

/// Anything with a dtype: a [`DType`] or a [`Tensor`] (the standard's `result_type` and
/// `can_cast` accept both).
pub trait HasDType {
    /// The dtype.
    fn dtype_of(&self) -> DType;
}

impl HasDType for DType {
    fn dtype_of(&self) -> DType {
        *self
    }
}

impl HasDType for Tensor {
    fn dtype_of(&self) -> DType {
        self.dtype()
    }
}

impl<T: HasDType + ?Sized> HasDType for &T {
    fn dtype_of(&self) -> DType {
        (**self).dtype_of()
    }
}

/// The dtype a binary op would give for operands of these dtypes (the standard's
/// `result_type(*arrays_and_dtypes)`), promoting left to right with tensorswitch's table
/// (`docs/dtypes.md`: integer with float gives the float, which the standard leaves open).
///
/// Errors: no argument ([`Error::InvalidArgument`]), or two dtypes with no common dtype, such as
/// `int64` with `uint64` ([`Error::NoPromotion`]).
///
/// ```
/// use tensorswitch::{result_type, DType};
/// assert_eq!(result_type([DType::Int8, DType::UInt8]).unwrap(), DType::Int16);
/// assert!(result_type([DType::Int64, DType::UInt64]).is_err());
/// ```
pub fn result_type<I>(items: I) -> Result<DType>
where
    I: IntoIterator,
    I::Item: HasDType,
{
    let mut items = items.into_iter();
    let first = items.next().ok_or_else(|| Error::InvalidArgument {
        op: "result_type",
        reason: "expected at least one tensor or dtype, got none".into(),
    })?;
    items.try_fold(first.dtype_of(), |acc, item| {
        let d = item.dtype_of();
        acc.promote(d).ok_or(Error::NoPromotion {
            op: "result_type",
            lhs: acc,
            rhs: d,
        })
    })
}

/// Whether values of `from`'s dtype can be cast to `to` by the promotion rules, that is
/// whether promoting the two gives `to` (the standard's definition). Casts that lose
/// information (`float64` to `float32`, `int16` to `uint8`) are `false`; `astype` still does
/// them on request.
///
/// Because tensorswitch promotes integers with floats to the float, `can_cast(int64,
/// float32)` is `true` here, where the standard leaves mixed kinds unspecified.
///
/// ```
/// use tensorswitch::{can_cast, DType};
/// assert!(can_cast(DType::Int8, DType::Int32));
/// assert!(!can_cast(DType::Float64, DType::Float32));
/// ```
pub fn can_cast(from: impl HasDType, to: DType) -> bool {
    from.dtype_of().promote(to) == Some(to)
}

/// Machine limits of a float dtype, as the standard's `finfo` object.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FInfo {
    /// The number of bits of the type.
    pub bits: u32,
    /// The difference between 1.0 and the next larger representable number.
    pub eps: f64,
    /// The largest finite value.
    pub max: f64,
    /// The smallest (most negative) finite value.
    pub min: f64,
    /// The smallest positive normal value.
    pub smallest_normal: f64,
    /// The dtype described.
    pub dtype: DType,
}

/// Limits of an integer dtype, as the standard's `iinfo` object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IInfo {
    /// The number of bits of the type.
    pub bits: u32,
    /// The largest value.
    pub max: i128,
    /// The smallest value.
    pub min: i128,
    /// The dtype described.
    pub dtype: DType,
}

/// The limits of a float dtype (`float16`, `bfloat16`, `float32`, `float64`); anything else is
/// [`Error::InvalidDType`] (use [`iinfo`] for integers).
///
/// ```
/// use tensorswitch::{finfo, DType};
/// assert_eq!(finfo(DType::Float32).unwrap().eps, f32::EPSILON as f64);
/// ```
pub fn finfo(dtype: impl HasDType) -> Result<FInfo> {
    let dtype = dtype.dtype_of();
    // A binary float of `p` significand bits (implicit bit included) and exponents up to
    // `emax` has eps = 2^(1-p), max = (2 - 2^(1-p)) * 2^emax, smallest normal = 2^(1-emax).
    let (bits, p, emax) = match dtype {
        DType::Float16 => (16, 11, 15),
        DType::BFloat16 => (16, 8, 127),
        DType::Float32 => (32, 24, 127),
        DType::Float64 => (64, 53, 1023),
        _ => {
            return Err(Error::InvalidDType {
                op: "finfo",
                dtype,
                expected: "a float dtype (use iinfo for integers)",
            })
        }
    };
    let eps = 2f64.powi(1 - p);
    let max = (2.0 - eps) * 2f64.powi(emax);
    Ok(FInfo {
        bits,
        eps,
        max,
        min: -max,
        smallest_normal: 2f64.powi(1 - emax),
        dtype,
    })
}

/// The limits of an integer dtype; anything else is [`Error::InvalidDType`] (use [`finfo`]
/// for floats; bool has no `iinfo`, as in the standard).
///
/// ```
/// use tensorswitch::{iinfo, DType};
/// assert_eq!(iinfo(DType::UInt8).unwrap().max, 255);
/// ```
pub fn iinfo(dtype: impl HasDType) -> Result<IInfo> {
    let dtype = dtype.dtype_of();
    match dtype.integer_range() {
        Some((min, max)) => Ok(IInfo {
            bits: 8 * dtype.size_in_bytes() as u32,
            max,
            min,
            dtype,
        }),
        None => Err(Error::InvalidDType {
            op: "iinfo",
            dtype,
            expected: "an integer dtype (use finfo for floats)",
        }),
    }
}

/// A kind of dtype, or one dtype, for [`isdtype`]; the names are the standard's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DTypeKind {
    /// `"bool"`
    Bool,
    /// `"signed integer"`
    SignedInteger,
    /// `"unsigned integer"`
    UnsignedInteger,
    /// `"integral"`: signed and unsigned integers.
    Integral,
    /// `"real floating"`
    RealFloating,
    /// `"complex floating"` (tensorswitch has no complex dtypes yet, so no dtype is of it).
    ComplexFloating,
    /// `"numeric"`: integers and floats, not bool.
    Numeric,
    /// Exactly this dtype.
    Exactly(DType),
}

impl DTypeKind {
    /// The kind by the standard's name (`"signed integer"`, `"real floating"`, …), or a dtype
    /// name (`"float32"`) for [`DTypeKind::Exactly`].
    pub fn from_name(name: &str) -> Option<DTypeKind> {
        Some(match name {
            "bool" => DTypeKind::Bool,
            "signed integer" => DTypeKind::SignedInteger,
            "unsigned integer" => DTypeKind::UnsignedInteger,
            "integral" => DTypeKind::Integral,
            "real floating" => DTypeKind::RealFloating,
            "complex floating" => DTypeKind::ComplexFloating,
            "numeric" => DTypeKind::Numeric,
            other => DTypeKind::Exactly(DType::from_name(other)?),
        })
    }

    fn holds(self, dtype: DType) -> bool {
        match self {
            DTypeKind::Bool => dtype.kind() == Kind::Bool,
            DTypeKind::SignedInteger => dtype.kind() == Kind::SignedInt,
            DTypeKind::UnsignedInteger => dtype.kind() == Kind::UnsignedInt,
            DTypeKind::Integral => dtype.is_integer(),
            DTypeKind::RealFloating => dtype.is_float(),
            DTypeKind::ComplexFloating => false,
            DTypeKind::Numeric => dtype.is_numeric(),
            DTypeKind::Exactly(d) => d == dtype,
        }
    }
}

/// Whether `dtype` is of any of `kinds` (the standard's `isdtype(dtype, kind)`, where `kind`
/// is one name or a tuple of them).
///
/// ```
/// use tensorswitch::{isdtype, DType, DTypeKind};
/// assert!(isdtype(DType::UInt8, &[DTypeKind::Integral]));
/// assert!(!isdtype(DType::Bool, &[DTypeKind::Numeric]));
/// ```
pub fn isdtype(dtype: DType, kinds: &[DTypeKind]) -> bool {
    kinds.iter().any(|k| k.holds(dtype))
}
