//! The graph a trace records: values (inputs, named constants, node results) and nodes, one
//! per backend slot call, in the order they ran.

use crate::catalogue::{AxisSlice, MatrixOrd, Op};
use crate::custom::{Attr, CustomOp};
use crate::dtype::{DType, HostData, Scalar};
use crate::table::FunctionTable;
use crate::tensor::{Device, Tensor};
use std::fmt;

/// A value of a graph: printed `%n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ValueId(pub usize);

impl fmt::Display for ValueId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "%{}", self.0)
    }
}

/// The dtype and shape of a value, as traced.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct ValueInfo {
    /// The dtype.
    pub dtype: DType,
    /// The shape.
    pub shape: Vec<usize>,
}

impl fmt::Display for ValueInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.dtype, Dims(&self.shape))
    }
}

struct Dims<'a>(&'a [usize]);

impl fmt::Display for Dims<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{d}")?;
        }
        f.write_str("]")
    }
}

/// The non-tensor arguments of a slot call, as data: one variant per shape of slot signature
/// (see `src/catalogue.rs`). Axes are those the backend received: non-negative, sorted.
#[derive(Clone, Debug, PartialEq)]
#[allow(missing_docs)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case", deny_unknown_fields)
)]
pub enum Args {
    /// Tensors only (`UnaryFn`, `BinaryFn`, `WhereFn`, `PutFn`).
    None,
    /// `clip`: whether the lower and upper bounds are present (they follow `x` in the inputs).
    Clip { min: bool, max: bool },
    /// A reduction (`ReduceFn`).
    Reduce { axes: Vec<usize>, keepdims: bool },
    /// `var`/`std`.
    Stat {
        axes: Vec<usize>,
        #[cfg_attr(feature = "serde", serde(with = "super::json::float"))]
        correction: f64,
        keepdims: bool,
    },
    /// `argmax`/`argmin`.
    ArgReduce { axis: Option<usize>, keepdims: bool },
    /// One axis (`AxisFn`, `JoinFn`, `VecdotFn`, `TakeFn`).
    Axis(usize),
    /// `sort`/`argsort`.
    Sort { axis: usize, descending: bool },
    /// Sizes or axes (`ShapeFn`).
    Sizes(Vec<usize>),
    /// An integer (`DiagFn`, `MatrixIntFn`).
    Int(i64),
    /// `astype`.
    Cast(DType),
    /// `tensordot`.
    Tensordot {
        axes_a: Vec<usize>,
        axes_b: Vec<usize>,
    },
    /// `from_host`: the data is part of the graph.
    FromHost {
        data: HostData,
        shape: Vec<usize>,
        device: Device,
    },
    /// `full`/`full_like`.
    Full {
        shape: Vec<usize>,
        value: Scalar,
        dtype: DType,
        device: Device,
    },
    /// `zeros`, `ones`, `empty` and their `_like` forms.
    Fill {
        shape: Vec<usize>,
        dtype: DType,
        device: Device,
    },
    /// `arange`.
    Arange {
        #[cfg_attr(feature = "serde", serde(with = "super::json::float"))]
        start: f64,
        #[cfg_attr(feature = "serde", serde(with = "super::json::float"))]
        step: f64,
        n: usize,
        dtype: DType,
        device: Device,
    },
    /// `linspace`.
    Linspace {
        #[cfg_attr(feature = "serde", serde(with = "super::json::float"))]
        start: f64,
        #[cfg_attr(feature = "serde", serde(with = "super::json::float"))]
        stop: f64,
        num: usize,
        endpoint: bool,
        dtype: DType,
        device: Device,
    },
    /// `eye`.
    Eye {
        rows: usize,
        cols: usize,
        k: i64,
        dtype: DType,
        device: Device,
    },
    /// `roll`.
    Roll {
        shifts: Vec<usize>,
        axes: Vec<usize>,
    },
    /// `repeat`.
    Repeat { counts: Vec<usize>, axis: usize },
    /// `to_device`.
    Device(Device),
    /// `strided_slice`.
    Slices(Vec<AxisSlice>),
    /// A flag (`SearchFn`'s `right`, `FlagFn`).
    Flag(bool),
    /// A float (`RtolFn`).
    Float(#[cfg_attr(feature = "serde", serde(with = "super::json::float"))] f64),
    /// `linalg.matrix_norm`.
    MatrixNorm { ord: MatrixOrd, keepdims: bool },
    /// `conv2d` and the 2-D pools: the window.
    Window(crate::catalogue::Window2d),
    /// `linalg.vector_norm`.
    VectorNorm {
        axes: Vec<usize>,
        #[cfg_attr(feature = "serde", serde(with = "super::json::float"))]
        ord: f64,
        keepdims: bool,
    },
    /// A custom op's plain attributes, in its declaration's order ([`NodeOp::Custom`]).
    Custom(Vec<Attr>),
}

impl fmt::Display for Args {
    /// `, name=value` for each argument (nothing for [`Args::None`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Args::None => Ok(()),
            Args::Clip { min, max } => write!(f, ", min={min}, max={max}"),
            Args::Reduce { axes, keepdims } => {
                write!(f, ", axes={}, keepdims={keepdims}", Dims(axes))
            }
            Args::Stat {
                axes,
                correction,
                keepdims,
            } => write!(
                f,
                ", axes={}, correction={correction}, keepdims={keepdims}",
                Dims(axes)
            ),
            Args::ArgReduce { axis, keepdims } => match axis {
                Some(a) => write!(f, ", axis={a}, keepdims={keepdims}"),
                None => write!(f, ", axis=None, keepdims={keepdims}"),
            },
            Args::Axis(a) => write!(f, ", axis={a}"),
            Args::Sort { axis, descending } => {
                write!(f, ", axis={axis}, descending={descending}")
            }
            Args::Sizes(s) => write!(f, ", {}", Dims(s)),
            Args::Int(k) => write!(f, ", {k}"),
            Args::Cast(d) => write!(f, ", dtype={d}"),
            Args::Tensordot { axes_a, axes_b } => {
                write!(f, ", axes=({}, {})", Dims(axes_a), Dims(axes_b))
            }
            Args::FromHost {
                data,
                shape,
                device,
            } => {
                if data.len() <= 8 {
                    let values = crate::match_host_data!(data, v => format!("{v:?}"));
                    write!(f, "data={values}")?;
                } else {
                    write!(f, "data=<{} {} values>", data.len(), data.dtype())?;
                }
                write!(f, ", shape={}, device={device}", Dims(shape))
            }
            Args::Full {
                shape,
                value,
                dtype,
                device,
            } => write!(
                f,
                "shape={}, value={value:?}, dtype={dtype}, device={device}",
                Dims(shape)
            ),
            Args::Fill {
                shape,
                dtype,
                device,
            } => write!(f, "shape={}, dtype={dtype}, device={device}", Dims(shape)),
            Args::Arange {
                start,
                step,
                n,
                dtype,
                device,
            } => write!(
                f,
                "start={start}, step={step}, n={n}, dtype={dtype}, device={device}"
            ),
            Args::Linspace {
                start,
                stop,
                num,
                endpoint,
                dtype,
                device,
            } => write!(
                f,
                "start={start}, stop={stop}, num={num}, endpoint={endpoint}, dtype={dtype}, device={device}"
            ),
            Args::Eye {
                rows,
                cols,
                k,
                dtype,
                device,
            } => write!(
                f,
                "rows={rows}, cols={cols}, k={k}, dtype={dtype}, device={device}"
            ),
            Args::Roll { shifts, axes } => {
                write!(f, ", shifts={}, axes={}", Dims(shifts), Dims(axes))
            }
            Args::Repeat { counts, axis } => write!(f, ", counts={}, axis={axis}", Dims(counts)),
            Args::Device(d) => write!(f, ", device={d}"),
            Args::Slices(s) => {
                f.write_str(", [")?;
                for (i, a) in s.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}:{}:{}", a.start, a.len, a.step)?;
                }
                f.write_str("]")
            }
            Args::Flag(b) => write!(f, ", {b}"),
            Args::Float(x) => write!(f, ", {x}"),
            Args::MatrixNorm { ord, keepdims } => {
                write!(f, ", ord={ord:?}, keepdims={keepdims}")
            }
            Args::VectorNorm {
                axes,
                ord,
                keepdims,
            } => write!(f, ", axes={}, ord={ord}, keepdims={keepdims}", Dims(axes)),
            Args::Custom(attrs) => {
                for a in attrs {
                    write!(f, ", {a}")?;
                }
                Ok(())
            }
            Args::Window(w) => write!(
                f,
                ", kernel={:?}, stride={:?}, padding={:?}, dilation={:?}, groups={}",
                w.kernel, w.stride, w.padding, w.dilation, w.groups
            ),
        }
    }
}

