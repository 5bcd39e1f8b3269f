//! Differential testing of heron: random well-typed programs over the
//! whole public API (element-wise ops of every dtype with broadcasting,
//! casts, `where`, reductions, movement, gathers, scatters, dynamic
//! slices, sorts, random draws,
//! Variables read and written in place, `fori_loop`/`for_loop`/
//! `while_loop`/`cond`), run eagerly through the interpreter and through
//! `jit` on native code, and compared under the precision contract of
//! `docs/ARCHITECTURE.md`.
//!
//! - `program.rs`: the program as data and its text form.
//! - `generate.rs`: a program from unstructured bytes (`arbitrary`).
//! - `data.rs`: the elements of arguments and Variables.
//! - `run.rs`: runs a program's statements through heron's API;
//!   `expr.rs` its expressions (`indexed.rs` the gathers, scatters and
//!   dynamic slices), `adapt.rs` fits operands to ops, `class.rs`
//!   tracks what the contract promises of each value.
//! - the contract itself, op by op, is `heron::ir::precision` (`tolerance`).
//! - `check.rs`: runs both paths and compares.
//!
//! The fuzz target (`fuzz/`) and the fixed-seed test (`tests/`) both call
//! [`check_bytes`].

mod adapt;
mod check;
mod class;
mod data;
mod expr;
pub mod generate;
pub mod grad;
mod indexed;
pub mod program;
mod run;

pub use check::{Error, Tally, Verdict, check, compare, in_reference};
pub use class::Class;
pub use generate::{Limits, program};
pub use program::Program;

/// Builds a program from `bytes` and checks it. `Ok(None)` when the bytes
/// run out before a program is complete. With `HERON_DIFFTEST_PRINT` set,
/// the program is printed before it runs (a crash then shows it too).
pub fn check_bytes(bytes: &[u8], limits: Limits) -> Result<Option<(Program, Verdict)>, Error> {
    let mut u = arbitrary::Unstructured::new(bytes);
    let Ok(p) = program(&mut u, limits) else {
        return Ok(None);
    };
    if std::env::var_os("HERON_DIFFTEST_PRINT").is_some() {
        eprintln!("{p}");
    }
    let verdict = check(&p)?;
    Ok(Some((p, verdict)))
}
