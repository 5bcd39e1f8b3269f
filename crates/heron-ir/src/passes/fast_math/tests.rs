//! Tests of the fast-math rewrites: snapshots of a LIF step as a loop body
//! (the invariant part first, one multiply-add on the state), of a loop
//! whose body the top-level pass reaches, values within
//! `precision::fast_math_bound` of eval's, and random graphs that stay
//! valid with the same result types.

use super::super::testing::*;
use super::{fast_math, rewrite};
use crate::precision::fast_math_bound;
use crate::{BinaryOp, DType, Graph, NodeId, Op, OutputRole, Shape, UnaryOp, Value, eval};
use expect_test::expect;

const DT: f32 = 0.1;
const TAU: f32 = 10.0;
const V_REST: f32 = -65.0;
const R: f32 = 2.0;

/// Operations of eval's tree in `lif_update`.
const LIF_OPS: usize = 7;

/// `V + dt·(-(V - V_rest) + I·R)/τ` over the parameters `v` and `i`.
fn lif_update(g: &mut Graph, v: NodeId, i: NodeId) -> NodeId {
    let rest = scalar(g, V_REST);
    let d = binary(g, BinaryOp::Sub, v, rest);
    let leak = unary(g, UnaryOp::Neg, d);
    let r = scalar(g, R);
    let drive = binary(g, BinaryOp::Mul, i, r);
    let sum = binary(g, BinaryOp::Add, leak, drive);
    let dt = scalar(g, DT);
    let scaled = binary(g, BinaryOp::Mul, dt, sum);
    let tau = scalar(g, TAU);
    let dv = binary(g, BinaryOp::Div, scaled, tau);
    binary(g, BinaryOp::Add, v, dv)
}

/// A loop body: `(index, V) ++ captured I` → `(V', spike)`, thresholded.
fn lif_body(g: &mut Graph) {
    let _index = arg(g, &[], DType::I32);
    let v = arg(g, &[4], DType::F32);
    let i = arg(g, &[4], DType::F32);
    let next = lif_update(g, v, i);
    let th = scalar(g, -50.0f32);
    let spike = binary(g, BinaryOp::Ge, next, th);
    let reset = scalar(g, -68.0f32);
    let v1 = node(g, Op::Select, &[spike, reset, next]);
    g.output(v1, OutputRole::Result(0));
    g.output(spike, OutputRole::Result(1));
}

