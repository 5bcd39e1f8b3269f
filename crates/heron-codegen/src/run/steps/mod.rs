//! Native host-side steps: ops a plan runs outside generated code but not
//! through the interpreter. `matmul` (gemm for floats), `concatenate`,
//! `cumsum`, `argmax`/`argmin`, `sort` and `argsort` run on the plan's own
//! buffers through `heron_ir::eval::direct::eval_into`, the same
//! monomorphised routines `eval_op` uses, writing straight into the step's
//! output buffer: no operand is copied into a `Value` and no result is
//! allocated (except a scratch result when the output shares memory with
//! an operand).

pub(crate) mod views;

use heron_ir::eval::direct::{RawOperand, View, eval_into, runs_direct};
use heron_ir::plan::{HostStep, KernelPlan};
use heron_ir::{Buffer, Result};
use smallvec::SmallVec;

/// True when a host step of `op` runs natively (`run`), not through `eval_op`.
pub(crate) fn is_native(op: &heron_ir::Op) -> bool {
    runs_direct(op)
}

/// Runs host step `h` (with `is_native(&h.op)`) on the plan's buffers;
/// `views` (from `views::fold`) tells which operands it reads in place from
/// another buffer.
///
/// # Safety
/// `ptrs` holds a valid buffer of the plan's type for every buffer the step
/// uses (aligned, initialised for its operands and the sources of its
/// views, writable for its output), and nothing else touches them during
/// the call.
pub(crate) unsafe fn run(
    plan: &KernelPlan,
    h: &HostStep,
    views: Option<&[Option<views::Strided>]>,
    ptrs: &[*mut u8],
) -> Result<()> {
    let out = &plan.buffers[h.output.index()];
    let out_ptr = ptrs[h.output.index()];
    let out_bytes = out.shape.size() * out.dtype.size();
    let mut overlaps = false;
    let inputs: SmallVec<[RawOperand<'_>; 3]> = h
        .inputs
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let info = &plan.buffers[b.index()];
            let view = views.and_then(|v| v.get(i)).and_then(Option::as_ref);
            // A view reads its source's memory instead of the operand's.
            let held = view.map_or(*b, |v| v.src);
            let memory = &plan.buffers[held.index()];
            let ptr = ptrs[held.index()] as *const u8;
            let bytes = memory.shape.size() * memory.dtype.size();
            overlaps |= !disjoint(ptr, bytes, out_ptr, out_bytes);
            RawOperand {
                ptr,
                shape: &info.shape,
                dtype: info.dtype,
                view: view.map(|v| View {
                    offset: v.offset,
                    strides: &v.strides,
                    len: memory.shape.size(),
                }),
            }
        })
        .collect();
    if !overlaps {
        // SAFETY: the caller guarantees every buffer (the plan's types,
        // hence the operands' and the result's), and the output overlaps
        // no operand.
        return unsafe { eval_into(&h.op, &inputs, out_ptr, &out.shape, out.dtype) };
    }
    // The output is an operand's memory (a Variable updated in place): the
    // result goes to scratch memory first, then over the operand.
    let mut scratch = Buffer::for_overwrite(out.dtype, out.shape.size());
    // SAFETY: as above, with a fresh buffer of the result's type as output.
    unsafe { eval_into(&h.op, &inputs, scratch.as_mut_ptr(), &out.shape, out.dtype)? };
    // SAFETY: the output buffer holds `out_bytes` bytes, as does `scratch`,
    // a distinct allocation.
    unsafe { std::ptr::copy_nonoverlapping(scratch.as_ptr(), out_ptr, out_bytes) };
    Ok(())
}

/// True when the byte ranges `[a, a + a_len)` and `[b, b + b_len)` do not
/// overlap (empty ranges overlap nothing).
fn disjoint(a: *const u8, a_len: usize, b: *const u8, b_len: usize) -> bool {
    let (a, b) = (a as usize, b as usize);
    a_len == 0 || b_len == 0 || a + a_len <= b || b + b_len <= a
}
