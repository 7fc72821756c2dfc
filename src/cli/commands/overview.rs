//! `ledger` with no command: which ledger is in use and how it was found, its
//! head and what it holds, and the commands to go on with; outside a project,
//! how to create or name one.

use crate::chain::VerifyOptions;
use crate::cli::Format;
use crate::cli::output::{emit, emit_json};
use crate::error::{Error, Result};
use crate::escape::{terminal, terminal_path};
use crate::store;
use clap::ArgMatches;
use clap::parser::ValueSource;
use serde_json::json;
use std::io::Write;
use std::path::Path;

pub fn run(
    ledger: Option<&Path>,
    format: Format,
    matches: &ArgMatches,
    out: &mut dyn Write,
) -> Result<i32> {
    let path = store::resolve(ledger).map_err(|e| match e {
        Error::Usage { message, .. } => Error::usage(
            message,
            Some(
                "create a ledger here with `ledger init --title TEXT` (it writes ./ledger/TITLE.jsonl), \
                 or name one with --ledger PATH or LEDGER_PATH; `ledger --help` lists every command"
                    .into(),
            ),
        ),
        e => e,
    })?;
    let how = match matches.value_source("ledger") {
        Some(ValueSource::EnvVariable) => "from LEDGER_PATH".to_string(),
        Some(ValueSource::CommandLine) => "from --ledger".to_string(),
        _ => match path.parent().map(|p| p.display().to_string()) {
            Some(dir) if dir == store::DEFAULT_DIR => {
                "the single *.jsonl file under ./ledger/".to_string()
            }
            Some(dir) => format!(
                "the single *.jsonl file in {}/, the nearest ledger/ directory",
                terminal(&dir)
            ),
            None => "the nearest ledger/ directory".to_string(),
        },
    };
    let (report, state) = store::scan(&path, VerifyOptions::default())?;
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let live = state.facts.iter().filter(|f| f.is_live()).count();
    let disputes: usize = state
        .facts
        .iter()
        .map(|f| {
            f.disputes
                .iter()
                .filter(|d| d.dispute.target == f.fact.id)
                .count()
        })
        .sum();
    let code = if report.ok() {
        0
    } else {
        crate::error::EXIT_INVALID
    };
    if format == Format::Json {
        emit_json(
            out,
            &json!({
                "path": path.display().to_string(),
                "found": how,
                "title": state.title,
                "head": report.head.map(|(seq, h)| format!("{seq}:{h}")),
                "entries": report.entries,
                "sources": state.sources.len(),
                "facts": state.facts.len(),
                "live_facts": live,
                "disputes": disputes,
                "ok": report.ok(),
                "problems": report.total_problems,
            }),
        )?;
        return Ok(code);
    }
    let mut s = format!(
        "ledger: {} ({how})\ntitle:  {}\nhead:   {}\nholds:  {}: {}, {} ({live} live), {}\n",
        terminal_path(&path),
        terminal(state.title.as_deref().unwrap_or("(none)")),
        report
            .head
            .map_or("none".to_string(), |(seq, h)| format!("{seq}:{h}")),
        plural(report.entries as usize, "entry", "entries"),
        plural(state.sources.len(), "source", "sources"),
        plural(state.facts.len(), "fact", "facts"),
        plural(disputes, "dispute", "disputes"),
    );
    s.push_str(&if report.ok() {
        "status: verifies\n".to_string()
    } else {
        format!(
            "status: {}; run `ledger verify` to see them\n",
            plural(report.total_problems, "problem", "problems")
        )
    });
    s.push_str(
        "\ncommon commands:\n\
         \x20 ledger verify              check every line, link and reference\n\
         \x20 ledger add --subject ...   record a source-cited fact\n\
         \x20 ledger log                 list entries\n\
         \x20 ledger summary             the state-of-relations report\n\
         \x20 ledger --help              every command\n",
    );
    emit(out, &s)?;
    Ok(code)
}
