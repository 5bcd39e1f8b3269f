//! The per-function compile cache: entries keyed by the signature (the shapes
//! and dtypes of the arguments), found by the signature's hash without
//! allocating, and bounded: past its capacity (`DEFAULT_CACHE_CAPACITY`
//! signatures unless `Jit::set_cache_capacity` says otherwise), the least
//! recently used entry is dropped, and its code freed once no call runs it.
//!
//! The Variables a function touches are discovered by tracing; their shapes
//! and dtypes are fixed for their life (`Variable::set` rejects a change), so
//! for a given function they are determined by the argument signature and
//! need not be part of the lookup. Each entry still records them, and `run`
//! checks them under the variables' locks.

use crate::Variable;
use heron_codegen::Executable;
use heron_ir::{DType, Graph, Shape};
use parking_lot::{Mutex, RwLock};
use rustc_hash::FxHashMap;
use smallvec::SmallVec;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

/// How many signatures a jitted function keeps compiled code for, unless
/// `Jit::set_cache_capacity` sets another bound (as JAX keeps a bounded
/// cache per function).
pub const DEFAULT_CACHE_CAPACITY: usize = 64;

/// Shapes and dtypes of a call's arguments.
pub type Signature = SmallVec<[(Shape, DType); 4]>;

/// One traced and compiled specialisation of a jitted function. The graphs
/// and the code are shared, so an entry for other Variables of the same
/// types (`with_vars`) is cheap to make.
pub(crate) struct Entry {
    /// The argument types this entry was traced for.
    pub(crate) signature: Signature,
    /// `signature_hash` of the signature.
    pub(crate) hash: u64,
    /// The Variables touched, by slot.
    pub(crate) vars: Vec<Variable>,
    /// Their types when traced.
    pub(crate) var_types: Vec<(Shape, DType)>,
    /// Slots in ascending variable id: the order locks are taken in.
    pub(crate) lock_order: Vec<usize>,
    /// By slot: whether the code writes the Variable (locked for the call)
    /// or only reads it (read from a snapshot).
    pub(crate) written: Vec<bool>,
    /// The traced graph.
    pub(crate) traced: Arc<Graph>,
    /// The graph after the optimisation passes (what runs).
    pub(crate) optimized: Arc<Graph>,
    /// Native code; `None` when the interpreter backend traced this entry.
    pub(crate) exe: Option<Arc<Executable>>,
    /// How many results the function returns.
    pub(crate) n_results: usize,
    /// Time spent tracing, optimising and compiling.
    pub(crate) compile_time: Duration,
    /// The Threefry scheme in use when traced (random draws record it).
    pub(crate) threefry_partitionable: bool,
    /// The compile options of the code (part of the lookup).
    pub(crate) options: heron_ir::CompileOptions,
    /// By output of the optimised graph: whether the native code may write
    /// it straight into its Variable's buffer (`run`): a Variable write
    /// of the Variable's own type, by code that cannot fail part-way and
    /// reads the old value only at the index it writes, or not at all.
    pub(crate) in_place: Vec<bool>,
    /// The clock of the cache holding the entry (its hits plus misses) at
    /// the last call that found or added it.
    pub(crate) used: AtomicU64,
    /// Set when the cache drops the entry: a thread's recent entries
    /// (`recent`) no longer offer it.
    pub(crate) evicted: AtomicBool,
}

