//! W5: 16,777,216 uniforms on [0, 1) and 16,777,216 standard normals, drawn
//! with Threefry-2x32 exactly as `jax.random.uniform` / `jax.random.normal`
//! (the normal is `√2·erfinv(u)`, `u` uniform on (-1, 1), with the Giles
//! polynomial). The hand-written loops compute the same numbers element by
//! element: one Threefry block per element, then the float construction.
//! ndarray is left out: it has no counter-based generator (`ndarray-rand`
//! draws from a sequential one, which gives other numbers).
//!
//! The `rand` crate's `SmallRng` (xoshiro; `rand_distr`'s ziggurat for
//! normals) is the fastest sequential reference: it draws other numbers, so
//! its check compares the mean and variance with the reference's instead of
//! the elements.

use crate::case::Case;
use crate::check::{Check, Out, Tol};
use crate::config::Config;
use crate::inputs::seeds;
use crate::variant::{Kind, Variant};
use heron::Array;
use heron::ir::threefry::threefry2x32;
use heron::random::Key;
use heron::random::erfinv::{F32_W_GE_5, F32_W_LT_5};
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;
use rayon::prelude::*;

/// Elements per rayon task.
const CHUNK: usize = 1 << 15;

/// Standard errors a `rand` sample's mean or variance may differ by from
/// the reference's (a false alarm about once in 10⁹ checks).
const SIGMAS: f64 = 6.0;

/// The number of draws of each kind.
pub fn len(cfg: &Config) -> usize {
    cfg.size.pick(1 << 24, 1 << 20, 1000)
}

/// The 32 random bits of element `i`.
#[inline(always)]
pub fn bits(key: [u32; 2], i: u64) -> u32 {
    let [a, b] = threefry2x32(key, [(i >> 32) as u32, i as u32]);
    a ^ b
}

/// A uniform float on [0, 1) from 32 random bits (the top 23 become the mantissa).
#[inline(always)]
pub fn unit(bits: u32) -> f32 {
    (bits >> 9) as f32 * f32::EPSILON
}

/// A standard normal from 32 random bits: `u` uniform on (-1, 1) as JAX
/// makes it (`max(lo, u01·2 + lo)` with `lo` the float after -1, in f64),
/// then `√2·erfinv(u)` with Giles' single-precision polynomial.
#[inline(always)]
pub fn normal(bits: u32) -> f32 {
    let lo = (-1.0f32).next_up();
    let u = ((unit(bits) as f64 * 2.0 + lo as f64) as f32).max(lo);
    let w = -(-u * u).ln_1p();
    let (c, t) = if w < 5.0 {
        (&F32_W_LT_5, w - 2.5)
    } else {
        (&F32_W_GE_5, w.sqrt() - 3.0)
    };
    // The coefficients rounded to f32, as heron rounds them for an f32 draw.
    let mut p = c[0] as f32;
    for &k in &c[1..] {
        p = k as f32 + p * t;
    }
    std::f32::consts::SQRT_2 * (p * u)
}

fn fill(out: &mut [f32], key: [u32; 2], offset: usize, f: impl Fn(u32) -> f32) {
    for (j, o) in out.iter_mut().enumerate() {
        *o = f(bits(key, (offset + j) as u64));
    }
}

fn fill_par(out: &mut [f32], key: [u32; 2], f: impl Fn(u32) -> f32 + Sync + Copy) {
    out.par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(c, o)| fill(o, key, c * CHUNK, f));
}

fn draw_case(cfg: &Config, normals: bool) -> Case<'static> {
    let n = len(cfg);
    let (id, title, seed, tol) = if normals {
        (
            "W5.normal",
            "standard normals (Threefry, erfinv)",
            seeds::W5_NORMAL,
            Tol::close(1e-5, 1e-6),
        )
    } else {
        (
            "W5.uniform",
            "uniforms on [0, 1) (Threefry)",
            seeds::W5_UNIFORM,
            Tol::EXACT,
        )
    };
    let key = Key::new(seed).data();
    let sample: fn(u32) -> f32 = if normals { normal } else { unit };
    let mut case = Case::new(id, title, format!("N = {n}, f32")).outputs(&[("draws", tol)]);
    case = case.variant(Variant::pure("rust", Kind::Rust, move || {
        let mut out = vec![0.0f32; n];
        fill(&mut out, key, 0, sample);
        Out::Vecs(vec![out])
    }));
    case = case.variant(Variant::pure("rayon", Kind::Rayon, move || {
        let mut out = vec![0.0f32; n];
        fill_par(&mut out, key, sample);
        Out::Vecs(vec![out])
    }));
    let draw = move |k: Key| -> Array {
        if normals {
            k.normal(0.0, 1.0, &[n])
        } else {
            k.uniform(0.0, 1.0, &[n])
        }
    };
    let f = heron::jit_named(id, move |k: Array| draw(Key::from_array(k)));
    let k = Key::new(seed).into_array();
    case = case.variant(Variant::pure("heron jit", Kind::HeronJit, move || {
        Out::Heron(vec![f.call(&k)])
    }));
    case = case.variant(Variant::pure("heron eager", Kind::HeronEager, move || {
        Out::Heron(vec![draw(Key::new(seed))])
    }));
    case = case.variant(
        Variant::pure("rand SmallRng", Kind::Rand, move || {
            let mut rng = SmallRng::seed_from_u64(seed);
            let out: Vec<f32> = if normals {
                (0..n).map(|_| rng.sample(StandardNormal)).collect()
            } else {
                (0..n).map(|_| rng.random::<f32>()).collect()
            };
            Out::Vecs(vec![out])
        })
        .checked(Check::Moments { sigmas: SIGMAS }),
    );
    case.note("ndarray left out: it has no counter-based generator giving these numbers")
        .note("rand SmallRng draws other numbers: checked by mean and variance")
}

/// The W5 cases: uniforms, then normals.
pub fn cases(cfg: &Config) -> Vec<Case<'static>> {
    vec![draw_case(cfg, false), draw_case(cfg, true)]
}
