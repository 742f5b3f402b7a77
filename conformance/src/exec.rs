//! Turning a case into a tensorswitch call, and comparing values.

use super::json::Json;
use super::Case;
use tensorswitch::call::{AttrValue, Output};
use tensorswitch::{self as ts, DType, HostData, Op, Scalar, Tensor};

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

/// A keyword argument of a case as a named attribute value; tensors (a `clip` bound) become
/// "the next input".
fn attr_of(v: &Json) -> Result<AttrValue, String> {
    Ok(match v {
        Json::Null => AttrValue::None,
        Json::Bool(b) => AttrValue::Bool(*b),
        Json::Num(_) | Json::Str(_) if float_of(v).is_some() || matches!(v, Json::Num(_)) => {
            match scalar_of(v)? {
                Scalar::Int(i) => AttrValue::Int(i),
                Scalar::Float(x) => AttrValue::Float(x),
                other => AttrValue::Scalar(other),
            }
        }
        Json::Str(s) => AttrValue::Str(s.clone()),
        Json::Arr(items) => AttrValue::List(items.iter().map(attr_of).collect::<Result<_, _>>()?),
        _ if v.get("tensor").is_some() => AttrValue::Input,
        other => return Err(format!("cannot read the keyword value {other}")),
    })
}

/// A case's op call as data and its inputs (made on the current thread's backend), or the
/// error building the call gave (`Ok(Err(..))`, a case that expects it). Used by the harness
/// and by the transpiler's tests, which trace each case.
pub fn case_call(case: &Case) -> Result<ts::Result<(ts::OpCall, Vec<Tensor>)>, String> {
    let op =
        Op::from_name(&case.op).ok_or_else(|| format!("the catalogue has no op `{}`", case.op))?;
    let mut attrs: Vec<(String, AttrValue)> = Vec::new();
    let mut inputs: Vec<Tensor> = Vec::new();
    if op == Op::from_host {
        let spec = case
            .args
            .first()
            .and_then(|v| v.get("tensor"))
            .ok_or("missing tensor argument")?;
        let (h, shape) = host_data(spec)?;
        attrs.push(("data".into(), AttrValue::Host(h)));
        attrs.push((
            "shape".into(),
            AttrValue::List(shape.iter().map(|&d| AttrValue::Int(d as i64)).collect()),
        ));
    } else {
        for arg in &case.args {
            match arg.as_arr() {
                Some(list) => {
                    for t in list {
                        inputs.push(tensor_arg(t)?);
                    }
                }
                None => inputs.push(tensor_arg(arg)?),
            }
        }
    }
    // Keyword tensors (clip's bounds) follow the positional inputs, in the op's attribute
    // order (min before max).
    let order: Vec<&'static str> = match op {
        Op::clip => vec!["min", "max"],
        _ => Vec::new(),
    };
    let Json::Obj(kwargs) = &case.kwargs else {
        return Err(format!("kwargs must be an object, got {}", case.kwargs));
    };
    let mut keyed: Vec<(&String, &Json)> = kwargs.iter().map(|(k, v)| (k, v)).collect();
    keyed.sort_by_key(|(k, _)| order.iter().position(|o| o == k).unwrap_or(usize::MAX));
    for (name, value) in keyed {
        let attr = attr_of(value)?;
        if attr == AttrValue::Input {
            inputs.push(tensor_arg(value)?);
        }
        attrs.push((name.clone(), attr));
    }
    let named: Vec<(&str, AttrValue)> =
        attrs.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    Ok(ts::OpCall::from_attrs(op, &named).map(|call| (call, inputs)))
}

