//! What a backend crate needs to wrap a framework.
//!
//! Every backend converts its framework's errors into [`Error::Backend`] naming the op, reads
//! the native value of its input tensors, wraps native results as tensors, maps dtypes to the
//! framework's and back, and converts sizes to the framework's index type. The kit does each of
//! these once; a backend declares one [`BackendKit`] next to its descriptor and calls it:
//!
//! ```
//! use tensorswitch::kit::{BackendKit, DTypeMap, OrBackendError};
//! use tensorswitch::{BackendDescriptor, DType, Device, Result, Tensor};
//!
//! # fn detect_version() -> std::result::Result<String, String> { Ok("1.0.0".into()) }
//! pub static MINE: BackendDescriptor = BackendDescriptor::new("mine", "my framework", detect_version);
//! // tensorswitch::register_backend!(MINE);
//! static KIT: BackendKit = BackendKit::new(&MINE);
//!
//! /// The framework's dtype enum and the framework's native tensor.
//! #[derive(Clone, Copy, Debug, PartialEq)]
//! enum MyDtype { F32, I64 }
//! struct MyNative(Vec<f32>);
//! static DTYPES: DTypeMap<MyDtype> =
//!     DTypeMap::new("MyDtype", &[(DType::Float32, MyDtype::F32), (DType::Int64, MyDtype::I64)]);
//!
//! fn negative(x: &Tensor) -> Result<Tensor> {
//!     const OP: &str = "negative";
//!     // A slot reads its inputs without a guard: the op's read section covers the call.
//!     // SAFETY: `negative` is a slot function and keeps no reference past the call.
//!     let input: &MyNative = unsafe { KIT.native_in_slot(OP, x) }?; // foreign: an error
//!     let _framework_dtype = DTYPES.framework(&KIT, OP, x.dtype())?;
//!     let out: Vec<f32> = "-1.0".parse::<f32>()              // any `Result<_, impl Display>`
//!         .map(|m| input.0.iter().map(|v| v * m).collect())
//!         .or_backend(&KIT, OP)?;
//!     Ok(KIT.wrap_like(x.dtype(), x, MyNative(out)))
//! }
//! ```
//!
//! Hot paths stay as cheap as hand-written code: the success paths are inlined and every error
//! is built in a `#[cold]`, never-inlined function.

use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::tensor::BackendDescriptor;
use crate::tensor::{Device, Native, Tensor};
use std::any::Any;
use std::fmt;

/// What a backend crate needs from the core, bound to its descriptor: build one `static` per
/// backend (`static KIT: BackendKit = BackendKit::new(&MY_DESCRIPTOR);`).
pub struct BackendKit {
    descriptor: &'static BackendDescriptor,
    framework_error: fn(&BackendKit, &'static str, String) -> Error,
}

impl BackendKit {
    /// The kit of the backend `descriptor` describes. Framework errors become
    /// [`Error::Backend`] with the framework's message (see [`BackendKit::with_framework_errors`]).
    pub const fn new(descriptor: &'static BackendDescriptor) -> BackendKit {
        BackendKit {
            descriptor,
            framework_error: plain_framework_error,
        }
    }

    /// Declares how the framework's error messages become errors: `translate` gets the kit,
    /// the op and the message (the error's `Display`), and may clean the message (drop a stack
    /// trace) or recognise an error with a variant of its own (an allocation failure as
    /// [`Error::OutOfMemory`]); [`BackendKit::error`] builds the plain [`Error::Backend`].
    pub const fn with_framework_errors(
        mut self,
        translate: fn(&BackendKit, &'static str, String) -> Error,
    ) -> BackendKit {
        self.framework_error = translate;
        self
    }

    /// The backend's name (`set_backend`'s argument).
    #[inline]
    pub fn name(&self) -> &'static str {
        self.descriptor.name
    }

    /// The backend's descriptor.
    #[inline]
    pub fn descriptor(&self) -> &'static BackendDescriptor {
        self.descriptor
    }

