//! Replay: folding entries, in order, into the state of the ledger.
//!
//! [`State::apply`] is the single place that decides whether an entry makes sense
//! given the entries before it (referential integrity): citations name registered
//! sources, supersede/retract/dispute name a fact that is still live, ids are
//! unique, derivations point at earlier sources (so they cannot form a cycle), and
//! subjects and topics are in the vocabulary. `verify` reports its refusals as
//! problems; writing commands run the same check before appending, so a refused
//! entry never reaches the file. The fold is pure: the same entries always give
//! the same state.

use crate::entry::{
    Amend, Body, Citation, Define, DerivationKind, Dispute, DisputeRule, Entry, Fact, Retract,
    Source, Supersede, Term,
};
use crate::hash::Hash;
use crate::index::{ByFp, Fp, Memo, NS_ID, Prints};
use crate::vocab;
use serde_json::Value;
use std::collections::BTreeMap;

/// The position [`State::cited_sources`] gives a citation whose source is
/// not registered (the checks refuse such a fact, so a state built by
/// applying entries has none).
pub const NO_SOURCE: usize = usize::MAX;

/// What has happened to a fact.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Live,
    Superseded {
        by: String,
        seq: u64,
        reason: String,
    },
    Retracted {
        seq: u64,
        /// Boxed, as is what a fact supersedes: a record is kept for every
        /// fact version, and few are retracted.
        retract: Box<Retract>,
    },
}

/// A fact and its history.
#[derive(Debug, Clone, PartialEq)]
pub struct FactRecord {
    pub fact: Fact,
    /// Seq of the entry that recorded this version.
    pub seq: u64,
    /// When this version supersedes another: that fact's id and the reason.
    pub supersedes: Option<Box<(String, String)>>,
    pub status: Status,
    /// The disputes recorded against this version, and those of the versions
    /// it replaced (with `current` saying whether each applies to it).
    pub disputes: Vec<DisputeRecord>,
    /// Where the positions of its citations' sources start in the
    /// state's list of them (see [`State::cited_sources`]).
    cited_at: usize,
}

/// A dispute as a fact version carries it.
#[derive(Debug, Clone, PartialEq)]
pub struct DisputeRecord {
    /// Seq of the dispute entry.
    pub seq: u64,
    pub dispute: Dispute,
    /// The dispute entry's content id ([`Entry::content_id`]): what its
    /// discrepancy number is derived from, unchanged by merges and rebases.
    pub code: Hash,
    /// Whether it applies to this version: recorded against it, or carried
    /// to it by a supersession with `disputes: carry`. When not, it is about
    /// the version `dispute.target`, which this one replaced.
    pub current: bool,
}

impl FactRecord {
    pub fn is_live(&self) -> bool {
        self.status == Status::Live
    }
}

/// A registered source, as amended so far.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRecord {
    pub source: Source,
    pub seq: u64,
    /// The amendments applied to it, in order.
    pub amendments: Vec<Amendment>,
}

/// One amendment of a source, with what it changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Amendment {
    pub seq: u64,
    pub reason: String,
    /// Each member set or removed: its name, the value before and the value
    /// after (`None` for absent).
    pub changes: Vec<(String, Option<Value>, Option<Value>)>,
}

/// The ledger replayed up to some entry.
#[derive(Debug, Clone, Default)]
pub struct State {
    pub title: Option<String>,
    /// Seq of the last entry applied.
    pub last_seq: Option<u64>,
    /// Hash of the last entry applied.
    pub last_hash: Option<crate::hash::Hash>,
    /// Sources in registration order.
    pub sources: Vec<SourceRecord>,
    /// Positions by the fingerprint of the id ([`crate::index::fp`], as the
    /// compact index keys them): lookups are the hot path of replay, and a
    /// fingerprint worked out on the thread that read the entry
    /// ([`Prints`]) is looked up without hashing or copying the id text
    /// again. As in the compact index, two ids are taken to be the same
    /// when their 128-bit fingerprints are. "Did you mean" goes through
    /// the records themselves and sorts its candidates.
    source_index: ByFp<usize>,
    /// Facts in the order they were recorded (supersessions included).
    pub facts: Vec<FactRecord>,
    fact_index: ByFp<usize>,
    /// For each fact kept with its text, fact after fact, the position in
    /// `sources` of the source each of its citations names
    /// ([`NO_SOURCE`] for one not registered, which the checks refuse):
    /// found when the fact is applied, where its sources are looked up by
    /// fingerprint anyway, so that the report numbers and groups a fact's
    /// sources by position and never looks one up by its id text again.
    cited: Vec<usize>,
    pub actors: BTreeMap<String, String>,
    pub topics: BTreeMap<String, String>,
    /// Keep only what referential checks need (ids, statuses, sources and the
    /// vocabulary), not fact bodies or disputes; see [`State::index_only`].
    index_only: bool,
    /// Drop the body and disputes of a fact once it is superseded or
    /// retracted; see [`State::live_only`].
    live_only: bool,
}

