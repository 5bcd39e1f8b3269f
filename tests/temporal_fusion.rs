//! Temporal fusion: a counted loop whose body is element-wise independent
//! runs all its steps on one chunk of elements at a time. The LIF and HH
//! steps give bit-identical state with it and without it; so do loops that
//! draw random numbers every step (the key chain is run ahead) and loops
//! that accumulate integer, max/min and any/all reductions across steps
//! (per-element partials); float sums stay within the stated bound. Loops
//! it must not apply to (a neighbour read, a reduction feeding the state, a
//! body reading its accumulator) stay unfused and correct; `optimized_text`
//! says when it applies.

#[path = "support/options.rs"]
mod options;
mod support;

use heron as hn;
use heron::prelude::*;
use heron::random::RandomState;
use options::{REFERENCE, temporal};
use support::bits;

/// Runs `sim` with temporal fusion on, off, and on the reference driver
/// (options scoped to this thread: tests run in parallel).
fn three_ways(sim: impl Fn() -> Vec<Array>) -> [Vec<Array>; 3] {
    let fused = temporal(true).scoped(&sim);
    let unfused = temporal(false).scoped(&sim);
    let reference = REFERENCE.scoped(&sim);
    [fused, unfused, reference]
}

/// Runs `sim` with temporal fusion on, off, and on the reference driver;
/// asserts the three give the same bits; returns the state.
fn same_every_way(sim: impl Fn() -> Vec<Array>) -> Vec<Array> {
    let [fused, unfused, reference] = three_ways(sim);
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
        let i_na = mm.pow(hn::scalar(3.0f32)) * &hh * (&vv - 50.0) * 120.0;
        let i_k = nn.pow(hn::scalar(4.0f32)) * (&vv + 77.0) * 36.0;
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
    let j = hn::jit_with_options(temporal(true), move |_: ()| f());
    j.lower(()).optimized_text()
}

