//! Constant folding: a node whose operands are all constants is evaluated
//! once, here, by the reference interpreter (`eval_op`), and replaced by a
//! constant holding its value. Folds cascade: a folded node is a constant to
//! its users.
//!
//! What is not folded:
//! - `random_bits`: its constant key is usually a seed, and drawing millions
//!   of bits at compile time into a constant only moves the work to a load.
//! - Nodes whose result is larger than their largest operand and than
//!   `SMALL_RESULT` elements: folding `broadcast_to` of a scalar into a 64 MiB
//!   constant would trade a free broadcast for memory traffic.
//! - Nodes `eval_op` does not evaluate (it returns an error, for an op it
//!   does not handle or operands it rejects, such as an out-of-range `take`):
//!   they stay as they are, so the error, if any, surfaces when the graph
//!   runs. The pass itself never fails.
//!
//! Guarantees: the same outputs, of the same types; every folded value has
//! exactly the shape and dtype of the node it replaces. The operands of
//! folded nodes stay in the graph (dead code for `dce` to remove).

use super::rewrite::Rebuild;
use crate::{DType, Graph, Node, Op, Result, Shape, Value, eval_op};

/// Results up to this many elements are folded even when they are larger
/// than every operand.
pub const SMALL_RESULT: usize = 16;

/// The graph with every foldable node replaced by its value.
pub fn fold(graph: &Graph) -> Graph {
    fold_with(graph, eval_op)
}

/// `fold`, evaluating nodes with `eval` instead of `eval_op`.
fn fold_with(
    graph: &Graph,
    eval: impl Fn(&Op, &[&Value], &Shape, DType) -> Result<Value>,
) -> Graph {
    let mut rebuild = Rebuild::new(graph);
    for (id, node) in rebuild.body() {
        match evaluate(&rebuild, node, &eval) {
            Some(value) => {
                let new = rebuild.constant(value);
                rebuild.set(id, new);
            }
            None => {
                rebuild.copy(id);
            }
        }
    }
    rebuild.finish()
}

