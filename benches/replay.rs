//! Micro-benchmarks of the replay fold: entries already read and checked,
//! folded into the full state (`log`, `show`), the report's state (facts'
//! text dropped once dead) and the compact index (`verify`, writes without a
//! current index file). Run with `cargo bench --bench replay`.

use ledger::chain::read_entry;
use ledger::entry::Entry;
use ledger::index::Compact;
use ledger::replay::State;

fn main() {
    divan::main();
}

/// The entries of a synthetic ledger of `n` entries.
fn entries(n: u64) -> Vec<Entry> {
    let mut out = Vec::new();
    ledger::synthetic::write_ledger(&mut out, n, 1, "2026-01-02T03:04:05Z")
        .expect("writing to memory cannot fail");
    let text = String::from_utf8(out).expect("the generator writes UTF-8");
    text.lines()
        .map(|l| read_entry(l).entry.expect("generated lines are entries"))
        .collect()
}

const SIZES: [u64; 2] = [1_000, 100_000];

#[divan::bench(args = SIZES, sample_count = 10)]
fn fold_full_state(bencher: divan::Bencher, n: u64) {
    let es = entries(n);
    bencher
        .counter(divan::counter::ItemsCount::new(es.len()))
        .bench(|| {
            let mut s = State::default();
            for e in &es {
                s.apply(e).expect("generated entries apply");
            }
            s
        });
}

#[divan::bench(args = SIZES, sample_count = 10)]
fn fold_report_state(bencher: divan::Bencher, n: u64) {
    let es = entries(n);
    bencher
        .counter(divan::counter::ItemsCount::new(es.len()))
        .bench(|| {
            let mut s = State::live_only();
            for e in &es {
                s.apply(e).expect("generated entries apply");
            }
            s
        });
}

#[divan::bench(args = SIZES, sample_count = 10)]
fn fold_compact_index(bencher: divan::Bencher, n: u64) {
    let es = entries(n);
    bencher
        .counter(divan::counter::ItemsCount::new(es.len()))
        .bench(|| {
            let mut c = Compact::default();
            for e in &es {
                c.apply(e).expect("generated entries apply");
            }
            c
        });
}

/// Sealing one entry for an append: canonicalize the body once, hash, splice.
#[divan::bench]
fn seal_one_entry(bencher: divan::Bencher) {
    let es = entries(200);
    let e = es.last().expect("entries").clone();
    bencher.bench(|| {
        Entry::seal_line(e.seq, e.prev, e.recorded.clone(), e.body.clone()).expect("seals")
    });
}
