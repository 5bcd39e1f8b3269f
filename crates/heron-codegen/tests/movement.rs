//! Differential tests of fused movement ops: broadcasts, strided slices with
//! negative steps, permutes, reshapes (split and merge), chains of them, and
//! set_slice.

mod common;

use common::{Rng, check};
use heron_ir::{
    AxisSlice, BinaryOp, DType, Graph, NodeId, Op, OutputRole, ParamRole, Shape, UnaryOp,
};

fn s(start: usize, len: usize, step: isize) -> AxisSlice {
    AxisSlice { start, step, len }
}

fn graph1(shape: &[usize], dtype: DType) -> (Graph, NodeId) {
    let mut g = Graph::new();
    let x = g.param(Shape::new(shape), dtype, ParamRole::Arg(0));
    (g, x)
}

#[test]
fn slices_with_negative_steps_then_math() {
    let (mut g, x) = graph1(&[7, 6], DType::F32);
    let sl = g
        .add(
            Op::Slice([s(6, 3, -2), s(1, 3, 2)].into_iter().collect()),
            &[x],
        )
        .unwrap();
    let e = g.add(Op::Unary(UnaryOp::Neg), &[sl]).unwrap();
    g.output(e, OutputRole::Result(0));
    check(&g, &[Rng(1).value(&[7, 6], DType::F32, false)]);
}

#[test]
fn permute_then_add_with_broadcast() {
    let mut g = Graph::new();
    let x = g.param(Shape::new(&[2, 3, 4]), DType::I32, ParamRole::Arg(0));
    let y = g.param(Shape::new(&[2]), DType::I32, ParamRole::Arg(1));
    let p = g
        .add(Op::Permute([2, 1, 0].into_iter().collect()), &[x])
        .unwrap();
    let a = g.add(Op::Binary(BinaryOp::Add), &[p, y]).unwrap();
    g.output(a, OutputRole::Result(0));
    let mut r = Rng(2);
    check(
        &g,
        &[
            r.value(&[2, 3, 4], DType::I32, false),
            r.value(&[2], DType::I32, false),
        ],
    );
}

#[test]
fn broadcast_to_of_a_column() {
    let (mut g, x) = graph1(&[3, 1], DType::F64);
    let b = g
        .add(Op::BroadcastTo(Shape::new(&[2, 3, 5])), &[x])
        .unwrap();
    let m = g.add(Op::Binary(BinaryOp::Mul), &[b, b]).unwrap();
    g.output(m, OutputRole::Result(0));
    check(&g, &[Rng(3).value(&[3, 1], DType::F64, false)]);
}

#[test]
fn reshape_that_splits_axes_of_a_computed_value() {
    let (mut g, x) = graph1(&[6, 4], DType::F32);
    let e = g.add(Op::Unary(UnaryOp::Abs), &[x]).unwrap();
    let r = g.add(Op::Reshape(Shape::new(&[2, 3, 1, 4])), &[e]).unwrap();
    let p = g
        .add(Op::Permute([3, 2, 1, 0].into_iter().collect()), &[r])
        .unwrap();
    g.output(p, OutputRole::Result(0));
    check(&g, &[Rng(4).value(&[6, 4], DType::F32, false)]);
}

#[test]
fn reshape_that_merges_axes_of_a_transposed_value() {
    let (mut g, x) = graph1(&[3, 4], DType::F32);
    let t = g
        .add(Op::Permute([1, 0].into_iter().collect()), &[x])
        .unwrap();
    let e = g.add(Op::Unary(UnaryOp::Neg), &[t]).unwrap();
    let r = g.add(Op::Reshape(Shape::new(&[12])), &[e]).unwrap();
    let y = g.add(Op::Unary(UnaryOp::Abs), &[r]).unwrap();
    g.output(y, OutputRole::Result(0));
    check(&g, &[Rng(5).value(&[3, 4], DType::F32, false)]);
}

#[test]
fn reshape_of_a_parameter_reads_it_flat() {
    let (mut g, x) = graph1(&[2, 6], DType::I64);
    let r = g.add(Op::Reshape(Shape::new(&[4, 3])), &[x]).unwrap();
    let sl = g
        .add(
            Op::Slice([s(3, 4, -1), s(0, 2, 2)].into_iter().collect()),
            &[r],
        )
        .unwrap();
    g.output(sl, OutputRole::Result(0));
    check(&g, &[Rng(6).value(&[2, 6], DType::I64, false)]);
}

#[test]
fn set_slice_with_steps_and_a_broadcast_value() {
    let mut g = Graph::new();
    let x = g.param(Shape::new(&[5, 6]), DType::F32, ParamRole::Arg(0));
    let v = g.param(Shape::new(&[3]), DType::I32, ParamRole::Arg(1));
    let vf = g.add(Op::Cast(DType::F32), &[v]).unwrap();
    let x2 = g.add(Op::Unary(UnaryOp::Neg), &[x]).unwrap();
    let spec = [s(4, 2, -3), s(5, 3, -2)].into_iter().collect();
    let out = g.add(Op::SetSlice(spec), &[x2, vf]).unwrap();
    g.output(out, OutputRole::Result(0));
    let mut r = Rng(7);
    check(
        &g,
        &[
            r.value(&[5, 6], DType::F32, false),
            r.value(&[3], DType::I32, false),
        ],
    );
}

#[test]
fn zero_size_and_zero_d_arrays() {
    let mut g = Graph::new();
    let x = g.param(Shape::new(&[0, 3]), DType::F32, ParamRole::Arg(0));
    let y = g.param(Shape::new(&[]), DType::F32, ParamRole::Arg(1));
    let a = g.add(Op::Binary(BinaryOp::Add), &[x, y]).unwrap();
    let b = g.add(Op::Unary(UnaryOp::Exp), &[y]).unwrap();
    g.output(a, OutputRole::Result(0));
    g.output(b, OutputRole::Result(1));
    let mut r = Rng(8);
    check(
        &g,
        &[
            r.value(&[0, 3], DType::F32, false),
            r.value(&[], DType::F32, false),
        ],
    );
}
