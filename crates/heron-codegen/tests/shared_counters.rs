//! Differential tests of the loop bookkeeping: accesses at one index of
//! several buffers, or at constant distances from each other (a stencil of
//! shifted slices), share one offset counter with the distance folded into
//! the loads' immediates; loads of buffers the kernel never writes
//! (broadcast rows and columns) are constant memory, merged and hoisted by
//! Cranelift. Every result must equal `eval`'s bit for bit, over launches
//! split into chunks that start mid-row.

mod common;

use common::{Rng, check};
use heron_ir::{AxisSlice, BinaryOp, DType, Graph, NodeId, Op, OutputRole, ParamRole, Shape};

fn s(start: usize, len: usize) -> AxisSlice {
    AxisSlice {
        start,
        step: 1,
        len,
    }
}

fn bin(g: &mut Graph, op: BinaryOp, a: NodeId, b: NodeId) -> NodeId {
    g.add(Op::Binary(op), &[a, b]).unwrap()
}

/// `x[:, 0:n-2] + 2·x[:, 1:n-1] - x[:, 2:n]` over rows of `x`: three loads
/// of one buffer whose offsets differ by one and two elements.
fn stencil(rows: usize, cols: usize, dtype: DType) {
    let mut g = Graph::new();
    let x = g.param(Shape::new(&[rows, cols]), dtype, ParamRole::Arg(0));
    let shifted = |g: &mut Graph, k: usize| {
        g.add(
            Op::Slice([s(0, rows), s(k, cols - 2)].into_iter().collect()),
            &[x],
        )
        .unwrap()
    };
    let (l, c, r) = (shifted(&mut g, 0), shifted(&mut g, 1), shifted(&mut g, 2));
    let c2 = bin(&mut g, BinaryOp::Add, c, c);
    let sum = bin(&mut g, BinaryOp::Add, l, c2);
    let out = bin(&mut g, BinaryOp::Sub, sum, r);
    g.output(out, OutputRole::Result(0));
    check(&g, &[Rng(7).value(&[rows, cols], dtype, false)]);
}

#[test]
fn stencil_of_shifted_slices_f32() {
    stencil(5, 37, DType::F32);
}

#[test]
fn stencil_of_shifted_slices_f64_and_i32() {
    stencil(3, 19, DType::F64);
    stencil(4, 23, DType::I32);
}

#[test]
fn stencil_over_a_split_launch() {
    // 300 × 1001 elements: enough work for a parallel launch whose chunks
    // start in the middle of rows.
    stencil(300, 1001, DType::F32);
}

/// `(x - col[c]) / row[r]` and `x * row[r]` stored to two outputs:
/// a row-wise and a column-wise broadcast next to contiguous accesses.
fn broadcasts(rows: usize, cols: usize) {
    let mut g = Graph::new();
    let x = g.param(Shape::new(&[rows, cols]), DType::F32, ParamRole::Arg(0));
    let row = g.param(Shape::new(&[rows, 1]), DType::F32, ParamRole::Arg(1));
    let col = g.param(Shape::new(&[cols]), DType::F32, ParamRole::Arg(2));
    let d = bin(&mut g, BinaryOp::Sub, x, col);
    let q = bin(&mut g, BinaryOp::Div, d, row);
    let p = bin(&mut g, BinaryOp::Mul, x, row);
    g.output(q, OutputRole::Result(0));
    g.output(p, OutputRole::Result(1));
    let mut rng = Rng(11);
    check(
        &g,
        &[
            rng.value(&[rows, cols], DType::F32, false),
            rng.value(&[rows, 1], DType::F32, false),
            rng.value(&[cols], DType::F32, false),
        ],
    );
}

#[test]
fn row_and_column_broadcasts() {
    broadcasts(6, 45);
    broadcasts(9, 3);
}

#[test]
fn row_and_column_broadcasts_over_a_split_launch() {
    broadcasts(257, 1031);
}

#[test]
fn bool_and_float_accesses_at_one_index() {
    // A bool mask (1-byte elements) and f32 values at the same index: one
    // counter, two element sizes.
    let mut g = Graph::new();
    let x = g.param(Shape::new(&[3, 50]), DType::F32, ParamRole::Arg(0));
    let m = g.param(Shape::new(&[3, 50]), DType::Bool, ParamRole::Arg(1));
    let y = g.param(Shape::new(&[3, 50]), DType::F32, ParamRole::Arg(2));
    let w = g.add(Op::Select, &[m, x, y]).unwrap();
    let gt = bin(&mut g, BinaryOp::Gt, x, y);
    g.output(w, OutputRole::Result(0));
    g.output(gt, OutputRole::Result(1));
    let mut rng = Rng(5);
    check(
        &g,
        &[
            rng.value(&[3, 50], DType::F32, false),
            rng.value(&[3, 50], DType::Bool, false),
            rng.value(&[3, 50], DType::F32, false),
        ],
    );
}
