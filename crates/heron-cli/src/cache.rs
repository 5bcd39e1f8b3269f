//! `heron cache`: inspect and maintain the compile cache on disk
//! (`HERON_CACHE_DIR`, or `--dir`).
//!
//! - `ls [--json]`: one row per entry (short key, name, signature, kernels,
//!   code size, compile time, hits, last use), most recently used first;
//!   stale entries (another heron build or CPU: never loaded) say so.
//! - `show KEY [--ir|--optimized|--clif]`: one entry (KEY may be a unique prefix).
//! - `stats [--json]`: entries, bytes, hits, misses, time saved.
//! - `clear`: remove every entry.
//! - `verify`: check every entry and report the corrupt, stale and not
//!   trusted ones. It deletes only corrupt entries, which are always the
//!   current user's own private files (an entry is checked for that before
//!   it is read). Stale entries are kept (another heron build may load
//!   them; `clear` or the size bound removes them); entries that are links,
//!   special files, not the user's own or writable by others are reported
//!   and left in place (they are never loaded).
//!
//! Exit codes: 0 ok, 1 problems found (corrupt or not trusted entries), 2
//! bad usage or an I/O error (a missing or unreadable directory, an unknown
//! key).

use clap::{Args, Subcommand};
use heron::cache::{EntryRecord, Store, Unusable, Usage, now_ms, short_key, stale};
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Arguments of `heron cache`.
#[derive(Args)]
pub struct CacheArgs {
    /// The cache directory [default: $HERON_CACHE_DIR].
    #[arg(long, global = true, value_name = "DIR")]
    dir: Option<PathBuf>,
    #[command(subcommand)]
    command: CacheCommand,
}

