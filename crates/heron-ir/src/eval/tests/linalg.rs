//! matmul: every rank combination, integers wrapping, bool as or-of-ands,
//! empty inner and outer dimensions.

use super::{check, error, val};
use crate::{Op, Value};

#[test]
fn matmul_of_vectors_and_matrices() {
    let a = val(&[2, 3], &[0.0f32, 1.0, 2.0, 3.0, 4.0, 5.0]);
    let b = val(&[3, 2], &[0.0f32, 0.5, 1.0, 1.5, 2.0, 2.5]);
    let cases: &[(&Value, Value, &str)] = &[
        (&a, b.clone(), "f32[2, 2] [5.0, 6.5, 14.0, 20.0]"),
        (&a, val(&[3], &[1.0f32, -1.0, 2.0]), "f32[2] [3.0, 9.0]"),
        (
            &val(&[2], &[1.0f32, 2.0]),
            a.clone(),
            "f32[3] [6.0, 9.0, 12.0]",
        ),
        (
            &val(&[3], &[1.0f64, 2.0, 3.0]),
            val(&[3], &[4.0f64, 5.0, 6.0]),
            "f64[] [32.0]",
        ),
        (
            &val(&[2, 0], &[] as &[f32]),
            val(&[0, 3], &[] as &[f32]),
            "f32[2, 3] [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]",
        ),
        (
            &val(&[0, 2], &[] as &[f32]),
            val(&[2], &[1.0f32, 2.0]),
            "f32[0] []",
        ),
        (
            &val(&[0], &[] as &[i64]),
            val(&[0], &[] as &[i64]),
            "i64[] [0]",
        ),
        (
            &val(&[2, 2], &[65536i32, 2, 3, 4]),
            val(&[2, 2], &[65536i32, 2, 3, 4]),
            "i32[2, 2] [6, 131080, 196620, 22]",
        ),
        (
            &val(&[2], &[u32::MAX, 2]),
            val(&[2], &[2u32, 3]),
            "u32[] [4]",
        ),
        (
            &val(&[2, 2], &[true, false, false, false]),
            val(&[2, 2], &[false, true, true, true]),
            "bool[2, 2] [false, true, false, false]",
        ),
    ];
    for (x, y, want) in cases {
        check(Op::MatMul, &[x, y], want);
    }
    assert_eq!(
        error(&Op::MatMul, &[&a, &a]),
        "matmul: shapes [2, 3] and [2, 3] are not aligned"
    );
}

#[test]
fn batched_matmul_broadcasts_leading_axes() {
    // [2, 1, 2] @ [3, 2] -> [2, 1, 3]; [2, 2] @ [2, 2, 1] -> [2, 2, 1].
    let a = val(&[2, 1, 2], &[1i32, 2, 3, 4]);
    let b = val(&[2, 3], &[1i32, 0, -1, 2, 1, 0]);
    check(Op::MatMul, &[&a, &b], "i32[2, 1, 3] [5, 2, -1, 11, 4, -3]");
    let m = val(&[2, 2], &[1.0f32, 2.0, 3.0, 4.0]);
    let s = val(&[2, 2, 1], &[1.0f32, 1.0, 0.0, 2.0]);
    check(Op::MatMul, &[&m, &s], "f32[2, 2, 1] [3.0, 7.0, 4.0, 8.0]");
    // A 1-d operand on either side of a stack drops its axis.
    let stack = val(&[2, 2, 2], &[1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]);
    let v = val(&[2], &[1.0f64, -1.0]);
    check(
        Op::MatMul,
        &[&stack, &v],
        "f64[2, 2] [-1.0, -1.0, -1.0, -1.0]",
    );
    check(
        Op::MatMul,
        &[&v, &stack],
        "f64[2, 2] [-2.0, -2.0, -2.0, -2.0]",
    );
    // Leading axes that do not broadcast, and 0-d operands, are errors.
    let x = val(&[2, 1, 2], &[0.0f32; 4]);
    let y = val(&[3, 2, 1], &[0.0f32; 6]);
    assert_eq!(
        error(&Op::MatMul, &[&x, &y]),
        "matmul: batch axes of [2, 1, 2] and [3, 2, 1] do not broadcast"
    );
    let z = val(&[], &[1.0f64]);
    assert!(error(&Op::MatMul, &[&z, &v]).contains("at least 1-d"));
}

#[test]
fn gemm_products_meet_the_dot_bound_at_block_edges() {
    // Sizes around gemm's register and cache blocks, against f64 sums.
    for &(m, k, n) in &[
        (1, 1, 1),
        (3, 7, 17),
        (17, 65, 3),
        (65, 130, 33),
        (130, 17, 129),
        // Cut into blocks of columns (wider than tall, large enough).
        (64, 128, 300),
        (128, 300, 256),
    ] {
        let a: Vec<f32> = (0..m * k)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 7.0)
            .collect();
        let b: Vec<f32> = (0..k * n)
            .map(|i| ((i * 53 % 97) as f32 - 48.0) / 5.0)
            .collect();
        let got = crate::eval_op(
            &Op::MatMul,
            &[&val(&[m, k], &a), &val(&[k, n], &b)],
            &crate::Shape::new(&[m, n]),
            crate::DType::F32,
        )
        .unwrap();
        let got = got.as_slice::<f32>();
        for i in 0..m {
            for j in 0..n {
                let (mut s, mut w) = (0.0f64, 0.0f64);
                for p in 0..k {
                    let t = f64::from(a[i * k + p]) * f64::from(b[p * n + j]);
                    s += t;
                    w += t.abs();
                }
                let bound = 2.0 * (k as f64 + 1.0) * f64::from(f32::EPSILON) / 2.0 * w;
                let g = f64::from(got[i * n + j]);
                assert!((g - s).abs() <= bound, "{m}x{k}x{n} [{i},{j}]: {g} vs {s}");
            }
        }
    }
}

#[test]
fn a_batch_times_a_broadcast_matrix_is_one_product_of_all_rows() {
    // [T, m, k] @ [k, n] runs as one [T·m, k] product (in parallel blocks
    // when large): each batch element equals its own product, exactly on
    // small integers in f32, and the stacked and 2-d forms are the same bits.
    let f32s = |n: usize, mul: usize, modulo: usize| -> Vec<f32> {
        (0..n)
            .map(|i| (i * mul % modulo) as f32 - (modulo / 2) as f32)
            .collect()
    };
    let shape = |d: &[usize]| crate::Shape::new(d);
    let product = |a: &Value, b: &Value, out: &[usize]| {
        crate::eval_op(&Op::MatMul, &[a, b], &shape(out), crate::DType::F32).unwrap()
    };
    for &(t, m, k, n) in &[(3, 2, 4, 5), (50, 32, 100, 128)] {
        let x = f32s(t * m * k, 7, 5);
        let w = f32s(k * n, 11, 7);
        let wv = val(&[k, n], &w);
        let batched = product(&val(&[t, m, k], &x), &wv, &[t, m, n]);
        let flat = product(&val(&[t * m, k], &x), &wv, &[t * m, n]);
        assert_eq!(batched.as_slice::<f32>(), flat.as_slice::<f32>());
        for s in 0..t {
            let row = val(&[m, k], &x[s * m * k..(s + 1) * m * k]);
            let one = product(&row, &wv, &[m, n]);
            assert_eq!(
                one.as_slice::<f32>(),
                &batched.as_slice::<f32>()[s * m * n..(s + 1) * m * n],
                "{t}x{m}x{k}x{n}: batch element {s}"
            );
        }
    }
}
