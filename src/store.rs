//! The store: finding the ledger file, creating it, appending to it under an
//! exclusive lock, scanning it, and repairing a torn tail.
//!
//! Appends are the only way entries reach a file. [`append`] locks the file
//! (`File::lock`, advisory and exclusive), reads only its tail to find the last
//! entry, refuses if that tail is torn or damaged, writes every new line in one
//! `write_all` and `fsync`s before returning. If the write fails part-way the file
//! is cut back to its old length, so a refused or failed command leaves the
//! ledger byte-for-byte as it was.
//!
//! Readers (`verify`, `summary`, `head`, ...) take the same lock shared
//! ([`File::lock_shared`]), so they wait for a writer in the middle of an
//! append and never see its half-written line; a torn final line that a reader
//! does see was left by a writer that died (see docs/RELIABILITY.md).

use crate::chain::{self, Report, VerifyOptions};
use crate::entry::{Body, Dispute, Entry, Fact, Genesis, Source, check_timestamp};
use crate::error::{Error, Result};
use crate::fault::Fault;
use crate::fsio;
use crate::hash::Hash;
use crate::ids;
use crate::index::{self, Compact, Covers};
use crate::linefile::{Got, LineFile};
use crate::lines::MAX_ENTRY_BYTES;
use crate::replay::{IdUse, Refs, State};
use std::fs::{File, OpenOptions};
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The environment variable that fixes the record time (tests, reproducible
/// rebuilds): an RFC 3339 UTC time `YYYY-MM-DDTHH:MM:SSZ`.
pub const NOW_ENV: &str = "LEDGER_NOW";

/// Directories the search for `ledger/` does not enter ([`find_ledger_dir`]).
pub const CEILING_ENV: &str = "LEDGER_CEILING_DIRECTORIES";

/// The directory searched for a ledger when no path is given: the nearest
/// one of this name, from the current directory up ([`find_ledger_dir`]).
pub const DEFAULT_DIR: &str = "ledger";

/// The record time for new entries: `LEDGER_NOW` if set, else the clock.
pub fn now() -> Result<String> {
    match std::env::var(NOW_ENV) {
        Ok(s) => {
            check_timestamp(&s).map_err(|e| Error::usage(format!("{NOW_ENV}: {e}"), None))?;
            Ok(s)
        }
        Err(_) => Ok(chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()),
    }
}

/// The ledger to use: the given path, else the single `*.jsonl` in the
/// nearest `ledger/` directory ([`find_ledger_dir`]).
pub fn resolve(given: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = given {
        return Ok(p.to_path_buf());
    }
    let Some(dir) = find_ledger_dir()? else {
        return Err(Error::usage(
            "no ledger given, and there is no ledger/ directory here or in any directory above (up to the repository root)",
            Some("pass --ledger PATH, set LEDGER_PATH, or create one with `ledger init --title TEXT`".into()),
        ));
    };
    let mut found = ledgers_in(&dir)?;
    let shown = dir.display();
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(Error::usage(
            format!("no ledger given and {shown}/ holds no *.jsonl file"),
            Some("pass --ledger PATH, set LEDGER_PATH, or create one with `ledger init --title TEXT`".into()),
        )),
        _ => Err(Error::usage(
            format!(
                "no ledger given and {shown}/ holds several: {}",
                found
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Some("pass --ledger PATH or set LEDGER_PATH".to_string()),
        )),
    }
}

/// The nearest `ledger/` directory, as git finds `.git`: in the current
/// directory, else in the one above it, and so on, stopping after the root of
/// the repository (a directory holding `.git`) or of the file system. The
/// path is relative to the current directory (`ledger`, `../../ledger`).
///
/// Like git's `GIT_CEILING_DIRECTORIES`, the environment variable
/// `LEDGER_CEILING_DIRECTORIES` (absolute paths separated by `:`) names
/// directories the search does not enter: it stops below them.
pub fn find_ledger_dir() -> Result<Option<PathBuf>> {
    let cwd =
        std::env::current_dir().map_err(|e| Error::io(".", "find the current directory", e))?;
    let ceilings: Vec<PathBuf> = std::env::var_os(CEILING_ENV)
        .map(|v| {
            std::env::split_paths(&v)
                .filter(|p| p.is_absolute())
                .map(|p| std::fs::canonicalize(&p).unwrap_or(p))
                .collect()
        })
        .unwrap_or_default();
    let mut up = PathBuf::new();
    for dir in cwd.ancestors() {
        if ceilings.iter().any(|c| c == dir) {
            break;
        }
        if dir.join(DEFAULT_DIR).is_dir() {
            return Ok(Some(up.join(DEFAULT_DIR)));
        }
        if dir.join(".git").exists() {
            break;
        }
        up.push("..");
    }
    Ok(None)
}

/// The `*.jsonl` files directly in `dir`, sorted.
pub fn ledgers_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, "read directory", e))?;
    let mut found: Vec<PathBuf> = Vec::new();
    for e in entries {
        let e = e.map_err(|e| Error::io(dir, "read directory", e))?;
        let p = e.path();
        if p.extension().is_some_and(|x| x == "jsonl") && p.is_file() {
            found.push(p);
        }
    }
    found.sort();
    Ok(found)
}

/// Reads a whole ledger under the shared lock (a side of a merge).
pub fn read_ledger(path: &Path) -> Result<Vec<u8>> {
    let mut f = open_for_reading(path)?;
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, "read", e))?;
    Ok(bytes)
}

/// Streams the ledger at `path` under the shared lock, through the bounded
/// line reader, and hands `each` every entry whose line contains one of
/// `needles` (a byte search first, so other lines are only scanned) and
/// reads cleanly on its own (7.4; its hash is checked, the chain is not);
/// `each` returns false to stop. For readers that need a few kinds of entry
/// (a source by id, and its amendments) without replaying the ledger.
pub fn scan_for(path: &Path, needles: &[&[u8]], mut each: impl FnMut(Entry) -> bool) -> Result<()> {
    use crate::lines::{Line, read_line};
    let f = open_for_reading(path)?;
    let mut r = BufReader::with_capacity(256 * 1024, f);
    let finders: Vec<memchr::memmem::Finder> =
        needles.iter().map(memchr::memmem::Finder::new).collect();
    let mut buf = Vec::new();
    let mut first = true;
    loop {
        match read_line(&mut r, &mut buf, MAX_ENTRY_BYTES)
            .map_err(|e| Error::io(path, "read", e))?
        {
            Line::Eof => return Ok(()),
            Line::Fits { terminated } if finders.iter().any(|f| f.find(&buf).is_some()) => {
                if let Some(e) = chain::check_line(&buf, first, terminated).entry().cloned()
                    && !each(e)
                {
                    return Ok(());
                }
            }
            _ => {}
        }
        first = false;
    }
}

/// Reads a user's text file (an import batch, an archived source text),
/// which must be UTF-8.
pub fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, "read", e))?;
    String::from_utf8(bytes).map_err(|e| {
        let text = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = text.iter().filter(|&&b| b == b'\n').count() + 1;
        Error::usage(
            format!(
                "{}:{line}: not UTF-8 (invalid byte at offset {} of the file)",
                path.display(),
                text.len()
            ),
            Some("save the file as UTF-8".into()),
        )
    })
}

/// A new entry as written: its seq and hash.
#[derive(Debug, Clone)]
pub struct Appended {
    pub entry: Entry,
}

/// Creates a ledger at `path` with its genesis entry; never overwrites.
pub fn init(path: &Path, title: &str, now: &str) -> Result<Appended> {
    let body = Body::Genesis(Genesis {
        title: title.to_string(),
        created: now.to_string(),
    });
    body.check().map_err(|m| Error::usage(m, None))?;
    body.check_new_text()
        .map_err(|m| Error::usage(m, Some(crate::entry::NEW_TEXT_HELP.into())))?;
    let entry =
        Entry::seal(0, Hash::ZERO, now.to_string(), body).map_err(|e| Error::usage(e.0, None))?;
    let line = entry.to_line().map_err(|e| Error::usage(e.0, None))?;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, "create directory", e))?;
    }
    let mut f = match fsio::create_new(path, 0o644) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Error::usage(
                format!(
                    "{} already exists; `init` never overwrites a ledger",
                    path.display()
                ),
                Some("choose another path with --ledger PATH".into()),
            ));
        }
        Err(e) => return Err(Error::io(path, "create", e)),
    };
    if let Err(e) = f.write_all(line.as_bytes()).and_then(|_| f.sync_all()) {
        // Leave no half-written ledger behind: the file is new and ours.
        drop(f);
        let _ = std::fs::remove_file(path);
        return Err(Error::io(path, "write", e));
    }
    fsio::sync_dir_of(path);
    Ok(Appended { entry })
}

/// The last entry of a ledger, read from its tail.
#[derive(Debug, Clone, Copy)]
pub struct Tail {
    pub seq: u64,
    pub hash: Hash,
    /// File length in bytes.
    pub len: u64,
}

impl Tail {
    /// The ledger state an index must cover to be current for this tail.
    pub fn covers(&self) -> Covers {
        Covers {
            len: self.len,
            seq: self.seq,
            hash: self.hash,
        }
    }
}

