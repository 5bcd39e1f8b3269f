//! Temporal fusion: a counted loop whose body is element-wise independent
//! runs all its steps on one chunk of elements at a time. The LIF and HH
//! steps give bit-identical state with it and without it; loops it must not
//! apply to (a neighbour read, a reduction feeding the state or carried
//! across steps, random draws) stay unfused and correct; `optimized_text`
//! says when it applies.

use heron as hn;
use heron::prelude::*;
use heron::random::RandomState;
use std::sync::Mutex;

/// The switch is process-wide: tests that flip it run one at a time.
static SWITCH: Mutex<()> = Mutex::new(());

fn bits(a: &Array) -> Vec<u64> {
    match a.dtype() {
        DType::F32 => a
            .to_vec::<f32>()
            .iter()
            .map(|x| x.to_bits() as u64)
            .collect(),
        DType::I32 => a.to_vec::<i32>().iter().map(|&x| x as u32 as u64).collect(),
        d => panic!("unexpected dtype {d:?}"),
    }
}

/// Runs `sim` with temporal fusion on, off, and on the reference driver;
/// asserts the three give the same bits; returns the state.
fn same_every_way(sim: impl Fn() -> Vec<Array>) -> Vec<Array> {
    let _guard = SWITCH.lock().unwrap_or_else(|e| e.into_inner());
    hn::set_temporal_fusion(true);
    let fused = sim();
    hn::set_temporal_fusion(false);
    let unfused = sim();
    hn::control::set_native_drivers(false);
    let reference = sim();
    hn::control::set_native_drivers(true);
    hn::set_temporal_fusion(true);
    for (k, ((a, b), c)) in fused.iter().zip(&unfused).zip(&reference).enumerate() {
        assert_eq!(
            bits(a),
            bits(b),
            "state {k}: temporal fusion changed the result"
        );
        assert_eq!(
            bits(b),
            bits(c),
            "state {k}: the native driver changed the result"
        );
    }
    fused
}

/// LIF (the W2 step): returns (V, t_last, per-neuron spike count).
fn lif(n: usize, steps: i32) -> Vec<Array> {
    let input = RandomState::new(3).normal(0.0, 1.0, &[n]) * 5.0 + 20.0;
    let v = Variable::new(hn::full(&[n], -65.0, DType::F32));
    let t_last = Variable::new(hn::full(&[n], -1e7, DType::F32));
    let count = Variable::new(hn::zeros(&[n], DType::I32));
    hn::fori_loop(0, steps, |i: Array| {
        let t = i.astype(DType::F32) * 0.1;
        let nv = &v.value() + (-(&v.value() + 65.0) + &input) * (0.1 / 10.0);
        let spike = nv.ge(-50.0);
        v.set(hn::where_(&spike, -68.0, &nv));
        t_last.set(hn::where_(&spike, &t, t_last.value()));
        count.set(&count.value() + spike.astype(DType::I32));
    });
    vec![v.value(), t_last.value(), count.value()]
}

/// Hodgkin–Huxley (the W3 step): returns (V, m, h, n, spike count).
fn hh(size: usize, steps: i32) -> Vec<Array> {
    let dt = 0.05;
    let input = hn::linspace(0.0, 20.0, size);
    let v = Variable::new(hn::full(&[size], -65.0, DType::F32));
    let m = Variable::new(hn::full(&[size], 0.0529, DType::F32));
    let h = Variable::new(hn::full(&[size], 0.5961, DType::F32));
    let n = Variable::new(hn::full(&[size], 0.3177, DType::F32));
    let spikes = Variable::new(hn::zeros(&[size], DType::I32));
    hn::fori_loop(0, steps, |_| {
        let (vv, mm, hh, nn) = (v.value(), m.value(), h.value(), n.value());
        let alpha_m = (&vv + 40.0) * 0.1 / (1.0 - (-(&vv + 40.0) / 10.0).exp());
        let beta_m = (-(&vv + 65.0) / 18.0).exp() * 4.0;
        let alpha_h = (-(&vv + 65.0) / 20.0).exp() * 0.07;
        let beta_h = 1.0 / ((-(&vv + 35.0) / 10.0).exp() + 1.0);
        let alpha_n = (&vv + 55.0) * 0.01 / (1.0 - (-(&vv + 55.0) / 10.0).exp());
        let beta_n = (-(&vv + 65.0) / 80.0).exp() * 0.125;
        let i_na = mm.pow(&hn::scalar(3.0f32)) * &hh * (&vv - 50.0) * 120.0;
        let i_k = nn.pow(&hn::scalar(4.0f32)) * (&vv + 77.0) * 36.0;
        let i_leak = (&vv + 54.387) * 0.3;
        let nv = &vv + (&input - i_na - i_k - i_leak) * dt;
        m.set(&mm + (&alpha_m * (1.0 - &mm) - &beta_m * &mm) * dt);
        h.set(&hh + (&alpha_h * (1.0 - &hh) - &beta_h * &hh) * dt);
        n.set(&nn + (&alpha_n * (1.0 - &nn) - &beta_n * &nn) * dt);
        let spike = nv.ge(20.0) & vv.lt(20.0);
        spikes.set(spikes.value() + spike.astype(DType::I32));
        v.set(nv);
    });
    vec![v.value(), m.value(), h.value(), n.value(), spikes.value()]
}

