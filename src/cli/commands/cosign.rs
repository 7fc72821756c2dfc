//! `ledger cosign CHECKPOINT --key WITNESS_SIGNER --log-key VERIFIER --state
//! DIR`: act as a witness: add a C2SP cosignature to a log's checkpoint if it
//! extends the last one cosigned for that log, and print the cosigned note.

use crate::cli::Format;
use crate::cli::output::{emit, emit_json};
use crate::error::{Error, Result};
use crate::note;
use crate::proof::{Consistency, Proof};
use crate::store;
use crate::witness::{self, Evidence};
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The log's signed checkpoint to cosign
    #[arg(value_name = "CHECKPOINT")]
    pub checkpoint: PathBuf,
    /// The witness's signer key file (from `ledger keygen NAME --witness`)
    #[arg(long, value_name = "WITNESS_SIGNER")]
    pub key: PathBuf,
    /// The log's verifier key (file or NAME+KEYID+BASE64): the checkpoint
    /// must carry its signature; may repeat
    #[arg(long = "log-key", value_name = "VERIFIER", required = true)]
    pub log_keys: Vec<String>,
    /// The log's origin [default: the name of the first --log-key]
    #[arg(long, value_name = "ORIGIN")]
    pub origin: Option<String>,
    /// The witness's state: the last checkpoint it cosigned for each log
    #[arg(long, value_name = "DIR")]
    pub state: PathBuf,
    /// A consistency proof from the last cosigned size to this checkpoint's
    /// (`ledger consistency`) [default: recompute both roots from the ledger]
    #[arg(long, value_name = "PROOF")]
    pub proof: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(ledger: Option<&Path>, args: Args, out: &mut dyn Write) -> Result<i32> {
    let log_keys = note::read_verifiers(&args.log_keys)?;
    let origin = note::origin_or_first_key(args.origin.as_deref(), &log_keys);
    let key = note::read_signer(&args.key)?;
    let signed = witness::open_checkpoint(&args.checkpoint, &log_keys, origin.as_deref())?;
    let proof: Option<Consistency> = match &args.proof {
        None => None,
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| Error::io(p, "read", e))?;
            match Proof::parse(&text) {
                Ok(Proof::Consistency(c)) => Some(c),
                Ok(Proof::Inclusion(_)) => {
                    return Err(Error::usage(
                        format!(
                            "{}: an inclusion proof; a witness needs a consistency proof",
                            p.display()
                        ),
                        Some("make one with `ledger consistency --from OLD --to NEW`".into()),
                    ));
                }
                Err(m) => return Err(Error::usage(format!("{}: {m}", p.display()), None)),
            }
        }
    };
    let ledger_path;
    let evidence = match &proof {
        Some(p) => Evidence::Proof(p),
        None => {
            ledger_path = store::resolve(ledger)?;
            Evidence::Ledger(&ledger_path)
        }
    };
    let time = now_unix()?;
    let done = witness::cosign(&args.checkpoint, &signed, &key, &args.state, evidence, time)?;
    let cp = &signed.checkpoint;
    match args.format {
        Format::Json => emit_json(
            out,
            &json!({
                "origin": cp.origin,
                "size": cp.size,
                "root": cp.root_base64(),
                "witness": format!("{}+{:08x}", key.name, key.id),
                "time": done.time,
                "previous_size": done.old_size,
                "state": done.state.display().to_string(),
                "checkpoint": done.note,
            }),
        )?,
        Format::Text => emit(out, &done.note)?,
    }
    Ok(0)
}

/// The cosignature time: `LEDGER_NOW` when set (as for entries), else the clock.
fn now_unix() -> Result<u64> {
    let now = store::now()?;
    let t = chrono::NaiveDateTime::parse_from_str(&now, "%Y-%m-%dT%H:%M:%SZ")
        .map_err(|e| Error::usage(format!("{}: {e}", store::NOW_ENV), None))?;
    u64::try_from(t.and_utc().timestamp())
        .map_err(|_| Error::usage("the clock is before 1970", None))
}
