//! SIMD lowering of element-wise kernel bodies: 128-bit vectors over the
//! innermost axis of the loop nest.
//!
//! A kernel is vectorised when every access walks the innermost axis with
//! stride 0 (a broadcast: one scalar load, splatted) or 1 (loads) and every
//! store with stride 1, and every instruction has a vector form here. All
//! non-bool values must have one element size: 4 bytes (`f32x4`, `i32x4`)
//! or 8 bytes (`f64x2`). Bools are lane masks of the integer type with those
//! lanes (`i32x4` or `i64x2`, all ones for true); in memory they stay one
//! byte 0/1, widened on load and narrowed on store. `U32` random bits whose
//! counters stay below 2^32 are drawn four lanes at a time (`threefry.rs`).
//! Integer division and remainder by a power-of-two immediate are shifts
//! and masks (floor semantics). Kernels with `i64` values (so 64-bit random
//! words), other integer division, float remainder, integer powers or casts
//! between sizes stay scalar.
//!
//! Every vector op computes lane by lane what the scalar lowering computes
//! (the same IEEE operations, the same NaN and signed-zero choices for
//! maximum/minimum and sign), so vector and scalar results are bit-identical;
//! transcendentals use `vmath`, whose scalar and vector forms agree.

use super::memory::{little, load, unaligned};
use super::threefry::{Generators, counter_fits_u32};
use super::{Access, Emitter, clif_type, vec_type};
use crate::lower::vmath;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Type, Value, types};
use heron_ir::plan::{BufId, Expr, Kernel, Store, StoreValue};
use heron_ir::{BinaryOp, DType, Scalar, UnaryOp};

/// How a kernel is vectorised: lanes per vector and vectors per unrolled step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    /// Elements per vector (4 or 2).
    pub lanes: usize,
    /// Independent vectors per iteration of the unrolled loop.
    pub unroll: usize,
}

/// Bodies up to this many instructions are unrolled ×4.
const SMALL_BODY: usize = 48;

/// Bodies weighing more than this (instructions, an inline transcendental
/// counting `VMATH_WEIGHT`) are not unrolled; lighter ones are unrolled ×2.
const LARGE_BODY: usize = 200;

/// The weight of an inline transcendental: about its instruction count.
const VMATH_WEIGHT: usize = 24;

/// The vector shape of `kernel`'s body, or `None` when it stays scalar.
/// `inner` holds each access's coefficient on the innermost axis of the
/// loop that runs the body (loads in body order, then stores; a reduction
/// kernel's loop has no stores) and `extent` that axis's length.
pub fn plan(
    kernel: &Kernel,
    buffer_dtype: &dyn Fn(BufId) -> DType,
    inner: &[i64],
    first_store: usize,
    extent: usize,
) -> Option<Shape> {
    let mut size = None;
    // A reduction over the innermost axis stores its results after the
    // vector loop, from the scalar accumulator: their type does not set the
    // lanes (a split f32 sum stores f64 partials).
    let rank = kernel.shape.rank();
    let stores_after_loop = kernel
        .reduce
        .as_ref()
        .is_some_and(|r| rank > 0 && r.axes.contains(&(rank - 1)));
    let stored = kernel
        .stores
        .iter()
        .filter(|_| !stores_after_loop)
        .map(|s| buffer_dtype(s.buf));
    let dtypes = kernel.body.iter().map(|i| i.dtype).chain(stored);
    for d in dtypes {
        match d {
            DType::Bool => {}
            DType::I64 => return None,
            d if size.is_some_and(|s| s != d.size()) => return None,
            d => size = Some(d.size()),
        }
    }
    let lanes = 16 / size.unwrap_or(4);
    // A gather's accesses are scalar loads per lane: any coefficient.
    let mut per_lane = Vec::with_capacity(first_store);
    for i in &kernel.body {
        let n = super::gather::access_maps(&i.expr).len();
        per_lane.extend((0..n).map(|_| matches!(i.expr, Expr::Gather(_))));
    }
    if extent < lanes
        || inner[..first_store]
            .iter()
            .zip(&per_lane)
            .any(|(&c, &free)| !free && c != 0 && c != 1)
        || inner[first_store..].iter().any(|&c| c != 1)
        || !kernel
            .body
            .iter()
            .all(|i| supported(kernel, &i.expr, i.dtype, lanes))
    {
        return None;
    }
    Some(Shape {
        lanes,
        unroll: unroll_for(kernel),
    })
}

