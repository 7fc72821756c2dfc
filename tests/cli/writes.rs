//! Writing commands of the fact layer: what they append, and that every refusal
//! leaves the ledger byte-for-byte unchanged with a clear message.

use crate::util::Env;

const L: &str = "ledger/test.jsonl";

/// `ledger add` of a fact about CA-KP's embassy, with `extra` arguments.
fn add_fact<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "add",
        "--subject",
        "CA-KP",
        "--topic",
        "embassy",
        "--statement",
        "S.",
    ];
    args.extend_from_slice(extra);
    args
}

/// A ledger with two sources (the second a translation of the first) and one fact.
fn env_with_fact() -> Env {
    let env = Env::new();
    env.init();
    env.ok(&[
        "source",
        "add",
        "--id",
        "orig",
        "--title",
        "Original report",
        "--publisher",
        "Daily Paper",
        "--published",
        "2020",
        "--language",
        "en",
    ]);
    env.ok(&[
        "source",
        "add",
        "--id",
        "trans",
        "--title",
        "Translated report",
        "--publisher",
        "Other Paper",
        "--derived-from",
        "orig",
        "--derivation",
        "translation",
    ]);
    env.ok(&[
        "add",
        "--id",
        "emb",
        "--subject",
        "CA-KP",
        "--topic",
        "embassy",
        "--statement",
        "Canada studied reopening its embassy.",
        "--modality",
        "considered",
        "--source",
        "orig",
        "--locator",
        "p4:0-12",
        "--quote",
        "Canada studi",
        "--valid-from",
        "2019",
    ]);
    env
}

#[test]
fn writing_commands_print_seq_hash_and_id() {
    let env = env_with_fact();
    let r = env.ok(&[
        "add",
        "--subject",
        "CA-KP",
        "--topic",
        "engagement",
        "--statement",
        "Officials met.",
        "--source",
        "orig",
        "--locator",
        "p9",
        "--source",
        "trans",
        "--locator",
        "p7",
        "--valid-from",
        "2018-10",
        "--valid-to",
        "2018-10",
    ]);
    insta::assert_snapshot!("add_text", r.to_string());
    // The fact got a change id; it is typed from now on by a prefix.
    let id = r
        .stdout
        .split_whitespace()
        .nth(2)
        .expect("the id")
        .to_string();
    assert!(ledger::ids::is_change_id(&id), "{r}");
    let prefix = &id[..4];
    let r = env.ok(&[
        "dispute",
        prefix,
        "--source",
        "trans",
        "--statement",
        "Officials met secretly.",
        "--difference",
        "overstates",
        "--locator",
        "p7",
        "--format",
        "json",
    ]);
    insta::assert_snapshot!("dispute_json", r.to_string());
    let r = env.ok(&[
        "supersede",
        prefix,
        "--reason",
        "Month confirmed by a second reading",
        "--source",
        "orig",
        "--locator",
        "p9",
        "--statement",
        "Officials met in Ottawa.",
        "--id",
        "visit",
    ]);
    insta::assert_snapshot!("supersede_text", r.to_string());
    env.ok(&[
        "retract",
        "visit",
        "--reason",
        "duplicate",
        "--note",
        "Same as another fact",
    ]);
    env.ok(&["verify"]);
    insta::assert_snapshot!("log", env.ok(&["log"]).to_string());
    insta::assert_snapshot!("show_fact_history", env.ok(&["show", prefix]).to_string());
    insta::assert_snapshot!("show_source", env.ok(&["show", "trans"]).to_string());
    insta::assert_snapshot!("sources", env.ok(&["sources"]).to_string());
}

#[test]
fn locators_pair_with_the_source_before_them() {
    let env = env_with_fact();
    env.ok(&[
        "add",
        "--id",
        "two",
        "--subject",
        "CA-KP",
        "--topic",
        "engagement",
        "--statement",
        "S.",
        "--source",
        "orig",
        "--source",
        "trans",
        "--locator",
        "p3",
        "--quote",
        "q",
    ]);
    let log = env
        .ok(&["log", "--kind", "fact", "--format", "json"])
        .stdout;
    let v: serde_json::Value = serde_json::from_str(&log).unwrap();
    let cites = &v[1]["body"]["citations"];
    assert_eq!(cites[0], serde_json::json!({"source": "orig"}));
    assert_eq!(
        cites[1],
        serde_json::json!({"source": "trans", "paragraph": 3, "quote": "q"})
    );
}

#[test]
fn fact_without_source_is_refused() {
    let env = env_with_fact();
    let r = env.refused(
        L,
        &[
            "add",
            "--subject",
            "CA-KP",
            "--topic",
            "embassy",
            "--statement",
            "No citation.",
        ],
        2,
    );
    insta::assert_snapshot!(r.to_string());
}

#[test]
fn fact_citing_unknown_source_is_refused() {
    let env = env_with_fact();
    let r = env.refused(L, &add_fact(&["--source", "orgi"]), 2);
    insta::assert_snapshot!(r.to_string());
}

