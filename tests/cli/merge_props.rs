//! Property tests of merging two copies of a ledger (the merge driver's and
//! `rebase --onto`'s logic): whatever two sides append to a shared base, a
//! merge either yields a ledger that verifies, keeps ours byte for byte and
//! re-appends exactly theirs' new entries with their bodies and record times,
//! or is refused because one of theirs' entries does not fit after ours.

use crate::fixture::{cite, fact, source, verify_bytes};
use ledger::entry::{
    Body, Difference, Dispute, Entry, Genesis, Modality, Retract, RetractReason, SourceType,
};
use ledger::error::Error;
use ledger::hash::Hash;
use ledger::merge::{self, How, Side};
use ledger::replay::State;
use proptest::prelude::*;
use std::path::Path;

#[derive(Debug, Clone)]
enum Op {
    Add,
    Retract(usize),
    Dispute(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Add),
        1 => (0..4usize).prop_map(Op::Retract),
        1 => (0..4usize).prop_map(Op::Dispute),
    ]
}

/// The bodies `ops` stand for on side `side` (fact ids `{side}{i}`; retracts and
/// disputes target base facts `b0`..`b3`).
fn bodies(side: &str, ops: &[Op]) -> Vec<Body> {
    ops.iter()
        .enumerate()
        .map(|(i, o)| match o {
            Op::Add => Body::Fact(fact(
                &format!("{side}{i}"),
                "CA-KP",
                "embassy",
                &format!("Statement {i} of {side}."),
                Modality::Reported,
                vec![cite("s")],
            )),
            Op::Retract(t) => Body::Retract(Retract {
                target: format!("b{t}"),
                reason: RetractReason::Erroneous,
                note: Some(format!("By {side}.")),
                source: None,
            }),
            Op::Dispute(t) => Body::Dispute(Dispute {
                target: format!("b{t}"),
                difference: Difference::Contradicts,
                statement: format!("{side} disputes it."),
                citation: cite("s"),
                note: None,
            }),
        })
        .collect()
}

/// Seals `bodies` after `entries` with the record time `at`, skipping (and
/// counting) those the replay refuses, as a writing command would refuse them.
fn extend(entries: &mut Vec<Entry>, state: &mut State, bodies: Vec<Body>, at: &str) {
    for b in bodies {
        let (seq, prev) = entries
            .last()
            .map_or((0, Hash::ZERO), |e| (e.seq + 1, e.hash));
        let e = Entry::seal(seq, prev, at.into(), b).expect("seal");
        if state.apply(&e).is_ok() {
            entries.push(e);
        }
    }
}

fn side(label: &str, entries: &[Entry]) -> Side {
    let bytes: String = entries.iter().map(|e| e.to_line().expect("line")).collect();
    Side::from_bytes(bytes.into_bytes(), label, label).expect("a side that verifies")
}

fn base() -> (Vec<Entry>, State) {
    let mut entries = Vec::new();
    let mut state = State::default();
    let mut bodies = vec![
        Body::Genesis(Genesis {
            title: "T".into(),
            created: "2026-01-01T00:00:00Z".into(),
        }),
        Body::Source(source("s", "Report", "Paper", SourceType::NewsArticle)),
    ];
    bodies.extend((0..4).map(|i| {
        Body::Fact(fact(
            &format!("b{i}"),
            "CA-KP",
            "embassy",
            "Base.",
            Modality::Confirmed,
            vec![cite("s")],
        ))
    }));
    extend(&mut entries, &mut state, bodies, "2026-01-01T00:00:00Z");
    (entries, state)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_merge_keeps_ours_and_re_appends_exactly_theirs(
        ours_ops in proptest::collection::vec(op(), 0..6),
        theirs_ops in proptest::collection::vec(op(), 0..6),
    ) {
        let (b, state) = base();
        let (mut o, mut os) = (b.clone(), state.clone());
        extend(&mut o, &mut os, bodies("o", &ours_ops), "2026-02-01T00:00:00Z");
        let (mut t, mut ts) = (b.clone(), state);
        extend(&mut t, &mut ts, bodies("t", &theirs_ops), "2026-03-01T00:00:00Z");
        let (base, ours, theirs) = (side("base", &b), side("ours", &o), side("theirs", &t));
        let theirs_new = &t[b.len()..];

        // Would theirs' new entries fit after ours, one by one?
        let mut expect = os.clone();
        let fits = theirs_new.iter().enumerate().all(|(i, e)| {
            let moved = Entry::seal(o.len() as u64 + i as u64, Hash::ZERO, e.recorded.clone(), e.body.clone())
                .expect("seal");
            expect.apply(&moved).is_ok()
        });

        match merge::merge(Some(base.clone()), ours.clone(), theirs.clone(), Path::new("x.jsonl")) {
            Ok(m) => {
                prop_assert!(fits);
                prop_assert!(verify_bytes(&m.bytes, vec![]).ok());
                prop_assert!(m.bytes.starts_with(&ours.bytes));
                let kept = if m.how == How::FastForward { t.len() } else { o.len() };
                let total = kept + if m.how == How::Rechained { theirs_new.len() } else { 0 };
                let lines = m.bytes.iter().filter(|&&b| b == b'\n').count();
                prop_assert_eq!(lines, total);
                if m.how == How::Rechained {
                    prop_assert_eq!(m.appended.len(), theirs_new.len());
                    for ((from, e), orig) in m.appended.iter().zip(theirs_new) {
                        prop_assert_eq!(*from, orig.seq);
                        prop_assert_eq!(&e.body, &orig.body);
                        prop_assert_eq!(&e.recorded, &orig.recorded);
                    }
                }
                // Merging theirs into the result again adds nothing.
                let result = Side::from_bytes(m.bytes.clone(), "result", "result").expect("verifies");
                let again = merge::merge(Some(base), result, theirs, Path::new("x.jsonl"))
                    .expect("merge again");
                prop_assert_eq!(again.how, How::Unchanged);
                prop_assert_eq!(again.bytes, m.bytes);
            }
            Err(e) => {
                prop_assert!(!fits, "refused although theirs fits: {}", e);
                prop_assert!(matches!(e, Error::Refused { .. } | Error::Conflicts { .. }), "{}", e);
            }
        }
    }
}
