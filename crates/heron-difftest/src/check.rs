//! Runs one program both ways and compares: the reference runs eagerly
//! (every op through `eval`; control flow through the interpreter backend),
//! the other path through `jit` on native code. Results of every call and
//! the Variables' final values must agree under the precision contract.

use crate::class::Class;
use crate::program::Program;
use crate::run::{Env, args, run};
use heron::ir::precision::{dot_bound, sum_bound};
use heron::{Array, Backend, DType, Scalar};
use std::cell::Cell;
use std::sync::Arc;

/// A disagreement between the compiled path and the reference.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `jit` returned an error where the reference ran.
    #[error(
        "the compiled path failed where the reference ran: {message}\n--- program ---\n{program}"
    )]
    Failed {
        /// The error.
        message: String,
        /// The program's text.
        program: String,
    },
    /// A value differs beyond the contract.
    #[error("{what}: {detail}\n--- program ---\n{program}\n--- traced graph ---\n{graph}")]
    Mismatch {
        /// Which value (`result 1 of call 2`, `variable w0`).
        what: String,
        /// The first difference.
        detail: String,
        /// The program's text.
        program: String,
        /// The graph `jit` traced, optimised.
        graph: String,
    },
}

/// How many values a program's check compared, by what the contract
/// promises of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Compared bit for bit.
    pub exact: usize,
    /// Compared within an ulp or sum bound.
    pub bounded: usize,
    /// Derived from approximate values: shape and dtype only.
    pub loose: usize,
}

impl Tally {
    fn count(&mut self, class: &Class) {
        match class {
            Class::Exact => self.exact += 1,
            Class::Ulp(..) | Class::UlpOfOne(..) | Class::Sum { .. } => self.bounded += 1,
            Class::Loose => self.loose += 1,
        }
    }

    /// Adds another tally.
    pub fn add(&mut self, other: Tally) {
        self.exact += other.exact;
        self.bounded += other.bounded;
        self.loose += other.loose;
    }
}

/// What became of a program that did not fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Both paths ran and agree.
    Agreed(Tally),
    /// The reference rejected the program (the panic's message): nothing
    /// to compare.
    Skipped(String),
}

thread_local! {
    static IN_REFERENCE: Cell<bool> = const { Cell::new(false) };
}

/// True while this thread runs a reference path, whose panics are expected
/// (a program the interpreter rejects is skipped): panic hooks stay quiet then.
pub fn in_reference() -> bool {
    IN_REFERENCE.with(Cell::get)
}

/// Runs `p` both ways and compares everything it produces.
pub fn check(p: &Program) -> Result<Verdict, Error> {
    // The reference: eager ops, control flow through the interpreter.
    heron::use_backend(Backend::Interpreter);
    IN_REFERENCE.with(|c| c.set(true));
    let reference = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let env = Env::new(p);
        let mut classes = Vec::new();
        let calls: Vec<_> = (0..p.calls)
            .map(|_| run(p, &env, args(p), &mut classes))
            .collect();
        let vars: Vec<Array> = env.vars.iter().map(|v| v.value()).collect();
        (calls, vars, classes)
    }));
    IN_REFERENCE.with(|c| c.set(false));
    heron::use_backend(Backend::Cranelift);
    let (want, want_vars, var_classes) = match reference {
        Ok(r) => r,
        Err(panic) => return Ok(Verdict::Skipped(panic_message(&panic))),
    };

    let env = Arc::new(Env::new(p));
    let f = {
        let (p, env) = (Arc::new(p.clone()), Arc::clone(&env));
        heron::jit(move |xs: Vec<Array>| -> Vec<Array> {
            let mut classes = Vec::new();
            run(&p, &env, xs, &mut classes)
                .into_iter()
                .map(|(a, _)| a)
                .collect()
        })
    };
    let mismatch = |what: String, detail: String| {
        let graph = f
            .try_lower(args(p))
            .map(|l| l.optimized_text())
            .unwrap_or_else(|e| format!("(cannot trace: {e})"));
        Error::Mismatch {
            what,
            detail,
            program: p.to_string(),
            graph,
        }
    };
    let mut tally = Tally::default();
    for (call, want) in want.iter().enumerate() {
        let got = f.try_call(args(p)).map_err(|e| Error::Failed {
            message: format!("call {}: {e}", call + 1),
            program: p.to_string(),
        })?;
        for (k, (g, (w, class))) in got.iter().zip(want).enumerate() {
            tally.count(class);
            compare(g, w, class)
                .map_err(|d| mismatch(format!("result {k} of call {}", call + 1), d))?;
        }
    }
    for (k, (v, w)) in env.vars.iter().zip(&want_vars).enumerate() {
        tally.count(&var_classes[k]);
        compare(&v.value(), w, &var_classes[k])
            .map_err(|d| mismatch(format!("final value of variable w{k}"), d))?;
    }
    Ok(Verdict::Agreed(tally))
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = panic.downcast_ref::<&str>() {
        s.to_string()
    } else {
        "a panic".into()
    }
}