/// Builds the case's op call as data ([`ts::OpCall`]) and its inputs, and runs it with
/// [`ts::run`]: the harness has no case per op.
fn execute_inputs(case: &Case) -> Result<Outcome, String> {
    let op =
        Op::from_name(&case.op).ok_or_else(|| format!("the catalogue has no op `{}`", case.op))?;
    let (call, inputs) = match case_call(case)? {
        Ok(built) => built,
        Err(e) => return Ok(Outcome::Error(e)),
    };
    let refs: Vec<&Tensor> = inputs.iter().collect();
    let ran = if TRACED.with(|c| c.get()) {
        run_traced(&call, &inputs)
    } else {
        ts::run(&call, &refs)
    };
    match ran {
        Ok(Output::Tensor(t)) => collect(&t),
        Ok(Output::Host(h)) => Ok(Outcome::Value(Got {
            dtype: h.dtype(),
            shape: refs.first().map(|x| x.shape().to_vec()).unwrap_or_default(),
            values: Values::of(&h),
        })),
        Ok(Output::Tensors(outputs)) => {
            let index = case
                .output
                .ok_or("the op returns several tensors: the case must say which with `output`")?;
            let mut got = Vec::new();
            for t in &outputs {
                match collect(t)? {
                    Outcome::Value(g) => got.push(g),
                    error => return Ok(error),
                }
            }
            canonical_signs(op, &mut got);
            if index >= got.len() {
                return Err(format!(
                    "the case checks output {index}, the op returned {}",
                    got.len()
                ));
            }
            Ok(Outcome::Value(got.swap_remove(index)))
        }
        Err(e) => Ok(Outcome::Error(e)),
    }
}

