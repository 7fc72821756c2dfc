//! Authoring without hand-editing JSON: ids that need no choosing (change
//! ids, typed by any unique prefix), corrections for facts and sources (what
//! a supersession does with citations and disputes, source amendments with
//! their history), discrepancy ids that stay put, commands that find their
//! ledger from any subdirectory, and hints that name the command that fixes
//! the situation.
//!
//! Most tests here are written as a user types commands (`Env::sh`), with
//! the fixed clock and change-id seed of every test (see `util`).

use crate::util::{Env, Run};
use serde_json::Value;

const L: &str = "ledger/test.jsonl";

/// Two sources (`trans` a translation of `orig`) and a fact `emb` citing a
/// span of `orig` with a quote, disputed by `trans`.
fn disputed() -> Env {
    let env = Env::new();
    env.init();
    env.sh_ok(
        "ledger source add --id orig --title 'Original report' --publisher 'Daily Paper' \
             --published 2020 &&
         ledger source add --id trans --title 'Translated report' --publisher 'Other Paper' \
             --derived-from orig --derivation translation &&
         ledger add --id emb --subject CA-KP --topic embassy --modality considered \
             --statement 'Canada studied reopening its embassy.' \
             --source orig --locator p4:10-21 --quote 'studying it' --valid-from 2019 &&
         ledger dispute emb --source trans --locator p5 --difference overstates \
             --statement 'Ottawa was ready to reopen the embassy.'",
    );
    env
}

fn json(r: &Run) -> Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{r}"))
}

/// The report's discrepancies as JSON.
fn discrepancies(env: &Env, extra: &str) -> Vec<Value> {
    let r = env.sh_ok(&format!(
        "ledger summary --as-of 2021 --format json {extra}"
    ));
    json(&r)["discrepancies"]
        .as_array()
        .expect("discrepancies")
        .clone()
}

/// The "## Discrepancies" section of a Markdown report.
fn discrepancy_section(markdown: &str) -> String {
    let from = markdown
        .find("## Discrepancies")
        .expect("a Discrepancies section");
    let to = markdown[from..]
        .find("## Sources")
        .map_or(markdown.len(), |i| from + i);
    markdown[from..to].to_string()
}

/// The last line of the ledger, as JSON.
fn last_entry(env: &Env) -> Value {
    let text = String::from_utf8(env.read(L)).expect("UTF-8");
    serde_json::from_str(text.lines().last().expect("a line")).expect("JSON")
}

#[test]
fn supersede_carries_citations_forward_and_keeps_its_disputes_visible() {
    let env = disputed();
    let before = discrepancies(&env, "");
    assert_eq!(before.len(), 1);
    let id = before[0]["id"].as_str().expect("id").to_string();

    // Only the date changes: statement, quote, span and paragraph carry over.
    let r = env.sh_ok(
        "ledger supersede emb --reason 'the report dates the study to 2018' \
             --valid-from 2018 --id emb-2018",
    );
    insta::assert_snapshot!("supersede_keeps_disputes", r.stdout);
    let e = last_entry(&env);
    assert_eq!(e["format"], 1, "nothing of format 2 is used: {e}");
    assert_eq!(
        e["body"]["fact"]["citations"],
        serde_json::json!([{"paragraph": 4, "quote": "studying it", "source": "orig", "span": [10, 21]}])
    );
    // The dispute did not vanish: it is about the superseded version, and
    // keeps its id.
    let after = discrepancies(&env, "");
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0]["id"], id.as_str());
    assert_eq!(after[0]["about_superseded"], "emb");
    assert_eq!(after[0]["facts"], serde_json::json!(["emb-2018"]));
    let md = env.sh_ok("ledger summary --as-of 2021").stdout;
    insta::assert_snapshot!("report_dispute_about_superseded", discrepancy_section(&md));
    insta::assert_snapshot!(
        "show_superseding_version",
        env.sh_ok("ledger show emb-2018").stdout
    );

    // A dispute that still applies is carried: the report lists it as the
    // new version's, still under the same id.
    env.sh_ok(
        "ledger dispute emb-2018 --source trans --locator p6 --difference imprecise \
             --statement 'The study began in 2019.'",
    );
    let r = env.sh_ok(
        "ledger supersede emb-2 --reason 'a second reading' --statement 'Canada studied it.' \
             --disputes carry --id emb-v3",
    );
    insta::assert_snapshot!("supersede_carries_disputes", r.stdout);
    assert_eq!(
        last_entry(&env)["format"],
        2,
        "carrying disputes is format 2"
    );
    let carried = discrepancies(&env, "");
    assert_eq!(carried.len(), 2, "{carried:?}");
    assert_eq!(
        carried[0]["id"],
        id.as_str(),
        "the first dispute keeps its id"
    );
    assert_eq!(carried[0]["about_superseded"], "emb");
    assert_eq!(carried[1]["carried_from"], "emb-2018");
    let md = env.sh_ok("ledger summary --as-of 2021").stdout;
    insta::assert_snapshot!("report_dispute_carried", discrepancy_section(&md));
    env.sh_ok("ledger verify");

    // New citations replace the old ones.
    env.sh_ok("ledger supersede emb-v3 --reason r --source trans --locator p2 --id emb-v4");
    assert_eq!(
        last_entry(&env)["body"]["fact"]["citations"],
        serde_json::json!([{"paragraph": 2, "source": "trans"}])
    );
}