/// The value of `node` if it is worth folding and can be evaluated.
fn evaluate(
    rebuild: &Rebuild<'_>,
    node: &Node,
    eval: &impl Fn(&Op, &[&Value], &Shape, DType) -> Result<Value>,
) -> Option<Value> {
    if node.op.is_leaf() || matches!(node.op, Op::RandomBits { .. }) {
        return None;
    }
    let operands: Option<Vec<&Value>> = node
        .inputs
        .iter()
        .map(|&i| rebuild.new.const_value(rebuild.get(i)))
        .collect();
    let operands = operands?;
    let largest = operands.iter().map(|v| v.shape.size()).max().unwrap_or(0);
    let size = node.shape.size();
    if size > largest.max(SMALL_RESULT) {
        return None;
    }
    let value = eval(&node.op, &operands, &node.shape, node.dtype).ok()?;
    let fits = value.shape == node.shape && value.dtype() == node.dtype && value.buf.len() == size;
    fits.then_some(value)
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::{BinaryOp, Error, OutputRole, Scalar, UnaryOp};
    use expect_test::{Expect, expect};

    fn check(build: impl FnOnce(&mut Graph), expect: Expect) {
        check_pass(build, |g| Ok(fold(g)), expect);
    }

    /// An evaluator of `add` and `neg` on f32 only, to test the pass
    /// independently of the interpreter's coverage.
    fn add_and_neg(op: &Op, xs: &[&Value], shape: &Shape, dtype: DType) -> Result<Value> {
        let get = |v: &Value, i: usize| {
            let k = if v.shape.size() == 1 { 0 } else { i };
            v.as_slice::<f32>()[k]
        };
        let data: Vec<f32> = match op {
            Op::Binary(BinaryOp::Add) => (0..shape.size())
                .map(|i| get(xs[0], i) + get(xs[1], i))
                .collect(),
            Op::Unary(UnaryOp::Neg) => (0..shape.size()).map(|i| -get(xs[0], i)).collect(),
            _ => return Err(Error::invalid(op.name(), "not evaluated")),
        };
        assert_eq!(dtype, DType::F32);
        Ok(Value::from_slice(shape.clone(), &data))
    }

    #[test]
    fn folds_what_the_evaluator_knows_and_keeps_the_rest() {
        let mut g = Graph::new();
        let x = arg(&mut g, &[3], DType::F32);
        let one = scalar(&mut g, 1.0f32);
        let v = vector(&mut g, &[1.0f32, 2.0, 3.0]);
        let s = binary(&mut g, BinaryOp::Add, one, v);
        let n = unary(&mut g, UnaryOp::Neg, s);
        let e = unary(&mut g, UnaryOp::Exp, n);
        let y = binary(&mut g, BinaryOp::Add, x, e);
        g.output(y, OutputRole::Result(0));
        let after = super::super::dce::dce(&fold_with(&g, add_and_neg));
        expect![[r#"
            { lambda a:f32[3] .
              let b:f32[3] = const [-2.0, -3.0, -4.0]
                  c:f32[3] = exp b
                  d:f32[3] = add a c
              in (d) }"#]]
        .assert_eq(&after.to_text());
    }

    #[test]
    fn never_folds_large_results_of_small_operands() {
        let mut g = Graph::new();
        let one = scalar(&mut g, 1.0f32);
        let big = node(
            &mut g,
            Op::BroadcastTo(Shape::new(&[SMALL_RESULT + 1])),
            &[one],
        );
        let small = node(&mut g, Op::BroadcastTo(Shape::new(&[SMALL_RESULT])), &[one]);
        g.output(big, OutputRole::Result(0));
        g.output(small, OutputRole::Result(1));
        let splat = |_: &Op, _: &[&Value], shape: &Shape, dtype: DType| {
            Ok(Value::full(shape.clone(), dtype, Scalar::F32(1.0)))
        };
        let after = fold_with(&g, splat);
        assert!(after.const_value(after.outputs[0].0).is_none());
        assert!(after.const_value(after.outputs[1].0).is_some());
    }

    #[test]
    fn never_folds_random_bits_nor_trusts_a_wrong_result() {
        let mut g = Graph::new();
        let key = vector(&mut g, &[0u32, 42]);
        let bits = node(
            &mut g,
            Op::RandomBits {
                shape: Shape::new(&[2]),
                dtype: DType::U32,
                partitionable: true,
            },
            &[key],
        );
        let k2 = unary(&mut g, UnaryOp::Not, key);
        g.output(bits, OutputRole::Result(0));
        g.output(k2, OutputRole::Result(1));
        let wrong = |_: &Op, _: &[&Value], _: &Shape, _: DType| Ok(Value::scalar(Scalar::F32(0.0)));
        let after = fold_with(&g, wrong);
        crate::verify::verify(&after).unwrap();
        assert_eq!(after.to_text(), g.to_text());
    }

    #[test]
    fn folds_through_the_interpreter() {
        check(
            |g| {
                let x = arg(g, &[2], DType::I32);
                let a = vector(g, &[3i32, -4]);
                let b = scalar(g, 2i32);
                let m = binary(g, BinaryOp::Mul, a, b);
                let c = node(g, Op::Cast(DType::F32), &[m]);
                let r = node(g, Op::Reshape(Shape::new(&[2, 1])), &[c]);
                let y = binary(g, BinaryOp::Add, x, m);
                g.output(y, OutputRole::Result(0));
                g.output(r, OutputRole::Result(1));
            },
            expect![[r#"
                { lambda a:i32[2] .
                  let b:i32[2] = const [3, -4]
                      c:i32[2] = mul b 2:i32
                      d:f32[2] = convert[f32] c
                      e:f32[2,1] = reshape[shape=(2,1)] d
                      f:i32[2] = add a c
                  in (f, e) }
                =>
                { lambda a:i32[2] .
                  let b:i32[2] = const [3, -4]
                      c:i32[2] = const [6, -8]
                      d:f32[2] = const [6.0, -8.0]
                      e:f32[2,1] = const [6.0, -8.0]
                      f:i32[2] = add a c
                  in (f, e) }"#]],
        );
    }
}
