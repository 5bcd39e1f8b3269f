//! `Ctx`: the instruction helpers every vector-math emitter is written with.
//!
//! One `Ctx` emits for one float type, scalar (`f32`, `f64`) or vector
//! (`f32x4`, `f64x2`), so each function is written once: constants are
//! splatted for vectors, comparisons give a lane mask (an `i8` for scalars,
//! an integer vector for vectors) and `sel` picks per lane with `select` or
//! `bitselect`. The integer view of a float (`bits`) has the same lane count.

use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Type, Value, types};
use cranelift_frontend::FunctionBuilder;

/// Emission context: the builder, the float type and the target's features.
pub struct Ctx<'a, 'b> {
    /// The function being built.
    pub b: &'a mut FunctionBuilder<'b>,
    /// The float type: `f32`, `f64`, `f32x4` or `f64x2`.
    pub ty: Type,
    /// The integer type with the same lanes: `i32`, `i64`, `i32x4`, `i64x2`.
    pub ity: Type,
    /// Whether `fma` lowers to one instruction (otherwise `mul` + `add`).
    pub fma: bool,
}

impl<'a, 'b> Ctx<'a, 'b> {
    /// A context for float type `ty`, or `None` when `ty` is not one of
    /// `f32`, `f64`, `f32x4`, `f64x2`.
    pub fn new(b: &'a mut FunctionBuilder<'b>, ty: Type, fma: bool) -> Option<Self> {
        let ity = match ty {
            types::F32 => types::I32,
            types::F64 => types::I64,
            types::F32X4 => types::I32X4,
            types::F64X2 => types::I64X2,
            _ => return None,
        };
        Some(Ctx { b, ty, ity, fma })
    }

    /// Whether lanes are f64.
    pub fn is_f64(&self) -> bool {
        self.ty.lane_type() == types::F64
    }

    /// Mantissa bits of the lane type (23 or 52).
    pub fn mant_bits(&self) -> i64 {
        if self.is_f64() { 52 } else { 23 }
    }

    /// Exponent bias of the lane type (127 or 1023).
    pub fn bias(&self) -> i64 {
        if self.is_f64() { 1023 } else { 127 }
    }

    /// The float constant `v` (rounded to the lane type), splatted for vectors.
    pub fn c(&mut self, v: f64) -> Value {
        let s = if self.is_f64() {
            self.b.ins().f64const(v)
        } else {
            self.b.ins().f32const(v as f32)
        };
        self.splat(s)
    }

    /// The integer constant `v` in the integer view, splatted for vectors.
    pub fn ic(&mut self, v: i64) -> Value {
        let lane = self.ity.lane_type();
        let s = self.b.ins().iconst(lane, v);
        if self.ty.is_vector() {
            self.b.ins().splat(self.ity, s)
        } else {
            s
        }
    }

    fn splat(&mut self, s: Value) -> Value {
        if self.ty.is_vector() {
            self.b.ins().splat(self.ty, s)
        } else {
            s
        }
    }

    /// `a + b`.
    pub fn add(&mut self, a: Value, b: Value) -> Value {
        self.b.ins().fadd(a, b)
    }

    /// `a - b`.
    pub fn sub(&mut self, a: Value, b: Value) -> Value {
        self.b.ins().fsub(a, b)
    }

    /// `a * b`.
    pub fn mul(&mut self, a: Value, b: Value) -> Value {
        self.b.ins().fmul(a, b)
    }

    /// `a / b`.
    pub fn div(&mut self, a: Value, b: Value) -> Value {
        self.b.ins().fdiv(a, b)
    }

    /// `-a`.
    pub fn neg(&mut self, a: Value) -> Value {
        self.b.ins().fneg(a)
    }

    /// `|a|`.
    pub fn abs(&mut self, a: Value) -> Value {
        self.b.ins().fabs(a)
    }

    /// `sqrt(a)`, correctly rounded.
    pub fn sqrt(&mut self, a: Value) -> Value {
        self.b.ins().sqrt(a)
    }

    /// Rounds to the nearest integer, ties to even.
    pub fn nearest(&mut self, a: Value) -> Value {
        self.b.ins().nearest(a)
    }

    /// Rounds toward -inf.
    pub fn floor(&mut self, a: Value) -> Value {
        self.b.ins().floor(a)
    }

    /// Rounds toward zero.
    pub fn trunc(&mut self, a: Value) -> Value {
        self.b.ins().trunc(a)
    }

