//! Property tests of the core: ledgers of random entries verify; any single
//! change to their bytes or lines is caught; canonical JSON is a fixed point.

use crate::fixture::{anchor, cite, define, fact, head_of, join, lines, source, verify_bytes};
use crate::util::NOW;
use ledger::entry::{Body, Citation, Modality, SourceType, Term};
use ledger::jcs::{MAX_SAFE_INTEGER, canonicalize, parse_strict};
use proptest::prelude::*;
use proptest::sample::Index;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

const CASES: u32 = 64;

/// Characters that stress escaping and sorting: anything, C0 controls, DEL,
/// supplementary planes, and a few with special JCS treatment.
fn any_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => any::<char>(),
        2 => proptest::char::range('\u{0}', '\u{1f}'),
        1 => proptest::char::range('\u{10000}', '\u{10FFFF}'),
        1 => prop::sample::select(vec![
            '"', '\\', '/', '\u{7f}', '\u{2028}', '\u{E000}', '\u{FEFF}', '\u{FFFF}', 'é', ' ',
        ]),
    ]
}

fn any_string() -> impl Strategy<Value = String> {
    prop::collection::vec(any_char(), 0..12).prop_map(|cs| cs.into_iter().collect())
}

/// Text that entry checks accept: not blank.
fn text() -> impl Strategy<Value = String> {
    any_string().prop_map(|mut s| {
        if s.trim().is_empty() {
            s.push('x');
        }
        s
    })
}

fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>().prop_filter("finite", |f| f.is_finite()),
        // Integral doubles beyond 2^53, written as plain integers by JCS.
        (9.007_199_254_740_992e15..1e21f64).prop_map(f64::trunc),
        prop::sample::select(vec![0.0, -0.0, 0.1, 5e-324, 1e21, 1e-7, 1e-6, 1e20]),
    ]
}

