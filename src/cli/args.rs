//! Argument pieces shared by several commands: citations (`--source` with its
//! `--locator` and `--quote`), vocabulary values parsed through the entry
//! model's own serde names, and the "appended" report every writing command
//! prints.

use crate::cli::Format;
use crate::cli::output::{emit, emit_json};
use crate::date::PartialDate;
use crate::entry::{Body, Citation};
use crate::error::{Error, Result};
use crate::escape::{terminal, terminal_path};
use crate::store::Appended;
use clap::ArgMatches;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;

/// Values accepted by `--modality`.
pub const MODALITIES: [&str; 7] = [
    "confirmed",
    "reported",
    "planned",
    "considered",
    "proposed",
    "alleged",
    "denied",
];

/// Parses a kebab-case vocabulary value into a model enum (the same names the
/// ledger stores), e.g. `source-withdrawn` → `RetractReason::SourceWithdrawn`.
pub fn parse_enum<T: DeserializeOwned>(what: &str, s: &str) -> Result<T> {
    serde_json::from_value(Value::String(s.to_string()))
        .map_err(|_| Error::usage(format!("invalid {what} `{s}`"), None))
}

/// Parses a date argument (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`).
pub fn parse_date(flag: &str, s: &str) -> Result<PartialDate> {
    PartialDate::parse(s).map_err(|e| Error::usage(format!("{flag}: {e}"), None))
}

/// Parses `--value` as strict JSON.
pub fn parse_value(s: &str) -> Result<Value> {
    let help = Some("give a JSON value, e.g. --value '{\"embassy\":\"closed\"}'".to_string());
    match crate::jcs::parse_strict(s) {
        Ok(Value::Null) => Err(Error::usage(
            "--value null records nothing; leave --value out instead",
            None,
        )),
        Ok(v) => Ok(v),
        Err(e) => Err(Error::usage(format!("--value: {e}"), help)),
    }
}

/// Parses a locator: `pN` (paragraph N) or `pN:A-B` (characters A..B of it).
pub fn parse_locator(s: &str) -> Result<(Option<u32>, Option<[u32; 2]>)> {
    let bad = || {
        Error::usage(
            format!("`{s}` is not a locator"),
            Some("write pN for paragraph N, or pN:A-B for characters A..B (0-based, end excluded) of paragraph N".into()),
        )
    };
    let rest = s.strip_prefix('p').ok_or_else(bad)?;
    let (para, span) = match rest.split_once(':') {
        Some((p, span)) => (p, Some(span)),
        None => (rest, None),
    };
    let para: u32 = para.parse().map_err(|_| bad())?;
    if para == 0 {
        return Err(Error::usage(
            format!("`{s}`: paragraphs are numbered from 1"),
            None,
        ));
    }
    let span = match span {
        None => None,
        Some(sp) => {
            let (a, b) = sp.split_once('-').ok_or_else(bad)?;
            let (a, b): (u32, u32) = (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?);
            if a >= b {
                return Err(Error::usage(
                    format!("`{s}`: the span {a}-{b} is empty or reversed"),
                    None,
                ));
            }
            Some([a, b])
        }
    };
    Ok((Some(para), span))
}

/// Builds citations from repeated `--source`, pairing each `--locator` and
/// `--quote` with the nearest `--source` before it on the command line.
pub fn citations(
    m: &ArgMatches,
    sources: &[String],
    locators: &[String],
    quotes: &[String],
) -> Result<Vec<Citation>> {
    let index_of =
        |id: &str| -> Vec<usize> { m.indices_of(id).map(|i| i.collect()).unwrap_or_default() };
    let src_at = index_of("source");
    let mut out: Vec<Citation> = sources
        .iter()
        .map(|s| Citation {
            source: s.clone(),
            paragraph: None,
            span: None,
            quote: None,
        })
        .collect();
    let owner = |flag: &str, at: usize, value: &str| -> Result<usize> {
        src_at.iter().rposition(|&s| s < at).ok_or_else(|| {
            Error::usage(
                format!("{flag} `{value}` comes before any --source"),
                Some(format!("put {flag} after the --source it belongs to")),
            )
        })
    };
    for (loc, at) in locators.iter().zip(index_of("locator")) {
        let i = owner("--locator", at, loc)?;
        if out[i].paragraph.is_some() {
            return Err(Error::usage(
                format!("--source {} has two --locator", out[i].source),
                Some("give one --locator per --source; repeat --source to cite two places".into()),
            ));
        }
        let (p, span) = parse_locator(loc)?;
        out[i].paragraph = p;
        out[i].span = span;
    }
    for (q, at) in quotes.iter().zip(index_of("quote")) {
        let i = owner("--quote", at, q)?;
        if out[i].quote.is_some() {
            return Err(Error::usage(
                format!("--source {} has two --quote", out[i].source),
                Some("give one --quote per --source; repeat --source to cite two places".into()),
            ));
        }
        out[i].quote = Some(q.clone());
    }
    Ok(out)
}

/// Prints the notes of a write's citation checks (sources whose citations
/// could not be checked) on standard error, once each.
pub fn print_notes(resolver: &crate::evidence::Resolver) {
    for n in resolver.notes() {
        eprintln!("{}", crate::escape::terminal(&n));
    }
}

/// The id an entry creates (fact, source, vocabulary term, new version) and
/// the fact or source it acts on (supersede, retract, dispute, amend).
fn ids_of(body: &Body) -> (Option<&str>, Option<&str>) {
    match body {
        Body::Genesis(_) => (None, None),
        Body::Define(d) => (Some(&d.id), None),
        Body::Source(s) => (Some(&s.id), None),
        Body::Fact(f) => (Some(&f.id), None),
        Body::Supersede(s) => (Some(&s.fact.id), Some(&s.target)),
        Body::Retract(r) => (None, Some(&r.target)),
        Body::Dispute(d) => (None, Some(&d.target)),
        Body::Amend(a) => (None, Some(&a.target)),
    }
}

