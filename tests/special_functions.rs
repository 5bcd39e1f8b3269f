//! `log10`, `arcsinh`, `arccosh`, `arctanh`, `erf`, `hypot` and
//! `logaddexp` through the public API: NumPy's special values (NaN, ±inf,
//! domain errors → NaN, `logaddexp(-inf, -inf) = -inf`,
//! `hypot(inf, nan) = inf`) eagerly and compiled, in f32 and f64, integer
//! operands computed in f32, and compiled results within the precision
//! contract of eager ones (`heron::ir::precision`) over dense ranges, on
//! arrays long enough for the vector loop and its scalar tail.

use heron as hn;
use heron::ir::precision::{Tol, tolerance};
use heron::ir::{BinaryOp, Op, UnaryOp};
use heron::prelude::*;

const NAN: f64 = f64::NAN;
const INF: f64 = f64::INFINITY;

/// `f` applied eagerly and through `jit`, on `xs` as `dtype`.
fn both(dtype: DType, xs: &[f64], f: fn(&Array) -> Array) -> [Vec<f64>; 2] {
    let x = hn::array(xs).astype(dtype);
    let eager = f(&x);
    let jitted = hn::jit(move |x: Array| f(&x)).call(&x);
    assert_eq!(eager.dtype(), dtype);
    [eager, jitted].map(|a| a.astype(DType::F64).to_vec::<f64>())
}

/// `f` applied eagerly and through `jit` on pairs `(xs[i], ys[i])`.
fn both2(dtype: DType, xs: &[f64], ys: &[f64], f: fn(&Array, &Array) -> Array) -> [Vec<f64>; 2] {
    let x = hn::array(xs).astype(dtype);
    let y = hn::array(ys).astype(dtype);
    let eager = f(&x, &y);
    let jitted = hn::jit(move |(x, y): (Array, Array)| f(&x, &y)).call((&x, &y));
    [eager, jitted].map(|a| a.astype(DType::F64).to_vec::<f64>())
}

/// Asserts `got` is `want` exactly (NaN matching NaN, signs of zero counted).
fn same(what: &str, got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let ok = (g.is_nan() && w.is_nan()) || g.to_bits() == w.to_bits();
        assert!(ok, "{what}: element {i}: got {g}, want {w}");
    }
}

#[test]
fn special_values_follow_numpy_eagerly_and_compiled() {
    type Case = (&'static str, fn(&Array) -> Array, Vec<(f64, f64)>);
    let cases: Vec<Case> = vec![
        (
            "log10",
            |x| x.log10(),
            vec![
                (NAN, NAN),
                (INF, INF),
                (0.0, -INF),
                (-0.0, -INF),
                (-1.0, NAN),
                (1.0, 0.0),
                (100.0, 2.0),
            ],
        ),
        (
            "arcsinh",
            |x| x.arcsinh(),
            vec![
                (NAN, NAN),
                (INF, INF),
                (-INF, -INF),
                (0.0, 0.0),
                (-0.0, -0.0),
            ],
        ),
        (
            "arccosh",
            |x| x.arccosh(),
            vec![
                (NAN, NAN),
                (INF, INF),
                (-INF, NAN),
                (1.0, 0.0),
                (0.5, NAN),
                (-2.0, NAN),
                (0.0, NAN),
            ],
        ),
        (
            "arctanh",
            |x| x.arctanh(),
            vec![
                (NAN, NAN),
                (1.0, INF),
                (-1.0, -INF),
                (1.5, NAN),
                (-INF, NAN),
                (0.0, 0.0),
                (-0.0, -0.0),
            ],
        ),
        (
            "erf",
            |x| x.erf(),
            vec![
                (NAN, NAN),
                (INF, 1.0),
                (-INF, -1.0),
                (0.0, 0.0),
                (-0.0, -0.0),
                (10.0, 1.0),
                (-7.0, -1.0),
            ],
        ),
    ];
    for (name, f, pairs) in cases {
        let (xs, want): (Vec<f64>, Vec<f64>) = pairs.into_iter().unzip();
        for dtype in [DType::F32, DType::F64] {
            let [eager, jitted] = both(dtype, &xs, f);
            same(&format!("{name} {dtype} eager"), &eager, &want);
            same(&format!("{name} {dtype} jit"), &jitted, &want);
        }
    }
}

#[test]
fn binary_special_values_follow_numpy_eagerly_and_compiled() {
    let hypot = [
        (INF, NAN, INF),
        (NAN, -INF, INF),
        (NAN, 1.0, NAN),
        (0.0, 0.0, 0.0),
        (-0.0, 0.0, 0.0),
        (3.0, -4.0, 5.0),
        (-INF, -INF, INF),
        (1e300, 1e300, 1e300 * std::f64::consts::SQRT_2),
    ];
    let logaddexp = [
        (-INF, -INF, -INF),
        (INF, INF, INF),
        (INF, -INF, INF),
        (-INF, 2.0, 2.0),
        (NAN, 1.0, NAN),
        (1.0, NAN, NAN),
        (0.0, 0.0, std::f64::consts::LN_2),
        (1000.0, 1000.0, 1000.0 + std::f64::consts::LN_2),
    ];
    type Case<'a> = (
        &'static str,
        fn(&Array, &Array) -> Array,
        &'a [(f64, f64, f64)],
    );
    let cases: [Case; 2] = [
        ("hypot", |x, y| hn::hypot(x, y), &hypot),
        ("logaddexp", |x, y| x.logaddexp(y), &logaddexp),
    ];
    for (name, f, rows) in cases {
        let xs: Vec<f64> = rows.iter().map(|r| r.0).collect();
        let ys: Vec<f64> = rows.iter().map(|r| r.1).collect();
        for dtype in [DType::F32, DType::F64] {
            // The expected values rounded to the dtype (f32: 1e300 overflows).
            let want: Vec<f64> = hn::array(&rows.iter().map(|r| r.2).collect::<Vec<_>>())
                .astype(dtype)
                .astype(DType::F64)
                .to_vec();
            let skip = |i: usize| dtype == DType::F32 && xs[i].abs() == 1e300;
            let [eager, jitted] = both2(dtype, &xs, &ys, f);
            for (way, got) in [("eager", &eager), ("jit", &jitted)] {
                for i in (0..rows.len()).filter(|&i| !skip(i)) {
                    let (g, w) = (got[i], want[i]);
                    let close = (g.is_nan() && w.is_nan())
                        || g == w
                        || (g - w).abs() <= 4.0 * f64::from(f32::EPSILON) * w.abs();
                    assert!(
                        close,
                        "{name} {dtype} {way}: ({}, {}): got {g}, want {w}",
                        xs[i], ys[i]
                    );
                }
            }
        }
    }
}

