//! Tests of scheduling: the split of large reductions, reshapes that only
//! split axes, and materialisation of shared values.

use super::fuse;
use super::partition::reshape_blocks;
use super::reductions::split_axis;
use crate::plan::{BufferKind, Step};
use crate::{BinaryOp, DType, Graph, Op, OutputRole, ParamRole, Shape, UnaryOp};

#[test]
fn large_full_reductions_split_at_their_innermost_axis() {
    let mut g = Graph::new();
    let x = g.param(Shape::new(&[512, 1024]), DType::F32, ParamRole::Arg(0));
    let all = [0, 1].into_iter().collect();
    let op = crate::ReduceOp::Sum;
    let s = g.add(Op::Reduce { op, axes: all }, &[x]).unwrap();
    let rows = [1].into_iter().collect();
    let r = g.add(Op::Reduce { op, axes: rows }, &[x]).unwrap();
    g.output(s, OutputRole::Result(0));
    g.output(r, OutputRole::Result(1));
    let plan = fuse(&g);
    let shapes: Vec<(Vec<usize>, Vec<usize>)> = plan
        .kernels()
        .map(|k| {
            let axes = k.reduce.as_ref().unwrap().axes.to_vec();
            (k.shape.to_vec(), axes)
        })
        .collect();
    // The full sum: rows into a temporary, then the 512 row sums; the
    // row sums (512 results) are not split.
    assert_eq!(
        shapes,
        [
            (vec![512, 1024], vec![1]),
            (vec![512], vec![0]),
            (vec![512, 1024], vec![1])
        ],
        "{plan}"
    );
    let small = Shape::new(&[8, 8]);
    let all = [0, 1].into_iter().collect();
    assert_eq!(split_axis(op, &small, &all), None);
    let big = Shape::new(&[512, 1024]);
    let all = [0, 1].into_iter().collect();
    assert_eq!(split_axis(crate::ReduceOp::Prod, &big, &all), None);
}

#[test]
fn reshape_blocks_split_but_never_merge() {
    let s = |d: &[usize]| Shape::new(d);
    assert_eq!(
        reshape_blocks(&s(&[6, 4]), &s(&[2, 3, 1, 4])),
        Some(vec![vec![0, 1], vec![3]])
    );
    assert_eq!(
        reshape_blocks(&s(&[1, 6]), &s(&[6, 1])),
        Some(vec![vec![], vec![0]])
    );
    assert_eq!(reshape_blocks(&s(&[2, 3]), &s(&[6])), None);
    assert_eq!(reshape_blocks(&s(&[4, 3]), &s(&[6, 2])), None);
}

#[test]
fn shared_value_is_materialised_once_and_chains_merge() {
    // e = exp(x) feeds a reduction and an element-wise use: materialised.
    let mut g = Graph::new();
    let x = g.param(Shape::new(&[4, 3]), DType::F32, ParamRole::Arg(0));
    let e = g.add(Op::Unary(UnaryOp::Exp), &[x]).unwrap();
    let s = g
        .add(
            Op::Reduce {
                op: crate::ReduceOp::Sum,
                axes: [0].into_iter().collect(),
            },
            &[e],
        )
        .unwrap();
    let y = g.add(Op::Binary(BinaryOp::Mul), &[e, s]).unwrap();
    g.output(y, OutputRole::Result(0));
    let plan = fuse(&g);
    let kernels: Vec<_> = plan.kernels().collect();
    assert_eq!(kernels.len(), 3, "{plan}");
    assert_eq!(
        plan.buffers
            .iter()
            .filter(|b| matches!(b.kind, BufferKind::Temp(_)))
            .count(),
        2
    );
    // An output read only at its own index by a later kernel merges into it.
    let mut g = Graph::new();
    let x = g.param(Shape::new(&[5]), DType::F32, ParamRole::Arg(0));
    let a = g.add(Op::Unary(UnaryOp::Neg), &[x]).unwrap();
    let b = g.add(Op::Unary(UnaryOp::Abs), &[a]).unwrap();
    g.output(a, OutputRole::Result(0));
    g.output(b, OutputRole::Result(1));
    let plan = fuse(&g);
    assert_eq!(plan.steps.len(), 1, "{plan}");
    let Step::Kernel(k) = &plan.steps[0] else {
        panic!("{plan}")
    };
    assert_eq!(k.stores.len(), 2);
}
