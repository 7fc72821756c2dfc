//! `ledger init`: create a ledger file with its genesis entry.

use crate::cli::Format;
use crate::cli::output::{emit, emit_json};
use crate::error::Result;
use crate::escape::terminal_path;
use crate::store;
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The ledger's title, e.g. "Canada – North Korea relations"
    #[arg(long)]
    pub title: String,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(ledger: Option<&Path>, args: Args, out: &mut dyn Write) -> Result<i32> {
    let path = match ledger {
        Some(p) => p.to_path_buf(),
        None => PathBuf::from(store::DEFAULT_DIR).join(format!("{}.jsonl", slug(&args.title))),
    };
    let now = store::now()?;
    let a = store::init(&path, &args.title, &now)?;
    match args.format {
        Format::Json => emit_json(
            out,
            &json!({"path": path.display().to_string(), "seq": a.entry.seq, "hash": a.entry.hash.to_hex()}),
        )?,
        Format::Text => emit(
            out,
            &format!(
                "created {} (seq {}, hash {})\n\
                 Keep git from rewriting its line endings: add this line to .gitattributes\n    *.jsonl text eol=lf\n",
                terminal_path(&path),
                a.entry.seq,
                a.entry.hash
            ),
        )?,
    }
    Ok(0)
}

/// A file name from a title: lowercase ASCII words joined by `-`.
fn slug(title: &str) -> String {
    let mut s = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    let s = s.trim_end_matches('-').to_string();
    if s.is_empty() { "ledger".into() } else { s }
}
