//! `eval`, the reference interpreter: the one definition of what every op
//! means. Eager mode runs each op through `eval_op`; constant folding uses it;
//! every test of the compiled path compares against it.

mod control;
pub mod direct;
mod elem;
mod elementwise;
mod indexed;
mod movement;
mod num;
mod product;
mod random;
mod reduce;
mod sort;
mod strided;
#[cfg(test)]
mod tests;

use crate::infer::infer;
pub use crate::matmul_dims::{MatMulDims, matmul_dims};
use crate::{DType, Error, Graph, NodeId, Op, Result, Shape, Value};
use cranelift_entity::SecondaryMap;
pub use num::scalar;
use smallvec::SmallVec;

/// Runs `graph` on concrete parameter values (in `graph.params` order) and
/// returns the outputs in `graph.outputs` order.
///
/// Every node is evaluated, used or not; an intermediate value is released
/// after its last user.
pub fn eval(graph: &Graph, params: &[Value]) -> Result<Vec<Value>> {
    if params.len() != graph.params.len() {
        return Err(Error::invalid(
            "eval",
            format!(
                "graph has {} parameters, got {} values",
                graph.params.len(),
                params.len()
            ),
        ));
    }
    let mut uses: SecondaryMap<NodeId, u32> = SecondaryMap::new();
    for node in graph.nodes.values() {
        for &i in &node.inputs {
            uses[i] += 1;
        }
    }
    for &(node, _) in &graph.outputs {
        uses[node] += 1;
    }
    let mut values: SecondaryMap<NodeId, Option<Value>> = SecondaryMap::new();
    // The results of control nodes, read by their `Project` users.
    let mut results: SecondaryMap<NodeId, Vec<Value>> = SecondaryMap::new();
    for (id, node) in graph.nodes.iter() {
        if crate::control::is_control(&node.op) {
            let inputs: Vec<&Value> = node
                .inputs
                .iter()
                .map(|&i| values[i].as_ref().expect("operands precede their users"))
                .collect();
            results[id] = control::eval_control(&node.op, &inputs)?;
            for &i in &node.inputs {
                uses[i] -= 1;
                if uses[i] == 0 {
                    values[i] = None;
                }
            }
            continue;
        }
        if let Op::Project(k) = node.op {
            let src = node.inputs[0];
            let value = results[src]
                .get(k as usize)
                .cloned()
                .ok_or_else(|| Error::invalid("get", format!("{src} has no result {k}")))?;
            uses[src] -= 1;
            if uses[src] == 0 {
                results[src] = Vec::new();
            }
            if uses[id] > 0 {
                values[id] = Some(value);
            }
            continue;
        }
        let value = match &node.op {
            Op::Param(i) => {
                let v = &params[*i as usize];
                if v.shape != node.shape || v.dtype() != node.dtype {
                    return Err(Error::invalid(
                        "eval",
                        format!(
                            "parameter {i} is {}{}, the graph expects {}{}",
                            v.dtype(),
                            v.shape,
                            node.dtype,
                            node.shape
                        ),
                    ));
                }
                v.clone()
            }
            Op::Const(c) => graph.consts[*c].clone(),
            op => {
                let inputs: Vec<&Value> = node
                    .inputs
                    .iter()
                    .map(|&i| values[i].as_ref().expect("operands precede their users"))
                    .collect();
                let value = eval_op(op, &inputs, &node.shape, node.dtype)?;
                for &i in &node.inputs {
                    uses[i] -= 1;
                    if uses[i] == 0 {
                        values[i] = None;
                    }
                }
                value
            }
        };
        if uses[id] > 0 {
            values[id] = Some(value);
        }
    }
    Ok(graph
        .outputs
        .iter()
        .map(|&(node, _)| {
            values[node]
                .clone()
                .expect("outputs are nodes of the graph")
        })
        .collect())
}

