//! Static publication of the ledger's tree as C2SP tlog-tiles
//! (c2sp.org/tlog-tiles), for any static host or CDN:
//!
//! - `DIR/checkpoint`: the signed checkpoint;
//! - `DIR/tile/L/N[.p/W]`: hash tiles, 256 hashes of 32 bytes wide; at level
//!   0 the leaf hashes, at level L+1 the root of each full tile of level L;
//!   a partial tile (`.p/W`, 1 ≤ W ≤ 255) holds the hashes of an incomplete
//!   rightmost tile;
//! - `DIR/tile/entries/N[.p/W]`: entry bundles, each entry a big-endian
//!   uint16 length and the entry's leaf data (its 32-byte hash).
//!
//! N is written in 3-digit path elements, all but the last prefixed by `x`
//! (1234067 is `x001/x234/067`). Publishing writes only the files whose
//! bytes change (new full tiles, the new partial tiles, the checkpoint last)
//! and refuses a ledger that is not consistent with the checkpoint already
//! published. Checking a published log reads the checkpoint and every tile,
//! and recomputes every level and the root from the entry bundles.

use crate::checkpoint::{self, Checkpoint};
use crate::error::{Error, Result};
use crate::fsio;
use crate::hash::Hash;
use crate::merkle;
use crate::note::{SignerKey, VerifierKey};
use std::path::{Path, PathBuf};

/// Hashes per full tile.
pub const WIDTH: u64 = 256;

/// `N` as tlog-tiles path elements: `x001/x234/067`.
pub fn encode_index(n: u64) -> String {
    let mut parts = vec![format!("{:03}", n % 1000)];
    let mut rest = n / 1000;
    while rest > 0 {
        parts.push(format!("x{:03}", rest % 1000));
        rest /= 1000;
    }
    parts.reverse();
    parts.join("/")
}

/// The path (relative to the publication directory) of tile `n` of `level`
/// (`None`: the entry bundle), `width` hashes wide.
pub fn tile_path(level: Option<u8>, n: u64, width: u64) -> String {
    let l = level.map_or("entries".to_string(), |l| l.to_string());
    let p = if width == WIDTH {
        String::new()
    } else {
        format!(".p/{width}")
    };
    format!("tile/{l}/{}{p}", encode_index(n))
}

/// The hashes of every level of the tree of `leaves`: level 0 the leaves,
/// level L+1 the root of each complete group of 256 hashes of level L.
pub fn levels(leaves: &[Hash]) -> Vec<Vec<Hash>> {
    let mut out = vec![leaves.to_vec()];
    loop {
        let below = &out[out.len() - 1];
        if (below.len() as u64) < WIDTH {
            break;
        }
        let up: Vec<Hash> = below
            .chunks_exact(WIDTH as usize)
            .map(merkle::root_of)
            .collect();
        out.push(up);
    }
    out
}

/// Every file of the publication of a tree of `entries` (entry hashes), as
/// (relative path, bytes): the tiles of each level and the entry bundles.
pub fn files(entries: &[Hash]) -> Vec<(String, Vec<u8>)> {
    let leaves: Vec<Hash> = entries.iter().map(merkle::entry_leaf).collect();
    let mut out = Vec::new();
    for (l, hashes) in levels(&leaves).iter().enumerate() {
        for (n, chunk) in hashes.chunks(WIDTH as usize).enumerate() {
            let bytes: Vec<u8> = chunk.iter().flat_map(|h| h.0).collect();
            out.push((
                tile_path(Some(l as u8), n as u64, chunk.len() as u64),
                bytes,
            ));
        }
    }
    for (n, chunk) in entries.chunks(WIDTH as usize).enumerate() {
        let mut bytes = Vec::with_capacity(chunk.len() * 34);
        for h in chunk {
            bytes.extend_from_slice(&32u16.to_be_bytes());
            bytes.extend_from_slice(&h.0);
        }
        out.push((tile_path(None, n as u64, chunk.len() as u64), bytes));
    }
    out
}

/// What publishing did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Published {
    pub size: u64,
    /// Files written (new or changed), checkpoint excluded.
    pub written: u64,
    /// Files already there with the same bytes.
    pub kept: u64,
    /// The size of the checkpoint published before, if any.
    pub previous: Option<u64>,
}

