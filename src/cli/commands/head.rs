//! `ledger head`: print the last entry's `SEQ:HASH`.

use crate::cli::Format;
use crate::cli::output::{emit, emit_json};
use crate::error::Result;
use crate::store;
use serde_json::json;
use std::io::Write;
use std::path::Path;

pub type Args = crate::cli::FormatArgs;

pub fn run(ledger: Option<&Path>, args: Args, out: &mut dyn Write) -> Result<i32> {
    let path = store::resolve(ledger)?;
    // Reading the tail under the shared lock checks the last entry is complete
    // and intact, and works on a read-only ledger.
    let tail = store::lock_shared(&path)?.tail()?;
    match args.format {
        Format::Json => emit_json(out, &json!({"seq": tail.seq, "hash": tail.hash.to_hex()}))?,
        Format::Text => emit(out, &format!("{}:{}\n", tail.seq, tail.hash))?,
    }
    Ok(0)
}
