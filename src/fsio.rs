//! Creating and replacing files other than the ledger itself, safely.
//!
//! Every file `ledger` writes besides appending to a ledger (its index, a
//! torn-line side file, a temporary file before a rename, keys, checkpoints,
//! tiles, archived source texts, man pages) is created here:
//!
//! - [`create_new`] creates a file that must not exist yet, with `O_EXCL` and
//!   `O_NOFOLLOW`: a symbolic link planted at the path (a repository can
//!   commit one) is refused, never followed, so no write lands in the file it
//!   points at;
//! - [`temp_beside`] creates a uniquely, randomly named hidden file next to a
//!   path, the same way, so a planted `.NAME.tmp` cannot be predicted;
//! - [`replace`] writes a whole file through [`temp_beside`], syncs it, and
//!   renames it over the path: a crash leaves the old file or the new one.
//!
//! [`replace`] is never used on a ledger: writers hold a lock on the ledger's
//! inode, and a rename would strand them on the old one. Ledger writes go
//! through `store`.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// `O_NOFOLLOW` on Linux and the BSDs/macOS: refuse to open a symbolic link.
#[cfg(any(target_os = "linux", target_os = "android"))]
const O_NOFOLLOW: i32 = 0o400000;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const O_NOFOLLOW: i32 = 0x0100;

/// Creates `path`, which must not exist (not even as a dangling symbolic
/// link), for writing, with permission bits `mode` (before the umask).
pub fn create_new(path: &Path, mode: u32) -> io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(O_NOFOLLOW)
        .mode(mode)
        .open(path)
}

/// Opens an existing regular file for reading and writing without following a
/// symbolic link at `path` (`ELOOP` if there is one).
pub fn open_rw_nofollow(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(O_NOFOLLOW)
        .open(path)
}

/// Opens an existing file for reading without following a symbolic link at
/// `path`.
pub fn open_ro_nofollow(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .custom_flags(O_NOFOLLOW)
        .open(path)
}

/// `n` random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> io::Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| io::Error::other(e.to_string()))?;
    Ok(b)
}

/// Creates a new hidden file beside `path`, named `.NAME.PURPOSE-RANDOM`
/// (RANDOM: 16 hex digits from the OS), with [`create_new`]'s guarantees.
/// Returns its path and the open file.
pub fn temp_beside(path: &Path, purpose: &str, mode: u32) -> io::Result<(PathBuf, File)> {
    let name = path
        .file_name()
        .map_or("file".into(), |n| n.to_string_lossy().to_string());
    for _ in 0..16 {
        let r = random_bytes::<8>()?;
        let hex: String = r.iter().map(|b| format!("{b:02x}")).collect();
        let tmp = path.with_file_name(format!(".{name}.{purpose}-{hex}"));
        match create_new(&tmp, mode) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "could not find an unused temporary file name",
    ))
}

/// Replaces the file at `path` (or creates it) with `bytes`: written to a
/// fresh temporary file beside it, synced, then renamed over `path`, and the
/// directory synced. A symbolic link at `path` is replaced, not followed.
/// Never for ledgers (see the module doc).
pub fn replace(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    replace_with(path, mode, |f| f.write_all(bytes))
}

/// [`replace`], with the content written by `write` (which may stream it).
pub fn replace_with(
    path: &Path,
    mode: u32,
    write: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<()> {
    let (tmp, mut f) = temp_beside(path, "tmp", mode)?;
    let done = write(&mut f)
        .and_then(|_| f.sync_all())
        .and_then(|_| std::fs::rename(&tmp, path));
    if let Err(e) = done {
        drop(f);
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    sync_dir_of(path);
    Ok(())
}

/// Makes a new or renamed directory entry of `path` durable. Failure is not
/// fatal: the data itself is on disk, and some platforms cannot open
/// directories.
pub fn sync_dir_of(path: &Path) {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let Ok(d) = File::open(parent) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_new_refuses_a_symlink_and_leaves_its_target_alone() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        std::fs::write(&target, b"keep").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(create_new(&link, 0o644).is_err());
        // A dangling link too.
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
        assert!(create_new(&dangling, 0o644).is_err());
        assert!(!dir.path().join("nowhere").exists());
        assert_eq!(std::fs::read(&target).unwrap(), b"keep");
    }

    #[test]
    fn replace_swaps_a_symlink_for_a_file_without_writing_through_it() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        std::fs::write(&target, b"keep").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        replace(&link, b"new", 0o644).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"keep");
        assert!(!std::fs::symlink_metadata(&link).unwrap().is_symlink());
        assert_eq!(std::fs::read(&link).unwrap(), b"new");
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    #[test]
    fn temp_names_are_random() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.jsonl");
        let (a, _) = temp_beside(&p, "tmp", 0o600).unwrap();
        let (b, _) = temp_beside(&p, "tmp", 0o600).unwrap();
        assert_ne!(a, b);
    }
}
