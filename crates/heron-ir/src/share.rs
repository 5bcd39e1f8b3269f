//! Sharing a run's pieces with helpers on rayon's pool without waiting for
//! them to start: the calling thread and the helpers claim pieces from one
//! counter, so when the other cores are busy the caller runs every piece
//! itself (as on one thread) instead of sleeping until a worker wakes, and
//! when they are free the work is split. Which thread runs a piece never
//! changes what the piece computes. The blocks of a large matrix product
//! (`eval/product.rs`) and the ranges of a temporally fused loop
//! (heron-codegen's `run/frame.rs`) run through it. A panic in a piece is
//! resumed on the caller once every claimed piece has finished, so no
//! thread still runs the caller's function when it unwinds.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

/// The claim and completion counters of one shared run.
struct Counters {
    /// The next piece to claim (claims past the last piece run nothing).
    next: AtomicUsize,
    /// Pieces finished.
    done: AtomicUsize,
    /// Signalled when a helper finishes the last piece, so a caller that
    /// waits for it sleeps (and leaves its core to the helper) instead of
    /// spinning.
    all_done: (Mutex<()>, Condvar),
    /// The first panic of a piece, resumed on the caller once every
    /// claimed piece has finished (no thread may still be using the
    /// caller's borrowed function when it unwinds).
    panic: Mutex<Option<Box<dyn std::any::Any + Send>>>,
}

impl Counters {
    /// Claims and runs pieces until none is left, catching a panic.
    fn run_claims(&self, pieces: usize, piece: &(dyn Fn(usize) + Sync)) {
        loop {
            let p = self.next.fetch_add(1, Ordering::AcqRel);
            if p >= pieces {
                break;
            }
            let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| piece(p)));
            if let Err(e) = run {
                self.panic
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get_or_insert(e);
            }
            self.finish(pieces);
        }
    }

    /// Records a finished piece, waking the caller after the last one.
    fn finish(&self, pieces: usize) {
        if self.done.fetch_add(1, Ordering::AcqRel) + 1 == pieces {
            let _guard = self.all_done.0.lock().unwrap_or_else(|e| e.into_inner());
            self.all_done.1.notify_all();
        }
    }
}

/// A pointer to the caller's piece function, sent to the helper.
#[derive(Clone, Copy)]
struct PieceFn(*const (dyn Fn(usize) + Sync));

// SAFETY: the function is `Sync`, and the helper calls it only while the
// caller is inside `share_pieces`, which outlives every call (see there).
unsafe impl Send for PieceFn {}

/// Runs `piece(p)` for every `p` in `0..pieces`, each exactly once, on this
/// thread and on up to one helper per other thread of rayon's pool, and
/// returns when all have finished. With one piece, or when the caller may not fork, every
/// piece runs here in order.
pub fn share_pieces(pieces: usize, may_fork: bool, piece: &(dyn Fn(usize) + Sync)) {
    if pieces <= 1 || !may_fork {
        (0..pieces).for_each(piece);
        return;
    }
    let counters = Arc::new(Counters {
        next: AtomicUsize::new(0),
        done: AtomicUsize::new(0),
        all_done: (Mutex::new(()), Condvar::new()),
        panic: Mutex::new(None),
    });
    // SAFETY (of the lifetime erased here): the helper calls the function
    // only for a piece it claimed below `pieces`, and this function returns
    // only once all `pieces` claimed pieces have finished, so every call
    // happens while `piece` is borrowed here. A helper that starts later
    // claims past the end and touches only the counters, which it co-owns.
    let f = PieceFn(unsafe {
        std::mem::transmute::<&(dyn Fn(usize) + Sync), &'static (dyn Fn(usize) + Sync)>(piece)
    } as *const _);
    let helpers = rayon::current_num_threads()
        .saturating_sub(1)
        .min(pieces - 1);
    for _ in 0..helpers {
        let helper = counters.clone();
        rayon::spawn(move || {
            let f = f;
            // SAFETY: the function is called only for pieces claimed below
            // `pieces`, while the caller still waits in `share_pieces`.
            helper.run_claims(pieces, unsafe { &*f.0 });
        });
    }
    counters.run_claims(pieces, piece);
    // Only pieces a helper is running are left: wait for them, briefly
    // spinning, then asleep until the last one signals.
    for _ in 0..1 << 10 {
        if counters.done.load(Ordering::Acquire) == pieces {
            break;
        }
        std::hint::spin_loop();
    }
    let mut guard = counters
        .all_done
        .0
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    while counters.done.load(Ordering::Acquire) < pieces {
        guard = counters
            .all_done
            .1
            .wait(guard)
            .unwrap_or_else(|e| e.into_inner());
    }
    drop(guard);
    let panic = counters
        .panic
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    if let Some(e) = panic {
        std::panic::resume_unwind(e);
    }
}

#[cfg(test)]
mod tests {
    use super::share_pieces;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn every_piece_runs_exactly_once() {
        for pieces in [0, 1, 2, 7, 64] {
            for fork in [false, true] {
                let hits: Vec<AtomicU32> = (0..pieces).map(|_| AtomicU32::new(0)).collect();
                share_pieces(pieces, fork, &|p| {
                    hits[p].fetch_add(1, Ordering::Relaxed);
                });
                assert!(hits.iter().all(|h| h.load(Ordering::Relaxed) == 1));
            }
        }
    }

    #[test]
    fn a_panicking_piece_is_resumed_after_every_piece_finished() {
        let hits: Vec<AtomicU32> = (0..16).map(|_| AtomicU32::new(0)).collect();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            share_pieces(16, true, &|p| {
                hits[p].fetch_add(1, Ordering::Relaxed);
                assert!(p != 5, "piece 5 fails");
            })
        }));
        assert!(caught.is_err(), "the piece's panic reaches the caller");
        assert!(hits.iter().all(|h| h.load(Ordering::Relaxed) == 1));
    }
}
