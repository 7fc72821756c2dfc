//! The byte layout of a canonical ledger line, read by position.
//!
//! A line `ledger` writes is the RFC 8785 text of its envelope, whose members
//! sort as `body, format, hash, kind, prev, recorded, seq`. So a canonical line
//! always reads
//!
//! ```text
//! {"body":{…},"format":F,"hash":"<64 hex>","kind":"<kind>","prev":"<64 hex>","recorded":"<time>","seq":<N>}
//! ```
//!
//! (F is the format, 1 or 2), and everything after the body can be read by
//! position, without parsing the line: the last `,"format":` ends the body (a
//! quote inside any string is escaped, so the bytes `,"format":` after the
//! body's closing brace cannot be inside a string), and `,"seq":N}` ends the
//! line. This module is the one
//! place that knows that layout; every positioned read (the last entry, a
//! binary search for a seq, the lines before a `--since` entry) goes through
//! it. Nothing here checks a hash or the canonical form: a line that has this
//! layout may still be damaged, and callers that need more run the full check
//! (`chain::check_line`).

/// The members of a canonical line, as text slices of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parts<'a> {
    /// The body object's canonical text, braces included.
    pub body: &'a str,
    /// The 64 hex digits of `hash`.
    pub hash: &'a str,
    pub kind: &'a str,
    /// The 64 hex digits of `prev`.
    pub prev: &'a str,
    pub recorded: &'a str,
    pub seq: u64,
}

/// The largest `seq` a line may carry: integers beyond 2^53 are not exact in
/// JSON numbers read as doubles (docs/FORMAT.md 3.3).
pub const MAX_SEQ: u64 = 1 << 53;

/// The `seq` a line ends with (`,"seq":N}` with N decimal digits, no sign,
/// no leading zero, at most 2^53), or `None` if it does not end that way.
pub fn trailing_seq(line: &[u8]) -> Option<u64> {
    let body = line.strip_suffix(b"}")?;
    let at = memchr::memmem::rfind(body, b",\"seq\":")?;
    parse_seq(&body[at + 7..])
}

/// A `seq` written as canonical JSON: decimal digits without a leading zero
/// (except `0` itself), at most [`MAX_SEQ`].
pub fn parse_seq(digits: &[u8]) -> Option<u64> {
    if digits.is_empty()
        || digits.len() > 16
        || !digits.iter().all(u8::is_ascii_digit)
        || (digits.len() > 1 && digits[0] == b'0')
    {
        return None;
    }
    let n = std::str::from_utf8(digits).ok()?.parse::<u64>().ok()?;
    (n <= MAX_SEQ).then_some(n)
}

/// `n` in decimal, as canonical JSON writes an integer (a `seq`), written
/// into `buf` without allocating: the sealing of every imported line and
/// the numbers of every report line use it.
pub fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Decimal digits are ASCII.
    std::str::from_utf8(&buf[i..]).unwrap_or_default()
}

/// Splits a line laid out as a canonical entry into its members, or `None`
/// when it is not laid out that way.
pub fn split(text: &str) -> Option<Parts<'_>> {
    let b = text.as_bytes();
    let body_end = memchr::memmem::rfind(b, b",\"format\":")?;
    let body = text
        .get(8..body_end)
        .filter(|_| b.starts_with(b"{\"body\":{"))?;
    let rest = text[body_end..].strip_prefix(",\"format\":")?;
    let rest = rest
        .strip_prefix('1')
        .or_else(|| rest.strip_prefix('2'))?
        .strip_prefix(",\"hash\":\"")?;
    let (hash, rest) = (rest.get(..64)?, rest.get(64..)?);
    let rest = rest.strip_prefix("\",\"kind\":\"")?;
    let (kind, rest) = rest.split_once('"')?;
    let rest = rest.strip_prefix(",\"prev\":\"")?;
    let (prev, rest) = (rest.get(..64)?, rest.get(64..)?);
    let rest = rest.strip_prefix("\",\"recorded\":\"")?;
    let (recorded, rest) = rest.split_once('"')?;
    let seq = parse_seq(
        rest.strip_prefix(",\"seq\":")?
            .strip_suffix('}')?
            .as_bytes(),
    )?;
    Some(Parts {
        body,
        hash,
        kind,
        prev,
        recorded,
        seq,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "0000000000000000000000000000000000000000000000000000000000000000";

    fn line(body: &str, seq: &str) -> String {
        format!(
            "{{\"body\":{body},\"format\":1,\"hash\":\"{H}\",\"kind\":\"fact\",\"prev\":\"{H}\",\"recorded\":\"2026-01-02T03:04:05Z\",\"seq\":{seq}}}"
        )
    }

    #[test]
    fn splits_a_canonical_line_even_when_the_body_mentions_the_members() {
        let body = r#"{"a":{"format":1,"seq":3},"s":"\",\"format\":2"}"#;
        let l = line(body, "12");
        let p = split(&l).unwrap();
        assert_eq!(p.body, body);
        assert_eq!(p.seq, 12);
        assert_eq!(p.kind, "fact");
        assert_eq!(trailing_seq(l.as_bytes()), Some(12));
    }

    #[test]
    fn format_1_and_2_lines_split_and_no_other() {
        let l = line("{}", "5");
        for (f, ok) in [
            ("1", true),
            ("2", true),
            ("3", false),
            ("12", false),
            ("1.0", false),
        ] {
            let l = l.replace("\"format\":1,", &format!("\"format\":{f},"));
            assert_eq!(split(&l).is_some(), ok, "{l}");
        }
    }

    #[test]
    fn seqs_are_canonical_integers_up_to_2_to_the_53() {
        for bad in [
            "",
            "01",
            "-1",
            "1.0",
            "1e3",
            "9007199254740993",
            "99999999999999999",
        ] {
            assert_eq!(trailing_seq(line("{}", bad).as_bytes()), None, "{bad}");
            assert!(split(&line("{}", bad)).is_none(), "{bad}");
        }
        assert_eq!(
            trailing_seq(line("{}", "9007199254740992").as_bytes()),
            Some(MAX_SEQ)
        );
        assert_eq!(trailing_seq(line("{}", "0").as_bytes()), Some(0));
    }
}
