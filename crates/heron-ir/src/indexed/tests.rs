//! The typed loops against hand-computed results.

use super::*;

#[test]
fn resolve_wraps_negative_indices_and_names_the_op() {
    assert_eq!(resolve("take", 0, -1, 5).unwrap(), 4);
    assert_eq!(resolve("take", 0, 4, 5).unwrap(), 4);
    let err = resolve("scatter_add", 1, 5, 5).unwrap_err();
    assert_eq!(
        err.to_string(),
        "scatter_add: index 5 is out of bounds for axis 1 with size 5"
    );
    assert!(resolve("take", 0, -6, 5).is_err());
    assert!(resolve("take", 0, i64::MIN, 5).is_err());
    assert!(check("take", 0, &[0i32, -5, 4], 5).is_ok());
    assert!(check::<i32>("take", 0, &[], 0).is_ok());
    assert!(check("take", 0, &[0i32], 0).is_err());
    assert!(check("take", 0, &[u32::MAX], 5).is_err());
}

#[test]
fn scatter_accumulates_duplicates_in_order_and_the_last_set_wins() {
    // x: [3, 2]; rows 2, 0, 2 (as -1).
    let mut add = vec![1.0f32, 1.0, 2.0, 2.0, 3.0, 3.0];
    let vals = [10.0f32, 20.0, 30.0, 40.0, 50.0, 60.0];
    scatter(&mut add, &[2i32, 0, -1], &vals, 3, 2, true);
    assert_eq!(add, [31.0, 41.0, 2.0, 2.0, 63.0, 83.0]);
    let mut set = vec![1i64, 1, 2, 2, 3, 3];
    scatter(&mut set, &[2i32, 0, -1], &[1, 2, 3, 4, 5, 6], 3, 2, false);
    assert_eq!(set, [3, 4, 2, 2, 5, 6]);
    let mut b = vec![false, true];
    scatter(&mut b, &[0u32, 0], &[true, false], 2, 1, true);
    assert_eq!(b, [true, true]);
}

#[test]
fn take_rows_and_take_along_follow_their_definitions() {
    // x: [2, 3, 2] taken on axis 1 at [2, -3].
    let x: Vec<i32> = (0..12).collect();
    let split = AxisSplit::new(&[2, 3, 2], 1);
    let mut dst = vec![0; 8];
    take_rows(&x, &[2i32, -3], split, 0..4, &mut dst);
    assert_eq!(dst, [4, 5, 0, 1, 10, 11, 6, 7]);
    // x: [2, 3]; along axis 1 with indices [[2, 0], [1, 1]].
    let x = [0, 1, 2, 10, 11, 12];
    let mut dst = vec![0; 4];
    take_along(
        &x,
        &[2i64, 0, 1, -2],
        AxisSplit::new(&[2, 3], 1),
        2,
        &mut dst,
    );
    assert_eq!(dst, [2, 0, 11, 11]);
}

#[test]
fn dynamic_slices_clamp_like_xla() {
    assert_eq!(clamp_start(-3, 5, 2), 0);
    assert_eq!(clamp_start(4, 5, 2), 3);
    assert_eq!(clamp_start(i64::MAX, 5, 5), 0);
    // x: [3, 4] = 0..12; a [2, 2] block at (1, 3) clamps to (1, 2).
    let x: Vec<u32> = (0..12).collect();
    let at = clamped_starts(&[3, 4], &[2, 2], [1i64, 3].into_iter());
    assert_eq!(at.as_slice(), [1, 2]);
    let mut block = vec![0; 4];
    dynamic_slice(&x, &[3, 4], &at, &[2, 2], &mut block);
    assert_eq!(block, [6, 7, 10, 11]);
    let mut y = x.clone();
    dynamic_update_slice(&mut y, &[3, 4], &at, &[2, 2], &[100, 101, 102, 103]);
    assert_eq!(y[6..8], [100, 101]);
    assert_eq!(y[10..12], [102, 103]);
    assert_eq!(y[..6], x[..6]);
    // 0-d and empty blocks.
    let mut one = [0.0f64];
    dynamic_slice(&[7.0], &[], &[], &[], &mut one);
    assert_eq!(one, [7.0]);
    let mut none: [f64; 0] = [];
    dynamic_slice(&[7.0, 8.0], &[2], &[0], &[0], &mut none);
}
