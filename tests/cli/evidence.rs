//! Evidence: the archive of source texts, `locate`, citations located and
//! checked at write time, `cite-check` and `verify --citations`, and the
//! cited words shown by `show --evidence`, `summary --quotes` and the
//! side-by-side view of a dispute between a derived source and its original.
//!
//! The texts here are written for these tests (no seed text is copied).

use crate::fixture::{append, cite, fact, ledger_path};
use crate::util::Env;
use ledger::entry::{Body, Citation, Modality};
use serde_json::Value;

const L: &str = "ledger/test.jsonl";

/// The original: curly quotes and apostrophes, an em dash, a line break
/// inside paragraph 2, a phrase that occurs twice (paragraph 3).
const ORIG: &str = "Ministry notes, 2019.\n\nThe minister said the talks were “useful” — and that Canada’s embassy\nwould stay closed for now.\n\nOfficials were studying whether to reopen the embassy. Officials were\nstudying the costs too.\n\nA later memo said the embassy’s reopening was “not planned”.\n";

/// A text derived from it that goes further.
const TRANSL: &str =
    "Notes of the ministry.\n\nThe minister says Canada is ready to reopen the embassy soon.\n";

fn source_add(env: &Env, id: &str, file: Option<&str>, extra: &[&str]) {
    let mut args = vec![
        "source",
        "add",
        "--id",
        id,
        "--title",
        "T",
        "--publisher",
        "P",
    ];
    if let Some(f) = file {
        args.extend(["--file", f]);
    }
    args.extend_from_slice(extra);
    env.ok(&args);
}

/// A ledger with `orig` (archived), `transl` (archived, a translation of
/// `orig`) and `notext` (no archived text).
fn project() -> Env {
    let env = Env::new();
    env.init();
    env.write("orig.txt", ORIG);
    env.write("transl.txt", TRANSL);
    source_add(&env, "orig", Some("orig.txt"), &[]);
    source_add(
        &env,
        "transl",
        Some("transl.txt"),
        &["--derived-from", "orig", "--derivation", "translation"],
    );
    source_add(&env, "notext", None, &[]);
    env
}

fn add<'a>(id: &'a str, cite: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec![
        "add",
        "--id",
        id,
        "--subject",
        "CA-KP",
        "--topic",
        "embassy",
        "--statement",
        "Canada studied reopening its embassy.",
        "--modality",
        "considered",
    ];
    a.extend_from_slice(cite);
    a
}

/// The last line of the ledger as JSON.
fn last(env: &Env) -> Value {
    let bytes = env.read(L);
    let text = String::from_utf8(bytes).unwrap();
    serde_json::from_str(text.lines().last().unwrap()).unwrap()
}

fn archive_file(_env: &Env, text: &str) -> String {
    format!(
        "ledger/sources/{}.txt",
        ledger::hash::sha256(text.as_bytes()).to_hex()
    )
}

#[test]
fn source_add_archives_its_text_by_content() {
    let env = project();
    assert_eq!(env.read(&archive_file(&env, ORIG)), ORIG.as_bytes());
    assert_eq!(env.read(&archive_file(&env, TRANSL)), TRANSL.as_bytes());
    // The same text again: the existing copy is kept.
    env.write("again.txt", ORIG);
    let r = env.ok(&[
        "source",
        "add",
        "--id",
        "again",
        "--title",
        "T",
        "--publisher",
        "P",
        "--file",
        "again.txt",
    ]);
    assert!(
        r.stdout
            .contains("already archived its text as ledger/sources/"),
        "{r}"
    );
    // An altered copy under the content address is refused, not overwritten.
    env.write(&archive_file(&env, ORIG), "tampered\n");
    let r = env.refused(
        L,
        &[
            "source",
            "add",
            "--id",
            "third",
            "--title",
            "T",
            "--publisher",
            "P",
            "--file",
            "orig.txt",
        ],
        2,
    );
    insta::assert_snapshot!("source_add_altered_archive", r.to_string());
    assert_eq!(env.read(&archive_file(&env, ORIG)), b"tampered\n");
    // --archive puts it elsewhere.
    env.ok(&[
        "--archive",
        "elsewhere",
        "source",
        "add",
        "--id",
        "fourth",
        "--title",
        "T",
        "--publisher",
        "P",
        "--file",
        "transl.txt",
    ]);
    let name = archive_file(&env, TRANSL).replace("ledger/sources/", "elsewhere/");
    assert_eq!(env.read(&name), TRANSL.as_bytes());
}

