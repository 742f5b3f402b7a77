//! Fused elementwise programs (see `tensorswitch::fused`): a chain of elementwise ops run
//! block by block, so each element is read once, carried through every op while its block is
//! in L1, and written once, instead of one full pass (and one result array) per op.
//!
//! A program's values live in *registers*: vectors of one block (at most [`BLOCK`]
//! elements) of one dtype. For each block, the inputs are loaded (copied, or broadcast), each
//! instruction runs a tight loop over its registers, and the program's outputs are appended
//! to their result vectors. The per-element functions are the slots' own: `unary_fn!` and
//! `binary_fn!` define each op's slot and its block function from one expression, and
//! `astype`, `where` and the `vector_fn!` ops (`exp`, `tanh`, ...) share theirs with their slots, so fused results equal the slots',
//! bit for bit.

use crate::{buf, elementwise, NdArray, NdElement, KIT};
use std::borrow::Cow;
use tensorswitch::fused::{FuseHook, FusedKernel, FusedProgram};
use tensorswitch::{DType, Op, Result, Tensor};

/// Elements per block: 4 KiB of float32, so a chain's few live registers stay in L1.
pub(crate) const BLOCK: usize = 1024;

/// The hook the backend's descriptor declares.
pub(crate) static HOOK: FuseHook = FuseHook { supports, compile };

/// One block of one dtype.
#[derive(Debug)]
pub(crate) enum Reg {
    Bool(Vec<bool>),
    Int8(Vec<i8>),
    Int16(Vec<i16>),
    Int32(Vec<i32>),
    Int64(Vec<i64>),
    UInt8(Vec<u8>),
    UInt16(Vec<u16>),
    UInt32(Vec<u32>),
    UInt64(Vec<u64>),
    Float32(Vec<f32>),
    Float64(Vec<f64>),
}

/// An element type of a register.
pub(crate) trait RegElem: NdElement + Default {
    fn reg(v: Vec<Self>) -> Reg;
    fn get_mut(r: &mut Reg) -> Option<&mut Vec<Self>>;
}

macro_rules! reg_elem {
    ($($t:ty => $V:ident),*) => {$(
        impl RegElem for $t {
            fn reg(v: Vec<Self>) -> Reg {
                Reg::$V(v)
            }
            #[inline]
            fn get_mut(r: &mut Reg) -> Option<&mut Vec<Self>> {
                match r {
                    Reg::$V(v) => Some(v),
                    _ => None,
                }
            }
        }
    )*};
}

reg_elem!(bool => Bool, i8 => Int8, i16 => Int16, i32 => Int32, i64 => Int64, u8 => UInt8,
    u16 => UInt16, u32 => UInt32, u64 => UInt64, f32 => Float32, f64 => Float64);

impl Reg {
    /// A register of `len` elements of `dtype` (`None` for the dtypes the backend lacks).
    fn new(dtype: DType, len: usize) -> Option<Reg> {
        fn make<T: RegElem>(len: usize) -> Option<Reg> {
            Some(T::reg(vec![T::default(); len]))
        }
        match dtype {
            DType::Bool => make::<bool>(len),
            DType::Int8 => make::<i8>(len),
            DType::Int16 => make::<i16>(len),
            DType::Int32 => make::<i32>(len),
            DType::Int64 => make::<i64>(len),
            DType::UInt8 => make::<u8>(len),
            DType::UInt16 => make::<u16>(len),
            DType::UInt32 => make::<u32>(len),
            DType::UInt64 => make::<u64>(len),
            DType::Float32 => make::<f32>(len),
            DType::Float64 => make::<f64>(len),
            _ => None,
        }
    }
}

/// `out[..n] = f(x[..n])` when `out` holds `R`s.
#[inline]
pub(crate) fn map1<T: Copy, R: RegElem>(
    x: &[T],
    out: &mut Reg,
    n: usize,
    f: impl Fn(T) -> R,
) -> bool {
    let Some(o) = R::get_mut(out) else {
        return false;
    };
    for (o, &x) in o[..n].iter_mut().zip(&x[..n]) {
        *o = f(x);
    }
    true
}

