//! The slot kinds of the catalogue, each with its two trampolines, written once in
//! [`slot_kinds!`]: the host's function (`host`, a slot function of the catalogue's type that
//! encodes its arguments and calls into the plugin) and the plugin's (`serve`, the `extern "C"`
//! function that decodes them and calls the backend's primary). The per-op tables come from the
//! catalogue itself ([`crate::for_each_op!`]): no op is written here by hand.

#![allow(non_snake_case)]

use super::abi::{
    device_code, device_of, dtype_code, dtype_of, scalar_of, scalar_words, Reader, TsCallFn, TsOut,
    TsTensor, Words,
};
use super::host::Loaded;
use crate::catalogue::{AxisSlice, MatrixOrd, Op, OpFn, Slot, Window2d};
use crate::dtype::{DType, HostData, Scalar};
use crate::error::Result;
use crate::tensor::{Device, Handle, Tensor};
use std::ffi::c_void;
use std::mem::ManuallyDrop;

// ----- arguments: how the host encodes each argument type, and how the plugin decodes it

/// An argument type the host encodes into words.
pub(crate) trait Put {
    fn put(&self, w: &mut Words, p: &'static Loaded) -> Result<()>;
}

/// An argument type the plugin decodes: into something it holds (`Held`) for the call, which
/// the slot function then borrows or takes (`view`).
pub(crate) trait Take<'a>: Sized {
    type Held;
    fn take(r: &mut Reader<'_>) -> Result<Self::Held>;
    fn view(h: &'a mut Self::Held) -> Self;
}

impl Put for &Tensor {
    #[inline]
    fn put(&self, w: &mut Words, p: &'static Loaded) -> Result<()> {
        w.push(p.handle_of(self)? as u64);
        Ok(())
    }
}

/// The plugin's tensor behind a handle word, borrowed: no reference is taken or given back.
///
/// # Safety
/// `w` is a handle this plugin gave out (a tensor's block address, see `give_tensor`) that the
/// host has not released: the host holds it alive for the whole call.
pub(crate) unsafe fn tensor_at(w: u64) -> ManuallyDrop<Tensor> {
    // SAFETY: the caller's contract; `ManuallyDrop` keeps the borrowed reference from being
    // given back when the value goes.
    ManuallyDrop::new(Tensor::from_handle(unsafe {
        Handle::from_raw(w as usize as *mut ())
    }))
}

impl<'a> Take<'a> for &'a Tensor {
    type Held = ManuallyDrop<Tensor>;
    #[inline]
    fn take(r: &mut Reader<'_>) -> Result<ManuallyDrop<Tensor>> {
        let w = r.word()?;
        // SAFETY: the host encodes a `&Tensor` argument as the handle of a live tensor of this
        // plugin (`Put for &Tensor`, which refuses any other tensor).
        Ok(unsafe { tensor_at(w) })
    }
    fn view(h: &'a mut ManuallyDrop<Tensor>) -> Self {
        h
    }
}

impl Put for Option<&Tensor> {
    fn put(&self, w: &mut Words, p: &'static Loaded) -> Result<()> {
        match self {
            None => w.push(0),
            Some(t) => {
                w.push(1);
                Put::put(t, w, p)?;
            }
        }
        Ok(())
    }
}

impl<'a> Take<'a> for Option<&'a Tensor> {
    type Held = Option<ManuallyDrop<Tensor>>;
    fn take(r: &mut Reader<'_>) -> Result<Self::Held> {
        Ok(match r.word()? {
            0 => None,
            _ => Some(<&Tensor as Take>::take(r)?),
        })
    }
    fn view(h: &'a mut Self::Held) -> Self {
        h.as_deref()
    }
}

impl Put for &[Tensor] {
    fn put(&self, w: &mut Words, p: &'static Loaded) -> Result<()> {
        w.push(self.len() as u64);
        for t in self.iter() {
            Put::put(&t, w, p)?;
        }
        Ok(())
    }
}

