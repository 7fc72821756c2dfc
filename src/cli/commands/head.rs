//! `ledger head`: print the last entry's `SEQ:HASH`.

use crate::cli::Format;
use crate::cli::output::{emit, emit_json};
use crate::error::{Error, Result};
use crate::hash::Hash;
use crate::linefile::Got;
use crate::lines::{Line, MAX_ENTRY_BYTES, read_line};
use crate::store;
use serde_json::json;
use std::io::{BufRead, Write};
use std::path::Path;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Read the ledger from standard input instead of a file, e.g.
    /// `git show origin/main:ledger/x.jsonl | ledger head --stdin`
    #[arg(long)]
    pub stdin: bool,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(ledger: Option<&Path>, args: Args, out: &mut dyn Write) -> Result<i32> {
    let (seq, hash) = if args.stdin {
        tail_of(std::io::stdin().lock(), Path::new("<stdin>"))?
    } else {
        let path = store::resolve(ledger)?;
        // Reading the tail under the shared lock checks the last entry is
        // complete and intact, and works on a read-only ledger.
        let tail = store::lock_shared(&path)?.tail()?;
        (tail.seq, tail.hash)
    };
    match args.format {
        Format::Json => emit_json(out, &json!({"seq": seq, "hash": hash.to_hex()}))?,
        Format::Text => emit(out, &format!("{seq}:{hash}\n"))?,
    }
    Ok(0)
}

/// The last entry of a ledger read as a stream (keeping only its last line,
/// each line bounded by the maximum entry size), with the checks a writer
/// makes of a file's tail ([`store::last_entry`]).
pub fn tail_of(mut r: impl BufRead, name: &Path) -> Result<(u64, Hash)> {
    let io = |e| Error::io(name, "read", e);
    let (mut last, mut buf) = (None, Vec::new());
    let (mut lines, mut offset) = (0u64, 0u64);
    loop {
        let got = match read_line(&mut r, &mut buf, MAX_ENTRY_BYTES).map_err(io)? {
            Line::Eof => break,
            Line::Fits { terminated } => Got::Line {
                start: offset,
                text: std::mem::take(&mut buf),
                terminated,
            },
            Line::TooLong { len, terminated } => Got::TooLong {
                start: offset,
                len,
                terminated,
            },
        };
        offset = got.end();
        lines += 1;
        last = Some(got);
    }
    // A stream is not repaired in place: its own words for these two.
    let damaged = |line: u64, message: &str, help: &str| Error::Damaged {
        path: name.to_path_buf(),
        line,
        message: message.into(),
        help: Some(help.into()),
    };
    match &last {
        None => Err(damaged(
            1,
            "the ledger is empty: it has no genesis entry",
            "check the command that produced the input (for `git show REV:PATH`, that PATH exists at REV)",
        )),
        Some(l) if !l.terminated() => Err(damaged(
            lines,
            "the input does not end in a newline: its last line is incomplete",
            "a ledger's last line ends in LF; the input was cut short",
        )),
        Some(_) => store::last_entry(name, last, || Ok(lines)),
    }
}