#[test]
fn locate_prints_the_locator_and_the_marked_paragraph() {
    let env = project();
    // Straight quotes, a hyphen for the em dash, one space for the line break.
    let r = env.ok(&[
        "locate",
        "orig",
        "were \"useful\" - and that Canada's embassy would stay",
    ]);
    insta::assert_snapshot!("locate_found", r.to_string());
    let r = env.ok(&["locate", "orig", "not planned", "--format", "json"]);
    insta::assert_snapshot!("locate_found_json", r.stdout);
}

#[test]
fn locate_reports_nearest_candidates_and_several_matches() {
    let env = project();
    let r = env.refused(
        L,
        &["locate", "orig", "studying wether to re-open the embassy"],
        1,
    );
    insta::assert_snapshot!("locate_no_match", r.to_string());
    let r = env.refused(L, &["locate", "orig", "Officials were"], 1);
    insta::assert_snapshot!("locate_several", r.to_string());
    let r = env.refused(L, &["locate", "orig", "zebra crossing"], 1);
    assert!(r.stdout.contains("no passage comes close"), "{r}");
    let r = env.refused(L, &["locate", "notext", "anything"], 2);
    assert!(r.stderr.contains("records no archived text"), "{r}");
    let r = env.refused(
        L,
        &["locate", "notext", "talks were", "--file", "orig.txt"],
        0,
    );
    assert!(r.stdout.starts_with("p2:22-32 "), "{r}");
    let r = env.refused(L, &["locate", "orig", "x", "--file", "transl.txt"], 2);
    assert!(
        r.stderr.contains("is not the archived text of `orig`"),
        "{r}"
    );
}

#[test]
fn add_with_a_quote_stores_its_paragraph_span_and_exact_characters() {
    let env = project();
    env.ok(&add(
        "emb",
        &["--source", "orig", "--quote", "Canada's embassy"],
    ));
    let c = &last(&env)["body"]["citations"][0];
    assert_eq!(c["paragraph"], 2);
    assert_eq!(c["span"], serde_json::json!([53, 69]));
    assert_eq!(c["quote"], "Canada’s embassy");
    // A quote and its paragraph: the span is filled in.
    env.ok(&add(
        "emb2",
        &[
            "--source",
            "orig",
            "--locator",
            "p3",
            "--quote",
            "studying the costs",
        ],
    ));
    let c = &last(&env)["body"]["citations"][0];
    assert_eq!(
        (c["paragraph"].clone(), c["span"].clone()),
        (3.into(), serde_json::json!([70, 88]))
    );
    // A correct locator and quote are accepted as given, stored exactly.
    env.ok(&add(
        "emb3",
        &[
            "--source",
            "orig",
            "--locator",
            "p4:46-59",
            "--quote",
            "\"not planned\"",
        ],
    ));
    assert_eq!(last(&env)["body"]["citations"][0]["quote"], "“not planned”");
    env.ok(&["verify", "--citations"]);
}

