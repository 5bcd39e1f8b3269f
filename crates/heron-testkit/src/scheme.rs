//! The Threefry-scheme guard. The scheme (`set_threefry_partitionable`) is
//! process-wide: a jitted function traced while another test has switched it
//! would see the other scheme. Every test that switches it, or draws from
//! `DEFAULT`, holds the guard while it runs; the guard restores the default
//! (partitionable) scheme when dropped, even when the test fails.

use heron::random::set_threefry_partitionable;
use std::sync::{Mutex, MutexGuard};

/// Serialises the tests of one test binary that change the scheme.
static SCHEME: Mutex<()> = Mutex::new(());

/// Holds the scheme lock with a scheme set; restores the default on drop.
pub struct Scheme(#[allow(dead_code)] MutexGuard<'static, ()>);

/// Takes the scheme lock (a test that panicked while holding it does not
/// poison it for the others) and sets the partitionable scheme or the older one.
pub fn scheme(partitionable: bool) -> Scheme {
    let guard = SCHEME.lock().unwrap_or_else(|e| e.into_inner());
    set_threefry_partitionable(partitionable);
    Scheme(guard)
}

impl Drop for Scheme {
    fn drop(&mut self) {
        set_threefry_partitionable(true);
    }
}
