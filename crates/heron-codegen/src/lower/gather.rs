//! Gathers in kernels (`Expr::Gather`): a fused `take` or
//! `take_along_axis` loads its index element, resolves it, and loads the
//! table element there. A gather has two accesses, laid out one after the
//! other: the table at its base map (the element at index 0 of the gathered
//! axis), then the indices at theirs; both walk the loop nest's counters
//! like any load.
//!
//! The resolved index is `i + len` for a negative `i` (`take`'s rule), then
//! clamped into `[0, len)` with one unsigned minimum: the plan's index check
//! has already made every index valid, so the clamp changes nothing, but it
//! bounds the table read whatever the indices hold. A `dynamic_slice`
//! start is `i + dim` for a negative `i`, then clamped into `[0, len)`
//! (JAX's rule: the clamp is its meaning, no check runs). The vector form has no
//! SIMD gather; it takes the cheapest of three shapes:
//!
//! - rows: the index does not move along the vector (a row of a table
//!   walked contiguously, an embedding lookup): one index resolved, one
//!   vector load;
//! - 4 lanes of i32 or u32 indices walked contiguously: one vector load of
//!   the indices, resolved and clamped in the vector, then per lane an
//!   `extractlane` and a scalar load of the element, put together with
//!   `insertlane`;
//! - otherwise per lane a scalar load of the index, its resolution, and a
//!   scalar load of the element.

use super::{Access, Emitter, address_at, clif_type, vec_type};
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Value, types};
use heron_ir::DType;
use heron_ir::plan::{Affine, Expr, Gather, IndexMode};
use smallvec::{SmallVec, smallvec};

/// The index maps of an instruction's accesses, in the order
/// `lower_kernel` lays them out: a load's or a generator's map; a gather's
/// table base, then its indices.
pub(super) fn access_maps(expr: &Expr) -> SmallVec<[&Affine; 2]> {
    match expr {
        Expr::Load { map, .. } | Expr::ThreefryBits { index: map, .. } => smallvec![map],
        Expr::Gather(g) => smallvec![&g.base, &g.at],
        _ => SmallVec::new(),
    }
}

/// The index element at `off` (`extra` bytes further on) resolved and
/// scaled to an element offset in the table: `stride · j`, `j` in `[0, len)`.
fn offset(e: &mut Emitter<'_>, g: &Gather, index: &Access, off: Value, extra: i64) -> Value {
    let (addr, at) = address_at(e, index, off, extra);
    let flags = index.load_flags(MemFlagsData::trusted());
    let raw = e.b.ins().load(clif_type(g.index_dtype), flags, addr, at);
    let i = match g.index_dtype {
        DType::I32 => e.b.ins().sextend(types::I64, raw),
        DType::U32 => e.b.ins().uextend(types::I64, raw),
        _ => raw,
    };
    let len = g.len as i64;
    let j = match (g.mode, g.index_dtype) {
        (_, DType::U32) => i,
        (IndexMode::Wrap, _) => {
            // `i + len` where `i` is negative, without a branch.
            let sign = e.b.ins().sshr_imm_u(i, 63);
            let add = e.b.ins().band_imm_s(sign, len);
            e.b.ins().iadd(i, add)
        }
        (IndexMode::Clamp { dim }, _) => {
            // `i + dim` where `i` is negative, then at least 0.
            let sign = e.b.ins().sshr_imm_u(i, 63);
            let add = e.b.ins().band_imm_s(sign, dim as i64);
            let j = e.b.ins().iadd(i, add);
            let zero = e.b.ins().iconst(types::I64, 0);
            e.b.ins().smax(j, zero)
        }
    };
    // Unsigned: a still-negative value is huge and clamps to `len - 1`.
    let last = e.b.ins().iconst(types::I64, len - 1);
    let j = e.b.ins().umin(j, last);
    scaled(e, g, j)
}

/// `j · stride` (`j` an i64 index in `[0, len)`) as an element offset.
fn scaled(e: &mut Emitter<'_>, g: &Gather, j: Value) -> Value {
    if g.stride == 1 {
        j
    } else if g.stride > 0 && (g.stride as u64).is_power_of_two() {
        e.b.ins()
            .ishl_imm_u(j, i64::from(g.stride.trailing_zeros()))
    } else {
        e.b.ins().imul_imm_s(j, g.stride)
    }
}

