//! `ledger merge-driver`: git's custom merge driver for ledger files.
//!
//! Git runs it as `ledger merge-driver %O %A %B %P` (see `ledger git-setup`)
//! with three temporary files and expects the result in `%A`. A successful
//! merge exits 0 with `%A` replaced by the merged ledger; a refused one exits
//! non-zero with `%A` untouched (ours), which git reports as a conflict.

use crate::cli::Format;
use crate::cli::output::{emit, emit_json};
use crate::error::Result;
use crate::escape::terminal;
use crate::merge::{self, How, Merged};
use crate::store;
use serde_json::{Value, json};
use std::io::Write;
use std::path::PathBuf;

/// The `--help` text.
pub const LONG_ABOUT: &str = "Merge two versions of a ledger; git runs this as its `ledger` merge driver \
    (installed by `ledger git-setup`).\n\n\
    BASE, OURS and THEIRS must each verify, and OURS and THEIRS must both extend BASE unchanged; \
    a side that rewrote or removed shared entries is refused. The result keeps OURS as it is and \
    re-appends the entries only THEIRS has after it, each with a new seq, prev and hash but its \
    record time and body unchanged. Every re-appended entry must fit the merged ledger: if both \
    sides retract or supersede the same fact, use the same id, or dispute a fact the other side \
    withdrew, the merge is refused and the entries are named.\n\n\
    On success OURS is replaced (atomically) by the merged ledger and the exit code is 0. On \
    refusal OURS is left unchanged and the exit code is non-zero, so git reports a conflict.";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The merge base (git's %O)
    pub base: PathBuf,
    /// Our version (git's %A); the merged ledger is written here
    pub ours: PathBuf,
    /// Their version (git's %B)
    pub theirs: PathBuf,
    /// The ledger's path in the repository (git's %P), used in messages
    pub name: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(args: Args, out: &mut dyn Write) -> Result<i32> {
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| args.ours.display().to_string());
    let side =
        |path: &PathBuf, label: &str| merge::read_side(path, label, &format!("{name} ({label})"));
    let base = side(&args.base, "base")?;
    let theirs = side(&args.theirs, "theirs")?;
    // Ours is replaced by the result: read it under the lock the replacement
    // holds (taken after the other sides are read and their locks released,
    // so a file given twice cannot wait on itself).
    let locked = store::lock(&args.ours)?;
    let ours = merge::Side::from_bytes(locked.read_all()?, "ours", &format!("{name} (ours)"))?;
    let base = (!base.hashes.is_empty()).then_some(base);
    let merged = merge::merge(base, ours, theirs, std::path::Path::new(&name))?;
    // Unchanged: the result is ours, already in place.
    if merged.how != How::Unchanged {
        locked.replace(&merged.bytes)?;
    }
    match args.format {
        Format::Json => emit_json(out, &to_json(&merged))?,
        Format::Text => emit(out, &to_text(&name, &merged))?,
    }
    Ok(0)
}

/// What a merge did, for people (the ledger's name, git's %P, escaped for the
/// terminal).
fn to_text(name: &str, m: &Merged) -> String {
    let name = terminal(name);
    let head = &m.head;
    let s = match m.how {
        How::Unchanged => format!(
            "{name}: theirs adds nothing new; kept ours ({} entries, head {head})\n",
            m.kept
        ),
        How::FastForward => format!(
            "{name}: ours adds nothing new; took theirs ({} entries, head {head})\n",
            m.entries
        ),
        How::Rechained => format!(
            "{name}: kept ours ({} entries) and re-appended {} new entr{} of theirs after it; head {head}\n",
            m.kept,
            m.appended.len(),
            if m.appended.len() == 1 { "y" } else { "ies" }
        ),
    };
    s + &moved(m)
}

/// One line per re-appended entry (its old and new seq), and per source of
/// theirs left out as the same as one of ours.
pub fn moved(m: &Merged) -> String {
    let mut s = String::new();
    for e in &m.same_sources {
        s.push_str(&format!(
            "  seq {}: {} is registered on both sides with the same description; kept one\n",
            e.seq,
            terminal(&merge::what(e))
        ));
    }
    for (from, e) in &m.appended {
        s.push_str(&format!(
            "  seq {from} -> {}: {} ({})\n",
            e.seq,
            terminal(&merge::what(e)),
            e.hash.short()
        ));
    }
    s
}

/// What a merge did, as JSON.
pub fn to_json(m: &Merged) -> Value {
    let appended: Vec<Value> = m
        .appended
        .iter()
        .map(|(from, e)| {
            json!({"from_seq": from, "seq": e.seq, "hash": e.hash.to_hex(), "kind": e.body.kind()})
        })
        .collect();
    json!({
        "result": match m.how {
            How::Unchanged => "unchanged",
            How::FastForward => "fast-forward",
            How::Rechained => "rechained",
        },
        "common": m.common,
        "kept": m.kept,
        "appended": appended,
        "same_sources": m.same_sources.iter().map(|e| json!({"from_seq": e.seq, "hash": e.hash.to_hex()})).collect::<Vec<_>>(),
        "head": m.head,
    })
}
