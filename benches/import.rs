//! Micro-benchmarks of the per-entry work of `ledger import`: what the
//! worker threads do for one line ([`ledger::import::prepare`]: strict
//! parse, the body's rules, canonical text and the hash of the part before
//! `prev`; for a canonical line, as generated imports are, and for the same
//! line with spaces, which takes the general path) and what the one serial thread does ([`ledger::import::Ready::seal_into`]:
//! the rest of the hash and the line). Run with `cargo bench --bench import`.
//! The line is a fact of realistic size like those `scripts/bench` imports.

use ledger::hash::Hash;
use ledger::import::{Recorded, prepare};

fn main() {
    divan::main();
}

/// One realistic import line, without its LF.
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
    serde_json::json!({"kind": "fact", "body": body}).to_string()
}

/// The parallel stage: one line read, checked and prepared for sealing.
#[divan::bench]
fn prepare_line(b: divan::Bencher) {
    let text = line();
    b.counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| prepare(divan::black_box(text.as_bytes()), false, true));
}

/// The same line written with a space after each colon: not canonical, so
/// read by the general path (a JSON tree, then the typed body, then its
/// canonical text written out).
#[divan::bench]
fn prepare_line_not_canonical(b: divan::Bencher) {
    let text = line().replace("\":", "\": ");
    assert!(prepare(text.as_bytes(), false, true).ready().is_some());
    b.counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| prepare(divan::black_box(text.as_bytes()), false, true));
}

/// The serial stage: sealing a prepared entry after its predecessor.
#[divan::bench]
fn seal_prepared(b: divan::Bencher) {
    let text = line();
    let prepared = prepare(text.as_bytes(), false, true);
    let ready = prepared.ready().expect("a valid line");
    let recorded = Recorded::new("2026-01-02T03:04:05Z");
    let mut out = String::with_capacity(1024);
    b.bench_local(|| {
        out.clear();
        ready
            .seal_into(divan::black_box(123_457), Hash::ZERO, &recorded, &mut out)
            .ok()
    });
}
