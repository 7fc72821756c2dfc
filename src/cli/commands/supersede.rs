//! `ledger supersede`: record a corrected or updated version of a live fact.
//!
//! The new version inherits every member it is not given, citations (with
//! their locators and quotes) included. What happens to the disputes of the
//! old version is chosen with `--disputes` (docs/FORMAT.md 5.6): by default
//! they stay with the old version and the report shows them as about the
//! superseded version; `--disputes carry` applies them to the new one. The
//! command says which it did.

use crate::archive::Archive;
use crate::cli::Format;
use crate::cli::args::{MODALITIES, citations, parse_enum, print_appended, print_notes};
use crate::cli::commands::add::FactOptions;
use crate::cli::output::{emit, emit_json};
use crate::entry::{Body, Dispute, DisputeRule, Supersede};
use crate::error::{Error, Result};
use crate::escape::terminal;
use crate::evidence::Resolver;
use crate::store::{self, IdKind};
use clap::ArgMatches;
use serde_json::json;
use std::io::Write;
use std::path::Path;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The fact to supersede (its id, or any unique prefix of it)
    pub target: String,
    /// Why the fact changes (a correction, newer information, ...)
    #[arg(long)]
    pub reason: String,
    /// A registered source (its id, or any unique prefix); repeat to cite
    /// several [default: the old version's citations]
    #[arg(long = "source", value_name = "ID")]
    pub source: Vec<String>,
    /// Where in the preceding --source: pN (paragraph) or pN:A-B (characters
    /// of it). Without it, a --quote is located in the source's archived text
    #[arg(long, value_name = "LOC")]
    pub locator: Vec<String>,
    /// A short verbatim quote from the preceding --source; checked against
    /// its archived text and stored as the text has it
    #[arg(long, value_name = "TEXT")]
    pub quote: Vec<String>,
    /// New statement [default: the old one]
    #[arg(long)]
    pub statement: Option<String>,
    /// New subject [default: the old one]
    #[arg(long)]
    pub subject: Option<String>,
    /// New topic [default: the old one]
    #[arg(long)]
    pub topic: Option<String>,
    /// New modality [default: the old one]
    #[arg(long, value_parser = MODALITIES)]
    pub modality: Option<String>,
    /// The old version's disputes: keep them with it (the report shows them as
    /// about the superseded version), or carry them to the new version
    #[arg(long, value_name = "WHAT", default_value = "keep", value_parser = ["keep", "carry"])]
    pub disputes: String,
    #[command(flatten)]
    pub opts: FactOptions,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(
    ledger: Option<&Path>,
    archive: Option<&Path>,
    args: Args,
    m: &ArgMatches,
    out: &mut dyn Write,
) -> Result<i32> {
    let path = store::resolve(ledger)?;
    let mut cites = citations(m, &args.source, &args.locator, &args.quote)?;
    let modality = args
        .modality
        .as_deref()
        .map(|s| parse_enum("modality", s))
        .transpose()?;
    let carry = args.disputes == "carry";
    let o = args.opts.parse()?;
    let now = store::now()?;
    let mut resolver = Resolver::new(Archive::for_ledger(&path, archive));
    let mut target = args.target;
    let mut disputes: Vec<(u64, Dispute)> = Vec::new();
    let (written, _) = store::append_checked(&path, &now, |prior, seq| {
        target = prior.resolve(&target, IdKind::Fact)?;
        let old = prior.fact(&target)?.ok_or_else(|| Error::Refused {
            path: path.clone(),
            seq: Some(seq),
            message: format!("cannot supersede `{target}`: no fact has that id"),
            help: Some("list facts with `ledger log --kind fact`".into()),
        })?;
        disputes = prior.current_disputes(&target)?;
        let mut fact = old;
        fact.id = match o.id {
            Some(id) => id,
            None => prior.new_id()?,
        };
        if !cites.is_empty() {
            for c in &mut cites {
                c.source = prior.resolve(&c.source, IdKind::Source)?;
            }
            fact.citations = cites;
        }
        if let Some(s) = args.statement {
            fact.statement = s;
        }
        if let Some(s) = args.subject {
            fact.subject = s;
        }
        if let Some(t) = args.topic {
            fact.topic = t;
        }
        fact.modality = modality.unwrap_or(fact.modality);
        fact.value = o.value.or(fact.value);
        fact.valid_from = o.valid_from.or(fact.valid_from);
        fact.valid_to = o.valid_to.or(fact.valid_to);
        fact.attributed_to = o.attributed_to.or(fact.attributed_to);
        fact.note = o.note.or(fact.note);
        let mut body = Body::Supersede(Supersede {
            target: target.clone(),
            reason: args.reason,
            fact,
            // Only written when there is something to carry: a supersession
            // of an undisputed fact stays a format 1 entry.
            disputes: (carry && !disputes.is_empty()).then_some(DisputeRule::Carry),
        });
        resolver
            .resolve_body(&mut body, prior)
            .map_err(|r| r.into_error(&path, seq, None))?;
        Ok(vec![body])
    })?;
    let new_id = match written.first().map(|a| &a.entry.body) {
        Some(Body::Supersede(s)) => s.fact.id.clone(),
        _ => String::new(),
    };
    match args.format {
        Format::Json => {
            let mut v = serde_json::to_value(appended_json(&path, &written)?)
                .map_err(|e| Error::usage(e.to_string(), None))?;
            if let Some(obj) = v.as_object_mut() {
                obj.insert(
                    "disputes".into(),
                    json!({
                        "rule": if carry { "carry" } else { "keep" },
                        "of_old_version": disputes.iter().map(|(seq, d)| json!({
                            "seq": seq,
                            "source": d.citation.source,
                            "statement": d.statement,
                        })).collect::<Vec<_>>(),
                    }),
                );
            }
            emit_json(out, &v)?;
        }
        Format::Text => {
            print_appended(out, Format::Text, &path, &written)?;
            emit(out, &disputes_said(&target, &new_id, carry, &disputes))?;
        }
    }
    print_notes(&resolver);
    Ok(0)
}

