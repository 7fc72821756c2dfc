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
use crate::entry::{Body, Entry, Fact, Genesis, check_timestamp};
use crate::error::{Error, Result};
use crate::fault::Fault;
use crate::hash::Hash;
use crate::index::{self, Compact, Covers};
use crate::lines::MAX_ENTRY_BYTES;
use crate::replay::State;
use std::fs::{File, OpenOptions};
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The environment variable that fixes the record time (tests, reproducible
/// rebuilds): an RFC 3339 UTC time `YYYY-MM-DDTHH:MM:SSZ`.
pub const NOW_ENV: &str = "LEDGER_NOW";

/// The directory searched for a ledger when no path is given.
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

/// The ledger to use: the given path, else the single `*.jsonl` under `./ledger/`.
pub fn resolve(given: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = given {
        return Ok(p.to_path_buf());
    }
    let dir = Path::new(DEFAULT_DIR);
    let help = Some("pass --ledger PATH or set LEDGER_PATH".to_string());
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::usage(
                "no ledger given and there is no ./ledger/ directory",
                Some("pass --ledger PATH, set LEDGER_PATH, or create one with `ledger init --title TEXT`".into()),
            ));
        }
        Err(e) => return Err(Error::io(dir, "read directory", e)),
    };
    let mut found: Vec<PathBuf> = Vec::new();
    for e in entries {
        let e = e.map_err(|e| Error::io(dir, "read directory", e))?;
        let p = e.path();
        if p.extension().is_some_and(|x| x == "jsonl") && p.is_file() {
            found.push(p);
        }
    }
    found.sort();
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(Error::usage(
            "no ledger given and ./ledger/ holds no *.jsonl file",
            Some("pass --ledger PATH, set LEDGER_PATH, or create one with `ledger init --title TEXT`".into()),
        )),
        _ => Err(Error::usage(
            format!(
                "no ledger given and ./ledger/ holds several: {}",
                found
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            help,
        )),
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
    let mut f = match OpenOptions::new().write(true).create_new(true).open(path) {
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
    sync_parent(path);
    Ok(Appended { entry })
}

fn sync_parent(path: &Path) {
    // Make the new directory entry durable too. Failure here is not fatal: the
    // data itself is already on disk, and some platforms cannot open directories.
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let Ok(d) = File::open(parent) {
        let _ = d.sync_all();
    }
}

/// The last entry of a ledger, read from its tail.
#[derive(Debug, Clone, Copy)]
pub struct Tail {
    pub seq: u64,
    pub hash: Hash,
    /// File length in bytes.
    pub len: u64,
}

/// An open, exclusively locked ledger file. The lock is released on drop.
pub struct Locked {
    path: PathBuf,
    file: File,
}

/// Opens `path` for appending and takes the exclusive lock (waiting for other
/// writers to finish, and for readers holding the shared lock).
pub fn lock(path: &Path) -> Result<Locked> {
    let file = OpenOptions::new()
        .read(true)
        .append(true)
        .open(path)
        .map_err(|e| open_error(path, e, true))?;
    file.lock().map_err(|e| Error::io(path, "lock", e))?;
    Ok(Locked {
        path: path.to_path_buf(),
        file,
    })
}

/// Opens `path` for reading only and takes the lock shared: waits for a writer
/// in the middle of an append, lets other readers in. For `head`, which reads
/// the tail ([`Locked::tail`]) and must work on a read-only ledger.
pub fn lock_shared(path: &Path) -> Result<Locked> {
    Ok(Locked {
        path: path.to_path_buf(),
        file: open_for_reading(path)?,
    })
}

/// Opens a ledger for reading, refusing a directory, and takes the shared lock.
fn open_for_reading(path: &Path) -> Result<File> {
    let file = File::open(path).map_err(|e| open_error(path, e, false))?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(is_a_directory(path));
    }
    file.lock_shared().map_err(|e| Error::io(path, "lock", e))?;
    Ok(file)
}

