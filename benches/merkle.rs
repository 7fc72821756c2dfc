//! Micro-benchmarks of the Merkle tree `verify` computes while it streams:
//! what the tree adds per entry (a leaf hash and, amortized, one interior
//! node), over a million entries. Run with `cargo bench --bench merkle`;
//! docs/BENCHMARKS.md compares it with the time of `verify` itself.

use ledger::hash::{Hash, sha256};
use ledger::merkle::Builder;

fn main() {
    divan::main();
}

/// The root of 1,000,000 entries, from their hashes.
#[divan::bench(sample_count = 10)]
fn root_of_a_million_entries(b: divan::Bencher) {
    let hashes: Vec<Hash> = (0u64..1_000_000)
        .map(|i| sha256(&i.to_be_bytes()))
        .collect();
    b.counter(divan::counter::ItemsCount::new(hashes.len()))
        .bench(|| {
            let mut t = Builder::new();
            for h in &hashes {
                t.push_entry(divan::black_box(h));
            }
            t.root()
        });
}