/// The one-object JSON an append prints, as a value.
fn appended_json(path: &Path, written: &[store::Appended]) -> Result<serde_json::Value> {
    let mut buf = Vec::new();
    print_appended(&mut buf, Format::Json, path, written)?;
    serde_json::from_slice(&buf).map_err(|e| Error::usage(e.to_string(), None))
}

/// What a supersession did to the old version's disputes, in words.
fn disputes_said(old: &str, new: &str, carry: bool, disputes: &[(u64, Dispute)]) -> String {
    let (old, new) = (terminal(old), terminal(new));
    if disputes.is_empty() {
        return format!("`{old}` had no dispute to keep or carry\n");
    }
    let n = disputes.len();
    let mut s = if carry {
        format!(
            "{} of `{old}` now also {} to `{new}`:\n",
            plural(n),
            if n == 1 { "applies" } else { "apply" }
        )
    } else {
        format!(
            "{} of `{old}` {} with the superseded version; the report shows {} as about the superseded version:\n",
            plural(n),
            if n == 1 { "stays" } else { "stay" },
            if n == 1 { "it" } else { "them" }
        )
    };
    for (seq, d) in disputes {
        s.push_str(&format!(
            "  seq {seq}: {} {}: {}\n",
            terminal(&d.citation.source),
            crate::entry::name(&d.difference),
            terminal(&d.statement)
        ));
    }
    if !carry {
        s.push_str(&format!(
            "if {} to `{new}` as well, record {} against it with `ledger dispute {new} --source ...`\n",
            if n == 1 { "it applies" } else { "they apply" },
            if n == 1 { "it" } else { "them" }
        ));
    }
    s
}

fn plural(n: usize) -> String {
    if n == 1 {
        "1 dispute".into()
    } else {
        format!("{n} disputes")
    }
}
