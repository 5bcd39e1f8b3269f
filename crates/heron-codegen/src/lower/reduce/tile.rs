//! `TileAcc`, the form of reductions lowered by columns (`columns.rs`): one
//! accumulator per output in a stack slot, each folded in the scalar
//! order and arithmetic, so the results are bit-identical to `Acc`'s.

use super::{acc_types, combine, compensated, convert, demote_pair, extreme, high_half, neumaier};
use crate::lower::{Emitter, cast::cast, clif_type, elementwise};
use cranelift_codegen::ir::{
    Endianness, InstBuilder, MemFlagsData, StackSlotData, StackSlotKind, Type, Value, types,
};
use heron_ir::{DType, ReduceOp};

/// The accumulators of a column tile: one per output element of a run of
/// consecutive outputs, in a stack slot, each folded in the scalar `Acc`
/// order and arithmetic (so the results are bit-identical to `Acc`'s).
///
/// Column `j`'s accumulator (of `Acc`'s dtype) is at element `j` of the
/// slot; an f64 sum's Neumaier compensations follow the accumulators. A
/// column is either always handled by the vector forms or always by the
/// scalar ones (the caller's split of a run is the same at every step), and
/// both keep the same layout.
pub struct TileAcc {
    op: ReduceOp,
    input: DType,
    elem: DType,
    acc: DType,
    out: DType,
    /// The slot's address.
    ptr: Value,
    /// Byte offset of the compensations (f64 sums).
    comp: Option<i32>,
}

impl TileAcc {
    /// Bytes of accumulator state per column.
    pub fn bytes_per_column(op: ReduceOp, input: DType, out: DType) -> usize {
        let (elem, acc) = acc_types(op, input, out);
        acc.size() * if compensated(op, elem, acc) { 2 } else { 1 }
    }

    /// Accumulators for up to `tile` columns, in a fresh stack slot.
    pub fn new(
        e: &mut Emitter<'_>,
        op: ReduceOp,
        input: DType,
        out: DType,
        tile: usize,
    ) -> TileAcc {
        let (elem, acc) = acc_types(op, input, out);
        let bytes = tile * TileAcc::bytes_per_column(op, input, out);
        let data = StackSlotData::new(StackSlotKind::ExplicitSlot, bytes as u32, 4);
        let slot = e.b.create_sized_stack_slot(data);
        let ptr = e.b.ins().stack_addr(types::I64, slot, 0);
        let comp = compensated(op, elem, acc).then_some((tile * acc.size()) as i32);
        TileAcc {
            op,
            input,
            elem,
            acc,
            out,
            ptr,
            comp,
        }
    }

    /// Whether reductions `op` of `input` into `out` have vector forms: float
    /// and 32-bit integer sums (bools summed as 0/1), float products, and
    /// max/min of f32, f64, i32 and u32.
    pub fn vectorised(op: ReduceOp, input: DType, out: DType) -> bool {
        match (op, input) {
            (ReduceOp::Sum, DType::Bool) => out == DType::I32,
            (ReduceOp::Sum, DType::F32 | DType::F64 | DType::I32 | DType::U32) => out == input,
            (ReduceOp::Prod, DType::F32 | DType::F64) => out == input,
            (ReduceOp::Max | ReduceOp::Min, DType::F32 | DType::F64 | DType::I32 | DType::U32) => {
                out == input
            }
            _ => false,
        }
    }

    /// The address of column `col`'s accumulator (or its compensation).
    fn addr(&self, e: &mut Emitter<'_>, col: Value, comp: bool) -> Value {
        let shift = self.acc.size().trailing_zeros() as i64;
        let bytes = e.b.ins().ishl_imm_u(col, shift);
        let base = if comp {
            e.b.ins()
                .iadd_imm_s(self.ptr, i64::from(self.comp.expect("compensated sum")))
        } else {
            self.ptr
        };
        e.b.ins().iadd(base, bytes)
    }

