//! How problems and errors read: compiler-style diagnostics drawn by
//! `annotate-snippets` (the renderer rustc uses), with the offending ledger line,
//! a caret or underline under the problem, and the hint.
//!
//! [`locate`] decides what part of a line a problem points at; the text, JSON and
//! GitHub renderings of `verify` all take their position from it, so they agree.
//!
//! Everything these diagnostics quote (the ledger line, its path, messages that
//! name ledger text or arguments, hints) goes through [`escape::terminal`]:
//! a hostile line's control bytes are shown as escapes, with the underline
//! still under the characters at fault, and nothing quoted can start a line.
//! The JSON forms carry the exact text and columns of the line.

use crate::chain::{Problem, ProblemKind};
use crate::error::Error;
use crate::escape;
use annotate_snippets::{Annotation, AnnotationKind, Group, Level, Origin, Renderer, Snippet};
use std::collections::{BTreeSet, HashMap};
use std::io::BufReader;
use std::ops::Range;
use std::path::Path;

/// Width the renderer fits a snippet into; longer lines (a ledger line can be
/// thousands of characters) are elided around the problem.
const WIDTH: usize = 100;

/// The part of a line a problem points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// Byte range in the line's text.
    pub bytes: Range<usize>,
    /// 1-based character columns, end excluded.
    pub start_column: usize,
    pub end_column: usize,
    /// A short label for the underline.
    pub label: Option<&'static str>,
}

/// The renderer: styled (ANSI colour) or plain.
fn renderer(styled: bool) -> Renderer {
    let r = if styled {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    r.term_width(WIDTH)
}

/// Where in `text` (the problem's line, without its line ending) a problem
/// points: the character at its column when it has one; else the member the
/// problem is about (the `"hash"` value of a hash mismatch, `"prev"` of a broken
/// link, ...); else the whole line. `None` when there is no text.
pub fn locate(p: &Problem, text: &str) -> Option<Located> {
    if let Some(col) = p.column {
        let start = byte_of_column(text, col);
        let end = text[start..]
            .chars()
            .next()
            .map_or(start, |c| start + c.len_utf8());
        return Some(located(text, start..end, None));
    }
    let member = |name: &str| member_value(text, name);
    let (range, label) = match p.kind {
        ProblemKind::Hash => (member("hash"), Some("stored hash")),
        ProblemKind::Prev => (member("prev"), Some("this link")),
        ProblemKind::Seq => (member("seq"), Some("this seq")),
        ProblemKind::Genesis => (member("kind"), Some("this kind")),
        ProblemKind::Reference => (quoted_id(text, &p.message, false), Some("this reference")),
        ProblemKind::Schema => (quoted_id(text, &p.message, true), None),
        ProblemKind::TornTail => (Some(text.len()..text.len()), Some("the line ends here")),
        ProblemKind::Crlf => (Some(text.len()..text.len()), Some("a CR before the LF")),
        ProblemKind::Bom => (Some(0..0), Some("byte-order mark")),
        _ => (None, None),
    };
    match range {
        Some(r) => Some(located(text, r, label)),
        None if text.is_empty() => None,
        None => Some(located(text, 0..text.len(), None)),
    }
}

fn located(text: &str, bytes: Range<usize>, label: Option<&'static str>) -> Located {
    let col = |b: usize| text[..b].chars().count() + 1;
    Located {
        start_column: col(bytes.start),
        end_column: col(bytes.end),
        bytes,
        label,
    }
}

/// The byte offset of 1-based character column `col` (the end when past it).
fn byte_of_column(text: &str, col: usize) -> usize {
    text.char_indices()
        .nth(col.saturating_sub(1))
        .map_or(text.len(), |(i, _)| i)
}

/// The byte range of the value of top-level member `name` in a line of
/// canonical JSON. Envelope members follow `body` in sorted order, so the last
/// occurrence of `"name":` is the envelope's own.
fn member_value(text: &str, name: &str) -> Option<Range<usize>> {
    let key = format!("\"{name}\":");
    let start = text.rfind(&key)? + key.len();
    let rest = &text[start..];
    let len = if let Some(s) = rest.strip_prefix('"') {
        s.find('"')? + 2
    } else {
        rest.find([',', '}']).unwrap_or(rest.len())
    };
    Some(start..start + len)
}

/// The first name quoted in backticks in `message` that occurs in `text` as a
/// JSON string; with `keys_first`, a name occurring as a member name (`"x":`) is
/// preferred (schema messages name members).
fn quoted_id(text: &str, message: &str, keys_first: bool) -> Option<Range<usize>> {
    let names = || message.split('`').skip(1).step_by(2);
    let find = |suffix: &str| {
        names().find_map(|id| {
            let needle = format!("\"{id}\"{suffix}");
            let quoted = id.len() + 2;
            text.find(&needle).map(|i| i..i + quoted)
        })
    };
    if keys_first && let Some(r) = find(":") {
        return Some(r);
    }
    find("")
}

/// Reads the given lines of a file (1-based), without line endings, as text
/// (invalid UTF-8 replaced) and with a byte-order mark on line 1 removed, the
/// way verification saw them.
pub fn read_lines(path: &Path, wanted: &BTreeSet<u64>) -> HashMap<u64, String> {
    let mut out = HashMap::new();
    let Some(&last) = wanted.iter().next_back() else {
        return out;
    };
    let Ok(f) = std::fs::File::open(path) else {
        return out;
    };
    let mut r = BufReader::new(f);
    let mut buf = Vec::new();
    for n in 1..=last {
        // Bounded like verify's own reads: a line over the maximum entry size
        // is skipped (its problem says how long it is), never held whole.
        match crate::lines::read_line(&mut r, &mut buf, crate::lines::MAX_ENTRY_BYTES) {
            Ok(crate::lines::Line::Eof) | Err(_) => break,
            Ok(crate::lines::Line::TooLong { .. }) => continue,
            Ok(crate::lines::Line::Fits { .. }) => {}
        }
        if wanted.contains(&n) {
            let mut b = buf.as_slice();
            b = b.strip_suffix(b"\r").unwrap_or(b);
            if n == 1 {
                b = b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b);
            }
            out.insert(n, String::from_utf8_lossy(b).into_owned());
        }
    }
    out
}

