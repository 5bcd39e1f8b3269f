//! `while_loop`: runs a body while a traced predicate holds, in one compiled
//! loop (one `while_loop` node). The predicate is evaluated before every
//! iteration, so the body may run zero times.

use super::{Externals, Slot, assemble, eager, find_var, resolve, trace_body, var_slot, written};
use crate::trace;
use heron_ir::{DType, Error, Op, Result, type_text};

/// Runs `body` while `cond` returns true. `cond` returns a bool scalar
/// computed from Variables (and other arrays); `body` updates Variables.
/// Panics with the error's message on failure.
pub fn while_loop(cond: impl FnOnce() -> crate::Array, body: impl FnOnce()) {
    try_while_loop(cond, body).unwrap_or_else(|e| panic!("{e}"))
}

/// [`while_loop`] returning an error instead of panicking.
pub fn try_while_loop(cond: impl FnOnce() -> crate::Array, body: impl FnOnce()) -> Result<()> {
    eager::jitted("while_loop", &[], |_| {
        let (_, mut csub) = trace_body(Vec::new, |_| Ok(vec![cond()]))?;
        let pred = &csub.graph.nodes[csub.results[0]];
        if pred.dtype != DType::Bool || pred.shape.rank() != 0 {
            return Err(Error::invalid(
                "while_loop",
                format!(
                    "the condition must return a bool scalar, got {}",
                    type_text(&pred.shape, pred.dtype)
                ),
            ));
        }
        if !written(&[&csub]).is_empty() {
            return Err(Error::invalid(
                "while_loop",
                "the condition must not write Variables",
            ));
        }
        let (_, mut bsub) = trace_body(Vec::new, |_| {
            body();
            Ok(Vec::new())
        })?;
        let carried = written(&[&bsub]);
        if carried.is_empty() {
            return Err(Error::invalid(
                "while_loop",
                "the body writes no Variable, so the condition can never change",
            ));
        }
        let mut ext = Externals::default();
        ext.collect(&csub, &carried);
        ext.collect(&bsub, &carried);
        let mut cslots = Vec::new();
        let mut bslots = Vec::new();
        let mut outputs = Vec::new();
        for v in &carried {
            cslots.push(match find_var(&csub, v) {
                Some(s) => var_slot(s),
                None => Slot::New(v.shape(), v.dtype()),
            });
            let s = find_var(&bsub, v).expect("written variables have slots");
            bslots.push(var_slot(s));
            outputs.push(s.written.expect("written"));
        }
        cslots.extend(ext.slots(&csub));
        bslots.extend(ext.slots(&bsub));
        let cparams = resolve(&mut csub.graph, cslots);
        let bparams = resolve(&mut bsub.graph, bslots);
        let cond_body = assemble(csub.graph, &cparams, &csub.results);
        let body = assemble(bsub.graph, &bparams, &outputs);
        let mut operands: Vec<crate::Array> = carried.iter().map(|v| v.value()).collect();
        operands.extend(ext.operands());
        let op = Op::While {
            cond: cond_body,
            body,
            n_carry: carried.len() as u32,
        };
        let refs: Vec<&crate::Array> = operands.iter().collect();
        let outs = trace::record_control(op, &refs)?;
        for (v, o) in carried.iter().zip(&outs) {
            v.try_set(o.clone())?;
        }
        Ok(Vec::new())
    })?;
    Ok(())
}
