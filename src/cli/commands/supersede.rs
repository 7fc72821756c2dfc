//! `ledger supersede`: record a corrected or updated version of a live fact.

use crate::archive::Archive;
use crate::cli::Format;
use crate::cli::args::{MODALITIES, citations, parse_enum, print_appended, print_notes};
use crate::cli::commands::add::{CiteArgs, FactOptions};
use crate::entry::{Body, Supersede};
use crate::error::{Error, Result};
use crate::evidence::Resolver;
use crate::store;
use clap::ArgMatches;
use std::io::Write;
use std::path::Path;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The fact to supersede
    pub target: String,
    /// Why the fact changes (a correction, newer information, ...)
    #[arg(long)]
    pub reason: String,
    #[command(flatten)]
    pub cite: CiteArgs,
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
    let cites = citations(m, &args.cite.source, &args.cite.locator, &args.cite.quote)?;
    let modality = args
        .modality
        .as_deref()
        .map(|s| parse_enum("modality", s))
        .transpose()?;
    let o = args.opts.parse()?;
    let now = store::now()?;
    let mut resolver = Resolver::new(Archive::for_ledger(&path, archive));
    let (written, _) = store::append_checked(&path, &now, |state, seq| {
        let old = state.fact(&args.target)?.ok_or_else(|| Error::Refused {
            path: path.clone(),
            seq: Some(seq),
            message: format!("cannot supersede `{}`: no fact has that id", args.target),
            help: Some("list facts with `ledger log --kind fact`".into()),
        })?;
        let mut fact = old;
        fact.id = o.id.unwrap_or_else(|| format!("f{seq}"));
        fact.citations = cites;
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
            target: args.target,
            reason: args.reason,
            fact,
        });
        resolver
            .resolve_body(&mut body, state)
            .map_err(|r| r.into_error(&path, seq, None))?;
        Ok(vec![body])
    })?;
    print_appended(out, args.format, &path, &written)?;
    print_notes(&resolver);
    Ok(0)
}
