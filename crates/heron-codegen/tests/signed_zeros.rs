//! Max and min reductions of arrays of `±0` (and a few other values),
//! compiled against `eval`, bit for bit: a tie of `+0` and `-0` is settled
//! by the bits (`+0` wins a max, `-0` a min), so the result must not depend
//! on how the compiled code splits the elements among lanes, unrolled
//! accumulators, columns, chunks and threads. Lengths sit around 4, 8, 16
//! and 32 lanes, the chunk threshold and the parallel threshold; full and
//! axis reductions; f32 and f64.

mod common;

use common::{Rng, Tol, assert_close, run_executable};
use heron_codegen::compile;
use heron_ir::{
    Axes, Buffer, DType, Graph, Op, OutputRole, ParamRole, ReduceOp, Shape, UnaryOp, Value, eval,
};

/// `reduce(x)` over `axes` of a `dims` parameter, with `x` negated first
/// (a fused producer) when `negate`.
fn graph(op: ReduceOp, dtype: DType, dims: &[usize], axes: &[usize], negate: bool) -> Graph {
    let mut g = Graph::new();
    let x = g.param(Shape::new(dims), dtype, ParamRole::Arg(0));
    let src = if negate {
        g.add(Op::Unary(UnaryOp::Neg), &[x]).unwrap()
    } else {
        x
    };
    let axes: Axes = axes.iter().copied().collect();
    let r = g.add(Op::Reduce { op, axes }, &[src]).unwrap();
    g.output(r, OutputRole::Result(0));
    g
}

/// A value of `dtype` holding `data` (given as f64).
fn value(dims: &[usize], dtype: DType, data: &[f64]) -> Value {
    let mut buf = Buffer::zeroed(dtype, data.len());
    match dtype {
        DType::F32 => {
            let out = buf.as_mut_slice::<f32>();
            for (o, &d) in out.iter_mut().zip(data) {
                *o = d as f32;
            }
        }
        _ => buf.as_mut_slice::<f64>().copy_from_slice(data),
    }
    Value::new(Shape::new(dims), buf)
}

/// Arrangements of `n` signed zeros: all of one sign with a single zero of
/// the other sign at a few positions (each lane, each end, the middle),
/// halves, alternation, a NaN among zeros, and random signs; with `other`
/// (a value that loses the reduction) mixed in for the last ones.
fn patterns(n: usize, other: f64, rng: &mut Rng) -> Vec<Vec<f64>> {
    let mut out = Vec::new();
    let mut spots: Vec<usize> = (0..n.min(40)).collect();
    spots.extend([n / 2, n.saturating_sub(1), n.saturating_sub(9)]);
    spots.retain(|&p| p < n);
    for (base, odd) in [(-0.0, 0.0), (0.0, -0.0)] {
        out.push(vec![base; n]);
        for &p in &spots {
            let mut v = vec![base; n];
            v[p] = odd;
            out.push(v);
        }
        out.push((0..n).map(|i| if i < n / 2 { base } else { odd }).collect());
        out.push(
            (0..n)
                .map(|i| if i % 2 == 0 { base } else { odd })
                .collect(),
        );
    }
    // A NaN anywhere wins, whatever the zeros around it.
    for p in [0, n / 2, n - 1] {
        let mut v: Vec<f64> = (0..n)
            .map(|i| if i % 3 == 0 { 0.0 } else { -0.0 })
            .collect();
        v[p] = f64::NAN;
        out.push(v);
    }
    for k in 0..6 {
        out.push(
            (0..n)
                .map(|_| match rng.next() % if k < 3 { 2 } else { 5 } {
                    0 => 0.0,
                    1 => -0.0,
                    _ => other,
                })
                .collect(),
        );
    }
    out
}