/// Publishes the tree of `entries` (every entry's hash, of a verified ledger)
/// into `dir`, signed by `key` for `origin`.
pub fn publish(dir: &Path, entries: &[Hash], key: &SignerKey, origin: &str) -> Result<Published> {
    let size = entries.len() as u64;
    let leaves: Vec<Hash> = entries.iter().map(merkle::entry_leaf).collect();
    let cp_path = dir.join("checkpoint");
    let mut done = Published {
        size,
        ..Published::default()
    };
    if std::fs::symlink_metadata(&cp_path).is_ok() {
        let bytes = checkpoint::read(&cp_path)?;
        let old = checkpoint::open(&cp_path, &bytes, &[key.verifier()], Some(origin)).map_err(|e| {
            Error::usage(
                format!("{e}; nothing was published"),
                Some("publish into a new directory, or check that --key and --origin are this log's".into()),
            )
        })?;
        let old = old.checkpoint;
        let root = (old.size <= size).then(|| merkle::root_of(&leaves[..old.size as usize]));
        if root != Some(old.root) {
            return Err(Error::unverified(
                &cp_path,
                format!(
                    "the published checkpoint (size {}, root {}) is not a prefix of this ledger ({size} entries); nothing was published",
                    old.size,
                    old.root_base64()
                ),
                Some("a log must never publish a rewritten or truncated history: restore the ledger the checkpoint was made from".into()),
            ));
        }
        done.previous = Some(old.size);
    }
    let cp = Checkpoint::new(origin, size, merkle::root_of(&leaves)).sign(key)?;
    for (rel, bytes) in files(entries) {
        let path = dir.join(&rel);
        match std::fs::read(&path) {
            Ok(old) if old == bytes => {
                done.kept += 1;
                continue;
            }
            _ => {}
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, "create", e))?;
        }
        fsio::replace(&path, &bytes, 0o644).map_err(|e| Error::io(&path, "write", e))?;
        done.written += 1;
    }
    // Last: readers never see a checkpoint before its tiles.
    fsio::replace(&cp_path, cp.as_bytes(), 0o644).map_err(|e| Error::io(&cp_path, "write", e))?;
    Ok(done)
}

/// A published log that checked out.
#[derive(Debug, Clone)]
pub struct Checked {
    pub checkpoint: checkpoint::Signed,
    /// Every entry's hash, from the entry bundles.
    pub entries: Vec<Hash>,
    pub leaves: Vec<Hash>,
    /// Tiles and bundles read.
    pub files: u64,
}

fn read_tile(dir: &Path, rel: &str, len: usize) -> Result<Vec<u8>> {
    let path: PathBuf = dir.join(rel);
    let bytes = std::fs::read(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::unverified(
                &path,
                "missing from the publication",
                Some("publish again with `ledger publish`".into()),
            )
        } else {
            Error::io(&path, "read", e)
        }
    })?;
    if bytes.len() != len {
        return Err(Error::unverified(
            &path,
            format!("{} bytes, expected {len}", bytes.len()),
            None,
        ));
    }
    Ok(bytes)
}

