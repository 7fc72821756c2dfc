//! Finding a quote in a source text, tolerant of typography: where a user's
//! quote is (paragraph and span, the notation `--locator` takes), and, when
//! it is nowhere, which passages come nearest.
//!
//! A quote is compared with the text after both are *folded* (docs/FORMAT.md
//! 5.1.1): Unicode NFC; single quotation marks and apostrophes (`‘ ’ ‚ ‛ ′ ʼ
//! ＇`) read as `'`; double quotation marks (`“ ” „ ‟ ″ ＂ « »`) as `"`; dash
//! and minus variants (`‐ ‑ ‒ – — ― − ﹘ ﹣ －`) as `-`; and every run of
//! `White_Space` characters (line breaks inside a paragraph included) as one
//! space, with white space at either end of the quote ignored. Nothing else
//! is folded: letters, case, digits and other punctuation must be the same.
//!
//! Folding only decides *where* a quote is. What a citation stores is never
//! the folded form: the span is counted in the paragraph's own characters
//! (Unicode scalar values) and the quote is the paragraph's exact characters
//! over that span, so a quote typed with straight quotes is stored with the
//! archived text's curly ones.

use crate::citations::paragraphs;
use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// A folded text: its characters and, for each, the range of original
/// characters `[a, b)` it came from.
#[derive(Debug, Clone, Default)]
pub struct Folded {
    pub chars: Vec<char>,
    pub from: Vec<(u32, u32)>,
}

/// The typographic class of a character: `'`, `"` or `-` for the variants
/// that fold to them, else the character itself.
pub fn fold_char(c: char) -> char {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{02BC}'
        | '\u{FF07}' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{FF02}'
        | '\u{00AB}' | '\u{00BB}' => '"',
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
        | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => '-',
        c => c,
    }
}

/// Whether NFC can never join `c` with what precedes it: a starter (combining
/// class 0) that does not compose with an earlier character. Text is
/// normalized in runs that begin at such characters, so every folded
/// character maps back to whole original characters.
fn starts_run(c: char) -> bool {
    c.is_ascii()
        || (canonical_combining_class(c) == 0
            && is_nfc_quick(std::iter::once(c)) != IsNormalized::Maybe)
}

/// Folds `text` (see the module doc), keeping where each folded character
/// came from.
pub fn fold(text: &str) -> Folded {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Folded {
        chars: Vec::with_capacity(chars.len()),
        from: Vec::with_capacity(chars.len()),
    };
    let push = |out: &mut Folded, c: char, a: u32, b: u32| {
        let c = fold_char(c);
        if c.is_whitespace() {
            if let (Some(' '), Some(last)) = (out.chars.last(), out.from.last_mut()) {
                // A run of white space is one space covering all of it.
                last.1 = last.1.max(b);
                return;
            }
            out.chars.push(' ');
        } else {
            out.chars.push(c);
        }
        out.from.push((a, b));
    };
    let mut i = 0;
    while i < chars.len() {
        let mut j = i + 1;
        while j < chars.len() && !starts_run(chars[j]) {
            j += 1;
        }
        let (a, b) = (i as u32, j as u32);
        if j == i + 1 && chars[i].is_ascii() {
            push(&mut out, chars[i], a, b);
        } else {
            let run: String = chars[i..j].iter().collect();
            for c in run.nfc() {
                push(&mut out, c, a, b);
            }
        }
        i = j;
    }
    out
}

/// A quote folded for searching: white space at either end removed.
pub fn fold_quote(quote: &str) -> Vec<char> {
    let f = fold(quote).chars;
    let start = f.iter().position(|c| *c != ' ').unwrap_or(f.len());
    let end = f.iter().rposition(|c| *c != ' ').map_or(start, |e| e + 1);
    f[start..end].to_vec()
}

/// Where a quote occurs: paragraph (from 1), span within it (characters,
/// half-open) and the paragraph's exact characters over the span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub paragraph: u32,
    pub span: [u32; 2],
    pub text: String,
}

