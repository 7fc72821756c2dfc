//! The pre-commit framework runs `ledger verify` through this repository's
//! `.pre-commit-hooks.yaml`, for real: `pre-commit try-repo` builds `ledger`
//! from this checkout with `cargo install` and runs the hook in a temporary
//! git repository holding a good and a damaged ledger.
//!
//! Building the crate in release mode takes minutes, so the test is ignored
//! by default; `.ci/run` installs pre-commit from PyPI and runs it with
//! `cargo test --test cli precommit -- --ignored`. Without `pre-commit` on
//! PATH it skips with a message.

use crate::git::Team;
use crate::util::repo;
use std::path::Path;

#[test]
#[ignore = "builds the crate through pre-commit (minutes); run by .ci/run"]
fn pre_commit_runs_ledger_verify_on_changed_ledgers() {
    let probe = std::process::Command::new("pre-commit")
        .arg("--version")
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: `pre-commit` is not installed (pip install pre-commit)");
        return;
    }
    let t = Team::new();
    t.init_repo("project");
    t.ok(
        "project",
        &["--ledger", "ledger/good.jsonl", "init", "--title", "Good"],
    );
    t.ok(
        "project",
        &[
            "source",
            "add",
            "--id",
            "globe",
            "--title",
            "Report",
            "--publisher",
            "The Globe and Mail",
        ],
    );
    t.commit("project", "A good ledger");
    let root = repo().display().to_string();
    let try_repo = |files: &[&str]| {
        let mut args = vec!["try-repo", root.as_str(), "ledger-verify", "--files"];
        args.extend_from_slice(files);
        let r = t.cmd("project", Path::new("pre-commit"), &args, None);
        eprintln!("{r}");
        r
    };

    let good = try_repo(&["ledger/good.jsonl"]);
    assert_eq!(good.code, 0, "{good}");
    assert!(good.stdout.contains("Passed"), "{good}");

    // A copy with one byte of a statement changed: its hash no longer matches.
    let text = String::from_utf8(t.read("project/ledger/good.jsonl")).expect("utf-8");
    std::fs::write(
        t.dir("project/ledger/bad.jsonl"),
        text.replacen("The Globe and Mail", "The Globe and Maul", 1),
    )
    .expect("write");
    t.git("project", &["add", "ledger/bad.jsonl"]);
    let bad = try_repo(&["ledger/good.jsonl", "ledger/bad.jsonl"]);
    assert_eq!(bad.code, 1, "{bad}");
    assert!(bad.stdout.contains("Failed"), "{bad}");
    assert!(
        bad.stdout.contains("ledger/bad.jsonl:2")
            && bad.stdout.contains("FAILED: ledger/bad.jsonl"),
        "{bad}"
    );
    assert!(bad.stdout.contains("ok: ledger/good.jsonl"), "{bad}");
}

#[test]
fn verify_takes_ledger_files_as_arguments() {
    // What the hook runs: `ledger verify FILE...`, each file on its own.
    let t = Team::new();
    t.init_repo("project");
    for name in ["a", "b"] {
        let path = format!("ledger/{name}.jsonl");
        t.ok("project", &["--ledger", &path, "init", "--title", name]);
    }
    let both = t.ok("project", &["verify", "ledger/a.jsonl", "ledger/b.jsonl"]);
    insta::assert_snapshot!("verify_files", both.stdout);
    let json = t.ok(
        "project",
        &[
            "verify",
            "ledger/a.jsonl",
            "ledger/b.jsonl",
            "--format",
            "json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("json");
    assert_eq!(v.as_array().map(Vec::len), Some(2), "{json}");
    // One damaged file fails the run, and both are still reported.
    let text = String::from_utf8(t.read("project/ledger/a.jsonl")).expect("utf-8");
    std::fs::write(
        t.dir("project/ledger/a.jsonl"),
        text.replacen("\"a\"", "\"A\"", 1),
    )
    .expect("write");
    let r = t.run("project", &["verify", "ledger/a.jsonl", "ledger/b.jsonl"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stdout.contains("FAILED: ledger/a.jsonl") && r.stdout.contains("ok: ledger/b.jsonl"),
        "{r}"
    );
    // A single FILE is the same as --ledger FILE.
    let one = t.ok("project", &["verify", "ledger/b.jsonl"]);
    let flag = t.ok("project", &["--ledger", "ledger/b.jsonl", "verify"]);
    assert_eq!(one.stdout, flag.stdout);
    // --anchor pins one ledger only.
    let r = t.run(
        "project",
        &[
            "verify",
            "ledger/a.jsonl",
            "ledger/b.jsonl",
            "--anchor",
            &format!("0:{}", "0".repeat(64)),
        ],
    );
    assert_eq!(r.code, 2, "{r}");
    insta::assert_snapshot!("verify_files_anchor", r.stderr);
}

/// The plain git hook docs/CI.md shows, taken from the guide itself.
fn documented_hook() -> String {
    let doc = std::fs::read_to_string(repo().join("docs/CI.md")).expect("docs/CI.md");
    let start = doc
        .find("#!/bin/sh\n# .git/hooks/pre-commit")
        .expect("docs/CI.md shows a pre-commit hook");
    let end = doc[start..].find("```").expect("end of the hook") + start;
    doc[start..end].to_string()
}

#[test]
fn the_documented_git_hook_refuses_a_commit_of_a_damaged_ledger() {
    use std::os::unix::fs::PermissionsExt;
    let t = Team::new();
    t.init_repo("project");
    let hook = t.dir("project/.git/hooks/pre-commit");
    std::fs::write(&hook, documented_hook()).expect("write hook");
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    t.ok(
        "project",
        &["--ledger", "ledger/team.jsonl", "init", "--title", "Team"],
    );
    t.git("project", &["add", "ledger/team.jsonl"]);
    t.git("project", &["commit", "--quiet", "-m", "A good ledger"]);
    let text = String::from_utf8(t.read("project/ledger/team.jsonl")).expect("utf-8");
    std::fs::write(
        t.dir("project/ledger/team.jsonl"),
        text.replacen("Team", "Tea m", 1),
    )
    .expect("write");
    t.git("project", &["add", "ledger/team.jsonl"]);
    let r = t.try_git("project", &["commit", "--quiet", "-m", "A damaged ledger"]);
    assert_ne!(r.code, 0, "{r}");
    // Git shows a hook's output on its standard error.
    assert!(r.stderr.contains("FAILED: ledger/team.jsonl"), "{r}");
    let log = t.git("project", &["log", "--oneline"]);
    assert_eq!(log.stdout.lines().count(), 1, "{log}");
}
