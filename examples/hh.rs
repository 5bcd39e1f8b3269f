//! W3: a population of N = 100,000 Hodgkin–Huxley neurons, 100
//! forward-Euler steps in one compiled `fori_loop`, with the classic rate
//! functions; a spike is an upward crossing of 20 mV. Prints the spike
//! count and the time: compiled with and without temporal fusion, on the
//! reference loop driver, and eager.
//!
//! Run with `cargo run --release --example hh`. `HERON_EXAMPLE_N=1000` runs a
//! population of 1,000 instead (`scripts/memcheck.sh` runs it so).

use heron as hn;
use heron::prelude::*;
use std::sync::LazyLock;
use std::time::Instant;

/// Neurons (`HERON_EXAMPLE_N` overrides it: a small run, e.g. under valgrind).
static N: LazyLock<usize> = LazyLock::new(|| example_size(100_000));
const STEPS: i32 = 100;
const DT: f32 = 0.05;

/// The population's state: membrane potential and gating variables.
struct Hh {
    v: Variable,
    m: Variable,
    h: Variable,
    n: Variable,
    spikes: Variable,
    input: Array,
}

impl Hh {
    fn new() -> Hh {
        let v0 = -65.0;
        Hh {
            v: Variable::new(hn::full(&[*N], v0, DType::F32)),
            m: Variable::new(hn::full(&[*N], 0.0529, DType::F32)),
            h: Variable::new(hn::full(&[*N], 0.5961, DType::F32)),
            n: Variable::new(hn::full(&[*N], 0.3177, DType::F32)),
            spikes: Variable::new(hn::zeros(&[*N], DType::I32)),
            // Currents spread over 0..20 µA/cm², so some neurons fire.
            input: hn::linspace(0.0, 20.0, *N),
        }
    }

    /// One forward-Euler step.
    fn step(&self) {
        let (v, m, h, n) = (
            self.v.value(),
            self.m.value(),
            self.h.value(),
            self.n.value(),
        );
        let alpha_m = (&v + 40.0) * 0.1 / (1.0 - (-(&v + 40.0) / 10.0).exp());
        let beta_m = (-(&v + 65.0) / 18.0).exp() * 4.0;
        let alpha_h = (-(&v + 65.0) / 20.0).exp() * 0.07;
        let beta_h = 1.0 / ((-(&v + 35.0) / 10.0).exp() + 1.0);
        let alpha_n = (&v + 55.0) * 0.01 / (1.0 - (-(&v + 55.0) / 10.0).exp());
        let beta_n = (-(&v + 65.0) / 80.0).exp() * 0.125;
        let i_na = m.powi(3) * &h * (&v - 50.0) * 120.0;
        let i_k = n.powi(4) * (&v + 77.0) * 36.0;
        let i_leak = (&v + 54.387) * 0.3;
        let dv = (&self.input - i_na - i_k - i_leak) / 1.0;
        let nv = &v + dv * DT;
        self.m.set(&m + (&alpha_m * (1.0 - &m) - &beta_m * &m) * DT);
        self.h.set(&h + (&alpha_h * (1.0 - &h) - &beta_h * &h) * DT);
        self.n.set(&n + (&alpha_n * (1.0 - &n) - &beta_n * &n) * DT);
        let spike = nv.ge(20.0) & v.lt(20.0);
        self.spikes
            .set(self.spikes.value() + spike.astype(DType::I32));
        self.v.set(nv);
    }

    fn report(&self, label: &str, seconds: f64) {
        let total = self.spikes.value().sum().item::<i32>();
        println!(
            "{label:>22}: {total} spikes, {:.3} ms total, {:.3} ms/step",
            seconds * 1e3,
            seconds * 1e3 / STEPS as f64
        );
    }
}

fn main() {
    // The first call compiles; later calls reuse the code, with temporal
    // fusion, without it, and on the reference loop driver.
    let runs = [
        ("jit (first, compiles)", true, true),
        ("jit, temporal fusion", true, true),
        ("jit, step by step", false, true),
        ("jit, reference driver", false, false),
    ];
    for (label, temporal, native) in runs {
        hn::set_temporal_fusion(temporal);
        hn::control::set_native_drivers(native);
        let net = Hh::new();
        let start = Instant::now();
        hn::fori_loop(0, STEPS, |_| net.step());
        net.report(label, start.elapsed().as_secs_f64());
    }
    hn::set_temporal_fusion(true);
    hn::control::set_native_drivers(true);
    let net = Hh::new();
    let start = Instant::now();
    for _ in 0..STEPS {
        net.step();
    }
    net.report("eager", start.elapsed().as_secs_f64());
}

/// `HERON_EXAMPLE_N` if set, else `default`.
fn example_size(default: usize) -> usize {
    std::env::var("HERON_EXAMPLE_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