/// Checks the publication in `dir` with the log's `keys`: the checkpoint's
/// signature, each entry bundle against the level-0 tile, each level's
/// hashes against the tiles below, and the root against the checkpoint.
pub fn check(dir: &Path, keys: &[VerifierKey], origin: Option<&str>) -> Result<Checked> {
    let cp_path = dir.join("checkpoint");
    let bytes = checkpoint::read(&cp_path)?;
    let signed = checkpoint::open(&cp_path, &bytes, keys, origin)?;
    let size = signed.checkpoint.size;
    let mut files = 0u64;
    // The size comes from the file: grow as bundles are read, not up front.
    let mut entries = Vec::with_capacity(usize::try_from(size.min(1 << 20)).unwrap_or(0));
    let mut n = 0u64;
    while n * WIDTH < size {
        let w = (size - n * WIDTH).min(WIDTH);
        let rel = tile_path(None, n, w);
        let b = read_tile(dir, &rel, (w * 34) as usize)?;
        files += 1;
        for (i, e) in b.chunks_exact(34).enumerate() {
            if e[..2] != 32u16.to_be_bytes() {
                return Err(Error::unverified(
                    dir.join(&rel),
                    format!("entry {} is not 32 bytes long", n * WIDTH + i as u64),
                    None,
                ));
            }
            entries.push(Hash(e[2..].try_into().unwrap_or([0; 32])));
        }
        n += 1;
    }
    let leaves: Vec<Hash> = entries.iter().map(merkle::entry_leaf).collect();
    for (l, hashes) in levels(&leaves).iter().enumerate() {
        for (n, chunk) in hashes.chunks(WIDTH as usize).enumerate() {
            let rel = tile_path(Some(l as u8), n as u64, chunk.len() as u64);
            let b = read_tile(dir, &rel, chunk.len() * 32)?;
            files += 1;
            if let Some(i) = b
                .chunks_exact(32)
                .zip(chunk)
                .position(|(got, want)| got != want.0)
            {
                let below = n as u64 * WIDTH + i as u64;
                let what = if l == 0 {
                    format!("the leaf hash of entry {below} in its entry bundle")
                } else {
                    format!("the root of tile {below} of level {}", l - 1)
                };
                return Err(Error::unverified(
                    dir.join(&rel),
                    format!("hash {i} is not {what}: a tile or a bundle was changed"),
                    Some("publish again from the ledger with `ledger publish`".into()),
                ));
            }
        }
    }
    let root = merkle::root_of(&leaves);
    if root != signed.checkpoint.root {
        return Err(Error::unverified(
            &cp_path,
            format!(
                "the tiles give root {} for size {size}, the checkpoint signed {}",
                Checkpoint::new("", 0, root).root_base64(),
                signed.checkpoint.root_base64()
            ),
            None,
        ));
    }
    Ok(Checked {
        checkpoint: signed,
        entries,
        leaves,
        files,
    })
}

/// Reads the hashes of a published tree of `size` entries from its tiles,
/// fetching only the tiles asked for (each once), as a client of a static
/// host would.
pub struct TileReader<'a> {
    dir: &'a Path,
    size: u64,
    cache: std::collections::HashMap<String, Vec<u8>>,
}

