//! `jit`: trace a function once per signature into a graph, optimise it,
//! compile it with Cranelift, cache it, and run the native code on every call.

mod args;
mod backend;
mod cache;
mod catch;
mod inspect;
mod locks;
mod options;
mod recent;
mod run;

// Used by control flow, which jits each construct called outside `jit`.
pub(crate) use {catch::catching, run::run as run_entry};
pub(crate) mod cache_entry {
    //! The cache entry type, for control flow compiled outside `jit`.
    pub(crate) use super::cache::Entry;
}

pub use args::{ArgList, IntoArgs, JitValue};
pub use backend::{Backend, backend, use_backend};
pub use cache::{CacheStats, DEFAULT_CACHE_CAPACITY, Signature};
pub use inspect::{Compiled, Lowered};
pub use options::JitOptions;

use crate::trace::{self, TracedFn};
use crate::{Array, array::Repr};
use cache::{Cache, Entry};
use heron_ir::{CompileOptions, Result, Value};
use smallvec::SmallVec;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Instant;

type BoxedFn<A, R> = Box<dyn Fn(A) -> R + Send + Sync>;

/// A jitted function: traced and compiled once per argument signature,
/// cached, and run as native code. `Send + Sync`: many threads may call it.
pub struct Jit<A, R> {
    name: String,
    f: BoxedFn<A, R>,
    cache: Cache,
    options: options::OptionsChoice,
    _types: PhantomData<fn(A) -> R>,
}

/// Compiles `f` just in time: see [`Jit`].
pub fn jit<A, R, F>(f: F) -> Jit<A, R>
where
    A: JitValue,
    R: JitValue,
    F: Fn(A) -> R + Send + Sync + 'static,
{
    jit_named(short_type_name::<F>(), f)
}

/// `jit` with a name shown in compile logs and the on-disk cache.
pub fn jit_named<A, R, F>(name: impl Into<String>, f: F) -> Jit<A, R>
where
    A: JitValue,
    R: JitValue,
    F: Fn(A) -> R + Send + Sync + 'static,
{
    Jit {
        name: name.into(),
        f: Box::new(f),
        cache: Cache::default(),
        options: options::OptionsChoice::Current,
        _types: PhantomData,
    }
}

/// `jit` with compilation options, e.g.
/// `jit_with(JitOptions { fast_math: true }, f)` (see [`JitOptions`]).
pub fn jit_with<A, R, F>(options: JitOptions, f: F) -> Jit<A, R>
where
    A: JitValue,
    R: JitValue,
    F: Fn(A) -> R + Send + Sync + 'static,
{
    let mut jit = jit_named(short_type_name::<F>(), f);
    jit.options = options::OptionsChoice::Jit(options);
    jit
}

/// `jit` compiling every signature under exactly `options`, whatever the
/// process defaults or a [`CompileOptions::scoped`] call say.
pub fn jit_with_options<A, R, F>(options: CompileOptions, f: F) -> Jit<A, R>
where
    A: JitValue,
    R: JitValue,
    F: Fn(A) -> R + Send + Sync + 'static,
{
    let mut jit = jit_named(short_type_name::<F>(), f);
    jit.options = options::OptionsChoice::Fixed(options);
    jit
}

fn short_type_name<F>() -> String {
    let full = std::any::type_name::<F>();
    full.split('<').next().unwrap_or(full).to_string()
}

impl<A: JitValue, R: JitValue> Jit<A, R> {
    /// Calls the function; panics with the error's message on failure.
    pub fn call(&self, args: impl IntoArgs<A>) -> R {
        self.try_call(args)
            .unwrap_or_else(|e| panic!("{}: {e}", self.name))
    }

