//! Turning a case into a tensorswitch call, and comparing values.

use super::json::Json;
use super::Case;
use tensorswitch::{self as ts, DType, HostData, Scalar, Tensor, TensordotAxes};

/// Every op name the harness can call (the `match` in [`execute`]).
pub const KNOWN_OPS: &[&str] = &[
    "from_host",
    "to_host",
    "to_device",
    "full",
    "zeros",
    "ones",
    "arange",
    "linspace",
    "eye",
    "add",
    "subtract",
    "multiply",
    "divide",
    "pow",
    "maximum",
    "minimum",
    "negative",
    "abs",
    "exp",
    "log",
    "log1p",
    "expm1",
    "sqrt",
    "square",
    "sin",
    "cos",
    "tanh",
    "floor",
    "ceil",
    "round",
    "sign",
    "equal",
    "not_equal",
    "less",
    "less_equal",
    "greater",
    "greater_equal",
    "logical_and",
    "logical_or",
    "logical_xor",
    "logical_not",
    "where",
    "clip",
    "matmul",
    "matrix_transpose",
    "vecdot",
    "tensordot",
    "linalg.inv",
    "linalg.det",
    "sum",
    "mean",
    "prod",
    "max",
    "min",
    "var",
    "std",
    "argmax",
    "argmin",
    "cumulative_sum",
    "sort",
    "argsort",
    "softmax",
    "reshape",
    "permute_dims",
    "expand_dims",
    "squeeze",
    "flip",
    "broadcast_to",
    "concat",
    "stack",
    "astype",
    "tril",
    "triu",
];

// ---------------------------------------------------------------------------------------------
// values

/// Elements in a form every dtype of one kind compares in: floats as `f64` (exact for
/// float32), integers as `i128` (exact for every integer dtype).
#[derive(Clone, Debug, PartialEq)]
pub enum Values {
    Bool(Vec<bool>),
    Int(Vec<i128>),
    Float(Vec<f64>),
}

impl Values {
    pub fn of(h: &HostData) -> Values {
        fn ints<T: Copy + Into<i128>>(v: &[T]) -> Values {
            Values::Int(v.iter().map(|&x| x.into()).collect())
        }
        match h {
            HostData::Bool(v) => Values::Bool(v.clone()),
            HostData::Int8(v) => ints(v),
            HostData::Int16(v) => ints(v),
            HostData::Int32(v) => ints(v),
            HostData::Int64(v) => ints(v),
            HostData::UInt8(v) => ints(v),
            HostData::UInt16(v) => ints(v),
            HostData::UInt32(v) => ints(v),
            HostData::UInt64(v) => ints(v),
            HostData::Float32(v) => Values::Float(v.iter().map(|&x| x as f64).collect()),
            HostData::Float64(v) => Values::Float(v.clone()),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Values::Bool(v) => v.len(),
            Values::Int(v) => v.len(),
            Values::Float(v) => v.len(),
        }
    }

    fn item(&self, i: usize) -> String {
        match self {
            Values::Bool(v) => v[i].to_string(),
            Values::Int(v) => v[i].to_string(),
            Values::Float(v) => format!("{:e}", v[i]),
        }
    }

    /// The first elements, for messages.
    pub fn preview(&self) -> String {
        const N: usize = 8;
        let n = self.len();
        let items: Vec<String> = (0..n.min(N)).map(|i| self.item(i)).collect();
        let more = if n > N {
            format!(", … ({n} in all)")
        } else {
            String::new()
        };
        format!("[{}{more}]", items.join(", "))
    }

