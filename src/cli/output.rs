//! Helpers shared by commands for writing their output.

use crate::error::{Error, Result};
use serde::Serialize;
use std::io::Write;

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
