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
fn dynamic_slices_clamp_like_jax() {
    // Negative starts count from the end once, then clamp.
    assert_eq!(clamp_start(-3, 5, 2), 2);
    assert_eq!(clamp_start(-1, 5, 2), 3);
    assert_eq!(clamp_start(-6, 5, 2), 0);
    assert_eq!(clamp_start(i64::MIN, 5, 2), 0);
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

mod graphs {
    use crate::{DType, Graph, Op, OutputRole, ParamRole, ScatterMode, Shape, Value, eval};
    use expect_test::expect;

    /// A graph using every indexed op, printed, then evaluated.
    #[test]
    fn every_indexed_op_prints_and_evaluates() {
        let mut g = Graph::new();
        let x = g.param(Shape::new(&[4, 2]), DType::F32, ParamRole::Arg(0));
        let idx = g.param(Shape::new(&[3]), DType::I32, ParamRole::Arg(1));
        let vals = g.param(Shape::new(&[3, 2]), DType::F32, ParamRole::Arg(2));
        let start = g.param(Shape::new(&[]), DType::I64, ParamRole::Arg(3));
        let along = g.param(Shape::new(&[4, 1]), DType::U32, ParamRole::Arg(4));
        let add = g
            .add(
                Op::Scatter {
                    mode: ScatterMode::Add,
                },
                &[x, idx, vals],
            )
            .unwrap();
        let set = g
            .add(
                Op::Scatter {
                    mode: ScatterMode::Set,
                },
                &[add, idx, vals],
            )
            .unwrap();
        let ids = g.param(Shape::new(&[3]), DType::I32, ParamRole::Arg(5));
        let seg = g
            .add(Op::SegmentSum { num_segments: 5 }, &[vals, ids])
            .unwrap();
        let ds = Op::DynamicSlice {
            sizes: Shape::new(&[2, 2]),
        };
        let block = g.add(ds, &[seg, start, start]).unwrap();
        let dus = g
            .add(Op::DynamicUpdateSlice, &[set, block, start, start])
            .unwrap();
        let tal = g.add(Op::TakeAlongAxis { axis: 1 }, &[dus, along]).unwrap();
        g.output(tal, OutputRole::Result(0));
        expect![[r#"
            { lambda a:f32[4,2] b:i32[3] c:f32[3,2] d:i64[] e:u32[4,1] f:i32[3] .
              let g:f32[4,2] = scatter_add a b c
                  h:f32[4,2] = scatter_set g b c
                  i:f32[5,2] = segment_sum[num_segments=5] c f
                  j:f32[2,2] = dynamic_slice[sizes=(2,2)] i d d
                  k:f32[4,2] = dynamic_update_slice h j d d
                  l:f32[4,1] = take_along_axis[axis=1] k e
              in (l) }"#]]
        .assert_eq(&g.to_text());
        let params = [
            Value::from_slice(
                Shape::new(&[4, 2]),
                &[0.0f32, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
            ),
            Value::from_slice(Shape::new(&[3]), &[1i32, -1, 1]),
            Value::from_slice(
                Shape::new(&[3, 2]),
                &[10.0f32, 20.0, 30.0, 40.0, 50.0, 60.0],
            ),
            Value::from_slice(Shape::new(&[]), &[3i64]),
            Value::from_slice(Shape::new(&[4, 1]), &[1u32, 0, 1, 1]),
            Value::from_slice(Shape::new(&[3]), &[4i32, 1, 4]),
        ];
        let out = eval(&g, &params).unwrap();
        // set: rows 1 and 3 hold the last values written ([50, 60], [30,
        // 40]); the sums are [60, 80] in row 4 and [30, 40] in row 1; their
        // [2, 2] block at (3, 3) clamps to (3, 0): rows [0, 0], [60, 80],
        // written at (3, 3) clamped to (2, 0) of the [4, 2] array.
        assert_eq!(out[0].as_slice::<f32>(), [1.0, 50.0, 0.0, 80.0]);
    }

    #[test]
    fn rules_reject_bad_operands_naming_the_op() {
        let t = |dims: &[usize]| Shape::new(dims);
        let err =
            |op: Op, types: &[(&Shape, DType)]| crate::infer(&op, types).unwrap_err().to_string();
        let (x, i, v) = (t(&[4, 2]), t(&[3]), t(&[3, 2]));
        let scatter = Op::Scatter {
            mode: ScatterMode::Add,
        };
        let e = err(
            scatter.clone(),
            &[(&x, DType::F32), (&i, DType::F32), (&v, DType::F32)],
        );
        assert!(
            e.starts_with("scatter_add: indices must be integers"),
            "{e}"
        );
        let e = err(
            scatter.clone(),
            &[(&x, DType::F32), (&i, DType::I32), (&v, DType::F64)],
        );
        assert!(e.contains("cast first"), "{e}");
        let e = err(
            scatter,
            &[(&x, DType::F32), (&i, DType::I32), (&x, DType::F32)],
        );
        assert!(e.contains("expected [3, 2]"), "{e}");
        let e = err(
            Op::TakeAlongAxis { axis: 0 },
            &[(&x, DType::F32), (&t(&[3, 1]), DType::I32)],
        );
        assert!(
            e.starts_with("take_along_axis: indices of shape [3, 1]"),
            "{e}"
        );
        let e = err(
            Op::SegmentSum { num_segments: 2 },
            &[(&x, DType::F32), (&i, DType::I32)],
        );
        assert!(e.starts_with("segment_sum: segment ids"), "{e}");
        let s = t(&[]);
        let ds = |dims: &[usize]| Op::DynamicSlice { sizes: t(dims) };
        let e = err(
            ds(&[5, 1]),
            &[(&x, DType::F32), (&s, DType::I32), (&s, DType::I32)],
        );
        assert!(e.contains("do not fit"), "{e}");
        let e = err(ds(&[1, 1]), &[(&x, DType::F32), (&s, DType::I32)]);
        assert!(e.contains("expects 2 start indices"), "{e}");
        let e = err(
            ds(&[1, 1]),
            &[(&x, DType::F32), (&s, DType::I32), (&i, DType::I32)],
        );
        assert!(e.contains("start index 1 must be a 0-d integer"), "{e}");
        let e = err(
            Op::DynamicUpdateSlice,
            &[
                (&x, DType::F32),
                (&t(&[2]), DType::F32),
                (&s, DType::I32),
                (&s, DType::I32),
            ],
        );
        assert!(e.starts_with("dynamic_update_slice:"), "{e}");
    }
}