/// `out[..n] = f(a[..n], b[..n])` when `out` holds `R`s.
#[inline]
pub(crate) fn map2<T: Copy, R: RegElem>(
    a: &[T],
    b: &[T],
    out: &mut Reg,
    n: usize,
    f: impl Fn(T, T) -> R,
) -> bool {
    let Some(o) = R::get_mut(out) else {
        return false;
    };
    for ((o, &x), &y) in o[..n].iter_mut().zip(&a[..n]).zip(&b[..n]) {
        *o = f(x, y);
    }
    true
}

type Unary = fn(&Reg, &mut Reg, usize) -> bool;
type Binary = fn(&Reg, &Reg, &mut Reg, usize) -> bool;
type Ternary = fn(&Reg, &Reg, &Reg, &mut Reg, usize) -> bool;

/// The block function of an op (those whose slot is a plain `unary_fn!`/`binary_fn!`, plus
/// `astype` and `where`).
#[derive(Clone, Copy)]
enum Kernel {
    Unary(Unary),
    Binary(Binary),
    Ternary(Ternary),
}

fn kernel(op: Op) -> Option<Kernel> {
    use elementwise as e;
    use Kernel::{Binary as B, Unary as U};
    Some(match op {
        Op::add => B(e::add::block),
        Op::subtract => B(e::subtract::block),
        Op::multiply => B(e::multiply::block),
        Op::divide => B(e::divide::block),
        Op::maximum => B(e::maximum::block),
        Op::minimum => B(e::minimum::block),
        Op::logaddexp => B(e::logaddexp::block),
        Op::atan2 => B(e::atan2::block),
        Op::hypot => B(e::hypot::block),
        Op::equal => B(e::equal::block),
        Op::less => B(e::less::block),
        Op::less_equal => B(e::less_equal::block),
        Op::logical_and => B(e::logical_and::block),
        Op::logical_or => B(e::logical_or::block),
        Op::bitwise_and => B(e::bitwise_and::block),
        Op::bitwise_or => B(e::bitwise_or::block),
        Op::bitwise_xor => B(e::bitwise_xor::block),
        Op::bitwise_left_shift => B(e::bitwise_left_shift::block),
        Op::bitwise_right_shift => B(e::bitwise_right_shift::block),
        Op::floor_divide => B(e::floor_divide::block),
        Op::remainder => B(e::remainder::block),
        Op::copysign => B(e::copysign::block),
        Op::negative => U(e::negative::block),
        Op::abs => U(e::abs::block),
        Op::exp => U(e::exp::block),
        Op::log => U(e::log::block),
        Op::sqrt => U(e::sqrt::block),
        Op::sin => U(e::sin::block),
        Op::cos => U(e::cos::block),
        Op::tan => U(e::tan::block),
        Op::tanh => U(e::tanh::block),
        Op::sinh => U(e::sinh::block),
        Op::cosh => U(e::cosh::block),
        Op::asin => U(e::asin::block),
        Op::acos => U(e::acos::block),
        Op::atan => U(e::atan::block),
        Op::asinh => U(e::asinh::block),
        Op::acosh => U(e::acosh::block),
        Op::atanh => U(e::atanh::block),
        Op::log2 => U(e::log2::block),
        Op::log10 => U(e::log10::block),
        Op::floor => U(e::floor::block),
        Op::ceil => U(e::ceil::block),
        Op::round => U(e::round::block),
        Op::sign => U(e::sign::block),
        Op::trunc => U(e::trunc::block),
        Op::logical_not => U(e::logical_not::block),
        Op::bitwise_invert => U(e::bitwise_invert::block),
        Op::isnan => U(e::isnan::block),
        Op::isinf => U(e::isinf::block),
        Op::isfinite => U(e::isfinite::block),
        Op::signbit => U(e::signbit::block),
        Op::relu => U(crate::nn::relu::block),
        Op::sigmoid => U(crate::nn::sigmoid::block),
        Op::silu => U(crate::nn::silu::block),
        Op::gelu => U(crate::nn::gelu::block),
        Op::astype => U(cast_block),
        Op::where_ => Kernel::Ternary(where_block),
        _ => return None,
    })
}

