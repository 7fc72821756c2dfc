//! Importing many entries at once (`ledger import`), streamed and all or
//! nothing.
//!
//! An import file holds one `{"kind": K, "body": {...}}` object per line
//! (docs/FORMAT.md 9.2, "Import"). It runs on the block pipeline verify uses
//! ([`crate::chain`]): worker threads do everything that does not depend on
//! the entries before a line ([`prepare`]: reading, strict parsing, the body's
//! own rules, the writers' rule for new text, its canonical text, and the
//! SHA-256 of the sealed entry's text up to `prev`); the calling thread
//! takes the lines in order and does what does: locating citations in
//! archived texts ([`crate::evidence`]), the referential checks against the
//! ledger and the lines before ([`crate::index::Staged`]), and sealing (seq,
//! prev, and the rest of the hash: a few SHA-256 blocks per entry).
//!
//! Sealed lines are appended to the ledger under its lock as they are made,
//! a few MiB at a time, through [`crate::store::Importing`]; if any line is
//! refused, the ledger is cut back to its length before the import, so a
//! refusal leaves it byte for byte as it was, and the import never holds more
//! than a few MiB of its own text. While an import writes, a marker file
//! beside the ledger says where it began; a crash leaves the marker, every
//! command then refuses the ledger as holding an unfinished import, and
//! `ledger repair` moves the import's bytes aside (docs/RELIABILITY.md).
//!
//! A refusal is the one the import checked in full before writing would
//! give: the first bad line of the file (JSON, shape, new text) whatever
//! comes after; else the first citation that does not match its archived
//! text; else the first referential refusal, worded from a full replay;
//! else the first entry that would seal too long.

use crate::archive::Archive;
use crate::chain::{self, Footprint, TooLong};
use crate::entry::{Body, Entry};
use crate::error::{Error, Result};
use crate::evidence::Resolver;
use crate::hash::Hash;
use crate::jcs;
use crate::lines::{self, Line, MAX_ENTRY_BYTES};
use crate::store::{self, Appended, Importing};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::cell::Cell;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

/// What one line of an import file is, as far as it can be told from the
/// line alone (on a worker thread).
pub struct Prepared {
    /// The line's length in bytes, without its LF.
    len: usize,
    terminated: bool,
    what: What,
}

enum What {
    /// Empty or white space only: skipped.
    Blank,
    /// Refused on its own.
    Bad(Bad),
    /// An entry ready to seal.
    Ready(Box<Ready>),
}

/// Why a line is refused on its own.
enum Bad {
    /// Not UTF-8: the first invalid byte's offset in the line.
    Utf8(usize),
    /// Not an import line (JSON, members, kind, the body's rules).
    Line(String),
    /// Text the writers' rule refuses (docs/FORMAT.md 5.10).
    NewText(String),
    /// Longer than the maximum entry size: its length.
    TooLong(u64),
}

/// An entry whose body is checked and whose sealed text is prepared up to
/// its `prev`.
pub struct Ready {
    body: Body,
    /// `{"body":…,"format":N,`: the sealed line up to its `hash` member, or
    /// why the body has no canonical text.
    head: std::result::Result<String, String>,
    /// SHA-256 of `head` followed by `"kind":K,"prev":"`, all of the
    /// entry's hashed text that comes before `prev`.
    hasher: Sha256,
}

impl Ready {
    fn new(body: Body) -> Ready {
        let mut head = String::with_capacity(640);
        head.push_str("{\"body\":");
        let head = match jcs::write_canonical(&body.to_value(), &mut head) {
            Ok(()) => {
                head.push_str(",\"format\":");
                head.push_str(&body.format().to_string());
                head.push(',');
                Ok(head)
            }
            Err(e) => Err(e.0),
        };
        let mut hasher = Sha256::new();
        if let Ok(h) = &head {
            hasher.update(h.as_bytes());
            hasher.update(kind_member(&body).as_bytes());
        }
        Ready { body, head, hasher }
    }
}

/// The members after `prev`, the same for every entry of an import:
/// `","recorded":R,"seq":`.
pub struct Recorded(String);

