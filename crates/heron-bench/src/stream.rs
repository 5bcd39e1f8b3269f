//! The memory-bandwidth yardstick: a STREAM-style triad `a = b + s·c` on f64
//! arrays much larger than the caches, on one thread and on two. Bandwidth
//! is counted as STREAM counts it: three arrays of 8-byte words per triad.
//! Element-wise workloads are bounded by `bytes moved ÷ bandwidth`.

use crate::config::{Config, Size};
use crate::report::Bandwidth;
use crate::timing::{Timing, time_runs};
use rayon::prelude::*;

/// The triad's scalar.
const SCALE: f64 = 3.0;

/// Elements per rayon task in the two-thread triad.
const CHUNK: usize = 1 << 16;

/// Elements per array: 2^25 doubles (256 MiB) in full and quick runs.
pub fn triad_len(size: Size) -> usize {
    size.pick(1 << 25, 1 << 25, 1 << 12)
}

/// `a[i] = b[i] + s * c[i]` on one thread.
pub fn triad(a: &mut [f64], b: &[f64], c: &[f64]) {
    for ((a, &b), &c) in a.iter_mut().zip(b).zip(c) {
        *a = b + SCALE * c;
    }
}

/// The triad split into chunks on the current rayon pool.
pub fn triad_par(a: &mut [f64], b: &[f64], c: &[f64]) {
    a.par_chunks_mut(CHUNK)
        .zip(b.par_chunks(CHUNK))
        .zip(c.par_chunks(CHUNK))
        .for_each(|((a, b), c)| triad(a, b, c));
}

/// Measures the triad on one and on two threads: the best of the timed
/// repetitions (STREAM reports the best rate), after checking the result.
pub fn measure(cfg: &Config) -> Bandwidth {
    let n = triad_len(cfg.size);
    let b: Vec<f64> = (0..n).map(|i| (i % 1024) as f64).collect();
    let c: Vec<f64> = (0..n).map(|i| (i % 7) as f64 * 0.5).collect();
    let mut a = vec![0.0f64; n];
    let bytes = 3 * 8 * n;
    let reps = cfg.reps.max(5);
    let one = time_runs(1, reps, &mut a, |_| {}, |a| triad(a, &b, &c));
    check(&a, &b, &c);
    a.fill(0.0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("triad: a two-thread pool");
    let two = pool.install(|| time_runs(1, reps, &mut a, |_| {}, |a| triad_par(a, &b, &c)));
    check(&a, &b, &c);
    let rate = |t: &Timing| bytes as f64 / t.min_s;
    Bandwidth {
        one_thread: rate(&one),
        two_threads: rate(&two),
        bytes,
    }
}

fn check(a: &[f64], b: &[f64], c: &[f64]) {
    let bad = (0..a.len()).find(|&i| a[i] != b[i] + SCALE * c[i]);
    if let Some(i) = bad {
        panic!(
            "triad: a[{i}] = {} is not b + s·c = {}",
            a[i],
            b[i] + SCALE * c[i]
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiny_triad_measures_a_positive_bandwidth() {
        let bw = measure(&Config::tiny());
        assert!(bw.one_thread > 0.0 && bw.two_threads > 0.0);
        assert_eq!(bw.bytes, 3 * 8 * triad_len(Size::Tiny));
    }
}
