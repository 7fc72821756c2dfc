//! `ledger log`: list entries, filtered by kind, subject or topic; one row per
//! entry, its text escaped for the terminal. Change ids are shown by their
//! shortest unique prefix (`--format json` gives them whole); a subject or
//! topic the ledger does not know is an error, not an empty list.

use crate::cli::Format;
use crate::cli::output::{emit, emit_json};
use crate::entry::{Body, Entry, Fact, name};
use crate::error::{Error, Result};
use crate::escape::terminal;
use crate::ids::Abbrev;
use crate::replay::{Refs, State};
use crate::{store, vocab};
use serde_json::Value;
use std::io::Write;
use std::path::Path;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only entries of this kind
    #[arg(long, value_parser = ["genesis", "define", "source", "fact", "supersede", "retract", "dispute", "amend"])]
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
    if let Some(w) = &wanted {
        for actor in w {
            if !state.actor_known(actor) {
                return Err(Error::usage(
                    format!("--subject: unknown actor `{actor}`{}", did_you_mean(actor, state.actor_ids())),
                    Some("`ledger log --kind define` lists the actors this ledger defines; built-in ones are in docs/FORMAT.md 6".into()),
                ));
            }
        }
    }
    if let Some(t) = args.topic.iter().find(|t| !state.topic_known(t)) {
        return Err(Error::usage(
            format!(
                "--topic: unknown topic `{t}`{}",
                did_you_mean(t, state.topic_ids())
            ),
            Some(format!("known topics: {}", state.topic_ids().join(", "))),
        ));
    }
    let abbrev = state.abbrev();
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
            let s: String = shown
                .iter()
                .map(|e| entry_line(e, &abbrev) + "\n")
                .collect();
            emit(out, &s)?;
            if shown.is_empty() {
                // Say so on stderr: an empty list on stdout is what a script expects.
                eprintln!("no entry matches these filters");
            }
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

/// " (did you mean `x`?)" for the known names closest to `given`, or "".
pub fn did_you_mean(given: &str, known: Vec<String>) -> String {
    crate::replay::suggest(crate::replay::closest(
        given,
        known.iter().map(String::as_str),
    ))
}

/// One line for an entry: seq, record time, kind and what it says (its text
/// escaped for the terminal: see [`describe`]).
pub fn entry_line(e: &Entry, abbrev: &Abbrev) -> String {
    format!(
        "{:>5}  {}  {:<9}  {}",
        e.seq,
        terminal(&e.recorded),
        e.body.kind(),
        describe(&e.body, abbrev)
    )
}

/// A one-line description of an entry's body, change ids abbreviated and
/// every piece of ledger text in it escaped for the terminal: a line break
/// or a control sequence in a statement cannot add a row or act on the
/// screen.
pub fn describe(b: &Body, abbrev: &Abbrev) -> String {
    let t = terminal;
    let id = |s: &str| terminal(abbrev.shown(s)).into_owned();
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
        Body::Source(s) => format!("{}: {}", id(&s.id), clip(&s.title)),
        Body::Fact(f) => format!(
            "{} [{} {}] {}",
            id(&f.id),
            t(&f.subject),
            t(&f.topic),
            clip(&f.statement)
        ),
        Body::Supersede(s) => format!(
            "{} -> {}: {}",
            id(&s.target),
            id(&s.fact.id),
            clip(&s.reason)
        ),
        Body::Retract(r) => format!("{} ({})", id(&r.target), name(&r.reason)),
        Body::Dispute(d) => format!(
            "{} by {}: {}",
            id(&d.target),
            id(&d.citation.source),
            clip(&d.statement)
        ),
        Body::Amend(a) => {
            let mut changed: Vec<&str> = a.set.as_ref().map(|c| c.members()).unwrap_or_default();
            changed.extend(a.unset.iter().flatten().map(|m| m.name()));
            format!(
                "{} ({}): {}",
                id(&a.target),
                changed.join(", "),
                clip(&a.reason)
            )
        }
    }
}