impl Recorded {
    pub fn new(now: &str) -> Recorded {
        let mut s = String::from("\",\"recorded\":");
        jcs::write_string(now, &mut s);
        s.push_str(",\"seq\":");
        Recorded(s)
    }
}

/// Why an entry cannot be sealed.
pub struct SealError {
    pub message: String,
    pub help: Option<String>,
}

impl Ready {
    /// The body.
    pub fn body(&self) -> &Body {
        &self.body
    }

    /// Seals the entry at `seq` after `prev` (the serial part: SHA-256 of
    /// the hashed text after the prepared part, a few blocks), appends its
    /// line with its LF to `out`, and returns its hash; `out` is unchanged
    /// when the entry cannot be sealed (its line would be over the maximum
    /// entry size, or its body has no canonical text).
    pub fn seal_into(
        &self,
        seq: u64,
        prev: Hash,
        recorded: &Recorded,
        out: &mut String,
    ) -> std::result::Result<Hash, SealError> {
        let head = self.head.as_ref().map_err(|m| SealError {
            message: m.clone(),
            help: None,
        })?;
        let prev_hex = prev.to_hex();
        let seq_text = seq.to_string();
        let mut h = self.hasher.clone();
        h.update(prev_hex.as_bytes());
        h.update(recorded.0.as_bytes());
        h.update(seq_text.as_bytes());
        h.update(b"}");
        let hash = Hash(h.finalize().into());
        let kind = kind_member(&self.body);
        let len = head.len()
            + "\"hash\":\"\",".len()
            + 64
            + kind.len()
            + 64
            + recorded.0.len()
            + seq_text.len()
            + 1;
        if len > MAX_ENTRY_BYTES {
            return Err(SealError {
                message: format!(
                    "the entry would be {len} bytes long; no entry may be longer than {MAX_ENTRY_BYTES} bytes (1 MiB)"
                ),
                help: Some("shorten the text; quote a source, do not copy it whole".into()),
            });
        }
        out.reserve(len + 1);
        out.push_str(head);
        out.push_str("\"hash\":\"");
        out.push_str(&hash.to_hex());
        out.push_str("\",");
        out.push_str(&kind);
        out.push_str(&prev_hex);
        out.push_str(&recorded.0);
        out.push_str(&seq_text);
        out.push_str("}\n");
        Ok(hash)
    }
}

/// `"kind":K,"prev":"`: the members between `hash` and the prev hash's hex.
fn kind_member(body: &Body) -> String {
    let mut s = String::with_capacity(32);
    s.push_str("\"kind\":");
    jcs::write_string(body.kind(), &mut s);
    s.push_str(",\"prev\":\"");
    s
}

impl Prepared {
    /// The entry, when the line is one that reads on its own.
    pub fn ready(&self) -> Option<&Ready> {
        match &self.what {
            What::Ready(r) => Some(r),
            _ => None,
        }
    }
}

impl Footprint for Prepared {
    fn footprint(&self) -> usize {
        std::mem::size_of::<Prepared>()
            + match &self.what {
                What::Blank => 0,
                What::Bad(Bad::Utf8(_) | Bad::TooLong(_)) => 0,
                What::Bad(Bad::Line(m) | Bad::NewText(m)) => m.capacity(),
                What::Ready(r) => {
                    std::mem::size_of::<Ready>()
                        + r.body.heap_bytes()
                        + r.head
                            .as_ref()
                            .map_or_else(String::capacity, String::capacity)
                }
            }
    }
}

/// The work on one line that needs nothing but the line (run on the worker
/// threads): `first` says whether it starts the file, `terminated` whether
/// an LF ended it.
pub fn prepare(raw: &[u8], first: bool, terminated: bool) -> Prepared {
    Prepared {
        len: raw.len(),
        terminated,
        what: read_line(raw, first),
    }
}