#[test]
fn a_lif_step_in_a_loop_body_is_one_multiply_add_on_the_state() {
    // Captured I is invariant: `I·(R·k) + V_rest·k` comes first, then
    // `V·(1 - k) + that`, k = dt/τ.
    check_pass(
        lif_body,
        |g| Ok(rewrite(g, &[false, false, true])),
        expect![[r#"
            { lambda a:i32[] b:f32[4] c:f32[4] .
              let d:f32[4] = sub b -65.0:f32
                  e:f32[4] = neg d
                  f:f32[4] = mul c 2.0:f32
                  g:f32[4] = add e f
                  h:f32[4] = mul 0.1:f32 g
                  i:f32[4] = div h 10.0:f32
                  j:f32[4] = add b i
                  k:bool[4] = ge j -50.0:f32
                  l:f32[4] = select k -68.0:f32 j
              in (l, k) }
            =>
            { lambda a:i32[] b:f32[4] c:f32[4] .
              let d:f32[4] = mul c 0.020000001:f32
                  e:f32[4] = add d -0.65000004:f32
                  f:f32[4] = mul b 0.99:f32
                  g:f32[4] = add f e
                  h:bool[4] = ge g -50.0:f32
                  i:f32[4] = select h -68.0:f32 g
              in (i, h) }"#]],
    );
}

#[test]
fn the_top_level_pass_reaches_loop_bodies() {
    // A loop carrying V alone, I captured.
    let mut body = Graph::new();
    let _index = arg(&mut body, &[], DType::I32);
    let v = arg(&mut body, &[4], DType::F32);
    let i = arg(&mut body, &[4], DType::F32);
    let next = lif_update(&mut body, v, i);
    body.output(next, OutputRole::Result(0));
    check_pass(
        |g| {
            let v0 = arg(g, &[4], DType::F32);
            let i = arg(g, &[4], DType::F32);
            let op = Op::Loop {
                body: crate::control::Body::new(body),
                start: 0,
                trip: 100,
                n_carry: 1,
                n_xs: 0,
            };
            let l = node(g, op, &[v0, i]);
            let v = node(g, Op::Project(0), &[l]);
            g.output(v, OutputRole::Result(0));
        },
        |g| Ok(fast_math(g)),
        expect![[r#"
            { lambda a:f32[4] b:f32[4] .
              let c:f32[4] = loop[start=0,trip=100,carry=1,xs=0] a b
                    body={ lambda a:i32[] b:f32[4] c:f32[4] .
                  let d:f32[4] = sub b -65.0:f32
                      e:f32[4] = neg d
                      f:f32[4] = mul c 2.0:f32
                      g:f32[4] = add e f
                      h:f32[4] = mul 0.1:f32 g
                      i:f32[4] = div h 10.0:f32
                      j:f32[4] = add b i
                  in (j) }
                  d:f32[4] = get[0] c
              in (d) }
            =>
            { lambda a:f32[4] b:f32[4] .
              let c:f32[4] = loop[start=0,trip=100,carry=1,xs=0] a b
                    body={ lambda a:i32[] b:f32[4] c:f32[4] .
                  let d:f32[4] = mul c 0.020000001:f32
                      e:f32[4] = add d -0.65000004:f32
                      f:f32[4] = mul b 0.99:f32
                      g:f32[4] = add f e
                  in (g) }
                  d:f32[4] = get[0] c
              in (d) }"#]],
    );
}

#[test]
fn constant_chains_fold_and_single_operations_stay() {
    check_pass(
        |g| {
            let x = arg(g, &[3], DType::F64);
            let y = arg(g, &[3], DType::F64);
            let two = scalar(g, 2.0f64);
            let three = scalar(g, 3.0f64);
            let a = binary(g, BinaryOp::Mul, x, two);
            let b = binary(g, BinaryOp::Mul, a, three);
            let c = binary(g, BinaryOp::Sub, y, x);
            let d = binary(g, BinaryOp::Sub, x, x);
            let e = binary(g, BinaryOp::Add, d, y);
            g.output(b, OutputRole::Result(0));
            g.output(c, OutputRole::Result(1));
            g.output(e, OutputRole::Result(2));
        },
        |g| Ok(fast_math(g)),
        expect![[r#"
            { lambda a:f64[3] b:f64[3] .
              let c:f64[3] = mul a 2.0:f64
                  d:f64[3] = mul c 3.0:f64
                  e:f64[3] = sub b a
                  f:f64[3] = sub a a
                  g:f64[3] = add f b
              in (d, e, g) }
            =>
            { lambda a:f64[3] b:f64[3] .
              let c:f64[3] = mul a 6.0:f64
                  d:f64[3] = sub b a
              in (c, d, b) }"#]],
    );
}

#[test]
fn reassociated_values_are_within_the_fast_math_bound() {
    let n = 257;
    let mut g = Graph::new();
    let v = arg(&mut g, &[n], DType::F32);
    let i = arg(&mut g, &[n], DType::F32);
    let next = lif_update(&mut g, v, i);
    g.output(next, OutputRole::Result(0));
    let fast = rewrite(&g, &[false, true]);
    crate::verify::verify(&fast).unwrap();
    let vs: Vec<f32> = (0..n).map(|j| -80.0 + 0.37 * j as f32).collect();
    let is: Vec<f32> = (0..n).map(|j| ((j * 7919) % 61) as f32 - 30.0).collect();
    let args = [
        Value::from_slice(Shape::new(&[n]), &vs),
        Value::from_slice(Shape::new(&[n]), &is),
    ];
    let want = eval(&g, &args).unwrap();
    let got = eval(&fast, &args).unwrap();
    let k = f64::from(DT) / f64::from(TAU);
    let mut differ = 0;
    for j in 0..n {
        let (w, c) = (
            f64::from(want[0].as_slice::<f32>()[j]),
            f64::from(got[0].as_slice::<f32>()[j]),
        );
        let (x, y) = (f64::from(vs[j]), f64::from(is[j]));
        let abs_sum =
            (x * (1.0 - k)).abs() + (y * f64::from(R) * k).abs() + (f64::from(V_REST) * k).abs();
        let bound = fast_math_bound(LIF_OPS, 1, abs_sum, DType::F32);
        assert!(
            (w - c).abs() <= bound,
            "V={x} I={y}: {c} vs {w} (bound {bound})"
        );
        differ += usize::from(w != c);
    }
    // The rewrite did change the arithmetic.
    assert!(differ > 0);
}

#[test]
fn random_graphs_stay_valid_with_the_same_result_types() {
    use super::super::tests::{data, random_graph};
    use proptest::prelude::*;
    use proptest::test_runner::TestRunner;
    let steps = prop::collection::vec(any::<(u8, u16, u16, u16)>(), 1..14);
    let mut runner = TestRunner::new(ProptestConfig::with_cases(512));
    let result = runner.run(&(steps, data()), |(steps, data)| {
        let (graph, params) = random_graph(&steps, &data);
        let optimized = super::super::optimize(&graph).unwrap();
        let fast = fast_math(&optimized);
        crate::verify::verify(&fast).unwrap();
        let Ok(before) = eval(&optimized, &params) else {
            return Ok(());
        };
        // Values may differ (reassociated floats); the results' types do not.
        let after = eval(&fast, &params).unwrap();
        prop_assert_eq!(before.len(), after.len());
        for (b, a) in before.iter().zip(&after) {
            prop_assert_eq!((&b.shape, b.dtype()), (&a.shape, a.dtype()));
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