#[test]
fn integer_operands_compute_in_f32() {
    let x = hn::array(&[0i32, 1, 2, -3]);
    for (name, y) in [
        ("log10", x.log10()),
        ("arcsinh", x.arcsinh()),
        ("arccosh", x.arccosh()),
        ("arctanh", x.arctanh()),
        ("erf", hn::erf(&x)),
        ("hypot", x.hypot(&x)),
        ("logaddexp", hn::logaddexp(&x, 1)),
    ] {
        assert_eq!(y.dtype(), DType::F32, "{name}");
    }
    assert_eq!(hn::hypot(&hn::array(&[3i32]), 4).to_vec::<f32>(), vec![5.0]);
}

/// `n` values spread over `[lo, hi]`.
fn spread(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| lo + (hi - lo) * (i as f64 + 0.37) / n as f64)
        .collect()
}

/// Asserts compiled within `tol` of eager for `op`, on `dtype`.
fn within(what: &str, op: Op, dtype: DType, eager: &[f64], jitted: &[f64]) {
    let tol = tolerance(&op, dtype);
    for (i, (&e, &j)) in eager.iter().zip(jitted).enumerate() {
        if e.to_bits() == j.to_bits() || (e.is_nan() && j.is_nan()) {
            continue;
        }
        let ok = match tol {
            Tol::Ulp { .. } => {
                let d = if dtype == DType::F32 {
                    heron::ir::ulps_f32(e as f32, j as f32)
                } else {
                    heron::ir::ulps_f64(e, j)
                };
                d <= tol.ulps(dtype).expect("an ulp bound")
            }
            Tol::UlpOfOne { .. } => {
                let eps = if dtype == DType::F32 {
                    f64::from(f32::EPSILON)
                } else {
                    f64::EPSILON
                };
                let n = tol.ulps(dtype).expect("an ulp bound") as f64;
                (e - j).abs() <= n * eps * e.abs().max(1.0)
            }
            other => panic!("{what}: unexpected contract {other:?}"),
        };
        assert!(
            ok,
            "{what} {dtype}: element {i}: jit {j}, eager {e} (contract {tol:?})"
        );
    }
}

#[test]
fn compiled_results_are_within_the_contract_of_eager_ones() {
    type Case = (UnaryOp, fn(&Array) -> Array, f64, f64);
    let cases: [Case; 5] = [
        (UnaryOp::Log10, |x| x.log10(), 1e-3, 1e4),
        (UnaryOp::Arcsinh, |x| x.arcsinh(), -50.0, 50.0),
        (UnaryOp::Arccosh, |x| x.arccosh(), 1.0, 40.0),
        (UnaryOp::Arctanh, |x| x.arctanh(), -1.0, 1.0),
        (UnaryOp::Erf, |x| x.erf(), -7.0, 7.0),
    ];
    for (op, f, lo, hi) in cases {
        let xs = spread(lo, hi, 4099);
        for dtype in [DType::F32, DType::F64] {
            let [eager, jitted] = both(dtype, &xs, f);
            within(op.name(), Op::Unary(op), dtype, &eager, &jitted);
        }
    }
    type Case2 = (BinaryOp, fn(&Array, &Array) -> Array, f64);
    let binary: [Case2; 2] = [
        (BinaryOp::Hypot, |x, y| x.hypot(y), 1e3),
        (BinaryOp::Logaddexp, |x, y| hn::logaddexp(x, y), 30.0),
    ];
    for (op, f, scale) in binary {
        let xs = spread(-scale, scale, 4099);
        let mut ys = spread(-scale, scale, 4099);
        ys.reverse();
        for dtype in [DType::F32, DType::F64] {
            let [eager, jitted] = both2(dtype, &xs, &ys, f);
            within(op.name(), Op::Binary(op), dtype, &eager, &jitted);
        }
    }
}
