//! The disk cache keys every compile option: a LIF loop compiled with
//! temporal fusion on and then off (as `examples/lif.rs` does), with fast
//! math, or with the reference control driver gets one entry per option set,
//! and each set later loads its own entry instead of finding another set's
//! code under its key (which was reported as corrupt, recompiled and
//! overwritten, over and over). Options given per function
//! (`jit_with_options`) and the process defaults (`set_temporal_fusion`)
//! reach the same entries.
//!
//! The cache directory is process-wide, so this file holds one test.

use heron as hn;
use heron::cache::Store;
use heron::prelude::*;
use heron::{CompileOptions, JitOptions};

const N: usize = 4096;

/// Runs a LIF population for 20 steps as one `fori_loop` inside a fresh
/// jitted function (so it is compiled or loaded from disk, never found in
/// memory); returns how many times it was loaded from disk and the final
/// membrane potentials.
fn run(options: JitOptions) -> (u64, Vec<f32>) {
    run_with(|f| hn::jit_with(options, f))
}

/// `run` for a function compiled under exactly `options`.
fn run_fixed(options: CompileOptions) -> (u64, Vec<f32>) {
    run_with(|f| hn::jit_with_options(options, f))
}

type Lif = Box<dyn Fn(()) + Send + Sync>;

/// `run` with the function made by `jit`.
fn run_with(jit: impl Fn(Lif) -> hn::Jit<(), ()>) -> (u64, Vec<f32>) {
    let v = Variable::new(hn::full(&[N], -65.0, DType::F32));
    let input = hn::linspace(15.0, 30.0, N);
    let f = jit(Box::new({
        let v = v.clone();
        move |()| {
            hn::fori_loop(0, 20, |_i: Array| {
                let x = v.value();
                let x = &x + (-(&x - -65.0) + &input) * 0.1;
                v.set(hn::where_(&x.ge(-50.0), -68.0, &x));
            })
        }
    }));
    f.call(());
    (f.cache_stats().disk_loads, v.value().to_vec::<f32>())
}

/// The options each entry in the store was compiled with, sorted.
fn options_on_disk(store: &Store) -> Vec<String> {
    let mut options: Vec<String> = store
        .keys()
        .unwrap()
        .iter()
        .map(|k| store.read(k).unwrap().unwrap().options)
        .collect();
    options.sort();
    options
}

#[test]
fn every_code_option_gets_its_own_entry() {
    let dir = tempfile::tempdir().unwrap();
    hn::cache::set_dir(dir.path()).unwrap();
    let store = Store::open(dir.path()).unwrap();
    let exact = JitOptions::default();

    // examples/lif.rs: the same loop with temporal fusion on, then off.
    hn::set_temporal_fusion(true);
    let (loads, fused) = run(exact);
    assert_eq!(loads, 0);
    let key = store.keys().unwrap().pop().unwrap();
    let plan = store.read(&key).unwrap().unwrap().image.plan_text;
    assert!(plan.contains("temporal fusion: loop"), "{plan}");
    hn::set_temporal_fusion(false);
    let (loads, stepped) = run(exact);
    assert_eq!(loads, 0, "the fused entry is not this setting's");
    assert_eq!(fused, stepped);
    assert_eq!(store.keys().unwrap().len(), 2, "one entry per setting");
    // Each setting loads its own entry.
    hn::set_temporal_fusion(true);
    assert_eq!(run(exact), (1, fused.clone()));
    hn::set_temporal_fusion(false);
    assert_eq!(run(exact), (1, fused.clone()));
    hn::set_temporal_fusion(true);

    // Fast math (the update reassociated: values of its own, and an
    // entry of its own).
    let fast = JitOptions { fast_math: true };
    let (loads, fast_v) = run(fast);
    assert_eq!(loads, 0);
    assert_eq!(run(fast), (1, fast_v));
    assert_eq!(run(exact), (1, fused.clone()));

    // The reference control driver.
    hn::control::set_native_drivers(false);
    assert_eq!(run(exact), (0, fused.clone()));
    assert_eq!(run(exact), (1, fused.clone()));
    hn::control::set_native_drivers(true);
    assert_eq!(run(exact), (1, fused.clone()));

    // Options given per function find the entries the process defaults made.
    let default = CompileOptions::default();
    assert_eq!(run_fixed(default), (1, fused.clone()));
    let off = CompileOptions {
        temporal_fusion: false,
        ..default
    };
    assert_eq!(run_fixed(off), (1, fused.clone()));
    assert_eq!(off.scoped(|| run(exact)), (1, fused.clone()));
    assert_eq!(store.keys().unwrap().len(), 4);

    assert_eq!(
        options_on_disk(&store),
        [
            "fast_math=off temporal_fusion=off native_drivers=on",
            "fast_math=off temporal_fusion=on native_drivers=off",
            "fast_math=off temporal_fusion=on native_drivers=on",
            "fast_math=on temporal_fusion=on native_drivers=on",
        ]
    );
    for key in store.keys().unwrap() {
        assert_eq!(store.usage(&key).misses, 1, "written once: {key}");
    }
    hn::cache::disable();
}