impl<'a> Take<'a> for &'a [Tensor] {
    type Held = Vec<Tensor>;
    fn take(r: &mut Reader<'_>) -> Result<Vec<Tensor>> {
        let n = r.word()? as usize;
        let handles = r.words(n)?;
        // SAFETY: as for `&Tensor`: each word is a live handle of this plugin.
        Ok(handles
            .iter()
            .map(|&w| Tensor::clone(&*unsafe { tensor_at(w) }))
            .collect())
    }
    fn view(h: &'a mut Vec<Tensor>) -> Self {
        h
    }
}

/// Plain values that are one word each.
macro_rules! word_args {
    ($($t:ty: |$v:ident| $enc:expr, |$w:ident| $dec:expr;)*) => {$(
        impl Put for $t {
            fn put(&self, w: &mut Words, _: &'static Loaded) -> Result<()> {
                let $v = *self;
                w.push($enc);
                Ok(())
            }
        }
        impl<'a> Take<'a> for $t {
            type Held = $t;
            fn take(r: &mut Reader<'_>) -> Result<$t> {
                let $w = r.word()?;
                Ok($dec)
            }
            fn view(h: &'a mut $t) -> $t {
                *h
            }
        }
    )*};
}

word_args! {
    usize: |v| v as u64, |w| w as usize;
    bool: |v| v as u64, |w| w != 0;
    f64: |v| v.to_bits(), |w| f64::from_bits(w);
    i64: |v| v as u64, |w| w as i64;
    MatrixOrd: |v| v as u64, |w| ORDS.get(w as usize).copied().unwrap_or_default();
}

const ORDS: [MatrixOrd; 8] = [
    MatrixOrd::Fro,
    MatrixOrd::Nuc,
    MatrixOrd::One,
    MatrixOrd::NegOne,
    MatrixOrd::Two,
    MatrixOrd::NegTwo,
    MatrixOrd::Inf,
    MatrixOrd::NegInf,
];

impl Put for DType {
    fn put(&self, w: &mut Words, _: &'static Loaded) -> Result<()> {
        w.push(dtype_code(*self));
        Ok(())
    }
}

impl<'a> Take<'a> for DType {
    type Held = DType;
    fn take(r: &mut Reader<'_>) -> Result<DType> {
        dtype_of(r.word()?)
    }
    fn view(h: &'a mut DType) -> DType {
        *h
    }
}

impl Put for Option<usize> {
    fn put(&self, w: &mut Words, _: &'static Loaded) -> Result<()> {
        w.push(self.is_some() as u64);
        w.push(self.unwrap_or(0) as u64);
        Ok(())
    }
}

impl<'a> Take<'a> for Option<usize> {
    type Held = Option<usize>;
    fn take(r: &mut Reader<'_>) -> Result<Option<usize>> {
        let some = r.word()? != 0;
        let v = r.word()? as usize;
        Ok(some.then_some(v))
    }
    fn view(h: &'a mut Option<usize>) -> Option<usize> {
        *h
    }
}

impl Put for Device {
    fn put(&self, w: &mut Words, _: &'static Loaded) -> Result<()> {
        let (kind, index) = device_code(*self);
        w.push(kind as u64);
        w.push(index);
        Ok(())
    }
}

impl<'a> Take<'a> for Device {
    type Held = Device;
    fn take(r: &mut Reader<'_>) -> Result<Device> {
        let kind = r.word()?;
        Ok(device_of(kind, r.word()?))
    }
    fn view(h: &'a mut Device) -> Device {
        *h
    }
}

impl Put for Scalar {
    fn put(&self, w: &mut Words, _: &'static Loaded) -> Result<()> {
        let [tag, bits] = scalar_words(*self);
        w.push(tag);
        w.push(bits);
        Ok(())
    }
}

