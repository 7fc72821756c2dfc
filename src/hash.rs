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
        // Eight digits at a time, without a branch (verify reads two hashes
        // per line).
        let mut out = [0u8; 32];
        let mut ok = true;
        for (o, digits) in out.chunks_exact_mut(4).zip(b.chunks_exact(8)) {
            let x = u64::from_le_bytes(digits.try_into().unwrap_or([0; 8]));
            let (bytes, valid) = hex8(x);
            o.copy_from_slice(&bytes);
            ok &= valid;
        }
        ok.then_some(Hash(out))
    }

    /// The first 12 hex digits, for messages.
    pub fn short(&self) -> String {
        let mut s = self.to_hex();
        s.truncate(12);
        s
    }
}

/// The four bytes written by eight lowercase hex digits (the first digit in
/// the lowest byte of `x`), and whether all eight are such digits.
fn hex8(x: u64) -> ([u8; 4], bool) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // For bytes below 0x80, the high bit of each byte of `x + (0x80 - c)`
    // says whether it is at least `c`; no carry crosses into the next byte.
    let at_least = |c: u8| x.wrapping_add(ONES * u64::from(0x80 - c)) & HIGH;
    let digit = at_least(b'0') & !at_least(b'9' + 1);
    let letter = at_least(b'a') & !at_least(b'f' + 1);
    // A byte above 0x7F fails both range tests as well (whatever carry it
    // takes from the byte below); refused first all the same.
    let valid = x & HIGH == 0 && digit | letter == HIGH;
    // '0'..'9' and 'a'..'f' end in their value and in their value less 9.
    let nibbles = (x & (ONES * 0x0F)) + (letter >> 7) * 9;
    let even = nibbles & 0x00FF_00FF_00FF_00FF;
    let odd = (nibbles >> 8) & 0x00FF_00FF_00FF_00FF;
    let pairs = (even << 4) | odd;
    let bytes = [
        pairs as u8,
        (pairs >> 16) as u8,
        (pairs >> 32) as u8,
        (pairs >> 48) as u8,
    ];
    (bytes, valid)
}

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
    let mut state = H0;
    // Each block compressed where it lies in `buf`, rather than copied into
    // an array of blocks first.
    for chunk in buf.chunks_exact(64).take(n) {
        let block = sha2::digest::generic_array::GenericArray::from_slice(chunk);
        sha2::compress256(&mut state, std::slice::from_ref(block));
    }
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
        /// Hex is read as digit-by-digit reading reads it: valid hex with up
        /// to two of its digits changed to a byte next to `0`-`9` or
        /// `a`-`f`, a capital, or the two bytes (above 0x7F) of an `é`.
        #[test]
        fn hex_reads_as_digit_by_digit(
            hash in proptest::array::uniform32(proptest::num::u8::ANY),
            edits in proptest::collection::vec(
                (0usize..63, proptest::sample::select(b"/:`gAF\x00e".to_vec())),
                0..3,
            ),
        ) {
            let by_digit = |t: &[u8]| -> Option<Hash> {
                let v = |c: u8| match c {
                    b'0'..=b'9' => Some(c - b'0'),
                    b'a'..=b'f' => Some(c - b'a' + 10),
                    _ => None,
                };
                if t.len() != 64 {
                    return None;
                }
                let mut out = [0u8; 32];
                for (o, p) in out.iter_mut().zip(t.chunks_exact(2)) {
                    *o = (v(p[0])? << 4) | v(p[1])?;
                }
                Some(Hash(out))
            };
            let h = Hash(hash);
            let mut digits = h.to_hex().into_bytes();
            for (i, c) in edits {
                match c {
                    b'e' => digits[i..i + 2].copy_from_slice("é".as_bytes()),
                    c => digits[i] = c,
                }
            }
            let text = String::from_utf8(digits).unwrap_or_default();
            proptest::prop_assert_eq!(Hash::from_hex(&text), by_digit(text.as_bytes()));
            proptest::prop_assert_eq!(Hash::from_hex(&h.to_hex()), Some(h));
        }

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
