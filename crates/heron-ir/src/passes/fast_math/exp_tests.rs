//! Tests of exponential sharing: the Hodgkin–Huxley rates as heron traces
//! them (six exponentials become two), the error of the shared
//! exponentials in ulp over the voltage range, the limits (shift,
//! squarings, shapes), and the rates' values against eval's.

use super::super::testing::*;
use super::exp_share::{HH_ULPS, MAX_SHIFT, share_exps};
use super::fast_math;
use crate::{BinaryOp, DType, Graph, NodeId, Op, OutputRole, Shape, UnaryOp, Value, eval};
use expect_test::expect;

/// `exp(-(x + offset) / scale)` as traced: add, negate, divide.
fn rate_exp(g: &mut Graph, x: NodeId, offset: f32, scale: f32) -> NodeId {
    let o = scalar(g, offset);
    let s = binary(g, BinaryOp::Add, x, o);
    let n = unary(g, UnaryOp::Neg, s);
    let d = scalar(g, scale);
    let q = binary(g, BinaryOp::Div, n, d);
    unary(g, UnaryOp::Exp, q)
}

/// `k · (x + offset) / (1 - exp(-(x + offset)/10))`.
fn rate_ratio(g: &mut Graph, x: NodeId, offset: f32, k: f32) -> NodeId {
    let o = scalar(g, offset);
    let s = binary(g, BinaryOp::Add, x, o);
    let kk = scalar(g, k);
    let num = binary(g, BinaryOp::Mul, s, kk);
    let e = rate_exp(g, x, offset, 10.0);
    let one = scalar(g, 1.0f32);
    let den = binary(g, BinaryOp::Sub, one, e);
    binary(g, BinaryOp::Div, num, den)
}

/// `k · exp(-(x + 65)/scale)`.
fn rate_scaled(g: &mut Graph, x: NodeId, scale: f32, k: f32) -> NodeId {
    let e = rate_exp(g, x, 65.0, scale);
    let kk = scalar(g, k);
    binary(g, BinaryOp::Mul, e, kk)
}

/// The six Hodgkin–Huxley rates of the potential `x` (crates/heron-bench's
/// `models::hh`): αm, βm, αh, βh, αn, βn.
fn hh_rates(g: &mut Graph, x: NodeId) -> [NodeId; 6] {
    let am = rate_ratio(g, x, 40.0, 0.1);
    let bm = rate_scaled(g, x, 18.0, 4.0);
    let ah = rate_scaled(g, x, 20.0, 0.07);
    let e = rate_exp(g, x, 35.0, 10.0);
    let one = scalar(g, 1.0f32);
    let den = binary(g, BinaryOp::Add, one, e);
    let one = scalar(g, 1.0f32);
    let bh = binary(g, BinaryOp::Div, one, den);
    let an = rate_ratio(g, x, 55.0, 0.01);
    let bn = rate_scaled(g, x, 80.0, 0.125);
    [am, bm, ah, bh, an, bn]
}

/// The rates over `n` potentials, optimised as the jit does before fast
/// math (so the shared `x + 40` and `x + 55` are one node each).
fn rates_graph(n: usize) -> Graph {
    let mut g = Graph::new();
    let x = arg(&mut g, &[n], DType::F32);
    for (k, r) in hh_rates(&mut g, x).into_iter().enumerate() {
        g.output(r, OutputRole::Result(k as u32));
    }
    super::super::optimize(&g).unwrap()
}

fn exps(g: &Graph) -> usize {
    g.nodes
        .values()
        .filter(|n| n.op == Op::Unary(UnaryOp::Exp))
        .count()
}

