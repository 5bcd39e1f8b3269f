//! W6: compile time — the first call of a freshly made jitted function (trace,
//! optimise, compile, run) minus a call of the same function once cached,
//! for W1, W2 and W3. Each timed repetition makes a new `Jit`, so every
//! first call compiles from scratch.
//!
//! The disk cache (`heron::cache`) is off for those two; two more variants
//! time the first call with it on: cold (a fresh, empty directory each
//! repetition: compile and write the entry) and warm (a directory holding the
//! entry an earlier function with the same graph wrote: load it). The
//! setting in effect before is restored when the case is dropped.

use crate::case::{Case, Difference};
use crate::check::{Out, Tol};
use crate::config::Config;
use crate::variant::{Kind, Variant};
use crate::workloads::{w1, w2, w3};
use heron::{Array, Jit};
use std::path::PathBuf;
use tempfile::TempDir;

/// The disk cache a first-call variant runs with.
enum Disk {
    /// No disk cache.
    Off,
    /// A fresh, empty directory each repetition.
    Cold(Option<TempDir>),
    /// One directory, filled once by an earlier function of the same graph.
    Warm {
        /// The directory.
        dir: TempDir,
        /// Whether the entry has been written.
        written: bool,
    },
}

/// The disk-cache setting found when a case was built, put back on drop.
struct Restore {
    /// The directory in effect then.
    dir: Option<PathBuf>,
}

impl Restore {
    fn capture() -> Restore {
        Restore {
            dir: heron::cache::dir(),
        }
    }
}

impl Drop for Restore {
    fn drop(&mut self) {
        let env = std::env::var_os("HERON_CACHE_DIR")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from);
        match &self.dir {
            d if *d == env => heron::cache::use_env(),
            Some(d) => {
                if let Err(e) = heron::cache::set_dir(d) {
                    eprintln!("heron bench: cannot restore the cache directory: {e}");
                }
            }
            None => heron::cache::disable(),
        }
    }
}

/// A jitted function, made fresh by `reset` for the first-call variants.
struct Fresh<A: 'static, R: 'static, S> {
    make: fn(&S) -> Jit<A, R>,
    jit: Option<Jit<A, R>>,
    state: S,
    disk: Disk,
    _restore: Option<Restore>,
}

impl<A: 'static, R: 'static, S> Fresh<A, R, S> {
    /// Sets the disk cache for the next first call, restores the state and
    /// makes a new function (the warm directory is filled the first time).
    fn prepare(&mut self, reset_state: fn(&S), call: fn(&Jit<A, R>, &S)) {
        let use_dir = |dir: &TempDir| {
            heron::cache::set_dir(dir.path())
                .unwrap_or_else(|e| panic!("cannot use {} as cache: {e}", dir.path().display()))
        };
        match &mut self.disk {
            Disk::Off => heron::cache::disable(),
            Disk::Cold(dir) => {
                let fresh = TempDir::new().expect("a temporary directory");
                use_dir(&fresh);
                *dir = Some(fresh);
            }
            Disk::Warm { dir, written } => {
                use_dir(dir);
                if !*written {
                    reset_state(&self.state);
                    call(&(self.make)(&self.state), &self.state);
                    *written = true;
                }
            }
        }
        reset_state(&self.state);
        self.jit = Some((self.make)(&self.state));
    }
}

fn first_and_cached<A, R, S: 'static>(
    case: Case<'static>,
    make: fn(&S) -> Jit<A, R>,
    new_state: impl Fn() -> S + Clone + 'static,
    reset_state: fn(&S),
    call: fn(&Jit<A, R>, &S),
    read: fn(&S) -> Out,
) -> Case<'static>
where
    A: heron::jit::JitValue,
    R: heron::jit::JitValue,
{
    let cached = {
        let state = new_state();
        Fresh {
            jit: Some(make(&state)),
            make,
            state,
            disk: Disk::Off,
            _restore: None,
        }
    };
    let first = |name: &str, disk: Disk| {
        let fresh = Fresh {
            jit: None,
            make,
            state: new_state(),
            disk,
            _restore: Some(Restore::capture()),
        };
        Variant::stateful(
            name,
            Kind::HeronJit,
            fresh,
            move |f| f.prepare(reset_state, call),
            move |f| call(f.jit.as_ref().expect("made by reset"), &f.state),
            move |f| read(&f.state),
        )
    };
    let warm = Disk::Warm {
        dir: TempDir::new().expect("a temporary directory"),
        written: false,
    };
    let mut case = case
        .variant(Variant::stateful(
            "cached call",
            Kind::HeronJit,
            cached,
            move |f| {
                heron::cache::disable();
                reset_state(&f.state)
            },
            move |f| call(f.jit.as_ref().expect("made at construction"), &f.state),
            move |f| read(&f.state),
        ))
        .variant(first("first call", Disk::Off))
        .variant(first("first call, cold disk cache", Disk::Cold(None)))
        .variant(first("first call, warm disk cache", warm));
    case.differences.push(Difference {
        name: "compile (first − cached)".into(),
        minuend: 1,
        subtrahend: 0,
    });
    case.differences.push(Difference {
        name: "saved by the disk cache (cold − warm)".into(),
        minuend: 2,
        subtrahend: 3,
    });
    case
}

