//! `ledger source add`: register a source that facts can cite, keeping a
//! copy of its text (`--file`) in the archive (see [`crate::archive`]).

use crate::archive::Archive;
use crate::cli::Format;
use crate::cli::args::{parse_date, parse_enum, print_appended};
use crate::cli::output::emit;
use crate::entry::{Body, Derivation, Source};
use crate::error::{Error, Result};
use crate::store;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Register a new source
    Add(AddArgs),
}

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// A short id chosen by you, cited by facts (e.g. globe-2020)
    #[arg(long)]
    pub id: String,
    /// The title (or a bracketed description when the text has none)
    #[arg(long)]
    pub title: String,
    #[arg(long)]
    pub publisher: String,
    /// Only when the source names its author
    #[arg(long)]
    pub author: Option<String>,
    /// Publication date, as precise as known: YYYY, YYYY-MM or YYYY-MM-DD
    #[arg(long, value_name = "DATE")]
    pub published: Option<String>,
    /// Language of the text as archived (BCP 47, e.g. en, fr)
    #[arg(long)]
    pub language: Option<String>,
    #[arg(long = "type", default_value = "news-article", value_parser = [
        "news-article", "briefing-note", "statement", "press-release", "report",
        "interview", "document", "social-media", "other"])]
    pub source_type: String,
    /// Only a URL the source itself gives
    #[arg(long)]
    pub url: Option<String>,
    /// The source this one derives from
    #[arg(long, value_name = "ID", requires = "derivation")]
    pub derived_from: Option<String>,
    /// How it derives from --derived-from
    #[arg(long, value_parser = ["translation", "summary", "rewrite"], requires = "derived_from")]
    pub derivation: Option<String>,
    /// The source's text: its SHA-256 is recorded and a copy is kept in the
    /// archive (--archive), so citations of it can be located and checked
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// How metadata was established (e.g. where an inferred date comes from)
    #[arg(long)]
    pub note: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(
    ledger: Option<&Path>,
    archive: Option<&Path>,
    args: Args,
    out: &mut dyn Write,
) -> Result<i32> {
    let Action::Add(a) = args.action;
    let path = store::resolve(ledger)?;
    // The text is archived before the source is appended, so a source never
    // records a text the archive lacks. A copy left by a refused append is
    // harmless: it is named by its content and reused by the next one.
    let stored = match &a.file {
        Some(f) => {
            let bytes = std::fs::read(f).map_err(|e| Error::io(f, "read", e))?;
            // No archive is made beside a ledger that is not there: the
            // append would fail, and the directory would be left behind.
            drop(store::lock_shared(&path)?);
            Some(Archive::for_ledger(&path, archive).store(&bytes)?)
        }
        None => None,
    };
    let sha = stored.as_ref().map(|s| s.sha256.clone());
    let source = Source {
        id: a.id.clone(),
        title: a.title,
        publisher: a.publisher,
        source_type: parse_enum("source type", &a.source_type)?,
        author: a.author,
        published: a
            .published
            .map(|d| parse_date("--published", &d))
            .transpose()?,
        language: a.language,
        url: a.url,
        derived_from: match (a.derived_from, a.derivation) {
            (Some(source), Some(rel)) => Some(Derivation {
                source,
                relation: parse_enum("derivation", &rel)?,
            }),
            _ => None,
        },
        sha256: sha,
        note: a.note,
    };
    let now = store::now()?;
    let (written, _) = store::append_checked(&path, &now, |_, _| Ok(vec![Body::Source(source)]))?;
    print_appended(out, a.format, &path, &written)?;
    if let (Some(s), Format::Text) = (&stored, a.format) {
        emit(
            out,
            &format!(
                "{} its text as {}\n",
                if s.created {
                    "archived"
                } else {
                    "already archived"
                },
                crate::escape::terminal_path(&s.path)
            ),
        )?;
    }
    Ok(0)
}
