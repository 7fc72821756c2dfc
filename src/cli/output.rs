//! Helpers shared by commands for writing their output, and [`Stdout`], the
//! one place where a closed standard output is handled.

use crate::error::{Error, Result};
use serde::Serialize;
use serde_json::json;
use std::io::{self, Write};

/// Standard output as every command writes to it. When the reader goes away
/// before the output ends (`ledger log | head -1`), the pipe is closed and a
/// write fails with `BrokenPipe`; from then on this writer takes every write
/// as done and drops it, as `head` wanted. The command runs to its end and
/// exits with the code it would have had, without a message: a closed pipe
/// is not an error of the command, and it never changes the outcome (a
/// `verify` that fails still exits 1). Any other write error still fails.
#[derive(Debug)]
pub struct Stdout<W: Write> {
    inner: W,
    closed: bool,
}

impl<W: Write> Stdout<W> {
    pub fn new(inner: W) -> Self {
        Stdout {
            inner,
            closed: false,
        }
    }

    /// Whether the reader closed the pipe.
    pub fn closed(&self) -> bool {
        self.closed
    }

    fn closing<T>(&mut self, r: io::Result<T>, done: T) -> io::Result<T> {
        match r {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(done)
            }
            r => r,
        }
    }
}

impl<W: Write> Write for Stdout<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        let r = self.inner.write(buf);
        self.closing(r, buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.closed {
            return Ok(());
        }
        let r = self.inner.flush();
        self.closing(r, ())
    }
}

/// Writes `text` to `out`, mapping a closed pipe or other failure to an error.
pub fn emit(out: &mut dyn Write, text: &str) -> Result<()> {
    out.write_all(text.as_bytes())
        .map_err(|e| Error::io("standard output", "write to", e))
}

/// Writes one JSON value, pretty-printed, followed by a newline.
pub fn emit_json<T: Serialize + ?Sized>(out: &mut dyn Write, value: &T) -> Result<()> {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_default();
    s.push('\n');
    emit(out, &s)
}

/// Runs a command whose output is JSON when `json` is set, so that its standard
/// output stays one JSON value even when it fails: on an error it prints
/// `{"ok": false, "error": {"kind", "message", "help"}}` (see docs/FORMAT.md
/// 10.1), then returns the error for `main` to report and exit with.
pub fn json_on_error(
    json: bool,
    out: &mut dyn Write,
    command: impl FnOnce(&mut dyn Write) -> Result<i32>,
) -> Result<i32> {
    let result = command(out);
    if let (true, Err(e)) = (json, &result) {
        let _ = emit_json(out, &error_json(e));
    }
    result
}

/// The JSON form of an error.
pub fn error_json(e: &Error) -> serde_json::Value {
    json!({
        "ok": false,
        "error": {
            "kind": e.kind(),
            "message": e.to_string(),
            "help": e.help(),
        }
    })
}

/// Where a marked span opens and closes in text for people.
pub const MARK: (&str, &str) = ("⟦", "⟧");

/// A paragraph for people: the span `[a, b)` (characters) between
/// [`MARK`]s, wrapped at `width` characters by words, each line after
/// `indent` and escaped for the terminal. The paragraph's own line breaks
/// are kept (as line breaks of the output, each line escaped on its own).
pub fn marked_paragraph(
    paragraph: &str,
    span: Option<[u32; 2]>,
    indent: &str,
    width: usize,
) -> String {
    let text = match span {
        Some(s) => crate::locate::mark(paragraph, s, MARK.0, MARK.1),
        None => paragraph.to_string(),
    };
    crate::report::wrap(&text, width)
        .iter()
        .map(|l| format!("{indent}{}\n", crate::escape::terminal(l)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer whose reader has gone after `room` bytes.
    struct Pipe {
        room: usize,
        got: Vec<u8>,
    }

    impl Write for Pipe {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(io::ErrorKind::BrokenPipe.into());
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            self.got.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_pipe_takes_the_rest_quietly_and_other_errors_stay() {
        let mut out = Stdout::new(Pipe {
            room: 4,
            got: Vec::new(),
        });
        assert!(emit(&mut out, "line 1\nline 2\n").is_ok());
        assert!(emit(&mut out, "more\n").is_ok());
        assert!(out.closed());
        assert_eq!(out.inner.got, b"line");

        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::ErrorKind::StorageFull.into())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut full = Stdout::new(Full);
        assert!(emit(&mut full, "x").is_err());
        assert!(!full.closed());
    }
}
