//! Control flow in the IR: the sub-graphs that loop and branch ops carry,
//! and the typing rules that relate a control node to its sub-graphs.
//!
//! A control node (`Op::Loop`, `Op::While`, `Op::Cond`) has several results.
//! The node itself is typed as its first result; each result `k` is read by
//! an `Op::Project(k)` node whose only operand is the control node, so every
//! other node keeps exactly one value. Operand and parameter layouts:
//!
//! - `Loop { body, start, trip, n_carry, n_xs }`: operands are
//!   `carry inits (n_carry) ++ xs (n_xs) ++ captured`. The body's params are
//!   `i:i32[] ++ carry ++ x_t ++ captured` (`x_t` is `xs[k][t]`, `i = start + t`);
//!   its outputs are `carry' (n_carry) ++ y_t`. Results: the final carry,
//!   then every `y` stacked along a new axis 0 of length `trip`.
//! - `While { cond, body, n_carry }`: operands `carry inits ++ captured`;
//!   both sub-graphs take `carry ++ captured`; `cond` returns one `bool[]`,
//!   `body` returns `carry'`. Results: the final carry.
//! - `Cond { then, else_ }`: operands `pred:bool[] ++ captured`; both
//!   branches take `captured` and return results of the same types.
//!
//! Sub-graphs use `ParamRole::Arg(i)` / `OutputRole::Result(i)` in order:
//! Variables are resolved to carried state by the tracer before a control
//! node is built.

use crate::{DType, Error, Graph, Op, Result, Shape, Value};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// A sub-graph carried by a control op: shared, compared and hashed by
/// structure (ops, operands, types, roles and constant contents).
#[derive(Clone, Debug)]
pub struct Body(pub Arc<Graph>);

impl Body {
    /// Wraps a graph.
    pub fn new(graph: Graph) -> Body {
        Body(Arc::new(graph))
    }

    /// The parameter types, in order.
    pub fn param_types(&self) -> Vec<(Shape, DType)> {
        self.0
            .params
            .iter()
            .map(|&(n, _)| (self.0.nodes[n].shape.clone(), self.0.nodes[n].dtype))
            .collect()
    }

    /// The output types, in order.
    pub fn output_types(&self) -> Vec<(Shape, DType)> {
        self.0
            .outputs
            .iter()
            .map(|&(n, _)| (self.0.nodes[n].shape.clone(), self.0.nodes[n].dtype))
            .collect()
    }
}

impl std::ops::Deref for Body {
    type Target = Graph;
    fn deref(&self) -> &Graph {
        &self.0
    }
}

impl PartialEq for Body {
    fn eq(&self, other: &Body) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || graph_eq(&self.0, &other.0)
    }
}

impl Eq for Body {}

impl Hash for Body {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_graph(&self.0, state);
    }
}

fn value_eq(a: &Value, b: &Value) -> bool {
    a.shape == b.shape && a.dtype() == b.dtype() && a.buf.bytes() == b.buf.bytes()
}

/// Structural equality of two graphs, constant contents included.
pub fn graph_eq(a: &Graph, b: &Graph) -> bool {
    a.params == b.params
        && a.outputs == b.outputs
        && a.nodes.len() == b.nodes.len()
        && a.consts.len() == b.consts.len()
        && a.nodes.values().zip(b.nodes.values()).all(|(x, y)| x == y)
        && a.consts
            .values()
            .zip(b.consts.values())
            .all(|(x, y)| value_eq(x, y))
}

/// A structural hash of a graph consistent with [`graph_eq`].
pub fn hash_graph<H: Hasher>(g: &Graph, state: &mut H) {
    g.params.hash(state);
    g.outputs.hash(state);
    g.nodes.len().hash(state);
    for node in g.nodes.values() {
        node.op.hash(state);
        node.inputs.hash(state);
        node.shape.hash(state);
        node.dtype.hash(state);
    }
    for value in g.consts.values() {
        value.shape.hash(state);
        value.dtype().hash(state);
        value.buf.bytes().hash(state);
    }
}

/// `op` with each of its sub-graphs replaced by `f(sub_graph, first_captured)`,
/// or `op` itself when it has none. `first_captured` is the index of the
/// sub-graph's first parameter that holds the same value on every
/// iteration (a loop's captured operands; `usize::MAX` for a `cond`'s
/// branches, which run once). The one walk over a control op's bodies that
/// graph passes share.
pub fn try_map_bodies<E>(
    op: &Op,
    mut f: impl FnMut(&Body, usize) -> std::result::Result<Body, E>,
) -> std::result::Result<Op, E> {
    Ok(match op {
        Op::Loop {
            body,
            start,
            trip,
            n_carry,
            n_xs,
        } => Op::Loop {
            body: f(body, 1 + *n_carry as usize + *n_xs as usize)?,
            start: *start,
            trip: *trip,
            n_carry: *n_carry,
            n_xs: *n_xs,
        },
        Op::While {
            cond,
            body,
            n_carry,
        } => Op::While {
            cond: f(cond, *n_carry as usize)?,
            body: f(body, *n_carry as usize)?,
            n_carry: *n_carry,
        },
        Op::Cond { then, else_ } => Op::Cond {
            then: f(then, usize::MAX)?,
            else_: f(else_, usize::MAX)?,
        },
        other => other.clone(),
    })
}

