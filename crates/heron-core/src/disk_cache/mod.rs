//! The compile cache on disk (exported as `heron::cache`).
//!
//! With `HERON_CACHE_DIR=DIR` set (or after `set_dir(DIR)`), every function
//! specialisation `jit` compiles is written to `DIR` with what it was made
//! from: its key, name, signature, traced and optimised graphs, Cranelift IR,
//! machine code, code size and compile time. A later process that traces the
//! same function for the same signature with the same compile options, on
//! the same machine and with the same heron build, computes the same key
//! (`key.rs`) and loads the machine code instead of compiling it; the hit is
//! counted in the entry's usage file.
//!
//! - `format.rs`: the entry file and its checksum.
//! - `key.rs`: what the key hashes.
//! - `store.rs`: the directory: atomic writes, locked counters, permissions.
//! - `evict.rs`: the size bound (`HERON_CACHE_MAX_MB`), least recently used first.
//!
//! An entry that is damaged or filed under another key (corrupt), written by
//! another heron build or for another CPU (stale), or a link, special file or
//! file that is not the user's own (not trusted) is never executed: it is a
//! miss, reported once on stderr with its kind, and the entry is compiled
//! and rewritten. Only this module writes entries (`Store::write` is
//! crate-private and `unsafe`): no safe code elsewhere can put bytes in
//! place to be executed.

mod evict;
mod files;
mod format;
mod key;
mod store;

pub use evict::{DEFAULT_MAX_MB, enforce, max_bytes};
pub use files::TRUST_DIR_ENV;
pub use format::{
    BUILD, EntryRecord, FORMAT, HERON_VERSION, Unusable, decode, encode, short_key, stale,
};
pub use key::{CodeOptions, key_for};
pub use store::{Store, Usage, is_key, now_ms};

use crate::Array;
use heron_codegen::Executable;
use heron_ir::{Graph, Result};
use parking_lot::{Mutex, RwLock};
use rustc_hash::FxHashSet;
use std::path::PathBuf;
use std::time::Instant;

/// Where the cache directory comes from.
enum Setting {
    /// `HERON_CACHE_DIR`, if set.
    Env,
    /// A directory given to `set_dir`.
    Dir(PathBuf),
    /// No cache.
    Off,
}

static SETTING: RwLock<Setting> = RwLock::new(Setting::Env);

/// The directory last opened, and its store (`None` when it was refused).
static OPENED: Mutex<Option<(PathBuf, Option<Store>)>> = Mutex::new(None);

/// Problems already reported on stderr (each is reported once per process).
static REPORTED: Mutex<Option<FxHashSet<String>>> = Mutex::new(None);

/// Uses `dir` as the cache directory for the rest of the process (overrides
/// `HERON_CACHE_DIR`). The directory is created, private to the current
/// user, when missing; one that other users can write to is refused.
pub fn set_dir(dir: impl Into<PathBuf>) -> Result<()> {
    let dir = dir.into();
    let store = Store::open_for_code(&dir)?;
    *OPENED.lock() = Some((dir.clone(), Some(store)));
    *SETTING.write() = Setting::Dir(dir);
    Ok(())
}

/// Turns the cache off for the rest of the process (overrides `HERON_CACHE_DIR`).
pub fn disable() {
    *SETTING.write() = Setting::Off;
}

/// Goes back to taking the directory from `HERON_CACHE_DIR`.
pub fn use_env() {
    *SETTING.write() = Setting::Env;
}

/// The cache directory in effect, if any.
pub fn dir() -> Option<PathBuf> {
    match &*SETTING.read() {
        Setting::Env => std::env::var_os("HERON_CACHE_DIR")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from),
        Setting::Dir(d) => Some(d.clone()),
        Setting::Off => None,
    }
}