/// "The last entry, refuse if damaged": checks the last line of a ledger (as
/// [`LineFile::last_line`] read it, or as a stream kept it) the way a writer
/// must before appending after it: the ledger is not empty, ends in LF, and
/// its last line reads cleanly as an entry (7.4, with the BOM and CR checks of
/// 7.2). Returns its seq and hash, or the damage, worded for `path`;
/// `count_lines` names the line (only called on error).
pub fn last_entry(
    path: &Path,
    last: Option<Got>,
    count_lines: impl FnOnce() -> std::io::Result<u64>,
) -> Result<(u64, Hash)> {
    let damaged = |message: String, help: &str| -> Result<(u64, Hash)> {
        let line = count_lines().map_err(|e| Error::io(path, "read", e))?;
        Err(Error::Damaged {
            path: path.to_path_buf(),
            line: line.max(1),
            message,
            help: Some(help.to_string()),
        })
    };
    let verify = "run `ledger verify` to see every problem";
    match last {
        None => Err(Error::Damaged {
            path: path.to_path_buf(),
            line: 1,
            message: "the ledger is empty: it has no genesis entry".into(),
            help: Some("create a ledger with `ledger init --title TEXT`".into()),
        }),
        Some(got) if !got.terminated() => damaged(
            "the file does not end in a newline: the last write was interrupted".into(),
            "run `ledger repair`: it moves an incomplete last line to a side file, or adds the newline if the line is a complete entry; then retry",
        ),
        Some(Got::TooLong { .. }) => damaged(
            format!(
                "the last line is longer than the maximum entry size ({MAX_ENTRY_BYTES} bytes)"
            ),
            verify,
        ),
        Some(Got::Line { start, text, .. }) => {
            match chain::check_line(&text, start == 0, true).into_clean() {
                Ok(e) => Ok((e.seq, e.hash)),
                Err(why) => {
                    let marker = std::str::from_utf8(&text).is_ok_and(chain::is_conflict_marker);
                    damaged(
                        format!("the last entry is damaged ({why})"),
                        if marker {
                            chain::CONFLICT_MARKERS_HELP
                        } else {
                            verify
                        },
                    )
                }
            }
        }
    }
}

/// An open, locked ledger file. The lock is released on drop.
pub struct Locked {
    path: PathBuf,
    file: File,
}

/// How a command opens a ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// For writing: the exclusive lock, a regular file.
    Write,
    /// For positioned reads (the tail, `--since`): the shared lock, a
    /// regular file.
    ReadAt,
    /// For reading from the start (verify, summary, ...): the shared lock
    /// on a regular file; a FIFO or other stream is read as it comes.
    Stream,
}

/// How many times a writer re-opens a ledger that was replaced while it
/// waited for the lock before giving up.
const REOPEN_LIMIT: u32 = 1000;

/// Opens `path` for `access` and takes its lock. Once locked, the path must
/// still name the file that was locked: a whole-file replacement
/// ([`Locked::replace`]) renames a new file over the ledger while it holds
/// the lock, and a writer that was waiting on the old file would otherwise
/// append to a file no longer in the directory and report success. Such a
/// writer opens the path again and waits on the new file.
fn open_ledger(path: &Path, access: Access) -> Result<File> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    // O_NONBLOCK: opening a FIFO must not wait for its other end; regular
    // files ignore it.
    const O_NONBLOCK: i32 = 0o4000;
    for _ in 0..REOPEN_LIMIT {
        let mut o = OpenOptions::new();
        o.read(true);
        match access {
            Access::Write => {
                o.append(true).custom_flags(O_NONBLOCK);
            }
            Access::ReadAt => {
                o.custom_flags(O_NONBLOCK);
            }
            Access::Stream => {}
        }
        let file = o
            .open(path)
            .map_err(|e| open_error(path, e, access == Access::Write))?;
        let meta = file.metadata().map_err(|e| Error::io(path, "read", e))?;
        if meta.is_dir() {
            return Err(is_a_directory(path));
        }
        if !meta.is_file() {
            if access == Access::Stream {
                // A pipe cannot be replaced or appended to: read it as is.
                return Ok(file);
            }
            return Err(not_a_regular_file(path, &meta));
        }
        match access {
            Access::Write => file.lock(),
            Access::ReadAt | Access::Stream => file.lock_shared(),
        }
        .map_err(|e| Error::io(path, "lock", e))?;
        match std::fs::metadata(path) {
            Ok(now) if (now.dev(), now.ino()) == (meta.dev(), meta.ino()) => return Ok(file),
            // Replaced (or removed and replaced) while we waited: again.
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(path, "read", e)),
        }
    }
    Err(Error::usage(
        format!(
            "{} was replaced {REOPEN_LIMIT} times while this command waited for its lock; nothing was done",
            path.display()
        ),
        Some(
            "another program keeps replacing the ledger; stop it and run the command again".into(),
        ),
    ))
}

/// Opens `path` for appending and takes the exclusive lock (waiting for other
/// writers to finish, and for readers holding the shared lock).
pub fn lock(path: &Path) -> Result<Locked> {
    let locked = lock_as_is(path)?;
    refuse_unfinished_import(path, &locked.file)?;
    Ok(locked)
}

/// [`lock`] without refusing an unfinished import: for `repair`.
fn lock_as_is(path: &Path) -> Result<Locked> {
    Ok(Locked {
        path: path.to_path_buf(),
        file: open_ledger(path, Access::Write)?,
    })
}

/// Opens `path` for reading only and takes the lock shared: waits for a writer
/// in the middle of an append, lets other readers in. For `head`, which reads
/// the tail ([`Locked::tail`]) and must work on a read-only ledger.
pub fn lock_shared(path: &Path) -> Result<Locked> {
    let file = open_ledger(path, Access::ReadAt)?;
    refuse_unfinished_import(path, &file)?;
    Ok(Locked {
        path: path.to_path_buf(),
        file,
    })
}

/// Opens a ledger for reading from the start, refusing a directory, and
/// takes the shared lock.
fn open_for_reading(path: &Path) -> Result<File> {
    let file = open_ledger(path, Access::Stream)?;
    if file.metadata().is_ok_and(|m| m.is_file()) {
        refuse_unfinished_import(path, &file)?;
    }
    Ok(file)
}

fn is_a_directory(path: &Path) -> Error {
    Error::usage(
        format!("{} is a directory, not a ledger file", path.display()),
        Some("pass the path of the ledger's *.jsonl file with --ledger PATH".into()),
    )
}

fn not_a_regular_file(path: &Path, meta: &std::fs::Metadata) -> Error {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    let what = if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a file"
    };
    Error::usage(
        format!(
            "{} is not a regular file (it is {what}); this command reads the ledger by position or writes to it",
            path.display()
        ),
        Some("`ledger verify` and the reports read a stream from the start (`--ledger /dev/stdin`), and `ledger head --stdin` reads one; to write, use the ledger's file".into()),
    )
}

/// A specific error for a ledger that cannot be opened.
fn open_error(path: &Path, e: std::io::Error, for_writing: bool) -> Error {
    use std::io::ErrorKind;
    let shown = path.display();
    match e.kind() {
        ErrorKind::NotFound => match std::fs::read_link(path) {
            Ok(target) => Error::usage(
                format!(
                    "{shown} is a symbolic link to {}, which does not exist",
                    target.display()
                ),
                Some("point the link at the ledger file, or pass its path with --ledger PATH".into()),
            ),
            Err(_) => Error::usage(
                format!("{shown}: no such ledger"),
                Some(
                    "create it with `ledger init --title TEXT`, or pass the right --ledger PATH"
                        .into(),
                ),
            ),
        },
        ErrorKind::IsADirectory => is_a_directory(path),
        ErrorKind::PermissionDenied if for_writing => Error::usage(
            format!("{shown} is not writable (permission denied); nothing was written"),
            Some("a read-only ledger can be verified and read but not appended to; check the file's permissions".into()),
        ),
        ErrorKind::ReadOnlyFilesystem => Error::usage(
            format!("{shown} is on a read-only file system; nothing was written"),
            Some("a read-only ledger can be verified and read but not appended to".into()),
        ),
        ErrorKind::PermissionDenied => Error::usage(
            format!("{shown} is not readable (permission denied)"),
            Some("check the file's permissions".into()),
        ),
        _ => Error::io(path, "open", e),
    }
}

impl Locked {
    /// The file's current length.
    fn len(&self) -> Result<u64> {
        Ok(self
            .file
            .metadata()
            .map_err(|e| Error::io(&self.path, "read", e))?
            .len())
    }

