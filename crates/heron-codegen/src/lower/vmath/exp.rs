//! `exp`, `exp2` and `expm1`.
//!
//! `exp x = 2^k e^r` with `k = round(x / ln 2)` and `r = x - k ln 2` by a
//! Cody–Waite reduction (`|r| <= ln2/2`; two parts of ln 2 with FMA, whose
//! first product is exact, three without), `e^r = 1 + r + r^2 P(r)`: with
//! FMA as `1 + r (1 + r P(r))`, Horner's rule to the end (two fused steps,
//! no `r^2` product, no separate add; f32 then needs a P of five
//! coefficients instead of six, fitted to the relative error of `e^r`),
//! without FMA as `1 + (r + r^2 P(r))`.
//! The scale `2^k` is applied as two factors `2^(k - k/2) 2^(k/2)`, so that
//! results which are subnormal, or overflow to inf, come out as libm's
//! without a special case; both exponent fields come from the rounding's
//! bits by shifts alone (its constant carries the exponent bias). The input
//! is clamped first (`-inf` → 0, `+inf` → inf; NaN passes through the clamp).

use super::builder::Ctx;
use super::consts::*;
use cranelift_codegen::ir::{InstBuilder, Value};

/// `e^x * 2^extra` for the lanes of `x`; `extra` is small (|extra| <= 2).
pub fn exp_scaled(c: &mut Ctx, x: Value, extra: i64) -> Value {
    exp_dd(c, x, None, extra)
}

/// `e^(x + lo) * 2^extra`, where `lo` (if given) is a tail below half an ulp
/// of `x`, added to the reduced argument.
pub fn exp_dd(c: &mut Ctx, x: Value, lo_part: Option<Value>, extra: i64) -> Value {
    let (lo, hi) = if c.is_f64() {
        (-746.0, 711.0)
    } else {
        (-104.0, 90.0)
    };
    let x = c.at_least(x, lo);
    let x = c.at_most(x, hi);
    let magic = c.c(biased_magic(c, extra));
    let log2e = c.c(std::f64::consts::LOG2_E);
    let s = c.fma(x, log2e, magic);
    let kf = c.sub(s, magic);
    let r = reduce(c, x, kf, ln2_parts(c));
    let r = match lo_part {
        Some(l) => c.add(r, l),
        None => r,
    };
    let (s1, s2) = scale_factors(c, s);
    let p = exp_kernel_scaled(c, r, s1);
    c.mul(p, s2)
}

/// The rounding constant `1.5 * 2^mant + 2 bias + extra`: adding it to `t`
/// (|t| < 2^(mant-2)) gives `s` whose low mantissa bits hold the biased
/// `kb = round(t) + 2 bias + extra` (`0 < kb < 4 bias`, far below the
/// constant's lowest set bit, `2^(mant-1)`), for `scale` to shift out; `s`
/// minus the constant is `round(t)` exactly (the constant's binade has an
/// ulp of 1).
fn biased_magic(c: &Ctx, extra: i64) -> f64 {
    c.magic() + (2 * c.bias() + extra) as f64
}

/// `e^r * s1` for the reduced argument (`|r| <= ln2/2`, a little more for
/// `exp_dd`'s tail) and the first scale factor `s1` (a power of two at
/// least `2^-76` for f32, `2^-539` for f64, so every product below is
/// normal and exact). With FMA: `q = 1 + r P(r)`, then `s1 + (r s1) q` in
/// one fused step, which is `(1 + r q) s1` rounded once (scaling by a power
/// of two commutes with rounding), so bit for bit the same as `1 + r (1 + r
/// P(r))` times `s1`, with the product by `s1` off the dependency chain
/// (`r s1` is ready as soon as `r`). Without FMA: `1 + (r + r^2 P(r))`
/// (there, rounding `1 + r P` before the last product would cost
/// accuracy), then times `s1`.
fn exp_kernel_scaled(c: &mut Ctx, r: Value, s1: Value) -> Value {
    let one = c.c(1.0);
    if c.fma {
        let poly = if c.is_f64() {
            &EXP_F64[..]
        } else {
            &EXP_FMA_F32[..]
        };
        let p = c.poly(r, poly);
        let q = c.fma(p, r, one);
        let rs = c.mul(r, s1);
        return c.fma(q, rs, s1);
    }
    let poly = if c.is_f64() {
        &EXP_F64[..]
    } else {
        &EXP_F32[..]
    };
    let r2 = c.mul(r, r);
    let p = c.poly(r, poly);
    let p = c.fma(r2, p, r);
    let p = c.add(p, one);
    c.mul(p, s1)
}

