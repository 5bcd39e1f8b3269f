//! Which gathers may be fused, decided on the graph alone (`partition.rs`
//! asks `fusable` and `fits` while it groups nodes into kernels;
//! `gather.rs` builds the fused form): a `take` or `take_along_axis` from a
//! non-empty axis whose indices, if constant, are in range, or a
//! `dynamic_slice` with exactly one start known only at run time.

use crate::{Graph, NodeId, Op, Scalar};

/// True for the gathers `gather.rs` may fuse.
pub(super) fn is_gather(op: &Op) -> bool {
    matches!(
        op,
        Op::Take { .. } | Op::TakeAlongAxis { .. } | Op::DynamicSlice { .. }
    )
}

/// A constant scalar index as an `i64` (`None` for other values).
pub(super) fn const_index(graph: &Graph, n: NodeId) -> Option<i64> {
    let v = graph.const_value(n)?;
    (v.buf.len() == 1).then_some(())?;
    match v.buf.get(0) {
        Scalar::I32(x) => Some(i64::from(x)),
        Scalar::U32(x) => Some(i64::from(x)),
        Scalar::I64(x) => Some(x),
        _ => None,
    }
}

/// The one start of `dynamic_slice` node `n` that is not a constant, as
/// (axis, operand), when exactly one is not.
pub(super) fn traced_start(graph: &Graph, n: NodeId) -> Option<(usize, NodeId)> {
    let starts = &graph.nodes[n].inputs[1..];
    let mut traced = starts
        .iter()
        .enumerate()
        .filter(|&(_, &s)| const_index(graph, s).is_none());
    let one = traced.next()?;
    traced.next().is_none().then_some((one.0, *one.1))
}

/// Whether gather node `id` may be inlined into its users' kernel: a
/// gather from a non-empty axis whose indices, if constant, are all in
/// range, or a `dynamic_slice` with exactly one start not a constant.
pub(super) fn fusable(graph: &Graph, id: NodeId) -> bool {
    let node = &graph.nodes[id];
    if let Op::DynamicSlice { .. } = node.op {
        // One start at run time (the others are folded into the map).
        return traced_start(graph, id).is_some();
    }
    let (Op::Take { axis } | Op::TakeAlongAxis { axis }) = node.op else {
        return false;
    };
    let len = graph.nodes[node.inputs[0]].shape[axis];
    if len == 0 {
        return false;
    }
    match graph.const_value(node.inputs[1]) {
        None => true,
        Some(v) => {
            let n = len as i64;
            (0..v.buf.len()).all(|i| {
                let i = match v.buf.get(i) {
                    Scalar::I32(x) => i64::from(x),
                    Scalar::U32(x) => i64::from(x),
                    Scalar::I64(x) => x,
                    _ => return false,
                };
                (-n..n).contains(&i)
            })
        }
    }
}

/// Whether a gather may be inlined into the kernel rooted at `root`: an
/// element-wise kernel, not a reduction's.
pub(super) fn fits(graph: &Graph, root: NodeId) -> bool {
    !matches!(graph.nodes[root].op, Op::Reduce { .. })
}