impl Match {
    /// `pN:A-B`, the notation `--locator` takes.
    pub fn locator(&self) -> String {
        format!("p{}:{}-{}", self.paragraph, self.span[0], self.span[1])
    }
}

/// The characters `[a, b)` of `s`.
pub fn slice_chars(s: &str, a: u32, b: u32) -> String {
    s.chars()
        .skip(a as usize)
        .take(b.saturating_sub(a) as usize)
        .collect()
}

/// Every occurrence of the folded `quote` in the folded `paragraph`, as spans
/// of the paragraph's own characters, in order.
pub fn find_in(paragraph: &Folded, quote: &[char]) -> Vec<[u32; 2]> {
    let (t, m) = (&paragraph.chars, quote.len());
    if m == 0 || m > t.len() {
        return Vec::new();
    }
    (0..=t.len() - m)
        .filter(|&i| t[i] == quote[0] && t[i..i + m] == *quote)
        .map(|i| [paragraph.from[i].0, paragraph.from[i + m - 1].1])
        .collect()
}

/// Every occurrence of `quote` in `text` (in paragraph `within` only, when
/// given), in text order.
pub fn locate(text: &str, quote: &str, within: Option<u32>) -> Vec<Match> {
    let q = fold_quote(quote);
    let mut out = Vec::new();
    for (i, p) in paragraphs(text).iter().enumerate() {
        let n = i as u32 + 1;
        if within.is_some_and(|w| w != n) {
            continue;
        }
        for span in find_in(&fold(p), &q) {
            out.push(Match {
                paragraph: n,
                span,
                text: slice_chars(p, span[0], span[1]),
            });
        }
    }
    out
}

/// Whether `quote` reads as `text` once both are folded.
pub fn same_folded(text: &str, quote: &str) -> bool {
    fold_quote(text) == fold_quote(quote)
}

/// A passage close to a quote that occurs nowhere: where it is, its exact
/// text, and how many characters of the folded quote would have to change
/// (insert, delete or replace) to read as it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Near {
    pub at: Match,
    pub edits: usize,
}

/// Up to `k` passages of `text` nearest to `quote` (fewest edits of the
/// folded text, widened to whole words), best first, among those that
/// differ in at most half of the quote's characters.
pub fn nearest(text: &str, quote: &str, k: usize) -> Vec<Near> {
    let q = fold_quote(quote);
    let m = q.len();
    if m == 0 {
        return Vec::new();
    }
    // (edits, paragraph index, folded start, folded end)
    let mut found: Vec<(usize, usize, usize, usize)> = Vec::new();
    let paras = paragraphs(text);
    let folded: Vec<Folded> = paras.iter().map(|p| fold(p)).collect();
    for (pi, f) in folded.iter().enumerate() {
        let t = &f.chars;
        // Approximate substring matching: column j holds, for each prefix of
        // the quote, the fewest edits to match it ending just before t[j],
        // with the start of that match; a match may start anywhere for free.
        let mut prev: Vec<(usize, usize)> = (0..=m).map(|i| (i, 0)).collect();
        let mut best_end: Vec<(usize, usize, usize)> = Vec::new();
        for j in 1..=t.len() {
            let mut cur = vec![(0usize, j); m + 1];
            for i in 1..=m {
                let sub = prev[i - 1].0 + usize::from(q[i - 1] != t[j - 1]);
                let del = prev[i].0 + 1;
                let ins = cur[i - 1].0 + 1;
                cur[i] = if sub <= del && sub <= ins {
                    (sub, prev[i - 1].1)
                } else if del <= ins {
                    (del, prev[i].1)
                } else {
                    (ins, cur[i - 1].1)
                };
            }
            best_end.push((cur[m].0, cur[m].1, j));
            prev = cur;
        }
        for (edits, start, end) in best_end {
            if edits * 2 <= m && start < end {
                found.push((edits, pi, start, end));
            }
        }
    }
    found.sort();
    let mut chosen: Vec<(usize, usize, usize, usize)> = Vec::new();
    for c in found {
        if chosen.len() >= k {
            break;
        }
        let (_, pi, s, e) = c;
        if chosen.iter().any(|&(_, p, a, b)| p == pi && s < b && a < e) {
            continue;
        }
        chosen.push(c);
    }
    chosen
        .into_iter()
        .filter_map(|(edits, pi, mut s, mut e)| {
            let t = &folded[pi].chars;
            while s > 0 && t[s - 1].is_alphanumeric() && t[s].is_alphanumeric() {
                s -= 1;
            }
            while e < t.len() && t[e].is_alphanumeric() && t[e - 1].is_alphanumeric() {
                e += 1;
            }
            while s < e && t[s] == ' ' {
                s += 1;
            }
            while e > s && t[e - 1] == ' ' {
                e -= 1;
            }
            if s >= e {
                return None;
            }
            let span = [folded[pi].from[s].0, folded[pi].from[e - 1].1];
            Some(Near {
                at: Match {
                    paragraph: pi as u32 + 1,
                    span,
                    text: slice_chars(&paras[pi], span[0], span[1]),
                },
                edits,
            })
        })
        .collect()
}

