//! Inclusion and consistency proofs as JSON, for readers without the ledger.
//!
//! - Inclusion: `{"seq", "tree_size", "line", "path": [hex…]}`: entry `seq`,
//!   whose line is `line`, is leaf `seq` of the tree of the first `tree_size`
//!   entries. A reader recomputes the entry's hash from the line, its leaf
//!   hash SHA-256(0x00 ‖ hash), and the root from `path` (RFC 9162 2.1.3.2).
//! - Consistency: `{"from", "to", "path": [hex…]}`: the tree of the first
//!   `from` entries is a prefix of the tree of the first `to` (RFC 9162
//!   2.1.4.2).
//!
//! Hashes are 64 lowercase hex digits. Roots come from signed checkpoints of
//! those sizes, never from the proof.

use crate::chain;
use crate::hash::Hash;
use crate::merkle;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An inclusion proof of one entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inclusion {
    pub seq: u64,
    pub tree_size: u64,
    /// The entry's line, without its LF.
    pub line: String,
    pub path: Vec<String>,
}

/// A consistency proof between two sizes of the tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consistency {
    pub from: u64,
    pub to: u64,
    pub path: Vec<String>,
}

/// Either kind, as read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proof {
    Inclusion(Inclusion),
    Consistency(Consistency),
}

fn hexes(path: &[Hash]) -> Vec<String> {
    path.iter().map(Hash::to_hex).collect()
}

fn unhex(path: &[String]) -> Result<Vec<Hash>, String> {
    path.iter()
        .enumerate()
        .map(|(i, h)| {
            Hash::from_hex(h)
                .ok_or_else(|| format!("path[{i}] `{h}` is not a hash (64 lowercase hex digits)"))
        })
        .collect()
}

impl Inclusion {
    /// The proof for leaf `seq` of the tree of `leaves`.
    pub fn new(leaves: &[Hash], seq: u64, line: String) -> Option<Inclusion> {
        let path = merkle::inclusion_proof(leaves, seq)?;
        Some(Inclusion {
            seq,
            tree_size: leaves.len() as u64,
            line,
            path: hexes(&path),
        })
    }

    /// Checks the proof against `root`, the root of the tree of `tree_size`
    /// entries (from a checkpoint of that size). Returns the entry's hash.
    pub fn check(&self, root: &Hash) -> Result<Hash, String> {
        let read = chain::read_entry(&self.line);
        let entry = match (&read.entry, read.problems.first()) {
            (Some(e), None) => e,
            (_, Some(p)) => return Err(format!("`line` is not an intact entry: {}", p.message)),
            (None, None) => return Err("`line` is not an entry".into()),
        };
        if entry.seq != self.seq {
            return Err(format!(
                "`line` holds entry {}, but the proof is for entry {}",
                entry.seq, self.seq
            ));
        }
        let path = unhex(&self.path)?;
        let leaf = merkle::entry_leaf(&entry.hash);
        let raw: Vec<[u8; 32]> = path.iter().map(|h| h.0).collect();
        merkle::verify_inclusion(self.seq, self.tree_size, &leaf.0, &raw, &root.0)
            .map_err(|e| e.to_string())?;
        Ok(entry.hash)
    }
}

impl Consistency {
    /// The proof that the first `from` of `leaves` are a prefix of all of them.
    pub fn new(leaves: &[Hash], from: u64) -> Option<Consistency> {
        let path = merkle::consistency_proof(leaves, from)?;
        Some(Consistency {
            from,
            to: leaves.len() as u64,
            path: hexes(&path),
        })
    }

    /// Checks the proof against the roots at `from` and at `to`.
    pub fn check(&self, root_from: &Hash, root_to: &Hash) -> Result<(), String> {
        let path = unhex(&self.path)?;
        let raw: Vec<[u8; 32]> = path.iter().map(|h| h.0).collect();
        merkle::verify_consistency(self.from, self.to, &raw, &root_from.0, &root_to.0)
            .map_err(|e| e.to_string())
    }
}

impl Proof {
    /// Reads a proof of either kind: an object with `seq` is an inclusion
    /// proof, one with `from` a consistency proof; no other member is allowed.
    pub fn parse(text: &str) -> Result<Proof, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let kind = if v.get("seq").is_some() {
            "inclusion"
        } else if v.get("from").is_some() {
            "consistency"
        } else {
            return Err(
                "neither an inclusion proof (with `seq`) nor a consistency proof (with `from`)"
                    .into(),
            );
        };
        let r = if kind == "inclusion" {
            serde_json::from_value(v).map(Proof::Inclusion)
        } else {
            serde_json::from_value(v).map(Proof::Consistency)
        };
        r.map_err(|e| format!("not a valid {kind} proof: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_refuses_other_shapes() {
        assert!(Proof::parse(r#"{"from":1,"to":2,"path":[]}"#).is_ok());
        assert!(Proof::parse(r#"{"from":1,"to":2,"path":[],"x":1}"#).is_err());
        assert!(Proof::parse(r#"{"seq":1,"tree_size":2,"path":[]}"#).is_err());
        assert!(Proof::parse(r#"[]"#).is_err());
        let c = Consistency {
            from: 1,
            to: 2,
            path: vec!["AB".repeat(32)],
        };
        assert!(
            c.check(&Hash::ZERO, &Hash::ZERO)
                .unwrap_err()
                .contains("path[0]")
        );
    }
}
