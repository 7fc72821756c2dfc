//! `ledger rebase --onto`: move this ledger's own entries on top of another
//! copy of it, for a copy that was appended to offline.

use crate::cli::Format;
use crate::cli::commands::merge_driver::{moved, to_json};
use crate::cli::output::{emit, emit_json};
use crate::error::{Error, Result};
use crate::escape::terminal;
use crate::merge::{self, How};
use crate::store;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The `--help` text.
pub const LONG_ABOUT: &str = "Re-append this ledger's own entries after another copy of the same ledger, \
    for a copy that was appended to offline while the other moved on.\n\n\
    Both files must verify and start with the same entries. The result is OTHER_LEDGER_FILE \
    unchanged, followed by the entries only this ledger has, each with a new seq, prev and hash \
    but its record time and body unchanged; it replaces this ledger (atomically, under the \
    lock; the result is verified first, a symbolic link is written through and a hard-linked \
    ledger is refused), which then extends OTHER_LEDGER_FILE and can be copied over it. If an \
    entry does not fit after the other's (both retract or supersede the same fact, use the \
    same id, or an entry would outgrow the size limit), nothing is written and the entries are \
    named. Writers waiting meanwhile append to the rebased ledger.";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The other copy, whose entries are kept as they are
    #[arg(long, value_name = "OTHER_LEDGER_FILE")]
    pub onto: PathBuf,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(ledger: Option<&Path>, args: Args, out: &mut dyn Write) -> Result<i32> {
    let path = store::resolve(ledger)?;
    if same_file(&path, &args.onto) {
        return Err(Error::usage(
            format!("--onto {} is this ledger itself", args.onto.display()),
            Some("pass the other copy of the ledger, e.g. a file taken from another clone".into()),
        ));
    }
    // Hold the lock so no append lands between reading and replacing the file.
    let locked = store::lock(&path)?;
    let mine_name = path.display().to_string();
    let onto_name = args.onto.display().to_string();
    let mine = merge::Side::from_bytes(locked.read_all()?, &mine_name, &mine_name)?;
    let onto = merge::read_side(&args.onto, &onto_name, &onto_name)?;
    let merged = merge::merge(None, onto, mine, &path)?;
    // Fast-forward: the result is this ledger, already in place.
    if merged.how != How::FastForward {
        locked.replace(&merged.bytes)?;
    }
    match args.format {
        Format::Json => emit_json(out, &to_json(&merged))?,
        Format::Text => {
            let (mine_name, onto_name) = (terminal(&mine_name), terminal(&onto_name));
            let head = &merged.head;
            let s = match merged.how {
                How::Unchanged => format!(
                    "{mine_name} had no entries of its own after those of {onto_name}; \
                     it is now a copy of it ({} entries, head {head})\n",
                    merged.kept
                ),
                How::FastForward => format!(
                    "{mine_name} already extends {onto_name}; nothing changed (head {head})\n"
                ),
                How::Rechained => format!(
                    "{mine_name}: rebased onto {onto_name}: kept its {} entries and re-appended {} of this ledger after them; head {head}\n",
                    merged.kept,
                    merged.appended.len()
                ),
            };
            emit(out, &(s + &moved(&merged)))?
        }
    }
    Ok(0)
}

/// Whether two paths name the same file (after links).
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => (x.dev(), x.ino()) == (y.dev(), y.ino()),
        _ => false,
    }
}
