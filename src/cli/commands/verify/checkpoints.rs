//! `verify --checkpoint FILE --key VERIFIER [--witness W --quorum K]`: the
//! checkpoints are opened (signature by the log key, origin, cosignatures)
//! before the ledger is read, and their roots compared with the ledger's
//! Merkle tree after. A root that differs, or a ledger shorter than a
//! checkpoint, is reported as an `anchor` problem naming the checkpoint and
//! its size: a signed checkpoint is an anchor no writer of the ledger can
//! forge.

use super::Args;
use crate::chain::{Problem, ProblemKind, Report};
use crate::checkpoint::{self, Signed};
use crate::error::{Error, Result};
use crate::note::{self, KeyKind, VerifierKey};
use serde_json::{Value, json};
use std::path::PathBuf;

/// A checkpoint whose signatures were checked.
pub struct Given {
    pub path: PathBuf,
    pub signed: Signed,
    /// `NAME+KEYID` of each witness that cosigned it.
    pub cosigned_by: Vec<String>,
}

/// The outcome for one checkpoint.
pub struct Checked {
    path: PathBuf,
    origin: String,
    size: u64,
    root: String,
    ok: bool,
    cosigned_by: Vec<String>,
}

impl Checked {
    pub fn to_json(&self) -> Value {
        json!({
            "file": self.path.display().to_string(),
            "origin": self.origin,
            "size": self.size,
            "root": self.root,
            "ok": self.ok,
            "cosigned_by": self.cosigned_by,
        })
    }

    /// `checkpoint FILE: size N, root R: matches the ledger (cosigned by …)`.
    pub fn to_text(&self) -> String {
        let cosigned = if self.cosigned_by.is_empty() {
            String::new()
        } else {
            format!(
                "; cosigned by {}",
                crate::escape::terminal(&self.cosigned_by.join(", "))
            )
        };
        format!(
            "checkpoint {}: size {}, root {}: {}{cosigned}\n",
            crate::escape::terminal_path(&self.path),
            self.size,
            self.root,
            if self.ok {
                format!("the ledger's first {} entries have this root", self.size)
            } else {
                "DOES NOT MATCH the ledger (see above)".to_string()
            }
        )
    }
}

fn keys(args: &[String], want: KeyKind, flag: &str) -> Result<Vec<VerifierKey>> {
    args.iter()
        .map(|a| {
            let k = note::read_verifier(a)?;
            if k.kind != want {
                return Err(Error::usage(
                    format!(
                        "{flag} {a}: {}+{:08x} is {}, but {flag} takes {}",
                        k.name,
                        k.id,
                        k.kind.describe(),
                        want.describe()
                    ),
                    Some(match want {
                        KeyKind::Ed25519 => "give the log's key (from `ledger keygen NAME`) as --key and witnesses' keys as --witness".into(),
                        KeyKind::Cosignature => "give witnesses' keys (from `ledger keygen NAME --witness`) as --witness and the log's key as --key".into(),
                    }),
                ));
            }
            Ok(k)
        })
        .collect()
}

