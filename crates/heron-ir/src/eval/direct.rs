//! Ops run straight on memory, for a backend that keeps its operands and
//! results in its own buffers: `matmul`, `concatenate`, `cumsum`,
//! `argmax`/`argmin`, `sort` and `argsort` write their result into a given
//! buffer, with no `Value` allocated. Each goes through the very routine
//! `eval_op` uses (monomorphised per dtype), so the results are the same
//! bits as `eval`'s.

use super::elem::{with_elem, with_num};
use super::linalg::matmul_dims;
use super::product::{MatRef, product};
use super::strided::split_at_axis;
use super::{movement, reduce, sort};
use crate::{DType, Error, Op, Result, Shape, infer, infer::op_name};
use smallvec::SmallVec;

/// True for the ops `eval_into` runs.
pub fn runs_direct(op: &Op) -> bool {
    matches!(
        op,
        Op::MatMul
            | Op::Concat { .. }
            | Op::Cumsum { .. }
            | Op::ArgReduce { .. }
            | Op::Sort { .. }
            | Op::Argsort { .. }
    )
}

/// One operand of `eval_into`: a row-major contiguous array in memory.
#[derive(Clone, Copy, Debug)]
pub struct RawOperand<'a> {
    /// The first element.
    pub ptr: *const u8,
    /// Its extents.
    pub shape: &'a Shape,
    /// Its element type.
    pub dtype: DType,
}

/// A typed slice over `len` elements at `ptr` (empty without reading `ptr`
/// when `len` is 0).
///
/// # Safety
/// When `len > 0`, `ptr` is aligned for `T` and points to `len` valid,
/// initialised elements of `T` that nothing writes while the slice lives.
unsafe fn slice<'a, T>(ptr: *const u8, len: usize) -> &'a [T] {
    if len == 0 {
        return &[];
    }
    // SAFETY: guaranteed by the caller.
    unsafe { std::slice::from_raw_parts(ptr.cast::<T>(), len) }
}

/// A typed mutable slice over `len` elements at `ptr`.
///
/// # Safety
/// When `len > 0`, `ptr` is aligned for `T` and points to `len` writable
/// elements of `T` that nothing else reads or writes while the slice lives.
unsafe fn slice_mut<'a, T>(ptr: *mut u8, len: usize) -> &'a mut [T] {
    if len == 0 {
        return &mut [];
    }
    // SAFETY: guaranteed by the caller.
    unsafe { std::slice::from_raw_parts_mut(ptr.cast::<T>(), len) }
}

