//! `arctan`, `arcsin`, `arccos` and `arctan2`.
//!
//! `atan t` (`t >= 0`) is reduced with one division to `|z| <= tan(pi/8)`:
//! `t > tan(3pi/8)`: `pi/2 + atan(-1/t)`; `t > tan(pi/8)`:
//! `pi/4 + atan((t-1)/(t+1))`; then `atan z = z + z^3 A(z^2)`.
//! `asin a` (`a = |x|`) is `a + a^3 B(a^2)` for `a <= 1/2` and
//! `pi/2 - 2 asin(sqrt((1-a)/2))` above. `acos` and `atan2` are built on
//! these, with the quadrant and the special values (signed zeros,
//! infinities) of C99 Annex F.

use super::builder::Ctx;
use super::consts::*;
use cranelift_codegen::ir::Value;
use cranelift_codegen::ir::condcodes::FloatCC;

/// `pi/2` and `pi/4` as a rounded value plus the rounding error.
const PIO2_HI: f64 = std::f64::consts::FRAC_PI_2;
const PIO2_LO: f64 = 6.123_233_995_736_766e-17;

/// The rounded value of `k pi/2` in the lane type and its error.
fn pio2_parts(c: &Ctx, k: f64) -> (f64, f64) {
    if c.is_f64() {
        (k * PIO2_HI, k * PIO2_LO)
    } else {
        let hi = (k * PIO2_HI) as f32;
        (hi as f64, k * PIO2_HI + k * PIO2_LO - hi as f64)
    }
}

/// `atan t` for `t >= 0` (or NaN).
fn atan_pos(c: &mut Ctx, t: Value) -> Value {
    let poly = if c.is_f64() {
        &ATAN_F64[..]
    } else {
        &ATAN_F32[..]
    };
    let big = c.cmp_c(FloatCC::GreaterThan, t, 2.414_213_562_373_095);
    let mid = c.cmp_c(FloatCC::GreaterThan, t, 0.414_213_562_373_095_1);
    let one = c.c(1.0);
    let tm1 = c.sub(t, one);
    let tp1 = c.add(t, one);
    let num = c.sel(mid, tm1, t);
    let num = c.sel_c(big, -1.0, num);
    let den = c.sel(mid, tp1, one);
    let den = c.sel(big, t, den);
    let z = c.div(num, den);
    let (h2, l2) = pio2_parts(c, 1.0);
    let (h4, l4) = pio2_parts(c, 0.5);
    let zero = c.c(0.0);
    let hi = c.sel_c(mid, h4, zero);
    let hi = c.sel_c(big, h2, hi);
    let lo = c.sel_c(mid, l4, zero);
    let lo = c.sel_c(big, l2, lo);
    let z2 = c.mul(z, z);
    let p = c.poly(z2, poly);
    let z3 = c.mul(z2, z);
    let p = c.fma(z3, p, lo);
    let p = c.add(p, z);
    c.add(hi, p)
}

/// Inverse tangent.
pub fn atan(c: &mut Ctx, x: Value) -> Value {
    let t = c.abs(x);
    let y = atan_pos(c, t);
    c.copysign(y, x)
}

/// `s + (s_lo + s z B(z))`: `asin(s + s_lo)` for `z = s^2`.
fn asin_kernel(c: &mut Ctx, s: Value, s_lo: Value, z: Value) -> Value {
    let poly = if c.is_f64() {
        &ASIN_F64[..]
    } else {
        &ASIN_F32[..]
    };
    let p = c.poly(z, poly);
    let sz = c.mul(s, z);
    let t = c.fma(sz, p, s_lo);
    c.add(s, t)
}