impl State {
    /// A state that checks references exactly like a full one but does not
    /// keep the text of facts and disputes, so verifying a ledger needs memory
    /// in proportion to its number of ids, not its size in bytes. Its facts have
    /// only `id` and status; it cannot feed a report.
    pub fn index_only() -> State {
        State {
            index_only: true,
            ..State::default()
        }
    }

    /// A state for the report: the same checks and records, but a fact that
    /// is superseded or retracted keeps only its id, seq and status (the
    /// report counts such facts and names what a live fact supersedes, but
    /// renders neither their text nor their disputes). Memory then follows
    /// the live facts, not the length of the log.
    pub fn live_only() -> State {
        State {
            live_only: true,
            ..State::default()
        }
    }

    /// Applies one entry, or explains why it does not fit the entries before it.
    /// A refused entry leaves the state unchanged.
    pub fn apply(&mut self, entry: &Entry) -> Result<(), String> {
        check(self, entry)?;
        let code = self.dispute_code(entry, None);
        let mut keys = Keys::of(&entry.body, &Memo::NONE);
        keys.cited = self.note_cited(&entry.body, &Memo::NONE);
        let body = if self.index_only {
            skeleton(&entry.body)
        } else {
            entry.body.clone()
        };
        self.commit(entry.seq, entry.hash, body, code, keys);
        Ok(())
    }

    /// [`State::apply`] taking the entry by value: what the state keeps of
    /// it (a fact's text, a dispute, a source) is moved in rather than
    /// copied. `code` is the entry's content id when it was already worked
    /// out (for a dispute, on the thread that read the line; see
    /// [`Entry::content_id`]); it is computed here when `None`. The state
    /// after is the one [`State::apply`] gives (a unit test holds them
    /// together).
    pub fn apply_owned(&mut self, entry: Entry, code: Option<Hash>) -> Result<(), String> {
        self.apply_owned_with(entry, code, None)
    }

    /// [`State::apply_owned`] with the fingerprints of the entry's ids
    /// worked out ahead ([`Prints::of`] of the same entry), so that its
    /// lookups and inserts hash no id text. The state after is the same
    /// with or without them (a unit test holds them together).
    pub fn apply_owned_with(
        &mut self,
        entry: Entry,
        code: Option<Hash>,
        prints: Option<&Prints>,
    ) -> Result<(), String> {
        let memo = prints.map_or(Memo::NONE, |p| Memo::new(&entry, p));
        check(&Keyed(self, &memo), &entry)?;
        let code = self.dispute_code(&entry, code);
        let mut keys = Keys::of(&entry.body, &memo);
        keys.cited = self.note_cited(&entry.body, &memo);
        let Entry {
            seq, hash, body, ..
        } = entry;
        let body = if self.index_only {
            skeleton(&body)
        } else {
            body
        };
        self.commit(seq, hash, body, code, keys);
        Ok(())
    }

    /// Whether this state keeps disputes, and so needs each dispute entry's
    /// content id ([`Entry::content_id`]) when it applies one.
    pub fn keeps_disputes(&self) -> bool {
        !self.index_only
    }

    /// The code a dispute entry is kept under (its content id, or its hash
    /// when it cannot be sealed again), `known` when given; `None` for any
    /// other entry, or when this state keeps no disputes.
    fn dispute_code(&self, entry: &Entry, known: Option<Hash>) -> Option<Hash> {
        match entry.body {
            Body::Dispute(_) if self.keeps_disputes() => {
                Some(known.unwrap_or_else(|| entry.content_id().unwrap_or(entry.hash)))
            }
            _ => None,
        }
    }

    /// Notes the positions of the sources a fact or a new version cites
    /// (see [`State::cited_sources`]); where they start. Nothing is noted
    /// for any other entry, or in an index-only state, which keeps no
    /// citations.
    fn note_cited(&mut self, body: &Body, memo: &Memo) -> usize {
        let at = self.cited.len();
        let f = match body {
            Body::Fact(f) => f,
            Body::Supersede(s) => &s.fact,
            _ => return at,
        };
        if !self.index_only {
            for c in &f.citations {
                let key = memo.fp(NS_ID, &c.source);
                let i = self.source_index.get(&key).copied();
                self.cited.push(i.unwrap_or(NO_SOURCE));
            }
        }
        at
    }

    /// The position in [`State::sources`] of the source each citation of
    /// `r` names, in citation order (one for each of `r.fact.citations`;
    /// [`NO_SOURCE`] for a source not registered), worked out when the
    /// fact was applied; `None` when as many were not noted for it (a
    /// record that this state did not apply).
    pub fn cited_sources(&self, r: &FactRecord) -> Option<&[usize]> {
        self.cited
            .get(r.cited_at..r.cited_at.checked_add(r.fact.citations.len())?)
    }