#[derive(Subcommand)]
enum CacheCommand {
    /// List the entries, one row each, most recently used first.
    Ls {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one entry: a summary, or one of its texts.
    Show {
        /// The entry's key, or a prefix of it that only one key has.
        key: String,
        /// Print the traced graph.
        #[arg(long, conflicts_with_all = ["optimized", "clif"])]
        ir: bool,
        /// Print the optimised graph and its fused kernel plan.
        #[arg(long, conflicts_with = "clif")]
        optimized: bool,
        /// Print the Cranelift IR of every kernel.
        #[arg(long)]
        clif: bool,
    },
    /// Totals over the cache: entries, bytes, hits, misses, time saved.
    Stats {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Remove every entry.
    Clear,
    /// Check every entry; report the corrupt, stale and not trusted ones,
    /// and remove the corrupt ones (never an entry that is not your own).
    Verify,
}

/// The outcome of a command, as an exit code.
enum Outcome {
    Ok,
    Problems,
}

/// Runs `heron cache`.
pub fn main(args: CacheArgs) -> ExitCode {
    let result = open(args.dir).and_then(|store| match args.command {
        CacheCommand::Ls { json } => ls(&store, json),
        CacheCommand::Show {
            key,
            ir,
            optimized,
            clif,
        } => show(&store, &key, ir, optimized, clif),
        CacheCommand::Stats { json } => stats(&store, json),
        CacheCommand::Clear => clear(&store),
        CacheCommand::Verify => verify(&store),
    });
    match result {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::Problems) => ExitCode::from(1),
        Err(e) => {
            eprintln!("heron cache: {e}");
            ExitCode::from(2)
        }
    }
}

/// Opens the directory; warns when heron would refuse to load code from it.
fn open(dir: Option<PathBuf>) -> anyhow::Result<Store> {
    let dir = dir
        .or_else(|| {
            std::env::var_os("HERON_CACHE_DIR")
                .filter(|d| !d.is_empty())
                .map(PathBuf::from)
        })
        .ok_or_else(|| {
            anyhow::anyhow!("no cache directory: pass --dir DIR or set HERON_CACHE_DIR")
        })?;
    let store = Store::open(dir)?;
    if let Err(e) = store.check_private() {
        eprintln!("heron cache: warning: {e}");
    }
    Ok(store)
}

/// Every entry file: its key and its record, or why it cannot be read.
fn entries(store: &Store) -> anyhow::Result<Vec<(String, Result<EntryRecord, Unusable>)>> {
    Ok(store
        .keys()?
        .into_iter()
        .filter_map(|key| match store.inspect(&key) {
            Ok(Some(record)) => Some((key, Ok(record))),
            // Removed by another process since it was listed.
            Ok(None) => None,
            Err(why) => Some((key, Err(why))),
        })
        .collect())
}

fn ls(store: &Store, as_json: bool) -> anyhow::Result<Outcome> {
    let mut rows = Vec::new();
    let mut bad = Vec::new();
    for (key, record) in entries(store)? {
        match record {
            Ok(r) => {
                let usage = store.usage(&key);
                rows.push((r, usage));
            }
            Err(why) => bad.push((key, why)),
        }
    }
    rows.sort_by_key(|(r, u)| std::cmp::Reverse(u.last_used_ms.max(r.created_ms)));
    if as_json {
        let list: Vec<_> = rows
            .iter()
            .map(|(r, u)| {
                json!({
                    "key": r.key,
                    "name": r.name,
                    "signature": r.signature,
                    "kernels": r.kernels,
                    "code_size": r.code_size,
                    "compile_ms": r.compile_nanos as f64 / 1e6,
                    "hits": u.hits,
                    "misses": u.misses,
                    "created_ms": r.created_ms,
                    "last_used_ms": u.last_used_ms,
                    "loadable": stale(r).is_none(),
                    "status": if stale(r).is_none() { "ok" } else { "stale" },
                    "reason": stale(r),
                })
            })
            .chain(bad.iter().map(
                |(key, why)| json!({"key": key, "status": why.kind(), "reason": why.reason()}),
            ))
            .collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
    } else {
        let mut table = vec![
            [
                "KEY",
                "NAME",
                "SIGNATURE",
                "KERNELS",
                "CODE",
                "COMPILE",
                "HITS",
                "LAST USED",
            ]
            .map(String::from)
            .to_vec(),
        ];
        let now = now_ms();
        for (r, u) in &rows {
            let mut name = r.name.clone();
            if let Some(why) = stale(r) {
                name.push_str(&format!(" (stale: {why})"));
            }
            table.push(vec![
                r.short_key().to_string(),
                name,
                format!("({})", r.signature.join(", ")),
                r.kernels.to_string(),
                bytes(r.code_size as u64),
                duration(Duration::from_nanos(r.compile_nanos)),
                u.hits.to_string(),
                ago(now, u.last_used_ms.max(r.created_ms)),
            ]);
        }
        print_table(&table, &[3, 4, 5, 6]);
        for (key, why) in &bad {
            println!("{}  {}: {why}", short_key(key), why.kind());
        }
        if rows.is_empty() && bad.is_empty() {
            println!("(no entries in {})", store.dir().display());
        }
    }
    Ok(
        if bad.iter().all(|(_, why)| matches!(why, Unusable::Stale(_))) {
            Outcome::Ok
        } else {
            Outcome::Problems
        },
    )
}

fn show(
    store: &Store,
    prefix: &str,
    ir: bool,
    optimized: bool,
    clif: bool,
) -> anyhow::Result<Outcome> {
    let key = store.resolve(prefix)?;
    let record = match store.inspect(&key) {
        Ok(Some(r)) => r,
        Ok(None) => anyhow::bail!("entry {} was removed", short_key(&key)),
        Err(why) => {
            println!("{}  {}: {why}", short_key(&key), why.kind());
            return Ok(if matches!(why, Unusable::Stale(_)) {
                Outcome::Ok
            } else {
                Outcome::Problems
            });
        }
    };
    if ir {
        emit(&record.ir);
    } else if optimized {
        emit(&record.optimized_text());
    } else if clif {
        emit(&record.image.clif);
    } else {
        let u = store.usage(&key);
        let now = now_ms();
        let status =
            stale(&record).map_or_else(|| "loadable".into(), |why| format!("stale: {why}"));
        let lines = [
            ("key", record.key.clone()),
            ("name", record.name.clone()),
            ("signature", format!("({})", record.signature.join(", "))),
            ("heron", record.heron_version.clone()),
            ("build", short_key(&record.build).to_string()),
            ("options", record.options.clone()),
            ("status", status),
            ("kernels", record.kernels.to_string()),
            ("code size", bytes(record.code_size as u64)),
            ("file size", bytes(store.entry_size(&key))),
            (
                "compile time",
                duration(Duration::from_nanos(record.compile_nanos)),
            ),
            ("created", ago(now, record.created_ms)),
            ("hits", u.hits.to_string()),
            ("misses", u.misses.to_string()),
            ("last used", ago(now, u.last_used_ms.max(record.created_ms))),
        ];
        for (k, v) in lines {
            println!("{k:>12}  {v}");
        }
        let functions: Vec<String> = record
            .image
            .functions
            .iter()
            .map(|f| format!("{} ({})", f.name, bytes(f.bytes.len() as u64)))
            .collect();
        println!("{:>12}  {}", "functions", functions.join(", "));
        println!("\n(--ir, --optimized and --clif print the graphs and the Cranelift IR)");
    }
    Ok(Outcome::Ok)
}

/// Totals over the readable entries.
struct Totals {
    entries: usize,
    /// Entries that are not this heron build's (counted in `entries` when intact).
    stale: usize,
    corrupt: usize,
    untrusted: usize,
    bytes: u64,
    code: u64,
    hits: u64,
    misses: u64,
    compile_nanos: u64,
    saved_nanos: i128,
}

fn stats(store: &Store, as_json: bool) -> anyhow::Result<Outcome> {
    let mut t = Totals {
        entries: 0,
        stale: 0,
        corrupt: 0,
        untrusted: 0,
        bytes: 0,
        code: 0,
        hits: 0,
        misses: 0,
        compile_nanos: 0,
        saved_nanos: 0,
    };
    for (key, record) in entries(store)? {
        t.bytes += store.entry_size(&key);
        let r = match record {
            Ok(r) => r,
            Err(Unusable::Stale(_)) => {
                t.stale += 1;
                continue;
            }
            Err(Unusable::Corrupt(_)) => {
                t.corrupt += 1;
                continue;
            }
            Err(Unusable::Untrusted(_)) => {
                t.untrusted += 1;
                continue;
            }
        };
        let u: Usage = store.usage(&key);
        t.entries += 1;
        t.stale += usize::from(stale(&r).is_some());
        t.code += r.code_size as u64;
        t.hits += u.hits;
        t.misses += u.misses;
        t.compile_nanos += r.compile_nanos;
        t.saved_nanos +=
            i128::from(u.hits) * i128::from(r.compile_nanos) - i128::from(u.load_nanos);
    }
    if as_json {
        let v = json!({
            "dir": store.dir(),
            "entries": t.entries,
            "stale": t.stale,
            "corrupt": t.corrupt,
            "untrusted": t.untrusted,
            "bytes": t.bytes,
            "code_bytes": t.code,
            "hits": t.hits,
            "misses": t.misses,
            "compile_ms": t.compile_nanos as f64 / 1e6,
            "saved_ms": t.saved_nanos as f64 / 1e6,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        let saved = if t.saved_nanos >= 0 {
            duration(Duration::from_nanos(t.saved_nanos as u64))
        } else {
            format!(
                "-{}",
                duration(Duration::from_nanos((-t.saved_nanos) as u64))
            )
        };
        let lines = [
            ("directory", store.dir().display().to_string()),
            ("entries", t.entries.to_string()),
            ("stale", t.stale.to_string()),
            ("corrupt", t.corrupt.to_string()),
            ("not trusted", t.untrusted.to_string()),
            ("size", bytes(t.bytes)),
            ("machine code", bytes(t.code)),
            ("hits", t.hits.to_string()),
            ("misses", t.misses.to_string()),
            (
                "compile time",
                duration(Duration::from_nanos(t.compile_nanos)),
            ),
            ("time saved", saved),
        ];
        for (k, v) in lines {
            println!("{k:>12}  {v}");
        }
    }
    Ok(if t.corrupt == 0 && t.untrusted == 0 {
        Outcome::Ok
    } else {
        Outcome::Problems
    })
}

fn clear(store: &Store) -> anyhow::Result<Outcome> {
    let (n, size) = store.clear()?;
    println!(
        "removed {n} entr{} ({}) from {}",
        if n == 1 { "y" } else { "ies" },
        bytes(size),
        store.dir().display()
    );
    Ok(Outcome::Ok)
}

fn verify(store: &Store) -> anyhow::Result<Outcome> {
    let (mut ok, mut old, mut untrusted, mut bad) = (0, 0, 0, 0);
    for (key, record) in entries(store)? {
        let problem = match record {
            Ok(r) => match stale(&r) {
                None => {
                    ok += 1;
                    continue;
                }
                Some(why) => Unusable::Stale(why),
            },
            Err(why) => why,
        };
        let short = short_key(&key);
        match &problem {
            Unusable::Stale(why) => {
                println!("{short}  stale, kept: {why}");
                old += 1;
            }
            Unusable::Untrusted(why) => {
                println!("{short}  not trusted, left in place: {why}");
                untrusted += 1;
            }
            Unusable::Corrupt(why) => {
                // Checked again as it is removed: only a corrupt entry of
                // the user's own goes.
                if store.remove_damaged(&key)? {
                    println!("{short}  removed: {why}");
                    bad += 1;
                } else {
                    println!("{short}  changed while checked, left in place: {why}");
                    untrusted += 1;
                }
            }
        }
    }
    println!(
        "{} entries checked: {ok} ok, {old} stale (another heron build or CPU), {untrusted} not \
         trusted and left in place, {bad} damaged and removed",
        ok + old + untrusted + bad
    );
    Ok(if bad == 0 && untrusted == 0 {
        Outcome::Ok
    } else {
        Outcome::Problems
    })
}

/// Prints rows as aligned columns; the columns in `right` are right-aligned.
fn print_table(rows: &[Vec<String>], right: &[usize]) {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, cell)| {
                if right.contains(&c) {
                    format!("{cell:>w$}", w = widths[c])
                } else {
                    format!("{cell:<w$}", w = widths[c])
                }
            })
            .collect();
        emit(&cells.join("  "));
    }
}