#[test]
fn retraction_of_unknown_fact_is_refused() {
    let env = env_with_fact();
    let r = env.refused(L, &["retract", "nope", "--reason", "erroneous"], 2);
    insta::assert_snapshot!(r.to_string());
}

#[test]
fn second_retraction_is_refused() {
    let env = env_with_fact();
    env.ok(&["retract", "emb", "--reason", "erroneous"]);
    let r = env.refused(L, &["retract", "emb", "--reason", "duplicate"], 2);
    insta::assert_snapshot!(r.to_string());
}

#[test]
fn other_refusals_leave_the_file_unchanged() {
    let env = env_with_fact();
    let cases: &[&[&str]] = &[
        // unknown actor, unknown topic, bad date, reversed validity
        &[
            "add",
            "--subject",
            "CA-XX",
            "--topic",
            "embassy",
            "--statement",
            "S.",
            "--source",
            "orig",
        ],
        &[
            "add",
            "--subject",
            "CA-KP",
            "--topic",
            "embasy",
            "--statement",
            "S.",
            "--source",
            "orig",
        ],
        &add_fact(&["--source", "orig", "--valid-from", "2019-02-30"]),
        &add_fact(&[
            "--source",
            "orig",
            "--valid-from",
            "2019",
            "--valid-to",
            "2018",
        ]),
        // duplicate id, reserved id, bad locator, locator before source, bad --value
        &[
            "add",
            "--id",
            "emb",
            "--subject",
            "CA-KP",
            "--topic",
            "embassy",
            "--statement",
            "S.",
            "--source",
            "orig",
        ],
        &[
            "add",
            "--id",
            "f1",
            "--subject",
            "CA-KP",
            "--topic",
            "embassy",
            "--statement",
            "S.",
            "--source",
            "orig",
        ],
        &add_fact(&["--source", "orig", "--locator", "para4"]),
        &add_fact(&["--locator", "p4", "--source", "orig"]),
        &[
            "add",
            "--subject",
            "CA-KP",
            "--topic",
            "embassy",
            "--statement",
            "S.",
            "--source",
            "orig",
            "--value",
            "{\"a\":1,\"a\":2}",
        ],
        // sources: duplicate id, derivation from an unknown source
        &[
            "source",
            "add",
            "--id",
            "orig",
            "--title",
            "T",
            "--publisher",
            "P",
        ],
        &[
            "source",
            "add",
            "--id",
            "s3",
            "--title",
            "T",
            "--publisher",
            "P",
            "--derived-from",
            "ghost",
            "--derivation",
            "summary",
        ],
        // dispute/supersede of unknown facts; dispute citing an unknown source
        &["dispute", "ghost", "--source", "trans", "--statement", "S."],
        &["dispute", "emb", "--source", "ghost", "--statement", "S."],
        &["supersede", "ghost", "--reason", "R", "--source", "orig"],
        // define an existing actor
        &["define", "actor", "CA", "--label", "Canada again"],
    ];
    let mut transcript = String::new();
    for args in cases {
        let r = env.refused(L, args, 2);
        assert!(!r.stderr.is_empty(), "{args:?} printed no error");
        transcript.push_str(&format!("$ ledger {}\n{}\n", args.join(" "), r.stderr));
    }
    insta::assert_snapshot!(transcript);
}

#[test]
fn superseded_fact_cannot_be_retracted_or_disputed() {
    let env = env_with_fact();
    env.ok(&[
        "supersede",
        "emb",
        "--reason",
        "Corrected",
        "--source",
        "orig",
        "--id",
        "emb2",
    ]);
    let r = env.refused(L, &["retract", "emb", "--reason", "erroneous"], 2);
    assert!(r.stderr.contains("superseded by `emb2`"), "{r}");
    let r = env.refused(
        L,
        &["dispute", "emb", "--source", "trans", "--statement", "S."],
        2,
    );
    assert!(
        r.stderr.contains("retract") || r.stderr.contains("dispute `emb2`"),
        "{r}"
    );
}

