//! The function-building state shared by the drivers (`Gen`): frame words,
//! the calls of kernels and of the callback, the head of each step and the
//! swap of double-buffered carried state.

use crate::run::executable::Executable;
use crate::run::layout::{Layout, PARALLEL_MIN};
use cranelift_codegen::ir::{
    AbiParam, Block, Function, InstBuilder, MemFlagsData, SigRef, Signature, Value,
    condcodes::IntCC, types,
};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use heron_ir::plan::{BufId, BufferKind, ControlStep, Step};
use heron_ir::schedule::temporal::Temporal;

/// The signature of the callback: `(ctx, code, slots) -> status`, where
/// `code` is `program << 32 | step`.
pub(super) fn callback_signature(call_conv: CallConv) -> Signature {
    let mut sig = Signature::new(call_conv);
    sig.params.extend([AbiParam::new(types::I64); 3]);
    sig.returns.push(AbiParam::new(types::I32));
    sig
}

pub(super) fn kernel_signature(call_conv: CallConv) -> Signature {
    let mut sig = Signature::new(call_conv);
    sig.params.extend([AbiParam::new(types::I64); 3]);
    sig
}

/// Function-building state of a driver.
pub(super) struct Gen<'a, 's> {
    pub(super) b: FunctionBuilder<'a>,
    pub(super) spec: &'s DriverSpec<'s>,
    pub(super) frame: Value,
    pub(super) kernel_sig: SigRef,
    pub(super) callback_sig: SigRef,
    /// Where a failed callback leads.
    pub(super) fail: Block,
}

/// The step counter of a temporally fused loop and its blocks.
pub(super) struct StepLoop {
    pub(super) t_var: Variable,
    pub(super) start: i64,
    pub(super) trip: u64,
    pub(super) header: Block,
    pub(super) iter: Block,
    pub(super) exit: Block,
}

/// What a step of a temporally fused loop passes to its body.
pub(super) struct StepState<'a> {
    /// The index cell.
    pub(super) cell: Value,
    /// The carried values as the step starts, and where it writes them.
    pub(super) cur: &'a [Variable],
    pub(super) next: &'a [Variable],
    /// The loop's other inputs: its sliced operands (`[trip, ...]`, step
    /// `t` reads row `t`), then its captured operands.
    pub(super) invariant: &'a [Value],
    /// How many of `invariant` are sliced operands.
    pub(super) sliced: usize,
    /// The loop's stacked results (`[trip, ...]`, step `t` writes row `t`).
    pub(super) stacked: &'a [Value],
}

/// The head of one step (`Gen::step_entry`).
pub(super) struct StepEntry {
    pub(super) params: Vec<Value>,
    pub(super) outs: Vec<Value>,
    pub(super) rows: Vec<Value>,
}

pub(super) fn flags() -> MemFlagsData {
    MemFlagsData::trusted()
}

impl Gen<'_, '_> {
    pub(super) fn word(&mut self, at: usize) -> Value {
        self.b
            .ins()
            .load(types::I64, flags(), self.frame, (at * 8) as i32)
    }

    /// `n` consecutive frame words from `at` (a step's operands, its
    /// results, the bases of per-step records).
    pub(super) fn words(&mut self, at: usize, n: usize) -> Vec<Value> {
        (0..n).map(|i| self.word(at + i)).collect()
    }

    /// Ends a step of a loop: its counter `t_var` plus one, back to `header`.
    pub(super) fn next_step(&mut self, t_var: Variable, header: Block) {
        let t = self.b.use_var(t_var);
        let t = self.b.ins().iadd_imm_s(t, 1);
        self.b.def_var(t_var, t);
        self.b.ins().jump(header, &[]);
    }

    pub(super) fn set_word(&mut self, at: usize, v: Value) {
        self.b.ins().store(flags(), v, self.frame, (at * 8) as i32);
    }

    pub(super) fn frame_addr(&mut self, at: usize) -> Value {
        self.b.ins().iadd_imm_s(self.frame, (at * 8) as i64)
    }

    pub(super) fn var(&mut self, v: Value) -> Variable {
        let var = self.b.declare_var(types::I64);
        self.b.def_var(var, v);
        var
    }

