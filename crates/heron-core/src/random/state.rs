//! `RandomState`: a generator whose key lives in a Variable of kind
//! `VarKind::RandomState`, as BrainPy's. Every draw first splits the key,
//! keeps the first half as the new state and draws with the second, so
//! successive draws differ, and inside `jit` the key threads through the
//! compiled function like any other Variable (each call gives fresh numbers).

use super::key::Key;
use super::prim::rows;
use crate::array::Array;
use crate::ops::Operand;
use crate::variable::{VarKind, Variable};
use heron_ir::{DType, threefry};
use std::fmt;
use std::ops::Deref;

/// A random generator holding its key in a Variable (a shared handle:
/// `clone()` gives another handle to the same state).
#[derive(Clone)]
pub struct RandomState {
    var: Variable,
}

impl RandomState {
    /// A generator seeded like `jax.random.PRNGKey(seed)`.
    pub fn new(seed: u64) -> RandomState {
        RandomState::from_key(threefry::key_from_seed(seed))
    }

    /// A generator holding the given key.
    pub fn from_key(key: [u32; 2]) -> RandomState {
        let value = Array::from_vec(key.to_vec(), &[2]);
        RandomState {
            var: Variable::with_kind(value, VarKind::RandomState),
        }
    }

    /// The Variable holding the key (`u32[2]`).
    pub fn variable(&self) -> &Variable {
        &self.var
    }

    /// The current key. Panics inside `jit`, where the key is traced (use
    /// `key_array` there).
    pub fn key(&self) -> [u32; 2] {
        Key::from_array(self.var.value()).data()
    }

    /// The current key as a `u32[2]` array (traced inside `jit`).
    pub fn key_array(&self) -> Array {
        self.var.value()
    }

    /// Resets the key to `jax.random.PRNGKey(seed)`.
    pub fn seed(&self, seed: u64) {
        self.set_key(threefry::key_from_seed(seed));
    }

    /// Replaces the key.
    pub fn set_key(&self, key: [u32; 2]) {
        self.var.set(Array::from_vec(key.to_vec(), &[2]));
    }

    /// `k = jax.random.split(state)`: the state becomes `k[0]`; returns `k[1]`.
    /// Works inside `jit` (the key is then traced).
    pub fn next_key(&self) -> Key {
        let [keep, out] = Key::from_array(self.var.value()).split();
        self.var.set(keep.into_array());
        out
    }

    /// `k = jax.random.split(state)`: the state becomes `k[0]`; returns the
    /// words of `k[1]`. Panics inside `jit` (use `next_key` there).
    pub fn split_key(&self) -> [u32; 2] {
        self.next_key().data()
    }

    /// `k = jax.random.split(state, n + 1)`: the state becomes `k[0]`;
    /// returns `k[1..]` as a `u32[n, 2]` array.
    pub fn split_keys(&self, n: usize) -> Array {
        let all = Key::from_array(self.var.value()).split_array(n + 1);
        let keep = super::prim::reshape(&rows(&all, 0, 1), &[2]);
        self.var.set(keep);
        rows(&all, 1, n)
    }

    /// Uniform u32 words of `shape`.
    pub fn bits(&self, shape: &[usize]) -> Array {
        self.next_key().bits(shape)
    }

    /// Random words of `shape` as `U32` or `I64` (64-bit words).
    pub fn bits_as(&self, shape: &[usize], dtype: DType) -> Array {
        self.next_key().bits_as(shape, dtype)
    }

    /// f32 samples uniform on `[lo, hi)`.
    pub fn uniform(&self, lo: f64, hi: f64, shape: &[usize]) -> Array {
        self.next_key().uniform(lo, hi, shape)
    }

    /// Samples uniform on `[lo, hi)` of a float `dtype`.
    pub fn uniform_as(&self, lo: f64, hi: f64, shape: &[usize], dtype: DType) -> Array {
        self.next_key().uniform_as(lo, hi, shape, dtype)
    }

