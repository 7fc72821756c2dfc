//! `ledger cite-check`: check citations against the archived texts of their
//! sources. Citations of live facts and of disputes of them decide the exit
//! code; those of superseded or retracted facts are listed as history.

use crate::archive::Archive;
use crate::citations::{self, Checked, Holder, Mismatch, SourceCheck, Standing, count};
use crate::cli::Format;
use crate::cli::output::{emit, emit_json};
use crate::error::{EXIT_INVALID, Error, Result};
use crate::escape::{terminal, terminal_path};
use crate::store;
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The registered source whose citations to check (id or unique
    /// prefix) [default: every source with an archived text]
    pub source: Option<String>,
    /// A copy of the source's text (UTF-8) [default: its archived text]
    pub file: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(
    ledger: Option<&Path>,
    archive: Option<&Path>,
    args: Args,
    out: &mut dyn Write,
) -> Result<i32> {
    let path = store::resolve(ledger)?;
    let (entries, state) = store::load(&path)?;
    let mut args = args;
    if let Some(s) = &args.source {
        args.source = Some(store::resolve_in(&state, s, store::IdKind::Source)?);
    }
    if let Some(s) = &args.source
        && state.source(s).is_none()
    {
        return Err(Error::usage(
            format!("{}: no source has the id `{s}`", path.display()),
            Some("list sources with `ledger sources`".into()),
        ));
    }
    let results = match (&args.source, &args.file) {
        (Some(source), Some(file)) => {
            let text = store::read_text(file)?;
            vec![SourceCheck::Checked {
                source: source.clone(),
                file: file.clone(),
                checked: citations::check(&entries, &state, source, &text),
            }]
        }
        (source, _) => {
            let archive = Archive::for_ledger(&path, archive);
            let r = citations::check_sources(&entries, &state, &archive, source.as_deref());
            if let [SourceCheck::NoText { source }] = r.as_slice() {
                return Err(Error::usage(
                    format!("source `{source}` records no archived text to check against"),
                    Some(format!(
                        "give a copy of its text: `ledger cite-check {source} FILE`"
                    )),
                ));
            }
            r
        }
    };
    let failed = results.iter().any(SourceCheck::failed);
    match args.format {
        Format::Json => {
            let value = match (&args.source, results.as_slice()) {
                (Some(_), [one]) => source_json(one),
                _ => json!({
                    "ok": !failed,
                    "sources": results
                        .iter()
                        .filter(|r| !matches!(r, SourceCheck::NoText { .. }))
                        .map(source_json)
                        .collect::<Vec<_>>(),
                    "unchecked": unchecked(&results),
                }),
            };
            emit_json(out, &value)?;
        }
        Format::Text => emit(out, &to_text(&path, &results))?,
    }
    Ok(if failed { EXIT_INVALID } else { 0 })
}

/// Sources whose citations cannot be checked (no archived text).
pub fn unchecked(results: &[SourceCheck]) -> Vec<&str> {
    results
        .iter()
        .filter_map(|r| match r {
            SourceCheck::NoText { source } => Some(source.as_str()),
            _ => None,
        })
        .collect()
}

/// `live`, `superseded`, `retracted`.
fn standing_name(s: &Standing) -> &'static str {
    match s {
        Standing::Live => "live",
        Standing::Superseded { .. } => "superseded",
        Standing::Retracted { .. } => "retracted",
    }
}

/// A mismatch as JSON (docs/FORMAT.md 10.4).
pub fn mismatch_json(m: &Mismatch) -> Value {
    json!({
        "line": m.seq + 1,
        "seq": m.seq,
        "holder": match m.holder { Holder::Fact => "fact", Holder::Dispute => "dispute" },
        "fact": m.fact,
        "status": standing_name(&m.standing),
        "message": m.message,
        "occurs_at": m.occurs_at,
    })
}

/// One source's result as JSON.
pub fn source_json(r: &SourceCheck) -> Value {
    match r {
        SourceCheck::Checked {
            source,
            file,
            checked,
        } => json!({
            "ok": checked.ok(),
            "source": source,
            "file": file.display().to_string(),
            "citations": checked.citations,
            "sha256": checked.sha256,
            "recorded_sha256": checked.recorded_sha256,
            "archive_error": Value::Null,
            "mismatches": checked.mismatches.iter().map(mismatch_json).collect::<Vec<_>>(),
            "history": checked.history.iter().map(mismatch_json).collect::<Vec<_>>(),
        }),
        SourceCheck::Unusable {
            source,
            unusable,
            checked,
            ..
        } => json!({
            "ok": false,
            "source": source,
            "file": unusable_path(unusable).display().to_string(),
            "citations": checked.as_ref().map_or(0, |c| c.citations),
            "sha256": checked.as_ref().map(|c| c.sha256.clone()),
            "recorded_sha256": recorded(unusable),
            "archive_error": unusable.message(source),
            "mismatches": checked.iter().flat_map(|c| c.mismatches.iter().map(mismatch_json)).collect::<Vec<_>>(),
            "history": checked.iter().flat_map(|c| c.history.iter().map(mismatch_json)).collect::<Vec<_>>(),
        }),
        SourceCheck::NoText { source } => json!({"ok": true, "source": source}),
    }
}

