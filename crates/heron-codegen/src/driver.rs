//! Cranelift code of the native loop drivers: one function per control step
//! runs the whole construct (the loop counter, the predicate and its test,
//! the calls of the sub-graphs' kernels, the pointer bumps of sliced
//! operands and stacked results, the swap of double-buffered carried state)
//! and, for a loop that temporal fusion applies to, a second function runs
//! every step on one chunk of elements before moving to the next, after a
//! third one (the prologue) has run the body's uniform steps (the key chain
//! of random draws) for every step, recording what the chunk loop reads.
//!
//! Both have the kernel signature `fn(frame, start, end)`. `frame` is a table
//! of 64-bit words laid out by [`Layout`] and filled once per run by
//! `control.rs`: the step's buffers, every sub-graph's buffer slots and
//! kernel argument tables, the kernels' entry points, and a callback (with
//! its context) for the steps that are not native kernels (host steps,
//! copies, nested control steps). Generated code reaches all of them through
//! the frame, never through an absolute address. A callback that fails
//! returns non-zero, and the driver returns at once.

use crate::Executable;
use cranelift_codegen::ir::{
    AbiParam, Block, Function, InstBuilder, MemFlagsData, SigRef, Signature, StackSlotData,
    StackSlotKind, Value, condcodes::IntCC, types,
};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use heron_ir::passes::temporal::Temporal;
use heron_ir::plan::{BufId, BufferKind, ControlStep, Step};
use heron_ir::{Op, Result};

/// Where one native kernel of a sub-graph finds its arguments.
pub(crate) struct KernelSlots {
    /// The step's index in the sub-graph's plan.
    pub step: usize,
    /// First word of its argument table (its buffers, then the helper table).
    pub args: usize,
    /// The word holding its entry point.
    pub func: usize,
    /// The kernel's buffers, in argument order.
    pub bufs: Vec<BufId>,
    /// The size of its launch.
    pub n: u64,
}

/// The words of one sub-graph in a frame.
pub(crate) struct ProgramLayout {
    /// First word of its buffer slots (one per plan buffer), read by the
    /// callback for the steps that are not native kernels.
    pub slots: usize,
    /// Its native kernels with work to do.
    pub kernels: Vec<KernelSlots>,
    /// Whether some step goes through the callback.
    pub has_callback: bool,
}

/// The words of the chunk loop of a temporally fused loop.
pub(crate) struct TemporalLayout {
    /// Its kernels, in `Temporal::kernels` order.
    pub kernels: Vec<KernelSlots>,
    /// One word per per-step record (`Temporal::per_step`): its first row.
    pub per_step: usize,
}

/// The layout of a frame: word offsets.
pub(crate) struct Layout {
    /// One entry per sub-graph, in `ControlExe` order.
    pub programs: Vec<ProgramLayout>,
    /// The chunk loop, when temporal fusion applies.
    pub temporal: Option<TemporalLayout>,
    /// The callback's entry point.
    pub callback: usize,
    /// The callback's context.
    pub ctx: usize,
    /// The parallel launcher: `launch(kernel, args, n)` runs a kernel's
    /// launch of `n` as disjoint ranges on rayon's pool.
    pub launch: usize,
    /// The step's operand buffers.
    pub inputs: usize,
    /// The step's result buffers.
    pub outputs: usize,
    /// Per carried value, the buffer the body writes (the result buffer
    /// when updated in place, else a scratch buffer).
    pub next: usize,
    /// The index cell (loops) or predicate cell (while loops).
    pub cell: usize,
    /// Per carried value, where the state ended (written by the driver).
    pub finals: usize,
    /// Total words.
    pub words: usize,
}

