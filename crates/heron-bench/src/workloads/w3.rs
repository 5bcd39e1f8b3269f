//! W3: a population of N = 100,000 Hodgkin–Huxley neurons, 100 forward-Euler
//! steps of dt = 0.05 ms with the classic rate functions (six `exp` per neuron
//! and step); a spike is an upward crossing of 20 mV, counted per neuron.
//! Stresses transcendental throughput: the hand-written loops come with
//! `f32::exp` (a libm call per element) and with an inlinable polynomial.

use crate::case::Case;
use crate::check::{Out, Tol};
use crate::config::Config;
use crate::inputs::{self, seeds};
use crate::models::hh::{C, DT, EK, EL, ENA, GK, GL, GNA, H0, M0, N0, V_TH, neuron_step};
use crate::polyexp;
use crate::variant::{Kind, Variant};
use heron::{Array, DType, Jit, Variable};
use ndarray::{Array1, Zip};
use rayon::prelude::*;
use std::sync::Arc;

/// Elements per rayon task.
const CHUNK: usize = 1 << 12;

/// Neurons and steps.
pub fn dims(cfg: &Config) -> (usize, usize) {
    cfg.size.pick((100_000, 100), (10_000, 100), (300, 20))
}

/// Initial potentials (uniform on [-70, -60)) and input currents (uniform on [5, 15)).
pub fn inputs(n: usize) -> (Array, Array) {
    (
        inputs::uniform(seeds::W3_V, -70.0, -60.0, &[n]),
        inputs::uniform(seeds::W3_I, 5.0, 15.0, &[n]),
    )
}

/// Plain-vector state.
#[derive(Clone)]
pub struct State {
    v: Vec<f32>,
    m: Vec<f32>,
    h: Vec<f32>,
    n: Vec<f32>,
    count: Vec<f32>,
    v0: Arc<Vec<f32>>,
}

impl State {
    fn new(v0: Arc<Vec<f32>>) -> State {
        let len = v0.len();
        State {
            v: v0.to_vec(),
            m: vec![M0; len],
            h: vec![H0; len],
            n: vec![N0; len],
            count: vec![0.0; len],
            v0,
        }
    }

    fn reset(&mut self) {
        self.v.copy_from_slice(&self.v0);
        self.m.fill(M0);
        self.h.fill(H0);
        self.n.fill(N0);
        self.count.fill(0.0);
    }

    fn out(&self) -> Out {
        let s = self.clone();
        Out::Vecs(vec![s.v, s.m, s.h, s.n, s.count])
    }
}

/// One step of a slice of neurons.
#[allow(clippy::too_many_arguments)]
fn slice_step(
    v: &mut [f32],
    m: &mut [f32],
    h: &mut [f32],
    n: &mut [f32],
    count: &mut [f32],
    i: &[f32],
    poly: bool,
) {
    let it = v.iter_mut().zip(m).zip(h).zip(n).zip(count).zip(i);
    if poly {
        for (((((v, m), h), n), c), &i) in it {
            neuron_step(v, m, h, n, c, i, polyexp::exp);
        }
    } else {
        for (((((v, m), h), n), c), &i) in it {
            neuron_step(v, m, h, n, c, i, f32::exp);
        }
    }
}

fn rust_steps(st: &mut State, i: &[f32], steps: usize, poly: bool) {
    for _ in 0..steps {
        slice_step(
            &mut st.v,
            &mut st.m,
            &mut st.h,
            &mut st.n,
            &mut st.count,
            i,
            poly,
        );
    }
}

fn rayon_steps(st: &mut State, i: &[f32], steps: usize, poly: bool) {
    for _ in 0..steps {
        st.v.par_chunks_mut(CHUNK)
            .zip(st.m.par_chunks_mut(CHUNK))
            .zip(st.h.par_chunks_mut(CHUNK))
            .zip(st.n.par_chunks_mut(CHUNK))
            .zip(st.count.par_chunks_mut(CHUNK))
            .zip(i.par_chunks(CHUNK))
            .for_each(|(((((v, m), h), n), c), i)| slice_step(v, m, h, n, c, i, poly));
    }
}

