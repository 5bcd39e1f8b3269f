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

use super::{Emitter, cast::cast, clif_type, elementwise};
use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::{InstBuilder, Value, types};
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
