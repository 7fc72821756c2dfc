//! Canonical JSON (RFC 8785, "JCS") and the strict parser that feeds it.
//!
//! This module owns the byte-exact text that every hash in a ledger covers:
//! - [`parse_strict`] reads one JSON text into a [`serde_json::Value`], refusing what
//!   JCS cannot represent faithfully (duplicate object keys, which `serde_json`
//!   would silently collapse; integers beyond ±2^53 that an IEEE double cannot
//!   hold exactly; non-finite numbers);
//! - [`write_canonical`] serializes a value exactly as RFC 8785 prescribes: object
//!   members sorted by the UTF-16 code units of their names, ECMAScript number text,
//!   and minimal string escaping.
//!
//! The implementation is written here, not taken from a crate, because the
//! conformance details are few and the hash of every entry depends on them; the
//! RFC's examples, the public conformance vectors and pinned golden hashes in the
//! tests decide whether it is right.

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

/// The largest integer magnitude an IEEE double holds exactly (2^53).
pub const MAX_SAFE_INTEGER: u64 = 1 << 53;

/// The deepest nesting of arrays and objects [`parse_strict`] accepts: 127
/// arrays or objects one inside another (counting the outermost) are read; one
/// more level is refused as a syntax error. This is `serde_json`'s recursion limit,
/// which keeps parsing (and every later walk of the tree) off the end of the
/// stack; a test pins it, so a change of dependency cannot move it silently.
pub const MAX_NESTING: usize = 127;

/// Why a JSON text was refused by [`parse_strict`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// What kind of problem it is.
    pub kind: ParseErrorKind,
    /// Human-readable description, without position.
    pub message: String,
    /// 1-based column (in characters) where the problem was detected, when known.
    pub column: Option<usize>,
}

/// The classes of [`ParseError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// Not JSON at all, or JSON with trailing text.
    Syntax,
    /// An object names the same member twice.
    DuplicateKey,
    /// A number JCS cannot carry faithfully.
    NumberRange,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Parses one JSON text strictly (see the module docs).
pub fn parse_strict(text: &str) -> Result<Value, ParseError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = StrictSeed
        .deserialize(&mut de)
        .map_err(|e| classify(text, &e))?;
    de.end().map_err(|e| classify(text, &e))?;
    Ok(value)
}

const DUP_TAG: &str = "duplicate key ";
const RANGE_TAG: &str = "number out of range for JCS: ";

fn classify(text: &str, e: &serde_json::Error) -> ParseError {
    // serde_json reports a 1-based line and a 1-based byte column; ledger lines
    // are single-line JSON, so convert the byte column to a character column.
    let msg = e.to_string();
    let bare = match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.clone(),
    };
    let column = if e.line() == 1 && e.column() > 0 {
        let byte = e.column().min(text.len());
        let mut b = byte;
        while b > 0 && !text.is_char_boundary(b) {
            b -= 1;
        }
        Some(text[..b].chars().count().max(1))
    } else {
        None
    };
    let (kind, message) = if let Some(rest) = bare.strip_prefix(DUP_TAG) {
        (
            ParseErrorKind::DuplicateKey,
            format!("duplicate key {rest}: an object may name a member only once"),
        )
    } else if bare == "recursion limit exceeded" {
        (
            ParseErrorKind::Syntax,
            format!(
                "invalid JSON: nested too deeply (at most {MAX_NESTING} levels of arrays and objects)"
            ),
        )
    } else if let Some(rest) = bare.strip_prefix(RANGE_TAG) {
        (ParseErrorKind::NumberRange, rest.to_string())
    } else {
        (ParseErrorKind::Syntax, format!("invalid JSON: {bare}"))
    };
    ParseError {
        kind,
        message,
        column,
    }
}

/// An integer beyond ±2^53 as a double, when reading it so loses nothing: the
/// double is exactly the integer, or its canonical text is the integer's own
/// digits (JCS writes the double 2^63 as `9223372036854776000`, which must read
/// back). Otherwise `None`: 2^53 + 1 would silently become 2^53.
fn big_integer(exact: i128) -> Option<Value> {
    let f = exact as f64;
    let mut text = String::new();
    write_f64(f, &mut text);
    (f as i128 == exact || text == exact.to_string())
        .then(|| Number::from_f64(f).map(Value::Number))
        .flatten()
}

struct StrictSeed;

