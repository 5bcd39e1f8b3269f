//! Operands a `matmul` step reads in place: a kernel that only copies
//! another buffer through an affine map (a transpose, a broadcast, a slice
//! with positive steps) into a temporary read by nothing but `matmul` steps
//! need not run — the product reads the source through the map's strides
//! instead (gemm packs its operands anyway, so a strided operand costs it
//! nothing). Computed from the plan alone when an executable is assembled,
//! so a plan reloaded from the disk cache folds the same way; the plan
//! itself is unchanged (a native loop driver still runs the copy and its
//! product reads the temporary: the same values either way).

use heron_ir::Op;
use heron_ir::plan::{Affine, BufId, BufferKind, Expr, KernelPlan, Step, StoreValue};
use smallvec::SmallVec;

/// Where a folded operand's elements are: `src[offset + Σ i·strides]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Strided {
    /// The buffer read.
    pub src: BufId,
    /// The first element.
    pub offset: usize,
    /// One stride per axis of the operand.
    pub strides: SmallVec<[usize; 4]>,
}

/// The folds of a plan, by step.
#[derive(Clone, Debug, Default)]
pub(crate) struct Folds {
    /// Kernel steps the executor skips (their result is read in place).
    pub skip: Vec<bool>,
    /// For a `matmul` step, each operand read in place (`None`: its own buffer).
    pub views: Vec<Option<SmallVec<[Option<Strided>; 2]>>>,
}

impl Folds {
    /// The kernels skipped.
    pub fn skips(&self, s: usize) -> bool {
        self.skip.get(s).copied().unwrap_or(false)
    }
}

/// The copy kernel at step `s`, if it is one: the temporary it fills and the
/// operand view that replaces it.
fn copy_kernel(plan: &KernelPlan, s: usize) -> Option<(BufId, Strided)> {
    let Step::Kernel(k) = &plan.steps[s] else {
        return None;
    };
    if k.reduce.is_some() || k.body.len() != 1 || k.stores.len() != 1 {
        return None;
    }
    let Expr::Load { buf: src, map } = &k.body[0].expr else {
        return None;
    };
    let store = &k.stores[0];
    let dst = store.buf;
    let info = &plan.buffers[dst.index()];
    let whole = store.value == StoreValue::Expr(0)
        && info.shape == k.shape
        && store.map == Affine::row_major(&k.shape)
        && matches!(info.kind, BufferKind::Temp(_))
        && *src != dst
        && plan.buffers[src.index()].dtype == info.dtype;
    if !whole || map.offset < 0 || map.coefs.iter().any(|&c| c < 0) {
        return None;
    }
    let strided = Strided {
        src: *src,
        offset: map.offset as usize,
        strides: map.coefs.iter().map(|&c| c as usize).collect(),
    };
    Some((dst, strided))
}

/// True when buffers `a` and `b` may be the same memory: the same buffer,
/// or an output and the parameter it may alias.
fn same_memory(plan: &KernelPlan, a: BufId, b: BufId) -> bool {
    let pair = |o: BufId, p: BufId| {
        plan.aliasable
            .iter()
            .any(|&(j, q)| plan.outputs[j] == o && plan.params[q] == p)
    };
    a == b || pair(a, b) || pair(b, a)
}

/// Finds the copies a plan's `matmul` steps can read through instead.
pub(crate) fn fold(plan: &KernelPlan) -> Folds {
    let n = plan.steps.len();
    let mut folds = Folds {
        skip: vec![false; n],
        views: vec![None; n],
    };
    let grouped = |s: usize| plan.row_groups.iter().any(|g| g.steps.contains(&s));
    for s in 0..n {
        let Some((tmp, strided)) = copy_kernel(plan, s) else {
            continue;
        };
        if grouped(s) || plan.outputs.contains(&tmp) {
            continue;
        }
        // Every later reader of the temporary is a matmul, and nothing
        // writes the source or the temporary up to the last of them.
        let readers: Vec<usize> = (s + 1..n)
            .filter(|&t| plan.steps[t].reads().contains(&tmp))
            .collect();
        let Some(&last) = readers.last() else {
            continue;
        };
        let all_matmul = readers
            .iter()
            .all(|&t| matches!(&plan.steps[t], Step::Host(h) if h.op == Op::MatMul));
        let untouched = (s + 1..last).all(|t| {
            let w = plan.steps[t].writes();
            !w.contains(&tmp) && !w.iter().any(|&b| same_memory(plan, b, strided.src))
        });
        if !all_matmul || !untouched {
            continue;
        }
        folds.skip[s] = true;
        for t in readers {
            let Step::Host(h) = &plan.steps[t] else {
                unreachable!("checked above")
            };
            let views = folds.views[t].get_or_insert_with(|| SmallVec::from_elem(None, 2));
            for (i, &b) in h.inputs.iter().enumerate() {
                if b == tmp {
                    views[i] = Some(strided.clone());
                }
            }
        }
    }
    folds
}