/// The `temporal fusion:` line of `report(f)`; panics when there is none.
fn fusion_line(f: impl Fn() + Send + Sync + 'static) -> String {
    let text = report(f);
    text.lines()
        .find(|l| l.contains("temporal fusion:"))
        .unwrap_or_else(|| panic!("no temporal fusion line in\n{text}"))
        .trim()
        .to_string()
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

    let w = Variable::new(hn::zeros(&[4096], DType::F32));
    let j = hn::jit(move |_: ()| hn::fori_loop(0, 100, |_| w.set(w.value() + 1.0)));
    let off = temporal(false).scoped(|| j.lower(()).optimized_text());
    assert!(!off.contains("temporal fusion"), "{off}");
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

/// A LIF population with a scalar spike total: returns (V, total).
fn lif_total(n: usize, steps: i32) -> Vec<Array> {
    let input = hn::linspace(10.0, 30.0, n);
    let v = Variable::new(hn::full(&[n], -65.0, DType::F32));
    let total = Variable::new(hn::zeros(&[], DType::I32));
    hn::fori_loop(0, steps, |_| {
        let nv = &v.value() + (-(&v.value() + 65.0) + &input) * 0.1;
        let spike = nv.ge(-50.0);
        v.set(hn::where_(&spike, -68.0, &nv));
        total.set(total.value() + spike.astype(DType::I32).sum());
    });
    vec![v.value(), total.value()]
}

#[test]
fn a_scalar_spike_total_is_fused_and_exact() {
    // Several chunks, the last one partial.
    let (n, steps) = (70_001, 50);
    let state = same_every_way(|| lif_total(n, steps));
    // The same simulation step by step, eagerly.
    let input = hn::linspace(10.0, 30.0, n);
    let mut v = hn::full(&[n], -65.0, DType::F32);
    let mut total = 0;
    for _ in 0..steps {
        let nv = &v + (-(&v + 65.0) + &input) * 0.1;
        let spike = nv.ge(-50.0);
        v = hn::where_(&spike, -68.0, &nv);
        total += spike.astype(DType::I32).sum().item::<i32>();
    }
    assert_eq!(state[1].item::<i32>(), total);
    assert!(total > 0);
    assert_eq!(bits(&state[0]), bits(&v));

    let line = fusion_line(move || {
        lif_total(n, steps);
    });
    assert!(line.contains("over [70001] x 50 steps"), "{line}");
    assert!(line.contains("accumulates carry 1 by reduce_sum"), "{line}");
}

#[test]
fn a_spike_total_over_a_long_population_is_fused_too() {
    // Long enough that a whole 1-d sum outside a loop is split in two.
    let (n, steps) = (1 << 18, 30);
    let state = same_every_way(|| lif_total(n, steps));
    assert!(state[1].item::<i32>() > 0);
    let line = fusion_line(move || {
        lif_total(n, steps);
    });
    assert!(line.contains("accumulates carry 1 by reduce_sum"), "{line}");
}

#[test]
fn max_min_any_all_and_integer_products_accumulate_exactly() {
    let n = 5_000;
    let sim = move |steps: i32| {
        move || {
            let x = Variable::new(hn::linspace(-3.0, 5.0, n));
            let count = Variable::new(hn::arange_i(0, n as i32, 1) % 7);
            let hi = Variable::new(hn::full(&[], -1e30, DType::F32));
            let lo = Variable::new(hn::full(&[], 1e30, DType::F32));
            let any_big = Variable::new(hn::full(&[], false, DType::Bool));
            let all_small = Variable::new(hn::full(&[], true, DType::Bool));
            let prod = Variable::new(hn::full(&[], 3, DType::I32));
            let imax = Variable::new(hn::zeros(&[], DType::I32));
            hn::fori_loop(0, steps, |i: Array| {
                let nx = x.value() * 0.9 + i.astype(DType::F32) * 0.05;
                let nc = (count.value() * 3 + 1) % 11;
                hi.set(hi.value().maximum(nx.max()));
                lo.set(hn::minimum(lo.value(), nx.min()));
                any_big.set(any_big.value() | nx.gt(4.0).any());
                all_small.set(all_small.value() & nx.lt(4.5).all());
                prod.set(prod.value() * (&nc % 3 + 1).prod());
                imax.set(imax.value().maximum(nc.max()));
                x.set(nx);
                count.set(nc);
            });
            vec![
                x.value(),
                count.value(),
                hi.value(),
                lo.value(),
                any_big.value(),
                all_small.value(),
                prod.value(),
                imax.value(),
            ]
        }
    };
    for steps in [0, 1, 9] {
        let state = same_every_way(sim(steps));
        // Eagerly, step by step.
        let mut x = hn::linspace(-3.0, 5.0, n);
        let mut count = hn::arange_i(0, n as i32, 1) % 7;
        let (mut hi, mut lo) = (hn::scalar(-1e30f32), hn::scalar(1e30f32));
        let (mut any_big, mut all_small) = (hn::scalar(false), hn::scalar(true));
        let (mut prod, mut imax) = (hn::scalar(3i32), hn::scalar(0i32));
        for i in 0..steps {
            x = &x * 0.9 + hn::scalar(i).astype(DType::F32) * 0.05;
            count = (&count * 3 + 1) % 11;
            hi = hi.maximum(x.max());
            lo = hn::minimum(&lo, x.min());
            any_big |= x.gt(4.0).any();
            all_small &= x.lt(4.5).all();
            prod *= (&count % 3 + 1).prod();
            imax = imax.maximum(count.max());
        }
        let want = [x, count, hi, lo, any_big, all_small, prod, imax];
        for (k, (got, want)) in state.iter().zip(&want).enumerate() {
            assert_eq!(bits(got), bits(want), "state {k} after {steps} steps");
        }
        if steps == 9 {
            assert!(state[4].item::<bool>() && !state[5].item::<bool>());
        }
    }
    let line = fusion_line(move || {
        sim(9)();
    });
    for op in [
        "reduce_max",
        "reduce_min",
        "reduce_any",
        "reduce_all",
        "reduce_prod",
    ] {
        assert!(line.contains(op), "{op}: {line}");
    }
}

#[test]
fn a_float_sum_accumulator_stays_within_its_bound() {
    // The fused loop folds each element's steps in f64 and adds the total
    // to the f32 accumulator once; step by step, the accumulator is rounded
    // to f32 every step. They differ by at most
    // (steps + 2)·2⁻²⁴·(|acc₀| + Σ|x|).
    let (n, steps) = (40_000, 30);
    let sim = move || {
        let v = Variable::new(hn::linspace(-1.0, 2.0, n));
        let energy = Variable::new(hn::full(&[], 0.25, DType::F32));
        hn::fori_loop(0, steps, |i: Array| {
            let nv = v.value() * 0.97 + i.astype(DType::F32) * 0.01;
            energy.set(energy.value() + (&nv * &nv).sum());
            v.set(nv);
        });
        vec![v.value(), energy.value()]
    };
    let [fused, unfused, reference] = three_ways(sim);
    assert_eq!(bits(&fused[0]), bits(&unfused[0]));
    assert_eq!(bits(&unfused[1]), bits(&reference[1]));
    // Σ|x| and the exact sum, in f64.
    let mut v: Vec<f64> = hn::linspace(-1.0, 2.0, n)
        .to_vec::<f32>()
        .iter()
        .map(|&x| x as f64)
        .collect();
    let (mut abs_sum, mut exact) = (0.25f64, 0.25f64);
    let mut x = hn::linspace(-1.0, 2.0, n);
    for i in 0..steps {
        x = &x * 0.97 + hn::scalar(i).astype(DType::F32) * 0.01;
        v = x.to_vec::<f32>().iter().map(|&e| e as f64).collect();
        let s: f64 = v.iter().map(|e| e * e).sum();
        abs_sum += s;
        exact += s;
    }
    assert!(v.len() == n);
    let bound = (steps as f64 + 2.0) * 2f64.powi(-24) * abs_sum;
    let (f, u) = (
        fused[1].item::<f32>() as f64,
        unfused[1].item::<f32>() as f64,
    );
    assert!(
        (f - u).abs() <= bound,
        "fused {f} vs unfused {u}: bound {bound}"
    );
    // The fused result is the more accurate one.
    assert!((f - exact).abs() <= (u - exact).abs() + 2f64.powi(-24) * exact.abs());
    let line = fusion_line(move || {
        sim();
    });
    assert!(line.contains("accumulates carry 1 by reduce_sum"), "{line}");
}

#[test]
fn a_body_reading_its_accumulator_is_not_fused_and_stays_correct() {
    let n = 3_000;
    // The total feeds back into the state: not an accumulation only.
    let reads = move || {
        let v = Variable::new(hn::linspace(0.0, 1.0, n));
        let total = Variable::new(hn::zeros(&[], DType::F32));
        hn::fori_loop(0, 12, |_| {
            let nv = v.value() * 0.5 + total.value() * 1e-4;
            total.set(total.value() + nv.sum());
            v.set(nv);
        });
        vec![v.value(), total.value()]
    };
    // The reduction is accumulated and also feeds the state.
    let shared = move || {
        let v = Variable::new(hn::linspace(0.0, 1.0, n));
        let total = Variable::new(hn::zeros(&[], DType::I32));
        hn::fori_loop(0, 12, |_| {
            let count = v.value().gt(0.3).astype(DType::I32).sum();
            total.set(total.value() + &count);
            v.set(v.value() * 0.9 + count.astype(DType::F32) * 1e-5);
        });
        vec![v.value(), total.value()]
    };
    let got = same_every_way(reads);
    let mut v = hn::linspace(0.0, 1.0, n);
    let mut total = hn::zeros(&[], DType::F32);
    for _ in 0..12 {
        let nv = &v * 0.5 + &total * 1e-4;
        total = &total + nv.sum();
        v = nv;
    }
    let (a, b) = (got[1].item::<f32>(), total.item::<f32>());
    assert!((a - b).abs() <= 1e-5 * b.abs(), "{a} vs {b}");
    let got = same_every_way(shared);
    let mut v = hn::linspace(0.0, 1.0, n);
    let mut total = 0;
    for _ in 0..12 {
        let count = v.gt(0.3).astype(DType::I32).sum();
        total += count.item::<i32>();
        v = &v * 0.9 + count.astype(DType::F32) * 1e-5;
    }
    assert_eq!(got[1].item::<i32>(), total);
    assert_eq!(bits(&got[0]), bits(&v));
    for text in [
        report(move || {
            reads();
        }),
        report(move || {
            shared();
        }),
    ] {
        assert!(text.contains("loop["), "{text}");
        assert!(!text.contains("temporal fusion"), "{text}");
    }
}

/// A population driven by two noise draws per step (uniform and normal,
/// from one `RandomState`) and the step index: returns (V, key words).
fn noisy(rng: &RandomState, n: usize, steps: i32) -> Vec<Array> {
    let v = Variable::new(hn::zeros(&[n], DType::F32));
    hn::fori_loop(0, steps, |i: Array| {
        let drive = rng.uniform(0.0, 1.0, &[n]) + rng.normal(0.0, 0.5, &[n]);
        v.set(v.value() * 0.9 + drive + i.astype(DType::F32) * 1e-3);
    });
    vec![v.value(), rng.key_array()]
}

#[test]
fn random_draws_are_fused_and_bit_identical_to_eager() {
    let n = 9_001;
    for steps in [0, 1, 8] {
        let state = same_every_way(|| noisy(&RandomState::new(11), n, steps));
        // Eagerly: the same draws, one op at a time.
        let rng = RandomState::new(11);
        let mut v = hn::zeros(&[n], DType::F32);
        for i in 0..steps {
            let drive = rng.uniform(0.0, 1.0, &[n]) + rng.normal(0.0, 0.5, &[n]);
            v = &v * 0.9 + drive + hn::scalar(i).astype(DType::F32) * 1e-3;
        }
        assert_eq!(bits(&state[0]), bits(&v), "{steps} steps");
        assert_eq!(
            state[1].to_vec::<u32>(),
            rng.key().to_vec(),
            "{steps} steps"
        );
    }
    let line = fusion_line(move || {
        noisy(&RandomState::new(11), n, 8);
    });
    assert!(line.contains("over [9001] x 8 steps"), "{line}");
    assert!(line.contains("uniform steps run ahead"), "{line}");
}

#[test]
fn a_noisy_lif_with_a_spike_total_under_jit_draws_fresh_numbers_each_call() {
    let n = 4_097;
    let rng = RandomState::new(5);
    let v = Variable::new(hn::full(&[n], -65.0, DType::F32));
    let total = Variable::new(hn::zeros(&[], DType::I32));
    let (r, vv, tt) = (rng.clone(), v.clone(), total.clone());
    let step = hn::jit_with_options(temporal(true), move |_: ()| {
        hn::fori_loop(0, 25, |_| {
            let noise = r.normal(0.0, 4.0, &[n]);
            let nv = &vv.value() + (-(&vv.value() + 65.0) + 16.0 + noise) * 0.1;
            let spike = nv.ge(-50.0);
            vv.set(hn::where_(&spike, -68.0, &nv));
            tt.set(tt.value() + spike.astype(DType::I32).sum());
        })
    });
    {
        let text = step.lower(()).optimized_text();
        let line = text
            .lines()
            .find(|l| l.contains("temporal fusion:"))
            .unwrap_or_else(|| panic!("no temporal fusion line in\n{text}"));
        assert!(line.contains("accumulates carry 2 by reduce_sum"), "{line}");
        assert!(line.contains("uniform steps run ahead"), "{line}");
        step.call(());
        step.call(());
    }
    // Eagerly, the same 50 steps.
    let erng = RandomState::new(5);
    let mut ev = hn::full(&[n], -65.0, DType::F32);
    let mut etotal = 0;
    for _ in 0..50 {
        let noise = erng.normal(0.0, 4.0, &[n]);
        let nv = &ev + (-(&ev + 65.0) + 16.0 + noise) * 0.1;
        let spike = nv.ge(-50.0);
        ev = hn::where_(&spike, -68.0, &nv);
        etotal += spike.astype(DType::I32).sum().item::<i32>();
    }
    assert!(etotal > 0);
    assert_eq!(total.value().item::<i32>(), etotal);
    assert_eq!(bits(&v.value()), bits(&ev));
    assert_eq!(rng.key(), erng.key());
}