/// The store of the directory in effect; `None` when there is none or it
/// was refused (which is reported once).
fn active() -> Option<Store> {
    let dir = dir()?;
    let mut opened = OPENED.lock();
    if let Some((d, store)) = &*opened
        && *d == dir
    {
        return store.clone();
    }
    let store = match Store::open_for_code(&dir) {
        Ok(store) => Some(store),
        Err(e) => {
            report(format!("heron: {e}; compiling without the disk cache"));
            None
        }
    };
    *opened = Some((dir, store.clone()));
    store
}

/// Prints `message` on stderr unless it was printed before.
fn report(message: String) {
    let mut reported = REPORTED.lock();
    if reported
        .get_or_insert_with(FxHashSet::default)
        .insert(message.clone())
    {
        eprintln!("{message}");
    }
}

/// The argument types as the cache records them (`f32[3,4]`).
fn signature_of(args: &[Array]) -> Vec<String> {
    args.iter()
        .map(|a| heron_ir::type_text(a.shape_ref(), a.dtype()))
        .collect()
}

/// Compiles `optimized` (traced as `traced` from function `name` called with
/// `args`) under `options`, or loads its machine code from the cache
/// directory in effect. Without a cache directory this is
/// `heron_codegen::compile_with`.
pub(crate) fn compile(
    name: &str,
    args: &[Array],
    traced: &Graph,
    optimized: &Graph,
    options: &CodeOptions,
) -> Result<Executable> {
    let Some(store) = active() else {
        return heron_codegen::compile_with(optimized, options);
    };
    let signature = signature_of(args);
    let key = key_for(&signature, optimized, options);
    let start = Instant::now();
    match load(&store, &key, optimized, options) {
        Ok(Some(exe)) => {
            let load_nanos = start.elapsed().as_nanos() as u64;
            let _ = store.update_usage(&key, |u| {
                u.hits += 1;
                u.load_nanos += load_nanos;
                u.last_used_ms = now_ms();
            });
            return Ok(exe);
        }
        Ok(None) => {}
        Err(why) => report(format!(
            "heron: cache entry {} is {} ({why}); recompiling",
            short_key(&key),
            why.kind()
        )),
    }
    let start = Instant::now();
    let exe = heron_codegen::compile_with(optimized, options)?;
    let compile_nanos = start.elapsed().as_nanos() as u64;
    if let Some(image) = exe.code_image() {
        let record = EntryRecord {
            key: key.clone(),
            build: BUILD.to_string(),
            heron_version: HERON_VERSION.to_string(),
            options: options.to_text(),
            target: heron_codegen::target_description().to_string(),
            name: name.to_string(),
            signature,
            ir: traced.to_text(),
            optimized: optimized.to_text(),
            code_size: image.code_size(),
            kernels: image.kernel_count(),
            compile_nanos,
            created_ms: now_ms(),
            image,
        };
        // SAFETY: `image` is the machine code Cranelift just compiled for
        // `optimized` with `options` on this target, and the record names
        // this build.
        let written = unsafe { store.write(&record) };
        let stored = written.and_then(|_| {
            store.update_usage(&key, |u| {
                u.misses += 1;
                u.last_used_ms = now_ms();
            })?;
            enforce(&store, max_bytes(), &key)
        });
        if let Err(e) = stored {
            report(format!("heron: {e}; the disk cache is not updated"));
        }
    }
    Ok(exe)
}

/// The executable stored under `key`, checked against `optimized` and
/// `options`: `Ok(None)` when there is no entry, `Err` naming the problem
/// when the entry cannot be used.
fn load(
    store: &Store,
    key: &str,
    optimized: &Graph,
    options: &CodeOptions,
) -> std::result::Result<Option<Executable>, Unusable> {
    let Some(record) = store.read(key)? else {
        return Ok(None);
    };
    if record.optimized != optimized.to_text() {
        return Err(Unusable::Corrupt(
            "it holds the code of another graph".into(),
        ));
    }
    if record.options != options.to_text() {
        return Err(Unusable::Corrupt(format!(
            "it was compiled with {}",
            record.options
        )));
    }
    heron_codegen::load_with(optimized, &record.image, options)
        .map(Some)
        .map_err(|e| Unusable::Corrupt(e.to_string()))
}