    /// `max(x, k)` for a constant `k`: `x < k ? k : x`, so NaN lanes pass
    /// through. For vectors this is the compare-and-select form the x86-64
    /// backend turns into one `maxps`/`maxpd` (`fmax` needs seven
    /// instructions there for its NaN and signed-zero rules).
    pub fn at_least(&mut self, x: Value, k: f64) -> Value {
        let k = self.c(k);
        let below = self.cmp(FloatCC::LessThan, x, k);
        self.sel(below, k, x)
    }

    /// `min(x, k)` for a constant `k`: `k < x ? k : x`, so NaN lanes pass
    /// through (one `minps`/`minpd` for vectors on x86-64).
    pub fn at_most(&mut self, x: Value, k: f64) -> Value {
        let k = self.c(k);
        let above = self.cmp(FloatCC::LessThan, k, x);
        self.sel(above, k, x)
    }

    /// `a * b + c`, fused when the target has FMA.
    pub fn fma(&mut self, a: Value, b: Value, c: Value) -> Value {
        if self.fma {
            self.b.ins().fma(a, b, c)
        } else {
            let p = self.b.ins().fmul(a, b);
            self.b.ins().fadd(p, c)
        }
    }

    /// `a * k + c` with a constant `k`.
    pub fn fma_c(&mut self, a: Value, k: f64, c: Value) -> Value {
        let k = self.c(k);
        self.fma(a, k, c)
    }

    /// The exact product `a * b = p + e` (FMA, or Dekker's algorithm without it).
    pub fn two_prod(&mut self, a: Value, b: Value) -> (Value, Value) {
        let p = self.mul(a, b);
        if self.fma {
            let np = self.neg(p);
            return (p, self.b.ins().fma(a, b, np));
        }
        let (ah, al) = self.split(a);
        let (bh, bl) = self.split(b);
        let t = self.mul(ah, bh);
        let e = self.sub(t, p);
        let t = self.mul(ah, bl);
        let e = self.add(e, t);
        let t = self.mul(al, bh);
        let e = self.add(e, t);
        let t = self.mul(al, bl);
        (p, self.add(e, t))
    }

    /// `a + b = s + e` exactly (Knuth's two-sum).
    pub fn two_sum(&mut self, a: Value, b: Value) -> (Value, Value) {
        let s = self.add(a, b);
        let bb = self.sub(s, a);
        let ab = self.sub(s, bb);
        let da = self.sub(a, ab);
        let db = self.sub(b, bb);
        (s, self.add(da, db))
    }

    /// Veltkamp's split of `a` into two halves of half the mantissa each.
    fn split(&mut self, a: Value) -> (Value, Value) {
        let f = if self.is_f64() { 134_217_729.0 } else { 4097.0 };
        let f = self.c(f);
        let t = self.mul(a, f);
        let d = self.sub(t, a);
        let hi = self.sub(t, d);
        let lo = self.sub(a, hi);
        (hi, lo)
    }

    /// `coeffs[0] + coeffs[1] x + ...` by Horner's rule.
    pub fn poly(&mut self, x: Value, coeffs: &[f64]) -> Value {
        let (last, rest) = coeffs.split_last().expect("a polynomial has coefficients");
        let mut acc = self.c(*last);
        for &k in rest.iter().rev() {
            let k = self.c(k);
            acc = self.fma(acc, x, k);
        }
        acc
    }

    /// The lane mask of `a cc b`.
    pub fn cmp(&mut self, cc: FloatCC, a: Value, b: Value) -> Value {
        self.b.ins().fcmp(cc, a, b)
    }

    /// The lane mask of `a cc k` with a constant `k`.
    pub fn cmp_c(&mut self, cc: FloatCC, a: Value, k: f64) -> Value {
        let k = self.c(k);
        self.cmp(cc, a, k)
    }

    /// Lanes where `a` is NaN.
    pub fn is_nan(&mut self, a: Value) -> Value {
        self.cmp(FloatCC::Unordered, a, a)
    }

    /// Mask and.
    pub fn and(&mut self, a: Value, b: Value) -> Value {
        self.b.ins().band(a, b)
    }

    /// Mask or.
    pub fn or(&mut self, a: Value, b: Value) -> Value {
        self.b.ins().bor(a, b)
    }

    /// Per lane: `m ? a : b` (a mask from `cmp`, two floats).
    pub fn sel(&mut self, m: Value, a: Value, b: Value) -> Value {
        if self.ty.is_vector() {
            let m = self.b.ins().bitcast(self.ty, MemFlagsData::new(), m);
            self.b.ins().bitselect(m, a, b)
        } else {
            self.b.ins().select(m, a, b)
        }
    }

