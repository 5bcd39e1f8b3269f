//! Running a cache entry: check the arguments against the signature, take
//! the Variables (`locks`: written ones locked in id order, read-only ones
//! snapshotted) and check their types, pass argument and variable buffers
//! to the compiled code, allocate results, and write Variables back — in place
//! when the code reads each element only at the index it writes (or never
//! reads the old value), otherwise into a fresh buffer that is swapped in.
//!
//! A call that fails leaves every Variable as it was: new values are only
//! stored after the code returned successfully, and in-place updates are only
//! used by executables whose run cannot fail part-way
//! (`Executable::can_fail_midway`).

use super::args::ArgList;
use super::cache::Entry;
use super::locks::{self, Held};
use crate::Array;
use heron_ir::{Buffer, Error, OutputRole, ParamRole, Result, Shape, Value};
use smallvec::SmallVec;

/// Runs `entry` on concrete argument values and returns the results.
///
/// What is checked on every call, and why it suffices: the arguments'
/// types against the signature (`Entry::accepts`), and each Variable's type
/// against its type when traced, under its lock. The code's parameter types
/// were checked against those once, when the entry was made
/// (`cache::check_param_types`), and a `Value`'s buffer always holds
/// exactly the elements of its shape, so every buffer passed to native code
/// has the type the code was compiled for.
pub(crate) fn run(entry: &Entry, args: &[&Value]) -> Result<ArgList> {
    let mut results = ArgList::new();
    run_into(entry, args, &mut results)?;
    Ok(results)
}

/// `run`, pushing the results onto `results`.
pub(crate) fn run_into(entry: &Entry, args: &[&Value], results: &mut ArgList) -> Result<()> {
    if !entry.accepts(args) {
        return Err(mismatched_arguments(entry, args));
    }
    let mut held = locks::HeldVars::new();
    locks::acquire(entry, &mut held);
    for (slot, value) in held.iter().enumerate() {
        let (shape, dtype) = &entry.var_types[slot];
        if value.shape() != shape || value.dtype() != *dtype {
            return Err(Error::Variable(format!(
                "{} changed type from {dtype}{shape} to {}{} since it was traced",
                entry.vars[slot].id(),
                value.dtype(),
                value.shape()
            )));
        }
    }
    let graph = &entry.optimized;
    match &entry.exe {
        None => {
            let params: Vec<Value> = graph
                .params
                .iter()
                .map(|&(_, r)| param(r, args, &held).clone())
                .collect();
            let outputs = heron_ir::eval(graph, &params)?;
            for (value, &(_, role)) in outputs.into_iter().zip(&graph.outputs) {
                store(value, role, results, &mut held);
            }
        }
        Some(exe) => run_native(entry, exe, args, &mut held, results)?,
    }
    Ok(())
}

/// The error of a call whose arguments do not have the entry's types.
#[cold]
fn mismatched_arguments(entry: &Entry, args: &[&Value]) -> Error {
    let text = |types: Vec<String>| types.join(", ");
    Error::invalid(
        "jit",
        format!(
            "called with ({}) but compiled for ({})",
            text(
                args.iter()
                    .map(|v| heron_ir::type_text(v.shape(), v.dtype()))
                    .collect()
            ),
            text(
                entry
                    .signature
                    .iter()
                    .map(|(s, d)| heron_ir::type_text(s, *d))
                    .collect()
            )
        ),
    )
}

/// Puts an output where its role says: a result, or a written Variable's
/// new value.
#[inline]
fn store(value: Value, role: OutputRole, results: &mut ArgList, held: &mut [Held<'_>]) {
    match role {
        OutputRole::Result(_) => results.push(Array::from_value(value)),
        OutputRole::VarWrite(s) => match &mut held[s as usize] {
            Held::Locked(guard) => **guard = value,
            Held::Snapshot(_) => unreachable!("written Variables are locked"),
        },
    }
}

/// The value a graph parameter of `role` is bound to.
fn param<'v>(role: ParamRole, args: &[&'v Value], held: &'v [Held<'_>]) -> &'v Value {
    match role {
        ParamRole::Arg(i) => args[i as usize],
        ParamRole::Var(s) => &held[s as usize],
    }
}

/// Runs native code: allocates each output (or, where `Entry::in_place`
/// allows and no one else holds the Variable's buffer, lets the code write
/// into it), then stores results and new Variable values.
fn run_native(
    entry: &Entry,
    exe: &heron_codegen::Executable,
    args: &[&Value],
    held: &mut [Held<'_>],
    results: &mut ArgList,
) -> Result<()> {
    let graph = &entry.optimized;
    let mut params: SmallVec<[*const u8; 8]> = SmallVec::new();
    for &(_, role) in &graph.params {
        params.push(param(role, args, held).buf().as_ptr());
    }
    let mut fresh: SmallVec<[Option<Buffer>; 4]> = SmallVec::new();
    let mut out_ptrs: SmallVec<[*mut u8; 8]> = SmallVec::new();
    for (j, (shape, dtype)) in exe.output_types().iter().enumerate() {
        let in_place = match graph.outputs[j].1 {
            OutputRole::VarWrite(s) if entry.in_place[j] => match &mut held[s as usize] {
                Held::Locked(guard) => guard.unique_buf_mut(),
                Held::Snapshot(_) => None,
            },
            _ => None,
        };
        match in_place {
            Some(buf) => {
                out_ptrs.push(buf.as_mut_ptr());
                fresh.push(None);
            }
            None => {
                // The executable writes every element of every output.
                let mut buf = Buffer::try_for_overwrite(*dtype, shape.size())?;
                out_ptrs.push(buf.as_mut_ptr());
                fresh.push(Some(buf));
            }
        }
    }
    // Why the pointers are valid: every param pointer comes from a live
    // buffer of the type the code was compiled for (see `run`: the
    // arguments matched the signature, the Variables their traced types,
    // and the code's parameter types were checked against both when the
    // entry was made); the buffers stay alive until we return (arguments
    // are borrowed, written Variables locked, read-only ones held by their
    // snapshots). Every output pointer is a distinct writable buffer of the
    // declared type: either freshly allocated here, or a written Variable's
    // buffer that we own exclusively (its lock is held and `unique_buf_mut`
    // found no other reference, not even a snapshot) and that the
    // executable declared aliasable with that very parameter or never reads.
    // SAFETY: params and outputs are live, correctly typed and (outputs)
    // exclusively owned buffers, as established just above.
    unsafe { exe.run(&params, &out_ptrs)? };
    let types = exe.output_types().iter();
    for ((&(_, role), buf), (shape, _)) in graph.outputs.iter().zip(fresh).zip(types) {
        // An output updated in place is already in its Variable.
        if let Some(buf) = buf {
            store(Value::new(Shape::new(shape), buf), role, results, held);
        }
    }
    Ok(())
}