impl<'de> DeserializeSeed<'de> for StrictSeed {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        if v.unsigned_abs() > MAX_SAFE_INTEGER {
            return big_integer(i128::from(v)).ok_or_else(|| E::custom(format!(
                "{RANGE_TAG}integer {v} is beyond ±2^53 and cannot be represented exactly; store it as a string"
            )));
        }
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        if v > MAX_SAFE_INTEGER {
            return big_integer(i128::from(v)).ok_or_else(|| E::custom(format!(
                "{RANGE_TAG}integer {v} is beyond 2^53 and cannot be represented exactly; store it as a string"
            )));
        }
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom(format!("{RANGE_TAG}{v} is not a finite number")))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(StrictSeed)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            match out.entry(key) {
                serde_json::map::Entry::Occupied(e) => {
                    let shown = serde_json::to_string(e.key()).unwrap_or_default();
                    return Err(de::Error::custom(format!("{DUP_TAG}{shown}")));
                }
                serde_json::map::Entry::Vacant(e) => {
                    e.insert(map.next_value_seed(StrictSeed)?);
                }
            }
        }
        Ok(Value::Object(out))
    }
}

/// Why a value cannot be canonicalized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalError(pub String);

impl fmt::Display for CanonicalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Returns the RFC 8785 canonical text of `value`.
pub fn canonicalize(value: &Value) -> Result<String, CanonicalError> {
    let mut out = String::new();
    write_canonical(value, &mut out)?;
    Ok(out)
}

/// Appends the RFC 8785 canonical text of `value` to `out`.
pub fn write_canonical(value: &Value, out: &mut String) -> Result<(), CanonicalError> {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => write_number(n, out)?,
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out)?;
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in sorted_members(map).into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(k, out);
                out.push(':');
                write_canonical(v, out)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

/// The members of an object in JCS order: by the UTF-16 code units of the names.
pub fn sorted_members(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut members: Vec<(&String, &Value)> = map.iter().collect();
    // Byte order and UTF-16 order agree except when a supplementary-plane
    // character (4 UTF-8 bytes, a surrogate pair in UTF-16) meets a BMP
    // character at or above U+E000 (lead byte 0xEE or 0xEF). Without such
    // characters, byte order decides, and the map usually iterates in it already.
    if members.iter().all(|(k, _)| k.bytes().all(|b| b < 0xEE)) {
        if !members.is_sorted_by(|a, b| a.0.as_bytes() < b.0.as_bytes()) {
            members.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        }
    } else {
        members.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
    }
    members
}

/// Writes a JSON string with the minimal escaping RFC 8785 requires.
pub fn write_string(s: &str, out: &mut String) {
    out.push('"');
    let mut start = 0;
    // Every byte that needs escaping is ASCII, and no byte of a multi-byte
    // UTF-8 sequence is, so a byte scan finds exactly the characters to escape.
    for (i, b) in s.bytes().enumerate() {
        let esc: Option<&str> = match b {
            b'"' => Some("\\\""),
            b'\\' => Some("\\\\"),
            0x08 => Some("\\b"),
            0x0C => Some("\\f"),
            b'\n' => Some("\\n"),
            b'\r' => Some("\\r"),
            b'\t' => Some("\\t"),
            0x00..=0x1F => None,
            _ => continue,
        };
        out.push_str(&s[start..i]);
        match esc {
            Some(e) => out.push_str(e),
            None => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 0xF) as usize] as char);
            }
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

fn write_number(n: &Number, out: &mut String) -> Result<(), CanonicalError> {
    if let Some(u) = n.as_u64() {
        if u > MAX_SAFE_INTEGER {
            return Err(CanonicalError(format!(
                "integer {u} is beyond 2^53 and has no exact JCS form"
            )));
        }
        out.push_str(&u.to_string());
        return Ok(());
    }
    if let Some(i) = n.as_i64() {
        if i.unsigned_abs() > MAX_SAFE_INTEGER {
            return Err(CanonicalError(format!(
                "integer {i} is beyond -2^53 and has no exact JCS form"
            )));
        }
        out.push_str(&i.to_string());
        return Ok(());
    }
    match n.as_f64() {
        Some(f) if f.is_finite() => {
            write_f64(f, out);
            Ok(())
        }
        _ => Err(CanonicalError(format!("{n} is not a finite number"))),
    }
}

