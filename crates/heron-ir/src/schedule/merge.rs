//! Step 4 of scheduling: element-wise kernels of one iteration space merge
//! into multi-store kernels when the later one reads the earlier one's
//! results only at the element it computes (or they load a common buffer);
//! a temporary no other step reads is then not stored at all. A kernel moves
//! up to its merge target's position, so no step between the two may write
//! what it reads.

use super::GroupKey;
use super::buffers::PlanBuilder;
use crate::plan::{BufId, BufferKind, Expr, Instr, Kernel, Step, Store, StoreValue};
use crate::{Graph, NodeId, Op};

/// Merges element-wise kernels of one iteration space into multi-store
/// kernels (see the module documentation), then drops the stores of
/// temporaries that no step reads any more.
pub(super) fn merge_kernels(
    graph: &Graph,
    plan: &PlanBuilder<'_>,
    steps: Vec<(GroupKey, Step)>,
) -> Vec<Step> {
    let mergeable = |k: &Kernel, key: GroupKey| {
        k.reduce.is_none() && !matches!(graph.nodes[key.0].op, Op::SetSlice(_))
    };
    let mut out: Vec<(GroupKey, Step)> = Vec::with_capacity(steps.len());
    for (key, step) in steps {
        if let Step::Kernel(s) = &step
            && mergeable(s, key)
            && let Some(gi) = merge_target(&out, s, &mergeable)
        {
            let Step::Kernel(g) = &out[gi].1 else {
                unreachable!("merge targets are kernels")
            };
            let merged = merge_two(g, s);
            out[gi].1 = Step::Kernel(merged);
            continue;
        }
        out.push((key, step));
    }
    let mut steps: Vec<Step> = out.into_iter().map(|(_, s)| s).collect();
    // A temporary read by no step (every reader merged with its writer) is
    // not stored.
    let mut read = vec![false; plan.buffers.len()];
    for s in &steps {
        for b in s.reads() {
            read[b.index()] = true;
        }
    }
    for s in &mut steps {
        if let Step::Kernel(k) = s
            && k.reduce.is_none()
            && k.stores.len() > 1
        {
            k.stores.retain(|st| {
                read[st.buf.index()]
                    || !matches!(plan.buffers[st.buf.index()].kind, BufferKind::Temp(_))
            });
        }
    }
    steps
}

/// The index in `out` of the kernel that `s` merges into: the latest
/// element-wise kernel of the same iteration space that `s` is related to
/// (it reads a result of it, or they load a common buffer) and can run in
/// the same loop with (`can_merge`). The steps between them must not write
/// what `s` reads, since `s` moves up to the target's position.
fn merge_target(
    out: &[(GroupKey, Step)],
    s: &Kernel,
    mergeable: &dyn Fn(&Kernel, GroupKey) -> bool,
) -> Option<usize> {
    let s_reads = s.inputs();
    let s_writes = s.outputs();
    for gi in (0..out.len()).rev() {
        let (key, step) = &out[gi];
        if let Step::Kernel(g) = step
            && mergeable(g, *key)
            && g.shape == s.shape
            && can_merge(g, s)
        {
            return Some(gi);
        }
        let writes = step.writes();
        let reads = step.reads();
        if writes
            .iter()
            .any(|b| s_reads.contains(b) || s_writes.contains(b))
            || reads.iter().any(|b| s_writes.contains(b))
        {
            return None;
        }
    }
    None
}

/// True when element-wise kernel `s` (later) can join kernel `g` (earlier)
/// in one loop: they are related, every load in `s` of a buffer `g` stores
/// is at the very index `g` stores it (so it becomes the stored value), `s`
/// draws no random bits under a key `g` writes, and `g` reads nothing `s`
/// writes.
fn can_merge(g: &Kernel, s: &Kernel) -> bool {
    let g_loads: Vec<BufId> = g.inputs();
    let s_writes = s.outputs();
    if g_loads.iter().any(|b| s_writes.contains(b))
        || g.stores.iter().any(|st| s_writes.contains(&st.buf))
    {
        return false;
    }
    let mut related = false;
    for i in &s.body {
        match &i.expr {
            Expr::Load { buf, map } => {
                let stored: Vec<&Store> = g.stores.iter().filter(|st| st.buf == *buf).collect();
                match stored[..] {
                    [] => related |= g_loads.contains(buf),
                    [st] if st.map == *map && matches!(st.value, StoreValue::Expr(_)) => {
                        related = true
                    }
                    _ => return false,
                }
            }
            Expr::ThreefryBits { key, .. } if g.stores.iter().any(|st| st.buf == *key) => {
                return false;
            }
            // A gather reads its table and indices at other elements.
            Expr::Gather(x)
                if g.stores
                    .iter()
                    .any(|st| st.buf == x.buf || st.buf == x.index) =>
            {
                return false;
            }
            _ => {}
        }
    }
    related
}

/// True when `a` and `b` compute the same values: equal, with immediates
/// compared by their bits (`-0.0` is not `0.0`, whatever `==` says).
fn same_instr(a: &Instr, b: &Instr) -> bool {
    match (&a.expr, &b.expr) {
        (Expr::Imm(x), Expr::Imm(y)) => a.dtype == b.dtype && x.same_bits(*y),
        _ => a == b,
    }
}

/// `a` followed by `b` in one loop: `b`'s loads of `a`'s results use the
/// stored values directly, and instructions both compute are shared.
fn merge_two(a: &Kernel, b: &Kernel) -> Kernel {
    let mut body = a.body.clone();
    let mut remap = Vec::with_capacity(b.body.len());
    for instr in &b.body {
        let m = |i: usize| remap[i];
        let expr = match &instr.expr {
            Expr::Load { buf, map } => {
                let stored = a.stores.iter().find(|st| st.buf == *buf && st.map == *map);
                if let Some(Store {
                    value: StoreValue::Expr(v),
                    ..
                }) = stored
                {
                    remap.push(*v);
                    continue;
                }
                Expr::Load {
                    buf: *buf,
                    map: map.clone(),
                }
            }
            Expr::Imm(s) => Expr::Imm(*s),
            Expr::Unary(op, x) => Expr::Unary(*op, m(*x)),
            Expr::Binary(op, x, y) => Expr::Binary(*op, m(*x), m(*y)),
            Expr::Select(c, x, y) => Expr::Select(m(*c), m(*x), m(*y)),
            Expr::Cast(d, x) => Expr::Cast(*d, m(*x)),
            Expr::ThreefryBits { key, index } => Expr::ThreefryBits {
                key: *key,
                index: index.clone(),
            },
            Expr::Gather(x) => Expr::Gather(x.clone()),
        };
        let instr = Instr {
            expr,
            dtype: instr.dtype,
        };
        match body.iter().position(|i| same_instr(i, &instr)) {
            Some(p) => remap.push(p),
            None => {
                body.push(instr);
                remap.push(body.len() - 1);
            }
        }
    }
    let mut stores = a.stores.clone();
    for s in &b.stores {
        let value = match s.value {
            StoreValue::Expr(i) => StoreValue::Expr(remap[i]),
            StoreValue::Reduced => StoreValue::Reduced,
        };
        stores.push(Store {
            buf: s.buf,
            value,
            map: s.map.clone(),
        });
    }
    let mut nodes: Vec<NodeId> = a.nodes.iter().chain(&b.nodes).copied().collect();
    nodes.sort();
    Kernel {
        name: String::new(),
        nodes,
        shape: b.shape.clone(),
        reduce: None,
        body,
        stores,
    }
}