impl Layout {
    /// The layout for `step` whose sub-graphs are compiled to `programs`,
    /// with the chunk loop of `temporal`.
    pub(crate) fn new(
        step: &ControlStep,
        programs: &[&Executable],
        temporal: Option<&Temporal>,
    ) -> Layout {
        let mut words = 0;
        let mut take = |n: usize| {
            words += n;
            words - n
        };
        let mut layouts = Vec::new();
        for exe in programs {
            let plan = &exe.plan;
            let slots = take(plan.buffers.len());
            let mut kernels = Vec::new();
            let mut has_callback = false;
            for (s, st) in plan.steps.iter().enumerate() {
                match st {
                    Step::Kernel(k) => {
                        let n = k.launch_shape().size() as u64;
                        if n > 0 {
                            let bufs = k.args();
                            kernels.push(KernelSlots {
                                step: s,
                                args: take(bufs.len() + 1),
                                func: take(1),
                                bufs,
                                n,
                            });
                        }
                    }
                    _ => has_callback = true,
                }
            }
            layouts.push(ProgramLayout {
                slots,
                kernels,
                has_callback,
            });
        }
        let temporal = temporal.map(|t| {
            let kernels = t
                .kernels
                .iter()
                .map(|tk| {
                    let bufs = tk.kernel.args();
                    KernelSlots {
                        step: tk.step,
                        args: take(bufs.len() + 1),
                        func: take(1),
                        bufs,
                        n: tk.kernel.launch_shape().size() as u64,
                    }
                })
                .collect();
            TemporalLayout {
                kernels,
                per_step: take(t.per_step.len()),
            }
        });
        let n_carry = n_carry(&step.op);
        let callback = take(1);
        let ctx = take(1);
        let launch = take(1);
        let inputs = take(step.inputs.len());
        let outputs = take(step.outputs.len());
        let next = take(n_carry);
        let cell = take(1);
        let finals = take(n_carry);
        Layout {
            programs: layouts,
            temporal,
            callback,
            ctx,
            launch,
            inputs,
            outputs,
            next,
            cell,
            finals,
            words,
        }
    }
}

/// Launches of at least this many elements go through the parallel
/// launcher; smaller ones are called directly.
pub(crate) const PARALLEL_MIN: u64 = 1 << 16;

/// The number of carried values of a control op (0 for `cond`).
pub(crate) fn n_carry(op: &Op) -> usize {
    match op {
        Op::Loop { n_carry, .. } | Op::While { n_carry, .. } => *n_carry as usize,
        _ => 0,
    }
}

/// The signature of the callback: `(ctx, code, slots) -> status`, where
/// `code` is `program << 32 | step`.
fn callback_signature(call_conv: CallConv) -> Signature {
    let mut sig = Signature::new(call_conv);
    sig.params.extend([AbiParam::new(types::I64); 3]);
    sig.returns.push(AbiParam::new(types::I32));
    sig
}

fn kernel_signature(call_conv: CallConv) -> Signature {
    let mut sig = Signature::new(call_conv);
    sig.params.extend([AbiParam::new(types::I64); 3]);
    sig
}

/// Function-building state of a driver.
struct Gen<'a, 's> {
    b: FunctionBuilder<'a>,
    spec: &'s DriverSpec<'s>,
    frame: Value,
    kernel_sig: SigRef,
    callback_sig: SigRef,
    /// Where a failed callback leads.
    fail: Block,
}

/// The step counter of a temporally fused loop and its blocks.
struct StepLoop {
    t_var: Variable,
    start: i64,
    trip: u64,
    header: Block,
    iter: Block,
    exit: Block,
}

/// What a step of a temporally fused loop passes to its body.
struct StepState<'a> {
    /// The index cell.
    cell: Value,
    /// The carried values as the step starts, and where it writes them.
    cur: &'a [Variable],
    next: &'a [Variable],
    /// The loop's invariant inputs.
    invariant: &'a [Value],
}

/// The head of one step (`Gen::step_entry`).
struct StepEntry {
    params: Vec<Value>,
    outs: Vec<Value>,
    rows: Vec<Value>,
}

fn flags() -> MemFlagsData {
    MemFlagsData::trusted()
}

impl Gen<'_, '_> {
    fn word(&mut self, at: usize) -> Value {
        self.b
            .ins()
            .load(types::I64, flags(), self.frame, (at * 8) as i32)
    }

