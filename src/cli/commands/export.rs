//! `ledger export`: every fact, one row each, as CSV or JSON Lines (see
//! [`crate::report::export`]).

use crate::cli::output::emit;
use crate::error::{Error, Result};
use crate::report::{self, export};
use crate::store;
use std::io::Write;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum ExportFormat {
    /// RFC 4180 CSV with a header row, for spreadsheets (cells that would start a formula get a leading ')
    #[default]
    Csv,
    /// One JSON object per line, every string exact, for scripts
    Jsonl,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only facts under this topic (repeat for several)
    #[arg(long, value_name = "TOPIC")]
    pub topic: Vec<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: ExportFormat,
}

pub fn run(ledger: Option<&Path>, args: Args, out: &mut dyn Write) -> Result<i32> {
    let path = store::resolve(ledger)?;
    let (_, state) = store::load(&path)?;
    report::check_topics(&state, &args.topic).map_err(|m| Error::usage(m, None))?;
    let rows = export::rows(&state, &args.topic);
    let text = match args.format {
        ExportFormat::Csv => export::csv(&rows),
        ExportFormat::Jsonl => export::jsonl(&rows),
    }
    .map_err(|m| Error::usage(format!("export: {m}"), None))?;
    emit(out, &text)?;
    Ok(0)
}