/// The population as heron Variables.
#[derive(Clone)]
pub struct Hh {
    /// Membrane potential (mV).
    pub v: Variable,
    /// Sodium activation.
    pub m: Variable,
    /// Sodium inactivation.
    pub h: Variable,
    /// Potassium activation.
    pub n: Variable,
    /// Spikes counted per neuron (f32).
    pub count: Variable,
    v0: Array,
}

impl Hh {
    /// The population starting at potentials `v0`.
    pub fn new(v0: &Array) -> Hh {
        let len = v0.size();
        let fill = |x: f32| heron::full(&[len], x as f64, DType::F32);
        Hh {
            v: Variable::new(v0.clone()),
            m: Variable::new(fill(M0)),
            h: Variable::new(fill(H0)),
            n: Variable::new(fill(N0)),
            count: Variable::new(heron::zeros(&[len], DType::F32)),
            v0: v0.clone(),
        }
    }

    /// Back to the initial state.
    pub fn reset(&self) {
        let len = self.v0.size();
        let fill = |x: f32| heron::full(&[len], x as f64, DType::F32);
        self.v.set(&self.v0);
        self.m.set(fill(M0));
        self.h.set(fill(H0));
        self.n.set(fill(N0));
        self.count.set(heron::zeros(&[len], DType::F32));
    }

    /// One forward-Euler step with input current `i`: traced by `jit` or run eagerly.
    pub fn step(&self, i: &Array) {
        let x = self.v.value();
        let (m, h, n) = (self.m.value(), self.h.value(), self.n.value());
        let am = (&x + 40.0) * 0.1 / (1.0 - (-(&x + 40.0) / 10.0).exp());
        let bm = (-(&x + 65.0) / 18.0).exp() * 4.0;
        let ah = (-(&x + 65.0) / 20.0).exp() * 0.07;
        let bh = 1.0 / (1.0 + (-(&x + 35.0) / 10.0).exp());
        let an = (&x + 55.0) * 0.01 / (1.0 - (-(&x + 55.0) / 10.0).exp());
        let bn = (-(&x + 65.0) / 80.0).exp() * 0.125;
        let ina = &m * GNA * &m * &m * &h * (&x - ENA);
        let ik = &n * GK * &n * &n * &n * (&x - EK);
        let il = (&x - EL) * GL;
        let xn = &x + DT * (-ina - ik - il + i) / C;
        self.m.set(&m + DT * (am * (1.0 - &m) - bm * &m));
        self.h.set(&h + DT * (ah * (1.0 - &h) - bh * &h));
        self.n.set(&n + DT * (an * (1.0 - &n) - bn * &n));
        let crossed = xn.ge(V_TH) & x.lt(V_TH);
        self.count.set(&self.count + crossed.astype(DType::F32));
        self.v.set(xn);
    }

    /// V, m, h, n and the spike counts.
    pub fn outputs(&self) -> Out {
        Out::Heron(vec![
            self.v.value(),
            self.m.value(),
            self.h.value(),
            self.n.value(),
            self.count.value(),
        ])
    }

    /// The step as a jitted function of the input current.
    pub fn jitted_step(&self) -> Jit<Array, ()> {
        let hh = self.clone();
        heron::jit_named("w3_step", move |i: Array| hh.step(&i))
    }

    /// All `steps` steps in one compiled `fori_loop`, jitted as a function
    /// of the input current; with fast math when `fast_math`.
    pub fn jitted_loop(&self, steps: usize, fast_math: bool) -> Jit<Array, ()> {
        let hh = self.clone();
        heron::jit_with(heron::JitOptions { fast_math }, move |i: Array| {
            heron::fori_loop(0, steps, |_: Array| hh.step(&i))
        })
    }

    /// `jitted_step` compiled with fast math (`JitOptions { fast_math: true }`):
    /// the six exps share two (`passes::fast_math::share_exps`).
    pub fn jitted_step_fast(&self) -> Jit<Array, ()> {
        let hh = self.clone();
        heron::jit_with(heron::JitOptions { fast_math: true }, move |i: Array| {
            hh.step(&i)
        })
    }
}

