//! `ledger verify` on a valid ledger and on every class of damage: the text and
//! JSON reports are snapshots, and each damaged file must exit 1 with a problem
//! of the expected kind naming the line and seq.

use crate::fixture::{LEDGER, edit_and_rehash, head_of, join, lines, rechain, replace, sample};
use crate::util::{Env, Run};
use serde_json::Value;

/// Runs `ledger --ledger LEDGER verify EXTRA..` in text and JSON, snapshots both
/// as `NAME` and `NAME_json`, checks both exit with `code`, and returns the JSON
/// report.
fn verify_snapshots(env: &Env, name: &str, extra: &[&str], code: i32) -> Value {
    let mut args = vec!["--ledger", LEDGER, "verify"];
    args.extend_from_slice(extra);
    let text = env.run(&args);
    assert_eq!(text.code, code, "{name}:\n{text}");
    insta::assert_snapshot!(name, text.to_string());

    args.extend_from_slice(&["--format", "json"]);
    let json = env.run(&args);
    assert_eq!(json.code, code, "{name} (json):\n{json}");
    insta::assert_snapshot!(format!("{name}_json"), json.to_string());
    let report: Value = serde_json::from_str(&json.stdout).expect("JSON report");
    assert_eq!(report["ok"], Value::Bool(code == 0), "{name}: {report:#}");
    report
}

/// Writes `bytes` as the ledger, verifies it (snapshots `name`), and checks it
/// fails with, among its problems, each expected `(kind, line, seq)`.
fn damaged(name: &str, bytes: &[u8], expected: &[(&str, u64, u64)]) -> Value {
    let env = Env::new();
    env.write(LEDGER, bytes);
    let report = verify_snapshots(&env, name, &[], 1);
    assert_has(&report, expected);
    report
}

/// Asserts each `(kind, line, seq)` is among the report's errors.
fn assert_has(report: &Value, expected: &[(&str, u64, u64)]) {
    let errors = report["errors"].as_array().expect("errors");
    assert!(!errors.is_empty(), "no errors in {report:#}");
    for &(kind, line, seq) in expected {
        assert!(
            errors
                .iter()
                .any(|e| e["kind"] == kind && e["line"] == line && e["seq"] == seq),
            "no `{kind}` problem at line {line} (seq {seq}) in {report:#}"
        );
    }
}

/// The sample ledger's lines (line N holds seq N-1; 7 lines, seq 0..=6).
fn sample_lines() -> Vec<Vec<u8>> {
    let env = Env::new();
    lines(&sample(&env))
}

#[test]
fn valid_ledger() {
    let env = Env::new();
    let bytes = sample(&env);
    assert_eq!(lines(&bytes).len(), 7);
    let report = verify_snapshots(&env, "valid", &[], 0);
    assert_eq!(report["entries"], 7);
    assert_eq!(report["error_count"], 0);
    assert_eq!(report["head"], Value::String(head_of(&bytes)));
}

#[test]
fn edited_content() {
    // One character of a statement changed in place: the stored hash no longer
    // matches the content.
    let mut l = sample_lines();
    l[3] = replace(&l[3], "in 2001", "in 2002");
    damaged("edited_content", &join(&l), &[("hash", 4, 3)]);
}

#[test]
fn edited_and_rehashed() {
    // The forger re-hashes the edited entry; the next entry's `prev` still names
    // the old hash.
    let mut l = sample_lines();
    l[3] = edit_and_rehash(&replace(&l[3], "in 2001", "in 2002"), |_| {});
    let report = damaged("edited_rehashed", &join(&l), &[("prev", 5, 4)]);
    assert_eq!(report["error_count"], 1, "{report:#}");
}

#[test]
fn deleted_line() {
    let mut l = sample_lines();
    l.remove(3);
    damaged("deleted_line", &join(&l), &[("seq", 4, 4), ("prev", 4, 4)]);
}