/// The `optimized_text` of `f` wrapped in `jit`, with temporal fusion on.
fn report(f: impl Fn() + Send + Sync + 'static) -> String {
    let _guard = SWITCH.lock().unwrap_or_else(|e| e.into_inner());
    hn::set_temporal_fusion(true);
    let j = hn::jit(move |_: ()| f());
    j.lower(()).optimized_text()
}

#[test]
fn lif_state_is_bit_identical_with_and_without_temporal_fusion() {
    // Not a multiple of the chunk: the last chunk is partial.
    let state = same_every_way(|| lif(20_011, 100));
    let spikes = state[2].sum().item::<i32>();
    assert!(
        spikes > 0,
        "the population must fire for the test to mean something"
    );
    let text = report(|| {
        lif(20_011, 100);
    });
    assert!(text.contains("over [20011] x 100 steps"), "{text}");
}

#[test]
fn hh_state_is_bit_identical_with_and_without_temporal_fusion() {
    let state = same_every_way(|| hh(3_001, 60));
    assert!(state[4].sum().item::<i32>() > 0);
    let text = report(|| {
        hh(3_001, 60);
    });
    assert!(text.contains("over [3001] x 60 steps"), "{text}");
}

#[test]
fn odd_trip_counts_and_double_buffered_state() {
    // The new state reads the old one twice at a shifted step order, which
    // keeps the body from updating `a` in place: the state is swapped
    // between two buffers, and an odd number of steps ends in the scratch one.
    for steps in [0, 1, 7] {
        same_every_way(|| {
            let a = Variable::new(hn::linspace(0.0, 1.0, 5000));
            let b = Variable::new(hn::linspace(1.0, 2.0, 5000));
            hn::fori_loop(0, steps, |i: Array| {
                let (x, y) = (a.value(), b.value());
                a.set(&y * 0.5 + i.astype(DType::F32));
                b.set(&x + &y * 0.25);
            });
            vec![a.value(), b.value()]
        });
    }
}

#[test]
fn optimized_text_says_when_temporal_fusion_applies() {
    let v = Variable::new(hn::zeros(&[4096], DType::F32));
    let text = report(move || {
        hn::fori_loop(0, 100, |i: Array| {
            v.set(v.value() * 0.5 + i.astype(DType::F32));
        })
    });
    let line = text
        .lines()
        .find(|l| l.contains("temporal fusion:"))
        .unwrap_or_else(|| panic!("no temporal fusion line in\n{text}"));
    assert!(line.contains("over [4096] x 100 steps"), "{line}");
    assert!(line.contains("loop v"), "{line}");

    let _guard = SWITCH.lock().unwrap_or_else(|e| e.into_inner());
    hn::set_temporal_fusion(false);
    let w = Variable::new(hn::zeros(&[4096], DType::F32));
    let j = hn::jit(move |_: ()| hn::fori_loop(0, 100, |_| w.set(w.value() + 1.0)));
    let off = j.lower(()).optimized_text();
    hn::set_temporal_fusion(true);
    assert!(!off.contains("temporal fusion"), "{off}");
}

