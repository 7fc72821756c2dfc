//! Micro-benchmarks of the report (`ledger summary`) after replay: deciding
//! what it shows from the state ([`select`], and [`select_for`] as
//! `summary` does for Markdown), writing it as Markdown or text
//! from the state ([`render_to`], into a sink), and building the views of
//! every fact shown that the JSON and HTML forms serialize
//! ([`Selection::into_report`]). A regression in `summary` shows here
//! whether it came from the selection, the rendering or the views. Run with
//! `cargo bench --bench report`.

use ledger::chain::read_entry;
use ledger::replay::State;
use ledger::report::{Options, Selection, render_to, select, select_for};

fn main() {
    divan::main();
}

/// The report's state after a synthetic ledger of `n` entries.
fn state(n: u64) -> State {
    let mut out = Vec::new();
    ledger::synthetic::write_ledger(&mut out, n, 1, "2026-01-02T03:04:05Z")
        .expect("writing to memory cannot fail");
    let text = String::from_utf8(out).expect("the generator writes UTF-8");
    let mut s = State::live_only();
    for l in text.lines() {
        let e = read_entry(l).entry.expect("generated lines are entries");
        s.apply(&e).expect("generated entries apply");
    }
    s
}

fn options() -> Options {
    Options {
        subject: Some("CA-KP".into()),
        as_of: (2026, 1, 2),
        topics: Vec::new(),
    }
}

const SIZES: [u64; 2] = [1_000, 100_000];

#[divan::bench(args = SIZES, sample_count = 10)]
fn select_facts(bencher: divan::Bencher, n: u64) {
    let s = state(n);
    bencher.bench(|| select(&s, &options()).expect("selects"));
}

/// What `summary` selects for Markdown: each discrepancy worded for it only.
#[divan::bench(args = SIZES, sample_count = 10)]
fn select_for_markdown(bencher: divan::Bencher, n: u64) {
    let s = state(n);
    bencher.bench(|| select_for(&s, &options(), true).expect("selects"));
}

#[divan::bench(args = SIZES, sample_count = 10)]
fn render_markdown(bencher: divan::Bencher, n: u64) {
    let s = state(n);
    let sel: Selection<'_> = select_for(&s, &options(), true).expect("selects");
    bencher.bench(|| render_to(&mut std::io::sink(), &sel, true, false).expect("renders"));
}

#[divan::bench(args = SIZES, sample_count = 10)]
fn render_text_with_quotes(bencher: divan::Bencher, n: u64) {
    let s = state(n);
    let sel = select_for(&s, &options(), false).expect("selects");
    bencher.bench(|| render_to(&mut std::io::sink(), &sel, false, true).expect("renders"));
}

/// The views of every fact shown and the JSON written from them.
#[divan::bench(args = SIZES, sample_count = 10)]
fn views_and_json(bencher: divan::Bencher, n: u64) {
    let s = state(n);
    bencher.bench(|| {
        let report = select(&s, &options()).expect("selects").into_report();
        serde_json::to_writer_pretty(std::io::sink(), &report).expect("writes")
    });
}
