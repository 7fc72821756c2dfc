//! `ledger check-proof PROOF.json --checkpoint FILE --key VERIFIER`: check
//! an inclusion or consistency proof against signed checkpoints, without the
//! ledger.

use crate::checkpoint::{self, Signed};
use crate::cli::Format;
use crate::cli::output::{emit, emit_json};
use crate::error::{Error, Result};
use crate::note;
use crate::proof::Proof;
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The proof, as `ledger prove` or `ledger consistency` printed it
    #[arg(value_name = "PROOF")]
    pub proof: PathBuf,
    /// A signed checkpoint of the tree size the proof is for; a consistency
    /// proof needs one of each size (give --checkpoint twice)
    #[arg(long, value_name = "FILE", required = true)]
    pub checkpoint: Vec<PathBuf>,
    /// The log's verifier key (file or NAME+KEYID+BASE64); may repeat
    #[arg(long = "key", value_name = "VERIFIER", required = true)]
    pub keys: Vec<String>,
    /// The log's origin the checkpoints must carry [default: the name of the first --key]
    #[arg(long, value_name = "ORIGIN")]
    pub origin: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(args: Args, out: &mut dyn Write) -> Result<i32> {
    let keys = note::read_verifiers(&args.keys)?;
    let origin = note::origin_or_first_key(args.origin.as_deref(), &keys);
    let text =
        std::fs::read_to_string(&args.proof).map_err(|e| Error::io(&args.proof, "read", e))?;
    let proof = Proof::parse(&text)
        .map_err(|m| Error::usage(format!("{}: {m}", args.proof.display()), None))?;
    let mut signed: Vec<(PathBuf, Signed)> = Vec::new();
    for c in &args.checkpoint {
        let bytes = checkpoint::read(c)?;
        signed.push((
            c.clone(),
            checkpoint::open(c, &bytes, &keys, origin.as_deref())?,
        ));
    }
    let at = |size: u64| {
        signed
            .iter()
            .find(|(_, s)| s.checkpoint.size == size)
            .ok_or_else(|| {
                let have: Vec<String> = signed
                    .iter()
                    .map(|(p, s)| format!("{} (size {})", p.display(), s.checkpoint.size))
                    .collect();
                Error::usage(
                    format!(
                        "the proof is for tree size {size}, but no --checkpoint is: {}",
                        have.join(", ")
                    ),
                    Some("give the checkpoint of the size the proof was made for (`ledger prove --size N`)".into()),
                )
            })
    };
    let fail = |m: String| Error::unverified(&args.proof, m, None);
    let (summary, value) = match &proof {
        Proof::Inclusion(p) => {
            let (cp_path, cp) = at(p.tree_size)?;
            let hash = p.check(&cp.checkpoint.root).map_err(fail)?;
            (
                format!(
                    "ok: {}: entry {} (hash {hash}) is in the tree of {} entries signed by {} in {}\n",
                    crate::escape::terminal_path(&args.proof),
                    p.seq,
                    p.tree_size,
                    cp.verified_by().join(", "),
                    crate::escape::terminal_path(cp_path)
                ),
                json!({"ok": true, "kind": "inclusion", "seq": p.seq, "hash": hash.to_hex(), "tree_size": p.tree_size, "origin": cp.checkpoint.origin, "checkpoint": cp_path.display().to_string()}),
            )
        }
        Proof::Consistency(p) => {
            let (old_path, old) = at(p.from)?;
            let (new_path, new) = at(p.to)?;
            p.check(&old.checkpoint.root, &new.checkpoint.root)
                .map_err(fail)?;
            (
                format!(
                    "ok: {}: the tree of {} entries ({}) is a prefix of the tree of {} ({})\n",
                    crate::escape::terminal_path(&args.proof),
                    p.from,
                    crate::escape::terminal_path(old_path),
                    p.to,
                    crate::escape::terminal_path(new_path)
                ),
                json!({"ok": true, "kind": "consistency", "from": p.from, "to": p.to, "origin": new.checkpoint.origin}),
            )
        }
    };
    match args.format {
        Format::Json => emit_json(out, &value)?,
        Format::Text => emit(out, &summary)?,
    }
    Ok(0)
}
