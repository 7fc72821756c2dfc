//! `ledger publish DIR --key SIGNER`: write the ledger's tree as C2SP
//! tlog-tiles (checkpoint, hash tiles, entry bundles) for a static host.

use crate::cli::Format;
use crate::cli::output::{emit, emit_json};
use crate::error::Result;
use crate::{note, store, tiles, tlog};
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The publication directory (created if missing), to serve as is
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The log's signer key file (NAME.key from `ledger keygen NAME`)
    #[arg(long, value_name = "SIGNER")]
    pub key: PathBuf,
    /// The checkpoint's origin line [default: the key's name]
    #[arg(long, value_name = "ORIGIN")]
    pub origin: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(ledger: Option<&Path>, args: Args, out: &mut dyn Write) -> Result<i32> {
    let path = store::resolve(ledger)?;
    let key = note::read_signer(&args.key)?;
    let origin = args.origin.clone().unwrap_or_else(|| key.name.clone());
    super::checkpoint::check_origin(&origin)?;
    let (entries, _) = tlog::entries_finding(&path, None)?;
    let done = tiles::publish(&args.dir, &entries, &key, &origin)?;
    match args.format {
        Format::Json => emit_json(
            out,
            &json!({
                "dir": args.dir.display().to_string(),
                "origin": origin,
                "size": done.size,
                "previous_size": done.previous,
                "written": done.written,
                "kept": done.kept,
            }),
        )?,
        Format::Text => emit(
            out,
            &format!(
                "published {} entr{} of {} to {}: checkpoint {}{}; wrote {} tile{}, kept {} unchanged\n",
                done.size,
                if done.size == 1 { "y" } else { "ies" },
                crate::escape::terminal_path(&path),
                crate::escape::terminal_path(&args.dir),
                done.size,
                done.previous
                    .map_or(String::new(), |p| format!(" (was {p})")),
                done.written,
                if done.written == 1 { "" } else { "s" },
                done.kept
            ),
        )?,
    }
    Ok(0)
}
