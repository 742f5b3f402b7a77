//! What the tests of the emitters share (this crate's, the torch backend's): the golden models,
//! deterministic data, result comparison and the random-program generator of the differential
//! tests. Not part of the API.

use tensorswitch as ts;
use tensorswitch::trace::Graph;
use tensorswitch::{DType, HostData, Reduction, Result, Statistic, Tensor};

/// Deterministic pseudo-random numbers (SplitMix64): the same on every machine.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// A float in `[lo, hi)`.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64)
    }

    /// One of the items.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// `n` float32 values in `[-scale, scale)`.
pub fn f32s(rng: &mut Rng, n: usize, scale: f64) -> Vec<f32> {
    (0..n).map(|_| rng.uniform(-scale, scale) as f32).collect()
}

/// A model of the golden files: inputs, named constants and the function.
pub struct Model {
    /// The golden files' stem.
    pub name: &'static str,
    /// The inputs.
    pub inputs: Vec<Tensor>,
    /// The named constants (weights).
    pub constants: Vec<(&'static str, Tensor)>,
    /// The function, of the inputs and the constants.
    pub f: fn(&[Tensor], &[Tensor]) -> Result<Vec<Tensor>>,
}

impl Model {
    /// The model traced on the inputs' backend.
    pub fn trace(&self) -> Result<Graph> {
        let named: Vec<(&str, &Tensor)> = self.constants.iter().map(|(n, t)| (*n, t)).collect();
        let consts: Vec<Tensor> = self.constants.iter().map(|c| c.1.clone()).collect();
        let f = self.f;
        ts::trace_with_constants(&self.inputs, &named, move |xs| f(xs, &consts))
    }

