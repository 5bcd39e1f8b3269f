//! Surrogate-gradient spike functions, as BrainPy's `bm.surrogate`: the
//! forward value is the Heaviside step `x >= 0` (as `x`'s float dtype), the
//! gradient that of a smooth function of the same step.
//!
//! Every shape is one rule: [`custom`] takes the smooth function `s` (an
//! antiderivative of the surrogate gradient, with `s(x) >= 0.5` for
//! `x >= 0` and `s(x) <= 1`) and returns `s(x) + stop_gradient(step(x) - s(x))`.
//! Its value is the step exactly: for a zero step `s + (0 - s)` is `0`, and
//! for a step of one `1 - s` is exact (Sterbenz: `s` lies in `[0.5, 1]`) and
//! so is `s + (1 - s)`. Its gradient is `s'(x)`. Inside `jit` the two
//! branches fuse into the same element-wise kernel.

use crate::{Array, DType, stop_gradient};

/// The spike function with the gradient of `smooth` (see the module doc).
/// Integer and bool `x` are first converted to f32.
pub fn custom(x: &Array, smooth: impl Fn(&Array) -> Array) -> Array {
    let x = if x.dtype().is_float() {
        x.clone()
    } else {
        x.astype(DType::F32)
    };
    let step = x.ge(0.0).astype(x.dtype());
    let s = smooth(&x);
    &s + stop_gradient(&(step - &s))
}

/// Forward `(x >= 0)` as `x`'s float dtype; backward
/// `alpha·σ(alpha·x)·(1 − σ(alpha·x))` (BrainPy's `surrogate.sigmoid`;
/// `alpha > 0`, BrainPy's default is 4).
pub fn sigmoid(x: &Array, alpha: f64) -> Array {
    custom(x, |x| (x * alpha).sigmoid())
}

/// Forward `(x >= 0)` as `x`'s float dtype; backward
/// `alpha / 2 / (1 + (π/2·alpha·x)²)` (BrainPy's `surrogate.arctan`;
/// `alpha > 0`, BrainPy's default is 1).
pub fn arctan(x: &Array, alpha: f64) -> Array {
    use std::f64::consts::{FRAC_PI_2, PI};
    custom(x, |x| (x * (FRAC_PI_2 * alpha)).arctan() / PI + 0.5)
}

/// Forward `(x >= 0)` as `x`'s float dtype; backward
/// `max(0, alpha − alpha²·|x|)`, a triangle of width `2/alpha` (BrainPy's
/// `surrogate.piecewise_quadratic`; `alpha > 0`, BrainPy's default is 1).
pub fn piecewise_quadratic(x: &Array, alpha: f64) -> Array {
    custom(x, |x| {
        let w = 1.0 / alpha;
        let xc = x.clip(-w, w);
        let q = &xc * xc.abs() * (-0.5 * alpha * alpha);
        q + &xc * alpha + 0.5
    })
}
