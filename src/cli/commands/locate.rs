//! `ledger locate`: where a quote is in a source's archived text, in the
//! notation `--locator` takes, with the paragraph and the span marked; the
//! nearest passages when it is nowhere, every place when it is in several.

use crate::archive::Archive;
use crate::citations::{count, paragraphs};
use crate::cli::Format;
use crate::cli::output::{MARK, emit, emit_json, marked_paragraph};
use crate::error::{EXIT_INVALID, Error, Result};
use crate::escape::{terminal, terminal_path};
use crate::evidence::{Archived, archived_text, find_source};
use crate::hash::sha256;
use crate::locate::{self, Match};
use crate::store;
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The registered source to search (its id, or any unique prefix)
    pub source: String,
    /// The quote, as typed: quotation marks, dashes and white space need not
    /// match the text's (see docs/FORMAT.md 5.1.1)
    pub quote: String,
    /// Search this file instead of the source's archived text (it must be
    /// that text when the source records one)
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// How many nearest passages to show when the quote is nowhere.
const NEAREST: usize = 3;

pub fn run(
    ledger: Option<&Path>,
    archive: Option<&Path>,
    args: Args,
    out: &mut dyn Write,
) -> Result<i32> {
    let path = store::resolve(ledger)?;
    let (source, archived) = match &args.file {
        None => archived_text(&path, &Archive::for_ledger(&path, archive), &args.source)?,
        Some(f) => {
            let source = find_source(&path, &args.source)?.ok_or_else(|| {
                Error::usage(
                    format!("{}: no source has the id `{}`", path.display(), args.source),
                    Some("list sources with `ledger sources`".into()),
                )
            })?;
            let text = store::read_text(f)?;
            let sha = sha256(text.as_bytes()).to_hex();
            if let Some(r) = source.sha256.as_ref().filter(|r| **r != sha) {
                return Err(Error::usage(
                    format!(
                        "{} is not the archived text of `{}`: its SHA-256 is {sha}, the source recorded {r}",
                        f.display(),
                        source.id
                    ),
                    Some(
                        "check that this is the right file; a different text is a different source"
                            .into(),
                    ),
                ));
            }
            let archived = Archived {
                text,
                path: f.clone(),
                sha256: sha,
            };
            (source, archived)
        }
    };
    let id = source.id.as_str();
    if locate::fold_quote(&args.quote).is_empty() {
        return Err(Error::usage("the quote is empty", None));
    }
    let matches = locate::locate(&archived.text, &args.quote, None);
    let nearest = if matches.is_empty() {
        locate::nearest(&archived.text, &args.quote, NEAREST)
    } else {
        Vec::new()
    };
    let paras = paragraphs(&archived.text);
    let found = matches.len() == 1;
    match args.format {
        Format::Json => {
            let at = |m: &Match| {
                json!({
                    "locator": m.locator(),
                    "paragraph": m.paragraph,
                    "span": m.span,
                    "text": m.text,
                })
            };
            emit_json(
                out,
                &json!({
                    "ok": found,
                    "source": id,
                    "quote": args.quote,
                    "file": archived.path.display().to_string(),
                    "sha256": archived.sha256,
                    "matches": matches.iter().map(|m| {
                        let mut v = at(m);
                        v["context"] = Value::String(paras[m.paragraph as usize - 1].clone());
                        v
                    }).collect::<Vec<_>>(),
                    "nearest": nearest.iter().map(|n| {
                        let mut v = at(&n.at);
                        v["edits"] = json!(n.edits);
                        v
                    }).collect::<Vec<_>>(),
                }),
            )?;
        }
        Format::Text => {
            let mut s = String::new();
            let show = |s: &mut String, m: &Match| {
                s.push_str(&format!(
                    "{} “{}”\n",
                    m.locator(),
                    terminal(&locate::one_line(&m.text))
                ));
                s.push_str(&marked_paragraph(
                    &paras[m.paragraph as usize - 1],
                    Some(m.span),
                    &format!("  ¶{} | ", m.paragraph),
                    76,
                ));
            };
            match matches.as_slice() {
                [m] => show(&mut s, m),
                [] => {
                    s.push_str(&format!(
                        "no match: “{}” does not occur in the archived text of `{}` ({}), even with quotation marks, dashes and white space set aside\n",
                        terminal(&args.quote),
                        terminal(id),
                        terminal_path(&archived.path)
                    ));
                    if nearest.is_empty() {
                        s.push_str("no passage comes close\n");
                    } else {
                        s.push_str("nearest:\n");
                        for n in &nearest {
                            s.push_str(&format!(
                                "{} “{}” ({} differ)\n",
                                n.at.locator(),
                                terminal(&locate::one_line(&n.at.text)),
                                count(n.edits, "character", "characters")
                            ));
                        }
                    }
                }
                many => {
                    s.push_str(&format!(
                        "several matches: “{}” occurs {} times in `{}`; give one of these with --locator, or quote more words:\n",
                        terminal(&args.quote),
                        many.len(),
                        terminal(id)
                    ));
                    for m in many {
                        s.push_str(&format!(
                            "{} {}\n",
                            m.locator(),
                            terminal(&locate::snippet(
                                &paras[m.paragraph as usize - 1],
                                m.span,
                                30,
                                MARK.0,
                                MARK.1
                            ))
                        ));
                    }
                }
            }
            emit(out, &s)?;
        }
    }
    Ok(if found { 0 } else { EXIT_INVALID })
}
