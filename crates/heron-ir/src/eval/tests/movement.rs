//! Movement ops: broadcast_to, reshape, transpose, strided slices (negative
//! steps, empty regions), set, take (negative and out-of-range indices) and
//! concatenate, on 0-d and empty operands too.

use super::{check, error, run, show, val};
use crate::{AxisSlice, Op, Shape, SliceSpec, Value};

/// A slice spec from `(start, len, step)` triples.
fn spec(axes: &[(usize, usize, isize)]) -> SliceSpec {
    axes.iter()
        .map(|&(start, len, step)| AxisSlice { start, step, len })
        .collect()
}

fn arange_i32(shape: &[usize]) -> Value {
    let n: usize = shape.iter().product();
    val(shape, &(0..n as i32).collect::<Vec<_>>())
}

fn arange_f32(shape: &[usize]) -> Value {
    let n: usize = shape.iter().product();
    val(shape, &(0..n).map(|i| i as f32).collect::<Vec<_>>())
}

#[test]
fn broadcast_to_repeats_along_new_and_unit_axes() {
    let col = val(&[2, 1], &[1.0f64, 2.0]);
    let cases: &[(&Value, &[usize], &str)] = &[
        (
            &col,
            &[3, 2, 2],
            "f64[3, 2, 2] [1.0, 1.0, 2.0, 2.0, 1.0, 1.0, 2.0, 2.0, 1.0, 1.0, 2.0, 2.0]",
        ),
        (&col, &[2, 1], "f64[2, 1] [1.0, 2.0]"),
        (&col, &[0, 2, 3], "f64[0, 2, 3] []"),
    ];
    for (x, target, want) in cases {
        check(Op::BroadcastTo(Shape::new(target)), &[x], want);
    }
    check(
        Op::BroadcastTo(Shape::new(&[3])),
        &[&val(&[], &[true])],
        "bool[3] [true, true, true]",
    );
    let err = error(&Op::BroadcastTo(Shape::new(&[3])), &[&col]);
    assert_eq!(err, "broadcast_to: cannot broadcast [2, 1] with [3]");
}

#[test]
fn reshape_shares_the_buffer() {
    let x = arange_i32(&[2, 3]);
    let y = run(&Op::Reshape(Shape::new(&[3, 1, 2])), &[&x]).unwrap();
    assert_eq!(show(&y), "i32[3, 1, 2] [0, 1, 2, 3, 4, 5]");
    assert!(std::sync::Arc::ptr_eq(&x.buf, &y.buf));
    check(
        Op::Reshape(Shape::new(&[])),
        &[&val(&[1, 1], &[7u32])],
        "u32[] [7]",
    );
    check(
        Op::Reshape(Shape::new(&[0, 5])),
        &[&val(&[5, 0], &[] as &[i64])],
        "i64[0, 5] []",
    );
    let err = error(&Op::Reshape(Shape::new(&[4])), &[&x]);
    assert_eq!(err, "reshape: cannot reshape [2, 3] into [4]");
}

#[test]
fn permute_reorders_axes() {
    let x = arange_i32(&[2, 3, 4]);
    check(
        Op::Permute([2, 0, 1].into_iter().collect()),
        &[&x],
        "i32[4, 2, 3] [0, 4, 8, 12, 16, 20, 1, 5, 9, 13, 17, 21, 2, 6, 10, 14, 18, 22, 3, 7, 11, 15, 19, 23]",
    );
    check(
        Op::Permute([1, 0].into_iter().collect()),
        &[&arange_f32(&[0, 2])],
        "f32[2, 0] []",
    );
    check(
        Op::Permute([].into_iter().collect()),
        &[&val(&[], &[1.5f32])],
        "f32[] [1.5]",
    );
}

#[test]
fn slices_with_steps_negative_steps_and_empty_regions() {
    let x = arange_i32(&[2, 3, 4]);
    let cases: &[(SliceSpec, &str)] = &[
        // x[1::-1, 2::-2, 1:4:2]
        (
            spec(&[(1, 2, -1), (2, 2, -2), (1, 2, 2)]),
            "i32[2, 2, 2] [21, 23, 13, 15, 9, 11, 1, 3]",
        ),
        // x[1, :, 3:4]
        (
            spec(&[(1, 1, 1), (0, 3, 1), (3, 1, 1)]),
            "i32[1, 3, 1] [15, 19, 23]",
        ),
        // x[:, 1:1, :]
        (spec(&[(0, 2, 1), (1, 0, 1), (0, 4, 1)]), "i32[2, 0, 4] []"),
        // x[::-1, ::-1, ::-3]
        (
            spec(&[(1, 2, -1), (2, 3, -1), (3, 2, -3)]),
            "i32[2, 3, 2] [23, 20, 19, 16, 15, 12, 11, 8, 7, 4, 3, 0]",
        ),
    ];
    for (s, want) in cases {
        check(Op::Slice(s.clone()), &[&x], want);
    }
    check(Op::Slice(spec(&[])), &[&val(&[], &[2.0f64])], "f64[] [2.0]");
    let err = error(&Op::Slice(spec(&[(0, 3, 1), (0, 3, 1), (0, 4, 1)])), &[&x]);
    assert_eq!(
        err,
        "slice: axis 0 slice start 0 len 3 step 1 is out of bounds for shape [2, 3, 4]"
    );
}