/// Opens every `--checkpoint` with the `--key` and `--witness` keys.
pub fn open_all(args: &Args) -> Result<Vec<Given>> {
    if args.checkpoint.is_empty() {
        return Ok(Vec::new());
    }
    let log_keys = keys(&args.keys, KeyKind::Ed25519, "--key")?;
    let Some(first) = log_keys.first() else {
        return Err(Error::usage(
            "--checkpoint needs the log's verifier key: --key VERIFIER",
            Some("give the NAME.pub file `ledger keygen NAME` wrote, or its text".into()),
        ));
    };
    let origin = args.origin.clone().unwrap_or_else(|| first.name.clone());
    let witnesses = keys(&args.witness, KeyKind::Cosignature, "--witness")?;
    let mut distinct: Vec<&VerifierKey> = Vec::new();
    for w in &witnesses {
        if !distinct.iter().any(|d| d.name == w.name && d.id == w.id) {
            distinct.push(w);
        }
    }
    let quorum = args.quorum.unwrap_or(distinct.len());
    if quorum > distinct.len() {
        return Err(Error::usage(
            format!(
                "--quorum {quorum} needs at least {quorum} different --witness keys; {} given",
                distinct.len()
            ),
            None,
        ));
    }
    let all: Vec<VerifierKey> = log_keys.iter().chain(&witnesses).cloned().collect();
    let mut out = Vec::new();
    for path in &args.checkpoint {
        let bytes = checkpoint::read(path)?;
        let signed = checkpoint::open(path, &bytes, &all, Some(&origin))?;
        let by_log = signed
            .note
            .verified
            .iter()
            .any(|(_, k)| log_keys.contains(k));
        if !by_log {
            return Err(Error::unverified(
                path,
                format!(
                    "no signature by the log key {}: only witnesses' cosignatures verified",
                    log_keys
                        .iter()
                        .map(|k| format!("{}+{:08x}", k.name, k.id))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Some("check that --key is the key of the log that signed the checkpoint".into()),
            ));
        }
        let cosigners = checkpoint::cosigners(&signed, &witnesses);
        let cosigned_by: Vec<String> = cosigners
            .iter()
            .map(|k| format!("{}+{:08x}", k.name, k.id))
            .collect();
        if cosigners.len() < quorum {
            let missing: Vec<String> = distinct
                .iter()
                .filter(|d| !cosigners.contains(d))
                .map(|k| format!("{}+{:08x}", k.name, k.id))
                .collect();
            return Err(Error::unverified(
                path,
                format!(
                    "{} valid cosignature{} by the given witnesses, {quorum} required (missing: {})",
                    cosigners.len(),
                    if cosigners.len() == 1 { "" } else { "s" },
                    missing.join(", ")
                ),
                Some("have more witnesses cosign the checkpoint (`ledger cosign`), or lower --quorum".into()),
            ));
        }
        out.push(Given {
            path: path.clone(),
            signed,
            cosigned_by,
        });
    }
    Ok(out)
}

/// Compares each checkpoint's root with the ledger's tree at its size,
/// adding an `anchor` problem to `report` for each that does not match.
pub fn check(report: &mut Report, given: &[Given], max_problems: usize) -> Vec<Checked> {
    let mut out = Vec::new();
    for g in given {
        let cp = &g.signed.checkpoint;
        let name = g.path.display();
        let size = cp.size;
        let problem = match &report.tree {
            None => Some((
                format!(
                    "checkpoint {name} (size {size}) cannot be checked: not every line of the ledger is an entry"
                ),
                "fix the problems above, then verify against the checkpoint again".to_string(),
            )),
            Some(t) if size > t.size => Some((
                format!(
                    "checkpoint {name} (size {size}): the ledger has only {} entr{}; entries were removed from its end since the checkpoint was signed (truncation)",
                    t.size,
                    if t.size == 1 { "y" } else { "ies" }
                ),
                "restore the missing entries from a copy that matches the checkpoint".to_string(),
            )),
            Some(t) => match t.root_at(size) {
                Some(r) if r == cp.root => None,
                r => Some((
                    format!(
                        "checkpoint {name} (size {size}): the ledger's first {size} entries have Merkle root {}, the checkpoint signed {}; entries up to seq {} were rewritten since it was signed",
                        r.map_or("(none)".to_string(), |r| checkpoint::Checkpoint::new("", 0, r).root_base64()),
                        cp.root_base64(),
                        size.saturating_sub(1)
                    ),
                    "a rewrite that recomputed every hash still changes the Merkle root; restore the entries from a copy that matches the checkpoint".to_string(),
                )),
            },
        };
        let ok = problem.is_none();
        if let Some((message, help)) = problem {
            report.total_problems += 1;
            if report.problems.len() < max_problems {
                report.problems.push(Problem {
                    kind: ProblemKind::Anchor,
                    line: None,
                    seq: Some(size.saturating_sub(1)),
                    message,
                    column: None,
                    help: Some(help),
                });
            }
        }
        out.push(Checked {
            path: g.path.clone(),
            origin: cp.origin.clone(),
            size,
            root: cp.root_base64(),
            ok,
            cosigned_by: g.cosigned_by.clone(),
        });
    }
    out
}
