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
