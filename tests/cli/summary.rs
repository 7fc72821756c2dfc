//! The report on the bundled ledger, and the script that rebuilds that ledger.

use crate::util::{Env, bin, repo, shared};

fn bundled() -> String {
    repo()
        .join("ledger/canada-dprk.jsonl")
        .display()
        .to_string()
}

fn summary(args: &[&str]) -> String {
    let env = Env::new();
    let ledger = bundled();
    let mut all = vec!["--ledger", ledger.as_str(), "summary"];
    all.extend_from_slice(args);
    env.ok(&all).stdout
}

#[test]
fn bundled_ledger_verifies() {
    let env = Env::new();
    let r = env.ok(&["--ledger", &bundled(), "verify", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["ok"], true, "{r}");
}

#[test]
fn summary_markdown_by_year() {
    for year in ["2017", "2018", "2019"] {
        let out = summary(&["--as-of", &format!("{year}-12-31")]);
        insta::assert_snapshot!(format!("summary_markdown_{year}"), out);
    }
}

#[test]
fn summary_text_by_year() {
    for year in ["2017", "2018", "2019"] {
        let out = summary(&["--as-of", &format!("{year}-12-31"), "--format", "text"]);
        insta::assert_snapshot!(format!("summary_text_{year}"), out);
    }
}

#[test]
fn summary_json_by_year() {
    for year in ["2017", "2018", "2019"] {
        let out = summary(&["--as-of", &format!("{year}-12-31"), "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        insta::assert_json_snapshot!(format!("summary_json_{year}"), v);
    }
}

#[test]
fn summary_at_a_ledger_position() {
    // After entry 20 the ledger knew the sources and the first facts only.
    let out = summary(&["--as-of", "2019-12-31", "--at", "20"]);
    assert!(out.contains("up to entry 20 "), "{out}");
    insta::assert_snapshot!("summary_markdown_at_20", out);
}

#[test]
fn summary_is_deterministic_and_defaults_to_the_clock() {
    // LEDGER_NOW is 2026-01-02 in tests: the default --as-of is that day.
    let a = summary(&[]);
    let b = summary(&["--as-of", "2026-01-02"]);
    assert_eq!(a, b);
    assert_eq!(a, summary(&[]));
}

#[test]
fn every_statement_in_the_report_cites_a_source() {
    let out = summary(&["--as-of", "2019-12-31", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mut facts: Vec<&serde_json::Value> = Vec::new();
    for t in v["topics"].as_array().unwrap() {
        facts.extend(t["facts"].as_array().unwrap());
    }
    facts.extend(v["context"].as_array().unwrap());
    facts.extend(v["timeline"].as_array().unwrap().iter().map(|t| &t["fact"]));
    assert!(facts.len() > 20);
    for f in facts {
        let cites = f["citations"].as_array().unwrap();
        assert!(!cites.is_empty(), "{f}");
        for c in cites {
            assert!(c["n"].as_u64().unwrap() >= 1, "{f}");
        }
    }
    assert!(!v["discrepancies"].as_array().unwrap().is_empty());
}

#[test]
fn summary_refuses_bad_options() {
    let env = Env::new();
    let ledger = bundled();
    let r = env.run(&["--ledger", &ledger, "summary", "--at", "100000"]);
    assert_eq!(r.code, 2, "{r}");
    let r2 = env.run(&["--ledger", &ledger, "summary", "--as-of", "2019-02-30"]);
    assert_eq!(r2.code, 2, "{r2}");
    let r3 = env.run(&["--ledger", &ledger, "summary", "--subject", "CA-ZZ"]);
    assert_eq!(r3.code, 2, "{r3}");
    insta::assert_snapshot!(format!("{r}\n{r2}\n{r3}"));
}

/// Reads ../shared/seeds (the script archives the texts and locates every
/// quote in them); skipped when ../shared is absent. The script also signs
/// the bundled checkpoint with the bundled TEST key, which must come out the
/// same.
#[test]
fn build_script_reproduces_the_bundled_ledger() {
    let Some(shared) = shared() else {
        eprintln!("skipped: ../shared not found (the rebuild needs ../shared/seeds)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rebuilt.jsonl");
    let checkpoint = dir.path().join("rebuilt.checkpoint");
    let status = std::process::Command::new("bash")
        .arg(repo().join("scripts/build-canada-dprk.sh"))
        .current_dir(repo())
        .env("LEDGER_BIN", bin())
        .env("OUT", &out)
        .env("CHECKPOINT", &checkpoint)
        .env("SEEDS", shared.join("seeds"))
        .env("ARCHIVE", dir.path().join("archive"))
        .status()
        .expect("run the build script");
    assert!(status.success());
    let rebuilt = std::fs::read(&out).unwrap();
    let committed = std::fs::read(repo().join("ledger/canada-dprk.jsonl")).unwrap();
    assert!(
        rebuilt == committed,
        "scripts/build-canada-dprk.sh no longer reproduces ledger/canada-dprk.jsonl; rerun it and commit the result"
    );
    // Ed25519 is deterministic: the TEST key signs the same checkpoint again.
    assert!(
        std::fs::read(&checkpoint).unwrap()
            == std::fs::read(repo().join("ledger/canada-dprk.checkpoint")).unwrap(),
        "scripts/build-canada-dprk.sh no longer reproduces ledger/canada-dprk.checkpoint; rerun it and commit the result"
    );
}

/// A generated ledger of a few hundred entries, reported in every format:
/// the report's bytes are pinned for ledgers with every kind of entry (facts
/// with values, attributions and quotes, supersessions, retractions,
/// disputes, translations), not only for the bundled one.
#[test]
fn generated_ledger_reports_in_every_format() {
    use std::io::Write;
    let env = Env::new();
    let dir = env.path().join("ledger");
    std::fs::create_dir_all(&dir).unwrap();
    let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join("gen.jsonl")).unwrap());
    ledger::synthetic::write_ledger(&mut f, 150, 4, crate::util::NOW).unwrap();
    f.flush().unwrap();
    drop(f);
    let cases: [(&str, &[&str]); 9] = [
        ("markdown", &["--subject", "CA-KP"]),
        ("markdown_quotes", &["--subject", "CA-KP", "--quotes"]),
        ("text", &["--subject", "CA-KP", "--format", "text"]),
        ("text_quotes", &["--format", "text", "--quotes"]),
        ("json", &["--subject", "CA-KP", "--format", "json"]),
        ("html", &["--subject", "CA-KP", "--format", "html"]),
        (
            "markdown_actor_past",
            &["--subject", "KP", "--as-of", "2019-06-30"],
        ),
        ("markdown_at_topic", &["--at", "100", "--topic", "embassy"]),
        ("text_2016", &["--as-of", "2016-12-31", "--format", "text"]),
    ];
    for (name, args) in cases {
        let mut all = vec!["--ledger", "ledger/gen.jsonl", "summary"];
        all.extend_from_slice(args);
        let out = env.ok(&all).stdout;
        insta::assert_snapshot!(format!("generated_{name}"), out);
    }
}
