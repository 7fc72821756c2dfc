//! `ledger verify`: check every line, link and reference; exit 1 on any problem.

use crate::chain::{Anchor, Problem, Report, VerifyOptions};
use crate::cli::output::{emit, emit_json};
use crate::cli::{color, diagnostic};
use crate::error::{EXIT_INVALID, Error, Result};
use crate::store;
use serde_json::{Value, json};
use std::collections::HashMap;
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
    /// Report at most this many problems (all are counted)
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub max_errors: usize,
    #[arg(long, value_enum, default_value_t)]
    pub format: VerifyFormat,
}

pub fn run(ledger: Option<&Path>, args: Args, out: &mut dyn Write) -> Result<i32> {
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
        let texts = diagnostic::problem_texts(&report.path, &report.problems);
        match args.format {
            VerifyFormat::Json if paths.len() > 1 => reports.push(to_json(&report, &texts)),
            VerifyFormat::Json => {
                let mut v = to_json(&report, &texts);
                if !checked.is_empty() {
                    v["checkpoints"] = Value::Array(checked.iter().map(|c| c.to_json()).collect());
                    if let Some(t) = &report.tree {
                        v["tree"] = json!({
                            "size": t.size,
                            "root": crate::checkpoint::Checkpoint::new("", 0, t.root).root_base64(),
                        });
                    }
                }
                emit_json(out, &v)?
            }
            VerifyFormat::Text => {
                emit(out, &to_text(&report, &texts, color::stdout()))?;
                for c in &checked {
                    emit(out, &c.to_text())?;
                }
            }
            VerifyFormat::Github => {
                emit(out, &to_github(&report, &texts))?;
                for c in &checked {
                    emit(out, &c.to_text())?;
                }
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
pub fn to_text(r: &Report, texts: &HashMap<u64, String>, styled: bool) -> String {
    let mut s = String::new();
    for p in &r.problems {
        let text = diagnostic::text_of(p, texts);
        s.push_str(&diagnostic::render_problem(p, &r.path, text, styled));
        s.push_str("\n\n");
    }
    s.push_str(&summary_line(r));
    s
}

/// `ok: PATH: N entries, head SEQ:HASH` or `FAILED: PATH: N problems ...`.
fn summary_line(r: &Report) -> String {
    let mut s = String::new();
    let head = r
        .head
        .map_or("none".to_string(), |(seq, h)| format!("{seq}:{h}"));
    let since = match r.since {
        None => String::new(),
        Some((a, 0)) => format!(" (checked after seq {})", a.seq),
        Some((a, 1)) => format!(" (checked after seq {}; line 1 taken on trust)", a.seq),
        Some((a, n)) => format!(" (checked after seq {}; lines 1-{n} taken on trust)", a.seq),
    };
    if r.ok() {
        s.push_str(&format!(
            "ok: {}: {} {}, head {head}{since}\n",
            r.path.display(),
            r.entries,
            if r.entries == 1 { "entry" } else { "entries" }
        ));
    } else {
        let shown = if r.problems.len() < r.total_problems {
            format!(" (first {} shown)", r.problems.len())
        } else {
            String::new()
        };
        s.push_str(&format!(
            "FAILED: {}: {} problem{}{shown} in {} line{}{since}\n",
            r.path.display(),
            r.total_problems,
            if r.total_problems == 1 { "" } else { "s" },
            r.lines,
            if r.lines == 1 { "" } else { "s" },
        ));
    }
    s
}

/// Where a problem points in its line, if anywhere.
fn locate(p: &Problem, texts: &HashMap<u64, String>) -> Option<diagnostic::Located> {
    diagnostic::text_of(p, texts).and_then(|t| diagnostic::locate(p, t))
}

/// The JSON report (stable; documented in docs/FORMAT.md).
pub fn to_json(r: &Report, texts: &HashMap<u64, String>) -> Value {
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
    if let Some((a, lines)) = r.since {
        out["since"] = json!({"seq": a.seq, "hash": a.hash.to_hex(), "trusted_lines": lines});
    }
    out
}

/// GitHub Actions workflow commands: one `::error` annotation per problem, so
/// that problems show on the lines of a pull request's diff, then the summary
/// line as plain text.
pub fn to_github(r: &Report, texts: &HashMap<u64, String>) -> String {
    let mut s = String::new();
    for p in &r.problems {
        let mut props = vec![format!(
            "file={}",
            gh_property(&r.path.display().to_string())
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
            gh_property(&format!("ledger verify: {}", p.kind.as_str()))
        ));
        let mut message = p.headline();
        if let Some(h) = &p.help {
            message.push_str("\nhelp: ");
            message.push_str(h);
        }
        s.push_str(&format!(
            "::error {}::{}\n",
            props.join(","),
            gh_data(&message)
        ));
    }
    s.push_str(&summary_line(r));
    s
}

/// Escapes a workflow command's message (`%`, CR, LF).
fn gh_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value (also `:` and `,`).
fn gh_property(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_escapes_follow_the_workflow_command_rules() {
        assert_eq!(gh_data("100% a\r\nb: c, d"), "100%25 a%0D%0Ab: c, d");
        assert_eq!(gh_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
