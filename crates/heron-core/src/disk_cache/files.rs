//! Opening cache files safely: never through a symbolic link, and only
//! files (and directories) that no one but the current user can change.
//! Where ownership cannot be checked (not Unix), nothing is trusted unless
//! the user opts in with `HERON_CACHE_TRUST_DIR=1`.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::Path;

/// The environment variable that lets heron load code from a cache
/// directory whose owner it cannot check (on systems other than Unix).
pub const TRUST_DIR_ENV: &str = "HERON_CACHE_TRUST_DIR";

/// Opens `path` with `options`, never through a symbolic link: `O_NOFOLLOW`
/// on Unix (a link fails with `ELOOP`, see `is_link_refusal`), and
/// `O_NONBLOCK` so that a FIFO planted in its place does not block the open
/// (the caller then refuses it as not a regular file). Elsewhere the path
/// is checked with `symlink_metadata` first.
pub(super) fn open_no_follow(path: &Path, options: &mut OpenOptions) -> io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    #[cfg(not(unix))]
    {
        if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(io::Error::other(LINK_REFUSED));
        }
    }
    options.open(path)
}

/// The message of the error `open_no_follow` gives for a link (not Unix).
#[cfg(not(unix))]
const LINK_REFUSED: &str = "is a symbolic link";

/// True when `open_no_follow` failed because the path is a symbolic link.
pub(super) fn is_link_refusal(e: &io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        e.to_string() == LINK_REFUSED
    }
}

/// Why an opened file must not be read as code or written to, if so: it is
/// not a regular file, has other names (hard links), or someone other than
/// the current user can change it (`foreign_access`).
pub(super) fn not_a_private_file(meta: &fs::Metadata) -> Option<String> {
    if !meta.is_file() {
        return Some("not a regular file".into());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.nlink() > 1 {
            return Some(format!("it has {} hard links", meta.nlink()));
        }
    }
    foreign_access(meta)
}

/// Creates `dir` (and missing parents) readable and writable by its owner only.
pub(super) fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Why a file or directory can be changed by someone other than the current
/// user, if it can.
#[cfg(unix)]
pub(super) fn foreign_access(meta: &fs::Metadata) -> Option<String> {
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

/// Without Unix ownership there is nothing to check: refuse unless the
/// user trusts the directory (`HERON_CACHE_TRUST_DIR=1`).
#[cfg(not(unix))]
pub(super) fn foreign_access(_meta: &fs::Metadata) -> Option<String> {
    unverifiable_owner(trust_opted_in())
}

/// True when `HERON_CACHE_TRUST_DIR` is set to something other than
/// empty, `0` or `false`.
#[cfg_attr(unix, allow(dead_code))]
pub(super) fn trust_opted_in() -> bool {
    std::env::var(TRUST_DIR_ENV)
        .is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
}

/// The refusal where a file's owner cannot be checked (not Unix), unless
/// the user opted in.
#[cfg_attr(unix, allow(dead_code))]
pub(super) fn unverifiable_owner(opted_in: bool) -> Option<String> {
    (!opted_in).then(|| {
        format!(
            "its owner cannot be checked on this system (set {TRUST_DIR_ENV}=1 to load code \
             from it anyway, if no one else can write to it)"
        )
    })
}
