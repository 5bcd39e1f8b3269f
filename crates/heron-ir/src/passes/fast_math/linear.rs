//! Reassociation of linear float expressions (fast math only).
//!
//! A tree of float additions, subtractions, negations, and products and
//! quotients by splat constants is a linear combination `Σ cᵢ·xᵢ + c₀` of
//! its *atoms* (the operands that are none of these: parameters, other ops,
//! nodes used more than once). Its root is rebuilt as that combination with
//! the coefficients folded (in f64, rounded once to the dtype), in this
//! order: the loop-invariant atoms (those depending on invariant parameters
//! and constants only) and the constant first, then the others, each term
//! `xᵢ·cᵢ` added as `mul(xᵢ, cᵢ) + acc` (the backend's fused multiply-add
//! shape), `±xᵢ` as an addition or subtraction. The rebuilt root replaces
//! the tree when it has no more operations than the tree had; a tree of
//! one operation is left as it is.

use super::super::rewrite::Rebuild;
use super::reciprocal::splat;
use crate::{BinaryOp, DType, Graph, NodeId, Op, Scalar, UnaryOp, Value};
use cranelift_entity::SecondaryMap;

/// The most atoms a combination may have: a larger tree is left as it is.
const MAX_TERMS: usize = 8;

/// A linear combination of old-graph nodes: `Σ coef·atom + constant`.
#[derive(Clone, Debug, PartialEq)]
struct Form {
    terms: Vec<(NodeId, f64)>,
    constant: f64,
    /// Operations of the tree it stands for.
    ops: usize,
}

impl Form {
    fn atom(x: NodeId) -> Form {
        Form {
            terms: vec![(x, 1.0)],
            constant: 0.0,
            ops: 0,
        }
    }

    fn constant(c: f64) -> Form {
        Form {
            terms: Vec::new(),
            constant: c,
            ops: 0,
        }
    }

    /// `self · k` (one more operation).
    fn scale(mut self, k: f64) -> Form {
        for t in &mut self.terms {
            t.1 *= k;
        }
        self.constant *= k;
        self.ops += 1;
        self
    }

    /// `self + sign · other` (one more operation).
    fn plus(mut self, other: Form, sign: f64) -> Form {
        for (x, c) in other.terms {
            match self.terms.iter_mut().find(|t| t.0 == x) {
                Some(t) => t.1 += sign * c,
                None => self.terms.push((x, sign * c)),
            }
        }
        self.constant += sign * other.constant;
        self.ops += other.ops + 1;
        self
    }
}

/// `graph` with every linear float tree of at least two operations rebuilt
/// as its combination (see the module doc); parameter `p` is invariant when
/// `invariant[p]`.
pub fn reassociate(graph: &Graph, invariant: &[bool]) -> Graph {
    let inv = invariance(graph, invariant);
    let mut uses: SecondaryMap<NodeId, usize> = SecondaryMap::new();
    for node in graph.nodes.values() {
        for &i in &node.inputs {
            uses[i] += 1;
        }
    }
    for &(n, _) in &graph.outputs {
        uses[n] += 1;
    }
    let mut forms: SecondaryMap<NodeId, Option<Form>> = SecondaryMap::new();
    let mut rb = Rebuild::new(graph);
    for (id, node) in rb.body() {
        let form = linear_form(graph, id, &forms, &uses);
        let items = form
            .as_ref()
            .filter(|f| f.ops >= 2)
            .map(|f| order(f, node.dtype, &inv))
            .filter(|items| form.as_ref().is_some_and(|f| cost(items) <= f.ops));
        let rebuilt = items
            .and_then(|items| emit(&mut rb, &items, node.dtype))
            .filter(|&n| {
                rb.new.nodes[n].shape == node.shape && rb.new.nodes[n].dtype == node.dtype
            });
        match rebuilt {
            Some(n) => rb.set(id, n),
            None => {
                rb.copy(id);
            }
        }
        forms[id] = form;
    }
    rb.finish()
}

/// Per node of `graph`: whether it depends on invariant parameters and
/// constants only.
fn invariance(graph: &Graph, invariant: &[bool]) -> SecondaryMap<NodeId, bool> {
    let mut inv: SecondaryMap<NodeId, bool> = SecondaryMap::new();
    for (p, &(n, _)) in graph.params.iter().enumerate() {
        inv[n] = invariant.get(p).copied().unwrap_or(false);
    }
    for (id, node) in graph.nodes.iter() {
        if !matches!(node.op, Op::Param(_)) {
            inv[id] = node.inputs.iter().all(|&i| inv[i]);
        }
    }
    inv
}