    /// The model run eagerly.
    pub fn eager(&self) -> Result<Vec<Tensor>> {
        let consts: Vec<Tensor> = self.constants.iter().map(|c| c.1.clone()).collect();
        (self.f)(&self.inputs, &consts)
    }
}

/// The golden models, on the current backend: the MLP, an attention block, a statistic.
pub fn models() -> Result<Vec<Model>> {
    let mut rng = Rng::new(14);
    let mut t = |shape: &[usize], scale: f64| {
        let n = shape.iter().product();
        Tensor::from_slice(&f32s(&mut rng, n, scale), shape)
    };
    Ok(vec![
        Model {
            name: "mlp",
            inputs: vec![t(&[64, 256], 1.0)?],
            constants: vec![
                ("w1", t(&[256, 64], 0.1)?),
                ("b1", t(&[64], 0.1)?),
                ("w2", t(&[64, 10], 0.3)?),
                ("b2", t(&[10], 0.1)?),
            ],
            f: mlp,
        },
        Model {
            name: "attention",
            inputs: vec![t(&[8, 16], 1.0)?],
            constants: vec![("wk", t(&[16, 16], 0.3)?), ("wv", t(&[16, 16], 0.3)?)],
            f: attention,
        },
        Model {
            name: "statistic",
            inputs: vec![t(&[32, 12], 10.0)?],
            constants: vec![],
            f: statistic,
        },
    ])
}

/// `softmax(tanh(x @ w1 + b1) @ w2 + b2)` over the last axis.
fn mlp(xs: &[Tensor], c: &[Tensor]) -> Result<Vec<Tensor>> {
    let h = ts::tanh(&ts::add(&ts::matmul(&xs[0], &c[0])?, &c[1])?)?;
    Ok(vec![ts::softmax(
        &ts::add(&ts::matmul(&h, &c[2])?, &c[3])?,
        -1,
    )?])
}

/// Self-attention of a sequence `x[8,16]`: `softmax((x) (x wk)^T / 4) (x wv)`, with a causal
/// mask made inside (creation ops and `where`).
fn attention(xs: &[Tensor], c: &[Tensor]) -> Result<Vec<Tensor>> {
    let x = &xs[0];
    let k = ts::matmul(x, &c[0])?;
    let v = ts::matmul(x, &c[1])?;
    let scale = Tensor::from_slice(&[0.25f32], &[])?;
    let scores = ts::multiply(&ts::matmul(x, &ts::matrix_transpose(&k)?)?, &scale)?;
    let n = x.shape()[0];
    let causal: Vec<bool> = (0..n * n).map(|i| i % n <= i / n).collect();
    let mask = Tensor::from_slice(&causal, &[n, n])?;
    let minus = Tensor::from_slice(&[-1.0e9f32], &[])?;
    let scores = ts::where_(&mask, &scores, &minus)?;
    Ok(vec![ts::matmul(&ts::softmax(&scores, -1)?, &v)?])
}

/// Column statistics of `x[32,12]`: standardised values, their per-row maximum and its index,
/// how many exceed 1 per column, a variance with correction 1, an integer floor division and
/// remainder of the values, and the rounded means.
fn statistic(xs: &[Tensor], _: &[Tensor]) -> Result<Vec<Tensor>> {
    let x = &xs[0];
    let mean = ts::mean(x, Reduction::over(0).keepdims(true))?;
    let std = ts::std(x, Statistic::over(0).correction(1.0).keepdims(true))?;
    let z = ts::divide(&ts::subtract(x, &mean)?, &std)?;
    let top = ts::max(&z, Reduction::over(1))?;
    let at = ts::argmax(&z, Reduction::over(1))?;
    let one = Tensor::from_slice(&[1.0f32], &[])?;
    let count = ts::count_nonzero(&ts::greater(&z, &one)?, Reduction::over(0))?;
    let var = ts::var(x, Statistic::over(vec![0isize, 1]).correction(1.0))?;
    let ints = ts::astype(x, DType::Int32)?;
    let three = Tensor::from_slice(&[-3i32], &[])?;
    let q = ts::sum(&ts::floor_divide(&ints, &three)?, Reduction::over(1))?;
    let r = ts::prod(&ts::remainder(&ints, &three)?, Reduction::over(0))?;
    let rounded = ts::round(&ts::multiply(&mean, &Tensor::from_slice(&[2.0f32], &[])?)?)?;
    let any = ts::any(&ts::less(&z, &ts::negative(&one)?)?, Reduction::over(None))?;
    Ok(vec![top, at, count, var, q, r, rounded, any])
}

/// Whether `got` equals `want`: dtype, shape, and the elements (exactly for integers and bools;
/// floats within `rtol`/`atol`, NaN equal to NaN, infinities of the same sign equal).
pub fn compare(
    got: &Tensor,
    want: &Tensor,
    rtol: f64,
    atol: f64,
) -> std::result::Result<(), String> {
    if got.dtype() != want.dtype() || got.shape() != want.shape() {
        return Err(format!(
            "got {}{:?}, expected {}{:?}",
            got.dtype(),
            got.shape(),
            want.dtype(),
            want.shape()
        ));
    }
    let (g, w) = (
        got.to_host().map_err(|e| e.to_string())?,
        want.to_host().map_err(|e| e.to_string())?,
    );
    compare_host(&g, &w, rtol, atol)
}

/// [`compare`] of host data.
pub fn compare_host(
    g: &HostData,
    w: &HostData,
    rtol: f64,
    atol: f64,
) -> std::result::Result<(), String> {
    if g.dtype() != w.dtype() || g.len() != w.len() {
        return Err(format!(
            "got {} {} values, expected {} {}",
            g.len(),
            g.dtype(),
            w.len(),
            w.dtype()
        ));
    }
    let as_f64 = |h: &HostData| -> Vec<f64> {
        match h {
            HostData::Float32(v) => v.iter().map(|&x| f64::from(x)).collect(),
            HostData::Float64(v) => v.clone(),
            _ => Vec::new(),
        }
    };
    if g.dtype().is_float() {
        for (i, (a, b)) in as_f64(g).iter().zip(as_f64(w)).enumerate() {
            let same =
                (a.is_nan() && b.is_nan()) || a == &b || (a - b).abs() <= atol + rtol * b.abs();
            if !same {
                return Err(format!("element {i}: got {a}, expected {b}"));
            }
        }
        Ok(())
    } else if g == w {
        Ok(())
    } else {
        Err(format!("got {g:?}, expected {w:?}"))
    }
}

// ---------------------------------------------------------------------------------------------
// random programs (the differential tests against NumPy)

use tensorswitch::{Axes, Bound, Op, OpCall};

/// One step of a random program: an op applied to earlier values (indices into the program's
/// values: the inputs, then each step's result).
#[derive(Clone, Debug)]
pub enum Step {
    /// An op without attributes (unary, binary, `where`, `matmul`).
    Plain(Op, Vec<usize>),
    /// A reduction (`sum`, `mean`, …) over axes (`None`: all) with keepdims.
    Reduce(Op, usize, Option<Vec<isize>>, bool),
    /// `var`/`std` with a correction.
    Stat(Op, usize, Option<Vec<isize>>, f64, bool),
    /// `argmax`/`argmin` over one axis or all.
    ArgReduce(Op, usize, Option<isize>, bool),
    /// `astype`.
    AsType(usize, DType),
    /// `clip` with tensor bounds (either may be absent).
    Clip(usize, Option<usize>, Option<usize>),
    /// `reshape` to a shape of the same size.
    Reshape(usize, Vec<usize>),
    /// `permute_dims`.
    Permute(usize, Vec<isize>),
    /// `expand_dims`.
    ExpandDims(usize, isize),
    /// `flip` over axes.
    Flip(usize, Vec<isize>),
    /// `broadcast_to`.
    BroadcastTo(usize, Vec<usize>),
    /// `concat` of two values along an axis.
    Concat(usize, usize, isize),
    /// `softmax` along an axis.
    Softmax(usize, isize),
    /// `cumulative_sum` along an axis.
    CumSum(usize, isize),
}

/// A random program: inputs (host data and shape) and steps; its results are the last
/// `outputs` values.
#[derive(Clone, Debug)]
pub struct Program {
    /// The inputs.
    pub inputs: Vec<(HostData, Vec<usize>)>,
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// How many of the last values are results.
    pub outputs: usize,
}

impl Step {
    /// Applies the step to the values so far, through tensorswitch's public functions.
    pub fn apply(&self, v: &[Tensor]) -> Result<Tensor> {
        let ax = |a: &Option<Vec<isize>>| -> Axes {
            match a {
                Some(a) => Axes::from(a.clone()),
                None => Axes::All,
            }
        };
        match self {
            Step::Plain(op, args) => {
                let refs: Vec<&Tensor> = args.iter().map(|&i| &v[i]).collect();
                match ts::run(&OpCall::from_attrs(*op, &[])?, &refs)? {
                    ts::Output::Tensor(t) => Ok(t),
                    _ => Err(ts::Error::InvalidArgument {
                        op: "random program",
                        reason: "not one tensor".into(),
                    }),
                }
            }
            Step::Reduce(op, x, axes, k) => {
                let r = Reduction::over(ax(axes)).keepdims(*k);
                match op {
                    Op::sum => ts::sum(&v[*x], r),
                    Op::prod => ts::prod(&v[*x], r),
                    Op::mean => ts::mean(&v[*x], r),
                    Op::max => ts::max(&v[*x], r),
                    Op::min => ts::min(&v[*x], r),
                    Op::all => ts::all(&v[*x], r),
                    Op::any => ts::any(&v[*x], r),
                    _ => ts::count_nonzero(&v[*x], r),
                }
            }
            Step::Stat(op, x, axes, c, k) => {
                let s = Statistic::over(ax(axes)).correction(*c).keepdims(*k);
                if *op == Op::std {
                    ts::std(&v[*x], s)
                } else {
                    ts::var(&v[*x], s)
                }
            }
            Step::ArgReduce(op, x, axis, k) => {
                let r = Reduction::over(*axis).keepdims(*k);
                if *op == Op::argmax {
                    ts::argmax(&v[*x], r)
                } else {
                    ts::argmin(&v[*x], r)
                }
            }
            Step::AsType(x, d) => ts::astype(&v[*x], *d),
            Step::Clip(x, lo, hi) => {
                let b = |i: &Option<usize>| match i {
                    Some(i) => Bound::Tensor(&v[*i]),
                    None => Bound::None,
                };
                ts::clip(&v[*x], b(lo), b(hi))
            }
            Step::Reshape(x, s) => ts::reshape(&v[*x], s.as_slice()),
            Step::Permute(x, p) => ts::permute_dims(&v[*x], p.clone()),
            Step::ExpandDims(x, a) => ts::expand_dims(&v[*x], *a),
            Step::Flip(x, a) => ts::flip(&v[*x], a.clone()),
            Step::BroadcastTo(x, s) => ts::broadcast_to(&v[*x], s),
            Step::Concat(a, b, axis) => ts::concat(&[v[*a].clone(), v[*b].clone()], *axis),
            Step::Softmax(x, a) => ts::softmax(&v[*x], *a),
            Step::CumSum(x, a) => ts::cumulative_sum(&v[*x], *a),
        }
    }
}

impl Program {
    /// The inputs as tensors of the current backend.
    pub fn tensors(&self) -> Result<Vec<Tensor>> {
        self.inputs
            .iter()
            .map(|(h, s)| ts::from_host(h.clone(), s))
            .collect()
    }

