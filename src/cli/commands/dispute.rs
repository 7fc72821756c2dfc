//! `ledger dispute`: record that a source contradicts or overstates a live fact.

use crate::archive::Archive;
use crate::cli::Format;
use crate::cli::args::{parse_enum, parse_locator, print_appended, print_notes};
use crate::entry::{Body, Citation, Dispute};
use crate::error::Result;
use crate::evidence::Resolver;
use crate::store::{self, IdKind};
use std::io::Write;
use std::path::Path;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The fact the source disputes (its id, or any unique prefix)
    pub target: String,
    /// The disputing source (registered; its id, or any unique prefix)
    #[arg(long, value_name = "ID")]
    pub source: String,
    /// What the disputing source says, in your own words
    #[arg(long)]
    pub statement: String,
    /// Where in the source: pN or pN:A-B. Without it, a --quote is located
    /// in the source's archived text
    #[arg(long, value_name = "LOC")]
    pub locator: Option<String>,
    /// A short verbatim quote; checked against the source's archived text and
    /// stored as the text has it
    #[arg(long, value_name = "TEXT")]
    pub quote: Option<String>,
    /// How it differs from the fact
    #[arg(long, default_value = "contradicts", value_parser = [
        "overstates", "understates", "contradicts", "misattributes", "imprecise"])]
    pub difference: String,
    /// The difference explained
    #[arg(long)]
    pub note: Option<String>,
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
    let (paragraph, span) = match &args.locator {
        Some(l) => parse_locator(l)?,
        None => (None, None),
    };
    let mut body = Dispute {
        target: args.target,
        difference: parse_enum("difference", &args.difference)?,
        statement: args.statement,
        citation: Citation {
            source: args.source,
            paragraph,
            span,
            quote: args.quote,
        },
        note: args.note,
    };
    let now = store::now()?;
    let mut resolver = Resolver::new(Archive::for_ledger(&path, archive));
    let (written, _) = store::append_checked(&path, &now, |prior, seq| {
        body.target = prior.resolve(&body.target, IdKind::Fact)?;
        body.citation.source = prior.resolve(&body.citation.source, IdKind::Source)?;
        let mut body = Body::Dispute(body);
        resolver
            .resolve_body(&mut body, prior)
            .map_err(|r| r.into_error(&path, seq, None))?;
        Ok(vec![body])
    })?;
    print_appended(out, args.format, &path, &written)?;
    print_notes(&resolver);
    Ok(0)
}
