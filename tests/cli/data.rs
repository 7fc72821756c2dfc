//! Data honesty of the bundled ledger `ledger/canada-dprk.jsonl`: every citation
//! points into the archived text of its source, and every quote is verbatim.
//!
//! The archived texts live outside the repository, in `../shared/seeds/`
//! (relative to the crate root); they are copyrighted and never copied into
//! the project. A test builds an archive from them in a temporary directory
//! (`<sha256>.txt`, as `scripts/seed-archive` does) and runs `ledger verify
//! --citations` against it, which checks every citation of every source.
//! When the seeds directory is absent the tests print a notice and pass
//! (except under `CI=true`, where they fail: see `util::shared`).

use crate::util::{Env, repo, shared};
use ledger::hash::sha256;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The bundled ledger these tests check.
const BUNDLED: &str = "ledger/canada-dprk.jsonl";

/// Quotes are short excerpts, never whole passages of a source.
const MAX_QUOTE_CHARS: usize = 200;

/// The seeds directory; `None` (after a notice) when it is absent.
fn seeds() -> Option<PathBuf> {
    let dir = shared().map(|s| s.join("seeds")).filter(|d| d.is_dir());
    if dir.is_none() {
        eprintln!("skipped: ../shared/seeds not found");
    }
    dir
}

/// An archive of the seed texts in `dir`: each copied to `<sha256>.txt`.
fn seed_archive(seeds: &Path, dir: &Path) -> usize {
    std::fs::create_dir_all(dir).expect("create the archive");
    let mut n = 0;
    for entry in std::fs::read_dir(seeds).expect("read the seeds directory") {
        let path = entry.expect("seeds directory entry").path();
        if path.is_file() {
            let bytes = std::fs::read(&path).expect("read a seed file");
            std::fs::write(dir.join(format!("{}.txt", sha256(&bytes).to_hex())), bytes)
                .expect("write the archive");
            n += 1;
        }
    }
    n
}

#[test]
fn bundled_ledger_citations_match_the_archived_texts() {
    let Some(seeds) = seeds() else { return };
    let env = Env::new();
    assert!(seed_archive(&seeds, &env.path().join("archive")) >= 2);
    let ledger = repo().join(BUNDLED).display().to_string();
    let r = env.run_with_env(
        &[
            "--ledger",
            &ledger,
            "verify",
            "--citations",
            "--format",
            "json",
        ],
        &[("LEDGER_ARCHIVE", "archive")],
        None,
    );
    let v: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|_| panic!("{r}"));
    assert_eq!(
        v["ok"], true,
        "citations of the bundled ledger do not match the seeds:\n{r}"
    );
    assert_eq!(r.code, 0, "{r}");
    // Every source records its text, and every citation was checked.
    assert_eq!(v["citations"]["unchecked"], serde_json::json!([]), "{r}");
    let checked = v["citations"]["checked"].as_u64().unwrap_or(0);
    assert!(checked > 50, "only {checked} citations were checked");
    // The text report, as CI prints it.
    let r = env.run_with_env(
        &["--ledger", &ledger, "verify", "--citations"],
        &[("LEDGER_ARCHIVE", "archive")],
        None,
    );
    assert!(
        r.stdout.contains(&format!(
            "citations ok: {checked} citations of 2 sources match the archived texts in archive\n"
        )),
        "{r}"
    );
}

