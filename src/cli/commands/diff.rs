//! `ledger diff`: what changed in the report between two positions of the
//! ledger (see [`crate::report::diff`]).

use crate::cli::commands::summary::{ReportFormat, archived_texts, parse_as_of};
use crate::cli::output::{emit, emit_json};
use crate::entry::Entry;
use crate::error::{Error, Result};
use crate::replay::State;
use crate::report::Options;
use crate::report::diff::{self, Position};
use crate::store;
use std::io::Write;
use std::path::Path;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The earlier position: a seq (`40`), `SEQ:HASH` as `ledger head` prints
    /// it (the hash is checked; 12 or more of its first hex digits will do), or
    /// a record date or time (`2026-11-23`, `2026-11-23T12:00:00Z`: the ledger
    /// as it was before the first entry recorded at or after it)
    #[arg(long, value_name = "POS")]
    pub from: String,
    /// The later position, in the same forms [default: the last entry]
    #[arg(long, value_name = "POS")]
    pub to: Option<String>,
    /// The relation (CA-KP) or actor to report on [default: the relation with most facts]
    #[arg(long)]
    pub subject: Option<String>,
    /// Compare the reports on this date: YYYY-MM-DD, or YYYY / YYYY-MM for the end of that period [default: today]
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Only facts under this topic, and the discrepancies about them (repeat for several)
    #[arg(long, value_name = "TOPIC")]
    pub topic: Vec<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: ReportFormat,
}

pub fn run(
    ledger: Option<&Path>,
    archive: Option<&Path>,
    args: Args,
    out: &mut dyn Write,
) -> Result<i32> {
    let path = store::resolve(ledger)?;
    let as_of = parse_as_of(args.as_of.as_deref())?;
    let (entries, _) = store::load(&path)?;
    let from = locate(&path, &entries, "--from", &args.from)?;
    let to = match &args.to {
        Some(p) => locate(&path, &entries, "--to", p)?,
        None => entries.len().saturating_sub(1) as u64,
    };
    if from > to {
        return Err(Error::usage(
            format!("--from is entry {from}, after --to, entry {to}: a diff runs forward"),
            Some("swap the two positions".into()),
        ));
    }
    // Replay once, keeping the state at `from` on the way to `to`.
    let mut state = State::live_only();
    let mut at_from = None;
    for e in entries.iter().take_while(|e| e.seq <= to) {
        state
            .apply(e)
            .map_err(|m| Error::usage(format!("seq {}: {m}", e.seq), None))?;
        if e.seq == from {
            at_from = Some(state.clone());
        }
    }
    let at_from = at_from.unwrap_or_else(|| state.clone());
    let position = |seq: u64| {
        let e = &entries[seq as usize];
        Position {
            seq,
            hash: e.hash.to_hex(),
            recorded: e.recorded.clone(),
        }
    };
    let d = diff::diff(
        &at_from,
        &state,
        position(from),
        position(to),
        &Options {
            subject: args.subject,
            as_of,
            topics: args.topic,
        },
    )
    .map_err(|m| Error::usage(m, None))?;
    match args.format {
        ReportFormat::Json => emit_json(out, &d)?,
        ReportFormat::Markdown => emit(out, &diff::render(&d, true))?,
        ReportFormat::Text => emit(out, &diff::render(&d, false))?,
        ReportFormat::Html => {
            let texts = archived_texts(&path, archive, &d.sources);
            emit(out, &crate::report::html::diff(&d, &texts))?
        }
    }
    Ok(0)
}

/// The seq a position names (see [`Args::from`]). A `SEQ:HASH` whose hash is
/// not the entry's is refused as an integrity failure (exit 1): the ledger's
/// history up to that entry is not the one the position was taken from.
pub fn locate(path: &Path, entries: &[Entry], flag: &str, pos: &str) -> Result<u64> {
    let head = entries.len().saturating_sub(1) as u64;
    let beyond = || {
        Error::usage(
            format!("{flag} {pos}: the ledger ends at entry {head}"),
            None,
        )
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if digits(pos) {
        let seq: u64 = pos.parse().map_err(|_| beyond())?;
        return if seq > head { Err(beyond()) } else { Ok(seq) };
    }
    if let Some((s, h)) = pos.split_once(':')
        && digits(s)
    {
        let hex = h.to_ascii_lowercase();
        if !(12..=64).contains(&hex.len()) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::usage(
                format!("{flag} {pos}: the hash of SEQ:HASH is 12 to 64 hex digits"),
                Some("copy the position from `ledger head` or from a report's header".into()),
            ));
        }
        let seq: u64 = s.parse().map_err(|_| beyond())?;
        if seq > head {
            return Err(beyond());
        }
        let stored = entries[seq as usize].hash.to_hex();
        if !stored.starts_with(&hex) {
            return Err(Error::Damaged {
                path: path.to_path_buf(),
                line: seq + 1,
                message: format!(
                    "seq {seq}: {flag} names entry {seq} with hash {hex}, but this ledger's entry {seq} has hash {stored}"
                ),
                help: Some(
                    "the ledger's history up to that entry is not the one the position was taken from (rewritten, or another ledger); check the position, or compare with `ledger verify --anchor SEQ:HASH`".into(),
                ),
            });
        }
        return Ok(seq);
    }
    // A record date or time: the ledger before the first entry recorded at or
    // after it, so that nothing recorded since is left out of the diff.
    let instant = match pos.len() {
        10 => crate::date::parse_day(pos).ok().map(|_| format!("{pos}T00:00:00Z")),
        20 => crate::entry::check_timestamp(pos).ok().map(|_| pos.to_string()),
        _ => None,
    }
    .ok_or_else(|| {
        Error::usage(
            format!("{flag} {pos}: not a position"),
            Some(
                "give a seq (40), SEQ:HASH as `ledger head` prints it, or a record date or time (2026-11-23, 2026-11-23T12:00:00Z)"
                    .into(),
            ),
        )
    })?;
    match entries.iter().position(|e| e.recorded >= instant) {
        None => Ok(head),
        Some(0) => Err(Error::usage(
            format!("{flag} {pos}: no entry was recorded before {instant}"),
            None,
        )),
        Some(i) => Ok(i as u64 - 1),
    }
}
