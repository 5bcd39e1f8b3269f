//! `arcsinh`, `arccosh` and `arctanh`, built on `log` and `log1p` (the
//! fdlibm formulations):
//!
//! - `arcsinh x = sign(x) log1p(a + a^2 / (1 + sqrt(1 + a^2)))`, `a = |x|`,
//!   and `sign(x) (log a + ln 2)` once `a^2` would swamp the 1;
//! - `arccosh x = log1p(t + sqrt(2t + t^2))` with `t = x - 1` (exact) for
//!   `x < 2`, `log(2x - 1 / (x + sqrt(x^2 - 1)))` up to the same large
//!   threshold, then `log x + ln 2`; `x < 1` is NaN;
//! - `arctanh x = sign(x) log1p(2a + 2a^2 / (1 - a)) / 2` for `a < 1/2`,
//!   `sign(x) log1p(2a / (1 - a)) / 2` above: `±1` gives `±inf` and
//!   `|x| > 1` NaN through `log1p`'s own special values.
//!
//! Every branch is computed and the right one selected, lane by lane.

use super::builder::Ctx;
use super::log::{log, log1p};
use cranelift_codegen::ir::Value;
use cranelift_codegen::ir::condcodes::FloatCC;

/// Where `a^2 + 1` rounds to `a^2` (and `a + sqrt(a^2 ± 1)` to `2a`).
fn large(c: &Ctx) -> f64 {
    if c.is_f64() {
        2f64.powi(28)
    } else {
        2f64.powi(12)
    }
}

/// `log a + ln 2` for large positive `a` (no overflow of `2a`).
fn log_twice(c: &mut Ctx, a: Value) -> Value {
    let l = log(c, a);
    let ln2 = c.c(std::f64::consts::LN_2);
    c.add(l, ln2)
}

/// Inverse hyperbolic sine.
pub fn asinh(c: &mut Ctx, x: Value) -> Value {
    let a = c.abs(x);
    let one = c.c(1.0);
    let a2 = c.mul(a, a);
    let r = c.add(a2, one);
    let r = c.sqrt(r);
    let r = c.add(r, one);
    let q = c.div(a2, r);
    let u = c.add(a, q);
    let small = log1p(c, u);
    let big = log_twice(c, a);
    let is_big = c.cmp_c(FloatCC::GreaterThan, a, large(c));
    let y = c.sel(is_big, big, small);
    c.copysign(y, x)
}

/// Inverse hyperbolic cosine.
pub fn acosh(c: &mut Ctx, x: Value) -> Value {
    let one = c.c(1.0);
    let two = c.c(2.0);
    // x < 2: log1p(t + sqrt(2t + t^2)), t = x - 1.
    let t = c.sub(x, one);
    let tt = c.mul(t, t);
    let r = c.fma(t, two, tt);
    let r = c.sqrt(r);
    let u = c.add(t, r);
    let near = log1p(c, u);
    // 2 <= x: log(2x - 1 / (x + sqrt(x^2 - 1))).
    let x2 = c.mul(x, x);
    let s = c.sub(x2, one);
    let s = c.sqrt(s);
    let s = c.add(x, s);
    let inv = c.div(one, s);
    let v = c.mul(x, two);
    let v = c.sub(v, inv);
    let mid = log(c, v);
    let big = log_twice(c, x);
    let is_mid = c.cmp_c(FloatCC::GreaterThanOrEqual, x, 2.0);
    let y = c.sel(is_mid, mid, near);
    let is_big = c.cmp_c(FloatCC::GreaterThan, x, large(c));
    let y = c.sel(is_big, big, y);
    // x < 1 (and -inf) is outside the domain; NaN stays NaN.
    let below = c.cmp_c(FloatCC::LessThan, x, 1.0);
    c.sel_c(below, f64::NAN, y)
}

/// Inverse hyperbolic tangent.
pub fn atanh(c: &mut Ctx, x: Value) -> Value {
    let a = c.abs(x);
    let one = c.c(1.0);
    let d = c.sub(one, a);
    let a2 = c.add(a, a);
    // a < 1/2: log1p(2a + 2a^2 / (1 - a)).
    let p = c.mul(a2, a);
    let p = c.div(p, d);
    let p = c.add(a2, p);
    // a >= 1/2: log1p(2a / (1 - a)).
    let q = c.div(a2, d);
    let is_small = c.cmp_c(FloatCC::LessThan, a, 0.5);
    let u = c.sel(is_small, p, q);
    let l = log1p(c, u);
    let half = c.c(0.5);
    let y = c.mul(l, half);
    c.copysign(y, x)
}
