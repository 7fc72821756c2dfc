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
    /// Also prove that this entry (its seq, or the id it introduced) is in the
    /// published tree; needs --line
    #[arg(long, value_name = "ID|SEQ", requires = "line")]
    pub prove: Option<String>,
    /// The entry's line as the ledger holds it (its hash is recomputed from it)
    #[arg(long, value_name = "LINE", requires = "prove")]
    pub line: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(args: Args, out: &mut dyn Write) -> Result<i32> {
    let keys = args
        .keys
        .iter()
        .map(|k| note::read_verifier(k))
        .collect::<Result<Vec<_>>>()?;
    let origin = args
        .origin
        .clone()
        .or_else(|| keys.first().map(|k| k.name.clone()));
    let checked = tiles::check(&args.dir, &keys, origin.as_deref())?;
    let cp = &checked.checkpoint.checkpoint;
    let mut proved = None;
    if let (Some(which), Some(line)) = (&args.prove, &args.line) {
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
        let names = which == &entry.seq.to_string()
            || crate::tlog::introduces(&entry.body) == Some(which.as_str());
        if !names {
            return Err(Error::usage(
                format!("--line holds entry {}, which is not `{which}`", entry.seq),
                None,
            ));
        }
        let fail = |m: String| Error::unverified(&args.dir, m, None);
        let leaf = merkle::entry_leaf(&entry.hash);
        let path = merkle::inclusion_proof(&checked.leaves, entry.seq).ok_or_else(|| {
            fail(format!(
                "entry {} is not in the published tree of {} entries",
                entry.seq, cp.size
            ))
        })?;
        let raw: Vec<[u8; 32]> = path.iter().map(|h| h.0).collect();
        merkle::verify_inclusion(entry.seq, cp.size, &leaf.0, &raw, &cp.root.0)
            .map_err(|e| fail(format!("entry {}: {e}", entry.seq)))?;
        proved = Some((entry.seq, entry.hash));
    }
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
                "proved": proved.map(|(seq, h)| json!({"seq": seq, "hash": h.to_hex()})),
            }),
        )?,
        Format::Text => {
            let mut s = format!(
                "ok: {}: {} entries, root {}, signed by {}; {} tiles and bundles check out\n",
                args.dir.display(),
                cp.size,
                cp.root_base64(),
                checked.checkpoint.verified_by().join(", "),
                checked.files
            );
            if let Some((seq, h)) = proved {
                s.push_str(&format!(
                    "entry {seq} (hash {h}) is in the published tree\n"
                ));
            }
            emit(out, &s)?;
        }
    }
    Ok(0)
}
