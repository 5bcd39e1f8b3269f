//! Step timings for `heron::profile`: while a thread records (`record`),
//! each run of a compiled plan on that thread times its steps and appends
//! them to the thread's recording. Only the outermost plan of a call is
//! timed: the plans of loop bodies that a control step runs count inside
//! that step. While no thread records, a run pays one atomic load.

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long one step of a compiled plan took in one run.
#[derive(Clone, Debug, PartialEq)]
pub struct StepTime {
    /// The function whose plan it is (as named by `in_function`; empty
    /// when the plan ran outside one).
    pub function: String,
    /// The step: `k3 reduce_max [128, 10]`, `h0 matmul [128, 256]`,
    /// `rows k2..k6 [128]`, `control loop [..]`, ….
    pub step: String,
    /// Its index in the plan (a row group or region: its first step).
    pub index: usize,
    /// Wall-clock time on the calling thread (parallel work included).
    pub time: Duration,
}

/// A thread's recording.
#[derive(Default)]
struct Recorder {
    /// True inside `record`.
    on: bool,
    /// Plans running on this thread (nested ones are loop bodies).
    depth: usize,
    /// The function being called.
    function: String,
    /// What was timed so far.
    times: Vec<StepTime>,
}

thread_local! {
    static RECORDER: RefCell<Recorder> = RefCell::default();
}

/// How many `record`s are running on any thread: while none is, a run
/// reads this one atomic and not the thread-local recorder.
static RECORDINGS: AtomicUsize = AtomicUsize::new(0);

/// Runs `f` with step timing on for this thread and returns its result
/// with the steps timed, in the order they ran. A `record` inside another
/// collects its own steps; the outer one does not see them.
pub fn record<T>(f: impl FnOnce() -> T) -> (T, Vec<StepTime>) {
    /// Puts the enclosing recording back, also when `f` panics.
    struct Restore(Option<Recorder>);
    impl Drop for Restore {
        fn drop(&mut self) {
            if let Some(outer) = self.0.take() {
                RECORDER.with(|r| *r.borrow_mut() = outer);
            }
        }
    }
    /// Counts this recording in `RECORDINGS` while it runs.
    struct Counted;
    impl Drop for Counted {
        fn drop(&mut self) {
            RECORDINGS.fetch_sub(1, Ordering::Relaxed);
        }
    }
    RECORDINGS.fetch_add(1, Ordering::Relaxed);
    let _counted = Counted;
    let fresh = Recorder {
        on: true,
        ..Recorder::default()
    };
    let mut outer = Restore(Some(RECORDER.with(|r| r.replace(fresh))));
    let out = f();
    let outer = outer.0.take().expect("restored only here or on unwind");
    let mine = RECORDER.with(|r| r.replace(outer));
    (out, mine.times)
}

/// True while this thread records.
pub fn is_recording() -> bool {
    RECORDINGS.load(Ordering::Relaxed) > 0 && RECORDER.with(|r| r.try_borrow().is_ok_and(|r| r.on))
}

/// Runs `f` with the steps it times attributed to the function `name`.
pub fn in_function<T>(name: &str, f: impl FnOnce() -> T) -> T {
    /// Puts the enclosing function's name back, also on unwind.
    struct Restore(String);
    impl Drop for Restore {
        fn drop(&mut self) {
            let name = std::mem::take(&mut self.0);
            RECORDER.with(|r| r.borrow_mut().function = name);
        }
    }
    let outer = RECORDER.with(|r| std::mem::replace(&mut r.borrow_mut().function, name.into()));
    let _restore = Restore(outer);
    f()
}

/// A plan's run while this thread records: times its steps when it is the
/// outermost plan.
pub(crate) struct PlanRun {
    outermost: bool,
}

/// Starts a plan's run: `None` when this thread does not record.
pub(crate) fn enter() -> Option<PlanRun> {
    if RECORDINGS.load(Ordering::Relaxed) == 0 {
        return None;
    }
    RECORDER.with(|r| {
        let mut r = r.try_borrow_mut().ok()?;
        if !r.on {
            return None;
        }
        r.depth += 1;
        Some(PlanRun {
            outermost: r.depth == 1,
        })
    })
}

impl PlanRun {
    /// Records that step `index` (labelled by `label`) took since `start`.
    pub(crate) fn step(&self, index: usize, label: impl FnOnce() -> String, start: Instant) {
        let time = start.elapsed();
        if !self.outermost {
            return;
        }
        let step = label();
        RECORDER.with(|r| {
            let mut r = r.borrow_mut();
            let function = r.function.clone();
            r.times.push(StepTime {
                function,
                step,
                index,
                time,
            });
        });
    }
}

impl Drop for PlanRun {
    fn drop(&mut self) {
        RECORDER.with(|r| {
            if let Ok(mut r) = r.try_borrow_mut() {
                r.depth = r.depth.saturating_sub(1);
            }
        });
    }
}
