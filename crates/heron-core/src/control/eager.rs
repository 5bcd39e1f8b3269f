//! Control flow called outside `jit`: the construct is traced in a
//! top-level frame, compiled, cached and run, as BrainPy does.
//!
//! Closures are new values on every call, so every call traces (cheap); the
//! compiled entry is found by a structural hash of the traced graph (ops,
//! types, constant contents) together with the Variables it touches and
//! the compile options current at the call (`CompileOptions::current`),
//! and confirmed by structural equality.
//!
//! The cache is bounded: it keeps [`DEFAULT_CONTROL_CACHE_CAPACITY`]
//! constructs unless [`set_control_cache_capacity`] says otherwise, and
//! drops the least recently used first. It holds no Variable: an entry
//! keeps the ids of the Variables it touches and weak handles to them, and
//! a hit runs its code on the Variables of the new trace (the same ones, by
//! id). An entry whose Variables died is dropped, with its constants and
//! code, at the next lookup, insertion or `control_cache_len`.

use crate::jit::cache_entry::Entry;
use crate::jit::{Backend, backend, catching, run_entry};
use crate::trace;
use crate::variable::WeakVariable;
use crate::{Array, VarId};
use heron_ir::{CompileOptions, Result, Value};
use parking_lot::Mutex;
use rustc_hash::FxHasher;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Instant;

/// How many compiled constructs the cache keeps, unless
/// [`set_control_cache_capacity`] sets another bound.
pub const DEFAULT_CONTROL_CACHE_CAPACITY: usize = 256;

static CAPACITY: AtomicUsize = AtomicUsize::new(DEFAULT_CONTROL_CACHE_CAPACITY);

/// A compiled construct, holding none of its Variables.
struct Cached {
    hash: u64,
    backend: Backend,
    /// The compile options of its code.
    options: CompileOptions,
    /// The traced graph and its code; `Entry::vars` is empty (a hit runs
    /// it on the Variables of the new trace, `Entry::with_vars`).
    entry: Arc<Entry>,
    /// The ids of the Variables it touches, in slot order.
    var_ids: Vec<VarId>,
    /// The same Variables, not kept alive.
    vars: Vec<WeakVariable>,
    /// The cache's clock when it was last used.
    used: u64,
}

impl Cached {
    /// False once one of its Variables has died: ids are never reused, so
    /// the entry can never match again.
    fn is_live(&self) -> bool {
        self.vars.iter().all(WeakVariable::is_alive)
    }
}

/// The process-wide cache of constructs called outside `jit`.
#[derive(Default)]
struct ControlCache {
    entries: Vec<Cached>,
    /// Counts lookups: orders uses for eviction.
    clock: u64,
}

impl ControlCache {
    /// Drops the entries whose Variables have died, then the least recently
    /// used ones until at most `keep` remain.
    fn evict_to(&mut self, keep: usize) {
        self.entries.retain(Cached::is_live);
        while self.entries.len() > keep {
            let oldest = (0..self.entries.len())
                .min_by_key(|&i| self.entries[i].used)
                .expect("the cache is not empty");
            self.entries.swap_remove(oldest);
        }
    }
}

static CACHE: LazyLock<Mutex<ControlCache>> = LazyLock::new(Mutex::default);

/// Number of compiled control-flow constructs cached for calls outside `jit`
/// (entries whose Variables have all been dropped are not counted: they
/// are freed here).
pub fn control_cache_len() -> usize {
    let mut cache = CACHE.lock();
    cache.evict_to(usize::MAX);
    cache.entries.len()
}

/// The most compiled constructs kept for control flow called outside `jit`:
/// [`DEFAULT_CONTROL_CACHE_CAPACITY`] unless [`set_control_cache_capacity`]
/// changed it.
pub fn control_cache_capacity() -> usize {
    CAPACITY.load(Ordering::Relaxed)
}

/// Keeps at most `capacity` (at least 1) compiled constructs for control
/// flow called outside `jit`, process-wide. When a new construct is
/// compiled into a full cache, the one used least recently is dropped, with
/// its code and the constants it captured; shrinking the capacity drops the
/// least recently used ones beyond it at once. Whatever the capacity, the
/// cache never keeps a Variable alive: a construct one of whose Variables
/// has been dropped can never be called again, and is freed the next time
/// the cache is used.
pub fn set_control_cache_capacity(capacity: usize) {
    let capacity = capacity.max(1);
    CAPACITY.store(capacity, Ordering::Relaxed);
    CACHE.lock().evict_to(capacity);
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
    let options = CompileOptions::current();
    let ids: Vec<VarId> = traced.vars.iter().map(|v| v.id()).collect();
    let found = {
        let mut cache = CACHE.lock();
        cache.evict_to(usize::MAX);
        cache.clock += 1;
        let now = cache.clock;
        cache
            .entries
            .iter_mut()
            .find(|c| {
                c.hash == hash
                    && c.backend == which
                    && c.options == options
                    && c.var_ids == ids
                    && heron_ir::control::graph_eq(&c.entry.traced, &traced.graph)
            })
            .map(|c| {
                c.used = now;
                c.entry.clone()
            })
    };
    let entry = match found {
        Some(compiled) => Arc::new(compiled.with_vars(traced.vars)),
        None => {
            let entry = Arc::new(Entry::build(name, args, traced, start, options)?);
            let mut cache = CACHE.lock();
            cache.evict_to(control_cache_capacity() - 1);
            cache.clock += 1;
            let used = cache.clock;
            cache.entries.push(Cached {
                hash,
                backend: which,
                options,
                entry: Arc::new(entry.with_vars(Vec::new())),
                var_ids: ids,
                vars: entry.vars.iter().map(|v| v.downgrade()).collect(),
                used,
            });
            entry
        }
    };
    let values: Vec<&Value> = args.iter().map(|a| a.value()).collect();
    Ok(run_entry(&entry, &values)?.into_vec())
}
