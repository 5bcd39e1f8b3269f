//! A case (one workload, or one part of it such as `W4.softmax`) and the
//! routine that runs it: check every variant against the reference, then time
//! them all and report medians and ratios to the reference's median.

use crate::check::{Check, Mismatch, Tol, compare, compare_moments};
use crate::config::Config;
use crate::report::{CaseReport, Row};
use crate::timing::{Timing, clock_overhead, time_calls, time_runs};
use crate::variant::{Kind, Variant};

/// Why a case could not be reported.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A variant's result differs from the reference's.
    #[error("{case}: variant `{variant}` computes a wrong result: {mismatch}")]
    WrongResult {
        /// The case id.
        case: String,
        /// The variant's name.
        variant: String,
        /// What differs.
        mismatch: Mismatch,
    },
    /// A variant panicked (heron reports errors by panicking).
    #[error("{case}: variant `{variant}` failed: {message}")]
    Failed {
        /// The case id.
        case: String,
        /// The variant's name.
        variant: String,
        /// The panic message.
        message: String,
    },
}

/// How a case is timed.
#[derive(Clone, Copy, Debug)]
pub enum Mode {
    /// Whole runs: warm-up, `reps` repetitions (from the config).
    Runs,
    /// Single calls timed one by one, this many (W7).
    Calls(usize),
}

/// A time that is derived rather than measured (a bandwidth bound).
pub struct Bound {
    /// The row's name.
    pub name: String,
    /// The time in seconds.
    pub seconds: f64,
    /// How it was obtained.
    pub note: String,
}

/// One case: its variants (the first is the reference) and how to check them.
pub struct Case<'a> {
    /// Case id (`W1`, `W4.softmax`).
    pub id: String,
    /// What it computes.
    pub title: String,
    /// The problem size, in words.
    pub size: String,
    /// Name and tolerance of each output, in order.
    pub outputs: Vec<(&'static str, Tol)>,
    /// The variants; the first is the reference.
    pub variants: Vec<Variant<'a>>,
    /// Derived rows added after the measured ones.
    pub bounds: Vec<Bound>,
    /// Rows computed as the difference of two variants' medians and minima.
    pub differences: Vec<Difference>,
    /// Remarks for the report.
    pub notes: Vec<String>,
    /// How to time.
    pub mode: Mode,
}

/// A derived row: variant `minuend`'s time less variant `subtrahend`'s
/// (compile time = first call − cached call).
pub struct Difference {
    /// The row's name.
    pub name: String,
    /// Index of the variant whose time is reduced.
    pub minuend: usize,
    /// Index of the variant whose time is taken off.
    pub subtrahend: usize,
}

impl<'a> Case<'a> {
    /// A case timed in whole runs, with no variants yet.
    pub fn new(
        id: impl Into<String>,
        title: impl Into<String>,
        size: impl Into<String>,
    ) -> Case<'a> {
        Case {
            id: id.into(),
            title: title.into(),
            size: size.into(),
            outputs: Vec::new(),
            variants: Vec::new(),
            bounds: Vec::new(),
            differences: Vec::new(),
            notes: Vec::new(),
            mode: Mode::Runs,
        }
    }

    /// Declares the outputs (name and tolerance, in order).
    pub fn outputs(mut self, outputs: &[(&'static str, Tol)]) -> Case<'a> {
        self.outputs = outputs.to_vec();
        self
    }

    /// Adds a variant (the first added is the reference).
    pub fn variant(mut self, v: Variant<'a>) -> Case<'a> {
        self.variants.push(v);
        self
    }

    /// Adds a note.
    pub fn note(mut self, note: impl Into<String>) -> Case<'a> {
        self.notes.push(note.into());
        self
    }

    /// Checks every variant against the first: runs each once from its
    /// reset state and compares outputs (element-wise, or by their moments
    /// for a variant drawing other random numbers).
    pub fn check(&mut self) -> Result<(), Error> {
        let names: Vec<&str> = self.outputs.iter().map(|(n, _)| *n).collect();
        let tols: Vec<Tol> = self.outputs.iter().map(|(_, t)| *t).collect();
        let mut want = None;
        for v in &mut self.variants {
            let got = guarded(&self.id, &v.name, || {
                v.runner.reset();
                v.runner.run();
                v.runner.output().values()
            })?;
            v.runner.reset();
            match &want {
                None => want = Some(got),
                Some(want) => {
                    let checked = match v.check {
                        Check::Elements => compare(&names, &tols, want, &got),
                        Check::Moments { sigmas } => compare_moments(&names, sigmas, want, &got),
                    };
                    checked.map_err(|mismatch| Error::WrongResult {
                        case: self.id.clone(),
                        variant: v.name.clone(),
                        mismatch,
                    })?
                }
            }
        }
        Ok(())
    }

    /// Checks, then times every variant; `progress` is told each variant
    /// before it is timed.
    pub fn run(
        mut self,
        cfg: &Config,
        progress: &mut dyn FnMut(&str),
    ) -> Result<CaseReport, Error> {
        progress(&format!("{}: checking", self.id));
        self.check()?;
        let overhead = match self.mode {
            Mode::Calls(_) => Some(clock_overhead()),
            Mode::Runs => None,
        };
        let mut rows = Vec::new();
        for v in &mut self.variants {
            progress(&format!("{}: {}", self.id, v.name));
            let runner = &mut v.runner;
            let timing = guarded(&self.id, &v.name, || match (self.mode, overhead) {
                (Mode::Calls(n), Some(overhead)) => {
                    runner.reset();
                    time_calls(n, overhead, || runner.run())
                }
                _ => time_runs(cfg.warmup, cfg.reps, runner, |r| r.reset(), |r| r.run()),
            })?;
            runner.reset();
            let note = overhead.map(|o| {
                format!(
                    "per call, median of {} calls, clock overhead {} ns taken off",
                    timing.reps,
                    o.as_nanos()
                )
            });
            rows.push(Row {
                variant: v.name.clone(),
                kind: v.kind,
                timing,
                ratio: f64::NAN,
                note,
            });
        }
        for d in &self.differences {
            let (a, b) = (&rows[d.minuend].timing, &rows[d.subtrahend].timing);
            let timing = Timing {
                median_s: a.median_s - b.median_s,
                min_s: a.min_s - b.min_s,
                reps: 0,
            };
            let note = format!(
                "{} − {}",
                rows[d.minuend].variant, rows[d.subtrahend].variant
            );
            rows.push(Row {
                variant: d.name.clone(),
                kind: Kind::Derived,
                timing,
                ratio: f64::NAN,
                note: Some(note),
            });
        }
        for b in self.bounds {
            rows.push(Row {
                variant: b.name,
                kind: Kind::Bound,
                timing: Timing::derived(b.seconds),
                ratio: f64::NAN,
                note: Some(b.note),
            });
        }
        let mut report = CaseReport {
            id: self.id,
            title: self.title,
            size: self.size,
            reference: rows.first().map(|r| r.variant.clone()).unwrap_or_default(),
            rows,
            notes: self.notes,
        };
        report.set_ratios();
        Ok(report)
    }
}

/// Runs `f`, turning a panic into an `Error::Failed` naming the case and variant.
pub fn guarded<T>(case: &str, variant: &str, f: impl FnOnce() -> T) -> Result<T, Error> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|payload| {
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "panic".into());
        Error::Failed {
            case: case.into(),
            variant: variant.into(),
            message,
        }
    })
}