    /// Records an entry that [`check`] accepted. `code` is the dispute's
    /// code (see [`State::dispute_code`]).
    fn commit(&mut self, seq: u64, hash: Hash, body: Body, code: Option<Hash>, keys: Keys) {
        match body {
            Body::Genesis(g) => self.title = Some(g.title),
            Body::Define(d) => {
                let map = match d.term {
                    Term::Actor => &mut self.actors,
                    Term::Topic => &mut self.topics,
                };
                map.insert(d.id, d.label);
            }
            Body::Source(s) => {
                self.source_index.insert(keys.first, self.sources.len());
                self.sources.push(SourceRecord {
                    source: s,
                    seq,
                    amendments: Vec::new(),
                });
            }
            Body::Amend(a) => {
                if let Some(&i) = self.source_index.get(&keys.first)
                    && let Some(rec) = self.sources.get_mut(i)
                {
                    let changes = amend(&mut rec.source, &a);
                    rec.amendments.push(Amendment {
                        seq,
                        reason: a.reason,
                        changes,
                    });
                }
            }
            Body::Fact(f) => self.insert_fact(f, keys.first, seq, None, keys.cited),
            Body::Supersede(s) => {
                let drop = self.live_only;
                let carry = s.disputes == Some(DisputeRule::Carry);
                let mut inherited = Vec::new();
                if let Some(old) = self.fact_at(keys.first) {
                    old.status = Status::Superseded {
                        by: s.fact.id.clone(),
                        seq,
                        reason: s.reason.clone(),
                    };
                    // The new version carries the old one's disputes: as
                    // its own when carried, else as about the old version.
                    inherited = if drop {
                        old.fact = stub(&old.fact);
                        std::mem::take(&mut old.disputes)
                    } else {
                        old.disputes.clone()
                    };
                }
                for d in &mut inherited {
                    d.current = d.current && carry;
                }
                let supersedes = Some(Box::new((s.target, s.reason)));
                self.insert_fact(s.fact, keys.second, seq, supersedes, keys.cited);
                if let Some(new) = self.fact_at(keys.second) {
                    new.disputes = inherited;
                }
            }
            Body::Retract(r) => {
                let drop = self.live_only;
                if let Some(f) = self.fact_at(keys.first) {
                    f.status = Status::Retracted {
                        seq,
                        retract: Box::new(r),
                    };
                    if drop {
                        f.fact = stub(&f.fact);
                        f.disputes = Vec::new();
                    }
                }
            }
            Body::Dispute(d) => {
                if let Some(code) = code
                    && let Some(f) = self.fact_at(keys.first)
                {
                    f.disputes.push(DisputeRecord {
                        seq,
                        dispute: d,
                        code,
                        current: true,
                    });
                }
            }
        }
        self.last_seq = Some(seq);
        self.last_hash = Some(hash);
    }

    fn insert_fact(
        &mut self,
        f: Fact,
        key: Fp,
        seq: u64,
        supersedes: Option<Box<(String, String)>>,
        cited_at: usize,
    ) {
        self.fact_index.insert(key, self.facts.len());
        let fact = if self.index_only {
            stub(&f)
        } else {
            let mut f = f;
            // A list read from JSON may have room to spare (it grew as it
            // was read); the state keeps it for the rest of the replay.
            f.citations.shrink_to_fit();
            f
        };
        self.facts.push(FactRecord {
            fact,
            seq,
            supersedes,
            status: Status::Live,
            disputes: Vec::new(),
            cited_at,
        });
    }

    fn fact_at(&mut self, key: Fp) -> Option<&mut FactRecord> {
        let i = *self.fact_index.get(&key)?;
        self.facts.get_mut(i)
    }

    /// The fact with this id, whatever its status.
    pub fn fact(&self, id: &str) -> Option<&FactRecord> {
        self.fact_by(crate::index::fp(NS_ID, id))
    }

    fn fact_by(&self, key: Fp) -> Option<&FactRecord> {
        self.fact_index.get(&key).and_then(|&i| self.facts.get(i))
    }

    /// The source with this id.
    pub fn source(&self, id: &str) -> Option<&SourceRecord> {
        self.source_by(crate::index::fp(NS_ID, id))
    }

    fn source_by(&self, key: Fp) -> Option<&SourceRecord> {
        self.source_index
            .get(&key)
            .and_then(|&i| self.sources.get(i))
    }

    /// The 1-based position of a source in registration order (the report's
    /// source numbering).
    pub fn source_number(&self, id: &str) -> Option<usize> {
        self.source_index
            .get(&crate::index::fp(NS_ID, id))
            .map(|i| i + 1)
    }

    /// The label of an actor (built-in or defined).
    pub fn actor_label(&self, id: &str) -> Option<String> {
        self.actors
            .get(id)
            .cloned()
            .or_else(|| vocab::builtin_actor(id).map(str::to_string))
    }

    /// The label of a topic (built-in or defined).
    pub fn topic_label(&self, id: &str) -> Option<String> {
        self.topics
            .get(id)
            .cloned()
            .or_else(|| vocab::builtin_topic(id).map(str::to_string))
    }

    /// The chain of sources `id` derives from, nearest first (excluding `id`),
    /// each with how the source before it in the chain derives from it.
    pub fn derivation_chain(&self, id: &str) -> Vec<(DerivationKind, &SourceRecord)> {
        let mut out = Vec::new();
        let mut cur = self.source(id);
        while let Some(rec) = cur {
            let Some(d) = &rec.source.derived_from else {
                break;
            };
            match self.source(&d.source) {
                // Derivations always point at earlier sources, so this ends; the
                // length bound is a second guard.
                Some(next) if out.len() < self.sources.len() => {
                    out.push((d.relation, next));
                    cur = Some(next);
                }
                _ => break,
            }
        }
        out
    }