    /// The file read by position, up to its current length.
    fn lines(&self) -> Result<LineFile<'_>> {
        Ok(LineFile::new(&self.file, self.len()?))
    }

    /// Reads the last entry from the end of the file, checking that the file
    /// ends in a complete, intact entry. Reads only the last line (O(1) in the
    /// size of the ledger).
    pub fn tail(&mut self) -> Result<Tail> {
        let lf = self.lines()?;
        let io = |e| Error::io(&self.path, "read", e);
        let last = lf.last_line().map_err(io)?;
        let (seq, hash) = last_entry(&self.path, last, || lf.count_lines())?;
        Ok(Tail {
            seq,
            hash,
            len: lf.len(),
        })
    }

    /// The whole file, read under the lock.
    pub fn read_all(&self) -> Result<Vec<u8>> {
        use std::os::unix::fs::FileExt;
        let len = self.len()?;
        let mut bytes = vec![0u8; len as usize];
        self.file
            .read_exact_at(&mut bytes, 0)
            .map_err(|e| Error::io(&self.path, "read", e))?;
        Ok(bytes)
    }

    /// Counts lines (for naming the line in error messages).
    fn count_lines(&self) -> Result<u64> {
        self.lines()?
            .count_lines()
            .map_err(|e| Error::io(&self.path, "read", e))
    }

    /// Replaces the whole ledger with `bytes`: the one way a ledger is
    /// rewritten rather than appended to (a merge, a rebase).
    ///
    /// - `bytes` must verify in full as a ledger on its own (every line rule,
    ///   the size limit among them, every link and reference): no command
    ///   writes a ledger that `verify` rejects. Otherwise nothing is written.
    /// - A ledger with other hard links is refused: a new file would take
    ///   one name and leave the others with the old content.
    /// - Symbolic links are resolved: the new file is written beside the file
    ///   the link points at and replaces it; the link stays a link.
    /// - The new content goes to a fresh temporary file beside the target
    ///   (never through a link), is synced, and is renamed over the target
    ///   while this lock is still held. A writer that was waiting for the lock
    ///   on the old file then finds that the path names another file and
    ///   opens it again ([`open_ledger`]), so its entry lands in the new
    ///   ledger instead of a file no longer in the directory.
    pub fn replace(self, bytes: &[u8]) -> Result<()> {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let path = self.path.clone();
        let opts = VerifyOptions {
            index_only: true,
            ..VerifyOptions::default()
        };
        let (report, _) =
            chain::verify_reader(&path, bytes, opts).map_err(|e| Error::io(&path, "read", e))?;
        if !report.ok() {
            return Err(Error::Refused {
                path,
                seq: None,
                message: format!(
                    "the result would not verify ({}); nothing was written",
                    report.in_brief()
                ),
                help: None,
            });
        }
        let meta = self
            .file
            .metadata()
            .map_err(|e| Error::io(&path, "read", e))?;
        if meta.nlink() > 1 {
            return Err(Error::Usage {
                message: format!(
                    "{} has {} hard links; replacing it would leave the other names with the old ledger; nothing was written",
                    path.display(),
                    meta.nlink()
                ),
                help: Some("keep one name for the ledger (remove the other hard links, or make them symbolic links to it) and run the command again".into()),
            });
        }
        let target =
            std::fs::canonicalize(&path).map_err(|e| Error::io(&path, "resolve the path of", e))?;
        let fault = Fault::from_env()?;
        let write = |f: &mut File| -> std::io::Result<()> {
            f.write_all(bytes)?;
            f.sync_all()
        };
        let (tmp, mut f) = fsio::temp_beside(&target, "replace", meta.permissions().mode())
            .map_err(|e| Error::io(&target, "create a temporary file beside", e))?;
        // The umask may have narrowed the mode: keep the ledger's own.
        let done = f
            .set_permissions(meta.permissions())
            .and_then(|_| write(&mut f))
            .and_then(|_| {
                fault.before_replace();
                std::fs::rename(&tmp, &target)
            });
        if let Err(e) = done {
            drop(f);
            let _ = std::fs::remove_file(&tmp);
            return Err(Error::io(&target, "replace", e));
        }
        fsio::sync_dir_of(&target);
        // The lock on the old file is released only now, with `self`.
        drop(self);
        Ok(())
    }

    /// The ledger's path as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads and verifies the whole ledger under the lock, returning its replayed
    /// state; refuses (without writing) if it has any problem.
    pub fn state(&mut self) -> Result<State> {
        let path = self.path.clone();
        self.file
            .seek(SeekFrom::Start(0))
            .map_err(|e| Error::io(&path, "read", e))?;
        let len = self.file.metadata().map_or(0, |m| m.len());
        let reader = crate::progress::Reader::new(&self.file, "checking", len);
        let (report, state) = chain::verify_reader(&path, reader, VerifyOptions::default())
            .map_err(|e| Error::io(&path, "read", e))?;
        refuse_damaged(&report)?;
        Ok(state)
    }

    /// Appends `bodies` after the tail, all or nothing, and fsyncs.
    pub fn append(&mut self, now: &str, bodies: Vec<Body>) -> Result<Vec<Appended>> {
        let tail = self.tail()?;
        self.append_after(tail, now, bodies)
    }

    /// [`Locked::append`] after a tail already read under this lock.
    fn append_after(&mut self, tail: Tail, now: &str, bodies: Vec<Body>) -> Result<Vec<Appended>> {
        let fault = Fault::from_env()?;
        let mut out = Vec::with_capacity(bodies.len());
        let mut wrote = false;
        match self.seal_and_write(fault, tail, now, bodies, &mut out, &mut wrote) {
            Ok(()) => Ok(out),
            Err(e) if !wrote => Err(e),
            Err(e) => Err(self.cut_back(tail.len, e)),
        }
    }

    /// Seals `bodies` after `tail` into `out` and writes their lines, in
    /// chunks of a few MiB (a large import need not hold its whole text),
    /// then flushes them to disk once. Success means every byte is written
    /// and flushed. `wrote` is set once any byte may have reached the file;
    /// on error the caller then cuts the file back.
    fn seal_and_write(
        &mut self,
        fault: Fault,
        tail: Tail,
        now: &str,
        bodies: Vec<Body>,
        out: &mut Vec<Appended>,
        wrote: &mut bool,
    ) -> Result<()> {
        const CHUNK: usize = 8 << 20;
        let path = self.path.clone();
        let io = |e| Error::io(&path, "append to", e);
        let mut buf = String::with_capacity(CHUNK.min(bodies.len() * 1024));
        let (mut seq, mut prev) = (tail.seq, tail.hash);
        for body in bodies {
            body.check().map_err(|m| Error::Refused {
                path: path.clone(),
                seq: Some(seq + 1),
                message: m,
                help: None,
            })?;
            seq += 1;
            let (entry, line) =
                Entry::seal_line(seq, prev, now.to_string(), body).map_err(|e| Error::Refused {
                    path: path.clone(),
                    seq: Some(seq),
                    message: e.0,
                    help: None,
                })?;
            if line.len() > MAX_ENTRY_BYTES + 1 {
                return Err(Error::Refused {
                    path: path.clone(),
                    seq: Some(seq),
                    message: format!(
                        "the entry would be {} bytes long; no entry may be longer than {MAX_ENTRY_BYTES} bytes (1 MiB)",
                        line.len() - 1
                    ),
                    help: Some("shorten the text; quote a source, do not copy it whole".into()),
                });
            }
            buf.push_str(&line);
            prev = entry.hash;
            out.push(Appended { entry });
            if buf.len() >= CHUNK {
                *wrote = true;
                fault
                    .write_all(&mut self.file, buf.as_bytes())
                    .map_err(io)?;
                buf.clear();
            }
        }
        if out.is_empty() {
            return Ok(());
        }
        *wrote = true;
        fault
            .write_all(&mut self.file, buf.as_bytes())
            .and_then(|_| fault.sync_data(&self.file))
            .map_err(io)
    }

    /// Writes `bytes` at the end of the file (of length `len`) and flushes
    /// them to disk, or cuts the file back as [`Locked::cut_back`] does.
    fn write_whole(&mut self, len: u64, bytes: &[u8]) -> Result<()> {
        let fault = Fault::from_env()?;
        let written = fault
            .write_all(&mut self.file, bytes)
            .and_then(|_| fault.sync_data(&self.file));
        match written {
            Ok(()) => Ok(()),
            Err(e) => {
                let cause = Error::io(&self.path, "append to", e);
                Err(self.cut_back(len, cause))
            }
        }
    }

    /// After a failed append: cuts the file back to `len`, so it is exactly
    /// as it was and `cause` (which says nothing was written) stands; if even
    /// that fails, the ledger is reported damaged at its new last line, for
    /// `ledger repair`.
    fn cut_back(&self, len: u64, cause: Error) -> Error {
        match self.file.set_len(len).and_then(|_| self.file.sync_data()) {
            Ok(()) => cause,
            Err(undo) => match self.count_lines() {
                Ok(line) => Error::Damaged {
                    path: self.path.clone(),
                    line,
                    message: format!(
                        "appending failed ({cause}) and the partly written entry could not be removed ({undo})"
                    ),
                    help: Some("once the cause is fixed, run `ledger repair` to move the incomplete last line aside".into()),
                },
                Err(e) => e,
            },
        }
    }
}

/// Turns a failed verification into a refusal to write.
fn refuse_damaged(report: &Report) -> Result<()> {
    refuse(report, "; nothing was appended")
}

