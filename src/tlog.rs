//! The ledger seen as a transparency log: its Merkle tree (roots at any size,
//! all leaf hashes for proofs) and the line of an entry, each read from a
//! ledger that verifies in full. A ledger with any problem is refused (exit
//! 1): a root or proof of a ledger that does not verify would vouch for it.

use crate::chain::{self, Report, VerifyOptions};
use crate::error::{Error, Result};
use crate::hash::Hash;
use crate::merkle::{self, TreeHead};
use crate::store;
use std::io::{BufRead, BufReader};
use std::path::Path;

/// Refuses a ledger that did not verify, as writing commands do.
fn refuse(report: &Report) -> Result<()> {
    if report.ok() {
        return Ok(());
    }
    Err(Error::Damaged {
        path: report.path.clone(),
        line: report.problems.first().and_then(|p| p.line).unwrap_or(1),
        message: format!(
            "the ledger does not verify ({}); nothing was signed or proved",
            report.in_brief()
        ),
        help: Some("run `ledger verify` to see every problem".into()),
    })
}

/// Verifies the whole ledger at `path` and returns its tree, with the roots
/// at `sizes` (those not larger than the ledger).
pub fn tree(path: &Path, sizes: &[u64]) -> Result<TreeHead> {
    let opts = VerifyOptions {
        index_only: true,
        tree_sizes: sizes.to_vec(),
        ..VerifyOptions::default()
    };
    let (report, _) = store::scan(path, opts)?;
    refuse(&report)?;
    report.tree.ok_or_else(|| {
        Error::usage(
            format!(
                "{}: the ledger's tree could not be computed",
                path.display()
            ),
            None,
        )
    })
}

/// Verifies the whole ledger at `path` and returns the leaf hash of every
/// entry (32 bytes each), for proofs.
pub fn leaves(path: &Path) -> Result<Vec<Hash>> {
    let (hashes, _) = entries_finding(path, None)?;
    Ok(hashes.iter().map(merkle::entry_leaf).collect())
}

/// The id an entry introduces (a source, a fact or a new version of one, a
/// vocabulary term).
pub fn introduces(body: &crate::entry::Body) -> Option<&str> {
    use crate::entry::Body;
    match body {
        Body::Source(s) => Some(&s.id),
        Body::Fact(f) => Some(&f.id),
        Body::Supersede(s) => Some(&s.fact.id),
        Body::Define(d) => Some(&d.id),
        _ => None,
    }
}

/// [`leaves`], also finding the seq of the entry that introduced `id` (or
/// the only id `id` is a prefix of: see [`entries_finding`]).
pub fn leaves_finding(path: &Path, id: Option<&str>) -> Result<(Vec<Hash>, Option<u64>)> {
    let (hashes, found) = entries_finding(path, id)?;
    Ok((hashes.iter().map(merkle::entry_leaf).collect(), found))
}

/// Verifies the whole ledger and returns every entry's `hash` (the leaf
/// data), and the seq of the entry that introduced `id`, if asked: the id
/// itself, else the only introduced id that `id` is a prefix of (a prefix of
/// several is refused, listing them, as every command that takes an id).
pub fn entries_finding(path: &Path, id: Option<&str>) -> Result<(Vec<Hash>, Option<u64>)> {
    let mut exact = None;
    // Other introduced ids that start with `id`: (id, kind, seq).
    let mut prefixed: Vec<(String, &'static str, u64)> = Vec::new();
    let _shared = store::lock_shared(path)?;
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, "open", e))?;
    let len = f.metadata().map_or(0, |m| m.len());
    let r = crate::progress::Reader::new(BufReader::with_capacity(256 << 10, f), "reading", len);
    let mut out = Vec::new();
    let opts = VerifyOptions {
        compact: true,
        ..VerifyOptions::default()
    };
    let (report, _) = chain::verify_reader_with(path, r, opts, |e| {
        out.push(e.hash);
        if let (Some(want), Some(got)) = (id, introduces(&e.body)) {
            if got == want {
                exact = exact.or(Some(e.seq));
            } else if exact.is_none()
                && !want.is_empty()
                && got.starts_with(want)
                && !prefixed.iter().any(|(p, _, _)| p == got)
            {
                prefixed.push((got.to_string(), e.body.kind(), e.seq));
            }
        }
    })
    .map_err(|e| Error::io(path, "read", e))?;
    if !report.ok() {
        // Word the refusal as `verify` does (id text in reference problems).
        let (full, _) = store::scan(
            path,
            VerifyOptions {
                index_only: true,
                ..VerifyOptions::default()
            },
        )?;
        refuse(&full)?;
        refuse(&report)?;
    }
    let found = match (exact, prefixed.as_slice()) {
        (Some(seq), _) => Some(seq),
        (None, []) => None,
        (None, [(_, _, seq)]) => Some(*seq),
        (None, many) => {
            let names: Vec<String> = many.iter().map(|(p, _, _)| p.clone()).collect();
            return Err(crate::ids::ambiguous(
                "id",
                id.unwrap_or(""),
                &names,
                |c| match many.iter().find(|(p, _, _)| p == c) {
                    Some((_, kind, seq)) => format!("{c}  introduced by the {kind} at seq {seq}"),
                    None => c.to_string(),
                },
            ));
        }
    };
    Ok((out, found))
}

/// The line (without its LF) of entry `seq` of a ledger that verified (line
/// `seq + 1`).
pub fn line_of(path: &Path, seq: u64) -> Result<String> {
    let _shared = store::lock_shared(path)?;
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, "open", e))?;
    let mut r = BufReader::with_capacity(256 << 10, f);
    let mut buf = Vec::new();
    let mut at = 0u64;
    loop {
        buf.clear();
        let n = r
            .read_until(b'\n', &mut buf)
            .map_err(|e| Error::io(path, "read", e))?;
        if n == 0 {
            return Err(Error::usage(
                format!("{}: there is no entry {seq}", path.display()),
                None,
            ));
        }
        if at == seq {
            if buf.last() == Some(&b'\n') {
                buf.pop();
            }
            return String::from_utf8(buf).map_err(|_| {
                Error::usage(
                    format!("{}: line {} is not UTF-8", path.display(), seq + 1),
                    None,
                )
            });
        }
        at += 1;
    }
}