/// The linear form of node `id`, when it is a float addition,
/// subtraction, negation, or product or quotient by a splat constant.
fn linear_form(
    graph: &Graph,
    id: NodeId,
    forms: &SecondaryMap<NodeId, Option<Form>>,
    uses: &SecondaryMap<NodeId, usize>,
) -> Option<Form> {
    let node = &graph.nodes[id];
    if !node.dtype.is_float() {
        return None;
    }
    let constant = |x: NodeId| splat(graph, x).map(Scalar::to_f64);
    // An operand's form: a constant, the tree under it when only this node
    // uses it, else the operand itself as an atom.
    let operand = |x: NodeId| -> Option<Form> {
        if graph.nodes[x].dtype != node.dtype {
            return None;
        }
        if let Some(c) = constant(x) {
            return Some(Form::constant(c));
        }
        Some(match &forms[x] {
            Some(f) if uses[x] == 1 => f.clone(),
            _ => Form::atom(x),
        })
    };
    let form = match (&node.op, node.inputs.as_slice()) {
        (Op::Binary(BinaryOp::Add), &[a, b]) => operand(a)?.plus(operand(b)?, 1.0),
        (Op::Binary(BinaryOp::Sub), &[a, b]) => operand(a)?.plus(operand(b)?, -1.0),
        (Op::Unary(UnaryOp::Neg), &[a]) => operand(a)?.scale(-1.0),
        (Op::Binary(BinaryOp::Mul), &[a, b]) => match (constant(a), constant(b)) {
            (_, Some(c)) => operand(a)?.scale(c),
            (Some(c), None) => operand(b)?.scale(c),
            (None, None) => return None,
        },
        (Op::Binary(BinaryOp::Div), &[a, b]) => {
            let c = constant(b)?;
            if !(1.0 / c).is_normal() {
                return None;
            }
            operand(a)?.scale(1.0 / c)
        }
        _ => return None,
    };
    let finite = form.constant.is_finite() && form.terms.iter().all(|t| t.1.is_finite());
    (finite && form.terms.len() <= MAX_TERMS).then_some(form)
}

/// `c` rounded to `dtype`.
fn rounded(c: f64, dtype: DType) -> f64 {
    Scalar::F64(c).cast(dtype).to_f64()
}

/// One addend of a rebuilt combination, in emission order.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Item {
    /// `c·x`, the coefficient rounded to the dtype.
    Term(NodeId, f64),
    /// The constant, rounded.
    Constant(f64),
}

/// The addends of `form` of `dtype` in emission order: invariant terms,
/// the constant, the other terms (zero coefficients dropped).
fn order(form: &Form, dtype: DType, inv: &SecondaryMap<NodeId, bool>) -> Vec<Item> {
    let terms: Vec<(NodeId, f64)> = form
        .terms
        .iter()
        .map(|&(x, c)| (x, rounded(c, dtype)))
        .filter(|&(_, c)| c != 0.0)
        .collect();
    let (first, last): (Vec<_>, Vec<_>) = terms.iter().partition(|t| inv[t.0]);
    let constant = rounded(form.constant, dtype);
    let mut items: Vec<Item> = first.iter().map(|&&(x, c)| Item::Term(x, c)).collect();
    if constant != 0.0 {
        items.push(Item::Constant(constant));
    }
    items.extend(last.iter().map(|&&(x, c)| Item::Term(x, c)));
    items
}

/// Operations of the rebuilt combination of `items`.
fn cost(items: &[Item]) -> usize {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let ops = match *item {
                Item::Constant(_) => 0,
                Item::Term(_, 1.0) => 0,
                Item::Term(..) => 1,
            };
            // Every addend after the first is one addition (a `-x` one
            // subtraction, no negation).
            match (i, *item) {
                (0, _) => ops,
                (_, Item::Term(_, -1.0)) => 1,
                _ => ops + 1,
            }
        })
        .sum()
}

/// Emits `items` of `dtype` into the new graph; `None` when there is no
/// term or an operation fails to type-check.
fn emit(rb: &mut Rebuild<'_>, items: &[Item], dtype: DType) -> Option<NodeId> {
    if !items.iter().any(|i| matches!(i, Item::Term(..))) {
        return None;
    }
    let mut acc: Option<NodeId> = None;
    for item in items {
        acc = Some(match *item {
            Item::Term(x, c) => term(rb, acc, rb.get(x), c, dtype)?,
            Item::Constant(c) => {
                let k = rb.constant(Value::scalar(Scalar::F64(c).cast(dtype)));
                match acc {
                    None => k,
                    Some(a) => rb.new.add(Op::Binary(BinaryOp::Add), &[a, k]).ok()?,
                }
            }
        });
    }
    acc
}

/// `acc + c·x` (just `c·x` without `acc`), `x` and `acc` new nodes.
fn term(
    rb: &mut Rebuild<'_>,
    acc: Option<NodeId>,
    x: NodeId,
    c: f64,
    dtype: DType,
) -> Option<NodeId> {
    let g = &mut rb.new;
    let bin = |g: &mut Graph, op: BinaryOp, a: NodeId, b: NodeId| g.add(Op::Binary(op), &[a, b]);
    let scaled = |g: &mut Graph| {
        let k = g.constant(Value::scalar(Scalar::F64(c).cast(dtype)));
        bin(g, BinaryOp::Mul, x, k)
    };
    let node = match acc {
        None if c == 1.0 => Ok(x),
        None if c == -1.0 => g.add(Op::Unary(UnaryOp::Neg), &[x]),
        None => scaled(g),
        Some(a) if c == 1.0 => bin(g, BinaryOp::Add, a, x),
        Some(a) if c == -1.0 => bin(g, BinaryOp::Sub, a, x),
        Some(a) => scaled(g).and_then(|p| bin(g, BinaryOp::Add, p, a)),
    };
    node.ok()
}
