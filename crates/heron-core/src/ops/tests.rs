//! The operations traced inside a trace and run through `heron_ir::eval`
//! give the same values as eager evaluation, and record the expected nodes.

use crate::creation::{arange, array};
use crate::{Array, Variable, s, trace};
use heron_ir::{DType, Shape, Value};

/// Runs `f` eagerly on `inputs`, then traced (inputs as graph arguments) and
/// evaluates the graph; both must give bit-identical results.
fn check_traced(inputs: &[Array], f: impl Fn(&[Array]) -> Vec<Array>) {
    let eager = f(inputs);
    trace::begin();
    let args: Vec<Array> = inputs
        .iter()
        .map(|a| trace::arg(Shape::new(a.shape()), a.dtype()))
        .collect();
    let out = f(&args);
    assert!(
        out.iter().all(|a| a.is_traced()),
        "every result depends on an argument"
    );
    let traced = trace::finish(&out).expect("trace finishes");
    let params: Vec<Value> = inputs.iter().map(|a| a.value().clone()).collect();
    let values = heron_ir::eval(&traced.graph, &params).expect("graph evaluates");
    assert_eq!(values.len(), eager.len());
    for (i, (v, e)) in values.iter().zip(&eager).enumerate() {
        let e = e.value();
        assert_eq!((v.shape(), v.dtype()), (e.shape(), e.dtype()), "result {i}");
        assert_eq!(
            v.buf().bytes(),
            e.buf().bytes(),
            "result {i}: {v:?} vs {e:?}"
        );
    }
}

#[test]
fn arithmetic_and_math_trace_like_eager() {
    let x = arange(-3.0, 3.0, 0.5).reshape(&[3, 4]);
    let n = array(&[[1, -2, 3, 4]]);
    check_traced(&[x, n], |a| {
        let (x, n) = (&a[0], &a[1]);
        vec![
            (x * 2.0 + 1) / (x.abs() + 1.0) - n,
            n / 2,
            n % 3,
            -n,
            x.exp().sigmoid().maximum(0.5).clip(0.0, 0.9),
            n.sqrt(),
            x.gt(n) & x.lt(1.0),
            !x.ge(0.0),
            crate::where_(x.gt(0.0), x, 0),
            x.pow(2).arctan2(1.0),
            n.astype(DType::F64) * 0.5,
        ]
    });
}

#[test]
fn reductions_and_shapes_trace_like_eager() {
    let x = arange(0.0, 24.0, 1.0).reshape(&[2, 3, 4]);
    check_traced(&[x], |a| {
        let x = &a[0];
        vec![
            x.sum(),
            x.mean_axis(-1),
            x.max_axis(1),
            x.argmax(),
            x.argmin_axis(0),
            x.var(),
            x.std_axis(2),
            x.cumsum(1),
            x.any(),
            x.transpose(),
            x.reshape(&[4, -1]),
            x.expand_dims(-1).squeeze(),
            x.slice(s![0]).broadcast_to(&[2, 3, 4]),
            crate::concatenate(&[x, &x.astype(DType::I32)], 1),
            crate::stack(&[x, x], 0),
            x.flatten().sort(0),
            x.argsort(-1),
        ]
    });
}

#[test]
fn indexing_traces_like_eager() {
    let x = arange(0.0, 20.0, 1.0).reshape(&[4, 5]);
    let idx = array(&[3, 0, -1]);
    check_traced(&[x, idx], |a| {
        let (x, idx) = (&a[0], &a[1]);
        let mut y = x.clone();
        y.set(s![1..3, ..;2], 100.0);
        y.set(s![0], x.slice(s![3]));
        y.set(s![.., -1], 7);
        let rows: Vec<Array> = x.iter().rev().collect();
        vec![
            x.slice(s![1..3, -1]),
            x.slice(s![..;-1, 1..=3;2]),
            x.take(idx, 1),
            y,
            crate::stack(&rows.iter().collect::<Vec<_>>(), 0),
            x.slice(s![2..=1]).sum_axis(0),
        ]
    });
}

