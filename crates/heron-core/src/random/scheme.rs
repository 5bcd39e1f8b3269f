//! The process-wide choice of Threefry counter scheme, as JAX's
//! `jax_threefry_partitionable` flag: the partitionable scheme (JAX's
//! default since 0.5, and heron's) or the older one (the default before,
//! and what BrainPy's documentation shows).
//!
//! The scheme is read when a draw is made or recorded: every `random_bits`
//! op carries it as a parameter, so code traced under one setting keeps it
//! (and its graph, hence its compile-cache keys, differ from the other
//! setting's); `jit` retraces a function when the setting has changed
//! since it was compiled.

use std::sync::atomic::{AtomicBool, Ordering};

static PARTITIONABLE: AtomicBool = AtomicBool::new(true);

/// Chooses the Threefry scheme of the whole process, as
/// `jax.config.update("jax_threefry_partitionable", on)`: `true` (the
/// default) for JAX's current scheme, `false` for the older one. Draws made
/// and code traced after the call use it, bit for bit as JAX does.
///
/// ```
/// use heron_core as hn;
/// use hn::random::RandomState;
///
/// hn::random::set_threefry_partitionable(false);
/// let rng = RandomState::new(1234);
/// rng.random(&[1]);
/// assert_eq!(rng.key(), [2113592192, 1902136347]); // as BrainPy's documentation shows
/// hn::random::set_threefry_partitionable(true);
/// ```
pub fn set_threefry_partitionable(on: bool) {
    PARTITIONABLE.store(on, Ordering::SeqCst);
}

/// The scheme in use: `true` for the partitionable one (the default).
pub fn threefry_partitionable() -> bool {
    PARTITIONABLE.load(Ordering::SeqCst)
}
