//! `Executable`: a compiled graph (the plan, its constants and its machine
//! code) and `run`, the driver that executes the plan's steps over caller
//! buffers. A compiled program is a tree: a control step holds the
//! `Executable`s of its sub-graphs (`ControlExe`, defined here with the
//! type it nests in; `control.rs` runs it).

use crate::run::code::{Compiled, KernelFn};
use crate::run::frame::{Driver, Program};
use crate::run::helpers;
use crate::run::host::{is_native_step, run_data_step};
pub(crate) use crate::run::parallel::Launch;
use crate::run::parallel::launch;
use crate::run::profile;
use crate::run::row_blocks;
use heron_ir::plan::{BufId, BufferKind, KernelPlan, Step};
use heron_ir::{Buffer, DType, Error, Op, Result, Shape, Value};
use smallvec::SmallVec;
use std::time::Instant;

/// What `Executable::kernels` reports about one step that computes values.
#[derive(Clone, Debug, PartialEq)]
pub struct KernelInfo {
    /// `k0`, `k1`, ... for native kernels; `native:<op>` for ops run by a
    /// native routine on the plan's buffers (`steps`); `host:<op>` for host
    /// steps run through the interpreter's `eval_op`.
    pub name: String,
    /// The iteration space (for a host step: the result's shape).
    pub shape: Shape,
    /// How many graph nodes the step computes.
    pub fused_nodes: usize,
    /// The buffers read (`p0`, `c1`, `t0`, ...).
    pub inputs: Vec<String>,
    /// The buffers written.
    pub outputs: Vec<String>,
    /// True for native code (kernels, control steps, native routines),
    /// false for an op run through `eval_op`.
    pub native: bool,
}

/// A compiled graph: run it with `run` on raw buffers.
pub struct Executable {
    /// The options it was compiled with.
    pub(crate) options: heron_ir::CompileOptions,
    pub(crate) plan: KernelPlan,
    /// The value of each buffer that is a graph constant.
    pub(crate) consts: Vec<Option<Value>>,
    /// For each step, the index of its native function (kernels only).
    pub(crate) step_fns: Vec<Option<usize>>,
    /// For each step, the compiled sub-graphs of a control step.
    pub(crate) controls: Vec<Option<ControlExe>>,
    /// For each control step, its native driver.
    pub(crate) drivers: Vec<Option<Driver>>,
    /// For each kernel step, how it launches (worked out once, when the
    /// executable is assembled).
    pub(crate) launches: Vec<Option<Launch>>,
    /// For each step, the step region starting there (`region::find`).
    pub(crate) regions: Vec<Option<crate::run::region::Region>>,
    pub(crate) code: Compiled,
    /// Copies that `matmul` steps read through in place (`steps::views`).
    pub(crate) folds: crate::run::steps::views::Folds,
    /// `plan.can_fail_after_writing_outputs()`, for `can_fail_midway`.
    pub(crate) fails_midway: bool,
    pub(crate) param_types: Vec<(Shape, DType)>,
    pub(crate) output_types: Vec<(Shape, DType)>,
}

/// The compiled sub-graphs of one control step.
pub(crate) enum ControlExe {
    /// A counted loop.
    Loop {
        /// The body.
        body: Box<Executable>,
    },
    /// A while loop.
    While {
        /// The predicate.
        cond: Box<Executable>,
        /// The body.
        body: Box<Executable>,
    },
    /// A two-way branch.
    Cond {
        /// Taken when the predicate is true.
        then: Box<Executable>,
        /// Taken otherwise.
        else_: Box<Executable>,
    },
}

impl ControlExe {
    /// The compiled sub-graphs, in the op's order (body; cond, body;
    /// then, else).
    pub(crate) fn programs(&self) -> Vec<&Executable> {
        match self {
            ControlExe::Loop { body } => vec![&**body],
            ControlExe::While { cond, body } => vec![&**cond, &**body],
            ControlExe::Cond { then, else_ } => vec![&**then, &**else_],
        }
    }
}

