//! The entry model: the envelope every ledger line carries and the payload of
//! each entry kind (genesis, define, source, fact, supersede, retract, dispute,
//! and, from format 2, amend).
//!
//! The envelope is `{body, format, hash, kind, prev, recorded, seq}`; `kind`
//! selects the shape of `body`. Each payload type rejects unknown members, so a
//! typo in a hand-edited or imported line is an error rather than silently dropped
//! data. Checks that need no other entry (id syntax, date order, spans) live here in
//! [`Body::check`]; checks across entries live in [`crate::replay`].

use crate::date::PartialDate;
use crate::hash::{Hash, hash_entry};
use crate::jcs::{self, CanonicalError};
use crate::shape::{self, Mismatch};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The format version of entries that need nothing newer: this build writes
/// every entry it can as format 1, so ledgers that use nothing of format 2
/// stay readable by format 1 readers.
pub const FORMAT_VERSION: u64 = 1;

/// The newest format version this build reads and writes (docs/FORMAT.md 13):
/// format 2 adds the `amend` kind and a supersede's `disputes` member.
pub const FORMAT_LATEST: u64 = 2;

/// The envelope members, in canonical order.
pub const ENVELOPE_MEMBERS: [&str; 7] =
    ["body", "format", "hash", "kind", "prev", "recorded", "seq"];

/// One ledger entry, as read from or written to a line.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub seq: u64,
    pub prev: Hash,
    pub hash: Hash,
    /// When the entry was recorded, `YYYY-MM-DDTHH:MM:SSZ`.
    pub recorded: String,
    pub body: Body,
}

/// The payload of an entry; the variant is the envelope's `kind`.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Genesis(Genesis),
    Define(Define),
    Source(Source),
    Fact(Fact),
    Supersede(Supersede),
    Retract(Retract),
    Dispute(Dispute),
    Amend(Amend),
}

/// Entry 0: names the ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Genesis {
    pub title: String,
    /// When the ledger was created, `YYYY-MM-DDTHH:MM:SSZ`.
    pub created: String,
}

/// Adds an actor or a topic to the vocabulary (see [`crate::vocab`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Define {
    pub term: Term,
    pub id: String,
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// What a [`Define`] adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Term {
    Actor,
    Topic,
}

/// A registered source that facts cite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub id: String,
    pub title: String,
    pub publisher: String,
    #[serde(rename = "type")]
    pub source_type: SourceType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<PartialDate>,
    /// BCP 47 language tag of the text as archived (`en`, `fr`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derived_from: Option<Derivation>,
    /// Lowercase hex SHA-256 of an archived copy of the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// How metadata was established, e.g. where an inferred date comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The kind of document a source is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceType {
    NewsArticle,
    BriefingNote,
    Statement,
    PressRelease,
    Report,
    Interview,
    Document,
    SocialMedia,
    Other,
}

/// A provenance link: this source derives from another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Derivation {
    pub source: String,
    pub relation: DerivationKind,
}

/// How a derived source relates to its origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DerivationKind {
    Translation,
    Summary,
    Rewrite,
}

/// A source-cited statement about a subject under a topic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fact {
    pub id: String,
    /// `A-B` for the relation between two actors, or `A` for one actor.
    pub subject: String,
    pub topic: String,
    /// The statement, in the ledger author's own words.
    pub statement: String,
    pub modality: Modality,
    /// An optional structured value, e.g. `{"embassy":"closed"}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<PartialDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<PartialDate>,
    /// Whose claim or opinion this is, when it is not the source's own reporting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributed_to: Option<String>,
    pub citations: Vec<Citation>,
    /// The ledger author's note: what an inference rests on, scope, caveats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// How firmly a fact is asserted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Modality {
    Confirmed,
    Reported,
    Planned,
    Considered,
    Proposed,
    Alleged,
    Denied,
}

impl Modality {
    /// All modalities, in documentation order.
    pub const ALL: [Modality; 7] = [
        Modality::Confirmed,
        Modality::Reported,
        Modality::Planned,
        Modality::Considered,
        Modality::Proposed,
        Modality::Alleged,
        Modality::Denied,
    ];

    /// How far the modality commits to the thing happening, for spotting a
    /// derived source that states more than its origin (`planned` > `considered`).
    /// `denied` asserts the opposite and has no place on this scale.
    pub fn strength(self) -> Option<u8> {
        match self {
            Modality::Considered => Some(1),
            Modality::Proposed => Some(2),
            Modality::Planned => Some(3),
            Modality::Alleged => Some(4),
            Modality::Reported => Some(5),
            Modality::Confirmed => Some(6),
            Modality::Denied => None,
        }
    }
}

/// Where in a source a statement is supported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Citation {
    pub source: String,
    /// 1-based paragraph number in the source text (paragraphs are separated by
    /// blank lines).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paragraph: Option<u32>,
    /// Half-open range of character offsets, within the paragraph when one is
    /// given, else within the whole text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<[u32; 2]>,
    /// A short verbatim quote.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
}

