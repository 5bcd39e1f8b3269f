//! Snapshots of the products moved out of loops and of what the loops
//! drop, and `eval` of each graph before and after the pass.

use super::super::testing::*;
use super::*;
use crate::{DType, Value};
use expect_test::{Expect, expect};

const T: usize = 3;
const B: usize = 2;
const I: usize = 3;
const H: usize = 2;

fn body_param(g: &mut Graph, dims: &[usize]) -> NodeId {
    arg(g, dims, DType::F32)
}

fn permute(g: &mut Graph, x: NodeId) -> NodeId {
    node(g, Op::Permute([1, 0].into_iter().collect()), &[x])
}

/// A recurrent cell over `x: [T, B, I]` with weights `w: [I, H]`:
/// `u = 0.5·v + x_t·w`, a carried `acc += x_tᵀ·u` (the shape of a weight
/// gradient), a carry `keep` passed through, an unused sliced operand `z`
/// and stacked results `u` (read) and `2u` (not read). When `reverse`, the
/// loop reads `x` backwards (a reverse pass's operand).
fn cell(g: &mut Graph, reverse: bool) {
    let x = arg(g, &[T, B, I], DType::F32);
    let w = arg(g, &[I, H], DType::F32);
    let z = arg(g, &[T, B, H], DType::F32);
    let keep = arg(g, &[H], DType::F32);
    let v0 = full(g, &[B, H], 0.0f32);
    let acc0 = full(g, &[I, H], 0.0f32);
    let xs = if reverse {
        node(g, Op::Slice(reverse_spec(&Shape::new(&[T, B, I]))), &[x])
    } else {
        x
    };
    let body = {
        let mut b = Graph::new();
        let _i = arg(&mut b, &[], DType::I32);
        let v = body_param(&mut b, &[B, H]);
        let acc = body_param(&mut b, &[I, H]);
        let kp = body_param(&mut b, &[H]);
        let xt = body_param(&mut b, &[B, I]);
        let _zt = body_param(&mut b, &[B, H]);
        let wb = body_param(&mut b, &[I, H]);
        let half = scalar(&mut b, 0.5f32);
        let decayed = binary(&mut b, BinaryOp::Mul, v, half);
        let p = node(&mut b, Op::MatMul, &[xt, wb]);
        let u = binary(&mut b, BinaryOp::Add, decayed, p);
        let xtt = permute(&mut b, xt);
        let grad = node(&mut b, Op::MatMul, &[xtt, u]);
        let acc2 = binary(&mut b, BinaryOp::Add, acc, grad);
        let two = scalar(&mut b, 2.0f32);
        let u2 = binary(&mut b, BinaryOp::Mul, u, two);
        for (r, n) in [u, acc2, kp, u, u2].into_iter().enumerate() {
            b.output(n, OutputRole::Result(r as u32));
        }
        Body::new(b)
    };
    let l = node(
        g,
        Op::Loop {
            body,
            start: 0,
            trip: T as u64,
            n_carry: 3,
            n_xs: 2,
        },
        &[v0, acc0, keep, xs, z, w],
    );
    for (r, k) in [0u32, 1, 2, 3].into_iter().enumerate() {
        let y = node(g, Op::Project(k), &[l]);
        g.output(y, OutputRole::Result(r as u32));
    }
}

fn check(build: impl FnOnce(&mut Graph), expect: Expect) {
    check_pass(build, loop_invariant, expect);
}

