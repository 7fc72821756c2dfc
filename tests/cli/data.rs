//! Data honesty of the bundled ledger `ledger/canada-dprk.jsonl`: every citation
//! points into the archived text of its source, and every quote is verbatim.
//!
//! The archived texts live outside the repository, in `../shared/seeds/`
//! (relative to the crate root). A source entry records the SHA-256 of its text,
//! which is how a citation is matched to a seed file. When the seeds directory
//! is absent the tests print a notice and pass: there is nothing to check against.
//!
//! Paragraphs are maximal runs of non-blank lines (a blank line is empty or
//! whitespace-only), numbered from 1, with their lines joined by `\n`; spans
//! are half-open ranges of Unicode scalar values within the paragraph.

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

/// The bundled ledger these tests check.
const BUNDLED: &str = "ledger/canada-dprk.jsonl";

/// Quotes are short excerpts, never whole passages of a source.
const MAX_QUOTE_CHARS: usize = 200;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The seed texts, keyed by the lowercase hex SHA-256 of their bytes, with
/// their file names; `None` when the seeds directory is absent.
fn seed_texts() -> Option<BTreeMap<String, (String, String)>> {
    let dir = manifest_dir().join("../shared/seeds");
    if !dir.is_dir() {
        eprintln!(
            "skipped: ../shared/seeds not found (looked in {})",
            dir.display()
        );
        return None;
    }
    let mut seeds = BTreeMap::new();
    let entries = fs::read_dir(&dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("reading the seeds directory").path();
        if !path.is_file() {
            continue;
        }
        let bytes = fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let digest = hex(&Sha256::digest(&bytes));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // Seeds that are not UTF-8 text cannot be cited by paragraph; keep
        // them for the digest check only.
        let text = String::from_utf8(bytes).unwrap_or_default();
        seeds.insert(digest, (name, text));
    }
    Some(seeds)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Splits a text into paragraphs: maximal runs of non-blank lines joined by `\n`.
fn paragraphs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                out.push(current.join("\n"));
                current.clear();
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        out.push(current.join("\n"));
    }
    out
}

/// The entries of the bundled ledger as JSON values.
fn bundled_entries() -> Vec<Value> {
    let path = manifest_dir().join(BUNDLED);
    let text = fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading the bundled ledger {}: {e}", path.display()));
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{BUNDLED} line {}: not JSON: {e}", i + 1))
        })
        .collect()
}

/// Every citation in the ledger, with a label naming the entry it belongs to.
fn citations(entries: &[Value]) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for e in entries {
        let seq = e["seq"].as_u64().unwrap_or_default();
        let body = &e["body"];
        match e["kind"].as_str().unwrap_or_default() {
            "fact" => {
                let id = body["id"].as_str().unwrap_or("?");
                for (i, c) in body["citations"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    out.push((
                        format!("fact `{id}` (seq {seq}) citation {}", i + 1),
                        c.clone(),
                    ));
                }
            }
            "supersede" => {
                let id = body["fact"]["id"].as_str().unwrap_or("?");
                let cites = body["fact"]["citations"].as_array().into_iter().flatten();
                for (i, c) in cites.enumerate() {
                    out.push((
                        format!("fact `{id}` (supersede, seq {seq}) citation {}", i + 1),
                        c.clone(),
                    ));
                }
            }
            "dispute" => {
                let target = body["target"].as_str().unwrap_or("?");
                out.push((
                    format!("dispute of fact `{target}` (seq {seq})"),
                    body["citation"].clone(),
                ));
            }
            _ => {}
        }
    }
    out
}

