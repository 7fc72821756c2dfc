//! `ledger git-setup`: set up a git clone so ledgers merge with
//! `ledger merge-driver`.
//!
//! It writes what git shares (`.gitattributes`, `.gitignore`, to be committed)
//! and what it does not (`git config merge.ledger.*` in this clone, which every
//! contributor sets once), and says exactly what it wrote. Running it again
//! changes nothing that is already there.

use crate::cli::Format;
use crate::cli::output::{emit, emit_json};
use crate::error::{Error, Result};
use crate::escape::terminal;
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Files `ledger` may leave beside a ledger that never belong in the
/// repository: (pattern relative to the ledger directory, why). Add new
/// side files here.
pub const SIDE_FILES: &[(&str, &str)] = &[
    (
        "*.jsonl.torn-*",
        "incomplete last lines moved aside by `ledger repair`",
    ),
    (
        ".*.jsonl.idx",
        "the derived index that makes appends O(1); rebuilt when missing",
    ),
    (
        ".*.jsonl.import",
        "the marker of an import being written; `ledger repair` undoes an unfinished one",
    ),
    (
        "*.jsonl.import-*",
        "entries of an unfinished import moved aside by `ledger repair`",
    ),
];

/// The merge driver's name in git's configuration and `.gitattributes`.
pub const DRIVER: &str = "ledger";

