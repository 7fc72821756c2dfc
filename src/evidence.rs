//! Citations located and checked at write time, against the archived text of
//! the cited source (docs/FORMAT.md 5.1.1).
//!
//! `add`, `supersede`, `dispute` and `import` pass every new citation through
//! a [`Resolver`] inside the `build` step of their append, under the ledger's
//! lock. A quote without a span is located in the text (within the given
//! paragraph, if any) and the citation gets its paragraph, its span and the
//! text's exact characters as its quote; a quote with a span must be what the
//! span holds (typography aside), and is then stored as the text has it. A
//! locator without a quote must point inside the text. Anything else is
//! refused with where the quote actually is, or the nearest passages when it
//! is nowhere. A source that records no archived text keeps its citations as
//! given; the resolver notes that once per source.

use crate::archive::Archive;
use crate::citations::{count, paragraphs};
use crate::entry::{Amend, Body, Citation, Source, SourceMember};
use crate::error::{Error, Result};
use crate::locate::{self, Match};
use crate::store::{self, Prior};
use crate::{ids, replay};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The source `given` names in the ledger at `path`, as amended so far, for
/// a command that reads (`locate`): `given` is its id or the only source id
/// it is a prefix of (a prefix of several is refused, listing them). One
/// pass over the lines that register or amend a source ([`store::scan_for`]:
/// each such line read on its own, its hash checked; the first registration
/// of an id counts). Writers ask [`store::Prior::source`] instead, which
/// answers through the index.
pub fn find_source(path: &Path, given: &str) -> Result<Option<Source>> {
    let mut sources: Vec<(u64, Source)> = Vec::new();
    let mut amends: Vec<Amend> = Vec::new();
    store::scan_for(
        path,
        &[b"\"kind\":\"source\"", b"\"kind\":\"amend\""],
        |e| {
            match e.body {
                Body::Source(s) if !sources.iter().any(|(_, x)| x.id == s.id) => {
                    sources.push((e.seq, s));
                }
                Body::Amend(a) => amends.push(a),
                _ => {}
            }
            true
        },
    )?;
    let id = match ids::resolve(given, sources.iter().map(|(_, s)| s.id.as_str())) {
        ids::Resolved::One(id) => id,
        ids::Resolved::None => return Ok(None),
        ids::Resolved::Ambiguous(c) => {
            return Err(ids::ambiguous("source", given, &c, |id| {
                match sources.iter().find(|(_, s)| s.id == id) {
                    Some((seq, s)) => format!("{id}  source, seq {seq}: {}", s.title),
                    None => id.to_string(),
                }
            }));
        }
    };
    let Some((_, mut source)) = sources.into_iter().find(|(_, s)| s.id == id) else {
        return Ok(None);
    };
    for a in amends.iter().filter(|a| a.target == id) {
        replay::amend(&mut source, a);
    }
    Ok(Some(source))
}

/// A source's archived text, read and checked.
#[derive(Debug, Clone)]
pub struct Archived {
    pub text: String,
    pub path: PathBuf,
    pub sha256: String,
}

/// The archived text of registered source `id` (or a unique prefix of its
/// id) of the ledger at `ledger`, with the source as amended; a usage error
/// (exit 2) when there is no such source, it records no archived text, or
/// the archive's copy is missing or altered.
pub fn archived_text(ledger: &Path, archive: &Archive, id: &str) -> Result<(Source, Archived)> {
    let source = find_source(ledger, id)?.ok_or_else(|| {
        Error::usage(
            format!("{}: no source has the id `{id}`", ledger.display()),
            Some("list sources with `ledger sources`".into()),
        )
    })?;
    let sha = source.sha256.clone().ok_or_else(|| {
        Error::usage(
            format!("source `{}` records no archived text", source.id),
            Some("give its text with --file PATH; a source gets an archived text when it is registered with `ledger source add --file PATH` (or amended with `ledger source amend ID --file PATH`)".into()),
        )
    })?;
    let text = archive.text(&sha).map_err(|u| u.into_error(&source.id))?;
    let archived = Archived {
        text,
        path: archive.path_of(&sha),
        sha256: sha,
    };
    Ok((source, archived))
}