/// Prints `text` and a newline; a closed pipe (`| head`) is not an error.
fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out
        .write_all(text.trim_end().as_bytes())
        .and_then(|()| out.write_all(b"\n"));
}

/// A byte count for people: `812 B`, `3.4 KiB`, `1.2 MiB`.
fn bytes(n: u64) -> String {
    match n {
        0..1024 => format!("{n} B"),
        1024..1_048_576 => format!("{:.1} KiB", n as f64 / 1024.0),
        _ => format!("{:.1} MiB", n as f64 / 1_048_576.0),
    }
}

/// A duration for people: `840 µs`, `12.3 ms`, `2.41 s`.
fn duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 1e-3 {
        format!("{:.0} µs", s * 1e6)
    } else if s < 1.0 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{s:.2} s")
    }
}

/// How long ago `then_ms` was: `just now`, `42 s ago`, `5 min ago`, `3 h ago`, `2 d ago`.
fn ago(now_ms: u64, then_ms: u64) -> String {
    let s = now_ms.saturating_sub(then_ms) / 1000;
    match s {
        0 => "just now".into(),
        1..60 => format!("{s} s ago"),
        60..3600 => format!("{} min ago", s / 60),
        3600..86400 => format!("{} h ago", s / 3600),
        _ => format!("{} d ago", s / 86400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_durations_and_ages_read_well() {
        assert_eq!(bytes(812), "812 B");
        assert_eq!(bytes(3482), "3.4 KiB");
        assert_eq!(bytes(5 << 20), "5.0 MiB");
        assert_eq!(duration(Duration::from_micros(840)), "840 µs");
        assert_eq!(duration(Duration::from_micros(12_345)), "12.3 ms");
        assert_eq!(duration(Duration::from_millis(2410)), "2.41 s");
        assert_eq!(ago(10_000, 9_500), "just now");
        assert_eq!(ago(100_000, 58_000), "42 s ago");
        assert_eq!(ago(400_000, 100_000), "5 min ago");
        assert_eq!(ago(3 * 86_400_000, 0), "3 d ago");
    }
}