#[test]
fn swapped_lines() {
    let mut l = sample_lines();
    l.swap(3, 4);
    damaged(
        "swapped_lines",
        &join(&l),
        &[("seq", 4, 4), ("prev", 4, 4), ("seq", 5, 3), ("prev", 5, 3)],
    );
}

#[test]
fn duplicated_line() {
    let mut l = sample_lines();
    l.insert(4, l[3].clone());
    damaged(
        "duplicated_line",
        &join(&l),
        &[("seq", 5, 3), ("prev", 5, 3), ("reference", 5, 3)],
    );
}

#[test]
fn torn_tail() {
    // An interrupted write: the last line cut in half, no final LF.
    let mut l = sample_lines();
    let last = l.pop().expect("line");
    l.push(last[..last.len() / 2].to_vec());
    let report = damaged("torn_tail", &join(&l), &[("torn-tail", 7, 6)]);
    assert_eq!(report["error_count"], 1, "{report:#}");
    assert_eq!(report["entries"], 6);
}

#[test]
fn missing_final_newline() {
    // A complete, intact last entry whose LF is missing.
    let mut bytes = join(&sample_lines());
    assert_eq!(bytes.pop(), Some(b'\n'));
    let report = damaged("missing_final_newline", &bytes, &[("torn-tail", 7, 6)]);
    assert_eq!(report["error_count"], 1, "{report:#}");
    assert_eq!(report["entries"], 7);
}

