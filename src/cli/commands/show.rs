//! `ledger show`: a fact or a source with its whole history. Every piece of
//! ledger text is escaped for the terminal (a note's line breaks show as `\n`).

use crate::cli::Format;
use crate::cli::commands::log::entry_line;
use crate::cli::output::{emit, emit_json};
use crate::entry::{Body, Entry, name};
use crate::error::{Error, Result};
use crate::escape::terminal;
use crate::replay::{State, Status};
use crate::report::worded;
use crate::store;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A fact id or a source id
    pub id: String,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(ledger: Option<&Path>, args: Args, out: &mut dyn Write) -> Result<i32> {
    let path = store::resolve(ledger)?;
    let (entries, state) = store::load(&path)?;
    let id = args.id.as_str();
    let (related, head): (Vec<&Entry>, String) = if state.fact(id).is_some() {
        let versions = version_chain(&state, id);
        let rel = entries
            .iter()
            .filter(|e| touches_fact(&e.body, &versions))
            .collect();
        (rel, fact_text(&state, id))
    } else if state.source(id).is_some() {
        let rel = entries
            .iter()
            .filter(|e| touches_source(&e.body, id))
            .collect();
        (rel, source_text(&state, id))
    } else {
        return Err(Error::usage(
            format!("no fact or source has the id `{id}`"),
            Some("list ids with `ledger log` or `ledger sources`".into()),
        ));
    };
    match args.format {
        Format::Json => emit_json(
            out,
            &json!({
                "id": id,
                "kind": if state.fact(id).is_some() { "fact" } else { "source" },
                "status": state.fact(id).map(|f| status_name(&f.status)),
                "history": related.iter().map(|e| Value::Object(e.to_object(true))).collect::<Vec<_>>(),
            }),
        )?,
        Format::Text => {
            let mut s = head;
            s.push_str("\nhistory:\n");
            for e in related {
                s.push_str(&format!("  {}\n", entry_line(e)));
            }
            emit(out, &s)?;
        }
    }
    Ok(0)
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
        _ => false,
    }
}

fn status_name(s: &Status) -> String {
    match s {
        Status::Live => "live".into(),
        Status::Superseded { by, seq, .. } => format!("superseded by {by} at seq {seq}"),
        Status::Retracted { seq, retract } => {
            format!("retracted at seq {seq} ({})", name(&retract.reason))
        }
    }
}

/// Ledger text (or JSON made from it) escaped for the terminal.
fn t(s: &str) -> String {
    terminal(s).into_owned()
}

fn fact_text(state: &State, id: &str) -> String {
    let Some(r) = state.fact(id) else {
        return String::new();
    };
    let f = &r.fact;
    let mut s = format!("fact {} ({})\n", t(&f.id), t(&status_name(&r.status)));
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
            t(&c.source)
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
    for (seq, d) in &r.disputes {
        s.push_str(&format!(
            "  disputed   at seq {seq} by {}: {}\n",
            t(&d.citation.source),
            t(&d.statement)
        ));
    }
    s
}

fn source_text(state: &State, id: &str) -> String {
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
            t(&up.source.id),
            name(&relation)
        ));
    }
    s
}
