//! The referential index: what the referential checks need to know about a
//! ledger (which ids exist, whether a fact is live, which actors and topics are
//! defined), kept compactly.
//!
//! Each id is reduced to a 128-bit fingerprint (the first 16 bytes of SHA-256
//! of a namespace byte and the id) and a 64-bit word holding its kind and the
//! seq that recorded or last changed it (for a source, the seq that
//! registered it; an amended source has a second slot, in a namespace of its
//! own, with the seq of its last amendment). [`Compact`] holds that in memory
//! (about 40 bytes per id; `verify` uses it, so its memory does not grow with
//! the text of the ledger). Two ids with the same fingerprint would be taken
//! for one: finding such a pair on purpose costs about 2^64 SHA-256
//! computations, and by chance it is about 2^-128 per pair of ids. [`Disk`] holds the same in a file beside the
//! ledger, `.NAME.jsonl.idx`: an open-addressing hash table of fixed 24-byte
//! slots (the fingerprint's low 96 bits, the word, a 32-bit check) read with
//! positioned reads, so a write looks up only the ids its new entries name
//! and appends in time independent of the ledger's length.
//!
//! The file is derived and disposable: its header records the ledger length,
//! last seq and last hash it covers, and is used only when all three match the
//! ledger's tail. An index that is behind catches up from the lines after
//! what it covers (`store`); otherwise (missing, damaged, or the ledger was
//! rewritten) the writing command falls back to a full verify and replay, and
//! writes a fresh index. What it trusts: the prefix it covers verified when it
//! was indexed; `ledger verify` remains the integrity check.

use crate::entry::{Body, Entry};
use crate::hash::{Hash, sha256};
use crate::replay::{IdUse, Liveness, Refs, State, Status, check};
use crate::vocab;
use std::collections::HashMap;
use std::fs::File;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// A fingerprint of a namespaced id.
pub type Fp = u128;

/// The namespace of source and fact ids.
pub(crate) const NS_ID: u8 = 0;
const NS_ACTOR: u8 = 1;
const NS_TOPIC: u8 = 2;
/// A source's last amendment: its seq (the source's own slot keeps the seq
/// that registered it, which the rule on derivations compares).
const NS_AMENDED: u8 = 3;

/// Kinds stored in a slot's top byte (0 marks an empty slot on disk).
const SOURCE: u8 = 1;
const LIVE: u8 = 2;
const SUPERSEDED: u8 = 3;
const RETRACTED: u8 = 4;
const DEFINED: u8 = 5;

const SEQ_MASK: u64 = (1 << 56) - 1;

pub(crate) fn fp(ns: u8, id: &str) -> Fp {
    let h = crate::hash::sha256_parts(&[&[ns], id.as_bytes()]);
    let mut x = [0u8; 16];
    x.copy_from_slice(&h.0[..16]);
    u128::from_le_bytes(x)
}

/// The part of a fingerprint the file keeps: its low 96 bits, never zero
/// (zero marks an empty slot).
fn disk_fp(fp: Fp) -> Fp {
    (fp & ((1u128 << 96) - 1)).max(1)
}

/// A slot's check value, so that a damaged slot is noticed rather than
/// trusted (a flipped status bit could otherwise change a decision).
fn slot_check(fp: Fp, w: u64) -> u32 {
    let mut z = (fp as u64) ^ ((fp >> 64) as u64).rotate_left(17) ^ w.rotate_left(41);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) as u32) | 1
}

fn encode_slot(fp: Fp, w: u64) -> [u8; SLOT as usize] {
    let fp = disk_fp(fp);
    let mut slot = [0u8; SLOT as usize];
    slot[..12].copy_from_slice(&fp.to_le_bytes()[..12]);
    slot[12..20].copy_from_slice(&w.to_le_bytes());
    slot[20..].copy_from_slice(&slot_check(fp, w).to_le_bytes());
    slot
}

/// A slot's fingerprint and word; `Ok(None)` for an empty slot, an error for a
/// damaged one.
fn decode_slot(slot: &[u8]) -> std::io::Result<Option<(Fp, u64)>> {
    let mut f = [0u8; 16];
    f[..12].copy_from_slice(&slot[..12]);
    let fp = u128::from_le_bytes(f);
    let mut b = [0u8; 8];
    b.copy_from_slice(&slot[12..20]);
    let w = u64::from_le_bytes(b);
    let mut c = [0u8; 4];
    c.copy_from_slice(&slot[20..24]);
    let check = u32::from_le_bytes(c);
    if fp == 0 && w == 0 && check == 0 {
        return Ok(None);
    }
    if fp == 0 || check != slot_check(fp, w) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "damaged index slot",
        ));
    }
    Ok(Some((fp, w)))
}

fn word(kind: u8, seq: u64) -> u64 {
    (u64::from(kind) << 56) | (seq & SEQ_MASK)
}

fn kind_of(w: u64) -> u8 {
    (w >> 56) as u8
}

/// Fingerprints are uniformly distributed already: hash by truncation.
#[derive(Default)]
pub struct FpHasher(u64);

impl Hasher for FpHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes.iter().take(8) {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u128(&mut self, n: u128) {
        self.0 = n as u64;
    }
}

type FpMap = HashMap<Fp, u64, BuildHasherDefault<FpHasher>>;

/// A map keyed by fingerprints, which are hashed by truncation.
pub(crate) type ByFp<V> = HashMap<Fp, V, BuildHasherDefault<FpHasher>>;

/// Lookups against a set of slots, with the checks of [`crate::replay`].
trait Slots {
    fn get(&self, fp: Fp) -> Option<u64>;
}