#[test]
fn import_is_all_or_nothing() {
    let env = env_with_fact();
    env.write(
        "batch.jsonl",
        concat!(
            r#"{"kind":"fact","body":{"id":"i1","subject":"CA-KP","topic":"sanctions","statement":"S.","modality":"reported","citations":[{"source":"orig"}]}}"#,
            "\n",
            r#"{"kind":"retract","body":{"target":"i9","reason":"erroneous"}}"#,
            "\n"
        ),
    );
    let r = env.refused(L, &["import", "batch.jsonl"], 2);
    insta::assert_snapshot!("import_refused", r.to_string());
    env.write(
        "batch.jsonl",
        concat!(
            r#"{"kind":"fact","body":{"id":"i1","subject":"CA-KP","topic":"sanctions","statement":"S.","modality":"reported","citations":[{"source":"orig"}]}}"#,
            "\n",
            r#"{"kind":"retract","body":{"target":"i1","reason":"erroneous"}}"#,
            "\n"
        ),
    );
    let r = env.ok(&["import", "batch.jsonl"]);
    insta::assert_snapshot!("import_ok", r.to_string());
    env.ok(&["verify"]);
    env.write("bad.jsonl", r#"{"kind":"fact","seq":3,"body":{}}"#);
    let r = env.refused(L, &["import", "bad.jsonl"], 2);
    assert!(r.stderr.contains("bad.jsonl:1"), "{r}");
}

#[test]
fn writing_to_a_damaged_ledger_is_refused() {
    let env = env_with_fact();
    let mut bytes = env.read(L);
    let pos = bytes.windows(7).position(|w| w == b"studied").unwrap();
    bytes[pos] = b'S';
    env.write(L, &bytes);
    let r = env.refused(L, &add_fact(&["--source", "orig"]), 1);
    insta::assert_snapshot!(r.to_string());
}

#[test]
fn repair_adds_a_missing_newline_and_never_removes_a_complete_entry() {
    let env = env_with_fact();
    let original = env.read(L);
    env.write(L, &original[..original.len() - 1]);
    let r = env.refused(L, &add_fact(&["--source", "orig"]), 1);
    assert!(r.stderr.contains("ledger repair"), "{r}");
    let r = env.ok(&["repair"]);
    insta::assert_snapshot!(r.to_string());
    assert_eq!(
        env.read(L),
        original,
        "repair must restore the newline only"
    );
    // The hidden `.test.jsonl.idx` is the derived index, not a side file.
    let side_files = std::fs::read_dir(env.path().join("ledger"))
        .unwrap()
        .filter(|e| {
            !e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with('.')
        })
        .count();
    assert_eq!(side_files, 1, "no side file for a complete entry");
    env.ok(&["verify"]);
}

#[test]
fn cite_check_compares_citations_with_the_archived_text() {
    let env = env_with_fact();
    // The fact cites paragraph 4, characters 0-12, quoting "Canada studi".
    env.write(
        "orig.txt",
        "Title\n\nBy line\n\nIntro.\n\nCanada studied reopening its embassy.\n",
    );
    let r = env.ok(&["cite-check", "orig", "orig.txt"]);
    insta::assert_snapshot!("cite_check_ok", r.to_string());
    env.write(
        "other.txt",
        "Title\n\nBy line\n\nIntro.\n\nCanada did not.\n",
    );
    let r = env.refused(L, &["cite-check", "orig", "other.txt"], 1);
    insta::assert_snapshot!("cite_check_mismatch", r.to_string());
    let r = env.refused(L, &["cite-check", "ghost", "orig.txt"], 2);
    assert!(r.stderr.contains("no source has the id `ghost`"), "{r}");
}

/// Errors a user can hit beyond the refusals above: each has a clear message,
/// exit code 2, and leaves the ledger byte-for-byte unchanged.
#[test]
fn usage_and_input_errors_leave_the_file_unchanged() {
    let mut env = env_with_fact();
    env.write(
        "genesis.jsonl",
        "{\"kind\":\"genesis\",\"body\":{\"title\":\"T\",\"created\":\"2026-01-02T03:04:05Z\"}}\n",
    );
    env.write("nokind.jsonl", "{\"body\":{}}\n");
    env.write(
        "latin1.jsonl",
        b"{\"kind\":\"fact\",\"body\":{\"statement\":\"caf\xe9\"}}\n",
    );
    env.write("latin1.txt", b"caf\xe9\n");
    let cases: &[&[&str]] = &[
        &["define", "actor", "Hanvoice", "--label", "HanVoice"],
        &["define", "topic", "Trade", "--label", "Trade"],
        &add_fact(&["--source", "orig", "--value", "null"]),
        &[
            "source",
            "add",
            "--id",
            "s9",
            "--title",
            "T",
            "--publisher",
            "P",
            "--file",
            "missing.txt",
        ],
        &["import", "missing.jsonl"],
        &["import", "genesis.jsonl"],
        &["import", "nokind.jsonl"],
        &["import", "latin1.jsonl"],
        &[
            "supersede",
            "emb",
            "--reason",
            "R",
            "--source",
            "orig",
            "--valid-from",
            "2019-13",
        ],
        &[
            "retract",
            "emb",
            "--reason",
            "erroneous",
            "--source",
            "ghost",
        ],
        &["show", "ghost"],
        &["log", "--subject", "ca-kp"],
        &["cite-check", "orig", "missing.txt"],
        &["cite-check", "orig", "latin1.txt"],
    ];
    let mut transcript = String::new();
    for args in cases {
        let r = env.refused(L, args, 2);
        assert!(!r.stderr.is_empty(), "{args:?} printed no error");
        transcript.push_str(&format!("$ ledger {}\n{}\n", args.join(" "), r.stderr));
    }
    env.set_now("2026-01-02 03:04:05");
    let args = add_fact(&["--source", "orig"]);
    let r = env.refused(L, &args, 2);
    transcript.push_str(&format!(
        "$ LEDGER_NOW='2026-01-02 03:04:05' ledger {}\n{}",
        args.join(" "),
        r.stderr
    ));
    insta::assert_snapshot!(transcript);
}