/// A corrected or updated version of a live fact; the old one stops being live.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Supersede {
    pub target: String,
    pub reason: String,
    /// The new version (a fact with its own id and citations).
    pub fact: Fact,
    /// What happens to the disputes of the old version: absent, they stay
    /// with it (the report shows them as about the superseded version);
    /// `carry`, they apply to the new version too (format 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disputes: Option<DisputeRule>,
}

/// What a supersession does to the disputes of the version it replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DisputeRule {
    /// The disputes apply to the new version as well.
    Carry,
}

/// Corrects the description of a registered source (format 2): the members
/// in `set` take new values, those in `unset` are removed. The source keeps
/// its id, so the facts citing it need no change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Amend {
    /// The source amended.
    pub target: String,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set: Option<SourceChanges>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unset: Option<Vec<SourceMember>>,
}

/// New values for a source's members (every one optional; the rules of a
/// source body apply to each one given).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceChanges {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub source_type: Option<SourceType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<PartialDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derived_from: Option<Derivation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl SourceChanges {
    /// The names of the members given, in canonical (sorted) order.
    pub fn members(&self) -> Vec<&'static str> {
        let mut m = Vec::new();
        let mut add = |present: bool, name: &'static str| {
            if present {
                m.push(name);
            }
        };
        add(self.author.is_some(), "author");
        add(self.derived_from.is_some(), "derived_from");
        add(self.language.is_some(), "language");
        add(self.note.is_some(), "note");
        add(self.published.is_some(), "published");
        add(self.publisher.is_some(), "publisher");
        add(self.sha256.is_some(), "sha256");
        add(self.title.is_some(), "title");
        add(self.source_type.is_some(), "type");
        add(self.url.is_some(), "url");
        m
    }
}

/// An optional member of a source, which an amendment may remove.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceMember {
    Author,
    Published,
    Language,
    Url,
    DerivedFrom,
    Sha256,
    Note,
}

impl SourceMember {
    /// The member's name in a source body.
    pub fn name(self) -> &'static str {
        match self {
            SourceMember::Author => "author",
            SourceMember::Published => "published",
            SourceMember::Language => "language",
            SourceMember::Url => "url",
            SourceMember::DerivedFrom => "derived_from",
            SourceMember::Sha256 => "sha256",
            SourceMember::Note => "note",
        }
    }
}

/// Withdraws a live fact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retract {
    pub target: String,
    pub reason: RetractReason,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// A source that motivates the retraction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// Why a fact was retracted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RetractReason {
    Erroneous,
    Misattributed,
    Mistranslated,
    Duplicate,
    SourceWithdrawn,
}

/// A source that contradicts or overstates a live fact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dispute {
    pub target: String,
    pub difference: Difference,
    /// What the disputing source says, in the ledger author's words.
    pub statement: String,
    pub citation: Citation,
    /// How it differs from the fact, when the difference needs explaining.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// How a disputing source differs from the fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Difference {
    Overstates,
    Understates,
    Contradicts,
    Misattributes,
    Imprecise,
}

