//! Fast math (`JitOptions { fast_math: true }`) on the LIF loop: each
//! transform fires (the reassociated body in the optimised text, the
//! per-tile invariant value and the fused multiply-adds in the register
//! form's description and CLIF), results stay within
//! `precision::fast_math_bound` of exact ones, and the exact form is
//! untouched when fast math is off.

mod support;

use heron as hn;
use heron::control::with_register_tiles;
use heron::ir::precision::fast_math_bound;
use heron::prelude::*;
use heron::{CompileOptions, JitOptions};
use support::bits;

const DT: f32 = 0.1;
const TAU: f32 = 10.0;
const V_REST: f32 = -65.0;
const R: f32 = 1.5;
const STEPS: usize = 100;
/// Operations of the exact update `V + dt·(-(V - V_rest) + I·R)/τ`.
const UPDATE_OPS: usize = 7;

/// Whether fused multiply-adds are one instruction on this CPU.
fn host_fma() -> bool {
    #[cfg(target_arch = "x86_64")]
    return std::is_x86_feature_detected!("fma");
    #[cfg(not(target_arch = "x86_64"))]
    return cfg!(target_arch = "aarch64");
}

/// The input current of `n` neurons: 0 … 30.
fn input(n: usize) -> Array {
    hn::linspace(0.0, 30.0, n).astype(DType::F32)
}

/// A leaky integrator without threshold, `STEPS` steps in one loop,
/// compiled with or without fast math; returns the final V.
fn integrate(n: usize, fast_math: bool) -> Array {
    let v = Variable::new(hn::full(&[n], V_REST as f64, DType::F32));
    let w = v.clone();
    let f = hn::jit_with(JitOptions { fast_math }, move |i: Array| {
        hn::fori_loop(0, STEPS, |_: Array| {
            let x = w.value();
            w.set(&x + DT * (-(&x - V_REST) + &i * R) / TAU);
        })
    });
    f.call(&input(n));
    v.value()
}

#[test]
fn the_w2_loop_keeps_one_value_per_vector_and_one_multiply_add_per_step() {
    use heron_bench::workloads::w2;
    let n = 4097;
    let i = w2::current(n);
    let fast = w2::Lif::new(n).jitted_loop_fast(STEPS).compile(&i);
    let fmas = usize::from(host_fma());
    let forms = fast.temporal_forms();
    assert_eq!(forms.len(), 1);
    assert!(
        forms[0].ends_with(&format!(
            "fast math: 1 per vector once per tile, {fmas} multiply-adds per step"
        )),
        "{forms:?}"
    );
    assert!(forms[0].starts_with("register tiles"), "{forms:?}");
    if host_fma() {
        assert!(fast.clif_text().contains(" = fma "), "no fma in the CLIF");
    }
    // Exact math: the register form as before, no fused multiply-add.
    let exact = w2::Lif::new(n).jitted_loop(STEPS).compile(&i);
    assert!(!exact.temporal_forms()[0].contains("fast math"));
    assert!(!exact.clif_text().contains(" = fma "));
}

#[test]
fn the_w2_value_computed_once_per_tile_lives_in_a_stack_slot_and_tiles_widen() {
    use heron_bench::workloads::w2;
    let n = 4099;
    let i = w2::current(n);
    let fast = w2::Lif::new(n).jitted_loop_fast(STEPS).compile(&i);
    let forms = fast.temporal_forms();
    // The hoisted value is not counted against the registers: 6 vectors of
    // V and t_last beside the shared constants.
    assert!(
        forms[0].starts_with("register tiles 6 x f32x4: 2 state"),
        "{forms:?}"
    );
    // Stored once per tile (6 vectors, and 1 for the single-vector loop),
    // loaded by the step.
    let clif = fast.clif_text();
    for slot in ["explicit_slot 96", "explicit_slot 16"] {
        assert!(clif.contains(slot), "{slot} missing from\n{clif}");
    }
    assert!(clif.contains("stack_addr"), "{clif}");
    // Exact math hoists nothing: two slots fewer.
    let exact = w2::Lif::new(n).jitted_loop(STEPS).compile(&i).clif_text();
    let slots = |text: &str| text.matches("explicit_slot").count();
    assert_eq!(slots(&exact) + 2, slots(&clif), "{exact}");
}

#[test]
fn the_loop_body_is_reassociated_with_the_invariant_part_first() {
    let n = 8;
    let v = Variable::new(hn::full(&[n], V_REST as f64, DType::F32));
    let f = hn::jit_with(JitOptions { fast_math: true }, move |i: Array| {
        hn::fori_loop(0, STEPS, |_: Array| {
            let x = v.value();
            v.set(&x + DT * (-(&x - V_REST) + &i * R) / TAU);
        })
    });
    let text = f.lower(&input(n)).optimized_text();
    // `I·(R·k) + V_rest·k` first, then `V·(1 - k) + that` (k = dt/τ).
    for line in [
        "mul c 0.015000001:f32",
        "add d -0.65000004:f32",
        "mul b 0.99:f32",
    ] {
        assert!(text.contains(line), "{line} missing from\n{text}");
    }
    assert!(!text.contains(" div "), "{text}");
}

#[test]
fn fast_math_is_within_the_bound_of_exact_math() {
    for n in [1, 7, 33, 1027] {
        let exact = integrate(n, false).to_vec::<f32>();
        let fast = integrate(n, true).to_vec::<f32>();
        let k = f64::from(DT) / f64::from(TAU);
        let inputs = input(n).to_vec::<f32>();
        for j in 0..n {
            let drive = f64::from(inputs[j]) * f64::from(R);
            // V moves monotonically from V_rest to V_rest + R·I.
            let v_max = f64::from(V_REST)
                .abs()
                .max((f64::from(V_REST) + drive).abs());
            let abs_sum = v_max * (1.0 - k) + drive.abs() * k + f64::from(V_REST).abs() * k;
            let bound = fast_math_bound(UPDATE_OPS, STEPS, abs_sum, DType::F32);
            let (e, f) = (f64::from(exact[j]), f64::from(fast[j]));
            assert!(
                (e - f).abs() <= bound,
                "n={n} [{j}]: {f} vs {e} (bound {bound})"
            );
        }
    }
}

#[test]
fn without_fused_multiply_adds_the_fast_forms_agree_bit_for_bit() {
    // Hoisting computes the same values once per tile: the chunked form and
    // the step-by-step loop run the same reassociated body without
    // contraction and agree bit for bit; the register form does too where
    // the CPU has no FMA.
    let n = 1027;
    let run = |temporal_fusion: bool, tiles: bool| {
        let options = CompileOptions {
            fast_math: true,
            temporal_fusion,
            ..CompileOptions::default()
        };
        options.scoped(|| with_register_tiles(tiles, || integrate(n, true)))
    };
    let chunked = run(true, false);
    let steps = run(false, true);
    assert_eq!(bits(&chunked), bits(&steps));
    if !host_fma() {
        assert_eq!(bits(&run(true, true)), bits(&chunked));
    }
}
