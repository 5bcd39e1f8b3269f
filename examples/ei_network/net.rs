//! The COBA E/I network of Vogels & Abbott (2005) / Brette et al. (2007),
//! as BrainPy's standard COBA example runs it: 4,000 LIF neurons (3,200
//! excitatory, 800 inhibitory) connected at random with probability 0.02
//! by four projections (E→E, E→I, I→E, I→I), conductance-based synapses.
//! Shared by `examples/ei_network.rs` and the test `tests/ei_network.rs`.
//!
//! One step (dt = 0.1 ms), in BrainPy's order: the conductances decay and
//! receive the previous step's spikes through the event-driven sparse
//! products; V is integrated exactly over the step with the conductances
//! held (`dV/dt = (V_rest − V + g_e(E_e − V) + g_i(E_i − V) + I_bg)/τ` is
//! linear in V); neurons in their refractory period keep V; a neuron at or
//! above threshold spikes and resets.
//!
//! The step uses only operations whose compiled code gives the
//! interpreter's bits (`exp` is within 2 ulp, not bit-exact, so `exp_neg`
//! computes `e^-h` by scaling and squaring with `+ ×` only): compiled and
//! eager runs give the same spikes.

use heron as hn;
use heron::prelude::*;
use heron::random::Key;
use heron::sparse::Csr;

/// Excitatory neurons at scale 1.
pub const N_E: usize = 3200;
/// Inhibitory neurons at scale 1.
pub const N_I: usize = 800;
/// Expected inputs per neuron (`p·N` = 0.02 · 4000), kept at every scale.
pub const INPUTS: f64 = 80.0;
/// Time step (ms).
pub const DT: f32 = 0.1;
/// Membrane time constant (ms).
pub const TAU: f32 = 20.0;
/// Resting potential (mV).
pub const V_REST: f32 = -60.0;
/// Reset potential (mV).
pub const V_RESET: f32 = -60.0;
/// Threshold (mV).
pub const V_TH: f32 = -50.0;
/// Refractory period (ms).
pub const TAU_REF: f32 = 5.0;
/// Constant background input (mV).
pub const I_BG: f32 = 20.0;
/// Excitatory reversal potential (mV).
pub const E_E: f32 = 0.0;
/// Inhibitory reversal potential (mV).
pub const E_I: f32 = -80.0;
/// Excitatory conductance decay (ms).
pub const TAU_E: f32 = 5.0;
/// Inhibitory conductance decay (ms).
pub const TAU_I: f32 = 10.0;
/// Conductance increments per spike (in units of the leak conductance).
pub const DG_E: f32 = 0.6;
/// Inhibitory conductance increment per spike.
pub const DG_I: f32 = 6.7;

/// The network: connectivity and state.
pub struct Net {
    /// Neurons (excitatory first).
    pub n: usize,
    /// Excitatory neurons.
    pub n_e: usize,
    /// E→(E, I), weight `Δg_e`: `[n_e, n]`.
    pub w_e: Csr,
    /// I→(E, I), weight `Δg_i`: `[n_i, n]`.
    pub w_i: Csr,
    /// The initial V.
    pub v0: Array,
    v: Variable,
    g_e: Variable,
    g_i: Variable,
    t_last: Variable,
    spike: Variable,
}

/// The E and I weight matrices of `n_e` excitatory and `n_i` inhibitory
/// neurons connected with probability `p`: four `fixed_prob` projections
/// drawn from `keys[0..4]` (E→E, E→I, I→E, I→I), each source's two side by
/// side (post = E then I), weighted by `DG_E` and `DG_I`.
pub fn connectivity(n_e: usize, n_i: usize, p: f64, keys: &[Key]) -> (Csr, Csr) {
    let proj = |k: usize, pre: usize, post: usize| hn::conn::fixed_prob(pre, post, p, &keys[k]);
    let w_e = Csr::hstack(&[&proj(0, n_e, n_e), &proj(1, n_e, n_i)]).with_weight(DG_E);
    let w_i = Csr::hstack(&[&proj(2, n_i, n_e), &proj(3, n_i, n_i)]).with_weight(DG_I);
    (w_e, w_i)
}

