//! Graph-to-graph passes, one file each, and `optimize`, the pipeline that
//! runs them. Every pass takes a graph and builds a fresh one that computes
//! the same outputs; in debug builds the verifier checks each result.

pub mod control;
pub mod cse;
pub mod dce;
pub mod fast_math;
pub mod fold;
pub mod fuse;
pub mod loop_invariant;
mod rewrite;
pub mod simplify;
/// The old path of `crate::schedule::row_groups`.
pub use crate::schedule::row_groups;
/// The old path of `crate::schedule::temporal`.
pub use crate::schedule::temporal;
#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;

use crate::verify::verify;
use crate::{Graph, Result};

/// Optimises a traced graph: algebraic simplification, products moved out
/// of counted loops (`loop_invariant`), constant folding,
/// common-subexpression elimination, simplification of what folding and
/// merging exposed, then removal of dead code.
pub fn optimize(graph: &Graph) -> Result<Graph> {
    debug_verify(graph)?;
    let graph = checked(control::control(graph)?)?;
    let graph = checked(simplify::simplify(&graph)?)?;
    let graph = checked(loop_invariant::loop_invariant(&graph)?)?;
    let graph = checked(fold::fold(&graph))?;
    let graph = checked(cse::cse(&graph))?;
    let graph = checked(simplify::simplify(&graph)?)?;
    checked(dce::dce(&graph))
}

/// A pass's result, verified in debug builds.
fn checked(graph: Graph) -> Result<Graph> {
    debug_verify(&graph)?;
    Ok(graph)
}

/// Runs the verifier in debug builds (a failure is a compiler bug).
fn debug_verify(graph: &Graph) -> Result<()> {
    if cfg!(debug_assertions) {
        verify(graph)
    } else {
        Ok(())
    }
}
