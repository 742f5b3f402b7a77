//! Dtype dispatch. Each macro expands a body once per element type, with the concrete type
//! available under a name the caller picks, so one line of code serves every dtype it applies
//! to (inherent methods such as `wrapping_add` or `exp` resolve per type).
//!
//! Groups of dtypes: `any` (all eleven), `bool`, `ints` (signed and unsigned), `sints`,
//! `uints`, `floats`, `f32`, `f64`, `numeric` (ints and floats).

/// Calls `$mac!($($pre)* [Variant type, ...] $($post)*)` with the variants of a group.
macro_rules! dtype_group {
    (any => $mac:ident!($($pre:tt)*) [$($post:tt)*]) => {
        $mac!($($pre)* [Bool bool, Int8 i8, Int16 i16, Int32 i32, Int64 i64, UInt8 u8,
            UInt16 u16, UInt32 u32, UInt64 u64, Float32 f32, Float64 f64] $($post)*)
    };
    (bool => $mac:ident!($($pre:tt)*) [$($post:tt)*]) => {
        $mac!($($pre)* [Bool bool] $($post)*)
    };
    (ints => $mac:ident!($($pre:tt)*) [$($post:tt)*]) => {
        $mac!($($pre)* [Int8 i8, Int16 i16, Int32 i32, Int64 i64, UInt8 u8, UInt16 u16,
            UInt32 u32, UInt64 u64] $($post)*)
    };
    (sints => $mac:ident!($($pre:tt)*) [$($post:tt)*]) => {
        $mac!($($pre)* [Int8 i8, Int16 i16, Int32 i32, Int64 i64] $($post)*)
    };
    (uints => $mac:ident!($($pre:tt)*) [$($post:tt)*]) => {
        $mac!($($pre)* [UInt8 u8, UInt16 u16, UInt32 u32, UInt64 u64] $($post)*)
    };
    (f32 => $mac:ident!($($pre:tt)*) [$($post:tt)*]) => {
        $mac!($($pre)* [Float32 f32] $($post)*)
    };
    (f64 => $mac:ident!($($pre:tt)*) [$($post:tt)*]) => {
        $mac!($($pre)* [Float64 f64] $($post)*)
    };
    (floats => $mac:ident!($($pre:tt)*) [$($post:tt)*]) => {
        $mac!($($pre)* [Float32 f32, Float64 f64] $($post)*)
    };
    (numeric => $mac:ident!($($pre:tt)*) [$($post:tt)*]) => {
        $mac!($($pre)* [Int8 i8, Int16 i16, Int32 i32, Int64 i64, UInt8 u8, UInt16 u16,
            UInt32 u32, UInt64 u64, Float32 f32, Float64 f64] $($post)*)
    };
}

/// Matches an `&NdArray` against groups in order:
///
/// ```ignore
/// on_array!(OP, x; ints |a: T| body; floats |a: T| body)
/// ```
///
/// binds the array (as `&ArrayRefD<T>`, owned or borrowed storage alike) to `a` and `T` to its
/// element type. A dtype in no group returns an
/// internal [`Error::Backend`](tensorswitch::Error) from the enclosing function.
macro_rules! on_array {
    (@go $op:expr, $nd:expr;) => {
        return Err($crate::KIT.unexpected_dtype($op, $nd.dtype()))
    };
    (@go $op:expr, $nd:expr; [$($V:ident $t:ty),*] |$a:ident: $T:ident| $body:expr $(; $($rest:tt)*)?) => {
        match $nd {
            $($crate::NdArray::$V(storage) => {
                #[allow(dead_code)]
                type $T = $t;
                let $a: &ndarray::ArrayRefD<$t> = storage;
                $body
            })*
            #[allow(unreachable_patterns)]
            other => on_array!(@go $op, other; $($($rest)*)?),
        }
    };
    (@go $op:expr, $nd:expr; $group:ident $($rest:tt)*) => {
        dtype_group!($group => on_array!(@go $op, $nd;) [$($rest)*])
    };
    ($op:expr, $nd:expr; $($rest:tt)+) => {
        on_array!(@go $op, $nd; $($rest)+)
    };
}

