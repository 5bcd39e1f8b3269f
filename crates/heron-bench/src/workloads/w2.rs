//! W2: a population of N = 1,000,000 leaky integrate-and-fire neurons run
//! for 100 steps: `V += dt*(-(V - V_rest) + R*I)/tau; spike = V >= V_th;
//! V = where(spike, V_reset, V); t_last = where(spike, t, t_last)`, with
//! `I = 20 + 5·normal` drawn once and `t = step·dt`. The state lives in
//! Variables updated in place; the heron step is one jitted function called
//! once per step (per-call overhead counts, case `W2.step`), and the 100
//! steps as one compiled `fori_loop` (case `W2.loop`).

use crate::case::Case;
use crate::check::{Out, Tol};
use crate::config::Config;
use crate::inputs::{self, seeds};
use crate::models::lif::{DT, R, T_NEVER, TAU, V_RESET, V_REST, V_TH, rust_step, time};
use crate::report::Bandwidth;
use crate::variant::{Kind, Variant};
use crate::workloads::w1::bandwidth_bounds;
use heron::{Array, DType, Jit, Variable, where_};
use ndarray::{Array1, Zip};
use rayon::prelude::*;
use std::sync::Arc;

/// Elements per rayon task.
const CHUNK: usize = 1 << 14;

/// Neurons and steps.
pub fn dims(cfg: &Config) -> (usize, usize) {
    cfg.size.pick((1_000_000, 100), (1 << 16, 100), (1000, 10))
}

/// The input current `20 + 5·normal` of N neurons.
pub fn current(n: usize) -> Array {
    inputs::normal(seeds::W2_I, 20.0, 5.0, &[n])
}

/// The population's state as heron Variables.
#[derive(Clone)]
pub struct Lif {
    /// Membrane potential.
    pub v: Variable,
    /// Time of the last spike.
    pub t_last: Variable,
    /// Whether each neuron spiked in the last step.
    pub spike: Variable,
}

impl Lif {
    /// N neurons at rest.
    pub fn new(n: usize) -> Lif {
        Lif {
            v: Variable::new(heron::full(&[n], V_REST as f64, DType::F32)),
            t_last: Variable::new(heron::full(&[n], T_NEVER as f64, DType::F32)),
            spike: Variable::new(heron::zeros(&[n], DType::Bool)),
        }
    }

    /// Back to rest.
    pub fn reset(&self) {
        let n = self.v.shape().size();
        self.v.set(heron::full(&[n], V_REST as f64, DType::F32));
        self.t_last
            .set(heron::full(&[n], T_NEVER as f64, DType::F32));
        self.spike.set(heron::zeros(&[n], DType::Bool));
    }

    /// One step at time `t` (a 0-d f32 array) with input `i`: the same code
    /// traced by `jit` and run eagerly.
    pub fn step(&self, i: &Array, t: &Array) {
        let v = self.v.value();
        let v = &v + DT * (-(&v - V_REST) + i * R) / TAU;
        let spike = v.ge(V_TH);
        self.v.set(where_(&spike, V_RESET, &v));
        self.t_last.set(where_(&spike, t, &self.t_last));
        self.spike.set(spike);
    }

    /// V, t_last and spike.
    pub fn outputs(&self) -> Out {
        Out::Heron(vec![
            self.v.value(),
            self.t_last.value(),
            self.spike.value(),
        ])
    }

    /// All `steps` steps in one compiled `fori_loop`, jitted as a function of `I`.
    pub fn jitted_loop(&self, steps: usize) -> Jit<Array, ()> {
        let lif = self.clone();
        heron::jit_named("w2_loop", move |i: Array| {
            heron::fori_loop(0, steps, |k: Array| {
                let t = k.astype(DType::F32) * DT;
                lif.step(&i, &t);
            })
        })
    }

    /// `jitted_loop` compiled with fast math (`JitOptions { fast_math: true }`).
    pub fn jitted_loop_fast(&self, steps: usize) -> Jit<Array, ()> {
        let lif = self.clone();
        heron::jit_with(heron::JitOptions { fast_math: true }, move |i: Array| {
            heron::fori_loop(0, steps, |k: Array| {
                let t = k.astype(DType::F32) * DT;
                lif.step(&i, &t);
            })
        })
    }

