//! Reduction accumulators.
//!
//! Elements are visited in row-major order of the reduced axes, the order
//! `eval` folds them in, so `prod`, `max`, `min`, `any`, `all` and integer
//! sums are bit-identical to `eval`. Float sums differ in order from eval's
//! pairwise summation and are made more accurate instead: an f32 sum
//! accumulates in f64 and rounds once (error ≤ 0.5 ulp + n·2⁻⁵³·Σ|x|), an
//! f64 sum uses Neumaier's compensated summation (error ≤ 2⁻⁵³·|s| +
//! O(n·2⁻¹⁰⁶)·Σ|x|). Eval's pairwise sum is within O(log n)·ε·Σ|x| of the
//! exact sum, so the two agree within that bound.
//!
//! `VecAcc` is the vector form: over a contiguous innermost reduced axis,
//! one accumulator per unrolled vector (each lane its own partial sum in
//! f64, or Neumaier pair), folded lane by lane into the scalar `Acc` at the
//! end, so sums change order but keep the bounds above, and max/min stay
//! exact.
//!
//! `TileAcc` serves reductions lowered by columns (`columns.rs`): one
//! accumulator per output in memory, each folded in exactly the scalar
//! order with the scalar arithmetic (vector forms lane by lane), so those
//! results are bit-identical to `Acc`'s.

use super::{Emitter, cast::cast, clif_type, elementwise};
use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::{
    Endianness, InstBuilder, MemFlagsData, StackSlotData, StackSlotKind, Type, Value, types,
};
use cranelift_frontend::Variable;
use heron_ir::{BinaryOp, DType, ReduceOp};

/// An accumulator living in Cranelift variables across the reduction loop.
pub struct Acc {
    op: ReduceOp,
    /// The dtype of the elements folded in.
    input: DType,
    /// The dtype elements are converted to before accumulating.
    elem: DType,
    /// The dtype of the accumulator.
    acc: DType,
    /// The result dtype.
    out: DType,
    value: Variable,
    /// Neumaier's running compensation (f64 sums).
    comp: Option<Variable>,
}

impl Acc {
    /// A fresh accumulator holding the identity of `op`.
    pub fn new(e: &mut Emitter<'_>, op: ReduceOp, input: DType, out: DType) -> Acc {
        let (elem, acc) = acc_types(op, input, out);
        let v = e.b.declare_var(clif_type(acc));
        let init_v = elementwise::immediate(e, op.identity(acc));
        e.b.def_var(v, init_v);
        let comp = compensated(op, elem, acc).then(|| {
            let c = e.b.declare_var(types::F64);
            let z = e.b.ins().f64const(0.0);
            e.b.def_var(c, z);
            c
        });
        Acc {
            op,
            input,
            elem,
            acc,
            out,
            value: v,
            comp,
        }
    }

    /// Folds one element (of the body's dtype) into the accumulator.
    pub fn add(&mut self, e: &mut Emitter<'_>, x: Value) {
        let x = convert(e, self.op, self.input, self.elem, self.acc, x);
        self.add_raw(e, x);
    }

    /// Folds one value already of the accumulator's dtype.
    pub fn add_raw(&mut self, e: &mut Emitter<'_>, x: Value) {
        let acc = e.b.use_var(self.value);
        let next = match self.comp {
            Some(c) => {
                let cv = e.b.use_var(c);
                let (t, cv) = neumaier(e, acc, x, cv, None);
                e.b.def_var(c, cv);
                t
            }
            None => combine(e, self.op, self.acc, acc, x),
        };
        e.b.def_var(self.value, next);
    }

    /// The result, in the reduction's dtype.
    pub fn finish(self, e: &mut Emitter<'_>) -> Value {
        let mut v = e.b.use_var(self.value);
        if let Some(c) = self.comp {
            let cv = e.b.use_var(c);
            v = e.b.ins().fadd(v, cv);
        }
        cast(e, v, self.acc, self.out)
    }
}

/// The dtype elements are converted to before accumulating, and the
/// accumulator's dtype, of a reduction `op` of `input` into `out`.
fn acc_types(op: ReduceOp, input: DType, out: DType) -> (DType, DType) {
    // The second stage of a split f32 sum reads f64 partials: summed in f64
    // (compensated) and rounded to f32 once.
    let acc = op.accumulator_dtype(input);
    debug_assert!(acc == op.accumulator_dtype(out) || out == DType::F32);
    let elem = if op == ReduceOp::Sum && input == DType::F32 {
        input
    } else {
        acc
    };
    (elem, acc)
}

/// Whether the sum keeps a Neumaier compensation (f64 sums).
fn compensated(op: ReduceOp, elem: DType, acc: DType) -> bool {
    op == ReduceOp::Sum && acc == DType::F64 && elem == DType::F64
}

/// Converts element `x` of `input` to the accumulator's dtype.
fn convert(
    e: &mut Emitter<'_>,
    op: ReduceOp,
    input: DType,
    elem: DType,
    acc: DType,
    x: Value,
) -> Value {
    match op {
        ReduceOp::Any | ReduceOp::All => cast(e, x, input, DType::Bool),
        _ => {
            let x = cast(e, x, input, elem);
            cast(e, x, elem, acc)
        }
    }
}