thread_local! {
    static TRACED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    static EAGER: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Runs `f` with every case traced ([`ts::trace`]), compiled for the current table and run
/// from the graph; returns `f`'s result and how many cases ran eagerly because the tracer
/// refused them (ops that read values or whose result shape depends on them).
pub(crate) fn traced<R>(f: impl FnOnce() -> R) -> (R, usize) {
    TRACED.with(|c| c.set(true));
    EAGER.with(|c| c.set(0));
    let r = f();
    TRACED.with(|c| c.set(false));
    (r, EAGER.with(|c| c.take()))
}

/// Traces `call` on `inputs`, writes the graph as JSON and reads it back, compiles it for the
/// current table and runs it. What the
/// tracer refuses ([`ts::Error::Trace`]) runs eagerly instead (and is counted).
fn run_traced(call: &ts::OpCall, inputs: &[Tensor]) -> ts::Result<Output> {
    let graph = ts::trace(inputs, |xs| {
        let refs: Vec<&Tensor> = xs.iter().collect();
        match ts::run(call, &refs)? {
            Output::Tensor(t) => Ok(vec![t]),
            Output::Tensors(ts) => Ok(ts),
            Output::Host(_) => Ok(Vec::new()),
        }
    });
    let graph = match graph {
        // Ops with several results are nodes with several outputs: never refused.
        Err(e @ ts::Error::Trace { .. }) if several_results(call.op()) => return Err(e),
        Err(ts::Error::Trace { .. }) => {
            EAGER.with(|c| c.set(c.get() + 1));
            let refs: Vec<&Tensor> = inputs.iter().collect();
            return ts::run(call, &refs);
        }
        other => other?,
    };
    let table = ts::current_backend()
        .expect("traced cases run inside with_backend")
        .table();
    // Through JSON and back (validated on load): the graph must come back the same.
    let text = graph.to_json()?;
    let graph = ts::Graph::from_json_on(&text, table)?;
    assert_eq!(graph.to_json()?, text, "JSON round trip of:\n{graph}");
    let mut out = graph.compile_on(table)?.run(inputs)?;
    Ok(if out.len() == 1 {
        Output::Tensor(out.remove(0))
    } else {
        Output::Tensors(out)
    })
}

/// Whether `op` returns several tensors (a graph node with several outputs).
fn several_results(op: Op) -> bool {
    matches!(
        op,
        Op::linalg_qr | Op::linalg_svd | Op::linalg_eigh | Op::linalg_slogdet
    )
}

// ---------------------------------------------------------------------------------------------
// signs of decompositions

/// Makes the signs of a decomposition's vectors canonical, as `conformance/gen/linalg.py`
/// does to NumPy's, since each framework picks its own (every sign choice is a valid
/// decomposition):
///
/// * `linalg.qr` (`[q, r]`): the diagonal of `r` non-negative (row `i` of `r` and column `i`
///   of `q` flip together); columns of a complete `q` beyond `r`'s diagonal by the rule below;
/// * `linalg.svd` (`[u, s, vh]`): each column of `u` by the rule below, row `i` of `vh`
///   flipping with column `i` of `u`; rows of a full `vh` beyond `s` by the rule on their own;
/// * `linalg.eigh` (`[eigenvalues, eigenvectors]`): each eigenvector by the rule below.
///
/// The rule: the first component whose magnitude is within 0.1 % of the vector's largest is
/// positive.
pub fn canonical_signs(op: Op, got: &mut [Got]) {
    fn floats(g: &mut Got) -> Option<(&mut Vec<f64>, Vec<usize>)> {
        let shape = g.shape.clone();
        match &mut g.values {
            Values::Float(v) if shape.len() >= 2 => Some((v, shape)),
            _ => None,
        }
    }
    /// -1 or 1 by the rule, for the vector of `len` elements at `start` with `stride`.
    fn rule(v: &[f64], start: usize, stride: usize, len: usize) -> f64 {
        let at = |i: usize| v[start + i * stride];
        let largest = (0..len).map(|i| at(i).abs()).fold(0.0, f64::max);
        match (0..len).find(|&i| at(i).abs() >= largest * 0.999 && at(i) != 0.0) {
            Some(i) if at(i) < 0.0 => -1.0,
            _ => 1.0,
        }
    }
    /// Multiplies column `c` of every matrix (`rows`×`cols`) of `v` by the sign `sign(b)`.
    fn flip_column(v: &mut [f64], rows: usize, cols: usize, b: usize, c: usize, sign: f64) {
        for r in 0..rows {
            v[b * rows * cols + r * cols + c] *= sign;
        }
    }
    fn flip_row(v: &mut [f64], rows: usize, cols: usize, b: usize, r: usize, sign: f64) {
        for c in 0..cols {
            v[b * rows * cols + r * cols + c] *= sign;
        }
    }
    match (op.name(), got) {
        ("linalg.qr", [q, r]) => {
            let (Some((q, qs)), Some((r, rs))) = (floats(q), floats(r)) else {
                return;
            };
            let (m, qc) = (qs[qs.len() - 2], qs[qs.len() - 1]);
            let (rr, n) = (rs[rs.len() - 2], rs[rs.len() - 1]);
            let batch = q.len().checked_div(m * qc).unwrap_or(0);
            for b in 0..batch {
                for i in 0..qc {
                    let sign = if i < rr.min(n) {
                        let d = r[b * rr * n + i * n + i];
                        if d < 0.0 {
                            -1.0
                        } else {
                            1.0
                        }
                    } else {
                        rule(q, b * m * qc + i, qc, m)
                    };
                    flip_column(q, m, qc, b, i, sign);
                    if i < rr {
                        flip_row(r, rr, n, b, i, sign);
                    }
                }
            }
        }
        ("linalg.svd", [u, _, vh]) => {
            let (Some((u, us)), Some((vh, vs))) = (floats(u), floats(vh)) else {
                return;
            };
            let (m, uc) = (us[us.len() - 2], us[us.len() - 1]);
            let (vr, n) = (vs[vs.len() - 2], vs[vs.len() - 1]);
            let k = m.min(n);
            let batch = u.len().checked_div(m * uc).unwrap_or(0);
            for b in 0..batch {
                for i in 0..uc {
                    let sign = rule(u, b * m * uc + i, uc, m);
                    flip_column(u, m, uc, b, i, sign);
                    if i < k {
                        flip_row(vh, vr, n, b, i, sign);
                    }
                }
                for i in k..vr {
                    let sign = rule(vh, b * vr * n + i * n, 1, n);
                    flip_row(vh, vr, n, b, i, sign);
                }
            }
        }
        ("linalg.eigh", [_, v]) => {
            let Some((v, vs)) = floats(v) else {
                return;
            };
            let n = vs[vs.len() - 1];
            let batch = v.len().checked_div(n * n).unwrap_or(0);
            for b in 0..batch {
                for i in 0..n {
                    let sign = rule(v, b * n * n + i, n, n);
                    flip_column(v, n, n, b, i, sign);
                }
            }
        }
        _ => {}
    }
}
