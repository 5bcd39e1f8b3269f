//! How a benchmark run is configured: the problem sizes and the number of
//! warm-up and timed repetitions.

use serde::Serialize;

/// Problem sizes: `Full` is the size `BENCHMARKS.md` defines, `Quick` a
/// smaller one for a fast look, `Tiny` only for checking results in tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Size {
    /// The defined sizes (N = 16,777,216 for W1, ...).
    Full,
    /// About a sixteenth of the work.
    Quick,
    /// A few hundred elements: for tests.
    Tiny,
}

impl Size {
    /// Picks one of three values by size.
    pub fn pick<T>(self, full: T, quick: T, tiny: T) -> T {
        match self {
            Size::Full => full,
            Size::Quick => quick,
            Size::Tiny => tiny,
        }
    }
}

/// Sizes and repetitions of a run.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Config {
    /// Problem sizes.
    pub size: Size,
    /// Timed repetitions per variant (the median of these is reported).
    pub reps: usize,
    /// Untimed runs before timing, after the checking run.
    pub warmup: usize,
}

impl Config {
    /// The full sizes with seven repetitions.
    pub fn full() -> Config {
        Config {
            size: Size::Full,
            reps: 7,
            warmup: 1,
        }
    }

    /// Reduced sizes with five repetitions.
    pub fn quick() -> Config {
        Config {
            size: Size::Quick,
            reps: 5,
            warmup: 1,
        }
    }

    /// Tiny sizes with one repetition: checks results, times nothing of interest.
    pub fn tiny() -> Config {
        Config {
            size: Size::Tiny,
            reps: 1,
            warmup: 0,
        }
    }
}
