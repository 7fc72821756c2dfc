//! The `ledger` binary: parse arguments, dispatch, map errors to exit codes.

use clap::FromArgMatches;
use ledger::cli::{self, Cli, color};
use ledger::error::Error;
use ledger::escape;
use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let choice = color::from_args(&args);
    color::init(choice);
    let command = cli::command().color(match choice {
        color::ColorChoice::Auto => clap::ColorChoice::Auto,
        color::ColorChoice::Always => clap::ColorChoice::Always,
        color::ColorChoice::Never => clap::ColorChoice::Never,
    });
    let matches = match command.clone().try_get_matches_from(&args) {
        Ok(m) => m,
        Err(e) => usage_exit(e, command, &args),
    };
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let json = prints_json(&matches);
    // `verify` and `summary` print their error as the one JSON value on
    // stdout; stderr then says it once, for people.
    let error_on_stdout = json && matches!(matches.subcommand_name(), Some("verify" | "summary"));
    cli::progress::install(json);
    // A closed stdout (`ledger log | head -1`) ends output quietly; see
    // `output::Stdout`.
    let mut out = cli::output::Stdout::new(std::io::stdout().lock());
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

/// Prints clap's help, version or usage error and exits. clap quotes a wrong
/// argument as it is; when one holds a control character or line break (a
/// file name given by a glob can), the error is worded again from the
/// arguments escaped for the terminal, so that nothing quoted can act on the
/// screen or start a line of its own.
fn usage_exit(e: clap::Error, command: clap::Command, args: &[OsString]) -> ! {
    let hostile = |a: &OsString| a.to_string_lossy().chars().any(escape::unsafe_char);
    if e.use_stderr() && args.iter().any(hostile) {
        let shown: Vec<OsString> = args
            .iter()
            .map(|a| OsString::from(escape::terminal(&a.to_string_lossy()).into_owned()))
            .collect();
        if let Err(again) = command.try_get_matches_from(shown) {
            again.exit();
        }
    }
    e.exit()
}

/// Prints an error on stderr: as JSON when the command prints JSON, else
/// compiler style. A closed stderr is ignored like a closed stdout: the exit
/// code still tells.
fn report(e: &Error, json: bool) {
    let text = if json {
        let v = cli::diagnostic::error_json(e);
        serde_json::to_string_pretty(&v).unwrap_or_default()
    } else {
        cli::diagnostic::render_error(e, color::stderr())
    };
    let _ = writeln!(std::io::stderr(), "{text}");
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
