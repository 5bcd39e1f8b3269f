//! Times one training step of a 784-256-256-10 tanh MLP with softmax
//! cross-entropy on a batch of 128 (f32): `jit` of `value_and_grad_vars`
//! of the loss followed by an Adam update, all one compiled function.
//! Prints the compile time of the training step and of the forward pass
//! alone, and the median time per step (and per forward call).
//!
//! Run with `cargo run --release --example mlp_step`.
//! `benches/peers/mlp_step_jax.py` runs the same step in JAX.
//! `HERON_EXAMPLE_N=5` times 5 steps instead of 200 (a short run for CI).
//! `--profile` then prints where the training step's time goes, step by
//! step of its compiled plan (`heron::profile`).

use heron as hn;
use heron::prelude::*;
use heron::random::RandomState;
use std::sync::Arc;
use std::time::{Duration, Instant};

const BATCH: usize = 128;
const SIZES: [usize; 4] = [784, 256, 256, 10];

struct Mlp {
    w: Vec<Variable>,
    b: Vec<Variable>,
}

impl Mlp {
    fn new(rng: &RandomState) -> Mlp {
        let mut w = Vec::new();
        let mut b = Vec::new();
        for k in 0..3 {
            let (n_in, n_out) = (SIZES[k], SIZES[k + 1]);
            let scale = (1.0 / n_in as f64).sqrt();
            w.push(TrainVar::new(rng.normal_as(
                0.0,
                scale,
                &[n_in, n_out],
                DType::F32,
            )));
            b.push(TrainVar::new(hn::zeros(&[n_out], DType::F32)));
        }
        Mlp { w, b }
    }

    fn params(&self) -> Collector {
        let mut c = Collector::new();
        for k in 0..3 {
            c.insert(format!("w{k}"), &self.w[k]);
            c.insert(format!("b{k}"), &self.b[k]);
        }
        c
    }

    fn logits(&self, x: &Array) -> Array {
        let mut h = x.clone();
        for k in 0..3 {
            h = h.matmul(self.w[k].value()) + self.b[k].value();
            if k < 2 {
                h = h.tanh();
            }
        }
        h
    }
}

fn loss(logits: &Array, y: &Array) -> Array {
    let m = hn::stop_gradient(&logits.max_axis(-1).expand_dims(-1));
    let z = logits - &m;
    (z.exp().sum_axis(-1).log() - (&z * y).sum_axis(-1)).mean()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let steps = std::env::var("HERON_EXAMPLE_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200usize);
    let rng = RandomState::new(0);
    let net = Arc::new(Mlp::new(&rng));
    let x = rng.normal_as(0.0, 1.0, &[BATCH, SIZES[0]], DType::F32);
    let labels = rng.randint_as(0, 10, &[BATCH], DType::I32);
    let y = labels
        .expand_dims(-1)
        .eq(hn::arange_i(0, 10, 1))
        .astype(DType::F32);

    let params = net.params();
    let opt = hn::optim::Adam::new(1e-3, &params);
    let step = {
        let net = net.clone();
        hn::jit_named("training step", move |a: Vec<Array>| {
            let (n, y) = (net.clone(), a[1].clone());
            let (l, grads) =
                hn::value_and_grad_vars(&params, move |x: Array| loss(&n.logits(&x), &y))(
                    a[0].clone(),
                );
            opt.update(&grads);
            l
        })
    };
    let forward = {
        let net = net.clone();
        hn::jit(move |a: Vec<Array>| loss(&net.logits(&a[0]), &a[1]))
    };
    let args = vec![x.clone(), y.clone()];

    let t = Instant::now();
    let _ = forward.compile(args.clone());
    let fwd_compile = t.elapsed();
    let t = Instant::now();
    let _ = step.compile(args.clone());
    let step_compile = t.elapsed();

    let first = step.call(args.clone()).item::<f32>();
    let mut times = Vec::new();
    let mut last = first;
    for _ in 0..steps {
        let t = Instant::now();
        last = step.call(args.clone()).item::<f32>();
        times.push(t.elapsed());
    }
    let mut fwd_times = Vec::new();
    for _ in 0..steps {
        let t = Instant::now();
        let _ = forward.call(args.clone());
        fwd_times.push(t.elapsed());
    }
    println!("MLP 784-256-256-10 tanh, softmax cross-entropy, batch {BATCH}, f32");
    println!("compile: training step {step_compile:.2?}, forward only {fwd_compile:.2?}");
    println!(
        "per call (median of {steps}): training step {:.3?}, forward only {:.3?}",
        median(times),
        median(fwd_times)
    );
    println!(
        "loss: {first:.4} at the first step, {last:.4} after {} Adam steps",
        steps + 1
    );
    if std::env::args().any(|a| a == "--profile") {
        let (_, profile) = hn::profile::record(|| {
            for _ in 0..steps {
                step.call(args.clone());
            }
        });
        println!("\nwhere a training step's time goes ({steps} steps):\n{profile}");
    }
}
