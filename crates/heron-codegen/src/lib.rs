//! heron's backend: a graph is fused into a `KernelPlan` (`heron_ir::passes::fuse`),
//! each fused kernel is lowered to a Cranelift function over a linear range
//! of its iteration space, and the result is an `Executable` that runs the
//! plan on raw buffers.
//!
//! - `lower/`: Cranelift emission, split by concern (loop nests, element-wise
//!   ops, casts, reductions).
//! - `helpers.rs`: runtime helper functions, reached through a table.
//! - `module.rs`: the JIT module wrapper.
//! - `executable.rs`: `Executable` and its `run` driver.
//! - `row_blocks.rs`: running a plan's row groups block of rows by block.
//! - `code_image.rs`: an executable's machine code as a `CodeImage`, saved
//!   and loaded again without compiling.

mod code_image;
mod lower;
mod run;

pub use code_image::{CodeImage, ControlImage, FunctionCode, load, load_with, target_description};
pub use lower::vmath;
pub use run::executable::{Executable, KernelInfo};
pub use run::frame::with_register_tiles;
pub use run::gather::interpreter_steps;

use heron_ir::plan::Step;
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
    heron_ir::verify::verify(graph).map_err(|e| heron_ir::Error::Compile(e.to_string()))?;
    compile_plan(
        graph,
        heron_ir::passes::fuse::schedule(graph, options),
        options,
    )
}

/// `compile_with` for the body of a counted loop, planned by `schedule_loop_body`.
pub(crate) fn compile_loop_body(graph: &Graph, options: &CompileOptions) -> Result<Executable> {
    compile_plan(
        graph,
        heron_ir::passes::fuse::schedule_loop_body(graph, options),
        options,
    )
}

/// Compiles every kernel of `plan`, the plan of `graph` under `options`.
fn compile_plan(
    graph: &Graph,
    plan: heron_ir::plan::KernelPlan,
    options: &CompileOptions,
) -> Result<Executable> {
    // The pointer code trusts the plan's accesses and aliasing: check them
    // in debug builds (every test and every fuzzed program).
    #[cfg(debug_assertions)]
    heron_ir::plan::verify(&plan)
        .map_err(|e| heron_ir::Error::Compile(format!("plan verifier: {e}\n{}", plan.to_text())))?;
    let mut jit = lower::module::Jit::new()?;
    let call_conv = jit.call_conv();
    let config = jit.frontend_config();
    let mut step_fns = Vec::with_capacity(plan.steps.len());
    let mut controls = Vec::with_capacity(plan.steps.len());
    for step in &plan.steps {
        controls.push(match step {
            Step::Control(c) => Some(run::control::compile_control(&c.op, options)?),
            _ => None,
        });
        let f = match step {
            Step::Kernel(k) if k.launch_shape().size() > 0 => {
                let dtype_of = |b: heron_ir::plan::BufId| plan.buffers[b.index()].dtype;
                let may_alias = |b| plan.aliasable.iter().any(|&(_, p)| plan.params[p] == b);
                Some(jit.define(&k.name, |func, fctx| {
                    lower::lower_kernel(k, &dtype_of, &may_alias, func, fctx, call_conv, config)
                })?)
            }
            _ => None,
        };
        step_fns.push(f);
    }
    let code = jit.finish()?;
    Ok(assemble(graph, plan, step_fns, controls, code, options))
}

/// The `Executable` of `graph` from its plan and machine code (compiled or
/// loaded from a `CodeImage`); its control steps get native drivers when
/// `options` asks for them.
pub(crate) fn assemble(
    graph: &Graph,
    plan: heron_ir::plan::KernelPlan,
    step_fns: Vec<Option<usize>>,
    controls: Vec<Option<run::control::ControlExe>>,
    code: lower::module::Compiled,
    options: &CompileOptions,
) -> Executable {
    let consts = plan
        .buffers
        .iter()
        .map(|b| match b.kind {
            heron_ir::plan::BufferKind::Const(c) => Some(graph.consts[c].clone()),
            _ => None,
        })
        .collect();
    let types = |ids: &[(heron_ir::NodeId, _)]| -> Vec<_> {
        ids.iter()
            .map(|(n, _)| (graph.nodes[*n].shape.clone(), graph.nodes[*n].dtype))
            .collect()
    };
    let param_types = graph
        .params
        .iter()
        .map(|(n, _)| (graph.nodes[*n].shape.clone(), graph.nodes[*n].dtype))
        .collect();
    let output_types = types(&graph.outputs);
    let drivers = if options.native_drivers {
        run::frame::build_drivers(&plan, &controls)
    } else {
        controls.iter().map(|_| None).collect()
    };
    let grains = plan
        .steps
        .iter()
        .map(|s| match s {
            heron_ir::plan::Step::Kernel(k) => run::executable::launch_grain(k),
            _ => 1,
        })
        .collect();
    let fails_midway = plan.can_fail_after_writing_outputs();
    let folds = run::steps::views::fold(&plan);
    Executable {
        options: *options,
        fails_midway,
        folds,
        plan,
        consts,
        step_fns,
        controls,
        drivers,
        grains,
        code,
        param_types,
        output_types,
    }
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