/// `astype` on a block: each element converted as the slot converts it.
fn cast_block(x: &Reg, out: &mut Reg, n: usize) -> bool {
    fn into<S: NdElement>(a: &[S], out: &mut Reg, n: usize) -> bool {
        macro_rules! to {
            ($($V:ident),*) => {
                match out {
                    $(Reg::$V(o) => {
                        for (o, &v) in o[..n].iter_mut().zip(&a[..n]) {
                            *o = crate::manip::cast_value(v);
                        }
                    })*
                }
            };
        }
        to!(Bool, Int8, Int16, Int32, Int64, UInt8, UInt16, UInt32, UInt64, Float32, Float64);
        true
    }
    on_reg!(x; any |a: S| into(a, out, n))
}

/// `where` on a block: the slot's selection.
fn where_block(c: &Reg, x: &Reg, y: &Reg, out: &mut Reg, n: usize) -> bool {
    let Reg::Bool(c) = c else {
        return false;
    };
    on_reg_pair!(x, y; any |p, q: T| {
        let Some(o) = T::get_mut(out) else {
            return false;
        };
        for (((o, &c), &x), &y) in o[..n].iter_mut().zip(&c[..n]).zip(&p[..n]).zip(&q[..n]) {
            *o = elementwise::select_one(c, x, y);
        }
        true
    })
}

/// Whether `op` fuses with these dtypes: its block function is tried on one element.
fn supports(op: Op, variant: &str, inputs: &[DType], out: DType) -> bool {
    // Version variants are left to their slots.
    if variant != op.ident() {
        return false;
    }
    let (Some(k), Some(mut o)) = (kernel(op), Reg::new(out, 1)) else {
        return false;
    };
    let Some(ins) = inputs
        .iter()
        .map(|&d| Reg::new(d, 1))
        .collect::<Option<Vec<_>>>()
    else {
        return false;
    };
    match (k, ins.as_slice()) {
        (Kernel::Unary(f), [a]) => f(a, &mut o, 1),
        (Kernel::Binary(f), [a, b]) => f(a, b, &mut o, 1),
        (Kernel::Ternary(f), [a, b, c]) => f(a, b, c, &mut o, 1),
        _ => false,
    }
}

/// One instruction with its registers.
#[derive(Clone, Copy)]
enum Code {
    Unary(Unary, usize, usize),
    Binary(Binary, usize, usize, usize),
    Ternary(Ternary, usize, usize, usize, usize),
    /// Appends a register's block to output `k`.
    Store(usize, usize),
}

/// A program ready to run: registers allocated, instructions resolved.
struct Program {
    shape: Vec<usize>,
    len: usize,
    inputs: Vec<(DType, Vec<usize>)>,
    /// The register each input is loaded into.
    loads: Vec<usize>,
    code: Vec<Code>,
    regs: Vec<DType>,
    outputs: Vec<DType>,
}

fn compile(p: &FusedProgram) -> Result<Box<dyn FusedKernel>> {
    let bad = |why: &str| Err(KIT.error("fuse", why));
    let ni = p.inputs.len();
    let values = ni + p.instrs.len();
    // The last instruction reading each value (inputs are loaded before instruction 0).
    let mut last = vec![None; values];
    for (i, ins) in p.instrs.iter().enumerate() {
        for &a in &ins.args {
            if a >= ni + i {
                return bad("an instruction reads a later value");
            }
            last[a] = Some(i);
        }
    }
    let mut regs: Vec<DType> = Vec::new();
    let mut free: Vec<usize> = Vec::new();
    let mut reg_of = vec![usize::MAX; values];
    let mut loads = Vec::with_capacity(ni);
    for (v, (dtype, _)) in p.inputs.iter().enumerate() {
        let r = alloc(*dtype, &mut regs, &mut free);
        reg_of[v] = r;
        loads.push(r);
        if last[v].is_none() {
            free.push(r);
        }
    }
    let mut code = Vec::with_capacity(p.instrs.len() + p.outputs.len());
    for (i, ins) in p.instrs.iter().enumerate() {
        let Some(k) = kernel(ins.op) else {
            return bad("an op without a block function");
        };
        // The result's register is taken before the arguments' are freed, so it is never
        // one of them (a block function reads its inputs while it writes its output).
        let out = alloc(ins.dtype, &mut regs, &mut free);
        let v = ni + i;
        reg_of[v] = out;
        let r = |k: usize| reg_of[ins.args[k]];
        code.push(match (k, ins.args.len()) {
            (Kernel::Unary(f), 1) => Code::Unary(f, r(0), out),
            (Kernel::Binary(f), 2) => Code::Binary(f, r(0), r(1), out),
            (Kernel::Ternary(f), 3) => Code::Ternary(f, r(0), r(1), r(2), out),
            _ => return bad("an instruction with the wrong number of arguments"),
        });
        for (k, &o) in p.outputs.iter().enumerate() {
            if o == v {
                code.push(Code::Store(out, k));
            }
        }
        for &a in &ins.args {
            if last[a] == Some(i) && !free.contains(&reg_of[a]) {
                free.push(reg_of[a]);
            }
        }
        if last[v].is_none() {
            free.push(out);
        }
    }
    if p.outputs.iter().any(|&o| o < ni || o >= values) {
        return bad("an output that no instruction makes");
    }
    let len = p.shape.iter().product();
    Ok(Box::new(Program {
        shape: p.shape.clone(),
        len,
        inputs: p.inputs.clone(),
        loads,
        code,
        regs,
        outputs: p.outputs.iter().map(|&o| p.dtype(o)).collect(),
    }))
}

