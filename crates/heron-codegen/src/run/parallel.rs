//! When compiled code may spread its work over rayon's pool, and how a
//! kernel's launch is cut into chunks: the work thresholds, the cost of a
//! launch index, and the launch itself.

use crate::run::code::KernelFn;
use heron_ir::plan::{BufId, Expr};
use heron_ir::share::share_pieces;
use smallvec::SmallVec;

/// True when a launch may split its work into parallel tasks: the pool has
/// two threads or more and the caller is not one of rayon's worker threads.
///
/// A worker that forks waits for its tasks by running other jobs of its
/// pool, possibly unrelated outer work (another call of a jitted function)
/// that needs a lock the waiting caller holds: a deadlock. So from a worker
/// thread the code runs on that thread alone; the outer parallel loop that
/// put it there already keeps the pool busy. Results do not depend on this
/// choice: chunk boundaries never change what a kernel computes.
pub fn may_fork() -> bool {
    rayon::current_thread_index().is_none() && rayon::current_num_threads() >= 2
}

/// Launches of at least this much work (launch indices × work per index)
/// are split across rayon's pool; smaller ones run on the calling thread,
/// so small arrays never pay for waking threads (about 10–20 µs).
pub(crate) const PARALLEL_WORK: usize = 1 << 18;

/// A parallel launch's chunks cover this much work each (rounded to whole
/// vectors): boundaries depend only on the launch's size, never on the
/// number of threads, so results are the same on any machine.
pub(crate) const CHUNK_WORK: usize = 1 << 16;

/// The relative cost of one launch index of `k`: the elements it visits
/// (the reduced extent for a reduction) times a rough cost per element,
/// one unit for a handful of plain operations plus what its divisions and
/// transcendental functions add (`expr_cost`).
pub(crate) fn work_per_index(k: &heron_ir::plan::Kernel) -> usize {
    let eighths: usize = k.body.iter().map(|i| expr_cost(&i.expr)).sum();
    let per_element = 1 + eighths / 8;
    let inner = k.shape.size() / k.launch_size().max(1);
    inner.max(1) * per_element
}

/// The cost of one instruction of a kernel body per element, in eighths of
/// the cost of a plain element (a load, an add and a store), as measured
/// on 4-lane vectors: a division or root costs about two plain elements,
/// `exp` about seven, `tanh` and the logistic about fifteen, `log` about
/// twenty-five, `sin` fifty and `pow` well over a hundred; `tanh` and the
/// logistic share `log`'s tier. Only the tiers matter: they decide
/// when a kernel over a few tens of thousands of elements is worth the
/// second core (a `tanh` layer of an MLP is; an `add` of that size is not).
fn expr_cost(e: &Expr) -> usize {
    use heron_ir::{BinaryOp as B, UnaryOp as U};
    const PLAIN: usize = 1;
    const DIVISION: usize = 16;
    const EXP: usize = 56;
    const LOG: usize = 160;
    const TRIG: usize = 400;
    const POW: usize = 1024;
    match e {
        Expr::Load { .. } | Expr::Imm(_) | Expr::Select(..) | Expr::Cast(..) => PLAIN,
        Expr::Gather(_) => 2 * PLAIN,
        Expr::ThreefryBits { .. } => DIVISION,
        Expr::Unary(op, _) => match op {
            U::Neg
            | U::Abs
            | U::Sign
            | U::Floor
            | U::Ceil
            | U::Round
            | U::Trunc
            | U::Square
            | U::IsNan
            | U::IsInf
            | U::IsFinite
            | U::Not => PLAIN,
            U::Sqrt | U::Rsqrt | U::Reciprocal => DIVISION,
            U::Exp | U::Exp2 | U::Expm1 | U::Sinh | U::Cosh => EXP,
            U::Log
            | U::Log2
            | U::Log10
            | U::Log1p
            | U::Tanh
            | U::Sigmoid
            | U::Arctan
            | U::Arcsin
            | U::Arccos
            | U::Arcsinh
            | U::Arccosh
            | U::Arctanh
            | U::Erf => LOG,
            U::Sin | U::Cos | U::Tan => TRIG,
        },
        Expr::Binary(op, ..) => match op {
            B::Add
            | B::Sub
            | B::Mul
            | B::Max
            | B::Min
            | B::And
            | B::Or
            | B::Xor
            | B::Eq
            | B::Ne
            | B::Lt
            | B::Le
            | B::Gt
            | B::Ge => PLAIN,
            B::Div | B::Rem => DIVISION,
            B::Hypot | B::Logaddexp => LOG,
            B::Atan2 => TRIG,
            B::Pow => POW,
        },
    }
}

