//! Test support for the passes: short graph builders and `check_pass`, the
//! one snapshot helper every pass's tests go through (the graph's text before
//! and after the pass; refresh with `UPDATE_EXPECT=1`).

use crate::verify::verify;
use crate::{
    BinaryOp, DType, Element, Graph, NodeId, Op, ParamRole, Result, Shape, UnaryOp, Value,
};
use expect_test::Expect;

/// Builds a graph with `build`, runs `pass` on it, verifies both graphs and
/// compares `before\n=>\nafter` with the snapshot.
pub(crate) fn check_pass(
    build: impl FnOnce(&mut Graph),
    pass: impl FnOnce(&Graph) -> Result<Graph>,
    expect: Expect,
) {
    let mut graph = Graph::new();
    build(&mut graph);
    verify(&graph).unwrap_or_else(|e| panic!("test graph is invalid: {e}"));
    let after = pass(&graph).unwrap_or_else(|e| panic!("pass failed: {e}"));
    verify(&after).unwrap_or_else(|e| panic!("pass produced an invalid graph: {e}"));
    expect.assert_eq(&format!("{}\n=>\n{}", graph.to_text(), after.to_text()));
}

/// A new argument parameter of the given type.
pub(crate) fn arg(g: &mut Graph, dims: &[usize], dtype: DType) -> NodeId {
    let n = g.params.len() as u32;
    g.param(Shape::new(dims), dtype, ParamRole::Arg(n))
}

/// `op` applied to `inputs` (which must type-check).
pub(crate) fn node(g: &mut Graph, op: Op, inputs: &[NodeId]) -> NodeId {
    g.add(op.clone(), inputs)
        .unwrap_or_else(|e| panic!("test graph: {op}: {e}"))
}

/// A unary node.
pub(crate) fn unary(g: &mut Graph, op: UnaryOp, x: NodeId) -> NodeId {
    node(g, Op::Unary(op), &[x])
}

/// A binary node.
pub(crate) fn binary(g: &mut Graph, op: BinaryOp, a: NodeId, b: NodeId) -> NodeId {
    node(g, Op::Binary(op), &[a, b])
}

/// A 0-d constant.
pub(crate) fn scalar<T: Element>(g: &mut Graph, v: T) -> NodeId {
    g.constant(Value::scalar(v.to_scalar()))
}

/// A 1-d constant.
pub(crate) fn vector<T: Element>(g: &mut Graph, data: &[T]) -> NodeId {
    g.constant(Value::from_slice(Shape::new(&[data.len()]), data))
}

/// A constant of `dims` filled with `v`.
pub(crate) fn full<T: Element>(g: &mut Graph, dims: &[usize], v: T) -> NodeId {
    g.constant(Value::full(Shape::new(dims), T::DTYPE, v.to_scalar()))
}

/// Builds a graph with `build`, schedules it with the built-in options,
/// checks the plan with `plan::verify` and compares its full printed text
/// with the snapshot (refresh with `UPDATE_EXPECT=1`).
pub(crate) fn check_plan(build: impl FnOnce(&mut Graph), expect: Expect) {
    let mut graph = Graph::new();
    build(&mut graph);
    verify(&graph).unwrap_or_else(|e| panic!("test graph is invalid: {e}"));
    let plan = crate::schedule::fuse(&graph);
    crate::plan::verify(&plan).unwrap_or_else(|e| panic!("invalid plan: {e}\n{plan}"));
    expect.assert_eq(&plan.to_text());
}

/// `op` over `axes` of `x`.
pub(crate) fn reduce(g: &mut Graph, op: crate::ReduceOp, x: NodeId, axes: &[usize]) -> NodeId {
    let axes = axes.iter().copied().collect();
    node(g, Op::Reduce { op, axes }, &[x])
}
