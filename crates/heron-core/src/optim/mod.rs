//! Gradient-descent optimizers, as BrainPy's `bp.optim` and optax: `Sgd`,
//! `Momentum`, `Adam`.
//!
//! An optimizer holds the Variables it trains (a `Collector`'s, in its
//! order) and keeps its own state (moments, step count) in Variables too,
//! so `update` inside `jit` is ordinary Variable writes: a whole training
//! step (`value_and_grad_vars` and `update`) compiles into one native
//! function that updates every parameter and moment in place. Every
//! optimizer is `Send + Sync` and `update` takes `&self`.

mod adam;
mod momentum;
mod sgd;

pub use adam::Adam;
pub use momentum::Momentum;
pub use sgd::Sgd;

use crate::{Array, Collector, Error, Result, Variable};
use heron_ir::type_text;

/// The Variables of `params`, in order.
fn vars_of(params: &Collector) -> Vec<Variable> {
    params.variables().cloned().collect()
}

/// A zero Variable of `v`'s shape and dtype (optimizer state).
fn zeros_like_var(v: &Variable) -> Variable {
    Variable::new(crate::zeros(&v.shape(), v.dtype()))
}

/// Checks that `grads` match `params` one to one in shape and dtype.
fn check(op: &str, params: &[Variable], grads: &[Array]) -> Result<()> {
    if params.len() != grads.len() {
        return Err(Error::invalid(
            op,
            format!("{} gradients for {} parameters", grads.len(), params.len()),
        ));
    }
    for (i, (p, g)) in params.iter().zip(grads).enumerate() {
        if p.shape() != *g.shape_ref() || p.dtype() != g.dtype() {
            return Err(Error::invalid(
                op,
                format!(
                    "gradient {i} is {} but its parameter is {}",
                    type_text(g.shape_ref(), g.dtype()),
                    type_text(&p.shape(), p.dtype())
                ),
            ));
        }
    }
    Ok(())
}