/// True for the ops with several results read through `Op::Project`.
pub fn is_control(op: &Op) -> bool {
    matches!(op, Op::Loop { .. } | Op::While { .. } | Op::Cond { .. })
}

/// The types of every result of a control op (empty for other ops).
pub fn result_types(op: &Op) -> Vec<(Shape, DType)> {
    match op {
        Op::Loop {
            body,
            trip,
            n_carry,
            ..
        } => {
            let outs = body.output_types();
            let n = *n_carry as usize;
            let mut types: Vec<(Shape, DType)> = outs[..n.min(outs.len())].to_vec();
            for (s, d) in outs.iter().skip(n) {
                let mut dims = vec![*trip as usize];
                dims.extend(s.iter().copied());
                types.push((Shape::new(&dims), *d));
            }
            types
        }
        Op::While { body, .. } => body.output_types(),
        Op::Cond { then, .. } => then.output_types(),
        _ => Vec::new(),
    }
}

fn mismatch(op: &str, what: String) -> Error {
    Error::invalid(op, what)
}

fn check_list(op: &str, what: &str, got: &[(Shape, DType)], want: &[(Shape, DType)]) -> Result<()> {
    if got.len() != want.len() {
        return Err(mismatch(
            op,
            format!("{what}: expected {} values, got {}", want.len(), got.len()),
        ));
    }
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        if g != w {
            return Err(mismatch(
                op,
                format!(
                    "{what} {k} is {}, expected {}",
                    crate::type_text(&g.0, g.1),
                    crate::type_text(&w.0, w.1)
                ),
            ));
        }
    }
    Ok(())
}

/// The shape/dtype rule of the control ops: checks the operands against the
/// sub-graphs and returns the type of the first result.
pub(crate) fn infer_control(op: &Op, inputs: &[(&Shape, DType)]) -> Result<(Shape, DType)> {
    let operands: Vec<(Shape, DType)> = inputs.iter().map(|(s, d)| ((*s).clone(), *d)).collect();
    let name = op.name();
    match op {
        Op::Loop {
            body,
            trip,
            n_carry,
            n_xs,
            ..
        } => {
            let (nc, nx) = (*n_carry as usize, *n_xs as usize);
            if operands.len() < nc + nx {
                return Err(mismatch(
                    name,
                    format!(
                        "expects at least {} operands, got {}",
                        nc + nx,
                        operands.len()
                    ),
                ));
            }
            let mut want = vec![(Shape::scalar(), DType::I32)];
            want.extend(operands[..nc].iter().cloned());
            for (s, d) in &operands[nc..nc + nx] {
                if s.rank() == 0 || s[0] != *trip as usize {
                    return Err(mismatch(
                        name,
                        format!(
                            "a sliced operand of type {} does not have {trip} rows",
                            crate::type_text(s, *d)
                        ),
                    ));
                }
                want.push((Shape::new(&s[1..]), *d));
            }
            want.extend(operands[nc + nx..].iter().cloned());
            check_list(name, "body parameter", &want, &body.param_types())?;
            let outs = body.output_types();
            if outs.len() < nc {
                return Err(mismatch(name, "the body returns too few values".into()));
            }
            check_list(name, "carried value", &outs[..nc], &operands[..nc])?;
        }
        Op::While {
            cond,
            body,
            n_carry,
        } => {
            let nc = *n_carry as usize;
            if operands.len() < nc {
                return Err(mismatch(name, "too few operands".into()));
            }
            check_list(name, "condition parameter", &operands, &cond.param_types())?;
            check_list(name, "body parameter", &operands, &body.param_types())?;
            check_list(
                name,
                "condition result",
                &cond.output_types(),
                &[(Shape::scalar(), DType::Bool)],
            )?;
            check_list(name, "carried value", &body.output_types(), &operands[..nc])?;
        }
        Op::Cond { then, else_ } => {
            match operands.first() {
                Some((s, DType::Bool)) if s.rank() == 0 => {}
                Some((s, d)) => {
                    return Err(mismatch(
                        name,
                        format!(
                            "the predicate must be a bool scalar, got {}",
                            crate::type_text(s, *d)
                        ),
                    ));
                }
                None => return Err(mismatch(name, "expects a predicate".into())),
            }
            check_list(name, "then parameter", &operands[1..], &then.param_types())?;
            check_list(name, "else parameter", &operands[1..], &else_.param_types())?;
            check_list(
                name,
                "branch result",
                &else_.output_types(),
                &then.output_types(),
            )?;
        }
        _ => unreachable!("infer_control is called on control ops"),
    }
    result_types(op)
        .into_iter()
        .next()
        .ok_or_else(|| mismatch(name, "a control op must have at least one result".into()))
}

/// The type of `Project(k)` of a node computing `op` (an error when `op` is
/// not a control op or has no result `k`).
pub fn project_type(op: &Op, k: u32) -> Result<(Shape, DType)> {
    if !is_control(op) {
        return Err(Error::invalid(
            "get",
            format!("the operand of get[{k}] must be a control op, not {op}"),
        ));
    }
    result_types(op)
        .into_iter()
        .nth(k as usize)
        .ok_or_else(|| Error::invalid("get", format!("{} has no result {k}", op.name())))
}
