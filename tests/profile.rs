//! `heron::profile`: step timings of compiled calls, attributed to the
//! function and the plan's steps, loop bodies counted inside their loop,
//! results and Variables as without it.

use heron as hn;
use heron::prelude::*;

fn matrix(n: usize) -> Array {
    let k = n as isize;
    hn::arange(0.0, (n * n) as f64, 1.0)
        .astype(DType::F32)
        .reshape(&[k, k])
        / (n * n) as f64
}

#[test]
fn a_recording_times_every_step_of_every_call() {
    let f = hn::jit_named("layer", |x: Array| (x.matmul(&x) + 1.0).tanh().sum());
    let x = matrix(48);
    let want = f.call(&x).item::<f32>();
    let (got, profile) =
        hn::profile::record(|| (0..7).map(|_| f.call(&x).item::<f32>()).collect::<Vec<_>>());
    assert!(
        got.iter().all(|&g| g == want),
        "results change under a recording"
    );
    let steps = profile.steps();
    assert!(steps.len() >= 2, "{profile}");
    assert!(
        steps.iter().all(|s| s.function == "layer" && s.calls == 7),
        "{profile}"
    );
    let product = steps
        .iter()
        .find(|s| s.step.starts_with("h0 matmul [48, 48]"));
    assert!(product.is_some(), "no product step in\n{profile}");
    assert!(
        steps.iter().any(|s| s.step.starts_with('k')),
        "no kernel in\n{profile}"
    );
    assert!(profile.total() > std::time::Duration::ZERO);
    assert_eq!(profile.total(), steps.iter().map(|s| s.total).sum());
    for s in steps {
        assert_eq!(s.mean(), s.total / 7);
    }
    let table = profile.to_string();
    assert!(
        table.starts_with("layer\n") && table.contains("h0 matmul [48, 48]"),
        "{table}"
    );
}

#[test]
fn nothing_is_recorded_outside_a_recording_or_for_eager_work() {
    let f = hn::jit(|x: Array| x * 2.0 + 1.0);
    let x = matrix(8);
    f.call(&x);
    let (_, profile) = hn::profile::record(|| {
        let _ = (&x * 2.0 + 1.0).sum();
    });
    assert!(profile.steps().is_empty(), "{profile}");
    let (_, profile) = hn::profile::record(|| f.call(&x));
    assert_eq!(profile.steps().len(), 1, "{profile}");
}

/// A jitted function running `v ← v/2 + x` 50 times in one `fori_loop`.
fn halving_loop(name: &str, v: &Variable) -> hn::Jit<Array, Array> {
    let v = v.clone();
    hn::jit_named(name, move |x: Array| {
        let w = v.clone();
        hn::fori_loop(0, 50, move |_i: Array| w.set(w.value() * 0.5 + &x));
        hn::zeros(&[], DType::F32)
    })
}

/// Checks that `profile` holds one call of each step, among them the loop.
fn one_call_with_the_loop(profile: &hn::profile::Profile) {
    let steps = profile.steps();
    assert!(steps.iter().all(|s| s.calls == 1), "{profile}");
    let has_loop = steps.iter().any(|s| s.step.starts_with("control loop"));
    assert!(has_loop, "{profile}");
}

#[test]
fn a_loop_body_counts_inside_its_loop() {
    let v = Variable::new(hn::zeros(&[256], DType::F32));
    let f = halving_loop("loop", &v);
    let x = hn::arange(0.0, 256.0, 1.0).astype(DType::F32) / 64.0;
    f.call(&x);
    let unrecorded = v.value().to_vec::<f32>();
    v.set(hn::zeros(&[256], DType::F32));
    let (_, profile) = hn::profile::record(|| f.call(&x));
    let recorded = v.value().to_vec::<f32>();
    assert_eq!(recorded, unrecorded, "the loop ran differently");
    one_call_with_the_loop(&profile);
    // The same with the loop driven from Rust, body by body: the body's
    // own runs are not recorded.
    hn::control::set_native_drivers(false);
    let g = halving_loop("loop, reference driver", &v);
    g.call(&x);
    let (_, profile) = hn::profile::record(|| g.call(&x));
    hn::control::set_native_drivers(true);
    one_call_with_the_loop(&profile);
}

#[test]
fn a_recording_inside_another_collects_its_own_steps() {
    let f = hn::jit_named("inner", |x: Array| x.exp());
    let g = hn::jit_named("outer", |x: Array| x.log1p());
    let x = matrix(16);
    f.call(&x);
    g.call(&x);
    let ((_, inner), outer) = hn::profile::record(|| {
        g.call(&x);
        let r = hn::profile::record(|| f.call(&x));
        g.call(&x);
        r
    });
    assert!(
        inner.steps().iter().all(|s| s.function == "inner"),
        "{inner}"
    );
    assert!(!inner.steps().is_empty());
    assert!(
        outer
            .steps()
            .iter()
            .all(|s| s.function == "outer" && s.calls == 2),
        "{outer}"
    );
}
