//! `cond`: traces both branches and runs one (one `cond` node; the
//! optimiser turns it into an element-wise select when both branches are
//! cheap element-wise code). A Variable written in one branch only keeps its
//! value in the other.

use super::{Externals, assemble, eager, find_var, resolve, trace_body, written};
use crate::jit::JitValue;
use crate::ops::{Operand, array_of};
use crate::{Array, trace};
use heron_ir::{DType, Error, Op, Result, type_text};

/// `then()` if `pred` (a bool scalar) is true, else `else_()`. Both branches
/// return the same structure of arrays (an `Array`, a tuple, a `Vec` or
/// `()`) with the same shapes and dtypes. Panics with the error's message
/// on failure.
pub fn cond<R: JitValue>(
    pred: impl Operand,
    then: impl FnOnce() -> R,
    else_: impl FnOnce() -> R,
) -> R {
    try_cond(pred, then, else_).unwrap_or_else(|e| panic!("{e}"))
}

/// [`cond`] returning an error instead of panicking.
pub fn try_cond<R: JitValue>(
    pred: impl Operand,
    then: impl FnOnce() -> R,
    else_: impl FnOnce() -> R,
) -> Result<R> {
    let pred = &array_of(pred);
    if pred.dtype() != DType::Bool || pred.ndim() != 0 {
        return Err(Error::invalid(
            "cond",
            format!(
                "the predicate must be a bool scalar, got {}",
                type_text(pred.shape_ref(), pred.dtype())
            ),
        ));
    }
    let results = eager::jitted("cond", std::slice::from_ref(pred), |args| {
        let (_, mut tsub) = trace_body(Vec::new, |_| Ok(then().into_arrays().into_vec()))?;
        let (_, mut esub) = trace_body(Vec::new, |_| Ok(else_().into_arrays().into_vec()))?;
        let types = |sub: &trace::SubTrace| -> Vec<String> {
            sub.results
                .iter()
                .map(|&n| type_text(&sub.graph.nodes[n].shape, sub.graph.nodes[n].dtype))
                .collect()
        };
        let (tt, et) = (types(&tsub), types(&esub));
        if tt != et {
            return Err(Error::invalid(
                "cond",
                format!(
                    "the branches return different types: then gives ({}), else gives ({})",
                    tt.join(", "),
                    et.join(", ")
                ),
            ));
        }
        let w = written(&[&tsub, &esub]);
        let mut ext = Externals::default();
        ext.collect(&tsub, &[]);
        ext.collect(&esub, &[]);
        for v in &w {
            if !ext.vars.iter().any(|x| x.id() == v.id()) {
                ext.vars.push(v.clone());
            }
        }
        let n_arrays = ext.arrays.len();
        let branch = |sub: &mut trace::SubTrace| {
            let slots = ext.slots(sub);
            let params = resolve(&mut sub.graph, slots);
            let mut outputs = sub.results.clone();
            for v in &w {
                let out = match find_var(sub, v).and_then(|s| s.written) {
                    Some(n) => n,
                    None => {
                        let k = ext.vars.iter().position(|x| x.id() == v.id());
                        params[n_arrays + k.expect("written variables are operands")]
                    }
                };
                outputs.push(out);
            }
            let graph = std::mem::take(&mut sub.graph);
            assemble(graph, &params, &outputs)
        };
        let then_body = branch(&mut tsub);
        let else_body = branch(&mut esub);
        let n_results = tsub.results.len();
        if n_results + w.len() == 0 {
            return Ok(Vec::new());
        }
        let mut operands = vec![args[0].clone()];
        operands.extend(ext.operands());
        let refs: Vec<&Array> = operands.iter().collect();
        let op = Op::Cond {
            then: then_body,
            else_: else_body,
        };
        let outs = trace::record_control(op, &refs)?;
        for (v, o) in w.iter().zip(&outs[n_results..]) {
            v.try_set(o.clone())?;
        }
        Ok(outs[..n_results].to_vec())
    })?;
    Ok(R::from_arrays(results.into_iter().collect()))
}
