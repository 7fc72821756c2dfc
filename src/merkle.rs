//! The Merkle tree over a ledger (RFC 6962 / RFC 9162, section 2.1), its
//! streaming root, and inclusion and consistency proofs.
//!
//! Leaf *i* of the tree is entry *i* of the ledger: its leaf data is the 32
//! raw bytes of the entry's `hash`. A leaf hash is SHA-256(0x00 ‖ data) and an
//! interior node SHA-256(0x01 ‖ left ‖ right); the root of the empty tree is
//! SHA-256 of nothing. [`Builder`] computes the root while entries stream
//! past, keeping one hash per level (O(log n) memory); `verify` feeds it every
//! entry it links. Proofs are made from the leaf hashes ([`inclusion_proof`],
//! [`consistency_proof`]) and checked by the algorithms of RFC 9162 sections
//! 2.1.3.2 and 2.1.4.2 ([`verify_inclusion`], [`verify_consistency`]), which
//! take hashes as byte strings so that a hash of the wrong length is a
//! failed proof, never a panic.

use crate::hash::Hash;

/// The root of the empty tree: SHA-256 of the empty string.
pub const EMPTY_ROOT: Hash = Hash([
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
]);

/// SHA-256(0x00 ‖ data): the hash of a leaf whose data is `data`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    crate::hash::sha256_parts(&[&[0u8], data])
}

/// The leaf hash of a ledger entry: its leaf data is the 32 bytes of its hash.
pub fn entry_leaf(entry_hash: &Hash) -> Hash {
    leaf_hash(&entry_hash.0)
}

/// SHA-256(0x01 ‖ left ‖ right): the hash of an interior node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    crate::hash::sha256_parts(&[&[1u8], &left.0, &right.0])
}

/// The root of a tree (or subtree) given its leaf hashes, in O(log n) memory.
pub fn root_of(leaves: &[Hash]) -> Hash {
    let mut b = Builder::new();
    for l in leaves {
        b.push_leaf(*l);
    }
    b.root()
}

/// The tree over a ledger's entries as verification found it: its size, its
/// root, and the roots at the sizes asked for that it reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeHead {
    pub size: u64,
    pub root: Hash,
    /// `(size, root)` for each watched size the tree reached, ascending.
    pub roots: Vec<(u64, Hash)>,
}

impl TreeHead {
    /// The root at `size`: the whole tree's, or a watched size's.
    pub fn root_at(&self, size: u64) -> Option<Hash> {
        if size == self.size {
            return Some(self.root);
        }
        self.roots.iter().find(|(s, _)| *s == size).map(|(_, r)| *r)
    }
}

/// Computes the root of a growing tree from its leaves, in order, keeping the
/// roots of the perfect subtrees of its left edge (one per set bit of the
/// size), and remembers the root at the sizes it was asked to watch.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Builder {
    size: u64,
    /// Roots of perfect subtrees, largest (leftmost) first.
    stack: Vec<Hash>,
    /// Sizes whose roots to remember, ascending, without duplicates.
    marks: Vec<u64>,
    /// The next mark not yet reached.
    next_mark: usize,
    /// The roots at the marks reached so far.
    roots: Vec<(u64, Hash)>,
}

impl Builder {
    pub fn new() -> Builder {
        Builder::default()
    }

    /// A builder that also remembers the root at each size in `sizes`
    /// (size 0 has the empty root and is remembered at once).
    pub fn watching(sizes: &[u64]) -> Builder {
        let mut marks = sizes.to_vec();
        marks.sort_unstable();
        marks.dedup();
        let mut b = Builder {
            marks,
            ..Builder::default()
        };
        b.reached();
        b
    }

    /// Adds the leaf of an entry with hash `entry_hash`.
    pub fn push_entry(&mut self, entry_hash: &Hash) {
        self.push_leaf(entry_leaf(entry_hash));
    }

    /// Adds a leaf by its leaf hash.
    pub fn push_leaf(&mut self, leaf: Hash) {
        let mut h = leaf;
        let mut n = self.size;
        // Each trailing 1 bit of the old size is a perfect subtree of the
        // same height as `h` to merge with.
        while n & 1 == 1 {
            // The stack holds one hash per set bit of `size`, so it is not
            // empty here.
            if let Some(left) = self.stack.pop() {
                h = node_hash(&left, &h);
            }
            n >>= 1;
        }
        self.stack.push(h);
        self.size += 1;
        self.reached();
    }