#[test]
fn add_refuses_a_quote_the_archive_does_not_hold_and_a_wrong_locator() {
    let env = project();
    let r = env.refused(
        L,
        &add(
            "x",
            &[
                "--source",
                "orig",
                "--quote",
                "Canada’s embassy would stay open",
            ],
        ),
        2,
    );
    insta::assert_snapshot!("add_quote_not_in_archive", r.to_string());
    let r = env.refused(
        L,
        &add(
            "x",
            &[
                "--source",
                "orig",
                "--locator",
                "p3:0-9",
                "--quote",
                "Canada’s embassy",
            ],
        ),
        2,
    );
    insta::assert_snapshot!("add_wrong_locator", r.to_string());
    let r = env.refused(
        L,
        &add(
            "x",
            &[
                "--source",
                "orig",
                "--locator",
                "p1",
                "--quote",
                "not planned",
            ],
        ),
        2,
    );
    assert!(
        r.stderr
            .contains("not in paragraph 1 of source `orig`; the quote occurs at p4:47-58"),
        "{r}"
    );
    assert!(r.stderr.contains("use --locator p4:47-58"), "{r}");
    let r = env.refused(
        L,
        &add("x", &["--source", "orig", "--quote", "Officials were"]),
        2,
    );
    insta::assert_snapshot!("add_quote_ambiguous", r.to_string());
    let r = env.refused(L, &add("x", &["--source", "orig", "--locator", "p9"]), 2);
    assert!(
        r.stderr.contains(
            "paragraph 9 of source `orig` does not exist: its archived text has 4 paragraphs"
        ),
        "{r}"
    );
    let r = env.refused(
        L,
        &add("x", &["--source", "orig", "--locator", "p1:0-99"]),
        2,
    );
    assert!(
        r.stderr
            .contains("span 0-99 runs past the end of paragraph 1"),
        "{r}"
    );
    let r = env.refused(L, &add("x", &["--source", "orig", "--quote", "  "]), 2);
    assert!(r.stderr.contains("empty"), "{r}");
}

#[test]
fn dispute_supersede_and_import_locate_and_check_their_quotes() {
    let env = project();
    env.ok(&add(
        "emb",
        &[
            "--source",
            "orig",
            "--quote",
            "studying whether to reopen the embassy",
        ],
    ));
    env.ok(&[
        "dispute",
        "emb",
        "--source",
        "transl",
        "--quote",
        "ready to reopen the embassy",
        "--difference",
        "overstates",
        "--statement",
        "Says Canada is ready to reopen it.",
    ]);
    assert_eq!(
        last(&env)["body"]["citation"]["span"],
        serde_json::json!([28, 55])
    );
    let r = env.refused(
        L,
        &[
            "dispute",
            "emb",
            "--source",
            "transl",
            "--quote",
            "ready to close",
            "--statement",
            "S.",
        ],
        2,
    );
    assert!(
        r.stderr
            .contains("does not occur in the archived text of source `transl`"),
        "{r}"
    );
    let r = env.refused(
        L,
        &[
            "supersede",
            "emb",
            "--reason",
            "r",
            "--source",
            "orig",
            "--locator",
            "p2:0-3",
            "--quote",
            "useful",
        ],
        2,
    );
    assert!(r.stderr.contains("the quote occurs at p2:34-40"), "{r}");
    env.ok(&[
        "supersede",
        "emb",
        "--reason",
        "r",
        "--id",
        "emb-v2",
        "--source",
        "orig",
        "--quote",
        "useful",
    ]);
    assert_eq!(
        last(&env)["body"]["fact"]["citations"][0]["quote"],
        "useful"
    );
    // import: each line checked; the refusal names its line.
    env.write(
        "batch.jsonl",
        concat!(
            r#"{"kind":"fact","body":{"citations":[{"source":"orig","quote":"the talks were"}],"id":"i1","modality":"reported","statement":"S.","subject":"CA-KP","topic":"embassy"}}"#,
            "\n",
            r#"{"kind":"fact","body":{"citations":[{"source":"orig","paragraph":1,"quote":"the talks were"}],"id":"i2","modality":"reported","statement":"S.","subject":"CA-KP","topic":"embassy"}}"#,
            "\n"
        ),
    );
    let r = env.refused(L, &["import", "batch.jsonl"], 2);
    insta::assert_snapshot!("import_wrong_paragraph", r.to_string());
    env.write(
        "batch.jsonl",
        concat!(
            r#"{"kind":"source","body":{"id":"again","publisher":"P","sha256":"SHA","title":"T","type":"news-article"}}"#,
            "\n",
            r#"{"kind":"fact","body":{"citations":[{"source":"again","quote":"Canada's embassy"}],"id":"i1","modality":"reported","statement":"S.","subject":"CA-KP","topic":"embassy"}}"#,
            "\n"
        )
        .replace("SHA", &ledger::hash::sha256(ORIG.as_bytes()).to_hex()),
    );
    env.ok(&["import", "batch.jsonl"]);
    assert_eq!(
        last(&env)["body"]["citations"][0]["quote"],
        "Canada’s embassy"
    );
}