fn read_line(raw: &[u8], first: bool) -> What {
    let bad = |m: String| What::Bad(Bad::Line(m));
    let text = match std::str::from_utf8(raw) {
        Ok(t) => t,
        Err(e) => return What::Bad(Bad::Utf8(e.valid_up_to())),
    };
    if first && text.starts_with('\u{FEFF}') {
        return bad(
            "the file starts with a byte-order mark (EF BB BF); save it as UTF-8 without a BOM"
                .into(),
        );
    }
    let line = text.strip_suffix('\r').unwrap_or(text);
    if line.trim().is_empty() {
        return What::Blank;
    }
    let v = match jcs::parse_strict(line) {
        Ok(v) => v,
        Err(e) => return bad(e.message),
    };
    let Value::Object(map) = v else {
        return bad("expected a JSON object".into());
    };
    for k in map.keys() {
        if !matches!(k.as_str(), "kind" | "body") {
            return bad(format!(
                "unexpected member `{k}`: the ledger assigns seq, prev, hash, recorded and format itself"
            ));
        }
    }
    let Some(kind) = map.get("kind").and_then(Value::as_str) else {
        return bad("missing string member `kind`".into());
    };
    if kind == "genesis" {
        return bad("a genesis entry cannot be imported".into());
    }
    let Some(body) = map.get("body") else {
        return bad("missing member `body`".into());
    };
    let b = match Body::from_value(kind, body) {
        Ok(b) => b,
        Err(e) => return bad(e),
    };
    if let Err(e) = b.check() {
        return bad(e);
    }
    if let Err(e) = b.check_new_text() {
        return What::Bad(Bad::NewText(e));
    }
    What::Ready(Box::new(Ready::new(b)))
}

/// The refusal of line `n` of `file` on its own; `offset` is the line's
/// offset in the file.
fn line_error(file: &Path, n: u64, offset: u64, bad: Bad) -> Error {
    match bad {
        Bad::Utf8(at) => Error::usage(
            format!(
                "{}:{n}: not UTF-8 (invalid byte at offset {} of the file)",
                file.display(),
                offset + at as u64
            ),
            Some("save the file as UTF-8".into()),
        ),
        Bad::Line(msg) => bad_line(file, n, msg),
        Bad::NewText(e) => Error::usage(
            format!("{}:{n}: {e}; nothing was imported", file.display()),
            Some(crate::entry::NEW_TEXT_HELP.into()),
        ),
        Bad::TooLong(len) => too_long_line(file, n, len),
    }
}

fn bad_line(file: &Path, n: u64, msg: String) -> Error {
    Error::usage(
        format!("{}:{n}: {msg}; nothing was imported", file.display()),
        Some("each line must be {\"kind\": KIND, \"body\": {...}} as in docs/FORMAT.md".into()),
    )
}

fn too_long_line(file: &Path, n: u64, len: u64) -> Error {
    bad_line(
        file,
        n,
        format!(
            "the line is {len} bytes long; no entry may be longer than {MAX_ENTRY_BYTES} bytes (1 MiB)"
        ),
    )
}

/// Opens an import file, refusing a directory.
fn open(file: &Path) -> Result<File> {
    let f = File::open(file).map_err(|e| Error::io(file, "read", e))?;
    if f.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(Error::usage(
            format!("{} is a directory, not an import file", file.display()),
            None,
        ));
    }
    Ok(f)
}

/// Reads an import file line by line on the calling thread, checking each
/// line on its own ([`prepare`]), and hands each entry to `each` with its
/// 1-based line number; stops at the first refused line, or when `each`
/// returns false. Returns the number of entries handed on.
fn read_serial(file: &Path, mut each: impl FnMut(u64, Body) -> Result<bool>) -> Result<u64> {
    let mut r = BufReader::new(open(file)?);
    let mut buf = Vec::new();
    let (mut offset, mut count) = (0u64, 0u64);
    for n in 1u64.. {
        let terminated = match lines::read_line(&mut r, &mut buf, MAX_ENTRY_BYTES)
            .map_err(|e| Error::io(file, "read", e))?
        {
            Line::Eof => break,
            Line::TooLong { len, .. } => return Err(too_long_line(file, n, len)),
            Line::Fits { terminated } => terminated,
        };
        let line_offset = offset;
        offset += buf.len() as u64 + u64::from(terminated);
        match read_line(&buf, n == 1) {
            What::Blank => {}
            What::Bad(b) => return Err(line_error(file, n, line_offset, b)),
            What::Ready(r) => {
                count += 1;
                if !each(n, r.body)? {
                    break;
                }
            }
        }
    }
    Ok(count)
}

