//! Reductions over any set of axes (none, some, all), their identities on
//! empty operands, NaN propagation, pairwise float sums; argmax/argmin;
//! cumsum.

use super::{check, check_all, error, run, show, val};
use crate::{ArgOp, Axes, Op, ReduceOp, Value};

fn reduce(op: ReduceOp, axes: &[usize]) -> Op {
    Op::Reduce {
        op,
        axes: Axes::from_slice(axes),
    }
}

#[test]
fn sums_over_every_kind_of_axis_set() {
    let n = 24;
    let x = val(&[2, 3, 4], &(0..n).collect::<Vec<i32>>());
    let cases: &[(&[usize], &str)] = &[
        (
            &[],
            "i32[2, 3, 4] [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]",
        ),
        (
            &[0],
            "i32[3, 4] [12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34]",
        ),
        (&[1], "i32[2, 4] [12, 15, 18, 21, 48, 51, 54, 57]"),
        (&[2], "i32[2, 3] [6, 22, 38, 54, 70, 86]"),
        (&[0, 2], "i32[3] [60, 92, 124]"),
        (&[0, 1, 2], "i32[] [276]"),
    ];
    for (axes, want) in cases {
        check(reduce(ReduceOp::Sum, axes), &[&x], want);
    }
    let x1 = val(&[2, 3, 4], &(1..=n).collect::<Vec<i32>>());
    check(
        reduce(ReduceOp::Prod, &[1]),
        &[&x1],
        "i32[2, 4] [45, 120, 231, 384, 4641, 5544, 6555, 7680]",
    );
}

#[test]
fn float_reductions_propagate_nan() {
    let f = val(&[2, 3], &[1.5f32, f32::NAN, -2.0, 0.5, 3.0, -0.0]);
    let table = |axes: &[usize], max: &str, min: &str, sum: &str, any: &str, all: &str| {
        check_all(
            &[&f],
            &[
                (reduce(ReduceOp::Max, axes), max),
                (reduce(ReduceOp::Min, axes), min),
                (reduce(ReduceOp::Sum, axes), sum),
                (reduce(ReduceOp::Any, axes), any),
                (reduce(ReduceOp::All, axes), all),
            ],
        )
    };
    table(
        &[0],
        "f32[3] [1.5, NaN, -0.0]",
        "f32[3] [0.5, NaN, -2.0]",
        "f32[3] [2.0, NaN, -2.0]",
        "bool[3] [true, true, true]",
        "bool[3] [true, true, false]",
    );
    table(
        &[1],
        "f32[2] [NaN, 3.0]",
        "f32[2] [NaN, -0.0]",
        "f32[2] [NaN, 3.5]",
        "bool[2] [true, true]",
        "bool[2] [true, false]",
    );
    table(
        &[0, 1],
        "f32[] [NaN]",
        "f32[] [NaN]",
        "f32[] [NaN]",
        "bool[] [true]",
        "bool[] [false]",
    );
    let g = val(&[2, 3], &[3.0f64, 1.0, 4.0, 1.0, 5.0, 9.0]);
    check(reduce(ReduceOp::Max, &[0]), &[&g], "f64[3] [3.0, 5.0, 9.0]");
    check(reduce(ReduceOp::Prod, &[1]), &[&g], "f64[2] [12.0, 45.0]");
}

#[test]
fn integer_and_bool_reductions() {
    let cases: &[(Value, Op, &str)] = &[
        (
            val(&[2], &[u32::MAX, 2]),
            reduce(ReduceOp::Sum, &[0]),
            "u32[] [1]",
        ),
        (
            val(&[2], &[65536i32, 65536]),
            reduce(ReduceOp::Prod, &[0]),
            "i32[] [0]",
        ),
        (
            val(&[3], &[i64::MIN, 5, -1]),
            reduce(ReduceOp::Min, &[0]),
            "i64[] [-9223372036854775808]",
        ),
        (
            val(&[2, 2], &[true, true, false, true]),
            reduce(ReduceOp::Sum, &[0, 1]),
            "i32[] [3]",
        ),
        (
            val(&[2, 2], &[true, true, false, true]),
            reduce(ReduceOp::Prod, &[1]),
            "i32[2] [1, 0]",
        ),
        (
            val(&[2, 2], &[true, false, false, false]),
            reduce(ReduceOp::Max, &[1]),
            "bool[2] [true, false]",
        ),
        (
            val(&[2, 2], &[true, false, true, true]),
            reduce(ReduceOp::Min, &[1]),
            "bool[2] [false, true]",
        ),
        (
            val(&[3], &[0u32, 0, 7]),
            reduce(ReduceOp::Any, &[0]),
            "bool[] [true]",
        ),
        (
            val(&[3], &[0i64, 1, 7]),
            reduce(ReduceOp::All, &[0]),
            "bool[] [false]",
        ),
        (
            val(&[], &[4.5f32]),
            reduce(ReduceOp::Sum, &[]),
            "f32[] [4.5]",
        ),
        (val(&[], &[true]), reduce(ReduceOp::Sum, &[]), "i32[] [1]"),
    ];
    for (x, op, want) in cases {
        check(op.clone(), &[x], want);
    }
}