/// For `a = |x|`: whether `a <= 1/2`, and `asin` of `a` (small) or of
/// `sqrt((1 - a)/2)` (large).
fn asin_parts(c: &mut Ctx, x: Value) -> (Value, Value) {
    let a = c.abs(x);
    let small = c.cmp_c(FloatCC::LessThanOrEqual, a, 0.5);
    let one = c.c(1.0);
    let half = c.c(0.5);
    let d = c.sub(one, a);
    let zb = c.mul(d, half);
    let sb = c.sqrt(zb);
    // the rounding error of the square root: (zb - sb^2) / (2 sb)
    let nsb = c.neg(sb);
    let res = c.fma(nsb, sb, zb);
    let sb2 = c.add(sb, sb);
    let sb_lo = c.div(res, sb2);
    let za = c.mul(a, a);
    let z = c.sel(small, za, zb);
    let s = c.sel(small, a, sb);
    let zero = c.c(0.0);
    let exact = c.cmp(FloatCC::Equal, zb, zero);
    let exact = c.or(exact, small);
    let s_lo = c.sel(exact, zero, sb_lo);
    (small, asin_kernel(c, s, s_lo, z))
}

/// Inverse sine; `|x| > 1` gives NaN.
pub fn asin(c: &mut Ctx, x: Value) -> Value {
    let (small, p) = asin_parts(c, x);
    let (h, l) = pio2_parts(c, 1.0);
    // pi/2 - 2p
    let two = c.c(2.0);
    let nlo = c.c(-l);
    let t = c.fma(p, two, nlo);
    let hi = c.c(h);
    let big = c.sub(hi, t);
    let y = c.sel(small, p, big);
    c.copysign(y, x)
}

/// Inverse cosine; `|x| > 1` gives NaN.
pub fn acos(c: &mut Ctx, x: Value) -> Value {
    let (small, p) = asin_parts(c, x);
    // |x| <= 1/2: pi/2 - asin x
    let (h, l) = pio2_parts(c, 1.0);
    let ps = c.copysign(p, x);
    let lo = c.c(l);
    let t = c.sub(ps, lo);
    let hi = c.c(h);
    let mid = c.sub(hi, t);
    // x > 1/2: 2p; x < -1/2: pi - 2p
    let two = c.c(2.0);
    let pos = c.mul(p, two);
    let (h2, l2) = pio2_parts(c, 2.0);
    let nlo2 = c.c(-l2);
    let t2 = c.fma(p, two, nlo2);
    let hi2 = c.c(h2);
    let negv = c.sub(hi2, t2);
    let is_neg = c.cmp_c(FloatCC::LessThan, x, 0.0);
    let big = c.sel(is_neg, negv, pos);
    c.sel(small, mid, big)
}

/// `atan2(y, x)`: the angle of `(x, y)`, with C99's special values.
pub fn atan2(c: &mut Ctx, y: Value, x: Value) -> Value {
    let ay = c.abs(y);
    let ax = c.abs(x);
    let t = c.div(ay, ax);
    // 0/0 and inf/inf: the angle is 0 or pi/4 in the quadrant.
    let zero = c.c(0.0);
    let inf = c.c(f64::INFINITY);
    let yz = c.cmp(FloatCC::Equal, ay, zero);
    let xz = c.cmp(FloatCC::Equal, ax, zero);
    let both_zero = c.and(yz, xz);
    let yi = c.cmp(FloatCC::Equal, ay, inf);
    let xi = c.cmp(FloatCC::Equal, ax, inf);
    let both_inf = c.and(yi, xi);
    let t = c.sel(both_zero, zero, t);
    let t = c.sel_c(both_inf, 1.0, t);
    let a = atan_pos(c, t);
    // x < 0 (sign bit, so that -0 counts): pi - a.
    let (h, l) = pio2_parts(c, 2.0);
    let lo = c.c(l);
    let t2 = c.sub(a, lo);
    let hi = c.c(h);
    let flipped = c.sub(hi, t2);
    let neg_mask = sign_lanes(c, x);
    let a = c.sel(neg_mask, flipped, a);
    c.copysign(a, y)
}

/// Lanes whose sign bit is set (including -0 and -NaN).
fn sign_lanes(c: &mut Ctx, x: Value) -> Value {
    let one = c.c(1.0);
    let s = c.copysign(one, x);
    c.cmp_c(FloatCC::LessThan, s, 0.0)
}