#[test]
fn the_hodgkin_huxley_rates_take_two_exponentials() {
    check_pass(
        |g| *g = rates_graph(4),
        |g| Ok(fast_math(g)),
        expect![[r#"
            { lambda a:f32[4] .
              let b:f32[4] = add a 40.0:f32
                  c:f32[4] = mul b 0.1:f32
                  d:f32[4] = neg b
                  e:f32[4] = div d 10.0:f32
                  f:f32[4] = exp e
                  g:f32[4] = sub 1.0:f32 f
                  h:f32[4] = div c g
                  i:f32[4] = add a 65.0:f32
                  j:f32[4] = neg i
                  k:f32[4] = div j 18.0:f32
                  l:f32[4] = exp k
                  m:f32[4] = mul l 4.0:f32
                  n:f32[4] = div j 20.0:f32
                  o:f32[4] = exp n
                  p:f32[4] = mul o 0.07:f32
                  q:f32[4] = add a 35.0:f32
                  r:f32[4] = neg q
                  s:f32[4] = div r 10.0:f32
                  t:f32[4] = exp s
                  u:f32[4] = add 1.0:f32 t
                  v:f32[4] = div 1.0:f32 u
                  w:f32[4] = add a 55.0:f32
                  x:f32[4] = mul w 0.01:f32
                  y:f32[4] = neg w
                  z:f32[4] = div y 10.0:f32
                  ba:f32[4] = exp z
                  bb:f32[4] = sub 1.0:f32 ba
                  bc:f32[4] = div x bb
                  bd:f32[4] = div j 80.0:f32
                  be:f32[4] = exp bd
                  bf:f32[4] = mul be 0.125:f32
              in (h, m, p, v, bc, bf) }
            =>
            { lambda a:f32[4] .
              let b:f32[4] = mul a 0.1:f32
                  c:f32[4] = add b 4.0:f32
                  d:f32[4] = mul a -0.0125:f32
                  e:f32[4] = exp d
                  f:f32[4] = mul e e
                  g:f32[4] = mul f f
                  h:f32[4] = mul g g
                  i:f32[4] = mul h -0.018315637:f32
                  j:f32[4] = add i 1.0:f32
                  k:f32[4] = div c j
                  l:f32[4] = mul a -0.055555556:f32
                  m:f32[4] = add l -3.6111112:f32
                  n:f32[4] = exp m
                  o:f32[4] = mul n 4.0:f32
                  p:f32[4] = mul g 0.0027141946:f32
                  q:f32[4] = mul h 0.030197384:f32
                  r:f32[4] = add q 1.0:f32
                  s:f32[4] = div 1.0:f32 r
                  t:f32[4] = mul a 0.01:f32
                  u:f32[4] = add t 0.55:f32
                  v:f32[4] = mul h -0.004086771:f32
                  w:f32[4] = add v 1.0:f32
                  x:f32[4] = div u w
                  y:f32[4] = mul e 0.055468414:f32
              in (k, o, p, s, x, y) }"#]],
    );
    let fast = fast_math(&rates_graph(4));
    assert_eq!((exps(&rates_graph(4)), exps(&fast)), (6, 2));
}

/// The distance from `got` to `exact` in ulp of `exact` as an f32.
fn ulps(got: f32, exact: f64) -> f64 {
    let e = exact as f32;
    let ulp = f64::from(f32::from_bits(e.abs().to_bits() + 1)) - f64::from(e.abs());
    (f64::from(got) - exact).abs() / ulp
}

#[test]
fn shared_exponentials_stay_within_the_stated_ulps_over_the_voltage_range() {
    // x over [-100, 60] mV in steps of 1/64 mV plus an irrational offset.
    let xs: Vec<f32> = (0..=10240)
        .map(|j| -100.0 + j as f32 / 64.0 + 0.003_141_59)
        .collect();
    let n = xs.len();
    let mut g = Graph::new();
    let x = arg(&mut g, &[n], DType::F32);
    let cases = [
        (40.0, 10.0),
        (65.0, 18.0),
        (65.0, 20.0),
        (35.0, 10.0),
        (55.0, 10.0),
        (65.0, 80.0),
    ];
    for (k, &(offset, scale)) in cases.iter().enumerate() {
        let e = rate_exp(&mut g, x, offset, scale);
        g.output(e, OutputRole::Result(k as u32));
    }
    let g = super::super::optimize(&g).unwrap();
    let fast = fast_math(&g);
    assert_eq!(exps(&fast), 2);
    let args = [Value::from_slice(Shape::new(&[n]), &xs)];
    let (before, after) = (eval(&g, &args).unwrap(), eval(&fast, &args).unwrap());
    let (mut worst_before, mut worst_after) = (0.0f64, 0.0f64);
    for (k, &(offset, scale)) in cases.iter().enumerate() {
        let (b, a) = (before[k].as_slice::<f32>(), after[k].as_slice::<f32>());
        for ((&x, &b), &a) in xs.iter().zip(b).zip(a) {
            let exact = (-(f64::from(x) + f64::from(offset)) / f64::from(scale)).exp();
            worst_before = worst_before.max(ulps(b, exact));
            worst_after = worst_after.max(ulps(a, exact));
        }
    }
    eprintln!(
        "worst ulps over [-100, 60] mV: exact mode {worst_before:.2}, shared {worst_after:.2}"
    );
    // The exact mode's own error: the rounding of the argument (up to 10
    // in magnitude), amplified by exp.
    assert!(worst_before <= 12.0, "{worst_before}");
    assert!(worst_after <= f64::from(HH_ULPS), "{worst_after}");
    // The sharing did change the arithmetic.
    assert!(worst_after > worst_before);
}

#[test]
fn the_rates_agree_with_eval_of_the_exact_graph() {
    let xs: Vec<f32> = (0..1601)
        .map(|j| -100.0 + j as f32 * 0.1 + 0.0137)
        .collect();
    let g = rates_graph(xs.len());
    let fast = fast_math(&g);
    let args = [Value::from_slice(Shape::new(&[xs.len()]), &xs)];
    let (want, got) = (eval(&g, &args).unwrap(), eval(&fast, &args).unwrap());
    for (k, (w, c)) in want.iter().zip(&got).enumerate() {
        for (j, (&w, &c)) in w
            .as_slice::<f32>()
            .iter()
            .zip(c.as_slice::<f32>())
            .enumerate()
        {
            // The ratios lose relative accuracy near their removable
            // singularities (x = -40, -55), where 1 - exp(…) cancels.
            let near = (xs[j] + 40.0).abs() < 0.5 || (xs[j] + 55.0).abs() < 0.5;
            let tol = if near { 2e-4 } else { 2e-5 };
            assert!(
                (w - c).abs() <= tol * w.abs().max(1e-3),
                "rate {k} at x = {}: {c} vs {w}",
                xs[j]
            );
        }
    }
}

#[test]
fn lone_exponentials_large_shifts_and_far_slopes_stay() {
    let mut g = Graph::new();
    let x = arg(&mut g, &[3], DType::F32);
    let y = arg(&mut g, &[3], DType::F32);
    // One exponential of y: nothing to share.
    let lone = rate_exp(&mut g, y, 1.0, 3.0);
    // Slopes 1/16 apart (four squarings): too far.
    let a = rate_exp(&mut g, x, 0.0, 1.0);
    let b = rate_exp(&mut g, x, 0.0, 16.0);
    // A shift beyond MAX_SHIFT.
    let c = rate_exp(&mut g, x, (MAX_SHIFT as f32 + 1.0) * 2.0, 2.0);
    // A broadcast x (the exponential's shape is not x's).
    let s = arg(&mut g, &[], DType::F32);
    let sb = node(&mut g, Op::BroadcastTo(Shape::new(&[3])), &[s]);
    let d = unary(&mut g, UnaryOp::Exp, sb);
    for (k, n) in [lone, a, b, c, d].into_iter().enumerate() {
        g.output(n, OutputRole::Result(k as u32));
    }
    assert!(share_exps(&g).is_none());
}

#[test]
fn slopes_a_power_of_two_apart_share_one_exponential_in_f64_too() {
    check_pass(
        |g| {
            let x = arg(g, &[2], DType::F64);
            let c1 = scalar(g, 1.5f64);
            let c2 = scalar(g, -0.5f64);
            let h = scalar(g, 0.5f64);
            let a1 = binary(g, BinaryOp::Add, x, c1);
            let a2 = binary(g, BinaryOp::Add, x, c2);
            let m1 = binary(g, BinaryOp::Mul, a1, h);
            let e1 = unary(g, UnaryOp::Exp, m1);
            let e2 = unary(g, UnaryOp::Exp, a2);
            g.output(e1, OutputRole::Result(0));
            g.output(e2, OutputRole::Result(1));
        },
        |g| Ok(share_exps(g).expect("a family")),
        expect![[r#"
            { lambda a:f64[2] .
              let b:f64[2] = add a 1.5:f64
                  c:f64[2] = add a -0.5:f64
                  d:f64[2] = mul b 0.5:f64
                  e:f64[2] = exp d
                  f:f64[2] = exp c
              in (e, f) }
            =>
            { lambda a:f64[2] .
              let b:f64[2] = add a 1.5:f64
                  c:f64[2] = add a -0.5:f64
                  d:f64[2] = mul b 0.5:f64
                  e:f64[2] = mul a 0.5:f64
                  f:f64[2] = exp e
                  g:f64[2] = mul f 2.117000016612675:f64
                  h:f64[2] = mul f f
                  i:f64[2] = mul h 0.6065306597126334:f64
              in (g, i) }"#]],
    );
}
