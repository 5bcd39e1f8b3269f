//! `CodeImage`: the machine code of an `Executable`, in a form that can be
//! written to disk and loaded by another process without compiling again.
//!
//! Kernels reach every buffer, constant and runtime helper through their
//! argument tables, so their code is position independent: the bytes
//! Cranelift produced (with their constant pool) run wherever they are copied.
//! `Jit::define` captures them as it compiles; a function that needed a
//! relocation makes its executable unsaveable (`code_image` gives `None`), so
//! only code that is valid at any address is ever saved.
//!
//! `load` recomputes the fused plan from the graph (fusion is cheap and
//! deterministic), checks that it is exactly the plan the image was compiled
//! from (same plan text, same kernels in the same order) and that the image
//! was made for this CPU, then copies the bytes into fresh memory of a
//! Cranelift JIT module, which makes them executable. Checking that the image
//! is intact is the caller's job (the disk cache checksums every entry).

use crate::lower::module::Jit;
use crate::lower::program::assemble;
use crate::run::code::FunctionCode;
use crate::run::executable::ControlExe;
use crate::run::executable::Executable;
use heron_ir::plan::Step;
use heron_ir::{CompileOptions, Error, Graph, Op, Result};
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// The compiled sub-graphs of one control step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlImage {
    /// The step's index in the plan.
    pub step: usize,
    /// One image per sub-graph, in the op's order (body; cond, body; then, else).
    pub graphs: Vec<CodeImage>,
}

/// The machine code of an `Executable` and what is needed to rebuild it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeImage {
    /// The target the code was generated for (`target_description`).
    pub target: String,
    /// The fused plan the code implements, as text.
    pub plan_text: String,
    /// The Cranelift IR of every kernel.
    pub clif: String,
    /// One entry per native kernel, in plan order.
    pub functions: Vec<FunctionCode>,
    /// The images of the control steps' sub-graphs.
    pub controls: Vec<ControlImage>,
}

impl CodeImage {
    /// Bytes of machine code, sub-graphs included.
    pub fn code_size(&self) -> usize {
        self.functions.iter().map(|f| f.bytes.len()).sum::<usize>()
            + self
                .controls
                .iter()
                .flat_map(|c| &c.graphs)
                .map(CodeImage::code_size)
                .sum::<usize>()
    }

    /// Number of native kernels, sub-graphs included.
    pub fn kernel_count(&self) -> usize {
        self.functions.len()
            + self
                .controls
                .iter()
                .flat_map(|c| &c.graphs)
                .map(CodeImage::kernel_count)
                .sum::<usize>()
    }
}

static TARGET: LazyLock<String> = LazyLock::new(|| match Jit::new() {
    Ok(jit) => jit.target_description(),
    Err(e) => format!("unavailable: {e}"),
});

/// The host target as Cranelift compiles for it: the triple, the compiler
/// flags and the CPU features detected. Code made for one description is
/// only loaded where the description is the same.
pub fn target_description() -> &'static str {
    &TARGET
}

impl Executable {
    /// The machine code of this executable, to be saved and given to `load`
    /// later; `None` when some function is not position independent.
    pub fn code_image(&self) -> Option<CodeImage> {
        let mut controls = Vec::new();
        for (step, control) in self.controls.iter().enumerate() {
            if let Some(control) = control {
                let graphs = control
                    .programs()
                    .into_iter()
                    .map(Executable::code_image)
                    .collect::<Option<Vec<_>>>()?;
                controls.push(ControlImage { step, graphs });
            }
        }
        Some(CodeImage {
            target: target_description().to_string(),
            plan_text: self.plan.to_text(),
            clif: self.code.clif.clone(),
            functions: self.code.image.clone()?,
            controls,
        })
    }

    /// True when the machine code was loaded from a `CodeImage`, not compiled.
    pub fn is_loaded(&self) -> bool {
        self.code.loaded
    }
}

/// `load_with` under the built-in options (`CompileOptions::default()`).
pub fn load(graph: &Graph, image: &CodeImage) -> Result<Executable> {
    load_with(graph, image, &CompileOptions::default())
}

