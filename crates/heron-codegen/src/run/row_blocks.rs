//! Runs a plan's row groups (`heron_ir::plan::RowGroup`) block of rows by
//! block of rows: every kernel of the group over one block, then the next
//! block, so a block read from memory stays in cache for the kernels that
//! follow. The group's scratch temporaries get one small buffer per task,
//! holding only a block's rows: a kernel indexes a temporary by its row
//! number, so the buffer's address is passed shifted back by the block's
//! first row, and the kernel's accesses for the block's rows land inside it.
//!
//! Each kernel computes whole rows, as it would over its full launch, so the
//! results are the same whatever the block or task boundaries.

use crate::run::code::KernelFn;
use crate::run::parallel::{CHUNK_WORK, PARALLEL_WORK, may_fork, work_per_index};
use heron_ir::plan::{BufId, Kernel, KernelPlan, RowGroup, Step};
use heron_ir::share::share_pieces;
use heron_ir::{Buffer, DType};
use smallvec::SmallVec;

/// A scratch temporary's place in a task's scratch memory.
struct Scratch {
    buf: BufId,
    /// Byte offset of its block in the task's memory.
    offset: usize,
    /// Bytes per row.
    row_bytes: usize,
}

/// The buffer table of a plan run and the helper table, shared by the
/// tasks of a group.
struct Shared<'a> {
    ptrs: &'a [*mut u8],
    table: *const u8,
}

// SAFETY: the pointers are only dereferenced by the kernels, and the tasks
// of a group work on disjoint blocks of rows: every access to a buffer
// written in the group stays in the rows being computed (the grouping rule
// of `heron_ir::passes::row_groups`), and scratch memory is per task.
unsafe impl Sync for Shared<'_> {}

impl Shared<'_> {
    /// The caller's pointer for buffer `b`.
    fn ptr(&self, b: BufId) -> *mut u8 {
        self.ptrs[b.index()]
    }

    /// The helper table.
    fn table(&self) -> *const u8 {
        self.table
    }
}

/// Runs the kernels of `group` over all its rows.
///
/// # Safety
/// `ptrs` holds a valid pointer for every buffer of `plan` other than the
/// group's scratch temporaries, each of the type the plan gives it; `fns`
/// holds the compiled function of each kernel of the group, in step order;
/// `table` is the helper table.
pub(crate) unsafe fn run(
    plan: &KernelPlan,
    group: &RowGroup,
    fns: &[KernelFn],
    ptrs: &[*mut u8],
    table: *const u8,
) {
    let kernels: SmallVec<[&Kernel; 8]> = plan.steps[group.steps.clone()]
        .iter()
        .map(|s| match s {
            Step::Kernel(k) => k,
            _ => unreachable!("row groups hold kernel steps only"),
        })
        .collect();
    let mut bytes = 0;
    let scratch: SmallVec<[Scratch; 4]> = group
        .scratch
        .iter()
        .map(|&buf| {
            let info = &plan.buffers[buf.index()];
            let row_bytes = info.shape.size() / group.rows * info.dtype.size();
            let offset = bytes;
            bytes += (row_bytes * group.block_rows).next_multiple_of(64);
            Scratch {
                buf,
                offset,
                row_bytes,
            }
        })
        .collect();
    let blocks = group.rows.div_ceil(group.block_rows);
    let shared = Shared { ptrs, table };
    let run_blocks = |blocks: std::ops::Range<usize>| {
        let mut memory = Buffer::for_overwrite(DType::Bool, bytes.max(1));
        let base = memory.as_mut_ptr();
        let mut args: SmallVec<[*const u8; 16]> = SmallVec::new();
        for block in blocks {
            let first = block * group.block_rows;
            let last = (first + group.block_rows).min(group.rows);
            for (k, f) in kernels.iter().zip(fns) {
                args.clear();
                for b in k.args_inline() {
                    let p = match scratch.iter().find(|s| s.buf == b) {
                        // Row `first` of the temporary is at the start of
                        // its block: the kernel adds `first * row_bytes`.
                        Some(s) => base
                            .wrapping_add(s.offset)
                            .wrapping_sub(first * s.row_bytes),
                        None => shared.ptr(b),
                    };
                    args.push(p as *const u8);
                }
                args.push(shared.table());
                let (start, end) = group.launch_range(k, first, last);
                // SAFETY: the table holds a valid buffer for everything the
                // kernel reads or writes at the indices of rows
                // `[first, last)` (the caller's buffers, or this task's
                // scratch block for those rows), then the helper table.
                unsafe { f(args.as_ptr(), start as u64, end as u64) };
            }
        }
        drop(memory);
    };
    let work: usize = kernels
        .iter()
        .map(|k| k.launch_size() * work_per_index(k))
        .sum();
    if work < PARALLEL_WORK || !may_fork() {
        run_blocks(0..blocks);
        return;
    }
    // Tasks of a few chunks' work each: enough of them to balance threads,
    // each long enough to amortise its scratch allocation.
    let per_task = (4 * CHUNK_WORK * blocks / work).max(1);
    let tasks = blocks.div_ceil(per_task);
    // Shared without waiting for a helper to wake (as `parallel::launch`).
    share_pieces(tasks, true, &|t| {
        run_blocks(t * per_task..((t + 1) * per_task).min(blocks));
    });
}