/// `acc op x` for a scalar accumulator of dtype `dtype` (not a compensated sum).
fn combine(e: &mut Emitter<'_>, op: ReduceOp, dtype: DType, acc: Value, x: Value) -> Value {
    elementwise::binary(e, op.combine(), acc, x, dtype)
}

/// One step of Neumaier's summation: `t = s + x` and the compensation
/// `c += |s| >= |x| ? (s - t) + x : (x - t) + s`, scalar (`mask_ty` `None`)
/// or lane by lane (`mask_ty` the vector type). Returns `(t, c)`.
///
/// Where `t` is not finite (an infinite term, or an overflow) the step adds
/// nothing to `c`: its formula would be `inf - inf`, and a NaN (or
/// infinite) compensation would turn the final `t + c` into NaN where the
/// sum is ±inf.
fn neumaier(
    e: &mut Emitter<'_>,
    s: Value,
    x: Value,
    c: Value,
    mask_ty: Option<Type>,
) -> (Value, Value) {
    let t = e.b.ins().fadd(s, x);
    let sa = e.b.ins().fabs(s);
    let xa = e.b.ins().fabs(x);
    let big_s = e.b.ins().fcmp(FloatCC::GreaterThanOrEqual, sa, xa);
    let st = e.b.ins().fsub(s, t);
    let st = e.b.ins().fadd(st, x);
    let xt = e.b.ins().fsub(x, t);
    let xt = e.b.ins().fadd(xt, s);
    let ta = e.b.ins().fabs(t);
    let inf = match mask_ty {
        None => e.b.ins().f64const(f64::INFINITY),
        Some(ty) => {
            let inf = e.b.ins().f64const(f64::INFINITY);
            e.b.ins().splat(ty, inf)
        }
    };
    let finite = e.b.ins().fcmp(FloatCC::LessThan, ta, inf);
    let zero = match mask_ty {
        None => e.b.ins().f64const(0.0),
        Some(ty) => {
            let z = e.b.ins().f64const(0.0);
            e.b.ins().splat(ty, z)
        }
    };
    let d = match mask_ty {
        None => {
            let d = e.b.ins().select(big_s, st, xt);
            e.b.ins().select(finite, d, zero)
        }
        Some(ty) => {
            let m = e.b.ins().bitcast(ty, MemFlagsData::new(), big_s);
            let d = e.b.ins().bitselect(m, st, xt);
            let m = e.b.ins().bitcast(ty, MemFlagsData::new(), finite);
            e.b.ins().bitselect(m, d, zero)
        }
    };
    let c = e.b.ins().fadd(c, d);
    (t, c)
}

/// Vector accumulators for a reduction whose innermost reduced axis is
/// contiguous: one independent accumulator per unrolled vector (several
/// dependency chains), folded lane by lane into the scalar `Acc` at the end.
///
/// Supported: f32 sums (each half of an f32x4 promoted to f64x2, as the
/// scalar path accumulates in f64), f64 sums (Neumaier per lane), and
/// max/min of f32, f64, i32 and u32 (exact in any order; the float formula
/// is the scalar one, lane by lane).
pub struct VecAcc {
    op: ReduceOp,
    input: DType,
    /// The accumulator type (`f64x2` for sums, else the input's vector type).
    ty: Type,
    /// Per unrolled vector: its accumulators (two for f32 sums).
    acc: Vec<Vec<Variable>>,
    /// Neumaier compensations (f64 sums), parallel to `acc`.
    comp: Vec<Variable>,
}

