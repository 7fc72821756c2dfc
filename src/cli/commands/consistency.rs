//! `ledger consistency --from N [--to M]`: a consistency proof between two
//! sizes of the ledger's tree, as JSON.

use crate::cli::output::emit_json;
use crate::error::{Error, Result};
use crate::proof::Consistency;
use crate::{store, tlog};
use std::io::Write;
use std::path::Path;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The older tree size (that of an earlier checkpoint), at least 1
    #[arg(long, value_name = "N")]
    pub from: u64,
    /// The newer tree size [default: every entry]
    #[arg(long, value_name = "M")]
    pub to: Option<u64>,
}

pub fn run(ledger: Option<&Path>, args: Args, out: &mut dyn Write) -> Result<i32> {
    let path = store::resolve(ledger)?;
    let leaves = tlog::leaves(&path)?;
    let to = args.to.unwrap_or(leaves.len() as u64);
    if to > leaves.len() as u64 {
        return Err(Error::usage(
            format!("--to {to}: the ledger has {} entries", leaves.len()),
            None,
        ));
    }
    if args.from == 0 || args.from > to {
        return Err(Error::usage(
            format!("--from {} --to {to}: a proof needs 1 <= N <= M", args.from),
            Some("every tree extends the empty one; there is nothing to prove from size 0".into()),
        ));
    }
    let proof = Consistency::new(&leaves[..to as usize], args.from)
        .ok_or_else(|| Error::usage("no proof for these sizes", None))?;
    emit_json(out, &proof)?;
    Ok(0)
}