impl Body {
    /// The envelope `kind` for this payload.
    pub fn kind(&self) -> &'static str {
        match self {
            Body::Genesis(_) => "genesis",
            Body::Define(_) => "define",
            Body::Source(_) => "source",
            Body::Fact(_) => "fact",
            Body::Supersede(_) => "supersede",
            Body::Retract(_) => "retract",
            Body::Dispute(_) => "dispute",
            Body::Amend(_) => "amend",
        }
    }

    /// The `format` an entry with this payload carries: 2 when it uses what
    /// format 2 added (the `amend` kind, a supersede's `disputes`), else 1.
    /// Every entry has exactly one format, so its line has one canonical text.
    pub fn format(&self) -> u64 {
        match self {
            Body::Amend(_) => 2,
            Body::Supersede(s) if s.disputes.is_some() => 2,
            _ => FORMAT_VERSION,
        }
    }

    /// All kinds, in documentation order.
    pub const KINDS: [&'static str; 8] = [
        "genesis",
        "define",
        "source",
        "fact",
        "supersede",
        "retract",
        "dispute",
        "amend",
    ];

    /// Reads the payload of an entry of `kind` from its `body` value. Every
    /// object of the body must be a JSON object ([`crate::shape`]): an array
    /// where one belongs is refused with its path (`body.citations[0]:
    /// expected an object, found an array`).
    pub fn from_value(kind: &str, body: &Value) -> Result<Body, String> {
        reject_nulls(body).map_err(|m| format!("`{kind}` body: {m}"))?;
        fn de<'a, T: Deserialize<'a>>(kind: &str, v: &'a Value) -> Result<T, String> {
            shape::from_value("body", v).map_err(|e| match e {
                Mismatch::Array(m) => m,
                Mismatch::Other(m) => format!("`{kind}` body: {m}"),
            })
        }
        Ok(match kind {
            "genesis" => Body::Genesis(de(kind, body)?),
            "define" => Body::Define(de(kind, body)?),
            "source" => Body::Source(de(kind, body)?),
            "fact" => Body::Fact(de(kind, body)?),
            "supersede" => Body::Supersede(de(kind, body)?),
            "retract" => Body::Retract(de(kind, body)?),
            "dispute" => Body::Dispute(de(kind, body)?),
            "amend" => Body::Amend(de(kind, body)?),
            other => {
                return Err(format!(
                    "unknown kind `{other}`; expected one of {}",
                    Body::KINDS.join(", ")
                ));
            }
        })
    }

    /// Reads the payload of an entry of `kind` from the JSON text of its body,
    /// which the caller has already found canonical and free of `null` (see
    /// [`crate::jcs::scan_canonical`]); returns `None` on any failure, leaving
    /// the explanation to [`Body::from_value`].
    pub fn from_canonical_str(kind: &str, body: &str) -> Option<Body> {
        fn de<'a, T: Deserialize<'a>>(s: &'a str) -> Option<T> {
            shape::from_str_unexplained(s)
        }
        Some(match kind {
            "genesis" => Body::Genesis(de(body)?),
            "define" => Body::Define(de(body)?),
            "source" => Body::Source(de(body)?),
            "fact" => Body::Fact(de(body)?),
            "supersede" => Body::Supersede(de(body)?),
            "retract" => Body::Retract(de(body)?),
            "dispute" => Body::Dispute(de(body)?),
            "amend" => Body::Amend(de(body)?),
            _ => return None,
        })
    }

    /// The payload as a JSON value (absent optional members omitted).
    pub fn to_value(&self) -> Value {
        let v = match self {
            Body::Genesis(b) => serde_json::to_value(b),
            Body::Define(b) => serde_json::to_value(b),
            Body::Source(b) => serde_json::to_value(b),
            Body::Fact(b) => serde_json::to_value(b),
            Body::Supersede(b) => serde_json::to_value(b),
            Body::Retract(b) => serde_json::to_value(b),
            Body::Dispute(b) => serde_json::to_value(b),
            Body::Amend(b) => serde_json::to_value(b),
        };
        // Serializing these plain structs cannot fail: every key is a string.
        v.unwrap_or(Value::Null)
    }

    /// Checks that need no other entry: id syntax, non-empty text, date order,
    /// spans, hex digests.
    pub fn check(&self) -> Result<(), String> {
        match self {
            Body::Genesis(g) => {
                non_empty("title", &g.title)?;
                check_timestamp(&g.created).map_err(|e| format!("`created`: {e}"))
            }
            Body::Define(d) => {
                match d.term {
                    Term::Actor => crate::vocab::parse_subject(&d.id)
                        .ok()
                        .filter(|a| a.len() == 1)
                        .map(|_| ())
                        .ok_or_else(|| {
                            format!(
                                "actor id `{}` must be 1-16 uppercase letters and digits, like `CA` or `HANVOICE`",
                                d.id
                            )
                        })?,
                    Term::Topic => check_topic_id(&d.id)?,
                }
                non_empty("label", &d.label)?;
                opt_non_empty("note", &d.note)
            }
            Body::Source(s) => {
                check_id("source id", &s.id)?;
                non_empty("title", &s.title)?;
                non_empty("publisher", &s.publisher)?;
                opt_non_empty("author", &s.author)?;
                opt_non_empty("language", &s.language)?;
                opt_non_empty("url", &s.url)?;
                opt_non_empty("note", &s.note)?;
                if let Some(d) = &s.derived_from {
                    check_id("derived_from.source", &d.source)?;
                    if d.source == s.id {
                        return Err(format!("source `{}` cannot derive from itself", s.id));
                    }
                }
                if let Some(h) = &s.sha256
                    && crate::hash::Hash::from_hex(h).is_none()
                {
                    return Err("`sha256` must be 64 lowercase hex digits".into());
                }
                Ok(())
            }
            Body::Fact(f) => check_fact(f),
            Body::Supersede(s) => {
                let f = &s.fact;
                let citation = |i| f.citations.get(i).map(Citation::view);
                check_supersede(&s.target, &s.reason, view_of(f, &citation))
            }
            Body::Retract(r) => {
                check_id("target", &r.target)?;
                if let Some(s) = &r.source {
                    check_id("source", s)?;
                }
                opt_non_empty("note", &r.note)
            }
            Body::Dispute(d) => check_dispute(
                &d.target,
                &d.statement,
                d.note.as_deref(),
                d.citation.view(),
            ),
            Body::Amend(a) => check_amend(a),
        }
    }
}

fn check_amend(a: &Amend) -> Result<(), String> {
    check_id("target", &a.target)?;
    non_empty("reason", &a.reason)?;
    if a.set.is_none() && a.unset.is_none() {
        return Err("an amendment needs `set` or `unset`".into());
    }
    if let Some(c) = &a.set {
        if c.members().is_empty() {
            return Err("`set` must name at least one member".into());
        }
        if let Some(t) = &c.title {
            non_empty("title", t)?;
        }
        if let Some(p) = &c.publisher {
            non_empty("publisher", p)?;
        }
        opt_non_empty("author", &c.author)?;
        opt_non_empty("language", &c.language)?;
        opt_non_empty("url", &c.url)?;
        opt_non_empty("note", &c.note)?;
        if let Some(d) = &c.derived_from {
            check_id("derived_from.source", &d.source)?;
            if d.source == a.target {
                return Err(format!("source `{}` cannot derive from itself", a.target));
            }
        }
        if let Some(h) = &c.sha256
            && crate::hash::Hash::from_hex(h).is_none()
        {
            return Err("`sha256` must be 64 lowercase hex digits".into());
        }
    }
    if let Some(u) = &a.unset {
        if u.is_empty() {
            return Err("`unset` must name at least one member".into());
        }
        let set = a
            .set
            .as_ref()
            .map(SourceChanges::members)
            .unwrap_or_default();
        for (i, m) in u.iter().enumerate() {
            if u[..i].contains(m) {
                return Err(format!("`unset` names `{}` twice", m.name()));
            }
            if set.contains(&m.name()) {
                return Err(format!("`{}` is both set and unset", m.name()));
            }
        }
    }
    Ok(())
}