/// Rebuilds the executable `compile_with(graph, options)` made, from
/// `image`, without compiling: the plan is recomputed under `options` and
/// must match the image's, and the image must have been made for this
/// target. A mismatch is an `Error::Cache`.
pub fn load_with(graph: &Graph, image: &CodeImage, options: &CompileOptions) -> Result<Executable> {
    load_plan(
        graph,
        image,
        heron_ir::schedule::schedule(graph, options),
        options,
    )
}

/// `load_with` with the plan the graph was compiled with (`schedule`, or
/// `schedule_loop_body` for a loop's body).
fn load_plan(
    graph: &Graph,
    image: &CodeImage,
    plan: heron_ir::plan::KernelPlan,
    options: &CompileOptions,
) -> Result<Executable> {
    let mismatch = |what: String| Error::Cache(format!("code image does not match: {what}"));
    if image.target != target_description() {
        return Err(mismatch(
            "it was compiled for another CPU or compiler".into(),
        ));
    }
    if plan.to_text() != image.plan_text {
        return Err(mismatch("the fused plan differs".into()));
    }
    let kernels: Vec<&str> = plan
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::Kernel(k) if k.launch_shape().size() > 0 => Some(k.name.as_str()),
            _ => None,
        })
        .collect();
    let names: Vec<&str> = image.functions.iter().map(|f| f.name.as_str()).collect();
    if kernels != names {
        return Err(mismatch(format!(
            "the plan has kernels [{}], the image [{}]",
            kernels.join(", "),
            names.join(", ")
        )));
    }
    let mut jit = Jit::new()?;
    let mut functions = image.functions.iter();
    let mut step_fns = Vec::with_capacity(plan.steps.len());
    let mut controls = Vec::with_capacity(plan.steps.len());
    for (i, step) in plan.steps.iter().enumerate() {
        controls.push(match step {
            Step::Control(c) => {
                let sub = image
                    .controls
                    .iter()
                    .find(|c| c.step == i)
                    .ok_or_else(|| mismatch(format!("no code for control step {i}")))?;
                Some(load_control(&c.op, &sub.graphs, options)?)
            }
            _ => None,
        });
        step_fns.push(match step {
            Step::Kernel(k) if k.launch_shape().size() > 0 => {
                let code = functions.next().expect("counted above");
                Some(jit.define_bytes(code)?)
            }
            _ => None,
        });
    }
    let mut code = jit.finish()?;
    code.clif = image.clif.clone();
    code.loaded = true;
    Ok(assemble(graph, plan, step_fns, controls, code, options))
}

/// The sub-graphs of a control op, in `ControlImage` order.
fn sub_graphs(op: &Op) -> Vec<&Graph> {
    match op {
        Op::Loop { body, .. } => vec![body],
        Op::While { cond, body, .. } => vec![cond, body],
        Op::Cond { then, else_ } => vec![then, else_],
        _ => Vec::new(),
    }
}

/// Loads the sub-graphs of a control op from their images.
fn load_control(op: &Op, images: &[CodeImage], options: &CompileOptions) -> Result<ControlExe> {
    let graphs = sub_graphs(op);
    if graphs.len() != images.len() {
        return Err(Error::Cache(format!(
            "code image does not match: {op} has {} sub-graphs, the image {}",
            graphs.len(),
            images.len()
        )));
    }
    let mut exes = graphs
        .into_iter()
        .zip(images)
        .map(|(g, image)| {
            let plan = match op {
                Op::Loop { .. } => heron_ir::schedule::schedule_loop_body(g, options),
                _ => heron_ir::schedule::schedule(g, options),
            };
            load_plan(g, image, plan, options).map(Box::new)
        })
        .collect::<Result<Vec<_>>>()?
        .into_iter();
    let mut next = || exes.next().expect("one executable per sub-graph");
    Ok(match op {
        Op::Loop { .. } => ControlExe::Loop { body: next() },
        Op::While { .. } => ControlExe::While {
            cond: next(),
            body: next(),
        },
        Op::Cond { .. } => ControlExe::Cond {
            then: next(),
            else_: next(),
        },
        _ => {
            return Err(Error::invalid(
                "control",
                format!("{op} is not a control op"),
            ));
        }
    })
}
