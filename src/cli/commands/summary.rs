//! `ledger summary`: replay the ledger into the "state of relations" report.

use crate::cli::output::{emit, emit_json};
use crate::date::{Day, parse_day};
use crate::error::{Error, Result};
use crate::report::{self, Options};
use crate::store;
use std::io::Write;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum ReportFormat {
    /// GitHub-flavoured Markdown
    #[default]
    Markdown,
    /// Plain text
    Text,
    /// One JSON object (documented in docs/FORMAT.md)
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The relation (CA-KP) or actor to report on [default: the relation with most facts]
    #[arg(long)]
    pub subject: Option<String>,
    /// Facts in force on this date: YYYY-MM-DD, or YYYY / YYYY-MM for the end of that period [default: today]
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// What the ledger knew after entry SEQ [default: the last entry]
    #[arg(long, value_name = "SEQ")]
    pub at: Option<u64>,
    /// Only facts under this topic, and the discrepancies about them (repeat for several)
    #[arg(long, value_name = "TOPIC")]
    pub topic: Vec<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: ReportFormat,
}

/// `--as-of DATE`, or today (in UTC; the date of `LEDGER_NOW` when set).
pub fn parse_as_of(given: Option<&str>) -> Result<Day> {
    match given {
        Some(d) => parse_day(d).map_err(|e| Error::usage(format!("--as-of: {e}"), None)),
        None => {
            let now = store::now()?;
            parse_day(&now[..10]).map_err(|e| Error::usage(e, None))
        }
    }
}

pub fn run(ledger: Option<&Path>, args: Args, out: &mut dyn Write) -> Result<i32> {
    let path = store::resolve(ledger)?;
    let as_of = parse_as_of(args.as_of.as_deref())?;
    let (state, head) = store::load_for_report(&path, args.at)?;
    if let Some(at) = args.at
        && at > head
    {
        return Err(Error::usage(
            format!("--at {at}: the ledger ends at seq {head}"),
            None,
        ));
    }
    let report = report::build(
        &state,
        &Options {
            subject: args.subject,
            as_of,
            topics: args.topic,
        },
    )
    .map_err(|m| Error::usage(m, None))?;
    match args.format {
        ReportFormat::Json => emit_json(out, &report)?,
        ReportFormat::Markdown => emit(out, &report::render(&report, true))?,
        ReportFormat::Text => emit(out, &report::render(&report, false))?,
    }
    Ok(0)
}
