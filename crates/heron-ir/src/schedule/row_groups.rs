//! Row groups: runs of kernel steps that may execute block of rows by block
//! of rows (`plan::RowGroup`).
//!
//! A reduce-then-broadcast chain such as a row-wise softmax fuses into
//! several kernels (max over each row, `exp(x - max)`, sum over each row,
//! divide), each a full pass over the matrix, with whole-matrix temporaries
//! between them. When every kernel of a run iterates the same leading axis,
//! reduces only over the other axes, and touches only its own rows of every
//! buffer written in the run, the kernels can run one block of rows at a
//! time: a block is read from memory once and stays in cache for the
//! following kernels, and a temporary only needs the block's rows.
//!
//! The grouping never changes a value: each kernel still computes whole rows
//! in the same order, and no kernel reads another row of a value written in
//! the group.

use crate::plan::{Affine, BufId, BufferKind, Expr, Kernel, KernelPlan, RowGroup, Step};

/// A block of a group should touch about this many bytes of the buffers its
/// rows walk (inputs, outputs and temporaries together), so that a kernel
/// finds what the previous one read or wrote in the first-level cache.
const BLOCK_BYTES: usize = 64 * 1024;

/// The row groups of `plan`: maximal runs of at least two consecutive kernel
/// steps over a shared leading axis through which some value flows (one
/// kernel reads what another wrote, or several read the same rows).
pub fn row_groups(plan: &KernelPlan) -> Vec<RowGroup> {
    let mut groups = Vec::new();
    let mut start = 0;
    while start < plan.steps.len() {
        let Some(rows) = leading_rows(&plan.steps[start]) else {
            start += 1;
            continue;
        };
        let mut end = start + 1;
        while end < plan.steps.len()
            && leading_rows(&plan.steps[end]) == Some(rows)
            && row_local(plan, start..end + 1, rows)
        {
            end += 1;
        }
        if end - start >= 2 && shares_data(plan, start..end) {
            groups.push(group(plan, start..end, rows));
            start = end;
        } else {
            start += 1;
        }
    }
    groups
}

/// The extent of a kernel step's leading iteration axis, when the kernel can
/// run over a range of rows: a non-empty launch with at least two rows,
/// whose leading axis is not reduced.
fn leading_rows(step: &Step) -> Option<usize> {
    let Step::Kernel(k) = step else { return None };
    let rows = *k.shape.first()?;
    let reduces_rows = k.reduce.as_ref().is_some_and(|r| r.axes.contains(&0));
    (rows >= 2 && !reduces_rows && k.launch_size() > 0).then_some(rows)
}

fn kernels(plan: &KernelPlan, steps: std::ops::Range<usize>) -> impl Iterator<Item = &Kernel> {
    plan.steps[steps].iter().map(|s| match s {
        Step::Kernel(k) => k,
        _ => unreachable!("row groups hold kernel steps only"),
    })
}

