//! Checking citations against an archived copy of a source's text.
//!
//! A citation's locator says where in the source a statement rests: paragraph
//! `p` (paragraphs are maximal runs of non-blank lines, a blank line being empty
//! or white space only, numbered from 1, their lines joined by `\n`), a span of
//! characters `[a, b)` (Unicode scalar values, within the paragraph when one is
//! given, else within the whole text) and a verbatim quote. [`check`] confirms
//! that every citation of one source points at text that exists and says what
//! the quote says, and that the file is the archived text the source recorded
//! (its SHA-256). A citation of a fact that is still live, or of a dispute of
//! one, is *current*: its mismatches fail the check. Citations of superseded
//! or retracted facts (and of disputes of them) are *history*: their
//! mismatches are reported but do not fail it, since the ledger has already
//! moved past them.

use crate::entry::{Body, Citation, Entry};
use crate::hash::sha256;
use crate::locate;
use crate::replay::{State, Status};

/// The paragraphs of a text.
pub fn paragraphs(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                out.push(current.join("\n"));
                current.clear();
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        out.push(current.join("\n"));
    }
    out
}

/// What holds a citation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// A fact (recorded by a `fact` entry or as the new version of a `supersede`).
    Fact,
    /// A `dispute` entry of a fact.
    Dispute,
}

/// Where the fact a citation belongs to (or the disputed fact) stands now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    Live,
    Superseded { by: String, seq: u64 },
    Retracted { seq: u64 },
}

impl Standing {
    fn of(state: &State, fact: &str) -> Standing {
        match state.fact(fact).map(|r| &r.status) {
            Some(Status::Superseded { by, seq, .. }) => Standing::Superseded {
                by: by.clone(),
                seq: *seq,
            },
            Some(Status::Retracted { seq, .. }) => Standing::Retracted { seq: *seq },
            _ => Standing::Live,
        }
    }

    /// `superseded by `x` at seq 9`, `retracted at seq 9`, `live`.
    pub fn describe(&self) -> String {
        match self {
            Standing::Live => "live".into(),
            Standing::Superseded { by, seq } => format!("superseded by `{by}` at seq {seq}"),
            Standing::Retracted { seq } => format!("retracted at seq {seq}"),
        }
    }

    pub fn is_live(&self) -> bool {
        *self == Standing::Live
    }
}

/// One citation that does not match the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The entry holding the citation.
    pub seq: u64,
    pub holder: Holder,
    /// The fact it supports (for a dispute, the disputed fact).
    pub fact: String,
    /// Where that fact stands: only a live one's mismatches fail a check.
    pub standing: Standing,
    pub message: String,
    /// Where the quote does occur in the text (`pN:A-B`), when it does.
    pub occurs_at: Vec<String>,
}

impl Mismatch {
    /// `fact `x`` or `dispute of `x``.
    pub fn what(&self) -> String {
        match self.holder {
            Holder::Fact => format!("fact `{}`", self.fact),
            Holder::Dispute => format!("dispute of `{}`", self.fact),
        }
    }
}

/// The outcome of [`check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// Citations of the source that were checked (current and history).
    pub citations: usize,
    /// SHA-256 of the file, and the one the source recorded, if any.
    pub sha256: String,
    pub recorded_sha256: Option<String>,
    /// Mismatches of current citations: each fails the check.
    pub mismatches: Vec<Mismatch>,
    /// Mismatches of history citations: reported, not failures.
    pub history: Vec<Mismatch>,
}

impl Checked {
    pub fn sha_differs(&self) -> bool {
        self.recorded_sha256
            .as_ref()
            .is_some_and(|r| *r != self.sha256)
    }

    pub fn ok(&self) -> bool {
        self.mismatches.is_empty() && !self.sha_differs()
    }
}

