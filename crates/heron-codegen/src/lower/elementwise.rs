//! Element-wise ops: immediates, unary and binary ops, with `eval`'s exact
//! semantics for every dtype.
//!
//! Notable choices: `maximum`/`minimum` are `a > b || isnan(a) ? a : b`
//! (as `eval`), not Cranelift's `fmax`/`fmin`, whose WebAssembly rules order
//! -0 below +0 and do not keep the NaN operand's payload. Integer division is
//! floor division with `x // 0 == 0` and wrapping `MIN // -1`, guarded so
//! that no instruction can trap. Transcendentals, `pow` and `atan2` are
//! inline vector math (`vmath`, accurate to the ulp bounds it documents;
//! `sin`/`cos`/`tan` of |x| > 1e5 take a cold path to the libm helper);
//! float remainder calls a helper (see `helpers.rs`).

use super::{Emitter, clif_type};
use crate::lower::vmath;
use crate::run::helpers;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{InstBuilder, InstructionData, Opcode, Value, ValueDef, types};
use heron_ir::{BinaryOp, DType, Scalar, UnaryOp};

/// A constant.
pub fn immediate(e: &mut Emitter<'_>, s: Scalar) -> Value {
    let ins = e.b.ins();
    match s {
        Scalar::Bool(x) => ins.iconst(types::I8, x as i64),
        Scalar::I32(x) => ins.iconst(types::I32, x as u32 as i64),
        Scalar::U32(x) => ins.iconst(types::I32, x as i64),
        Scalar::I64(x) => ins.iconst(types::I64, x),
        Scalar::F32(x) => ins.f32const(x),
        Scalar::F64(x) => ins.f64const(x),
    }
}

fn fconst(e: &mut Emitter<'_>, dtype: DType, x: f64) -> Value {
    fconst_lanes(e, dtype, x, 1)
}

/// The float constant `x` of `dtype`: a scalar for one lane, else splat
/// into a vector of `lanes`.
pub fn fconst_lanes(e: &mut Emitter<'_>, dtype: DType, x: f64, lanes: usize) -> Value {
    let s = if dtype == DType::F32 {
        e.b.ins().f32const(x as f32)
    } else {
        e.b.ins().f64const(x)
    };
    if lanes == 1 {
        s
    } else {
        e.b.ins().splat(super::vec_type(dtype, lanes), s)
    }
}

/// `op x` for the ops that are the same instructions on a scalar
/// (`lanes == 1`) and on a vector of `lanes`; `None` for the others (sign,
/// integer predicates, `not`, math calls), whose scalar and vector forms
/// differ in how they hold booleans or reach helpers.
pub fn unary_any_lanes(
    e: &mut Emitter<'_>,
    op: UnaryOp,
    x: Value,
    from: DType,
    lanes: usize,
) -> Option<Value> {
    use UnaryOp::*;
    let float = from.is_float();
    Some(match op {
        Neg if float => e.b.ins().fneg(x),
        Neg => e.b.ins().ineg(x),
        Abs if float => e.b.ins().fabs(x),
        Abs if from == DType::U32 => x,
        Abs => e.b.ins().iabs(x),
        Sqrt => e.b.ins().sqrt(x),
        Rsqrt => {
            let s = e.b.ins().sqrt(x);
            let one = fconst_lanes(e, from, 1.0, lanes);
            e.b.ins().fdiv(one, s)
        }
        Reciprocal => {
            let one = fconst_lanes(e, from, 1.0, lanes);
            e.b.ins().fdiv(one, x)
        }
        Floor if float => e.b.ins().floor(x),
        Ceil if float => e.b.ins().ceil(x),
        Round if float => e.b.ins().nearest(x),
        Trunc if float => e.b.ins().trunc(x),
        Floor | Ceil | Round | Trunc => x,
        Square if float => e.b.ins().fmul(x, x),
        Square => e.b.ins().imul(x, x),
        IsNan if float => e.b.ins().fcmp(FloatCC::Unordered, x, x),
        IsInf | IsFinite if float => {
            let a = e.b.ins().fabs(x);
            let inf = fconst_lanes(e, from, f64::INFINITY, lanes);
            let cc = if op == IsInf {
                FloatCC::Equal
            } else {
                FloatCC::LessThan
            };
            e.b.ins().fcmp(cc, a, inf)
        }
        _ => return None,
    })
}