fn refuse(report: &Report, consequence: &str) -> Result<()> {
    if report.ok() {
        return Ok(());
    }
    Err(Error::Damaged {
        path: report.path.clone(),
        // Problems of the whole file (an empty file) have no line: name line 1.
        line: report.problems.first().and_then(|p| p.line).unwrap_or(1),
        message: format!(
            "the ledger does not verify ({}){consequence}",
            report.in_brief()
        ),
        // The first problem's own hint says how to fix the likeliest cause
        // (conflict markers: set up the merge driver; CR LF: .gitattributes).
        help: Some(
            match report.problems.first().and_then(|p| p.help.as_deref()) {
                Some(h) => format!("run `ledger verify` to see every problem; for the first: {h}"),
                None => "run `ledger verify` to see every problem".into(),
            },
        ),
    })
}

/// What a write's `build` step may ask about the ledger before its new
/// entries. With a current on-disk index ([`crate::index`]) it answers without
/// reading the whole ledger: a fact is found by its seq (from the index) with a
/// binary search over the file and read from its own line, whose hash is
/// checked. Whenever that does not add up, it falls back to a full verify and
/// replay, so the answer is always the full state's.
pub struct Prior<'a> {
    path: &'a Path,
    file: &'a File,
    len: u64,
    disk: Option<&'a index::Disk>,
    compact: Option<&'a Compact>,
    full: std::cell::OnceCell<State>,
    ids: std::cell::RefCell<ids::Generator>,
}

/// Which ids a prefix on the command line may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    Fact,
    Source,
}

impl Prior<'_> {
    /// Whether `id` names a source or a fact, from the index when there is
    /// one.
    fn id_use(&self, id: &str) -> Result<Option<IdUse>> {
        if let Some(s) = self.full.get() {
            return Ok(s.id_use(id));
        }
        match (self.disk, self.compact) {
            (Some(d), _) => match d.id_use(id) {
                Ok(u) => Ok(u),
                Err(_) => Ok(self.full()?.id_use(id)),
            },
            (None, Some(c)) => Ok(c.id_use(id)),
            (None, None) => Ok(self.full()?.id_use(id)),
        }
    }

    /// A new change id ([`crate::ids`]) that no source or fact uses yet.
    pub fn new_id(&self) -> Result<String> {
        loop {
            let id = self.ids.borrow_mut().next_id()?;
            if self.id_use(&id)?.is_none() {
                return Ok(id);
            }
        }
    }

    /// The id a fact or source id given on the command line names: the id
    /// itself when a fact (or source) has it, else the only one it is a
    /// prefix of. A prefix of several is refused, listing them; a prefix of
    /// none is returned as given, for the entry's own check to refuse with
    /// its "did you mean". An exact id costs one index lookup; a prefix
    /// reads the whole ledger's ids.
    pub fn resolve(&self, given: &str, kind: IdKind) -> Result<String> {
        let wanted = match kind {
            IdKind::Fact => IdUse::Fact,
            IdKind::Source => IdUse::Source,
        };
        if self.id_use(given)? == Some(wanted) {
            return Ok(given.to_string());
        }
        resolve_in(self.full()?, given, kind)
    }

    /// The disputes that apply to fact `id` (recorded against it, or
    /// carried to it from the version it replaced), in order. Reads the
    /// fact's own line (found through the index) and then only the later
    /// lines that name `id` as a target; when the fact carried disputes from
    /// an earlier version, or there is no index, the full state.
    pub fn current_disputes(&self, id: &str) -> Result<Vec<(u64, Dispute)>> {
        let from_state = |s: &State| -> Vec<(u64, Dispute)> {
            s.fact(id)
                .map(|r| {
                    r.disputes
                        .iter()
                        .filter(|d| d.current)
                        .map(|d| (d.seq, d.dispute.clone()))
                        .collect()
                })
                .unwrap_or_default()
        };
        if let Some(s) = self.full.get() {
            return Ok(from_state(s));
        }
        let seq = match (self.disk, self.compact) {
            (Some(d), _) => d.fact_seq(id).ok().flatten(),
            (None, Some(c)) => c.fact_seq(id),
            (None, None) => None,
        };
        let lf = LineFile::new(self.file, self.len);
        let own = seq.and_then(|seq| {
            let got = lf.find_seq(seq).ok()??;
            let e = find_entry(self.file, self.len, seq)?;
            let inherits = match &e.body {
                Body::Fact(f) => f.id != id,
                Body::Supersede(s) => s.fact.id != id || s.disputes.is_some(),
                _ => true,
            };
            (!inherits).then_some(got.start())
        });
        let Some(from) = own else {
            return Ok(from_state(self.full()?));
        };
        let needle = format!(
            "\"target\":{}",
            crate::jcs::canonicalize(&serde_json::Value::String(id.to_string()))
                .unwrap_or_default()
        );
        let mut out = Vec::new();
        let io = |e| Error::io(self.path, "read", e);
        for got in lf.lines_containing(from, needle.as_bytes()).map_err(io)? {
            let Got::Line { start, text, .. } = got else {
                continue;
            };
            match chain::check_line(&text, start == 0, true).into_clean() {
                Ok(Entry {
                    seq,
                    body: Body::Dispute(d),
                    ..
                }) if d.target == id => out.push((seq, d)),
                Ok(_) => {}
                // A line that does not read: the full state explains it.
                Err(_) => return Ok(from_state(self.full()?)),
            }
        }
        Ok(out)
    }

    /// The fact with this id, whatever its status, as it was recorded.
    pub fn fact(&self, id: &str) -> Result<Option<Fact>> {
        let found = self.lookup(id, index::Compact::fact_seq, index::Disk::fact_seq, |b| {
            match b {
                Body::Fact(f) => Some(f),
                Body::Supersede(s) => Some(s.fact),
                _ => None,
            }
            .filter(|f| f.id == id)
        })?;
        match found {
            Lookup::Found(f) => Ok(Some(f)),
            Lookup::Absent => Ok(None),
            Lookup::Unsure => Ok(self.full()?.fact(id).map(|r| r.fact.clone())),
        }
    }

    /// The source with this id, as amended by every `amend` entry so far
    /// (what a citation of it is checked against). The index gives the seq
    /// that registered it and, when it was amended, the seq of its last
    /// amendment; an unamended source costs one line read, an amended one
    /// also a byte search of the lines between the two for its id as an
    /// amendment's `target`.
    pub fn source(&self, id: &str) -> Result<Option<Source>> {
        let found = self.lookup(
            id,
            index::Compact::source_seq,
            index::Disk::source_seq,
            |b| {
                match b {
                    Body::Source(s) => Some(s),
                    _ => None,
                }
                .filter(|s| s.id == id)
            },
        )?;
        let full = |p: &Self| -> Result<Option<Source>> {
            Ok(p.full()?.source(id).map(|r| r.source.clone()))
        };
        let registered = match found {
            Lookup::Found(s) => s,
            Lookup::Absent => return Ok(None),
            Lookup::Unsure => return full(self),
        };
        let seqs = match (self.disk, self.compact) {
            (Some(d), _) => d.source_seq(id).and_then(|r| Ok((r, d.amended_seq(id)?))),
            (None, Some(c)) => Ok((c.source_seq(id), c.amended_seq(id))),
            (None, None) => return full(self),
        };
        match seqs {
            Ok((Some(_), None)) => Ok(Some(registered)),
            Ok((Some(from), Some(last))) => match self.amended(id, registered, from, last) {
                Some(s) => Ok(Some(s)),
                None => full(self),
            },
            _ => full(self),
        }
    }

    /// `source` (registered at seq `from`) with the amendments of the lines
    /// after it up to seq `last`, the last amendment the index knows; `None`
    /// when a line does not read cleanly or the last amendment found is not
    /// `last` (the caller then asks the full state).
    fn amended(&self, id: &str, mut source: Source, from: u64, last: u64) -> Option<Source> {
        let lf = LineFile::new(self.file, self.len);
        let start = lf.find_seq(from).ok()??.end();
        let end = lf.find_seq(last).ok()??.end();
        let needle = format!(
            "\"target\":{}",
            crate::jcs::canonicalize(&serde_json::Value::String(id.to_string())).ok()?
        );
        let mut applied = None;
        for got in LineFile::new(self.file, end)
            .lines_containing(start, needle.as_bytes())
            .ok()?
        {
            let Got::Line { start, text, .. } = got else {
                return None;
            };
            match chain::check_line(&text, start == 0, true).into_clean() {
                Ok(Entry {
                    seq,
                    body: Body::Amend(a),
                    ..
                }) if a.target == id => {
                    crate::replay::amend(&mut source, &a);
                    applied = Some(seq);
                }
                Ok(_) => {}
                Err(_) => return None,
            }
        }
        (applied == Some(last)).then_some(source)
    }

    /// Looks `id` up through the index (`in_compact` / `on_disk` give the seq
    /// of the entry that recorded it) and reads that entry's line, whose
    /// hash is checked; `pick` takes what is wanted from its body. `Unsure`
    /// when the index cannot answer (none, damaged, or the line is not what
    /// it said): the caller then asks the full state.
    fn lookup<T>(
        &self,
        id: &str,
        in_compact: fn(&Compact, &str) -> Option<u64>,
        on_disk: fn(&index::Disk, &str) -> std::io::Result<Option<u64>>,
        pick: impl FnOnce(Body) -> Option<T>,
    ) -> Result<Lookup<T>> {
        if let Some(s) = self.full.get() {
            let _ = s;
            return Ok(Lookup::Unsure);
        }
        let seq = match (self.disk, self.compact) {
            (Some(d), _) => match on_disk(d, id) {
                Ok(s) => s,
                Err(_) => return Ok(Lookup::Unsure),
            },
            (None, Some(c)) => in_compact(c, id),
            (None, None) => return Ok(Lookup::Unsure),
        };
        let Some(seq) = seq else {
            return Ok(Lookup::Absent);
        };
        Ok(find_entry(self.file, self.len, seq)
            .and_then(|e| pick(e.body))
            .map_or(Lookup::Unsure, Lookup::Found))
    }

    fn full(&self) -> Result<&State> {
        if let Some(s) = self.full.get() {
            return Ok(s);
        }
        let s = verified_state_upto(self.path, self.file, self.len)?;
        Ok(self.full.get_or_init(|| s))
    }
}

