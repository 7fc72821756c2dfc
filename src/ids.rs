//! Change ids: the ids `ledger` gives facts and sources added without `--id`,
//! how they are shown (by their shortest unique prefix), and how a prefix
//! typed on the command line is resolved to the id it names.
//!
//! A change id is 16 characters from the *reverse-hex* alphabet `z`…`k`
//! (`z` is 0, `y` 1, …, `k` 15), encoding 8 random bytes from the operating
//! system. Like a version-control change id it carries no position, so an
//! entry keeps it when a merge or rebase moves the entry to another `seq`, and
//! two branches never pick the same one (about 2^-64 per pair). The alphabet
//! keeps it apart from hex digests (`hash`, `prev`) at a glance, and it is
//! lowercase letters only, so it is always a valid id (docs/FORMAT.md 5.1)
//! and never of the reserved `f<digits>` form (8.2).
//!
//! For tests and reproducible builds, `LEDGER_ID_SEED` replaces the random
//! bytes with a digest of the seed, the ledger's last hash before the write and
//! a counter, so the same commands on the same ledger give the same ids.

use crate::error::{Error, Result};
use crate::hash::Hash;
use sha2::{Digest, Sha256};

/// The length of a change id, in characters.
pub const LEN: usize = 16;

/// The shortest prefix a change id is shown by, in characters.
pub const SHOWN_MIN: usize = 4;

/// The environment variable that makes change ids deterministic (tests and
/// reproducible rebuilds only: on a shared ledger every writer must draw
/// random ids).
pub const SEED_ENV: &str = "LEDGER_ID_SEED";

/// The digits of reverse hex: `z` is 0, `k` is 15.
const DIGITS: &[u8; 16] = b"zyxwvutsrqponmlk";

/// The reverse-hex text of `bytes`, high nibble first.
pub fn encode(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 0xF) as usize] as char);
    }
    s
}

/// Whether `id` has the shape of a change id (16 characters `k`–`z`). Ids of
/// this shape are shown abbreviated; other ids are names someone chose and are
/// always shown whole.
pub fn is_change_id(id: &str) -> bool {
    id.len() == LEN && id.bytes().all(|b| (b'k'..=b'z').contains(&b))
}

/// Draws the change ids of one writing command.
#[derive(Debug, Clone)]
pub struct Generator {
    seed: Option<String>,
    tail: Hash,
    drawn: u64,
}

impl Generator {
    /// A generator for a write after the entry with hash `tail`, seeded from
    /// `LEDGER_ID_SEED` when it is set.
    pub fn from_env(tail: Hash) -> Result<Generator> {
        let seed = match std::env::var(SEED_ENV) {
            Ok(s) if s.is_empty() => {
                return Err(Error::usage(
                    format!("{SEED_ENV} is set but empty"),
                    Some(format!(
                        "unset {SEED_ENV} (ids are then random), or give it a value"
                    )),
                ));
            }
            Ok(s) => Some(s),
            Err(_) => None,
        };
        Ok(Generator {
            seed,
            tail,
            drawn: 0,
        })
    }

    /// The next id.
    pub fn next_id(&mut self) -> Result<String> {
        let bytes: [u8; LEN / 2] = match &self.seed {
            Some(seed) => {
                let d = Sha256::new()
                    .chain_update(b"ledger change id\0")
                    .chain_update(seed.as_bytes())
                    .chain_update([0])
                    .chain_update(self.tail.0)
                    .chain_update(self.drawn.to_le_bytes())
                    .finalize();
                let mut b = [0u8; LEN / 2];
                b.copy_from_slice(&d[..LEN / 2]);
                b
            }
            None => crate::fsio::random_bytes::<{ LEN / 2 }>()
                .map_err(|e| Error::io("the operating system's random source", "read from", e))?,
        };
        self.drawn += 1;
        Ok(encode(&bytes))
    }
}

/// The source and fact ids of a ledger that can bear on how a change id is
/// shown, sorted, for showing change ids by their shortest unique prefix.
#[derive(Debug, Clone, Default)]
pub struct Abbrev {
    /// The ids in sorted order, one after another: one allocation for
    /// all of them rather than one each (a large ledger has millions).
    text: String,
    /// Where each id ends in `text`.
    ends: Vec<usize>,
}