/// `fact embassy-study`, `supersede embassy-study -> embassy-study-2018`,
/// `retract embassy-study`: the kind of an entry and what it is about.
fn what(body: &Body) -> String {
    match ids_of(body) {
        (Some(id), Some(target)) => {
            format!("{} {} -> {}", body.kind(), terminal(target), terminal(id))
        }
        (Some(id), None) | (None, Some(id)) => format!("{} {}", body.kind(), terminal(id)),
        (None, None) => body.kind().to_string(),
    }
}

/// What `--format json` says of one appended entry.
fn item_json(e: &crate::entry::Entry) -> Value {
    let mut v = json!({
        "seq": e.seq,
        "hash": e.hash.to_hex(),
        "kind": e.body.kind(),
    });
    let (id, target) = ids_of(&e.body);
    if let Some(obj) = v.as_object_mut() {
        if let Some(id) = id {
            obj.insert("id".into(), Value::String(id.to_string()));
        }
        if let Some(t) = target {
            obj.insert("target".into(), Value::String(t.to_string()));
        }
    }
    v
}

/// Prints what an import appended, as [`print_appended`] prints it, without
/// holding every entry: the text lists only the first and the last, and the
/// JSON list is written as it is read back from the ledger.
pub fn print_imported(
    out: &mut dyn Write,
    format: Format,
    path: &Path,
    imported: &crate::import::Imported,
) -> Result<()> {
    let held = imported.first.len() as u64 == imported.count;
    match format {
        _ if held => print_appended(out, format, path, &imported.first),
        Format::Text => {
            let mut shown: Vec<Appended> = imported.first.iter().take(LISTED).cloned().collect();
            shown.push(imported.last.clone());
            let mut s = String::new();
            let line = |a: &Appended| {
                format!(
                    "  seq {}: {}, hash {}\n",
                    a.entry.seq,
                    what(&a.entry.body),
                    a.entry.hash
                )
            };
            s.push_str(&format!(
                "appended {} entries to {}, seq {} to {}:\n",
                imported.count,
                terminal_path(path),
                shown[0].entry.seq,
                imported.last.entry.seq
            ));
            shown[..shown.len() - 1]
                .iter()
                .for_each(|a| s.push_str(&line(a)));
            s.push_str(&format!(
                "  ... {} more\n",
                imported.count - shown.len() as u64
            ));
            s.push_str(&line(&imported.last));
            emit(out, &s)
        }
        Format::Json => {
            // As serde_json pretty-prints {"appended": [...], "path": ...}.
            emit(out, "{\n  \"appended\": [")?;
            let mut first = true;
            let mut failed = None;
            crate::store::read_appended(path, imported.from, imported.to, |e| {
                let item = serde_json::to_string_pretty(&item_json(&e)).unwrap_or_default();
                let mut s = String::with_capacity(item.len() + 64);
                s.push_str(if first { "\n" } else { ",\n" });
                first = false;
                for (i, l) in item.lines().enumerate() {
                    if i > 0 {
                        s.push('\n');
                    }
                    s.push_str("    ");
                    s.push_str(l);
                }
                match emit(out, &s) {
                    Ok(()) => true,
                    Err(e) => {
                        failed = Some(e);
                        false
                    }
                }
            })?;
            if let Some(e) = failed {
                return Err(e);
            }
            let p = serde_json::to_string(&path.display().to_string()).unwrap_or_default();
            emit(out, &format!("\n  ],\n  \"path\": {p}\n}}\n"))
        }
    }
}

/// How many entries of a batch the text report lists before the last.
pub const LISTED: usize = 20;

/// Prints what a writing command appended to the ledger at `path`: for each
/// entry its kind, the id it creates or acts on, its seq and its hash.
pub fn print_appended(
    out: &mut dyn Write,
    format: Format,
    path: &Path,
    written: &[Appended],
) -> Result<()> {
    match format {
        Format::Json => {
            let items: Vec<Value> = written.iter().map(|a| item_json(&a.entry)).collect();
            let mut v = if items.len() == 1 {
                items[0].clone()
            } else {
                json!({ "appended": items })
            };
            if let Some(obj) = v.as_object_mut() {
                obj.insert("path".into(), Value::String(path.display().to_string()));
            }
            emit_json(out, &v)
        }
        Format::Text => {
            let s = match written {
                [a] => format!(
                    "appended {} to {} at seq {}, hash {}\n",
                    what(&a.entry.body),
                    terminal_path(path),
                    a.entry.seq,
                    a.entry.hash
                ),
                _ => {
                    let (first, last) = (
                        written.first().map_or(0, |a| a.entry.seq),
                        written.last().map_or(0, |a| a.entry.seq),
                    );
                    let mut s = format!(
                        "appended {} entries to {}, seq {first} to {last}:\n",
                        written.len(),
                        terminal_path(path)
                    );
                    let line = |a: &Appended| {
                        format!(
                            "  seq {}: {}, hash {}\n",
                            a.entry.seq,
                            what(&a.entry.body),
                            a.entry.hash
                        )
                    };
                    // A big import lists its first entries and its last (the
                    // new head), not a line per entry.
                    if written.len() > LISTED + 1 {
                        written[..LISTED].iter().for_each(|a| s.push_str(&line(a)));
                        s.push_str(&format!("  ... {} more\n", written.len() - LISTED - 1));
                        s.push_str(&line(&written[written.len() - 1]));
                    } else {
                        written.iter().for_each(|a| s.push_str(&line(a)));
                    }
                    s
                }
            };
            emit(out, &s)
        }
    }
}