#[test]
fn a_scalar_spike_total_is_correct_and_not_fused() {
    let n = 3000;
    let input = hn::linspace(10.0, 30.0, n);
    let run = || {
        let v = Variable::new(hn::full(&[n], -65.0, DType::F32));
        let total = Variable::new(hn::zeros(&[], DType::I32));
        hn::fori_loop(0, 50, |_| {
            let nv = &v.value() + (-(&v.value() + 65.0) + &input) * 0.1;
            let spike = nv.ge(-50.0);
            v.set(hn::where_(&spike, -68.0, &nv));
            total.set(total.value() + spike.astype(DType::I32).sum());
        });
        vec![v.value(), total.value()]
    };
    let state = same_every_way(run);
    // The same simulation step by step, eagerly.
    let mut v = hn::full(&[n], -65.0, DType::F32);
    let mut total = 0;
    for _ in 0..50 {
        let nv = &v + (-(&v + 65.0) + &input) * 0.1;
        let spike = nv.ge(-50.0);
        v = hn::where_(&spike, -68.0, &nv);
        total += spike.astype(DType::I32).sum().item::<i32>();
    }
    assert_eq!(state[1].item::<i32>(), total);
    assert!(total > 0);
    let (got, want) = (state[0].to_vec::<f32>(), v.to_vec::<f32>());
    for (a, b) in got.iter().zip(&want) {
        assert!((a - b).abs() <= 1e-4 * (1.0 + b.abs()), "{a} vs {b}");
    }

    let input = hn::linspace(10.0, 30.0, n);
    let text = report(move || {
        let v = Variable::new(hn::full(&[n], -65.0, DType::F32));
        let total = Variable::new(hn::zeros(&[], DType::I32));
        hn::fori_loop(0, 50, |_| {
            let nv = &v.value() + &input;
            total.set(total.value() + nv.ge(0.0).astype(DType::I32).sum());
            v.set(nv);
        })
    });
    assert!(text.contains("loop["), "{text}");
    assert!(!text.contains("temporal fusion"), "{text}");
}

#[test]
fn a_neighbour_read_is_not_fused_and_stays_correct() {
    let n = 1000;
    let run = || {
        let v = Variable::new(hn::linspace(0.0, 1.0, n));
        hn::fori_loop(0, 20, |_| {
            let x = v.value();
            let right = hn::concatenate(&[&x.slice(s![1..]), &x.slice(s![..1])], 0);
            v.set((&x + &right) * 0.5);
        });
        vec![v.value()]
    };
    let state = same_every_way(run);
    let mut x = hn::linspace(0.0, 1.0, n);
    for _ in 0..20 {
        let right = hn::concatenate(&[&x.slice(s![1..]), &x.slice(s![..1])], 0);
        x = (&x + &right) * 0.5;
    }
    assert_eq!(bits(&state[0]), bits(&x));

    let text = report(move || {
        let v = Variable::new(hn::linspace(0.0, 1.0, n));
        hn::fori_loop(0, 20, |_| {
            let x = v.value();
            let right = hn::concatenate(&[&x.slice(s![1..]), &x.slice(s![..1])], 0);
            v.set((&x + &right) * 0.5);
        })
    });
    assert!(!text.contains("temporal fusion"), "{text}");
}

#[test]
fn a_reduction_feeding_the_state_is_not_fused_and_stays_correct() {
    let n = 2000;
    let run = || {
        let v = Variable::new(hn::linspace(-1.0, 3.0, n));
        hn::fori_loop(0, 10, |_| {
            let x = v.value();
            v.set(&x - x.mean() * 0.5);
        });
        vec![v.value()]
    };
    let state = same_every_way(run);
    let mut x = hn::linspace(-1.0, 3.0, n);
    for _ in 0..10 {
        x = &x - x.mean() * 0.5;
    }
    let (got, want) = (state[0].to_vec::<f32>(), x.to_vec::<f32>());
    for (a, b) in got.iter().zip(&want) {
        assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "{a} vs {b}");
    }
    let text = report(move || {
        let v = Variable::new(hn::linspace(-1.0, 3.0, n));
        hn::fori_loop(0, 10, |_| v.set(&v.value() - v.value().mean()))
    });
    assert!(!text.contains("temporal fusion"), "{text}");
}

#[test]
fn random_draws_keep_the_loop_unfused() {
    let run = || {
        let rng = RandomState::new(11);
        let v = Variable::new(hn::zeros(&[3000], DType::F32));
        hn::fori_loop(0, 8, |_| {
            v.set(v.value() * 0.9 + rng.uniform(0.0, 1.0, &[3000]))
        });
        vec![v.value()]
    };
    let state = same_every_way(run);
    let rng = RandomState::new(11);
    let mut v = hn::zeros(&[3000], DType::F32);
    for _ in 0..8 {
        v = &v * 0.9 + rng.uniform(0.0, 1.0, &[3000]);
    }
    assert_eq!(bits(&state[0]), bits(&v));
    let text = report(|| {
        let rng = RandomState::new(11);
        let v = Variable::new(hn::zeros(&[3000], DType::F32));
        hn::fori_loop(0, 8, |_| v.set(v.value() + rng.uniform(0.0, 1.0, &[3000])))
    });
    assert!(!text.contains("temporal fusion"), "{text}");
}
