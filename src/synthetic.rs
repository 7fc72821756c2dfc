//! Synthetic ledgers of realistic shape, for benchmarks and scale tests.
//!
//! [`write_ledger`] writes a valid ledger of any size, the same bytes for the
//! same seed: a genesis, a few vocabulary definitions, then sources (some
//! derived from others), facts with one or two quoted citations, and
//! supersessions, retractions and disputes of live facts in plausible
//! proportions. Statements are 100–300 characters and a few carry non-ASCII
//! text. Entries go through the library's own sealing ([`Entry::seal_line`]),
//! so every line is canonical and correctly hashed; `ledger verify` accepts
//! the result.

use crate::date::PartialDate;
use crate::entry::{
    Body, Citation, Define, Derivation, DerivationKind, Difference, Dispute, Entry, Fact, Genesis,
    Modality, Retract, RetractReason, Source, SourceType, Supersede, Term,
};
use crate::hash::Hash;
use std::io::{self, Write};

/// splitmix64: a small, fast, well-distributed generator; deterministic for a
/// seed on every platform (also the tests' generator of mutations).
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((self.next() >> 11) % n as u64) as usize
    }

    /// True with probability `percent`/100.
    pub(crate) fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const SUBJECTS: &[&str] = &[
    "CA-KP", "CA-KP", "CA-KP", "KP-US", "KP-KR", "CN-KP", "JP-KP", "KP-UN", "KP", "CA",
];
const TOPICS: &[&str] = &[
    "diplomatic-status",
    "embassy",
    "engagement",
    "nuclear",
    "security",
    "sanctions",
    "humanitarian",
    "human-rights",
    "people-to-people",
    "consular",
    "allies",
    "statements",
    "civil-society",
    "trade-flows",
    "maritime",
];
const WHO: &[&str] = &[
    "Officials",
    "Senior diplomats",
    "The foreign ministry",
    "A delegation from Ottawa",
    "Representatives in Pyongyang",
    "Negotiators",
    "The special envoy",
    "Humanitarian groups",
    "Parliamentary committee members",
];
const DID: &[&str] = &[
    "met to discuss",
    "agreed to resume talks on",
    "raised concerns about",
    "issued a joint statement on",
    "declined to comment on",
    "proposed a framework for",
    "reviewed progress on",
    "announced new measures concerning",
];
const WHAT: &[&str] = &[
    "consular access for detained nationals",
    "the delivery of food aid through multilateral channels",
    "enforcement of the sanctions regime at sea",
    "a possible reopening of the embassy",
    "exchanges between academic institutions",
    "the verification of missile test moratoria",
    "family reunions across the border",
    "travel advisories and visa procedures",
];
const DETAIL: &[&str] = &[
    "according to documents obtained through an access-to-information request",
    "in a meeting held in Stockholm in the autumn",
    "after months of quiet preparation by both sides",
    "with the participation of observers from third countries",
    "in remarks reported by the national news agency",
    "while stressing that no agreement had yet been reached",
    "at a briefing in Seoul (서울) attended by regional diplomats",
    "in a communiqué issued in Genève after the session",
    "citing the minister’s earlier remarks to parliament",
    "as relayed by the Swedish embassy’s protecting-power office",
];
const QUOTES: &[&str] = &[
    "the talks were described as frank and constructive",
    "no date has been set for a further round",
    "officials confirmed the meeting took place",
    "the government remains committed to engagement",
    "assistance will be delivered through UN agencies",
    "the proposal is under consideration",
    "« nous suivons la situation de près »",
];
const PUBLISHERS: &[&str] = &[
    "The Globe and Mail",
    "Global Affairs Canada",
    "Yonhap News Agency",
    "Korean Central News Agency",
    "NK News",
    "United Nations Panel of Experts",
    "Le Devoir",
];
const REASONS: &[&str] = &[
    "a later report gives the exact date",
    "the ministry corrected its figures",
    "a second source narrows the claim",
    "translation revised against the original",
];

