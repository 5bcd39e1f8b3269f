//! `VecAcc`, the vector form of a reduction over a contiguous innermost
//! reduced axis: one accumulator per unrolled vector, folded lane by lane
//! into the scalar `Acc` at the end (see `reduce.rs` for the bounds).

use super::Acc;
use super::{extreme, high_half, neumaier};
use crate::lower::{Emitter, elementwise};
use cranelift_codegen::ir::{Endianness, InstBuilder, MemFlagsData, Type, Value, types};
use cranelift_frontend::Variable;
use heron_ir::{DType, ReduceOp};

/// Vector accumulators for a reduction whose innermost reduced axis is
/// contiguous: one independent accumulator per unrolled vector (several
/// dependency chains), folded lane by lane into the scalar `Acc` at the end.
///
/// Supported: f32 sums (each half of an f32x4 promoted to f64x2, as the
/// scalar path accumulates in f64), f64 sums (Neumaier per lane), and
/// max/min of f32, f64, i32 and u32 (exact in any order: the float combine
/// is `extreme`'s vector form, which settles a tie of `±0` by the bits as
/// its scalar form and `eval` do, whatever the order).
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
            _ => (crate::lower::vec_type(input, lanes), 1),
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
                let lanes = self.ty.lane_count() as usize;
                let r = extreme(e, op, a, x, self.input, Some(lanes));
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