/// A citation refused at write time: what is wrong and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub message: String,
    pub help: Option<String>,
}

impl Refusal {
    /// As the refusal of the entry that would have had `seq` in `ledger`,
    /// prefixed with `label` (e.g. `batch.jsonl:3`) when given.
    pub fn into_error(self, ledger: &Path, seq: u64, label: Option<String>) -> Error {
        Error::Refused {
            path: ledger.to_path_buf(),
            seq: Some(seq),
            message: match label {
                Some(l) => format!("{l}: {}", self.message),
                None => self.message,
            },
            help: self.help,
        }
    }
}

/// A source's archived text, as far as the resolver knows it.
enum Text {
    /// No source has this id (the append's own checks refuse the citation).
    Unregistered,
    /// The source records no archived text; `noted`: it is among the
    /// sources whose citations could not be checked.
    None {
        noted: bool,
    },
    Archived {
        text: String,
        path: PathBuf,
    },
}

/// Resolves citations against archived texts, reading each source and text
/// once.
pub struct Resolver {
    archive: Archive,
    texts: HashMap<String, Text>,
    /// Sources registered or given another text by earlier entries of the
    /// same write (an import): their recorded SHA-256, if any.
    pending: HashMap<String, Option<String>>,
    /// Sources whose citations could not be checked, in the order met.
    unchecked: Vec<String>,
    /// The same, for looking up (an import can cite thousands of sources
    /// without texts: a scan of the list per citation was quadratic).
    unchecked_ids: std::collections::HashSet<String>,
    /// Citations located in an archived text so far (which may have
    /// changed them).
    located: u64,
}

/// How many sources without an archived text [`Resolver::notes`] names.
pub const NOTES_SHOWN: usize = 10;

impl Resolver {
    pub fn new(archive: Archive) -> Resolver {
        Resolver {
            archive,
            texts: HashMap::new(),
            pending: HashMap::new(),
            unchecked: Vec::new(),
            unchecked_ids: std::collections::HashSet::new(),
            located: 0,
        }
    }

    /// One note per cited source that records no archived text, for the
    /// first [`NOTES_SHOWN`]; the rest are counted in one more note (an
    /// import can cite tens of thousands of such sources).
    pub fn notes(&self) -> Vec<String> {
        let mut notes: Vec<String> = self
            .unchecked
            .iter()
            .take(NOTES_SHOWN)
            .map(|s| {
                format!(
                    "note: source `{s}` has no archived text, so its citations are stored as given and cannot be checked"
                )
            })
            .collect();
        let more = self.unchecked.len().saturating_sub(NOTES_SHOWN);
        if more > 0 {
            notes.push(format!(
                "note: {more} more cited source{} no archived text either, so {} citations are stored as given and cannot be checked",
                if more == 1 { " has" } else { "s have" },
                if more == 1 { "its" } else { "their" },
            ));
        }
        notes
    }

