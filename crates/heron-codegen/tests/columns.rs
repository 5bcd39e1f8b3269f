//! Reductions lowered by columns (an outer reduced axis, a contiguous kept
//! innermost axis): every op and dtype against `eval`, at column counts
//! around the vector width, the unrolled width and the run length, in 2-d
//! and over the middle axis of 3-d arrays, on one thread and in parallel
//! launches. Float sums are also checked bit for bit against the order the
//! lowering promises: each output folds its rows in order, f32 in f64
//! rounded once, f64 with Neumaier's compensation.

mod common;

use common::{REDUCE_OPS, Rng, Tol, assert_close, run_compiled};
use heron_ir::{
    Axes, BinaryOp, DType, Graph, Op, OutputRole, ParamRole, ReduceOp, Shape, Value, eval, infer,
};

/// `op` over `axes` of a parameter of `dims` (squared first when `square`).
fn reduction(op: ReduceOp, dtype: DType, dims: &[usize], axes: &[usize], square: bool) -> Graph {
    let mut g = Graph::new();
    let x = g.param(Shape::new(dims), dtype, ParamRole::Arg(0));
    let src = if square {
        g.add(Op::Binary(BinaryOp::Mul), &[x, x]).unwrap()
    } else {
        x
    };
    let axes: Axes = axes.iter().copied().collect();
    let r = g.add(Op::Reduce { op, axes }, &[src]).unwrap();
    g.output(r, OutputRole::Result(0));
    g
}

/// The sum of magnitudes of each output's elements (the scale of a float
/// sum's error bound).
fn magnitudes(data: &Value, axes: &[usize]) -> Vec<f64> {
    let mut g = Graph::new();
    let x = g.param(data.shape().clone(), data.dtype(), ParamRole::Arg(0));
    let a = g.add(Op::Unary(heron_ir::UnaryOp::Abs), &[x]).unwrap();
    let c = g.add(Op::Cast(DType::F64), &[a]).unwrap();
    let axes: Axes = axes.iter().copied().collect();
    let op = ReduceOp::Sum;
    let s = g.add(Op::Reduce { op, axes }, &[c]).unwrap();
    g.output(s, OutputRole::Result(0));
    let v = eval(&g, std::slice::from_ref(data)).unwrap();
    v[0].as_slice::<f64>().to_vec()
}

/// Compares the compiled reduction with eval: exactly, or for float sums
/// within the bound of `lower/reduce.rs`.
fn check(op: ReduceOp, dtype: DType, dims: &[usize], axes: &[usize], seed: u64) {
    let shape = Shape::new(dims);
    let axes_set: Axes = axes.iter().copied().collect();
    if infer(&Op::Reduce { op, axes: axes_set }, &[(&shape, dtype)]).is_err() {
        return;
    }
    let square = dtype.is_float() && seed.is_multiple_of(2);
    let g = reduction(op, dtype, dims, axes, square);
    let special = op != ReduceOp::Sum && op != ReduceOp::Prod;
    let data = Rng(seed).value(dims, dtype, special);
    let want = eval(&g, std::slice::from_ref(&data)).unwrap();
    let got = run_compiled(&g, std::slice::from_ref(&data));
    let what = format!("{} over {axes:?} of {dtype}{dims:?}", op.name());
    if op == ReduceOp::Sum && dtype.is_float() {
        let tol = Tol::Rel(if dtype == DType::F32 { 1e-5 } else { 1e-13 });
        let summed = if square { squared(&data) } else { data };
        assert_close(&what, &got[0], &want[0], tol, &magnitudes(&summed, axes));
    } else {
        // Everything else folds in eval's order with eval's arithmetic.
        assert_close(&what, &got[0], &want[0], Tol::Exact, &[]);
    }
}

/// `data * data`, through eval.
fn squared(data: &Value) -> Value {
    let mut g = Graph::new();
    let x = g.param(data.shape().clone(), data.dtype(), ParamRole::Arg(0));
    let s = g.add(Op::Binary(BinaryOp::Mul), &[x, x]).unwrap();
    g.output(s, OutputRole::Result(0));
    eval(&g, std::slice::from_ref(data)).unwrap().remove(0)
}

#[test]
fn every_op_and_dtype_over_axis_0_at_column_counts_around_the_vector_widths() {
    let mut seed = 100;
    for cols in [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 65] {
        for op in REDUCE_OPS {
            for dtype in DType::ALL {
                seed += 1;
                // Rows taken 1, 2 and 4 at a time.
                let rows = [5, 6, 12][seed as usize % 3];
                check(op, dtype, &[rows, cols], &[0], seed);
            }
        }
    }
}

