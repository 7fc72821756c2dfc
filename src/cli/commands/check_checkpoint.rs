//! `ledger check-checkpoint FILE --key VERIFIER...`: verify a C2SP checkpoint
//! of any log (this ledger's, a witness's, Go's checksum database) and print
//! what it says.

use crate::checkpoint;
use crate::cli::Format;
use crate::cli::output::{emit, emit_json};
use crate::error::Result;
use crate::note;
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The signed checkpoint file
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// A verifier key (file or NAME+KEYID+BASE64) of the log or of a
    /// witness; may repeat. At least one must have signed the checkpoint;
    /// signatures by other keys are ignored
    #[arg(long = "key", value_name = "VERIFIER", required = true)]
    pub keys: Vec<String>,
    /// Also require the checkpoint to be for this log (its origin line)
    #[arg(long, value_name = "ORIGIN")]
    pub origin: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(args: Args, out: &mut dyn Write) -> Result<i32> {
    let keys = note::read_verifiers(&args.keys)?;
    let bytes = checkpoint::read(&args.file)?;
    let signed = checkpoint::open(&args.file, &bytes, &keys, args.origin.as_deref())?;
    let cp = &signed.checkpoint;
    let ignored: Vec<String> = signed
        .note
        .unknown
        .iter()
        .map(|l| format!("{}+{:08x}", l.name, l.id))
        .collect();
    match args.format {
        Format::Json => emit_json(
            out,
            &json!({
                "ok": true,
                "file": args.file.display().to_string(),
                "origin": cp.origin,
                "size": cp.size,
                "root": cp.root_base64(),
                "root_hex": cp.root.to_hex(),
                "extensions": cp.extensions,
                "verified": signed.verified_by(),
                "ignored": ignored,
            }),
        )?,
        Format::Text => {
            let mut s = format!(
                "ok: {}\norigin: {}\nsize: {}\nroot: {} (hex {})\n",
                crate::escape::terminal_path(&args.file),
                crate::escape::terminal(&cp.origin),
                cp.size,
                cp.root_base64(),
                cp.root.to_hex()
            );
            for v in signed.verified_by() {
                s.push_str(&format!("signed by: {}\n", crate::escape::terminal(&v)));
            }
            for i in ignored {
                s.push_str(&format!(
                    "ignored: a signature by {}, a key not given\n",
                    crate::escape::terminal(&i)
                ));
            }
            emit(out, &s)?;
        }
    }
    Ok(0)
}