/// What the index says of an id.
enum Lookup<T> {
    Found(T),
    Absent,
    /// The index cannot say; ask the full state.
    Unsure,
}

/// The intact entry with `seq`, found by binary search ([`LineFile::find_seq`]);
/// `None` if it cannot be found that way or its line is not clean.
fn find_entry(file: &File, len: u64, seq: u64) -> Option<Entry> {
    let (start, text) = match LineFile::new(file, len).find_seq(seq).ok()?? {
        Got::Line {
            start,
            text,
            terminated: true,
        } => (start, text),
        _ => return None,
    };
    chain::check_line(&text, start == 0, true)
        .into_clean()
        .ok()
        .filter(|e| e.seq == seq)
}

/// [`Prior::resolve`] against a replayed state (also for readers: `show`,
/// `cite-check`).
pub fn resolve_in(state: &State, given: &str, kind: IdKind) -> Result<String> {
    let (facts, sources): (Vec<&str>, Vec<&str>) = (
        state.facts.iter().map(|f| f.fact.id.as_str()).collect(),
        state.sources.iter().map(|s| s.source.id.as_str()).collect(),
    );
    let (ids, what) = match kind {
        IdKind::Fact => (facts, "fact"),
        IdKind::Source => (sources, "source"),
    };
    match ids::resolve(given, ids) {
        ids::Resolved::One(id) => Ok(id),
        ids::Resolved::None => Ok(given.to_string()),
        ids::Resolved::Ambiguous(c) => {
            Err(ids::ambiguous(what, given, &c, |id| describe_id(state, id)))
        }
    }
}

/// One line naming an id and what it is, for lists of candidates.
pub fn describe_id(state: &State, id: &str) -> String {
    let clip = |s: &str| -> String {
        if s.chars().count() > 60 {
            format!("{}…", s.chars().take(59).collect::<String>())
        } else {
            s.to_string()
        }
    };
    if let Some(f) = state.fact(id) {
        let status = match &f.status {
            crate::replay::Status::Live => "live",
            crate::replay::Status::Superseded { .. } => "superseded",
            crate::replay::Status::Retracted { .. } => "retracted",
        };
        format!(
            "{id}  fact, {status}, seq {}: {}",
            f.seq,
            clip(&f.fact.statement)
        )
    } else if let Some(s) = state.source(id) {
        format!("{id}  source, seq {}: {}", s.seq, clip(&s.source.title))
    } else {
        id.to_string()
    }
}

/// Verifies the whole file (read from the start through a shared handle) and
/// replays it into a full state; refuses a ledger with any problem.
fn verified_state(path: &Path, file: &File) -> Result<State> {
    verified_state_upto(path, file, u64::MAX)
}

/// [`verified_state`] of the file's first `len` bytes (the ledger before
/// the lines an import is writing).
fn verified_state_upto(path: &Path, mut file: &File, len: u64) -> Result<State> {
    file.seek(SeekFrom::Start(0))
        .map_err(|e| Error::io(path, "read", e))?;
    let (report, state) = chain::verify_reader(path, file.take(len), VerifyOptions::default())
        .map_err(|e| Error::io(path, "read", e))?;
    refuse_damaged(&report)?;
    Ok(state)
}

/// [`verified_state`] into a compact index (memory proportional to the
/// number of ids, not the ledger's size).
fn verified_compact(path: &Path, mut file: &File) -> Result<Compact> {
    file.seek(SeekFrom::Start(0))
        .map_err(|e| Error::io(path, "read", e))?;
    let opts = VerifyOptions {
        compact: true,
        ..VerifyOptions::default()
    };
    let mut v = chain::Verifier::new(path, opts);
    let len = file.metadata().map_or(0, |m| m.len());
    let reader = crate::progress::Reader::new(file, "indexing", len);
    feed_all(path, reader, &mut v, |_| {})?;
    let (report, replay) = v.finish_replay();
    if !report.ok() {
        // A compact index words reference problems without id text: word the
        // refusal from the full check.
        verified_state(path, file)?;
        refuse_damaged(&report)?;
    }
    Ok(match replay {
        chain::Replay::Compact(c) => c,
        chain::Replay::Full(s) => Compact::from_state(&s),
    })
}

/// Brings an index that is behind the ledger (entries were appended without
/// it: another tool, a `git pull`) up to `tail`, reading only the lines after
/// what it covers, through the same line reader and line checks as a full
/// verification: the line ending at the covered length must still be the
/// clean entry the index recorded, and each later line must be at most the
/// maximum entry size, read cleanly on its own (7.2 steps 0-8), follow on by
/// seq and prev, not be a genesis, and pass the referential checks against
/// the index. At the first doubt it gives up (`None`) and the caller rebuilds
/// the index from a full verify, which also reports any problem exactly; so
/// a write with an index behind accepts exactly what one without accepts.
fn catch_up(file: &File, mut disk: index::Disk, tail: Covers) -> Option<index::Disk> {
    let from = disk.covers();
    // Lines to read at most; more than this is cheaper to rebuild in one pass.
    const LIMIT: u64 = 64 << 20;
    if from.len == 0 || tail.len - from.len > LIMIT {
        return None;
    }
    let lf = LineFile::new(file, tail.len);
    let clean = |got: Got| -> Option<Entry> {
        match got {
            Got::Line {
                start,
                text,
                terminated: true,
            } => chain::check_line(&text, start == 0, true).into_clean().ok(),
            _ => None,
        }
    };
    let e = clean(lf.line_before(from.len).ok()??)?;
    if e.seq != from.seq || e.hash != from.hash {
        return None;
    }
    let (mut seq, mut prev) = (from.seq, from.hash);
    let mut entries = Vec::new();
    let mut at = from.len;
    while at < tail.len {
        let got = lf.line_at(at).ok()??;
        at = got.end();
        let e = clean(got)?;
        if e.seq != seq + 1 || e.prev != prev || matches!(e.body, Body::Genesis(_)) {
            return None;
        }
        (seq, prev) = (e.seq, e.hash);
        entries.push(e);
    }
    if (seq, prev) != (tail.seq, tail.hash) {
        return None;
    }
    match disk.accepts(&entries).ok()? {
        index::Decision::Accept => {}
        _ => return None,
    }
    disk.record(&entries, tail).ok()?;
    Some(disk)
}

/// Appends entries built from the current state, under one lock: `build`
/// makes the bodies (it may look up earlier facts through [`Prior`]), each is
/// checked against the entries before it in order, and only if all pass are
/// they written. Returns the entries written and the new tail.
///
/// With a current index beside the ledger the checks look up only the ids the
/// new entries name, so a write costs the same on any length of ledger.
/// Without one (or when it is stale, damaged or too full) the ledger is
/// verified in full and the index rebuilt. A refusal is always worded from a
/// full replay, so the index never changes what a user reads.
pub fn append_checked(
    path: &Path,
    now: &str,
    build: impl FnOnce(&Prior, u64) -> Result<Vec<Body>>,
) -> Result<(Vec<Appended>, Tail)> {
    append_checked_labeled(path, now, build, |i, n| format!("entry {} of {n}", i + 1))
}