/// Where the text of a problem's line comes from, by 1-based line number.
pub trait LineSource {
    fn line(&mut self, n: u64) -> Option<&str>;
}

/// Lines already in memory (tests, and a caller that read them itself).
impl LineSource for HashMap<u64, String> {
    fn line(&mut self, n: u64) -> Option<&str> {
        self.get(&n).map(String::as_str)
    }
}

/// The lines of a ledger file, read as they are asked for, one at a time and
/// in one pass while line numbers only grow (problems come in line order);
/// an earlier line starts the reading over. Only the current line is held,
/// so showing any number of problems, each on a line of up to 1 MiB, holds
/// one line. Lines are as verification saw them ([`read_lines`]).
pub struct FileLines {
    path: std::path::PathBuf,
    reader: Option<BufReader<std::fs::File>>,
    /// The number of the line `buf` holds (0: none read yet).
    at: u64,
    /// Whether `buf` holds that line (not an over-long or unreadable one).
    held: bool,
    buf: Vec<u8>,
    text: String,
}

impl FileLines {
    pub fn new(path: &Path) -> FileLines {
        FileLines {
            path: path.to_path_buf(),
            reader: None,
            at: 0,
            held: false,
            buf: Vec::new(),
            text: String::new(),
        }
    }
}

impl LineSource for FileLines {
    fn line(&mut self, n: u64) -> Option<&str> {
        if n == 0 {
            return None;
        }
        if n < self.at || self.reader.is_none() {
            self.reader = std::fs::File::open(&self.path).ok().map(BufReader::new);
            self.at = 0;
            self.held = false;
        }
        let r = self.reader.as_mut()?;
        while self.at < n {
            self.at += 1;
            // Bounded like verify's own reads: a line over the maximum entry
            // size is skipped (its problem says how long it is).
            match crate::lines::read_line(r, &mut self.buf, crate::lines::MAX_ENTRY_BYTES) {
                Ok(crate::lines::Line::Fits { .. }) => self.held = true,
                Ok(crate::lines::Line::TooLong { .. }) => self.held = false,
                Ok(crate::lines::Line::Eof) | Err(_) => {
                    self.reader = None;
                    return None;
                }
            }
            if self.at == n && self.held {
                let mut b = self.buf.as_slice();
                b = b.strip_suffix(b"\r").unwrap_or(b);
                if n == 1 {
                    b = b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b);
                }
                self.text = String::from_utf8_lossy(b).into_owned();
            }
        }
        self.held.then_some(self.text.as_str())
    }
}

