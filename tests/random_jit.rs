//! Random draws inside `jit`: a jitted draw from a `RandomState` gives
//! exactly the numbers the same eager draw gives, advances the key on every
//! call, and compiles to native loops in which the bits are generated where
//! they are consumed (never materialised).
//!
//! Samplers built from bits by exact arithmetic (uniform, randint,
//! bernoulli, bits) are compared bit for bit. Normals go through `log1p`,
//! which compiled code may compute as an inline polynomial of stated
//! accuracy rather than libm's, so they are compared within 1e-5 relative.

mod support;

use heron as hn;
use heron::prelude::*;
use heron::random::RandomState;
use support::bits;

/// Asserts `got` equals `want`: bit for bit, or for `approx` floats within
/// 1e-5 relative (see the module documentation).
fn assert_same(what: &str, got: &Array, want: &Array, approx: bool) {
    assert_eq!(got.shape(), want.shape(), "{what}");
    assert_eq!(got.dtype(), want.dtype(), "{what}");
    if !approx {
        assert_eq!(bits(got), bits(want), "{what}");
        return;
    }
    let to_f64 = |a: &Array| a.astype(DType::F64).to_vec::<f64>();
    for (i, (g, w)) in to_f64(got).iter().zip(to_f64(want)).enumerate() {
        assert!(
            (g - w).abs() <= 1e-5 * w.abs().max(1.0),
            "{what}: element {i}: jit {g}, eager {w}"
        );
    }
}

type Sampler = fn(&RandomState) -> Array;

/// The samplers at 0-d, odd, 2-d and larger shapes; `true` marks those
/// compared approximately.
const SAMPLERS: [(&str, Sampler, bool); 9] = [
    ("uniform", |r| r.uniform(-2.0, 3.0, &[1001]), false),
    ("uniform 2-d", |r| r.uniform(0.0, 1.0, &[17, 5]), false),
    (
        "uniform f64",
        |r| r.uniform_as(-1.0, 4.0, &[333], DType::F64),
        false,
    ),
    ("rand 0-d", |r| r.rand(&[]), false),
    ("normal", |r| r.normal(0.5, 2.0, &[33, 7]), true),
    ("normal large", |r| r.normal(0.0, 1.0, &[65_537]), true),
    ("randint", |r| r.randint(-5, 17, &[257]), false),
    ("bernoulli", |r| r.bernoulli(0.3, &[100, 3]), false),
    ("bits", |r| r.bits(&[3, 4, 5]), false),
];

#[test]
fn jitted_draws_equal_eager_draws_and_advance_the_key() {
    for (name, sample, approx) in SAMPLERS {
        let traced = RandomState::new(42);
        let eager = RandomState::new(42);
        let f = hn::jit({
            let rng = traced.clone();
            move |()| sample(&rng)
        });
        let mut previous: Option<Vec<u64>> = None;
        for call in 0..3 {
            let got = f.call(());
            let want = sample(&eager);
            assert_same(&format!("{name}, call {call}"), &got, &want, approx);
            let got = bits(&got);
            assert_eq!(traced.key(), eager.key(), "{name}: key after call {call}");
            if let Some(prev) = &previous
                && got.len() > 8
            {
                assert_ne!(&got, prev, "{name}: call {call} repeats the previous draw");
            }
            previous = Some(got);
        }
        assert_eq!(f.cache_len(), 1, "{name}: one trace for every call");
        assert_eq!(f.cache_stats().misses, 1, "{name}");
        let compiled = f.compile(());
        assert!(
            compiled
                .kernels()
                .iter()
                .all(|k| !k.name.contains("random")),
            "{name}: random bits must be generated in native loops\n{}",
            compiled.optimized_text()
        );
    }
}

#[test]
fn noise_added_to_a_variable_is_one_fused_loop() {
    const N: usize = 4096;
    let rng = RandomState::new(3);
    let eager_rng = RandomState::new(3);
    let f = hn::jit({
        let rng = rng.clone();
        move |v: Array| &v + &(rng.normal(0.0, 1.0, &[N]) * 0.25)
    });
    let v = hn::linspace(-1.0, 1.0, N);
    let text = f.lower(&v).optimized_text();
    let plan = text
        .split_once("buffers:")
        .map(|(_, p)| p)
        .expect("the plan follows the graph");
    // Exactly one kernel iterates over the N elements, and it generates the bits.
    let big: Vec<&str> = plan
        .split('\n')
        .filter(|l| l.starts_with('k') && l.contains(&format!("[{N}]")))
        .collect();
    assert_eq!(big.len(), 1, "one fused loop over the draw:\n{text}");
    let kernel = plan
        .split('\n')
        .skip_while(|l| *l != big[0])
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(kernel.contains("threefry_bits"), "{text}");
    assert!(
        kernel.contains("load p"),
        "v is loaded in the same loop:\n{text}"
    );
    // No buffer of N elements other than the argument and the result.
    let header = plan.split('\n').next().unwrap_or_default();
    let n_buffers = header.matches(&format!("[{N}]")).count();
    assert_eq!(
        n_buffers, 2,
        "bits and noise are never materialised:\n{text}"
    );
    assert!(!plan.contains("random_bits"), "{text}");

    for _ in 0..2 {
        let got = f.call(&v);
        let want = &v + &(eager_rng.normal(0.0, 1.0, &[N]) * 0.25);
        assert_same("v + noise", &got, &want, true);
    }
}