    fn reached(&mut self) {
        while self.next_mark < self.marks.len() && self.marks[self.next_mark] <= self.size {
            if self.marks[self.next_mark] == self.size {
                let root = self.root();
                self.roots.push((self.size, root));
            }
            self.next_mark += 1;
        }
    }

    /// The number of leaves added.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The root of the tree of the leaves added so far.
    pub fn root(&self) -> Hash {
        let mut it = self.stack.iter().rev();
        let Some(last) = it.next() else {
            return EMPTY_ROOT;
        };
        it.fold(*last, |acc, left| node_hash(left, &acc))
    }

    /// The root at a watched size, once the tree has reached it.
    pub fn root_at(&self, size: u64) -> Option<Hash> {
        self.roots.iter().find(|(s, _)| *s == size).map(|(_, r)| *r)
    }

    /// The tree as it stands: size, root and the watched roots reached.
    pub fn head(&self) -> TreeHead {
        TreeHead {
            size: self.size,
            root: self.root(),
            roots: self.roots.clone(),
        }
    }

    /// The roots at every watched size reached, ascending.
    pub fn roots(&self) -> &[(u64, Hash)] {
        &self.roots
    }
}

/// The largest power of two smaller than `n` (n ≥ 2).
fn split(n: usize) -> usize {
    debug_assert!(n >= 2);
    let mut k = 1;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// The inclusion proof (RFC 9162 2.1.3.1, PATH) of leaf `index` in the tree of
/// `leaves`, from the leaf's sibling up. `None` when `index` is not a leaf.
pub fn inclusion_proof(leaves: &[Hash], index: u64) -> Option<Vec<Hash>> {
    let m = usize::try_from(index).ok()?;
    if m >= leaves.len() {
        return None;
    }
    let mut out = Vec::new();
    path(m, leaves, &mut out);
    Some(out)
}

fn path(m: usize, leaves: &[Hash], out: &mut Vec<Hash>) {
    let n = leaves.len();
    if n <= 1 {
        return;
    }
    let k = split(n);
    if m < k {
        path(m, &leaves[..k], out);
        out.push(root_of(&leaves[k..]));
    } else {
        path(m - k, &leaves[k..], out);
        out.push(root_of(&leaves[..k]));
    }
}

/// The consistency proof (RFC 9162 2.1.4.1, PROOF) from the tree of the first
/// `old_size` of `leaves` to the tree of all of them. `None` unless
/// 0 < old_size ≤ the number of leaves; empty when they are equal.
pub fn consistency_proof(leaves: &[Hash], old_size: u64) -> Option<Vec<Hash>> {
    let m = usize::try_from(old_size).ok()?;
    if m == 0 || m > leaves.len() {
        return None;
    }
    let mut out = Vec::new();
    subproof(m, leaves, true, &mut out);
    Some(out)
}

fn subproof(m: usize, leaves: &[Hash], whole: bool, out: &mut Vec<Hash>) {
    let n = leaves.len();
    if m == n {
        if !whole {
            out.push(root_of(leaves));
        }
        return;
    }
    let k = split(n);
    if m <= k {
        subproof(m, &leaves[..k], whole, out);
        out.push(root_of(&leaves[k..]));
    } else {
        subproof(m - k, &leaves[k..], false, out);
        out.push(root_of(&leaves[..k]));
    }
}

/// Why a proof did not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProofError {
    /// The sizes or index cannot have a proof (index beyond the tree, old
    /// size 0 or larger than the new one).
    Range(String),
    /// A hash in the proof, or a given hash, is not 32 bytes.
    Length(String),
    /// The proof has the wrong number of hashes for the sizes.
    Shape(String),
    /// The proof leads to another root.
    Mismatch(String),
}

impl std::fmt::Display for ProofError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProofError::Range(s)
            | ProofError::Length(s)
            | ProofError::Shape(s)
            | ProofError::Mismatch(s) => f.write_str(s),
        }
    }
}

fn hash32(what: &str, b: &[u8]) -> Result<Hash, ProofError> {
    <[u8; 32]>::try_from(b)
        .map(Hash)
        .map_err(|_| ProofError::Length(format!("{what} is {} bytes, not 32", b.len())))
}

