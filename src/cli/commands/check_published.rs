//! `ledger check-published DIR --key VERIFIER [--prove ID|SEQ --line LINE]`:
//! verify a log published as tlog-tiles, and an entry's inclusion, from the
//! published files alone.

use crate::chain;
use crate::cli::Format;
use crate::cli::output::{emit, emit_json};
use crate::error::{Error, Result};
use crate::merkle;
use crate::{note, tiles};
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The publication directory (as `ledger publish` wrote it)
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The log's verifier key (file or NAME+KEYID+BASE64); may repeat
    #[arg(long = "key", value_name = "VERIFIER", required = true)]
    pub keys: Vec<String>,
    /// The log's origin [default: the name of the first --key]
    #[arg(long, value_name = "ORIGIN")]
    pub origin: Option<String>,
    /// Instead of checking every file, prove that this entry (its seq, or the
    /// id it introduced, or a prefix of that id) is in the signed tree,
    /// reading only the tiles its proof needs; needs --line
    #[arg(long, value_name = "ID|SEQ", requires = "line")]
    pub prove: Option<String>,
    /// The entry's line as the ledger holds it (its hash is recomputed from it)
    #[arg(long, value_name = "LINE", requires = "prove")]
    pub line: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(args: Args, out: &mut dyn Write) -> Result<i32> {
    let keys = note::read_verifiers(&args.keys)?;
    let origin = note::origin_or_first_key(args.origin.as_deref(), &keys);
    if let (Some(which), Some(line)) = (&args.prove, &args.line) {
        return prove(&args, &keys, origin.as_deref(), which, line, out);
    }
    let checked = tiles::check(&args.dir, &keys, origin.as_deref())?;
    let cp = &checked.checkpoint.checkpoint;
    match args.format {
        Format::Json => emit_json(
            out,
            &json!({
                "ok": true,
                "dir": args.dir.display().to_string(),
                "origin": cp.origin,
                "size": cp.size,
                "root": cp.root_base64(),
                "files": checked.files,
            }),
        )?,
        Format::Text => {
            emit(
                out,
                &format!(
                    "ok: {}: {} entries, root {}, signed by {}; {} tiles and bundles check out\n",
                    crate::escape::terminal_path(&args.dir),
                    cp.size,
                    cp.root_base64(),
                    crate::escape::terminal(&checked.checkpoint.verified_by().join(", ")),
                    checked.files
                ),
            )?;
        }
    }
    Ok(0)
}

/// `--prove`: the checkpoint's signature, then the entry's inclusion from the
/// few tiles its proof needs (one per level of tiles, and the partial tiles
/// of the right edge), as a reader of a static host would check one fact.
fn prove(
    args: &Args,
    keys: &[crate::note::VerifierKey],
    origin: Option<&str>,
    which: &str,
    line: &str,
    out: &mut dyn Write,
) -> Result<i32> {
    let cp_path = args.dir.join("checkpoint");
    let bytes = crate::checkpoint::read(&cp_path)?;
    let signed = crate::checkpoint::open(&cp_path, &bytes, keys, origin)?;
    let cp = &signed.checkpoint;
    let line = line.trim_end_matches(['\n', '\r']);
    let read = chain::read_entry(line);
    let entry = match (&read.entry, read.problems.first()) {
        (Some(e), None) => e,
        (_, Some(p)) => {
            return Err(Error::usage(
                format!("--line is not an intact entry: {}", p.message),
                Some("pass the entry's line exactly as the ledger holds it".into()),
            ));
        }
        (None, None) => return Err(Error::usage("--line is not an entry", None)),
    };
    // The line names one entry, so a prefix of the id it introduced is
    // enough to say which one is meant.
    let names = which == entry.seq.to_string()
        || crate::tlog::introduces(&entry.body)
            .is_some_and(|id| !which.is_empty() && id.starts_with(which));
    if !names {
        return Err(Error::usage(
            format!("--line holds entry {}, which is not `{which}`", entry.seq),
            None,
        ));
    }
    let fail = |m: String| Error::unverified(&args.dir, m, None);
    if entry.seq >= cp.size {
        return Err(fail(format!(
            "entry {} is not in the published tree of {} entries",
            entry.seq, cp.size
        )));
    }
    let mut reader = tiles::TileReader::new(&args.dir, cp.size);
    let path = reader.inclusion_proof(entry.seq)?;
    let leaf = merkle::entry_leaf(&entry.hash);
    let raw: Vec<[u8; 32]> = path.iter().map(|h| h.0).collect();
    merkle::verify_inclusion(entry.seq, cp.size, &leaf.0, &raw, &cp.root.0)
        .map_err(|e| fail(format!("entry {}: {e}", entry.seq)))?;
    match args.format {
        Format::Json => emit_json(
            out,
            &json!({
                "ok": true,
                "dir": args.dir.display().to_string(),
                "origin": cp.origin,
                "size": cp.size,
                "root": cp.root_base64(),
                "seq": entry.seq,
                "hash": entry.hash.to_hex(),
                "tiles_read": reader.tiles_read(),
            }),
        )?,
        Format::Text => emit(
            out,
            &format!(
                "ok: {}: entry {} (hash {}) is in the published tree of {} entries, root {}, signed by {} ({} tiles read)\n",
                crate::escape::terminal_path(&args.dir),
                entry.seq,
                entry.hash,
                cp.size,
                cp.root_base64(),
                crate::escape::terminal(&signed.verified_by().join(", ")),
                reader.tiles_read()
            ),
        )?,
    }
    Ok(0)
}
