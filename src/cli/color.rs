//! When output is coloured: `--color auto|always|never`, `NO_COLOR` and
//! `CLICOLOR_FORCE`, decided once per stream at start-up.
//!
//! Colour is only ever used for text meant for people (diagnostics, help); JSON
//! and other machine formats are written without it whatever the choice.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

/// The `--color` choice (variants undocumented on purpose: clap then lists
/// them on one line in every command's help).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

static STDOUT: AtomicBool = AtomicBool::new(false);
static STDERR: AtomicBool = AtomicBool::new(false);

/// Decides colour for stdout and stderr; called once by `main`.
pub fn init(choice: ColorChoice) {
    STDOUT.store(
        decide(choice, std::io::stdout().is_terminal(), &env),
        Ordering::Relaxed,
    );
    STDERR.store(
        decide(choice, std::io::stderr().is_terminal(), &env),
        Ordering::Relaxed,
    );
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// The rule: `always` and `never` win; under `auto`, a non-empty `NO_COLOR`
/// disables colour, a `CLICOLOR_FORCE` other than empty or `0` forces it, and
/// otherwise the stream must be a terminal.
pub fn decide(
    choice: ColorChoice,
    is_terminal: bool,
    env: &dyn Fn(&str) -> Option<String>,
) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            if env("NO_COLOR").is_some_and(|v| !v.is_empty()) {
                false
            } else if env("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0") {
                true
            } else {
                is_terminal
            }
        }
    }
}

/// Whether text for people written to stdout is coloured.
pub fn stdout() -> bool {
    STDOUT.load(Ordering::Relaxed)
}

/// Whether text for people written to stderr is coloured.
pub fn stderr() -> bool {
    STDERR.load(Ordering::Relaxed)
}

/// The `--color` value given on a raw command line, read before clap parses it
/// so that clap's own help and usage errors follow the same choice.
pub fn from_args(args: &[std::ffi::OsString]) -> ColorChoice {
    let mut choice = ColorChoice::Auto;
    let mut it = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        let value = if a == "--color" {
            it.next().map(|v| v.to_string())
        } else {
            a.strip_prefix("--color=").map(str::to_string)
        };
        match value.as_deref() {
            Some("always") => choice = ColorChoice::Always,
            Some("never") => choice = ColorChoice::Never,
            Some("auto") => choice = ColorChoice::Auto,
            _ => {}
        }
    }
    choice
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_and_clicolor_force_only_bend_auto() {
        let none = |_: &str| None;
        let no_color = |k: &str| (k == "NO_COLOR").then(|| "1".to_string());
        let empty_no_color = |k: &str| (k == "NO_COLOR").then(String::new);
        let force = |k: &str| (k == "CLICOLOR_FORCE").then(|| "1".to_string());
        assert!(decide(ColorChoice::Auto, true, &none));
        assert!(!decide(ColorChoice::Auto, false, &none));
        assert!(!decide(ColorChoice::Auto, true, &no_color));
        assert!(decide(ColorChoice::Auto, true, &empty_no_color));
        assert!(decide(ColorChoice::Auto, false, &force));
        assert!(decide(ColorChoice::Always, false, &no_color));
        assert!(!decide(ColorChoice::Never, true, &force));
    }

    #[test]
    fn color_is_read_from_the_raw_command_line() {
        let args = |v: &[&str]| -> Vec<std::ffi::OsString> { v.iter().map(Into::into).collect() };
        assert_eq!(
            from_args(&args(&["ledger", "--color", "never", "verify"])),
            ColorChoice::Never
        );
        assert_eq!(
            from_args(&args(&["ledger", "verify", "--color=always"])),
            ColorChoice::Always
        );
        assert_eq!(
            from_args(&args(&["ledger", "add", "--", "--color=always"])),
            ColorChoice::Auto
        );
    }
}