/// Compares a compiled value with the reference's under its class; the
/// first difference, described, on failure.
pub fn compare(got: &Array, want: &Array, class: &Class) -> Result<(), String> {
    if got.shape() != want.shape() || got.dtype() != want.dtype() {
        return Err(format!(
            "compiled {}{:?}, reference {}{:?}",
            got.dtype(),
            got.shape(),
            want.dtype(),
            want.shape()
        ));
    }
    if matches!(class, Class::Loose) {
        return Ok(());
    }
    let (g, w) = (got.value().buf(), want.value().buf());
    let abs_sum = match class {
        Class::Sum { abs_sum, .. } => abs_sum.to_vec::<f64>(),
        _ => Vec::new(),
    };
    for i in 0..w.len() {
        let (a, b) = (g.get(i), w.get(i));
        let ok = match (a, b, class) {
            (Scalar::F32(x), Scalar::F32(y), _) if x.is_nan() || y.is_nan() => {
                x.is_nan() && y.is_nan()
            }
            (Scalar::F64(x), Scalar::F64(y), _) if x.is_nan() || y.is_nan() => {
                x.is_nan() && y.is_nan()
            }
            (Scalar::F32(x), Scalar::F32(y), Class::Exact) => x.to_bits() == y.to_bits(),
            (Scalar::F64(x), Scalar::F64(y), Class::Exact) => x.to_bits() == y.to_bits(),
            (Scalar::F32(x), Scalar::F32(y), Class::Ulp(n, _)) => {
                x == y || heron::ir::ulps_f32(x, y) <= u64::from(*n)
            }
            (Scalar::F64(x), Scalar::F64(y), Class::Ulp(_, n)) => {
                x == y || heron::ir::ulps_f64(x, y) <= u64::from(*n)
            }
            (Scalar::F32(_) | Scalar::F64(_), _, Class::UlpOfOne(n32, n64)) => {
                let (x, y) = (a.to_f64(), b.to_f64());
                let (n, eps) = if want.dtype() == DType::F32 {
                    (*n32, f64::from(f32::EPSILON))
                } else {
                    (*n64, f64::EPSILON)
                };
                x == y || (x - y).abs() <= f64::from(n) * eps * y.abs().max(1.0)
            }
            (Scalar::F32(_) | Scalar::F64(_), _, Class::Sum { n, dot, .. }) => {
                let (x, y) = (a.to_f64(), b.to_f64());
                let max = if want.dtype() == DType::F32 {
                    f64::from(f32::MAX)
                } else {
                    f64::MAX
                };
                let s = abs_sum.get(i).copied().unwrap_or(f64::NAN);
                // Beyond the dtype's range eval's own partial sums overflow.
                s.is_nan()
                    || s > max
                    || x == y
                    || (x - y).abs()
                        <= if *dot {
                            dot_bound(*n, s, y, want.dtype())
                        } else {
                            sum_bound(*n, s, y, want.dtype())
                        }
            }
            _ => a == b,
        };
        if !ok {
            return Err(format!(
                "element {i} (of {}): compiled {a:?}, reference {b:?}, allowed: {}",
                w.len(),
                describe(class)
            ));
        }
    }
    Ok(())
}

fn describe(class: &Class) -> String {
    match class {
        Class::Exact => "bit-exact".into(),
        Class::Ulp(a, b) => format!("{a} ulp (f32) / {b} ulp (f64)"),
        Class::UlpOfOne(a, b) => format!("{a} ulp (f32) / {b} ulp (f64) of max(|x|, 1)"),
        Class::Sum { n, dot: false, .. } => format!("the bound of a sum of {n} terms"),
        Class::Sum { n, dot: true, .. } => format!("the bound of a {n}-term dot product"),
        Class::Loose => "anything".into(),
    }
}
