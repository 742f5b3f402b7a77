//! The fusion pass of compiling: groups of elementwise nodes that the target backend can run
//! as one [`FusedProgram`].

use super::graph::{Args, Graph};
use crate::catalogue::Op;
use crate::fused::{FuseHook, FusedInstr, FusedProgram};
use crate::table::{FunctionTable, Source};

/// What compiling runs, in order: single nodes, and groups of nodes fused into one program.
pub(super) enum Planned {
    /// Node `i` of the graph, called through its slot.
    Node(usize),
    /// A program and the graph values it reads (its inputs, in order) and writes (its
    /// outputs, in order); `nodes` are the graph nodes it replaces, in order.
    Fused {
        program: FusedProgram,
        reads: Vec<usize>,
        writes: Vec<usize>,
        nodes: Vec<usize>,
    },
}

/// Plans the graph's run on `table`: with no fuse hook registered for its backend (or `fuse`
/// false) every node alone;
/// else, walking the nodes in order, a node the hook accepts joins the open group when its
/// result has the group's shape. A node that reads a value of the open group closes it first
/// (the group runs before that node); other nodes run while the group stays open, so
/// independent work in between does not split a chain. Groups of one node stay nodes.
pub(super) fn plan(graph: &Graph, table: &FunctionTable, fuse: bool) -> Vec<Planned> {
    let hook = match crate::fused::hook(table.backend_name()) {
        Some(h) if fuse => h,
        _ => return (0..graph.nodes.len()).map(Planned::Node).collect(),
    };
    let mut plan = Vec::with_capacity(graph.nodes.len());
    // The open group: its shape and nodes, and which values its nodes produce.
    let mut open: Option<(Vec<usize>, Vec<usize>)> = None;
    let mut in_group = vec![false; graph.values.len()];
    // The nodes reading each value.
    let mut readers = vec![Vec::new(); graph.values.len()];
    for (i, n) in graph.nodes.iter().enumerate() {
        for v in &n.inputs {
            match readers.get_mut(v.0) {
                Some(r) => r.push(i),
                // A malformed graph: run it node by node (which reports the bad value).
                None => return (0..graph.nodes.len()).map(Planned::Node).collect(),
            }
        }
        if n.output.0 >= graph.values.len() {
            return (0..graph.nodes.len()).map(Planned::Node).collect();
        }
    }
    for (i, n) in graph.nodes.iter().enumerate() {
        let shape = &graph.values[n.output.0].shape;
        let reads_group = n.inputs.iter().any(|v| in_group[v.0]);
        if fusible(graph, table, hook, i) {
            match &mut open {
                Some((s, nodes)) if s == shape => nodes.push(i),
                _ => {
                    if let Some(g) = open.take() {
                        close(graph, table, &readers, g, &mut in_group, &mut plan);
                    }
                    open = Some((shape.clone(), vec![i]));
                }
            }
            in_group[n.output.0] = true;
        } else {
            if reads_group {
                if let Some(g) = open.take() {
                    close(graph, table, &readers, g, &mut in_group, &mut plan);
                }
            }
            plan.push(Planned::Node(i));
        }
    }
    if let Some(g) = open.take() {
        close(graph, table, &readers, g, &mut in_group, &mut plan);
    }
    plan
}

/// Whether node `i` can be part of a fused program on `table`.
fn fusible(graph: &Graph, table: &FunctionTable, hook: &FuseHook, i: usize) -> bool {
    let n = &graph.nodes[i];
    // Custom nodes are never fused: they run as one call.
    let Some(op) = n.op.catalogue() else {
        return false;
    };
    let Source::Primary { variant } = table.source(op) else {
        return false;
    };
    match (&n.args, op) {
        (Args::Cast(_), Op::astype) => {}
        (Args::None, op) if op != Op::astype => {}
        _ => return false,
    }
    if n.inputs.is_empty() || n.inputs.len() > 3 || !n.more_outputs.is_empty() {
        return false;
    }
    let out = &graph.values[n.output.0];
    // Elementwise: every input broadcasts to the result's shape.
    let broadcasts = n.inputs.iter().all(|v| {
        let s = &graph.values[v.0].shape;
        s.len() <= out.shape.len()
            && s.iter()
                .rev()
                .zip(out.shape.iter().rev())
                .all(|(&a, &b)| a == b || a == 1)
    });
    if !broadcasts {
        return false;
    }
    let dtypes: Vec<_> = n.inputs.iter().map(|v| graph.values[v.0].dtype).collect();
    (hook.supports)(op, variant, &dtypes, out.dtype)
}

/// Ends a group: a program when it has two nodes or more, else its node alone.
fn close(
    graph: &Graph,
    table: &FunctionTable,
    readers: &[Vec<usize>],
    (shape, nodes): (Vec<usize>, Vec<usize>),
    in_group: &mut [bool],
    plan: &mut Vec<Planned>,
) {
    for &i in &nodes {
        in_group[graph.nodes[i].output.0] = false;
    }
    match program(graph, table, readers, shape, &nodes) {
        Some((program, reads, writes)) if nodes.len() >= 2 => plan.push(Planned::Fused {
            program,
            reads,
            writes,
            nodes,
        }),
        _ => plan.extend(nodes.into_iter().map(Planned::Node)),
    }
}

/// The program of a group, with the graph values it reads and writes; `None` for a graph
/// whose nodes read values nothing made (a malformed graph runs node by node, and fails there
/// with its own error).
fn program(
    graph: &Graph,
    table: &FunctionTable,
    readers: &[Vec<usize>],
    shape: Vec<usize>,
    nodes: &[usize],
) -> Option<(FusedProgram, Vec<usize>, Vec<usize>)> {
    let mut member = vec![false; graph.nodes.len()];
    let mut made = vec![false; graph.values.len()];
    for &i in nodes {
        member[i] = true;
        made[graph.nodes[i].output.0] = true;
    }
    // Program value of each graph value the group reads or makes.
    let mut slot: Vec<Option<usize>> = vec![None; graph.values.len()];
    let mut reads = Vec::new();
    let mut inputs = Vec::new();
    for &i in nodes {
        for v in &graph.nodes[i].inputs {
            let info = graph.values.get(v.0)?;
            if !made[v.0] && slot[v.0].is_none() {
                slot[v.0] = Some(reads.len());
                reads.push(v.0);
                inputs.push((info.dtype, info.shape.clone()));
            }
        }
    }
    let mut instrs = Vec::with_capacity(nodes.len());
    for &i in nodes {
        let n = &graph.nodes[i];
        let op = n.op.catalogue()?;
        let Source::Primary { variant } = table.source(op) else {
            return None;
        };
        let args = n
            .inputs
            .iter()
            .map(|v| slot[v.0])
            .collect::<Option<Vec<_>>>()?;
        slot[n.output.0] = Some(reads.len() + instrs.len());
        instrs.push(FusedInstr {
            op,
            variant,
            args,
            cast: match n.args {
                Args::Cast(d) => Some(d),
                _ => None,
            },
            dtype: graph.values.get(n.output.0)?.dtype,
        });
    }
    // Outputs: the group's values read after it (by other nodes or as graph outputs).
    let mut writes = Vec::new();
    let mut outputs = Vec::new();
    for &i in nodes {
        let v = graph.nodes[i].output;
        let read_outside = readers[v.0].iter().any(|&j| !member[j]) || graph.outputs.contains(&v);
        if read_outside {
            writes.push(v.0);
            outputs.push(slot[v.0]?);
        }
    }
    let program = FusedProgram {
        shape,
        inputs,
        instrs,
        outputs,
    };
    Some((program, reads, writes))
}
