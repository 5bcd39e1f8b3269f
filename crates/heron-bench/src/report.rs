//! What a run reports: per case (a workload or one part of it) the rows of
//! medians, minima and ratios to the case's reference, and the notes that
//! explain them. Serialised for `heron bench --json`.

use crate::timing::Timing;
use crate::variant::Kind;
use serde::Serialize;

/// One row: a variant's timing and its ratio to the reference's median.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    /// The variant's name.
    pub variant: String,
    /// Its kind.
    pub kind: Kind,
    /// Median, minimum and number of repetitions (0 for derived rows).
    #[serde(flatten)]
    pub timing: Timing,
    /// `median / reference median` (below 1 is faster than the reference).
    pub ratio: f64,
    /// A remark on how the row was obtained.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The report of one case: `W1`, `W4.softmax`, `W6.W3`, ...
#[derive(Clone, Debug, Serialize)]
pub struct CaseReport {
    /// The case id (`W4.sum0`).
    pub id: String,
    /// What the case computes.
    pub title: String,
    /// The problem size, in words.
    pub size: String,
    /// The reference variant's name (the first row).
    pub reference: String,
    /// The rows, reference first.
    pub rows: Vec<Row>,
    /// Remarks (forms left out, tolerances used, ...).
    pub notes: Vec<String>,
}

impl CaseReport {
    /// The row of the named variant.
    pub fn row(&self, variant: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.variant == variant)
    }

    /// Recomputes every ratio against the first row.
    pub fn set_ratios(&mut self) {
        let reference = self.rows.first().map_or(f64::NAN, |r| r.timing.median_s);
        for row in &mut self.rows {
            row.ratio = row.timing.median_s / reference;
        }
    }
}

/// The STREAM-style triad bandwidth measured in the run.
#[derive(Clone, Debug, Serialize)]
pub struct Bandwidth {
    /// Bytes per second on one thread.
    pub one_thread: f64,
    /// Bytes per second on two threads.
    pub two_threads: f64,
    /// Bytes moved per triad (three arrays).
    pub bytes: usize,
}
