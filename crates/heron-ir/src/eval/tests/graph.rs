//! `eval` on whole graphs: parameters and constants bound, operands flowing
//! between nodes, errors from parameters and from data, and `random_bits`.

use super::{show, val};
use crate::{
    BinaryOp, DType, Error, Graph, Op, OutputRole, ParamRole, ReduceOp, Shape, UnaryOp, eval,
    eval_op,
};

#[test]
fn evaluates_a_graph_in_order() {
    let mut g = Graph::new();
    let x = g.param(Shape::new(&[2, 3]), DType::F32, ParamRole::Arg(0));
    let c = g.constant(val(&[3], &[1.0f32, 2.0, 3.0]));
    let y = g.add(Op::Binary(BinaryOp::Mul), &[x, c]).unwrap();
    let z = g.add(Op::Unary(UnaryOp::Neg), &[y]).unwrap();
    // A node nobody uses and a node using one operand twice.
    g.add(Op::Unary(UnaryOp::Exp), &[z]).unwrap();
    let sq = g.add(Op::Binary(BinaryOp::Mul), &[z, z]).unwrap();
    let s = g
        .add(
            Op::Reduce {
                op: ReduceOp::Sum,
                axes: [1].into_iter().collect(),
            },
            &[z],
        )
        .unwrap();
    g.output(s, OutputRole::Result(0));
    g.output(y, OutputRole::VarWrite(0));
    g.output(sq, OutputRole::Result(1));
    let input = val(&[2, 3], &[1.0f32, 1.0, 1.0, 0.0, 1.0, 2.0]);
    let out = eval(&g, &[input]).unwrap();
    let shown: Vec<String> = out.iter().map(show).collect();
    assert_eq!(
        shown,
        [
            "f32[2] [-6.0, -8.0]",
            "f32[2, 3] [1.0, 2.0, 3.0, 0.0, 2.0, 6.0]",
            "f32[2, 3] [1.0, 4.0, 9.0, 0.0, 4.0, 36.0]",
        ]
    );
}

#[test]
fn reports_bad_parameters_and_data_errors() {
    let mut g = Graph::new();
    let x = g.param(Shape::new(&[4]), DType::F32, ParamRole::Arg(0));
    let i = g.param(Shape::new(&[1]), DType::I32, ParamRole::Arg(1));
    let t = g.add(Op::Take { axis: 0 }, &[x, i]).unwrap();
    g.output(t, OutputRole::Result(0));
    let xs = val(&[4], &[1.0f32, 2.0, 3.0, 4.0]);
    let cases: &[(Vec<crate::Value>, &str)] = &[
        (
            vec![xs.clone()],
            "eval: graph has 2 parameters, got 1 values",
        ),
        (
            vec![val(&[4], &[1i32, 2, 3, 4]), val(&[1], &[0i32])],
            "eval: parameter 0 is i32[4], the graph expects f32[4]",
        ),
        (
            vec![xs.clone(), val(&[1], &[4i32])],
            "take: index 4 is out of bounds for axis 0 with size 4",
        ),
    ];
    for (params, want) in cases {
        assert_eq!(eval(&g, params).unwrap_err().to_string(), *want);
    }
    let ok = eval(&g, &[xs, val(&[1], &[-1i32])]).unwrap();
    assert_eq!(show(&ok[0]), "f32[1] [4.0]");
}

#[test]
fn eval_op_checks_the_declared_result_type() {
    let a = val(&[2], &[1i32, 2]);
    let err = eval_op(
        &Op::Binary(BinaryOp::Add),
        &[&a, &a],
        &Shape::new(&[3]),
        DType::I32,
    );
    assert_eq!(
        err.unwrap_err().to_string(),
        "add: operands give a i32[2] result, the node expects i32[3]"
    );
    let leaf = eval_op(&Op::Param(0), &[], &Shape::scalar(), DType::F32).unwrap_err();
    assert!(
        matches!(leaf, Error::Invalid { ref op, .. } if op == "param"),
        "{leaf}"
    );
}

#[test]
fn random_bits_come_from_threefry() {
    let key = val(&[2], &[0u32, 42]);
    for dtype in [DType::U32, DType::I64] {
        let shape = Shape::new(&[2, 3]);
        let op = Op::RandomBits {
            shape: shape.clone(),
            dtype,
            partitionable: true,
        };
        let bits = eval_op(&op, &[&key], &shape, dtype).unwrap();
        let want = crate::threefry::random_bits([0, 42], &shape, dtype);
        assert_eq!((bits.dtype(), &bits.shape), (dtype, &shape));
        assert_eq!(bits.buf.bytes(), want.bytes());
        assert!(
            bits.buf.bytes().iter().any(|&b| b != 0),
            "bits are not all zero"
        );
    }
    let empty = Op::RandomBits {
        shape: Shape::new(&[0]),
        dtype: DType::U32,
        partitionable: true,
    };
    let bits = eval_op(&empty, &[&key], &Shape::new(&[0]), DType::U32).unwrap();
    assert_eq!(show(&bits), "u32[0] []");
}
