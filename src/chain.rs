//! Chain verification: checking each line of a ledger and the links between them.
//!
//! [`read_entry`] checks one line on its own (UTF-8 already decoded): strict JSON,
//! envelope shape, canonical form, hash, and the payload's shape. [`Verifier`]
//! streams lines through it and adds what spans lines: encoding, line endings,
//! `seq` continuity, `prev` linkage, the genesis rule, referential integrity (via
//! [`crate::replay::State`]), a torn tail and `--anchor` pins. It holds one line at
//! a time, so memory does not grow with the ledger.

use crate::entry::{Body, ENVELOPE_MEMBERS, Entry, FORMAT_VERSION, check_timestamp};
use crate::hash::{Hash, hash_entry};
use crate::index::Compact;
use crate::jcs::{self, ParseErrorKind};
use crate::replay::State;
use serde_json::{Map, Value};
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// The classes of problem verification reports; [`ProblemKind::as_str`] is the
/// stable name used in JSON output and docs/FORMAT.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    Encoding,
    Bom,
    Crlf,
    BlankLine,
    Syntax,
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
    pub column: Option<usize>,
    /// The text of the line, for showing a caret under the column.
    pub source_line: Option<String>,
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
            source_line: None,
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

    /// The full compiler-style rendering: headline, location, caret, help.
    pub fn render(&self, path: &Path) -> String {
        let mut out = format!("error[{}]: {}\n", self.kind.as_str(), self.headline());
        match (self.line, self.column) {
            (Some(l), Some(c)) => out.push_str(&format!("  --> {}:{l}:{c}\n", path.display())),
            (Some(l), None) => out.push_str(&format!("  --> {}:{l}\n", path.display())),
            _ => out.push_str(&format!("  --> {}\n", path.display())),
        }
        if let (Some(l), Some(c), Some(text)) = (self.line, self.column, &self.source_line) {
            let (window, caret) = window(text, c);
            let gutter = l.to_string();
            let pad = " ".repeat(gutter.len());
            out.push_str(&format!(
                "{pad} |\n{gutter} | {window}\n{pad} | {}^\n",
                " ".repeat(caret)
            ));
        }
        if let Some(h) = &self.help {
            out.push_str(&format!("  = help: {h}\n"));
        }
        out
    }
}

/// A slice of `text` around 1-based character `column`, at most ~72 characters
/// wide, and the caret's offset within it.
fn window(text: &str, column: usize) -> (String, usize) {
    let chars: Vec<char> = text
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    let at = column.saturating_sub(1).min(chars.len());
    let start = at.saturating_sub(40);
    let end = (at + 32).min(chars.len());
    let mut s = String::new();
    let mut caret = at - start;
    if start > 0 {
        s.push('…');
        caret += 1;
    }
    s.extend(&chars[start..end]);
    if end < chars.len() {
        s.push('…');
    }
    (s, caret)
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
    if let Some(fast) = read_clean_entry(text) {
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

/// The envelope as written, borrowed from the line (fast path only).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEnvelope<'a> {
    #[serde(borrow)]
    body: &'a serde_json::value::RawValue,
    format: u64,
    hash: &'a str,
    kind: &'a str,
    prev: &'a str,
    recorded: &'a str,
    seq: u64,
}

/// The fast path of [`read_entry`]: for a line that is a clean entry (the
/// common case) it confirms canonical form with a byte scan, hashes the line
/// with the hash member cut out, and deserializes the typed entry straight
/// from the text, without building a JSON tree. Returns `None` at the first
/// doubt of any kind; the slow path then finds and explains every problem. So
/// it returns `Some` only where the slow path would report no problem and build
/// the same entry.
fn read_clean_entry(text: &str) -> Option<ReadLine> {
    let scan = jcs::scan_canonical(text)?;
    if scan.hash_range.is_empty() {
        return None;
    }
    let raw: RawEnvelope = serde_json::from_str(text).ok()?;
    let (prev, hash) = (Hash::from_hex(raw.prev)?, Hash::from_hex(raw.hash)?);
    if raw.format != FORMAT_VERSION || check_timestamp(raw.recorded).is_err() {
        return None;
    }
    let body_text = raw.body.get();
    if !body_text.starts_with('{') {
        return None;
    }
    let computed = hash_entry(
        &text.as_bytes()[..scan.hash_range.start],
        &text.as_bytes()[scan.hash_range.end..],
    );
    if computed != hash {
        return None;
    }
    let body = Body::from_canonical_str(raw.kind, body_text)?;
    body.check().ok()?;
    Some(ReadLine {
        entry: Some(Entry {
            seq: raw.seq,
            prev,
            hash,
            recorded: raw.recorded.to_string(),
            body,
        }),
        seq: Some(raw.seq),
        stored_hash: Some(hash),
        problems: Vec::new(),
    })
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
    let format = map["format"].as_f64();
    if format != Some(FORMAT_VERSION as f64) {
        return Err(schema(format!(
            "unsupported format version {}: this build reads format {FORMAT_VERSION}",
            map["format"]
        )));
    }
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
    Ok(Entry {
        seq,
        prev,
        hash,
        recorded: recorded.to_string(),
        body,
    })
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
}

/// What entries are replayed into during verification.
pub enum Replay {
    Full(State),
    Compact(Compact),
}

impl Replay {
    fn apply(&mut self, entry: &Entry) -> Result<(), String> {
        match self {
            Replay::Full(s) => s.apply(entry),
            Replay::Compact(c) => c.apply(entry),
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
        }
    }
}

/// The outcome of verifying a ledger.
#[derive(Debug, Clone)]
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
}