impl Executable {
    /// The options it was compiled with (its plan and drivers follow them).
    pub fn options(&self) -> &heron_ir::CompileOptions {
        &self.options
    }

    /// The parameters' types, in `graph.params` order.
    pub fn param_types(&self) -> &[(Shape, DType)] {
        &self.param_types
    }

    /// The outputs' types, in `graph.outputs` order.
    pub fn output_types(&self) -> &[(Shape, DType)] {
        &self.output_types
    }

    /// `(output index, param index)` pairs that may share a buffer.
    pub fn aliasable(&self) -> &[(usize, usize)] {
        &self.plan.aliasable
    }

    /// True when `run` can fail after it started writing outputs: some step
    /// can fail on its data (a `take` with an index out of range, at the top
    /// level or anywhere inside a control step's sub-graphs, temporally
    /// fused or not) and runs after an output was written, or writes one
    /// itself as it goes (`KernelPlan::can_fail_after_writing_outputs`).
    /// Callers must not let outputs alias state they need to keep on
    /// failure. Computed once, when the executable is assembled.
    pub fn can_fail_midway(&self) -> bool {
        self.fails_midway
    }

    /// The fused plan, printed.
    pub fn plan_text(&self) -> String {
        self.plan.to_text()
    }

    /// The plan itself.
    pub fn plan(&self) -> &KernelPlan {
        &self.plan
    }

    /// The Cranelift IR of every kernel, as it was defined, then of the
    /// control steps' native drivers.
    pub fn clif_text(&self) -> String {
        let mut text = self.code.clif.clone();
        for driver in self.drivers.iter().flatten() {
            text.push_str(&driver.clif_text());
        }
        text
    }

    /// For each temporally fused loop of the plan, in step order, the form
    /// its element loop runs in and why: `register tiles 8 x f32x4: 2 state
    /// + 3 temporaries per vector, …` (the state kept in registers for all
    /// steps) or `chunked (reason)`.
    pub fn temporal_forms(&self) -> Vec<String> {
        self.drivers
            .iter()
            .flatten()
            .filter_map(|d| d.temporal_form().map(str::to_string))
            .collect()
    }

    /// Bytes of machine code.
    pub fn code_size(&self) -> usize {
        self.code.code_size
    }

    /// The steps that compute values (kernels and host steps), in order;
    /// without the copies a `matmul` reads through in place, which do not run.
    pub fn kernels(&self) -> Vec<KernelInfo> {
        let names = |bufs: Vec<heron_ir::plan::BufId>| {
            bufs.into_iter().map(|b| self.plan.buf_name(b)).collect()
        };
        self.plan
            .steps
            .iter()
            .enumerate()
            .filter(|&(s, _)| !self.folds.skips(s))
            .filter_map(|(_, s)| match s {
                Step::Kernel(k) => Some(KernelInfo {
                    name: k.name.clone(),
                    shape: k.shape.clone(),
                    fused_nodes: k.nodes.len(),
                    inputs: names(k.inputs()),
                    outputs: names(k.outputs()),
                    native: true,
                }),
                Step::Host(h) => Some(KernelInfo {
                    name: format!(
                        "{}:{}",
                        if is_native_step(&h.op) {
                            "native"
                        } else {
                            "host"
                        },
                        h.op.name()
                    ),
                    shape: self.plan.buffers[h.output.index()].shape.clone(),
                    fused_nodes: 1,
                    inputs: names(h.inputs.clone()),
                    outputs: names(vec![h.output]),
                    native: is_native_step(&h.op),
                }),
                Step::Control(c) => Some(KernelInfo {
                    name: format!("control:{}", c.op.name()),
                    shape: c
                        .outputs
                        .first()
                        .map(|b| self.plan.buffers[b.index()].shape.clone())
                        .unwrap_or_default(),
                    fused_nodes: 1,
                    inputs: names(c.inputs.clone()),
                    outputs: names(c.outputs.clone()),
                    native: true,
                }),
                Step::Copy { .. } | Step::Check(_) => None,
            })
            .collect()
    }

