//! Chain verification: checking each line of a ledger and the links between them.
//!
//! [`check_line`] checks one line on its own (encoding, then [`read_entry`]:
//! strict JSON, envelope shape, canonical form, hash, and the payload's shape).
//! [`Verifier::link`] takes those results in file order and adds what spans
//! lines: `seq` continuity, `prev` linkage, the genesis rule, referential
//! integrity (via [`crate::replay::State`], in one call per entry), a torn tail
//! and `--anchor` pins. [`verify_reader_with`] runs the first half on every
//! core over blocks of whole lines and the second on the calling thread. What
//! is in flight is bounded by memory (a few blocks, chunks of results of
//! bounded [`Footprint`], one long line at a time) and the report keeps only
//! the first problems while counting all, so memory grows neither with the
//! ledger nor with its problems (see `for_each_block`).
//! When entries are replayed into the compact index and handed to no one
//! (`ledger verify`), a clean `fact`, `supersede` or `dispute` line is
//! reduced on its checking thread to a fixed-size record (seq, hashes, leaf
//! and the fingerprints of the ids it names, each with what the checks need
//! of it), which the linking thread decides by lookups alone; whatever a
//! record cannot settle sends its line back through the full reading, so the
//! report is the same (see `id_line` and [`Verifier::link`]).
//! [`verify_since`] is `verify --since`: it starts from a trusted entry.

use crate::entry::{Body, ENVELOPE_MEMBERS, Entry, FORMAT_LATEST, check_timestamp};
use crate::hash::{Hash, hash_entry};
use crate::index::Compact;
use crate::jcs::{self, ParseErrorKind};
use crate::linefile::{Got, LineFile};
use crate::lines::MAX_ENTRY_BYTES;
use crate::replay::State;
use serde_json::{Map, Value};
use std::fs::File;
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

/// The classes of problem verification reports; [`ProblemKind::as_str`] is the
/// stable name used in JSON output and docs/FORMAT.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    Encoding,
    Bom,
    Crlf,
    BlankLine,
    Syntax,
    TooLong,
    DuplicateKey,
    NumberRange,
    NotCanonical,
    Schema,
    Seq,
    Prev,
    Hash,
    Genesis,
    TornTail,
    Reference,
    Anchor,
    Empty,
}

impl ProblemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::Encoding => "encoding",
            ProblemKind::Bom => "bom",
            ProblemKind::Crlf => "crlf",
            ProblemKind::BlankLine => "blank-line",
            ProblemKind::Syntax => "syntax",
            ProblemKind::TooLong => "too-long",
            ProblemKind::DuplicateKey => "duplicate-key",
            ProblemKind::NumberRange => "number-range",
            ProblemKind::NotCanonical => "not-canonical",
            ProblemKind::Schema => "schema",
            ProblemKind::Seq => "seq",
            ProblemKind::Prev => "prev",
            ProblemKind::Hash => "hash",
            ProblemKind::Genesis => "genesis",
            ProblemKind::TornTail => "torn-tail",
            ProblemKind::Reference => "reference",
            ProblemKind::Anchor => "anchor",
            ProblemKind::Empty => "empty",
        }
    }
}

/// The longest message a kept problem carries, in bytes; a longer one is cut
/// at a character boundary and ends in `…`. (A message may quote a value of
/// the line, and a line may be 1 MiB long.)
pub const MAX_MESSAGE_BYTES: usize = 1024;

/// Cuts `s` to at most `max` bytes (plus the `…` that marks the cut), at a
/// character boundary.
fn shorten(s: &mut String, max: usize) {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push('…');
    }
}

/// One problem found in a ledger.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub kind: ProblemKind,
    /// 1-based line number; `None` for problems of the whole file.
    pub line: Option<u64>,
    /// The entry's seq, or the seq the line should have had.
    pub seq: Option<u64>,
    pub message: String,
    /// 1-based character column the problem points at, when it has one.
    /// (A problem carries no copy of its line: whoever shows the line reads
    /// it, so that memory does not grow with the problems kept; see
    /// `cli::diagnostic`.)
    pub column: Option<usize>,
    pub help: Option<String>,
}

impl Problem {
    fn new(kind: ProblemKind, message: impl Into<String>) -> Problem {
        Problem {
            kind,
            line: None,
            seq: None,
            message: message.into(),
            column: None,
            help: None,
        }
    }

    fn help(mut self, help: impl Into<String>) -> Problem {
        self.help = Some(help.into());
        self
    }

    fn at_column(mut self, column: Option<usize>) -> Problem {
        self.column = column;
        self
    }

    /// `line 13 (seq 12): message`, the one-line form.
    pub fn headline(&self) -> String {
        match (self.line, self.seq) {
            (Some(l), Some(s)) => format!("line {l} (seq {s}): {}", self.message),
            (Some(l), None) => format!("line {l}: {}", self.message),
            (None, Some(s)) => format!("seq {s}: {}", self.message),
            (None, None) => self.message.clone(),
        }
    }
}

/// An entry read from a line, with what checking it found.
pub struct ReadLine {
    /// The entry, when the line could be understood as one (even if it has
    /// problems such as a wrong hash).
    pub entry: Option<Entry>,
    /// The `seq` member, when present and an integer (even if the rest failed).
    pub seq: Option<u64>,
    /// The hash stored in the line, when present and well formed.
    pub stored_hash: Option<Hash>,
    pub problems: Vec<Problem>,
}

/// Checks one line on its own: strict JSON, envelope, canonical form, hash and
/// payload shape. Positions in problems are left for the caller to fill in.
pub fn read_entry(text: &str) -> ReadLine {
    read_entry_as(text, Reading::Full)
}

/// How much of a clean entry's body the fast path of [`read_entry`] builds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Reading {
    /// The whole typed body.
    Full,
    /// For the kinds [`crate::slim`] reads, only what linking into a compact
    /// index needs; the line is checked exactly as in full.
    Ids,
}

fn read_entry_as(text: &str, reading: Reading) -> ReadLine {
    if let Some(fast) = read_clean_entry(text, reading) {
        return fast;
    }
    let mut out = ReadLine {
        entry: None,
        seq: None,
        stored_hash: None,
        problems: Vec::new(),
    };
    let value = match jcs::parse_strict(text) {
        Ok(v) => v,
        Err(e) => {
            let kind = match e.kind {
                ParseErrorKind::Syntax => ProblemKind::Syntax,
                ParseErrorKind::DuplicateKey => ProblemKind::DuplicateKey,
                ParseErrorKind::NumberRange => ProblemKind::NumberRange,
            };
            let p = Problem::new(kind, e.message).at_column(e.column);
            let p = match kind {
                ProblemKind::DuplicateKey => {
                    p.help("a JSON object may carry each member once; the line was altered")
                }
                _ if is_conflict_marker(text) => p.help(CONFLICT_MARKERS_HELP),
                _ => p,
            };
            out.problems.push(p);
            return out;
        }
    };
    let Value::Object(map) = &value else {
        out.problems.push(Problem::new(
            ProblemKind::Schema,
            "expected a JSON object (an entry), found another JSON value",
        ));
        return out;
    };
    out.seq = map.get("seq").and_then(Value::as_u64);
    out.stored_hash = map
        .get("hash")
        .and_then(Value::as_str)
        .and_then(Hash::from_hex);

    // Canonical form: the line must be exactly the JCS text of its own value.
    match canonical_parts(map) {
        Err(e) => out
            .problems
            .push(Problem::new(ProblemKind::NumberRange, e.0)),
        Ok((canon, hash_range)) => {
            if canon != text {
                out.problems.push(not_canonical(text, &canon));
            }
            // The hash covers the canonical text without the hash member.
            let computed = hash_entry(
                &canon.as_bytes()[..hash_range.start],
                &canon.as_bytes()[hash_range.end..],
            );
            match check_envelope(map) {
                Err(m) => out.problems.push(Problem::new(ProblemKind::Schema, m)),
                Ok(entry) => {
                    if entry.hash != computed {
                        out.problems.push(
                            Problem::new(
                                ProblemKind::Hash,
                                format!(
                                    "hash mismatch: stored {}..., computed {}...",
                                    entry.hash.short(),
                                    computed.short()
                                ),
                            )
                            .help("the entry's content was changed after it was written; restore the original line from a copy or from version control"),
                        );
                    }
                    out.entry = Some(entry);
                }
            }
        }
    }
    out
}

/// What to do about conflict markers in a ledger.
pub const CONFLICT_MARKERS_HELP: &str = "git wrote conflict markers into the ledger: this clone \
     merges ledgers as text because the ledger merge driver is not set up in it. Stop the \
     operation (`git merge --abort` or `git rebase --abort`), run `ledger git-setup` once in \
     this clone, and merge or rebase again";

/// Whether a line is one of the markers git writes around a textual
/// conflict (`<<<<<<< ours`, `=======`, `>>>>>>> theirs`, `||||||| base`).
pub fn is_conflict_marker(text: &str) -> bool {
    ["<<<<<<<", "=======", ">>>>>>>", "|||||||"]
        .iter()
        .any(|m| text.starts_with(m))
}

/// The fast path of [`read_entry`]: for a line that is a clean entry (the
/// common case) it confirms canonical form with a byte scan, hashes the line
/// with the hash member cut out, and deserializes the typed entry straight
/// from the text, without building a JSON tree. Returns `None` at the first
/// doubt of any kind; the slow path then finds and explains every problem. So
/// it returns `Some` only where the slow path would report no problem and build
/// the same entry.
fn read_clean_entry(text: &str, reading: Reading) -> Option<ReadLine> {
    let c = clean_envelope(text)?;
    let slim = match reading {
        Reading::Ids => crate::slim::read(c.kind, c.body),
        Reading::Full => None,
    };
    let body = match slim {
        Some(b) => b,
        None => {
            let b = Body::from_canonical_str(c.kind, c.body)?;
            b.check().ok()?;
            b
        }
    };
    if body.format() != c.format {
        return None;
    }
    Some(ReadLine {
        entry: Some(Entry {
            seq: c.seq,
            prev: c.prev,
            hash: c.hash,
            // Nothing links on it: left out with the text when reading ids.
            recorded: match reading {
                Reading::Full => c.recorded.to_string(),
                Reading::Ids => String::new(),
            },
            body,
        }),
        seq: Some(c.seq),
        stored_hash: Some(c.hash),
        problems: Vec::new(),
    })
}

/// The envelope of a line that is canonical, has exactly the envelope's
/// members, well-formed values and the hash of its own text; its body is
/// left unread.
struct Clean<'a> {
    seq: u64,
    prev: Hash,
    hash: Hash,
    kind: &'a str,
    recorded: &'a str,
    format: u64,
    /// The body's canonical text, an object.
    body: &'a str,
    /// Where the body starts in the line.
    body_at: usize,
}

/// The first half of [`read_clean_entry`]: everything but the body, `None`
/// at the first doubt.
fn clean_envelope(text: &str) -> Option<Clean<'_>> {
    clean_envelope_noting(text, None)
}