impl Entry {
    /// Optimises a traced function, compiles it under `options` for the
    /// backend in use (or loads its code from the disk cache) and makes the
    /// entry for arguments `args`. `name` names the function in logs and on
    /// disk; `start` is when tracing began (for the compile time).
    pub(crate) fn build(
        name: &str,
        args: &[crate::Array],
        traced: crate::trace::TracedFn,
        start: std::time::Instant,
        options: heron_ir::CompileOptions,
    ) -> heron_ir::Result<Entry> {
        let threefry_partitionable = crate::random::threefry_partitionable();
        let optimized = super::options::optimize(&traced.graph, &options)?;
        let exe = match super::backend() {
            super::Backend::Cranelift => Some(Arc::new(crate::disk_cache::compile(
                name,
                args,
                &traced.graph,
                &optimized,
                &options,
            )?)),
            super::Backend::Interpreter => None,
        };
        let vars = traced.vars;
        let var_types: Vec<(Shape, DType)> = vars.iter().map(|v| (v.shape(), v.dtype())).collect();
        let mut lock_order: Vec<usize> = (0..vars.len()).collect();
        lock_order.sort_by_key(|&s| vars[s].id());
        let n_results = traced
            .graph
            .outputs
            .iter()
            .filter(|(_, r)| matches!(r, heron_ir::OutputRole::Result(_)))
            .count();
        let mut written = vec![false; vars.len()];
        for &(_, role) in &optimized.outputs {
            if let heron_ir::OutputRole::VarWrite(slot) = role {
                written[slot as usize] = true;
            }
        }
        let signature: Signature = args
            .iter()
            .map(|a| (a.shape_ref().clone(), a.dtype()))
            .collect();
        if let Some(exe) = &exe {
            check_param_types(exe, &optimized, &signature, &var_types)?;
        }
        let in_place = in_place_outputs(exe.as_deref(), &optimized, &var_types);
        Ok(Entry {
            hash: signature_hash(signature.iter().map(|(s, d)| (&s[..], *d))),
            signature,
            vars,
            var_types,
            lock_order,
            written,
            traced: Arc::new(traced.graph),
            optimized: Arc::new(optimized),
            exe,
            n_results,
            compile_time: start.elapsed(),
            threefry_partitionable,
            options,
            in_place,
            used: AtomicU64::new(0),
            evicted: AtomicBool::new(false),
        })
    }

    /// This entry for `vars`, Variables of the same types as its own, in
    /// slot order (sharing the graphs and the code).
    pub(crate) fn with_vars(&self, vars: Vec<Variable>) -> Entry {
        debug_assert!(
            vars.iter()
                .zip(&self.var_types)
                .all(|(v, (s, d))| v.shape() == *s && v.dtype() == *d)
        );
        let mut lock_order: Vec<usize> = (0..vars.len()).collect();
        lock_order.sort_by_key(|&s| vars[s].id());
        Entry {
            signature: self.signature.clone(),
            hash: self.hash,
            vars,
            var_types: self.var_types.clone(),
            lock_order,
            written: self.written.clone(),
            threefry_partitionable: self.threefry_partitionable,
            options: self.options,
            traced: self.traced.clone(),
            optimized: self.optimized.clone(),
            exe: self.exe.clone(),
            n_results: self.n_results,
            compile_time: self.compile_time,
            in_place: self.in_place.clone(),
            used: AtomicU64::new(0),
            evicted: AtomicBool::new(false),
        }
    }

    /// True when `args` have exactly the types of the signature: what the
    /// native code trusts for every address it computes (a `Value`'s
    /// buffer always holds the elements of its shape).
    #[inline]
    pub(crate) fn accepts(&self, args: &[&heron_ir::Value]) -> bool {
        args.len() == self.signature.len()
            && self
                .signature
                .iter()
                .zip(args)
                .all(|((shape, dtype), v)| v.dtype() == *dtype && same_extents(v.shape(), shape))
    }

    /// True when `arrays` have exactly this entry's signature (no allocation),
    /// the entry was compiled under `options` and traced under the
    /// Threefry scheme now in use.
    #[inline]
    pub(crate) fn matches<'a>(
        &self,
        mut types: impl ExactSizeIterator<Item = (&'a [usize], DType)>,
        options: &heron_ir::CompileOptions,
    ) -> bool {
        self.options == *options
            && self.threefry_partitionable == crate::random::threefry_partitionable()
            && types.len() == self.signature.len()
            && self.signature.iter().all(|(shape, dtype)| {
                types
                    .next()
                    .is_some_and(|(s, d)| *dtype == d && same_extents(shape, s))
            })
    }
}

