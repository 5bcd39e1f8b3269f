//! Where a jitted function's time goes: [`record`] runs a closure with
//! step timing on and returns, for every step of every compiled plan that
//! ran on this thread (each fused kernel, matrix product, row group, step
//! region and control step), how often it ran and how long it took.
//!
//! ```
//! use heron_core as heron;
//! use heron_core::{Array, DType};
//! let f = heron::jit(|x: Array| (x.matmul(&x) + 1.0).tanh().sum());
//! let x = heron::ones(&[64, 64], DType::F32);
//! f.call(&x); // compile outside the recording
//! let (_, profile) = heron::profile::record(|| {
//!     for _ in 0..10 {
//!         f.call(&x);
//!     }
//! });
//! assert!(profile.steps().iter().any(|s| s.step.contains("matmul") && s.calls == 10));
//! println!("{profile}");
//! ```
//!
//! The functions run for real (their Variables are updated as by any
//! call). Times are wall-clock on the calling thread, so a step's parallel
//! work counts once. A loop body's steps count inside its control step.
//! A step is timed from just before to just after it, so the table adds
//! a little to each step and the steps sum to a little less than the
//! calls (argument checks, Variable locks and result allocation are
//! outside every step). Eager operations and the interpreter backend are
//! not timed.

use std::fmt;
use std::time::Duration;

/// Every step timed by one [`record`], summed over the calls.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Profile {
    steps: Vec<StepProfile>,
}

/// One step of a compiled plan, over the calls of one [`record`].
#[derive(Clone, Debug, PartialEq)]
pub struct StepProfile {
    /// The jitted function (its `jit_named` name, or the closure's type).
    pub function: String,
    /// The step as the plan print names it, with its shape:
    /// `k3 reduce_max [128, 10]`, `h0 matmul [128, 256]`, `rows k2..k6
    /// [128]`, `region k0..k3`, `control loop [1000]`.
    pub step: String,
    /// Its position in the function's plan.
    pub index: usize,
    /// How many times it ran.
    pub calls: usize,
    /// Its time over all of them.
    pub total: Duration,
}

impl StepProfile {
    /// The mean time of one run of the step.
    pub fn mean(&self) -> Duration {
        self.total / self.calls.max(1) as u32
    }
}

impl Profile {
    /// The steps, in the order each first ran.
    pub fn steps(&self) -> &[StepProfile] {
        &self.steps
    }

    /// The time of every step together.
    pub fn total(&self) -> Duration {
        self.steps.iter().map(|s| s.total).sum()
    }
}

/// Runs `f` with the steps of every compiled call on this thread timed,
/// and returns its result with the [`Profile`]. A `record` inside another
/// one collects its own steps only.
pub fn record<T>(f: impl FnOnce() -> T) -> (T, Profile) {
    let (out, times) = heron_codegen::profile::record(f);
    let mut steps: Vec<StepProfile> = Vec::new();
    for t in times {
        let same = |s: &&mut StepProfile| {
            s.function == t.function && s.index == t.index && s.step == t.step
        };
        match steps.iter_mut().find(same) {
            Some(s) => {
                s.calls += 1;
                s.total += t.time;
            }
            None => steps.push(StepProfile {
                function: t.function,
                step: t.step,
                index: t.index,
                calls: 1,
                total: t.time,
            }),
        }
    }
    (out, Profile { steps })
}

/// Runs a jitted function's call, attributing its steps to `name` when a
/// [`record`] is on.
pub(crate) fn in_function<T>(name: &str, f: impl FnOnce() -> T) -> T {
    if heron_codegen::profile::is_recording() {
        heron_codegen::profile::in_function(name, f)
    } else {
        f()
    }
}

impl fmt::Display for Profile {
    /// A table: one line per step with its calls, mean, total and share of
    /// the whole, functions in the order they first ran.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.total().as_secs_f64().max(f64::MIN_POSITIVE);
        let width = self
            .steps
            .iter()
            .map(|s| s.step.len())
            .max()
            .unwrap_or(4)
            .max(4);
        let mut function: Option<&str> = None;
        for s in &self.steps {
            if function != Some(s.function.as_str()) {
                writeln!(
                    f,
                    "{}",
                    if s.function.is_empty() {
                        "(no function)"
                    } else {
                        &s.function
                    }
                )?;
                writeln!(
                    f,
                    "  {:<width$}  {:>7}  {:>11}  {:>11}  {:>6}",
                    "step", "calls", "mean", "total", "share"
                )?;
                function = Some(&s.function);
            }
            writeln!(
                f,
                "  {:<width$}  {:>7}  {:>11}  {:>11}  {:>5.1}%",
                s.step,
                s.calls,
                format!("{:.1?}", s.mean()),
                format!("{:.2?}", s.total),
                100.0 * s.total.as_secs_f64() / total
            )?;
        }
        write!(f, "all steps: {:.2?}", self.total())
    }
}