    /// `Error::Backend` of this backend: "the framework (or the backend) failed in `op`".
    #[cold]
    #[inline(never)]
    pub fn error(&self, op: &'static str, message: impl fmt::Display) -> Error {
        Error::Backend {
            backend: self.name().to_string(),
            op,
            message: message.to_string(),
        }
    }

    /// The error for a framework error `e` raised in `op` (see
    /// [`BackendKit::with_framework_errors`]); [`OrBackendError::or_backend`] calls it.
    #[cold]
    #[inline(never)]
    pub fn framework_error(&self, op: &'static str, e: impl fmt::Display) -> Error {
        (self.framework_error)(self, op, e.to_string())
    }

    /// The error for a dtype the core never sends to `op` (the backend declared it unsupported,
    /// or the op's signature excludes it): a bug in the core or the backend, not in the call.
    #[cold]
    #[inline(never)]
    pub fn unexpected_dtype(&self, op: &'static str, dtype: DType) -> Error {
        self.error(
            op,
            format!("got dtype {dtype}, which the core never sends to this op"),
        )
    }

    /// Like [`BackendKit::unexpected_dtype`], for a pair of operands the core should have
    /// promoted to one supported dtype.
    #[cold]
    #[inline(never)]
    pub fn unexpected_dtypes(&self, op: &'static str, a: DType, b: DType) -> Error {
        self.error(
            op,
            format!("got dtypes {a} and {b}; the core sends one supported dtype to this op"),
        )
    }

    /// The native value of a tensor of this backend (type `N`, what the backend passed to
    /// [`BackendKit::wrap`]), as a guard ([`Tensor::native`]); an error naming the tensor's
    /// backend otherwise.
    #[inline]
    pub fn native<'a, N: Any>(&self, op: &'static str, t: &'a Tensor) -> Result<Native<'a, N>> {
        match t.native::<N>() {
            Some(n) => Ok(n),
            None => Err(self.foreign_native::<N>(op, t)),
        }
    }

    /// The native value of an input tensor of a slot call, without a guard (the slot call's
    /// own read section covers it); an error naming the tensor's backend otherwise.
    ///
    /// # Safety
    /// As for [`Tensor::native_in_slot`]: called by a slot function on one of its inputs, and
    /// the reference is not kept beyond the slot call.
    #[inline(always)]
    #[allow(unsafe_code)]
    pub unsafe fn native_in_slot<'a, N: Any>(
        &self,
        op: &'static str,
        t: &'a Tensor,
    ) -> Result<&'a N> {
        // SAFETY: the caller's contract is `native_in_slot`'s.
        match unsafe { t.native_in_slot::<N>() } {
            Some(n) => Ok(n),
            None => Err(self.slot_native_error::<N>(op, t)),
        }
    }

    #[cold]
    #[inline(never)]
    fn slot_native_error<N>(&self, op: &'static str, t: &Tensor) -> Error {
        if !crate::tensor::live::in_section() {
            return self.error(
                op,
                "a slot function was called outside an op; call the op (or wrap the call in \
                 tensorswitch::kit::in_read_section)",
            );
        }
        self.foreign_native::<N>(op, t)
    }

    #[cold]
    #[inline(never)]
    fn foreign_native<N>(&self, op: &'static str, t: &Tensor) -> Error {
        let what = if t.backend() == self.name() {
            // Same backend, other native type: the backend wrapped something else.
            format!(
                "got a tensor of backend `{}` whose native value is not a {}",
                t.backend(),
                std::any::type_name::<N>()
            )
        } else {
            format!(
                "got a tensor of backend `{}`, not one of backend `{}`",
                t.backend(),
                self.name()
            )
        };
        self.error(op, what)
    }

    /// A tensor of this backend holding `native` (no copy).
    #[inline]
    pub fn wrap<N: Any + Send + Sync>(
        &self,
        dtype: DType,
        shape: &[usize],
        device: Device,
        native: N,
    ) -> Tensor {
        Tensor::from_native(self.descriptor, dtype, shape, device, native)
    }

    /// A tensor of this backend holding `native`, with `like`'s shape and device (elementwise
    /// results; cheaper than [`BackendKit::wrap`], which copies the shape).
    #[inline]
    pub fn wrap_like<N: Any + Send + Sync>(
        &self,
        dtype: DType,
        like: &Tensor,
        native: N,
    ) -> Tensor {
        Tensor::from_native_like(self.descriptor, dtype, like, native)
    }

    /// A size or axis as the framework's index type `I` (`i64` for libtorch, `i32` for MLX).
    /// A value `I` cannot hold is [`Error::InvalidShape`]: a wrapping `as` cast would turn it
    /// into a negative or smaller size, which frameworks read as "infer" or silently accept.
    #[inline]
    pub fn size_as<I: TryFrom<usize>>(&self, op: &'static str, d: usize) -> Result<I> {
        match I::try_from(d) {
            Ok(i) => Ok(i),
            Err(_) => Err(self.size_too_large::<I>(op, d)),
        }
    }

    /// Sizes or axes as the framework's index type, each checked as [`BackendKit::size_as`].
    pub fn sizes_as<I: TryFrom<usize>>(&self, op: &'static str, v: &[usize]) -> Result<Vec<I>> {
        v.iter().map(|&d| self.size_as(op, d)).collect()
    }

    #[cold]
    #[inline(never)]
    fn size_too_large<I>(&self, op: &'static str, d: usize) -> Error {
        Error::InvalidShape {
            op,
            reason: format!(
                "size {d} does not fit the {} sizes of backend `{}`",
                std::any::type_name::<I>(),
                self.name()
            ),
        }
    }
}

