//! `ledger man`: the manual page (roff), written from the argument
//! definitions: to stdout, or one page per command into a directory.

use crate::cli::Format;
use crate::cli::output::{emit, emit_json};
use crate::error::{Error, Result};
use crate::escape::terminal_path;
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write ledger.1 and one page per command (ledger-verify.1, ...) into DIR
    /// instead of printing ledger.1
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(args: Args, out: &mut dyn Write) -> Result<i32> {
    let cmd = crate::cli::command();
    let Some(dir) = args.out else {
        let mut buf = Vec::new();
        clap_mangen::Man::new(cmd)
            .render(&mut buf)
            .map_err(|e| Error::io("standard output", "write to", e))?;
        emit(out, &String::from_utf8_lossy(&buf))?;
        return Ok(0);
    };
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, "create directory", e))?;
    let mut written = Vec::new();
    write_pages(cmd, &dir, &mut written)?;
    match args.format {
        Format::Json => emit_json(
            out,
            &json!({"written": written.iter().map(|p| p.display().to_string()).collect::<Vec<_>>()}),
        )?,
        Format::Text => {
            let mut s = format!("wrote {} manual pages:\n", written.len());
            for p in &written {
                s.push_str(&format!("  {}\n", terminal_path(p)));
            }
            emit(out, &s)?;
        }
    }
    Ok(0)
}

/// Writes the page of `cmd` and of each of its subcommands, recursively,
/// named `ledger.1`, `ledger-verify.1`, `ledger-source-add.1`.
fn write_pages(cmd: clap::Command, dir: &Path, written: &mut Vec<PathBuf>) -> Result<()> {
    let cmd = cmd.disable_help_subcommand(true);
    let name = cmd.get_display_name().unwrap_or(cmd.get_name()).to_string();
    let path = dir.join(format!("{name}.1"));
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .render(&mut buf)
        .map_err(|e| Error::io(&path, "write", e))?;
    crate::fsio::replace(&path, &buf, 0o644).map_err(|e| Error::io(&path, "write", e))?;
    written.push(path);
    for sub in cmd.get_subcommands() {
        let sub = sub
            .clone()
            .display_name(format!("{name}-{}", sub.get_name()))
            .bin_name(format!(
                "{} {}",
                cmd.get_bin_name().unwrap_or(&name),
                sub.get_name()
            ));
        write_pages(sub, dir, written)?;
    }
    Ok(())
}
