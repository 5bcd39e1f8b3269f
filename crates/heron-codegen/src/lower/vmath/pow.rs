//! `pow(x, y)`, with C99's special values.
//!
//! The magnitude is `exp(y log|x|)`: for f64 with `log|x|` as a double-f64
//! sum and the product `y log|x|` kept exact, so that the error does not
//! grow with `|y log x|`; for f32 in f64 arithmetic (f32x4 as two f64x2
//! halves), where plain f64 `log`/`exp` are more than accurate enough.
//! Then the sign (negative `x`, odd integer `y`) and the special cases:
//! `pow(x, ±0) = 1`, `pow(1, y) = 1`, `pow(-1, ±inf) = 1`, negative finite
//! `x` with non-integer `y` → NaN; zeros and infinities follow from the
//! core (`log 0 = -inf`, `log inf = inf`).

use super::builder::Ctx;
use super::exp::{exp, exp_dd};
use super::log::{log, log_dd};
use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::{ConstantData, InstBuilder, MemFlagsData, Value, types};
use cranelift_codegen::ir::{Endianness, Type};

/// `|x|^y` in f64 lanes, accurate to a few ulp for every `y`.
fn pow_abs_f64(c: &mut Ctx, ax: Value, y: Value) -> Value {
    let (lh, ll) = log_dd(c, ax);
    // log 0 = -inf, log inf = inf, NaN stays NaN.
    let is_zero = c.cmp_c(FloatCC::Equal, ax, 0.0);
    let lh = c.sel_c(is_zero, f64::NEG_INFINITY, lh);
    let is_inf = c.cmp_c(FloatCC::Equal, ax, f64::INFINITY);
    let lh = c.sel_c(is_inf, f64::INFINITY, lh);
    let nan = c.is_nan(ax);
    let lh = c.sel(nan, ax, lh);
    // |y| beyond 2^900 gives the same 0 or inf, and keeps the exact
    // product's splitting finite.
    let y = c.at_most(y, 2f64.powi(900));
    let y = c.at_least(y, -(2f64.powi(900)));
    let (ph, pe) = c.two_prod(y, lh);
    let yl = c.mul(y, ll);
    let pl = c.add(pe, yl);
    // Where |y log|x|| is large, exp over- or underflows: drop the tail.
    let aph = c.abs(ph);
    let finite = c.cmp_c(FloatCC::LessThan, aph, 2048.0);
    let zero = c.c(0.0);
    let pl = c.sel(finite, pl, zero);
    exp_dd(c, ph, Some(pl), 0)
}

/// `|x|^y` for f64 lanes computed in plain f64 (enough for f32 results).
fn pow_abs_plain(c: &mut Ctx, ax: Value, y: Value) -> Value {
    let l = log(c, ax);
    let t = c.mul(y, l);
    exp(c, t)
}

/// `|x|^y` for f32 lanes, through f64.
fn pow_abs_f32(c: &mut Ctx, ax: Value, y: Value) -> Value {
    let fma = c.fma;
    if !c.ty.is_vector() {
        let a = c.b.ins().fpromote(types::F64, ax);
        let y = c.b.ins().fpromote(types::F64, y);
        let mut c64 = Ctx::new(c.b, types::F64, fma).expect("f64 is a float type");
        let r = pow_abs_plain(&mut c64, a, y);
        return c.b.ins().fdemote(types::F32, r);
    }
    let (alo, ahi) = halves(c, ax);
    let (ylo, yhi) = halves(c, y);
    let mut c64 = Ctx::new(c.b, types::F64X2, fma).expect("f64x2 is a float type");
    let rlo = pow_abs_plain(&mut c64, alo, ylo);
    let rhi = pow_abs_plain(&mut c64, ahi, yhi);
    let rlo = c.b.ins().fvdemote(rlo);
    let rhi = c.b.ins().fvdemote(rhi);
    // lanes 0, 1 of each demoted vector
    let mask: Vec<u8> = (0..8).chain(16..24).collect();
    shuffle(c, rlo, rhi, &mask, types::F32X4)
}

/// The f32x4 lanes `0, 1` and `2, 3` of `v`, each promoted to f64x2.
pub(super) fn halves(c: &mut Ctx, v: Value) -> (Value, Value) {
    let lo = c.b.ins().fvpromote_low(v);
    let mask: Vec<u8> = (8..16).chain(8..16).collect();
    let high = shuffle(c, v, v, &mask, types::F32X4);
    let hi = c.b.ins().fvpromote_low(high);
    (lo, hi)
}

/// A byte shuffle of two 128-bit vectors, viewed back as `ty`.
pub(super) fn shuffle(c: &mut Ctx, a: Value, b: Value, mask: &[u8], ty: Type) -> Value {
    let le = MemFlagsData::new().with_endianness(Endianness::Little);
    let a = c.b.ins().bitcast(types::I8X16, le, a);
    let b = c.b.ins().bitcast(types::I8X16, le, b);
    let imm = c.b.func.dfg.immediates.push(ConstantData::from(mask));
    let r = c.b.ins().shuffle(a, b, imm);
    c.b.ins().bitcast(ty, le, r)
}

/// `x^y` (NumPy's `power` on floats, i.e. C's `pow`).
pub fn pow(c: &mut Ctx, x: Value, y: Value) -> Value {
    let ax = c.abs(x);
    let r = if c.is_f64() {
        pow_abs_f64(c, ax, y)
    } else {
        pow_abs_f32(c, ax, y)
    };
    // integer and odd-integer y
    let ty = c.trunc(y);
    let not_int = c.cmp(FloatCC::NotEqual, ty, y);
    let half = c.c(0.5);
    let h = c.mul(y, half);
    let th = c.trunc(h);
    let is_int = c.cmp(FloatCC::Equal, ty, y);
    let half_frac = c.cmp(FloatCC::NotEqual, th, h);
    let odd = c.and(is_int, half_frac);
    // negative x (by its sign bit, so that -0 and -inf count) and odd y: -r
    let one = c.c(1.0);
    let sx = c.copysign(one, x);
    let x_signed = c.cmp_c(FloatCC::LessThan, sx, 0.0);
    let flip = c.and(x_signed, odd);
    let nr = c.neg(r);
    let r = c.sel(flip, nr, r);
    // finite negative x and non-integer y: NaN
    let neg = c.cmp_c(FloatCC::LessThan, x, 0.0);
    let finite = c.cmp_c(FloatCC::GreaterThan, x, f64::NEG_INFINITY);
    let bad = c.and(neg, finite);
    let bad = c.and(bad, not_int);
    let r = c.sel_c(bad, f64::NAN, r);
    // pow(-1, ±inf) = 1, pow(1, y) = 1, pow(x, ±0) = 1
    let m1 = c.cmp_c(FloatCC::Equal, x, -1.0);
    let ay = c.abs(y);
    let yinf = c.cmp_c(FloatCC::Equal, ay, f64::INFINITY);
    let m1inf = c.and(m1, yinf);
    let r = c.sel(m1inf, one, r);
    let x1 = c.cmp_c(FloatCC::Equal, x, 1.0);
    let r = c.sel(x1, one, r);
    let y0 = c.cmp_c(FloatCC::Equal, y, 0.0);
    c.sel(y0, one, r)
}