    /// Calls the function. On error, no Variable has changed.
    pub fn try_call(&self, args: impl IntoArgs<A>) -> Result<R> {
        if trace::is_active() {
            // Called while another function is traced: inline, as JAX does,
            // whether or not an argument is traced, so that random draws
            // and Variable writes inside happen on every call of the outer
            // function rather than once at its trace time.
            let args = args.into_arg_list();
            return catch::catching(|| (self.f)(A::from_arrays(args)));
        }
        args.with_arg_slice(|args| {
            let entry = self.entry_for(args)?;
            let mut values: SmallVec<[&Value; 6]> = SmallVec::new();
            for a in args {
                values.push(concrete(a));
            }
            let mut results = ArgList::new();
            crate::profile::in_function(&self.name, || {
                run::run_into(&entry, &values, &mut results)
            })?;
            Ok(from_results(&mut results))
        })
    }

    /// Number of compiled specialisations held.
    pub fn cache_len(&self) -> usize {
        self.cache.len()
    }

    /// Hits, misses and compile time of this function's cache.
    pub fn cache_stats(&self) -> CacheStats {
        self.cache.stats()
    }

    /// The most signatures this function keeps compiled code for:
    /// [`DEFAULT_CACHE_CAPACITY`] unless [`set_cache_capacity`] changed it.
    ///
    /// [`set_cache_capacity`]: Jit::set_cache_capacity
    pub fn cache_capacity(&self) -> usize {
        self.cache.capacity()
    }

    /// Keeps compiled code for at most `capacity` signatures (at least 1).
    /// When a new signature is compiled into a full cache, the entry used
    /// least recently is dropped (its code is freed once no call is running
    /// it), and calling it again compiles it again. Shrinking the capacity
    /// drops the least recently used entries beyond it at once. Defaults to
    /// [`DEFAULT_CACHE_CAPACITY`].
    pub fn set_cache_capacity(&self, capacity: usize) {
        self.cache.set_capacity(capacity)
    }

    /// The compilation options (`jit_with`; the defaults for `jit`).
    pub fn options(&self) -> JitOptions {
        JitOptions {
            fast_math: self.compile_options().fast_math,
        }
    }

    /// The compile options a call made now compiles (or finds code) under:
    /// fixed by `jit_with_options`, else [`CompileOptions::current`] (with
    /// `jit_with`'s fast math). Every set of options has its own entries.
    pub fn compile_options(&self) -> CompileOptions {
        self.options.resolve()
    }

    /// The function's name (from `jit_named`, or the closure's type).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Traces and optimises the function for these arguments, without compiling.
    pub fn lower(&self, args: impl IntoArgs<A>) -> Lowered {
        self.try_lower(args)
            .unwrap_or_else(|e| panic!("{}: {e}", self.name))
    }

    /// `lower` returning an error instead of panicking.
    pub fn try_lower(&self, args: impl IntoArgs<A>) -> Result<Lowered> {
        let args = args.into_arg_list();
        let options = self.compile_options();
        let traced = self.trace(&args)?;
        let optimized = options::optimize(&traced.graph, &options)?;
        Ok(Lowered::new(traced.graph, optimized, options))
    }

    /// The compiled specialisation for these arguments (compiling it if needed).
    pub fn compile(&self, args: impl IntoArgs<A>) -> Compiled {
        self.try_compile(args)
            .unwrap_or_else(|e| panic!("{}: {e}", self.name))
    }

    /// `compile` returning an error instead of panicking.
    pub fn try_compile(&self, args: impl IntoArgs<A>) -> Result<Compiled> {
        let args = args.into_arg_list();
        Ok(Compiled::new(self.entry_for(&args)?))
    }

    /// Finds or builds the cache entry for the arguments' signature.
    fn entry_for(&self, args: &[Array]) -> Result<Arc<Entry>> {
        let types = || args.iter().map(|a| (a.shape(), a.dtype()));
        let options = self.compile_options();
        if let Some(entry) = recent::find(&self.cache, types, &options) {
            return Ok(entry);
        }
        if let Some(entry) = self.cache.find(types, &options) {
            recent::remember(&self.cache, &entry);
            return Ok(entry);
        }
        let _compiling = self.cache.compiling.lock();
        if let Some(entry) = self.cache.find(types, &options) {
            recent::remember(&self.cache, &entry);
            return Ok(entry);
        }
        let start = Instant::now();
        let traced = self.trace(args)?;
        let entry = Arc::new(Entry::build(&self.name, args, traced, start, options)?);
        if backend::env_flag("HERON_LOG_COMPILES") {
            eprintln!("{}", self.compile_log(&entry, self.cache.last().as_ref()));
        }
        self.cache.insert(entry.clone());
        recent::remember(&self.cache, &entry);
        Ok(entry)
    }

