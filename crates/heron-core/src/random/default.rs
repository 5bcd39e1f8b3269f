//! The process-wide default generator `DEFAULT` and the module functions
//! (`hn::random::uniform`, `normal`, ...) that draw from it, as
//! `brainpy.math.random`'s do. `DEFAULT` starts from a seed taken from the
//! operating system's randomness; `seed(s)` makes it reproducible.

use super::state::RandomState;
use crate::array::Array;
use crate::ops::Operand;
use std::hash::{BuildHasher, Hasher};
use std::sync::LazyLock;

/// The default generator the module functions draw from.
pub static DEFAULT: LazyLock<RandomState> = LazyLock::new(|| RandomState::new(entropy_seed()));

/// A seed from the process's hash randomness (the OS's random source).
fn entropy_seed() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0),
    );
    h.finish()
}

/// Resets `DEFAULT` to the key `jax.random.PRNGKey(seed)`.
pub fn seed(seed: u64) {
    DEFAULT.seed(seed);
}

/// The key `DEFAULT` holds.
pub fn default_key() -> [u32; 2] {
    DEFAULT.key()
}

/// `DEFAULT.split_key()`: advances the default state and returns a fresh key.
pub fn split_key() -> [u32; 2] {
    DEFAULT.split_key()
}

/// `DEFAULT.split_keys(n)`: `n` fresh keys as a `u32[n, 2]` array.
pub fn split_keys(n: usize) -> Array {
    DEFAULT.split_keys(n)
}

/// Uniform u32 words of `shape` from `DEFAULT`.
pub fn bits(shape: &[usize]) -> Array {
    DEFAULT.bits(shape)
}

/// f32 samples uniform on `[lo, hi)` from `DEFAULT`.
pub fn uniform(lo: f64, hi: f64, shape: &[usize]) -> Array {
    DEFAULT.uniform(lo, hi, shape)
}

/// f32 samples uniform on `[0, 1)` from `DEFAULT`.
pub fn rand(shape: &[usize]) -> Array {
    DEFAULT.rand(shape)
}

/// f32 samples uniform on `[0, 1)` from `DEFAULT` (same as `rand`).
pub fn random(shape: &[usize]) -> Array {
    DEFAULT.random(shape)
}

/// f32 normal samples from `DEFAULT`.
pub fn normal(mean: f64, std: f64, shape: &[usize]) -> Array {
    DEFAULT.normal(mean, std, shape)
}

/// f32 standard normal samples from `DEFAULT` (NumPy's `randn`).
pub fn randn(shape: &[usize]) -> Array {
    DEFAULT.normal(0.0, 1.0, shape)
}

/// i32 samples uniform on `lo..hi` from `DEFAULT`.
pub fn randint(lo: i64, hi: i64, shape: &[usize]) -> Array {
    DEFAULT.randint(lo, hi, shape)
}

/// Bool samples, true with probability `p`, from `DEFAULT`.
pub fn bernoulli(p: f64, shape: &[usize]) -> Array {
    DEFAULT.bernoulli(p, shape)
}

/// A random permutation of `0..n` (i32) from `DEFAULT`.
pub fn permutation(n: usize) -> Array {
    DEFAULT.permutation(n)
}

/// `a` with its rows in random order, from `DEFAULT`.
pub fn shuffle(a: impl Operand) -> Array {
    DEFAULT.shuffle(a)
}

/// i32 indices into `0..n` of `shape` from `DEFAULT`, with or without
/// replacement, optionally weighted by `p`.
pub fn choice(n: usize, shape: &[usize], replace: bool, p: Option<&Array>) -> Array {
    DEFAULT.choice(n, shape, replace, p)
}

/// Samples of `shape` taken from the rows of `a`, from `DEFAULT`.
pub fn choice_from(a: impl Operand, shape: &[usize], replace: bool, p: Option<&Array>) -> Array {
    DEFAULT.choice_from(a, shape, replace, p)
}

/// f32 standard Gumbel samples from `DEFAULT`.
pub fn gumbel(shape: &[usize]) -> Array {
    DEFAULT.gumbel(shape)
}

/// f32 standard normal samples truncated to `(lower, upper)`, from `DEFAULT`.
pub fn truncated_normal(lower: f64, upper: f64, shape: &[usize]) -> Array {
    DEFAULT.truncated_normal(lower, upper, shape)
}

/// f32 standard exponential samples from `DEFAULT`.
pub fn exponential(shape: &[usize]) -> Array {
    DEFAULT.exponential(shape)
}