/// Answers [`Refs`] from slots. Refusals it produces lack id text (no "did you
/// mean", no superseding id); callers re-derive refusals from a full state.
/// The fingerprints of the entry being checked may have been worked out
/// ahead ([`Prints`]); any id not among them is fingerprinted here.
struct View<'a, S: Slots + ?Sized>(&'a S, &'a Memo<'a>);

impl<'a, S: Slots + ?Sized> View<'a, S> {
    fn new(slots: &'a S) -> View<'a, S> {
        View(slots, &Memo::NONE)
    }

    fn fp(&self, ns: u8, id: &str) -> Fp {
        self.1.fp(ns, id)
    }
}

impl<S: Slots + ?Sized> Refs for View<'_, S> {
    fn id_use(&self, id: &str) -> Option<IdUse> {
        self.0.get(self.fp(NS_ID, id)).map(|w| {
            if kind_of(w) == SOURCE {
                IdUse::Source
            } else {
                IdUse::Fact
            }
        })
    }
    fn liveness(&self, id: &str) -> Option<Liveness> {
        let w = self.0.get(self.fp(NS_ID, id))?;
        let seq = w & SEQ_MASK;
        match kind_of(w) {
            LIVE => Some(Liveness::Live),
            SUPERSEDED => Some(Liveness::Superseded { by: None, seq }),
            RETRACTED => Some(Liveness::Retracted { seq }),
            _ => None,
        }
    }
    fn source_seq(&self, id: &str) -> Option<u64> {
        self.0
            .get(self.fp(NS_ID, id))
            .filter(|&w| kind_of(w) == SOURCE)
            .map(|w| w & SEQ_MASK)
    }
    fn actor_known(&self, id: &str) -> bool {
        vocab::builtin_actor(id).is_some() || self.0.get(self.fp(NS_ACTOR, id)).is_some()
    }
    fn topic_known(&self, id: &str) -> bool {
        vocab::builtin_topic(id).is_some() || self.0.get(self.fp(NS_TOPIC, id)).is_some()
    }
    fn near(&self, _id: &str, _facts: bool) -> Vec<String> {
        Vec::new()
    }
    fn topic_list(&self) -> Vec<String> {
        Vec::new()
    }
}

/// The slot writes an accepted entry makes: `(fingerprint, word)`, at most
/// two.
fn changes(entry: &Entry, memo: &Memo) -> impl Iterator<Item = (Fp, u64)> {
    let seq = entry.seq;
    let fp = |ns, id: &str| memo.fp(ns, id);
    let (one, two) = match &entry.body {
        Body::Genesis(_) | Body::Dispute(_) => (None, None),
        Body::Define(d) => (Some((fp(term_ns(d.term), &d.id), word(DEFINED, seq))), None),
        Body::Source(s) => (Some((fp(NS_ID, &s.id), word(SOURCE, seq))), None),
        Body::Fact(f) => (Some((fp(NS_ID, &f.id), word(LIVE, seq))), None),
        Body::Supersede(s) => (
            Some((fp(NS_ID, &s.target), word(SUPERSEDED, seq))),
            Some((fp(NS_ID, &s.fact.id), word(LIVE, seq))),
        ),
        Body::Retract(r) => (Some((fp(NS_ID, &r.target), word(RETRACTED, seq))), None),
        Body::Amend(a) => (Some((fp(NS_AMENDED, &a.target), word(SOURCE, seq))), None),
    };
    one.into_iter().chain(two)
}

fn term_ns(t: crate::entry::Term) -> u8 {
    match t {
        crate::entry::Term::Actor => NS_ACTOR,
        crate::entry::Term::Topic => NS_TOPIC,
    }
}

/// How many fingerprints [`Prints`] holds; an entry naming more ids has
/// the rest fingerprinted when it is applied.
const MAX_PRINTS: usize = 6;

/// The fingerprints of the ids an entry's referential checks and changes
/// name ([`names`]), worked out ahead, on the thread that read the entry, so
/// that the one thread that applies entries in order only looks them up.
/// Only a cache: [`Compact::apply_with`] gives the same result with or
/// without it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Prints {
    n: u8,
    fps: [Fp; MAX_PRINTS],
}

impl Prints {
    /// The fingerprints held.
    pub fn fps(&self) -> &[Fp] {
        &self.fps[..self.n as usize]
    }

    /// The fingerprints of the ids `entry` names, the first [`MAX_PRINTS`].
    pub fn of(entry: &Entry) -> Prints {
        Prints::of_body(&entry.body)
    }

    /// [`Prints::of`] an entry with this body.
    pub fn of_body(body: &Body) -> Prints {
        let mut p = Prints::default();
        names(body, |ns, id| {
            if (p.n as usize) < MAX_PRINTS {
                p.fps[p.n as usize] = fp(ns, id);
                p.n += 1;
            }
        });
        p
    }
}

