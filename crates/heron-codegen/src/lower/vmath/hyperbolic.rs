//! `tanh`, `sinh`, `cosh` and `sigmoid`, built on the `exp` family.
//!
//! - `tanh x = sign(x) (-t / (t + 2))` with `t = expm1(-2|x|)`: one formula
//!   for every magnitude, accurate near 0 because `expm1` is.
//! - `sinh x`: `x + x^3 H(x^2)` for `|x| < 1`, else `h - 1/(4h)` with
//!   `h = e^|x| / 2` (computed without overflowing early).
//! - `cosh x = h + 1/(4h)`.
//! - `sigmoid x = 1 / (1 + e^-x)` for `x >= 0` and `e^x / (1 + e^x)` below,
//!   from one `e = exp(-|x|)`, so neither side overflows or cancels.

use super::builder::Ctx;
use super::consts::*;
use super::exp::{exp, exp_scaled, expm1};
use cranelift_codegen::ir::Value;
use cranelift_codegen::ir::condcodes::FloatCC;

/// Hyperbolic tangent.
pub fn tanh(c: &mut Ctx, x: Value) -> Value {
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
