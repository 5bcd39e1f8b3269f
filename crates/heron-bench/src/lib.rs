//! heron's benchmark workloads (W1–W8 of `BENCHMARKS.md`): inputs with fixed
//! seeds, the heron (jit and eager) versions, the references they are
//! measured against (hand-written loops on one thread and on rayon, the
//! `ndarray` crate, the `rand` crate for W5, the memory-bandwidth bound, and
//! for W2, W3 and softmax the SIMD ceilings of `ceiling`), result checks and
//! the timing routine. The `heron bench` command and the
//! criterion benches both run these.
//!
//! Every case checks each variant's result against the reference (the
//! single-threaded hand-written loop) before timing anything, then reports
//! the median and minimum of the timed repetitions and the ratio of each
//! median to the reference's median measured in the same run.

pub mod case;
pub mod ceiling;
pub mod check;
pub mod config;
pub mod inputs;
pub mod models;
pub mod polyexp;
pub mod report;
pub mod stream;
pub mod timing;
pub mod variant;
pub mod workloads;

pub use case::{Case, Error};
pub use config::{Config, Size};
pub use report::{Bandwidth, CaseReport, Row};
pub use variant::{Kind, Variant};
pub use workloads::{ALL, Workload, find};

use serde::Serialize;

/// Everything one run measured.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Sizes and repetitions.
    pub config: Config,
    /// The triad bandwidth measured first.
    pub bandwidth: Bandwidth,
    /// Every case run, in order.
    pub cases: Vec<CaseReport>,
    /// Remarks on the whole run.
    pub notes: Vec<String>,
}

/// Measures the bandwidth, then runs `workloads` in order.
pub fn run(
    workloads: &[&Workload],
    cfg: &Config,
    progress: &mut dyn FnMut(&str),
) -> Result<Report, Error> {
    progress("triad bandwidth");
    let bandwidth = stream::measure(cfg);
    let mut cases = Vec::new();
    for w in workloads {
        cases.extend(w.run(cfg, &bandwidth, progress)?);
    }
    Ok(Report::new(*cfg, bandwidth, cases))
}

impl Report {
    /// The report of cases run with `config` after measuring `bandwidth`.
    pub fn new(config: Config, bandwidth: Bandwidth, cases: Vec<CaseReport>) -> Report {
        Report {
            config,
            bandwidth,
            cases,
            notes: vec![format!(
                "rayon pool (used by the rayon variants and by heron): {} threads",
                rayon::current_num_threads()
            )],
        }
    }
}
