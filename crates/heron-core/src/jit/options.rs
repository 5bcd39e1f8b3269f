//! `JitOptions` (how `jit_with` compiles a function) and how a jitted
//! function picks the `CompileOptions` each compilation runs under.

use heron_ir::{CompileOptions, Graph, Result};

/// Compilation options of a jitted function (`jit_with`). The default is
/// what `jit` does: results bit-identical to eager mode for IEEE arithmetic.
/// The other compile settings come from [`CompileOptions::current`] at each
/// call; `jit_with_options` fixes all of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct JitOptions {
    /// Trade bit-exact results for speed. **Not bit-exact**: a float division
    /// by a constant (`v / tau`) becomes a multiplication by its reciprocal,
    /// linear expressions are reassociated (`v + (a - v)·k` becomes
    /// `v·(1 - k) + a·k`, with `a·k` computed once per tile of a temporally
    /// fused loop) and `x·y + z` may become a fused multiply-add; results
    /// are within `heron_ir::precision::fast_math_bound` of exact ones.
    /// Exponentials of affine functions of one value whose slopes are
    /// power-of-two multiples share one `exp` (`exp(-v/10)` is
    /// `exp(-v/80)` squared three times), within the ulps stated in
    /// `heron_ir::passes::fast_math::share_exps`. Off by default.
    pub fast_math: bool,
}

/// Where a jitted function takes its compile options from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OptionsChoice {
    /// `jit`: [`CompileOptions::current`] at each call.
    Current,
    /// `jit_with`: [`CompileOptions::current`] at each call, with fast
    /// math as given.
    Jit(JitOptions),
    /// `jit_with_options`: exactly these.
    Fixed(CompileOptions),
}

impl OptionsChoice {
    /// The options a call made now compiles under (part of the cache key).
    #[inline]
    pub(crate) fn resolve(self) -> CompileOptions {
        match self {
            OptionsChoice::Current => CompileOptions::current(),
            OptionsChoice::Jit(j) => CompileOptions {
                fast_math: j.fast_math,
                ..CompileOptions::current()
            },
            OptionsChoice::Fixed(o) => o,
        }
    }
}

/// The graph-level passes of a compilation under `options`: `optimize`,
/// then fast math when asked for.
pub(crate) fn optimize(traced: &Graph, options: &CompileOptions) -> Result<Graph> {
    let optimized = heron_ir::passes::optimize(traced)?;
    Ok(if options.fast_math {
        heron_ir::passes::fast_math::fast_math(&optimized)
    } else {
        optimized
    })
}
