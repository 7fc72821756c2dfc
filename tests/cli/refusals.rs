//! Refused commands leave the ledger byte-for-byte unchanged; `repair` moves only
//! a torn tail; ledger discovery without `--ledger`.

use crate::fixture::{LEDGER, define, join, ledger_path, lines, sample};
use crate::util::{Env, NOW, Run, bin};
use ledger::entry::Term;
use ledger::error::Error;
use std::process::{Command, Stdio};

/// Runs the binary like `Env::run`, with extra environment variables.
fn run_with_env(env: &Env, args: &[&str], vars: &[(&str, &str)]) -> Run {
    let out = Command::new(bin())
        .args(args)
        .current_dir(env.path())
        .env("LEDGER_NOW", NOW)
        .env("LEDGER_CEILING_DIRECTORIES", env.ceiling())
        .env_remove("LEDGER_PATH")
        .envs(vars.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("run ledger");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: env.normalize(&String::from_utf8_lossy(&out.stdout)),
        stderr: env.normalize(&String::from_utf8_lossy(&out.stderr)),
    }
}

/// The sample ledger with its last line cut in half (an interrupted write);
/// returns the complete lines and the torn bytes.
fn torn(env: &Env) -> (Vec<u8>, Vec<u8>) {
    let mut l = lines(&sample(env));
    let last = l.pop().expect("line");
    let cut = last[..last.len() / 2].to_vec();
    let complete = join(&l);
    env.write(LEDGER, [complete.as_slice(), &cut].concat());
    (complete, cut)
}

/// Files in the ledger directory, sorted.
fn ledger_dir(env: &Env) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(env.path().join("ledger"))
        .expect("ledger dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn help_of(e: &Error) -> String {
    format!("{e}\nhelp: {}", e.help().unwrap_or(""))
}

#[test]
fn init_never_overwrites() {
    let env = Env::new();
    sample(&env);
    let r = env.refused(LEDGER, &["--ledger", LEDGER, "init", "--title", "Again"], 2);
    insta::assert_snapshot!("init_over_existing", r.to_string());
    // An empty file is not overwritten either.
    env.write("ledger/empty.jsonl", b"");
    env.refused(
        "ledger/empty.jsonl",
        &["--ledger", "ledger/empty.jsonl", "init", "--title", "X"],
        2,
    );
}

#[test]
fn head_refuses_a_torn_tail() {
    let env = Env::new();
    torn(&env);
    let r = env.refused(LEDGER, &["--ledger", LEDGER, "head"], 1);
    assert!(r.stderr.contains("ledger repair"), "{r}");
    insta::assert_snapshot!("head_torn_tail", r.to_string());
}

#[test]
fn library_append_refuses_a_torn_tail() {
    let env = Env::new();
    torn(&env);
    let before = env.read(LEDGER);
    let path = ledger_path(&env);
    let body = || vec![define(Term::Topic, "energy", "Energy")];

    let e = ledger::store::lock(&path)
        .expect("lock")
        .append(NOW, body())
        .expect_err("append on a torn tail");
    assert_eq!(e.exit_code(), 1);
    assert!(help_of(&e).contains("ledger repair"), "{}", help_of(&e));
    assert_eq!(env.read(LEDGER), before);

    let e = ledger::store::append_checked(&path, NOW, |_, _| Ok(body()))
        .expect_err("append_checked on a torn tail");
    assert_eq!(e.exit_code(), 1);
    assert!(help_of(&e).contains("ledger repair"), "{}", help_of(&e));
    assert_eq!(env.read(LEDGER), before);
    insta::assert_snapshot!("append_checked_torn_tail", env.normalize(&help_of(&e)));
}

#[test]
fn writing_command_refuses_a_torn_tail() {
    let env = Env::new();
    torn(&env);
    let r = env.refused(
        LEDGER,
        &[
            "--ledger", LEDGER, "define", "topic", "energy", "--label", "Energy",
        ],
        1,
    );
    assert!(r.stderr.contains("ledger repair"), "{r}");
    insta::assert_snapshot!("define_torn_tail", r.to_string());
}

#[test]
fn append_refuses_a_damaged_ledger() {
    let env = Env::new();
    let bytes = sample(&env);
    let path = ledger_path(&env);
    let body = || vec![define(Term::Topic, "energy", "Energy")];

    // The last entry edited: even the O(1) tail check sees it.
    let mut l = lines(&bytes);
    let last = l.len() - 1;
    l[last] = crate::fixture::replace(&l[last], "HanVoice", "HanVoicE");
    env.write(LEDGER, join(&l));
    let e = ledger::store::lock(&path)
        .expect("lock")
        .append(NOW, body())
        .expect_err("append after a damaged last entry");
    assert_eq!(e.exit_code(), 1, "{e}");
    assert_eq!(env.read(LEDGER), join(&l));

    // An entry in the middle edited: the checked append verifies everything.
    let mut l = lines(&bytes);
    l[3] = crate::fixture::replace(&l[3], "in 2001", "in 2002");
    env.write(LEDGER, join(&l));
    let e = ledger::store::append_checked(&path, NOW, |_, _| Ok(body()))
        .expect_err("append_checked after a damaged middle entry");
    assert_eq!(e.exit_code(), 1, "{e}");
    assert_eq!(env.read(LEDGER), join(&l));
    insta::assert_snapshot!("append_checked_damaged", env.normalize(&help_of(&e)));
}

