//! Fault injection for the append path, for tests only.
//!
//! The reliability tests must see what happens when a write is cut short: by a
//! crash, a full disk or a failing flush. A real `SIGKILL` rarely lands inside
//! one `write` of a few hundred bytes, and a full disk is not always available,
//! so the environment variable `LEDGER_FAULT` makes the next append of a
//! writing command misbehave in one of these documented ways:
//!
//! | value | effect |
//! |---|---|
//! | `crash-after:N` | write the first N bytes of the new lines, then abort the process at once (no clean-up, as a crash or `SIGKILL` would) |
//! | `enospc-after:N` | write the first N bytes, then fail with ENOSPC ("No space left on device") as a full disk does |
//! | `pause-after:N:MS` | write the first N bytes, sleep MS milliseconds, then write the rest (a writer caught mid-line, for tests that kill it or read meanwhile) |
//! | `fsync-fails` | write everything, then fail the flush to disk with EIO |
//! | `pause-before-replace:MS` | a whole-file replacement (`rebase`, `merge-driver`) sleeps MS milliseconds, holding the lock, just before its new file takes the ledger's place (for tests of writers that wait meanwhile) |
//!
//! Unset, it costs one environment lookup per append. An unknown value is a
//! usage error, so a typo cannot silently test nothing. Only the write of new
//! entries (`import`, `add`, ... and `repair`'s added newline) is affected, not
//! `init`. See docs/RELIABILITY.md.

use crate::error::{Error, Result};
use std::io::{self, Write};
use std::time::Duration;

/// The environment variable that selects a fault.
pub const FAULT_ENV: &str = "LEDGER_FAULT";

/// A fault to inject into one append.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    Crash { after: usize },
    NoSpace { after: usize },
    Pause { after: usize, ms: u64 },
    SyncFails,
    PauseBeforeReplace { ms: u64 },
}

impl Fault {
    /// The fault selected by `LEDGER_FAULT`, if any.
    pub fn from_env() -> Result<Fault> {
        match std::env::var(FAULT_ENV) {
            Err(_) => Ok(Fault::None),
            Ok(v) => v.parse(),
        }
    }

    /// Writes `bytes` to `w` as this fault dictates.
    pub fn write_all(self, w: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
        let cut = |after: usize| after.min(bytes.len());
        match self {
            Fault::None | Fault::SyncFails | Fault::PauseBeforeReplace { .. } => w.write_all(bytes),
            Fault::Crash { after } => {
                w.write_all(&bytes[..cut(after)])?;
                std::process::abort();
            }
            Fault::NoSpace { after } => {
                w.write_all(&bytes[..cut(after)])?;
                Err(io::Error::from_raw_os_error(28))
            }
            Fault::Pause { after, ms } => {
                w.write_all(&bytes[..cut(after)])?;
                w.flush()?;
                std::thread::sleep(Duration::from_millis(ms));
                w.write_all(&bytes[cut(after)..])
            }
        }
    }

    /// Called by a whole-file replacement just before the new file takes the
    /// ledger's place.
    pub fn before_replace(self) {
        if let Fault::PauseBeforeReplace { ms } = self {
            std::thread::sleep(Duration::from_millis(ms));
        }
    }

    /// Flushes `f` to disk as this fault dictates.
    pub fn sync_data(self, f: &std::fs::File) -> io::Result<()> {
        match self {
            Fault::SyncFails => Err(io::Error::from_raw_os_error(5)),
            _ => f.sync_data(),
        }
    }
}

impl std::str::FromStr for Fault {
    type Err = Error;
    fn from_str(s: &str) -> Result<Fault> {
        let bad = || {
            Error::usage(
                format!("{FAULT_ENV}: `{s}` is not a fault"),
                Some("use crash-after:N, enospc-after:N, pause-after:N:MS, fsync-fails or pause-before-replace:MS (tests only; see docs/RELIABILITY.md), or unset it".into()),
            )
        };
        let num = |t: &str| t.parse::<u64>().map_err(|_| bad());
        let parts: Vec<&str> = s.split(':').collect();
        match parts.as_slice() {
            ["crash-after", n] => Ok(Fault::Crash {
                after: num(n)? as usize,
            }),
            ["enospc-after", n] => Ok(Fault::NoSpace {
                after: num(n)? as usize,
            }),
            ["pause-after", n, ms] => Ok(Fault::Pause {
                after: num(n)? as usize,
                ms: num(ms)?,
            }),
            ["fsync-fails"] => Ok(Fault::SyncFails),
            ["pause-before-replace", ms] => Ok(Fault::PauseBeforeReplace { ms: num(ms)? }),
            _ => Err(bad()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_parse_and_cut_writes() {
        assert_eq!(
            "enospc-after:3".parse::<Fault>().unwrap(),
            Fault::NoSpace { after: 3 }
        );
        assert_eq!(
            "pause-after:1:20".parse::<Fault>().unwrap(),
            Fault::Pause { after: 1, ms: 20 }
        );
        for bad in [
            "",
            "crash",
            "crash-after:x",
            "enospc-after:1:2",
            "fsync-fails:1",
        ] {
            assert!(bad.parse::<Fault>().is_err(), "{bad:?}");
        }
        let mut out = Vec::new();
        let e = Fault::NoSpace { after: 3 }
            .write_all(&mut out, b"abcdef")
            .unwrap_err();
        assert_eq!(e.raw_os_error(), Some(28));
        assert_eq!(out, b"abc");
    }
}