#[test]
fn columns_across_run_boundaries() {
    // Runs hold 16 KiB of accumulators: 1024 f64 sums (value and
    // compensation), 2048 f32 sums (in f64), 4096 f32 maxima, 16384 bools.
    let mut seed = 500;
    for (op, dtype, cols) in [
        (ReduceOp::Sum, DType::F64, 1023),
        (ReduceOp::Sum, DType::F64, 1025),
        (ReduceOp::Sum, DType::F32, 2047),
        (ReduceOp::Sum, DType::F32, 2049),
        (ReduceOp::Sum, DType::F32, 4100),
        (ReduceOp::Max, DType::F32, 4097),
        (ReduceOp::Min, DType::I32, 4099),
        (ReduceOp::Sum, DType::I64, 2049),
        (ReduceOp::Any, DType::Bool, 16385),
        (ReduceOp::Sum, DType::Bool, 4097),
    ] {
        seed += 1;
        check(op, dtype, &[3 + seed as usize % 2, cols], &[0], seed);
    }
}

#[test]
fn middle_and_leading_axes_of_3d_arrays() {
    let mut seed = 700;
    for dims in [[4, 6, 5], [3, 7, 17], [2, 33, 9]] {
        for axes in [&[1][..], &[0, 1], &[0]] {
            for op in REDUCE_OPS {
                for dtype in [DType::F32, DType::F64, DType::I32, DType::U32, DType::Bool] {
                    seed += 1;
                    check(op, dtype, &dims, axes, seed);
                }
            }
        }
    }
}

#[test]
fn int_and_bool_reductions_over_axis_0() {
    let mut seed = 900;
    for cols in [3, 4, 13, 16, 67] {
        for (op, dtype) in [
            (ReduceOp::Sum, DType::I32),
            (ReduceOp::Sum, DType::U32),
            (ReduceOp::Sum, DType::I64),
            (ReduceOp::Sum, DType::Bool),
            (ReduceOp::Prod, DType::I32),
            (ReduceOp::Max, DType::I64),
            (ReduceOp::Min, DType::U32),
            (ReduceOp::Any, DType::Bool),
            (ReduceOp::All, DType::Bool),
            (ReduceOp::Max, DType::Bool),
        ] {
            seed += 1;
            check(op, dtype, &[20 + seed as usize % 3, cols], &[0], seed);
        }
    }
}

/// The sum of each column of a row-major `rows × cols` matrix in the
/// lowering's order: f32 elements in f64, rounded once.
fn f32_column_sums(data: &[f32], cols: usize) -> Vec<f32> {
    let mut acc = vec![0.0f64; cols];
    for row in data.chunks_exact(cols) {
        for (a, &x) in acc.iter_mut().zip(row) {
            *a += f64::from(x);
        }
    }
    acc.into_iter().map(|a| a as f32).collect()
}

/// The same for f64 elements with Neumaier's compensation.
fn f64_column_sums(data: &[f64], cols: usize) -> Vec<f64> {
    let mut acc = vec![(0.0f64, 0.0f64); cols];
    for row in data.chunks_exact(cols) {
        for ((s, c), &x) in acc.iter_mut().zip(row) {
            let t = *s + x;
            *c += if s.abs() >= x.abs() {
                (*s - t) + x
            } else {
                (x - t) + *s
            };
            *s = t;
        }
    }
    acc.into_iter().map(|(s, c)| s + c).collect()
}

#[test]
fn float_column_sums_follow_the_stated_order_in_parallel_launches() {
    // Large enough to run on several threads; odd column counts leave
    // scalar tails in every run.
    for (rows, cols) in [(700, 1031), (300, 4099)] {
        let g = reduction(ReduceOp::Sum, DType::F32, &[rows, cols], &[0], false);
        let data = Rng(rows as u64).value(&[rows, cols], DType::F32, false);
        let got = run_compiled(&g, std::slice::from_ref(&data));
        let want = f32_column_sums(data.as_slice::<f32>(), cols);
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(
            bits(got[0].as_slice::<f32>()),
            bits(&want),
            "f32 {rows}×{cols}"
        );

        let g = reduction(ReduceOp::Sum, DType::F64, &[rows, cols], &[0], false);
        let data = Rng(cols as u64).value(&[rows, cols], DType::F64, false);
        let got = run_compiled(&g, std::slice::from_ref(&data));
        let want = f64_column_sums(data.as_slice::<f64>(), cols);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(
            bits(got[0].as_slice::<f64>()),
            bits(&want),
            "f64 {rows}×{cols}"
        );
    }
}

#[test]
fn large_exact_column_reductions_match_eval_in_parallel_launches() {
    let mut seed = 1000;
    for (op, dtype) in [
        (ReduceOp::Max, DType::F32),
        (ReduceOp::Min, DType::F64),
        (ReduceOp::Sum, DType::I32),
        (ReduceOp::Any, DType::Bool),
    ] {
        seed += 1;
        check(op, dtype, &[600, 1027], &[0], seed);
        check(op, dtype, &[9, 70, 517], &[1], seed);
    }
}
