//! Common-subexpression elimination: nodes computing the same op of the same
//! operands are merged into the first of them (hash-consing on `(op, inputs)`).
//!
//! Constants are merged too: two nodes of the same table entry always, and
//! constants of at most `SMALL_CONST_BYTES` bytes whenever their dtype, shape
//! and bits are identical (bits, not values: `0.0` and `-0.0` stay apart).
//! Operands of commutative ops (`add`, `mul`, `eq`, `ne`, bitwise and/or/xor)
//! are compared as a set, so `a + b` and `b + a` merge.
//!
//! Every op is a pure function of its operands (`random_bits` too: it is
//! counter based), so merging never changes a result. Parameters are never
//! merged: each is a distinct input. Guarantees: the same outputs in the same
//! order; no two nodes of the result have the same key.

use super::rewrite::Rebuild;
use crate::{BinaryOp, ConstId, DType, Graph, Inputs, NodeId, Op, Shape};
use rustc_hash::FxHashMap;

/// Constants up to this size are merged by contents.
pub const SMALL_CONST_BYTES: usize = 4096;

/// What makes two nodes compute the same value.
#[derive(PartialEq, Eq, Hash)]
enum Key {
    /// An op applied to (new) operands, sorted for commutative ops.
    Apply(Op, Inputs),
    /// A small constant, by contents.
    Bits(DType, Shape, Vec<u8>),
    /// A large constant, by table entry.
    Entry(ConstId),
}

/// The graph with common subexpressions merged.
pub fn cse(graph: &Graph) -> Graph {
    let mut rebuild = Rebuild::new(graph);
    let mut seen: FxHashMap<Key, NodeId> = FxHashMap::default();
    for (id, node) in rebuild.body() {
        let key = match node.op {
            Op::Const(c) => {
                let value = &graph.consts[c];
                if value.buf.nbytes() <= SMALL_CONST_BYTES {
                    let bits = value.buf.bytes().to_vec();
                    Key::Bits(value.dtype(), value.shape.clone(), bits)
                } else {
                    Key::Entry(c)
                }
            }
            ref op => {
                let mut inputs = rebuild.inputs(node);
                if commutative(op) {
                    inputs.sort();
                }
                Key::Apply(op.clone(), inputs)
            }
        };
        match seen.get(&key) {
            Some(&same) => rebuild.set(id, same),
            None => {
                let new = rebuild.copy(id);
                seen.insert(key, new);
            }
        }
    }
    rebuild.finish()
}