    /// The ops this executable runs through the interpreter (`eval_op`),
    /// sub-graphs of control steps included: each op's name once, in order
    /// of first appearance. Empty when every step is native code.
    pub fn interpreter_ops(&self) -> Vec<&'static str> {
        let mut ops = Vec::new();
        self.collect_interpreter_ops(&mut ops);
        ops
    }

    /// How this executable runs its gathers (`take`, `take_along_axis`,
    /// `dynamic_slice`), sub-graphs of control steps included: the gathers fused into
    /// kernels (`Expr::Gather` instructions) and the native gather steps.
    pub fn gather_forms(&self) -> GatherForms {
        let mut forms = GatherForms::default();
        for (s, step) in self.plan.steps.iter().enumerate() {
            match step {
                Step::Kernel(k) => {
                    forms.fused += k
                        .body
                        .iter()
                        .filter(|i| matches!(i.expr, heron_ir::plan::Expr::Gather(_)))
                        .count();
                }
                Step::Host(h)
                    if matches!(
                        h.op,
                        Op::Take { .. } | Op::TakeAlongAxis { .. } | Op::DynamicSlice { .. }
                    ) =>
                {
                    forms.steps += 1
                }
                _ => {}
            }
            for exe in self.controls[s].iter().flat_map(|c| c.programs()) {
                let inner = exe.gather_forms();
                forms.fused += inner.fused;
                forms.steps += inner.steps;
            }
        }
        forms
    }

    fn collect_interpreter_ops(&self, ops: &mut Vec<&'static str>) {
        for (s, step) in self.plan.steps.iter().enumerate() {
            if let Step::Host(h) = step
                && !is_native_step(&h.op)
            {
                let name = h.op.name();
                if !ops.contains(&name) {
                    ops.push(name);
                }
            }
            if let Some(control) = &self.controls[s] {
                for exe in control.programs() {
                    exe.collect_interpreter_ops(ops);
                }
            }
        }
    }

    /// Runs the plan.
    ///
    /// # Safety
    /// `params[i]` points to a buffer of `param_types()[i]` (64-byte aligned,
    /// row-major); `outputs[j]` to a writable buffer of `output_types()[j]`;
    /// output buffers are distinct from each other, and an output may equal a
    /// param pointer only for a pair in `aliasable()`.
    pub unsafe fn run(&self, params: &[*const u8], outputs: &[*mut u8]) -> Result<()> {
        if params.len() != self.param_types.len() || outputs.len() != self.output_types.len() {
            return Err(Error::invalid(
                "run",
                format!(
                    "expects {} parameters and {} outputs, got {} and {}",
                    self.param_types.len(),
                    self.output_types.len(),
                    params.len(),
                    outputs.len()
                ),
            ));
        }
        let plan = &self.plan;
        let mut temps: SmallVec<[Buffer; 4]> = SmallVec::new();
        let mut ptrs: SmallVec<[*mut u8; 16]> = SmallVec::new();
        for (i, info) in plan.buffers.iter().enumerate() {
            let p = match info.kind {
                BufferKind::Param(n) => params[n as usize] as *mut u8,
                BufferKind::Output(n) => outputs[n as usize],
                BufferKind::Const(_) => self.consts[i]
                    .as_ref()
                    .expect("constant buffers hold their value")
                    .buf()
                    .as_ptr() as *mut u8,
                // A row group's scratch gets per-block memory when it runs.
                BufferKind::Temp(_) if self.is_scratch(BufId(i as u32)) => std::ptr::null_mut(),
                BufferKind::Temp(_) => {
                    // Every temporary is fully written by the step producing
                    // it before any step reads it.
                    temps.push(Buffer::for_overwrite(info.dtype, info.shape.size()));
                    temps.last_mut().expect("just pushed").as_mut_ptr()
                }
            };
            ptrs.push(p);
        }
        let table = helpers::table();
        let mut args: SmallVec<[*const u8; 16]> = SmallVec::new();
        let recorder = profile::enter();
        let mut s = 0;
        while s < plan.steps.len() {
            let start = recorder.as_ref().map(|_| Instant::now());
            // SAFETY: as for `run`; `ptrs` holds every buffer of the plan.
            let next = unsafe { self.run_from(s, &ptrs, &mut args, table)? };
            if let (Some(r), Some(start)) = (&recorder, start)
                && !self.folds.skips(s)
            {
                r.step(s, || self.step_label(s), start);
            }
            s = next;
        }
        drop(temps);
        Ok(())
    }

    /// Runs the step, row group or step region starting at step `s` and
    /// returns the step after it.
    ///
    /// # Safety
    /// `ptrs` holds a valid pointer for every buffer of the plan, of the
    /// plan's type; outputs and aliasing as for `run`.
    unsafe fn run_from(
        &self,
        s: usize,
        ptrs: &[*mut u8],
        args: &mut SmallVec<[*const u8; 16]>,
        table: &helpers::HelperTable,
    ) -> Result<usize> {
        let plan = &self.plan;
        if let Some(r) = &self.regions[s] {
            // SAFETY: `ptrs` holds every buffer of the plan, aliased
            // only as the plan allows.
            unsafe { r.run(&self.plan, &self.launches, &|k| self.kernel_fn(k), ptrs)? };
            return Ok(r.steps.end);
        }
        if let Some(group) = plan.row_groups.iter().find(|g| g.steps.start == s) {
            let fns: SmallVec<[KernelFn; 8]> = group
                .steps
                .clone()
                .map(|g| {
                    self.code.function(
                        self.step_fns[g].expect("kernels with a non-empty launch are compiled"),
                    )
                })
                .collect();
            // SAFETY: `ptrs` holds a valid buffer of the plan's type for
            // every buffer but the group's scratch, `fns` the group's
            // compiled kernels, and `table` is the helper table.
            unsafe { row_blocks::run(plan, group, &fns, ptrs, table.as_ptr() as *const u8) };
            return Ok(group.steps.end);
        }
        if !self.folds.skips(s) {
            // SAFETY: as guaranteed by the caller.
            unsafe { self.run_step(s, ptrs, args, table)? };
        }
        Ok(s + 1)
    }

    /// How `heron::profile` names what `run_from(s)` runs: the kernel,
    /// host step, control step, row group or step region starting at `s`.
    fn step_label(&self, s: usize) -> String {
        let plan = &self.plan;
        let shape = |b: BufId| plan.buffers[b.index()].shape.to_string();
        let kernel_name = |i: usize| match &plan.steps[i] {
            Step::Kernel(k) => k.name.clone(),
            _ => format!("step {i}"),
        };
        if let Some(r) = &self.regions[s] {
            let last = r.steps.end - 1;
            return format!("region {}..{}", kernel_name(s), kernel_name(last));
        }
        if let Some(g) = plan.row_groups.iter().find(|g| g.steps.start == s) {
            let last = g.steps.end - 1;
            return format!(
                "rows {}..{} [{}]",
                kernel_name(s),
                kernel_name(last),
                g.rows
            );
        }
        match &plan.steps[s] {
            Step::Kernel(k) => match &k.reduce {
                Some(r) => format!("{} {} {}", k.name, r.op.name(), k.shape),
                None => format!("{} loop {}", k.name, k.shape),
            },
            Step::Host(h) => {
                let index = plan.steps[..s]
                    .iter()
                    .filter(|st| matches!(st, Step::Host(_)))
                    .count();
                format!("h{index} {} {}", h.op.name(), shape(h.output))
            }
            Step::Control(c) => {
                let out = c.outputs.first().map(|&b| shape(b)).unwrap_or_default();
                format!("control {} {out}", c.op.name())
            }
            Step::Copy { dst, .. } => format!("copy {}", plan.buf_name(*dst)),
            Step::Check(c) => format!("check {}", plan.buf_name(c.index)),
        }
    }

    /// True when `b` is the scratch temporary of a row group.
    fn is_scratch(&self, b: BufId) -> bool {
        self.plan.row_groups.iter().any(|g| g.scratch.contains(&b))
    }

    /// Runs step `s` of the plan.
    ///
    /// # Safety
    /// `ptrs` holds a valid pointer for every buffer the step uses, of the
    /// plan's type; outputs and aliasing as for `run`.
    unsafe fn run_step(
        &self,
        s: usize,
        ptrs: &[*mut u8],
        args: &mut SmallVec<[*const u8; 16]>,
        table: &helpers::HelperTable,
    ) -> Result<()> {
        let plan = &self.plan;
        match &plan.steps[s] {
            Step::Control(c) => {
                let control = self.controls[s]
                    .as_ref()
                    .expect("control steps are compiled");
                // SAFETY: `ptrs` holds a valid buffer for every buffer of
                // the plan, and the plan gives the step distinct result
                // buffers (or ones it declared aliasable).
                unsafe { control.run(plan, c, ptrs, self.drivers[s].as_ref())? };
            }
            Step::Kernel(_) => {
                let l = self.launches[s]
                    .as_ref()
                    .expect("kernel steps have a launch");
                if l.n == 0 {
                    return Ok(());
                }
                let f = self.code.function(
                    self.step_fns[s].expect("kernels with a non-empty launch are compiled"),
                );
                args.clear();
                for b in &l.args {
                    args.push(ptrs[b.index()] as *const u8);
                }
                args.push(table.as_ptr() as *const u8);
                // SAFETY: the argument table holds a valid pointer to every
                // buffer the kernel reads or writes, each of the type the
                // kernel was compiled for (checked by the caller for params
                // and outputs, allocated by `run` for temporaries), then the
                // helper table; the ranges cover the launch shape.
                unsafe { launch(f, args, l.n, l.per_index, l.grain) };
            }
            // SAFETY: as guaranteed by the caller; the sources of the
            // step's views are buffers of the plan, unchanged since the
            // copies they replace would have read them (`views::fold`).
            Step::Host(h) if self.folds.views[s].is_some() => unsafe {
                crate::run::steps::run(plan, h, self.folds.views[s].as_deref(), ptrs)?
            },
            // SAFETY: as guaranteed by the caller.
            step @ (Step::Host(_) | Step::Copy { .. } | Step::Check(_)) => unsafe {
                run_data_step(plan, step, ptrs)?
            },
        }
        Ok(())
    }
}