/// A free register of `dtype`, or a new one.
fn alloc(dtype: DType, regs: &mut Vec<DType>, free: &mut Vec<usize>) -> usize {
    match free.iter().position(|&r| regs[r] == dtype) {
        Some(k) => free.swap_remove(k),
        None => {
            regs.push(dtype);
            regs.len() - 1
        }
    }
}

/// Reads one input block by block: its elements in row-major order (a copy when the tensor
/// is strided), and its strides against the program's shape (0 along broadcast axes).
trait Load {
    fn load(&self, start: usize, n: usize, reg: &mut Reg) -> bool;
}

struct Loader<'a, T: Clone> {
    data: Cow<'a, [T]>,
    /// Whether the input has the program's shape (a block is a plain copy).
    full: bool,
    shape: &'a [usize],
    strides: Vec<usize>,
}

impl<T: RegElem> Load for Loader<'_, T> {
    fn load(&self, start: usize, n: usize, reg: &mut Reg) -> bool {
        let Some(out) = T::get_mut(reg) else {
            return false;
        };
        let out = &mut out[..n];
        if self.full {
            out.copy_from_slice(&self.data[start..start + n]);
            return true;
        }
        if self.data.len() == 1 {
            out.fill(self.data[0]);
            return true;
        }
        // The element index of `start`, then runs along the last axis (copied where the
        // input has that axis, repeated where it is broadcast).
        let rank = self.shape.len();
        let mut idx = vec![0; rank];
        let mut rest = start;
        let mut off = 0;
        for d in (0..rank).rev() {
            idx[d] = rest % self.shape[d];
            rest /= self.shape[d];
            off += idx[d] * self.strides[d];
        }
        let (inner, step) = (self.shape[rank - 1], self.strides[rank - 1]);
        let mut pos = 0;
        while pos < n {
            let run = (inner - idx[rank - 1]).min(n - pos);
            if step == 0 {
                out[pos..pos + run].fill(self.data[off]);
            } else {
                out[pos..pos + run].copy_from_slice(&self.data[off..off + run]);
            }
            pos += run;
            off += run * step;
            idx[rank - 1] += run;
            // Carry into the outer axes.
            let mut d = rank - 1;
            while idx[d] == self.shape[d] && d > 0 {
                off -= idx[d] * self.strides[d];
                idx[d] = 0;
                d -= 1;
                idx[d] += 1;
                off += self.strides[d];
            }
        }
        true
    }
}

impl Program {
    fn loader<'a>(&'a self, nd: &'a NdArray, shape: &'a [usize]) -> Result<Box<dyn Load + 'a>> {
        const OP: &str = "fuse";
        let rank = self.shape.len();
        // Row-major strides of the input, right-aligned to the program's shape, 0 where it
        // broadcasts.
        let mut strides = vec![0; rank];
        let mut s = 1;
        for (k, &d) in shape.iter().enumerate().rev() {
            let axis = rank - (shape.len() - k);
            strides[axis] = if d == 1 { 0 } else { s };
            s *= d;
        }
        let full = shape == self.shape.as_slice();
        let out: Box<dyn Load + 'a> = on_array!(OP, nd; any |a: T| {
            let data: Cow<'a, [T]> = match a.as_slice() {
                Some(s) => Cow::Borrowed(s),
                None => Cow::Owned(buf::copy(OP, a)?.into_raw_vec_and_offset().0),
            };
            Box::new(Loader { data, full, shape: &self.shape, strides })
        });
        Ok(out)
    }
}

