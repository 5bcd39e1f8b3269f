//! The cache directory: one `<key>.hrc` file per entry (written once,
//! atomically: a temporary file in the same directory, then a rename, so a
//! reader sees a whole entry or none, whatever other processes do) and one
//! `<key>.use` file beside it with its hit and miss counters and last use,
//! updated under an exclusive file lock.
//!
//! Code is loaded from this directory, so it must be private: a directory
//! that other users can write to, or that another user owns, is refused, and
//! so is an entry file that is not the current user's own.

use super::format::{self, Corrupt, EntryRecord, HERON_VERSION};
use heron_ir::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fs::{self, File, OpenOptions};
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
    /// one else can write to it.
    pub fn check_private(&self) -> Result<()> {
        let meta = fs::metadata(&self.dir)
            .map_err(|e| io_error("cannot open cache directory", &self.dir, e))?;
        match foreign_access(&meta) {
            None => Ok(()),
            Some(why) => Err(Error::Cache(format!(
                "refusing cache directory {}: {why}; code is loaded from it, so it must be \
                 private (chmod go-w, or choose another HERON_CACHE_DIR)",
                self.dir.display()
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
    /// none, an error naming the problem when the file is damaged, not the
    /// current user's own, or holds another key's entry.
    pub fn inspect(&self, key: &str) -> std::result::Result<Option<EntryRecord>, Corrupt> {
        let path = self.entry_path(key);
        let mut file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Corrupt(format!("unreadable: {e}"))),
        };
        let meta = file
            .metadata()
            .map_err(|e| Corrupt(format!("unreadable: {e}")))?;
        if let Some(why) = foreign_access(&meta) {
            return Err(Corrupt(format!("not trusted: {why}")));
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        file.read_to_end(&mut bytes)
            .map_err(|e| Corrupt(format!("unreadable: {e}")))?;
        let record = format::decode(&bytes)?;
        if record.key != key {
            return Err(Corrupt(format!(
                "it holds the entry of key {}",
                format::short_key(&record.key)
            )));
        }
        Ok(Some(record))
    }

    /// Reads entry `key` and checks it can be loaded here: `inspect`, and
    /// the entry was written by this heron version for this CPU.
    pub fn read(&self, key: &str) -> std::result::Result<Option<EntryRecord>, Corrupt> {
        let record = self.inspect(key)?;
        match record.as_ref().and_then(foreign) {
            Some(why) => Err(Corrupt(why)),
            None => Ok(record),
        }
    }

    /// Writes an entry atomically; returns the file's size.
    pub fn write(&self, record: &EntryRecord) -> Result<u64> {
        let bytes = format::encode(record);
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

    /// The usage counters of `key` (zero when never recorded or unreadable).
    pub fn usage(&self, key: &str) -> Usage {
        fs::read(self.usage_path(key))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// Updates the usage counters of `key` under an exclusive lock, so that
    /// concurrent processes lose no count.
    pub fn update_usage(&self, key: &str, update: impl FnOnce(&mut Usage)) -> Result<()> {
        let path = self.usage_path(key);
        let run = || -> io::Result<()> {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)?;
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
        run().map_err(|e| io_error("cannot update", &path, e))
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

    /// Bytes of entry `key`'s file (0 when missing).
    pub fn entry_size(&self, key: &str) -> u64 {
        fs::metadata(self.entry_path(key)).map_or(0, |m| m.len())
    }
}

/// Why an intact entry cannot be loaded by this process (another heron
/// version, another CPU), if it cannot.
pub fn foreign(record: &EntryRecord) -> Option<String> {
    if record.heron_version != HERON_VERSION {
        return Some(format!(
            "written by heron {}, this is heron {HERON_VERSION}",
            record.heron_version
        ));
    }
    if record.target != heron_codegen::target_description() || record.image.target != record.target
    {
        return Some("compiled for another CPU".into());
    }
    None
}

/// Creates `dir` (and missing parents) readable and writable by its owner only.
fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Why a file or directory can be changed by someone other than the current
/// user, if it can.
#[cfg(unix)]
fn foreign_access(meta: &fs::Metadata) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        return Some(format!("owned by uid {}, not by uid {me}", meta.uid()));
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Some(format!("writable by other users (mode {mode:04o})"));
    }
    None
}

/// Without Unix permissions there is nothing to check.
#[cfg(not(unix))]
fn foreign_access(_meta: &fs::Metadata) -> Option<String> {
    None
}