    /// Runs sub-graph `p` once with its params bound to `params` and its
    /// outputs to `outputs` (buffer pointers), each kernel over its whole
    /// launch; only the steps in `only` when given.
    pub(super) fn program(
        &mut self,
        p: usize,
        params: &[Value],
        outputs: &[Value],
        only: Option<&[usize]>,
    ) {
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
        // Steps of a step region: run by one call back at its first step.
        let mut region_end = 0;
        for s in 0..exe.plan.steps.len() {
            if only.is_none()
                && let Some(r) = &exe.regions[s]
            {
                self.region(p, s, pl.slots);
                region_end = r.steps.end;
            }
            if !runs(s) || s < region_end {
                if kernels.peek().is_some_and(|k| k.step == s) {
                    kernels.next();
                }
                continue;
            }
            match kernels.peek() {
                Some(k) if k.step == s => {
                    let (args, f) = (self.frame_addr(k.args), self.word(k.func));
                    // A launch goes through the parallel launcher when it
                    // is long, or when its elements are costly enough that
                    // the whole launch has the work of a long one.
                    let per_index = match &exe.plan.steps[s] {
                        Step::Kernel(pk) => crate::run::parallel::work_per_index(pk),
                        _ => 1,
                    };
                    let heavy = k.n as usize * per_index >= crate::run::parallel::PARALLEL_WORK;
                    match k.n {
                        n if n >= PARALLEL_MIN || heavy => {
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

    /// Calls the callback for the step region starting at step `s` of
    /// program `p`; on failure, returns from the driver.
    fn region(&mut self, p: usize, s: usize, slots: usize) {
        self.callback_code(p, (s as u64 | crate::run::frame::REGION_CODE) as i64, slots);
    }

    /// Calls the callback for step `s` of program `p`; on failure, returns
    /// from the driver.
    pub(super) fn callback(&mut self, p: usize, s: usize, slots: usize) {
        self.callback_code(p, s as i64, slots);
    }

    /// Calls the callback with `code` (a step, with `REGION_CODE` a step
    /// region) of program `p`.
    fn callback_code(&mut self, p: usize, s: i64, slots: usize) {
        let (cb_at, ctx_at) = (self.spec.layout.callback, self.spec.layout.ctx);
        let cb = self.word(cb_at);
        let ctx = self.word(ctx_at);
        let code = self.b.ins().iconst(types::I64, ((p as i64) << 32) | s);
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
    pub(super) fn copy_bytes(&mut self, dst: Value, src: Value, n: usize) {
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
    /// body's parameters (the cell, the carried values, row `t` of each
    /// sliced operand, the captured operands), its outputs (row `t` of each
    /// stacked result after the carried values) and the address of step
    /// `t`'s record of each per-step value.
    pub(super) fn step_entry(
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
        let nc = st.cur.len();
        for (k, &x) in st.invariant.iter().enumerate() {
            if k < st.sliced {
                let row = body_bytes(body, 1 + nc + k) as i64;
                let off = self.b.ins().imul_imm_s(step_t, row);
                params.push(self.b.ins().iadd(x, off));
            } else {
                params.push(x);
            }
        }
        let mut outs: Vec<Value> = st.next.iter().map(|&n| self.b.use_var(n)).collect();
        for (m, &y) in st.stacked.iter().enumerate() {
            let off = self
                .b
                .ins()
                .imul_imm_s(step_t, out_bytes(body, nc + m) as i64);
            outs.push(self.b.ins().iadd(y, off));
        }
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

    pub(super) fn swap(&mut self, cur: &[Variable], next: &[Variable], in_place: &[bool]) {
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
pub(super) fn begin<'a, 's>(
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
pub(super) fn end(mut g: Gen<'_, '_>, config: TargetFrontendConfig) {
    let fail = g.fail;
    g.b.switch_to_block(fail);
    g.b.ins().return_(&[]);
    g.b.seal_all_blocks();
    g.b.finalize(config);
}

/// Bytes of parameter `n` of `exe`.
pub(super) fn body_bytes(exe: &Executable, n: usize) -> usize {
    let (s, d) = &exe.param_types[n];
    s.size() * d.size()
}

/// Bytes of output `n` of `exe`.
pub(super) fn out_bytes(exe: &Executable, n: usize) -> usize {
    let (s, d) = &exe.output_types[n];
    s.size() * d.size()
}

/// Bytes of buffer `b` of the body plan.
pub(super) fn buf_bytes(exe: &Executable, b: BufId) -> usize {
    let info = &exe.plan.buffers[b.index()];
    info.shape.size() * info.dtype.size()
}
