//! Property: for any two positions A ≤ B of any ledger, applying the JSON of
//! diff(A, B) to the report at A gives the report at B: the facts it shows
//! (every member of their views but the discrepancy numbers), their disputes,
//! and its discrepancies.

use ledger::date::PartialDate;
use ledger::entry::{
    Body, Citation, Derivation, DerivationKind, Difference, Dispute, DisputeRule, Entry, Fact,
    Genesis, Modality, Retract, RetractReason, Source, SourceType, Supersede,
};
use ledger::hash::Hash;
use ledger::replay::State;
use ledger::report::diff::{self, Position};
use ledger::report::{self, Options};
use proptest::prelude::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// What a generated fact looks like.
#[derive(Debug, Clone)]
struct Shape {
    subject: usize,
    topic: usize,
    from: Option<u16>,
    len: Option<u16>,
    modality: usize,
    value: Option<u8>,
    src: usize,
}

#[derive(Debug, Clone)]
enum Op {
    Add(Shape),
    /// A new version of a fact; `true` carries its disputes (format 2).
    Supersede(usize, Shape, bool),
    Retract(usize),
    Dispute(usize, usize),
}

const SUBJECTS: [&str; 6] = ["CA-KP", "KP-CA", "KP", "US-KP", "CA-US", "KR-JP"];
const TOPICS: [&str; 3] = ["embassy", "sanctions", "nuclear"];
const SOURCES: [&str; 3] = ["a", "b", "c"];

fn shape() -> impl Strategy<Value = Shape> {
    (
        0..SUBJECTS.len(),
        0..TOPICS.len(),
        proptest::option::of(2015u16..2022),
        proptest::option::of(0u16..3),
        0..7usize,
        proptest::option::of(0u8..3),
        0..SOURCES.len(),
    )
        .prop_map(|(subject, topic, from, len, modality, value, src)| Shape {
            subject,
            topic,
            from,
            len,
            modality,
            value,
            src,
        })
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => shape().prop_map(Op::Add),
        2 => (0..16usize, shape(), any::<bool>()).prop_map(|(t, s, c)| Op::Supersede(t, s, c)),
        1 => (0..16usize).prop_map(Op::Retract),
        2 => (0..16usize, 0..SOURCES.len()).prop_map(|(t, s)| Op::Dispute(t, s)),
    ]
}

fn fact(id: String, s: &Shape) -> Fact {
    let year = |y: u16| PartialDate::parse(&y.to_string()).unwrap();
    Fact {
        id,
        subject: SUBJECTS[s.subject].into(),
        topic: TOPICS[s.topic].into(),
        statement: format!("S {}.", s.modality),
        modality: Modality::ALL[s.modality],
        value: s.value.map(|v| serde_json::json!({ "k": v })),
        // An end alone when `len` is given without a start.
        valid_from: s.from.map(year),
        valid_to: match (s.from, s.len) {
            (Some(y), Some(l)) => Some(year(y + l)),
            (None, Some(l)) => Some(year(2016 + l)),
            _ => None,
        },
        attributed_to: None,
        citations: vec![Citation {
            source: SOURCES[s.src].into(),
            paragraph: Some(1),
            span: None,
            quote: None,
        }],
        note: None,
    }
}

/// The accepted entries of a ledger made by `ops` (refused ones are dropped).
fn ledger(ops: &[Op]) -> Vec<Entry> {
    let mut state = State::default();
    let mut entries: Vec<Entry> = Vec::new();
    let push = |state: &mut State, entries: &mut Vec<Entry>, body: Body| {
        let seq = entries.len() as u64;
        let prev = entries.last().map_or(Hash::ZERO, |e| e.hash);
        let e = Entry::seal(
            seq,
            prev,
            format!("2026-01-{:02}T00:00:00Z", 1 + seq % 28),
            body,
        )
        .unwrap();
        if state.apply(&e).is_ok() {
            entries.push(e);
        }
    };
    push(
        &mut state,
        &mut entries,
        Body::Genesis(Genesis {
            title: "P".into(),
            created: "2026-01-01T00:00:00Z".into(),
        }),
    );
    for (i, id) in SOURCES.iter().enumerate() {
        let body = Body::Source(Source {
            id: (*id).into(),
            title: "T".into(),
            publisher: "P".into(),
            source_type: SourceType::NewsArticle,
            author: None,
            published: None,
            language: None,
            url: None,
            derived_from: (i == 1).then(|| Derivation {
                source: "a".into(),
                relation: DerivationKind::Translation,
            }),
            sha256: None,
            note: None,
        });
        push(&mut state, &mut entries, body);
    }
    let mut ids: Vec<String> = Vec::new();
    let pick = |ids: &[String], t: usize| {
        ids.get(t % ids.len().max(1))
            .cloned()
            .unwrap_or_else(|| "none".into())
    };
    for op in ops {
        let seq = entries.len();
        let body = match op {
            Op::Add(s) => {
                ids.push(format!("x{seq}"));
                Body::Fact(fact(format!("x{seq}"), s))
            }
            Op::Supersede(t, s, carry) => {
                let target = pick(&ids, *t);
                ids.push(format!("x{seq}"));
                Body::Supersede(Supersede {
                    target,
                    reason: format!("r{seq}"),
                    fact: fact(format!("x{seq}"), s),
                    disputes: carry.then_some(DisputeRule::Carry),
                })
            }
            Op::Retract(t) => Body::Retract(Retract {
                target: pick(&ids, *t),
                reason: RetractReason::Erroneous,
                note: None,
                source: None,
            }),
            Op::Dispute(t, s) => Body::Dispute(Dispute {
                target: pick(&ids, *t),
                difference: Difference::Contradicts,
                statement: format!("D{seq}."),
                citation: Citation {
                    source: SOURCES[*s].into(),
                    paragraph: Some(2),
                    span: None,
                    quote: None,
                },
                note: None,
            }),
        };
        push(&mut state, &mut entries, body);
    }
    entries
}

