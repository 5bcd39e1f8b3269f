//! Running a cache entry: take the Variables (`locks`: written ones locked
//! in id order, read-only ones snapshotted), check every buffer against the
//! types the code was compiled for, pass argument and variable buffers to
//! the compiled code, allocate results, and write Variables back — in place
//! when the code reads each element only at the index it writes (or never
//! reads the old value), otherwise into a fresh buffer that is swapped in.
//!
//! A call that fails leaves every Variable as it was: new values are only
//! stored after the code returned successfully, and in-place updates are only
//! used by executables whose run cannot fail part-way
//! (`Executable::can_fail_midway`).

use super::cache::Entry;
use super::locks::{self, Held};
use crate::Array;
use heron_ir::{Buffer, DType, Error, OutputRole, ParamRole, Result, Shape, Value};
use smallvec::SmallVec;
use std::sync::Arc;

/// Runs `entry` on concrete argument values and returns the results.
pub(crate) fn run(entry: &Entry, args: &[&Value]) -> Result<SmallVec<[Array; 6]>> {
    let mut held = locks::acquire(entry);
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
    let outputs: SmallVec<[Value; 2]> = match &entry.exe {
        None => {
            let params: Vec<Value> = graph
                .params
                .iter()
                .map(|&(_, r)| param(r, args, &held).clone())
                .collect();
            heron_ir::eval(graph, &params)?.into_iter().collect()
        }
        Some(exe) => {
            let params: SmallVec<[*const u8; 8]> = {
                let values: SmallVec<[&Value; 8]> = graph
                    .params
                    .iter()
                    .map(|&(_, r)| param(r, args, &held))
                    .collect();
                check_buffers(exe.param_types(), &values)?;
                values.iter().map(|v| v.buf().as_ptr()).collect()
            };
            run_native(exe, graph, &params, &mut held)?
        }
    };
    let mut results = SmallVec::new();
    for (value, &(_, role)) in outputs.into_iter().zip(&graph.outputs) {
        match role {
            OutputRole::Result(_) => results.push(Array::from_value(value)),
            OutputRole::VarWrite(s) => match &mut held[s as usize] {
                Held::Locked(guard) => {
                    if !Arc::ptr_eq(guard.buf(), value.buf()) {
                        **guard = value;
                    }
                }
                Held::Snapshot(_) => unreachable!("written Variables are locked"),
            },
        }
    }
    Ok(results)
}

/// The value a graph parameter of `role` is bound to.
fn param<'v>(role: ParamRole, args: &[&'v Value], held: &'v [Held<'_>]) -> &'v Value {
    match role {
        ParamRole::Arg(i) => args[i as usize],
        ParamRole::Var(s) => &held[s as usize],
    }
}

/// Checks, once per call at the boundary to native code, that every buffer
/// holds exactly the elements and dtype the code was compiled for: the code
/// trusts this for every address it computes.
fn check_buffers(types: &[(Shape, DType)], params: &[&Value]) -> Result<()> {
    if types.len() != params.len() {
        return Err(Error::invalid(
            "jit",
            format!("{} buffers for {} parameters", params.len(), types.len()),
        ));
    }
    for (i, ((shape, dtype), value)) in types.iter().zip(params).enumerate() {
        let buf = value.buf();
        if buf.dtype() != *dtype || Some(buf.len()) != shape.checked_size() {
            return Err(Error::invalid(
                "jit",
                format!(
                    "parameter {i} holds {} elements of {}, the code expects {dtype}{shape}",
                    buf.len(),
                    buf.dtype()
                ),
            ));
        }
    }
    Ok(())
}

/// Runs native code; returns the output values (a Variable updated in place
/// is returned as its own, shared buffer).
fn run_native(
    exe: &heron_codegen::Executable,
    graph: &heron_ir::Graph,
    params: &[*const u8],
    held: &mut [Held<'_>],
) -> Result<SmallVec<[Value; 2]>> {
    let mut fresh: SmallVec<[Option<Buffer>; 4]> = SmallVec::new();
    let mut out_ptrs: SmallVec<[*mut u8; 8]> = SmallVec::new();
    let in_place_allowed = !exe.can_fail_midway();
    for (j, &(node, role)) in graph.outputs.iter().enumerate() {
        let n = graph.node(node);
        let in_place = match role {
            OutputRole::VarWrite(s) if in_place_allowed => {
                let var = ParamRole::Var(s);
                // The code reads the old value only at the index it writes,
                // or does not read it at all (a Variable only written, such
                // as a step's spikes): either way its buffer can take the
                // new value, if it has the new type and no one else holds it.
                let aliasable = exe
                    .aliasable()
                    .iter()
                    .any(|&(out, p)| out == j && graph.params[p].1 == var);
                let unread = graph.params.iter().all(|&(_, role)| role != var);
                match &mut held[s as usize] {
                    Held::Locked(guard)
                        if (aliasable || unread)
                            && *guard.shape() == n.shape
                            && guard.dtype() == n.dtype =>
                    {
                        guard.unique_buf_mut()
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        match in_place {
            Some(buf) => {
                out_ptrs.push(buf.as_mut_ptr());
                fresh.push(None);
            }
            None => {
                // The executable writes every element of every output.
                let mut buf = Buffer::try_for_overwrite(n.dtype, n.shape.size())?;
                out_ptrs.push(buf.as_mut_ptr());
                fresh.push(Some(buf));
            }
        }
    }
    // SAFETY: every param pointer comes from a live buffer whose dtype and
    // length `check_buffers` matched against the types the code was compiled
    // for; the buffers stay alive until we return (arguments are borrowed,
    // written Variables locked, read-only ones held by their snapshots).
    // Every output pointer is a distinct writable buffer of the declared
    // type: either freshly allocated here, or a written Variable's buffer
    // that we own exclusively (its lock is held and `unique_buf_mut` found
    // no other reference, not even a snapshot) and that the executable
    // declared aliasable with that very parameter or never reads.
    unsafe { exe.run(params, &out_ptrs)? };
    Ok(graph
        .outputs
        .iter()
        .zip(fresh)
        .map(|(&(node, role), buf)| {
            let shape = graph.node(node).shape.clone();
            match (buf, role) {
                (Some(buf), _) => Value::new(shape, buf),
                (None, OutputRole::VarWrite(s)) => (*held[s as usize]).clone(),
                (None, OutputRole::Result(_)) => unreachable!("results are never in place"),
            }
        })
        .collect())
}