impl fmt::Debug for BackendKit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BackendKit")
            .field("backend", &self.name())
            .finish_non_exhaustive()
    }
}

fn plain_framework_error(kit: &BackendKit, op: &'static str, message: String) -> Error {
    kit.error(op, message)
}

/// Turns a framework's `Result` into tensorswitch's: `result.or_backend(&KIT, op)?`.
pub trait OrBackendError<T> {
    /// `Ok` as it is; an error through [`BackendKit::framework_error`].
    fn or_backend(self, kit: &BackendKit, op: &'static str) -> Result<T>;
}

impl<T, E: fmt::Display> OrBackendError<T> for std::result::Result<T, E> {
    #[inline]
    fn or_backend(self, kit: &BackendKit, op: &'static str) -> Result<T> {
        match self {
            Ok(v) => Ok(v),
            Err(e) => Err(kit.framework_error(op, e)),
        }
    }
}

/// The dtypes a framework shares with tensorswitch, as pairs `(DType, framework dtype)`: one
/// table for both directions. Dtypes without a pair are ones the backend declares unsupported
/// (the core never sends them); framework dtypes without one have no tensorswitch dtype.
#[derive(Debug)]
pub struct DTypeMap<F: 'static> {
    framework: &'static str,
    pairs: &'static [(DType, F)],
}

impl<F: Copy + PartialEq + fmt::Debug> DTypeMap<F> {
    /// The map; `framework` names the framework's dtype type in messages (`"tch Kind"`).
    pub const fn new(framework: &'static str, pairs: &'static [(DType, F)]) -> DTypeMap<F> {
        DTypeMap { framework, pairs }
    }

