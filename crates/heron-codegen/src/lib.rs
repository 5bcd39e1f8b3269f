//! heron's backend: a graph is fused into a `KernelPlan` (`heron_ir::passes::fuse`),
//! each fused kernel is lowered to a Cranelift function over a linear range
//! of its iteration space, and the result is an `Executable` that runs the
//! plan on raw buffers.
//!
//! - `lower/`: compile time — a whole plan (`program.rs`), one kernel
//!   (`mod.rs` and the files by concern), the inline vector math (`vmath/`),
//!   the control steps' native drivers (`driver/`), the JIT module
//!   (`module.rs`).
//! - `run/`: run time — `Executable` and its `run`, launches, row groups,
//!   host steps, control steps and their drivers' frames, the helper table.
//!   Nothing in `run/` imports `lower/`.
//! - `code_image.rs`: an executable's machine code as a `CodeImage`, saved
//!   and loaded again without compiling.

mod code_image;
mod lower;
mod run;

pub use code_image::{CodeImage, ControlImage, load, load_with, target_description};
pub use lower::vmath;
pub use run::code::FunctionCode;
pub use run::executable::{Executable, GatherForms, KernelInfo};
pub use run::frame::with_register_tiles;
pub use run::gather::interpreter_steps;
pub use run::profile;
pub use run::region::with_step_regions;

use heron_ir::{CompileOptions, Graph, Result};

/// `compile_with` under the built-in options (`CompileOptions::default()`).
pub fn compile(graph: &Graph) -> Result<Executable> {
    compile_with(graph, &CompileOptions::default())
}

/// Schedules `graph` under `options` and compiles every kernel to native
/// code. A failure is an `Error::Compile` (never undefined behaviour). The
/// graph is verified first, in every build: the addresses the code computes
/// trust its recorded shapes (a graph's fields are public, so a hand-built
/// one may lie).
pub fn compile_with(graph: &Graph, options: &CompileOptions) -> Result<Executable> {
    lower::program::compile_graph(graph, options)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn executable_is_send_and_sync() {
        assert_send_sync::<Executable>();
    }
}