impl Abbrev {
    pub fn new<'a>(ids: impl IntoIterator<Item = &'a str>) -> Abbrev {
        // A change id is never shown by fewer than SHOWN_MIN characters, so
        // only an id that shares at least that many with one can make its
        // prefix longer: one that begins with SHOWN_MIN characters of the
        // alphabet. Every other id is left out (a ledger whose ids are all
        // names someone chose needs no table at all).
        let mut sorted: Vec<&str> = ids.into_iter().filter(|id| may_share_shown(id)).collect();
        sorted.sort_unstable();
        sorted.dedup();
        let mut text = String::with_capacity(sorted.iter().map(|s| s.len()).sum());
        let mut ends = Vec::with_capacity(sorted.len());
        for id in sorted {
            text.push_str(id);
            ends.push(text.len());
        }
        Abbrev { text, ends }
    }

    /// The `i`th id in sorted order.
    fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = i.checked_sub(1).map_or(0, |j| self.ends[j]);
        self.text.get(start..end)
    }

    /// How `id` is shown: a change id by its shortest prefix (at least
    /// [`SHOWN_MIN`] characters) that no other id starts with; any other id
    /// whole.
    pub fn shown<'a>(&self, id: &'a str) -> &'a str {
        if !is_change_id(id) {
            return id;
        }
        &id[..self.unique_len(id)]
    }

    /// The length of the shortest prefix of `id` that no other id starts with
    /// (at least [`SHOWN_MIN`]). In sorted order the ids sharing the longest
    /// prefix with `id` are its neighbours.
    fn unique_len(&self, id: &str) -> usize {
        let at = partition_point(self.ends.len(), |i| self.get(i).is_some_and(|s| s < id));
        let next = if self.get(at).is_some_and(|s| s == id) {
            at + 1
        } else {
            at
        };
        let lcp = |other: Option<&str>| {
            other.map_or(0, |o| {
                o.bytes()
                    .zip(id.bytes())
                    .take_while(|(a, b)| a == b)
                    .count()
            })
        };
        let before = at.checked_sub(1).and_then(|i| self.get(i));
        let longest = lcp(before).max(lcp(self.get(next)));
        (longest + 1).clamp(SHOWN_MIN, id.len())
    }
}

/// Whether `id` can share its first [`SHOWN_MIN`] characters with a change
/// id: they are all of the change-id alphabet.
fn may_share_shown(id: &str) -> bool {
    id.as_bytes()
        .get(..SHOWN_MIN)
        .is_some_and(|p| p.iter().all(|b| (b'k'..=b'z').contains(b)))
}

/// The first of `0..len` for which `before` is false, `before` being true
/// for a prefix of the range ([`slice::partition_point`] over positions).
fn partition_point(len: usize, before: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, len);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if before(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// What a prefix given on the command line names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// Exactly this id (the prefix was the whole id, or only this id starts
    /// with it).
    One(String),
    /// No id starts with it.
    None,
    /// Several ids start with it.
    Ambiguous(Vec<String>),
}

/// Resolves `given` against `ids`: an id equal to it wins; otherwise the only
/// id it is a prefix of.
pub fn resolve<'a>(given: &str, ids: impl IntoIterator<Item = &'a str>) -> Resolved {
    let mut found: Vec<String> = Vec::new();
    for id in ids {
        if id == given {
            return Resolved::One(id.to_string());
        }
        if !given.is_empty() && id.starts_with(given) {
            found.push(id.to_string());
        }
    }
    match found.len() {
        0 => Resolved::None,
        1 => Resolved::One(found.remove(0)),
        _ => {
            found.sort();
            Resolved::Ambiguous(found)
        }
    }
}