/// Checks every line of an import file on its own, without a ledger: the
/// first refused line's error, or that the file has no entry.
pub fn check_lines(file: &Path) -> Result<()> {
    let count = read_serial(file, |_, _| Ok(true))?;
    if count == 0 {
        return Err(no_entries(file));
    }
    Ok(())
}

fn no_entries(file: &Path) -> Error {
    Error::usage(format!("{}: no entries to import", file.display()), None)
}

/// What an import appended.
pub struct Imported {
    /// The first entries appended (as many as asked for).
    pub first: Vec<Appended>,
    /// The last entry appended (the new head).
    pub last: Appended,
    /// How many entries were appended.
    pub count: u64,
    /// Where the appended lines are in the ledger: `[from, to)`.
    pub from: u64,
    pub to: u64,
}

/// The first refusal of each kind met in order; reported in the order of
/// the fields (a bad line anywhere before anything else, and so on).
#[derive(Default)]
struct Refusals {
    line: Option<Error>,
    evidence: Option<Error>,
    /// The seq and line of the first entry the referential checks refuse,
    /// and the index's wording (used only if a full replay does not refuse).
    reference: Option<(u64, u64, String)>,
    seal: Option<Error>,
}

impl Refusals {
    fn any(&self) -> bool {
        self.line.is_some()
            || self.evidence.is_some()
            || self.reference.is_some()
            || self.seal.is_some()
    }
}

/// Stops reading when `stop` is set: a bad line is final, so nothing after
/// it needs reading.
struct Stoppable<'a, R> {
    r: R,
    stop: &'a Cell<bool>,
}

impl<R: Read> Read for Stoppable<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.stop.get() {
            return Ok(0);
        }
        self.r.read(buf)
    }
}

/// Appends every entry of the import file `file` to the ledger at `path`,
/// all or nothing, recorded at `now`; citations are checked against the
/// archive (`archive`, or the ledger's own). Returns what was appended and
/// the resolver (for its notes), keeping the first `keep` entries whole.
pub fn import(
    path: &Path,
    archive: Option<&Path>,
    file: &Path,
    now: &str,
    keep: usize,
) -> Result<(Imported, Resolver)> {
    let pipe = Pipeline {
        workers: chain::workers(),
        block_size: chain::BLOCK_SIZE,
    };
    import_with(path, archive, file, now, keep, pipe)
}

/// How the import file is cut and spread over threads.
#[derive(Debug, Clone, Copy)]
pub struct Pipeline {
    /// Threads that prepare lines (1: all on the calling thread).
    pub workers: usize,
    /// Bytes of whole lines per unit of work.
    pub block_size: usize,
}

/// [`import`] with the pipeline given (so tests can put block boundaries
/// anywhere).
pub fn import_with(
    path: &Path,
    archive: Option<&Path>,
    file: &Path,
    now: &str,
    keep: usize,
    pipe: Pipeline,
) -> Result<(Imported, Resolver)> {
    match import_once(path, archive, file, now, keep, pipe, true)? {
        Ok(done) => Ok(done),
        // The index refused what a full replay accepts: it was wrong. Import
        // again without it (the new index is then written from a full
        // verify).
        Err(Retry) => match import_once(path, archive, file, now, keep, pipe, false)? {
            Ok(done) => Ok(done),
            Err(Retry) => Err(Error::usage(
                format!(
                    "{}: the referential checks and a full replay of {} disagree; nothing was imported",
                    file.display(),
                    path.display()
                ),
                Some("run `ledger verify`; if it finds nothing, report this".into()),
            )),
        },
    }
}

/// The index refused an entry that a full replay accepts.
struct Retry;