    /// The step as a jitted function of `(I, t)`.
    pub fn jitted_step(&self) -> Jit<(Array, Array), ()> {
        let lif = self.clone();
        heron::jit_named("w2_step", move |(i, t): (Array, Array)| lif.step(&i, &t))
    }
}

/// Plain-vector state of the hand-written loops.
pub struct State {
    v: Vec<f32>,
    t_last: Vec<f32>,
    spike: Vec<bool>,
}

impl State {
    fn new(n: usize) -> State {
        State {
            v: vec![V_REST; n],
            t_last: vec![T_NEVER; n],
            spike: vec![false; n],
        }
    }

    fn reset(&mut self) {
        self.v.fill(V_REST);
        self.t_last.fill(T_NEVER);
        self.spike.fill(false);
    }

    fn out(&self) -> Out {
        let spike = self.spike.iter().map(|&s| s as u8 as f32).collect();
        Out::Vecs(vec![self.v.clone(), self.t_last.clone(), spike])
    }
}

fn rayon_step(st: &mut State, i: &[f32], t: f32) {
    st.v.par_chunks_mut(CHUNK)
        .zip(st.t_last.par_chunks_mut(CHUNK))
        .zip(st.spike.par_chunks_mut(CHUNK))
        .zip(i.par_chunks(CHUNK))
        .for_each(|(((v, tl), s), i)| rust_step(v, tl, s, i, t));
}

/// Plain-`ndarray` state.
struct NdState {
    v: Array1<f32>,
    t_last: Array1<f32>,
    spike: Array1<bool>,
}

fn ndarray_step(st: &mut NdState, i: &Array1<f32>, t: f32) {
    let a = &st.v - V_REST;
    let b = -&a;
    let c = i * R;
    let d = &b + &c;
    let e = &d * DT;
    let f = &e / TAU;
    let v = &st.v + &f;
    let spike = v.mapv(|x| x >= V_TH);
    st.v = Zip::from(&spike)
        .and(&v)
        .map_collect(|&s, &x| if s { V_RESET } else { x });
    st.t_last = Zip::from(&spike)
        .and(&st.t_last)
        .map_collect(|&s, &tl| if s { t } else { tl });
    st.spike = spike;
}

/// The W2 cases: the jitted step called once per step (and the loop form when available).
pub fn cases(cfg: &Config, bw: &Bandwidth) -> Vec<Case<'static>> {
    let (n, steps) = dims(cfg);
    let i = current(n);
    let iv = Arc::new(inputs::vec_f32(&i));
    let times: Arc<Vec<Array>> = Arc::new((0..steps).map(|s| heron::scalar(time(s))).collect());
    let mut case = hand_written_case(
        "W2.step",
        "LIF population: 100 separate calls of a jitted step",
        n,
        steps,
        &iv,
    );
    let lif = Lif::new(n);
    let step = lif.jitted_step();
    let (i1, t1) = (i.clone(), times.clone());
    case = case.variant(Variant::stateful(
        "heron jit",
        Kind::HeronJit,
        lif,
        |l| l.reset(),
        move |_| {
            for t in t1.iter() {
                step.call((&i1, t));
            }
        },
        Lif::outputs,
    ));
    let (i2, t2) = (i.clone(), times.clone());
    case = case.variant(Variant::stateful(
        "heron eager",
        Kind::HeronEager,
        Lif::new(n),
        |l| l.reset(),
        move |l| {
            for t in t2.iter() {
                l.step(&i2, t);
            }
        },
        Lif::outputs,
    ));
    let ind = inputs::nd1(&iv);
    let nd_new = move || NdState {
        v: Array1::from_elem(n, V_REST),
        t_last: Array1::from_elem(n, T_NEVER),
        spike: Array1::from_elem(n, false),
    };
    case = case.variant(Variant::stateful(
        "ndarray",
        Kind::Ndarray,
        nd_new(),
        move |st| *st = nd_new(),
        move |st| {
            for s in 0..steps {
                ndarray_step(st, &ind, time(s));
            }
        },
        |st| {
            let spike = st.spike.mapv(|s| s as u8 as f32).into_dyn();
            Out::Nd(vec![
                st.v.clone().into_dyn(),
                st.t_last.clone().into_dyn(),
                spike,
            ])
        },
    ));
    case.bounds = bandwidth_bounds(21.0 * (n * steps) as f64, bw);
    let step_case = case.note(
        "bound: 21 bytes per neuron and step (read V, I, t_last; write V, t_last, spike) ÷ triad bandwidth",
    );
    vec![loop_case(cfg, bw, &i, &iv), step_case]
}

