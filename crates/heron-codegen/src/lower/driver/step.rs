//! The step driver: a whole counted loop, while loop or branch of a control
//! step as one native function.

use super::builder::{DriverSpec, begin, body_bytes, end, flags, out_bytes};
use crate::run::layout::n_carry;
use cranelift_codegen::ir::{Function, InstBuilder, Value, condcodes::IntCC, types};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_frontend::{FunctionBuilderContext, Variable};
use heron_ir::{Op, Result};

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
    let inputs = g.words(l.inputs, step.inputs.len());
    let outputs = g.words(l.outputs, step.outputs.len());
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
            g.next_step(t_var, header);
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