#[test]
fn non_canonical_float_seq() {
    let mut l = sample_lines();
    l[3] = replace(&l[3], r#""seq":3}"#, r#""seq":3.0}"#);
    damaged(
        "non_canonical_float_seq",
        &join(&l),
        &[("not-canonical", 4, 3), ("schema", 4, 3)],
    );
}

#[test]
fn non_canonical_float_format() {
    let mut l = sample_lines();
    l[3] = replace(&l[3], r#""format":1,"#, r#""format":1.0,"#);
    damaged(
        "non_canonical_float_format",
        &join(&l),
        &[("not-canonical", 4, 3)],
    );
}

#[test]
fn non_canonical_key_order() {
    // Same members, `seq` moved to the front: the hash (over the canonical text)
    // still matches, only the form is wrong.
    let mut l = sample_lines();
    let moved = replace(&l[3], r#","seq":3}"#, "}");
    l[3] = replace(&moved, "{", r#"{"seq":3,"#);
    let report = damaged(
        "non_canonical_key_order",
        &join(&l),
        &[("not-canonical", 4, 3)],
    );
    assert_eq!(report["error_count"], 1, "{report:#}");
}

#[test]
fn non_canonical_spaces() {
    let mut l = sample_lines();
    l[3] = replace(&l[3], r#","kind":"fact","#, r#", "kind": "fact","#);
    let report = damaged(
        "non_canonical_spaces",
        &join(&l),
        &[("not-canonical", 4, 3)],
    );
    assert_eq!(report["error_count"], 1, "{report:#}");
}

#[test]
fn duplicate_key() {
    let mut l = sample_lines();
    l[3] = replace(&l[3], r#"{"body":"#, r#"{"kind":"fact","body":"#);
    damaged("duplicate_key", &join(&l), &[("duplicate-key", 4, 3)]);
}

#[test]
fn invalid_utf8() {
    let mut l = sample_lines();
    let at = l[3].windows(4).position(|w| w == b"2001").expect("2001");
    l[3][at] = 0xFF;
    damaged("invalid_utf8", &join(&l), &[("encoding", 4, 3)]);
}

#[test]
fn blank_line() {
    let mut l = sample_lines();
    l.insert(3, b"\n".to_vec());
    let report = damaged("blank_line", &join(&l), &[("blank-line", 4, 3)]);
    assert_eq!(report["error_count"], 1, "{report:#}");
}

fn crlf_bytes() -> Vec<u8> {
    let bytes = join(&sample_lines());
    String::from_utf8(bytes)
        .expect("UTF-8")
        .replace('\n', "\r\n")
        .into_bytes()
}

#[test]
fn crlf_line_endings() {
    let report = damaged("crlf", &crlf_bytes(), &[("crlf", 1, 0), ("crlf", 7, 6)]);
    assert_eq!(report["error_count"], 7, "{report:#}");
}

#[test]
fn max_errors_caps_the_report() {
    let env = Env::new();
    env.write(LEDGER, crlf_bytes());
    let report = verify_snapshots(&env, "crlf_max_errors_2", &["--max-errors", "2"], 1);
    assert_eq!(report["error_count"], 7, "all problems are counted");
    assert_eq!(report["errors"].as_array().map(Vec::len), Some(2));
}

#[test]
fn max_errors_0_shows_no_problem_and_counts_them_all() {
    // 0 means none shown, not "no limit": the count alone, in every format.
    let env = Env::new();
    env.write(LEDGER, crlf_bytes());
    let r = env.refused(LEDGER, &["verify", "--max-errors", "0"], 1);
    assert_eq!(
        r.stdout,
        "FAILED: ledger/test.jsonl: 7 problems (none shown; --max-errors N shows the first N) in 7 lines\n",
        "{r}"
    );
    let r = env.refused(
        LEDGER,
        &["verify", "--max-errors", "0", "--format", "json"],
        1,
    );
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(v["error_count"], 7, "{r}");
    assert_eq!(v["errors"], serde_json::json!([]), "{r}");
    let r = env.refused(
        LEDGER,
        &["verify", "--max-errors", "0", "--format", "github"],
        1,
    );
    assert!(!r.stdout.contains("::error"), "{r}");
    assert!(r.stdout.contains("7 problems (none shown;"), "{r}");
}

#[test]
fn bom() {
    let bytes = [b"\xEF\xBB\xBF".as_slice(), &join(&sample_lines())].concat();
    let report = damaged("bom", &bytes, &[("bom", 1, 0)]);
    assert_eq!(report["error_count"], 1, "{report:#}");
}

#[test]
fn wrong_genesis_prev() {
    // Genesis re-linked to a non-zero prev, the whole chain re-hashed after it,
    // so the only problem is the genesis rule.
    let mut l = sample_lines();
    l[0] = edit_and_rehash(&l[0], |m| {
        m.insert("prev".into(), Value::String("ab".repeat(32)));
    });
    rechain(&mut l, 1);
    let report = damaged("wrong_genesis_prev", &join(&l), &[("prev", 1, 0)]);
    assert_eq!(report["error_count"], 1, "{report:#}");
}

#[test]
fn empty_file() {
    let env = Env::new();
    env.write(LEDGER, b"");
    let report = verify_snapshots(&env, "empty_file", &[], 1);
    assert_eq!(report["errors"][0]["kind"], "empty");
}

#[test]
fn unknown_envelope_member() {
    // Re-hashed so that only the schema is wrong.
    let mut l = sample_lines();
    l[3] = edit_and_rehash(&l[3], |m| {
        m.insert("comment".into(), Value::String("hand-added".into()));
    });
    rechain(&mut l, 4);
    let report = damaged("unknown_envelope_member", &join(&l), &[("schema", 4, 3)]);
    assert_eq!(report["error_count"], 1, "{report:#}");
}

#[test]
fn unknown_body_member() {
    // In the last entry, a `define`, whose members are few and settled.
    let mut l = sample_lines();
    l[6] = edit_and_rehash(&l[6], |m| {
        let body = m
            .get_mut("body")
            .and_then(Value::as_object_mut)
            .expect("body");
        body.insert("lable".into(), Value::String("HanVoice".into()));
    });
    let report = damaged("unknown_body_member", &join(&l), &[("schema", 7, 6)]);
    assert_eq!(report["error_count"], 1, "{report:#}");
}

#[test]
fn unknown_kind() {
    let mut l = sample_lines();
    l[6] = edit_and_rehash(&l[6], |m| {
        m.insert("kind".into(), Value::String("note".into()));
    });
    let report = damaged("unknown_kind", &join(&l), &[("schema", 7, 6)]);
    assert_eq!(report["error_count"], 1, "{report:#}");
}

#[test]
fn anchor_round_trips_with_head() {
    let env = Env::new();
    let bytes = sample(&env);
    let head = env.ok(&["--ledger", LEDGER, "head"]);
    assert_eq!(head.stdout, format!("{}\n", head_of(&bytes)));
    let pinned = head.stdout.trim();
    env.ok(&["--ledger", LEDGER, "verify", "--anchor", pinned]);
    // An anchor on an entry in the middle, together with the head.
    let third = head_of(&join(&lines(&bytes)[..3]));
    env.ok(&[
        "--ledger", LEDGER, "verify", "--anchor", &third, "--anchor", pinned,
    ]);
}

#[test]
fn anchor_garbage_is_a_usage_error() {
    let env = Env::new();
    sample(&env);
    let r = env.run(&["--ledger", LEDGER, "verify", "--anchor", "garbage"]);
    assert_eq!(r.code, 2, "{r}");
    insta::assert_snapshot!("anchor_garbage", r.to_string());
    for bad in ["3", "x:00", "3:ABC", &format!("3:{}", "A".repeat(64))] {
        let r = env.run(&["--ledger", LEDGER, "verify", "--anchor", bad]);
        assert_eq!(r.code, 2, "--anchor {bad}: {r}");
    }
}

#[test]
fn truncation_caught_by_anchor() {
    let env = Env::new();
    sample(&env);
    let pinned = env.ok(&["--ledger", LEDGER, "head"]).stdout;
    let pinned = pinned.trim();
    // Remove the last two entries cleanly: what is left is a valid ledger.
    let l = lines(&env.read(LEDGER));
    env.write(LEDGER, join(&l[..5]));
    let alone = env.ok(&["--ledger", LEDGER, "verify"]);
    insta::assert_snapshot!("truncated_without_anchor", alone.to_string());
    let report = verify_snapshots(&env, "truncated_with_anchor", &["--anchor", pinned], 1);
    assert_eq!(report["error_count"], 1, "{report:#}");
    assert_eq!(report["errors"][0]["kind"], "anchor");
    assert_eq!(report["errors"][0]["seq"], 6);
}

#[test]
fn consistent_rewrite_caught_by_anchor() {
    let env = Env::new();
    let bytes = sample(&env);
    let pinned = head_of(&bytes);
    let before_edit = head_of(&join(&lines(&bytes)[..3]));
    // Rewrite seq 3 and re-hash every entry after it consistently.
    let mut l = lines(&bytes);
    l[3] = replace(&l[3], "in 2001", "in 2002");
    rechain(&mut l, 3);
    env.write(LEDGER, join(&l));
    let alone: Run = env.ok(&["--ledger", LEDGER, "verify"]);
    insta::assert_snapshot!("rewritten_without_anchor", alone.to_string());
    // An anchor before the rewritten entry still holds.
    env.ok(&["--ledger", LEDGER, "verify", "--anchor", &before_edit]);
    let report = verify_snapshots(&env, "rewritten_with_anchor", &["--anchor", &pinned], 1);
    assert_eq!(report["error_count"], 1, "{report:#}");
    assert_eq!(report["errors"][0]["kind"], "anchor");
    assert_eq!(report["errors"][0]["seq"], 6);
}

#[test]
fn help() {
    let env = Env::new();
    insta::assert_snapshot!("help", env.ok(&["--help"]).to_string());
    insta::assert_snapshot!("verify_help", env.ok(&["verify", "--help"]).to_string());
}