/// How to fix text refused by [`Body::check_new_text`].
pub const NEW_TEXT_HELP: &str = "write statements, titles, labels, quotes, reasons and other single-line text on one line, without control characters; only a `note` may span lines (LF) or hold tabs";

impl Body {
    /// The rule for text a writer adds, checked when a command writes an entry
    /// (never by `verify`: a ledger written before the rule, or by another
    /// tool, still verifies, and readers escape what it holds).
    ///
    /// Single-line text (titles, labels, publishers, authors, languages, URLs,
    /// statements, attributions, quotes, reasons, and every string and key in
    /// a fact's `value`) holds no line break and no control character: no C0
    /// control (TAB, LF and CR among them), no DEL, no C1 control, no U+2028
    /// or U+2029. A `note` may span lines: it may hold LF and TAB, and nothing
    /// else of those. Returns what is wrong, naming the member and where.
    pub fn check_new_text(&self) -> Result<(), String> {
        match self {
            Body::Genesis(g) => one_line("title", &g.title),
            Body::Define(d) => {
                one_line("label", &d.label)?;
                opt_note(&d.note)
            }
            Body::Source(s) => {
                one_line("title", &s.title)?;
                one_line("publisher", &s.publisher)?;
                for (what, v) in [
                    ("author", &s.author),
                    ("language", &s.language),
                    ("url", &s.url),
                ] {
                    v.as_deref().map_or(Ok(()), |v| one_line(what, v))?;
                }
                opt_note(&s.note)
            }
            Body::Fact(f) => fact_text("", f),
            Body::Supersede(s) => {
                one_line("reason", &s.reason)?;
                fact_text("fact.", &s.fact)
            }
            Body::Retract(r) => opt_note(&r.note),
            Body::Dispute(d) => {
                one_line("statement", &d.statement)?;
                if let Some(q) = &d.citation.quote {
                    one_line("citation.quote", q)?;
                }
                opt_note(&d.note)
            }
            Body::Amend(a) => {
                one_line("reason", &a.reason)?;
                let Some(c) = &a.set else { return Ok(()) };
                for (what, v) in [
                    ("set.title", &c.title),
                    ("set.publisher", &c.publisher),
                    ("set.author", &c.author),
                    ("set.language", &c.language),
                    ("set.url", &c.url),
                ] {
                    v.as_deref().map_or(Ok(()), |v| one_line(what, v))?;
                }
                c.note
                    .as_deref()
                    .map_or(Ok(()), |n| text("set.note", n, true))
            }
        }
    }
}

/// What [`Body::check_new_text`] asks of a fact's text; `at` prefixes the
/// member names (`fact.` inside a supersede).
fn fact_text(at: &str, f: &Fact) -> Result<(), String> {
    // Member names are written out only for text that needs a closer look.
    if !plain_text(&f.statement) {
        one_line(&format!("{at}statement"), &f.statement)?;
    }
    if let Some(a) = &f.attributed_to
        && !plain_text(a)
    {
        one_line(&format!("{at}attributed_to"), a)?;
    }
    for (i, c) in f.citations.iter().enumerate() {
        if let Some(q) = &c.quote
            && !plain_text(q)
        {
            one_line(&format!("{at}citations[{i}].quote"), q)?;
        }
    }
    if let Some(v) = &f.value
        && !plain_value(v)
    {
        value_text(&format!("{at}value"), v)?;
    }
    if let Some(n) = &f.note
        && !plain_text(n)
    {
        text(&format!("{at}note"), n, true)?;
    }
    Ok(())
}

/// Every key and string in a free-form value is one line.
fn value_text(at: &str, v: &Value) -> Result<(), String> {
    match v {
        Value::String(s) => one_line(at, s),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| value_text(&format!("{at}[{i}]"), v)),
        Value::Object(map) => map.iter().try_for_each(|(k, v)| {
            one_line(&format!("a key of `{at}`"), k)?;
            value_text(&format!("{at}.{k}"), v)
        }),
        _ => Ok(()),
    }
}

/// Whether every key and string of `v` is [`plain_text`].
fn plain_value(v: &Value) -> bool {
    match v {
        Value::String(s) => plain_text(s),
        Value::Array(items) => items.iter().all(plain_value),
        Value::Object(map) => map.iter().all(|(k, v)| plain_text(k) && plain_value(v)),
        _ => true,
    }
}

