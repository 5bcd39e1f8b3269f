//! Native steps for the ops indexed by run-time values: `take`,
//! `take_along_axis`, `scatter_add`/`scatter_set`, `segment_sum`,
//! `dynamic_slice` and `dynamic_update_slice`. The plan keeps them as host
//! steps (they can fail on their data, or move blocks at run-time offsets);
//! the executor runs them here, on the plan's buffers directly, through the
//! typed loops of `heron_ir::indexed` monomorphised per element and index
//! type: no interpreter, no copy of the operands, no allocation but in the
//! one case below.
//!
//! Every index is checked before anything is written, so a failing step
//! leaves its output untouched (what `KernelPlan::can_fail_after_writing_outputs`
//! assumes of host steps). The output may be the memory of an operand (an
//! aliased Variable, or carried loop state updated in place): a scatter or a
//! dynamic update then updates it in place, and any other operand sharing
//! the output's memory is first copied aside. Scatters run sequentially in
//! index order, so duplicate indices accumulate in the same order on every
//! run and any number of threads; a large `take` splits its rows into fixed
//! chunks on rayon's pool (gathers have no order to keep).

use heron_ir::indexed::{self, AxisSplit, IndexElem};
use heron_ir::plan::{HostStep, IndexCheck, KernelPlan};
use heron_ir::with_elem;
use heron_ir::{Buffer, DType, Op, Result, ScatterMode, Shape};
use rayon::prelude::*;
use smallvec::SmallVec;

thread_local! {
    static INTERPRETED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How many host steps compiled code has run through the interpreter
/// (`eval_op`) on this thread, loop bodies included: what tests read to see
/// that a plan, or a loop's every iteration, runs natively. Host steps run
/// on the thread that called the code (only kernels fork), so the count is
/// exact for that thread.
pub fn interpreter_steps() -> u64 {
    INTERPRETED.with(|c| c.get())
}

/// Counts one host step run through `eval_op` (see `interpreter_steps`).
pub(crate) fn count_interpreted() {
    INTERPRETED.with(|c| c.set(c.get() + 1));
}

/// True for the ops this module runs (the rest of the host steps go through `eval_op`).
pub(crate) fn is_native(op: &Op) -> bool {
    matches!(
        op,
        Op::Take { .. }
            | Op::TakeAlongAxis { .. }
            | Op::Scatter { .. }
            | Op::SegmentSum { .. }
            | Op::DynamicSlice { .. }
            | Op::DynamicUpdateSlice
    )
}

/// Binds `$t` to the Rust type of an index dtype (`infer` admits integers only).
macro_rules! with_index {
    ($dtype:expr, $t:ident => $body:expr) => {
        match $dtype {
            DType::I32 => {
                type $t = i32;
                $body
            }
            DType::I64 => {
                type $t = i64;
                $body
            }
            DType::U32 => {
                type $t = u32;
                $body
            }
            d => {
                return Err(heron_ir::Error::invalid(
                    "run",
                    format!("indices of dtype {d} reached native code"),
                ));
            }
        }
    };
}

/// The step's operands as typed slices of the plan's buffers.
struct Operands<'a> {
    plan: &'a KernelPlan,
    step: &'a HostStep,
    /// The address each operand is read from (an aside copy when it shares
    /// the output's memory).
    at: SmallVec<[*const u8; 6]>,
    /// The output's address.
    out: *mut u8,
    /// The aside copies, alive while the step runs.
    _copies: SmallVec<[Buffer; 1]>,
}

