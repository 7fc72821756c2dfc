//! Team ledgers in git: `ledger git-setup`, the merge driver run by real git in
//! temporary repositories, `ledger rebase --onto`, and `ledger head --stdin`.
//!
//! Git runs with no system or global configuration (HOME is a temporary
//! directory), a fixed identity and clock, and the binary under test first on
//! PATH, so `ledger merge-driver` in the driver configuration is this build.

use crate::util::{Env, NOW, Run, bin};
use std::path::{Path, PathBuf};
use std::process::Command;

pub const L: &str = "ledger/team.jsonl";

/// `$VAR`, else `$HOME/DEFAULT` of the real home.
fn tool_home(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var).map_or_else(
        || PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(default),
        PathBuf::from,
    )
}

/// A temporary directory holding git repositories and a HOME for git.
pub struct Team {
    pub env: Env,
    /// Whether `ledger` draws change ids at random (as it does for users)
    /// rather than from a seed per clone.
    random_ids: bool,
}

impl Team {
    pub fn new() -> Team {
        let env = Env::new();
        std::fs::create_dir_all(env.path().join("home")).expect("home");
        Team {
            env,
            random_ids: false,
        }
    }

    /// A team whose `ledger` draws change ids from the operating system, as
    /// it does for users.
    pub fn with_random_ids() -> Team {
        Team {
            random_ids: true,
            ..Team::new()
        }
    }

    pub fn dir(&self, rel: &str) -> PathBuf {
        self.env.path().join(rel)
    }

    /// PATH with the directory of the binary under test first.
    fn path_var() -> String {
        let dir = bin().parent().expect("bin dir").display().to_string();
        match std::env::var("PATH") {
            Ok(p) => format!("{dir}:{p}"),
            Err(_) => dir,
        }
    }

    /// Runs `program args` in `dir` (relative to the temp dir) with the test
    /// environment, feeding `stdin`.
    pub fn cmd(&self, dir: &str, program: &Path, args: &[&str], stdin: Option<&[u8]>) -> Run {
        self.cmd_with(dir, program, args, stdin, &[])
    }

    /// [`Team::cmd`] with extra environment variables.
    pub fn cmd_with(
        &self,
        dir: &str,
        program: &Path,
        args: &[&str],
        stdin: Option<&[u8]>,
        vars: &[(&str, &str)],
    ) -> Run {
        let home = self.dir("home");
        let mut cmd = Command::new(program);
        if self.random_ids {
            cmd.env_remove("LEDGER_ID_SEED");
        } else {
            // One seed per clone: ids are the same on every run, and differ
            // between clones as random ones would.
            cmd.env(
                "LEDGER_ID_SEED",
                format!("{}-{}", crate::util::ID_SEED, dir.replace('/', "-")),
            );
        }
        cmd.args(args)
            .current_dir(self.dir(dir))
            .env("LEDGER_NOW", NOW)
            .env("LEDGER_CEILING_DIRECTORIES", self.env.ceiling())
            .env_remove("LEDGER_PATH")
            .env("COLUMNS", "100")
            .env("PATH", Self::path_var())
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Test Analyst")
            .env("GIT_AUTHOR_EMAIL", "analyst@example.org")
            .env("GIT_COMMITTER_NAME", "Test Analyst")
            .env("GIT_COMMITTER_EMAIL", "analyst@example.org")
            .env("GIT_AUTHOR_DATE", "2026-01-02T03:04:05Z")
            .env("GIT_COMMITTER_DATE", "2026-01-02T03:04:05Z")
            .env("GIT_MERGE_AUTOEDIT", "no")
            .env("LC_ALL", "C")
            // Cargo and rustup (for pre-commit's `cargo install`) stay where
            // they are although HOME moves.
            .env("CARGO_HOME", tool_home("CARGO_HOME", ".cargo"))
            .env("RUSTUP_HOME", tool_home("RUSTUP_HOME", ".rustup"))
            .env("PRE_COMMIT_HOME", home.join(".cache/pre-commit"))
            // Reuse one build directory across runs of the pre-commit test.
            .env(
                "CARGO_TARGET_DIR",
                crate::util::repo().join("target/pre-commit"),
            )
            .envs(vars.iter().copied());
        self.env.output(&mut cmd, stdin)
    }

    /// `git ARGS` in `dir`; must succeed.
    pub fn git(&self, dir: &str, args: &[&str]) -> Run {
        let r = self.cmd(dir, Path::new("git"), args, None);
        assert_eq!(r.code, 0, "git {args:?} in {dir} failed:\n{r}");
        r
    }

    /// `git ARGS` in `dir`, whatever its exit code.
    pub fn try_git(&self, dir: &str, args: &[&str]) -> Run {
        self.cmd(dir, Path::new("git"), args, None)
    }

    /// `ledger ARGS` in `dir`, whatever its exit code.
    pub fn run(&self, dir: &str, args: &[&str]) -> Run {
        self.cmd(dir, &bin(), args, None)
    }

