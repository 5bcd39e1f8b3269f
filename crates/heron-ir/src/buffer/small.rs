//! Small buffer blocks recycled per thread.
//!
//! A block of 64-byte aligned lines comes from `posix_memalign`, which in
//! glibc costs several hundred instructions (it over-allocates and splits
//! the chunk), as does the matching free. A loop of calls on small arrays
//! (a cached jitted call on 8 elements, an eager op on a scalar) allocates
//! and drops one such block per result, so each thread keeps a few freed
//! blocks of each small size and hands them out again: a pop and a push on
//! a thread-local list instead of the allocator.
//!
//! Bounded: at most `PER_SIZE` blocks of each size up to `MAX_LINES` lines,
//! so a thread holds at most `PER_SIZE * MAX_LINES * (MAX_LINES + 1) / 2`
//! lines (68 KiB). A block dropped on another thread than the one that
//! allocated it simply joins that thread's lists. The lists are freed when
//! the thread exits; a buffer dropped after that (by another thread-local's
//! destructor) goes back to the allocator.

use super::Line;
use std::cell::RefCell;

/// Blocks of up to this many lines (1 KiB) are recycled.
pub const MAX_LINES: usize = 16;

/// At most this many free blocks are kept per size.
const PER_SIZE: usize = 8;

thread_local! {
    /// Free blocks by length in lines (`FREE[n - 1]` holds blocks of `n`).
    static FREE: RefCell<[Vec<Vec<Line>>; MAX_LINES]> =
        const { RefCell::new([const { Vec::new() }; MAX_LINES]) };
}

/// A recycled block of exactly `lines` lines (stale but initialised
/// bytes), if this thread holds one.
#[inline]
pub fn take(lines: usize) -> Option<Vec<Line>> {
    if lines == 0 || lines > MAX_LINES {
        return None;
    }
    FREE.try_with(|free| free.try_borrow_mut().ok()?[lines - 1].pop())
        .ok()
        .flatten()
}

/// Keeps `block` for a later `take` of its length; frees it when it is not
/// small or the thread's list for its length is full.
#[inline]
pub fn give(block: Vec<Line>) {
    let lines = block.len();
    if lines == 0 || lines > MAX_LINES || block.capacity() != lines {
        return;
    }
    // When the thread's lists are gone or busy, `block` drops here: freed.
    let _ = FREE.try_with(move |free| {
        if let Ok(mut free) = free.try_borrow_mut() {
            let list = &mut free[lines - 1];
            if list.len() < PER_SIZE {
                list.push(block);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_reused_by_length_and_bounded() {
        let block = vec![Line([7; 64]); 3];
        let addr = block.as_ptr();
        give(block);
        assert!(take(2).is_none());
        let again = take(3).expect("the block given back");
        assert_eq!((again.as_ptr(), again.len()), (addr, 3));
        for _ in 0..PER_SIZE + 3 {
            give(vec![Line([0; 64]); 5]);
        }
        let mut kept = 0;
        while take(5).is_some() {
            kept += 1;
        }
        assert_eq!(kept, PER_SIZE);
        give(vec![Line([0; 64]); MAX_LINES + 1]);
        assert!(take(MAX_LINES + 1).is_none());
    }
}
