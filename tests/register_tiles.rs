//! Register-resident temporal fusion: a temporally fused loop whose body
//! fits the vector registers runs tiles of vectors through all steps with
//! the state in registers. Its results are bit-identical to the chunked
//! form (`heron::control::with_register_tiles(false, ..)`) and to the
//! step-by-step loop (temporal fusion off), over odd sizes and tile
//! remainders, in f32 and f64, with random draws, with accumulated
//! reductions and with state carried across calls; `temporal_forms` and
//! the CLIF text say which form a loop takes and why.

#[path = "support/options.rs"]
mod options;
mod support;

use heron as hn;
use heron::CompileOptions;
use heron::control::with_register_tiles;
use heron::prelude::*;
use heron::random::RandomState;
use options::temporal;
use support::bits;

/// The sizes tried: below one vector, odd, around tiles of 8 × 4 lanes.
const SIZES: [usize; 12] = [1, 3, 5, 7, 9, 17, 31, 33, 65, 1000, 1027, 4097];

/// Runs `sim` in the register-resident form, the chunked form and step by
/// step; asserts all three give the same bits; returns the state.
fn same_three_forms(what: &str, sim: impl Fn() -> Vec<Array>) -> Vec<Array> {
    let tiles = temporal(true).scoped(&sim);
    let chunked = temporal(true).scoped(|| with_register_tiles(false, &sim));
    let steps = temporal(false).scoped(&sim);
    for (k, ((a, b), c)) in tiles.iter().zip(&chunked).zip(&steps).enumerate() {
        assert_eq!(bits(a), bits(b), "{what}: state {k}: tiles vs chunked");
        assert_eq!(bits(b), bits(c), "{what}: state {k}: chunked vs steps");
    }
    tiles
}

/// LIF (the W2 step) in `dtype`: returns (V, t_last, spike count).
fn lif(n: usize, steps: i32, dtype: DType) -> Vec<Array> {
    let input = (hn::linspace(0.0, 1.0, n) * 30.0 + 5.0).astype(dtype);
    let v = Variable::new(hn::full(&[n], -65.0, dtype));
    let t_last = Variable::new(hn::full(&[n], -1e7, dtype));
    let count = Variable::new(hn::zeros(&[n], DType::I32));
    hn::fori_loop(0, steps, |i: Array| {
        let t = i.astype(dtype) * 0.1;
        let nv = &v.value() + (-(&v.value() + 65.0) + &input) * (0.1 / 10.0);
        let spike = nv.ge(-50.0);
        v.set(hn::where_(&spike, -68.0, &nv));
        t_last.set(hn::where_(&spike, &t, t_last.value()));
        count.set(&count.value() + spike.astype(DType::I32));
    });
    vec![v.value(), t_last.value(), count.value()]
}

/// LIF with only float state (V and a float spike count): one element
/// size, so it takes the register-resident form in `dtype`.
fn lif_float(n: usize, steps: i32, dtype: DType) -> Vec<Array> {
    let input = (hn::linspace(0.0, 1.0, n) * 30.0 + 5.0).astype(dtype);
    let v = Variable::new(hn::full(&[n], -65.0, dtype));
    let spikes = Variable::new(hn::zeros(&[n], dtype));
    hn::fori_loop(0, steps, |_| {
        let nv = &v.value() + (-(&v.value() + 65.0) + &input) / 10.0 * 1.5;
        let spike = nv.ge(-50.0);
        v.set(hn::where_(&spike, -68.0, &nv));
        spikes.set(hn::where_(&spike, spikes.value() + 1.0, spikes.value()));
    });
    vec![v.value(), spikes.value()]
}

/// The temporal forms of `f` compiled under `jit` with temporal fusion on.
fn forms(f: impl Fn() + Send + Sync + 'static) -> (Vec<String>, String) {
    let j = hn::jit_with_options(temporal(true), move |_: ()| f());
    let c = j.compile(());
    (c.temporal_forms(), c.clif_text())
}

#[test]
fn f32_lif_is_bit_identical_in_all_three_forms_at_odd_sizes() {
    for n in SIZES {
        for steps in [1, 2, 37] {
            let what = format!("lif f32 n={n} steps={steps}");
            same_three_forms(&what, || lif(n, steps, DType::F32));
            same_three_forms(&what, || lif_float(n, steps, DType::F32));
        }
    }
    let state = same_three_forms("lif 4097 x 100", || lif(4097, 100, DType::F32));
    assert!(state[2].sum().item::<i32>() > 0, "the population must fire");
}

#[test]
fn f64_lif_is_bit_identical_in_all_three_forms_at_odd_sizes() {
    for n in SIZES {
        for steps in [1, 4, 37] {
            let what = format!("lif f64 n={n} steps={steps}");
            same_three_forms(&what, || lif_float(n, steps, DType::F64));
        }
    }
    let (f, clif) = forms(|| {
        lif_float(1000, 10, DType::F64);
    });
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(f[0].starts_with("register tiles "), "{f:?}");
    assert!(f[0].contains(" x f64x2:"), "{f:?}");
    assert!(clif.contains("; kernel register_tiles"), "{clif}");
}

