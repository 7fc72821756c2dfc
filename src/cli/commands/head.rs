//! `ledger head`: print the last entry's `SEQ:HASH`.

use crate::chain;
use crate::cli::Format;
use crate::cli::output::{emit, emit_json};
use crate::error::{Error, Result};
use crate::hash::Hash;
use crate::store;
use serde_json::json;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

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

/// The last entry of a ledger read as a stream (keeping only its last line),
/// with the checks `ledger head` makes of a file's tail: the input is not
/// empty, ends in LF, and its last line reads cleanly as an entry.
pub fn tail_of(mut r: impl BufRead, name: &Path) -> Result<(u64, Hash)> {
    let damaged = |line: u64, message: String, help: &str| Error::Damaged {
        path: PathBuf::from(name),
        line,
        message,
        help: Some(help.to_string()),
    };
    let (mut last, mut buf) = (Vec::new(), Vec::new());
    let mut lines = 0u64;
    loop {
        buf.clear();
        let n = r
            .read_until(b'\n', &mut buf)
            .map_err(|e| Error::io(name, "read", e))?;
        if n == 0 {
            break;
        }
        lines += 1;
        std::mem::swap(&mut last, &mut buf);
    }
    if lines == 0 {
        return Err(damaged(
            1,
            "the ledger is empty: it has no genesis entry".into(),
            "check the command that produced the input (for `git show REV:PATH`, that PATH exists at REV)",
        ));
    }
    if last.pop() != Some(b'\n') {
        return Err(damaged(
            lines,
            "the input does not end in a newline: its last line is incomplete".into(),
            "a ledger's last line ends in LF; the input was cut short",
        ));
    }
    let read = std::str::from_utf8(&last).map(chain::read_entry);
    match read {
        Ok(chain::ReadLine {
            entry: Some(e),
            problems,
            ..
        }) if problems.is_empty() => Ok((e.seq, e.hash)),
        Ok(r) => {
            let why = r
                .problems
                .first()
                .map_or("not an entry".to_string(), |p| p.message.clone());
            Err(damaged(
                lines,
                format!("the last entry is damaged ({why})"),
                "run `ledger verify` on it to see every problem",
            ))
        }
        Err(_) => Err(damaged(
            lines,
            "the last line is not valid UTF-8".into(),
            "run `ledger verify` on it to see every problem",
        )),
    }
}