    fn set_word(&mut self, at: usize, v: Value) {
        self.b.ins().store(flags(), v, self.frame, (at * 8) as i32);
    }

    fn frame_addr(&mut self, at: usize) -> Value {
        self.b.ins().iadd_imm_s(self.frame, (at * 8) as i64)
    }

    fn var(&mut self, v: Value) -> Variable {
        let var = self.b.declare_var(types::I64);
        self.b.def_var(var, v);
        var
    }

    /// Runs sub-graph `p` once with its params bound to `params` and its
    /// outputs to `outputs` (buffer pointers), each kernel over its whole
    /// launch; only the steps in `only` when given.
    fn program(&mut self, p: usize, params: &[Value], outputs: &[Value], only: Option<&[usize]>) {
        let runs = |s: usize| only.is_none_or(|o| o.contains(&s));
        let exe = self.spec.programs[p];
        let pl = &self.spec.layout.programs[p];
        let bound = |b: BufId| match exe.plan.buffers[b.index()].kind {
            BufferKind::Param(n) => Some(params[n as usize]),
            BufferKind::Output(n) => Some(outputs[n as usize]),
            BufferKind::Const(_) | BufferKind::Temp(_) => None,
        };
        // The pointers that change between runs: into the callback's slots
        // and the kernels' argument tables.
        if pl.has_callback {
            for i in 0..exe.plan.buffers.len() {
                if let Some(v) = bound(BufId(i as u32)) {
                    self.set_word(pl.slots + i, v);
                }
            }
        }
        for k in pl.kernels.iter().filter(|k| runs(k.step)) {
            for (j, &buf) in k.bufs.iter().enumerate() {
                if let Some(v) = bound(buf) {
                    self.set_word(k.args + j, v);
                }
            }
        }
        let mut kernels = pl.kernels.iter().peekable();
        for s in 0..exe.plan.steps.len() {
            if !runs(s) {
                if kernels.peek().is_some_and(|k| k.step == s) {
                    kernels.next();
                }
                continue;
            }
            match kernels.peek() {
                Some(k) if k.step == s => {
                    let (args, f) = (self.frame_addr(k.args), self.word(k.func));
                    match k.n {
                        n if n >= PARALLEL_MIN => {
                            let launch = self.word(self.spec.layout.launch);
                            let n = self.b.ins().iconst(types::I64, n as i64);
                            self.b
                                .ins()
                                .call_indirect(self.kernel_sig, launch, &[f, args, n]);
                        }
                        n => {
                            let start = self.b.ins().iconst(types::I64, 0);
                            let end = self.b.ins().iconst(types::I64, n as i64);
                            self.b
                                .ins()
                                .call_indirect(self.kernel_sig, f, &[args, start, end]);
                        }
                    }
                    kernels.next();
                }
                _ => {
                    if matches!(exe.plan.steps[s], Step::Kernel(_)) {
                        // A kernel without work.
                        continue;
                    }
                    self.callback(p, s, pl.slots);
                }
            }
        }
    }

    /// Calls the callback for step `s` of program `p`; on failure, returns
    /// from the driver.
    fn callback(&mut self, p: usize, s: usize, slots: usize) {
        let (cb_at, ctx_at) = (self.spec.layout.callback, self.spec.layout.ctx);
        let cb = self.word(cb_at);
        let ctx = self.word(ctx_at);
        let code = self
            .b
            .ins()
            .iconst(types::I64, ((p as i64) << 32) | s as i64);
        let slots = self.frame_addr(slots);
        let call = self
            .b
            .ins()
            .call_indirect(self.callback_sig, cb, &[ctx, code, slots]);
        let status = self.b.inst_results(call)[0];
        let ok = self.b.create_block();
        self.b.ins().brif(status, self.fail, &[], ok, &[]);
        self.b.switch_to_block(ok);
    }

    /// Copies `n` bytes from `src` to `dst` (word by word, then byte by byte).
    fn copy_bytes(&mut self, dst: Value, src: Value, n: usize) {
        let mut off = 0;
        while off < n {
            let ty = if n - off >= 8 { types::I64 } else { types::I8 };
            let v = self.b.ins().load(ty, flags(), src, off as i32);
            self.b.ins().store(flags(), v, dst, off as i32);
            off += ty.bytes() as usize;
        }
    }

