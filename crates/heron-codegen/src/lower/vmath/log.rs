//! `log`, `log2`, `log10` and `log1p`.
//!
//! `x = 2^k m` with `m` in `[sqrt(1/2), sqrt(2))`, read from the bits (with
//! subnormals scaled up first); `f = m - 1`, `s = f / (2 + f)` and
//! `log(1 + f) = f - f^2/2 + s (f^2/2 + R(s^2))` (the fdlibm formulation,
//! with our own fit of `R`). `k ln 2` is added in two parts. Special
//! values: `log(±0) = -inf`, `log(x < 0) = NaN`, `log(inf) = inf`.

use super::builder::Ctx;
use super::consts::*;
use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::{InstBuilder, Value};

/// The pieces of `log x` for positive finite `x`: `k` (a float) and the
/// terms `f - hfsq` and `s (hfsq + R)` of `log m`.
struct Parts {
    k: Value,
    f: Value,
    hfsq: Value,
    tail: Value,
    s: Value,
    r: Value,
    den: Value,
}

/// Splits positive `x` into `k` and `m`, and evaluates the series of `log m`.
fn parts(c: &mut Ctx, x: Value) -> Parts {
    let (min_normal, up, sqrt_half_bits, poly) = if c.is_f64() {
        (
            f64::MIN_POSITIVE,
            54,
            0x3fe6_a09e_667f_3bcd_i64,
            &LOG_F64[..],
        )
    } else {
        (f32::MIN_POSITIVE as f64, 25, 0x3f35_04f3_i64, &LOG_F32[..])
    };
    let sub = c.cmp_c(FloatCC::LessThan, x, min_normal);
    let scale = c_pow2(c, up);
    let scaled = c.mul(scale, x);
    let x = c.sel(sub, scaled, x);
    let zero = c.c(0.0);
    let adj = c.sel_c(sub, -(up as f64), zero);
    let one = c.c(1.0);
    let one_bits = c.bits(one);
    let ix = c.bits(x);
    let off = c.ic(sqrt_half_bits);
    let d = c.b.ins().isub(one_bits, off);
    let ix = c.b.ins().iadd(ix, d);
    let mant_bits = c.mant_bits();
    let bias = c.bias();
    let k = c.ushr(ix, mant_bits);
    let k = c.iadd_c(k, -bias);
    let mant = c.ic((1i64 << mant_bits) - 1);
    let m = c.b.ins().band(ix, mant);
    let m = c.b.ins().iadd(m, off);
    let m = c.from_bits(m);
    let k = c.int_to_float(k);
    let k = c.add(k, adj);
    let f = c.sub(m, one);
    let two = c.c(2.0);
    let den = c.add(f, two);
    let s = c.div(f, den);
    let z = c.mul(s, s);
    let r = c.poly(z, poly);
    let r = c.mul(r, z);
    let half = c.c(0.5);
    let hf = c.mul(f, half);
    let hfsq = c.mul(hf, f);
    let t = c.add(hfsq, r);
    let tail = c.mul(s, t);
    Parts {
        k,
        f,
        hfsq,
        tail,
        s,
        r,
        den,
    }
}

fn c_pow2(c: &mut Ctx, e: i32) -> Value {
    c.c(2f64.powi(e))
}

fn ln2_parts(c: &Ctx) -> (f64, f64) {
    let l = if c.is_f64() { &LN2_F64 } else { &LN2_F32 };
    (l[0], l[1] + l[2])
}

/// Applies libm's special values of a logarithm of `u` (`u = x` for `log`,
/// `u = 1 + x` for `log1p`) on top of `y`.
fn specials(c: &mut Ctx, u: Value, x: Value, y: Value) -> Value {
    let inf = c.c(f64::INFINITY);
    let is_inf = c.cmp(FloatCC::Equal, u, inf);
    let y = c.sel(is_inf, inf, y);
    let is_zero = c.cmp_c(FloatCC::Equal, u, 0.0);
    let y = c.sel_c(is_zero, f64::NEG_INFINITY, y);
    let neg = c.cmp_c(FloatCC::LessThan, u, 0.0);
    let y = c.sel_c(neg, f64::NAN, y);
    let nan = c.is_nan(x);
    c.sel(nan, x, y)
}

