//! `ledger retract`: withdraw a live fact, with a reason from a fixed list.

use crate::cli::Format;
use crate::cli::args::{parse_enum, print_appended};
use crate::entry::{Body, Retract};
use crate::error::Result;
use crate::store::{self, IdKind};
use std::io::Write;
use std::path::Path;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The fact to retract (its id, or any unique prefix)
    pub target: String,
    #[arg(long, value_parser = ["erroneous", "misattributed", "mistranslated", "duplicate", "source-withdrawn"])]
    pub reason: String,
    /// Free-text explanation
    #[arg(long)]
    pub note: Option<String>,
    /// A registered source that motivates the retraction (id or unique prefix)
    #[arg(long, value_name = "ID")]
    pub source: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(ledger: Option<&Path>, args: Args, out: &mut dyn Write) -> Result<i32> {
    let path = store::resolve(ledger)?;
    let mut body = Retract {
        target: args.target,
        reason: parse_enum("reason", &args.reason)?,
        note: args.note,
        source: args.source,
    };
    let now = store::now()?;
    let (written, _) = store::append_checked(&path, &now, |prior, _| {
        body.target = prior.resolve(&body.target, IdKind::Fact)?;
        if let Some(s) = &body.source {
            body.source = Some(prior.resolve(s, IdKind::Source)?);
        }
        Ok(vec![Body::Retract(body)])
    })?;
    print_appended(out, args.format, &path, &written)?;
    Ok(0)
}