    /// The pairs, in the order given.
    pub fn pairs(&self) -> &'static [(DType, F)] {
        self.pairs
    }

    /// The framework's dtype for `dtype`.
    #[inline]
    pub fn framework(&self, kit: &BackendKit, op: &'static str, dtype: DType) -> Result<F> {
        for &(d, f) in self.pairs {
            if d == dtype {
                return Ok(f);
            }
        }
        Err(self.no_framework_dtype(kit, op, dtype))
    }

    /// The tensorswitch dtype of the framework's `dtype`.
    #[inline]
    pub fn dtype(&self, kit: &BackendKit, op: &'static str, dtype: F) -> Result<DType> {
        for &(d, f) in self.pairs {
            if f == dtype {
                return Ok(d);
            }
        }
        Err(self.no_dtype(kit, op, dtype))
    }

    #[cold]
    #[inline(never)]
    fn no_framework_dtype(&self, kit: &BackendKit, op: &'static str, dtype: DType) -> Error {
        kit.error(
            op,
            format!(
                "dtype {dtype} has no {} counterpart; the backend declares it unsupported",
                self.framework
            ),
        )
    }

    #[cold]
    #[inline(never)]
    fn no_dtype(&self, kit: &BackendKit, op: &'static str, dtype: F) -> Error {
        kit.error(
            op,
            format!(
                "the framework returned a value of {} {dtype:?}, which has no tensorswitch dtype",
                self.framework
            ),
        )
    }
}