/// Writes `f` as ECMAScript's `Number.prototype.toString` would (ECMA-262,
/// Number::toString, radix 10), which RFC 8785 section 3.2.2.3 adopts.
pub fn write_f64(f: f64, out: &mut String) {
    if f == 0.0 {
        // Covers -0 as well: JCS writes both zeros as "0".
        out.push('0');
        return;
    }
    if f < 0.0 {
        out.push('-');
    }
    // Rust's `{:e}` gives a shortest digit string that round-trips. When two such
    // strings are equally near the value, ECMAScript takes the even one
    // (0x43143ff3c1cb0959 is 1424953923781206.25: "…206.2", where `{:e}` says
    // "…206.3"); the value correctly rounded to as many digits (Rust's exact
    // formatting rounds half to even) is the nearest, so use it when it
    // round-trips. Only the layout differs from ECMAScript after that.
    let shortest = format!("{:e}", f.abs());
    let k = shortest
        .split_once('e')
        .map_or(0, |(m, _)| m.replace('.', "").len());
    let nearest = format!("{:.*e}", k.saturating_sub(1), f.abs());
    let sci = if nearest.parse::<f64>() == Ok(f.abs()) {
        nearest
    } else {
        shortest
    };
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let digits = digits.trim_end_matches('0');
    let k = digits.len() as i32;
    // ECMAScript's n: the value is 0.d1d2...dk × 10^n.
    let n = exp + 1;
    if k <= n && n <= 21 {
        out.push_str(digits);
        out.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        out.push_str(&digits[..n as usize]);
        out.push('.');
        out.push_str(&digits[n as usize..]);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-n) as usize));
        out.push_str(digits);
    } else {
        out.push_str(&digits[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        let e = n - 1;
        out.push(if e < 0 { '-' } else { '+' });
        out.push_str(&e.unsigned_abs().to_string());
    }
}

/// What [`scan_canonical`] learned about a line that is already canonical.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalScan {
    /// Byte range of the top-level `"hash":"…"` member with the comma that
    /// joins it to a neighbour (empty when there is none): cutting it out leaves
    /// the canonical text of the object without `hash`.
    pub hash_range: std::ops::Range<usize>,
    /// Byte ranges `(key_start, key_end, value_start, value_end)` of the first
    /// [`TOP_MEMBERS`] top-level members, in order (key without its quotes,
    /// value as written), so a caller can read the members without a second
    /// parse.
    pub members: [(usize, usize, usize, usize); TOP_MEMBERS],
    /// How many top-level members there are (may exceed [`TOP_MEMBERS`]).
    pub member_count: usize,
}

/// How many top-level members [`CanonicalScan::members`] records.
pub const TOP_MEMBERS: usize = 8;

/// Checks, in one pass over the bytes and without building a tree, that `text`
/// is a JSON object exactly in RFC 8785 canonical form, i.e. that
/// `canonicalize(parse_strict(text)) == text`. Returns `None` whenever that
/// cannot be confirmed cheaply (not canonical, a `null` anywhere, an integer
/// beyond ±2^53, deep nesting, or an escaped object key): the caller then takes
/// the slow path, which also explains what is wrong. Strictly increasing keys
/// also rule out duplicate keys.
pub fn scan_canonical(text: &str) -> Option<CanonicalScan> {
    scan(text, None)
}

/// Where the strings of a text are, as [`scan_canonical_noting`] found them:
/// the first [`STRINGS`] strings, keys and values, in order of their start,
/// so that a reader of the same text need not search for where each ends.
pub struct Strings {
    n: usize,
    /// The byte range of each string's contents (without its quotes); an
    /// escaped string's end is `u32::MAX`.
    at: [(u32, u32); STRINGS],
}

/// How many strings [`Strings`] notes.
pub const STRINGS: usize = 64;

impl Default for Strings {
    fn default() -> Self {
        Strings {
            n: 0,
            at: [(0, 0); STRINGS],
        }
    }
}

impl Strings {
    /// The strings noted, in order.
    pub fn noted(&self) -> &[(u32, u32)] {
        &self.at[..self.n]
    }

    /// Where the string whose contents start at byte `start` ends, when it
    /// was noted: `Some(None)` for an escaped string. `from` is where to
    /// start looking in [`Strings::noted`], and is moved past what is
    /// looked at, for callers that read strings in order.
    pub fn end_of(&self, start: usize, from: &mut usize) -> Option<Option<usize>> {
        let noted = self.noted();
        while let Some(&(s, e)) = noted.get(*from) {
            if (s as usize) < start {
                *from += 1;
                continue;
            }
            if s as usize != start {
                return None;
            }
            *from += 1;
            return Some((e != u32::MAX).then_some(e as usize));
        }
        None
    }
}

