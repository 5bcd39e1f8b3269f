//! The per-function compile cache: entries keyed by the signature (the shapes
//! and dtypes of the arguments), found without allocating.
//!
//! The Variables a function touches are discovered by tracing; their shapes
//! and dtypes are fixed for their life (`Variable::set` rejects a change), so
//! for a given function they are determined by the argument signature and
//! need not be part of the lookup. Each entry still records them, and `run`
//! checks them under the variables' locks.

use crate::Variable;
use heron_codegen::Executable;
use heron_ir::{DType, Graph, Shape};
use parking_lot::RwLock;
use smallvec::SmallVec;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Shapes and dtypes of a call's arguments.
pub type Signature = SmallVec<[(Shape, DType); 4]>;

/// One traced and compiled specialisation of a jitted function.
pub(crate) struct Entry {
    /// The argument types this entry was traced for.
    pub(crate) signature: Signature,
    /// The Variables touched, by slot.
    pub(crate) vars: Vec<Variable>,
    /// Their types when traced.
    pub(crate) var_types: Vec<(Shape, DType)>,
    /// Slots in ascending variable id: the order locks are taken in.
    pub(crate) lock_order: Vec<usize>,
    /// The traced graph.
    pub(crate) traced: Graph,
    /// The graph after the optimisation passes (what runs).
    pub(crate) optimized: Graph,
    /// Native code; `None` when the interpreter backend traced this entry.
    pub(crate) exe: Option<Executable>,
    /// How many results the function returns.
    pub(crate) n_results: usize,
    /// Time spent tracing, optimising and compiling.
    pub(crate) compile_time: Duration,
    /// The Threefry scheme in use when traced (random draws record it).
    pub(crate) threefry_partitionable: bool,
}

impl Entry {
    /// Optimises a traced function, compiles it for the backend in use (or
    /// loads its code from the disk cache) and makes the entry for
    /// arguments `args`. `name` names the function in logs and on disk;
    /// `start` is when tracing began (for the compile time).
    pub(crate) fn build(
        name: &str,
        args: &[crate::Array],
        traced: crate::trace::TracedFn,
        start: std::time::Instant,
    ) -> heron_ir::Result<Entry> {
        Entry::build_with(name, args, traced, start, super::JitOptions::default())
    }

    /// `build` with compilation options (`jit_with`).
    pub(crate) fn build_with(
        name: &str,
        args: &[crate::Array],
        traced: crate::trace::TracedFn,
        start: std::time::Instant,
        options: super::JitOptions,
    ) -> heron_ir::Result<Entry> {
        let threefry_partitionable = crate::random::threefry_partitionable();
        let optimized = options.apply(heron_ir::passes::optimize(&traced.graph)?);
        let exe = match super::backend() {
            super::Backend::Cranelift => Some(crate::disk_cache::compile(
                name,
                args,
                &traced.graph,
                &optimized,
            )?),
            super::Backend::Interpreter => None,
        };
        let vars = traced.vars;
        let var_types = vars.iter().map(|v| (v.shape(), v.dtype())).collect();
        let mut lock_order: Vec<usize> = (0..vars.len()).collect();
        lock_order.sort_by_key(|&s| vars[s].id());
        let n_results = traced
            .graph
            .outputs
            .iter()
            .filter(|(_, r)| matches!(r, heron_ir::OutputRole::Result(_)))
            .count();
        Ok(Entry {
            signature: args
                .iter()
                .map(|a| (a.shape_ref().clone(), a.dtype()))
                .collect(),
            vars,
            var_types,
            lock_order,
            traced: traced.graph,
            optimized,
            exe,
            n_results,
            compile_time: start.elapsed(),
            threefry_partitionable,
        })
    }

    /// True when `arrays` have exactly this entry's signature (no allocation)
    /// and the entry was traced under the Threefry scheme now in use.
    pub(crate) fn matches<'a>(
        &self,
        mut types: impl ExactSizeIterator<Item = (&'a [usize], DType)>,
    ) -> bool {
        self.threefry_partitionable == crate::random::threefry_partitionable()
            && types.len() == self.signature.len()
            && self.signature.iter().all(|(shape, dtype)| {
                types
                    .next()
                    .is_some_and(|(s, d)| &shape[..] == s && *dtype == d)
            })
    }
}

/// Counters of a jitted function's cache.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Calls that found a compiled entry.
    pub hits: u64,
    /// Calls that traced and compiled a new entry.
    pub misses: u64,
    /// Total time spent tracing, optimising and compiling.
    pub compile_time: Duration,
    /// Number of entries held.
    pub entries: usize,
    /// Misses whose machine code was loaded from the disk cache instead of
    /// compiled (`heron::cache`).
    pub disk_loads: u64,
}

/// The entries of one jitted function and its counters.
#[derive(Default)]
pub(crate) struct Cache {
    pub(crate) entries: RwLock<Vec<Arc<Entry>>>,
    /// Serialises tracing so one signature is never compiled twice.
    pub(crate) compiling: parking_lot::Mutex<()>,
    hits: AtomicU64,
    misses: AtomicU64,
    compile_nanos: AtomicU64,
    disk_loads: AtomicU64,
}

impl Cache {
    /// The entry for argument types `types`, if compiled.
    pub(crate) fn find<'a, I>(&self, types: impl Fn() -> I) -> Option<Arc<Entry>>
    where
        I: ExactSizeIterator<Item = (&'a [usize], DType)>,
    {
        self.entries
            .read()
            .iter()
            .find(|e| e.matches(types()))
            .cloned()
    }

    pub(crate) fn record_hit(&self) {
        self.hits.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn insert(&self, entry: Arc<Entry>) {
        self.misses.fetch_add(1, Ordering::Relaxed);
        if entry.exe.as_ref().is_some_and(Executable::is_loaded) {
            self.disk_loads.fetch_add(1, Ordering::Relaxed);
        }
        self.compile_nanos
            .fetch_add(entry.compile_time.as_nanos() as u64, Ordering::Relaxed);
        self.entries.write().push(entry);
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.read().len()
    }

    pub(crate) fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            compile_time: Duration::from_nanos(self.compile_nanos.load(Ordering::Relaxed)),
            entries: self.len(),
            disk_loads: self.disk_loads.load(Ordering::Relaxed),
        }
    }

    /// The most recently compiled entry (to explain the next miss).
    pub(crate) fn last(&self) -> Option<Arc<Entry>> {
        self.entries.read().last().cloned()
    }
}