    /// `ledger ARGS` in `dir`; must succeed.
    pub fn ok(&self, dir: &str, args: &[&str]) -> Run {
        let r = self.run(dir, args);
        assert_eq!(r.code, 0, "ledger {args:?} in {dir} failed:\n{r}");
        r
    }

    pub fn read(&self, rel: &str) -> Vec<u8> {
        self.env.read(rel)
    }

    /// A new repository `dir` on branch main.
    pub fn init_repo(&self, dir: &str) {
        std::fs::create_dir_all(self.dir(dir)).expect("repo dir");
        self.git(dir, &["init", "--quiet", "--initial-branch=main"]);
    }

    /// Commits everything in `dir`.
    pub fn commit(&self, dir: &str, msg: &str) {
        self.git(dir, &["add", "--all"]);
        self.git(dir, &["commit", "--quiet", "-m", msg]);
    }

    /// `ledger add` of a fact `id` citing `globe`, in `dir`.
    pub fn add(&self, dir: &str, id: &str, statement: &str) -> Run {
        self.ok(dir, &add_args(id, statement))
    }

    /// `ledger add` of a fact citing `globe` without `--id`, in `dir`;
    /// returns the change id it got.
    pub fn add_default(&self, dir: &str, statement: &str) -> String {
        let mut args = add_args("", statement);
        args.drain(1..3);
        args.extend(["--format", "json"]);
        let r = self.ok(dir, &args);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
        let id = v["id"].as_str().expect("id").to_string();
        assert!(ledger::ids::is_change_id(&id), "{r}");
        id
    }
}

/// The arguments of `ledger add` for a fact `id` citing source `globe`.
fn add_args<'a>(id: &'a str, statement: &'a str) -> Vec<&'a str> {
    vec![
        "add",
        "--id",
        id,
        "--subject",
        "CA-KP",
        "--topic",
        "embassy",
        "--modality",
        "reported",
        "--statement",
        statement,
        "--source",
        "globe",
        "--locator",
        "p1",
    ]
}

/// A repository `dir` set up with `git-setup`, holding a ledger with one source
/// and fact `emb`, committed on main.
pub fn team_repo(t: &Team, dir: &str) {
    t.init_repo(dir);
    t.ok(dir, &["--ledger", L, "init", "--title", "Team ledger"]);
    t.ok(
        dir,
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
    t.add(dir, "emb", "Canada studied reopening its embassy.");
    t.ok(dir, &["git-setup"]);
    t.commit(dir, "A ledger with one fact");
}

/// The ids of the facts, retractions, ... of a ledger, in order, with their
/// kinds: `fact emb`, `retract emb`.
pub fn entries(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8(bytes.to_vec()).expect("utf-8");
    text.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json line");
            let kind = v["kind"].as_str().unwrap_or("").to_string();
            let b = &v["body"];
            let id = b["id"]
                .as_str()
                .or_else(|| b["target"].as_str())
                .or_else(|| b["title"].as_str())
                .unwrap_or("");
            format!("{kind} {id}")
        })
        .collect()
}

/// The `body` and `recorded` of every line: what a merge must keep.
pub fn payloads(bytes: &[u8]) -> Vec<String> {
    String::from_utf8(bytes.to_vec())
        .expect("utf-8")
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json line");
            format!("{} {}", v["recorded"], v["body"])
        })
        .collect()
}

/// Asserts that the document `rel` (from the repository root) shows `text`
/// verbatim.
pub fn doc_shows(rel: &str, text: &str) {
    let doc = std::fs::read_to_string(crate::util::repo().join(rel)).expect(rel);
    assert!(
        doc.contains(text),
        "{rel} does not show this output:\n{text}"
    );
}