/// [`clean_envelope`], noting where the line's strings are in `strings`.
fn clean_envelope_noting<'a>(
    text: &'a str,
    strings: Option<&mut jcs::Strings>,
) -> Option<Clean<'a>> {
    let scan = match strings {
        Some(s) => jcs::scan_canonical_noting(text, s)?,
        None => jcs::scan_canonical(text)?,
    };
    if scan.hash_range.is_empty() || scan.member_count != ENVELOPE_MEMBERS.len() {
        return None;
    }
    // The scan found the members in canonical order; they must be exactly
    // the envelope's (which are listed sorted).
    let mut v = [""; 7];
    for (slot, (&(ks, ke, vs, ve), name)) in
        v.iter_mut().zip(scan.members.iter().zip(ENVELOPE_MEMBERS))
    {
        if &text[ks..ke] != name {
            return None;
        }
        *slot = &text[vs..ve];
    }
    let body_at = scan.members[0].2;
    let [body, format, hash, kind, prev, recorded, seq] = v;
    let (prev, hash) = (Hash::from_hex(plain(prev)?)?, Hash::from_hex(plain(hash)?)?);
    let (kind, recorded) = (plain(kind)?, plain(recorded)?);
    let seq: u64 = seq.parse().ok()?;
    let format = format.parse::<u64>().ok()?;
    if !(1..=FORMAT_LATEST).contains(&format) || check_timestamp(recorded).is_err() {
        return None;
    }
    if !body.starts_with('{') {
        return None;
    }
    let computed = hash_entry(
        &text.as_bytes()[..scan.hash_range.start],
        &text.as_bytes()[scan.hash_range.end..],
    );
    if computed != hash {
        return None;
    }
    Some(Clean {
        seq,
        prev,
        hash,
        kind,
        recorded,
        format,
        body,
        body_at,
    })
}

/// A JSON string member's text between its quotes, when it has no escapes.
fn plain(s: &str) -> Option<&str> {
    let inner = s.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.contains('\\')).then_some(inner)
}

/// The canonical text of an entry object and the byte range of its top-level
/// `hash` member, together with the comma that joins it to its neighbour, so
/// that cutting the range out leaves the canonical text of the object without
/// `hash`. When there is no `hash` member the range is empty.
fn canonical_parts(
    map: &Map<String, Value>,
) -> Result<(String, std::ops::Range<usize>), jcs::CanonicalError> {
    let mut s = String::with_capacity(256);
    let mut range = 0..0;
    s.push('{');
    for (i, (k, v)) in jcs::sorted_members(map).into_iter().enumerate() {
        let start = s.len();
        if i > 0 {
            s.push(',');
        }
        jcs::write_string(k, &mut s);
        s.push(':');
        jcs::write_canonical(v, &mut s)?;
        if k == "hash" {
            // Take the comma before it or, when it is first, the comma after it.
            range = if i > 0 {
                start..s.len()
            } else {
                start..s.len() + 1
            };
        }
    }
    s.push('}');
    if range.end > s.len() - 1 {
        // `hash` was the only member; there is no comma to take with it.
        range.end = s.len() - 1;
    }
    Ok((s, range))
}

fn not_canonical(text: &str, canon: &str) -> Problem {
    let col = text
        .chars()
        .zip(canon.chars())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| text.chars().count().min(canon.chars().count()))
        + 1;
    let snippet = |s: &str| -> String {
        let t: String = s.chars().skip(col - 1).take(16).collect();
        if t.is_empty() {
            "end of line".to_string()
        } else {
            format!("`{t}`")
        }
    };
    Problem::new(
        ProblemKind::NotCanonical,
        format!(
            "not in canonical form (RFC 8785): expected {}, found {}",
            snippet(canon),
            snippet(text)
        ),
    )
    .at_column(Some(col))
    .help("each line must be exactly the JCS serialization of its entry (sorted keys, no spaces, shortest numbers); the line was edited by hand or by another tool")
}

fn check_envelope(map: &Map<String, Value>) -> Result<Entry, String> {
    let schema = |m: String| m;
    for k in map.keys() {
        if !ENVELOPE_MEMBERS.contains(&k.as_str()) {
            return Err(schema(format!(
                "unknown member `{k}` in the envelope; expected only {}",
                ENVELOPE_MEMBERS.join(", ")
            )));
        }
    }
    for k in ENVELOPE_MEMBERS {
        if !map.contains_key(k) {
            return Err(schema(format!("missing member `{k}`")));
        }
    }
    // `1.0` is the right version in non-canonical form (reported as such);
    // only a different number is an unsupported version.
    let format = map["format"]
        .as_f64()
        .filter(|f| (1..=FORMAT_LATEST).any(|k| k as f64 == *f))
        .ok_or_else(|| {
            schema(format!(
                "unsupported format version {}: this build reads formats 1 to {FORMAT_LATEST}",
                map["format"]
            ))
        })?;
    let seq = map["seq"].as_u64().ok_or_else(|| {
        schema(format!(
            "`seq` must be a non-negative integer, found {}",
            map["seq"]
        ))
    })?;
    let hex = |k: &str| -> Result<Hash, String> {
        map[k].as_str().and_then(Hash::from_hex).ok_or_else(|| {
            schema(format!(
                "`{k}` must be 64 lowercase hex digits, found {}",
                map[k]
            ))
        })
    };
    let prev = hex("prev")?;
    let hash = hex("hash")?;
    let recorded = map["recorded"]
        .as_str()
        .ok_or_else(|| schema("`recorded` must be a string".into()))?;
    check_timestamp(recorded).map_err(|e| schema(format!("`recorded`: {e}")))?;
    let kind = map["kind"]
        .as_str()
        .ok_or_else(|| schema(format!("`kind` must be a string, found {}", map["kind"])))?;
    if !map["body"].is_object() {
        return Err(schema(format!(
            "`body` must be an object, found {}",
            map["body"]
        )));
    }
    let body = Body::from_value(kind, &map["body"]).map_err(schema)?;
    body.check()
        .map_err(|e| schema(format!("`{kind}` body: {e}")))?;
    // Each entry has one format: the oldest that has everything it uses.
    let needs = body.format();
    if needs as f64 != format {
        return Err(schema(if needs > 1 {
            format!(
                "this `{kind}` entry uses what format {needs} added, so its `format` must be {needs}"
            )
        } else {
            format!(
                "this `{kind}` entry uses nothing of format {format}, so its `format` must be {needs}"
            )
        }));
    }
    Ok(Entry {
        seq,
        prev,
        hash,
        recorded: recorded.to_string(),
        body,
    })
}

/// What [`check_line`] found on one line, before the links to other lines are
/// checked by [`Verifier::link`]. Problems carry no line number or seq yet.
pub struct CheckedLine {
    /// Byte-level problems found before the line was read (BOM, CR LF).
    early: Vec<Problem>,
    terminated: bool,
    outcome: Outcome,
    /// What linking the entry will need, worked out on the checking thread.
    ahead: Ahead,
}

/// Hashing that linking an entry needs, done ahead on the checking thread so
/// that the one linking thread only compares, looks up and inserts: the
/// entry's Merkle leaf hash, the fingerprints of the ids it names and, for a
/// dispute replayed into a report's state, its content id. All are caches
/// of pure functions of the entry: the linking thread computes whatever is
/// missing, so results do not depend on them.
#[derive(Default)]
struct Ahead {
    leaf: Option<Hash>,
    prints: Option<crate::index::Prints>,
    code: Option<Hash>,
}

impl CheckedLine {
    /// The entry read from the line, if it could be understood as one. For
    /// an unterminated last line this is exactly when [`Verifier::link`]
    /// counts it as an entry (7.2 steps 6 and 8).
    pub fn entry(&self) -> Option<&Entry> {
        match &self.outcome {
            Outcome::Read(r) => r.entry.as_ref(),
            _ => None,
        }
    }

    /// The entry, when the line is clean: understood as an entry and without
    /// any problem of its own (what a writer requires of the last line before
    /// it appends). Otherwise the first problem's message.
    pub fn into_clean(self) -> Result<Entry, String> {
        if let Some(p) = self.early.first() {
            return Err(p.message.clone());
        }
        match self.outcome {
            Outcome::Read(r) => match (r.entry, r.problems.into_iter().next()) {
                (_, Some(p)) => Err(p.message),
                (Some(e), None) => Ok(e),
                (None, None) => Err("not an entry".into()),
            },
            Outcome::Blank | Outcome::BadBlank => Err("a blank line".into()),
            Outcome::Encoding(p) => Err(p.message),
            Outcome::Torn => Err("an incomplete line".into()),
        }
    }
}

// Nearly every line is `Read`: boxing it would cost an allocation per line.
#[allow(clippy::large_enum_variant)]
enum Outcome {
    /// An empty final fragment: nothing to report.
    Blank,
    /// A blank line ending in LF (its problem is made when it is linked:
    /// a file of blank lines costs no allocation per line).
    BadBlank,
    /// Not UTF-8 (on a complete line).
    Encoding(Box<Problem>),
    /// An incomplete last line that is not a clean entry.
    Torn,
    Read(ReadLine),
}

/// The independent half of verifying a line: everything that needs only the
/// line itself (see [`Verifier::link`] for the rest). `first` says whether it
/// is the first line of the file; `terminated` whether it ended in LF.
pub fn check_line(raw: &[u8], first: bool, terminated: bool) -> CheckedLine {
    check_line_as(raw, first, terminated, Reading::Full, false)
}

/// [`check_line`], also working out a dispute's content id
/// ([`Entry::content_id`]: sealing its body again) and the fingerprints of
/// the ids the entry names ([`crate::index::Prints`], by which the state
/// keys its facts and sources) for a linking thread that replays into a
/// state that keeps disputes, so that it does not have to.
pub fn check_line_for_state(raw: &[u8], first: bool, terminated: bool) -> CheckedLine {
    let mut c = check_line_as(raw, first, terminated, Reading::Full, true);
    if let Some(e) = c.entry()
        && matches!(e.body, Body::Dispute(_))
    {
        c.ahead.code = Some(e.content_id().unwrap_or(e.hash));
    }
    c
}

/// [`check_line`], also fingerprinting the ids the entry names for a
/// linking thread that replays into a [`Compact`] index.
pub fn check_line_for_compact(raw: &[u8], first: bool, terminated: bool) -> CheckedLine {
    check_line_as(raw, first, terminated, Reading::Full, true)
}

/// [`check_line_for_compact`] for a caller that wants no entries back, only
/// the report: a clean `fact`, `supersede` or `dispute` is read for its ids
/// alone ([`crate::slim`]), so the entry [`Verifier::link`] returns lacks its
/// text. The report is the same.
pub fn check_line_for_ids(raw: &[u8], first: bool, terminated: bool) -> CheckedLine {
    check_line_as(raw, first, terminated, Reading::Ids, true)
}

/// Checks a line and works out what linking it needs ([`Ahead`]): its
/// Merkle leaf, and with `prints` the fingerprints of its ids. The result is
/// built once, where it is returned (it is several hundred bytes, and a
/// chunk holds thousands).
fn check_line_as(
    raw: &[u8],
    first: bool,
    terminated: bool,
    reading: Reading,
    prints: bool,
) -> CheckedLine {
    let (early, bytes) = early_problems(raw, first);
    let outcome = outcome(bytes, terminated, reading);
    let ahead = match &outcome {
        Outcome::Read(ReadLine { entry: Some(e), .. }) => Ahead {
            leaf: Some(crate::merkle::entry_leaf(&e.hash)),
            prints: prints.then(|| crate::index::Prints::of(e)),
            code: None,
        },
        _ => Ahead::default(),
    };
    CheckedLine {
        early,
        terminated,
        outcome,
        ahead,
    }
}

/// The problems of a line's bytes before it is read (a BOM on the first
/// line, CR LF), and the bytes left to read.
fn early_problems(raw: &[u8], first: bool) -> (Vec<Problem>, &[u8]) {
    let mut early = Vec::new();
    let mut bytes = raw;
    if first && bytes.starts_with(b"\xEF\xBB\xBF") {
        early.push(
            Problem::new(
                ProblemKind::Bom,
                "the file starts with a byte-order mark (EF BB BF)",
            )
            .help("save the file as UTF-8 without a BOM"),
        );
        bytes = &bytes[3..];
    }
    if let Some(stripped) = bytes.strip_suffix(b"\r") {
        early.push(
            Problem::new(
                ProblemKind::Crlf,
                "line ends in CR LF; ledger lines end in LF alone",
            )
            .help("add `*.jsonl text eol=lf` to .gitattributes and check the file out again"),
        );
        bytes = stripped;
    }
    (early, bytes)
}

