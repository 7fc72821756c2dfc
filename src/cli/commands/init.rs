//! `ledger init`: create a ledger file with its genesis entry. Without
//! `--ledger` it creates `ledger/TITLE.jsonl` in the current directory, and
//! refuses when the project already has a ledger that commands would find
//! (a second one would leave them unable to choose) unless `--force`.

use crate::cli::Format;
use crate::cli::output::{emit, emit_json};
use crate::error::{Error, Result};
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
    /// Create it even though this project already has a ledger (commands
    /// then need --ledger PATH to choose)
    #[arg(long)]
    pub force: bool,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(ledger: Option<&Path>, args: Args, out: &mut dyn Write) -> Result<i32> {
    let path = match ledger {
        Some(p) => p.to_path_buf(),
        None => {
            let path =
                PathBuf::from(store::DEFAULT_DIR).join(format!("{}.jsonl", slug(&args.title)));
            if !args.force {
                refuse_a_second_ledger(&path)?;
            }
            path
        }
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

/// Refuses to create `path` when commands run here already find a ledger
/// (in `./ledger/` or the nearest `ledger/` above), saying where it is.
fn refuse_a_second_ledger(path: &Path) -> Result<()> {
    let Some(dir) = store::find_ledger_dir()? else {
        return Ok(());
    };
    let existing = store::ledgers_in(&dir)?;
    let Some(first) = existing.first() else {
        return Ok(());
    };
    let names: Vec<String> = existing.iter().map(|p| p.display().to_string()).collect();
    Err(Error::usage(
        format!(
            "this project already has a ledger: {}; commands run here use it, and a second one would leave them unable to choose; nothing was created",
            names.join(", ")
        ),
        Some(format!(
            "use {} (every command finds it from any directory below {}), or create another one at a chosen path with `ledger --ledger PATH init`, or pass --force to create {} anyway",
            first.display(),
            dir.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map_or(".".to_string(), |p| p.display().to_string()),
            path.display()
        )),
    ))
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