impl<'a> Operands<'a> {
    /// The operands of `step`; operand `in_place` (if any) may share the
    /// output's memory and is then not copied aside.
    ///
    /// # Safety
    /// `ptrs` holds a valid buffer of the plan's type for every buffer of
    /// the step.
    unsafe fn new(
        plan: &'a KernelPlan,
        step: &'a HostStep,
        ptrs: &[*mut u8],
        in_place: Option<usize>,
    ) -> Operands<'a> {
        let out = ptrs[step.output.index()];
        let mut copies = SmallVec::new();
        let mut at = SmallVec::new();
        for (k, b) in step.inputs.iter().enumerate() {
            let p = ptrs[b.index()] as *const u8;
            if std::ptr::eq(p, out) && in_place != Some(k) {
                let info = &plan.buffers[b.index()];
                let mut copy = Buffer::for_overwrite(info.dtype, info.shape.size());
                let n = copy.nbytes();
                // SAFETY: `p` holds `n` bytes of valid elements of this
                // type (the caller's guarantee); `copy` is a fresh buffer
                // of `n` bytes.
                unsafe { std::ptr::copy_nonoverlapping(p, copy.as_mut_ptr(), n) };
                at.push(copy.as_ptr());
                copies.push(copy);
            } else {
                at.push(p);
            }
        }
        Operands {
            plan,
            step,
            at,
            out,
            _copies: copies,
        }
    }

    fn shape(&self, k: usize) -> &'a Shape {
        &self.plan.buffers[self.step.inputs[k].index()].shape
    }

    fn dtype(&self, k: usize) -> DType {
        self.plan.buffers[self.step.inputs[k].index()].dtype
    }

    fn out_shape(&self) -> &'a Shape {
        &self.plan.buffers[self.step.output.index()].shape
    }

    /// Operand `k` as a slice.
    ///
    /// # Safety
    /// `T` is the operand's element type, and the output's memory is not
    /// written while the slice lives unless operand `k` was copied aside.
    unsafe fn input<T>(&self, k: usize) -> &[T] {
        // SAFETY: the operand's buffer (or its aside copy) holds
        // `shape.size()` valid, aligned elements of `T`.
        unsafe { std::slice::from_raw_parts(self.at[k] as *const T, self.shape(k).size()) }
    }

    /// The output as a slice.
    ///
    /// # Safety
    /// `T` is the output's element type; no slice of an operand sharing
    /// its memory, nor another slice of the output, lives at the same time
    /// (each step takes it once).
    // The output is memory `Operands` only points to, never owns or
    // borrows: the caller's contract, not `&mut self`, makes it exclusive
    // (the operand slices borrow `self` alongside it).
    #[allow(clippy::mut_from_ref)]
    unsafe fn output<T>(&self) -> &mut [T] {
        // SAFETY: the output buffer holds `size` writable, aligned elements of `T`.
        unsafe { std::slice::from_raw_parts_mut(self.out as *mut T, self.out_shape().size()) }
    }

    /// Operand `k`, a 0-d integer start, as `i64`.
    ///
    /// # Safety
    /// As for `input`.
    unsafe fn start(&self, k: usize) -> Result<i64> {
        // SAFETY: guaranteed by the caller; the dtype is the operand's.
        Ok(with_index!(self.dtype(k), I => unsafe { self.input::<I>(k)[0] }.to_i64()))
    }

    /// Copies operand 0 into the output, unless they are the same memory.
    ///
    /// # Safety
    /// Operand 0 has the output's type.
    unsafe fn copy_base(&self) {
        if !std::ptr::eq(self.at[0], self.out) {
            let n = self.out_shape().size() * self.dtype(0).size();
            // SAFETY: both hold `n` bytes of the same type and are distinct
            // buffers (a plan's buffers are the same memory or disjoint).
            unsafe { std::ptr::copy_nonoverlapping(self.at[0], self.out, n) };
        }
    }
}

/// Gathers with at least this many elements run their rows in parallel.
const PARALLEL_ELEMENTS: usize = 1 << 17;