fn unusable_path(u: &crate::archive::Unusable) -> &Path {
    use crate::archive::Unusable::*;
    match u {
        Missing { path, .. } | Altered { path, .. } | NotUtf8 { path, .. } | Io { path, .. } => {
            path
        }
    }
}

fn recorded(u: &crate::archive::Unusable) -> Option<&str> {
    use crate::archive::Unusable::*;
    match u {
        Missing { sha256, .. } | Altered { sha256, .. } => Some(sha256),
        _ => None,
    }
}

/// `error[citation]: line L (seq S): fact `x`: ...` with its location.
pub fn mismatch_text(ledger: &Path, m: &Mismatch) -> String {
    format!(
        "error[citation]: line {} (seq {}): {}: {}\n  --> {}:{}\n",
        m.seq + 1,
        m.seq,
        terminal(&m.what()),
        terminal(&m.message),
        terminal_path(ledger),
        m.seq + 1
    )
}

/// `history: line L (seq S): fact `x` (retracted at seq 9): ...`.
pub fn history_text(m: &Mismatch) -> String {
    format!(
        "history: line {} (seq {}): {} ({}): {}\n",
        m.seq + 1,
        m.seq,
        terminal(&m.what()),
        terminal(&m.standing.describe()),
        terminal(&m.message)
    )
}

/// The problems of every source, then one line per source, then the
/// sources that could not be checked.
pub fn to_text(ledger: &Path, results: &[SourceCheck]) -> String {
    let mut s = String::new();
    for r in results {
        match r {
            SourceCheck::Checked {
                source,
                file,
                checked,
            } => {
                if checked.sha_differs() {
                    s.push_str(&format!(
                        "error[sha256]: {} is not the archived text of `{}`: its SHA-256 is {}, the source recorded {}\n  = help: check that this is the right file; a different text is a different source\n\n",
                        terminal_path(file),
                        terminal(source),
                        checked.sha256,
                        checked.recorded_sha256.as_deref().unwrap_or("")
                    ));
                }
                for m in &checked.mismatches {
                    s.push_str(&mismatch_text(ledger, m));
                    s.push('\n');
                }
                if !checked.history.is_empty() {
                    for m in &checked.history {
                        s.push_str(&history_text(m));
                    }
                    s.push('\n');
                }
            }
            SourceCheck::Unusable {
                source,
                seq,
                unusable,
                checked,
            } => {
                s.push_str(&format!(
                    "error[archive]: line {} (seq {seq}): {}\n  --> {}:{}\n  = help: {}\n\n",
                    seq + 1,
                    terminal(&unusable.message(source)),
                    terminal_path(ledger),
                    seq + 1,
                    terminal(&unusable.help())
                ));
                for m in checked.iter().flat_map(|c| &c.mismatches) {
                    s.push_str(&mismatch_text(ledger, m));
                    s.push_str("  = note: checked against the altered text\n\n");
                }
            }
            SourceCheck::NoText { .. } => {}
        }
    }
    for r in results {
        if let Some(line) = summary_line(r) {
            s.push_str(&line);
        }
    }
    let none = unchecked(results);
    if !none.is_empty() {
        s.push_str(&format!(
            "not checked: {} {} no archived text\n",
            none.iter()
                .map(|s| format!("`{}`", terminal(s)))
                .collect::<Vec<_>>()
                .join(", "),
            if none.len() == 1 { "records" } else { "record" }
        ));
    }
    s
}

/// `ok: 3 citations of `globe` match FILE` or `FAILED: 1 of 3 citations of
/// `globe` does not match FILE`.
fn summary_line(r: &SourceCheck) -> Option<String> {
    match r {
        SourceCheck::Checked {
            source,
            file,
            checked,
        } => Some(checked_line(source, file, checked)),
        SourceCheck::Unusable {
            source, unusable, ..
        } => Some(format!(
            "FAILED: `{}`: its archived text {} cannot be used\n",
            terminal(source),
            terminal_path(unusable_path(unusable))
        )),
        SourceCheck::NoText { .. } => None,
    }
}

fn checked_line(source: &str, file: &Path, c: &Checked) -> String {
    let (source, file) = (terminal(source), terminal_path(file));
    let history = match c.history.len() {
        0 => String::new(),
        n => format!(
            "; {} of superseded or retracted facts {} not (history, listed above)",
            count(n, "citation", "citations"),
            if n == 1 { "does" } else { "do" }
        ),
    };
    if c.ok() {
        format!(
            "ok: {} of `{source}` {} {}{history}\n",
            count(c.citations, "citation", "citations"),
            if c.citations == 1 { "matches" } else { "match" },
            file
        )
    } else {
        let n = c.mismatches.len();
        format!(
            "FAILED: {n} of {} of `{source}` {} not match {}{}{history}\n",
            count(c.citations, "citation", "citations"),
            if n == 1 { "does" } else { "do" },
            file,
            if c.sha_differs() {
                ", and the file is not the archived text"
            } else {
                ""
            }
        )
    }
}