    /// Runs the steps on `inputs`; the results.
    pub fn run(&self, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
        let mut v = inputs.to_vec();
        for s in &self.steps {
            let t = s.apply(&v)?;
            v.push(t);
        }
        Ok(v[v.len() - self.outputs..].to_vec())
    }
}

const FLOATS: &[DType] = &[DType::Float32, DType::Float64];
const INTS: &[DType] = &[
    DType::Int8,
    DType::Int16,
    DType::Int32,
    DType::Int64,
    DType::UInt8,
];

/// Elementwise ops whose float results are correctly rounded (bit-identical in every IEEE
/// implementation) or exact: they keep a value exact.
const EXACT_UNARY: &[Op] = &[Op::negative, Op::abs, Op::sqrt, Op::square, Op::positive];
/// Float functions that libraries compute to within an ulp or so, differently.
const INEXACT_UNARY: &[Op] = &[
    Op::exp,
    Op::log,
    Op::sin,
    Op::cos,
    Op::tanh,
    Op::expm1,
    Op::log1p,
    Op::atan,
    Op::sinh,
    Op::asinh,
];
/// Unary ops that jump (a tiny difference of the input can change the result a lot): only
/// applied to exact values.
const STEP_UNARY: &[Op] = &[
    Op::floor,
    Op::ceil,
    Op::round,
    Op::trunc,
    Op::sign,
    Op::isnan,
    Op::isfinite,
    Op::signbit,
];
const EXACT_BINARY_FLOAT: &[Op] = &[
    Op::add,
    Op::subtract,
    Op::multiply,
    Op::divide,
    Op::maximum,
    Op::minimum,
    Op::copysign,
];
const INEXACT_BINARY_FLOAT: &[Op] = &[Op::atan2, Op::hypot, Op::logaddexp, Op::pow];
const STEP_BINARY: &[Op] = &[
    Op::floor_divide,
    Op::remainder,
    Op::equal,
    Op::not_equal,
    Op::less,
    Op::less_equal,
    Op::greater,
    Op::greater_equal,
];
const INT_BINARY: &[Op] = &[
    Op::add,
    Op::subtract,
    Op::multiply,
    Op::maximum,
    Op::minimum,
    Op::floor_divide,
    Op::remainder,
    Op::bitwise_and,
    Op::bitwise_or,
    Op::bitwise_xor,
    Op::equal,
    Op::less,
    Op::greater_equal,
];
const INT_UNARY: &[Op] = &[
    Op::negative,
    Op::abs,
    Op::square,
    Op::sign,
    Op::bitwise_invert,
];
const BOOL_BINARY: &[Op] = &[Op::logical_and, Op::logical_or, Op::logical_xor, Op::equal];

/// What the generator knows of a value: dtype, shape, and whether every backend and NumPy
/// compute it to the same bits (so ops that jump may take it).
#[derive(Clone, Debug)]
struct Val {
    dtype: DType,
    shape: Vec<usize>,
    exact: bool,
    /// An input: its NaNs (if any) have the sign the data gives. An op that makes a NaN gives
    /// it a sign each implementation chooses (the `nan_sign` difference of
    /// conformance/gen/common.py), so `signbit` and `copysign`'s sign operand take inputs only.
    input: bool,
    /// Every zero has the sign every implementation gives it: false after maximum, minimum,
    /// clip or a max/min reduction, which may pick either of -0.0 and +0.0 (the
    /// `zero_sign_extremum` difference); ops that read the sign of a zero take such values only.
    zero_sign: bool,
}

fn random_shape(rng: &mut Rng) -> Vec<usize> {
    let rank = rng.below(4);
    (0..rank)
        .map(|_| {
            if rng.below(25) == 0 {
                0
            } else {
                1 + rng.below(4)
            }
        })
        .collect()
}

fn random_data(rng: &mut Rng, d: DType, n: usize) -> HostData {
    let specials = [
        0.5,
        -0.5,
        1.5,
        2.5,
        -0.0,
        0.0,
        f64::NAN,
        f64::INFINITY,
        -2.5,
    ];
    let float = |rng: &mut Rng| {
        if rng.below(8) == 0 {
            *rng.pick(&specials)
        } else {
            // Values with few significant bits often, so that exact ops stay exact and ties
            // (x.5) and integers appear.
            let x = rng.uniform(-6.0, 6.0);
            if rng.below(2) == 0 {
                (x * 4.0).round() / 4.0
            } else {
                x
            }
        }
    };
    let int = |rng: &mut Rng, lo: i64, hi: i64| lo + rng.below((hi - lo + 1) as usize) as i64;
    match d {
        DType::Bool => HostData::Bool((0..n).map(|_| rng.below(2) == 0).collect()),
        DType::Float32 => HostData::Float32((0..n).map(|_| float(rng) as f32).collect()),
        DType::Float64 => HostData::Float64((0..n).map(|_| float(rng)).collect()),
        DType::Int8 => HostData::Int8((0..n).map(|_| int(rng, -128, 127) as i8).collect()),
        DType::Int16 => HostData::Int16((0..n).map(|_| int(rng, -40, 40) as i16).collect()),
        DType::Int32 => HostData::Int32((0..n).map(|_| int(rng, -40, 40) as i32).collect()),
        DType::UInt8 => HostData::UInt8((0..n).map(|_| int(rng, 0, 255) as u8).collect()),
        _ => HostData::Int64((0..n).map(|_| int(rng, -40, 40)).collect()),
    }
}

/// A shape `b` broadcasts with `a` to `a`: a suffix of `a` with some sizes set to 1.
fn broadcast_partner(rng: &mut Rng, a: &[usize]) -> Vec<usize> {
    let drop = rng.below(a.len() + 1);
    a[drop..]
        .iter()
        .map(|&d| if rng.below(3) == 0 { 1 } else { d })
        .collect()
}

fn random_axes(rng: &mut Rng, rank: usize) -> Option<Vec<isize>> {
    if rank == 0 || rng.below(4) == 0 {
        return None;
    }
    let mut axes: Vec<isize> = (0..rank as isize).filter(|_| rng.below(2) == 0).collect();
    if axes.is_empty() {
        axes.push(rng.below(rank) as isize);
    }
    // Negative axes too.
    if rng.below(2) == 0 {
        axes = axes.into_iter().map(|a| a - rank as isize).collect();
    }
    Some(axes)
}

/// A random program of about `len` steps (seeded: the same seed gives the same program). Steps
/// the current backend refuses (an error of tensorswitch: an empty `max`, a dtype without
/// promotion, …) are dropped, so the program runs.
pub fn random_program(seed: u64, len: usize) -> Program {
    let mut rng = Rng::new(seed);
    let n_inputs = 1 + rng.below(3);
    let mut inputs = Vec::new();
    let mut vals = Vec::new();
    let first_shape = random_shape(&mut rng);
    for i in 0..n_inputs {
        let dtype = match rng.below(6) {
            0..=2 => *rng.pick(FLOATS),
            3..=4 => *rng.pick(INTS),
            _ => DType::Bool,
        };
        let shape = if i == 0 || rng.below(3) == 0 {
            first_shape.clone()
        } else if rng.below(2) == 0 {
            broadcast_partner(&mut rng, &first_shape)
        } else {
            random_shape(&mut rng)
        };
        let n = shape.iter().product();
        inputs.push((random_data(&mut rng, dtype, n), shape.clone()));
        vals.push(Val {
            dtype,
            shape,
            exact: true,
            input: true,
            zero_sign: true,
        });
    }
    let mut program = Program {
        inputs,
        steps: Vec::new(),
        outputs: 1,
    };
    let Ok(mut tensors) = program.tensors() else {
        return program;
    };
    let mut attempts = 0;
    while program.steps.len() < len && attempts < len * 8 {
        attempts += 1;
        let Some(step) = random_step(&mut rng, &vals) else {
            continue;
        };
        let Ok(t) = step.apply(&tensors) else {
            continue;
        };
        let exact = step_exact(&step, &vals, &t);
        let zero_sign = step_zero_sign(&step, &vals);
        vals.push(Val {
            dtype: t.dtype(),
            shape: t.shape().to_vec(),
            exact,
            input: false,
            zero_sign,
        });
        tensors.push(t);
        program.steps.push(step);
    }
    program.outputs = (1 + rng.below(2)).min(program.steps.len().max(1));
    if program.steps.is_empty() {
        program.outputs = 1;
    }
    program
}

/// The operands of a step.
fn operands(step: &Step) -> Vec<usize> {
    match step {
        Step::Plain(_, ids) => ids.clone(),
        Step::Clip(x, lo, hi) => [Some(*x), *lo, *hi].into_iter().flatten().collect(),
        Step::Concat(a, b, _) => vec![*a, *b],
        Step::Reduce(_, x, ..)
        | Step::Stat(_, x, ..)
        | Step::ArgReduce(_, x, ..)
        | Step::AsType(x, _)
        | Step::Reshape(x, _)
        | Step::Permute(x, _)
        | Step::ExpandDims(x, _)
        | Step::Flip(x, _)
        | Step::BroadcastTo(x, _)
        | Step::Softmax(x, _)
        | Step::CumSum(x, _) => vec![*x],
    }
}

/// Whether the step's zeros have a sign every implementation agrees on.
fn step_zero_sign(step: &Step, vals: &[Val]) -> bool {
    let picks_a_zero = matches!(
        step,
        Step::Plain(Op::maximum | Op::minimum, _)
            | Step::Clip(..)
            | Step::Reduce(Op::max | Op::min, ..)
    );
    !picks_a_zero && operands(step).iter().all(|&i| vals[i].zero_sign)
}

/// Ops that read the sign of a zero (or of an infinity made from one).
const SIGN_READERS: &[Op] = &[
    Op::signbit,
    Op::copysign,
    Op::atan2,
    Op::divide,
    Op::pow,
    Op::remainder,
    Op::floor_divide,
];

/// Whether the step's result is the same bits everywhere.
fn step_exact(step: &Step, vals: &[Val], t: &Tensor) -> bool {
    let inputs_exact = |ids: &[usize]| ids.iter().all(|&i| vals[i].exact);
    let float = t.dtype().is_float();
    match step {
        Step::Plain(op, ids) => {
            inputs_exact(ids)
                && (!float
                    || EXACT_UNARY.contains(op)
                    || EXACT_BINARY_FLOAT.contains(op)
                    || STEP_BINARY.contains(op)
                    || *op == Op::where_)
        }
        Step::Reduce(op, x, _, _) => vals[*x].exact && (!float || matches!(op, Op::max | Op::min)),
        Step::Stat(..) | Step::Softmax(..) => false,
        Step::CumSum(x, _) => vals[*x].exact && !float,
        Step::ArgReduce(_, x, _, _) => vals[*x].exact,
        Step::AsType(x, _) => vals[*x].exact,
        Step::Clip(x, lo, hi) => {
            vals[*x].exact
                && lo.map_or(true, |i| vals[i].exact)
                && hi.map_or(true, |i| vals[i].exact)
        }
        Step::Reshape(x, _)
        | Step::Permute(x, _)
        | Step::ExpandDims(x, _)
        | Step::Flip(x, _)
        | Step::BroadcastTo(x, _) => vals[*x].exact,
        Step::Concat(a, b, _) => vals[*a].exact && vals[*b].exact,
    }
}

fn random_step(rng: &mut Rng, vals: &[Val]) -> Option<Step> {
    let step = random_step_any(rng, vals)?;
    let reads_sign = match &step {
        Step::Plain(op, _) => SIGN_READERS.contains(op),
        _ => false,
    };
    if reads_sign && !operands(&step).iter().all(|&i| vals[i].zero_sign) {
        return None;
    }
    Some(step)
}

fn random_step_any(rng: &mut Rng, vals: &[Val]) -> Option<Step> {
    // Later values more often, so that programs chain.
    let pick = |rng: &mut Rng| -> usize {
        let n = vals.len();
        if rng.below(3) == 0 {
            rng.below(n)
        } else {
            n - 1 - rng.below(n.min(3))
        }
    };
    let x = pick(rng);
    let v = &vals[x];
    let rank = v.shape.len();
    let float = v.dtype.is_float();
    let int = v.dtype.is_integer();
    let partner = |rng: &mut Rng, want_exact: bool| -> Option<usize> {
        // A value whose shape broadcasts with v's.
        let ok: Vec<usize> = (0..vals.len())
            .filter(|&j| {
                ts::broadcast_shapes("gen", &vals[j].shape, &v.shape).is_ok()
                    && (!want_exact || vals[j].exact)
            })
            .collect();
        if ok.is_empty() {
            None
        } else {
            Some(*rng.pick(&ok))
        }
    };
    Some(match rng.below(20) {
        0..=2 if float => {
            let op = match rng.below(3) {
                0 => *rng.pick(EXACT_UNARY),
                1 => *rng.pick(INEXACT_UNARY),
                _ if v.exact => *rng.pick(STEP_UNARY),
                _ => return None,
            };
            if op == Op::signbit && !v.input {
                return None;
            }
            Step::Plain(op, vec![x])
        }
        0..=2 if int => Step::Plain(*rng.pick(INT_UNARY), vec![x]),
        0..=2 => Step::Plain(Op::logical_not, vec![x]),
        3..=6 => {
            let y = partner(rng, false)?;
            let (a, b) = if rng.below(2) == 0 { (x, y) } else { (y, x) };
            let both_exact = vals[a].exact && vals[b].exact;
            let op = if float || vals[y].dtype.is_float() {
                match rng.below(3) {
                    0 => *rng.pick(EXACT_BINARY_FLOAT),
                    1 => *rng.pick(INEXACT_BINARY_FLOAT),
                    _ if both_exact => *rng.pick(STEP_BINARY),
                    _ => return None,
                }
            } else if int || vals[y].dtype.is_integer() {
                *rng.pick(INT_BINARY)
            } else {
                *rng.pick(BOOL_BINARY)
            };
            if op == Op::copysign && !vals[b].input {
                return None;
            }
            Step::Plain(op, vec![a, b])
        }
        7 => {
            let c = (0..vals.len()).find(|&j| vals[j].dtype == DType::Bool && vals[j].exact)?;
            let y = partner(rng, false)?;
            Step::Plain(Op::where_, vec![c, x, y])
        }
        8..=10 => {
            let axes = random_axes(rng, rank);
            let k = rng.below(2) == 0;
            let op = if v.dtype == DType::Bool {
                *rng.pick(&[Op::all, Op::any, Op::count_nonzero])
            } else if float {
                *rng.pick(&[Op::sum, Op::mean, Op::max, Op::min, Op::prod])
            } else {
                *rng.pick(&[Op::sum, Op::max, Op::min, Op::prod])
            };
            if op == Op::prod && !float {
                return None; // int64 products overflow differently only by wrapping, fine, but
                             // keep programs small-valued.
            }
            Step::Reduce(op, x, axes, k)
        }
        11 if float => {
            let op = if rng.below(2) == 0 { Op::var } else { Op::std };
            let c = *rng.pick(&[0.0, 1.0, 0.5]);
            Step::Stat(op, x, random_axes(rng, rank), c, rng.below(2) == 0)
        }
        12 if v.exact && v.dtype != DType::Bool => {
            let op = if rng.below(2) == 0 {
                Op::argmax
            } else {
                Op::argmin
            };
            let axis = if rank == 0 || rng.below(3) == 0 {
                None
            } else {
                Some(rng.below(rank) as isize)
            };
            Step::ArgReduce(op, x, axis, axis.is_some() && rng.below(2) == 0)
        }
        13 => {
            let to = *rng.pick(&[
                DType::Bool,
                DType::Int8,
                DType::Int32,
                DType::Int64,
                DType::UInt8,
                DType::Float32,
                DType::Float64,
            ]);
            if float && !to.is_float() && !v.exact {
                return None;
            }
            Step::AsType(x, to)
        }
        14 if v.dtype != DType::Bool => {
            let lo = partner(rng, true).filter(|_| rng.below(4) != 0);
            let hi = partner(rng, true).filter(|_| rng.below(4) != 0);
            Step::Clip(x, lo, hi)
        }
        15 => match rng.below(5) {
            0 => {
                let n: usize = v.shape.iter().product();
                let shape = if n > 0 && rng.below(2) == 0 {
                    vec![n]
                } else {
                    let mut s = v.shape.clone();
                    s.reverse();
                    s
                };
                Step::Reshape(x, shape)
            }
            1 if rank > 1 => {
                let mut p: Vec<isize> = (0..rank as isize).collect();
                p.rotate_left(1 + rng.below(rank - 1));
                Step::Permute(x, p)
            }
            2 if rank < 3 => Step::ExpandDims(x, rng.below(rank + 1) as isize),
            3 if rank > 0 => Step::Flip(x, random_axes(rng, rank).unwrap_or_default()),
            _ => {
                let mut s = v.shape.clone();
                s.insert(0, 1 + rng.below(3));
                Step::BroadcastTo(x, s)
            }
        },
        16 if rank > 0 => {
            let same: Vec<usize> = (0..vals.len())
                .filter(|&j| vals[j].shape.len() == rank && vals[j].dtype == v.dtype)
                .collect();
            let y = *rng.pick(&same);
            Step::Concat(x, y, rng.below(rank) as isize)
        }
        17 if float && rank == 2 => {
            let ok: Vec<usize> = (0..vals.len())
                .filter(|&j| {
                    vals[j].dtype == v.dtype
                        && vals[j].shape.len() == 2
                        && vals[j].shape[0] == v.shape[1]
                })
                .collect();
            if ok.is_empty() {
                return None;
            }
            Step::Plain(Op::matmul, vec![x, *rng.pick(&ok)])
        }
        18 if float && rank > 0 => Step::Softmax(x, rng.below(rank) as isize - rank as isize),
        19 if rank > 0 && v.dtype != DType::Bool => Step::CumSum(x, rng.below(rank) as isize),
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------------
// the differential run

/// How to run NumPy: the interpreter (`TS_PYTHON`, else `python3`) and extra import paths
/// (`TS_NUMPY_PATH`, where scripts/setup-numpy.sh installs NumPy).
#[derive(Clone, Debug)]
pub struct Python {
    /// The interpreter.
    pub exe: String,
    /// `PYTHONPATH` to add, if any.
    pub path: Option<String>,
}

impl Python {
    /// From the environment.
    pub fn from_env() -> Python {
        Python {
            exe: std::env::var("TS_PYTHON").unwrap_or_else(|_| "python3".into()),
            path: std::env::var("TS_NUMPY_PATH").ok(),
        }
    }

    /// Runs a script; its stdout, or why it failed.
    pub fn run(&self, script: &str) -> std::result::Result<String, String> {
        use std::io::Write;
        let mut cmd = std::process::Command::new(&self.exe);
        cmd.arg("-")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        if let Some(p) = &self.path {
            cmd.env("PYTHONPATH", p);
        }
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot start `{}`: {e}", self.exe))?;
        child
            .stdin
            .take()
            .ok_or("no stdin")?
            .write_all(script.as_bytes())
            .map_err(|e| e.to_string())?;
        let out = child.wait_with_output().map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!(
                "`{}` failed: {}",
                self.exe,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// NumPy's version, or why it cannot be imported.
    pub fn numpy_version(&self) -> std::result::Result<String, String> {
        self.run("import numpy\nprint(numpy.__version__)\n")
            .map(|s| s.trim().to_string())
    }
}

/// What a differential run found.
#[derive(Debug, Default)]
pub struct Report {
    /// Programs generated.
    pub programs: usize,
    /// Programs emitted and run with NumPy.
    pub ran: usize,
    /// Steps (nodes) in the programs that ran.
    pub nodes: usize,
    /// Results compared (per backend).
    pub compared: usize,
    /// (Program, backend) pairs not compared: the program uses a dtype the backend lacks.
    pub unsupported: usize,
    /// Programs the NumPy emitter refused, with the reason.
    pub refused: Vec<String>,
    /// Mismatches: program seed, backend, output, what differed.
    pub mismatches: Vec<String>,
}

/// A host value as the driver prints it: `dtype shape values`.
fn printed(h: &HostData, shape: &[usize]) -> (String, Vec<String>) {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let head = format!("{} {}", h.dtype(), dims.join(","));
    let vals = match h {
        HostData::Bool(v) => v.iter().map(|&b| u8::from(b).to_string()).collect(),
        HostData::Float32(v) => v.iter().map(|x| format!("{x:?}")).collect(),
        HostData::Float64(v) => v.iter().map(|x| format!("{x:?}")).collect(),
        other => {
            tensorswitch::match_host_data!(other, v => v.iter().map(|x| format!("{x}")).collect())
        }
    };
    (head, vals)
}

/// `loose`: some value of the program is float32, so float64 results may carry float32
/// rounding too.
fn values_match(
    dtype: &str,
    got: &[String],
    want: &[String],
    loose: bool,
) -> std::result::Result<(), String> {
    if got.len() != want.len() {
        return Err(format!("{} values, expected {}", got.len(), want.len()));
    }
    let (rtol, atol) = match dtype {
        "float32" => (1e-3, 1e-3),
        "float64" if loose => (1e-3, 1e-3),
        "float64" => (1e-8, 1e-8),
        _ => {
            return match got.iter().zip(want).position(|(a, b)| a != b) {
                None => Ok(()),
                Some(i) => Err(format!("element {i}: {} vs {}", got[i], want[i])),
            }
        }
    };
    for (i, (a, b)) in got.iter().zip(want).enumerate() {
        let parse = |s: &str| -> f64 {
            match s {
                "nan" | "NaN" => f64::NAN,
                "inf" => f64::INFINITY,
                "-inf" => f64::NEG_INFINITY,
                s => s.parse().unwrap_or(f64::NAN),
            }
        };
        let (x, y) = (parse(a), parse(b));
        let same = (x.is_nan() && y.is_nan()) || x == y || (x - y).abs() <= atol + rtol * y.abs();
        if !same {
            return Err(format!("element {i}: {a} vs {b}"));
        }
    }
    Ok(())
}

/// A program's seed, whether its tolerance is float32's, and each backend's printed results.
type Expected = (u64, bool, Vec<(String, Vec<(String, Vec<String>)>)>);

/// Generates `n` programs from `seed` (program `i` from `seed + i`) on the ndarray backend,
/// traces each, emits it as NumPy, runs all with NumPy in one process, and compares every
/// result with eager execution on each of `backends` (dtype, shape and values: exact for
/// integers and bools, close for floats).
pub fn differential(
    python: &Python,
    backends: &[&str],
    n: usize,
    seed: u64,
    steps: usize,
) -> std::result::Result<Report, String> {
    use crate::{Emit, Options, Target};
    let mut report = Report {
        programs: n,
        ..Report::default()
    };
    let mut script = String::from(
        "import numpy as np\nimport sys\n\ndef show(o):\n    o = np.asarray(o)\n    vals = o.reshape(-1)\n    if o.dtype.kind == 'f':\n        s = ' '.join(repr(float(v)) if o.dtype == np.float64 else repr(float(v)) for v in vals)\n    elif o.dtype.kind == 'b':\n        s = ' '.join('1' if v else '0' for v in vals)\n    else:\n        s = ' '.join(str(int(v)) for v in vals)\n    print(o.dtype.name + ' ' + ','.join(str(d) for d in o.shape) + '|' + s)\n\n",
    );
    // Per program: its seed, the expected (backend, outputs) and the emitted function.
    let mut expected: Vec<Expected> = Vec::new();
    for i in 0..n {
        let s = seed.wrapping_add(i as u64);
        let (program, graph) = ts::with_backend("ndarray", || {
            let p = random_program(s, steps);
            let inputs = p.tensors()?;
            let g = ts::trace(&inputs, |xs| p.run(xs))?;
            Ok::<_, ts::Error>((p, g))
        })
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("program {s}: {e}"))?;
        let name = format!("p{i}");
        let code = match graph.emit_with(
            Target::Numpy,
            &Options {
                name: name.clone(),
                ..Options::default()
            },
        ) {
            Ok(c) => c,
            Err(e) => {
                report.refused.push(format!("program {s}: {e}"));
                continue;
            }
        };
        let mut outs = Vec::new();
        for b in backends {
            let got = ts::with_backend(b, || -> Result<Vec<(String, Vec<String>)>> {
                let inputs = program.tensors()?;
                let mut r = Vec::new();
                for t in program.run(&inputs)? {
                    r.push(printed(&t.to_host()?, t.shape()));
                }
                Ok(r)
            })
            .map_err(|e| e.to_string())?;
            match got {
                Ok(r) => outs.push((b.to_string(), r)),
                // A dtype the backend lacks (torch: uint64 sums of uint8): not a comparison.
                Err(ts::Error::UnsupportedDType { .. }) => report.unsupported += 1,
                Err(e) => report
                    .mismatches
                    .push(format!("program {s}: eager {b} fails: {e}")),
            }
        }
        report.ran += 1;
        report.nodes += graph.nodes().len();
        script += code.trim_start_matches("import numpy as np\n");
        let args: Vec<String> = program
            .inputs
            .iter()
            .map(|(h, shape)| {
                let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
                format!(
                    "np.array({}, dtype={}).reshape(({}{}))",
                    crate::numpy::py_list(h),
                    crate::numpy::np_dtype(h.dtype()).unwrap_or("None"),
                    dims.join(", "),
                    if dims.len() == 1 { "," } else { "" }
                )
            })
            .collect();
        script += &format!(
            "\nprint('P {s}')\ntry:\n    r = {name}({})\n    for o in (r if isinstance(r, tuple) else (r,)):\n        show(o)\nexcept Exception as e:\n    print('E ' + repr(e).replace('\\n', ' '))\n\n",
            args.join(", ")
        );
        let loose = graph
            .nodes()
            .iter()
            .map(crate::common::output)
            .chain(graph.inputs().iter().copied())
            .any(|v| graph.info(v).is_some_and(|i| i.dtype == DType::Float32));
        expected.push((s, loose, outs));
    }
    let stdout = python.run(&script)?;
    // Parse: "P seed" then one line per output (or "E message").
    let mut got: std::collections::HashMap<u64, Vec<String>> = std::collections::HashMap::new();
    let mut current = None;
    for line in stdout.lines() {
        if let Some(s) = line.strip_prefix("P ") {
            current = s.trim().parse::<u64>().ok();
            if let Some(c) = current {
                got.insert(c, Vec::new());
            }
        } else if let Some(c) = current {
            if let Some(v) = got.get_mut(&c) {
                v.push(line.to_string());
            }
        }
    }
    for (s, loose, outs) in expected {
        let lines = got.get(&s).cloned().unwrap_or_default();
        for (backend, results) in outs {
            if lines.len() != results.len() {
                report.mismatches.push(format!(
                    "program {s}: NumPy gave {} results ({}), {backend} {}",
                    lines.len(),
                    lines.join(" / "),
                    results.len()
                ));
                continue;
            }
            for (k, (line, (head, vals))) in lines.iter().zip(&results).enumerate() {
                report.compared += 1;
                let (nhead, nvals) = line.split_once('|').unwrap_or((line, ""));
                let nvals: Vec<String> = nvals.split_whitespace().map(str::to_string).collect();
                let res = if nhead != head {
                    Err(format!("NumPy {nhead}, {backend} {head}"))
                } else {
                    let dtype = head.split(' ').next().unwrap_or("");
                    values_match(dtype, &nvals, vals, loose)
                };
                if let Err(e) = res {
                    report
                        .mismatches
                        .push(format!("program {s}, output {k}, NumPy vs {backend}: {e}"));
                }
            }
        }
    }
    Ok(report)
}
