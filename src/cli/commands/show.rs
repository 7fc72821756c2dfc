//! `ledger show`: a fact or a source with its whole history (for a source,
//! every amendment with the values it replaced). A dispute of a fact by a
//! source derived from one the fact cites (or the other way round) is shown
//! with the two cited spans side by side; `--evidence` prints every cited
//! span in its paragraph of the archived text, marked. Every piece of ledger
//! text (and of an archived text) is escaped for the terminal (a note's line
//! breaks show as `\n`).

use crate::archive::Archive;
use crate::citations::{check_one, paragraphs};
use crate::cli::Format;
use crate::cli::commands::log::entry_line;
use crate::cli::output::{MARK, emit, emit_json, marked_paragraph};
use crate::entry::Citation;
use crate::entry::{Body, Entry, name};
use crate::error::{Error, Result};
use crate::escape::terminal;
use crate::ids::{self, Abbrev};
use crate::replay::{State, Status};
use crate::report::{self, worded};
use crate::store;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A fact or source id, or any unique prefix of one
    pub id: String,
    /// Print each cited span (of the fact and of its disputes) in its
    /// paragraph of the source's archived text, marked
    #[arg(long)]
    pub evidence: bool,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(
    ledger: Option<&Path>,
    archive: Option<&Path>,
    args: Args,
    out: &mut dyn Write,
) -> Result<i32> {
    let path = store::resolve(ledger)?;
    let (entries, state) = store::load(&path)?;
    let id = resolve_any(&state, &args.id)?;
    let id = id.as_str();
    let abbrev = state.abbrev();
    if args.evidence && state.fact(id).is_none() {
        return Err(Error::usage(
            format!("--evidence shows the evidence of a fact, and no fact has the id `{id}`"),
            Some("list facts with `ledger log --kind fact`".into()),
        ));
    }
    let evidence = if args.evidence {
        Some(evidence(&state, id, &Archive::for_ledger(&path, archive))?)
    } else {
        None
    };
    let (related, head): (Vec<&Entry>, String) = if state.fact(id).is_some() {
        let versions = version_chain(&state, id);
        let rel = entries
            .iter()
            .filter(|e| touches_fact(&e.body, &versions))
            .collect();
        (rel, fact_text(&state, id, &abbrev))
    } else if state.source(id).is_some() {
        let rel = entries
            .iter()
            .filter(|e| touches_source(&e.body, id))
            .collect();
        (rel, source_text(&state, id, &abbrev))
    } else {
        let known: Vec<&str> = state
            .facts
            .iter()
            .map(|f| f.fact.id.as_str())
            .chain(state.sources.iter().map(|s| s.source.id.as_str()))
            .collect();
        return Err(Error::usage(
            format!(
                "no fact or source has the id `{id}`, and none starts with it{}",
                crate::replay::suggest(crate::replay::closest(id, known.into_iter()))
            ),
            Some("list ids with `ledger log` or `ledger sources`".into()),
        ));
    };
    match args.format {
        Format::Json => {
            let mut v = json!({
                "id": id,
                "kind": if state.fact(id).is_some() { "fact" } else { "source" },
                "status": state.fact(id).map(|f| status_name(&f.status, &|id| id.to_string())),
                "history": related.iter().map(|e| Value::Object(e.to_object(true))).collect::<Vec<_>>(),
            });
            if let Some(ev) = &evidence {
                v["evidence"] = ev.iter().map(Evidence::to_json).collect();
            }
            emit_json(out, &v)?
        }
        Format::Text => {
            let mut s = head;
            if let Some(ev) = &evidence {
                s.push_str(&format!(
                    "\nevidence (each cited span marked {}…{}):\n",
                    MARK.0, MARK.1
                ));
                for e in ev {
                    s.push_str(&e.to_text());
                }
            }
            s.push_str("\nhistory:\n");
            for e in related {
                s.push_str(&format!("  {}\n", entry_line(e, &abbrev)));
            }
            emit(out, &s)?;
        }
    }
    Ok(0)
}

