//! `ledger cite-check`: check every citation of a source against an archived
//! copy of its text.

use crate::citations;
use crate::cli::Format;
use crate::cli::output::{emit, emit_json};
use crate::error::{EXIT_INVALID, Error, Result};
use crate::escape::{terminal, terminal_path};
use crate::store;
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The registered source whose citations to check
    pub source: String,
    /// An archived copy of the source's text (UTF-8)
    pub file: PathBuf,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(ledger: Option<&Path>, args: Args, out: &mut dyn Write) -> Result<i32> {
    let path = store::resolve(ledger)?;
    let (entries, state) = store::load(&path)?;
    if state.source(&args.source).is_none() {
        return Err(Error::usage(
            format!("{}: no source has the id `{}`", path.display(), args.source),
            Some("list sources with `ledger sources`".into()),
        ));
    }
    let text = store::read_text(&args.file)?;
    let checked = citations::check(&entries, &args.source, &text);
    let sha_differs = checked
        .recorded_sha256
        .as_ref()
        .is_some_and(|r| *r != checked.sha256);
    match args.format {
        Format::Json => emit_json(
            out,
            &json!({
                "ok": checked.ok(),
                "source": args.source,
                "file": args.file.display().to_string(),
                "citations": checked.citations,
                "sha256": checked.sha256,
                "recorded_sha256": checked.recorded_sha256,
                "mismatches": checked.mismatches.iter().map(|m| json!({
                    "line": m.seq + 1,
                    "seq": m.seq,
                    "fact": m.fact,
                    "message": m.message,
                })).collect::<Vec<_>>(),
            }),
        )?,
        Format::Text => {
            let file = terminal_path(&args.file);
            let source = terminal(&args.source);
            let mut s = String::new();
            if sha_differs {
                s.push_str(&format!(
                    "error[sha256]: {} is not the archived text of `{}`: its SHA-256 is {}..., the source recorded {}...\n  = help: check that this is the right file; a different text is a different source\n\n",
                    file,
                    source,
                    &checked.sha256[..12],
                    checked.recorded_sha256.as_deref().unwrap_or("").get(..12).unwrap_or("")
                ));
            }
            for m in &checked.mismatches {
                s.push_str(&format!(
                    "error[citation]: line {} (seq {}): fact `{}`: {}\n  --> {}:{}\n\n",
                    m.seq + 1,
                    m.seq,
                    terminal(&m.fact),
                    terminal(&m.message),
                    terminal_path(&path),
                    m.seq + 1
                ));
            }
            s.push_str(&if checked.ok() {
                format!(
                    "ok: {} citation{} of `{}` match {}\n",
                    checked.citations,
                    if checked.citations == 1 { "" } else { "s" },
                    source,
                    file
                )
            } else {
                format!(
                    "FAILED: {} of {} citation{} of `{}` do not match {}{}\n",
                    checked.mismatches.len(),
                    checked.citations,
                    if checked.citations == 1 { "" } else { "s" },
                    source,
                    file,
                    if sha_differs {
                        ", and the file is not the archived text"
                    } else {
                        ""
                    }
                )
            });
            emit(out, &s)?;
        }
    }
    Ok(if checked.ok() { 0 } else { EXIT_INVALID })
}
