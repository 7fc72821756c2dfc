//! `ledger verify`: check every line, link and reference; exit 1 on any problem.
//! With `--citations`, also every citation against the archived texts of its
//! sources, as `cite-check` does (see [`crate::citations`]).

use crate::archive::Archive;
use crate::chain::{Anchor, Problem, Report, VerifyOptions};
use crate::citations::{self, SourceCheck};
use crate::cli::commands::cite_check;
use crate::cli::diagnostic::LineSource;
use crate::cli::output::{emit, emit_json};
use crate::cli::{color, diagnostic};
use crate::error::{EXIT_INVALID, Error, Result};
use crate::escape::{github_data, github_property, terminal, terminal_path};
use crate::store;
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};

mod checkpoints;

/// Output formats of `verify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum VerifyFormat {
    /// Compiler-style diagnostics for people
    #[default]
    Text,
    /// One JSON object (documented in docs/FORMAT.md)
    Json,
    /// GitHub Actions annotations (::error file=...,line=...::message), shown on a pull request's diff
    Github,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Ledger files to verify, each on its own (pre-commit passes the changed
    /// ones); without any, the --ledger file or the default ledger
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Also require the entry at SEQ to exist and have HASH (as printed by
    /// `ledger head`); catches truncation and rewritten history. May repeat.
    #[arg(long, value_name = "SEQ:HASH")]
    pub anchor: Vec<Anchor>,
    /// Check only what follows the entry at SEQ (as printed by `ledger
    /// head`), after checking that entry still has HASH. Earlier lines are
    /// read only for their ids; see docs/FORMAT.md for what this leaves out.
    #[arg(long, value_name = "SEQ:HASH")]
    pub since: Option<Anchor>,
    /// Also require the ledger's first N entries to have the Merkle root of
    /// this signed checkpoint (C2SP tlog-checkpoint of size N): catches a
    /// consistent rewrite and truncation. May repeat; needs --key
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Vec<PathBuf>,
    /// The log's verifier key (a file or NAME+KEYID+BASE64) that must have
    /// signed each --checkpoint; may repeat
    #[arg(long = "key", value_name = "VERIFIER", requires = "checkpoint")]
    pub keys: Vec<String>,
    /// The log's origin line the checkpoints must carry [default: the name
    /// of the first --key]
    #[arg(long, value_name = "ORIGIN", requires = "checkpoint")]
    pub origin: Option<String>,
    /// A witness's verifier key (cosignature key, from `keygen --witness`);
    /// may repeat. Each --checkpoint must then carry --quorum valid
    /// cosignatures by these witnesses
    #[arg(long, value_name = "VERIFIER", requires = "checkpoint")]
    pub witness: Vec<String>,
    /// How many of the --witness keys must have cosigned each checkpoint
    /// [default: all of them]
    #[arg(long, value_name = "K", requires = "witness")]
    pub quorum: Option<usize>,
    /// Show the first N problems in full (citation problems too); all are
    /// counted, and the summary says how many were not shown. 0 shows none,
    /// only the count (it does not mean "no limit")
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub max_errors: usize,
    /// Also check every citation against the archived text of its source
    /// (--archive); a live fact's or dispute's citation that does not match,
    /// or an archived text that is missing or altered, fails verification
    #[arg(long)]
    pub citations: bool,
    #[arg(long, value_enum, default_value_t)]
    pub format: VerifyFormat,
}

pub fn run(
    ledger: Option<&Path>,
    archive: Option<&Path>,
    args: Args,
    out: &mut dyn Write,
) -> Result<i32> {
    let paths = if args.files.is_empty() {
        vec![store::resolve(ledger)?]
    } else {
        args.files.clone()
    };
    if paths.len() > 1 && !args.anchor.is_empty() {
        return Err(Error::usage(
            "--anchor pins one ledger, but several files were given",
            Some(
                "verify an anchored ledger on its own: `ledger verify FILE --anchor SEQ:HASH`"
                    .into(),
            ),
        ));
    }
    if paths.len() > 1 && !args.checkpoint.is_empty() {
        return Err(Error::usage(
            "--checkpoint pins one ledger, but several files were given",
            Some("verify each ledger on its own: `ledger verify FILE --checkpoint CHECKPOINT --key VERIFIER`".into()),
        ));
    }
    if args.since.is_some() && !args.checkpoint.is_empty() {
        return Err(Error::usage(
            "--checkpoint needs every entry's hash, which --since does not read",
            Some("leave out --since to check checkpoints".into()),
        ));
    }
    let checkpoints = checkpoints::open_all(&args)?;
    if paths.len() > 1 && args.since.is_some() {
        return Err(Error::usage(
            "--since pins one ledger, but several files were given",
            Some("verify each ledger on its own: `ledger verify FILE --since SEQ:HASH`".into()),
        ));
    }
    // Several files: each is verified on its own, every report is printed (as
    // one JSON array with --format json), and the exit code is the worst.
    let mut code = 0;
    let mut reports = Vec::new();
    for path in &paths {
        let opts = VerifyOptions {
            anchors: args.anchor.clone(),
            max_problems: args.max_errors,
            index_only: true,
            tree_sizes: checkpoints
                .iter()
                .map(|c| c.signed.checkpoint.size)
                .collect(),
            // The tree is shown only with the checkpoints it is checked
            // against.
            merkle: !checkpoints.is_empty(),
            ..VerifyOptions::default()
        };
        let (mut report, _) = match args.since {
            Some(since) => store::scan_since(path, since, opts)?,
            None => store::scan(path, opts)?,
        };
        let checked = checkpoints::check(&mut report, &checkpoints, args.max_errors);
        if !report.ok() {
            code = EXIT_INVALID;
        }
        // Citations are checked only on a ledger that verified: a damaged
        // one cannot be replayed into the facts' standing.
        let cited = match (args.citations, report.ok()) {
            (true, true) => {
                let (entries, state) = store::load(path)?;
                let archive = Archive::for_ledger(path, archive);
                Some((
                    archive.dir.clone(),
                    citations::check_sources(&entries, &state, &archive, None),
                ))
            }
            _ => None,
        };
        if cited
            .as_ref()
            .is_some_and(|(_, r)| r.iter().any(SourceCheck::failed))
        {
            code = EXIT_INVALID;
        }
        // The lines the problems point at are read again, one at a time.
        let texts = &mut diagnostic::FileLines::new(&report.path);
        let citations_skipped = args.citations && !report.ok();
        match args.format {
            VerifyFormat::Json => {
                let mut v = to_json(&report, texts);
                if let Some((dir, r)) = &cited {
                    add_citations_json(&mut v, dir, r, args.max_errors);
                } else if citations_skipped {
                    v["citations"] = Value::Null;
                }
                if !checked.is_empty() {
                    v["checkpoints"] = Value::Array(checked.iter().map(|c| c.to_json()).collect());
                    if let Some(t) = &report.tree {
                        v["tree"] = json!({
                            "size": t.size,
                            "root": crate::checkpoint::Checkpoint::new("", 0, t.root).root_base64(),
                        });
                    }
                }
                if paths.len() > 1 {
                    reports.push(v);
                } else {
                    emit_json(out, &v)?;
                }
            }
            VerifyFormat::Text => {
                let mut s = to_text(&report, texts, color::stdout());
                if let Some((dir, r)) = &cited {
                    s.push_str(&citations_text(path, dir, r, args.max_errors));
                } else if citations_skipped {
                    s.push_str("citations: not checked: the ledger does not verify\n");
                }
                for c in &checked {
                    s.push_str(&c.to_text());
                }
                emit(out, &s)?;
            }
            VerifyFormat::Github => {
                let mut s = to_github(&report, texts);
                if let Some((dir, r)) = &cited {
                    s.push_str(&citations_github(path, dir, r, args.max_errors));
                }
                for c in &checked {
                    s.push_str(&c.to_text());
                }
                emit(out, &s)?;
            }
        }
    }
    if !reports.is_empty() {
        emit_json(out, &reports)?;
    }
    Ok(code)
}

/// The text report: each problem, compiler style (with the offending line
/// from `texts`), then one summary line.
pub fn to_text(r: &Report, texts: &mut dyn LineSource, styled: bool) -> String {
    let mut s = String::new();
    for p in &r.problems {
        let text = diagnostic::text_of(p, texts);
        s.push_str(&diagnostic::render_problem(p, &r.path, text, styled));
        s.push_str("\n\n");
    }
    s.push_str(&summary_line(r));
    s
}

/// Citation problems (`citation`, `archive`) as `verify` errors: line,
/// seq, kind, message, help.
fn citation_errors(r: &[SourceCheck]) -> Vec<(u64, &'static str, String, Option<String>)> {
    let mut out = Vec::new();
    for c in r {
        match c {
            // The archive's copy was checked against its SHA-256 when read.
            SourceCheck::Checked { checked, .. } => {
                for m in &checked.mismatches {
                    out.push((
                        m.seq,
                        "citation",
                        format!("{}: {}", m.what(), m.message),
                        None,
                    ));
                }
            }
            SourceCheck::Unusable {
                source,
                seq,
                unusable,
                checked,
            } => {
                out.push((
                    *seq,
                    "archive",
                    unusable.message(source),
                    Some(unusable.help()),
                ));
                for m in checked.iter().flat_map(|c| &c.mismatches) {
                    out.push((
                        m.seq,
                        "citation",
                        format!("{}: {} (against the altered text)", m.what(), m.message),
                        None,
                    ));
                }
            }
            SourceCheck::NoText { .. } => {}
        }
    }
    out
}

/// Citations checked, and those of them in history, over every source.
fn citation_counts(r: &[SourceCheck]) -> (usize, usize) {
    r.iter().fold((0, 0), |(n, hist), c| match c {
        SourceCheck::Checked { checked, .. }
        | SourceCheck::Unusable {
            checked: Some(checked),
            ..
        } => (n + checked.citations, hist + checked.history.len()),
        _ => (n, hist),
    })
}

/// The citation check after the text report: each problem (the first
/// `max`, as `--max-errors` says), the history, and one summary line.
fn citations_text(ledger: &Path, dir: &Path, r: &[SourceCheck], max: usize) -> String {
    let mut s = String::new();
    let errors = citation_errors(r);
    for (seq, kind, message, help) in errors.iter().take(max) {
        s.push_str(&format!(
            "error[{kind}]: line {} (seq {seq}): {}\n  --> {}:{}\n",
            seq + 1,
            terminal(message),
            terminal_path(ledger),
            seq + 1
        ));
        if let Some(h) = help {
            s.push_str(&format!("  = help: {}\n", terminal(h)));
        }
        s.push('\n');
    }
    for c in r {
        if let SourceCheck::Checked { checked, .. } = c {
            for m in &checked.history {
                s.push_str(&cite_check::history_text(m));
            }
        }
    }
    let dir = terminal_path(dir);
    let (n, hist) = citation_counts(r);
    let sources = r
        .iter()
        .filter(|c| !matches!(c, SourceCheck::NoText { .. }))
        .count();
    let of = format!(
        "{} of {}",
        citations::count(n, "citation", "citations"),
        citations::count(sources, "source", "sources")
    );
    let history = match hist {
        0 => String::new(),
        h => format!(
            "; {} of superseded or retracted facts {} not (history)",
            citations::count(h, "citation", "citations"),
            if h == 1 { "does" } else { "do" }
        ),
    };
    if errors.is_empty() {
        s.push_str(&format!(
            "citations ok: {of} {} the archived texts in {dir}{history}\n",
            if n == 1 { "matches" } else { "match" },
        ));
    } else {
        let shown = match errors.len().min(max) {
            n if n == errors.len() => String::new(),
            0 => " (none shown; --max-errors N shows the first N)".to_string(),
            n => format!(" (first {n} shown; --max-errors N shows more)"),
        };
        s.push_str(&format!(
            "citations FAILED: {}{shown}; {of} checked against the archived texts in {dir}{history}\n",
            citations::count(errors.len(), "problem", "problems"),
        ));
    }
    let none = cite_check::unchecked(r);
    if !none.is_empty() {
        s.push_str(&format!(
            "citations not checked: {} {} no archived text\n",
            none.iter()
                .map(|s| format!("`{}`", terminal(s)))
                .collect::<Vec<_>>()
                .join(", "),
            if none.len() == 1 { "records" } else { "record" }
        ));
    }
    s
}

/// Adds the citation check to the JSON report: its problems join `errors`
/// (as long as it holds fewer than `max`) and are counted in `ok` and
/// `error_count`, and `citations` summarizes it.
fn add_citations_json(v: &mut Value, dir: &Path, r: &[SourceCheck], max: usize) {
    let errors = citation_errors(r);
    if let Some(list) = v["errors"].as_array_mut() {
        let room = max.saturating_sub(list.len());
        for (seq, kind, message, help) in errors.iter().take(room) {
            list.push(json!({
                "line": seq + 1,
                "seq": seq,
                "kind": kind,
                "message": message,
                "column": Value::Null,
                "span": Value::Null,
                "help": help,
            }));
        }
    }
    if !errors.is_empty() {
        v["ok"] = Value::Bool(false);
        let n = v["error_count"].as_u64().unwrap_or(0) + errors.len() as u64;
        v["error_count"] = json!(n);
    }
    let (n, _) = citation_counts(r);
    v["citations"] = json!({
        "archive": dir.display().to_string(),
        "checked": n,
        "sources": r.iter().filter(|c| !matches!(c, SourceCheck::NoText { .. }))
            .map(cite_check::source_json).collect::<Vec<_>>(),
        "unchecked": cite_check::unchecked(r),
    });
}

/// The citation check as GitHub annotations (the first `max`), then its
/// summary lines.
fn citations_github(ledger: &Path, dir: &Path, r: &[SourceCheck], max: usize) -> String {
    let mut s = String::new();
    for (seq, kind, message, help) in citation_errors(r).into_iter().take(max) {
        let mut m = message;
        if let Some(h) = help {
            m.push_str("\nhelp: ");
            m.push_str(&h);
        }
        s.push_str(&format!(
            "::error file={},line={},title={}::{}\n",
            github_property(&ledger.display().to_string()),
            seq + 1,
            github_property(&format!("ledger verify: {kind}")),
            github_data(&format!("line {} (seq {seq}): {m}", seq + 1))
        ));
    }
    // The summary lines of the text form: `citations ok`/`FAILED`, and
    // `citations not checked` when some source has no archived text.
    for line in citations_text(ledger, dir, r, max)
        .lines()
        .filter(|l| l.starts_with("citations "))
    {
        s.push_str(line);
        s.push('\n');
    }
    s
}

/// `ok: PATH: N entries, head SEQ:HASH` or `FAILED: PATH: N problems ...`,
/// the path escaped for the terminal (in `--format github` too, where a
/// line break in a file name could otherwise start a workflow command).
fn summary_line(r: &Report) -> String {
    let mut s = String::new();
    let head = r
        .head
        .map_or("none".to_string(), |(seq, h)| format!("{seq}:{h}"));
    let since = match r.since {
        None => String::new(),
        Some(s) => match (s.why_all(), s.trusted_lines) {
            (Some(why), _) => format!(" (every line checked: {why})"),
            (None, 0) => format!(" (checked after seq {})", s.anchor.seq),
            (None, 1) => format!(
                " (checked after seq {}; line 1 taken on trust)",
                s.anchor.seq
            ),
            (None, n) => format!(
                " (checked after seq {}; lines 1-{n} taken on trust)",
                s.anchor.seq
            ),
        },
    };
    if r.ok() {
        s.push_str(&format!(
            "ok: {}: {} {}, head {head}{since}\n",
            terminal_path(&r.path),
            r.entries,
            if r.entries == 1 { "entry" } else { "entries" }
        ));
    } else {
        let shown = match r.problems.len() {
            n if n == r.total_problems => String::new(),
            0 => " (none shown; --max-errors N shows the first N)".to_string(),
            n => format!(" (first {n} shown; --max-errors N shows more)"),
        };
        s.push_str(&format!(
            "FAILED: {}: {} problem{}{shown} in {} line{}{since}\n",
            terminal_path(&r.path),
            r.total_problems,
            if r.total_problems == 1 { "" } else { "s" },
            r.lines,
            if r.lines == 1 { "" } else { "s" },
        ));
    }
    s
}

/// Where a problem points in its line, if anywhere.
fn locate(p: &Problem, texts: &mut dyn LineSource) -> Option<diagnostic::Located> {
    diagnostic::text_of(p, texts).and_then(|t| diagnostic::locate(p, t))
}

/// The JSON report (stable; documented in docs/FORMAT.md).
pub fn to_json(r: &Report, texts: &mut dyn LineSource) -> Value {
    let errors: Vec<Value> = r
        .problems
        .iter()
        .map(|p| {
            let span = locate(p, texts).map(
                |at| json!({"start": at.start_column, "end": at.end_column, "label": at.label}),
            );
            json!({
                "line": p.line,
                "seq": p.seq,
                "kind": p.kind.as_str(),
                "message": p.message,
                "column": p.column,
                "span": span,
                "help": p.help,
            })
        })
        .collect();
    let mut out = json!({
        "ok": r.ok(),
        "path": r.path.display().to_string(),
        "lines": r.lines,
        "entries": r.entries,
        "head": r.head.map(|(seq, h)| format!("{seq}:{h}")),
        "error_count": r.total_problems,
        "errors": errors,
    });
    if let Some(s) = r.since {
        out["since"] = json!({
            "seq": s.anchor.seq,
            "hash": s.anchor.hash.to_hex(),
            "trusted_lines": s.trusted_lines,
            "checked_all": s.why_all(),
        });
    }
    out
}

/// GitHub Actions workflow commands: one `::error` annotation per problem, so
/// that problems show on the lines of a pull request's diff, then the summary
/// line as plain text. Every property (the file path too) and the message
/// are escaped as the runner requires.
pub fn to_github(r: &Report, texts: &mut dyn LineSource) -> String {
    let mut s = String::new();
    for p in &r.problems {
        let mut props = vec![format!(
            "file={}",
            github_property(&r.path.display().to_string())
        )];
        if let Some(l) = p.line {
            props.push(format!("line={l}"));
            if let Some(at) = locate(p, texts) {
                props.push(format!("col={}", at.start_column));
                if at.end_column > at.start_column + 1 {
                    props.push(format!("endColumn={}", at.end_column - 1));
                }
            }
        }
        props.push(format!(
            "title={}",
            github_property(&format!("ledger verify: {}", p.kind.as_str()))
        ));
        let mut message = p.headline();
        if let Some(h) = &p.help {
            message.push_str("\nhelp: ");
            message.push_str(h);
        }
        s.push_str(&format!(
            "::error {}::{}\n",
            props.join(","),
            github_data(&message)
        ));
    }
    s.push_str(&summary_line(r));
    s
}
