//! A whole plan compiled: every kernel lowered into one module, every
//! control step's sub-graphs compiled in turn, the control steps' native
//! drivers built, and the parts assembled into an `Executable` (which
//! loading a `CodeImage` does too, from saved machine code).

use super::{driver, module};
use crate::run::code::Compiled;
use crate::run::executable::ControlExe;
use crate::run::executable::{Executable, Launch};
use crate::run::parallel::work_per_index;
use crate::run::steps::views;
use heron_ir::plan::{KernelPlan, Step};
use heron_ir::{CompileOptions, Error, Graph, Op, Result};

/// `heron_codegen::compile_with`: verifies `graph`, schedules it under
/// `options` and compiles the plan.
pub(crate) fn compile_graph(graph: &Graph, options: &CompileOptions) -> Result<Executable> {
    heron_ir::verify::verify(graph).map_err(|e| heron_ir::Error::Compile(e.to_string()))?;
    compile_plan(
        graph,
        heron_ir::passes::fuse::schedule(graph, options),
        options,
    )
}

/// `compile_graph` for the body of a counted loop, planned by `schedule_loop_body`.
fn compile_loop_body(graph: &Graph, options: &CompileOptions) -> Result<Executable> {
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
    let mut jit = module::Jit::new()?;
    let call_conv = jit.call_conv();
    let config = jit.frontend_config();
    let mut step_fns = Vec::with_capacity(plan.steps.len());
    let mut controls = Vec::with_capacity(plan.steps.len());
    for step in &plan.steps {
        controls.push(match step {
            Step::Control(c) => Some(compile_control(&c.op, options)?),
            _ => None,
        });
        let f = match step {
            Step::Kernel(k) if k.launch_shape().size() > 0 => {
                let dtype_of = |b: heron_ir::plan::BufId| plan.buffers[b.index()].dtype;
                let may_alias = |b| plan.aliasable.iter().any(|&(_, p)| plan.params[p] == b);
                Some(jit.define(&k.name, |func, fctx| {
                    super::lower_kernel(k, &dtype_of, &may_alias, func, fctx, call_conv, config)
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
    controls: Vec<Option<ControlExe>>,
    code: Compiled,
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
        driver::build_drivers(&plan, &controls)
    } else {
        controls.iter().map(|_| None).collect()
    };
    let launches = launches(&plan);
    let fails_midway = plan.can_fail_after_writing_outputs();
    let folds = views::fold(&plan);
    let regions = crate::run::region::find(&plan, &launches, |s| {
        folds.skips(s) || plan.row_groups.iter().any(|g| g.steps.contains(&s))
    });
    Executable {
        options: *options,
        fails_midway,
        folds,
        plan,
        consts,
        step_fns,
        controls,
        drivers,
        launches,
        regions,
        code,
        param_types,
        output_types,
    }
}

/// Compiles the sub-graphs of a control op under `options`.
fn compile_control(op: &Op, options: &CompileOptions) -> Result<ControlExe> {
    let c = |g: &heron_ir::Graph| compile_graph(g, options).map(Box::new);
    match op {
        Op::Loop { body, .. } => Ok(ControlExe::Loop {
            body: Box::new(compile_loop_body(body, options)?),
        }),
        Op::While { cond, body, .. } => Ok(ControlExe::While {
            cond: c(cond)?,
            body: c(body)?,
        }),
        Op::Cond { then, else_ } => Ok(ControlExe::Cond {
            then: c(then)?,
            else_: c(else_)?,
        }),
        _ => Err(Error::invalid(
            "control",
            format!("{op} is not a control op"),
        )),
    }
}

/// The `Launch` of every kernel step of `plan` (`None` for other steps).
fn launches(plan: &KernelPlan) -> Vec<Option<Launch>> {
    plan.steps
        .iter()
        .map(|s| match s {
            Step::Kernel(k) => Some(Launch {
                n: k.launch_size(),
                per_index: work_per_index(k),
                grain: super::launch_grain(k).unwrap_or(1),
                args: k.args_inline(),
            }),
            _ => None,
        })
        .collect()
}