fn outcome(bytes: &[u8], terminated: bool, reading: Reading) -> Outcome {
    if bytes.is_empty() {
        if terminated {
            return Outcome::BadBlank;
        }
        return Outcome::Blank;
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(_) if !terminated => return Outcome::Torn,
        Err(e) => {
            let col = String::from_utf8_lossy(&bytes[..e.valid_up_to()])
                .chars()
                .count()
                + 1;
            let p = Problem::new(
                ProblemKind::Encoding,
                format!("invalid UTF-8 at byte {} of the line", e.valid_up_to() + 1),
            )
            .at_column(Some(col));
            return Outcome::Encoding(Box::new(p));
        }
    };
    let read = read_entry_as(text, reading);
    if !terminated && (read.entry.is_none() || !read.problems.is_empty()) {
        // An incomplete last line: one problem, pointing at `ledger repair`.
        return Outcome::Torn;
    }
    Outcome::Read(read)
}

/// An `--anchor SEQ:HASH` pin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Anchor {
    pub seq: u64,
    pub hash: Hash,
}

impl std::str::FromStr for Anchor {
    type Err = String;
    fn from_str(s: &str) -> Result<Anchor, String> {
        let bad =
            || format!("`{s}` is not an anchor: expected SEQ:HASH as printed by `ledger head`");
        let (seq, hash) = s
            .trim_matches(|c: char| c.is_ascii_whitespace())
            .split_once(':')
            .ok_or_else(bad)?;
        if seq.is_empty() || !seq.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        Ok(Anchor {
            seq: seq.parse().map_err(|_| bad())?,
            hash: Hash::from_hex(hash).ok_or_else(bad)?,
        })
    }
}

/// Options for [`verify`].
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    pub anchors: Vec<Anchor>,
    /// How many problems to keep (all are counted).
    pub max_problems: usize,
    /// Replay into an index-only state ([`State::index_only`]): the same
    /// checks in memory proportional to the number of ids. For `verify`, whose
    /// caller does not need the facts themselves.
    pub index_only: bool,
    /// Replay into a compact fingerprint index ([`crate::index::Compact`]):
    /// the same accept/refuse decisions in about 40 bytes per id, but
    /// reference problems are worded without id text (no "did you mean").
    pub compact: bool,
    /// Tree sizes whose Merkle roots the report should also give
    /// ([`Report::tree`]), e.g. those of checkpoints to check.
    pub tree_sizes: Vec<u64>,
    /// Build the Merkle tree over the entries ([`Report::tree`]); without
    /// it the report has no tree, and each entry costs two SHA-256
    /// compressions less. A caller that checks no checkpoint and shows no
    /// root has no use for it.
    pub merkle: bool,
}

/// What entries are replayed into during verification.
pub enum Replay {
    Full(State),
    Compact(Compact),
}

impl Replay {
    fn apply(
        &mut self,
        entry: &Entry,
        prints: Option<&crate::index::Prints>,
    ) -> Result<(), String> {
        match self {
            Replay::Full(s) => s.apply(entry),
            Replay::Compact(c) => c.apply_with(entry, prints),
        }
    }

    /// [`Replay::apply`] by value: a full state moves in what it keeps.
    fn apply_owned(&mut self, entry: Entry, ahead: &Ahead) -> Result<(), String> {
        match self {
            Replay::Full(s) => s.apply_owned_with(entry, ahead.code, ahead.prints.as_ref()),
            Replay::Compact(c) => c.apply_with(&entry, ahead.prints.as_ref()),
        }
    }
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            anchors: Vec::new(),
            max_problems: 100,
            index_only: false,
            compact: false,
            tree_sizes: Vec::new(),
            merkle: true,
        }
    }
}

/// The outcome of verifying a ledger.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub path: PathBuf,
    /// Lines read (a torn final line counts).
    pub lines: u64,
    /// Lines that were understood as entries.
    pub entries: u64,
    /// Seq and stored hash of the last entry understood.
    pub head: Option<(u64, Hash)>,
    /// Problems kept, in file order (at most `max_problems`).
    pub problems: Vec<Problem>,
    /// Problems found, including those not kept.
    pub total_problems: usize,
    /// How `--since` went, when it was given.
    pub since: Option<Since>,
    /// The Merkle tree over the entries ([`crate::merkle`]), when every line
    /// was read as an entry: none was taken on trust, blank or unreadable.
    pub tree: Option<crate::merkle::TreeHead>,
}

impl Report {
    /// The first problem's headline and the count, for a refusal:
    /// `line 4 (seq 3): missing member `body`; 1 problem in all`.
    pub fn in_brief(&self) -> String {
        format!(
            "{}; {} problem{} in all",
            self.problems
                .first()
                .map_or("see `ledger verify`".to_string(), |p| p.headline()),
            self.total_problems,
            if self.total_problems == 1 { "" } else { "s" }
        )
    }

    pub fn ok(&self) -> bool {
        self.total_problems == 0
    }
}

/// Streams lines through the checks; see the module docs.
pub struct Verifier {
    opts: VerifyOptions,
    report: Report,
    next_seq: u64,
    /// A second seq the next line may have after a jump (see `advance_seq`).
    alt_seq: Option<u64>,
    /// Hash of the previous line's entry, when it could be read.
    prev: Option<Hash>,
    anchors_seen: Vec<Option<Hash>>,
    state: Replay,
    /// The line [`Verifier::feed`] last read.
    last: Option<CheckedLine>,
    /// The Merkle tree of the entries recorded so far (O(log n) hashes).
    tree: Option<crate::merkle::Builder>,
}

impl Verifier {
    pub fn new(path: &Path, opts: VerifyOptions) -> Verifier {
        let state = if opts.compact {
            Replay::Compact(Compact::default())
        } else if opts.index_only {
            Replay::Full(State::index_only())
        } else {
            Replay::Full(State::default())
        };
        Verifier::with_replay(path, opts, state)
    }

    /// A verifier that replays into `state` (its `compact` and `index_only`
    /// options are then ignored).
    pub fn with_replay(path: &Path, opts: VerifyOptions, state: Replay) -> Verifier {
        let anchors_seen = vec![None; opts.anchors.len()];
        let tree = opts
            .merkle
            .then(|| crate::merkle::Builder::watching(&opts.tree_sizes));
        Verifier {
            opts,
            report: Report {
                path: path.to_path_buf(),
                lines: 0,
                entries: 0,
                head: None,
                problems: Vec::new(),
                total_problems: 0,
                since: None,
                tree: None,
            },
            next_seq: 0,
            alt_seq: None,
            prev: None,
            anchors_seen,
            state,
            last: None,
            tree,
        }
    }

    /// Counts a problem, and keeps it if fewer than `max_problems` are kept:
    /// past that only the count grows, so memory does not grow with the
    /// problems found. A kept message is cut to [`MAX_MESSAGE_BYTES`] (some
    /// quote a value from the line, which can be up to 1 MiB).
    fn push(&mut self, p: Problem, line: Option<u64>, seq: Option<u64>) {
        self.push_with(|| p, line, seq);
    }

    /// [`Verifier::push`], making the problem only if it is kept.
    fn push_with(&mut self, make: impl FnOnce() -> Problem, line: Option<u64>, seq: Option<u64>) {
        self.report.total_problems += 1;
        if self.report.problems.len() >= self.opts.max_problems {
            return;
        }
        let mut p = make();
        p.line = p.line.or(line);
        p.seq = p.seq.or(seq);
        shorten(&mut p.message, MAX_MESSAGE_BYTES);
        self.report.problems.push(p);
    }

    /// Feeds one raw line (without its LF); `terminated` says whether it ended in
    /// LF. Returns the entry when the line was understood.
    pub fn feed(&mut self, raw: &[u8], terminated: bool) -> Option<&Entry> {
        let mut checked = check_line(raw, self.report.lines == 0, terminated);
        let understood = self.link(&mut checked).is_some();
        self.last = Some(checked);
        self.last
            .as_ref()
            .and_then(|c| c.entry())
            .filter(|_| understood)
    }