/// Applies one op to concrete operands whose result type (`shape`, `dtype`)
/// was already inferred by `infer`.
///
/// The operands are checked against `infer` again, so a mismatch is an
/// `Error` naming the op rather than a panic deep in a loop. Data-dependent
/// failures (an out-of-range `take` index) are errors too.
pub fn eval_op(op: &Op, inputs: &[&Value], shape: &Shape, dtype: DType) -> Result<Value> {
    check(op, inputs, shape, dtype)?;
    let x = || inputs[0];
    let out = match op {
        // `infer` rejects leaves, so `check` has returned already.
        Op::Param(_) | Op::Const(_) => {
            return Err(Error::invalid(
                op.name(),
                "leaves are bound by eval, not applied",
            ));
        }
        Op::Unary(u) => elementwise::unary(*u, x())?,
        Op::Binary(b) => elementwise::binary(*b, x(), inputs[1], shape)?,
        Op::Select => elementwise::select(x(), inputs[1], inputs[2], shape)?,
        Op::Cast(to) => elementwise::cast(x(), *to),
        Op::BroadcastTo(target) => movement::broadcast_to(x(), target),
        Op::Reshape(target) => movement::reshape(x(), target),
        Op::Permute(perm) => movement::permute(x(), perm),
        Op::Slice(spec) => movement::slice(x(), spec),
        Op::SetSlice(spec) => movement::set_slice(x(), inputs[1], spec),
        Op::Take { axis } => movement::take(x(), inputs[1], *axis, shape)?,
        Op::TakeAlongAxis { axis } => indexed::take_along_axis(x(), inputs[1], *axis)?,
        Op::Scatter { mode } => indexed::scatter(*mode, x(), inputs[1], inputs[2])?,
        Op::SegmentSum { .. } => indexed::segment_sum(x(), inputs[1], shape)?,
        Op::DynamicSlice { sizes } => indexed::dynamic_slice(x(), &inputs[1..], sizes),
        Op::DynamicUpdateSlice => indexed::dynamic_update_slice(x(), inputs[1], &inputs[2..]),
        Op::Concat { axis } => movement::concat(inputs, *axis, shape, dtype),
        Op::Reduce { op: r, axes } => reduce::reduce(*r, x(), axes, shape)?,
        Op::ArgReduce { op: a, axis } => reduce::arg_reduce(*a, x(), *axis, shape)?,
        Op::Cumsum { axis } => reduce::cumsum(x(), *axis)?,
        Op::Sort { axis } => sort::sort(x(), *axis),
        Op::Argsort { axis } => sort::argsort(x(), *axis),
        Op::MatMul => product::matmul(x(), inputs[1], shape)?,
        Op::CsrMatVec(_) | Op::CsrVecMat(_) | Op::CsrEventVecMat(_) => {
            crate::sparse::eval(op, x(), shape)
        }
        Op::RandomBits {
            shape,
            dtype,
            partitionable,
        } => random::random_bits(x(), shape, *dtype, *partitionable)?,
        Op::Loop { .. } | Op::While { .. } | Op::Cond { .. } | Op::Project(_) => {
            return Err(Error::invalid(
                op.name(),
                "control ops have several results and are evaluated by eval",
            ));
        }
    };
    debug_assert!(
        out.shape == *shape && out.dtype() == dtype,
        "{op}: evaluated to {}{}, inferred {dtype}{shape}",
        out.dtype(),
        out.shape
    );
    Ok(out)
}

/// Checks the operands' types against `infer` and the expected result type.
fn check(op: &Op, inputs: &[&Value], shape: &Shape, dtype: DType) -> Result<()> {
    let types: SmallVec<[(&Shape, DType); 3]> =
        inputs.iter().map(|v| (&v.shape, v.dtype())).collect();
    let (s, d) = infer(op, &types)?;
    if s != *shape || d != dtype {
        return Err(Error::invalid(
            op.name(),
            format!("operands give a {d}{s} result, the node expects {dtype}{shape}"),
        ));
    }
    Ok(())
}
