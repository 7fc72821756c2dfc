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
use serde_json::Value;

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
        assert_eq!(report.since.map(|(_, l)| l), Some(i as u64));
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

#[test]
fn an_earlier_line_that_does_not_read_is_checked_in_full() {
    let env = Env::new();
    let (old_head, bytes) = grown(&env);
    // Line 3 cut short: not an entry at all, so it cannot be read for ids.
    let mut l = lines(&bytes);
    let cut = l[2].len() - 10;
    l[2].truncate(cut);
    l[2].push(b'\n');
    env.write(LEDGER, join(&l));
    let (text, json) = verify(&env, &["--since", &old_head]);
    assert_eq!(text.code, 1, "{text}");
    let report: Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(report["errors"][0]["kind"], "syntax", "{report:#}");
    assert_eq!(report["errors"][0]["line"], 3);
    assert_eq!(report["lines"], 10);
}
