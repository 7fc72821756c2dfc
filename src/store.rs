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
use crate::entry::{Body, Entry, Genesis, check_timestamp};
use crate::error::{Error, Result};
use crate::fault::Fault;
use crate::hash::Hash;
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
#[derive(Debug, Clone)]
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
        let mut out = Vec::with_capacity(bodies.len());
        let mut buf = String::new();
        let (mut seq, mut prev) = (tail.seq, tail.hash);
        for body in bodies {
            body.check().map_err(|m| Error::Refused {
                path: self.path.clone(),
                seq: Some(seq + 1),
                message: m,
                help: None,
            })?;
            seq += 1;
            let entry =
                Entry::seal(seq, prev, now.to_string(), body).map_err(|e| Error::Refused {
                    path: self.path.clone(),
                    seq: Some(seq),
                    message: e.0,
                    help: None,
                })?;
            let line = entry.to_line().map_err(|e| Error::Refused {
                path: self.path.clone(),
                seq: Some(seq),
                message: e.0,
                help: None,
            })?;
            if line.len() > MAX_ENTRY_BYTES + 1 {
                return Err(Error::Refused {
                    path: self.path.clone(),
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
        }
        if buf.is_empty() {
            return Ok(out);
        }
        self.write_whole(tail.len, buf.as_bytes())?;
        Ok(out)
    }

    /// Writes `bytes` at the end of the file (of length `len`) and flushes them
    /// to disk. Success means every byte is written and flushed. If the write
    /// or the flush fails part-way, the file is cut back to `len`, so it is
    /// exactly as it was and the error says nothing was written; if even that
    /// fails, the ledger is reported damaged at its new last line, for
    /// `ledger repair`.
    fn write_whole(&mut self, len: u64, bytes: &[u8]) -> Result<()> {
        let fault = Fault::from_env()?;
        let path = self.path.clone();
        let written = fault
            .write_all(&mut self.file, bytes)
            .and_then(|_| fault.sync_data(&self.file));
        let Err(e) = written else {
            return Ok(());
        };
        match self.file.set_len(len).and_then(|_| self.file.sync_data()) {
            Ok(()) => Err(Error::io(&path, "append to", e)),
            Err(undo) => {
                let line = self.count_lines()?;
                Err(Error::Damaged {
                    path,
                    line,
                    message: format!(
                        "appending failed ({e}) and the partly written entry could not be removed ({undo})"
                    ),
                    help: Some("once the cause is fixed, run `ledger repair` to move the incomplete last line aside".into()),
                })
            }
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
    let first = report.problems.first();
    Err(Error::Damaged {
        path: report.path.clone(),
        // Problems of the whole file (an empty file) have no line: name line 1.
        line: first.and_then(|p| p.line).unwrap_or(1),
        message: format!(
            "the ledger does not verify ({}; {} problem{} in all){consequence}",
            first.map_or("see `ledger verify`".to_string(), |p| p.headline()),
            report.total_problems,
            if report.total_problems == 1 { "" } else { "s" }
        ),
        help: Some("run `ledger verify` to see every problem".into()),
    })
}

/// Appends entries built from the current state, under one lock: the whole
/// ledger is verified and replayed, `build` makes the bodies, each is checked
/// against the state in order ([`State::apply`]), and only if all pass are they
/// written. Returns the entries written and the state after them.
pub fn append_checked(
    path: &Path,
    now: &str,
    build: impl FnOnce(&State, u64) -> Result<Vec<Body>>,
) -> Result<(Vec<Appended>, State)> {
    append_checked_labeled(path, now, build, |i, n| format!("entry {} of {n}", i + 1))
}

/// [`append_checked`], naming the i-th of n new entries with `label(i, n)` in
/// refusals when there is more than one (e.g. `batch.jsonl:7`).
pub fn append_checked_labeled(
    path: &Path,
    now: &str,
    build: impl FnOnce(&State, u64) -> Result<Vec<Body>>,
    label: impl Fn(usize, usize) -> String,
) -> Result<(Vec<Appended>, State)> {
    let mut locked = lock(path)?;
    // The tail first: a torn last line gets the same refusal, pointing at
    // `ledger repair`, as every other write.
    let tail = locked.tail()?;
    let mut state = locked.state()?;
    let next_seq = state.last_seq.map_or(0, |s| s + 1);
    let bodies = build(&state, next_seq)?;
    // Dry-run the new entries against the state before touching the file.
    for (seq, (i, body)) in (next_seq..).zip(bodies.iter().enumerate()) {
        let probe = Entry {
            seq,
            prev: Hash::ZERO,
            hash: Hash::ZERO,
            recorded: now.to_string(),
            body: body.clone(),
        };
        body.check()
            .and_then(|_| state.apply(&probe))
            .map_err(|m| Error::Refused {
                path: path.to_path_buf(),
                seq: Some(seq),
                message: if bodies.len() > 1 {
                    format!("{}: {m}", label(i, bodies.len()))
                } else {
                    m
                },
                help: None,
            })?;
    }
    let written = locked.append_after(tail, now, bodies)?;
    Ok((written, state))
}

/// Opens and verifies a ledger (streaming), returning the report and the state.
pub fn scan(path: &Path, opts: VerifyOptions) -> Result<(Report, State)> {
    let f = open_for_reading(path)?;
    chain::verify_reader(path, observed(f, "verifying"), opts)
        .map_err(|e| Error::io(path, "read", e))
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
    let mut f = open_for_reading(path)?;
    let io = |e| Error::io(path, "read", e);
    let found = find_seq_line(&mut f, since.seq).map_err(io)?;
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    chain::verify_since(path, &mut f, since, found, opts, chain::BLOCK_SIZE, workers).map_err(io)
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
