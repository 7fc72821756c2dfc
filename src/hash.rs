//! Entry hashes: the SHA-256 digest type, its lowercase-hex text, and the one
//! function that hashes an entry's canonical text.
//!
//! An entry's `hash` is SHA-256 over the RFC 8785 text of the entry object without
//! its `hash` member (see docs/FORMAT.md). During verification that text is the
//! line with the `"hash":"…",` member cut out, so [`hash_entry`] takes the two
//! pieces on either side and never copies the line.

use sha2::{Digest, Sha256};
use std::fmt;

/// A SHA-256 digest.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// The `prev` of entry 0: 64 `0` characters.
    pub const ZERO: Hash = Hash([0; 32]);

    /// Lowercase hex, 64 characters.
    pub fn to_hex(&self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(64);
        for b in self.0 {
            s.push(HEX[(b >> 4) as usize] as char);
            s.push(HEX[(b & 0xF) as usize] as char);
        }
        s
    }

    /// Parses exactly 64 lowercase hex digits.
    pub fn from_hex(s: &str) -> Option<Hash> {
        let b = s.as_bytes();
        if b.len() != 64 {
            return None;
        }
        // Table lookups without a branch per digit (verify reads two hashes
        // per line); a non-digit has high bits set in its table value.
        let mut out = [0u8; 32];
        let mut bad = 0u8;
        for (o, pair) in out.iter_mut().zip(b.chunks_exact(2)) {
            let (hi, lo) = (NIBBLE[pair[0] as usize], NIBBLE[pair[1] as usize]);
            bad |= hi | lo;
            *o = (hi << 4) | (lo & 0xF);
        }
        (bad & 0xF0 == 0).then_some(Hash(out))
    }

    /// The first 12 hex digits, for messages.
    pub fn short(&self) -> String {
        let mut s = self.to_hex();
        s.truncate(12);
        s
    }
}

/// The value of each lowercase hex digit; 0xFF for every other byte.
static NIBBLE: [u8; 256] = {
    let mut t = [0xFF; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

/// SHA-256 of `head` followed by `tail`: the hash of an entry whose canonical text
/// without the hash member is `head ++ tail`.
pub fn hash_entry(head: &[u8], tail: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update(head);
    h.update(tail);
    Hash(h.finalize().into())
}

/// SHA-256 of the concatenation of `parts`. For the short messages hashed
/// once or more per entry (fingerprints of ids, Merkle leaves and nodes: at
/// most 119 bytes, one or two blocks) it pads the message itself and runs
/// the compression function directly, without the streaming hasher's buffer
/// handling, which costs as much again as the compression of one block.
/// The same digest either way (a property test holds it to [`Sha256`]).
pub fn sha256_parts(parts: &[&[u8]]) -> Hash {
    const H0: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let len: usize = parts.iter().map(|p| p.len()).sum();
    if len > 119 {
        let mut h = Sha256::new();
        for p in parts {
            h.update(p);
        }
        return Hash(h.finalize().into());
    }
    let n = if len <= 55 { 1 } else { 2 };
    let mut buf = [0u8; 128];
    let mut at = 0;
    for p in parts {
        buf[at..at + p.len()].copy_from_slice(p);
        at += p.len();
    }
    buf[at] = 0x80;
    buf[n * 64 - 8..n * 64].copy_from_slice(&((len as u64) * 8).to_be_bytes());
    let mut blocks = [sha2::digest::generic_array::GenericArray::default(); 2];
    for (b, chunk) in blocks.iter_mut().zip(buf.chunks_exact(64)) {
        b.copy_from_slice(chunk);
    }
    let mut state = H0;
    sha2::compress256(&mut state, &blocks[..n]);
    let mut out = [0u8; 32];
    for (o, w) in out.chunks_exact_mut(4).zip(state) {
        o.copy_from_slice(&w.to_be_bytes());
    }
    Hash(out)
}

/// SHA-256 of a whole byte string (archived source texts, benchmarks).
pub fn sha256(bytes: &[u8]) -> Hash {
    Hash(Sha256::digest(bytes).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The short-message path gives SHA-256 itself, at every length
        /// around its one- and two-block limits and beyond, however the
        /// message is cut into parts.
        #[test]
        fn short_messages_hash_as_sha256(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..140),
            cut in 0usize..140,
        ) {
            let cut = cut.min(bytes.len());
            let (a, b) = bytes.split_at(cut);
            proptest::prop_assert_eq!(sha256_parts(&[a, b]), sha256(&bytes));
        }
    }

    #[test]
    fn hex_round_trip() {
        let h = sha256(b"abc");
        assert_eq!(
            h.to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(Hash::from_hex(&h.to_hex()), Some(h));
        assert_eq!(Hash::from_hex(&h.to_hex().to_uppercase()), None);
        assert_eq!(Hash::from_hex("00"), None);
    }
}
