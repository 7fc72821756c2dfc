//! Micro-benchmarks of the per-line work of `ledger verify`: canonicalizing and
//! hashing one entry, and reading and checking one line. Run with
//! `cargo bench --bench verify`. The line is a fact of realistic size (about
//! 500 bytes) like those `scripts/bench` writes.

use ledger::chain::{check_line, read_entry};
use ledger::entry::Entry;
use ledger::hash::{Hash, sha256};
use ledger::jcs;

fn main() {
    divan::main();
}

/// One realistic fact line, without its LF.
fn line() -> String {
    let body = serde_json::json!({
        "id": "b123456",
        "subject": "CA-KP",
        "topic": "engagement",
        "statement": "Synthetic statement number 123456 about officials meeting to discuss engagement, verification and humanitarian access.",
        "modality": "reported",
        "valid_from": "2018-10",
        "citations": [{"source": "src", "paragraph": 17, "span": [10, 60], "quote": "a short quote from the source text"}],
    });
    let body = ledger::entry::Body::from_value("fact", &body).expect("a valid fact");
    let e = Entry::seal(123_457, Hash::ZERO, "2026-01-02T03:04:05Z".into(), body).expect("seal");
    e.to_line().expect("line").trim_end().to_string()
}

/// Canonicalize a parsed entry (RFC 8785) and hash the text: what writing an
/// entry and verifying a non-canonical-looking line cost.
#[divan::bench]
fn canonicalize_and_hash(b: divan::Bencher) {
    let text = line();
    let value = jcs::parse_strict(&text).expect("JSON");
    b.counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| {
            let canon = jcs::canonicalize(divan::black_box(&value)).expect("canonical");
            sha256(canon.as_bytes())
        });
}

/// SHA-256 of the line alone: the floor under every line's cost.
#[divan::bench]
fn hash_only(b: divan::Bencher) {
    let text = line();
    b.counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| sha256(divan::black_box(text.as_bytes())));
}

/// The byte scan that confirms a line is already canonical.
#[divan::bench]
fn scan_canonical(b: divan::Bencher) {
    let text = line();
    b.counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| jcs::scan_canonical(divan::black_box(&text)));
}

/// Reading one clean line into a typed entry with every per-line check
/// (canonical form, hash, envelope, payload rules): verify's fast path.
#[divan::bench]
fn read_clean_line(b: divan::Bencher) {
    let text = line();
    b.counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| read_entry(divan::black_box(&text)));
}

/// The same line with one space added: not canonical, so the slow path parses
/// it into a tree, re-canonicalizes it and explains the difference.
#[divan::bench]
fn read_noncanonical_line(b: divan::Bencher) {
    let text = line().replacen(":", ": ", 1);
    b.counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| read_entry(divan::black_box(&text)));
}

/// What a worker thread does per line: bytes to a checked line.
#[divan::bench]
fn check_line_bytes(b: divan::Bencher) {
    let text = line();
    b.counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| check_line(divan::black_box(text.as_bytes()), false, true));
}