    /// The original a source ultimately derives from (itself if not derived):
    /// sources with the same root are not independent of each other.
    pub fn root_source<'a>(&'a self, id: &'a str) -> &'a str {
        self.derivation_chain(id)
            .last()
            .map_or(id, |(_, r)| r.source.id.as_str())
    }

    /// All actor ids, built-in first, then defined ones.
    pub fn actor_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = vocab::ACTORS.iter().map(|(a, _)| a.to_string()).collect();
        ids.extend(
            self.actors
                .keys()
                .filter(|k| vocab::builtin_actor(k).is_none())
                .cloned(),
        );
        ids
    }

    /// How change ids are shown: by their shortest unique prefix among all
    /// source and fact ids.
    pub fn abbrev(&self) -> crate::ids::Abbrev {
        crate::ids::Abbrev::new(
            self.facts
                .iter()
                .map(|f| f.fact.id.as_str())
                .chain(self.sources.iter().map(|s| s.source.id.as_str())),
        )
    }

    /// All topic ids, built-in first in report order, then defined ones.
    pub fn topic_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = vocab::TOPICS.iter().map(|(t, _)| t.to_string()).collect();
        ids.extend(
            self.topics
                .keys()
                .filter(|k| vocab::builtin_topic(k).is_none())
                .cloned(),
        );
        ids
    }

    /// Checks an entry against the entries before it, without applying it.
    pub fn check(&self, entry: &Entry) -> Result<(), String> {
        check(self, entry)
    }
}

/// What a fact's status is, as far as referential checks need it.
#[derive(Debug, Clone, PartialEq)]
pub enum Liveness {
    Live,
    /// Superseded at `seq`; `by` is the new version's id when the index
    /// knows it (a compact index does not keep id text).
    Superseded {
        by: Option<String>,
        seq: u64,
    },
    Retracted {
        seq: u64,
    },
}

/// What the referential checks ask about the entries before the one checked.
/// The same check code ([`check`]) runs against the full [`State`], the compact
/// in-memory [`crate::index::Compact`] and the on-disk index, so they cannot
/// disagree on what is accepted; only the wording of a refusal may be poorer
/// in a compact index (no id text for "did you mean"), which is why callers
/// that show refusals to users re-derive them from a full state.
pub trait Refs {
    /// Whether `id` names a source or a fact (they share one namespace).
    fn id_use(&self, id: &str) -> Option<IdUse>;
    /// A fact's status; `None` when no fact has that id.
    fn liveness(&self, id: &str) -> Option<Liveness>;
    /// The seq that registered source `id`; `None` when no source has it.
    fn source_seq(&self, id: &str) -> Option<u64>;
    /// Whether an actor is built in or defined.
    fn actor_known(&self, id: &str) -> bool;
    /// Whether a topic is built in or defined.
    fn topic_known(&self, id: &str) -> bool;
    /// Up to three known ids close to `id` (for "did you mean"), of sources or
    /// of facts; empty when the index cannot tell.
    fn near(&self, id: &str, facts: bool) -> Vec<String>;
    /// All topic ids for the "known topics" hint; empty when unknown.
    fn topic_list(&self) -> Vec<String>;
    /// All actor ids for "did you mean"; the built-in ones when the rest is
    /// unknown.
    fn actor_list(&self) -> Vec<String> {
        vocab::ACTORS.iter().map(|(a, _)| a.to_string()).collect()
    }
}

/// What an id is used by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdUse {
    Source,
    Fact,
}

/// The ids a recorded entry adds or changes, by fingerprint: its own id or
/// the one it targets, and for a supersession the new version's id.
struct Keys {
    first: Fp,
    second: Fp,
    /// Where the positions of a fact's cited sources start
    /// ([`State::note_cited`]).
    cited: usize,
}

impl Keys {
    fn of(body: &Body, memo: &Memo) -> Keys {
        let id = |id: &str| memo.fp(NS_ID, id);
        let (first, second) = match body {
            Body::Genesis(_) | Body::Define(_) => (0, 0),
            Body::Source(s) => (id(&s.id), 0),
            Body::Amend(a) => (id(&a.target), 0),
            Body::Fact(f) => (id(&f.id), 0),
            Body::Supersede(s) => (id(&s.target), id(&s.fact.id)),
            Body::Retract(r) => (id(&r.target), 0),
            Body::Dispute(d) => (id(&d.target), 0),
        };
        Keys {
            first,
            second,
            cited: 0,
        }
    }
}