/// The `--help` text.
pub const LONG_ABOUT: &str = "Set up this git clone to merge ledgers with `ledger merge-driver`.\n\n\
    Adds `DIR/*.jsonl text eol=lf merge=ledger` to .gitattributes at the top of the repository \
    (DIR is the directory of --ledger, else ./ledger, else the repository's top-level ledger/), adds the side files ledger may leave there \
    to .gitignore, and sets `merge.ledger.name` and `merge.ledger.driver` with `git config` in \
    this clone. It prints each thing it wrote, and leaves alone what is already there, so it is \
    safe to run again.\n\n\
    Commit .gitattributes and .gitignore. Git does not share configuration through push and \
    pull: every contributor runs `ledger git-setup` once in their own clone.";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The program git runs as the merge driver (must be on git's PATH, or an absolute path)
    #[arg(long, value_name = "PROGRAM", default_value = "ledger")]
    pub program: String,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// One thing git-setup made sure of.
struct Done {
    file: String,
    line: String,
    changed: bool,
    why: Option<&'static str>,
}

pub fn run(ledger: Option<&Path>, args: Args, out: &mut dyn Write) -> Result<i32> {
    let root = PathBuf::from(git(&["rev-parse", "--show-toplevel"])?.trim_end_matches('\n'));
    let dir = ledger_dir(ledger, &root)?;
    // Checked before anything is written: a refusal leaves both files and
    // the git config as they were.
    pattern_safe(&dir)?;
    let prefix = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    let mut done = Vec::new();
    let attr = format!("{prefix}*.jsonl text eol=lf merge={DRIVER}");
    done.push(ensure_line(&root, ".gitattributes", &attr, None)?);
    for (pattern, why) in SIDE_FILES {
        done.push(ensure_line(
            &root,
            ".gitignore",
            &format!("{prefix}{pattern}"),
            Some(why),
        )?);
    }
    let driver = format!("{} merge-driver %O %A %B %P", args.program);
    for (key, value) in [
        (
            format!("merge.{DRIVER}.name"),
            "ledger: re-append concurrent entries".to_string(),
        ),
        (format!("merge.{DRIVER}.driver"), driver),
    ] {
        let current = git(&["config", "--local", "--get", &key]).ok();
        let changed = current.as_deref().map(|c| c.trim_end_matches('\n')) != Some(value.as_str());
        if changed {
            git(&["config", "--local", &key, &value])?;
        }
        done.push(Done {
            file: "git config".into(),
            line: format!("{key} \"{value}\""),
            changed,
            why: None,
        });
    }
    match args.format {
        Format::Json => {
            let items: Vec<_> = done
                .iter()
                .map(|d| json!({"file": d.file, "line": d.line, "changed": d.changed}))
                .collect();
            emit_json(
                out,
                &json!({"root": root.display().to_string(), "wrote": items}),
            )?
        }
        Format::Text => {
            let mut s = String::new();
            for d in &done {
                let verb = if d.changed { "wrote" } else { "already has" };
                s.push_str(&format!(
                    "{}: {verb} {}",
                    terminal(&d.file),
                    terminal(&d.line)
                ));
                if let Some(why) = d.why {
                    s.push_str(&format!("  ({why})"));
                }
                s.push('\n');
            }
            s.push_str(
                "Commit .gitattributes and .gitignore. The git config stays in this clone: \
                 every contributor runs `ledger git-setup` once in their own clone.\n",
            );
            if !on_path(&args.program) {
                s.push_str(&format!(
                    "note: `{}` is not on PATH; git will fail to run the merge driver (and report \
                     a conflict) until it is, or pass --program with an absolute path\n",
                    terminal(&args.program)
                ));
            }
            emit(out, &s)?
        }
    }
    Ok(0)
}

/// Whether `program` names an executable git can run: a path that exists, or
/// a name found in a directory of PATH.
fn on_path(program: &str) -> bool {
    if program.contains('/') {
        return Path::new(program).is_file();
    }
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
}

/// Runs git with `args` in the current directory and returns its output.
fn git(args: &[&str]) -> Result<String> {
    let shown = format!("git {}", args.join(" "));
    let out = Command::new("git").args(args).output().map_err(|e| {
        Error::usage(
            format!("cannot run `{shown}`: {e}"),
            Some("install git, or put it on PATH".into()),
        )
    })?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
        return Err(Error::usage(
            format!("`{shown}` failed: {err}"),
            Some("run `ledger git-setup` inside a clone of the ledger's repository (or `git init` one first)".into()),
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The ledger directory relative to the repository root, with `/` separators.
fn ledger_dir(ledger: Option<&Path>, root: &Path) -> Result<String> {
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", "read", e))?;
    let dir = match ledger {
        Some(p) => p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf(),
        // ./ledger as the other commands find it, else the repository's.
        None if cwd.join(crate::store::DEFAULT_DIR).is_dir() => {
            PathBuf::from(crate::store::DEFAULT_DIR)
        }
        None => root.join(crate::store::DEFAULT_DIR),
    };
    let abs = cwd.join(&dir);
    let abs = abs.canonicalize().unwrap_or(abs);
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let rel = abs.strip_prefix(&root).map_err(|_| {
        Error::usage(
            format!(
                "{} is outside the git repository at {}",
                dir.display(),
                root.display()
            ),
            Some("keep ledgers inside the repository, or pass --ledger PATH inside it".into()),
        )
    })?;
    let parts = rel
        .components()
        .map(|c| {
            c.as_os_str().to_str().map(str::to_string).ok_or_else(|| {
                Error::usage(
                    format!(
                        "the ledger directory {} is not valid UTF-8, so it cannot be written into .gitattributes and .gitignore; nothing was written",
                        rel.display()
                    ),
                    Some("keep ledgers in a directory with a UTF-8 name (for example ledger/)".into()),
                )
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(parts.join("/"))
}

/// Why git would read `dir` (the ledger directory relative to the
/// repository root) as more than a literal name at the start of a
/// `.gitattributes` or `.gitignore` line, if it would: a line break starts a
/// new rule, a space or tab ends the pattern (in `.gitattributes` the rest
/// becomes attributes; `.gitignore` drops trailing spaces), `*`, `?`, `[`
/// and `\` are glob syntax and escapes, and a leading `#`, `!` or `"` makes
/// the line a comment, a negation or a C-quoted pattern. Such names are
/// refused rather than escaped: the two files quote differently, and a
/// refusal cannot write a rule that means something else.
fn pattern_problem(dir: &str) -> Option<String> {
    if let Some(first) = dir.chars().next().filter(|c| matches!(c, '#' | '!' | '"')) {
        let what = match first {
            '#' => "it starts with `#`, which makes the line a comment",
            '!' => "it starts with `!`, which makes the line a negation",
            _ => "it starts with `\"`, which makes the line a quoted pattern",
        };
        return Some(what.to_string());
    }
    dir.chars().find_map(|c| {
        let what = match c {
            '\n' | '\r' => "a line break, which would start a new rule",
            ' ' | '\t' => "a space or tab, which would end the pattern",
            '*' | '?' | '[' | ']' => "a glob character (`*`, `?`, `[` or `]`)",
            '\\' => "a backslash, which git reads as an escape",
            c if c.is_control() => "a control character",
            _ => return None,
        };
        Some(format!("it contains {what}"))
    })
}

/// [`pattern_problem`] as the error `git-setup` exits with.
fn pattern_safe(dir: &str) -> Result<()> {
    match pattern_problem(dir) {
        None => Ok(()),
        Some(why) => Err(Error::usage(
            format!(
                "the ledger directory `{dir}` cannot be written into .gitattributes and .gitignore: {why}; nothing was written"
            ),
            Some(
                "git reads each line of those files as a pattern: keep ledgers in a directory whose \
                 name has no line break, space, tab, control character, `*?[]\\`, or leading `#`, \
                 `!` or `\"` (for example ledger/)"
                    .into(),
            ),
        )),
    }
}

/// Makes sure `file` (under `root`) has `line`, appending it if not; keeps
/// every other line as it is.
fn ensure_line(root: &Path, file: &str, line: &str, why: Option<&'static str>) -> Result<Done> {
    let path = root.join(file);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::io(&path, "read", e)),
    };
    let changed = !text.lines().any(|l| l.trim() == line);
    if changed {
        let mut add = String::new();
        if !text.is_empty() && !text.ends_with('\n') {
            add.push('\n');
        }
        add.push_str(line);
        add.push('\n');
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| Error::io(&path, "open", e))?;
        f.write_all(add.as_bytes())
            .and_then(|_| f.sync_all())
            .map_err(|e| Error::io(&path, "write", e))?;
    }
    Ok(Done {
        file: file.to_string(),
        line: line.to_string(),
        changed,
        why,
    })
}