/// Natural logarithm.
pub fn log(c: &mut Ctx, x: Value) -> Value {
    let p = parts(c, x);
    let (hi, lo) = ln2_parts(c);
    let t = c.fma_c(p.k, lo, p.tail);
    let t = c.sub(t, p.hfsq);
    let t = c.add(t, p.f);
    let y = c.fma_c(p.k, hi, t);
    specials(c, x, x, y)
}

/// Base-2 logarithm: `k + log(m) log2(e)`.
pub fn log2(c: &mut Ctx, x: Value) -> Value {
    let p = parts(c, x);
    let t = c.sub(p.tail, p.hfsq);
    let t = c.add(t, p.f);
    let y = c.fma_c(t, std::f64::consts::LOG2_E, p.k);
    specials(c, x, x, y)
}

/// log10(2) in two parts: the first with few enough bits (12 for f32, 32
/// for f64) that `k` times it is exact.
const LOG10_2_F32: (f64, f64) = (0.301025390625, 4.605038981195214e-06);
const LOG10_2_F64: (f64, f64) = (0.3010299956658855, -1.9043128467164274e-12);

/// Base-10 logarithm: `k log10(2) + log(m) log10(e)`, `k log10(2)` in two
/// parts.
pub fn log10(c: &mut Ctx, x: Value) -> Value {
    let p = parts(c, x);
    let (hi, lo) = if c.is_f64() { LOG10_2_F64 } else { LOG10_2_F32 };
    let t = c.sub(p.tail, p.hfsq);
    let t = c.add(t, p.f);
    let klo = c.c(lo);
    let klo = c.mul(p.k, klo);
    let y = c.fma_c(t, std::f64::consts::LOG10_E, klo);
    let y = c.fma_c(p.k, hi, y);
    specials(c, x, x, y)
}

/// `log(1 + x)`: the log of `u = 1 + x` plus the rounding correction
/// `(x - (u - 1)) / u`; tiny `x` (including ±0) returns `x`.
pub fn log1p(c: &mut Ctx, x: Value) -> Value {
    let one = c.c(1.0);
    let u = c.add(x, one);
    let p = parts(c, u);
    let um1 = c.sub(u, one);
    let corr = c.sub(x, um1);
    let corr = c.div(corr, u);
    let (hi, lo) = ln2_parts(c);
    let t = c.fma_c(p.k, lo, corr);
    let t = c.add(t, p.tail);
    let t = c.sub(t, p.hfsq);
    let t = c.add(t, p.f);
    let y = c.fma_c(p.k, hi, t);
    let y = specials(c, u, x, y);
    let tiny = if c.is_f64() {
        2f64.powi(-60)
    } else {
        2f64.powi(-30)
    };
    c.identity_below(x, y, tiny)
}

/// `log x` for positive `x` as an unevaluated sum `hi + lo`, accurate to
/// about 2^-65 relative (used by `pow`): `log m = 2s + s R(s^2)` with the
/// rounding error of `s = f / (2 + f)` recovered by an exact product.
pub fn log_dd(c: &mut Ctx, x: Value) -> (Value, Value) {
    let p = parts(c, x);
    let two = c.c(2.0);
    // den = 2 + f exactly as dh + dl.
    let dh = p.den;
    let t = c.sub(dh, two);
    let dl = c.sub(p.f, t);
    // s_lo = (f - s dh - s dl) / dh
    let (sp, se) = c.two_prod(p.s, dh);
    let e1 = c.sub(p.f, sp);
    let e1 = c.sub(e1, se);
    let sdl = c.mul(p.s, dl);
    let e1 = c.sub(e1, sdl);
    let s_lo = c.div(e1, dh);
    let (hi, lo) = ln2_parts(c);
    let hi = c.c(hi);
    let a = c.mul(p.k, hi);
    let b = c.add(p.s, p.s);
    // small terms: 2 s_lo + s R + k ln2_lo
    let small = c.mul(p.s, p.r);
    let small = c.fma(s_lo, two, small);
    let small = c.fma_c(p.k, lo, small);
    // two_sum(a, b)
    let sum = c.add(a, b);
    let bv = c.sub(sum, a);
    let av = c.sub(sum, bv);
    let br = c.sub(b, bv);
    let ar = c.sub(a, av);
    let err = c.add(ar, br);
    let tail = c.add(err, small);
    // normalise
    let h = c.add(sum, tail);
    let d = c.sub(h, sum);
    let l = c.sub(tail, d);
    (h, l)
}
