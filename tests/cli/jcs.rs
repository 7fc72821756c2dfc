//! RFC 8785 conformance of `ledger::jcs`: the public test vectors (read from
//! `../shared/jcs-testdata`, never copied here), the number samples of RFC 8785
//! appendix B, and the sorting example of section 3.2.3.

use ledger::jcs::{ParseErrorKind, canonicalize, parse_strict, write_f64};
use serde_json::Value;

fn canon(text: &str) -> String {
    let v = parse_strict(text).unwrap_or_else(|e| panic!("parse {text:?}: {e}"));
    canonicalize(&v).unwrap_or_else(|e| panic!("canonicalize {text:?}: {e}"))
}

#[test]
fn conformance_vectors() {
    let Some(shared) = crate::util::shared() else {
        println!("skipped: ../shared/jcs-testdata not found");
        return;
    };
    let dir = shared.join("jcs-testdata");
    if !dir.is_dir() {
        println!("skipped: ../shared/jcs-testdata not found");
        return;
    }
    let mut names: Vec<_> = std::fs::read_dir(dir.join("input"))
        .expect("read input/")
        .map(|e| e.expect("entry").file_name())
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no vectors in {}", dir.display());
    for name in &names {
        let input = std::fs::read(dir.join("input").join(name)).expect("read input");
        let expected = std::fs::read(dir.join("output").join(name)).expect("read output");
        let input = String::from_utf8(input).expect("UTF-8 input");
        assert_eq!(
            canon(&input).as_bytes(),
            expected.as_slice(),
            "{}: canonical form differs",
            name.to_string_lossy()
        );
    }
}

