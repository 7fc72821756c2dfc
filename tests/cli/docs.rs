//! The documentation holds together: every relative link between Markdown
//! files resolves (to a file, and to a heading when it names one), the
//! README is a short front door that maps every guide in docs/, and what the
//! README shows of `ledger` is what `ledger` does. The guides' own examples
//! are run where their subject is tested (docs/USAGE.md in `authoring` and
//! `data`, docs/TEAM.md and docs/CI.md in `git` and `precommit`).

use crate::reports::bundled;
use crate::util::{Env, repo};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Every `*.md` file of the repository, outside `target/` and hidden
/// directories, as paths relative to the repository root.
fn markdown_files() -> Vec<PathBuf> {
    fn walk(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(root.join(rel)) else {
            return;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || name == "target" {
                continue;
            }
            let r = rel.join(&name);
            if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                walk(root, &r, out);
            } else if name.ends_with(".md") {
                out.push(r);
            }
        }
    }
    let mut out = Vec::new();
    walk(&repo(), Path::new(""), &mut out);
    out.sort();
    out
}

/// The lines of a Markdown text outside fenced code blocks, with their
/// numbers (from 1).
fn prose_lines(text: &str) -> Vec<(usize, &str)> {
    let mut fence: Option<String> = None;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let t = line.trim_start();
        let ticks: String = t.chars().take_while(|&c| c == '`').collect();
        if ticks.len() >= 3 {
            match &fence {
                None => fence = Some(ticks),
                Some(open) if ticks.len() >= open.len() && t.trim() == ticks => fence = None,
                Some(_) => {}
            }
            continue;
        }
        if fence.is_none() {
            out.push((n + 1, line));
        }
    }
    out
}

/// A line with its inline code spans removed.
fn without_code_spans(line: &str) -> String {
    let mut out = String::new();
    let mut in_code = false;
    for c in line.chars() {
        if c == '`' {
            in_code = !in_code;
        } else if !in_code {
            out.push(c);
        }
    }
    out
}

/// The targets of the inline links and images (`[text](target)`) of a
/// Markdown text, with the line each is on.
fn link_targets(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in prose_lines(text) {
        let line = without_code_spans(line);
        let mut rest = line.as_str();
        while let Some(i) = rest.find("](") {
            let after = &rest[i + 2..];
            let Some(end) = after.find(')') else { break };
            let target = after[..end].split_whitespace().next().unwrap_or("");
            out.push((n, target.to_string()));
            rest = &after[end..];
        }
    }
    out
}

/// The anchors GitHub gives a Markdown file's headings: lower case, spaces
/// as hyphens, punctuation other than `-` and `_` dropped, and `-1`, `-2`,
/// ... after repeats.
fn heading_anchors(text: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    for (_, line) in prose_lines(text) {
        let Some(title) = line
            .strip_prefix('#')
            .map(|l| l.trim_start_matches('#'))
            .filter(|l| l.starts_with(' '))
        else {
            continue;
        };
        let slug: String = title
            .trim()
            .to_lowercase()
            .chars()
            .filter_map(|c| match c {
                ' ' => Some('-'),
                c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                _ => None,
            })
            .collect();
        let mut anchor = slug.clone();
        let mut k = 0;
        while seen.contains(&anchor) {
            k += 1;
            anchor = format!("{slug}-{k}");
        }
        seen.insert(anchor);
    }
    seen
}

/// The problems with the relative links of the Markdown file `rel`.
fn broken_links(root: &Path, rel: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(root.join(rel)).expect("read a Markdown file");
    let dir = rel.parent().unwrap_or(Path::new(""));
    let mut problems = Vec::new();
    for (line, target) in link_targets(&text) {
        if target.contains("://") || target.starts_with("mailto:") {
            continue;
        }
        let (path, fragment) = match target.split_once('#') {
            Some((p, f)) => (p, Some(f)),
            None => (target.as_str(), None),
        };
        let file = if path.is_empty() {
            rel.to_path_buf()
        } else {
            dir.join(path)
        };
        let at = format!("{}:{line}: ({target})", rel.display());
        if !root.join(&file).exists() {
            problems.push(format!("{at}: {} does not exist", file.display()));
            continue;
        }
        if let Some(fragment) = fragment {
            if !file.to_string_lossy().ends_with(".md") {
                continue;
            }
            let target_text = std::fs::read_to_string(root.join(&file)).expect("read");
            if !heading_anchors(&target_text).contains(fragment) {
                problems.push(format!(
                    "{at}: {} has no heading #{fragment}",
                    file.display()
                ));
            }
        }
    }
    problems
}

