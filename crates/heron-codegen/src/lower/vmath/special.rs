//! `erf`, the error function.
//!
//! - `|x| < 1`: `erf x = x (2/sqrt(pi) + z P(z))`, `z = x^2`.
//! - `1 <= |x| <` 6 (f64; 4 for f32): `erf |x| = 1 - e^(-a^2) Q(1/a - 9/16)`, with
//!   `a^2` split exactly into `h + l` (`e^(-a^2) = e^(-h) (1 - l)`): the
//!   error of `erfc` is absolute in `erf`, and `erfc(1) < 0.16`.
//! - beyond: `±1` (`erfc` is below half an ulp of 1); `erf(±inf) = ±1`,
//!   NaN stays NaN.

use super::builder::Ctx;
use super::consts::*;
use super::exp::exp;
use cranelift_codegen::ir::Value;
use cranelift_codegen::ir::condcodes::FloatCC;

/// The centre of the tail fit's variable `1/a` (as in `gen_consts.py`).
const ERFC_MID: f64 = 0.5625;

/// The error function.
pub fn erf(c: &mut Ctx, x: Value) -> Value {
    let (small_poly, tail_poly, cut) = if c.is_f64() {
        (&ERF_F64[..], &ERFC_F64[..], 6.0)
    } else {
        (&ERF_F32[..], &ERFC_F32[..], 4.0)
    };
    let a = c.abs(x);
    // |x| < 1.
    let z = c.mul(x, x);
    let p = c.poly(z, small_poly);
    let c0 = c.c(std::f64::consts::FRAC_2_SQRT_PI);
    let t = c.fma(z, p, c0);
    let small = c.mul(x, t);
    // 1 <= |x| < cut.
    let one = c.c(1.0);
    let u = c.div(one, a);
    let w = c.fma_c(one, -ERFC_MID, u);
    let q = c.poly(w, tail_poly);
    let (h, l) = c.two_prod(a, a);
    let nh = c.neg(h);
    let e = exp(c, nh);
    let corr = c.sub(one, l);
    let e = c.mul(e, corr);
    let erfc = c.mul(e, q);
    let tail = c.sub(one, erfc);
    let in_tail = c.cmp_c(FloatCC::LessThan, a, cut);
    let big = c.sel(in_tail, tail, one);
    let big = c.copysign(big, x);
    let is_small = c.cmp_c(FloatCC::LessThan, a, 1.0);
    let y = c.sel(is_small, small, big);
    let nan = c.is_nan(x);
    c.sel(nan, x, y)
}
