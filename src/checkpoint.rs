//! C2SP tlog-checkpoints (c2sp.org/tlog-checkpoint): the signed statement
//! "the log ORIGIN has SIZE entries and this Merkle root", as a signed note.
//!
//! The note text is the origin line, the tree size in decimal (no leading
//! zeros), the base64 root hash, and optional non-empty extension lines, each
//! line ending in LF. This module reads and writes that text, signs it with a
//! log key, and opens a signed checkpoint from any log with the verifier keys
//! given (see [`crate::note`] for the signature rules).

use crate::error::{Error, Result};
use crate::hash::Hash;
use crate::note::{self, KeyKind, Opened, SignerKey, VerifierKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::path::Path;

/// The largest checkpoint file read (a note of a few signatures is well under
/// a kilobyte; Go's note reader caps notes at 1 MB).
pub const MAX_BYTES: u64 = 1 << 20;

/// The text of a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// Extension lines (opaque; not written by `ledger`).
    pub extensions: Vec<String>,
}

impl Checkpoint {
    pub fn new(origin: &str, size: u64, root: Hash) -> Checkpoint {
        Checkpoint {
            origin: origin.to_string(),
            size,
            root,
            extensions: Vec::new(),
        }
    }

    /// The note text: each line followed by LF.
    pub fn body(&self) -> String {
        let mut s = format!("{}\n{}\n{}\n", self.origin, self.size, self.root_base64());
        for e in &self.extensions {
            s.push_str(e);
            s.push('\n');
        }
        s
    }

    pub fn root_base64(&self) -> String {
        STANDARD.encode(self.root.0)
    }

    /// Parses a checkpoint's note text (ending in LF).
    pub fn parse(text: &str) -> std::result::Result<Checkpoint, String> {
        let body = text
            .strip_suffix('\n')
            .ok_or("the checkpoint text does not end in a newline")?;
        let lines: Vec<&str> = body.split('\n').collect();
        if lines.len() < 3 {
            return Err(format!(
                "a checkpoint has at least 3 lines (origin, tree size, root hash); this one has {}",
                lines.len()
            ));
        }
        let origin = lines[0];
        if origin.is_empty() {
            return Err("line 1: the origin is empty".into());
        }
        let size_s = lines[1];
        let size = parse_size(size_s).ok_or_else(|| {
            format!("line 2: `{size_s}` is not a tree size (decimal digits, no leading zeros)")
        })?;
        let root_s = lines[2];
        let root = parse_root(root_s).ok_or_else(|| {
            format!("line 3: `{root_s}` is not a root hash (the base64 of 32 bytes)")
        })?;
        let extensions: Vec<String> = lines[3..].iter().map(|l| l.to_string()).collect();
        if let Some(i) = extensions.iter().position(String::is_empty) {
            return Err(format!("line {}: an extension line is empty", i + 4));
        }
        Ok(Checkpoint {
            origin: origin.to_string(),
            size,
            root,
            extensions,
        })
    }

    /// The signed checkpoint: the text, a blank line, and the signature line.
    pub fn sign(&self, key: &SignerKey) -> Result<String> {
        if key.kind != KeyKind::Ed25519 {
            return Err(Error::usage(
                format!(
                    "{} is {}; a log signs checkpoints with an Ed25519 note key",
                    key.name,
                    key.kind.describe()
                ),
                Some("make a log key with `ledger keygen NAME` (without --witness)".into()),
            ));
        }
        let body = self.body();
        let line = key
            .signature_line(body.as_bytes(), 0)
            .map_err(|m| Error::usage(format!("cannot sign: {m}"), None))?;
        Ok(format!("{body}\n{line}"))
    }
}

