//! Passes over control flow: the sub-graphs of every control op are
//! optimised with the same pipeline as the graph holding them, and a `cond`
//! whose branches are both cheap element-wise code becomes an element-wise
//! `select` of the two branches (computing both is cheaper than a branch
//! and lets them fuse with their neighbours).
//!
//! Guarantees: the same outputs of the same types; control nodes keep their
//! operand layout; a `cond` turned into selects leaves no control node.

use super::rewrite::Rebuild;
use crate::control::Body;
use crate::{Graph, NodeId, Op, Result};
use cranelift_entity::SecondaryMap;

/// A branch is inlined when it has at most this many nodes.
pub const CHEAP_BRANCH_NODES: usize = 32;

/// The graph with every sub-graph optimised and cheap `cond`s turned into selects.
pub fn control(graph: &Graph) -> Result<Graph> {
    if !graph
        .nodes
        .values()
        .any(|n| crate::control::is_control(&n.op))
    {
        return Ok(graph.clone());
    }
    let mut rb = Rebuild::new(graph);
    let mut selects: SecondaryMap<NodeId, Vec<NodeId>> = SecondaryMap::new();
    for (id, node) in rb.body() {
        match &node.op {
            Op::Const(_) => {
                rb.copy(id);
            }
            Op::Project(k) if !selects[node.inputs[0]].is_empty() => {
                let new = selects[node.inputs[0]][*k as usize];
                rb.set(id, new);
            }
            Op::Cond { then, else_ } if cheap(then) && cheap(else_) => {
                let inputs = rb.inputs(node);
                let a = inline(&mut rb.new, then, &inputs[1..])?;
                let b = inline(&mut rb.new, else_, &inputs[1..])?;
                let mut outs = Vec::with_capacity(a.len());
                for (x, y) in a.into_iter().zip(b) {
                    outs.push(rb.new.add(Op::Select, &[inputs[0], x, y])?);
                }
                selects[id] = outs;
            }
            op => {
                let new_op = optimize_subgraphs(op)?;
                let inputs = rb.inputs(node);
                let new = rb.push(new_op, inputs, node.shape.clone(), node.dtype);
                rb.set(id, new);
            }
        }
    }
    Ok(rb.finish())
}

/// `op` with its sub-graphs optimised (other ops unchanged).
fn optimize_subgraphs(op: &Op) -> Result<Op> {
    crate::control::try_map_bodies(op, |b, _| Ok(Body::new(super::optimize(b)?)))
}

/// True for a small branch of element-wise and movement ops only.
fn cheap(g: &Graph) -> bool {
    g.len() <= CHEAP_BRANCH_NODES
        && g.nodes
            .values()
            .all(|n| n.op.is_leaf() || n.op.is_elementwise() || n.op.is_movement())
}

/// Copies the nodes of `sub` into `into`, its params bound to `args`;
/// returns the nodes of its outputs.
pub(crate) fn inline(into: &mut Graph, sub: &Graph, args: &[NodeId]) -> Result<Vec<NodeId>> {
    let mut map: SecondaryMap<NodeId, Option<NodeId>> = SecondaryMap::new();
    for (id, node) in sub.nodes.iter() {
        let new = match &node.op {
            Op::Param(i) => args[*i as usize],
            Op::Const(c) => into.constant(sub.consts[*c].clone()),
            op => {
                let inputs: Vec<NodeId> = node
                    .inputs
                    .iter()
                    .map(|&i| map[i].expect("operands precede their users"))
                    .collect();
                into.add(op.clone(), &inputs)?
            }
        };
        map[id] = Some(new);
    }
    Ok(sub
        .outputs
        .iter()
        .map(|&(n, _)| map[n].expect("outputs are nodes"))
        .collect())
}