/// [`append_checked`], naming the i-th of n new entries with `label(i, n)` in
/// refusals when there is more than one (e.g. `batch.jsonl:7`).
pub fn append_checked_labeled(
    path: &Path,
    now: &str,
    build: impl FnOnce(&Prior, u64) -> Result<Vec<Body>>,
    label: impl Fn(usize, usize) -> String,
) -> Result<(Vec<Appended>, Tail)> {
    let mut locked = lock(path)?;
    // The tail first: a torn last line gets the same refusal, pointing at
    // `ledger repair`, as every other write.
    let tail = locked.tail()?;
    let covers = tail.covers();
    let mut disk = match index::Disk::open(path, &locked.file) {
        Some(d) if d.covers() == covers => Some(d),
        Some(d) if d.covers().len < covers.len => catch_up(&locked.file, d, covers),
        _ => None,
    };
    let mut compact = match disk {
        Some(_) => None,
        None => Some(verified_compact(path, &locked.file)?),
    };
    let next_seq = tail.seq + 1;
    let (bodies, mut full) = {
        let prior = Prior {
            path,
            file: &locked.file,
            len: tail.len,
            disk: disk.as_ref(),
            compact: compact.as_ref(),
            full: std::cell::OnceCell::new(),
            ids: std::cell::RefCell::new(ids::Generator::from_env(tail.hash)?),
        };
        let bodies = build(&prior, next_seq)?;
        (bodies, prior.full.into_inner())
    };
    let mut probes: Vec<Entry> = (next_seq..)
        .zip(bodies)
        .map(|(seq, body)| Entry {
            seq,
            prev: Hash::ZERO,
            hash: Hash::ZERO,
            recorded: String::new(),
            body,
        })
        .collect();
    // The rule for new text: a write-time rule, not a verify rule.
    let n = probes.len();
    for (i, probe) in probes.iter().enumerate() {
        probe.body.check_new_text().map_err(|m| Error::Refused {
            path: path.to_path_buf(),
            seq: Some(probe.seq),
            message: if n > 1 {
                format!("{}: {m}", label(i, n))
            } else {
                m
            },
            help: Some(crate::entry::NEW_TEXT_HELP.into()),
        })?;
    }
    let shape_ok = probes.iter().all(|e| e.body.check().is_ok());
    let mut decided = false;
    if shape_ok && full.is_none() {
        if let Some(d) = &disk {
            // An index that cannot be read or has a damaged slot is rebuilt
            // like one that is too full.
            match d.accepts(&probes).unwrap_or(index::Decision::Full) {
                index::Decision::Accept => decided = true,
                index::Decision::Refuse => {}
                index::Decision::Full => {
                    // Rebuilt (larger, when full) below.
                    disk = None;
                    let mut c = verified_compact(path, &locked.file)?;
                    decided = probes.iter().all(|p| c.apply(p).is_ok());
                    compact = Some(c);
                }
            }
        } else if let Some(c) = &mut compact {
            decided = probes.iter().all(|p| c.apply(p).is_ok());
        }
    }
    if !decided {
        // The full check, entry by entry, words any refusal.
        let mut state = match full.take() {
            Some(s) => s,
            None => verified_state(path, &locked.file)?,
        };
        let n = probes.len();
        for (i, probe) in probes.iter().enumerate() {
            probe
                .body
                .check()
                .and_then(|_| state.apply(probe))
                .map_err(|m| Error::Refused {
                    path: path.to_path_buf(),
                    seq: Some(probe.seq),
                    message: if n > 1 {
                        format!("{}: {m}", label(i, n))
                    } else {
                        m
                    },
                    help: None,
                })?;
        }
        // Accepted by the full check although the index refused: the index
        // was wrong; rebuild it from the state.
        disk = None;
        compact = Some(Compact::from_state(&state));
    }
    let bodies: Vec<Body> = probes.drain(..).map(|e| e.body).collect();
    let written = locked.append_after(tail, now, bodies)?;
    let new_len = locked
        .file
        .metadata()
        .map_err(|e| Error::io(path, "read", e))?
        .len();
    let new_tail = match written.last() {
        Some(a) => Tail {
            seq: a.entry.seq,
            hash: a.entry.hash,
            len: new_len,
        },
        None => tail,
    };
    let covers = new_tail.covers();
    // The index is derived: failing to update it loses nothing (the next
    // write finds it stale and rebuilds it), so errors are ignored.
    match (&mut disk, &compact) {
        (Some(d), _) => {
            let _ = d.record(written.iter().map(|a| &a.entry), covers);
        }
        (None, Some(c)) => {
            let _ = index::Disk::write(path, &locked.file, c, covers);
        }
        (None, None) => {}
    }
    Ok((written, new_tail))
}

/// An import in progress ([`crate::import`]): the ledger locked, its tail
/// read, the referential index ready, and the lines written so far.
///
/// Its lines are appended as they are sealed, a few MiB at a time. Before
/// the first byte, a marker file beside the ledger (`.NAME.jsonl.import`,
/// [`marker_path`]) records the ledger's length, last seq and last hash, and
/// is flushed to disk; it is removed only once every line is written and
/// flushed, and removing it is what commits the import. A refused or failed
/// import cuts the ledger back to its old length and then removes the
/// marker. A crash in between leaves the marker, and every command then
/// refuses the ledger as holding an unfinished import (exit 1) until `ledger
/// repair` moves the import's lines aside.
pub struct Importing {
    locked: Locked,
    tail: Tail,
    disk: Option<index::Disk>,
    compact: Option<Compact>,
    fault: Fault,
    /// The marker, once created.
    marker: std::cell::RefCell<Option<PathBuf>>,
    /// Set once any byte may have reached the ledger.
    wrote: std::cell::Cell<bool>,
}

/// Locks the ledger at `path` for an import: reads its tail (refusing a torn
/// one, as every writer does) and opens its index, or verifies it in full
/// into a compact one when there is no current index (or `use_index` is
/// false).
pub fn begin_import(path: &Path, use_index: bool) -> Result<Importing> {
    let mut locked = lock(path)?;
    let tail = locked.tail()?;
    let covers = tail.covers();
    let disk = match index::Disk::open(path, &locked.file) {
        Some(d) if !use_index => {
            drop(d);
            None
        }
        Some(d) if d.covers() == covers => Some(d),
        Some(d) if d.covers().len < covers.len => catch_up(&locked.file, d, covers),
        _ => None,
    };
    let compact = match disk {
        Some(_) => None,
        None => Some(verified_compact(path, &locked.file)?),
    };
    Ok(Importing {
        locked,
        tail,
        disk,
        compact,
        fault: Fault::from_env()?,
        marker: std::cell::RefCell::new(None),
        wrote: std::cell::Cell::new(false),
    })
}

/// Appends an import's sealed lines to the locked ledger
/// ([`Importing::appender`]); it may be sent to another thread, and
/// everything it writes is cut back by [`Importing::abandon`].
#[derive(Clone, Copy)]
pub struct Appender<'a> {
    file: &'a File,
    path: &'a Path,
    fault: Fault,
}

impl Appender<'_> {
    /// Appends `bytes` whole, or fails.
    pub fn write(&self, bytes: &[u8]) -> Result<()> {
        self.fault
            .write_all(&mut &*self.file, bytes)
            .map_err(|e| Error::io(self.path, "append to", e))
    }
}

impl Importing {
    /// The ledger's path as given.
    pub fn path(&self) -> &Path {
        &self.locked.path
    }

    /// The seq and hash of the last entry before the import.
    pub fn tail(&self) -> (u64, Hash) {
        (self.tail.seq, self.tail.hash)
    }

    /// The ledger's length before the import: where its lines begin.
    pub fn from(&self) -> u64 {
        self.tail.len
    }

    /// The ledger before the import, for looking up what the new entries
    /// name (sources of citations).
    pub fn prior(&self) -> Result<Prior<'_>> {
        Ok(Prior {
            path: &self.locked.path,
            file: &self.locked.file,
            len: self.tail.len,
            disk: self.disk.as_ref(),
            compact: self.compact.as_ref(),
            full: std::cell::OnceCell::new(),
            ids: std::cell::RefCell::new(ids::Generator::from_env(self.tail.hash)?),
        })
    }

    /// The referential checks, over the index of the ledger before the
    /// import.
    pub fn staged(&self) -> index::Staged<'_> {
        index::Staged::new(self.disk.as_ref(), self.compact.as_ref())
    }

    /// The ledger before the import, verified and replayed in full (to word
    /// a refusal).
    pub fn full_state(&self) -> Result<State> {
        verified_state_upto(&self.locked.path, &self.locked.file, self.tail.len)
    }

    /// Appends sealed lines, creating the marker first.
    pub fn write(&self, bytes: &[u8]) -> Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        self.appender()?.write(bytes)
    }

    /// What appends sealed lines, for a thread of its own: the marker is
    /// created first (here, on the calling thread), so it exists before any
    /// byte is written, and [`Importing::abandon`] knows to cut back.
    pub fn appender(&self) -> Result<Appender<'_>> {
        if self.marker.borrow().is_none() {
            let m = create_marker(&self.locked.path, &self.tail)?;
            *self.marker.borrow_mut() = Some(m);
        }
        self.wrote.set(true);
        Ok(Appender {
            file: &self.locked.file,
            path: &self.locked.path,
            fault: self.fault,
        })
    }

    /// Gives up: cuts the ledger back to its length before the import (so it
    /// is byte for byte as it was), then removes the marker. Returns `cause`,
    /// or, if the ledger could not be cut back, that error (the marker then
    /// stays, for `ledger repair`).
    pub fn abandon(&self, cause: Error) -> Error {
        let e = if self.wrote.get() {
            self.locked.cut_back(self.tail.len, cause)
        } else {
            cause
        };
        let back = self
            .locked
            .file
            .metadata()
            .is_ok_and(|m| m.len() == self.tail.len);
        if back && let Some(m) = self.marker.borrow_mut().take() {
            remove_marker(&m);
        }
        e
    }

    /// Commits the import once its last lines are written: flushes the
    /// ledger, removes the marker (the commit point), and brings the index
    /// up to date (`changes` are the import's, `last` its last entry).
    /// Returns the ledger's new length.
    pub fn commit(self, changes: index::Changes, last: (u64, Hash)) -> Result<u64> {
        let path = self.locked.path.clone();
        if let Err(e) = self.fault.sync_data(&self.locked.file) {
            return Err(self.abandon(Error::io(&path, "append to", e)));
        }
        if let Some(m) = self.marker.borrow().as_ref() {
            if let Err(e) = std::fs::remove_file(m) {
                return Err(self.abandon(Error::io(m, "remove", e)));
            }
            fsio::sync_dir_of(m);
        }
        let len = self
            .locked
            .file
            .metadata()
            .map_err(|e| Error::io(&path, "read", e))?
            .len();
        let covers = Covers {
            len,
            seq: last.0,
            hash: last.1,
        };
        // The index is derived: failing to update it loses nothing (the next
        // write finds it behind and catches up or rebuilds it).
        match (self.disk, self.compact) {
            (Some(mut d), _) => {
                let _ = d.record_changes(&changes, covers);
            }
            (None, Some(mut c)) => {
                c.absorb(changes, last);
                let _ = index::Disk::write(&path, &self.locked.file, &c, covers);
            }
            (None, None) => {}
        }
        Ok(len)
    }
}