/// The float condition of comparison `op` (`Eq` ... `Ge`).
pub fn float_cc(op: BinaryOp) -> FloatCC {
    match op {
        BinaryOp::Eq => FloatCC::Equal,
        BinaryOp::Ne => FloatCC::NotEqual,
        BinaryOp::Lt => FloatCC::LessThan,
        BinaryOp::Le => FloatCC::LessThanOrEqual,
        BinaryOp::Gt => FloatCC::GreaterThan,
        _ => FloatCC::GreaterThanOrEqual,
    }
}

/// The integer condition of comparison `op` (`Eq` ... `Ge`), signed or not.
pub fn int_cc(op: BinaryOp, signed: bool) -> IntCC {
    use BinaryOp::*;
    match (op, signed) {
        (Eq, _) => IntCC::Equal,
        (Ne, _) => IntCC::NotEqual,
        (Lt, true) => IntCC::SignedLessThan,
        (Le, true) => IntCC::SignedLessThanOrEqual,
        (Gt, true) => IntCC::SignedGreaterThan,
        (_, true) => IntCC::SignedGreaterThanOrEqual,
        (Lt, false) => IntCC::UnsignedLessThan,
        (Le, false) => IntCC::UnsignedLessThanOrEqual,
        (Gt, false) => IntCC::UnsignedGreaterThan,
        (_, false) => IntCC::UnsignedGreaterThanOrEqual,
    }
}

/// `op x`, `x` of dtype `from`, result of dtype `to`.
pub fn unary(e: &mut Emitter<'_>, op: UnaryOp, x: Value, from: DType, to: DType) -> Value {
    use UnaryOp::*;
    let ty = clif_type(from);
    if from.is_float()
        && let Some(fast) = vmath::emit_unary(&mut e.b, e.target, op, x)
    {
        return large_argument_fallback(e, op, x, from, fast);
    }
    if let Some(v) = unary_any_lanes(e, op, x, from, 1) {
        return v;
    }
    let float = from.is_float();
    match op {
        Sign if float => {
            // x > 0 → 1; x < 0 → -1; ±0 → +0; NaN → NaN.
            let one = fconst(e, from, 1.0);
            let minus = fconst(e, from, -1.0);
            let zero = fconst(e, from, 0.0);
            let gt = e.b.ins().fcmp(FloatCC::GreaterThan, x, zero);
            let lt = e.b.ins().fcmp(FloatCC::LessThan, x, zero);
            let eq = e.b.ins().fcmp(FloatCC::Equal, x, zero);
            let r = e.b.ins().select(eq, zero, x);
            let r = e.b.ins().select(lt, minus, r);
            e.b.ins().select(gt, one, r)
        }
        Sign => {
            let zero = e.b.ins().iconst(ty, 0);
            let gt = e.b.ins().icmp(IntCC::UnsignedGreaterThan, x, zero);
            let gt = e.b.ins().uextend(ty, gt);
            if from == DType::U32 {
                return gt;
            }
            let gt = e.b.ins().icmp(IntCC::SignedGreaterThan, x, zero);
            let lt = e.b.ins().icmp(IntCC::SignedLessThan, x, zero);
            let gt = e.b.ins().uextend(ty, gt);
            let lt = e.b.ins().uextend(ty, lt);
            e.b.ins().isub(gt, lt)
        }
        IsNan | IsInf => e.b.ins().iconst(types::I8, 0),
        IsFinite => e.b.ins().iconst(types::I8, 1),
        Not if from == DType::Bool => e.b.ins().bxor_imm_s(x, 1),
        Not => e.b.ins().bnot(x),
        _ => unreachable!(
            "{} on {from} -> {to} has a helper or is rejected by infer",
            op.name()
        ),
    }
}

