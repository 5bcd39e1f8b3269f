//! Differential property test of the whole pipeline through the public API:
//! random chains of array operations over random broadcast-compatible shapes
//! and dtypes, run eagerly (the interpreter) and through `jit` (traced,
//! optimised, fused and compiled to native code). Integers and bools must be
//! equal exactly; floats within 4 ulp, or a relative 1e-5 of the magnitude
//! after a reduction (the compiled code may sum in another order) or a
//! transcendental (compiled to inline vector math within the ulp bounds of
//! `docs/VECTOR_MATH.md`, at most 3 ulp: later ops of the program may turn
//! those few ulp of an intermediate into a larger relative error of a small
//! result, as in `2.6 - exp(cos(x))`).

use heron as hn;
use heron::prelude::*;
use proptest::prelude::*;

/// One step of a random program: reads earlier values by index (modulo the
/// number of values so far) and appends its result.
#[derive(Clone, Debug)]
enum Step {
    Binary(u8, usize, usize),
    Scalar(u8, usize, f64),
    Unary(u8, usize),
    Compare(u8, usize, usize),
    Where(usize, usize, usize),
    Cast(u8, usize),
    Reduce(u8, usize, i8),
    Slice(usize),
    Transpose(usize),
}

#[derive(Clone, Debug)]
struct Program {
    shapes: Vec<Vec<usize>>,
    dtype: DType,
    steps: Vec<Step>,
    seed: u64,
}

fn unary(code: u8, x: &Array) -> Array {
    let is_float = x.dtype() == DType::F32 || x.dtype() == DType::F64;
    if !is_float {
        return match code % 3 {
            0 => -x,
            1 => x.abs(),
            _ => x.square(),
        };
    }
    match code % 12 {
        0 => -x,
        1 => x.abs(),
        2 => x.clip(-20.0, 20.0).exp(),
        3 => (x.abs() + 1.0).log(),
        4 => x.sin(),
        5 => x.tanh(),
        6 => x.abs().sqrt(),
        7 => x.floor(),
        8 => x.sigmoid(),
        9 => x.cos(),
        10 => x.round(),
        _ => x.square(),
    }
}

/// Whether unary op `code` is a transcendental on floats (see `unary`).
fn is_transcendental(code: u8) -> bool {
    matches!(code % 12, 2 | 3 | 4 | 5 | 8 | 9)
}

fn binary(code: u8, a: &Array, b: &Array) -> Array {
    let (a, b) = promote(a, b);
    let is_float = a.dtype() == DType::F32 || a.dtype() == DType::F64;
    match code % 6 {
        0 => &a + &b,
        1 => &a - &b,
        2 => &a * &b,
        3 if is_float => &a / &(b.abs() + 1.0),
        4 => hn::maximum(&a, &b),
        _ => hn::minimum(&a, &b),
    }
}

fn promote(a: &Array, b: &Array) -> (Array, Array) {
    let fix = |x: &Array| {
        if x.dtype() == DType::Bool {
            x.astype(DType::I32)
        } else {
            x.clone()
        }
    };
    (fix(a), fix(b))
}

/// Runs the program on `inputs` (concrete or traced alike).
fn run(p: &Program, inputs: Vec<Array>) -> Vec<Array> {
    let mut vals = inputs;
    for step in &p.steps {
        let get = |i: usize| vals[i % vals.len()].clone();
        let next = match *step {
            Step::Binary(c, i, j) => binary(c, &get(i), &get(j)),
            Step::Scalar(c, i, s) => {
                let x = promote(&get(i), &get(i)).0;
                match c % 3 {
                    0 => &x + s as f32,
                    1 => &x * s as f32,
                    _ => s as f32 - &x,
                }
            }
            Step::Unary(c, i) => unary(c, &promote(&get(i), &get(i)).0),
            Step::Compare(c, i, j) => {
                let (a, b) = promote(&get(i), &get(j));
                let (a, b) = if a.dtype() == b.dtype() {
                    (a, b)
                } else {
                    (a.astype(DType::F64), b.astype(DType::F64))
                };
                if c % 2 == 0 { a.lt(&b) } else { a.ge(&b) }
            }
            Step::Where(c, i, j) => {
                let cond = get(c);
                let cond = if cond.dtype() == DType::Bool {
                    cond
                } else {
                    cond.gt(0.0)
                };
                let (a, b) = promote(&get(i), &get(j));
                hn::where_(&cond, &a, &b)
            }
            Step::Cast(c, i) => {
                get(i).astype([DType::F32, DType::F64, DType::I32, DType::Bool][c as usize % 4])
            }
            Step::Reduce(c, i, axis) => {
                let x = promote(&get(i), &get(i)).0;
                if x.ndim() == 0 {
                    x.sum()
                } else {
                    let ax = axis as isize % x.ndim() as isize;
                    match c % 4 {
                        0 => x.sum_axis(ax),
                        1 if x.shape()[ax.rem_euclid(x.ndim() as isize) as usize] > 0 => {
                            x.max_axis(ax)
                        }
                        2 => x.sum(),
                        _ => x.mean_axis(ax),
                    }
                }
            }
            Step::Slice(i) => {
                let x = get(i);
                if x.ndim() == 0 { x } else { x.slice(s![..;-2]) }
            }
            Step::Transpose(i) => get(i).transpose(),
        };
        vals.push(next);
    }
    let n = p.shapes.len();
    vals.split_off(n)
}

