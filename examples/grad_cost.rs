//! What a gradient costs next to its function: `jit(f)` against
//! `jit(grad(f))` for an element-wise `f` over a million f32 elements
//! (`sum(tanh(x)·sin(x) + exp(-x²))`); the backward code fuses with the
//! forward code into the same kind of loops. Prints the median time per
//! call of each and their ratio.
//!
//! Run with `cargo run --release --example grad_cost`
//! (`HERON_EXAMPLE_N=1000` for a short run on a thousand elements).

use heron as hn;
use heron::prelude::*;
use std::time::{Duration, Instant};

fn f(x: Array) -> Array {
    (x.tanh() * x.sin() + (-(&x * &x)).exp()).sum()
}

fn median_time(reps: usize, mut call: impl FnMut()) -> Duration {
    call();
    let mut t: Vec<Duration> = (0..reps)
        .map(|_| {
            let s = Instant::now();
            call();
            s.elapsed()
        })
        .collect();
    t.sort();
    t[reps / 2]
}

fn main() {
    let n = std::env::var("HERON_EXAMPLE_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000usize);
    let x = hn::linspace(-2.0, 2.0, n).astype(DType::F32);
    let jf = hn::jit(f);
    let jg = hn::jit(hn::grad(f));
    let tf = median_time(50, || {
        jf.call(&x);
    });
    let tg = median_time(50, || {
        jg.call(&x);
    });
    println!(
        "n = {n}: jit(f) {tf:.3?}, jit(grad(f)) {tg:.3?}, ratio {:.2}",
        tg.as_secs_f64() / tf.as_secs_f64()
    );
}