/// A state looked up through the fingerprints known ahead for the entry
/// being checked (any other id is fingerprinted when asked).
struct Keyed<'s, 'm>(&'s State, &'m Memo<'m>);

impl Refs for State {
    fn id_use(&self, id: &str) -> Option<IdUse> {
        Keyed(self, &Memo::NONE).id_use(id)
    }

    fn liveness(&self, id: &str) -> Option<Liveness> {
        Keyed(self, &Memo::NONE).liveness(id)
    }

    fn source_seq(&self, id: &str) -> Option<u64> {
        self.source(id).map(|s| s.seq)
    }

    fn actor_known(&self, id: &str) -> bool {
        self.actors.contains_key(id) || vocab::builtin_actor(id).is_some()
    }

    fn topic_known(&self, id: &str) -> bool {
        self.topics.contains_key(id) || vocab::builtin_topic(id).is_some()
    }

    fn near(&self, id: &str, facts: bool) -> Vec<String> {
        // The first three in id order, whatever the records' order.
        if facts {
            closest(id, self.facts.iter().map(|f| f.fact.id.as_str()))
        } else {
            closest(id, self.sources.iter().map(|s| s.source.id.as_str()))
        }
    }

    fn topic_list(&self) -> Vec<String> {
        self.topic_ids()
    }

    fn actor_list(&self) -> Vec<String> {
        self.actor_ids()
    }
}

impl Refs for Keyed<'_, '_> {
    fn id_use(&self, id: &str) -> Option<IdUse> {
        let key = self.1.fp(NS_ID, id);
        if self.0.source_index.contains_key(&key) {
            Some(IdUse::Source)
        } else if self.0.fact_index.contains_key(&key) {
            Some(IdUse::Fact)
        } else {
            None
        }
    }

    fn liveness(&self, id: &str) -> Option<Liveness> {
        self.0
            .fact_by(self.1.fp(NS_ID, id))
            .map(|f| match &f.status {
                Status::Live => Liveness::Live,
                Status::Superseded { by, seq, .. } => Liveness::Superseded {
                    by: Some(by.clone()),
                    seq: *seq,
                },
                Status::Retracted { seq, .. } => Liveness::Retracted { seq: *seq },
            })
    }

    fn source_seq(&self, id: &str) -> Option<u64> {
        self.0.source_by(self.1.fp(NS_ID, id)).map(|s| s.seq)
    }

    fn actor_known(&self, id: &str) -> bool {
        self.0.actor_known(id)
    }

    fn topic_known(&self, id: &str) -> bool {
        self.0.topic_known(id)
    }

    fn near(&self, id: &str, facts: bool) -> Vec<String> {
        self.0.near(id, facts)
    }

    fn topic_list(&self) -> Vec<String> {
        self.0.topic_list()
    }

    fn actor_list(&self) -> Vec<String> {
        self.0.actor_list()
    }
}

/// Up to three of `known` closest to `id`, ignoring case: containing it or
/// contained in it (when the shorter has two characters or more), or within
/// two edits (one for names of three characters or fewer, where two edits
/// would match nearly anything), in order.
pub fn closest<'a>(id: &str, known: impl Iterator<Item = &'a str>) -> Vec<String> {
    let lower = id.to_lowercase();
    let edits = if lower.chars().count() <= 3 { 1 } else { 2 };
    let mut close: Vec<&str> = known
        .filter(|k| {
            let k = k.to_lowercase();
            let part = |a: &str, b: &str| a.chars().count() >= 2 && b.contains(a);
            part(&lower, &k) || part(&k, &lower) || edit_distance(&k, &lower) <= edits
        })
        .collect();
    close.sort_unstable();
    close.dedup();
    close.into_iter().take(3).map(str::to_string).collect()
}

/// " (did you mean `a` or `b`?)", or "" when there is nothing close.
pub fn suggest(close: Vec<String>) -> String {
    if close.is_empty() {
        String::new()
    } else {
        let names: Vec<String> = close.iter().map(|k| format!("`{k}`")).collect();
        format!(" (did you mean {}?)", names.join(" or "))
    }
}

fn check_new_id(r: &(impl Refs + ?Sized), id: &str, seq: u64) -> Result<(), String> {
    if let Some(what) = r.id_use(id) {
        let what = match what {
            IdUse::Source => "a source",
            IdUse::Fact => "a fact",
        };
        return Err(format!(
            "id `{id}` is already used by {what}; ids must be unique"
        ));
    }
    if !form_free(id, seq) {
        return Err(format!(
            "id `{id}` has the form f<seq>, which is reserved for the fact recorded at that seq (this entry is seq {seq})"
        ));
    }
    Ok(())
}

/// Whether `id` may name what entry `seq` records: an id of the form
/// `f<digits>` is reserved for the fact recorded at that seq. Needs no
/// other entry, so the verify pipeline decides it on the checking threads
/// ([`crate::index::Needs`]).
pub(crate) fn form_free(id: &str, seq: u64) -> bool {
    match id.strip_prefix('f') {
        Some(n) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
            n == crate::layout::decimal(seq, &mut [0; 20])
        }
        _ => true,
    }
}

fn check_source_ref(r: &(impl Refs + ?Sized), id: &str, what: &str) -> Result<(), String> {
    if r.id_use(id) == Some(IdUse::Source) {
        Ok(())
    } else {
        Err(format!(
            "{what} names source `{id}`, which is not registered{}",
            suggest(r.near(id, false))
        ))
    }
}