/// Runs host step `h` natively (`is_native(&h.op)`).
///
/// # Safety
/// `ptrs` holds a valid buffer of the plan's type for every buffer the step
/// uses; the output is writable and either distinct from every operand or
/// the very same memory.
pub(crate) unsafe fn run(plan: &KernelPlan, h: &HostStep, ptrs: &[*mut u8]) -> Result<()> {
    let in_place = matches!(h.op, Op::Scatter { .. } | Op::DynamicUpdateSlice).then_some(0);
    // SAFETY: as guaranteed by the caller.
    let o = unsafe { Operands::new(plan, h, ptrs, in_place) };
    // SAFETY (every block below): each slice has its operand's dtype (bound
    // by the macros from the plan's types); slices of operands are only
    // made of copies or of memory distinct from the output, except operand
    // 0 of a scatter or dynamic update, which is never read as a slice.
    match &h.op {
        Op::Take { axis } => {
            let split = AxisSplit::new(o.shape(0), *axis);
            with_index!(o.dtype(1), I => {
                // SAFETY: typed operand and output slices, as stated above the match.
                let idx = unsafe { o.input::<I>(1) };
                indexed::check("take", *axis, idx, split.len)?;
                with_elem!(o.dtype(0), T => {
                    // SAFETY: typed operand and output slices, as stated above the match.
                    take(unsafe { o.input::<T>(0) }, idx, split, unsafe { o.output::<T>() })
                });
            });
        }
        Op::TakeAlongAxis { axis } => {
            let split = AxisSplit::new(o.shape(0), *axis);
            let m = o.shape(1)[*axis];
            with_index!(o.dtype(1), I => {
                // SAFETY: typed operand and output slices, as stated above the match.
                let idx = unsafe { o.input::<I>(1) };
                indexed::check("take_along_axis", *axis, idx, split.len)?;
                with_elem!(o.dtype(0), T => {
                    // SAFETY: typed operand and output slices, as stated above the match.
                    let src = unsafe { o.input::<T>(0) };
                    // SAFETY: typed operand and output slices, as stated above the match.
                    by_rows(split.outer * m, split.inner, unsafe { o.output::<T>() }, |rows, part| {
                        indexed::take_along_rows(src, idx, split, m, rows, part)
                    })
                });
            });
        }
        Op::Scatter { mode } => {
            let x = o.shape(0);
            let (n, inner) = (x[0], x[1..].iter().product());
            with_index!(o.dtype(1), I => {
                // SAFETY: typed operand and output slices, as stated above the match.
                let idx = unsafe { o.input::<I>(1) };
                indexed::check(mode.name(), 0, idx, n)?;
                // SAFETY: operand 0 of a scatter has the output's type (infer).
                unsafe { o.copy_base() };
                with_elem!(o.dtype(0), T => indexed::scatter(
                    // SAFETY: typed operand and output slices, as stated above the match.
                    unsafe { o.output::<T>() },
                    idx,
                    // SAFETY: typed operand and output slices, as stated above the match.
                    unsafe { o.input::<T>(2) },
                    n,
                    inner,
                    *mode == ScatterMode::Add,
                ));
            });
        }
        Op::SegmentSum { num_segments } => {
            let inner = o.shape(0)[1..].iter().product();
            with_index!(o.dtype(1), I => {
                // SAFETY: typed operand and output slices, as stated above the match.
                let ids = unsafe { o.input::<I>(1) };
                indexed::check_segments(ids, *num_segments)?;
                with_elem!(o.dtype(0), T => {
                    // SAFETY: typed operand and output slices, as stated above the match.
                    let out = unsafe { o.output::<T>() };
                    out.fill(T::default());
                    // SAFETY: typed operand and output slices, as stated above the match.
                    indexed::scatter(out, ids, unsafe { o.input::<T>(0) }, *num_segments, inner, true);
                });
            });
        }
        Op::DynamicSlice { sizes } => {
            let dims = o.shape(0);
            let starts = (1..h.inputs.len())
                // SAFETY: typed operand and output slices, as stated above the match.
                .map(|k| unsafe { o.start(k) })
                .collect::<Result<SmallVec<[i64; 6]>>>()?;
            let at = indexed::clamped_starts(dims, sizes, starts.into_iter());
            with_elem!(o.dtype(0), T => indexed::dynamic_slice(
                // SAFETY: typed operand and output slices, as stated above the match.
                unsafe { o.input::<T>(0) },
                dims,
                &at,
                sizes,
                // SAFETY: typed operand and output slices, as stated above the match.
                unsafe { o.output::<T>() },
            ));
        }
        Op::DynamicUpdateSlice => {
            let (dims, sizes) = (o.shape(0), o.shape(1));
            let starts = (2..h.inputs.len())
                // SAFETY: typed operand and output slices, as stated above the match.
                .map(|k| unsafe { o.start(k) })
                .collect::<Result<SmallVec<[i64; 6]>>>()?;
            let at = indexed::clamped_starts(dims, sizes, starts.into_iter());
            // SAFETY: operand 0 of a dynamic update has the output's type (infer).
            unsafe { o.copy_base() };
            with_elem!(o.dtype(0), T => indexed::dynamic_update_slice(
                // SAFETY: typed operand and output slices, as stated above the match.
                unsafe { o.output::<T>() },
                dims,
                &at,
                sizes,
                // SAFETY: typed operand and output slices, as stated above the match.
                unsafe { o.input::<T>(1) },
            ));
        }
        op => {
            return Err(heron_ir::Error::invalid(
                op.name(),
                "not an op of the native gather steps",
            ));
        }
    }
    Ok(())
}

