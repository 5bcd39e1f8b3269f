//! W8: the COBA E/I network of `examples/ei_network.rs` (its model file is
//! compiled in here, so the benchmark runs the example's very network):
//! 4,000 LIF neurons at scale 1, 40,000 at scale 10 (80 expected inputs per
//! neuron), 1,000 ms of dt = 0.1 ms in one call. heron runs it as one
//! compiled loop inside `jit`, spikes propagated by `Csr::event_vecmat`;
//! the references are a hand-written event-driven loop (CSR rows of the
//! spiking neurons added into the conductances) doing the same arithmetic
//! in the same order, so all give the same spikes and V: on one thread, and
//! on a 2-thread rayon pool with the post-synaptic neurons split in halves
//! (one fork-join per step).

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
        for (indptr, indices) in &csr {
            assert!(
                indptr
                    .windows(2)
                    .all(|r| indices[r[0] as usize..r[1] as usize]
                        .windows(2)
                        .all(|p| p[0] < p[1])),
                "W8: the connectivity's rows are not sorted"
            );
        }
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
        let n = self.net.n;
        let mut next = Vec::with_capacity(self.spiking.len());
        let counts = step_columns(
            &self.net,
            &self.csr,
            &self.spiking,
            i,
            0,
            Columns {
                v: &mut self.v,
                g_e: &mut self.g_e,
                g_i: &mut self.g_i,
                t_last: &mut self.t_last,
                input: &mut self.input[..n],
            },
            &mut next,
        );
        self.spiking = next;
        self.counts[0] += counts[0];
        self.counts[1] += counts[1];
    }

    /// Runs `steps` steps with the columns (post-synaptic neurons) split in
    /// two halves, one per thread of `pool`: each half takes the synapses of
    /// last step's spiking rows that land in it (a binary search in each
    /// sorted row), then updates its conductances and neurons. One fork-join
    /// per step; every column sees the same additions in the same order as
    /// on one thread, so the bits are the same.
    pub fn run_split(&mut self, steps: usize, pool: &rayon::ThreadPool) {
        let n = self.net.n;
        let mid = n / 2;
        let (net, csr) = (&self.net, &self.csr);
        let (v0, v1) = self.v.split_at_mut(mid);
        let (ge0, ge1) = self.g_e.split_at_mut(mid);
        let (gi0, gi1) = self.g_i.split_at_mut(mid);
        let (t0, t1) = self.t_last.split_at_mut(mid);
        let (in0, in1) = self.input.split_at_mut(mid);
        let mut halves = [
            Columns {
                v: v0,
                g_e: ge0,
                g_i: gi0,
                t_last: t0,
                input: in0,
            },
            Columns {
                v: v1,
                g_e: ge1,
                g_i: gi1,
                t_last: t1,
                input: in1,
            },
        ];
        let spiking = &mut self.spiking;
        let counts = &mut self.counts;
        let (mut next0, mut next1) = (Vec::new(), Vec::new());
        pool.install(|| {
            for i in 0..steps {
                let [h0, h1] = &mut halves;
                let prev: &[usize] = spiking;
                let (c0, c1) = rayon::join(
                    || step_columns(net, csr, prev, i, 0, h0.reborrow(), &mut next0),
                    || step_columns(net, csr, prev, i, mid, h1.reborrow(), &mut next1),
                );
                spiking.clear();
                spiking.extend_from_slice(&next0);
                spiking.extend_from_slice(&next1);
                next0.clear();
                next1.clear();
                for k in 0..2 {
                    counts[k] += c0[k] + c1[k];
                }
            }
        });
    }

    fn out(&self) -> Out {
        Out::Vecs(vec![
            vec![self.counts[0] as f32, self.counts[1] as f32],
            self.v.clone(),
        ])
    }
}

/// The state of a range of columns (post-synaptic neurons).
struct Columns<'a> {
    v: &'a mut [f32],
    g_e: &'a mut [f32],
    g_i: &'a mut [f32],
    t_last: &'a mut [f32],
    /// Scratch for one projection's input.
    input: &'a mut [f32],
}

impl Columns<'_> {
    fn reborrow(&mut self) -> Columns<'_> {
        Columns {
            v: self.v,
            g_e: self.g_e,
            g_i: self.g_i,
            t_last: self.t_last,
            input: self.input,
        }
    }
}

/// Step `i` of the columns `lo..lo + cols.v.len()`: propagation of the rows
/// of `spiking` (last step's spiking neurons, ascending) into them, then
/// their conductance and neuron updates; pushes the columns that spike
/// (ascending) to `out` and returns the E and I spike counts.
fn step_columns(
    net: &Net,
    csr: &[(Vec<i32>, Vec<i32>); 2],
    spiking: &[usize],
    i: usize,
    lo: usize,
    c: Columns<'_>,
    out: &mut Vec<usize>,
) -> [u64; 2] {
    let n_e = net.n_e;
    let len = c.v.len();
    let whole = lo == 0 && len == net.n;
    let t = i as f32 * net::DT;
    let decay_e = (-net::DT / net::TAU_E).exp();
    let decay_i = (-net::DT / net::TAU_I).exp();
    // Propagation: the rows of last step's spiking neurons, ascending.
    for (pop, (g, decay, w)) in [
        (&mut *c.g_e, decay_e, net::DG_E),
        (&mut *c.g_i, decay_i, net::DG_I),
    ]
    .into_iter()
    .enumerate()
    {
        let (indptr, indices) = &csr[pop];
        c.input.fill(0.0);
        for &s in spiking {
            let r = match pop {
                0 if s < n_e => s,
                1 if s >= n_e => s - n_e,
                _ => continue,
            };
            let mut row = &indices[indptr[r] as usize..indptr[r + 1] as usize];
            if !whole {
                // Rows are sorted: the part of the row inside lo..lo + len.
                let a = row.partition_point(|&x| (x as usize) < lo);
                let b = row.partition_point(|&x| (x as usize) < lo + len);
                row = &row[a..b];
            }
            for &col in row {
                c.input[col as usize - lo] += w;
            }
        }
        for (g, x) in g.iter_mut().zip(c.input.iter()) {
            *g = *g * decay + x;
        }
    }
    let mut counts = [0u64; 2];
    let h = net::DT / net::TAU;
    let c7 = (1.0f64 / 7.0) as f32;
    for j in 0..len {
        let (ge, gi, v) = (c.g_e[j], c.g_i[j], c.v[j]);
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
        if t - c.t_last[j] <= net::TAU_REF {
            v_new = v;
        }
        if v_new >= net::V_TH {
            c.v[j] = net::V_RESET;
            c.t_last[j] = t;
            out.push(lo + j);
            counts[usize::from(lo + j >= n_e)] += 1;
        } else {
            c.v[j] = v_new;
        }
    }
    counts
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
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(2)
                .build()
                .expect("W8: a 2-thread pool");
            case = case.variant(Variant::stateful(
                "rust event-driven, rayon 2 threads",
                Kind::Rayon,
                (Reference::new(net.clone()), pool),
                |(r, _)| r.reset(),
                move |(r, pool)| r.run_split(steps, pool),
                |(r, _)| r.out(),
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
