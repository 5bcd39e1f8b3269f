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

/// Times `run` `reps` times after `warmup` untimed runs; `reset` runs before
/// every run, outside the timed region (it restores the state a stateful
/// workload starts from). What `run` returns is dropped outside the timed region.
pub fn time_runs<T>(
    warmup: usize,
    reps: usize,
    mut reset: impl FnMut(),
    mut run: impl FnMut() -> T,
) -> Timing {
    for _ in 0..warmup {
        reset();
        black_box(run());
    }
    let samples = (0..reps.max(1))
        .map(|_| {
            reset();
            let start = Instant::now();
            let out = black_box(run());
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
        let (mut resets, mut runs) = (0, 0);
        let counts = std::cell::Cell::new(0);
        let t = time_runs(
            2,
            5,
            || {
                resets += 1;
                counts.set(counts.get() + 1);
            },
            || {
                runs += 1;
                counts.get()
            },
        );
        assert_eq!((resets, runs, t.reps), (7, 7, 5));
    }
}