/// What a node calls: a catalogue op's slot, or a custom op ([`crate::custom_op!`]) as one
/// node. A catalogue node holds its [`Op`] inline (no allocation); a custom node refers to
/// the op's declaration, its attributes are the node's [`Args::Custom`].
#[derive(Clone, Copy)]
pub enum NodeOp {
    /// A catalogue op.
    Catalogue(Op),
    /// A custom op, by its declaration (identified by its name: a program has one declaration
    /// per name, or calls of that name fail).
    Custom(&'static CustomOp),
}

impl NodeOp {
    /// The op's name: the catalogue's spelling (`linalg.qr`), or the custom op's name.
    pub fn name(&self) -> &'static str {
        match self {
            NodeOp::Catalogue(op) => op.name(),
            NodeOp::Custom(op) => op.name,
        }
    }

    /// The catalogue op, for a catalogue node.
    pub fn catalogue(&self) -> Option<Op> {
        match self {
            NodeOp::Catalogue(op) => Some(*op),
            NodeOp::Custom(_) => None,
        }
    }

    /// The custom op's declaration, for a custom node.
    pub fn custom(&self) -> Option<&'static CustomOp> {
        match self {
            NodeOp::Catalogue(_) => None,
            NodeOp::Custom(op) => Some(op),
        }
    }
}

