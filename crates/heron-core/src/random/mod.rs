//! Random numbers: Threefry-2x32, counter based and splittable, bit-compatible
//! with `jax.random` (`jax_threefry_partitionable=True` by default, the older
//! scheme after [`set_threefry_partitionable(false)`](set_threefry_partitionable)).
//!
//! - [`Key`]: an explicit key and pure samplers (`jax.random` style).
//! - [`RandomState`]: a key held in a Variable; every draw splits it first
//!   (BrainPy style), so it threads through `jit`.
//! - [`DEFAULT`] and the module functions (`uniform`, `normal`, ...) drawing from it.
//!
//! The samplers are array operations on the key (`Op::RandomBits` and
//! element-wise arithmetic), so they run eagerly on a concrete key and record
//! graph nodes on a traced one.

mod bits;
mod default;
pub mod erfinv;
mod key;
mod prim;
mod scheme;
mod state;
#[cfg(test)]
mod tests;

pub use default::{
    DEFAULT, bernoulli, bits, choice, choice_from, default_key, exponential, gumbel, normal,
    permutation, rand, randint, randn, random, seed, shuffle, split_key, split_keys,
    truncated_normal, uniform,
};
pub use key::Key;
pub use scheme::{set_threefry_partitionable, threefry_partitionable};
pub use state::RandomState;
