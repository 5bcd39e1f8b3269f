//! The plan's data steps that are not kernels: a host step runs natively
//! (`gather`, `sparse_step`, `steps`) or through the interpreter's
//! `eval_op`; an index check reads a fused gather's indices (`gather`); a
//! copy moves a buffer's bytes.

use heron_ir::plan::{KernelPlan, Step};
use heron_ir::{Buffer, DType, Result, Shape, Value, eval_op};

/// True when a host step of `op` runs natively (`gather`, `sparse_step` or
/// `steps`), not through the interpreter's `eval_op`.
pub(crate) fn is_native_step(op: &heron_ir::Op) -> bool {
    crate::run::gather::is_native(op)
        || crate::run::sparse_step::is_sparse(op)
        || crate::run::steps::is_native(op)
}

/// Runs a host step (natively through `gather` or `steps`, or an op through
/// `eval_op`) or a copy.
///
/// # Safety
/// `ptrs` holds a valid buffer of the plan's type for every buffer the step
/// uses.
pub(crate) unsafe fn run_data_step(plan: &KernelPlan, step: &Step, ptrs: &[*mut u8]) -> Result<()> {
    match step {
        Step::Host(h)
            if crate::run::sparse_step::is_sparse(&h.op)
                && ptrs[h.inputs[0].index()] != ptrs[h.output.index()] =>
        {
            // SAFETY: `ptrs` holds the operand and result buffers of the
            // types `infer` gave them, distinct (checked: the plan never
            // lets a sparse product's result alias its operand, and one
            // that did would run through `eval_op` below); buffers of
            // distinct values do not overlap.
            unsafe {
                crate::run::sparse_step::run(
                    &h.op,
                    ptrs[h.inputs[0].index()],
                    ptrs[h.output.index()],
                )
            };
        }
        // SAFETY: as guaranteed by the caller.
        Step::Host(h) if crate::run::gather::is_native(&h.op) => unsafe {
            crate::run::gather::run(plan, h, ptrs)?
        },
        // SAFETY: as guaranteed by the caller.
        Step::Host(h) if crate::run::steps::is_native(&h.op) => unsafe {
            crate::run::steps::run(plan, h, None, ptrs)?
        },
        Step::Host(h) => {
            crate::run::gather::count_interpreted();
            let inputs: Vec<Value> = h
                .inputs
                .iter()
                .map(|b| {
                    let info = &plan.buffers[b.index()];
                    // SAFETY: `ptrs[b]` points to a live buffer of this type.
                    unsafe { read_value(ptrs[b.index()], &info.shape, info.dtype) }
                })
                .collect();
            let refs: Vec<&Value> = inputs.iter().collect();
            let out = &plan.buffers[h.output.index()];
            let v = eval_op(&h.op, &refs, &out.shape, out.dtype)?;
            let bytes = v.buf().bytes();
            // SAFETY: the output buffer holds `out.shape.size()` elements of
            // `out.dtype`, exactly `bytes.len()` bytes, and does not overlap
            // the freshly allocated result.
            unsafe {
                std::ptr::copy_nonoverlapping(bytes.as_ptr(), ptrs[h.output.index()], bytes.len())
            };
        }
        // SAFETY: as guaranteed by the caller.
        Step::Check(c) => unsafe { crate::run::gather::check(plan, c, ptrs)? },
        Step::Copy { src, dst } => {
            let info = &plan.buffers[dst.index()];
            let n = info.shape.size() * info.dtype.size();
            // SAFETY: both buffers hold `n` bytes of the same type; they are
            // either the same memory (an aliased output) or distinct, and
            // `copy` allows overlap.
            unsafe { std::ptr::copy(ptrs[src.index()], ptrs[dst.index()], n) };
        }
        Step::Kernel(_) | Step::Control(_) => unreachable!("not a data step"),
    }
    Ok(())
}

/// Copies a raw buffer into a `Value`.
///
/// # Safety
/// `ptr` points to `shape.size()` initialised elements of `dtype` (valid
/// ones: a bool is 0 or 1).
unsafe fn read_value(ptr: *const u8, shape: &Shape, dtype: DType) -> Value {
    let mut buf = Buffer::for_overwrite(dtype, shape.size());
    let n = buf.nbytes();
    // SAFETY: guaranteed by the caller; `buf` is a fresh allocation of `n`
    // bytes, and the bytes copied are valid elements of its dtype.
    unsafe { std::ptr::copy_nonoverlapping(ptr, buf.as_mut_ptr(), n) };
    Value::new(shape.clone(), buf)
}