/// `ndarray` state, stepped with one temporary per op.
struct NdState {
    v: Array1<f32>,
    m: Array1<f32>,
    h: Array1<f32>,
    n: Array1<f32>,
    count: Array1<f32>,
}

impl NdState {
    fn new(v0: &[f32]) -> NdState {
        let len = v0.len();
        NdState {
            v: Array1::from(v0.to_vec()),
            m: Array1::from_elem(len, M0),
            h: Array1::from_elem(len, H0),
            n: Array1::from_elem(len, N0),
            count: Array1::zeros(len),
        }
    }

    fn out(&self) -> Out {
        let d = |a: &Array1<f32>| a.clone().into_dyn();
        Out::Nd(vec![
            d(&self.v),
            d(&self.m),
            d(&self.h),
            d(&self.n),
            d(&self.count),
        ])
    }
}

fn nd_exp_of(x: &Array1<f32>, offset: f32, scale: f32) -> Array1<f32> {
    let a = x + offset;
    let b = -&a;
    let c = &b / scale;
    c.mapv(f32::exp)
}

fn nd_gate(g: &Array1<f32>, a: &Array1<f32>, b: &Array1<f32>) -> Array1<f32> {
    let one_minus = 1.0 - g;
    let up = a * &one_minus;
    let down = b * g;
    let d = &up - &down;
    let step = &d * DT;
    g + &step
}

fn ndarray_step(st: &mut NdState, i: &Array1<f32>) {
    let x = &st.v;
    let am = &(&(x + 40.0) * 0.1) / &(1.0 - &nd_exp_of(x, 40.0, 10.0));
    let bm = &nd_exp_of(x, 65.0, 18.0) * 4.0;
    let ah = &nd_exp_of(x, 65.0, 20.0) * 0.07;
    let bh = 1.0 / &(1.0 + &nd_exp_of(x, 35.0, 10.0));
    let an = &(&(x + 55.0) * 0.01) / &(1.0 - &nd_exp_of(x, 55.0, 10.0));
    let bn = &nd_exp_of(x, 65.0, 80.0) * 0.125;
    let (m, h, n) = (&st.m, &st.h, &st.n);
    let ina = &(&(&(&(m * GNA) * m) * m) * h) * &(x - ENA);
    let ik = &(&(&(&(n * GK) * n) * n) * n) * &(x - EK);
    let il = &(x - EL) * GL;
    let total = &(&(&(-&ina) - &ik) - &il) + i;
    let xn = x + &(&(&total * DT) / C);
    let m_new = nd_gate(m, &am, &bm);
    let h_new = nd_gate(h, &ah, &bh);
    let n_new = nd_gate(n, &an, &bn);
    let crossed = Zip::from(&xn)
        .and(x)
        .map_collect(|&a, &b| if a >= V_TH && b < V_TH { 1.0f32 } else { 0.0 });
    st.count = &st.count + &crossed;
    st.v = xn;
    st.m = m_new;
    st.h = h_new;
    st.n = n_new;
}