fn check_live(r: &(impl Refs + ?Sized), id: &str, verb: &str) -> Result<(), String> {
    match r.liveness(id) {
        None => Err(format!(
            "cannot {verb} `{id}`: no fact has that id{}",
            suggest(r.near(id, true))
        )),
        Some(Liveness::Live) => Ok(()),
        Some(Liveness::Superseded { by, seq }) => {
            let by = by.unwrap_or_default();
            Err(format!(
                "cannot {verb} `{id}`: it was superseded by `{by}` at seq {seq}; {verb} `{by}` instead"
            ))
        }
        Some(Liveness::Retracted { seq }) => Err(format!(
            "cannot {verb} `{id}`: it was already retracted at seq {seq}"
        )),
    }
}

fn check_fact(r: &(impl Refs + ?Sized), f: &Fact, seq: u64) -> Result<(), String> {
    check_new_id(r, &f.id, seq)?;
    for actor in vocab::subject_actors(&f.subject)? {
        if !r.actor_known(actor) {
            let close = closest(actor, r.actor_list().iter().map(String::as_str));
            if !close.is_empty() {
                return Err(format!(
                    "subject `{}`: unknown actor `{actor}`{}; to add a new actor: `ledger define actor {actor} --label NAME`",
                    f.subject,
                    suggest(close)
                ));
            }
            return Err(format!(
                "subject `{}`: unknown actor `{actor}`; add it with `ledger define actor {actor} --label NAME`",
                f.subject
            ));
        }
    }
    if !r.topic_known(&f.topic) {
        let known = r.topic_list();
        let close = closest(&f.topic, known.iter().map(String::as_str));
        if !close.is_empty() {
            return Err(format!(
                "unknown topic `{}`{}; known topics: {}",
                f.topic,
                suggest(close),
                known.join(", ")
            ));
        }
        return Err(format!(
            "unknown topic `{}`; known topics: {}; add one with `ledger define topic {} --label NAME`",
            f.topic,
            known.join(", "),
            f.topic
        ));
    }
    f.citations.iter().try_for_each(|c| check_citation(r, c))
}

fn check_citation(r: &(impl Refs + ?Sized), c: &Citation) -> Result<(), String> {
    check_source_ref(r, &c.source, "citation")
}

fn check_define(r: &(impl Refs + ?Sized), d: &Define) -> Result<(), String> {
    let exists = match d.term {
        Term::Actor => r.actor_known(&d.id),
        Term::Topic => r.topic_known(&d.id),
    };
    if exists {
        return Err(format!(
            "{} `{}` is already defined",
            term_name(d.term),
            d.id
        ));
    }
    Ok(())
}

fn check_source(r: &(impl Refs + ?Sized), s: &Source, seq: u64) -> Result<(), String> {
    check_new_id(r, &s.id, seq)?;
    if let Some(d) = &s.derived_from {
        // Only earlier sources can be named, so derivations never form a cycle.
        check_source_ref(r, &d.source, "derived_from")?;
    }
    Ok(())
}

fn check_retract(r: &(impl Refs + ?Sized), x: &Retract) -> Result<(), String> {
    check_live(r, &x.target, "retract")?;
    if let Some(s) = &x.source {
        check_source_ref(r, s, "retraction")?;
    }
    Ok(())
}

/// Checks that `entry` makes sense after the entries `r` describes: the one
/// definition of referential integrity.
pub fn check(r: &(impl Refs + ?Sized), entry: &Entry) -> Result<(), String> {
    match &entry.body {
        Body::Genesis(_) => Ok(()),
        Body::Define(d) => check_define(r, d),
        Body::Source(s) => check_source(r, s, entry.seq),
        Body::Fact(f) => check_fact(r, f, entry.seq),
        Body::Supersede(s) => {
            check_live(r, &s.target, "supersede")?;
            check_fact(r, &s.fact, entry.seq)
        }
        Body::Retract(x) => check_retract(r, x),
        Body::Dispute(d) => {
            check_live(r, &d.target, "dispute")?;
            check_citation(r, &d.citation)
        }
        Body::Amend(a) => check_amend(r, a),
    }
}

fn check_amend(r: &(impl Refs + ?Sized), a: &Amend) -> Result<(), String> {
    let Some(at) = r.source_seq(&a.target) else {
        let what = match r.id_use(&a.target) {
            Some(IdUse::Fact) => "it is a fact; supersede a fact instead".to_string(),
            _ => format!("no source has that id{}", suggest(r.near(&a.target, false))),
        };
        return Err(format!("cannot amend source `{}`: {what}", a.target));
    };
    if let Some(d) = a.set.as_ref().and_then(|c| c.derived_from.as_ref()) {
        check_source_ref(r, &d.source, "derived_from")?;
        // Only a source registered earlier: derivations then never form a
        // cycle, whatever order amendments come in.
        if r.source_seq(&d.source).is_some_and(|s| s > at) {
            return Err(format!(
                "source `{}` cannot derive from `{}`: it was registered after it, and a source derives only from one registered before it",
                a.target, d.source
            ));
        }
    }
    Ok(())
}

