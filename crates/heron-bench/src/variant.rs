//! A variant: one way of computing a workload (heron jit, heron eager, a
//! hand-written loop, `ndarray`), behind one interface so the checks, the
//! timing routine and the criterion benches treat them all alike.

use crate::check::{Check, Out};
use serde::Serialize;

/// What kind of implementation a variant is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// heron, compiled by `jit`.
    HeronJit,
    /// heron's eager mode (each op through the interpreter).
    HeronEager,
    /// A hand-written Rust loop on one thread.
    Rust,
    /// A hand-written Rust loop on rayon's pool.
    Rayon,
    /// The `ndarray` crate written eagerly, one temporary per op.
    Ndarray,
    /// The `rand` crate's sequential generators (other numbers, same distribution).
    Rand,
    /// A hand-written SIMD loop (`ceiling`): 128-bit, or the CPU's widest vectors.
    Ceiling,
    /// A time implied by a measured bandwidth (not a run).
    Bound,
    /// A time derived from other rows (compile = first call − cached call).
    Derived,
}

impl Kind {
    /// A short label for tables.
    pub fn label(self) -> &'static str {
        match self {
            Kind::HeronJit => "heron jit",
            Kind::HeronEager => "heron eager",
            Kind::Rust => "rust",
            Kind::Rayon => "rayon",
            Kind::Ndarray => "ndarray",
            Kind::Rand => "rand",
            Kind::Ceiling => "ceiling",
            Kind::Bound => "bound",
            Kind::Derived => "derived",
        }
    }
}

/// One implementation of a workload. `run` is what is timed; `reset` (not
/// timed) restores the starting state and drops the previous result;
/// `output` gives the result of the last run, for the check.
pub trait Runner {
    /// Restores the inputs and state a run starts from.
    fn reset(&mut self);
    /// Computes the workload once.
    fn run(&mut self);
    /// The result of the last `run`.
    fn output(&mut self) -> Out;
}

/// A named, kinded runner.
pub struct Variant<'a> {
    /// What the variant is called in reports ("heron jit", "rust f32::exp").
    pub name: String,
    /// Its kind.
    pub kind: Kind,
    /// The implementation.
    pub runner: Box<dyn Runner + 'a>,
    /// How its result is checked against the reference's.
    pub check: Check,
}

impl<'a> Variant<'a> {
    /// A variant computing a pure function: each run calls `f` and keeps what it returns.
    pub fn pure(name: impl Into<String>, kind: Kind, f: impl FnMut() -> Out + 'a) -> Variant<'a> {
        Variant {
            name: name.into(),
            kind,
            runner: Box::new(Pure { f, last: None }),
            check: Check::Elements,
        }
    }

    /// This variant, checked against the reference by `check`.
    pub fn checked(self, check: Check) -> Variant<'a> {
        Variant { check, ..self }
    }

    /// A variant updating state `S` in place: `reset` restores it, `run`
    /// advances it, `read` gives the outputs from it.
    pub fn stateful<S: 'a>(
        name: impl Into<String>,
        kind: Kind,
        state: S,
        reset: impl FnMut(&mut S) + 'a,
        run: impl FnMut(&mut S) + 'a,
        read: impl FnMut(&S) -> Out + 'a,
    ) -> Variant<'a> {
        Variant {
            name: name.into(),
            kind,
            runner: Box::new(Stateful {
                state,
                reset,
                run,
                read,
            }),
            check: Check::Elements,
        }
    }
}

struct Pure<F> {
    f: F,
    last: Option<Out>,
}

impl<F: FnMut() -> Out> Runner for Pure<F> {
    fn reset(&mut self) {
        self.last = None;
    }
    fn run(&mut self) {
        self.last = Some((self.f)());
    }
    fn output(&mut self) -> Out {
        match self.last.take() {
            Some(out) => out,
            None => (self.f)(),
        }
    }
}

struct Stateful<S, R, U, O> {
    state: S,
    reset: R,
    run: U,
    read: O,
}

impl<S, R, U, O> Runner for Stateful<S, R, U, O>
where
    R: FnMut(&mut S),
    U: FnMut(&mut S),
    O: FnMut(&S) -> Out,
{
    fn reset(&mut self) {
        (self.reset)(&mut self.state);
    }
    fn run(&mut self) {
        (self.run)(&mut self.state);
    }
    fn output(&mut self) -> Out {
        (self.read)(&self.state)
    }
}
