//! The sparse product ops (`csr_matvec`, `csr_vecmat`, `csr_event_vecmat`)
//! as native steps: the typed routines of `heron_ir::sparse::kernels`
//! called on the plan's buffers directly, with no interpreter, no
//! allocation and no copy. A product with enough work is split between
//! rayon's threads by output rows (`matvec`) or output columns (the
//! others, for matrices with sorted rows); each output element is still
//! summed in the one order the kernels define, so the result has the same
//! bits on any number of threads, and the same as `eval`.
//!
//! Inside a step region (`region`) a product runs on each thread's range
//! of result elements instead: `prepare` before the fork (the spiking rows
//! of an event product), `run_range` on each range.

use heron_ir::Op;
use heron_ir::sparse::{CsrMatrix, kernels};

/// Products with less work than this (stored entries visited, plus a
/// quarter per result element for an event product) run on the calling
/// thread: waking threads costs about 5–20 µs. The COBA network at scale 10
/// (about 6,400 synaptic events into 40,000 neurons per step, work ≈
/// 15,000) measured faster unsplit; at scale 100 (ten times the work) a
/// product splits.
const PARALLEL_WORK: usize = 1 << 15;

/// True for the ops `run` computes.
pub(crate) fn is_sparse(op: &Op) -> bool {
    matches!(
        op,
        Op::CsrMatVec(_) | Op::CsrVecMat(_) | Op::CsrEventVecMat(_)
    )
}

/// A raw output pointer shared by the threads of one product, each writing
/// its own disjoint range.
#[derive(Clone, Copy)]
struct Out(*mut f32);

// SAFETY: the threads of one product write disjoint element ranges of the
// output (`split`), which nothing else reads or writes while they run.
unsafe impl Send for Out {}
// SAFETY: as for `Send`.
unsafe impl Sync for Out {}

/// Runs sparse op `op` on operand `x` into `y`.
///
/// # Safety
/// `x` points to a live, initialised operand of the type `infer` accepted
/// for `op` (`f32[n_cols]`, `f32[n_rows]` or a bool buffer of `n_rows` 0/1
/// bytes); `y` to a writable `f32` buffer of the result's length that does
/// not overlap `x` and that nothing else accesses during the call.
pub(crate) unsafe fn run(op: &Op, x: *const u8, y: *mut u8) {
    let out = Out(y as *mut f32);
    match op {
        Op::CsrMatVec(m) => {
            // SAFETY: guaranteed by the caller.
            let x = unsafe { std::slice::from_raw_parts(x as *const f32, m.n_cols()) };
            split(m.n_rows(), m.nnz(), true, out, |r, y| {
                kernels::matvec_rows(m, x, r, y)
            });
        }
        Op::CsrVecMat(m) => {
            // SAFETY: guaranteed by the caller.
            let x = unsafe { std::slice::from_raw_parts(x as *const f32, m.n_rows()) };
            split(m.n_cols(), m.nnz(), m.rows_sorted(), out, |c, y| {
                kernels::vecmat_cols(m, x, c, y)
            });
        }
        Op::CsrEventVecMat(m) => {
            // SAFETY: guaranteed by the caller; a bool buffer holds only 0
            // and 1, valid `bool`s.
            let s = unsafe { std::slice::from_raw_parts(x as *const bool, m.n_rows()) };
            ACTIVE.with_borrow_mut(|active| {
                kernels::active_rows(s, active);
                let work = event_work(m, active);
                split(m.n_cols(), work, m.rows_sorted(), out, |c, y| {
                    kernels::event_vecmat_active(m, active, c, y)
                });
            });
        }
        _ => unreachable!("not a sparse op: {op}"),
    }
}