/// Every `(namespace, id)` whose fingerprint [`check`] (through [`View`])
/// or [`changes`] may ask for, in a fixed order. A built-in actor or topic is
/// never looked up, so it is left out. Ids asked for but missing here are
/// fingerprinted when asked: this only decides what is worked out ahead.
fn names<'e>(body: &'e Body, mut f: impl FnMut(u8, &'e str)) {
    let fact = |x: &'e crate::entry::Fact, f: &mut dyn FnMut(u8, &'e str)| {
        f(NS_ID, &x.id);
        // Split by a character test rather than a search: subjects are a
        // few bytes.
        for actor in x.subject.split(['-']) {
            if vocab::builtin_actor(actor).is_none() {
                f(NS_ACTOR, actor);
            }
        }
        if vocab::builtin_topic(&x.topic).is_none() {
            f(NS_TOPIC, &x.topic);
        }
        for c in &x.citations {
            f(NS_ID, &c.source);
        }
    };
    match body {
        Body::Genesis(_) => {}
        Body::Define(d) => f(term_ns(d.term), &d.id),
        Body::Source(s) => {
            f(NS_ID, &s.id);
            if let Some(d) = &s.derived_from {
                f(NS_ID, &d.source);
            }
        }
        Body::Fact(x) => fact(x, &mut f),
        Body::Supersede(s) => {
            f(NS_ID, &s.target);
            fact(&s.fact, &mut f);
        }
        Body::Retract(r) => {
            f(NS_ID, &r.target);
            if let Some(s) = &r.source {
                f(NS_ID, s);
            }
        }
        Body::Dispute(d) => {
            f(NS_ID, &d.target);
            f(NS_ID, &d.citation.source);
        }
        Body::Amend(a) => {
            f(NS_ID, &a.target);
            f(NS_AMENDED, &a.target);
            if let Some(d) = a.set.as_ref().and_then(|c| c.derived_from.as_ref()) {
                f(NS_ID, &d.source);
            }
        }
    }
}

/// What the referential checks ([`check`]) require of an id that a fact,
/// a supersession or a dispute names, and what recording the entry does
/// to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Need {
    /// A new fact's id: no source or fact may have it; recorded live.
    New,
    /// An actor or topic that is not built in: it must be defined.
    Defined,
    /// A cited source: a source must have it.
    Source,
    /// A disputed fact: it must be live.
    Live,
    /// A superseded fact: it must be live; recorded superseded.
    Replace,
}

/// The ids a clean `fact`, `supersede` or `dispute` entry names
/// ([`crate::slim::Parsed`]), fingerprinted, each with what the checks need
/// of it: all the linking thread of `verify` needs to decide the entry in a
/// [`Compact`] index ([`Compact::admits`]) and record it
/// ([`Compact::record_needs`]), worked out on the thread that read the line.
/// Names the ids in the order [`names`] does.
#[derive(Clone, Copy)]
pub(crate) struct Needs {
    n: u8,
    roles: [Need; MAX_PRINTS],
    fps: [Fp; MAX_PRINTS],
}

impl Needs {
    /// The needs of the entry at `seq` with this body; `None` when it names
    /// more than [`MAX_PRINTS`] ids, or when a check that needs no other
    /// entry refuses it (an id reserved for another seq), so that the full
    /// reading decides it and words the refusal.
    pub(crate) fn of(body: &crate::slim::Parsed, seq: u64) -> Option<Needs> {
        use crate::slim::{FactRef, Parsed};
        let mut needs = Needs {
            n: 0,
            roles: [Need::New; MAX_PRINTS],
            fps: [0; MAX_PRINTS],
        };
        let mut push = |ns: u8, role: Need, id: &str| -> Option<()> {
            let i = needs.n as usize;
            *needs.fps.get_mut(i)? = fp(ns, id);
            needs.roles[i] = role;
            needs.n += 1;
            Some(())
        };
        let fact = |f: &FactRef,
                    cites: &[crate::entry::CiteView],
                    push: &mut dyn FnMut(u8, Need, &str) -> Option<()>| {
            if !crate::replay::form_free(f.id, seq) {
                return None;
            }
            push(NS_ID, Need::New, f.id)?;
            for actor in f.subject.split(['-']) {
                if vocab::builtin_actor(actor).is_none() {
                    push(NS_ACTOR, Need::Defined, actor)?;
                }
            }
            if vocab::builtin_topic(f.topic).is_none() {
                push(NS_TOPIC, Need::Defined, f.topic)?;
            }
            cites
                .iter()
                .try_for_each(|c| push(NS_ID, Need::Source, c.source))
        };
        match body {
            Parsed::Fact { fact: f, cites } => fact(f, cites, &mut push)?,
            Parsed::Supersede {
                target,
                fact: f,
                cites,
                ..
            } => {
                push(NS_ID, Need::Replace, target)?;
                fact(f, cites, &mut push)?;
            }
            Parsed::Dispute {
                target, citation, ..
            } => {
                push(NS_ID, Need::Live, target)?;
                push(NS_ID, Need::Source, citation.source)?;
            }
        }
        Some(needs)
    }

    /// The fingerprints, in order.
    pub fn fps(&self) -> &[Fp] {
        &self.fps[..self.n as usize]
    }

    fn each(&self) -> impl Iterator<Item = (Need, Fp)> + '_ {
        self.roles
            .iter()
            .copied()
            .zip(self.fps())
            .map(|(r, &f)| (r, f))
    }
}

