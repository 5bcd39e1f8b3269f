//! Reverse mode over one traced graph: which nodes carry a gradient
//! (`active`), the forward pass replayed as array operations (`replay`), and
//! the backward walk (`backward`) that sends each node's cotangent to its
//! operands through the rules of `vjp` (and `control` for loops and
//! branches).
//!
//! Replaying means calling [`apply`] on every node with the operands' replayed
//! values: on concrete arrays it computes, inside a trace it records the same
//! nodes again in the enclosing graph, so the forward and backward code of
//! `grad` end up in one graph that `jit` optimises and fuses as a whole.

use super::control;
use super::vjp::{self, add, cast_to};
use crate::array::apply;
use crate::{Array, Error, Result, trace};
use heron_ir::{Graph, NodeId, Op, control::is_control};
use rustc_hash::{FxHashMap, FxHashSet};

/// True for the marker `stop_gradient` records: a reshape to the operand's
/// own shape (identity for every pass; `apply` never records one otherwise).
pub(crate) fn is_stop(g: &Graph, id: NodeId) -> bool {
    let node = g.node(id);
    matches!(&node.op, Op::Reshape(s) if node.inputs.len() == 1 && *s == g.node(node.inputs[0]).shape)
}

/// The nodes through which a gradient flows from the `wrt` parameters: float
/// nodes (or control nodes) with an active operand, except `stop_gradient`.
pub(crate) fn active(g: &Graph, wrt: &[NodeId]) -> FxHashSet<NodeId> {
    let mut set = FxHashSet::default();
    for (id, node) in g.nodes.iter() {
        let on = if matches!(node.op, Op::Param(_)) {
            wrt.contains(&id) && node.dtype.is_float()
        } else {
            let typed = is_control(&node.op) || node.dtype.is_float();
            typed && !is_stop(g, id) && node.inputs.iter().any(|i| set.contains(i))
        };
        if on {
            set.insert(id);
        }
    }
    set
}

/// The forward values of a replayed graph.
pub(crate) struct Forward {
    /// The value of every node but control nodes.
    pub(crate) vals: FxHashMap<NodeId, Array>,
    /// Every result of each control node.
    pub(crate) ctl: FxHashMap<NodeId, Vec<Array>>,
    /// For each active loop, its carried state at the entry of every step,
    /// stacked along a new axis 0 (the residuals of its reverse pass).
    pub(crate) residuals: FxHashMap<NodeId, Vec<Array>>,
}

impl Forward {
    pub(crate) fn val(&self, id: NodeId) -> &Array {
        &self.vals[&id]
    }
}

/// Replays `g` with its parameters bound to `params` (by node).
pub(crate) fn replay(
    g: &Graph,
    params: &FxHashMap<NodeId, Array>,
    active: &FxHashSet<NodeId>,
) -> Result<Forward> {
    let mut fwd = Forward {
        vals: FxHashMap::default(),
        ctl: FxHashMap::default(),
        residuals: FxHashMap::default(),
    };
    for (id, node) in g.nodes.iter() {
        let ins: Vec<Array> = if matches!(node.op, Op::Project(_)) {
            Vec::new()
        } else {
            node.inputs.iter().map(|i| fwd.vals[i].clone()).collect()
        };
        let refs: Vec<&Array> = ins.iter().collect();
        let value = match &node.op {
            Op::Param(_) => params
                .get(&id)
                .cloned()
                .ok_or_else(|| Error::invalid("grad", "a parameter of the graph is unbound"))?,
            Op::Const(_) => Array::from_value(
                g.const_value(id)
                    .expect("a const node has a constant")
                    .clone(),
            ),
            Op::Project(k) => fwd.ctl[&node.inputs[0]][*k as usize].clone(),
            Op::Loop { .. } if active.contains(&id) => {
                let (outs, res) = control::forward_loop(&node.op, &refs)?;
                fwd.ctl.insert(id, outs);
                fwd.residuals.insert(id, res);
                continue;
            }
            op if is_control(op) => {
                let outs = trace::record_control(op.clone(), &refs)?;
                fwd.ctl.insert(id, outs);
                continue;
            }
            _ if is_stop(g, id) => super::stop_gradient(&ins[0]),
            op => apply(op.clone(), &refs)?,
        };
        fwd.vals.insert(id, value);
    }
    Ok(fwd)
}

fn accumulate(cts: &mut FxHashMap<NodeId, Array>, g: &Graph, id: NodeId, ct: Array) -> Result<()> {
    let node = g.node(id);
    if ct.shape_ref() != &node.shape {
        return Err(Error::invalid(
            "grad",
            format!(
                "internal: a cotangent of shape {} for a value of shape {} ({})",
                ct.shape_ref(),
                node.shape,
                node.op.name()
            ),
        ));
    }
    let ct = cast_to(&ct, node.dtype)?;
    let sum = match cts.remove(&id) {
        Some(prev) => add(&prev, &ct)?,
        None => ct,
    };
    cts.insert(id, sum);
    Ok(())
}

/// Walks `g` backwards from the `seeds` (cotangents of some nodes) and
/// returns the cotangents that reach its active parameters.
pub(crate) fn backward(
    g: &Graph,
    fwd: &Forward,
    active: &FxHashSet<NodeId>,
    seeds: Vec<(NodeId, Array)>,
) -> Result<FxHashMap<NodeId, Array>> {
    let mut cts: FxHashMap<NodeId, Array> = FxHashMap::default();
    let mut ctl_cts: FxHashMap<NodeId, Vec<Option<Array>>> = FxHashMap::default();
    for (id, ct) in seeds {
        if active.contains(&id) {
            accumulate(&mut cts, g, id, ct)?;
        }
    }
    for (id, node) in g.nodes.iter().rev() {
        if !active.contains(&id) {
            continue;
        }
        match &node.op {
            Op::Param(_) => {}
            Op::Project(k) => {
                if let Some(ct) = cts.remove(&id) {
                    let owner = node.inputs[0];
                    let n = fwd.ctl[&owner].len();
                    ctl_cts.entry(owner).or_insert_with(|| vec![None; n])[*k as usize] = Some(ct);
                }
            }
            op if is_control(op) => {
                let Some(out_cts) = ctl_cts.remove(&id) else {
                    continue;
                };
                let ins: Vec<Array> = node.inputs.iter().map(|i| fwd.val(*i).clone()).collect();
                let res = fwd.residuals.get(&id).map(Vec::as_slice);
                let need: Vec<bool> = node.inputs.iter().map(|i| active.contains(i)).collect();
                let in_cts = control::vjp(op, &ins, &fwd.ctl[&id], res, &out_cts, &need)?;
                for (&i, ct) in node.inputs.iter().zip(in_cts) {
                    if let Some(ct) = ct
                        && active.contains(&i)
                    {
                        accumulate(&mut cts, g, i, ct)?;
                    }
                }
            }
            op => {
                let Some(ct) = cts.remove(&id) else {
                    continue;
                };
                let ins: Vec<Array> = node.inputs.iter().map(|i| fwd.val(*i).clone()).collect();
                let in_cts = vjp::rule(op, &ins, fwd.val(id), &ct)?;
                for (&i, ct) in node.inputs.iter().zip(in_cts) {
                    if let Some(ct) = ct
                        && active.contains(&i)
                    {
                        accumulate(&mut cts, g, i, ct)?;
                    }
                }
            }
        }
    }
    Ok(cts)
}