/// True for ops whose two operands can be swapped without changing any bit
/// of the result (`max`/`min` are left out: which zero or NaN they return
/// depends on the order).
fn commutative(op: &Op) -> bool {
    use BinaryOp::*;
    matches!(op, Op::Binary(Add | Mul | And | Or | Xor | Eq | Ne))
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::{OutputRole, UnaryOp, Value};
    use expect_test::{Expect, expect};

    fn check(build: impl FnOnce(&mut Graph), expect: Expect) {
        check_pass(build, |g| Ok(cse(g)), expect);
    }

    #[test]
    fn merges_repeated_and_commuted_expressions() {
        check(
            |g| {
                let x = arg(g, &[3], DType::F32);
                let y = arg(g, &[3], DType::F32);
                let e1 = unary(g, UnaryOp::Exp, x);
                let e2 = unary(g, UnaryOp::Exp, x);
                let a = binary(g, BinaryOp::Add, e1, y);
                let b = binary(g, BinaryOp::Add, y, e2);
                let s1 = binary(g, BinaryOp::Sub, a, b);
                let s2 = binary(g, BinaryOp::Sub, b, a);
                g.output(s1, OutputRole::Result(0));
                g.output(s2, OutputRole::Result(1));
            },
            expect![[r#"
                { lambda a:f32[3] b:f32[3] .
                  let c:f32[3] = exp a
                      d:f32[3] = exp a
                      e:f32[3] = add c b
                      f:f32[3] = add b d
                      g:f32[3] = sub e f
                      h:f32[3] = sub f e
                  in (g, h) }
                =>
                { lambda a:f32[3] b:f32[3] .
                  let c:f32[3] = exp a
                      d:f32[3] = add c b
                      e:f32[3] = sub d d
                  in (e, e) }"#]],
        );
    }

    #[test]
    fn merges_small_constants_by_bits() {
        check(
            |g| {
                let x = arg(g, &[2], DType::F32);
                let one = scalar(g, 1.0f32);
                let one_again = scalar(g, 1.0f32);
                let zero = scalar(g, 0.0f32);
                let minus_zero = scalar(g, -0.0f32);
                let v1 = vector(g, &[1.0f32, 2.0]);
                let v2 = vector(g, &[1.0f32, 2.0]);
                let i1 = scalar(g, 1i32);
                let a = binary(g, BinaryOp::Mul, x, one);
                let b = binary(g, BinaryOp::Mul, x, one_again);
                let c = binary(g, BinaryOp::Add, zero, minus_zero);
                let d = binary(g, BinaryOp::Add, v1, v2);
                g.output(a, OutputRole::Result(0));
                g.output(b, OutputRole::Result(1));
                g.output(c, OutputRole::Result(2));
                g.output(d, OutputRole::Result(3));
                g.output(i1, OutputRole::Result(4));
            },
            expect![[r#"
                { lambda a:f32[2] .
                  let b:f32[2] = const [1.0, 2.0]
                      c:f32[2] = const [1.0, 2.0]
                      d:f32[2] = mul a 1.0:f32
                      e:f32[2] = mul a 1.0:f32
                      f:f32[] = add 0.0:f32 -0.0:f32
                      g:f32[2] = add b c
                  in (d, e, f, g, 1:i32) }
                =>
                { lambda a:f32[2] .
                  let b:f32[2] = const [1.0, 2.0]
                      c:f32[2] = mul a 1.0:f32
                      d:f32[] = add 0.0:f32 -0.0:f32
                      e:f32[2] = add b b
                  in (c, c, d, e, 1:i32) }"#]],
        );
    }

    #[test]
    fn large_constants_merge_only_by_entry() {
        let mut g = Graph::new();
        let n = SMALL_CONST_BYTES; // f32: four times the limit
        let big = Value::full(Shape::new(&[n]), DType::F32, crate::Scalar::F32(1.0));
        let a = g.constant(big.clone());
        let b = g.constant(big);
        let c = crate::ConstId::from_u32(0);
        let a2 = g.nodes.push(g.nodes[a].clone());
        assert_eq!(g.nodes[a2].op, Op::Const(c));
        let s = binary(&mut g, BinaryOp::Add, a, b);
        let t = binary(&mut g, BinaryOp::Add, a2, b);
        g.output(s, OutputRole::Result(0));
        g.output(t, OutputRole::Result(1));
        let after = cse(&g);
        crate::verify::verify(&after).unwrap();
        assert_eq!(after.consts.len(), 2);
        assert_eq!(after.len(), 3);
        assert_eq!(after.outputs[0].0, after.outputs[1].0);
    }

    #[test]
    fn parameters_and_distinct_attributes_stay_apart() {
        check(
            |g| {
                let x = arg(g, &[2, 3], DType::I32);
                let y = arg(g, &[2, 3], DType::I32);
                let sx = node(
                    g,
                    Op::Reduce {
                        op: crate::ReduceOp::Sum,
                        axes: crate::Axes::from_slice(&[0]),
                    },
                    &[x],
                );
                let sy = node(
                    g,
                    Op::Reduce {
                        op: crate::ReduceOp::Sum,
                        axes: crate::Axes::from_slice(&[0]),
                    },
                    &[y],
                );
                let s1 = node(
                    g,
                    Op::Reduce {
                        op: crate::ReduceOp::Sum,
                        axes: crate::Axes::from_slice(&[1]),
                    },
                    &[x],
                );
                let m1 = binary(g, BinaryOp::Max, sx, sy);
                let m2 = binary(g, BinaryOp::Max, sy, sx);
                g.output(m1, OutputRole::Result(0));
                g.output(m2, OutputRole::Result(1));
                g.output(s1, OutputRole::Result(2));
            },
            expect![[r#"
                { lambda a:i32[2,3] b:i32[2,3] .
                  let c:i32[3] = reduce_sum[axes=(0,)] a
                      d:i32[3] = reduce_sum[axes=(0,)] b
                      e:i32[2] = reduce_sum[axes=(1,)] a
                      f:i32[3] = max c d
                      g:i32[3] = max d c
                  in (f, g, e) }
                =>
                { lambda a:i32[2,3] b:i32[2,3] .
                  let c:i32[3] = reduce_sum[axes=(0,)] a
                      d:i32[3] = reduce_sum[axes=(0,)] b
                      e:i32[2] = reduce_sum[axes=(1,)] a
                      f:i32[3] = max c d
                      g:i32[3] = max d c
                  in (f, g, e) }"#]],
        );
    }
}
