//! `hypot` and `logaddexp`, NumPy's semantics for special values.
//!
//! - `hypot(x, y) = m sqrt(1 + (n/m)^2)` with `m = max(|x|, |y|)`,
//!   `n = min(|x|, |y|)`: no overflow or underflow in between; `0` when
//!   both are zero, `inf` when either is infinite (even if the other is
//!   NaN), else NaN when either is NaN.
//! - `logaddexp(x, y) = max + log1p(exp(-|x - y|))`; equal operands give
//!   `x + ln 2` (so `logaddexp(-inf, -inf) = -inf` and
//!   `logaddexp(inf, inf) = inf`), a NaN operand gives NaN.

use super::builder::Ctx;
use super::exp::exp;
use super::log::log1p;
use cranelift_codegen::ir::Value;
use cranelift_codegen::ir::condcodes::FloatCC;

/// `sqrt(x^2 + y^2)` without undue overflow or underflow.
pub fn hypot(c: &mut Ctx, x: Value, y: Value) -> Value {
    let ax = c.abs(x);
    let ay = c.abs(y);
    let x_big = c.cmp(FloatCC::GreaterThan, ax, ay);
    let m = c.sel(x_big, ax, ay);
    let n = c.sel(x_big, ay, ax);
    let r = c.div(n, m);
    let one = c.c(1.0);
    let s = c.fma(r, r, one);
    let s = c.sqrt(s);
    let h = c.mul(m, s);
    // Both zero: 0/0 above.
    let zero = c.cmp_c(FloatCC::Equal, m, 0.0);
    let h = c.sel_c(zero, 0.0, h);
    let inf = c.c(f64::INFINITY);
    let x_inf = c.cmp(FloatCC::Equal, ax, inf);
    let y_inf = c.cmp(FloatCC::Equal, ay, inf);
    let any_inf = c.or(x_inf, y_inf);
    let any_nan = {
        let xn = c.is_nan(x);
        let yn = c.is_nan(y);
        c.or(xn, yn)
    };
    let h = c.sel_c(any_nan, f64::NAN, h);
    c.sel(any_inf, inf, h)
}

/// `log(e^x + e^y)` without overflow.
pub fn logaddexp(c: &mut Ctx, x: Value, y: Value) -> Value {
    let d = c.sub(x, y);
    let ad = c.abs(d);
    let nad = c.neg(ad);
    let e = exp(c, nad);
    let l = log1p(c, e);
    let x_big = c.cmp(FloatCC::GreaterThan, x, y);
    let m = c.sel(x_big, x, y);
    let r = c.add(m, l);
    // Equal operands (infinities included): x + ln 2.
    let ln2 = c.c(std::f64::consts::LN_2);
    let twice = c.add(x, ln2);
    let eq = c.cmp(FloatCC::Equal, x, y);
    // A NaN operand makes every term NaN, and never compares equal.
    c.sel(eq, twice, r)
}