/// The fact or source `given` names: its id, or the only fact or source id it
/// is a prefix of; a prefix of several is refused, listing them.
fn resolve_any(state: &State, given: &str) -> Result<String> {
    let all = state
        .facts
        .iter()
        .map(|f| f.fact.id.as_str())
        .chain(state.sources.iter().map(|s| s.source.id.as_str()));
    match ids::resolve(given, all) {
        ids::Resolved::One(id) => Ok(id),
        ids::Resolved::None => Ok(given.to_string()),
        ids::Resolved::Ambiguous(c) => Err(ids::ambiguous("id", given, &c, |id| {
            store::describe_id(state, id)
        })),
    }
}

/// Every version of a fact: the ones it supersedes and the ones superseding it.
fn version_chain(state: &State, id: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut cur = Some(id.to_string());
    while let Some(c) = cur {
        if !ids.insert(c.clone()) {
            break;
        }
        cur = state
            .fact(&c)
            .and_then(|f| f.supersedes.as_deref().map(|(old, _)| old.clone()));
    }
    let mut cur = state.fact(id).and_then(next_version);
    while let Some(c) = cur {
        if !ids.insert(c.clone()) {
            break;
        }
        cur = state.fact(&c).and_then(next_version);
    }
    ids
}

fn next_version(f: &crate::replay::FactRecord) -> Option<String> {
    match &f.status {
        Status::Superseded { by, .. } => Some(by.clone()),
        _ => None,
    }
}

fn touches_fact(b: &Body, ids: &BTreeSet<String>) -> bool {
    match b {
        Body::Fact(f) => ids.contains(&f.id),
        Body::Supersede(s) => ids.contains(&s.target) || ids.contains(&s.fact.id),
        Body::Retract(r) => ids.contains(&r.target),
        Body::Dispute(d) => ids.contains(&d.target),
        _ => false,
    }
}

fn touches_source(b: &Body, id: &str) -> bool {
    match b {
        Body::Source(s) => s.id == id || s.derived_from.as_ref().is_some_and(|d| d.source == id),
        Body::Fact(f) => f.citations.iter().any(|c| c.source == id),
        Body::Supersede(s) => s.fact.citations.iter().any(|c| c.source == id),
        Body::Retract(r) => r.source.as_deref() == Some(id),
        Body::Dispute(d) => d.citation.source == id,
        Body::Amend(a) => {
            a.target == id
                || a.set
                    .as_ref()
                    .and_then(|c| c.derived_from.as_ref())
                    .is_some_and(|d| d.source == id)
        }
        _ => false,
    }
}

/// A fact's status in words, ids shown by `show`.
fn status_name(s: &Status, show: &dyn Fn(&str) -> String) -> String {
    match s {
        Status::Live => "live".into(),
        Status::Superseded { by, seq, .. } => {
            format!("superseded by {} at seq {seq}", show(by))
        }
        Status::Retracted { seq, retract } => {
            format!("retracted at seq {seq} ({})", name(&retract.reason))
        }
    }
}

/// Ledger text (or JSON made from it) escaped for the terminal.
fn t(s: &str) -> String {
    terminal(s).into_owned()
}