impl<'a> TileReader<'a> {
    pub fn new(dir: &'a Path, size: u64) -> TileReader<'a> {
        TileReader {
            dir,
            size,
            cache: std::collections::HashMap::new(),
        }
    }

    /// How many tiles were read.
    pub fn tiles_read(&self) -> usize {
        self.cache.len()
    }

    /// The root of the perfect subtree of 2^`height` leaves starting at leaf
    /// `index << height` (which must lie within the tree): from the tile of
    /// level `height / 8` that holds its 2^(height mod 8) hashes.
    fn stored(&mut self, height: u32, index: u64) -> Result<Hash> {
        let (level, r) = (height / 8, height % 8);
        let count = self.size >> (8 * level);
        let first = index << r;
        let n = first / WIDTH;
        let width = (count - n * WIDTH).min(WIDTH);
        let rel = tile_path(Some(level as u8), n, width);
        if !self.cache.contains_key(&rel) {
            let b = read_tile(self.dir, &rel, (width * 32) as usize)?;
            self.cache.insert(rel.clone(), b);
        }
        let bytes = &self.cache[&rel];
        let at = (first - n * WIDTH) as usize;
        let hashes: Vec<Hash> = bytes[at * 32..(at + (1 << r)) * 32]
            .chunks_exact(32)
            .map(|c| Hash(c.try_into().unwrap_or([0; 32])))
            .collect();
        Ok(merkle::root_of(&hashes))
    }

    /// MTH of leaves `lo..hi` of the tree (RFC 9162 2.1.1), from the fewest
    /// stored hashes: each perfect, aligned subtree is one stored hash.
    pub fn root(&mut self, lo: u64, hi: u64) -> Result<Hash> {
        let n = hi - lo;
        if n == 0 {
            return Ok(merkle::EMPTY_ROOT);
        }
        if n.is_power_of_two() && lo.is_multiple_of(n) {
            return self.stored(n.trailing_zeros(), lo >> n.trailing_zeros());
        }
        let k = 1u64 << (63 - (n - 1).leading_zeros());
        let left = self.root(lo, lo + k)?;
        let right = self.root(lo + k, hi)?;
        Ok(merkle::node_hash(&left, &right))
    }

    /// The inclusion proof (RFC 9162 2.1.3.1) of leaf `m` in the tree.
    pub fn inclusion_proof(&mut self, m: u64) -> Result<Vec<Hash>> {
        let mut out = Vec::new();
        let (mut lo, mut hi) = (0, self.size);
        let mut pieces = Vec::new();
        while hi - lo > 1 {
            let k = 1u64 << (63 - (hi - lo - 1).leading_zeros());
            if m < lo + k {
                pieces.push((lo + k, hi));
                hi = lo + k;
            } else {
                pieces.push((lo, lo + k));
                lo += k;
            }
        }
        // PATH lists the sibling nearest the leaf first.
        for (a, b) in pieces.into_iter().rev() {
            out.push(self.root(a, b)?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Proofs read from the tiles are the proofs of the tree.
    #[test]
    fn tile_reader_proofs_match_the_tree() {
        for size in [1usize, 2, 255, 256, 257, 700, 66_000] {
            let dir = tempfile::tempdir().unwrap();
            let entries: Vec<Hash> = (0..size as u64)
                .map(|i| crate::hash::sha256(&i.to_be_bytes()))
                .collect();
            for (rel, bytes) in files(&entries) {
                let p = dir.path().join(rel);
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(p, bytes).unwrap();
            }
            let leaves: Vec<Hash> = entries.iter().map(merkle::entry_leaf).collect();
            let mut r = TileReader::new(dir.path(), size as u64);
            assert_eq!(
                r.root(0, size as u64).unwrap(),
                merkle::root_of(&leaves),
                "size {size}"
            );
            for m in [0, size / 2, size - 1] {
                let got = r.inclusion_proof(m as u64).unwrap();
                assert_eq!(
                    Some(got),
                    merkle::inclusion_proof(&leaves, m as u64),
                    "{m} of {size}"
                );
            }
            if size == 66_000 {
                // A proof needs a handful of tiles, not the 258 level-0 tiles.
                let mut fresh = TileReader::new(dir.path(), size as u64);
                fresh.inclusion_proof(1234).unwrap();
                assert!(fresh.tiles_read() <= 6, "{}", fresh.tiles_read());
            }
        }
    }

    #[test]
    fn paths_follow_tlog_tiles() {
        assert_eq!(encode_index(0), "000");
        assert_eq!(encode_index(999), "999");
        assert_eq!(encode_index(1000), "x001/000");
        assert_eq!(encode_index(1234067), "x001/x234/067");
        assert_eq!(tile_path(Some(0), 1234067, 256), "tile/0/x001/x234/067");
        assert_eq!(tile_path(Some(2), 3, 17), "tile/2/003.p/17");
        assert_eq!(tile_path(None, 0, 1), "tile/entries/000.p/1");
    }

    /// The spec's example: a tree of 70,000 entries has 273 full and one
    /// partial (112) level-0 tiles, one full and one partial (17) level-1
    /// tile, and one partial (1) level-2 tile; a tree of 256, one full
    /// level-0 tile and a partial level-1 tile of width 1.
    #[test]
    fn tile_counts_of_the_spec_examples() {
        let count = |size: usize| {
            let entries = vec![Hash::ZERO; size];
            files(&entries)
                .into_iter()
                .map(|(p, b)| (p, b.len()))
                .filter(|(p, _)| !p.starts_with("tile/entries"))
                .collect::<Vec<_>>()
        };
        let f = count(70_000);
        let level = |l: &str| {
            f.iter()
                .filter(|(p, _)| p.starts_with(l))
                .collect::<Vec<_>>()
        };
        assert_eq!(level("tile/0/").len(), 274);
        assert!(
            level("tile/0/")
                .iter()
                .any(|(p, n)| p == "tile/0/273.p/112" && *n == 112 * 32)
        );
        assert_eq!(level("tile/1/").len(), 2);
        assert!(level("tile/1/").iter().any(|(p, _)| p == "tile/1/001.p/17"));
        assert_eq!(level("tile/2/").len(), 1);
        assert_eq!(level("tile/2/")[0].0, "tile/2/000.p/1");
        let f = count(256);
        assert_eq!(
            f.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>(),
            ["tile/0/000", "tile/1/000.p/1"]
        );
    }
}