/// Appends a statement of 100 to 300 characters.
fn statement(rng: &mut Rng, n: u64) -> String {
    // Skewed towards shorter statements (mean about 167 characters).
    let target = 100 + rng.below(201).min(rng.below(201));
    let mut s = format!(
        "{} {} {} {}",
        rng.pick(WHO),
        rng.pick(DID),
        rng.pick(WHAT),
        rng.pick(DETAIL)
    );
    while s.chars().count() < target {
        s.push_str(&format!("; {}", rng.pick(DETAIL)));
    }
    let suffix = format!(" (#{n}).");
    let mut out: String = s.chars().take(target - suffix.len()).collect();
    out.push_str(&suffix);
    out
}

fn citation(rng: &mut Rng, sources: &[String]) -> Citation {
    // Recent sources are cited more often than old ones, as in a real log.
    let k = sources.len();
    let i = if rng.chance(70) {
        k - 1 - rng.below(k.min(20))
    } else {
        rng.below(k)
    };
    let quote = rng.pick(QUOTES).to_string();
    let start = rng.below(400) as u32;
    Citation {
        source: sources[i].clone(),
        paragraph: Some(1 + rng.below(40) as u32),
        span: rng
            .chance(40)
            .then(|| [start, start + quote.chars().count() as u32]),
        quote: Some(quote),
    }
}

fn date(rng: &mut Rng) -> PartialDate {
    let year = 2015 + rng.below(11) as u16;
    match rng.below(3) {
        0 => PartialDate {
            year,
            month: None,
            day: None,
        },
        1 => PartialDate {
            year,
            month: Some(1 + rng.below(12) as u8),
            day: None,
        },
        _ => PartialDate {
            year,
            month: Some(1 + rng.below(12) as u8),
            day: Some(1 + rng.below(28) as u8),
        },
    }
}

fn fact(rng: &mut Rng, seq: u64, sources: &[String]) -> Fact {
    let mut citations = vec![citation(rng, sources)];
    if rng.chance(10) {
        citations.push(citation(rng, sources));
    }
    Fact {
        id: format!("f{seq}"),
        subject: rng.pick(SUBJECTS).to_string(),
        topic: rng.pick(TOPICS).to_string(),
        statement: statement(rng, seq),
        modality: *rng.pick(&Modality::ALL),
        value: None,
        valid_from: rng.chance(60).then(|| date(rng)),
        valid_to: None,
        attributed_to: rng.chance(15).then(|| rng.pick(WHO).to_string()),
        citations,
        note: None,
    }
}

/// Writes a ledger of exactly `entries` entries (at least 1: the genesis) to
/// `out`, the same bytes for the same `seed`. Every record time is `recorded`.
/// Returns the seq and hash of the last entry. A ledger of N entries is the
/// first N lines of any longer one with the same seed.
pub fn write_ledger(
    out: &mut impl Write,
    entries: u64,
    seed: u64,
    recorded: &str,
) -> io::Result<(u64, Hash)> {
    let mut prev = Hash::ZERO;
    bodies(entries, seed, recorded, |seq, body| {
        let (entry, line): (Entry, String) =
            Entry::seal_line(seq, prev, recorded.to_string(), body)
                .map_err(|e| io::Error::other(e.0))?;
        prev = entry.hash;
        out.write_all(line.as_bytes())
    })?;
    Ok((entries.max(1) - 1, prev))
}

/// Writes the entries after the genesis of the same ledger as an import file
/// for `ledger import` (`{"body":...,"kind":...}` per line): imported into a
/// fresh ledger, they get the same seqs, so the result has the same bodies.
pub fn write_import(out: &mut impl Write, entries: u64, seed: u64) -> io::Result<()> {
    bodies(entries, seed, "2026-01-02T03:04:05Z", |seq, body| {
        if seq == 0 {
            return Ok(());
        }
        let mut line = String::with_capacity(640);
        line.push_str("{\"body\":");
        crate::jcs::write_canonical(&body.to_value(), &mut line)
            .map_err(|e| io::Error::other(e.0))?;
        line.push_str(",\"kind\":\"");
        line.push_str(body.kind());
        line.push_str("\"}\n");
        out.write_all(line.as_bytes())
    })
}