/// True when two shapes have the same extents: an element loop, cheaper
/// than the library's `memcmp` for the few extents of a shape.
#[inline]
fn same_extents(a: &[usize], b: &[usize]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// Checks, once when an entry is made, that the code's parameters have the
/// types of the arguments and Variables bound to them, so that a call whose
/// arguments match the signature, and whose Variables still have their
/// types, passes buffers of exactly the types the code was compiled for.
fn check_param_types(
    exe: &Executable,
    graph: &Graph,
    signature: &Signature,
    var_types: &[(Shape, DType)],
) -> heron_ir::Result<()> {
    let types = exe.param_types();
    let bound = graph.params.iter().map(|&(_, role)| match role {
        heron_ir::ParamRole::Arg(i) => signature.get(i as usize),
        heron_ir::ParamRole::Var(s) => var_types.get(s as usize),
    });
    if types.len() != graph.params.len() || !bound.zip(types).all(|(b, t)| b == Some(t)) {
        return Err(heron_ir::Error::invalid(
            "jit",
            "the compiled code's parameter types differ from the traced arguments and Variables",
        ));
    }
    Ok(())
}

/// `Entry::in_place`: by output of `graph`, whether the native code may
/// write it into its Variable's own buffer.
fn in_place_outputs(
    exe: Option<&Executable>,
    graph: &Graph,
    var_types: &[(Shape, DType)],
) -> Vec<bool> {
    let Some(exe) = exe.filter(|e| !e.can_fail_midway()) else {
        return vec![false; graph.outputs.len()];
    };
    graph
        .outputs
        .iter()
        .enumerate()
        .map(|(j, &(node, role))| {
            let heron_ir::OutputRole::VarWrite(s) = role else {
                return false;
            };
            let var = heron_ir::ParamRole::Var(s);
            // The code reads the old value only at the index it writes, or
            // does not read it at all (a Variable only written, such as a
            // step's spikes): either way its buffer can take the new value.
            let aliasable = exe
                .aliasable()
                .iter()
                .any(|&(out, p)| out == j && graph.params[p].1 == var);
            let unread = graph.params.iter().all(|&(_, r)| r != var);
            let n = graph.node(node);
            let same_type = var_types
                .get(s as usize)
                .is_some_and(|(shape, dtype)| *shape == n.shape && *dtype == n.dtype);
            (aliasable || unread) && same_type
        })
        .collect()
}

/// The hash of a signature given as `(extents, dtype)` pairs: what the
/// cache is keyed by (equal signatures hash equal; entries are confirmed by
/// `Entry::matches`). Computed on every call, so it is a plain multiply-
/// rotate mix of the words (as `FxHasher` does), with nothing to call.
#[inline]
fn signature_hash<'a>(types: impl ExactSizeIterator<Item = (&'a [usize], DType)>) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mix = |h: u64, word: u64| (h.rotate_left(5) ^ word).wrapping_mul(K);
    let mut h = mix(0, types.len() as u64);
    for (shape, dtype) in types {
        h = mix(h, shape.len() as u64);
        for &extent in shape {
            h = mix(h, extent as u64);
        }
        h = mix(h, dtype as u64);
    }
    h
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
    /// Entries dropped, least recently used first, to stay within the
    /// cache's capacity (`Jit::set_cache_capacity`).
    pub evictions: u64,
}

/// The entries of one jitted function and its counters.
pub(crate) struct Cache {
    /// Entries by `signature_hash`; a bucket holds the rare signatures
    /// whose hashes collide.
    entries: RwLock<FxHashMap<u64, SmallVec<[Arc<Entry>; 1]>>>,
    /// This cache's identity among all caches made by the process (never
    /// reused), for the per-thread recent entries (`recent`).
    pub(crate) id: u64,
    /// The most entries held.
    capacity: AtomicUsize,
    /// The signature compiled last (to explain the next miss).
    last: Mutex<Option<Signature>>,
    /// Serialises tracing so one signature is never compiled twice.
    pub(crate) compiling: parking_lot::Mutex<()>,
    hits: AtomicU64,
    misses: AtomicU64,
    compile_nanos: AtomicU64,
    disk_loads: AtomicU64,
    evictions: AtomicU64,
}