/// The expected full reduction of signed zeros mixed with losing values
/// and NaN (`None` when neither a zero nor a NaN is present).
fn expected(op: ReduceOp, data: &[f64]) -> Option<f64> {
    if data.iter().any(|v| v.is_nan()) {
        return Some(f64::NAN);
    }
    let zeros = data.iter().filter(|v| **v == 0.0);
    let (pos, neg) = zeros.fold((false, false), |(p, n), z| {
        (p || z.is_sign_positive(), n || z.is_sign_negative())
    });
    match op {
        ReduceOp::Max if pos => Some(0.0),
        ReduceOp::Min if neg => Some(-0.0),
        _ if pos || neg => Some(if pos { 0.0 } else { -0.0 }),
        _ => None,
    }
}

/// Compiles `reduce(x)` once and checks every pattern against `eval`
/// (and, for a full reduction without a producer, against the rule).
fn check_patterns(op: ReduceOp, dtype: DType, dims: &[usize], axes: &[usize], negate: bool) {
    let g = graph(op, dtype, dims, axes, negate);
    let exe = compile(&g).expect("compiles");
    let n: usize = dims.iter().product();
    let full = axes.len() == dims.len();
    // Values that lose: below every zero for max, above for min.
    let other = match (op, negate) {
        (ReduceOp::Max, false) | (ReduceOp::Min, true) => -1.0,
        _ => 1.0,
    };
    let mut rng = Rng(n as u64 ^ 0x5eed);
    for data in patterns(n, other, &mut rng) {
        let x = value(dims, dtype, &data);
        let want = eval(&g, std::slice::from_ref(&x)).expect("eval succeeds");
        let got = run_executable(&exe, &[x]);
        let what = format!("{op:?} of {dtype}{dims:?} over {axes:?} (negate {negate})");
        assert_close(&what, &got[0], &want[0], Tol::Exact, &[]);
        if full
            && !negate
            && let Some(z) = expected(op, &data)
        {
            let rule = value(&[], dtype, &[z]);
            assert_close(&what, &want[0], &rule, Tol::Exact, &[]);
        }
    }
}

const OPS: [(ReduceOp, DType); 4] = [
    (ReduceOp::Max, DType::F32),
    (ReduceOp::Min, DType::F32),
    (ReduceOp::Max, DType::F64),
    (ReduceOp::Min, DType::F64),
];

#[test]
fn full_reductions_of_signed_zeros_match_eval_at_lane_boundaries() {
    let lengths = [
        1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 4097,
    ];
    for (op, dtype) in OPS {
        for n in lengths {
            check_patterns(op, dtype, &[n], &[0], false);
        }
        check_patterns(op, dtype, &[33], &[0], true);
    }
}

#[test]
fn long_and_parallel_reductions_of_signed_zeros_match_eval() {
    // Around the chunk threshold (1 << 16 elements of work), at and past
    // the parallel threshold (1 << 18), split into partials or not.
    let lengths = [
        (1 << 16) - 1,
        1 << 16,
        (1 << 16) + 1,
        1 << 18,
        (1 << 18) + 1,
        3 << 17,
    ];
    for (op, dtype) in OPS {
        for n in lengths {
            check_patterns(op, dtype, &[n], &[0], false);
        }
    }
}

#[test]
fn axis_reductions_of_signed_zeros_match_eval() {
    let cases: &[(&[usize], &[usize])] = &[
        // Rows (contiguous reduced axis), columns (accumulators per
        // column), an outer and an inner axis together.
        (&[3, 17], &[1]),
        (&[5, 32], &[1]),
        (&[17, 3], &[0]),
        (&[33, 8], &[0]),
        (&[9, 16], &[0]),
        (&[4, 5, 6], &[0, 2]),
        (&[6, 4, 33], &[1]),
        // Large enough to launch in parallel.
        (&[512, 1024], &[1]),
        (&[1024, 512], &[0]),
    ];
    for (op, dtype) in OPS {
        for &(dims, axes) in cases {
            check_patterns(op, dtype, dims, axes, false);
            check_patterns(op, dtype, dims, axes, true);
        }
    }
}
