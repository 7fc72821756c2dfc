//! Property tests of the quote matcher (`ledger::locate`): any passage of a
//! paragraph, retyped with straight quotes, plain hyphens, single spaces and
//! another Unicode normalization form, is located back to its exact span,
//! and what a match stores is the paragraph's own characters.

use ledger::locate::{find_in, fold, fold_quote, locate, slice_chars};
use proptest::prelude::*;
use unicode_normalization::UnicodeNormalization;

const CASES: u32 = 256;

/// Pieces of text: letters, a precomposed and a decomposed é, curly and
/// straight quotes, dashes, and white space of several kinds (a line break
/// inside a paragraph included).
fn piece() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "a",
        "b",
        "c",
        "dé",
        "de\u{301}",
        "’",
        "'",
        "“",
        "”",
        "\"",
        "—",
        "–",
        "-",
        " ",
        " ",
        "\u{a0}",
        "\n",
        "  ",
    ])
}

fn paragraph() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 1..40).prop_map(|p| {
        let s: String = p.concat();
        // A paragraph's lines are not blank (a blank line would end it).
        let s = s
            .split('\n')
            .filter(|l| !l.trim().is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        if s.is_empty() { "a".to_string() } else { s }
    })
}

/// The passage as a user might type it: typographic variants replaced by
/// their plain forms, every run of white space as one space, and (when
/// `nfd`) decomposed.
fn retyped(s: &str, nfd: bool) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let c = match c {
            '’' => '\'',
            '“' | '”' => '"',
            '—' | '–' => '-',
            c => c,
        };
        if c.is_whitespace() {
            if !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    if nfd { out.nfd().collect() } else { out }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn any_passage_retyped_is_located_at_its_exact_span(
        p in paragraph(),
        i in any::<prop::sample::Index>(),
        j in any::<prop::sample::Index>(),
        nfd in any::<bool>(),
    ) {
        let chars: Vec<char> = p.chars().collect();
        // Where a passage may start and end: not inside a character with its
        // combining mark, and not on white space.
        let starts: Vec<usize> = (0..chars.len())
            .filter(|&k| chars[k] != '\u{301}' && !chars[k].is_whitespace())
            .collect();
        prop_assume!(!starts.is_empty());
        let a = starts[i.index(starts.len())];
        let ends: Vec<usize> = (a + 1..=chars.len())
            .filter(|&k| {
                (k == chars.len() || chars[k] != '\u{301}') && !chars[k - 1].is_whitespace()
            })
            .collect();
        prop_assume!(!ends.is_empty());
        let b = ends[j.index(ends.len())];
        let passage: String = chars[a..b].iter().collect();
        let quote = retyped(&passage, nfd);
        let spans = find_in(&fold(&p), &fold_quote(&quote));
        prop_assert!(
            spans.contains(&[a as u32, b as u32]),
            "{quote:?} not found at {a}-{b} of {p:?}: {spans:?}"
        );
        // Through whole texts too: the paragraph between others.
        let text = format!("Before.\n\n{p}\n\nAfter.\n");
        let found = locate(&text, &quote, None);
        prop_assert!(found.iter().any(|m| m.paragraph == 2 && m.span == [a as u32, b as u32]));
        for m in &found {
            // What is stored is the text's own characters over the span, and
            // it folds to what was typed.
            let para = ledger::citations::paragraphs(&text)[m.paragraph as usize - 1].clone();
            prop_assert_eq!(&m.text, &slice_chars(&para, m.span[0], m.span[1]));
            prop_assert_eq!(fold_quote(&m.text), fold_quote(&quote));
        }
        prop_assert_eq!(
            found.iter().find(|m| m.paragraph == 2 && m.span == [a as u32, b as u32]).map(|m| m.text.as_str()),
            Some(passage.as_str())
        );
    }

    /// A quote that folds to nothing the text holds is never located.
    #[test]
    fn a_quote_with_a_letter_the_text_lacks_is_not_located(p in paragraph()) {
        let quote = format!("{}z", p.trim());
        prop_assert!(locate(&p, &quote, None).is_empty());
    }
}