/// The W3 case: 100 separate calls of a jitted step against the hand-written loops.
pub fn case(cfg: &Config) -> Case<'static> {
    let (len, steps) = dims(cfg);
    let (v0, i) = inputs(len);
    let v0v = Arc::new(inputs::vec_f32(&v0));
    let iv = Arc::new(inputs::vec_f32(&i));
    let tol_v = Tol::close(1e-3, 1e-2).allowing(1e-3);
    let tol_g = Tol::close(1e-3, 1e-4).allowing(1e-3);
    let mut case = Case::new(
        "W3",
        "Hodgkin–Huxley population, forward Euler (6 exp per neuron-step)",
        format!("N = {len}, {steps} steps of {DT} ms, f32"),
    )
    .outputs(&[
        ("V", tol_v),
        ("m", tol_g),
        ("h", tol_g),
        ("n", tol_g),
        ("spike count", Tol::EXACT.allowing(1e-3)),
    ]);
    for (name, kind, poly, par) in [
        ("rust f32::exp", Kind::Rust, false, false),
        ("rust poly exp", Kind::Rust, true, false),
        ("rayon f32::exp", Kind::Rayon, false, true),
        ("rayon poly exp", Kind::Rayon, true, true),
    ] {
        let iv = iv.clone();
        case = case.variant(Variant::stateful(
            name,
            kind,
            State::new(v0v.clone()),
            State::reset,
            move |st| {
                if par {
                    rayon_steps(st, &iv, steps, poly)
                } else {
                    rust_steps(st, &iv, steps, poly)
                }
            },
            State::out,
        ));
    }
    for (name, fast_math) in [("heron jit", false), ("heron jit, fast math", true)] {
        let hh = Hh::new(&v0);
        let step = if fast_math {
            hh.jitted_step_fast()
        } else {
            hh.jitted_step()
        };
        let i1 = i.clone();
        case = case.variant(Variant::stateful(
            name,
            Kind::HeronJit,
            hh,
            |s| s.reset(),
            move |_| {
                for _ in 0..steps {
                    step.call(&i1);
                }
            },
            Hh::outputs,
        ));
    }
    for (name, fast_math) in [
        ("heron jit, fori_loop", false),
        ("heron jit, fori_loop, fast math", true),
    ] {
        let hh = Hh::new(&v0);
        let run = hh.jitted_loop(steps, fast_math);
        let i1 = i.clone();
        case = case.variant(Variant::stateful(
            name,
            Kind::HeronJit,
            hh,
            |s| s.reset(),
            move |_| run.call(&i1),
            Hh::outputs,
        ));
    }
    let i2 = i.clone();
    case = case.variant(Variant::stateful(
        "heron eager",
        Kind::HeronEager,
        Hh::new(&v0),
        |s| s.reset(),
        move |s| {
            for _ in 0..steps {
                s.step(&i2);
            }
        },
        Hh::outputs,
    ));
    let ind = inputs::nd1(&iv);
    let v0n = v0v.clone();
    case = case.variant(Variant::stateful(
        "ndarray",
        Kind::Ndarray,
        NdState::new(&v0v),
        move |st| *st = NdState::new(&v0n),
        move |st| {
            for _ in 0..steps {
                ndarray_step(st, &ind);
            }
        },
        NdState::out,
    ));
    case = ceiling_variants(case, &v0v, &iv, steps);
    case.note(
        "heron jit: 100 separate calls of the jitted step; fori_loop: one call of a 100-step loop \
         (fast math: the six exps share two)",
    )
}

/// The ceilings (`ceiling::hh`): hand-written SIMD loops with the vector
/// form of `polyexp::exp`, at 128 bits and at the CPU's widest vectors,
/// step-outer and register-tiled, on one thread and on rayon, bit-identical
/// to the scalar loop with `polyexp::exp` ("rust poly exp").
#[cfg(target_arch = "x86_64")]
fn ceiling_variants(
    mut case: Case<'static>,
    v0: &Arc<Vec<f32>>,
    iv: &Arc<Vec<f32>>,
    steps: usize,
) -> Case<'static> {
    use crate::ceiling::{self, hh};
    let (plans, notes) = ceiling::simulation_plans(hh::TILE);
    for plan in plans {
        let iv = iv.clone();
        case = case.variant(Variant::stateful(
            plan.name.clone(),
            Kind::Ceiling,
            State::new(v0.clone()),
            State::reset,
            move |st| {
                let neurons = hh::Neurons {
                    v: &mut st.v,
                    m: &mut st.m,
                    h: &mut st.h,
                    n: &mut st.n,
                    count: &mut st.count,
                    i: &iv,
                };
                hh::run_plan(&plan, neurons, steps);
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
    _v0: &Arc<Vec<f32>>,
    _iv: &Arc<Vec<f32>>,
    _steps: usize,
) -> Case<'static> {
    let (_, notes) = crate::ceiling::simulation_plans(2);
    notes.into_iter().fold(case, Case::note)
}