/// A W2 case with its outputs and the hand-written references (one thread,
/// and rayon) that both forms are measured against.
fn hand_written_case(
    id: &'static str,
    title: &'static str,
    n: usize,
    steps: usize,
    iv: &Arc<Vec<f32>>,
) -> Case<'static> {
    let tol_v = Tol::close(1e-5, 1e-3).allowing(1e-3);
    let case = Case::new(id, title, format!("N = {n}, {steps} steps, f32")).outputs(&[
        ("V", tol_v),
        ("t_last", tol_v),
        ("spike", Tol::EXACT.allowing(1e-3)),
    ]);
    let iv1 = iv.clone();
    let case = case.variant(Variant::stateful(
        "rust",
        Kind::Rust,
        State::new(n),
        State::reset,
        move |st| {
            for s in 0..steps {
                rust_step(&mut st.v, &mut st.t_last, &mut st.spike, &iv1, time(s));
            }
        },
        State::out,
    ));
    let iv2 = iv.clone();
    case.variant(Variant::stateful(
        "rayon",
        Kind::Rayon,
        State::new(n),
        State::reset,
        move |st| {
            for s in 0..steps {
                rayon_step(st, &iv2, time(s));
            }
        },
        State::out,
    ))
}

/// The loop form: the 100 steps in one compiled `fori_loop`, against the
/// same hand-written loops.
fn loop_case(cfg: &Config, bw: &Bandwidth, i: &Array, iv: &Arc<Vec<f32>>) -> Case<'static> {
    let (n, steps) = dims(cfg);
    let mut case = hand_written_case(
        "W2.loop",
        "LIF population: 100 steps in one compiled fori_loop",
        n,
        steps,
        iv,
    );
    let lif = Lif::new(n);
    let run = lif.jitted_loop(steps);
    let i1 = i.clone();
    case = case.variant(Variant::stateful(
        "heron jit",
        Kind::HeronJit,
        lif,
        |l| l.reset(),
        move |_| run.call(&i1),
        Lif::outputs,
    ));
    let lif = Lif::new(n);
    let run = lif.jitted_loop_fast(steps);
    let i1 = i.clone();
    case = case.variant(Variant::stateful(
        "heron jit, fast math",
        Kind::HeronJit,
        lif,
        |l| l.reset(),
        move |_| run.call(&i1),
        Lif::outputs,
    ));
    case = ceiling_variants(case, n, steps, iv);
    case.bounds = bandwidth_bounds(21.0 * (n * steps) as f64, bw);
    case.note("heron eager and ndarray: see W2.step (the same computation step by step)")
}

/// The ceilings (`ceiling::lif`): hand-written SIMD loops at 128 bits and at
/// the CPU's widest vectors, step-outer and register-tiled, on one thread and
/// on rayon, bit-identical to `rust_step`.
#[cfg(target_arch = "x86_64")]
fn ceiling_variants(
    mut case: Case<'static>,
    n: usize,
    steps: usize,
    iv: &Arc<Vec<f32>>,
) -> Case<'static> {
    use crate::ceiling::{self, lif};
    let (plans, notes) = ceiling::simulation_plans(lif::TILE);
    for plan in plans {
        let iv = iv.clone();
        case = case.variant(Variant::stateful(
            plan.name.clone(),
            Kind::Ceiling,
            State::new(n),
            State::reset,
            move |st| {
                let neurons = lif::Neurons {
                    v: &mut st.v,
                    t_last: &mut st.t_last,
                    spike: &mut st.spike,
                    i: &iv,
                };
                lif::run_plan(&plan, neurons, steps);
            },
            State::out,
        ));
    }
    notes.into_iter().fold(case, Case::note)
}

/// Off x86-64 the ceilings are left out, with a note.
#[cfg(not(target_arch = "x86_64"))]
fn ceiling_variants(
    case: Case<'static>,
    _n: usize,
    _steps: usize,
    _iv: &Arc<Vec<f32>>,
) -> Case<'static> {
    let (_, notes) = crate::ceiling::simulation_plans(8);
    notes.into_iter().fold(case, Case::note)
}