/// Applies an amendment to a source, returning what changed: each member
/// whose value it changed, with its value before and after (a member set to
/// the value it had, or removed while absent, is not a change).
pub fn amend(s: &mut Source, a: &Amend) -> Vec<(String, Option<Value>, Option<Value>)> {
    let mut v = match serde_json::to_value(&*s) {
        Ok(Value::Object(m)) => m,
        _ => return Vec::new(),
    };
    let mut changes = Vec::new();
    if let Some(Value::Object(set)) = a.set.as_ref().and_then(|c| serde_json::to_value(c).ok()) {
        for (k, new) in set {
            let old = v.insert(k.clone(), new.clone());
            if old.as_ref() != Some(&new) {
                changes.push((k, old, Some(new)));
            }
        }
    }
    for m in a.unset.iter().flatten() {
        if let Some(old) = v.remove(m.name()) {
            changes.push((m.name().to_string(), Some(old), None));
        }
    }
    // Every member set has a source's own rules (checked with the body), so
    // the result reads back as a source.
    if let Ok(new) = serde_json::from_value::<Source>(Value::Object(v)) {
        *s = new;
    }
    changes
}

/// Every id (of a source, fact, actor or topic) that [`check`] looks up for
/// `entry`, in any namespace. An entry's checks depend only on the entries
/// before it that name one of these ids, which lets `verify --since` replay
/// just those. Keep in step with [`check`]: `since_reads_only_entries_naming_
/// the_new_ids` in tests/cli/since.rs holds the two together.
pub fn ids_checked(entry: &Entry) -> Vec<&str> {
    fn fact<'a>(f: &'a Fact, ids: &mut Vec<&'a str>) {
        ids.push(&f.id);
        if let Ok(actors) = vocab::parse_subject(&f.subject) {
            ids.extend(actors);
        }
        ids.push(&f.topic);
        ids.extend(f.citations.iter().map(|c| c.source.as_str()));
    }
    let mut ids: Vec<&str> = Vec::new();
    match &entry.body {
        Body::Genesis(_) => {}
        Body::Define(d) => ids.push(d.id.as_str()),
        Body::Source(s) => {
            ids.push(&s.id);
            if let Some(d) = &s.derived_from {
                ids.push(&d.source);
            }
        }
        Body::Fact(f) => fact(f, &mut ids),
        Body::Supersede(s) => {
            ids.push(&s.target);
            fact(&s.fact, &mut ids);
        }
        Body::Retract(x) => {
            ids.push(&x.target);
            ids.extend(x.source.as_deref());
        }
        Body::Dispute(d) => {
            ids.push(&d.target);
            ids.push(&d.citation.source);
        }
        Body::Amend(a) => {
            ids.push(&a.target);
            if let Some(d) = a.set.as_ref().and_then(|c| c.derived_from.as_ref()) {
                ids.push(&d.source);
            }
        }
    }
    ids
}

/// What an index-only state ([`State::index_only`]) keeps of a body: all of
/// it but a fact's text (it keeps a [`stub`]); a dispute is not kept at all.
fn skeleton(body: &Body) -> Body {
    match body {
        Body::Fact(f) => Body::Fact(stub(f)),
        Body::Supersede(s) => Body::Supersede(Supersede {
            target: s.target.clone(),
            reason: s.reason.clone(),
            fact: stub(&s.fact),
            disputes: s.disputes,
        }),
        other => other.clone(),
    }
}

/// A fact reduced to its id and modality.
fn stub(f: &Fact) -> Fact {
    Fact {
        id: f.id.clone(),
        subject: String::new(),
        topic: String::new(),
        statement: String::new(),
        modality: f.modality,
        value: None,
        valid_from: None,
        valid_to: None,
        attributed_to: None,
        citations: Vec::new(),
        note: None,
    }
}

fn term_name(t: Term) -> &'static str {
    match t {
        Term::Actor => "actor",
        Term::Topic => "topic",
    }
}