    /// The 16-byte vectors covering `lanes` columns: how many, and their type.
    fn parts(&self, lanes: usize) -> (usize, Type) {
        let ty = match self.acc {
            DType::F64 => types::F64X2,
            DType::F32 => types::F32X4,
            _ => types::I32X4,
        };
        (lanes * self.acc.size() / 16, ty)
    }

    /// Sets the accumulators of columns `[col, col + lanes)` (one column when
    /// `lanes` is `None`) to the identity.
    pub fn init(&self, e: &mut Emitter<'_>, col: Value, lanes: Option<usize>) {
        let init = elementwise::immediate(e, self.op.identity(self.acc));
        let zero = self.comp.map(|_| e.b.ins().f64const(0.0));
        let flags = MemFlagsData::new().with_notrap();
        let addr = self.addr(e, col, false);
        let caddr = self.comp.map(|_| self.addr(e, col, true));
        match lanes {
            None => {
                e.b.ins().store(flags, init, addr, 0);
                if let (Some(z), Some(ca)) = (zero, caddr) {
                    e.b.ins().store(flags, z, ca, 0);
                }
            }
            Some(lanes) => {
                let (n, ty) = self.parts(lanes);
                let v = e.b.ins().splat(ty, init);
                let z = zero.map(|z| e.b.ins().splat(ty, z));
                for p in 0..n {
                    e.b.ins().store(flags, v, addr, 16 * p as i32);
                    if let (Some(z), Some(ca)) = (z, caddr) {
                        e.b.ins().store(flags, z, ca, 16 * p as i32);
                    }
                }
            }
        }
    }

    /// Folds element `x` (of the body's dtype) into column `col`'s accumulator.
    pub fn add(&self, e: &mut Emitter<'_>, col: Value, x: Value) {
        let flags = MemFlagsData::new().with_notrap();
        let x = convert(e, self.op, self.input, self.elem, self.acc, x);
        let ty = clif_type(self.acc);
        let addr = self.addr(e, col, false);
        let a = e.b.ins().load(ty, flags, addr, 0);
        let next = match self.comp {
            Some(_) => {
                let caddr = self.addr(e, col, true);
                let c = e.b.ins().load(types::F64, flags, caddr, 0);
                let (t, c) = neumaier(e, a, x, c, None);
                e.b.ins().store(flags, c, caddr, 0);
                t
            }
            None => combine(e, self.op, self.acc, a, x),
        };
        e.b.ins().store(flags, next, addr, 0);
    }

    /// Folds vectors `rows` (`lanes` elements of the body's dtype each, from
    /// consecutive reduced indices, in order) into the accumulators of
    /// columns `[col, col + lanes)`: one load and store of the accumulators
    /// for all of them.
    pub fn add_vector(&self, e: &mut Emitter<'_>, col: Value, rows: &[Value], lanes: usize) {
        let (n, ty) = self.parts(lanes);
        // Per row, its parts in the accumulators' form.
        let parts: Vec<Vec<Value>> = rows
            .iter()
            .map(|&x| match (self.op, self.input) {
                (ReduceOp::Sum, DType::F32) => {
                    let lo = e.b.ins().fvpromote_low(x);
                    let high = high_half(e, x);
                    let hi = e.b.ins().fvpromote_low(high);
                    vec![lo, hi]
                }
                // Masks (all ones for true) to 0/1.
                (ReduceOp::Sum, DType::Bool) => vec![e.b.ins().ineg(x)],
                _ => vec![x],
            })
            .collect();
        debug_assert!(parts.iter().all(|p| p.len() == n));
        self.fold_parts(e, col, &parts, ty, lanes);
    }