/// ASCII decimal with no leading zeros ("0" alone for zero), within u64.
pub fn parse_size(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

/// Standard base64 of exactly 32 bytes, in its one canonical spelling.
pub fn parse_root(s: &str) -> Option<Hash> {
    let b = STANDARD.decode(s).ok()?;
    let h = Hash(b.try_into().ok()?);
    (STANDARD.encode(h.0) == s).then_some(h)
}

/// A checkpoint whose signature by a log key verified.
#[derive(Debug, Clone)]
pub struct Signed {
    pub checkpoint: Checkpoint,
    pub note: Opened,
    /// The whole file.
    pub bytes: Vec<u8>,
}

impl Signed {
    /// Signatures by the given keys that verified, as `NAME+KEYID` (with the
    /// time of a cosignature).
    pub fn verified_by(&self) -> Vec<String> {
        self.note
            .verified
            .iter()
            .map(|(l, k)| match (k.kind, l.timestamp()) {
                (KeyKind::Cosignature, Some(t)) => {
                    format!("{}+{:08x} (cosignature, time {t})", l.name, l.id)
                }
                _ => format!("{}+{:08x}", l.name, l.id),
            })
            .collect()
    }
}

/// Reads a checkpoint file (at most [`MAX_BYTES`]).
pub fn read(path: &Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, "read", e))?;
    let mut bytes = Vec::new();
    f.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, "read", e))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(Error::unverified(
            path,
            "larger than 1 MiB: not a checkpoint",
            None,
        ));
    }
    Ok(bytes)
}

/// Opens a signed checkpoint read from `path` with `keys`: a signature by one
/// of them must verify (signatures by other keys are ignored), and its text
/// must be a checkpoint. When `origin` is given the checkpoint must be for
/// that log. Failures are [`Error::Unverified`] (exit 1), naming the file.
pub fn open(
    path: &Path,
    bytes: &[u8],
    keys: &[VerifierKey],
    origin: Option<&str>,
) -> Result<Signed> {
    let opened = note::open(bytes, keys).map_err(|e| {
        let help = match &e {
            note::NoteError::NoKnownSignature(_) => Some(
                "check that --key is the verifier key of the log (or witness) that signed it"
                    .into(),
            ),
            note::NoteError::BadSignature(_) => Some(
                "a signed checkpoint cannot be edited; take it again from where it was published"
                    .into(),
            ),
            note::NoteError::Malformed(_) => None,
        };
        Error::unverified(path, e.to_string(), help)
    })?;
    let checkpoint = Checkpoint::parse(&opened.text).map_err(|m| {
        Error::unverified(
            path,
            format!("a signed note, but not a checkpoint: {m}"),
            None,
        )
    })?;
    if let Some(want) = origin
        && checkpoint.origin != want
    {
        return Err(Error::unverified(
            path,
            format!(
                "the checkpoint is for the log `{}`, not `{want}`",
                checkpoint.origin
            ),
            Some("a checkpoint of another log says nothing about this one; pass --origin if the log's origin differs from its key name".into()),
        ));
    }
    Ok(Signed {
        checkpoint,
        note: opened,
        bytes: bytes.to_vec(),
    })
}

/// Counts the distinct witness keys among `witnesses` whose cosignatures on
/// `signed` verified.
pub fn cosigners<'a>(signed: &Signed, witnesses: &'a [VerifierKey]) -> Vec<&'a VerifierKey> {
    witnesses
        .iter()
        .filter(|w| {
            signed
                .note
                .verified
                .iter()
                .any(|(l, k)| l.name == w.name && l.id == w.id && k.kind == KeyKind::Cosignature)
        })
        .fold(Vec::new(), |mut acc: Vec<&VerifierKey>, w| {
            if !acc.iter().any(|a| a.name == w.name && a.id == w.id) {
                acc.push(w);
            }
            acc
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_and_is_strict() {
        let c = Checkpoint::new("example.com/log", 3, crate::merkle::EMPTY_ROOT);
        assert_eq!(
            c.body(),
            "example.com/log\n3\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
        );
        assert_eq!(Checkpoint::parse(&c.body()).unwrap(), c);
        let bad = [
            "\n3\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
            "o\n03\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
            "o\n-3\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
            "o\n18446744073709551616\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
            "o\n3\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU\n",
            "o\n3\nV3JvbmdSb290\n",
            "o\n3\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n",
            "o\n3\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
            "o\n3\n",
        ];
        for b in bad {
            assert!(Checkpoint::parse(b).is_err(), "{b:?}");
        }
        let ext = "o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\nextra\n";
        assert_eq!(Checkpoint::parse(ext).unwrap().extensions, ["extra"]);
    }
}
