//! Ledgers at scale: the synthetic generator's output verifies, and the
//! derived index (`.NAME.jsonl.idx`) never changes what a write decides.

use crate::util::{Env, NOW};
use proptest::prelude::*;
use std::io::Write;

/// Writes a synthetic ledger of `n` entries to `ledger/test.jsonl`.
fn synthetic(env: &Env, n: u64, seed: u64) -> std::path::PathBuf {
    let dir = env.path().join("ledger");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("test.jsonl");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    ledger::synthetic::write_ledger(&mut f, n, seed, NOW).unwrap();
    f.flush().unwrap();
    path
}

#[test]
fn generated_ledgers_verify_and_summarize() {
    let env = Env::new();
    synthetic(&env, 2000, 11);
    let r = env.run(&["verify"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("2000 entries"), "{}", r.stdout);
    let r = env.run(&["summary", "--subject", "CA-KP"]);
    assert_eq!(r.code, 0, "{}", r.stderr);

    // Its import form, imported into a fresh ledger, gives the same bodies.
    let mut f = Vec::new();
    ledger::synthetic::write_import(&mut f, 2000, 11).unwrap();
    env.write("batch.jsonl", &f);
    env.ok(&["--ledger", "ledger/fresh.jsonl", "init", "--title", "Fresh"]);
    env.ok(&["--ledger", "ledger/fresh.jsonl", "import", "batch.jsonl"]);
    let (a, _) = ledger::store::load(&env.path().join("ledger/test.jsonl")).unwrap();
    let (b, _) = ledger::store::load(&env.path().join("ledger/fresh.jsonl")).unwrap();
    assert_eq!(a.len(), b.len());
    assert!(
        a.iter()
            .zip(&b)
            .skip(1)
            .all(|(x, y)| x.seq == y.seq && x.body == y.body)
    );
}

const L: &str = "ledger/test.jsonl";
const IDX: &str = "ledger/.test.jsonl.idx";

/// One writing command, with arguments drawn from small pools so that
/// collisions, missing targets and dead facts are common.
#[derive(Debug, Clone)]
enum Op {
    Add { src: usize, id: Option<usize> },
    Supersede { target: usize, src: usize },
    Retract { target: usize },
    Dispute { target: usize, src: usize },
    Source { id: usize },
    Topic { id: usize },
    Import { src: usize, target: usize },
}

const SRC: [&str; 4] = ["a", "b", "x1", "zz"];
const IDS: [&str; 3] = ["x0", "x1", "x2"];
const TOPIC: [&str; 2] = ["t-one", "embassy"];

/// A target: a one-letter prefix (of the change ids facts added without
/// `--id` get: one of them, several or none) or a chosen id.
fn target(i: usize) -> String {
    if i < 6 {
        ["k", "l", "m", "n", "o", "p"][i].to_string()
    } else {
        IDS[i % IDS.len()].to_string()
    }
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..4usize, proptest::option::of(0..3usize)).prop_map(|(src, id)| Op::Add { src, id }),
        2 => (0..9usize, 0..4usize).prop_map(|(target, src)| Op::Supersede { target, src }),
        2 => (0..9usize).prop_map(|target| Op::Retract { target }),
        1 => (0..9usize, 0..4usize).prop_map(|(target, src)| Op::Dispute { target, src }),
        1 => (0..4usize).prop_map(|id| Op::Source { id }),
        1 => (0..2usize).prop_map(|id| Op::Topic { id }),
        1 => (0..4usize, 0..9usize).prop_map(|(src, target)| Op::Import { src, target }),
    ]
}

fn args(op: &Op) -> Vec<String> {
    let s = |x: &[&str]| x.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    match op {
        Op::Add { src, id } => {
            let mut a = s(&[
                "add",
                "--subject",
                "CA-KP",
                "--topic",
                "t-one",
                "--statement",
                "S.",
                "--source",
                SRC[*src],
            ]);
            if let Some(i) = id {
                a.extend(s(&["--id", IDS[*i]]));
            }
            a
        }
        Op::Supersede { target: t, src } => {
            let mut a = s(&[
                "supersede",
                "--reason",
                "r",
                "--statement",
                "T.",
                "--source",
                SRC[*src],
            ]);
            a.insert(1, target(*t));
            a
        }
        Op::Retract { target: t } => {
            let mut a = s(&["retract", "--reason", "erroneous"]);
            a.insert(1, target(*t));
            a
        }
        Op::Dispute { target: t, src } => {
            let mut a = s(&[
                "dispute",
                "--difference",
                "overstates",
                "--statement",
                "D.",
                "--source",
                SRC[*src],
            ]);
            a.insert(1, target(*t));
            a
        }
        Op::Source { id } => s(&[
            "source",
            "add",
            "--id",
            SRC[*id],
            "--title",
            "T",
            "--publisher",
            "P",
        ]),
        Op::Topic { id } => s(&["define", "topic", TOPIC[*id], "--label", "L"]),
        Op::Import { .. } => s(&["import", "batch.jsonl"]),
    }
}

