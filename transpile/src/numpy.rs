//! The NumPy target: a Python function using `numpy` only.
//!
//! tensorswitch pins NumPy's semantics, so most nodes are one NumPy call. The exceptions are
//! spelled out: casts from float to integer saturate (NumPy's are undefined out of range),
//! dtypes of results are forced to the traced ones (NumPy widens integer sums), `clip` is the
//! core's maximum-then-minimum, warnings of integer division by zero are silenced.

use crate::common::{self, info, output, unsupported};
use crate::{Constants, Options, Result};
use std::fmt::Write;
use tensorswitch::trace::{Args, Graph, Node, ValueId};
use tensorswitch::{DType, HostData, Op, Scalar};

const TARGET: &str = "numpy";

/// NumPy's name of a dtype.
pub fn np_dtype(d: DType) -> Option<&'static str> {
    Some(match d {
        DType::Bool => "np.bool_",
        DType::Int8 => "np.int8",
        DType::Int16 => "np.int16",
        DType::Int32 => "np.int32",
        DType::Int64 => "np.int64",
        DType::UInt8 => "np.uint8",
        DType::UInt16 => "np.uint16",
        DType::UInt32 => "np.uint32",
        DType::UInt64 => "np.uint64",
        DType::Float16 => "np.float16",
        DType::Float32 => "np.float32",
        DType::Float64 => "np.float64",
        _ => return None,
    })
}

/// A Python float literal that reads back as exactly `v`.
pub fn py_float(v: f64) -> String {
    if v.is_nan() {
        "np.nan".into()
    } else if v == f64::INFINITY {
        "np.inf".into()
    } else if v == f64::NEG_INFINITY {
        "-np.inf".into()
    } else {
        format!("{v:?}")
    }
}

/// The elements of host data as a Python list.
pub fn py_list(h: &HostData) -> String {
    let items: Vec<String> = match h {
        HostData::Bool(v) => v
            .iter()
            .map(|&b| if b { "True" } else { "False" }.to_string())
            .collect(),
        // Each float32 printed as the float64 it widens to exactly, so NumPy rounds back to it.
        HostData::Float32(v) => v.iter().map(|&x| py_float(f64::from(x))).collect(),
        HostData::Float64(v) => v.iter().map(|&x| py_float(x)).collect(),
        other => {
            tensorswitch::match_host_data!(other, v => v.iter().map(|x| format!("{x:?}")).collect())
        }
    };
    format!("[{}]", items.join(", "))
}

