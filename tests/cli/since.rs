//! `ledger verify --since SEQ:HASH`: finds the entry without reading the lines
//! before it for anything but ids, refuses when that entry changed or is gone,
//! and fully checks everything after it.

use crate::fixture::{
    LEDGER, append, cite, edit_and_rehash, fact, head_of, join, ledger_path, lines, rechain,
    replace, sample,
};
use crate::util::Env;
use ledger::chain::{Anchor, VerifyOptions};
use ledger::entry::{Body, Modality};
use serde_json::{Value, json};

/// `SEQ:HASH` of line `i` (0-based) of `bytes`.
fn anchor_of(bytes: &[u8], i: usize) -> String {
    head_of(&join(&lines(bytes)[..=i]))
}

/// A sample ledger (7 lines) with three more facts appended after its head.
fn grown(env: &Env) -> (String, Vec<u8>) {
    let old = sample(env);
    let old_head = head_of(&old);
    let more = (0..3)
        .map(|i| {
            Body::Fact(fact(
                &format!("g{i}"),
                "CA-KP",
                "trade",
                "Trade resumed briefly.",
                Modality::Reported,
                // Cites a source registered before the anchor.
                vec![cite("gac-statement")],
            ))
        })
        .collect();
    append(&ledger_path(env), more);
    (old_head, env.read(LEDGER))
}

fn verify(env: &Env, extra: &[&str]) -> (crate::util::Run, crate::util::Run) {
    let mut args = vec!["--ledger", LEDGER, "verify"];
    args.extend_from_slice(extra);
    let text = env.run(&args);
    args.extend_from_slice(&["--format", "json"]);
    (text, env.run(&args))
}

#[test]
fn since_the_old_head_checks_what_was_appended() {
    let env = Env::new();
    let (old_head, bytes) = grown(&env);
    let (text, json) = verify(&env, &["--since", &format!("{old_head}\n")]);
    assert_eq!(text.code, 0, "{text}");
    insta::assert_snapshot!("since_ok", text.to_string());
    insta::assert_snapshot!("since_ok_json", json.to_string());
    let report: Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(report["entries"], 10);
    assert_eq!(report["head"], Value::String(head_of(&bytes)));
    // What `ledger head` prints is what --since takes.
    let head = env.run(&["--ledger", LEDGER, "head"]);
    let (text, _) = verify(&env, &["--since", head.stdout.trim_end()]);
    assert_eq!(text.code, 0, "{text}");
}

#[test]
fn since_finds_every_entry_and_checks_what_follows() {
    let env = Env::new();
    let (_, bytes) = grown(&env);
    let path = ledger_path(&env);
    let n = lines(&bytes).len();
    for i in 0..n {
        let a: Anchor = anchor_of(&bytes, i).parse().expect("anchor");
        let (report, _) =
            ledger::store::scan_since(&path, a, VerifyOptions::default()).expect("scan");
        assert!(report.ok(), "since line {}: {:#?}", i + 1, report.problems);
        assert_eq!(report.lines, n as u64);
        assert_eq!(report.entries, n as u64);
        assert_eq!(report.since.map(|s| s.trusted_lines), Some(i as u64));
    }
}

#[test]
fn damage_after_the_entry_is_reported_at_its_line() {
    let env = Env::new();
    let (old_head, bytes) = grown(&env);
    let mut l = lines(&bytes);
    l[8] = replace(&l[8], "resumed", "RESUMED");
    env.write(LEDGER, join(&l));
    let (text, json) = verify(&env, &["--since", &old_head]);
    assert_eq!(text.code, 1, "{text}");
    insta::assert_snapshot!("since_damage_after", text.to_string());
    let report: Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(report["errors"][0]["kind"], "hash");
    assert_eq!(report["errors"][0]["line"], 9);
    assert_eq!(report["errors"][0]["seq"], 8);
}

#[test]
fn a_new_reference_to_nothing_is_caught() {
    let env = Env::new();
    let old = sample(&env);
    let old_head = head_of(&old);
    // A new fact citing a source that was never registered, written by hand.
    let mut l = lines(&old);
    let mut extra = edit_and_rehash(&l[5], |m| {
        m.insert("seq".into(), Value::from(7));
        m["body"]["id"] = Value::String("f9".into());
        m["body"]["citations"][0]["source"] = Value::String("nowhere".into());
    });
    l.push(std::mem::take(&mut extra));
    rechain(&mut l, 7);
    env.write(LEDGER, join(&l));
    let (text, json) = verify(&env, &["--since", &old_head]);
    assert_eq!(text.code, 1, "{text}");
    let report: Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(report["errors"][0]["kind"], "reference", "{report:#}");
    assert_eq!(report["errors"][0]["line"], 8);
}

