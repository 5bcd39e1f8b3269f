//! W2: a population of N = 1,000,000 leaky integrate-and-fire neurons run
//! for 100 steps, as one compiled `fori_loop` (one call from Rust: with and
//! without temporal fusion, and on the reference loop driver) and eagerly
//! (one interpreter call per op per step); temporal fusion runs in its
//! register-resident form (state in registers for all steps) and, for
//! comparison, in its chunked form; prints spike counts, the mean
//! rate and the time per step of each.
//!
//! Two variants follow, each timed with and without temporal fusion: the
//! spikes counted by a scalar total (`total += spike.sum()`, an accumulator
//! the fused loop keeps as per-neuron partials), and a noisy input (a
//! `RandomState` normal draw per step, whose key chain the fused loop runs
//! ahead). Both give the same numbers either way.
//!
//! The main loop also runs under fast math (`CompileOptions::fast_math`:
//! reassociated, the invariant drive computed once per tile of the
//! register form, fused multiply-adds), fused and step by step; its spike
//! counts may differ slightly from the exact ones (a neuron at the
//! threshold may cross it one step earlier or later).
//!
//! Run with `cargo run --release --example lif`. `HERON_EXAMPLE_N=1000` runs a
//! population of 1,000 instead (`scripts/memcheck.sh` runs it so).

use heron as hn;
use heron::CompileOptions;
use heron::prelude::*;
use heron::random::RandomState;
use std::sync::LazyLock;
use std::time::Instant;

/// Neurons (`HERON_EXAMPLE_N` overrides it: a small run, e.g. under valgrind).
static N: LazyLock<usize> = LazyLock::new(|| example_size(1_000_000));
const STEPS: i32 = 100;
const DT: f32 = 0.1;
const V_REST: f32 = -65.0;
const V_RESET: f32 = -68.0;
const V_TH: f32 = -50.0;
const R: f32 = 1.0;
const TAU: f32 = 10.0;
/// Standard deviation of the noisy variant's input, per step.
const NOISE: f64 = 8.0;

/// The population's state.
struct Lif {
    v: Variable,
    t_last: Variable,
    spikes: Variable,
    /// The spike total of all neurons (i32 scalar).
    total: Variable,
    input: Array,
    /// The noisy variant's generator.
    rng: RandomState,
}

impl Lif {
    fn new() -> Lif {
        let rng = RandomState::new(2024);
        Lif {
            v: Variable::new(hn::full(&[*N], V_REST as f64, DType::F32)),
            t_last: Variable::new(hn::full(&[*N], -1e7, DType::F32)),
            spikes: Variable::new(hn::zeros(&[*N], DType::I32)),
            total: Variable::new(hn::zeros(&[], DType::I32)),
            input: rng.normal(0.0, 1.0, &[*N]) * 5.0 + 20.0,
            rng: RandomState::new(7),
        }
    }

    /// The membrane update under input `input`: the new V and the spikes.
    fn integrate(&self, input: &Array) -> (Array, Array) {
        let v = self.v.value();
        let v = &v + (-(&v - V_REST) + input * R) * (DT / TAU);
        let spike = v.ge(V_TH);
        self.v.set(hn::where_(&spike, V_RESET, &v));
        (v, spike)
    }

    /// One Euler step at step index `i` (traced or concrete).
    fn step(&self, i: &Array) {
        let t = i.astype(DType::F32) * DT;
        let (_, spike) = self.integrate(&self.input);
        self.t_last.set(hn::where_(&spike, &t, self.t_last.value()));
        self.spikes
            .set(self.spikes.value() + spike.astype(DType::I32));
    }

    /// One step counting spikes in the scalar total only.
    fn step_total(&self) {
        let (_, spike) = self.integrate(&self.input);
        self.total
            .set(self.total.value() + spike.astype(DType::I32).sum());
    }