/// Runs `op` (one of `runs_direct`) on `inputs`, writing its result of
/// `shape` and `dtype` to `out`: the same bits as `eval_op(op, ..)`. The
/// operand types are checked against `infer` first; data errors (`argmax`
/// of an empty line) are errors, as in `eval_op`, and leave `out` unwritten.
///
/// # Safety
/// Each operand's `ptr` is aligned for its dtype and points to
/// `shape.size()` valid elements of it (a bool is 0 or 1); `out` is aligned
/// and points to `shape.size()` writable elements of `dtype`, overlapping
/// no operand; nothing else writes these buffers during the call.
pub unsafe fn eval_into(
    op: &Op,
    inputs: &[RawOperand<'_>],
    out: *mut u8,
    shape: &Shape,
    dtype: DType,
) -> Result<()> {
    let types: SmallVec<[(&Shape, DType); 3]> = inputs.iter().map(|v| (v.shape, v.dtype)).collect();
    let (s, d) = infer(op, &types)?;
    if s != *shape || d != dtype {
        return Err(Error::invalid(
            op_name(op),
            format!("operands give a {d}{s} result, the buffer holds {dtype}{shape}"),
        ));
    }
    let x = inputs.first();
    let len = shape.size();
    match op {
        Op::MatMul => {
            let (a, b) = (inputs[0], inputs[1]);
            let dims = matmul_dims(a.shape, b.shape)?;
            let (sa, sb) = (dims.a_batch_strides(), dims.b_batch_strides());
            with_elem!(dtype, T => {
                // SAFETY: the caller guarantees the operands and `out`.
                let (lhs, rhs, dst) = unsafe {
                    (
                        slice::<T>(a.ptr, a.shape.size()),
                        slice::<T>(b.ptr, b.shape.size()),
                        slice_mut::<T>(out, len),
                    )
                };
                let lhs = MatRef::contiguous(lhs, &sa, dims.k);
                let rhs = MatRef::contiguous(rhs, &sb, dims.n);
                product::<T>(&dims, &lhs, &rhs, dst)?;
            });
        }
        Op::Concat { axis } => with_elem!(dtype, T => {
            let parts: Vec<(&[T], usize)> = inputs
                .iter()
                // SAFETY: the caller guarantees every operand.
                .map(|p| (unsafe { slice::<T>(p.ptr, p.shape.size()) }, p.shape[*axis..].iter().product()))
                .collect();
            // SAFETY: the caller guarantees `out`.
            let dst = unsafe { slice_mut::<T>(out, len) };
            movement::concat_into(&parts, shape[..*axis].iter().product(), dst);
        }),
        Op::Cumsum { axis } => {
            let x = x.expect("infer checked the arity");
            let dims = split_at_axis(shape, *axis);
            with_num!(dtype, T => {
                // SAFETY: the caller guarantees `out`.
                let dst = unsafe { slice_mut::<T>(out, len) };
                if x.dtype == DType::Bool {
                    // Bools accumulate as i32 (`infer`), from 0 and 1.
                    // SAFETY: the caller guarantees the operand.
                    let src = unsafe { slice::<bool>(x.ptr, len) };
                    for (d, &s) in dst.iter_mut().zip(src) {
                        *d = if s { <T as super::num::Num>::ONE } else { <T as super::num::Num>::ZERO };
                    }
                } else {
                    // SAFETY: the caller guarantees the operand, of `dtype`.
                    dst.copy_from_slice(unsafe { slice::<T>(x.ptr, len) });
                }
                reduce::cumsum_in_place(dst, dims);
            }, bool => return Err(Error::dtype("cumsum", dtype)));
        }
        Op::ArgReduce { op: a, axis } => {
            let x = x.expect("infer checked the arity");
            let dims = split_at_axis(x.shape, *axis);
            if dims.1 == 0 {
                return Err(Error::invalid(
                    a.name(),
                    format!(
                        "attempt to get {} of an empty sequence (axis {axis} of {})",
                        a.name(),
                        x.shape
                    ),
                ));
            }
            // SAFETY: the caller guarantees `out` (i32, checked by `infer`).
            let dst = unsafe { slice_mut::<i32>(out, len) };
            with_elem!(x.dtype, T => {
                // SAFETY: the caller guarantees the operand.
                let src = unsafe { slice::<T>(x.ptr, x.shape.size()) };
                reduce::arg_into(*a, src, dims, dst);
            });
        }
        Op::Sort { axis } => with_elem!(dtype, T => {
            let x = x.expect("infer checked the arity");
            // SAFETY: the caller guarantees the operand and `out`, which do
            // not overlap.
            let (src, dst) = unsafe { (slice::<T>(x.ptr, len), slice_mut::<T>(out, len)) };
            dst.copy_from_slice(src);
            sort::sort_in_place(dst, shape, *axis);
        }),
        Op::Argsort { axis } => {
            let x = x.expect("infer checked the arity");
            // SAFETY: the caller guarantees `out` (i32, checked by `infer`).
            let dst = unsafe { slice_mut::<i32>(out, len) };
            with_elem!(x.dtype, T => {
                // SAFETY: the caller guarantees the operand.
                let src = unsafe { slice::<T>(x.ptr, len) };
                sort::argsort_into(src, shape, *axis, dst);
            });
        }
        _ => {
            return Err(Error::invalid(
                op_name(op),
                "runs through eval_op, not eval_into",
            ));
        }
    }
    Ok(())
}
