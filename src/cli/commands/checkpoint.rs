//! `ledger checkpoint`: print a C2SP tlog-checkpoint of the ledger, signed
//! with a log key.

use crate::checkpoint::Checkpoint;
use crate::cli::Format;
use crate::cli::output::{emit, emit_json};
use crate::error::{Error, Result};
use crate::{note, store, tlog};
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The log's signer key file (NAME.key from `ledger keygen NAME`)
    #[arg(long, value_name = "SIGNER")]
    pub key: PathBuf,
    /// The checkpoint's origin line, naming the log [default: the key's name]
    #[arg(long, value_name = "ORIGIN")]
    pub origin: Option<String>,
    /// Sign the tree of entries 0..=SEQ [default: every entry]
    #[arg(long, value_name = "SEQ")]
    pub at: Option<u64>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(ledger: Option<&Path>, args: Args, out: &mut dyn Write) -> Result<i32> {
    let path = store::resolve(ledger)?;
    let key = note::read_signer(&args.key)?;
    let origin = args.origin.clone().unwrap_or_else(|| key.name.clone());
    check_origin(&origin)?;
    let sizes: Vec<u64> = args.at.map(|s| s.saturating_add(1)).into_iter().collect();
    let tree = tlog::tree(&path, &sizes)?;
    let size = args.at.map_or(tree.size, |s| s.saturating_add(1));
    let root = tree.root_at(size).ok_or_else(|| {
        Error::usage(
            format!(
                "--at {}: the ledger's last entry is {}",
                size - 1,
                tree.size.saturating_sub(1)
            ),
            None,
        )
    })?;
    let cp = Checkpoint::new(&origin, size, root);
    let signed = cp.sign(&key)?;
    match args.format {
        Format::Json => emit_json(
            out,
            &json!({
                "origin": origin,
                "size": size,
                "root": cp.root_base64(),
                "root_hex": root.to_hex(),
                "checkpoint": signed,
            }),
        )?,
        Format::Text => emit(out, &signed)?,
    }
    Ok(0)
}

/// An origin line: not empty, no control characters (a note has none).
pub fn check_origin(origin: &str) -> Result<()> {
    if origin.is_empty() || origin.chars().any(char::is_control) {
        return Err(Error::usage(
            format!("`{origin}` cannot be an origin line"),
            Some(
                "an origin names the log, e.g. example.org/relations: not empty, on one line"
                    .into(),
            ),
        ));
    }
    Ok(())
}
