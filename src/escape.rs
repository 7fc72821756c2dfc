//! One way to show ledger text to a person: an escaper for each medium that
//! text from a ledger, or a name or path a user typed, is shown in.
//!
//! A ledger is input from whoever wrote it (a pull request, another tool, an
//! older version of this one), and so is a file name. Whatever it holds, what
//! `ledger` prints must show its characters and do nothing else: not move the
//! cursor, set the window title or clear the screen, not add a line that looks
//! like output of its own, not issue a GitHub Actions workflow command, not
//! reorder the text around it, and not become live Markdown or HTML.
//!
//! - [`terminal`]: text for a terminal (and for any plain-text output: logs,
//!   CI consoles, files). Every character a terminal or a log reader acts on is
//!   shown as an escape (see [`unsafe_char`] and [`visible`]), line breaks
//!   included: ledger text never starts a line of output.
//! - [`markdown`] and [`markdown_code`]: text inside a CommonMark / GitHub
//!   Markdown document, rendered as exactly its characters, within one
//!   paragraph.
//! - [`html`]: text and quoted attribute values in HTML.
//! - [`github_data`] and [`github_property`]: the message and the property
//!   values (file paths included) of a GitHub Actions workflow command.
//! - [`spreadsheet`]: a cell of a CSV file, as a spreadsheet would take it.
//!
//! JSON needs none of these: serde escapes what JSON requires, and JSON output
//! carries every string exactly as the ledger holds it.
//!
//! The escapes are for reading, not a reversible encoding: a backslash in the
//! text is shown as it is, so `\n` may be a line break or the two characters.
//! The exact text is in the ledger and in every `--format json`.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::ops::Range;

/// Whether `c` must never reach a medium raw: the C0 controls (U+0000 to
/// U+001F: NUL, BEL, BS, TAB, LF, CR, ESC, ...), DEL (U+007F), the C1 controls
/// (U+0080 to U+009F, among them the one-byte CSI U+009B), the bidirectional
/// formatting characters that reorder the text around them (the marks U+061C,
/// U+200E, U+200F, the embeddings and overrides U+202A to U+202E and the
/// isolates U+2066 to U+2069), and the Unicode line and paragraph separators
/// U+2028 and U+2029.
pub fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// Whether `s` holds a character [`unsafe_char`] names, read from its bytes
/// (no character is decoded: the text shown is most often ASCII, or has a
/// few non-ASCII letters and marks).
fn has_unsafe(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().any(|(i, &c)| match c {
        0x00..=0x1f | 0x7f => true,
        0x80.. => unsafe_encoded(&b[i..]),
        _ => false,
    })
}

/// Whether the UTF-8 bytes `rest` begin with the encoding of a character
/// [`unsafe_char`] names that is not ASCII (C1 controls are C2 80 to C2 9F;
/// the bidirectional marks, embeddings, isolates and the line and paragraph
/// separators are D8 9C, E2 80 8E/8F/A8 to AE and E2 81 A6 to A9). A unit
/// test holds it to [`unsafe_char`] for every character.
fn unsafe_encoded(rest: &[u8]) -> bool {
    matches!(
        rest,
        [0xc2, 0x80..=0x9f, ..]
            | [0xd8, 0x9c, ..]
            | [0xe2, 0x80, 0x8e | 0x8f | 0xa8..=0xae, ..]
            | [0xe2, 0x81, 0xa6..=0xa9, ..]
    )
}