/// Runs index check `c`: the error of the gather's op, naming the first
/// index out of `[-len, len)`, or `Ok` when every index is valid.
///
/// # Safety
/// `ptrs[c.index]` holds a valid buffer of the plan's type.
pub(crate) unsafe fn check(plan: &KernelPlan, c: &IndexCheck, ptrs: &[*mut u8]) -> Result<()> {
    let info = &plan.buffers[c.index.index()];
    let p = ptrs[c.index.index()] as *const u8;
    with_index!(info.dtype, I => {
        // SAFETY: the buffer holds `size` valid, aligned elements of its
        // dtype, which the macro bound to `I`.
        let idx = unsafe { std::slice::from_raw_parts(p as *const I, info.shape.size()) };
        if in_range(idx, c.len) {
            return Ok(());
        }
        // The error names the first bad index, as `eval` does.
        indexed::check(c.op, c.axis, idx, c.len)
    })
}

/// Whether every index lies in `[-len, len)`: the smallest and largest of
/// each block of indices in their own type (a min/max loop without an exit
/// per element, which the compiler vectorises), compared once per block.
fn in_range<I: IndexElem + Ord>(idx: &[I], len: usize) -> bool {
    let bound = len as i64;
    idx.chunks(4096).all(|block| {
        let (lo, hi) = block
            .iter()
            .fold((block[0], block[0]), |(lo, hi), &i| (lo.min(i), hi.max(i)));
        lo.to_i64() >= -bound && hi.to_i64() < bound
    })
}

/// `take` into `dst` (`[outer, k, inner]`, indices checked).
fn take<T: Copy + Send + Sync, I: IndexElem>(src: &[T], idx: &[I], x: AxisSplit, dst: &mut [T]) {
    by_rows(x.outer * idx.len(), x.inner, dst, |rows, part| {
        indexed::take_rows(src, idx, x, rows, part)
    });
}

/// Runs `f(rows, part)` over the `rows` rows of `inner` elements of `dst`:
/// at once, or split into fixed chunks of about 2^14 elements on rayon's
/// pool when `dst` is large (gathers have no order to keep; the split
/// depends on the sizes only).
fn by_rows<T: Send>(
    rows: usize,
    inner: usize,
    dst: &mut [T],
    f: impl Fn(std::ops::Range<usize>, &mut [T]) + Sync,
) {
    if inner == 0 || rows == 0 {
        return;
    }
    if dst.len() < PARALLEL_ELEMENTS || !crate::run::parallel::may_fork() {
        f(0..rows, dst);
        return;
    }
    let chunk_rows = ((1 << 14) / inner).max(1);
    dst.par_chunks_mut(chunk_rows * inner)
        .enumerate()
        .for_each(|(c, part)| {
            let first = c * chunk_rows;
            f(first..(first + chunk_rows).min(rows), part);
        });
}