/// Fingerprints known ahead for one entry, by namespace and id.
pub(crate) struct Memo<'a> {
    n: usize,
    known: [(u8, &'a str, Fp); MAX_PRINTS],
}

impl<'a> Memo<'a> {
    /// Nothing known ahead.
    pub(crate) const NONE: Memo<'static> = Memo {
        n: 0,
        known: [(0, "", 0); MAX_PRINTS],
    };

    /// Pairs `prints` (made by [`Prints::of`] from this same entry) with the
    /// ids they are of.
    pub(crate) fn new(entry: &'a Entry, prints: &Prints) -> Memo<'a> {
        let mut m = Memo::NONE;
        names(&entry.body, |ns, id| {
            if m.n < prints.n as usize {
                m.known[m.n] = (ns, id, prints.fps[m.n]);
                m.n += 1;
            }
        });
        m
    }

    /// The fingerprint of `id` in namespace `ns`: the one known ahead, or
    /// worked out now.
    pub(crate) fn fp(&self, ns: u8, id: &str) -> Fp {
        // The checks ask with slices of the entry's own strings, the very
        // slices `names` gave: the same address and length is the same
        // text, and only otherwise are the bytes compared.
        let same = |k: &str| std::ptr::eq(k, id) || k == id;
        self.known[..self.n]
            .iter()
            .find(|k| k.0 == ns && same(k.1))
            .map_or_else(|| fp(ns, id), |k| k.2)
    }
}

/// The referential index in memory.
#[derive(Default)]
pub struct Compact {
    map: FpMap,
    /// Seq and hash of the last entry applied.
    pub last: Option<(u64, Hash)>,
}

impl Slots for Compact {
    fn get(&self, fp: Fp) -> Option<u64> {
        self.map.get(&fp).copied()
    }
}

impl Compact {
    /// Applies one entry, or refuses it with the same decision as
    /// [`State::apply`] (the wording may lack id text).
    pub fn apply(&mut self, entry: &Entry) -> Result<(), String> {
        self.apply_with(entry, None)
    }

    /// [`Compact::apply`] with the fingerprints of the entry's ids worked
    /// out ahead ([`Prints::of`] of the same entry).
    pub fn apply_with(&mut self, entry: &Entry, prints: Option<&Prints>) -> Result<(), String> {
        let memo = prints.map_or(Memo::NONE, |p| Memo::new(entry, p));
        check(&View(self, &memo), entry)?;
        for (k, w) in changes(entry, &memo) {
            self.map.insert(k, w);
        }
        self.last = Some((entry.seq, entry.hash));
        Ok(())
    }

    /// Whether an entry with these needs passes the referential checks: the
    /// decision [`Compact::apply_with`] makes for the same entry, without
    /// its wording (a caller that is refused applies the entry with
    /// [`Compact::apply_with`] to word it).
    pub(crate) fn admits(&self, needs: &Needs) -> bool {
        needs.each().all(|(role, fp)| {
            let w = self.map.get(&fp);
            match role {
                Need::New => w.is_none(),
                Need::Defined => w.is_some(),
                Need::Source => w.is_some_and(|&w| kind_of(w) == SOURCE),
                Need::Live | Need::Replace => w.is_some_and(|&w| kind_of(w) == LIVE),
            }
        })
    }

    /// Records an entry at `seq` that [`Compact::admits`], as
    /// [`Compact::apply_with`] would.
    pub(crate) fn record_needs(&mut self, needs: &Needs, seq: u64, hash: Hash) {
        for (role, fp) in needs.each() {
            match role {
                Need::New => self.map.insert(fp, word(LIVE, seq)),
                Need::Replace => self.map.insert(fp, word(SUPERSEDED, seq)),
                Need::Defined | Need::Source | Need::Live => None,
            };
        }
        self.last = Some((seq, hash));
    }

    /// Records an entry's changes without checking it: for entries vouched
    /// for by a later trusted entry (`verify --since`).
    pub fn record(&mut self, entry: &Entry) {
        for (k, w) in changes(entry, &Memo::NONE) {
            self.map.insert(k, w);
        }
        self.last = Some((entry.seq, entry.hash));
    }

    /// The index of a replayed state.
    pub fn from_state(state: &State) -> Compact {
        let mut map = FpMap::default();
        map.reserve(state.sources.len() + state.facts.len());
        for s in &state.sources {
            map.insert(fp(NS_ID, &s.source.id), word(SOURCE, s.seq));
            if let Some(last) = s.amendments.last() {
                map.insert(fp(NS_AMENDED, &s.source.id), word(SOURCE, last.seq));
            }
        }
        for f in &state.facts {
            let w = match &f.status {
                Status::Live => word(LIVE, f.seq),
                Status::Superseded { seq, .. } => word(SUPERSEDED, *seq),
                Status::Retracted { seq, .. } => word(RETRACTED, *seq),
            };
            map.insert(fp(NS_ID, &f.fact.id), w);
        }
        for a in state.actors.keys() {
            map.insert(fp(NS_ACTOR, a), word(DEFINED, 0));
        }
        for t in state.topics.keys() {
            map.insert(fp(NS_TOPIC, t), word(DEFINED, 0));
        }
        Compact {
            map,
            last: state.last_seq.zip(state.last_hash),
        }
    }

    /// Seq of the entry that recorded fact `id` while it is live; for a fact
    /// no longer live, the seq that ended it.
    pub fn fact_seq(&self, id: &str) -> Option<u64> {
        self.get(fp(NS_ID, id))
            .filter(|&w| kind_of(w) != SOURCE)
            .map(|w| w & SEQ_MASK)
    }

    /// Whether `id` names a source or a fact.
    pub fn id_use(&self, id: &str) -> Option<IdUse> {
        View::new(self).id_use(id)
    }

    /// The seq of the entry that registered source `id`, if it is a source.
    pub fn source_seq(&self, id: &str) -> Option<u64> {
        View::new(self).source_seq(id)
    }

    /// The seq of the last amendment of source `id`, if it was amended.
    pub fn amended_seq(&self, id: &str) -> Option<u64> {
        self.get(fp(NS_AMENDED, id)).map(|w| w & SEQ_MASK)
    }

    /// Looks up fingerprints ahead of their use, all at once. The table is
    /// tens of MiB, so nearly every lookup is a cache miss; made one by one
    /// as entries are applied, each waits for memory alone, while a run of
    /// lookups that do not depend on each other has the processor wait for
    /// many at once. Only warms the cache: nothing is decided here.
    pub fn warm(&self, fps: impl Iterator<Item = Fp>) {
        for fp in fps {
            std::hint::black_box(self.map.get(&fp));
        }
    }

    /// Number of ids and vocabulary terms held.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// What the on-disk index says about new entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Every entry passes the referential checks.
    Accept,
    /// One is refused: re-check with a full replay, which words the refusal.
    Refuse,
    /// They would fill the table past its load limit: rebuild it larger.
    Full,
}

/// The ledger state an index file covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Covers {
    /// Byte length of the ledger.
    pub len: u64,
    pub seq: u64,
    pub hash: Hash,
}

