//! Inspection of what `jit` produces: the traced and optimised graphs
//! (`Lowered`), and the compiled code (`Compiled`).

use super::cache::Entry;
use heron_ir::{CompileOptions, Graph};
use std::sync::Arc;
use std::time::Duration;

/// A function traced and optimised for one signature, not compiled.
pub struct Lowered {
    traced: Graph,
    optimized: Graph,
    options: CompileOptions,
}

impl Lowered {
    pub(crate) fn new(traced: Graph, optimized: Graph, options: CompileOptions) -> Lowered {
        Lowered {
            traced,
            optimized,
            options,
        }
    }

    /// The traced graph as jaxpr-like text.
    pub fn ir_text(&self) -> String {
        self.traced.to_text()
    }

    /// The graph after folding, CSE, DCE and simplification, followed by its
    /// fused kernel plan.
    pub fn optimized_text(&self) -> String {
        optimized_text(&self.optimized, &self.options)
    }

    /// The traced graph.
    pub fn graph(&self) -> &Graph {
        &self.traced
    }

    /// The optimised graph.
    pub fn optimized_graph(&self) -> &Graph {
        &self.optimized
    }
}

fn optimized_text(graph: &Graph, options: &CompileOptions) -> String {
    format!(
        "{}\n{}",
        graph.to_text(),
        heron_ir::passes::fuse::schedule(graph, options).to_text()
    )
}

/// One compiled specialisation of a jitted function.
pub struct Compiled {
    entry: Arc<Entry>,
}

/// A fused loop of a compiled function.
pub use heron_codegen::KernelInfo;

/// How a compiled function runs its gathers (`Compiled::gather_forms`).
pub use heron_codegen::GatherForms;

impl Compiled {
    pub(crate) fn new(entry: Arc<Entry>) -> Compiled {
        Compiled { entry }
    }

    /// The traced graph as text.
    pub fn ir_text(&self) -> String {
        self.entry.traced.to_text()
    }

    /// The optimised graph and its kernel plan as text.
    pub fn optimized_text(&self) -> String {
        optimized_text(&self.entry.optimized, &self.entry.options)
    }

    /// The Cranelift IR of every kernel (empty under the interpreter backend).
    pub fn clif_text(&self) -> String {
        self.entry
            .exe
            .as_ref()
            .map(|e| e.clif_text())
            .unwrap_or_default()
    }

    /// The fused loops with their shapes.
    pub fn kernels(&self) -> Vec<KernelInfo> {
        self.entry
            .exe
            .as_ref()
            .map(|e| e.kernels())
            .unwrap_or_default()
    }

    /// The ops this specialisation runs through the interpreter (`eval_op`)
    /// instead of native code, control-flow bodies included; empty when
    /// every step is native (or under the interpreter backend, where
    /// nothing is compiled). `HERON_LOG_COMPILES=1` prints the same list.
    pub fn interpreter_ops(&self) -> Vec<&'static str> {
        self.entry
            .exe
            .as_ref()
            .map(|e| e.interpreter_ops())
            .unwrap_or_default()
    }

    /// How this specialisation runs its gathers (`take`,
    /// `take_along_axis`, `dynamic_slice`), control-flow bodies included: fused into the
    /// element-wise kernels that consume them, or as native steps writing
    /// a temporary. `HERON_LOG_COMPILES=1` prints the same counts.
    pub fn gather_forms(&self) -> GatherForms {
        self.entry
            .exe
            .as_ref()
            .map(|e| e.gather_forms())
            .unwrap_or_default()
    }

    /// For each temporally fused loop, the form its element loop runs in
    /// and why: `register tiles 8 x f32x4: …` (the state in registers for
    /// all steps, with the tile chosen from register pressure) or
    /// `chunked (reason)`.
    pub fn temporal_forms(&self) -> Vec<String> {
        self.entry
            .exe
            .as_ref()
            .map(|e| e.temporal_forms())
            .unwrap_or_default()
    }

    /// Bytes of machine code.
    pub fn code_size(&self) -> usize {
        self.entry.exe.as_ref().map_or(0, |e| e.code_size())
    }

    /// True when the machine code was loaded from the disk cache
    /// (`heron::cache`) instead of compiled.
    pub fn from_disk(&self) -> bool {
        self.entry.exe.as_ref().is_some_and(|e| e.is_loaded())
    }

    /// Time spent tracing, optimising and compiling this specialisation.
    pub fn compile_time(&self) -> Duration {
        self.entry.compile_time
    }

    /// Number of results the function returns.
    pub fn n_results(&self) -> usize {
        self.entry.n_results
    }
}
