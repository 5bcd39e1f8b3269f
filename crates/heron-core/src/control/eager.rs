//! Control flow called outside `jit`: the construct is traced in a
//! top-level frame, compiled, cached and run, as BrainPy does.
//!
//! Closures are new values on every call, so every call traces (cheap); the
//! compiled entry is found by a structural hash of the traced graph (ops,
//! types, constant contents) together with the Variables it touches, and
//! confirmed by structural equality.

use crate::jit::cache_entry::Entry;
use crate::jit::{Backend, backend, catching, run_entry};
use crate::trace;
use crate::{Array, Variable};
use heron_ir::{Result, Value};
use parking_lot::Mutex;
use rustc_hash::FxHasher;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, LazyLock};
use std::time::Instant;

/// At most this many compiled constructs are kept (the oldest go first).
const CAPACITY: usize = 256;

struct Cached {
    hash: u64,
    backend: Backend,
    entry: Arc<Entry>,
}

static CACHE: LazyLock<Mutex<Vec<Cached>>> = LazyLock::new(|| Mutex::new(Vec::new()));

/// Number of compiled control-flow constructs cached for calls outside `jit`.
pub fn control_cache_len() -> usize {
    CACHE.lock().len()
}

/// Runs `build` on `args`: inline when a trace is active, otherwise traced
/// with `args` as arguments of a new top-level graph, compiled (or found in
/// the cache, in memory or on disk) and run on the arguments' values. `name`
/// (`fori_loop`, ...) names the construct in logs and in the disk cache.
pub(crate) fn jitted(
    name: &str,
    args: &[Array],
    build: impl FnOnce(&[Array]) -> Result<Vec<Array>>,
) -> Result<Vec<Array>> {
    if trace::is_active() {
        return build(args);
    }
    let start = Instant::now();
    trace::begin();
    let traced_args: Vec<Array> = args
        .iter()
        .map(|a| trace::arg(a.shape_ref().clone(), a.dtype()))
        .collect();
    let results = match catching(|| build(&traced_args)) {
        Ok(Ok(results)) => results,
        Ok(Err(e)) | Err(e) => {
            trace::abandon();
            return Err(e);
        }
    };
    let traced = trace::finish(&results)?;
    let mut h = FxHasher::default();
    heron_ir::control::hash_graph(&traced.graph, &mut h);
    for v in &traced.vars {
        v.id().hash(&mut h);
    }
    let hash = h.finish();
    let which = backend();
    let found = CACHE
        .lock()
        .iter()
        .find(|c| {
            c.hash == hash
                && c.backend == which
                && same_vars(&c.entry.vars, &traced.vars)
                && heron_ir::control::graph_eq(&c.entry.traced, &traced.graph)
        })
        .map(|c| c.entry.clone());
    let entry = match found {
        Some(entry) => entry,
        None => {
            let entry = Arc::new(Entry::build(name, args, traced, start)?);
            let mut cache = CACHE.lock();
            if cache.len() >= CAPACITY {
                cache.remove(0);
            }
            cache.push(Cached {
                hash,
                backend: which,
                entry: entry.clone(),
            });
            entry
        }
    };
    let values: Vec<&Value> = args.iter().map(|a| a.value()).collect();
    Ok(run_entry(&entry, &values)?.into_vec())
}

fn same_vars(a: &[Variable], b: &[Variable]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.id() == y.id())
}
