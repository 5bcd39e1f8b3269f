//! `exp`, `exp2` and `expm1`.
//!
//! `exp x = 2^k e^r` with `k = round(x / ln 2)` and `r = x - k ln 2` by a
//! three-part Cody–Waite reduction (`|r| <= ln2/2`), `e^r = 1 + r + r^2 P(r)`.
//! The scale `2^k` is applied as two factors `2^(k - k/2) 2^(k/2)`, so that
//! results which are subnormal, or overflow to inf, come out as libm's
//! without a special case. The input is clamped first (`-inf` → 0, `+inf` →
//! inf; NaN passes through the clamp).

use super::builder::Ctx;
use super::consts::*;
use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::{InstBuilder, Value};

/// `e^x * 2^extra` for the lanes of `x`; `extra` is small (|extra| <= 2).
pub fn exp_scaled(c: &mut Ctx, x: Value, extra: i64) -> Value {
    exp_dd(c, x, None, extra)
}

/// `e^(x + lo) * 2^extra`, where `lo` (if given) is a tail below half an ulp
/// of `x`, added to the reduced argument.
pub fn exp_dd(c: &mut Ctx, x: Value, lo_part: Option<Value>, extra: i64) -> Value {
    let (lo, hi, ln2, poly) = if c.is_f64() {
        (-746.0, 711.0, &LN2_F64, &EXP_F64[..])
    } else {
        (-104.0, 90.0, &LN2_F32, &EXP_F32[..])
    };
    let lo = c.c(lo);
    let hi = c.c(hi);
    let x = c.max(x, lo);
    let x = c.min(x, hi);
    let magic = c.c(c.magic());
    let log2e = c.c(std::f64::consts::LOG2_E);
    let s = c.fma(x, log2e, magic);
    let (kf, ki) = c.split_magic(s);
    let r = reduce(c, x, kf, ln2);
    let r = match lo_part {
        Some(l) => c.add(r, l),
        None => r,
    };
    let r2 = c.mul(r, r);
    let p = c.poly(r, poly);
    let p = c.fma(r2, p, r);
    let one = c.c(1.0);
    let p = c.add(p, one);
    scale(c, p, ki, extra)
}

/// `x - k (l[0] + l[1] + l[2])`, each product exact for the `k` in range.
pub fn reduce(c: &mut Ctx, x: Value, kf: Value, l: &[f64; 3]) -> Value {
    let nk = c.neg(kf);
    let mut r = x;
    for &part in l {
        r = c.fma_c(nk, part, r);
    }
    r
}

/// `p * 2^(k + extra)` as two exact power-of-two factors.
fn scale(c: &mut Ctx, p: Value, k: Value, extra: i64) -> Value {
    let k = if extra != 0 { c.iadd_c(k, extra) } else { k };
    let k1 = c.sshr(k, 1);
    let k2 = c.b.ins().isub(k, k1);
    let s1 = c.pow2i(k1);
    let s2 = c.pow2i(k2);
    let p = c.mul(p, s1);
    c.mul(p, s2)
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
    let lo = c.c(lo);
    let hi = c.c(hi);
    let x = c.max(x, lo);
    let x = c.min(x, hi);
    let (kf, ki) = c.round_int(x);
    let r = c.sub(x, kf);
    let p = c.poly(r, poly);
    let one = c.c(1.0);
    let p = c.fma(r, p, one);
    scale(c, p, ki, 0)
}

/// `e^x - 1`, accurate near 0: `2^k (expm1(r) + 1) - 1` evaluated as
/// `2 (2^(k-1) expm1(r) + (2^(k-1) - 1/2))`, which is exact in the scaling
/// and never overflows early. Tiny `x` (including ±0) returns `x`.
pub fn expm1(c: &mut Ctx, x: Value) -> Value {
    let (lo, hi, tiny, ln2, poly) = if c.is_f64() {
        (-40.0, 710.0, 2f64.powi(-60), &LN2_F64, &EXP_F64[..])
    } else {
        (-30.0, 89.0, 2f64.powi(-30), &LN2_F32, &EXP_F32[..])
    };
    let lo_c = c.c(lo);
    let hi_c = c.c(hi);
    let xc = c.max(x, lo_c);
    let xc = c.min(xc, hi_c);
    let magic = c.c(c.magic());
    let log2e = c.c(std::f64::consts::LOG2_E);
    let s = c.fma(xc, log2e, magic);
    let (kf, ki) = c.split_magic(s);
    let r = reduce(c, xc, kf, ln2);
    let r2 = c.mul(r, r);
    let p = c.poly(r, poly);
    let em = c.fma(r2, p, r);
    let km1 = c.iadd_c(ki, -1);
    let t = c.pow2i(km1);
    let half = c.c(0.5);
    let tm = c.sub(t, half);
    let y = c.fma(t, em, tm);
    let y = c.add(y, y);
    let ax = c.abs(x);
    let small = c.cmp_c(FloatCC::LessThan, ax, tiny);
    c.sel(small, x, y)
}
