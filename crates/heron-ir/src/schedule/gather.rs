//! Gathers fused into the kernels that consume them. A `take`,
//! `take_along_axis` or `dynamic_slice` (with one start known only at run
//! time) whose users all fall in one element-wise kernel is inlined there
//! (`partition.rs` asks `gather_choice.rs`'s `fusable` and `fits`): the kernel loads the index
//! element and then the table element at that index (`Expr::Gather`, built
//! by `gather_expr` for `body.rs`), with no temporary in between. Its table
//! and indices are materialised buffers.
//!
//! An index out of range is an error, and nothing may be written when it
//! is one: `place_checks` puts an `IndexCheck` step (a vectorised pass over
//! the indices, writing nothing) before the first kernel that gathers with
//! them, after kernels have merged, so no merge moves a kernel above its
//! check. A `dynamic_slice` never fails (its start is clamped, in the
//! kernel) and needs no check. Indices that are constants of the graph are
//! checked here, at compile time: in range, they need no step; out of
//! range, the gather is not fused, and the native step reports the error
//! when the plan runs. The kernel also clamps every resolved index into the
//! table's axis (no effect on checked indices), so no index value can make
//! it read outside its buffer, whatever step precedes it.
//!
//! Gathers that are graph outputs, read by more than one kernel, by a
//! reduction or by a host step, that gather from an empty axis, and
//! dynamic slices with several starts known only at run time stay native
//! steps (`run/gather.rs` in the backend).

use super::buffers::PlanBuilder;
use super::gather_choice::{const_index, traced_start};
use crate::plan::{Affine, Gather, IndexCheck, IndexMode, Step};
use crate::{DType, NodeId, Op};

/// The `Expr::Gather` of gather node `n` at the multi-index `index` of its
/// result (affine in the `rank` iteration axes), and the check its indices
/// need (none for constant indices, checked by `fusable`).
pub(super) fn gather_expr(
    plan: &mut PlanBuilder<'_>,
    n: NodeId,
    index: &[Affine],
    rank: usize,
) -> (Gather, Option<IndexCheck>) {
    let graph = plan.graph;
    let node = &graph.nodes[n];
    if let Op::DynamicSlice { sizes } = &node.op {
        return (dynamic_slice_expr(plan, n, sizes, index, rank), None);
    }
    let (x, idx) = (node.inputs[0], node.inputs[1]);
    let (xs, is) = (&graph.nodes[x].shape, &graph.nodes[idx].shape);
    let (axis, at) = match node.op {
        Op::Take { axis } => {
            let r = is.rank();
            let at = Affine::linearize(&index[axis..axis + r], is, rank);
            (axis, at)
        }
        Op::TakeAlongAxis { axis } => (axis, Affine::linearize(index, is, rank)),
        ref op => unreachable!("{op} is not a fused gather"),
    };
    // The table's multi-index with 0 on the gathered axis: the result's
    // axes before it, and those after the indices' axes.
    let skip = match node.op {
        Op::Take { .. } => is.rank(),
        _ => 1,
    };
    let x_index: Vec<Affine> = (0..xs.rank())
        .map(|d| match d.cmp(&axis) {
            std::cmp::Ordering::Less => index[d].clone(),
            std::cmp::Ordering::Equal => Affine::constant(rank, 0),
            std::cmp::Ordering::Greater => index[d - 1 + skip].clone(),
        })
        .collect();
    let g = Gather {
        buf: plan.operand_buffer(x),
        base: Affine::linearize(&x_index, xs, rank),
        index: plan.operand_buffer(idx),
        index_dtype: graph.nodes[idx].dtype,
        at,
        len: xs[axis],
        stride: xs.strides()[axis] as i64,
        mode: IndexMode::Wrap,
    };
    debug_assert!(matches!(
        g.index_dtype,
        DType::I32 | DType::I64 | DType::U32
    ));
    let check = graph.const_value(idx).is_none().then(|| IndexCheck {
        node: n,
        op: node.op.name(),
        axis,
        index: g.index,
        len: g.len,
    });
    (g, check)
}

/// The `Expr::Gather` of `dynamic_slice` node `n` (one traced start, see
/// `fusable`) at the multi-index `index` of its result: the constant
/// starts, resolved as JAX does, are offsets of the map; the traced one is
/// the gathered index, clamped.
fn dynamic_slice_expr(
    plan: &mut PlanBuilder<'_>,
    n: NodeId,
    sizes: &[usize],
    index: &[Affine],
    rank: usize,
) -> Gather {
    let graph = plan.graph;
    let node = &graph.nodes[n];
    let (axis, start) = traced_start(graph, n).expect("fused with one traced start");
    let x = node.inputs[0];
    let xs = &graph.nodes[x].shape;
    let x_index: Vec<Affine> = (0..xs.rank())
        .map(|d| match const_index(graph, node.inputs[1 + d]) {
            Some(s) if d != axis => {
                let at = crate::indexed::clamp_start(s, xs[d], sizes[d]);
                index[d].scale_add(1, at as i64)
            }
            _ => index[d].clone(),
        })
        .collect();
    Gather {
        buf: plan.operand_buffer(x),
        base: Affine::linearize(&x_index, xs, rank),
        index: plan.operand_buffer(start),
        index_dtype: graph.nodes[start].dtype,
        at: Affine::constant(rank, 0),
        len: xs[axis] - sizes[axis] + 1,
        stride: xs.strides()[axis] as i64,
        mode: IndexMode::Clamp { dim: xs[axis] },
    }
}

/// `steps` with each fused gather's index check placed right before the
/// first kernel that computes the gather; a check already made earlier in
/// the plan (the same indices on an axis of the same extent) is not
/// repeated. A plan's buffers are each written once before they are read,
/// so a check stays valid for every later step.
pub(super) fn place_checks(checks: &[IndexCheck], steps: Vec<Step>) -> Vec<Step> {
    if checks.is_empty() {
        return steps;
    }
    let mut done: Vec<(crate::plan::BufId, usize)> = Vec::new();
    let mut out = Vec::with_capacity(steps.len() + checks.len());
    for step in steps {
        if let Step::Kernel(k) = &step {
            for c in checks.iter().filter(|c| k.nodes.contains(&c.node)) {
                if !done.contains(&(c.index, c.len)) {
                    done.push((c.index, c.len));
                    out.push(Step::Check(c.clone()));
                }
            }
        }
        out.push(step);
    }
    out
}
