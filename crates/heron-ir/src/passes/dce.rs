//! Dead-code elimination: removes every node no output depends on.
//!
//! Guarantees: the result computes the same outputs, in the same order and
//! with the same roles; it keeps every parameter, used or not, at its
//! position (the positions are the calling convention); its nodes are the
//! live nodes of the input in their original order, renumbered densely; its
//! constant table holds only the constants live nodes refer to.

use super::rewrite::Rebuild;
use crate::{Graph, NodeId};
use cranelift_entity::SecondaryMap;

/// The graph without the nodes no output depends on.
pub fn dce(graph: &Graph) -> Graph {
    let live = live_nodes(graph);
    let mut rebuild = Rebuild::new(graph);
    for (id, _) in rebuild.body() {
        if live[id] {
            rebuild.copy(id);
        }
    }
    rebuild.finish()
}

/// Marks the nodes some output depends on.
pub(crate) fn live_nodes(graph: &Graph) -> SecondaryMap<NodeId, bool> {
    let mut live = SecondaryMap::with_capacity(graph.len());
    for &(id, _) in &graph.outputs {
        live[id] = true;
    }
    // Users come after their operands: one backward sweep reaches them all.
    for (id, node) in graph.nodes.iter().rev() {
        if live[id] {
            for &input in &node.inputs {
                live[input] = true;
            }
        }
    }
    live
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::{BinaryOp, DType, OutputRole, ParamRole, UnaryOp};
    use expect_test::{Expect, expect};

    fn check(build: impl FnOnce(&mut Graph), expect: Expect) {
        check_pass(build, |g| Ok(dce(g)), expect);
    }

    #[test]
    fn removes_unused_nodes_and_keeps_unused_params() {
        check(
            |g| {
                let x = arg(g, &[3], DType::F32);
                let _unused = arg(g, &[2], DType::I32);
                let e = unary(g, UnaryOp::Exp, x);
                let _dead = unary(g, UnaryOp::Sin, e);
                let two = scalar(g, 2.0f32);
                let m = binary(g, BinaryOp::Mul, e, two);
                g.output(m, OutputRole::Result(0));
            },
            expect![[r#"
                { lambda a:f32[3] b:i32[2] .
                  let c:f32[3] = exp a
                      d:f32[3] = sin c
                      e:f32[3] = mul c 2.0:f32
                  in (e) }
                =>
                { lambda a:f32[3] b:i32[2] .
                  let c:f32[3] = exp a
                      d:f32[3] = mul c 2.0:f32
                  in (d) }"#]],
        );
    }

    #[test]
    fn compacts_the_constant_table() {
        check(
            |g| {
                let x = arg(g, &[5], DType::F32);
                let _dead = vector(g, &[9.0f32, 8.0, 7.0, 6.0, 5.0]);
                let c = vector(g, &[1.0f32, 2.0, 3.0, 4.0, 5.0]);
                let s = binary(g, BinaryOp::Add, x, c);
                g.output(s, OutputRole::Result(0));
            },
            expect![[r#"
                { lambda a:f32[5] .
                  let b:f32[5] = const c0
                      c:f32[5] = const c1
                      d:f32[5] = add a c
                  in (d) }
                =>
                { lambda a:f32[5] .
                  let b:f32[5] = const c0
                      c:f32[5] = add a b
                  in (c) }"#]],
        );
    }

    #[test]
    fn keeps_variable_writes_and_output_order() {
        check(
            |g| {
                let v = g.param(crate::Shape::new(&[4]), DType::F32, ParamRole::Var(0));
                let x = arg(g, &[4], DType::F32);
                let s = binary(g, BinaryOp::Add, v, x);
                let _dead = binary(g, BinaryOp::Sub, v, x);
                g.output(x, OutputRole::Result(0));
                g.output(s, OutputRole::VarWrite(0));
                g.output(x, OutputRole::Result(1));
            },
            expect![[r#"
                { lambda a:f32[4]@var0 b:f32[4] .
                  let c:f32[4] = add a b
                      d:f32[4] = sub a b
                  in (b, var0 <- c, b) }
                =>
                { lambda a:f32[4]@var0 b:f32[4] .
                  let c:f32[4] = add a b
                  in (b, var0 <- c, b) }"#]],
        );
    }

    #[test]
    fn an_empty_graph_stays_empty() {
        let g = dce(&Graph::new());
        assert!(g.is_empty());
        assert_eq!(g.to_text(), "{ lambda .\n  in () }");
    }
}
