//! `ledger source add` registers a source that facts can cite, keeping a
//! copy of its text (`--file`) in the archive (see [`crate::archive`]);
//! `ledger source amend` corrects its description (an `amend` entry,
//! docs/FORMAT.md 5.9), keeping its id so the facts citing it need no change,
//! and archives a corrected text the same way.

use crate::archive::{Archive, Stored};
use crate::cli::Format;
use crate::cli::args::{parse_date, parse_enum, print_appended};
use crate::cli::output::emit;
use crate::entry::{Amend, Body, Derivation, Source, SourceChanges, SourceMember};
use crate::error::{Error, Result};
use crate::store::{self, IdKind};
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
    /// Correct a source's title, publisher, date, language, derivation or
    /// archived text; the source keeps its id, the old values stay in history
    Amend(AmendArgs),
}

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// The id facts cite it by, e.g. globe-2020 [default: a new change id]
    #[arg(long)]
    pub id: Option<String>,
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
    /// The source this one derives from (its id, or any unique prefix)
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

#[derive(Debug, clap::Args)]
pub struct AmendArgs {
    /// The source to amend (its id, or any unique prefix)
    pub id: String,
    /// Why the description changes (shown with the amendment in its history)
    #[arg(long)]
    pub reason: String,
    /// The corrected title
    #[arg(long)]
    pub title: Option<String>,
    /// The corrected publisher
    #[arg(long)]
    pub publisher: Option<String>,
    /// The corrected author
    #[arg(long)]
    pub author: Option<String>,
    /// The corrected publication date: YYYY, YYYY-MM or YYYY-MM-DD
    #[arg(long, value_name = "DATE")]
    pub published: Option<String>,
    /// The corrected language of the archived text (BCP 47)
    #[arg(long)]
    pub language: Option<String>,
    /// The corrected kind of document
    #[arg(long = "type", value_parser = [
        "news-article", "briefing-note", "statement", "press-release", "report",
        "interview", "document", "social-media", "other"])]
    pub source_type: Option<String>,
    /// The corrected URL (only one the source itself gives)
    #[arg(long)]
    pub url: Option<String>,
    /// The source it derives from (registered before it)
    #[arg(long, value_name = "ID", requires = "derivation")]
    pub derived_from: Option<String>,
    /// How it derives from --derived-from
    #[arg(long, value_parser = ["translation", "summary", "rewrite"], requires = "derived_from")]
    pub derivation: Option<String>,
    /// The corrected text: its SHA-256 is recorded and a copy is kept in
    /// the archive (--archive); citations of the source are then checked
    /// against it
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// The corrected note on how the metadata was established
    #[arg(long)]
    pub note: Option<String>,
    /// Remove a member that should not be there; may repeat
    #[arg(long, value_name = "MEMBER", value_parser = [
        "author", "published", "language", "url", "derived-from", "file", "note"])]
    pub unset: Vec<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Keeps a copy of the text at `file` in the archive of the ledger at
/// `path` (docs/FORMAT.md 5.1.1), for `source add --file` and `source amend
/// --file`: the text is archived before its source entry is appended, so a
/// source never records a text the archive lacks. A copy left by a refused
/// append is harmless: it is named by its content and reused by the next one.
fn archive_text(path: &Path, archive: Option<&Path>, file: &Path) -> Result<Stored> {
    let bytes = std::fs::read(file).map_err(|e| Error::io(file, "read", e))?;
    // No archive is made beside a ledger that is not there: the append would
    // fail, and the directory would be left behind.
    drop(store::lock_shared(path)?);
    Archive::for_ledger(path, archive).store(&bytes)
}

/// After the appended entry: where its text was archived (text output only).
fn print_archived(out: &mut dyn Write, format: Format, stored: Option<&Stored>) -> Result<()> {
    if let (Some(s), Format::Text) = (stored, format) {
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
    Ok(())
}

pub fn run(
    ledger: Option<&Path>,
    archive: Option<&Path>,
    args: Args,
    out: &mut dyn Write,
) -> Result<i32> {
    match args.action {
        Action::Add(a) => add(ledger, archive, a, out),
        Action::Amend(a) => amend(ledger, archive, a, out),
    }
}

fn add(
    ledger: Option<&Path>,
    archive: Option<&Path>,
    a: AddArgs,
    out: &mut dyn Write,
) -> Result<i32> {
    let path = store::resolve(ledger)?;
    let stored = a
        .file
        .as_deref()
        .map(|f| archive_text(&path, archive, f))
        .transpose()?;
    let sha = stored.as_ref().map(|s| s.sha256.clone());
    let mut source = Source {
        id: a.id.clone().unwrap_or_default(),
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
    let (written, _) = store::append_checked(&path, &now, |prior, _| {
        if let Some(d) = &mut source.derived_from {
            d.source = prior.resolve(&d.source, IdKind::Source)?;
        }
        if source.id.is_empty() {
            source.id = prior.new_id()?;
        }
        Ok(vec![Body::Source(source)])
    })?;
    print_appended(out, a.format, &path, &written)?;
    print_archived(out, a.format, stored.as_ref())?;
    Ok(0)
}

fn amend(
    ledger: Option<&Path>,
    archive: Option<&Path>,
    a: AmendArgs,
    out: &mut dyn Write,
) -> Result<i32> {
    let path = store::resolve(ledger)?;
    let mut set = SourceChanges {
        title: a.title,
        publisher: a.publisher,
        source_type: a
            .source_type
            .map(|t| parse_enum("source type", &t))
            .transpose()?,
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
        sha256: None,
        note: a.note,
    };
    let mut unset: Vec<SourceMember> = Vec::new();
    for u in &a.unset {
        let m = match u.as_str() {
            "author" => SourceMember::Author,
            "published" => SourceMember::Published,
            "language" => SourceMember::Language,
            "url" => SourceMember::Url,
            "derived-from" => SourceMember::DerivedFrom,
            "file" => SourceMember::Sha256,
            _ => SourceMember::Note,
        };
        if !unset.contains(&m) {
            unset.push(m);
        }
    }
    if set.members().is_empty() && a.file.is_none() && unset.is_empty() {
        return Err(Error::usage(
            "nothing to amend: give the corrected values (e.g. --title TEXT) or --unset MEMBER",
            Some("`ledger source amend --help` lists what can be corrected".into()),
        ));
    }
    let stored = a
        .file
        .as_deref()
        .map(|f| archive_text(&path, archive, f))
        .transpose()?;
    set.sha256 = stored.as_ref().map(|s| s.sha256.clone());
    let mut target = a.id;
    let now = store::now()?;
    let (written, _) = store::append_checked(&path, &now, |prior, _| {
        target = prior.resolve(&target, IdKind::Source)?;
        if let Some(d) = &mut set.derived_from {
            d.source = prior.resolve(&d.source, IdKind::Source)?;
        }
        let has_set = !set.members().is_empty();
        Ok(vec![Body::Amend(Amend {
            target: target.clone(),
            reason: a.reason,
            set: has_set.then_some(set),
            unset: (!unset.is_empty()).then_some(unset),
        })])
    })?;
    print_appended(out, a.format, &path, &written)?;
    print_archived(out, a.format, stored.as_ref())?;
    Ok(0)
}