/// Whether `s` passes [`text`] (as one line or as a note) for want of any
/// byte that could begin what it refuses: C0 controls and DEL are single
/// bytes, C1 controls begin with 0xC2, and U+2028 and U+2029 with 0xE2. Most
/// text is checked by this alone, 16 bytes at a time without a branch
/// inside, which the compiler vectorizes.
fn plain_text(s: &str) -> bool {
    let refused = |b: u8| (b < 0x20) | (b == 0x7F) | (b == 0xC2) | (b == 0xE2);
    let mut chunks = s.as_bytes().chunks_exact(16);
    for c in &mut chunks {
        if c.iter().fold(false, |any, &b| any | refused(b)) {
            return false;
        }
    }
    !chunks.remainder().iter().any(|&b| refused(b))
}

fn one_line(what: &str, s: &str) -> Result<(), String> {
    text(what, s, false)
}

fn opt_note(note: &Option<String>) -> Result<(), String> {
    note.as_deref().map_or(Ok(()), |n| text("note", n, true))
}

/// Checks `s`, the text of member `what`: no control character, line
/// separator or paragraph separator, except LF and TAB in a note.
fn text(what: &str, s: &str, note: bool) -> Result<(), String> {
    if plain_text(s) {
        return Ok(());
    }
    let Some((i, c)) = refused_char(s, note) else {
        return Ok(());
    };
    let name = match c {
        '\n' => "a line feed".to_string(),
        '\r' => "a carriage return".to_string(),
        '\t' => "a tab".to_string(),
        '\u{2028}' => "a line separator".to_string(),
        '\u{2029}' => "a paragraph separator".to_string(),
        '\u{1b}' => "an escape character".to_string(),
        _ => "a control character".to_string(),
    };
    let shown = if what.starts_with("a key of") {
        what.to_string()
    } else {
        format!("`{what}`")
    };
    let rule = if note {
        "a note may span lines (LF) and hold tabs, but no other control character"
    } else if matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}') {
        "it must be one line; only a `note` may span lines"
    } else {
        "single-line text may hold no control character"
    };
    Err(format!(
        "{shown} holds {name} (U+{:04X}) at character {}: {rule}",
        c as u32,
        i + 1
    ))
}

/// The first character [`text`] refuses, with its 0-based position in
/// characters.
fn refused_char(s: &str, note: bool) -> Option<(usize, char)> {
    s.chars().enumerate().find(|&(_, c)| {
        (c.is_control() || c == '\u{2028}' || c == '\u{2029}')
            && !(note && matches!(c, '\n' | '\t'))
    })
}

/// Optional members are omitted when absent, never `null`: a reader that took
/// `null` for absent would re-serialize the entry without the member, and its
/// text would no longer match its hash. (Inside a fact's free-form `value`,
/// `null` is ordinary data.)
fn reject_nulls(v: &Value) -> Result<(), String> {
    match v {
        Value::Object(map) => map.iter().try_for_each(|(k, v)| match v {
            Value::Null => Err(format!(
                "member `{k}` is null; omit an absent member instead"
            )),
            _ if k == "value" => Ok(()),
            other => reject_nulls(other),
        }),
        Value::Array(items) => items.iter().try_for_each(reject_nulls),
        _ => Ok(()),
    }
}

/// An optional text member, when present, must not be blank.
fn opt_non_empty(what: &str, s: &Option<String>) -> Result<(), String> {
    s.as_deref().map_or(Ok(()), |s| non_empty(what, s))
}

/// A fact as the rules of [`Body::check`] see it, borrowed: a fact read for
/// its ids alone ([`crate::slim`]) is checked where its text lies, without
/// building a [`Fact`], by the same rules as a typed one.
#[derive(Clone, Copy)]
pub(crate) struct FactView<'a> {
    pub id: &'a str,
    pub subject: &'a str,
    pub topic: &'a str,
    pub statement: &'a str,
    pub attributed_to: Option<&'a str>,
    pub note: Option<&'a str>,
    pub valid_from: Option<PartialDate>,
    pub valid_to: Option<PartialDate>,
    /// The citation at each index, `None` past the last.
    pub citation: &'a dyn Fn(usize) -> Option<CiteView<'a>>,
}

/// A citation as the rules see it, borrowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CiteView<'a> {
    pub source: &'a str,
    pub paragraph: Option<u32>,
    pub span: Option<[u32; 2]>,
    pub quote: Option<&'a str>,
}

impl Citation {
    pub(crate) fn view(&self) -> CiteView<'_> {
        CiteView {
            source: &self.source,
            paragraph: self.paragraph,
            span: self.span,
            quote: self.quote.as_deref(),
        }
    }
}

fn check_fact(f: &Fact) -> Result<(), String> {
    check_fact_view(view_of(f, &|i| f.citations.get(i).map(Citation::view)))
}

fn view_of<'a>(f: &'a Fact, citation: &'a dyn Fn(usize) -> Option<CiteView<'a>>) -> FactView<'a> {
    FactView {
        id: &f.id,
        subject: &f.subject,
        topic: &f.topic,
        statement: &f.statement,
        attributed_to: f.attributed_to.as_deref(),
        note: f.note.as_deref(),
        valid_from: f.valid_from,
        valid_to: f.valid_to,
        citation,
    }
}