#[test]
fn discrepancy_ids_do_not_depend_on_date_order_or_a_rebase() {
    // A fact that begins in 2021, disputed first: its dispute is listed
    // only in later reports, before the dispute of `emb`.
    let env = Env::new();
    env.init();
    env.sh_ok(
        "ledger source add --id orig --title 'Original report' --publisher 'Daily Paper' &&
         ledger source add --id trans --title 'Translated report' --publisher 'Other Paper' &&
         ledger add --id later --subject CA-KP --topic embassy --statement 'A later fact.' \
             --source orig --valid-from 2021 &&
         ledger dispute later --source trans --statement 'Not so.' &&
         ledger add --id emb --subject CA-KP --topic embassy --statement 'Canada studied it.' \
             --source orig --valid-from 2019 &&
         ledger dispute emb --source trans --difference overstates --statement 'Ottawa was ready.'",
    );
    let ids = |extra: &str| -> Vec<String> {
        let r = env.sh_ok(&format!("ledger summary --format json {extra}"));
        json(&r)["discrepancies"]
            .as_array()
            .expect("discrepancies")
            .iter()
            .map(|d| d["id"].as_str().expect("id").to_string())
            .collect()
    };
    let in_2020 = ids("--as-of 2020");
    let in_2022 = ids("--as-of 2022");
    assert_eq!(in_2020.len(), 1);
    assert_eq!(in_2022.len(), 2);
    assert_eq!(in_2022[1], in_2020[0], "the same dispute, the same id");
    // An earlier position in the ledger (--at) gives the same ids too.
    assert_eq!(ids("--as-of 2022 --at 4"), in_2022[..1]);

    // A copy edited offline disputes `emb` again; rebased onto a ledger that
    // moved on, its dispute gets a new seq and keeps its id.
    std::fs::copy(env.path().join(L), env.path().join("offline.jsonl")).expect("copy");
    env.sh_ok(
        "ledger --ledger offline.jsonl dispute emb --source trans --statement 'Another view.'",
    );
    let offline = |env: &Env| -> Vec<String> {
        let r = env.sh_ok("ledger --ledger offline.jsonl summary --as-of 2022 --format json");
        json(&r)["discrepancies"]
            .as_array()
            .expect("discrepancies")
            .iter()
            .map(|d| d["id"].as_str().expect("id").to_string())
            .collect()
    };
    let before = offline(&env);
    env.sh_ok("ledger add --subject CA-KP --topic embassy --statement 'Meanwhile.' --source orig");
    env.sh_ok("ledger --ledger offline.jsonl rebase --onto ledger/test.jsonl");
    let mut after = offline(&env);
    let mut before = before;
    after.sort();
    before.sort();
    assert_eq!(after, before);
}

