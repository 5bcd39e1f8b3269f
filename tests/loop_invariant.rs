//! A spiking cell trained through time, the shape of `examples/train_snn.rs`:
//! after `optimize`, neither the forward loop nor its reverse pass runs a
//! matrix product (the input product is hoisted, the weight gradient sunk
//! after the reverse loop), and the compiled gradient agrees with the
//! interpreter on the traced, unoptimised graph.

use heron as hn;
use heron::prelude::*;
use heron::random::RandomState;

const STEPS: usize = 12;
const BATCH: usize = 4;
const INPUTS: usize = 9;
const HIDDEN: usize = 7;

/// The loss of a LIF layer over `x: [STEPS, BATCH, INPUTS]` with input
/// weights `w` (spikes through the sigmoid surrogate, soft reset).
fn loss(x: &Array, w: &Array) -> Array {
    let v = Variable::new(hn::zeros(&[BATCH, HIDDEN], DType::F32));
    let count = Variable::new(hn::zeros(&[BATCH, HIDDEN], DType::F32));
    v.set(hn::zeros(&[BATCH, HIDDEN], DType::F32));
    count.set(hn::zeros(&[BATCH, HIDDEN], DType::F32));
    let w = w.clone();
    hn::for_loop(x, |s_in: Array| {
        let u = v.value() * 0.9 + s_in.matmul(&w);
        let s = hn::surrogate::sigmoid(&(&u - 1.0), 4.0);
        v.set(&u - hn::stop_gradient(&s));
        count.set(count.value() + &s);
    });
    (count.value() * count.value()).mean() + (v.value() * 0.5).sum()
}

fn inputs() -> (Array, Array) {
    let rng = RandomState::new(3);
    let x = rng
        .uniform_as(0.0, 1.0, &[STEPS, BATCH, INPUTS], DType::F32)
        .lt(0.3)
        .astype(DType::F32);
    let w = rng.normal_as(0.0, 0.6, &[INPUTS, HIDDEN], DType::F32);
    (x, w)
}

fn value_and_grad_w() -> hn::Jit<Vec<Array>, Vec<Array>> {
    hn::jit(|a: Vec<Array>| {
        let x = a[0].clone();
        let (l, g) = hn::value_and_grad(move |w: Array| loss(&x, &w))(a[1].clone());
        vec![l, g]
    })
}

#[test]
fn no_product_is_left_in_a_loop_body() {
    let (x, w) = inputs();
    let lowered = value_and_grad_w().lower(vec![x, w]);
    let traced = lowered.graph();
    let in_bodies = |g: &heron_ir::Graph| {
        g.nodes
            .values()
            .filter_map(|n| match &n.op {
                heron_ir::Op::Loop { body, .. } => Some(
                    body.nodes
                        .values()
                        .filter(|b| b.op == heron_ir::Op::MatMul)
                        .count(),
                ),
                _ => None,
            })
            .collect::<Vec<usize>>()
    };
    // Traced: the forward loop's product, and the reverse loop's replayed
    // product and weight gradient.
    let before = in_bodies(traced);
    assert!(
        before.len() == 2 && before[0] >= 1 && before[1] >= 2,
        "{before:?}\n{}",
        traced.to_text()
    );
    let optimized = lowered.optimized_graph();
    let loops = in_bodies(optimized);
    assert_eq!(loops, vec![0, 0], "{}", optimized.to_text());
    // One product of all the steps' inputs (shared by both loops), one of
    // the weight gradient over all steps.
    let big: Vec<String> = optimized
        .nodes
        .values()
        .filter(|n| n.op == heron_ir::Op::MatMul)
        .map(|n| format!("{:?}", n.shape.to_vec()))
        .collect();
    assert!(
        big.contains(&format!("{:?}", [STEPS, BATCH, HIDDEN]))
            && big.contains(&format!("{:?}", [INPUTS, HIDDEN])),
        "{big:?}\n{}",
        optimized.to_text()
    );
}

#[test]
fn the_compiled_gradient_agrees_with_the_interpreter_on_the_traced_graph() {
    let (x, w) = inputs();
    let f = value_and_grad_w();
    let traced = f.lower(vec![x.clone(), w.clone()]).graph().clone();
    let want = heron_ir::eval(&traced, &[x.value().clone(), w.value().clone()])
        .expect("the traced graph runs");
    let got = f.call(vec![x, w]);
    // The traced graph's results (it also writes the loop's Variables).
    let want: Vec<heron_ir::Value> = traced
        .outputs
        .iter()
        .zip(want)
        .filter(|((_, role), _)| matches!(role, heron_ir::OutputRole::Result(_)))
        .map(|(_, v)| v)
        .collect();
    assert_eq!(want.len(), got.len());
    for (k, (a, b)) in want.iter().zip(&got).enumerate() {
        let a = Array::from_value(a.clone()).to_vec::<f32>();
        let b = b.to_vec::<f32>();
        let scale = a.iter().fold(1.0f32, |m, v| m.max(v.abs()));
        for (i, (p, q)) in a.iter().zip(&b).enumerate() {
            // Products over STEPS·BATCH terms summed in another order, and
            // the sigmoid's inline exp: a few ulp of the largest value.
            assert!(
                (p - q).abs() <= 1e-5 * scale,
                "result {k}[{i}]: interpreter {p}, compiled {q}"
            );
        }
    }
}
