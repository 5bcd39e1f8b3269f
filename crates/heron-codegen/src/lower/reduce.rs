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
//! exact. Over a contiguous kept axis, each lane is one output, accumulated
//! in exactly the scalar order.

use super::{Emitter, cast::cast, clif_type, elementwise};
use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::{Endianness, InstBuilder, MemFlagsData, Type, Value, types};
use cranelift_frontend::Variable;
use heron_ir::{BinaryOp, DType, ReduceOp, Scalar};

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
        let (elem, acc) = match op {
            ReduceOp::Sum if input == DType::F32 => (DType::F32, DType::F64),
            ReduceOp::Sum | ReduceOp::Prod => (out, out),
            ReduceOp::Any | ReduceOp::All => (DType::Bool, DType::Bool),
            ReduceOp::Max | ReduceOp::Min => (input, input),
        };
        let init = match op {
            ReduceOp::Sum | ReduceOp::Any => Scalar::zero(acc),
            ReduceOp::Prod | ReduceOp::All => Scalar::one(acc),
            ReduceOp::Max => extreme(acc, false),
            ReduceOp::Min => extreme(acc, true),
        };
        let v = e.b.declare_var(clif_type(acc));
        let init_v = elementwise::immediate(e, init);
        e.b.def_var(v, init_v);
        let comp = (op == ReduceOp::Sum && acc == DType::F64 && elem == DType::F64).then(|| {
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
        let input = self.input;
        let x = match self.op {
            ReduceOp::Any | ReduceOp::All => cast(e, x, input, DType::Bool),
            _ => {
                let x = cast(e, x, input, self.elem);
                cast(e, x, self.elem, self.acc)
            }
        };
        self.add_raw(e, x);
    }

    /// Folds one value already of the accumulator's dtype.
    pub fn add_raw(&mut self, e: &mut Emitter<'_>, x: Value) {
        let acc = e.b.use_var(self.value);
        let next = match self.op {
            ReduceOp::Sum => match self.comp {
                Some(c) => {
                    // Neumaier: t = s + x; c += |s| >= |x| ? (s - t) + x : (x - t) + s.
                    let t = e.b.ins().fadd(acc, x);
                    let sa = e.b.ins().fabs(acc);
                    let xa = e.b.ins().fabs(x);
                    let big_s = e.b.ins().fcmp(FloatCC::GreaterThanOrEqual, sa, xa);
                    let st = e.b.ins().fsub(acc, t);
                    let st = e.b.ins().fadd(st, x);
                    let xt = e.b.ins().fsub(x, t);
                    let xt = e.b.ins().fadd(xt, acc);
                    let d = e.b.ins().select(big_s, st, xt);
                    let cv = e.b.use_var(c);
                    let cv = e.b.ins().fadd(cv, d);
                    e.b.def_var(c, cv);
                    t
                }
                None => elementwise::binary(e, BinaryOp::Add, acc, x, self.acc),
            },
            ReduceOp::Prod => elementwise::binary(e, BinaryOp::Mul, acc, x, self.acc),
            ReduceOp::Max => elementwise::binary(e, BinaryOp::Max, acc, x, self.acc),
            ReduceOp::Min => elementwise::binary(e, BinaryOp::Min, acc, x, self.acc),
            ReduceOp::Any => e.b.ins().bor(acc, x),
            ReduceOp::All => e.b.ins().band(acc, x),
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

/// The largest (`largest = true`) or smallest value of `dtype`: the
/// identity of min or max.
fn extreme(dtype: DType, largest: bool) -> Scalar {
    match (dtype, largest) {
        (DType::Bool, l) => Scalar::Bool(l),
        (DType::I32, true) => Scalar::I32(i32::MAX),
        (DType::I32, false) => Scalar::I32(i32::MIN),
        (DType::I64, true) => Scalar::I64(i64::MAX),
        (DType::I64, false) => Scalar::I64(i64::MIN),
        (DType::U32, true) => Scalar::U32(u32::MAX),
        (DType::U32, false) => Scalar::U32(0),
        (DType::F32, l) => Scalar::F32(if l { f32::INFINITY } else { f32::NEG_INFINITY }),
        (DType::F64, l) => Scalar::F64(if l { f64::INFINITY } else { f64::NEG_INFINITY }),
    }
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
        let init = match op {
            ReduceOp::Sum => Scalar::zero(DType::F64),
            ReduceOp::Max => extreme(input, false),
            _ => extreme(input, true),
        };
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
            (ReduceOp::Sum, DType::F32 | DType::F64) => out == input,
            (ReduceOp::Max | ReduceOp::Min, DType::F32 | DType::F64 | DType::I32 | DType::U32) => {
                out == input
            }
            _ => false,
        }
    }

    /// Accumulator `k` as a vector of results, one per lane (in the output
    /// dtype, rounded as the scalar `Acc::finish` rounds).
    pub fn lanes(&self, e: &mut Emitter<'_>, k: usize) -> Value {
        let vars = &self.acc[k];
        match (self.op, self.input) {
            (ReduceOp::Sum, DType::F32) => {
                let lo = e.b.use_var(vars[0]);
                let hi = e.b.use_var(vars[1]);
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
            (ReduceOp::Sum, _) => {
                let v = e.b.use_var(vars[0]);
                let c = e.b.use_var(self.comp[k]);
                e.b.ins().fadd(v, c)
            }
            _ => e.b.use_var(vars[0]),
        }
    }

    /// Folds vector `x` (elements of the input dtype) into accumulator `k`.
    pub fn add(&mut self, e: &mut Emitter<'_>, k: usize, x: Value) {
        match (self.op, self.input) {
            (ReduceOp::Sum, DType::F32) => {
                let lo = e.b.ins().fvpromote_low(x);
                let mask: Vec<u8> = (8..16).chain(8..16).collect();
                let mask = e.b.func.dfg.immediates.push(mask.into());
                let flags = MemFlagsData::new().with_endianness(Endianness::Little);
                let bytes = e.b.ins().bitcast(types::I8X16, flags, x);
                let high = e.b.ins().shuffle(bytes, bytes, mask);
                let high = e.b.ins().bitcast(types::F32X4, flags, high);
                let hi = e.b.ins().fvpromote_low(high);
                for (v, part) in self.acc[k].clone().into_iter().zip([lo, hi]) {
                    let a = e.b.use_var(v);
                    let a = e.b.ins().fadd(a, part);
                    e.b.def_var(v, a);
                }
            }
            (ReduceOp::Sum, _) => {
                let (v, c) = (self.acc[k][0], self.comp[k]);
                let s = e.b.use_var(v);
                let t = e.b.ins().fadd(s, x);
                let sa = e.b.ins().fabs(s);
                let xa = e.b.ins().fabs(x);
                let big_s = e.b.ins().fcmp(FloatCC::GreaterThanOrEqual, sa, xa);
                let st = e.b.ins().fsub(s, t);
                let st = e.b.ins().fadd(st, x);
                let xt = e.b.ins().fsub(x, t);
                let xt = e.b.ins().fadd(xt, s);
                let m = e.b.ins().bitcast(self.ty, MemFlagsData::new(), big_s);
                let d = e.b.ins().bitselect(m, st, xt);
                let cv = e.b.use_var(c);
                let cv = e.b.ins().fadd(cv, d);
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