/// Vectors per unrolled iteration: ×4 for small bodies, ×2 for larger
/// ones, and none for bodies so large (several inline transcendentals)
/// that one vector already has ample independent work: unrolling those
/// only adds spills and doubles the code to compile. A reduction keeps ×2
/// (one accumulator per unrolled vector, so the unroll fixes its order of
/// summation).
fn unroll_for(kernel: &Kernel) -> usize {
    let len = kernel.body.len();
    let weight: usize = kernel
        .body
        .iter()
        .map(|i| match i.expr {
            Expr::Unary(op, _) if op.is_transcendental() => VMATH_WEIGHT,
            Expr::Binary(op, ..) if op.is_transcendental() => VMATH_WEIGHT,
            _ => 1,
        })
        .sum();
    if len <= SMALL_BODY {
        4
    } else if weight <= LARGE_BODY || kernel.reduce.is_some() {
        2
    } else {
        1
    }
}

/// Whether instruction `expr` (of result dtype `to`) has a vector form
/// with `lanes` lanes.
pub(super) fn supported(kernel: &Kernel, expr: &Expr, to: DType, lanes: usize) -> bool {
    let dt = |i: usize| kernel.body[i].dtype;
    match expr {
        Expr::Load { .. } | Expr::Imm(_) | Expr::Select(..) | Expr::Gather(_) => true,
        Expr::ThreefryBits { index, .. } => {
            to == DType::U32 && lanes == 4 && counter_fits_u32(index, &kernel.shape)
        }
        Expr::Unary(op, x) => {
            let from = dt(*x);
            !from.is_float() || vmath::provides_unary(*op) || !op.is_transcendental()
        }
        Expr::Binary(op, x, y) => {
            let d = dt(*x);
            match op {
                BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul => d != DType::Bool,
                BinaryOp::Div => d.is_float() || pow2_shift(kernel, *y).is_some(),
                BinaryOp::Rem => !d.is_float() && pow2_shift(kernel, *y).is_some(),
                op if op.is_transcendental() => d.is_float() && vmath::provides_binary(*op),
                BinaryOp::And | BinaryOp::Or | BinaryOp::Xor => !d.is_float(),
                // Unsigned order of 64-bit masks has no SSE form.
                BinaryOp::Eq | BinaryOp::Ne => true,
                _ => d != DType::Bool || lanes == 4,
            }
        }
        Expr::Cast(_, x) => {
            let from = dt(*x);
            from == to || from == DType::Bool || to == DType::Bool || from.size() == to.size()
        }
    }
}

/// `k` when body instruction `y` is the integer immediate `2^k` (`k` ≥ 0):
/// floor division by it is a shift right (arithmetic for `I32`) and the
/// floor remainder the low `k` bits, in every lane.
fn pow2_shift(kernel: &Kernel, y: usize) -> Option<u32> {
    let p = match kernel.body[y].expr {
        Expr::Imm(Scalar::U32(p)) => p,
        Expr::Imm(Scalar::I32(p)) if p > 0 => p as u32,
        _ => return None,
    };
    p.is_power_of_two().then(|| p.trailing_zeros())
}

/// The address of an access's element `off`, `skip` elements further on
/// the innermost axis, as a base and an immediate.
fn address(e: &mut Emitter<'_>, a: &Access, off: Value, skip: usize) -> (Value, i32) {
    super::address_at(e, a, off, (skip * a.size) as i64)
}

/// What a vector body is emitted from.
pub struct Body<'a> {
    /// The kernel.
    pub kernel: &'a Kernel,
    /// Its vector shape.
    pub shape: Shape,
    /// Its accesses (loads in body order, then stores).
    pub accesses: &'a [Access],
    /// For each body instruction, its access (loads only).
    pub access_of: &'a [usize],
    /// Each access's coefficient on the innermost axis.
    pub inner: &'a [i64],
    /// The kernel's random generators.
    pub generators: &'a Generators,
}