impl<'a> Take<'a> for Scalar {
    type Held = Scalar;
    fn take(r: &mut Reader<'_>) -> Result<Scalar> {
        let tag = r.word()?;
        Ok(scalar_of(tag, r.word()?))
    }
    fn view(h: &'a mut Scalar) -> Scalar {
        *h
    }
}

impl Put for &[usize] {
    fn put(&self, w: &mut Words, _: &'static Loaded) -> Result<()> {
        w.push(self.len() as u64);
        for &v in self.iter() {
            w.push(v as u64);
        }
        Ok(())
    }
}

impl<'a> Take<'a> for &'a [usize] {
    type Held = smallvec::SmallVec<[usize; 8]>;
    fn take(r: &mut Reader<'_>) -> Result<Self::Held> {
        let n = r.word()? as usize;
        Ok(r.words(n)?.iter().map(|&v| v as usize).collect())
    }
    fn view(h: &'a mut Self::Held) -> Self {
        h
    }
}

impl Put for &[AxisSlice] {
    fn put(&self, w: &mut Words, _: &'static Loaded) -> Result<()> {
        w.push(self.len() as u64);
        for s in self.iter() {
            w.push(s.start as u64);
            w.push(s.len as u64);
            w.push(s.step as i64 as u64);
        }
        Ok(())
    }
}

impl<'a> Take<'a> for &'a [AxisSlice] {
    type Held = Vec<AxisSlice>;
    fn take(r: &mut Reader<'_>) -> Result<Vec<AxisSlice>> {
        let n = r.word()? as usize;
        let words = r.words(n.saturating_mul(3))?;
        Ok(words
            .chunks_exact(3)
            .map(|c| AxisSlice {
                start: c[0] as usize,
                len: c[1] as usize,
                step: c[2] as i64 as isize,
            })
            .collect())
    }
    fn view(h: &'a mut Vec<AxisSlice>) -> Self {
        h
    }
}

/// A window crosses as its nine sizes: kernel, stride, padding, dilation (height, width
/// each), groups.
impl Put for &Window2d {
    fn put(&self, w: &mut Words, _: &'static Loaded) -> Result<()> {
        for pair in [self.kernel, self.stride, self.padding, self.dilation] {
            w.push(pair[0] as u64);
            w.push(pair[1] as u64);
        }
        w.push(self.groups as u64);
        Ok(())
    }
}

impl<'a> Take<'a> for &'a Window2d {
    type Held = Window2d;
    fn take(r: &mut Reader<'_>) -> Result<Window2d> {
        let v = r.words(9)?;
        let pair = |i: usize| [v[i] as usize, v[i + 1] as usize];
        Ok(Window2d {
            kernel: pair(0),
            stride: pair(2),
            padding: pair(4),
            dilation: pair(6),
            groups: v[8] as usize,
        })
    }
    fn view(h: &'a mut Window2d) -> Self {
        h
    }
}

/// Host data crosses borrowed: its dtype, the address of its elements and their number. The
/// plugin copies it during the call (`from_host` takes ownership, and the two sides' vectors
/// come from different allocators).
impl Put for HostData {
    fn put(&self, w: &mut Words, _: &'static Loaded) -> Result<()> {
        w.push(dtype_code(self.dtype()));
        let (ptr, len) = crate::match_host_data!(self, v => (v.as_ptr() as usize, v.len()));
        w.push(ptr as u64);
        w.push(len as u64);
        Ok(())
    }
}