/// How an unsafe character is shown, in the notation of Rust string
/// literals: `\0`, `\t`, `\n`, `\r`, and `\u{X}` (lowercase hexadecimal, no
/// leading zeros) for every other one: ESC is `\u{1b}`, BEL `\u{7}`, CSI
/// `\u{9b}`, RIGHT-TO-LEFT OVERRIDE `\u{202e}`.
pub fn visible(c: char, out: &mut String) {
    match c {
        '\0' => out.push_str("\\0"),
        '\t' => out.push_str("\\t"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// Text for a terminal or any plain-text output, on one line: every
/// [`unsafe_char`] is shown as its [`visible`] escape (a line break as `\n`),
/// everything else as it is. Borrowed when there is nothing to escape.
pub fn terminal(s: &str) -> Cow<'_, str> {
    if !has_unsafe(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if unsafe_char(c) {
            visible(c, &mut out);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// [`terminal`] of a path (a file name can hold any byte but `/` and NUL;
/// bytes that are not UTF-8 are shown as U+FFFD).
pub fn terminal_path(p: &std::path::Path) -> String {
    terminal(&p.to_string_lossy()).into_owned()
}

/// [`terminal`] of `s`, and where the byte range `at` of `s` (on character
/// boundaries) is in the escaped text: an underline drawn under the escaped
/// text marks the same characters. A range covering an escaped character
/// covers its whole escape.
pub fn terminal_mapped(s: &str, at: Range<usize>) -> (String, Range<usize>) {
    let mut out = String::with_capacity(s.len() + 16);
    let (mut start, mut end) = (None, None);
    for (i, c) in s.char_indices() {
        if i == at.start {
            start = Some(out.len());
        }
        if i == at.end {
            end = Some(out.len());
        }
        if unsafe_char(c) {
            visible(c, &mut out);
        } else {
            out.push(c);
        }
    }
    let start = start.unwrap_or(out.len());
    let end = end.unwrap_or(out.len()).max(start);
    (out, start..end)
}

/// Whether `c` is whitespace that [`markdown`] folds: space, TAB, LF and CR.
fn md_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// The characters [`markdown`] shows, each with whether it comes from the
/// [`visible`] escape of an unsafe character: runs of spaces, TABs and line
/// breaks folded into one space, none at either end.
fn md_chars(s: &str) -> Vec<(char, bool)> {
    let mut out = Vec::with_capacity(s.len());
    let mut space = false;
    let mut esc = String::new();
    for c in s.chars() {
        if md_space(c) {
            space = !out.is_empty();
            continue;
        }
        if std::mem::take(&mut space) {
            out.push((' ', false));
        }
        if unsafe_char(c) {
            esc.clear();
            visible(c, &mut esc);
            out.extend(esc.chars().map(|e| (e, true)));
        } else {
            out.push((c, false));
        }
    }
    out
}

/// The text [`markdown`] renders to: `s` with every run of spaces, TABs and
/// line breaks shown as one space and none at either end, and every other
/// [`unsafe_char`] as its [`visible`] escape.
pub fn markdown_shown(s: &str) -> String {
    md_chars(s).into_iter().map(|(c, _)| c).collect()
}

/// Text inside a GitHub-flavoured (CommonMark) Markdown document, where it may
/// begin a line: it renders as exactly the characters of [`markdown_shown`]
/// (so within one paragraph: a line break is a space) and never as structure.
///
/// Escaped with a backslash, always: `\` `` ` `` `*` `[` `]` `<` `>` `&` `|`
/// `~` `$` `^` `{` `}` `@` (code, emphasis, links and images, raw HTML and
/// autolinks, entities, tables, strikethrough, math, super/subscript, heading
/// attributes, e-mail autolinks). Escaped only where they would mean
/// something: `_` unless between two letters or digits (`snake_case` stays
/// as it is); `#`, `+`, `-` at the start (headings, lists, rules) and `#` at
/// the end (a heading's closing sequence); the `.` or
/// `)` after leading digits (ordered lists); `:` before `/` and the `.` of a
/// leading `www.` (GitHub's bare-URL autolinks). Everything else, among it
/// apostrophes, quotes, commas, parentheses, hyphens inside words and `!`,
/// stays as it is, so ordinary prose reads as written in the Markdown source.
/// The escape of an unsafe character needs only its braces escaped (its
/// backslash is followed by a letter or digit, which Markdown shows as is):
/// ESC is written `\u\{1b\}` and shown `\u{1b}`.
///
/// Not Markdown, and not prevented: GitHub's own references (`#123`,
/// `@name`, commit hashes), which it links after rendering, and `:name:`
/// emoji codes.
pub fn markdown(s: &str) -> String {
    if markdown_as_is(s) {
        return s.to_string();
    }
    markdown_general(s)
}

/// [`markdown_code`] written at the end of `out`: an id (the common case)
/// is copied once, into place.
pub fn markdown_code_into(out: &mut String, s: &str) {
    if code_as_is(s) {
        out.push('`');
        out.push_str(s);
        out.push('`');
    } else {
        out.push_str(&markdown_code(s));
    }
}

/// Whether [`markdown_code`] shows `s` as it is in single backticks: an id
/// and most code-like values, printable ASCII without a backtick.
fn code_as_is(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic() && b != b'`')
}

/// Replaces the text of `out` from byte `from` on (a character boundary)
/// with its [`markdown`]: for a writer that builds the text in place, which
/// then stays where it is when, as for most prose, nothing is to escape.
pub fn markdown_in_place(out: &mut String, from: usize) {
    if markdown_as_is(&out[from..]) {
        return;
    }
    let raw = out.split_off(from);
    out.push_str(&markdown_general(&raw));
}

/// [`markdown_in_place`] for the [`terminal`] escape.
pub fn terminal_in_place(out: &mut String, from: usize) {
    if let Cow::Owned(shown) = terminal(&out[from..]) {
        out.truncate(from);
        out.push_str(&shown);
    }
}

/// Whether [`markdown`] shows `s` as it is: no character it would fold,
/// escape or replace, and none of the places where a character means
/// something (a leading `#`, `+`, `-` or digit, a final `#`, `:` before `/`,
/// the `.` after `www`). Most prose is like that, and a report escapes every
/// statement it shows: this check spares it the general path's list of
/// characters. It may say no to text the general path leaves unchanged.
fn markdown_as_is(s: &str) -> bool {
    let b = s.as_bytes();
    let (Some(&first), Some(&last)) = (b.first(), b.last()) else {
        return true;
    };
    if matches!(first, b'#' | b'+' | b'-' | b' ')
        || first.is_ascii_digit()
        || matches!(last, b'#' | b' ')
    {
        return false;
    }
    let mut prev = 0u8;
    for (i, &c) in b.iter().enumerate() {
        let fine = match c {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => true,
            b' ' => prev != b' ',
            b'.' => !matches!(prev, b'w' | b'W'),
            b'/' => prev != b':',
            b',' | b';' | b'\'' | b'"' | b'(' | b')' | b'!' | b'?' | b'%' | b'=' | b':' | b'#'
            | b'+' | b'-' => true,
            // Not ASCII: fine unless its character is unsafe.
            0x80.. => !unsafe_encoded(&b[i..]),
            _ => false,
        };
        if !fine {
            return false;
        }
        prev = c;
    }
    true
}

/// [`markdown`] by the general rules, for any text.
fn markdown_general(s: &str) -> String {
    let chars = md_chars(s);
    let at = |i: usize| chars.get(i).map(|&(c, _)| c);
    let alnum = |i: Option<usize>| i.and_then(at).is_some_and(char::is_alphanumeric);
    let lead_digits = chars
        .iter()
        .take_while(|(c, esc)| !esc && c.is_ascii_digit())
        .count();
    let mut out = String::with_capacity(chars.len() + 8);
    for (i, &(c, from_escape)) in chars.iter().enumerate() {
        let escape = match c {
            '{' | '}' => true,
            _ if from_escape => false,
            '\\' | '`' | '*' | '[' | ']' | '<' | '>' | '&' | '|' | '~' | '$' | '^' | '@' => true,
            '_' => !(alnum(i.checked_sub(1)) && alnum(Some(i + 1))),
            '+' | '-' => i == 0,
            // At the end, a `#` would close a heading the text is in.
            '#' => i == 0 || i + 1 == chars.len(),
            '.' | ')' => i > 0 && i == lead_digits && lead_digits <= 9 || www_dot(&chars, i),
            ':' => at(i + 1) == Some('/'),
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Whether `chars[i]` is the `.` of a `www.` that begins a word.
fn www_dot(chars: &[(char, bool)], i: usize) -> bool {
    i >= 3
        && chars[i].0 == '.'
        && chars[i - 3..i]
            .iter()
            .all(|(c, _)| c.eq_ignore_ascii_case(&'w'))
        && (i == 3 || !chars[i - 4].0.is_alphanumeric())
}

/// A Markdown code span showing exactly the characters of [`markdown_shown`]
/// of `s`: fenced by one more backtick than the longest run of backticks in
/// it, and padded with a space on each side when it begins or ends with a
/// backtick (CommonMark removes one such space on each side). Empty text is
/// shown as nothing.
pub fn markdown_code(s: &str) -> String {
    if code_as_is(s) {
        return format!("`{s}`");
    }
    let shown = markdown_shown(s);
    if shown.is_empty() {
        return shown;
    }
    let mut longest = 0;
    let mut run = 0;
    for c in shown.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if shown.starts_with('`') || shown.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{shown}{pad}{fence}")
}

/// Text, or the value of a quoted attribute, in HTML: `&`, `<`, `>`, `"` and
/// `'` as character references, and every [`unsafe_char`] but TAB, LF and CR
/// (which HTML takes as white space) as its [`visible`] escape, so the
/// bidirectional overrides cannot reorder the page either.
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if unsafe_char(c) => visible(c, &mut out),
            c => out.push(c),
        }
    }
    out
}

/// A cell of a CSV file meant for a spreadsheet: a cell that starts with
/// `=`, `+`, `-` or `@` (or TAB or CR, which some spreadsheets skip before
/// such a character) gets a leading `'`, so that a spreadsheet shows it as
/// text instead of evaluating it as a formula (which can fetch URLs or run
/// commands); every [`unsafe_char`] but LF and TAB is shown as its
/// [`visible`] escape. LF stays: a quoted CSV cell may span lines. The CSV
/// quoting itself is the writer's (RFC 4180); the exact text is in the JSON
/// outputs.
pub fn spreadsheet(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 1);
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        out.push('\'');
    }
    for c in s.chars() {
        match c {
            '\n' | '\t' => out.push(c),
            c if unsafe_char(c) => visible(c, &mut out),
            c => out.push(c),
        }
    }
    out
}

/// The message of a GitHub Actions workflow command (`::error ...::MESSAGE`):
/// `%`, CR and LF percent-encoded as the runner decodes them (`%25`, `%0D`,
/// `%0A`), so the message stays on the command's line; every other
/// [`unsafe_char`] as its [`visible`] escape.
pub fn github_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c if unsafe_char(c) => visible(c, &mut out),
            c => out.push(c),
        }
    }
    out
}

