//! When compiled code may spread its work over rayon's pool.

/// True when a launch may split its work into parallel tasks: the pool has
/// two threads or more and the caller is not one of rayon's worker threads.
///
/// A worker that forks waits for its tasks by running other jobs of its
/// pool, possibly unrelated outer work (another call of a jitted function)
/// that needs a lock the waiting caller holds: a deadlock. So from a worker
/// thread the code runs on that thread alone; the outer parallel loop that
/// put it there already keeps the pool busy. Results do not depend on this
/// choice: chunk boundaries never change what a kernel computes.
pub fn may_fork() -> bool {
    rayon::current_thread_index().is_none() && rayon::current_num_threads() >= 2
}
