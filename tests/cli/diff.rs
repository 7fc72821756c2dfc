//! `ledger diff`: positions, formats, and what a diff says.

use crate::reports::{bundled, changed_ledger};
use crate::util::Env;
use serde_json::Value;

#[test]
fn diff_of_a_retraction_supersession_dispute_and_addition_in_every_format() {
    let mut env = Env::new();
    let path = changed_ledger(&mut env);
    for (format, name) in [("markdown", "diff_markdown"), ("text", "diff_text")] {
        let r = env.ok(&["--ledger", path, "diff", "--from", "65", "--format", format]);
        insta::assert_snapshot!(name, r.stdout);
    }
    let r = env.ok(&["--ledger", path, "diff", "--from", "65", "--format", "json"]);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    insta::assert_json_snapshot!("diff_json", v);
    // The documented shape.
    for key in [
        "added",
        "superseded",
        "retracted",
        "disputed",
        "discrepancies",
    ] {
        assert!(v[key].is_array(), "{key}");
    }
    assert_eq!(v["from"]["seq"], 65);
    assert_eq!(v["to"]["seq"], 70);
    assert_eq!(v["added"][0]["id"], "test-new-fact");
    assert_eq!(v["superseded"][0]["old"]["id"], "embassy-reopening-study");
    assert_eq!(
        v["superseded"][0]["new"]["id"],
        "embassy-reopening-study-v2"
    );
    assert_eq!(
        v["superseded"][0]["reason"],
        "Test entry: cite the whole phrase."
    );
    assert_eq!(
        v["retracted"][0]["fact"]["id"],
        "embassy-reopening-ready-per-translation"
    );
    assert_eq!(v["retracted"][0]["reason"], "mistranslated");
    assert_eq!(v["disputed"][0]["fact"]["id"], "sanctions-in-place");
    let changes: Vec<(&str, &str)> = v["discrepancies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["change"].as_str().unwrap(), d["kind"].as_str().unwrap()))
        .collect();
    // The derived overstatement went with the retracted fact. The old
    // version's dispute stays, now about the superseded version of the new
    // one (docs/FORMAT.md 11.5): its facts and words changed, so it is
    // resolved as it was and appears as it is. The new dispute appeared.
    assert_eq!(
        changes,
        [
            ("resolved", "dispute"),
            ("resolved", "derived-overstates"),
            ("appeared", "dispute"),
            ("appeared", "dispute")
        ]
    );
}

#[test]
fn an_unchanged_range_says_so() {
    let env = Env::new();
    let r = env.ok(&["--ledger", &bundled(), "diff", "--from", "65"]);
    assert!(
        r.stdout
            .contains("No change to what the report shows between entry 65 and entry 65."),
        "{r}"
    );
    let v: Value = serde_json::from_str(
        &env.ok(&[
            "--ledger",
            &bundled(),
            "diff",
            "--from",
            "65",
            "--format",
            "json",
        ])
        .stdout,
    )
    .unwrap();
    for key in [
        "added",
        "superseded",
        "retracted",
        "disputed",
        "discrepancies",
    ] {
        assert_eq!(v[key], serde_json::json!([]), "{key}");
    }
}

#[test]
fn positions_by_seq_hash_and_record_time() {
    let mut env = Env::new();
    let path = changed_ledger(&mut env);
    let head65 = {
        let all = std::fs::read_to_string(env.path().join(path)).unwrap();
        let line = all.lines().nth(65).unwrap();
        let v: Value = serde_json::from_str(line).unwrap();
        v["hash"].as_str().unwrap().to_string()
    };
    let from = |pos: &str| -> Value {
        let r = env.ok(&["--ledger", path, "diff", "--from", pos, "--format", "json"]);
        let v: Value = serde_json::from_str(&r.stdout).unwrap();
        v["from"]["seq"].clone()
    };
    assert_eq!(from("65"), 65);
    assert_eq!(from(&format!("65:{head65}")), 65);
    // The 12 digits a report's header prints are enough.
    assert_eq!(from(&format!("65:{}", &head65[..12])), 65);
    // Before the first entry recorded on or after that day or instant.
    assert_eq!(from("2026-12-01"), 65);
    assert_eq!(from("2026-11-30T23:59:59Z"), 65);
    assert_eq!(from("2026-12-02"), 70);
    // `--to` takes the same forms.
    let r = env.ok(&[
        "--ledger",
        path,
        "diff",
        "--from",
        "40",
        "--to",
        "2026-12-01",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        (v["from"]["seq"].clone(), v["to"]["seq"].clone()),
        (40.into(), 65.into())
    );
}

#[test]
fn bad_positions_are_refused() {
    let mut env = Env::new();
    let path = changed_ledger(&mut env);
    let wrong = format!("65:{}", "0".repeat(64));
    let cases: [(&[&str], i32); 7] = [
        // A hash that is not the entry's: the history differs (exit 1).
        (&["--from", &wrong], 1),
        (&["--from", "65:abc"], 2),
        (&["--from", "71"], 2),
        (&["--from", "2026-11-23"], 2),
        (&["--from", "yesterday"], 2),
        (&["--from", "60", "--to", "50"], 2),
        (&["--from", "60", "--as-of", "2019-02-30"], 2),
    ];
    let mut shown = String::new();
    for (args, code) in cases {
        let mut all = vec!["--ledger", path, "diff"];
        all.extend_from_slice(args);
        let r = env.refused(path, &all, code);
        shown.push_str(&format!("$ ledger diff {}\n{r}\n", args.join(" ")));
    }
    insta::assert_snapshot!("diff_refusals", shown);
}

#[test]
fn diff_topic_narrows_the_changes() {
    let mut env = Env::new();
    let path = changed_ledger(&mut env);
    let r = env.ok(&[
        "--ledger",
        path,
        "diff",
        "--from",
        "65",
        "--topic",
        "sanctions",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["added"], serde_json::json!([]));
    assert_eq!(v["superseded"], serde_json::json!([]));
    assert_eq!(v["retracted"], serde_json::json!([]));
    assert_eq!(v["disputed"].as_array().unwrap().len(), 1);
    assert_eq!(v["topic_filter"], serde_json::json!(["sanctions"]));
    let topics: Vec<&str> = v["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["topic"].as_str().unwrap())
        .collect();
    assert_eq!(topics, ["sanctions"]);
}

/// The excerpt of a diff in docs/USAGE.md is the real output, line for line
/// (up to the `…` that elides).
#[test]
fn the_usage_guide_shows_a_real_diff() {
    let usage =
        std::fs::read_to_string(crate::util::repo().join("docs/USAGE.md")).expect("docs/USAGE.md");
    let start = usage
        .find("An excerpt of `ledger diff --from 38 --to 41 --as-of 2019-12-31`")
        .expect("docs/USAGE.md shows a diff");
    let block = &usage[start..];
    let block = &block[block.find("````markdown\n").unwrap() + 12..];
    let block = &block[..block.find("````").unwrap()];
    let env = Env::new();
    let out = env
        .ok(&[
            "--ledger",
            &bundled(),
            "diff",
            "--from",
            "38",
            "--to",
            "41",
            "--as-of",
            "2019-12-31",
        ])
        .stdout;
    let mut shown = 0;
    for line in block.lines().filter(|l| !l.is_empty() && *l != "…") {
        let line = line.trim_end_matches(" …*");
        assert!(
            out.contains(line),
            "docs/USAGE.md line not in the output: {line}"
        );
        shown += 1;
    }
    assert!(shown >= 4);
}

/// A ledger without facts (just made, a source registered) has an empty
/// report, so it has an empty diff, in every format, as `summary` gives an
/// empty report rather than asking for a subject.
#[test]
fn diff_of_a_ledger_without_facts_is_empty_like_its_report() {
    let env = Env::new();
    env.init();
    env.ok(&[
        "source",
        "add",
        "--id",
        "globe",
        "--title",
        "A report",
        "--publisher",
        "A paper",
    ]);
    let summary = env.ok(&["summary"]);
    assert!(
        summary.stdout.contains("holds no live fact yet"),
        "{summary}"
    );
    for format in ["markdown", "text", "html"] {
        let r = env.ok(&["diff", "--from", "0", "--format", format]);
        assert!(!r.stdout.contains("--subject"), "{r}");
    }
    let r = env.ok(&["diff", "--from", "0", "--to", "1", "--format", "json"]);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    for key in [
        "added",
        "superseded",
        "retracted",
        "disputed",
        "discrepancies",
    ] {
        assert_eq!(v[key], serde_json::json!([]), "{key}: {v}");
    }
    assert_eq!(v["to"]["seq"], 1);
    insta::assert_snapshot!(
        "diff_of_a_ledger_without_facts",
        env.ok(&["diff", "--from", "0"]).stdout
    );
}