/// Hands the bodies of the synthetic ledger to `emit`, in seq order.
fn bodies(
    entries: u64,
    seed: u64,
    recorded: &str,
    mut emit: impl FnMut(u64, Body) -> io::Result<()>,
) -> io::Result<()> {
    let mut rng = Rng(seed);
    let mut sources: Vec<String> = Vec::new();
    // Live facts, for supersede/retract/dispute to name.
    let mut live: Vec<String> = Vec::new();
    for seq in 0..entries.max(1) {
        let body = if seq == 0 {
            Body::Genesis(Genesis {
                title: format!("Synthetic ledger (seed {seed})"),
                created: recorded.to_string(),
            })
        } else if seq <= 2 {
            Body::Define(Define {
                term: Term::Topic,
                id: TOPICS[TOPICS.len() - 3 + seq as usize].to_string(),
                label: ["Trade flows", "Maritime incidents"][seq as usize - 1].to_string(),
                note: None,
            })
        } else if sources.is_empty() || rng.chance(5) {
            let id = format!("src-{seq}");
            let derived = !sources.is_empty() && rng.chance(10);
            let s = Source {
                id: id.clone(),
                title: format!("{} on {}", rng.pick(WHO), rng.pick(WHAT)),
                publisher: rng.pick(PUBLISHERS).to_string(),
                source_type: *rng.pick(&[
                    SourceType::NewsArticle,
                    SourceType::Statement,
                    SourceType::Report,
                    SourceType::PressRelease,
                ]),
                author: None,
                published: Some(date(&mut rng)),
                language: Some(if derived { "en" } else { "ko" }.to_string()),
                url: Some(format!("https://example.org/archive/{seq}")),
                derived_from: derived.then(|| Derivation {
                    source: sources[rng.below(sources.len())].clone(),
                    relation: DerivationKind::Translation,
                }),
                sha256: None,
                note: None,
            };
            sources.push(id);
            Body::Source(s)
        } else {
            let roll = rng.below(100);
            if live.len() < 10 || roll < 76 {
                let f = fact(&mut rng, seq, &sources);
                live.push(f.id.clone());
                Body::Fact(f)
            } else if roll < 86 {
                let i = rng.below(live.len());
                let target = live.swap_remove(i);
                let f = fact(&mut rng, seq, &sources);
                live.push(f.id.clone());
                Body::Supersede(Supersede {
                    target,
                    reason: rng.pick(REASONS).to_string(),
                    fact: f,
                    disputes: None,
                })
            } else if roll < 90 {
                let i = rng.below(live.len());
                Body::Retract(Retract {
                    target: live.swap_remove(i),
                    reason: *rng.pick(&[RetractReason::Erroneous, RetractReason::Duplicate]),
                    note: Some("entered against the wrong source".to_string()),
                    source: None,
                })
            } else {
                let target = live[rng.below(live.len())].clone();
                Body::Dispute(Dispute {
                    target,
                    difference: *rng.pick(&[
                        Difference::Overstates,
                        Difference::Contradicts,
                        Difference::Imprecise,
                    ]),
                    statement: statement(&mut rng, seq),
                    citation: citation(&mut rng, &sources),
                    note: None,
                })
            }
        };
        emit(seq, body)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_bytes_and_statement_lengths_in_range() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        write_ledger(&mut a, 300, 7, "2026-01-02T03:04:05Z").unwrap();
        write_ledger(&mut b, 300, 7, "2026-01-02T03:04:05Z").unwrap();
        assert_eq!(a, b);
        let mut c = Vec::new();
        write_ledger(&mut c, 300, 8, "2026-01-02T03:04:05Z").unwrap();
        assert_ne!(a, c);
        let mut rng = Rng(1);
        for n in 0..500 {
            let len = statement(&mut rng, n).chars().count();
            assert!((100..=300).contains(&len), "{len}");
        }
    }

    #[test]
    fn sealing_in_one_step_gives_the_bytes_of_the_general_path() {
        let mut out = Vec::new();
        write_ledger(&mut out, 400, 3, "2026-01-02T03:04:05Z").unwrap();
        let text = String::from_utf8(out).unwrap();
        for line in text.lines() {
            let read = crate::chain::read_entry(line);
            assert!(read.problems.is_empty(), "{line}");
            let e = read.entry.unwrap();
            let slow = Entry::seal(e.seq, e.prev, e.recorded.clone(), e.body.clone()).unwrap();
            assert_eq!(slow.to_line().unwrap(), format!("{line}\n"));
        }
    }
}
