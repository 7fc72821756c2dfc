//! Objects only where the format has objects (docs/FORMAT.md 5): a JSON array
//! is refused wherever a body has an object, at any depth, by every reader of
//! bodies.
//!
//! serde's derived structs also read an array of the members' values in
//! declaration order (`["s1"]` for `{"source":"s1"}`). The exhaustive test
//! takes one body of every kind with every optional member present and one
//! with none ([`crate::schemas::full_and_minimal_bodies`], which names every
//! field, so a new member or object is covered), and replaces each object in
//! it, one at a time, by exactly that array: the form serde would accept.

use crate::schemas::full_and_minimal_bodies;
use crate::util::Env;
use ledger::chain::{ProblemKind, read_entry};
use ledger::entry::Body;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// A JSON value that keeps object members in the order they were written
/// (serde writes a struct's members in declaration order).
#[derive(Debug, Clone)]
enum Node {
    Leaf(Value),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
                Ok(Node::Leaf(json!(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
                Ok(Node::Leaf(json!(v)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
                Ok(Node::Leaf(json!(v)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
                Ok(Node::Leaf(json!(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Node, E> {
                Ok(Node::Leaf(json!(v)))
            }
            fn visit_unit<E>(self) -> Result<Node, E> {
                Ok(Node::Leaf(Value::Null))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(n) = a.next_element()? {
                    items.push(n);
                }
                Ok(Node::Array(items))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
                let mut members = Vec::new();
                while let Some(kv) = a.next_entry()? {
                    members.push(kv);
                }
                Ok(Node::Object(members))
            }
        }
        d.deserialize_any(V)
    }
}

impl Node {
    fn to_value(&self) -> Value {
        match self {
            Node::Leaf(v) => v.clone(),
            Node::Array(items) => Value::Array(items.iter().map(Node::to_value).collect()),
            Node::Object(members) => Value::Object(
                members
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_value()))
                    .collect::<Map<_, _>>(),
            ),
        }
    }

    /// Every object in the tree with its path (`body.citations[0]`), outside
    /// a fact's free-form `value`.
    fn objects(&self, path: &str, out: &mut Vec<String>) {
        match self {
            Node::Leaf(_) => {}
            Node::Array(items) => {
                for (i, n) in items.iter().enumerate() {
                    n.objects(&format!("{path}[{i}]"), out);
                }
            }
            Node::Object(members) => {
                out.push(path.to_string());
                for (k, n) in members {
                    if k != "value" {
                        n.objects(&format!("{path}.{k}"), out);
                    }
                }
            }
        }
    }

    /// This tree with the object at `path` replaced by the array of its
    /// members' values, in order.
    fn flattened(&self, here: &str, path: &str) -> Node {
        match self {
            Node::Object(members) if here == path => {
                Node::Array(members.iter().map(|(_, n)| n.clone()).collect())
            }
            Node::Object(members) => Node::Object(
                members
                    .iter()
                    .map(|(k, n)| (k.clone(), n.flattened(&format!("{here}.{k}"), path)))
                    .collect(),
            ),
            Node::Array(items) => Node::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, n)| n.flattened(&format!("{here}[{i}]"), path))
                    .collect(),
            ),
            Node::Leaf(_) => self.clone(),
        }
    }
}

/// The JSON text of a body with its members in declaration order (serde
/// writes a struct's fields in the order it reads them from an array).
fn declared(body: &Body) -> String {
    let text = match body {
        Body::Genesis(b) => serde_json::to_string(b),
        Body::Define(b) => serde_json::to_string(b),
        Body::Source(b) => serde_json::to_string(b),
        Body::Fact(b) => serde_json::to_string(b),
        Body::Supersede(b) => serde_json::to_string(b),
        Body::Retract(b) => serde_json::to_string(b),
        Body::Dispute(b) => serde_json::to_string(b),
        Body::Amend(b) => serde_json::to_string(b),
    };
    text.expect("serialize")
}

/// A canonical line of `format` holding `body`, with a correct hash
/// (computed here).
fn line_with(kind: &str, format: u64, body: Value) -> String {
    let mut m = Map::new();
    m.insert("body".into(), body);
    m.insert("format".into(), json!(format));
    m.insert("kind".into(), json!(kind));
    m.insert("prev".into(), json!("0".repeat(64)));
    m.insert("recorded".into(), json!("2026-01-02T03:04:05Z"));
    m.insert("seq".into(), json!(1));
    let text = ledger::jcs::canonicalize(&Value::Object(m.clone())).expect("canonical");
    let hash: String = Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    m.insert("hash".into(), json!(hash));
    ledger::jcs::canonicalize(&Value::Object(m)).expect("canonical")
}

#[test]
fn every_object_of_every_body_written_as_an_array_is_refused() {
    let mut cases = 0;
    let mut seen = Vec::new();
    for (full, minimal) in full_and_minimal_bodies() {
        for body in [full, minimal] {
            let kind = body.kind();
            // Format 2 for the bodies that use what it added (an amendment,
            // a supersession that carries disputes).
            let format = body.format();
            let tree: Node = serde_json::from_str(&declared(&body)).expect("reparse");
            // The body as written reads on every path, so a refusal below is
            // the array's doing.
            let intact = tree.to_value();
            let line = line_with(kind, format, intact.clone());
            let read = read_entry(&line);
            assert!(
                read.problems.is_empty() && read.entry.is_some(),
                "{kind}: the intact body does not read: {:?}",
                read.problems
            );
            let mut paths = Vec::new();
            tree.objects("body", &mut paths);
            assert!(!paths.is_empty());
            for path in paths {
                cases += 1;
                seen.push(format!("{kind} {path}"));
                let body = tree.flattened("body", &path).to_value();
                let text = ledger::jcs::canonicalize(&body).expect("canonical");
                let what = format!("{kind} with {path} as an array: {text}");
                let want = format!("{path}: expected an object, found an array");

                // verify's fast path (canonical text) and slow path (a parsed tree).
                assert!(
                    Body::from_canonical_str(kind, &text).is_none(),
                    "fast path accepted {what}"
                );
                let slow = Body::from_value(kind, &body);
                let read = read_entry(&line_with(kind, format, body));
                let kinds: Vec<ProblemKind> = read.problems.iter().map(|p| p.kind).collect();
                assert!(read.entry.is_none(), "verify read an entry from {what}");
                assert_eq!(kinds, [ProblemKind::Schema], "{what}");
                if path == "body" {
                    // The envelope refuses a body that is not an object before
                    // its kind's shape is looked at.
                    assert!(slow.is_err(), "{what}");
                    continue;
                }
                assert_eq!(slow.as_ref().err(), Some(&want), "{what}");
                assert_eq!(read.problems[0].message, want, "{what}");
            }
        }
    }
    // genesis, define and retract have their body object only; source (full)
    // derived_from, fact a citation, supersede the fact and its citation,
    // dispute the citation, amend (full) its `set` and the `set`'s
    // derived_from: at least 2 per kind across the two bodies.
    assert!(cases >= 24, "only {cases} cases");
    // Format 2's objects among them: an amendment's `set` and what it holds,
    // and a supersession that carries disputes (read as format 2).
    for want in [
        "amend body",
        "amend body.set",
        "amend body.set.derived_from",
        "supersede body.fact.citations[0]",
    ] {
        assert!(seen.iter().any(|s| s == want), "no case {want}: {seen:?}");
    }
}

#[test]
fn import_refuses_an_array_where_an_object_belongs_and_writes_nothing() {
    let env = Env::new();
    env.init();
    env.write(
        "batch.jsonl",
        concat!(
            r#"{"kind":"source","body":{"id":"s1","title":"T","publisher":"P","type":"report"}}"#,
            "\n",
            r#"{"kind":"fact","body":{"id":"a","subject":"CA-KP","topic":"embassy","statement":"S.","modality":"reported","citations":[["s1"]]}}"#,
            "\n"
        ),
    );
    let r = env.refused(
        "ledger/test.jsonl",
        &["--ledger", "ledger/test.jsonl", "import", "batch.jsonl"],
        2,
    );
    assert!(
        r.stderr
            .contains("batch.jsonl:2: body.citations[0]: expected an object, found an array"),
        "{r}"
    );
}