/// The rules of a fact ([`FactView`]).
pub(crate) fn check_fact_view(f: FactView) -> Result<(), String> {
    check_id("fact id", f.id)?;
    crate::vocab::subject_actors(f.subject).map(|_| ())?;
    check_topic_id(f.topic)?;
    non_empty("statement", f.statement)?;
    f.attributed_to
        .map_or(Ok(()), |a| non_empty("attributed_to", a))?;
    f.note.map_or(Ok(()), |n| non_empty("note", n))?;
    if let (Some(a), Some(b)) = (f.valid_from, f.valid_to)
        && b.last_day() < a.first_day()
    {
        return Err(format!("`valid_to` {b} is before `valid_from` {a}"));
    }
    if (f.citation)(0).is_none() {
        return Err("a fact needs at least one citation".into());
    }
    let mut i = 0;
    while let Some(c) = (f.citation)(i) {
        check_citation(c)?;
        i += 1;
    }
    Ok(())
}

/// The rules of a supersession of `target`, borrowed (see [`FactView`]).
pub(crate) fn check_supersede(target: &str, reason: &str, fact: FactView) -> Result<(), String> {
    check_id("target", target)?;
    non_empty("reason", reason)?;
    check_fact_view(fact)?;
    if fact.id == target {
        return Err(format!(
            "the new version needs an id of its own, not `{target}`"
        ));
    }
    Ok(())
}

/// The rules of a dispute of `target`, borrowed (see [`FactView`]).
pub(crate) fn check_dispute(
    target: &str,
    statement: &str,
    note: Option<&str>,
    citation: CiteView,
) -> Result<(), String> {
    check_id("target", target)?;
    non_empty("statement", statement)?;
    note.map_or(Ok(()), |n| non_empty("note", n))?;
    check_citation(citation)
}

/// The rules of a citation.
fn check_citation(c: CiteView) -> Result<(), String> {
    check_id("citation source", c.source)?;
    if c.paragraph == Some(0) {
        return Err("paragraphs are numbered from 1".into());
    }
    if let Some([a, b]) = c.span
        && a >= b
    {
        return Err(format!("span {a}-{b} is empty or reversed"));
    }
    c.quote.map_or(Ok(()), check_quote)
}

/// The rule of a citation's quote.
pub(crate) fn check_quote(q: &str) -> Result<(), String> {
    non_empty("quote", q)
}

fn non_empty(what: &str, s: &str) -> Result<(), String> {
    if s.trim().is_empty() {
        Err(format!("`{what}` must not be empty"))
    } else {
        Ok(())
    }
}

/// The name a vocabulary value (modality, source type, derivation, retraction
/// reason, ...) has in the ledger: its serialized kebab-case form.
pub fn name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}

/// Ids of sources and facts: 1–64 characters from `A-Z a-z 0-9 . _ -`, starting
/// with a letter or digit.
pub fn check_id(what: &str, id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id.as_bytes()[0].is_ascii_alphanumeric()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        // Escaped, so a newline or terminal escape in a refused id shows as such.
        Err(format!(
            "{what} `{}` is not a valid id: use 1-64 letters, digits, `.`, `_` or `-`, starting with a letter or digit",
            id.escape_debug()
        ))
    }
}

/// Topic ids: lowercase words of letters and digits joined by `-`, starting
/// with a letter, at most 40 characters (`diplomatic-status`).
fn check_topic_id(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= 40
        && id.as_bytes()[0].is_ascii_lowercase()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.ends_with('-')
        && !id.contains("--");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "topic `{id}` must be lowercase words joined by `-`, like `embassy` or `human-rights`"
        ))
    }
}

/// Checks a record time: exactly `YYYY-MM-DDTHH:MM:SSZ`, a real instant in UTC.
pub fn check_timestamp(s: &str) -> Result<(), String> {
    let b = s.as_bytes();
    let shape = b.len() == 20
        && (b[4], b[7], b[10], b[13], b[16], b[19]) == (b'-', b'-', b'T', b':', b':', b'Z')
        && [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
            .iter()
            .all(|&i| b[i].is_ascii_digit());
    if shape && valid_utc_time(s.as_bytes()) {
        Ok(())
    } else {
        Err(format!(
            "`{s}` is not an RFC 3339 UTC time of the form YYYY-MM-DDTHH:MM:SSZ"
        ))
    }
}

/// Whether `YYYY-MM-DDTHH:MM:SSZ`, digits where digits go, names a time:
/// what RFC 3339 parsing (chrono's, which a test holds this to) accepts,
/// worked out by hand because every line's `recorded` is checked. Second 60
/// is a leap second, allowed in any minute as chrono allows it.
fn valid_utc_time(b: &[u8]) -> bool {
    let n = |i: usize, len: usize| {
        b[i..i + len]
            .iter()
            .fold(0u32, |v, &d| v * 10 + u32::from(d - b'0'))
    };
    let (y, m, d) = (n(0, 4), n(5, 2), n(8, 2));
    let (hh, mm, ss) = (n(11, 2), n(14, 2), n(17, 2));
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d) && hh < 24 && mm < 60 && ss <= 60
}

