//! No panics on any input: arbitrary bytes and arbitrary edits of a valid
//! ledger go through the strict parser, the line reader and the whole verifier
//! in-process. Every case must come back as a report (never a panic), its JSON
//! form must be valid JSON, and a mutated ledger may only be accepted if it is
//! a line-prefix of the original (truncation, which only `--anchor` catches).
//!
//! `fuzz_loop` runs 100,000 cases in the default suite; `fuzz_soak` runs
//! `LEDGER_FUZZ_CASES` (default 5,000,000) with
//! `cargo test --release --test cli -- --ignored fuzz_soak`.

use crate::crash::Rng;
use crate::fixture::{LEDGER, append, define, ledger_path, lines, sample, source, verify_bytes};
use crate::util::Env;
use ledger::cli::commands::verify::{to_json, to_text};
use ledger::entry::{Body, SourceType, Term};
use proptest::prelude::*;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Bytes that matter to the parser and the line splitter.
const SPECIAL: &[u8] =
    b"\n\r\0\t {}[]:,\"\\-+.eE0123456789tfnu\x7f\xc3\xa9\xef\xbb\xbf\xff\xf0\x9f";

/// One random edit of `b`.
fn mutate(rng: &mut Rng, b: &mut Vec<u8>) {
    let pick = |rng: &mut Rng, n: usize| rng.below(n.max(1) as u64) as usize;
    let byte = |rng: &mut Rng| {
        if rng.below(2) == 0 {
            SPECIAL[rng.below(SPECIAL.len() as u64) as usize]
        } else {
            rng.below(256) as u8
        }
    };
    match rng.below(10) {
        9 => {
            // A space after a `:` or `,`: still JSON, no longer canonical.
            let at: Vec<usize> = (0..b.len())
                .filter(|&i| matches!(b[i], b':' | b','))
                .collect();
            if !at.is_empty() {
                let i = at[pick(rng, at.len())] + 1;
                b.insert(i, b' ');
            }
        }
        0 => {
            // Flip bits of one byte.
            if !b.is_empty() {
                let i = pick(rng, b.len());
                b[i] ^= 1 << rng.below(8);
            }
        }
        1 => {
            // Overwrite a byte.
            if !b.is_empty() {
                let i = pick(rng, b.len());
                b[i] = byte(rng);
            }
        }
        2 => {
            // Insert a few bytes.
            let i = pick(rng, b.len() + 1);
            let n = 1 + rng.below(4) as usize;
            let ins: Vec<u8> = (0..n).map(|_| byte(rng)).collect();
            b.splice(i..i, ins);
        }
        3 => {
            // Delete a range.
            if !b.is_empty() {
                let i = pick(rng, b.len());
                let n = 1 + pick(rng, 40).min(b.len() - i - 1);
                b.drain(i..i + n);
            }
        }
        4 => {
            // Truncate.
            let i = pick(rng, b.len() + 1);
            b.truncate(i);
        }
        5 | 6 => {
            // Delete, duplicate or swap whole lines.
            let mut l = lines(b);
            if l.is_empty() {
                return;
            }
            let i = pick(rng, l.len());
            let j = pick(rng, l.len());
            match rng.below(3) {
                0 => {
                    l.remove(i);
                }
                1 => {
                    let d = l[i].clone();
                    l.insert(j, d);
                }
                _ => l.swap(i, j),
            }
            *b = l.concat();
        }
        7 => {
            // Nest deeply somewhere.
            let i = pick(rng, b.len() + 1);
            let n = 1 + rng.below(300) as usize;
            let open = if rng.below(2) == 0 { b'[' } else { b'{' };
            b.splice(i..i, std::iter::repeat_n(open, n));
        }
        _ => {
            // Replace a digit run (seq, numbers) with another number.
            let digits: Vec<usize> = (0..b.len()).filter(|&i| b[i].is_ascii_digit()).collect();
            if digits.is_empty() {
                return;
            }
            let i = digits[pick(rng, digits.len())];
            let mut j = i;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            let n = match rng.below(4) {
                0 => "9007199254740993".to_string(),
                1 => "-0".to_string(),
                2 => "1e400".to_string(),
                _ => rng.next().to_string(),
            };
            b.splice(i..j, n.into_bytes());
        }
    }
}

