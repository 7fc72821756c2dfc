//! Property tests of replay: whatever sequence of facts, supersessions,
//! retractions and disputes is attempted, the state and report keep their
//! invariants.

use ledger::date::PartialDate;
use ledger::entry::{
    Body, Citation, Derivation, DerivationKind, Difference, Dispute, Entry, Fact, Genesis,
    Modality, Retract, RetractReason, Source, SourceType, Supersede,
};
use ledger::hash::Hash;
use ledger::replay::{State, Status};
use ledger::report::{self, Options};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Add {
        src: usize,
        from: Option<u16>,
        len: Option<u16>,
        modality: usize,
        value: Option<u8>,
    },
    Supersede {
        target: usize,
        src: usize,
    },
    Retract {
        target: usize,
    },
    Dispute {
        target: usize,
        src: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..3usize, proptest::option::of(2000u16..2025), proptest::option::of(0u16..4), 0..7usize, proptest::option::of(0u8..3))
            .prop_map(|(src, from, len, modality, value)| Op::Add { src, from, len, modality, value }),
        1 => (0..12usize, 0..3usize).prop_map(|(target, src)| Op::Supersede { target, src }),
        1 => (0..12usize).prop_map(|target| Op::Retract { target }),
        1 => (0..12usize, 0..3usize).prop_map(|(target, src)| Op::Dispute { target, src }),
    ]
}

const SOURCES: [&str; 3] = ["a", "b", "c"];

fn cite(src: usize) -> Citation {
    Citation {
        source: SOURCES[src].into(),
        paragraph: Some(1),
        span: None,
        quote: None,
    }
}

/// Every entry offered to the state, with whether it was accepted.
type Attempts = Vec<(Entry, bool)>;

fn seal(state: &mut State, seq: &mut u64, prev: &mut Hash, body: Body, log: &mut Attempts) -> bool {
    let e = Entry::seal(*seq, *prev, "2026-01-02T03:04:05Z".into(), body).unwrap();
    let before = (state.facts.clone(), state.sources.clone(), state.last_seq);
    let accepted = state.apply(&e).is_ok();
    log.push((e.clone(), accepted));
    match accepted {
        true => {
            *seq += 1;
            *prev = e.hash;
            true
        }
        false => {
            // A refused entry leaves the state exactly as it was.
            assert_eq!(
                (state.facts.clone(), state.sources.clone(), state.last_seq),
                before
            );
            false
        }
    }
}

fn pick(ids: &[String], t: usize) -> String {
    ids.get(t % ids.len().max(1))
        .cloned()
        .unwrap_or_else(|| "none".into())
}