/// The text of a problem's line, from `texts`.
pub fn text_of<'a>(p: &Problem, texts: &'a mut dyn LineSource) -> Option<&'a str> {
    p.line.and_then(|l| texts.line(l))
}

/// A long line marked whole is marked at its start instead: the renderer
/// would elide the middle of a wall of carets.
fn short(text: &str, bytes: Range<usize>) -> Range<usize> {
    if bytes == (0..text.len()) && text.chars().count() > 60 {
        0..text.chars().next().map_or(0, char::len_utf8)
    } else {
        bytes
    }
}

/// Line `line` of the ledger at `path`, escaped for the terminal, with `at`
/// marked and labelled. `text` is the escaped line, made here so that it
/// lives as long as the snippet that borrows it.
fn marked<'a>(
    text: &'a mut String,
    raw: &str,
    line: u64,
    path: &Path,
    at: Located,
) -> Snippet<'a, Annotation<'a>> {
    let (shown, span) = escape::terminal_mapped(raw, short(raw, at.bytes));
    *text = shown;
    let mut ann = AnnotationKind::Primary.span(span);
    if let Some(label) = at.label {
        ann = ann.label(label);
    }
    Snippet::source(text.as_str())
        .line_start(line as usize)
        .path(shown_path(path))
        .annotation(ann)
}

/// A path as diagnostics show it.
fn shown_path(path: &Path) -> String {
    escape::terminal(&path.display().to_string()).into_owned()
}

/// The text of a damaged ledger's line `line`, and where reading it on its
/// own finds a problem (a problem spanning lines marks the line's start).
fn damaged_at(path: &Path, line: u64) -> Option<(String, Located)> {
    let text = read_lines(path, &BTreeSet::from([line])).remove(&line)?;
    if text.is_empty() {
        return None;
    }
    let read = crate::chain::read_entry(&text);
    let at = read
        .problems
        .first()
        .and_then(|p| locate(p, &text))
        .unwrap_or_else(|| located(&text, 0..text.len(), None));
    Some((text, at))
}

/// An error as one JSON object, for commands run with `--format json`:
/// `{"error": {"kind", "message", "path", "line", "seq", "span", "help"}}`.
pub fn error_json(e: &Error) -> serde_json::Value {
    let (path, line, seq) = match e {
        Error::Io { path, .. } => (Some(path), None, None),
        Error::Usage { .. } | Error::Ambiguous { .. } => (None, None, None),
        Error::Refused { path, seq, .. } => (Some(path), seq.map(|s| s + 1), *seq),
        Error::Conflicts { path, .. } => (Some(path), None, None),
        Error::Damaged { path, line, .. } => (Some(path), (*line > 0).then_some(*line), None),
        Error::Unverified { path, .. } => (Some(path), None, None),
    };
    let span = match e {
        Error::Damaged { path, line, .. } if *line > 0 => damaged_at(path, *line).map(|(_, at)| {
            serde_json::json!({"start": at.start_column, "end": at.end_column, "label": at.label})
        }),
        _ => None,
    };
    serde_json::json!({"error": {
        "kind": e.kind(),
        "message": e.to_string(),
        "path": path.map(|p| p.display().to_string()),
        "line": line,
        "seq": seq,
        "span": span,
        "help": e.help(),
    }})
}