    /// Traces the function on arguments of the types of `args`.
    fn trace(&self, args: &[Array]) -> Result<TracedFn> {
        trace::begin();
        let traced_args: ArgList = args
            .iter()
            .map(|a| trace::arg(a.shape_ref().clone(), a.dtype()))
            .collect();
        match catch::catching(|| (self.f)(A::from_arrays(traced_args)).into_arrays()) {
            Ok(results) => trace::finish(&results),
            Err(e) => {
                trace::abandon();
                Err(e)
            }
        }
    }

    /// The line printed for a compilation under `HERON_LOG_COMPILES=1`.
    /// `previous` is the signature compiled before this one, if any.
    fn compile_log(&self, entry: &Entry, previous: Option<&Signature>) -> String {
        let sig = |signature: &Signature| -> Vec<String> {
            signature
                .iter()
                .map(|(s, d)| heron_ir::type_text(s, *d))
                .collect()
        };
        let reason = match previous {
            None => "first call".to_string(),
            Some(prev) if prev.len() != entry.signature.len() => format!(
                "called with {} arguments instead of {}",
                entry.signature.len(),
                prev.len()
            ),
            Some(prev) if *prev == entry.signature => "same argument types: the compile options \
                 or the Threefry scheme changed (hn::random::set_threefry_partitionable), or \
                 the entry had been evicted"
                .to_string(),
            Some(prev) => {
                let (old, new) = (sig(prev), sig(&entry.signature));
                let changed: Vec<String> = old
                    .iter()
                    .zip(&new)
                    .enumerate()
                    .filter(|(_, (o, n))| o != n)
                    .map(|(i, (o, n))| format!("argument {i} changed from {o} to {n}"))
                    .collect();
                changed.join(", ")
            }
        };
        let (verb, whence) = match &entry.exe {
            Some(exe) if exe.is_loaded() => ("loaded", " from disk"),
            _ => ("compiled", ""),
        };
        let interpreted = match &entry.exe {
            Some(exe) => match exe.interpreter_ops().as_slice() {
                [] => String::new(),
                ops => format!(" (run by the interpreter: {})", ops.join(", ")),
            },
            None => String::new(),
        };
        let gathers = match entry.exe.as_ref().map(|e| e.gather_forms()) {
            Some(g) if g.fused + g.steps > 0 => format!(
                " (gathers: {} fused into kernels, {} as native steps)",
                g.fused, g.steps
            ),
            _ => String::new(),
        };
        format!(
            "heron: {verb} {} for ({}){whence} in {:.2?}: {reason}{interpreted}{gathers}",
            self.name,
            sig(&entry.signature).join(", "),
            entry.compile_time
        )
    }
}

/// `R::from_arrays` of a call's results; a single `Array` is returned as
/// it is, without moving the list.
#[inline]
fn from_results<R: JitValue>(results: &mut ArgList) -> R {
    if results.len() == 1 {
        let mut one = results.pop();
        if let Some(r) = (&mut one as &mut dyn std::any::Any).downcast_mut::<Option<R>>() {
            return r.take().expect("one result");
        }
        results.extend(one);
    }
    R::from_arrays(std::mem::take(results))
}

fn concrete(a: &Array) -> &Value {
    match &a.repr {
        Repr::Concrete(v) => v,
        Repr::Traced(_) => unreachable!("a traced argument implies an active trace, inlined above"),
    }
}

impl<A, R> std::fmt::Debug for Jit<A, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Jit({}, {} entries)", self.name, self.cache.len())
    }
}

