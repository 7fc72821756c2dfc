//! `ledger verify`: check every line, link and reference; exit 1 on any problem.

use crate::chain::{Anchor, Report, VerifyOptions};
use crate::cli::Format;
use crate::cli::output::{emit, emit_json};
use crate::error::{EXIT_INVALID, Result};
use crate::store;
use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Also require the entry at SEQ to exist and have HASH (as printed by
    /// `ledger head`); catches truncation and rewritten history. May repeat.
    #[arg(long, value_name = "SEQ:HASH")]
    pub anchor: Vec<Anchor>,
    /// Report at most this many problems (all are counted)
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub max_errors: usize,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(ledger: Option<&Path>, args: Args, out: &mut dyn Write) -> Result<i32> {
    let path = store::resolve(ledger)?;
    let opts = VerifyOptions {
        anchors: args.anchor,
        max_problems: args.max_errors,
        index_only: true,
        ..VerifyOptions::default()
    };
    let (report, _) = store::scan(&path, opts)?;
    match args.format {
        Format::Json => emit_json(out, &to_json(&report))?,
        Format::Text => emit(out, &to_text(&report))?,
    }
    Ok(if report.ok() { 0 } else { EXIT_INVALID })
}

/// The text report: each problem, compiler style, then one summary line.
pub fn to_text(r: &Report) -> String {
    let mut s = String::new();
    for p in &r.problems {
        s.push_str(&p.render(&r.path));
        s.push('\n');
    }
    let head = r
        .head
        .map_or("none".to_string(), |(seq, h)| format!("{seq}:{h}"));
    if r.ok() {
        s.push_str(&format!(
            "ok: {}: {} {}, head {head}\n",
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
            "FAILED: {}: {} problem{}{shown} in {} line{}\n",
            r.path.display(),
            r.total_problems,
            if r.total_problems == 1 { "" } else { "s" },
            r.lines,
            if r.lines == 1 { "" } else { "s" },
        ));
    }
    s
}

/// The JSON report (stable; documented in docs/FORMAT.md).
pub fn to_json(r: &Report) -> Value {
    let errors: Vec<Value> = r
        .problems
        .iter()
        .map(|p| {
            json!({
                "line": p.line,
                "seq": p.seq,
                "kind": p.kind.as_str(),
                "message": p.message,
                "column": p.column,
                "help": p.help,
            })
        })
        .collect();
    json!({
        "ok": r.ok(),
        "path": r.path.display().to_string(),
        "lines": r.lines,
        "entries": r.entries,
        "head": r.head.map(|(seq, h)| format!("{seq}:{h}")),
        "error_count": r.total_problems,
        "errors": errors,
    })
}
