//! Properties that tie ops to each other on random operands: broadcasting
//! equals broadcasting first, slices equal naive indexing, set then slice
//! reads back the value, sort equals gathering by argsort, reductions over
//! several axes equal one axis at a time, pairwise f32 sums stay close.

use super::{run, show, val};
use crate::{Axes, AxisSlice, BinaryOp, Op, ReduceOp, Shape, SliceSpec, Value};
use proptest::prelude::*;

/// A shape of rank 0..=3 with extents 0..=3.
fn shape() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0usize..=3, 0..=3)
}

/// An i32 value of `dims` with small elements.
fn ints(dims: Vec<usize>) -> impl Strategy<Value = Value> {
    let n: usize = dims.iter().product();
    prop::collection::vec(-4i32..=4, n).prop_map(move |data| val(&dims, &data))
}

/// A shape that broadcasts to `dims`: some axes set to 1, some leading axes dropped.
fn broadcastable(dims: Vec<usize>) -> impl Strategy<Value = Vec<usize>> {
    let rank = dims.len();
    (prop::collection::vec(any::<bool>(), rank), 0..=rank).prop_map(move |(ones, drop)| {
        dims.iter()
            .zip(ones)
            .skip(drop)
            .map(|(&d, one)| if one { 1 } else { d })
            .collect()
    })
}

/// A valid strided slice of `dims`: one `AxisSlice` per axis, any non-zero step.
fn slice_of(dims: Vec<usize>) -> impl Strategy<Value = SliceSpec> {
    let axes: Vec<_> = dims
        .into_iter()
        .map(|n| {
            (
                0..n.max(1),
                prop_oneof![-3isize..=-1, 1isize..=3],
                any::<prop::sample::Index>(),
            )
                .prop_map(move |(start, step, pick)| {
                    let room = if n == 0 {
                        0
                    } else if step > 0 {
                        (n - start).div_ceil(step as usize)
                    } else {
                        start / step.unsigned_abs() + 1
                    };
                    let len = pick.index(room + 1);
                    AxisSlice {
                        start: if n == 0 { 0 } else { start },
                        step,
                        len,
                    }
                })
        })
        .collect();
    axes.prop_map(|v| v.into_iter().collect())
}

fn element(x: &Value, index: &[usize]) -> i32 {
    let flat = index
        .iter()
        .zip(x.shape.strides())
        .map(|(i, s)| i * s)
        .sum::<usize>();
    x.as_slice::<i32>()[flat]
}

/// Every index of `dims` in row-major order.
fn indices(dims: &[usize]) -> Vec<Vec<usize>> {
    let mut all = vec![vec![]];
    for &d in dims {
        all = all
            .into_iter()
            .flat_map(|prefix| {
                (0..d).map(move |i| {
                    let mut p = prefix.clone();
                    p.push(i);
                    p
                })
            })
            .collect();
    }
    all
}