const MAGIC: &[u8; 8] = b"LEDGERIX";
/// 3 since amendments of sources are indexed (an index of version 2 lacks
/// them, so it is rebuilt rather than trusted).
const VERSION: u32 = 3;
const HEADER: u64 = 128;
const SLOT: u64 = 24;

/// The index file's path for a ledger: `.NAME.idx` beside it.
pub fn path_for(ledger: &Path) -> PathBuf {
    let name = ledger
        .file_name()
        .map_or("ledger.jsonl".into(), |n| n.to_string_lossy().to_string());
    ledger.with_file_name(format!(".{name}.idx"))
}

/// The on-disk index, opened read-write.
pub struct Disk {
    file: File,
    path: PathBuf,
    /// The key of the header's check ([`header_key`]).
    key: Hash,
    /// log2 of the number of slots.
    bits: u32,
    used: u64,
    covers: Covers,
}

/// The key of an index header's check value. It ties the index to the ledger
/// file and to the index file itself on this file system, by their device
/// and inode numbers: an index file that was not written here for this
/// ledger (committed to git and checked out, copied from a backup or another
/// machine, planted by a pull request) has a check value no one could have
/// computed for it without first creating it here, so it is never used.
fn header_key(ledger: &std::fs::Metadata, index: &std::fs::Metadata) -> Hash {
    use std::os::unix::fs::MetadataExt;
    let mut k = Vec::with_capacity(48);
    k.extend_from_slice(b"ledger index v3\0");
    for n in [ledger.dev(), ledger.ino(), index.dev(), index.ino()] {
        k.extend_from_slice(&n.to_le_bytes());
    }
    sha256(&k)
}

fn header_bytes(key: &Hash, bits: u32, used: u64, c: &Covers) -> [u8; HEADER as usize] {
    let mut h = [0u8; HEADER as usize];
    h[0..8].copy_from_slice(MAGIC);
    h[8..12].copy_from_slice(&VERSION.to_le_bytes());
    h[12..16].copy_from_slice(&bits.to_le_bytes());
    h[16..24].copy_from_slice(&used.to_le_bytes());
    h[24..32].copy_from_slice(&c.len.to_le_bytes());
    h[32..40].copy_from_slice(&c.seq.to_le_bytes());
    h[40..72].copy_from_slice(&c.hash.0);
    let sum = header_check(key, &h[..72]);
    h[72..88].copy_from_slice(&sum);
    h
}

/// SHA-256 of the key and the header's first 72 bytes, cut to 16 bytes.
fn header_check(key: &Hash, header: &[u8]) -> [u8; 16] {
    use sha2::{Digest, Sha256};
    let h = Sha256::new()
        .chain_update(key.0)
        .chain_update(header)
        .finalize();
    let mut out = [0u8; 16];
    out.copy_from_slice(&h[..16]);
    out
}

impl Disk {
    /// Opens the index of `ledger` (open as `ledger_file`) if it exists, is a
    /// regular file with one name (never through a symbolic link), is well
    /// formed, its check value matches ([`header_key`]) and it covers exactly
    /// `covers`; `None` otherwise (the caller rebuilds it).
    pub fn open_matching(ledger: &Path, ledger_file: &File, covers: &Covers) -> Option<Disk> {
        Disk::open(ledger, ledger_file).filter(|d| d.covers == *covers)
    }

    /// [`Disk::open_matching`], whatever it covers.
    pub fn open(ledger: &Path, ledger_file: &File) -> Option<Disk> {
        use std::os::unix::fs::MetadataExt;
        let path = path_for(ledger);
        let file = crate::fsio::open_rw_nofollow(&path).ok()?;
        let meta = file.metadata().ok()?;
        if !meta.is_file() || meta.nlink() != 1 {
            return None;
        }
        let key = header_key(&ledger_file.metadata().ok()?, &meta);
        let mut h = [0u8; HEADER as usize];
        file.read_exact_at(&mut h, 0).ok()?;
        let u32_at = |i: usize| u32::from_le_bytes(h[i..i + 4].try_into().unwrap_or([0; 4]));
        let u64_at = |i: usize| u64::from_le_bytes(h[i..i + 8].try_into().unwrap_or([0; 8]));
        if &h[0..8] != MAGIC || u32_at(8) != VERSION || header_check(&key, &h[..72]) != h[72..88] {
            return None;
        }
        let bits = u32_at(12);
        let mut hash = [0u8; 32];
        hash.copy_from_slice(&h[40..72]);
        let found = Covers {
            len: u64_at(24),
            seq: u64_at(32),
            hash: Hash(hash),
        };
        if !(10..=40).contains(&bits) || meta.len() != HEADER + (SLOT << bits) {
            return None;
        }
        Some(Disk {
            file,
            path,
            key,
            bits,
            used: u64_at(16),
            covers: found,
        })
    }

