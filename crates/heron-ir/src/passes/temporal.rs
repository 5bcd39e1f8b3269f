//! Temporal fusion: finding counted loops whose body is element-wise
//! independent, so that the loops can be interchanged: instead of running
//! every step over the whole state (streaming each array through memory once
//! per step), the backend runs all steps on one chunk of elements while it
//! sits in cache, then moves to the next chunk.
//!
//! A `loop` qualifies when, in its body's kernel plan:
//!
//! - it has no sliced operands and no stacked results (`fori_loop` over
//!   Variables), and at least one carried value;
//! - every step is an element-wise kernel (no reduction, host step, nested
//!   control step or copy), all over the same iteration space `S`;
//! - every carried value, every body result and every temporary has `S`'s
//!   number of elements, and every kernel reads and writes them only at the
//!   element it computes (the row-major identity map of `S`);
//! - everything else a kernel reads is loop-invariant: the index (a scalar),
//!   captured operands and constants, read at any index.
//!
//! Then element `e` of the new state depends only on element `e` of the old
//! state, on the index and on invariant values, and running element chunk by
//! element chunk computes exactly what running step by step computes, in the
//! same per-element operation order (bit-identical results).
//!
//! Excluded, and left to the step-by-step driver: random draws from a
//! `RandomState` (its key is carried but is not element-wise: `[2]`, not
//! `S`), reductions (a scalar spike total carried across steps), bodies that
//! read a neighbour element of the state, and nested control flow.
//!
//! The switch: `HERON_TEMPORAL_FUSION=0` in the environment turns temporal
//! fusion off; [`set_enabled`] overrides it at run time.

use crate::Op;
use crate::Shape;
use crate::plan::{Affine, BufId, BufferKind, Expr, KernelPlan, Step};
use std::sync::atomic::{AtomicU8, Ordering};

/// 0: not decided yet (read the environment), 1: off, 2: on.
static SWITCH: AtomicU8 = AtomicU8::new(0);

/// True when temporal fusion is on: the last [`set_enabled`], else the
/// environment (`HERON_TEMPORAL_FUSION=0` turns it off; on by default).
pub fn enabled() -> bool {
    match SWITCH.load(Ordering::Relaxed) {
        1 => false,
        2 => true,
        _ => {
            let on = std::env::var("HERON_TEMPORAL_FUSION")
                .map(|v| !matches!(v.trim(), "0" | "false" | "off"))
                .unwrap_or(true);
            SWITCH.store(if on { 2 } else { 1 }, Ordering::Relaxed);
            on
        }
    }
}

/// Turns temporal fusion on or off for the whole process (overrides
/// `HERON_TEMPORAL_FUSION`). Takes effect at the next run of a loop: compiled
/// loops keep the code for both ways.
pub fn set_enabled(on: bool) {
    SWITCH.store(if on { 2 } else { 1 }, Ordering::Relaxed);
}

/// How a counted loop is interchanged with its body's element loops.
#[derive(Clone, Debug, PartialEq)]
pub struct Temporal {
    /// The element space every body kernel runs over.
    pub shape: Shape,
    /// The number of steps.
    pub trip: u64,
}

/// The interchange of a `loop` op whose body has the plan `body_plan`, when
/// the loop qualifies (see the module documentation). Does not consult the
/// switch.
pub fn analyze(op: &Op, body_plan: &KernelPlan) -> Option<Temporal> {
    let Op::Loop {
        body,
        trip,
        n_carry,
        n_xs,
        ..
    } = op
    else {
        return None;
    };
    let nc = *n_carry as usize;
    if *n_xs != 0 || nc == 0 || body.outputs.len() != nc {
        return None;
    }
    let mut shape: Option<&Shape> = None;
    for step in &body_plan.steps {
        let Step::Kernel(k) = step else {
            return None;
        };
        if k.reduce.is_some() {
            return None;
        }
        if *shape.get_or_insert(&k.shape) != &k.shape {
            return None;
        }
    }
    let shape = shape?.clone();
    let size = shape.size();
    let identity = Affine::row_major(&shape);
    // The body's params are `i ++ carry ++ captured`: the carried ones are
    // params 1..=nc.
    let element_wise = |b: BufId| match body_plan.buffers[b.index()].kind {
        BufferKind::Param(n) => (1..=nc).contains(&(n as usize)),
        BufferKind::Output(_) | BufferKind::Temp(_) => true,
        BufferKind::Const(_) => false,
    };
    for (i, info) in body_plan.buffers.iter().enumerate() {
        if element_wise(BufId(i as u32)) && info.shape.size() != size {
            return None;
        }
    }
    for k in body_plan.kernels() {
        for instr in &k.body {
            match &instr.expr {
                Expr::Load { buf, map } if element_wise(*buf) && *map != identity => return None,
                Expr::ThreefryBits { key, .. } if element_wise(*key) => return None,
                _ => {}
            }
        }
        if k.stores.iter().any(|s| s.map != identity) {
            return None;
        }
    }
    Some(Temporal { shape, trip: *trip })
}

/// The report line of a control step of node `node` computing `op`, when
/// temporal fusion is on and applies to it:
/// `temporal fusion: loop v7 over [1000000] x 100 steps`.
pub fn report(node: crate::NodeId, op: &Op) -> Option<String> {
    if !enabled() {
        return None;
    }
    let Op::Loop { body, .. } = op else {
        return None;
    };
    let t = analyze(op, &super::fuse::fuse(body))?;
    Some(format!(
        "temporal fusion: loop {node} over {} x {} steps",
        dims(&t.shape),
        t.trip
    ))
}

fn dims(shape: &Shape) -> String {
    let d: Vec<String> = shape.iter().map(|x| x.to_string()).collect();
    format!("[{}]", d.join(", "))
}