/// The bytes a JSON value owns on the heap, about (its nodes, strings and
/// map entries; not the value itself).
fn value_heap_bytes(v: &Value) -> usize {
    match v {
        Value::Null | Value::Bool(_) | Value::Number(_) => 0,
        Value::String(s) => s.capacity(),
        Value::Array(a) => {
            a.capacity() * NODE_BYTES + a.iter().map(value_heap_bytes).sum::<usize>()
        }
        // A map entry: the key, the value and a share of a tree node.
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| k.capacity() + NODE_BYTES + 48 + value_heap_bytes(v))
            .sum(),
    }
}

/// The size of a JSON value node.
const NODE_BYTES: usize = std::mem::size_of::<Value>();

fn opt_len(s: &Option<String>) -> usize {
    s.as_ref().map_or(0, String::capacity)
}

fn citation_heap_bytes(c: &Citation) -> usize {
    c.source.capacity() + opt_len(&c.quote)
}

fn fact_heap_bytes(f: &Fact) -> usize {
    f.id.capacity()
        + f.subject.capacity()
        + f.topic.capacity()
        + f.statement.capacity()
        + f.value
            .as_ref()
            .map_or(0, |v| NODE_BYTES + value_heap_bytes(v))
        + opt_len(&f.attributed_to)
        + opt_len(&f.note)
        + f.citations.capacity() * std::mem::size_of::<Citation>()
        + f.citations.iter().map(citation_heap_bytes).sum::<usize>()
}

impl Body {
    /// About how many bytes the body owns on the heap (for bounding how much
    /// verification holds in flight; see `chain::Footprint`).
    pub fn heap_bytes(&self) -> usize {
        match self {
            Body::Genesis(g) => g.title.capacity() + g.created.capacity(),
            Body::Define(d) => d.id.capacity() + d.label.capacity() + opt_len(&d.note),
            Body::Source(s) => {
                s.id.capacity()
                    + s.title.capacity()
                    + s.publisher.capacity()
                    + opt_len(&s.author)
                    + opt_len(&s.language)
                    + opt_len(&s.url)
                    + opt_len(&s.sha256)
                    + opt_len(&s.note)
                    + s.derived_from.as_ref().map_or(0, |d| d.source.capacity())
            }
            Body::Fact(f) => fact_heap_bytes(f),
            Body::Supersede(s) => {
                s.target.capacity() + s.reason.capacity() + fact_heap_bytes(&s.fact)
            }
            Body::Retract(r) => r.target.capacity() + opt_len(&r.note) + opt_len(&r.source),
            Body::Dispute(d) => {
                d.target.capacity()
                    + d.statement.capacity()
                    + opt_len(&d.note)
                    + citation_heap_bytes(&d.citation)
            }
            Body::Amend(a) => {
                a.target.capacity()
                    + a.reason.capacity()
                    + a.set.as_ref().map_or(0, |c| {
                        opt_len(&c.title)
                            + opt_len(&c.publisher)
                            + opt_len(&c.author)
                            + opt_len(&c.language)
                            + opt_len(&c.url)
                            + opt_len(&c.sha256)
                            + opt_len(&c.note)
                            + c.derived_from.as_ref().map_or(0, |d| d.source.capacity())
                    })
                    + a.unset
                        .as_ref()
                        .map_or(0, |u| u.capacity() * std::mem::size_of::<SourceMember>())
            }
        }
    }
}

impl Entry {
    /// About how many bytes the entry owns on the heap.
    pub fn heap_bytes(&self) -> usize {
        self.recorded.capacity() + self.body.heap_bytes()
    }

