//! The cache directory: one `<key>.hrc` file per entry (written once,
//! atomically: a temporary file in the same directory, then a rename, so a
//! reader sees a whole entry or none, whatever other processes do) and one
//! `<key>.use` file beside it with its hit and miss counters and last use,
//! updated under an exclusive file lock.
//!
//! Code is loaded from this directory, so it must be private: a directory
//! that other users can write to, or that another user owns, is refused, and
//! so is an entry file that is not the current user's own. No file is
//! opened through a symbolic link: entries and usage files are opened with
//! `O_NOFOLLOW` (on other systems, after checking `symlink_metadata`), and
//! anything but a regular file is refused, so a link planted in the
//! directory is neither executed nor written through. Where file ownership
//! cannot be checked (not Unix), code is loaded only when the user opts in
//! with `HERON_CACHE_TRUST_DIR=1`.

use super::files::{
    create_private_dir, foreign_access, is_link_refusal, not_a_private_file, open_no_follow,
};
use super::format::{self, EntryRecord, Unusable};
use heron_ir::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fs::{self, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

/// Extension of entry files.
pub const ENTRY_EXT: &str = "hrc";
/// Extension of usage files.
pub const USAGE_EXT: &str = "use";
/// Prefix of temporary files being written.
pub const TEMP_PREFIX: &str = ".heron-";

/// How an entry has been used, across processes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Loads of the entry instead of compiling.
    pub hits: u64,
    /// Compilations that wrote the entry (the first, and rewrites of a bad one).
    pub misses: u64,
    /// Total time spent reading, checking and loading the entry, in nanoseconds.
    pub load_nanos: u64,
    /// The last load or write, in milliseconds since the Unix epoch.
    pub last_used_ms: u64,
}

/// A cache directory.
///
/// Only heron itself writes entries (`write` is crate-private and
/// `unsafe`), so no safe code elsewhere can put bytes in place for a later
/// load to execute:
///
/// ```compile_fail,E0624
/// fn plant(store: &heron_core::disk_cache::Store, record: &heron_core::disk_cache::EntryRecord) {
///     let _ = store.write(record);
/// }
/// ```
#[derive(Clone, Debug)]
pub struct Store {
    dir: PathBuf,
}

