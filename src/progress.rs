//! Progress of long reads of a ledger, reported to an observer the binary
//! installs (a progress bar on a terminal); without one, reporting costs a
//! counter.
//!
//! [`Reader`] wraps the reader a ledger is read through and reports the bytes
//! consumed, so verification itself knows nothing of progress. Any long
//! operation (verify, import, summary, a merge of big ledgers) gets a bar by
//! reading through a `Reader`.

use std::io::{BufRead, Read};
use std::sync::OnceLock;

/// Receives progress; implemented by the binary's progress bar.
pub trait Observer: Send + Sync {
    /// A read of `total` bytes starts; `label` says what it is for.
    fn start(&self, label: &str, total: u64);
    /// `bytes` more were read.
    fn advance(&self, bytes: u64);
    /// The read ended (or was abandoned).
    fn finish(&self);
}

static OBSERVER: OnceLock<Box<dyn Observer>> = OnceLock::new();

/// Installs the process's observer; only the first call has effect.
pub fn install(observer: Box<dyn Observer>) {
    let _ = OBSERVER.set(observer);
}

/// Report progress in steps of this many bytes, so the observer is not called
/// for every line.
const STEP: u64 = 1 << 20;

/// A reader that reports the bytes consumed through it to the observer.
pub struct Reader<R> {
    inner: R,
    pending: u64,
    observer: Option<&'static dyn Observer>,
}

impl<R> Reader<R> {
    /// Wraps `inner`, a read of `total` bytes for `label` ("verifying").
    pub fn new(inner: R, label: &str, total: u64) -> Reader<R> {
        let observer = OBSERVER.get().map(|o| &**o);
        if let Some(o) = observer {
            o.start(label, total);
        }
        Reader {
            inner,
            pending: 0,
            observer,
        }
    }

    fn count(&mut self, n: usize) {
        if let Some(o) = self.observer {
            self.pending += n as u64;
            if self.pending >= STEP {
                o.advance(self.pending);
                self.pending = 0;
            }
        }
    }
}

impl<R: Read> Read for Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Reader<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        self.inner.consume(amt);
        self.count(amt);
    }
}

impl<R> Drop for Reader<R> {
    fn drop(&mut self) {
        if let Some(o) = self.observer {
            if self.pending > 0 {
                o.advance(self.pending);
            }
            o.finish();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn reads_pass_through_unchanged() {
        let data = b"a\nbb\nccc".to_vec();
        let mut r = Reader::new(Cursor::new(data.clone()), "test", data.len() as u64);
        let mut out = Vec::new();
        let mut line = Vec::new();
        while r.read_until(b'\n', &mut line).unwrap() > 0 {
            out.extend_from_slice(&line);
            line.clear();
        }
        assert_eq!(out, data);
    }
}