    /// The sequential half of [`Verifier::feed`]: takes the result of
    /// [`check_line`] for the next line and checks what spans lines. Feeding
    /// lines through `check_line` (in any order, on any thread) and then through
    /// `link` in file order gives exactly the report `feed` gives.
    ///
    /// Problems are moved out of `checked`; the entry stays there, and is
    /// returned when the line was understood. (Leaving it lets the thread that
    /// built it free it.)
    pub fn link<'c>(&mut self, checked: &'c mut CheckedLine) -> Option<&'c Entry> {
        if self.link_with(checked, false) {
            checked.entry()
        } else {
            None
        }
    }

    /// [`Verifier::link`] for a caller that does not need the entry after:
    /// it is taken out of `checked` and applied by value, so a state that
    /// keeps facts moves them in rather than copying them. The report is
    /// the same; returns whether the line was understood as an entry.
    pub fn link_taking(&mut self, checked: &mut CheckedLine) -> bool {
        self.link_with(checked, true)
    }

    fn link_with(&mut self, checked: &mut CheckedLine, take: bool) -> bool {
        self.report.lines += 1;
        let line_no = self.report.lines;
        let expected = self.next_seq;
        for p in std::mem::take(&mut checked.early) {
            self.push(p, Some(line_no), Some(expected));
        }
        let read = match &mut checked.outcome {
            Outcome::Blank => return false,
            Outcome::BadBlank => {
                self.push_with(
                    || {
                        Problem::new(
                            ProblemKind::BlankLine,
                            "blank line; every line must hold one entry",
                        )
                        .help("delete the blank line")
                    },
                    Some(line_no),
                    Some(expected),
                );
                return false;
            }
            Outcome::Encoding(p) => {
                self.push_with(|| (**p).clone(), Some(line_no), Some(expected));
                self.next_seq += 1;
                self.prev = None;
                return false;
            }
            Outcome::Torn => {
                self.torn(line_no, expected);
                self.next_seq += 1;
                self.prev = None;
                return false;
            }
            Outcome::Read(read) => read,
        };
        let seq = read.seq.unwrap_or(expected);
        for p in std::mem::take(&mut read.problems) {
            self.push(p, Some(line_no), Some(seq));
        }
        if !checked.terminated {
            self.push(
                Problem::new(ProblemKind::TornTail, "the file does not end in a newline")
                    .help("run `ledger repair` to add the missing newline"),
                Some(line_no),
                Some(seq),
            );
        }
        let Some(entry) = read.entry.as_ref() else {
            // Its `seq` member may be as damaged as the rest: count it as
            // occupying the expected position.
            self.next_seq = expected + 1;
            self.alt_seq = None;
            self.prev = read.stored_hash;
            return false;
        };
        self.check_links(entry, line_no);
        let (seq, hash) = (entry.seq, entry.hash);
        self.count(entry, &checked.ahead);
        let applied = if take && let Some(owned) = read.entry.take() {
            self.state.apply_owned(owned, &checked.ahead)
        } else if let Some(entry) = &read.entry {
            self.state.apply(entry, checked.ahead.prints.as_ref())
        } else {
            Ok(())
        };
        self.refused(applied, line_no, seq);
        self.advance_seq(seq);
        self.prev = Some(hash);
        true
    }

    /// Counts an entry that was read, notes it for the anchors, and applies
    /// it to the state: the one place an entry meets the entries before it
    /// (references).
    fn record(&mut self, entry: &Entry, line_no: u64, ahead: &Ahead) {
        self.count(entry, ahead);
        let applied = self.state.apply(entry, ahead.prints.as_ref());
        self.refused(applied, line_no, entry.seq);
    }

    /// The part of [`Verifier::record`] before the entry is applied.
    fn count(&mut self, entry: &Entry, ahead: &Ahead) {
        self.count_at(entry.seq, entry.hash, ahead.leaf);
    }

    /// Counts the entry at `seq` with this hash (and Merkle leaf, when it
    /// was worked out ahead) and notes it for the anchors.
    fn count_at(&mut self, seq: u64, hash: Hash, leaf: Option<Hash>) {
        self.report.entries += 1;
        self.report.head = Some((seq, hash));
        match leaf {
            Some(leaf) => {
                if let Some(t) = &mut self.tree {
                    t.push_leaf(leaf);
                }
            }
            None => {
                if let Some(t) = &mut self.tree {
                    t.push_entry(&hash);
                }
            }
        }
        for (i, a) in self.opts.anchors.iter().enumerate() {
            if a.seq == seq && self.anchors_seen[i].is_none() {
                self.anchors_seen[i] = Some(hash);
            }
        }
    }

    /// Links a clean line reduced to a [`Record`], whose bytes are `line`:
    /// when it follows the line before (its seq is the one expected and its
    /// `prev` that line's hash) and the compact index admits its
    /// references, it is counted and recorded exactly as [`Verifier::link`]
    /// would count and record the entry, which would find no problem in it.
    /// Otherwise nothing has been changed yet, and the line is checked again
    /// in full and linked, which finds and words whatever is wrong.
    fn link_record(&mut self, r: &Record, line: &[u8]) {
        let follows = self.report.lines > 0
            && (r.seq == self.next_seq || Some(r.seq) == self.alt_seq)
            && self.prev == Some(r.prev);
        if follows
            && let Replay::Compact(c) = &mut self.state
            && c.admits(&r.needs)
        {
            c.record_needs(&r.needs, r.seq, r.hash);
            self.report.lines += 1;
            self.count_at(r.seq, r.hash, r.leaf);
            self.advance_seq(r.seq);
            self.prev = Some(r.hash);
            return;
        }
        let mut checked = check_line_for_ids(line, false, true);
        self.link(&mut checked);
    }

    /// Reports the state's refusal of the entry at `line_no`, if it refused.
    fn refused(&mut self, applied: Result<(), String>, line_no: u64, seq: u64) {
        if let Err(msg) = applied {
            self.push(
                Problem::new(ProblemKind::Reference, msg),
                Some(line_no),
                Some(seq),
            );
        }
    }

    /// Takes an entry before the `--since` entry on trust: counts its line,
    /// records its ids (reporting references that do not resolve) and links
    /// the next line to it, checking nothing else.
    fn trust(&mut self, entry: &Entry) {
        self.report.lines += 1;
        self.record(entry, self.report.lines, &Ahead::default());
        self.next_seq = entry.seq + 1;
        self.alt_seq = None;
        self.prev = Some(entry.hash);
    }

    /// Counts a line longer than [`MAX_ENTRY_BYTES`] (`len` bytes without its
    /// LF), which was skipped unread; an unterminated one is a torn tail.
    pub fn feed_too_long(&mut self, len: u64, terminated: bool) {
        self.report.lines += 1;
        let (line_no, expected) = (self.report.lines, self.next_seq);
        if terminated {
            self.push(
                Problem::new(
                    ProblemKind::TooLong,
                    format!(
                        "line is {len} bytes long; no entry may be longer than {MAX_ENTRY_BYTES} bytes (1 MiB)"
                    ),
                )
                .help("the line is not an entry `ledger` wrote; restore the original line from a copy or from version control"),
                Some(line_no),
                Some(expected),
            );
        } else {
            self.torn(line_no, expected);
        }
        self.next_seq += 1;
        self.prev = None;
    }

    fn torn(&mut self, line_no: u64, expected: u64) {
        self.push(
            Problem::new(
                ProblemKind::TornTail,
                "the last line is incomplete (no newline at end of file): a write was interrupted",
            )
            .help("run `ledger repair` to move the incomplete line to a side file"),
            Some(line_no),
            Some(expected),
        );
    }

    /// Sets the seq expected on the next line. After a jump it resynchronizes
    /// (so one deleted line is one problem) but also accepts the position-based
    /// successor on the next line (so one entry whose seq was edited upwards is
    /// one problem); after a step backwards it does not move back (so a swapped
    /// or duplicated line is one problem, not a cascade).
    fn advance_seq(&mut self, seq: u64) {
        let expected = self.next_seq;
        if Some(seq) == self.alt_seq {
            self.next_seq = seq + 1;
            self.alt_seq = None;
        } else {
            self.alt_seq = (seq != expected).then_some(expected + 1);
            self.next_seq = expected.max(seq + 1);
        }
    }

    fn check_links(&mut self, entry: &Entry, line_no: u64) {
        let expected = self.next_seq;
        let seq = entry.seq;
        if seq != expected && Some(seq) != self.alt_seq {
            let msg = if seq < expected {
                format!(
                    "seq {seq} repeats or goes backwards: expected {expected} (a duplicated or reordered line?)"
                )
            } else {
                format!(
                    "seq jumps from {expected} to {seq}: {} missing (a deleted or reordered line?)",
                    if seq - expected == 1 {
                        format!("entry {expected} is")
                    } else {
                        format!("entries {expected}..{} are", seq - 1)
                    }
                )
            };
            self.push(
                Problem::new(ProblemKind::Seq, msg),
                Some(line_no),
                Some(seq),
            );
        }
        let want_prev = if line_no == 1 {
            Some(Hash::ZERO)
        } else {
            self.prev
        };
        if let Some(want) = want_prev
            && entry.prev != want
        {
            {
                let msg = if line_no == 1 {
                    format!(
                        "the first entry's prev must be 64 zeros, found {}...",
                        entry.prev.short()
                    )
                } else {
                    format!(
                        "prev does not link to the previous line: prev {}..., previous hash {}...",
                        entry.prev.short(),
                        want.short()
                    )
                };
                let help = if line_no == 1 {
                    "lines before this one were removed, or this entry was edited"
                } else {
                    "an entry before this one was changed, removed or reordered"
                };
                self.push(
                    Problem::new(ProblemKind::Prev, msg).help(help),
                    Some(line_no),
                    Some(seq),
                );
            }
        }
        let is_genesis = matches!(entry.body, Body::Genesis(_));
        if line_no == 1 && !is_genesis {
            self.push(
                Problem::new(
                    ProblemKind::Genesis,
                    format!(
                        "the first entry must be a `genesis` entry, found `{}`",
                        entry.body.kind()
                    ),
                ),
                Some(line_no),
                Some(seq),
            );
        } else if line_no > 1 && is_genesis {
            self.push(
                Problem::new(
                    ProblemKind::Genesis,
                    "a `genesis` entry may only be the first line",
                ),
                Some(line_no),
                Some(seq),
            );
        }
    }

    /// Ends the stream: anchors and the empty-file check. With
    /// [`VerifyOptions::compact`] the state returned is empty; see
    /// [`Verifier::finish_replay`].
    pub fn finish(self) -> (Report, State) {
        match self.finish_replay() {
            (r, Replay::Full(s)) => (r, s),
            (r, Replay::Compact(_)) => (r, State::default()),
        }
    }

    /// [`Verifier::finish`], returning what the entries were replayed into.
    pub fn finish_replay(mut self) -> (Report, Replay) {
        if self.report.lines == 0 {
            self.push(
                Problem::new(
                    ProblemKind::Empty,
                    "the ledger is empty: it has no genesis entry",
                )
                .help("create a ledger with `ledger init --title TEXT`"),
                None,
                None,
            );
        }
        let head_seq = self.report.head.map(|(s, _)| s);
        for (i, a) in self.opts.anchors.clone().iter().enumerate() {
            match self.anchors_seen[i] {
                Some(h) if h == a.hash => {}
                Some(h) => self.push(
                    Problem::new(
                        ProblemKind::Anchor,
                        format!(
                            "anchor mismatch: pinned {}..., ledger has {}...",
                            a.hash.short(),
                            h.short()
                        ),
                    )
                    .help("history up to the anchor was rewritten since the anchor was taken"),
                    None,
                    Some(a.seq),
                ),
                None => self.push(
                    Problem::new(
                        ProblemKind::Anchor,
                        match head_seq {
                            Some(h) => format!("anchored entry is missing: the ledger ends at seq {h}"),
                            None => "anchored entry is missing: the ledger has no readable entry".into(),
                        },
                    )
                    .help("entries were removed from the end of the ledger (truncation) since the anchor was taken"),
                    None,
                    Some(a.seq),
                ),
            }
        }
        let complete = self.report.since.is_none()
            && self.report.lines == self.report.entries
            && self.tree.as_ref().map(|t| t.size()) == Some(self.report.entries);
        self.report.tree = self.tree.as_ref().filter(|_| complete).map(|t| t.head());
        (self.report, self.state)
    }
}

/// Verifies a whole ledger from a reader, streaming.
pub fn verify_reader<R: Read>(
    path: &Path,
    r: R,
    opts: VerifyOptions,
) -> std::io::Result<(Report, State)> {
    verify_blocks_report(path, r, opts, BLOCK_SIZE, workers())
}

/// [`verify_blocks`] handing no entry on: with [`VerifyOptions::compact`],
/// clean entries of the commonest kinds are then read for their ids alone
/// ([`crate::slim`]), which is cheaper and gives the same report.
pub fn verify_blocks_report<R: Read>(
    path: &Path,
    r: R,
    opts: VerifyOptions,
    block_size: usize,
    workers: usize,
) -> std::io::Result<(Report, State)> {
    let mut v = Verifier::new(path, opts);
    feed_blocks(&mut v, r, None::<&mut fn(&Entry)>, block_size, workers)?;
    Ok(v.finish())
}

/// Verifies a whole ledger from a reader, streaming, handing every entry that
/// was understood to `on_entry` (in file order).
///
/// The reader is read in blocks of whole lines; the lines of each block are
/// checked on their own ([`check_line`]) by one worker thread per core, and
/// the results are linked in file order on the calling thread
/// ([`Verifier::link`]). At most a few blocks are in flight, so memory does
/// not grow with the ledger. An input that fits in one block is checked on
/// the calling thread alone.
pub fn verify_reader_with<R: Read>(
    path: &Path,
    r: R,
    opts: VerifyOptions,
    on_entry: impl FnMut(&Entry),
) -> std::io::Result<(Report, State)> {
    verify_blocks(path, r, opts, on_entry, BLOCK_SIZE, workers())
}

/// The environment variable that sets how many threads check lines (default:
/// one per core); `1` checks on the calling thread alone.
pub const THREADS_ENV: &str = "LEDGER_THREADS";

/// How many threads check lines: [`THREADS_ENV`], else one per core; at
/// most [`MAX_WORKERS`].
pub fn workers() -> usize {
    std::env::var(THREADS_ENV)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n: &usize| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .min(MAX_WORKERS)
}

/// How many bytes of whole lines make one unit of work.
pub const BLOCK_SIZE: usize = 256 << 10;

/// [`verify_reader_with`] with the block size and number of worker threads
/// given (so tests can put block boundaries anywhere).
pub fn verify_blocks<R: Read>(
    path: &Path,
    r: R,
    opts: VerifyOptions,
    mut on_entry: impl FnMut(&Entry),
    block_size: usize,
    workers: usize,
) -> std::io::Result<(Report, State)> {
    let mut v = Verifier::new(path, opts);
    feed_blocks(&mut v, r, Some(&mut on_entry), block_size, workers)?;
    Ok(v.finish())
}

/// Feeds a whole ledger from `r` to a verifier the caller built (e.g. one
/// replaying into a report's state, see [`Verifier::with_replay`]) through
/// the same block pipeline as [`verify_reader_with`]; the caller finishes it.
pub fn feed_all<R: Read>(
    v: &mut Verifier,
    r: R,
    mut on_entry: impl FnMut(&Entry),
) -> std::io::Result<()> {
    feed_blocks(v, r, Some(&mut on_entry), BLOCK_SIZE, workers())
}