    /// Swaps `cur` and `next` of every carried value not updated in place.
    /// Emits the head of one step of a temporally fused loop: in `header`,
    /// leave for `exit` once `t` reaches the trip count; then, in `iter`,
    /// store the loop index `start + t` in the index cell and gather the
    /// body's parameters (the cell, the carried values, the invariant
    /// inputs), its outputs and the address of step `t`'s record of each
    /// per-step value.
    fn step_entry(
        &mut self,
        lp: StepLoop,
        st: StepState<'_>,
        t: &Temporal,
        bases: &[Value],
        body: &Executable,
    ) -> StepEntry {
        self.b.switch_to_block(lp.header);
        let step_t = self.b.use_var(lp.t_var);
        let more = self
            .b
            .ins()
            .icmp_imm_u(IntCC::UnsignedLessThan, step_t, lp.trip as i64);
        self.b.ins().brif(more, lp.iter, &[], lp.exit, &[]);

        self.b.switch_to_block(lp.iter);
        let step_t = self.b.use_var(lp.t_var);
        let i = self.b.ins().iadd_imm_s(step_t, lp.start);
        let i = self.b.ins().ireduce(types::I32, i);
        self.b.ins().store(flags(), i, st.cell, 0);
        let mut params = vec![st.cell];
        params.extend(st.cur.iter().map(|&c| self.b.use_var(c)));
        params.extend_from_slice(st.invariant);
        let outs: Vec<Value> = st.next.iter().map(|&n| self.b.use_var(n)).collect();
        let rows: Vec<Value> = t
            .per_step
            .iter()
            .zip(bases)
            .map(|(&b, &base)| {
                let off = self.b.ins().imul_imm_s(step_t, buf_bytes(body, b) as i64);
                self.b.ins().iadd(base, off)
            })
            .collect();
        StepEntry { params, outs, rows }
    }

    fn swap(&mut self, cur: &[Variable], next: &[Variable], in_place: &[bool]) {
        for k in 0..cur.len() {
            if !in_place[k] {
                let (c, n) = (self.b.use_var(cur[k]), self.b.use_var(next[k]));
                self.b.def_var(cur[k], n);
                self.b.def_var(next[k], c);
            }
        }
    }
}

/// What the emitted code of a control step needs to know.
pub(crate) struct DriverSpec<'a> {
    /// The step.
    pub step: &'a ControlStep,
    /// Its compiled sub-graphs, in `ControlExe` order.
    pub programs: &'a [&'a Executable],
    /// The frame layout.
    pub layout: &'a Layout,
    /// Per carried value: true when the body updates it in place.
    pub in_place: &'a [bool],
    /// The interchange of a loop that temporal fusion applies to.
    pub temporal: Option<&'a Temporal>,
}

