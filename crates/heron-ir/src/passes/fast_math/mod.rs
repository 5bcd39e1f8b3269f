//! `fast_math`: opt-in rewrites that give up bit-exact IEEE results for
//! speed (`CompileOptions::fast_math`, `JitOptions { fast_math: true }`).
//! Not part of `optimize`; the jit runs it after `optimize` when asked.
//!
//! On every graph and, recursively, on every sub-graph of a control op:
//!
//! 1. [`reciprocal`]: `x / c` → `x * (1/c)` for a float constant `c` whose
//!    elements are all equal and whose reciprocal is normal.
//! 2. [`reassociate`]: a tree of float `+`, `-`, negations and products or
//!    quotients by constants becomes one linear combination `Σ cᵢ·xᵢ + c₀`
//!    with folded coefficients, its loop-invariant terms summed first and
//!    its state-dependent terms added last, each as `xᵢ·cᵢ + acc` (a shape
//!    the backend contracts into a fused multiply-add). In a loop body the
//!    invariant part depends on captured operands and constants only, so
//!    the register-resident form of a temporally fused loop computes it
//!    once per tile, before the step loop. A LIF update
//!    `V + (-(V - V_rest) + R·I)·dt/τ` becomes `V·(1 - k) + (I·(R·k) +
//!    V_rest·k)`, `k = dt/τ`: one multiply-add per step.
//! 3. [`share_exps`]: exponentials of affine functions of one value whose
//!    slopes are power-of-two multiples of one another become one
//!    exponential, a few squarings and a constant factor each
//!    (`exp(a·x + b)` → `exp(s·x)^(2^k)·e^b`); the products that follow
//!    are reassociated again, so `4·exp(-x/18 - 65/18)` is one product.
//! 4. Common subexpressions merged and dead code removed.
//!
//! Fast math assumes finite values: reassociation may turn an overflow or
//! a NaN from `inf - inf` into a finite result and back, and drops terms
//! whose coefficients cancel (`x - x` → `0`). Each rewritten expression is
//! within `heron_ir::precision::fast_math_bound` of `eval` of the original.

mod exp_share;
#[cfg(test)]
mod exp_tests;
mod linear;
mod reciprocal;
#[cfg(test)]
mod tests;

pub use exp_share::{HH_ULPS, MAX_SHIFT, MAX_SQUARINGS, share_exps};

pub use linear::reassociate;
pub use reciprocal::reciprocal;

use super::rewrite::Rebuild;
use crate::Graph;
use crate::control::Body;

/// Applies the fast-math rewrites to `graph` and to its sub-graphs. No
/// parameter of the top-level graph counts as loop-invariant.
pub fn fast_math(graph: &Graph) -> Graph {
    rewrite(graph, &vec![false; graph.params.len()])
}

/// The fast-math rewrites of `graph`, whose parameter `p` is loop-invariant
/// when `invariant[p]`.
fn rewrite(graph: &Graph, invariant: &[bool]) -> Graph {
    let graph = subgraphs(graph);
    let graph = reciprocal(&graph);
    let graph = reassociate(&graph, invariant);
    let graph = match share_exps(&graph) {
        Some(shared) => reassociate(&super::dce::dce(&shared), invariant),
        None => graph,
    };
    super::dce::dce(&super::cse::cse(&graph))
}

/// `graph` with the sub-graphs of its control ops rewritten. In a counted
/// loop's body the captured operands are invariant (the index, the carried
/// state and the sliced operands are not); in a `while` loop's the
/// captured operands after the carried state; a branch's parameters are
/// not (nothing repeats inside it).
fn subgraphs(graph: &Graph) -> Graph {
    if !graph
        .nodes
        .values()
        .any(|n| crate::control::is_control(&n.op))
    {
        return graph.clone();
    }
    let sub = |b: &Body, first_invariant: usize| {
        let invariant: Vec<bool> = (0..b.params.len()).map(|p| p >= first_invariant).collect();
        Body::new(rewrite(b, &invariant))
    };
    let mut rb = Rebuild::new(graph);
    for (id, node) in rb.body() {
        if !crate::control::is_control(&node.op) {
            rb.copy(id);
            continue;
        }
        let mapped = crate::control::try_map_bodies(&node.op, |b, first_invariant| {
            Ok::<_, std::convert::Infallible>(sub(b, first_invariant))
        });
        let op = match mapped {
            Ok(op) => op,
            Err(never) => match never {},
        };
        let inputs = rb.inputs(node);
        let new = rb.push(op, inputs, node.shape.clone(), node.dtype);
        rb.set(id, new);
    }
    rb.finish()
}
