//! A witness (c2sp.org/tlog-witness semantics, c2sp.org/tlog-cosignature
//! format): it cosigns a log's checkpoint only if it is consistent with the
//! last checkpoint it cosigned for that log's origin, which it keeps in a
//! state directory, one file per origin.
//!
//! Consistency is shown by a consistency proof from the old size to the new
//! one, or by the ledger itself (both roots recomputed from its entries). A
//! checkpoint smaller than the last one, or of the same size with another
//! root, or one the evidence does not connect, is refused and the state is
//! left unchanged. The check and the update happen under an exclusive lock
//! on `DIR/.lock`, so two runs cannot roll the state back.

use crate::checkpoint::{self, Checkpoint, Signed};
use crate::error::{Error, Result};
use crate::fsio;
use crate::hash::Hash;
use crate::note::{self, KeyKind, SignerKey};
use crate::proof::Consistency;
use std::path::{Path, PathBuf};

/// What shows that the new checkpoint extends the old one.
pub enum Evidence<'a> {
    /// A consistency proof (`ledger consistency`).
    Proof(&'a Consistency),
    /// The ledger at this path: roots are recomputed from its entries.
    Ledger(&'a Path),
}

/// The state file of an origin: the origin with characters other than ASCII
/// letters, digits, `.`, `_`, `-` replaced by `_`, then the first 8 hex
/// digits of SHA-256 of the origin (so `a/b` and `a_b` differ).
pub fn state_file(dir: &Path, origin: &str) -> PathBuf {
    let stem: String = origin
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let h = crate::hash::sha256(origin.as_bytes()).to_hex();
    dir.join(format!("{stem}.{}.checkpoint", &h[..8]))
}

/// The outcome of a cosigning.
pub struct Cosigned {
    /// The checkpoint with this witness's cosignature added.
    pub note: String,
    pub time: u64,
    /// The size of the last checkpoint cosigned before (0 for none).
    pub old_size: u64,
    pub state: PathBuf,
}

fn refused(path: &Path, message: String, help: &str) -> Error {
    Error::unverified(
        path,
        format!("refused to cosign: {message}"),
        Some(help.to_string()),
    )
}

/// Cosigns `signed` (read from `path`) with `key` at `time`, if `evidence`
/// shows it consistent with the last checkpoint cosigned for its origin in
/// `dir`; records it there.
pub fn cosign(
    path: &Path,
    signed: &Signed,
    key: &SignerKey,
    dir: &Path,
    evidence: Evidence,
    time: u64,
) -> Result<Cosigned> {
    if key.kind != KeyKind::Cosignature {
        return Err(Error::usage(
            format!(
                "{}+{:08x} is {}; a witness cosigns with a cosignature key",
                key.name,
                key.id,
                key.kind.describe()
            ),
            Some("make a witness key with `ledger keygen NAME --witness`".into()),
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, "create", e))?;
    let _lock = lock(dir)?;
    let new = &signed.checkpoint;
    let state = state_file(dir, &new.origin);
    let old = read_state(&state)?;
    let old_size = old.as_ref().map_or(0, |o| o.size);
    if let Some(old) = &old {
        if new.size < old.size {
            return Err(refused(
                path,
                format!(
                    "the checkpoint has size {}, smaller than the size {} this witness last cosigned for {}",
                    new.size, old.size, new.origin
                ),
                "a log only grows: cosign the newest checkpoint",
            ));
        }
        if new.size == old.size && new.root != old.root {
            return Err(refused(
                path,
                format!(
                    "the checkpoint has size {} like the one this witness last cosigned for {}, but root {} instead of {}: the log forked",
                    new.size,
                    new.origin,
                    new.root_base64(),
                    old.root_base64()
                ),
                "two different trees of the same size mean the history was rewritten; do not trust this log until that is explained",
            ));
        }
    }
    check_evidence(path, old.as_ref(), new, evidence)?;
    let text = signed.note.text.as_bytes();
    let line = key
        .signature_line(text, time)
        .map_err(|m| Error::usage(format!("cannot cosign: {m}"), None))?;
    // Keep every other signature, replace an earlier one by this key.
    let mut note = format!("{}\n", signed.note.text);
    let (_, lines) =
        note::split(&signed.bytes).map_err(|e| Error::unverified(path, e.to_string(), None))?;
    let sig_lines = signed_lines(&signed.bytes);
    for (l, raw) in lines.iter().zip(sig_lines) {
        if !(l.name == key.name && l.id == key.id) {
            note.push_str(raw);
            note.push('\n');
        }
    }
    note.push_str(&line);
    fsio::replace(&state, note.as_bytes(), 0o644).map_err(|e| Error::io(&state, "write", e))?;
    Ok(Cosigned {
        note,
        time,
        old_size,
        state,
    })
}

/// The signature lines of a note, as text (the note was split already).
fn signed_lines(bytes: &[u8]) -> Vec<&str> {
    let s = std::str::from_utf8(bytes).unwrap_or("");
    s.trim_end_matches('\n')
        .rsplit_once("\n\n")
        .map_or(Vec::new(), |(_, sigs)| sigs.split('\n').collect())
}

fn check_evidence(
    path: &Path,
    old: Option<&Checkpoint>,
    new: &Checkpoint,
    evidence: Evidence,
) -> Result<()> {
    let inconsistent = |why: String| {
        refused(
            path,
            why,
            "a witness cosigns only a checkpoint that extends the last one it cosigned; give the consistency proof from that size (`ledger consistency --from OLD --to NEW`) or the ledger",
        )
    };
    match evidence {
        Evidence::Proof(p) => {
            let Some(old) = old.filter(|o| o.size > 0) else {
                // Every tree extends the empty one: nothing to prove.
                return Ok(());
            };
            if (p.from, p.to) != (old.size, new.size) {
                return Err(inconsistent(format!(
                    "the proof is from size {} to {}, but this witness needs one from {} (its last cosigned size) to {}",
                    p.from, p.to, old.size, new.size
                )));
            }
            p.check(&old.root, &new.root).map_err(|m| {
                inconsistent(format!(
                    "the checkpoint (size {}) is not consistent with the last one this witness cosigned (size {}): {m}",
                    new.size, old.size
                ))
            })
        }
        Evidence::Ledger(ledger) => {
            let old_size = old.map_or(0, |o| o.size);
            let tree = crate::tlog::tree(ledger, &[old_size, new.size])?;
            let root_at = |size: u64| -> Option<Hash> { tree.root_at(size) };
            match root_at(new.size) {
                Some(r) if r == new.root => {}
                Some(r) => {
                    return Err(inconsistent(format!(
                        "the ledger's first {} entries have root {}, not the checkpoint's {}",
                        new.size,
                        Checkpoint::new("", 0, r).root_base64(),
                        new.root_base64()
                    )));
                }
                None => {
                    return Err(inconsistent(format!(
                        "the checkpoint has size {}, but {} has only {} entries",
                        new.size,
                        ledger.display(),
                        tree.size
                    )));
                }
            }
            if let Some(old) = old
                && root_at(old.size) != Some(old.root)
            {
                return Err(inconsistent(format!(
                    "the checkpoint (size {}) is not consistent with the last one this witness cosigned (size {}, root {}): the ledger's first {} entries have another root",
                    new.size,
                    old.size,
                    old.root_base64(),
                    old.size
                )));
            }
            Ok(())
        }
    }
}

/// The last checkpoint cosigned, from the state file (written only by
/// [`cosign`], after checking it).
fn read_state(state: &Path) -> Result<Option<Checkpoint>> {
    let bytes = match std::fs::read(state) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(state, "read", e)),
    };
    let damaged = |m: String| {
        Error::usage(
            format!("{}: the witness state is damaged: {m}", state.display()),
            Some("restore it from a backup; a witness that forgets its state can be made to cosign a rewritten history".into()),
        )
    };
    let (text, _) = note::split(&bytes).map_err(|e| damaged(e.to_string()))?;
    Checkpoint::parse(&text).map(Some).map_err(damaged)
}

/// Takes the witness's exclusive lock on `DIR/.lock`.
fn lock(dir: &Path) -> Result<std::fs::File> {
    let p = dir.join(".lock");
    let f = match fsio::create_new(&p, 0o600) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            fsio::open_rw_nofollow(&p).map_err(|e| Error::io(&p, "open", e))?
        }
        Err(e) => return Err(Error::io(&p, "create", e)),
    };
    f.lock().map_err(|e| Error::io(&p, "lock", e))?;
    Ok(f)
}

/// Reads and opens a checkpoint with the log's keys, for cosigning.
pub fn open_checkpoint(
    path: &Path,
    log_keys: &[note::VerifierKey],
    origin: Option<&str>,
) -> Result<Signed> {
    let bytes = checkpoint::read(path)?;
    let signed = checkpoint::open(path, &bytes, log_keys, origin)?;
    if !signed
        .note
        .verified
        .iter()
        .any(|(_, k)| k.kind == KeyKind::Ed25519)
    {
        return Err(Error::unverified(
            path,
            "no signature by the log's key verified",
            Some("--log-key is the log's key (a note key), not a witness's".into()),
        ));
    }
    Ok(signed)
}
