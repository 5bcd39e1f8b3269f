//! Step regions: a run of consecutive steps that all compute the same `n`
//! result elements element by element (sparse products split by result
//! element, and kernels whose every access to memory the run writes is at
//! the element's own index), run in ONE parallel region: each thread takes
//! a contiguous element range and runs every step of the run on it, in
//! order. A step that fits no range (a kernel of another size, e.g. a
//! slice feeding a later product) runs before the fork when the run's
//! data flow allows it. One fork instead of one per product and per
//! kernel, and products no longer run on one thread.
//!
//! Nothing a step computes depends on the ranges: each result element is
//! still computed by the same code in the same order (a product's element
//! summed over its rows in ascending order, as `heron_ir::sparse::kernels`
//! defines it), so a region gives the bits of the steps run one by one,
//! on any number of threads.

use crate::run::code::KernelFn;
use crate::run::helpers;
use crate::run::parallel::Launch;
use crate::run::parallel::{for_each_range, may_fork};
use crate::run::sparse_step;
use heron_ir::Result;
use heron_ir::plan::{Affine, BufId, BufferKind, Expr, Kernel, KernelPlan, Step};
use smallvec::SmallVec;
use std::ops::Range;

/// A region's work (kernel launch work plus product work) from which it
/// splits between threads; as `parallel::PARALLEL_WORK` for one launch.
const PARALLEL_WORK: usize = crate::run::parallel::PARALLEL_WORK;

/// How one step of a region runs on an element range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Part {
    /// A sparse product over the range of its result's elements.
    Sparse(usize),
    /// A kernel whose launch index `i` covers the elements
    /// `[i·block, (i+1)·block)` (`block` 1 for an element-wise kernel, the
    /// reduced extent for a reduction over trailing axes).
    Kernel {
        /// The step.
        step: usize,
        /// Elements per launch index.
        block: usize,
    },
}

/// A run of steps executed as one parallel region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Region {
    /// The plan steps it replaces.
    pub(crate) steps: Range<usize>,
    /// Kernels run whole on the calling thread before the fork, in order.
    pub(crate) before: Vec<usize>,
    /// The steps run on each element range, in order.
    pub(crate) parts: Vec<Part>,
    /// The elements every part covers.
    pub(crate) n: usize,
    /// Range boundaries are multiples of this (whole vectors, whole blocks).
    pub(crate) align: usize,
    /// The launch work of the parts' kernels.
    pub(crate) kernel_work: usize,
}

/// How a step touches one memory class (a buffer, with the buffers the
/// plan lets share its memory).
#[derive(Clone, Copy, Default)]
struct Use {
    /// Read at the element's own index.
    aligned_read: bool,
    /// Read anywhere.
    any_read: bool,
    /// Written at the element's own index.
    aligned_write: bool,
    /// Written by a block kernel.
    block_write: bool,
}

impl Use {
    fn merge(self, o: Use) -> Option<Use> {
        let u = Use {
            aligned_read: self.aligned_read || o.aligned_read,
            any_read: self.any_read || o.any_read,
            aligned_write: self.aligned_write || o.aligned_write,
            block_write: self.block_write || o.block_write,
        };
        let others = u.aligned_read || u.any_read || u.aligned_write;
        let ok = !(u.any_read && (u.aligned_write || u.block_write))
            && !(u.block_write && (others || self.block_write && o.block_write));
        ok.then_some(u)
    }

    fn writes(self) -> bool {
        self.aligned_write || self.block_write
    }

    fn any(self) -> bool {
        self.aligned_read || self.any_read || self.writes()
    }
}

/// Memory classes: buffer index → class. The buffers the plan lets share
/// memory (an output and each parameter it may alias) are one class.
fn classes(plan: &KernelPlan) -> Vec<usize> {
    let find = |kind: BufferKind| plan.buffers.iter().position(|b| b.kind == kind);
    let mut class: Vec<usize> = (0..plan.buffers.len()).collect();
    fn root(class: &mut [usize], mut b: usize) -> usize {
        while class[b] != b {
            class[b] = class[class[b]];
            b = class[b];
        }
        b
    }
    for &(o, p) in &plan.aliasable {
        if let (Some(ob), Some(pb)) = (
            find(BufferKind::Output(o as u32)),
            find(BufferKind::Param(p as u32)),
        ) {
            let (a, b) = (root(&mut class, ob), root(&mut class, pb));
            class[a] = b;
        }
    }
    (0..class.len()).map(|b| root(&mut class, b)).collect()
}