/// Reads back the entries written at bytes `[from, to)` of the ledger (what
/// an import appended, for reporting it), one at a time, under the shared
/// lock, until `each` returns false. A line there that is not a clean entry
/// (the ledger was replaced since) is an error.
pub fn read_appended(
    path: &Path,
    from: u64,
    to: u64,
    mut each: impl FnMut(Entry) -> bool,
) -> Result<()> {
    let locked = lock_shared(path)?;
    let lf = LineFile::new(&locked.file, to.min(locked.len()?));
    let io = |e| Error::io(path, "read", e);
    let mut at = from;
    while at < to {
        let got = lf.line_at(at).map_err(io)?;
        let entry = match &got {
            Some(Got::Line {
                start,
                text,
                terminated: true,
            }) => chain::check_line(text, *start == 0, true).into_clean().ok(),
            _ => None,
        };
        let (Some(got), Some(entry)) = (got, entry) else {
            return Err(Error::Damaged {
                path: path.to_path_buf(),
                line: LineFile::new(&locked.file, at).count_lines().map_err(io)? + 1,
                message: "the entries just appended cannot be read back (was the ledger replaced meanwhile?)".into(),
                help: Some("run `ledger verify`".into()),
            });
        };
        at = got.end();
        if !each(entry) {
            break;
        }
    }
    Ok(())
}

/// Where an import in progress keeps its marker: `.NAME.import` beside the
/// ledger's file (beside the target of a symbolic link, so that every path
/// to the ledger finds it).
pub fn marker_path(path: &Path) -> PathBuf {
    let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let name = target
        .file_name()
        .map_or("ledger.jsonl".into(), |n| n.to_string_lossy().to_string());
    target.with_file_name(format!(".{name}.import"))
}

/// What an import's marker records: the ledger before the import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Marker {
    len: u64,
    seq: u64,
    hash: Hash,
}

const MARKER_MAGIC: &str = "ledger import in progress";

/// Creates and flushes the marker: written whole to a temporary file beside
/// it and renamed into place ([`fsio::replace`]), so that a crash leaves it
/// complete or absent, never half written. A failure (a full disk) is
/// reported as a failed append: nothing was written.
fn create_marker(path: &Path, tail: &Tail) -> Result<PathBuf> {
    let m = marker_path(path);
    let text = format!(
        "{MARKER_MAGIC}\nfrom {} {} {}\n",
        tail.len,
        tail.seq,
        tail.hash.to_hex()
    );
    fsio::replace(&m, text.as_bytes(), 0o644).map_err(|e| Error::io(path, "append to", e))?;
    Ok(m)
}

fn remove_marker(m: &Path) {
    let _ = std::fs::remove_file(m);
    fsio::sync_dir_of(m);
}

/// Reads the marker of an unfinished import beside `path`, if there is one.
fn read_marker(path: &Path) -> Result<Option<(PathBuf, Marker)>> {
    let m = marker_path(path);
    let f = match fsio::open_ro_nofollow(&m) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(&m, "read", e)),
    };
    let mut text = String::new();
    let read = f.take(256).read_to_string(&mut text);
    let parsed = read.ok().and_then(|_| {
        let rest = text.strip_prefix(MARKER_MAGIC)?.strip_prefix("\nfrom ")?;
        let mut it = rest.trim_end_matches('\n').split(' ');
        let len = it.next()?.parse().ok()?;
        let seq = it.next()?.parse().ok()?;
        let hash = Hash::from_hex(it.next()?)?;
        it.next().is_none().then_some(Marker { len, seq, hash })
    });
    match parsed {
        Some(p) => Ok(Some((m, p))),
        None => Err(Error::Damaged {
            path: m.clone(),
            line: 1,
            message: "this file beside the ledger should record where an unfinished import began, but it cannot be read".into(),
            help: Some(format!(
                "an import that did not finish may have left lines at the end of the ledger: compare it with a copy, cut them off, then remove {}",
                m.display()
            )),
        }),
    }
}

/// Refuses a ledger that holds an unfinished import (its marker is there
/// while no import holds the lock, so the one that wrote it died).
fn refuse_unfinished_import(path: &Path, file: &File) -> Result<()> {
    let Some((m, marker)) = read_marker(path)? else {
        return Ok(());
    };
    let len = file
        .metadata()
        .map_err(|e| Error::io(path, "read", e))?
        .len();
    let before = LineFile::new(file, marker.len.min(len))
        .count_lines()
        .map_err(|e| Error::io(path, "read", e))?;
    Err(Error::Damaged {
        path: path.to_path_buf(),
        line: before + 1,
        message: format!(
            "an import did not finish: the {} bytes from line {} on were written by an import that was interrupted, and are not part of the ledger ({} records where it began)",
            len.saturating_sub(marker.len),
            before + 1,
            m.display()
        ),
        help: Some("run `ledger repair` to move the unfinished import's lines aside and restore the ledger as it was before it; then run the import again".into()),
    })
}

/// Opens and verifies a ledger (streaming), returning the report and the state.
///
/// With [`VerifyOptions::index_only`] the replay goes into a compact index
/// first (memory bounded by the number of ids); only if that finds a
/// reference problem is the ledger read again with an index that keeps id
/// text, so every problem is worded in full ("did you mean").
pub fn scan(path: &Path, opts: VerifyOptions) -> Result<(Report, State)> {
    compact_first(opts, |opts| {
        let f = open_for_reading(path)?;
        chain::verify_reader(path, observed(f, "verifying"), opts)
            .map_err(|e| Error::io(path, "read", e))
    })
}

/// Runs a verification into the compact index first when `opts` asks only
/// for references to be checked; runs it again with the id-keeping index
/// only if that finds a reference problem, to word it in full.
fn compact_first(
    opts: VerifyOptions,
    run: impl Fn(VerifyOptions) -> Result<(Report, State)>,
) -> Result<(Report, State)> {
    if opts.index_only && !opts.compact {
        let (report, state) = run(VerifyOptions {
            compact: true,
            ..opts.clone()
        })?;
        if !report
            .problems
            .iter()
            .any(|p| p.kind == chain::ProblemKind::Reference)
        {
            return Ok((report, state));
        }
    }
    run(opts)
}

/// Feeds every line of `r` to `v` (through verify's block pipeline), handing
/// each entry understood to `on_entry`.
fn feed_all(
    path: &Path,
    r: impl Read,
    v: &mut chain::Verifier,
    on_entry: impl FnMut(&Entry),
) -> Result<()> {
    chain::feed_all(v, r, on_entry).map_err(|e| Error::io(path, "read", e))
}

/// Verifies a whole ledger (refusing one with any problem) and returns the
/// state for the report ([`State::live_only`]) after entry `at`, or after the
/// last entry, with the seq of the last entry. Streams: no entry is kept
/// beyond its line.
pub fn load_for_report(path: &Path, at: Option<u64>) -> Result<(State, u64)> {
    let f = open_for_reading(path)?;
    let r = observed(f, "reading");
    let (report, state) = match at {
        None => {
            let mut v = chain::Verifier::with_replay(
                path,
                VerifyOptions::default(),
                chain::Replay::Full(State::live_only()),
            );
            chain::feed_all_into_state(&mut v, r).map_err(|e| Error::io(path, "read", e))?;
            v.finish_replay()
        }
        Some(at) => {
            // The whole ledger is verified; only entries up to `at` are replayed
            // into the report's state (they verified, so they apply).
            let mut past = State::live_only();
            let opts = VerifyOptions {
                compact: true,
                ..VerifyOptions::default()
            };
            let mut v = chain::Verifier::new(path, opts);
            feed_all(path, r, &mut v, |e| {
                if e.seq <= at {
                    let _ = past.apply(e);
                }
            })?;
            let (report, _) = v.finish_replay();
            (report, chain::Replay::Full(past))
        }
    };
    if !report.ok() {
        // Word the refusal as the full check does.
        load(path)?;
        refuse(&report, "")?;
    }
    let head = report.head.map_or(0, |(seq, _)| seq);
    match state {
        chain::Replay::Full(s) => Ok((s, head)),
        chain::Replay::Compact(_) => Ok((State::live_only(), head)),
    }
}

