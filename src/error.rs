//! The library's error type, and how each error reads and exits.
//!
//! Every error a user can hit says what was wrong, where (file, line, entry), what
//! was expected, and where useful how to fix it. [`Error::exit_code`] maps kinds to
//! the documented exit codes: 1 for a ledger that fails an integrity check, 2 for
//! usage, refused input and I/O.
//!
//! Messages quote paths and ledger text as they are; [`Error::shown`] words an
//! error with every quoted part passed through an escaper, which is how
//! `cli::diagnostic` shows it on a terminal (JSON carries the exact text).

use std::borrow::Cow;
use std::fmt;
use std::io;
use std::path::PathBuf;

/// Exit code: the ledger failed verification or is damaged.
pub const EXIT_INVALID: i32 = 1;
/// Exit code: bad usage, refused input, or an I/O error.
pub const EXIT_USAGE: i32 = 2;

/// Errors of every `ledger` operation.
#[derive(Debug)]
pub enum Error {
    /// Reading or writing a file failed.
    Io {
        path: PathBuf,
        action: &'static str,
        source: io::Error,
    },
    /// The command line or its input is wrong; nothing was written.
    Usage {
        message: String,
        help: Option<String>,
    },
    /// An id typed on the command line is the prefix of several ids, each
    /// named in `candidates` (one line each); nothing was done.
    Ambiguous {
        message: String,
        candidates: Vec<String>,
        help: Option<String>,
    },
    /// A new entry was refused (unknown source, fact not live, ...); nothing was
    /// written.
    Refused {
        path: PathBuf,
        /// The seq the refused entry would have had, when known.
        seq: Option<u64>,
        message: String,
        help: Option<String>,
    },
    /// New entries were refused for several reasons at once (the two sides of
    /// a merge conflict), each named in `conflicts`; nothing was written.
    Conflicts {
        path: PathBuf,
        message: String,
        conflicts: Vec<String>,
        help: Option<String>,
    },
    /// A signed file (checkpoint, cosignature, proof, published log) failed a
    /// check: a signature, a root, a proof. Exits 1, as a failed `verify`.
    Unverified {
        path: PathBuf,
        message: String,
        help: Option<String>,
    },
    /// The ledger itself is damaged at `line`; nothing was written.
    Damaged {
        path: PathBuf,
        line: u64,
        message: String,
        help: Option<String>,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An I/O error on `path` while doing `action` ("read", "create", ...).
    pub fn io(path: impl Into<PathBuf>, action: &'static str, source: io::Error) -> Error {
        Error::Io {
            path: path.into(),
            action,
            source,
        }
    }

    /// A signed file that failed a check (exit 1).
    pub fn unverified(
        path: impl Into<PathBuf>,
        message: impl Into<String>,
        help: Option<String>,
    ) -> Error {
        Error::Unverified {
            path: path.into(),
            message: message.into(),
            help,
        }
    }

    /// A usage error with an optional hint.
    pub fn usage(message: impl Into<String>, help: Option<String>) -> Error {
        Error::Usage {
            message: message.into(),
            help,
        }
    }

    /// A refusal naming several conflicts, one per line after `message`.
    pub fn conflicts(
        path: impl Into<PathBuf>,
        message: impl Into<String>,
        conflicts: Vec<String>,
        help: Option<String>,
    ) -> Error {
        Error::Conflicts {
            path: path.into(),
            message: message.into(),
            conflicts,
            help,
        }
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Damaged { .. } | Error::Unverified { .. } => EXIT_INVALID,
            Error::Io { .. }
            | Error::Usage { .. }
            | Error::Ambiguous { .. }
            | Error::Refused { .. }
            | Error::Conflicts { .. } => EXIT_USAGE,
        }
    }

    /// A stable name for the kind of error (for `--format json`).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Io { .. } => "io",
            Error::Usage { .. } | Error::Ambiguous { .. } => "usage",
            Error::Refused { .. } | Error::Conflicts { .. } => "refused",
            Error::Damaged { .. } => "damaged",
            Error::Unverified { .. } => "unverified",
        }
    }

    /// Where the error is, when that is more than the message says: for a
    /// refused entry, the line and seq it would have had.
    pub fn location(&self) -> Option<String> {
        match self {
            Error::Refused {
                path,
                seq: Some(seq),
                ..
            } => Some(format!(
                "{}: new entry at line {} (seq {seq}); nothing was written",
                path.display(),
                seq + 1
            )),
            _ => None,
        }
    }

    /// The hint, if any.
    pub fn help(&self) -> Option<&str> {
        match self {
            Error::Io { action, source, .. } => io_help(action, source),
            Error::Usage { help, .. }
            | Error::Ambiguous { help, .. }
            | Error::Refused { help, .. }
            | Error::Conflicts { help, .. }
            | Error::Damaged { help, .. }
            | Error::Unverified { help, .. } => help.as_deref(),
        }
    }
}

/// What to do about an I/O error, when there is something to say. A failed
/// append was cut back to the ledger's old length before this error was made
/// (see `store`), so it can say that nothing was written.
fn io_help(action: &str, e: &io::Error) -> Option<&'static str> {
    let full = matches!(
        e.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
    );
    match (full, action == "append to") {
        (true, true) => Some(
            "the disk is full: nothing was written (the ledger was cut back to its old length); free some space and run the command again",
        ),
        (false, true) => Some(
            "nothing was written (the ledger was cut back to its old length); run the command again once the cause is fixed",
        ),
        (true, false) => Some("the disk is full: free some space and run the command again"),
        (false, false) => None,
    }
}

impl Error {
    /// The error in words, with every path and every message (which may quote
    /// ledger text or arguments) passed through `show`: one line, or for
    /// [`Error::Conflicts`] and [`Error::Ambiguous`] one line per conflict or
    /// candidate, each indented by two spaces. `Display` is `shown` with nothing escaped.
    pub fn shown(&self, show: impl Fn(&str) -> Cow<'_, str>) -> String {
        let path = |p: &PathBuf| show(&p.display().to_string()).into_owned();
        match self {
            Error::Io {
                path: p,
                action,
                source,
            } => format!("cannot {action} {}: {}", path(p), show(&source.to_string())),
            Error::Usage { message, .. } => show(message).into_owned(),
            Error::Ambiguous {
                message,
                candidates,
                ..
            } => {
                let mut s = show(message).into_owned();
                for c in candidates {
                    s.push_str("\n  ");
                    s.push_str(&show(c));
                }
                s
            }
            Error::Refused {
                path: p, message, ..
            } => format!("{}: refused: {}", path(p), show(message)),
            Error::Conflicts {
                path: p,
                message,
                conflicts,
                ..
            } => {
                let mut s = format!("{}: refused: {}", path(p), show(message));
                for c in conflicts {
                    s.push_str("\n  ");
                    s.push_str(&show(c));
                }
                s
            }
            Error::Damaged {
                path: p,
                line,
                message,
                ..
            } => format!("{}: line {line}: {}", path(p), show(message)),
            Error::Unverified {
                path: p, message, ..
            } => format!("{}: {}", path(p), show(message)),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown(as_is))
    }
}

/// Text as it is (what `Display` shows).
fn as_is(s: &str) -> Cow<'_, str> {
    Cow::Borrowed(s)
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
