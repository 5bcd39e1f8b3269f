//! The values of a register tile: the state list (carried element-wise
//! values, then reduction partials) and where each load of the loop body
//! finds its value, shared by the tile's choice (`choice.rs`), fast math
//! (`fast.rs`) and the emission (`mod.rs`).

use heron_ir::DType;
use heron_ir::passes::temporal::Temporal;
use heron_ir::plan::{Affine, BufId, BufferKind, KernelPlan};

/// Where a body load finds its value in the register form.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Source {
    /// A state value (index into the state list), as the step starts.
    State(usize),
    /// Per-step record `j`.
    PerStep(usize),
    /// The loop index.
    Index,
    /// Loop-invariant memory: parameter `n` or a constant.
    Invariant(BufId),
}

/// A state value of the tile: what the body reads it as and writes it to.
pub(super) struct State {
    pub read: BufId,
    pub write: BufId,
    pub dtype: DType,
}

/// The state list of `t`: element-wise carried values, then partials.
pub(super) fn states(t: &Temporal, plan: &KernelPlan, nc: usize) -> Vec<State> {
    let nb = plan.buffers.len();
    let mut out: Vec<State> = (0..nc)
        .filter(|&k| element_wise(t, k))
        .map(|k| State {
            read: plan.params[k + 1],
            write: plan.outputs[k],
            dtype: plan.buffers[plan.outputs[k].index()].dtype,
        })
        .collect();
    for (j, a) in t.accumulators.iter().enumerate() {
        let b = BufId((nb + j) as u32);
        out.push(State {
            read: b,
            write: b,
            dtype: a.partial.dtype,
        });
    }
    out
}

pub(super) fn element_wise(t: &Temporal, k: usize) -> bool {
    !t.uniform_carry.contains(&k) && !t.accumulators.iter().any(|a| a.carry == k)
}

/// Where a load of `buf` that no earlier kernel of the step wrote reads.
pub(super) fn source(
    t: &Temporal,
    plan: &KernelPlan,
    st: &[State],
    nc: usize,
    buf: BufId,
) -> Option<Source> {
    if let Some(i) = st.iter().position(|s| s.read == buf) {
        return Some(Source::State(i));
    }
    if let Some(j) = t.per_step.iter().position(|&b| b == buf) {
        return Some(Source::PerStep(j));
    }
    match plan.buffers.get(buf.index())?.kind {
        BufferKind::Param(0) => Some(Source::Index),
        BufferKind::Param(n) if n as usize > nc => Some(Source::Invariant(buf)),
        BufferKind::Const(_) => Some(Source::Invariant(buf)),
        _ => None,
    }
}

/// Whether `map` reads one element for the whole element space.
pub(super) fn broadcast(map: &Affine) -> bool {
    map.coefs.iter().all(|&c| c == 0)
}