/// The kernel's argument table, shared by the threads of a parallel launch.
struct Args<'a>(&'a [*const u8]);

// SAFETY: the pointers are only dereferenced by the kernel, and the chunks
// of one launch write disjoint elements (each index of the launch range is
// computed by exactly one chunk; reductions are over whole output elements),
// while their reads only touch buffers no chunk writes at another index
// (the plan's stores and aliasing rules).
unsafe impl Sync for Args<'_> {}

impl Args<'_> {
    /// The table's address, as kernels take it.
    fn as_ptr(&self) -> *const *const u8 {
        self.0.as_ptr()
    }
}

/// Runs `f` over the launch range `[0, n)`: on this thread, or split into
/// fixed chunks on rayon's pool when the work is large. Chunks hold at least
/// `grain` indices (computed once per executable; capped at half the
/// range, so there stay chunks to share).
///
/// # Safety
/// `args` is a valid argument table for `f` and the range covers its launch shape.
pub(crate) unsafe fn launch(
    f: KernelFn,
    args: &[*const u8],
    n: usize,
    per_index: usize,
    grain: usize,
) {
    let work = n.saturating_mul(per_index);
    if work < PARALLEL_WORK || !may_fork() {
        // SAFETY: guaranteed by the caller.
        unsafe { f(args.as_ptr(), 0, n as u64) };
        return;
    }
    let chunk = (CHUNK_WORK / per_index.max(1))
        .max(grain.min(n / 2))
        .max(1)
        .next_multiple_of(16);
    let chunks = n.div_ceil(chunk);
    let shared = Args(args);
    // The caller claims chunks at once and a helper joins when a core is
    // free (`share_pieces`), rather than the caller sleeping until the
    // pool has run them all: a wake-up costs as much as a small kernel.
    share_pieces(chunks, true, &|c| {
        let (start, end) = (c * chunk, ((c + 1) * chunk).min(n));
        // SAFETY: a sub-range of the launch range, over the caller's valid
        // argument table (see `Args`).
        unsafe { f(shared.as_ptr(), start as u64, end as u64) };
    });
}

/// Calls `run(lo)` for each range start `0, per, 2·per, …` below `size`
/// (`parts` of them): on this thread when there is one part, else shared
/// with rayon's pool through `share_pieces` (the calling thread starts at
/// once, takes the ranges no helper has started, and is not put to sleep
/// and woken again per launch; loop drivers call this once per step).
pub(crate) fn for_each_range(
    parts: usize,
    per: usize,
    size: usize,
    run: impl Fn(usize) + Sync + Send,
) {
    let starts = parts.min(size.div_ceil(per.max(1)));
    share_pieces(starts.max(1), true, &|p| run(p * per));
}

/// What launching a kernel step takes, worked out once when the executable
/// is assembled rather than on every run.
pub(crate) struct Launch {
    /// Launch indices (`Kernel::launch_size`).
    pub(crate) n: usize,
    /// `work_per_index` of the kernel.
    pub(crate) per_index: usize,
    /// The fewest launch indices a parallel chunk covers (`launch_grain`).
    pub(crate) grain: usize,
    /// The buffers of the kernel's argument table (`Kernel::args_inline`).
    pub(crate) args: SmallVec<[BufId; 16]>,
}