/// Starts a driver function: the entry block, the frame, the signatures.
fn begin<'a, 's>(
    func: &'a mut Function,
    fctx: &'a mut FunctionBuilderContext,
    call_conv: CallConv,
    spec: &'s DriverSpec<'s>,
) -> (Gen<'a, 's>, Value, Value) {
    let mut b = FunctionBuilder::new(func, fctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let params = b.block_params(entry).to_vec();
    let kernel_sig = b.import_signature(kernel_signature(call_conv));
    let callback_sig = b.import_signature(callback_signature(call_conv));
    let fail = b.create_block();
    let g = Gen {
        b,
        spec,
        frame: params[0],
        kernel_sig,
        callback_sig,
        fail,
    };
    (g, params[1], params[2])
}

/// Ends a driver function: `exit` and `fail` both return.
fn end(mut g: Gen<'_, '_>, config: TargetFrontendConfig) {
    let fail = g.fail;
    g.b.switch_to_block(fail);
    g.b.ins().return_(&[]);
    g.b.seal_all_blocks();
    g.b.finalize(config);
}

/// Builds the step driver of `spec` into `func` (kernel signature; `start`
/// and `end` are unused): the whole loop, while loop or branch.
pub(crate) fn build_step_driver(
    spec: &DriverSpec<'_>,
    func: &mut Function,
    fctx: &mut FunctionBuilderContext,
    call_conv: CallConv,
    config: TargetFrontendConfig,
) -> Result<()> {
    let l = spec.layout;
    let (mut g, _, _) = begin(func, fctx, call_conv, spec);
    let step = spec.step;
    let inputs: Vec<Value> = (0..step.inputs.len())
        .map(|i| g.word(l.inputs + i))
        .collect();
    let outputs: Vec<Value> = (0..step.outputs.len())
        .map(|i| g.word(l.outputs + i))
        .collect();
    let nc = n_carry(&step.op);
    let cur: Vec<Variable> = (0..nc).map(|k| g.var(outputs[k])).collect();
    let next: Vec<Variable> = (0..nc)
        .map(|k| {
            let v = g.word(l.next + k);
            g.var(v)
        })
        .collect();
    let cell = g.word(l.cell);
    let exit = g.b.create_block();
    match &step.op {
        Op::Loop {
            start, trip, n_xs, ..
        } => {
            let (nx, trip) = (*n_xs as usize, *trip);
            let body = spec.programs[0];
            let x_rows: Vec<usize> = (nc..nc + nx).map(|i| body_bytes(body, 1 + i)).collect();
            let y_rows: Vec<usize> = (nc..step.outputs.len())
                .map(|j| out_bytes(body, j))
                .collect();
            let zero = g.b.ins().iconst(types::I64, 0);
            let t_var = g.var(zero);
            let header = g.b.create_block();
            let iter = g.b.create_block();
            g.b.ins().jump(header, &[]);
            g.b.switch_to_block(header);
            let t = g.b.use_var(t_var);
            let more =
                g.b.ins()
                    .icmp_imm_u(IntCC::UnsignedLessThan, t, trip as i64);
            g.b.ins().brif(more, iter, &[], exit, &[]);
            g.b.switch_to_block(iter);
            let t = g.b.use_var(t_var);
            let i = g.b.ins().iadd_imm_s(t, *start);
            let i = g.b.ins().ireduce(types::I32, i);
            g.b.ins().store(flags(), i, cell, 0);
            let mut params = vec![cell];
            params.extend(cur.iter().map(|&c| g.b.use_var(c)));
            for (k, &row) in x_rows.iter().enumerate() {
                let off = g.b.ins().imul_imm_s(t, row as i64);
                params.push(g.b.ins().iadd(inputs[nc + k], off));
            }
            params.extend_from_slice(&inputs[nc + nx..]);
            let mut outs: Vec<Value> = next.iter().map(|&n| g.b.use_var(n)).collect();
            for (m, &row) in y_rows.iter().enumerate() {
                let off = g.b.ins().imul_imm_s(t, row as i64);
                outs.push(g.b.ins().iadd(outputs[nc + m], off));
            }
            g.program(0, &params, &outs, None);
            g.swap(&cur, &next, spec.in_place);
            let t = g.b.use_var(t_var);
            let t = g.b.ins().iadd_imm_s(t, 1);
            g.b.def_var(t_var, t);
            g.b.ins().jump(header, &[]);
        }
        Op::While { .. } => {
            let header = g.b.create_block();
            let iter = g.b.create_block();
            g.b.ins().jump(header, &[]);
            g.b.switch_to_block(header);
            let mut params: Vec<Value> = cur.iter().map(|&c| g.b.use_var(c)).collect();
            params.extend_from_slice(&inputs[nc..]);
            g.program(0, &params, &[cell], None);
            let flag = g.b.ins().load(types::I8, flags(), cell, 0);
            g.b.ins().brif(flag, iter, &[], exit, &[]);
            g.b.switch_to_block(iter);
            let mut params: Vec<Value> = cur.iter().map(|&c| g.b.use_var(c)).collect();
            params.extend_from_slice(&inputs[nc..]);
            let outs: Vec<Value> = next.iter().map(|&n| g.b.use_var(n)).collect();
            g.program(1, &params, &outs, None);
            g.swap(&cur, &next, spec.in_place);
            g.b.ins().jump(header, &[]);
        }
        Op::Cond { .. } => {
            let pred = g.b.ins().load(types::I8, flags(), inputs[0], 0);
            let (then_b, else_b) = (g.b.create_block(), g.b.create_block());
            g.b.ins().brif(pred, then_b, &[], else_b, &[]);
            for (p, block) in [then_b, else_b].into_iter().enumerate() {
                g.b.switch_to_block(block);
                g.program(p, &inputs[1..], &outputs, None);
                g.b.ins().jump(exit, &[]);
            }
        }
        _ => {
            return Err(heron_ir::Error::invalid(
                "control",
                format!("{} is not a control op", step.op),
            ));
        }
    }
    g.b.switch_to_block(exit);
    for (k, &var) in cur.iter().enumerate() {
        let c = g.b.use_var(var);
        g.set_word(l.finals + k, c);
    }
    g.b.ins().return_(&[]);
    end(g, config);
    Ok(())
}

/// Bytes of parameter `n` of `exe`.
fn body_bytes(exe: &Executable, n: usize) -> usize {
    let (s, d) = &exe.param_types[n];
    s.size() * d.size()
}

/// Bytes of output `n` of `exe`.
fn out_bytes(exe: &Executable, n: usize) -> usize {
    let (s, d) = &exe.output_types[n];
    s.size() * d.size()
}

/// The parts of a temporally fused loop a driver needs: the temporal plan and layout of a temporally fused loop, with its first
/// index and trip count.
fn temporal_parts<'a>(
    spec: &'a DriverSpec<'a>,
) -> Result<(&'a Temporal, &'a TemporalLayout, i64, u64)> {
    match (spec.temporal, &spec.layout.temporal, &spec.step.op) {
        (Some(t), Some(tl), Op::Loop { start, trip, .. }) => Ok((t, tl, *start, *trip)),
        _ => Err(heron_ir::Error::invalid(
            "temporal fusion",
            format!("{} is not a temporally fused loop", spec.step.op),
        )),
    }
}