/// One gathered element of `dtype` (scalar), its table access at element
/// offset `table_off` and its index access at `index_off`.
pub(super) fn scalar(
    e: &mut Emitter<'_>,
    g: &Gather,
    dtype: DType,
    (table, index): (&Access, &Access),
    (table_off, index_off): (Value, Value),
) -> Value {
    let j = offset(e, g, index, index_off, 0);
    let off = e.b.ins().iadd(table_off, j);
    let (addr, at) = address_at(e, table, off, 0);
    let flags = table.load_flags(MemFlagsData::trusted());
    e.b.ins().load(clif_type(dtype), flags, addr, at)
}

/// A vector of `lanes` gathered elements of `dtype`, for the elements
/// `skip .. skip + lanes` of the innermost axis after the current offsets;
/// `steps` holds the table's and the indices' coefficients on that axis
/// (any value: each shape below addresses what it needs).
#[allow(clippy::too_many_arguments)]
pub(super) fn vector(
    e: &mut Emitter<'_>,
    g: &Gather,
    dtype: DType,
    lanes: usize,
    (table, index): (&Access, &Access),
    (table_off, index_off): (Value, Value),
    steps: (i64, i64),
    skip: usize,
) -> Value {
    let flags = table.load_flags(MemFlagsData::trusted());
    if steps == (1, 0) {
        // A row: one index, `lanes` consecutive elements.
        let j = offset(e, g, index, index_off, 0);
        let off = e.b.ins().iadd(table_off, j);
        let (addr, at) = address_at(e, table, off, (skip * table.size) as i64);
        return super::memory::load(e, addr, at, dtype, lanes, table.readonly);
    }
    let ty = vec_type(dtype, lanes);
    let vector_indices = lanes == 4
        && g.mode == IndexMode::Wrap
        && steps.1 == 1
        && matches!(g.index_dtype, DType::I32 | DType::U32)
        && g.len <= i32::MAX as usize;
    let resolved = vector_indices.then(|| resolve_i32x4(e, g, index, index_off, skip));
    let mut v: Option<Value> = None;
    for lane in 0..lanes {
        let n = (skip + lane) as i64;
        let j = match resolved {
            Some(js) => {
                let j = e.b.ins().extractlane(js, lane as u8);
                let j = e.b.ins().uextend(types::I64, j);
                scaled(e, g, j)
            }
            None => offset(e, g, index, index_off, n * steps.1 * index.size as i64),
        };
        let off = e.b.ins().iadd(table_off, j);
        let (addr, at) = address_at(e, table, off, n * steps.0 * table.size as i64);
        let mut x = e.b.ins().load(clif_type(dtype), flags, addr, at);
        if dtype == DType::Bool {
            // A 0/1 byte becomes a lane mask.
            let wide = e.b.ins().uextend(ty.lane_type(), x);
            x = e.b.ins().ineg(wide);
        }
        v = Some(match v {
            None => e.b.ins().scalar_to_vector(ty, x),
            Some(v) => e.b.ins().insertlane(v, x, lane as u8),
        });
    }
    v.expect("vectors have lanes")
}

/// Four consecutive i32 or u32 indices from `skip` elements after `off`,
/// resolved and clamped into `[0, len)` in an `i32x4` (`len` fits an i32,
/// so `i + len` of a negative `i` cannot overflow).
fn resolve_i32x4(
    e: &mut Emitter<'_>,
    g: &Gather,
    index: &Access,
    off: Value,
    skip: usize,
) -> Value {
    let (addr, at) = address_at(e, index, off, (skip * 4) as i64);
    let i = super::memory::load(e, addr, at, DType::I32, 4, index.readonly);
    let splat = |e: &mut Emitter<'_>, x: i64| {
        let s = e.b.ins().iconst(types::I32, x);
        e.b.ins().splat(types::I32X4, s)
    };
    let j = match (g.mode, g.index_dtype) {
        (IndexMode::Wrap, DType::I32) => {
            let sign = e.b.ins().sshr_imm_u(i, 31);
            let len = splat(e, g.len as i64);
            let add = e.b.ins().band(sign, len);
            e.b.ins().iadd(i, add)
        }
        _ => i,
    };
    let last = splat(e, g.len as i64 - 1);
    e.b.ins().umin(j, last)
}