#[test]
fn empty_reductions_give_the_identity() {
    let e = val(&[2, 0], &[] as &[f32]);
    check_all(
        &[&e],
        &[
            (reduce(ReduceOp::Sum, &[1]), "f32[2] [0.0, 0.0]"),
            (reduce(ReduceOp::Prod, &[1]), "f32[2] [1.0, 1.0]"),
            (reduce(ReduceOp::Any, &[1]), "bool[2] [false, false]"),
            (reduce(ReduceOp::All, &[0, 1]), "bool[] [true]"),
            (reduce(ReduceOp::Sum, &[0]), "f32[0] []"),
            (reduce(ReduceOp::Max, &[0]), "f32[0] []"),
        ],
    );
    check(
        reduce(ReduceOp::Prod, &[0]),
        &[&val(&[0], &[] as &[bool])],
        "i32[] [1]",
    );
    check(
        reduce(ReduceOp::Sum, &[0]),
        &[&val(&[2], &[-0.0f64, -0.0])],
        "f64[] [0.0]",
    );
    let err = error(&reduce(ReduceOp::Max, &[1]), &[&e]);
    assert_eq!(
        err,
        "reduce_max: zero-size reduction over axes [1] of [2, 0] has no identity"
    );
}

#[test]
fn f32_sums_are_pairwise_like_numpy() {
    // x[i] = (i * 7919 % 1000) * 0.001 - 0.5 in f32; NumPy sums it to -49.740635
    // (a sequential f32 loop drifts much further from the exact -49.7406455).
    let x: Vec<f32> = (0..100_003u64)
        .map(|i| ((i * 7919 % 1000) as f32) * 0.001f32 - 0.5f32)
        .collect();
    let v = val(&[x.len()], &x);
    check(reduce(ReduceOp::Sum, &[0]), &[&v], "f32[] [-49.740635]");
    let halves = val(&[2, 50_001], &x[..100_002]);
    check(
        reduce(ReduceOp::Sum, &[1]),
        &[&halves],
        "f32[2] [-25.498817, -24.57981]",
    );
}

#[test]
fn arg_reductions_take_the_first_extremum_and_the_first_nan() {
    let nan = f32::NAN;
    let h = val(
        &[3, 4],
        &[
            1.0f32, nan, 5.0, nan, 2.0, 2.0, -1.0, -1.0, nan, 0.0, 0.0, 0.0,
        ],
    );
    let arg = |op, axis| Op::ArgReduce { op, axis };
    check_all(
        &[&h],
        &[
            (arg(ArgOp::ArgMax, 1), "i32[3] [1, 0, 0]"),
            (arg(ArgOp::ArgMin, 1), "i32[3] [1, 2, 0]"),
            (arg(ArgOp::ArgMax, 0), "i32[4] [2, 0, 0, 0]"),
            (arg(ArgOp::ArgMin, 0), "i32[4] [2, 0, 1, 0]"),
        ],
    );
    let cases: &[(Value, Op, &str)] = &[
        (
            val(&[4], &[3i64, 9, 9, 1]),
            arg(ArgOp::ArgMax, 0),
            "i32[] [1]",
        ),
        (
            val(&[3], &[false, true, true]),
            arg(ArgOp::ArgMax, 0),
            "i32[] [1]",
        ),
        (val(&[3], &[5u32, 0, 0]), arg(ArgOp::ArgMin, 0), "i32[] [1]"),
        (
            val(&[0, 2], &[] as &[f64]),
            arg(ArgOp::ArgMin, 1),
            "i32[0] []",
        ),
    ];
    for (x, op, want) in cases {
        check(op.clone(), &[x], want);
    }
    let err = error(&arg(ArgOp::ArgMax, 0), &[&val(&[0, 2], &[] as &[f64])]);
    assert_eq!(
        err,
        "argmax: attempt to get argmax of an empty sequence (axis 0 of [0, 2])"
    );
}