impl Report {
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
    last: Option<Entry>,
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
        Verifier {
            opts,
            report: Report {
                path: path.to_path_buf(),
                lines: 0,
                entries: 0,
                head: None,
                problems: Vec::new(),
                total_problems: 0,
            },
            next_seq: 0,
            alt_seq: None,
            prev: None,
            anchors_seen,
            state,
            last: None,
        }
    }

    fn push(&mut self, mut p: Problem, line: Option<u64>, seq: Option<u64>, text: Option<&str>) {
        p.line = p.line.or(line);
        p.seq = p.seq.or(seq);
        if p.column.is_some() {
            p.source_line = text.map(str::to_string);
        }
        self.report.total_problems += 1;
        if self.report.problems.len() < self.opts.max_problems {
            self.report.problems.push(p);
        }
    }

    /// Feeds one raw line (without its LF); `terminated` says whether it ended in
    /// LF. Returns the entry when the line was understood.
    pub fn feed(&mut self, raw: &[u8], terminated: bool) -> Option<&Entry> {
        self.report.lines += 1;
        let line_no = self.report.lines;
        let expected = self.next_seq;
        let mut bytes = raw;
        if line_no == 1 && bytes.starts_with(b"\xEF\xBB\xBF") {
            self.push(
                Problem::new(
                    ProblemKind::Bom,
                    "the file starts with a byte-order mark (EF BB BF)",
                )
                .help("save the file as UTF-8 without a BOM"),
                Some(line_no),
                Some(expected),
                None,
            );
            bytes = &bytes[3..];
        }
        if let Some(stripped) = bytes.strip_suffix(b"\r") {
            self.push(
                Problem::new(
                    ProblemKind::Crlf,
                    "line ends in CR LF; ledger lines end in LF alone",
                )
                .help("add `*.jsonl text eol=lf` to .gitattributes and check the file out again"),
                Some(line_no),
                Some(expected),
                None,
            );
            bytes = stripped;
        }
        if bytes.is_empty() {
            if terminated {
                self.push(
                    Problem::new(
                        ProblemKind::BlankLine,
                        "blank line; every line must hold one entry",
                    )
                    .help("delete the blank line"),
                    Some(line_no),
                    Some(expected),
                    None,
                );
            }
            return None;
        }
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => t,
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
                if terminated {
                    self.push(
                        p,
                        Some(line_no),
                        Some(expected),
                        Some(&String::from_utf8_lossy(bytes)),
                    );
                } else {
                    self.torn(line_no, expected);
                }
                self.next_seq += 1;
                self.prev = None;
                return None;
            }
        };
        let read = read_entry(text);
        if !terminated && (read.entry.is_none() || !read.problems.is_empty()) {
            // An incomplete last line: one problem, pointing at `ledger repair`.
            self.torn(line_no, expected);
            self.next_seq += 1;
            self.prev = None;
            return None;
        }
        let seq = read.seq.unwrap_or(expected);
        for p in read.problems {
            self.push(p, Some(line_no), Some(seq), Some(text));
        }
        if !terminated {
            self.push(
                Problem::new(ProblemKind::TornTail, "the file does not end in a newline")
                    .help("run `ledger repair` to add the missing newline"),
                Some(line_no),
                Some(seq),
                None,
            );
        }
        let Some(entry) = read.entry else {
            // Its `seq` member may be as damaged as the rest: count it as
            // occupying the expected position.
            self.next_seq = expected + 1;
            self.alt_seq = None;
            self.prev = read.stored_hash;
            return None;
        };
        self.check_links(&entry, line_no);
        self.report.entries += 1;
        self.report.head = Some((entry.seq, entry.hash));
        for (i, a) in self.opts.anchors.iter().enumerate() {
            if a.seq == entry.seq && self.anchors_seen[i].is_none() {
                self.anchors_seen[i] = Some(entry.hash);
            }
        }
        if let Err(msg) = self.state.apply(&entry) {
            self.push(
                Problem::new(ProblemKind::Reference, msg),
                Some(line_no),
                Some(entry.seq),
                None,
            );
        }
        self.advance_seq(entry.seq);
        self.prev = Some(entry.hash);
        self.last = Some(entry);
        self.last.as_ref()
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
            None,
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
                None,
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
                    None,
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
                None,
            );
        } else if line_no > 1 && is_genesis {
            self.push(
                Problem::new(
                    ProblemKind::Genesis,
                    "a `genesis` entry may only be the first line",
                ),
                Some(line_no),
                Some(seq),
                None,
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
                    None,
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
                    None,
                ),
            }
        }
        (self.report, self.state)
    }
}

