//! `ledger import`: append many entries from a JSONL file, all or nothing.
//!
//! Each line of the file is `{"kind": K, "body": {...}}` (an entry without the
//! members the ledger assigns: `seq`, `prev`, `hash`, `recorded`, `format`).
//! The whole file is checked first (JSON, shape, and every reference against the
//! ledger plus the lines before it); then all entries are appended under one
//! lock in one write.

use crate::cli::Format;
use crate::cli::args::print_appended;
use crate::entry::Body;
use crate::error::{Error, Result};
use crate::jcs;
use crate::store;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A JSONL file of {"kind": ..., "body": {...}} lines
    pub file: PathBuf,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(ledger: Option<&Path>, args: Args, out: &mut dyn Write) -> Result<i32> {
    let path = store::resolve(ledger)?;
    let bodies = read_bodies(&args.file)?;
    if bodies.is_empty() {
        return Err(Error::usage(
            format!("{}: no entries to import", args.file.display()),
            None,
        ));
    }
    let now = store::now()?;
    let (lines, bodies): (Vec<usize>, Vec<Body>) = bodies.into_iter().unzip();
    let file = args.file.display().to_string();
    let (written, _) = store::append_checked_labeled(
        &path,
        &now,
        |_, _| Ok(bodies),
        |i, _| format!("{file}:{}", lines[i]),
    )?;
    print_appended(out, args.format, &path, &written)?;
    Ok(0)
}

/// Reads and checks every line of an import file.
/// Returns each entry with its 1-based line number.
pub fn read_bodies(file: &Path) -> Result<Vec<(usize, Body)>> {
    let text = store::read_text(file)?;
    let bad = |line: usize, msg: String| {
        Error::usage(
            format!("{}:{line}: {msg}; nothing was imported", file.display()),
            Some("each line must be {\"kind\": KIND, \"body\": {...}} as in docs/FORMAT.md".into()),
        )
    };
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let v = jcs::parse_strict(line).map_err(|e| bad(n, e.message))?;
        let Value::Object(map) = v else {
            return Err(bad(n, "expected a JSON object".into()));
        };
        for k in map.keys() {
            if !matches!(k.as_str(), "kind" | "body") {
                return Err(bad(
                    n,
                    format!(
                        "unexpected member `{k}`: the ledger assigns seq, prev, hash, recorded and format itself"
                    ),
                ));
            }
        }
        let kind = map
            .get("kind")
            .and_then(Value::as_str)
            .ok_or_else(|| bad(n, "missing string member `kind`".into()))?;
        if kind == "genesis" {
            return Err(bad(n, "a genesis entry cannot be imported".into()));
        }
        let body = map
            .get("body")
            .ok_or_else(|| bad(n, "missing member `body`".into()))?;
        let b = Body::from_value(kind, body).map_err(|e| bad(n, e))?;
        b.check().map_err(|e| bad(n, e))?;
        out.push((n, b));
    }
    Ok(out)
}