/// W1's inputs and the last result.
struct W1State {
    x: Array,
    y: Array,
    z: std::sync::Mutex<Option<Array>>,
}

fn w1_case(cfg: &Config) -> Case<'static> {
    let (x, y) = w1::inputs(cfg);
    let case = Case::new(
        "W6.W1",
        "compile time of W1",
        format!("N = {}", w1::len(cfg)),
    )
    .outputs(&[("z", Tol::ELEMENTWISE)]);
    first_and_cached(
        case,
        |_: &W1State| w1::jitted(),
        move || W1State {
            x: x.clone(),
            y: y.clone(),
            z: std::sync::Mutex::new(None),
        },
        |s| *s.z.lock().expect("not poisoned") = None,
        |f, s| *s.z.lock().expect("not poisoned") = Some(f.call((&s.x, &s.y))),
        |s| {
            let z = s.z.lock().expect("not poisoned").clone();
            Out::Heron(z.into_iter().collect())
        },
    )
}

/// W2's population, its input and the time of the step.
struct W2State {
    lif: w2::Lif,
    i: Array,
    steps: usize,
}

fn w2_case(cfg: &Config) -> Case<'static> {
    let (n, steps) = w2::dims(cfg);
    let i = w2::current(n);
    let tol = Tol::close(1e-5, 1e-3).allowing(1e-3);
    let case = Case::new(
        "W6.W2",
        "compile time of W2 (the fori_loop form)",
        format!("N = {n}, {steps} steps"),
    )
    .outputs(&[
        ("V", tol),
        ("t_last", tol),
        ("spike", Tol::EXACT.allowing(1e-3)),
    ]);
    first_and_cached(
        case,
        |s: &W2State| s.lif.jitted_loop(s.steps),
        move || W2State {
            lif: w2::Lif::new(n),
            i: i.clone(),
            steps,
        },
        |s| s.lif.reset(),
        |f, s| f.call(&s.i),
        |s| s.lif.outputs(),
    )
}

/// W3's population and its input.
struct W3State {
    hh: w3::Hh,
    i: Array,
}

fn w3_case(cfg: &Config) -> Case<'static> {
    let (n, _) = w3::dims(cfg);
    let (v0, i) = w3::inputs(n);
    let tol = Tol::close(1e-5, 1e-5);
    let case = Case::new(
        "W6.W3",
        "compile time of W3 (the step form)",
        format!("N = {n}"),
    )
    .outputs(&[
        ("V", tol),
        ("m", tol),
        ("h", tol),
        ("n", tol),
        ("spike count", Tol::EXACT),
    ]);
    first_and_cached(
        case,
        |s: &W3State| s.hh.jitted_step(),
        move || W3State {
            hh: w3::Hh::new(&v0),
            i: i.clone(),
        },
        |s| s.hh.reset(),
        |f, s| f.call(&s.i),
        |s| s.hh.outputs(),
    )
}

/// The W6 cases. Their inputs are the tiny sizes: the generated code does
/// not depend on the element count (only its loop bounds do), and a run of a
/// few thousand elements costs microseconds, so `first − cached` is the
/// compile time rather than the noise of a long run.
pub fn cases(cfg: &Config) -> Vec<Case<'static>> {
    let small = Config {
        size: crate::config::Size::Tiny,
        ..*cfg
    };
    let cfg = &small;
    let mut cases = vec![w1_case(cfg), w2_case(cfg), w3_case(cfg)];
    for c in &mut cases {
        c.notes.push(
            "inputs at the tiny size: the compiled code does not depend on the element count"
                .into(),
        );
    }
    for c in &mut cases {
        c.notes.push(
            "the disk cache is off except in the cold (empty directory) and warm (entry present) variants"
                .into(),
        );
    }
    cases
}