impl Default for Cache {
    fn default() -> Cache {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        Cache {
            entries: RwLock::default(),
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            capacity: AtomicUsize::new(DEFAULT_CACHE_CAPACITY),
            last: Mutex::default(),
            compiling: parking_lot::Mutex::default(),
            hits: AtomicU64::default(),
            misses: AtomicU64::default(),
            compile_nanos: AtomicU64::default(),
            disk_loads: AtomicU64::default(),
            evictions: AtomicU64::default(),
        }
    }
}

impl Cache {
    /// The entry for argument types `types` compiled under `options`, if
    /// any; counts a hit and marks the entry used. Does not allocate.
    pub(crate) fn find<'a, I>(
        &self,
        types: impl Fn() -> I,
        options: &heron_ir::CompileOptions,
    ) -> Option<Arc<Entry>>
    where
        I: ExactSizeIterator<Item = (&'a [usize], DType)>,
    {
        let hash = signature_hash(types());
        let entries = self.entries.read();
        let entry = entries
            .get(&hash)?
            .iter()
            .find(|e| e.matches(types(), options))?;
        self.hit(entry);
        Some(entry.clone())
    }

    /// Counts a call that found `entry` and marks the entry used.
    #[inline]
    pub(crate) fn hit(&self, entry: &Entry) {
        let hits = self.hits.fetch_add(1, Ordering::Relaxed) + 1;
        entry.used.store(
            hits + self.misses.load(Ordering::Relaxed),
            Ordering::Relaxed,
        );
    }

    /// Adds a newly compiled entry, first dropping the least recently used
    /// ones if the cache is full.
    pub(crate) fn insert(&self, entry: Arc<Entry>) {
        let misses = self.misses.fetch_add(1, Ordering::Relaxed) + 1;
        if entry.exe.as_ref().is_some_and(|e| e.is_loaded()) {
            self.disk_loads.fetch_add(1, Ordering::Relaxed);
        }
        self.compile_nanos
            .fetch_add(entry.compile_time.as_nanos() as u64, Ordering::Relaxed);
        let mut entries = self.entries.write();
        let capacity = self.capacity.load(Ordering::Relaxed);
        self.evict(&mut entries, capacity - 1);
        let now = misses + self.hits.load(Ordering::Relaxed);
        *self.last.lock() = Some(entry.signature.clone());
        entry.used.store(now, Ordering::Relaxed);
        entries.entry(entry.hash).or_default().push(entry);
    }

    /// Drops the least recently used entries until at most `keep` remain.
    fn evict(&self, entries: &mut FxHashMap<u64, SmallVec<[Arc<Entry>; 1]>>, keep: usize) {
        let mut len: usize = entries.values().map(|b| b.len()).sum();
        while len > keep {
            let Some((hash, i)) = entries
                .iter()
                .flat_map(|(&h, b)| b.iter().enumerate().map(move |(i, s)| (h, i, s)))
                .min_by_key(|(_, _, s)| s.used.load(Ordering::Relaxed))
                .map(|(h, i, _)| (h, i))
            else {
                break;
            };
            let bucket = entries.get_mut(&hash).expect("found above");
            bucket.remove(i).evicted.store(true, Ordering::Relaxed);
            if bucket.is_empty() {
                entries.remove(&hash);
            }
            len -= 1;
            self.evictions.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The most entries held.
    pub(crate) fn capacity(&self) -> usize {
        self.capacity.load(Ordering::Relaxed)
    }

    /// Bounds the cache to `capacity` entries (at least 1), dropping the
    /// least recently used ones beyond it.
    pub(crate) fn set_capacity(&self, capacity: usize) {
        let capacity = capacity.max(1);
        let mut entries = self.entries.write();
        self.capacity.store(capacity, Ordering::Relaxed);
        self.evict(&mut entries, capacity);
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.read().values().map(|b| b.len()).sum()
    }

    pub(crate) fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            compile_time: Duration::from_nanos(self.compile_nanos.load(Ordering::Relaxed)),
            entries: self.len(),
            disk_loads: self.disk_loads.load(Ordering::Relaxed),
            evictions: self.evictions.load(Ordering::Relaxed),
        }
    }

    /// The signature compiled last (to explain the next miss).
    pub(crate) fn last(&self) -> Option<Signature> {
        self.last.lock().clone()
    }
}
