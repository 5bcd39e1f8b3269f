//! The drivers of a temporally fused loop: the prologue (the body's uniform
//! steps for every step) and the chunk loop (every step on one chunk of
//! elements before the next).

use super::builder::buf_bytes;
use super::builder::{DriverSpec, Gen, StepEntry, StepLoop, StepState, begin, end, flags};
use crate::run::executable::Executable;
use crate::run::layout::{TemporalLayout, n_carry};
use cranelift_codegen::ir::{
    Function, InstBuilder, StackSlotData, StackSlotKind, Value, condcodes::IntCC, types,
};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_frontend::{FunctionBuilderContext, Variable};
use heron_ir::plan::{BufId, BufferKind};
use heron_ir::schedule::temporal::Temporal;
use heron_ir::{Op, Result};

/// What both drivers of a temporally fused loop start from: its temporal
/// plan and layout, first index and trip count, body, how many values it
/// carries, and the frame words of its operands, its results and the
/// bases of its per-step records.
struct TemporalFrame<'a> {
    t: &'a Temporal,
    tl: &'a TemporalLayout,
    start: i64,
    trip: u64,
    body: &'a Executable,
    nc: usize,
    inputs: Vec<Value>,
    outputs: Vec<Value>,
    bases: Vec<Value>,
}

impl<'a> TemporalFrame<'a> {
    /// Checks that `spec` is a temporally fused loop (before anything is
    /// built) and returns what `read` needs of it.
    fn check(spec: &'a DriverSpec<'a>) -> Result<(&'a Temporal, &'a TemporalLayout, i64, u64)> {
        match (spec.temporal, &spec.layout.temporal, &spec.step.op) {
            (Some(t), Some(tl), Op::Loop { start, trip, .. }) => Ok((t, tl, *start, *trip)),
            _ => Err(heron_ir::Error::invalid(
                "temporal fusion",
                format!("{} is not a temporally fused loop", spec.step.op),
            )),
        }
    }

    /// Reads the frame words of a loop that passed `check`.
    fn read(
        spec: &'a DriverSpec<'a>,
        (t, tl, start, trip): (&'a Temporal, &'a TemporalLayout, i64, u64),
        g: &mut Gen<'_, '_>,
    ) -> TemporalFrame<'a> {
        let l = spec.layout;
        TemporalFrame {
            t,
            tl,
            start,
            trip,
            body: spec.programs[0],
            nc: n_carry(&spec.step.op),
            inputs: g.words(l.inputs, spec.step.inputs.len()),
            outputs: g.words(l.outputs, spec.step.outputs.len()),
            bases: g.words(tl.per_step, t.per_step.len()),
        }
    }
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
    let parts = TemporalFrame::check(spec)?;
    let l = spec.layout;
    let (mut g, _, _) = begin(func, fctx, call_conv, spec);
    let TemporalFrame {
        t,
        start,
        trip,
        body,
        nc,
        inputs,
        outputs,
        bases,
        ..
    } = TemporalFrame::read(spec, parts, &mut g);
    let cur: Vec<Variable> = outputs[..nc].iter().map(|&o| g.var(o)).collect();
    let next: Vec<Variable> = (0..nc)
        .map(|k| {
            let v = g.word(l.next + k);
            g.var(v)
        })
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
            sliced: t.sliced,
            stacked: &outputs[nc..],
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
    g.next_step(t_var, header);

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
    let parts = TemporalFrame::check(spec)?;
    let l = spec.layout;
    let (mut g, range_start, range_end) = begin(func, fctx, call_conv, spec);
    let TemporalFrame {
        t,
        tl,
        start,
        trip,
        body,
        nc,
        inputs,
        outputs: all_outputs,
        bases,
    } = TemporalFrame::read(spec, parts, &mut g);
    let nb = body.plan.buffers.len();
    let (outputs, stacked) = all_outputs.split_at(nc);
    let scratch = g.words(l.next, nc);
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
            sliced: t.sliced,
            stacked,
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
    g.next_step(t_var, iter_header);

    g.b.switch_to_block(chunk_done);
    let ce = g.b.use_var(ce_var);
    g.b.def_var(c_var, ce);
    g.b.ins().jump(chunk_header, &[]);

    g.b.switch_to_block(exit);
    g.b.ins().return_(&[]);
    end(g, config);
    Ok(())
}