/// The error for a prefix that several ids start with: it lists them (each
/// described by `describe`), so the user can type a longer prefix.
pub fn ambiguous(
    what: &str,
    given: &str,
    candidates: &[String],
    describe: impl Fn(&str) -> String,
) -> Error {
    const LISTED: usize = 10;
    let mut list: Vec<String> = candidates
        .iter()
        .take(LISTED)
        .map(|c| describe(c))
        .collect();
    if candidates.len() > LISTED {
        list.push(format!("... {} more", candidates.len() - LISTED));
    }
    Error::Ambiguous {
        message: format!(
            "{what} `{given}` is ambiguous: {} ids start with it:",
            candidates.len()
        ),
        candidates: list,
        help: Some("type more of the id, enough to name one of them".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverse_hex_maps_zero_to_z_and_fifteen_to_k() {
        assert_eq!(encode(&[0x00, 0x0f, 0xf0, 0xff]), "zzzkkzkk");
        assert_eq!(encode(&[0x12, 0x34]), "yxwv");
        assert!(is_change_id(&encode(&[0xab; 8])));
        assert!(!is_change_id("kkkkkkkkkkkkkkk"));
        assert!(!is_change_id("kkkkkkkkkkkkkkka"));
        assert!(!is_change_id("embassy-study"));
    }

    #[test]
    fn shortest_unique_prefix_is_at_least_four_and_tells_neighbours_apart() {
        let a = "kxqzmlpvtsrwnoqy";
        let b = "kxqzmzzzzzzzzzzz";
        let c = "zzzzzzzzzzzzzzzz";
        let ab = Abbrev::new([a, b, c, "kxqz", "globe"]);
        assert_eq!(ab.shown(a), "kxqzml");
        assert_eq!(ab.shown(b), "kxqzmz");
        assert_eq!(ab.shown(c), "zzzz");
        // Names someone chose are shown whole.
        assert_eq!(ab.shown("globe"), "globe");
        // An id not in the table still gets a prefix no listed id shares.
        assert_eq!(ab.shown("kxqzmlzzzzzzzzzz"), "kxqzmlz");
    }

    /// The ids kept in one buffer show every id, listed or not, by the
    /// prefix the table of separate, sorted strings gave; duplicates and
    /// names someone chose among them.
    #[test]
    fn ids_in_one_buffer_are_shown_as_from_sorted_strings() {
        fn shown_apart(ids: &[String], id: &str) -> usize {
            let mut sorted = ids.to_vec();
            sorted.sort_unstable();
            sorted.dedup();
            let at = sorted.partition_point(|s| s.as_str() < id);
            let next = if sorted.get(at).is_some_and(|s| s == id) {
                at + 1
            } else {
                at
            };
            let lcp = |o: Option<&String>| {
                o.map_or(0, |o| {
                    o.bytes()
                        .zip(id.bytes())
                        .take_while(|(a, b)| a == b)
                        .count()
                })
            };
            let before = at.checked_sub(1).and_then(|i| sorted.get(i));
            (lcp(before).max(lcp(sorted.get(next))) + 1).clamp(SHOWN_MIN, id.len())
        }
        // Change ids from a small alphabet share long prefixes.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut draw = || {
            let mut id = String::new();
            for _ in 0..LEN {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                id.push(char::from(b'k' + (x % 3) as u8));
            }
            id
        };
        for n in [0, 1, 2, 3, 50, 400] {
            let mut ids: Vec<String> = (0..n).map(|_| draw()).collect();
            ids.extend(ids.first().cloned());
            ids.push("globe".into());
            // With one name someone chose that begins like a change id (the
            // table leaves such a name out only when it cannot share four
            // characters with one).
            let mut sets = vec![ids.clone()];
            if let Some(first) = ids.first().filter(|id| is_change_id(id)) {
                for k in [3, 4, 5, 9] {
                    for tail in ["", "-x", "a"] {
                        let mut with = ids.clone();
                        with.push(format!("{}{tail}", &first[..k]));
                        sets.push(with);
                    }
                }
            }
            for ids in sets {
                let ab = Abbrev::new(ids.iter().map(String::as_str));
                let others: Vec<String> = (0..50).map(|_| draw()).collect();
                for id in ids.iter().chain(&others) {
                    let want = if is_change_id(id) {
                        &id[..shown_apart(&ids, id)]
                    } else {
                        id.as_str()
                    };
                    assert_eq!(ab.shown(id), want, "{id} among {n}: {:?}", ids.last());
                }
            }
        }
        // Ids that cannot share four characters with a change id need no table.
        let names = Abbrev::new(["f499", "src-439", "globe", "kkk", "kkk-k", "zzzAzzzz"]);
        assert!(names.ends.is_empty() && names.text.is_empty());
    }

    #[test]
    fn resolve_prefers_an_exact_id_and_lists_candidates() {
        let ids = ["kxqzmlpvtsrwnoqy", "kxqzmzzzzzzzzzzz", "kx"];
        assert_eq!(resolve("kx", ids), Resolved::One("kx".into()));
        assert_eq!(
            resolve("kxqzml", ids),
            Resolved::One("kxqzmlpvtsrwnoqy".into())
        );
        assert_eq!(
            resolve("kxq", ids),
            Resolved::Ambiguous(vec!["kxqzmlpvtsrwnoqy".into(), "kxqzmzzzzzzzzzzz".into()])
        );
        assert_eq!(resolve("q", ids), Resolved::None);
        assert_eq!(resolve("", ids), Resolved::None);
    }

    #[test]
    fn a_seed_gives_the_same_ids_for_the_same_tail_and_others_elsewhere() {
        let mut g = Generator {
            seed: Some("s".into()),
            tail: Hash::ZERO,
            drawn: 0,
        };
        let (a, b) = (g.next_id().unwrap(), g.next_id().unwrap());
        assert_ne!(a, b);
        let mut again = Generator {
            seed: Some("s".into()),
            tail: Hash::ZERO,
            drawn: 0,
        };
        assert_eq!(again.next_id().unwrap(), a);
        let mut other = Generator {
            seed: Some("s".into()),
            tail: Hash([1; 32]),
            drawn: 0,
        };
        assert_ne!(other.next_id().unwrap(), a);
        let mut random = Generator {
            seed: None,
            tail: Hash::ZERO,
            drawn: 0,
        };
        let r = random.next_id().unwrap();
        assert!(is_change_id(&r) && crate::entry::check_id("id", &r).is_ok());
    }
}