impl Net {
    /// The network at `scale` (neuron counts times `scale`, connection
    /// probability `80/N` so every neuron keeps 80 expected inputs), its
    /// connectivity and initial V drawn from `seed`.
    pub fn new(scale: f64, seed: u64) -> Net {
        let n_e = ((N_E as f64 * scale).round() as usize).max(1);
        let n_i = ((N_I as f64 * scale).round() as usize).max(1);
        let n = n_e + n_i;
        let p = (INPUTS / n as f64).min(1.0);
        let keys = Key::new(seed).split_n(5);
        let (w_e, w_i) = connectivity(n_e, n_i, p, &keys[..4]);
        let v0 = keys[4].normal(-55.0, 5.0, &[n]);
        Net {
            n,
            n_e,
            w_e,
            w_i,
            v: Variable::new(v0.clone()),
            v0,
            g_e: Variable::new(hn::zeros(&[n], DType::F32)),
            g_i: Variable::new(hn::zeros(&[n], DType::F32)),
            t_last: Variable::new(hn::full(&[n], -1e7, DType::F32)),
            spike: Variable::new(hn::zeros(&[n], DType::Bool)),
        }
    }

    /// Puts the state back to where `new` left it.
    pub fn reset(&self) {
        self.v.set(self.v0.clone());
        for g in [&self.g_e, &self.g_i] {
            g.set(hn::zeros(&[self.n], DType::F32));
        }
        self.t_last.set(hn::full(&[self.n], -1e7, DType::F32));
        self.spike.set(hn::zeros(&[self.n], DType::Bool));
    }

    /// The membrane potentials now.
    pub fn v(&self) -> Array {
        self.v.value()
    }

    /// One step at step index `i` (traced or concrete); returns this step's
    /// spikes packed 32 per word (`hn::monitor::pack_spikes`).
    pub fn step(&self, i: &Array) -> Array {
        let t = i.astype(DType::F32) * DT;
        let spk = self.spike.value();
        let g_e = self.g_e.value() * (-DT / TAU_E).exp()
            + self.w_e.event_vecmat(&spk.slice(hn::s![..self.n_e]));
        let g_i = self.g_i.value() * (-DT / TAU_I).exp()
            + self.w_i.event_vecmat(&spk.slice(hn::s![self.n_e..]));
        let v = self.v.value();
        let g = &g_e + &g_i + 1.0;
        let v_inf = (&g_e * E_E + &g_i * E_I + (V_REST + I_BG)) / &g;
        let v_new = &v_inf + (&v - &v_inf) * exp_neg(&(&g * (DT / TAU)));
        let t_last = self.t_last.value();
        let refractory = (&t - &t_last).le(TAU_REF);
        let v_new = hn::where_(&refractory, &v, &v_new);
        let spike = v_new.ge(V_TH);
        self.v.set(hn::where_(&spike, V_RESET, &v_new));
        self.t_last.set(hn::where_(&spike, &t, &t_last));
        self.g_e.set(g_e);
        self.g_i.set(g_i);
        self.spike.set(spike.clone());
        hn::monitor::pack_spikes(&spike)
    }

    /// Runs one step per element of `steps` (the step indices, `i32[T]`) in
    /// one compiled loop; returns the packed spikes, `u32[T, ⌈n/32⌉]`.
    pub fn run(&self, steps: &Array) -> Array {
        hn::for_loop(steps, |i| self.step(&i))
    }

    /// The same steps eagerly (every op through the interpreter).
    pub fn run_eager(&self, steps: usize) -> Array {
        let rows: Vec<Array> = (0..steps as i32)
            .map(|i| self.step(&hn::scalar(i)))
            .collect();
        hn::stack(&rows, 0)
    }

    /// Mean rates (Hz) of the E and I populations over a recording of
    /// `steps` steps.
    pub fn rates(&self, packed: &Array) -> (f64, f64) {
        let steps = packed.shape()[0];
        let seconds = steps as f64 * DT as f64 * 1e-3;
        let count = |r: std::ops::Range<usize>| {
            let len = r.len() as f64;
            let total: u64 = hn::monitor::spike_counts(packed, self.n, r)
                .iter()
                .map(|&c| c as u64)
                .sum();
            total as f64 / len / seconds
        };
        (count(0..self.n_e), count(self.n_e..self.n))
    }
}

/// `e^-h` for `h ≥ 0` from additions and multiplications only: the Taylor
/// polynomial of degree 7 at `h/16`, squared four times (relative error
/// below 1e-8 for `h ≤ 4`, the range the network visits).
pub fn exp_neg(h: &Array) -> Array {
    let x = h * (-1.0 / 16.0);
    let mut p = &x * (1.0 / 7.0) + 1.0;
    for k in (1..=6).rev() {
        p = &p * &x * (1.0 / k as f32) + 1.0;
    }
    for _ in 0..4 {
        p = &p * &p;
    }
    p
}