/// Verifies a whole ledger from a reader, streaming.
pub fn verify_reader<R: BufRead>(
    path: &Path,
    r: R,
    opts: VerifyOptions,
) -> std::io::Result<(Report, State)> {
    verify_reader_with(path, r, opts, |_| {})
}

/// Verifies a whole ledger from a reader, streaming, handing every entry that
/// was understood to `on_entry`.
pub fn verify_reader_with<R: BufRead>(
    path: &Path,
    mut r: R,
    opts: VerifyOptions,
    mut on_entry: impl FnMut(&Entry),
) -> std::io::Result<(Report, State)> {
    let mut v = Verifier::new(path, opts);
    let mut buf = Vec::with_capacity(4096);
    loop {
        buf.clear();
        let n = r.read_until(b'\n', &mut buf)?;
        if n == 0 {
            break;
        }
        let terminated = buf.last() == Some(&b'\n');
        if terminated {
            buf.pop();
        }
        if let Some(e) = v.feed(&buf, terminated) {
            on_entry(e);
        }
    }
    Ok(v.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// The fast path accepts clean entries, and agrees with the slow path.
    #[test]
    fn fast_path_reads_clean_entries_as_the_slow_path_does() {
        use crate::entry::{Body, Citation, Fact, Genesis, Modality};
        let fact = Fact {
            id: "x".into(),
            subject: "CA-KP".into(),
            topic: "embassy".into(),
            statement: "Tab\there, quote \" and \u{1} and \u{1F600}.".into(),
            modality: Modality::Considered,
            value: Some(serde_json::json!({"\u{E000}": [1.5, -2, "s"], "\u{1F600}": {"a": true}})),
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
            let fast = read_clean_entry(text).expect("a clean entry takes the fast path");
            assert_eq!(fast.entry.as_ref(), Some(&e));
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