fn io_error(what: &str, path: &Path, e: io::Error) -> Error {
    Error::Cache(format!("{what} {}: {e}", path.display()))
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// True for a key as the store names files: 64 lowercase hex digits.
pub fn is_key(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Store {
    /// Opens an existing cache directory to read it.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Store> {
        let dir = dir.into();
        let meta =
            fs::metadata(&dir).map_err(|e| io_error("cannot open cache directory", &dir, e))?;
        if !meta.is_dir() {
            return Err(Error::Cache(format!(
                "{} is not a directory",
                dir.display()
            )));
        }
        fs::read_dir(&dir).map_err(|e| io_error("cannot read cache directory", &dir, e))?;
        Ok(Store { dir })
    }

    /// Opens a cache directory to load code from and write to, creating it
    /// (private to the current user) when missing; refuses one that is not
    /// private (see `check_private`).
    pub fn open_for_code(dir: impl Into<PathBuf>) -> Result<Store> {
        let dir = dir.into();
        if !dir.exists() {
            create_private_dir(&dir)
                .map_err(|e| io_error("cannot create cache directory", &dir, e))?;
        }
        let store = Store::open(dir)?;
        store.check_private()?;
        Ok(store)
    }

    /// An error unless the directory is owned by the current user and no
    /// one else can write to it. Where ownership cannot be checked (not
    /// Unix), an error unless `HERON_CACHE_TRUST_DIR=1` opts in.
    pub fn check_private(&self) -> Result<()> {
        let meta = fs::metadata(&self.dir)
            .map_err(|e| io_error("cannot open cache directory", &self.dir, e))?;
        match foreign_access(&meta) {
            None => Ok(()),
            Some(why) => Err(Error::Cache(format!(
                "refusing cache directory {}: {why}; code is loaded from it, so it must be \
                 private{}",
                self.dir.display(),
                if cfg!(unix) {
                    " (chmod go-w, or choose another HERON_CACHE_DIR)"
                } else {
                    ""
                }
            ))),
        }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of entry `key`.
    pub fn entry_path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.{ENTRY_EXT}"))
    }

    fn usage_path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.{USAGE_EXT}"))
    }

    /// The keys of every entry file, sorted.
    pub fn keys(&self) -> Result<Vec<String>> {
        let mut keys = Vec::new();
        let entries = fs::read_dir(&self.dir)
            .map_err(|e| io_error("cannot read cache directory", &self.dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| io_error("cannot read cache directory", &self.dir, e))?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if let Some(key) = name.strip_suffix(&format!(".{ENTRY_EXT}"))
                && is_key(key)
            {
                keys.push(key.to_string());
            }
        }
        keys.sort();
        Ok(keys)
    }

    /// The one key starting with `prefix`.
    pub fn resolve(&self, prefix: &str) -> Result<String> {
        let prefix = prefix.to_ascii_lowercase();
        let found: Vec<String> = self
            .keys()?
            .into_iter()
            .filter(|k| k.starts_with(&prefix))
            .collect();
        match found.len() {
            1 => Ok(found.into_iter().next().expect("one key")),
            0 => Err(Error::Cache(format!(
                "no entry with key {prefix} in {}",
                self.dir.display()
            ))),
            n => Err(Error::Cache(format!(
                "{n} entries have keys starting with {prefix}: give more digits"
            ))),
        }
    }

    /// Reads entry `key` and checks it is intact: `Ok(None)` when there is
    /// none; `Unusable::Untrusted` when the file is a symbolic link, not a
    /// regular file, not the current user's own or writable by others;
    /// `Unusable::Corrupt` when it is damaged or holds another key's entry;
    /// `Unusable::Stale` when its file format is another heron's. An intact
    /// entry of another build is returned (`read` refuses it).
    pub fn inspect(&self, key: &str) -> std::result::Result<Option<EntryRecord>, Unusable> {
        let path = self.entry_path(key);
        let mut file = match open_no_follow(&path, OpenOptions::new().read(true)) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) if is_link_refusal(&e) => {
                return Err(Unusable::Untrusted("a symbolic link".into()));
            }
            Err(e) => {
                // A file of another user's may be unreadable to this one:
                // that makes it foreign, not damaged.
                return Err(
                    match fs::symlink_metadata(&path)
                        .ok()
                        .as_ref()
                        .and_then(not_a_private_file)
                    {
                        Some(why) => Unusable::Untrusted(why),
                        None => Unusable::Corrupt(format!("unreadable: {e}")),
                    },
                );
            }
        };
        let meta = file
            .metadata()
            .map_err(|e| Unusable::Corrupt(format!("unreadable: {e}")))?;
        if let Some(why) = not_a_private_file(&meta) {
            return Err(Unusable::Untrusted(why));
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        file.read_to_end(&mut bytes)
            .map_err(|e| Unusable::Corrupt(format!("unreadable: {e}")))?;
        let record = format::decode(&bytes)?;
        if record.key != key {
            return Err(Unusable::Corrupt(format!(
                "it holds the entry of key {}",
                format::short_key(&record.key)
            )));
        }
        Ok(Some(record))
    }

    /// Reads entry `key` and checks it can be loaded here: `inspect`, and
    /// the entry was written by this heron build for this CPU
    /// (`Unusable::Stale` otherwise).
    pub fn read(&self, key: &str) -> std::result::Result<Option<EntryRecord>, Unusable> {
        let record = self.inspect(key)?;
        match record.as_ref().and_then(format::stale) {
            Some(why) => Err(Unusable::Stale(why)),
            None => Ok(record),
        }
    }

    /// Writes an entry atomically; returns the file's size. The file is
    /// created afresh (never through a link) and renamed over any old one.
    ///
    /// # Safety
    /// Later processes execute the entry's machine code: `record.image` must
    /// be what `heron_codegen` compiled for `record.optimized` with
    /// `record.options` on this target, and `record.build` this build's
    /// `BUILD` — or the entry must be one that can never load (another
    /// build, CPU or plan).
    pub(crate) unsafe fn write(&self, record: &EntryRecord) -> Result<u64> {
        // SAFETY: the caller vouches for the record's code.
        let bytes = unsafe { format::encode(record) };
        let write = || -> io::Result<()> {
            let mut tmp = tempfile::Builder::new()
                .prefix(TEMP_PREFIX)
                .suffix(".tmp")
                .tempfile_in(&self.dir)?;
            // No fsync: an entry torn by a crash fails its checksum and is
            // recompiled, so durability would only buy a compilation.
            tmp.write_all(&bytes)?;
            tmp.persist(self.entry_path(&record.key))?;
            Ok(())
        };
        write().map_err(|e| io_error("cannot write cache entry in", &self.dir, e))?;
        Ok(bytes.len() as u64)
    }

    /// The usage counters of `key` (zero when never recorded, unreadable,
    /// or not a private regular file).
    pub fn usage(&self, key: &str) -> Usage {
        let read = || -> io::Result<Vec<u8>> {
            let mut file = open_no_follow(&self.usage_path(key), OpenOptions::new().read(true))?;
            if not_a_private_file(&file.metadata()?).is_some() {
                return Err(io::Error::other("not a private file"));
            }
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes)?;
            Ok(bytes)
        };
        read()
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// Updates the usage counters of `key` under an exclusive lock, so that
    /// concurrent processes lose no count. The usage file is never opened
    /// through a symbolic link, and one that is not a private regular file
    /// of the current user is left alone (an error).
    pub fn update_usage(&self, key: &str, update: impl FnOnce(&mut Usage)) -> Result<()> {
        let path = self.usage_path(key);
        let run = || -> io::Result<()> {
            let mut file = open_no_follow(
                &path,
                OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(false),
            )?;
            if let Some(why) = not_a_private_file(&file.metadata()?) {
                return Err(io::Error::other(why));
            }
            file.lock()?;
            let mut text = String::new();
            file.read_to_string(&mut text)?;
            let mut usage: Usage = serde_json::from_str(&text).unwrap_or_default();
            update(&mut usage);
            let text = serde_json::to_vec(&usage).map_err(io::Error::other)?;
            file.set_len(0)?;
            file.rewind()?;
            file.write_all(&text)?;
            Ok(())
        };
        run().map_err(|e| {
            if is_link_refusal(&e) {
                Error::Cache(format!(
                    "refusing to update {}: it is a symbolic link",
                    path.display()
                ))
            } else {
                io_error("cannot update", &path, e)
            }
        })
    }

    /// Removes entry `key` and its usage file.
    pub fn remove(&self, key: &str) -> Result<()> {
        for path in [self.entry_path(key), self.usage_path(key)] {
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_error("cannot remove", &path, e)),
            }
        }
        Ok(())
    }

    /// Removes every entry, usage file and temporary file; returns how many
    /// entries were removed and their bytes.
    pub fn clear(&self) -> Result<(usize, u64)> {
        let (mut count, mut bytes) = (0, 0);
        for key in self.keys()? {
            bytes += self.entry_size(&key);
            self.remove(&key)?;
            count += 1;
        }
        let entries = fs::read_dir(&self.dir)
            .map_err(|e| io_error("cannot read cache directory", &self.dir, e))?;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let ours = name.starts_with(TEMP_PREFIX)
                || name
                    .strip_suffix(&format!(".{USAGE_EXT}"))
                    .is_some_and(is_key);
            if ours {
                fs::remove_file(entry.path())
                    .map_err(|e| io_error("cannot remove", &entry.path(), e))?;
            }
        }
        Ok((count, bytes))
    }

    /// Removes entry `key` if it is damaged (`Unusable::Corrupt`); returns
    /// whether it did. Only the current user's own private regular files
    /// can be corrupt (`inspect` checks that before reading), so an entry
    /// that is stale, intact, or not the user's own is never deleted here.
    pub fn remove_damaged(&self, key: &str) -> Result<bool> {
        if !matches!(self.inspect(key), Err(Unusable::Corrupt(_))) {
            return Ok(false);
        }
        let ours = fs::symlink_metadata(self.entry_path(key))
            .is_ok_and(|meta| not_a_private_file(&meta).is_none());
        if ours {
            self.remove(key)?;
        }
        Ok(ours)
    }

    /// Bytes of entry `key`'s file (0 when missing; a link is not followed).
    pub fn entry_size(&self, key: &str) -> u64 {
        fs::symlink_metadata(self.entry_path(key)).map_or(0, |m| m.len())
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::disk_cache::files::{TRUST_DIR_ENV, unverifiable_owner};
    use crate::disk_cache::format::empty_record;
    use std::os::unix::fs::{PermissionsExt, symlink};

    const KEY: &str = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";

    fn record() -> EntryRecord {
        empty_record(KEY.into())
    }

    /// A store in a fresh private directory holding the entry of `KEY`.
    fn store_with_entry() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_for_code(dir.path().join("cache")).unwrap();
        // SAFETY: the entry has no machine code and its graph matches
        // nothing: it is never executed.
        unsafe { store.write(&record()) }.unwrap();
        (dir, store)
    }

    #[test]
    fn usage_update_does_not_follow_symlinks() {
        let (dir, store) = store_with_entry();
        let victim = dir.path().join("precious.txt");
        fs::write(&victim, "precious").unwrap();
        symlink(&victim, store.usage_path(KEY)).unwrap();
        let err = store.update_usage(KEY, |u| u.hits += 1).unwrap_err();
        assert!(err.to_string().contains("it is a symbolic link"), "{err}");
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
        fs::write(
            &victim,
            r#"{"hits":7,"misses":0,"load_nanos":0,"last_used_ms":0}"#,
        )
        .unwrap();
        assert_eq!(
            store.usage(KEY),
            Usage::default(),
            "not read through the link"
        );
    }

    #[test]
    fn usage_update_refuses_hard_links_and_shared_files() {
        let (dir, store) = store_with_entry();
        let victim = dir.path().join("precious.txt");
        fs::write(&victim, "precious").unwrap();
        fs::hard_link(&victim, store.usage_path(KEY)).unwrap();
        let err = store.update_usage(KEY, |u| u.hits += 1).unwrap_err();
        assert!(err.to_string().contains("2 hard links"), "{err}");
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
        fs::remove_file(store.usage_path(KEY)).unwrap();
        store.update_usage(KEY, |u| u.hits += 1).unwrap();
        fs::set_permissions(store.usage_path(KEY), fs::Permissions::from_mode(0o666)).unwrap();
        let err = store.update_usage(KEY, |u| u.hits += 1).unwrap_err();
        assert!(err.to_string().contains("writable by other users"), "{err}");
        assert_eq!(store.usage(KEY), Usage::default());
    }

    #[test]
    fn loads_refuse_symlinked_entries() {
        let (dir, store) = store_with_entry();
        assert_eq!(store.read(KEY), Ok(Some(record())));
        let elsewhere = dir.path().join("elsewhere.hrc");
        fs::rename(store.entry_path(KEY), &elsewhere).unwrap();
        symlink(&elsewhere, store.entry_path(KEY)).unwrap();
        assert_eq!(
            store.read(KEY),
            Err(Unusable::Untrusted("a symbolic link".into()))
        );
        assert!(
            store.entry_size(KEY) < 200,
            "the link's size, not the entry's"
        );
    }

    #[test]
    fn loads_refuse_special_files_without_blocking() {
        let (_dir, store) = store_with_entry();
        let path = store.entry_path(KEY);
        fs::remove_file(&path).unwrap();
        let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: `c_path` is a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
        assert_eq!(
            store.read(KEY),
            Err(Unusable::Untrusted("not a regular file".into()))
        );
    }

    #[test]
    fn verify_removes_only_damaged_entries_of_the_user() {
        let (dir, store) = store_with_entry();
        assert!(!store.remove_damaged(KEY).unwrap(), "intact");
        let path = store.entry_path(KEY);
        let bytes = fs::read(&path).unwrap();
        fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o666)).unwrap();
        assert!(matches!(store.read(KEY), Err(Unusable::Untrusted(_))));
        assert!(!store.remove_damaged(KEY).unwrap(), "writable by others");
        assert!(path.exists());
        let elsewhere = dir.path().join("elsewhere.hrc");
        fs::rename(&path, &elsewhere).unwrap();
        symlink(&elsewhere, &path).unwrap();
        assert!(!store.remove_damaged(KEY).unwrap(), "a link");
        assert!(fs::symlink_metadata(&path).is_ok() && elsewhere.exists());
        fs::remove_file(&path).unwrap();
        fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        assert!(store.remove_damaged(KEY).unwrap(), "damaged and ours");
        assert!(!path.exists());
    }

    #[test]
    fn non_unix_loads_need_the_opt_in() {
        let refusal = unverifiable_owner(false).unwrap();
        assert!(
            refusal.contains("owner cannot be checked") && refusal.contains(TRUST_DIR_ENV),
            "{refusal}"
        );
        assert_eq!(unverifiable_owner(true), None);
    }
}