fn path32(proof: &[impl AsRef<[u8]>]) -> Result<Vec<Hash>, ProofError> {
    proof
        .iter()
        .enumerate()
        .map(|(i, p)| hash32(&format!("proof hash {}", i + 1), p.as_ref()))
        .collect()
}

/// Checks that `leaf` (a leaf hash) is leaf `index` of the tree of `size`
/// leaves with root `root`, by RFC 9162 section 2.1.3.2.
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &[u8],
    proof: &[impl AsRef<[u8]>],
    root: &[u8],
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::Range(format!(
            "leaf {index} is not in a tree of size {size}"
        )));
    }
    let leaf = hash32("the leaf hash", leaf)?;
    let proof = path32(proof)?;
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = leaf;
    for p in &proof {
        if snode == 0 {
            return Err(ProofError::Shape(format!(
                "the proof has {} hashes, more than a tree of size {size} needs",
                proof.len()
            )));
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(ProofError::Shape(format!(
            "the proof has {} hashes, fewer than a tree of size {size} needs",
            proof.len()
        )));
    }
    if r.0[..] != *root {
        return Err(ProofError::Mismatch(format!(
            "the proof leads to root {}, not the expected {}",
            r.to_hex(),
            hex(root)
        )));
    }
    Ok(())
}

/// Checks that the tree of `size1` leaves with root `root1` is a prefix of the
/// tree of `size2` leaves with root `root2`, by RFC 9162 section 2.1.4.2.
/// Requires 0 < size1 ≤ size2 (a proof from the empty tree proves nothing).
pub fn verify_consistency(
    size1: u64,
    size2: u64,
    proof: &[impl AsRef<[u8]>],
    root1: &[u8],
    root2: &[u8],
) -> Result<(), ProofError> {
    if size1 > size2 {
        return Err(ProofError::Range(format!(
            "the old size {size1} is larger than the new size {size2}"
        )));
    }
    if size1 == 0 {
        return Err(ProofError::Range(
            "a consistency proof from the empty tree proves nothing".into(),
        ));
    }
    if size1 == size2 {
        if !proof.is_empty() {
            return Err(ProofError::Shape(
                "the sizes are equal, so the proof must be empty".into(),
            ));
        }
        if root1 != root2 {
            return Err(ProofError::Mismatch(format!(
                "the sizes are equal but the roots differ: {} and {}",
                hex(root1),
                hex(root2)
            )));
        }
        return Ok(());
    }
    if proof.is_empty() {
        return Err(ProofError::Shape(
            "the proof is empty, but the sizes differ".into(),
        ));
    }
    let first = hash32("the old root", root1)?;
    let mut path = path32(proof)?;
    if size1.is_power_of_two() {
        path.insert(0, first);
    }
    let (mut fnode, mut snode) = (size1 - 1, size2 - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if snode == 0 {
            return Err(ProofError::Shape(format!(
                "the proof has {} hashes, more than sizes {size1} and {size2} need",
                proof.len()
            )));
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(ProofError::Shape(format!(
            "the proof has {} hashes, fewer than sizes {size1} and {size2} need",
            proof.len()
        )));
    }
    if fr.0[..] != *root1 {
        return Err(ProofError::Mismatch(format!(
            "the proof leads to old root {}, not the expected {}",
            fr.to_hex(),
            hex(root1)
        )));
    }
    if sr.0[..] != *root2 {
        return Err(ProofError::Mismatch(format!(
            "the proof leads to new root {}, not the expected {}",
            sr.to_hex(),
            hex(root2)
        )));
    }
    Ok(())
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// MTH of RFC 9162 2.1.1, written recursively: the reference the
    /// streaming builder and the proofs are checked against.
    fn mth(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => EMPTY_ROOT,
            1 => leaves[0],
            n => {
                let k = split(n);
                node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n)
            .map(|i| entry_leaf(&crate::hash::sha256(&(i as u64).to_be_bytes())))
            .collect()
    }

    fn from_hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// For any tree up to 3000 leaves, any leaf and any older size: the
        /// streaming root is the recursive one, and the proofs verify against
        /// the recursive roots.
        #[test]
        fn proofs_verify_for_any_sizes(n in 1usize..3000, i in 0usize..3000, m in 1usize..3000) {
            let (i, m) = (i % n, 1 + (m - 1) % n);
            let ls = leaves(n);
            let root = mth(&ls);
            proptest::prop_assert_eq!(root_of(&ls), root);
            let p: Vec<[u8; 32]> = inclusion_proof(&ls, i as u64).unwrap().iter().map(|h| h.0).collect();
            proptest::prop_assert!(verify_inclusion(i as u64, n as u64, &ls[i].0, &p, &root.0).is_ok());
            let c: Vec<[u8; 32]> = consistency_proof(&ls, m as u64).unwrap().iter().map(|h| h.0).collect();
            let old = mth(&ls[..m]);
            proptest::prop_assert!(verify_consistency(m as u64, n as u64, &c, &old.0, &root.0).is_ok());
        }
    }

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        assert_eq!(EMPTY_ROOT, crate::hash::sha256(b""));
        assert_eq!(Builder::new().root(), EMPTY_ROOT);
    }

    /// The eight leaves of the RFC 6962 test tree (also in the README of
    /// ../shared/merkle-testdata) and the root of all eight.
    #[test]
    fn rfc6962_test_tree_root() {
        let data = [
            "",
            "00",
            "10",
            "2021",
            "3031",
            "40414243",
            "5051525354555657",
            "606162636465666768696a6b6c6d6e6f",
        ];
        let ls: Vec<Hash> = data.iter().map(|d| leaf_hash(&from_hex(d))).collect();
        assert_eq!(
            root_of(&ls).to_hex(),
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
        );
    }

    #[test]
    fn builder_matches_the_recursive_definition_and_watches_sizes() {
        let ls = leaves(300);
        let mut b = Builder::watching(&[0, 1, 7, 8, 9, 256, 299, 1000]);
        assert_eq!(b.root_at(0), Some(EMPTY_ROOT));
        for (i, l) in ls.iter().enumerate() {
            b.push_leaf(*l);
            assert_eq!(b.root(), mth(&ls[..=i]), "size {}", i + 1);
        }
        for s in [1usize, 7, 8, 9, 256, 299] {
            assert_eq!(b.root_at(s as u64), Some(mth(&ls[..s])), "size {s}");
        }
        assert_eq!(b.root_at(1000), None);
        assert_eq!(b.roots().len(), 7);
    }

    /// Every leaf of every tree of 1 to 300 leaves: the proof verifies against
    /// the recomputed root, and fails for a neighbouring index or another
    /// root.
    #[test]
    fn inclusion_proofs_for_every_leaf_up_to_300() {
        let ls = leaves(300);
        for n in 1..=300usize {
            let root = mth(&ls[..n]);
            for i in 0..n {
                let p = inclusion_proof(&ls[..n], i as u64).unwrap();
                let p: Vec<[u8; 32]> = p.iter().map(|h| h.0).collect();
                verify_inclusion(i as u64, n as u64, &ls[i].0, &p, &root.0)
                    .unwrap_or_else(|e| panic!("leaf {i} of {n}: {e}"));
                if n > 1 {
                    let other = (i + 1) % n;
                    assert!(
                        verify_inclusion(other as u64, n as u64, &ls[i].0, &p, &root.0).is_err()
                    );
                }
                assert!(verify_inclusion(i as u64, n as u64, &ls[i].0, &p, &EMPTY_ROOT.0).is_err());
            }
            assert!(inclusion_proof(&ls[..n], n as u64).is_none());
        }
    }

    #[test]
    fn consistency_proofs_for_every_pair_up_to_130() {
        let ls = leaves(130);
        let roots: Vec<Hash> = (0..=130).map(|n| mth(&ls[..n])).collect();
        for n in 1..=130usize {
            for m in 1..=n {
                let p = consistency_proof(&ls[..n], m as u64).unwrap();
                let p: Vec<[u8; 32]> = p.iter().map(|h| h.0).collect();
                verify_consistency(m as u64, n as u64, &p, &roots[m].0, &roots[n].0)
                    .unwrap_or_else(|e| panic!("{m} -> {n}: {e}"));
                if m < n {
                    assert!(
                        verify_consistency(m as u64, n as u64, &p, &roots[m - 1].0, &roots[n].0)
                            .is_err()
                    );
                }
            }
        }
        assert!(consistency_proof(&ls, 0).is_none());
        assert!(consistency_proof(&ls, 131).is_none());
    }
}
