//! `ledger keygen NAME`: a new Ed25519 key pair in the C2SP signed-note
//! encoding, written as NAME.key (signer, mode 0600) and NAME.pub (verifier).

use crate::cli::Format;
use crate::cli::output::{emit, emit_json};
use crate::error::{Error, Result};
use crate::fsio;
use crate::note::{self, KeyKind, SignerKey};
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The key's name, e.g. the log's origin `example.org/relations` (no
    /// spaces, no `+`); signature lines and verifier keys carry it
    #[arg(value_name = "NAME")]
    pub name: String,
    /// Directory to write NAME.key and NAME.pub into [default: the current
    /// directory]; characters of NAME other than letters, digits, `.`, `_`
    /// and `-` become `_` in the file names
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Make a witness key (C2SP tlog-cosignature, type 0x04), for `ledger
    /// cosign`, instead of a log key for `ledger checkpoint`
    #[arg(long)]
    pub witness: bool,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(args: Args, out: &mut dyn Write) -> Result<i32> {
    if !note::valid_name(&args.name) {
        return Err(Error::usage(
            format!("`{}` cannot name a key", args.name),
            Some("a key name is not empty and has no spaces, control characters or `+`; use the log's origin, e.g. example.org/relations".into()),
        ));
    }
    let dir = args.out.clone().unwrap_or_default();
    if !dir.as_os_str().is_empty() {
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, "create", e))?;
    }
    let kind = if args.witness {
        KeyKind::Cosignature
    } else {
        KeyKind::Ed25519
    };
    let key = SignerKey::generate(&args.name, kind)
        .map_err(|e| Error::io("the OS random source", "read", e))?;
    let (skey_path, vkey_path) = note::key_files(&dir, &args.name);
    for p in [&skey_path, &vkey_path] {
        if std::fs::symlink_metadata(p).is_ok() {
            return Err(Error::usage(
                format!("{} already exists; nothing was written", p.display()),
                Some("a key is never overwritten: choose another --out directory or name, or remove the old files".into()),
            ));
        }
    }
    write_new(&skey_path, 0o600, &key.text())?;
    let vkey = key.verifier().text();
    if let Err(e) = write_new(&vkey_path, 0o644, &vkey) {
        // Leave no signer key without its verifier key.
        let _ = std::fs::remove_file(&skey_path);
        return Err(e);
    }
    match args.format {
        Format::Json => emit_json(
            out,
            &json!({
                "name": args.name,
                "key_id": format!("{:08x}", key.id),
                "type": if args.witness { "cosignature" } else { "ed25519" },
                "signer": skey_path.display().to_string(),
                "verifier": vkey_path.display().to_string(),
                "verifier_key": vkey,
            }),
        )?,
        Format::Text => emit(
            out,
            &format!(
                "wrote signer key {} (secret: keep it out of the repository; mode 0600)\n\
                 wrote verifier key {}: {vkey}\n",
                crate::escape::terminal_path(&skey_path),
                crate::escape::terminal_path(&vkey_path)
            ),
        )?,
    }
    Ok(0)
}

/// Writes a new file (never over an existing one, never through a symbolic
/// link) holding `text` and a newline, synced.
fn write_new(path: &std::path::Path, mode: u32, text: &str) -> Result<()> {
    let mut f = fsio::create_new(path, mode).map_err(|e| Error::io(path, "create", e))?;
    f.write_all(format!("{text}\n").as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| Error::io(path, "write", e))?;
    fsio::sync_dir_of(path);
    Ok(())
}
