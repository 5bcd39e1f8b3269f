//! Running a cache entry: lock the Variables (in id order), pass argument and
//! variable buffers to the compiled code, allocate results, and write
//! Variables back — in place when the code reads each element only at the
//! index it writes (or never reads the old value), otherwise into a fresh
//! buffer that is swapped in.
//!
//! A call that fails leaves every Variable as it was: new values are only
//! stored after the code returned successfully, and in-place updates are only
//! used by executables whose run cannot fail part-way
//! (`Executable::can_fail_midway`).

use super::cache::Entry;
use crate::Array;
use heron_ir::{Buffer, Error, OutputRole, ParamRole, Result, Value};
use parking_lot::MutexGuard;
use smallvec::SmallVec;
use std::sync::Arc;

/// Runs `entry` on concrete argument values and returns the results.
pub(crate) fn run(entry: &Entry, args: &[&Value]) -> Result<SmallVec<[Array; 6]>> {
    // Take the locks in ascending id order; keep the guards by slot.
    let mut guards: SmallVec<[Option<MutexGuard<'_, Value>>; 8]> =
        (0..entry.vars.len()).map(|_| None).collect();
    for &slot in &entry.lock_order {
        guards[slot] = Some(entry.vars[slot].lock());
    }
    let mut guards: SmallVec<[MutexGuard<'_, Value>; 8]> = guards
        .into_iter()
        .map(|g| g.expect("every slot is locked"))
        .collect();
    for (slot, guard) in guards.iter().enumerate() {
        let (shape, dtype) = &entry.var_types[slot];
        if guard.shape() != shape || guard.dtype() != *dtype {
            return Err(Error::Variable(format!(
                "{} changed type from {dtype}{shape} to {}{} since it was traced",
                entry.vars[slot].id(),
                guard.dtype(),
                guard.shape()
            )));
        }
    }
    let graph = &entry.optimized;
    let outputs: SmallVec<[Value; 2]> = match &entry.exe {
        None => {
            let params: Vec<Value> = graph
                .params
                .iter()
                .map(|&(_, role)| match role {
                    ParamRole::Arg(i) => args[i as usize].clone(),
                    ParamRole::Var(s) => (*guards[s as usize]).clone(),
                })
                .collect();
            heron_ir::eval(graph, &params)?.into_iter().collect()
        }
        Some(exe) => run_native(exe, graph, args, &mut guards)?,
    };
    let mut results = SmallVec::new();
    for (value, &(_, role)) in outputs.into_iter().zip(&graph.outputs) {
        match role {
            OutputRole::Result(_) => results.push(Array::from_value(value)),
            OutputRole::VarWrite(s) => {
                let guard = &mut guards[s as usize];
                if !Arc::ptr_eq(guard.buf(), value.buf()) {
                    **guard = value;
                }
            }
        }
    }
    Ok(results)
}

/// Runs native code; returns the output values (a Variable updated in place
/// is returned as its own, shared buffer).
fn run_native(
    exe: &heron_codegen::Executable,
    graph: &heron_ir::Graph,
    args: &[&Value],
    guards: &mut [MutexGuard<'_, Value>],
) -> Result<SmallVec<[Value; 2]>> {
    let params: SmallVec<[*const u8; 8]> = graph
        .params
        .iter()
        .map(|&(_, role)| match role {
            ParamRole::Arg(i) => args[i as usize].buf().as_ptr(),
            ParamRole::Var(s) => guards[s as usize].buf().as_ptr(),
        })
        .collect();
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
                let guard = &mut guards[s as usize];
                let same_type = *guard.shape() == n.shape && guard.buf().dtype() == n.dtype;
                if (aliasable || unread) && same_type {
                    guard.unique_buf_mut()
                } else {
                    None
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
                let mut buf = Buffer::for_overwrite(n.dtype, n.shape.size());
                out_ptrs.push(buf.as_mut_ptr());
                fresh.push(Some(buf));
            }
        }
    }
    // SAFETY: every param pointer comes from a live buffer of the type the
    // graph declares (arguments were matched against the entry's signature,
    // variables checked under their locks, which are held until we return);
    // every output pointer is a distinct writable buffer of the declared
    // type: either freshly allocated here, or a Variable's buffer that we own
    // exclusively (`Arc::get_mut` succeeded, the lock is held) and that the
    // executable declared aliasable with that very parameter or never reads.
    unsafe { exe.run(&params, &out_ptrs)? };
    Ok(graph
        .outputs
        .iter()
        .zip(fresh)
        .map(|(&(node, role), buf)| {
            let shape = graph.node(node).shape.clone();
            match (buf, role) {
                (Some(buf), _) => Value::new(shape, buf),
                (None, OutputRole::VarWrite(s)) => (*guards[s as usize]).clone(),
                (None, OutputRole::Result(_)) => unreachable!("results are never in place"),
            }
        })
        .collect())
}
