//! Graph passes. Each returns a new graph computing the same outputs, renumbered so values
//! are `%0…` in order (inputs, constants, nodes).

use super::graph::{Args, Constant, Graph, Node, NodeOp, ValueId};
use super::record::invoke_all;
use crate::error::Result;
use crate::ops::dispatch;
use crate::tensor::Tensor;
use std::collections::HashMap;

impl Graph {
    /// Dead-code elimination: drops the nodes and constants no output depends on (inputs stay:
    /// they are the signature).
    pub fn dce(&self) -> Graph {
        let mut live = vec![false; self.values.len()];
        for v in &self.outputs {
            live[v.0] = true;
        }
        for n in self.nodes.iter().rev() {
            if n.outputs().any(|v| live[v.0]) {
                for v in &n.inputs {
                    live[v.0] = true;
                }
            }
        }
        let nodes = self
            .nodes
            .iter()
            .filter(|n| n.outputs().any(|v| live[v.0]))
            .cloned()
            .collect();
        let mut g = self.with_nodes(nodes, &HashMap::new());
        g.constants.retain(|c| live[c.value.0]);
        g.renumber()
    }

    /// Common-subexpression elimination: a node with the same op, arguments and inputs as an
    /// earlier one is dropped and its uses read the earlier one's value. Custom ops are
    /// assumed pure, as catalogue ops are: two calls of one custom op (by name) with equal
    /// attributes and inputs are merged; calls with other attributes stay apart.
    pub fn cse(&self) -> Graph {
        let mut replace: HashMap<ValueId, ValueId> = HashMap::new();
        let mut seen: HashMap<String, Vec<ValueId>> = HashMap::new();
        let mut nodes = Vec::with_capacity(self.nodes.len());
        for n in &self.nodes {
            let inputs: Vec<ValueId> = n
                .inputs
                .iter()
                .map(|v| *replace.get(v).unwrap_or(v))
                .collect();
            // `Args` holds floats, so it is not `Hash`; its debug form is an exact key (it
            // tells -0.0 from 0.0 and prints every NaN alike).
            let key = format!("{:?} {:?} {:?}", n.op, n.args, inputs);
            match seen.get(&key) {
                Some(earlier) => {
                    for (v, e) in n.outputs().zip(earlier.iter()) {
                        replace.insert(v, *e);
                    }
                }
                None => {
                    seen.insert(key, n.outputs().collect::<Vec<_>>());
                    nodes.push(Node {
                        inputs,
                        ..n.clone()
                    });
                }
            }
        }
        self.with_nodes(nodes, &replace).renumber()
    }

    /// Constant folding: computes now, on the traced table, every node that depends on no
    /// input and no constant (creation ops and what is computed from them only), and makes
    /// the values later nodes or the outputs read constants named `k0`, `k1`, …. Nodes that
    /// read a constant are not folded, so rebinding it when the graph runs still counts.
    /// Custom nodes whose inputs are all folded are computed too (by the traced table's
    /// native version of the op, or its composition).
    pub fn fold_constants(&self) -> Result<Graph> {
        let _section = crate::tensor::live::enter();
        let mut folded: HashMap<ValueId, Tensor> = HashMap::new();
        let mut nodes = Vec::with_capacity(self.nodes.len());
        for n in &self.nodes {
            let refs: Option<Vec<&Tensor>> = n.inputs.iter().map(|v| folded.get(v)).collect();
            let Some(refs) = refs else {
                nodes.push(n.clone());
                continue;
            };
            let outs = match (n.op, &n.args) {
                (NodeOp::Catalogue(op), _) => match self.table.slots.get(op) {
                    Some(f) => {
                        dispatch::call(self.table, op, Some(f), |f| invoke_all(f, &n.args, &refs))?
                    }
                    None => {
                        nodes.push(n.clone());
                        continue;
                    }
                },
                (NodeOp::Custom(op), Args::Custom(attrs)) => {
                    let native = crate::custom::native_for(self.table, op)?.map(|(f, _)| f);
                    vec![crate::custom::run_node(
                        self.table, op, native, &refs, attrs,
                    )?]
                }
                (NodeOp::Custom(op), _) => {
                    return Err(crate::custom::__arity(op, n.inputs.len(), 0));
                }
            };
            for (v, t) in n.outputs().zip(outs) {
                folded.insert(v, t);
            }
        }
        let mut g = self.with_nodes(nodes, &HashMap::new());
        let mut used: Vec<ValueId> = g.nodes.iter().flat_map(|n| n.inputs.clone()).collect();
        used.extend(g.outputs.iter().copied());
        let mut k = 0;
        for v in used {
            if let Some(tensor) = folded.remove(&v) {
                let name = loop {
                    let name = format!("k{k}");
                    k += 1;
                    if !g.constants.iter().any(|c| c.name == name) {
                        break name;
                    }
                };
                g.constants.push(Constant {
                    name,
                    value: v,
                    tensor,
                    rebindable: false,
                });
            }
        }
        Ok(g.renumber())
    }

    /// The graph with these nodes and the outputs mapped through `replace`.
    fn with_nodes(&self, nodes: Vec<Node>, replace: &HashMap<ValueId, ValueId>) -> Graph {
        Graph {
            table: self.table,
            values: self.values.clone(),
            inputs: self.inputs.clone(),
            constants: self.constants.clone(),
            nodes,
            outputs: self
                .outputs
                .iter()
                .map(|v| *replace.get(v).unwrap_or(v))
                .collect(),
        }
    }

    /// Numbers the values that remain `%0…` in order: inputs, constants, nodes.
    pub(crate) fn renumber(mut self) -> Graph {
        let mut map: HashMap<ValueId, ValueId> = HashMap::new();
        let mut values = Vec::new();
        let mut new = |v: ValueId, values: &mut Vec<_>| {
            let id = *map.entry(v).or_insert_with(|| {
                values.push(self.values[v.0].clone());
                ValueId(values.len() - 1)
            });
            id
        };
        let inputs = self.inputs.iter().map(|&v| new(v, &mut values)).collect();
        for c in &mut self.constants {
            c.value = new(c.value, &mut values);
        }
        let mut nodes = Vec::with_capacity(self.nodes.len());
        for n in &self.nodes {
            let ins = n.inputs.iter().map(|&v| new(v, &mut values)).collect();
            let output = new(n.output, &mut values);
            let more_outputs = n
                .more_outputs
                .iter()
                .map(|&v| new(v, &mut values))
                .collect();
            nodes.push(Node {
                inputs: ins,
                output,
                more_outputs,
                ..n.clone()
            });
        }
        let outputs = self.outputs.iter().map(|&v| new(v, &mut values)).collect();
        Graph {
            table: self.table,
            values,
            inputs,
            constants: self.constants,
            nodes,
            outputs,
        }
    }
}
