//! Importing many entries at once (`ledger import`), streamed and all or
//! nothing.
//!
//! An import file holds one `{"kind": K, "body": {...}}` object per line
//! (docs/FORMAT.md 9.2, "Import"). It runs on the block pipeline verify uses
//! ([`crate::chain`]): worker threads do everything that does not depend on
//! the entries before a line ([`prepare`]: reading, strict parsing, the body's
//! own rules, the writers' rule for new text, its canonical text, and the
//! SHA-256 of the sealed entry's text up to `prev`; a line already in
//! canonical form, the usual case, is read without a JSON tree, and any
//! other line, or any refusal, goes through the general path, which words
//! it); the calling thread
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
use crate::index::Prints;
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
    /// The fingerprints of the ids the body names, for the referential
    /// checks on the serial thread.
    prints: Prints,
}

impl Ready {
    /// Prepares `body`, writing its canonical text from the typed body.
    fn new(body: Body) -> Ready {
        let mut text = String::with_capacity(640);
        let head = match jcs::write_canonical(&body.to_value(), &mut text) {
            Ok(()) => Ok(Ready::head(&body, &text)),
            Err(e) => Err(e.0),
        };
        Ready::with_head(body, head)
    }

    /// Prepares `body`, whose canonical text is `text` (read from a line
    /// already in canonical form: see [`read_canonical`]).
    fn with_text(body: Body, text: &str) -> Ready {
        let head = Ready::head(&body, text);
        let ready = Ready::with_head(body, Ok(head));
        // The typed body's own canonical text is what the slow path seals;
        // the tests (built with debug assertions) hold every import to it.
        debug_assert!(
            ready.head == Ready::new(ready.body.clone()).head,
            "canonical text of a body read from canonical text changed: {text}"
        );
        ready
    }

    /// `{"body":TEXT,"format":N,`.
    fn head(body: &Body, text: &str) -> String {
        let mut head = String::with_capacity(text.len() + 24);
        head.push_str("{\"body\":");
        head.push_str(text);
        head.push_str(",\"format\":");
        match body.format() {
            1 => head.push('1'),
            2 => head.push('2'),
            n => head.push_str(&n.to_string()),
        }
        head.push(',');
        head
    }

    fn with_head(body: Body, head: std::result::Result<String, String>) -> Ready {
        let mut hasher = Sha256::new();
        if let Ok(h) = &head {
            hasher.update(h.as_bytes());
            hasher.update(kind_member(&body).as_bytes());
        }
        let prints = Prints::of_body(&body);
        Ready {
            body,
            head,
            hasher,
            prints,
        }
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
        let prev_hex = hex(&prev);
        let mut seq_buf = [0u8; 20];
        let seq_text = crate::layout::decimal(seq, &mut seq_buf);
        let mut h = self.hasher.clone();
        h.update(prev_hex);
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
        // Hex digits are ASCII.
        out.push_str(std::str::from_utf8(&hex(&hash)).unwrap_or_default());
        out.push_str("\",");
        out.push_str(kind);
        out.push_str(std::str::from_utf8(&prev_hex).unwrap_or_default());
        out.push_str(&recorded.0);
        out.push_str(seq_text);
        out.push_str("}\n");
        Ok(hash)
    }
}

/// Lowercase hex of a hash, without allocating (the serial thread writes
/// two per entry).
fn hex(h: &Hash) -> [u8; 64] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 64];
    for (i, b) in h.0.iter().enumerate() {
        out[2 * i] = HEX[(b >> 4) as usize];
        out[2 * i + 1] = HEX[(b & 0xF) as usize];
    }
    out
}

/// `"kind":K,"prev":"`: the members between `hash` and the prev hash's hex.
fn kind_member(body: &Body) -> &'static str {
    match body {
        Body::Genesis(_) => "\"kind\":\"genesis\",\"prev\":\"",
        Body::Define(_) => "\"kind\":\"define\",\"prev\":\"",
        Body::Source(_) => "\"kind\":\"source\",\"prev\":\"",
        Body::Fact(_) => "\"kind\":\"fact\",\"prev\":\"",
        Body::Supersede(_) => "\"kind\":\"supersede\",\"prev\":\"",
        Body::Retract(_) => "\"kind\":\"retract\",\"prev\":\"",
        Body::Dispute(_) => "\"kind\":\"dispute\",\"prev\":\"",
        Body::Amend(_) => "\"kind\":\"amend\",\"prev\":\"",
    }
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
    read_line_with(raw, first, true)
}

