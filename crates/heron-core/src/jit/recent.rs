//! The entries this thread found last, one per jitted function for a few
//! functions: the first place a call looks, before the function's cache.
//!
//! A loop calling one jitted function with arguments of one signature —
//! the common case — then finds its entry by comparing the signature with
//! the entry's own, without hashing it, without taking the cache's lock and
//! without touching memory other threads write. What stays on every call:
//! the comparison itself (argument types, compile options, Threefry scheme:
//! `Entry::matches`), the hit counted in the function's `CacheStats`, and
//! the entry marked used for the cache's least-recently-used order.
//!
//! A thread only holds weak references: an entry the cache dropped is
//! marked `evicted` and no longer offered here, and its code and Variables
//! are freed as soon as no call runs it, whatever the threads remember.

use super::cache::{Cache, Entry};
use heron_ir::{CompileOptions, DType};
use std::cell::{Cell, RefCell};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};

/// Functions remembered per thread (a step loop calls a few in turn).
const SLOTS: usize = 4;

thread_local! {
    /// `(cache id, entry)` pairs; id 0 is an empty slot.
    static RECENT: RefCell<[(u64, Weak<Entry>); SLOTS]> =
        const { RefCell::new([const { (0, Weak::new()) }; SLOTS]) };
    /// The slot the next new function takes (round robin).
    static NEXT: Cell<usize> = const { Cell::new(0) };
}

/// The entry this thread last found in `cache`, if it is still cached and
/// matches argument types `types` and `options`; counts the hit.
#[inline]
pub(crate) fn find<'a, I>(
    cache: &Cache,
    types: impl Fn() -> I,
    options: &CompileOptions,
) -> Option<Arc<Entry>>
where
    I: ExactSizeIterator<Item = (&'a [usize], DType)>,
{
    let entry = RECENT
        .try_with(|recent| {
            let recent = recent.try_borrow().ok()?;
            let (_, weak) = recent.iter().find(|(id, _)| *id == cache.id)?;
            weak.upgrade()
        })
        .ok()
        .flatten()?;
    if entry.evicted.load(Ordering::Relaxed) || !entry.matches(types(), options) {
        return None;
    }
    cache.hit(&entry);
    Some(entry)
}

/// Remembers `entry` as the one this thread last found in `cache`.
pub(crate) fn remember(cache: &Cache, entry: &Arc<Entry>) {
    let _ = RECENT.try_with(|recent| {
        let Ok(mut recent) = recent.try_borrow_mut() else {
            return;
        };
        let slot = match recent.iter().position(|(id, _)| *id == cache.id) {
            Some(slot) => slot,
            None => NEXT.with(|next| {
                let slot = next.get();
                next.set((slot + 1) % SLOTS);
                slot
            }),
        };
        recent[slot] = (cache.id, Arc::downgrade(entry));
    });
}