/// The regions of `plan`, indexed by their first step. `excluded(s)` marks
/// steps that run another way (row groups, folded copies).
pub(crate) fn find(
    plan: &KernelPlan,
    launches: &[Option<Launch>],
    excluded: impl Fn(usize) -> bool,
) -> Vec<Option<Region>> {
    let mut out: Vec<Option<Region>> = plan.steps.iter().map(|_| None).collect();
    let class = classes(plan);
    let mut s = 0;
    while s < plan.steps.len() {
        match product_len(plan, s).filter(|_| !excluded(s)) {
            Some(n) if n > 0 => {
                if let Some(r) = grow(plan, launches, &class, &excluded, s, n) {
                    let end = r.steps.end;
                    out[s] = Some(r);
                    s = end;
                    continue;
                }
            }
            _ => {}
        }
        s += 1;
    }
    out
}

/// The result length of step `s` when it is a sparse product a region can
/// split by result element.
fn product_len(plan: &KernelPlan, s: usize) -> Option<usize> {
    let Step::Host(h) = &plan.steps[s] else {
        return None;
    };
    sparse_step::splittable(&h.op).then(|| plan.buffers[h.output.index()].shape.size())
}

/// The region starting at product step `start` with `n` elements, if it
/// holds at least two parallel steps.
fn grow(
    plan: &KernelPlan,
    launches: &[Option<Launch>],
    class: &[usize],
    excluded: &impl Fn(usize) -> bool,
    start: usize,
    n: usize,
) -> Option<Region> {
    let mut uses = vec![Use::default(); plan.buffers.len()];
    let mut r = Region {
        steps: start..start,
        before: Vec::new(),
        parts: Vec::new(),
        n,
        align: 64,
        kernel_work: 0,
    };
    let mut before_at = Vec::new();
    for (s, launch) in launches.iter().enumerate().skip(start) {
        if excluded(s) {
            break;
        }
        let launch = launch.as_ref().filter(|l| l.n > 0);
        if let Some((part, access)) = parallel_part(plan, launch, s, n)
            && let Some(merged) = merge_all(&uses, class, &access)
        {
            for (c, u) in merged {
                uses[c] = u;
            }
            if let (Part::Kernel { block, .. }, Some(l)) = (part, launch) {
                r.align = lcm(r.align, block);
                r.kernel_work += l.n * l.per_index;
            }
            r.parts.push(part);
            r.steps.end = s + 1;
            continue;
        }
        // A kernel of another shape: before the fork, when it neither reads
        // what the parallel steps so far write nor touches what they use.
        let Step::Kernel(k) = &plan.steps[s] else {
            break;
        };
        if launch.is_none() {
            break;
        }
        let reads_written = k.inputs().iter().any(|b| uses[class[b.index()]].writes());
        let writes_used = k.outputs().iter().any(|b| uses[class[b.index()]].any());
        if reads_written || writes_used {
            break;
        }
        before_at.push(s);
    }
    r.before = before_at.into_iter().filter(|&s| s < r.steps.end).collect();
    (r.parts.len() >= 2).then_some(r)
}

/// The new uses of each class when `access` joins `uses`, or `None` on a
/// conflict.
fn merge_all(uses: &[Use], class: &[usize], access: &[(BufId, Use)]) -> Option<Vec<(usize, Use)>> {
    let mut merged: Vec<(usize, Use)> = Vec::new();
    for &(b, u) in access {
        let c = class[b.index()];
        let cur = match merged.iter().position(|&(x, _)| x == c) {
            Some(i) => merged.swap_remove(i).1,
            None => uses[c],
        };
        merged.push((c, cur.merge(u)?));
    }
    Some(merged)
}