/// Every citation in `entries`, with the seq of its entry, what holds it and
/// the fact it supports.
pub fn cited(entries: &[Entry]) -> Vec<(u64, Holder, &str, &Citation)> {
    let mut out = Vec::new();
    for e in entries {
        match &e.body {
            Body::Fact(f) => out.extend(
                f.citations
                    .iter()
                    .map(|c| (e.seq, Holder::Fact, f.id.as_str(), c)),
            ),
            Body::Supersede(s) => out.extend(
                s.fact
                    .citations
                    .iter()
                    .map(|c| (e.seq, Holder::Fact, s.fact.id.as_str(), c)),
            ),
            Body::Dispute(d) => out.push((e.seq, Holder::Dispute, d.target.as_str(), &d.citation)),
            _ => {}
        }
    }
    out
}

/// Checks every citation of `source` in `entries` against `text`; `state` is
/// the ledger replayed to its end (for which facts are live).
pub fn check(entries: &[Entry], state: &State, source: &str, text: &str) -> Checked {
    let paras = paragraphs(text);
    let mut out = Checked {
        citations: 0,
        sha256: sha256(text.as_bytes()).to_hex(),
        recorded_sha256: state.source(source).and_then(|s| s.source.sha256.clone()),
        mismatches: Vec::new(),
        history: Vec::new(),
    };
    for (seq, holder, fact, c) in cited(entries) {
        if c.source != source {
            continue;
        }
        out.citations += 1;
        if let Err(message) = check_one(c, &paras, text) {
            let occurs_at: Vec<String> = c
                .quote
                .as_deref()
                .map(|q| {
                    locate::locate(text, q, None)
                        .iter()
                        .filter(|m| m.text == q)
                        .map(locate::Match::locator)
                        .collect()
                })
                .unwrap_or_default();
            let m = Mismatch {
                seq,
                holder,
                fact: fact.to_string(),
                standing: Standing::of(state, fact),
                message: with_occurrences(message, &occurs_at),
                occurs_at,
            };
            if m.standing.is_live() {
                out.mismatches.push(m);
            } else {
                out.history.push(m);
            }
        }
    }
    out
}

/// The outcome of checking one source's citations against its archived text.
#[derive(Debug)]
pub enum SourceCheck {
    /// The text was read and every citation of the source checked.
    Checked {
        source: String,
        file: std::path::PathBuf,
        checked: Checked,
    },
    /// The source records an archived text that is missing or altered.
    Unusable {
        source: String,
        /// Seq of the entry that recorded the text: the one that registered
        /// the source, or the last amendment that changed its `sha256`.
        seq: u64,
        unusable: crate::archive::Unusable,
        /// For an altered text that is still UTF-8: its citations checked
        /// against it anyway, to name what the change broke (the file is
        /// reported as altered whatever this finds).
        checked: Option<Checked>,
    },
    /// The source records no archived text: its citations cannot be checked.
    NoText { source: String },
}

impl SourceCheck {
    /// Whether this fails a check: a live citation that does not match, or
    /// an archived text that is missing or altered.
    pub fn failed(&self) -> bool {
        match self {
            SourceCheck::Checked { checked, .. } => !checked.ok(),
            SourceCheck::Unusable { .. } => true,
            SourceCheck::NoText { .. } => false,
        }
    }
}

/// Checks the citations of every registered source (or of `only`) against
/// its text in `archive`, in registration order.
pub fn check_sources(
    entries: &[Entry],
    state: &State,
    archive: &crate::archive::Archive,
    only: Option<&str>,
) -> Vec<SourceCheck> {
    let mut out = Vec::new();
    for r in &state.sources {
        let id = r.source.id.as_str();
        if only.is_some_and(|o| o != id) {
            continue;
        }
        out.push(match &r.source.sha256 {
            None => SourceCheck::NoText {
                source: id.to_string(),
            },
            Some(sha) => match archive.text(sha) {
                Ok(text) => SourceCheck::Checked {
                    source: id.to_string(),
                    file: archive.path_of(sha),
                    checked: check(entries, state, id, &text),
                },
                Err(unusable) => SourceCheck::Unusable {
                    checked: match &unusable {
                        crate::archive::Unusable::Altered { path, .. } => std::fs::read(path)
                            .ok()
                            .and_then(|b| String::from_utf8(b).ok())
                            .map(|text| check(entries, state, id, &text)),
                        _ => None,
                    },
                    source: id.to_string(),
                    // The entry that recorded this text: the registration,
                    // or the amendment that gave the source another text.
                    seq: r
                        .amendments
                        .iter()
                        .rev()
                        .find(|a| a.changes.iter().any(|(m, _, _)| m == "sha256"))
                        .map_or(r.seq, |a| a.seq),
                    unusable,
                },
            },
        });
    }
    out
}

