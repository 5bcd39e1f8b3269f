//! `tanh`, `sinh`, `cosh` and `sigmoid`, built on the `exp` family.
//!
//! - f64 `tanh x = sign(x) (-t / (t + 2))` with `t = expm1(-2|x|)`: one
//!   formula for every magnitude, accurate near 0 because `expm1` is.
//! - f32 `tanh x = a P(a^2) / Q(a^2)`, `a = x` clamped to ±9.5: one
//!   rational function (degrees 11/8 in `a`, no `exp`) evaluated in f64
//!   (f32x4 as two f64x2 halves) and rounded once, within 0.54 ulp. In f32
//!   arithmetic its roundings would cost up to 5 ulp, and even rounding
//!   numerator and denominator to f32 before one f32 division, 2.4 ulp.
//! - `sinh x`: `x + x^3 H(x^2)` for `|x| < 1`, else `h - 1/(4h)` with
//!   `h = e^|x| / 2` (computed without overflowing early).
//! - `cosh x = h + 1/(4h)`.
//! - `sigmoid x = 1 / (1 + e^-x)` for `x >= 0` and `e^x / (1 + e^x)` below,
//!   from one `e = exp(-|x|)`, so neither side overflows or cancels.

use super::builder::Ctx;
use super::consts::*;
use super::exp::{exp, exp_scaled, expm1};
use super::pow::{halves, shuffle};
use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::{InstBuilder, Value, types};

/// Hyperbolic tangent.
pub fn tanh(c: &mut Ctx, x: Value) -> Value {
    if !c.is_f64() {
        return tanh_f32(c, x);
    }
    let a = c.abs(x);
    let m2 = c.c(-2.0);
    let a2 = c.mul(a, m2);
    let t = expm1(c, a2);
    let two = c.c(2.0);
    let den = c.add(t, two);
    let nt = c.neg(t);
    let y = c.div(nt, den);
    c.copysign(y, x)
}

/// f32 `tanh`: `a P(z) / Q(z)`, `z = a^2`, in f64 for `a = x` clamped to
/// `±TANH_CLAMP_F32` (where the f32 result has rounded to ±1; ±inf → ±1,
/// NaN passes through the clamp), rounded once to f32. The function is odd,
/// so the sign comes with `a`, and `P(0) = Q(0) = 1`, so tiny `x`
/// (subnormals, ±0) gives `x`.
fn tanh_f32(c: &mut Ctx, x: Value) -> Value {
    let a = c.at_most(x, TANH_CLAMP_F32);
    let a = c.at_least(a, -TANH_CLAMP_F32);
    let fma = c.fma;
    if c.ty.is_vector() {
        let (lo, hi) = halves(c, a);
        let mut c64 = Ctx::new(c.b, types::F64X2, fma).expect("f64x2 is a float type");
        let ylo = tanh_rational(&mut c64, lo);
        let yhi = tanh_rational(&mut c64, hi);
        join(c, ylo, yhi)
    } else {
        let a = c.b.ins().fpromote(types::F64, a);
        let mut c64 = Ctx::new(c.b, types::F64, fma).expect("f64 is a float type");
        let y = tanh_rational(&mut c64, a);
        c.b.ins().fdemote(types::F32, y)
    }
}

/// `a P(a^2) / Q(a^2)` for f64 lanes `|a| <= TANH_CLAMP_F32`.
fn tanh_rational(c: &mut Ctx, a: Value) -> Value {
    let z = c.mul(a, a);
    let p = c.poly(z, &TANH_P_F32);
    let q = c.poly(z, &TANH_Q_F32);
    let ap = c.mul(a, p);
    c.div(ap, q)
}

/// The f32x4 of two f64x2 halves (lanes 0, 1 and 2, 3), each rounded.
fn join(c: &mut Ctx, lo: Value, hi: Value) -> Value {
    let lo = c.b.ins().fvdemote(lo);
    let hi = c.b.ins().fvdemote(hi);
    // lanes 0, 1 of each demoted vector
    let mask: Vec<u8> = (0..8).chain(16..24).collect();
    shuffle(c, lo, hi, &mask, types::F32X4)
}

/// Hyperbolic sine.
pub fn sinh(c: &mut Ctx, x: Value) -> Value {
    let poly = if c.is_f64() {
        &SINH_F64[..]
    } else {
        &SINH_F32[..]
    };
    let a = c.abs(x);
    let z = c.mul(a, a);
    let p = c.poly(z, poly);
    let az = c.mul(a, z);
    let small = c.fma(az, p, a);
    let h = exp_scaled(c, a, -1);
    let quarter = c.c(0.25);
    let inv = c.div(quarter, h);
    let big = c.sub(h, inv);
    let is_small = c.cmp_c(FloatCC::LessThan, a, 1.0);
    let y = c.sel(is_small, small, big);
    c.copysign(y, x)
}

/// Hyperbolic cosine.
pub fn cosh(c: &mut Ctx, x: Value) -> Value {
    let a = c.abs(x);
    let h = exp_scaled(c, a, -1);
    let quarter = c.c(0.25);
    let inv = c.div(quarter, h);
    c.add(h, inv)
}

/// The logistic function `1 / (1 + e^-x)`.
pub fn sigmoid(c: &mut Ctx, x: Value) -> Value {
    let a = c.abs(x);
    let na = c.neg(a);
    let e = exp(c, na);
    let one = c.c(1.0);
    let pos = c.cmp_c(FloatCC::GreaterThanOrEqual, x, 0.0);
    let num = c.sel(pos, one, e);
    let den = c.add(one, e);
    c.div(num, den)
}
