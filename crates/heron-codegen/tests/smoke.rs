//! The smallest end-to-end checks: one add, one broadcast, one reduction.

mod common;

use common::{Rng, check};
use heron_ir::{BinaryOp, DType, Graph, Op, OutputRole, ParamRole, Shape};

#[test]
fn add_two_arrays() {
    let mut g = Graph::new();
    let a = g.param(Shape::new(&[5, 3]), DType::F32, ParamRole::Arg(0));
    let b = g.param(Shape::new(&[3]), DType::F32, ParamRole::Arg(1));
    let c = g.add(Op::Binary(BinaryOp::Add), &[a, b]).unwrap();
    g.output(c, OutputRole::Result(0));
    let mut r = Rng(1);
    check(
        &g,
        &[
            r.value(&[5, 3], DType::F32, false),
            r.value(&[3], DType::F32, false),
        ],
    );
}
