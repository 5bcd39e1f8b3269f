//! Adam (Kingma & Ba), bias-corrected as optax's `adam`:
//! `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`, `t ← t + 1`,
//! `p ← p − lr·m̂ / (√v̂ + ε)` with `m̂ = m / (1 − β₁ᵗ)`, `v̂ = v / (1 − β₂ᵗ)`.
//!
//! The bias corrections are folded into two scalars per step, as PyTorch's
//! Adam does: `p ← p − a·m / (√v·s + ε)` with `a = lr / (1 − β₁ᵗ)` and
//! `s = 1 / √(1 − β₂ᵗ)`. That is the same update to rounding (a few ulp of
//! the step, far below an ulp of `p` once `p` is much larger than the step)
//! with one division and one square root per element instead of three
//! divisions and a root: on large parameters the update is bound by those.

use super::{check, vars_of, zeros_like_var};
use crate::array::or_panic;
use crate::{Array, Collector, DType, Result, Variable};

/// The Adam optimizer; moments and the step count are Variables.
#[derive(Clone, Debug)]
pub struct Adam {
    lr: f64,
    b1: f64,
    b2: f64,
    eps: f64,
    params: Vec<Variable>,
    m: Vec<Variable>,
    v: Vec<Variable>,
    count: Variable,
}

impl Adam {
    /// Trains the Variables of `params` with learning rate `lr` and the
    /// defaults β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
    pub fn new(lr: f64, params: &Collector) -> Adam {
        Adam::with(lr, 0.9, 0.999, 1e-8, params)
    }

    /// Adam with explicit β₁, β₂ and ε.
    pub fn with(lr: f64, b1: f64, b2: f64, eps: f64, params: &Collector) -> Adam {
        let params = vars_of(params);
        let m = params.iter().map(zeros_like_var).collect();
        let v = params.iter().map(zeros_like_var).collect();
        Adam {
            lr,
            b1,
            b2,
            eps,
            params,
            m,
            v,
            count: Variable::new(crate::zeros(&[], DType::I32)),
        }
    }

    /// The number of steps taken (an i32 Variable).
    pub fn count(&self) -> &Variable {
        &self.count
    }

    /// Sets the moments and the step count back to zero (the parameters
    /// are left as they are).
    pub fn reset(&self) {
        for s in self.m.iter().chain(&self.v) {
            s.set(crate::zeros(&s.shape(), s.dtype()));
        }
        self.count.set(crate::zeros(&[], DType::I32));
    }

    /// One step, `grads` in the collector's order. Panics on a count, shape
    /// or dtype mismatch.
    pub fn update(&self, grads: &[Array]) {
        or_panic(self.try_update(grads))
    }

    /// `update` returning an error instead of panicking.
    pub fn try_update(&self, grads: &[Array]) -> Result<()> {
        check("Adam::update", &self.params, grads)?;
        let t = self.count.value() + 1;
        for (((p, m), v), g) in self.params.iter().zip(&self.m).zip(&self.v).zip(grads) {
            let d = p.dtype();
            let td = t.astype(d);
            let c1: Array = 1.0 - crate::full(&[], self.b1, d).pow(&td);
            let c2: Array = 1.0 - crate::full(&[], self.b2, d).pow(&td);
            let a: Array = self.lr / c1;
            let s: Array = 1.0 / c2.sqrt();
            let nm = m.value() * self.b1 + g * (1.0 - self.b1);
            let nv = v.value() * self.b2 + g * g * (1.0 - self.b2);
            let step = &nm * &a / (nv.sqrt() * &s + self.eps);
            p.try_set(p.value() - step)?;
            m.try_set(nm)?;
            v.try_set(nv)?;
        }
        self.count.try_set(t)
    }
}