/// ln 2 split for `reduce`: two parts when products are fused (`x - k hi`
/// is then exact), three otherwise.
pub fn ln2_parts(c: &Ctx) -> &'static [f64] {
    match (c.is_f64(), c.fma) {
        (true, true) => &LN2_FMA_F64,
        (true, false) => &LN2_F64,
        (false, true) => &LN2_FMA_F32,
        (false, false) => &LN2_F32,
    }
}

/// `x - k (l[0] + l[1] + ...)`, each step exact but for its final rounding.
pub fn reduce(c: &mut Ctx, x: Value, kf: Value, l: &[f64]) -> Value {
    let nk = c.neg(kf);
    let mut r = x;
    for &part in l {
        r = c.fma_c(nk, part, r);
    }
    r
}

/// `p * 2^k` from `s = biased_magic + k`, whose low bits hold `kb = k + 2
/// bias (+ extra)`, as two exact power-of-two factors with biased exponents
/// `kb/2` and `kb - kb/2`. Shifting `s`'s bits left by `mant` leaves exactly
/// `kb`'s exponent field (the constant's bits shift out), and by `mant - 1`
/// then right by `mant` gives `kb/2`: five integer instructions and no
/// constant, where subtracting the constant's bits first would need one
/// more constant live in the loop.
fn scale(c: &mut Ctx, p: Value, s: Value) -> Value {
    let (s1, s2) = scale_factors(c, s);
    let p = c.mul(p, s1);
    c.mul(p, s2)
}

/// The two factors of `scale`, `2^(kb/2 - bias)` and `2^(kb - kb/2 - bias)`.
fn scale_factors(c: &mut Ctx, s: Value) -> (Value, Value) {
    let mant = c.mant_bits();
    let bits = c.bits(s);
    let all = c.shl(bits, mant);
    let half = c.shl(bits, mant - 1);
    let e1 = c.ushr(half, mant);
    let f1 = c.shl(e1, mant);
    let f2 = c.b.ins().isub(all, f1);
    (c.from_bits(f1), c.from_bits(f2))
}

/// `e^x`.
pub fn exp(c: &mut Ctx, x: Value) -> Value {
    exp_scaled(c, x, 0)
}

/// `2^x`: `k = round(x)`, `2^r = 1 + r P(r)` on `|r| <= 1/2`.
pub fn exp2(c: &mut Ctx, x: Value) -> Value {
    let (lo, hi, poly) = if c.is_f64() {
        (-1080.0, 1026.0, &EXP2_F64[..])
    } else {
        (-152.0, 130.0, &EXP2_F32[..])
    };
    let x = c.at_least(x, lo);
    let x = c.at_most(x, hi);
    let magic = c.c(biased_magic(c, 0));
    let s = c.add(x, magic);
    let kf = c.sub(s, magic);
    let r = c.sub(x, kf);
    let p = c.poly(r, poly);
    let one = c.c(1.0);
    let p = c.fma(r, p, one);
    scale(c, p, s)
}

/// `e^x - 1`, accurate near 0: `2^k (expm1(r) + 1) - 1` evaluated as
/// `2 (2^(k-1) expm1(r) + (2^(k-1) - 1/2))`, which is exact in the scaling
/// and never overflows early. Tiny `x` (including ±0) returns `x`.
pub fn expm1(c: &mut Ctx, x: Value) -> Value {
    let (lo, hi, tiny, poly) = if c.is_f64() {
        (-40.0, 710.0, 2f64.powi(-60), &EXP_F64[..])
    } else {
        (-30.0, 89.0, 2f64.powi(-30), &EXP_F32[..])
    };
    let xc = c.at_least(x, lo);
    let xc = c.at_most(xc, hi);
    let magic = c.c(c.magic());
    let log2e = c.c(std::f64::consts::LOG2_E);
    let s = c.fma(xc, log2e, magic);
    let kf = c.sub(s, magic);
    let km1 = c.magic_int(s, c.bias() - 1);
    let r = reduce(c, xc, kf, ln2_parts(c));
    let r2 = c.mul(r, r);
    let p = c.poly(r, poly);
    let em = c.fma(r2, p, r);
    let t = c.exp_field(km1);
    let half = c.c(0.5);
    let tm = c.sub(t, half);
    let y = c.fma(t, em, tm);
    let y = c.add(y, y);
    c.identity_below(x, y, tiny)
}