#[test]
fn a_source_without_an_archived_text_keeps_todays_behaviour_and_says_so_once() {
    let env = project();
    let r = env.ok(&add(
        "emb",
        &[
            "--source",
            "notext",
            "--locator",
            "p7:0-4",
            "--quote",
            "made",
            "--source",
            "notext",
            "--locator",
            "p1",
        ],
    ));
    assert_eq!(
        r.stderr,
        "note: source `notext` has no archived text, so its citations are stored as given and cannot be checked\n"
    );
    let c = &last(&env)["body"]["citations"];
    assert_eq!(c[0]["quote"], "made");
    assert_eq!(c[0]["span"], serde_json::json!([0, 4]));
    // No locator or quote: nothing to check, nothing said.
    let r = env.ok(&add("emb2", &["--source", "notext"]));
    assert_eq!(r.stderr, "");
}

#[test]
fn a_missing_archived_text_is_reported_by_name_and_hash() {
    let env = project();
    std::fs::remove_file(env.path().join(archive_file(&env, ORIG))).unwrap();
    let r = env.refused(L, &add("x", &["--source", "orig", "--quote", "useful"]), 2);
    insta::assert_snapshot!("add_archive_missing", r.to_string());
    let r = env.refused(L, &["cite-check", "orig"], 1);
    assert!(
        r.stdout.contains(
            "error[archive]: line 2 (seq 1): the archived text of source `orig` is missing"
        ),
        "{r}"
    );
    let r = env.refused(L, &["verify", "--citations"], 1);
    assert!(r.stdout.contains("citations FAILED: 1 problem"), "{r}");
    let r = env.refused(L, &["locate", "orig", "useful"], 2);
    assert!(
        r.stderr
            .contains(&ledger::hash::sha256(ORIG.as_bytes()).to_hex()),
        "{r}"
    );
}

/// A ledger whose citations were written without checks (by an earlier
/// version, or by hand): `good` matches the text, `bad` does not.
fn legacy(env: &Env) {
    let path = ledger_path(env);
    let cite_at = |paragraph, span, quote: &str| Citation {
        paragraph: Some(paragraph),
        span: Some(span),
        quote: Some(quote.into()),
        ..cite("orig")
    };
    append(
        &path,
        vec![
            Body::Fact(fact(
                "good",
                "CA-KP",
                "embassy",
                "Officials studied reopening the embassy.",
                Modality::Considered,
                vec![cite_at(
                    3,
                    [15, 53],
                    "studying whether to reopen the embassy",
                )],
            )),
            Body::Fact(fact(
                "bad",
                "CA-KP",
                "embassy",
                "The memo said reopening was not planned.",
                Modality::Reported,
                vec![cite_at(3, [0, 11], "not planned")],
            )),
        ],
    );
}

#[test]
fn cite_check_goes_green_once_the_bad_fact_is_retracted() {
    let env = project();
    legacy(&env);
    env.ok(&[
        "dispute",
        "good",
        "--source",
        "transl",
        "--quote",
        "ready to reopen",
        "--statement",
        "S.",
    ]);
    let r = env.refused(L, &["cite-check"], 1);
    insta::assert_snapshot!("cite_check_live_failure", r.to_string());
    let r = env.refused(L, &["verify", "--citations"], 1);
    assert!(
        r.stdout
            .contains("error[citation]: line 6 (seq 5): fact `bad`"),
        "{r}"
    );
    env.ok(&["retract", "bad", "--reason", "erroneous"]);
    let r = env.ok(&["cite-check"]);
    insta::assert_snapshot!("cite_check_history_only", r.to_string());
    let r = env.ok(&["cite-check", "orig", "--format", "json"]);
    insta::assert_snapshot!("cite_check_history_json", r.stdout);
    env.ok(&["verify", "--citations"]);
}