/// Checks one citation against the paragraphs of its source text.
fn check_citation(what: &str, c: &Value, paras: &[String], file: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(n) = c["paragraph"].as_u64() else {
        problems.push(format!("{what}: no paragraph given"));
        return problems;
    };
    let Some(para) = usize::try_from(n)
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| paras.get(i))
    else {
        problems.push(format!(
            "{what}: paragraph {n} does not exist in {file} ({} paragraphs)",
            paras.len()
        ));
        return problems;
    };
    let chars: Vec<char> = para.chars().collect();
    let quote = c["quote"].as_str();
    if let Some(q) = quote {
        if q.chars().count() > MAX_QUOTE_CHARS {
            problems.push(format!(
                "{what}: quote is longer than {MAX_QUOTE_CHARS} characters"
            ));
        }
        if !para.contains(q) {
            problems.push(format!(
                "{what}: quote {q:?} does not occur in paragraph {n} of {file}"
            ));
        }
    }
    if let Some(span) = c.get("span").filter(|s| !s.is_null()) {
        let bounds = span
            .as_array()
            .filter(|a| a.len() == 2)
            .and_then(|a| Some((a[0].as_u64()?, a[1].as_u64()?)));
        let Some((a, b)) = bounds else {
            problems.push(format!("{what}: span {span} is not a pair of offsets"));
            return problems;
        };
        let len = chars.len() as u64;
        if a >= b || b > len {
            problems.push(format!(
                "{what}: span {a}-{b} is not within paragraph {n} of {file} ({len} characters)"
            ));
        } else if let Some(q) = quote {
            let sliced: String = chars[a as usize..b as usize].iter().collect();
            if sliced != q {
                problems.push(format!(
                    "{what}: quote {q:?} differs from paragraph {n} characters {a}-{b} of {file}, which are {sliced:?}"
                ));
            }
        }
    }
    problems
}

#[test]
fn bundled_ledger_citations_match_the_archived_texts() {
    let Some(seeds) = seed_texts() else { return };
    let entries = bundled_entries();

    // Source id -> (seed file name, its paragraphs), via the recorded digest.
    let mut sources: BTreeMap<String, Option<(String, Vec<String>)>> = BTreeMap::new();
    for e in entries.iter().filter(|e| e["kind"] == "source") {
        let id = e["body"]["id"].as_str().unwrap_or("?").to_string();
        let text = e["body"]["sha256"]
            .as_str()
            .and_then(|h| seeds.get(h))
            .map(|(name, text)| (name.clone(), paragraphs(text)));
        sources.insert(id, text);
    }

    let cites = citations(&entries);
    assert!(!cites.is_empty(), "{BUNDLED} has no citations");
    let mut problems = Vec::new();
    for (what, c) in &cites {
        let source = c["source"].as_str().unwrap_or("?");
        match sources.get(source) {
            None => problems.push(format!("{what}: cites unregistered source `{source}`")),
            Some(None) => problems.push(format!(
                "{what}: source `{source}` has no archived text among the seeds (no sha256, or no seed file matches it)"
            )),
            Some(Some((file, paras))) => problems.extend(check_citation(what, c, paras, file)),
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {} citations in {BUNDLED} do not match the archived texts:\n  {}",
        problems.len(),
        cites.len(),
        problems.join("\n  ")
    );
}

#[test]
fn bundled_ledger_source_digests_match_seed_files() {
    let Some(seeds) = seed_texts() else { return };
    let entries = bundled_entries();
    let mut problems = Vec::new();
    let mut checked = 0;
    for e in entries.iter().filter(|e| e["kind"] == "source") {
        let id = e["body"]["id"].as_str().unwrap_or("?");
        if let Some(h) = e["body"]["sha256"].as_str() {
            checked += 1;
            if !seeds.contains_key(h) {
                problems.push(format!(
                    "source `{id}`: sha256 {h} matches no file in ../shared/seeds"
                ));
            }
        }
    }
    assert!(checked > 0, "no source in {BUNDLED} records a sha256");
    assert!(
        problems.is_empty(),
        "sources whose archived text is missing or changed:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn paragraphs_are_runs_of_non_blank_lines() {
    let text = "Skip\nOpen\n\nSecond “one”\n \t\nThird\n";
    assert_eq!(paragraphs(text), ["Skip\nOpen", "Second “one”", "Third"]);
    assert!(paragraphs("\n\n").is_empty());
}

#[test]
fn citation_checks_catch_bad_spans_and_quotes() {
    let paras = paragraphs("It’s a long game.\n");
    let ok = serde_json::json!({"source": "s", "paragraph": 1, "span": [0, 16], "quote": "It’s a long game"});
    assert!(check_citation("ok", &ok, &paras, "f").is_empty());
    let off = serde_json::json!({"source": "s", "paragraph": 1, "span": [1, 17], "quote": "It’s a long game"});
    assert_eq!(check_citation("off", &off, &paras, "f").len(), 1);
    let missing = serde_json::json!({"source": "s", "paragraph": 2});
    assert_eq!(check_citation("missing", &missing, &paras, "f").len(), 1);
    let past = serde_json::json!({"source": "s", "paragraph": 1, "span": [0, 99]});
    assert_eq!(check_citation("past", &past, &paras, "f").len(), 1);
}