#[test]
fn linalg_traces_like_eager() {
    let a = arange(0.0, 6.0, 1.0).reshape(&[2, 3]);
    let b = array(&[1, 2, 3]);
    check_traced(&[a, b], |x| {
        let (a, b) = (&x[0], &x[1]);
        vec![
            a.matmul(b),
            crate::dot(b, b),
            crate::outer(b, a.slice(s![0])),
            a.matmul(a.transpose()),
        ]
    });
}

#[test]
fn variables_are_operands_and_compound_assignment_writes_them() {
    let mut v = Variable::new(array(&[1.0f32, 2.0]));
    let y = &v * 2.0 + &v;
    assert_eq!(y.to_vec::<f32>(), vec![3.0, 6.0]);
    v += 1.0;
    v *= &array(&[2.0f32, 3.0]);
    assert_eq!(v.value().to_vec::<f32>(), vec![4.0, 9.0]);

    trace::begin();
    let x = trace::arg(Shape::new(&[2]), DType::F32);
    v += &x;
    let traced = trace::finish(&[]).unwrap();
    let text = traced.graph.to_text();
    assert!(text.contains("add"), "{text}");
    assert_eq!(traced.vars.len(), 1);
    // Tracing records the write; the variable itself is untouched.
    assert_eq!(v.value().to_vec::<f32>(), vec![4.0, 9.0]);
}

#[test]
fn traced_arrays_print_their_type() {
    trace::begin();
    let x = trace::arg(Shape::new(&[3, 4]), DType::F32);
    assert_eq!(format!("{x}"), "Traced<f32[3,4]>");
    assert_eq!(format!("{:?}", x.sum_axis(0)), "Traced<f32[4]>");
    trace::abandon();
}

mod slicing_properties {
    use super::check_traced;
    use crate::creation::arange_i;
    use crate::ops::SliceElem;
    use proptest::prelude::*;

    fn elem(n: usize) -> impl Strategy<Value = SliceElem> {
        let n = n as isize;
        let bound = proptest::option::of(-n - 2..n + 3);
        let step = prop_oneof![-3isize..0, 1isize..4];
        let range = (bound.clone(), bound, any::<bool>(), step).prop_map(
            |(start, end, inclusive, step)| SliceElem::Range {
                start,
                end,
                inclusive,
                step,
            },
        );
        if n == 0 {
            range.boxed()
        } else {
            prop_oneof![range, (-n..n).prop_map(SliceElem::Index)].boxed()
        }
    }

    fn case() -> impl Strategy<Value = (Vec<usize>, Vec<SliceElem>)> {
        proptest::collection::vec(0usize..5, 1..4).prop_flat_map(|shape| {
            let elems: Vec<_> = shape.iter().map(|&n| elem(n)).collect();
            let shape2 = shape.clone();
            (Just(shape), elems, 0..=shape2.len())
                .prop_map(|(shape, elems, keep)| (shape, elems[..keep].to_vec()))
        })
    }

    proptest! {
        #[test]
        fn set_then_slice_round_trips((shape, index) in case()) {
            let size: usize = shape.iter().product();
            let dims: Vec<isize> = shape.iter().map(|&d| d as isize).collect();
            let a = arange_i(0, size as i32, 1).reshape(&dims);
            let region = a.slice(&index);
            let rdims: Vec<isize> = region.shape().iter().map(|&d| d as isize).collect();
            let v = -(arange_i(0, region.size() as i32, 1).reshape(&rdims) + 1);
            let mut b = a.clone();
            b.set(&index, &v);
            prop_assert_eq!(b.slice(&index).to_vec::<i32>(), v.to_vec::<i32>());
            // Slices select distinct elements: exactly the region changed.
            let changed = b.to_vec::<i32>().iter().filter(|&&x| x < 0).count();
            prop_assert_eq!(changed, region.size());
            prop_assert_eq!(a.to_vec::<i32>(), (0..size as i32).collect::<Vec<_>>());
            check_traced(&[a, v], |x| {
                let mut b = x[0].clone();
                b.set(&index, &x[1]);
                vec![x[0].slice(&index) * 1, b]
            });
        }
    }
}