    /// Per lane: `x` itself where `|x| < tiny`, else `y`: for functions
    /// that round to their argument near 0 (this also keeps the sign of
    /// ±0, which their general path may lose).
    pub fn identity_below(&mut self, x: Value, y: Value, tiny: f64) -> Value {
        let ax = self.abs(x);
        let small = self.cmp_c(FloatCC::LessThan, ax, tiny);
        self.sel(small, x, y)
    }

    /// Per lane: `m ? k : b` with a constant `k`.
    pub fn sel_c(&mut self, m: Value, k: f64, b: Value) -> Value {
        let k = self.c(k);
        self.sel(m, k, b)
    }

    /// The integer view of a float.
    pub fn bits(&mut self, a: Value) -> Value {
        self.b.ins().bitcast(self.ity, MemFlagsData::new(), a)
    }

    /// The float with integer view `i`.
    pub fn from_bits(&mut self, i: Value) -> Value {
        self.b.ins().bitcast(self.ty, MemFlagsData::new(), i)
    }

    /// `x` with the sign of `s`.
    pub fn copysign(&mut self, x: Value, s: Value) -> Value {
        let sign = self.ic(self.sign_mask());
        let mag = self.ic(!self.sign_mask());
        let xb = self.bits(x);
        let sb = self.bits(s);
        let xb = self.b.ins().band(xb, mag);
        let sb = self.b.ins().band(sb, sign);
        let r = self.b.ins().bor(xb, sb);
        self.from_bits(r)
    }

    /// `x` with its sign flipped where `s` has the sign bit set.
    pub fn xorsign(&mut self, x: Value, s: Value) -> Value {
        let sign = self.ic(self.sign_mask());
        let xb = self.bits(x);
        let sb = self.bits(s);
        let sb = self.b.ins().band(sb, sign);
        let r = self.b.ins().bxor(xb, sb);
        self.from_bits(r)
    }

    /// The sign bit of the lane type.
    pub fn sign_mask(&self) -> i64 {
        if self.is_f64() {
            i64::MIN
        } else {
            i64::from(i32::MIN)
        }
    }

    /// The float whose biased exponent field is `e` (integer lanes with
    /// `0 < e < 2 bias + 1`) and whose mantissa is 0: `2^(e - bias)`.
    pub fn exp_field(&mut self, e: Value) -> Value {
        let e = self.shl(e, self.mant_bits());
        self.from_bits(e)
    }

    /// Integer lanes `i + k`.
    pub fn iadd_c(&mut self, i: Value, k: i64) -> Value {
        let k = self.ic(k);
        self.b.ins().iadd(i, k)
    }

    /// Integer lanes `i << n`.
    pub fn shl(&mut self, i: Value, n: i64) -> Value {
        let n = self.b.ins().iconst(types::I32, n);
        self.b.ins().ishl(i, n)
    }

    /// Integer lanes `i >> n`, arithmetic.
    pub fn sshr(&mut self, i: Value, n: i64) -> Value {
        let n = self.b.ins().iconst(types::I32, n);
        self.b.ins().sshr(i, n)
    }

    /// Integer lanes `i >> n`, logical.
    pub fn ushr(&mut self, i: Value, n: i64) -> Value {
        let n = self.b.ins().iconst(types::I32, n);
        self.b.ins().ushr(i, n)
    }

    /// The magic constant 1.5 * 2^mant: adding it rounds a float of
    /// magnitude below 2^(mant-1) to an integer held in the low mantissa bits.
    pub fn magic(&self) -> f64 {
        1.5 * 2f64.powi(self.mant_bits() as i32)
    }

    /// `n + plus` in integer lanes for `s = n + magic`, with one integer
    /// subtraction (`plus` is folded into the constant).
    pub fn magic_int(&mut self, s: Value, plus: i64) -> Value {
        let mb = if self.is_f64() {
            self.magic().to_bits() as i64
        } else {
            i64::from((self.magic() as f32).to_bits())
        };
        let k = self.ic(mb - plus);
        let sb = self.bits(s);
        self.b.ins().isub(sb, k)
    }

    /// The float of small integer lanes `i` (|i| < 2^(mant-1)).
    pub fn int_to_float(&mut self, i: Value) -> Value {
        let magic = self.c(self.magic());
        let mb = self.bits(magic);
        let s = self.b.ins().iadd(i, mb);
        let s = self.from_bits(s);
        self.sub(s, magic)
    }
}