#[test]
fn hoists_the_product_of_sliced_rows_and_sinks_the_accumulated_one() {
    check(
        |g| cell(g, false),
        expect![[r#"
            { lambda a:f32[3,2,3] b:f32[3,2] c:f32[3,2,2] d:f32[2] .
              let e:f32[2,2] = const [0.0, 0.0, 0.0, 0.0]
                  f:f32[3,2] = const c1
                  g:f32[2,2] = loop[start=0,trip=3,carry=3,xs=2] e f d a c b
                    body={ lambda a:i32[] b:f32[2,2] c:f32[3,2] d:f32[2] e:f32[2,3] f:f32[2,2] g:f32[3,2] .
                  let h:f32[2,2] = mul b 0.5:f32
                      i:f32[2,2] = matmul e g
                      j:f32[2,2] = add h i
                      k:f32[3,2] = transpose[perm=(1,0)] e
                      l:f32[3,2] = matmul k j
                      m:f32[3,2] = add c l
                      n:f32[2,2] = mul j 2.0:f32
                  in (j, m, d, j, n) }
                  h:f32[2,2] = get[0] g
                  i:f32[3,2] = get[1] g
                  j:f32[2] = get[2] g
                  k:f32[3,2,2] = get[3] g
              in (h, i, j, k) }
            =>
            { lambda a:f32[3,2,3] b:f32[3,2] c:f32[3,2,2] d:f32[2] .
              let e:f32[2,2] = const [0.0, 0.0, 0.0, 0.0]
                  f:f32[3,2] = const c1
                  g:f32[3,2,2] = matmul a b
                  h:f32[2,2] = loop[start=0,trip=3,carry=1,xs=1] e g
                    body={ lambda a:i32[] b:f32[2,2] c:f32[2,2] .
                  let d:f32[2,2] = mul b 0.5:f32
                      e:f32[2,2] = add d c
                  in (e, e, e) }
                  i:f32[2,2] = get[0] h
                  j:f32[3,2,2] = get[1] h
                  k:f32[3,2,2] = get[2] h
                  l:f32[6,3] = reshape[shape=(6,3)] a
                  m:f32[3,6] = transpose[perm=(1,0)] l
                  n:f32[6,2] = reshape[shape=(6,2)] k
                  o:f32[3,2] = matmul m n
                  p:f32[3,2] = add f o
              in (i, p, d, j) }"#]],
    );
}

#[test]
fn a_reversed_operand_reverses_the_hoisted_product() {
    check(
        |g| cell(g, true),
        expect![[r#"
            { lambda a:f32[3,2,3] b:f32[3,2] c:f32[3,2,2] d:f32[2] .
              let e:f32[2,2] = const [0.0, 0.0, 0.0, 0.0]
                  f:f32[3,2] = const c1
                  g:f32[3,2,3] = slice[start:len:step=(2:3:-1,0:2:1,0:3:1)] a
                  h:f32[2,2] = loop[start=0,trip=3,carry=3,xs=2] e f d g c b
                    body={ lambda a:i32[] b:f32[2,2] c:f32[3,2] d:f32[2] e:f32[2,3] f:f32[2,2] g:f32[3,2] .
                  let h:f32[2,2] = mul b 0.5:f32
                      i:f32[2,2] = matmul e g
                      j:f32[2,2] = add h i
                      k:f32[3,2] = transpose[perm=(1,0)] e
                      l:f32[3,2] = matmul k j
                      m:f32[3,2] = add c l
                      n:f32[2,2] = mul j 2.0:f32
                  in (j, m, d, j, n) }
                  i:f32[2,2] = get[0] h
                  j:f32[3,2] = get[1] h
                  k:f32[2] = get[2] h
                  l:f32[3,2,2] = get[3] h
              in (i, j, k, l) }
            =>
            { lambda a:f32[3,2,3] b:f32[3,2] c:f32[3,2,2] d:f32[2] .
              let e:f32[2,2] = const [0.0, 0.0, 0.0, 0.0]
                  f:f32[3,2] = const c1
                  g:f32[3,2,3] = slice[start:len:step=(2:3:-1,0:2:1,0:3:1)] a
                  h:f32[3,2,2] = matmul a b
                  i:f32[3,2,2] = slice[start:len:step=(2:3:-1,0:2:1,0:2:1)] h
                  j:f32[2,2] = loop[start=0,trip=3,carry=1,xs=1] e i
                    body={ lambda a:i32[] b:f32[2,2] c:f32[2,2] .
                  let d:f32[2,2] = mul b 0.5:f32
                      e:f32[2,2] = add d c
                  in (e, e, e) }
                  k:f32[2,2] = get[0] j
                  l:f32[3,2,2] = get[1] j
                  m:f32[3,2,2] = get[2] j
                  n:f32[6,3] = reshape[shape=(6,3)] g
                  o:f32[3,6] = transpose[perm=(1,0)] n
                  p:f32[6,2] = reshape[shape=(6,2)] m
                  q:f32[3,2] = matmul o p
                  r:f32[3,2] = add f q
              in (k, r, d, l) }"#]],
    );
}

/// A loop whose product reads the carried state: nothing moves.
#[test]
fn a_product_of_the_carried_state_stays_in_the_loop() {
    check(
        |g| {
            let w = arg(g, &[H, H], DType::F32);
            let v0 = full(g, &[B, H], 1.0f32);
            let body = {
                let mut b = Graph::new();
                let _i = arg(&mut b, &[], DType::I32);
                let v = body_param(&mut b, &[B, H]);
                let wb = body_param(&mut b, &[H, H]);
                let p = node(&mut b, Op::MatMul, &[v, wb]);
                b.output(p, OutputRole::Result(0));
                Body::new(b)
            };
            let op = Op::Loop {
                body,
                start: 0,
                trip: T as u64,
                n_carry: 1,
                n_xs: 0,
            };
            let l = node(g, op, &[v0, w]);
            let y = node(g, Op::Project(0), &[l]);
            g.output(y, OutputRole::Result(0));
        },
        expect![[r#"
            { lambda a:f32[2,2] .
              let b:f32[2,2] = const [1.0, 1.0, 1.0, 1.0]
                  c:f32[2,2] = loop[start=0,trip=3,carry=1,xs=0] b a
                    body={ lambda a:i32[] b:f32[2,2] c:f32[2,2] .
                  let d:f32[2,2] = matmul b c
                  in (d) }
                  d:f32[2,2] = get[0] c
              in (d) }
            =>
            { lambda a:f32[2,2] .
              let b:f32[2,2] = const [1.0, 1.0, 1.0, 1.0]
                  c:f32[2,2] = loop[start=0,trip=3,carry=1,xs=0] b a
                    body={ lambda a:i32[] b:f32[2,2] c:f32[2,2] .
                  let d:f32[2,2] = matmul b c
                  in (d) }
                  d:f32[2,2] = get[0] c
              in (d) }"#]],
    );
}

/// Small integers in f32: every product and sum below is exact, so the
/// graph before and after the pass must give the same bits.
fn small_ints(dims: &[usize], seed: u32) -> Value {
    let n: usize = dims.iter().product();
    let data: Vec<f32> = (0..n as u32)
        .map(|i| ((i.wrapping_mul(2_654_435_761).wrapping_add(seed) >> 7) % 7) as f32 - 3.0)
        .collect();
    Value::from_slice(Shape::new(dims), &data)
}

/// Uniform floats in `[-1, 1)` from a fixed sequence.
fn floats(dims: &[usize], seed: u64) -> Value {
    let n: usize = dims.iter().product();
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let data: Vec<f32> = (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        })
        .collect();
    Value::from_slice(Shape::new(dims), &data)
}

fn run(reverse: bool, args: &[Value]) -> (Vec<Value>, Vec<Value>) {
    let mut g = Graph::new();
    cell(&mut g, reverse);
    let after = loop_invariant(&g).expect("the pass runs");
    let after = crate::passes::cse::cse(&after);
    crate::verify::verify(&after).expect("a valid graph");
    let before = crate::eval(&g, args).expect("eval before");
    let got = crate::eval(&after, args).expect("eval after");
    (before, got)
}

#[test]
fn eval_gives_the_same_bits_when_every_product_is_exact() {
    let args = [
        small_ints(&[T, B, I], 1),
        small_ints(&[I, H], 2),
        small_ints(&[T, B, H], 3),
        small_ints(&[H], 4),
    ];
    for reverse in [false, true] {
        let (before, after) = run(reverse, &args);
        assert_eq!(before.len(), after.len());
        for (k, (a, b)) in before.iter().zip(&after).enumerate() {
            assert_eq!(a.shape, b.shape, "result {k}");
            assert_eq!(
                a.as_slice::<f32>(),
                b.as_slice::<f32>(),
                "result {k} (reverse: {reverse})"
            );
        }
    }
}

#[test]
fn eval_stays_within_the_product_contract_on_floats() {
    let args = [
        floats(&[T, B, I], 1),
        floats(&[I, H], 2),
        floats(&[T, B, H], 3),
        floats(&[H], 4),
    ];
    for reverse in [false, true] {
        let (before, after) = run(reverse, &args);
        for (k, (a, b)) in before.iter().zip(&after).enumerate() {
            let (a, b) = (a.as_slice::<f32>(), b.as_slice::<f32>());
            // Every value is a sum of at most T·B·(I + H) products of
            // operands below 2^T in magnitude.
            let k_terms = T * B * (I + H);
            let scale = f64::from(1u32 << T) * k_terms as f64;
            for (x, y) in a.iter().zip(b) {
                let bound = crate::precision::dot_bound(k_terms, scale, f64::from(*x), DType::F32);
                assert!(
                    (f64::from(*x) - f64::from(*y)).abs() <= bound,
                    "result {k}: {x} against {y} (bound {bound})"
                );
            }
        }
    }
}

/// The pass sits in `optimize`: a forward loop and its reversed replay
/// share one hoisted product after CSE.
#[test]
fn optimize_shares_the_product_of_a_loop_and_its_reversed_replay() {
    let mut g = Graph::new();
    cell(&mut g, false);
    let mut h = Graph::new();
    cell(&mut h, true);
    // Both loops in one graph: h's nodes appended with the same params.
    let outs = super::super::control::inline(
        &mut g,
        &h,
        &[
            NodeId::from_u32(0),
            NodeId::from_u32(1),
            NodeId::from_u32(2),
            NodeId::from_u32(3),
        ],
    )
    .expect("inlined");
    for (r, n) in outs.into_iter().enumerate() {
        g.output(n, OutputRole::Result(4 + r as u32));
    }
    let opt = crate::passes::optimize(&g).expect("optimised");
    let products = opt
        .nodes
        .values()
        .filter(|n| n.op == Op::MatMul && n.shape.rank() == 3)
        .count();
    assert_eq!(products, 1, "{}", opt.to_text());
    for node in opt.nodes.values() {
        if let Op::Loop { body, .. } = &node.op {
            assert!(
                body.nodes.values().all(|n| n.op != Op::MatMul),
                "a product left in a loop body:\n{}",
                opt.to_text()
            );
        }
    }
}