#[test]
fn relative_links_in_markdown_resolve() {
    let root = repo();
    let files = markdown_files();
    assert!(
        files.iter().any(|f| f == Path::new("README.md"))
            && files.iter().any(|f| f == Path::new("docs/USAGE.md")),
        "{files:?}"
    );
    let mut links = 0;
    let mut problems = Vec::new();
    for f in &files {
        links += link_targets(&std::fs::read_to_string(root.join(f)).expect("read")).len();
        problems.extend(broken_links(&root, f));
    }
    assert!(links > 20, "only {links} links found");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The link checker itself: it finds a missing file, a missing heading and
/// a link to a heading of the same file, and ignores code.
#[test]
fn the_link_checker_finds_broken_links() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("docs")).expect("mkdir");
    std::fs::write(dir.path().join("docs/B.md"), "# B\n\n## Two words, here\n").expect("write");
    std::fs::write(
        dir.path().join("A.md"),
        "# A\n\n[ok](docs/B.md) [ok](docs/B.md#two-words-here) [ok](#a)\n\
         [gone](docs/C.md) [no heading](docs/B.md#three) [self](#b)\n\
         `[code](nowhere.md)`\n\n```\n[fenced](nowhere.md)\n```\n",
    )
    .expect("write");
    let problems = broken_links(dir.path(), Path::new("A.md"));
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(
        problems[0].contains("docs/C.md does not exist"),
        "{problems:#?}"
    );
    assert!(
        problems[1].contains("has no heading #three"),
        "{problems:#?}"
    );
    assert!(problems[2].contains("has no heading #b"), "{problems:#?}");
}

/// The README stays a front door: short, and with a line in its map for
/// every guide in docs/.
#[test]
fn the_readme_is_short_and_maps_every_guide() {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let lines = readme.lines().count();
    assert!(
        lines <= 150,
        "README.md has {lines} lines; move guides to docs/"
    );
    let map = &readme[readme.find("## Documentation").expect("a map of docs/")..];
    let mut missing = Vec::new();
    for f in markdown_files() {
        let f = f.to_string_lossy().into_owned();
        if f.starts_with("docs/") && !map.contains(&format!("]({f})")) {
            missing.push(f);
        }
    }
    assert!(missing.is_empty(), "README.md does not map {missing:?}");
}

/// The `sh` block that follows `marker` in `text`.
fn sh_block_after<'a>(text: &'a str, marker: &str) -> &'a str {
    let rest = &text[text.find(marker).unwrap_or_else(|| panic!("{marker:?}"))..];
    let start = rest.find("```sh\n").expect("a sh block") + 6;
    let end = start + rest[start..].find("```").expect("end of the block");
    &rest[start..end]
}

/// The README's excerpt of the report is the real output, line for line (up
/// to the `…` that elides).
#[test]
fn the_readme_shows_a_real_report() {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let marker = "An excerpt of `cargo run --release -- summary --as-of 2019-12-31`";
    let block = &readme[readme.find(marker).expect("the README shows a report")..];
    let block = &block[block.find("````markdown\n").expect("a block") + 12..];
    let block = &block[..block.find("````").expect("end of the block")];
    let env = Env::new();
    let out = env
        .ok(&["--ledger", &bundled(), "summary", "--as-of", "2019-12-31"])
        .stdout;
    let mut shown = 0;
    for line in block.lines().filter(|l| !l.is_empty() && *l != "…") {
        let line = line.trim_end_matches(" …");
        assert!(out.contains(line), "README line not in the output: {line}");
        shown += 1;
    }
    assert!(shown >= 10, "{shown}");
}

/// The README's common commands, run as written in a directory whose
/// `ledger/` holds a copy of the bundled ledger, all succeed.
#[test]
fn the_readme_common_commands_run_on_the_bundled_ledger() {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let block = sh_block_after(&readme, "## Common commands");
    let commands = ledger::cli::examples::joined(block);
    assert!(commands.len() >= 6, "{commands:?}");
    let env = Env::new();
    env.write(
        "ledger/canada-dprk.jsonl",
        std::fs::read(bundled()).expect("the bundled ledger"),
    );
    for c in &commands {
        assert!(c.starts_with("ledger "), "not a ledger command: {c}");
        let r = env.sh_ok(c);
        assert!(
            !r.stdout.is_empty() || c.contains('>'),
            "{c} printed nothing"
        );
    }
    assert!(
        env.read("report.html").starts_with(b"<!DOCTYPE html>"),
        "the README's HTML report"
    );
}
