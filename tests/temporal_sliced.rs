//! Temporal fusion of `for_loop`s over sliced operands with stacked
//! results (the forward and reverse loops of a spiking network trained
//! through time): step `t` reads row `t` of each sliced operand and writes
//! row `t` of each stacked result, element by element, so the loop runs
//! chunk by chunk of elements (on several threads) with the same bits as
//! step by step. A stacked copy of the state as a step starts is folded
//! into the chunk loop's kernel of the next step. A loop that reads its sliced row at
//! other elements than the one computed is not fused and stays correct.

#[path = "support/options.rs"]
mod options;
mod support;

use heron as hn;
use heron::CompileOptions;
use heron::prelude::*;
use heron::random::RandomState;
use options::{REFERENCE, temporal};
use support::bits;

/// Runs `sim` under `jit` with temporal fusion on, off, and on the
/// reference driver, and on the fused path again on a pool of one thread;
/// asserts all four give the same bits; returns the results.
fn same_every_way(sim: fn(&[Array]) -> Vec<Array>, args: Vec<Array>) -> Vec<Array> {
    let run = |options: CompileOptions| {
        let f = hn::jit_with_options(options, move |a: Vec<Array>| sim(&a));
        f.call(args.clone())
    };
    let fused = run(temporal(true));
    let unfused = run(temporal(false));
    let reference = run(REFERENCE);
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a pool of one thread")
        .install(|| run(temporal(true)));
    for (k, a) in fused.iter().enumerate() {
        let want = bits(a);
        assert_eq!(
            want,
            bits(&unfused[k]),
            "result {k}: fused and unfused differ"
        );
        assert_eq!(
            want,
            bits(&reference[k]),
            "result {k}: fused and reference differ"
        );
        assert_eq!(
            want,
            bits(&one_thread[k]),
            "result {k}: 1 and 2 threads differ"
        );
    }
    fused
}

/// The `temporal fusion:` lines of `sim`'s optimised plan (fusion on).
fn fusion_lines(sim: fn(&[Array]) -> Vec<Array>, args: Vec<Array>) -> Vec<String> {
    let f = hn::jit_with_options(temporal(true), move |a: Vec<Array>| sim(&a));
    let text = f.lower(args).optimized_text();
    text.lines()
        .filter(|l| l.contains("temporal fusion:"))
        .map(|l| l.trim().to_string())
        .collect()
}

/// A LIF layer driven by `x: [steps, batch, n]` input rows: returns the
/// final membrane, the spike count and the stacked membrane at each
/// step's start.
fn lif_over_rows(a: &[Array]) -> Vec<Array> {
    let x = &a[0];
    let (b, n) = (x.shape()[1], x.shape()[2]);
    let v = Variable::new(hn::zeros(&[b, n], DType::F32));
    let count = Variable::new(hn::zeros(&[b, n], DType::F32));
    v.set(hn::zeros(&[b, n], DType::F32));
    count.set(hn::zeros(&[b, n], DType::F32));
    let before = hn::for_loop(x, |row: Array| {
        let start = v.value();
        let u = &start * 0.9 + &row;
        let s = u.ge(1.0).astype(DType::F32);
        v.set(&u - &s);
        count.set(count.value() + &s);
        start
    });
    vec![v.value(), count.value(), before]
}

fn drive(steps: usize, b: usize, n: usize, seed: u64) -> Array {
    RandomState::new(seed).uniform_as(0.0, 0.6, &[steps, b, n], DType::F32)
}

#[test]
fn a_loop_over_rows_with_a_stacked_state_is_fused_and_bit_identical() {
    // 4 × 3001 elements: not a multiple of the chunk, several chunks.
    let out = same_every_way(lif_over_rows, vec![drive(23, 4, 3001, 1)]);
    assert!(out[1].sum().item::<f32>() > 0.0, "the layer must fire");
    assert_eq!(out[2].shape(), &[23, 4, 3001]);
    let lines = fusion_lines(lif_over_rows, vec![drive(23, 4, 3001, 1)]);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].ends_with(
            "over [4, 3001] x 23 steps; 1 sliced operands, 1 stacked results; chunk loop copy0_k0"
        ),
        "{lines:?}"
    );
}