/// [`feed_all`] for a caller that wants only what the entries are replayed
/// into (a report's state, see [`Verifier::with_replay`]): each entry is
/// applied by value ([`Verifier::link_taking`]), and a dispute's content id
/// is worked out on the checking threads.
pub fn feed_all_into_state<R: Read>(v: &mut Verifier, r: R) -> std::io::Result<()> {
    feed_blocks(v, r, None::<&mut fn(&Entry)>, BLOCK_SIZE, workers())
}

/// Feeds the lines of `r` through the pipeline, handing each entry
/// understood to `on_entry` when there is one.
fn feed_blocks<R: Read, F: FnMut(&Entry)>(
    v: &mut Verifier,
    r: R,
    mut on_entry: Option<&mut F>,
    block_size: usize,
    workers: usize,
) -> std::io::Result<()> {
    if on_entry.is_none() && matches!(v.state, Replay::Compact(_)) {
        let merkle = v.opts.merkle;
        let work =
            move |raw: &[u8], at, first, terminated| id_line(raw, at, first, terminated, merkle);
        return for_each_block_at(
            r,
            block_size,
            workers,
            true,
            work,
            |lines, block, too_long| link_id_lines(v, lines, block, too_long),
        );
    }
    // Fingerprints are worked out ahead for a compact index and for a
    // state that keeps disputes (summary's replay): both look ids up by
    // them. When nobody is handed the entries, bodies are read for their ids
    // alone into a compact index, and dispute content ids are worked out for
    // a state that keeps disputes.
    let work = match (&v.state, on_entry.is_none()) {
        (Replay::Compact(_), _) => check_line_for_compact,
        (Replay::Full(s), true) if s.keeps_disputes() => check_line_for_state,
        (Replay::Full(_), _) => check_line,
    };
    // A full state takes the entries nobody is handed (it keeps what it
    // moves in); a compact index keeps nothing of them, so they are left to
    // be freed by the thread that made them.
    let take = on_entry.is_none() && matches!(v.state, Replay::Full(_));
    let link_all = |lines: &mut Vec<CheckedLine>, too_long: Option<TooLong>| {
        if let Replay::Compact(c) = &v.state {
            let prints = lines.iter().filter_map(|l| l.ahead.prints.as_ref());
            c.warm(prints.flat_map(|p| p.fps().iter().copied()));
        }
        for c in lines.iter_mut() {
            match on_entry.as_mut() {
                Some(on_entry) => {
                    if let Some(e) = v.link(c) {
                        on_entry(e);
                    }
                }
                None if take => {
                    v.link_taking(c);
                }
                None => {
                    v.link(c);
                }
            }
        }
        if let Some(t) = too_long {
            v.feed_too_long(t.len, t.terminated);
        }
    };
    for_each_block(r, block_size, workers, true, work, link_all)
}

/// What a checking thread of `verify` hands on for a line ([`id_line`]).
// Nearly every line is a record: boxing it would cost an allocation per line.
#[allow(clippy::large_enum_variant)]
enum IdLine {
    /// A clean `fact`, `supersede` or `dispute` line.
    Record(Record),
    /// A line not read as an entry (blank, not JSON, not an entry, ...).
    Unread(Unread),
    /// Any other line, checked as [`check_line_for_ids`] checks it.
    Line(Box<CheckedLine>),
}

/// What checking a line that was not read as an entry found: a
/// [`CheckedLine`] without room for an entry, small enough to go unboxed,
/// so that a file of such lines (blank lines, say) costs no allocation per
/// line beyond its problems.
#[derive(Default)]
struct Unread {
    early: Vec<Problem>,
    terminated: bool,
    outcome: Bare,
}

/// [`Outcome`] without an entry.
#[derive(Default)]
enum Bare {
    #[default]
    Blank,
    BadBlank,
    Encoding(Box<Problem>),
    Torn,
    Read {
        seq: Option<u64>,
        stored_hash: Option<Hash>,
        problems: Vec<Problem>,
    },
}

impl CheckedLine {
    /// The line as a checking thread of `verify` hands it on: unboxed when
    /// it holds no entry.
    fn into_id_line(self) -> IdLine {
        let outcome = match self.outcome {
            Outcome::Blank => Bare::Blank,
            Outcome::BadBlank => Bare::BadBlank,
            Outcome::Encoding(p) => Bare::Encoding(p),
            Outcome::Torn => Bare::Torn,
            Outcome::Read(ReadLine {
                entry: None,
                seq,
                stored_hash,
                problems,
            }) => Bare::Read {
                seq,
                stored_hash,
                problems,
            },
            outcome => return IdLine::Line(Box::new(CheckedLine { outcome, ..self })),
        };
        IdLine::Unread(Unread {
            early: self.early,
            terminated: self.terminated,
            outcome,
        })
    }
}

impl Unread {
    /// The checked line it was made from.
    fn into_checked(self) -> CheckedLine {
        let outcome = match self.outcome {
            Bare::Blank => Outcome::Blank,
            Bare::BadBlank => Outcome::BadBlank,
            Bare::Encoding(p) => Outcome::Encoding(p),
            Bare::Torn => Outcome::Torn,
            Bare::Read {
                seq,
                stored_hash,
                problems,
            } => Outcome::Read(ReadLine {
                entry: None,
                seq,
                stored_hash,
                problems,
            }),
        };
        CheckedLine {
            early: self.early,
            terminated: self.terminated,
            outcome,
            ahead: Ahead::default(),
        }
    }
}

/// A clean `fact`, `supersede` or `dispute` line reduced to what linking it
/// into a compact index needs, in a record of fixed size: no entry is built
/// and nothing allocated. If linking finds anything wrong with it, the line
/// is read again in full where it lies ([`Verifier::link_record`]).
struct Record {
    seq: u64,
    prev: Hash,
    hash: Hash,
    /// Its Merkle leaf hash, unless no tree is built.
    leaf: Option<Hash>,
    /// The ids its body names, fingerprinted, with what the checks need of
    /// each.
    needs: crate::index::Needs,
    /// Where the line lies in its block, and its length.
    at: usize,
    len: usize,
}

impl Footprint for IdLine {
    fn footprint(&self) -> usize {
        std::mem::size_of::<IdLine>()
            + match self {
                IdLine::Record(_) => 0,
                IdLine::Unread(u) => {
                    problems_footprint(&u.early)
                        + match &u.outcome {
                            Bare::Encoding(p) => p.footprint(),
                            Bare::Read { problems, .. } => problems_footprint(problems),
                            Bare::Blank | Bare::BadBlank | Bare::Torn => 0,
                        }
                }
                IdLine::Line(c) => c.footprint(),
            }
    }
}

/// The work of a checking thread of `verify` on the line at byte `at` of
/// its block: a [`Record`] for a clean `fact`, `supersede` or `dispute`
/// that a check needing no other entry does not refuse, else the line
/// checked as [`check_line_for_ids`] checks it. A line is reduced to a
/// record only where that reading would find it clean, with the same
/// seq, hashes and ids.
fn id_line(raw: &[u8], at: usize, first: bool, terminated: bool, merkle: bool) -> IdLine {
    match record(raw, at, first, terminated, merkle) {
        Some(r) => IdLine::Record(r),
        None => check_line_for_ids(raw, first, terminated).into_id_line(),
    }
}

fn record(raw: &[u8], at: usize, first: bool, terminated: bool, merkle: bool) -> Option<Record> {
    // The first line may start with a BOM, and any line may end in CR
    // ([`early_problems`]); an unterminated one is a torn tail.
    if first || !terminated || raw.last() == Some(&b'\r') {
        return None;
    }
    let mut strings = jcs::Strings::default();
    let c = clean_envelope_noting(std::str::from_utf8(raw).ok()?, Some(&mut strings))?;
    let mut cites = crate::slim::Cites::default();
    let noted = Some((&strings, c.body_at));
    let body = crate::slim::parse_noted(c.kind, c.body, noted, &mut cites)?;
    if body.format() != c.format {
        return None;
    }
    Some(Record {
        seq: c.seq,
        prev: c.prev,
        hash: c.hash,
        leaf: merkle.then(|| crate::merkle::entry_leaf(&c.hash)),
        needs: crate::index::Needs::of(&body, c.seq)?,
        at,
        len: raw.len(),
    })
}

/// Whether `verify` links `raw` (a line ending in LF, not the first of its
/// file) as a fixed-size record rather than reading it in full: a clean
/// `fact`, `supersede` or `dispute` naming at most six ids that a check
/// needing no other entry does not refuse. For tests and benchmarks of the
/// fast path; verifying gives the same report either way.
pub fn links_as_record(raw: &[u8]) -> bool {
    record(raw, 0, false, true, true).is_some()
}

/// Links a chunk of [`id_line`] results from `block`, in order.
fn link_id_lines(v: &mut Verifier, lines: &mut [IdLine], block: &[u8], too_long: Option<TooLong>) {
    if let Replay::Compact(c) = &v.state {
        c.warm(lines.iter().flat_map(|l| {
            match l {
                IdLine::Record(r) => r.needs.fps().iter().copied(),
                IdLine::Unread(_) => [].iter().copied(),
                IdLine::Line(c) => c
                    .ahead
                    .prints
                    .as_ref()
                    .map_or(&[][..], |p| p.fps())
                    .iter()
                    .copied(),
            }
        }));
    }
    for l in lines.iter_mut() {
        match l {
            IdLine::Record(r) => {
                let line = block.get(r.at..r.at + r.len).unwrap_or_default();
                v.link_record(r, line);
            }
            IdLine::Unread(u) => {
                v.link(&mut std::mem::take(u).into_checked());
            }
            IdLine::Line(c) => {
                v.link(c);
            }
        }
    }
    if let Some(t) = too_long {
        v.feed_too_long(t.len, t.terminated);
    }
}

/// The most threads that check lines, whatever [`THREADS_ENV`] asks for. One
/// thread links the results in order, and a few checking threads keep it
/// busy, so more would add memory without speed.
pub const MAX_WORKERS: usize = 8;

/// Lines longer than this are checked on the linking thread, one at a time,
/// in their turn: reading a line can hold tens of times its length for a
/// moment (a JSON tree of small numbers), so no two long ones are read at
/// once.
pub const BIG_LINE: usize = 8 << 10;

/// A checking thread hands its results on once they hold about this much
/// memory ([`Footprint`]), rather than a block's worth at once: a block of
/// 256 KiB can be 262,144 blank lines.
const CHUNK_BYTES: usize = 256 << 10;

/// Result vectors in all, shared out among the checking threads (at least two
/// each): a thread fills one while the linking thread empties the others, and
/// waits when all of its own are out. With few threads, four each give a
/// thread as much room to run ahead as two whole blocks did (fewer make it
/// wait, and switch threads, more often); with many, two each keep memory
/// down and the threads together still have room.
const POOL: usize = 8;

/// Bytes of blocks read ahead at most (besides the oldest, which is always
/// let through, whatever its length).
const AHEAD_BYTES: usize = 4 << 20;

/// About how many bytes a line's result holds in memory (itself and what it
/// owns), so that what is in flight can be bounded by memory rather than by
/// lines or bytes of input.
pub trait Footprint {
    fn footprint(&self) -> usize;
}

impl Footprint for Problem {
    fn footprint(&self) -> usize {
        std::mem::size_of::<Problem>()
            + self.message.capacity()
            + self.help.as_ref().map_or(0, String::capacity)
    }
}

/// What a list of problems holds in memory beyond the `Vec` itself.
fn problems_footprint(v: &Vec<Problem>) -> usize {
    v.capacity() * std::mem::size_of::<Problem>()
        + v.iter()
            .map(|p| p.footprint() - std::mem::size_of::<Problem>())
            .sum::<usize>()
}

impl Footprint for CheckedLine {
    fn footprint(&self) -> usize {
        let problems = problems_footprint;
        std::mem::size_of::<CheckedLine>()
            + problems(&self.early)
            + match &self.outcome {
                Outcome::Encoding(p) => p.footprint(),
                Outcome::Read(r) => {
                    problems(&r.problems) + r.entry.as_ref().map_or(0, Entry::heap_bytes)
                }
                Outcome::Blank | Outcome::BadBlank | Outcome::Torn => 0,
            }
    }
}