/// A reader of a whole ledger file that reports progress.
///
/// Unbuffered: its readers read blocks of 256 KiB and more at a time, which
/// a buffer in between would only copy once more.
fn observed(f: File, label: &str) -> crate::progress::Reader<File> {
    let len = f.metadata().map_or(0, |m| m.len());
    crate::progress::Reader::new(f, label, len)
}

/// Opens and verifies a ledger from the entry `since` on (`verify --since`);
/// see [`chain::verify_since`]. The entry is found by binary search over byte
/// offsets, reading a few dozen lines, and confirmed by the number of lines
/// before it.
pub fn scan_since(
    path: &Path,
    since: chain::Anchor,
    opts: VerifyOptions,
) -> Result<(Report, State)> {
    compact_first(opts, |opts| {
        let f = open_ledger(path, Access::ReadAt)?;
        let workers = chain::workers();
        chain::verify_since(path, &f, since, opts, chain::BLOCK_SIZE, workers)
            .map_err(|e| Error::io(path, "read", e))
    })
}

/// Opens a ledger, verifies it and replays it, refusing a ledger that does not
/// verify. Returns every entry and the state after the last.
pub fn load(path: &Path) -> Result<(Vec<Entry>, State)> {
    let f = open_for_reading(path)?;
    let mut entries = Vec::new();
    let (report, state) = chain::verify_reader_with(
        path,
        observed(f, "reading"),
        VerifyOptions::default(),
        |e| entries.push(e.clone()),
    )
    .map_err(|e| Error::io(path, "read", e))?;
    refuse(&report, "")?;
    Ok((entries, state))
}

/// What [`repair`] did.
#[derive(Debug, Clone)]
pub enum Repair {
    /// The file ends in a complete line; nothing changed.
    Intact,
    /// The last line was a complete entry missing only its newline (as
    /// `verify` counts it); the newline was added, in place of a stray CR
    /// when the line ended in one (`replaced_cr`).
    Terminated { line: u64, replaced_cr: bool },
    /// The torn final line was moved to `saved_to`.
    Removed {
        line: u64,
        bytes: u64,
        saved_to: PathBuf,
    },
    /// An import that did not finish was undone: its `bytes` from line
    /// `line` on were moved to `saved_to` (none when it had written
    /// nothing), and its marker removed.
    RolledBack {
        line: u64,
        bytes: u64,
        saved_to: Option<PathBuf>,
    },
}

/// Repairs the end of a ledger, agreeing with `verify` on what is an entry.
/// A final line without LF that `verify` counts as an entry (7.2 steps 6 and
/// 8: it reads as an entry, whatever a stray CR) gets its LF, replacing the
/// CR if it ends in one; no complete entry is ever removed. Any other final
/// line without LF is moved to a new side file next to the ledger (created
/// without following links, saved and synced before the ledger is cut).
/// Reads only the tail of the file.
pub fn repair(path: &Path, now: &str) -> Result<Repair> {
    let mut locked = lock_as_is(path)?;
    if let Some((m, marker)) = read_marker(path)? {
        return roll_back(&locked, now, &m, marker);
    }
    let lf = locked.lines()?;
    let len = lf.len();
    let io = |e| Error::io(path, "read", e);
    let last = match lf.last_line().map_err(io)? {
        None => {
            // Nothing to repair, and nothing to call intact either.
            return Err(Error::Damaged {
                path: path.to_path_buf(),
                line: 1,
                message:
                    "the ledger is empty: it has no genesis entry, so there is nothing to repair"
                        .into(),
                help: Some("create a ledger with `ledger init --title TEXT`".into()),
            });
        }
        Some(got) if got.terminated() => return Ok(Repair::Intact),
        Some(got) => got,
    };
    let line = lf.count_lines().map_err(io)?;
    let keep = last.start();
    if let Got::Line { start, text, .. } = &last
        && chain::check_line(text, *start == 0, false)
            .entry()
            .is_some()
    {
        let replaced_cr = text.ends_with(b"\r");
        let at = if replaced_cr {
            locked
                .file
                .set_len(len - 1)
                .map_err(|e| Error::io(path, "truncate", e))?;
            len - 1
        } else {
            len
        };
        locked.write_whole(at, b"\n")?;
        return Ok(Repair::Terminated { line, replaced_cr });
    }
    let torn_len = len - keep;
    let saved_to = save_aside(&locked, now, "torn", keep, len)?;
    locked
        .file
        .set_len(keep)
        .and_then(|_| locked.file.sync_all())
        .map_err(|e| Error::io(path, "truncate", e))?;
    Ok(Repair::Removed {
        line,
        bytes: torn_len,
        saved_to,
    })
}

/// Copies bytes `[from, to)` of the ledger to a new side file next to it,
/// `NAME.WHAT-TIME` (created without following links), flushed with its
/// directory, and returns its path. The ledger is not changed.
fn save_aside(locked: &Locked, now: &str, what: &str, from: u64, to: u64) -> Result<PathBuf> {
    let path = &locked.path;
    let stamp: String = now.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let file_name = path
        .file_name()
        .map_or("ledger".into(), |n| n.to_string_lossy().to_string());
    let mut n = 0;
    let (saved_to, mut side) = loop {
        let name = if n == 0 {
            format!("{file_name}.{what}-{stamp}")
        } else {
            format!("{file_name}.{what}-{stamp}-{n}")
        };
        let candidate = path.with_file_name(name);
        match fsio::create_new(&candidate, 0o644) {
            Ok(f) => break (candidate, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1000 => n += 1,
            Err(e) => return Err(Error::io(&candidate, "create", e)),
        }
    };
    let copied = copy_range(&locked.file, from, to, &mut side).and_then(|_| side.sync_all());
    if let Err(e) = copied {
        // The ledger is untouched; do not leave a partial copy behind.
        drop(side);
        let _ = std::fs::remove_file(&saved_to);
        return Err(Error::io(&saved_to, "write", e));
    }
    fsio::sync_dir_of(&saved_to);
    Ok(saved_to)
}

/// Undoes an import that did not finish (its marker `m` is there): moves
/// every byte after the length the marker records to a side file
/// (`NAME.import-TIME`), cuts the ledger back to that length, and removes
/// the marker. The marker must describe this ledger: the line ending at its
/// length must be the entry it names (seq and hash); otherwise nothing is
/// changed.
fn roll_back(locked: &Locked, now: &str, m: &Path, marker: Marker) -> Result<Repair> {
    let path = &locked.path;
    let io = |e| Error::io(path, "read", e);
    let len = locked.len()?;
    let lf = LineFile::new(&locked.file, len);
    let matches = marker.len <= len
        && match lf.line_before(marker.len).map_err(io)? {
            Some(Got::Line {
                start,
                text,
                terminated: true,
            }) if start + text.len() as u64 + 1 == marker.len => {
                chain::check_line(&text, start == 0, true)
                    .into_clean()
                    .is_ok_and(|e| e.seq == marker.seq && e.hash == marker.hash)
            }
            _ => false,
        };
    if !matches {
        return Err(Error::Damaged {
            path: path.clone(),
            line: 1,
            message: format!(
                "{} records an unfinished import after seq {} at byte {}, but the ledger does not hold that entry there; nothing was changed",
                m.display(),
                marker.seq,
                marker.len
            ),
            help: Some(format!(
                "the marker was not made for this file: check the ledger with a copy you trust, then remove {}",
                m.display()
            )),
        });
    }
    let line = LineFile::new(&locked.file, marker.len)
        .count_lines()
        .map_err(io)?
        + 1;
    let bytes = len - marker.len;
    let saved_to = if bytes > 0 {
        Some(save_aside(locked, now, "import", marker.len, len)?)
    } else {
        None
    };
    locked
        .file
        .set_len(marker.len)
        .and_then(|_| locked.file.sync_all())
        .map_err(|e| Error::io(path, "truncate", e))?;
    remove_marker(m);
    Ok(Repair::RolledBack {
        line,
        bytes,
        saved_to,
    })
}

/// Copies bytes `[from, to)` of `file` to `out`, by positioned reads.
fn copy_range(file: &File, from: u64, to: u64, out: &mut File) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    let mut buf = vec![0u8; 64 * 1024];
    let mut pos = from;
    while pos < to {
        let n = buf.len().min((to - pos) as usize);
        file.read_exact_at(&mut buf[..n], pos)?;
        out.write_all(&buf[..n])?;
        pos += n as u64;
    }
    Ok(())
}
