//! Reverse mode through control flow.
//!
//! **Counted loops** (`fori_loop`, `for_loop`), as the transpose of JAX's
//! `lax.scan`: the forward loop is replayed with one more stacked result per
//! carried value, its state at the entry of every step (`forward_loop`).
//! The reverse pass is a second counted loop over the steps in reverse
//! order: each step re-runs the body forward from its stored entry state
//! (so nothing but the carried state is stored), then walks the body
//! backwards, carrying the cotangent of the state and accumulating the
//! cotangents of captured values; the cotangents of the sliced operands are
//! its stacked results. Only the operands whose gradient is asked for are
//! differentiated: a loop over data does not transpose its products into
//! the data's cotangent. Memory per step: the carried state, once (the sum
//! of the sizes of every carried value, a `RandomState`'s key included),
//! plus the cotangents of the sliced operands' rows; the body's
//! intermediates are recomputed, never stored.
//!
//! **`cond`**: the cotangents of the captured operands come from a second
//! `cond` on the same predicate whose branches re-run the branch taken
//! forward and walk it backwards.
//!
//! **`while_loop`** has no static trip count to reverse over: differentiating
//! through one is an error naming it, as in JAX.

use super::vjp::{Cts, add, flip0, lit, zeros};
use super::walk::{active, backward, replay};
use crate::array::or_panic;
use crate::control::{Externals, Slot, assemble, node, resolve, trace_body};
use crate::{Array, Error, Result, trace};
use heron_ir::{Body, DType, Graph, NodeId, Op, OutputRole, Shape};
use rustc_hash::FxHashMap;

/// Replays a loop node with its carried state at each step's entry stacked
/// as extra results: returns the loop's own results and those residuals.
pub(crate) fn forward_loop(op: &Op, operands: &[&Array]) -> Result<(Vec<Array>, Vec<Array>)> {
    let Op::Loop {
        body,
        start,
        trip,
        n_carry,
        n_xs,
    } = op
    else {
        unreachable!("forward_loop is called on loops")
    };
    let nc = *n_carry as usize;
    let mut g: Graph = (*body.0).clone();
    let n_out = g.outputs.len();
    for j in 0..nc {
        let p = g.params[1 + j].0;
        g.outputs.push((p, OutputRole::Result((n_out + j) as u32)));
    }
    let op = Op::Loop {
        body: Body::new(g),
        start: *start,
        trip: *trip,
        n_carry: *n_carry,
        n_xs: *n_xs,
    };
    let mut outs = trace::record_control(op, operands)?;
    let residuals = outs.split_off(n_out);
    Ok((outs, residuals))
}

/// The cotangents of a control node's operands; `need[i]` is false for an
/// operand no gradient is asked of (its cotangent stays `None` and the
/// reverse pass does not compute it: a loop over data, say, does not
/// transpose its products into the data's cotangent).
pub(crate) fn vjp(
    op: &Op,
    ins: &[Array],
    outs: &[Array],
    residuals: Option<&[Array]>,
    out_cts: &[Option<Array>],
    need: &[bool],
) -> Result<Cts> {
    match op {
        Op::Loop {
            body,
            start,
            trip,
            n_carry,
            n_xs,
        } => {
            let res = residuals.expect("an active loop was replayed with its residuals");
            let shape = LoopShape {
                start: *start,
                trip: *trip,
                nc: *n_carry as usize,
                nx: *n_xs as usize,
            };
            loop_vjp(body, shape, ins, outs, res, out_cts, need)
        }
        Op::Cond { then, else_ } => cond_vjp(then, else_, ins, out_cts, need),
        Op::While { .. } => Err(Error::invalid(
            "grad",
            "while_loop: reverse-mode differentiation through a while_loop is not supported \
             (it has no static trip count); use fori_loop or for_loop",
        )),
        _ => unreachable!("vjp of a control op"),
    }
}

#[derive(Clone, Copy)]
struct LoopShape {
    start: i64,
    trip: u64,
    nc: usize,
    nx: usize,
}

fn zeros_of(a: &Array) -> Result<Array> {
    zeros(a.shape_ref(), a.dtype())
}

