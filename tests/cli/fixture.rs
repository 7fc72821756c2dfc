//! Ledgers for the core tests: entry bodies, a small valid ledger built through
//! the library's locked append, and byte-level helpers that damage a ledger the
//! way hand edits, bad tools and interrupted writes do.

#![allow(dead_code)]

use crate::util::{Env, NOW};
use ledger::chain::{self, Anchor, Report, VerifyOptions};
use ledger::date::PartialDate;
use ledger::entry::{Body, Citation, Define, Fact, Modality, Source, SourceType, Term};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The ledger every test here uses, relative to the test's working directory.
pub const LEDGER: &str = "ledger/test.jsonl";

pub fn define(term: Term, id: &str, label: &str) -> Body {
    Body::Define(Define {
        term,
        id: id.into(),
        label: label.into(),
        note: None,
    })
}

/// A source with only the required members.
pub fn source(id: &str, title: &str, publisher: &str, source_type: SourceType) -> Source {
    Source {
        id: id.into(),
        title: title.into(),
        publisher: publisher.into(),
        source_type,
        author: None,
        published: None,
        language: None,
        url: None,
        derived_from: None,
        sha256: None,
        note: None,
    }
}

pub fn cite(source: &str) -> Citation {
    Citation {
        source: source.into(),
        paragraph: None,
        span: None,
        quote: None,
    }
}

/// A fact with only the required members.
pub fn fact(
    id: &str,
    subject: &str,
    topic: &str,
    statement: &str,
    modality: Modality,
    citations: Vec<Citation>,
) -> Fact {
    Fact {
        id: id.into(),
        subject: subject.into(),
        topic: topic.into(),
        statement: statement.into(),
        modality,
        value: None,
        valid_from: None,
        valid_to: None,
        attributed_to: None,
        citations,
        note: None,
    }
}

pub fn date(s: &str) -> PartialDate {
    PartialDate::parse(s).expect("valid date")
}

/// Entries 1..=6 of the sample ledger (entry 0 is the genesis `Env::init` writes):
/// a topic, a source, a fact citing it, a second source, a fact citing both, an
/// actor.
pub fn sample_bodies() -> Vec<Body> {
    let mut un = source(
        "un-poe-2024",
        "Report of the Panel of Experts",
        "United Nations",
        SourceType::Report,
    );
    un.published = Some(date("2024-03"));
    un.language = Some("en".into());
    un.url = Some("https://example.org/un/poe-2024".into());

    let mut f3 = fact(
        "f3",
        "CA-KP",
        "diplomatic-status",
        "Canada and North Korea established diplomatic relations in 2001.",
        Modality::Confirmed,
        vec![Citation {
            paragraph: Some(4),
            quote: Some("established diplomatic relations".into()),
            ..cite("un-poe-2024")
        }],
    );
    f3.valid_from = Some(date("2001-02-06"));

    let mut gac = source(
        "gac-statement",
        "Statement on relations with the DPRK",
        "Global Affairs Canada",
        SourceType::Statement,
    );
    gac.published = Some(date("2024"));

    let mut f5 = fact(
        "f5",
        "CA-KP",
        "trade",
        "Trade between Canada and North Korea is negligible.",
        Modality::Reported,
        vec![
            Citation {
                paragraph: Some(12),
                span: Some([0, 40]),
                ..cite("un-poe-2024")
            },
            cite("gac-statement"),
        ],
    );
    f5.value = Some(json!({"volume": "negligible"}));

    vec![
        define(Term::Topic, "trade", "Trade"),
        Body::Source(un),
        Body::Fact(f3),
        Body::Source(gac),
        Body::Fact(f5),
        define(Term::Actor, "HANVOICE", "HanVoice"),
    ]
}

/// Creates `ledger/test.jsonl` (genesis by `ledger init`, the rest by the
/// library's locked append, one entry per append) and returns its bytes.
pub fn sample(env: &Env) -> Vec<u8> {
    env.init();
    let path = env.path().join(LEDGER);
    for body in sample_bodies() {
        append(&path, vec![body]);
    }
    env.read(LEDGER)
}

/// Appends through the library, as a writing command does.
pub fn append(path: &Path, bodies: Vec<Body>) {
    ledger::store::lock(path)
        .expect("lock ledger")
        .append(NOW, bodies)
        .expect("append");
}

pub fn ledger_path(env: &Env) -> PathBuf {
    env.path().join(LEDGER)
}

/// The lines of a ledger, each with its LF (a final unterminated line without).
pub fn lines(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes
        .split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

pub fn join(lines: &[Vec<u8>]) -> Vec<u8> {
    lines.concat()
}

/// Replaces the first occurrence of `from` in `line` (which must contain it).
pub fn replace(line: &[u8], from: &str, to: &str) -> Vec<u8> {
    let text = std::str::from_utf8(line).expect("UTF-8 line");
    assert!(text.contains(from), "{from:?} not in {text}");
    text.replacen(from, to, 1).into_bytes()
}

/// The entry object of a line.
pub fn object(line: &[u8]) -> Map<String, Value> {
    let text = std::str::from_utf8(line).expect("UTF-8 line");
    match ledger::jcs::parse_strict(text.trim_end_matches('\n')).expect("JSON line") {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

/// Hex SHA-256 of the canonical text of `entry` without its `hash` member,
/// computed here rather than by the library's own sealing code.
pub fn entry_hash(entry: &Map<String, Value>) -> String {
    let mut m = entry.clone();
    m.remove("hash");
    let text = ledger::jcs::canonicalize(&Value::Object(m)).expect("canonical");
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The line of `entry` with a freshly computed, correct `hash`.
pub fn seal(mut entry: Map<String, Value>) -> Vec<u8> {
    let h = entry_hash(&entry);
    entry.insert("hash".into(), Value::String(h));
    let mut s = ledger::jcs::canonicalize(&Value::Object(entry)).expect("canonical");
    s.push('\n');
    s.into_bytes()
}

/// Edits the entry on `line` and re-hashes it correctly (its `prev` is kept).
pub fn edit_and_rehash(line: &[u8], edit: impl FnOnce(&mut Map<String, Value>)) -> Vec<u8> {
    let mut m = object(line);
    edit(&mut m);
    seal(m)
}

/// Re-links lines `from..` to their predecessors and re-hashes them, as a forger
/// who rewrites history consistently would.
pub fn rechain(lines: &mut [Vec<u8>], from: usize) {
    for i in from..lines.len() {
        let prev = if i == 0 {
            "0".repeat(64)
        } else {
            object(&lines[i - 1])["hash"]
                .as_str()
                .expect("hash")
                .to_string()
        };
        lines[i] = edit_and_rehash(&lines[i], |m| {
            m.insert("prev".into(), Value::String(prev));
        });
    }
}

/// `SEQ:HASH` of the last line, as `ledger head` prints it.
pub fn head_of(bytes: &[u8]) -> String {
    let last = lines(bytes).pop().expect("a line");
    let m = object(&last);
    format!("{}:{}", m["seq"], m["hash"].as_str().expect("hash"))
}

pub fn anchor(s: &str) -> Anchor {
    s.parse().expect("anchor")
}

/// Verifies bytes in memory (no file, no process).
pub fn verify_bytes(bytes: &[u8], anchors: Vec<Anchor>) -> Report {
    let opts = VerifyOptions {
        anchors,
        ..VerifyOptions::default()
    };
    chain::verify_reader(Path::new("mem.jsonl"), bytes, opts)
        .expect("reading from memory cannot fail")
        .0
}