impl<'a> Take<'a> for HostData {
    type Held = HostData;
    fn take(r: &mut Reader<'_>) -> Result<HostData> {
        let dtype = dtype_of(r.word()?)?;
        let ptr = r.word()? as usize;
        let len = r.word()? as usize;
        /// Copies `len` elements of type `T` from the host's vector.
        ///
        /// # Safety
        /// `ptr` and `len` are those of a live `Vec<T>` of the host (see `Put for HostData`).
        unsafe fn copy<T: Copy>(ptr: usize, len: usize) -> Vec<T> {
            if len == 0 {
                return Vec::new();
            }
            // SAFETY: the caller's contract; the host keeps the vector alive during the call.
            unsafe { std::slice::from_raw_parts(ptr as *const T, len) }.to_vec()
        }
        // SAFETY: the dtype word names the vector's element type (`Put for HostData` writes
        // both from one `HostData`).
        Ok(unsafe {
            match dtype {
                DType::Bool => HostData::Bool(copy(ptr, len)),
                DType::Int8 => HostData::Int8(copy(ptr, len)),
                DType::Int16 => HostData::Int16(copy(ptr, len)),
                DType::Int32 => HostData::Int32(copy(ptr, len)),
                DType::Int64 => HostData::Int64(copy(ptr, len)),
                DType::UInt8 => HostData::UInt8(copy(ptr, len)),
                DType::UInt16 => HostData::UInt16(copy(ptr, len)),
                DType::UInt32 => HostData::UInt32(copy(ptr, len)),
                DType::UInt64 => HostData::UInt64(copy(ptr, len)),
                DType::Float32 => HostData::Float32(copy(ptr, len)),
                DType::Float64 => HostData::Float64(copy(ptr, len)),
                DType::Float16 | DType::BFloat16 => {
                    return Err(crate::error::backend_error(
                        "plugin",
                        "from_host",
                        format!("{dtype} has no host representation"),
                    ))
                }
            }
        })
    }
    fn view(h: &'a mut HostData) -> HostData {
        std::mem::replace(h, HostData::Bool(Vec::new()))
    }
}

// ----- results: how the plugin sends them and the host receives them

/// A result the plugin hands over.
pub(crate) trait Give {
    fn give(self, out: &mut TsOut);
}