#[test]
fn sources_are_amended_and_keep_their_history() {
    let env = disputed();
    env.write(
        "article.txt",
        "First paragraph.\n\nCanada was studying it.\n",
    );
    let r = env.sh_ok(
        "ledger source amend orig --reason 'the headline was mistyped' \
             --title 'Original report on the talks' --published 2020-03 --file article.txt",
    );
    assert!(
        r.stdout
            .starts_with("appended amend orig to ledger/test.jsonl at seq 5"),
        "{r}"
    );
    assert_eq!(last_entry(&env)["format"], 2);
    env.sh_ok(
        "ledger source amend tra --reason 'the text says where it comes from' \
             --publisher 'Other Paper, English edition' --language en --unset derived-from",
    );
    insta::assert_snapshot!("amended_sources", env.sh_ok("ledger sources").stdout);
    insta::assert_snapshot!(
        "amended_source_history",
        env.sh_ok("ledger show orig").stdout
    );
    let report = env.sh_ok("ledger summary --as-of 2021").stdout;
    let sources = &report[report.find("## Sources").expect("Sources")..];
    insta::assert_snapshot!("amended_sources_in_the_report", sources);
    let j = json(&env.sh_ok("ledger summary --as-of 2021 --format json"));
    assert_eq!(j["sources"][0]["title"], "Original report on the talks");
    assert_eq!(
        j["sources"][0]["amendments"][0]["changed"],
        serde_json::json!(["published", "sha256", "title"])
    );
    // The translation no longer derives from the original, so the two now
    // count as independent.
    assert_eq!(j["sources"][1]["derivation"], serde_json::json!([]));
    // cite-check compares with the amended digest.
    let r = env.sh("ledger cite-check orig article.txt");
    assert!(!r.stdout.contains("is not the archived text"), "{r}");
    env.sh_ok("ledger verify");

    // Refusals leave the ledger as it was.
    let refusals = [
        "source amend emb --reason r --title T",
        "source amend orgi --reason r --title T",
        "source amend orig --reason r",
        "source amend orig --reason r --derived-from trans --derivation summary",
        "source amend orig --reason r --derived-from orig --derivation summary",
        "source amend orig --reason r --title T --unset note --unset note --publisher ' '",
    ];
    let mut out = String::new();
    for args in refusals {
        let args: Vec<&str> = shell_words(args);
        let r = env.refused(L, &args, 2);
        out.push_str(&format!("$ ledger {}\n{}\n", args.join(" "), r.stderr));
    }
    insta::assert_snapshot!("amend_refusals", out);
}

/// Splits a command line at spaces, keeping quoted words ('…') whole.
fn shell_words(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s.trim();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('\'') {
            let end = r.find('\'').expect("closing quote");
            out.push(&r[..end]);
            rest = r[end + 1..].trim_start();
        } else {
            let end = rest.find(' ').unwrap_or(rest.len());
            out.push(&rest[..end]);
            rest = rest[end..].trim_start();
        }
    }
    out
}