    /// f32 samples uniform on `[0, 1)`.
    pub fn rand(&self, shape: &[usize]) -> Array {
        self.next_key().rand(shape)
    }

    /// f32 samples uniform on `[0, 1)` (same as `rand`).
    pub fn random(&self, shape: &[usize]) -> Array {
        self.next_key().random(shape)
    }

    /// f32 samples uniform on `[0, 1)`: BrainPy's `sample`, an alias of
    /// `random` (one split of the key, then a uniform draw).
    ///
    /// ```
    /// use heron_core::random::RandomState;
    ///
    /// let (a, b) = (RandomState::new(7), RandomState::new(7));
    /// assert_eq!(a.sample(&[3]).to_vec::<f32>(), b.random(&[3]).to_vec::<f32>());
    /// assert_eq!(a.key(), b.key());
    /// ```
    pub fn sample(&self, shape: &[usize]) -> Array {
        self.random(shape)
    }

    /// f32 normal samples with the given mean and standard deviation.
    pub fn normal(&self, mean: f64, std: f64, shape: &[usize]) -> Array {
        self.next_key().normal(mean, std, shape)
    }

    /// Normal samples of a float `dtype`.
    pub fn normal_as(&self, mean: f64, std: f64, shape: &[usize], dtype: DType) -> Array {
        self.next_key().normal_as(mean, std, shape, dtype)
    }

    /// i32 samples uniform on `lo..hi`.
    pub fn randint(&self, lo: i64, hi: i64, shape: &[usize]) -> Array {
        self.next_key().randint(lo, hi, shape)
    }

    /// Integer samples uniform on `lo..hi` of `dtype` (I32 or U32).
    pub fn randint_as(&self, lo: i64, hi: i64, shape: &[usize], dtype: DType) -> Array {
        self.next_key().randint_as(lo, hi, shape, dtype)
    }

    /// Bool samples, true with probability `p`.
    pub fn bernoulli(&self, p: f64, shape: &[usize]) -> Array {
        self.next_key().bernoulli(p, shape)
    }

    /// A random permutation of `0..n` (i32).
    pub fn permutation(&self, n: usize) -> Array {
        self.next_key().permutation(n)
    }

    /// `a` with its rows (axis 0) in random order.
    pub fn shuffle(&self, a: impl Operand) -> Array {
        self.next_key().shuffle(a)
    }

    /// i32 indices into `0..n` of `shape`, with or without replacement,
    /// optionally weighted by probabilities `p`.
    pub fn choice(&self, n: usize, shape: &[usize], replace: bool, p: Option<&Array>) -> Array {
        self.next_key().choice(n, shape, replace, p)
    }

    /// Samples of `shape` taken from the rows of `a`.
    pub fn choice_from(
        &self,
        a: impl Operand,
        shape: &[usize],
        replace: bool,
        p: Option<&Array>,
    ) -> Array {
        self.next_key().choice_from(a, shape, replace, p)
    }

    /// f32 samples of the standard Gumbel distribution.
    pub fn gumbel(&self, shape: &[usize]) -> Array {
        self.next_key().gumbel(shape)
    }

    /// f32 standard normal samples truncated to `(lower, upper)`.
    pub fn truncated_normal(&self, lower: f64, upper: f64, shape: &[usize]) -> Array {
        self.next_key().truncated_normal(lower, upper, shape)
    }

    /// f32 samples of the standard exponential distribution.
    pub fn exponential(&self, shape: &[usize]) -> Array {
        self.next_key().exponential(shape)
    }
}

impl Deref for RandomState {
    type Target = Variable;
    fn deref(&self) -> &Variable {
        &self.var
    }
}

impl From<&RandomState> for Array {
    fn from(rng: &RandomState) -> Array {
        rng.var.value()
    }
}

/// Prints as BrainPy does: `RandomState([   0, 1234], dtype=u32)`.
impl fmt::Display for RandomState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.var, f)
    }
}

impl fmt::Debug for RandomState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "RandomState({}, key={:?})",
            self.var.id(),
            Key::from_array(self.var.value())
        )
    }
}
