//! What the compile cache on disk saves: the first call of W1 (an
//! element-wise chain over 16,777,216 floats), of a LIF step (1,000,000
//! neurons) and of 100 LIF steps in one `fori_loop`, each timed as
//! "first call" (trace, optimise, compile or load, run), "cached call", and
//! the time spent tracing, optimising and compiling (or loading).
//!
//! Run it twice with the same cache directory: the first run compiles and
//! writes the entries, the second loads them.
//!
//! ```text
//! export HERON_CACHE_DIR=$(mktemp -d)
//! cargo run --release --example cached_run    # cold: compiles
//! cargo run --release --example cached_run    # warm: loads from disk
//! ```
//!
//! `HERON_EXAMPLE_N=1000` shrinks both workloads to 1,000 elements
//! (`scripts/memcheck.sh` runs it so).

use heron as hn;
use heron::prelude::*;
use heron::random::Key;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

/// Elements of W1 (`HERON_EXAMPLE_N` overrides it: a small run, e.g. under valgrind).
static N_W1: LazyLock<usize> = LazyLock::new(|| example_size(16_777_216));
/// LIF neurons (`HERON_EXAMPLE_N` overrides it: a small run, e.g. under valgrind).
static N_LIF: LazyLock<usize> = LazyLock::new(|| example_size(1_000_000));

/// The LIF population's state.
#[derive(Clone)]
struct Lif {
    v: Variable,
    t_last: Variable,
    input: Array,
}

impl Lif {
    fn new() -> Lif {
        Lif {
            v: Variable::new(hn::full(&[*N_LIF], -65.0, DType::F32)),
            t_last: Variable::new(hn::full(&[*N_LIF], -1e7, DType::F32)),
            input: Key::new(2024).normal(0.0, 1.0, &[*N_LIF]) * 5.0 + 20.0,
        }
    }

    /// One Euler step at time `t`; returns the spikes.
    fn step(&self, t: &Array) -> Array {
        let v = self.v.value();
        let v = &v + (-(&v - -65.0) + &self.input) * (0.1 / 10.0);
        let spike = v.ge(-50.0);
        self.v.set(hn::where_(&spike, -68.0, &v));
        self.t_last.set(hn::where_(&spike, t, self.t_last.value()));
        spike
    }
}

/// Times the first and a later call of `call`; `compiled` tells how long
/// tracing, optimising and compiling (or loading) took and whether the code
/// came from disk.
fn report(
    name: &str,
    mut call: impl FnMut(),
    compiled: impl Fn() -> hn::Compiled,
    lower: impl Fn() -> hn::Lowered,
) {
    let start = Instant::now();
    call();
    let first = start.elapsed();
    let mut later = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        call();
        later.push(start.elapsed());
    }
    later.sort();
    let cached: Duration = later[later.len() / 2];
    let c = compiled();
    let start = Instant::now();
    lower();
    let traced = start.elapsed();
    println!(
        "{name:>10}: first call {:>8.2} ms, cached call {:>8.2} ms, \
         trace+optimise+{} {:>6.2} ms (trace+optimise alone {:>5.2} ms)",
        first.as_secs_f64() * 1e3,
        cached.as_secs_f64() * 1e3,
        if c.from_disk() { "load   " } else { "compile" },
        c.compile_time().as_secs_f64() * 1e3,
        traced.as_secs_f64() * 1e3,
    );
}

fn main() {
    match hn::cache::dir() {
        Some(dir) => println!("compile cache: {}", dir.display()),
        None => println!("compile cache: off (set HERON_CACHE_DIR to use one)"),
    }

    let x = Key::new(1).uniform(0.0, 1.0, &[*N_W1]);
    let y = Key::new(2).uniform(0.0, 1.0, &[*N_W1]);
    let w1 = hn::jit_named("w1", |(x, y): (Array, Array)| {
        (&x * 2.0 + &y) * (&x - 0.5) / (&y + 1.0)
    });
    report(
        "w1",
        || {
            w1.call((&x, &y));
        },
        || w1.compile((&x, &y)),
        || w1.lower((&x, &y)),
    );

    let lif = Lif::new();
    let step = hn::jit_named("lif_step", {
        let lif = lif.clone();
        move |t: Array| lif.step(&t)
    });
    let t = hn::scalar(0.1f32);
    report(
        "lif_step",
        || {
            step.call(&t);
        },
        || step.compile(&t),
        || step.lower(&t),
    );

    let looped = Lif::new();
    let run = hn::jit_named("lif_loop", {
        let lif = looped.clone();
        move |()| {
            hn::fori_loop(0, 100, |i: Array| {
                lif.step(&(i.astype(DType::F32) * 0.1));
            })
        }
    });
    report(
        "lif_loop",
        || run.call(()),
        || run.compile(()),
        || run.lower(()),
    );
}

/// `HERON_EXAMPLE_N` if set, else `default`.
fn example_size(default: usize) -> usize {
    std::env::var("HERON_EXAMPLE_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