#[test]
fn every_id_argument_takes_a_unique_prefix_and_lists_ambiguous_ones() {
    let env = Env::new();
    env.init();
    env.write("article.txt", "Canada was studying it.\n");
    let id = |r: &Run| -> String {
        let v = json(r);
        v["id"].as_str().expect("id").to_string()
    };
    let src = id(&env.sh_ok(
        "ledger source add --title Report --publisher Paper --file article.txt --format json",
    ));
    assert!(ledger::ids::is_change_id(&src));
    let p = |x: &str| x[..4].to_string();
    let tr = id(&env.sh_ok(&format!(
        "ledger source add --title Translation --publisher Other --derived-from {} \
             --derivation translation --format json",
        p(&src)
    )));
    let fact = id(&env.sh_ok(&format!(
        "ledger add --subject CA-KP --topic embassy --statement 'Canada studied it.' \
             --source {} --locator p1 --quote studying --format json",
        p(&src)
    )));
    env.sh_ok(&format!(
        "ledger dispute {} --source {} --statement 'Not quite.'",
        p(&fact),
        p(&tr)
    ));
    let new = id(&env.sh_ok(&format!(
        "ledger supersede {} --reason r --source {} --format json",
        p(&fact),
        p(&src)
    )));
    env.sh_ok(&format!(
        "ledger source amend {} --reason r --language en",
        p(&tr)
    ));
    env.sh_ok(&format!("ledger cite-check {} article.txt", p(&src)));
    env.sh_ok(&format!("ledger cite-check {}", p(&src)));
    env.sh_ok(&format!("ledger locate {} studying", p(&src)));
    env.sh_ok(&format!("ledger show {} --evidence", p(&fact)));
    // The proof commands name an entry by the id it introduced, or a prefix.
    let proof = json(&env.sh_ok(&format!("ledger prove {}", p(&fact))));
    assert_eq!(proof["seq"], 3, "{proof}");
    let line = String::from_utf8(env.read(L)).expect("UTF-8");
    let line = line.lines().nth(3).expect("line 4");
    env.write("proved-line", line);
    env.sh_ok("ledger keygen example.org/log >/dev/null");
    env.sh_ok("ledger publish public --key example.org_log.key >/dev/null");
    env.sh_ok(&format!(
        "ledger check-published public --key example.org_log.pub --prove {} \
             --line \"$(cat proved-line)\"",
        p(&fact)
    ));
    let shown = env.sh_ok(&format!("ledger show {}", p(&fact))).stdout;
    assert!(
        shown.starts_with(&format!("fact {fact} (superseded by")),
        "{shown}"
    );
    env.sh_ok(&format!(
        "ledger retract {} --reason duplicate --source {}",
        p(&new),
        p(&src)
    ));
    let log = json(&env.sh_ok("ledger log --format json"));
    // The ledger holds whole ids only.
    assert_eq!(log[3]["body"]["citations"][0]["source"], src.as_str());
    assert_eq!(log[4]["body"]["target"], fact.as_str());
    assert_eq!(log[6]["body"]["target"], tr.as_str());
    assert_eq!(log[7]["body"]["target"], new.as_str());
    // Text shows each change id by a prefix no other id shares.
    insta::assert_snapshot!("log_with_change_ids", env.sh_ok("ledger log").stdout);

    // Facts until two share a first letter: that letter is ambiguous.
    let mut ids: Vec<String> = vec![src, tr, fact, new];
    let letter = loop {
        let first: Vec<char> = ids
            .iter()
            .map(|i| i.chars().next().unwrap_or('k'))
            .collect();
        if let Some(c) = first
            .iter()
            .enumerate()
            .find(|(i, c)| first[..*i].contains(c))
            .map(|(_, c)| *c)
        {
            break c;
        }
        ids.push(id(&env.sh_ok(&format!(
            "ledger add --subject CA-KP --topic embassy --statement 'More.' --source {} \
                 --format json",
            p(&ids[0])
        ))));
    };
    let r = env.refused(L, &["show", &letter.to_string()], 2);
    insta::assert_snapshot!("ambiguous_prefix", r.stderr);
}

#[test]
fn commands_find_the_ledger_from_any_subdirectory_and_init_refuses_a_second() {
    let env = Env::new();
    env.sh_ok("git init -q proj && mkdir -p proj/notes/sub outer/ledger outer/repo/sub");
    env.sh_ok("cd proj && ledger init --title 'Project ledger'");
    let mut out = String::new();
    for dir in ["proj/ledger", "proj/notes/sub"] {
        let r = env.sh_ok(&format!("cd {dir} && ledger verify && ledger"));
        out.push_str(&format!(
            "$ cd {dir} && ledger verify && ledger\n{}\n",
            r.stdout
        ));
    }
    // A second `init` anywhere in the project is refused, creating nothing.
    let r = env.sh("cd proj/notes/sub && ledger init --title Stray");
    assert_eq!(r.code, 2, "{r}");
    assert!(!env.path().join("proj/notes/sub/ledger").exists());
    out.push_str(&format!(
        "$ cd proj/notes/sub && ledger init --title Stray\n{}\n",
        r.stderr
    ));
    let r = env.sh("cd proj && ledger init --title 'Second'");
    assert_eq!(r.code, 2, "{r}");
    // --force creates it; the nearest ledger/ then serves that directory.
    env.sh_ok("cd proj/notes/sub && ledger init --title Stray --force");
    let r = env.sh_ok("cd proj/notes/sub && ledger");
    assert!(r.stdout.starts_with("ledger: ledger/stray.jsonl"), "{r}");
    // The search stops at the repository root: a ledger/ above it is not
    // this project's.
    env.sh_ok("cd outer && ledger --ledger ledger/x.jsonl init --title X && git init -q repo");
    let r = env.sh("cd outer/repo/sub && ledger verify");
    assert_eq!(r.code, 2, "{r}");
    out.push_str(&format!(
        "$ cd outer/repo/sub && ledger verify\n{}\n",
        r.stderr
    ));
    env.sh_ok("cd outer/repo && ledger init --title 'Repo ledger'");
    insta::assert_snapshot!("found_from_subdirectories", out);
}