/// `message`, followed by where the quote does occur.
fn with_occurrences(message: String, at: &[String]) -> String {
    match at {
        [] => message,
        [one] => format!("{message}; the quote occurs at {one}"),
        many => format!("{message}; the quote occurs at {}", many.join(", ")),
    }
}

/// `1 paragraph`, `2 paragraphs`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Checks one citation against the paragraphs and the whole text: the
/// paragraph exists, the span lies within it, and the quote equals the
/// spanned characters (or, without a span, occurs in the paragraph).
pub fn check_one(c: &Citation, paras: &[String], text: &str) -> Result<(), String> {
    let (scope, name): (&str, String) = match c.paragraph {
        Some(p) => match (p as usize).checked_sub(1).and_then(|i| paras.get(i)) {
            Some(t) => (t, format!("paragraph {p}")),
            None => {
                return Err(format!(
                    "paragraph {p} does not exist: the text has {}",
                    count(paras.len(), "paragraph", "paragraphs")
                ));
            }
        },
        None => (text, "the text".to_string()),
    };
    let len = scope.chars().count();
    let spanned: Option<String> = match c.span {
        Some([a, b]) => {
            if b as usize > len {
                return Err(format!(
                    "span {a}-{b} runs past the end of {name} ({})",
                    count(len, "character", "characters")
                ));
            }
            Some(locate::slice_chars(scope, a, b))
        }
        None => None,
    };
    match (&c.quote, spanned) {
        (Some(q), Some(s)) if *q != s => {
            let typography = if locate::same_folded(&s, q) {
                " (they differ only in quotation marks, dashes or white space)"
            } else {
                ""
            };
            Err(format!(
                "the quote does not match its span: span {}-{} of {name} reads “{s}”, the quote is “{q}”{typography}",
                c.span.map_or(0, |s| s[0]),
                c.span.map_or(0, |s| s[1]),
            ))
        }
        (Some(q), None) if !scope.contains(q.as_str()) => {
            Err(format!("the quote “{q}” does not occur in {name}"))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_are_runs_of_non_blank_lines() {
        let p = paragraphs("a\nb\n\n  \nc\n\n\nd");
        assert_eq!(p, ["a\nb", "c", "d"]);
    }

    #[test]
    fn spans_count_characters_and_quotes_must_match() {
        let paras = paragraphs("Intro\n\nCanada’s embassy — closed.\n");
        let cite = |paragraph, span, quote: Option<&str>| Citation {
            source: "s".into(),
            paragraph,
            span,
            quote: quote.map(str::to_string),
        };
        let text = "";
        assert!(check_one(&cite(Some(2), Some([0, 8]), Some("Canada’s")), &paras, text).is_ok());
        assert!(check_one(&cite(Some(2), None, Some("— closed")), &paras, text).is_ok());
        let e = check_one(&cite(Some(2), Some([0, 8]), Some("Canada's")), &paras, text);
        let e = e.unwrap_err();
        assert!(e.contains("reads “Canada’s”"), "{e}");
        assert!(e.contains("differ only in quotation marks"), "{e}");
        let e = check_one(&cite(Some(3), None, None), &paras, text);
        assert!(e.unwrap_err().contains("has 2 paragraphs"));
        let e = check_one(&cite(Some(1), Some([0, 9]), None), &paras, text);
        assert!(e.unwrap_err().contains("runs past the end"));
        let e = check_one(&cite(Some(1), None, Some("embassy")), &paras, text);
        assert!(e.unwrap_err().contains("does not occur in paragraph 1"));
        let one = paragraphs("x\n");
        let e = check_one(&cite(Some(2), None, None), &one, text);
        assert!(e.unwrap_err().contains("has 1 paragraph"));
    }
}
