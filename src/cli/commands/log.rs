//! `ledger log`: list entries, filtered by kind, subject or topic; one row per
//! entry, its text escaped for the terminal.

use crate::cli::Format;
use crate::cli::output::{emit, emit_json};
use crate::entry::{Body, Entry, Fact, name};
use crate::error::{Error, Result};
use crate::escape::terminal;
use crate::replay::State;
use crate::{store, vocab};
use serde_json::Value;
use std::io::Write;
use std::path::Path;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only entries of this kind
    #[arg(long, value_parser = ["genesis", "define", "source", "fact", "supersede", "retract", "dispute"])]
    pub kind: Option<String>,
    /// Only entries about this relation (CA-KP, either order) or actor (KP: any subject that includes it)
    #[arg(long)]
    pub subject: Option<String>,
    /// Only entries about facts under this topic (repeat for several)
    #[arg(long, value_name = "TOPIC")]
    pub topic: Vec<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(ledger: Option<&Path>, args: Args, out: &mut dyn Write) -> Result<i32> {
    let path = store::resolve(ledger)?;
    let wanted: Option<Vec<String>> = match &args.subject {
        Some(s) => Some(
            vocab::parse_subject(s)
                .map_err(|e| Error::usage(e, None))?
                .into_iter()
                .map(str::to_string)
                .collect(),
        ),
        None => None,
    };
    let (entries, state) = store::load(&path)?;
    let shown: Vec<&Entry> = entries
        .iter()
        .filter(|e| args.kind.as_deref().is_none_or(|k| e.body.kind() == k))
        .filter(|e| {
            if wanted.is_none() && args.topic.is_empty() {
                return true;
            }
            fact_of(e, &state).is_some_and(|f| {
                let subject_ok = wanted
                    .as_ref()
                    .is_none_or(|w| subject_matches(&f.subject, w));
                let topic_ok = args.topic.is_empty() || args.topic.contains(&f.topic);
                subject_ok && topic_ok
            })
        })
        .collect();
    match args.format {
        Format::Json => emit_json(
            out,
            &Value::Array(
                shown
                    .iter()
                    .map(|e| Value::Object(e.to_object(true)))
                    .collect(),
            ),
        )?,
        Format::Text => {
            let s: String = shown.iter().map(|e| entry_line(e) + "\n").collect();
            emit(out, &s)?;
        }
    }
    Ok(0)
}

/// The fact an entry records or acts on.
fn fact_of<'a>(e: &'a Entry, state: &'a State) -> Option<&'a Fact> {
    match &e.body {
        Body::Fact(f) => Some(f),
        Body::Supersede(s) => Some(&s.fact),
        Body::Retract(r) => state.fact(&r.target).map(|r| &r.fact),
        Body::Dispute(d) => state.fact(&d.target).map(|r| &r.fact),
        _ => None,
    }
}

fn subject_matches(subject: &str, wanted: &[String]) -> bool {
    let Ok(actors) = vocab::parse_subject(subject) else {
        return false;
    };
    match wanted {
        [one] => actors.iter().any(|a| a == one),
        pair => {
            let mut a: Vec<&str> = actors.clone();
            let mut b: Vec<&str> = pair.iter().map(String::as_str).collect();
            a.sort();
            b.sort();
            a == b
        }
    }
}

/// One line for an entry: seq, record time, kind and what it says (its text
/// escaped for the terminal: see [`describe`]).
pub fn entry_line(e: &Entry) -> String {
    format!(
        "{:>5}  {}  {:<9}  {}",
        e.seq,
        terminal(&e.recorded),
        e.body.kind(),
        describe(&e.body)
    )
}

/// A one-line description of an entry's body, every piece of ledger text in
/// it escaped for the terminal: a line break or a control sequence in a
/// statement cannot add a row or act on the screen.
pub fn describe(b: &Body) -> String {
    let t = terminal;
    let clip = |s: &str| -> String {
        if s.chars().count() > 72 {
            format!("{}…", t(&s.chars().take(71).collect::<String>()))
        } else {
            t(s).into_owned()
        }
    };
    match b {
        Body::Genesis(g) => format!("ledger \"{}\"", t(&g.title)),
        Body::Define(d) => format!("{} {} = {}", name(&d.term), t(&d.id), t(&d.label)),
        Body::Source(s) => format!("{}: {}", t(&s.id), clip(&s.title)),
        Body::Fact(f) => format!(
            "{} [{} {}] {}",
            t(&f.id),
            t(&f.subject),
            t(&f.topic),
            clip(&f.statement)
        ),
        Body::Supersede(s) => format!("{} -> {}: {}", t(&s.target), t(&s.fact.id), clip(&s.reason)),
        Body::Retract(r) => format!("{} ({})", t(&r.target), name(&r.reason)),
        Body::Dispute(d) => format!(
            "{} by {}: {}",
            t(&d.target),
            t(&d.citation.source),
            clip(&d.statement)
        ),
    }
}
