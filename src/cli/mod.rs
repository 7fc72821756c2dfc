//! The command-line interface: argument definitions and dispatch to one module
//! per command (`commands/`). Commands write to the `out` they are given and
//! return the exit code; errors come back as [`crate::error::Error`] for `main`
//! to print.

pub mod args;
pub mod color;
pub mod commands;
pub mod diagnostic;
pub mod examples;
pub mod output;
pub mod progress;

use crate::error::Result;
use clap::{ArgMatches, CommandFactory, Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;

/// An append-only, hash-chained ledger of source-cited facts.
///
/// Every entry is one line of canonical JSON whose hash covers the one before it;
/// `ledger verify` proves the file was not altered, and `ledger summary` replays
/// it into a report where every statement is traceable to a citation.
#[derive(Debug, Parser)]
#[command(name = "ledger", version, max_term_width = 100)]
pub struct Cli {
    /// The ledger file [default: the single *.jsonl file in the nearest
    /// ledger/ directory, looked for from the current directory up to the
    /// repository root; it is an error when there are none or several].
    /// `ledger` with no command shows which ledger is used.
    #[arg(long, global = true, env = "LEDGER_PATH", value_name = "PATH")]
    pub ledger: Option<PathBuf>,

    /// Without a command: how to print the overview
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,

    /// When to colour diagnostics and help: auto colours only a terminal, and
    /// not when NO_COLOR is set. JSON and annotations are never coloured.
    #[arg(long, global = true, value_enum, default_value_t, value_name = "WHEN")]
    pub color: color::ColorChoice,

    /// The archive of source texts (`<sha256>.txt` files) [default: sources/
    /// beside the ledger file]
    #[arg(long, global = true, env = "LEDGER_ARCHIVE", value_name = "DIR")]
    pub archive: Option<PathBuf>,

    /// Without a command: the ledger in use, its head and counts
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Output format of commands that print data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// Plain text for people.
    #[default]
    Text,
    /// One JSON object (documented in docs/FORMAT.md).
    Json,
}

/// The arguments of a command whose only option is `--format`.
#[derive(Debug, clap::Args)]
pub struct FormatArgs {
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new ledger with its genesis entry
    Init(commands::init::Args),
    /// Check every line, link and reference of the ledger
    Verify(commands::verify::Args),
    /// Print the SEQ:HASH of the last entry, to pin with `verify --anchor`
    Head(commands::head::Args),
    /// Fix an interrupted write: move an incomplete last line to a side file
    Repair(commands::repair::Args),
    /// Register sources
    Source(commands::source::Args),
    /// Record a source-cited fact
    Add(commands::add::Args),
    /// Record a corrected or updated version of a fact
    Supersede(commands::supersede::Args),
    /// Withdraw a fact
    Retract(commands::retract::Args),
    /// Record that a source contradicts or overstates a fact
    Dispute(commands::dispute::Args),
    /// Add an actor or a topic to the vocabulary
    Define(commands::define::Args),
    /// Append many entries from a JSONL file, all or nothing
    Import(commands::import::Args),
    /// List entries, filtered by kind, subject or topic
    Log(commands::log::Args),
    /// Show a fact or a source with its whole history
    Show(commands::show::Args),
    /// List registered sources with their derivation chains
    Sources(commands::sources::Args),
    /// Find where a quote is in a source's archived text (pN:A-B)
    ///
    /// Prints `pN:A-B` and the words there, then paragraph N with them
    /// marked (exit 0). A quote that is nowhere gets the nearest passages, one
    /// that is in several places each locator (exit 1). Quotation marks,
    /// dashes, white space and Unicode normalization need not match the
    /// text's; the locator points at the text's own characters.
    Locate(commands::locate::Args),
    /// Check citations against the archived texts of their sources
    CiteCheck(commands::cite_check::Args),
    /// Replay the ledger into a "state of relations" report
    Summary(commands::summary::Args),
    /// What changed in the report between two positions of the ledger
    Diff(commands::diff::Args),
    /// Every fact as one row, for spreadsheets (CSV) and scripts (JSON Lines)
    Export(commands::export::Args),
    /// Set up this git clone to merge ledgers with `ledger merge-driver`
    #[command(long_about = commands::git_setup::LONG_ABOUT)]
    GitSetup(commands::git_setup::Args),
    /// Merge two versions of a ledger (git's merge driver; see `git-setup`)
    #[command(long_about = commands::merge_driver::LONG_ABOUT)]
    MergeDriver(commands::merge_driver::Args),
    /// Re-append this ledger's own entries after another copy of it
    #[command(long_about = commands::rebase::LONG_ABOUT)]
    Rebase(commands::rebase::Args),
    /// Make a key pair for signing checkpoints (or, with --witness, cosigning them)
    Keygen(commands::keygen::Args),
    /// Print a signed checkpoint (C2SP tlog-checkpoint) of the ledger's Merkle tree
    Checkpoint(commands::checkpoint::Args),
    /// Verify a signed checkpoint of any log and print its origin, size and root
    CheckCheckpoint(commands::check_checkpoint::Args),
    /// As a witness, cosign a log's checkpoint that extends the last one cosigned
    Cosign(commands::cosign::Args),
    /// Print an inclusion proof of an entry (JSON) to check against a checkpoint
    Prove(commands::prove::Args),
    /// Print a consistency proof between two sizes of the ledger's tree (JSON)
    Consistency(commands::consistency::Args),
    /// Check an inclusion or consistency proof against signed checkpoints
    CheckProof(commands::check_proof::Args),
    /// Write the ledger's tree as C2SP tlog-tiles into a directory for static hosting
    Publish(commands::publish::Args),
    /// Verify a log published as tlog-tiles, and an entry's inclusion, from its files
    CheckPublished(commands::check_published::Args),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish)
    Completions(commands::completions::Args),
    /// Print the manual page (roff), or write one page per command
    Man(commands::man::Args),
}