/// Like [`on_array!`] for two arrays that must share a dtype:
/// `on_pair!(OP, x, y; floats |a, b: T| body)`.
macro_rules! on_pair {
    (@go $op:expr, $pair:expr;) => {{
        let (x, y) = $pair;
        return Err($crate::KIT.unexpected_dtypes($op, x.dtype(), y.dtype()));
    }};
    (@go $op:expr, $pair:expr; [$($V:ident $t:ty),*] |$a:ident, $b:ident: $T:ident| $body:expr $(; $($rest:tt)*)?) => {
        match $pair {
            $(($crate::NdArray::$V(sa), $crate::NdArray::$V(sb)) => {
                #[allow(dead_code)]
                type $T = $t;
                let ($a, $b): (&ndarray::ArrayRefD<$t>, &ndarray::ArrayRefD<$t>) = (sa, sb);
                $body
            })*
            other => on_pair!(@go $op, other; $($($rest)*)?),
        }
    };
    (@go $op:expr, $pair:expr; $group:ident $($rest:tt)*) => {
        dtype_group!($group => on_pair!(@go $op, $pair;) [$($rest)*])
    };
    ($op:expr, $x:expr, $y:expr; $($rest:tt)+) => {
        on_pair!(@go $op, ($x, $y); $($rest)+)
    };
}

/// Runs `$body` with `$T` the element type of a [`DType`](tensorswitch::DType)
/// (`by_dtype!(OP, dtype; |T| body)`); float16 and bfloat16 are internal errors.
macro_rules! by_dtype {
    ($op:expr, $dtype:expr; |$T:ident| $body:expr) => {
        match $dtype {
            tensorswitch::DType::Bool => {
                type $T = bool;
                $body
            }
            tensorswitch::DType::Int8 => {
                type $T = i8;
                $body
            }
            tensorswitch::DType::Int16 => {
                type $T = i16;
                $body
            }
            tensorswitch::DType::Int32 => {
                type $T = i32;
                $body
            }
            tensorswitch::DType::Int64 => {
                type $T = i64;
                $body
            }
            tensorswitch::DType::UInt8 => {
                type $T = u8;
                $body
            }
            tensorswitch::DType::UInt16 => {
                type $T = u16;
                $body
            }
            tensorswitch::DType::UInt32 => {
                type $T = u32;
                $body
            }
            tensorswitch::DType::UInt64 => {
                type $T = u64;
                $body
            }
            tensorswitch::DType::Float32 => {
                type $T = f32;
                $body
            }
            tensorswitch::DType::Float64 => {
                type $T = f64;
                $body
            }
            other => return Err($crate::KIT.unexpected_dtype($op, other)),
        }
    };
}

/// Infallible match over every variant: `match_nd!(nd, a => body)`, binding the
/// `&NdStorage<T>` (which derefs to `ArrayRefD<T>`) to `a`.
macro_rules! match_nd {
    ($nd:expr, $a:ident => $body:expr) => {
        match $nd {
            $crate::NdArray::Bool($a) => $body,
            $crate::NdArray::Int8($a) => $body,
            $crate::NdArray::Int16($a) => $body,
            $crate::NdArray::Int32($a) => $body,
            $crate::NdArray::Int64($a) => $body,
            $crate::NdArray::UInt8($a) => $body,
            $crate::NdArray::UInt16($a) => $body,
            $crate::NdArray::UInt32($a) => $body,
            $crate::NdArray::UInt64($a) => $body,
            $crate::NdArray::Float32($a) => $body,
            $crate::NdArray::Float64($a) => $body,
        }
    };
}

/// Defines an elementwise unary slot: `unary_fn!(name, "op"; group |x: T| expr; ...)`.
macro_rules! unary_fn {
    ($name:ident, $op:literal; $($group:ident |$x:ident: $T:ident| $f:expr);+ $(;)?) => {
        pub(crate) fn $name(input: &tensorswitch::Tensor) -> tensorswitch::Result<tensorswitch::Tensor> {
            let out: $crate::NdArray = on_array!($op, $crate::input_array($op, input)?;
                $($group |arr: $T| $crate::buf::map($op, arr, |$x: $T| $f)?.into());+);
            // The result has the input's shape.
            Ok(out.into_tensor_like(input))
        }

        /// The same op on one block of a fused program (see `crate::fused`).
        pub(crate) mod $name {
            #[allow(unused_imports)]
            use super::*;

            /// `out[..n] = f(x[..n])`; false when the registers' dtypes are not the op's.
            pub(crate) fn block(x: &$crate::fused::Reg, out: &mut $crate::fused::Reg, n: usize) -> bool {
                on_reg!(x; $($group |arr: $T| $crate::fused::map1(arr, out, n, |$x: $T| $f));+)
            }
        }
    };
}

