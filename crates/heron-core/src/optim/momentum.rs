//! Gradient descent with momentum (optax's `sgd(lr, momentum)`, BrainPy's
//! `Momentum`): `v ← μ·v + g`, `p ← p − lr·v`.

use super::{check, vars_of, zeros_like_var};
use crate::array::or_panic;
use crate::{Array, Collector, Result, Variable};

/// Gradient descent with (heavy-ball) momentum; the velocities are Variables.
#[derive(Clone, Debug)]
pub struct Momentum {
    lr: f64,
    momentum: f64,
    params: Vec<Variable>,
    velocity: Vec<Variable>,
}

impl Momentum {
    /// Trains the Variables of `params` with learning rate `lr` and momentum
    /// coefficient `momentum` (velocities start at zero).
    pub fn new(lr: f64, momentum: f64, params: &Collector) -> Momentum {
        let params = vars_of(params);
        let velocity = params.iter().map(zeros_like_var).collect();
        Momentum {
            lr,
            momentum,
            params,
            velocity,
        }
    }

    /// The velocity Variables, one per parameter.
    pub fn velocity(&self) -> &[Variable] {
        &self.velocity
    }

    /// Sets the velocities back to zero (the parameters are left as they are).
    pub fn reset(&self) {
        for v in &self.velocity {
            v.set(crate::zeros(&v.shape(), v.dtype()));
        }
    }

    /// One step, `grads` in the collector's order. Panics on a count, shape
    /// or dtype mismatch.
    pub fn update(&self, grads: &[Array]) {
        or_panic(self.try_update(grads))
    }

    /// `update` returning an error instead of panicking.
    pub fn try_update(&self, grads: &[Array]) -> Result<()> {
        check("Momentum::update", &self.params, grads)?;
        for ((p, v), g) in self.params.iter().zip(&self.velocity).zip(grads) {
            let nv = v.value() * self.momentum + g;
            p.try_set(p.value() - &nv * self.lr)?;
            v.try_set(nv)?;
        }
        Ok(())
    }
}