fn fact_text(state: &State, id: &str, abbrev: &Abbrev) -> String {
    let Some(r) = state.fact(id) else {
        return String::new();
    };
    let f = &r.fact;
    let mut s = format!(
        "fact {} ({})\n",
        t(&f.id),
        t(&status_name(&r.status, &|id| abbrev.shown(id).to_string()))
    );
    if let Some((old, _)) = r.supersedes.as_deref() {
        s.push_str(&format!("  replaces   {}\n", t(abbrev.shown(old))));
    }
    s.push_str(&format!(
        "  subject    {}\n  topic      {}\n",
        t(&f.subject),
        t(&f.topic)
    ));
    s.push_str(&format!(
        "  statement  {}\n  reads as   {}\n",
        t(&f.statement),
        t(&worded(f))
    ));
    s.push_str(&format!("  modality   {}\n", name(&f.modality)));
    if let Some(a) = &f.attributed_to {
        s.push_str(&format!("  according  {}\n", t(a)));
    }
    if let Some(d) = f.valid_from {
        s.push_str(&format!("  valid from {d}\n"));
    }
    if let Some(d) = f.valid_to {
        s.push_str(&format!("  valid to   {d}\n"));
    }
    if let Some(v) = &f.value {
        // JSON escapes control characters, but not the bidirectional ones.
        s.push_str(&format!("  value      {}\n", t(&v.to_string())));
    }
    if let Some(n) = &f.note {
        s.push_str(&format!("  note       {}\n", t(n)));
    }
    for c in &f.citations {
        let mut line = format!(
            "  cites      [{}] {}",
            state.source_number(&c.source).unwrap_or(0),
            t(abbrev.shown(&c.source))
        );
        if let Some(p) = c.paragraph {
            line.push_str(&format!(" ¶{p}"));
        }
        if let Some([a, b]) = c.span {
            line.push_str(&format!(" chars {a}-{b}"));
        }
        if let Some(q) = &c.quote {
            line.push_str(&format!(": “{}”", t(q)));
        }
        s.push_str(&line);
        s.push('\n');
    }
    for d in &r.disputes {
        let about = if d.dispute.target == f.id {
            String::new()
        } else if d.current {
            format!(
                "; recorded against `{}`, carried to this version",
                t(abbrev.shown(&d.dispute.target))
            )
        } else {
            format!(
                "; about the superseded version `{}`",
                t(abbrev.shown(&d.dispute.target))
            )
        };
        s.push_str(&format!(
            "  disputed   at seq {} by {} ({}{about}): {}\n",
            d.seq,
            t(abbrev.shown(&d.dispute.citation.source)),
            name(&d.dispute.difference),
            t(&d.dispute.statement)
        ));
        if let Some(sb) = report::side_by_side(state, f, &d.dispute.citation) {
            let side = |cites: &[report::CitationView]| -> String {
                cites
                    .iter()
                    .map(|c| {
                        format!(
                            "{} {}\n{}",
                            c.label,
                            t(&c.source),
                            c.quote.as_ref().map_or(
                                "(no quote recorded)".to_string(),
                                |q| format!("“{}”", t(q))
                            )
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            s.push_str(&report::columns(
                &format!("original\n{}", side(&sb.original)),
                &format!("{}\n{}", sb.relation, side(&sb.derived)),
                "             ",
                40,
            ));
        }
    }
    s
}

/// One cited span with its paragraph, for `--evidence`.
struct Evidence {
    /// `fact `x`` or `dispute at seq N`.
    holder: String,
    /// `[1] globe ¶5 chars 155-217`.
    label: String,
    citation: Citation,
    /// The paragraph (or whole text) it points into, when it can be shown.
    context: Option<String>,
    /// The span to mark in `context`.
    mark: Option<[u32; 2]>,
    /// Why the span cannot be shown or does not match, if so.
    problem: Option<String>,
}

impl Evidence {
    fn to_text(&self) -> String {
        let mut s = format!("  {} ({})\n", t(&self.label), t(&self.holder));
        if let Some(c) = &self.context {
            s.push_str(&marked_paragraph(c, self.mark, "    | ", 76));
        }
        if let Some(p) = &self.problem {
            s.push_str(&format!("    ! {}\n", t(p)));
        }
        s
    }

    fn to_json(&self) -> Value {
        json!({
            "holder": self.holder,
            "source": self.citation.source,
            "paragraph": self.citation.paragraph,
            "span": self.citation.span,
            "quote": self.citation.quote,
            "context": self.context,
            "marked": self.mark,
            "problem": self.problem,
        })
    }
}

/// The evidence of fact `id`: its citations, then those of its disputes,
/// each in its paragraph of the archived text. A source without an archived
/// text says so; a missing or altered archived text is an error.
fn evidence(state: &State, id: &str, archive: &Archive) -> Result<Vec<Evidence>> {
    let Some(r) = state.fact(id) else {
        return Ok(Vec::new());
    };
    let mut cited: Vec<(String, &Citation)> = r
        .fact
        .citations
        .iter()
        .map(|c| (format!("fact `{id}`"), c))
        .collect();
    for d in &r.disputes {
        let holder = if d.current {
            format!("dispute at seq {}", d.seq)
        } else {
            format!(
                "dispute at seq {} of the superseded version `{}`",
                d.seq, d.dispute.target
            )
        };
        cited.push((holder, &d.dispute.citation));
    }
    let mut texts: std::collections::HashMap<String, Option<String>> = Default::default();
    let mut out = Vec::new();
    for (holder, c) in cited {
        let mut label = format!(
            "[{}] {}",
            state.source_number(&c.source).unwrap_or(0),
            c.source
        );
        if let Some(p) = c.paragraph {
            label.push_str(&format!(" ¶{p}"));
        }
        if let Some([a, b]) = c.span {
            label.push_str(&format!(" chars {a}-{b}"));
        }
        if !texts.contains_key(&c.source) {
            let t = match state
                .source(&c.source)
                .and_then(|s| s.source.sha256.as_ref())
            {
                None => None,
                Some(sha) => Some(archive.text(sha).map_err(|u| u.into_error(&c.source))?),
            };
            texts.insert(c.source.clone(), t);
        }
        let mut e = Evidence {
            holder,
            label,
            citation: c.clone(),
            context: None,
            mark: None,
            problem: None,
        };
        match texts.get(&c.source).and_then(Option::as_ref) {
            None => {
                e.problem = Some(format!(
                    "source `{}` has no archived text; the quote as recorded: {}",
                    c.source,
                    c.quote
                        .as_ref()
                        .map_or("(none)".to_string(), |q| format!("“{q}”"))
                ));
            }
            Some(text) => {
                let paras = paragraphs(text);
                if let Err(m) = check_one(c, &paras, text) {
                    e.problem = Some(format!("does not match the archived text: {m}"));
                }
                let scope = match c.paragraph {
                    Some(p) => (p as usize)
                        .checked_sub(1)
                        .and_then(|i| paras.get(i))
                        .cloned(),
                    None => None,
                };
                e.mark = match (c.span, &c.quote, &scope) {
                    (Some(s), _, Some(_)) if e.problem.is_none() => Some(s),
                    // A quote without a span: mark where it occurs.
                    (None, Some(q), Some(p)) => p.find(q.as_str()).map(|at| {
                        let a = p[..at].chars().count() as u32;
                        [a, a + q.chars().count() as u32]
                    }),
                    _ => None,
                };
                e.context = scope;
                if let (None, Some([a, b])) = (c.paragraph, c.span) {
                    e.context = Some(crate::locate::slice_chars(text, a, b));
                }
            }
        }
        out.push(e);
    }
    Ok(out)
}

fn source_text(state: &State, id: &str, abbrev: &Abbrev) -> String {
    let Some(r) = state.source(id) else {
        return String::new();
    };
    let v = serde_json::to_value(&r.source).unwrap_or_default();
    let mut s = format!(
        "source {} [{}]\n",
        t(id),
        state.source_number(id).unwrap_or(0)
    );
    if let Some(obj) = v.as_object() {
        for (k, val) in obj {
            if k == "id" {
                continue;
            }
            let shown = match val {
                Value::String(text) => t(text),
                other => t(&other.to_string()),
            };
            s.push_str(&format!("  {k:<12} {shown}\n"));
        }
    }
    for (relation, up) in state.derivation_chain(id) {
        s.push_str(&format!(
            "  derives from [{}] {} ({})\n",
            state.source_number(&up.source.id).unwrap_or(0),
            t(abbrev.shown(&up.source.id)),
            name(&relation)
        ));
    }
    for a in &r.amendments {
        s.push_str(&format!(
            "  amended at seq {}: {}{}\n",
            a.seq,
            t(&a.reason),
            if a.changes.is_empty() {
                " (no change)"
            } else {
                ""
            }
        ));
        for (member, before, after) in &a.changes {
            let shown = |v: &Option<Value>| match v {
                None => "(none)".to_string(),
                Some(Value::String(text)) => format!("“{}”", t(text)),
                Some(other) => t(&other.to_string()),
            };
            s.push_str(&format!(
                "    {member:<12} {} -> {}\n",
                shown(before),
                shown(after)
            ));
        }
    }
    s
}
