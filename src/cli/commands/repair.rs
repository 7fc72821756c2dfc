//! `ledger repair`: move a torn final line to a side file.

use crate::cli::Format;
use crate::cli::output::{emit, emit_json};
use crate::error::Result;
use crate::escape::terminal_path;
use crate::store::{self, Repair};
use serde_json::json;
use std::io::Write;
use std::path::Path;

pub type Args = crate::cli::FormatArgs;

pub fn run(ledger: Option<&Path>, args: Args, out: &mut dyn Write) -> Result<i32> {
    let path = store::resolve(ledger)?;
    let now = store::now()?;
    let outcome = store::repair(&path, &now)?;
    match (args.format, &outcome) {
        (Format::Json, Repair::Intact) => emit_json(out, &json!({"repaired": false}))?,
        (Format::Json, Repair::Terminated { line, replaced_cr }) => emit_json(
            out,
            &json!({"repaired": true, "line": line, "added_newline": true, "replaced_cr": replaced_cr}),
        )?,
        (Format::Text, Repair::Terminated { line, replaced_cr }) => emit(
            out,
            &format!(
                "{}: line {line} is a complete entry that lacked its final newline; {}\n",
                terminal_path(&path),
                if *replaced_cr {
                    "replaced the CR it ended in with a newline"
                } else {
                    "added the newline"
                }
            ),
        )?,
        (
            Format::Json,
            Repair::Removed {
                line,
                bytes,
                saved_to,
            },
        ) => emit_json(
            out,
            &json!({"repaired": true, "line": line, "bytes": bytes, "saved_to": saved_to.display().to_string()}),
        )?,
        (
            Format::Json,
            Repair::RolledBack {
                line,
                bytes,
                saved_to,
            },
        ) => emit_json(
            out,
            &json!({"repaired": true, "unfinished_import": true, "line": line, "bytes": bytes,
                "saved_to": saved_to.as_ref().map(|p| p.display().to_string())}),
        )?,
        (
            Format::Text,
            Repair::RolledBack {
                line,
                bytes,
                saved_to,
            },
        ) => emit(
            out,
            &match saved_to {
                Some(s) => format!(
                    "{}: undid an import that did not finish: moved its {bytes} bytes from line {line} on to {}; the ledger is as it was before the import\n",
                    terminal_path(&path),
                    terminal_path(s)
                ),
                None => format!(
                    "{}: an import that did not finish had written nothing; removed its marker\n",
                    terminal_path(&path)
                ),
            },
        )?,
        (Format::Text, Repair::Intact) => emit(
            out,
            &format!(
                "{}: the last line is complete; nothing to repair\n",
                terminal_path(&path)
            ),
        )?,
        (
            Format::Text,
            Repair::Removed {
                line,
                bytes,
                saved_to,
            },
        ) => emit(
            out,
            &format!(
                "{}: removed the incomplete line {line} ({bytes} bytes), saved to {}\n\
                 Run `ledger verify` to check the rest of the ledger.\n",
                terminal_path(&path),
                terminal_path(saved_to)
            ),
        )?,
    }
    Ok(0)
}