#[test]
fn the_w2_body_compiles_to_register_tiles() {
    use heron_bench::workloads::w2;
    let n = 4097;
    let lif = w2::Lif::new(n);
    let step = lif.jitted_loop(100);
    let i = w2::current(n);
    let c = step.compile(&i);
    // V and t_last are read; the spike mask is only written.
    assert_eq!(
        c.temporal_forms(),
        [
            "register tiles 8 x f32x4: 2 state + 3 temporaries per vector, 5 shared constants, of 16 registers"
        ],
    );
    let clif = c.clif_text();
    assert!(
        clif.contains("; temporal form: register tiles 8 x f32x4"),
        "{clif}"
    );
    assert!(clif.contains("; kernel register_tiles"), "{clif}");
    // And the W2 state is bit-identical in the three forms, across calls.
    let run = |temporal_fusion: bool, tiles: bool| {
        let lif = w2::Lif::new(n);
        let options = CompileOptions {
            temporal_fusion,
            ..CompileOptions::default()
        };
        let l = lif.clone();
        let step = hn::jit_with_options(options, move |i: Array| {
            hn::fori_loop(0, 100, |k: Array| {
                let t = k.astype(DType::F32) * 0.1;
                l.step(&i, &t);
            })
        });
        with_register_tiles(tiles, || {
            step.call(&i);
            step.call(&i);
        });
        [lif.v.value(), lif.t_last.value(), lif.spike.value()]
    };
    let (a, b, c) = (run(true, true), run(true, false), run(false, true));
    for k in 0..3 {
        assert_eq!(bits(&a[k]), bits(&b[k]), "state {k}: tiles vs chunked");
        assert_eq!(bits(&b[k]), bits(&c[k]), "state {k}: chunked vs steps");
    }
    assert!(a[2].astype(DType::I32).sum().item::<i32>() >= 0);
}

#[test]
fn mixed_element_sizes_keep_the_chunked_form_and_say_why() {
    // An i32 spike count beside f64 state: vectors of two lane counts.
    let (f, clif) = forms(|| {
        let n = 1000;
        let v = Variable::new(hn::full(&[n], 1.0, DType::F64));
        let c = Variable::new(hn::zeros(&[n], DType::I32));
        hn::fori_loop(0, 10, |_| {
            let nv = v.value() * 0.5 + 1.0;
            c.set(c.value() + nv.ge(1.5).astype(DType::I32));
            v.set(nv);
        });
    });
    assert_eq!(f, ["chunked (values of several element sizes)"]);
    assert!(!clif.contains("; kernel register_tiles"), "{clif}");
}

/// A population driven by two noise draws per step and the step index.
fn noisy(rng: &RandomState, n: usize, steps: i32) -> Vec<Array> {
    let v = Variable::new(hn::zeros(&[n], DType::F32));
    hn::fori_loop(0, steps, |i: Array| {
        let drive = rng.uniform(0.0, 1.0, &[n]) + rng.normal(0.0, 0.5, &[n]);
        v.set(v.value() * 0.9 + drive + i.astype(DType::F32) * 1e-3);
    });
    vec![v.value(), rng.key_array()]
}

#[test]
fn random_draws_are_bit_identical_in_all_three_forms() {
    for n in [1, 5, 33, 65, 4097] {
        for steps in [1, 8] {
            let what = format!("noisy n={n} steps={steps}");
            same_three_forms(&what, || noisy(&RandomState::new(11), n, steps));
        }
    }
    // Uniform draws alone fit the registers; a normal draw's Box–Muller
    // body does not, and keeps the chunked form.
    let (f, _) = forms(|| {
        uniform_noise(&RandomState::new(11), 1000, 8);
    });
    assert!(f[0].starts_with("register tiles "), "{f:?}");
    let (f, _) = forms(|| {
        noisy(&RandomState::new(11), 1000, 8);
    });
    assert!(f[0].starts_with("chunked ("), "{f:?}");
    assert!(f[0].contains("exceed 16 registers"), "{f:?}");
}

/// A population driven by a uniform draw per step.
fn uniform_noise(rng: &RandomState, n: usize, steps: i32) -> Vec<Array> {
    let v = Variable::new(hn::zeros(&[n], DType::F32));
    hn::fori_loop(0, steps, |_| {
        v.set(v.value() * 0.9 + rng.uniform(-1.0, 1.0, &[n]));
    });
    vec![v.value(), rng.key_array()]
}

#[test]
fn uniform_draws_in_registers_are_bit_identical_in_all_three_forms() {
    for n in [1, 3, 9, 17, 33, 65, 1000, 4097] {
        for steps in [1, 5] {
            let what = format!("uniform n={n} steps={steps}");
            same_three_forms(&what, || uniform_noise(&RandomState::new(7), n, steps));
        }
    }
}