/// Inline `sin`/`cos`/`tan` are accurate for |x| <= 1e5
/// (`precision::TRIG_RANGE`, see `vmath`):
/// when some element (or lane of a vector) `x` is larger, `fast` is
/// replaced by the libm helper's result, computed lane by lane on a cold
/// path. Other ops return `fast` as is.
pub fn large_argument_fallback(
    e: &mut Emitter<'_>,
    op: UnaryOp,
    x: Value,
    dtype: DType,
    fast: Value,
) -> Value {
    if !matches!(op, UnaryOp::Sin | UnaryOp::Cos | UnaryOp::Tan) {
        return fast;
    }
    let helper = helpers::unary_index(op, dtype).expect("sin, cos and tan have helpers");
    let ty = e.b.func.dfg.value_type(x);
    let lane = clif_type(dtype);
    let limit = fconst(e, dtype, heron_ir::precision::TRIG_RANGE);
    let a = e.b.ins().fabs(x);
    let big = if ty.is_vector() {
        let limit = e.b.ins().splat(ty, limit);
        let m = e.b.ins().fcmp(FloatCC::GreaterThan, a, limit);
        e.b.ins().vany_true(m)
    } else {
        e.b.ins().fcmp(FloatCC::GreaterThan, a, limit)
    };
    let slow = e.b.create_block();
    let join = e.b.create_block();
    let result = e.b.append_block_param(join, ty);
    e.b.set_cold_block(slow);
    e.b.ins().brif(big, slow, &[], join, &[fast.into()]);
    e.b.switch_to_block(slow);
    let exact = if ty.is_vector() {
        let mut v = fast;
        for l in 0..ty.lane_count() as u8 {
            let xl = e.b.ins().extractlane(x, l);
            let r = e.call_helper(helper, &[xl], lane);
            v = e.b.ins().insertlane(v, r, l);
        }
        v
    } else {
        e.call_helper(helper, &[x], lane)
    };
    e.b.ins().jump(join, &[exact.into()]);
    e.b.switch_to_block(join);
    result
}

/// `a op b`, both of dtype `dtype` (the result is bool for comparisons).
pub fn binary(e: &mut Emitter<'_>, op: BinaryOp, a: Value, b: Value, dtype: DType) -> Value {
    use BinaryOp::*;
    let ty = clif_type(dtype);
    if dtype.is_float()
        && let Some(v) = vmath::emit_binary(&mut e.b, e.target, op, a, b)
    {
        return v;
    }
    if let Some(i) = helpers::binary_index(op, dtype) {
        return e.call_helper(i, &[a, b], ty);
    }
    let float = dtype.is_float();
    let signed = matches!(dtype, DType::I32 | DType::I64);
    match op {
        Add if float => e.ins().fadd(a, b),
        Sub if float => e.ins().fsub(a, b),
        Mul if float => e.ins().fmul(a, b),
        Div if float => fdiv(e, a, b),
        Add => e.ins().iadd(a, b),
        Sub => e.ins().isub(a, b),
        Mul => e.ins().imul(a, b),
        Div => int_div(e, a, b, ty, signed, false),
        Rem => int_div(e, a, b, ty, signed, true),
        Max | Min => {
            let (fcc, icc) = match (op, signed) {
                (Max, true) => (FloatCC::GreaterThan, IntCC::SignedGreaterThan),
                (Max, false) => (FloatCC::GreaterThan, IntCC::UnsignedGreaterThan),
                (_, true) => (FloatCC::LessThan, IntCC::SignedLessThan),
                (_, false) => (FloatCC::LessThan, IntCC::UnsignedLessThan),
            };
            let pick_a = if float {
                let better = e.ins().fcmp(fcc, a, b);
                let nan = e.ins().fcmp(FloatCC::Unordered, a, a);
                e.ins().bor(better, nan)
            } else {
                e.ins().icmp(icc, a, b)
            };
            e.ins().select(pick_a, a, b)
        }
        And => e.ins().band(a, b),
        Or => e.ins().bor(a, b),
        Xor => e.ins().bxor(a, b),
        Eq | Ne | Lt | Le | Gt | Ge if float => e.ins().fcmp(float_cc(op), a, b),
        Eq | Ne | Lt | Le | Gt | Ge => e.ins().icmp(int_cc(op, signed), a, b),
        // Transcendental ops: inline vector math above, or a helper.
        _ => unreachable!(
            "{} on {dtype} has a helper or is rejected by infer",
            op.name()
        ),
    }
}