    /// One step under a fresh normal draw added to the input.
    fn step_noisy(&self) {
        let noise = self.rng.normal(0.0, NOISE, &[*N]);
        let (_, spike) = self.integrate(&(&self.input + noise));
        self.total
            .set(self.total.value() + spike.astype(DType::I32).sum());
    }

    fn report(&self, label: &str, total: i32, seconds: f64) {
        let rate = total as f64 / *N as f64 / (STEPS as f64 * DT as f64 * 1e-3);
        println!(
            "{label:>30}: {total} spikes, mean rate {rate:.2} Hz, {:.3} ms/step",
            seconds * 1e3 / STEPS as f64
        );
    }

    fn count(&self) -> i32 {
        self.spikes.value().sum().item::<i32>()
    }
}

/// Runs `body` as one `fori_loop` over a fresh population with temporal
/// fusion on or off (the first call of each body compiles it: it is run
/// once before the timed runs), and reports the spike total `count` gives.
fn timed(label: &str, body: fn(&Lif, &Array), count: fn(&Lif) -> i32) {
    let warm = Lif::new();
    hn::fori_loop(0, STEPS, |i: Array| body(&warm, &i));
    let ways = [
        ("temporal fusion (register tiles)", true, true),
        ("temporal fusion (chunked)", true, false),
        ("step by step", false, true),
    ];
    for (way, temporal, tiles) in ways {
        hn::set_temporal_fusion(temporal);
        let net = Lif::new();
        let start = Instant::now();
        hn::control::with_register_tiles(tiles, || {
            hn::fori_loop(0, STEPS, |i: Array| body(&net, &i));
        });
        let seconds = start.elapsed().as_secs_f64();
        net.report(&format!("{label}, {way}"), count(&net), seconds);
    }
    hn::set_temporal_fusion(true);
}

fn main() {
    // Compiled: the whole simulation is one fori_loop. The first call
    // compiles; later calls reuse the code, with temporal fusion (all steps
    // on one cache-sized chunk of neurons at a time), without it (every step
    // over the whole population), and on the reference driver (the loop in
    // Rust, calling the body's code once per step).
    let runs = [
        ("jit (first, compiles)", true, true, true, false),
        (
            "jit, temporal fusion (register tiles)",
            true,
            true,
            true,
            false,
        ),
        ("jit, temporal fusion (chunked)", true, true, false, false),
        ("jit, step by step", false, true, true, false),
        ("jit, reference driver", false, false, true, false),
        ("jit, fast math (first, compiles)", true, true, true, true),
        ("jit, fast math, register tiles", true, true, true, true),
        ("jit, fast math, step by step", false, true, true, true),
    ];
    for (label, temporal, native, tiles, fast_math) in runs {
        hn::set_temporal_fusion(temporal);
        hn::control::set_native_drivers(native);
        let net = Lif::new();
        let options = CompileOptions {
            fast_math,
            ..CompileOptions::current()
        };
        let start = Instant::now();
        options.scoped(|| {
            hn::control::with_register_tiles(tiles, || {
                hn::fori_loop(0, STEPS, |i: Array| net.step(&i));
            })
        });
        net.report(label, net.count(), start.elapsed().as_secs_f64());
    }
    hn::set_temporal_fusion(true);
    hn::control::set_native_drivers(true);

    // Eager: every op of every step runs through the interpreter.
    let net = Lif::new();
    let start = Instant::now();
    for i in 0..STEPS {
        net.step(&hn::scalar(i));
    }
    net.report("eager", net.count(), start.elapsed().as_secs_f64());

    // The variants: a scalar spike total, and noise drawn every step.
    let total = |net: &Lif| net.total.value().item::<i32>();
    timed("scalar total", |net, _| net.step_total(), total);
    timed("noisy input", |net, _| net.step_noisy(), total);
}

/// `HERON_EXAMPLE_N` if set, else `default`.
fn example_size(default: usize) -> usize {
    std::env::var("HERON_EXAMPLE_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