#[test]
fn repair_leaves_an_intact_ledger_alone() {
    let env = Env::new();
    sample(&env);
    let r = env.refused(LEDGER, &["--ledger", LEDGER, "repair"], 0);
    insta::assert_snapshot!("repair_intact", r.to_string());
    assert_eq!(ledger_dir(&env), ["test.jsonl"], "no side file");
}

#[test]
fn repair_moves_only_the_torn_line() {
    let env = Env::new();
    let (complete, cut) = torn(&env);
    let r = env.ok(&["--ledger", LEDGER, "repair"]);
    insta::assert_snapshot!("repair_torn", r.to_string());
    assert_eq!(env.read(LEDGER), complete, "every complete line is kept");
    let side = "ledger/test.jsonl.torn-20260102T030405Z";
    assert_eq!(
        env.read(side),
        cut,
        "the side file holds exactly the removed bytes"
    );
    env.ok(&["--ledger", LEDGER, "verify"]);
    env.ok(&["--ledger", LEDGER, "head"]);
    // Writing works again.
    env.ok(&[
        "--ledger", LEDGER, "define", "topic", "energy", "--label", "Energy",
    ]);
    env.ok(&["--ledger", LEDGER, "verify"]);

    // A second torn write with the same clock gets a side file of its own.
    let again = env.read(LEDGER);
    env.write(LEDGER, [again.as_slice(), b"{\"body\":"].concat());
    let r = env.ok(&["--ledger", LEDGER, "repair", "--format", "json"]);
    insta::assert_snapshot!("repair_torn_again_json", r.to_string());
    assert_eq!(env.read(LEDGER), again);
    assert_eq!(env.read(&format!("{side}-1")), b"{\"body\":");
    assert_eq!(env.read(side), cut, "the first side file is untouched");
}

#[test]
fn repair_of_a_file_without_any_newline() {
    // Only a torn genesis: everything goes to the side file, leaving an empty
    // ledger that verify reports as such.
    let env = Env::new();
    env.write(LEDGER, b"{\"body\":{\"created\"");
    env.ok(&["--ledger", LEDGER, "repair"]);
    assert_eq!(env.read(LEDGER), b"");
    assert_eq!(
        env.read("ledger/test.jsonl.torn-20260102T030405Z"),
        b"{\"body\":{\"created\""
    );
    let r = env.run(&["--ledger", LEDGER, "verify"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stdout.contains("error[empty]"), "{r}");
}

#[test]
fn discovery_without_a_ledger_directory() {
    let env = Env::new();
    let r = env.run(&["verify"]);
    assert_eq!(r.code, 2, "{r}");
    insta::assert_snapshot!("discovery_no_dir", r.to_string());
}

#[test]
fn discovery_with_an_empty_ledger_directory() {
    let env = Env::new();
    std::fs::create_dir(env.path().join("ledger")).expect("mkdir");
    let r = env.run(&["head"]);
    assert_eq!(r.code, 2, "{r}");
    insta::assert_snapshot!("discovery_empty_dir", r.to_string());
}

#[test]
fn discovery_with_several_ledgers() {
    let env = Env::new();
    env.ok(&["--ledger", "ledger/b.jsonl", "init", "--title", "B"]);
    env.ok(&["--ledger", "ledger/a.jsonl", "init", "--title", "A"]);
    let r = env.refused("ledger/a.jsonl", &["verify"], 2);
    assert!(r.stderr.contains("ledger/a.jsonl") && r.stderr.contains("ledger/b.jsonl"));
    insta::assert_snapshot!("discovery_several", r.to_string());
    // Writing commands refuse the same way, touching neither file.
    env.refused(
        "ledger/b.jsonl",
        &["define", "topic", "energy", "--label", "Energy"],
        2,
    );
}

#[test]
fn discovery_of_the_single_ledger() {
    let env = Env::new();
    sample(&env);
    // A file that is not *.jsonl does not count.
    env.write("ledger/notes.txt", "not a ledger");
    let r = env.ok(&["verify"]);
    assert!(
        r.stdout.starts_with("ok: ledger/test.jsonl: 7 entries"),
        "{r}"
    );
}

#[test]
fn ledger_path_environment_variable() {
    let env = Env::new();
    env.ok(&["--ledger", "ledger/a.jsonl", "init", "--title", "A"]);
    env.ok(&["--ledger", "ledger/b.jsonl", "init", "--title", "B"]);
    let r = run_with_env(&env, &["verify"], &[("LEDGER_PATH", "ledger/b.jsonl")]);
    assert_eq!(r.code, 0, "{r}");
    insta::assert_snapshot!("ledger_path_env", r.to_string());
    // --ledger wins over LEDGER_PATH.
    let r = run_with_env(
        &env,
        &["--ledger", "ledger/a.jsonl", "verify"],
        &[("LEDGER_PATH", "ledger/b.jsonl")],
    );
    assert!(r.stdout.contains("ledger/a.jsonl"), "{r}");
    // A LEDGER_PATH that names no file.
    let r = run_with_env(&env, &["head"], &[("LEDGER_PATH", "ledger/missing.jsonl")]);
    assert_eq!(r.code, 2, "{r}");
    insta::assert_snapshot!("ledger_path_missing", r.to_string());
}