/// [`read_line`], trying the fast path for canonical lines first when
/// `fast` (tests compare the two ways).
fn read_line_with(raw: &[u8], first: bool, fast: bool) -> What {
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
    if fast && let Some(ready) = read_canonical(line) {
        return What::Ready(Box::new(ready));
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

/// The fast path of [`read_line`], for a line already in canonical form
/// (as `gen_ledger --import-out` and any JCS writer write it):
/// a byte scan confirms the form ([`jcs::scan_canonical`]: no duplicate or
/// unsorted key, no `null`, no number JCS would write differently), the
/// typed body is read straight from the text, without a JSON tree, and the
/// body's text is its canonical text as it stands. `None` at the first doubt
/// of any kind, refusals included: the slow path then reads the line again
/// and words what is wrong. So it returns `Some` only where the slow path
/// accepts the line and prepares the same entry (the same body, the same
/// text).
fn read_canonical(line: &str) -> Option<Ready> {
    let scan = jcs::scan_canonical(line)?;
    if scan.member_count != 2 {
        return None;
    }
    let member = |i: usize, name: &str| {
        let (ks, ke, vs, ve) = scan.members[i];
        (&line[ks..ke] == name).then(|| &line[vs..ve])
    };
    let (body_text, kind) = (member(0, "body")?, member(1, "kind")?);
    let kind = kind.strip_prefix('"')?.strip_suffix('"')?;
    if kind.contains('\\') || kind == "genesis" || !body_text.starts_with('{') {
        return None;
    }
    let body = Body::from_canonical_str(kind, body_text)?;
    body.check().ok()?;
    body.check_new_text().ok()?;
    Some(Ready::with_text(body, body_text))
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

/// The last entry sealed so far.
struct Last {
    seq: u64,
    prev: Hash,
    hash: Hash,
    ready: Box<Ready>,
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
    // Sealed lines are appended 6 MiB at a time by a thread of its own
    // (copying them into the page cache took half of this thread's time):
    // one buffer is written while the next fills.
    const CHUNK: usize = 6 << 20;
    let prior = session.prior().map_err(Failed::Plain)?;
    let mut staged = session.staged();
    let path = session.path();
    let label = |n: u64| format!("{}:{n}", file.display());
    let recorded = Recorded::new(now);

    std::thread::scope(|scope| {
        let (to_writer, from_reader) =
            std::sync::mpsc::sync_channel::<(store::Appender, String)>(0);
        let (give_back, spare) = std::sync::mpsc::channel::<String>();
        // Writes each full buffer in order, hands it back emptied, and stops
        // at the first failure (the sender then finds the channel closed).
        let writer = scope.spawn(move || -> Result<()> {
            for (appender, mut full) in from_reader {
                appender.write(full.as_bytes())?;
                full.clear();
                let _ = give_back.send(full);
            }
            Ok(())
        });
        let stop = Cell::new(false);
        let mut refusals = Refusals::default();
        let (mut n, mut offset, mut count) = (0u64, 0u64, 0u64);
        let (seq, mut prev) = session.tail();
        let mut first: Vec<Appended> = Vec::with_capacity(keep.min(1024));
        let mut last: Option<Last> = None;
        let mut buf = String::with_capacity(CHUNK + 2 * MAX_ENTRY_BYTES);
        let mut io_error: Option<Error> = None;
        let from = session.from();

        // Takes one prepared line. The line's result stays in the chunk, which
        // goes back to the worker that made it: what an entry owns is freed
        // there, where it was allocated, rather than on this thread.
        let mut take = |p: &mut Prepared| {
            n += 1;
            let line_offset = offset;
            offset += p.len as u64 + u64::from(p.terminated);
            if refusals.line.is_some() {
                return;
            }
            let mut ready = match std::mem::replace(&mut p.what, What::Blank) {
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
            let applied = staged.apply_with(&probe, Some(&ready.prints));
            ready.body = probe.body;
            if let Err(m) = applied {
                refusals.reference = Some((this_seq, n, m));
                return;
            }
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
            if first.len() < keep {
                first.push(Appended {
                    entry: Entry {
                        seq: this_seq,
                        prev,
                        hash,
                        recorded: now.to_string(),
                        body: ready.body.clone(),
                    },
                });
            }
            let before = last.replace(Last {
                seq: this_seq,
                prev,
                hash,
                ready,
            });
            if let Some(before) = before {
                p.what = What::Ready(before.ready);
            }
            prev = hash;
            if buf.len() >= CHUNK && io_error.is_none() && !refusals.any() {
                match session.appender() {
                    Ok(a) => {
                        let next = spare
                            .try_recv()
                            .unwrap_or_else(|_| String::with_capacity(CHUNK + 2 * MAX_ENTRY_BYTES));
                        let full = std::mem::replace(&mut buf, next);
                        if to_writer.send((a, full)).is_err() {
                            // The writer failed: its error is taken below.
                            stop.set(true);
                        }
                    }
                    Err(e) => {
                        io_error = Some(e);
                        stop.set(true);
                    }
                }
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
                for p in lines.iter_mut() {
                    take(p);
                }
                if let Some(t) = too_long {
                    take(&mut Prepared {
                        len: t.len as usize,
                        terminated: t.terminated,
                        what: What::Bad(Bad::TooLong(t.len)),
                    });
                }
            },
        );
        // The last lines go to the writer too, when nothing was refused; then
        // every write has ended (or failed) before anything is decided.
        let refused = refusals.line.is_some()
            || refusals.evidence.is_some()
            || refusals.reference.is_some()
            || refusals.seal.is_some();
        if read.is_ok() && !refused && io_error.is_none() && !buf.is_empty() {
            match session.appender() {
                Ok(a) => {
                    let _ = to_writer.send((a, std::mem::take(&mut buf)));
                }
                Err(e) => io_error = Some(e),
            }
        }
        drop(to_writer);
        let written = writer.join().unwrap_or_else(|_| {
            Err(Error::io(
                session.path(),
                "append to",
                std::io::Error::other("the writing thread stopped"),
            ))
        });
        if let Err(e) = written {
            io_error = io_error.or(Some(e));
        }
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
        let last = Appended {
            entry: Entry {
                seq: last.seq,
                prev: last.prev,
                hash: last.hash,
                recorded: now.to_string(),
                body: last.ready.body,
            },
        };
        Ok(Some(Done {
            first,
            last,
            count,
            from,
            staged,
        }))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// What a line reads as, in full: the refusal's words, or the entry's
    /// body, its prepared text, the state of its running hash and its
    /// fingerprints.
    fn outcome(w: &What) -> String {
        match w {
            What::Blank => "blank".into(),
            What::Bad(Bad::Utf8(at)) => format!("not UTF-8 at {at}"),
            What::Bad(Bad::Line(m)) => format!("bad line: {m}"),
            What::Bad(Bad::NewText(m)) => format!("bad text: {m}"),
            What::Bad(Bad::TooLong(n)) => format!("too long: {n}"),
            What::Ready(r) => format!(
                "ready {:?} {:?} {:x} {:?}",
                r.head,
                r.body,
                r.hasher.clone().finalize(),
                r.prints
            ),
        }
    }

    /// The mutations below are drawn with the synthetic ledgers' generator.
    use crate::synthetic::Rng;

    /// Text near every edge of the rules for new text and of JSON escaping.
    fn edge_text(rng: &mut Rng) -> String {
        const PIECES: [&str; 16] = [
            "a",
            "Zz 9",
            "é",
            "\u{2028}",
            "\u{2029}",
            "\u{85}",
            "\n",
            "\t",
            "\r",
            "\"",
            "\\",
            "\u{1}",
            "\u{7f}",
            "\u{1F600}",
            "\u{E000}",
            "/",
        ];
        (0..rng.below(5)).map(|_| *rng.pick(&PIECES)).collect()
    }

    fn edge_number(rng: &mut Rng) -> Value {
        match rng.below(10) {
            0 => json!(0),
            1 => json!(-0.0),
            2 => json!(1.5),
            3 => json!(1e21),
            4 => json!(1e-7),
            5 => json!(9_007_199_254_740_992u64),
            6 => json!(9_007_199_254_740_993u64),
            7 => json!(-5),
            8 => json!(3.0),
            _ => json!(0.1),
        }
    }

    fn edge_value(rng: &mut Rng, depth: usize) -> Value {
        match rng.below(if depth == 0 { 4 } else { 7 }) {
            0 => Value::Null,
            1 => Value::Bool(rng.below(2) == 0),
            2 => edge_number(rng),
            3 => Value::String(edge_text(rng)),
            4 | 5 => {
                let mut m = serde_json::Map::new();
                for _ in 0..rng.below(4) {
                    m.insert(edge_text(rng), edge_value(rng, depth - 1));
                }
                Value::Object(m)
            }
            _ => Value::Array(
                (0..rng.below(3))
                    .map(|_| edge_value(rng, depth - 1))
                    .collect(),
            ),
        }
    }

    /// Changes an import line (`{"body":…,"kind":…}`) in one of the ways
    /// that test where the fast path must give way to the slow one.
    fn mutate(v: &mut Value, rng: &mut Rng) {
        let kind = v["kind"].as_str().unwrap_or_default().to_string();
        let body = &mut v["body"];
        let fact = if kind == "supersede" {
            &mut body["fact"]
        } else {
            &mut *body
        };
        match rng.below(13) {
            0 => {}
            1 if fact.get("statement").is_some() => fact["statement"] = json!(edge_text(rng)),
            2 => body["note"] = json!(edge_text(rng)),
            3 if fact.get("statement").is_some() => fact["value"] = edge_value(rng, 3),
            4 => {
                let d = *rng.pick(&[
                    "2019",
                    "2019-06",
                    "2019-6",
                    "2019-02-30",
                    "0000",
                    "0999-01-31",
                ]);
                let member = if kind == "source" {
                    "published"
                } else {
                    "valid_from"
                };
                fact[member] = json!(d);
            }
            5 => body["extra"] = json!(1),
            6 => {
                let keys: Vec<String> = body
                    .as_object()
                    .map(|m| m.keys().cloned().collect())
                    .unwrap_or_default();
                if !keys.is_empty() {
                    body[rng.pick(&keys).as_str()] = Value::Null;
                }
            }
            7 => {
                let kinds: Vec<&str> = Body::KINDS.into_iter().chain(["nope", "fa\\ct"]).collect();
                v["kind"] = json!(*rng.pick(&kinds))
            }
            8 if kind == "supersede" => {
                body["disputes"] = json!(*rng.pick(&["carry", "drop"]));
            }
            9 if fact.get("citations").is_some() => {
                fact["citations"][0]["paragraph"] = edge_number(rng);
            }
            10 if fact.get("citations").is_some() => {
                if rng.below(2) == 0 {
                    fact["citations"] = json!({"source": "src-3"});
                } else {
                    fact["citations"][0] = json!(["src-3"]);
                }
            }
            11 => {
                let keys: Vec<String> = body
                    .as_object()
                    .map(|m| m.keys().cloned().collect())
                    .unwrap_or_default();
                if let (Some(m), false) = (body.as_object_mut(), keys.is_empty()) {
                    m.remove(rng.pick(&keys).as_str());
                }
            }
            _ => {
                *v = json!({
                    "kind": "amend",
                    "body": {
                        "target": "src-3",
                        "reason": edge_text(rng),
                        "set": {"title": edge_text(rng), "note": edge_text(rng)},
                        "unset": ["url"],
                    }
                })
            }
        }
    }

    /// The line as a file might hold it: canonical, or as `serde_json`
    /// writes it (other number forms), or with white space.
    fn write(v: &Value, rng: &mut Rng) -> String {
        match rng.below(4) {
            0 => serde_json::to_string(v).unwrap_or_default(),
            1 => serde_json::to_string(v)
                .unwrap_or_default()
                .replacen("\":", "\": ", 1),
            _ => jcs::canonicalize(v).unwrap_or_default(),
        }
    }

    /// Lines of a synthetic import.
    fn lines(entries: u64, seed: u64) -> Vec<String> {
        let mut out = Vec::new();
        crate::synthetic::write_import(&mut out, entries, seed).expect("writing to memory");
        String::from_utf8(out)
            .expect("the generator writes UTF-8")
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// A prepared entry seals to the line [`Entry::seal_line`] gives.
    fn sealed_as_every_writer_seals(r: &Ready) {
        let (seq, prev, now) = (41, crate::hash::sha256(b"prev"), "2026-01-02T03:04:05Z");
        let mut line = String::new();
        let hash = r.seal_into(seq, prev, &Recorded::new(now), &mut line);
        let (e, expected) =
            Entry::seal_line(seq, prev, now.to_string(), r.body.clone()).expect("seal");
        assert_eq!(line, expected);
        assert_eq!(hash.ok(), Some(e.hash));
    }

    /// Every line the generator writes (canonical, as most import files
    /// are) takes the fast path, and prepares what the slow path does.
    #[test]
    fn canonical_lines_take_the_fast_path() {
        for line in lines(3_000, 5) {
            let fast = read_canonical(&line).unwrap_or_else(|| panic!("slow path: {line}"));
            sealed_as_every_writer_seals(&fast);
            let slow = read_line_with(line.as_bytes(), false, false);
            assert_eq!(
                outcome(&What::Ready(Box::new(fast))),
                outcome(&slow),
                "{line}"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// Whatever the line, reading it with the fast path tried first
        /// gives exactly what the slow path alone gives: the same refusal
        /// in the same words, or the same body, text, hash state and
        /// fingerprints.
        #[test]
        fn the_fast_path_decides_as_the_slow_path(seed in any::<u64>()) {
            let mut rng = Rng(seed);
            let all = lines(60, seed);
            for line in all.iter().skip(rng.below(4)).step_by(3) {
                let mut v: Value = serde_json::from_str(line).expect("generated line");
                mutate(&mut v, &mut rng);
                let text = write(&v, &mut rng);
                let both = read_line_with(text.as_bytes(), false, true);
                let slow = read_line_with(text.as_bytes(), false, false);
                prop_assert_eq!(outcome(&both), outcome(&slow), "{}", text);
                if let What::Ready(r) = &both {
                    sealed_as_every_writer_seals(r);
                }
            }
        }
    }

    /// The members between `hash` and the prev hash are those JCS writes.
    #[test]
    fn kind_members_are_canonical() {
        for line in lines(400, 9) {
            let What::Ready(r) = read_line_with(line.as_bytes(), false, false) else {
                panic!("{line}");
            };
            let mut expected = String::from("\"kind\":");
            jcs::write_string(r.body.kind(), &mut expected);
            expected.push_str(",\"prev\":\"");
            assert_eq!(kind_member(&r.body), expected);
        }
        let amend = Body::from_value("amend", &json!({"target": "s", "reason": "r"}));
        let genesis = Body::from_value("genesis", &json!({"title": "t", "created": "c"}));
        for b in [amend, genesis] {
            let b = b.expect("body");
            let mut expected = String::from("\"kind\":");
            jcs::write_string(b.kind(), &mut expected);
            expected.push_str(",\"prev\":\"");
            assert_eq!(kind_member(&b), expected);
        }
    }

    #[test]
    fn decimal_and_hex_are_as_std_writes_them() {
        for n in [0, 1, 9, 10, 99, 100, 12_345, u64::MAX] {
            assert_eq!(crate::layout::decimal(n, &mut [0; 20]), n.to_string());
        }
        let h = crate::hash::sha256(b"x");
        assert_eq!(
            std::str::from_utf8(&hex(&h)).ok(),
            Some(h.to_hex().as_str())
        );
    }
}