/// Defines an elementwise binary slot with broadcasting:
/// `binary_fn!(name, "op"; group |x, y: T| expr; ...)`.
macro_rules! binary_fn {
    ($(#[$meta:meta])* $name:ident, $op:literal; $($group:ident |$x:ident, $y:ident: $T:ident| $f:expr);+ $(;)?) => {
        $(#[$meta])*
        pub(crate) fn $name(
            a: &tensorswitch::Tensor,
            b: &tensorswitch::Tensor,
        ) -> tensorswitch::Result<tensorswitch::Tensor> {
            let out: $crate::NdArray = on_pair!($op, $crate::input_array($op, a)?, $crate::input_array($op, b)?;
                $($group |p, q: $T| $crate::zip2($op, p, q, |$x: $T, $y: $T| $f)?.into());+);
            // Operands of one shape give a result of that shape; else it is broadcast.
            if a.same_shape(b) {
                Ok(out.into_tensor_like(a))
            } else {
                Ok(out.into_tensor())
            }
        }

        /// The same op on one block of a fused program (see `crate::fused`).
        pub(crate) mod $name {
            #[allow(unused_imports)]
            use super::*;

            /// `out[..n] = f(a[..n], b[..n])`; false when the registers' dtypes are not the
            /// op's.
            $(#[$meta])*
            pub(crate) fn block(
                a: &$crate::fused::Reg,
                b: &$crate::fused::Reg,
                out: &mut $crate::fused::Reg,
                n: usize,
            ) -> bool {
                on_reg_pair!(a, b; $($group |p, q: $T| $crate::fused::map2(p, q, out, n, |$x: $T, $y: $T| $f));+)
            }
        }
    };
}

/// Like [`on_array!`] for a register of a fused program (`&Reg`), binding its elements as
/// `&[T]`; a dtype in no group gives `false`.
macro_rules! on_reg {
    (@go $r:expr;) => {{
        let _ = $r;
        false
    }};
    (@go $r:expr; [$($V:ident $t:ty),*] |$a:ident: $T:ident| $body:expr $(; $($rest:tt)*)?) => {
        match $r {
            $($crate::fused::Reg::$V(v) => {
                #[allow(dead_code)]
                type $T = $t;
                let $a: &[$t] = v;
                $body
            })*
            #[allow(unreachable_patterns)]
            other => on_reg!(@go other; $($($rest)*)?),
        }
    };
    (@go $r:expr; $group:ident $($rest:tt)*) => {
        dtype_group!($group => on_reg!(@go $r;) [$($rest)*])
    };
    ($r:expr; $($rest:tt)+) => {
        on_reg!(@go $r; $($rest)+)
    };
}

/// [`on_reg!`] for two registers that must share a dtype.
macro_rules! on_reg_pair {
    (@go $pair:expr;) => {{
        let _ = $pair;
        false
    }};
    (@go $pair:expr; [$($V:ident $t:ty),*] |$a:ident, $b:ident: $T:ident| $body:expr $(; $($rest:tt)*)?) => {
        match $pair {
            $(($crate::fused::Reg::$V(va), $crate::fused::Reg::$V(vb)) => {
                #[allow(dead_code)]
                type $T = $t;
                let ($a, $b): (&[$t], &[$t]) = (va, vb);
                $body
            })*
            #[allow(unreachable_patterns)]
            other => on_reg_pair!(@go other; $($($rest)*)?),
        }
    };
    (@go $pair:expr; $group:ident $($rest:tt)*) => {
        dtype_group!($group => on_reg_pair!(@go $pair;) [$($rest)*])
    };
    ($a:expr, $b:expr; $($rest:tt)+) => {
        on_reg_pair!(@go ($a, $b); $($rest)+)
    };
}

/// Defines an elementwise float slot with vectorised slice kernels, and its block function:
/// `vector_fn!(name, "op", f32_slice, f32_fn, f64_slice, f64_fn)`, where the slice functions
/// give the bits of the element functions (which run on strided inputs).
macro_rules! vector_fn {
    ($name:ident, $op:literal, $f32s:path, $f32e:path, $f64s:path, $f64e:path) => {
        pub(crate) fn $name(
            input: &tensorswitch::Tensor,
        ) -> tensorswitch::Result<tensorswitch::Tensor> {
            vector_slot($op, input, $f32s, $f32e, $f64s, $f64e)
        }

        /// The same op on one block of a fused program (see `crate::fused`).
        pub(crate) mod $name {
            #[allow(unused_imports)]
            use super::*;

            /// `out[..n] = f(x[..n])`; false when the registers' dtypes are not the op's.
            pub(crate) fn block(
                x: &$crate::fused::Reg,
                out: &mut $crate::fused::Reg,
                n: usize,
            ) -> bool {
                $crate::elementwise::vector_block(x, out, n, $f32s, $f64s)
            }
        }
    };
}
