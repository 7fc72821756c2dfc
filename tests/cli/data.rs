//! Data honesty of the bundled ledger `ledger/canada-dprk.jsonl`: every citation
//! points into the archived text of its source, and every quote is verbatim.
//!
//! The archived texts live outside the repository, in `../shared/seeds/`
//! (relative to the crate root). A source entry records the SHA-256 of its text,
//! which is how a source is matched to a seed file; `ledger cite-check` then
//! checks each of its citations. When the seeds directory is absent the tests
//! print a notice and pass: there is nothing to check against.

use crate::util::{Env, repo, shared};
use ledger::hash::sha256;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The bundled ledger these tests check.
const BUNDLED: &str = "ledger/canada-dprk.jsonl";

/// Quotes are short excerpts, never whole passages of a source.
const MAX_QUOTE_CHARS: usize = 200;

/// The seed files, keyed by the lowercase hex SHA-256 of their bytes; `None`
/// (after a notice) when `../shared/seeds` is absent.
fn seeds() -> Option<BTreeMap<String, PathBuf>> {
    let Some(dir) = shared().map(|s| s.join("seeds")).filter(|d| d.is_dir()) else {
        eprintln!("skipped: ../shared/seeds not found");
        return None;
    };
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).expect("read the seeds directory") {
        let path = entry.expect("seeds directory entry").path();
        if path.is_file() {
            let bytes = std::fs::read(&path).expect("read a seed file");
            out.insert(sha256(&bytes).to_hex(), path);
        }
    }
    Some(out)
}

/// The entries of the bundled ledger as JSON values.
fn bundled_entries() -> Vec<Value> {
    let text = std::fs::read_to_string(repo().join(BUNDLED)).expect("read the bundled ledger");
    text.lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

#[test]
fn bundled_ledger_citations_match_the_archived_texts() {
    let Some(seeds) = seeds() else { return };
    let env = Env::new();
    let ledger = repo().join(BUNDLED).display().to_string();
    let mut checked = 0;
    for e in bundled_entries().iter().filter(|e| e["kind"] == "source") {
        let id = e["body"]["id"].as_str().expect("source id");
        let h = e["body"]["sha256"]
            .as_str()
            .unwrap_or_else(|| panic!("source `{id}` records no sha256"));
        let file = seeds.get(h).unwrap_or_else(|| {
            panic!("source `{id}`: sha256 {h} matches no file in ../shared/seeds")
        });
        let r = env.run(&[
            "--ledger",
            &ledger,
            "cite-check",
            id,
            &file.display().to_string(),
            "--format",
            "json",
        ]);
        let v: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|_| panic!("{r}"));
        assert_eq!(
            v["ok"],
            true,
            "citations of `{id}` do not match {}:\n{r}",
            file.display()
        );
        checked += v["citations"].as_u64().unwrap_or(0);
    }
    assert!(checked > 50, "only {checked} citations were checked");
}

/// Every citation has a paragraph, and every quote is short.
#[test]
fn bundled_citations_are_located_and_short() {
    let mut problems = Vec::new();
    for e in bundled_entries() {
        let body = &e["body"];
        let cites: Vec<&Value> = match e["kind"].as_str() {
            Some("fact") => body["citations"].as_array().into_iter().flatten().collect(),
            Some("supersede") => body["fact"]["citations"]
                .as_array()
                .into_iter()
                .flatten()
                .collect(),
            Some("dispute") => vec![&body["citation"]],
            _ => continue,
        };
        for c in cites {
            if c["paragraph"].as_u64().is_none() {
                problems.push(format!("seq {}: a citation without a paragraph", e["seq"]));
            }
            if let Some(q) = c["quote"].as_str()
                && q.chars().count() > MAX_QUOTE_CHARS
            {
                problems.push(format!(
                    "seq {}: a quote over {MAX_QUOTE_CHARS} characters",
                    e["seq"]
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