fn loop_vjp(
    body: &Body,
    s: LoopShape,
    ins: &[Array],
    outs: &[Array],
    res: &[Array],
    out_cts: &[Option<Array>],
    need: &[bool],
) -> Result<Cts> {
    let LoopShape { nc, nx, .. } = s;
    let ncap = ins.len() - nc - nx;
    let ny = body.outputs.len() - nc;
    let float = |a: &Array| a.dtype().is_float();
    let wanted = |i: usize| float(&ins[i]) && need.get(i).copied().unwrap_or(true);
    // Every float carry takes part (a needed captured value's cotangent may
    // flow through the carried state); sliced and captured operands only
    // when their cotangent is asked for.
    let fc: Vec<usize> = (0..nc).filter(|&j| float(&ins[j])).collect();
    let fx: Vec<usize> = (0..nx).filter(|&k| wanted(nc + k)).collect();
    let fcap: Vec<usize> = (0..ncap).filter(|&k| wanted(nc + nx + k)).collect();
    let py: Vec<usize> = (0..ny)
        .filter(|&k| out_cts[nc + k].is_some() && float(&outs[nc + k]))
        .collect();
    let mut init = Vec::new();
    for &j in &fc {
        init.push(match &out_cts[j] {
            Some(c) => c.clone(),
            None => zeros_of(&ins[j])?,
        });
    }
    for &k in &fcap {
        init.push(zeros_of(&ins[nc + nx + k])?);
    }
    let mut xs = Vec::new();
    for r in res {
        xs.push(flip0(r)?);
    }
    for k in 0..nx {
        xs.push(flip0(&ins[nc + k])?);
    }
    for &k in &py {
        xs.push(flip0(out_cts[nc + k].as_ref().expect("present"))?);
    }
    let captured = &ins[nc + nx..];
    let last = s.start + s.trip as i64 - 1;
    let (carry, ys) = carry_loop(s.trip, &init, &xs, |r, carry, rows| {
        let i = super::vjp::bin(heron_ir::BinaryOp::Sub, &lit(last as f64, DType::I32), &r)?;
        let p = |k: usize| body.params[k].0;
        let mut params: FxHashMap<NodeId, Array> = FxHashMap::default();
        params.insert(p(0), i);
        for (k, row) in rows[..nc + nx].iter().enumerate() {
            params.insert(p(1 + k), row.clone());
        }
        for (k, c) in captured.iter().enumerate() {
            params.insert(p(1 + nc + nx + k), c.clone());
        }
        let wrt: Vec<NodeId> = fc
            .iter()
            .map(|&j| p(1 + j))
            .chain(fx.iter().map(|&k| p(1 + nc + k)))
            .chain(fcap.iter().map(|&k| p(1 + nc + nx + k)))
            .collect();
        let act = active(body, &wrt);
        let fwd = replay(body, &params, &act)?;
        let mut seeds = Vec::new();
        for (jj, &j) in fc.iter().enumerate() {
            seeds.push((body.outputs[j].0, carry[jj].clone()));
        }
        for (kk, &k) in py.iter().enumerate() {
            seeds.push((body.outputs[nc + k].0, rows[nc + nx + kk].clone()));
        }
        let cts = backward(body, &fwd, &act, seeds)?;
        let get = |n: NodeId, like: &Array| match cts.get(&n) {
            Some(c) => Ok(c.clone()),
            None => zeros_of(like),
        };
        let mut new_carry = Vec::new();
        for &j in &fc {
            new_carry.push(get(p(1 + j), &rows[j])?);
        }
        for (kk, &k) in fcap.iter().enumerate() {
            let acc = &carry[fc.len() + kk];
            new_carry.push(match cts.get(&p(1 + nc + nx + k)) {
                Some(c) => add(acc, c)?,
                None => acc.clone(),
            });
        }
        let mut ys = Vec::new();
        for &k in &fx {
            ys.push(get(p(1 + nc + k), &rows[nc + k])?);
        }
        Ok((new_carry, ys))
    })?;
    let mut cts: Cts = vec![None; ins.len()];
    for (jj, &j) in fc.iter().enumerate() {
        cts[j] = Some(carry[jj].clone());
    }
    for (kk, &k) in fcap.iter().enumerate() {
        cts[nc + nx + k] = Some(carry[fc.len() + kk].clone());
    }
    for (kk, &k) in fx.iter().enumerate() {
        cts[nc + k] = Some(flip0(&ys[kk])?);
    }
    Ok(cts)
}