/// [`scan_canonical`], noting where its strings are in `strings`.
pub fn scan_canonical_noting(text: &str, strings: &mut Strings) -> Option<CanonicalScan> {
    strings.n = 0;
    scan(text, Some(strings))
}

fn scan(text: &str, strings: Option<&mut Strings>) -> Option<CanonicalScan> {
    let b = text.as_bytes();
    if b.first() != Some(&b'{') || b.len() >= u32::MAX as usize {
        return None;
    }
    let mut sc = Scanner {
        b,
        i: 0,
        hash_range: 0..0,
        members: [(0, 0, 0, 0); TOP_MEMBERS],
        member_count: 0,
        escaped: false,
        strings,
    };
    sc.object(0)?;
    (sc.i == b.len()).then_some(CanonicalScan {
        hash_range: sc.hash_range,
        members: sc.members,
        member_count: sc.member_count,
    })
}

struct Scanner<'a, 's> {
    b: &'a [u8],
    i: usize,
    hash_range: std::ops::Range<usize>,
    members: [(usize, usize, usize, usize); TOP_MEMBERS],
    member_count: usize,
    /// Whether the last string read held an escape.
    escaped: bool,
    /// Where to note the strings read, if anywhere.
    strings: Option<&'s mut Strings>,
}

impl Scanner<'_, '_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.i += 1)
    }

    fn value(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b'"' => self.string().map(|_| ()),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            // `null` is ordinary JSON but never needed by a well-formed entry
            // outside a fact's free-form value; leave it to the slow path.
            _ => self.number(),
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        self.b[self.i..]
            .starts_with(word)
            .then(|| self.i += word.len())
    }

    fn object(&mut self, depth: usize) -> Option<()> {
        if depth > 64 {
            return None;
        }
        self.eat(b'{')?;
        if self.eat(b'}').is_some() {
            return Some(());
        }
        let mut prev: Option<(usize, usize)> = None;
        loop {
            let member_start = self.i;
            let (ks, ke) = self.string()?;
            // Escaped keys are rare; compare only plain ones here.
            if self.escaped {
                return None;
            }
            if let Some((ps, pe)) = prev
                && !key_less(&self.b[ps..pe], &self.b[ks..ke])
            {
                return None;
            }
            prev = Some((ks, ke));
            self.eat(b':')?;
            let value_start = self.i;
            self.value(depth)?;
            if depth == 0 {
                if let Some(m) = self.members.get_mut(self.member_count) {
                    *m = (ks, ke, value_start, self.i);
                }
                self.member_count += 1;
            }
            if depth == 0 && &self.b[ks..ke] == b"hash" {
                let v = &self.b[value_start..self.i];
                if v.first() != Some(&b'"') {
                    return None;
                }
                self.hash_range = if member_start > 1 {
                    member_start - 1..self.i
                } else {
                    member_start..self.i + 1
                };
            }
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    if depth == 0 && self.hash_range.end > self.b.len() - 1 {
                        // `hash` was the only member.
                        self.hash_range.end = self.b.len() - 1;
                    }
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn array(&mut self, depth: usize) -> Option<()> {
        if depth > 64 {
            return None;
        }
        self.eat(b'[')?;
        if self.eat(b']').is_some() {
            return Some(());
        }
        loop {
            self.value(depth)?;
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// A string with exactly the escaping JCS writes; returns the byte range of
    /// its contents.
    fn string(&mut self) -> Option<(usize, usize)> {
        self.eat(b'"')?;
        self.escaped = false;
        let start = self.i;
        loop {
            self.skip_plain();
            let c = self.peek()?;
            match c {
                b'"' => {
                    self.i += 1;
                    if let Some(s) = self.strings.as_deref_mut()
                        && let Some(slot) = s.at.get_mut(s.n)
                    {
                        let end = if self.escaped {
                            u32::MAX
                        } else {
                            (self.i - 1) as u32
                        };
                        *slot = (start as u32, end);
                        s.n += 1;
                    }
                    return Some((start, self.i - 1));
                }
                0x00..=0x1F => return None,
                b'\\' => {
                    self.escaped = true;
                    let e = *self.b.get(self.i + 1)?;
                    match e {
                        b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't' => self.i += 2,
                        b'u' => {
                            // Only control characters without a short form.
                            let hex = self.b.get(self.i + 2..self.i + 6)?;
                            if &hex[..2] != b"00" {
                                return None;
                            }
                            let v = match (hex[2], hex[3]) {
                                (h @ b'0'..=b'1', l @ (b'0'..=b'9' | b'a'..=b'f')) => {
                                    (h - b'0') * 16
                                        + if l <= b'9' { l - b'0' } else { l - b'a' + 10 }
                                }
                                _ => return None,
                            };
                            if matches!(v, 0x08 | 0x09 | 0x0A | 0x0C | 0x0D) {
                                return None;
                            }
                            self.i += 6;
                        }
                        _ => return None,
                    }
                }
                _ => self.i += 1,
            }
        }
    }

    /// Skips string bytes that need no attention (not `"`, `\\` or a control
    /// character), eight at a time, up to the first one that does: strings are
    /// most of a line's bytes, and most are short.
    fn skip_plain(&mut self) {
        let zeros = zero_bytes;
        while let Some(chunk) = self.b.get(self.i..self.i + 8) {
            let x = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
            // A byte below 0x20 is one whose top three bits are zero.
            let control = x & 0xE0E0_E0E0_E0E0_E0E0;
            let special =
                zeros(x ^ (ONES * b'"' as u64)) | zeros(x ^ (ONES * b'\\' as u64)) | zeros(control);
            if special != 0 {
                // Little-endian: the first byte is the lowest.
                self.i += (special.trailing_zeros() / 8) as usize;
                return;
            }
            self.i += 8;
        }
    }

    /// A number exactly as ECMAScript writes it, within what JCS carries.
    fn number(&mut self) -> Option<()> {
        let start = self.i;
        while let Some(c) = self.peek() {
            if matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') {
                self.i += 1;
            } else {
                break;
            }
        }
        let tok = std::str::from_utf8(&self.b[start..self.i]).ok()?;
        let digits = tok.strip_prefix('-').unwrap_or(tok);
        if !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()) {
            // Plain integers within ±2^53: no leading zero, no `-0`.
            let n: u64 = digits.parse().ok()?;
            let plain = (digits == "0" && tok == "0") || !digits.starts_with('0');
            return (plain && n <= MAX_SAFE_INTEGER).then_some(());
        }
        // Anything else must be a finite double written exactly as
        // ECMAScript would write it.
        let f: f64 = tok.parse().ok()?;
        if !f.is_finite() {
            return None;
        }
        let mut canon = String::new();
        write_f64(f, &mut canon);
        (canon == tok).then_some(())
    }
}

/// Eight bytes of `0x01`: `ONES * b` is eight bytes of `b`.
pub(crate) const ONES: u64 = 0x0101_0101_0101_0101;

/// The high bit of each zero byte of `x` (eight bytes read little-endian).
/// The lowest one set is exactly the first zero byte (a borrow can only mark
/// bytes above a zero one), so `trailing_zeros() / 8` is its position; the
/// scans for the end of a string test `x ^ ONES * b'"'` and the like.
pub(crate) fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(ONES) & !x & 0x8080_8080_8080_8080
}

