//! The timing routine: warm-up runs, then at least five timed repetitions,
//! summarised by their median and minimum; and the per-call timing of very
//! short calls (W7), where the cost of reading the clock is measured and
//! taken off.

use serde::Serialize;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// The summary of a set of timed repetitions, in seconds.
#[derive(Clone, Debug, Serialize)]
pub struct Timing {
    /// The median repetition.
    pub median_s: f64,
    /// The fastest repetition.
    pub min_s: f64,
    /// How many repetitions were timed.
    pub reps: usize,
}

impl Timing {
    /// Summarises a non-empty list of durations in seconds.
    pub fn from_samples(mut samples: Vec<f64>) -> Timing {
        assert!(!samples.is_empty(), "Timing: no samples");
        samples.sort_by(f64::total_cmp);
        let n = samples.len();
        let median_s = if n % 2 == 1 {
            samples[n / 2]
        } else {
            (samples[n / 2 - 1] + samples[n / 2]) / 2.0
        };
        Timing {
            median_s,
            min_s: samples[0],
            reps: n,
        }
    }

    /// A single value that was derived, not measured (a bandwidth bound).
    pub fn derived(seconds: f64) -> Timing {
        Timing {
            median_s: seconds,
            min_s: seconds,
            reps: 0,
        }
    }
}

/// Times `run` on `state` `reps` times after `warmup` untimed runs; `reset`
/// runs before every run, outside the timed region (it restores the state a
/// stateful workload starts from). What `run` returns is dropped outside the
/// timed region.
pub fn time_runs<S: ?Sized, T>(
    warmup: usize,
    reps: usize,
    state: &mut S,
    mut reset: impl FnMut(&mut S),
    mut run: impl FnMut(&mut S) -> T,
) -> Timing {
    for _ in 0..warmup {
        reset(state);
        black_box(run(state));
    }
    let samples = (0..reps.max(1))
        .map(|_| {
            reset(state);
            let start = Instant::now();
            let out = black_box(run(state));
            let elapsed = start.elapsed();
            drop(out);
            elapsed.as_secs_f64()
        })
        .collect();
    Timing::from_samples(samples)
}

/// The median cost of reading the clock twice around nothing.
pub fn clock_overhead() -> Duration {
    let samples: Vec<f64> = (0..10_000)
        .map(|_| {
            let start = Instant::now();
            black_box(());
            start.elapsed().as_secs_f64()
        })
        .collect();
    Duration::from_secs_f64(Timing::from_samples(samples).median_s)
}

/// Times `calls` single calls of `run` one by one (after `calls / 10`
/// warm-up calls) and summarises them, less the clock's own overhead
/// `overhead` (never below zero).
pub fn time_calls<T>(calls: usize, overhead: Duration, mut run: impl FnMut() -> T) -> Timing {
    for _ in 0..calls / 10 {
        black_box(run());
    }
    let overhead = overhead.as_secs_f64();
    let samples = (0..calls.max(1))
        .map(|_| {
            let start = Instant::now();
            let out = black_box(run());
            let elapsed = start.elapsed();
            drop(out);
            (elapsed.as_secs_f64() - overhead).max(0.0)
        })
        .collect();
    Timing::from_samples(samples)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_min_of_odd_and_even_counts() {
        let t = Timing::from_samples(vec![3.0, 1.0, 2.0]);
        assert_eq!((t.median_s, t.min_s, t.reps), (2.0, 1.0, 3));
        let t = Timing::from_samples(vec![4.0, 1.0, 3.0, 2.0]);
        assert_eq!((t.median_s, t.min_s, t.reps), (2.5, 1.0, 4));
    }

    #[test]
    fn reset_runs_before_every_run() {
        // (resets, runs, runs that did not follow a reset)
        let mut counts = (0, 0, 0);
        let fresh = std::cell::Cell::new(false);
        let t = time_runs(
            2,
            5,
            &mut counts,
            |c| {
                c.0 += 1;
                fresh.set(true);
            },
            |c| {
                c.1 += 1;
                if !fresh.replace(false) {
                    c.2 += 1;
                }
            },
        );
        assert_eq!((counts, t.reps), ((7, 7, 0), 5));
    }
}