/// Lines of git's output that come from the merge driver (they name the ledger).
pub fn driver_lines(r: &Run) -> String {
    format!("{}{}", r.stdout, r.stderr)
        .lines()
        .filter(|l| {
            l.starts_with(L)
                || l.starts_with("  ")
                || l.starts_with("error:")
                || l.trim_start().starts_with("= help")
        })
        .filter(|l| !l.contains('|'))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn concurrent_appends_merge_cleanly_with_the_driver() {
    let t = Team::new();
    team_repo(&t, "repo");
    let base = t.read(&format!("repo/{L}"));
    t.git("repo", &["checkout", "--quiet", "-b", "bob"]);
    t.add("repo", "bob-1", "Officials met in Vancouver.");
    t.add("repo", "bob-2", "Officials met in Ottawa.");
    t.commit("repo", "Bob's facts");
    let bobs = t.read(&format!("repo/{L}"));
    t.git("repo", &["checkout", "--quiet", "main"]);
    t.add(
        "repo",
        "alice-1",
        "Canada offered to help verify disarmament.",
    );
    t.ok(
        "repo",
        &[
            "retract",
            "emb",
            "--reason",
            "erroneous",
            "--note",
            "Misread.",
        ],
    );
    t.commit("repo", "Alice's facts");
    let alices = t.read(&format!("repo/{L}"));

    let merge = t.git("repo", &["merge", "--no-edit", "bob"]);
    insta::assert_snapshot!("merge_clean", driver_lines(&merge));
    let merged = t.read(&format!("repo/{L}"));
    // Ours first, unchanged; then theirs' new entries; every entry once.
    assert!(merged.starts_with(&alices));
    assert_eq!(
        entries(&merged),
        [
            "genesis Team ledger",
            "source globe",
            "fact emb",
            "fact alice-1",
            "retract emb",
            "fact bob-1",
            "fact bob-2",
        ]
    );
    assert!(merged.starts_with(&base));
    // Theirs' entries keep their record times and bodies.
    let (m, b) = (payloads(&merged), payloads(&bobs));
    assert_eq!(m[5..], b[3..]);
    // The result verifies, and the merge commit holds it.
    let v = t.ok("repo", &["verify"]);
    assert!(v.stdout.starts_with("ok: "), "{v}");
    let status = t.git("repo", &["status", "--porcelain"]);
    assert_eq!(status.stdout, "");
    let committed = t.git("repo", &["show", &format!("HEAD:{L}")]);
    assert_eq!(committed.stdout.as_bytes(), merged.as_slice());
}

#[test]
fn a_branch_merged_twice_adds_only_its_new_entries() {
    // Bob's branch is merged into main, Bob goes on appending on it, and it is
    // merged again: the merge base is then Bob's first commit, whose entries
    // main holds re-chained. They are recognised (same record time and body)
    // and only Bob's later entries are re-appended.
    let t = Team::new();
    team_repo(&t, "repo");
    t.git("repo", &["checkout", "--quiet", "-b", "bob"]);
    t.add("repo", "bob-1", "Officials met in Vancouver.");
    t.commit("repo", "Bob 1");
    t.git("repo", &["checkout", "--quiet", "main"]);
    t.add("repo", "alice-1", "Canada offered help.");
    t.commit("repo", "Alice 1");
    t.git("repo", &["merge", "--quiet", "--no-edit", "bob"]);
    t.git("repo", &["checkout", "--quiet", "bob"]);
    t.add("repo", "bob-2", "Officials met in Ottawa.");
    t.commit("repo", "Bob 2");
    t.git("repo", &["checkout", "--quiet", "main"]);
    t.add("repo", "alice-2", "Canada studied a visit.");
    t.commit("repo", "Alice 2");
    let merge = t.git("repo", &["merge", "--no-edit", "bob"]);
    insta::assert_snapshot!("merge_twice", driver_lines(&merge));
    assert_eq!(
        entries(&t.read(&format!("repo/{L}")))[3..],
        ["fact alice-1", "fact bob-1", "fact alice-2", "fact bob-2"]
    );
    t.ok("repo", &["verify"]);
}

#[test]
fn a_branch_of_several_commits_rebases_onto_main() {
    // Each commit is replayed with the driver: from the second one on, the
    // merge base is the previous commit, whose entries ours holds re-chained.
    let t = Team::new();
    team_repo(&t, "repo");
    t.git("repo", &["checkout", "--quiet", "-b", "feature"]);
    for id in ["feature-1", "feature-2", "feature-3"] {
        t.add("repo", id, "A statement.");
        t.commit("repo", id);
    }
    t.git("repo", &["checkout", "--quiet", "main"]);
    t.add("repo", "main-1", "Another statement.");
    t.commit("repo", "main-1");
    let main = t.read(&format!("repo/{L}"));
    t.git("repo", &["checkout", "--quiet", "feature"]);
    let rebase = t.git("repo", &["rebase", "main"]);
    insta::assert_snapshot!("rebase_three_commits", driver_lines(&rebase));
    let rebased = t.read(&format!("repo/{L}"));
    assert!(rebased.starts_with(&main));
    assert_eq!(
        entries(&rebased)[3..],
        [
            "fact main-1",
            "fact feature-1",
            "fact feature-2",
            "fact feature-3"
        ]
    );
    t.ok("repo", &["verify"]);
    let log = t.git("repo", &["log", "--format=%s", "main..feature"]);
    assert_eq!(log.stdout, "feature-3\nfeature-2\nfeature-1\n");
}

#[test]
fn a_team_clones_sets_up_and_merges_concurrent_additions() {
    // The walkthrough of docs/TEAM.md: a shared repository, two clones, one setup
    // command each, facts on branches, and a merge of concurrent additions.
    let t = Team::new();
    team_repo(&t, "seed");
    t.git(".", &["clone", "--quiet", "--bare", "seed", "origin.git"]);
    for who in ["alice", "bob"] {
        t.git(".", &["clone", "--quiet", "origin.git", who]);
        let setup = t.ok(who, &["git-setup"]);
        insta::assert_snapshot!("setup_in_a_clone", setup.stdout);
        doc_shows("docs/TEAM.md", &setup.stdout);
    }
    // Bob adds a fact on a branch and it is merged into main on the server.
    // Nobody passes --id: each fact gets a change id.
    t.git("bob", &["switch", "--quiet", "-c", "bob/meetings"]);
    let bobs = t.add_default("bob", "Officials met in Vancouver.");
    t.ok("bob", &["verify"]);
    t.git(
        "bob",
        &["commit", "--quiet", "-am", "Add the Vancouver meetings"],
    );
    t.git("bob", &["push", "--quiet", "origin", "bob/meetings"]);
    // Meanwhile Alice adds a fact on her own branch, as docs/TEAM.md shows.
    t.git("alice", &["switch", "--quiet", "-c", "alice/offer"]);
    let alices = t.add_default("alice", "Canada offered to help verify.");
    t.ok("alice", &["verify"]);
    t.git(
        "alice",
        &["commit", "--quiet", "-am", "Add the verification offer"],
    );
    t.git("alice", &["push", "--quiet", "origin", "alice/offer"]);
    // Bob's pull request is merged first.
    t.git("bob", &["switch", "--quiet", "main"]);
    t.git("bob", &["merge", "--quiet", "bob/meetings"]);
    t.git("bob", &["push", "--quiet", "origin", "main"]);
    // Alice brings her branch up to date by rebasing it on main: git runs the
    // ledger merge driver, which keeps main's entries and re-appends hers.
    t.git("alice", &["fetch", "--quiet", "origin"]);
    let rebase = t.git("alice", &["rebase", "origin/main"]);
    insta::assert_snapshot!("walkthrough_rebase", driver_lines(&rebase));
    doc_shows("docs/TEAM.md", &driver_lines(&rebase));
    // Her branch now only appends to main: main's head is an anchor of it.
    let main_ledger = t.git("alice", &["show", &format!("origin/main:{L}")]);
    let head = t.cmd(
        "alice",
        &bin(),
        &["head", "--stdin"],
        Some(main_ledger.stdout.as_bytes()),
    );
    assert_eq!(head.code, 0, "{head}");
    t.ok("alice", &["verify", "--anchor", head.stdout.trim()]);
    assert_eq!(
        entries(&t.read(&format!("alice/{L}")))[3..],
        [format!("fact {bobs}"), format!("fact {alices}")]
    );
    // Her pull request then merges into main without a conflict.
    t.git(
        "alice",
        &[
            "push",
            "--quiet",
            "--force-with-lease",
            "origin",
            "alice/offer",
        ],
    );
    t.git("bob", &["fetch", "--quiet", "origin"]);
    t.git(
        "bob",
        &["merge", "--quiet", "--no-edit", "origin/alice/offer"],
    );
    assert_eq!(t.read(&format!("bob/{L}")), t.read(&format!("alice/{L}")));
}

#[test]
fn a_side_that_rewrote_history_is_refused() {
    let t = Team::new();
    team_repo(&t, "repo");
    t.git("repo", &["checkout", "--quiet", "-b", "bob"]);
    // Bob rebuilds the ledger with a different source title: every hash after
    // the genesis changes, and the file still verifies on its own.
    std::fs::remove_file(t.dir(&format!("repo/{L}"))).expect("rm");
    t.ok("repo", &["--ledger", L, "init", "--title", "Team ledger"]);
    t.ok(
        "repo",
        &[
            "source",
            "add",
            "--id",
            "globe",
            "--title",
            "Rewritten",
            "--publisher",
            "The Globe and Mail",
        ],
    );
    t.add("repo", "emb", "Canada studied reopening its embassy.");
    t.add("repo", "bob-1", "Officials met.");
    t.commit("repo", "Bob rewrites");
    t.git("repo", &["checkout", "--quiet", "main"]);
    t.add("repo", "alice-1", "Canada offered help.");
    t.commit("repo", "Alice appends");
    let ours = t.read(&format!("repo/{L}"));
    let merge = t.try_git("repo", &["merge", "--no-edit", "bob"]);
    assert_ne!(merge.code, 0, "{merge}");
    insta::assert_snapshot!("merge_rewritten_history", driver_lines(&merge));
    // The driver left ours in place and git reports a conflict.
    assert_eq!(t.read(&format!("repo/{L}")), ours);
    let status = t.git("repo", &["status", "--porcelain"]);
    assert_eq!(status.stdout, format!("UU {L}\n"));
    t.git("repo", &["merge", "--abort"]);
}

#[test]
fn semantic_conflicts_are_refused_naming_both_entries() {
    let t = Team::new();
    team_repo(&t, "repo");
    t.git("repo", &["checkout", "--quiet", "-b", "bob"]);
    t.ok(
        "repo",
        &[
            "retract",
            "emb",
            "--reason",
            "duplicate",
            "--note",
            "Bob's.",
        ],
    );
    t.add("repo", "meetings", "Officials met in Ottawa.");
    t.commit("repo", "Bob");
    t.git("repo", &["checkout", "--quiet", "main"]);
    t.ok(
        "repo",
        &[
            "retract",
            "emb",
            "--reason",
            "erroneous",
            "--note",
            "Alice's.",
        ],
    );
    t.add("repo", "meetings", "Officials met in Vancouver.");
    t.commit("repo", "Alice");
    let ours = t.read(&format!("repo/{L}"));
    let merge = t.try_git("repo", &["merge", "--no-edit", "bob"]);
    assert_ne!(merge.code, 0, "{merge}");
    insta::assert_snapshot!("merge_semantic_conflicts", driver_lines(&merge));
    doc_shows("docs/TEAM.md", &driver_lines(&merge));
    assert_eq!(t.read(&format!("repo/{L}")), ours);
    t.git("repo", &["merge", "--abort"]);
}

/// Three versions of a ledger as files for calling the driver directly:
/// base (genesis, source, fact `emb`), and `ours`/`theirs` as copies of it.
pub fn three_versions(t: &Team) {
    team_repo(t, "repo");
    for f in ["base", "ours", "theirs"] {
        std::fs::copy(t.dir(&format!("repo/{L}")), t.dir(f)).expect("copy");
    }
}

/// Appends a fact to the ledger file `rel` (relative to the temp dir).
pub fn add_to(t: &Team, rel: &str, id: &str) {
    let mut args = vec!["--ledger", rel];
    args.extend(add_args(id, "A statement."));
    t.ok(".", &args);
}

#[test]
fn the_driver_takes_the_only_side_that_changed() {
    let t = Team::new();
    three_versions(&t);
    // Only theirs appended: ours becomes theirs, byte for byte.
    add_to(&t, "theirs", "t1");
    let r = t.ok(".", &["merge-driver", "base", "ours", "theirs", L]);
    insta::assert_snapshot!("driver_fast_forward", r.stdout);
    assert_eq!(t.read("ours"), t.read("theirs"));
    // Only ours appended (theirs is the base): ours is kept as it is.
    std::fs::copy(t.dir("base"), t.dir("theirs")).expect("copy");
    add_to(&t, "ours", "o1");
    let before = t.read("ours");
    let r = t.ok(".", &["merge-driver", "base", "ours", "theirs", L]);
    insta::assert_snapshot!("driver_unchanged", r.stdout);
    assert_eq!(t.read("ours"), before);
    // Both made the same additions: nothing to add.
    std::fs::copy(t.dir("ours"), t.dir("theirs")).expect("copy");
    t.ok(".", &["merge-driver", "base", "ours", "theirs", L]);
    assert_eq!(t.read("ours"), before);
    // The JSON report of a re-chaining merge.
    add_to(&t, "theirs", "t2");
    add_to(&t, "ours", "o2");
    let r = t.ok(
        ".",
        &[
            "merge-driver",
            "base",
            "ours",
            "theirs",
            L,
            "--format",
            "json",
        ],
    );
    insta::assert_snapshot!("driver_json", r.stdout);
    assert_eq!(
        entries(&t.read("ours"))[3..],
        ["fact t1", "fact o1", "fact o2", "fact t2"]
    );
    t.ok(".", &["--ledger", "ours", "verify"]);
}

#[test]
fn the_driver_refuses_and_leaves_ours_unchanged() {
    let t = Team::new();
    three_versions(&t);
    add_to(&t, "ours", "o1");
    let ours = t.read("ours");
    let refused = |label: &str| {
        let r = t.run(".", &["merge-driver", "base", "ours", "theirs", L]);
        assert_ne!(r.code, 0, "{r}");
        assert_eq!(t.read("ours"), ours, "{label}: ours changed");
        insta::assert_snapshot!(label, r.to_string());
    };
    // Theirs lost an entry of the base.
    let base = t.read("base");
    let cut = &base[..base[..base.len() - 1]
        .iter()
        .rposition(|&b| b == b'\n')
        .expect("lines")
        + 1];
    std::fs::write(t.dir("theirs"), cut).expect("write");
    refused("driver_truncated_theirs");
    // Theirs does not verify.
    std::fs::write(t.dir("theirs"), [&base[..], b"{\"seq\":3}\n"].concat()).expect("write");
    refused("driver_damaged_theirs");
    // Theirs is another ledger altogether.
    std::fs::remove_file(t.dir("theirs")).expect("rm");
    let mut other = Env::new();
    other.set_now("2026-02-03T04:05:06Z");
    other.ok(&["--ledger", "x.jsonl", "init", "--title", "Another"]);
    std::fs::write(t.dir("theirs"), other.read("x.jsonl")).expect("write");
    std::fs::write(t.dir("empty"), b"").expect("write");
    let r = t.run(".", &["merge-driver", "empty", "ours", "theirs", L]);
    assert_eq!(t.read("ours"), ours);
    insta::assert_snapshot!("driver_not_the_same_ledger", r.to_string());
    // Ours lost an entry of the base: refused the same way, ours unchanged.
    std::fs::copy(t.dir("base"), t.dir("theirs")).expect("copy");
    add_to(&t, "theirs", "t1");
    std::fs::write(t.dir("ours"), cut).expect("write");
    let r = t.run(".", &["merge-driver", "base", "ours", "theirs", L]);
    assert_ne!(r.code, 0, "{r}");
    assert_eq!(t.read("ours"), cut);
    insta::assert_snapshot!("driver_truncated_ours", r.stderr);
    std::fs::write(t.dir("ours"), &ours).expect("write");
    // An id f<seq> (the default of older versions, still valid where it was
    // written) cannot move to another seq.
    std::fs::copy(t.dir("base"), t.dir("theirs")).expect("copy");
    t.ok(
        ".",
        &[
            "--ledger",
            "theirs",
            "add",
            "--subject",
            "CA-KP",
            "--topic",
            "embassy",
            "--statement",
            "S.",
            "--source",
            "globe",
            "--locator",
            "p1",
            "--id",
            "f3",
        ],
    );
    refused("driver_automatic_id");
}

#[test]
fn rebase_onto_moves_offline_entries_after_the_other_copy() {
    let t = Team::new();
    three_versions(&t);
    // "theirs" plays the shared copy, "ours" the one edited offline.
    std::fs::rename(t.dir("theirs"), t.dir("shared.jsonl")).expect("mv");
    std::fs::rename(t.dir("ours"), t.dir("offline.jsonl")).expect("mv");
    add_to(&t, "shared.jsonl", "shared-1");
    add_to(&t, "offline.jsonl", "offline-1");
    add_to(&t, "offline.jsonl", "offline-2");
    let shared = t.read("shared.jsonl");
    let r = t.ok(
        ".",
        &[
            "--ledger",
            "offline.jsonl",
            "rebase",
            "--onto",
            "shared.jsonl",
        ],
    );
    insta::assert_snapshot!("rebase_onto", r.stdout);
    let rebased = t.read("offline.jsonl");
    assert!(rebased.starts_with(&shared));
    assert_eq!(
        entries(&rebased)[3..],
        ["fact shared-1", "fact offline-1", "fact offline-2"]
    );
    t.ok(".", &["--ledger", "offline.jsonl", "verify"]);
    assert_eq!(t.read("shared.jsonl"), shared);
    // Again: it already extends the other copy, so nothing changes.
    let r = t.ok(
        ".",
        &[
            "--ledger",
            "offline.jsonl",
            "rebase",
            "--onto",
            "shared.jsonl",
        ],
    );
    assert_eq!(t.read("offline.jsonl"), rebased);
    insta::assert_snapshot!("rebase_onto_again", r.stdout);
    // A conflicting entry refuses the rebase and leaves the file unchanged.
    t.ok(
        ".",
        &[
            "--ledger",
            "shared.jsonl",
            "retract",
            "emb",
            "--reason",
            "erroneous",
        ],
    );
    t.ok(
        ".",
        &[
            "--ledger",
            "offline.jsonl",
            "retract",
            "emb",
            "--reason",
            "duplicate",
        ],
    );
    let before = t.read("offline.jsonl");
    let r = t.run(
        ".",
        &[
            "--ledger",
            "offline.jsonl",
            "rebase",
            "--onto",
            "shared.jsonl",
        ],
    );
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(t.read("offline.jsonl"), before);
    insta::assert_snapshot!("rebase_onto_conflict", r.to_string());
}

#[test]
fn git_setup_writes_once_and_says_what_it_wrote() {
    let t = Team::new();
    t.init_repo("repo");
    t.env
        .write("repo/.gitattributes", "*.png binary\n*.txt text eol=lf");
    std::fs::create_dir_all(t.dir("repo/ledger")).expect("mkdir");
    let first = t.ok("repo/ledger", &["git-setup"]);
    insta::assert_snapshot!("git_setup_first", first.stdout);
    let second = t.ok("repo", &["git-setup"]);
    insta::assert_snapshot!("git_setup_again", second.stdout);
    let attrs = String::from_utf8(t.read("repo/.gitattributes")).expect("utf-8");
    assert_eq!(
        attrs,
        "*.png binary\n*.txt text eol=lf\nledger/*.jsonl text eol=lf merge=ledger\n"
    );
    let ignore = String::from_utf8(t.read("repo/.gitignore")).expect("utf-8");
    assert_eq!(
        ignore,
        "ledger/*.jsonl.torn-*\nledger/.*.jsonl.idx\nledger/.*.jsonl.import\nledger/*.jsonl.import-*\n"
    );
    let driver = t.git("repo", &["config", "--get", "merge.ledger.driver"]);
    assert_eq!(driver.stdout, "ledger merge-driver %O %A %B %P\n");
    let attr = t.git(
        "repo",
        &["check-attr", "merge", "eol", "--", "ledger/team.jsonl"],
    );
    assert_eq!(
        attr.stdout,
        "ledger/team.jsonl: merge: ledger\nledger/team.jsonl: eol: lf\n"
    );
    // Another driver program replaces the configured one, and only that.
    let program = bin().display().to_string();
    let other = t.ok("repo", &["git-setup", "--program", &program]);
    assert_eq!(
        other
            .stdout
            .lines()
            .filter(|l| l.contains(": wrote "))
            .count(),
        1,
        "{other}"
    );
    let driver = t.git("repo", &["config", "--get", "merge.ledger.driver"]);
    assert_eq!(
        driver.stdout,
        format!("{program} merge-driver %O %A %B %P\n")
    );
    // A program git cannot find is configured, with a warning.
    let missing = t.ok("repo", &["git-setup", "--program", "no-such-ledger"]);
    insta::assert_snapshot!("git_setup_program_not_on_path", missing.stdout);
    t.ok("repo", &["git-setup"]);
    // A ledger elsewhere gets its own directory's pattern.
    let json = t.ok(
        "repo",
        &[
            "--ledger",
            "data/facts/x.jsonl",
            "git-setup",
            "--format",
            "json",
        ],
    );
    insta::assert_snapshot!("git_setup_other_dir_json", json.stdout);
    // Outside a repository it refuses.
    std::fs::create_dir_all(t.dir("plain")).expect("mkdir");
    let r = t.run("plain", &["git-setup"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(!t.dir("plain/.gitattributes").exists());
    insta::assert_snapshot!("git_setup_outside_a_repository", r.stderr);
}

/// A ledger directory whose name would change what `.gitattributes` and
/// `.gitignore` mean (a line break starts a new rule; a space ends the
/// pattern; `*?[\\` are globs; a leading `#`, `!` or `"` makes a comment, a
/// negation or a quoted pattern) is refused before anything is written: both
/// files and the git config stay as they were. Ordinary names, non-ASCII
/// letters and dots included, are written as they are.
#[test]
fn git_setup_refuses_a_directory_name_git_would_read_as_more_than_a_name() {
    let t = Team::new();
    t.init_repo("repo");
    t.env.write("repo/.gitattributes", "*.png binary\n");
    let mut shown = String::new();
    for name in [
        "a\nb",
        "a\rb",
        "#notes",
        "!keep",
        "\"quoted",
        "trailing ",
        "two words",
        "tab\there",
        "star*",
        "what?",
        "[ab]",
        "back\\slash",
        "ok/inner*",
    ] {
        std::fs::create_dir_all(t.dir(&format!("repo/{name}"))).expect("mkdir");
        let ledger = format!("{name}/x.jsonl");
        let r = t.run("repo", &["--ledger", &ledger, "git-setup"]);
        assert_eq!(r.code, 2, "{name:?}: {r}");
        assert_eq!(t.read("repo/.gitattributes"), b"*.png binary\n", "{name:?}");
        assert!(!t.dir("repo/.gitignore").exists(), "{name:?}");
        let config = t.try_git("repo", &["config", "--get", "merge.ledger.driver"]);
        assert_ne!(config.code, 0, "{name:?}: git config was written: {config}");
        if name.starts_with('a') || name.starts_with('#') {
            shown.push_str(&r.stderr);
        }
    }
    insta::assert_snapshot!("git_setup_refuses_pattern_names", shown);
    // An ordinary name is written as it is, and git reads it back.
    std::fs::create_dir_all(t.dir("repo/données/v1.2")).expect("mkdir");
    t.ok("repo", &["--ledger", "données/v1.2/x.jsonl", "git-setup"]);
    let attr = t.git(
        "repo",
        &[
            "-c",
            "core.quotePath=false",
            "check-attr",
            "merge",
            "--",
            "données/v1.2/x.jsonl",
        ],
    );
    assert_eq!(attr.stdout, "données/v1.2/x.jsonl: merge: ledger\n");
}

#[test]
fn head_stdin_prints_what_head_prints_for_the_file() {
    let t = Team::new();
    team_repo(&t, "repo");
    let bytes = t.read(&format!("repo/{L}"));
    for format in ["text", "json"] {
        let file = t.ok("repo", &["head", "--format", format]);
        let piped = t.cmd(
            ".",
            &bin(),
            &["head", "--stdin", "--format", format],
            Some(&bytes),
        );
        assert_eq!(piped.code, 0, "{piped}");
        assert_eq!(piped.stdout, file.stdout);
    }
    // A cut-off input and an empty one are refused like a torn file.
    let cut = t.cmd(
        ".",
        &bin(),
        &["head", "--stdin"],
        Some(&bytes[..bytes.len() - 5]),
    );
    let empty = t.cmd(".", &bin(), &["head", "--stdin"], Some(b""));
    insta::assert_snapshot!("head_stdin_refusals", format!("{cut}{empty}"));
    assert_eq!((cut.code, empty.code), (1, 1));
}

#[test]
fn rebase_onto_a_copy_that_has_everything_or_is_another_ledger() {
    let t = Team::new();
    three_versions(&t);
    std::fs::rename(t.dir("theirs"), t.dir("shared.jsonl")).expect("mv");
    std::fs::rename(t.dir("ours"), t.dir("offline.jsonl")).expect("mv");
    // This copy has nothing of its own: it becomes a copy of the other.
    add_to(&t, "shared.jsonl", "shared-1");
    let r = t.ok(
        ".",
        &[
            "--ledger",
            "offline.jsonl",
            "rebase",
            "--onto",
            "shared.jsonl",
        ],
    );
    insta::assert_snapshot!("rebase_onto_copy", r.stdout);
    assert_eq!(t.read("offline.jsonl"), t.read("shared.jsonl"));
    // Another ledger altogether is refused, and nothing changes.
    let other = Env::new();
    other.ok(&["--ledger", "x.jsonl", "init", "--title", "Another"]);
    std::fs::write(t.dir("other.jsonl"), other.read("x.jsonl")).expect("write");
    let before = t.read("offline.jsonl");
    let r = t.run(
        ".",
        &[
            "--ledger",
            "offline.jsonl",
            "rebase",
            "--onto",
            "other.jsonl",
        ],
    );
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(t.read("offline.jsonl"), before);
    insta::assert_snapshot!("rebase_onto_other_ledger", r.stderr);
}

/// The shell commands of the `run:` steps of a GitHub Actions workflow file,
/// in order (a small reader for the shapes docs/ci/ledger-verify.yml uses).
fn workflow_runs(yaml: &str) -> Vec<String> {
    let lines: Vec<&str> = yaml.lines().collect();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let indent = line.len() - line.trim_start().len();
        if let Some(rest) = line.trim_start().strip_prefix("run:") {
            if rest.trim() == "|" {
                let mut block = String::new();
                i += 1;
                while i < lines.len()
                    && (lines[i].trim().is_empty()
                        || lines[i].len() - lines[i].trim_start().len() > indent)
                {
                    block.push_str(lines[i].trim_start());
                    block.push('\n');
                    i += 1;
                }
                runs.push(block);
                continue;
            }
            runs.push(rest.trim().to_string());
        }
        i += 1;
    }
    runs
}

#[test]
fn the_documented_workflow_passes_an_append_and_fails_a_rewrite() {
    let yaml = std::fs::read_to_string(crate::util::repo().join("docs/ci/ledger-verify.yml"))
        .expect("docs/ci/ledger-verify.yml");
    // docs/CI.md shows the workflow as it is in docs/ci/.
    doc_shows(
        "docs/CI.md",
        &yaml[yaml.find("name: ledger verify").expect("workflow name")..],
    );
    let runs = workflow_runs(&yaml);
    assert_eq!(runs.len(), 3, "{runs:?}");
    assert!(runs[0].starts_with("cargo install"), "{runs:?}");
    let t = Team::new();
    // The workflow uses `verify --since` and `verify --format github`; run it
    // only with a build that has both.
    let help = t.run(".", &["verify", "--help"]);
    if !(help.stdout.contains("--since") && help.stdout.contains("github")) {
        eprintln!("skipped: this build's `ledger verify` lacks --since or --format github");
        return;
    }
    team_repo(&t, "seed");
    t.git(".", &["clone", "--quiet", "--bare", "seed", "origin.git"]);
    t.git(".", &["clone", "--quiet", "origin.git", "pr"]);
    t.git("pr", &["switch", "--quiet", "-c", "feature"]);
    t.add("pr", "new-fact", "Officials met.");
    let ci = |label: &str| {
        let mut out = String::new();
        let mut code = 0;
        for run in &runs[1..] {
            let r = t.cmd(
                "pr",
                Path::new("bash"),
                &["-e", "-c", &format!("BASE=main\n{run}")],
                None,
            );
            out.push_str(&r.to_string());
            if r.code != 0 {
                code = r.code;
                break;
            }
        }
        eprintln!("{label}:\n{out}");
        code
    };
    assert_eq!(ci("append"), 0);
    // A pull request that rewrote main's last entry fails.
    let text = String::from_utf8(t.read(&format!("pr/{L}"))).expect("utf-8");
    let mut lines: Vec<&str> = text.lines().collect();
    lines.truncate(2);
    std::fs::write(t.dir(&format!("pr/{L}")), format!("{}\n", lines.join("\n"))).expect("write");
    t.add("pr", "emb", "Canada studied something else.");
    assert_ne!(ci("rewrite"), 0);
}