/// What a checking thread hands the linking thread, in file order.
enum Piece<T> {
    /// The results of consecutive lines.
    Lines(Vec<T>),
    /// A line longer than [`BIG_LINE`], at this byte range of the block, for
    /// the linking thread to check itself.
    Big {
        start: usize,
        end: usize,
        first: bool,
        terminated: bool,
    },
    /// The end of the block.
    End,
}

/// Where [`run_block`] gets vectors to fill and hands pieces on.
trait Pieces<T> {
    /// An empty vector (waiting for one to come back); `None` to stop.
    fn vector(&mut self) -> Option<Vec<T>>;
    /// Hands a piece on; false to stop.
    fn put(&mut self, piece: Piece<T>) -> bool;
}

/// Runs `work` on every line of a block of whole lines (the last block of a
/// file may end without LF) and hands the results on in order, a chunk at a
/// time: a chunk is handed on once its results hold [`CHUNK_BYTES`], and a
/// line longer than [`BIG_LINE`] is handed on unread. Returns false if told
/// to stop.
fn run_block<T: Footprint, W: Fn(&[u8], usize, bool, bool) -> T>(
    block: &[u8],
    at_start: bool,
    work: &W,
    pieces: &mut impl Pieces<T>,
) -> bool {
    let mut out: Option<Vec<T>> = None;
    let mut held = 0;
    let mut start = 0;
    while start < block.len() {
        let (end, terminated) = match memchr::memchr(b'\n', &block[start..]) {
            Some(n) => (start + n, true),
            None => (block.len(), false),
        };
        let first = at_start && start == 0;
        if end - start > BIG_LINE {
            if let Some(v) = out.take()
                && !pieces.put(Piece::Lines(v))
            {
                return false;
            }
            held = 0;
            let big = Piece::Big {
                start,
                end,
                first,
                terminated,
            };
            if !pieces.put(big) {
                return false;
            }
        } else {
            let v = match &mut out {
                Some(v) => v,
                None => match pieces.vector() {
                    Some(v) => out.insert(v),
                    None => return false,
                },
            };
            let result = work(&block[start..end], start, first, terminated);
            held += result.footprint();
            v.push(result);
            if held >= CHUNK_BYTES {
                held = 0;
                if let Some(v) = out.take()
                    && !pieces.put(Piece::Lines(v))
                {
                    return false;
                }
            }
        }
        start = end + 1;
    }
    match out {
        Some(v) => pieces.put(Piece::Lines(v)),
        None => true,
    }
}

/// [`Pieces`] on the calling thread alone: each piece goes to the sink as it
/// is made, and one vector is reused.
struct Inline<'a, T, S, W> {
    block: &'a [u8],
    work: &'a W,
    sink: &'a mut S,
    spare: &'a mut Vec<T>,
}

impl<T, S, W> Pieces<T> for Inline<'_, T, S, W>
where
    S: FnMut(&mut Vec<T>, &[u8], Option<TooLong>),
    W: Fn(&[u8], usize, bool, bool) -> T,
{
    fn vector(&mut self) -> Option<Vec<T>> {
        Some(std::mem::take(self.spare))
    }

    fn put(&mut self, piece: Piece<T>) -> bool {
        match piece {
            Piece::Lines(mut v) => {
                (self.sink)(&mut v, self.block, None);
                v.clear();
                *self.spare = v;
            }
            Piece::Big {
                start,
                end,
                first,
                terminated,
            } => {
                let mut one = vec![(self.work)(
                    &self.block[start..end],
                    start,
                    first,
                    terminated,
                )];
                (self.sink)(&mut one, self.block, None);
            }
            Piece::End => {}
        }
        true
    }
}

/// [`Pieces`] of a checking thread: vectors come back from the linking
/// thread (and their old results are freed here, on the thread that made
/// them, which is much cheaper); pieces go to it.
struct Worker<T> {
    recycled: mpsc::Receiver<Vec<T>>,
    results: mpsc::Sender<Piece<T>>,
}

impl<T> Pieces<T> for Worker<T> {
    fn vector(&mut self) -> Option<Vec<T>> {
        let mut v = self.recycled.recv().ok()?;
        v.clear();
        Some(v)
    }

    fn put(&mut self, piece: Piece<T>) -> bool {
        self.results.send(piece).is_ok()
    }
}

/// The pipeline under [`verify_blocks`]: cuts `r` into blocks of whole lines,
/// runs `work` on each line (on `workers` threads, at most [`MAX_WORKERS`],
/// when there is more than one block) and hands the results to `sink` on the
/// calling thread, in file order, followed by each block's over-long line.
/// `work` gets whether the line starts the file (`at_start` says whether `r`
/// does) and whether it ended in LF.
///
/// Memory is bounded whatever the input and the number of threads: at most
/// `2 × workers` blocks and [`AHEAD_BYTES`] are read ahead; the checking
/// threads hold at most [`POOL`] chunks of results (two per thread with more
/// than four threads) of about [`CHUNK_BYTES`] each; and a line longer than
/// [`BIG_LINE`] is checked on the calling thread when its turn comes, so at
/// most one is being read at a time.
pub(crate) fn for_each_block<R: Read, T: Send + Footprint>(
    r: R,
    block_size: usize,
    workers: usize,
    at_start: bool,
    work: fn(&[u8], bool, bool) -> T,
    mut sink: impl FnMut(&mut Vec<T>, Option<TooLong>),
) -> std::io::Result<()> {
    for_each_block_at(
        r,
        block_size,
        workers,
        at_start,
        move |line, _, first, terminated| work(line, first, terminated),
        |lines, _, too_long| sink(lines, too_long),
    )
}

/// [`for_each_block`] for work that is also given where the line starts in
/// its block, and a sink that is also given the block the lines are from
/// (for a line's over-long last line, an empty slice).
pub(crate) fn for_each_block_at<R, T, W, S>(
    r: R,
    block_size: usize,
    workers: usize,
    at_start: bool,
    work: W,
    mut sink: S,
) -> std::io::Result<()>
where
    R: Read,
    T: Send + Footprint,
    W: Fn(&[u8], usize, bool, bool) -> T + Sync,
    S: FnMut(&mut Vec<T>, &[u8], Option<TooLong>),
{
    let workers = workers.min(MAX_WORKERS);
    let mut blocks = Blocks {
        r,
        carry: Vec::new(),
        size: block_size.max(1),
        eof: false,
        spare: Vec::new(),
    };
    let Some(first) = blocks.next()? else {
        return Ok(());
    };
    if workers <= 1 || blocks.eof && blocks.carry.is_empty() {
        let mut block = Some(first);
        let mut is_first = at_start;
        let mut spare = Vec::new();
        while let Some((b, too_long)) = block {
            let mut inline = Inline {
                block: &b,
                work: &work,
                sink: &mut sink,
                spare: &mut spare,
            };
            run_block(&b, is_first, &work, &mut inline);
            if let Some(t) = too_long {
                sink(&mut Vec::new(), &[], Some(t));
            }
            is_first = false;
            blocks.spare.push(b);
            block = blocks.next()?;
        }
        return Ok(());
    }
    // Blocks go to worker `i % workers` and their pieces come back from it in
    // the same order, so results arrive in file order without a reorder
    // buffer.
    let depth = 2 * workers;
    let work = &work;
    std::thread::scope(|s| {
        let mut jobs = Vec::with_capacity(workers);
        let mut results = Vec::with_capacity(workers);
        let mut recycle = Vec::with_capacity(workers);
        for _ in 0..workers {
            let (job_tx, job_rx) = mpsc::channel::<(std::sync::Arc<Vec<u8>>, bool)>();
            let (res_tx, res_rx) = mpsc::channel::<Piece<T>>();
            let (back_tx, back_rx) = mpsc::channel::<Vec<T>>();
            for _ in 0..(POOL / workers).max(2) {
                let _ = back_tx.send(Vec::new());
            }
            s.spawn(move || {
                let mut pieces = Worker {
                    recycled: back_rx,
                    results: res_tx,
                };
                for (block, is_first) in job_rx {
                    if !run_block(&block, is_first, work, &mut pieces) {
                        break;
                    }
                    // Let go of the block before saying so, so that the
                    // linking thread can reuse its buffer.
                    drop(block);
                    if !pieces.put(Piece::End) {
                        break;
                    }
                }
            });
            jobs.push(job_tx);
            results.push(res_rx);
            recycle.push(back_tx);
        }
        let (mut sent, mut done) = (0usize, 0usize);
        let mut pending = Some(first);
        // The blocks in flight, in order, with the over-long line each ends
        // in (if any), which has no bytes for a worker to check.
        let mut in_flight = std::collections::VecDeque::with_capacity(depth);
        let mut ahead = 0usize;
        loop {
            while sent - done < depth {
                let Some((b, too_long)) = pending
                    .take()
                    .map_or_else(|| blocks.next(), |b| Ok(Some(b)))?
                else {
                    break;
                };
                if sent > done && ahead + b.len() > AHEAD_BYTES {
                    pending = Some((b, too_long));
                    break;
                }
                ahead += b.len();
                let b = std::sync::Arc::new(b);
                in_flight.push_back((std::sync::Arc::clone(&b), too_long));
                if jobs[sent % workers]
                    .send((b, at_start && sent == 0))
                    .is_err()
                {
                    break;
                }
                sent += 1;
            }
            if done == sent {
                break;
            }
            let w = done % workers;
            // A worker that died drops its sender; the scope re-raises its panic.
            let Ok(piece) = results[w].recv() else {
                break;
            };
            match piece {
                Piece::Lines(mut v) => {
                    let block = in_flight.front().map_or(&[][..], |(b, _)| &b[..]);
                    sink(&mut v, block, None);
                    let _ = recycle[w].send(v);
                }
                Piece::Big {
                    start,
                    end,
                    first,
                    terminated,
                } => {
                    if let Some((b, _)) = in_flight.front() {
                        let mut one = vec![work(&b[start..end], start, first, terminated)];
                        sink(&mut one, b, None);
                    }
                }
                Piece::End => {
                    done += 1;
                    if let Some((b, too_long)) = in_flight.pop_front() {
                        ahead -= b.len();
                        if let Ok(buf) = std::sync::Arc::try_unwrap(b)
                            && buf.capacity() <= 2 * blocks.size
                            && blocks.spare.len() < depth
                        {
                            blocks.spare.push(buf);
                        }
                        if let Some(t) = too_long {
                            sink(&mut Vec::new(), &[], Some(t));
                        }
                    }
                }
            }
        }
        Ok(())
    })
}

/// A line before the `--since` entry: read for what the referential checks
/// need, or, when it cannot be read that cheaply, fully checked.
// Both variants are a few hundred bytes; boxing either would cost an
// allocation per line.
#[allow(clippy::large_enum_variant)]
enum Trusted {
    Entry(Entry),
    Checked(CheckedLine),
}

/// Reads an entry without checking its canonical form, hash or payload rules:
/// for lines vouched for by a later trusted entry (`--since`). `None` when the
/// line is not laid out as a canonical entry ([`crate::layout`]); the caller
/// then checks it fully. Only the body is parsed.
fn read_trusted(text: &str) -> Option<Entry> {
    let p = crate::layout::split(text)?;
    Some(Entry {
        seq: p.seq,
        prev: Hash::from_hex(p.prev)?,
        hash: Hash::from_hex(p.hash)?,
        recorded: p.recorded.to_string(),
        body: Body::from_canonical_str(p.kind, p.body)?,
    })
}