fn dims(s: &[usize]) -> String {
    match s.len() {
        1 => format!("({},)", s[0]),
        _ => format!(
            "({})",
            s.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

pub fn emit(g: &Graph, opts: &Options) -> Result<String> {
    let names = common::Names::new(g);
    let mut args: Vec<ValueId> = g.inputs().to_vec();
    if opts.constants == Constants::Arguments {
        args.extend(g.constants().iter().map(|c| c.value));
    }
    let dt = |v: ValueId, n: Option<&Node>| -> Result<&'static str> {
        let (d, _) = info(g, v)?;
        np_dtype(d).ok_or_else(|| crate::Error::Unsupported {
            target: TARGET,
            op: n.map(|n| n.op.name().to_string()).unwrap_or_default(),
            reason: format!("{d} has no NumPy dtype"),
        })
    };
    let mut s = String::from("import numpy as np\n\n\n");
    let params: Vec<String> = args.iter().map(|v| names.get(*v)).collect();
    let _ = writeln!(s, "def {}({}):", opts.name, params.join(", "));
    let _ = writeln!(
        s,
        "    \"\"\"{}",
        common::header(g, TARGET).trim_end().replace('\n', "\n    ")
    );
    let _ = writeln!(s, "    \"\"\"");
    for v in &args {
        let (_, shape) = info(g, *v)?;
        let n = names.get(*v);
        let _ = writeln!(
            s,
            "    {n} = np.asarray({n}, dtype={})\n    if {n}.shape != {}:\n        raise ValueError(\"{n}: expected shape {}, got \" + str({n}.shape))",
            dt(*v, None)?,
            dims(&shape),
            dims(&shape)
        );
    }
    let _ = writeln!(s, "    with np.errstate(all=\"ignore\"):");
    if opts.constants == Constants::Embedded {
        for c in g.constants() {
            let h = c
                .tensor
                .to_host()
                .map_err(|err| crate::Error::Unsupported {
                    target: TARGET,
                    op: "constant".into(),
                    reason: format!("the constant `{}` cannot be read: {err}", c.name),
                })?;
            let (_, shape) = info(g, c.value)?;
            let _ = writeln!(
                s,
                "        {} = np.array({}, dtype={}).reshape({})",
                names.get(c.value),
                py_list(&h),
                dt(c.value, None)?,
                dims(&shape)
            );
        }
    }
    for n in g.nodes() {
        let expr = node(g, &names, n, &dt)?;
        let out = output(n);
        let _ = writeln!(s, "        {} = {expr}", names.get(out));
    }
    let outs: Vec<String> = g.outputs().iter().map(|v| names.get(*v)).collect();
    if outs.len() == 1 {
        let _ = writeln!(s, "    return {}", outs[0]);
    } else {
        let _ = writeln!(s, "    return ({})", outs.join(", "));
    }
    Ok(s)
}

fn node(
    g: &Graph,
    names: &common::Names,
    n: &Node,
    dt: &dyn Fn(ValueId, Option<&Node>) -> Result<&'static str>,
) -> Result<String> {
    let out = output(n);
    let op = common::catalogue_op(TARGET, n)?;
    let (od, oshape) = info(g, out)?;
    let odt = dt(out, Some(n))?;
    let inp = |i: usize| -> Result<String> {
        n.inputs
            .get(i)
            .map(|v| names.get(*v))
            .ok_or_else(|| unsupported(TARGET, n, format!("expected input {i}")))
    };
    let ind = |i: usize| -> Result<DType> {
        let v = n
            .inputs
            .get(i)
            .ok_or_else(|| unsupported(TARGET, n, format!("expected input {i}")))?;
        Ok(info(g, *v)?.0)
    };
    for v in &n.inputs {
        dt(*v, Some(n))?;
    }
    // Every result is forced to the traced dtype and shape: NumPy widens some results (integer
    // sums) and returns scalars for 0-d ones.
    let fix = |e: String| format!("np.asarray({e}, dtype={odt}).reshape({})", dims(&oshape));
    let axes_t = |a: &[usize]| dims(a);
    Ok(match (&n.args, n.inputs.len()) {
        (Args::None, 1) => {
            let x = inp(0)?;
            let f = match op {
                Op::negative => "np.negative",
                Op::abs => "np.abs",
                Op::exp => "np.exp",
                Op::log => "np.log",
                Op::log1p => "np.log1p",
                Op::expm1 => "np.expm1",
                Op::sqrt => "np.sqrt",
                Op::square => "np.square",
                Op::sin => "np.sin",
                Op::cos => "np.cos",
                Op::tan => "np.tan",
                Op::tanh => "np.tanh",
                Op::sinh => "np.sinh",
                Op::cosh => "np.cosh",
                Op::asin => "np.arcsin",
                Op::acos => "np.arccos",
                Op::atan => "np.arctan",
                Op::asinh => "np.arcsinh",
                Op::acosh => "np.arccosh",
                Op::atanh => "np.arctanh",
                Op::log2 => "np.log2",
                Op::log10 => "np.log10",
                Op::floor => "np.floor",
                Op::ceil => "np.ceil",
                // Half to even, as the Array API rounds.
                Op::round => "np.round",
                Op::trunc => "np.trunc",
                Op::sign => "np.sign",
                Op::positive => "np.positive",
                Op::isnan => "np.isnan",
                Op::isinf => "np.isinf",
                Op::isfinite => "np.isfinite",
                Op::signbit if ind(0)?.is_float() => "np.signbit",
                Op::signbit => "np.less_zero",
                Op::logical_not => "np.logical_not",
                Op::bitwise_invert => "np.invert",
                Op::matrix_transpose => "np.matrix_transpose",
                _ => return Err(unsupported(TARGET, n, "not emitted")),
            };
            if f == "np.less_zero" {
                fix(format!("{x} < 0"))
            } else if f == "np.matrix_transpose" {
                fix(format!("np.swapaxes({x}, -1, -2)"))
            } else {
                fix(format!("{f}({x})"))
            }
        }
        (Args::None, 2) => {
            let (x, y) = (inp(0)?, inp(1)?);
            let f = match op {
                Op::add => "np.add",
                Op::subtract => "np.subtract",
                Op::multiply => "np.multiply",
                Op::divide => "np.divide",
                Op::maximum => "np.maximum",
                Op::minimum => "np.minimum",
                Op::logaddexp => "np.logaddexp",
                Op::atan2 => "np.arctan2",
                Op::hypot => "np.hypot",
                Op::copysign => "np.copysign",
                Op::floor_divide => "np.floor_divide",
                Op::remainder => "np.remainder",
                Op::pow => "np.power",
                Op::equal => "np.equal",
                Op::not_equal => "np.not_equal",
                Op::less => "np.less",
                Op::less_equal => "np.less_equal",
                Op::greater => "np.greater",
                Op::greater_equal => "np.greater_equal",
                Op::logical_and => "np.logical_and",
                Op::logical_or => "np.logical_or",
                Op::logical_xor => "np.logical_xor",
                Op::bitwise_and => "np.bitwise_and",
                Op::bitwise_or => "np.bitwise_or",
                Op::bitwise_xor => "np.bitwise_xor",
                Op::matmul => "np.matmul",
                _ => return Err(unsupported(TARGET, n, "not emitted")),
            };
            fix(format!("{f}({x}, {y})"))
        }
        (Args::None, 3) if op == Op::where_ => {
            fix(format!("np.where({}, {}, {})", inp(0)?, inp(1)?, inp(2)?))
        }
        (Args::Clip { min, max }, _) => {
            // The core's definition: maximum with the lower bound, then minimum with the upper.
            let mut e = inp(0)?;
            let mut i = 1;
            if *min {
                e = format!("np.maximum({e}, {})", inp(i)?);
                i += 1;
            }
            if *max {
                e = format!("np.minimum({e}, {})", inp(i)?);
            }
            fix(e)
        }
        (Args::Cast(to), 1) => {
            let x = inp(0)?;
            let from = ind(0)?;
            if from.is_float() && to.is_integer() {
                // Rust's `as`: truncate, saturate, NaN to 0 (NumPy leaves these undefined).
                let (lo, hi) = to
                    .integer_range()
                    .ok_or_else(|| unsupported(TARGET, n, "no integer range"))?;
                format!(
                    "np.where(np.isnan({x}), 0, np.where({x} <= {lo}, {lo}, np.where({x} >= {hi}, {hi}, np.trunc(np.nan_to_num({x}, nan=0.0, posinf=0.0, neginf=0.0)).astype({odt})))).astype({odt})"
                )
            } else {
                fix(format!("{x}.astype({odt})"))
            }
        }
        (Args::Reduce { axes, keepdims }, 1) => {
            let x = inp(0)?;
            let kd = if *keepdims { "True" } else { "False" };
            let ax = axes_t(axes);
            let f = match op {
                Op::sum => "np.sum",
                Op::prod => "np.prod",
                Op::mean => "np.mean",
                Op::max => "np.max",
                Op::min => "np.min",
                Op::all => "np.all",
                Op::any => "np.any",
                Op::count_nonzero => "np.count_nonzero",
                _ => return Err(unsupported(TARGET, n, "not emitted")),
            };
            if axes.is_empty() && op != Op::count_nonzero {
                fix(x)
            } else if axes.is_empty() {
                fix(format!("{x} != 0"))
            } else if matches!(op, Op::sum | Op::prod) {
                // Accumulated in the result's dtype (NumPy would widen small integers).
                fix(format!("{f}({x}, axis={ax}, keepdims={kd}, dtype={odt})"))
            } else {
                fix(format!("{f}({x}, axis={ax}, keepdims={kd})"))
            }
        }
        (
            Args::Stat {
                axes,
                correction,
                keepdims,
            },
            1,
        ) => {
            let f = if op == Op::std { "np.std" } else { "np.var" };
            let kd = if *keepdims { "True" } else { "False" };
            fix(format!(
                "{f}({}, axis={}, ddof={}, keepdims={kd})",
                inp(0)?,
                axes_t(axes),
                py_float(*correction)
            ))
        }
        (Args::ArgReduce { axis, keepdims }, 1) => {
            let f = if op == Op::argmax {
                "np.argmax"
            } else {
                "np.argmin"
            };
            let kd = if *keepdims { "True" } else { "False" };
            let ax = axis.map(|a| a.to_string()).unwrap_or_else(|| "None".into());
            fix(format!("{f}({}, axis={ax}, keepdims={kd})", inp(0)?))
        }
        (Args::Axis(k), _) => match op {
            Op::softmax => {
                // The core's definition: exp(x - max) / sum(exp(x - max)).
                let x = inp(0)?;
                fix(format!(
                    "(lambda e: e / np.sum(e, axis={k}, keepdims=True))(np.exp({x} - np.max({x}, axis={k}, keepdims=True))) if {x}.shape[{k}] else {x}"
                ))
            }
            Op::cumulative_sum => fix(format!("np.cumsum({}, axis={k}, dtype={odt})", inp(0)?)),
            Op::expand_dims => fix(format!("np.expand_dims({}, {k})", inp(0)?)),
            Op::concat | Op::stack => {
                let xs: Vec<String> = n.inputs.iter().map(|v| names.get(*v)).collect();
                let f = if op == Op::concat {
                    "np.concatenate"
                } else {
                    "np.stack"
                };
                fix(format!("{f}([{}], axis={k})", xs.join(", ")))
            }
            _ => return Err(unsupported(TARGET, n, "not emitted")),
        },
        (Args::Sizes(s), 1) => {
            let x = inp(0)?;
            match op {
                Op::reshape | Op::squeeze => fix(x),
                Op::broadcast_to => fix(format!("np.broadcast_to({x}, {})", dims(s))),
                Op::permute_dims | Op::moveaxis => fix(format!("np.transpose({x}, {})", dims(s))),
                Op::flip if s.is_empty() => fix(x),
                Op::flip => fix(format!("np.flip({x}, axis={})", dims(s))),
                _ => return Err(unsupported(TARGET, n, "not emitted")),
            }
        }
        (Args::Full { value, .. }, _) => {
            let v = match value {
                Scalar::Bool(b) => if *b { "True" } else { "False" }.to_string(),
                Scalar::Int(i) => i.to_string(),
                Scalar::UInt(u) => u.to_string(),
                Scalar::Float(x) => py_float(*x),
            };
            let v = if od.is_integer() && matches!(value, Scalar::Float(_)) {
                format!("int({v})")
            } else {
                v
            };
            format!("np.full({}, {v}, dtype={odt})", dims(&oshape))
        }
        (Args::Fill { .. }, _) => {
            let f = if matches!(op, Op::ones | Op::ones_like) {
                "np.ones"
            } else {
                "np.zeros"
            };
            format!("{f}({}, dtype={odt})", dims(&oshape))
        }
        (Args::FromHost { data, .. }, 0) => {
            format!(
                "np.array({}, dtype={odt}).reshape({})",
                py_list(data),
                dims(&oshape)
            )
        }
        _ => {
            return Err(unsupported(
                TARGET,
                n,
                "the NumPy emitter does not support this op (see supported_ops)",
            ))
        }
    })
}
