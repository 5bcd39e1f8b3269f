//! W1: the element-wise chain `z = (x*2 + y) * (x - 0.5) / (y + 1)` on
//! N = 16,777,216 f32 elements. Stresses fusion and memory bandwidth: a
//! fused loop reads `x` and `y` once and writes `z` once (12 bytes per element).

use crate::case::{Bound, Case};
use crate::check::{Out, Tol};
use crate::config::Config;
use crate::inputs::{self, seeds};
use crate::report::Bandwidth;
use crate::variant::{Kind, Variant};
use heron::Array;
use rayon::prelude::*;
use std::sync::Arc;

/// Elements per rayon task.
const CHUNK: usize = 1 << 15;

/// The number of elements.
pub fn len(cfg: &Config) -> usize {
    cfg.size.pick(1 << 24, 1 << 20, 1000)
}

/// The chain on arrays: used by the jitted and the eager heron versions.
pub fn chain(x: &Array, y: &Array) -> Array {
    (x * 2.0 + y) * (x - 0.5) / (y + 1.0)
}

/// The jitted chain.
pub fn jitted() -> heron::Jit<(Array, Array), Array> {
    heron::jit_named("w1", |(x, y): (Array, Array)| chain(&x, &y))
}

/// The inputs `x` (standard normal) and `y` (uniform on [0, 1)).
pub fn inputs(cfg: &Config) -> (Array, Array) {
    let n = len(cfg);
    (
        inputs::normal(seeds::W1_X, 0.0, 1.0, &[n]),
        inputs::uniform(seeds::W1_Y, 0.0, 1.0, &[n]),
    )
}

/// The hand-written loop.
pub fn rust(z: &mut [f32], x: &[f32], y: &[f32]) {
    for ((z, &x), &y) in z.iter_mut().zip(x).zip(y) {
        *z = (x * 2.0 + y) * (x - 0.5) / (y + 1.0);
    }
}

fn rayon(z: &mut [f32], x: &[f32], y: &[f32]) {
    z.par_chunks_mut(CHUNK)
        .zip(x.par_chunks(CHUNK))
        .zip(y.par_chunks(CHUNK))
        .for_each(|((z, x), y)| rust(z, x, y));
}

fn ndarray_eager(x: &ndarray::Array1<f32>, y: &ndarray::Array1<f32>) -> ndarray::Array1<f32> {
    let a = x * 2.0;
    let b = &a + y;
    let c = x - 0.5;
    let d = &b * &c;
    let e = y + 1.0;
    &d / &e
}

/// The W1 case: reference (Rust, one thread), rayon, heron jit and eager,
/// ndarray, and the bandwidth bounds.
pub fn case(cfg: &Config, bw: &Bandwidth) -> Case<'static> {
    let n = len(cfg);
    let (x, y) = inputs(cfg);
    let xv = Arc::new(inputs::vec_f32(&x));
    let yv = Arc::new(inputs::vec_f32(&y));
    let (xn, yn) = (inputs::nd1(&xv), inputs::nd1(&yv));
    let f = jitted();
    let bytes = 12.0 * n as f64;
    let mut case = Case::new(
        "W1",
        "element-wise chain z = (x*2 + y) * (x - 0.5) / (y + 1)",
        format!("N = {n}, f32"),
    )
    .outputs(&[("z", Tol::ELEMENTWISE)]);
    let (a, b) = (xv.clone(), yv.clone());
    case = case.variant(Variant::pure("rust", Kind::Rust, move || {
        let mut z = vec![0.0f32; a.len()];
        rust(&mut z, &a, &b);
        Out::Vecs(vec![z])
    }));
    let (a, b) = (xv.clone(), yv.clone());
    case = case.variant(Variant::pure("rayon", Kind::Rayon, move || {
        let mut z = vec![0.0f32; a.len()];
        rayon(&mut z, &a, &b);
        Out::Vecs(vec![z])
    }));
    let (a, b) = (x.clone(), y.clone());
    case = case.variant(Variant::pure("heron jit", Kind::HeronJit, move || {
        Out::Heron(vec![f.call((&a, &b))])
    }));
    let (a, b) = (x.clone(), y.clone());
    case = case.variant(Variant::pure("heron eager", Kind::HeronEager, move || {
        Out::Heron(vec![chain(&a, &b)])
    }));
    case = case.variant(Variant::pure("ndarray", Kind::Ndarray, move || {
        Out::Nd(vec![ndarray_eager(&xn, &yn).into_dyn()])
    }));
    case.bounds = bandwidth_bounds(bytes, bw);
    case.note("bound: 12 bytes per element (read x, y; write z) ÷ triad bandwidth")
}

/// Rows for the time `bytes` take at the one- and two-thread triad bandwidths.
pub fn bandwidth_bounds(bytes: f64, bw: &Bandwidth) -> Vec<Bound> {
    vec![
        Bound {
            name: "bandwidth bound, 1 thread".into(),
            seconds: bytes / bw.one_thread,
            note: format!("{:.0} MB ÷ {:.1} GB/s", bytes / 1e6, bw.one_thread / 1e9),
        },
        Bound {
            name: "bandwidth bound, 2 threads".into(),
            seconds: bytes / bw.two_threads,
            note: format!("{:.0} MB ÷ {:.1} GB/s", bytes / 1e6, bw.two_threads / 1e9),
        },
    ]
}