/// Step `s` as a part of a region over `n` elements, with its accesses.
fn parallel_part(
    plan: &KernelPlan,
    launch: Option<&Launch>,
    s: usize,
    n: usize,
) -> Option<(Part, Vec<(BufId, Use)>)> {
    let read = Use {
        any_read: true,
        ..Use::default()
    };
    let aligned_read = Use {
        aligned_read: true,
        ..Use::default()
    };
    let aligned_write = Use {
        aligned_write: true,
        ..Use::default()
    };
    match &plan.steps[s] {
        Step::Host(h) if product_len(plan, s) == Some(n) => Some((
            Part::Sparse(s),
            vec![(h.inputs[0], read), (h.output, aligned_write)],
        )),
        Step::Kernel(k) if launch.is_some() && k.shape.size() == n => {
            let block = block_of(k)?;
            let full = Affine::row_major(&k.shape);
            let mut access = Vec::new();
            // Every way a body reads memory is listed here (no catch-all):
            // a new kind of read must say how it reads before it can be
            // part of a region.
            for i in &k.body {
                match &i.expr {
                    Expr::Load { buf, map } => {
                        access.push((*buf, if *map == full { aligned_read } else { read }))
                    }
                    Expr::ThreefryBits { key, .. } => access.push((*key, read)),
                    // The table is read at run-time positions; the index
                    // element at its own map.
                    Expr::Gather(g) => {
                        access.push((g.buf, read));
                        access.push((g.index, if g.at == full { aligned_read } else { read }));
                    }
                    Expr::Imm(_)
                    | Expr::Unary(..)
                    | Expr::Binary(..)
                    | Expr::Select(..)
                    | Expr::Cast(..) => {}
                }
            }
            for st in &k.stores {
                let ok = match block {
                    1 => st.map == full,
                    _ => st.map == block_store_map(k),
                };
                if !ok {
                    return None;
                }
                let u = if block == 1 {
                    aligned_write
                } else {
                    Use {
                        block_write: true,
                        ..Use::default()
                    }
                };
                access.push((st.buf, u));
            }
            Some((Part::Kernel { step: s, block }, access))
        }
        _ => None,
    }
}

/// Elements per launch index of `k`: 1 without a reduction, the reduced
/// extent for a reduction over trailing axes; `None` for other reductions.
fn block_of(k: &Kernel) -> Option<usize> {
    let Some(red) = &k.reduce else {
        return Some(1);
    };
    let rank = k.shape.rank();
    let first = rank.checked_sub(red.axes.len())?;
    if first == 0 || !(first..rank).all(|a| red.axes.contains(&a)) {
        return None;
    }
    Some((first..rank).map(|a| k.shape[a]).product::<usize>().max(1))
}

/// The store map of a reduction over trailing axes that writes launch index
/// `i` at `i`: the launch shape's row-major strides, 0 on the reduced axes.
fn block_store_map(k: &Kernel) -> Affine {
    let launch = k.launch_shape();
    let strides = launch.strides();
    let mut coefs: SmallVec<[i64; 4]> = strides.iter().map(|&s| s as i64).collect();
    coefs.resize(k.shape.rank(), 0);
    Affine { offset: 0, coefs }
}

fn lcm(a: usize, b: usize) -> usize {
    let gcd = |mut a: usize, mut b: usize| {
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a
    };
    a / gcd(a, b) * b
}

thread_local! {
    /// Whether step regions run as regions on this thread (`with_step_regions`).
    static STEP_REGIONS: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
}

/// Runs `f` with step regions on (the default) or off (`false`: a region's
/// steps run one by one in plan order, each launch as it would alone) for
/// the code run on this thread. Compiled code holds both ways; this only
/// chooses at each run, so the two can be compared on one compiled plan.
pub fn with_step_regions<T>(on: bool, f: impl FnOnce() -> T) -> T {
    let before = STEP_REGIONS.with(|c| c.replace(on));
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            STEP_REGIONS.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(before);
    f()
}

thread_local! {
    /// The spiking rows of each event product of the region in progress:
    /// kept between calls, so a step allocates nothing once it has seen its
    /// largest spike counts.
    static ACTIVE: std::cell::RefCell<Vec<Vec<u32>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// What the threads of one region share: the plan's buffer pointers, the
/// kernels' argument tables and the products' spiking rows.
struct Shared<'a> {
    ptrs: &'a [*mut u8],
    args: &'a [SmallVec<[*const u8; 16]>],
    active: &'a [Vec<u32>],
}

// SAFETY: the threads of a region only read the pointer tables, and through
// them write disjoint element ranges of the buffers the parts write, which
// no part reads at another element (`find` checked every access).
unsafe impl Sync for Shared<'_> {}