    /// Compares `actual` with `self` (the reference): floats within `atol + rtol * |expected|`,
    /// NaN equal to NaN, infinities equal by sign; integers and bools exactly.
    pub fn compare(&self, actual: &Values, rtol: f64, atol: f64) -> Result<(), String> {
        if self.len() != actual.len() {
            return Err(format!(
                "expected {} elements, got {}",
                self.len(),
                actual.len()
            ));
        }
        let bad: Vec<usize> = match (self, actual) {
            (Values::Bool(e), Values::Bool(a)) => (0..e.len()).filter(|&i| e[i] != a[i]).collect(),
            (Values::Int(e), Values::Int(a)) => (0..e.len()).filter(|&i| e[i] != a[i]).collect(),
            (Values::Float(e), Values::Float(a)) => (0..e.len())
                .filter(|&i| !close(e[i], a[i], rtol, atol))
                .collect(),
            _ => return Err("values of different kinds".into()),
        };
        if bad.is_empty() {
            return Ok(());
        }
        let shown: Vec<String> = bad
            .iter()
            .take(4)
            .map(|&i| format!("[{i}] expected {} got {}", self.item(i), actual.item(i)))
            .collect();
        Err(format!(
            "{} of {} values differ (rtol {rtol:e}, atol {atol:e}): {}{}; expected {}, got {}",
            bad.len(),
            self.len(),
            shown.join(", "),
            if bad.len() > 4 { ", …" } else { "" },
            self.preview(),
            actual.preview()
        ))
    }
}

fn close(expected: f64, actual: f64, rtol: f64, atol: f64) -> bool {
    if expected.is_nan() || actual.is_nan() {
        return expected.is_nan() && actual.is_nan();
    }
    if expected.is_infinite() || actual.is_infinite() {
        return expected == actual;
    }
    (actual - expected).abs() <= atol + rtol * expected.abs()
}

// ---------------------------------------------------------------------------------------------
// reading the data