/// `a < b` in the order of RFC 8785: by UTF-16 code units.
fn key_less(a: &[u8], b: &[u8]) -> bool {
    // UTF-8 bytes sort as code points, and code points as UTF-16 units except
    // U+E000..U+FFFF (lead byte EE or EF) against U+10000 and above (lead
    // byte F0 to F4, a surrogate pair in UTF-16, which sorts first). Up to
    // the first differing byte the keys share their characters, so byte order
    // decides unless that byte is such a lead byte.
    match a.iter().zip(b).position(|(x, y)| x != y) {
        None => return a.len() < b.len(),
        Some(i) if a[i] < 0xEE && b[i] < 0xEE => return a[i] < b[i],
        Some(_) => {}
    }
    match (std::str::from_utf8(a), std::str::from_utf8(b)) {
        (Ok(a), Ok(b)) => a.encode_utf16().lt(b.encode_utf16()),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The nesting limit is where docs and `MAX_NESTING` say it is, and deeper
    /// input (10,000 levels) is an error, not a stack overflow.
    #[test]
    fn nesting_limit() {
        let nest = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(parse_strict(&nest(MAX_NESTING)).is_ok());
        for n in [MAX_NESTING + 1, 10_000] {
            let e = parse_strict(&nest(n)).unwrap_err();
            assert_eq!(e.kind, ParseErrorKind::Syntax);
            assert!(e.message.contains("nested too deeply"), "{}", e.message);
        }
        let objects = format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
        assert!(
            parse_strict(&objects)
                .unwrap_err()
                .message
                .contains("nested too deeply")
        );
    }

    fn num(f: f64) -> String {
        let mut s = String::new();
        write_f64(f, &mut s);
        s
    }

    #[test]
    fn ecmascript_number_text() {
        // Examples from RFC 8785 appendix B and ECMA-262.
        assert_eq!(num(1e21), "1e+21");
        assert_eq!(num(1e20), "100000000000000000000");
        assert_eq!(num(-0.0), "0");
        assert_eq!(num(1e-7), "1e-7");
        assert_eq!(num(1e-6), "0.000001");
        assert_eq!(num(333333333.3333333), "333333333.3333333");
        assert_eq!(num(1e23), "1e+23");
        assert_eq!(num(5e-324), "5e-324");
        assert_eq!(num(1.7976931348623157e308), "1.7976931348623157e+308");
        assert_eq!(num(9007199254740992.0), "9007199254740992");
        assert_eq!(num(295147905179352830000.0), "295147905179352830000");
        assert_eq!(num(4.5), "4.5");
        assert_eq!(num(-1.5e-10), "-1.5e-10");
        assert_eq!(num(0.1), "0.1");
        assert_eq!(num(123e-20), "1.23e-18");
    }

    #[test]
    fn rejects_duplicates_and_big_integers() {
        let e = parse_strict(r#"{"a":1,"b":{"c":1,"c":2}}"#).unwrap_err();
        assert_eq!(e.kind, ParseErrorKind::DuplicateKey);
        assert!(e.message.contains(r#""c""#), "{}", e.message);
        let e = parse_strict("[9007199254740993]").unwrap_err();
        assert_eq!(e.kind, ParseErrorKind::NumberRange);
        let e = parse_strict("[-9007199254740993]").unwrap_err();
        assert_eq!(e.kind, ParseErrorKind::NumberRange);
        assert!(parse_strict("[9007199254740992,-9007199254740992]").is_ok());
        let e = parse_strict("{} x").unwrap_err();
        assert_eq!(e.kind, ParseErrorKind::Syntax);
    }

    #[test]
    fn sorts_by_utf16_code_units() {
        // U+1F600 (surrogates D83D DE00) sorts before U+E000 in UTF-16, after it in UTF-8.
        let v = parse_strict("{\"\u{E000}\":1,\"\u{1F600}\":2,\"a\":3}").unwrap();
        assert_eq!(
            canonicalize(&v).unwrap(),
            "{\"a\":3,\"\u{1F600}\":2,\"\u{E000}\":1}"
        );
    }

    #[test]
    fn escapes_minimally() {
        let v = Value::String("\u{1}\u{1f}\"\\/\u{8}\u{c}\n\r\t\u{7f}\u{2028}é".into());
        assert_eq!(
            canonicalize(&v).unwrap(),
            "\"\\u0001\\u001f\\\"\\\\/\\b\\f\\n\\r\\t\u{7f}\u{2028}é\""
        );
    }

    proptest::proptest! {
        /// The scanner's key order is RFC 8785's (UTF-16 code units), for keys
        /// drawn from around every boundary where UTF-8 and UTF-16 order part.
        #[test]
        fn key_order_is_utf16_order(
            a in proptest::collection::vec(proptest::sample::select(KEY_CHARS.to_vec()), 0..4),
            b in proptest::collection::vec(proptest::sample::select(KEY_CHARS.to_vec()), 0..4),
        ) {
            let (a, b): (String, String) = (a.into_iter().collect(), b.into_iter().collect());
            proptest::prop_assert_eq!(
                key_less(a.as_bytes(), b.as_bytes()),
                a.encode_utf16().lt(b.encode_utf16()),
                "{:?} < {:?}", a, b
            );
        }
    }

    const KEY_CHARS: [char; 12] = [
        'a',
        'b',
        '\u{7f}',
        '\u{e9}',
        '\u{7ff}',
        '\u{800}',
        '\u{d7ff}',
        '\u{e000}',
        '\u{fb01}',
        '\u{ffff}',
        '\u{10000}',
        '\u{1f600}',
    ];
}