#[test]
fn rewritten_history_at_the_entry_is_refused() {
    let env = Env::new();
    let (old_head, bytes) = grown(&env);
    // The anchored entry (line 7) edited and everything after re-chained.
    let mut l = lines(&bytes);
    l[6] = replace(&l[6], "HanVoice", "HanVoice!");
    rechain(&mut l, 6);
    env.write(LEDGER, join(&l));
    let (text, json) = verify(&env, &["--since", &old_head]);
    assert_eq!(text.code, 1, "{text}");
    insta::assert_snapshot!("since_rewritten", text.to_string());
    let report: Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(report["errors"][0]["kind"], "anchor");
    assert_eq!(report["errors"][0]["line"], 7);
}

#[test]
fn a_damaged_entry_at_since_is_refused() {
    let env = Env::new();
    let (old_head, bytes) = grown(&env);
    // Edited without re-hashing: its own hash check fails.
    let mut l = lines(&bytes);
    l[6] = replace(&l[6], "HanVoice", "HanV0ice");
    env.write(LEDGER, join(&l));
    let (text, _) = verify(&env, &["--since", &old_head]);
    assert_eq!(text.code, 1, "{text}");
    insta::assert_snapshot!("since_damaged_entry", text.to_string());
}

#[test]
fn since_beyond_the_end_is_refused() {
    let env = Env::new();
    let bytes = sample(&env);
    let hash = head_of(&bytes)
        .split_once(':')
        .expect("SEQ:HASH")
        .1
        .to_string();
    let (text, json) = verify(&env, &["--since", &format!("40:{hash}")]);
    assert_eq!(text.code, 1, "{text}");
    insta::assert_snapshot!("since_beyond_end", text.to_string());
    insta::assert_snapshot!("since_beyond_end_json", json.to_string());
}

#[test]
fn a_malformed_since_is_a_usage_error() {
    let env = Env::new();
    sample(&env);
    let (text, _) = verify(&env, &["--since", "7:nothex"]);
    assert_eq!(text.code, 2, "{text}");
    insta::assert_snapshot!("since_malformed", text.to_string());
    env.refused(
        LEDGER,
        &["--ledger", LEDGER, "verify", "--since", "seven"],
        2,
    );
}

/// An earlier line is read only when it names an id that an entry from SEQ
/// on looks up; such a line that does not read is checked in full.
#[test]
fn an_earlier_line_naming_a_new_entrys_id_is_checked_in_full() {
    let env = Env::new();
    let (old_head, bytes) = grown(&env);
    // Line 5 registers `gac-statement`, which the new facts cite; cut short,
    // it is not an entry at all.
    let mut l = lines(&bytes);
    assert!(String::from_utf8_lossy(&l[4]).contains("\"gac-statement\""));
    let cut = l[4].len() - 10;
    l[4].truncate(cut);
    l[4].push(b'\n');
    env.write(LEDGER, join(&l));
    let (text, json) = verify(&env, &["--since", &old_head]);
    assert_eq!(text.code, 1, "{text}");
    let report: Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(report["errors"][0]["kind"], "syntax", "{report:#}");
    assert_eq!(report["errors"][0]["line"], 5);
    assert_eq!(report["lines"], 10);
}

/// The lines before SEQ are trusted: one that names no id used from SEQ on
/// is not read, so damage to it shows only in a full verify (documented in
/// docs/FORMAT.md section 2).
#[test]
fn an_earlier_line_naming_no_new_id_is_not_read() {
    let env = Env::new();
    let (old_head, bytes) = grown(&env);
    // Line 3 registers `un-poe-2024`, which nothing after SEQ names.
    let mut l = lines(&bytes);
    let cut = l[2].len() - 10;
    l[2].truncate(cut);
    l[2].push(b'\n');
    env.write(LEDGER, join(&l));
    let (text, json) = verify(&env, &["--since", &old_head]);
    assert_eq!(text.code, 0, "{text}");
    let report: Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(report["lines"], 10, "{report:#}");
    assert_eq!(report["since"]["trusted_lines"], 6, "{report:#}");
    let (full, _) = verify(&env, &[]);
    assert_eq!(full.code, 1, "{full}");
}