#[test]
fn zero_and_one_step_loops_over_rows() {
    for steps in [0, 1] {
        same_every_way(lif_over_rows, vec![drive(steps, 3, 70, 2)]);
    }
}

/// The loss of a LIF layer with input weights `w` through time, as in
/// `examples/train_snn.rs`; returns the loss and its gradient.
fn snn_grad(a: &[Array]) -> Vec<Array> {
    let x = a[0].clone();
    let (b, h) = (x.shape()[1], a[1].shape()[1]);
    let (l, g) = hn::value_and_grad(move |w: Array| {
        let v = Variable::new(hn::zeros(&[b, h], DType::F32));
        let count = Variable::new(hn::zeros(&[b, h], DType::F32));
        v.set(hn::zeros(&[b, h], DType::F32));
        count.set(hn::zeros(&[b, h], DType::F32));
        hn::for_loop(&x, |s_in: Array| {
            let u = v.value() * 0.9 + s_in.matmul(&w);
            let s = hn::surrogate::sigmoid(&(&u - 1.0), 4.0);
            v.set(&u - hn::stop_gradient(&s));
            count.set(count.value() + &s);
        });
        (count.value() * count.value()).mean()
    })(a[1].clone());
    vec![l, g]
}

fn snn_inputs() -> Vec<Array> {
    let rng = RandomState::new(5);
    let x = rng
        .uniform_as(0.0, 1.0, &[30, 32, 50], DType::F32)
        .lt(0.2)
        .astype(DType::F32);
    let w = rng.normal_as(0.0, 0.5, &[50, 128], DType::F32);
    vec![x, w]
}

#[test]
fn both_loops_of_a_spiking_gradient_are_fused_and_bit_identical() {
    let out = same_every_way(snn_grad, snn_inputs());
    let g = out[1].to_vec::<f32>();
    assert!(g.iter().any(|&v| v != 0.0), "the gradient must not vanish");
    let lines = fusion_lines(snn_grad, snn_inputs());
    assert_eq!(lines.len(), 2, "forward and reverse loops: {lines:?}");
    assert!(
        lines[0].ends_with("1 sliced operands, 1 stacked results; chunk loop copy0_k0"),
        "{lines:?}"
    );
    assert!(
        lines[1].ends_with("2 sliced operands, 1 stacked results; chunk loop k0"),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .all(|l| l.contains("over [32, 128] x 30 steps")),
        "{lines:?}"
    );
}

/// A loop that reads its row reversed along the elements: not element-wise.
fn reversed_rows(a: &[Array]) -> Vec<Array> {
    let x = &a[0];
    let n = x.shape()[1];
    let v = Variable::new(hn::zeros(&[n], DType::F32));
    v.set(hn::zeros(&[n], DType::F32));
    hn::for_loop(x, |row: Array| {
        v.set(v.value() * 0.5 + row.slice(hn::s![..;-1]));
    });
    vec![v.value()]
}

#[test]
fn a_row_read_at_other_elements_is_not_fused_and_stays_correct() {
    let x = RandomState::new(4).normal_as(0.0, 1.0, &[9, 300], DType::F32);
    let out = same_every_way(reversed_rows, vec![x.clone()]);
    assert!(fusion_lines(reversed_rows, vec![x.clone()]).is_empty());
    // Against the loop written out eagerly.
    let mut v = hn::zeros(&[300], DType::F32);
    for t in 0..9 {
        let row = x.slice(hn::s![t]).slice(hn::s![..;-1]);
        v = &v * 0.5 + &row;
    }
    assert_eq!(bits(&out[0]), bits(&v));
}
