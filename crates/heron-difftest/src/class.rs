//! A value's class under the precision contract: what the checker may
//! assume of it, given the ops it came through (see `run.rs`).

use heron::ir::precision::{Tol, tolerance};
use heron::{Array, DType};
use heron_ir::Op;

/// What the checker may assume of a value (see the module doc).
#[derive(Clone, Debug)]
pub enum Class {
    /// Bit-exact.
    Exact,
    /// Within this many ulp (f32, f64).
    Ulp(u32, u32),
    /// Within this many ulp of `max(|eval|, 1)` (f32, f64).
    UlpOfOne(u32, u32),
    /// A float sum of `n` terms whose absolute values sum to `abs_sum`
    /// (an f64 array of the result's shape); with `dot`, a matrix
    /// product's dot products of `n` terms (`Tol::Dot`).
    Sum {
        /// Terms per result element.
        n: usize,
        /// Σ|x| per result element.
        abs_sum: Array,
        /// A matrix product (`dot_bound`), not a reduction (`sum_bound`).
        dot: bool,
    },
    /// Not compared element by element.
    Loose,
}

impl Class {
    pub(crate) fn is_exact(&self) -> bool {
        matches!(self, Class::Exact)
    }

    /// The class of a value with the same elements moved or repeated
    /// (reshape, transpose, slice, broadcast): a per-element bound holds
    /// still; a sum's absolute sums are no longer aligned with it.
    pub(crate) fn moved(&self) -> Class {
        match self {
            Class::Sum { .. } => Class::Loose,
            c => c.clone(),
        }
    }

    /// Exact if both are, else loose.
    pub(crate) fn join(&self, other: &Class) -> Class {
        if self.is_exact() && other.is_exact() {
            Class::Exact
        } else {
            Class::Loose
        }
    }
}

/// The class of an op's result from its operands' classes: the op's
/// contract when they are exact, loose otherwise. (A sum's class is made
/// by `reduce`, which knows its terms.)
pub(crate) fn op_class(op: &Op, dtype: DType, operands: &[&Class]) -> Class {
    if !operands.iter().all(|c| c.is_exact()) {
        return Class::Loose;
    }
    match tolerance(op, dtype) {
        Tol::Exact => Class::Exact,
        Tol::Ulp { f32, f64 } => Class::Ulp(f32, f64),
        Tol::UlpOfOne { f32, f64 } => Class::UlpOfOne(f32, f64),
        Tol::Sum | Tol::Dot => Class::Loose,
    }
}