    /// What the index covers.
    pub fn covers(&self) -> Covers {
        self.covers
    }

    fn probe(&self, fp: Fp) -> std::io::Result<(u64, Option<u64>)> {
        let fp = disk_fp(fp);
        let mask = (1u64 << self.bits) - 1;
        let mut i = (fp as u64) & mask;
        let mut slot = [0u8; SLOT as usize];
        for _ in 0..=mask {
            self.file.read_exact_at(&mut slot, HEADER + i * SLOT)?;
            match decode_slot(&slot)? {
                None => return Ok((i, None)),
                Some((k, w)) if k == fp => return Ok((i, Some(w))),
                Some(_) => {}
            }
            i = (i + 1) & mask;
        }
        Err(std::io::Error::other("index table is full"))
    }

    /// Checks `entries` (in order, with their seqs) against the index and the
    /// entries before them.
    pub fn accepts(&self, entries: &[Entry]) -> std::io::Result<Decision> {
        let overlay = Overlay {
            disk: self,
            pending: std::cell::RefCell::new(FpMap::default()),
            error: std::cell::RefCell::new(None),
        };
        let mut new_slots = 0u64;
        for e in entries {
            let ok = check(&View::new(&overlay), e).is_ok();
            if let Some(err) = overlay.error.borrow_mut().take() {
                return Err(err);
            }
            if !ok {
                return Ok(Decision::Refuse);
            }
            for (k, w) in changes(e, &Memo::NONE) {
                if overlay.get(k).is_none() {
                    new_slots += 1;
                }
                overlay.pending.borrow_mut().insert(k, w);
            }
        }
        // Keep the load factor at most 0.7; a fuller table is rebuilt larger.
        Ok(if (self.used + new_slots) * 10 <= (7u64 << self.bits) {
            Decision::Accept
        } else {
            Decision::Full
        })
    }

    /// As [`Compact::fact_seq`].
    pub fn fact_seq(&self, id: &str) -> std::io::Result<Option<u64>> {
        let (_, w) = self.probe(fp(NS_ID, id))?;
        Ok(w.filter(|&w| kind_of(w) != SOURCE).map(|w| w & SEQ_MASK))
    }

    /// As [`Compact::id_use`].
    pub fn id_use(&self, id: &str) -> std::io::Result<Option<IdUse>> {
        let (_, w) = self.probe(fp(NS_ID, id))?;
        Ok(w.map(|w| {
            if kind_of(w) == SOURCE {
                IdUse::Source
            } else {
                IdUse::Fact
            }
        }))
    }

    /// As [`Compact::source_seq`].
    pub fn source_seq(&self, id: &str) -> std::io::Result<Option<u64>> {
        let (_, w) = self.probe(fp(NS_ID, id))?;
        Ok(w.filter(|&w| kind_of(w) == SOURCE).map(|w| w & SEQ_MASK))
    }

    /// As [`Compact::amended_seq`].
    pub fn amended_seq(&self, id: &str) -> std::io::Result<Option<u64>> {
        let (_, w) = self.probe(fp(NS_AMENDED, id))?;
        Ok(w.map(|w| w & SEQ_MASK))
    }

    /// Records accepted `entries` and the new coverage: slots first, synced,
    /// then the header. A crash in between leaves a header that no longer
    /// matches the ledger, so the index is rebuilt rather than trusted.
    pub fn record<'e>(
        &mut self,
        entries: impl IntoIterator<Item = &'e Entry>,
        covers: Covers,
    ) -> std::io::Result<()> {
        for e in entries {
            for (k, w) in changes(e, &Memo::NONE) {
                let (i, old) = self.probe(k)?;
                self.file
                    .write_all_at(&encode_slot(k, w), HEADER + i * SLOT)?;
                if old.is_none() {
                    self.used += 1;
                }
            }
        }
        self.file.sync_data()?;
        self.covers = covers;
        self.file
            .write_all_at(&header_bytes(&self.key, self.bits, self.used, &covers), 0)?;
        self.file.sync_data()
    }

    /// Writes a fresh index of `c` covering `covers`: to a new temporary
    /// file with a random name (never through a link), synced, then renamed
    /// over the old one (a symbolic link there is replaced, not followed).
    pub fn write(
        ledger: &Path,
        ledger_file: &File,
        c: &Compact,
        covers: Covers,
    ) -> std::io::Result<()> {
        let path = path_for(ledger);
        let n = (c.map.len() as u64 * 2).max(1024);
        let bits = 64 - (n - 1).leading_zeros();
        let mask = (1u64 << bits) - 1;
        let mut table = vec![0u8; (SLOT << bits) as usize];
        for (&k, &w) in &c.map {
            let mut i = (disk_fp(k) as u64) & mask;
            loop {
                let at = (i * SLOT) as usize;
                if table[at..at + SLOT as usize].iter().all(|&b| b == 0) {
                    table[at..at + SLOT as usize].copy_from_slice(&encode_slot(k, w));
                    break;
                }
                i = (i + 1) & mask;
            }
        }
        let ledger_meta = ledger_file.metadata()?;
        crate::fsio::replace_with(&path, 0o644, |file| {
            // The rename keeps the file's inode: key the check to it now.
            let key = header_key(&ledger_meta, &file.metadata()?);
            let mut w = BufWriter::with_capacity(1 << 20, &*file);
            w.write_all(&header_bytes(&key, bits, c.map.len() as u64, &covers))?;
            w.write_all(&table)?;
            w.flush()
        })
    }

    /// The index file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The disk table plus the changes of the new entries checked so far.