/// A verification problem, compiler style: `error[kind]: line N (seq S): ...`,
/// the path and position, the line with the problem marked, and the hint.
pub fn render_problem(p: &Problem, path: &Path, text: Option<&str>, styled: bool) -> String {
    let headline = p.headline();
    let headline = escape::terminal(&headline);
    let help = p.help.as_deref().map(escape::terminal);
    let title = Level::ERROR.primary_title(headline).id(p.kind.as_str());
    let located = text
        .zip(p.line)
        .and_then(|(t, l)| Some((t, l, locate(p, t)?)));
    let mut shown = String::new();
    let mut group = match located {
        Some((t, l, at)) => title.element(marked(&mut shown, t, l, path, at)),
        None => {
            let mut origin = Origin::path(shown_path(path));
            if let Some(l) = p.line {
                origin = origin.line(l as usize);
                if let Some(c) = p.column {
                    origin = origin.char_column(c);
                }
            }
            title.element(origin)
        }
    };
    if let Some(h) = help {
        group = group.element(Level::HELP.message(h));
    }
    renderer(styled).render(&[group])
}

/// An error of any command, compiler style: `error: ...`, where it is, and the
/// hint; every quoted path and text escaped for the terminal.
pub fn render_error(e: &Error, styled: bool) -> String {
    let message = e.shown(escape::terminal);
    let mut group = Group::with_title(Level::ERROR.primary_title(message.as_str()));
    let location = e.location().map(|l| escape::terminal(&l).into_owned());
    let damaged = match e {
        Error::Damaged { path, line, .. } if *line > 0 => damaged_at(path, *line),
        _ => None,
    };
    let mut shown = String::new();
    if let Some(at) = &location {
        group = group.element(Level::NOTE.message(at.as_str()));
    } else if let Error::Damaged { path, line, .. } = e
        && *line > 0
    {
        group = match &damaged {
            Some((text, at)) => group.element(marked(&mut shown, text, *line, path, at.clone())),
            None => group.element(Origin::path(shown_path(path)).line(*line as usize)),
        };
    }
    let help = e.help().map(escape::terminal);
    if let Some(h) = help {
        group = group.element(Level::HELP.message(h));
    }
    renderer(styled).render(&[group])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(kind: ProblemKind, column: Option<usize>, message: &str) -> Problem {
        Problem {
            kind,
            line: Some(2),
            seq: Some(1),
            message: message.into(),
            column,
            help: None,
        }
    }

    const LINE: &str = r#"{"body":{"hash":"x","target":"f1"},"format":1,"hash":"abc","kind":"fact","prev":"def","recorded":"t","seq":12}"#;

    #[test]
    fn members_are_found_outside_the_body() {
        let at = |kind, msg| {
            let l = locate(&problem(kind, None, msg), LINE).unwrap();
            &LINE[l.bytes]
        };
        assert_eq!(at(ProblemKind::Hash, ""), "\"abc\"");
        assert_eq!(at(ProblemKind::Prev, ""), "\"def\"");
        assert_eq!(at(ProblemKind::Seq, ""), "12");
        assert_eq!(at(ProblemKind::Genesis, ""), "\"fact\"");
        assert_eq!(at(ProblemKind::Reference, "no fact `f1` is live"), "\"f1\"");
        assert_eq!(
            at(ProblemKind::Schema, "`fact` body: unknown field `target`"),
            "\"target\""
        );
        assert_eq!(at(ProblemKind::Schema, "missing member `zz`"), LINE);
    }

    #[test]
    fn columns_are_characters_not_bytes() {
        let text = "ééx";
        let l = locate(&problem(ProblemKind::Syntax, Some(3), ""), text).unwrap();
        assert_eq!(l.bytes, 4..5);
        assert_eq!((l.start_column, l.end_column), (3, 4));
        let past = locate(&problem(ProblemKind::Syntax, Some(9), ""), text).unwrap();
        assert_eq!(past.bytes, 5..5);
    }
}