/// Text for a one-line display: each line break of a paragraph shown as `↵`.
pub fn one_line(s: &str) -> String {
    s.replace('\n', "↵")
}

/// The span `[a, b)` of `paragraph` marked, with up to `context` characters
/// of the paragraph on either side (`…` where it is cut), on one line.
pub fn snippet(paragraph: &str, span: [u32; 2], context: u32, open: &str, close: &str) -> String {
    let n = paragraph.chars().count() as u32;
    let from = span[0].saturating_sub(context);
    let to = (span[1] + context).min(n);
    format!(
        "{}{}{open}{}{close}{}{}",
        if from > 0 { "…" } else { "" },
        one_line(&slice_chars(paragraph, from, span[0])),
        one_line(&slice_chars(paragraph, span[0], span[1])),
        one_line(&slice_chars(paragraph, span[1], to)),
        if to < n { "…" } else { "" },
    )
}

/// The paragraph with characters `[a, b)` between `open` and `close`.
pub fn mark(paragraph: &str, span: [u32; 2], open: &str, close: &str) -> String {
    let mut s = String::with_capacity(paragraph.len() + open.len() + close.len());
    for (i, c) in paragraph.chars().enumerate() {
        if i as u32 == span[0] {
            s.push_str(open);
        }
        if i as u32 == span[1] {
            s.push_str(close);
        }
        s.push(c);
    }
    let n = paragraph.chars().count() as u32;
    if span[0] >= n {
        s.push_str(open);
    }
    if span[1] >= n {
        s.push_str(close);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_maps_back_to_whole_characters() {
        let f = fold("a\u{00A0}\n  “b”—c");
        assert_eq!(f.chars.iter().collect::<String>(), "a \"b\"-c");
        assert_eq!(f.from[1], (1, 5));
        // A decomposed é is one folded character covering two.
        let f = fold("e\u{301}x");
        assert_eq!(f.chars, vec!['é', 'x']);
        assert_eq!(f.from, vec![(0, 2), (2, 3)]);
    }

    #[test]
    fn straight_quotes_find_curly_ones_and_store_them() {
        let text = "Intro.\n\nHe said “it’s a long game” — twice.\n";
        let m = locate(text, "\"it's a long game\" - twice", None);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].paragraph, 2);
        assert_eq!(m[0].text, "“it’s a long game” — twice");
        assert_eq!(m[0].locator(), "p2:8-34");
    }

    #[test]
    fn nearest_finds_a_close_passage() {
        let text = "One.\n\nCanada was studying the possibility of reopening its embassy.\n";
        let n = nearest(text, "studying the possibility of re-opening its embasy", 3);
        assert_eq!(n[0].at.paragraph, 2);
        assert_eq!(
            n[0].at.text,
            "studying the possibility of reopening its embassy"
        );
        assert!(nearest(text, "something else entirely", 3).is_empty());
    }

    #[test]
    fn marks_a_span() {
        assert_eq!(mark("abcd", [1, 3], "[", "]"), "a[bc]d");
        assert_eq!(mark("abcd", [2, 4], "[", "]"), "ab[cd]");
    }
}