/// A result the host takes over.
pub(crate) trait Receive: Sized {
    fn receive(out: &mut TsOut, p: &'static Loaded) -> Result<Self>;
}

/// Writes a direct call's result: only the handle when the host takes blocks over (it reads
/// nothing else), the whole description otherwise.
///
/// # Safety
/// `result` is writable (possibly uninitialised).
#[inline(always)]
pub(crate) unsafe fn give_tensor_to(t: Tensor, result: *mut TsTensor) {
    if super::serve::shares_blocks() {
        super::serve::note_result(&t);
        // SAFETY: the function's contract; the host reads only this field.
        unsafe {
            std::ptr::addr_of_mut!((*result).handle)
                .write(t.into_handle().into_raw() as *mut c_void)
        };
    } else {
        // SAFETY: the function's contract.
        unsafe { result.write(give_tensor(t)) };
    }
}

#[inline]
pub(crate) fn give_tensor(t: Tensor) -> TsTensor {
    super::serve::note_result(&t);
    // The packed device word is the boundary's code already: the kind (0 CPU, 1 CUDA, 2
    // Metal) in the top two bits, the index below.
    let bits = t.handle().meta().device_bits();
    let (device_kind, device_index) = ((bits >> 62) as u32, bits & ((1 << 62) - 1));
    let dtype = dtype_code(t.dtype()) as u32;
    // The shape lives in the tensor's block on the heap, which stays alive and in place until
    // the host releases the handle (the reference given up here).
    let ndim = t.ndim();
    let shape = t.shape().as_ptr();
    TsTensor {
        handle: t.into_handle().into_raw() as *mut c_void,
        dtype,
        device_kind,
        device_index,
        ndim,
        shape,
    }
}

impl Give for Tensor {
    #[inline]
    fn give(self, out: &mut TsOut) {
        out.tensors[0] = give_tensor(self);
        out.n_tensors = 1;
    }
}

impl<const N: usize> Give for [Tensor; N] {
    fn give(self, out: &mut TsOut) {
        for (i, t) in self.into_iter().enumerate() {
            out.tensors[i] = give_tensor(t);
        }
        out.n_tensors = N as u32;
    }
}

impl Give for HostData {
    fn give(self, out: &mut TsOut) {
        out.host_dtype = dtype_code(self.dtype()) as u32;
        let (ptr, bytes) = crate::match_host_data!(&self, v => (v.as_ptr().cast::<u8>(), std::mem::size_of_val(v.as_slice())));
        out.host = super::serve::buffer(Box::new(self), ptr, bytes);
    }
}

impl Receive for Tensor {
    #[inline]
    fn receive(out: &mut TsOut, p: &'static Loaded) -> Result<Tensor> {
        let [t] = p.take_tensors::<1>(out)?;
        Ok(t)
    }
}

impl<const N: usize> Receive for [Tensor; N] {
    fn receive(out: &mut TsOut, p: &'static Loaded) -> Result<[Tensor; N]> {
        p.take_tensors::<N>(out)
    }
}

impl Receive for HostData {
    fn receive(out: &mut TsOut, p: &'static Loaded) -> Result<HostData> {
        p.take_host(out)
    }
}

// ----- the slot kinds

/// The host's slot function of a kind: through its direct trampoline, which passes the handles
/// as they are, where the kind has one; through the argument words otherwise.
macro_rules! host_fn {
    ($direct:ident; ($($arg:ident : $ty:ty),*) => $ret:ty) => {
        pub(crate) fn host<const P: usize, const OP: usize>($($arg: $ty),*) -> Result<$ret> {
            super::super::host::slot(P)?.$direct::<P, OP>($($arg),*)
        }
    };
    (; ($($arg:ident : $ty:ty),*) => $ret:ty) => {
        pub(crate) fn host<const P: usize, const OP: usize>($($arg: $ty),*) -> Result<$ret> {
            words::<P, OP>(super::super::host::slot(P)?, $($arg),*)
        }
    };
}

/// One module per slot kind, named as the catalogue's type: `host` (the host's slot function
/// for op `OP` of plugin `P`), `serve` (the plugin's `extern "C"` trampoline) and `ctx` (the
/// backend's function as the `ctx` pointer `serve` gets back).
macro_rules! slot_kinds {
    ($( $kind:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty $(=> $direct:ident)?; )*) => {$(
        pub(crate) mod $kind {
            #[allow(unused_imports)]
            use super::*;

            host_fn!($($direct)?; ($($arg: $ty),*) => $ret);

            /// The call through argument words.
            pub(crate) fn words<const P: usize, const OP: usize>(
                plugin: &'static Loaded,
                $($arg: $ty),*
            ) -> Result<$ret> {
                let mut w = Words::new();
                $( Put::put(&$arg, &mut w, plugin)?; )*
                plugin.call::<$ret>(OP, &w)
            }

            /// The plugin's direct trampoline of the kind, if it has one.
            pub(crate) fn direct() -> *const c_void {
                $( return super::direct::$direct as *const c_void; )?
                #[allow(unreachable_code)]
                std::ptr::null()
            }

            pub(crate) fn ctx(f: crate::catalogue::$kind) -> *const c_void {
                f as *const c_void
            }

            /// # Safety
            /// `ctx` comes from [`ctx`] of this module in this library, `args` points at
            /// `n_args` words the host encoded for this slot kind (alive for the call), `out`
            /// at a writable [`TsOut`].
            pub(crate) unsafe extern "C" fn serve(
                ctx: *const c_void,
                args: *const u64,
                n_args: usize,
                out: *mut TsOut,
            ) -> i32 {
                // SAFETY: the function's contract, passed on.
                unsafe {
                    super::super::serve::guard(out, args, n_args, |words, out| {
                        // SAFETY: `ctx` was made from a `$kind` by `ctx` above (the entry
                        // pairs each op's `ctx` with its own kind's `serve`); function and data
                        // pointers have one size on every platform Rust supports.
                        let f = std::mem::transmute::<*const c_void, crate::catalogue::$kind>(ctx);
                        let mut r = Reader::new(words);
                        $( let mut $arg = <$ty as Take>::take(&mut r)?; )*
                        // A core serving a plugin needs no read section (`live::serve_plugin`);
                        // the same trampolines called in-process (the core's tests) take one.
                        let result = run_primary(|| f($( <$ty as Take>::view(&mut $arg) ),*))?;
                        Give::give(result, out);
                        Ok(())
                    })
                }
            }
        }
    )*};
}

/// Runs a primary: a core serving a plugin needs no read section (`live::serve_plugin`); the
/// same trampolines called in-process (the core's tests) take one.
#[inline]
fn run_primary<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    if crate::tensor::live::serves_plugin() {
        f()
    } else {
        crate::kit::in_read_section(f)
    }
}

