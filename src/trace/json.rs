//! Graphs as JSON (cargo feature `serde`): [`Graph`] implements `serde::Serialize` and
//! `serde::Deserialize`, and [`Graph::to_json`] / [`Graph::from_json`] wrap them with
//! `serde_json`. Loading validates the whole graph (see [`Graph::from_json_on`]): a file that
//! does not describe a graph the backend can run is an [`Error::Trace`] saying what is wrong,
//! never a graph that fails later.

use super::graph::{Args, Constant, Graph, Node, NodeOp, ValueId, ValueInfo};
use super::record::{invoke_all, result_count};
use crate::catalogue::{AxisSlice, MatrixOrd, Op, Window2d};
use crate::custom::{Attr, CUSTOM_OPS};
use crate::dtype::{DType, HostData, Scalar};
use crate::error::{Error, Result};
use crate::ops::dispatch;
use crate::state;
use crate::table::FunctionTable;
use crate::tensor::{Device, Tensor};
use serde::de::Error as _;
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::HashSet;

/// The `format` field of every graph file.
const FORMAT: &str = "tensorswitch.graph";
/// The version of the layout below; a file of another version is refused.
const VERSION: u32 = 1;

/// A graph as written: values by index (`%n` is `values[n]`), everything else refers to them.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct GraphFile {
    format: String,
    version: u32,
    /// The backend it was traced on; loading uses it at its detected version.
    backend: String,
    /// The version it was traced at (informative).
    backend_version: String,
    values: Vec<ValueInfo>,
    inputs: Vec<usize>,
    constants: Vec<ConstantFile>,
    nodes: Vec<NodeFile>,
    outputs: Vec<usize>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConstantFile {
    name: String,
    value: usize,
    rebindable: bool,
    /// The elements, row-major; float32 elements for a float16 or bfloat16 value (exact).
    data: HostData,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct NodeFile {
    /// The catalogue name (`add`, `linalg.qr`), or a custom op's name.
    op: String,
    /// Whether `op` names a custom op ([`crate::custom_op!`]); written only when true.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    custom: bool,
    inputs: Vec<usize>,
    /// One value for most ops, several for `linalg.qr`, `svd`, `eigh`, `slogdet`.
    outputs: Vec<usize>,
    args: Args,
}

fn invalid(reason: impl Into<String>) -> Error {
    Error::Trace {
        reason: format!("invalid graph file: {}", reason.into()),
    }
}

impl Graph {
    /// The graph as JSON: values (dtype and shape), inputs, constants with their elements,
    /// nodes (op, inputs, outputs, arguments), outputs, and the backend it was traced on.
    /// Floats are written exactly (non-finite ones as strings: `"inf"`, `"-inf"`, `"nan"`).
    pub fn to_json(&self) -> Result<String> {
        let file = self.to_file()?;
        serde_json::to_string(&file).map_err(|e| Error::Trace {
            reason: format!("the graph could not be written as JSON: {e}"),
        })
    }

    /// Reads a graph written by [`Graph::to_json`], for the backend it names at that
    /// backend's detected version; see [`Graph::from_json_on`].
    pub fn from_json(text: &str) -> Result<Graph> {
        let file = parse(text)?;
        let table = state::detected(&file.backend)?;
        load(file, table)
    }

    /// Reads a graph written by [`Graph::to_json`] onto `table` (its constants become tensors
    /// of that backend), validating it whole: the format and version; every value index in
    /// range, defined once (as an input, a constant or a node's output) and before it is read;
    /// op names from the catalogue with their arguments and number of inputs and outputs;
    /// constants' element count and dtype; the index operands of `take`, `take_along_axis`,
    /// `put` and `put_add`, and the input of `argwhere`, made inside the graph (from creation
    /// ops alone; indices in range), as a trace guarantees. Then every node is run once, in order, on stand-in inputs (identity
    /// matrices) and the real constants, and each result must have the dtype and shape the
    /// file declares. A node that fails on the stand-in values (a singular matrix made from
    /// them) is taken as declared. Errors are [`Error::Trace`], naming the part of the file.
    pub fn from_json_on(text: &str, table: &'static FunctionTable) -> Result<Graph> {
        load(parse(text)?, table)
    }

    fn to_file(&self) -> Result<GraphFile> {
        let mut constants = Vec::with_capacity(self.constants.len());
        for c in &self.constants {
            let t = match c.tensor.dtype() {
                // No host type: widen exactly to float32, narrowed again on load.
                DType::Float16 | DType::BFloat16 => {
                    let table = self.table;
                    dispatch::call(table, Op::astype, table.slots.astype, |f| {
                        f(&c.tensor, DType::Float32)
                    })?
                }
                _ => c.tensor.clone(),
            };
            constants.push(ConstantFile {
                name: c.name.clone(),
                value: c.value.0,
                rebindable: c.rebindable,
                data: t.to_host()?,
            });
        }
        Ok(GraphFile {
            format: FORMAT.to_string(),
            version: VERSION,
            backend: self.table.backend_name().to_string(),
            backend_version: self.table.version().to_string(),
            values: self.values.clone(),
            inputs: self.inputs.iter().map(|v| v.0).collect(),
            constants,
            nodes: self
                .nodes
                .iter()
                .map(|n| NodeFile {
                    op: n.op.name().to_string(),
                    custom: n.op.custom().is_some(),
                    inputs: n.inputs.iter().map(|v| v.0).collect(),
                    outputs: n.outputs().map(|v| v.0).collect(),
                    args: n.args.clone(),
                })
                .collect(),
            outputs: self.outputs.iter().map(|v| v.0).collect(),
        })
    }
}

impl Serialize for Graph {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.to_file().map_err(S::Error::custom)?.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Graph {
    /// Validates as [`Graph::from_json`] does, for the backend the graph names.
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Graph, D::Error> {
        let file = GraphFile::deserialize(d)?;
        let table = state::detected(&file.backend).map_err(D::Error::custom)?;
        load(file, table).map_err(D::Error::custom)
    }
}

fn parse(text: &str) -> Result<GraphFile> {
    serde_json::from_str(text).map_err(|e| invalid(e.to_string()))
}

/// Checks `file` and builds its graph on `table` (see [`Graph::from_json_on`]).
fn load(file: GraphFile, table: &'static FunctionTable) -> Result<Graph> {
    if file.format != FORMAT {
        return Err(invalid(format!(
            "`format` is `{}`, expected `{FORMAT}`",
            file.format
        )));
    }
    if file.version != VERSION {
        return Err(invalid(format!(
            "version {} is not supported; this tensorswitch reads version {VERSION}",
            file.version
        )));
    }
    let n = file.values.len();
    for (i, v) in file.values.iter().enumerate() {
        let bytes = v
            .shape
            .iter()
            .try_fold(v.dtype.size_in_bytes(), |a, &d| a.checked_mul(d))
            .filter(|&b| b <= isize::MAX as usize);
        if bytes.is_none() {
            return Err(invalid(format!(
                "value %{i} ({v}) has more elements than memory can hold"
            )));
        }
    }
    let defined = &mut vec![false; n];
    let mut inputs = Vec::with_capacity(file.inputs.len());
    for (i, &v) in file.inputs.iter().enumerate() {
        inputs.push(define(defined, v, &|| format!("input {i}"))?);
    }
    let mut constants = Vec::with_capacity(file.constants.len());
    let mut names = HashSet::new();
    for c in file.constants {
        let value = define(defined, c.value, &|| format!("constant `{}`", c.name))?;
        if c.name.is_empty() || !names.insert(c.name.clone()) {
            return Err(invalid(format!(
                "constant name `{}` is empty or used twice; each constant needs its own name",
                c.name
            )));
        }
        let info = &file.values[value.0];
        let tensor = constant_tensor(table, &c.name, c.data, info)?;
        constants.push(Constant {
            name: c.name,
            value,
            tensor,
            rebindable: c.rebindable,
        });
    }
    let mut nodes = Vec::with_capacity(file.nodes.len());
    for (i, node) in file.nodes.into_iter().enumerate() {
        if node.custom {
            nodes.push(custom_node(i, node, defined)?);
            continue;
        }
        let Some(&op) = Op::ALL.iter().find(|o| o.name() == node.op) else {
            return Err(invalid(format!(
                "node {i}: unknown op `{}`; ops are named as in the catalogue (`add`, \
                 `linalg.qr`, …)",
                node.op
            )));
        };
        if op == Op::to_host {
            return Err(invalid(format!(
                "node {i}: `to_host` reads values to the host and is never a node"
            )));
        }
        let want = result_count(op);
        if node.outputs.len() != want {
            return Err(invalid(format!(
                "node {i} (`{op}`) has {} output(s); `{op}` gives {want}",
                node.outputs.len()
            )));
        }
        let mut ins = Vec::with_capacity(node.inputs.len());
        for &v in &node.inputs {
            if v >= n || !defined[v] {
                return Err(invalid(format!(
                    "node {i} (`{op}`) reads value %{v}, which no input, constant or earlier \
                     node defines"
                )));
            }
            ins.push(ValueId(v));
        }
        let mut outs = Vec::with_capacity(want);
        for &v in &node.outputs {
            outs.push(define(defined, v, &|| {
                format!("an output of node {i} (`{op}`)")
            })?);
        }
        nodes.push(Node {
            op: op.into(),
            args: node.args,
            inputs: ins,
            output: outs[0],
            more_outputs: outs[1..].to_vec(),
        });
    }
    if let Some(v) = defined.iter().position(|d| !d) {
        return Err(invalid(format!(
            "value %{v} is declared but no input, constant or node defines it"
        )));
    }
    let mut outputs = Vec::with_capacity(file.outputs.len());
    for (i, &v) in file.outputs.iter().enumerate() {
        if v >= n {
            return Err(invalid(format!(
                "output {i} is value %{v}, but the file declares {n} value(s)"
            )));
        }
        outputs.push(ValueId(v));
    }
    let graph = Graph {
        table,
        values: file.values,
        inputs,
        constants,
        nodes,
        outputs,
    };
    run_once(&graph)?;
    Ok(graph)
}

/// A node of a custom op, checked as a catalogue node is: the op linked into this program,
/// its inputs defined before, one output, as many inputs and attributes as it declares.
fn custom_node(i: usize, node: NodeFile, defined: &mut [bool]) -> Result<Node> {
    let name = node.op.as_str();
    let Some(op) = CUSTOM_OPS.iter().find(|o| o.name == name) else {
        return Err(invalid(format!(
            "node {i} calls the custom op `{name}`, which is not linked into this program; \
             link the crate that declares it (with `tensorswitch::custom_op!`) and refer to it \
             from the program (`use that_crate as _;`)"
        )));
    };
    let Args::Custom(attrs) = &node.args else {
        return Err(invalid(format!(
            "node {i} (custom op `{name}`) has arguments {:?}; a custom node's are `{{\"custom\": \
             [...]}}`, its attributes",
            node.args
        )));
    };
    if node.inputs.len() != op.inputs.len() || attrs.len() != op.attrs.len() {
        return Err(invalid(format!(
            "node {i} (custom op `{name}`) has {} input(s) and {} attribute(s); `{name}` takes \
             {} ({}) and {} ({})",
            node.inputs.len(),
            attrs.len(),
            op.inputs.len(),
            op.inputs.join(", "),
            op.attrs.len(),
            op.attrs.join(", ")
        )));
    }
    if node.outputs.len() != 1 {
        return Err(invalid(format!(
            "node {i} (custom op `{name}`) has {} output(s); a custom op gives 1",
            node.outputs.len()
        )));
    }
    let n = defined.len();
    let mut ins = Vec::with_capacity(node.inputs.len());
    for &v in &node.inputs {
        if v >= n || !defined[v] {
            return Err(invalid(format!(
                "node {i} (`{name}`) reads value %{v}, which no input, constant or earlier node \
                 defines"
            )));
        }
        ins.push(ValueId(v));
    }
    let output = define(defined, node.outputs[0], &|| {
        format!("the output of node {i} (`{name}`)")
    })?;
    Ok(Node {
        op: NodeOp::Custom(op),
        args: node.args,
        inputs: ins,
        output,
        more_outputs: Vec::new(),
    })
}

/// Marks value `id` defined by `what`: in range and not defined before.
fn define(defined: &mut [bool], id: usize, what: &dyn Fn() -> String) -> Result<ValueId> {
    let n = defined.len();
    if id >= n {
        return Err(invalid(format!(
            "{} is value %{id}, but the file declares {n} value(s)",
            what()
        )));
    }
    if std::mem::replace(&mut defined[id], true) {
        return Err(invalid(format!(
            "{} is value %{id}, which is already defined",
            what()
        )));
    }
    Ok(ValueId(id))
}

/// The tensor of a constant from its elements, checked against its declared type.
fn constant_tensor(
    table: &'static FunctionTable,
    name: &str,
    data: HostData,
    info: &ValueInfo,
) -> Result<Tensor> {
    let host = data.dtype();
    let fits = host == info.dtype
        || (host == DType::Float32 && matches!(info.dtype, DType::Float16 | DType::BFloat16));
    if !fits {
        return Err(invalid(format!(
            "constant `{name}` is declared {info} but its data is {host}"
        )));
    }
    let count: usize = info.shape.iter().product();
    if data.len() != count {
        return Err(invalid(format!(
            "constant `{name}` is declared {info} ({count} element(s)) but its data has {}",
            data.len()
        )));
    }
    table.check_dtype(Op::from_host, info.dtype)?;
    let t = dispatch::call(table, Op::from_host, table.slots.from_host, |f| {
        f(data, &info.shape, Device::Cpu)
    })?;
    if host == info.dtype {
        return Ok(t);
    }
    dispatch::call(table, Op::astype, table.slots.astype, |f| f(&t, info.dtype))
}

/// A stand-in of `info`'s type: ones on the diagonal of the last two dimensions (all ones
/// below two dimensions), so the linalg ops get invertible, positive-definite matrices.
fn stand_in(table: &'static FunctionTable, info: &ValueInfo) -> Result<Tensor> {
    let count: usize = info.shape.iter().product();
    let nd = info.shape.len();
    let one = |i: usize| {
        if nd < 2 {
            return true;
        }
        let (rows, cols) = (info.shape[nd - 2], info.shape[nd - 1]);
        let within = i % (rows * cols);
        within / cols == within % cols
    };
    let data = match info.dtype {
        DType::Bool => HostData::Bool((0..count).map(one).collect()),
        DType::Int8 => HostData::Int8((0..count).map(|i| one(i) as i8).collect()),
        DType::Int16 => HostData::Int16((0..count).map(|i| one(i) as i16).collect()),
        DType::Int32 => HostData::Int32((0..count).map(|i| one(i) as i32).collect()),
        DType::Int64 => HostData::Int64((0..count).map(|i| one(i) as i64).collect()),
        DType::UInt8 => HostData::UInt8((0..count).map(|i| one(i) as u8).collect()),
        DType::UInt16 => HostData::UInt16((0..count).map(|i| one(i) as u16).collect()),
        DType::UInt32 => HostData::UInt32((0..count).map(|i| one(i) as u32).collect()),
        DType::UInt64 => HostData::UInt64((0..count).map(|i| one(i) as u64).collect()),
        DType::Float64 => HostData::Float64((0..count).map(|i| one(i) as u8 as f64).collect()),
        DType::Float16 | DType::BFloat16 | DType::Float32 => {
            HostData::Float32((0..count).map(|i| one(i) as u8 as f32).collect())
        }
    };
    constant_tensor(table, "(stand-in)", data, info)
}

/// Whether `op` reads the values of its second input as indices into its first.
fn indexes(op: Op) -> bool {
    matches!(op, Op::take | Op::take_along_axis | Op::put | Op::put_add)
}

/// Runs every node once on stand-in inputs and checks each result against its declaration.
fn run_once(g: &Graph) -> Result<()> {
    let table = g.table;
    let _section = crate::tensor::live::enter();
    let mut values: Vec<Option<Tensor>> = vec![None; g.values.len()];
    // Computed from creation ops alone: the same on every run (as during a trace).
    let mut fixed = vec![false; g.values.len()];
    for v in &g.inputs {
        values[v.0] = Some(stand_in(table, &g.values[v.0])?);
    }
    for c in &g.constants {
        values[c.value.0] = Some(c.tensor.clone());
    }
    for (i, n) in g.nodes.iter().enumerate() {
        let what = || format!("node {i} (`{}`)", n.op);
        for v in n.inputs.iter().copied().chain(n.outputs()) {
            table.check_dtype_of(n.op.name(), g.values[v.0].dtype)?;
        }
        let ins: Vec<&Tensor> = n
            .inputs
            .iter()
            .map(|v| values[v.0].as_ref())
            .collect::<Option<_>>()
            .ok_or_else(|| invalid(format!("{} reads a value not computed yet", what())))?;
        let run = match (n.op, &n.args) {
            (NodeOp::Catalogue(op), _) => run_catalogue(table, n, op, &ins, &fixed, what)?,
            (NodeOp::Custom(op), Args::Custom(attrs)) => {
                let native = crate::custom::native_for(table, op)?.map(|(f, _)| f);
                crate::custom::run_node(table, op, native, &ins, attrs).map(|t| vec![t])
            }
            (NodeOp::Custom(op), _) => Err(crate::custom::__arity(op, n.inputs.len(), 0)),
        };
        let outs = match run {
            Ok(outs) => outs,
            // The arguments do not fit the op's slot, or its inputs are not as many.
            Err(Error::Trace { reason }) => {
                return Err(invalid(format!(
                    "{}: its arguments {:?} or its {} input(s) do not fit the op ({reason})",
                    what(),
                    n.args,
                    n.inputs.len()
                )))
            }
            // Failed on the stand-in values (a singular matrix): taken as declared. Every
            // other error (a backend's own, a panic caught by `dispatch::call`) is the file's.
            Err(Error::InvalidArgument { .. }) => n
                .outputs()
                .map(|v| stand_in(table, &g.values[v.0]))
                .collect::<Result<Vec<_>>>()?,
            Err(e) => {
                return Err(invalid(format!(
                    "{} fails on values of its declared input types: {e}",
                    what()
                )))
            }
        };
        let all_fixed = n.inputs.iter().all(|v| fixed[v.0]);
        for (v, t) in n.outputs().zip(outs) {
            let declared = &g.values[v.0];
            if t.dtype() != declared.dtype || t.shape() != declared.shape.as_slice() {
                return Err(invalid(format!(
                    "{} gives {}{:?} for {v}, the file declares {declared}",
                    what(),
                    t.dtype(),
                    t.shape()
                )));
            }
            fixed[v.0] = all_fixed;
            values[v.0] = Some(t);
        }
    }
    Ok(())
}

/// The checks of a catalogue node before it runs, then its run (an `Err` of the outer
/// `Result` is the file's; one of the inner is the call's, judged by the caller).
fn run_catalogue(
    table: &'static FunctionTable,
    n: &Node,
    op: Op,
    ins: &[&Tensor],
    fixed: &[bool],
    what: impl Fn() -> String + Copy,
) -> Result<Result<Vec<Tensor>>> {
    let f = table
        .slots
        .get(op)
        .ok_or_else(|| table.unsupported_error(op))?;
    if indexes(op) {
        check_indices(n, op, ins, fixed, what)?;
    }
    if op == Op::argwhere && !n.inputs.iter().all(|v| fixed[v.0]) {
        return Err(invalid(format!(
            "{}: its input depends on an input or a constant, so its row count (the \
             non-zero elements) is not known; as in a traced graph, `argwhere` needs a \
             tensor computed from creation ops alone",
            what()
        )));
    }
    check_axes(n, ins, what)?;
    if let Args::Window(win) = &n.args {
        let w = ins.get(1).map(|w| w.shape());
        let x = ins.first().map(|x| x.shape()).unwrap_or(&[]);
        crate::ops::check_window(op, win, x, w)
            .map_err(|e| invalid(format!("{}: its window does not fit: {e}", what())))?;
    }
    Ok(dispatch::call(table, op, Some(f), |f| {
        invoke_all(f, &n.args, ins)
    }))
}

/// The axes of reductions, sorts and norms: in range, and for lists sorted and unique (what
/// their slots assume; the call would fail less clearly).
fn check_axes(n: &Node, ins: &[&Tensor], what: impl Fn() -> String) -> Result<()> {
    let Some(x) = ins.first() else {
        return Ok(());
    };
    let nd = x.ndim();
    let (list, one): (&[usize], Option<usize>) = match &n.args {
        Args::Reduce { axes, .. } | Args::Stat { axes, .. } | Args::VectorNorm { axes, .. } => {
            (axes, None)
        }
        Args::ArgReduce { axis, .. } => (&[], *axis),
        Args::Sort { axis, .. } => (&[], Some(*axis)),
        _ => return Ok(()),
    };
    let sorted = list.windows(2).all(|w| w[0] < w[1]);
    if !sorted || list.iter().chain(one.as_ref()).any(|&a| a >= nd) {
        return Err(invalid(format!(
            "{}: axes {:?} must be sorted, unique and below the input's {nd} dimension(s)",
            what(),
            list.iter().chain(one.as_ref()).collect::<Vec<_>>()
        )));
    }
    Ok(())
}

/// The index operand of `take`, `take_along_axis`, `put` and `put_add`: int64, made inside
/// the graph from creation ops alone (the tracer refuses any other, since checking it reads
/// its values) and within the indexed axis.
fn check_indices(
    n: &Node,
    op: Op,
    ins: &[&Tensor],
    fixed: &[bool],
    what: impl Fn() -> String,
) -> Result<()> {
    let (Some(x), Some(idx), Some(v)) = (ins.first(), ins.get(1), n.inputs.get(1)) else {
        return Ok(()); // the wrong arity is reported by the call
    };
    if !fixed[v.0] {
        return Err(invalid(format!(
            "{}: its indices {v} depend on an input or a constant; indices must be computed \
             from creation ops alone, as in a traced graph",
            what()
        )));
    }
    if idx.dtype() != DType::Int64 {
        return Err(invalid(format!(
            "{}: its indices are {}, expected int64",
            what(),
            idx.dtype()
        )));
    }
    let size = match (&n.args, op) {
        (Args::Axis(axis), Op::take | Op::take_along_axis) => {
            x.shape().get(*axis).copied().ok_or_else(|| {
                invalid(format!(
                    "{}: axis {axis} is out of range for {} dimension(s)",
                    what(),
                    x.ndim()
                ))
            })?
        }
        _ => x.shape().iter().product(),
    };
    let HostData::Int64(idx) = idx.to_host()? else {
        return Err(invalid(format!("{}: its indices are not int64", what())));
    };
    if let Some(bad) = idx.iter().find(|&&i| i < 0 || i as u64 >= size as u64) {
        return Err(invalid(format!(
            "{}: index {bad} is out of range for a dimension of size {size}",
            what()
        )));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// the element types of the file

/// A float that JSON numbers cannot hold is a string: `"inf"`, `"-inf"`, `"nan"`, `"-nan"`
/// (the default quiet NaN with its sign), or `"nan:0x…"` with the exact bits of any other NaN.
pub(crate) mod float {
    use serde::{de, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
        if x.is_finite() {
            s.serialize_f64(*x)
        } else {
            s.serialize_str(&non_finite(*x, f64::NAN.to_bits(), x.to_bits()))
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        d.deserialize_any(F64Visitor)
    }

    /// The string of a non-finite float whose bits are `bits` (`nan` those of the default NaN).
    pub(super) fn non_finite<T: Into<f64> + Copy>(x: T, nan: u64, bits: u64) -> String {
        let x: f64 = x.into();
        if x == f64::INFINITY {
            "inf".into()
        } else if x == f64::NEG_INFINITY {
            "-inf".into()
        } else if bits == nan {
            "nan".into()
        } else if bits == nan | sign_bit(nan) {
            "-nan".into()
        } else {
            format!("nan:0x{bits:x}")
        }
    }

    fn sign_bit(nan: u64) -> u64 {
        if nan == f64::NAN.to_bits() {
            1 << 63
        } else {
            1 << 31
        }
    }

    /// Parses a string written by [`non_finite`] into the bits of a float of `nan`'s width.
    pub(super) fn parse_non_finite(s: &str, nan: u64, inf: u64) -> Option<u64> {
        let sign = sign_bit(nan);
        match s {
            "inf" => Some(inf),
            "-inf" => Some(inf | sign),
            "nan" => Some(nan),
            "-nan" => Some(nan | sign),
            _ => {
                let bits = u64::from_str_radix(s.strip_prefix("nan:0x")?, 16).ok()?;
                // Only NaNs are written this way: every exponent bit set, a non-zero mantissa.
                let mantissa = (inf & inf.wrapping_neg()) - 1;
                let fits = bits & !(sign | inf | mantissa) == 0;
                (fits && bits & inf == inf && bits & mantissa != 0).then_some(bits)
            }
        }
    }

    struct F64Visitor;

    impl de::Visitor<'_> for F64Visitor {
        type Value = f64;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a number, or \"inf\", \"-inf\", \"nan\", \"-nan\", \"nan:0x<bits>\"")
        }
        fn visit_f64<E: de::Error>(self, x: f64) -> Result<f64, E> {
            Ok(x)
        }
        fn visit_i64<E: de::Error>(self, x: i64) -> Result<f64, E> {
            Ok(x as f64)
        }
        fn visit_u64<E: de::Error>(self, x: u64) -> Result<f64, E> {
            Ok(x as f64)
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<f64, E> {
            parse_non_finite(s, f64::NAN.to_bits(), f64::INFINITY.to_bits())
                .map(f64::from_bits)
                .ok_or_else(|| E::invalid_value(de::Unexpected::Str(s), &self))
        }
    }

    /// A float32 element: written as the shortest decimal that reads back to the same value.
    #[derive(Clone, Copy)]
    pub(super) struct F32(pub(super) f32);

    impl serde::Serialize for F32 {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let x = self.0;
            if x.is_finite() {
                s.serialize_f32(x)
            } else {
                let nan = f32::NAN.to_bits() as u64;
                s.serialize_str(&non_finite(x, nan, x.to_bits() as u64))
            }
        }
    }

    impl<'de> serde::Deserialize<'de> for F32 {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<F32, D::Error> {
            struct V;
            impl de::Visitor<'_> for V {
                type Value = F32;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str(
                        "a float32, or \"inf\", \"-inf\", \"nan\", \"-nan\", \"nan:0x<bits>\"",
                    )
                }
                fn visit_f64<E: de::Error>(self, x: f64) -> Result<F32, E> {
                    let y = x as f32;
                    if y.is_finite() {
                        Ok(F32(y))
                    } else {
                        Err(E::custom(format!("{x} is out of float32's range")))
                    }
                }
                fn visit_i64<E: de::Error>(self, x: i64) -> Result<F32, E> {
                    self.visit_f64(x as f64)
                }
                fn visit_u64<E: de::Error>(self, x: u64) -> Result<F32, E> {
                    self.visit_f64(x as f64)
                }
                fn visit_str<E: de::Error>(self, s: &str) -> Result<F32, E> {
                    let nan = f32::NAN.to_bits() as u64;
                    parse_non_finite(s, nan, f32::INFINITY.to_bits() as u64)
                        .map(|b| F32(f32::from_bits(b as u32)))
                        .ok_or_else(|| E::invalid_value(de::Unexpected::Str(s), &self))
                }
            }
            d.deserialize_any(V)
        }
    }

    /// A float64 element.
    #[derive(Clone, Copy)]
    pub(super) struct F64(pub(super) f64);

    impl serde::Serialize for F64 {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            serialize(&self.0, s)
        }
    }

    impl<'de> serde::Deserialize<'de> for F64 {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<F64, D::Error> {
            deserialize(d).map(F64)
        }
    }
}