#[test]
fn one_changed_character_in_a_cited_span_fails_cite_check_and_verify_citations() {
    let env = project();
    env.ok(&add(
        "emb",
        &["--source", "orig", "--quote", "studying whether to reopen"],
    ));
    env.ok(&[
        "dispute",
        "emb",
        "--source",
        "transl",
        "--quote",
        "ready to reopen",
        "--statement",
        "S.",
    ]);
    env.ok(&["cite-check"]);
    env.ok(&["verify", "--citations"]);
    // One character inside the fact's span (`whether` -> `whither`).
    env.write(
        &archive_file(&env, ORIG),
        ORIG.replace("whether", "whither"),
    );
    let r = env.refused(L, &["cite-check"], 1);
    insta::assert_snapshot!("cite_check_altered_span", r.to_string());
    let r = env.refused(L, &["verify", "--citations"], 1);
    insta::assert_snapshot!("verify_citations_altered_span", r.to_string());
    let r = env.refused(L, &["verify", "--citations", "--format", "json"], 1);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["ok"], false);
    let kinds: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["archive", "citation"]);
    assert_eq!(v["errors"][1]["line"], 5);
    let r = env.refused(L, &["verify", "--citations", "--format", "github"], 1);
    assert!(r.stdout.contains("::error file=ledger/test.jsonl,line=5,title=ledger verify%3A citation::line 5 (seq 4): fact `emb`"), "{r}");
    // `--max-errors` holds for citation problems too: all counted, the
    // first N shown, 0 shows none.
    let r = env.refused(L, &["verify", "--citations", "--max-errors", "1"], 1);
    assert!(r.stdout.contains("error[archive]"), "{r}");
    assert!(!r.stdout.contains("error[citation]"), "{r}");
    assert!(
        r.stdout.contains(
            "citations FAILED: 2 problems (first 1 shown; --max-errors N shows more); 2 citations"
        ),
        "{r}"
    );
    for n in ["0", "1"] {
        let r = env.refused(
            L,
            &[
                "verify",
                "--citations",
                "--max-errors",
                n,
                "--format",
                "json",
            ],
            1,
        );
        let v: Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(v["error_count"], 2, "{r}");
        assert_eq!(v["errors"].as_array().unwrap().len().to_string(), n, "{r}");
    }
    let r = env.refused(
        L,
        &[
            "verify",
            "--citations",
            "--max-errors",
            "0",
            "--format",
            "github",
        ],
        1,
    );
    assert!(!r.stdout.contains("::error"), "{r}");
    assert!(
        r.stdout.contains(
            "citations FAILED: 2 problems (none shown; --max-errors N shows the first N); 2 citations"
        ),
        "{r}"
    );
    // The same change in a copy given by hand names the fact too.
    env.write("copy.txt", ORIG.replace("whether", "whither"));
    let r = env.refused(L, &["cite-check", "orig", "copy.txt"], 1);
    assert!(r.stdout.contains("line 5 (seq 4): fact `emb`"), "{r}");
}

#[test]
fn cite_check_names_disputes_and_says_where_a_quote_occurs() {
    let env = project();
    let path = ledger_path(&env);
    env.ok(&add("emb", &["--source", "orig", "--quote", "useful"]));
    append(
        &path,
        vec![Body::Dispute(ledger::entry::Dispute {
            target: "emb".into(),
            difference: ledger::entry::Difference::Overstates,
            statement: "S.".into(),
            citation: Citation {
                paragraph: Some(1),
                span: Some([0, 15]),
                quote: Some("ready to reopen".into()),
                ..cite("transl")
            },
            note: None,
        })],
    );
    let r = env.refused(L, &["cite-check", "transl"], 1);
    insta::assert_snapshot!("cite_check_dispute_elsewhere", r.to_string());
    assert!(r.stdout.contains("dispute of `emb`"), "{r}");
    assert!(!r.stdout.contains("fact `emb`"), "{r}");
}

