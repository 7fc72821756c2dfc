//! Micro-benchmarks of the work of `ledger verify`, stage by stage, so that a
//! regression shows where it came from: the canonical scan, hashing, parsing
//! the body, the whole per-line check (what a checking thread does), and
//! linking checked lines in order (what the one linking thread does). Run with
//! `cargo bench --bench verify`. The line is a fact of realistic size (about
//! 500 bytes) like those `scripts/bench` writes.

use ledger::chain::{
    CheckedLine, Verifier, VerifyOptions, check_line, check_line_for_compact, check_line_for_ids,
    read_entry,
};
use ledger::entry::{Body, Entry};
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

/// What a checking thread of `ledger verify` does per line: bytes to a
/// checked line, the body read for its ids alone (`ledger::slim`), with the
/// ids' fingerprints and the Merkle leaf.
#[divan::bench]
fn check_line_for_ids_bytes(b: divan::Bencher) {
    let text = line();
    b.counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| check_line_for_ids(divan::black_box(text.as_bytes()), false, true));
}

/// What a checking thread of `ledger verify` now does with a clean fact
/// line: the fixed-size record the linking thread links (envelope, scan
/// noting the strings, hash, body read in place, fingerprints and leaf).
#[divan::bench]
fn record_line(b: divan::Bencher) {
    let text = line();
    b.counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| ledger::chain::links_as_record(divan::black_box(text.as_bytes())));
}

/// Reading the body of the line for its ids alone, checking every rule
/// (the part of verify's fast path that replaced `parse_body`).
#[divan::bench]
fn slim_body(b: divan::Bencher) {
    let text = line();
    let body = &text
        [text.find("{\"body\":").expect("a body") + 8..text.find(",\"format\"").expect("a format")];
    b.counter(divan::counter::BytesCount::new(body.len()))
        .bench(|| ledger::slim::read("fact", divan::black_box(body)));
}

/// Parsing the body of the line into its typed payload (the part of the fast
/// path that allocates), without the envelope, scan or hash.
#[divan::bench]
fn parse_body(b: divan::Bencher) {
    let text = line();
    let body = &text
        [text.find("{\"body\":").expect("a body") + 8..text.find(",\"format\"").expect("a format")];
    b.counter(divan::counter::BytesCount::new(body.len()))
        .bench(|| Body::from_canonical_str("fact", divan::black_box(body)));
}

/// The lines of a synthetic ledger of `n` entries, checked as a checking
/// thread checks them (`check`: with or without the ids' fingerprints).
fn checked(n: u64, check: fn(&[u8], bool, bool) -> CheckedLine) -> Vec<CheckedLine> {
    let mut out = Vec::new();
    ledger::synthetic::write_ledger(&mut out, n, 1, "2026-01-02T03:04:05Z")
        .expect("writing to memory cannot fail");
    out.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .enumerate()
        .map(|(i, l)| check(l, i == 0, true))
        .collect()
}

/// Links `lines` in order into a compact index, as `ledger verify` does.
fn link_all(lines: &mut [CheckedLine]) -> u64 {
    let opts = VerifyOptions {
        compact: true,
        ..VerifyOptions::default()
    };
    let mut v = Verifier::new(std::path::Path::new("bench.jsonl"), opts);
    for c in lines.iter_mut() {
        v.link(c);
    }
    let (report, _) = v.finish();
    assert!(report.ok(), "{:?}", report.problems.first());
    report.entries
}

/// The linking stage: seq and prev links, the Merkle tree and the compact
/// index, for lines checked with their ids fingerprinted ahead (what
/// `ledger verify` does).
#[divan::bench(args = [100_000], sample_count = 10)]
fn link_lines(bencher: divan::Bencher, n: u64) {
    let mut lines = checked(n, check_line_for_compact);
    bencher
        .counter(divan::counter::ItemsCount::new(lines.len()))
        .bench_local(|| link_all(&mut lines));
}

/// The same, with every fingerprint computed on the linking thread: what
/// working them out ahead saves that thread.
#[divan::bench(args = [100_000], sample_count = 10)]
fn link_lines_fingerprinting(bencher: divan::Bencher, n: u64) {
    let mut lines = checked(n, check_line);
    bencher
        .counter(divan::counter::ItemsCount::new(lines.len()))
        .bench_local(|| link_all(&mut lines));
}
