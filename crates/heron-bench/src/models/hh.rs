//! The Hodgkin–Huxley model of W3: its parameters and the scalar step that
//! defines it, which the workload's hand-written loops and the SIMD ceilings
//! (`ceiling::hh`) both compute.

/// Time step (ms).
pub const DT: f32 = 0.05;
/// Sodium reversal potential (mV) and maximal conductance (mS/cm²).
pub const ENA: f32 = 50.0;
/// Maximal sodium conductance.
pub const GNA: f32 = 120.0;
/// Potassium reversal potential (mV).
pub const EK: f32 = -77.0;
/// Maximal potassium conductance.
pub const GK: f32 = 36.0;
/// Leak reversal potential (mV).
pub const EL: f32 = -54.387;
/// Leak conductance.
pub const GL: f32 = 0.03;
/// Membrane capacitance (µF/cm²).
pub const C: f32 = 1.0;
/// Spike threshold (mV), crossed upwards.
pub const V_TH: f32 = 20.0;
/// Initial gating variables (near rest).
pub const M0: f32 = 0.05;
/// Initial `h`.
pub const H0: f32 = 0.6;
/// Initial `n`.
pub const N0: f32 = 0.32;

/// One neuron's step; `exp` is `f32::exp` or the polynomial.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn neuron_step(
    v: &mut f32,
    m: &mut f32,
    h: &mut f32,
    n: &mut f32,
    count: &mut f32,
    i: f32,
    exp: impl Fn(f32) -> f32,
) {
    let x = *v;
    let am = 0.1 * (x + 40.0) / (1.0 - exp(-(x + 40.0) / 10.0));
    let bm = 4.0 * exp(-(x + 65.0) / 18.0);
    let ah = 0.07 * exp(-(x + 65.0) / 20.0);
    let bh = 1.0 / (1.0 + exp(-(x + 35.0) / 10.0));
    let an = 0.01 * (x + 55.0) / (1.0 - exp(-(x + 55.0) / 10.0));
    let bn = 0.125 * exp(-(x + 65.0) / 80.0);
    let (mm, hh, nn) = (*m, *h, *n);
    let ina = GNA * mm * mm * mm * hh * (x - ENA);
    let ik = GK * nn * nn * nn * nn * (x - EK);
    let il = GL * (x - EL);
    let xn = x + DT * (-ina - ik - il + i) / C;
    *m = mm + DT * (am * (1.0 - mm) - bm * mm);
    *h = hh + DT * (ah * (1.0 - hh) - bh * hh);
    *n = nn + DT * (an * (1.0 - nn) - bn * nn);
    let crossed = xn >= V_TH && x < V_TH;
    *count += if crossed { 1.0 } else { 0.0 };
    *v = xn;
}