/// The buffers the kernels of `steps` write, with the parameters that may
/// share memory with a written output.
fn written(plan: &KernelPlan, steps: std::ops::Range<usize>) -> Vec<BufId> {
    let mut out: Vec<BufId> = kernels(plan, steps).flat_map(|k| k.outputs()).collect();
    for &(o, p) in &plan.aliasable {
        if out.contains(&plan.outputs[o]) {
            out.push(plan.params[p]);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// True when every access of the kernels of `steps` to a buffer they write
/// stays in the rows being computed (and no written buffer is a random key,
/// which is read whole).
fn row_local(plan: &KernelPlan, steps: std::ops::Range<usize>, rows: usize) -> bool {
    let written = written(plan, steps.clone());
    kernels(plan, steps).all(|k| {
        let loads = k.body.iter().all(|i| match &i.expr {
            Expr::Load { buf, map } => {
                !written.contains(buf)
                    || map_in_row(map, k, plan.buffers[buf.index()].shape.size(), rows)
            }
            Expr::ThreefryBits { key, .. } => !written.contains(key),
            // A gather reads its table at any row.
            Expr::Gather(g) => !written.contains(&g.buf) && !written.contains(&g.index),
            _ => true,
        });
        let stores = k
            .stores
            .iter()
            .all(|s| map_in_row(&s.map, k, plan.buffers[s.buf.index()].shape.size(), rows));
        loads && stores
    })
}

/// True when, at iteration `(r, ...)` of `k`, `map` indexes row `r` of a
/// buffer of `size` elements split into `rows` equal rows.
fn map_in_row(map: &Affine, k: &Kernel, size: usize, rows: usize) -> bool {
    if !size.is_multiple_of(rows) {
        return false;
    }
    let row = (size / rows) as i64;
    let (mut lo, mut hi) = (map.offset, map.offset);
    for (axis, &c) in map.coefs.iter().enumerate().skip(1) {
        let reach = c * (k.shape[axis] as i64 - 1);
        lo += reach.min(0);
        hi += reach.max(0);
    }
    map.coefs[0] == row && lo >= 0 && hi < row
}

/// True when running `steps` together saves memory traffic: some buffer is
/// read by a kernel of the run after another kernel of the run read or
/// wrote it.
fn shares_data(plan: &KernelPlan, steps: std::ops::Range<usize>) -> bool {
    let mut seen: Vec<BufId> = Vec::new();
    for k in kernels(plan, steps) {
        let reads = k.inputs();
        if reads.iter().any(|b| seen.contains(b)) {
            return true;
        }
        seen.extend(reads);
        seen.extend(k.outputs());
    }
    false
}

/// The group of `steps`: its temporaries used nowhere else become per-block
/// scratch, and the block size follows from the bytes a row touches.
fn group(plan: &KernelPlan, steps: std::ops::Range<usize>, rows: usize) -> RowGroup {
    let outside = |b: BufId| {
        plan.steps
            .iter()
            .enumerate()
            .filter(|(s, _)| !steps.contains(s))
            .any(|(_, step)| step.reads().contains(&b) || step.writes().contains(&b))
    };
    let scratch = written(plan, steps.clone())
        .into_iter()
        .filter(|&b| matches!(plan.buffers[b.index()].kind, BufferKind::Temp(_)) && !outside(b))
        .collect();
    let mut walked: Vec<BufId> = Vec::new();
    for k in kernels(plan, steps.clone()) {
        let loads = k.body.iter().filter_map(|i| match &i.expr {
            Expr::Load { buf, map } if map.coefs[0] != 0 => Some(*buf),
            _ => None,
        });
        let stores = k.stores.iter().map(|s| s.buf);
        for b in loads.chain(stores) {
            if !walked.contains(&b) {
                walked.push(b);
            }
        }
    }
    let row_bytes: usize = walked
        .iter()
        .map(|b| {
            let info = &plan.buffers[b.index()];
            info.shape.size() / rows * info.dtype.size()
        })
        .sum();
    let block_rows = (BLOCK_BYTES / row_bytes.max(1)).clamp(1, rows);
    RowGroup {
        steps,
        rows,
        block_rows,
        scratch,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::testing::{arg, binary, node, unary};
    use crate::{BinaryOp, DType, Graph, NodeId, Op, OutputRole, ReduceOp, Shape, UnaryOp};
    use smallvec::smallvec;

    /// `reduce(x, axis)` kept as an axis of extent 1.
    fn reduce_keep(g: &mut Graph, op: ReduceOp, x: NodeId, axis: usize) -> NodeId {
        let mut dims: Vec<usize> = g.nodes[x].shape.iter().copied().collect();
        let r = node(
            g,
            Op::Reduce {
                op,
                axes: smallvec![axis],
            },
            &[x],
        );
        dims[axis] = 1;
        node(g, Op::Reshape(Shape::new(&dims)), &[r])
    }

    /// `exp(x - max(x, 1))`, the numerator of a row-wise softmax.
    fn exp_shifted(g: &mut Graph, x: NodeId) -> NodeId {
        let m = reduce_keep(g, ReduceOp::Max, x, 1);
        let d = binary(g, BinaryOp::Sub, x, m);
        unary(g, UnaryOp::Exp, d)
    }

    fn plan_of(build: impl FnOnce(&mut Graph) -> NodeId) -> KernelPlan {
        let mut g = Graph::new();
        let y = build(&mut g);
        g.output(y, OutputRole::Result(0));
        crate::schedule::fuse(&g)
    }

    #[test]
    fn a_softmax_runs_as_one_row_group_with_its_temporaries_per_block() {
        let plan = plan_of(|g| {
            let x = arg(g, &[64, 512], DType::F32);
            let e = exp_shifted(g, x);
            let s = reduce_keep(g, ReduceOp::Sum, e, 1);
            binary(g, BinaryOp::Div, e, s)
        });
        assert_eq!(plan.steps.len(), 4, "{plan}");
        let [group] = plan.row_groups.as_slice() else {
            panic!("one group expected:\n{plan}")
        };
        assert_eq!(group.steps, 0..4);
        assert_eq!(group.rows, 64);
        // A row walks x, the exp temporary and the output (2 KiB each) and
        // two 4-byte temporaries: 64 KiB hold 10 rows.
        assert_eq!(group.block_rows, 10);
        let names: Vec<String> = group.scratch.iter().map(|&b| plan.buf_name(b)).collect();
        assert_eq!(names, ["t0", "t1", "t2"]);
        let text = plan.to_text();
        assert!(
            text.contains("rows k0..k3 [64] in blocks of 10; per block: t0 t1 t2"),
            "{text}"
        );
    }

    #[test]
    fn a_reduction_over_the_rows_is_not_grouped() {
        // x - sum(x, 0): the column sums need every row first.
        let plan = plan_of(|g| {
            let x = arg(g, &[16, 8], DType::F32);
            let s = reduce_keep(g, ReduceOp::Sum, x, 0);
            binary(g, BinaryOp::Sub, x, s)
        });
        assert!(plan.row_groups.is_empty(), "{plan}");
    }

    #[test]
    fn a_transposed_read_of_a_value_written_in_the_run_ends_the_group_before_it() {
        // e = exp(x - max(x, 1)); y = e.T / sum(e, 1): the last kernel reads
        // other rows of e, so it cannot run in e's row blocks.
        let plan = plan_of(|g| {
            let x = arg(g, &[8, 8], DType::F32);
            let e = exp_shifted(g, x);
            let s = reduce_keep(g, ReduceOp::Sum, e, 1);
            let t = node(g, Op::Permute(smallvec![1, 0]), &[e]);
            binary(g, BinaryOp::Div, t, s)
        });
        let last = plan.steps.len() - 1;
        assert!(!plan.row_groups.is_empty(), "{plan}");
        for group in &plan.row_groups {
            assert!(!group.steps.contains(&last), "{plan}");
            // e is read by the last kernel, so it is not per-block scratch.
            let Step::Kernel(k) = &plan.steps[last] else {
                panic!("{plan}")
            };
            assert!(
                k.inputs().iter().all(|b| !group.scratch.contains(b)),
                "{plan}"
            );
        }
    }

    #[test]
    fn a_row_wise_chain_without_shared_data_is_left_alone() {
        // One kernel: nothing to group.
        let plan = plan_of(|g| {
            let x = arg(g, &[8, 8], DType::F32);
            unary(g, UnaryOp::Exp, x)
        });
        assert!(plan.row_groups.is_empty(), "{plan}");
    }
}