impl VecAcc {
    /// Accumulators for `unroll` vectors of `lanes` elements of `input`, or
    /// `None` when this reduction is not vectorised.
    pub fn new(
        e: &mut Emitter<'_>,
        op: ReduceOp,
        input: DType,
        out: DType,
        lanes: usize,
        unroll: usize,
    ) -> Option<VecAcc> {
        if !VecAcc::supported(op, input, out) {
            return None;
        }
        let (ty, per) = match (op, input) {
            (ReduceOp::Sum, DType::F32) => (types::F64X2, 2),
            (ReduceOp::Sum, _) => (types::F64X2, 1),
            _ => (super::vector::vec_type(input, lanes), 1),
        };
        // Vector sums accumulate in f64 lanes whatever the input.
        let init = op.identity(if op == ReduceOp::Sum {
            DType::F64
        } else {
            input
        });
        let s = elementwise::immediate(e, init);
        let init = e.b.ins().splat(ty, s);
        let var = |e: &mut Emitter<'_>| {
            let v = e.b.declare_var(ty);
            e.b.def_var(v, init);
            v
        };
        let acc = (0..unroll)
            .map(|_| (0..per).map(|_| var(e)).collect())
            .collect();
        let comp = if op == ReduceOp::Sum && input == DType::F64 {
            (0..unroll).map(|_| var(e)).collect()
        } else {
            Vec::new()
        };
        Some(VecAcc {
            op,
            input,
            ty,
            acc,
            comp,
        })
    }

    /// Whether reductions `op` of `input` elements into `out` are vectorised.
    pub fn supported(op: ReduceOp, input: DType, out: DType) -> bool {
        match (op, input) {
            // An f32 sum may also end in f64 (the partials of a split sum).
            (ReduceOp::Sum, DType::F32) => matches!(out, DType::F32 | DType::F64),
            (ReduceOp::Sum, DType::F64) => out == input,
            (ReduceOp::Max | ReduceOp::Min, DType::F32 | DType::F64 | DType::I32 | DType::U32) => {
                out == input
            }
            _ => false,
        }
    }

    /// Folds vector `x` (elements of the input dtype) into accumulator `k`.
    pub fn add(&mut self, e: &mut Emitter<'_>, k: usize, x: Value) {
        match (self.op, self.input) {
            (ReduceOp::Sum, DType::F32) => {
                let lo = e.b.ins().fvpromote_low(x);
                let high = high_half(e, x);
                let hi = e.b.ins().fvpromote_low(high);
                for (v, part) in self.acc[k].clone().into_iter().zip([lo, hi]) {
                    let a = e.b.use_var(v);
                    let a = e.b.ins().fadd(a, part);
                    e.b.def_var(v, a);
                }
            }
            (ReduceOp::Sum, _) => {
                let (v, c) = (self.acc[k][0], self.comp[k]);
                let sv = e.b.use_var(v);
                let cv = e.b.use_var(c);
                let (t, cv) = neumaier(e, sv, x, cv, Some(self.ty));
                e.b.def_var(c, cv);
                e.b.def_var(v, t);
            }
            (op, _) => {
                let v = self.acc[k][0];
                let a = e.b.use_var(v);
                let bop = if op == ReduceOp::Max {
                    BinaryOp::Max
                } else {
                    BinaryOp::Min
                };
                let lanes = self.ty.lane_count() as usize;
                let r = super::vector::binary(e, bop, a, x, self.input, lanes);
                e.b.def_var(v, r);
            }
        }
    }

    /// Folds the four f32 elements at `addr + at` into accumulator `k` of an
    /// f32 sum, loading each half straight into the low lanes it is
    /// widened from (no shuffle, no read past the fourth element).
    pub fn add_f32_at(&mut self, e: &mut Emitter<'_>, k: usize, addr: Value, at: i32) {
        let flags = MemFlagsData::new().with_notrap();
        let little = MemFlagsData::new().with_endianness(Endianness::Little);
        for (h, v) in self.acc[k].clone().into_iter().enumerate() {
            let half = e.b.ins().load(types::F64, flags, addr, at + 8 * h as i32);
            let half = e.b.ins().scalar_to_vector(types::F64X2, half);
            let half = e.b.ins().bitcast(types::F32X4, little, half);
            let wide = e.b.ins().fvpromote_low(half);
            let a = e.b.use_var(v);
            let a = e.b.ins().fadd(a, wide);
            e.b.def_var(v, a);
        }
    }

    /// Folds every lane of every accumulator into `acc`, in a fixed order.
    pub fn finish(self, e: &mut Emitter<'_>, acc: &mut Acc) {
        let lanes = self.ty.lane_count() as u8;
        let parts = self.acc.iter().flatten().chain(&self.comp);
        for &v in parts {
            let x = e.b.use_var(v);
            for l in 0..lanes {
                let lane = e.b.ins().extractlane(x, l);
                acc.add_raw(e, lane);
            }
        }
    }
}

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
                    (op, _) => {
                        let bop = if op == ReduceOp::Max {
                            BinaryOp::Max
                        } else {
                            BinaryOp::Min
                        };
                        super::vector::binary(e, bop, a, x, self.input, lanes)
                    }
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

/// Lanes 2 and 3 of an f32x4, moved to lanes 0 and 1.
fn high_half(e: &mut Emitter<'_>, x: Value) -> Value {
    let mask: Vec<u8> = (8..16).chain(8..16).collect();
    let mask = e.b.func.dfg.immediates.push(mask.into());
    let flags = MemFlagsData::new().with_endianness(Endianness::Little);
    let bytes = e.b.ins().bitcast(types::I8X16, flags, x);
    let high = e.b.ins().shuffle(bytes, bytes, mask);
    e.b.ins().bitcast(types::F32X4, flags, high)
}

/// Two f64x2 rounded to f32 and joined into one f32x4 (`lo` in lanes 0, 1).
fn demote_pair(e: &mut Emitter<'_>, lo: Value, hi: Value) -> Value {
    let lo = e.b.ins().fvdemote(lo);
    let hi = e.b.ins().fvdemote(hi);
    let flags = MemFlagsData::new().with_endianness(Endianness::Little);
    let lo = e.b.ins().bitcast(types::I8X16, flags, lo);
    let hi = e.b.ins().bitcast(types::I8X16, flags, hi);
    let mask: Vec<u8> = (0..8).chain(16..24).collect();
    let mask = e.b.func.dfg.immediates.push(mask.into());
    let both = e.b.ins().shuffle(lo, hi, mask);
    e.b.ins().bitcast(types::F32X4, flags, both)
}
