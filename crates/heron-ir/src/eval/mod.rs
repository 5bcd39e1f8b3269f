//! `eval`, the reference interpreter: the one definition of what every op
//! means. Eager mode runs each op through `eval_op`; constant folding uses it;
//! every test of the compiled path compares against it.

use crate::{DType, Error, Graph, Op, Result, Shape, Value};
use cranelift_entity::SecondaryMap;

/// Runs `graph` on concrete parameter values (in `graph.params` order) and
/// returns the outputs in `graph.outputs` order.
pub fn eval(graph: &Graph, params: &[Value]) -> Result<Vec<Value>> {
    if params.len() != graph.params.len() {
        return Err(Error::invalid(
            "eval",
            format!("graph has {} parameters, got {} values", graph.params.len(), params.len()),
        ));
    }
    let mut values: SecondaryMap<crate::NodeId, Option<Value>> = SecondaryMap::new();
    for (id, node) in graph.nodes.iter() {
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
                eval_op(op, &inputs, &node.shape, node.dtype)?
            }
        };
        values[id] = Some(value);
    }
    Ok(graph
        .outputs
        .iter()
        .map(|&(node, _)| values[node].clone().expect("outputs are nodes of the graph"))
        .collect())
}

/// Applies one op to concrete operands whose result type (`shape`, `dtype`)
/// was already inferred by `infer`.
pub fn eval_op(op: &Op, inputs: &[&Value], shape: &Shape, dtype: DType) -> Result<Value> {
    let _ = (inputs, shape, dtype);
    Err(Error::invalid(crate::infer::op_name(op), "not evaluated yet"))
}