fn float_of(v: &Json) -> Option<f64> {
    match v {
        Json::Str(s) => match s.as_str() {
            "nan" => Some(f64::NAN),
            "inf" => Some(f64::INFINITY),
            "-inf" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        _ => v.parse_num::<f64>(),
    }
}

fn f32_of(v: &Json) -> Option<f32> {
    match v {
        Json::Str(_) => float_of(v).map(|x| x as f32),
        _ => v.parse_num::<f32>(),
    }
}

fn dtype_of(v: Option<&Json>) -> Result<DType, String> {
    let name = v.and_then(Json::as_str).ok_or("missing dtype")?;
    DType::from_name(name).ok_or_else(|| format!("unknown dtype `{name}`"))
}

fn usize_list(v: Option<&Json>) -> Result<Vec<usize>, String> {
    v.and_then(Json::as_arr)
        .ok_or("missing list")?
        .iter()
        .map(|x| x.parse_num::<usize>().ok_or(format!("not a size: {x}")))
        .collect()
}

fn isize_list(v: &Json) -> Result<Vec<isize>, String> {
    v.as_arr()
        .ok_or(format!("not a list: {v}"))?
        .iter()
        .map(|x| x.parse_num::<isize>().ok_or(format!("not an integer: {x}")))
        .collect()
}

/// `{"dtype", "shape", "data"}` as host data of that dtype.
pub fn host_data(spec: &Json) -> Result<(HostData, Vec<usize>), String> {
    let dtype = dtype_of(spec.get("dtype"))?;
    let shape = usize_list(spec.get("shape")).map_err(|e| format!("shape: {e}"))?;
    let data = spec
        .get("data")
        .and_then(Json::as_arr)
        .ok_or("missing data")?;
    let n: usize = shape.iter().product();
    if data.len() != n {
        return Err(format!(
            "shape {shape:?} needs {n} elements, data has {}",
            data.len()
        ));
    }
    fn parse<T>(
        data: &[Json],
        dtype: DType,
        f: impl Fn(&Json) -> Option<T>,
    ) -> Result<Vec<T>, String> {
        data.iter()
            .map(|x| f(x).ok_or_else(|| format!("`{x}` is not a {dtype} value")))
            .collect()
    }
    let h = match dtype {
        DType::Bool => HostData::Bool(parse(data, dtype, Json::as_bool)?),
        DType::Int8 => HostData::Int8(parse(data, dtype, Json::parse_num)?),
        DType::Int16 => HostData::Int16(parse(data, dtype, Json::parse_num)?),
        DType::Int32 => HostData::Int32(parse(data, dtype, Json::parse_num)?),
        DType::Int64 => HostData::Int64(parse(data, dtype, Json::parse_num)?),
        DType::UInt8 => HostData::UInt8(parse(data, dtype, Json::parse_num)?),
        DType::UInt16 => HostData::UInt16(parse(data, dtype, Json::parse_num)?),
        DType::UInt32 => HostData::UInt32(parse(data, dtype, Json::parse_num)?),
        DType::UInt64 => HostData::UInt64(parse(data, dtype, Json::parse_num)?),
        DType::Float32 => HostData::Float32(parse(data, dtype, f32_of)?),
        DType::Float64 => HostData::Float64(parse(data, dtype, float_of)?),
        other => return Err(format!("dtype {other} has no host representation")),
    };
    Ok((h, shape))
}

/// A `{"tensor": spec}` argument as a tensor on the current backend. A spec with `"view"`
/// holds physical data that the view turns into the logical input: `"transpose"` reverses
/// the axes (permute_dims), `"flip"` reverses every axis; backends with strided views then
/// get non-contiguous or negative-stride inputs.
fn tensor_arg(v: &Json) -> Result<Tensor, String> {
    let spec = v
        .get("tensor")
        .ok_or_else(|| format!("not a tensor: {v}"))?;
    let (h, shape) = host_data(spec)?;
    let t = ts::from_host(h, &shape).map_err(|e| {
        if matches!(e, ts::Error::UnsupportedDType { .. }) {
            UNSUPPORTED_INPUT.with(|c| c.set(Some(e.clone())));
        }
        format!("creating an input tensor failed: {e}")
    })?;
    let viewed = match spec.get("view").map(|v| v.as_str()) {
        None => return Ok(t),
        Some(Some("transpose")) => {
            let axes: Vec<isize> = (0..t.ndim() as isize).rev().collect();
            ts::permute_dims(&t, &axes)
        }
        Some(Some("flip")) => ts::flip(&t, None),
        Some(other) => return Err(format!("unknown view {other:?}")),
    };
    viewed.map_err(|e| format!("making the strided input view failed: {e}"))
}

/// A scalar: JSON booleans are `Bool`, numbers written with `.`/`e` (and "nan", "inf") are
/// `Float`, other numbers `Int` (or `UInt` beyond `i64`).
fn scalar_of(v: &Json) -> Result<Scalar, String> {
    match v {
        Json::Bool(b) => Ok(Scalar::Bool(*b)),
        Json::Num(s) if s.contains(['.', 'e', 'E']) => Ok(Scalar::Float(
            s.parse().map_err(|_| format!("bad float {s}"))?,
        )),
        Json::Num(s) => s
            .parse::<i64>()
            .map(Scalar::Int)
            .or_else(|_| s.parse::<u64>().map(Scalar::UInt))
            .map_err(|_| format!("bad integer {s}")),
        Json::Str(_) => float_of(v)
            .map(Scalar::Float)
            .ok_or(format!("not a scalar: {v}")),
        _ => Err(format!("not a scalar: {v}")),
    }
}

/// Keyword arguments of a case.
struct Kw<'a>(&'a Json);

