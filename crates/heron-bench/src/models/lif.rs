//! The leaky integrate-and-fire model of W2: its parameters and the scalar
//! step that defines it, which the workload's hand-written loops and the
//! SIMD ceilings (`ceiling::lif`) both compute.

/// Time step (ms).
pub const DT: f32 = 0.1;
/// Resting potential (mV).
pub const V_REST: f32 = -65.0;
/// Reset potential (mV).
pub const V_RESET: f32 = -68.0;
/// Threshold (mV).
pub const V_TH: f32 = -50.0;
/// Membrane resistance.
pub const R: f32 = 1.0;
/// Membrane time constant (ms).
pub const TAU: f32 = 10.0;
/// `t_last` before any spike.
pub const T_NEVER: f32 = -1e7;

/// The time of step `i`.
pub fn time(i: usize) -> f32 {
    i as f32 * DT
}

/// One step of the hand-written loop over a slice of neurons.
pub fn rust_step(v: &mut [f32], t_last: &mut [f32], spike: &mut [bool], i: &[f32], t: f32) {
    for (((v, tl), s), &i) in v.iter_mut().zip(t_last).zip(spike).zip(i) {
        let x = *v + DT * (-(*v - V_REST) + i * R) / TAU;
        let fired = x >= V_TH;
        *v = if fired { V_RESET } else { x };
        *tl = if fired { t } else { *tl };
        *s = fired;
    }
}
