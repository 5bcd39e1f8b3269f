//! The workloads' inputs: drawn from heron's Threefry generator with fixed
//! keys, so they are the same on every run and equal to what
//! `jax.random.uniform` / `jax.random.normal` give for the same keys (the
//! peer scripts draw theirs that way). Drawn by a jitted sampler, so large
//! inputs are quick to make.

use heron::random::Key;
use heron::{Array, jit};

/// Keys of the inputs: `jax.random.PRNGKey(seed)` for these seeds.
pub mod seeds {
    /// W1 `x` (standard normal).
    pub const W1_X: u64 = 1;
    /// W1 `y` (uniform on [0, 1)).
    pub const W1_Y: u64 = 2;
    /// W2 input current `I` (normal, mean 20, std 5).
    pub const W2_I: u64 = 3;
    /// W3 initial membrane potential (uniform on [-70, -60)).
    pub const W3_V: u64 = 4;
    /// W3 input current (uniform on [5, 15)).
    pub const W3_I: u64 = 5;
    /// W4 matrix (standard normal).
    pub const W4_A: u64 = 6;
    /// W5 uniform draws.
    pub const W5_UNIFORM: u64 = 7;
    /// W5 normal draws.
    pub const W5_NORMAL: u64 = 8;
}

/// f32 samples uniform on `[lo, hi)` of `shape` from `PRNGKey(seed)`.
pub fn uniform(seed: u64, lo: f64, hi: f64, shape: &[usize]) -> Array {
    let shape = shape.to_vec();
    let f = jit(move |k: Array| Key::from_array(k).uniform(lo, hi, &shape));
    f.call(Key::new(seed).into_array())
}

/// f32 samples `mean + std·z`, `z` standard normal, of `shape` from `PRNGKey(seed)`.
pub fn normal(seed: u64, mean: f64, std: f64, shape: &[usize]) -> Array {
    let shape = shape.to_vec();
    let f = jit(move |k: Array| Key::from_array(k).normal(mean, std, &shape));
    f.call(Key::new(seed).into_array())
}

/// The elements of an f32 array as a vector.
pub fn vec_f32(a: &Array) -> Vec<f32> {
    a.to_vec::<f32>()
}

/// An f32 vector as a 1-d `ndarray` array.
pub fn nd1(v: &[f32]) -> ndarray::Array1<f32> {
    ndarray::Array1::from(v.to_vec())
}