fn state_at(entries: &[Entry], seq: usize) -> State {
    let mut s = State::live_only();
    for e in &entries[..=seq] {
        s.apply(e).unwrap();
    }
    s
}

/// The facts a report's JSON shows, by id, without their discrepancy numbers.
fn shown(report: &Value) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    let mut take = |f: &Value| {
        let mut f = f.clone();
        f.as_object_mut().unwrap().remove("discrepancies");
        out.insert(f["id"].as_str().unwrap().to_string(), f);
    };
    for t in report["topics"].as_array().unwrap() {
        t["facts"].as_array().unwrap().iter().for_each(&mut take);
    }
    report["context"]
        .as_array()
        .unwrap()
        .iter()
        .for_each(&mut take);
    for t in report["timeline"].as_array().unwrap() {
        take(&t["fact"]);
    }
    out
}

fn without_numbers(f: &Value) -> Value {
    let mut f = f.clone();
    f.as_object_mut().unwrap().remove("discrepancies");
    f
}

/// A discrepancy as the diff compares it: kind, facts, wording.
fn key(d: &Value) -> (String, String, String) {
    (
        d["kind"].to_string(),
        d["facts"].to_string(),
        d["text"].to_string(),
    )
}

fn multiset(ds: &[Value]) -> BTreeMap<(String, String, String), i64> {
    let mut m = BTreeMap::new();
    for d in ds {
        *m.entry(key(d)).or_default() += 1;
    }
    m
}

/// (fact, dispute seq) for the disputes that apply to the facts shown
/// (recorded against them or carried to them).
fn disputes(state: &State, ids: impl Iterator<Item = String>) -> BTreeSet<(String, u64)> {
    ids.flat_map(|id| {
        state
            .fact(&id)
            .map(|r| {
                r.disputes
                    .iter()
                    .filter(|d| d.current)
                    .map(|d| (id.clone(), d.seq))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    })
    .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

    #[test]
    fn applying_the_diff_to_the_report_at_a_gives_the_report_at_b(
        ops in proptest::collection::vec(op(), 0..36),
        a in any::<prop::sample::Index>(),
        b in any::<prop::sample::Index>(),
        year in 2014u16..2024,
        topics in proptest::sample::subsequence(TOPICS.to_vec(), 0..=2),
    ) {
        let entries = ledger(&ops);
        let (mut a, mut b) = (a.index(entries.len()), b.index(entries.len()));
        if a > b {
            std::mem::swap(&mut a, &mut b);
        }
        let (sa, sb) = (state_at(&entries, a), state_at(&entries, b));
        let opts = Options {
            subject: Some("CA-KP".into()),
            as_of: (year, 6, 30),
            topics: topics.iter().map(|t| t.to_string()).collect(),
        };
        let pos = |i: usize| Position {
            seq: i as u64,
            hash: entries[i].hash.to_hex(),
            recorded: entries[i].recorded.clone(),
        };
        let d = serde_json::to_value(diff::diff(&sa, &sb, pos(a), pos(b), &opts).unwrap()).unwrap();
        let ra = serde_json::to_value(report::build(&sa, &opts).unwrap()).unwrap();
        let rb = serde_json::to_value(report::build(&sb, &opts).unwrap()).unwrap();

        // Facts.
        let mut facts = shown(&ra);
        let before: BTreeSet<String> = facts.keys().cloned().collect();
        for s in d["superseded"].as_array().unwrap() {
            prop_assert!(facts.remove(s["old"]["id"].as_str().unwrap()).is_some());
        }
        for r in d["retracted"].as_array().unwrap() {
            prop_assert!(facts.remove(r["fact"]["id"].as_str().unwrap()).is_some());
        }
        for f in d["added"].as_array().unwrap() {
            prop_assert!(facts.insert(f["id"].as_str().unwrap().into(), without_numbers(f)).is_none());
        }
        for s in d["superseded"].as_array().unwrap() {
            if s["new_in_view"] == true {
                let new = &s["new"];
                prop_assert!(facts.insert(new["id"].as_str().unwrap().into(), without_numbers(new)).is_none());
            }
        }
        let after = shown(&rb);
        prop_assert_eq!(&facts, &after);

        // Disputes of the facts shown.
        let mut pairs: BTreeSet<(String, u64)> = disputes(&sa, before.iter().filter(|id| after.contains_key(*id)).cloned());
        for x in d["disputed"].as_array().unwrap() {
            prop_assert!(pairs.insert((x["fact"]["id"].as_str().unwrap().into(), x["seq"].as_u64().unwrap())));
        }
        prop_assert_eq!(pairs, disputes(&sb, after.keys().cloned()));

        // Discrepancies.
        let mut ds = multiset(ra["discrepancies"].as_array().unwrap());
        for c in d["discrepancies"].as_array().unwrap() {
            let n = ds.entry(key(c)).or_default();
            match c["change"].as_str().unwrap() {
                "resolved" => *n -= 1,
                "appeared" => *n += 1,
                other => prop_assert!(false, "change {}", other),
            }
        }
        ds.retain(|_, n| *n != 0);
        prop_assert_eq!(ds, multiset(rb["discrepancies"].as_array().unwrap()));
    }
}