#[test]
fn hints_name_the_command_that_fixes_the_situation() {
    let env = Env::new();
    let mut out = String::new();
    let mut show = |script: &str, code: i32| {
        let r = env.sh(script);
        assert_eq!(r.code, code, "{script}: {r}");
        out.push_str(&format!("$ {script}\n{r}\n"));
    };
    // A new ledger gives an empty report, not an error.
    show(
        "ledger init --title 'New ledger' >/dev/null && ledger summary",
        0,
    );
    show(
        "ledger source add --id globe --title T --publisher P >/dev/null",
        0,
    );
    show(
        "ledger add --subject CA-KP --topic santions --statement S. --source globe",
        2,
    );
    show("ledger log --topic nope", 2);
    show("ledger log --topic sanctions", 0);
    show("ledger --format json", 0);
    show("ledger --format json verify", 2);
    // One JSON error: on stdout for `summary`; stderr says it in words.
    show("ledger --ledger missing.jsonl summary --format json", 2);
    insta::assert_snapshot!("hints", out);
    let r = env.sh("ledger summary --format json");
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(json(&r)["subject"], "");
}

/// The "Every command, in one session" block of docs/USAGE.md, run as
/// written in a fresh directory: a
/// git repository holding the files it names (`article.txt` and
/// `translation.txt`, short stand-ins for the seed texts that hold the
/// quotes, `batch.jsonl`, and `other.jsonl`, a copy of the ledger for
/// `rebase --onto`). `data::usage_walkthrough_is_exact_for_the_seed_texts`
/// runs its first commands on the seed texts themselves.
#[test]
fn usage_session_runs_as_written() {
    let usage =
        std::fs::read_to_string(crate::util::repo().join("docs/USAGE.md")).expect("docs/USAGE.md");
    let from = usage
        .find("## Every command, in one session")
        .expect("a section with every command");
    let block = &usage[from..];
    let start = block.find("```sh\n").expect("a sh block") + 6;
    let end = start + block[start..].find("```").expect("end of block");
    let commands = ledger::cli::examples::joined(&block[start..end]);
    assert!(commands.len() > 20, "{commands:?}");
    let env = Env::new();
    env.sh_ok("git init -q .");
    env.write(
        "article.txt",
        "Canada was studying the possibility of reopening its embassy in Pyongyang.\n",
    );
    env.write(
        "translation.txt",
        "Documents show that Ottawa was ready to reopen its embassy in Pyongyang.\n",
    );
    env.write(
        "batch.jsonl",
        r#"{"kind":"fact","body":{"citations":[{"source":"globe"}],"id":"no-embassy","modality":"reported","statement":"Canada has no embassy in Pyongyang.","subject":"CA-KP","topic":"embassy"}}
"#,
    );
    for c in &commands {
        if c.contains("rebase --onto other.jsonl") {
            env.write(
                "other.jsonl",
                env.read("ledger/canada-north-korea-relations.jsonl"),
            );
        }
        env.sh_ok(c);
        if c.starts_with("ledger dispute") {
            // The report words the dispute as the guide's example wrote it.
            let md = env.sh_ok("ledger summary --as-of 2019").stdout;
            insta::assert_snapshot!("usage_dispute", discrepancy_section(&md));
        }
    }
    env.sh_ok("ledger verify");
}