/// Bytes of buffer `b` of the body plan.
fn buf_bytes(exe: &Executable, b: BufId) -> usize {
    let info = &exe.plan.buffers[b.index()];
    info.shape.size() * info.dtype.size()
}

/// Builds the prologue of a temporally fused loop into `func`: every step
/// in turn, it runs the body's uniform steps (the key chain of random
/// draws; see `heron_ir::passes::temporal`) and copies the values the chunk
/// loop reads from them into row `t` of their per-step records. The uniform
/// carried state ends in the finals.
pub(crate) fn build_prologue(
    spec: &DriverSpec<'_>,
    func: &mut Function,
    fctx: &mut FunctionBuilderContext,
    call_conv: CallConv,
    config: TargetFrontendConfig,
) -> Result<()> {
    let (t, tl, start, trip) = temporal_parts(spec)?;
    let l = spec.layout;
    let body = spec.programs[0];
    let (mut g, _, _) = begin(func, fctx, call_conv, spec);
    let nc = n_carry(&spec.step.op);
    let inputs: Vec<Value> = (0..spec.step.inputs.len())
        .map(|i| g.word(l.inputs + i))
        .collect();
    let outputs: Vec<Value> = (0..nc).map(|i| g.word(l.outputs + i)).collect();
    let cur: Vec<Variable> = outputs.iter().map(|&o| g.var(o)).collect();
    let next: Vec<Variable> = (0..nc)
        .map(|k| {
            let v = g.word(l.next + k);
            g.var(v)
        })
        .collect();
    let bases: Vec<Value> = (0..t.per_step.len())
        .map(|j| g.word(tl.per_step + j))
        .collect();
    // Only the uniform carried values are swapped here.
    let fixed: Vec<bool> = (0..nc)
        .map(|k| spec.in_place[k] || !t.uniform_carry.contains(&k))
        .collect();
    let cell = g.word(l.cell);
    let slots = l.programs[0].slots;
    let zero = g.b.ins().iconst(types::I64, 0);
    let t_var = g.var(zero);
    let (header, iter, exit) = (g.b.create_block(), g.b.create_block(), g.b.create_block());
    g.b.ins().jump(header, &[]);
    let StepEntry { params, outs, rows } = g.step_entry(
        StepLoop {
            t_var,
            start,
            trip,
            header,
            iter,
            exit,
        },
        StepState {
            cell,
            cur: &cur,
            next: &next,
            invariant: &inputs[nc..],
        },
        t,
        &bases,
        body,
    );
    // Carried values as the step starts; the rest as the uniform steps leave them.
    for (j, &b) in t.per_step.iter().enumerate() {
        if let BufferKind::Param(n) = body.plan.buffers[b.index()].kind {
            g.copy_bytes(rows[j], params[n as usize], buf_bytes(body, b));
        }
    }
    g.program(0, &params, &outs, Some(&t.uniform));
    for (j, &b) in t.per_step.iter().enumerate() {
        let src = match body.plan.buffers[b.index()].kind {
            BufferKind::Param(_) => continue,
            BufferKind::Output(n) => outs[n as usize],
            BufferKind::Temp(_) | BufferKind::Const(_) => g.word(slots + b.index()),
        };
        g.copy_bytes(rows[j], src, buf_bytes(body, b));
    }
    g.swap(&cur, &next, &fixed);
    let step_t = g.b.use_var(t_var);
    let step_t = g.b.ins().iadd_imm_s(step_t, 1);
    g.b.def_var(t_var, step_t);
    g.b.ins().jump(header, &[]);

    g.b.switch_to_block(exit);
    for &k in &t.uniform_carry {
        let c = g.b.use_var(cur[k]);
        g.set_word(l.finals + k, c);
    }
    g.b.ins().return_(&[]);
    end(g, config);
    Ok(())
}