impl Program for Executable {
    fn plan(&self) -> &KernelPlan {
        &self.plan
    }

    fn const_ptr(&self, b: usize) -> *const u8 {
        self.consts[b]
            .as_ref()
            .expect("constant buffers hold their value")
            .buf()
            .as_ptr()
    }

    fn kernel_fn(&self, s: usize) -> KernelFn {
        self.code
            .function(self.step_fns[s].expect("kernels with work are compiled"))
    }

    unsafe fn run_region(&self, s: usize, ptrs: &[*mut u8]) -> Result<()> {
        let r = self.regions[s]
            .as_ref()
            .expect("the driver calls back for regions only where one starts");
        // SAFETY: as guaranteed by the caller.
        unsafe { r.run(&self.plan, &self.launches, &|k| self.kernel_fn(k), ptrs) }
    }

    unsafe fn run_called_step(&self, s: usize, ptrs: &[*mut u8]) -> Result<()> {
        let plan = &self.plan;
        match &plan.steps[s] {
            // SAFETY: as guaranteed by the caller.
            step @ (Step::Host(_) | Step::Copy { .. } | Step::Check(_)) => unsafe {
                run_data_step(plan, step, ptrs)
            },
            Step::Control(c) => {
                let control = self.controls[s]
                    .as_ref()
                    .expect("control steps are compiled");
                // SAFETY: as guaranteed by the caller.
                unsafe { control.run(plan, c, ptrs, self.drivers[s].as_ref()) }
            }
            Step::Kernel(k) => Err(Error::invalid(
                "loop",
                format!("kernel {} is called by the native driver", k.name),
            )),
        }
    }
}

/// How a compiled program runs its gathers (`Executable::gather_forms`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GatherForms {
    /// Gather loads inside kernels (a fused gather read at several index
    /// maps counts once per map).
    pub fused: usize,
    /// Gathers run as native steps writing a temporary.
    pub steps: usize,
}
