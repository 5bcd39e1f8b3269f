//! Differential tests of reductions: every reduction over each axis and
//! all axes, with fused producers, on every dtype it accepts. Float sums are
//! compared within a relative bound (see `lower/reduce.rs`), everything else
//! exactly.

mod common;

use common::{REDUCE_OPS, Rng, Tol, assert_close, run_compiled};
use heron_ir::{
    Axes, BinaryOp, DType, Graph, Op, OutputRole, ParamRole, ReduceOp, Shape, UnaryOp, eval, infer,
};

fn check_reduce(
    op: ReduceOp,
    dtype: DType,
    dims: &[usize],
    axes: &[usize],
    seed: u64,
    square_first: bool,
) {
    let shape = Shape::new(dims);
    let axes: Axes = axes.iter().copied().collect();
    let rop = Op::Reduce {
        op,
        axes: axes.clone(),
    };
    if infer(&rop, &[(&shape, dtype)]).is_err() {
        return;
    }
    let mut g = Graph::new();
    let x = g.param(shape, dtype, ParamRole::Arg(0));
    let src = if square_first && dtype != DType::Bool {
        g.add(Op::Binary(BinaryOp::Mul), &[x, x]).unwrap()
    } else {
        x
    };
    let r = g.add(rop, &[src]).unwrap();
    g.output(r, OutputRole::Result(0));
    let data = Rng(seed).value(dims, dtype, false);
    let want = eval(&g, std::slice::from_ref(&data)).unwrap();
    let got = run_compiled(&g, &[data]);
    let tol = if op == ReduceOp::Sum && dtype.is_float() {
        Tol::Rel(if dtype == DType::F32 { 1e-5 } else { 1e-13 })
    } else {
        Tol::Exact
    };
    // Sums are compared relative to the sum of magnitudes.
    let mut g_abs = Graph::new();
    let xa = g_abs.param(Shape::new(dims), dtype, ParamRole::Arg(0));
    let scale = if matches!(tol, Tol::Rel(_)) {
        let sq = if square_first {
            g_abs.add(Op::Binary(BinaryOp::Mul), &[xa, xa]).unwrap()
        } else {
            xa
        };
        let ab = g_abs.add(Op::Unary(UnaryOp::Abs), &[sq]).unwrap();
        let c = g_abs.add(Op::Cast(DType::F64), &[ab]).unwrap();
        let s = g_abs
            .add(
                Op::Reduce {
                    op: ReduceOp::Sum,
                    axes,
                },
                &[c],
            )
            .unwrap();
        g_abs.output(s, OutputRole::Result(0));
        let v = eval(&g_abs, &[Rng(seed).value(dims, dtype, false)]).unwrap();
        v[0].as_slice::<f64>().to_vec()
    } else {
        Vec::new()
    };
    assert_close(
        &format!("{} over {:?} of {dtype}{dims:?}", op.name(), g.to_text()),
        &got[0],
        &want[0],
        tol,
        &scale,
    );
}

#[test]
fn every_reduction_over_each_axis_and_all_axes() {
    let dims = [3, 4, 5];
    let axes_sets: [&[usize]; 6] = [&[0], &[1], &[2], &[0, 2], &[0, 1, 2], &[]];
    let mut seed = 0;
    for op in REDUCE_OPS {
        for dtype in DType::ALL {
            for axes in axes_sets {
                seed += 1;
                check_reduce(op, dtype, &dims, axes, seed, seed % 2 == 0);
            }
        }
    }
}

#[test]
fn long_float_sums_stay_close_to_pairwise() {
    check_reduce(ReduceOp::Sum, DType::F32, &[3, 10_001], &[1], 99, false);
    check_reduce(ReduceOp::Sum, DType::F64, &[20_000], &[0], 98, true);
}

#[test]
fn empty_reductions_give_the_identity() {
    for op in [ReduceOp::Sum, ReduceOp::Prod, ReduceOp::Any, ReduceOp::All] {
        check_reduce(op, DType::F32, &[4, 0], &[1], 1, false);
        check_reduce(op, DType::I32, &[0, 3], &[0, 1], 2, false);
    }
}

#[test]
fn nan_propagates_through_max_and_min() {
    let mut g = Graph::new();
    let x = g.param(Shape::new(&[2, 4]), DType::F32, ParamRole::Arg(0));
    for (j, op) in [ReduceOp::Max, ReduceOp::Min].into_iter().enumerate() {
        let r = g
            .add(
                Op::Reduce {
                    op,
                    axes: [1].into_iter().collect(),
                },
                &[x],
            )
            .unwrap();
        g.output(r, OutputRole::Result(j as u32));
    }
    let data = heron_ir::Value::from_slice(
        Shape::new(&[2, 4]),
        &[1.0f32, f32::NAN, 3.0, -1.0, -0.0, 0.0, -5.0, 2.0],
    );
    common::check(&g, &[data]);
}

/// Regression: Neumaier's compensation of an f64 sum turned an infinite
/// running sum into NaN (`(s - t) + x` is `inf - inf`, or `-inf` when the
/// sum overflowed, and the final `s + c` then `inf - inf`): a sum holding
/// ±inf, or overflowing, came out NaN instead of ±inf on the scalar,
/// vector and column paths.
#[test]
fn f64_sum_with_an_infinity_is_infinite_not_nan() {
    let cases: [(&[usize], &[usize]); 6] = [
        (&[1], &[0]),
        (&[17], &[0]),
        (&[17, 1], &[1]),
        (&[3, 17], &[1]),
        (&[17, 5], &[0]),
        (&[9, 33], &[0, 1]),
    ];
    for (dims, axes) in cases {
        let shape = Shape::new(dims);
        let n = shape.size();
        for (at, big) in [
            (0, f64::NEG_INFINITY),
            (n - 1, f64::INFINITY),
            (n / 2, f64::INFINITY),
            (n / 3, f64::MAX),
        ] {
            let mut data: Vec<f64> = (0..n).map(|i| i as f64 * 0.25 - 1.0).collect();
            data[at] = big;
            if big == f64::MAX {
                // Two of them overflow the sum to inf.
                data[n - 1 - at] = f64::MAX;
            }
            let mut g = Graph::new();
            let x = g.param(shape.clone(), DType::F64, ParamRole::Arg(0));
            let r = g
                .add(
                    Op::Reduce {
                        op: ReduceOp::Sum,
                        axes: axes.iter().copied().collect(),
                    },
                    &[x],
                )
                .unwrap();
            g.output(r, OutputRole::Result(0));
            let value = heron_ir::Value::from_slice(shape.clone(), &data);
            let want = eval(&g, std::slice::from_ref(&value)).unwrap();
            let got = run_compiled(&g, &[value]);
            assert_close(
                &format!("sum over {axes:?} of {dims:?} with {big} at {at}"),
                &got[0],
                &want[0],
                Tol::Exact,
                &[],
            );
        }
    }
}