/// Reads a line before the `--since` entry for its ids ([`read_trusted`]), or
/// checks it fully when it cannot be read that way.
fn trusted_line(line: &[u8], first: bool, terminated: bool) -> Trusted {
    let read = (terminated && !(first && line.starts_with(b"\xEF\xBB\xBF")))
        .then(|| std::str::from_utf8(line).ok().and_then(read_trusted))
        .flatten();
    match read {
        Some(e) => Trusted::Entry(e),
        None => Trusted::Checked(check_line(line, first, terminated)),
    }
}

impl Footprint for Trusted {
    fn footprint(&self) -> usize {
        match self {
            Trusted::Entry(e) => std::mem::size_of::<Trusted>() + e.heap_bytes(),
            Trusted::Checked(c) => c.footprint(),
        }
    }
}

/// How `verify --since` went (docs/FORMAT.md 1, "Incremental verification").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Since {
    /// SEQ:HASH as given.
    pub anchor: Anchor,
    /// Lines before the SEQ line, taken on trust (0 when every line was
    /// checked).
    pub trusted_lines: u64,
    /// Set when the SEQ line could not be confirmed as line SEQ + 1, so every
    /// line was checked instead, with SEQ:HASH pinned as an `--anchor`.
    pub checked_all: Option<CheckedAll>,
}

/// Why `--since` checked every line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckedAll {
    /// No line with that seq was found by the search.
    NotFound,
    /// The line found is not line SEQ + 1 (it is `line`): a copy, or a file
    /// whose lines before it were added or removed.
    NotAtItsLine { line: u64 },
}

impl Since {
    /// Why every line was checked, in words, if it was.
    pub fn why_all(&self) -> Option<String> {
        self.checked_all.map(|c| match c {
            CheckedAll::NotFound => {
                format!("the search for seq {} found no line", self.anchor.seq)
            }
            CheckedAll::NotAtItsLine { line } => format!(
                "the line with seq {} is line {line}, not line {}",
                self.anchor.seq,
                self.anchor.seq + 1
            ),
        })
    }
}

/// `ledger verify --since SEQ:HASH`: trusts the entry at `since.seq` once its
/// line checks out, has hash `since.hash` and is line SEQ + 1, and fully
/// verifies every line after it, linking from it.
///
/// The line is found by binary search ([`LineFile::find_seq`]), which a file
/// whose seqs do not grow can mislead, so what it finds is confirmed: exactly
/// SEQ lines must come before it. Otherwise (or when nothing is found) every
/// line is verified, with SEQ:HASH pinned as an anchor: the search may read
/// more, never conclude wrongly. The lines before it are read only for the
/// ids the referential checks need (envelope and payload parsed, nothing else
/// checked; a line that does not parse is fully checked and its problems
/// reported).
pub fn verify_since(
    path: &Path,
    file: &File,
    since: Anchor,
    opts: VerifyOptions,
    block_size: usize,
    workers: usize,
) -> std::io::Result<(Report, State)> {
    let len = file.metadata()?.len();
    let lf = LineFile::new(file, len);
    let found = match lf.find_seq(since.seq)? {
        Some(Got::Line {
            start,
            text,
            terminated,
        }) => (start, text, terminated),
        _ => return verify_all_since(path, file, since, CheckedAll::NotFound, opts),
    };
    let mut v = Verifier::new(path, opts.clone());
    // The lines before it: those that name an id the entries from SEQ on
    // use, when that can be told; else every line, for ids only.
    if !prefix_by_ids(&mut v, &lf, found.0, since.seq, block_size, workers)? {
        read_prefix(&mut v, file, found.0, block_size, workers)?;
    }
    let prefix_lines = v.report.lines;
    if prefix_lines != since.seq {
        let line = prefix_lines + 1;
        return verify_all_since(path, file, since, CheckedAll::NotAtItsLine { line }, opts);
    }
    let (start, text, terminated) = found;
    // The entry itself: fully checked, and linked to the line before it.
    let mut c = check_line(&text, start == 0, terminated);
    let before = v.report.total_problems;
    let line_no = prefix_lines + 1;
    let hash = v.link(&mut c).map(|e| (e.seq, e.hash));
    let intact = v.report.total_problems == before;
    let trusted = |v: &mut Verifier| {
        v.report.since = Some(Since {
            anchor: since,
            trusted_lines: prefix_lines,
            checked_all: None,
        })
    };
    let mismatch = match hash {
        Some((seq, h)) if seq == since.seq && h == since.hash && intact => None,
        Some((seq, h)) if seq == since.seq && h != since.hash => Some(format!(
            "`--since`: the entry has hash {}..., not {}...",
            h.short(),
            since.hash.short()
        )),
        _ => Some("`--since`: the entry is damaged (see above)".to_string()),
    };
    if let Some(m) = mismatch {
        v.push(
            Problem::new(ProblemKind::Anchor, m).help(
                "history up to SEQ is not what it was when SEQ:HASH was taken. If this is a branch that merged its base (`git merge origin/main`), the merge kept the branch's entries first and moved main's after them: undo that merge and bring the branch up to date with `git rebase origin/main` instead. Otherwise run `ledger verify` without --since to see what changed",
            ),
            Some(line_no),
            Some(since.seq),
        );
        trusted(&mut v);
        return Ok(v.finish());
    }
    // Everything after it: fully verified.
    let end = start + text.len() as u64 + u64::from(terminated);
    let mut rest = file;
    rest.seek(std::io::SeekFrom::Start(end))?;
    for_each_block(
        rest,
        block_size,
        workers,
        false,
        check_line,
        |out, too_long| {
            for c in out.iter_mut() {
                v.link(c);
            }
            if let Some(t) = too_long {
                v.feed_too_long(t.len, t.terminated);
            }
        },
    )?;
    trusted(&mut v);
    Ok(v.finish())
}

/// `--since` when the SEQ line cannot be confirmed: a full verification
/// with SEQ:HASH pinned as an anchor.
fn verify_all_since(
    path: &Path,
    file: &File,
    since: Anchor,
    why: CheckedAll,
    mut opts: VerifyOptions,
) -> std::io::Result<(Report, State)> {
    let mut r = file;
    r.seek(std::io::SeekFrom::Start(0))?;
    opts.anchors.push(since);
    let (mut report, state) = verify_blocks(
        path,
        std::io::BufReader::with_capacity(BLOCK_SIZE, r),
        opts,
        |_| {},
        BLOCK_SIZE,
        workers(),
    )?;
    report.since = Some(Since {
        anchor: since,
        trusted_lines: 0,
        checked_all: Some(why),
    });
    Ok((report, state))
}

/// The old way of reading the lines before the `--since` entry: every line,
/// on every core, parsed for its ids (or fully checked when it does not
/// parse that way).
fn read_prefix(
    v: &mut Verifier,
    mut file: &File,
    start: u64,
    block_size: usize,
    workers: usize,
) -> std::io::Result<()> {
    file.seek(std::io::SeekFrom::Start(0))?;
    let prefix = Read::take(file, start);
    for_each_block(
        prefix,
        block_size,
        workers,
        true,
        trusted_line,
        |out, too_long| {
            for t in out.iter_mut() {
                match t {
                    Trusted::Entry(e) => v.trust(e),
                    Trusted::Checked(c) => {
                        v.link(c);
                    }
                }
            }
            if let Some(t) = too_long {
                v.feed_too_long(t.len, t.terminated);
            }
        },
    )?;
    Ok(())
}

/// The ids a line's entry looks up ([`crate::replay::ids_checked`]), as
/// [`id_key`]s of their JSON string contents; none for a line that is not
/// read as an entry (which the verification after SEQ reports).
struct TailIds(Vec<u64>);

impl Footprint for TailIds {
    fn footprint(&self) -> usize {
        std::mem::size_of::<TailIds>() + self.0.capacity() * std::mem::size_of::<u64>()
    }
}

/// The per-line work of the tail read of [`prefix_by_ids`]: the line read
/// exactly as verification reads it ([`check_line`]), so that the ids are
/// those the checks after SEQ will look up.
fn tail_ids(line: &[u8], first: bool, terminated: bool) -> TailIds {
    let checked = check_line(line, first, terminated);
    let Some(e) = checked.entry() else {
        return TailIds(Vec::new());
    };
    TailIds(
        crate::replay::ids_checked(e)
            .into_iter()
            .map(|id| {
                let quoted = serde_json::to_string(id).unwrap_or_default();
                let inner = quoted
                    .strip_prefix('"')
                    .and_then(|q| q.strip_suffix('"'))
                    .unwrap_or(id);
                id_key(inner.as_bytes())
            })
            .collect(),
    )
}

/// A 64-bit key of an id's bytes, for the set of wanted ids.
fn id_key(bytes: &[u8]) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(bytes)
}

/// Sets `v` up as if it had read every line before the `--since` entry (which
/// starts at byte `start`), reading only those that define or change an id
/// which the entries from there on look up ([`crate::replay::ids_checked`]):
/// an entry's referential checks depend on nothing else. The ids are
/// collected by reading the tail (from `start` to the end) through the same
/// bounded pipeline as verification ([`for_each_block`]), keeping only a
/// 64-bit key per id, so the tail is never held whole. The lines before are
/// found by searching for the members `"id":` and `"target":` (the only ones
/// through which an entry defines an id or changes its status) and looking
/// their values up; those lines are parsed and recorded unchecked into the
/// compact index, the others only counted. Returns false, having changed
/// nothing that matters, when it cannot be done that way (a state that keeps
/// id text, an anchor before SEQ, a line it cannot read, a tail of more than
/// 8 MiB and longer than half of what comes before it), and the caller reads
/// every line instead.
fn prefix_by_ids(
    v: &mut Verifier,
    lf: &LineFile,
    start: u64,
    since_seq: u64,
    block_size: usize,
    workers: usize,
) -> std::io::Result<bool> {
    use std::io::SeekFrom;
    const CHUNK: usize = 4 << 20;
    if !matches!(v.state, Replay::Compact(_)) || v.opts.anchors.iter().any(|a| a.seq < since_seq) {
        return Ok(false);
    }
    let len = lf.len();
    // A byte of the tail costs more to read for ids than a byte before SEQ
    // (it is checked in full, hash and all, where an earlier line is only
    // parsed): on a 1M-entry ledger the two ways cost the same when the
    // tail is about 0.6 of what precedes it, so past half every earlier line
    // is read instead (docs/BENCHMARKS.md). Below a few MiB either way is
    // instant, and reading by ids keeps what is taken on trust the same
    // whatever the proportions of a small file.
    const SMALL_TAIL: u64 = 8 << 20;
    if len - start > SMALL_TAIL && 2 * (len - start) > start {
        return Ok(false);
    }
    // The ids the entries from SEQ on look up, as keys of their JSON string
    // contents (canonical escaping). Two ids with one key only make a line
    // be read that need not be.
    let mut wanted: std::collections::HashSet<u64> = std::collections::HashSet::new();
    let mut file = lf.file();
    file.seek(SeekFrom::Start(start))?;
    for_each_block(
        Read::take(&mut file, len - start),
        block_size,
        workers,
        start == 0,
        tail_ids,
        |out: &mut Vec<TailIds>, _| {
            for ids in out.iter() {
                wanted.extend(ids.0.iter().copied());
            }
        },
    )?;
    // Only an entry that defines an id (`"id":`, also a superseding fact's)
    // or changes its status (`"target":`) changes what the checks find for
    // it; canonical lines have no white space.
    let finders = [
        memchr::memmem::Finder::new(b"\"id\":\""),
        memchr::memmem::Finder::new(b"\"target\":\""),
    ];
    let mut starts = Vec::new();
    // The line before SEQ, to link SEQ's `prev` to.
    let before = match lf.line_before(start)? {
        None => None,
        Some(Got::Line {
            text,
            terminated: true,
            ..
        }) => match std::str::from_utf8(&text).ok().and_then(read_trusted) {
            Some(e) => Some((e.seq, e.hash)),
            None => return Ok(false),
        },
        Some(_) => return Ok(false),
    };
    // The lines before SEQ: counted, and those naming a wanted id recorded.
    let mut recorded = Compact::default();
    let mut lines = 0u64;
    file.seek(SeekFrom::Start(0))?;
    let mut r = Read::take(file, start);
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + 4096);
    loop {
        let had = buf.len();
        let n = Read::take(&mut r, (CHUNK - had.min(CHUNK)) as u64 + 4096).read_to_end(&mut buf)?;
        let Some(end) = memchr::memrchr(b'\n', &buf) else {
            if n == 0 && buf.is_empty() {
                break;
            }
            // A line longer than a chunk, or bytes after the last LF before
            // SEQ: not something to take on trust.
            return Ok(false);
        };
        let chunk = &buf[..=end];
        lines += memchr::memchr_iter(b'\n', chunk).count() as u64;
        // The lines (by their first byte) with a wanted id after one of the
        // members, in file order.
        starts.clear();
        for f in &finders {
            for at in f.find_iter(chunk) {
                let value = &chunk[at + f.needle().len()..];
                let Some(close) = memchr::memchr2(b'"', b'\\', value) else {
                    continue;
                };
                // A value with an escape is read whole to be sure.
                if value[close] == b'"' && !wanted.contains(&id_key(&value[..close])) {
                    continue;
                }
                starts.push(memchr::memrchr(b'\n', &chunk[..at]).map_or(0, |i| i + 1));
            }
        }
        starts.sort_unstable();
        starts.dedup();
        for &start in &starts {
            let stop =
                start + memchr::memchr(b'\n', &chunk[start..]).unwrap_or(chunk.len() - start);
            match std::str::from_utf8(&chunk[start..stop])
                .ok()
                .and_then(read_trusted)
            {
                Some(e) => recorded.record(&e),
                None => return Ok(false),
            }
        }
        buf.drain(..=end);
        if n == 0 && buf.is_empty() {
            break;
        }
    }
    let Some((seq, hash)) = before.or((lines == 0).then_some((0, Hash::ZERO))) else {
        return Ok(false);
    };
    if lines > 0 {
        v.report.entries = lines;
        v.report.head = Some((seq, hash));
        v.next_seq = seq + 1;
        v.prev = Some(hash);
        recorded.last = Some((seq, hash));
    }
    v.report.lines = lines;
    v.alt_seq = None;
    v.state = Replay::Compact(recorded);
    Ok(true)
}

