//! Team authoring in real git: three people on three branches, none passing
//! `--id`, each registering the same source, adding facts, disputing one and
//! superseding it; their branches land on main in every order, by merge and
//! by rebase, and the result verifies and holds every entry once.
//!
//! `ledger` draws its change ids from the operating system here, as it does
//! for users (no `LEDGER_ID_SEED`).

use crate::git::{L, Team, payloads, team_repo};
use crate::util::bin;

const PEOPLE: [&str; 3] = ["ana", "ben", "chloe"];

/// A record time per person, so the three registrations of the same source
/// differ in time and only in time.
fn clock(who: &str) -> &'static str {
    match who {
        "ana" => "2026-03-01T09:00:00Z",
        "ben" => "2026-03-01T10:30:00Z",
        _ => "2026-03-02T08:15:00Z",
    }
}

/// `ledger ARGS` in `who`'s clone, at `who`'s time; must succeed.
fn ledger(t: &Team, who: &str, args: &[&str]) -> String {
    let r = t.cmd_with(who, &bin(), args, None, &[("LEDGER_NOW", clock(who))]);
    assert_eq!(r.code, 0, "{who}: ledger {args:?}:\n{r}");
    r.stdout
}

/// `ledger add` without `--id`; the change id it printed.
fn add(t: &Team, who: &str, statement: &str, source: &str) -> String {
    let out = ledger(
        t,
        who,
        &[
            "add",
            "--subject",
            "CA-KP",
            "--topic",
            "engagement",
            "--statement",
            statement,
            "--source",
            source,
            "--locator",
            "p2",
            "--quote",
            "met",
            "--format",
            "json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let id = v["id"].as_str().expect("id").to_string();
    assert!(ledger::ids::is_change_id(&id), "{out}");
    id
}

/// One person's branch, pushed to origin: the source `rfa` (the same details
/// as everyone's), two facts, a dispute of the first and a supersession of it
/// (typed by prefixes), carrying the dispute when `carry`.
fn work(t: &Team, who: &str, carry: bool) {
    t.git(who, &["switch", "--quiet", "-c", &format!("{who}/work")]);
    ledger(
        t,
        who,
        &[
            "source",
            "add",
            "--id",
            "rfa",
            "--title",
            "Report on the talks",
            "--publisher",
            "Example Radio",
            "--published",
            "2019",
        ],
    );
    let first = add(t, who, &format!("{who}: officials met in Ottawa."), "rfa");
    add(
        t,
        who,
        &format!("{who}: officials met in Vancouver."),
        "globe",
    );
    ledger(
        t,
        who,
        &[
            "dispute",
            &first[..6],
            "--source",
            "globe",
            "--locator",
            "p3",
            "--difference",
            "contradicts",
            "--statement",
            "The meeting was in Toronto.",
        ],
    );
    let mut supersede = vec![
        "supersede",
        &first[..6],
        "--reason",
        "the report dates the meeting",
        "--valid-from",
        "2018-09",
    ];
    if carry {
        supersede.extend(["--disputes", "carry"]);
    }
    let said = ledger(t, who, &supersede);
    assert!(said.contains("1 dispute of"), "{said}");
    ledger(t, who, &["verify"]);
    t.commit(who, &format!("{who}'s facts"));
    t.git(who, &["push", "--quiet", "origin", &format!("{who}/work")]);
}

/// How a branch lands on main.
#[derive(Debug, Clone, Copy)]
enum Land {
    /// `git merge` of the branch on main: the driver re-appends its entries.
    Merge,
    /// The branch is rebased onto main (the driver re-appends its entries),
    /// checked as CI checks a pull request, then main fast-forwards to it.
    Rebase,
}

#[test]
fn three_people_branches_land_in_every_order_and_every_entry_is_kept_once() {
    let t = Team::with_random_ids();
    team_repo(&t, "seed");
    t.git(".", &["clone", "--quiet", "--bare", "seed", "origin.git"]);
    for (i, who) in PEOPLE.iter().enumerate() {
        t.git(".", &["clone", "--quiet", "origin.git", who]);
        t.ok(who, &["git-setup"]);
        work(&t, who, i == 1);
    }
    let base = payloads(&t.read(&format!("seed/{L}")));
    let branch = |who: &str| -> Vec<String> {
        let show = t.git(who, &["show", &format!("{who}/work:{L}")]);
        payloads(show.stdout.as_bytes())[base.len()..].to_vec()
    };
    let mut expected: Vec<String> = base.clone();
    for who in PEOPLE {
        expected.extend(branch(who));
    }
    // The three registrations of `rfa` differ only in their record time.
    let rfa: Vec<&String> = expected
        .iter()
        .filter(|p| p.contains(r#""id":"rfa""#))
        .collect();
    assert_eq!(rfa.len(), 3);

    let orders = [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ];
    let mut n = 0;
    for order in orders {
        for land in [Land::Merge, Land::Rebase] {
            n += 1;
            let dir = format!("main-{n}");
            t.git(".", &["clone", "--quiet", "origin.git", &dir]);
            t.ok(&dir, &["git-setup"]);
            for &i in &order {
                let who = PEOPLE[i];
                let remote = format!("origin/{who}/work");
                match land {
                    Land::Merge => {
                        t.git(&dir, &["merge", "--quiet", "--no-edit", &remote]);
                    }
                    Land::Rebase => {
                        let main_head = t.ok(&dir, &["head"]).stdout;
                        t.git(&dir, &["switch", "--quiet", "-c", "pr", &remote]);
                        t.git(&dir, &["rebase", "--quiet", "main"]);
                        // What CI checks on the pull request: it only appends.
                        t.ok(&dir, &["verify", "--since", main_head.trim()]);
                        t.git(&dir, &["switch", "--quiet", "main"]);
                        t.git(&dir, &["merge", "--quiet", "--ff-only", "pr"]);
                        t.git(&dir, &["branch", "--quiet", "-D", "pr"]);
                    }
                }
                t.ok(&dir, &["verify"]);
            }
            let got = payloads(&t.read(&format!("{dir}/{L}")));
            // Every entry once; of the three registrations of `rfa`, the
            // first to land.
            let first_rfa = branch(PEOPLE[order[0]])
                .into_iter()
                .find(|p| p.contains(r#""id":"rfa""#))
                .expect("rfa");
            let mut want: Vec<&String> = expected
                .iter()
                .filter(|p| !p.contains(r#""id":"rfa""#) || **p == first_rfa)
                .collect();
            let mut have: Vec<&String> = got.iter().collect();
            want.sort();
            have.sort();
            assert_eq!(have, want, "{order:?} {land:?}");
            // Main's report lists the three disputes: one carried to the new
            // version, two about the versions they were recorded against.
            let json = t.ok(&dir, &["summary", "--format", "json"]).stdout;
            let report: serde_json::Value = serde_json::from_str(&json).expect("JSON");
            let disputes = report["discrepancies"].as_array().expect("discrepancies");
            assert_eq!(disputes.len(), 3, "{order:?} {land:?}: {json}");
            let carried = disputes
                .iter()
                .filter(|d| d["carried_from"].is_string())
                .count();
            let about_old = disputes
                .iter()
                .filter(|d| d["about_superseded"].is_string())
                .count();
            assert_eq!((carried, about_old), (1, 2), "{order:?} {land:?}");
        }
    }
}

/// `ledger add` without `--id` in `dir`, drawing ids from `seed` (two
/// branches of one clone would otherwise draw the same seeded ids).
fn add_seeded(t: &Team, dir: &str, seed: &str, statement: &str) {
    let r = t.cmd_with(
        dir,
        &bin(),
        &[
            "add",
            "--subject",
            "CA-KP",
            "--topic",
            "embassy",
            "--statement",
            statement,
            "--source",
            "globe",
        ],
        None,
        &[("LEDGER_ID_SEED", seed)],
    );
    assert_eq!(r.code, 0, "{r}");
}

/// `git merge origin/main` into a branch keeps the branch's entries first, so
/// the branch no longer only appends to main; `verify --since` (what CI runs)
/// says so and names the fix, and the fix works.
#[test]
fn a_branch_that_merged_main_is_told_to_rebase() {
    let t = Team::new();
    team_repo(&t, "repo");
    t.git("repo", &["switch", "--quiet", "-c", "topic"]);
    add_seeded(&t, "repo", "topic", "Officials met in Ottawa.");
    t.commit("repo", "topic");
    t.git("repo", &["switch", "--quiet", "main"]);
    add_seeded(&t, "repo", "main", "Officials met in Vancouver.");
    t.commit("repo", "main");
    let main_head = t.ok("repo", &["head"]).stdout;
    t.git("repo", &["switch", "--quiet", "topic"]);
    t.git("repo", &["merge", "--quiet", "--no-edit", "main"]);
    let r = t.run("repo", &["verify", "--since", main_head.trim()]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stdout.contains("git rebase origin/main"), "{r}");
    insta::assert_snapshot!("merged_main_is_told_to_rebase", r.stdout);
    // Undo the merge and rebase, as the hint says: the branch appends again.
    t.git("repo", &["reset", "--quiet", "--hard", "ORIG_HEAD"]);
    t.git("repo", &["rebase", "--quiet", "main"]);
    t.ok("repo", &["verify", "--since", main_head.trim()]);
}

/// A clone without `ledger git-setup` merges a ledger as text; the conflict
/// markers git writes make `verify` and every write point at `git-setup`.
#[test]
fn conflict_markers_point_at_git_setup() {
    let t = Team::new();
    t.init_repo("repo");
    t.ok("repo", &["--ledger", L, "init", "--title", "Team ledger"]);
    t.ok(
        "repo",
        &[
            "source",
            "add",
            "--id",
            "globe",
            "--title",
            "Report",
            "--publisher",
            "P",
        ],
    );
    t.commit("repo", "start");
    t.git("repo", &["switch", "--quiet", "-c", "topic"]);
    add_seeded(&t, "repo", "topic", "Officials met in Ottawa.");
    t.commit("repo", "topic");
    t.git("repo", &["switch", "--quiet", "main"]);
    add_seeded(&t, "repo", "main", "Officials met in Vancouver.");
    t.commit("repo", "main");
    let merge = t.try_git("repo", &["merge", "--no-edit", "topic"]);
    assert_ne!(merge.code, 0, "{merge}");
    let r = t.run("repo", &["verify"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stdout.contains("ledger git-setup"), "{r}");
    insta::assert_snapshot!("conflict_markers", r.stdout);
    let w = t.run("repo", &["define", "topic", "trade", "--label", "Trade"]);
    assert_eq!(w.code, 1, "{w}");
    assert!(w.stderr.contains("ledger git-setup"), "{w}");
    t.git("repo", &["merge", "--abort"]);
}

/// The merge driver keeps one of two identical registrations of a source,
/// and refuses two different ones under one id, or one source member amended
/// to different values, naming both entries.
#[test]
fn the_driver_keeps_one_registration_and_refuses_clashing_ones() {
    use crate::git::three_versions;
    let mut t = Team::new();
    three_versions(&t);
    let register = |t: &Team, file: &str, now: &str, title: &str| {
        let r = t.cmd_with(
            ".",
            &bin(),
            &[
                "--ledger",
                file,
                "source",
                "add",
                "--id",
                "rfa",
                "--title",
                title,
                "--publisher",
                "Example Radio",
            ],
            None,
            &[("LEDGER_NOW", now)],
        );
        assert_eq!(r.code, 0, "{r}");
    };
    register(&t, "ours", "2026-03-01T09:00:00Z", "Report on the talks");
    register(&t, "theirs", "2026-03-01T10:00:00Z", "Report on the talks");
    let ours_then_fact = |file: &str| {
        t.ok(
            ".",
            &[
                "--ledger",
                file,
                "add",
                "--subject",
                "CA-KP",
                "--topic",
                "embassy",
                "--statement",
                "Cites rfa.",
                "--source",
                "rfa",
            ],
        );
    };
    ours_then_fact("theirs");
    let r = t.ok(".", &["merge-driver", "base", "ours", "theirs", L]);
    insta::assert_snapshot!("driver_same_source", r.stdout);
    let merged = crate::git::entries(&t.read("ours"));
    assert_eq!(
        merged.iter().filter(|e| *e == "source rfa").count(),
        1,
        "{merged:?}"
    );
    t.ok(".", &["--ledger", "ours", "verify"]);

    // Different details under one id: refused, ours unchanged.
    t = Team::new();
    three_versions(&t);
    register(&t, "ours", "2026-03-01T09:00:00Z", "Report on the talks");
    register(
        &t,
        "theirs",
        "2026-03-01T10:00:00Z",
        "Report on the secret talks",
    );
    let before = t.read("ours");
    let r = t.run(".", &["merge-driver", "base", "ours", "theirs", L]);
    assert_ne!(r.code, 0, "{r}");
    assert_eq!(t.read("ours"), before);
    insta::assert_snapshot!("driver_different_sources", r.stderr);

    // The same member amended to different values on the two sides: refused;
    // to the same value: merged.
    t = Team::new();
    three_versions(&t);
    let amend = |t: &Team, file: &str, title: &str| {
        t.ok(
            ".",
            &[
                "--ledger", file, "source", "amend", "globe", "--reason", "r", "--title", title,
            ],
        );
    };
    amend(&t, "ours", "Report, corrected");
    amend(&t, "theirs", "Report, amended");
    let before = t.read("ours");
    let r = t.run(".", &["merge-driver", "base", "ours", "theirs", L]);
    assert_ne!(r.code, 0, "{r}");
    assert_eq!(t.read("ours"), before);
    insta::assert_snapshot!("driver_clashing_amendments", r.stderr);
    t = Team::new();
    three_versions(&t);
    amend(&t, "ours", "Report, corrected");
    amend(&t, "theirs", "Report, corrected");
    t.ok(".", &["merge-driver", "base", "ours", "theirs", L]);
    t.ok(".", &["--ledger", "ours", "verify"]);
}