#[test]
fn show_evidence_and_the_side_by_side_view_of_a_derived_dispute() {
    let env = project();
    env.ok(&add(
        "emb",
        &[
            "--source",
            "orig",
            "--quote",
            "studying whether to reopen the embassy",
            "--source",
            "notext",
            "--locator",
            "p2",
        ],
    ));
    env.ok(&[
        "dispute",
        "emb",
        "--source",
        "transl",
        "--quote",
        "ready to reopen the embassy",
        "--difference",
        "overstates",
        "--statement",
        "Says Canada is ready to reopen it.",
    ]);
    let r = env.ok(&["show", "emb"]);
    insta::assert_snapshot!("show_side_by_side", r.stdout);
    let r = env.ok(&["show", "emb", "--evidence"]);
    insta::assert_snapshot!("show_evidence", r.stdout);
    let r = env.ok(&["show", "emb", "--evidence", "--format", "json"]);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["evidence"][0]["marked"], serde_json::json!([15, 53]));
    assert_eq!(v["evidence"][2]["holder"], "dispute at seq 5");
    let r = env.refused(L, &["show", "orig", "--evidence"], 2);
    assert!(
        r.stderr.contains("--evidence shows the evidence of a fact"),
        "{r}"
    );
    let md = env.ok(&["summary", "--subject", "CA-KP", "--as-of", "2026"]);
    insta::assert_snapshot!("summary_side_by_side", md.stdout);
    let q = env.ok(&[
        "summary",
        "--subject",
        "CA-KP",
        "--as-of",
        "2026",
        "--quotes",
        "--format",
        "text",
    ]);
    insta::assert_snapshot!("summary_quotes_text", q.stdout);
    let q = env.ok(&[
        "summary",
        "--subject",
        "CA-KP",
        "--as-of",
        "2026",
        "--quotes",
    ]);
    assert!(
        q.stdout
            .contains("  <br>[1 ¶3] “studying whether to reopen the embassy”\n"),
        "{}",
        q.stdout
    );
    let j = env.ok(&[
        "summary",
        "--subject",
        "CA-KP",
        "--as-of",
        "2026",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&j.stdout).unwrap();
    let sb = &v["discrepancies"][0]["side_by_side"];
    assert_eq!(sb["relation"], "translation of [1]");
    assert_eq!(
        sb["original"][0]["quote"],
        "studying whether to reopen the embassy"
    );
    assert_eq!(sb["derived"][0]["quote"], "ready to reopen the embassy");
}

/// A write citing more sources than it looks up one by one reads them all
/// in one pass: the result is the same.
#[test]
fn an_import_citing_many_sources_checks_each() {
    let env = Env::new();
    env.init();
    let mut batch = String::new();
    for i in 0..7 {
        env.write(
            &format!("t{i}.txt"),
            format!("Title {i}.\n\nText number {i} says “yes”.\n"),
        );
        source_add(&env, &format!("s{i}"), Some(&format!("t{i}.txt")), &[]);
        batch.push_str(&format!(
            r#"{{"kind":"fact","body":{{"citations":[{{"source":"s{i}","quote":"number {i} says \"yes\""}}],"id":"f-{i}","modality":"reported","statement":"S.","subject":"CA-KP","topic":"embassy"}}}}"#
        ));
        batch.push('\n');
    }
    env.write("batch.jsonl", &batch);
    env.ok(&["import", "batch.jsonl"]);
    let text = String::from_utf8(env.read(L)).unwrap();
    let last: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(last["body"]["citations"][0]["quote"], "number 6 says “yes”");
    assert_eq!(
        last["body"]["citations"][0]["span"],
        serde_json::json!([5, 24])
    );
    env.write("batch.jsonl", batch.replace("number 6", "number 7"));
    let r = env.refused(L, &["import", "batch.jsonl"], 2);
    assert!(r.stderr.contains("batch.jsonl:7: the quote “number 7 says \"yes\"” does not occur in the archived text of source `s6`"), "{r}");
    env.ok(&["verify", "--citations"]);
}