fn inputs(p: &Program) -> Vec<Array> {
    let mut state = p.seed;
    p.shapes
        .iter()
        .map(|shape| {
            let n: usize = shape.iter().product();
            let data: Vec<f64> = (0..n)
                .map(|_| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    ((state >> 33) as f64 / (1u64 << 31) as f64) * 8.0 - 4.0
                })
                .collect();
            Array::from_vec(data, shape).astype(p.dtype)
        })
        .collect()
}

fn arb_program() -> impl Strategy<Value = Program> {
    let dims = prop::sample::select(vec![0usize, 1, 1, 2, 3, 4, 5, 7, 16, 33]);
    let base = prop::collection::vec(dims, 0..=3);
    let dtype = prop::sample::select(vec![DType::F32, DType::F32, DType::F64, DType::I32]);
    let step = prop_oneof![
        (any::<u8>(), 0..8usize, 0..8usize).prop_map(|(c, i, j)| Step::Binary(c, i, j)),
        (any::<u8>(), 0..8usize, -3.0..3.0f64).prop_map(|(c, i, s)| Step::Scalar(c, i, s)),
        (any::<u8>(), 0..8usize).prop_map(|(c, i)| Step::Unary(c, i)),
        (any::<u8>(), 0..8usize, 0..8usize).prop_map(|(c, i, j)| Step::Compare(c, i, j)),
        (0..8usize, 0..8usize, 0..8usize).prop_map(|(c, i, j)| Step::Where(c, i, j)),
        (any::<u8>(), 0..8usize).prop_map(|(c, i)| Step::Cast(c, i)),
        (any::<u8>(), 0..8usize, -3..3i8).prop_map(|(c, i, a)| Step::Reduce(c, i, a)),
        (0..8usize).prop_map(Step::Slice),
        (0..8usize).prop_map(Step::Transpose),
    ];
    (
        base,
        prop::collection::vec(any::<u8>(), 3),
        dtype,
        prop::collection::vec(step, 1..10),
        any::<u64>(),
    )
        .prop_map(|(base, masks, dtype, steps, seed)| {
            // Each input broadcasts to `base`: some axes set to 1, some leading axes dropped.
            let shapes = masks
                .iter()
                .map(|&m| {
                    let drop = (m as usize >> 4) % (base.len() + 1);
                    base.iter()
                        .enumerate()
                        .skip(drop)
                        .map(|(i, &d)| if m >> i & 1 == 1 { 1 } else { d })
                        .collect()
                })
                .collect();
            Program {
                shapes,
                dtype,
                steps,
                seed,
            }
        })
}

fn assert_matches(jitted: &Array, eager: &Array, reduced: bool) -> Result<(), TestCaseError> {
    prop_assert_eq!(jitted.shape(), eager.shape());
    prop_assert_eq!(jitted.dtype(), eager.dtype());
    let n = eager.size();
    let as_f64 = |x: &Array| x.astype(DType::F64).to_vec::<f64>();
    let (j, e) = (as_f64(jitted), as_f64(eager));
    let scale = e.iter().fold(
        0.0f64,
        |m, x| if x.is_finite() { m.max(x.abs()) } else { m },
    );
    for i in 0..n {
        let (a, b) = (j[i], e[i]);
        let same = a == b || (a.is_nan() && b.is_nan());
        if same {
            continue;
        }
        match eager.dtype() {
            DType::F32 | DType::F64 => {
                let ulps = match eager.dtype() {
                    DType::F32 => heron::ir::ulps_f32(a as f32, b as f32),
                    _ => heron::ir::ulps_f64(a, b),
                };
                let close = ulps <= heron::ir::precision::max_ulp()
                    || (reduced && (a - b).abs() <= 1e-5 * (1.0 + scale));
                prop_assert!(close, "element {}: jit {} vs eager {}", i, a, b);
            }
            _ => prop_assert!(false, "element {}: jit {} vs eager {}", i, a, b),
        }
    }
    Ok(())
}

/// Checks one program; returns whether it ran (programs invalid eagerly,
/// such as a max over an empty axis, are skipped).
fn check(p: &Program) -> Result<bool, TestCaseError> {
    let xs = inputs(p);
    let eager = match std::panic::catch_unwind(|| run(p, xs.clone())) {
        Ok(v) => v,
        Err(_) => return Ok(false),
    };
    let f = {
        let p = p.clone();
        hn::jit(move |xs: Vec<Array>| run(&p, xs))
    };
    let jitted = f
        .try_call(&xs)
        .map_err(|e| TestCaseError::fail(format!("{e}\n{p:?}")))?;
    let loose = p.steps.iter().any(|s| {
        matches!(s, Step::Reduce(..)) || matches!(s, Step::Unary(c, _) if is_transcendental(*c))
    });
    prop_assert_eq!(jitted.len(), eager.len());
    for (j, e) in jitted.iter().zip(&eager) {
        assert_matches(j, e, loose)?;
    }
    Ok(true)
}

#[test]
fn jit_matches_eager() {
    let cases = 1000;
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases,
        max_shrink_iters: 200,
        ..ProptestConfig::default()
    });
    let ran = std::sync::atomic::AtomicU32::new(0);
    runner
        .run(&arb_program(), |p| {
            if check(&p)? {
                ran.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            Ok(())
        })
        .unwrap();
    let ran = ran.into_inner();
    assert!(
        ran >= cases * 9 / 10,
        "only {ran} of {cases} programs were valid"
    );
}
