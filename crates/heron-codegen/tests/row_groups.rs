//! Row groups (reduce-then-broadcast chains run block of rows by block of
//! rows) against eval: row-wise softmax and normalisation over shapes that
//! make one block, several blocks with a short last one, and parallel tasks;
//! 3-d arrays; chains of exact ops compared bit for bit; and an output
//! written over its own input (an in-place update).

mod common;

use common::{Rng, Tol, check, check_with};
use heron_codegen::compile;
use heron_ir::{
    BinaryOp, Buffer, DType, Graph, NodeId, Op, OutputRole, ParamRole, ReduceOp, Shape, UnaryOp,
    Value, eval,
};

fn add(g: &mut Graph, op: Op, inputs: &[NodeId]) -> NodeId {
    g.add(op, inputs).expect("valid test graph")
}

/// `reduce(x, axes)` with the reduced axes kept with extent 1.
fn reduce_keep(g: &mut Graph, op: ReduceOp, x: NodeId, axes: &[usize]) -> NodeId {
    let mut dims: Vec<usize> = g.nodes[x].shape.iter().copied().collect();
    let r = add(
        g,
        Op::Reduce {
            op,
            axes: axes.into(),
        },
        &[x],
    );
    for &a in axes {
        dims[a] = 1;
    }
    add(g, Op::Reshape(Shape::new(&dims)), &[r])
}

fn bin(g: &mut Graph, op: BinaryOp, a: NodeId, b: NodeId) -> NodeId {
    add(g, Op::Binary(op), &[a, b])
}

/// Softmax over the trailing `axes` of a parameter of `shape`.
fn softmax(shape: &[usize], axes: &[usize], dtype: DType) -> Graph {
    let mut g = Graph::new();
    let x = g.param(Shape::new(shape), dtype, ParamRole::Arg(0));
    let m = reduce_keep(&mut g, ReduceOp::Max, x, axes);
    let d = bin(&mut g, BinaryOp::Sub, x, m);
    let e = add(&mut g, Op::Unary(UnaryOp::Exp), &[d]);
    let s = reduce_keep(&mut g, ReduceOp::Sum, e, axes);
    let y = bin(&mut g, BinaryOp::Div, e, s);
    g.output(y, OutputRole::Result(0));
    g
}

/// `(x - max(x, 1)) * 3 + min(x, 1)` and `max(x - min(x, 1), 1)`: exact ops
/// only, two outputs.
fn exact_chain(shape: &[usize], dtype: DType) -> Graph {
    let mut g = Graph::new();
    let x = g.param(Shape::new(shape), dtype, ParamRole::Arg(0));
    let three = g.constant(Value::full(
        Shape::new(&[]),
        dtype,
        heron_ir::Scalar::F64(3.0).cast(dtype),
    ));
    let hi = reduce_keep(&mut g, ReduceOp::Max, x, &[1]);
    let lo = reduce_keep(&mut g, ReduceOp::Min, x, &[1]);
    let d = bin(&mut g, BinaryOp::Sub, x, hi);
    let d = bin(&mut g, BinaryOp::Mul, d, three);
    let y = bin(&mut g, BinaryOp::Add, d, lo);
    let z = bin(&mut g, BinaryOp::Sub, x, lo);
    let z = reduce_keep(&mut g, ReduceOp::Max, z, &[1]);
    g.output(y, OutputRole::Result(0));
    g.output(z, OutputRole::Result(1));
    g
}

fn grouped(graph: &Graph) -> bool {
    !compile(graph)
        .expect("compiles")
        .plan()
        .row_groups
        .is_empty()
}

#[test]
fn softmax_matches_eval_in_one_block_many_blocks_and_parallel_tasks() {
    let mut rng = Rng(7);
    // One block; several blocks, the last one short; enough work for
    // parallel tasks; one row (no group).
    for shape in [[3usize, 5], [64, 512], [1000, 77], [1024, 1000], [1, 9]] {
        for dtype in [DType::F32, DType::F64] {
            let g = softmax(&shape, &[1], dtype);
            assert_eq!(grouped(&g), shape[0] > 1, "{shape:?}");
            let x = rng.value(&shape, dtype, false);
            check_with(&g, &[x], Tol::Rel(1e-5));
        }
    }
}

#[test]
fn softmax_over_the_inner_axes_of_a_3d_array_is_grouped_by_its_first_axis() {
    let mut rng = Rng(11);
    for (shape, axes) in [([6usize, 10, 12], &[2usize][..]), ([6, 10, 12], &[1, 2])] {
        let g = softmax(&shape, axes, DType::F32);
        let exe = compile(&g).expect("compiles");
        assert_eq!(exe.plan().row_groups.len(), 1, "{}", exe.plan_text());
        let x = rng.value(&shape, DType::F32, false);
        check_with(&g, &[x], Tol::Rel(1e-5));
    }
}

#[test]
fn exact_chains_are_bit_identical_to_eval() {
    let mut rng = Rng(3);
    for shape in [[2usize, 3], [37, 129], [2048, 300]] {
        for dtype in [DType::F32, DType::I32, DType::F64] {
            let g = exact_chain(&shape, dtype);
            assert!(grouped(&g), "{shape:?} {dtype}");
            check(&g, &[rng.value(&shape, dtype, true)]);
        }
    }
}

#[test]
fn an_output_written_over_its_input_matches_eval() {
    let mut rng = Rng(5);
    let shape = [700usize, 300];
    let g = softmax(&shape, &[1], DType::F32);
    let exe = compile(&g).expect("compiles");
    assert_eq!(exe.aliasable(), &[(0, 0)][..]);
    let x = rng.value(&shape, DType::F32, false);
    let want = eval(&g, std::slice::from_ref(&x)).expect("eval succeeds");
    let mut buf: Buffer = Buffer::clone(x.buf());
    let p = buf.as_mut_ptr();
    // SAFETY: the one parameter and the one output have the same type, and
    // the executable declares the pair aliasable.
    unsafe { exe.run(&[p as *const u8], &[p]).expect("runs") };
    common::assert_close(
        "in-place softmax",
        &Value::new(Shape::new(&shape), buf),
        &want[0],
        Tol::Rel(1e-5),
        &[],
    );
}

#[test]
fn the_plan_prints_its_groups() {
    let exe = compile(&softmax(&[64, 100], &[1], DType::F32)).expect("compiles");
    let text = exe.plan_text();
    assert!(text.contains("rows k0..k3 [64] in blocks of "), "{text}");
}