/// No archive is made for a ledger that does not exist.
#[test]
fn source_add_without_a_ledger_archives_nothing() {
    let env = Env::new();
    env.write("orig.txt", ORIG);
    let r = env.run(&[
        "--ledger",
        "nope/x.jsonl",
        "source",
        "add",
        "--id",
        "a",
        "--title",
        "T",
        "--publisher",
        "P",
        "--file",
        "orig.txt",
    ]);
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("no such ledger"), "{r}");
    assert!(!env.path().join("nope").exists());
}

/// Text from an archived source, and ledger text quoting it, is shown
/// escaped: an escape sequence in a source's text or in a stored quote never
/// reaches the terminal from `locate`, `show --evidence` or `cite-check`.
#[test]
fn archived_and_quoted_text_is_shown_escaped() {
    let env = Env::new();
    env.init();
    let evil = "Intro.\n\nThe title \u{1b}]0;pwned\u{7} was set and the screen\u{1b}[2J cleared.\n";
    env.write("evil.txt", evil);
    source_add(&env, "evil", Some("evil.txt"), &[]);
    let path = ledger_path(&env);
    append(
        &path,
        vec![Body::Fact(fact(
            "f",
            "CA-KP",
            "embassy",
            "S.",
            Modality::Reported,
            vec![Citation {
                paragraph: Some(2),
                span: Some([0, 9]),
                quote: Some("The \u{1b}[2Jtitle".into()),
                ..cite("evil")
            }],
        ))],
    );
    for args in [
        vec!["locate", "evil", "was set"],
        vec!["locate", "evil", "the screen cleared"],
        vec!["locate", "evil", "title"],
        vec!["show", "f", "--evidence"],
        vec!["cite-check"],
        vec!["verify", "--citations"],
    ] {
        let r = env.run(&args);
        assert!(
            !r.stdout.contains('\u{1b}') && !r.stderr.contains('\u{1b}'),
            "{args:?} printed an escape character:\n{r}"
        );
        assert!(r.stdout.contains("\\u{1b}"), "{args:?}:\n{r}");
    }
}

/// A quote is one line: a passage that crosses a line break of the archived
/// text is refused with its locator, and can be cited by its span alone.
#[test]
fn a_passage_across_a_line_break_is_cited_by_its_span() {
    let env = project();
    let r = env.refused(
        L,
        &add("x", &["--source", "orig", "--quote", "embassy would stay"]),
        2,
    );
    insta::assert_snapshot!("add_quote_across_a_line_break", r.to_string());
    let r = env.refused(
        L,
        &add(
            "x",
            &[
                "--source",
                "orig",
                "--locator",
                "p2:62-80",
                "--quote",
                "embassy would stay",
            ],
        ),
        2,
    );
    assert!(r.stderr.contains("crosses a line break"), "{r}");
    env.ok(&add("x", &["--source", "orig", "--locator", "p2:62-80"]));
    env.ok(&add(
        "y",
        &["--source", "orig", "--quote", "would stay closed"],
    ));
    env.ok(&["cite-check"]);
}

/// A later edition of the translation: "ready to reopen" is gone.
const TRANSL2: &str =
    "Notes of the ministry.\n\nThe minister says Canada may reopen the embassy one day.\n";

