//! `ledger import`: append many entries from a JSONL file, all or nothing.
//!
//! Each line of the file is `{"kind": K, "body": {...}}` (an entry without the
//! members the ledger assigns: `seq`, `prev`, `hash`, `recorded`, `format`).
//! The whole file is checked first (JSON, shape, and every reference against the
//! ledger plus the lines before it); then all entries are appended under one
//! lock in one write. Citations are located and checked against the archived
//! texts of their sources as `add` does ([`crate::evidence`]), each refusal
//! naming its `FILE:LINE`.

use crate::archive::Archive;
use crate::cli::Format;
use crate::cli::args::{print_appended, print_notes};
use crate::entry::Body;
use crate::error::{Error, Result};
use crate::evidence::Resolver;
use crate::jcs;
use crate::lines::{self, Line, MAX_ENTRY_BYTES};
use crate::store;
use serde_json::Value;
use std::fs::File;
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A JSONL file of {"kind": ..., "body": {...}} lines
    pub file: PathBuf,
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
    let bodies = read_bodies(&args.file)?;
    if bodies.is_empty() {
        return Err(Error::usage(
            format!("{}: no entries to import", args.file.display()),
            None,
        ));
    }
    let now = store::now()?;
    let (lines, mut bodies): (Vec<usize>, Vec<Body>) = bodies.into_iter().unzip();
    let file = args.file.display().to_string();
    let mut resolver = Resolver::new(Archive::for_ledger(&path, archive));
    let (written, _) = store::append_checked_labeled(
        &path,
        &now,
        |prior, seq| {
            for (i, b) in bodies.iter_mut().enumerate() {
                resolver.resolve_body(b, prior).map_err(|r| {
                    r.into_error(&path, seq + i as u64, Some(format!("{file}:{}", lines[i])))
                })?;
            }
            Ok(bodies)
        },
        |i, _| format!("{file}:{}", lines[i]),
    )?;
    print_appended(out, args.format, &path, &written)?;
    print_notes(&resolver);
    Ok(0)
}

/// Reads and checks every line of an import file, streaming it: no line longer
/// than the maximum entry size is held in memory.
/// Returns each entry with its 1-based line number.
pub fn read_bodies(file: &Path) -> Result<Vec<(usize, Body)>> {
    let bad = |line: usize, msg: String| {
        Error::usage(
            format!("{}:{line}: {msg}; nothing was imported", file.display()),
            Some("each line must be {\"kind\": KIND, \"body\": {...}} as in docs/FORMAT.md".into()),
        )
    };
    let f = File::open(file).map_err(|e| Error::io(file, "read", e))?;
    if f.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(Error::usage(
            format!("{} is a directory, not an import file", file.display()),
            None,
        ));
    }
    let mut r = BufReader::new(f);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut offset: u64 = 0;
    for n in 1.. {
        let terminated = match lines::read_line(&mut r, &mut buf, MAX_ENTRY_BYTES)
            .map_err(|e| Error::io(file, "read", e))?
        {
            Line::Eof => break,
            Line::TooLong { len, .. } => {
                return Err(bad(
                    n,
                    format!(
                        "the line is {len} bytes long; no entry may be longer than {MAX_ENTRY_BYTES} bytes (1 MiB)"
                    ),
                ));
            }
            Line::Fits { terminated } => terminated,
        };
        let text = std::str::from_utf8(&buf).map_err(|e| {
            Error::usage(
                format!(
                    "{}:{n}: not UTF-8 (invalid byte at offset {} of the file)",
                    file.display(),
                    offset + e.valid_up_to() as u64
                ),
                Some("save the file as UTF-8".into()),
            )
        })?;
        offset += buf.len() as u64 + u64::from(terminated);
        if n == 1 && text.starts_with('\u{FEFF}') {
            return Err(bad(
                n,
                "the file starts with a byte-order mark (EF BB BF); save it as UTF-8 without a BOM"
                    .into(),
            ));
        }
        let line = text.strip_suffix('\r').unwrap_or(text);
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
        b.check_new_text().map_err(|e| {
            Error::usage(
                format!("{}:{n}: {e}; nothing was imported", file.display()),
                Some(crate::entry::NEW_TEXT_HELP.into()),
            )
        })?;
        out.push((n, b));
    }
    Ok(out)
}
