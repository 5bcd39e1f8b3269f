//! The reciprocal of constant divisors: a float division by a constant
//! whose elements are all equal, `x / c`, becomes `x * (1/c)` when `1/c` is
//! a normal float. A multiplication has several times the throughput of a
//! division; the result may differ from the division by one rounding (it is
//! exact when `c` is a power of two).

use super::super::rewrite::Rebuild;
use crate::{BinaryOp, Graph, Inputs, NodeId, Op, Scalar, Value};

/// `graph` with every float division by a splat constant whose reciprocal
/// is normal turned into a multiplication by that reciprocal.
pub fn reciprocal(graph: &Graph) -> Graph {
    let mut rb = Rebuild::new(graph);
    for (id, node) in rb.body() {
        let reciprocal = match node.op {
            Op::Binary(BinaryOp::Div) if node.dtype.is_float() => {
                let (x, c) = (rb.get(node.inputs[0]), rb.get(node.inputs[1]));
                (rb.new.nodes[x].shape == node.shape)
                    .then(|| splat_reciprocal(&rb, c))
                    .flatten()
                    .map(|r| (x, r))
            }
            _ => None,
        };
        match reciprocal {
            Some((x, r)) => {
                let r = rb.constant(Value::scalar(r));
                let inputs = Inputs::from_slice(&[x, r]);
                let new = rb.push(
                    Op::Binary(BinaryOp::Mul),
                    inputs,
                    node.shape.clone(),
                    node.dtype,
                );
                rb.set(id, new);
            }
            None => {
                rb.copy(id);
            }
        }
    }
    rb.finish()
}

/// `1/c` for a constant node `c` of the new graph whose elements all have
/// the same bits, when that reciprocal is a normal float.
fn splat_reciprocal(rb: &Rebuild<'_>, c: NodeId) -> Option<Scalar> {
    match splat(&rb.new, c)? {
        Scalar::F32(c) if (1.0 / c).is_normal() => Some(Scalar::F32(1.0 / c)),
        Scalar::F64(c) if (1.0 / c).is_normal() => Some(Scalar::F64(1.0 / c)),
        _ => None,
    }
}

/// The one value of constant node `c` of `graph` when all its elements have
/// the same bits.
pub(super) fn splat(graph: &Graph, c: NodeId) -> Option<Scalar> {
    let value = graph.const_value(c)?;
    let width = value.dtype().size();
    let bytes = value.buf.bytes();
    let first = bytes.get(..width)?;
    if !bytes.chunks_exact(width).all(|b| b == first) {
        return None;
    }
    Some(value.buf.get(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DType, OutputRole, ParamRole, Shape, eval};

    #[test]
    fn constant_divisors_become_reciprocal_multiplications() {
        let mut g = Graph::new();
        let x = g.param(Shape::new(&[4]), DType::F32, ParamRole::Arg(0));
        let tau = g.constant(Value::scalar(Scalar::F32(10.0)));
        let d = g.add(Op::Binary(BinaryOp::Div), &[x, tau]).unwrap();
        let zero = g.constant(Value::scalar(Scalar::F32(0.0)));
        let z = g.add(Op::Binary(BinaryOp::Div), &[x, zero]).unwrap();
        let ints = g.add(Op::Cast(DType::I32), &[x]).unwrap();
        let two = g.constant(Value::scalar(Scalar::I32(2)));
        let q = g.add(Op::Binary(BinaryOp::Div), &[ints, two]).unwrap();
        g.output(d, OutputRole::Result(0));
        g.output(z, OutputRole::Result(1));
        g.output(q, OutputRole::Result(2));
        let fast = reciprocal(&g);
        crate::verify::verify(&fast).unwrap();
        let ops: Vec<String> = fast
            .outputs
            .iter()
            .map(|&(n, _)| fast.nodes[n].op.to_string())
            .collect();
        // x / 10 → x * 0.1; x / 0 and integer division stay divisions.
        assert_eq!(ops, ["mul", "div", "div"]);
        let input = Value::from_slice(Shape::new(&[4]), &[1.0f32, -3.0, 7.5, 1e30]);
        let (want, got) = (
            eval(&g, std::slice::from_ref(&input)).unwrap(),
            eval(&fast, &[input]).unwrap(),
        );
        for (a, b) in want[0]
            .as_slice::<f32>()
            .iter()
            .zip(got[0].as_slice::<f32>())
        {
            assert!((a - b).abs() <= 1.2e-7 * a.abs(), "{a} vs {b}");
        }
        assert_eq!(want[2].as_slice::<i32>(), got[2].as_slice::<i32>());
    }
}
