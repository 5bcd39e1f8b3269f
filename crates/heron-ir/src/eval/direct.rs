//! Ops run straight on memory, for a backend that keeps its operands and
//! results in its own buffers: `matmul`, `concatenate`, `cumsum`,
//! `argmax`/`argmin`, `sort` and `argsort` write their result into a given
//! buffer, with no `Value` allocated. Each goes through the very routine
//! `eval_op` uses (monomorphised per dtype), so the results are the same
//! bits as `eval`'s.

use super::elem::{with_elem, with_num};
use super::product::{MatRef, product};
use super::strided::split_at_axis;
use super::{movement, reduce, sort};
use crate::matmul_dims::matmul_dims;
use crate::{DType, Error, Op, Result, Shape, infer};
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

/// One operand of `eval_into`: an array in memory, row-major and
/// contiguous unless `view` says how to read it.
#[derive(Clone, Copy, Debug)]
pub struct RawOperand<'a> {
    /// The first element of the memory.
    pub ptr: *const u8,
    /// The operand's extents.
    pub shape: &'a Shape,
    /// Its element type.
    pub dtype: DType,
    /// For a `matmul` operand read in place from another array's memory (a
    /// transpose, broadcast or slice of it): where each element is.
    pub view: Option<View<'a>>,
}

/// Element `i` (a multi-index) of a viewed operand is element
/// `offset + Σ i[axis]·strides[axis]` of the `len` elements at its `ptr`.
#[derive(Clone, Copy, Debug)]
pub struct View<'a> {
    /// The first element read.
    pub offset: usize,
    /// Element strides, one per axis of the operand (0 for a broadcast axis).
    pub strides: &'a [usize],
    /// How many elements the memory holds (every offset read is checked
    /// against it).
    pub len: usize,
}

/// The matrices of a `matmul` operand over `data` (the `len` elements at
/// its `ptr`): row-major, or as its `view` says.
fn matrices<'a, T>(
    x: &RawOperand<'_>,
    data: &'a [T],
    dims: &super::MatMulDims,
    left: bool,
) -> Result<MatRef<'a, T>> {
    let (own, row) = if left {
        (&dims.a_batch, dims.k)
    } else {
        (&dims.b_batch, dims.n)
    };
    let Some(v) = x.view else {
        let batch = if left {
            dims.a_batch_strides()
        } else {
            dims.b_batch_strides()
        };
        return Ok(MatRef::contiguous(data, &batch, row));
    };
    let r = x.shape.rank();
    if v.strides.len() != r {
        return Err(Error::invalid("matmul", "a view needs one stride per axis"));
    }
    let (rs, cs) = match (r, left) {
        (1, true) => (v.strides[0].saturating_mul(dims.k), v.strides[0]),
        (1, false) => (v.strides[0], 1),
        _ => (v.strides[r - 2], v.strides[r - 1]),
    };
    let lead = dims.batch.rank() - own.rank();
    let batch = (0..dims.batch.rank())
        .map(|axis| match axis.checked_sub(lead) {
            Some(a) if own[a] != 1 => v.strides[a],
            _ => 0,
        })
        .collect();
    Ok(MatRef {
        data,
        offset: v.offset,
        batch,
        rs,
        cs,
    })
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
/// `shape.size()` valid elements of it (a bool is 0 or 1), or `view.len`
/// for an operand with a view; `out` is aligned
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
            op.name(),
            format!("operands give a {d}{s} result, the buffer holds {dtype}{shape}"),
        ));
    }
    if !matches!(op, Op::MatMul) && inputs.iter().any(|x| x.view.is_some()) {
        return Err(Error::invalid(
            op.name(),
            "reads contiguous operands only (views are for matmul)",
        ));
    }
    let x = inputs.first();
    let len = shape.size();
    match op {
        Op::MatMul => {
            let (a, b) = (inputs[0], inputs[1]);
            let dims = matmul_dims(a.shape, b.shape)?;
            let held = |x: &RawOperand<'_>| x.view.map_or(x.shape.size(), |v| v.len);
            with_elem!(dtype, T => {
                // SAFETY: the caller guarantees the operands' memory (of
                // `held` elements) and `out`.
                let (lhs, rhs, dst) = unsafe {
                    (
                        slice::<T>(a.ptr, held(&a)),
                        slice::<T>(b.ptr, held(&b)),
                        slice_mut::<T>(out, len),
                    )
                };
                let lhs = matrices(&a, lhs, &dims, true)?;
                let rhs = matrices(&b, rhs, &dims, false)?;
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
                op.name(),
                "runs through eval_op, not eval_into",
            ));
        }
    }
    Ok(())
}