/// LIF with a scalar spike total accumulated across steps.
fn lif_total(n: usize, steps: i32) -> Vec<Array> {
    let input = hn::linspace(10.0, 30.0, n);
    let v = Variable::new(hn::full(&[n], -65.0, DType::F32));
    let total = Variable::new(hn::zeros(&[], DType::I32));
    let top = Variable::new(hn::full(&[], -1e9, DType::F32));
    hn::fori_loop(0, steps, |_| {
        let nv = &v.value() + (-(&v.value() + 65.0) + &input) * 0.1;
        let spike = nv.ge(-50.0);
        v.set(hn::where_(&spike, -68.0, &nv));
        total.set(total.value() + spike.astype(DType::I32).sum());
        top.set(hn::maximum(&top.value(), &nv.max()));
    });
    vec![v.value(), total.value(), top.value()]
}

#[test]
fn accumulated_reductions_are_bit_identical_in_all_three_forms() {
    for n in [1, 7, 9, 65, 1000, 4097] {
        let what = format!("lif_total n={n}");
        let state = same_three_forms(&what, || lif_total(n, 40));
        if n >= 65 {
            assert!(state[1].item::<i32>() > 0, "{what}: must fire");
        }
    }
    let (f, _) = forms(|| {
        lif_total(1000, 40);
    });
    assert!(f[0].starts_with("register tiles "), "{f:?}");
}

#[test]
fn state_carried_across_calls_is_bit_identical() {
    let run = |tiles: bool| {
        let n = 1027;
        let v = Variable::new(hn::full(&[n], -65.0, DType::F32));
        let input = hn::linspace(10.0, 30.0, n);
        let vv = v.clone();
        let step = hn::jit_with_options(temporal(true), move |_: ()| {
            hn::fori_loop(0, 15, |_| {
                let nv = &vv.value() + (-(&vv.value() + 65.0) + &input) * 0.1;
                vv.set(hn::where_(&nv.ge(-50.0), -68.0, &nv));
            })
        });
        with_register_tiles(tiles, || {
            for _ in 0..3 {
                step.call(());
            }
        });
        v.value()
    };
    let (a, b) = (run(true), run(false));
    assert_eq!(bits(&a), bits(&b));
}

/// `k_states` coupled state arrays: many state vectors per lane group.
fn wide(k_states: usize, n: usize, steps: i32) -> Vec<Array> {
    let vs: Vec<Variable> = (0..k_states)
        .map(|k| Variable::new(hn::linspace(k as f64, 1.0 + k as f64, n)))
        .collect();
    hn::fori_loop(0, steps, |_| {
        let now: Vec<Array> = vs.iter().map(|v| v.value()).collect();
        for (k, v) in vs.iter().enumerate() {
            v.set(&now[k] * 0.5 + &now[(k + 1) % k_states] * 0.25 + 1.0);
        }
    });
    vs.iter().map(|v| v.value()).collect()
}

#[test]
fn a_wide_state_takes_single_vector_tiles_and_stays_bit_identical() {
    // Ten state vectors leave room for one tile vector (and eight on the
    // stack would not make two); eleven do not fit at all.
    let (f, _) = forms(|| {
        wide(10, 100, 3);
    });
    assert_eq!(
        f,
        [
            "register tiles 1 x f32x4: 10 state + 3 temporaries per vector, 3 shared constants, of 16 registers"
        ]
    );
    let (f, _) = forms(|| {
        wide(11, 100, 3);
    });
    assert!(f[0].starts_with("chunked (11 state"), "{f:?}");
    for n in [1, 3, 4, 5, 9, 33, 1000] {
        for k in [9, 10] {
            same_three_forms(&format!("wide {k} n={n}"), || wide(k, n, 7));
        }
    }
}

/// A body reading a constant array made inside it, a captured 0-d operand
/// (broadcast) and a captured array of the state's shape.
fn weighted(n: usize, steps: i32) -> Vec<Array> {
    let gain = hn::full(&[], 0.25, DType::F32);
    let drive = hn::linspace(-1.0, 1.0, n);
    let v = Variable::new(hn::zeros(&[n], DType::F32));
    hn::fori_loop(0, steps, |_| {
        let w = hn::linspace(0.5, 1.5, n);
        v.set(v.value() * &w * 0.5 + &drive * &gain);
    });
    vec![v.value()]
}

#[test]
fn constants_and_captured_operands_are_bit_identical_in_all_three_forms() {
    for n in [1, 3, 5, 7, 9, 17, 33, 65, 1000, 4097] {
        same_three_forms(&format!("weighted n={n}"), || weighted(n, 9));
    }
    let (f, _) = forms(|| {
        weighted(1000, 9);
    });
    assert!(f[0].starts_with("register tiles 8 x f32x4"), "{f:?}");
}