/// A counted loop over `trip` steps with explicit carried arrays (no
/// Variables): `f(step, carry, rows)` returns the new carry and this step's
/// stacked results; rows are `xs[k][step]`. Returns the final carry and
/// the stacked results.
fn carry_loop(
    trip: u64,
    carry: &[Array],
    xs: &[Array],
    f: impl FnOnce(Array, Vec<Array>, Vec<Array>) -> Result<(Vec<Array>, Vec<Array>)>,
) -> Result<(Vec<Array>, Vec<Array>)> {
    let nc = carry.len();
    let (params, mut sub) = trace_body(
        || {
            let mut p = vec![trace::arg(Shape::scalar(), DType::I32)];
            p.extend(
                carry
                    .iter()
                    .map(|c| trace::arg(c.shape_ref().clone(), c.dtype())),
            );
            p.extend(
                xs.iter()
                    .map(|x| trace::arg(Shape::new(&x.shape()[1..]), x.dtype())),
            );
            p
        },
        |p| {
            let (c, mut y) = f(p[0].clone(), p[1..1 + nc].to_vec(), p[1 + nc..].to_vec())?;
            let mut out = c;
            out.append(&mut y);
            Ok(out)
        },
    )?;
    let mut ext = Externals::default();
    ext.collect(&sub, &[]);
    let mut slots: Vec<Slot> = params.iter().map(|p| Slot::Node(node(p))).collect();
    slots.extend(ext.slots(&sub));
    if sub.results.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let param_nodes = resolve(&mut sub.graph, slots);
    let results = sub.results.clone();
    let body = assemble(std::mem::take(&mut sub.graph), &param_nodes, &results);
    let mut operands: Vec<Array> = carry.to_vec();
    operands.extend(xs.iter().cloned());
    operands.extend(ext.operands());
    let refs: Vec<&Array> = operands.iter().collect();
    let op = Op::Loop {
        body,
        start: 0,
        trip,
        n_carry: nc as u32,
        n_xs: xs.len() as u32,
    };
    let mut outs = trace::record_control(op, &refs)?;
    let ys = outs.split_off(nc);
    Ok((outs, ys))
}

fn cond_vjp(
    then: &Body,
    else_: &Body,
    ins: &[Array],
    out_cts: &[Option<Array>],
    need: &[bool],
) -> Result<Cts> {
    let captured = &ins[1..];
    let fcap: Vec<usize> = (0..captured.len())
        .filter(|&k| captured[k].dtype().is_float() && need.get(1 + k).copied().unwrap_or(true))
        .collect();
    let mut cts: Cts = vec![None; ins.len()];
    if fcap.is_empty() {
        return Ok(cts);
    }
    let branch = |b: &Body| -> Result<Vec<Array>> {
        let mut params: FxHashMap<NodeId, Array> = FxHashMap::default();
        for (k, c) in captured.iter().enumerate() {
            params.insert(b.params[k].0, c.clone());
        }
        let wrt: Vec<NodeId> = fcap.iter().map(|&k| b.params[k].0).collect();
        let act = active(b, &wrt);
        let fwd = replay(b, &params, &act)?;
        let seeds: Vec<(NodeId, Array)> = out_cts
            .iter()
            .enumerate()
            .filter_map(|(r, c)| c.clone().map(|c| (b.outputs[r].0, c)))
            .collect();
        let got = backward(b, &fwd, &act, seeds)?;
        fcap.iter()
            .map(|&k| match got.get(&b.params[k].0) {
                Some(c) => Ok(c.clone()),
                None => zeros_of(&captured[k]),
            })
            .collect()
    };
    let outs: Vec<Array> = crate::control::try_cond(
        &ins[0],
        || or_panic(branch(then)),
        || or_panic(branch(else_)),
    )?;
    for (kk, &k) in fcap.iter().enumerate() {
        cts[1 + k] = Some(outs[kk].clone());
    }
    Ok(cts)
}
