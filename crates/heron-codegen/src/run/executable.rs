//! `Executable`: a compiled graph (the plan, its constants and its machine
//! code) and `run`, the driver that executes the plan's steps over caller
//! buffers.

use crate::lower::module::Compiled;
use crate::run::helpers;
use crate::run::row_blocks;
use heron_ir::plan::{BufId, BufferKind, KernelPlan, Step};
use heron_ir::{Buffer, DType, Error, Result, Shape, Value, eval_op};
use rayon::prelude::*;
use smallvec::SmallVec;

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
    pub(crate) controls: Vec<Option<crate::run::control::ControlExe>>,
    /// For each control step, its native driver.
    pub(crate) drivers: Vec<Option<crate::run::frame::Driver>>,
    /// For each step, the fewest launch indices a parallel chunk of it
    /// covers (`launch_grain`; 1 for steps without a preference).
    pub(crate) grains: Vec<usize>,
    pub(crate) code: Compiled,
    /// Copies that `matmul` steps read through in place (`steps::views`).
    pub(crate) folds: crate::run::steps::views::Folds,
    /// `plan.can_fail_after_writing_outputs()`, for `can_fail_midway`.
    pub(crate) fails_midway: bool,
    pub(crate) param_types: Vec<(Shape, DType)>,
    pub(crate) output_types: Vec<(Shape, DType)>,
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
                Step::Copy { .. } => None,
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
                control.for_each_executable(&mut |exe| exe.collect_interpreter_ops(ops));
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
        let mut s = 0;
        while s < plan.steps.len() {
            if let Some(group) = plan.row_groups.iter().find(|g| g.steps.start == s) {
                let fns: SmallVec<[crate::lower::module::KernelFn; 8]> = group
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
                unsafe { row_blocks::run(plan, group, &fns, &ptrs, table.as_ptr() as *const u8) };
                s = group.steps.end;
                continue;
            }
            if !self.folds.skips(s) {
                // SAFETY: as for `run`; `ptrs` holds every buffer of the plan.
                unsafe { self.run_step(s, &ptrs, &mut args, table)? };
            }
            s += 1;
        }
        drop(temps);
        Ok(())
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
            Step::Kernel(k) => {
                let n = k.launch_size();
                if n == 0 {
                    return Ok(());
                }
                let f = self.code.function(
                    self.step_fns[s].expect("kernels with a non-empty launch are compiled"),
                );
                args.clear();
                let bufs = k.args_inline();
                args.extend(bufs.iter().map(|b| ptrs[b.index()] as *const u8));
                args.push(table.as_ptr() as *const u8);
                // SAFETY: the argument table holds a valid pointer to every
                // buffer the kernel reads or writes, each of the type the
                // kernel was compiled for (checked by the caller for params
                // and outputs, allocated by `run` for temporaries), then the
                // helper table; the ranges cover the launch shape.
                unsafe { launch(f, args, n, work_per_index(k), self.grains[s]) };
            }
            // SAFETY: as guaranteed by the caller; the sources of the
            // step's views are buffers of the plan, unchanged since the
            // copies they replace would have read them (`views::fold`).
            Step::Host(h) if self.folds.views[s].is_some() => unsafe {
                crate::run::steps::run(plan, h, self.folds.views[s].as_deref(), ptrs)?
            },
            // SAFETY: as guaranteed by the caller.
            step @ (Step::Host(_) | Step::Copy { .. }) => unsafe {
                run_data_step(plan, step, ptrs)?
            },
        }
        Ok(())
    }
}

/// True when a host step of `op` runs natively (`gather`, `sparse_step` or
/// `steps`), not through the interpreter's `eval_op`.
fn is_native_step(op: &heron_ir::Op) -> bool {
    crate::run::gather::is_native(op)
        || crate::run::sparse_step::is_sparse(op)
        || crate::run::steps::is_native(op)
}

/// Runs a host step (natively through `gather` or `steps`, or an op through
/// `eval_op`) or a copy.
///
/// # Safety
/// `ptrs` holds a valid buffer of the plan's type for every buffer the step
/// uses.
pub(crate) unsafe fn run_data_step(plan: &KernelPlan, step: &Step, ptrs: &[*mut u8]) -> Result<()> {
    match step {
        Step::Host(h)
            if crate::run::sparse_step::is_sparse(&h.op)
                && ptrs[h.inputs[0].index()] != ptrs[h.output.index()] =>
        {
            // SAFETY: `ptrs` holds the operand and result buffers of the
            // types `infer` gave them, distinct (checked: the plan never
            // lets a sparse product's result alias its operand, and one
            // that did would run through `eval_op` below); buffers of
            // distinct values do not overlap.
            unsafe {
                crate::run::sparse_step::run(
                    &h.op,
                    ptrs[h.inputs[0].index()],
                    ptrs[h.output.index()],
                )
            };
        }
        // SAFETY: as guaranteed by the caller.
        Step::Host(h) if crate::run::gather::is_native(&h.op) => unsafe {
            crate::run::gather::run(plan, h, ptrs)?
        },
        // SAFETY: as guaranteed by the caller.
        Step::Host(h) if crate::run::steps::is_native(&h.op) => unsafe {
            crate::run::steps::run(plan, h, None, ptrs)?
        },
        Step::Host(h) => {
            crate::run::gather::count_interpreted();
            let inputs: Vec<Value> = h
                .inputs
                .iter()
                .map(|b| {
                    let info = &plan.buffers[b.index()];
                    // SAFETY: `ptrs[b]` points to a live buffer of this type.
                    unsafe { read_value(ptrs[b.index()], &info.shape, info.dtype) }
                })
                .collect();
            let refs: Vec<&Value> = inputs.iter().collect();
            let out = &plan.buffers[h.output.index()];
            let v = eval_op(&h.op, &refs, &out.shape, out.dtype)?;
            let bytes = v.buf().bytes();
            // SAFETY: the output buffer holds `out.shape.size()` elements of
            // `out.dtype`, exactly `bytes.len()` bytes, and does not overlap
            // the freshly allocated result.
            unsafe {
                std::ptr::copy_nonoverlapping(bytes.as_ptr(), ptrs[h.output.index()], bytes.len())
            };
        }
        Step::Copy { src, dst } => {
            let info = &plan.buffers[dst.index()];
            let n = info.shape.size() * info.dtype.size();
            // SAFETY: both buffers hold `n` bytes of the same type; they are
            // either the same memory (an aliased output) or distinct, and
            // `copy` allows overlap.
            unsafe { std::ptr::copy(ptrs[src.index()], ptrs[dst.index()], n) };
        }
        Step::Kernel(_) | Step::Control(_) => unreachable!("not a data step"),
    }
    Ok(())
}