/// `verify --since` replays only the earlier entries that name an id which
/// the entries from SEQ on look up (`replay::ids_checked`): for every kind of
/// reference an appended entry can get wrong, it reports exactly what a full
/// verify reports, and accepts what a full verify accepts.
#[test]
fn since_reads_only_entries_naming_the_new_ids() {
    let body = |kind: &str, v: Value| Body::from_value(kind, &v).expect(kind);
    let good_fact = |id: &str| {
        body(
            "fact",
            json!({"id": id, "subject": "CA-HANVOICE", "topic": "trade", "modality": "reported",
                   "statement": "A statement.", "citations": [{"source": "gac-statement"}]}),
        )
    };
    let cases: Vec<(&str, Vec<Body>)> = vec![
        (
            "valid additions",
            vec![
                good_fact("g1"),
                body(
                    "source",
                    json!({"id": "tr", "title": "T", "publisher": "P", "type": "news-article",
                                  "derived_from": {"source": "un-poe-2024", "relation": "translation"}}),
                ),
                body(
                    "supersede",
                    json!({"target": "g0", "reason": "update", "fact": {"id": "g2", "subject": "CA-KP",
                                  "topic": "trade", "modality": "reported", "statement": "Newer.",
                                  "citations": [{"source": "tr"}]}}),
                ),
                body(
                    "retract",
                    json!({"target": "g1", "reason": "duplicate", "source": "un-poe-2024"}),
                ),
                body(
                    "define",
                    json!({"term": "topic", "id": "aid", "label": "Aid"}),
                ),
            ],
        ),
        ("an id a source has", vec![good_fact("gac-statement")]),
        ("an id a fact has", vec![good_fact("g1"), good_fact("g1")]),
        (
            "an unknown source",
            vec![body(
                "dispute",
                json!({"target": "f5", "difference": "overstates",
                                  "statement": "No.", "citation": {"source": "nope"}}),
            )],
        ),
        (
            "an unknown actor",
            vec![body(
                "fact",
                json!({"id": "g1", "subject": "CA-ZZ", "topic": "trade",
                                  "modality": "reported", "statement": "S.", "citations": [{"source": "gac-statement"}]}),
            )],
        ),
        (
            "an unknown topic",
            vec![body(
                "fact",
                json!({"id": "g1", "subject": "CA-KP", "topic": "zz",
                                  "modality": "reported", "statement": "S.", "citations": [{"source": "gac-statement"}]}),
            )],
        ),
        (
            "a topic defined twice",
            vec![body(
                "define",
                json!({"term": "topic", "id": "trade", "label": "T"}),
            )],
        ),
        (
            "an actor defined twice",
            vec![body(
                "define",
                json!({"term": "actor", "id": "HANVOICE", "label": "H"}),
            )],
        ),
        (
            "a derivation from nothing",
            vec![body(
                "source",
                json!({"id": "tr", "title": "T", "publisher": "P",
                                  "type": "news-article", "derived_from": {"source": "nope", "relation": "translation"}}),
            )],
        ),
        (
            "a fact retracted before SEQ retracted again",
            vec![body(
                "retract",
                json!({"target": "f3", "reason": "erroneous"}),
            )],
        ),
        (
            "a fact superseded before SEQ disputed",
            vec![body(
                "dispute",
                json!({"target": "f5", "difference": "overstates", "statement": "No.",
                                  "citation": {"source": "gac-statement"}}),
            )],
        ),
        (
            "a fact superseded before SEQ superseded again",
            vec![body(
                "supersede",
                json!({"target": "f5", "reason": "update", "fact": {"id": "g3", "subject": "CA-KP",
                                  "topic": "trade", "modality": "reported", "statement": "Newer.",
                                  "citations": [{"source": "un-poe-2024"}]}}),
            )],
        ),
        (
            "an id first used before SEQ by a superseding fact",
            vec![good_fact("g0")],
        ),
        (
            "an unknown fact retracted",
            vec![body(
                "retract",
                json!({"target": "nope", "reason": "duplicate"}),
            )],
        ),
    ];
    for (what, bodies) in cases {
        let env = Env::new();
        sample(&env);
        // Before SEQ: a retraction and a supersession, so the statuses the
        // new entries meet were set by earlier lines.
        append(
            &ledger_path(&env),
            vec![
                body("retract", json!({"target": "f3", "reason": "duplicate"})),
                body(
                    "supersede",
                    json!({"target": "f5", "reason": "update", "fact": {"id": "g0",
                     "subject": "CA-KP", "topic": "trade", "modality": "reported",
                     "statement": "Newer.", "citations": [{"source": "gac-statement"}]}}),
                ),
            ],
        );
        let old_head = head_of(&env.read(LEDGER));
        append(&ledger_path(&env), bodies);
        let (_, full) = verify(&env, &[]);
        let (_, since) = verify(&env, &["--since", &old_head]);
        let full: Value = serde_json::from_str(&full.stdout).expect("JSON");
        let since: Value = serde_json::from_str(&since.stdout).expect("JSON");
        assert_eq!(full["errors"], since["errors"], "{what}");
        assert_eq!(full["ok"], since["ok"], "{what}");
        assert_eq!(full["ok"], what == "valid additions", "{what}: {full:#}");
    }
}
