//! `sin`, `cos` and `tan`.
//!
//! Reduction: `j = round(x 2/pi)`, `r + r_lo = x - j pi/2` with `pi/2` as
//! a sum of four floats, the two leading products exact (`fma`, or Dekker's
//! product without it) and the leading difference kept as a two-float sum;
//! quadrant `q = j mod 4` computed in floats so it stays
//! right for every finite `x`. Kernels on `|r| <= pi/4`:
//! `sin r = r + r^3 S(r^2)`, `cos r = 1 - r^2/2 + r^4 C(r^2)` (the `1 - r^2/2`
//! step compensated as in fdlibm), each with the first-order `r_lo` term, and `tan = sin / cos` per quadrant.
//! Non-finite `x` gives NaN. The reduction is accurate while `j` times the
//! last part's rounding error stays small: see `docs/VECTOR_MATH.md` for
//! the measured range.

use super::builder::Ctx;
use super::consts::*;
use cranelift_codegen::ir::Value;
use cranelift_codegen::ir::condcodes::FloatCC;

/// The reduced argument, its sine and cosine kernels, and the quadrant.
struct Reduced {
    sin: Value,
    cos: Value,
    q: Value,
}

fn reduce(c: &mut Ctx, x: Value) -> Reduced {
    let (pio2, sp, cp) = if c.is_f64() {
        (&PIO2_F64, &SIN_F64[..], &COS_F64[..])
    } else {
        (&PIO2_F32, &SIN_F32[..], &COS_F32[..])
    };
    let two_over_pi = c.c(std::f64::consts::FRAC_2_PI);
    let j = c.mul(x, two_over_pi);
    let j = c.nearest(j);
    // Keeps the exact products finite for huge |x| (beyond the accurate
    // range), so that only non-finite x gives NaN.
    let jmax = if c.is_f64() {
        2f64.powi(900)
    } else {
        2f64.powi(100)
    };
    let j = clamp(c, j, jmax);
    let nj = c.neg(j);
    // x - j pi/2 as r + r_lo: the two leading products exact (p + e), the
    // first difference exact (Sterbenz), the rest summed with two-sums.
    let c1 = c.c(pio2[0]);
    let (p1, e1) = c.two_prod(j, c1);
    let t = c.sub(x, p1);
    let c2 = c.c(pio2[1]);
    let (p2, e2) = c.two_prod(j, c2);
    let ne1 = c.neg(e1);
    let (a, ea) = c.two_sum(t, ne1);
    let np2 = c.neg(p2);
    let (r, eb) = c.two_sum(a, np2);
    let lo = c.add(ea, eb);
    let lo = c.sub(lo, e2);
    let lo = c.fma_c(nj, pio2[2], lo);
    let lo = c.fma_c(nj, pio2[3], lo);
    let (r, r_lo) = c.two_sum(r, lo);
    // Past the accurate range (j beyond the mantissa) the reduction is
    // meaningless; clamping keeps the result finite and in [-1, 1].
    let (rmax, lomax) = if c.is_f64() {
        (0.805, 2f64.powi(-48))
    } else {
        (0.805, 2f64.powi(-20))
    };
    let r = clamp(c, r, rmax);
    let r_lo = clamp(c, r_lo, lomax);
    // q = j - 4 floor(j / 4), exact for every integer-valued j.
    let quarter = c.c(0.25);
    let jq = c.mul(j, quarter);
    let jq = c.floor(jq);
    let four = c.c(4.0);
    let q = c.fma(jq, four, nj);
    let q = c.neg(q);
    let z = c.mul(r, r);
    let half = c.c(0.5);
    let hz = c.mul(z, half);
    // sin(r + r_lo) = r + (r_lo (1 - z/2) + r z S(z))
    let s = c.poly(z, sp);
    let rz = c.mul(r, z);
    let nhz = c.neg(hz);
    let lo = c.fma(nhz, r_lo, r_lo);
    let sin = c.fma(rz, s, lo);
    let sin = c.add(r, sin);
    // cos(r + r_lo) = w + (((1 - w) - z/2) + z^2 C(z) - r r_lo), w = 1 - z/2
    let one = c.c(1.0);
    let w = c.sub(one, hz);
    let cpoly = c.poly(z, cp);
    let z2 = c.mul(z, z);
    let t = c.sub(one, w);
    let t = c.sub(t, hz);
    let t = c.fma(z2, cpoly, t);
    let nr = c.neg(r);
    let t = c.fma(nr, r_lo, t);
    let cos = c.add(w, t);
    Reduced { sin, cos, q }
}

/// `v` clamped to `[-m, m]` (NaN stays NaN).
fn clamp(c: &mut Ctx, v: Value, m: f64) -> Value {
    let v = c.at_most(v, m);
    c.at_least(v, -m)
}

/// Picks `±sin r` or `±cos r` for quadrant `q` (+ `shift` for cos).
fn by_quadrant(c: &mut Ctx, red: &Reduced, shift: f64) -> Value {
    let q = if shift != 0.0 {
        let s = c.c(shift);
        let q = c.add(red.q, s);
        let four = c.c(4.0);
        let ge = c.cmp_c(FloatCC::GreaterThanOrEqual, q, 4.0);
        let wrapped = c.sub(q, four);
        c.sel(ge, wrapped, q)
    } else {
        red.q
    };
    let is1 = c.cmp_c(FloatCC::Equal, q, 1.0);
    let is3 = c.cmp_c(FloatCC::Equal, q, 3.0);
    let odd = c.or(is1, is3);
    let v = c.sel(odd, red.cos, red.sin);
    let neg = c.cmp_c(FloatCC::GreaterThanOrEqual, q, 2.0);
    let nv = c.neg(v);
    c.sel(neg, nv, v)
}

/// `x` itself where `|x|` is so small that `sin x` and `tan x` round to it
/// (this keeps the sign of ±0, which the reduction's `fma` loses).
fn tiny_identity(c: &mut Ctx, x: Value, y: Value) -> Value {
    let tiny = if c.is_f64() {
        2f64.powi(-30)
    } else {
        2f64.powi(-14)
    };
    c.identity_below(x, y, tiny)
}

/// Sine.
pub fn sin(c: &mut Ctx, x: Value) -> Value {
    let red = reduce(c, x);
    let y = by_quadrant(c, &red, 0.0);
    tiny_identity(c, x, y)
}

/// Cosine.
pub fn cos(c: &mut Ctx, x: Value) -> Value {
    let red = reduce(c, x);
    by_quadrant(c, &red, 1.0)
}

/// Tangent: `sin r / cos r` in even quadrants, `-cos r / sin r` in odd ones.
pub fn tan(c: &mut Ctx, x: Value) -> Value {
    let red = reduce(c, x);
    let is1 = c.cmp_c(FloatCC::Equal, red.q, 1.0);
    let is3 = c.cmp_c(FloatCC::Equal, red.q, 3.0);
    let odd = c.or(is1, is3);
    let ncos = c.neg(red.cos);
    let num = c.sel(odd, ncos, red.sin);
    let den = c.sel(odd, red.sin, red.cos);
    let y = c.div(num, den);
    tiny_identity(c, x, y)
}