/// Launches of at least this much work (launch indices × work per index)
/// are split across rayon's pool; smaller ones run on the calling thread,
/// so small arrays never pay for waking threads (about 10–20 µs).
pub(crate) const PARALLEL_WORK: usize = 1 << 18;

/// A parallel launch's chunks cover this much work each (rounded to whole
/// vectors): boundaries depend only on the launch's size, never on the
/// number of threads, so results are the same on any machine.
pub(crate) const CHUNK_WORK: usize = 1 << 16;

/// The relative cost of one launch index of `k`: the elements it visits
/// (the reduced extent for a reduction) times a rough cost per element.
pub(crate) fn work_per_index(k: &heron_ir::plan::Kernel) -> usize {
    let per_element = 1 + k.body.len() / 8;
    let inner = k.shape.size() / k.launch_size().max(1);
    inner.max(1) * per_element
}

/// The kernel's argument table, shared by the threads of a parallel launch.
struct Args<'a>(&'a [*const u8]);

// SAFETY: the pointers are only dereferenced by the kernel, and the chunks
// of one launch write disjoint elements (each index of the launch range is
// computed by exactly one chunk; reductions are over whole output elements),
// while their reads only touch buffers no chunk writes at another index
// (the plan's stores and aliasing rules).
unsafe impl Sync for Args<'_> {}

impl Args<'_> {
    /// The table's address, as kernels take it.
    fn as_ptr(&self) -> *const *const u8 {
        self.0.as_ptr()
    }
}

/// A parallel launch of `k` cuts its range into chunks of at least this
/// many indices: a reduction lowered by columns reads its rows in runs of
/// consecutive outputs, which a chunk must not cut short (the results do
/// not depend on the chunks, only the speed does).
pub(crate) fn launch_grain(k: &heron_ir::plan::Kernel) -> usize {
    crate::lower::launch_grain(k).unwrap_or(1)
}

/// Runs `f` over the launch range `[0, n)`: on this thread, or split into
/// fixed chunks on rayon's pool when the work is large. Chunks hold at least
/// `grain` indices (computed once per executable; capped at half the
/// range, so there stay chunks to share).
///
/// # Safety
/// `args` is a valid argument table for `f` and the range covers its launch shape.
unsafe fn launch(
    f: crate::lower::module::KernelFn,
    args: &[*const u8],
    n: usize,
    per_index: usize,
    grain: usize,
) {
    let work = n.saturating_mul(per_index);
    if work < PARALLEL_WORK || !crate::run::parallel::may_fork() {
        // SAFETY: guaranteed by the caller.
        unsafe { f(args.as_ptr(), 0, n as u64) };
        return;
    }
    let chunk = (CHUNK_WORK / per_index.max(1))
        .max(grain.min(n / 2))
        .max(1)
        .next_multiple_of(16);
    let chunks = n.div_ceil(chunk);
    let shared = Args(args);
    (0..chunks).into_par_iter().for_each(|c| {
        let (start, end) = (c * chunk, ((c + 1) * chunk).min(n));
        // SAFETY: a sub-range of the launch range, over the caller's valid
        // argument table (see `Args`).
        unsafe { f(shared.as_ptr(), start as u64, end as u64) };
    });
}

/// Copies a raw buffer into a `Value`.
///
/// # Safety
/// `ptr` points to `shape.size()` initialised elements of `dtype` (valid
/// ones: a bool is 0 or 1).
unsafe fn read_value(ptr: *const u8, shape: &Shape, dtype: DType) -> Value {
    let mut buf = Buffer::for_overwrite(dtype, shape.size());
    let n = buf.nbytes();
    // SAFETY: guaranteed by the caller; `buf` is a fresh allocation of `n`
    // bytes, and the bytes copied are valid elements of its dtype.
    unsafe { std::ptr::copy_nonoverlapping(ptr, buf.as_mut_ptr(), n) };
    Value::new(shape.clone(), buf)
}
