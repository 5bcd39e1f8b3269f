//! Reduction accumulators.
//!
//! Elements are visited in row-major order of the reduced axes, the order
//! `eval` folds them in, so `prod`, `max`, `min`, `any`, `all` and integer
//! sums are bit-identical to `eval`. Float `max`/`min` do not even depend
//! on the order: their combine (`extreme`) settles a tie of `±0` by the
//! bits, as `eval` does, so every split into lanes, accumulators, chunks
//! and threads gives `eval`'s result. Float sums differ in order from eval's
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

mod tile;
mod vector;

pub use tile::TileAcc;
pub use vector::VecAcc;

use super::{Emitter, cast::cast, clif_type, elementwise};
use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::{Endianness, InstBuilder, MemFlagsData, Type, Value, types};
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
pub(super) fn acc_types(op: ReduceOp, input: DType, out: DType) -> (DType, DType) {
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
pub(super) fn compensated(op: ReduceOp, elem: DType, acc: DType) -> bool {
    op == ReduceOp::Sum && acc == DType::F64 && elem == DType::F64
}

/// Converts element `x` of `input` to the accumulator's dtype.
pub(super) fn convert(
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
pub(super) fn combine(
    e: &mut Emitter<'_>,
    op: ReduceOp,
    dtype: DType,
    acc: Value,
    x: Value,
) -> Value {
    match op {
        ReduceOp::Max | ReduceOp::Min => extreme(e, op, acc, x, dtype, None),
        _ => elementwise::binary(e, op.combine(), acc, x, dtype),
    }
}

/// The combine of a `max`/`min` reduction of `dtype`, scalar (`lanes`
/// `None`) or lane by lane: NumPy's NaN-propagating `maximum`/`minimum`,
/// except that on a float tie (`a == b`, neither NaN) the result is
/// `a & b` for max and `a | b` for min, bit by bit. Equal non-zero values
/// have equal bits, so this only decides `±0`: `+0` wins a max and `-0` a
/// min, whichever operand holds it. The combine is then commutative and
/// associative, and every order of folding (lanes, unrolled accumulators,
/// chunks, threads) gives `eval`'s result (`Elem::max_fold`).
pub(super) fn extreme(
    e: &mut Emitter<'_>,
    op: ReduceOp,
    a: Value,
    b: Value,
    dtype: DType,
    lanes: Option<usize>,
) -> Value {
    let bop = if op == ReduceOp::Max {
        BinaryOp::Max
    } else {
        BinaryOp::Min
    };
    let Some(lanes) = lanes else {
        let r = elementwise::binary(e, bop, a, b, dtype);
        if !dtype.is_float() {
            return r;
        }
        let int = if dtype == DType::F32 {
            types::I32
        } else {
            types::I64
        };
        let flags = MemFlagsData::new();
        let ai = e.b.ins().bitcast(int, flags, a);
        let bi = e.b.ins().bitcast(int, flags, b);
        let tie = match op {
            ReduceOp::Max => e.b.ins().band(ai, bi),
            _ => e.b.ins().bor(ai, bi),
        };
        let tie = e.b.ins().bitcast(clif_type(dtype), flags, tie);
        let eq = e.b.ins().fcmp(FloatCC::Equal, a, b);
        return e.b.ins().select(eq, tie, r);
    };
    if !dtype.is_float() {
        return super::vector::binary(e, bop, a, b, dtype, lanes);
    }
    // Lane by lane: `m1 = a > b ? a : b` and `m2 = b > a ? b : a` (for min
    // `<`), each one `maxps`/`minps` on x86-64 (the `bitselect` of an `lt`
    // compare is the pattern Cranelift lowers so). They are equal unless
    // the operands tie or one is NaN; on a tie `m1 = b` and `m2 = a`, so
    // `m1 & m2` (max) or `m1 | m2` (min) is the tie rule. Lanes where
    // either operand is NaN become all ones (a NaN) through the unordered
    // mask. Five cheap instructions, no blend.
    let ty = e.b.func.dfg.value_type(a);
    let flags = MemFlagsData::new().with_endianness(Endianness::Little);
    let pick = |e: &mut Emitter<'_>, x: Value, y: Value| {
        let (lo, hi) = if op == ReduceOp::Max { (y, x) } else { (x, y) };
        let m = e.b.ins().fcmp(FloatCC::LessThan, lo, hi);
        let m = e.b.ins().bitcast(ty, flags, m);
        e.b.ins().bitselect(m, x, y)
    };
    let m1 = pick(e, a, b);
    let m2 = pick(e, b, a);
    let r = match op {
        ReduceOp::Max => e.b.ins().band(m1, m2),
        _ => e.b.ins().bor(m1, m2),
    };
    let nan = e.b.ins().fcmp(FloatCC::Unordered, a, b);
    let nan = e.b.ins().bitcast(ty, flags, nan);
    e.b.ins().bor(r, nan)
}

/// One step of Neumaier's summation: `t = s + x` and the compensation
/// `c += |s| >= |x| ? (s - t) + x : (x - t) + s`, scalar (`mask_ty` `None`)
/// or lane by lane (`mask_ty` the vector type). Returns `(t, c)`.
///
/// Where `t` is not finite (an infinite term, or an overflow) the step adds
/// nothing to `c`: its formula would be `inf - inf`, and a NaN (or
/// infinite) compensation would turn the final `t + c` into NaN where the
/// sum is ±inf.
pub(super) fn neumaier(
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

/// Lanes 2 and 3 of an f32x4, moved to lanes 0 and 1.
pub(super) fn high_half(e: &mut Emitter<'_>, x: Value) -> Value {
    let mask: Vec<u8> = (8..16).chain(8..16).collect();
    let mask = e.b.func.dfg.immediates.push(mask.into());
    let flags = MemFlagsData::new().with_endianness(Endianness::Little);
    let bytes = e.b.ins().bitcast(types::I8X16, flags, x);
    let high = e.b.ins().shuffle(bytes, bytes, mask);
    e.b.ins().bitcast(types::F32X4, flags, high)
}

/// Two f64x2 rounded to f32 and joined into one f32x4 (`lo` in lanes 0, 1).
pub(super) fn demote_pair(e: &mut Emitter<'_>, lo: Value, hi: Value) -> Value {
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