thread_local! {
    /// The rows of the current event product's spikes: kept between calls,
    /// so a step allocates nothing once it has seen its largest spike count.
    static ACTIVE: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The work of an event product: the stored entries of the spiking rows,
/// each a scattered addition, plus the zeroing and writing of the result
/// (about a quarter of an addition per element).
fn event_work(m: &CsrMatrix, active: &[u32]) -> usize {
    kernels::active_entries(m, active) + m.n_cols() / 4
}

/// Computes the `n` output elements with `f(range, out[range])`: in one
/// call, or in one contiguous range per rayon thread when `work` pays for
/// it and `splittable` allows it. The ranges are shared through
/// `share_pieces`: the calling thread starts at once and takes the ranges
/// no helper has started, so it never sleeps waiting for a worker to wake.
fn split(
    n: usize,
    work: usize,
    splittable: bool,
    out: Out,
    f: impl Fn(std::ops::Range<usize>, &mut [f32]) + Sync,
) {
    let threads = rayon::current_num_threads();
    let parts = if splittable && work >= PARALLEL_WORK && crate::run::parallel::may_fork() {
        threads.min(n / 64).max(1)
    } else {
        1
    };
    let run = |p: usize| {
        let (lo, hi) = (n * p / parts, n * (p + 1) / parts);
        let o = out;
        // SAFETY: `out` holds `n` elements (the caller's guarantee) and the
        // ranges `[n·p/parts, n·(p+1)/parts)` of distinct parts are disjoint.
        let y = unsafe { std::slice::from_raw_parts_mut(o.0.add(lo), hi - lo) };
        f(lo..hi, y);
    };
    heron_ir::share::share_pieces(parts, true, &run);
}

/// True for the products a step region may split by result element:
/// `matvec` (rows) and, for matrices with sorted rows, `vecmat` and
/// `event_vecmat` (columns).
pub(crate) fn splittable(op: &Op) -> bool {
    match op {
        Op::CsrMatVec(_) => true,
        Op::CsrVecMat(m) | Op::CsrEventVecMat(m) => m.rows_sorted(),
        _ => false,
    }
}

/// Prepares a split run of product `op` on operand `x`: the rows where an
/// event product's operand holds into `active`. Returns the product's work.
///
/// # Safety
/// As for `run`'s operand.
pub(crate) unsafe fn prepare(op: &Op, x: *const u8, active: &mut Vec<u32>) -> usize {
    match op {
        Op::CsrEventVecMat(m) => {
            // SAFETY: guaranteed by the caller; a bool buffer holds only 0
            // and 1, valid `bool`s.
            let s = unsafe { std::slice::from_raw_parts(x as *const bool, m.n_rows()) };
            kernels::active_rows(s, active);
            event_work(m, active)
        }
        Op::CsrMatVec(m) | Op::CsrVecMat(m) => m.nnz(),
        _ => unreachable!("not a sparse op: {op}"),
    }
}

/// Computes the result elements `range` of product `op` on operand `x`
/// into `y` (the whole result buffer; only `range` is written), `active`
/// from `prepare`. Each element gets the bits `run` gives it.
///
/// # Safety
/// As for `run`; besides, nothing else accesses `y[range]` during the call
/// and `range` lies within the result.
pub(crate) unsafe fn run_range(
    op: &Op,
    x: *const u8,
    y: *mut u8,
    active: &[u32],
    range: std::ops::Range<usize>,
) {
    let len = range.len();
    // SAFETY: `range` lies within the result (the caller's guarantee) and
    // no one else accesses it.
    let out = unsafe { std::slice::from_raw_parts_mut((y as *mut f32).add(range.start), len) };
    match op {
        Op::CsrMatVec(m) => {
            // SAFETY: guaranteed by the caller.
            let x = unsafe { std::slice::from_raw_parts(x as *const f32, m.n_cols()) };
            kernels::matvec_rows(m, x, range, out);
        }
        Op::CsrVecMat(m) => {
            // SAFETY: guaranteed by the caller.
            let x = unsafe { std::slice::from_raw_parts(x as *const f32, m.n_rows()) };
            kernels::vecmat_cols(m, x, range, out);
        }
        Op::CsrEventVecMat(m) => kernels::event_vecmat_active(m, active, range, out),
        _ => unreachable!("not a sparse op: {op}"),
    }
}