use float::{F32, F64};

impl Serialize for DType {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for DType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<DType, D::Error> {
        let name = String::deserialize(d)?;
        DType::from_name(&name).ok_or_else(|| {
            let names: Vec<&str> = DType::ALL.iter().map(|d| d.name()).collect();
            D::Error::custom(format!(
                "unknown dtype `{name}`; dtypes are {}",
                names.join(", ")
            ))
        })
    }
}

impl Serialize for Device {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Device {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Device, D::Error> {
        let text = String::deserialize(d)?;
        Device::parse(&text).map_err(D::Error::custom)
    }
}

/// [`Scalar`] as written: `{"float": 0.5}`, `{"int": -3}`, `{"uint": 3}`, `{"bool": true}`.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum ScalarFile {
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(F64),
}

impl Serialize for Scalar {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match *self {
            Scalar::Bool(b) => ScalarFile::Bool(b),
            Scalar::Int(i) => ScalarFile::Int(i),
            Scalar::UInt(u) => ScalarFile::Uint(u),
            Scalar::Float(x) => ScalarFile::Float(F64(x)),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Scalar, D::Error> {
        Ok(match ScalarFile::deserialize(d)? {
            ScalarFile::Bool(b) => Scalar::Bool(b),
            ScalarFile::Int(i) => Scalar::Int(i),
            ScalarFile::Uint(u) => Scalar::UInt(u),
            ScalarFile::Float(x) => Scalar::Float(x.0),
        })
    }
}

/// [`HostData`] as written: `{"float32": [1.5, "nan"]}`, `{"int64": [1, 2]}`, ….
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
enum HostDataFile {
    Bool(Vec<bool>),
    Int8(Vec<i8>),
    Int16(Vec<i16>),
    Int32(Vec<i32>),
    Int64(Vec<i64>),
    UInt8(Vec<u8>),
    UInt16(Vec<u16>),
    UInt32(Vec<u32>),
    UInt64(Vec<u64>),
    Float32(Vec<F32>),
    Float64(Vec<F64>),
}

impl Serialize for HostData {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            HostData::Bool(v) => HostDataFile::Bool(v.clone()),
            HostData::Int8(v) => HostDataFile::Int8(v.clone()),
            HostData::Int16(v) => HostDataFile::Int16(v.clone()),
            HostData::Int32(v) => HostDataFile::Int32(v.clone()),
            HostData::Int64(v) => HostDataFile::Int64(v.clone()),
            HostData::UInt8(v) => HostDataFile::UInt8(v.clone()),
            HostData::UInt16(v) => HostDataFile::UInt16(v.clone()),
            HostData::UInt32(v) => HostDataFile::UInt32(v.clone()),
            HostData::UInt64(v) => HostDataFile::UInt64(v.clone()),
            HostData::Float32(v) => HostDataFile::Float32(v.iter().map(|&x| F32(x)).collect()),
            HostData::Float64(v) => HostDataFile::Float64(v.iter().map(|&x| F64(x)).collect()),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for HostData {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<HostData, D::Error> {
        Ok(match HostDataFile::deserialize(d)? {
            HostDataFile::Bool(v) => HostData::Bool(v),
            HostDataFile::Int8(v) => HostData::Int8(v),
            HostDataFile::Int16(v) => HostData::Int16(v),
            HostDataFile::Int32(v) => HostData::Int32(v),
            HostDataFile::Int64(v) => HostData::Int64(v),
            HostDataFile::UInt8(v) => HostData::UInt8(v),
            HostDataFile::UInt16(v) => HostData::UInt16(v),
            HostDataFile::UInt32(v) => HostData::UInt32(v),
            HostDataFile::UInt64(v) => HostData::UInt64(v),
            HostDataFile::Float32(v) => HostData::Float32(v.into_iter().map(|x| x.0).collect()),
            HostDataFile::Float64(v) => HostData::Float64(v.into_iter().map(|x| x.0).collect()),
        })
    }
}

/// [`AxisSlice`] as written: `{"start": 0, "len": 3, "step": 1}`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AxisSliceFile {
    start: usize,
    len: usize,
    step: isize,
}

impl Serialize for AxisSlice {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        AxisSliceFile {
            start: self.start,
            len: self.len,
            step: self.step,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for AxisSlice {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<AxisSlice, D::Error> {
        let f = AxisSliceFile::deserialize(d)?;
        Ok(AxisSlice {
            start: f.start,
            len: f.len,
            step: f.step,
        })
    }
}

/// [`Window2d`] as written: `{"kernel": [3, 3], "stride": [1, 1], "padding": [0, 0],
/// "dilation": [1, 1], "groups": 1}`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowFile {
    kernel: [usize; 2],
    stride: [usize; 2],
    padding: [usize; 2],
    dilation: [usize; 2],
    groups: usize,
}

impl Serialize for Window2d {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        WindowFile {
            kernel: self.kernel,
            stride: self.stride,
            padding: self.padding,
            dilation: self.dilation,
            groups: self.groups,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Window2d {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Window2d, D::Error> {
        let f = WindowFile::deserialize(d)?;
        Ok(Window2d {
            kernel: f.kernel,
            stride: f.stride,
            padding: f.padding,
            dilation: f.dilation,
            groups: f.groups,
        })
    }
}

const MATRIX_ORDS: [(MatrixOrd, &str); 8] = [
    (MatrixOrd::Fro, "fro"),
    (MatrixOrd::Nuc, "nuc"),
    (MatrixOrd::One, "1"),
    (MatrixOrd::NegOne, "-1"),
    (MatrixOrd::Two, "2"),
    (MatrixOrd::NegTwo, "-2"),
    (MatrixOrd::Inf, "inf"),
    (MatrixOrd::NegInf, "-inf"),
];

impl Serialize for MatrixOrd {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let name = MATRIX_ORDS
            .iter()
            .find(|(o, _)| o == self)
            .map(|(_, n)| *n)
            .unwrap_or("fro");
        s.serialize_str(name)
    }
}

impl<'de> Deserialize<'de> for MatrixOrd {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<MatrixOrd, D::Error> {
        let name = String::deserialize(d)?;
        MATRIX_ORDS
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(o, _)| *o)
            .ok_or_else(|| {
                D::Error::custom(format!(
                    "unknown matrix norm order `{name}`; orders are fro, nuc, 1, -1, 2, -2, inf, \
                     -inf"
                ))
            })
    }
}

/// A custom op's [`Attr`] as written: `{"float": 1e-6}`, `{"int": -3}`, `{"uint": 3}`,
/// `{"bool": true}`, `{"dtype": "float32"}`, `{"str": "…"}`, `"none"`, `{"list": […]}`.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum AttrFile {
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(F64),
    Dtype(DType),
    Str(String),
    None,
    List(Vec<AttrFile>),
}

impl AttrFile {
    fn of(a: &Attr) -> AttrFile {
        match a {
            Attr::Bool(b) => AttrFile::Bool(*b),
            Attr::Int(i) => AttrFile::Int(*i),
            Attr::UInt(u) => AttrFile::Uint(*u),
            Attr::Float(x) => AttrFile::Float(F64(*x)),
            Attr::DType(d) => AttrFile::Dtype(*d),
            Attr::Str(s) => AttrFile::Str(s.clone()),
            Attr::None => AttrFile::None,
            Attr::List(v) => AttrFile::List(v.iter().map(AttrFile::of).collect()),
        }
    }

    fn into_attr(self) -> Attr {
        match self {
            AttrFile::Bool(b) => Attr::Bool(b),
            AttrFile::Int(i) => Attr::Int(i),
            AttrFile::Uint(u) => Attr::UInt(u),
            AttrFile::Float(x) => Attr::Float(x.0),
            AttrFile::Dtype(d) => Attr::DType(d),
            AttrFile::Str(s) => Attr::Str(s),
            AttrFile::None => Attr::None,
            AttrFile::List(v) => Attr::List(v.into_iter().map(AttrFile::into_attr).collect()),
        }
    }
}

impl Serialize for Attr {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        AttrFile::of(self).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Attr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Attr, D::Error> {
        Ok(AttrFile::deserialize(d)?.into_attr())
    }
}
