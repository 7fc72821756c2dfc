//! `ledger show`: a fact or a source with its whole history (for a source,
//! every amendment with the values it replaced).

use crate::cli::Format;
use crate::cli::commands::log::entry_line;
use crate::cli::output::{emit, emit_json};
use crate::entry::{Body, Entry, name};
use crate::error::{Error, Result};
use crate::ids::{self, Abbrev};
use crate::replay::{State, Status};
use crate::report::worded;
use crate::store;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A fact or source id, or any unique prefix of one
    pub id: String,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(ledger: Option<&Path>, args: Args, out: &mut dyn Write) -> Result<i32> {
    let path = store::resolve(ledger)?;
    let (entries, state) = store::load(&path)?;
    let id = resolve_any(&state, &args.id)?;
    let id = id.as_str();
    let abbrev = state.abbrev();
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
        Format::Json => emit_json(
            out,
            &json!({
                "id": id,
                "kind": if state.fact(id).is_some() { "fact" } else { "source" },
                "status": state.fact(id).map(|f| status_name(&f.status, &|id| id.to_string())),
                "history": related.iter().map(|e| Value::Object(e.to_object(true))).collect::<Vec<_>>(),
            }),
        )?,
        Format::Text => {
            let mut s = head;
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
            .and_then(|f| f.supersedes.as_ref().map(|(old, _)| old.clone()));
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

fn fact_text(state: &State, id: &str, abbrev: &Abbrev) -> String {
    let Some(r) = state.fact(id) else {
        return String::new();
    };
    let f = &r.fact;
    let mut s = format!(
        "fact {} ({})\n",
        f.id,
        status_name(&r.status, &|id| abbrev.shown(id).to_string())
    );
    if let Some((old, _)) = &r.supersedes {
        s.push_str(&format!("  replaces   {}\n", abbrev.shown(old)));
    }
    s.push_str(&format!(
        "  subject    {}\n  topic      {}\n",
        f.subject, f.topic
    ));
    s.push_str(&format!(
        "  statement  {}\n  reads as   {}\n",
        f.statement,
        worded(f)
    ));
    s.push_str(&format!("  modality   {}\n", name(&f.modality)));
    if let Some(a) = &f.attributed_to {
        s.push_str(&format!("  according  {a}\n"));
    }
    if let Some(d) = f.valid_from {
        s.push_str(&format!("  valid from {d}\n"));
    }
    if let Some(d) = f.valid_to {
        s.push_str(&format!("  valid to   {d}\n"));
    }
    if let Some(v) = &f.value {
        s.push_str(&format!("  value      {v}\n"));
    }
    if let Some(n) = &f.note {
        s.push_str(&format!("  note       {n}\n"));
    }
    for c in &f.citations {
        let mut line = format!(
            "  cites      [{}] {}",
            state.source_number(&c.source).unwrap_or(0),
            abbrev.shown(&c.source)
        );
        if let Some(p) = c.paragraph {
            line.push_str(&format!(" ¶{p}"));
        }
        if let Some([a, b]) = c.span {
            line.push_str(&format!(" chars {a}-{b}"));
        }
        if let Some(q) = &c.quote {
            line.push_str(&format!(": “{q}”"));
        }
        s.push_str(&line);
        s.push('\n');
    }
    for d in &r.disputes {
        let about = if d.dispute.target == f.id {
            String::new()
        } else if d.current {
            format!(
                " (recorded against `{}`, carried to this version)",
                abbrev.shown(&d.dispute.target)
            )
        } else {
            format!(
                " (about the superseded version `{}`)",
                abbrev.shown(&d.dispute.target)
            )
        };
        s.push_str(&format!(
            "  disputed   at seq {} by {}{about}: {}\n",
            d.seq,
            abbrev.shown(&d.dispute.citation.source),
            d.dispute.statement
        ));
    }
    s
}

fn source_text(state: &State, id: &str, abbrev: &Abbrev) -> String {
    let Some(r) = state.source(id) else {
        return String::new();
    };
    let v = serde_json::to_value(&r.source).unwrap_or_default();
    let mut s = format!("source {} [{}]\n", id, state.source_number(id).unwrap_or(0));
    if let Some(obj) = v.as_object() {
        for (k, val) in obj {
            if k == "id" {
                continue;
            }
            let shown = match val {
                Value::String(t) => t.clone(),
                other => other.to_string(),
            };
            s.push_str(&format!("  {k:<12} {shown}\n"));
        }
    }
    for (relation, up) in state.derivation_chain(id) {
        s.push_str(&format!(
            "  derives from [{}] {} ({})\n",
            state.source_number(&up.source.id).unwrap_or(0),
            abbrev.shown(&up.source.id),
            name(&relation)
        ));
    }
    for a in &r.amendments {
        s.push_str(&format!(
            "  amended at seq {}: {}{}\n",
            a.seq,
            a.reason,
            if a.changes.is_empty() {
                " (no change)"
            } else {
                ""
            }
        ));
        for (member, before, after) in &a.changes {
            let shown = |v: &Option<Value>| match v {
                None => "(none)".to_string(),
                Some(Value::String(t)) => format!("“{t}”"),
                Some(other) => other.to_string(),
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