impl Kw<'_> {
    fn raw(&self, k: &str) -> Result<&Json, String> {
        self.0
            .get(k)
            .ok_or_else(|| format!("missing keyword `{k}`"))
    }
    fn f64(&self, k: &str) -> Result<f64, String> {
        float_of(self.raw(k)?).ok_or_else(|| format!("`{k}` is not a number"))
    }
    fn int<T: std::str::FromStr>(&self, k: &str) -> Result<T, String> {
        self.raw(k)?
            .parse_num::<T>()
            .ok_or_else(|| format!("`{k}` is not an integer of the right range"))
    }
    fn opt_int<T: std::str::FromStr>(&self, k: &str) -> Result<Option<T>, String> {
        match self.0.get(k) {
            None | Some(Json::Null) => Ok(None),
            Some(_) => self.int(k).map(Some),
        }
    }
    fn str(&self, k: &str) -> Result<&str, String> {
        match self.raw(k)? {
            Json::Str(s) => Ok(s),
            _ => Err(format!("`{k}` is not a string")),
        }
    }
    fn bool(&self, k: &str) -> Result<bool, String> {
        self.raw(k)?
            .as_bool()
            .ok_or_else(|| format!("`{k}` is not a bool"))
    }
    fn dtype(&self, k: &str) -> Result<DType, String> {
        dtype_of(self.0.get(k))
    }
    fn sizes(&self, k: &str) -> Result<Vec<usize>, String> {
        usize_list(self.0.get(k)).map_err(|e| format!("`{k}`: {e}"))
    }
    fn axes(&self, k: &str) -> Result<Vec<isize>, String> {
        isize_list(self.raw(k)?)
    }
    fn opt_axes(&self, k: &str) -> Result<Option<Vec<isize>>, String> {
        match self.0.get(k) {
            None | Some(Json::Null) => Ok(None),
            Some(v) => isize_list(v).map(Some),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// running

/// What a backend returned, copied to the host.
#[derive(Debug)]
pub struct Got {
    pub dtype: DType,
    pub shape: Vec<usize>,
    pub values: Values,
}

/// The result of a call: a tensor or an error of tensorswitch.
#[derive(Debug)]
pub enum Outcome {
    Value(Got),
    Error(ts::Error),
}

/// Checks a result's metadata against its data and copies it to the host. Inconsistencies
/// (host data of another dtype or length than the tensor claims) are failures of their own.
fn collect(t: &Tensor) -> Result<Outcome, String> {
    let h = match t.to_host() {
        Ok(h) => h,
        Err(e) => return Ok(Outcome::Error(e)),
    };
    if h.dtype() != t.dtype() {
        return Err(format!(
            "the result claims dtype {} but to_host returned {} data",
            t.dtype(),
            h.dtype()
        ));
    }
    if h.len() != t.size() {
        return Err(format!(
            "the result claims shape {:?} ({} elements) but to_host returned {}",
            t.shape(),
            t.size(),
            h.len()
        ));
    }
    Ok(Outcome::Value(Got {
        dtype: t.dtype(),
        shape: t.shape().to_vec(),
        values: Values::of(&h),
    }))
}

type Unary = fn(&Tensor) -> ts::Result<Tensor>;
type Binary = fn(&Tensor, &Tensor) -> ts::Result<Tensor>;
type Reduce = fn(&Tensor, Option<&[isize]>, bool) -> ts::Result<Tensor>;
type Stat = fn(&Tensor, Option<&[isize]>, f64, bool) -> ts::Result<Tensor>;
type ArgReduce = fn(&Tensor, Option<isize>, bool) -> ts::Result<Tensor>;
type Sorting = fn(&Tensor, isize, bool) -> ts::Result<Tensor>;
type Triangle = fn(&Tensor, i64) -> ts::Result<Tensor>;

fn unary_fn(op: &str) -> Option<Unary> {
    Some(match op {
        "negative" => ts::negative,
        "abs" => ts::abs,
        "exp" => ts::exp,
        "log" => ts::log,
        "log1p" => ts::log1p,
        "expm1" => ts::expm1,
        "sqrt" => ts::sqrt,
        "square" => ts::square,
        "sin" => ts::sin,
        "cos" => ts::cos,
        "tanh" => ts::tanh,
        "floor" => ts::floor,
        "ceil" => ts::ceil,
        "round" => ts::round,
        "sign" => ts::sign,
        "logical_not" => ts::logical_not,
        "matrix_transpose" => ts::matrix_transpose,
        "linalg.inv" => ts::linalg::inv,
        "linalg.det" => ts::linalg::det,
        _ => return None,
    })
}

fn binary_fn(op: &str) -> Option<Binary> {
    Some(match op {
        "add" => ts::add,
        "subtract" => ts::subtract,
        "multiply" => ts::multiply,
        "divide" => ts::divide,
        "pow" => ts::pow,
        "maximum" => ts::maximum,
        "minimum" => ts::minimum,
        "equal" => ts::equal,
        "not_equal" => ts::not_equal,
        "less" => ts::less,
        "less_equal" => ts::less_equal,
        "greater" => ts::greater,
        "greater_equal" => ts::greater_equal,
        "logical_and" => ts::logical_and,
        "logical_or" => ts::logical_or,
        "logical_xor" => ts::logical_xor,
        "matmul" => ts::matmul,
        _ => return None,
    })
}

fn reduce_fn(op: &str) -> Option<Reduce> {
    Some(match op {
        "sum" => ts::sum,
        "prod" => ts::prod,
        "mean" => ts::mean,
        "max" => ts::max,
        "min" => ts::min,
        _ => return None,
    })
}

thread_local! {
    /// The `UnsupportedDType` error of the last input the backend could not create.
    static UNSUPPORTED_INPUT: std::cell::Cell<Option<ts::Error>> = const { std::cell::Cell::new(None) };
}

/// Runs a case on the current thread's backend. `Err` is a failure of the harness or the data
/// (or a backend that cannot even create the inputs), not an error the case may expect. An
/// input whose dtype the backend does not support comes back as that `UnsupportedDType` error,
/// so the suite skips the case when the backend declares the dtype unsupported.
pub fn execute(case: &Case) -> Result<Outcome, String> {
    UNSUPPORTED_INPUT.with(|c| c.set(None));
    match execute_inputs(case) {
        Err(msg) => match UNSUPPORTED_INPUT.with(|c| c.take()) {
            Some(e) => Ok(Outcome::Error(e)),
            None => Err(msg),
        },
        done => done,
    }
}

fn execute_inputs(case: &Case) -> Result<Outcome, String> {
    let args = &case.args;
    let kw = Kw(&case.kwargs);
    let arg = |i: usize| -> Result<Tensor, String> {
        tensor_arg(args.get(i).ok_or_else(|| format!("missing argument {i}"))?)
    };
    let op = case.op.as_str();
    let result: ts::Result<Tensor> = if let Some(f) = unary_fn(op) {
        f(&arg(0)?)
    } else if let Some(f) = binary_fn(op) {
        f(&arg(0)?, &arg(1)?)
    } else if let Some(f) = reduce_fn(op) {
        f(
            &arg(0)?,
            kw.opt_axes("axes")?.as_deref(),
            kw.bool("keepdims")?,
        )
    } else {
        match op {
            "from_host" => {
                let spec = args
                    .first()
                    .and_then(|v| v.get("tensor"))
                    .ok_or("missing tensor argument")?;
                let (h, shape) = host_data(spec)?;
                ts::from_host(h, &shape)
            }
            "to_device" => {
                let device = ts::Device::parse(kw.str("device")?).map_err(|e| e.to_string())?;
                ts::to_device(&arg(0)?, device)
            }
            "to_host" => {
                let x = arg(0)?;
                return Ok(match ts::to_host(&x) {
                    Ok(h) => Outcome::Value(Got {
                        dtype: h.dtype(),
                        shape: x.shape().to_vec(),
                        values: Values::of(&h),
                    }),
                    Err(e) => Outcome::Error(e),
                });
            }
            "full" => ts::full(
                &kw.sizes("shape")?,
                scalar_of(kw.raw("value")?)?,
                kw.dtype("dtype")?,
            ),
            "zeros" => ts::zeros(&kw.sizes("shape")?, kw.dtype("dtype")?),
            "ones" => ts::ones(&kw.sizes("shape")?, kw.dtype("dtype")?),
            "arange" => ts::arange(
                kw.f64("start")?,
                kw.f64("stop")?,
                kw.f64("step")?,
                kw.dtype("dtype")?,
            ),
            "linspace" => ts::linspace(
                kw.f64("start")?,
                kw.f64("stop")?,
                kw.int("num")?,
                kw.bool("endpoint")?,
                kw.dtype("dtype")?,
            ),
            "eye" => ts::eye(
                kw.int("n_rows")?,
                kw.opt_int("n_cols")?,
                kw.int("k")?,
                kw.dtype("dtype")?,
            ),
            "where" => ts::where_(&arg(0)?, &arg(1)?, &arg(2)?),
            "clip" => {
                let x = arg(0)?;
                let (lo, hi) = (kw.raw("min")?, kw.raw("max")?);
                let scalar_bounds = [lo, hi]
                    .iter()
                    .all(|b| b.is_null() || b.get("tensor").is_none());
                if scalar_bounds && !(lo.is_null() && hi.is_null()) {
                    let num = |b: &Json| -> Result<Option<f64>, String> {
                        if b.is_null() {
                            Ok(None)
                        } else {
                            scalar_of(b).map(|s| Some(s.as_f64()))
                        }
                    };
                    ts::clip_scalar(&x, num(lo)?, num(hi)?)
                } else {
                    let bound = |b: &Json| -> Result<Option<Tensor>, String> {
                        if b.is_null() {
                            Ok(None)
                        } else {
                            tensor_arg(b).map(Some)
                        }
                    };
                    let (lo, hi) = (bound(lo)?, bound(hi)?);
                    ts::clip(&x, lo.as_ref(), hi.as_ref())
                }
            }
            "vecdot" => ts::vecdot(&arg(0)?, &arg(1)?, kw.int("axis")?),
            "tensordot" => {
                let axes = kw.raw("axes")?;
                let axes = match axes.as_arr() {
                    Some([pa, pb]) => TensordotAxes::Pairs(isize_list(pa)?, isize_list(pb)?),
                    Some(_) => return Err(format!("bad tensordot axes {axes}")),
                    None => TensordotAxes::Count(
                        axes.parse_num::<usize>()
                            .ok_or(format!("bad tensordot axes {axes}"))?,
                    ),
                };
                ts::tensordot(&arg(0)?, &arg(1)?, axes)
            }
            "var" | "std" => {
                let f: Stat = if op == "var" { ts::var } else { ts::std };
                f(
                    &arg(0)?,
                    kw.opt_axes("axes")?.as_deref(),
                    kw.f64("correction")?,
                    kw.bool("keepdims")?,
                )
            }
            "argmax" | "argmin" => {
                let f: ArgReduce = if op == "argmax" {
                    ts::argmax
                } else {
                    ts::argmin
                };
                f(&arg(0)?, kw.opt_int("axis")?, kw.bool("keepdims")?)
            }
            "cumulative_sum" => {
                ts::cumulative_sum(&arg(0)?, kw.opt_int("axis")?, kw.bool("include_initial")?)
            }
            "sort" | "argsort" => {
                let f: Sorting = if op == "sort" { ts::sort } else { ts::argsort };
                f(&arg(0)?, kw.int("axis")?, kw.bool("descending")?)
            }
            "softmax" => ts::softmax(&arg(0)?, kw.int("axis")?),
            "reshape" => ts::reshape(&arg(0)?, &kw.axes("shape")?),
            "permute_dims" => ts::permute_dims(&arg(0)?, &kw.axes("axes")?),
            "expand_dims" => ts::expand_dims(&arg(0)?, kw.int("axis")?),
            "squeeze" => ts::squeeze(&arg(0)?, &kw.axes("axes")?),
            "flip" => ts::flip(&arg(0)?, kw.opt_axes("axes")?.as_deref()),
            "broadcast_to" => ts::broadcast_to(&arg(0)?, &kw.sizes("shape")?),
            "concat" | "stack" => {
                let list = args
                    .first()
                    .and_then(Json::as_arr)
                    .ok_or("the first argument must be a list of tensors")?;
                let tensors = list.iter().map(tensor_arg).collect::<Result<Vec<_>, _>>()?;
                if op == "concat" {
                    ts::concat(&tensors, kw.opt_int("axis")?)
                } else {
                    ts::stack(&tensors, kw.int("axis")?)
                }
            }
            "astype" => ts::astype(&arg(0)?, kw.dtype("dtype")?),
            "tril" | "triu" => {
                let f: Triangle = if op == "tril" { ts::tril } else { ts::triu };
                f(&arg(0)?, kw.int("k")?)
            }
            other => return Err(format!("the harness does not know the op `{other}`")),
        }
    };
    match result {
        Ok(t) => collect(&t),
        Err(e) => Ok(Outcome::Error(e)),
    }
}
