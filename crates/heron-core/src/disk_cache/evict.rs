//! Keeping the cache within its size bound (`HERON_CACHE_MAX_MB`): after
//! an entry is written, the least recently used entries are removed until
//! the entry files fit. Temporary files left by a process that died while
//! writing, and usage files whose entry is gone, are removed too.

use super::store::{Store, TEMP_PREFIX, USAGE_EXT, is_key, now_ms};
use heron_ir::Result;
use std::fs;
use std::time::Duration;

/// Default bound on the cache's size, in MiB.
pub const DEFAULT_MAX_MB: u64 = 512;

/// A temporary file older than this belongs to a writer that died.
const STALE_TEMP: Duration = Duration::from_secs(3600);

/// The size bound in bytes: `HERON_CACHE_MAX_MB` (a number of MiB), else
/// `DEFAULT_MAX_MB`.
pub fn max_bytes() -> u64 {
    let mb = std::env::var("HERON_CACHE_MAX_MB")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|mb| *mb >= 0.0)
        .unwrap_or(DEFAULT_MAX_MB as f64);
    (mb * 1024.0 * 1024.0) as u64
}

/// Removes least recently used entries (never `keep`) until the entries
/// take at most `limit` bytes; returns the keys removed.
pub fn enforce(store: &Store, limit: u64, keep: &str) -> Result<Vec<String>> {
    sweep(store);
    let mut entries: Vec<(u64, u64, String)> = store
        .keys()?
        .into_iter()
        .map(|key| {
            let size = store.entry_size(&key);
            let last = store.usage(&key).last_used_ms;
            (last, size, key)
        })
        .collect();
    let mut total: u64 = entries.iter().map(|(_, size, _)| size).sum();
    if total <= limit {
        return Ok(Vec::new());
    }
    entries.sort();
    let mut removed = Vec::new();
    for (_, size, key) in entries {
        if total <= limit {
            break;
        }
        if key == keep {
            continue;
        }
        store.remove(&key)?;
        total -= size;
        removed.push(key);
    }
    Ok(removed)
}

/// Removes stale temporary files and usage files without an entry.
fn sweep(store: &Store) {
    let Ok(dir) = fs::read_dir(store.dir()) else {
        return;
    };
    for entry in dir.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let stale_temp = name.starts_with(TEMP_PREFIX)
            && entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > STALE_TEMP));
        let orphan_usage = name
            .strip_suffix(&format!(".{USAGE_EXT}"))
            .is_some_and(|key| {
                is_key(key)
                    && !store.entry_path(key).exists()
                    && store.usage(key).last_used_ms + STALE_TEMP.as_millis() as u64 <= now_ms()
            });
        if stale_temp || orphan_usage {
            let _ = fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disk_cache::format::{EntryRecord, empty_record};
    use crate::disk_cache::store::ENTRY_EXT;

    fn record(key: String, filler: usize) -> EntryRecord {
        EntryRecord {
            ir: "x".repeat(filler),
            ..empty_record(key)
        }
    }

    #[test]
    fn least_recently_used_entries_go_first() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_for_code(dir.path()).unwrap();
        let keys: Vec<String> = (0..4).map(|i| format!("{i}").repeat(64)).collect();
        for (i, key) in keys.iter().enumerate() {
            // SAFETY: the entry has no machine code (no functions) and its
            // graph matches nothing: it is never executed.
            unsafe { store.write(&record(key.clone(), 10_000)) }.unwrap();
            store
                .update_usage(key, |u| u.last_used_ms = [30, 10, 40, 20][i])
                .unwrap();
        }
        let one = store.entry_size(&keys[0]);
        let removed = enforce(&store, 2 * one + one / 2, &keys[1]).unwrap();
        // Oldest is keys[1] (kept: just written), then keys[3], then keys[0].
        assert_eq!(removed, vec![keys[3].clone(), keys[0].clone()]);
        assert_eq!(
            store.keys().unwrap(),
            vec![keys[1].clone(), keys[2].clone()]
        );
        assert!(
            store
                .dir()
                .join(format!("{}.{ENTRY_EXT}", keys[2]))
                .exists(),
            "entries are {ENTRY_EXT} files"
        );
        assert_eq!(
            enforce(&store, u64::MAX, &keys[1]).unwrap(),
            Vec::<String>::new()
        );
    }
}