/// Runs `f` inside a read section, as tensorswitch's dispatch runs every slot call: for
/// backend authors' tests that call a slot function directly. Converting switches wait until
/// `f` returns (and a converting switch made inside `f` fails).
pub fn in_read_section<R>(f: impl FnOnce() -> R) -> R {
    let _section = crate::tensor::live::enter();
    f()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version() -> std::result::Result<String, String> {
        Ok("1.2.3".to_string())
    }

    // Not registered: the kit needs only a descriptor.
    static KIT_TEST: BackendDescriptor = BackendDescriptor::new("kit-test", "a test", version);
    static KIT: BackendKit = BackendKit::new(&KIT_TEST);

    static OTHER_DESCRIPTOR: BackendDescriptor =
        BackendDescriptor::new("kit-other", "another test", version);
    static OTHER: BackendKit = BackendKit::new(&OTHER_DESCRIPTOR);

    /// Drops a trace after the message and reports "oom" as an allocation failure.
    fn translate(kit: &BackendKit, op: &'static str, message: String) -> Error {
        let message = message.split('\n').next().unwrap_or_default().to_string();
        if message == "oom" {
            Error::OutOfMemory { op, bytes: 0 }
        } else {
            kit.error(op, message)
        }
    }
    static TRANSLATING: BackendKit = BackendKit::new(&KIT_TEST).with_framework_errors(translate);

    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Fw {
        F32,
        I8,
        Complex,
    }
    static MAP: DTypeMap<Fw> =
        DTypeMap::new("Fw", &[(DType::Float32, Fw::F32), (DType::Int8, Fw::I8)]);

    fn backend(backend: &str, op: &'static str, message: &str) -> Error {
        Error::Backend {
            backend: backend.to_string(),
            op,
            message: message.to_string(),
        }
    }

    #[test]
    fn errors_name_the_backend_and_the_op() {
        assert_eq!(KIT.name(), "kit-test");
        assert!(std::ptr::eq(KIT.descriptor(), &KIT_TEST));
        assert_eq!(
            KIT.error("add", "it broke"),
            backend("kit-test", "add", "it broke")
        );
        let e = KIT.error("add", 42);
        assert_eq!(e.to_string(), "backend `kit-test` failed in `add`: 42");
        assert_eq!(
            KIT.unexpected_dtype("sum", DType::Float16),
            backend(
                "kit-test",
                "sum",
                "got dtype float16, which the core never sends to this op"
            )
        );
        assert_eq!(
            KIT.unexpected_dtypes("add", DType::Int8, DType::UInt64),
            backend(
                "kit-test",
                "add",
                "got dtypes int8 and uint64; the core sends one supported dtype to this op"
            )
        );
    }

    #[test]
    fn or_backend_converts_only_errors() {
        let ok: std::result::Result<u8, String> = Ok(7);
        assert_eq!(ok.or_backend(&KIT, "abs"), Ok(7));
        let parsed = "x".parse::<i32>().or_backend(&KIT, "reshape");
        assert_eq!(
            parsed,
            Err(backend(
                "kit-test",
                "reshape",
                "invalid digit found in string"
            ))
        );
    }

    #[test]
    fn framework_errors_go_through_the_translation() {
        let e: std::result::Result<(), &str> = Err("bad shape\n  at frame 1\n  at frame 2");
        assert_eq!(
            e.or_backend(&TRANSLATING, "matmul"),
            Err(backend("kit-test", "matmul", "bad shape"))
        );
        let e: std::result::Result<(), &str> = Err("oom\nframes");
        assert_eq!(
            e.or_backend(&TRANSLATING, "full"),
            Err(Error::OutOfMemory {
                op: "full",
                bytes: 0
            })
        );
        // The plain kit keeps the whole message.
        let e: std::result::Result<(), &str> = Err("oom\nframes");
        assert_eq!(
            e.or_backend(&KIT, "full"),
            Err(backend("kit-test", "full", "oom\nframes"))
        );
    }

    #[test]
    fn native_reads_only_this_backends_values() {
        let t = KIT.wrap(DType::Float32, &[2, 3], Device::Cpu, vec![1.5f32; 6]);
        assert_eq!(t.backend(), "kit-test");
        assert_eq!(
            (t.dtype(), t.shape(), t.device()),
            (DType::Float32, &[2usize, 3][..], Device::Cpu)
        );
        assert_eq!(KIT.native::<Vec<f32>>("exp", &t).map(|v| v[5]), Ok(1.5));

        let like = KIT.wrap_like(DType::Int8, &t, 0u8);
        assert_eq!(
            (like.dtype(), like.shape()),
            (DType::Int8, &[2usize, 3][..])
        );

        let foreign = OTHER.wrap(DType::Float64, &[1], Device::Cpu, vec![0f64]);
        assert_eq!(
            KIT.native::<Vec<f32>>("exp", &foreign).unwrap_err(),
            backend(
                "kit-test",
                "exp",
                "got a tensor of backend `kit-other`, not one of backend `kit-test`"
            )
        );
        let Err(Error::Backend { message, .. }) = KIT.native::<String>("exp", &t) else {
            panic!("a native value of another type is a backend error");
        };
        assert!(
            message.starts_with("got a tensor of backend `kit-test` whose native value is not"),
            "{message}"
        );
    }

    #[test]
    fn sizes_convert_with_checks() {
        assert_eq!(KIT.size_as::<i32>("reshape", 5), Ok(5i32));
        assert_eq!(
            KIT.sizes_as::<i64>("reshape", &[1, 2, 3]),
            Ok(vec![1i64, 2, 3])
        );
        let too_large = i32::MAX as usize + 1;
        assert_eq!(
            KIT.sizes_as::<i32>("reshape", &[1, too_large]),
            Err(Error::InvalidShape {
                op: "reshape",
                reason: format!(
                    "size {too_large} does not fit the i32 sizes of backend `kit-test`"
                ),
            })
        );
        assert!(KIT.size_as::<i64>("full", usize::MAX).is_err());
    }

    #[test]
    fn dtype_maps_go_both_ways_and_name_the_gaps() {
        assert_eq!(MAP.framework(&KIT, "astype", DType::Int8), Ok(Fw::I8));
        assert_eq!(MAP.dtype(&KIT, "astype", Fw::F32), Ok(DType::Float32));
        for &(d, f) in MAP.pairs() {
            assert_eq!(
                MAP.dtype(&KIT, "x", MAP.framework(&KIT, "x", d).unwrap()),
                Ok(d)
            );
            assert_eq!(
                MAP.framework(&KIT, "x", MAP.dtype(&KIT, "x", f).unwrap()),
                Ok(f)
            );
        }
        assert_eq!(
            MAP.framework(&KIT, "astype", DType::UInt16),
            Err(backend(
                "kit-test",
                "astype",
                "dtype uint16 has no Fw counterpart; the backend declares it unsupported"
            ))
        );
        assert_eq!(
            MAP.dtype(&KIT, "matmul", Fw::Complex),
            Err(backend(
                "kit-test",
                "matmul",
                "the framework returned a value of Fw Complex, which has no tensorswitch dtype"
            ))
        );
    }
}
