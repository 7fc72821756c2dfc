//! Helpers shared by commands for writing their output.

use crate::error::{Error, Result};
use serde::Serialize;
use serde_json::json;
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

/// Runs a command whose output is JSON when `json` is set, so that its standard
/// output stays one JSON value even when it fails: on an error it prints
/// `{"ok": false, "error": {"kind", "message", "help"}}` (see docs/FORMAT.md
/// 10.5), then returns the error for `main` to report and exit with.
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
/// `indent`. The paragraph's own line breaks are kept.
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
        .map(|l| format!("{indent}{l}\n"))
        .collect()
}
