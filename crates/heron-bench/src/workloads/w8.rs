//! W8: the COBA E/I network of `examples/ei_network.rs` (its model file is
//! compiled in here, so the benchmark runs the example's very network):
//! 4,000 LIF neurons at scale 1, 40,000 at scale 10 (80 expected inputs per
//! neuron), 1,000 ms of dt = 0.1 ms in one call. heron runs it as one
//! compiled loop inside `jit`, spikes propagated by `Csr::event_vecmat`;
//! the reference is a hand-written event-driven loop on one thread (CSR
//! rows of the spiking neurons added into the conductances) doing the same
//! arithmetic in the same order, so both give the same spikes and V.

#[path = "../../../../examples/ei_network/net.rs"]
#[allow(dead_code)]
mod net;

use crate::case::Case;
use crate::check::{Out, Tol};
use crate::config::Config;
use crate::variant::{Kind, Variant};
use heron::{Array, Jit};
pub use net::Net;
use std::sync::Arc;

/// The scales and steps of a run.
pub fn dims(cfg: &Config) -> (Vec<f64>, usize) {
    cfg.size.pick(
        (vec![1.0, 10.0], 10_000),
        (vec![1.0], 2_000),
        (vec![0.05], 200),
    )
}

/// The hand-written network: plain vectors, CSR rows as slices.
pub struct Reference {
    net: Arc<Net>,
    v: Vec<f32>,
    g_e: Vec<f32>,
    g_i: Vec<f32>,
    t_last: Vec<f32>,
    /// Neurons that spiked in the last step, ascending.
    spiking: Vec<usize>,
    /// Spikes of E and of I neurons so far.
    counts: [u64; 2],
    input: Vec<f32>,
    csr: [(Vec<i32>, Vec<i32>); 2],
}

impl Reference {
    /// The reference network of `net`'s connectivity and initial V.
    pub fn new(net: Arc<Net>) -> Reference {
        let n = net.n;
        let rows =
            |c: &heron::sparse::Csr| (c.indptr().to_vec::<i32>(), c.indices().to_vec::<i32>());
        let csr = [rows(&net.w_e), rows(&net.w_i)];
        let mut r = Reference {
            v: Vec::new(),
            g_e: vec![0.0; n],
            g_i: vec![0.0; n],
            t_last: Vec::new(),
            spiking: Vec::new(),
            counts: [0; 2],
            input: vec![0.0; n],
            csr,
            net,
        };
        r.reset();
        r
    }

    /// Back to the initial state.
    pub fn reset(&mut self) {
        let n = self.net.n;
        self.v = self.net.v0.to_vec::<f32>();
        self.g_e.fill(0.0);
        self.g_i.fill(0.0);
        self.t_last = vec![-1e7; n];
        self.spiking.clear();
        self.counts = [0; 2];
    }

    /// Runs `steps` steps.
    pub fn run(&mut self, steps: usize) {
        for i in 0..steps {
            self.step(i);
        }
    }

    /// One step, in the order and with the operations of `Net::step`.
    fn step(&mut self, i: usize) {
        let n_e = self.net.n_e;
        let t = i as f32 * net::DT;
        let decay_e = (-net::DT / net::TAU_E).exp();
        let decay_i = (-net::DT / net::TAU_I).exp();
        // Propagation: the rows of last step's spiking neurons, ascending.
        for (pop, (g, decay, w)) in [
            (&mut self.g_e, decay_e, net::DG_E),
            (&mut self.g_i, decay_i, net::DG_I),
        ]
        .into_iter()
        .enumerate()
        {
            let (indptr, indices) = &self.csr[pop];
            self.input.fill(0.0);
            for &s in &self.spiking {
                let r = match pop {
                    0 if s < n_e => s,
                    1 if s >= n_e => s - n_e,
                    _ => continue,
                };
                for &c in &indices[indptr[r] as usize..indptr[r + 1] as usize] {
                    self.input[c as usize] += w;
                }
            }
            for (g, x) in g.iter_mut().zip(&self.input) {
                *g = *g * decay + x;
            }
        }
        self.spiking.clear();
        let h = net::DT / net::TAU;
        let c7 = (1.0f64 / 7.0) as f32;
        for j in 0..self.net.n {
            let (ge, gi, v) = (self.g_e[j], self.g_i[j], self.v[j]);
            let g = ge + gi + 1.0;
            let v_inf = (ge * net::E_E + gi * net::E_I + (net::V_REST + net::I_BG)) / g;
            let x = g * h * (-1.0 / 16.0);
            let mut p = x * c7 + 1.0;
            for k in (1..=6).rev() {
                p = p * x * (1.0 / k as f32) + 1.0;
            }
            for _ in 0..4 {
                p = p * p;
            }
            let mut v_new = v_inf + (v - v_inf) * p;
            if t - self.t_last[j] <= net::TAU_REF {
                v_new = v;
            }
            if v_new >= net::V_TH {
                self.v[j] = net::V_RESET;
                self.t_last[j] = t;
                self.spiking.push(j);
                self.counts[usize::from(j >= n_e)] += 1;
            } else {
                self.v[j] = v_new;
            }
        }
    }

    fn out(&self) -> Out {
        Out::Vecs(vec![
            vec![self.counts[0] as f32, self.counts[1] as f32],
            self.v.clone(),
        ])
    }
}

/// heron's run: the network and its jitted loop over `idx`.
struct Heron {
    net: Arc<Net>,
    sim: Jit<Array, Array>,
    idx: Array,
    packed: Option<Array>,
}

impl Heron {
    fn out(&self) -> Out {
        let n = self.net.n;
        let packed = self.packed.as_ref().expect("run before read");
        let count = |r: std::ops::Range<usize>| {
            heron::monitor::spike_counts(packed, n, r)
                .iter()
                .map(|&c| c as f32)
                .sum::<f32>()
        };
        Out::Vecs(vec![
            vec![count(0..self.net.n_e), count(self.net.n_e..n)],
            self.net.v().to_vec::<f32>(),
        ])
    }
}

/// The W8 cases, one per scale.
pub fn cases(cfg: &Config) -> Vec<Case<'static>> {
    let (scales, steps) = dims(cfg);
    scales
        .into_iter()
        .map(|scale| {
            let net = Arc::new(Net::new(scale, 42));
            let mut case = Case::new(
                format!("W8.scale{scale}"),
                "COBA E/I network, event-driven sparse propagation",
                format!("{} neurons, {steps} steps of 0.1 ms", net.n),
            )
            .outputs(&[("spikes (E, I)", Tol::EXACT), ("v", Tol::EXACT)]);
            case = case.variant(Variant::stateful(
                "rust event-driven",
                Kind::Rust,
                Reference::new(net.clone()),
                Reference::reset,
                move |r| r.run(steps),
                Reference::out,
            ));
            let sim = {
                let net = net.clone();
                heron::jit_named("w8", move |i: Array| net.run(&i))
            };
            let heron = Heron {
                net,
                sim,
                idx: heron::arange_i(0, steps as i32, 1),
                packed: None,
            };
            case.variant(Variant::stateful(
                "heron jit",
                Kind::HeronJit,
                heron,
                |h| {
                    h.net.reset();
                    h.packed = None;
                },
                |h| h.packed = Some(h.sim.call(&h.idx)),
                Heron::out,
            ))
        })
        .collect()
}