impl From<Op> for NodeOp {
    fn from(op: Op) -> NodeOp {
        NodeOp::Catalogue(op)
    }
}

impl PartialEq for NodeOp {
    fn eq(&self, other: &NodeOp) -> bool {
        match (self, other) {
            (NodeOp::Catalogue(a), NodeOp::Catalogue(b)) => a == b,
            (NodeOp::Custom(a), NodeOp::Custom(b)) => a.name == b.name,
            _ => false,
        }
    }
}

impl Eq for NodeOp {}

impl PartialEq<Op> for NodeOp {
    fn eq(&self, other: &Op) -> bool {
        *self == NodeOp::Catalogue(*other)
    }
}

impl fmt::Debug for NodeOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeOp::Catalogue(op) => write!(f, "{op:?}"),
            NodeOp::Custom(op) => write!(f, "Custom({:?})", op.name),
        }
    }
}

impl fmt::Display for NodeOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One slot call: `output = op(inputs, args)`, or `(output, more_outputs…) = op(inputs, args)`
/// for the ops whose slot returns several tensors (`linalg.qr`, `linalg.svd`, `linalg.eigh`,
/// `linalg.slogdet`); or one call of a custom op.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The catalogue op whose slot was called, or the custom op called.
    pub op: NodeOp,
    /// Its non-tensor arguments.
    pub args: Args,
    /// Its tensor inputs, in the slot's order.
    pub inputs: Vec<ValueId>,
    /// The value it produces (the first one, for an op with several results).
    pub output: ValueId,
    /// The values after the first, for an op with several results, in the slot's order
    /// (`[r]` for `qr`'s `[q, r]`); empty for every other op.
    pub more_outputs: Vec<ValueId>,
}

impl Node {
    /// Every value the node produces, in the slot's order.
    pub fn outputs(&self) -> impl Iterator<Item = ValueId> + '_ {
        std::iter::once(self.output).chain(self.more_outputs.iter().copied())
    }
}

/// A tensor the traced function used without deriving it from the inputs (a weight): part of
/// the graph under a name, and replaceable when the graph runs.
#[derive(Clone, Debug)]
pub struct Constant {
    /// Its name: the one given to [`crate::trace_with_constants`], else `c0`, `c1`, … in the
    /// order of first use.
    pub name: String,
    /// Its value in the graph.
    pub value: ValueId,
    /// The tensor, of the traced backend.
    pub tensor: Tensor,
    /// Whether [`crate::Compiled::run_with`] may replace it: true for the tensors the traced
    /// function captured, false for the values [`Graph::fold_constants`] computed (the trace
    /// may have read them, so other values could make the graph wrong).
    pub rebindable: bool,
}

/// A traced function: inputs, constants, nodes in the order they ran, outputs. Made by
/// [`crate::trace()`]; printed one line per node (`%3 = add(%1, %2) : float32[2,3]`), drawn with
/// [`Graph::to_dot`], optimised by its passes and run with [`Graph::compile`].
#[derive(Clone)]
pub struct Graph {
    pub(crate) table: &'static FunctionTable,
    pub(crate) values: Vec<ValueInfo>,
    pub(crate) inputs: Vec<ValueId>,
    pub(crate) constants: Vec<Constant>,
    pub(crate) nodes: Vec<Node>,
    pub(crate) outputs: Vec<ValueId>,
}