/// The plugin's direct trampolines ([`super::abi::TsOp::direct`]): the argument handles as they
/// are, the result in a `TsTensor`, an error (only) in a `TsOut`.
pub(crate) mod direct {
    use super::*;

    /// A [`super::super::abi::TsUnaryFn`].
    ///
    /// # Safety
    /// `ctx` comes from `UnaryFn::ctx` in this library, `x` is a live handle of this plugin
    /// that the host holds for the call, `result` and `error` are writable.
    pub(crate) unsafe extern "C" fn unary(
        ctx: *const c_void,
        x: *mut c_void,
        result: *mut TsTensor,
        error: *mut TsOut,
    ) -> i32 {
        // SAFETY: `ctx` was made from a `UnaryFn` (the entry pairs each op's `ctx` with its own
        // kind's trampolines); function and data pointers have one size.
        let f = unsafe { std::mem::transmute::<*const c_void, crate::catalogue::UnaryFn>(ctx) };
        // SAFETY: the function's contract, passed on; the handle is live for the call.
        unsafe {
            super::super::serve::guard_direct(result, error, || {
                let x = tensor_at(x as usize as u64);
                run_primary(|| f(&x))
            })
        }
    }

    /// A [`super::super::abi::TsBinaryFn`].
    ///
    /// # Safety
    /// As [`unary`], with two handles.
    pub(crate) unsafe extern "C" fn binary(
        ctx: *const c_void,
        a: *mut c_void,
        b: *mut c_void,
        result: *mut TsTensor,
        error: *mut TsOut,
    ) -> i32 {
        // SAFETY: as in `unary`, for a `BinaryFn`.
        let f = unsafe { std::mem::transmute::<*const c_void, crate::catalogue::BinaryFn>(ctx) };
        // SAFETY: as in `unary`.
        unsafe {
            super::super::serve::guard_direct(result, error, || {
                let (a, b) = (tensor_at(a as usize as u64), tensor_at(b as usize as u64));
                run_primary(|| f(&a, &b))
            })
        }
    }
}

