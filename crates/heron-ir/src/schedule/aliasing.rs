//! Step 6 of scheduling: the (output, param) pairs whose buffers may be the
//! same memory. The first step writing the output may read the param only
//! at the linear index it writes, with the same type, and no later step may
//! read the param; a control step may write a carried result over the
//! operand that is its initial value.

use crate::plan::{BufId, ControlStep, Expr, KernelPlan, Step};
use crate::{Graph, Op};

/// The (output, param) pairs that may share memory (see the module documentation).
pub(super) fn aliasable(graph: &Graph, plan: &KernelPlan) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    for (j, &ob) in plan.outputs.iter().enumerate() {
        let out_node = graph.outputs[j].0;
        let oinfo = &plan.buffers[ob.index()];
        for (p, &pb) in plan.params.iter().enumerate() {
            let pinfo = &plan.buffers[pb.index()];
            if pinfo.shape != oinfo.shape || pinfo.dtype != oinfo.dtype {
                continue;
            }
            if out_node == graph.params[p].0 {
                // The output is the parameter unchanged: copying it onto itself is harmless.
                pairs.push((j, p));
                continue;
            }
            let Some(first) = plan.steps.iter().position(|s| s.writes().contains(&ob)) else {
                continue;
            };
            // Only the first step writing the output may read the param
            // (element by element, before it overwrites it); a later step
            // would read elements already overwritten (a region written by
            // `set_slice` after the copy of its operand).
            let ok = plan.steps[first..].iter().enumerate().all(|(i, s)| {
                if !s.reads().contains(&pb) {
                    return true;
                }
                if i > 0 {
                    return false;
                }
                match s {
                    Step::Kernel(k) if k.reduce.is_none() => {
                        let Some(store) = k.stores.iter().find(|st| st.buf == ob) else {
                            return false;
                        };
                        k.body.iter().all(|i| match &i.expr {
                            Expr::Load { buf, map } => *buf != pb || *map == store.map,
                            Expr::ThreefryBits { key, .. } => *key != pb,
                            // A gather reads its table and indices anywhere.
                            Expr::Gather(g) => g.buf != pb && g.index != pb,
                            _ => true,
                        })
                    }
                    // A sparse product writes its result while it reads
                    // its operand.
                    Step::Host(h) => {
                        h.output == ob && !matches!(h.op, Op::CsrMatVec(_) | Op::CsrVecMat(_))
                    }
                    Step::Control(c) => control_aliasable(c, pb, ob),
                    _ => false,
                }
            });
            if ok {
                pairs.push((j, p));
            }
        }
    }
    pairs
}

/// True when a control step may write result buffer `ob` over operand
/// buffer `pb`: `pb` is read once, as the initial value of the carried state
/// that `ob` receives (the loop driver consumes it before writing).
fn control_aliasable(c: &ControlStep, pb: BufId, ob: BufId) -> bool {
    let n_carry = match &c.op {
        Op::Loop { n_carry, .. } | Op::While { n_carry, .. } => *n_carry as usize,
        _ => 0,
    };
    let reads: Vec<usize> = (0..c.inputs.len()).filter(|&i| c.inputs[i] == pb).collect();
    matches!(reads[..], [k] if k < n_carry && c.outputs.get(k) == Some(&ob))
}