#[allow(clippy::too_many_arguments)]
fn import_once(
    path: &Path,
    archive: Option<&Path>,
    file: &Path,
    now: &str,
    keep: usize,
    pipe: Pipeline,
    use_index: bool,
) -> Result<std::result::Result<(Imported, Resolver), Retry>> {
    let input = open(file)?;
    let session = match store::begin_import(path, use_index) {
        Ok(s) => s,
        // A bad import line is named before a damaged ledger, as when the
        // file was read whole first.
        Err(e) => {
            check_lines(file)?;
            return Err(e);
        }
    };
    let mut resolver = Resolver::new(Archive::for_ledger(path, archive));
    let result = run(&session, &mut resolver, input, file, now, keep, pipe);
    match result {
        Ok(Some(done)) => {
            let last = done.last_seq_hash();
            let (first, last_entry, count, from) = (done.first, done.last, done.count, done.from);
            let changes = done.staged.into_changes();
            let to = session.commit(changes, last)?;
            Ok(Ok((
                Imported {
                    first,
                    last: last_entry,
                    count,
                    from,
                    to,
                },
                resolver,
            )))
        }
        Ok(None) => Err(session.abandon(no_entries(file))),
        Err(Failed::Plain(e)) => Err(session.abandon(e)),
        Err(Failed::Reference {
            seq,
            entries,
            index_says,
        }) => {
            let e = session.abandon(Error::Refused {
                path: path.to_path_buf(),
                seq: Some(seq),
                message: index_says,
                help: None,
            });
            if !matches!(e, Error::Refused { .. }) {
                // Cutting back failed: that is what to report.
                return Err(e);
            }
            match word_reference(archive, file, &session, entries)? {
                Some(e) => Err(e),
                None => Ok(Err(Retry)),
            }
        }
    }
}

/// Words a referential refusal as a full check does: replays the ledger
/// before the import in full, then the import's entries in order (their
/// citations located as before), and returns the first refusal, labelled
/// `FILE:LINE` when the import has more than one entry (`entries`). `None`
/// if the full replay refuses nothing.
fn word_reference(
    archive: Option<&Path>,
    file: &Path,
    session: &Importing,
    entries: u64,
) -> Result<Option<Error>> {
    let path = session.path();
    let mut state = session.full_state()?;
    let prior = session.prior()?;
    let mut resolver = Resolver::new(Archive::for_ledger(path, archive));
    let mut seq = session.tail().0;
    let mut refused = None;
    read_serial(file, |n, mut body| {
        seq += 1;
        // Evidence refusals were ruled out before this is called.
        let _ = resolver.resolve_body(&mut body, &prior);
        let probe = Entry {
            seq,
            prev: Hash::ZERO,
            hash: Hash::ZERO,
            recorded: String::new(),
            body,
        };
        match probe.body.check().and_then(|_| state.apply(&probe)) {
            Ok(()) => Ok(true),
            Err(m) => {
                refused = Some(Error::Refused {
                    path: path.to_path_buf(),
                    seq: Some(seq),
                    message: if entries > 1 {
                        format!("{}:{n}: {m}", file.display())
                    } else {
                        m
                    },
                    help: None,
                });
                Ok(false)
            }
        }
    })?;
    Ok(refused)
}

/// An import that went through, before its last bytes are written.
struct Done<'a> {
    first: Vec<Appended>,
    last: Appended,
    count: u64,
    from: u64,
    staged: crate::index::Staged<'a>,
}

impl Done<'_> {
    fn last_seq_hash(&self) -> (u64, Hash) {
        (self.last.entry.seq, self.last.entry.hash)
    }
}

enum Failed {
    Plain(Error),
    /// A referential refusal, to be worded from a full replay.
    Reference {
        seq: u64,
        /// How many entries the import file holds.
        entries: u64,
        index_says: String,
    },
}