/// Levenshtein distance, for "did you mean" hints on short ids.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The entries of the fixture that uses every kind of entry (amendments
    /// and disputes carried by a supersession too), then of a generated
    /// ledger (many facts, supersessions, retractions and disputes).
    fn entries(n: u64, seed: u64) -> Vec<Vec<Entry>> {
        let read = |text: &str| -> Vec<Entry> {
            text.lines()
                .map(|l| crate::chain::read_entry(l).entry.unwrap())
                .collect()
        };
        let mut out = Vec::new();
        crate::synthetic::write_ledger(&mut out, n, seed, "2026-01-02T03:04:05Z").unwrap();
        vec![
            read(include_str!(
                "../tests/fixtures/valid/canada-north-korea.jsonl"
            )),
            read(&String::from_utf8(out).unwrap()),
        ]
    }

    /// Everything a state holds, written out.
    fn held(s: &State) -> String {
        let mut facts: Vec<(&Fp, &usize)> = s.fact_index.iter().collect();
        facts.sort();
        let mut sources: Vec<(&Fp, &usize)> = s.source_index.iter().collect();
        sources.sort();
        format!(
            "{:?}",
            (
                (&s.title, s.last_seq, s.last_hash),
                (&s.sources, &s.facts),
                (&s.actors, &s.topics),
                (facts, sources),
                &s.cited,
            )
        )
    }

    /// Applying entries by value, with dispute codes worked out beforehand or
    /// not, gives the state applying them by reference gives, in each kind
    /// of state; a refused entry is refused alike and changes nothing.
    #[test]
    fn applied_by_value_is_applied_by_reference() {
        let kinds: [fn() -> State; 3] = [State::default, State::live_only, State::index_only];
        for seed in 0..3 {
            for es in entries(2_000, seed) {
                for make in kinds {
                    let (mut by_ref, mut by_value, mut given) = (make(), make(), make());
                    let mut printed = make();
                    for e in &es {
                        by_ref.apply(e).unwrap();
                        by_value.apply_owned(e.clone(), None).unwrap();
                        let code = matches!(e.body, Body::Dispute(_))
                            .then(|| e.content_id().unwrap_or(e.hash));
                        given.apply_owned(e.clone(), code).unwrap();
                        printed
                            .apply_owned_with(e.clone(), code, Some(&Prints::of(e)))
                            .unwrap();
                    }
                    assert_eq!(held(&by_value), held(&by_ref));
                    assert_eq!(held(&given), held(&by_ref));
                    assert_eq!(held(&printed), held(&by_ref));
                    assert!(
                        by_ref.facts.iter().any(|f| !f.disputes.is_empty())
                            || !by_ref.keeps_disputes()
                    );
                    // Most entries seen twice are refused the second time
                    // (a new id already used, a fact already replaced).
                    let mut refused = 0;
                    for e in es.iter().skip(1).take(40) {
                        let Err(why) = by_ref.check(e) else { continue };
                        let before = held(&by_value);
                        assert_eq!(by_value.apply_owned(e.clone(), None), Err(why.clone()));
                        assert_eq!(held(&by_value), before);
                        let prints = Prints::of(e);
                        let refused_too = printed.apply_owned_with(e.clone(), None, Some(&prints));
                        assert_eq!(refused_too, Err(why));
                        assert_eq!(held(&printed), before);
                        refused += 1;
                    }
                    assert!(refused > 5);
                }
            }
        }
    }

    /// The positions noted for each fact's citations are those of the
    /// sources they name, looked up by id, in each kind of state and
    /// whichever way the entries were applied (a live-only state keeps no
    /// citations for the versions it dropped).
    #[test]
    fn cited_sources_are_the_sources_named() {
        let kinds: [fn() -> State; 3] = [State::default, State::live_only, State::index_only];
        for es in entries(2_000, 11) {
            for make in kinds {
                for ahead in [false, true] {
                    let mut s = make();
                    for e in &es {
                        if ahead {
                            let prints = Prints::of(e);
                            s.apply_owned_with(e.clone(), None, Some(&prints)).unwrap();
                        } else {
                            s.apply(e).unwrap();
                        }
                    }
                    let mut cited = 0;
                    for r in &s.facts {
                        let named: Vec<usize> = r
                            .fact
                            .citations
                            .iter()
                            .map(|c| s.source_number(&c.source).unwrap() - 1)
                            .collect();
                        assert_eq!(s.cited_sources(r), Some(&named[..]), "{}", r.fact.id);
                        cited += named.len();
                    }
                    assert_eq!(cited == 0, s.index_only);
                }
            }
        }
    }

    /// The state keys its facts and sources by fingerprints of their ids:
    /// every id recorded is found by its text, at its own record, in each
    /// kind of state, whether the fingerprints were worked out ahead or
    /// not; an id never recorded is not found; and "did you mean" still
    /// offers the closest recorded ids in id order.
    #[test]
    fn every_id_is_found_by_its_text() {
        let kinds: [fn() -> State; 3] = [State::default, State::live_only, State::index_only];
        for es in entries(1_000, 7) {
            for make in kinds {
                for ahead in [false, true] {
                    let mut s = make();
                    for e in &es {
                        let prints = ahead.then(|| Prints::of(e));
                        s.apply_owned_with(e.clone(), None, prints.as_ref())
                            .unwrap();
                    }
                    assert!(!s.facts.is_empty() && !s.sources.is_empty());
                    for (i, f) in s.facts.iter().enumerate() {
                        let found = s.fact(&f.fact.id).map(|r| r as *const FactRecord);
                        assert_eq!(found, Some(&s.facts[i] as *const FactRecord));
                        assert_eq!(s.id_use(&f.fact.id), Some(IdUse::Fact));
                        assert!(s.source(&f.fact.id).is_none());
                    }
                    for (i, r) in s.sources.iter().enumerate() {
                        assert_eq!(s.source_number(&r.source.id), Some(i + 1));
                        assert_eq!(s.source_seq(&r.source.id), Some(r.seq));
                        assert_eq!(s.id_use(&r.source.id), Some(IdUse::Source));
                        assert!(s.fact(&r.source.id).is_none());
                    }
                    let first = s.facts[s.facts.len() / 2].fact.id.clone();
                    let missing = format!("{first}x");
                    assert!(s.fact(&missing).is_none() && s.id_use(&missing).is_none());
                    let near = s.near(&missing, true);
                    assert!(near.contains(&first) || near.len() == 3, "{near:?}");
                    assert!(near.windows(2).all(|w| w[0] < w[1]), "{near:?}");
                }
            }
        }
    }
}
