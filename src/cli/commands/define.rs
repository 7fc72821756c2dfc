//! `ledger define`: add an actor or a topic to the ledger's vocabulary.

use crate::cli::Format;
use crate::cli::args::print_appended;
use crate::entry::{Body, Define, Term};
use crate::error::Result;
use crate::store;
use std::io::Write;
use std::path::Path;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to define
    #[arg(value_parser = ["actor", "topic"])]
    pub term: String,
    /// The new id: uppercase for actors (HANVOICE), kebab-case for topics (trade)
    pub id: String,
    /// A human-readable name
    #[arg(long)]
    pub label: String,
    #[arg(long)]
    pub note: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(ledger: Option<&Path>, args: Args, out: &mut dyn Write) -> Result<i32> {
    let path = store::resolve(ledger)?;
    let term = if args.term == "actor" {
        Term::Actor
    } else {
        Term::Topic
    };
    let body = Body::Define(Define {
        term,
        id: args.id.clone(),
        label: args.label,
        note: args.note,
    });
    let now = store::now()?;
    let (written, _) = store::append_checked(&path, &now, |_, _| Ok(vec![body]))?;
    print_appended(out, args.format, &path, &written)?;
    Ok(0)
}