/// JSON values as JCS can carry them: integers within ±2^53, finite doubles.
fn json() -> impl Strategy<Value = Value> {
    let limit = MAX_SAFE_INTEGER as i64;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-limit..=limit).prop_map(Value::from),
        float().prop_map(|f| Value::Number(Number::from_f64(f).expect("finite"))),
        any_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((any_string(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// One step of a random ledger; ids and references are filled in when built.
#[derive(Debug, Clone)]
enum Op {
    Topic(String),
    Actor(String),
    Source {
        title: String,
        publisher: String,
        author: Option<String>,
        note: Option<String>,
        source_type: SourceType,
    },
    Fact {
        statement: String,
        subject: Index,
        pair: Option<Index>,
        topic: Index,
        modality: Modality,
        value: Option<Value>,
        quote: Option<String>,
        cites: Vec<Index>,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let source_type = prop::sample::select(vec![
        SourceType::NewsArticle,
        SourceType::Statement,
        SourceType::Report,
        SourceType::Other,
    ]);
    prop_oneof![
        1 => text().prop_map(Op::Topic),
        1 => text().prop_map(Op::Actor),
        2 => (text(), text(), prop::option::of(text()), prop::option::of(text()), source_type)
            .prop_map(|(title, publisher, author, note, source_type)| Op::Source {
                title,
                publisher,
                author,
                note,
                source_type,
            }),
        3 => (
            text(),
            any::<Index>(),
            prop::option::of(any::<Index>()),
            any::<Index>(),
            prop::sample::select(Modality::ALL.to_vec()),
            prop::option::of(json().prop_filter("a null value is omitted", |v| !v.is_null())),
            prop::option::of(text()),
            prop::collection::vec(any::<Index>(), 1..3),
        )
            .prop_map(
                |(statement, subject, pair, topic, modality, value, quote, cites)| Op::Fact {
                    statement,
                    subject,
                    pair,
                    topic,
                    modality,
                    value,
                    quote,
                    cites,
                },
            ),
    ]
}

/// Bodies for `ops` that are valid in sequence: fresh ids, subjects and topics
/// from the vocabulary so far, citations of registered sources.
fn bodies(ops: &[Op]) -> Vec<Body> {
    let mut actors: Vec<String> = ["CA", "KP", "US"].map(String::from).to_vec();
    let mut topics: Vec<String> = ledger::vocab::TOPICS
        .iter()
        .map(|t| t.0.to_string())
        .collect();
    let mut sources: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for (n, op) in ops.iter().enumerate() {
        match op.clone() {
            Op::Topic(label) => {
                let id = format!("topic{n}");
                topics.push(id.clone());
                out.push(define(Term::Topic, &id, &label));
            }
            Op::Actor(label) => {
                let id = format!("ZZ{n}");
                actors.push(id.clone());
                out.push(define(Term::Actor, &id, &label));
            }
            Op::Source {
                title,
                publisher,
                author,
                note,
                source_type,
            } => {
                let id = format!("s{n}");
                let mut s = source(&id, &title, &publisher, source_type);
                s.author = author;
                s.note = note;
                sources.push(id);
                out.push(Body::Source(s));
            }
            Op::Fact {
                statement,
                subject,
                pair,
                topic,
                modality,
                value,
                quote,
                cites,
            } => {
                if sources.is_empty() {
                    let id = format!("s{n}");
                    out.push(Body::Source(source(&id, "t", "p", SourceType::Other)));
                    sources.push(id);
                }
                let a = subject.get(&actors).clone();
                let subject = match pair.map(|p| p.get(&actors)) {
                    Some(b) if *b != a => format!("{a}-{b}"),
                    _ => a,
                };
                let citations: Vec<Citation> = cites
                    .iter()
                    .map(|i| Citation {
                        quote: quote.clone(),
                        ..cite(i.get::<String>(&sources))
                    })
                    .collect();
                let mut f = fact(
                    &format!("x{n}"),
                    &subject,
                    topic.get::<String>(&topics),
                    &statement,
                    modality,
                    citations,
                );
                f.value = value;
                out.push(Body::Fact(f));
            }
        }
    }
    out
}

/// A ledger built by the library: a sealed genesis line, then the bodies in a
/// few locked appends. Texts are arbitrary, control characters included: the
/// write-time rule for new text (`ledger init` and the writing commands
/// refuse them) is not a verify rule, and such ledgers must still verify.
fn build(title: &str, ops: &[Op], batch: usize) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("prop.jsonl");
    let genesis = Body::Genesis(ledger::entry::Genesis {
        title: title.to_string(),
        created: NOW.to_string(),
    });
    let (_, line) =
        ledger::entry::Entry::seal_line(0, ledger::hash::Hash::ZERO, NOW.to_string(), genesis)
            .expect("seal genesis");
    std::fs::write(&path, line).expect("write genesis");
    let all = bodies(ops);
    for chunk in all.chunks(batch.max(1)) {
        ledger::store::lock(&path)
            .expect("lock")
            .append(NOW, chunk.to_vec())
            .expect("append");
    }
    std::fs::read(&path).expect("read")
}

fn ledger_strategy() -> impl Strategy<Value = (Vec<u8>, usize)> {
    (text(), prop::collection::vec(op(), 0..10), 1..5usize).prop_map(|(title, ops, batch)| {
        let bytes = build(&title, &ops, batch);
        let n = bodies(&ops).len();
        (bytes, n)
    })
}

fn fails(bytes: &[u8]) -> bool {
    !verify_bytes(bytes, Vec::new()).ok()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, ..ProptestConfig::default() })]

    #[test]
    fn appended_ledgers_verify((bytes, n) in ledger_strategy()) {
        let report = verify_bytes(&bytes, Vec::new());
        prop_assert!(report.ok(), "{:#?}\n{}", report.problems, String::from_utf8_lossy(&bytes));
        prop_assert_eq!(report.entries, 1 + n as u64);
        prop_assert!(verify_bytes(&bytes, vec![anchor(&head_of(&bytes))]).ok());
    }

    #[test]
    fn any_single_change_is_caught(
        (bytes, _) in ledger_strategy(),
        flips in prop::collection::vec((any::<Index>(), 1..=255u8), 8),
        hash_digit in any::<Index>(),
        pairs in prop::collection::vec((any::<Index>(), any::<Index>()), 8),
    ) {
        // Any byte, changed to any other value.
        for (at, delta) in &flips {
            let mut b = bytes.clone();
            let i = at.index(b.len());
            b[i] = b[i].wrapping_add(*delta);
            prop_assert!(fails(&b), "byte {} changed to {:#04x} went unnoticed", i, b[i]);
        }
        // A digit of the last line's own hash, changed to another hex digit.
        let ls = lines(&bytes);
        let last_start = bytes.len() - ls[ls.len() - 1].len();
        let hash_at = last_start
            + std::str::from_utf8(&ls[ls.len() - 1]).expect("UTF-8").find("\"hash\":\"").expect("hash")
            + 8
            + hash_digit.index(64);
        let mut b = bytes.clone();
        b[hash_at] = if b[hash_at] == b'0' { b'f' } else { b'0' };
        prop_assert!(fails(&b), "last hash digit changed went unnoticed");

        let pinned = vec![anchor(&head_of(&bytes))];
        for i in 0..ls.len() {
            // Deleting a line. Deleting the last one leaves a valid, shorter
            // ledger: only an anchor on the old head can tell.
            let mut l = ls.clone();
            l.remove(i);
            let shorter = join(&l);
            if i + 1 == ls.len() {
                prop_assert!(!verify_bytes(&shorter, pinned.clone()).ok(), "deleting the last line went unnoticed with an anchor");
            } else {
                prop_assert!(fails(&shorter), "deleting line {} went unnoticed", i + 1);
            }
            // Duplicating a line, right after itself.
            let mut l = ls.clone();
            l.insert(i + 1, ls[i].clone());
            prop_assert!(fails(&join(&l)), "duplicating line {} went unnoticed", i + 1);
        }
        for (a, b) in &pairs {
            let (i, j) = (a.index(ls.len()), b.index(ls.len()));
            // Duplicating a line anywhere.
            let mut l = ls.clone();
            l.insert(j, ls[i].clone());
            prop_assert!(fails(&join(&l)), "copying line {} to {} went unnoticed", i + 1, j + 1);
            // Swapping two different lines.
            if i != j {
                let mut l = ls.clone();
                l.swap(i, j);
                prop_assert!(fails(&join(&l)), "swapping lines {} and {} went unnoticed", i + 1, j + 1);
            }
        }
    }

    /// The parallel verifier gives exactly the report of feeding lines one at
    /// a time, on intact and damaged ledgers, wherever block boundaries fall and
    /// however many workers check them; into either index, and also when it
    /// hands no entries on (then, into the compact index, bodies are read
    /// for their ids alone).
    #[test]
    fn block_verification_equals_line_by_line(
        (bytes, _) in ledger_strategy(),
        damage in prop::collection::vec((0..8u8, any::<Index>(), 1..=255u8), 0..4),
        block_size in 1..400usize,
        workers in 1..4usize,
        max_problems in prop::sample::select(vec![0usize, 1, 3, 100]),
        compact in any::<bool>(),
        report_only in any::<bool>(),
    ) {
        let damaged = damage_bytes(&bytes, &damage);
        let opts = ledger::chain::VerifyOptions {
            max_problems,
            anchors: vec![anchor(&head_of(&bytes))],
            compact,
            ..Default::default()
        };
        let path = std::path::Path::new("mem.jsonl");
        let (want, want_entries) = line_by_line(&damaged, opts.clone());
        if report_only {
            let (got, _) = ledger::chain::verify_blocks_report(path, &damaged[..], opts, block_size, workers)
                .expect("reading from memory cannot fail");
            prop_assert_eq!(&got, &want, "{}", String::from_utf8_lossy(&damaged));
            return Ok(());
        }
        let mut got_entries = Vec::new();
        let (got, _) = ledger::chain::verify_blocks(
            path,
            &damaged[..],
            opts,
            |e| got_entries.push((e.seq, e.hash)),
            block_size,
            workers,
        )
        .expect("reading from memory cannot fail");
        prop_assert_eq!(&got, &want, "{}", String::from_utf8_lossy(&damaged));
        prop_assert_eq!(got_entries, want_entries);
    }

    #[test]
    fn canonical_json_is_a_fixed_point(v in json()) {
        let c = canonicalize(&v).expect("canonicalize");
        let parsed = parse_strict(&c).unwrap_or_else(|e| panic!("{c}: {e}"));
        prop_assert!(same(&parsed, &v), "{} != {}", parsed, v);
        prop_assert_eq!(canonicalize(&parsed).expect("canonicalize"), c.clone());
        let ordered: Ordered = serde_json::from_str(&c).expect("JSON");
        prop_assert!(keys_sorted(&ordered), "keys out of UTF-16 order in {}", c);
    }

    /// verify's fast path trusts `scan_canonical`: it may decline canonical
    /// text (the slow path then handles it) but must never accept text that is
    /// not canonical. Checked on canonical objects and on single-byte edits,
    /// deletions and insertions of them.
    #[test]
    fn canonical_scan_accepts_only_canonical_text(
        members in prop::collection::vec((any_string(), json()), 0..6),
        pos in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        edit in 0..3u8,
    ) {
        let v = Value::Object(members.into_iter().collect::<Map<_, _>>());
        let c = canonicalize(&v).expect("canonicalize");
        let mut bytes = c.clone().into_bytes();
        let at = pos.index(bytes.len());
        match edit {
            0 => bytes[at] = byte,
            1 => { bytes.remove(at); }
            _ => bytes.insert(at, byte),
        }
        for text in [c.as_bytes(), &bytes[..]] {
            let Ok(text) = std::str::from_utf8(text) else { continue };
            if ledger::jcs::scan_canonical(text).is_some() {
                let reparsed = parse_strict(text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
                prop_assert_eq!(canonicalize(&reparsed).expect("canonicalize"), text);
            }
        }
    }
}

/// Equal as JCS sees it: numbers by their double value (JCS writes the double
/// 5.0 as `5`, which reads back as an integer).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// A JSON value that keeps object members in text order.
enum Ordered {
    Leaf,
    Array(Vec<Ordered>),
    Object(Vec<(String, Ordered)>),
}

fn keys_sorted(v: &Ordered) -> bool {
    match v {
        Ordered::Leaf => true,
        Ordered::Array(items) => items.iter().all(keys_sorted),
        Ordered::Object(members) => {
            members
                .windows(2)
                .all(|w| w[0].0.encode_utf16().lt(w[1].0.encode_utf16()))
                && members.iter().all(|(_, v)| keys_sorted(v))
        }
    }
}

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Ordered, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_bool<E>(self, _: bool) -> Result<Ordered, E> {
                Ok(Ordered::Leaf)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Ordered, E> {
                Ok(Ordered::Leaf)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Ordered, E> {
                Ok(Ordered::Leaf)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Ordered, E> {
                Ok(Ordered::Leaf)
            }
            fn visit_str<E>(self, _: &str) -> Result<Ordered, E> {
                Ok(Ordered::Leaf)
            }
            fn visit_unit<E>(self) -> Result<Ordered, E> {
                Ok(Ordered::Leaf)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Ordered, A::Error> {
                let mut items = Vec::new();
                while let Some(v) = seq.next_element()? {
                    items.push(v);
                }
                Ok(Ordered::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
                let mut members = Vec::new();
                while let Some((k, v)) = map.next_entry()? {
                    members.push((k, v));
                }
                Ok(Ordered::Object(members))
            }
        }
        d.deserialize_any(V)
    }
}

/// Damage of the kinds verification must explain: changed bytes, deleted,
/// duplicated and blank lines, CR LF, a BOM, invalid UTF-8, a cut tail.
fn damage_bytes(bytes: &[u8], damage: &[(u8, Index, u8)]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    for (kind, at, delta) in damage {
        if b.is_empty() {
            break;
        }
        let i = at.index(b.len());
        let line_start = b[..i]
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(0, |p| p + 1);
        let line_end = b[i..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(b.len(), |p| i + p + 1);
        match kind {
            0 => b[i] = b[i].wrapping_add(*delta),
            1 => {
                b.drain(line_start..line_end);
            }
            2 => {
                let line = b[line_start..line_end].to_vec();
                b.splice(line_end..line_end, line);
            }
            3 => b.insert(line_start, b'\n'),
            4 if line_end > line_start && b[line_end - 1] == b'\n' => b.insert(line_end - 1, b'\r'),
            5 => {
                b.splice(0..0, *b"\xEF\xBB\xBF");
            }
            6 => b.insert(i, 0xFF),
            _ => b.truncate(i),
        };
    }
    b
}

/// A generated ledger with its bodies moved about and the whole chain
/// sealed again: every line is a clean entry that links to the one before,
/// but facts now cite sources registered after them, supersede, dispute and
/// retract facts not yet recorded or no longer live, reuse ids, and carry
/// ids of the form `f<seq>` at other seqs, which only the referential
/// checks can refuse; and a few lines are sealed with a seq or `prev` that
/// does not follow the line before. The facts at `long` get a statement of
/// 9 KiB, so that their lines are longer than a checking thread takes and
/// are read on the linking thread.
fn resealed(
    n: u64,
    seed: u64,
    moves: &[(Index, Index)],
    renames: &[(Index, Index)],
    relinks: &[(Index, u8)],
    long: &[Index],
) -> Vec<u8> {
    let mut bodies = generated_bodies(n, seed);
    // Point references at other ids, of either kind and in any state.
    let ids: Vec<String> = bodies
        .iter()
        .filter_map(|b| match b {
            Body::Source(s) => Some(s.id.clone()),
            Body::Fact(f) => Some(f.id.clone()),
            Body::Supersede(s) => Some(s.fact.id.clone()),
            _ => None,
        })
        .collect();
    for (at, id) in renames {
        let id = id.get(&ids).clone();
        match at.get_mut(&mut bodies) {
            Body::Fact(f) => f.citations[0].source = id,
            Body::Supersede(s) => s.target = id,
            Body::Dispute(d) if d.statement.len() % 2 == 0 => d.target = id,
            Body::Dispute(d) => d.citation.source = id,
            Body::Retract(r) => r.target = id,
            _ => {}
        }
    }
    for at in long {
        if let Body::Fact(f) | Body::Supersede(ledger::entry::Supersede { fact: f, .. }) =
            at.get_mut(&mut bodies)
        {
            f.statement = "A long statement. ".repeat(512);
        }
    }
    for (from, to) in moves {
        // The genesis stays first.
        let from = 1 + from.index(bodies.len() - 1);
        let b = bodies.remove(from);
        bodies.insert(1 + to.index(bodies.len()), b);
    }
    // A few lines sealed with a seq or prev that does not follow the line
    // before, each line after linking to the one before it.
    let relinks: Vec<(usize, u8)> = relinks
        .iter()
        .map(|(at, how)| (at.index(bodies.len()), *how))
        .collect();
    sealed(bodies, &relinks)
}

/// The bodies of a generated ledger of `n` entries.
fn generated_bodies(n: u64, seed: u64) -> Vec<Body> {
    let mut out = Vec::new();
    ledger::synthetic::write_ledger(&mut out, n, seed, NOW).expect("writing to memory");
    String::from_utf8(out)
        .expect("UTF-8")
        .lines()
        .map(|l| ledger::chain::read_entry(l).entry.expect("an entry").body)
        .collect()
}

/// `bodies` sealed into a chain, but for the lines at the positions in
/// `relinks`, sealed with a seq or `prev` that does not follow (by the
/// kind of change given).
fn sealed(bodies: Vec<Body>, relinks: &[(usize, u8)]) -> Vec<u8> {
    let mut prev = ledger::hash::Hash::ZERO;
    let mut bytes = Vec::new();
    for (seq, body) in bodies.into_iter().enumerate() {
        let at = seq;
        let (mut seq, mut links_to) = (seq as u64, prev);
        for &(_, how) in relinks.iter().filter(|r| r.0 == at) {
            match how % 4 {
                0 => links_to = ledger::hash::Hash::ZERO,
                1 => seq += 1,
                2 => seq = seq.saturating_sub(1),
                _ => seq += 5,
            }
        }
        let (e, line) = ledger::entry::Entry::seal_line(seq, links_to, NOW.to_string(), body)
            .expect("sealable");
        prev = e.hash;
        bytes.extend_from_slice(line.as_bytes());
    }
    bytes
}

/// A clean fact longer than a checking thread takes (8 KiB) in the middle
/// of a block is linked as a record by the linking thread; when the index
/// refuses it, it is read again from where it lies in its block, and the
/// report is the one feeding lines one at a time gives.
#[test]
fn long_records_are_read_again_from_their_block() {
    let mut bodies = generated_bodies(400, 9);
    let fact_id = bodies
        .iter()
        .find_map(|b| match b {
            Body::Fact(f) => Some(f.id.clone()),
            _ => None,
        })
        .expect("the generator writes facts");
    let mut longs = 0;
    for b in bodies.iter_mut().skip(100).step_by(40) {
        if let Body::Fact(f) = b {
            f.statement = "A long statement. ".repeat(512);
            // Every other one cites a fact, which no index admits.
            if longs % 2 == 1 {
                f.citations[0].source = fact_id.clone();
            }
            longs += 1;
        }
    }
    assert!(longs >= 4, "{longs}");
    let bytes = sealed(bodies, &[]);
    let opts = ledger::chain::VerifyOptions {
        compact: true,
        ..Default::default()
    };
    let (want, _) = line_by_line(&bytes, opts.clone());
    assert_eq!(want.total_problems, longs / 2, "{:?}", want.problems);
    for workers in [1, 2, 3] {
        for block_size in [4096, 1 << 16] {
            let (got, _) = ledger::chain::verify_blocks_report(
                std::path::Path::new("mem.jsonl"),
                &bytes[..],
                opts.clone(),
                block_size,
                workers,
            )
            .expect("reading from memory cannot fail");
            assert_eq!(got, want, "{workers} workers, blocks of {block_size}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, ..ProptestConfig::default() })]

    /// Verifying into the compact index without handing entries on (where
    /// clean lines are linked as fixed-size records, and read again in full
    /// only when linking refuses them) reports exactly what feeding the
    /// lines one at a time does, on ledgers whose lines are all clean and
    /// linked but whose references are broken in every way, and on such
    /// ledgers damaged further.
    #[test]
    fn records_link_as_lines_do(
        seed in 0..1000u64,
        moves in prop::collection::vec((any::<Index>(), any::<Index>()), 0..12),
        renames in prop::collection::vec((any::<Index>(), any::<Index>()), 0..12),
        relinks in prop::collection::vec((any::<Index>(), any::<u8>()), 0..3),
        long in prop::collection::vec(any::<Index>(), 0..3),
        damage in prop::collection::vec((0..8u8, any::<Index>(), 1..=255u8), 0..2),
        block_size in prop::sample::select(vec![1usize, 700, 4096, 1 << 16, 1 << 20]),
        workers in 1..4usize,
        max_problems in prop::sample::select(vec![0usize, 3, 100]),
        merkle in any::<bool>(),
    ) {
        let bytes = resealed(400, seed, &moves, &renames, &relinks, &long);
        let damaged = damage_bytes(&bytes, &damage);
        let opts = ledger::chain::VerifyOptions {
            max_problems,
            anchors: vec![anchor(&head_of(&bytes))],
            compact: true,
            merkle,
            ..Default::default()
        };
        let (want, _) = line_by_line(&damaged, opts.clone());
        let path = std::path::Path::new("mem.jsonl");
        let (got, _) = ledger::chain::verify_blocks_report(path, &damaged[..], opts, block_size, workers)
            .expect("reading from memory cannot fail");
        prop_assert_eq!(&got, &want);
        if damage.is_empty() && relinks.is_empty() {
            // Undamaged, every problem is a reference, and moves make some.
            prop_assert!(want.problems.iter().all(|p| p.kind == ledger::chain::ProblemKind::Reference), "{:?}", want.problems);
            if moves.len() + renames.len() > 12 {
                prop_assert!(want.total_problems > 0);
            }
        }
    }
}

/// The reference: every line through [`ledger::chain::Verifier::feed`].
fn line_by_line(
    bytes: &[u8],
    opts: ledger::chain::VerifyOptions,
) -> (ledger::chain::Report, Vec<(u64, ledger::hash::Hash)>) {
    let mut v = ledger::chain::Verifier::new(std::path::Path::new("mem.jsonl"), opts);
    let mut entries = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let (line, terminated, next) = match rest.iter().position(|&c| c == b'\n') {
            Some(p) => (&rest[..p], true, &rest[p + 1..]),
            None => (rest, false, &rest[rest.len()..]),
        };
        if let Some(e) = v.feed(line, terminated) {
            entries.push((e.seq, e.hash));
        }
        rest = next;
    }
    (v.finish().0, entries)
}

/// Change ids drawn from short alphabets so that prefixes collide often, and
/// ids chosen by hand that may be prefixes of them.
fn id_set() -> impl Strategy<Value = Vec<String>> {
    let change = prop::collection::vec(prop::sample::select(vec![b'k', b'l', b'm']), 16)
        .prop_map(|b| String::from_utf8(b).expect("ASCII"));
    let chosen = prop::collection::vec(prop::sample::select(vec![b'k', b'l', b'-']), 1..6)
        .prop_map(|b| format!("k{}", String::from_utf8(b).expect("ASCII")));
    prop::collection::vec(prop_oneof![3 => change, 1 => chosen], 1..24)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// How a change id is shown names it: the shown prefix is at least four
    /// characters, no other id starts with it, and typed back it resolves to
    /// the id; an id chosen by hand is shown whole and resolves to itself
    /// (an exact id wins over the longer ids it is a prefix of).
    #[test]
    fn shown_ids_resolve_back_to_themselves(ids in id_set()) {
        let abbrev = ledger::ids::Abbrev::new(ids.iter().map(String::as_str));
        for id in &ids {
            let shown = abbrev.shown(id);
            prop_assert!(id.starts_with(shown));
            if ledger::ids::is_change_id(id) {
                prop_assert!(shown.len() >= ledger::ids::SHOWN_MIN);
                prop_assert!(
                    ids.iter().all(|o| o == id || !o.starts_with(shown)),
                    "{} shown as {} is a prefix of another id", id, shown
                );
            } else {
                prop_assert_eq!(shown, id.as_str());
            }
            prop_assert_eq!(
                ledger::ids::resolve(shown, ids.iter().map(String::as_str)),
                ledger::ids::Resolved::One(id.clone())
            );
        }
    }
}
