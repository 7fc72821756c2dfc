//! `ledger import`: append many entries from a JSONL file, all or nothing.
//!
//! Each line of the file is `{"kind": K, "body": {...}}` (an entry without the
//! members the ledger assigns: `seq`, `prev`, `hash`, `recorded`, `format`).
//! Every line is checked on its own, against the archived texts of its
//! sources (as `add` does, [`crate::evidence`]) and against the ledger plus
//! the lines before it; a refusal names its `FILE:LINE` and leaves the ledger
//! unchanged. The work is [`crate::import`]'s; this module parses the
//! arguments and prints the outcome.

use crate::cli::Format;
use crate::cli::args::{LISTED, print_imported, print_notes};
use crate::error::Result;
use crate::store;
use std::io::Write;
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
    let now = store::now()?;
    let (imported, resolver) = crate::import::import(&path, archive, &args.file, &now, LISTED + 1)?;
    print_imported(out, args.format, &path, &imported)?;
    print_notes(&resolver);
    Ok(0)
}
