//! Sharing of exponentials of affine functions of one value (fast math
//! only).
//!
//! `exp(a·x + b)` equals `exp(a·x)·e^b`, and `exp(2ᵏ·s·x)` equals
//! `exp(s·x)` squared `k` times. So the exponentials of affine functions
//! of the same float node `x` whose slopes are power-of-two multiples of
//! one another (ratios 1, 2, 4, 8: at most [`MAX_SQUARINGS`] squarings)
//! become one `exp(s·x)`, `s` the smallest slope of the family, its
//! squarings, and one multiplication by the constant `e^b` each (none when
//! `b = 0`). A Hodgkin–Huxley step has six exponentials of affine
//! functions of the potential, with slopes `-1/10` (three), `-1/18`,
//! `-1/20` and `-1/80`: they become two (`exp(-x/80)` with three
//! squarings, and `exp(-x/18)`).
//!
//! An affine function is a chain of additions and subtractions of splat
//! constants, negations, and products and quotients by splat constants,
//! its coefficients folded in f64 from the constants' values. A family is
//! rewritten only when it has at least two members (a lone `exp(a·x + b)`
//! stays as it is) and only for shifts `|b| ≤` [`MAX_SHIFT`], so that the
//! factored `exp(a·x)` overflows or underflows at most `MAX_SHIFT` from
//! where the original argument would.
//!
//! Accuracy: each squaring doubles the relative error of the value it
//! squares and adds one rounding, and `exp(s·x)` carries the rounding of
//! `s·x` (absolute, so relative to `|s·x|` rather than to `|a·x + b|`).
//! Over the Hodgkin–Huxley voltage range (`x` in [-100, 60] mV) the
//! rewritten exponentials are within [`HH_ULPS`] ulp of the exact values
//! of the originals (measured: 17.1 ulp; the exact mode's own f32 graph,
//! whose argument rounding exp amplifies, is within 9.8 ulp);
//! `exp_tests.rs` measures it over 10,241 potentials.

use super::super::rewrite::Rebuild;
use super::reciprocal::splat;
use crate::{BinaryOp, DType, Graph, NodeId, Op, Scalar, UnaryOp, Value};
use std::collections::HashMap;

/// The most squarings a family member may take (slope ratio `2³ = 8`).
pub const MAX_SQUARINGS: u32 = 3;

/// The largest `|b|` factored out of `exp(a·x + b)`.
pub const MAX_SHIFT: f64 = 16.0;

/// The measured bound, in f32 ulp, of a shared exponential against the
/// exact value of the original over the Hodgkin–Huxley voltage range.
pub const HH_ULPS: u32 = 20;

/// The deepest chain of affine operations followed down to `x`.
const MAX_DEPTH: usize = 12;

/// `a·x + b` over an old node `x`.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Affine {
    x: NodeId,
    a: f64,
    b: f64,
}

/// One shared exponential: `exp(slope·x)`.
#[derive(Clone, Debug)]
struct Family {
    x: NodeId,
    slope: f64,
    dtype: DType,
}

/// An exponential computed from a family: `exp(slope·x)^(2^k) · e^shift`.
#[derive(Clone, Copy, Debug)]
struct Member {
    family: usize,
    k: u32,
    shift: f64,
}

/// An exponential of a family being formed: its node, its squarings and
/// its shift.
type Slot = (NodeId, u32, f64);

/// `graph` with the exponentials of affine functions of one node that
/// share a family computed from one exponential (see the module doc);
/// `None` when no two exponentials share one.
pub fn share_exps(graph: &Graph) -> Option<Graph> {
    let (families, members) = plan(graph);
    if members.is_empty() {
        return None;
    }
    let mut rb = Rebuild::new(graph);
    // Per family, the new nodes `exp(s·x)^(2^k)` for k = 0, 1, …
    let mut powers: Vec<Vec<NodeId>> = vec![Vec::new(); families.len()];
    for (id, _) in rb.body() {
        let emitted = members
            .get(&id)
            .and_then(|m| emit(&mut rb, &families[m.family], &mut powers[m.family], *m));
        match emitted {
            Some(n) => rb.set(id, n),
            None => {
                rb.copy(id);
            }
        }
    }
    Some(rb.finish())
}

