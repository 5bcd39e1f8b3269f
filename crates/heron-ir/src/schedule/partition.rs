//! Step 1 of scheduling: which live nodes are materialised (own a buffer and
//! root a kernel) and which are inlined into the one kernel all their users
//! fall in. Nodes are visited users first, so a node sees where each of its
//! users went.

use super::GroupKey;
use crate::{Graph, NodeId, Op, Shape};
use cranelift_entity::SecondaryMap;
use rustc_hash::FxHashMap;

/// Where every live node of a graph goes.
pub(super) struct Partition<'g> {
    /// The graph partitioned.
    pub graph: &'g Graph,
    /// The live users of each node, with the operand position they read it at.
    pub users: SecondaryMap<NodeId, Vec<(NodeId, usize)>>,
    /// The first output position of each node that is an output.
    pub first_output: SecondaryMap<NodeId, Option<u32>>,
    /// True for materialised nodes.
    pub realised: SecondaryMap<NodeId, bool>,
    /// The inlined members of each kernel, in graph order.
    pub members: FxHashMap<GroupKey, Vec<NodeId>>,
}

impl Partition<'_> {
    /// The nodes of kernel `(id, k)`: its inlined members and its root, sorted.
    pub fn own(&self, id: NodeId, k: u8) -> Vec<NodeId> {
        let mut nodes = self.members.get(&(id, k)).cloned().unwrap_or_default();
        nodes.push(id);
        nodes.sort();
        nodes
    }
}

/// Assigns every live non-leaf node of `graph` to a kernel, users before
/// operands (see the rules in the module documentation of `schedule`).
pub(super) fn partition(graph: &Graph) -> Partition<'_> {
    let live = liveness(graph);
    let mut users: SecondaryMap<NodeId, Vec<(NodeId, usize)>> = SecondaryMap::new();
    for (id, node) in graph.nodes.iter() {
        if live[id] {
            for (k, &i) in node.inputs.iter().enumerate() {
                users[i].push((id, k));
            }
        }
    }
    let mut first_output: SecondaryMap<NodeId, Option<u32>> = SecondaryMap::new();
    for (j, &(n, _)) in graph.outputs.iter().enumerate() {
        if first_output[n].is_none() {
            first_output[n] = Some(j as u32);
        }
    }

    let mut realised: SecondaryMap<NodeId, bool> = SecondaryMap::new();
    let mut group_of: SecondaryMap<NodeId, Option<GroupKey>> = SecondaryMap::new();
    for (id, node) in graph.nodes.iter().rev() {
        if !live[id] || node.op.is_leaf() {
            continue;
        }
        let gather =
            super::gather_choice::is_gather(&node.op) && super::gather_choice::fusable(graph, id);
        let forced = first_output[id].is_some()
            || (is_host(&node.op) && !gather)
            || matches!(node.op, Op::Reduce { .. } | Op::SetSlice(_));
        let mut target: Option<GroupKey> = None;
        let mut fusable = !forced;
        for &(u, k) in &users[id] {
            if !fusable {
                break;
            }
            let user = &graph.nodes[u];
            if is_host(&user.op) || matches!(user.op, Op::RandomBits { .. }) {
                fusable = false;
                break;
            }
            if let Op::Reshape(out) = &user.op
                && reshape_blocks(&node.shape, out).is_none()
            {
                fusable = false;
                break;
            }
            let t = if realised[u] {
                user_key(&user.op, u, k)
            } else {
                group_of[u].expect("users are assigned first")
            };
            match target {
                None => target = Some(t),
                Some(t0) if t0 == t => {}
                Some(_) => fusable = false,
            }
        }
        match (fusable, target) {
            (true, Some(t)) if !gather || super::gather_choice::fits(graph, t.0) => {
                group_of[id] = Some(t)
            }
            _ => realised[id] = true,
        }
    }

    let mut members: FxHashMap<GroupKey, Vec<NodeId>> = FxHashMap::default();
    for (id, _) in graph.nodes.iter() {
        if let Some(k) = group_of[id] {
            members.entry(k).or_default().push(id);
        }
    }
    Partition {
        graph,
        users,
        first_output,
        realised,
        members,
    }
}

/// True for ops that run on the host through `eval_op`.
pub(super) fn is_host(op: &Op) -> bool {
    // The older Threefry scheme's counters depend on the draw's size, not
    // on the element's index alone, and each hash gives two words of the
    // draw: it runs through the interpreter, which hashes once per pair of
    // words (a per-element loop hashes twice as often and measured 2.5x
    // slower for 2^20 uniforms).
    !(op.is_leaf()
        || op.is_elementwise()
        || op.is_movement()
        || matches!(
            op,
            Op::Reduce { .. }
                | Op::SetSlice(_)
                | Op::RandomBits {
                    partitionable: true,
                    ..
                }
        ))
}

/// The kernel in which a materialised node `u` evaluates its operand `k`.
fn user_key(op: &Op, u: NodeId, k: usize) -> GroupKey {
    match op {
        Op::SetSlice(_) => (u, k as u8),
        _ => (u, 0),
    }
}

/// Nodes that reach an output.
fn liveness(graph: &Graph) -> SecondaryMap<NodeId, bool> {
    let mut live: SecondaryMap<NodeId, bool> = SecondaryMap::new();
    for &(n, _) in &graph.outputs {
        live[n] = true;
    }
    for (id, node) in graph.nodes.iter().rev() {
        if live[id] {
            for &i in &node.inputs {
                live[i] = true;
            }
        }
    }
    live
}

/// For a reshape of `from` into `to` that only splits axes: for each axis of
/// `from`, the axes of `to` it becomes (none for extent 1). `None` when the
/// reshape merges axes (its operand must then be read as a flat buffer).
pub fn reshape_blocks(from: &Shape, to: &Shape) -> Option<Vec<Vec<usize>>> {
    if from.size() == 0 {
        return Some(vec![Vec::new(); from.rank()]);
    }
    let mut j = 0;
    let mut out = Vec::with_capacity(from.rank());
    for &e in from.iter() {
        let mut block = Vec::new();
        if e != 1 {
            let mut prod = 1;
            while prod < e {
                if j >= to.rank() {
                    return None;
                }
                if to[j] != 1 {
                    block.push(j);
                    prod *= to[j];
                }
                j += 1;
            }
            if prod != e {
                return None;
            }
        }
        out.push(block);
    }
    Some(out)
}