/// A property value of a workflow command (`file=...,title=...`): as
/// [`github_data`], and `:` and `,` too (`%3A`, `%2C`), which end a value.
/// Every property, file paths included, goes through it.
pub fn github_property(s: &str) -> String {
    github_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

    #[test]
    fn terminal_shows_every_control_and_reordering_character() {
        assert_eq!(
            terminal("plain text, “quoted” – ok"),
            "plain text, “quoted” – ok"
        );
        assert!(matches!(terminal("plain"), Cow::Borrowed(_)));
        assert_eq!(
            terminal("a\u{1b}]0;pwned\u{7}b\u{1b}[2Jc"),
            r"a\u{1b}]0;pwned\u{7}b\u{1b}[2Jc"
        );
        assert_eq!(terminal("1\n2\r3\t4\u{0}5"), r"1\n2\r3\t4\05");
        assert_eq!(
            terminal("\u{7f}\u{80}\u{9b}\u{9f}"),
            r"\u{7f}\u{80}\u{9b}\u{9f}"
        );
        assert_eq!(
            terminal("\u{202a}\u{202e}\u{2066}\u{2069}\u{200e}\u{200f}\u{61c}"),
            r"\u{202a}\u{202e}\u{2066}\u{2069}\u{200e}\u{200f}\u{61c}"
        );
        assert_eq!(terminal("\u{2028}\u{2029}"), r"\u{2028}\u{2029}");
        // Not controls: no-break space, zero-width joiner, U+00A0..
        assert_eq!(terminal("\u{a0}\u{200d}é"), "\u{a0}\u{200d}é");
    }

    #[test]
    fn terminal_mapped_keeps_an_underline_on_its_characters() {
        let s = "ab\u{1b}[2Jcd";
        let (t, r) = terminal_mapped(s, 2..3);
        assert_eq!(t, r"ab\u{1b}[2Jcd");
        assert_eq!(&t[r], r"\u{1b}");
        let (t, r) = terminal_mapped(s, 7..8);
        assert_eq!(&t[r], "d");
        let (t, r) = terminal_mapped(s, s.len()..s.len());
        assert_eq!(r, t.len()..t.len());
    }

    proptest! {
        /// No output of `terminal` holds a character a terminal acts on, and
        /// it changes only those.
        #[test]
        fn terminal_output_is_inert(s in "\\PC*|[\\x00-\\x{a0}\u{2028}\u{202e}a\\\\]*") {
            let t = terminal(&s);
            prop_assert!(!t.chars().any(unsafe_char));
            if !s.chars().any(unsafe_char) {
                prop_assert_eq!(t.as_ref(), s.as_str());
            }
        }
    }

    proptest! {
        /// Escaping the end of a buffer in place gives the buffer's start
        /// followed by the escape of its end, in both media.
        #[test]
        fn escaped_in_place_is_escaped_after_the_start(
            start in "\\PC{0,8}",
            s in "[a-z .#_*]{0,12}|[ -~é\u{85}\u{2028}\u{202e}\n\t]{0,12}|\\PC{0,30}",
        ) {
            let mut out = format!("{start}{s}");
            markdown_in_place(&mut out, start.len());
            prop_assert_eq!(out, format!("{start}{}", markdown(&s)));
            let mut out = format!("{start}{s}");
            terminal_in_place(&mut out, start.len());
            prop_assert_eq!(out, format!("{start}{}", terminal(&s)));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// Text [`markdown`] takes as it is is exactly the text the general
        /// rules leave unchanged, so the shortcut never changes an output.
        #[test]
        fn markdown_shortcut_agrees_with_the_general_rules(
            s in "[a-zA-Z0-9 .:/#+_,;'\"()!?%=wW\\-]{0,12}|[ -~é\u{85}\u{2028}\u{202e}\n\t]{0,12}|\\PC{0,30}"
        ) {
            let general = markdown_general(&s);
            prop_assert_eq!(markdown(&s), general.clone());
            if markdown_as_is(&s) {
                prop_assert_eq!(general, s.clone());
            }
            // The code span's shortcut: what the general rules give.
            let shown = markdown_shown(&s);
            if !shown.is_empty() && !shown.contains('`') && !shown.starts_with(' ') && !shown.ends_with(' ') {
                prop_assert_eq!(markdown_code(&s), format!("`{shown}`"));
            }
        }
    }

    /// Read from its bytes, a character is unsafe exactly when
    /// [`unsafe_char`] says so: every character, alone and followed by
    /// others.
    #[test]
    fn unsafe_characters_are_found_in_their_bytes() {
        let mut unsafe_seen = 0;
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            let text = format!("a{c}\u{85}b");
            let at = text.len() - c.len_utf8() - "\u{85}b".len();
            let from_bytes = if c.is_ascii() {
                has_unsafe(&c.to_string())
            } else {
                unsafe_encoded(&text.as_bytes()[at..])
            };
            assert_eq!(from_bytes, unsafe_char(c), "{:?}", c);
            assert_eq!(has_unsafe(&c.to_string()), unsafe_char(c), "{:?}", c);
            assert!(has_unsafe(&text));
            unsafe_seen += usize::from(unsafe_char(c));
        }
        assert_eq!(unsafe_seen, 65 + 14);
    }

    #[test]
    fn markdown_leaves_prose_readable() {
        let prose = "Canada's envoy (the minister) said: talks were \"useful\", low-key and snake_case_ids stay; 3.5% growth! Ask why?";
        assert_eq!(markdown(prose), prose);
        assert_eq!(markdown("  two\n\nlines \t here "), "two lines here");
    }

    #[test]
    fn markdown_escapes_structure_where_it_would_mean_something() {
        assert_eq!(markdown("# Heading"), r"\# Heading");
        assert_eq!(markdown("a # not a heading"), "a # not a heading");
        assert_eq!(markdown("C #"), r"C \#");
        assert_eq!(markdown("- item"), r"\- item");
        assert_eq!(markdown("+ item"), r"\+ item");
        assert_eq!(markdown("2019. A year"), r"2019\. A year");
        assert_eq!(markdown("1) first"), r"1\) first");
        assert_eq!(markdown("In 2019. Then"), "In 2019. Then");
        assert_eq!(markdown("_em_ a_b"), r"\_em\_ a_b");
        assert_eq!(markdown("*x* `c` ~s~ $m$"), r"\*x\* \`c\` \~s\~ \$m\$");
        assert_eq!(
            markdown("<script>alert(1)</script>"),
            r"\<script\>alert(1)\</script\>"
        );
        assert_eq!(
            markdown("![](http://tracker/p.png) [x](javascript:alert(1))"),
            r"!\[\](http\://tracker/p.png) \[x\](javascript:alert(1))"
        );
        assert_eq!(markdown("a | b &amp; c"), r"a \| b \&amp; c");
        assert_eq!(
            markdown("www.example.com a@b.example"),
            r"www\.example.com a\@b.example"
        );
        assert_eq!(markdown("awww.x"), "awww.x");
        assert_eq!(markdown("esc\u{1b}[2J {x}"), r"esc\u\{1b\}\[2J \{x\}");
    }

    #[test]
    fn markdown_code_spans_hold_any_backticks() {
        assert_eq!(markdown_code("en"), "`en`");
        assert_eq!(markdown_code("a`b"), "``a`b``");
        assert_eq!(markdown_code("`x``"), "``` `x`` ```");
        assert_eq!(markdown_code("<b>\n*x*"), "`<b> *x*`");
        assert_eq!(markdown_code(" "), "");
    }

    /// The GFM extensions GitHub renders, and more: a parser with every
    /// extension on is the strictest judge (smart punctuation only rewrites
    /// quotes, so it is left off).
    fn parse(doc: &str) -> Vec<Event<'_>> {
        Parser::new_ext(doc, Options::all() - Options::ENABLE_SMART_PUNCTUATION).collect()
    }

    /// The text of `- ` followed by escaped text, if that document is one
    /// list of one item holding nothing but text.
    fn one_item_text(doc: &str) -> Result<String, String> {
        let events = parse(doc);
        let mut text = String::new();
        let n = events.len();
        for (i, e) in events.into_iter().enumerate() {
            match (i, e) {
                (0, Event::Start(Tag::List(None))) | (1, Event::Start(Tag::Item)) => {}
                (i, Event::End(TagEnd::Item)) if i == n - 2 => {}
                (i, Event::End(TagEnd::List(false))) if i == n - 1 => {}
                (i, Event::Text(t)) if i > 1 && i < n - 2 => text.push_str(&t),
                (i, other) => return Err(format!("event {i}: {other:?} in {doc:?}")),
            }
        }
        Ok(text)
    }

    fn adversarial() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("#".to_string()),
            Just("## ".to_string()),
            Just("- ".to_string()),
            Just("1. ".to_string()),
            Just("> ".to_string()),
            Just("```".to_string()),
            Just("~~~".to_string()),
            Just("    ".to_string()),
            Just("\n".to_string()),
            Just("\r\n".to_string()),
            Just("\t".to_string()),
            Just("<script>".to_string()),
            Just("<img src=x onerror=alert(1)>".to_string()),
            Just("<!-- c -->".to_string()),
            Just("&amp;".to_string()),
            Just("&#x41;".to_string()),
            Just("![](http://tracker.example/p.png)".to_string()),
            Just("[x](javascript:alert(1))".to_string()),
            Just("[x]: http://ref.example".to_string()),
            Just("<http://auto.example>".to_string()),
            Just("http://bare.example/x".to_string()),
            Just("www.example.com".to_string()),
            Just("a@b.example".to_string()),
            Just("| a | b |\n|---|---|".to_string()),
            Just("[^1]".to_string()),
            Just("[ ] ".to_string()),
            Just("$x$".to_string()),
            Just("^sup^".to_string()),
            Just("{#id .c}".to_string()),
            Just("***".to_string()),
            Just("___".to_string()),
            Just("===".to_string()),
            Just("\\".to_string()),
            Just("  \n".to_string()),
            "[a-z0-9 ]{1,8}",
            "[!-/:-@\\[-`{-~]{1,4}",
            "[\\x00-\\x20\u{7f}\u{85}\u{9b}\u{a0}\u{2028}\u{202e}]{1,3}",
            "\\PC{1,4}",
        ];
        prop::collection::vec(piece, 0..12).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// For any text, `- ` followed by its escaped form is one list item
        /// holding only text, and that text is exactly what `markdown_shown`
        /// says: no heading, list, quote, code, emphasis, HTML, link, image,
        /// table, footnote, math or line break comes from the text.
        #[test]
        fn markdown_escaped_text_renders_as_its_characters(
            s in prop_oneof![adversarial(), "\\PC*", any::<String>()]
        ) {
            let doc = format!("- {}", markdown(&s));
            let text = one_item_text(&doc).map_err(TestCaseError::fail)?;
            prop_assert_eq!(text, markdown_shown(&s), "document {:?}", doc);
        }

        /// In a heading (the report's topic headings hold a label), escaped
        /// text is the heading's whole text: no closing sequence, attribute
        /// or inline structure comes from it.
        #[test]
        fn markdown_escaped_text_in_a_heading_is_its_text(
            s in prop_oneof![adversarial(), "[a #{}.=]{0,8}"]
        ) {
            let doc = format!("## {}", markdown(&s));
            let events = parse(&doc);
            let mut text = String::new();
            for (i, e) in events.iter().enumerate() {
                match (i, e) {
                    (0, Event::Start(Tag::Heading { id: None, classes, attrs, .. }))
                        if classes.is_empty() && attrs.is_empty() => {}
                    (i, Event::End(TagEnd::Heading(_))) if i + 1 == events.len() => {}
                    (_, Event::Text(t)) => text.push_str(t),
                    (i, other) => {
                        return Err(TestCaseError::fail(format!("event {i}: {other:?} in {doc:?}")));
                    }
                }
            }
            prop_assert_eq!(text, markdown_shown(&s), "document {:?}", doc);
        }

        /// A code span of any text is one code span of exactly that text.
        #[test]
        fn markdown_code_spans_render_as_their_characters(
            s in prop_oneof![adversarial(), "[`a ]{1,10}"]
        ) {
            let shown = markdown_shown(&s);
            prop_assume!(!shown.is_empty());
            let doc = format!("- {}", markdown_code(&s));
            let events = parse(&doc);
            let codes: Vec<String> = events
                .iter()
                .filter_map(|e| match e {
                    Event::Code(c) => Some(c.to_string()),
                    _ => None,
                })
                .collect();
            prop_assert_eq!(codes, vec![shown], "document {:?}", doc);
            prop_assert_eq!(events.len(), 5, "document {:?}: {:?}", doc, events);
        }
    }

    #[test]
    fn html_escapes_markup_and_quotes() {
        assert_eq!(
            html(r#"<img src="x" onerror='a&b'>"#),
            "&lt;img src=&quot;x&quot; onerror=&#39;a&amp;b&#39;&gt;"
        );
        assert_eq!(
            html("a\nb\u{1b}[2J\u{202e}"),
            r"a
b\u{1b}[2J\u{202e}"
        );
        assert_eq!(html("plain – text"), "plain – text");
    }

    #[test]
    fn github_escapes_follow_the_workflow_command_rules() {
        assert_eq!(github_data("100% a\r\nb: c, d"), "100%25 a%0D%0Ab: c, d");
        assert_eq!(github_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(
            github_property("ledger/x\n::add-mask::s\u{1b}.jsonl"),
            r"ledger/x%0A%3A%3Aadd-mask%3A%3As\u{1b}.jsonl"
        );
        assert_eq!(
            github_data("::set-output name=x::y"),
            "::set-output name=x::y"
        );
    }

    #[test]
    fn spreadsheet_cells_never_start_a_formula() {
        for f in [
            "=HYPERLINK(\"http://x\")",
            "+1",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
        ] {
            assert!(spreadsheet(f).starts_with('\''), "{f}");
        }
        assert_eq!(spreadsheet("a = b - c"), "a = b - c");
        assert_eq!(spreadsheet("line\nnext\tcol"), "line\nnext\tcol");
        assert_eq!(spreadsheet("x\u{1b}[2J\r"), r"x\u{1b}[2J\r");
        assert_eq!(spreadsheet(""), "");
    }
}