/// Emits the kernel's body for the vector starting `skip` elements after
/// the current offsets `offs` (on the innermost axis); returns every
/// instruction's vector value.
pub fn eval_body(e: &mut Emitter<'_>, body: &Body<'_>, offs: &[Value], skip: usize) -> Vec<Value> {
    let Body {
        kernel,
        shape,
        accesses,
        access_of,
        inner,
        generators,
    } = *body;
    let lanes = shape.lanes;
    let mut values: Vec<Value> = Vec::with_capacity(kernel.body.len());
    for (i, instr) in kernel.body.iter().enumerate() {
        let ty = vec_type(instr.dtype, lanes);
        let v = match &instr.expr {
            Expr::Load { .. } => {
                let k = access_of[i];
                let a = &accesses[k];
                if inner[k] == 0 {
                    // One element for the whole vector: when the kernel
                    // never writes it, the load and splat are the same
                    // value in every copy and iteration of the row's loop
                    // (merged and hoisted by Cranelift).
                    let (addr, at) = address(e, a, offs[k], 0);
                    let flags = a.load_flags(MemFlagsData::trusted());
                    let s = e.b.ins().load(clif_type(instr.dtype), flags, addr, at);
                    splat(e, s, instr.dtype, lanes)
                } else {
                    let (addr, at) = address(e, a, offs[k], skip);
                    load(e, addr, at, instr.dtype, lanes, a.readonly)
                }
            }
            Expr::Imm(_)
            | Expr::Unary(..)
            | Expr::Binary(..)
            | Expr::Select(..)
            | Expr::Cast(..) => compute(e, kernel, i, &values, lanes),
            Expr::ThreefryBits { key, .. } => {
                let k = access_of[i];
                if inner[k] == 0 {
                    let s = generators.emit(e, i, *key, offs[k], instr.dtype);
                    splat(e, s, instr.dtype, lanes)
                } else {
                    let counter = e.b.ins().iadd_imm_s(offs[k], skip as i64);
                    generators.emit_vector(e, i, *key, counter)
                }
            }
            Expr::Gather(g) => {
                let k = access_of[i];
                let pair = (&accesses[k], &accesses[k + 1]);
                let offs = (offs[k], offs[k + 1]);
                let steps = (inner[k], inner[k + 1]);
                super::gather::vector(e, g, instr.dtype, lanes, pair, offs, steps, skip)
            }
        };
        debug_assert_eq!(e.b.func.dfg.value_type(v), ty);
        values.push(v);
    }
    values
}

/// The vector value of body instruction `i` of `kernel`, an instruction
/// that reads no memory (an immediate, an op, a select or a cast), from the
/// vector values of the instructions before it.
pub(super) fn compute(
    e: &mut Emitter<'_>,
    kernel: &Kernel,
    i: usize,
    values: &[Value],
    lanes: usize,
) -> Value {
    let instr = &kernel.body[i];
    let dt = |k: usize| kernel.body[k].dtype;
    let ty = vec_type(instr.dtype, lanes);
    match &instr.expr {
        Expr::Imm(s) => {
            let s = super::elementwise::immediate(e, *s);
            splat(e, s, instr.dtype, lanes)
        }
        Expr::Unary(op, x) => unary(e, *op, values[*x], dt(*x), lanes),
        Expr::Binary(op @ (BinaryOp::Div | BinaryOp::Rem), x, y) if !dt(*x).is_float() => {
            let k = pow2_shift(kernel, *y).expect("planned: a power-of-two divisor");
            let a = values[*x];
            match (op, dt(*x)) {
                (BinaryOp::Div, DType::U32) => e.b.ins().ushr_imm_u(a, i64::from(k)),
                (BinaryOp::Div, _) => e.b.ins().sshr_imm_u(a, i64::from(k)),
                _ => {
                    let mask = iconst(e, ty, (1i64 << k) - 1);
                    e.b.ins().band(a, mask)
                }
            }
        }
        Expr::Binary(op, x, y) => binary(e, *op, values[*x], values[*y], dt(*x), lanes),
        Expr::Select(c, x, y) => select(e, values[*c], values[*x], values[*y]),
        Expr::Cast(to, x) => cast(e, values[*x], dt(*x), *to, lanes),
        Expr::Load { .. } | Expr::ThreefryBits { .. } | Expr::Gather(_) => {
            unreachable!("memory reads are emitted by their caller")
        }
    }
}

/// Stores the vector `value` of `store` (of buffer dtype `dtype`) at the
/// current offset plus `skip` elements.
pub fn store(
    e: &mut Emitter<'_>,
    a: &Access,
    off: Value,
    skip: usize,
    value: Value,
    dtype: DType,
    lanes: usize,
) {
    let (addr, at) = address(e, a, off, skip);
    let flags = unaligned();
    if dtype != DType::Bool {
        e.b.ins().store(flags, value, addr, at);
        return;
    }
    // Mask (0 / all ones) → 0/1 bytes.
    let ones = e.b.ins().ineg(value);
    if lanes == 4 {
        let w = e.b.ins().snarrow(ones, ones);
        let b = e.b.ins().snarrow(w, w);
        let words = e.b.ins().bitcast(types::I32X4, little(), b);
        let word = e.b.ins().extractlane(words, 0);
        e.b.ins().store(flags, word, addr, at);
    } else {
        for lane in 0..lanes {
            let x = e.b.ins().extractlane(ones, lane as u8);
            let x = e.b.ins().ireduce(types::I8, x);
            e.b.ins().store(flags, x, addr, at + lane as i32);
        }
    }
}

