//! W5 against the `rand` crate: counter-based RNG throughput. 16,777,216 f32 uniforms on `[0, 1)`
//! and 16,777,216 f32 standard normals, drawn by a jitted `RandomState`
//! draw (bits generated inside the fused loop), by heron's eager mode, by a
//! hand-written Threefry loop (`heron::ir::threefry`, single-threaded and
//! with rayon) computing JAX's construction, and by the `rand` crate's
//! `SmallRng` (xoshiro; `rand_distr`'s ziggurat for normals), the fastest
//! non-counter-based reference. Every version is checked before it is timed.
//! The hand-written loops are those of the W5 workload (`heron-bench`),
//! which `heron bench` runs without the `rand` references.

use criterion::{Criterion, criterion_group, criterion_main};
use heron as hn;
use heron::random::{Key, RandomState};
use heron_bench::workloads::w5::{bits, normal, unit};
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;
use rayon::prelude::*;
use std::hint::black_box;
use std::time::Duration;

const N: usize = 16_777_216;
const SEED: u64 = 1234;

/// The key a `RandomState::new(SEED)` draws its first sample with.
fn draw_key() -> [u32; 2] {
    Key::new(SEED).split()[1].data()
}

fn hand_serial(key: [u32; 2], f: fn(u32) -> f32) -> Vec<f32> {
    (0..N).map(|i| f(bits(key, i as u64))).collect()
}

fn hand_rayon(key: [u32; 2], f: fn(u32) -> f32) -> Vec<f32> {
    (0..N)
        .into_par_iter()
        .map(|i| f(bits(key, i as u64)))
        .collect()
}

fn small_rng_uniform(rng: &mut SmallRng) -> Vec<f32> {
    (0..N).map(|_| rng.random::<f32>()).collect()
}

fn small_rng_normal(rng: &mut SmallRng) -> Vec<f32> {
    (0..N)
        .map(|_| rng.sample::<f32, _>(StandardNormal))
        .collect()
}

/// Checks every version against the eager draw before anything is timed.
fn check(eager_uniform: &[f32], eager_normal: &[f32]) {
    let key = draw_key();
    let f = hn::jit({
        let rng = RandomState::new(SEED);
        move |()| rng.uniform(0.0, 1.0, &[N])
    });
    assert_eq!(f.call(()).to_vec::<f32>(), eager_uniform, "jit uniform");
    let f = hn::jit({
        let rng = RandomState::new(SEED);
        move |()| rng.normal(0.0, 1.0, &[N])
    });
    // Compiled `log1p` may be an inline polynomial: close, not bit-identical.
    let close = |what: &str, got: &[f32]| {
        for (i, (g, e)) in got.iter().zip(eager_normal).enumerate() {
            assert!(
                (g - e).abs() <= 1e-5 * e.abs().max(1.0),
                "{what}, element {i}: {g} vs {e}"
            );
        }
    };
    close("jit normal", &f.call(()).to_vec::<f32>());
    assert_eq!(
        hand_serial(key, unit),
        eager_uniform,
        "hand-written uniform"
    );
    assert_eq!(hand_rayon(key, unit), eager_uniform, "rayon uniform");
    close("hand-written normal", &hand_rayon(key, normal));
    // The references draw their own numbers; check the distribution.
    let mut rng = SmallRng::seed_from_u64(SEED);
    let u = small_rng_uniform(&mut rng);
    let z = small_rng_normal(&mut rng);
    let mean = |x: &[f32]| x.iter().map(|&v| v as f64).sum::<f64>() / x.len() as f64;
    assert!((mean(&u) - 0.5).abs() < 1e-3 && mean(&z).abs() < 1e-3);
}

fn w5(c: &mut Criterion) {
    let key = draw_key();
    let eager_uniform = RandomState::new(SEED)
        .uniform(0.0, 1.0, &[N])
        .to_vec::<f32>();
    let eager_normal = RandomState::new(SEED)
        .normal(0.0, 1.0, &[N])
        .to_vec::<f32>();
    check(&eager_uniform, &eager_normal);

    let mut g = c.benchmark_group("W5");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));

    let rng = RandomState::new(SEED);
    let jit_uniform = hn::jit({
        let rng = rng.clone();
        move |()| rng.uniform(0.0, 1.0, &[N])
    });
    let jit_normal = hn::jit({
        let rng = rng.clone();
        move |()| rng.normal(0.0, 1.0, &[N])
    });
    g.bench_function("uniform/jit", |b| {
        b.iter(|| black_box(jit_uniform.call(())))
    });
    g.bench_function("uniform/eager", |b| {
        b.iter(|| black_box(rng.uniform(0.0, 1.0, &[N])))
    });
    g.bench_function("uniform/hand-threefry", |b| {
        b.iter(|| black_box(hand_serial(key, unit)))
    });
    g.bench_function("uniform/hand-threefry-rayon", |b| {
        b.iter(|| black_box(hand_rayon(key, unit)))
    });
    let mut small = SmallRng::seed_from_u64(SEED);
    g.bench_function("uniform/rand-smallrng", |b| {
        b.iter(|| black_box(small_rng_uniform(&mut small)))
    });

    g.bench_function("normal/jit", |b| b.iter(|| black_box(jit_normal.call(()))));
    g.bench_function("normal/eager", |b| {
        b.iter(|| black_box(rng.normal(0.0, 1.0, &[N])))
    });
    g.bench_function("normal/hand-threefry", |b| {
        b.iter(|| black_box(hand_serial(key, normal)))
    });
    g.bench_function("normal/hand-threefry-rayon", |b| {
        b.iter(|| black_box(hand_rayon(key, normal)))
    });
    g.bench_function("normal/rand-smallrng", |b| {
        b.iter(|| black_box(small_rng_normal(&mut small)))
    });
    g.finish();
}

criterion_group!(benches, w5);
criterion_main!(benches);