/// Replays `ops`, returning the state and, from an independent model, the ids
/// that should be live.
fn build(ops: &[Op]) -> (State, std::collections::BTreeSet<String>, Attempts) {
    let mut log = Attempts::new();
    let mut state = State::default();
    let (mut seq, mut prev) = (0u64, Hash::ZERO);
    seal(
        &mut state,
        &mut seq,
        &mut prev,
        Body::Genesis(Genesis {
            title: "P".into(),
            created: "2026-01-02T03:04:05Z".into(),
        }),
        &mut log,
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
            // b is a translation of a; c is independent.
            derived_from: (i == 1).then(|| Derivation {
                source: "a".into(),
                relation: DerivationKind::Translation,
            }),
            sha256: None,
            note: None,
        });
        assert!(seal(&mut state, &mut seq, &mut prev, body, &mut log));
    }
    let mut ids: Vec<String> = Vec::new();
    let mut live = std::collections::BTreeSet::new();
    for op in ops {
        let body = match op {
            Op::Add {
                src,
                from,
                len,
                modality,
                value,
            } => {
                let id = format!("x{seq}");
                ids.push(id.clone());
                Body::Fact(Fact {
                    id,
                    subject: "CA-KP".into(),
                    topic: "embassy".into(),
                    statement: "S.".into(),
                    modality: Modality::ALL[*modality],
                    value: value.map(|v| serde_json::json!({ "k": v })),
                    valid_from: from.map(|y| PartialDate::parse(&y.to_string()).unwrap()),
                    valid_to: match (from, len) {
                        (Some(y), Some(l)) => {
                            Some(PartialDate::parse(&(y + l).to_string()).unwrap())
                        }
                        _ => None,
                    },
                    attributed_to: None,
                    citations: vec![cite(*src)],
                    note: None,
                })
            }
            Op::Supersede { target, src } => {
                let id = format!("x{seq}");
                ids.push(id.clone());
                Body::Supersede(Supersede {
                    target: pick(&ids, *target),
                    reason: "r".into(),
                    fact: Fact {
                        id,
                        subject: "CA-KP".into(),
                        topic: "embassy".into(),
                        statement: "S2.".into(),
                        modality: Modality::Reported,
                        value: None,
                        valid_from: None,
                        valid_to: None,
                        attributed_to: None,
                        citations: vec![cite(*src)],
                        note: None,
                    },
                    disputes: None,
                })
            }
            Op::Retract { target } => Body::Retract(Retract {
                target: pick(&ids, *target),
                reason: RetractReason::Erroneous,
                note: None,
                source: None,
            }),
            Op::Dispute { target, src } => Body::Dispute(Dispute {
                target: pick(&ids, *target),
                difference: Difference::Contradicts,
                statement: "D.".into(),
                citation: cite(*src),
                note: None,
            }),
        };
        let (new, gone) = match &body {
            Body::Fact(f) => (Some(f.id.clone()), None),
            Body::Supersede(s) => (Some(s.fact.id.clone()), Some(s.target.clone())),
            Body::Retract(r) => (None, Some(r.target.clone())),
            _ => (None, None),
        };
        if seal(&mut state, &mut seq, &mut prev, body, &mut log) {
            live.extend(new);
            if let Some(g) = gone {
                live.remove(&g);
            }
        }
    }
    (state, live, log)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn replay_invariants(ops in proptest::collection::vec(op(), 0..40), year in 1999u16..2027) {
        let (state, model_live, _) = build(&ops);
        let live: std::collections::BTreeSet<String> =
            state.facts.iter().filter(|f| f.is_live()).map(|f| f.fact.id.clone()).collect();
        prop_assert_eq!(live, model_live);
        // Each supersession chain has at most one live version, and every
        // superseded fact points at a fact that exists.
        for f in &state.facts {
            if let Status::Superseded { by, .. } = &f.status {
                prop_assert!(state.fact(by).is_some());
            }
        }
        let opts = Options { subject: Some("CA-KP".into()), as_of: (year, 6, 30), topics: Vec::new() };
        let r = report::build(&state, &opts).unwrap();
        // The same state renders the same bytes.
        let again = report::build(&state, &opts).unwrap();
        prop_assert_eq!(report::render(&r, true), report::render(&again, true));
        for t in &r.topics {
            for f in &t.facts {
                let rec = state.fact(&f.id).unwrap();
                prop_assert!(rec.is_live(), "{} is not live but in force", f.id);
                prop_assert!(report::holds_on(&rec.fact, opts.as_of));
                prop_assert!(!f.citations.is_empty());
                prop_assert!(f.independent_sources >= 1 && f.independent_sources <= f.citations.len());
            }
        }
        for d in &r.discrepancies {
            for id in &d.facts {
                prop_assert!(state.fact(id).is_some_and(|f| f.is_live()));
            }
        }
    }

    /// The compact index (verify, writes) and the report's state decide every
    /// entry as the full state does, and the report's state gives the same
    /// report.
    #[test]
    fn compact_and_report_states_decide_as_the_full_state(
        ops in proptest::collection::vec(op(), 0..40),
        year in 1999u16..2027,
    ) {
        let (full, _, log) = build(&ops);
        let mut compact = ledger::index::Compact::default();
        let mut lean = State::live_only();
        for (e, accepted) in &log {
            prop_assert_eq!(compact.apply(e).is_ok(), *accepted, "compact, seq {}", e.seq);
            prop_assert_eq!(lean.apply(e).is_ok(), *accepted, "live-only, seq {}", e.seq);
        }
        let opts = Options { subject: Some("CA-KP".into()), as_of: (year, 6, 30), topics: Vec::new() };
        prop_assert_eq!(
            report::render(&report::build(&full, &opts).unwrap(), true),
            report::render(&report::build(&lean, &opts).unwrap(), true)
        );
    }
}
