//! Launches large enough to be split into chunks on rayon's pool, and
//! vectorised reductions over rows and columns: results must match eval
//! exactly (element-wise, max, min, integer sums), float sums within the
//! reduction tolerance and the same bits on every run (chunks never split
//! one output element).

mod common;

use common::{Rng, check, run_compiled};
use heron_ir::{Axes, BinaryOp, DType, Graph, Op, OutputRole, ParamRole, ReduceOp, Shape, UnaryOp};

/// `((x * y) + x) / (|y| + 1)` over `shape` (y broadcast from `yshape`).
fn chain(shape: &[usize], yshape: &[usize], dtype: DType) -> Graph {
    let mut g = Graph::new();
    let x = g.param(Shape::new(shape), dtype, ParamRole::Arg(0));
    let y = g.param(Shape::new(yshape), dtype, ParamRole::Arg(1));
    let m = g.add(Op::Binary(BinaryOp::Mul), &[x, y]).unwrap();
    let a = g.add(Op::Binary(BinaryOp::Add), &[m, x]).unwrap();
    let ya = g.add(Op::Unary(UnaryOp::Abs), &[y]).unwrap();
    let one = g.constant(heron_ir::Value::scalar(heron_ir::Scalar::one(dtype)));
    let d = g.add(Op::Binary(BinaryOp::Add), &[ya, one]).unwrap();
    let q = g.add(Op::Binary(BinaryOp::Div), &[a, d]).unwrap();
    let s = g.add(Op::Binary(BinaryOp::Gt), &[q, x]).unwrap();
    g.output(q, OutputRole::Result(0));
    g.output(s, OutputRole::Result(1));
    g
}

#[test]
fn large_elementwise_launches_match_eval() {
    let mut rng = Rng(3);
    for (shape, yshape, dtype) in [
        (vec![1 << 20], vec![1 << 20], DType::F32),
        (vec![1000, 1001], vec![1001], DType::F32),
        (vec![700, 513], vec![700, 1], DType::F64),
    ] {
        let g = chain(&shape, &yshape, dtype);
        check(
            &g,
            &[
                rng.value(&shape, dtype, true),
                rng.value(&yshape, dtype, true),
            ],
        );
    }
}

#[test]
fn large_row_reductions_match_eval_and_repeat_exactly() {
    let mut rng = Rng(5);
    for (op, dtype) in [
        (ReduceOp::Max, DType::F32),
        (ReduceOp::Sum, DType::I32),
        (ReduceOp::Sum, DType::F32),
    ] {
        let mut g = Graph::new();
        let x = g.param(Shape::new(&[3000, 301]), dtype, ParamRole::Arg(0));
        let axes: Axes = [1].into_iter().collect();
        let r = g.add(Op::Reduce { op, axes }, &[x]).unwrap();
        g.output(r, OutputRole::Result(0));
        let data = rng.value(&[3000, 301], dtype, false);
        if op == ReduceOp::Sum && dtype.is_float() {
            let a = run_compiled(&g, std::slice::from_ref(&data));
            let b = run_compiled(&g, std::slice::from_ref(&data));
            assert_eq!(
                a[0].buf().bytes(),
                b[0].buf().bytes(),
                "sums repeat bit for bit"
            );
            let want = heron_ir::eval(&g, std::slice::from_ref(&data)).unwrap();
            let rows = data.as_slice::<f32>().chunks(301);
            let got = a[0].as_slice::<f32>().iter();
            for ((p, q), row) in got.zip(want[0].as_slice::<f32>()).zip(rows) {
                // Relative to the sum of magnitudes, as the reduction tests.
                let scale: f32 = row.iter().map(|x| x.abs()).sum();
                assert!((p - q).abs() <= 1e-5 * scale.max(1e-30), "{p} vs {q}");
            }
        } else {
            check(&g, &[data]);
        }
    }
}

#[test]
fn column_reductions_match_eval() {
    let mut rng = Rng(9);
    for (dims, dtype) in [
        (vec![37usize, 13], DType::F32),
        (vec![5, 301, 67], DType::F64),
        (vec![1500, 257], DType::F32),
    ] {
        for op in [ReduceOp::Max, ReduceOp::Min, ReduceOp::Sum] {
            let mut g = Graph::new();
            let x = g.param(Shape::new(&dims), dtype, ParamRole::Arg(0));
            let axes: Axes = [dims.len() - 2].into_iter().collect();
            let r = g.add(Op::Reduce { op, axes }, &[x]).unwrap();
            g.output(r, OutputRole::Result(0));
            let data = rng.value(&dims, dtype, op != ReduceOp::Sum);
            if op != ReduceOp::Sum {
                check(&g, &[data]);
                continue;
            }
            let got = run_compiled(&g, std::slice::from_ref(&data));
            let want = heron_ir::eval(&g, std::slice::from_ref(&data)).unwrap();
            let scale_graph = {
                let mut g = Graph::new();
                let x = g.param(Shape::new(&dims), dtype, ParamRole::Arg(0));
                let a = g.add(Op::Unary(UnaryOp::Abs), &[x]).unwrap();
                let axes: Axes = [dims.len() - 2].into_iter().collect();
                let s = g.add(Op::Reduce { op, axes }, &[a]).unwrap();
                g.output(s, OutputRole::Result(0));
                g
            };
            let abs = heron_ir::eval(&scale_graph, &[data]).unwrap().remove(0);
            for i in 0..want[0].buf().len() {
                let (p, q) = (got[0].buf().get(i).to_f64(), want[0].buf().get(i).to_f64());
                let s = abs.buf().get(i).to_f64();
                assert!(
                    (p - q).abs() <= 1e-5 * s.max(1e-30),
                    "{dims:?} {i}: {p} vs {q}"
                );
            }
        }
    }
}

#[test]
fn split_full_reductions_match_eval() {
    let mut rng = Rng(13);
    for (op, dtype) in [
        (ReduceOp::Max, DType::F32),
        (ReduceOp::Min, DType::F64),
        (ReduceOp::Sum, DType::I32),
        (ReduceOp::Sum, DType::F32),
    ] {
        let dims = [3, 300, 401];
        let mut g = Graph::new();
        let x = g.param(Shape::new(&dims), dtype, ParamRole::Arg(0));
        let axes: Axes = [0, 1, 2].into_iter().collect();
        let r = g.add(Op::Reduce { op, axes }, &[x]).unwrap();
        g.output(r, OutputRole::Result(0));
        let exe = heron_codegen::compile(&g).unwrap();
        assert_eq!(exe.kernels().len(), 2, "{}", exe.plan_text());
        let data = rng.value(&dims, dtype, false);
        if op == ReduceOp::Sum && dtype.is_float() {
            let got = run_compiled(&g, std::slice::from_ref(&data))[0].as_slice::<f32>()[0];
            let want =
                heron_ir::eval(&g, std::slice::from_ref(&data)).unwrap()[0].as_slice::<f32>()[0];
            let scale: f32 = data.as_slice::<f32>().iter().map(|x| x.abs()).sum();
            assert!((got - want).abs() <= 1e-5 * scale, "{got} vs {want}");
        } else {
            check(&g, &[data]);
        }
    }
}
