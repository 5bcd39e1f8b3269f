//! `JitOptions`: how `jit_with` compiles a function.

/// Compilation options of a jitted function (`jit_with`). The default is
/// what `jit` does: results bit-identical to eager mode for IEEE arithmetic.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct JitOptions {
    /// Trade bit-exact results for speed. **Not bit-exact**: a float division
    /// by a constant (`v / tau`) becomes a multiplication by its reciprocal,
    /// which may differ from the division by one rounding. Off by default.
    pub fast_math: bool,
}

impl JitOptions {
    /// The optimised graph with the passes these options ask for applied.
    pub(crate) fn apply(&self, optimized: heron_ir::Graph) -> heron_ir::Graph {
        if self.fast_math {
            heron_ir::passes::fast_math::fast_math(&optimized)
        } else {
            optimized
        }
    }
}