/// A jitted function can be shared between threads.
const _: fn() = || {
    fn check<T: Send + Sync>() {}
    check::<Jit<Array, Array>>();
};

#[cfg(test)]
mod call_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use heron_ir::{DType, Shape, Value};

    fn ones(n: usize) -> Array {
        Array::from_value(Value::full(
            Shape::new(&[n]),
            DType::F32,
            heron_ir::Scalar::F32(1.0),
        ))
    }

    #[test]
    fn fast_math_multiplies_by_the_reciprocal_of_constant_divisors() {
        let div = |x: Array| &x / 10.0;
        let exact = jit(div);
        let fast = jit_with(JitOptions { fast_math: true }, div);
        assert!(fast.options().fast_math && !exact.options().fast_math);
        let x = ones(5);
        let text = |l: &Lowered| l.optimized_text();
        assert!(text(&exact.lower(&x)).contains("div"));
        let lowered = fast.lower(&x);
        assert!(!text(&lowered).contains("div"), "{}", text(&lowered));
        let (a, b) = (exact.call(&x), fast.call(&x));
        assert_eq!(a.to_vec::<f32>(), vec![0.1f32; 5]);
        for v in b.to_vec::<f32>() {
            assert!((v - 0.1).abs() <= 1e-8, "{v}");
        }
    }

    #[test]
    fn compile_log_explains_each_miss() {
        let f = jit_named("double", |x: Array| x);
        let first = f.entry_for(&[ones(3)]).unwrap();
        let log = f.compile_log(&first, None);
        assert!(
            log.starts_with("heron: compiled double for (f32[3]) in "),
            "{log}"
        );
        assert!(log.ends_with(": first call"), "{log}");
        let second = f.entry_for(&[ones(5)]).unwrap();
        let log = f.compile_log(&second, Some(&first.signature));
        assert!(
            log.ends_with(": argument 0 changed from f32[3] to f32[5]"),
            "{log}"
        );
        let pair = jit_named("pair", |(a, _b): (Array, Array)| a);
        let one = pair.entry_for(&[ones(2), ones(2)]).unwrap();
        let log = f.compile_log(&one, Some(&first.signature));
        assert!(
            log.ends_with("called with 2 arguments instead of 1"),
            "{log}"
        );
    }

    #[test]
    fn compile_log_names_the_ops_left_to_the_interpreter() {
        // Draws under the older Threefry scheme still run through
        // `eval_op`; gathers, sorts and cumulative sums run natively and
        // are not named (the gathers are counted by their form).
        let f = jit_named("older_scheme_draw", |key: Array| {
            let op = heron_ir::Op::RandomBits {
                shape: Shape::new(&[4]),
                dtype: DType::U32,
                partitionable: false,
            };
            crate::array::apply(op, &[&key]).unwrap()
        });
        let key = crate::random::Key::new(0);
        let entry = f.entry_for(&[key.into_array()]).unwrap();
        let log = f.compile_log(&entry, None);
        assert!(
            log.ends_with("first call (run by the interpreter: random_bits)"),
            "{log}"
        );
        let gather = jit_named("gather", |x: Array| {
            let idx = x.argsort(0);
            x.take(&idx, 0).cumsum(0)
        });
        let entry = gather.entry_for(&[ones(4)]).unwrap();
        let log = gather.compile_log(&entry, None);
        assert!(
            log.ends_with(": first call (gathers: 0 fused into kernels, 1 as native steps)"),
            "{log}"
        );
        let fused = jit_named("fused", |x: Array| x.take(x.argsort(0), 0) * 2.0);
        let entry = fused.entry_for(&[ones(4)]).unwrap();
        let log = fused.compile_log(&entry, None);
        assert!(
            log.ends_with(": first call (gathers: 1 fused into kernels, 0 as native steps)"),
            "{log}"
        );
        let native = jit_named("native", |x: Array| x.sort(0).cumsum(0));
        let entry = native.entry_for(&[ones(4)]).unwrap();
        let log = native.compile_log(&entry, None);
        assert!(log.ends_with(": first call"), "{log}");
    }
}