/// Builds the temporal driver of a loop (see `heron_ir::passes::temporal`)
/// into `func`: over the element range `[start, end)`, chunk by chunk of
/// `chunk` elements, it runs every step of the chunk loop's kernels on the
/// chunk, reading uniform values from their per-step records (filled by
/// the prologue before). Kernel argument tables and the index cell live on
/// the function's stack, so threads may run disjoint ranges at once. The
/// element-wise state ends in `cur`, which is the result buffer after an
/// even number of swaps.
pub(crate) fn build_temporal_driver(
    spec: &DriverSpec<'_>,
    chunk: u64,
    func: &mut Function,
    fctx: &mut FunctionBuilderContext,
    call_conv: CallConv,
    config: TargetFrontendConfig,
) -> Result<()> {
    let (t, tl, start, trip) = temporal_parts(spec)?;
    let l = spec.layout;
    let body = spec.programs[0];
    let nb = body.plan.buffers.len();
    let (mut g, range_start, range_end) = begin(func, fctx, call_conv, spec);
    let nc = n_carry(&spec.step.op);
    let inputs: Vec<Value> = (0..spec.step.inputs.len())
        .map(|i| g.word(l.inputs + i))
        .collect();
    let outputs: Vec<Value> = (0..nc).map(|i| g.word(l.outputs + i)).collect();
    let scratch: Vec<Value> = (0..nc).map(|k| g.word(l.next + k)).collect();
    let bases: Vec<Value> = (0..t.per_step.len())
        .map(|j| g.word(tl.per_step + j))
        .collect();
    // Only the element-wise carried values are swapped here.
    let element_wise =
        |k: usize| !t.uniform_carry.contains(&k) && !t.accumulators.iter().any(|a| a.carry == k);
    let fixed: Vec<bool> = (0..nc)
        .map(|k| spec.in_place[k] || !element_wise(k))
        .collect();
    // The stack copies of the argument tables (static entries copied once)
    // and of the index cell.
    let mut args = Vec::new();
    let mut funcs = Vec::new();
    for k in &tl.kernels {
        let words = k.bufs.len() + 1;
        let slot = g.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            (words * 8) as u32,
            4,
        ));
        let addr = g.b.ins().stack_addr(types::I64, slot, 0);
        for j in 0..words {
            let v = g.word(k.args + j);
            g.b.ins().store(flags(), v, addr, (j * 8) as i32);
        }
        args.push(addr);
        funcs.push(g.word(k.func));
    }
    let cell_slot =
        g.b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 64, 6));
    let cell = g.b.ins().stack_addr(types::I64, cell_slot, 0);
    let next_of = |k: usize| {
        if fixed[k] { outputs[k] } else { scratch[k] }
    };
    let cur: Vec<Variable> = outputs.iter().map(|&o| g.var(o)).collect();
    let next: Vec<Variable> = (0..nc).map(|k| g.var(next_of(k))).collect();

    let c_var = g.var(range_start);
    let zero = g.b.ins().iconst(types::I64, 0);
    let t_var = g.var(zero);
    let ce_var = g.var(zero);
    let chunk_header = g.b.create_block();
    let chunk_body = g.b.create_block();
    let iter_header = g.b.create_block();
    let iter = g.b.create_block();
    let chunk_done = g.b.create_block();
    let exit = g.b.create_block();
    g.b.ins().jump(chunk_header, &[]);

    g.b.switch_to_block(chunk_header);
    let c = g.b.use_var(c_var);
    let more = g.b.ins().icmp(IntCC::UnsignedLessThan, c, range_end);
    g.b.ins().brif(more, chunk_body, &[], exit, &[]);

    g.b.switch_to_block(chunk_body);
    let c = g.b.use_var(c_var);
    let ce = g.b.ins().iadd_imm_s(c, chunk as i64);
    let ce = g.b.ins().umin(ce, range_end);
    g.b.def_var(ce_var, ce);
    for k in 0..nc {
        g.b.def_var(cur[k], outputs[k]);
        g.b.def_var(next[k], next_of(k));
    }
    g.b.def_var(t_var, zero);
    g.b.ins().jump(iter_header, &[]);

    let StepEntry { params, outs, rows } = g.step_entry(
        StepLoop {
            t_var,
            start,
            trip,
            header: iter_header,
            iter,
            exit: chunk_done,
        },
        StepState {
            cell,
            cur: &cur,
            next: &next,
            invariant: &inputs[nc..],
        },
        t,
        &bases,
        body,
    );
    let bound = |b: BufId| {
        if let Some(j) = t.per_step.iter().position(|&x| x == b) {
            return Some(rows[j]);
        }
        if b.index() >= nb {
            return None;
        }
        match body.plan.buffers[b.index()].kind {
            BufferKind::Param(n) => Some(params[n as usize]),
            BufferKind::Output(n) => Some(outs[n as usize]),
            BufferKind::Const(_) | BufferKind::Temp(_) => None,
        }
    };
    let (c, ce) = (g.b.use_var(c_var), g.b.use_var(ce_var));
    for (ki, k) in tl.kernels.iter().enumerate() {
        for (j, &buf) in k.bufs.iter().enumerate() {
            if let Some(v) = bound(buf) {
                g.b.ins().store(flags(), v, args[ki], (j * 8) as i32);
            }
        }
        g.b.ins()
            .call_indirect(g.kernel_sig, funcs[ki], &[args[ki], c, ce]);
    }
    g.swap(&cur, &next, &fixed);
    let step_t = g.b.use_var(t_var);
    let step_t = g.b.ins().iadd_imm_s(step_t, 1);
    g.b.def_var(t_var, step_t);
    g.b.ins().jump(iter_header, &[]);

    g.b.switch_to_block(chunk_done);
    let ce = g.b.use_var(ce_var);
    g.b.def_var(c_var, ce);
    g.b.ins().jump(chunk_header, &[]);

    g.b.switch_to_block(exit);
    g.b.ins().return_(&[]);
    end(g, config);
    Ok(())
}