#[test]
fn set_slice_broadcasts_and_casts_the_value() {
    let y = arange_f32(&[3, 4]);
    let cases: &[(SliceSpec, Value, &str)] = &[
        // z[::2, 3:0:-2] = [-1, -2]
        (
            spec(&[(0, 2, 2), (3, 2, -2)]),
            val(&[2], &[-1.0f32, -2.0]),
            "f32[3, 4] [0.0, -2.0, 2.0, -1.0, 4.0, 5.0, 6.0, 7.0, 8.0, -2.0, 10.0, -1.0]",
        ),
        // z[1:3, :] = 9.7 (an f64 value, cast to f32)
        (
            spec(&[(1, 2, 1), (0, 4, 1)]),
            val(&[], &[9.7f64]),
            "f32[3, 4] [0.0, 1.0, 2.0, 3.0, 9.7, 9.7, 9.7, 9.7, 9.7, 9.7, 9.7, 9.7]",
        ),
        // z[:, 2:2] = 5 (empty region)
        (
            spec(&[(0, 3, 1), (2, 0, 1)]),
            val(&[], &[5i32]),
            "f32[3, 4] [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0]",
        ),
        // z[2, ::-1] = [[1, 2, 3, 4]]
        (
            spec(&[(2, 1, 1), (3, 4, -1)]),
            val(&[1, 4], &[1.0f32, 2.0, 3.0, 4.0]),
            "f32[3, 4] [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 4.0, 3.0, 2.0, 1.0]",
        ),
    ];
    for (s, v, want) in cases {
        check(Op::SetSlice(s.clone()), &[&y, v], want);
    }
    assert_eq!(y.as_slice::<f32>()[3], 3.0, "the operand is not modified");
    check(
        Op::SetSlice(spec(&[])),
        &[&val(&[], &[false]), &val(&[], &[2.5f32])],
        "bool[] [true]",
    );
    let err = error(
        &Op::SetSlice(spec(&[(0, 2, 1), (0, 4, 1)])),
        &[&y, &val(&[3], &[1.0f32; 3])],
    );
    assert_eq!(err, "set: cannot broadcast [3] with [2, 4]");
}

#[test]
fn take_gathers_with_negative_indices() {
    let y = arange_f32(&[3, 4]);
    let cases: &[(usize, Value, &str)] = &[
        (
            1,
            val(&[2, 2], &[2i32, -1, 0, 0]),
            "f32[3, 2, 2] [2.0, 3.0, 0.0, 0.0, 6.0, 7.0, 4.0, 4.0, 10.0, 11.0, 8.0, 8.0]",
        ),
        (
            0,
            val(&[2], &[-3i64, 1]),
            "f32[2, 4] [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]",
        ),
        (0, val(&[], &[2u32]), "f32[4] [8.0, 9.0, 10.0, 11.0]"),
        (1, val(&[0], &[] as &[i32]), "f32[3, 0] []"),
    ];
    for (axis, idx, want) in cases {
        check(Op::Take { axis: *axis }, &[&y, idx], want);
    }
    check(
        Op::Take { axis: 0 },
        &[&val(&[2, 0], &[] as &[i32]), &val(&[2], &[1i32, 0])],
        "i32[2, 0] []",
    );
}

#[test]
fn take_rejects_out_of_range_indices() {
    let x = arange_i32(&[5]);
    let cases: &[(Value, &str)] = &[
        (
            val(&[2], &[1i32, 7]),
            "take: index 7 is out of bounds for axis 0 with size 5",
        ),
        (
            val(&[1], &[-6i64]),
            "take: index -6 is out of bounds for axis 0 with size 5",
        ),
        (
            val(&[1], &[5u32]),
            "take: index 5 is out of bounds for axis 0 with size 5",
        ),
    ];
    for (idx, want) in cases {
        assert_eq!(error(&Op::Take { axis: 0 }, &[&x, idx]), *want);
    }
    let empty = val(&[0], &[] as &[i32]);
    let err = error(&Op::Take { axis: 0 }, &[&empty, &val(&[1], &[0i32])]);
    assert_eq!(err, "take: index 0 is out of bounds for axis 0 with size 0");
}

#[test]
fn concat_joins_along_any_axis() {
    let y = arange_f32(&[3, 4]);
    let first = run(&Op::Slice(spec(&[(0, 3, 1), (0, 1, 1)])), &[&y]).unwrap();
    let none = val(&[3, 0], &[] as &[f32]);
    check(
        Op::Concat { axis: 1 },
        &[&first, &none, &y],
        "f32[3, 5] [0.0, 0.0, 1.0, 2.0, 3.0, 4.0, 4.0, 5.0, 6.0, 7.0, 8.0, 8.0, 9.0, 10.0, 11.0]",
    );
    let a = val(&[1, 2], &[true, false]);
    let b = val(&[2, 2], &[false, false, true, true]);
    check(
        Op::Concat { axis: 0 },
        &[&a, &b],
        "bool[3, 2] [true, false, false, false, true, true]",
    );
    check(
        Op::Concat { axis: 0 },
        &[&val(&[2], &[1u32, 2])],
        "u32[2] [1, 2]",
    );
    let err = error(&Op::Concat { axis: 0 }, &[&a, &val(&[1, 2], &[1i32, 2])]);
    assert_eq!(
        err,
        "concatenate: dtypes differ: bool and i32 (promote first)"
    );
}