/// Whether a kernel's store is a plain element-wise value store.
pub fn store_value(s: &Store) -> usize {
    match s.value {
        StoreValue::Expr(v) => v,
        StoreValue::Reduced => unreachable!("element-wise store"),
    }
}

/// Scalar `s` of `dtype` in every lane (a bool 0/1 becomes a mask).
pub(super) fn splat(e: &mut Emitter<'_>, s: Value, dtype: DType, lanes: usize) -> Value {
    let ty = vec_type(dtype, lanes);
    if dtype != DType::Bool {
        return e.b.ins().splat(ty, s);
    }
    let wide = e.b.ins().uextend(ty.lane_type(), s);
    let mask = e.b.ins().ineg(wide);
    e.b.ins().splat(ty, mask)
}

/// The float constant `x` of `dtype` in every lane.
fn fconst(e: &mut Emitter<'_>, dtype: DType, x: f64, lanes: usize) -> Value {
    super::elementwise::fconst_lanes(e, dtype, x, lanes)
}

/// The integer constant `x` in every lane of `ty`.
fn iconst(e: &mut Emitter<'_>, ty: Type, x: i64) -> Value {
    let s = e.b.ins().iconst(ty.lane_type(), x);
    e.b.ins().splat(ty, s)
}

/// Picks `a` where mask `m` is set, else `b`.
fn select(e: &mut Emitter<'_>, m: Value, a: Value, b: Value) -> Value {
    let ty = e.b.func.dfg.value_type(a);
    let m = if e.b.func.dfg.value_type(m) == ty {
        m
    } else {
        e.b.ins().bitcast(ty, MemFlagsData::new(), m)
    };
    e.b.ins().bitselect(m, a, b)
}

/// `op x` lane by lane; `x` holds elements of `from`.
fn unary(e: &mut Emitter<'_>, op: UnaryOp, x: Value, from: DType, lanes: usize) -> Value {
    use UnaryOp::*;
    let ty = vec_type(from, lanes);
    let float = from.is_float();
    if float && let Some(v) = vmath::emit_unary(&mut e.b, e.target, op, x) {
        return super::elementwise::large_argument_fallback(e, op, x, from, v);
    }
    if let Some(v) = super::elementwise::unary_any_lanes(e, op, x, from, lanes) {
        return v;
    }
    match op {
        Sign if float => {
            let one = fconst(e, from, 1.0, lanes);
            let minus = fconst(e, from, -1.0, lanes);
            let zero = fconst(e, from, 0.0, lanes);
            let gt = e.b.ins().fcmp(FloatCC::GreaterThan, x, zero);
            let lt = e.b.ins().fcmp(FloatCC::LessThan, x, zero);
            let eq = e.b.ins().fcmp(FloatCC::Equal, x, zero);
            let r = select(e, eq, zero, x);
            let r = select(e, lt, minus, r);
            select(e, gt, one, r)
        }
        Sign => {
            let zero = iconst(e, ty, 0);
            if from == DType::U32 {
                let gt = e.b.ins().icmp(IntCC::UnsignedGreaterThan, x, zero);
                return e.b.ins().ineg(gt);
            }
            let gt = e.b.ins().icmp(IntCC::SignedGreaterThan, x, zero);
            let lt = e.b.ins().icmp(IntCC::SignedLessThan, x, zero);
            e.b.ins().isub(lt, gt)
        }
        IsNan | IsInf => iconst(e, vec_type(DType::Bool, lanes), 0),
        IsFinite => iconst(e, vec_type(DType::Bool, lanes), -1),
        Not => e.b.ins().bnot(x),
        _ => unreachable!("{} on {from} has no vector form", op.name()),
    }
}

