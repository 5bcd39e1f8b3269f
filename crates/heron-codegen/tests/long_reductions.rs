//! Whole reductions of long 1-d arrays, which the plan walks as `[n / m, m]`
//! and splits into parallel partial results: against eval for every op and
//! several dtypes, lengths that fold and lengths that do not, and operands
//! computed in the kernel (element-wise producers, a reversed slice).

mod common;

use common::{Rng, Tol, check, check_with};
use heron_codegen::compile;
use heron_ir::{
    AxisSlice, BinaryOp, DType, Graph, NodeId, Op, OutputRole, ParamRole, ReduceOp, Shape, UnaryOp,
};

/// `reduce(producer(x))` over the only axis of an `n`-element parameter.
fn graph(
    n: usize,
    dtype: DType,
    op: ReduceOp,
    producer: impl Fn(&mut Graph, NodeId) -> NodeId,
) -> Graph {
    let mut g = Graph::new();
    let x = g.param(Shape::new(&[n]), dtype, ParamRole::Arg(0));
    let y = producer(&mut g, x);
    let r = g
        .add(
            Op::Reduce {
                op,
                axes: [0].into_iter().collect(),
            },
            &[y],
        )
        .expect("valid reduction");
    g.output(r, OutputRole::Result(0));
    g
}

fn kernels(g: &Graph) -> usize {
    compile(g).expect("compiles").kernels().len()
}

#[test]
fn long_whole_reductions_split_and_match_eval() {
    let mut rng = Rng(17);
    let folds = 1 << 18;
    for n in [folds, 3 << 17, folds + 1, 5 << 20] {
        for (op, dtype) in [
            (ReduceOp::Max, DType::F32),
            (ReduceOp::Min, DType::F64),
            (ReduceOp::Sum, DType::I32),
            (ReduceOp::Max, DType::I32),
            (ReduceOp::Any, DType::Bool),
            (ReduceOp::All, DType::Bool),
        ] {
            let g = graph(n, dtype, op, |_, x| x);
            let split = n % 64 == 0;
            assert_eq!(kernels(&g), if split { 2 } else { 1 }, "{op:?} of {n}");
            check(&g, &[rng.value(&[n], dtype, true)]);
        }
        // Float sums: one more rounding per partial, within the sum bound
        // (of magnitudes: the terms are made positive, so nothing cancels).
        let g = graph(n, DType::F32, ReduceOp::Sum, |g, x| {
            g.add(Op::Unary(UnaryOp::Abs), &[x]).expect("abs")
        });
        let x = rng.value(&[n], DType::F32, false);
        check_with(&g, &[x], Tol::Rel(1e-6));
    }
}

#[test]
fn producers_fused_into_a_split_reduction_index_the_same_elements() {
    let mut rng = Rng(23);
    let n = 3 << 18;
    // max(-x * 2) and max of x reversed (a negative coefficient).
    let scaled = graph(n, DType::F32, ReduceOp::Max, |g, x| {
        let neg = g.add(Op::Unary(UnaryOp::Neg), &[x]).expect("neg");
        g.add(Op::Binary(BinaryOp::Add), &[neg, neg]).expect("add")
    });
    let reversed = graph(n, DType::I32, ReduceOp::Sum, |g, x| {
        let spec = [AxisSlice {
            start: n - 1,
            step: -1,
            len: n,
        }];
        g.add(Op::Slice(spec.into_iter().collect()), &[x])
            .expect("reverse")
    });
    for (g, dtype) in [(scaled, DType::F32), (reversed, DType::I32)] {
        assert_eq!(kernels(&g), 2);
        check(&g, &[rng.value(&[n], dtype, true)]);
    }
}

#[test]
fn a_split_f32_sum_still_rounds_once() {
    // 1 + k·2^-20: a partial sum of thousands of these needs more bits than
    // an f32 holds, while every total is exact in f64.
    for dims in [vec![1usize << 20], vec![1024, 1024]] {
        let n: usize = dims.iter().product();
        let data: Vec<f32> = (0..n)
            .map(|i| 1.0 + ((i * 7919) % 7) as f32 * 2f32.powi(-20))
            .collect();
        let exact: f64 = data.iter().map(|&x| x as f64).sum();
        let mut g = Graph::new();
        let x = g.param(Shape::new(&dims), DType::F32, ParamRole::Arg(0));
        let all: heron_ir::Axes = (0..dims.len()).collect();
        let s = g
            .add(
                Op::Reduce {
                    op: ReduceOp::Sum,
                    axes: all,
                },
                &[x],
            )
            .expect("valid reduction");
        g.output(s, OutputRole::Result(0));
        assert_eq!(kernels(&g), 2, "{dims:?} is split");
        // The first stage runs vectorised (pairs of f32 widened to f64x2)
        // although it stores f64 partials.
        let clif = compile(&g).expect("compiles").clif_text();
        assert!(
            clif.contains("fvpromote_low"),
            "{dims:?}: not vectorised\n{clif}"
        );
        let value = heron_ir::Value::from_slice(Shape::new(&dims), &data);
        let got = common::run_compiled(&g, &[value]);
        assert_eq!(
            got[0].buf().as_slice::<f32>()[0].to_bits(),
            (exact as f32).to_bits(),
            "{dims:?}: the correctly rounded total {}",
            exact as f32
        );
    }
}