impl FusedKernel for Program {
    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        const OP: &str = "fuse";
        if inputs.len() != self.inputs.len() {
            return Err(KIT.error(OP, "internal error: wrong number of inputs"));
        }
        let natives = inputs
            .iter()
            .map(|t| KIT.native::<NdArray>(OP, t))
            .collect::<Result<Vec<_>>>()?;
        let mut loaders = Vec::with_capacity(natives.len());
        for (nd, (dtype, shape)) in natives.iter().zip(&self.inputs) {
            if nd.dtype() != *dtype || nd.shape() != shape.as_slice() {
                return Err(KIT.error(
                    OP,
                    format!(
                        "internal error: an input is {} {:?}, the program reads {dtype} {shape:?}",
                        nd.dtype(),
                        nd.shape()
                    ),
                ));
            }
            loaders.push(self.loader(nd, shape)?);
        }
        let block = self.len.min(BLOCK);
        let mut regs = self
            .regs
            .iter()
            .map(|&d| Reg::new(d, block))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| KIT.error(OP, "internal error: a register of an unknown dtype"))?;
        let mut outs = self
            .outputs
            .iter()
            .map(|&d| out_buffer(d, &self.shape))
            .collect::<Result<Vec<_>>>()?;
        let failed = || KIT.error(OP, "internal error: registers of unexpected dtypes");
        let mut start = 0;
        while start < self.len {
            let n = block.min(self.len - start);
            for (l, &r) in loaders.iter().zip(&self.loads) {
                if !l.load(start, n, &mut regs[r]) {
                    return Err(failed());
                }
            }
            for c in &self.code {
                let ok = match *c {
                    Code::Unary(f, a, o) => {
                        let mut out = std::mem::replace(&mut regs[o], Reg::Bool(Vec::new()));
                        let ok = f(&regs[a], &mut out, n);
                        regs[o] = out;
                        ok
                    }
                    Code::Binary(f, a, b, o) => {
                        let mut out = std::mem::replace(&mut regs[o], Reg::Bool(Vec::new()));
                        let ok = f(&regs[a], &regs[b], &mut out, n);
                        regs[o] = out;
                        ok
                    }
                    Code::Ternary(f, a, b, c, o) => {
                        let mut out = std::mem::replace(&mut regs[o], Reg::Bool(Vec::new()));
                        let ok = f(&regs[a], &regs[b], &regs[c], &mut out, n);
                        regs[o] = out;
                        ok
                    }
                    Code::Store(r, k) => append(&regs[r], &mut outs[k], n),
                };
                if !ok {
                    return Err(failed());
                }
            }
            start += n;
        }
        outs.into_iter().map(|o| finish(o, &self.shape)).collect()
    }
}

/// An empty register with room for a whole result of `shape` (allocated fallibly).
fn out_buffer(dtype: DType, shape: &[usize]) -> Result<Reg> {
    const OP: &str = "fuse";
    Ok(by_dtype!(OP, dtype; |T| T::reg(buf::buffer::<T>(OP, shape)?)))
}

/// Appends `reg[..n]` to the result `out`.
fn append(reg: &Reg, out: &mut Reg, n: usize) -> bool {
    on_reg!(reg; any |r: T| match T::get_mut(out) {
        Some(o) => {
            o.extend_from_slice(&r[..n]);
            true
        }
        None => false,
    })
}

/// The tensor of a finished result.
fn finish(out: Reg, shape: &[usize]) -> Result<Tensor> {
    const OP: &str = "fuse";
    macro_rules! wrap {
        ($($V:ident),*) => {
            match out {
                $(Reg::$V(v) => NdArray::from(buf::shaped(OP, shape, v)?),)*
            }
        };
    }
    let nd =
        wrap!(Bool, Int8, Int16, Int32, Int64, UInt8, UInt16, UInt32, UInt64, Float32, Float64);
    Ok(nd.into_tensor())
}