struct Overlay<'a> {
    disk: &'a Disk,
    pending: std::cell::RefCell<FpMap>,
    /// The first read error, reported after the check.
    error: std::cell::RefCell<Option<std::io::Error>>,
}

impl Slots for Overlay<'_> {
    fn get(&self, fp: Fp) -> Option<u64> {
        if let Some(&w) = self.pending.borrow().get(&fp) {
            return Some(w);
        }
        match self.disk.probe(fp) {
            Ok((_, w)) => w,
            Err(e) => {
                self.error.borrow_mut().get_or_insert(e);
                None
            }
        }
    }
}

/// The index of a ledger before a write (on disk or in memory) with the
/// changes of the new entries checked so far kept beside it, for a write too
/// large to check in one batch ([`Disk::accepts`]): an import checks its
/// entries one at a time as they stream past, holding only their changes
/// (about 40 bytes per id), never their text.
pub struct Staged<'a> {
    disk: Option<&'a Disk>,
    compact: Option<&'a Compact>,
    pending: FpMap,
    /// Slots the changes add to the disk table.
    new_slots: u64,
    /// The first read error of the disk table, which refuses the entry
    /// being checked (the caller words it from a full replay).
    error: std::cell::RefCell<Option<std::io::Error>>,
}

impl Slots for Staged<'_> {
    fn get(&self, fp: Fp) -> Option<u64> {
        if let Some(&w) = self.pending.get(&fp) {
            return Some(w);
        }
        match (self.disk, self.compact) {
            (Some(d), _) => match d.probe(fp) {
                Ok((_, w)) => w,
                Err(e) => {
                    self.error.borrow_mut().get_or_insert(e);
                    None
                }
            },
            (None, Some(c)) => c.get(fp),
            (None, None) => None,
        }
    }
}

impl<'a> Staged<'a> {
    /// Nothing staged yet over `disk` (when there is one) or `compact`.
    pub fn new(disk: Option<&'a Disk>, compact: Option<&'a Compact>) -> Staged<'a> {
        Staged {
            disk,
            compact,
            pending: FpMap::default(),
            new_slots: 0,
            error: std::cell::RefCell::new(None),
        }
    }

    /// Checks one entry against the index and the entries staged before it,
    /// and stages its changes; refuses it with the same decision as
    /// [`State::apply`] (the wording may lack id text), or when the disk
    /// table cannot be read.
    pub fn apply(&mut self, entry: &Entry) -> Result<(), String> {
        self.apply_with(entry, None)
    }

    /// [`Staged::apply`] with the fingerprints of the entry's ids worked
    /// out ahead ([`Prints::of`] of the same entry).
    pub fn apply_with(&mut self, entry: &Entry, prints: Option<&Prints>) -> Result<(), String> {
        let memo = prints.map_or(Memo::NONE, |p| Memo::new(entry, p));
        let checked = check(&View(&*self, &memo), entry);
        if let Some(e) = self.error.borrow_mut().take() {
            return Err(format!("the index beside the ledger cannot be read: {e}"));
        }
        checked?;
        for (k, w) in changes(entry, &memo) {
            if self.disk.is_some() && self.get(k).is_none() {
                self.new_slots += 1;
            }
            self.pending.insert(k, w);
        }
        Ok(())
    }

    /// The staged changes, to record once the entries are written.
    pub fn into_changes(self) -> Changes {
        Changes {
            map: self.pending,
            new_slots: self.new_slots,
        }
    }
}

/// The changes of entries checked by [`Staged`].
pub struct Changes {
    map: FpMap,
    new_slots: u64,
}

impl Compact {
    /// Takes in changes staged over this index, and the new last entry.
    pub fn absorb(&mut self, changes: Changes, last: (u64, Hash)) {
        if changes.map.len() > self.map.len() {
            // Keep the larger table (a big import into a small ledger) rather
            // than copying it: the staged changes win over the old slots.
            let old = std::mem::replace(&mut self.map, changes.map);
            for (k, w) in old {
                self.map.entry(k).or_insert(w);
            }
        } else {
            self.map.extend(changes.map);
        }
        self.last = Some(last);
    }
}