impl Region {
    /// Runs the region's steps of `plan` over the plan buffers `ptrs`, with
    /// the kernels' `launches` and entry points (`kernel_fn(step)`).
    ///
    /// # Safety
    /// `ptrs` holds a valid buffer of the plan's type for every buffer the
    /// region's steps use, with aliasing only as the plan allows;
    /// `kernel_fn` gives the compiled kernel of each kernel step.
    pub(crate) unsafe fn run(
        &self,
        plan: &KernelPlan,
        launches: &[Option<Launch>],
        kernel_fn: &(dyn Fn(usize) -> KernelFn + Sync),
        ptrs: &[*mut u8],
    ) -> Result<()> {
        let table = helpers::table().as_ptr() as *const u8;
        let args_of = |s: usize| -> SmallVec<[*const u8; 16]> {
            let l = launches[s].as_ref().expect("kernel steps have a launch");
            let mut a: SmallVec<[*const u8; 16]> = l
                .args
                .iter()
                .map(|b| ptrs[b.index()] as *const u8)
                .collect();
            a.push(table);
            a
        };
        let whole = |s: usize| {
            let l = launches[s].as_ref().expect("kernel steps have a launch");
            let args = args_of(s);
            // SAFETY: the table holds every buffer of the kernel (valid as
            // the caller guarantees) and the helper table; the range is the
            // whole launch.
            unsafe { crate::run::parallel::launch(kernel_fn(s), &args, l.n, l.per_index, l.grain) };
        };
        if !STEP_REGIONS.with(|c| c.get()) {
            for s in self.steps.clone() {
                match &plan.steps[s] {
                    Step::Kernel(_) => whole(s),
                    // SAFETY: the operand and result are distinct valid
                    // buffers of their types (`find` gave them distinct
                    // memory classes).
                    Step::Host(h) => unsafe {
                        sparse_step::run(&h.op, ptrs[h.inputs[0].index()], ptrs[h.output.index()])
                    },
                    _ => unreachable!("regions hold kernels and sparse products"),
                }
            }
            return Ok(());
        }
        for &s in &self.before {
            whole(s);
        }
        let args: SmallVec<[SmallVec<[*const u8; 16]>; 8]> = self
            .parts
            .iter()
            .map(|p| match *p {
                Part::Kernel { step, .. } => args_of(step),
                Part::Sparse(_) => SmallVec::new(),
            })
            .collect();
        let mut taken = ACTIVE.with(|a| {
            a.try_borrow_mut()
                .map(|mut v| std::mem::take(&mut *v))
                .unwrap_or_default()
        });
        taken.resize_with(self.parts.len(), Vec::new);
        let mut work = self.kernel_work;
        for (p, active) in self.parts.iter().zip(taken.iter_mut()) {
            if let Part::Sparse(s) = *p {
                let Step::Host(h) = &plan.steps[s] else {
                    unreachable!("sparse parts are host steps")
                };
                // SAFETY: the operand is a valid buffer of its type.
                work += unsafe { sparse_step::prepare(&h.op, ptrs[h.inputs[0].index()], active) };
            }
        }
        let parts = if work >= PARALLEL_WORK && may_fork() {
            rayon::current_num_threads().min(self.n / self.align).max(1)
        } else {
            1
        };
        let per = if parts == 1 {
            self.n
        } else {
            self.n.div_ceil(parts).next_multiple_of(self.align)
        };
        let shared = Shared {
            ptrs,
            args: &args,
            active: &taken,
        };
        let body = |lo: usize| {
            let sh = &shared;
            let hi = (lo + per).min(self.n);
            for (j, p) in self.parts.iter().enumerate() {
                match *p {
                    Part::Sparse(s) => {
                        let Step::Host(h) = &plan.steps[s] else {
                            unreachable!("sparse parts are host steps")
                        };
                        // SAFETY: operand and result are distinct valid
                        // buffers (`find` gave them distinct classes); this
                        // range of the result is written by this thread only.
                        unsafe {
                            sparse_step::run_range(
                                &h.op,
                                sh.ptrs[h.inputs[0].index()],
                                sh.ptrs[h.output.index()],
                                &sh.active[j],
                                lo..hi,
                            )
                        }
                    }
                    Part::Kernel { step, block } => {
                        // SAFETY: a complete argument table; the launch
                        // range `[lo/block, hi/block)` touches elements
                        // `[lo, hi)` of the buffers other threads use
                        // (`find`), `lo` and `hi` being multiples of `block`
                        // (or `hi = n`, a multiple of it).
                        unsafe {
                            (kernel_fn(step))(
                                sh.args[j].as_ptr(),
                                (lo / block) as u64,
                                (hi / block) as u64,
                            )
                        }
                    }
                }
            }
        };
        for_each_range(parts, per, self.n, body);
        ACTIVE.with(|a| {
            if let Ok(mut v) = a.try_borrow_mut() {
                *v = taken;
            }
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests;