#[test]
fn cumsum_accumulates_in_the_result_dtype() {
    let cases: &[(Value, usize, &str)] = &[
        (
            val(&[2, 3], &[true, false, true, true, true, false]),
            1,
            "i32[2, 3] [1, 1, 2, 1, 2, 2]",
        ),
        (
            val(&[2, 3], &[0.0f32, 0.5, 1.0, 1.5, 2.0, 2.5]),
            0,
            "f32[2, 3] [0.0, 0.5, 1.0, 1.5, 2.5, 3.5]",
        ),
        (
            val(&[2], &[i32::MAX, 1]),
            0,
            "i32[2] [2147483647, -2147483648]",
        ),
        (val(&[3], &[u32::MAX, 1, 1]), 0, "u32[3] [4294967295, 0, 1]"),
        (val(&[1], &[-0.0f64]), 0, "f64[1] [-0.0]"),
        (val(&[2, 0], &[] as &[i64]), 1, "i64[2, 0] []"),
    ];
    for (x, axis, want) in cases {
        check(Op::Cumsum { axis: *axis }, &[x], want);
    }
    let y = run(
        &Op::Cumsum { axis: 0 },
        &[&val(&[3], &[1.0f32, f32::NAN, 2.0])],
    )
    .unwrap();
    assert_eq!(show(&y), "f32[3] [1.0, NaN, NaN]");
}

/// Every arrangement of `n` zeros, `k` of them `+0`, as f64 bits.
fn zero_orders(n: usize) -> Vec<Vec<f64>> {
    (0..1u32 << n)
        .map(|m| {
            (0..n)
                .map(|i| if m >> i & 1 == 1 { 0.0 } else { -0.0 })
                .collect()
        })
        .collect()
}

#[test]
fn max_and_min_of_signed_zeros_do_not_depend_on_order() {
    // max: +0 whenever a +0 is present; min: -0 whenever a -0 is present.
    for n in 1..=5 {
        for zs in zero_orders(n) {
            let any_pos = zs.iter().any(|z| z.is_sign_positive());
            let any_neg = zs.iter().any(|z| z.is_sign_negative());
            let f32s: Vec<f32> = zs.iter().map(|&z| z as f32).collect();
            for x in [val(&[n], &zs), val(&[n], &f32s)] {
                let max = run(&reduce(ReduceOp::Max, &[0]), &[&x]).unwrap();
                let min = run(&reduce(ReduceOp::Min, &[0]), &[&x]).unwrap();
                let dt = x.dtype();
                let want_max = if any_pos { "0.0" } else { "-0.0" };
                let want_min = if any_neg { "-0.0" } else { "0.0" };
                assert_eq!(show(&max), format!("{dt}[] [{want_max}]"), "max of {zs:?}");
                assert_eq!(show(&min), format!("{dt}[] [{want_min}]"), "min of {zs:?}");
            }
        }
    }
    // Along an axis that is not innermost, and with NaN still winning.
    let x = val(&[2, 2], &[-0.0f32, 0.0, 0.0, -0.0]);
    check(reduce(ReduceOp::Max, &[0]), &[&x], "f32[2] [0.0, 0.0]");
    check(reduce(ReduceOp::Min, &[0]), &[&x], "f32[2] [-0.0, -0.0]");
    let x = val(&[3], &[0.0f64, f64::NAN, -0.0]);
    check(reduce(ReduceOp::Max, &[0]), &[&x], "f64[] [NaN]");
    check(reduce(ReduceOp::Min, &[0]), &[&x], "f64[] [NaN]");
    // Element-wise maximum and minimum keep NumPy's rule: the second
    // operand on a tie.
    let (a, b) = (val(&[1], &[0.0f32]), val(&[1], &[-0.0f32]));
    check(Op::Binary(crate::BinaryOp::Max), &[&a, &b], "f32[1] [-0.0]");
    check(Op::Binary(crate::BinaryOp::Min), &[&b, &a], "f32[1] [0.0]");
}