proptest! {
    #[test]
    fn broadcasting_equals_broadcasting_first(
        (out, a, b) in shape().prop_flat_map(|d| (Just(d.clone()), broadcastable(d.clone()), broadcastable(d)))
            .prop_flat_map(|(d, a, b)| (Just(d), ints(a), ints(b)))
    ) {
        let full = Shape::from(out);
        let target = Shape::broadcast(&a.shape, &b.shape).unwrap();
        let wide = |x: &Value| run(&Op::BroadcastTo(target.clone()), &[x]).unwrap();
        for op in [BinaryOp::Sub, BinaryOp::Lt, BinaryOp::Div] {
            let direct = run(&Op::Binary(op), &[&a, &b]).unwrap();
            let first = run(&Op::Binary(op), &[&wide(&a), &wide(&b)]).unwrap();
            prop_assert_eq!(show(&direct), show(&first));
        }
        prop_assert!(target.broadcasts_to(&full));
    }

    #[test]
    fn slices_read_start_plus_index_times_step(
        (x, spec) in shape().prop_flat_map(|d| (ints(d.clone()), slice_of(d)))
    ) {
        let got = run(&Op::Slice(spec.clone()), &[&x]).unwrap();
        for (k, index) in indices(&got.shape).iter().enumerate() {
            let src: Vec<usize> = index
                .iter()
                .zip(&spec)
                .map(|(&i, s)| (s.start as isize + i as isize * s.step) as usize)
                .collect();
            prop_assert_eq!(got.as_slice::<i32>()[k], element(&x, &src));
        }
    }

    #[test]
    fn set_then_slice_reads_the_value_and_nothing_else_changes(
        (x, spec, v) in shape().prop_flat_map(|d| (ints(d.clone()), slice_of(d), -9i32..=9))
    ) {
        let value = val(&[], &[v]);
        let set = run(&Op::SetSlice(spec.clone()), &[&x, &value]).unwrap();
        let region = run(&Op::Slice(spec.clone()), &[&set]).unwrap();
        prop_assert!(region.as_slice::<i32>().iter().all(|&e| e == v));
        let marker = val(&[], &[i32::MIN]);
        let marked = run(&Op::SetSlice(spec), &[&x, &marker]).unwrap();
        for ((&s, &m), &o) in set.as_slice::<i32>().iter().zip(marked.as_slice::<i32>()).zip(x.as_slice::<i32>()) {
            if m != i32::MIN {
                prop_assert_eq!(s, o);
            }
        }
    }

    #[test]
    fn sort_equals_gathering_by_argsort(
        data in prop::collection::vec(
            prop_oneof![Just(f32::NAN), Just(-0.0f32), (-3i8..=3).prop_map(f32::from)],
            0..40,
        )
    ) {
        let x = val(&[data.len()], &data);
        let sorted = run(&Op::Sort { axis: 0 }, &[&x]).unwrap();
        let order = run(&Op::Argsort { axis: 0 }, &[&x]).unwrap();
        let gathered = run(&Op::Take { axis: 0 }, &[&x, &order]).unwrap();
        prop_assert_eq!(show(&sorted), show(&gathered));
        let s = sorted.as_slice::<f32>();
        let o = order.as_slice::<i32>();
        for k in 1..s.len() {
            let (a, b) = (s[k - 1], s[k]);
            prop_assert!(b.is_nan() || a <= b, "{a} before {b}");
            if a == b || (a.is_nan() && b.is_nan()) {
                prop_assert!(o[k - 1] < o[k], "ties keep their order");
            }
        }
    }

    #[test]
    fn reducing_several_axes_equals_one_at_a_time(
        x in prop::collection::vec(1usize..=3, 3).prop_flat_map(ints)
    ) {
        let reduce = |x: &Value, op, axes: &[usize]| {
            run(&Op::Reduce { op, axes: Axes::from_slice(axes) }, &[x]).unwrap()
        };
        for op in [ReduceOp::Sum, ReduceOp::Max, ReduceOp::Prod, ReduceOp::Any] {
            let both = reduce(&x, op, &[0, 2]);
            let inner = reduce(&x, op, &[2]);
            let stepwise = reduce(&inner, op, &[0]);
            prop_assert_eq!(show(&both), show(&stepwise));
        }
        let cum = run(&Op::Cumsum { axis: 1 }, &[&x]).unwrap();
        let n = x.shape[1];
        let last = AxisSlice { start: n - 1, step: 1, len: 1 };
        let full = |d: usize| AxisSlice { start: 0, step: 1, len: d };
        let spec: SliceSpec = [full(x.shape[0]), last, full(x.shape[2])].into_iter().collect();
        let tail = run(&Op::Slice(spec), &[&cum]).unwrap();
        let sum = reduce(&x, ReduceOp::Sum, &[1]);
        prop_assert_eq!(tail.as_slice::<i32>(), sum.as_slice::<i32>());
    }

    #[test]
    fn pairwise_f32_sums_stay_close_to_the_exact_sum(
        data in prop::collection::vec(-1.0e3f32..1.0e3, 0..3000)
    ) {
        let x = val(&[data.len()], &data);
        let got = run(&Op::Reduce { op: ReduceOp::Sum, axes: Axes::from_slice(&[0]) }, &[&x]).unwrap();
        let exact: f64 = data.iter().map(|&v| v as f64).sum();
        let scale: f64 = data.iter().map(|&v| v.abs() as f64).sum();
        let err = (got.as_slice::<f32>()[0] as f64 - exact).abs();
        prop_assert!(err <= 16.0 * f32::EPSILON as f64 * scale + 1e-30, "error {err} for scale {scale}");
    }
}