    /// Builds the JSON object of this entry; with `with_hash` false, the object
    /// the hash is computed over.
    pub fn to_object(&self, with_hash: bool) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("body".into(), self.body.to_value());
        m.insert("format".into(), Value::from(self.body.format()));
        if with_hash {
            m.insert("hash".into(), Value::String(self.hash.to_hex()));
        }
        m.insert("kind".into(), Value::String(self.body.kind().into()));
        m.insert("prev".into(), Value::String(self.prev.to_hex()));
        m.insert("recorded".into(), Value::String(self.recorded.clone()));
        m.insert("seq".into(), Value::from(self.seq));
        m
    }

    /// Creates entry `seq` after `prev`, computing its hash.
    pub fn seal(
        seq: u64,
        prev: Hash,
        recorded: String,
        body: Body,
    ) -> Result<Entry, CanonicalError> {
        let mut e = Entry {
            seq,
            prev,
            hash: Hash::ZERO,
            recorded,
            body,
        };
        let text = jcs::canonicalize(&Value::Object(e.to_object(false)))?;
        e.hash = hash_entry(text.as_bytes(), b"");
        Ok(e)
    }

    /// [`Entry::seal`] and [`Entry::to_line`] in one step, canonicalizing the
    /// body once: the envelope's members are written by hand in their JCS order
    /// (`body`, `format`, `hash`, `kind`, `prev`, `recorded`, `seq`: all ASCII
    /// keys, so UTF-16 order is byte order), hashed without `hash`, and the
    /// `hash` member is then spliced in after `format`. The golden-hash tests
    /// hold it to the same bytes as the slow path.
    pub fn seal_line(
        seq: u64,
        prev: Hash,
        recorded: String,
        body: Body,
    ) -> Result<(Entry, String), CanonicalError> {
        let mut head = String::with_capacity(640);
        head.push_str("{\"body\":");
        jcs::write_canonical(&body.to_value(), &mut head)?;
        head.push_str(",\"format\":");
        head.push_str(&body.format().to_string());
        head.push(',');
        let split = head.len();
        head.push_str("\"kind\":");
        jcs::write_string(body.kind(), &mut head);
        head.push_str(",\"prev\":\"");
        head.push_str(&prev.to_hex());
        head.push_str("\",\"recorded\":");
        jcs::write_string(&recorded, &mut head);
        head.push_str(",\"seq\":");
        head.push_str(&seq.to_string());
        head.push('}');
        let hash = hash_entry(head.as_bytes(), b"");
        let mut line = String::with_capacity(head.len() + 80);
        line.push_str(&head[..split]);
        line.push_str("\"hash\":\"");
        line.push_str(&hash.to_hex());
        line.push_str("\",");
        line.push_str(&head[split..]);
        line.push('\n');
        let entry = Entry {
            seq,
            prev,
            hash,
            recorded,
            body,
        };
        Ok((entry, line))
    }

    /// The entry's identity across merges: its hash as it would be at seq 0
    /// after 64 zeros, i.e. of its record time and body alone, which
    /// re-chaining (new seq, prev and hash) does not change.
    pub fn content_id(&self) -> Option<Hash> {
        Entry::seal(0, Hash::ZERO, self.recorded.clone(), self.body.clone())
            .ok()
            .map(|s| s.hash)
    }

    /// The line for this entry: its canonical text followed by LF.
    pub fn to_line(&self) -> Result<String, CanonicalError> {
        let mut s = jcs::canonicalize(&Value::Object(self.to_object(true)))?;
        s.push('\n');
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Characters near every edge of what the rule for new text refuses.
    fn edge_char() -> impl Strategy<Value = char> {
        prop_oneof![
            any::<char>(),
            (0u32..0x20).prop_map(|c| char::from_u32(c).unwrap_or('a')),
            Just('\u{7f}'),
            (0x80u32..0xC0).prop_map(|c| char::from_u32(c).unwrap_or('a')),
            (0x2000u32..0x2100).prop_map(|c| char::from_u32(c).unwrap_or('a')),
            Just('\u{FEFF}'),
            Just('é'),
            Just('\u{1F600}'),
        ]
    }

    proptest! {
        /// The byte shortcut passes only text the character rule passes,
        /// as one line and as a note.
        #[test]
        fn plain_text_is_text_the_rule_passes(
            chars in prop::collection::vec(edge_char(), 0..40)
        ) {
            let s: String = chars.into_iter().collect();
            if plain_text(&s) {
                prop_assert_eq!(refused_char(&s, false), None);
                prop_assert_eq!(refused_char(&s, true), None);
            }
        }
    }

    /// No character the rule refuses, anywhere in the code space, passes
    /// the shortcut.
    #[test]
    fn refused_characters_are_not_plain() {
        for c in (0u32..0x110000).filter_map(char::from_u32) {
            // Inside the first 16 bytes, and in the bytes after them.
            for s in [
                format!("ab{c}defghijklmnopq"),
                format!("abcdefghijklmnopq{c}"),
            ] {
                if refused_char(&s, false).is_some() {
                    assert!(!plain_text(&s), "U+{:04X}", c as u32);
                }
            }
        }
    }

    fn by_chrono(s: &str) -> bool {
        chrono::DateTime::parse_from_rfc3339(s).is_ok()
    }

    /// `check_timestamp` accepts exactly what chrono's RFC 3339 parser
    /// accepts among texts of its shape. The date and the time of day are
    /// decided apart, so each is compared over every value of its digits
    /// with the other held valid: every day and month number (00-99) in
    /// years around each leap rule, 29 February in every year, and every
    /// hour, minute and second (00-99).
    #[test]
    fn timestamps_are_decided_as_chrono_decides() {
        let mut checked = 0;
        let mut same = |s: &str| {
            assert_eq!(check_timestamp(s).is_ok(), by_chrono(s), "{s}");
            checked += 1;
        };
        for y in [
            0, 1, 4, 100, 400, 1900, 1999, 2000, 2023, 2024, 2100, 9996, 9999,
        ] {
            for m in 0..100 {
                for d in 0..100 {
                    same(&format!("{y:04}-{m:02}-{d:02}T12:00:00Z"));
                }
            }
        }
        for y in 0..10_000 {
            same(&format!("{y:04}-02-29T00:00:00Z"));
        }
        for h in 0..100 {
            for m in 0..100 {
                for s in 0..100 {
                    same(&format!("2024-06-30T{h:02}:{m:02}:{s:02}Z"));
                }
            }
        }
        assert_eq!(checked, 13 * 100 * 100 + 10_000 + 1_000_000);
        for bad in [
            "2024-06-30 12:00:00Z",
            "2024-06-30T12:00:00+00:00",
            "2024-6-30T12:00:00Z",
        ] {
            assert!(check_timestamp(bad).is_err(), "{bad}");
        }
    }
}
