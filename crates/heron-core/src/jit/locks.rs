//! Taking a call's Variables: the ones the code writes are locked for the
//! whole call; the ones it only reads are read under a momentary lock (a
//! snapshot of their shared buffer) and never held while compiled code runs.
//!
//! Why no call can deadlock, in three rules:
//! 1. Locks are taken in ascending Variable id (`Entry::lock_order`), so
//!    threads that block on locks cannot wait on each other in a circle.
//! 2. A rayon worker thread never blocks on a lock: it tries them all (all
//!    or nothing) and, when one is taken, lets go of what it got and runs
//!    other pool work (`rayon::yield_now`) before trying again. A blocked
//!    worker could be the very thread whose job, lower on its stack, holds
//!    the lock; a worker that yields holds no lock of this call.
//! 3. Compiled code run by a worker thread never waits for rayon tasks
//!    (`heron_codegen::may_fork`), so a worker holding locks picks up no
//!    unrelated job. A plain thread holding locks does wait for its tasks;
//!    the pool's workers run them, since by rule 2 they never block on its
//!    locks.
//!
//! A snapshot shares the Variable's buffer (an `Arc`), so a concurrent call
//! that writes that Variable sees the buffer shared and writes a fresh one
//! instead of updating it in place: the reader's values stay intact.

use super::cache::Entry;
use heron_ir::Value;
use parking_lot::MutexGuard;
use smallvec::SmallVec;
use std::ops::Deref;

/// One Variable of a call: locked (written by the code) or a snapshot of
/// its value (only read).
pub(crate) enum Held<'a> {
    /// Locked until the call returns; its new value is stored through it.
    Locked(MutexGuard<'a, Value>),
    /// The value when the call began; the lock was let go at once.
    Snapshot(Value),
}

impl Deref for Held<'_> {
    type Target = Value;
    fn deref(&self) -> &Value {
        match self {
            Held::Locked(guard) => guard,
            Held::Snapshot(value) => value,
        }
    }
}

/// A call's Variables, by slot (filled in place: the list is large, and
/// a call should not copy it around).
pub(crate) type HeldVars<'a> = SmallVec<[Held<'a>; 8]>;

/// Takes the Variables of `entry` into `held`, by slot, under the rules above.
pub(crate) fn acquire<'a>(entry: &'a Entry, held: &mut HeldVars<'a>) {
    if entry.vars.is_empty() {
        return;
    }
    if rayon::current_thread_index().is_none() {
        let taken = take_in_order(entry, |slot| Some(entry.vars[slot].lock()), held);
        assert!(taken, "blocking locks always succeed");
        return;
    }
    let mut idle_rounds = 0u32;
    loop {
        if take_in_order(entry, |slot| entry.vars[slot].try_lock(), held) {
            return;
        }
        // Some lock is taken: run other pool work (perhaps the holder's
        // tasks), or give the CPU away when there is none.
        match rayon::yield_now() {
            Some(rayon::Yield::Executed) => idle_rounds = 0,
            _ => {
                idle_rounds += 1;
                if idle_rounds < 64 {
                    std::thread::yield_now();
                } else {
                    std::thread::sleep(std::time::Duration::from_micros(50));
                }
            }
        }
    }
}

/// Takes every slot's lock in id order with `lock` into `held` (by slot);
/// read-only slots are snapshotted and let go at once. False (every lock
/// released, `held` empty) as soon as `lock` returns `None` for one.
fn take_in_order<'a>(
    entry: &'a Entry,
    lock: impl Fn(usize) -> Option<MutexGuard<'a, Value>>,
    held: &mut HeldVars<'a>,
) -> bool {
    // Taken in id order; kept by slot (most often the same order).
    held.clear();
    for &slot in &entry.lock_order {
        let Some(guard) = lock(slot) else {
            held.clear();
            return false;
        };
        held.push(if entry.written[slot] {
            Held::Locked(guard)
        } else {
            Held::Snapshot(guard.clone())
        });
    }
    if entry
        .lock_order
        .iter()
        .enumerate()
        .all(|(i, &slot)| i == slot)
    {
        return true;
    }
    let mut by_slot: SmallVec<[Option<Held<'a>>; 8]> = (0..held.len()).map(|_| None).collect();
    for (taken, &slot) in held.drain(..).zip(&entry.lock_order) {
        by_slot[slot] = Some(taken);
    }
    held.extend(by_slot.into_iter().map(|h| h.expect("every slot is taken")));
    true
}
