//! `ledger prove ID|SEQ [--size N]`: an inclusion proof of one entry, as JSON
//! a reader checks against a signed checkpoint without the ledger.

use crate::cli::output::emit_json;
use crate::error::{Error, Result};
use crate::proof::Inclusion;
use crate::{store, tlog};
use std::io::Write;
use std::path::Path;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The entry: its seq, or the id (or any unique prefix of the id) of the
    /// fact, source or term it introduced
    #[arg(value_name = "ID|SEQ")]
    pub entry: String,
    /// Prove inclusion in the tree of the first N entries (the size of the
    /// checkpoint the reader has) [default: every entry]
    #[arg(long, value_name = "N")]
    pub size: Option<u64>,
}

pub fn run(ledger: Option<&Path>, args: Args, out: &mut dyn Write) -> Result<i32> {
    let path = store::resolve(ledger)?;
    let by_seq = args
        .entry
        .parse::<u64>()
        .ok()
        .filter(|_| args.entry.bytes().all(|b| b.is_ascii_digit()));
    let (leaves, found) =
        tlog::leaves_finding(&path, by_seq.is_none().then_some(args.entry.as_str()))?;
    let seq = match (by_seq, found) {
        (Some(s), _) | (None, Some(s)) => s,
        (None, None) => {
            return Err(Error::usage(
                format!(
                    "no entry introduces the id `{}`, or an id starting with it",
                    args.entry
                ),
                Some("give the id of a fact, source or defined term, or an entry's seq".into()),
            ));
        }
    };
    let size = args.size.unwrap_or(leaves.len() as u64);
    if size > leaves.len() as u64 {
        return Err(Error::usage(
            format!("--size {size}: the ledger has {} entries", leaves.len()),
            None,
        ));
    }
    if seq >= size {
        return Err(Error::usage(
            format!("entry {seq} is not among the first {size} entries"),
            Some("prove it in a tree that contains it: a larger --size".into()),
        ));
    }
    let line = tlog::line_of(&path, seq)?;
    let proof = Inclusion::new(&leaves[..size as usize], seq, line).ok_or_else(|| {
        Error::usage(
            format!("entry {seq} is not in a tree of {size} entries"),
            None,
        )
    })?;
    emit_json(out, &proof)?;
    Ok(0)
}