/// `source amend --file` keeps the corrected text in the archive, and from
/// then on the source's citations are located and checked against that text:
/// by writers (through the index, and without it), by `locate`, and by
/// `cite-check` and `verify --citations`. An amendment that removes the text
/// leaves citations as given again.
#[test]
fn an_amended_text_is_archived_and_citations_are_checked_against_it() {
    let env = project();
    env.ok(&add(
        "emb",
        &["--source", "orig", "--quote", "studying whether to reopen"],
    ));
    env.ok(&[
        "dispute",
        "emb",
        "--source",
        "transl",
        "--quote",
        "ready to reopen",
        "--statement",
        "S.",
    ]);
    env.write("transl2.txt", TRANSL2);
    let r = env.ok(&[
        "source",
        "amend",
        "tra",
        "--reason",
        "the archived copy was of another edition",
        "--file",
        "transl2.txt",
    ]);
    let archived = archive_file(&env, TRANSL2);
    assert!(
        r.stdout
            .contains(&format!("archived its text as {archived}")),
        "{r}"
    );
    assert_eq!(env.read(&archived), TRANSL2.as_bytes());
    let e = last(&env);
    assert_eq!(
        (e["kind"].as_str(), e["format"].as_u64()),
        (Some("amend"), Some(2))
    );
    let sha = ledger::hash::sha256(TRANSL2.as_bytes()).to_hex();
    assert_eq!(e["body"]["set"]["sha256"], sha.as_str());

    // Writers check against the new text, with the index and without it.
    for without_index in [false, true] {
        if without_index {
            std::fs::remove_file(env.path().join("ledger/.test.jsonl.idx")).expect("index");
        }
        let r = env.refused(
            L,
            &add(
                "gone",
                &["--source", "transl", "--quote", "ready to reopen"],
            ),
            2,
        );
        assert!(
            r.stderr
                .contains("does not occur in the archived text of source `transl`"),
            "{r}"
        );
    }
    env.ok(&add(
        "may",
        &["--source", "transl", "--quote", "may reopen the embassy"],
    ));
    assert_eq!(
        last(&env)["body"]["citations"][0],
        serde_json::json!({"paragraph": 2, "quote": "may reopen the embassy",
                           "source": "transl", "span": [25, 47]})
    );
    // An import that amends the text checks its later citations against the
    // text it names.
    env.write(&archive_file(&env, TRANSL), TRANSL);
    env.write(
        "batch.jsonl",
        format!(
            "{}\n{}\n",
            serde_json::json!({"kind": "amend", "body": {"target": "transl", "reason": "back to the first edition",
                "set": {"sha256": ledger::hash::sha256(TRANSL.as_bytes()).to_hex()}}}),
            serde_json::json!({"kind": "fact", "body": {"id": "ready", "subject": "CA-KP", "topic": "embassy",
                "statement": "S.", "modality": "reported",
                "citations": [{"source": "transl", "quote": "ready to reopen"}]}}),
        ),
    );
    env.ok(&["import", "batch.jsonl"]);
    assert_eq!(
        last(&env)["body"]["citations"][0]["span"],
        serde_json::json!([28, 43])
    );
    env.ok(&[
        "source",
        "amend",
        "transl",
        "--reason",
        "r",
        "--file",
        "transl2.txt",
    ]);

    // Readers: locate searches the current text.
    env.ok(&["locate", "transl", "may reopen"]);
    let r = env.refused(L, &["locate", "tr", "ready to reopen"], 1);
    assert!(r.stdout.starts_with("no match:"), "{r}");
    // cite-check and verify --citations: the dispute and the imported fact
    // quote the first edition, which the source no longer records.
    let r = env.refused(L, &["cite-check", "transl"], 1);
    assert!(r.stdout.contains("dispute of `emb`"), "{r}");
    assert!(r.stdout.contains("fact `ready`"), "{r}");
    let r = env.refused(L, &["cite-check", "transl", "--format", "json"], 1);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(v["recorded_sha256"], sha.as_str());
    env.refused(L, &["verify", "--citations"], 1);

    // Without an archived text, citations are stored as given again.
    env.ok(&[
        "source", "amend", "transl", "--reason", "r", "--unset", "file",
    ]);
    let r = env.ok(&add(
        "as-given",
        &["--source", "transl", "--quote", "not in it"],
    ));
    assert!(
        r.stderr.contains("source `transl` has no archived text"),
        "{r}"
    );
    assert_eq!(
        last(&env)["body"]["citations"][0],
        serde_json::json!({"quote": "not in it", "source": "transl"})
    );
}