fn is_a_directory(path: &Path) -> Error {
    Error::usage(
        format!("{} is a directory, not a ledger file", path.display()),
        Some("pass the path of the ledger's *.jsonl file with --ledger PATH".into()),
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
    /// Reads the last entry from the end of the file, checking that the file ends
    /// in a complete, intact entry. Reads only the last line (O(1) in the size of
    /// the ledger).
    pub fn tail(&mut self) -> Result<Tail> {
        let path = self.path.clone();
        let len = self
            .file
            .metadata()
            .map_err(|e| Error::io(&path, "read", e))?
            .len();
        if len == 0 {
            return Err(Error::Damaged {
                path,
                line: 1,
                message: "the ledger is empty: it has no genesis entry".into(),
                help: Some("create a ledger with `ledger init --title TEXT`".into()),
            });
        }
        let mut chunk: u64 = 64 * 1024;
        loop {
            let start = len.saturating_sub(chunk);
            let mut buf = vec![0u8; (len - start) as usize];
            self.file
                .seek(SeekFrom::Start(start))
                .and_then(|_| self.file.read_exact(&mut buf))
                .map_err(|e| Error::io(&path, "read", e))?;
            if buf.last() != Some(&b'\n') {
                let line = self.count_lines()?;
                return Err(Error::Damaged {
                    path,
                    line,
                    message: "the file does not end in a newline: the last write was interrupted".into(),
                    help: Some("run `ledger repair`: it moves an incomplete last line to a side file, or adds the newline if the line is a complete entry; then retry".into()),
                });
            }
            let body = &buf[..buf.len() - 1];
            let from = match body.iter().rposition(|&b| b == b'\n') {
                Some(i) => i + 1,
                None if start == 0 => 0,
                // A line longer than any entry may be: do not read it all.
                None if chunk > MAX_ENTRY_BYTES as u64 + 1 => {
                    let line = self.count_lines()?;
                    return Err(Error::Damaged {
                        path,
                        line,
                        message: format!(
                            "the last line is longer than the maximum entry size ({MAX_ENTRY_BYTES} bytes)"
                        ),
                        help: Some("run `ledger verify` to see every problem".into()),
                    });
                }
                None => {
                    chunk = (chunk * 4).min(MAX_ENTRY_BYTES as u64 + 2);
                    continue;
                }
            };
            let raw = &body[from..];
            let read = std::str::from_utf8(raw).map(chain::read_entry);
            return match read {
                Ok(chain::ReadLine {
                    entry: Some(e),
                    problems,
                    ..
                }) if problems.is_empty() => Ok(Tail {
                    seq: e.seq,
                    hash: e.hash,
                    len,
                }),
                Ok(r) => {
                    let line = self.count_lines()?;
                    let why = r
                        .problems
                        .first()
                        .map_or("not an entry".to_string(), |p| p.message.clone());
                    Err(Error::Damaged {
                        path,
                        line,
                        message: format!("the last entry is damaged ({why})"),
                        help: Some("run `ledger verify` to see every problem".into()),
                    })
                }
                Err(_) => {
                    let line = self.count_lines()?;
                    Err(Error::Damaged {
                        path,
                        line,
                        message: "the last line is not valid UTF-8".into(),
                        help: Some("run `ledger verify` to see every problem".into()),
                    })
                }
            };
        }
    }

    /// Reads `n` bytes at `offset`.
    fn read_at(&mut self, offset: u64, n: usize) -> Result<Vec<u8>> {
        let mut buf = vec![0u8; n];
        self.file
            .seek(SeekFrom::Start(offset))
            .and_then(|_| self.file.read_exact(&mut buf))
            .map_err(|e| Error::io(&self.path, "read", e))?;
        Ok(buf)
    }

    /// Counts lines (for naming the line in tail errors; only on error paths).
    fn count_lines(&mut self) -> Result<u64> {
        let path = self.path.clone();
        self.file
            .seek(SeekFrom::Start(0))
            .map_err(|e| Error::io(&path, "read", e))?;
        let mut r = BufReader::new(&self.file);
        let mut buf = [0u8; 64 * 1024];
        let mut lines = 0u64;
        let mut last = b'\n';
        loop {
            let n = r.read(&mut buf).map_err(|e| Error::io(&path, "read", e))?;
            if n == 0 {
                break;
            }
            lines += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
            last = buf[n - 1];
        }
        Ok(lines + u64::from(last != b'\n'))
    }

    /// Reads and verifies the whole ledger under the lock, returning its replayed
    /// state; refuses (without writing) if it has any problem.
    pub fn state(&mut self) -> Result<State> {
        let path = self.path.clone();
        self.file
            .seek(SeekFrom::Start(0))
            .map_err(|e| Error::io(&path, "read", e))?;
        let len = self.file.metadata().map_or(0, |m| m.len());
        let reader = crate::progress::Reader::new(BufReader::new(&self.file), "checking", len);
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
    fn cut_back(&mut self, len: u64, cause: Error) -> Error {
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
        help: Some("run `ledger verify` to see every problem".into()),
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
}

impl Prior<'_> {
    /// The fact with this id, whatever its status, as it was recorded.
    pub fn fact(&self, id: &str) -> Result<Option<Fact>> {
        if let Some(s) = self.full.get() {
            return Ok(s.fact(id).map(|r| r.fact.clone()));
        }
        let seq = match (self.disk, self.compact) {
            (Some(d), _) => match d.fact_seq(id) {
                Ok(s) => s,
                // A damaged index: answer from the full state.
                Err(_) => return Ok(self.full()?.fact(id).map(|r| r.fact.clone())),
            },
            (None, Some(c)) => c.fact_seq(id),
            (None, None) => None,
        };
        if (self.disk.is_some() || self.compact.is_some()) && seq.is_none() {
            return Ok(None);
        }
        if let Some(seq) = seq
            && let Some(e) = find_entry(self.file, self.len, seq)
        {
            let f = match e.body {
                Body::Fact(f) => Some(f),
                Body::Supersede(s) => Some(s.fact),
                _ => None,
            };
            if let Some(f) = f.filter(|f| f.id == id) {
                return Ok(Some(f));
            }
        }
        Ok(self.full()?.fact(id).map(|r| r.fact.clone()))
    }

    fn full(&self) -> Result<&State> {
        if let Some(s) = self.full.get() {
            return Ok(s);
        }
        let s = verified_state(self.path, self.file)?;
        Ok(self.full.get_or_init(|| s))
    }
}

/// The intact entry with `seq`, found by binary search over line starts (seqs
/// increase along a verified file); `None` if it cannot be found that way.
fn find_entry(file: &File, len: u64, seq: u64) -> Option<Entry> {
    use std::os::unix::fs::FileExt;
    // The first full line starting at or after `off`: (start, text).
    let line_from = |off: u64| -> Option<(u64, String)> {
        let mut start = off;
        if off > 0 {
            let mut b = [0u8; 1];
            file.read_exact_at(&mut b, off - 1).ok()?;
            if b[0] != b'\n' {
                // Skip to the next line start.
                let mut pos = off;
                loop {
                    let n = 4096.min(len.saturating_sub(pos)) as usize;
                    if n == 0 {
                        return None;
                    }
                    let mut buf = vec![0u8; n];
                    file.read_exact_at(&mut buf, pos).ok()?;
                    if let Some(i) = buf.iter().position(|&b| b == b'\n') {
                        start = pos + i as u64 + 1;
                        break;
                    }
                    pos += n as u64;
                }
            }
        }
        let mut out = Vec::new();
        let mut pos = start;
        loop {
            let n = 4096.min(len.saturating_sub(pos)) as usize;
            if n == 0 {
                return None;
            }
            let mut buf = vec![0u8; n];
            file.read_exact_at(&mut buf, pos).ok()?;
            if let Some(i) = buf.iter().position(|&b| b == b'\n') {
                out.extend_from_slice(&buf[..i]);
                return Some((start, String::from_utf8(out).ok()?));
            }
            out.extend_from_slice(&buf);
            pos += n as u64;
        }
    };
    // Canonical lines end in `,"seq":N}`.
    let seq_of = |line: &str| -> Option<u64> {
        let at = line.rfind(",\"seq\":")?;
        line[at + 7..].strip_suffix('}')?.parse().ok()
    };
    let (mut lo, mut hi) = (0u64, len);
    for _ in 0..128 {
        if lo >= hi {
            return None;
        }
        let mid = lo + (hi - lo) / 2;
        let Some((start, line)) = line_from(mid) else {
            hi = mid;
            continue;
        };
        let q = seq_of(&line)?;
        if q == seq {
            let read = chain::read_entry(&line);
            return read
                .entry
                .filter(|e| e.seq == seq && read.problems.is_empty());
        } else if q < seq {
            lo = start + line.len() as u64 + 1;
        } else {
            hi = mid;
        }
    }
    None
}

/// Verifies the whole file (read from the start through a shared handle) and
/// replays it into a full state; refuses a ledger with any problem.
fn verified_state(path: &Path, mut file: &File) -> Result<State> {
    file.seek(SeekFrom::Start(0))
        .map_err(|e| Error::io(path, "read", e))?;
    let (report, state) = chain::verify_reader(
        path,
        BufReader::with_capacity(256 * 1024, file),
        VerifyOptions::default(),
    )
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
/// what it covers: the last covered line must still be the entry the index
/// recorded, and each later line must read cleanly on its own (7.4), follow
/// on by seq and prev, and pass the referential checks against the index.
/// At the first doubt it gives up (`None`) and the caller rebuilds the index
/// from a full verify, which also reports any problem exactly.
fn catch_up(file: &File, mut disk: index::Disk, tail: Covers) -> Option<index::Disk> {
    use std::os::unix::fs::FileExt;
    let from = disk.covers();
    // Lines to read at most; more than this is cheaper to rebuild in one pass.
    const LIMIT: u64 = 64 << 20;
    if from.len == 0 || tail.len - from.len > LIMIT {
        return None;
    }
    // The last covered line, read backwards from `from.len`.
    let mut back = 4096u64;
    let last = loop {
        let start = from.len.saturating_sub(back);
        let mut buf = vec![0u8; (from.len - start) as usize];
        file.read_exact_at(&mut buf, start).ok()?;
        if buf.last() != Some(&b'\n') {
            return None;
        }
        buf.pop();
        match buf.iter().rposition(|&b| b == b'\n') {
            Some(i) => break buf.split_off(i + 1),
            None if start == 0 => break buf,
            None if back >= LIMIT => return None,
            None => back *= 4,
        }
    };
    let read = chain::read_entry(std::str::from_utf8(&last).ok()?);
    let e = read.entry.filter(|_| read.problems.is_empty())?;
    if e.seq != from.seq || e.hash != from.hash {
        return None;
    }
    let mut rest = vec![0u8; (tail.len - from.len) as usize];
    file.read_exact_at(&mut rest, from.len).ok()?;
    let text = std::str::from_utf8(&rest).ok()?;
    let (mut seq, mut prev) = (from.seq, from.hash);
    let mut entries = Vec::new();
    for line in text.strip_suffix('\n')?.split('\n') {
        let read = chain::read_entry(line);
        let e = read.entry.filter(|_| read.problems.is_empty())?;
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
    let covers = Covers {
        len: tail.len,
        seq: tail.seq,
        hash: tail.hash,
    };
    let mut disk = match index::Disk::open(path) {
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
    let covers = Covers {
        len: new_tail.len,
        seq: new_tail.seq,
        hash: new_tail.hash,
    };
    // The index is derived: failing to update it loses nothing (the next
    // write finds it stale and rebuilds it), so errors are ignored.
    match (&mut disk, &compact) {
        (Some(d), _) => {
            let _ = d.record(written.iter().map(|a| &a.entry), covers);
        }
        (None, Some(c)) => {
            let _ = index::Disk::write(path, c, covers);
        }
        (None, None) => {}
    }
    Ok((written, new_tail))
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
            feed_all(path, r, &mut v, |_| {})?;
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

/// A buffered reader of a whole ledger file that reports progress.
fn observed(f: File, label: &str) -> crate::progress::Reader<BufReader<File>> {
    let len = f.metadata().map_or(0, |m| m.len());
    crate::progress::Reader::new(BufReader::with_capacity(256 * 1024, f), label, len)
}

/// Opens and verifies a ledger from the entry `since` on (`verify --since`);
/// see [`chain::verify_since`]. The entry is found by binary search over byte
/// offsets, reading a few dozen lines, not the lines before it.
pub fn scan_since(
    path: &Path,
    since: chain::Anchor,
    opts: VerifyOptions,
) -> Result<(Report, State)> {
    compact_first(opts, |opts| {
        let mut f = open_for_reading(path)?;
        let io = |e| Error::io(path, "read", e);
        let found = find_seq_line(&mut f, since.seq).map_err(io)?;
        let workers = chain::workers();
        chain::verify_since(path, &mut f, since, found, opts, chain::BLOCK_SIZE, workers)
            .map_err(io)
    })
}

/// The seq a line ends with: canonical entries end in `,"seq":N}` (`seq`
/// sorts last of the envelope's members).
fn trailing_seq(line: &[u8]) -> Option<u64> {
    let body = line.strip_suffix(b"}")?;
    let at = memchr::memmem::rfind(body, b"\"seq\":")?;
    let digits = &body[at + 6..];
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// The first line starting at or after byte `off` whose seq can be read
/// (lines that cannot are stepped over), and its seq.
fn seq_line_from(f: &mut File, off: u64) -> std::io::Result<Option<(chain::SinceLine, u64)>> {
    use crate::lines::{Line, MAX_ENTRY_BYTES, read_line};
    let mut start = off;
    f.seek(SeekFrom::Start(off.saturating_sub(1)))?;
    let mut r = BufReader::with_capacity(16 * 1024, &mut *f);
    let mut line = Vec::new();
    // Lines are read with the maximum entry size as bound: an over-long line
    // is stepped over, never held whole.
    let mut next = |line: &mut Vec<u8>| -> std::io::Result<Option<(u64, bool, bool)>> {
        Ok(match read_line(&mut r, line, MAX_ENTRY_BYTES)? {
            Line::Eof => None,
            Line::Fits { terminated } => Some((line.len() as u64, terminated, true)),
            Line::TooLong { len, terminated } => Some((len, terminated, false)),
        })
    };
    if off > 0 {
        // Skip to the end of the line that byte `off - 1` is in.
        match next(&mut line)? {
            Some((n, true, _)) => start = off + n,
            _ => return Ok(None),
        }
    }
    loop {
        let Some((n, terminated, kept)) = next(&mut line)? else {
            return Ok(None);
        };
        if kept && let Some(seq) = trailing_seq(&line) {
            return Ok(Some((
                chain::SinceLine {
                    start,
                    text: std::mem::take(&mut line),
                    terminated,
                },
                seq,
            )));
        }
        start += n + u64::from(terminated);
    }
}

/// Finds the line whose seq is `seq` by binary search over byte offsets
/// (seqs grow along the file), reading O(log n) lines.
fn find_seq_line(f: &mut File, seq: u64) -> std::io::Result<Option<chain::SinceLine>> {
    let len = f.seek(SeekFrom::End(0))?;
    // Every line starting before `lo` has a smaller seq.
    let (mut lo, mut hi) = (0, len);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match seq_line_from(f, mid)? {
            Some((l, s)) if s < seq => lo = l.start + l.text.len() as u64 + 1,
            _ => hi = mid,
        }
    }
    Ok(seq_line_from(f, lo)?.and_then(|(l, s)| (s == seq).then_some(l)))
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
    /// The last line was a complete, intact entry missing only its newline;
    /// the newline was added.
    Terminated { line: u64 },
    /// The torn final line was moved to `saved_to`.
    Removed {
        line: u64,
        bytes: u64,
        saved_to: PathBuf,
    },
}

/// Repairs the end of a ledger. An incomplete final line (bytes after the last
/// LF that are not a complete, intact entry) is moved to a side file next to the
/// ledger, saved and synced before the ledger is cut. A final line that is a
/// complete, intact entry lacking only its LF gets the LF. Complete entries are
/// never removed. Reads only the tail of the file.
pub fn repair(path: &Path, now: &str) -> Result<Repair> {
    let mut locked = lock(path)?;
    let len = locked
        .file
        .metadata()
        .map_err(|e| Error::io(path, "read", e))?
        .len();
    if len == 0 {
        // Nothing to repair, and nothing to call intact either.
        return Err(Error::Damaged {
            path: path.to_path_buf(),
            line: 1,
            message: "the ledger is empty: it has no genesis entry, so there is nothing to repair"
                .into(),
            help: Some("create a ledger with `ledger init --title TEXT`".into()),
        });
    }
    if locked.read_at(len - 1, 1)? == b"\n" {
        return Ok(Repair::Intact);
    }
    // Find the start of the last line, reading backwards a chunk at a time
    // (memory stays bounded however long the torn line is).
    const CHUNK: u64 = 64 * 1024;
    let mut end = len;
    let keep = loop {
        let start = end.saturating_sub(CHUNK);
        let buf = locked.read_at(start, (end - start) as usize)?;
        match buf.iter().rposition(|&b| b == b'\n') {
            Some(i) => break start + i as u64 + 1,
            None if start == 0 => break 0,
            None => end = start,
        }
    };
    let torn_len = len - keep;
    let line = locked.count_lines()?;
    let complete = torn_len <= MAX_ENTRY_BYTES as u64
        && std::str::from_utf8(&locked.read_at(keep, torn_len as usize)?)
            .map(chain::read_entry)
            .is_ok_and(|r| r.entry.is_some() && r.problems.is_empty());
    if complete {
        locked.write_whole(len, b"\n")?;
        return Ok(Repair::Terminated { line });
    }
    let stamp: String = now.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let file_name = path
        .file_name()
        .map_or("ledger".into(), |n| n.to_string_lossy().to_string());
    let mut n = 0;
    let (saved_to, mut side) = loop {
        let name = if n == 0 {
            format!("{file_name}.torn-{stamp}")
        } else {
            format!("{file_name}.torn-{stamp}-{n}")
        };
        let candidate = path.with_file_name(name);
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(f) => break (candidate, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1000 => n += 1,
            Err(e) => return Err(Error::io(&candidate, "create", e)),
        }
    };
    let copied = locked
        .file
        .seek(SeekFrom::Start(keep))
        .and_then(|_| std::io::copy(&mut (&locked.file).take(torn_len), &mut side))
        .and_then(|n| {
            if n == torn_len {
                side.sync_all()
            } else {
                Err(std::io::Error::other(
                    "the ledger changed while it was read",
                ))
            }
        });
    if let Err(e) = copied {
        // The ledger is untouched; do not leave a partial copy behind.
        drop(side);
        let _ = std::fs::remove_file(&saved_to);
        return Err(Error::io(&saved_to, "write", e));
    }
    sync_parent(&saved_to);
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