impl Disk {
    /// Records changes staged over this table and the new coverage, as
    /// [`Disk::record`] does; `Ok(false)`, writing nothing, when they would
    /// fill the table past its load limit (the next write then finds the
    /// index behind and rebuilds it).
    pub fn record_changes(&mut self, changes: &Changes, covers: Covers) -> std::io::Result<bool> {
        if (self.used + changes.new_slots) * 10 > (7u64 << self.bits) {
            return Ok(false);
        }
        for (&k, &w) in &changes.map {
            let (i, old) = self.probe(k)?;
            self.file
                .write_all_at(&encode_slot(k, w), HEADER + i * SLOT)?;
            if old.is_none() {
                self.used += 1;
            }
        }
        self.file.sync_data()?;
        self.covers = covers;
        self.file
            .write_all_at(&header_bytes(&self.key, self.bits, self.used, &covers), 0)?;
        self.file.sync_data()?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::{Amend, Define, Term};

    fn synthetic(n: u64) -> Vec<Entry> {
        let mut out = Vec::new();
        crate::synthetic::write_ledger(&mut out, n, 1, "2026-01-02T03:04:05Z")
            .expect("writing to memory cannot fail");
        let text = String::from_utf8(out).expect("the generator writes UTF-8");
        text.lines()
            .map(|l| {
                crate::chain::read_entry(l)
                    .entry
                    .expect("generated lines are entries")
            })
            .collect()
    }

    fn entry(seq: u64, body: Body) -> Entry {
        Entry {
            seq,
            prev: Hash::ZERO,
            hash: Hash::ZERO,
            recorded: "2026-01-02T03:04:05Z".into(),
            body,
        }
    }

    /// Entries of every kind that names ids in a namespace of its own: a
    /// defined actor and a fact about it, amendments of a source and of ids
    /// that are no source, all after a synthetic ledger.
    fn mixed() -> Vec<Entry> {
        let mut es = synthetic(3_000);
        let source = es
            .iter()
            .find_map(|e| match &e.body {
                Body::Source(s) => Some(s.id.clone()),
                _ => None,
            })
            .expect("the generator writes sources");
        let (fact, fact_id) = es
            .iter()
            .find_map(|e| match &e.body {
                Body::Fact(f) => Some((f.clone(), f.id.clone())),
                _ => None,
            })
            .expect("the generator writes facts");
        let mut seq = es.len() as u64;
        let mut next = |body| {
            seq += 1;
            entry(seq, body)
        };
        let define = |term, id: &str| {
            Body::Define(Define {
                term,
                id: id.into(),
                label: "Label".into(),
                note: None,
            })
        };
        let amend = |target: &str| {
            Body::Amend(Amend {
                target: target.into(),
                reason: "a reason".into(),
                set: None,
                unset: None,
            })
        };
        let about = |id: &str, subject: &str, topic: &str| {
            let mut f = fact.clone();
            f.id = id.into();
            f.subject = subject.into();
            f.topic = topic.into();
            Body::Fact(f)
        };
        let more = [
            about("x1", "CA-ZZ", "engagement"),
            define(Term::Actor, "ZZ"),
            about("x2", "CA-ZZ", "own-topic"),
            define(Term::Topic, "own-topic"),
            define(Term::Topic, "own-topic"),
            about("x3", "ZZ", "own-topic"),
            amend(&source),
            amend(&source),
            amend(&fact_id),
            amend("nothing"),
        ];
        es.extend(more.into_iter().map(&mut next));
        es
    }

    /// Applies `es` in order to one index computing every fingerprint on the
    /// spot and to one given them worked out ahead: every decision, and the
    /// index they end with, must be the same.
    fn same_decisions<'a>(es: impl Iterator<Item = &'a Entry>) -> usize {
        let (mut spot, mut ahead) = (Compact::default(), Compact::default());
        let mut refused = 0;
        for e in es {
            let a = spot.apply(e);
            let b = ahead.apply_with(e, Some(&Prints::of(e)));
            assert_eq!(a, b, "seq {}", e.seq);
            refused += usize::from(a.is_err());
        }
        assert!(spot.map == ahead.map, "the two indexes differ");
        refused
    }

    #[test]
    fn fingerprints_worked_out_ahead_decide_as_those_computed_on_the_spot() {
        let es = mixed();
        // In order: the synthetic part is accepted; of the rest, the fact
        // before its actor, the second topic, and the amendments of a fact
        // and of nothing are refused.
        assert_eq!(same_decisions(es.iter()), 5);
        // Backwards, most references fail.
        assert!(same_decisions(es.iter().rev()) > es.len() / 2);
    }

    /// The needs of a body read in place name the ids [`names`] names, in
    /// its order, and decide and record as [`Compact::apply`] does, in
    /// order (nearly everything accepted; facts about an actor and a topic
    /// before their definitions refused) and backwards (most references
    /// fail).
    #[test]
    fn needs_decide_and_record_as_the_checks_do() {
        let es = mixed();
        for backwards in [false, true] {
            let (mut applied, mut by_needs) = (Compact::default(), Compact::default());
            let (mut decided, mut refused) = (0, 0);
            let order: Box<dyn Iterator<Item = &Entry>> = if backwards {
                Box::new(es.iter().rev())
            } else {
                Box::new(es.iter())
            };
            for e in order {
                let text = crate::jcs::canonicalize(&e.body.to_value()).expect("canonical");
                let mut cites = crate::slim::Cites::default();
                let parsed = crate::slim::parse(e.body.kind(), &text, &mut cites);
                let needs = parsed.as_ref().and_then(|p| Needs::of(p, e.seq));
                let want = applied.apply(e);
                let Some(needs) = needs else {
                    assert_eq!(by_needs.apply(e), want, "seq {}", e.seq);
                    continue;
                };
                assert_eq!(needs.fps(), Prints::of(e).fps(), "seq {}", e.seq);
                assert_eq!(by_needs.admits(&needs), want.is_ok(), "seq {}", e.seq);
                if want.is_ok() {
                    by_needs.record_needs(&needs, e.seq, e.hash);
                }
                decided += 1;
                refused += usize::from(want.is_err());
            }
            assert!(applied.map == by_needs.map, "the two indexes differ");
            assert_eq!(applied.last, by_needs.last);
            assert!(decided > 2_000, "{decided}");
            if backwards {
                assert!(refused > decided / 2, "{refused} of {decided}");
            } else {
                // The facts about actor ZZ and topic own-topic before
                // their definitions.
                assert_eq!(refused, 2);
            }
        }
    }

    #[test]
    fn prints_are_the_fingerprints_of_the_names() {
        for e in mixed() {
            let prints = Prints::of(&e);
            let memo = Memo::new(&e, &prints);
            let mut count = 0;
            names(&e.body, |ns, id| {
                assert_eq!(memo.fp(ns, id), fp(ns, id), "seq {} {ns} {id}", e.seq);
                count += 1;
            });
            assert_eq!(memo.n, count.min(MAX_PRINTS));
        }
    }
}