/// The families of `graph` and the exponentials computed from them.
fn plan(graph: &Graph) -> (Vec<Family>, HashMap<NodeId, Member>) {
    // Candidates grouped by their `x`, in graph order.
    let mut groups: Vec<(NodeId, Vec<(NodeId, Affine)>)> = Vec::new();
    for (id, node) in graph.nodes.iter() {
        if !matches!(node.op, Op::Unary(UnaryOp::Exp)) || !node.dtype.is_float() {
            continue;
        }
        let Some(f) = affine(graph, node.inputs[0], 0) else {
            continue;
        };
        let xn = &graph.nodes[f.x];
        let usable = xn.shape == node.shape
            && xn.dtype == node.dtype
            && f.a != 0.0
            && f.a.is_finite()
            && f.b.abs() <= MAX_SHIFT;
        if !usable {
            continue;
        }
        match groups.iter_mut().find(|g| g.0 == f.x) {
            Some(g) => g.1.push((id, f)),
            None => groups.push((f.x, vec![(id, f)])),
        }
    }
    let mut families = Vec::new();
    let mut members = HashMap::new();
    for (x, mut exps) in groups {
        let dtype = graph.nodes[x].dtype;
        // Smallest slopes first, so each family's base is its smallest.
        exps.sort_by(|p, q| p.1.a.abs().total_cmp(&q.1.a.abs()));
        let mut bases: Vec<(f64, Vec<Slot>)> = Vec::new();
        for (id, f) in exps {
            let found = bases
                .iter_mut()
                .find_map(|(s, list)| squarings(*s, f.a, dtype).map(|k| (list, k)));
            match found {
                Some((list, k)) => list.push((id, k, f.b)),
                None => bases.push((f.a, vec![(id, 0, f.b)])),
            }
        }
        for (slope, list) in bases {
            if list.len() < 2 {
                continue;
            }
            let family = families.len();
            families.push(Family { x, slope, dtype });
            for (id, k, shift) in list {
                members.insert(id, Member { family, k, shift });
            }
        }
    }
    (families, members)
}

/// `k` when slope `a` is `2^k · s` (to a few roundings of `dtype`) with
/// `k ≤ MAX_SQUARINGS`.
fn squarings(s: f64, a: f64, dtype: DType) -> Option<u32> {
    let eps = if dtype == DType::F32 {
        f64::from(f32::EPSILON)
    } else {
        f64::EPSILON
    };
    (0..=MAX_SQUARINGS).find(|&k| {
        let want = s * f64::from(1u32 << k);
        (a - want).abs() <= 4.0 * eps * want.abs()
    })
}

/// `node` of `graph` as an affine function `a·x + b` of a non-constant
/// node `x`, following additions of constants, negations, and products
/// and quotients by constants down from `node`.
fn affine(graph: &Graph, node: NodeId, depth: usize) -> Option<Affine> {
    let constant = |n: NodeId| splat(graph, n).map(Scalar::to_f64);
    let n = &graph.nodes[node];
    let atom = Affine {
        x: node,
        a: 1.0,
        b: 0.0,
    };
    if constant(node).is_some() {
        return None;
    }
    if depth >= MAX_DEPTH || !n.dtype.is_float() {
        return Some(atom);
    }
    let inner = |x: NodeId| -> Option<Affine> {
        if graph.nodes[x].dtype != n.dtype {
            return None;
        }
        affine(graph, x, depth + 1)
    };
    let f = match (&n.op, n.inputs.as_slice()) {
        (Op::Unary(UnaryOp::Neg), &[x]) => inner(x).map(|f| scale(f, -1.0)),
        (Op::Binary(op), &[p, q]) => match (op, constant(p), constant(q)) {
            (BinaryOp::Add, None, Some(c)) => inner(p).map(|f| shift(f, c)),
            (BinaryOp::Add, Some(c), None) => inner(q).map(|f| shift(f, c)),
            (BinaryOp::Sub, None, Some(c)) => inner(p).map(|f| shift(f, -c)),
            (BinaryOp::Sub, Some(c), None) => inner(q).map(|f| shift(scale(f, -1.0), c)),
            (BinaryOp::Mul, None, Some(c)) => inner(p).map(|f| scale(f, c)),
            (BinaryOp::Mul, Some(c), None) => inner(q).map(|f| scale(f, c)),
            (BinaryOp::Div, None, Some(c)) if (1.0 / c).is_normal() => {
                inner(p).map(|f| scale(f, 1.0 / c))
            }
            _ => None,
        },
        _ => None,
    };
    Some(f.unwrap_or(atom))
}

/// `k·f`.
fn scale(f: Affine, k: f64) -> Affine {
    Affine {
        a: f.a * k,
        b: f.b * k,
        ..f
    }
}

/// `f + c`.
fn shift(f: Affine, c: f64) -> Affine {
    Affine { b: f.b + c, ..f }
}

/// The new node computing member `m` of `family`, emitting the family's
/// `exp(s·x)` and squarings into the new graph as far as needed; `None`
/// when an operation fails to type-check (the old node is copied then).
fn emit(
    rb: &mut Rebuild<'_>,
    family: &Family,
    powers: &mut Vec<NodeId>,
    m: Member,
) -> Option<NodeId> {
    let dtype = family.dtype;
    let c = |rb: &mut Rebuild<'_>, v: f64| rb.constant(Value::scalar(Scalar::F64(v).cast(dtype)));
    if powers.is_empty() {
        let x = rb.get(family.x);
        let s = c(rb, family.slope);
        let arg = rb.new.add(Op::Binary(BinaryOp::Mul), &[x, s]).ok()?;
        let e = rb.new.add(Op::Unary(UnaryOp::Exp), &[arg]).ok()?;
        powers.push(e);
    }
    while powers.len() <= m.k as usize {
        let last = *powers.last()?;
        let sq = rb.new.add(Op::Binary(BinaryOp::Mul), &[last, last]).ok()?;
        powers.push(sq);
    }
    let power = powers[m.k as usize];
    if m.shift == 0.0 {
        return Some(power);
    }
    let factor = c(rb, m.shift.exp());
    rb.new.add(Op::Binary(BinaryOp::Mul), &[power, factor]).ok()
}
