//! What the file store refuses to trust on a shared machine, like ssh's StrictModes: a config
//! dir or credentials file someone else could have planted or could change.

use std::fs::{self, Metadata, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// Why `path` must not be used, in words that name it; `None` when it may be.
#[cfg(unix)]
fn unsafe_because(path: &Path, meta: &Metadata, want_dir: bool) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let what = if want_dir { "directory" } else { "regular file" };
    let problem = if meta.file_type().is_symlink() {
        "it is a symbolic link".to_owned()
    } else if (want_dir && !meta.is_dir()) || (!want_dir && !meta.is_file()) {
        format!("it is not a {what}")
    } else if meta.uid() != rustix::process::getuid().as_raw() && meta.uid() != 0 {
        format!("it is owned by uid {}, not by you (uid {})", meta.uid(), rustix::process::getuid().as_raw())
    } else if meta.mode() & 0o022 != 0 {
        format!("it is writable by other users (mode {:o})", meta.mode() & 0o7777)
    } else {
        return None;
    };
    Some(format!(
        "refusing {}: {problem}; a {what} others can change or plant is not trusted with credentials \
         (fix or remove it)",
        path.display()
    ))
}

#[cfg(not(unix))]
fn unsafe_because(_path: &Path, _meta: &Metadata, _want_dir: bool) -> Option<String> {
    None
}

/// The config dir, when it exists: a real directory of ours that only we can write.
pub(super) fn check_dir(dir: &Path) -> Result<(), String> {
    match fs::symlink_metadata(dir) {
        Ok(meta) => unsafe_because(dir, &meta, true).map_or(Ok(()), Err),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("cannot inspect {}: {e}", dir.display())),
    }
}

/// A file found at `path` (by `lstat`, or `fstat` of what was opened): a regular file of
/// ours that only we can write.
pub(super) fn check_file(path: &Path, meta: &Metadata) -> Result<(), String> {
    unsafe_because(path, meta, false).map_or(Ok(()), Err)
}

/// Open without following a symbolic link in the last component, and without blocking on a
/// FIFO: the caller checks what it got before reading.
pub(super) fn no_follow(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    {
        use rustix::fs::OFlags;
        std::os::unix::fs::OpenOptionsExt::custom_flags(options, (OFlags::NOFOLLOW | OFlags::NONBLOCK).bits() as i32);
    }
    options
}

/// Temporary files in `dir` named `<prefix><pid>-…` whose writer process is gone: each is a
/// full copy of an old credentials file, left by a writer killed before its rename.
pub(super) fn stale_temp_files(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else { return Vec::new() };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let pid = name.strip_prefix(prefix)?.strip_suffix(".tmp")?.split('-').next()?.parse::<u32>().ok()?;
            (!process_alive(pid)).then(|| entry.path())
        })
        .collect()
}

#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let Some(pid) = i32::try_from(pid).ok().and_then(rustix::process::Pid::from_raw) else { return false };
    // EPERM: it exists but belongs to someone else.
    !matches!(rustix::process::test_kill_process(pid), Err(rustix::io::Errno::SRCH))
}

#[cfg(not(unix))]
fn process_alive(_pid: u32) -> bool {
    // Without a cheap liveness check here, every writer counts as alive.
    true
}
