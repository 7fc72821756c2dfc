//! `ledger add`: record a source-cited fact.

use crate::archive::Archive;
use crate::cli::Format;
use crate::cli::args::{
    MODALITIES, citations, parse_date, parse_enum, parse_value, print_appended, print_notes,
};
use crate::date::PartialDate;
use crate::entry::{Body, Fact};
use crate::error::{Error, Result};
use crate::evidence::Resolver;
use crate::store::{self, IdKind};
use clap::ArgMatches;
use serde_json::Value;
use std::io::Write;
use std::path::Path;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A relation between two actors (CA-KP) or one actor (KP)
    #[arg(long)]
    pub subject: String,
    /// The topic (see docs/FORMAT.md for the vocabulary)
    #[arg(long)]
    pub topic: String,
    /// The statement, in your own words
    #[arg(long)]
    pub statement: String,
    #[command(flatten)]
    pub cite: CiteArgs,
    /// How firmly the source asserts it
    #[arg(long, default_value = "reported", value_parser = MODALITIES)]
    pub modality: String,
    #[command(flatten)]
    pub opts: FactOptions,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Optional fact members shared by `add` and `supersede` (for `supersede`,
/// each one left out is inherited from the old version).
#[derive(Debug, clap::Args)]
pub struct FactOptions {
    /// When it starts to hold in the world: YYYY, YYYY-MM or YYYY-MM-DD
    #[arg(long, value_name = "DATE")]
    pub valid_from: Option<String>,
    /// When it stops holding (for an event, the same as --valid-from)
    #[arg(long, value_name = "DATE")]
    pub valid_to: Option<String>,
    /// Whose claim or opinion this is
    #[arg(long, value_name = "WHO")]
    pub attributed_to: Option<String>,
    /// A structured value as JSON, e.g. '{"embassy":"closed"}'
    #[arg(long, value_name = "JSON")]
    pub value: Option<String>,
    /// Your note: what an inference rests on, scope, caveats
    #[arg(long)]
    pub note: Option<String>,
    /// The fact's id [default: a new change id, e.g. kxqzmlpvtsrwnoqy]
    #[arg(long)]
    pub id: Option<String>,
}

/// [`FactOptions`] with dates and the value parsed.
pub struct ParsedOptions {
    pub valid_from: Option<PartialDate>,
    pub valid_to: Option<PartialDate>,
    pub value: Option<Value>,
    pub attributed_to: Option<String>,
    pub note: Option<String>,
    pub id: Option<String>,
}

impl FactOptions {
    pub fn parse(self) -> Result<ParsedOptions> {
        Ok(ParsedOptions {
            valid_from: self
                .valid_from
                .map(|d| parse_date("--valid-from", &d))
                .transpose()?,
            valid_to: self
                .valid_to
                .map(|d| parse_date("--valid-to", &d))
                .transpose()?,
            value: self.value.as_deref().map(parse_value).transpose()?,
            attributed_to: self.attributed_to,
            note: self.note,
            id: self.id,
        })
    }
}

/// Citation flags: `--source ID [--locator LOC] [--quote TEXT]`, repeatable.
#[derive(Debug, clap::Args)]
pub struct CiteArgs {
    /// A registered source (its id, or any unique prefix); repeat to cite several
    #[arg(long = "source", value_name = "ID", required = true)]
    pub source: Vec<String>,
    /// Where in the preceding --source: pN (paragraph) or pN:A-B (characters
    /// of it). Without it, a --quote is located in the source's archived text
    #[arg(long, value_name = "LOC")]
    pub locator: Vec<String>,
    /// A short verbatim quote from the preceding --source; checked against
    /// its archived text and stored as the text has it
    #[arg(long, value_name = "TEXT")]
    pub quote: Vec<String>,
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
    let o = args.opts.parse()?;
    let mut fact = Fact {
        id: o.id.unwrap_or_default(),
        subject: args.subject,
        topic: args.topic,
        statement: args.statement,
        modality: parse_enum("modality", &args.modality)?,
        value: o.value,
        valid_from: o.valid_from,
        valid_to: o.valid_to,
        attributed_to: o.attributed_to,
        citations: cites,
        note: o.note,
    };
    if fact.citations.is_empty() {
        return Err(Error::usage("a fact needs at least one --source", None));
    }
    let now = store::now()?;
    let mut resolver = Resolver::new(Archive::for_ledger(&path, archive));
    let (written, _) = store::append_checked(&path, &now, |prior, seq| {
        for c in &mut fact.citations {
            c.source = prior.resolve(&c.source, IdKind::Source)?;
        }
        if fact.id.is_empty() {
            fact.id = prior.new_id()?;
        }
        let mut body = Body::Fact(fact);
        resolver
            .resolve_body(&mut body, prior)
            .map_err(|r| r.into_error(&path, seq, None))?;
        Ok(vec![body])
    })?;
    print_appended(out, args.format, &path, &written)?;
    print_notes(&resolver);
    Ok(0)
}