/// RFC 8785 appendix B: IEEE 754 bit patterns and their ECMAScript text.
const NUMBERS: &[(u64, &str)] = &[
    (0x0000000000000000, "0"),
    (0x8000000000000000, "0"),
    (0x0000000000000001, "5e-324"),
    (0x8000000000000001, "-5e-324"),
    (0x7fefffffffffffff, "1.7976931348623157e+308"),
    (0xffefffffffffffff, "-1.7976931348623157e+308"),
    (0x4340000000000000, "9007199254740992"),
    (0xc340000000000000, "-9007199254740992"),
    (0x4430000000000000, "295147905179352830000"),
    (0x44b52d02c7e14af5, "9.999999999999997e+22"),
    (0x44b52d02c7e14af6, "1e+23"),
    (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
    (0x444b1ae4d6e2ef4e, "999999999999999700000"),
    (0x444b1ae4d6e2ef4f, "999999999999999900000"),
    (0x444b1ae4d6e2ef50, "1e+21"),
    (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
    (0x3eb0c6f7a0b5ed8d, "0.000001"),
    (0x41b3de4355555553, "333333333.3333332"),
    (0x41b3de4355555554, "333333333.33333325"),
    (0x41b3de4355555555, "333333333.3333333"),
    (0x41b3de4355555556, "333333333.3333334"),
    (0x41b3de4355555557, "333333333.33333343"),
    (0xbecbf647612f3696, "-0.0000033333333333333333"),
    (0x43143ff3c1cb0959, "1424953923781206.2"),
    (0x4415af1d78b58c40, "100000000000000000000"),
    (0x4415af1d78b58c3f, "99999999999999980000"),
];

#[test]
fn rfc8785_number_samples() {
    for &(bits, expected) in NUMBERS {
        let mut s = String::new();
        write_f64(f64::from_bits(bits), &mut s);
        assert_eq!(s, expected, "0x{bits:016x}");
    }
}

#[test]
fn number_samples_round_trip_through_parse() {
    // The canonical text of each sample reads back as the same double, and
    // canonicalizes to itself (including integers beyond 2^53 that a double
    // holds exactly, which is how JCS writes such doubles).
    for &(bits, expected) in NUMBERS {
        let text = format!("[{expected}]");
        let v = parse_strict(&text).unwrap_or_else(|e| panic!("{expected}: {e}"));
        let f = v[0].as_f64().expect("a number");
        assert_eq!(f, f64::from_bits(bits), "{expected}");
        assert_eq!(canonicalize(&v).expect("canonical"), text);
    }
}

#[test]
fn integers_beyond_2_pow_53() {
    // Read as doubles when that loses nothing, and written as JCS writes the
    // double; the canonical text reads back to itself.
    for (text, canonical) in [
        ("[9007199254740994]", "[9007199254740994]"),
        ("[-9007199254740994]", "[-9007199254740994]"),
        ("[100000000000000000]", "[100000000000000000]"),
        // 2^63 exactly; JCS writes the shortest digits that name the double.
        ("[9223372036854775808]", "[9223372036854776000]"),
        ("[-9223372036854775808]", "[-9223372036854776000]"),
        ("[9223372036854776000]", "[9223372036854776000]"),
        ("[1152921504606847000]", "[1152921504606847000]"),
        ("[18446744073709549568]", "[18446744073709550000]"),
    ] {
        assert_eq!(canon(text), canonical, "{text}");
        assert_eq!(canon(canonical), canonical, "{canonical}");
    }
    // Integers a double would silently round: refused.
    for text in [
        "[9007199254740993]",
        "[-9007199254740993]",
        "[9223372036854775807]",
        "[18446744073709551615]",
        "[1152921504606846977]",
    ] {
        let e = parse_strict(text).expect_err(text);
        assert_eq!(e.kind, ParseErrorKind::NumberRange, "{text}: {e}");
    }
    // Doubles in [2^53, 1e21) are written as plain integers and read back.
    for f in [
        1e17,
        1.5e20,
        -2f64.powi(60),
        2f64.powi(63),
        9007199254740994.0,
    ] {
        let c = canonicalize(&Value::from(f)).expect("canonical");
        let back = parse_strict(&c).unwrap_or_else(|e| panic!("{c}: {e}"));
        assert_eq!(back.as_f64(), Some(f), "{c}");
        assert_eq!(canonicalize(&back).expect("canonical"), c);
    }
}

#[test]
fn rfc8785_sorting_example() {
    // RFC 8785 section 3.2.3: members sorted by UTF-16 code units, so U+1F600
    // (surrogates D83D DE00) comes after U+20AC and before U+FB33.
    let input = r#"{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}"#;
    let expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\"\u{1f600}\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}";
    assert_eq!(canon(input), expected);
}

#[test]
fn rfc8785_section_3_2_2_example() {
    // RFC 8785 section 3.2.2: the sample object and its canonical text.
    let input = r#"{
  "numbers": [333333333.33333329, 1E30, 4.50,
              2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}"#;
    let expected = "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],\"string\":\"\u{20ac}$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}";
    assert_eq!(canon(input), expected);
}

#[test]
fn utf16_order_differs_from_byte_order() {
    // In UTF-8 bytes U+E000 (EE 80 80) sorts before U+10000 (F0 90 80 80); in
    // UTF-16 code units U+10000 (D800 DC00) sorts first.
    let c = canon("{\"\u{E000}\":1,\"\u{10000}\":2,\"\u{FFFF}\":3,\"\u{D7FF}\":4}");
    assert_eq!(
        c,
        "{\"\u{D7FF}\":4,\"\u{10000}\":2,\"\u{E000}\":1,\"\u{FFFF}\":3}"
    );
}

#[test]
fn strict_parser_refusals() {
    for (text, kind) in [
        (r#"{"a":1,"a":1}"#, ParseErrorKind::DuplicateKey),
        (r#"[{"b":{"a":1,"a":2}}]"#, ParseErrorKind::DuplicateKey),
        ("[1,]", ParseErrorKind::Syntax),
        ("{} {}", ParseErrorKind::Syntax),
        ("[NaN]", ParseErrorKind::Syntax),
        ("[1e400]", ParseErrorKind::Syntax),
        ("\"\\ud800\"", ParseErrorKind::Syntax),
    ] {
        let e = parse_strict(text).expect_err(text);
        assert_eq!(e.kind, kind, "{text}: {e}");
    }
}
