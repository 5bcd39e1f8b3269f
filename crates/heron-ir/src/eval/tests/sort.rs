//! sort and argsort: ascending, NaN last, stable, along any axis.

use super::{check_all, val};
use crate::{Op, Value};

#[test]
fn floats_sort_with_nan_last_and_stably() {
    let a = val(
        &[8],
        &[
            3.0f32,
            f32::NAN,
            -0.0,
            1.0,
            0.0,
            f32::NEG_INFINITY,
            f32::NAN,
            1.0,
        ],
    );
    check_all(
        &[&a],
        &[
            (
                Op::Sort { axis: 0 },
                "f32[8] [-inf, -0.0, 0.0, 1.0, 1.0, 3.0, NaN, NaN]",
            ),
            (Op::Argsort { axis: 0 }, "i32[8] [5, 2, 4, 3, 7, 0, 1, 6]"),
        ],
    );
}

#[test]
fn every_axis_and_dtype() {
    let b = val(&[3, 3], &[3i64, 1, 2, 1, 1, 0, 2, 0, 2]);
    check_all(
        &[&b],
        &[
            (
                Op::Sort { axis: 0 },
                "i64[3, 3] [1, 0, 0, 2, 1, 2, 3, 1, 2]",
            ),
            (
                Op::Argsort { axis: 0 },
                "i32[3, 3] [1, 2, 1, 2, 0, 0, 0, 1, 2]",
            ),
            (
                Op::Argsort { axis: 1 },
                "i32[3, 3] [1, 2, 0, 2, 0, 1, 1, 0, 2]",
            ),
        ],
    );
    let cases: &[(Value, &str, &str)] = &[
        (
            val(&[4], &[true, false, true, false]),
            "bool[4] [false, false, true, true]",
            "i32[4] [1, 3, 0, 2]",
        ),
        (
            val(&[3], &[4_000_000_000u32, 1, 1 << 31]),
            "u32[3] [1, 2147483648, 4000000000]",
            "i32[3] [1, 2, 0]",
        ),
        (
            val(&[3], &[2i32, i32::MIN, -1]),
            "i32[3] [-2147483648, -1, 2]",
            "i32[3] [1, 2, 0]",
        ),
        (val(&[2, 0], &[] as &[f64]), "f64[2, 0] []", "i32[2, 0] []"),
        (val(&[0, 2], &[] as &[f64]), "f64[0, 2] []", "i32[0, 2] []"),
    ];
    for (x, sorted, order) in cases {
        let axis = x.shape.rank() - 1;
        check_all(
            &[x],
            &[(Op::Sort { axis }, *sorted), (Op::Argsort { axis }, *order)],
        );
    }
}
