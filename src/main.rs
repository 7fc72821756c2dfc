//! The `ledger` binary: parse arguments, dispatch, map errors to exit codes.

use clap::FromArgMatches;
use ledger::cli::{self, Cli, color};
use ledger::error::Error;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let choice = color::from_args(&args);
    color::init(choice);
    let matches = cli::command()
        .color(match choice {
            color::ColorChoice::Auto => clap::ColorChoice::Auto,
            color::ColorChoice::Always => clap::ColorChoice::Always,
            color::ColorChoice::Never => clap::ColorChoice::Never,
        })
        .get_matches_from(args);
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let json = prints_json(&matches);
    // `verify` and `summary` print their error as the one JSON value on
    // stdout; stderr then says it once, for people.
    let error_on_stdout = json && matches!(matches.subcommand_name(), Some("verify" | "summary"));
    cli::progress::install(json);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let code = match cli::run(cli, &matches, &mut out) {
        Ok(code) => code,
        Err(e) => {
            let _ = out.flush();
            report(&e, json && !error_on_stdout);
            e.exit_code()
        }
    };
    let _ = out.flush();
    ExitCode::from(u8::try_from(code).unwrap_or(2))
}

/// Prints an error on stderr: as JSON when the command prints JSON, else
/// compiler style.
fn report(e: &Error, json: bool) {
    if json {
        let v = cli::diagnostic::error_json(e);
        eprintln!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        eprintln!("{}", cli::diagnostic::render_error(e, color::stderr()));
    }
}

/// Whether the command was asked for `--format json`.
fn prints_json(matches: &clap::ArgMatches) -> bool {
    let mut m = matches;
    while let Some((_, sub)) = m.subcommand() {
        m = sub;
    }
    m.try_get_raw("format")
        .ok()
        .flatten()
        .is_some_and(|mut v| v.any(|x| x == "json"))
}
