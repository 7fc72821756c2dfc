//! Checking citations against an archived copy of a source's text.
//!
//! A citation's locator says where in the source a statement rests: paragraph
//! `p` (paragraphs are maximal runs of non-blank lines, a blank line being empty
//! or white space only, numbered from 1, their lines joined by `\n`), a span of
//! characters `[a, b)` (Unicode scalar values, within the paragraph when one is
//! given, else within the whole text) and a verbatim quote. [`check`] confirms
//! that every citation of one source points at text that exists and says what
//! the quote says, and that the file is the archived text the source recorded
//! (its SHA-256).

use crate::entry::{Body, Citation, Entry};
use crate::hash::sha256;

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

/// One citation that does not match the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The entry holding the citation.
    pub seq: u64,
    /// The fact it supports (for a dispute, the disputed fact).
    pub fact: String,
    pub message: String,
}

/// The outcome of [`check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// Citations of the source that were checked.
    pub citations: usize,
    /// SHA-256 of the file, and the one the source recorded, if any.
    pub sha256: String,
    pub recorded_sha256: Option<String>,
    pub mismatches: Vec<Mismatch>,
}

impl Checked {
    pub fn ok(&self) -> bool {
        self.mismatches.is_empty()
            && self
                .recorded_sha256
                .as_ref()
                .is_none_or(|r| *r == self.sha256)
    }
}

/// Checks every citation of `source` in `entries` against `text`.
pub fn check(entries: &[Entry], source: &str, text: &str) -> Checked {
    let paras = paragraphs(text);
    let mut out = Checked {
        citations: 0,
        sha256: sha256(text.as_bytes()).to_hex(),
        recorded_sha256: None,
        mismatches: Vec::new(),
    };
    for e in entries {
        let cited: Vec<(&str, &Citation)> = match &e.body {
            Body::Source(s) if s.id == source => {
                out.recorded_sha256 = s.sha256.clone();
                continue;
            }
            // An amendment may correct the archived text's digest.
            Body::Amend(a) if a.target == source => {
                if let Some(h) = a.set.as_ref().and_then(|c| c.sha256.clone()) {
                    out.recorded_sha256 = Some(h);
                }
                if a.unset
                    .iter()
                    .flatten()
                    .any(|m| *m == crate::entry::SourceMember::Sha256)
                {
                    out.recorded_sha256 = None;
                }
                continue;
            }
            Body::Fact(f) => f.citations.iter().map(|c| (f.id.as_str(), c)).collect(),
            Body::Supersede(s) => s
                .fact
                .citations
                .iter()
                .map(|c| (s.fact.id.as_str(), c))
                .collect(),
            Body::Dispute(d) => vec![(d.target.as_str(), &d.citation)],
            _ => continue,
        };
        for (fact, c) in cited.into_iter().filter(|(_, c)| c.source == source) {
            out.citations += 1;
            if let Err(message) = check_one(c, &paras, text) {
                out.mismatches.push(Mismatch {
                    seq: e.seq,
                    fact: fact.to_string(),
                    message,
                });
            }
        }
    }
    out
}

fn check_one(c: &Citation, paras: &[String], text: &str) -> Result<(), String> {
    let (scope, name): (&str, String) = match c.paragraph {
        Some(p) => match paras.get(p as usize - 1) {
            Some(t) => (t, format!("paragraph {p}")),
            None => {
                return Err(format!(
                    "paragraph {p} does not exist: the text has {} paragraphs",
                    paras.len()
                ));
            }
        },
        None => (text, "the text".to_string()),
    };
    let chars: Vec<char> = scope.chars().collect();
    let spanned: Option<String> = match c.span {
        Some([a, b]) => {
            if b as usize > chars.len() {
                return Err(format!(
                    "span {a}-{b} runs past the end of {name} ({} characters)",
                    chars.len()
                ));
            }
            Some(chars[a as usize..b as usize].iter().collect())
        }
        None => None,
    };
    match (&c.quote, spanned) {
        (Some(q), Some(s)) if *q != s => Err(format!(
            "the quote does not match its span: span {}-{} of {name} reads “{s}”, the quote is “{q}”",
            c.span.map_or(0, |s| s[0]),
            c.span.map_or(0, |s| s[1]),
        )),
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
        assert!(e.unwrap_err().contains("reads “Canada’s”"));
        let e = check_one(&cite(Some(3), None, None), &paras, text);
        assert!(e.unwrap_err().contains("has 2 paragraphs"));
        let e = check_one(&cite(Some(1), Some([0, 9]), None), &paras, text);
        assert!(e.unwrap_err().contains("runs past the end"));
        let e = check_one(&cite(Some(1), None, Some("embassy")), &paras, text);
        assert!(e.unwrap_err().contains("does not occur in paragraph 1"));
    }
}