fn batch(op: &Op) -> Option<String> {
    let Op::Import { src, target: t } = op else {
        return None;
    };
    Some(format!(
        "{{\"kind\":\"fact\",\"body\":{{\"id\":\"imp\",\"subject\":\"CA-KP\",\"topic\":\"embassy\",\"statement\":\"I.\",\"modality\":\"reported\",\"citations\":[{{\"source\":\"{}\"}}]}}}}\n{{\"kind\":\"retract\",\"body\":{{\"target\":\"{}\",\"reason\":\"duplicate\"}}}}\n",
        SRC[*src],
        target(*t)
    ))
}

/// A ledger with sources `a` and `b` and topic `t-one`.
fn base() -> Env {
    let env = Env::new();
    env.init();
    for id in ["a", "b"] {
        env.ok(&[
            "source",
            "add",
            "--id",
            id,
            "--title",
            "T",
            "--publisher",
            "P",
        ]);
    }
    env.ok(&["define", "topic", "t-one", "--label", "One"]);
    env
}

fn read_opt(env: &Env, rel: &str) -> Option<Vec<u8>> {
    std::fs::read(env.path().join(rel)).ok()
}

/// Asserts that the index beside the ledger is current (its header matches
/// the ledger's tail).
fn assert_index_current(env: &Env) {
    let path = env.path().join(L);
    let tail = ledger::store::lock(&path).unwrap().tail().unwrap();
    let covers = ledger::index::Covers {
        len: tail.len,
        seq: tail.seq,
        hash: tail.hash,
    };
    assert!(
        ledger::index::Disk::open_matching(&path, &std::fs::File::open(&path).unwrap(), &covers)
            .is_some(),
        "the index was not rebuilt to match the ledger"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// The same writes against a ledger that keeps its index and one whose
    /// index is deleted before every command (so every write takes the full
    /// path): the same exit codes, the same words, the same bytes; every
    /// accepted write also passes a full replay. A refused write leaves the
    /// ledger and the index untouched.
    #[test]
    fn the_index_never_changes_a_decision(ops in proptest::collection::vec(op(), 1..14)) {
        let (with, without) = (base(), base());
        for op in &ops {
            if let Some(b) = batch(op) {
                with.write("batch.jsonl", &b);
                without.write("batch.jsonl", &b);
            }
            let a = args(op);
            let a: Vec<&str> = a.iter().map(String::as_str).collect();
            let (before, idx_before) = (with.read(L), read_opt(&with, IDX));
            let r1 = with.run(&a);
            let _ = std::fs::remove_file(without.path().join(IDX));
            let r2 = without.run(&a);
            prop_assert_eq!(r1.to_string(), r2.to_string(), "{:?}", op);
            prop_assert_eq!(with.read(L), without.read(L));
            if r1.code != 0 {
                prop_assert_eq!(with.read(L), before);
                prop_assert_eq!(read_opt(&with, IDX), idx_before);
            } else {
                assert_index_current(&with);
                // What was accepted also passes the full replay (State::apply,
                // not the compact checks both paths above share).
                let full = ledger::store::load(&with.path().join(L));
                prop_assert!(full.is_ok(), "{:?} accepted but the full replay refuses", op);
            }
        }
        prop_assert_eq!(with.run(&["verify"]).code, 0);
    }
}

/// A ledger with a live fact `f4`, a retracted `f5` and a current index.
fn indexed() -> Env {
    let env = base();
    env.ok(&[
        "add",
        "--subject",
        "CA-KP",
        "--topic",
        "t-one",
        "--statement",
        "S.",
        "--source",
        "a",
        "--id",
        "f4",
    ]);
    env.ok(&[
        "add",
        "--subject",
        "CA-KP",
        "--topic",
        "t-one",
        "--statement",
        "S.",
        "--source",
        "b",
        "--id",
        "f5",
    ]);
    env.ok(&["retract", "f5", "--reason", "erroneous"]);
    assert_index_current(&env);
    env
}

/// Runs a write that the full check refuses and one it accepts, and checks
/// both decisions (and the refusal's words) and that the index is current after.
fn decisions_hold(env: &Env, refusal: &str) {
    let r = env.refused(L, &["retract", "f5", "--reason", "erroneous"], 2);
    // The words of the refusal; the line it names depends on the ledger's length.
    assert_eq!(r.stderr.lines().next(), refusal.lines().next());
    env.ok(&[
        "supersede",
        "f4",
        "--reason",
        "r",
        "--statement",
        "New.",
        "--source",
        "a",
    ]);
    assert_index_current(env);
    env.ok(&["verify"]);
}

#[test]
fn a_deleted_truncated_corrupted_or_stale_index_is_rebuilt_and_never_changes_a_decision() {
    let refusal = {
        let env = indexed();
        std::fs::remove_file(env.path().join(IDX)).unwrap();
        env.refused(L, &["retract", "f5", "--reason", "erroneous"], 2)
            .stderr
    };
    assert!(refusal.contains("already retracted at seq 6"), "{refusal}");

    // Deleted.
    let env = indexed();
    std::fs::remove_file(env.path().join(IDX)).unwrap();
    decisions_hold(&env, &refusal);

    // Truncated: to part of the header, and to part of the table.
    for keep in [50usize, 4000] {
        let env = indexed();
        let idx = env.read(IDX);
        env.write(IDX, &idx[..keep]);
        decisions_hold(&env, &refusal);
    }

    // Corrupted: a header byte, and every byte of every occupied slot in turn
    // (a flipped status would otherwise accept retracting a retracted fact).
    let pristine = indexed().read(IDX);
    let occupied: Vec<usize> = (128..pristine.len())
        .step_by(24)
        .filter(|&at| pristine[at..at + 24].iter().any(|&b| b != 0))
        .collect();
    assert!(occupied.len() >= 5, "sources, topic and facts are indexed");
    let mut spots = vec![30usize];
    for at in &occupied {
        spots.extend([*at, *at + 12, *at + 19, *at + 23]);
    }
    for spot in spots {
        let env = indexed();
        let mut idx = env.read(IDX);
        idx[spot] ^= 0x04;
        env.write(IDX, &idx);
        decisions_hold(&env, &refusal);
    }

    // Stale: the ledger grew after the index was written. The index catches
    // up in place (same file, not a rebuild) from the lines after it.
    let add_a = [
        "add",
        "--subject",
        "CA-KP",
        "--topic",
        "t-one",
        "--statement",
        "S.",
        "--source",
        "a",
    ];
    let env = indexed();
    let old = env.read(IDX);
    let mut add_f7 = add_a.to_vec();
    add_f7.extend(["--id", "f7"]);
    env.ok(&add_f7);
    env.ok(&["retract", "f4", "--reason", "duplicate"]);
    env.write(IDX, &old);
    let inode = |env: &Env| {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(env.path().join(IDX)).unwrap().ino()
    };
    let before = inode(&env);
    // f4 was retracted after the index was written: only a caught-up index
    // knows, and the full check that words the refusal agrees.
    let dispute = [
        "dispute",
        "f4",
        "--difference",
        "overstates",
        "--statement",
        "D.",
        "--source",
        "a",
    ];
    let r = env.refused(L, &dispute, 2);
    assert!(r.stderr.contains("already retracted"), "{r}");
    assert_eq!(inode(&env), before, "caught up in place");
    assert_index_current(&env);
    env.ok(&[
        "supersede",
        "f7",
        "--reason",
        "r",
        "--statement",
        "New.",
        "--source",
        "a",
    ]);
    assert_eq!(inode(&env), before, "updated in place");
    assert_index_current(&env);
    env.ok(&["verify"]);

    // Behind, and a line after what it covers was altered: not caught up; the
    // full check refuses the write and names the damage.
    let env = indexed();
    let old = env.read(IDX);
    env.ok(&add_a);
    env.ok(&[
        "add",
        "--subject",
        "CA-KP",
        "--topic",
        "t-one",
        "--statement",
        "X.",
        "--source",
        "b",
    ]);
    env.write(IDX, &old);
    let led = String::from_utf8(env.read(L)).unwrap();
    let at = led.rfind("\"statement\":\"S.\"").unwrap();
    let led = format!("{}\"statement\":\"T.\"{}", &led[..at], &led[at + 16..]);
    env.write(L, &led);
    let r = env.refused(L, &add_a, 1);
    assert!(r.stderr.contains("does not verify"), "{r}");

    // Mismatched: the ledger was replaced by another of the same length.
    let env = indexed();
    let other = indexed();
    other.ok(&[
        "add",
        "--subject",
        "CA-KP",
        "--topic",
        "t-one",
        "--statement",
        "X.",
        "--source",
        "b",
    ]);
    env.ok(&[
        "add",
        "--subject",
        "CA-KP",
        "--topic",
        "t-one",
        "--statement",
        "Y.",
        "--source",
        "a",
    ]);
    env.write(IDX, other.read(IDX));
    decisions_hold(&env, &refusal);
}

/// The report's state drops the text of dead facts and streams the ledger;
/// the report it gives is the one a full replay gives, at the head and at an
/// earlier seq.
#[test]
fn the_report_state_gives_the_full_replays_report() {
    let env = Env::new();
    let path = synthetic(&env, 3000, 5);
    let (entries, full) = ledger::store::load(&path).unwrap();
    for at in [None, Some(1500u64)] {
        let reference = match at {
            None => full.clone(),
            Some(at) => {
                let mut s = ledger::replay::State::default();
                for e in entries.iter().take_while(|e| e.seq <= at) {
                    s.apply(e).unwrap();
                }
                s
            }
        };
        let (lean, head) = ledger::store::load_for_report(&path, at).unwrap();
        assert_eq!(head, 2999);
        for subject in [None, Some("CA-KP".to_string()), Some("KP".to_string())] {
            let opts = ledger::report::Options {
                subject,
                as_of: (2026, 1, 1),
                topics: Vec::new(),
            };
            let a = ledger::report::build(&reference, &opts).unwrap();
            let b = ledger::report::build(&lean, &opts).unwrap();
            assert_eq!(
                serde_json::to_string(&a).unwrap(),
                serde_json::to_string(&b).unwrap()
            );
            assert!(!a.topics.is_empty());
        }
    }
}
