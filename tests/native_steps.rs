//! `concatenate`, `cumsum`, `argmax`/`argmin`, `sort`/`argsort` and `matmul`
//! run natively in compiled plans: the same bits as eager mode (the same
//! routines as `eval`) for every dtype, odd sizes and every axis, inside a
//! loop body too, with a Variable updated in place; and the compiled plan
//! has no interpreter step.

use heron as hn;
use heron::prelude::*;

/// An array of `shape` and `dtype` with repeats, negative values, and NaN
/// and ±inf for floats (sorts and arg-reductions must agree on them).
fn operand(shape: &[usize], dtype: DType, seed: u64) -> Array {
    let n: usize = shape.iter().product();
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let v: Vec<f64> = (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            match s % 29 {
                0 if dtype.is_float() => f64::NAN,
                1 if dtype.is_float() => f64::INFINITY,
                2 if dtype.is_float() => f64::NEG_INFINITY,
                r => (r as f64 - 14.0) * 0.75,
            }
        })
        .collect();
    let s: Vec<isize> = shape.iter().map(|&d| d as isize).collect();
    hn::array(&v[..]).astype(dtype).reshape(&s)
}

/// The raw bits of every element, so NaN compares equal to itself.
fn bits(x: &Array) -> (Vec<usize>, DType, Vec<u64>) {
    let v: Vec<u64> = match x.dtype() {
        DType::F32 => x
            .to_vec::<f32>()
            .iter()
            .map(|f| u64::from(f.to_bits()))
            .collect(),
        DType::F64 => x.to_vec::<f64>().iter().map(|f| f.to_bits()).collect(),
        DType::I32 => x.to_vec::<i32>().iter().map(|&i| i as u64).collect(),
        DType::I64 => x.to_vec::<i64>().iter().map(|&i| i as u64).collect(),
        DType::U32 => x.to_vec::<u32>().iter().map(|&i| u64::from(i)).collect(),
        DType::Bool => x.to_vec::<bool>().iter().map(|&b| u64::from(b)).collect(),
    };
    (x.shape().to_vec(), x.dtype(), v)
}

/// Every op of this file along `axis` of `x` (and `y` for concatenate).
fn all_ops(x: &Array, y: &Array, axis: isize) -> Vec<Array> {
    let mut out = vec![
        hn::concatenate(&[x, y], axis),
        x.sort(axis),
        x.argsort(axis),
        x.argmax_axis(axis),
        x.argmin_axis(axis),
    ];
    if x.dtype() != DType::Bool || axis >= 0 {
        out.push(x.cumsum(axis));
    }
    out
}

const DTYPES: [DType; 6] = [
    DType::F32,
    DType::F64,
    DType::I32,
    DType::I64,
    DType::U32,
    DType::Bool,
];

#[test]
fn jit_gives_eager_bits_for_every_dtype_axis_and_odd_size() {
    for dtype in DTYPES {
        for shape in [&[1][..], &[7], &[17, 3], &[3, 65], &[2, 5, 7], &[130]] {
            for axis in 0..shape.len() as isize {
                let (x, y) = (operand(shape, dtype, 3), operand(shape, dtype, 4));
                let f = hn::jit(move |(x, y): (Array, Array)| all_ops(&x, &y, axis));
                let compiled = f.compile((&x, &y));
                assert!(
                    compiled.interpreter_ops().is_empty(),
                    "{dtype}{shape:?}: {:?}",
                    compiled.interpreter_ops()
                );
                let jit = f.call((&x, &y));
                let eager = all_ops(&x, &y, axis);
                for (j, e) in jit.iter().zip(&eager) {
                    assert_eq!(bits(j), bits(e), "{dtype}{shape:?} axis {axis}");
                }
            }
        }
    }
}

#[test]
fn every_step_of_the_plan_is_native() {
    let f = hn::jit(|(x, w): (Array, Array)| {
        let h = x.matmul(&w).tanh();
        let c = hn::concatenate(&[&h, &h], 0);
        (c.cumsum(1).sort(0), c.argmax_axis(1), h.argsort(0))
    });
    let (x, w) = (
        operand(&[4, 6], DType::F32, 1),
        operand(&[6, 5], DType::F32, 2),
    );
    let compiled = f.compile((&x, &w));
    let names: Vec<String> = compiled.kernels().iter().map(|k| k.name.clone()).collect();
    for op in [
        "matmul",
        "concatenate",
        "cumsum",
        "argmax",
        "sort",
        "argsort",
    ] {
        assert!(
            names.contains(&format!("native:{op}")),
            "{op} not native: {names:?}"
        );
    }
    assert!(compiled.kernels().iter().all(|k| k.native), "{names:?}");
    assert!(compiled.interpreter_ops().is_empty());
}

#[test]
fn native_steps_in_a_loop_body_update_variables_in_place() {
    // The product and the sort read the Variable whose buffer they write;
    // integers, so every step is exact and the order is comparable.
    let v = Variable::new(operand(&[8, 8], DType::I32, 5));
    let order = Variable::new(hn::zeros(&[8, 8], DType::I32));
    let w = operand(&[8, 8], DType::I32, 6);
    let eager_v = Variable::new(v.value());
    let eager_order = Variable::new(order.value());
    let step = |v: &Variable, order: &Variable, w: &Array| {
        v.set(v.matmul(w) % 101);
        v.set(v.sort(1));
        order.set(v.argsort(0));
    };
    let f = {
        let (v, order, w) = (v.clone(), order.clone(), w.clone());
        hn::jit(move |_: Array| {
            hn::fori_loop(0, 5, |_| step(&v, &order, &w));
            v.value()
        })
    };
    f.call(&hn::zeros(&[1], DType::F32));
    for _ in 0..5 {
        step(&eager_v, &eager_order, &w);
    }
    assert_eq!(v.value().to_vec::<i32>(), eager_v.value().to_vec::<i32>());
    assert_eq!(
        order.value().to_vec::<i32>(),
        eager_order.value().to_vec::<i32>()
    );
    let compiled = f.compile(&hn::zeros(&[1], DType::F32));
    assert!(compiled.interpreter_ops().is_empty());
}

#[test]
fn data_errors_stay_errors() {
    let f = hn::jit(|x: Array| x.argmax_axis(1));
    let empty = hn::zeros(&[3, 0], DType::F32);
    let e = f.try_call(&empty).unwrap_err().to_string();
    assert!(e.contains("argmax"), "{e}");
}