    /// Resolves every citation of a body that has any, looking sources up
    /// in the ledger before the write through `prior`. A source registered
    /// by the body is known to the citations of later bodies.
    pub fn resolve_body(&mut self, body: &mut Body, prior: &Prior) -> Result<(), Refusal> {
        match body {
            Body::Source(s) => {
                self.pending.insert(s.id.clone(), s.sha256.clone());
                Ok(())
            }
            Body::Fact(f) => f
                .citations
                .iter_mut()
                .try_for_each(|c| self.resolve(c, prior)),
            Body::Supersede(s) => s
                .fact
                .citations
                .iter_mut()
                .try_for_each(|c| self.resolve(c, prior)),
            Body::Dispute(d) => self.resolve(&mut d.citation, prior),
            // An amendment that gives the source another text (or none):
            // the citations of later bodies are checked against that one.
            Body::Amend(a) => {
                let unset = a.unset.iter().flatten().any(|m| *m == SourceMember::Sha256);
                match a.set.as_ref().and_then(|c| c.sha256.clone()) {
                    Some(sha) => {
                        self.pending.insert(a.target.clone(), Some(sha));
                    }
                    None if unset => {
                        self.pending.insert(a.target.clone(), None);
                    }
                    None => return Ok(()),
                }
                self.texts.remove(&a.target);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Looks up the text of `source` in the ledger and the archive and
    /// keeps what it finds (called once per source, when first cited).
    fn load(&mut self, source: &str, prior: &Prior) -> Result<(), Refusal> {
        let refusal = |e: Error| Refusal {
            message: e.to_string(),
            help: e.help().map(str::to_string),
        };
        let found = match self.pending.get(source) {
            Some(sha) => Some(sha.clone()),
            None => prior.source(source).map_err(refusal)?.map(|s| s.sha256),
        };
        let t = match found {
            None => Text::Unregistered,
            Some(None) => Text::None {
                noted: self.unchecked_ids.contains(source),
            },
            Some(Some(sha)) => match self.archive.text(&sha) {
                Ok(text) => Text::Archived {
                    text,
                    path: self.archive.path_of(&sha),
                },
                Err(u) => {
                    return Err(Refusal {
                        message: u.message(source),
                        help: Some(u.help()),
                    });
                }
            },
        };
        self.texts.insert(source.to_string(), t);
        Ok(())
    }

    /// Locates and checks one citation in place (see the module doc).
    pub fn resolve(&mut self, c: &mut Citation, prior: &Prior) -> Result<(), Refusal> {
        if c.paragraph.is_none() && c.span.is_none() && c.quote.is_none() {
            return Ok(());
        }
        // Two lookups for a source already met (every citation but the
        // first of each source: an import cites thousands).
        if !self.texts.contains_key(&c.source) {
            self.load(&c.source, prior)?;
        }
        match self.texts.get_mut(&c.source) {
            None | Some(Text::Unregistered) => Ok(()),
            Some(Text::None { noted }) => {
                if !*noted {
                    *noted = true;
                    if self.unchecked_ids.insert(c.source.clone()) {
                        self.unchecked.push(c.source.clone());
                    }
                }
                Ok(())
            }
            Some(Text::Archived { text, path }) => {
                self.located += 1;
                resolve_in(c, text, path)
            }
        }
    }

    /// How many citations were located in an archived text so far: when a
    /// body's resolution changes this count, the body may have changed.
    pub fn changed(&self) -> u64 {
        self.located
    }
}

/// `“text”` shortened to about 80 characters.
fn quoted(s: &str) -> String {
    let s = &locate::one_line(s);
    let n = s.chars().count();
    if n <= 80 {
        format!("“{s}”")
    } else {
        let head: String = s.chars().take(77).collect();
        format!("“{head}…”")
    }
}

/// `p5:155-217 “…”` per match, separated by `; `.
fn list(matches: &[Match]) -> String {
    matches
        .iter()
        .map(|m| format!("{} {}", m.locator(), quoted(&m.text)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The refusal for a quote that occurs nowhere: the nearest passages.
fn nowhere(text: &str, quote: &str, source: &str, path: &Path) -> Refusal {
    let near = locate::nearest(text, quote, 3);
    let mut message = format!(
        "the quote {} does not occur in the archived text of source `{source}` ({})",
        quoted(quote),
        path.display()
    );
    if near.is_empty() {
        message.push_str("; no passage comes close");
    } else {
        let near: Vec<String> = near
            .iter()
            .map(|n| {
                format!(
                    "{} {} ({} differ)",
                    n.at.locator(),
                    quoted(&n.at.text),
                    count(n.edits, "character", "characters")
                )
            })
            .collect();
        message.push_str(&format!("; nearest: {}", near.join("; ")));
    }
    Refusal {
        message,
        help: Some(format!(
            "quote the words as the text has them (quotation marks, dashes and white space may differ); `ledger locate {source} QUOTE` shows where a quote is"
        )),
    }
}

/// [`Resolver::resolve`] against a known text, at `path` in the archive.
pub fn resolve_in(c: &mut Citation, text: &str, path: &Path) -> Result<(), Refusal> {
    let source = c.source.clone();
    let paras = paragraphs(text);
    if let Some(p) = c.paragraph
        && (p == 0 || p as usize > paras.len())
    {
        return Err(Refusal {
            message: format!(
                "paragraph {p} of source `{source}` does not exist: its archived text has {}",
                count(paras.len(), "paragraph", "paragraphs")
            ),
            help: c
                .quote
                .as_deref()
                .and_then(|q| located_help(text, q))
                .or(Some(format!(
                    "`ledger locate {source} QUOTE` shows where a quote is"
                ))),
        });
    }
    let scope_of = |p: Option<u32>| -> (String, String) {
        match p {
            Some(p) => (paras[p as usize - 1].clone(), format!("paragraph {p}")),
            None => (text.to_string(), "the text".to_string()),
        }
    };
    let Some(quote) = c.quote.clone() else {
        if let Some([a, b]) = c.span {
            let (scope, name) = scope_of(c.paragraph);
            let len = scope.chars().count();
            if b as usize > len {
                return Err(Refusal {
                    message: format!(
                        "span {a}-{b} runs past the end of {name} of source `{source}` ({})",
                        count(len, "character", "characters")
                    ),
                    help: None,
                });
            }
        }
        return Ok(());
    };
    if locate::fold_quote(&quote).is_empty() {
        return Err(Refusal {
            message: "the quote is empty once white space is set aside".into(),
            help: None,
        });
    }
    let everywhere = locate::locate(text, &quote, None);
    let elsewhere = |m: &[Match]| -> String {
        let at: Vec<String> = m.iter().map(Match::locator).collect();
        match at.len() {
            0 => String::new(),
            _ => format!("; the quote occurs at {}", at.join(", ")),
        }
    };
    match (c.paragraph, c.span) {
        (None, None) => match everywhere.as_slice() {
            [m] => set(c, m),
            [] => Err(nowhere(text, &quote, &source, path)),
            many => Err(ambiguous(&quote, &source, "the archived text", many)),
        },
        (Some(p), None) => {
            let here: Vec<Match> = everywhere
                .iter()
                .filter(|m| m.paragraph == p)
                .cloned()
                .collect();
            match here.as_slice() {
                [m] => set(c, m),
                [] if everywhere.is_empty() => Err(nowhere(text, &quote, &source, path)),
                [] => Err(Refusal {
                    message: format!(
                        "the quote {} is not in paragraph {p} of source `{source}`{}",
                        quoted(&quote),
                        elsewhere(&everywhere)
                    ),
                    help: Some(fix_help(&everywhere)),
                }),
                many => Err(ambiguous(&quote, &source, &format!("paragraph {p}"), many)),
            }
        }
        (p, Some([a, b])) => {
            let (scope, name) = scope_of(p);
            let len = scope.chars().count() as u32;
            if b > len {
                return Err(Refusal {
                    message: format!(
                        "span {a}-{b} runs past the end of {name} of source `{source}` ({}){}",
                        count(len as usize, "character", "characters"),
                        elsewhere(&everywhere)
                    ),
                    help: Some(fix_help(&everywhere)),
                });
            }
            let spanned = locate::slice_chars(&scope, a, b);
            let exact_span = match p {
                Some(p) => everywhere
                    .iter()
                    .any(|m| m.paragraph == p && m.span == [a, b]),
                // A span of the whole text: its folded characters must be
                // the quote's, and the span must not start or end in white space.
                None => locate::same_folded(&spanned, &quote) && spanned.trim() == spanned,
            };
            if exact_span {
                let at = Match {
                    paragraph: p.unwrap_or(0),
                    span: [a, b],
                    text: spanned,
                };
                one_line(&at, &source)?;
                c.quote = Some(at.text);
                return Ok(());
            }
            if everywhere.is_empty() {
                let mut r = nowhere(text, &quote, &source, path);
                r.message = format!(
                    "span {a}-{b} of {name} of source `{source}` reads {}, not the quote; {}",
                    quoted(&spanned),
                    r.message
                );
                return Err(r);
            }
            Err(Refusal {
                message: format!(
                    "span {a}-{b} of {name} of source `{source}` reads {}, not the quote {}{}",
                    quoted(&spanned),
                    quoted(&quote),
                    elsewhere(&everywhere)
                ),
                help: Some(fix_help(&everywhere)),
            })
        }
    }
}

/// A quote is one line of text (docs/FORMAT.md 5.1.1): a passage that
/// crosses a line break (or holds another control character) of the
/// archived text cannot be quoted exactly, so it is refused with what can be
/// written instead.
fn one_line(m: &Match, source: &str) -> Result<(), Refusal> {
    if !m
        .text
        .chars()
        .any(|c| c.is_control() || c == '\u{2028}' || c == '\u{2029}')
    {
        return Ok(());
    }
    let at = if m.paragraph > 0 {
        m.locator()
    } else {
        format!("characters {}-{} of the text", m.span[0], m.span[1])
    };
    Err(Refusal {
        message: format!(
            "the passage {} at {at} of source `{source}` crosses a line break (or holds another control character) of the archived text, and a quote is one line",
            quoted(&m.text)
        ),
        help: Some(if m.paragraph > 0 {
            format!(
                "quote the words before or after the break, or cite the passage by its span alone: --locator {at} without --quote"
            )
        } else {
            "quote the words before or after the break, or cite the passage by its span alone, without a quote".into()
        }),
    })
}

/// Stores a match in the citation: paragraph, span, exact quote.
fn set(c: &mut Citation, m: &Match) -> Result<(), Refusal> {
    one_line(m, &c.source)?;
    c.paragraph = Some(m.paragraph);
    c.span = Some(m.span);
    c.quote = Some(m.text.clone());
    Ok(())
}

fn ambiguous(quote: &str, source: &str, scope: &str, many: &[Match]) -> Refusal {
    Refusal {
        message: format!(
            "the quote {} occurs {} times in {scope} of source `{source}`: {}",
            quoted(quote),
            many.len(),
            list(many)
        ),
        help: Some("choose one of those with --locator, or quote more words".into()),
    }
}

fn fix_help(everywhere: &[Match]) -> String {
    match everywhere {
        [m] => format!(
            "use --locator {}, or leave --locator out and the quote is located",
            m.locator()
        ),
        _ => "use one of those locators with --locator".into(),
    }
}

fn located_help(text: &str, quote: &str) -> Option<String> {
    match locate::locate(text, quote, None).as_slice() {
        [m] => Some(format!("the quote is at {}", m.locator())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "Intro line.\n\nHe said “it’s a long game”.\n\nIt’s a long game, again.\n";

    fn cite(paragraph: Option<u32>, span: Option<[u32; 2]>, quote: &str) -> Citation {
        Citation {
            source: "s".into(),
            paragraph,
            span,
            quote: Some(quote.into()),
        }
    }

    #[test]
    fn a_quote_is_located_and_stored_as_the_text_has_it() {
        let mut c = cite(None, None, "said \"it's a long game\"");
        resolve_in(&mut c, TEXT, Path::new("a.txt")).unwrap();
        assert_eq!(c.paragraph, Some(2));
        assert_eq!(c.span, Some([3, 26]));
        assert_eq!(c.quote.as_deref(), Some("said “it’s a long game”"));
    }

    #[test]
    fn ambiguity_and_wrong_locators_are_refused_with_the_right_one() {
        let mut c = cite(None, None, "a long game");
        let e = resolve_in(&mut c, TEXT, Path::new("a.txt")).unwrap_err();
        assert!(e.message.contains("occurs 2 times"), "{}", e.message);
        let mut c = cite(Some(3), None, "a long game");
        resolve_in(&mut c, TEXT, Path::new("a.txt")).unwrap();
        assert_eq!(c.span, Some([5, 16]));
        let mut c = cite(Some(2), Some([0, 4]), "said");
        let e = resolve_in(&mut c, TEXT, Path::new("a.txt")).unwrap_err();
        assert!(e.message.contains("occurs at p2:3-7"), "{}", e.message);
        let mut c = cite(Some(1), None, "again");
        let e = resolve_in(&mut c, TEXT, Path::new("a.txt")).unwrap_err();
        assert!(e.message.contains("not in paragraph 1"), "{}", e.message);
        assert!(e.message.contains("p3:18-23"), "{}", e.message);
    }
}