/// `a / b` for floats, scalars or vectors. A quotient of a negation by a
/// constant, `(-x) / k`, is emitted as `x / (-k)`: the same value (IEEE
/// division rounds `|x| / |k|` and gives it the sign of the operands'
/// product, and rounding to nearest is symmetric), without the negation
/// (three instructions for a vector on x86-64), which is left dead when the
/// quotient was its only use. Only the sign bit of a NaN quotient may
/// differ (a NaN result is checked as NaN, never by its sign). The rate
/// functions of a Hodgkin–Huxley step, `exp(-(v + 65) / 18)`, are such
/// quotients.
pub fn fdiv(e: &mut Emitter<'_>, a: Value, b: Value) -> Value {
    if let Some(x) = negated(e, a)
        && let Some(nk) = negated_constant(e, b)
    {
        return e.b.ins().fdiv(x, nk);
    }
    e.b.ins().fdiv(a, b)
}

/// `x` when `v` is `fneg x`.
fn negated(e: &Emitter<'_>, v: Value) -> Option<Value> {
    let dfg = &e.b.func.dfg;
    match dfg.value_def(v) {
        ValueDef::Result(i, 0) => match dfg.insts[i] {
            InstructionData::Unary {
                opcode: Opcode::Fneg,
                arg,
            } => Some(arg),
            _ => None,
        },
        _ => None,
    }
}

/// `-k` as a new constant when `v` is the float constant `k` (a scalar or
/// its splat).
fn negated_constant(e: &mut Emitter<'_>, v: Value) -> Option<Value> {
    let ValueDef::Result(i, 0) = e.b.func.dfg.value_def(v) else {
        return None;
    };
    match e.b.func.dfg.insts[i] {
        InstructionData::UnaryIeee32 {
            opcode: Opcode::F32const,
            imm,
        } => Some(e.b.ins().f32const(-imm)),
        InstructionData::UnaryIeee64 {
            opcode: Opcode::F64const,
            imm,
        } => Some(e.b.ins().f64const(-imm)),
        InstructionData::Unary {
            opcode: Opcode::Splat,
            arg,
        } => {
            let ty = e.b.func.dfg.value_type(v);
            let s = negated_constant(e, arg)?;
            Some(e.b.ins().splat(ty, s))
        }
        _ => None,
    }
}

/// Integer floor division or NumPy remainder, without traps: a zero divisor
/// gives 0, and `MIN // -1` wraps (the divisor -1 is replaced by 1 and the
/// quotient negated).
fn int_div(
    e: &mut Emitter<'_>,
    a: Value,
    b: Value,
    ty: cranelift_codegen::ir::Type,
    signed: bool,
    remainder: bool,
) -> Value {
    let zero = e.ins().iconst(ty, 0);
    let one = e.ins().iconst(ty, 1);
    let is_zero = e.ins().icmp_imm_s(IntCC::Equal, b, 0);
    if !signed {
        let safe = e.ins().select(is_zero, one, b);
        let r = if remainder {
            e.ins().urem(a, safe)
        } else {
            e.ins().udiv(a, safe)
        };
        return e.ins().select(is_zero, zero, r);
    }
    let is_m1 = e.ins().icmp_imm_s(IntCC::Equal, b, -1);
    let bad = e.ins().bor(is_zero, is_m1);
    let safe = e.ins().select(bad, one, b);
    // Truncated quotient and remainder (b == -1: q = -a, r = 0).
    let q = e.ins().sdiv(a, safe);
    let neg = e.ins().ineg(a);
    let q = e.ins().select(is_m1, neg, q);
    let r = e.ins().srem(a, safe);
    // Floor: when r != 0 and r, b have opposite signs, q -= 1 and r += b.
    let r_nz = e.ins().icmp_imm_s(IntCC::NotEqual, r, 0);
    let x = e.ins().bxor(r, b);
    let opposite = e.ins().icmp_imm_s(IntCC::SignedLessThan, x, 0);
    let adjust = e.ins().band(r_nz, opposite);
    let out = if remainder {
        let rb = e.ins().iadd(r, b);
        e.ins().select(adjust, rb, r)
    } else {
        let q1 = e.ins().iadd_imm_s(q, -1);
        e.ins().select(adjust, q1, q)
    };
    e.ins().select(is_zero, zero, out)
}
