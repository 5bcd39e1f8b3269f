//! Plain stochastic gradient descent: `p ← p − lr·g`.

use super::{check, vars_of};
use crate::array::or_panic;
use crate::{Array, Collector, Result, Variable};

/// Stochastic gradient descent (optax's `sgd` without momentum).
#[derive(Clone, Debug)]
pub struct Sgd {
    lr: f64,
    params: Vec<Variable>,
}

impl Sgd {
    /// Trains the Variables of `params` with learning rate `lr`.
    pub fn new(lr: f64, params: &Collector) -> Sgd {
        Sgd {
            lr,
            params: vars_of(params),
        }
    }

    /// The learning rate.
    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// One step: `p ← p − lr·g` for every parameter, `grads` in the
    /// collector's order. Panics on a count, shape or dtype mismatch.
    pub fn update(&self, grads: &[Array]) {
        or_panic(self.try_update(grads))
    }

    /// `update` returning an error instead of panicking.
    pub fn try_update(&self, grads: &[Array]) -> Result<()> {
        check("Sgd::update", &self.params, grads)?;
        for (p, g) in self.params.iter().zip(grads) {
            p.try_set(p.value() - g * self.lr)?;
        }
        Ok(())
    }
}