/// Checks one input; returns a description of what went wrong, if anything.
fn check(original: &[u8], input: &[u8]) -> Result<(), String> {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let report = verify_bytes(input, Vec::new());
        if !report.ok() {
            // The lines problems point at, as the binary reads them back for
            // its display: rendering a caret must not panic either.
            let mut texts: std::collections::HashMap<u64, String> = input
                .split(|&b| b == b'\n')
                .enumerate()
                .map(|(i, l)| (i as u64 + 1, String::from_utf8_lossy(l).into_owned()))
                .filter(|(n, _)| report.problems.iter().any(|p| p.line == Some(*n)))
                .collect();
            let _ = to_text(&report, &mut texts, false);
            let json = serde_json::to_string(&to_json(&report, &mut texts)).expect("serialize");
            serde_json::from_str::<serde_json::Value>(&json).expect("report JSON parses");
        }
        report.ok()
    }));
    match outcome {
        Err(_) => Err("panicked".into()),
        Ok(true) => {
            let prefix = !input.is_empty() && original.starts_with(input) && input.ends_with(b"\n");
            if prefix {
                Ok(())
            } else {
                Err("a changed ledger verified".into())
            }
        }
        Ok(false) => Ok(()),
    }
}

/// The sample ledger with two entries of non-ASCII text (so that byte and
/// character positions differ), built once.
fn original() -> &'static [u8] {
    static ORIGINAL: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    ORIGINAL.get_or_init(|| {
        let env = Env::new();
        sample(&env);
        let path = ledger_path(&env);
        append(
            &path,
            vec![define(Term::Topic, "unicode", "Ünïcödé — 中文 😀")],
        );
        let mut s = source(
            "src-u",
            "Überblick: 北朝鮮 😀",
            "Zeitung",
            SourceType::Report,
        );
        s.note = Some("tab\there \u{1} and \u{2028}".into());
        append(&path, vec![Body::Source(s)]);
        env.read(LEDGER)
    })
}

fn fuzz(cases: u64) {
    let original = original();
    let seed = Rng::seed();
    let mut rng = Rng::new(seed);
    let mut rejected = 0u64;
    for case in 0..cases {
        let mut input = original.to_vec();
        for _ in 0..1 + rng.below(3) {
            mutate(&mut rng, &mut input);
        }
        if let Err(why) = check(original, &input) {
            panic!(
                "case {case} (LEDGER_TEST_SEED={seed}): {why}; input:\n{}",
                String::from_utf8_lossy(&input)
            );
        }
        rejected += u64::from(input != original);
    }
    assert!(
        rejected > cases / 2,
        "most mutations should change the input"
    );
}

#[test]
fn fuzz_loop() {
    fuzz(
        std::env::var("FZ")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(100_000),
    );
}

#[test]
#[ignore = "long fuzz run; see docs/RELIABILITY.md"]
fn fuzz_soak() {
    let cases = std::env::var("LEDGER_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5_000_000);
    fuzz(cases);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Arbitrary bytes are a report, never a panic.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let original = original();
        prop_assert_eq!(check(original, &bytes), Ok(()));
        // And as a line appended to a valid ledger.
        let mut appended = original.to_vec();
        appended.extend_from_slice(&bytes);
        prop_assert_eq!(check(original, &appended), Ok(()));
    }

    /// Arbitrary edits of one line of a valid ledger are caught, never a panic.
    #[test]
    fn arbitrary_line_edits_are_caught(
        line in 0usize..7,
        at in any::<prop::sample::Index>(),
        cut in 0usize..8,
        insert in prop::collection::vec(any::<u8>(), 0..8),
    ) {
        let original = original();
        let mut l = lines(original);
        let target = &mut l[line];
        let i = at.index(target.len());
        let end = (i + cut).min(target.len());
        target.splice(i..end, insert);
        let edited = l.concat();
        prop_assert_eq!(check(original, &edited), Ok(()));
    }
}
