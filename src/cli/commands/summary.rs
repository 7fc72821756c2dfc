//! `ledger summary`: replay the ledger into the "state of relations" report.

use crate::archive::{Archive, Unusable};
use crate::cli::output::emit;
use crate::date::{Day, parse_day};
use crate::error::{Error, Result};
use crate::escape::terminal;
use crate::report::html::Texts;
use crate::report::{self, Options, SourceView};
use crate::store;
use std::io::{self, BufWriter, Write};
use std::mem::ManuallyDrop;
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
    // The command ends once the report is written, and its memory goes back
    // with the process: freeing the records of a large ledger one by one
    // first would only take time. They own nothing else (no file, no lock).
    let state = ManuallyDrop::new(state);
    let opts = Options {
        subject: args.subject,
        as_of,
        topics: args.topic,
    };
    // Markdown and text word each discrepancy for their medium alone.
    let selection = ManuallyDrop::new(
        match args.format {
            ReportFormat::Markdown | ReportFormat::Text => {
                report::select_for(&state, &opts, args.format == ReportFormat::Markdown)
            }
            ReportFormat::Json | ReportFormat::Html => report::select(&state, &opts),
        }
        .map_err(|m| Error::usage(m, None))?,
    );
    // Written as it renders, in large writes; a closed pipe is taken as done
    // by `out` (see `output::Stdout`).
    let mut w = BufWriter::with_capacity(1 << 16, out);
    match args.format {
        ReportFormat::Markdown | ReportFormat::Text => report::render_to(
            &mut w,
            &selection,
            args.format == ReportFormat::Markdown,
            args.quotes,
        )
        .map_err(|e| Error::io("standard output", "write to", e))?,
        ReportFormat::Json => {
            let report = ManuallyDrop::new(ManuallyDrop::into_inner(selection).into_report());
            serde_json::to_writer_pretty(&mut w, &*report)
                .map_err(io::Error::from)
                .and_then(|()| w.write_all(b"\n"))
                .map_err(|e| Error::io("standard output", "write to", e))?
        }
        ReportFormat::Html => {
            let report = ManuallyDrop::new(ManuallyDrop::into_inner(selection).into_report());
            let texts = archived_texts(&path, archive, &report.sources);
            emit(&mut w, &report::html::summary(&report, &texts))?
        }
    }
    w.flush()
        .map_err(|e| Error::io("standard output", "write to", e))?;
    Ok(0)
}