    /// Folds the f32 elements `[at, at + 16)` bytes after each of `rows`
    /// (addresses of consecutive reduced indices, in order) into the
    /// accumulators of columns `[col, col + 4)` of an f32 sum, each half
    /// loaded straight into the low lanes it is widened from.
    pub fn add_f32_at(&self, e: &mut Emitter<'_>, col: Value, rows: &[Value], at: i32) {
        let flags = MemFlagsData::new().with_notrap();
        let little = MemFlagsData::new().with_endianness(Endianness::Little);
        let parts: Vec<Vec<Value>> = rows
            .iter()
            .map(|&addr| {
                (0..2)
                    .map(|h| {
                        let half = e.b.ins().load(types::F64, flags, addr, at + 8 * h);
                        let half = e.b.ins().scalar_to_vector(types::F64X2, half);
                        let half = e.b.ins().bitcast(types::F32X4, little, half);
                        e.b.ins().fvpromote_low(half)
                    })
                    .collect()
            })
            .collect();
        self.fold_parts(e, col, &parts, types::F64X2, 4);
    }

    /// Folds `parts[row][p]` (16-byte vectors in the accumulators' form)
    /// into part `p` of the accumulators at column `col`, row by row.
    fn fold_parts(
        &self,
        e: &mut Emitter<'_>,
        col: Value,
        parts: &[Vec<Value>],
        ty: Type,
        lanes: usize,
    ) {
        let flags = MemFlagsData::new().with_notrap();
        let addr = self.addr(e, col, false);
        let caddr = self.comp.map(|_| self.addr(e, col, true));
        for p in 0..parts.first().map_or(0, Vec::len) {
            let at = 16 * p as i32;
            let mut a = e.b.ins().load(ty, flags, addr, at);
            let mut c = caddr.map(|ca| e.b.ins().load(ty, flags, ca, at));
            for row in parts {
                let x = row[p];
                a = match (self.op, c) {
                    (ReduceOp::Sum, Some(cv)) => {
                        let (t, cv) = neumaier(e, a, x, cv, Some(ty));
                        c = Some(cv);
                        t
                    }
                    (ReduceOp::Sum, None) if self.acc.is_float() => e.b.ins().fadd(a, x),
                    (ReduceOp::Sum, None) => e.b.ins().iadd(a, x),
                    (ReduceOp::Prod, _) => e.b.ins().fmul(a, x),
                    (op, _) => extreme(e, op, a, x, self.input, Some(lanes)),
                };
            }
            e.b.ins().store(flags, a, addr, at);
            if let (Some(ca), Some(cv)) = (caddr, c) {
                e.b.ins().store(flags, cv, ca, at);
            }
        }
    }

    /// Column `col`'s result, in the reduction's dtype.
    pub fn result(&self, e: &mut Emitter<'_>, col: Value) -> Value {
        let flags = MemFlagsData::new().with_notrap();
        let addr = self.addr(e, col, false);
        let mut v = e.b.ins().load(clif_type(self.acc), flags, addr, 0);
        if self.comp.is_some() {
            let caddr = self.addr(e, col, true);
            let c = e.b.ins().load(types::F64, flags, caddr, 0);
            v = e.b.ins().fadd(v, c);
        }
        cast(e, v, self.acc, self.out)
    }

    /// The results of columns `[col, col + lanes)` as one vector of the
    /// reduction's dtype, rounded as `result` rounds.
    pub fn result_vector(&self, e: &mut Emitter<'_>, col: Value, lanes: usize) -> Value {
        let flags = MemFlagsData::new().with_notrap();
        let (n, ty) = self.parts(lanes);
        let addr = self.addr(e, col, false);
        let mut parts: Vec<Value> = (0..n)
            .map(|p| e.b.ins().load(ty, flags, addr, 16 * p as i32))
            .collect();
        if self.comp.is_some() {
            let caddr = self.addr(e, col, true);
            for (p, v) in parts.iter_mut().enumerate() {
                let c = e.b.ins().load(ty, flags, caddr, 16 * p as i32);
                *v = e.b.ins().fadd(*v, c);
            }
        }
        match (self.op, self.input) {
            (ReduceOp::Sum, DType::F32) => demote_pair(e, parts[0], parts[1]),
            _ => parts[0],
        }
    }
}