/// `a op b` lane by lane, both holding elements of `dtype`.
pub fn binary(
    e: &mut Emitter<'_>,
    op: BinaryOp,
    a: Value,
    b: Value,
    dtype: DType,
    lanes: usize,
) -> Value {
    use BinaryOp::*;
    let float = dtype.is_float();
    // Bools are masks: unsigned order puts false (0) below true (all ones).
    let signed = matches!(dtype, DType::I32 | DType::I64);
    if float
        && op.is_transcendental()
        && let Some(v) = vmath::emit_binary(&mut e.b, e.target, op, a, b)
    {
        return v;
    }
    match op {
        Add if float => e.b.ins().fadd(a, b),
        Sub if float => e.b.ins().fsub(a, b),
        Mul if float => e.b.ins().fmul(a, b),
        Div if float => super::elementwise::fdiv(e, a, b),
        Add => e.b.ins().iadd(a, b),
        Sub => e.b.ins().isub(a, b),
        Mul => e.b.ins().imul(a, b),
        Max | Min if float => {
            let cc = if op == Max {
                FloatCC::GreaterThan
            } else {
                FloatCC::LessThan
            };
            let better = e.b.ins().fcmp(cc, a, b);
            let nan = e.b.ins().fcmp(FloatCC::Unordered, a, a);
            let pick_a = e.b.ins().bor(better, nan);
            select(e, pick_a, a, b)
        }
        Max if signed => e.b.ins().smax(a, b),
        Max => e.b.ins().umax(a, b),
        Min if signed => e.b.ins().smin(a, b),
        Min => e.b.ins().umin(a, b),
        And => e.b.ins().band(a, b),
        Or => e.b.ins().bor(a, b),
        Xor => e.b.ins().bxor(a, b),
        Eq | Ne | Lt | Le | Gt | Ge if float => {
            e.b.ins().fcmp(super::elementwise::float_cc(op), a, b)
        }
        Eq | Ne | Lt | Le | Gt | Ge => e.b.ins().icmp(super::elementwise::int_cc(op, signed), a, b),
        // Div, Rem and the transcendental ops (handled above when they
        // have a vector form).
        _ => unreachable!("{} on {dtype} x{lanes} has no vector form", op.name()),
    }
}

/// `x` (elements of `from`) converted to `to` with `astype` semantics, for
/// conversions between types of one size and to or from bool.
fn cast(e: &mut Emitter<'_>, x: Value, from: DType, to: DType, lanes: usize) -> Value {
    if from == to {
        return x;
    }
    let tty = vec_type(to, lanes);
    match (from, to) {
        (f, DType::Bool) if f.is_float() => {
            let zero = fconst(e, f, 0.0, lanes);
            e.b.ins().fcmp(FloatCC::NotEqual, x, zero)
        }
        (_, DType::Bool) => {
            let zero = iconst(e, vec_type(from, lanes), 0);
            e.b.ins().icmp(IntCC::NotEqual, x, zero)
        }
        (DType::Bool, t) if t.is_float() => {
            let one = fconst(e, t, 1.0, lanes);
            let m = e.b.ins().bitcast(tty, MemFlagsData::new(), x);
            e.b.ins().band(m, one)
        }
        (DType::Bool, _) => e.b.ins().ineg(x),
        (DType::I32 | DType::U32, DType::I32 | DType::U32) => x,
        (DType::F32, DType::I32) => e.b.ins().fcvt_to_sint_sat(tty, x),
        (DType::F32, DType::U32) => e.b.ins().fcvt_to_uint_sat(tty, x),
        (DType::I32, DType::F32) => e.b.ins().fcvt_from_sint(tty, x),
        (DType::U32, DType::F32) => e.b.ins().fcvt_from_uint(tty, x),
        _ => unreachable!("convert {from} -> {to} has no vector form"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use heron_ir::ReduceOp;
    use heron_ir::plan::{Instr, Reduction};

    /// A kernel whose body is an immediate followed by `exps` exponentials
    /// and `others` negations of it.
    fn kernel(exps: usize, others: usize, reduce: bool) -> Kernel {
        let f32 = |expr| Instr {
            expr,
            dtype: DType::F32,
        };
        let mut body = vec![f32(Expr::Imm(Scalar::F32(1.0)))];
        body.extend((0..exps).map(|_| f32(Expr::Unary(UnaryOp::Exp, 0))));
        body.extend((0..others).map(|_| f32(Expr::Unary(UnaryOp::Neg, 0))));
        Kernel {
            name: "k0".into(),
            nodes: Vec::new(),
            shape: heron_ir::Shape::new(&[1024]),
            reduce: reduce.then(|| Reduction {
                op: ReduceOp::Sum,
                axes: [0].into_iter().collect(),
                value: 1,
                dtype: DType::F32,
            }),
            body,
            stores: Vec::new(),
        }
    }

    #[test]
    fn unroll_shrinks_as_bodies_grow() {
        assert_eq!(unroll_for(&kernel(1, 20, false)), 4);
        assert_eq!(unroll_for(&kernel(1, 60, false)), 2);
        // Six inline exponentials (a Hodgkin–Huxley step): not unrolled.
        assert_eq!(unroll_for(&kernel(6, 90, false)), 1);
        // A reduction keeps its accumulators, hence its order of summation.
        assert_eq!(unroll_for(&kernel(6, 90, true)), 2);
    }
}