/// The pipeline: prepares lines on the workers, and checks, seals and
/// writes them in order here. `Ok(None)`: the file has no entry.
fn run<'s>(
    session: &'s Importing,
    resolver: &mut Resolver,
    input: File,
    file: &Path,
    now: &str,
    keep: usize,
    pipe: Pipeline,
) -> std::result::Result<Option<Done<'s>>, Failed> {
    const CHUNK: usize = 8 << 20;
    let prior = session.prior().map_err(Failed::Plain)?;
    let mut staged = session.staged();
    let path = session.path();
    let label = |n: u64| format!("{}:{n}", file.display());
    let recorded = Recorded::new(now);

    let stop = Cell::new(false);
    let mut refusals = Refusals::default();
    let (mut n, mut offset, mut count) = (0u64, 0u64, 0u64);
    let (seq, mut prev) = session.tail();
    let mut first: Vec<Appended> = Vec::with_capacity(keep.min(1024));
    let mut last: Option<Appended> = None;
    let mut buf = String::with_capacity(CHUNK + 2 * MAX_ENTRY_BYTES);
    let mut io_error: Option<Error> = None;
    let from = session.from();

    let mut take = |p: Prepared| {
        n += 1;
        let line_offset = offset;
        offset += p.len as u64 + u64::from(p.terminated);
        if refusals.line.is_some() {
            return;
        }
        let mut ready = match p.what {
            What::Blank => return,
            What::Bad(b) => {
                refusals.line = Some(line_error(file, n, line_offset, b));
                stop.set(true);
                return;
            }
            What::Ready(r) => r,
        };
        count += 1;
        let this_seq = seq + count;
        if refusals.evidence.is_some() {
            // Only a bad line later in the file can still come first.
            return;
        }
        let changed = resolver.changed();
        if let Err(r) = resolver.resolve_body(&mut ready.body, &prior) {
            refusals.evidence = Some(r.into_error(path, this_seq, Some(label(n))));
            return;
        }
        if refusals.reference.is_some() {
            return;
        }
        if resolver.changed() != changed {
            // A citation was located in its archived text: its canonical
            // text changed.
            *ready = Ready::new(ready.body.clone());
        }
        let probe = Entry {
            seq: this_seq,
            prev: Hash::ZERO,
            hash: Hash::ZERO,
            recorded: String::new(),
            body: ready.body,
        };
        if let Err(m) = staged.apply(&probe) {
            refusals.reference = Some((this_seq, n, m));
            return;
        }
        ready.body = probe.body;
        if refusals.seal.is_some() {
            return;
        }
        let hash = match ready.seal_into(this_seq, prev, &recorded, &mut buf) {
            Ok(h) => h,
            Err(e) => {
                refusals.seal = Some(Error::Refused {
                    path: path.to_path_buf(),
                    seq: Some(this_seq),
                    message: e.message,
                    help: e.help,
                });
                return;
            }
        };
        let appended = Appended {
            entry: Entry {
                seq: this_seq,
                prev,
                hash,
                recorded: now.to_string(),
                body: ready.body,
            },
        };
        prev = hash;
        if first.len() < keep {
            first.push(appended.clone());
        }
        last = Some(appended);
        if buf.len() >= CHUNK && io_error.is_none() && !refusals.any() {
            if let Err(e) = session.write(buf.as_bytes()) {
                io_error = Some(e);
                stop.set(true);
            }
            buf.clear();
        }
    };
    let reader = Stoppable {
        r: input,
        stop: &stop,
    };
    let read = chain::for_each_block(
        reader,
        pipe.block_size,
        pipe.workers,
        true,
        prepare,
        |lines: &mut Vec<Prepared>, too_long: Option<TooLong>| {
            for p in lines.drain(..) {
                take(p);
            }
            if let Some(t) = too_long {
                take(Prepared {
                    len: t.len as usize,
                    terminated: t.terminated,
                    what: What::Bad(Bad::TooLong(t.len)),
                });
            }
        },
    );
    read.map_err(|e| Failed::Plain(Error::io(file, "read", e)))?;
    if let Some(e) = refusals.line {
        return Err(Failed::Plain(e));
    }
    if let Some(e) = io_error {
        return Err(Failed::Plain(e));
    }
    if let Some(e) = refusals.evidence {
        return Err(Failed::Plain(e));
    }
    if let Some((seq, _line, index_says)) = refusals.reference {
        return Err(Failed::Reference {
            seq,
            entries: count,
            index_says,
        });
    }
    if let Some(e) = refusals.seal {
        return Err(Failed::Plain(e));
    }
    let Some(last) = last else {
        return Ok(None);
    };
    if let Err(e) = session.write(buf.as_bytes()) {
        return Err(Failed::Plain(e));
    }
    Ok(Some(Done {
        first,
        last,
        count,
        from,
        staged,
    }))
}