/// A line longer than [`MAX_ENTRY_BYTES`], skipped unread: its length in
/// bytes (without its LF) and whether an LF ended it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TooLong {
    pub(crate) len: u64,
    pub(crate) terminated: bool,
}

/// Cuts a reader into blocks of whole lines of about `size` bytes (a line
/// longer than that makes a longer block, up to [`MAX_ENTRY_BYTES`]). A line
/// over the maximum entry size ends its block: it is read past without being
/// kept, and reported with the block as a [`TooLong`], so memory stays
/// bounded whatever the input.
struct Blocks<R> {
    r: R,
    /// Bytes read after the last LF of the previous block.
    carry: Vec<u8>,
    size: usize,
    eof: bool,
    /// Buffers handed back, to be reused.
    spare: Vec<Vec<u8>>,
}

impl<R: Read> Blocks<R> {
    fn next(&mut self) -> std::io::Result<Option<(Vec<u8>, Option<TooLong>)>> {
        // A recycled buffer keeps the length it had, and is read into over
        // its old bytes: `read_to_end` would zero every byte before reading
        // into it, as the readers here (progress reporting) cannot read
        // into memory not yet written. Only growth past its old length is
        // zeroed.
        let mut buf = self.spare.pop().unwrap_or_default();
        let mut filled = self.carry.len();
        if buf.len() < filled {
            buf.resize(filled, 0);
        }
        buf[..filled].copy_from_slice(&self.carry);
        self.carry.clear();
        let mut target = self.size.max(filled + 1);
        loop {
            if filled < target && !self.eof {
                if buf.len() < target {
                    buf.resize(target, 0);
                }
                while filled < target {
                    match self.r.read(&mut buf[filled..target]) {
                        Ok(0) => {
                            self.eof = true;
                            break;
                        }
                        Ok(n) => filled += n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(e),
                    }
                }
            }
            // Only the first line of a block can outgrow a block; past the
            // maximum entry size it is skipped rather than read whole.
            let first_end = memchr::memchr(b'\n', &buf[..filled]);
            if first_end.unwrap_or(filled) > MAX_ENTRY_BYTES {
                let too_long = match first_end {
                    Some(p) => {
                        self.carry.extend_from_slice(&buf[p + 1..filled]);
                        TooLong {
                            len: p as u64,
                            terminated: true,
                        }
                    }
                    None => self.skip_line(filled as u64)?,
                };
                buf.clear();
                return Ok(Some((buf, Some(too_long))));
            }
            if self.eof {
                buf.truncate(filled);
                return Ok((!buf.is_empty()).then_some((buf, None)));
            }
            if let Some(nl) = memchr::memrchr(b'\n', &buf[..filled]) {
                self.carry.extend_from_slice(&buf[nl + 1..filled]);
                buf.truncate(nl + 1);
                return Ok(Some((buf, None)));
            }
            target += self.size;
        }
    }

    /// Reads past the rest of a line of which `seen` bytes were read, keeping
    /// what follows its LF in `carry`.
    fn skip_line(&mut self, seen: u64) -> std::io::Result<TooLong> {
        let mut len = seen;
        let mut chunk = vec![0u8; 64 * 1024];
        while !self.eof {
            let n = match self.r.read(&mut chunk) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if let Some(nl) = memchr::memchr(b'\n', &chunk[..n]) {
                len += nl as u64;
                self.carry.extend_from_slice(&chunk[nl + 1..n]);
                return Ok(TooLong {
                    len,
                    terminated: true,
                });
            }
            len += n as u64;
        }
        Ok(TooLong {
            len,
            terminated: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Replaying into a report's state through the block pipeline, each
    /// entry taken by value and each dispute's content id worked out on a
    /// checking thread, gives the report and the state that applying the
    /// entries one by one gives, wherever the blocks end.
    #[test]
    fn a_state_fed_entries_by_value_is_the_state_applied_in_order() {
        let mut text = Vec::new();
        crate::synthetic::write_ledger(&mut text, 3_000, 7, "2026-01-02T03:04:05Z").unwrap();
        let mut one_by_one = State::live_only();
        let lines = std::str::from_utf8(&text).unwrap().lines();
        for l in lines {
            one_by_one.apply(&read_entry(l).entry.unwrap()).unwrap();
        }
        let (want, _) = verify_blocks(
            Path::new("l.jsonl"),
            &text[..],
            VerifyOptions::default(),
            |_| {},
            4096,
            1,
        )
        .unwrap();
        for (block, workers) in [(4096, 1), (4096, 3), (100_000, 2), (1 << 20, 2)] {
            let mut v = Verifier::with_replay(
                Path::new("l.jsonl"),
                VerifyOptions::default(),
                Replay::Full(State::live_only()),
            );
            feed_blocks(&mut v, &text[..], None::<&mut fn(&Entry)>, block, workers).unwrap();
            let (report, Replay::Full(state)) = v.finish_replay() else {
                panic!("a full state")
            };
            assert_eq!(report, want);
            assert!(state.facts.iter().any(|f| !f.disputes.is_empty()));
            assert_eq!(state.facts, one_by_one.facts);
            assert_eq!(state.sources, one_by_one.sources);
            assert_eq!(
                (state.last_seq, state.last_hash),
                (one_by_one.last_seq, one_by_one.last_hash)
            );
        }
    }

    #[test]
    fn anchors_take_ascii_digits_and_ascii_white_space_only() {
        let h = "ab".repeat(32);
        assert!(format!(" 7:{h}\n").parse::<Anchor>().is_ok());
        for bad in [
            format!("+7:{h}"),
            format!("-7:{h}"),
            format!(":{h}"),
            format!("7:{}", h.to_uppercase()),
            format!("\u{a0}7:{h}"),
            format!("18446744073709551616:{h}"),
        ] {
            assert!(bad.parse::<Anchor>().is_err(), "{bad:?} was accepted");
        }
    }

    /// Verify's fast path is taken: every clean fact, supersession and
    /// dispute of a generated ledger (nine lines in ten) is linked as a
    /// record, and nothing else is.
    #[test]
    fn clean_lines_of_the_commonest_kinds_are_linked_as_records() {
        let mut out = Vec::new();
        crate::synthetic::write_ledger(&mut out, 5_000, 3, "2026-01-02T03:04:05Z")
            .expect("writing to memory cannot fail");
        let (mut records, mut lines) = (0, 0);
        for line in out.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let kind = read_entry(std::str::from_utf8(line).expect("UTF-8"))
                .entry
                .expect("an entry")
                .body
                .kind();
            let common = matches!(kind, "fact" | "supersede" | "dispute");
            assert_eq!(links_as_record(line), common, "{kind}");
            records += usize::from(common);
            lines += 1;
        }
        assert!(records * 10 > lines * 8, "{records} of {lines}");
    }

    /// The fast path accepts clean entries, and agrees with the slow path and
    /// with the reading of lines before a `--since` entry.
    #[test]
    fn fast_path_reads_clean_entries_as_the_slow_path_does() {
        use crate::entry::{Body, Citation, Fact, Genesis, Modality};
        let fact = Fact {
            id: "x".into(),
            subject: "CA-KP".into(),
            topic: "embassy".into(),
            statement: "Tab\there, quote \" and \u{1} and \u{1F600}.".into(),
            modality: Modality::Considered,
            // A nested `format` member must not confuse `read_trusted`.
            value: Some(
                serde_json::json!({"\u{E000}": [1.5, -2, "s"], "\u{1F600}": {"a": true, "format": 1}}),
            ),
            valid_from: None,
            valid_to: None,
            attributed_to: None,
            citations: vec![Citation {
                source: "s".into(),
                paragraph: Some(3),
                span: Some([0, 4]),
                quote: None,
            }],
            note: None,
        };
        let bodies = [
            Body::Genesis(Genesis {
                title: "T".into(),
                created: "2026-01-02T03:04:05Z".into(),
            }),
            Body::Fact(fact),
        ];
        for (seq, body) in (0u64..).zip(bodies) {
            let e = Entry::seal(seq, Hash::ZERO, "2026-01-02T03:04:05Z".into(), body).unwrap();
            let line = e.to_line().unwrap();
            let text = line.trim_end_matches('\n');
            let fast =
                read_clean_entry(text, Reading::Full).expect("a clean entry takes the fast path");
            assert_eq!(fast.entry.as_ref(), Some(&e));
            assert_eq!(read_trusted(text).as_ref(), Some(&e), "--since's reading");
            // The slow path, forced by a check that skips the fast one.
            let Value::Object(map) = jcs::parse_strict(text).unwrap() else {
                unreachable!()
            };
            assert_eq!(check_envelope(&map).unwrap(), e);
        }
    }

    /// Cutting the hash range out must leave the canonical text of the object
    /// without `hash`, wherever `hash` sorts.
    #[test]
    fn hash_range_cuts_the_member_and_one_comma() {
        for text in [
            r#"{"a":1,"hash":"h","z":2}"#,
            r#"{"hash":"h","z":2}"#,
            r#"{"a":1,"hash":"h"}"#,
            r#"{"hash":"h"}"#,
        ] {
            let Value::Object(map) = jcs::parse_strict(text).unwrap() else {
                unreachable!()
            };
            let (canon, range) = canonical_parts(&map).unwrap();
            assert_eq!(canon, text);
            let mut without = map.clone();
            without.remove("hash");
            let cut = format!("{}{}", &canon[..range.start], &canon[range.end..]);
            assert_eq!(
                cut,
                jcs::canonicalize(&Value::Object(without)).unwrap(),
                "{text}"
            );
        }
    }
}
