//! The `ledger` binary: parse arguments, dispatch, map errors to exit codes.

use clap::{CommandFactory, FromArgMatches};
use ledger::cli::{self, Cli};
use ledger::error::Error;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let code = match cli::run(cli, &matches, &mut out) {
        Ok(code) => code,
        Err(e) => {
            let _ = out.flush();
            report(&e);
            e.exit_code()
        }
    };
    let _ = out.flush();
    ExitCode::from(u8::try_from(code).unwrap_or(2))
}

fn report(e: &Error) {
    let mut msg = format!("error: {e}\n");
    if let Some(at) = e.location() {
        msg.push_str(&format!("  --> {at}\n"));
    }
    if let Some(h) = e.help() {
        msg.push_str(&format!("  = help: {h}\n"));
    }
    eprint!("{msg}");
}