impl Graph {
    /// The backend the graph was traced on.
    pub fn backend(&self) -> &'static str {
        self.table.backend_name()
    }

    /// The nodes, in the order they run.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The inputs, in the order `run` takes them.
    pub fn inputs(&self) -> &[ValueId] {
        &self.inputs
    }

    /// The constants.
    pub fn constants(&self) -> &[Constant] {
        &self.constants
    }

    /// The outputs, in the order the traced function returned them.
    pub fn outputs(&self) -> &[ValueId] {
        &self.outputs
    }

    /// The dtype and shape of a value (`None` for a value not in the graph).
    pub fn info(&self, v: ValueId) -> Option<&ValueInfo> {
        self.values.get(v.0)
    }

    /// The graph in Graphviz's dot language: inputs and constants as boxes, nodes as ellipses
    /// labelled with the op and its result's type, edges along the data.
    pub fn to_dot(&self) -> String {
        let mut s = String::from("digraph tensorswitch {\n  rankdir=TB;\n");
        // A value made by a node with several results is drawn as that node, its edges
        // labelled with the result's position.
        let mut made_by: std::collections::HashMap<ValueId, (ValueId, usize)> =
            std::collections::HashMap::new();
        for n in self.nodes.iter().filter(|n| !n.more_outputs.is_empty()) {
            for (k, v) in n.outputs().enumerate() {
                made_by.insert(v, (n.output, k));
            }
        }
        let edge = |from: ValueId, to: &str| match made_by.get(&from) {
            Some((node, k)) => format!("  v{} -> {to} [label=\"{k}\"];\n", node.0),
            None => format!("  v{} -> {to};\n", from.0),
        };
        let info = |v: ValueId| {
            self.values
                .get(v.0)
                .map(|i| i.to_string())
                .unwrap_or_default()
        };
        for (i, v) in self.inputs.iter().enumerate() {
            s += &format!(
                "  v{} [shape=box, label=\"input {i}\\n{}\"];\n",
                v.0,
                info(*v)
            );
        }
        for c in &self.constants {
            s += &format!(
                "  v{} [shape=box, style=dashed, label=\"{}\\n{}\"];\n",
                c.value.0,
                c.name,
                info(c.value)
            );
        }
        for n in &self.nodes {
            let names: Vec<String> = n.outputs().map(|v| v.to_string()).collect();
            let types: Vec<String> = n.outputs().map(info).collect();
            s += &format!(
                "  v{} [label=\"{} {}\\n{}\"];\n",
                n.output.0,
                names.join(", "),
                n.op.name(),
                types.join(", ")
            );
            for i in &n.inputs {
                s += &edge(*i, &format!("v{}", n.output.0));
            }
        }
        for (i, v) in self.outputs.iter().enumerate() {
            s += &format!("  out{i} [shape=plaintext, label=\"output {i}\"];\n");
            s += &edge(*v, &format!("out{i}"));
        }
        s + "}\n"
    }
}

impl fmt::Display for Graph {
    /// ```text
    /// graph(%0: float32[2,3], %1: float32[3]) on ndarray 0.16.1
    ///   const %2 = w : float32[3]
    ///   %3 = add(%0, %2) : float32[2,3]
    ///   %4 = sum(%3, axes=[1], keepdims=false) : float32[2]
    ///   return (%4)
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let info = |v: ValueId| {
            self.values
                .get(v.0)
                .map(|i| i.to_string())
                .unwrap_or_default()
        };
        f.write_str("graph(")?;
        for (i, v) in self.inputs.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{v}: {}", info(*v))?;
        }
        writeln!(
            f,
            ") on {} {}",
            self.table.backend_name(),
            self.table.version()
        )?;
        for c in &self.constants {
            writeln!(f, "  const {} = {} : {}", c.value, c.name, info(c.value))?;
        }
        for n in &self.nodes {
            if n.more_outputs.is_empty() {
                write!(f, "  {} = {}(", n.output, n.op.name())?;
            } else {
                let names: Vec<String> = n.outputs().map(|v| v.to_string()).collect();
                write!(f, "  ({}) = {}(", names.join(", "), n.op.name())?;
            }
            for (i, v) in n.inputs.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{v}")?;
            }
            if n.more_outputs.is_empty() {
                writeln!(f, "{}) : {}", n.args, info(n.output))?;
            } else {
                let types: Vec<String> = n.outputs().map(info).collect();
                writeln!(f, "{}) : ({})", n.args, types.join(", "))?;
            }
        }
        f.write_str("  return (")?;
        for (i, v) in self.outputs.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{v}")?;
        }
        f.write_str(")")
    }
}

impl fmt::Debug for Graph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
