//! `ledger summary`: replay the ledger into the "state of relations" report.

use crate::archive::{Archive, Unusable};
use crate::cli::output::{emit, emit_json};
use crate::date::{Day, parse_day};
use crate::error::{Error, Result};
use crate::escape::terminal;
use crate::report::html::Texts;
use crate::report::{self, Options, SourceView};
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
    /// One self-contained HTML file: timeline drawing, quotes, side-by-side discrepancies
    Html,
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
    /// Print each citation's quote under its fact (JSON and HTML always have them)
    #[arg(long)]
    pub quotes: bool,
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

/// The archived texts of the sources that have one, for the HTML report's
/// appendix, from the ledger's archive (`--archive`, `LEDGER_ARCHIVE`, or
/// `sources/` beside the ledger; see [`Archive`]). A text that is missing is
/// left out silently (a report needs no archive); one that is altered, not
/// UTF-8 or unreadable is left out with a warning on stderr, never shown.
pub fn archived_texts(ledger: &Path, archive: Option<&Path>, sources: &[SourceView]) -> Texts {
    let archive = Archive::for_ledger(ledger, archive);
    let mut texts = Texts::new();
    for src in sources {
        let Some(digest) = &src.sha256 else { continue };
        match archive.text(digest) {
            Ok(text) => {
                texts.insert(src.id.clone(), text);
            }
            Err(Unusable::Missing { .. }) => {}
            Err(u) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "warning: {}; it is left out of the report",
                    terminal(&u.message(&src.id))
                );
            }
        }
    }
    texts
}

pub fn run(
    ledger: Option<&Path>,
    archive: Option<&Path>,
    args: Args,
    out: &mut dyn Write,
) -> Result<i32> {
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
        ReportFormat::Markdown => emit(out, &report::render_with(&report, true, args.quotes))?,
        ReportFormat::Text => emit(out, &report::render_with(&report, false, args.quotes))?,
        ReportFormat::Html => {
            let texts = archived_texts(&path, archive, &report.sources);
            emit(out, &report::html::summary(&report, &texts))?
        }
    }
    Ok(0)
}