/// The command-line definition as the binary uses it.
pub fn command() -> clap::Command {
    examples::apply(Cli::command())
}

/// Runs a parsed command line, writing its output to `out`. `matches` are the
/// raw matches `cli` was built from (for the order of repeated flags).
pub fn run(cli: Cli, matches: &ArgMatches, out: &mut dyn Write) -> Result<i32> {
    let ledger = cli.ledger.as_deref();
    let archive = cli.archive.as_deref();
    let sub = |name: &str| {
        matches
            .subcommand_matches(name)
            .cloned()
            .unwrap_or_default()
    };
    let Some(command) = cli.command else {
        return commands::overview::run(ledger, cli.format.unwrap_or_default(), matches, out);
    };
    if let Some(f) = cli.format {
        let name = matches.subcommand_name().unwrap_or("COMMAND");
        let f = if f == Format::Json { "json" } else { "text" };
        return Err(crate::error::Error::usage(
            format!("--format before the command applies to `ledger` on its own, not to `{name}`"),
            Some(format!(
                "put it after the command: `ledger {name} --format {f}`"
            )),
        ));
    }
    match command {
        Command::Source(a) => commands::source::run(ledger, archive, a, out),
        Command::Add(a) => commands::add::run(ledger, archive, a, &sub("add"), out),
        Command::Supersede(a) => {
            commands::supersede::run(ledger, archive, a, &sub("supersede"), out)
        }
        Command::Retract(a) => commands::retract::run(ledger, a, out),
        Command::Dispute(a) => commands::dispute::run(ledger, archive, a, out),
        Command::Define(a) => commands::define::run(ledger, a, out),
        Command::Summary(a) => {
            let json = a.format == commands::summary::ReportFormat::Json;
            output::json_on_error(json, out, |out| {
                commands::summary::run(ledger, archive, a, out)
            })
        }
        Command::Diff(a) => {
            let json = a.format == commands::summary::ReportFormat::Json;
            output::json_on_error(json, out, |out| {
                commands::diff::run(ledger, archive, a, out)
            })
        }
        Command::Export(a) => commands::export::run(ledger, a, out),
        Command::Import(a) => commands::import::run(ledger, archive, a, out),
        Command::Log(a) => commands::log::run(ledger, a, out),
        Command::Show(a) => commands::show::run(ledger, archive, a, out),
        Command::Sources(a) => commands::sources::run(ledger, a, out),
        Command::Locate(a) => commands::locate::run(ledger, archive, a, out),
        Command::CiteCheck(a) => commands::cite_check::run(ledger, archive, a, out),
        Command::Init(a) => commands::init::run(ledger, a, out),
        Command::Verify(a) => {
            let json = a.format == commands::verify::VerifyFormat::Json;
            output::json_on_error(json, out, |out| {
                commands::verify::run(ledger, archive, a, out)
            })
        }
        Command::Head(a) => commands::head::run(ledger, a, out),
        Command::Repair(a) => commands::repair::run(ledger, a, out),
        Command::Keygen(a) => commands::keygen::run(a, out),
        Command::Checkpoint(a) => commands::checkpoint::run(ledger, a, out),
        Command::CheckCheckpoint(a) => commands::check_checkpoint::run(a, out),
        Command::Cosign(a) => commands::cosign::run(ledger, a, out),
        Command::Prove(a) => commands::prove::run(ledger, a, out),
        Command::Consistency(a) => commands::consistency::run(ledger, a, out),
        Command::CheckProof(a) => commands::check_proof::run(a, out),
        Command::Publish(a) => commands::publish::run(ledger, a, out),
        Command::CheckPublished(a) => commands::check_published::run(a, out),
        Command::Completions(a) => commands::completions::run(a, out),
        Command::Man(a) => commands::man::run(a, out),
        Command::GitSetup(a) => commands::git_setup::run(ledger, a, out),
        Command::MergeDriver(a) => commands::merge_driver::run(a, out),
        Command::Rebase(a) => commands::rebase::run(ledger, a, out),
    }
}