slot_kinds! {
    UnaryFn(x: &Tensor) -> Tensor => unary;
    BinaryFn(a: &Tensor, b: &Tensor) -> Tensor => binary;
    WhereFn(c: &Tensor, a: &Tensor, b: &Tensor) -> Tensor;
    ClipFn(x: &Tensor, lo: Option<&Tensor>, hi: Option<&Tensor>) -> Tensor;
    ReduceFn(x: &Tensor, axes: &[usize], keep: bool) -> Tensor;
    StatFn(x: &Tensor, axes: &[usize], correction: f64, keep: bool) -> Tensor;
    ArgReduceFn(x: &Tensor, axis: Option<usize>, keep: bool) -> Tensor;
    AxisFn(x: &Tensor, axis: usize) -> Tensor;
    SortFn(x: &Tensor, axis: usize, descending: bool) -> Tensor;
    ShapeFn(x: &Tensor, sizes: &[usize]) -> Tensor;
    DiagFn(x: &Tensor, k: i64) -> Tensor;
    JoinFn(xs: &[Tensor], axis: usize) -> Tensor;
    CastFn(x: &Tensor, dtype: DType) -> Tensor;
    VecdotFn(a: &Tensor, b: &Tensor, axis: usize) -> Tensor;
    TensordotFn(a: &Tensor, b: &Tensor, axes_a: &[usize], axes_b: &[usize]) -> Tensor;
    FromHostFn(data: HostData, shape: &[usize], device: Device) -> Tensor;
    ToHostFn(x: &Tensor) -> HostData;
    FullFn(shape: &[usize], value: Scalar, dtype: DType, device: Device) -> Tensor;
    FillFn(shape: &[usize], dtype: DType, device: Device) -> Tensor;
    ArangeFn(start: f64, step: f64, n: usize, dtype: DType, device: Device) -> Tensor;
    LinspaceFn(start: f64, stop: f64, num: usize, endpoint: bool, dtype: DType, device: Device) -> Tensor;
    EyeFn(rows: usize, cols: usize, k: i64, dtype: DType, device: Device) -> Tensor;
    RollFn(x: &Tensor, shifts: &[usize], axes: &[usize]) -> Tensor;
    RepeatFn(x: &Tensor, counts: &[usize], axis: usize) -> Tensor;
    DeviceFn(x: &Tensor, device: Device) -> Tensor;
    TakeFn(x: &Tensor, indices: &Tensor, axis: usize) -> Tensor;
    SliceFn(x: &Tensor, slices: &[AxisSlice]) -> Tensor;
    SearchFn(a: &Tensor, b: &Tensor, right: bool) -> Tensor;
    PutFn(x: &Tensor, indices: &Tensor, values: &Tensor) -> Tensor;
    FlagFn(x: &Tensor, flag: bool) -> Tensor;
    QrFn(x: &Tensor, complete: bool) -> [Tensor; 2];
    SvdFn(x: &Tensor, full: bool) -> [Tensor; 3];
    PairFn(x: &Tensor) -> [Tensor; 2];
    RtolFn(x: &Tensor, rtol: f64) -> Tensor;
    MatrixIntFn(x: &Tensor, n: i64) -> Tensor;
    MatrixNormFn(x: &Tensor, ord: MatrixOrd, keep: bool) -> Tensor;
    VectorNormFn(x: &Tensor, axes: &[usize], ord: f64, keep: bool) -> Tensor;
    Conv2dFn(x: &Tensor, w: &Tensor, window: &Window2d) -> Tensor;
    Pool2dFn(x: &Tensor, window: &Window2d) -> Tensor;
}

// ----- the per-op tables, from the catalogue

macro_rules! op_tables {
    ($( $(#[$doc:meta])* $op:ident = $name:literal, $group:ident, $sig:ident,
        $kind:ident $(($flavor:ident))? $(, $fb:ident)? ;)*) => {
        /// Each op's identifier and slot kind, in catalogue order.
        pub(crate) const OP_KINDS: &[(&str, &str)] = &[$( (stringify!($op), stringify!($sig)) ),*];

        /// The host's slot functions for every op of plugin `P`, in catalogue order.
        pub(crate) fn host_fns<const P: usize>() -> Vec<OpFn> {
            vec![$( OpFn::$op(Slot::new($sig::host::<P, { Op::$op as usize }>)) ),*]
        }

        /// The plugin's trampoline, context, slot kind and direct trampoline (or null) of a
        /// primary.
        pub(crate) fn serve_fn(f: OpFn) -> (TsCallFn, *const c_void, &'static str, *const c_void) {
            match f {
                $( OpFn::$op(s) => (
                    $sig::serve as TsCallFn,
                    $sig::ctx(s.inner()),
                    stringify!($sig),
                    $sig::direct(),
                ), )*
            }
        }
    };
}

crate::for_each_op!(op_tables);