/// The entries of the bundled ledger as JSON values.
fn bundled_entries() -> Vec<Value> {
    let text = std::fs::read_to_string(repo().join(BUNDLED)).expect("read the bundled ledger");
    text.lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// Every citation has a paragraph, and every quote is short.
#[test]
fn bundled_citations_are_located_and_short() {
    let mut problems = Vec::new();
    for e in bundled_entries() {
        let body = &e["body"];
        let cites: Vec<&Value> = match e["kind"].as_str() {
            Some("fact") => body["citations"].as_array().into_iter().flatten().collect(),
            Some("supersede") => body["fact"]["citations"]
                .as_array()
                .into_iter()
                .flatten()
                .collect(),
            Some("dispute") => vec![&body["citation"]],
            _ => continue,
        };
        for c in cites {
            if c["paragraph"].as_u64().is_none() {
                problems.push(format!("seq {}: a citation without a paragraph", e["seq"]));
            }
            if let Some(q) = c["quote"].as_str()
                && q.chars().count() > MAX_QUOTE_CHARS
            {
                problems.push(format!(
                    "seq {}: a quote over {MAX_QUOTE_CHARS} characters",
                    e["seq"]
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The walkthrough of docs/USAGE.md ("Every command, in one session"), run
/// as written in an empty directory holding the two seed texts as
/// `article.txt` and `translation.txt`: every command up to the dispute
/// succeeds, and what the guide says `locate`, `add --quote` and
/// `dispute --quote` print and store is what they do.
#[test]
fn usage_walkthrough_is_exact_for_the_seed_texts() {
    let Some(seeds) = seeds() else { return };
    let usage = std::fs::read_to_string(repo().join("docs/USAGE.md")).expect("docs/USAGE.md");
    let block = usage
        .split("## Every command, in one session")
        .nth(1)
        .and_then(|s| s.split("```sh\n").nth(1))
        .and_then(|s| s.split("```").next())
        .expect("docs/USAGE.md has a block with every command");
    // Whole commands (continuation lines joined), up to the dispute.
    let mut commands: Vec<String> = Vec::new();
    let mut cur = String::new();
    for line in block.lines() {
        cur.push_str(line);
        if line.trim_end().ends_with('\\') {
            cur.push('\n');
            continue;
        }
        if cur.starts_with("ledger ") {
            commands.push(std::mem::take(&mut cur));
        }
        cur.clear();
    }
    let upto = commands
        .iter()
        .position(|c| c.starts_with("ledger dispute"))
        .expect("the walkthrough records a dispute");
    let env = Env::new();
    std::fs::copy(
        seeds.join("000_f4198c04c4b0a21a.txt"),
        env.path().join("article.txt"),
    )
    .expect("the report's text");
    std::fs::copy(
        seeds.join("002_cb2cdd0aa5ea079b.txt"),
        env.path().join("translation.txt"),
    )
    .expect("the translation's text");
    let mut outputs = Vec::new();
    for c in &commands[..=upto] {
        let script = format!("ledger() {{ \"$BIN\" \"$@\"; }}\n{c}\n");
        let mut cmd = std::process::Command::new("bash");
        cmd.args(["-c", &script])
            .current_dir(env.path())
            .env("BIN", crate::util::bin())
            .env("LEDGER_NOW", crate::util::NOW)
            .env_remove("LEDGER_PATH")
            .env_remove("LEDGER_ARCHIVE");
        let r = env.output(&mut cmd, None);
        assert_eq!(r.code, 0, "docs/USAGE.md command failed: {c}\n{r}");
        outputs.push((c.clone(), r));
    }
    // locate: the first line it prints is the one the guide shows.
    let (_, located) = outputs
        .iter()
        .find(|(c, _)| c.starts_with("ledger locate"))
        .expect("the walkthrough locates a quote");
    let first = located.stdout.lines().next().unwrap_or("");
    assert!(
        usage.contains(&format!("# {first}, then paragraph")),
        "docs/USAGE.md does not show what locate prints: {first}"
    );
    // add and dispute: the locators the guide says they store.
    let ledger =
        std::fs::read_to_string(env.path().join("ledger/canada-north-korea-relations.jsonl"))
            .expect("the walkthrough's ledger");
    for e in ledger
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("JSON"))
    {
        let c = match e["kind"].as_str() {
            Some("fact") => &e["body"]["citations"][0],
            Some("dispute") => &e["body"]["citation"],
            _ => continue,
        };
        let at = format!(
            "stored as p{}:{}-{}",
            c["paragraph"], c["span"][0], c["span"][1]
        );
        assert!(
            usage.contains(&at),
            "docs/USAGE.md does not say the quote is {at}"
        );
    }
}
